/* MailFoundry: "Unable to deliver message to: <user@example.org>",
 * "Delivery failed for the following reason:" and the reason, often "host
 * [192.0.2.1] responded with failure: 552 ...".
 * SPDX-License-Identifier: BSD-2-Clause */
#include "../dialect.h"
#include "unix.h"

#include <string.h>

static gboolean
detect (const DsnInput *in)
{
  return dsn_body_find (in, "Unable to deliver message to:")
         && dsn_body_find (in, "Delivery failed for the following reason:");
}

static gboolean
extract (const DsnInput *in)
{
  DsnReport *rep = in->report;
  const char *text = dsn_unix_report_text (in);
  for (const char *p = dsn_strcasestr (text, "Unable to deliver message to:"); p;
       p = dsn_strcasestr (p + 1, "Unable to deliver message to:")) {
    g_autofree char *addr = dsn_text_find_address_len (p, strcspn (p, "\n"));
    if (!addr || dsn_report_find_recipient (rep, addr))
      continue;
    DsnRecipient *r = dsn_report_add_recipient (rep, addr);
    const char *reason = dsn_strcasestr (p, "Delivery failed for the following reason:");
    if (!reason)
      continue;
    const char *start = dsn_next_line (reason);
    gsize len = strcspn (start, "\n");
    g_autofree char *line = g_strndup (start, len);
    const char *failure = strstr (line, " responded with failure: ");
    if (failure) {
      r->remote_mta = dsn_unix_host_at (line);
      dsn_recipient_set_diagnostic (r, failure + 25, -1);
    } else {
      dsn_recipient_set_diagnostic (r, line, -1);
    }
  }
  if (rep->recipients->len == 0)
    return FALSE;
  dsn_unix_finish (rep);
  return TRUE;
}

DSN_DIALECT (mailfoundry);
