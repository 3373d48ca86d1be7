/* OpenSMTPD: an indented letter ("This is the MAILER-DAEMON, please DO NOT
 * REPLY to this email.") around the list of recipients, one per line at
 * column 0 with the error after a colon:
 *
 *   user@example.org: 550 5.1.1 <user@example.org>: Recipient address rejected
 *
 * Recent versions add a delivery-status part that gives only X.0.0 codes.
 * SPDX-License-Identifier: BSD-2-Clause */
#include "../dialect.h"
#include "unix.h"

#include <string.h>

static gboolean
detect (const DsnInput *in)
{
  return dsn_body_find (in, "This is the MAILER-DAEMON, please DO NOT REPLY")
         && dsn_body_find (in, "list of recipients");
}

/* "user@example.org: error" at column 0: the address, and *ERROR. */
static char *
recipient_line (const char *line, gsize len, const char **error)
{
  if (len < 5 || g_ascii_isspace (line[0]))
    return NULL;
  const char *colon = g_strstr_len (line, len, ": ");
  if (!colon)
    return NULL;
  char *addr = g_strndup (line, colon - line);
  if (!dsn_text_is_address (addr) || strchr (addr, ' ')) {
    g_free (addr);
    return NULL;
  }
  *error = colon + 2;
  return addr;
}

static gboolean
extract (const DsnInput *in)
{
  DsnReport *rep = in->report;
  const char *text = dsn_unix_report_text (in);
  gboolean delayed = dsn_strcasestr (text, "is delayed for more than") != NULL;
  const char *pos = text, *line;
  gsize len;
  gboolean listed = FALSE;
  while (dsn_text_next_line (&pos, &line, &len)) {
    const char *error = NULL;
    g_autofree char *addr = recipient_line (line, len, &error);
    if (!addr)
      continue;
    DsnRecipient *r = dsn_report_find_recipient (rep, addr);
    if (!r) {
      if (in->has_delivery_status)
        continue;
      r = dsn_report_add_recipient (rep, addr);
      r->action = delayed ? DSN_ACTION_DELAYED : DSN_ACTION_FAILED;
    }
    listed = TRUE;
    if (!r->diagnostic)
      dsn_recipient_set_diagnostic (r, error, line + len - error);
    /* OpenSMTPD's own verdict when the queue lifetime is over. */
    if (r->diagnostic && !g_ascii_strcasecmp (r->diagnostic, "Envelope expired"))
      r->reason_hint = "expired";
  }
  const char *returned = dsn_find_returned_marker (text);
  if (returned && !in->has_returned)
    dsn_input_set_returned_text (in, returned);
  if (rep->recipients->len == 0 || (!listed && !in->has_delivery_status))
    return FALSE;
  dsn_unix_finish (rep);
  return TRUE;
}

DSN_DIALECT (opensmtpd);
