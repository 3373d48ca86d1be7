/* The DNSSEC hint: whether the resolver marked the domain's answers as
 * validated (the AD bit, RFC 4035 §3.2.3). It says what the resolver
 * believes, over a path mailcheck cannot vouch for (RFC 6840 §5.7), hence
 * a hint. The TXT answer of the domain is the one looked at: the SPF check
 * asks for it anyway.
 *
 * SPDX-License-Identifier: BSD-2-Clause */
#include "audit.h"

typedef struct {
  gboolean done;
  gboolean ad;
  DsnDnsStatus status;
} DnssecState;

static void
on_answer (const DsnDnsAnswer *ans, gpointer data)
{
  DsnJob *job = data;
  DnssecState *st = DSN_JOB_STATE (job, DSN_AREA_DNSSEC, DnssecState);
  st->done = TRUE;
  st->ad = ans->ad;
  st->status = ans->status;
  if (dsn_dns_failed (ans))
    dsn_job_dns_error (job, "dnssec.dns_error", ans);
}

static void
start (DsnJob *job)
{
  dsn_job_lookup (job, job->domain, DSN_DNS_TXT, on_answer, job);
}

static void
finish (DsnJob *job)
{
  DnssecState *st = DSN_JOB_STATE (job, DSN_AREA_DNSSEC, DnssecState);
  JsonObject *o = dsn_job_data (job, DSN_AREA_DNSSEC);
  g_autofree char *name = g_strdup_printf ("%s TXT", job->domain);
  json_object_set_string_member (o, "checked", name);
  json_object_set_boolean_member (o, "ad", st->ad);
  if (!st->done || dsn_dns_status_failed (st->status))
    return;
  dsn_job_add (job, st->ad ? "dnssec.validated" : "dnssec.not_validated", NULL);
}

DSN_CHECK (dnssec) = {
  .area = DSN_AREA_DNSSEC,
  .state_size = sizeof (DnssecState),
  .start = start,
  .finish = finish,
};
