/* m-FILTER, a Japanese mail gateway ("X-Mailer: m-FILTER"): the failed
 * addresses, then "-------server message" with the server's reply,
 * "-------SMTP command" with the command, and "-------original message" (or
 * "-------original mail info").
 * SPDX-License-Identifier: BSD-2-Clause */
#include "../dialect.h"
#include "unix.h"

#include <string.h>

static gboolean
detect (const DsnInput *in)
{
  return dsn_header_has (in, "X-Mailer", "m-FILTER")
         || (dsn_body_find (in, "\n-------server message")
             && dsn_body_find (in, "\n-------SMTP command"));
}

/* The lines of the section that follows the heading NAME, up to the next
 * "-------" heading. */
static char *
section (const char *text, const char *name)
{
  const char *h = strstr (text, name);
  if (!h)
    return NULL;
  const char *start = dsn_next_line (h);
  const char *end = strstr (start, "\n-------");
  return dsn_text_squeeze (g_strndup (start, end ? (gsize)(end - start) : strlen (start)));
}

static gboolean
extract (const DsnInput *in)
{
  DsnReport *rep = in->report;
  const char *text = dsn_unix_report_text (in);
  const char *server = strstr (text, "\n-------server message");
  if (!server)
    return FALSE;
  /* The addresses are listed, one per line, before the server's message. */
  const char *pos = text, *l;
  gsize len;
  while (dsn_text_next_line_until (&pos, server, &l, &len)) {
    g_autofree char *line = dsn_text_squeeze (g_strndup (l, len));
    if (dsn_text_is_address (line) && !dsn_report_find_recipient (rep, line))
      dsn_report_add_recipient (rep, line);
  }
  if (rep->recipients->len == 0)
    return FALSE;
  g_autofree char *reply = section (server, "-------server message");
  g_autofree char *command = section (server, "-------SMTP command");
  const char *original = strstr (server, "\n-------original m");
  if (original && !in->has_returned)
    dsn_input_set_returned_text (in, dsn_next_line (original + 1));
  for (guint i = 0; i < rep->recipients->len; i++) {
    DsnRecipient *r = rep->recipients->pdata[i];
    dsn_recipient_set_diagnostic (r, reply, -1);
    if (command && *command) {
      g_autofree char *verb = g_ascii_strup (command, strcspn (command, " :"));
      dsn_set (&r->command, !strcmp (verb, "EHLO") ? "HELO" : verb);
    }
  }
  dsn_unix_finish (rep);
  return TRUE;
}

DSN_DIALECT (mfilter);
