/* The last resort for text bounces no dialect claims: a report from a
 * mailer-daemon, or with a bounce subject, scanned for address paragraphs.
 * SPDX-License-Identifier: BSD-2-Clause */
#include "dialect.h"

#include <string.h>

static const char *const senders[] = { "mailer-daemon", "postmaster", "mail delivery",
                                       "maildelivery", "mail administrator", NULL };
static const char *const subjects[] = {
  "undeliver", "undelivered", "delivery status notification", "returned mail",
  "failure notice", "delivery failure", "delivery failed", "mail delivery failed",
  "non-delivery", "nondeliverable", "non remis", "could not be delivered",
  "delivery has failed", "delivery problem", "returned to sender", "mail system error",
  "delivery notification", "unzustellbar", "warning: could not send", NULL,
};

static gboolean
detect (const DsnInput *in)
{
  return in->pasted || dsn_from_has (in, senders) || dsn_subject_has (in, subjects);
}

static gboolean
extract (const DsnInput *in)
{
  DsnReport *rep = in->report;
  const char *text = in->first_text && *in->first_text ? in->first_text : in->body;
  const char *end = dsn_find_returned_marker (text);
  if (!end)
    end = text + strlen (text);
  else
    dsn_input_set_returned_text (in, end);
  dsn_scan_address_paragraphs (rep, text, end);
  /* One recipient named on a line of its own: the explanation is the text
   * that follows it ("Technical details of permanent failure: ..."). */
  if (rep->recipients->len == 1) {
    DsnRecipient *r = rep->recipients->pdata[0];
    const char *at = dsn_strcasestr (text, r->address);
    if (at && at < end && (!r->diagnostic || strlen (r->diagnostic) <= strlen (r->address) + 2))
      dsn_recipient_set_diagnostic (r, dsn_next_line (at), end - dsn_next_line (at));
    /* The paragraph naming the address may only paraphrase; a line quoting
     * the server's reply ("550 5.1.1 ...") elsewhere in the report is better. */
    char code[12];
    if (r->diagnostic && !dsn_text_find_status (r->diagnostic, code)) {
      const char *q = dsn_text_find_status (text, code);
      if (q && q < end) {
        const char *ls = dsn_line_start (text, q);
        const char *le = dsn_next_line (q);
        g_autofree char *both = g_strdup_printf ("%s %.*s", r->diagnostic, (int) (le - ls), ls);
        dsn_recipient_set_diagnostic (r, both, -1);
      }
    }
  }
  dsn_finish_recipients (rep);
  return rep->recipients->len > 0;
}

DSN_DIALECT (generic);
