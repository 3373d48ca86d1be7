/* GMX, WEB.DE and mail.com (United Internet's "Nemesis" mail system): "The
 * following address failed:", one paragraph per recipient, and "--- The
 * header of the original message is following. ---"; in German for German
 * users ("Die folgende Adresse ist fehlgeschlagen:").
 * SPDX-License-Identifier: BSD-2-Clause */
#include "../dialect.h"
#include "providers.h"

static gboolean
detect (const DsnInput *in)
{
  static const char *const senders[] = { "@gmx.", ".gmx.", "@mail.com", "@web.de", NULL };
  return dsn_from_has (in, senders) && dsn_provider_nemesis_separator (in);
}

static gboolean
extract (const DsnInput *in)
{
  dsn_provider_read_nemesis (in);
  return in->report->recipients->len > 0;
}

DSN_DIALECT (gmx);
