/* Unit tests for the audit's machinery, without DNS (libdsn/audit/): the
 * registry of checks, the plan made from their needs, the job's states, and
 * the helpers checks share. The checks themselves are tested against real
 * servers (tests/dns/golden.py).
 * SPDX-License-Identifier: BSD-2-Clause */
#include "audit/audit.h"

#include <string.h>

/* The areas of the N checks of PLAN, as "mx spf ...". */
static char *
plan_names (const DsnCheck **plan, guint n)
{
  GString *s = g_string_new (NULL);
  for (guint i = 0; i < n; i++)
    g_string_append_printf (s, "%s%s", i ? " " : "", dsn_area_to_string (plan[i]->area));
  return g_string_free (s, FALSE);
}

static char *
plan_of (const DsnCheck *const *checks, DsnArea areas, gboolean address)
{
  const DsnCheck *plan[DSN_N_AREAS];
  guint n = dsn_audit_plan (checks, areas, address, plan);
  return plan_names (plan, n);
}

/* TRUE if every check of PLAN comes after those it needs. */
static gboolean
needs_first (const DsnCheck **plan, guint n)
{
  DsnArea placed = 0;
  for (guint i = 0; i < n; i++) {
    if (plan[i]->needs & ~placed)
      return FALSE;
    placed |= plan[i]->area;
  }
  return TRUE;
}

static void
test_registry (void)
{
  DsnArea seen = 0, needed = 0;
  guint n = 0;
  for (const DsnCheck *const *c = dsn_checks; *c; c++, n++) {
    /* One check per area, each a single known area. */
    g_assert_nonnull (dsn_area_to_string ((*c)->area));
    g_assert_false (seen & (*c)->area);
    seen |= (*c)->area;
    g_assert_nonnull ((*c)->start);
    g_assert_false ((*c)->needs & (*c)->area);
    g_assert_true ((*c)->state_size || !(*c)->clear);
    needed |= (*c)->needs;
  }
  g_assert_cmpuint (n, ==, DSN_N_AREAS);
  g_assert_cmpuint (seen, ==, DSN_AREA_ALL);
  g_assert_cmpuint (needed & ~seen, ==, 0);
}

static void
test_plan (void)
{
  const DsnCheck *plan[DSN_N_AREAS];
  guint n = dsn_audit_plan (dsn_checks, DSN_AREA_ALL, FALSE, plan);
  g_assert_cmpuint (n, ==, DSN_N_AREAS);
  g_assert_true (needs_first (plan, n));

  /* What is asked for brings what it needs, first. */
  const struct {
    DsnArea areas;
    gboolean address;
    const char *plan;
  } cases[] = {
    { DSN_AREA_SPF, FALSE, "spf" },
    { DSN_AREA_BIMI, FALSE, "dmarc bimi" },
    { DSN_AREA_PTR | DSN_AREA_DNSBL, FALSE, "mx ptr dnsbl" },
    { DSN_AREA_MTA_STS | DSN_AREA_TLS_RPT, FALSE, "mx mta-sts tls-rpt" },
    { DSN_AREA_STARTTLS, FALSE, "mx starttls" },
    { DSN_AREA_STARTTLS | DSN_AREA_MTA_STS, FALSE, "mx mta-sts starttls" },
    { DSN_AREA_BIMI | DSN_AREA_DNSBL | DSN_AREA_DKIM, FALSE, "mx dmarc dkim bimi dnsbl" },
    { 0, FALSE, "" },
    /* An address: only the checks that take one, and they need no MX. */
    { DSN_AREA_ALL, TRUE, "ptr dnsbl" },
    { DSN_AREA_PTR, TRUE, "ptr" },
    { DSN_AREA_MX | DSN_AREA_SPF, TRUE, "" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autofree char *got = plan_of (dsn_checks, cases[i].areas, cases[i].address);
    g_assert_cmpstr (got, ==, cases[i].plan);
  }

  /* The needs decide, not the order of the registry. */
  const DsnCheck *reversed[DSN_N_AREAS + 1];
  for (guint i = 0; i < DSN_N_AREAS; i++)
    reversed[i] = dsn_checks[DSN_N_AREAS - 1 - i];
  reversed[DSN_N_AREAS] = NULL;
  n = dsn_audit_plan (reversed, DSN_AREA_ALL, FALSE, plan);
  g_assert_cmpuint (n, ==, DSN_N_AREAS);
  g_assert_true (needs_first (plan, n));
  g_autofree char *got = plan_of (reversed, DSN_AREA_BIMI | DSN_AREA_PTR, FALSE);
  g_assert_cmpstr (got, ==, "dmarc bimi mx ptr");
}

static void
start_nothing (DsnJob *job)
{}

static void
test_plan_broken (void)
{
  /* Needs in a circle, and a need no check meets: said, not looped on. */
  const DsnCheck a = { .area = DSN_AREA_MX, .needs = DSN_AREA_SPF, .start = start_nothing };
  const DsnCheck b = { .area = DSN_AREA_SPF, .needs = DSN_AREA_MX, .start = start_nothing };
  const DsnCheck c = { .area = DSN_AREA_DKIM, .start = start_nothing };
  const DsnCheck d = { .area = DSN_AREA_BIMI, .needs = DSN_AREA_DMARC, .start = start_nothing };
  const DsnCheck *const circle[] = { &a, &b, &c, NULL };
  const DsnCheck *const missing[] = { &c, &d, NULL };
  g_test_expect_message ("libdsn", G_LOG_LEVEL_WARNING, "*runtime check failed*");
  g_autofree char *got = plan_of (circle, DSN_AREA_MX | DSN_AREA_SPF | DSN_AREA_DKIM, FALSE);
  g_test_assert_expected_messages ();
  g_assert_cmpstr (got, ==, "dkim");
  g_test_expect_message ("libdsn", G_LOG_LEVEL_WARNING, "*runtime check failed*");
  g_autofree char *got2 = plan_of (missing, DSN_AREA_BIMI | DSN_AREA_DKIM, FALSE);
  g_test_assert_expected_messages ();
  g_assert_cmpstr (got2, ==, "dkim");
}

typedef struct {
  char *text;
  guint64 zero[4];
} TestState;

static guint n_cleared;

static void
clear_test_state (gpointer data)
{
  TestState *st = data;
  g_free (st->text);
  n_cleared++;
}

static const DsnCheck check_with_state = {
  .area = DSN_AREA_DKIM,
  .state_size = sizeof (TestState),
  .start = start_nothing,
  .clear = clear_test_state,
};
static const DsnCheck check_without_state = { .area = DSN_AREA_TLS_RPT, .start = start_nothing };

static void
test_state (void)
{
  DsnJob *job = dsn_job_new ();
  dsn_job_add_check (job, &check_with_state);
  dsn_job_add_check (job, &check_without_state);
  TestState *st = DSN_JOB_STATE (job, DSN_AREA_DKIM, TestState);
  g_assert_nonnull (st);
  g_assert_null (st->text);
  for (gsize i = 0; i < G_N_ELEMENTS (st->zero); i++)
    g_assert_cmpuint (st->zero[i], ==, 0);
  st->text = g_strdup ("held by the state");
  /* The same state each time; none for a check without one or not added. */
  g_assert_true (DSN_JOB_STATE (job, DSN_AREA_DKIM, TestState) == st);
  g_assert_null (dsn_job_state (job, DSN_AREA_TLS_RPT, 0));
  g_assert_null (DSN_JOB_STATE (job, DSN_AREA_MX, TestState));
  n_cleared = 0;
  dsn_job_free (job);
  g_assert_cmpuint (n_cleared, ==, 1);
}

static void
test_state_wrong_type (void)
{
  /* Asking a check's state as another type is a bug caught at once. */
  if (g_test_subprocess ()) {
    DsnJob *job = dsn_job_new ();
    dsn_job_add_check (job, &check_with_state);
    (void)DSN_JOB_STATE (job, DSN_AREA_DKIM, guint64);
    return;
  }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
}

static void
test_helpers (void)
{
  /* A record with a NUL byte, and one with a byte that is not UTF-8. */
  DsnDnsRR nul = { .type = DSN_DNS_TXT, .data = (char *)"abc\0def", .len = 7 };
  DsnDnsRR bad = { .type = DSN_DNS_TXT, .data = (char *)"v=x\xff;", .len = 5 };
  g_autofree char *t1 = dsn_rr_text (&nul), *t2 = dsn_rr_text_marked (&nul);
  g_autofree char *t3 = dsn_rr_text (&bad), *t4 = dsn_rr_text_marked (&bad);
  g_assert_cmpstr (t1, ==, "abc");
  g_assert_cmpstr (t2, ==, "abc????");
  g_assert_cmpstr (t3, ==, "v=x\xef\xbf\xbd;");
  g_assert_cmpstr (t4, ==, t3);

  g_autoptr (GPtrArray) strings = g_ptr_array_new ();
  g_autofree char *none = dsn_strings_join (strings, ", ");
  g_assert_cmpstr (none, ==, "");
  g_ptr_array_add (strings, (char *)"a");
  g_ptr_array_add (strings, (char *)"b");
  g_autofree char *two = dsn_strings_join (strings, ", ");
  g_assert_cmpstr (two, ==, "a, b");
  g_assert_cmpuint (strings->len, ==, 2);

  g_autofree char *l1 = dsn_mx_server_label ("192.0.2.1", "mx.example.org");
  g_autofree char *l2 = dsn_mx_server_label ("192.0.2.1", NULL);
  g_assert_cmpstr (l1, ==, "192.0.2.1 (mx.example.org)");
  g_assert_cmpstr (l2, ==, "192.0.2.1");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/audit/registry", test_registry);
  g_test_add_func ("/audit/plan", test_plan);
  g_test_add_func ("/audit/plan-broken", test_plan_broken);
  g_test_add_func ("/audit/state", test_state);
  g_test_add_func ("/audit/state-wrong-type", test_state_wrong_type);
  g_test_add_func ("/audit/helpers", test_helpers);
  return g_test_run ();
}
