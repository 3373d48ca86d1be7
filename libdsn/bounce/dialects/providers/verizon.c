/* Verizon Wireless gateways: the MMS center ("Message could not be delivered
 * to mobile.", the original's headers after "Original Message:") and the SMS
 * gateway vtext.com ("Error message below:", then "Message details:" with
 * the envelope, "RCPT TO: ...").
 * SPDX-License-Identifier: BSD-2-Clause */
#include "../dialect.h"
#include "providers.h"

#include <string.h>

static const char *const senders[] = { "vtext.com", "vzwpix.com", "verizon", NULL };

static gboolean
detect (const DsnInput *in)
{
  if (!dsn_from_has (in, senders))
    return FALSE;
  return strstr (in->raw, "Message could not be delivered to mobile")
         || strstr (in->raw, "Error message below:");
}

/* The value of "NAME: value" on a line of its own within TEXT. */
static char *
line_value (const char *text, const char *name)
{
  gsize n = strlen (name);
  for (const char *p = dsn_strcasestr (text, name); p; p = dsn_strcasestr (p + 1, name)) {
    const char *s = dsn_line_start (text, p);
    while (*s == ' ' || *s == '\t')
      s++;
    if (s != p)
      continue;
    const char *v = p + n;
    const char *eol = strchr (v, '\n');
    char *out = eol ? g_strndup (v, eol - v) : g_strdup (v);
    return g_strstrip (out);
  }
  return NULL;
}

static gboolean
extract (const DsnInput *in)
{
  DsnReport *rep = in->report;
  /* The SMS gateway's report declares a multipart boundary it never puts in
   * its parameters: read the raw text when the parts hold nothing. */
  const char *text = dsn_body_find (in, "Error") ? in->body : in->raw;
  g_autofree char *addr = NULL;
  g_autofree char *why = NULL;
  const char *orig = dsn_strcasestr (text, "Original Message:");
  if (orig) {
    /* MMS center: the recipient is the original's To. */
    g_autofree char *to = line_value (orig, "To:");
    addr = to ? dsn_text_find_address (to) : NULL;
    why = line_value (text, "Error:");
    dsn_input_set_returned_text (in, dsn_next_line (orig));
  } else {
    g_autofree char *rcpt = line_value (text, "RCPT TO:");
    addr = rcpt ? dsn_text_find_address (rcpt) : NULL;
    why = dsn_provider_text_after (text, "Error message below:");
    /* "Message details:" describes the original in lieu of its headers. */
    const char *details = dsn_strcasestr (text, "Message details:");
    static const char *const fields[] = { "Subject", "From", NULL };
    for (const char *const *f = fields; details && *f; f++) {
      g_autofree char *name = g_strconcat (*f, ":", NULL);
      g_autofree char *value = line_value (details, name);
      if (value && *value)
        dsn_report_add_original (rep, *f, value);
    }
    if (rcpt && details)
      dsn_report_add_original (rep, "To", rcpt);
  }
  if (!addr)
    return FALSE;
  DsnRecipient *r = dsn_report_add_recipient (rep, addr);
  r->action = DSN_ACTION_FAILED;
  dsn_recipient_set_diagnostic (r, why, -1);
  return TRUE;
}

DSN_DIALECT (verizon);
