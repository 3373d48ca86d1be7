/* The JSON printer (libdsn/core/json.c): the text form and the tree form of
 * a report are the same JSON, text escaping is valid JSON for any input, a
 * caller's object can hold the report's members; and the report's getters
 * say what its JSON says (headers analysis, backscatter), on every test
 * message in both languages.
 * SPDX-License-Identifier: BSD-2-Clause */
#include "bounce/bounce.h"

#include <string.h>

static void
check_same (const DsnReport *rep)
{
  g_autoptr (JsonNode) tree = dsn_report_to_json (rep, "fr");
  g_autofree char *text = dsn_report_to_json_string (rep, "fr");
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  g_assert_true (json_parser_load_from_data (parser, text, -1, &error));
  g_assert_no_error (error);
  /* Same members, same order, same values: the same serialisation. */
  g_autofree char *a = json_to_string (tree, FALSE);
  g_autofree char *b = json_to_string (json_parser_get_root (parser), FALSE);
  g_assert_cmpstr (a, ==, b);
  g_assert_null (strchr (text, '\n'));
}

typedef void (*CheckFunc) (const DsnReport *rep, gpointer data);

/* Runs CHECK on the report of every test message of testdata/DIR; returns
 * how many there were. */
static guint
each_message (const DsnAnalyzer *an, const char *dir, CheckFunc check, gpointer data)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "..", "testdata", dir, NULL);
  g_autoptr (GDir) d = g_dir_open (path, 0, NULL);
  g_assert_nonnull (d);
  const char *name;
  guint n = 0;
  while ((name = g_dir_read_name (d))) {
    if (!g_str_has_suffix (name, ".eml"))
      continue;
    g_autofree char *file = g_build_filename (path, name, NULL);
    g_autofree char *text = NULL;
    gsize len;
    g_assert_true (g_file_get_contents (file, &text, &len, NULL));
    g_autoptr (DsnReport) rep = dsn_analyzer_analyze (an, text, len, NULL);
    g_assert_nonnull (rep);
    check (rep, data);
    n++;
  }
  return n;
}

static void
check_same_cb (const DsnReport *rep, G_GNUC_UNUSED gpointer data)
{
  check_same (rep);
}

static void
test_testdata (void)
{
  g_autoptr (DsnAnalyzer) an = dsn_analyzer_new ();
  g_assert_cmpuint (each_message (an, "bounces", check_same_cb, NULL), >, 3);
  g_assert_cmpuint (each_message (an, "headers", check_same_cb, NULL), >, 3);
}

static void
test_escaping (void)
{
  g_autoptr (DsnAnalyzer) an = dsn_analyzer_new ();
  /* Control characters, quotes, backslashes and invalid UTF-8. */
  g_autoptr (DsnReport) rep = dsn_analyzer_classify_text (
      an, "550 \"quoted\" back\\slash \x01\t tab \xff\xfe end", NULL, NULL);
  check_same (rep);
  g_autofree char *text = dsn_report_to_json_string (rep, NULL);
  g_assert_nonnull (strstr (text, "\\\"quoted\\\" back\\\\slash \\u0001"));
  g_autoptr (DsnReport) seps = dsn_analyzer_classify_text (an,
                                                           "a\xe2\x80\xa8"
                                                           "b\xe2\x80\xa9"
                                                           "c\xc2\x85"
                                                           "d",
                                                           NULL, NULL);
  check_same (seps);
  g_autofree char *t2 = dsn_report_to_json_string (seps, NULL);
  g_assert_nonnull (strstr (t2, "a\\u2028b\\u2029c\\u0085d"));
  /* Other characters that start with the same bytes are written as they are. */
  g_autoptr (DsnReport) near = dsn_analyzer_classify_text (an,
                                                           "x\xc2\xa2"
                                                           "y\xe2\x82\xac"
                                                           "z\xe2\x80\x94"
                                                           "w",
                                                           NULL, NULL);
  check_same (near);
  /* Invalid bytes after valid non-ASCII text, and first. */
  g_autoptr (DsnReport) late = dsn_analyzer_classify_text (an,
                                                           "550 caf\xc3\xa9 \xe2\x80\xa8 x\xff"
                                                           "y",
                                                           NULL, NULL);
  check_same (late);
  g_autoptr (DsnReport) first
      = dsn_analyzer_classify_text (an, "550 \xc2 \xe2\x80\xa8", NULL, NULL);
  check_same (first);
  g_autofree char *t3 = dsn_report_to_json_string (near, NULL);
  g_assert_nonnull (strstr (t3, "x\xc2\xa2"
                                "y\xe2\x82\xac"
                                "z\xe2\x80\x94"
                                "w"));
}

/* Every special byte at every offset of a word-at-a-time scan (before,
 * inside and after the first eight bytes, at the string's end), and
 * integers at their limits: the text read back is what was written. */
static void
test_runs (void)
{
  static const char *const specials[]
      = { "\"", "\\", "\x01", "\x1f", "\n", "\x7f", "\xc3\xa9", "\xe2\x80\xa8", "\xff", " " };
  static const gint64 ints[] = { 0, 7, -1, 10, -10, G_MAXINT64, G_MININT64, 1234567890 };
  g_autoptr (GPtrArray) written = g_ptr_array_new_with_free_func (g_free);
  DsnJson *w = dsn_json_new_text ();
  dsn_json_begin_array (w);
  for (guint s = 0; s < G_N_ELEMENTS (specials); s++)
    for (guint before = 0; before < 19; before++)
      for (guint after = 0; after < 10; after += 3) {
        g_autoptr (GString) v = g_string_new (NULL);
        for (guint i = 0; i < before; i++)
          g_string_append_c (v, 'a' + i % 26);
        g_string_append (v, specials[s]);
        for (guint i = 0; i < after; i++)
          g_string_append_c (v, 'A' + i % 26);
        dsn_json_add_string_value (w, v->str);
        g_ptr_array_add (written, g_utf8_make_valid (v->str, -1));
      }
  for (guint i = 0; i < G_N_ELEMENTS (ints); i++)
    dsn_json_add_int_value (w, ints[i]);
  dsn_json_end_array (w);
  g_autofree char *text = dsn_json_free_to_string (w);
  g_assert_null (strchr (text, '\n'));
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_assert_true (json_parser_load_from_data (parser, text, -1, NULL));
  JsonArray *a = json_node_get_array (json_parser_get_root (parser));
  g_assert_cmpuint (json_array_get_length (a), ==, written->len + G_N_ELEMENTS (ints));
  for (guint i = 0; i < written->len; i++)
    g_assert_cmpstr (json_array_get_string_element (a, i), ==, written->pdata[i]);
  for (guint i = 0; i < G_N_ELEMENTS (ints); i++)
    g_assert_cmpint (json_array_get_int_element (a, written->len + i), ==, ints[i]);
}

/* What dsn-explain prints: its own members between "schema" and the report's. */
static void
write_wrapped (DsnJson *w, const DsnReport *rep)
{
  dsn_json_begin_object (w);
  dsn_json_set_member_name (w, "schema");
  dsn_json_add_int_value (w, DSN_JSON_SCHEMA);
  dsn_json_set_member_name (w, "source");
  dsn_json_begin_object (w);
  dsn_json_member (w, "path", "a \"b\".eml");
  dsn_json_set_member_name (w, "index");
  dsn_json_add_null_value (w);
  dsn_json_end_object (w);
  dsn_report_write_json_members (rep, w, "fr");
  dsn_json_end_object (w);
}

static void
test_members (void)
{
  g_autoptr (DsnAnalyzer) an = dsn_analyzer_new ();
  g_autofree char *file
      = g_test_build_filename (G_TEST_DIST, "..", "testdata", "bounces", "seed-quota.eml", NULL);
  g_autofree char *data = NULL;
  gsize len;
  g_assert_true (g_file_get_contents (file, &data, &len, NULL));
  g_autoptr (DsnReport) rep = dsn_analyzer_analyze (an, data, len, NULL);
  g_assert_nonnull (rep);

  DsnJson *text = dsn_json_new_text ();
  write_wrapped (text, rep);
  g_autofree char *line = dsn_json_free_to_string (text);
  DsnJson *tree = dsn_json_new_tree ();
  write_wrapped (tree, rep);
  g_autoptr (JsonNode) root = dsn_json_free_to_node (tree);
  g_autofree char *from_tree = json_to_string (root, FALSE);
  g_assert_cmpstr (line, ==, from_tree);

  /* The report's own object, with "source" added after "schema". */
  g_autofree char *alone = dsn_report_to_json_string (rep, "fr");
  const char *schema = "{\"schema\":1,";
  g_assert_true (g_str_has_prefix (alone, schema));
  g_autofree char *want
      = g_strconcat (schema, "\"source\":{\"path\":\"a \\\"b\\\".eml\",\"index\":null},",
                     alone + strlen (schema), NULL);
  g_assert_cmpstr (line, ==, want);
}

static void
test_printer (void)
{
  /* Deeper than any report, and both forms from both back-ends. */
  for (int tree = 0; tree < 2; tree++) {
    DsnJson *w = tree ? dsn_json_new_tree () : dsn_json_new_text ();
    for (int i = 0; i < 100; i++) {
      dsn_json_begin_array (w);
      dsn_json_add_int_value (w, i);
      dsn_json_begin_object (w);
      dsn_json_set_member_name (w, "b");
      dsn_json_add_boolean_value (w, i % 2);
      dsn_json_end_object (w);
    }
    for (int i = 0; i < 100; i++) {
      dsn_json_add_string_value (w, "\xff");
      dsn_json_end_array (w);
    }
    g_autofree char *s = dsn_json_free_to_string (w);
    g_assert_true (g_str_has_prefix (s, "[0,{\"b\":false},[1,{\"b\":true},[2,"));
    g_assert_true (g_str_has_suffix (s, "\"\xef\xbf\xbd\"],\"\xef\xbf\xbd\"]"));
    g_autoptr (JsonNode) parsed = json_from_string (s, NULL);
    g_assert_nonnull (parsed);
  }
  /* A lone value, a value built elsewhere included, is the whole result. */
  g_autoptr (JsonNode) built = json_from_string ("{\"k\":[1,true,null]}", NULL);
  for (int tree = 0; tree < 2; tree++) {
    DsnJson *w = tree ? dsn_json_new_tree () : dsn_json_new_text ();
    dsn_json_add_node (w, built);
    g_autofree char *s = dsn_json_free_to_string (w);
    g_assert_cmpstr (s, ==, "{\"k\":[1,true,null]}");
    w = tree ? dsn_json_new_tree () : dsn_json_new_text ();
    dsn_json_add_string_value (w, "\x01");
    g_autoptr (JsonNode) n = dsn_json_free_to_node (w);
    g_assert_cmpstr (json_node_get_string (n), ==, "\x01");
  }
  DsnJson *w = dsn_json_new_text ();
  dsn_json_begin_object (w);
  dsn_json_member (w, "a", NULL);
  dsn_json_end_object (w);
  g_autoptr (JsonNode) node = dsn_json_free_to_node (w);
  g_assert_true (json_node_is_null (json_object_get_member (json_node_get_object (node), "a")));
  /* Dropped half-way: nothing leaks (ASan and valgrind runs check). */
  g_autoptr (DsnJson) open = dsn_json_new_tree ();
  dsn_json_begin_object (open);
  g_autoptr (DsnJson) open_text = dsn_json_new_text ();
  dsn_json_begin_array (open_text);
}

/* ------------------------------------------------------------ getters */

/* The report's getters say what its JSON says. */

static const char *
member (JsonObject *o, const char *name)
{
  JsonNode *n = json_object_get_member (o, name);
  g_assert_nonnull (n);
  return json_node_is_null (n) ? NULL : json_node_get_string (n);
}

/* A nullable integer or boolean member against a getter's (known, value). */
static void
check_optional (JsonObject *o, const char *name, gboolean known, gint64 value)
{
  JsonNode *n = json_object_get_member (o, name);
  g_assert_nonnull (n);
  g_assert_cmpint (known, ==, !json_node_is_null (n));
  if (known)
    g_assert_cmpint (value, ==,
                     json_node_get_value_type (n) == G_TYPE_BOOLEAN ? json_node_get_boolean (n)
                                                                    : json_node_get_int (n));
}

static void
check_headers (const DsnReport *rep, JsonObject *root, const char *lang)
{
  JsonNode *hn = json_object_get_member (root, "headers");
  if (json_node_is_null (hn)) {
    g_assert_null (dsn_report_get_header_severity (rep));
    g_assert_null (dsn_report_get_header_verdict (rep));
    g_assert_null (dsn_report_get_header_from_domain (rep));
    g_assert_cmpuint (dsn_report_get_n_hops (rep), ==, 0);
    g_assert_cmpuint (dsn_report_get_n_auth_results (rep), ==, 0);
    g_assert_cmpuint (dsn_report_get_n_spam_verdicts (rep), ==, 0);
    gint64 t = 0;
    g_assert_false (dsn_report_get_header_transit (rep, &t));
    return;
  }
  JsonObject *h = json_node_get_object (hn);
  g_assert_cmpstr (dsn_report_get_header_severity (rep), ==, member (h, "severity"));
  g_assert_cmpstr (dsn_report_get_header_verdict (rep), ==, member (h, "verdict"));
  g_assert_cmpstr (dsn_report_get_header_from_domain (rep), ==, member (h, "from_domain"));
  g_assert_cmpstr (dsn_report_get_header_mailfrom_domain (rep), ==, member (h, "mailfrom_domain"));
  gint64 transit = 0;
  gboolean known = dsn_report_get_header_transit (rep, &transit);
  check_optional (h, "transit_seconds", known, transit);

  JsonArray *hops = json_object_get_array_member (h, "hops");
  g_assert_cmpuint (dsn_report_get_n_hops (rep), ==, json_array_get_length (hops));
  for (guint i = 0; i < json_array_get_length (hops); i++) {
    JsonObject *hop = json_array_get_object_element (hops, i);
    g_assert_cmpstr (dsn_report_get_hop_from_host (rep, i), ==, member (hop, "from_host"));
    g_assert_cmpstr (dsn_report_get_hop_from_ip (rep, i), ==, member (hop, "from_ip"));
    g_assert_cmpstr (dsn_report_get_hop_by_host (rep, i), ==, member (hop, "by_host"));
    g_assert_cmpstr (dsn_report_get_hop_protocol (rep, i), ==, member (hop, "with"));
    gint64 delay = 0;
    known = dsn_report_get_hop_delay (rep, i, &delay);
    check_optional (hop, "delay_seconds", known, delay);
    g_assert_cmpint (dsn_report_get_hop_slowest (rep, i), ==,
                     json_object_get_boolean_member (hop, "slowest"));
  }

  JsonArray *auth = json_object_get_array_member (h, "authentication");
  g_assert_cmpuint (dsn_report_get_n_auth_results (rep), ==, json_array_get_length (auth));
  for (guint i = 0; i < json_array_get_length (auth); i++) {
    JsonObject *a = json_array_get_object_element (auth, i);
    g_assert_cmpstr (dsn_report_get_auth_method (rep, i), ==, member (a, "method"));
    g_assert_cmpstr (dsn_report_get_auth_result (rep, i), ==, member (a, "result"));
    g_assert_cmpstr (dsn_report_get_auth_domain (rep, i), ==, member (a, "domain"));
    g_assert_cmpstr (dsn_report_get_auth_authserv (rep, i), ==, member (a, "authserv"));
    gboolean aligned = FALSE;
    known = dsn_report_get_auth_aligned (rep, i, &aligned);
    check_optional (a, "aligned", known, aligned);
  }

  JsonArray *spam = json_object_get_array_member (h, "spam");
  g_assert_cmpuint (dsn_report_get_n_spam_verdicts (rep), ==, json_array_get_length (spam));
  for (guint i = 0; i < json_array_get_length (spam); i++)
    g_assert_cmpstr (dsn_report_get_spam_verdict (rep, i), ==,
                     json_array_get_string_element (spam, i));

  JsonArray *signals = json_object_get_array_member (h, "signals");
  g_assert_cmpuint (dsn_report_get_n_spam_signals (rep), ==, json_array_get_length (signals));
  for (guint i = 0; i < json_array_get_length (signals); i++) {
    JsonObject *sg = json_array_get_object_element (signals, i);
    const DsnFinding *f = dsn_report_get_spam_signal (rep, i);
    g_assert_cmpstr (dsn_finding_get_code (f), ==, member (sg, "code"));
    g_assert_cmpstr (dsn_finding_get_message (f, lang), ==, member (sg, "text"));
  }

  JsonArray *findings = json_object_get_array_member (h, "findings");
  g_assert_cmpuint (dsn_report_get_n_header_findings (rep), ==, json_array_get_length (findings));
  for (guint i = 0; i < json_array_get_length (findings); i++) {
    JsonObject *f = json_array_get_object_element (findings, i);
    g_assert_cmpstr (dsn_report_get_header_finding_code (rep, i), ==, member (f, "code"));
    g_assert_cmpstr (dsn_report_get_header_finding_severity (rep, i), ==, member (f, "severity"));
    g_assert_cmpstr (dsn_report_get_header_finding_text (rep, i, lang), ==, member (f, "text"));
    g_assert_cmpstr (dsn_report_get_header_finding_advice (rep, i, lang), ==, member (f, "advice"));
  }
}

static void
check_backscatter (const DsnReport *rep, JsonObject *root, const char *lang)
{
  JsonNode *bn = json_object_get_member (root, "backscatter");
  if (json_node_is_null (bn)) {
    g_assert_null (dsn_report_get_backscatter (rep));
    g_assert_cmpuint (dsn_report_get_n_backscatter_evidence (rep), ==, 0);
    g_assert_null (dsn_report_get_backscatter_explanation (rep, lang));
    return;
  }
  JsonObject *b = json_node_get_object (bn);
  g_assert_cmpstr (dsn_report_get_backscatter (rep), ==, member (b, "verdict"));
  JsonArray *ev = json_object_get_array_member (b, "evidence");
  g_assert_cmpuint (dsn_report_get_n_backscatter_evidence (rep), ==, json_array_get_length (ev));
  for (guint i = 0; i < json_array_get_length (ev); i++)
    g_assert_cmpstr (dsn_report_get_backscatter_evidence (rep, i, lang), ==,
                     member (json_array_get_object_element (ev, i), "text"));
  g_assert_cmpstr (dsn_report_get_backscatter_explanation (rep, lang), ==,
                   member (b, "explanation"));
  g_assert_cmpstr (dsn_report_get_backscatter_advice (rep, lang), ==, member (b, "advice"));
}

/* Each recipient's context (a verdict that changes its advice). */
static guint
check_contexts (const DsnReport *rep, JsonObject *root, const char *lang)
{
  JsonArray *rcpts = json_object_get_array_member (root, "recipients");
  guint n = 0;
  for (guint i = 0; i < json_array_get_length (rcpts); i++) {
    JsonNode *c = json_object_get_member (json_array_get_object_element (rcpts, i), "context");
    const DsnFinding *f = dsn_recipient_get_context (dsn_report_get_recipient (rep, i));
    if (json_node_is_null (c)) {
      g_assert_null (f);
      continue;
    }
    JsonObject *o = json_node_get_object (c);
    g_assert_cmpstr (dsn_finding_get_code (f), ==, member (o, "code"));
    g_assert_cmpstr (dsn_finding_get_message (f, lang), ==, member (o, "text"));
    g_assert_cmpstr (dsn_finding_get_advice (f, lang), ==, member (o, "advice"));
    n++;
  }
  return n;
}

/* Counts what was seen, so that the test cannot pass on empty analyses. */
typedef struct {
  guint hops, auth, spam, delays, evidence, forged, signals, contexts;
} Seen;

static void
check_getters (const DsnReport *rep, gpointer data)
{
  Seen *seen = data;
  for (const char *const *lang = (const char *const[]){ "en", "fr", NULL }; *lang; lang++) {
    g_autoptr (JsonNode) json = dsn_report_to_json (rep, *lang);
    check_headers (rep, json_node_get_object (json), *lang);
    check_backscatter (rep, json_node_get_object (json), *lang);
    seen->contexts += check_contexts (rep, json_node_get_object (json), *lang);
  }
  seen->signals += dsn_report_get_n_spam_signals (rep);
  seen->hops += dsn_report_get_n_hops (rep);
  seen->auth += dsn_report_get_n_auth_results (rep);
  seen->spam += dsn_report_get_n_spam_verdicts (rep);
  seen->evidence += dsn_report_get_n_backscatter_evidence (rep);
  seen->forged += dsn_report_get_backscatter_explanation (rep, NULL) != NULL;
  for (guint i = 0; i < dsn_report_get_n_hops (rep); i++) {
    gint64 delay;
    seen->delays += dsn_report_get_hop_delay (rep, i, &delay);
  }
}

static void
test_getters (void)
{
  Seen seen = { 0 };
  g_autoptr (DsnAnalyzer) an = dsn_analyzer_new ();
  each_message (an, "headers", check_getters, &seen);
  each_message (an, "bounces", check_getters, &seen);
  /* The user's own path declared: some bounces are then judged forged. */
  g_autoptr (DsnAnalyzer) own = dsn_analyzer_new ();
  dsn_analyzer_add_own_domain (own, "domain.xyz");
  g_assert_true (dsn_analyzer_add_own_relay (own, "mail.example.com", NULL));
  each_message (own, "bounces", check_getters, &seen);
  g_assert_cmpuint (seen.hops, >, 10);
  g_assert_cmpuint (seen.auth, >, 10);
  g_assert_cmpuint (seen.spam, >, 0);
  g_assert_cmpuint (seen.delays, >, 0);
  g_assert_cmpuint (seen.evidence, >, 0);
  g_assert_cmpuint (seen.forged, >, 0);
  g_assert_cmpuint (seen.signals, >, 10);
  g_assert_cmpuint (seen.contexts, >, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/json/testdata", test_testdata);
  g_test_add_func ("/json/escaping", test_escaping);
  g_test_add_func ("/json/runs", test_runs);
  g_test_add_func ("/json/members", test_members);
  g_test_add_func ("/json/printer", test_printer);
  g_test_add_func ("/json/getters", test_getters);
  return g_test_run ();
}
