/* au by KDDI mobile mail (EZweb, ezweb.ne.jp and au.com): a text report from
 * Postmaster@, a Japanese preamble, then an English part that names each
 * recipient, with the session transcript or the carrier's explanation:
 *
 *   Each of the following recipients was rejected by a remote
 *   mail server.
 *
 *       Recipient: <user@ezweb.ne.jp>
 *       >>> RCPT TO:<user@ezweb.ne.jp>
 *       <<< 550 <user@ezweb.ne.jp>: User unknown
 *
 * or
 *
 *   The user(s) account is disabled.
 *
 *   <user@ezweb.ne.jp>: 550 user unknown (in reply to RCPT TO command)
 *
 * A report with "X-SPASIGN: NG" is the carrier's own spam/domain filter.
 * SPDX-License-Identifier: BSD-2-Clause */
#include "../dialect.h"
#include "gateways.h"

#include <string.h>

static gboolean
detect (const DsnInput *in)
{
  static const char *const senders[] = { "Postmaster@ezweb.ne.jp", "Postmaster@au.com", NULL };
  if (dsn_from_has (in, senders))
    return TRUE;
  if (dsn_gw_origin_received_has (in, "ezweb.ne.jp (EZweb Mail) with"))
    return TRUE;
  const char *id = dsn_input_header (in, "Message-ID");
  return id && g_str_has_suffix (id, ".ezweb.ne.jp>");
}

/* Where the English report starts: the first line that is one of the
 * carrier's openings or an address in angle brackets. */
static const char *
report_start (const char *text, const char *end)
{
  static const char *const openings[]
      = { "The user(s) ", "Your message ", "Each of the following", "<", NULL };
  for (const char *p = text; p < end; p = dsn_next_line (p))
    for (const char *const *o = openings; *o; o++)
      if (g_str_has_prefix (p, *o)
          && (strcmp (*o, "<") != 0 || memchr (p, '@', dsn_next_line (p) - p)))
        return p;
  return NULL;
}

/* The recipient a line introduces: "<addr>", "<addr>: reply" or
 * "Recipient: <addr>". *REST receives what follows the address. */
static char *
recipient_line (const char *line, gsize len, const char **rest)
{
  const char *p = line, *e = line + len;
  while (p < e && (*p == ' ' || *p == '\t'))
    p++;
  if (e - p > 10 && dsn_has_prefix_ci (p, "Recipient:")) {
    p += 10;
    while (p < e && *p == ' ')
      p++;
  } else if (p != line) {
    return NULL; /* a bare address starts the line */
  }
  if (p >= e || *p != '<')
    return NULL;
  const char *close = memchr (p, '>', e - p);
  if (!close || !memchr (p, '@', close - p))
    return NULL;
  for (const char *q = p + 1; q < close; q++)
    if (*q == ' ' || *q == '<')
      return NULL;
  *rest = close + 1;
  if (*rest < e && **rest == ':')
    (*rest)++;
  return g_strndup (p + 1, close - p - 1);
}

/* Boilerplate headings that say nothing about the failure itself. */
static gboolean
is_heading (const char *s)
{
  return dsn_strcasestr (s, "Each of the following recipients was rejected by a remote")
         || dsn_strcasestr (s, "recipients did not receive this message")
         || g_ascii_strcasecmp (s, "mail server.") == 0;
}

/* Non-ASCII lines are the Japanese preamble, repeated in the English part. */
static gboolean
is_ascii (const char *s, gsize len)
{
  for (gsize i = 0; i < len; i++)
    if ((guchar)s[i] >= 0x80)
      return FALSE;
  return TRUE;
}

/* One recipient of the English part: the carrier's sentences in force when
 * it was listed, and the server's reply. */
typedef struct {
  DsnRecipient *r;
  GString *explanation;
  GString *reply;
} Entry;

static void
entry_clear (gpointer p)
{
  Entry *e = p;
  g_string_free (e->explanation, TRUE);
  g_string_free (e->reply, TRUE);
}

static void
append_words (GString *s, const char *text, gsize len)
{
  if (s->len)
    g_string_append_c (s, ' ');
  g_string_append_len (s, text, len);
}

/* Reads the English part from START to END into recipients. */
static void
read_report (const DsnInput *in, const char *start, const char *end)
{
  DsnReport *rep = in->report;
  g_autoptr (GArray) entries = g_array_new (FALSE, TRUE, sizeof (Entry));
  g_array_set_clear_func (entries, entry_clear);
  GString *explanation = g_string_new (NULL);
  Entry *cur = NULL;
  gboolean in_entry = FALSE; /* the last line belonged to a recipient */
  const char *p = start, *line;
  gsize len;
  while (dsn_text_next_line_until (&p, end, &line, &len)) {
    const char *le = line + len;
    if (dsn_line_is_blank (line, len) || !is_ascii (line, len))
      continue;
    const char *rest = NULL;
    g_autofree char *addr = recipient_line (line, len, &rest);
    if (addr) {
      /* A recipient of the delivery-status part is completed, once. */
      DsnRecipient *r = dsn_report_find_recipient (rep, addr);
      gboolean seen = FALSE;
      for (guint i = 0; r && i < entries->len && !seen; i++)
        seen = g_array_index (entries, Entry, i).r == r;
      if (seen)
        continue;
      Entry e = { r ? r : dsn_report_add_recipient (rep, addr), g_string_new (explanation->str),
                  g_string_new (NULL) };
      g_array_append_val (entries, e);
      cur = &g_array_index (entries, Entry, entries->len - 1);
      append_words (cur->reply, rest, le - rest);
      in_entry = TRUE;
      continue;
    }
    while (len && (*line == ' ' || *line == '\t'))
      line++, len--;
    if (cur && g_str_has_prefix (line, ">>> ")) {
      static const char *const verbs[] = { "RCPT", "MAIL", "DATA", "HELO", "EHLO", NULL };
      for (const char *const *v = verbs; *v && !cur->r->command; v++)
        if (dsn_has_prefix_ci (line + 4, *v))
          dsn_set (&cur->r->command, !strcmp (*v, "EHLO") ? "HELO" : *v);
      in_entry = TRUE;
      continue;
    }
    if (cur && g_str_has_prefix (line, "<<< ")) {
      append_words (cur->reply, line + 4, len - 4);
      in_entry = TRUE;
      continue;
    }
    g_autofree char *sentence = dsn_text_squeeze (g_strndup (line, len));
    if (is_heading (sentence))
      continue;
    /* Sentences after a recipient block open the next explanation. */
    if (in_entry)
      g_string_truncate (explanation, 0);
    in_entry = FALSE;
    append_words (explanation, sentence, strlen (sentence));
  }
  for (guint i = 0; i < entries->len; i++) {
    Entry *e = &g_array_index (entries, Entry, i);
    /* A recipient listed before any sentence: the one that follows. */
    if (!e->explanation->len && !e->reply->len)
      g_string_append (e->explanation, explanation->str);
    GString *d = g_string_new (e->explanation->str);
    g_strstrip (e->reply->str);
    if (*e->reply->str)
      append_words (d, e->reply->str, strlen (e->reply->str));
    if (!e->r->diagnostic)
      dsn_recipient_set_diagnostic (e->r, d->str, d->len);
    g_string_free (d, TRUE);
    /* "Your message was not delivered within 0 days and 1 hours.": the
     * carrier gave up retrying. */
    if (dsn_strcasestr (e->explanation->str, "Your message was not delivered within"))
      e->r->reason_hint = "expired";
  }
  g_string_free (explanation, TRUE);
}

static gboolean
extract (const DsnInput *in)
{
  DsnReport *rep = in->report;
  const char *text = dsn_input_report_text (in);
  static const char *const separators[]
      = { "\n--------------------------------------------------", NULL };
  const char *end = dsn_gw_report_end (in, text, text, separators);
  const char *start = report_start (text, end);
  if (start)
    read_report (in, start, end);

  dsn_gw_spasign_hint (in);
  dsn_finish_recipients (in->report);
  return rep->recipients->len > 0;
}

DSN_DIALECT (ezweb);
