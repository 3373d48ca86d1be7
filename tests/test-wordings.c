/* Error wordings that providers and MTAs publish (testdata/wordings.tsv:
 * text, category, provider, source), each run through the library in the
 * three forms a user meets: pasted as a bare line, inside a pasted report
 * paragraph, and inside a full RFC 3464 report. Prints TAP: one test per
 * form, passing when the share classified right is at least the level in
 * tests/wordings-level.txt; the misses are listed as diagnostics.
 *
 * usage: test-wordings WORDINGS.tsv LEVELS.txt [--misses]
 * SPDX-License-Identifier: BSD-2-Clause */
#include <libdsn/dsn.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum { FORM_LINE, FORM_PARAGRAPH, FORM_DSN, N_FORMS } Form;
static const char *const form_names[N_FORMS] = { "line", "paragraph", "dsn" };

/* The enhanced status code at the start of TEXT's reply ("550 5.7.1 ..."),
 * else the class from the reply code, for the Status: field of a DSN. */
static char *
status_for (const char *text)
{
  GRegex *re = g_regex_new ("\\b([245])\\.(\\d{1,3})\\.(\\d{1,3})\\b", 0, 0, NULL);
  GMatchInfo *mi = NULL;
  char *out = NULL;
  if (g_regex_match (re, text, 0, &mi))
    out = g_match_info_fetch (mi, 0);
  else if ((text[0] == '4' || text[0] == '5') && g_ascii_isdigit (text[1]))
    out = g_strdup_printf ("%c.0.0", text[0]);
  else
    out = g_strdup ("5.0.0");
  g_match_info_free (mi);
  g_regex_unref (re);
  return out;
}

static char *
build (Form form, const char *text)
{
  g_autofree char *status = status_for (text);
  gboolean temporary = status[0] == '4';
  switch (form) {
  case FORM_LINE: return g_strdup_printf ("%s\n", text);
  case FORM_PARAGRAPH:
    return g_strdup_printf ("This is the mail system at host smtp.example.com.\n\n"
                            "I'm sorry to have to inform you that your message could not\n"
                            "be delivered to one or more recipients. It's attached below.\n\n"
                            "                   The mail system\n\n"
                            "<anna@example.org>: host mx.example.org[192.0.2.25] said: %s\n",
                            text);
  case FORM_DSN:
  default:
    return g_strdup_printf (
        "From: Mail Delivery System <MAILER-DAEMON@smtp.example.com>\n"
        "To: jean@example.com\n"
        "Subject: %s\n"
        "Date: Tue, 1 Aug 2023 15:49:22 +0200\n"
        "MIME-Version: 1.0\n"
        "Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\n\n"
        "--b\nContent-Type: text/plain; charset=utf-8\n\n"
        "Your message could not be delivered to one or more recipients.\n\n"
        "--b\nContent-Type: message/delivery-status\n\n"
        "Reporting-MTA: dns; smtp.example.com\n\n"
        "Final-Recipient: rfc822; anna@example.org\n"
        "Action: %s\nStatus: %s\nRemote-MTA: dns; mx.example.org\n"
        "Diagnostic-Code: smtp; %s\n\n"
        "--b\nContent-Type: text/rfc822-headers\n\n"
        "From: jean@example.com\nTo: anna@example.org\nSubject: Hello\n\n"
        "--b--\n",
        temporary ? "Delayed Mail (still being retried)" : "Undelivered Mail Returned to Sender",
        temporary ? "delayed" : "failed", status, text);
  }
}

static double
level_of (const char *levels, const char *form)
{
  g_autofree char *text = NULL;
  if (!g_file_get_contents (levels, &text, NULL, NULL))
    return 0;
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  for (char **l = lines; *l; l++)
    if (g_str_has_prefix (*l, form) && (*l)[strlen (form)] == ' ')
      return g_ascii_strtod (*l + strlen (form) + 1, NULL);
  return 0;
}

int
main (int argc, char **argv)
{
  if (argc < 3) {
    fprintf (stderr, "usage: %s WORDINGS.tsv LEVELS.txt [--misses]\n", argv[0]);
    return 2;
  }
  gboolean all_misses = argc > 3 && !strcmp (argv[3], "--misses");
  g_autofree char *tsv = NULL;
  g_autoptr (GError) error = NULL;
  if (!g_file_get_contents (argv[1], &tsv, NULL, &error)) {
    printf ("1..0 # SKIP %s\n", error->message);
    return 0;
  }
  g_autoptr (DsnAnalyzer) an = dsn_analyzer_new ();
  g_auto (GStrv) lines = g_strsplit (tsv, "\n", -1);
  guint total = 0, right[N_FORMS] = { 0 };
  GPtrArray *misses[N_FORMS];
  for (int f = 0; f < N_FORMS; f++)
    misses[f] = g_ptr_array_new_with_free_func (g_free);
  for (char **l = lines; *l; l++) {
    if (!**l || **l == '#')
      continue;
    g_auto (GStrv) col = g_strsplit (*l, "\t", 4);
    if (g_strv_length (col) < 2)
      continue;
    total++;
    for (int f = 0; f < N_FORMS; f++) {
      g_autofree char *msg = build (f, col[0]);
      g_autoptr (DsnReport) rep = dsn_analyzer_analyze (an, msg, strlen (msg), NULL);
      const char *got = "not-a-bounce";
      if (rep && dsn_report_get_n_recipients (rep) > 0)
        got = dsn_recipient_get_category (dsn_report_get_recipient (rep, 0));
      if (got && !strcmp (got, col[1]))
        right[f]++;
      else
        g_ptr_array_add (misses[f], g_strdup_printf ("%s -> %s: %s", col[1], got, col[0]));
    }
  }
  printf ("1..%d\n", N_FORMS);
  for (int f = 0; f < N_FORMS; f++) {
    double pct = total ? 100.0 * right[f] / total : 0;
    double want = level_of (argv[2], form_names[f]);
    printf ("%s %d - %s form: %u/%u right (%.1f%%, level %.1f%%)\n", pct >= want ? "ok" : "not ok",
            f + 1, form_names[f], right[f], total, pct, want);
    for (guint i = 0; i < misses[f]->len && (all_misses || i < 15); i++)
      printf ("# miss: %s\n", (char *)misses[f]->pdata[i]);
    g_ptr_array_unref (misses[f]);
  }
  return 0;
}
