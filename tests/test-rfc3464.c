/* Unit tests for the delivery-status field parser (libdsn/rfc3464.c).
 * SPDX-License-Identifier: BSD-2-Clause */
#include "bounce/bounce.h"

#include <string.h>

static DsnReport *
parse (const char *text)
{
  DsnReport *rep = dsn_report_new ();
  dsn_rfc3464_parse (rep, text, strlen (text));
  return rep;
}

static void
test_groups (void)
{
  g_autoptr (DsnReport) rep = parse ("Reporting-MTA: dns; mx.example.org\n"
                                     "Arrival-Date: Tue, 01 Aug 2023 15:49:22 +0200\n"
                                     "\n"
                                     "Final-Recipient: rfc822; a@example.org\n"
                                     "Action: failed\n"
                                     "Status: 5.1.1\n"
                                     "Remote-MTA: dns; mx.example.org\n"
                                     "Diagnostic-Code: smtp; 550 5.1.1 <a@example.org>:\n"
                                     "    Recipient address rejected\n"
                                     "X-Vendor-Id: 42\n"
                                     "\n"
                                     "Original-Recipient: rfc822;orig@example.net\n"
                                     "Final-Recipient: RFC822; <b@example.org>\n"
                                     "Action: delayed\n"
                                     "Status: 4.4.1 (no answer)\n"
                                     "Will-Retry-Until: Wed, 02 Aug 2023 15:49:22 +0200\n");
  g_assert_cmpstr (dsn_report_get_field (rep, "reporting-mta"), ==, "mx.example.org");
  g_assert_cmpuint (dsn_report_get_n_recipients (rep), ==, 2);
  const DsnRecipient *a = dsn_report_get_recipient (rep, 0);
  g_assert_cmpstr (a->address, ==, "a@example.org");
  g_assert_cmpint (a->action, ==, DSN_ACTION_FAILED);
  g_assert_cmpstr (a->status, ==, "5.1.1");
  g_assert_cmpstr (a->remote_mta, ==, "mx.example.org");
  g_assert_cmpstr (a->diagnostic_type, ==, "smtp");
  g_assert_cmpstr (a->diagnostic, ==, "550 5.1.1 <a@example.org>: Recipient address rejected");
  g_assert_nonnull (a->extensions);
  g_assert_cmpstr (a->extensions->pdata[0], ==, "X-Vendor-Id: 42");
  const DsnRecipient *b = dsn_report_get_recipient (rep, 1);
  g_assert_cmpstr (b->address, ==, "b@example.org");
  g_assert_cmpstr (b->original, ==, "orig@example.net");
  g_assert_cmpint (b->action, ==, DSN_ACTION_DELAYED);
  g_assert_cmpstr (b->status, ==, "4.4.1");
  g_assert_nonnull (b->will_retry_until);
  g_assert_cmpuint (dsn_report_get_n_warnings (rep), ==, 0);
}

/* Real-world violations: no blank line between recipients, CR LF, a group
 * with only Original-Recipient, an unknown action. */
static void
test_tolerance (void)
{
  g_autoptr (DsnReport) rep = parse ("Final-Recipient: rfc822; a@example.org\r\n"
                                     "Action: failed\r\n"
                                     "Status: 5.2.2\r\n"
                                     "Final-Recipient: rfc822; b@example.org\r\n"
                                     "Action: bounced\r\n"
                                     "\r\n"
                                     "Original-Recipient: rfc822; c@example.org\r\n"
                                     "Action: failed\r\n");
  g_assert_cmpuint (dsn_report_get_n_recipients (rep), ==, 3);
  g_assert_cmpstr (dsn_report_get_recipient (rep, 1)->address, ==, "b@example.org");
  g_assert_cmpstr (dsn_report_get_recipient (rep, 2)->address, ==, "c@example.org");
  g_assert_cmpuint (dsn_report_get_n_warnings (rep), ==, 2);
}

/* Seen from Amazon SES (Action first) and AOL (no blank line at all). */
static void
test_field_order (void)
{
  g_autoptr (DsnReport) ses = parse ("Reporting-MTA: dns; inbound.example\n\n"
                                     "Action: failed\n"
                                     "Final-Recipient: rfc822; a@example.org\n"
                                     "Original-Recipient: rfc822; a@example.org\n"
                                     "Status: 5.1.1\n");
  g_assert_cmpuint (dsn_report_get_n_recipients (ses), ==, 1);
  g_assert_cmpuint (dsn_report_get_n_warnings (ses), ==, 0);
  g_assert_cmpstr (dsn_report_get_recipient (ses, 0)->status, ==, "5.1.1");

  g_autoptr (DsnReport) aol = parse ("Reporting-MTA: dns; omr.example\n"
                                     "X-Queue-ID: 42\n"
                                     "Final-Recipient: rfc822; a@example.org\n"
                                     "Original-Recipient: rfc822;a@example.org\n"
                                     "Action: failed\n"
                                     "Status: 5.2.2\n"
                                     "Final-Recipient: rfc822; b@example.org\n"
                                     "Original-Recipient: rfc822;b@example.org\n"
                                     "Action: failed\n"
                                     "Status: 5.1.1\n");
  g_assert_cmpstr (dsn_report_get_field (aol, "Reporting-MTA"), ==, "omr.example");
  g_assert_cmpstr (dsn_report_get_field (aol, "X-Queue-ID"), ==, "42");
  g_assert_cmpuint (dsn_report_get_n_recipients (aol), ==, 2);
  g_assert_cmpstr (dsn_report_get_recipient (aol, 0)->status, ==, "5.2.2");
  g_assert_cmpstr (dsn_report_get_recipient (aol, 1)->address, ==, "b@example.org");
  g_assert_cmpstr (dsn_report_get_recipient (aol, 1)->status, ==, "5.1.1");
}

/* RFC 6533: utf-8 address type with \x{...} escapes. */
static void
test_utf8 (void)
{
  g_autoptr (DsnReport) rep = parse ("Final-Recipient: utf-8; j\\x{00F6}rg@example.org\n"
                                     "Action: failed\n");
  g_assert_cmpstr (dsn_report_get_recipient (rep, 0)->address, ==, "jörg@example.org");
}

static void
test_typed_value (void)
{
  g_autofree char *type = NULL;
  g_autofree char *v = dsn_rfc3464_typed_value ("SMTP; 550 no; really", &type);
  g_assert_cmpstr (type, ==, "smtp");
  g_assert_cmpstr (v, ==, "550 no; really");
  g_autofree char *type2 = NULL;
  g_autofree char *v2 = dsn_rfc3464_typed_value ("550 5.1.1 User unknown; rejecting", &type2);
  g_assert_null (type2);
  g_assert_cmpstr (v2, ==, "550 5.1.1 User unknown; rejecting");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/rfc3464/groups", test_groups);
  g_test_add_func ("/rfc3464/tolerance", test_tolerance);
  g_test_add_func ("/rfc3464/utf8", test_utf8);
  g_test_add_func ("/rfc3464/field-order", test_field_order);
  g_test_add_func ("/rfc3464/typed-value", test_typed_value);
  return g_test_run ();
}
