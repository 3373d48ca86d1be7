/* The BIMI check: default._bimi.DOMAIN (draft-brand-indicators-for-message-
 * identification): record syntax, the logo and certificate (VMC) URLs, and
 * the DMARC enforcement BIMI requires (p=quarantine or reject, pct=100).
 * The logo itself is not downloaded.
 *
 * SPDX-License-Identifier: BSD-2-Clause */
#include "audit.h"

#include <string.h>

typedef struct {
  gboolean checked; /* a single valid-looking record was found */
} BimiState;

static void
on_txt (const DsnDnsAnswer *ans, gpointer data)
{
  DsnJob *job = data;
  BimiState *st = job->state[dsn_area_index (DSN_AREA_BIMI)];
  JsonObject *o = dsn_job_data (job, DSN_AREA_BIMI);
  json_object_set_string_member (o, "name", ans->name);
  json_object_set_array_member (o, "records", dsn_json_txt_records (ans));
  json_object_set_null_member (o, "logo");
  json_object_set_null_member (o, "authority");
  if (dsn_dns_failed (ans)) {
    dsn_job_dns_error (job, "bimi.dns_error", ans);
    return;
  }
  g_autoptr (GPtrArray) recs = dsn_txt_with_prefix (ans, "v=BIMI1");
  if (recs->len == 0) {
    dsn_job_add (job, "bimi.missing", NULL);
    return;
  }
  if (recs->len > 1) {
    g_autofree char *c = g_strdup_printf ("%u", recs->len);
    dsn_job_add (job, "bimi.multiple", "count", c, NULL);
    return;
  }
  DsnBimiRecord *r = dsn_bimi_parse (recs->pdata[0]);
  dsn_json_set_string (o, "logo", r->logo);
  dsn_json_set_string (o, "authority", r->authority);
  if (r->declined)
    dsn_job_add (job, "bimi.declined", NULL);
  else
    st->checked = TRUE;
  dsn_job_add_issues (job, r->issues, NULL, NULL);
  dsn_bimi_record_free (r);
}

void
dsn_bimi_start (DsnJob *job)
{
  int i = dsn_area_index (DSN_AREA_BIMI);
  job->state[i] = g_new0 (BimiState, 1);
  job->state_free[i] = g_free;
  g_autofree char *name = g_strconcat ("default._bimi.", job->domain, NULL);
  dsn_job_lookup (job, name, DSN_DNS_TXT, on_txt, job);
}

void
dsn_bimi_finish (DsnJob *job)
{
  BimiState *st = job->state[dsn_area_index (DSN_AREA_BIMI)];
  if (!st->checked)
    return;
  /* Mailbox providers show the logo only for mail that passes DMARC under
   * an enforced policy. */
  if (dsn_dmarc_policy_rank (job->dmarc_policy) < 1 || job->dmarc_pct < 100) {
    g_autofree char *policy
        = !job->dmarc_policy     ? g_strdup ("(none)")
          : job->dmarc_pct < 100 ? g_strdup_printf ("%s, pct=%d", job->dmarc_policy, job->dmarc_pct)
                                 : g_strdup (job->dmarc_policy);
    dsn_job_add (job, "bimi.dmarc_not_enforced", "policy", policy, NULL);
  }
  if (dsn_job_area_clean (job, DSN_AREA_BIMI))
    dsn_job_add (job, "bimi.ok", NULL);
}
