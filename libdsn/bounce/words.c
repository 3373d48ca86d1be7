/* The server's words, normalised for matching.
 *
 * A reply names things that change from one message to the next (the
 * address, the host, the IP, a queue id, a size, a link) between the words
 * that say what went wrong, and the same failure is worded with those
 * things in other places: "User unknown", "User <anna@example.org>
 * unknown", "user [anna] does not exist". Rules should not care: each such
 * token is replaced by a placeholder ("user <addr> unknown"), and the
 * placeholders are then dropped to give the words alone ("user unknown"),
 * on which phrases and word groups are matched too (dsn-patterns(5)).
 *
 * SPDX-License-Identifier: BSD-2-Clause */
#include "rules.h"

#include <string.h>

static gboolean
is_punct (char c)
{
  return c && strchr ("<>[](){}\"'`,;:!?.", c) != NULL;
}

static gboolean
all_digits (const char *s, gsize n)
{
  for (gsize i = 0; i < n; i++)
    if (!g_ascii_isdigit (s[i]))
      return FALSE;
  return n > 0;
}

/* An IPv4 address (optionally :port) or an IPv6 one ("2001:db8::1",
 * "ipv6:2001:db8::1"). */
static gboolean
is_ip (const char *s, gsize n)
{
  if (n > 5 && !g_ascii_strncasecmp (s, "ipv6:", 5))
    s += 5, n -= 5;
  int dots = 0, colons = 0, digits = 0;
  gboolean hex = TRUE;
  for (gsize i = 0; i < n; i++) {
    if (s[i] == '.')
      dots++;
    else if (s[i] == ':')
      colons++;
    else if (g_ascii_isdigit (s[i]))
      digits++;
    else if (!g_ascii_isxdigit (s[i]))
      hex = FALSE;
  }
  if (dots == 3 && colons <= 1 && digits + dots + colons == (int)n)
    return TRUE;
  return hex && colons >= 2 && dots == 0 && n >= 3;
}

/* An RFC 3463 status code ("5.1.1") or an SMTP reply code: the codes are
 * words of the reply, kept as they are. */
static gboolean
is_code (const char *s, gsize n)
{
  if (n == 3 && all_digits (s, 3) && s[0] >= '2' && s[0] <= '5')
    return TRUE;
  if (n < 5 || (s[0] != '2' && s[0] != '4' && s[0] != '5') || s[1] != '.')
    return FALSE;
  gsize i = 2;
  while (i < n && g_ascii_isdigit (s[i]))
    i++;
  if (i == 2 || i >= n || s[i] != '.')
    return FALSE;
  gsize j = ++i;
  while (i < n && g_ascii_isdigit (s[i]))
    i++;
  return i == n && i > j;
}

/* A domain or host name: two labels or more, the last one alphabetic. */
static gboolean
is_host (const char *s, gsize n)
{
  gsize last = 0, labels = 1;
  for (gsize i = 0; i < n; i++) {
    char c = s[i];
    if (c == '.') {
      if (i == last)
        return FALSE;
      labels++;
      last = i + 1;
    } else if (!g_ascii_isalnum (c) && c != '-' && c != '_' && (guchar)c < 0x80) {
      return FALSE;
    }
  }
  if (labels < 2 || n - last < 2)
    return FALSE;
  for (gsize i = last; i < n; i++)
    if (!g_ascii_isalpha (s[i]))
      return FALSE;
  /* "e.g", "i.e": abbreviations, not names. */
  return n >= 4 && last > 2;
}

/* A file name or a bare extension ("invoice.exe", ".scr", "a.docm") of the
 * kinds filters refuse: executables, scripts, archives, macro documents.
 * Said before host names, which they resemble; ".com" is left to them. */
static gboolean
is_file (const char *s, gsize n)
{
  static const char *const exts[]
      = { "exe", "scr", "bat", "cmd", "pif", "cpl", "msi",  "msc",  "jar",  "js",   "jse",  "vbs",
          "vbe", "wsf", "wsh", "hta", "ps1", "lnk", "reg",  "dll",  "iso",  "img",  "zip",  "rar",
          "7z",  "gz",  "tgz", "ace", "arj", "cab", "docm", "xlsm", "pptm", "dotm", "xlam", "apk" };
  const char *dot = NULL;
  for (gsize i = 0; i < n; i++)
    if (s[i] == '.')
      dot = s + i;
    else if (s[i] == '@' || s[i] == '/' || s[i] == ':')
      return FALSE;
  if (!dot)
    return FALSE;
  gsize len = n - (dot + 1 - s);
  for (gsize i = 0; i < G_N_ELEMENTS (exts); i++)
    if (strlen (exts[i]) == len && !g_ascii_strncasecmp (dot + 1, exts[i], len))
      return TRUE;
  return FALSE;
}

/* A queue id, a hash or a session id: long, letters and digits mixed. */
static gboolean
is_id (const char *s, gsize n)
{
  if (n < 8)
    return FALSE;
  int letters = 0, digits = 0;
  for (gsize i = 0; i < n; i++) {
    if (g_ascii_isalpha (s[i]))
      letters++;
    else if (g_ascii_isdigit (s[i]))
      digits++;
    else if (s[i] != '-' && s[i] != '_' && s[i] != '=' && s[i] != '+' && s[i] != '/')
      return FALSE;
  }
  return letters && digits >= 2;
}

/* The unit of a glued duration ("4h", "48hrs", "30min", "5d"), spelt out
 * so that word groups find it, or NULL: servers abbreviate the time a
 * message waited ("delayed for more than 4h") in every style. */
static const char *
duration_unit (const char *s, gsize n)
{
  static const struct {
    const char *suffix, *unit;
  } units[] = {
    { "h", "hours" },      { "hr", "hours" },     { "hrs", "hours" }, { "min", "minutes" },
    { "mins", "minutes" }, { "m", "minutes" },    { "d", "days" },    { "s", "seconds" },
    { "sec", "seconds" },  { "secs", "seconds" },
  };
  gsize i = 0;
  while (i < n && g_ascii_isdigit (s[i]))
    i++;
  if (i == 0 || i == n)
    return NULL;
  for (gsize u = 0; u < G_N_ELEMENTS (units); u++)
    if (strlen (units[u].suffix) == n - i && !g_ascii_strncasecmp (s + i, units[u].suffix, n - i))
      return units[u].unit;
  return NULL;
}

/* The placeholder for the token S (N bytes, surrounding punctuation
 * removed), or NULL when it is a word to keep. */
static const char *
placeholder (const char *s, gsize n, gboolean bracketed)
{
  if (n == 0 || is_code (s, n))
    return NULL;
  const char *at = memchr (s, '@', n);
  if (g_strstr_len (s, n, "://") || (n > 4 && !strncmp (s, "www.", 4))
      || (n > 7 && !strncmp (s, "mailto:", 7) && !at))
    return "<url>";
  if (at && at > s && memchr (at, '.', n - (at - s)))
    return "<addr>";
  /* A file system path ("/home/anna/Maildir/tmp/..."): its directory
   * names are not words of the sentence. */
  if (n > 2 && s[0] == '/' && memchr (s + 1, '/', n - 1))
    return "<path>";
  if (is_ip (s, n))
    return "<ip>";
  if (is_file (s, n))
    return "<file>";
  if (is_host (s, n))
    return "<host>";
  gsize i = 0;
  while (i < n && (g_ascii_isdigit (s[i]) || s[i] == '.' || s[i] == ',' || s[i] == '/'))
    i++;
  if (i == n && g_ascii_isdigit (s[0]))
    return "<num>";
  if (is_id (s, n))
    return "<id>";
  /* A single word someone put in brackets or quotes ("[anna]", "'anna'")
   * is a name, unless it is a plain word. */
  if (bracketed) {
    for (i = 0; i < n; i++)
      if (!g_ascii_isalpha (s[i]) && (guchar)s[i] < 0x80)
        return "<tok>";
  }
  return NULL;
}

/* Do the words alone so far end a clause: nothing yet, a reply or status
 * code, or punctuation that ends a clause? */
static gboolean
clause_start (const GString *skel)
{
  gsize n = skel->len;
  while (n && skel->str[n - 1] == ' ')
    n--;
  if (n == 0 || strchr (".:;!?", skel->str[n - 1]))
    return TRUE;
  gsize w = n;
  while (w && skel->str[w - 1] != ' ')
    w--;
  return is_code (skel->str + w, n - w);
}

void
dsn_words_normalize (const char *folded, char **normalized, char **skeleton)
{
  gsize len = strlen (folded);
  GString *norm = g_string_sized_new (len + 8);
  GString *skel = g_string_sized_new (len + 8);
  for (const char *p = folded; *p;) {
    if (*p == ' ') {
      p++;
      continue;
    }
    const char *end = strchr (p, ' ');
    if (!end)
      end = p + strlen (p);
    /* Postfix glues the address to the name: "mx.example.org[192.0.2.1]"
     * is two tokens. */
    const char *bracket = memchr (p + 1, '[', end - p - 1);
    if (bracket && bracket[-1] != '[')
      end = bracket;
    /* The token without the punctuation around it. */
    const char *s = p, *e = end;
    while (s < e && is_punct (*s))
      s++;
    while (e > s && is_punct (e[-1]))
      e--;
    gboolean bracketed = s > p && e < end && strchr ("<[('\"`", s[-1]);
    /* "mailto:anna@example.org", "<anna@example.org>:" and the like: an
     * address glued to a word or a colon is still an address. */
    /* "RFC 5322": the number names the standard. */
    gboolean after_rfc = norm->len >= 4 && !strcmp (norm->str + norm->len - 4, "rfc ");
    const char *ph = after_rfc ? NULL : placeholder (s, e - s, bracketed);
    const char *unit = ph ? NULL : duration_unit (s, e - s);
    if (unit) {
      /* "<num> hours" in the text, "hours" in the words alone. */
      g_string_append (norm, "<num> ");
      g_string_append_len (norm, p, s - p);
      g_string_append (norm, unit);
      g_string_append_len (norm, e, end - e);
      g_string_append_c (norm, ' ');
      g_string_append_len (skel, p, s - p);
      g_string_append (skel, unit);
      g_string_append_len (skel, e, end - e);
      g_string_append_c (skel, ' ');
      p = end;
      continue;
    }
    if (!ph) {
      const char *colon = memchr (s, ':', e - s);
      if (colon && memchr (colon, '@', e - colon) && placeholder (colon + 1, e - colon - 1, FALSE))
        ph = "<addr>";
    }
    if (!ph) {
      g_string_append_len (norm, p, end - p);
      g_string_append_c (norm, ' ');
      /* Words joined by underscores ("SPF_REJECT", "TLS_NONE") are
       * words to the groups. */
      gsize from = skel->len;
      g_string_append_len (skel, p, end - p);
      for (gsize i = from + 1; i + 1 < skel->len; i++)
        if (skel->str[i] == '_' && g_ascii_isalpha (skel->str[i - 1])
            && g_ascii_isalnum (skel->str[i + 1]))
          skel->str[i] = ' ';
      g_string_append_c (skel, ' ');
    } else {
      /* The brackets around the token go with it; what ends a clause (a
       * colon, a full stop) stays, glued to the word before in the words
       * alone. */
      char tail[8];
      gsize nt = 0;
      for (const char *t = e; t < end && nt < sizeof tail; t++)
        if (strchr (".,;:!?", *t))
          tail[nt++] = *t;
      g_string_append (norm, ph);
      g_string_append_len (norm, tail, nt);
      g_string_append_c (norm, ' ');
      /* A file name says what the words are about (an attachment): it
       * stays a word of its own in the words alone. */
      if (!strcmp (ph, "<file>")) {
        g_string_append (skel, ph);
        g_string_append_len (skel, tail, nt);
        g_string_append_c (skel, ' ');
      } else if (!nt && !strcmp (ph, "<addr>") && clause_start (skel)) {
        /* An address that is the subject of its clause ("550
         * <anna@example.org> does not exist") is the recipient the words
         * speak of: it stays as the noun "address". Followed by a colon or
         * dots, it only labels what comes next. */
        g_string_append (skel, "address ");
      } else if (nt) {
        if (skel->len && skel->str[skel->len - 1] == ' ')
          g_string_truncate (skel, skel->len - 1);
        g_string_append_len (skel, tail, nt);
        g_string_append_c (skel, ' ');
      }
    }
    p = end;
  }
  for (int i = 0; i < 2; i++) {
    GString *out = i ? skel : norm;
    if (out->len && out->str[out->len - 1] == ' ')
      g_string_truncate (out, out->len - 1);
  }
  *normalized = g_string_free (norm, FALSE);
  *skeleton = g_string_free (skel, FALSE);
}
