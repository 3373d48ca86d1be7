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
  BimiState *st = DSN_JOB_STATE (job, DSN_AREA_BIMI, BimiState);
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
    /* A record of another version is ignored, not missing. */
    g_autoptr (GPtrArray) other = dsn_txt_with_prefix (ans, "v=BIMI");
    if (other->len) {
      g_autofree char *text = g_utf8_make_valid (other->pdata[0], -1);
      g_autofree char *version = g_strndup (text + 2, strcspn (text + 2, "; \t"));
      dsn_job_add (job, "bimi.bad_version", "version", version, "record", text, NULL);
    } else {
      dsn_job_add (job, "bimi.missing", NULL);
    }
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

static void
start (DsnJob *job)
{
  g_autofree char *name = g_strconcat ("default._bimi.", job->domain, NULL);
  dsn_job_lookup (job, name, DSN_DNS_TXT, on_txt, job);
}

static void
finish (DsnJob *job)
{
  BimiState *st = DSN_JOB_STATE (job, DSN_AREA_BIMI, BimiState);
  if (!st->checked)
    return;
  /* Mailbox providers show the logo only for mail that passes DMARC under
   * an enforced policy. */
  const char *dmarc = dsn_dmarc_policy (job);
  int pct = dsn_dmarc_pct (job);
  /* sp=, when the domain's record has one, must be enforced too: BIMI
   * requires the whole organization's mail to be. */
  const char *sp = dsn_dmarc_subdomain_policy (job);
  gboolean sp_weak = sp && dsn_dmarc_policy_rank (sp) < 1;
  if (dsn_dmarc_policy_rank (dmarc) < 1 || pct < 100 || sp_weak) {
    g_autofree char *policy = !dmarc      ? g_strdup ("value.no_policy")
                              : pct < 100 ? g_strdup_printf ("%s, pct=%d", dmarc, pct)
                              : sp_weak   ? g_strdup_printf ("%s, sp=%s", dmarc, sp)
                                          : g_strdup (dmarc);
    /* No DMARC record: "(none)" in the language of the text. */
    dsn_job_add (job, "bimi.dmarc_not_enforced", dmarc ? "policy" : "policy@", policy, NULL);
  }
  if (dsn_job_area_clean (job, DSN_AREA_BIMI))
    dsn_job_add (job, "bimi.ok", NULL);
}

DSN_CHECK (bimi) = {
  .area = DSN_AREA_BIMI,
  .needs = DSN_AREA_DMARC,
  .state_size = sizeof (BimiState),
  .start = start,
  .finish = finish,
};
