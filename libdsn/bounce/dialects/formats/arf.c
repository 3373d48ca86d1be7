/* ARF feedback reports (RFC 5965): abuse and feedback-loop complaints.
 * SPDX-License-Identifier: BSD-2-Clause */
#include "../dialect.h"

#include <string.h>

/* The opening sentence RFC 5965 and RFC 6591 give the human-readable part,
 * which feedback loops keep: a report pasted without its machine-readable
 * part still says what it is. */
static const char *const intros[] = {
  "email abuse report for an email message",
  "authentication failure report for an email message",
  NULL,
};

static gboolean
detect (const DsnInput *in)
{
  if (dsn_report_get_field (in->report, "Feedback-Type"))
    return TRUE;
  if (dsn_header_has (in, "Content-Type", "feedback-report"))
    return TRUE;
  return dsn_body_find_any (in, intros) != NULL;
}

static gboolean
extract (const DsnInput *in)
{
  DsnReport *rep = in->report;
  const char *type = dsn_report_get_field (rep, "Feedback-Type");
  /* Without the field, the opening sentence tells an RFC 6591 report. */
  const char *guess = dsn_body_find (in, intros[1]) ? "auth-failure" : "abuse";
  g_autofree char *ftype = type ? g_ascii_strdown (type, -1) : g_strdup (guess);
  g_strstrip (ftype);
  /* RFC 5965 §3.2: Original-Rcpt-To may repeat, one per recipient. */
  for (guint i = 0; i + 1 < rep->fields->len; i += 2) {
    const char *name = rep->fields->pdata[i];
    if (g_ascii_strcasecmp (name, "Original-Rcpt-To") != 0
        && g_ascii_strcasecmp (name, "Removal-Recipient") != 0)
      continue;
    g_autofree char *addr = dsn_text_find_address (rep->fields->pdata[i + 1]);
    if (addr && !dsn_report_find_recipient (rep, addr))
      dsn_report_add_recipient (rep, addr);
  }
  /* Without Original-Rcpt-To, the complaint is about the returned message's
   * recipient. */
  if (rep->recipients->len == 0) {
    const char *to = dsn_report_get_original_header (rep, "To");
    g_autofree char *addr = to ? dsn_text_find_address (to) : NULL;
    if (addr)
      dsn_report_add_recipient (rep, addr);
  }
  /* A redacted report (RFC 6590) hides the complainant's address; the
   * report is still about one recipient, of unknown address. */
  if (rep->recipients->len == 0) {
    dsn_report_warn (rep, "arf.no_recipient", NULL);
    dsn_report_add_recipient (rep, NULL);
  }
  for (guint i = 0; i < rep->recipients->len; i++) {
    DsnRecipient *r = rep->recipients->pdata[i];
    dsn_set (&r->feedback_type, ftype);
    r->action = DSN_ACTION_NONE;
    if (!r->diagnostic)
      dsn_recipient_set_diagnostic (r, in->first_text, -1);
  }
  rep->kind = DSN_KIND_FEEDBACK;
  return TRUE;
}

DSN_DIALECT (arf);
