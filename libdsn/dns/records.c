/* Parsers of the small DNS records of mail security: tag=value lists
 * (RFC 6376 §3.2), DMARC (RFC 9989, RFC 7489 §6.3), DKIM keys (RFC 6376
 * §3.6.1), MTA-STS records and policies (RFC 8461 §3), TLS-RPT (RFC 8460
 * §3) and BIMI. Pure functions, no I/O: each returns the parsed form and a
 * list of issues (finding codes with arguments) for the checks to report.
 *
 * SPDX-License-Identifier: BSD-2-Clause */
#include "dns.h"

#include <string.h>

/* ------------------------------------------------------------ issues */

static void
issue_free (DsnIssue *i)
{
  g_free (i->code);
  g_ptr_array_unref (i->args);
  g_free (i);
}

GPtrArray *
dsn_issues_new (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify)issue_free);
}

void
dsn_issue_add (GPtrArray *issues, const char *code, ...)
{
  DsnIssue *i = g_new0 (DsnIssue, 1);
  i->code = g_strdup (code);
  i->args = g_ptr_array_new_with_free_func (g_free);
  va_list ap;
  va_start (ap, code);
  const char *name;
  while ((name = va_arg (ap, const char *))) {
    const char *value = va_arg (ap, const char *);
    g_ptr_array_add (i->args, g_strdup (name));
    g_ptr_array_add (i->args, g_strdup (value ? value : ""));
  }
  va_end (ap);
  g_ptr_array_add (issues, i);
}

/* Adds CODE, whose "detail" is DETAIL's message (catalogue/details.keys),
 * taken: shown in the language of the finding. */
static void
add_detail (GPtrArray *issues, const char *code, DsnFinding *detail)
{
  dsn_issue_add (issues, code, NULL);
  DsnIssue *i = issues->pdata[issues->len - 1];
  if (detail)
    dsn_args_add_text (i->args, "detail", detail);
  dsn_finding_free (detail);
}

/* ------------------------------------------------------------ tag lists */

static void
tag_free (DsnTag *t)
{
  g_free (t->name);
  g_free (t->value);
  g_free (t);
}

GPtrArray *
dsn_taglist_parse (const char *text, DsnFinding **error)
{
  g_autoptr (GPtrArray) tags = g_ptr_array_new_with_free_func ((GDestroyNotify)tag_free);
  g_auto (GStrv) specs = g_strsplit (text, ";", -1);
  for (char **s = specs; *s; s++) {
    g_autofree char *spec = g_strstrip (g_strdup (*s));
    if (!*spec)
      continue;
    char *eq = strchr (spec, '=');
    if (!eq) {
      *error = dsn_finding_newv ("taglist.not_pair", "spec", spec, NULL);
      return NULL;
    }
    *eq = '\0';
    g_autofree char *name = g_strstrip (g_strdup (spec));
    /* tag-name = ALPHA *ALNUMPUNC */
    gboolean ok = g_ascii_isalpha (name[0]);
    for (const char *p = name; ok && *p; p++)
      ok = g_ascii_isalnum (*p) || *p == '_';
    if (!ok) {
      *error = dsn_finding_newv ("taglist.bad_name", "name", name, NULL);
      return NULL;
    }
    if (dsn_taglist_get (tags, name)) {
      *error = dsn_finding_newv ("taglist.twice", "name", name, NULL);
      return NULL;
    }
    DsnTag *t = g_new0 (DsnTag, 1);
    t->name = g_steal_pointer (&name);
    t->value = g_strstrip (g_strdup (eq + 1));
    g_ptr_array_add (tags, t);
  }
  return g_steal_pointer (&tags);
}

const char *
dsn_taglist_get (GPtrArray *tags, const char *name)
{
  for (guint i = 0; tags && i < tags->len; i++) {
    const DsnTag *t = tags->pdata[i];
    if (!strcmp (t->name, name))
      return t->value;
  }
  return NULL;
}

JsonObject *
dsn_taglist_to_json (GPtrArray *tags)
{
  JsonObject *o = json_object_new ();
  for (guint i = 0; tags && i < tags->len; i++) {
    const DsnTag *t = tags->pdata[i];
    json_object_set_string_member (o, t->name, t->value);
  }
  return o;
}

/* The first tag must be v=VERSION (exactly). */
static gboolean
version_first (GPtrArray *tags, const char *version)
{
  if (!tags || !tags->len)
    return FALSE;
  const DsnTag *t = tags->pdata[0];
  return !strcmp (t->name, "v") && !strcmp (t->value, version);
}

/* ------------------------------------------------------------ URIs */

static void
uri_free (DsnReportUri *u)
{
  g_free (u->uri);
  g_free (u->scheme);
  g_free (u->address);
  g_free (u->domain);
  g_free (u);
}

static gboolean
domain_syntax_ok (const char *d)
{
  if (!d || !*d || strlen (d) > 253)
    return FALSE;
  for (const char *p = d; *p; p++)
    if (!(g_ascii_isalnum (*p) || *p == '-' || *p == '.' || *p == '_'))
      return FALSE;
  return strchr (d, '.') && d[0] != '.' && !strstr (d, "..");
}

/* Splits a comma-separated URI list; a mailto: URI loses its "!size" suffix
 * (RFC 7489 §6.2). A URI that cannot be read has a NULL scheme, or no
 * address (mailto:) or host (https:). */
static GPtrArray *
parse_uris (const char *list)
{
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify)uri_free);
  g_auto (GStrv) parts = g_strsplit (list, ",", -1);
  for (char **p = parts; *p; p++) {
    g_autofree char *uri = g_strstrip (g_strdup (*p));
    if (!*uri)
      continue;
    DsnReportUri *u = g_new0 (DsnReportUri, 1);
    u->uri = g_strdup (uri);
    const char *colon = strchr (uri, ':');
    if (colon && colon > uri) {
      u->scheme = g_ascii_strdown (uri, colon - uri);
      const char *rest = colon + 1;
      if (!strcmp (u->scheme, "mailto")) {
        g_autofree char *addr = g_strndup (rest, strcspn (rest, "!?"));
        const char *at = strrchr (addr, '@');
        if (at && at > addr && domain_syntax_ok (at + 1)) {
          u->address = g_strdup (addr);
          u->domain = g_ascii_strdown (at + 1, -1);
        }
      } else if (!strcmp (u->scheme, "https") && g_str_has_prefix (rest, "//")) {
        const char *h = rest + 2;
        g_autofree char *host = g_ascii_strdown (h, (gssize)strcspn (h, "/:?#"));
        if (domain_syntax_ok (host))
          u->domain = g_steal_pointer (&host);
      }
    }
    g_ptr_array_add (out, u);
  }
  return out;
}

/* ------------------------------------------------------------ DMARC */

void
dsn_dmarc_record_free (DsnDmarcRecord *r)
{
  if (!r)
    return;
  if (r->tags)
    g_ptr_array_unref (r->tags);
  g_free (r->p);
  g_free (r->sp);
  g_free (r->np);
  g_free (r->adkim);
  g_free (r->aspf);
  g_free (r->fo);
  g_free (r->rf);
  g_free (r->psd);
  g_free (r->t);
  if (r->rua)
    g_ptr_array_unref (r->rua);
  if (r->ruf)
    g_ptr_array_unref (r->ruf);
  g_ptr_array_unref (r->issues);
  g_free (r);
}

int
dsn_dmarc_policy_rank (const char *p)
{
  if (!p)
    return -1;
  if (!strcmp (p, "none"))
    return 0;
  if (!strcmp (p, "quarantine"))
    return 1;
  if (!strcmp (p, "reject"))
    return 2;
  return -1;
}

static gboolean
one_of (const char *value, const char *const *allowed)
{
  for (; *allowed; allowed++)
    if (!strcmp (value, *allowed))
      return TRUE;
  return FALSE;
}

/* Every colon-separated item of VALUE is in ALLOWED. */
static gboolean
list_of (const char *value, const char *const *allowed)
{
  g_auto (GStrv) items = g_strsplit (value, ":", -1);
  if (!items[0])
    return FALSE;
  for (char **i = items; *i; i++) {
    g_autofree char *item = g_strstrip (g_strdup (*i));
    if (!one_of (item, allowed))
      return FALSE;
  }
  return TRUE;
}

static int
parse_uint (const char *s, int max)
{
  guint64 v;
  if (!g_ascii_string_to_unsigned (s, 10, 0, (guint64)max, &v, NULL))
    return -1;
  return (int)v;
}

DsnDmarcRecord *
dsn_dmarc_parse (const char *text)
{
  DsnDmarcRecord *r = g_new0 (DsnDmarcRecord, 1);
  r->issues = dsn_issues_new ();
  r->pct = r->ri = -1;
  DsnFinding *error = NULL;
  r->tags = dsn_taglist_parse (text, &error);
  if (!r->tags) {
    add_detail (r->issues, "dmarc.syntax", error);
    return r;
  }
  if (!version_first (r->tags, "DMARC1")) {
    add_detail (r->issues, "dmarc.syntax", dsn_finding_newv ("record.dmarc_version", NULL));
    return r;
  }
  r->valid = TRUE;
  static const char *const policies[] = { "none", "quarantine", "reject", NULL };
  static const char *const modes[] = { "r", "s", NULL };
  static const char *const fos[] = { "0", "1", "d", "s", NULL };
  static const char *const rfs[] = { "afrf", NULL };
  static const char *const psds[] = { "y", "n", "u", NULL };
  static const char *const ts[] = { "y", "n", NULL };
  GPtrArray *compat_new = g_ptr_array_new (), *compat_old = g_ptr_array_new ();
  for (guint i = 1; i < r->tags->len; i++) {
    const DsnTag *t = r->tags->pdata[i];
    g_autofree char *v = g_ascii_strdown (t->value, -1);
    const char *n = t->name;
    gboolean bad = FALSE;
    if (!strcmp (n, "p")) {
      if (one_of (v, policies))
        r->p = g_strdup (v);
      else
        dsn_issue_add (r->issues, "dmarc.bad_policy", "tag", "p", "value", t->value, NULL);
    } else if (!strcmp (n, "sp") || !strcmp (n, "np")) {
      if (one_of (v, policies))
        *(n[0] == 's' ? &r->sp : &r->np) = g_strdup (v);
      else
        bad = TRUE;
    } else if (!strcmp (n, "adkim") || !strcmp (n, "aspf")) {
      if (one_of (v, modes))
        *(n[1] == 'd' ? &r->adkim : &r->aspf) = g_strdup (v);
      else
        bad = TRUE;
    } else if (!strcmp (n, "pct")) {
      r->pct = parse_uint (v, 100);
      bad = r->pct < 0;
    } else if (!strcmp (n, "fo")) {
      bad = !list_of (v, fos);
      if (!bad)
        r->fo = g_strdup (v);
    } else if (!strcmp (n, "rf")) {
      bad = !list_of (v, rfs);
      if (!bad)
        r->rf = g_strdup (v);
    } else if (!strcmp (n, "ri")) {
      r->ri = parse_uint (v, G_MAXINT);
      bad = r->ri < 0;
    } else if (!strcmp (n, "psd")) {
      bad = !one_of (v, psds);
      if (!bad)
        r->psd = g_strdup (v);
    } else if (!strcmp (n, "t")) {
      bad = !one_of (v, ts);
      if (!bad)
        r->t = g_strdup (v);
    } else if (!strcmp (n, "rua") || !strcmp (n, "ruf")) {
      GPtrArray *uris = parse_uris (t->value);
      if (n[2] == 'a')
        r->rua = uris;
      else
        r->ruf = uris;
      for (guint k = 0; k < uris->len; k++) {
        const DsnReportUri *u = uris->pdata[k];
        /* RFC 9989 keeps only mailto:; other schemes go unused. */
        if (u->scheme && strcmp (u->scheme, "mailto"))
          dsn_issue_add (r->issues, "dmarc.uri_not_mailto", "tag", n, "uri", u->uri, NULL);
        else if (!u->address)
          dsn_issue_add (r->issues, "dmarc.bad_uri", "tag", n, "uri", u->uri, NULL);
      }
    } else {
      dsn_issue_add (r->issues, "dmarc.unknown_tag", "tag", n, NULL);
    }
    if (bad)
      dsn_issue_add (r->issues, "dmarc.bad_value", "tag", n, "value", t->value, NULL);
    /* Tags that one generation of receivers ignores. */
    if (!strcmp (n, "np") || !strcmp (n, "psd") || !strcmp (n, "t"))
      g_ptr_array_add (compat_new, (gpointer)n);
    if (!strcmp (n, "pct") || !strcmp (n, "rf") || !strcmp (n, "ri"))
      g_ptr_array_add (compat_old, (gpointer)n);
  }
  if (!dsn_taglist_get (r->tags, "p"))
    dsn_issue_add (r->issues, "dmarc.no_policy", NULL);
  if (compat_new->len) {
    g_ptr_array_add (compat_new, NULL);
    g_autofree char *list = g_strjoinv (", ", (char **)compat_new->pdata);
    dsn_issue_add (r->issues, "dmarc.compat_new_tags", "tags", list, NULL);
  }
  if (compat_old->len) {
    g_ptr_array_add (compat_old, NULL);
    g_autofree char *list = g_strjoinv (", ", (char **)compat_old->pdata);
    dsn_issue_add (r->issues, "dmarc.compat_removed_tags", "tags", list, NULL);
  }
  g_ptr_array_unref (compat_new);
  g_ptr_array_unref (compat_old);
  return r;
}

/* ------------------------------------------------------------ DKIM */

void
dsn_dkim_key_free (DsnDkimKey *k)
{
  if (!k)
    return;
  if (k->tags)
    g_ptr_array_unref (k->tags);
  g_free (k->key_type);
  g_free (k->key);
  g_ptr_array_unref (k->issues);
  g_free (k);
}

/* A DER element at *POS: returns its tag, sets *CONTENT and *CLEN. */
static int
der_next (const guint8 *der, gsize len, gsize *pos, const guint8 **content, gsize *clen)
{
  if (*pos + 2 > len)
    return -1;
  int tag = der[*pos];
  gsize l = der[*pos + 1];
  gsize p = *pos + 2;
  if (l & 0x80) {
    gsize n = l & 0x7f;
    if (n == 0 || n > 4 || p + n > len)
      return -1;
    l = 0;
    for (gsize i = 0; i < n; i++)
      l = l << 8 | der[p + i];
    p += n;
  }
  if (p + l > len)
    return -1;
  *content = der + p;
  *clen = l;
  *pos = p + l;
  return tag;
}

/* RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER } */
static guint
rsa_public_key_bits (const guint8 *der, gsize len)
{
  gsize pos = 0;
  const guint8 *seq, *n;
  gsize seq_len, n_len;
  if (der_next (der, len, &pos, &seq, &seq_len) != 0x30)
    return 0;
  pos = 0;
  if (der_next (seq, seq_len, &pos, &n, &n_len) != 0x02 || n_len == 0)
    return 0;
  while (n_len && n[0] == 0) {
    n++;
    n_len--;
  }
  if (!n_len)
    return 0;
  guint bits = (guint)n_len * 8;
  for (guint8 top = n[0]; !(top & 0x80); top <<= 1)
    bits--;
  return bits;
}

guint
dsn_rsa_key_bits (const guint8 *der, gsize len)
{
  /* SubjectPublicKeyInfo ::= SEQUENCE { algorithm SEQUENCE, subjectPublicKey BIT STRING } */
  gsize pos = 0, inner = 0;
  const guint8 *seq, *alg, *bits;
  gsize seq_len, alg_len, bits_len;
  if (der_next (der, len, &pos, &seq, &seq_len) != 0x30)
    return 0;
  if (der_next (seq, seq_len, &inner, &alg, &alg_len) == 0x30
      && der_next (seq, seq_len, &inner, &bits, &bits_len) == 0x03 && bits_len > 1
      && bits[0] == 0) {
    /* rsaEncryption 1.2.840.113549.1.1.1 */
    static const guint8 rsa_oid[]
        = { 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01 };
    if (alg_len < sizeof rsa_oid || memcmp (alg, rsa_oid, sizeof rsa_oid) != 0)
      return 0;
    return rsa_public_key_bits (bits + 1, bits_len - 1);
  }
  /* Some publish the bare PKCS#1 key; verifiers such as OpenDKIM accept it. */
  return rsa_public_key_bits (der, len);
}

/* The algorithm of a DER SubjectPublicKeyInfo (RFC 5280 §4.1.2.7): "rsa",
 * "ed25519", "ec", "other"; NULL if DER is none. */
static const char *
spki_algorithm (const guint8 *der, gsize len)
{
  gsize pos = 0, inner = 0, alg_pos = 0;
  const guint8 *seq, *alg, *oid, *bits;
  gsize seq_len, alg_len, oid_len, bits_len;
  if (der_next (der, len, &pos, &seq, &seq_len) != 0x30 || pos != len)
    return NULL;
  if (der_next (seq, seq_len, &inner, &alg, &alg_len) != 0x30
      || der_next (seq, seq_len, &inner, &bits, &bits_len) != 0x03 || inner != seq_len)
    return NULL;
  if (der_next (alg, alg_len, &alg_pos, &oid, &oid_len) != 0x06)
    return NULL;
  static const guint8 rsa[] = { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01 };
  static const guint8 ed25519[] = { 0x2b, 0x65, 0x70 };
  static const guint8 ec[] = { 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01 };
  if (oid_len == sizeof rsa && !memcmp (oid, rsa, oid_len))
    return "rsa";
  if (oid_len == sizeof ed25519 && !memcmp (oid, ed25519, oid_len))
    return "ed25519";
  if (oid_len == sizeof ec && !memcmp (oid, ec, oid_len))
    return "ec";
  return "other";
}

static gboolean
base64_valid (const char *s)
{
  gsize n = strlen (s), pad = 0;
  if (n == 0 || n % 4)
    return FALSE;
  for (gsize i = 0; i < n; i++) {
    char c = s[i];
    if (c == '=') {
      pad++;
      if (i < n - 2)
        return FALSE;
    } else if (pad || !(g_ascii_isalnum (c) || c == '+' || c == '/')) {
      return FALSE;
    }
  }
  return pad <= 2;
}

DsnDkimKey *
dsn_dkim_parse (const char *text)
{
  DsnDkimKey *k = g_new0 (DsnDkimKey, 1);
  k->issues = dsn_issues_new ();
  DsnFinding *error = NULL;
  k->tags = dsn_taglist_parse (text, &error);
  if (!k->tags) {
    add_detail (k->issues, "dkim.syntax", error);
    return k;
  }
  const char *v = dsn_taglist_get (k->tags, "v");
  if (v && !version_first (k->tags, "DKIM1")) {
    add_detail (k->issues, "dkim.syntax", dsn_finding_newv ("record.dkim_version", NULL));
    return k;
  }
  const char *kt = dsn_taglist_get (k->tags, "k");
  k->key_type = g_ascii_strdown (kt ? kt : "rsa", -1);
  const char *h = dsn_taglist_get (k->tags, "h");
  if (h) {
    static const char *const sha1[] = { "sha1", NULL };
    g_autofree char *hl = g_ascii_strdown (h, -1);
    if (list_of (hl, sha1))
      dsn_issue_add (k->issues, "dkim.sha1_only", NULL);
  }
  const char *t = dsn_taglist_get (k->tags, "t");
  if (t) {
    g_auto (GStrv) flags = g_strsplit (t, ":", -1);
    for (char **f = flags; *f; f++)
      if (!g_ascii_strcasecmp (g_strstrip (*f), "y"))
        k->testing = TRUE;
    if (k->testing)
      dsn_issue_add (k->issues, "dkim.testing", NULL);
  }
  const char *s = dsn_taglist_get (k->tags, "s");
  if (s) {
    static const char *const services[] = { "*", "email", NULL };
    g_autofree char *sl = g_ascii_strdown (s, -1);
    g_auto (GStrv) items = g_strsplit (sl, ":", -1);
    gboolean email = FALSE;
    for (char **i = items; *i; i++)
      if (one_of (g_strstrip (*i), services))
        email = TRUE;
    if (!email)
      dsn_issue_add (k->issues, "dkim.not_email", "value", s, NULL);
  }
  const char *p = dsn_taglist_get (k->tags, "p");
  if (!p) {
    add_detail (k->issues, "dkim.syntax", dsn_finding_newv ("record.dkim_no_key", NULL));
    return k;
  }
  GString *key = g_string_new (NULL);
  for (const char *c = p; *c; c++)
    if (!g_ascii_isspace (*c))
      g_string_append_c (key, *c);
  k->key = g_string_free (key, FALSE);
  if (!*k->key) {
    k->revoked = TRUE;
    dsn_issue_add (k->issues, "dkim.revoked", NULL);
    return k;
  }
  if (!base64_valid (k->key)) {
    add_detail (k->issues, "dkim.bad_key", dsn_finding_newv ("record.dkim_not_base64", NULL));
    return k;
  }
  gsize len;
  g_autofree guint8 *der = g_base64_decode (k->key, &len);
  if (!strcmp (k->key_type, "rsa")) {
    k->key_bits = dsn_rsa_key_bits (der, len);
    const char *algorithm = k->key_bits ? NULL : spki_algorithm (der, len);
    /* Which is wrong: the key type, the key, or the bytes altogether. */
    if (!k->key_bits && algorithm && strcmp (algorithm, "rsa")) {
      add_detail (k->issues, "dkim.bad_key",
                  dsn_finding_newv ("record.dkim_other_key", "algorithm@",
                                    !strcmp (algorithm, "ed25519") ? "key_type.ed25519"
                                    : !strcmp (algorithm, "ec")    ? "key_type.ec"
                                                                   : "key_type.other",
                                    NULL));
    } else if (!k->key_bits && !algorithm) {
      add_detail (k->issues, "dkim.bad_key", dsn_finding_newv ("record.dkim_not_a_key", NULL));
    } else if (!k->key_bits) {
      add_detail (k->issues, "dkim.bad_key", dsn_finding_newv ("record.dkim_not_rsa", NULL));
    } else {
      g_autofree char *bits = g_strdup_printf ("%u", k->key_bits);
      if (k->key_bits < 1024)
        dsn_issue_add (k->issues, "dkim.weak_key", "bits", bits, NULL);
      else if (k->key_bits < 2048)
        dsn_issue_add (k->issues, "dkim.short_key", "bits", bits, NULL);
    }
  } else if (!strcmp (k->key_type, "ed25519")) {
    const char *algorithm = len != 32 ? spki_algorithm (der, len) : NULL;
    if (algorithm && !strcmp (algorithm, "ed25519"))
      /* The key wrapped in its SubjectPublicKeyInfo: RFC 8463 §4.2 wants
       * the 32 bytes alone. */
      add_detail (k->issues, "dkim.bad_key", dsn_finding_newv ("record.dkim_ed25519_spki", NULL));
    else if (len != 32)
      add_detail (k->issues, "dkim.bad_key", dsn_finding_newv ("record.dkim_ed25519_size", NULL));
    else
      k->key_bits = 256;
  } else {
    dsn_issue_add (k->issues, "dkim.unknown_key_type", "type", k->key_type, NULL);
  }
  return k;
}

/* ------------------------------------------------------------ certificates */

/* The DER element at *POS: returns its tag and moves *POS past it, setting
 * *START to where its tag is. -1 if it runs past LEN. */
static int
der_skip (const guint8 *der, gsize len, gsize *pos, gsize *start)
{
  const guint8 *content;
  gsize clen;
  *start = *pos;
  return der_next (der, len, pos, &content, &clen);
}

GBytes *
dsn_x509_spki (GBytes *cert)
{
  /* Certificate ::= SEQUENCE { tbsCertificate SEQUENCE { [0] version
   * (optional), serialNumber, signature, issuer, validity, subject,
   * subjectPublicKeyInfo, ... }, ... } (RFC 5280 §4.1) */
  gsize len;
  const guint8 *der = g_bytes_get_data (cert, &len);
  const guint8 *outer, *tbs;
  gsize outer_len, tbs_len, pos = 0, start;
  if (!der || der_next (der, len, &pos, &outer, &outer_len) != 0x30)
    return NULL;
  pos = 0;
  if (der_next (outer, outer_len, &pos, &tbs, &tbs_len) != 0x30)
    return NULL;
  pos = 0;
  int tag = der_skip (tbs, tbs_len, &pos, &start);
  if (tag == 0xa0)
    tag = der_skip (tbs, tbs_len, &pos, &start);
  /* serial number done; signature, issuer, validity, subject */
  for (int i = 0; i < 4 && tag >= 0; i++)
    tag = der_skip (tbs, tbs_len, &pos, &start);
  if (tag < 0 || der_skip (tbs, tbs_len, &pos, &start) != 0x30)
    return NULL;
  return g_bytes_new_from_bytes (cert, (gsize)(tbs - der) + start, pos - start);
}

gboolean
dsn_tlsa_usable (guint usage, guint selector, guint matching, gsize len)
{
  /* PKIX-TA(0) and PKIX-EE(1) are unusable for SMTP (RFC 7672 §3.1.3). */
  if (usage != 2 && usage != 3)
    return FALSE;
  if (selector > 1)
    return FALSE;
  switch (matching) {
  case 0: return len > 0;
  case 1: return len == 32;
  case 2: return len == 64;
  default: return FALSE;
  }
}

gboolean
dsn_tlsa_match (guint selector, guint matching, GBytes *association, GBytes *cert)
{
  g_autoptr (GBytes) spki = selector == 1 ? dsn_x509_spki (cert) : NULL;
  GBytes *data = selector == 0 ? cert : spki;
  if (!data || !association)
    return FALSE;
  if (matching == 0)
    return g_bytes_equal (data, association);
  GChecksumType type = matching == 1 ? G_CHECKSUM_SHA256 : G_CHECKSUM_SHA512;
  if (matching > 2)
    return FALSE;
  gsize want = matching == 1 ? 32 : 64, got = want;
  guint8 digest[64];
  g_autoptr (GChecksum) sum = g_checksum_new (type);
  gsize n;
  const guint8 *bytes = g_bytes_get_data (data, &n);
  g_checksum_update (sum, bytes, (gssize)n);
  g_checksum_get_digest (sum, digest, &got);
  gsize alen;
  const guint8 *a = g_bytes_get_data (association, &alen);
  return got == want && alen == want && memcmp (a, digest, want) == 0;
}

/* ------------------------------------------------------------ MTA-STS */

void
dsn_sts_record_free (DsnStsRecord *r)
{
  if (!r)
    return;
  if (r->tags)
    g_ptr_array_unref (r->tags);
  g_free (r->id);
  g_ptr_array_unref (r->issues);
  g_free (r);
}

DsnStsRecord *
dsn_sts_record_parse (const char *text)
{
  DsnStsRecord *r = g_new0 (DsnStsRecord, 1);
  r->issues = dsn_issues_new ();
  DsnFinding *error = NULL;
  r->tags = dsn_taglist_parse (text, &error);
  if (!r->tags) {
    add_detail (r->issues, "mta_sts.txt_syntax", error);
    return r;
  }
  if (!version_first (r->tags, "STSv1")) {
    add_detail (r->issues, "mta_sts.txt_syntax", dsn_finding_newv ("record.sts_version", NULL));
    return r;
  }
  /* sts-id = 1*32(ALPHA / DIGIT) */
  const char *id = dsn_taglist_get (r->tags, "id");
  gboolean ok = id && *id && strlen (id) <= 32;
  for (const char *p = id; ok && *p; p++)
    ok = g_ascii_isalnum (*p);
  if (!ok)
    add_detail (r->issues, "mta_sts.txt_syntax",
                dsn_finding_newv (id ? "record.sts_bad_id" : "record.sts_no_id", NULL));
  else
    r->id = g_strdup (id);
  return r;
}

void
dsn_sts_policy_free (DsnStsPolicy *p)
{
  if (!p)
    return;
  g_free (p->version);
  g_free (p->mode);
  g_ptr_array_unref (p->mx);
  g_ptr_array_unref (p->issues);
  g_free (p);
}

DsnStsPolicy *
dsn_sts_policy_parse (const char *text, gsize len)
{
  DsnStsPolicy *p = g_new0 (DsnStsPolicy, 1);
  p->issues = dsn_issues_new ();
  p->mx = g_ptr_array_new_with_free_func (g_free);
  p->max_age = -1;
  g_autofree char *copy = g_strndup (text, len);
  if (strlen (copy) != len || !g_utf8_validate (copy, -1, NULL)) {
    add_detail (p->issues, "mta_sts.policy_syntax",
                dsn_finding_newv ("record.policy_not_text", NULL));
    return p;
  }
  /* Lines end with CRLF, or LF alone as many servers send (RFC 8461 §3.2). */
  g_auto (GStrv) lines = g_strsplit (copy, "\n", -1);
  gboolean max_age_seen = FALSE;
  for (char **l = lines; *l; l++) {
    g_strchomp (*l);
    if (!**l)
      continue;
    char *colon = strchr (*l, ':');
    if (!colon) {
      add_detail (p->issues, "mta_sts.policy_syntax",
                  dsn_finding_newv ("record.policy_bad_line", "line", *l, NULL));
      continue;
    }
    *colon = '\0';
    const char *key = g_strstrip (*l);
    const char *value = g_strstrip (colon + 1);
    /* Only mx: may be given more than once; a second version, mode or
     * max_age leaves senders to pick one (RFC 8461 §3.2). */
    if ((!strcmp (key, "version") && p->version) || (!strcmp (key, "mode") && p->mode)
        || (!strcmp (key, "max_age") && max_age_seen)) {
      /* The key as an argument of its own too: it is data, not words. */
      dsn_issue_add (p->issues, "mta_sts.policy_syntax", "key", key, NULL);
      g_autoptr (DsnFinding) detail
          = dsn_finding_newv ("record.policy_duplicate", "key", key, NULL);
      dsn_args_add_text (((DsnIssue *)p->issues->pdata[p->issues->len - 1])->args, "detail",
                         detail);
      continue;
    }
    if (!strcmp (key, "version")) {
      p->version = g_strdup (value);
    } else if (!strcmp (key, "mode")) {
      p->mode = g_strdup (value);
    } else if (!strcmp (key, "mx")) {
      g_ptr_array_add (p->mx, g_ascii_strdown (value, -1));
    } else if (!strcmp (key, "max_age")) {
      guint64 v;
      if (!max_age_seen) {
        max_age_seen = TRUE;
        if (strlen (value) <= 10 && g_ascii_string_to_unsigned (value, 10, 0, 31557600, &v, NULL))
          p->max_age = (gint64)v;
        else
          add_detail (p->issues, "mta_sts.policy_syntax",
                      dsn_finding_newv ("record.policy_bad_max_age", NULL));
      }
    }
  }
  if (!p->version || strcmp (p->version, "STSv1"))
    add_detail (p->issues, "mta_sts.policy_syntax",
                dsn_finding_newv ("record.policy_no_version", NULL));
  if (!p->mode
      || (strcmp (p->mode, "enforce") && strcmp (p->mode, "testing") && strcmp (p->mode, "none")))
    add_detail (p->issues, "mta_sts.policy_syntax",
                dsn_finding_newv ("record.policy_bad_mode", NULL));
  if (!max_age_seen)
    add_detail (p->issues, "mta_sts.policy_syntax",
                dsn_finding_newv ("record.policy_no_max_age", NULL));
  if (!p->mx->len && (!p->mode || strcmp (p->mode, "none")))
    add_detail (p->issues, "mta_sts.policy_syntax", dsn_finding_newv ("record.policy_no_mx", NULL));
  return p;
}

gboolean
dsn_sts_mx_match (const char *pattern, const char *host)
{
  g_autofree char *pat = g_ascii_strdown (pattern, -1);
  g_autofree char *h = g_ascii_strdown (host, -1);
  gsize lp = strlen (pat), lh = strlen (h);
  if (lp && pat[lp - 1] == '.')
    pat[--lp] = '\0';
  if (lh && h[lh - 1] == '.')
    h[--lh] = '\0';
  if (g_str_has_prefix (pat, "*.")) {
    const char *suffix = pat + 1; /* ".example.com" */
    gsize ls = lp - 1;
    if (lh <= ls || strcmp (h + lh - ls, suffix))
      return FALSE;
    /* exactly one label in place of the "*" */
    return memchr (h, '.', lh - ls) == NULL;
  }
  return !strcmp (pat, h);
}

/* ------------------------------------------------------------ TLS-RPT */

void
dsn_tlsrpt_record_free (DsnTlsRptRecord *r)
{
  if (!r)
    return;
  if (r->tags)
    g_ptr_array_unref (r->tags);
  if (r->rua)
    g_ptr_array_unref (r->rua);
  g_ptr_array_unref (r->issues);
  g_free (r);
}

DsnTlsRptRecord *
dsn_tlsrpt_parse (const char *text)
{
  DsnTlsRptRecord *r = g_new0 (DsnTlsRptRecord, 1);
  r->issues = dsn_issues_new ();
  DsnFinding *error = NULL;
  r->tags = dsn_taglist_parse (text, &error);
  if (!r->tags) {
    add_detail (r->issues, "tls_rpt.syntax", error);
    return r;
  }
  if (!version_first (r->tags, "TLSRPTv1")) {
    add_detail (r->issues, "tls_rpt.syntax", dsn_finding_newv ("record.tlsrpt_version", NULL));
    return r;
  }
  const char *rua = dsn_taglist_get (r->tags, "rua");
  if (!rua || !*rua) {
    add_detail (r->issues, "tls_rpt.syntax", dsn_finding_newv ("record.tlsrpt_no_rua", NULL));
    return r;
  }
  r->rua = parse_uris (rua);
  for (guint i = 0; i < r->rua->len; i++) {
    const DsnReportUri *u = r->rua->pdata[i];
    /* Only mailto: and https: (RFC 8460 §3). */
    if (!u->scheme || (strcmp (u->scheme, "mailto") && strcmp (u->scheme, "https")) || !u->domain)
      dsn_issue_add (r->issues, "tls_rpt.bad_uri", "uri", u->uri, NULL);
  }
  return r;
}

/* ------------------------------------------------------------ BIMI */

void
dsn_bimi_record_free (DsnBimiRecord *r)
{
  if (!r)
    return;
  if (r->tags)
    g_ptr_array_unref (r->tags);
  g_free (r->logo);
  g_free (r->authority);
  g_ptr_array_unref (r->issues);
  g_free (r);
}

static gboolean
https_url (const char *u)
{
  return g_ascii_strncasecmp (u, "https://", 8) == 0 && u[8] && u[8] != '/';
}

DsnBimiRecord *
dsn_bimi_parse (const char *text)
{
  DsnBimiRecord *r = g_new0 (DsnBimiRecord, 1);
  r->issues = dsn_issues_new ();
  DsnFinding *error = NULL;
  r->tags = dsn_taglist_parse (text, &error);
  if (!r->tags) {
    add_detail (r->issues, "bimi.syntax", error);
    return r;
  }
  if (!version_first (r->tags, "BIMI1")) {
    add_detail (r->issues, "bimi.syntax", dsn_finding_newv ("record.bimi_version", NULL));
    return r;
  }
  const char *l = dsn_taglist_get (r->tags, "l");
  const char *a = dsn_taglist_get (r->tags, "a");
  r->logo = g_strdup (l && *l ? l : NULL);
  r->authority = g_strdup (a && *a ? a : NULL);
  if (!r->logo && !r->authority) {
    /* "v=BIMI1; l=; a=;" declines to show a logo. */
    r->declined = TRUE;
    return r;
  }
  if (!r->logo) {
    add_detail (r->issues, "bimi.syntax", dsn_finding_newv ("record.bimi_no_logo", NULL));
  } else {
    if (!https_url (r->logo))
      dsn_issue_add (r->issues, "bimi.logo_not_https", "url", r->logo, NULL);
    g_autofree char *path = g_ascii_strdown (r->logo, (gssize)strcspn (r->logo, "?#"));
    if (!g_str_has_suffix (path, ".svg") && !g_str_has_suffix (path, ".svgz"))
      dsn_issue_add (r->issues, "bimi.logo_not_svg", "url", r->logo, NULL);
  }
  if (!r->authority)
    dsn_issue_add (r->issues, "bimi.no_vmc", NULL);
  else if (!https_url (r->authority))
    dsn_issue_add (r->issues, "bimi.vmc_not_https", "url", r->authority, NULL);
  return r;
}
