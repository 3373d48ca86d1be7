/* The DMARC check: policy discovery by the DNS tree walk of RFC 9989 (query
 * _dmarc.DOMAIN, then its parents, from at most 7 labels, one label at a
 * time, up to the first single valid record), the record's tags, the
 * strength of the policy, the authorization of external report destinations
 * (RFC 7489 §7.1) and whether their domains take mail at all. Where RFC 7489
 * receivers (organizational domain from the public suffix list, no tree
 * walk, pct=) would see things differently, a finding says so. Records in
 * the wrong place or the wrong shape are named as such, not as missing: one
 * at the domain itself, an SPF record at _dmarc, a record that does not
 * start with v=DMARC1, strings joined where a separator is missing.
 *
 * SPDX-License-Identifier: BSD-2-Clause */
#include "audit.h"

#include <string.h>

typedef struct {
  char *name;
  DsnDnsStatus status;
  GPtrArray *records;
  /* without a v=DMARC1 record there: the first that looks like DMARC, the
   * first SPF record */
  char *broken, *spf;
} Step;

typedef struct {
  char *domain;   /* report destination domain */
  char *name;     /* the authorization record's name */
  int authorized; /* 1 yes, 0 no, -1 unknown */
} External;

/* A report destination's domain, and whether it takes mail (RFC 5321 §5.1). */
typedef enum {
  TAKES_PENDING,
  TAKES_MAIL,
  TAKES_NXDOMAIN,
  TAKES_NULL_MX,
  TAKES_NO_HOST,
  TAKES_FAILED
} Takes;

typedef struct {
  DsnJob *job;
  char *domain;
  char *address; /* the first report address there */
  Takes takes;
  guint pending;
  gboolean has_address;
  char *failed_query;
  DsnDnsStatus failed_status;
} ReportDomain;

typedef struct {
  GPtrArray *targets; /* domains to try, in order */
  guint next;
  GPtrArray *steps;
  char *found_at;
  char *record;
  DsnDmarcRecord *rec;
  gboolean failed;
  GPtrArray *external;
  GPtrArray *report_domains; /* ReportDomain */
  char *apex;                /* a v=DMARC1 record at the domain itself */
  GPtrArray *split;          /* the strings of the record, when joining them breaks it */
} DmarcState;

static void
step_free (Step *s)
{
  g_free (s->name);
  g_ptr_array_unref (s->records);
  g_free (s->broken);
  g_free (s->spf);
  g_free (s);
}

static void
report_domain_free (ReportDomain *r)
{
  g_free (r->domain);
  g_free (r->address);
  g_free (r->failed_query);
  g_free (r);
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
  if (st->report_domains)
    g_ptr_array_unref (st->report_domains);
  g_free (st->apex);
  if (st->split)
    g_ptr_array_unref (st->split);
}

/* The targets of the tree walk (RFC 9989 §4.10.1): the domain, then one
 * label less at a time; a name of 8 labels or more first loses those left
 * of its last 7. */
static GPtrArray *
walk_targets (const char *domain)
{
  GPtrArray *t = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (t, g_strdup (domain));
  g_auto (GStrv) labels = g_strsplit (domain, ".", -1);
  guint n = g_strv_length (labels);
  guint keep = n >= 8 ? 7 : n - 1;
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

/* ------------------------------------------------------------ report domains */

static void
note_failure (ReportDomain *r, const DsnDnsAnswer *ans)
{
  r->takes = TAKES_FAILED;
  if (!r->failed_query) {
    r->failed_query = g_strdup_printf ("%s %s", ans->name, dsn_dns_type_to_string (ans->type));
    r->failed_status = ans->status;
  }
}

static void
on_report_address (const DsnDnsAnswer *ans, gpointer data)
{
  ReportDomain *r = data;
  if (dsn_dns_failed (ans))
    note_failure (r, ans);
  else if (ans->status == DSN_DNS_OK && ans->rrs->len)
    r->has_address = TRUE;
  if (--r->pending)
    return;
  /* Without MX, mail goes to the domain's own address (RFC 5321 §5.1). */
  if (r->has_address)
    r->takes = TAKES_MAIL;
  else if (r->takes != TAKES_FAILED)
    r->takes = TAKES_NO_HOST;
}

static void
on_report_mx (const DsnDnsAnswer *ans, gpointer data)
{
  ReportDomain *r = data;
  if (dsn_dns_failed (ans)) {
    note_failure (r, ans);
    return;
  }
  if (ans->status == DSN_DNS_NXDOMAIN) {
    r->takes = TAKES_NXDOMAIN;
    return;
  }
  if (ans->rrs->len) {
    /* A lone "MX 0 ." takes no mail (RFC 7505 §3). */
    gboolean null_mx = ans->rrs->len == 1 && !*((DsnDnsRR *)ans->rrs->pdata[0])->data;
    r->takes = null_mx ? TAKES_NULL_MX : TAKES_MAIL;
    return;
  }
  r->pending = 2;
  dsn_job_lookup (r->job, r->domain, DSN_DNS_A, on_report_address, r);
  dsn_job_lookup (r->job, r->domain, DSN_DNS_AAAA, on_report_address, r);
}

/* Looks up whether the domains of the mailto: report addresses of URIS take
 * mail: reports to a domain that takes none are lost. */
static void
check_report_domains (DsnJob *job, DmarcState *st, GPtrArray *uris)
{
  for (guint i = 0; uris && i < uris->len; i++) {
    const DsnReportUri *u = uris->pdata[i];
    if (!u->address || !u->domain)
      continue;
    gboolean seen = FALSE;
    for (guint k = 0; k < st->report_domains->len; k++)
      seen |= !strcmp (((ReportDomain *)st->report_domains->pdata[k])->domain, u->domain);
    if (seen)
      continue;
    ReportDomain *r = g_new0 (ReportDomain, 1);
    r->job = job;
    r->domain = g_strdup (u->domain);
    r->address = g_strdup (u->address);
    g_ptr_array_add (st->report_domains, r);
    dsn_job_lookup (job, r->domain, DSN_DNS_MX, on_report_mx, r);
  }
}

/* ------------------------------------------------------------ the walk */

/* A TXT record that means to be DMARC but does not start with v=DMARC1. */
static gboolean
looks_like_dmarc (const char *text)
{
  g_autofree char *lower = g_ascii_strdown (text, -1);
  g_strstrip (lower);
  return strstr (lower, "v=dmarc") || g_str_has_prefix (lower, "p=") || strstr (lower, ";p=")
         || strstr (lower, "; p=") || strstr (lower, "rua=mailto:");
}

/* The issues of the record that receivers stumble on. */
static guint
serious_issues (const DsnDmarcRecord *r)
{
  guint n = !r->valid;
  for (guint i = 0; i < r->issues->len; i++) {
    const char *code = ((DsnIssue *)r->issues->pdata[i])->code;
    n += !strcmp (code, "dmarc.bad_policy") || !strcmp (code, "dmarc.bad_value")
         || !strcmp (code, "dmarc.unknown_tag") || !strcmp (code, "dmarc.bad_uri");
  }
  return n;
}

/* The record TEXT, made of the strings of RR, breaks where two strings meet
 * without the separator: "p=reject" "rua=..." reads "p=rejectrua=...".
 * The strings when a separator between them makes it right, else NULL. */
static GPtrArray *
badly_split (const DsnDnsAnswer *ans, const char *text, const DsnDmarcRecord *rec)
{
  if (!serious_issues (rec))
    return NULL;
  for (guint i = 0; i < ans->rrs->len; i++) {
    const DsnDnsRR *rr = ans->rrs->pdata[i];
    if (!rr->strings || rr->strings->len < 2 || rr->len != strlen (text)
        || memcmp (rr->data, text, rr->len))
      continue;
    g_autofree char *joined = dsn_strings_join (rr->strings, "; ");
    DsnDmarcRecord *alt = dsn_dmarc_parse (joined);
    gboolean better = alt->valid && serious_issues (alt) < serious_issues (rec);
    dsn_dmarc_record_free (alt);
    if (!better)
      return NULL;
    GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
    for (guint k = 0; k < rr->strings->len; k++) {
      g_autofree char *valid = g_utf8_make_valid (rr->strings->pdata[k], -1);
      g_ptr_array_add (out, g_strdup_printf ("\"%s\"", valid));
    }
    return out;
  }
  return NULL;
}

static void
on_apex (const DsnDnsAnswer *ans, gpointer data)
{
  DmarcState *st = data;
  g_autoptr (GPtrArray) recs = dsn_txt_with_prefix (ans, "v=DMARC1");
  if (recs->len)
    st->apex = g_utf8_make_valid (recs->pdata[0], -1);
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
    const DsnDnsRR *rr = ans->rrs->pdata[i];
    char *text = dsn_rr_text (rr);
    g_ptr_array_add (s->records, text);
    if (!s->spf && dsn_spf_is_record (rr->data, rr->len))
      s->spf = g_strdup (text);
    else if (!s->broken && g_ascii_strncasecmp (text, "v=DMARC1", 8) && looks_like_dmarc (text))
      s->broken = g_strdup (text);
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
    st->split = badly_split (ans, st->record, st->rec);
    if (st->rec->valid) {
      check_external (job, st, st->rec->rua);
      check_external (job, st, st->rec->ruf);
      check_report_domains (job, st, st->rec->rua);
      check_report_domains (job, st, st->rec->ruf);
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
  st->report_domains = g_ptr_array_new_with_free_func ((GDestroyNotify)report_domain_free);
  walk (job);
  /* A DMARC record at the domain itself is in the wrong place. */
  dsn_job_lookup (job, job->domain, DSN_DNS_TXT, on_apex, st);
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
  if (!r || !r->valid || st->split)
    return NULL;
  return inherited (job, st) && r->sp ? r->sp : r->p ? r->p : "none";
}

const char *
dsn_dmarc_subdomain_policy (DsnJob *job)
{
  DmarcState *st = DSN_JOB_STATE (job, DSN_AREA_DMARC, DmarcState);
  return dsn_dmarc_policy (job) && !inherited (job, st) ? st->rec->sp : NULL;
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
  JsonArray *reports = json_array_new ();
  for (guint i = 0; i < st->report_domains->len; i++) {
    ReportDomain *d = st->report_domains->pdata[i];
    static const char *const takes[]
        = { "pending", "yes", "nxdomain", "null-mx", "no-host", "dns-error" };
    JsonObject *x = json_object_new ();
    json_object_set_string_member (x, "domain", d->domain);
    json_object_set_string_member (x, "takes_mail", takes[d->takes]);
    json_array_add_object_element (reports, x);
  }
  json_object_set_array_member (o, "report_domains", reports);
  dsn_json_set_string (o, "at_apex", st->apex);

  if (st->failed)
    return;
  /* Without a record of its own, the domain may have one in the wrong
   * place or the wrong shape: say that rather than "missing". */
  gboolean misplaced = FALSE;
  if (!st->found_at || from_parent) {
    Step *own = st->steps->len ? st->steps->pdata[0] : NULL;
    if (own && own->spf) {
      dsn_job_add (job, "dmarc.spf_at_dmarc", "name", own->name, "record", own->spf, "domain",
                   job->domain, NULL);
      misplaced = TRUE;
    } else if (own && own->broken) {
      dsn_job_add (job, "dmarc.not_dmarc1", "name", own->name, "record", own->broken, NULL);
      misplaced = TRUE;
    }
    if (st->apex) {
      dsn_job_add (job, "dmarc.at_apex", "domain", job->domain, "record", st->apex, NULL);
      misplaced = TRUE;
    }
  }
  if (!st->found_at) {
    if (!misplaced)
      dsn_job_add (job, "dmarc.missing", "domain", job->domain, NULL);
    return;
  }
  if (st->split) {
    /* The record's other faults come from the strings run together. */
    g_autofree char *name = g_strconcat ("_dmarc.", st->found_at, NULL);
    g_autofree char *strings = dsn_strings_join (st->split, " ");
    dsn_job_add (job, "dmarc.split_strings", "name", name, "strings", strings, NULL);
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
  /* A domain that sends no mail has nothing to be reported on. */
  if ((!r->rua || !r->rua->len) && !dsn_mx_parked (job))
    dsn_job_add (job, "dmarc.no_rua", NULL);
  for (guint i = 0; i < st->report_domains->len; i++) {
    ReportDomain *d = st->report_domains->pdata[i];
    static const char *const reasons[] = {
      [TAKES_NXDOMAIN] = "dmarc_reason.nxdomain",
      [TAKES_NULL_MX] = "dmarc_reason.null_mx",
      [TAKES_NO_HOST] = "dmarc_reason.no_host",
    };
    if (d->takes == TAKES_FAILED)
      dsn_job_add (job, "dmarc.dns_error", "query", d->failed_query, "status",
                   dsn_dns_status_to_string (d->failed_status), NULL);
    else if (d->takes == TAKES_NXDOMAIN || d->takes == TAKES_NULL_MX || d->takes == TAKES_NO_HOST)
      dsn_job_add (job, "dmarc.report_no_mail", "address", d->address, "domain", d->domain,
                   "reason@", reasons[d->takes], NULL);
  }
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
