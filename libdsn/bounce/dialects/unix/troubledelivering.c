/* A relay service whose reports start "We had trouble delivering your
 * message. Full details follow:" and explain each error in a sentence:
 * "SMTP Server <mx.example.org> rejected recipient <user@example.org> (Error
 * following RCPT command). It responded as follows: [550 5.1.1 User
 * unknown]", or "The following recipients returned permanent errors:
 * user@example.org. Reason: SMTP Server <192.0.2.1> refused to accept your
 * message (DATA), with the following error message: [554 ...]".
 * Named "x6" in the JSON output.
 * SPDX-License-Identifier: BSD-2-Clause */
#include "../dialect.h"
#include "unix.h"

#include <string.h>

static gboolean
detect (const DsnInput *in)
{
  return dsn_body_find (in, "We had trouble delivering your message. Full details follow:") != NULL;
}

/* Reads one error sentence. */
static void
read_error (DsnReport *rep, const char *s)
{
  const char *rcpt = strstr (s, "rejected recipient <");
  const char *list = dsn_strcasestr (s, "recipients returned permanent errors:");
  g_autofree char *addr = NULL;
  if (rcpt)
    addr = dsn_text_find_address (rcpt);
  else if (list)
    addr = dsn_text_find_address (list);
  if (!addr || dsn_report_find_recipient (rep, addr))
    return;
  DsnRecipient *r = dsn_report_add_recipient (rep, addr);
  const char *server = strstr (s, "SMTP Server <");
  if (server)
    r->remote_mta = dsn_unix_host_at (server + 13);
  /* "(Error following RCPT command)", "(DATA)" */
  if (strstr (s, "RCPT command"))
    dsn_set (&r->command, "RCPT");
  else if (strstr (s, "(DATA)") || strstr (s, "DATA command"))
    dsn_set (&r->command, "DATA");
  else if (strstr (s, "MAIL command"))
    dsn_set (&r->command, "MAIL");
  /* The server's words are in brackets, cut short by some versions. */
  const char *open = strstr (s, ": [");
  if (open) {
    const char *close = strrchr (open, ']');
    dsn_recipient_set_diagnostic (r, open + 3, close ? close - open - 3 : -1);
  } else {
    dsn_recipient_set_diagnostic (r, s, -1);
  }
}

static gboolean
extract (const DsnInput *in)
{
  DsnReport *rep = in->report;
  const char *text = dsn_unix_report_text (in);
  const char *start = dsn_strcasestr (text, "error(s):");
  const char *pos = start ? dsn_next_line (start) : text, *line;
  gsize len;
  while (dsn_text_next_line (&pos, &line, &len)) {
    if (len == 0)
      continue;
    if (dsn_has_prefix_ci (line, "The attachment contains"))
      break;
    g_autofree char *s = g_strndup (line, len);
    read_error (rep, s);
  }
  if (rep->recipients->len == 0)
    return FALSE;
  dsn_unix_finish (rep);
  return TRUE;
}

DSN_DIALECT_NAMED (troubledelivering, "x6");
