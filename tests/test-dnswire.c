/* Unit tests for DNS messages on the wire (libdsn/dnswire.c).
 * SPDX-License-Identifier: BSD-2-Clause */
#include "dns/dns.h"

#include <string.h>

static void
test_query (void)
{
  g_autoptr (GBytes) q = dsn_dns_build_query ("mx.Example.org.", DSN_DNS_MX);
  gsize len;
  const guint8 *b = g_bytes_get_data (q, &len);
  static const guint8 want[] = {
    0, 0,   0x01, 0x20, 0,    1,   0,   0,   0,   0,   0,   1, /* RD, AD; 1 question, 1 additional
                                                                */
    2, 'm', 'x',  7,    'E',  'x', 'a', 'm', 'p', 'l', 'e', 3, 'o', 'r', 'g', 0, /* name as given */
    0, 15,  0,    1,                                                             /* MX IN */
    0, 0,   41,   0x04, 0xd0, 0,   0,   0,   0,   0,   0, /* OPT, 1232 bytes */
  };
  g_assert_cmpmem (b, len, want, sizeof want);

  /* Any byte but a dot goes into a label, as SPF macros need. */
  g_autoptr (GBytes) odd = dsn_dns_build_query ("macro%percent  space.example.com", DSN_DNS_A);
  g_assert_nonnull (odd);
  g_assert_null (dsn_dns_build_query ("a..example.com", DSN_DNS_A));
  g_autofree char *long_label = g_strnfill (64, 'a');
  g_autofree char *name = g_strconcat (long_label, ".example.com", NULL);
  g_assert_null (dsn_dns_build_query (name, DSN_DNS_A));
  long_label[63] = '\0';
  g_free (name);
  name = g_strconcat (long_label, ".example.com", NULL);
  g_autoptr (GBytes) ok = dsn_dns_build_query (name, DSN_DNS_A);
  g_assert_nonnull (ok);
}

static DsnDnsAnswer *
answer_new (void)
{
  DsnDnsAnswer *a = g_new0 (DsnDnsAnswer, 1);
  a->rrs = g_ptr_array_new_with_free_func ((GDestroyNotify)dsn_dns_rr_free);
  a->cnames = g_ptr_array_new_with_free_func ((GDestroyNotify)dsn_dns_rr_free);
  return a;
}

static void
answer_free (DsnDnsAnswer *a)
{
  g_ptr_array_unref (a->rrs);
  g_ptr_array_unref (a->cnames);
  g_free (a);
}

/* A response for example.org with the given rcode, flags and answer RRs. */
static GByteArray *
response (guint16 flags, guint16 an)
{
  GByteArray *b = g_byte_array_new ();
  guint8 h[12] = { 0x12, 0x34, flags >> 8, flags & 0xff, 0, 1, an >> 8, an & 0xff, 0, 0, 0, 0 };
  g_byte_array_append (b, h, 12);
  static const guint8 q[]
      = { 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'o', 'r', 'g', 0, 0, 16, 0, 1 };
  g_byte_array_append (b, q, sizeof q);
  return b;
}

static void
add_rr (GByteArray *b, guint16 type, const guint8 *rdata, guint16 rdlen)
{
  guint8 rr[] = { 0xc0, 12, type >> 8, type & 0xff, 0, 1, 0, 0, 1, 0x2c, rdlen >> 8, rdlen & 0xff };
  g_byte_array_append (b, rr, sizeof rr);
  g_byte_array_append (b, rdata, rdlen);
}

static void
test_txt (void)
{
  /* Two records: one of two strings (joined without space, RFC 7208 §3.3),
   * one empty. */
  g_autoptr (GByteArray) b = response (0x8580, 2);
  static const guint8 two[] = { 11, 'v', '=', 's', 'p', 'f', '1', ' ', 'i', 'p', '4', ':',
                                11, '1', '9', '2', '.', '0', '.', '2', '.', '0', ' ', 'a' };
  add_rr (b, DSN_DNS_TXT, two, sizeof two);
  add_rr (b, DSN_DNS_TXT, NULL, 0);
  DsnDnsAnswer *a = answer_new ();
  g_assert_true (dsn_dns_parse_response (b->data, b->len, DSN_DNS_TXT, a));
  g_assert_cmpint (a->status, ==, DSN_DNS_OK);
  g_assert_false (a->ad);
  g_assert_cmpuint (a->rrs->len, ==, 2);
  const DsnDnsRR *rr = a->rrs->pdata[0];
  g_assert_cmpstr (rr->data, ==, "v=spf1 ip4:192.0.2.0 a");
  g_assert_cmpuint (rr->strings->len, ==, 2);
  g_assert_cmpstr (rr->owner, ==, "example.org");
  rr = a->rrs->pdata[1];
  g_assert_cmpuint (rr->len, ==, 0);
  answer_free (a);

  /* A NUL inside a string is kept: LEN tells. */
  g_autoptr (GByteArray) c = response (0x8580, 1);
  static const guint8 nul[] = { 3, 'a', 0, 'b' };
  add_rr (c, DSN_DNS_TXT, nul, sizeof nul);
  a = answer_new ();
  g_assert_true (dsn_dns_parse_response (c->data, c->len, DSN_DNS_TXT, a));
  rr = a->rrs->pdata[0];
  g_assert_cmpuint (rr->len, ==, 3);
  g_assert_cmpuint (strlen (rr->data), ==, 1);
  answer_free (a);
}

static void
test_mx (void)
{
  /* A null MX (RFC 7505): preference 0, exchange the root, kept as "". */
  g_autoptr (GByteArray) b = response (0x8580, 2);
  static const guint8 null_mx[] = { 0, 0, 0 };
  add_rr (b, DSN_DNS_MX, null_mx, sizeof null_mx);
  /* "mx" then a pointer to example.org at offset 12 */
  static const guint8 mx[] = { 0, 10, 2, 'm', 'x', 0xc0, 12 };
  add_rr (b, DSN_DNS_MX, mx, sizeof mx);
  DsnDnsAnswer *a = answer_new ();
  g_assert_true (dsn_dns_parse_response (b->data, b->len, DSN_DNS_MX, a));
  g_assert_cmpuint (a->rrs->len, ==, 2);
  g_assert_cmpstr (((DsnDnsRR *)a->rrs->pdata[0])->data, ==, "");
  g_assert_cmpuint (((DsnDnsRR *)a->rrs->pdata[1])->preference, ==, 10);
  g_assert_cmpstr (((DsnDnsRR *)a->rrs->pdata[1])->data, ==, "mx.example.org");
  answer_free (a);
}

static void
test_rcode_and_flags (void)
{
  static const struct {
    guint16 flags;
    DsnDnsStatus status;
  } cases[] = {
    { 0x8180, DSN_DNS_OK },
    { 0x8183, DSN_DNS_NXDOMAIN },
    { 0x8182, DSN_DNS_SERVFAIL },
    { 0x8185, DSN_DNS_REFUSED },
    { 0x8184, DSN_DNS_ERROR },
    { 0x81a0, DSN_DNS_OK },
    /* No answer with neither AA nor RA: a referral, not "no record". */
    { 0x8100, DSN_DNS_LAME },
    { 0x8500, DSN_DNS_OK },
    { 0x8103, DSN_DNS_NXDOMAIN },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr (GByteArray) b = response (cases[i].flags, 0);
    DsnDnsAnswer *a = answer_new ();
    g_assert_true (dsn_dns_parse_response (b->data, b->len, DSN_DNS_TXT, a));
    g_assert_cmpint (a->status, ==, cases[i].status);
    g_assert_cmpint (a->ad, ==, (cases[i].flags & 0x20) != 0);
    answer_free (a);
  }
}

static void
test_tlsa_soa (void)
{
  /* TLSA 3 1 1 and a record too short to have its three fields. */
  g_autoptr (GByteArray) b = response (0x8580, 1);
  static const guint8 tlsa[] = { 3, 1, 1, 0xde, 0xad, 0xbe, 0xef };
  add_rr (b, DSN_DNS_TLSA, tlsa, sizeof tlsa);
  DsnDnsAnswer *a = answer_new ();
  g_assert_true (dsn_dns_parse_response (b->data, b->len, DSN_DNS_TLSA, a));
  g_assert_cmpuint (a->rrs->len, ==, 1);
  DsnDnsRR *rr = a->rrs->pdata[0];
  g_assert_cmpuint (rr->usage, ==, 3);
  g_assert_cmpuint (rr->selector, ==, 1);
  g_assert_cmpuint (rr->matching, ==, 1);
  g_assert_cmpstr (rr->data, ==, "deadbeef");
  g_assert_cmpuint (g_bytes_get_size (rr->association), ==, 4);
  answer_free (a);
  g_autoptr (GByteArray) bad = response (0x8580, 1);
  add_rr (bad, DSN_DNS_TLSA, tlsa, 2);
  a = answer_new ();
  g_assert_false (dsn_dns_parse_response (bad->data, bad->len, DSN_DNS_TLSA, a));
  answer_free (a);

  /* SOA: the primary server's name; the five numbers must be there. */
  g_autoptr (GByteArray) s = response (0x8580, 1);
  static const guint8 soa[]
      = { 2,   'n',  's', 0xc0, 12, 1,    'h', 0xc0, 12,   0,    0, 0, 1, 0,   0,
          0xe, 0x10, 0,   0,    2,  0x58, 0,   1,    0x51, 0x80, 0, 0, 1, 0x2c };
  add_rr (s, DSN_DNS_SOA, soa, sizeof soa);
  a = answer_new ();
  g_assert_true (dsn_dns_parse_response (s->data, s->len, DSN_DNS_SOA, a));
  g_assert_cmpstr (((DsnDnsRR *)a->rrs->pdata[0])->data, ==, "ns.example.org");
  answer_free (a);
  g_autoptr (GByteArray) short_soa = response (0x8580, 1);
  add_rr (short_soa, DSN_DNS_SOA, soa, sizeof soa - 4);
  a = answer_new ();
  g_assert_false (dsn_dns_parse_response (short_soa->data, short_soa->len, DSN_DNS_SOA, a));
  answer_free (a);
}

static void
test_malformed (void)
{
  /* A query, not a response. */
  g_autoptr (GByteArray) q = response (0x0100, 0);
  DsnDnsAnswer *a = answer_new ();
  g_assert_false (dsn_dns_parse_response (q->data, q->len, DSN_DNS_TXT, a));
  answer_free (a);
  /* An answer cut short, and a name pointing at itself. */
  g_autoptr (GByteArray) b = response (0x8580, 1);
  static const guint8 txt[] = { 5, 'a', 'b' };
  add_rr (b, DSN_DNS_TXT, txt, sizeof txt);
  a = answer_new ();
  g_assert_false (dsn_dns_parse_response (b->data, b->len, DSN_DNS_TXT, a));
  answer_free (a);
  g_autoptr (GByteArray) loop = response (0x8580, 1);
  guint16 self = (guint16)loop->len;
  guint8 rr[] = { 0xc0 | (self >> 8), self & 0xff, 0, 16, 0, 1, 0, 0, 0, 1, 0, 0 };
  g_byte_array_append (loop, rr, sizeof rr);
  a = answer_new ();
  g_assert_false (dsn_dns_parse_response (loop->data, loop->len, DSN_DNS_TXT, a));
  answer_free (a);
  /* Every prefix of a valid message is rejected or read safely. */
  g_autoptr (GByteArray) full = response (0x8580, 1);
  static const guint8 mx[] = { 0, 10, 2, 'm', 'x', 0xc0, 12 };
  add_rr (full, DSN_DNS_MX, mx, sizeof mx);
  for (guint n = 0; n < full->len; n++) {
    a = answer_new ();
    g_assert_false (dsn_dns_parse_response (full->data, n, DSN_DNS_MX, a));
    answer_free (a);
  }
}

static void
test_reverse (void)
{
  g_autofree char *v4 = dsn_dns_reverse_name ("192.0.2.3");
  g_assert_cmpstr (v4, ==, "3.2.0.192.in-addr.arpa");
  g_autofree char *v6 = dsn_dns_reverse_name ("2001:db8::cb01");
  g_assert_cmpstr (v6, ==,
                   "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa");
  g_assert_null (dsn_dns_reverse_name ("mx.example.org"));
}

/* An RR owned by NAME (uncompressed), of TYPE. */
static void
add_named_rr (GByteArray *b, const char *name, guint16 type, const guint8 *rdata, guint16 rdlen)
{
  g_auto (GStrv) labels = g_strsplit (name, ".", -1);
  for (char **l = labels; *l; l++) {
    guint8 n = strlen (*l);
    g_byte_array_append (b, &n, 1);
    g_byte_array_append (b, (const guint8 *)*l, n);
  }
  g_byte_array_append (b, (const guint8 *)"", 1);
  guint8 rr[] = { type >> 8, type & 0xff, 0, 1, 0, 0, 1, 0x2c, rdlen >> 8, rdlen & 0xff };
  g_byte_array_append (b, rr, sizeof rr);
  g_byte_array_append (b, rdata, rdlen);
}

/* Records owned by another name than the question's answer nothing that
 * was asked: only the question's and its CNAME chain's are kept. */
static void
test_owner (void)
{
  static const guint8 plus_all[] = { 11, 'v', '=', 's', 'p', 'f', '1', ' ', '+', 'a', 'l', 'l' };
  static const guint8 minus_all[] = { 11, 'v', '=', 's', 'p', 'f', '1', ' ', '-', 'a', 'l', 'l' };
  /* example.org's question answered with evil.test's record, and its own. */
  g_autoptr (GByteArray) b = response (0x8580, 2);
  add_named_rr (b, "evil.test", DSN_DNS_TXT, plus_all, sizeof plus_all);
  add_rr (b, DSN_DNS_TXT, minus_all, sizeof minus_all);
  DsnDnsAnswer *a = answer_new ();
  g_assert_true (dsn_dns_parse_response (b->data, b->len, DSN_DNS_TXT, a));
  g_assert_cmpuint (a->rrs->len, ==, 1);
  g_assert_cmpstr (((DsnDnsRR *)a->rrs->pdata[0])->data, ==, "v=spf1 -all");
  answer_free (a);

  /* Through a CNAME: example.org -> alias.example.net, whose record counts;
   * a stray CNAME of another name does not extend the chain. */
  g_autoptr (GByteArray) c = response (0x8580, 4);
  static const guint8 target[]
      = { 5, 'a', 'l', 'i', 'a', 's', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'n', 'e', 't', 0 };
  static const guint8 stray[] = { 4, 'e', 'v', 'i', 'l', 4, 't', 'e', 's', 't', 0 };
  add_rr (c, DSN_DNS_CNAME, target, sizeof target);
  add_named_rr (c, "other.test", DSN_DNS_CNAME, stray, sizeof stray);
  add_named_rr (c, "alias.example.net", DSN_DNS_TXT, minus_all, sizeof minus_all);
  add_named_rr (c, "evil.test", DSN_DNS_TXT, plus_all, sizeof plus_all);
  a = answer_new ();
  g_assert_true (dsn_dns_parse_response (c->data, c->len, DSN_DNS_TXT, a));
  g_assert_cmpuint (a->rrs->len, ==, 1);
  g_assert_cmpstr (((DsnDnsRR *)a->rrs->pdata[0])->data, ==, "v=spf1 -all");
  g_assert_cmpuint (a->cnames->len, ==, 1);
  answer_free (a);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/dnswire/query", test_query);
  g_test_add_func ("/dnswire/txt", test_txt);
  g_test_add_func ("/dnswire/mx", test_mx);
  g_test_add_func ("/dnswire/rcode", test_rcode_and_flags);
  g_test_add_func ("/dnswire/tlsa-soa", test_tlsa_soa);
  g_test_add_func ("/dnswire/malformed", test_malformed);
  g_test_add_func ("/dnswire/reverse", test_reverse);
  g_test_add_func ("/dnswire/owner", test_owner);
  return g_test_run ();
}
