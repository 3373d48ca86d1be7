/* RFC 3464 delivery-status notifications from any MTA without a dialect of
 * its own, and delivery-status fields written inline in a text report.
 * SPDX-License-Identifier: BSD-2-Clause */
#include "../dialect.h"
#include "formats.h"

#include <string.h>

static gboolean
detect (const DsnInput *in)
{
  return in->has_delivery_status || dsn_field_line (in->body, "Final-Recipient")
         || dsn_field_line (in->body, "Original-Recipient");
}

static gboolean
extract (const DsnInput *in)
{
  DsnReport *rep = in->report;
  if (!in->has_delivery_status)
    dsn_read_inline_fields (rep, in->body);
  for (guint i = 0; i < rep->recipients->len; i++) {
    DsnRecipient *r = rep->recipients->pdata[i];
    if (!r->command)
      dsn_set (&r->command, dsn_text_find_command (r->diagnostic));
  }
  dsn_fill_diagnostics_from_text (rep, in->first_text);
  return rep->recipients->len > 0;
}

DSN_DIALECT (rfc3464);
