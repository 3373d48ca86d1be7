/* Delivery-status fields (RFC 3464) written in a report's text instead of a
 * message/delivery-status part.
 * SPDX-License-Identifier: BSD-2-Clause */
#include "../dialect.h"
#include "formats.h"

#include <string.h>

const char *
dsn_field_line (const char *text, const char *field)
{
  gsize n = strlen (field);
  for (const char *p = dsn_strcasestr (text, field); p; p = dsn_strcasestr (p + 1, field))
    if ((p == text || p[-1] == '\n') && p[n] == ':')
      return p;
  return NULL;
}

/* TRUE if the LEN bytes at NAME are a field of RFC 3464 §2.2 and §2.3, or an
 * extension (§2.4: "X-"). */
static gboolean
is_status_field (const char *name, gsize len)
{
  static const char *const fields[] = {
    "Reporting-MTA",
    "DSN-Gateway",
    "Received-From-MTA",
    "Arrival-Date",
    "Original-Envelope-Id",
    "Original-Recipient",
    "Final-Recipient",
    "Action",
    "Status",
    "Remote-MTA",
    "Diagnostic-Code",
    "Last-Attempt-Date",
    "Final-Log-ID",
    "Will-Retry-Until",
  };
  if (len > 2 && g_ascii_strncasecmp (name, "X-", 2) == 0)
    return TRUE;
  for (gsize i = 0; i < G_N_ELEMENTS (fields); i++)
    if (strlen (fields[i]) == len && g_ascii_strncasecmp (name, fields[i], len) == 0)
      return TRUE;
  return FALSE;
}

guint
dsn_read_inline_fields (DsnReport *rep, const char *text)
{
  static const char *const first_fields[]
      = { "Reporting-MTA", "Original-Envelope-Id", "Final-Recipient", "Original-Recipient", NULL };
  const char *start = NULL;
  for (const char *const *f = first_fields; *f; f++) {
    const char *p = dsn_field_line (text, *f);
    if (p && (!start || p < start))
      start = p;
  }
  if (!start)
    return 0;
  /* Up to the first line that is neither a delivery-status field, a folded
   * line nor blank: the returned message's header often follows. */
  const char *end = start;
  while (*end) {
    const char *q = end;
    gboolean ok = *q == '\n' || *q == ' ' || *q == '\t';
    if (!ok) {
      while (*q && *q != ':' && *q != '\n' && *q > ' ')
        q++;
      ok = *q == ':' && is_status_field (end, q - end);
    }
    if (!ok)
      break;
    end = dsn_next_line (end);
  }
  return dsn_rfc3464_parse (rep, start, end - start);
}
