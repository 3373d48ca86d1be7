/* What the provider dialects share: recipients split by the RFC 3464
 * reader joined, statuses refined from the text, the report's end, the
 * remote answer an expiry notice wraps, labelled paragraphs, addresses
 * alone on their line (for the Exchange and Nemesis readers).
 * SPDX-License-Identifier: BSD-2-Clause */
#include "../dialect.h"
#include "providers.h"

#include <string.h>

static void
move_string (char **to, char **from)
{
  if (!*to && *from) {
    *to = *from;
    *from = NULL;
  }
}

void
dsn_provider_join_split_recipients (DsnReport *rep)
{
  for (guint i = 0; i + 1 < rep->recipients->len;) {
    DsnRecipient *a = rep->recipients->pdata[i];
    DsnRecipient *b = rep->recipients->pdata[i + 1];
    gboolean halves = a->address && b->address && g_ascii_strcasecmp (a->address, b->address) == 0
                      && !(a->status && b->status) && !(a->diagnostic && b->diagnostic)
                      && !(a->action != DSN_ACTION_NONE && b->action != DSN_ACTION_NONE);
    if (!halves) {
      i++;
      continue;
    }
    if (b->action == DSN_ACTION_NONE)
      b->action = a->action;
    if (!b->status) {
      move_string (&b->status, &a->status);
      b->status_source = a->status_source;
    }
    if (!b->diagnostic) {
      move_string (&b->diagnostic, &a->diagnostic);
      g_free (b->diagnostic_type);
      b->diagnostic_type = g_steal_pointer (&a->diagnostic_type);
    }
    move_string (&b->original, &a->original);
    move_string (&b->reply_code, &a->reply_code);
    move_string (&b->remote_mta, &a->remote_mta);
    move_string (&b->command, &a->command);
    move_string (&b->last_attempt, &a->last_attempt);
    move_string (&b->will_retry_until, &a->will_retry_until);
    if (a->extensions) {
      if (!b->extensions)
        b->extensions = g_ptr_array_new_with_free_func (g_free);
      for (guint k = 0; k < a->extensions->len; k++)
        g_ptr_array_add (b->extensions, g_strdup (a->extensions->pdata[k]));
    }
    g_ptr_array_remove_index (rep->recipients, i);
  }
}

void
dsn_provider_refine_status (DsnRecipient *r)
{
  char code[12];
  if (!r->diagnostic || !dsn_text_find_status (r->diagnostic, code))
    return;
  gboolean class_only = r->status && g_str_has_suffix (r->status, ".0.0");
  if (r->status && !(class_only && code[0] == r->status[0] && !g_str_has_suffix (code, ".0.0")))
    return;
  dsn_set (&r->status, code);
  r->status_source = DSN_SOURCE_TEXT;
}

const char *
dsn_provider_report_end (const DsnInput *in, const char *text)
{
  const char *after = dsn_find_returned_marker (text);
  if (!after)
    return text + strlen (text);
  dsn_input_set_returned_text (in, after);
  /* AFTER is the line after the separator. */
  return dsn_line_start (text, after > text ? after - 1 : after);
}

gboolean
dsn_provider_take_wrapped_reply (DsnRecipient *r)
{
  const char *expired = r->diagnostic ? dsn_strcasestr (r->diagnostic, "expired") : NULL;
  const char *inner = expired ? strchr (expired, '<') : NULL;
  char code[12], reply[4];
  /* The answer starts right after the '<' with its reply code. */
  if (!inner || dsn_text_find_reply_code (inner + 1, reply) != inner + 1
      || !dsn_text_find_status (inner + 1, code))
    return FALSE;
  dsn_set (&r->reply_code, reply);
  dsn_set (&r->status, code);
  r->status_source = DSN_SOURCE_TEXT;
  r->reason_hint = "expired";
  return TRUE;
}

char *
dsn_provider_text_after (const char *text, const char *marker)
{
  const char *p = dsn_strcasestr (text, marker);
  if (!p)
    return NULL;
  const char *end = p + strlen (p);
  p += strlen (marker);
  /* Blank lines between the heading and its text do not end it; French
   * typography puts a (no-break) space before the heading's colon. */
  const char *s = p;
  for (;;) {
    if (s < end && (g_ascii_isspace (*s) || *s == ':'))
      s++;
    else if (g_str_has_prefix (s, "\xc2\xa0")) /* U+00A0 */
      s += 2;
    else if (g_str_has_prefix (s, "\xe2\x80\xaf")) /* U+202F */
      s += 3;
    else
      break;
  }
  const char *e = s;
  while (e < end) {
    const char *nl = memchr (e, '\n', end - e);
    if (!nl) {
      e = end;
      break;
    }
    const char *q = nl + 1;
    while (q < end && (*q == ' ' || *q == '\t'))
      q++;
    if (q >= end || *q == '\n') {
      e = nl;
      break;
    }
    e = nl + 1;
  }
  if (e <= s)
    return NULL;
  char *out = dsn_text_squeeze (g_strndup (s, e - s));
  if (!*out) {
    g_free (out);
    return NULL;
  }
  return out;
}

char *
dsn_provider_lone_address (const char *line, gsize len)
{
  while (len && g_ascii_isspace (*line))
    line++, len--;
  while (len && (g_ascii_isspace (line[len - 1]) || line[len - 1] == ':'))
    len--;
  if (len >= 2
      && ((line[0] == '<' && line[len - 1] == '>') || (line[0] == '"' && line[len - 1] == '"')))
    line++, len -= 2;
  if (!len || memchr (line, ' ', len) || memchr (line, '\t', len))
    return NULL;
  g_autofree char *s = g_strndup (line, len);
  return dsn_text_is_address (s) ? g_steal_pointer (&s) : NULL;
}
