/* Google Groups: a post the group refused, reported in the poster's language
 * by mailer-daemon@googlemail.com, the group named in X-Failed-Recipients;
 * also when pasted without its headers.
 * SPDX-License-Identifier: BSD-2-Clause */
#include "../dialect.h"
#include "providers.h"

#include <string.h>

static gboolean
detect (const DsnInput *in)
{
  static const char *const senders[] = { "@googlemail.com", "@google.com", NULL };
  if (in->pasted)
    /* Pasted without its headers: the notice's own signature and link,
     * the same in every language it is written in. */
    return dsn_body_find (in, "groups.google.com/support") && dsn_body_find (in, "Google Groups");
  return dsn_from_has (in, senders) && dsn_body_find (in, "groups.google.com");
}

/* The explanation: the first paragraph after the greeting, which is the
 * only one that names the poster's address. */
static char *
explanation (const char *text, const char *end)
{
  const char *p = text;
  while (p < end) {
    while (p < end && g_ascii_isspace (*p))
      p++;
    const char *e = p;
    while (e < end) {
      const char *nl = memchr (e, '\n', end - e);
      if (!nl || nl + 1 >= end || nl[1] == '\n') {
        e = nl ? nl : end;
        break;
      }
      e = nl + 1;
    }
    if (e > p && !memchr (p, '@', e - p))
      return dsn_text_squeeze (g_strndup (p, e - p));
    p = e;
  }
  return NULL;
}

static gboolean
extract (const DsnInput *in)
{
  DsnReport *rep = in->report;
  const char *text = in->first_text;
  const char *end = dsn_provider_report_end (in, text);
  if (!dsn_add_failed_recipients (in)) {
    const char *to = dsn_report_get_original_header (rep, "To");
    g_autofree char *addr = to ? dsn_text_find_address (to) : NULL;
    if (!addr && !in->pasted)
      return FALSE;
    /* A pasted notice without the original's headers: the group, not named. */
    dsn_report_add_recipient (rep, addr)->action = DSN_ACTION_FAILED;
  }
  g_autofree char *why = explanation (text, end);
  for (guint i = 0; i < rep->recipients->len; i++) {
    DsnRecipient *r = rep->recipients->pdata[i];
    if (!r->diagnostic)
      dsn_recipient_set_diagnostic (r, why, -1);
    /* Whatever the wording, the group refused the post. */
    r->reason_hint = "rejected";
  }
  return TRUE;
}

DSN_DIALECT (googlegroups);
