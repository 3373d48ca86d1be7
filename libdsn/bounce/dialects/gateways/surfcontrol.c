/* SurfControl E-mail Filter (later Websense): X-Mailer and X-SEF-* headers,
 * a transcript of the attempts, and a delivery-status part without
 * Remote-MTA:
 *
 *   Your message could not be sent.
 *   A transcript of the attempts to send the message follows.
 *   The number of attempts made: 1
 *   Addressed To: user@example.org
 *
 *   Thu, 29 Apr 2010 23:34:45 +0900
 *   Failed to send to identified host,
 *   user@example.org: [192.0.2.5], 550 user@example.org... No such user
 *   --- Message non-deliverable.
 *
 * SPDX-License-Identifier: BSD-2-Clause */
#include "../dialect.h"
#include "gateways.h"

#include <string.h>

static gboolean
detect (const DsnInput *in)
{
  return dsn_header_has (in, "X-Mailer", "SurfControl")
         || (dsn_header_has (in, "X-SEF-Processed", NULL)
             && dsn_body_find (in, "A transcript of the attempts to send the message follows"));
}

static gboolean
extract (const DsnInput *in)
{
  DsnReport *rep = in->report;
  const char *text = dsn_input_report_text (in);
  const char *end = dsn_gw_report_end (in, text, text, NULL);

  /* "Addressed To:" lines list the recipients when there is no
   * delivery-status part. */
  if (rep->recipients->len == 0)
    for (const char *p = text; p < end; p = dsn_next_line (p)) {
      if (!dsn_has_prefix_ci (p, "Addressed To:"))
        continue;
      const char *nl = dsn_next_line (p);
      g_autofree char *addr = dsn_text_find_address_len (p, nl - p);
      if (addr && !dsn_report_find_recipient (rep, addr))
        dsn_report_add_recipient (rep, addr);
    }

  /* "address: [host], reply": the host tried and what it answered. */
  for (const char *p = text; p < end; p = dsn_next_line (p)) {
    const char *nl = dsn_next_line (p);
    const char *colon = memchr (p, ':', nl - p);
    if (!colon || colon[1] != ' ' || colon[2] != '[')
      continue;
    g_autofree char *addr = dsn_text_find_address_len (p, colon - p);
    DsnRecipient *r = addr ? dsn_report_find_recipient (rep, addr) : NULL;
    if (!r)
      continue;
    const char *hs = colon + 3;
    const char *he = memchr (hs, ']', nl - hs);
    if (!he)
      continue;
    if (!r->remote_mta)
      dsn_set_len (&r->remote_mta, hs, he - hs);
    const char *reply = he + 1;
    while (reply < nl && (*reply == ',' || *reply == ' '))
      reply++;
    if (!r->diagnostic && reply < nl)
      dsn_recipient_set_diagnostic (r, reply, nl - reply);
  }
  dsn_finish_recipients (in->report);
  return rep->recipients->len > 0;
}

DSN_DIALECT (surfcontrol);
