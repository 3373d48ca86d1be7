/* RFC 3464 delivery-status notifications from any MTA without a dialect of
 * its own, and delivery-status fields written inline in a text report.
 * SPDX-License-Identifier: BSD-2-Clause */
#include "dialect.h"

#include <string.h>

/* A line that starts with FIELD ":" (case-insensitive). */
static const char *
find_field_line (const char *text, const char *field)
{
  gsize n = strlen (field);
  for (const char *p = dsn_strcasestr (text, field); p; p = dsn_strcasestr (p + 1, field))
    if ((p == text || p[-1] == '\n') && p[n] == ':')
      return p;
  return NULL;
}

static gboolean
detect (const DsnInput *in)
{
  return in->has_delivery_status || find_field_line (in->body, "Final-Recipient") ||
         find_field_line (in->body, "Original-Recipient");
}

/* The inline field block: from the earliest per-message or recipient field to
 * the first line that is neither a field, a continuation nor blank. */
static void
parse_inline (const DsnInput *in)
{
  static const char *const first_fields[] = { "Reporting-MTA", "Original-Envelope-Id",
                                              "Final-Recipient", "Original-Recipient", NULL };
  const char *start = NULL;
  for (const char *const *f = first_fields; *f; f++) {
    const char *p = find_field_line (in->body, *f);
    if (p && (!start || p < start))
      start = p;
  }
  if (!start)
    return;
  const char *end = start;
  while (*end) {
    const char *nl = dsn_next_line (end);
    const char *q = end;
    gboolean ok = *q == '\n' || *q == ' ' || *q == '\t';
    if (!ok) {
      while (*q && *q != ':' && *q != '\n' && *q > ' ')
        q++;
      ok = *q == ':';
    }
    if (!ok)
      break;
    end = nl;
  }
  dsn_rfc3464_parse (in->report, start, end - start);
}

static gboolean
extract (const DsnInput *in)
{
  DsnReport *rep = in->report;
  if (!in->has_delivery_status)
    parse_inline (in);
  for (guint i = 0; i < rep->recipients->len; i++) {
    DsnRecipient *r = rep->recipients->pdata[i];
    if (!r->command)
      dsn_set (&r->command, dsn_text_find_command (r->diagnostic));
  }
  dsn_fill_diagnostics_from_text (rep, in->first_text);
  return rep->recipients->len > 0;
}

DSN_DIALECT (rfc3464);
