/* Lotus Notes (the SMTP MTA of Notes/Domino 4 and older): a text report,
 * often in the sender's national charset, under "------- Failure Reasons":
 * each reason is followed by the address it applies to, then the original
 * after "------- Returned Message --------".
 *
 *   ------- Failure Reasons  --------
 *
 *   User not listed in public Name & Address Book
 *   user@example.org
 *
 *   ------- Returned Message --------
 *
 * SPDX-License-Identifier: BSD-2-Clause */
#include "../dialect.h"
#include "gateways.h"

#include <string.h>

static const char start_marker[] = "------- Failure Reasons";
static const char *const end_markers[] = { "------- Returned Message", NULL };

static gboolean
detect (const DsnInput *in)
{
  return dsn_body_find (in, start_marker) != NULL;
}

/* The address a line starts with: Notes writes each failed address alone on
 * its line, the reasons in prose. */
static char *
leading_address (const char *line, gsize len)
{
  while (len && g_ascii_isspace (*line))
    line++, len--;
  gsize tok = 0;
  while (tok < len && !g_ascii_isspace (line[tok]))
    tok++;
  if (!memchr (line, '@', tok))
    return NULL;
  return dsn_text_find_address_len (line, tok);
}

/* No address in the reasons (some versions omit it): the original's To. */
static void
recipient_from_returned (const DsnInput *in, const char *returned, const char *reason)
{
  const char *to = NULL;
  while (returned && *returned == '\n')
    returned++;
  for (const char *p = returned; p && *p; p = dsn_next_line (p)) {
    if (*p == '\n')
      break; /* end of the returned header block */
    if (dsn_has_prefix_ci (p, "To:")) {
      to = p + 3;
      break;
    }
  }
  if (!to)
    return;
  const char *nl = dsn_next_line (to);
  g_autofree char *addr = dsn_text_find_address_len (to, nl - to);
  if (!addr)
    return;
  DsnRecipient *r = dsn_report_add_recipient (in->report, addr);
  if (reason && *reason)
    dsn_recipient_set_diagnostic (r, reason, -1);
}

static gboolean
extract (const DsnInput *in)
{
  DsnReport *rep = in->report;
  const char *text = in->body;
  const char *start = dsn_gw_after_marker (text, start_marker);
  if (!start)
    return FALSE;
  const char *end = dsn_gw_report_end (in, text, start, end_markers);

  GString *reason = g_string_new (NULL);
  g_autofree char *last_reason = NULL;
  DsnRecipient *last = NULL;
  const char *p = start;
  while (p < end) {
    const char *nl = memchr (p, '\n', end - p);
    const char *le = nl ? nl : end;
    gsize len = le - p;
    const char *line = p;
    p = nl ? nl + 1 : end;
    if (dsn_line_is_blank (line, len) || *line == '-')
      continue;
    g_autofree char *addr = leading_address (line, len);
    if (addr) {
      DsnRecipient *r = dsn_report_find_recipient (rep, addr);
      if (!r)
        r = dsn_report_add_recipient (rep, addr);
      /* Several addresses under one reason share it. */
      if (reason->len) {
        g_free (last_reason);
        last_reason = g_strdup (reason->str);
        g_string_truncate (reason, 0);
      }
      if (last_reason && !r->diagnostic)
        dsn_recipient_set_diagnostic (r, last_reason, -1);
      last = r;
      continue;
    }
    if (reason->len)
      g_string_append_c (reason, ' ');
    g_string_append_len (reason, line, len);
  }
  /* A reason after the last address belongs to it if it had none. */
  if (reason->len && last && !last->diagnostic)
    dsn_recipient_set_diagnostic (last, reason->str, reason->len);
  if (rep->recipients->len == 0)
    recipient_from_returned (in, dsn_gw_after_marker (end, end_markers[0]), reason->str);
  g_string_free (reason, TRUE);
  dsn_finish_recipients (in->report);
  return rep->recipients->len > 0;
}

DSN_DIALECT (notes);
