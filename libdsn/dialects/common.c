/* Scanners shared by the dialects.
 * SPDX-License-Identifier: BSD-2-Clause */
#include "dialect.h"

#include <string.h>

const char *
dsn_body_find (const DsnInput *in, const char *needle)
{
  return dsn_strcasestr (in->body, needle);
}

gboolean
dsn_from_has (const DsnInput *in, const char *const *needles)
{
  for (; *needles; needles++)
    if (dsn_strcasestr (in->from, *needles))
      return TRUE;
  return FALSE;
}

gboolean
dsn_subject_has (const DsnInput *in, const char *const *needles)
{
  for (; *needles; needles++)
    if (dsn_strcasestr (in->subject, *needles))
      return TRUE;
  return FALSE;
}

gboolean
dsn_header_has (const DsnInput *in, const char *name, const char *needle)
{
  const char *v = dsn_input_header (in, name);
  if (!v)
    return FALSE;
  return !needle || dsn_strcasestr (v, needle);
}

const char *
dsn_next_line (const char *p)
{
  const char *nl = strchr (p, '\n');
  return nl ? nl + 1 : p + strlen (p);
}

const char *
dsn_line_start (const char *text, const char *p)
{
  while (p > text && p[-1] != '\n')
    p--;
  return p;
}

const char *
dsn_text_find_command (const char *text)
{
  if (!text)
    return NULL;
  static const struct {
    const char *phrase;
    const char *command;
  } map[] = {
    /* Postfix: "(in reply to RCPT TO command)" */
    { "in reply to rcpt to", "RCPT" },
    { "in reply to mail from", "MAIL" },
    { "in reply to end of data", "DATA" },
    { "in reply to data", "DATA" },
    { "in reply to helo", "HELO" },
    { "in reply to ehlo", "HELO" },
    { "in reply to starttls", "STARTTLS" },
    { "in reply to auth", "AUTH" },
    { "while receiving the initial server greeting", "CONN" },
    { "while performing the smtp handshake", "CONN" },
    /* Exim: "SMTP error from remote mail server after RCPT TO:<...>:" */
    { "after pipelined rcpt to", "RCPT" },
    { "after rcpt to", "RCPT" },
    { "after mail from", "MAIL" },
    { "after pipelined mail from", "MAIL" },
    { "after end of data", "DATA" },
    { "after pipelined data", "DATA" },
    { "after data", "DATA" },
    { "after initial connection", "CONN" },
    { "after ehlo", "HELO" },
    { "after helo", "HELO" },
    { "after starttls", "STARTTLS" },
    /* Sendmail transcript: ">>> RCPT To:<...>" */
    { ">>> rcpt to", "RCPT" },
    { ">>> mail from", "MAIL" },
    { ">>> data", "DATA" },
    { ">>> ehlo", "HELO" },
    { ">>> helo", "HELO" },
    { "rcpt to:", "RCPT" },
    { "mail from:", "MAIL" },
    { "end of data", "DATA" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (map); i++)
    if (dsn_strcasestr (text, map[i].phrase))
      return map[i].command;
  return NULL;
}

void
dsn_recipient_set_diagnostic (DsnRecipient *r, const char *text, gssize len)
{
  dsn_set_len (&r->diagnostic, text, len);
  dsn_text_squeeze (r->diagnostic);
  if (r->diagnostic && !*r->diagnostic) {
    g_free (r->diagnostic);
    r->diagnostic = NULL;
  }
}

/* The paragraph around P: from the start of its line to the next blank line. */
static char *
paragraph_at (const char *text, const char *p)
{
  const char *s = dsn_line_start (text, p);
  const char *e = s;
  while (*e) {
    const char *nl = strchr (e, '\n');
    if (!nl) {
      e += strlen (e);
      break;
    }
    e = nl + 1;
    const char *q = e;
    while (*q == ' ' || *q == '\t')
      q++;
    if (*q == '\n' || !*q)
      break;
  }
  char *out = g_strndup (s, e - s);
  return dsn_text_squeeze (out);
}

void
dsn_fill_diagnostics_from_text (DsnReport *rep, const char *text)
{
  if (!text || !*text)
    return;
  for (guint i = 0; i < rep->recipients->len; i++) {
    DsnRecipient *r = rep->recipients->pdata[i];
    if (r->diagnostic || !r->address || !*r->address)
      continue;
    const char *at = dsn_strcasestr (text, r->address);
    if (!at && r->original)
      at = dsn_strcasestr (text, r->original);
    if (!at)
      continue;
    char *para = paragraph_at (text, at);
    if (para && *para && strlen (para) > strlen (r->address) + 2)
      r->diagnostic = para;
    else
      g_free (para);
  }
}

static gboolean
is_blank_line (const char *line, gsize len)
{
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isspace (line[i]))
      return FALSE;
  return TRUE;
}

/* Addresses that appear in report prose but are never the failed recipient. */
static gboolean
is_service_address (const char *addr)
{
  return dsn_has_prefix_ci (addr, "mailer-daemon@") || dsn_has_prefix_ci (addr, "postmaster@");
}

guint
dsn_scan_address_paragraphs (DsnReport *rep, const char *start, const char *end)
{
  guint found = 0;
  DsnRecipient *cur = NULL;
  GString *diag = g_string_new (NULL);
  const char *p = start;
  while (p < end) {
    const char *nl = memchr (p, '\n', end - p);
    const char *le = nl ? nl : end;
    gsize len = le - p;
    if (is_blank_line (p, len)) {
      if (cur && diag->len) {
        dsn_recipient_set_diagnostic (cur, diag->str, diag->len);
        g_string_truncate (diag, 0);
        cur = NULL;
      }
    } else {
      g_autofree char *addr = dsn_text_find_address_len (p, len);
      if (addr && !is_service_address (addr) && !dsn_report_find_recipient (rep, addr)) {
        if (cur && diag->len)
          dsn_recipient_set_diagnostic (cur, diag->str, diag->len);
        g_string_truncate (diag, 0);
        cur = dsn_report_add_recipient (rep, addr);
        found++;
        g_string_append_len (diag, p, len);
      } else if (cur) {
        g_string_append_c (diag, ' ');
        g_string_append_len (diag, p, len);
      }
    }
    p = nl ? nl + 1 : end;
  }
  if (cur && diag->len)
    dsn_recipient_set_diagnostic (cur, diag->str, diag->len);
  g_string_free (diag, TRUE);
  return found;
}

const char *
dsn_find_returned_marker (const char *text)
{
  static const char *const markers[] = {
    "------ This is a copy of the message, including all the headers.",
    "--- Below this line is a copy of the message.",
    "----- Original message -----",
    "------ Original message ------",
    "----- Unsent message follows -----",
    "----- Original message follows -----",
    "------ Returned message follows ------",
    "--- The header of the original message is following. ---",
    "Original message follows.",
    "Below is a copy of the original message:",
    "Content-Type: message/rfc822",
    "----- Message header follows -----",
    "------ The body of the message is",
    NULL,
  };
  const char *best = NULL;
  for (const char *const *m = markers; *m; m++) {
    const char *p = dsn_strcasestr (text, *m);
    if (p && (!best || p < best))
      best = p;
  }
  return best ? dsn_next_line (best) : NULL;
}

/* ------------------------------------------------------------ Unix MTAs */

/* ------------------------------------------------------------ providers */

/* ------------------------------------------------------------ gateways and regional providers */

gboolean
dsn_gw_origin_received_has (const DsnInput *in, const char *needle)
{
  GMimeHeaderList *headers = g_mime_object_get_header_list (GMIME_OBJECT (in->message));
  const char *origin = NULL;
  int n = g_mime_header_list_get_count (headers);
  for (int i = 0; i < n; i++) {
    GMimeHeader *h = g_mime_header_list_get_header_at (headers, i);
    if (g_ascii_strcasecmp (g_mime_header_get_name (h), "Received") == 0)
      origin = g_mime_header_get_value (h);
  }
  if (!origin)
    return FALSE;
  /* A folded field may split the needle's spaces over two lines. */
  g_autofree char *flat = dsn_text_squeeze (g_strdup (origin));
  return dsn_strcasestr (flat, needle) != NULL;
}

const char *
dsn_gw_after_marker (const char *text, const char *marker)
{
  const char *p = text ? dsn_strcasestr (text, marker) : NULL;
  return p ? dsn_next_line (p) : NULL;
}

gboolean
dsn_gw_blank (const char *line, gsize len)
{
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isspace (line[i]))
      return FALSE;
  return TRUE;
}

const char *
dsn_gw_report_end (const DsnInput *in, const char *text, const char *from,
                   const char *const *markers)
{
  const char *end = NULL, *headers = NULL;
  for (const char *const *m = markers; m && *m; m++) {
    const char *p = dsn_strcasestr (from, *m);
    if (p && (!end || p < end)) {
      end = dsn_line_start (text, p);
      headers = dsn_next_line (p);
    }
  }
  const char *after = dsn_find_returned_marker (from);
  if (after) {
    /* The separator is the line before AFTER. */
    const char *line = after > from && after[-1] == '\n' ? dsn_line_start (text, after - 1)
                                                         : dsn_line_start (text, after);
    if (!end || line < end) {
      end = line;
      headers = after;
    }
  }
  if (!end)
    return from + strlen (from);
  if (!in->has_returned) {
    /* Skip the rules of dashes and blank lines some reports put first. */
    const char *p = headers;
    while (*p) {
      const char *nl = dsn_next_line (p);
      gboolean rule = TRUE;
      for (const char *q = p; q < nl && rule; q++)
        rule = *q == '-' || *q == '=' || g_ascii_isspace (*q);
      if (!rule)
        break;
      p = nl;
    }
    if (*p)
      dsn_input_set_returned_text (in, p);
  }
  return end;
}

void
dsn_gw_finish (const DsnInput *in)
{
  DsnReport *rep = in->report;
  for (guint i = 0; i < rep->recipients->len; i++) {
    DsnRecipient *r = rep->recipients->pdata[i];
    if (!r->command)
      dsn_set (&r->command, dsn_text_find_command (r->diagnostic));
    if (r->action == DSN_ACTION_NONE)
      r->action = DSN_ACTION_FAILED;
  }
}
