/* Microsoft Exchange Server 2007 and later (on-premises): "Undeliverable:"
 * reports with a "Diagnostic information for administrators" section, in the
 * server's language ("Non remis :", "Unzustellbar:", "Non recapitabile:",
 * "No se puede entregar :" and their translated headings: see exchange-ndr.c),
 * usually with a delivery-status part.
 * SPDX-License-Identifier: BSD-2-Clause */
#include "../dialect.h"
#include "providers.h"

static gboolean
detect (const DsnInput *in)
{
  return dsn_header_has (in, "X-MS-Exchange-Message-Is-Ndr", NULL)
         || dsn_provider_exchange_admin (in) || dsn_provider_exchange_generating (in)
         || dsn_body_find (in, "Sent by Microsoft Exchange Server");
}

static gboolean
extract (const DsnInput *in)
{
  return dsn_provider_extract_exchange (in);
}

DSN_DIALECT (exchange2007);
