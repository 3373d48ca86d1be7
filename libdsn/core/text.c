/* Small text scanners shared by the RFC 3464 parser, the dialects and the
 * classifier. All work on UTF-8 text with LF newlines.
 * SPDX-License-Identifier: BSD-2-Clause */
#include "core.h"

#include <string.h>

static inline char
ascii_lower (char c)
{
  return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

gboolean
dsn_has_prefix_ci (const char *s, const char *prefix)
{
  /* What g_ascii_strncasecmp (S, PREFIX, strlen (PREFIX)) == 0 says, without
   * a call per byte: S's NUL differs from any byte of PREFIX. */
  for (gsize i = 0; prefix[i]; i++)
    if (ascii_lower (s[i]) != ascii_lower (prefix[i]))
      return FALSE;
  return TRUE;
}

/* Does P match NEEDLE[1..N) (N >= 1) case-insensitively, from byte 1? */
static inline gboolean
rest_matches (const char *p, const char *needle, gsize n)
{
  gsize i = 1;
  while (i < n && ascii_lower (p[i]) == ascii_lower (needle[i]))
    i++;
  return i == n;
}

/* dsn_strcasestr() for a needle of one byte, or where there is no vector
 * unit: the first byte is looked for with the C library's vectorised
 * strchr(), in each case apart when it has two (strpbrk() is much slower per
 * call); only then is the rest compared (the haystack's NUL differs from any
 * byte of the needle). Each case's next occurrence is kept until passed: the
 * text is read once for each. */
static const char *
strcasestr_by_first (const char *haystack, const char *needle, gsize n)
{
  char lo = ascii_lower (needle[0]), up = g_ascii_toupper (needle[0]);
  const char *next_lo = strchr (haystack, lo);
  const char *next_up = up != lo ? strchr (haystack, up) : NULL;
  while (next_lo || next_up) {
    const char *p;
    if (next_lo && (!next_up || next_lo < next_up)) {
      p = next_lo;
      next_lo = strchr (p + 1, lo);
    } else {
      p = next_up;
      next_up = strchr (p + 1, up);
    }
    if (rest_matches (p, needle, n))
      return p;
  }
  return NULL;
}

#ifdef __SSE2__
#include <emmintrin.h>

/* Sixteen candidate positions at a time: those where the needle's first
 * and last bytes both match (a letter compared with its 0x20 bit set, so
 * either case matches; the rare other bytes that this also lets through
 * are turned down by the full comparison). A text's frequent letters
 * stopped the first-byte search every few bytes. */
static const char *
strcasestr_vector (const char *haystack, const char *needle, gsize n)
{
  gsize len = strlen (haystack);
  if (len < n)
    return NULL;
  guchar f = (guchar)ascii_lower (needle[0]), l = (guchar)ascii_lower (needle[n - 1]);
  guchar fm = g_ascii_isalpha (f) ? 0x20 : 0, lm = g_ascii_isalpha (l) ? 0x20 : 0;
  const __m128i first = _mm_set1_epi8 ((char)f), last = _mm_set1_epi8 ((char)l);
  const __m128i first_mask = _mm_set1_epi8 ((char)fm), last_mask = _mm_set1_epi8 ((char)lm);
  gsize i = 0, end = len - n + 1; /* candidate starts: [0, end) */
  for (; i + 16 <= end; i += 16) {
    __m128i a = _mm_loadu_si128 ((const __m128i *)(haystack + i));
    __m128i b = _mm_loadu_si128 ((const __m128i *)(haystack + i + n - 1));
    __m128i eq = _mm_and_si128 (_mm_cmpeq_epi8 (_mm_or_si128 (a, first_mask), first),
                                _mm_cmpeq_epi8 (_mm_or_si128 (b, last_mask), last));
    unsigned bits = (unsigned)_mm_movemask_epi8 (eq);
    while (bits) {
      guint k = (guint)g_bit_nth_lsf (bits, -1);
      if (rest_matches (haystack + i + k, needle, n))
        return haystack + i + k;
      bits &= bits - 1;
    }
  }
  for (; i < end; i++)
    if (ascii_lower (haystack[i]) == (char)f && rest_matches (haystack + i, needle, n))
      return haystack + i;
  return NULL;
}
#endif

const char *
dsn_strcasestr (const char *haystack, const char *needle)
{
  if (!haystack || !needle)
    return NULL;
  gsize n = strlen (needle);
  if (n == 0)
    return haystack;
#ifdef __SSE2__
  if (n >= 2)
    return strcasestr_vector (haystack, needle, n);
#endif
  return strcasestr_by_first (haystack, needle, n);
}

char *
dsn_text_lower (const char *text, gsize len)
{
  char *out = g_malloc (len + 1);
  gsize i = 0;
  /* Eight bytes at a time: 0x20 added to each byte from A to Z (a byte
   * with its high bit set is none of them). */
  for (; len - i >= 8; i += 8) {
    guint64 w, low7;
    memcpy (&w, text + i, 8);
    low7 = w & G_GUINT64_CONSTANT (0x7f7f7f7f7f7f7f7f);
    guint64 ge_a = low7 + G_GUINT64_CONSTANT (0x3f3f3f3f3f3f3f3f); /* high bit: >= 'A' */
    guint64 gt_z = low7 + G_GUINT64_CONSTANT (0x2525252525252525); /* high bit: > 'Z' */
    guint64 upper = (ge_a ^ gt_z) & ~w & G_GUINT64_CONSTANT (0x8080808080808080);
    w |= upper >> 2;
    memcpy (out + i, &w, 8);
  }
  for (; i < len; i++)
    out[i] = ascii_lower (text[i]);
  out[len] = '\0';
  return out;
}

void
dsn_pairs_fill (DsnPairs *pairs, const char *lower, gsize len)
{
  memset (pairs->bits, 0, sizeof pairs->bits);
  for (gsize i = 1; i < len; i++) {
    guint k = (guint)(guchar)lower[i - 1] << 8 | (guchar)lower[i];
    pairs->bits[k >> 6] |= G_GUINT64_CONSTANT (1) << (k & 63);
  }
}

gboolean
dsn_pairs_may_hold (const DsnPairs *pairs, const char *needle)
{
  for (gsize i = 1; needle[0] && needle[i]; i++) {
    guint k = (guint)(guchar)ascii_lower (needle[i - 1]) << 8 | (guchar)ascii_lower (needle[i]);
    if (!(pairs->bits[k >> 6] & G_GUINT64_CONSTANT (1) << (k & 63)))
      return FALSE;
  }
  return TRUE;
}

const char *
dsn_lower_find (const char *text, const char *lower, const DsnPairs *pairs, const char *needle)
{
  /* A case-insensitive search stops at every occurrence of the needle's
   * first letter in either case; strstr() compares blocks of bytes. */
  char low[256];
  gsize n = strlen (needle);
  if (pairs && !dsn_pairs_may_hold (pairs, needle))
    return NULL;
  if (n >= sizeof low)
    return dsn_strcasestr (text, needle);
  for (gsize i = 0; i <= n; i++)
    low[i] = ascii_lower (needle[i]);
  const char *p = strstr (lower, low);
  return p ? text + (p - lower) : NULL;
}

const char *
dsn_memstr (const char *p, const char *end, const char *needle)
{
  gsize n = strlen (needle);
  if (n == 0)
    return p;
  while (p && end - p >= (gssize)n) {
    p = memchr (p, needle[0], end - p - n + 1);
    if (!p)
      return NULL;
    if (memcmp (p, needle, n) == 0)
      return p;
    p++;
  }
  return NULL;
}

gboolean
dsn_text_next_line (const char **pos, const char **line, gsize *len)
{
  const char *p = *pos;
  if (!p || !*p)
    return FALSE;
  const char *nl = strchr (p, '\n');
  *line = p;
  if (nl) {
    *len = nl - p;
    *pos = nl + 1;
  } else {
    *len = strlen (p);
    *pos = p + *len;
  }
  return TRUE;
}

gboolean
dsn_text_next_line_until (const char **pos, const char *end, const char **line, gsize *len)
{
  const char *p = *pos;
  if (!p || p >= end)
    return FALSE;
  const char *nl = memchr (p, '\n', end - p);
  *line = p;
  *len = (nl ? nl : end) - p;
  *pos = nl ? nl + 1 : end;
  return TRUE;
}

char *
dsn_text_squeeze (char *s)
{
  if (!s)
    return NULL;
  char *w = s;
  gboolean space = TRUE; /* drops leading space */
  for (const char *r = s; *r; r++) {
    if (g_ascii_isspace (*r)) {
      if (!space)
        *w++ = ' ';
      space = TRUE;
    } else {
      *w++ = *r;
      space = FALSE;
    }
  }
  if (w > s && w[-1] == ' ')
    w--;
  *w = '\0';
  return s;
}

/* Writes the folded form of one non-ASCII character C at OUT (room for 6
 * bytes): lower case, diacritics of Latin letters dropped ("É" -> "e"), the
 * ligatures and "ß" spelt out, typographic quotes made ASCII. Other scripts
 * are kept as they are. Returns the bytes written, 0 for white space
 * (no-break spaces included). */
static gsize
fold_char (gunichar c, char *out)
{
  if (g_unichar_isspace (c) || c == 0x00a0 || c == 0x202f || c == 0x2007)
    return 0;
  const char *spelt = NULL;
  switch (c) {
  case 0x00df: /* ß */
  case 0x1e9e: spelt = "ss"; break;
  case 0x00e6: /* æ */
  case 0x00c6: spelt = "ae"; break;
  case 0x0153: /* œ */
  case 0x0152: spelt = "oe"; break;
  case 0x2018: /* ‘ ’ ‛ ′ */
  case 0x2019:
  case 0x201b:
  case 0x2032: spelt = "'"; break;
  case 0x201c: /* “ ” « » */
  case 0x201d:
  case 0x00ab:
  case 0x00bb: spelt = "\""; break;
  case 0x2010: /* hyphens and dashes */
  case 0x2011:
  case 0x2013:
  case 0x2014: spelt = "-"; break;
  default: break;
  }
  if (spelt) {
    gsize n = strlen (spelt);
    memcpy (out, spelt, n);
    return n;
  }
  gunichar lower = g_unichar_tolower (c);
  gunichar parts[G_UNICHAR_MAX_DECOMPOSITION_LENGTH];
  gsize n = g_unichar_fully_decompose (lower, FALSE, parts, G_N_ELEMENTS (parts));
  /* A Latin letter with marks: keep the letter. */
  if (n > 1 && parts[0] < 0x80) {
    gboolean marks = TRUE;
    for (gsize i = 1; i < n && marks; i++)
      marks = g_unichar_type (parts[i]) == G_UNICODE_NON_SPACING_MARK;
    if (marks) {
      out[0] = g_ascii_tolower ((char)parts[0]);
      return 1;
    }
  }
  return g_unichar_to_utf8 (lower, out);
}

char *
dsn_text_fold (const char *text)
{
  if (!text)
    return g_strdup ("");
  gsize n = strlen (text);
  /* A character of 2 bytes or more folds to at most 6 bytes, and most
   * texts are ASCII: grow only when a character needs it. */
  gsize cap = n + 16;
  char *out = g_malloc (cap);
  gsize w = 0;
  gboolean space = TRUE; /* drops leading space */
  for (const char *p = text; *p;) {
    guchar c = *p;
    gsize wrote;
    if (cap - w < 8) {
      cap = cap * 2;
      out = g_realloc (out, cap);
    }
    if (c < 0x80) {
      wrote = g_ascii_isspace (c) ? 0 : 1;
      if (wrote)
        out[w] = ascii_lower (c);
      p++;
    } else {
      gunichar u = g_utf8_get_char_validated (p, -1);
      if (u == (gunichar)-1 || u == (gunichar)-2) {
        /* Not UTF-8: the byte as it is. */
        out[w] = c;
        wrote = 1;
        p++;
      } else {
        wrote = fold_char (u, out + w);
        p = g_utf8_next_char (p);
      }
    }
    if (wrote) {
      w += wrote;
      space = FALSE;
    } else if (!space) {
      out[w++] = ' ';
      space = TRUE;
    }
  }
  if (w && out[w - 1] == ' ')
    w--;
  out[w] = '\0';
  return out;
}

/* TRUE if S is its own folded form: lower-case ASCII, single spaces inside. */
static gboolean
is_folded (const char *s)
{
  if (!*s || *s == ' ')
    return FALSE;
  for (const char *p = s; *p; p++) {
    guchar c = *p;
    if (c >= 0x80 || g_ascii_isupper (c)
        || (g_ascii_isspace (c) && (c != ' ' || p[1] == ' ' || !p[1])))
      return FALSE;
  }
  return TRUE;
}

/* The dialects look for the same few dozen phrases in every sender and
 * subject, written in their own case ("Undeliverable"): their folded forms
 * are kept per thread (by content: a phrase may be made on the fly), freed
 * when the thread ends. Folding each again was 3% of an analysis. */
#define FOLD_KEPT 128

typedef struct {
  char *needle[FOLD_KEPT];
  char *folded[FOLD_KEPT];
} FoldKept;

static void
fold_kept_free (gpointer data)
{
  FoldKept *k = data;
  for (guint i = 0; i < FOLD_KEPT; i++) {
    g_free (k->needle[i]);
    g_free (k->folded[i]);
  }
  g_free (k);
}

static GPrivate fold_kept = G_PRIVATE_INIT (fold_kept_free);

static const char *
folded_needle (const char *needle)
{
  FoldKept *k = g_private_get (&fold_kept);
  if (!k) {
    k = g_new0 (FoldKept, 1);
    g_private_set (&fold_kept, k);
  }
  guint h = 5381;
  for (const guchar *p = (const guchar *)needle; *p; p++)
    h = h * 33 + *p;
  h = (h ^ h >> 9) % FOLD_KEPT;
  if (!k->needle[h] || strcmp (k->needle[h], needle) != 0) {
    g_free (k->needle[h]);
    g_free (k->folded[h]);
    k->needle[h] = g_strdup (needle);
    k->folded[h] = dsn_text_fold (needle);
  }
  return k->folded[h];
}

const char *
dsn_text_fold_find (const char *folded, const char *needle)
{
  if (is_folded (needle))
    return strstr (folded, needle);
  const char *n = folded_needle (needle);
  return *n ? strstr (folded, n) : NULL;
}

static gboolean
digits (const char *p, int min, int max, int *n)
{
  int i = 0;
  while (i < max && g_ascii_isdigit (p[i]))
    i++;
  if (i < min || g_ascii_isdigit (p[i]))
    return FALSE;
  *n = i;
  return TRUE;
}

/* RFC 3463 §2: status-code = class "." subject "." detail, class 2/4/5,
 * subject and detail 1*3digit. It must stand alone: not part of an IP
 * address, a version number or a date. */
/* TRUE if a status code starts at P in TEXT; writes it to OUT. */
static gboolean
status_here (const char *text, const char *p, char out[static 12])
{
  if (*p != '2' && *p != '4' && *p != '5')
    return FALSE;
  if (p[1] != '.')
    return FALSE;
  /* After "-", only as a multi-line reply's continuation: "550-5.1.1". */
  gboolean continuation = p - text >= 4 && p[-1] == '-' && g_ascii_isdigit (p[-2])
                          && g_ascii_isdigit (p[-3]) && g_ascii_isdigit (p[-4])
                          && (p - text == 4 || !g_ascii_isalnum (p[-5]));
  if (p > text && !continuation
      && (g_ascii_isdigit (p[-1]) || p[-1] == '.' || g_ascii_isalpha (p[-1]) || p[-1] == '-'
          || p[-1] == '/' || p[-1] == '_'))
    return FALSE;
  int ns, nd;
  if (!digits (p + 2, 1, 3, &ns) || p[2 + ns] != '.')
    return FALSE;
  if (!digits (p + 3 + ns, 1, 3, &nd))
    return FALSE;
  const char *end = p + 3 + ns + nd;
  /* "5.1.1.4" is an address or version, not a status; a final dot is fine. */
  if (*end == '.' && g_ascii_isdigit (end[1]))
    return FALSE;
  if (g_ascii_isalpha (*end) || (*end == '-' && g_ascii_isdigit (end[1])))
    return FALSE;
  gsize len = end - p;
  memcpy (out, p, len);
  out[len] = '\0';
  return TRUE;
}

const char *
dsn_text_find_status (const char *text, char out[static 12])
{
  if (!text)
    return NULL;
  for (const char *p = text; *p; p++)
    if (status_here (text, p, out))
      return p;
  return NULL;
}

gboolean
dsn_text_status_at (const char *p, char out[static 12])
{
  return p && status_here (p, p, out);
}

/* RFC 5321 §4.2: Reply-code = %x32-35 %x30-35 %x30-39, followed by SP, "-" or
 * the end of the line. */
/* TRUE if a reply code starts at P in TEXT; writes it to OUT. */
static gboolean
reply_here (const char *text, const char *p, char out[static 4])
{
  if (p[0] < '2' || p[0] > '5' || p[1] < '0' || p[1] > '5' || !g_ascii_isdigit (p[2]))
    return FALSE;
  if (p > text
      && (g_ascii_isalnum (p[-1]) || p[-1] == '.' || p[-1] == ':' || p[-1] == '-' || p[-1] == '/'
          || p[-1] == '_' || p[-1] == '+' || p[-1] == '=' || p[-1] == ',' || p[-1] == '@'))
    return FALSE;
  char c = p[3];
  if (!(c == ' ' || c == '\0' || c == '\n' || c == '\t' || c == '\r'
        || (c == '-' && !(g_ascii_isdigit (p[4]) && g_ascii_isdigit (p[5]))) || c == ')' || c == ']'
        || c == ';' || (c == '.' && !g_ascii_isdigit (p[4])) || (c == ',' && p[4] == ' ')))
    return FALSE;
  memcpy (out, p, 3);
  out[3] = '\0';
  return TRUE;
}

const char *
dsn_text_find_reply_code (const char *text, char out[static 4])
{
  if (!text)
    return NULL;
  for (const char *p = text; *p; p++)
    if (reply_here (text, p, out))
      return p;
  return NULL;
}

char
dsn_text_failure_class (const char *text)
{
  char status[12], reply[4];
  for (const char *st = dsn_text_find_status (text, status); st;
       st = dsn_text_find_status (st + strlen (status), status))
    if (status[0] != '2')
      return status[0];
  for (const char *rc = dsn_text_find_reply_code (text, reply); rc;
       rc = dsn_text_find_reply_code (rc + 3, reply))
    if (reply[0] == '4' || reply[0] == '5')
      return reply[0];
  return 0;
}

gboolean
dsn_text_reply_code_at (const char *p, char out[static 4])
{
  return p && reply_here (p, p, out);
}

static gboolean
is_local_char (guchar c)
{
  return g_ascii_isalnum (c) || c >= 0x80 || strchr ("!#$%&'*+-/=?^_`{|}~.", c) != NULL;
}

static gboolean
is_domain_char (guchar c)
{
  return g_ascii_isalnum (c) || c >= 0x80 || c == '-' || c == '.' || c == '_' || c == '['
         || c == ']' || c == ':';
}

gboolean
dsn_text_is_address (const char *s)
{
  if (!s)
    return FALSE;
  const char *at = strrchr (s, '@');
  if (!at || at == s || !at[1])
    return FALSE;
  for (const char *p = s; p < at; p++)
    if (!is_local_char (*p) && *p != '"' && *p != ' ' && *p != '\\')
      return FALSE;
  for (const char *p = at + 1; *p; p++)
    if (!is_domain_char (*p))
      return FALSE;
  return TRUE;
}

/* TRUE if P (before END) starts a non-ASCII punctuation or space
 * character: the fullwidth colon of "收件人：anna@example.cn", an ideographic
 * comma or full stop. Such characters end an address as ASCII ones do;
 * other non-ASCII characters may be part of one (RFC 6531). */
static gboolean
wide_stop_at (const char *p, const char *end)
{
  gunichar u = g_utf8_get_char_validated (p, end - p);
  return u != (gunichar)-1 && u != (gunichar)-2 && (g_unichar_ispunct (u) || g_unichar_isspace (u));
}

char *
dsn_text_find_address_len (const char *text, gsize len)
{
  if (!text)
    return NULL;
  const char *end = text + len;
  for (const char *at = memchr (text, '@', len); at; at = memchr (at + 1, '@', end - at - 1)) {
    const char *l = at;
    while (l > text && is_local_char (l[-1])) {
      if ((guchar)l[-1] < 0x80) {
        l--;
        continue;
      }
      const char *s = l - 1;
      while (s > text && ((guchar)*s & 0xC0) == 0x80)
        s--;
      if (wide_stop_at (s, at))
        break;
      l = s;
    }
    const char *r = at + 1;
    while (r < end && is_domain_char (*r) && *r != ':' && *r != '[' && *r != ']') {
      if ((guchar)*r >= 0xC0 && wide_stop_at (r, end))
        break;
      r++;
    }
    /* A literal domain: user@[192.0.2.1]. */
    if (r == at + 1 && r < end && *r == '[') {
      const char *close = memchr (r, ']', end - r);
      if (close)
        r = close + 1;
    }
    while (l < at && *l == '.')
      l++;
    while (r > at + 1 && (r[-1] == '.' || r[-1] == '-'))
      r--;
    if (l == at || r == at + 1)
      continue;
    /* A virus name, not an address: "@mm" marks a mass-mailing worm in the
     * scanners' names ("W32.Netsky.P@mm", "W32/Mydoom.A@MM"). */
    if (r - at == 3 && g_ascii_strncasecmp (at + 1, "mm", 2) == 0)
      continue;
    return g_strndup (l, r - l);
  }
  return NULL;
}

char *
dsn_text_find_address (const char *text)
{
  return text ? dsn_text_find_address_len (text, strlen (text)) : NULL;
}

char *
dsn_text_address_domain (const char *text)
{
  g_autofree char *a = text ? dsn_text_find_address (text) : NULL;
  const char *at = a ? strrchr (a, '@') : NULL;
  return at && at[1] ? g_ascii_strdown (at + 1, -1) : NULL;
}

gboolean
dsn_utf8_validate (const char *s, gssize len)
{
  gsize n = len < 0 ? strlen (s) : (gsize)len;
  const char *p = s, *end = s + n;
  while (end - p >= 8) {
    guint64 w;
    memcpy (&w, p, 8);
    /* A byte with its high bit set, or a NUL (which only a LEN can hold). */
    if ((w & 0x8080808080808080ULL) || ((w - 0x0101010101010101ULL) & ~w & 0x8080808080808080ULL))
      break;
    p += 8;
  }
  return g_utf8_validate (p, end - p, NULL);
}
