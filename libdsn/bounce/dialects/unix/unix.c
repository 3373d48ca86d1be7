/* What the Unix dialects share: the report's text, the last touches
 * (status from the reply, remote host), the simple lists of addresses, the
 * returned message's recipient, bounces quoted by whoever forwarded them.
 * SPDX-License-Identifier: BSD-2-Clause */
#include "../dialect.h"
#include "unix.h"

#include <string.h>

const char *
dsn_unix_report_text (const DsnInput *in)
{
  const char *t = dsn_input_report_text (in);
  if (t && *t)
    return t;
  const char *p = strstr (in->raw, "\n\n");
  return p ? p + 2 : "";
}

/* "X.0.0" tells the class and nothing more. */
static gboolean
is_generic_status (const char *s)
{
  return strlen (s) == 5 && s[2] == '0' && s[4] == '0';
}

void
dsn_unix_prefer_reply_status (DsnRecipient *r)
{
  char code[12];
  if (!r->diagnostic || !dsn_text_find_status (r->diagnostic, code))
    return;
  if (r->status) {
    if (strcmp (code, r->status) == 0 || code[0] != r->status[0] || is_generic_status (code))
      return;
  }
  dsn_set (&r->status, code);
  r->status_source = DSN_SOURCE_TEXT;
}

char *
dsn_unix_host_at (const char *p)
{
  while (*p == ' ' || *p == '\t')
    p++;
  if (*p == '[') {
    const char *close = strchr (p, ']');
    return close && close > p + 1 ? g_strndup (p + 1, close - p - 1) : NULL;
  }
  const char *e = p;
  while (*e && (g_ascii_isalnum (*e) || *e == '.' || *e == '-' || *e == '_' || *e == ':'))
    e++;
  /* A trailing dot ends a sentence or a fully qualified name; a colon ends a
   * heading ("192.0.2.1:"). */
  while (e > p && (e[-1] == '.' || e[-1] == ':'))
    e--;
  return e > p ? g_strndup (p, e - p) : NULL;
}

void
dsn_unix_clean_remote_mta (DsnRecipient *r)
{
  if (!r->remote_mta)
    return;
  char *host = dsn_unix_host_at (r->remote_mta);
  g_free (r->remote_mta);
  r->remote_mta = host;
}

void
dsn_unix_finish (DsnReport *rep)
{
  dsn_finish_recipients (rep);
  for (guint i = 0; i < rep->recipients->len; i++) {
    DsnRecipient *r = rep->recipients->pdata[i];
    dsn_unix_prefer_reply_status (r);
    dsn_unix_clean_remote_mta (r);
  }
}

guint
dsn_unix_add_listed (DsnReport *rep, const char *start, const char *end, const char *marker)
{
  guint added = 0;
  gsize n = strlen (marker);
  const char *pos = start, *line;
  gsize len;
  while (dsn_text_next_line_until (&pos, end, &line, &len)) {
    while (len && (*line == ' ' || *line == '\t'))
      line++, len--;
    if (len <= n || g_ascii_strncasecmp (line, marker, n) != 0)
      continue;
    g_autofree char *addr = dsn_text_find_address_len (line + n, len - n);
    if (addr && !dsn_report_find_recipient (rep, addr)) {
      dsn_report_add_recipient (rep, addr);
      added++;
    }
  }
  return added;
}

DsnRecipient *
dsn_unix_add_returned_recipient (DsnReport *rep)
{
  const char *to = dsn_report_get_original_header (rep, "To");
  g_autofree char *addr = to ? dsn_text_find_address (to) : NULL;
  return addr ? dsn_report_add_recipient (rep, addr) : NULL;
}

char *
dsn_unix_unquote (const char *text)
{
  /* Quoted if most non-blank lines start with '>'. */
  guint quoted = 0, lines = 0;
  const char *pos = text, *line;
  gsize len;
  while (dsn_text_next_line (&pos, &line, &len)) {
    if (len == 0)
      continue;
    lines++;
    if (line[0] == '>')
      quoted++;
  }
  if (lines == 0 || quoted * 2 < lines)
    return NULL;
  GString *out = g_string_sized_new (strlen (text));
  pos = text;
  while (dsn_text_next_line (&pos, &line, &len)) {
    if (len && line[0] == '>') {
      line++, len--;
      if (len && line[0] == ' ')
        line++, len--;
    }
    g_string_append_len (out, line, len);
    g_string_append_c (out, '\n');
  }
  return g_string_free (out, FALSE);
}
