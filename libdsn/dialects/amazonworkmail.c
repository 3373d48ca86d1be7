/* Amazon WorkMail: a text report sent through SES ("X-Mailer: Amazon
 * WorkMail"), its delivery-status fields written inline after "Technical
 * report:".
 * SPDX-License-Identifier: BSD-2-Clause */
#include "dialect.h"

#include <string.h>

static gboolean
detect (const DsnInput *in)
{
  static const char *const senders[] = { "amazonses.com", NULL };
  return dsn_header_has (in, "X-Mailer", "Amazon WorkMail") ||
         (dsn_from_has (in, senders) && dsn_body_find (in, "Technical report:"));
}

/* The fields after "Technical report:": every line up to the first that is
 * neither a field, a continuation nor blank. */
static void
read_inline_fields (const DsnInput *in)
{
  const char *start = dsn_body_find (in, "Technical report:");
  if (!start)
    return;
  start = dsn_next_line (start);
  while (*start == '\n')
    start++;
  const char *end = start;
  while (*end) {
    const char *q = end;
    gboolean ok = *q == '\n' || *q == ' ' || *q == '\t';
    if (!ok) {
      while (*q && *q != ':' && *q != '\n' && *q > ' ')
        q++;
      ok = *q == ':';
    }
    if (!ok)
      break;
    end = dsn_next_line (end);
  }
  dsn_rfc3464_parse (in->report, start, end - start);
}

static gboolean
extract (const DsnInput *in)
{
  DsnReport *rep = in->report;
  if (rep->recipients->len == 0)
    read_inline_fields (in);
  dsn_provider_join_split_recipients (rep);
  for (guint i = 0; i < rep->recipients->len; i++) {
    DsnRecipient *r = rep->recipients->pdata[i];
    dsn_provider_take_wrapped_reply (r);
    if (!r->command)
      dsn_set (&r->command, dsn_text_find_command (r->diagnostic));
  }
  return rep->recipients->len > 0;
}

DSN_DIALECT (amazonworkmail);
