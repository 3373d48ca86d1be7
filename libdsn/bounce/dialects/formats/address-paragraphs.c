/* Address paragraphs: a free-text report read as one paragraph per address
 * (the generic dialect's scanner), and the paragraph that mentions a
 * recipient taken as its diagnostic.
 * SPDX-License-Identifier: BSD-2-Clause */
#include "../dialect.h"
#include "formats.h"

#include <string.h>

/* The longest paragraph taken as a diagnostic: a report names each
 * recipient in a few lines; a hostile one could make each recipient's
 * paragraph the whole text. */
#define PARAGRAPH_MAX 4096

/* The paragraph around P: from the start of its line to the next blank line
 * (at most PARAGRAPH_MAX bytes, cut between characters). */
static char *
paragraph_at (const char *text, const char *p)
{
  /* A line longer than the limit starts at most that far back. */
  const char *s = p;
  while (s > text && s[-1] != '\n' && p - s < PARAGRAPH_MAX)
    s--;
  const char *e = s;
  while (*e && e - s < PARAGRAPH_MAX) {
    gsize avail = strnlen (e, PARAGRAPH_MAX - (e - s));
    const char *nl = memchr (e, '\n', avail);
    if (!nl) {
      e += avail;
      break;
    }
    e = nl + 1;
    const char *q = e;
    while ((*q == ' ' || *q == '\t') && q - s < PARAGRAPH_MAX)
      q++;
    if (*q == '\n' || !*q)
      break;
  }
  if (e - s > PARAGRAPH_MAX)
    e = s + PARAGRAPH_MAX;
  while (e > s && ((guchar)*e & 0xc0) == 0x80)
    e--; /* not inside a character */
  char *out = g_strndup (s, e - s);
  return dsn_text_squeeze (out);
}

typedef struct {
  const char *text;
  GArray *first; /* needle -> where it first occurs, or NULL */
} FirstScan;

static gboolean
note_first (guint needle, const char *at, gpointer data)
{
  FirstScan *fs = data;
  const char **first = &g_array_index (fs->first, const char *, needle);
  if (!*first)
    *first = at;
  return TRUE;
}

void
dsn_fill_diagnostics_from_text (DsnReport *rep, const char *text)
{
  if (!text || !*text)
    return;
  /* Every address looked for in one pass over the text. */
  g_autoptr (DsnFinder) finder = dsn_finder_new ();
  g_autoptr (GArray) needles = g_array_new (FALSE, FALSE, sizeof (guint));
  guint wanted = 0;
  for (guint i = 0; i < rep->recipients->len; i++) {
    DsnRecipient *r = rep->recipients->pdata[i];
    guint pair[2] = { G_MAXUINT, G_MAXUINT };
    if (!r->diagnostic && r->address && *r->address) {
      pair[0] = dsn_finder_add (finder, r->address);
      if (r->original && *r->original)
        pair[1] = dsn_finder_add (finder, r->original);
      wanted++;
    }
    g_array_append_vals (needles, pair, 2);
  }
  if (!wanted)
    return;
  FirstScan fs = { text, g_array_new (FALSE, TRUE, sizeof (const char *)) };
  g_array_set_size (fs.first, rep->recipients->len * 2);
  dsn_finder_scan (finder, text, strlen (text), note_first, &fs);
  for (guint i = 0; i < rep->recipients->len; i++) {
    DsnRecipient *r = rep->recipients->pdata[i];
    guint a = g_array_index (needles, guint, 2 * i), o = g_array_index (needles, guint, 2 * i + 1);
    if (a == G_MAXUINT)
      continue;
    const char *at = g_array_index (fs.first, const char *, a);
    if (!at && o != G_MAXUINT)
      at = g_array_index (fs.first, const char *, o);
    if (!at)
      continue;
    char *para = paragraph_at (text, at);
    if (para && *para && strlen (para) > strlen (r->address) + 2)
      r->diagnostic = para;
    else
      g_free (para);
  }
  g_array_unref (fs.first);
}

/* Addresses that appear in report prose but are never the failed recipient:
 * the mail system's own, a mailing list's administrative ones, and X.400 or
 * X.500 forms that Exchange writes as addresses ("IMCEAEX-_O=...@..."). */
static gboolean
is_service_address (const char *addr)
{
  static const char *const prefixes[]
      = { "mailer-daemon@", "postmaster@", "owner-", "imcea", "noreply@", "no-reply@", NULL };
  static const char *const parts[] = { "-request@", "-owner@", "/o=", "_o=", NULL };
  for (const char *const *p = prefixes; *p; p++)
    if (dsn_has_prefix_ci (addr, *p))
      return TRUE;
  for (const char *const *p = parts; *p; p++)
    if (dsn_strcasestr (addr, *p))
      return TRUE;
  return FALSE;
}

/* A line that names no recipient though it holds an address: a message
 * identifier, or a header field of the returned message that names the
 * sender or a relay. */
static gboolean
names_no_recipient (const char *line, gsize len)
{
  static const char *const fields[] = {
    "Message-ID:",
    "In-Reply-To:",
    "References:",
    "Original-Envelope-Id:",
    "Return-Path:",
    "Received:",
    "From:",
    "Sender:",
    "Reply-To:",
    "DKIM-Signature:",
    "To:",
    "Cc:",
    "Bcc:",
    "Delivered-To:",
    "Envelope-From:",
    "X-Original-Sender:",
    "List-",
    "Mailing-List:",
    "Sender Address:",
    "Sender address:",
    "Return path:",
    "Errors-To:",
    NULL,
  };
  /* A greeting addresses the reader, the original's sender ("Hello
   * anna@example.org," in Google Groups' reports): when the address follows
   * the greeting word, the line names no failed recipient. */
  static const char *const greetings[] = {
    "Hello ",     "Hi ",       "Dear ",     "Bonjour ", "Cher ",    "Chère ", "Hallo ",
    "Guten Tag ", "Liebe ",    "Lieber ",   "Ciao ",    "Gentile ", "Caro ",  "Cara ",
    "Hola ",      "Estimado ", "Estimada ", "尊敬的 ",  "亲爱的 ",  "您好 ",  NULL,
  };
  /* Japanese, Korean and Chinese put the honorific after the name
   * ("anna@example.org 様" in Google Groups' Japanese reports). */
  static const char *const honorifics[] = {
    "様", "さま", "さん", "殿", "님", "您好", NULL,
  };
  while (len && (*line == ' ' || *line == '\t'))
    line++, len--;
  for (const char *const *f = fields; *f; f++) {
    gsize n = strlen (*f);
    if (len >= n && g_ascii_strncasecmp (line, *f, n) == 0)
      return TRUE;
  }
  for (const char *const *g = greetings; *g; g++) {
    gsize n = strlen (*g);
    if (len <= n || g_ascii_strncasecmp (line, *g, n) != 0)
      continue;
    /* The word after the greeting is the address. */
    const char *w = line + n, *we = w;
    while (we < line + len && *we != ' ' && *we != '\t')
      we++;
    if (memchr (w, '@', we - w))
      return TRUE;
  }
  /* An address, then only an honorific. */
  const char *we = line;
  while (we < line + len && *we != ' ' && *we != '\t' && !((guchar)*we >= 0xE0))
    we++;
  if (we > line && memchr (line, '@', we - line)) {
    const char *h = we, *le = line + len;
    while (h < le && (*h == ' ' || *h == '\t' || *h == ','))
      h++;
    while (le > h && (le[-1] == ' ' || le[-1] == '\t' || le[-1] == '\r' || le[-1] == ','))
      le--;
    for (const char *const *g = honorifics; *g; g++)
      if ((gsize)(le - h) == strlen (*g) && memcmp (h, *g, le - h) == 0)
        return TRUE;
  }
  return FALSE;
}

guint
dsn_scan_address_paragraphs (DsnReport *rep, const char *start, const char *end)
{
  guint found = 0;
  DsnRecipient *cur = NULL;
  GString *diag = g_string_new (NULL);
  /* Those this scan adds, by address: a hostile report of thousands of
   * address lines must not cost a search of the whole list for each. */
  guint had = rep->recipients->len;
  g_autoptr (GHashTable) added = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *sender = rep->to ? dsn_text_find_address (rep->to) : NULL;
  const char *p = start;
  while (p < end) {
    const char *nl = memchr (p, '\n', end - p);
    const char *le = nl ? nl : end;
    gsize len = le - p;
    if (dsn_line_is_blank (p, len)) {
      if (cur && diag->len) {
        dsn_recipient_set_diagnostic (cur, diag->str, diag->len);
        g_string_truncate (diag, 0);
        cur = NULL;
      }
    } else {
      g_autofree char *addr
          = names_no_recipient (p, len) ? NULL : dsn_text_find_address_len (p, len);
      g_autofree char *key = addr ? g_ascii_strdown (addr, -1) : NULL;
      /* The bounce goes back to the original's sender: its own To: is never
       * a failed recipient. */
      if (addr && !is_service_address (addr) && !(sender && !g_ascii_strcasecmp (sender, addr))
          && !g_hash_table_contains (added, key) && !dsn_report_find_recipient_n (rep, addr, had)) {
        if (cur && diag->len)
          dsn_recipient_set_diagnostic (cur, diag->str, diag->len);
        g_string_truncate (diag, 0);
        cur = dsn_report_add_recipient (rep, addr);
        g_hash_table_add (added, g_steal_pointer (&key));
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
