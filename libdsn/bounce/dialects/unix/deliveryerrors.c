/* An MTA (seen behind "OpenMail" and Mail2000 relays) that lists each
 * failed recipient with its reason in brackets:
 *
 *   ---The following addresses had delivery errors---
 *
 *   user@example.org [User unknown]
 *
 * Named "x1" in the JSON output.
 * SPDX-License-Identifier: BSD-2-Clause */
#include "../dialect.h"
#include "unix.h"

#include <string.h>

static const char marker[] = "---The following addresses had delivery errors---";

static gboolean
detect (const DsnInput *in)
{
  return dsn_body_find (in, marker) != NULL;
}

static gboolean
extract (const DsnInput *in)
{
  DsnReport *rep = in->report;
  const char *list = dsn_body_find (in, marker);
  if (!list)
    return FALSE;
  const char *pos = dsn_next_line (list), *line;
  gsize len;
  gboolean started = FALSE;
  while (dsn_text_next_line (&pos, &line, &len)) {
    const char *open = memchr (line, '[', len);
    g_autofree char *addr = dsn_text_find_address_len (line, open ? (gsize)(open - line) : len);
    if (!addr) {
      /* The list ends at the first line that is no recipient. */
      if (started && len > 0)
        break;
      continue;
    }
    started = TRUE;
    if (dsn_report_find_recipient (rep, addr))
      continue;
    DsnRecipient *r = dsn_report_add_recipient (rep, addr);
    const char *close = open ? memchr (open, ']', line + len - open) : NULL;
    if (close)
      dsn_recipient_set_diagnostic (r, open + 1, close - open - 1);
  }
  if (rep->recipients->len == 0)
    return FALSE;
  dsn_unix_finish (rep);
  return TRUE;
}

DSN_DIALECT_NAMED (deliveryerrors, "x1");
