/* The JSON printer (libdsn/core/json.c): the text form and the tree form of
 * a report are the same JSON, text escaping is valid JSON for any input, and
 * a caller's object can hold the report's members.
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

static void
test_testdata (void)
{
  g_autoptr (DsnAnalyzer) an = dsn_analyzer_new ();
  for (const char *const *dir = (const char *const[]){ "bounces", "headers", NULL }; *dir; dir++) {
    g_autofree char *path = g_test_build_filename (G_TEST_DIST, "..", "testdata", *dir, NULL);
    g_autoptr (GDir) d = g_dir_open (path, 0, NULL);
    g_assert_nonnull (d);
    const char *name;
    guint n = 0;
    while ((name = g_dir_read_name (d))) {
      if (!g_str_has_suffix (name, ".eml"))
        continue;
      g_autofree char *file = g_build_filename (path, name, NULL);
      g_autofree char *data = NULL;
      gsize len;
      g_assert_true (g_file_get_contents (file, &data, &len, NULL));
      g_autoptr (DsnReport) rep = dsn_analyzer_analyze (an, data, len, NULL);
      g_assert_nonnull (rep);
      check_same (rep);
      n++;
    }
    g_assert_cmpuint (n, >, 3);
  }
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

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/json/testdata", test_testdata);
  g_test_add_func ("/json/escaping", test_escaping);
  g_test_add_func ("/json/members", test_members);
  g_test_add_func ("/json/printer", test_printer);
  return g_test_run ();
}
