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

/* The technical details: each "SMTP:" to the end of its line, and the last
 * one that names each recipient, found for all of them in one pass. */
typedef struct {
  GPtrArray *details;  /* where each starts */
  DsnUnixNamed *named; /* numbered from the last detail */
} Details;

static void
read_details (Details *d, const char *text, DsnReport *rep)
{
  d->details = g_ptr_array_new ();
  const char *end = text + strlen (text);
  for (const char *p = dsn_memstr (text, end, "SMTP:"); p; p = dsn_memstr (p + 5, end, "SMTP:"))
    g_ptr_array_add (d->details, (gpointer)p);
  d->named = dsn_unix_named_new ();
  for (guint i = 0; i < rep->recipients->len; i++)
    dsn_unix_named_add (d->named, ((DsnRecipient *)rep->recipients->pdata[i])->address);
  for (guint i = d->details->len; i > 0; i--) {
    const char *p = d->details->pdata[i - 1];
    dsn_unix_named_scan (d->named, p, strcspn (p, "\n"), d->details->len - i);
  }
}

static void
details_clear (Details *d)
{
  g_ptr_array_unref (d->details);
  dsn_unix_named_free (d->named);
}

/* "SMTP:RCPT host 192.0.2.1: 553 5.3.0 <user@example.org>... No such user":
 * the last technical detail about R, or the only one. */
static void
complete (DsnRecipient *r, Details *d)
{
  guint n = d->details->len;
  if (n == 0)
    return;
  guint from_last = dsn_unix_named_first (d->named, r->address);
  if (n > 1 && from_last == G_MAXUINT)
    return;
  const char *found = d->details->pdata[from_last == G_MAXUINT ? 0 : n - 1 - from_last];
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
  if (details) {
    Details d;
    read_details (&d, details, rep);
    for (guint i = 0; i < rep->recipients->len; i++)
      complete (rep->recipients->pdata[i], &d);
    details_clear (&d);
  }
  dsn_unix_finish (rep);
  return TRUE;
}

DSN_DIALECT_NAMED (starredlist, "x3");
