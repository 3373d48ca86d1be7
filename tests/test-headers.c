/* Unit tests for the delivery headers' parsers (libdsn/bounce/headers.c):
 * dates in every RFC 5322 form and the violations servers write, Received
 * fields.
 * SPDX-License-Identifier: BSD-2-Clause */
#include "bounce/headers.h"

/* 2024-05-13 10:05:10 UTC */
#define T0 G_GINT64_CONSTANT (1715594710)

static void
test_dates (void)
{
  static const struct {
    const char *text;
    gint64 want; /* -1: not a date */
  } cases[] = {
    /* RFC 5322 §3.3 */
    { "Mon, 13 May 2024 10:05:10 +0000", T0 },
    { "13 May 2024 10:05:10 +0000", T0 },
    { "Mon, 13 May 2024 12:05:10 +0200", T0 },
    { "Mon, 13 May 2024 03:05:10 -0700 (PDT)", T0 },
    { "Mon, 13 May 2024 10:05 +0000", T0 - 10 },
    { "Mon,\t13 May 2024 10:05:10 -0000", T0 },
    { "Mon, 13 May 2024 10:05:60 +0000", T0 + 50 }, /* a leap second */
    /* §4.3: obsolete years and zones */
    { "Mon, 13 May 24 10:05:10 +0000", T0 },
    { "Thu, 13 May 99 10:05:10 +0000", G_GINT64_CONSTANT (926589910) },
    { "Mon, 13 May 124 10:05:10 +0000", T0 },
    { "Mon, 13 May 2024 10:05:10 GMT", T0 },
    { "Mon, 13 May 2024 10:05:10 UT", T0 },
    { "Mon, 13 May 2024 06:05:10 EDT", T0 },
    { "Mon, 13 May 2024 03:05:10 PDT", T0 },
    { "Mon, 13 May 2024 10:05:10 Z", T0 },
    /* Violations */
    { "Mon, 13 May 2024 10:05:10.000 +0000", T0 },
    { "Mon, 13 May 2024 10:05:10.123456789 +0000 UTC m=+0.012", T0 },
    { "Mon, 13 May 2024 10:05:10", T0 },
    { "Mon, 13 May 2024 10:05:10 UTC", T0 },
    { "Mon, 13 May 2024 12:05:10 CEST", T0 },
    { "Mon, 13 May 2024 12:05:10 +02:00", T0 },
    { "Mon, 13 May 2024 12:05:10 GMT+0200", T0 },
    { "Mon, 13 May 2024 12:05:10 UTC+2", T0 },
    { "Mon 13 May 2024 10:05:10 +0000", T0 },
    { "Monday, 13 May 2024 10:05:10 +0000", T0 },
    { "13 MAY 2024 10:05:10 +0000", T0 },
    { "13-May-2024 10:05:10 +0000", T0 },
    { "Mon May 13 10:05:10 2024", T0 },
    { "Mon May 13 10:05:10 UTC 2024", T0 },
    { "2024-05-13T10:05:10Z", T0 },
    { "2024-05-13T12:05:10+02:00", T0 },
    { "2024-05-13 10:05:10 +0000", T0 },
    { "Mon, 13 May 2024 9:05:10 -0100", T0 },
    /* Not dates */
    { "", -1 },
    { "yesterday", -1 },
    { "Mon, 13 May 2024", -1 },
    { "Mon, 31 Feb 2024 10:05:10 +0000", -1 },
    { "Mon, 13 May 2024 25:05:10 +0000", -1 },
    { "Mon, 13 May 2024 10:05:10 +2500", -1 },
    { "Mon, 13 Foo 2024 10:05:10 +0000", -1 },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    gint64 t = -1;
    gboolean ok = dsn_headers_parse_date (cases[i].text, &t);
    if (cases[i].want < 0) {
      if (ok)
        g_test_message ("“%s” read as %" G_GINT64_FORMAT, cases[i].text, t);
      g_assert_false (ok);
    } else {
      if (!ok || t != cases[i].want)
        g_test_message ("“%s”: %s %" G_GINT64_FORMAT, cases[i].text, ok ? "read" : "refused", t);
      g_assert_true (ok);
      g_assert_cmpint (t, ==, cases[i].want);
    }
  }
}

static void
test_received (void)
{
  static const struct {
    const char *value;
    const char *from_host, *from_ip, *by_host;
    gboolean authenticated;
  } cases[] = {
    { "from mail.example.net (mail.example.net [192.0.2.77]) by mx.example.org (Postfix) with "
      "ESMTPS id 1; Mon, 13 May 2024 10:05:10 +0000",
      "mail.example.net", "192.0.2.77", "mx.example.org", FALSE },
    /* Exchange: the address in parentheses */
    { "from mail.example.net (192.0.2.77) by AS9PR06CA0001.mail.protection.outlook.com "
      "(10.167.242.75) with Microsoft SMTP Server id 15.20.7918.13 via Frontend Transport; Mon, "
      "13 May 2024 10:05:10 +0000",
      "mail.example.net", "192.0.2.77", "AS9PR06CA0001.mail.protection.outlook.com", FALSE },
    { "from 198.51.100.20 (EHLO mail.example.org) by 10.217.134.25 with SMTPs; Mon, 13 May 2024 "
      "10:05:10 +0000",
      "198.51.100.20", "198.51.100.20", "10.217.134.25", FALSE },
    { "from [10.1.2.3] (unknown [198.51.100.150]) by smtp.shop.example (Postfix) with ESMTPSA id "
      "1A2B3; Mon, 13 May 2024 10:05:10 +0000",
      "[10.1.2.3]", "198.51.100.150", "smtp.shop.example", TRUE },
    /* SendGrid: no ';' before the date, fractional seconds */
    { "from MTAyODI5Mjk (unknown) by geopod-ismtpd-3 (SG) with HTTP id aBcD-1 Mon, 13 May 2024 "
      "10:05:10.000 +0000 (UTC)",
      "MTAyODI5Mjk", NULL, "geopod-ismtpd-3", FALSE },
    { "by filterdrecv-7bc86b958d-x2x9q with SMTP id filterdrecv-7bc86b958d-x2x9q-1-6641E6C6-2 "
      "2024-05-13 10:05:10.497131551 +0000 UTC m=+3261.123",
      NULL, NULL, "filterdrecv-7bc86b958d-x2x9q", FALSE },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    DsnHop *h = dsn_headers_parse_received (cases[i].value, TRUE);
    g_assert_cmpstr (h->from_host, ==, cases[i].from_host);
    g_assert_cmpstr (h->from_ip, ==, cases[i].from_ip);
    g_assert_cmpstr (h->by_host, ==, cases[i].by_host);
    g_assert_cmpint (h->authenticated, ==, cases[i].authenticated);
    g_assert_cmpint (h->timestamp, ==, T0);
    dsn_headers_hop_free (h);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/headers/dates", test_dates);
  g_test_add_func ("/headers/received", test_received);
  return g_test_run ();
}
