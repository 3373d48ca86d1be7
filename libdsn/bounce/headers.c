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
  g_ptr_array_unref (h->findings);
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
  h->findings = g_ptr_array_new_with_free_func ((GDestroyNotify)dsn_finding_free);
  return h;
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

static char *
bracket_ip (const char *s, const char *end)
{
  for (const char *p = s; p < end; p++) {
    if (*p != '[')
      continue;
    const char *close = memchr (p, ']', end - p);
    if (!close)
      return NULL;
    const char *ip = p + 1;
    if (dsn_has_prefix_ci (ip, "IPv6:"))
      ip += 5;
    g_autofree char *cand = g_strndup (ip, close - ip);
    g_autoptr (GInetAddress) a = g_inet_address_new_from_string (cand);
    if (a)
      return g_steal_pointer (&cand);
    p = close;
  }
  return NULL;
}

DsnHop *
dsn_headers_parse_received (const char *value, gboolean with_date)
{
  DsnHop *h = g_new0 (DsnHop, 1);
  h->timestamp = -1;
  const char *semi = strrchr (value, ';');
  if (semi) {
    h->date = g_strstrip (g_strdup (semi + 1));
    /* Parsing dates is the costly part: only when delays are wanted. */
    g_autoptr (GDateTime) dt = with_date ? g_mime_utils_header_decode_date (h->date) : NULL;
    if (dt)
      h->timestamp = g_date_time_to_unix (dt);
  }
  g_autofree char *clause = semi ? g_strndup (value, semi - value) : g_strdup (value);
  const char *by = dsn_strcasestr (clause, " by ");
  if (!by && dsn_has_prefix_ci (clause, "by "))
    by = clause;
  const char *from_end = by ? by : clause + strlen (clause);
  /* "from" clause: "from HELO (rdns [IP])" */
  if (dsn_has_prefix_ci (clause, "from ")) {
    h->from_host = word_after (clause, "from");
    h->from_ip = bracket_ip (clause, from_end);
    /* Some MTAs write the address bare: "from 192.0.2.1 by ..." */
    if (!h->from_ip && h->from_host) {
      g_autoptr (GInetAddress) a = g_inet_address_new_from_string (h->from_host);
      if (a)
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

static void
add_auth (DsnHeaders *h, const char *authserv, const char *resinfo)
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
  g_ptr_array_add (h->auth, a);
}

void
dsn_headers_parse_authres (DsnHeaders *h, const char *value)
{
  g_autofree char *clean = dsn_headers_strip_comments (value);
  g_autoptr (GPtrArray) parts = split_semicolons (clean);
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
  for (guint i = first; i < parts->len; i++) {
    const char *r = parts->pdata[i];
    if (g_ascii_strcasecmp (r, "none") == 0)
      continue;
    add_auth (h, authserv, r);
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
  if (dkim_any && !dkim_pass && d) {
    add_finding (h, "auth.dkim_fail", "result", d->result, "domain", d->domain, "reason", d->reason,
                 NULL);
  } else if (!dkim_any) {
    add_finding (h, "auth.dkim_none", NULL);
  }

  gboolean spf_aligned
      = spf && !strcmp (spf->result, "pass") && dsn_domain_aligned (spf->domain, from);
  if (from && dkim_unaligned && !dkim_aligned) {
    DsnFinding *f = add_finding (h, "align.dkim", "signer", dkim_unaligned->domain, "from", from,
                                 "spf_aligned", spf_aligned ? "yes" : NULL, NULL);
    /* DMARC passes all the same when SPF is aligned. */
    if (f && spf_aligned)
      f->severity = DSN_SEVERITY_WARNING;
  }
  if (from && spf && !strcmp (spf->result, "pass") && spf->domain && !spf_aligned
      && !dkim_aligned) {
    add_finding (h, "align.spf", "domain", spf->domain, "from", from, NULL);
  }
  gboolean dmarc_ok = dkim_aligned || spf_aligned;
  if (dmarc && strcmp (dmarc->result, "pass") != 0 && strcmp (dmarc->result, "none") != 0) {
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

/* ------------------------------------------------------------ spam verdicts */

static void
spam_add (DsnHeaders *h, const char *name, const char *value)
{
  g_autofree char *v = g_strdup (value);
  g_ptr_array_add (h->spam, g_strdup_printf ("%s: %s", name, dsn_text_squeeze (v)));
}

/* "SCL:5" inside a ';'-separated Microsoft report. */
static int
ms_field_int (const char *report, const char *field)
{
  const char *p = dsn_strcasestr (report, field);
  if (!p)
    return -1;
  p += strlen (field);
  return g_ascii_isdigit (*p) || *p == '-' ? atoi (p) : -1;
}

static void
check_spam (DsnHeaders *h, GMimeHeaderList *list)
{
  gboolean flagged = FALSE;
  const char *why = NULL;
  int n = g_mime_header_list_get_count (list);
  for (int i = 0; i < n; i++) {
    GMimeHeader *hd = g_mime_header_list_get_header_at (list, i);
    const char *name = g_mime_header_get_name (hd);
    const char *value = g_mime_header_get_value (hd);
    if (!value)
      continue;
    if (!g_ascii_strcasecmp (name, "X-Spam-Status") || !g_ascii_strcasecmp (name, "X-Spam-Flag")
        || !g_ascii_strcasecmp (name, "X-Spam-Score") || !g_ascii_strcasecmp (name, "X-Spam-Level")
        || !g_ascii_strcasecmp (name, "X-Spam") || !g_ascii_strcasecmp (name, "X-Rspamd-Score")
        || !g_ascii_strcasecmp (name, "X-Spamd-Result")
        || !g_ascii_strcasecmp (name, "X-Spam-Verdict")) {
      spam_add (h, name, value);
      const char *v = value;
      while (g_ascii_isspace (*v))
        v++;
      if ((!g_ascii_strcasecmp (name, "X-Spam-Status") || !g_ascii_strcasecmp (name, "X-Spam-Flag")
           || !g_ascii_strcasecmp (name, "X-Spam"))
          && dsn_has_prefix_ci (v, "yes")) {
        flagged = TRUE;
        why = name;
      }
    } else if (!g_ascii_strcasecmp (name, "X-Forefront-Antispam-Report")
               || !g_ascii_strcasecmp (name, "X-MS-Exchange-Organization-SCL")
               || !g_ascii_strcasecmp (name, "X-Microsoft-Antispam")) {
      spam_add (h, name, value);
      int scl = !g_ascii_strcasecmp (name, "X-MS-Exchange-Organization-SCL")
                    ? atoi (value)
                    : ms_field_int (value, "SCL:");
      /* SCL 5-9: junk (Microsoft's spam confidence level); SFV:SPM: spam verdict. */
      if (scl >= 5 || dsn_strcasestr (value, "SFV:SPM")) {
        flagged = TRUE;
        why = name;
      }
    }
  }
  if (flagged)
    add_finding (h, "spam.flagged", "header", why, NULL);
}

/* ------------------------------------------------------------ entry point */

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
  h->verdict = first ? g_strdup (first->def->code) : NULL;
}

DsnHeaders *
dsn_headers_analyze (GMimeObject *message)
{
  GMimeHeaderList *list = g_mime_object_get_header_list (message);
  int n = g_mime_header_list_get_count (list);
  DsnHeaders *h = headers_new ();
  gboolean any = FALSE;
  /* Received fields are prepended by each hop: the last one is the first hop. */
  for (int i = n - 1; i >= 0; i--) {
    GMimeHeader *hd = g_mime_header_list_get_header_at (list, i);
    const char *name = g_mime_header_get_name (hd);
    const char *value = g_mime_header_get_value (hd);
    if (!value)
      continue;
    if (!g_ascii_strcasecmp (name, "Received")) {
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
    for (int i = 0; i < n; i++) {
      GMimeHeader *hd = g_mime_header_list_get_header_at (list, i);
      const char *value = g_mime_header_get_value (hd);
      if (!value || g_ascii_strcasecmp (g_mime_header_get_name (hd), passes[pass]) != 0)
        continue;
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
  const char *from = g_mime_object_get_header (message, "From");
  if (from) {
    g_autofree char *addr = dsn_text_find_address (from);
    h->from_domain = domain_of (addr ? addr : from);
  }
  const DsnAuthResult *spf = first_result (h, "spf", FALSE);
  if (spf && spf->domain)
    h->mailfrom_domain = g_strdup (spf->domain);
  else {
    const char *rp = g_mime_object_get_header (message, "Return-Path");
    g_autofree char *addr = rp ? dsn_text_find_address (rp) : NULL;
    h->mailfrom_domain = domain_of (addr);
  }
  if (!any) {
    dsn_headers_free (h);
    return NULL;
  }
  check_auth (h);
  check_route (h);
  check_spam (h, list);
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
