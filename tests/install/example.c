/* A program using the installed library through pkg-config, as a user
 * would: prints each recipient's address, reason and advice. */
#include <libdsn/dsn.h>
#include <stdio.h>

int
main (int argc, char **argv)
{
  if (!DSN_CHECK_VERSION (0, 1, 0) || argc != 2)
    return 2;
  g_autoptr (DsnAnalyzer) an = dsn_analyzer_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (DsnReader) reader = dsn_reader_new (argv[1], DSN_FORMAT_AUTO, &error);
  if (!reader) {
    fprintf (stderr, "%s\n", error->message);
    return 3;
  }
  GBytes *data;
  while (dsn_reader_next (reader, &data, NULL, NULL, &error)) {
    gsize len;
    const char *p = g_bytes_get_data (data, &len);
    g_autoptr (DsnReport) rep = dsn_analyzer_analyze (an, p, len, &error);
    g_bytes_unref (data);
    if (!rep)
      return 3;
    for (guint i = 0; i < dsn_report_get_n_recipients (rep); i++) {
      const DsnRecipient *r = dsn_report_get_recipient (rep, i);
      printf ("%s %s %s\n", dsn_recipient_get_address (r), dsn_recipient_get_reason (r),
              dsn_recipient_get_advice (r, "fr"));
    }
  }
  return 0;
}
