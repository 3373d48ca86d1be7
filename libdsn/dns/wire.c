/* DNS messages on the wire: building a query and reading a response
 * (RFC 1035 §4). Pure functions on buffers, apart from the network code, so
 * they can be fuzzed.
 *
 * Why not the c-ares parsers: they hide the header (rcode, the AD bit), and
 * c-ares 1.18 splits a multi-string TXT record into chunks (record_start) and
 * turns a null MX into the host "". Reading the answer section here keeps each
 * TXT record whole (RFC 7208 §3.3: strings are joined without separator) and
 * the null MX explicit (RFC 7505 §3: the exchange is the root, ".").
 *
 * Names are kept as raw bytes joined by dots: a label may hold any byte but a
 * dot or NUL (shown as '?'), with no escaping, because SPF macros build names
 * out of arbitrary local parts ("macro%percent  space", RFC 7208 §7.3).
 *
 * SPDX-License-Identifier: BSD-2-Clause */
#include "dns.h"

#include <arpa/inet.h>
#include <string.h>

#define DNS_HEADER_SIZE 12
#define DNS_EDNS_PAYLOAD 1232 /* the DNS flag day 2020 size: no fragmentation */

guint
dsn_dns_edns_payload (void)
{
  return DNS_EDNS_PAYLOAD;
}

/* Splits NAME into labels in wire format into OUT. Returns FALSE if a label
 * is empty or longer than 63 bytes, or the name longer than 255 bytes
 * (RFC 1035 §2.3.4). A trailing dot is allowed; "" and "." are the root. */
static gboolean
put_name (GByteArray *out, const char *name)
{
  gsize start_len = out->len;
  const char *p = name;
  if (*p == '.' && p[1] == '\0')
    p++;
  while (*p) {
    const char *dot = strchr (p, '.');
    gsize n = dot ? (gsize)(dot - p) : strlen (p);
    if (n == 0 || n > 63)
      return FALSE;
    guint8 len = (guint8)n;
    g_byte_array_append (out, &len, 1);
    g_byte_array_append (out, (const guint8 *)p, n);
    p += n;
    if (*p == '.')
      p++;
  }
  guint8 zero = 0;
  g_byte_array_append (out, &zero, 1);
  return out->len - start_len <= 255;
}

static void
put16 (GByteArray *out, guint16 v)
{
  guint8 b[2] = { v >> 8, v & 0xff };
  g_byte_array_append (out, b, 2);
}

GBytes *
dsn_dns_build_query (const char *name, guint16 type)
{
  g_autoptr (GByteArray) q = g_byte_array_new ();
  /* ID 0 (c-ares assigns its own), RD, and AD so that a validating resolver
   * says whether the answer is authentic without us asking for DNSSEC
   * records (RFC 6840 §5.7). */
  static const guint8 header[DNS_HEADER_SIZE] = { 0, 0, 0x01, 0x20, 0, 1, 0, 0, 0, 0, 0, 1 };
  g_byte_array_append (q, header, sizeof header);
  if (!put_name (q, name))
    return NULL;
  put16 (q, type);
  put16 (q, 1); /* IN */
  /* OPT pseudo-RR (RFC 6891 §6.1.2), last and exactly 11 bytes: c-ares strips
   * it that way when a server answers FORMERR. */
  static const guint8 opt[]
      = { 0, 0, 41, DNS_EDNS_PAYLOAD >> 8, DNS_EDNS_PAYLOAD & 0xff, 0, 0, 0, 0, 0, 0 };
  g_byte_array_append (q, opt, sizeof opt);
  return g_byte_array_free_to_bytes (g_steal_pointer (&q));
}

/* ------------------------------------------------------------ reading */

typedef struct {
  const guint8 *buf;
  gsize len;
  gsize pos;
} Reader;

static gboolean
get16 (Reader *r, guint16 *v)
{
  if (r->pos + 2 > r->len)
    return FALSE;
  *v = (guint16)(r->buf[r->pos] << 8 | r->buf[r->pos + 1]);
  r->pos += 2;
  return TRUE;
}

static gboolean
get32 (Reader *r, guint32 *v)
{
  if (r->pos + 4 > r->len)
    return FALSE;
  *v = (guint32)r->buf[r->pos] << 24 | (guint32)r->buf[r->pos + 1] << 16
       | (guint32)r->buf[r->pos + 2] << 8 | r->buf[r->pos + 3];
  r->pos += 4;
  return TRUE;
}

/* Reads a possibly compressed name at *POS (RFC 1035 §4.1.4), advancing *POS
 * past it. Returns the name without the trailing dot ("" for the root), or
 * NULL if it is malformed. */
static char *
get_name (const guint8 *buf, gsize len, gsize *pos)
{
  GString *name = g_string_new (NULL);
  gsize p = *pos;
  gboolean jumped = FALSE;
  guint hops = 0;
  gsize wire = 0;
  for (;;) {
    if (p >= len)
      goto bad;
    guint8 c = buf[p];
    if ((c & 0xc0) == 0xc0) {
      if (p + 1 >= len || ++hops > 64)
        goto bad;
      gsize target = (gsize)(c & 0x3f) << 8 | buf[p + 1];
      if (!jumped)
        *pos = p + 2;
      jumped = TRUE;
      p = target;
      continue;
    }
    if (c & 0xc0)
      goto bad; /* extended label types (RFC 6891 §5) are not used */
    p++;
    if (c == 0)
      break;
    if (p + c > len)
      goto bad;
    wire += c + 1;
    if (wire > 255)
      goto bad;
    if (name->len)
      g_string_append_c (name, '.');
    for (guint i = 0; i < c; i++)
      g_string_append_c (name, buf[p + i] ? (char)buf[p + i] : '?');
    p += c;
  }
  if (!jumped)
    *pos = p;
  return g_string_free (name, FALSE);
bad:
  g_string_free (name, TRUE);
  return NULL;
}

void
dsn_dns_rr_free (DsnDnsRR *rr)
{
  if (!rr)
    return;
  g_free (rr->owner);
  g_free (rr->data);
  if (rr->strings)
    g_ptr_array_unref (rr->strings);
  if (rr->association)
    g_bytes_unref (rr->association);
  g_free (rr);
}

/* Parses the RDATA of one record of a type we read. Returns NULL if it is
 * malformed. */
static DsnDnsRR *
parse_rdata (const guint8 *buf, gsize len, gsize start, guint16 rdlen, guint16 type)
{
  g_autoptr (DsnDnsRR) rr = g_new0 (DsnDnsRR, 1);
  rr->type = type;
  gsize end = start + rdlen;
  switch (type) {
  case DSN_DNS_A:
  case DSN_DNS_AAAA: {
    gsize n = type == DSN_DNS_A ? 4 : 16;
    if (rdlen != n)
      return NULL;
    char text[INET6_ADDRSTRLEN];
    memcpy (rr->addr, buf + start, n);
    inet_ntop (type == DSN_DNS_A ? AF_INET : AF_INET6, rr->addr, text, sizeof text);
    rr->data = g_strdup (text);
    break;
  }
  case DSN_DNS_MX: {
    Reader r = { buf, end, start };
    if (!get16 (&r, &rr->preference))
      return NULL;
    gsize pos = r.pos;
    rr->data = get_name (buf, len, &pos);
    if (!rr->data || pos != end)
      return NULL;
    break;
  }
  case DSN_DNS_CNAME:
  case DSN_DNS_PTR:
  case DSN_DNS_NS: {
    gsize pos = start;
    rr->data = get_name (buf, len, &pos);
    if (!rr->data || pos != end)
      return NULL;
    break;
  }
  case DSN_DNS_SOA: {
    /* MNAME RNAME SERIAL REFRESH RETRY EXPIRE MINIMUM (RFC 1035 §3.3.13) */
    gsize pos = start;
    rr->data = get_name (buf, len, &pos);
    g_autofree char *rname = rr->data ? get_name (buf, len, &pos) : NULL;
    if (!rname || pos + 20 != end)
      return NULL;
    break;
  }
  case DSN_DNS_TLSA: {
    /* usage, selector, matching type, then the data (RFC 6698 §2.1) */
    if (rdlen < 3)
      return NULL;
    rr->usage = buf[start];
    rr->selector = buf[start + 1];
    rr->matching = buf[start + 2];
    rr->len = rdlen - 3u;
    rr->association = g_bytes_new (buf + start + 3, rr->len);
    GString *hex = g_string_sized_new (rr->len * 2);
    for (gsize i = 0; i < rr->len; i++)
      g_string_append_printf (hex, "%02x", buf[start + 3 + i]);
    rr->data = g_string_free (hex, FALSE);
    break;
  }
  case DSN_DNS_TXT:
  case DSN_DNS_SPF: {
    /* One record is one or more character-strings (RFC 1035 §3.3.14). The
     * joined text may hold NUL bytes: LEN is authoritative. */
    GString *text = g_string_new (NULL);
    rr->strings = g_ptr_array_new_with_free_func (g_free);
    gsize p = start;
    while (p < end) {
      guint8 n = buf[p++];
      if (p + n > end) {
        g_string_free (text, TRUE);
        return NULL;
      }
      g_string_append_len (text, (const char *)buf + p, n);
      g_ptr_array_add (rr->strings, g_strndup ((const char *)buf + p, n));
      p += n;
    }
    rr->len = text->len;
    rr->data = g_string_free (text, FALSE);
    break;
  }
  default: return NULL;
  }
  return g_steal_pointer (&rr);
}

static DsnDnsStatus
status_from_rcode (guint rcode)
{
  switch (rcode) {
  case 0: return DSN_DNS_OK;
  case 2: return DSN_DNS_SERVFAIL;
  case 3: return DSN_DNS_NXDOMAIN;
  case 5: return DSN_DNS_REFUSED;
  default: return DSN_DNS_ERROR;
  }
}

static gboolean
same_name (const char *a, const char *b)
{
  gsize la = strlen (a), lb = strlen (b);
  while (la && a[la - 1] == '.')
    la--;
  while (lb && b[lb - 1] == '.')
    lb--;
  return la == lb && g_ascii_strncasecmp (a, b, la) == 0;
}

static gboolean
in_chain (GPtrArray *chain, const char *name)
{
  for (guint i = 0; i < chain->len; i++)
    if (same_name (chain->pdata[i], name))
      return TRUE;
  return FALSE;
}

/* Keeps the records of ANS owned by NAME or by a name its CNAME chain leads
 * to: a server may add records of other names to an answer, and they answer
 * nothing that was asked (RFC 1034 §3.6.2, §4.3.2). */
static void
keep_owned (DsnDnsAnswer *ans, const char *name)
{
  if (!name)
    return;
  g_autoptr (GPtrArray) chain = g_ptr_array_new ();
  g_ptr_array_add (chain, (gpointer)name);
  /* Each pass adds the targets of the CNAMEs owned by the chain; a loop
   * ends, and no real chain is longer than 16 names. */
  for (guint pass = 0; pass <= ans->cnames->len && chain->len < 16; pass++) {
    guint before = chain->len;
    for (guint i = 0; i < ans->cnames->len; i++) {
      DsnDnsRR *c = ans->cnames->pdata[i];
      if (c->owner && c->data && in_chain (chain, c->owner) && !in_chain (chain, c->data))
        g_ptr_array_add (chain, c->data);
    }
    if (chain->len == before)
      break;
  }
  for (guint i = 0; i < ans->rrs->len; i++) {
    DsnDnsRR *rr = ans->rrs->pdata[i];
    if (!rr->owner || !in_chain (chain, rr->owner))
      g_ptr_array_remove_index (ans->rrs, i--);
  }
  for (guint i = 0; i < ans->cnames->len; i++) {
    DsnDnsRR *c = ans->cnames->pdata[i];
    if (!c->owner || !in_chain (chain, c->owner))
      g_ptr_array_remove_index (ans->cnames, i--);
  }
}

gboolean
dsn_dns_parse_response (const guint8 *buf, gsize len, guint16 qtype, DsnDnsAnswer *ans)
{
  Reader r = { buf, len, 0 };
  guint16 id, flags, qd, an, ns, ar;
  if (!get16 (&r, &id) || !get16 (&r, &flags) || !get16 (&r, &qd) || !get16 (&r, &an)
      || !get16 (&r, &ns) || !get16 (&r, &ar))
    return FALSE;
  if (!(flags & 0x8000))
    return FALSE; /* not a response */
  ans->rcode = flags & 0x0f;
  ans->ad = (flags & 0x0020) != 0;
  ans->status = status_from_rcode (ans->rcode);
  /* No answer, no AA, no RA: a referral or a lame server, which says
   * nothing about the name's records (RFC 1034 §4.3.1, RFC 1035 §4.1.1). */
  if (ans->status == DSN_DNS_OK && an == 0 && !(flags & 0x0400) && !(flags & 0x0080))
    ans->status = DSN_DNS_LAME;
  g_autofree char *question = NULL;
  for (guint i = 0; i < qd; i++) {
    g_autofree char *qname = get_name (buf, len, &r.pos);
    if (!qname || r.pos + 4 > len)
      return FALSE;
    r.pos += 4;
    if (!question)
      question = g_steal_pointer (&qname);
  }
  for (guint i = 0; i < an; i++) {
    g_autofree char *owner = get_name (buf, len, &r.pos);
    guint16 type, klass, rdlen;
    guint32 ttl;
    if (!owner || !get16 (&r, &type) || !get16 (&r, &klass) || !get32 (&r, &ttl)
        || !get16 (&r, &rdlen) || r.pos + rdlen > len)
      return FALSE;
    gsize start = r.pos;
    r.pos += rdlen;
    if (klass != 1)
      continue;
    if (type == DSN_DNS_CNAME && qtype != DSN_DNS_CNAME) {
      DsnDnsRR *rr = parse_rdata (buf, len, start, rdlen, type);
      if (!rr)
        return FALSE;
      rr->owner = g_steal_pointer (&owner);
      rr->ttl = ttl;
      g_ptr_array_add (ans->cnames, rr);
    } else if (type == qtype) {
      DsnDnsRR *rr = parse_rdata (buf, len, start, rdlen, type);
      if (!rr)
        return FALSE;
      rr->owner = g_steal_pointer (&owner);
      rr->ttl = ttl;
      g_ptr_array_add (ans->rrs, rr);
    }
  }
  keep_owned (ans, ans->name ? ans->name : question);
  return TRUE;
}

/* ------------------------------------------------------------ names */

const char *
dsn_dns_type_to_string (guint16 type)
{
  switch (type) {
  case DSN_DNS_A: return "A";
  case DSN_DNS_NS: return "NS";
  case DSN_DNS_CNAME: return "CNAME";
  case DSN_DNS_SOA: return "SOA";
  case DSN_DNS_TLSA: return "TLSA";
  case DSN_DNS_PTR: return "PTR";
  case DSN_DNS_MX: return "MX";
  case DSN_DNS_TXT: return "TXT";
  case DSN_DNS_AAAA: return "AAAA";
  case DSN_DNS_SPF: return "SPF";
  default: return "?";
  }
}

const char *
dsn_dns_status_to_string (DsnDnsStatus status)
{
  switch (status) {
  case DSN_DNS_OK: return "ok";
  case DSN_DNS_NXDOMAIN: return "nxdomain";
  case DSN_DNS_SERVFAIL: return "servfail";
  case DSN_DNS_REFUSED: return "refused";
  case DSN_DNS_TIMEOUT: return "timeout";
  case DSN_DNS_UNREACHABLE: return "unreachable";
  case DSN_DNS_BADNAME: return "bad-name";
  case DSN_DNS_LAME: return "lame";
  case DSN_DNS_CANCELLED: return "cancelled";
  case DSN_DNS_ERROR: return "error";
  }
  return "error";
}

char *
dsn_dns_reverse_name (const char *ip)
{
  guint8 a[16];
  if (inet_pton (AF_INET, ip, a) == 1)
    return g_strdup_printf ("%u.%u.%u.%u.in-addr.arpa", a[3], a[2], a[1], a[0]);
  if (inet_pton (AF_INET6, ip, a) == 1) {
    GString *s = g_string_new (NULL);
    for (int i = 15; i >= 0; i--)
      g_string_append_printf (s, "%x.%x.", a[i] & 0xf, a[i] >> 4);
    g_string_append (s, "ip6.arpa");
    return g_string_free (s, FALSE);
  }
  return NULL;
}
