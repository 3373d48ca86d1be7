/* BIGLOBE (biglobe.ne.jp and the cable networks it hosts): a text report
 * from postmaster@, "Returned mail: ..." in the Subject, the addresses in one
 * block and the reason, shared by all of them, in the next:
 *
 *      ----- The following addresses had delivery problems -----
 *   user@example.org
 *
 *      ----- Non-delivered information -----
 *   The number of messages in recipient's mailbox exceeded the local limit.
 *
 * SPDX-License-Identifier: BSD-2-Clause */
#include "../dialect.h"
#include "gateways.h"

#include <string.h>

static const char rcpt_marker[] = "----- The following addresses had delivery problems -----";
static const char info_marker[] = "----- Non-delivered information -----";

static gboolean
detect (const DsnInput *in)
{
  static const char *const senders[] = { "postmaster@biglobe.ne.jp", "postmaster@inacatv.ne.jp",
                                         "postmaster@tmtv.ne.jp", "postmaster@ttv.ne.jp", NULL };
  return dsn_from_has (in, senders) && dsn_has_prefix_ci (in->subject, "Returned mail:");
}

/* The lines from START to the next blank line or marker line, or END. */
static const char *
block_end (const char *start, const char *end)
{
  const char *p = start;
  while (p < end && *p == '\n')
    p++;
  while (p < end) {
    const char *nl = dsn_next_line (p);
    const char *q = p;
    while (q < nl && (*q == ' ' || *q == '\t'))
      q++;
    if (q == nl || *q == '\n' || g_str_has_prefix (q, "-----"))
      break;
    p = nl;
  }
  return p < end ? p : end;
}

static gboolean
extract (const DsnInput *in)
{
  DsnReport *rep = in->report;
  const char *text = dsn_input_report_text (in);
  const char *end = dsn_gw_report_end (in, text, text, NULL);
  const char *rcpts = dsn_gw_after_marker (text, rcpt_marker);
  if (!rcpts || rcpts > end)
    return FALSE;

  const char *rend = block_end (rcpts, end);
  for (const char *p = rcpts; p < rend; p = dsn_next_line (p)) {
    const char *nl = dsn_next_line (p);
    g_autofree char *addr = dsn_text_find_address_len (p, (nl > rend ? rend : nl) - p);
    if (addr && !dsn_report_find_recipient (rep, addr))
      dsn_report_add_recipient (rep, addr);
  }
  const char *info = dsn_gw_after_marker (rcpts, info_marker);
  if (info && info < end) {
    while (info < end && *info == '\n')
      info++;
    const char *iend = block_end (info, end);
    for (guint i = 0; i < rep->recipients->len; i++) {
      DsnRecipient *r = rep->recipients->pdata[i];
      if (!r->diagnostic)
        dsn_recipient_set_diagnostic (r, info, iend - info);
    }
  }
  dsn_finish_recipients (in->report);
  return rep->recipients->len > 0;
}

DSN_DIALECT (biglobe);
