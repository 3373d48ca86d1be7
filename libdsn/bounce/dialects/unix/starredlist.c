/* An MTA whose reports say "This is an automatically generated Delivery
 * Status Notification." and list the recipients as "* user@example.org"
 * under "Delivery to the following recipients failed permanently:", with
 * "Technical details:" such as "SMTP:RCPT host 192.0.2.1: 553 5.3.0 ...".
 * Some versions add a delivery-status part.
 * Named "x3" in the JSON output.
 * SPDX-License-Identifier: BSD-2-Clause */
#include "../dialect.h"
#include "unix.h"

#include <string.h>

/* A recipient listed as "   * user@example.org" (other MTAs that say
 * "This is an automatically generated Delivery Status Notification" list
 * them without the star). */
static gboolean
has_starred_address (const char *text)
{
  const char *pos = text, *line;
  gsize len;
  while (dsn_text_next_line (&pos, &line, &len)) {
    while (len && (*line == ' ' || *line == '\t'))
      line++, len--;
    if (len > 3 && line[0] == '*' && line[1] == ' ' && memchr (line, '@', len))
      return TRUE;
  }
  return FALSE;
}

static gboolean
detect (const DsnInput *in)
{
  return dsn_body_find (in, "This is an automatically generated Delivery Status Notification")
         && dsn_body_find (in, "following recipients") && has_starred_address (in->body);
}

/* "SMTP:RCPT host 192.0.2.1: 553 5.3.0 <user@example.org>... No such user":
 * the technical detail about R, or the only one. */
static void
complete (DsnRecipient *r, const char *details)
{
  const char *found = NULL;
  guint count = 0;
  for (const char *p = strstr (details, "SMTP:"); p; p = strstr (p + 5, "SMTP:")) {
    const char *le = strchr (p, '\n');
    gsize len = le ? (gsize)(le - p) : strlen (p);
    count++;
    if (!found || dsn_unix_line_has_address (p, len, r->address))
      found = p;
  }
  if (!found
      || (count > 1 && !dsn_unix_line_has_address (found, strcspn (found, "\n"), r->address)))
    return;
  gsize len = strcspn (found, "\n");
  g_autofree char *line = g_strndup (found, len);
  /* "SMTP:CMD host HOST: REPLY" */
  const char *verb = line + 5;
  const char *host = strstr (verb, " host ");
  const char *colon = host ? strstr (host, ": ") : NULL;
  if (!r->command) {
    g_autofree char *cmd = g_strndup (verb, strcspn (verb, " "));
    dsn_set (&r->command, g_ascii_strcasecmp (cmd, "EHLO") ? cmd : "HELO");
  }
  if (host && !r->remote_mta)
    r->remote_mta = dsn_unix_host_at (host + 6);
  if (!r->diagnostic)
    dsn_recipient_set_diagnostic (r, colon ? colon + 2 : verb, -1);
}

static gboolean
extract (const DsnInput *in)
{
  DsnReport *rep = in->report;
  const char *text = dsn_unix_report_text (in);
  if (rep->recipients->len == 0)
    dsn_unix_add_listed (rep, text, text + strlen (text), "* ");
  if (rep->recipients->len == 0)
    return FALSE;
  const char *details = dsn_strcasestr (text, "Technical details");
  for (guint i = 0; details && i < rep->recipients->len; i++)
    complete (rep->recipients->pdata[i], details);
  dsn_unix_finish (rep);
  return TRUE;
}

DSN_DIALECT_NAMED (starredlist, "x3");
