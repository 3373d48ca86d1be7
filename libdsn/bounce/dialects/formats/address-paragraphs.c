/* Address paragraphs: a free-text report read as one paragraph per address
 * (the generic dialect's scanner), and the paragraph that mentions a
 * recipient taken as its diagnostic.
 * SPDX-License-Identifier: BSD-2-Clause */
#include "../dialect.h"
#include "formats.h"

#include <string.h>

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
  while (len && (*line == ' ' || *line == '\t'))
    line++, len--;
  for (const char *const *f = fields; *f; f++) {
    gsize n = strlen (*f);
    if (len >= n && g_ascii_strncasecmp (line, *f, n) == 0)
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
