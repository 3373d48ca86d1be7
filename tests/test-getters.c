/* The report's getters say what its JSON says: the delivery headers
 * analysis and the backscatter verdict, checked member by member on every
 * test message, in both languages.
 * SPDX-License-Identifier: BSD-2-Clause */
#include "bounce/bounce.h"

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

/* Counts what was seen, so that the test cannot pass on empty analyses. */
typedef struct {
  guint hops, auth, spam, delays, evidence, forged;
} Seen;

static void
check_dir (const DsnAnalyzer *an, const char *dir, Seen *seen)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "..", "testdata", dir, NULL);
  g_autoptr (GDir) d = g_dir_open (path, 0, NULL);
  g_assert_nonnull (d);
  const char *name;
  while ((name = g_dir_read_name (d))) {
    if (!g_str_has_suffix (name, ".eml"))
      continue;
    g_autofree char *file = g_build_filename (path, name, NULL);
    g_autofree char *data = NULL;
    gsize len;
    g_assert_true (g_file_get_contents (file, &data, &len, NULL));
    g_autoptr (DsnReport) rep = dsn_analyzer_analyze (an, data, len, NULL);
    g_assert_nonnull (rep);
    for (const char *const *lang = (const char *const[]){ "en", "fr", NULL }; *lang; lang++) {
      g_autoptr (JsonNode) json = dsn_report_to_json (rep, *lang);
      check_headers (rep, json_node_get_object (json), *lang);
      check_backscatter (rep, json_node_get_object (json), *lang);
    }
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
}

static void
test_testdata (void)
{
  Seen seen = { 0 };
  g_autoptr (DsnAnalyzer) an = dsn_analyzer_new ();
  check_dir (an, "headers", &seen);
  check_dir (an, "bounces", &seen);
  /* The user's own path declared: some bounces are then judged forged. */
  g_autoptr (DsnAnalyzer) own = dsn_analyzer_new ();
  dsn_analyzer_add_own_domain (own, "domain.xyz");
  g_assert_true (dsn_analyzer_add_own_relay (own, "mail.example.com", NULL));
  check_dir (own, "bounces", &seen);
  g_assert_cmpuint (seen.hops, >, 10);
  g_assert_cmpuint (seen.auth, >, 10);
  g_assert_cmpuint (seen.spam, >, 0);
  g_assert_cmpuint (seen.delays, >, 0);
  g_assert_cmpuint (seen.evidence, >, 0);
  g_assert_cmpuint (seen.forged, >, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/getters/testdata", test_testdata);
  return g_test_run ();
}
