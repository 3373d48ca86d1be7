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

/* One recipient's section: the lines after its "<address>:" up to the next
 * section or a "-----" rule (END NULL: the text ends first). */
typedef struct {
  const char *start, *end;
} Section;

/* Every section of TEXT, in order, and the first one of each address: read
 * once for all the recipients. */
static GArray *
read_sections (const char *text, GHashTable *by_address)
{
  GArray *sections = g_array_new (FALSE, FALSE, sizeof (Section));
  const char *pos = text, *line;
  gsize len;
  while (dsn_text_next_line (&pos, &line, &len)) {
    g_autofree char *addr = section_address (line, len);
    if (sections->len && (addr || (len > 5 && !strncmp (line, "-----", 5)))) {
      Section *last = &g_array_index (sections, Section, sections->len - 1);
      if (!last->end)
        last->end = line;
    }
    if (addr) {
      Section s = { pos, NULL };
      dsn_address_map_add (by_address, addr, sections->len);
      g_array_append_val (sections, s);
    }
  }
  /* The last section may run to the end of the text (a pasted part, a
   * report without its closing rule). */
  if (sections->len && !g_array_index (sections, Section, sections->len - 1).end)
    g_array_index (sections, Section, sections->len - 1).end = text + strlen (text);
  return sections;
}

/* Completes R from its section, the remote host first. */
static void
complete (DsnRecipient *r, GArray *sections, GHashTable *by_address)
{
  guint i = dsn_address_map_get (by_address, r->address);
  if (r->original)
    i = MIN (i, dsn_address_map_get (by_address, r->original));
  if (i == G_MAXUINT)
    return;
  const Section *s = &g_array_index (sections, Section, i);
  if (!s->end)
    return;
  const char *host = s->start;
  while (*host == ' ' || *host == '\t')
    host++;
  if (!r->remote_mta && *host != '>' && *host != '<')
    r->remote_mta = dsn_unix_host_at (host);
  if (!dsn_unix_read_transcript (r, s->start, s->end, FALSE) && !r->diagnostic)
    dsn_recipient_set_diagnostic (r, s->start, s->end - s->start);
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
  g_autoptr (GHashTable) by_address = dsn_address_map_new ();
  g_autoptr (GArray) sections = read_sections (text, by_address);
  for (guint i = 0; i < rep->recipients->len; i++)
    complete (rep->recipients->pdata[i], sections, by_address);
  dsn_unix_finish (rep);
  return TRUE;
}

DSN_DIALECT (courier);
