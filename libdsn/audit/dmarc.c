/* The DMARC check: policy discovery by the DNS tree walk of RFC 9989 (query
 * _dmarc.DOMAIN, then its parents, at most 4 labels deep, up to the first
 * single valid record), the record's tags, the strength of the policy, and
 * the authorization of external report destinations (RFC 7489 §7.1).
 * Where RFC 7489 receivers (organizational domain from the public suffix
 * list, no tree walk, pct=) would see things differently, a finding says so.
 *
 * SPDX-License-Identifier: BSD-2-Clause */
#include "audit.h"

#include <string.h>

typedef struct {
  char *name;
  DsnDnsStatus status;
  GPtrArray *records;
} Step;

typedef struct {
  char *domain;   /* report destination domain */
  char *name;     /* the authorization record's name */
  int authorized; /* 1 yes, 0 no, -1 unknown */
} External;

typedef struct {
  GPtrArray *targets; /* domains to try, in order */
  guint next;
  GPtrArray *steps;
  char *found_at;
  char *record;
  DsnDmarcRecord *rec;
  gboolean failed;
  GPtrArray *external;
} DmarcState;

static void
step_free (Step *s)
{
  g_free (s->name);
  g_ptr_array_unref (s->records);
  g_free (s);
}

static void
external_free (External *e)
{
  g_free (e->domain);
  g_free (e->name);
  g_free (e);
}

static void
clear (gpointer data)
{
  DmarcState *st = data;
  if (st->targets)
    g_ptr_array_unref (st->targets);
  if (st->steps)
    g_ptr_array_unref (st->steps);
  g_free (st->found_at);
  g_free (st->record);
  dsn_dmarc_record_free (st->rec);
  if (st->external)
    g_ptr_array_unref (st->external);
}

/* The targets of the tree walk (RFC 9989): the domain, then, if it has 5
 * labels or more, its last 4, then one label less at a time. */
static GPtrArray *
walk_targets (const char *domain)
{
  GPtrArray *t = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (t, g_strdup (domain));
  g_auto (GStrv) labels = g_strsplit (domain, ".", -1);
  guint n = g_strv_length (labels);
  guint keep = n >= 5 ? 4 : n - 1;
  for (; keep >= 1; keep--)
    g_ptr_array_add (t, g_strjoinv (".", labels + (n - keep)));
  return t;
}

/* Report destinations are "external" (RFC 7489 §7.1) when they are not in
 * the same organization: same organizational domain, from the Public Suffix
 * List, as DMARC alignment decides it. */
static gboolean
same_organization (const char *a, const char *b)
{
  return dsn_domain_aligned (a, b);
}

static void walk (DsnJob *job);

static void
on_authorization (const DsnDnsAnswer *ans, gpointer data)
{
  External *e = data;
  if (dsn_dns_failed (ans)) {
    e->authorized = -1;
    return;
  }
  g_autoptr (GPtrArray) recs = dsn_txt_with_prefix (ans, "v=DMARC1");
  e->authorized = recs->len > 0;
}

static void
check_external (DsnJob *job, DmarcState *st, GPtrArray *uris)
{
  for (guint i = 0; uris && i < uris->len; i++) {
    const DsnReportUri *u = uris->pdata[i];
    if (!u->address || same_organization (u->domain, st->found_at))
      continue;
    gboolean seen = FALSE;
    for (guint k = 0; k < st->external->len; k++)
      seen |= !strcmp (((External *)st->external->pdata[k])->domain, u->domain);
    if (seen)
      continue;
    External *e = g_new0 (External, 1);
    e->domain = g_strdup (u->domain);
    e->name = g_strdup_printf ("%s._report._dmarc.%s", st->found_at, u->domain);
    e->authorized = -1;
    g_ptr_array_add (st->external, e);
    dsn_job_lookup (job, e->name, DSN_DNS_TXT, on_authorization, e);
  }
}

static void
on_dmarc (const DsnDnsAnswer *ans, gpointer data)
{
  DsnJob *job = data;
  DmarcState *st = DSN_JOB_STATE (job, DSN_AREA_DMARC, DmarcState);
  const char *target = st->targets->pdata[st->next - 1];
  Step *s = g_new0 (Step, 1);
  s->name = g_strdup (ans->name);
  s->status = ans->status;
  s->records = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; ans->status == DSN_DNS_OK && i < ans->rrs->len; i++) {
    g_ptr_array_add (s->records, dsn_rr_text (ans->rrs->pdata[i]));
  }
  g_ptr_array_add (st->steps, s);
  if (dsn_dns_failed (ans)) {
    /* Could not check: stop, rather than report a parent's policy as ours. */
    st->failed = TRUE;
    if (dsn_job_wants (job, DSN_AREA_DMARC))
      dsn_job_dns_error (job, "dmarc.dns_error", ans);
    return;
  }
  g_autoptr (GPtrArray) recs = dsn_txt_with_prefix (ans, "v=DMARC1");
  if (recs->len > 1 && dsn_job_wants (job, DSN_AREA_DMARC)) {
    g_autofree char *c = g_strdup_printf ("%u", recs->len);
    dsn_job_add (job, "dmarc.multiple", "name", ans->name, "count", c, NULL);
  }
  if (recs->len == 1) {
    st->found_at = g_strdup (target);
    st->record = g_strdup (recs->pdata[0]);
    st->rec = dsn_dmarc_parse (st->record);
    if (st->rec->valid) {
      check_external (job, st, st->rec->rua);
      check_external (job, st, st->rec->ruf);
    }
    return;
  }
  walk (job);
}

static void
walk (DsnJob *job)
{
  DmarcState *st = DSN_JOB_STATE (job, DSN_AREA_DMARC, DmarcState);
  if (st->next >= st->targets->len)
    return;
  g_autofree char *name = g_strconcat ("_dmarc.", (char *)st->targets->pdata[st->next++], NULL);
  dsn_job_lookup (job, name, DSN_DNS_TXT, on_dmarc, job);
}

static void
start (DsnJob *job)
{
  DmarcState *st = DSN_JOB_STATE (job, DSN_AREA_DMARC, DmarcState);
  st->targets = walk_targets (job->domain);
  st->steps = g_ptr_array_new_with_free_func ((GDestroyNotify)step_free);
  st->external = g_ptr_array_new_with_free_func ((GDestroyNotify)external_free);
  walk (job);
}

/* The record in force comes from a parent domain. */
static gboolean
inherited (DsnJob *job, const DmarcState *st)
{
  return st->found_at && strcmp (st->found_at, job->domain) != 0;
}

/* BIMI needs the policy even when DMARC is not reported. */
const char *
dsn_dmarc_policy (DsnJob *job)
{
  DmarcState *st = DSN_JOB_STATE (job, DSN_AREA_DMARC, DmarcState);
  const DsnDmarcRecord *r = st ? st->rec : NULL;
  if (!r || !r->valid)
    return NULL;
  return inherited (job, st) && r->sp ? r->sp : r->p ? r->p : "none";
}

int
dsn_dmarc_pct (DsnJob *job)
{
  DmarcState *st = DSN_JOB_STATE (job, DSN_AREA_DMARC, DmarcState);
  return dsn_dmarc_policy (job) && st->rec->pct >= 0 ? st->rec->pct : 100;
}

static guint
n_labels (const char *d)
{
  guint n = 1;
  for (; *d; d++)
    n += *d == '.';
  return n;
}

static void
finish (DsnJob *job)
{
  DmarcState *st = DSN_JOB_STATE (job, DSN_AREA_DMARC, DmarcState);
  gboolean from_parent = inherited (job, st);
  DsnDmarcRecord *r = st->rec;
  const char *policy = dsn_dmarc_policy (job);
  JsonObject *o = dsn_job_data (job, DSN_AREA_DMARC);
  JsonArray *lookups = json_array_new ();
  for (guint i = 0; i < st->steps->len; i++) {
    Step *s = st->steps->pdata[i];
    JsonObject *l = json_object_new ();
    json_object_set_string_member (l, "name", s->name);
    json_object_set_string_member (l, "status", dsn_dns_status_to_string (s->status));
    json_object_set_array_member (l, "records", dsn_json_strv (s->records));
    json_array_add_object_element (lookups, l);
  }
  json_object_set_array_member (o, "lookups", lookups);
  dsn_json_set_string (o, "found_at", st->found_at);
  dsn_json_set_string (o, "record", st->record);
  json_object_set_boolean_member (o, "inherited", from_parent);
  if (r && r->tags)
    json_object_set_object_member (o, "tags", dsn_taglist_to_json (r->tags));
  else
    json_object_set_null_member (o, "tags");
  dsn_json_set_string (o, "policy", policy);
  JsonArray *ext = json_array_new ();
  for (guint i = 0; i < st->external->len; i++) {
    External *e = st->external->pdata[i];
    JsonObject *x = json_object_new ();
    json_object_set_string_member (x, "domain", e->domain);
    json_object_set_string_member (x, "name", e->name);
    if (e->authorized < 0)
      json_object_set_null_member (x, "authorized");
    else
      json_object_set_boolean_member (x, "authorized", e->authorized);
    json_array_add_object_element (ext, x);
  }
  json_object_set_array_member (o, "external", ext);

  if (st->failed)
    return;
  if (!st->found_at) {
    dsn_job_add (job, "dmarc.missing", "domain", job->domain, NULL);
    return;
  }
  dsn_job_add_issues (job, r->issues, "domain", st->found_at);
  if (!r->valid)
    return;
  if (from_parent) {
    dsn_job_add (job, "dmarc.inherited", "domain", job->domain, "found_at", st->found_at, "policy",
                 policy, NULL);
    if (r->psd && !strcmp (r->psd, "y"))
      dsn_job_add (job, "dmarc.psd", "found_at", st->found_at, NULL);
    else if (n_labels (st->found_at) >= 3)
      dsn_job_add (job, "dmarc.compat_tree_walk", "found_at", st->found_at, NULL);
  }
  int rank = dsn_dmarc_policy_rank (policy);
  if (rank == 0 && r->p)
    dsn_job_add (job, "dmarc.policy_none", NULL);
  else if (rank == 1)
    dsn_job_add (job, "dmarc.policy_quarantine", NULL);
  if (!from_parent && r->sp && dsn_dmarc_policy_rank (r->sp) < dsn_dmarc_policy_rank (r->p))
    dsn_job_add (job, "dmarc.sp_weaker", "p", r->p, "sp", r->sp, NULL);
  if (r->pct >= 0 && r->pct < 100) {
    g_autofree char *pct = g_strdup_printf ("%d", r->pct);
    dsn_job_add (job, "dmarc.pct", "pct", pct, NULL);
  }
  if (r->t && !strcmp (r->t, "y"))
    dsn_job_add (job, "dmarc.testing", NULL);
  if (!r->rua || !r->rua->len)
    dsn_job_add (job, "dmarc.no_rua", NULL);
  for (guint i = 0; i < st->external->len; i++) {
    External *e = st->external->pdata[i];
    if (e->authorized == 0)
      dsn_job_add (job, "dmarc.external_unauthorized", "destination", e->domain, "name", e->name,
                   NULL);
    else if (e->authorized < 0)
      dsn_job_add (job, "dmarc.dns_error", "query", e->name, "status", "failed", NULL);
  }
  if (dsn_job_area_clean (job, DSN_AREA_DMARC))
    dsn_job_add (job, "dmarc.ok", "policy", policy, NULL);
}

DSN_CHECK (dmarc) = {
  .area = DSN_AREA_DMARC,
  .state_size = sizeof (DmarcState),
  .start = start,
  .finish = finish,
  .clear = clear,
};
