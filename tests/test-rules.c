/* The patterns lint: every rule compiles, every example is classified by its
 * own rule (so none is shadowed or unreachable), every category has its
 * texts in every language. Also checks precedence and user overrides.
 * SPDX-License-Identifier: BSD-2-Clause */
#include "dsn-private.h"
#include "rules.h"

#include <glib/gstdio.h>
#include <string.h>

static void
test_lint (void)
{
  g_autoptr (DsnAnalyzer) an = dsn_analyzer_new ();
  g_autoptr (GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
  gboolean ok = dsn_analyzer_lint (an, problems);
  for (guint i = 0; i < problems->len; i++)
    g_test_message ("%s", (char *) problems->pdata[i]);
  g_assert_cmpuint (problems->len, ==, 0);
  g_assert_true (ok);
  g_assert_cmpuint (dsn_analyzer_get_n_rules (an), >, 30);
}

static const char *
classify (DsnAnalyzer *an, const char *text, const char *status)
{
  static char category[64];
  g_autoptr (DsnReport) rep = dsn_analyzer_classify_text (an, text, status, NULL);
  g_strlcpy (category, dsn_recipient_get_category (dsn_report_get_recipient (rep, 0)), sizeof category);
  return category;
}

static void
test_precedence (void)
{
  g_autoptr (DsnAnalyzer) an = dsn_analyzer_new ();
  /* The server's words beat a generic code... */
  g_assert_cmpstr (classify (an, "Mailbox full", "5.7.1"), ==, "mailbox-full");
  /* ...a code decides when the words say nothing. */
  g_assert_cmpstr (classify (an, "Sorry, no.", "5.1.1"), ==, "user-unknown");
  /* A named list beats a generic blocklist phrase. */
  g_assert_cmpstr (classify (an, "blocked using zen.spamhaus.org", NULL), ==, "blocklist");
  g_autoptr (DsnReport) rep = dsn_analyzer_classify_text (an, "blocked using zen.spamhaus.org", NULL, NULL);
  g_assert_cmpstr (dsn_report_get_recipient (rep, 0)->blocklist, ==, "Spamhaus");
  /* White space and case do not matter. */
  g_assert_cmpstr (classify (an, "MAILBOX\n   FULL", NULL), ==, "mailbox-full");
}

static void
test_override (void)
{
  g_autofree char *dir = g_dir_make_tmp ("dsn-rules-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "local.rules", NULL);
  g_assert_true (g_file_set_contents (path,
                                      "[rule local.nyan]\n"
                                      "category=mailbox-full\n"
                                      "phrase=the cat sat on the mailbox\n"
                                      "example=550 the cat sat on the mailbox\n",
                                      -1, NULL));
  g_autoptr (DsnAnalyzer) an = dsn_analyzer_new ();
  guint before = dsn_analyzer_get_n_rules (an);
  g_autoptr (GError) error = NULL;
  g_assert_true (dsn_analyzer_add_patterns_dir (an, dir, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (dsn_analyzer_get_n_rules (an), ==, before + 1);
  g_assert_cmpstr (classify (an, "550 The cat sat on the MAILBOX", NULL), ==, "mailbox-full");
  g_assert_true (dsn_analyzer_lint (an, NULL));

  /* A bad file is refused with a message naming it, and nothing changes. */
  g_autoptr (DsnAnalyzer) an2 = dsn_analyzer_new ();
  g_assert_true (g_file_set_contents (path, "[rule bad]\ncategory=nope\nphrase=x\nexample=x\n", -1, NULL));
  g_assert_false (dsn_analyzer_add_patterns_dir (an2, dir, &error));
  g_assert_error (error, DSN_ERROR, DSN_ERROR_PATTERNS);
  g_assert_nonnull (strstr (error->message, "nope"));
  g_assert_cmpuint (dsn_analyzer_get_n_rules (an2), ==, before);
  g_clear_error (&error);
  g_assert_true (g_file_set_contents (path, "[rule bad]\ncategory=mailbox-full\nregex=(unclosed\nexample=x\n", -1, NULL));
  g_assert_false (dsn_analyzer_add_patterns_dir (an2, dir, &error));
  g_assert_nonnull (strstr (error->message, "regex"));
  g_remove (path);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/rules/lint", test_lint);
  g_test_add_func ("/rules/precedence", test_precedence);
  g_test_add_func ("/rules/override", test_override);
  return g_test_run ();
}
