/* Unit tests for the SPF record parser and macro expander
 * (libdsn/spf-record.c).
 * SPDX-License-Identifier: BSD-2-Clause */
#include "dns/dns.h"

#include <arpa/inet.h>
#include <string.h>

static void
test_is_record (void)
{
  g_assert_true (dsn_spf_is_record ("v=spf1", 6));
  g_assert_true (dsn_spf_is_record ("V=SpF1 -all", 11));
  g_assert_false (dsn_spf_is_record ("v=spf10", 7));
  g_assert_false (dsn_spf_is_record ("v=spf1mx", 8));
  g_assert_false (dsn_spf_is_record ("spf2.0/pra", 10));
}

static void
test_parse (void)
{
  static const struct {
    const char *record;
    gboolean valid;
    guint terms;
  } cases[] = {
    { "v=spf1", TRUE, 0 },
    { "v=spf1 -all", TRUE, 1 },
    { "v=spf1 a  -all ", TRUE, 2 },
    { "v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 a:mail.example.com/24//64 mx//96 ~all", TRUE, 5 },
    { "v=spf1 include:_spf.example.com exists:%{i}.%{l1r+-}._spf.%{d} ?all", TRUE, 3 },
    { "v=spf1 a:foo:bar/baz.example.com", TRUE, 1 },
    { "v=spf1 a:foo.example.xn--zckzah", TRUE, 1 },
    { "v=spf1 moo.cow-far_out=man:dog/cat ip4:1.2.3.4 -all", TRUE, 3 },
    { "v=spf1 redirect=_spf.example.com exp=explain._spf.%{d}", TRUE, 2 },
    { "v=spf1 default=+", TRUE, 1 },
    { "v=spf1 a:macro%%percent%_%_space%-url-space.example.com", TRUE, 1 },
    /* errors */
    { "v=spf1 ip4:1.2.3.4 -all moo", FALSE, 2 },
    { "v=spf1 moo.cow/far_out=man:dog/cat", FALSE, 0 },
    { "v=spf1 redirect:example.com", FALSE, 0 },
    { "v=spf1 -all.", FALSE, 0 },
    { "v=spf1 -all:x", FALSE, 0 },
    { "v=spf1 ptr/0", FALSE, 0 },
    { "v=spf1 ptr:", FALSE, 0 },
    { "v=spf1 a/33", FALSE, 0 },
    { "v=spf1 a//129", FALSE, 0 },
    { "v=spf1 a/24/64", FALSE, 0 },
    { "v=spf1 ip4:1.2.3.4/032", FALSE, 0 },
    { "v=spf1 ip4:1.2.3", FALSE, 0 },
    { "v=spf1 ip4:1.2.3.4:8080", FALSE, 0 },
    { "v=spf1 ip6::CAFE::BABE", FALSE, 0 },
    { "v=spf1 a:foo-bar", FALSE, 0 },
    { "v=spf1 a:museum.", FALSE, 0 },
    { "v=spf1 a:111.222.33.44", FALSE, 0 },
    { "v=spf1 a:example.-com", FALSE, 0 },
    { "v=spf1 include:example.com/24", FALSE, 0 },
    { "v=spf1 exists:%(ir).example.com", FALSE, 0 },
    { "v=spf1 a:%{a}.example.com", FALSE, 0 },
    { "v=spf1 exp=%{r}.example.com", FALSE, 0 },
    { "v=spf1 exp=", FALSE, 0 },
    { "v=spf1 1up=foo", FALSE, 0 },
    { "v=spf1 =all", FALSE, 0 },
    { "v=spf1 foo=%abc", FALSE, 0 },
    { "v=spf1 exp=a.example.com exp=b.example.com", FALSE, 2 },
    { "v=spf1 a:ctrl.example.com\rptr", FALSE, 0 },
    { "v=spf1 \xc3\xa9", FALSE, 0 },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr (DsnSpfRecord) r = dsn_spf_record_parse (cases[i].record, strlen (cases[i].record));
    if (cases[i].valid != (r->error == NULL))
      g_error ("%s: %s", cases[i].record,
               r->error ? dsn_finding_get_message (r->error, "en") : "accepted");
    g_assert_cmpuint (r->terms->len, ==, cases[i].terms);
  }
  /* What a term holds. */
  const char *text = "v=spf1 ?a:mail.example.com/24//64 -ip6:2001:db8::/32 redirect=x.example.com";
  g_autoptr (DsnSpfRecord) r = dsn_spf_record_parse (text, strlen (text));
  const DsnSpfTerm *a = r->terms->pdata[0], *ip6 = r->terms->pdata[1];
  g_assert_cmpint (a->kind, ==, DSN_SPF_A);
  g_assert_cmpint (a->qualifier, ==, '?');
  g_assert_cmpstr (a->domain_spec, ==, "mail.example.com");
  g_assert_cmpint (a->cidr4, ==, 24);
  g_assert_cmpint (a->cidr6, ==, 64);
  g_assert_cmpint (ip6->kind, ==, DSN_SPF_IP6);
  g_assert_cmpint (ip6->cidr6, ==, 32);
  g_assert_true (r->redirect == r->terms->pdata[2]);
  g_assert_true (dsn_spf_term_counts (a));
  g_assert_false (dsn_spf_term_counts (ip6));
  g_assert_true (dsn_spf_term_counts (r->redirect));
}

/* The examples of RFC 7208 §7.4. */
static void
test_macros (void)
{
  DsnSpfMacroEnv env = { 0 };
  env.sender = "strong-bad@email.example.com";
  env.local = "strong-bad";
  env.sender_domain = "email.example.com";
  env.domain = "email.example.com";
  env.family = AF_INET;
  inet_pton (AF_INET, "192.0.2.3", env.addr);
  env.helo = "mx.example.net";
  env.validated = "mx.example.org";
  static const struct {
    const char *in, *out;
  } v4[] = {
    { "%{s}", "strong-bad@email.example.com" },
    { "%{o}", "email.example.com" },
    { "%{d}", "email.example.com" },
    { "%{d4}", "email.example.com" },
    { "%{d3}", "email.example.com" },
    { "%{d2}", "example.com" },
    { "%{d1}", "com" },
    { "%{dr}", "com.example.email" },
    { "%{d2r}", "example.email" },
    { "%{l}", "strong-bad" },
    { "%{l-}", "strong.bad" },
    { "%{lr}", "strong-bad" },
    { "%{lr-}", "bad.strong" },
    { "%{l1r-}", "strong" },
    { "%{ir}.%{v}._spf.%{d2}", "3.2.0.192.in-addr._spf.example.com" },
    { "%{lr-}.lp._spf.%{d2}", "bad.strong.lp._spf.example.com" },
    { "%{lr-}.lp.%{ir}.%{v}._spf.%{d2}", "bad.strong.lp.3.2.0.192.in-addr._spf.example.com" },
    { "%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}", "3.2.0.192.in-addr.strong.lp._spf.example.com" },
    { "%{d2}.trusted-domains.example.net", "example.com.trusted-domains.example.net" },
    { "%{p}", "mx.example.org" },
    { "%%%_%-", "% %20" },
    { "%{L}", "strong-bad" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (v4); i++) {
    g_autofree char *got = dsn_spf_expand (v4[i].in, &env, FALSE);
    g_assert_cmpstr (got, ==, v4[i].out);
  }
  g_autofree char *c = dsn_spf_expand ("%{c} at %{t}", &env, TRUE);
  g_assert_true (g_str_has_prefix (c, "192.0.2.3 at "));
  g_assert_null (dsn_spf_expand ("%{c}", &env, FALSE)); /* c, r, t: exp= text only */
  g_assert_null (dsn_spf_expand ("%{d0}", &env, FALSE));
  g_assert_null (dsn_spf_expand ("100%", &env, FALSE));

  env.family = AF_INET6;
  inet_pton (AF_INET6, "2001:db8::cb01", env.addr);
  g_autofree char *v6 = dsn_spf_expand ("%{ir}.%{v}._spf.%{d2}", &env, FALSE);
  /* The nibbles come upper case, as the openspf suite expects; a DNS name's
   * case does not matter. */
  g_assert_cmpstr (
      v6, ==,
      "1.0.B.C.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.B.D.0.1.0.0.2.ip6._spf.example.com");
  env.local = "~jack&jill=up-a_b3.c";
  g_autofree char *up = dsn_spf_expand ("%{L}", &env, FALSE);
  g_assert_cmpstr (up, ==, "~jack%26jill%3Dup-a_b3.c");
}

static void
test_domains (void)
{
  g_assert_true (dsn_spf_domain_ok ("example.com"));
  g_assert_true (dsn_spf_domain_ok ("example.com."));
  g_assert_false (dsn_spf_domain_ok ("localhost"));
  g_assert_false (dsn_spf_domain_ok ("a..example.com"));
  g_assert_false (dsn_spf_domain_ok ("[192.0.2.1]"));
  g_autofree char *label64 = g_strnfill (64, 'a');
  g_autofree char *long_name = g_strconcat (label64, ".example.com", NULL);
  g_assert_false (dsn_spf_domain_ok (long_name));

  g_autofree char *dot = dsn_spf_domain_fit ("example.com.");
  g_assert_cmpstr (dot, ==, "example.com");
  /* Over 253 bytes, labels go from the left (RFC 7208 §7.3). */
  GString *s = g_string_new (NULL);
  for (int i = 0; i < 30; i++)
    g_string_append_printf (s, "label%03d.", i);
  g_string_append (s, "example.com");
  g_autofree char *fit = dsn_spf_domain_fit (s->str);
  g_assert_cmpuint (strlen (fit), <=, 253);
  g_assert_true (g_str_has_suffix (fit, ".label029.example.com"));
  g_assert_true (g_str_has_prefix (fit, "label"));
  g_string_free (s, TRUE);
}

static void
test_networks (void)
{
  int family;
  guint8 a[16], net[16];
  g_assert_true (dsn_parse_ip ("::ffff:192.0.2.1", &family, a));
  g_assert_cmpint (family, ==, AF_INET); /* mapped: treated as IPv4 (RFC 7208 §5) */
  inet_pton (AF_INET, "192.0.2.0", net);
  g_assert_true (dsn_ip_in_network (AF_INET, a, net, 24));
  g_assert_false (dsn_ip_in_network (AF_INET, a, net, 32));
  g_assert_true (dsn_ip_in_network (AF_INET, a, net, 0));
  g_assert_true (dsn_parse_ip ("2001:db8:1234::cafe", &family, a));
  inet_pton (AF_INET6, "2001:db8:1200::", net);
  g_assert_true (dsn_ip_in_network (AF_INET6, a, net, 38));
  g_assert_false (dsn_ip_in_network (AF_INET6, a, net, 48));
  g_assert_false (dsn_parse_ip ("1.2.3", &family, a));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/spf/is-record", test_is_record);
  g_test_add_func ("/spf/parse", test_parse);
  g_test_add_func ("/spf/macros", test_macros);
  g_test_add_func ("/spf/domains", test_domains);
  g_test_add_func ("/spf/networks", test_networks);
  return g_test_run ();
}
