/* Courier: "This is a delivery status notification from host, running the
 * Courier mail server", then per recipient:
 *
 *   <user@example.org>:
 *       mx.example.org [192.0.2.1]:
 *   >>> RCPT TO:<user@example.org>
 *   <<< 550 5.1.1 <user@example.org>... User unknown
 *
 * and a delivery-status part whose Status is often just X.0.0.
 * SPDX-License-Identifier: BSD-2-Clause */
#include "../dialect.h"
#include "unix.h"

#include <string.h>

static gboolean
detect (const DsnInput *in)
{
  return dsn_body_find (in, "running the Courier mail server") != NULL;
}

/* "<user@example.org>:" on a line of its own. */
static char *
section_address (const char *line, gsize len)
{
  while (len && g_ascii_isspace (line[len - 1]))
    len--;
  if (len < 5 || line[0] != '<' || line[len - 1] != ':' || line[len - 2] != '>')
    return NULL;
  return dsn_text_find_address_len (line, len);
}

/* Completes R from its section of TEXT: the lines after its "<address>:"
 * up to the next section or a "-----" rule, the remote host first. */
static void
complete (DsnRecipient *r, const char *text)
{
  const char *pos = text, *line;
  gsize len;
  const char *start = NULL;
  while (dsn_text_next_line (&pos, &line, &len)) {
    g_autofree char *addr = section_address (line, len);
    if (start && (addr || (len > 5 && !strncmp (line, "-----", 5)))) {
      const char *end = line;
      const char *host = start;
      while (*host == ' ' || *host == '\t')
        host++;
      if (!r->remote_mta && *host != '>' && *host != '<')
        r->remote_mta = dsn_unix_host_at (host);
      if (!dsn_unix_read_transcript (r, start, end, FALSE) && !r->diagnostic)
        dsn_recipient_set_diagnostic (r, start, end - start);
      return;
    }
    if (addr
        && (!g_ascii_strcasecmp (addr, r->address)
            || (r->original && !g_ascii_strcasecmp (addr, r->original))))
      start = pos;
  }
}

static gboolean
extract (const DsnInput *in)
{
  DsnReport *rep = in->report;
  const char *text = dsn_unix_report_text (in);
  if (rep->recipients->len == 0 && !in->has_delivery_status)
    dsn_read_inline_fields (rep, in->body);
  if (rep->recipients->len == 0) {
    const char *pos = text, *line;
    gsize len;
    while (dsn_text_next_line (&pos, &line, &len)) {
      g_autofree char *addr = section_address (line, len);
      if (addr && !dsn_report_find_recipient (rep, addr))
        dsn_report_add_recipient (rep, addr);
    }
  }
  if (rep->recipients->len == 0)
    return FALSE;
  for (guint i = 0; i < rep->recipients->len; i++)
    complete (rep->recipients->pdata[i], text);
  dsn_unix_finish (rep);
  return TRUE;
}

DSN_DIALECT (courier);
