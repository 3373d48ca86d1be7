/* Trend Micro InterScan Messaging Security Suite (IMSS) and InterScan MSS for
 * NT: a short text from "InterScan MSS" / "InterScan Notification", the
 * original attached. Either the SMTP exchange that failed,
 *
 *   Sent <<< RCPT TO:<user@example.org>
 *   Received >>> 550 5.1.1 <user@example.org>... user unknown
 *
 * (IMSS writes its own commands with "<<<" and the server's replies with
 * ">>>"), or its own verdict:
 *
 *   Reason:  Unable to deliver message to <user@example.org> (and other
 *   recipients in the same domain).
 *
 * SPDX-License-Identifier: BSD-2-Clause */
#include "../dialect.h"
#include "gateways.h"

#include <string.h>

static gboolean
detect (const DsnInput *in)
{
  static const char *const senders[] = { "InterScan MSS", "InterScan Notification", NULL };
  static const char *const subjects[]
      = { "Mail could not be delivered", "メッセージを配信できません", "メール配信に失敗しました",
          NULL };
  if (dsn_from_has (in, senders))
    return TRUE;
  if (!dsn_subject_has (in, subjects))
    return FALSE;
  return dsn_header_has (in, "Content-Type", "InterScan") || dsn_body_find (in, "InterScan");
}

static DsnRecipient *
recipient (DsnReport *rep, const char *addr)
{
  DsnRecipient *r = dsn_report_find_recipient (rep, addr);
  return r ? r : dsn_report_add_recipient (rep, addr);
}

static gboolean
extract (const DsnInput *in)
{
  DsnReport *rep = in->report;
  const char *text = dsn_input_report_text (in);
  const char *end = dsn_gw_report_end (in, text, text, NULL);

  DsnRecipient *cur = NULL;
  const char *p = text, *line;
  gsize len;
  while (dsn_text_next_line_until (&p, end, &line, &len)) {
    const char *le = line + len;
    while (len && (*line == ' ' || *line == '\t'))
      line++, len--;

    if (dsn_has_prefix_ci (line, "Sent <<< ")) {
      /* The gateway's command: names the recipient of the replies that follow. */
      const char *verb = line + 9;
      g_autofree char *addr = dsn_text_find_address_len (verb, le - verb);
      if (addr)
        cur = recipient (rep, addr);
      if (cur) {
        static const char *const verbs[] = { "RCPT", "MAIL", "DATA", "HELO", "EHLO", NULL };
        for (const char *const *v = verbs; *v; v++)
          if (dsn_has_prefix_ci (verb, *v))
            dsn_set (&cur->command, !strcmp (*v, "EHLO") ? "HELO" : *v);
      }
      continue;
    }
    if (dsn_has_prefix_ci (line, "Received >>> ")) {
      const char *reply = line + 13;
      if (!cur) {
        g_autofree char *addr = dsn_text_find_address_len (reply, le - reply);
        if (addr)
          cur = recipient (rep, addr);
      }
      if (cur)
        dsn_recipient_set_diagnostic (cur, reply, le - reply);
      continue;
    }
    const char *unable = dsn_strcasestr (line, "Unable to deliver message to");
    if (unable && unable < le) {
      const char *s = unable;
      /* The sentence may continue on the next lines, to the blank one. */
      const char *e = le;
      while (p < end && *p != '\n') {
        const char *n2 = memchr (p, '\n', end - p);
        e = n2 ? n2 : end;
        p = n2 ? n2 + 1 : end;
      }
      g_autofree char *addr = dsn_text_find_address_len (s, e - s);
      if (!addr)
        continue;
      cur = recipient (rep, addr);
      if (!cur->diagnostic)
        dsn_recipient_set_diagnostic (cur, s, e - s);
    }
  }
  dsn_finish_recipients (in->report);
  return rep->recipients->len > 0;
}

DSN_DIALECT (trendmicro);
