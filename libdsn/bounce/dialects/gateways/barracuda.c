/* Barracuda Spam (& Virus) Firewall: an RFC 3464 report whose Subject says
 * which filter stopped the message, with a short text naming the recipient:
 *
 *   Subject: **Message you sent blocked by our bulk email filter**
 *
 *   Your message to: user@example.org
 *   was blocked by our Spam Firewall. The email you sent with the following
 *   subject has NOT BEEN DELIVERED:
 *
 * SPDX-License-Identifier: BSD-2-Clause */
#include "../dialect.h"
#include "gateways.h"

#include <string.h>

static const char *const subjects[] = { "Message you sent blocked by our bulk email filter", NULL };
static const char *const markers[]
    = { "was blocked by our Spam Firewall", "was blocked by our Spam & Virus Firewall",
        "blocked by our Barracuda", NULL };

static gboolean
detect (const DsnInput *in)
{
  if (dsn_subject_has (in, subjects))
    return TRUE;
  if (dsn_body_find_any (in, markers))
    return TRUE;
  /* Not "(Spam Firewall)" in Received: a Barracuda in front of the sender's
   * domain stamps it on every bounce it lets through. */
  return FALSE;
}

static gboolean
extract (const DsnInput *in)
{
  DsnReport *rep = in->report;
  const char *text = dsn_input_report_text (in);
  const char *end = dsn_gw_report_end (in, text, text, NULL);

  /* Without a delivery-status part: "Your message to: <address>". */
  if (rep->recipients->len == 0) {
    static const char label[] = "Your message to:";
    for (const char *p = dsn_strcasestr (text, label); p && p < end;
         p = dsn_strcasestr (p + 1, label)) {
      const char *nl = dsn_next_line (p);
      g_autofree char *addr = dsn_text_find_address_len (p, nl - p);
      if (addr && !dsn_report_find_recipient (rep, addr)) {
        DsnRecipient *r = dsn_report_add_recipient (rep, addr);
        /* The explanation that follows is the firewall's own verdict. */
        const char *s = nl;
        const char *e = strstr (s, "\n\n");
        if (!e || e > end)
          e = end;
        dsn_recipient_set_diagnostic (r, s, e - s);
      }
    }
  }
  /* The Subject says the bulk email (spam) filter decided. */
  gboolean spam = dsn_subject_has (in, subjects);
  for (guint i = 0; i < rep->recipients->len; i++) {
    DsnRecipient *r = rep->recipients->pdata[i];
    if (spam && !r->reason_hint)
      r->reason_hint = "spamdetected";
  }
  dsn_finish_recipients (in->report);
  return rep->recipients->len > 0;
}

DSN_DIALECT (barracuda);
