/* The JSON writer (libdsn/json.c): the text form and the tree form of a
 * report are the same JSON, and text escaping is valid JSON for any input.
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

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/json/testdata", test_testdata);
  g_test_add_func ("/json/escaping", test_escaping);
  return g_test_run ();
}
