/* Bigfoot (bigfoot.com forwarding, LiteMail): a Sendmail-style report, with
 * the session transcript in the text and a delivery-status part; the
 * original follows as message/partial.
 *
 *      ----- The following addresses had permanent fatal errors -----
 *   <user@example.org>
 *
 *      ----- Transcript of session follows -----
 *   >>> RCPT TO:<user@example.org>
 *   <<< 553 Invalid recipient user@example.org (Mode: normal)
 *
 * SPDX-License-Identifier: BSD-2-Clause */
#include "../dialect.h"
#include "gateways.h"

#include <string.h>

static gboolean
detect (const DsnInput *in)
{
  static const char *const senders[] = { "@bigfoot.com", NULL };
  return dsn_from_has (in, senders) || dsn_gw_origin_received_has (in, ".bigfoot.com ");
}

/* The SMTP verb of a ">>> " line: "RCPT", "MAIL", "DATA", ... */
static const char *
transcript_command (const char *verb)
{
  static const char *const verbs[] = { "RCPT", "MAIL", "DATA", "EHLO", "HELO", "STARTTLS", NULL };
  for (const char *const *v = verbs; *v; v++)
    if (dsn_has_prefix_ci (verb, *v))
      return !strcmp (*v, "EHLO") ? "HELO" : *v;
  return NULL;
}

/* Reads the transcript: each "<<< " reply is the server's answer to the last
 * ">>> " command; the recipient is the one named there, or the only one. */
static void
read_transcript (DsnReport *rep, const char *start, const char *end)
{
  DsnRecipient *cur = NULL;
  const char *command = NULL;
  GString *reply = g_string_new (NULL);
  const char *p = start;
  while (p < end) {
    const char *nl = memchr (p, '\n', end - p);
    const char *le = nl ? nl : end;
    const char *line = p;
    p = nl ? nl + 1 : end;
    while (line < le && (*line == ' ' || *line == '\t'))
      line++;
    if (g_str_has_prefix (line, ">>> ")) {
      command = transcript_command (line + 4);
      g_autofree char *addr = dsn_text_find_address_len (line, le - line);
      cur = addr ? dsn_report_find_recipient (rep, addr) : NULL;
      if (!cur && rep->recipients->len == 1)
        cur = rep->recipients->pdata[0];
      g_string_truncate (reply, 0);
    } else if (g_str_has_prefix (line, "<<< ") && cur) {
      if (reply->len)
        g_string_append_c (reply, ' ');
      g_string_append_len (reply, line + 4, le - line - 4);
      if (!cur->command)
        dsn_set (&cur->command, command);
      if (!cur->diagnostic || reply->len > strlen (cur->diagnostic))
        dsn_recipient_set_diagnostic (cur, reply->str, reply->len);
    }
  }
  g_string_free (reply, TRUE);
}

static gboolean
extract (const DsnInput *in)
{
  DsnReport *rep = in->report;
  const char *text = dsn_input_report_text (in);
  const char *end = dsn_gw_report_end (in, text, text, NULL);

  if (rep->recipients->len == 0) {
    const char *s = dsn_gw_after_marker (text, "----- The following addresses had");
    if (s) {
      for (const char *p = s; p < end; p = dsn_next_line (p)) {
        const char *nl = dsn_next_line (p);
        if (dsn_line_is_blank (p, nl - p) || *p == ' ')
          break;
        g_autofree char *addr = dsn_text_find_address_len (p, nl - p);
        if (addr && !dsn_report_find_recipient (rep, addr))
          dsn_report_add_recipient (rep, addr);
      }
    }
  }
  const char *t = dsn_gw_after_marker (text, "----- Transcript of session follows");
  if (t && t < end)
    read_transcript (rep, t, end);
  dsn_finish_recipients (in->report);
  return rep->recipients->len > 0;
}

DSN_DIALECT (bigfoot);
