/* Amazon SES as a receiving server (inbound-smtp.*.amazonaws.com): RFC 3464
 * reports from the postmaster of the receiving domain, "This message could
 * not be delivered.", whose recipient groups put Action first.
 * SPDX-License-Identifier: BSD-2-Clause */
#include "../dialect.h"
#include "providers.h"

static gboolean
detect (const DsnInput *in)
{
  static const char *const senders[] = { "amazonses.com", NULL };
  if (!in->has_delivery_status || !dsn_header_has (in, "X-SES-Outgoing", NULL)
      || dsn_from_has (in, senders))
    return FALSE;
  const char *mta = dsn_report_get_field (in->report, "Reporting-MTA");
  return (mta && dsn_strcasestr (mta, ".amazonaws.com"))
         || dsn_body_find (in, "This message could not be delivered.");
}

static gboolean
extract (const DsnInput *in)
{
  DsnReport *rep = in->report;
  dsn_provider_join_split_recipients (rep);
  dsn_finish_recipients (rep);
  return rep->recipients->len > 0;
}

DSN_DIALECT (receivingses);
