/* Amazon WorkMail: a text report sent through SES ("X-Mailer: Amazon
 * WorkMail"), its delivery-status fields written inline after "Technical
 * report:".
 * SPDX-License-Identifier: BSD-2-Clause */
#include "../dialect.h"
#include "providers.h"

#include <string.h>

static gboolean
detect (const DsnInput *in)
{
  static const char *const senders[] = { "amazonses.com", NULL };
  return dsn_header_has (in, "X-Mailer", "Amazon WorkMail")
         || (dsn_from_has (in, senders) && dsn_body_find (in, "Technical report:"));
}

/* The delivery-status fields WorkMail writes at the end of its text, after
 * "Technical report:". */
static void
read_inline_fields (const DsnInput *in)
{
  const char *start = dsn_strcasestr (in->first_text, "Technical report:");
  if (!start)
    return;
  start = dsn_next_line (start);
  dsn_rfc3464_parse (in->report, start, strlen (start));
}

static gboolean
extract (const DsnInput *in)
{
  DsnReport *rep = in->report;
  if (rep->recipients->len == 0)
    read_inline_fields (in);
  dsn_provider_join_split_recipients (rep);
  for (guint i = 0; i < rep->recipients->len; i++)
    dsn_provider_take_wrapped_reply (rep->recipients->pdata[i]);
  dsn_finish_recipients (rep);
  return rep->recipients->len > 0;
}

DSN_DIALECT (amazonworkmail);
