/* Trustwave/Marshal MailMarshal SMTP: 'Undeliverable Mail: "<subject>"',
 * a text report giving the server's reply, then the recipients it applies
 * to, then a block of fields:
 *
 *   Could not be delivered because of
 *
 *   550 5.1.1 User unknown
 *
 *   The following recipients were affected:
 *       user@example.org
 *
 *   Additional Information
 *   ======================
 *   Original Sender:    <sender@example.com>
 *   Remote-MTA:         <192.0.2.1>
 *
 * SPDX-License-Identifier: BSD-2-Clause */
#include "../dialect.h"
#include "gateways.h"

#include <string.h>

static const char error_marker[] = "Could not be delivered because of";
static const char rcpts_marker[] = "The following recipients were affected:";

static gboolean
detect (const DsnInput *in)
{
  if (dsn_gw_origin_received_has (in, "from MailMarshal"))
    return TRUE;
  return dsn_has_prefix_ci (in->subject, "Undeliverable Mail:") && dsn_body_find (in, error_marker);
}

/* The value of an "Additional Information" field: "Remote-MTA:  <host>". */
static char *
info_field (const char *text, const char *end, const char *name)
{
  for (const char *p = text; p && p < end; p = dsn_next_line (p)) {
    if (!dsn_has_prefix_ci (p, name) || p[strlen (name)] != ':')
      continue;
    const char *v = p + strlen (name) + 1;
    const char *nl = dsn_next_line (v);
    g_autofree char *raw = g_strndup (v, nl - v);
    g_strstrip (raw);
    gsize n = strlen (raw);
    if (n >= 2 && raw[0] == '<' && raw[n - 1] == '>') {
      raw[n - 1] = '\0';
      return g_strdup (raw + 1);
    }
    return n ? g_steal_pointer (&raw) : NULL;
  }
  return NULL;
}

static gboolean
extract (const DsnInput *in)
{
  DsnReport *rep = in->report;
  const char *text = dsn_input_report_text (in);
  const char *end = dsn_gw_report_end (in, text, text, NULL);
  const char *info = dsn_strcasestr (text, "Additional Information");
  g_autofree char *remote = info ? info_field (info, end, "Remote-MTA") : NULL;

  /* One "because of" block per reply, each followed by its recipients. */
  for (const char *e = dsn_strcasestr (text, error_marker); e && e < end;
       e = dsn_strcasestr (e + 1, error_marker)) {
    const char *diag = dsn_next_line (e);
    const char *list = dsn_strcasestr (diag, rcpts_marker);
    if (!list || list > end)
      break;
    /* The recipients: the indented lines up to a blank one. */
    const char *p = dsn_next_line (list);
    while (p < end) {
      const char *nl = dsn_next_line (p);
      if (dsn_line_is_blank (p, nl - p))
        break;
      g_autofree char *addr = dsn_text_find_address_len (p, nl - p);
      DsnRecipient *r = addr ? dsn_report_find_recipient (rep, addr) : NULL;
      if (addr && !r) {
        r = dsn_report_add_recipient (rep, addr);
        dsn_recipient_set_diagnostic (r, diag, list - diag);
        dsn_set (&r->remote_mta, remote);
      }
      p = nl;
    }
  }
  dsn_finish_recipients (in->report);
  return rep->recipients->len > 0;
}

DSN_DIALECT (mailmarshal);
