/* The public API's lifetime and thread rules (dsn.h): a report outlives its
 * analyzer, and one configured analyzer serves several threads at once. Run
 * under ThreadSanitizer in CI (.ci/run), under ASan and valgrind too.
 * usage: test-threads --tap TESTDATA_BOUNCES
 * SPDX-License-Identifier: BSD-2-Clause */
#include <libdsn/dsn.h>

#include <string.h>

static const char *bounces_dir;

static const char bounce[]
    = "From: MAILER-DAEMON@mx.example.org\n"
      "Subject: Undelivered Mail Returned to Sender\n"
      "MIME-Version: 1.0\n"
      "Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\n\n"
      "--B\nContent-Type: text/plain\n\nThe mailbox is full.\n"
      "--B\nContent-Type: message/delivery-status\n\n"
      "Reporting-MTA: dns; mx.example.org\n\n"
      "Final-Recipient: rfc822; anna@example.net\nAction: failed\nStatus: 5.2.2\n"
      "Diagnostic-Code: smtp; 552 5.2.2 Mailbox full\n\n--B--\n";

/* Every string a report points into stays valid after the analyzer is
 * freed (under ASan or valgrind a dangling one is an error). */
static void
test_report_outlives_analyzer (void)
{
  DsnAnalyzer *an = dsn_analyzer_new ();
  g_autoptr (GError) error = NULL;
  DsnReport *rep = dsn_analyzer_analyze (an, bounce, strlen (bounce), &error);
  g_assert_no_error (error);
  DsnReport *classified = dsn_analyzer_classify_text (an, "550 5.1.1 User unknown", NULL, NULL);
  dsn_analyzer_free (an);

  const DsnRecipient *r = dsn_report_get_recipient (rep, 0);
  g_assert_cmpstr (dsn_recipient_get_category (r), ==, "mailbox-full");
  g_assert_cmpstr (dsn_recipient_get_reason (r), ==, "mailboxfull");
  g_assert_nonnull (dsn_recipient_get_summary (r, "fr"));
  g_assert_nonnull (dsn_recipient_get_advice (r, "en"));
  g_autofree char *json = dsn_report_to_json_string (rep, "fr");
  g_assert_nonnull (strstr (json, "mailbox-full"));
  g_assert_cmpstr (dsn_recipient_get_category (dsn_report_get_recipient (classified, 0)), ==,
                   "user-unknown");
  dsn_report_free (classified);
  dsn_report_free (rep);
}

/* Once a message was analysed the configuration is final. */
static void
test_sealed (void)
{
  g_autoptr (DsnAnalyzer) an = dsn_analyzer_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (DsnReport) rep = dsn_analyzer_analyze (an, bounce, strlen (bounce), &error);
  g_assert_nonnull (rep);
  g_assert_false (dsn_analyzer_add_patterns_dir (an, bounces_dir, &error));
  g_assert_error (error, DSN_ERROR, DSN_ERROR_USAGE);
}

typedef struct {
  const DsnAnalyzer *an;
  GPtrArray *messages; /* GBytes */
  GString *result;     /* each message's dialect and reasons */
} Work;

static gpointer
analyse_all (gpointer data)
{
  Work *w = data;
  for (int round = 0; round < 3; round++)
    for (guint i = 0; i < w->messages->len; i++) {
      gsize len;
      const char *msg = g_bytes_get_data (w->messages->pdata[i], &len);
      g_autoptr (GError) error = NULL;
      g_autoptr (DsnReport) rep = dsn_analyzer_analyze (w->an, msg, len, &error);
      if (round > 0)
        continue;
      g_string_append_printf (w->result, "%u %s:", i, rep ? dsn_report_get_dialect (rep) : "error");
      for (guint k = 0; rep && k < dsn_report_get_n_recipients (rep); k++)
        g_string_append_printf (w->result, " %s",
                                dsn_recipient_get_reason (dsn_report_get_recipient (rep, k)));
      g_string_append_c (w->result, '\n');
    }
  return NULL;
}

/* Two threads analyse the test messages with one analyzer, its first
 * analysis (the seal) made by the threads themselves: the results are
 * those of one thread alone. */
static void
test_two_threads (void)
{
  g_autoptr (GPtrArray) messages = g_ptr_array_new_with_free_func ((GDestroyNotify)g_bytes_unref);
  g_autoptr (GDir) d = g_dir_open (bounces_dir, 0, NULL);
  g_assert_nonnull (d);
  const char *name;
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  while ((name = g_dir_read_name (d)))
    if (g_str_has_suffix (name, ".eml"))
      g_ptr_array_add (names, g_build_filename (bounces_dir, name, NULL));
  g_ptr_array_sort (names, (GCompareFunc)g_strcmp0);
  for (guint i = 0; i < names->len && i < 60; i++) {
    char *contents;
    gsize len;
    g_assert_true (g_file_get_contents (names->pdata[i], &contents, &len, NULL));
    g_ptr_array_add (messages, g_bytes_new_take (contents, len));
  }
  g_assert_cmpuint (messages->len, >, 10);

  DsnAnalyzer *an = dsn_analyzer_new ();
  Work w[3];
  for (int i = 0; i < 3; i++)
    w[i] = (Work){ an, messages, g_string_new (NULL) };
  GThread *a = g_thread_new ("a", analyse_all, &w[0]);
  GThread *b = g_thread_new ("b", analyse_all, &w[1]);
  g_thread_join (a);
  g_thread_join (b);
  analyse_all (&w[2]);
  dsn_analyzer_free (an);
  g_assert_cmpstr (w[0].result->str, ==, w[2].result->str);
  g_assert_cmpstr (w[1].result->str, ==, w[2].result->str);
  for (int i = 0; i < 3; i++)
    g_string_free (w[i].result, TRUE);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  if (argc < 2) {
    g_printerr ("usage: test-threads --tap TESTDATA_BOUNCES\n");
    return 2;
  }
  bounces_dir = argv[1];
  g_test_add_func ("/api/report-outlives-analyzer", test_report_outlives_analyzer);
  g_test_add_func ("/api/sealed", test_sealed);
  g_test_add_func ("/api/two-threads", test_two_threads);
  return g_test_run ();
}
