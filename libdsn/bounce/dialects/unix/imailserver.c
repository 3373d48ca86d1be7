/* Ipswitch IMail Server ("X-Mailer: <SMTP32 v8.22>"): a line per recipient,
 * "Unknown user: user@example.org", "User mailbox exceeds allowed size:
 * user@example.org" or "undeliverable to user@example.org", the remote
 * server's reply after "Body of message generated response:", then
 * "Original message follows.".
 * SPDX-License-Identifier: BSD-2-Clause */
#include "../dialect.h"
#include "unix.h"

#include <string.h>

static gboolean
detect (const DsnInput *in)
{
  return dsn_header_has (in, "X-Mailer", "<SMTP32 v") || dsn_header_has (in, "X-Mailer", "IMail");
}

static gboolean
extract (const DsnInput *in)
{
  DsnReport *rep = in->report;
  const char *text = dsn_unix_report_text (in);
  const char *returned = dsn_find_returned_marker (text);
  const char *end = returned ? dsn_line_start (text, returned) : text + strlen (text);
  if (returned && !in->has_returned)
    dsn_input_set_returned_text (in, returned);
  const char *response = dsn_strcasestr (text, "Body of message generated response:");
  if (response && response >= end)
    response = NULL;

  const char *list_end = response ? response : end;
  const char *pos = text, *l;
  gsize len;
  while (dsn_text_next_line_until (&pos, list_end, &l, &len)) {
    g_autofree char *line = dsn_text_squeeze (g_strndup (l, len));
    /* "Some reason: user@example.org" (not a header line such as "To:
     * user@example.org") or "undeliverable to user@example.org" */
    const char *colon = strstr (line, ": ");
    const char *to = dsn_strcasestr (line, "undeliverable to ");
    if (!to && (!colon || !memchr (line, ' ', colon - line)))
      continue;
    g_autofree char *addr = dsn_text_find_address (to ? to : colon);
    if (!addr || !g_str_has_suffix (line, addr) || dsn_report_find_recipient (rep, addr))
      continue;
    DsnRecipient *r = dsn_report_add_recipient (rep, addr);
    if (!to)
      dsn_recipient_set_diagnostic (r, line, colon - line);
  }
  if (rep->recipients->len == 0)
    return FALSE;
  for (guint i = 0; response && i < rep->recipients->len; i++) {
    DsnRecipient *r = rep->recipients->pdata[i];
    if (!r->diagnostic) {
      const char *words = dsn_next_line (response);
      dsn_recipient_set_diagnostic (r, words, end - words);
    }
  }
  dsn_unix_finish (rep);
  return TRUE;
}

DSN_DIALECT (imailserver);
