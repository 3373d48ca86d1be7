/* fml, a Japanese mailing-list manager: its error mails come from the
 * list's "-admin" address with an X-MLServer header; the subject names the
 * error ("... are not member", "Loop Alert: ...") and the text the address
 * concerned ("You are not a member of this mailing list <list@example.org>.").
 * SPDX-License-Identifier: BSD-2-Clause */
#include "../dialect.h"
#include "unix.h"

#include <string.h>

static gboolean
detect (const DsnInput *in)
{
  return dsn_header_has (in, "X-MLServer", "fml");
}

/* fml's error subjects and the reasons they state. */
static const struct {
  const char *subject;
  const char *reason;
} errors[] = {
  { " are not member", "rejected" },
  { "NOT MEMBER article from ", "rejected" },
  { "reject mail ", "rejected" },
  { "Spam mail from a spammer is rejected", "rejected" },
  { "fml system error message", "systemerror" },
  { "Loop Alert: ", "systemerror" },
  { "Loop Back Warning: ", "systemerror" },
  { "WARNING: UNIX FROM Loop", "systemerror" },
  { "Security Alert", "securityerror" },
};

static gboolean
extract (const DsnInput *in)
{
  DsnReport *rep = in->report;
  const char *reason = NULL;
  for (gsize i = 0; i < G_N_ELEMENTS (errors) && !reason; i++)
    if (dsn_strcasestr (in->subject, errors[i].subject))
      reason = errors[i].reason;
  if (!reason)
    return FALSE;
  const char *text = dsn_unix_report_text (in);
  /* The sentence that ends with "<address>." */
  const char *pos = text, *line;
  gsize len;
  while (dsn_text_next_line (&pos, &line, &len)) {
    while (len && g_ascii_isspace (line[len - 1]))
      len--;
    if (len < 5 || line[len - 1] != '.' || line[len - 2] != '>')
      continue;
    const char *open = g_strrstr_len (line, len, "<");
    g_autofree char *addr = open ? dsn_text_find_address_len (open, line + len - open) : NULL;
    if (!addr)
      continue;
    DsnRecipient *r = dsn_report_add_recipient (rep, addr);
    dsn_recipient_set_diagnostic (r, line, len);
    r->reason_hint = reason;
    break;
  }
  if (rep->recipients->len == 0)
    return FALSE;
  dsn_unix_finish (rep);
  return TRUE;
}

DSN_DIALECT (fml);
