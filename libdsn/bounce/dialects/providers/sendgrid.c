/* SendGrid: RFC 3464 reports ("This is an automatically generated message
 * from SendGrid.") whose text has one line per recipient: "local:000000:<
 * user@example.org> : 192.0.2.1 : mx.example.org:[192.0.2.2] : 550 5.1.1
 * ... in RCPT TO".
 * SPDX-License-Identifier: BSD-2-Clause */
#include "../dialect.h"

#include <string.h>

static gboolean
detect (const DsnInput *in)
{
  return dsn_body_find (in, "automatically generated message from SendGrid")
         || dsn_report_get_field (in->report, "X-SendGrid-QueueID");
}

/* " in RCPT TO" closing the line: the step of the session. */
static const char *
session_step (const char *tail)
{
  if (dsn_strcasestr (tail, " in RCPT TO"))
    return "RCPT";
  if (dsn_strcasestr (tail, " in MAIL FROM"))
    return "MAIL";
  if (dsn_strcasestr (tail, " in DATA") || dsn_strcasestr (tail, " in END OF DATA"))
    return "DATA";
  return NULL;
}

static void
read_line (DsnReport *rep, const char *line)
{
  /* Fields separated by " : ": id and recipient, our IP, remote host, words. */
  g_auto (GStrv) parts = g_strsplit (line, " : ", 4);
  if (g_strv_length (parts) < 4)
    return;
  g_autofree char *addr = dsn_text_find_address (parts[0]);
  if (!addr)
    return;
  DsnRecipient *r = dsn_report_find_recipient (rep, addr);
  if (!r) {
    r = dsn_report_add_recipient (rep, addr);
    r->action = DSN_ACTION_FAILED;
  }
  if (!r->remote_mta)
    dsn_set_len (&r->remote_mta, parts[2], strcspn (parts[2], ":["));
  const char *step = session_step (parts[3]);
  if (!r->command)
    dsn_set (&r->command, step);
  if (!r->diagnostic) {
    char *words = parts[3];
    char *in_step = step ? (char *)dsn_strcasestr (words, " in ") : NULL;
    for (char *p = in_step; p; p = (char *)dsn_strcasestr (p + 1, " in "))
      in_step = p;
    dsn_recipient_set_diagnostic (r, words, in_step ? in_step - words : -1);
  }
}

static gboolean
extract (const DsnInput *in)
{
  DsnReport *rep = in->report;
  const char *pos = in->first_text, *line;
  gsize len;
  while (dsn_text_next_line (&pos, &line, &len)) {
    g_autofree char *l = g_strndup (line, len);
    if (strstr (l, " : ") && strchr (l, '@'))
      read_line (rep, l);
  }
  return rep->recipients->len > 0;
}

DSN_DIALECT (sendgrid);
