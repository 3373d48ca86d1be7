/* 1&1 / IONOS (kundenserver.de): the same "Nemesis" mail system as GMX,
 * "The following address failed:" then "For the following reason:".
 * SPDX-License-Identifier: BSD-2-Clause */
#include "../dialect.h"
#include "providers.h"

static gboolean
detect (const DsnInput *in)
{
  static const char *const senders[] = { "kundenserver.", "1and1.", "1und1.", "ionos.", NULL };
  return dsn_from_has (in, senders) && dsn_provider_nemesis_separator (in);
}

static gboolean
extract (const DsnInput *in)
{
  dsn_provider_read_nemesis (in);
  return in->report->recipients->len > 0;
}

DSN_DIALECT (einsundeins);
