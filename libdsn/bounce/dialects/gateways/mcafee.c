/* McAfee Email Gateway / Email and Web Security appliance: "Delivery Status"
 * with X-NAI-Header, a text list of the recipients with the server's reply
 * in parentheses, and a delivery-status part that names them by
 * Original-Recipient only:
 *
 *       --- The following addresses had delivery problems ---
 *
 *   <user@example.org>   (5.1.1 <user@example.org>... User unknown)
 *
 * SPDX-License-Identifier: BSD-2-Clause */
#include "../dialect.h"
#include "gateways.h"

#include <string.h>

static const char list_marker[] = "--- The following addresses had delivery problems ---";

static gboolean
detect (const DsnInput *in)
{
  /* The appliance stamps X-NAI-Header on all mail it modifies, bounces of
   * other MTAs included: its own report also has its list. */
  if (!dsn_body_find (in, list_marker))
    return FALSE;
  return dsn_header_has (in, "X-NAI-Header", "McAfee")
         || g_ascii_strcasecmp (in->subject, "Delivery Status") == 0;
}

static gboolean
extract (const DsnInput *in)
{
  DsnReport *rep = in->report;
  const char *text = in->body;
  const char *start = dsn_gw_after_marker (text, list_marker);
  const char *end = dsn_gw_report_end (in, text, start ? start : text, NULL);

  /* "<address>   (reply)": the reply completes a delivery-status recipient
   * that has none, and is the whole story without one. */
  for (const char *p = start; p && p < end; p = dsn_next_line (p)) {
    const char *nl = dsn_next_line (p);
    if (*p != '<')
      continue;
    const char *close = memchr (p, '>', nl - p);
    if (!close)
      continue;
    g_autofree char *addr = dsn_text_find_address_len (p, close - p);
    if (!addr)
      continue;
    DsnRecipient *r = dsn_report_find_recipient (rep, addr);
    if (!r && in->has_delivery_status && rep->recipients->len > 0)
      continue;
    if (!r)
      r = dsn_report_add_recipient (rep, addr);
    if (r->diagnostic)
      continue;
    const char *open = memchr (close, '(', nl - close);
    const char *shut = nl;
    while (shut > close && shut[-1] != ')')
      shut--;
    if (open && shut > open + 1)
      dsn_recipient_set_diagnostic (r, open + 1, shut - 1 - open - 1);
  }
  dsn_finish_recipients (in->report);
  return rep->recipients->len > 0;
}

DSN_DIALECT (mcafee);
