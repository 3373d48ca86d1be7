/* Raw headers: how a delivered message travelled and how it was judged.
 *
 * The Received chain becomes hops with timestamps and delays (RFC 5321
 * §4.4), Authentication-Results (RFC 8601) and Received-SPF (RFC 7208 §9.1)
 * give the SPF, DKIM, DMARC and ARC verdicts, the spam filters' headers their
 * verdicts, and the domains are checked for DMARC alignment (RFC 7489 §3.1)
 * using the Public Suffix List for organizational domains.
 *
 * SPDX-License-Identifier: BSD-2-Clause */
#include "headers.h"

#include <string.h>

/* A hop slower than this is worth pointing at. */
#define SLOW_HOP_SECONDS (10 * 60)
/* Clocks disagreeing by more than this are skewed, not just imprecise. */
#define SKEW_SECONDS 120
/* Verdicts read from one Authentication-Results field: a receiving server
 * writes a handful, one per method and signature. */
#define MAX_FIELD_RESULTS 50

/* ------------------------------------------------------------ objects */

void
dsn_headers_hop_free (DsnHop *h)
{
  g_free (h->from_host);
  g_free (h->from_ip);
  g_free (h->by_host);
  g_free (h->with);
  g_free (h->id);
  g_free (h->date);
  g_free (h);
}

static void
auth_free (DsnAuthResult *a)
{
  g_free (a->authserv);
  g_free (a->method);
  g_free (a->result);
  g_free (a->reason);
  g_free (a->domain);
  g_free (a->policy);
  g_free (a->disposition);
  if (a->props)
    g_ptr_array_unref (a->props);
  g_free (a);
}

void
dsn_headers_free (DsnHeaders *h)
{
  if (!h)
    return;
  g_ptr_array_unref (h->hops);
  g_ptr_array_unref (h->auth);
  g_ptr_array_unref (h->spam);
  g_ptr_array_unref (h->signals);
  g_ptr_array_unref (h->findings);
  g_free (h->list);
  g_free (h->from_domain);
  g_free (h->mailfrom_domain);
  g_free (h->verdict);
  g_free (h);
}

static DsnHeaders *
headers_new (void)
{
  DsnHeaders *h = g_new0 (DsnHeaders, 1);
  h->hops = g_ptr_array_new_with_free_func ((GDestroyNotify)dsn_headers_hop_free);
  h->auth = g_ptr_array_new_with_free_func ((GDestroyNotify)auth_free);
  h->spam = g_ptr_array_new_with_free_func (g_free);
  h->signals = g_ptr_array_new_with_free_func ((GDestroyNotify)dsn_finding_free);
  h->findings = g_ptr_array_new_with_free_func ((GDestroyNotify)dsn_finding_free);
  return h;
}

/* ------------------------------------------------------------ trace fields */

/* The fields a header block repeats, one per hop or verdict: Received
 * (RFC 5321 §4.4), Authentication-Results (RFC 8601 §2.1), its ARC copy
 * (RFC 8617 §4.1.1), Received-SPF (RFC 7208 §9.1). */
static const char *const trace_fields[]
    = { "Received", "Authentication-Results", "ARC-Authentication-Results", "Received-SPF" };

/* Which of trace_fields the line LINE of LEN bytes starts, or -1. */
static int
trace_field (const char *line, gsize len)
{
  gsize n = 0;
  while (n < len && line[n] != ':' && line[n] != ' ' && line[n] != '\t' && line[n] != '\n')
    n++;
  gsize colon = n;
  while (colon < len && (line[colon] == ' ' || line[colon] == '\t'))
    colon++; /* RFC 5322 §4.5: white space before the colon */
  if (colon == len || line[colon] != ':')
    return -1;
  for (gsize i = 0; i < G_N_ELEMENTS (trace_fields); i++)
    if (strlen (trace_fields[i]) == n && !g_ascii_strncasecmp (line, trace_fields[i], n))
      return (int)i;
  return -1;
}

void
dsn_headers_limit_trace_fields (GByteArray *buf, gsize limit, DsnReport *rep)
{
  gsize seen[G_N_ELEMENTS (trace_fields)] = { 0 };
  guint64 dropped[G_N_ELEMENTS (trace_fields)] = { 0 };
  guint8 *data = buf->data;
  gsize r = 0, w = 0; /* read and write positions: each line moves once */
  gboolean dropping = FALSE;
  while (r < buf->len) {
    const guint8 *nl = memchr (data + r, '\n', buf->len - r);
    gsize end = nl ? (gsize)(nl - data) + 1 : buf->len;
    const char *line = (const char *)data + r;
    if (*line == '\n') {
      /* A blank line ends a header block. */
      memset (seen, 0, sizeof seen);
      dropping = FALSE;
    } else if (*line != ' ' && *line != '\t') {
      /* A field, with the continuation lines that follow it. */
      int k = strchr ("RrAa", *line) ? trace_field (line, end - r) : -1;
      dropping = k >= 0 && ++seen[k] > limit;
      if (dropping)
        dropped[k]++;
    }
    if (!dropping) {
      if (w != r)
        memmove (data + w, data + r, end - r);
      w += end - r;
    }
    r = end;
  }
  if (w == r)
    return;
  g_byte_array_set_size (buf, w);
  /* The text scanners want the NUL beyond the length. */
  g_byte_array_append (buf, (const guint8 *)"", 1);
  g_byte_array_set_size (buf, buf->len - 1);
  for (gsize k = 0; k < G_N_ELEMENTS (trace_fields); k++)
    if (dropped[k]) {
      char count[24], bound[24];
      g_snprintf (count, sizeof count, "%" G_GUINT64_FORMAT, dropped[k]);
      g_snprintf (bound, sizeof bound, "%" G_GSIZE_FORMAT, limit);
      dsn_report_warn (rep, "limit.trace_fields", "field", trace_fields[k], "count", count, "limit",
                       bound, NULL);
    }
}

/* ------------------------------------------------------------ small parsers */

/* Removes RFC 5322 comments (nested parentheses), keeping quoted strings. */
char *
dsn_headers_strip_comments (const char *s)
{
  GString *out = g_string_sized_new (strlen (s));
  int depth = 0;
  gboolean quoted = FALSE;
  for (const char *p = s; *p; p++) {
    if (*p == '\\' && p[1]) {
      if (depth == 0)
        g_string_append_len (out, p, 2);
      p++;
      continue;
    }
    if (!depth && *p == '"')
      quoted = !quoted;
    if (!quoted && *p == '(') {
      depth++;
      continue;
    }
    if (!quoted && *p == ')' && depth > 0) {
      depth--;
      if (depth == 0)
        g_string_append_c (out, ' ');
      continue;
    }
    if (depth == 0)
      g_string_append_c (out, *p);
  }
  return dsn_text_squeeze (g_string_free (out, FALSE));
}

/* Splits on ';' outside quoted strings. */
static GPtrArray *
split_semicolons (const char *s)
{
  GPtrArray *parts = g_ptr_array_new_with_free_func (g_free);
  gboolean quoted = FALSE;
  const char *start = s;
  for (const char *p = s;; p++) {
    if (*p == '"')
      quoted = !quoted;
    if ((*p == ';' && !quoted) || !*p) {
      char *part = g_strstrip (g_strndup (start, p - start));
      if (*part)
        g_ptr_array_add (parts, part);
      else
        g_free (part);
      if (!*p)
        break;
      start = p + 1;
    }
  }
  return parts;
}

/* The domain of an address or a bare domain, lower-cased. */
static char *
domain_of (const char *value)
{
  if (!value)
    return NULL;
  const char *at = strrchr (value, '@');
  const char *d = at ? at + 1 : value;
  while (*d == '<' || *d == ' ')
    d++;
  gsize n = strcspn (d, "> ;,\"");
  if (n == 0)
    return NULL;
  char *out = g_ascii_strdown (d, n);
  while (n > 0 && out[n - 1] == '.')
    out[--n] = '\0';
  return n ? out : (g_free (out), NULL);
}

char *
dsn_headers_tag (const char *list, const char *tag)
{
  g_auto (GStrv) parts = g_strsplit (list, ";", -1);
  for (char **p = parts; *p; p++) {
    char *eq = strchr (*p, '=');
    if (!eq)
      continue;
    g_autofree char *name = g_strstrip (g_strndup (*p, eq - *p));
    if (g_ascii_strcasecmp (name, tag) == 0) {
      /* Folding white space may appear inside values (RFC 6376 §3.2). */
      g_autofree char *v = g_strdup (eq + 1);
      GString *out = g_string_new (NULL);
      for (const char *c = v; *c; c++)
        if (!g_ascii_isspace (*c))
          g_string_append_c (out, g_ascii_tolower (*c));
      return out->len ? g_string_free (out, FALSE) : (g_string_free (out, TRUE), NULL);
    }
  }
  return NULL;
}

/* ------------------------------------------------------------ dates */

/* Days from 1970-01-01 to Y-M-D in the proleptic Gregorian calendar. */
static gint64
days_from_civil (gint64 y, int m, int d)
{
  y -= m <= 2;
  gint64 era = (y >= 0 ? y : y - 399) / 400;
  gint64 yoe = y - era * 400;
  gint64 doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  gint64 doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

static int
month_of (const char *w)
{
  static const char names[] = "janfebmaraprmayjunjulaugsepoctnovdec";
  if (strlen (w) < 3)
    return 0;
  for (int i = 0; i < 12; i++)
    if (!g_ascii_strncasecmp (w, names + 3 * i, 3)) {
      /* "May", "June", "Sept": a month's name or its start. */
      static const char *const full[]
          = { "january", "february", "march",     "april",   "may",      "june",
              "july",    "august",   "september", "october", "november", "december" };
      gsize n = strlen (w);
      return n <= strlen (full[i]) && !g_ascii_strncasecmp (w, full[i], n) ? i + 1 : 0;
    }
  return 0;
}

static gboolean
is_day_name (const char *w)
{
  static const char *const days[]
      = { "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday" };
  gsize n = strlen (w);
  for (gsize i = 0; n >= 3 && i < G_N_ELEMENTS (days); i++)
    if (n <= strlen (days[i]) && !g_ascii_strncasecmp (w, days[i], n))
      return TRUE;
  return FALSE;
}

/* A zone name's offset in minutes: RFC 5322 §4.3's obsolete names, and
 * abbreviations servers write although no RFC defines them (only those
 * that mean one thing: IST, for one, is Indian, Irish or Israeli). Military
 * letters mean nothing reliable (§4.3): they count as -0000. */
static gboolean
zone_name_offset (const char *w, int *minutes)
{
  static const struct {
    const char *name;
    int minutes;
  } zones[] = {
    { "UT", 0 },     { "UTC", 0 },    { "GMT", 0 },     { "Z", 0 },       { "EST", -300 },
    { "EDT", -240 }, { "CST", -360 }, { "CDT", -300 },  { "MST", -420 },  { "MDT", -360 },
    { "PST", -480 }, { "PDT", -420 }, { "AKST", -540 }, { "AKDT", -480 }, { "HST", -600 },
    { "WET", 0 },    { "WEST", 60 },  { "BST", 60 },    { "CET", 60 },    { "CEST", 120 },
    { "MET", 60 },   { "MEST", 120 }, { "EET", 120 },   { "EEST", 180 },  { "MSK", 180 },
    { "HKT", 480 },  { "SGT", 480 },  { "AWST", 480 },  { "JST", 540 },   { "KST", 540 },
    { "ACST", 570 }, { "AEST", 600 }, { "AEDT", 660 },  { "NZST", 720 },  { "NZDT", 780 },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (zones); i++)
    if (!g_ascii_strcasecmp (w, zones[i].name)) {
      *minutes = zones[i].minutes;
      return TRUE;
    }
  if (strlen (w) == 1 && g_ascii_isalpha (w[0])) {
    *minutes = 0;
    return TRUE;
  }
  return FALSE;
}

/* "+0200", "-05:00", "+02", "+2": an offset in minutes. */
static gboolean
zone_numeric_offset (const char *w, int *minutes)
{
  if (*w != '+' && *w != '-')
    return FALSE;
  int sign = *w == '-' ? -1 : 1;
  const char *p = w + 1;
  int digits[4], n = 0;
  for (; *p && n < 4; p++) {
    if (g_ascii_isdigit (*p))
      digits[n++] = *p - '0';
    else if (*p != ':' || n != 2)
      return FALSE;
  }
  if (*p || n == 0 || n == 3)
    return FALSE;
  int h = n == 1 ? digits[0] : digits[0] * 10 + digits[1];
  int m = n == 4 ? digits[2] * 10 + digits[3] : 0;
  if (h > 23 || m > 59)
    return FALSE;
  *minutes = sign * (h * 60 + m);
  return TRUE;
}

/* "10:05", "10:05:10", "10:05:10.123": sets H, M, S. */
static gboolean
parse_time (const char *w, int *h, int *m, int *s)
{
  char *end;
  long v[3] = { 0, 0, 0 };
  int n = 0;
  const char *p = w;
  while (n < 3) {
    if (!g_ascii_isdigit (*p))
      return FALSE;
    v[n++] = strtol (p, &end, 10);
    if (end - p > 2)
      return FALSE;
    p = end;
    if (*p != ':')
      break;
    p++;
  }
  /* Fractional seconds (SendGrid, Go's time format): not in RFC 5322. */
  if (n == 3 && *p == '.') {
    p++;
    while (g_ascii_isdigit (*p))
      p++;
  }
  if (*p || n < 2 || v[0] > 23 || v[1] > 59 || v[2] > 60)
    return FALSE;
  *h = v[0];
  *m = v[1];
  *s = v[2];
  return TRUE;
}

/* An RFC 5322 year: two digits are 2000-2049 or 1950-1999, three are
 * from 1900 (§4.3). */
static int
full_year (const char *w)
{
  gsize n = strlen (w);
  int y = atoi (w);
  if (n == 2)
    return y < 50 ? 2000 + y : 1900 + y;
  if (n == 3)
    return 1900 + y;
  return n == 4 ? y : -1;
}

gboolean
dsn_headers_parse_date (const char *text, gint64 *unix_time)
{
  g_autofree char *clean = dsn_headers_strip_comments (text);
  int day = 0, month = 0, year = -1, h = -1, mi = 0, s = 0, offset = 0;
  gboolean zone = FALSE;
  g_auto (GStrv) words = g_strsplit_set (clean, " \t,", -1);
  for (char **wp = words; *wp; wp++) {
    char *w = *wp;
    if (!*w || strchr (w, '='))
      continue; /* Go's "m=+0.01" */
    /* ISO 8601, as some servers write: 2024-05-13, 2024-05-13T10:05:10Z. */
    if (strlen (w) >= 10 && g_ascii_isdigit (w[0]) && w[4] == '-' && w[7] == '-') {
      char *t = strpbrk (w, "Tt");
      if (t)
        *t++ = '\0';
      g_auto (GStrv) ymd = g_strsplit (w, "-", 3);
      if (g_strv_length (ymd) != 3)
        return FALSE;
      year = atoi (ymd[0]);
      month = atoi (ymd[1]);
      day = atoi (ymd[2]);
      if (t) {
        gsize tl = strcspn (t, "Zz+-");
        char rest[16];
        g_strlcpy (rest, t + tl, sizeof rest);
        t[tl] = '\0';
        if (!parse_time (t, &h, &mi, &s))
          return FALSE;
        if (rest[0] == 'Z' || rest[0] == 'z')
          zone = TRUE;
        else if (rest[0] && (zone = zone_numeric_offset (rest, &offset)) == FALSE)
          return FALSE;
      }
      continue;
    }
    /* "13-May-2024", an old Sendmail form. */
    if (g_ascii_isdigit (w[0]) && strchr (w, '-') && !strchr (w, ':')) {
      g_auto (GStrv) dmy = g_strsplit (w, "-", 3);
      if (g_strv_length (dmy) == 3 && month_of (dmy[1])) {
        day = atoi (dmy[0]);
        month = month_of (dmy[1]);
        year = full_year (dmy[2]);
        continue;
      }
      return FALSE;
    }
    if (g_ascii_isdigit (w[0]) && strchr (w, ':')) {
      /* A zone written against the time: "10:05:10+0000". */
      char *z = strpbrk (w, "+-");
      if (z && !zone && zone_numeric_offset (z, &offset)) {
        zone = TRUE;
        *z = '\0';
      }
      if (!parse_time (w, &h, &mi, &s))
        return FALSE;
      continue;
    }
    if (*w == '+' || *w == '-') {
      if (!zone_numeric_offset (w, &offset))
        return FALSE;
      zone = TRUE;
      continue;
    }
    if (g_ascii_isdigit (w[0])) {
      if (strspn (w, "0123456789") != strlen (w))
        return FALSE;
      /* Day before year: "13 May 2024" and asctime's "May 13 ... 2024". */
      if (!day && strlen (w) <= 2 && year < 0)
        day = atoi (w);
      else if (year < 0)
        year = full_year (w);
      else
        return FALSE;
      continue;
    }
    int mo = month_of (w);
    if (mo && !month) {
      month = mo;
      continue;
    }
    if (is_day_name (w))
      continue;
    /* A zone's name, alone or with an offset ("GMT+0200", "UTC+2"). */
    int named;
    char *sign = strpbrk (w, "+-");
    if (sign) {
      char c = *sign;
      *sign = '\0';
      gboolean base = zone_name_offset (w, &named);
      *sign = c;
      if (base && !zone && zone_numeric_offset (sign, &offset)) {
        offset += named;
        zone = TRUE;
        continue;
      }
      return FALSE;
    }
    if (zone_name_offset (w, &named)) {
      /* "+0000 (UTC)" and Go's "+0000 UTC": the number counts. */
      if (!zone)
        offset = named;
      zone = TRUE;
      continue;
    }
    /* Any other word ("at", a server's note) is not part of a date. */
  }
  /* A missing zone is read as universal time (doc/DEVIATIONS.md). */
  if (year < 1900 || month < 1 || month > 12 || day < 1 || day > 31 || h < 0)
    return FALSE;
  static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
  gboolean leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  if (day > mdays[month - 1] || (month == 2 && day == 29 && !leap))
    return FALSE;
  *unix_time = days_from_civil (year, month, day) * 86400 + h * 3600 + mi * 60 + s - offset * 60;
  return TRUE;
}

/* ------------------------------------------------------------ Received */

static char *
word_after (const char *s, const char *keyword)
{
  gsize n = strlen (keyword);
  for (const char *p = dsn_strcasestr (s, keyword); p; p = dsn_strcasestr (p + 1, keyword)) {
    if ((p == s || g_ascii_isspace (p[-1])) && g_ascii_isspace (p[n])) {
      const char *w = p + n;
      while (g_ascii_isspace (*w))
        w++;
      gsize len = strcspn (w, " \t;");
      return len ? g_strndup (w, len) : NULL;
    }
  }
  return NULL;
}

/* Where the date of a Received field without the ';' before it starts
 * (SendGrid writes none, RFC 5321 §4.4 wants one): at its last day name
 * or ISO 8601 date; NULL if there is none. */
static const char *
trailing_date (const char *value)
{
  const char *found = NULL;
  for (const char *p = value; *p; p++) {
    if (p != value && !g_ascii_isspace (p[-1]))
      continue;
    char day[4] = { 0 };
    if (g_ascii_isalpha (p[0]) && g_ascii_isalpha (p[1]) && g_ascii_isalpha (p[2])
        && (p[3] == ',' || p[3] == ' ')) {
      memcpy (day, p, 3);
      if (is_day_name (day))
        found = p;
    } else if (strspn (p, "0123456789") == 4 && p[4] == '-' && g_ascii_isdigit (p[5])
               && g_ascii_isdigit (p[6]) && p[7] == '-') {
      found = p;
    }
  }
  return found;
}

/* The first address alone between OPEN and its CLOSE in S..END:
 * "[192.0.2.1]", "[IPv6:2001:db8::1]", "( 192.0.2.1 )"; a newly allocated
 * string, or NULL. */
static char *
enclosed_ip (const char *s, const char *end, char open, char close)
{
  for (const char *p = s; p < end; p++) {
    if (*p != open)
      continue;
    const char *c = memchr (p, close, end - p);
    if (!c)
      return NULL;
    g_autofree char *cand = g_strndup (p + 1, c - p - 1);
    g_strstrip (cand);
    const char *ip = dsn_has_prefix_ci (cand, "IPv6:") ? cand + 5 : cand;
    DsnIp a;
    if (dsn_ip_parse (ip, &a))
      return g_strdup (ip);
    p = c;
  }
  return NULL;
}

DsnHop *
dsn_headers_parse_received (const char *value, gboolean with_date)
{
  DsnHop *h = g_new0 (DsnHop, 1);
  h->timestamp = -1;
  const char *semi = strrchr (value, ';');
  const char *date = semi ? semi + 1 : trailing_date (value);
  if (date) {
    h->date = g_strstrip (g_strdup (date));
    /* Parsing dates is the costly part: only when delays are wanted. */
    gint64 t;
    if (with_date && dsn_headers_parse_date (h->date, &t))
      h->timestamp = t;
  }
  g_autofree char *clause = semi   ? g_strndup (value, semi - value)
                            : date ? g_strndup (value, date - value)
                                   : g_strdup (value);
  const char *by = dsn_strcasestr (clause, " by ");
  if (!by && dsn_has_prefix_ci (clause, "by "))
    by = clause;
  const char *from_end = by ? by : clause + strlen (clause);
  /* "from" clause: "from HELO (rdns [IP])" */
  if (dsn_has_prefix_ci (clause, "from ")) {
    h->from_host = word_after (clause, "from");
    /* The address the server saw is in the TCP-info comment (RFC 5321
     * §4.4); a bracket before it is only what the client said in HELO. */
    const char *tcp_info = memchr (clause, '(', from_end - clause);
    h->from_ip = tcp_info ? enclosed_ip (tcp_info, from_end, '[', ']') : NULL;
    if (!h->from_ip)
      h->from_ip = enclosed_ip (clause, from_end, '[', ']');
    /* Exchange writes it in parentheses: "from host (192.0.2.1) by ..." */
    if (!h->from_ip)
      h->from_ip = enclosed_ip (clause, from_end, '(', ')');
    /* Some MTAs write the address bare: "from 192.0.2.1 by ..." */
    if (!h->from_ip && h->from_host) {
      DsnIp a;
      if (dsn_ip_parse (h->from_host, &a))
        h->from_ip = g_strdup (h->from_host);
    }
  }
  if (by)
    h->by_host = word_after (by, "by");
  h->with = word_after (clause, "with");
  h->id = word_after (clause, "id");
  /* RFC 3848: ESMTPA/ESMTPSA/LMTPA mean the client authenticated. */
  h->authenticated
      = (h->with
         && (dsn_has_prefix_ci (h->with, "esmtpa") || dsn_has_prefix_ci (h->with, "esmtpsa")
             || dsn_has_prefix_ci (h->with, "lmtpa") || dsn_has_prefix_ci (h->with, "lmtpsa")))
        || dsn_strcasestr (clause, "authenticated") != NULL;
  return h;
}

/* ------------------------------------------------------------ Authentication-Results */

/* The text of S's comments (RFC 5322 §3.2.2), outermost ones, joined by
 * spaces: where receivers write a DMARC policy ("(p=QUARANTINE
 * dis=QUARANTINE)") that RFC 8601 has no property for. */
static char *
comments_of (const char *s)
{
  GString *out = g_string_new (NULL);
  int depth = 0;
  for (const char *p = s; *p; p++) {
    if (*p == '\\' && p[1]) {
      if (depth)
        g_string_append_c (out, p[1]);
      p++;
      continue;
    }
    if (*p == '(') {
      if (depth++ == 0 && out->len)
        g_string_append_c (out, ' ');
      if (depth == 1)
        continue;
    } else if (*p == ')' && depth > 0) {
      if (--depth == 0)
        continue;
    }
    if (depth)
      g_string_append_c (out, *p);
  }
  return g_string_free (out, FALSE);
}

/* Splits on ';' outside quoted strings and comments. */
static GPtrArray *
split_results (const char *s)
{
  GPtrArray *parts = g_ptr_array_new_with_free_func (g_free);
  gboolean quoted = FALSE;
  int depth = 0;
  const char *start = s;
  for (const char *p = s;; p++) {
    if (*p == '\\' && p[1]) {
      p++;
      continue;
    }
    if (*p == '"' && !depth)
      quoted = !quoted;
    else if (*p == '(' && !quoted)
      depth++;
    else if (*p == ')' && !quoted && depth)
      depth--;
    if ((*p == ';' && !quoted && !depth) || !*p) {
      char *part = g_strstrip (g_strndup (start, p - start));
      if (*part)
        g_ptr_array_add (parts, part);
      else
        g_free (part);
      if (!*p)
        break;
      start = p + 1;
    }
  }
  return parts;
}

/* A DMARC verdict's policy and what the receiver did with it: RFC 8601
 * defines neither, so receivers write them their own way: Gmail and
 * OpenDMARC "(p=QUARANTINE sp=QUARANTINE dis=QUARANTINE)", Fastmail
 * "(p=quarantine,d=quarantine)", Yahoo "(p=REJECT)", Microsoft
 * "action=quarantine", others "policy.dmarc=reject". */
static void
dmarc_policy (DsnAuthResult *a, const char *comment)
{
  g_auto (GStrv) words = g_strsplit_set (comment ? comment : "", " \t,", -1);
  for (char **w = words; *w; w++) {
    if (dsn_has_prefix_ci (*w, "p=") && !a->policy)
      a->policy = g_ascii_strdown (*w + 2, -1);
    else if (dsn_has_prefix_ci (*w, "dis=") || dsn_has_prefix_ci (*w, "d="))
      dsn_set (&a->disposition, *w);
  }
  for (guint i = 0; i < a->props->len; i++) {
    const char *prop = a->props->pdata[i];
    if (dsn_has_prefix_ci (prop, "policy.dmarc=") && !a->policy)
      a->policy = g_ascii_strdown (prop + 13, -1);
    else if (dsn_has_prefix_ci (prop, "action=") && !a->disposition)
      a->disposition = g_strdup (prop);
  }
  if (a->policy && !*a->policy)
    g_clear_pointer (&a->policy, g_free);
}

static void
add_auth (DsnHeaders *h, const char *authserv, const char *resinfo, const char *comment)
{
  /* "method[/version]=result reason=... ptype.prop=value ..." */
  g_auto (GStrv) tokens = g_strsplit_set (resinfo, " \t", -1);
  DsnAuthResult *a = NULL;
  for (char **t = tokens; *t; t++) {
    if (!**t)
      continue;
    char *eq = strchr (*t, '=');
    if (!a) {
      if (!eq)
        return;
      a = g_new0 (DsnAuthResult, 1);
      a->authserv = g_strdup (authserv);
      char *slash = strchr (*t, '/');
      a->method = g_ascii_strdown (*t, (slash && slash < eq ? slash : eq) - *t);
      a->result = g_ascii_strdown (eq + 1, -1);
      a->props = g_ptr_array_new_with_free_func (g_free);
      continue;
    }
    if (!eq)
      continue;
    if (dsn_has_prefix_ci (*t, "reason=")) {
      /* reason="quoted text with spaces" */
      GString *r = g_string_new (eq + 1);
      if (r->str[0] == '"' && (r->len < 2 || r->str[r->len - 1] != '"'))
        for (t++; *t; t++) {
          g_string_append_c (r, ' ');
          g_string_append (r, *t);
          if ((*t)[0] && (*t)[strlen (*t) - 1] == '"')
            break;
        }
      char *reason = g_string_free (r, FALSE);
      g_strstrip (reason);
      if (reason[0] == '"') {
        memmove (reason, reason + 1, strlen (reason));
        gsize n = strlen (reason);
        if (n && reason[n - 1] == '"')
          reason[n - 1] = '\0';
      }
      a->reason = reason;
      if (!*t)
        break;
      continue;
    }
    g_ptr_array_add (a->props, g_strdup (*t));
  }
  if (!a)
    return;
  /* The domain the method vouches for. */
  static const char *const keys[] = {
    "header.d=", "header.i=", "smtp.mailfrom=", "header.from=", "smtp.helo=", "policy.d=", NULL
  };
  for (const char *const *k = keys; *k && !a->domain; k++)
    for (guint i = 0; i < a->props->len && !a->domain; i++)
      if (dsn_has_prefix_ci (a->props->pdata[i], *k)
          && g_ascii_strcasecmp ((char *)a->props->pdata[i] + strlen (*k), "none") != 0)
        a->domain = domain_of ((char *)a->props->pdata[i] + strlen (*k));
  if (!strcmp (a->method, "dmarc"))
    dmarc_policy (a, comment);
  g_ptr_array_add (h->auth, a);
}

void
dsn_headers_parse_authres (DsnHeaders *h, const char *value)
{
  g_autoptr (GPtrArray) raw = split_results (value);
  g_autoptr (GPtrArray) parts = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) comments = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < raw->len; i++) {
    char *clean = dsn_headers_strip_comments (raw->pdata[i]);
    if (!*clean) {
      g_free (clean);
      continue;
    }
    g_ptr_array_add (parts, clean);
    g_ptr_array_add (comments, comments_of (raw->pdata[i]));
  }
  if (parts->len == 0)
    return;
  /* authserv-id [version]; Microsoft omits it and starts with a result. */
  guint first = 1;
  g_autofree char *authserv = NULL;
  const char *p0 = parts->pdata[0];
  if (strchr (p0, '=') && strcspn (p0, "=") < strcspn (p0, " ")) {
    first = 0;
  } else {
    authserv = g_strdup (p0);
    char *sp = strchr (authserv, ' ');
    if (sp)
      *sp = '\0';
  }
  guint read = 0;
  for (guint i = first; i < parts->len; i++) {
    const char *r = parts->pdata[i];
    if (g_ascii_strcasecmp (r, "none") == 0)
      continue;
    if (read++ == MAX_FIELD_RESULTS) {
      h->results_cut += parts->len - i;
      break;
    }
    add_auth (h, authserv, r, comments->pdata[i]);
  }
}

/* Received-SPF: result (comment) key=value; ... (RFC 7208 §9.1) */
static void
parse_received_spf (DsnHeaders *h, const char *value)
{
  g_autofree char *clean = dsn_headers_strip_comments (value);
  gsize n = strcspn (clean, " \t;");
  if (n == 0)
    return;
  DsnAuthResult *a = g_new0 (DsnAuthResult, 1);
  a->authserv = g_strdup ("Received-SPF");
  a->method = g_strdup ("spf");
  a->result = g_ascii_strdown (clean, n);
  a->props = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) parts = split_semicolons (clean + n);
  for (guint i = 0; i < parts->len; i++) {
    const char *kv = parts->pdata[i];
    if (dsn_has_prefix_ci (kv, "envelope-from=")) {
      g_ptr_array_add (a->props, g_strdup_printf ("smtp.mailfrom=%s", kv + 14));
      if (!a->domain) /* the first one counts, as for the other keys */
        a->domain = domain_of (kv + 14);
    } else if (dsn_has_prefix_ci (kv, "client-ip=") || dsn_has_prefix_ci (kv, "helo=")) {
      g_ptr_array_add (a->props, g_strdup (kv));
    }
  }
  g_ptr_array_add (h->auth, a);
}

/* ------------------------------------------------------------ findings */

/* Adds the finding CODE of catalogue/headers.keys, with NAME, VALUE
 * arguments ending with a NULL name; a NULL value is an unknown argument. */
static DsnFinding *add_finding (DsnHeaders *h, const char *code, ...) G_GNUC_NULL_TERMINATED;

static DsnFinding *
add_finding (DsnHeaders *h, const char *code, ...)
{
  va_list ap;
  va_start (ap, code);
  DsnFinding *f = dsn_finding_new_valist (code, ap);
  va_end (ap);
  if (f)
    g_ptr_array_add (h->findings, f);
  return f;
}

/* The first verdict of METHOD, preferring the receiving server's (the
 * topmost Authentication-Results), and a pass over other results. */
static const DsnAuthResult *
first_result (const DsnHeaders *h, const char *method, gboolean want_pass)
{
  const DsnAuthResult *first = NULL;
  for (guint i = 0; i < h->auth->len; i++) {
    const DsnAuthResult *a = h->auth->pdata[i];
    if (strcmp (a->method, method) != 0)
      continue;
    if (!want_pass)
      return a;
    if (!first)
      first = a;
    if (strcmp (a->result, "pass") == 0)
      return a;
  }
  return first;
}

/* A duration for a reader: "42 s", "12 min", "3 h 5 min" in DURATION, or
 * from two days on a number of days in DAYS, "" otherwise (the texts say
 * "days" in their language). */
static void
human_duration (gint64 s, char duration[static 64], char days[static 24])
{
  if (s < 0)
    s = -s;
  duration[0] = days[0] = '\0';
  if (s < 120)
    g_snprintf (duration, 64, "%" G_GINT64_FORMAT " s", s);
  else if (s < 7200)
    g_snprintf (duration, 64, "%" G_GINT64_FORMAT " min", s / 60);
  else if (s < 172800)
    g_snprintf (duration, 64, "%" G_GINT64_FORMAT " h %" G_GINT64_FORMAT " min", s / 3600,
                (s % 3600) / 60);
  else
    g_snprintf (days, 24, "%" G_GINT64_FORMAT, s / 86400);
}

static void
check_route (DsnHeaders *h)
{
  char duration[64], days[24], hop_no[16];
  const DsnHop *prev = NULL;
  gint64 worst = 0;
  const DsnHop *slowest = NULL;
  for (guint i = 0; i < h->hops->len; i++) {
    DsnHop *hop = h->hops->pdata[i];
    if (hop->timestamp < 0) {
      prev = NULL;
      continue;
    }
    if (prev) {
      hop->delay = hop->timestamp - prev->timestamp;
      hop->has_delay = TRUE;
      if (hop->delay < -SKEW_SECONDS) {
        human_duration (hop->delay, duration, days);
        g_snprintf (hop_no, sizeof hop_no, "%u", i + 1);
        add_finding (h, "route.clock_skew", "hop", hop_no, "host", hop->by_host, "duration",
                     duration, "days", days[0] ? days : NULL, NULL);
      }
      if (hop->delay > worst) {
        worst = hop->delay;
        slowest = hop;
      }
    }
    prev = hop;
  }
  if (slowest && worst >= SLOW_HOP_SECONDS) {
    h->slowest = slowest;
    guint idx = 0;
    for (guint i = 0; i < h->hops->len; i++)
      if (h->hops->pdata[i] == slowest)
        idx = i + 1;
    human_duration (worst, duration, days);
    g_snprintf (hop_no, sizeof hop_no, "%u", idx);
    add_finding (h, "route.slow_hop", "hop", hop_no, "duration", duration, "days",
                 days[0] ? days : NULL, "previous", ((DsnHop *)h->hops->pdata[idx - 2])->by_host,
                 "next", slowest->by_host, NULL);
  }
}

static void
check_auth (DsnHeaders *h)
{
  const DsnAuthResult *spf = first_result (h, "spf", FALSE);
  const DsnAuthResult *dmarc = first_result (h, "dmarc", FALSE);
  const DsnAuthResult *arc = first_result (h, "arc", FALSE);
  const char *from = h->from_domain;

  if (!h->auth->len) {
    add_finding (h, "auth.none", NULL);
    return;
  }

  /* A mailing list's doing is said as such, not blamed on the author. */
  gboolean list = h->via_list;

  if (spf && strcmp (spf->result, "pass") != 0 && strcmp (spf->result, "none") != 0) {
    gboolean bad = !strcmp (spf->result, "fail") || !strcmp (spf->result, "permerror");
    add_finding (h, bad ? "auth.spf_fail" : "auth.spf_not_pass", "result", spf->result, "domain",
                 spf->domain, NULL);
  } else if (!spf || !strcmp (spf->result, "none")) {
    add_finding (h, "auth.spf_none", "domain", h->mailfrom_domain, NULL);
  }

  /* DKIM: every signature's verdict; alignment of the passing ones. */
  gboolean dkim_aligned = FALSE, dkim_pass = FALSE, dkim_any = FALSE;
  const DsnAuthResult *dkim_unaligned = NULL;
  for (guint i = 0; i < h->auth->len; i++) {
    const DsnAuthResult *a = h->auth->pdata[i];
    if (strcmp (a->method, "dkim") != 0 || strcmp (a->result, "none") == 0)
      continue;
    dkim_any = TRUE;
    if (strcmp (a->result, "pass") == 0) {
      dkim_pass = TRUE;
      if (dsn_domain_aligned (a->domain, from))
        dkim_aligned = TRUE;
      else if (!dkim_unaligned)
        dkim_unaligned = a;
    }
  }
  const DsnAuthResult *d = NULL;
  for (guint i = 0; i < h->auth->len && !d; i++) {
    const DsnAuthResult *a = h->auth->pdata[i];
    if (!strcmp (a->method, "dkim") && strcmp (a->result, "none") != 0)
      d = a;
  }
  if (list && d && !dkim_aligned && strcmp (d->result, "pass") != 0
      && dsn_domain_aligned (d->domain, from)) {
    add_finding (h, "list.dkim_broken", "result", d->result, "domain", d->domain, NULL);
  } else if (dkim_any && !dkim_pass && d) {
    add_finding (h, "auth.dkim_fail", "result", d->result, "domain", d->domain, "reason", d->reason,
                 NULL);
  } else if (!dkim_any) {
    add_finding (h, "auth.dkim_none", NULL);
  }

  gboolean spf_aligned
      = spf && !strcmp (spf->result, "pass") && dsn_domain_aligned (spf->domain, from);
  if (from && dkim_unaligned && !dkim_aligned && !list) {
    DsnFinding *f = add_finding (h, "align.dkim", "signer", dkim_unaligned->domain, "from", from,
                                 "spf_aligned", spf_aligned ? "yes" : NULL, NULL);
    /* DMARC passes all the same when SPF is aligned. */
    if (f && spf_aligned)
      f->severity = DSN_SEVERITY_WARNING;
  }
  if (from && spf && !strcmp (spf->result, "pass") && spf->domain && !spf_aligned
      && !dkim_aligned) {
    add_finding (h, list ? "list.spf_domain" : "align.spf", "domain", spf->domain, "from", from,
                 NULL);
  }
  gboolean dmarc_ok = dkim_aligned || spf_aligned;
  if (dmarc && strcmp (dmarc->result, "pass") != 0 && strcmp (dmarc->result, "none") != 0) {
    if (list)
      add_finding (h, "list.dmarc_fail", "result", dmarc->result, "domain",
                   dmarc->domain ? dmarc->domain : from, "list", h->list, NULL);
    else
      add_finding (h, "auth.dmarc_fail", "result", dmarc->result, "domain",
                   dmarc->domain ? dmarc->domain : from, NULL);
  } else if (!dmarc && from && !dmarc_ok) {
    add_finding (h, "auth.dmarc_would_fail", "from", from, NULL);
  }
  if (arc && !strcmp (arc->result, "pass") && dmarc && !strcmp (dmarc->result, "fail"))
    add_finding (h, "auth.arc_forwarded", NULL);
  if (arc && strcmp (arc->result, "pass") != 0 && strcmp (arc->result, "none") != 0)
    add_finding (h, "auth.arc_fail", "result", arc->result, NULL);
  if (dmarc_ok && spf && !strcmp (spf->result, "pass") && dkim_pass
      && (!dmarc || !strcmp (dmarc->result, "pass")))
    add_finding (h, "auth.ok", NULL);
}

/* ------------------------------------------------------------ entry point */

/* A mailing list (List-Id, RFC 2919; List-Post, RFC 2369) resent the
 * message and broke the author's authentication on the way: an author's
 * DKIM signature that no longer verifies, or a forwarder's ARC seal. A
 * newsletter service writes List-Id too, but signs for the author. */
static gboolean
resent_by_list (DsnHeaders *h, const DsnMimeHeaders *headers)
{
  const char *id = dsn_mime_headers_get (headers, "List-Id");
  if (!id && !dsn_mime_headers_get (headers, "List-Post"))
    return FALSE;
  if (id) {
    /* "Discussion <talk.lists.example.org>": the identifier. */
    const char *lt = strrchr (id, '<');
    g_autofree char *raw = lt ? g_strndup (lt + 1, strcspn (lt + 1, ">")) : g_strdup (id);
    h->list = dsn_text_squeeze (g_steal_pointer (&raw));
    if (!*h->list)
      g_clear_pointer (&h->list, g_free);
  }
  for (guint i = 0; i < h->auth->len; i++) {
    const DsnAuthResult *a = h->auth->pdata[i];
    if (!strcmp (a->method, "arc") && !strcmp (a->result, "pass"))
      return TRUE;
    if (!strcmp (a->method, "dkim") && strcmp (a->result, "pass") && strcmp (a->result, "none")
        && dsn_domain_aligned (a->domain, h->from_domain))
      return TRUE;
  }
  return FALSE;
}

static void
set_verdict (DsnHeaders *h)
{
  DsnSeverity worst = DSN_SEVERITY_OK;
  const DsnFinding *first = NULL;
  for (guint i = 0; i < h->findings->len; i++) {
    const DsnFinding *f = h->findings->pdata[i];
    if (f->severity > worst || !first) {
      if (f->severity >= worst)
        first = f;
      worst = MAX (worst, f->severity);
    }
  }
  h->worst = worst;
  /* Why it went to spam leads, whatever else was found. */
  if (h->why)
    first = h->why;
  h->verdict = first ? g_strdup (first->def->code) : NULL;
}

DsnHeaders *
dsn_headers_analyze (const DsnMimeHeaders *headers)
{
  guint n = dsn_mime_headers_count (headers);
  DsnHeaders *h = headers_new ();
  gboolean any = FALSE;
  /* Received fields are prepended by each hop: the last one is the first hop. */
  for (guint i = n; i > 0; i--) {
    DsnMimeField *hd = dsn_mime_headers_at (headers, i - 1);
    if (dsn_mime_field_is (hd, "Received")) {
      const char *value = dsn_mime_field_value (hd);
      g_autofree char *v = dsn_text_squeeze (g_strdup (value));
      g_ptr_array_add (h->hops, dsn_headers_parse_received (v, TRUE));
      any = TRUE;
    }
  }
  /* Topmost first: the receiving server's verdicts come before any older
   * ones carried along by forwarding. Received-SPF counts only when no
   * Authentication-Results gave SPF, ARC-Authentication-Results (a
   * forwarder's record) only when there is nothing else. */
  static const char *const passes[]
      = { "Authentication-Results", "Received-SPF", "ARC-Authentication-Results" };
  for (gsize pass = 0; pass < G_N_ELEMENTS (passes); pass++) {
    if (pass == 1 && first_result (h, "spf", FALSE))
      continue;
    if (pass == 2 && h->auth->len)
      continue;
    for (guint i = 0; i < n; i++) {
      DsnMimeField *hd = dsn_mime_headers_at (headers, i);
      if (!dsn_mime_field_is (hd, passes[pass]))
        continue;
      const char *value = dsn_mime_field_value (hd);
      any = TRUE;
      if (pass == 0) {
        dsn_headers_parse_authres (h, value);
      } else if (pass == 1) {
        parse_received_spf (h, value);
      } else {
        /* "i=N; authserv-id; ..." */
        const char *semi = strchr (value, ';');
        if (semi)
          dsn_headers_parse_authres (h, semi + 1);
      }
    }
  }
  const char *from = dsn_mime_headers_get (headers, "From");
  if (from) {
    g_autofree char *addr = dsn_text_find_address (from);
    h->from_domain = domain_of (addr ? addr : from);
  }
  const DsnAuthResult *spf = first_result (h, "spf", FALSE);
  if (spf && spf->domain)
    h->mailfrom_domain = g_strdup (spf->domain);
  else {
    const char *rp = dsn_mime_headers_get (headers, "Return-Path");
    g_autofree char *addr = rp ? dsn_text_find_address (rp) : NULL;
    h->mailfrom_domain = domain_of (addr);
  }
  if (!any) {
    dsn_headers_free (h);
    return NULL;
  }
  h->via_list = resent_by_list (h, headers);
  check_auth (h);
  check_route (h);
  if (h->results_cut) {
    char count[16], limit[16];
    g_snprintf (count, sizeof count, "%u", h->results_cut);
    g_snprintf (limit, sizeof limit, "%u", MAX_FIELD_RESULTS);
    add_finding (h, "auth.results_cut", "count", count, "limit", limit, NULL);
  }
  dsn_headers_check_spam (h, headers);
  set_verdict (h);
  return h;
}

/* ------------------------------------------------------------ JSON */

/* From the first dated hop to the last; FALSE when unknown. */
static gboolean
transit (const DsnHeaders *h, gint64 *seconds)
{
  gint64 first = -1, last = -1;
  for (guint i = 0; i < h->hops->len; i++) {
    const DsnHop *hop = h->hops->pdata[i];
    if (hop->timestamp >= 0) {
      if (first < 0)
        first = hop->timestamp;
      last = hop->timestamp;
    }
  }
  if (first < 0 || last < first)
    return FALSE;
  *seconds = last - first;
  return TRUE;
}

/* Alignment applies to SPF's and DKIM's domains only (RFC 7489 §3.1). */
static gboolean
aligned (const DsnHeaders *h, const DsnAuthResult *a, gboolean *is_aligned)
{
  if (!a->domain || !h->from_domain
      || (strcmp (a->method, "spf") != 0 && strcmp (a->method, "dkim") != 0))
    return FALSE;
  *is_aligned = dsn_domain_aligned (a->domain, h->from_domain);
  return TRUE;
}

void
dsn_headers_to_json (const DsnHeaders *h, DsnJson *b, const char *lang)
{
  dsn_json_begin_object (b);
  dsn_json_member (b, "from_domain", h->from_domain);
  dsn_json_member (b, "mailfrom_domain", h->mailfrom_domain);
  dsn_json_member (b, "severity", dsn_severity_to_string (h->worst));
  dsn_json_member (b, "verdict", h->verdict);
  dsn_json_set_member_name (b, "transit_seconds");
  gint64 transit_seconds;
  if (transit (h, &transit_seconds))
    dsn_json_add_int_value (b, transit_seconds);
  else
    dsn_json_add_null_value (b);
  dsn_json_set_member_name (b, "hops");
  dsn_json_begin_array (b);
  for (guint i = 0; i < h->hops->len; i++) {
    const DsnHop *hop = h->hops->pdata[i];
    dsn_json_begin_object (b);
    dsn_json_member (b, "from_host", hop->from_host);
    dsn_json_member (b, "from_ip", hop->from_ip);
    dsn_json_member (b, "by_host", hop->by_host);
    dsn_json_member (b, "with", hop->with);
    dsn_json_member (b, "id", hop->id);
    dsn_json_member (b, "date", hop->date);
    dsn_json_set_member_name (b, "delay_seconds");
    if (hop->has_delay)
      dsn_json_add_int_value (b, hop->delay);
    else
      dsn_json_add_null_value (b);
    dsn_json_set_member_name (b, "slowest");
    dsn_json_add_boolean_value (b, hop == h->slowest);
    dsn_json_end_object (b);
  }
  dsn_json_end_array (b);
  dsn_json_set_member_name (b, "authentication");
  dsn_json_begin_array (b);
  for (guint i = 0; i < h->auth->len; i++) {
    const DsnAuthResult *a = h->auth->pdata[i];
    dsn_json_begin_object (b);
    dsn_json_member (b, "method", a->method);
    dsn_json_member (b, "result", a->result);
    dsn_json_member (b, "domain", a->domain);
    dsn_json_set_member_name (b, "aligned");
    gboolean is_aligned;
    if (aligned (h, a, &is_aligned))
      dsn_json_add_boolean_value (b, is_aligned);
    else
      dsn_json_add_null_value (b);
    dsn_json_member (b, "reason", a->reason);
    dsn_json_member (b, "authserv", a->authserv);
    dsn_json_member (b, "policy", a->policy);
    dsn_json_member (b, "disposition", a->disposition);
    dsn_json_set_member_name (b, "properties");
    dsn_json_begin_array (b);
    for (guint j = 0; j < a->props->len; j++)
      dsn_json_add_string_value (b, a->props->pdata[j]);
    dsn_json_end_array (b);
    dsn_json_end_object (b);
  }
  dsn_json_end_array (b);
  dsn_json_set_member_name (b, "spam");
  dsn_json_begin_array (b);
  for (guint i = 0; i < h->spam->len; i++)
    dsn_json_add_string_value (b, h->spam->pdata[i]);
  dsn_json_end_array (b);
  dsn_json_set_member_name (b, "signals");
  dsn_json_begin_array (b);
  for (guint i = 0; i < h->signals->len; i++) {
    const DsnFinding *f = h->signals->pdata[i];
    dsn_json_begin_object (b);
    dsn_json_member (b, "code", dsn_finding_get_code (f));
    dsn_json_member (b, "severity", dsn_severity_to_string (f->severity));
    dsn_json_member (b, "text", dsn_finding_get_message (f, lang));
    /* What the filter wrote (its name, score, action, tests), for scripts. */
    dsn_json_set_member_name (b, "details");
    dsn_finding_write_details (f, b, lang);
    dsn_json_end_object (b);
  }
  dsn_json_end_array (b);
  dsn_json_set_member_name (b, "findings");
  dsn_json_begin_array (b);
  for (guint i = 0; i < h->findings->len; i++) {
    const DsnFinding *f = h->findings->pdata[i];
    dsn_json_begin_object (b);
    dsn_json_member (b, "code", dsn_finding_get_code (f));
    dsn_json_member (b, "severity", dsn_severity_to_string (f->severity));
    dsn_json_member (b, "text", dsn_finding_get_message (f, lang));
    dsn_json_member (b, "advice", dsn_finding_get_advice (f, lang));
    dsn_json_end_object (b);
  }
  dsn_json_end_array (b);
  dsn_json_end_object (b);
}

/* ------------------------------------------------------------ getters */

guint
dsn_report_get_n_header_findings (const DsnReport *rep)
{
  g_return_val_if_fail (rep, 0);
  return rep->headers ? rep->headers->findings->len : 0;
}

const DsnFinding *
dsn_report_get_header_finding (const DsnReport *rep, guint i)
{
  g_return_val_if_fail (rep && i < dsn_report_get_n_header_findings (rep), NULL);
  return rep->headers->findings->pdata[i];
}

const char *
dsn_report_get_header_finding_code (const DsnReport *rep, guint i)
{
  const DsnFinding *f = dsn_report_get_header_finding (rep, i);
  return f ? dsn_finding_get_code (f) : NULL;
}

const char *
dsn_report_get_header_finding_text (const DsnReport *rep, guint i, const char *lang)
{
  const DsnFinding *f = dsn_report_get_header_finding (rep, i);
  return f ? dsn_finding_get_message (f, lang) : NULL;
}

const char *
dsn_report_get_header_finding_advice (const DsnReport *rep, guint i, const char *lang)
{
  const DsnFinding *f = dsn_report_get_header_finding (rep, i);
  return f ? dsn_finding_get_advice (f, lang) : NULL;
}

const char *
dsn_report_get_header_finding_severity (const DsnReport *rep, guint i)
{
  g_return_val_if_fail (rep && i < dsn_report_get_n_header_findings (rep), NULL);
  return dsn_severity_to_string (dsn_finding_get_severity (rep->headers->findings->pdata[i]));
}

const char *
dsn_report_get_header_severity (const DsnReport *rep)
{
  g_return_val_if_fail (rep, NULL);
  return rep->headers ? dsn_severity_to_string (rep->headers->worst) : NULL;
}

const char *
dsn_report_get_header_verdict (const DsnReport *rep)
{
  g_return_val_if_fail (rep, NULL);
  return rep->headers ? rep->headers->verdict : NULL;
}

const char *
dsn_report_get_header_from_domain (const DsnReport *rep)
{
  g_return_val_if_fail (rep, NULL);
  return rep->headers ? rep->headers->from_domain : NULL;
}

const char *
dsn_report_get_header_mailfrom_domain (const DsnReport *rep)
{
  g_return_val_if_fail (rep, NULL);
  return rep->headers ? rep->headers->mailfrom_domain : NULL;
}

gboolean
dsn_report_get_header_transit (const DsnReport *rep, gint64 *seconds)
{
  g_return_val_if_fail (rep && seconds, FALSE);
  return rep->headers && transit (rep->headers, seconds);
}

guint
dsn_report_get_n_hops (const DsnReport *rep)
{
  g_return_val_if_fail (rep, 0);
  return rep->headers ? rep->headers->hops->len : 0;
}

static const DsnHop *
get_hop (const DsnReport *rep, guint i)
{
  g_return_val_if_fail (rep && i < dsn_report_get_n_hops (rep), NULL);
  return rep->headers->hops->pdata[i];
}

const char *
dsn_report_get_hop_from_host (const DsnReport *rep, guint i)
{
  const DsnHop *hop = get_hop (rep, i);
  return hop ? hop->from_host : NULL;
}

const char *
dsn_report_get_hop_from_ip (const DsnReport *rep, guint i)
{
  const DsnHop *hop = get_hop (rep, i);
  return hop ? hop->from_ip : NULL;
}

const char *
dsn_report_get_hop_by_host (const DsnReport *rep, guint i)
{
  const DsnHop *hop = get_hop (rep, i);
  return hop ? hop->by_host : NULL;
}

const char *
dsn_report_get_hop_protocol (const DsnReport *rep, guint i)
{
  const DsnHop *hop = get_hop (rep, i);
  return hop ? hop->with : NULL;
}

gboolean
dsn_report_get_hop_delay (const DsnReport *rep, guint i, gint64 *seconds)
{
  g_return_val_if_fail (seconds, FALSE);
  const DsnHop *hop = get_hop (rep, i);
  if (!hop || !hop->has_delay)
    return FALSE;
  *seconds = hop->delay;
  return TRUE;
}

gboolean
dsn_report_get_hop_slowest (const DsnReport *rep, guint i)
{
  const DsnHop *hop = get_hop (rep, i);
  return hop && hop == rep->headers->slowest;
}

guint
dsn_report_get_n_auth_results (const DsnReport *rep)
{
  g_return_val_if_fail (rep, 0);
  return rep->headers ? rep->headers->auth->len : 0;
}

static const DsnAuthResult *
get_auth (const DsnReport *rep, guint i)
{
  g_return_val_if_fail (rep && i < dsn_report_get_n_auth_results (rep), NULL);
  return rep->headers->auth->pdata[i];
}

const char *
dsn_report_get_auth_method (const DsnReport *rep, guint i)
{
  const DsnAuthResult *a = get_auth (rep, i);
  return a ? a->method : NULL;
}

const char *
dsn_report_get_auth_result (const DsnReport *rep, guint i)
{
  const DsnAuthResult *a = get_auth (rep, i);
  return a ? a->result : NULL;
}

const char *
dsn_report_get_auth_domain (const DsnReport *rep, guint i)
{
  const DsnAuthResult *a = get_auth (rep, i);
  return a ? a->domain : NULL;
}

const char *
dsn_report_get_auth_authserv (const DsnReport *rep, guint i)
{
  const DsnAuthResult *a = get_auth (rep, i);
  return a ? a->authserv : NULL;
}

gboolean
dsn_report_get_auth_aligned (const DsnReport *rep, guint i, gboolean *is_aligned)
{
  g_return_val_if_fail (is_aligned, FALSE);
  const DsnAuthResult *a = get_auth (rep, i);
  return a && aligned (rep->headers, a, is_aligned);
}

guint
dsn_report_get_n_spam_verdicts (const DsnReport *rep)
{
  g_return_val_if_fail (rep, 0);
  return rep->headers ? rep->headers->spam->len : 0;
}

const char *
dsn_report_get_spam_verdict (const DsnReport *rep, guint i)
{
  g_return_val_if_fail (rep && i < dsn_report_get_n_spam_verdicts (rep), NULL);
  return rep->headers->spam->pdata[i];
}

guint
dsn_report_get_n_spam_signals (const DsnReport *rep)
{
  g_return_val_if_fail (rep, 0);
  return rep->headers ? rep->headers->signals->len : 0;
}

const DsnFinding *
dsn_report_get_spam_signal (const DsnReport *rep, guint i)
{
  g_return_val_if_fail (rep && i < dsn_report_get_n_spam_signals (rep), NULL);
  return rep->headers->signals->pdata[i];
}
