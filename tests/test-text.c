/* Unit tests for the text scanners (libdsn/text.c).
 * SPDX-License-Identifier: BSD-2-Clause */
#include "bounce/bounce.h"

static void
test_status (void)
{
  char code[12];
  static const struct {
    const char *text;
    const char *want;
  } cases[] = {
    { "550 5.1.1 <a@example.org>: User unknown", "5.1.1" },
    { "#550 5.7.1 RESOLVER.RST.NotAuthorized", "5.7.1" },
    { "smtp; 452 4.2.2 Mailbox full", "4.2.2" },
    { "(5.7.509) Access denied", "5.7.509" },
    { "5.0.0.", "5.0.0" },
    { "host 192.0.2.1 said: 550 no", NULL },
    { "version 5.1.1.4 released", NULL },
    { "Status: 2.0.0", "2.0.0" },
    { "1.2.3 is not a status", NULL },
    { "x5.1.1 glued", NULL },
    { "550-5.1.1 The email account", "5.1.1" },
    { "id 2024-5.1.1", NULL },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    const char *got = dsn_text_find_status (cases[i].text, code);
    if (cases[i].want) {
      g_assert_nonnull (got);
      g_assert_cmpstr (code, ==, cases[i].want);
    } else {
      g_assert_null (got);
    }
  }
}

static void
test_reply_code (void)
{
  char code[4];
  static const struct {
    const char *text;
    const char *want;
  } cases[] = {
    { "550 5.1.1 User unknown", "550" },
    { "550-5.1.1 The email account", "550" },
    { "host mx.example.org[192.0.2.1] said: 452 4.2.2 full", "452" },
    { "[192.0.2.250]:25", NULL },
    { "12:55:02 +0200", NULL },
    { "smtp; 421", "421" },
    { "code 600 is not SMTP", NULL },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    const char *got = dsn_text_find_reply_code (cases[i].text, code);
    if (cases[i].want) {
      g_assert_nonnull (got);
      g_assert_cmpstr (code, ==, cases[i].want);
    } else {
      g_assert_null (got);
    }
  }
}

static void
test_address (void)
{
  static const struct {
    const char *text;
    const char *want;
  } cases[] = {
    { "<kijitora@example.jp>: host said", "kijitora@example.jp" },
    { "rfc822; neko+tag@mx.example.org.", "neko+tag@mx.example.org" },
    { "To: \"Neko\" <n.e-ko@sub.example.com>", "n.e-ko@sub.example.com" },
    { "no address here", NULL },
    { "user@[192.0.2.1] literal", "user@[192.0.2.1]" },
    /* Non-ASCII punctuation ends an address; other characters may be in
     * one (RFC 6531). */
    { "收件人：anna@example.cn", "anna@example.cn" },
    { "宛先（anna@example.jp）、", "anna@example.jp" },
    { "anna@example.cn，请检查", "anna@example.cn" },
    { "用户@例子.广告", "用户@例子.广告" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autofree char *got = dsn_text_find_address (cases[i].text);
    g_assert_cmpstr (got, ==, cases[i].want);
  }
}

static void
test_squeeze_and_search (void)
{
  char s[] = "  one \n\t two   three  ";
  g_assert_cmpstr (dsn_text_squeeze (s), ==, "one two three");
  g_assert_nonnull (dsn_strcasestr ("Mailbox FULL", "box full"));
  g_assert_null (dsn_strcasestr ("Mailbox", "mailboxes"));
  g_assert_true (dsn_has_prefix_ci ("Final-Recipient: x", "final-recipient"));
  g_assert_false (dsn_has_prefix_ci ("Final", "final-recipient"));
  g_assert_true (dsn_has_prefix_ci ("x", ""));
  /* Against a plain search, for needles that start with a letter or not,
   * found at the start, the end, nowhere or only in part. */
  static const char hay[] = "Received: from MX.example.org by relay (5.7.1) <A@B>";
  static const char *const needles[] = { " by ", "<a@b>", "RECEIVED",   "received:x", "(5.7.1)",
                                         "b>",   "b>x",   "mx.EXAMPLE", "z",          "(" };
  for (gsize k = 0; k < G_N_ELEMENTS (needles); k++) {
    const char *want = NULL;
    gsize n = strlen (needles[k]);
    for (const char *p = hay; *p && !want; p++)
      if (strlen (p) >= n && g_ascii_strncasecmp (p, needles[k], n) == 0)
        want = p;
    g_assert_true (dsn_strcasestr (hay, needles[k]) == want);
  }
}

/* The first match of NEEDLE in HAY, case-insensitive, the plain way. */
static const char *
plain_casestr (const char *hay, const char *needle)
{
  gsize n = strlen (needle);
  for (const char *p = hay; *p; p++)
    if (strlen (p) >= n && g_ascii_strncasecmp (p, needle, n) == 0)
      return p;
  return n == 0 ? hay : NULL;
}

/* Random texts of a few letters in both cases and the bytes that differ
 * from a letter by its 0x20 bit only ('@' and '`', '[' and '{'), of every
 * length around the sixteen bytes compared at a time; needles taken from
 * them with their case changed, or made up. */
static void
test_strcasestr_random (void)
{
  static const char alphabet[] = "aAbBeE@`[{ \n";
  GRand *rand = g_rand_new_with_seed (7);
  for (guint t = 0; t < 20000; t++) {
    char hay[80], needle[24];
    guint len = g_rand_int_range (rand, 0, sizeof hay);
    for (guint i = 0; i < len; i++)
      hay[i] = alphabet[g_rand_int_range (rand, 0, sizeof alphabet - 1)];
    hay[len] = '\0';
    guint n = g_rand_int_range (rand, 1, sizeof needle);
    if (len > 0 && g_rand_boolean (rand)) {
      guint at = g_rand_int_range (rand, 0, len);
      n = MIN (n, len - at);
      for (guint i = 0; i < n; i++)
        needle[i] = g_rand_boolean (rand) ? g_ascii_toupper (hay[at + i]) : hay[at + i];
    } else {
      for (guint i = 0; i < n; i++)
        needle[i] = alphabet[g_rand_int_range (rand, 0, sizeof alphabet - 1)];
    }
    needle[n] = '\0';
    g_assert_true (dsn_strcasestr (hay, needle) == plain_casestr (hay, needle));
  }
  g_rand_free (rand);
}

static void
test_fold (void)
{
  static const struct {
    const char *text;
    const char *want;
  } cases[] = {
    { "  Mailbox \n FULL ", "mailbox full" },
    { "BO\xc3\x8eTE AUX LETTRES PLEINE", "boite aux lettres pleine" },
    { "\xc3\x89"
      "chec de la remise\xc2\xa0:",
      "echec de la remise :" },
    { "Empf\xc3\xa4"
      "nger unbekannt, Gr\xc3\xb6\xc3\x9f"
      "e",
      "empfanger unbekannt, grosse" },
    { "l\xe2\x80\x99"
      "adresse",
      "l'adresse" },
    { "buz\xc3\xb3"
      "n lleno",
      "buzon lleno" },
    { "\xe5\xae\x9b\xe5\x85\x88\xe4\xb8\x8d\xe6\x98\x8e", /* Japanese: kept */
      "\xe5\xae\x9b\xe5\x85\x88\xe4\xb8\x8d\xe6\x98\x8e" },
    { "\xe3\x81\x8c", "\xe3\x81\x8c" }, /* kana with a voicing mark: kept */
    { "bad \xff"
      " byte",
      "bad \xff"
      " byte" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autofree char *got = dsn_text_fold (cases[i].text);
    g_assert_cmpstr (got, ==, cases[i].want);
  }
  g_autofree char *folded = dsn_text_fold ("Non remis\xc2\xa0: R\xc3\xa9"
                                           "union");
  g_assert_nonnull (dsn_text_fold_find (folded, "NON REMIS :"));
  g_assert_nonnull (dsn_text_fold_find (folded, "r\xc3\xa9"
                                                "union"));
  g_assert_null (dsn_text_fold_find (folded, "remise"));
  /* Needles folded once and kept: the same answers the second time, and
   * for needles made on the fly in the same buffer. */
  for (int round = 0; round < 2; round++)
    for (int i = 0; i < 300; i++) {
      char needle[32];
      g_snprintf (needle, sizeof needle, "Line %d  OF Text", i);
      g_autofree char *text = g_strdup_printf ("x line %d of text y", i % 150);
      g_autofree char *f = dsn_text_fold (text);
      g_assert_true ((dsn_text_fold_find (f, needle) != NULL) == (i < 150));
    }
}

/* dsn_utf8_validate() gives g_utf8_validate()'s answer, whatever falls
 * where in its eight-byte steps: every start and length over ASCII with
 * one odd byte or sequence put at each place. */
static void
test_utf8_validate (void)
{
  static const char *const odd[] = { "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\xff",
                                     "\xc3",     "\xe2\x82",     "\xed\xa0\x80",     "",
                                     "\x80" };
  for (gsize k = 0; k < G_N_ELEMENTS (odd); k++) {
    gsize olen = strlen (odd[k]) ? strlen (odd[k]) : 1; /* "": a NUL */
    for (gsize at = 0; at < 20; at++) {
      char buf[40];
      memset (buf, 'a', sizeof buf);
      memcpy (buf + at, odd[k], olen);
      for (gsize start = 0; start < 9; start++)
        for (gsize len = 0; start + len <= sizeof buf; len++)
          g_assert_cmpint (dsn_utf8_validate (buf + start, len), ==,
                           g_utf8_validate (buf + start, len, NULL));
      buf[sizeof buf - 1] = '\0';
      for (gsize start = 0; start < 9; start++)
        g_assert_cmpint (dsn_utf8_validate (buf + start, -1), ==,
                         g_utf8_validate (buf + start, -1, NULL));
    }
  }
}

/* dsn_text_lower() is g_ascii_tolower() on each byte, whatever its place
 * in the eight-byte steps; dsn_lower_find() with the text's pairs finds
 * what dsn_strcasestr() finds. */
static void
test_lower (void)
{
  char all[300];
  for (gsize i = 0; i < sizeof all; i++)
    all[i] = (char)(i % 255 + 1); /* every byte but NUL */
  for (gsize start = 0; start < 9; start++)
    for (gsize len = 0; start + len <= sizeof all; len += 7) {
      g_autofree char *low = dsn_text_lower (all + start, len);
      for (gsize i = 0; i < len; i++)
        g_assert_cmpint (low[i], ==, g_ascii_tolower (all[start + i]));
      g_assert_cmpint (low[len], ==, '\0');
    }
  static const char text[] = "Delivery has FAILED to these recipients: \xc3\x89"
                             "chec x";
  static const char *const needles[] = { "failed",
                                         "delivery HAS",
                                         "has failed to",
                                         "recipients: \xc3\x89",
                                         "\xc3\x89"
                                         "CHEC",
                                         "fail to",
                                         "d",
                                         "q",
                                         "x",
                                         "ex",
                                         "",
                                         "tHESE r",
                                         "these  r",
                                         "s: \xc3\xa9" };
  g_autofree char *low = dsn_text_lower (text, strlen (text));
  g_autofree DsnPairs *pairs = g_new (DsnPairs, 1);
  dsn_pairs_fill (pairs, low, strlen (low));
  for (gsize i = 0; i < G_N_ELEMENTS (needles); i++) {
    g_assert_true (dsn_lower_find (text, low, pairs, needles[i])
                   == dsn_strcasestr (text, needles[i]));
    g_assert_true (dsn_lower_find (text, low, NULL, needles[i])
                   == dsn_strcasestr (text, needles[i]));
  }
}

/* The organisational domain, the same when asked again (from the cache of
 * answers) and after other domains pushed it out of the cache. */
static void
test_domain_org (void)
{
  static const struct {
    const char *domain, *org;
  } cases[] = {
    { "mx1.mail.example.co.uk", "example.co.uk" },
    { "example.com", "example.com" },
    { "a.b.example.com", "example.com" },
    { "com", "com" },
    { "localhost", "localhost" },
    { "x.blogspot.com", "x.blogspot.com" },
    { "MX.Example.ORG", "Example.ORG" },
  };
  for (int round = 0; round < 3; round++) {
    for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
      g_autofree char *org = dsn_domain_org (cases[i].domain);
      g_assert_cmpstr (org, ==, cases[i].org);
    }
    for (int i = 0; i < 300; i++) {
      g_autofree char *d = g_strdup_printf ("h%d.d%d.co.uk", i, i % 7);
      g_autofree char *want = g_strdup_printf ("d%d.co.uk", i % 7);
      g_autofree char *org = dsn_domain_org (d);
      g_assert_cmpstr (org, ==, want);
    }
  }
  g_assert_true (dsn_domain_aligned ("bounce.example.co.uk", "EXAMPLE.co.uk"));
  g_assert_false (dsn_domain_aligned ("example.co.uk", "other.co.uk"));
  /* The quick answer for different last labels agrees with the list's. */
  static const struct {
    const char *a, *b;
    gboolean aligned;
  } pairs[] = {
    { "mail.Example.COM", "example.com", TRUE },   { "a.example.com", "b.example.com", TRUE },
    { "example.com", "example.org", FALSE },       { "example.com", "xexample.com", FALSE },
    { "a.example.com", "example.com.", FALSE },    { "com", "example.com", FALSE },
    { "mx.example.net", "example.com", FALSE },    { "x.y.example.co.uk", "example.co.uk", TRUE },
    { "bounce.example.com", "example.co", FALSE }, { "", "example.com", FALSE },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (pairs); i++) {
    g_autofree char *oa = dsn_domain_org (pairs[i].a), *ob = dsn_domain_org (pairs[i].b);
    gboolean by_list = g_ascii_strcasecmp (oa, ob) == 0;
    g_assert_cmpint (by_list, ==, pairs[i].aligned);
    g_assert_cmpint (dsn_domain_aligned (pairs[i].a, pairs[i].b), ==, pairs[i].aligned);
    g_assert_cmpint (dsn_domain_aligned (pairs[i].b, pairs[i].a), ==, pairs[i].aligned);
  }
}

/* dsn_ip_*() answer as GInetAddress does. */
static void
test_ip (void)
{
  static const char *const cases[] = {
    "192.0.2.1",
    "0.0.0.0",
    "127.0.0.1",
    "127.255.0.9",
    "169.254.3.4",
    "10.1.2.3",
    "172.16.0.1",
    "172.31.255.255",
    "172.32.0.1",
    "192.168.1.1",
    "192.169.1.1",
    "224.0.0.1",
    "239.1.1.1",
    "240.0.0.1",
    "255.255.255.255",
    "8.8.8.8",
    "::",
    "::1",
    "::2",
    "fe80::1",
    "febf::1",
    "fec0::1",
    "feff::1",
    "ff02::1",
    "fc00::1",
    "fd12:3456::1",
    "2001:db8::1",
    "2001:DB8:0:0:0:0:0:1",
    "::ffff:10.0.0.1",
    "::ffff:192.0.2.1",
    "1.2.3",
    "01.2.3.4",
    "1.2.3.4.",
    " 1.2.3.4",
    "1.2.3.4 ",
    "256.1.1.1",
    "fe80::1%eth0",
    "",
    "a",
    "::g",
    "1:2:3:4:5:6:7:8:9",
    "2001:db8::192.0.2.1",
    "[::1]",
    "IPv6:::1",
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr (GInetAddress) a = g_inet_address_new_from_string (cases[i]);
    DsnIp ip;
    g_assert_cmpint (dsn_ip_parse (cases[i], &ip), ==, a != NULL);
    if (!a)
      continue;
    g_assert_cmpint (ip.v6, ==, g_inet_address_get_family (a) == G_SOCKET_FAMILY_IPV6);
    g_assert_cmpmem (ip.bytes, ip.v6 ? 16 : 4, g_inet_address_to_bytes (a),
                     g_inet_address_get_native_size (a));
    guint f = dsn_ip_flags (&ip);
    g_assert_cmpint (!!(f & DSN_IP_ANY), ==, g_inet_address_get_is_any (a));
    g_assert_cmpint (!!(f & DSN_IP_LOOPBACK), ==, g_inet_address_get_is_loopback (a));
    g_assert_cmpint (!!(f & DSN_IP_LINK_LOCAL), ==, g_inet_address_get_is_link_local (a));
    g_assert_cmpint (!!(f & DSN_IP_SITE_LOCAL), ==, g_inet_address_get_is_site_local (a));
    g_assert_cmpint (!!(f & DSN_IP_MULTICAST), ==, g_inet_address_get_is_multicast (a));
    g_assert_cmpint (!!(f & DSN_IP_UNIQUE_LOCAL), ==,
                     ip.v6 && (g_inet_address_to_bytes (a)[0] & 0xfe) == 0xfc);
    g_autofree char *s = dsn_ip_to_string (&ip);
    g_autofree char *want = g_inet_address_to_string (a);
    g_assert_cmpstr (s, ==, want);
  }
  DsnIp ip;
  g_assert_true (dsn_ip_parse_len ("192.0.2.1]", 9, &ip));
  g_assert_false (dsn_ip_parse_len ("192.0.2.1]", 10, &ip));
  g_assert_false (dsn_ip_parse_len ("1.2.3.4\0", 8, &ip));
}

/* Network membership, against GLib's masks. */
static void
test_ip_in_net (void)
{
  static const struct {
    const char *ip, *net;
    guint prefix;
  } cases[] = {
    { "209.85.128.5", "209.85.128.0", 17 },
    { "209.85.255.255", "209.85.128.0", 17 },
    { "209.85.127.255", "209.85.128.0", 17 },
    { "40.92.3.4", "40.92.0.0", 15 },
    { "40.94.0.1", "40.92.0.0", 15 },
    { "2a01:111:f403:8001::1", "2a01:111:f403:8000::", 51 },
    { "2a01:111:f403:a000::1", "2a01:111:f403:8000::", 51 },
    { "192.0.2.1", "2001:db8::", 32 },
    { "192.0.2.1", "192.0.2.1", 32 },
    { "192.0.2.1", "0.0.0.0", 0 },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    DsnIp ip, net;
    g_assert_true (dsn_ip_parse (cases[i].ip, &ip));
    g_assert_true (dsn_ip_parse (cases[i].net, &net));
    g_autoptr (GInetAddress) a = g_inet_address_new_from_string (cases[i].ip);
    g_autoptr (GInetAddress) n = g_inet_address_new_from_string (cases[i].net);
    g_autoptr (GInetAddressMask) m = g_inet_address_mask_new (n, cases[i].prefix, NULL);
    gboolean want = g_inet_address_get_family (a) == g_inet_address_get_family (n)
                    && g_inet_address_mask_matches (m, a);
    g_assert_cmpint (dsn_ip_in_net (&ip, &net, cases[i].prefix), ==, want);
  }
}

static void
test_failure_class (void)
{
  g_assert_cmpint (dsn_text_failure_class ("550 5.1.1 user unknown"), ==, '5');
  g_assert_cmpint (dsn_text_failure_class ("250 2.0.0 ok, then 452 4.2.2 over quota"), ==, '4');
  /* The status code's class comes first: "554 4.4.7" is a relay's wrapper. */
  g_assert_cmpint (dsn_text_failure_class ("554 4.4.7 delivery time expired"), ==, '4');
  g_assert_cmpint (dsn_text_failure_class ("421 Service not available"), ==, '4');
  g_assert_cmpint (dsn_text_failure_class ("250 2.1.5 Ok"), ==, 0);
  g_assert_cmpint (dsn_text_failure_class ("I am out of the office until 7 December"), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/text/status", test_status);
  g_test_add_func ("/text/reply-code", test_reply_code);
  g_test_add_func ("/text/address", test_address);
  g_test_add_func ("/text/squeeze", test_squeeze_and_search);
  g_test_add_func ("/text/strcasestr-random", test_strcasestr_random);
  g_test_add_func ("/text/fold", test_fold);
  g_test_add_func ("/text/utf8-validate", test_utf8_validate);
  g_test_add_func ("/text/lower", test_lower);
  g_test_add_func ("/text/domain-org", test_domain_org);
  g_test_add_func ("/text/ip", test_ip);
  g_test_add_func ("/text/ip-in-net", test_ip_in_net);
  g_test_add_func ("/text/failure-class", test_failure_class);
  return g_test_run ();
}
