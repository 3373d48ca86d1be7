/* The TLS-RPT check (RFC 8460): _smtp._tls.DOMAIN says where senders
 * report TLS failures, which is what makes MTA-STS problems visible.
 *
 * SPDX-License-Identifier: BSD-2-Clause */
#include "audit.h"

#include <string.h>

static void
on_txt (const DsnDnsAnswer *ans, gpointer data)
{
  DsnJob *job = data;
  JsonObject *o = dsn_job_data (job, DSN_AREA_TLS_RPT);
  json_object_set_string_member (o, "name", ans->name);
  json_object_set_array_member (o, "records", dsn_json_txt_records (ans));
  json_object_set_null_member (o, "rua");
  if (dsn_dns_failed (ans)) {
    dsn_job_dns_error (job, "tls_rpt.dns_error", ans);
    return;
  }
  /* Records are selected by their version (RFC 8460 §3). */
  g_autoptr (GPtrArray) recs = dsn_txt_with_prefix (ans, "v=TLSRPTv1");
  if (recs->len == 0) {
    /* Known only once every lookup is done: whether the domain takes mail. */
    *DSN_JOB_STATE (job, DSN_AREA_TLS_RPT, gboolean) = TRUE;
    return;
  }
  if (recs->len > 1) {
    g_autofree char *c = g_strdup_printf ("%u", recs->len);
    dsn_job_add (job, "tls_rpt.multiple", "count", c, NULL);
    return;
  }
  DsnTlsRptRecord *r = dsn_tlsrpt_parse (recs->pdata[0]);
  if (r->rua) {
    JsonArray *rua = json_array_new ();
    for (guint i = 0; i < r->rua->len; i++)
      json_array_add_string_element (rua, ((DsnReportUri *)r->rua->pdata[i])->uri);
    json_object_set_array_member (o, "rua", rua);
  }
  dsn_job_add_issues (job, r->issues, NULL, NULL);
  if (!r->issues->len) {
    g_autoptr (GPtrArray) uris = g_ptr_array_new ();
    for (guint i = 0; i < r->rua->len; i++)
      g_ptr_array_add (uris, ((DsnReportUri *)r->rua->pdata[i])->uri);
    g_autofree char *list = dsn_strings_join (uris, ", ");
    dsn_job_add (job, "tls_rpt.ok", "rua", list, NULL);
  }
  dsn_tlsrpt_record_free (r);
}

static void
start (DsnJob *job)
{
  g_autofree char *name = g_strconcat ("_smtp._tls.", job->domain, NULL);
  dsn_job_lookup (job, name, DSN_DNS_TXT, on_txt, job);
}

static void
finish (DsnJob *job)
{
  /* Senders report on their attempts to deliver: to a domain that takes no
   * mail (null MX), there are none. */
  if (*DSN_JOB_STATE (job, DSN_AREA_TLS_RPT, gboolean))
    dsn_job_add (job, dsn_mx_null (job) ? "tls_rpt.not_needed" : "tls_rpt.missing", NULL);
}

/* The state: TRUE when there is no record. */
DSN_CHECK (tls_rpt) = {
  .area = DSN_AREA_TLS_RPT,
  .state_size = sizeof (gboolean),
  .start = start,
  .finish = finish,
};
