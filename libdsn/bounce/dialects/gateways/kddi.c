/* KDDI au one net (dion.ne.jp, auone-net.jp): a report from no-reply@, often
 * with a Japanese summary, then the server's English message:
 *
 *   Your mail sent on: Thu, 29 Apr 2013 23:45:22 +0900
 *        Could not be delivered to: <user@example.dion.ne.jp>
 *        As their mailbox is full.
 *
 * SPDX-License-Identifier: BSD-2-Clause */
#include "../dialect.h"
#include "gateways.h"

#include <string.h>

static const char start_marker[] = "Your mail sent on:";
static const char rcpt_label[] = "Could not be delivered to:";

static gboolean
detect (const DsnInput *in)
{
  static const char *const senders[] = { ".dion.ne.jp", "@dion.ne.jp", "auone-net.jp", NULL };
  gboolean kddi = dsn_from_has (in, senders) || dsn_header_has (in, "Reply-To", "auone-net.jp")
                  || dsn_gw_origin_received_has (in, ".au.com (");
  return kddi && dsn_body_find (in, rcpt_label);
}

static gboolean
extract (const DsnInput *in)
{
  DsnReport *rep = in->report;
  const char *text = dsn_input_report_text (in);
  const char *end = dsn_gw_report_end (in, text, text, NULL);
  const char *start = dsn_strcasestr (text, start_marker);
  if (!start || start > end)
    return FALSE;

  DsnRecipient *cur = NULL;
  GString *diag = g_string_new (NULL);
  const char *p = start, *line;
  gsize len;
  while (dsn_text_next_line_until (&p, end, &line, &len)) {
    gboolean indented = len && (*line == ' ' || *line == '\t');
    while (len && g_ascii_isspace (*line))
      line++, len--;
    if (len == 0)
      continue;
    if (dsn_has_prefix_ci (line, rcpt_label)) {
      if (cur && diag->len)
        dsn_recipient_set_diagnostic (cur, diag->str, diag->len);
      g_string_truncate (diag, 0);
      g_autofree char *addr = dsn_text_find_address_len (line, len);
      cur = addr ? dsn_report_find_recipient (rep, addr) : NULL;
      if (addr && !cur)
        cur = dsn_report_add_recipient (rep, addr);
    } else if (dsn_has_prefix_ci (line, start_marker)) {
      if (cur && diag->len)
        dsn_recipient_set_diagnostic (cur, diag->str, diag->len);
      g_string_truncate (diag, 0);
      cur = NULL;
    } else if (cur && indented) {
      /* The indented lines after the address: the server's explanation. */
      if (diag->len)
        g_string_append_c (diag, ' ');
      g_string_append_len (diag, line, len);
    } else if (cur) {
      /* Unindented prose ends the block. */
      if (diag->len)
        dsn_recipient_set_diagnostic (cur, diag->str, diag->len);
      g_string_truncate (diag, 0);
      cur = NULL;
    }
  }
  if (cur && diag->len)
    dsn_recipient_set_diagnostic (cur, diag->str, diag->len);
  g_string_free (diag, TRUE);

  dsn_gw_spasign_hint (in);
  dsn_finish_recipients (in->report);
  return rep->recipients->len > 0;
}

DSN_DIALECT (kddi);
