/* Unit tests for the public DNS-check API (libdsn/dns.c, audit.c, spf.c)
 * without any DNS server: usage errors, an unreachable server, a silent one
 * and cancellation, both async on the caller's main context and blocking.
 * SPDX-License-Identifier: BSD-2-Clause */
#include "audit/audit.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* A UDP socket on 127.0.0.1 that never answers; returns "127.0.0.1:PORT". */
static char *
silent_server (int *fd)
{
  *fd = socket (AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in sa = { 0 };
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  g_assert_cmpint (bind (*fd, (struct sockaddr *)&sa, sizeof sa), ==, 0);
  socklen_t len = sizeof sa;
  getsockname (*fd, (struct sockaddr *)&sa, &len);
  return g_strdup_printf ("127.0.0.1:%u", ntohs (sa.sin_port));
}

/* A port where nothing listens: queries are refused at once. */
static char *
closed_server (void)
{
  int fd;
  g_autofree char *addr = silent_server (&fd);
  close (fd);
  return g_steal_pointer (&addr);
}

static void
test_usage (void)
{
  g_autoptr (DsnResolver) res = dsn_resolver_new ();
  g_autoptr (GError) error = NULL;
  g_assert_false (dsn_resolver_add_server (res, "not-an-address", &error));
  g_assert_error (error, DSN_ERROR, DSN_ERROR_USAGE);
  g_clear_error (&error);
  g_assert_false (dsn_resolver_add_server (res, "192.0.2.1:0", &error));
  g_clear_error (&error);
  g_assert_true (dsn_resolver_add_server (res, "[2001:db8::53]:5353", NULL));
  g_assert_true (dsn_resolver_add_server (res, "192.0.2.53", NULL));

  g_autoptr (DsnAudit) audit
      = dsn_resolver_audit (res, "not a domain", DSN_AREA_ALL, NULL, NULL, NULL, &error);
  g_assert_null (audit);
  g_assert_error (error, DSN_ERROR, DSN_ERROR_USAGE);
  g_clear_error (&error);
  g_autoptr (DsnSpfResult) spf
      = dsn_resolver_check_spf (res, "1.2.3", NULL, "a@example.org", NULL, NULL, &error);
  g_assert_null (spf);
  g_assert_error (error, DSN_ERROR, DSN_ERROR_USAGE);
}

static void
test_unreachable (void)
{
  g_autoptr (DsnResolver) res = dsn_resolver_new ();
  g_autofree char *server = closed_server ();
  g_assert_true (dsn_resolver_add_server (res, server, NULL));
  dsn_resolver_set_timeout (res, 300);
  dsn_resolver_set_retries (res, 0);
  g_autoptr (GError) error = NULL;
  g_autoptr (DsnAudit) audit = dsn_resolver_audit (res, "example.org", DSN_AREA_MX | DSN_AREA_SPF,
                                                   NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (dsn_audit_get_dns_unreachable (audit));
  g_assert_cmpint (dsn_audit_get_verdict (audit, DSN_AREA_MX), ==, DSN_VERDICT_UNKNOWN);
  g_assert_cmpint (dsn_audit_get_verdict (audit, DSN_AREA_DMARC), ==, DSN_VERDICT_SKIPPED);
  g_assert_cmpuint (dsn_audit_get_n_findings (audit), ==, 1);
  const DsnFinding *f = dsn_audit_get_finding (audit, 0);
  g_assert_cmpstr (dsn_finding_get_code (f), ==, "dns.unreachable");
  g_assert_true (dsn_finding_get_unchecked (f));
  g_assert_nonnull (strstr (dsn_finding_get_message (f, "fr"), "serveur DNS"));
  g_autoptr (JsonNode) json = dsn_audit_to_json (audit, "en");
  JsonObject *o = json_node_get_object (json);
  g_assert_cmpstr (json_object_get_string_member (o, "verdict"), ==, "dns-unreachable");
  /* Through a printer, inside an object of the caller's, either back-end. */
  g_autofree char *alone = json_to_string (json, FALSE);
  g_autofree char *want = g_strdup_printf ("{\"audit\":%s}", alone);
  for (int tree = 0; tree < 2; tree++) {
    DsnJson *w = tree ? dsn_json_new_tree () : dsn_json_new_text ();
    dsn_json_begin_object (w);
    dsn_json_set_member_name (w, "audit");
    dsn_audit_write_json (audit, w, "en");
    dsn_json_end_object (w);
    g_autofree char *got = dsn_json_free_to_string (w);
    g_assert_cmpstr (got, ==, want);
  }

  /* A DNS failure is a temperror, not an error of the call. */
  g_autoptr (DsnSpfResult) spf
      = dsn_resolver_check_spf (res, "192.0.2.1", NULL, "a@example.org", NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (dsn_spf_result_get_code (spf), ==, DSN_SPF_TEMPERROR);
  g_assert_nonnull (dsn_spf_result_get_problem (spf, NULL));
}

typedef struct {
  GAsyncResult *audit, *spf;
} Results;

static void
on_audit (GObject *source, GAsyncResult *result, gpointer data)
{
  ((Results *)data)->audit = g_object_ref (result);
}

static void
on_spf (GObject *source, GAsyncResult *result, gpointer data)
{
  ((Results *)data)->spf = g_object_ref (result);
}

static gboolean
cancel (gpointer data)
{
  g_cancellable_cancel (data);
  return G_SOURCE_REMOVE;
}

/* Both checks run at once on the caller's context against a server that
 * never answers; cancelling ends them long before their timeout. */
static void
test_cancel (void)
{
  int fd;
  g_autofree char *server = silent_server (&fd);
  g_autoptr (DsnResolver) res = dsn_resolver_new ();
  g_assert_true (dsn_resolver_add_server (res, server, NULL));
  dsn_resolver_set_timeout (res, 10000);
  GMainContext *ctx = g_main_context_new ();
  g_main_context_push_thread_default (ctx);
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  Results r = { NULL, NULL };
  gint64 start = g_get_monotonic_time ();
  dsn_resolver_audit_async (res, "example.org", DSN_AREA_ALL, NULL, NULL, cancellable, on_audit,
                            &r);
  dsn_resolver_check_spf_async (res, "192.0.2.1", NULL, "a@example.org", NULL, cancellable, on_spf,
                                &r);
  GSource *timer = g_timeout_source_new (100);
  g_source_set_callback (timer, cancel, cancellable, NULL);
  g_source_attach (timer, ctx);
  g_source_unref (timer);
  while (!r.audit || !r.spf)
    g_main_context_iteration (ctx, TRUE);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 5 * G_USEC_PER_SEC);
  g_autoptr (GError) error = NULL;
  g_autoptr (DsnAudit) audit = dsn_resolver_audit_finish (res, r.audit, &error);
  g_assert_null (audit);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_autoptr (DsnSpfResult) spf = dsn_resolver_check_spf_finish (res, r.spf, &error);
  g_assert_null (spf);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_object_unref (r.audit);
  g_object_unref (r.spf);
  while (g_main_context_pending (ctx))
    g_main_context_iteration (ctx, FALSE);
  g_main_context_pop_thread_default (ctx);
  g_main_context_unref (ctx);
  close (fd);
}

static void
test_names (void)
{
  g_assert_cmpstr (dsn_area_to_string (DSN_AREA_MTA_STS), ==, "mta-sts");
  g_assert_null (dsn_area_to_string (DSN_AREA_MX | DSN_AREA_SPF));
  g_assert_cmpstr (dsn_verdict_to_string (DSN_VERDICT_UNKNOWN), ==, "unknown");
  g_assert_cmpstr (dsn_severity_to_string (DSN_SEVERITY_WARNING), ==, "warning");
  g_assert_cmpstr (dsn_spf_code_to_string (DSN_SPF_SOFTFAIL), ==, "softfail");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/resolver/usage", test_usage);
  g_test_add_func ("/resolver/unreachable", test_unreachable);
  g_test_add_func ("/resolver/cancel", test_cancel);
  g_test_add_func ("/resolver/names", test_names);
  return g_test_run ();
}
