/* MX Logic (McAfee SaaS Email Protection), an Exim derivative: the Exim
 * text report, marked by X-MX-Bounce / X-MXL-* headers and "mxl~" message
 * ids, with the original's header after "Included is a copy of the message
 * header:".
 *
 *   A message that you have sent could not be delivered to one or more
 *   recipients.  This is a permanent error.  The following address failed:
 *
 *     <user@example.org>: 550 5.1.1 <user@example.org>: User unknown
 *
 * SPDX-License-Identifier: BSD-2-Clause */
#include "../dialect.h"
#include "gateways.h"

#include <string.h>

static const char start_marker[]
    = "This message was created automatically by mail delivery software.";
static const char *const end_markers[] = { "Included is a copy of the message header:", NULL };

static gboolean
detect (const DsnInput *in)
{
  static const char *const senders[] = { "mxlogic.net", NULL };
  if (dsn_header_has (in, "X-MX-Bounce", NULL) || dsn_header_has (in, "X-MXL-NoteHash", NULL)
      || dsn_header_has (in, "X-MXL-Hash", NULL))
    return TRUE;
  const char *id = dsn_input_header (in, "Message-ID");
  while (id && (*id == ' ' || *id == '<'))
    id++;
  if (id && g_str_has_prefix (id, "mxl~"))
    return TRUE;
  return dsn_from_has (in, senders);
}

/* "host mx.example.org [192.0.2.1]: 550 ...": Exim names the server that
 * answered. */
static void
set_remote_host (DsnRecipient *r, const char *text)
{
  for (const char *h = text ? dsn_strcasestr (text, "host ") : NULL; h;
       h = dsn_strcasestr (h + 1, "host ")) {
    if (h > text && !g_ascii_isspace (h[-1]))
      continue;
    const char *s = h + 5;
    const char *e = s;
    while (*e && !g_ascii_isspace (*e) && *e != '[' && *e != ':')
      e++;
    const char *b = e;
    while (*b == ' ')
      b++;
    if (e > s && *b == '[') {
      dsn_set_len (&r->remote_mta, s, e - s);
      return;
    }
  }
}

/* "SMTP error from remote mail server after RCPT TO:<a>: host mx [ip]: 550
 * ...": the command is Exim's framing, the reply after "]: " the server's. */
static void
strip_smtp_error (DsnRecipient *r)
{
  if (!r->diagnostic || !dsn_has_prefix_ci (r->diagnostic, "SMTP error from remote mail"))
    return;
  if (!r->command)
    dsn_set (&r->command, dsn_text_find_command (r->diagnostic));
  const char *reply = strstr (r->diagnostic, "]: ");
  if (reply && reply[3]) {
    g_autofree char *words = g_strdup (reply + 3);
    dsn_recipient_set_diagnostic (r, words, -1);
  }
}

static gboolean
extract (const DsnInput *in)
{
  DsnReport *rep = in->report;
  const char *text = dsn_input_report_text (in);
  const char *start = dsn_gw_after_marker (text, start_marker);
  if (!start)
    start = text;
  const char *end = dsn_gw_report_end (in, text, start, end_markers);

  if (rep->recipients->len == 0) {
    DsnRecipient *cur = NULL;
    GString *diag = g_string_new (NULL);
    const char *p = start, *line;
    gsize len;
    while (dsn_text_next_line_until (&p, end, &line, &len)) {
      const char *le = line + len;
      if (dsn_line_is_blank (line, len)) {
        if (cur && diag->len) {
          dsn_recipient_set_diagnostic (cur, diag->str, diag->len);
          g_string_truncate (diag, 0);
          cur = NULL;
        }
        continue;
      }
      /* "  <address>: reply" or "  address" opens a recipient: indented,
       * the address first. */
      const char *q = line;
      while (q < le && (*q == ' ' || *q == '\t'))
        q++;
      if (q > line && q < le && (*q == '<' || g_ascii_isalnum (*q))) {
        const char *tok = q;
        while (q < le && !g_ascii_isspace (*q))
          q++;
        g_autofree char *addr
            = memchr (tok, '@', q - tok) ? dsn_text_find_address_len (tok, q - tok) : NULL;
        if (addr && !dsn_report_find_recipient (rep, addr)) {
          if (cur && diag->len)
            dsn_recipient_set_diagnostic (cur, diag->str, diag->len);
          g_string_truncate (diag, 0);
          cur = dsn_report_add_recipient (rep, addr);
          const char *rest = memchr (tok, '>', q - tok);
          rest = rest ? rest + 1 : q;
          if (rest < le && *rest == ':')
            rest++;
          g_string_append_len (diag, rest, le - rest);
          continue;
        }
      }
      if (cur) {
        g_string_append_c (diag, ' ');
        g_string_append_len (diag, line, len);
      }
    }
    if (cur && diag->len)
      dsn_recipient_set_diagnostic (cur, diag->str, diag->len);
    g_string_free (diag, TRUE);
  }

  /* Exim's delay warning: "has not yet been delivered ... on the queue". */
  gboolean delayed = dsn_body_find (in, "has not yet been delivered") != NULL;
  for (guint i = 0; i < rep->recipients->len; i++) {
    DsnRecipient *r = rep->recipients->pdata[i];
    if (!r->remote_mta)
      set_remote_host (r, r->diagnostic);
    strip_smtp_error (r);
    /* Exim's "retry timeout exceeded": the queue gave up. */
    if (r->diagnostic && dsn_strcasestr (r->diagnostic, "retry timeout exceeded"))
      r->reason_hint = "expired";
    if (r->action == DSN_ACTION_NONE && delayed)
      r->action = DSN_ACTION_DELAYED;
  }
  dsn_finish_recipients (in->report);
  return rep->recipients->len > 0;
}

DSN_DIALECT (mxlogic);
