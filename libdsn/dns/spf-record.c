/* SPF records: the parser (RFC 7208 §4.6 and the ABNF of §12) and the macro
 * expander (§7). No I/O here, so both can be fuzzed on their own.
 *
 * The whole record is parsed before anything is evaluated: a syntax error
 * anywhere is a permerror even if an earlier term would match (§4.6).
 *
 * SPDX-License-Identifier: BSD-2-Clause */
#include "dns.h"

#include <arpa/inet.h>
#include <string.h>

static void
term_free (DsnSpfTerm *t)
{
  g_free (t->text);
  g_free (t->name);
  g_free (t->domain_spec);
  g_free (t->value);
  g_free (t);
}

void
dsn_spf_record_free (DsnSpfRecord *rec)
{
  if (!rec)
    return;
  g_free (rec->text);
  g_ptr_array_unref (rec->terms);
  dsn_finding_free (rec->error);
  g_free (rec);
}

gboolean
dsn_spf_is_record (const char *text, gsize len)
{
  return len >= 6 && g_ascii_strncasecmp (text, "v=spf1", 6) == 0 && (len == 6 || text[6] == ' ');
}

gboolean
dsn_spf_term_counts (const DsnSpfTerm *t)
{
  switch (t->kind) {
  case DSN_SPF_INCLUDE:
  case DSN_SPF_A:
  case DSN_SPF_MX:
  case DSN_SPF_PTR:
  case DSN_SPF_EXISTS:
  case DSN_SPF_REDIRECT: return TRUE;
  default: return FALSE;
  }
}

/* ------------------------------------------------------------ macro syntax */

static gboolean
is_delimiter (char c)
{
  return c && strchr (".-+,/_=", c) != NULL;
}

/* Reads one macro-expand at S (which points at '%'). Returns its length, or
 * 0 if invalid. Sets *LETTER to the macro letter (0 for %%, %_, %-). */
static gsize
macro_token (const char *s, gboolean explanation, char *letter)
{
  *letter = 0;
  if (s[1] == '%' || s[1] == '_' || s[1] == '-')
    return 2;
  if (s[1] != '{')
    return 0;
  char l = g_ascii_tolower (s[2]);
  if (!l || !strchr (explanation ? "slodiphcrtv" : "slodiphv", l))
    return 0;
  const char *p = s + 3;
  gboolean digits = FALSE;
  if (g_ascii_isdigit (*p)) {
    if (*p == '0')
      return 0; /* "If a DIGIT is specified, the value MUST be nonzero" (§7.3) */
    digits = TRUE;
    while (g_ascii_isdigit (*p))
      p++;
  }
  (void)digits;
  if (*p == 'r' || *p == 'R')
    p++;
  while (is_delimiter (*p))
    p++;
  if (*p != '}')
    return 0;
  *letter = s[2];
  return (gsize)(p + 1 - s);
}

gboolean
dsn_spf_macro_valid (const char *s, gboolean explanation)
{
  for (const char *p = s; *p;) {
    guchar c = (guchar)*p;
    if (c == '%') {
      char letter;
      gsize n = macro_token (p, explanation, &letter);
      if (!n)
        return FALSE;
      p += n;
    } else if ((c >= 0x21 && c <= 0x7e) || (explanation && c == ' ')) {
      p++;
    } else {
      return FALSE;
    }
  }
  return TRUE;
}

static gboolean
is_alnum (char c)
{
  return g_ascii_isalnum (c);
}

/* toplabel = ( *alphanum ALPHA *alphanum ) / ( 1*alphanum "-" *( alphanum / "-" ) alphanum ) */
static gboolean
toplabel_ok (const char *s, gsize n)
{
  if (n == 0)
    return FALSE;
  gboolean alpha = FALSE, dash = FALSE;
  for (gsize i = 0; i < n; i++) {
    if (g_ascii_isalpha (s[i]))
      alpha = TRUE;
    else if (s[i] == '-')
      dash = TRUE;
    else if (!is_alnum (s[i]))
      return FALSE;
  }
  if (!dash)
    return alpha;
  return is_alnum (s[0]) && is_alnum (s[n - 1]);
}

/* domain-spec = macro-string domain-end; *WHY is what is wrong, a code of
 * the catalogue.
 *
 * domain-end = ( "." toplabel [ "." ] ) / macro-expand (§7.1) */
static gboolean
domain_spec_ok (const char *s, const char **why)
{
  if (!*s) {
    *why = "spf_syntax.empty_domain";
    return FALSE;
  }
  if (!dsn_spf_macro_valid (s, FALSE)) {
    *why = "spf_syntax.bad_macro";
    return FALSE;
  }
  /* Find where the trailing literal run starts (after the last macro). */
  const char *lit = s;
  gboolean ends_with_macro = FALSE;
  for (const char *p = s; *p;) {
    if (*p == '%') {
      char letter;
      gsize n = macro_token (p, FALSE, &letter);
      p += n;
      lit = p;
      ends_with_macro = TRUE;
    } else {
      p++;
      ends_with_macro = FALSE;
    }
  }
  if (ends_with_macro)
    return TRUE;
  gsize n = strlen (lit);
  if (n && lit[n - 1] == '.')
    n--;
  const char *dot = g_strrstr_len (lit, (gssize)n, ".");
  if (!dot || !toplabel_ok (dot + 1, (gsize)(lit + n - dot - 1))) {
    *why = "spf_syntax.bad_top_label";
    return FALSE;
  }
  return TRUE;
}

/* ------------------------------------------------------------ terms */

/* "/" 1*DIGIT without leading zero, at most MAX. Returns the value or -1. */
static int
parse_cidr (const char *s, gsize n, int max)
{
  if (n == 0 || n > 3 || (n > 1 && s[0] == '0'))
    return -1;
  int v = 0;
  for (gsize i = 0; i < n; i++) {
    if (!g_ascii_isdigit (s[i]))
      return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v <= max ? v : -1;
}

/* Splits a dual-cidr-length off the end of ARG (a/mx). Returns FALSE if a
 * cidr is present but invalid. *LEN is shortened to what remains. */
static gboolean
split_dual_cidr (const char *arg, gsize *len, int *cidr4, int *cidr6)
{
  *cidr4 = *cidr6 = -1;
  gsize n = *len;
  /* trailing "/" 1*DIGIT, possibly preceded by another "/" (ip6) */
  gsize d = n;
  while (d > 0 && g_ascii_isdigit (arg[d - 1]))
    d--;
  if (d < n && d > 0 && arg[d - 1] == '/') {
    if (d > 1 && arg[d - 2] == '/') {
      *cidr6 = parse_cidr (arg + d, n - d, 128);
      if (*cidr6 < 0)
        return FALSE;
      n = d - 2;
      /* and maybe an ip4 one before it */
      d = n;
      while (d > 0 && g_ascii_isdigit (arg[d - 1]))
        d--;
      if (d < n && d > 0 && arg[d - 1] == '/') {
        *cidr4 = parse_cidr (arg + d, n - d, 32);
        if (*cidr4 < 0)
          return FALSE;
        n = d - 1;
      }
    } else {
      *cidr4 = parse_cidr (arg + d, n - d, 32);
      if (*cidr4 < 0)
        return FALSE;
      n = d - 1;
    }
  }
  *len = n;
  return TRUE;
}

static gboolean
name_char (char c)
{
  return g_ascii_isalnum (c) || c == '-' || c == '_' || c == '.';
}

/* TERM's domain-spec is wrong: WHY, a code. */
static DsnFinding *
bad_domain (const char *term, const char *why)
{
  g_autoptr (GPtrArray) args = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (DsnFinding) reason = dsn_finding_newv (why, NULL);
  g_ptr_array_add (args, g_strdup ("term"));
  g_ptr_array_add (args, g_strdup (term));
  dsn_args_add_text (args, "reason", reason);
  return dsn_finding_new ("spf_syntax.domain_spec", g_steal_pointer (&args));
}

/* Parses one term. Returns NULL and sets *ERROR on a syntax error. */
static DsnSpfTerm *
parse_term (const char *s, gsize n, DsnFinding **error)
{
  g_autoptr (GString) text = g_string_new_len (s, (gssize)n);
  DsnSpfTerm *t = g_new0 (DsnSpfTerm, 1);
  t->text = g_strdup (text->str);
  t->cidr4 = t->cidr6 = -1;
  t->qualifier = '+';

  /* modifier = name "=" ...; name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." ) */
  gsize i = 0;
  if (g_ascii_isalpha (s[0])) {
    while (i < n && name_char (s[i]))
      i++;
    if (i < n && s[i] == '=') {
      t->name = g_ascii_strdown (s, (gssize)i);
      const char *val = s + i + 1;
      g_autofree char *value = g_strndup (val, n - i - 1);
      const char *why = NULL;
      if (!strcmp (t->name, "redirect") || !strcmp (t->name, "exp")) {
        t->kind = !strcmp (t->name, "redirect") ? DSN_SPF_REDIRECT : DSN_SPF_EXP;
        if (!domain_spec_ok (value, &why)) {
          *error = bad_domain (t->text, why);
          goto bad;
        }
        t->domain_spec = g_steal_pointer (&value);
      } else {
        t->kind = DSN_SPF_UNKNOWN_MODIFIER;
        if (!dsn_spf_macro_valid (value, TRUE) || strchr (value, ' ')) {
          *error = dsn_finding_newv ("spf_syntax.modifier_macro", "term", t->text, NULL);
          goto bad;
        }
        t->value = g_steal_pointer (&value);
      }
      goto done;
    }
  }

  /* mechanism = [ qualifier ] name [ ":" ... ] [ cidr ] */
  i = 0;
  if (n && strchr ("+-~?", s[0])) {
    t->qualifier = s[0];
    i = 1;
  }
  gsize start = i;
  while (i < n && g_ascii_isalnum (s[i]))
    i++;
  t->name = g_ascii_strdown (s + start, (gssize)(i - start));
  const char *rest = s + i;
  gsize rest_len = n - i;
  static const struct {
    const char *name;
    DsnSpfTermKind kind;
  } mechs[] = {
    { "all", DSN_SPF_ALL }, { "include", DSN_SPF_INCLUDE }, { "a", DSN_SPF_A },
    { "mx", DSN_SPF_MX },   { "ptr", DSN_SPF_PTR },         { "ip4", DSN_SPF_IP4 },
    { "ip6", DSN_SPF_IP6 }, { "exists", DSN_SPF_EXISTS },
  };
  gboolean known = FALSE;
  for (gsize k = 0; k < G_N_ELEMENTS (mechs); k++)
    if (!strcmp (t->name, mechs[k].name)) {
      t->kind = mechs[k].kind;
      known = TRUE;
    }
  if (!known || (rest_len && rest[0] != ':' && rest[0] != '/')) {
    *error = dsn_finding_newv ("spf_syntax.unknown_mechanism", "term", t->text, NULL);
    goto bad;
  }
  gboolean colon = rest_len && rest[0] == ':';
  const char *arg = colon ? rest + 1 : rest;
  gsize arg_len = colon ? rest_len - 1 : rest_len;
  const char *why = NULL;
  switch (t->kind) {
  case DSN_SPF_ALL:
    if (rest_len) {
      *error = dsn_finding_newv ("spf_syntax.all_argument", "term", t->text, NULL);
      goto bad;
    }
    break;
  case DSN_SPF_INCLUDE:
  case DSN_SPF_EXISTS:
  case DSN_SPF_PTR: {
    gboolean required = t->kind != DSN_SPF_PTR;
    if ((required && !colon) || (rest_len && !colon)) {
      *error = dsn_finding_newv ("spf_syntax.expected_domain", "term", t->text, "mechanism",
                                 t->name, NULL);
      goto bad;
    }
    if (colon) {
      g_autofree char *spec = g_strndup (arg, arg_len);
      if (!domain_spec_ok (spec, &why)) {
        *error = bad_domain (t->text, why);
        goto bad;
      }
      t->domain_spec = g_steal_pointer (&spec);
    }
    break;
  }
  case DSN_SPF_A:
  case DSN_SPF_MX: {
    gsize len = arg_len;
    if (!split_dual_cidr (arg, &len, &t->cidr4, &t->cidr6)) {
      *error = dsn_finding_newv ("spf_syntax.prefix_length", "term", t->text, NULL);
      goto bad;
    }
    if (colon) {
      g_autofree char *spec = g_strndup (arg, len);
      if (!domain_spec_ok (spec, &why)) {
        *error = bad_domain (t->text, why);
        goto bad;
      }
      t->domain_spec = g_steal_pointer (&spec);
    } else if (len) {
      *error = dsn_finding_newv ("spf_syntax.prefix_length", "term", t->text, NULL);
      goto bad;
    }
    break;
  }
  case DSN_SPF_IP4:
  case DSN_SPF_IP6: {
    gboolean v4 = t->kind == DSN_SPF_IP4;
    if (!colon) {
      *error = dsn_finding_newv ("spf_syntax.expected_address", "term", t->text, NULL);
      goto bad;
    }
    const char *slash = memchr (arg, '/', arg_len);
    gsize alen = slash ? (gsize)(slash - arg) : arg_len;
    g_autofree char *addr = g_strndup (arg, alen);
    if (inet_pton (v4 ? AF_INET : AF_INET6, addr, t->network) != 1) {
      *error = dsn_finding_newv ("spf_syntax.bad_address", "term", t->text, "family",
                                 v4 ? "IPv4" : "IPv6", NULL);
      goto bad;
    }
    if (slash) {
      int c = parse_cidr (slash + 1, arg_len - alen - 1, v4 ? 32 : 128);
      if (c < 0) {
        *error = dsn_finding_newv ("spf_syntax.prefix_length", "term", t->text, NULL);
        goto bad;
      }
      if (v4)
        t->cidr4 = c;
      else
        t->cidr6 = c;
    }
    break;
  }
  default: break;
  }
done:
  if (t->domain_spec) {
    t->has_macros = strstr (t->domain_spec, "%{") != NULL;
    for (const char *p = t->domain_spec; (p = strstr (p, "%{")); p += 2)
      if (p[2] == 'p' || p[2] == 'P')
        t->uses_p = TRUE;
  }
  return t;
bad:
  term_free (t);
  return NULL;
}

DsnSpfRecord *
dsn_spf_record_parse (const char *text, gsize len)
{
  DsnSpfRecord *rec = g_new0 (DsnSpfRecord, 1);
  rec->text = g_strndup (text, len);
  rec->terms = g_ptr_array_new_with_free_func ((GDestroyNotify)term_free);
  if (!dsn_spf_is_record (text, len)) {
    rec->error = dsn_finding_newv ("spf_syntax.not_spf1", NULL);
    return rec;
  }
  /* Only printable US-ASCII and spaces (§3.1, §4.6.1: terms are separated by
   * spaces, not by any other white space). */
  for (gsize i = 0; i < len; i++) {
    guchar c = (guchar)text[i];
    if (c < 0x20 || c > 0x7e) {
      char byte[8], position[24];
      g_snprintf (byte, sizeof byte, "%02x", c);
      g_snprintf (position, sizeof position, "%zu", i + 1);
      rec->error = c >= 0x80 ? dsn_finding_newv ("spf_syntax.non_ascii", "position", position, NULL)
                             : dsn_finding_newv ("spf_syntax.control", "byte", byte, "position",
                                                 position, NULL);
      return rec;
    }
  }
  gsize p = 6;
  while (p < len) {
    while (p < len && text[p] == ' ')
      p++;
    if (p >= len)
      break;
    gsize start = p;
    while (p < len && text[p] != ' ')
      p++;
    DsnFinding *error = NULL;
    DsnSpfTerm *t = parse_term (text + start, p - start, &error);
    if (!t) {
      rec->error = error;
      return rec;
    }
    g_ptr_array_add (rec->terms, t);
    if (t->kind == DSN_SPF_REDIRECT || t->kind == DSN_SPF_EXP) {
      const DsnSpfTerm **slot = t->kind == DSN_SPF_REDIRECT ? &rec->redirect : &rec->exp;
      if (*slot) {
        rec->error = dsn_finding_newv ("spf_syntax.twice", "modifier", t->name, NULL);
        return rec;
      }
      *slot = t;
    }
  }
  return rec;
}

/* ------------------------------------------------------------ expansion */

static void
append_url_escaped (GString *out, const char *s)
{
  /* unreserved = ALPHA / DIGIT / "-" / "." / "_" / "~" (RFC 3986) */
  for (const char *p = s; *p; p++) {
    guchar c = (guchar)*p;
    if (g_ascii_isalnum (c) || strchr ("-._~", c))
      g_string_append_c (out, (char)c);
    else
      g_string_append_printf (out, "%%%02X", c);
  }
}

static char *
ip_dotted (const DsnSpfMacroEnv *env)
{
  if (env->family == AF_INET)
    return g_strdup_printf ("%u.%u.%u.%u", env->addr[0], env->addr[1], env->addr[2], env->addr[3]);
  /* 32 nibbles separated by dots (§7.3). Upper case like the reference test
   * suite's expectations; the case of a DNS name does not matter. */
  GString *s = g_string_new (NULL);
  for (int i = 0; i < 16; i++)
    g_string_append_printf (s, "%s%X.%X", i ? "." : "", env->addr[i] >> 4, env->addr[i] & 0xf);
  return g_string_free (s, FALSE);
}

static char *
macro_value (char letter, const DsnSpfMacroEnv *env)
{
  char buf[INET6_ADDRSTRLEN];
  switch (g_ascii_tolower (letter)) {
  case 's': return g_strdup (env->sender ? env->sender : "");
  case 'l': return g_strdup (env->local ? env->local : "");
  case 'o': return g_strdup (env->sender_domain ? env->sender_domain : "");
  case 'd': return g_strdup (env->domain ? env->domain : "");
  case 'i': return ip_dotted (env);
  case 'c': inet_ntop (env->family, env->addr, buf, sizeof buf); return g_strdup (buf);
  case 'p': return g_strdup (env->validated ? env->validated : "unknown");
  case 'h': return g_strdup (env->helo ? env->helo : "");
  case 'r': return g_strdup (env->receiver ? env->receiver : "unknown");
  case 't': return g_strdup_printf ("%" G_GINT64_FORMAT, env->now);
  case 'v': return g_strdup (env->family == AF_INET ? "in-addr" : "ip6");
  default: return g_strdup ("");
  }
}

/* Applies the transformers of "%{" letter digits [r] delimiters "}" (§7.3):
 * split on the delimiters (default "."), reverse, keep the rightmost DIGITS
 * parts, join with dots. */
static char *
transform (const char *value, guint keep, gboolean reverse, const char *delims)
{
  if (!*delims)
    delims = ".";
  g_auto (GStrv) parts = g_strsplit_set (value, delims, -1);
  guint n = g_strv_length (parts);
  if (reverse)
    for (guint i = 0; i < n / 2; i++) {
      char *tmp = parts[i];
      parts[i] = parts[n - 1 - i];
      parts[n - 1 - i] = tmp;
    }
  guint first = keep && keep < n ? n - keep : 0;
  return g_strjoinv (".", parts + first);
}

char *
dsn_spf_expand (const char *s, const DsnSpfMacroEnv *env, gboolean explanation)
{
  if (!dsn_spf_macro_valid (s, explanation))
    return NULL;
  GString *out = g_string_new (NULL);
  for (const char *p = s; *p;) {
    if (*p != '%') {
      g_string_append_c (out, *p++);
      continue;
    }
    char letter;
    gsize n = macro_token (p, explanation, &letter);
    if (p[1] == '%')
      g_string_append_c (out, '%');
    else if (p[1] == '_')
      g_string_append_c (out, ' ');
    else if (p[1] == '-')
      g_string_append (out, "%20");
    else {
      const char *q = p + 3;
      guint keep = 0;
      for (; g_ascii_isdigit (*q); q++)
        keep = MIN (keep * 10 + (guint)(*q - '0'), 1000);
      gboolean reverse = FALSE;
      if (*q == 'r' || *q == 'R') {
        reverse = TRUE;
        q++;
      }
      g_autofree char *delims = g_strndup (q, (gsize)(p + n - 1 - q));
      g_autofree char *value = macro_value (letter, env);
      g_autofree char *result = transform (value, keep, reverse, delims);
      if (g_ascii_isupper (letter))
        append_url_escaped (out, result);
      else
        g_string_append (out, result);
    }
    p += n;
  }
  return g_string_free (out, FALSE);
}

char *
dsn_spf_domain_fit (const char *domain)
{
  gsize n = strlen (domain);
  if (n && domain[n - 1] == '.')
    n--;
  const char *p = domain;
  while (n > 253) {
    const char *dot = memchr (p, '.', n);
    if (!dot)
      break;
    n -= (gsize)(dot + 1 - p);
    p = dot + 1;
  }
  return g_strndup (p, n);
}

gboolean
dsn_spf_domain_ok (const char *domain)
{
  if (!domain || !*domain || domain[0] == '[')
    return FALSE;
  gsize n = strlen (domain);
  if (domain[n - 1] == '.')
    n--;
  if (n == 0 || n > 253)
    return FALSE;
  guint labels = 0;
  gsize start = 0;
  for (gsize i = 0; i <= n; i++) {
    if (i == n || domain[i] == '.') {
      gsize len = i - start;
      if (len == 0 || len > 63)
        return FALSE;
      labels++;
      start = i + 1;
    }
  }
  return labels >= 2;
}
