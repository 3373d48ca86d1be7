/* The audit of a domain's mail setup: runs the checks in parallel on one
 * DNS session (the job, job.c), then decides a verdict per area from their
 * findings and orders the findings by what to fix first. The public API of
 * audits.
 *
 * SPDX-License-Identifier: BSD-2-Clause */
#include "audit.h"

#include <arpa/inet.h>
#include <string.h>

struct _DsnAudit {
  char *domain;
  DsnArea areas;
  DsnVerdict verdicts[DSN_N_AREAS];
  gboolean dns_unreachable;
  guint n_queries, n_answered;
  GPtrArray *findings;           /* DsnFinding, in fix-first order */
  JsonObject *data[DSN_N_AREAS]; /* what each check saw */
};

/* ------------------------------------------------------------ the plan */

guint
dsn_audit_plan (const DsnCheck *const *checks, DsnArea areas, gboolean address,
                const DsnCheck **out)
{
  DsnArea run = areas & DSN_AREA_ALL;
  if (address) {
    DsnArea possible = 0;
    for (const DsnCheck *const *c = checks; *c; c++)
      if ((*c)->address)
        possible |= (*c)->area;
    run &= possible;
  }
  /* What is asked for, what that needs, and so on. */
  for (DsnArea before = 0; !address && before != run;) {
    before = run;
    for (const DsnCheck *const *c = checks; *c; c++)
      if (run & (*c)->area)
        run |= (*c)->needs;
  }
  /* Each time, the first check of the registry whose needs are placed. */
  guint n = 0;
  DsnArea placed = 0;
  for (;;) {
    const DsnCheck *next = NULL;
    for (const DsnCheck *const *c = checks; *c && !next; c++)
      if ((run & (*c)->area) && !(placed & (*c)->area) && (address || ((*c)->needs & ~placed) == 0))
        next = *c;
    if (!next)
      break;
    out[n++] = next;
    placed |= next->area;
  }
  /* A need that no check meets, or needs in a circle: the registry is wrong. */
  g_warn_if_fail (placed == run);
  return n;
}

/* ------------------------------------------------------------ verdicts */

static int
rank (const DsnFinding *f)
{
  if (f->def->severity == DSN_SEVERITY_ERROR)
    return 0;
  if (f->def->unchecked)
    return 2;
  switch (f->def->severity) {
  case DSN_SEVERITY_WARNING: return 1;
  case DSN_SEVERITY_INFO: return 3;
  default: return 4;
  }
}

/* The arguments as the English text sees them: the order does not depend
 * on the language asked for. */
static char *
args_key (const DsnFinding *f)
{
  g_autoptr (GPtrArray) args = dsn_finding_args (f, 0);
  GString *s = g_string_new (NULL);
  for (guint i = 1; i < args->len; i += 2) {
    g_string_append (s, args->pdata[i]);
    g_string_append_c (s, '\x01');
  }
  return g_string_free (s, FALSE);
}

static gint
compare_findings (gconstpointer a, gconstpointer b)
{
  const DsnFinding *x = *(const DsnFinding *const *)a, *y = *(const DsnFinding *const *)b;
  int d = rank (x) - rank (y);
  if (d)
    return d;
  d = dsn_area_index (dsn_finding_get_area (x)) - dsn_area_index (dsn_finding_get_area (y));
  if (d)
    return d;
  d = strcmp (x->def->code, y->def->code);
  if (d)
    return d;
  g_autofree char *kx = args_key (x), *ky = args_key (y);
  return strcmp (kx, ky);
}

static void
decide (DsnAudit *audit)
{
  g_ptr_array_sort (audit->findings, compare_findings);
  for (int i = 0; i < DSN_N_AREAS; i++) {
    DsnArea area = dsn_area_from_index (i);
    if (!(audit->areas & area)) {
      audit->verdicts[i] = DSN_VERDICT_SKIPPED;
      continue;
    }
    gboolean error = FALSE, unchecked = FALSE, warning = FALSE, absent = FALSE;
    for (guint k = 0; k < audit->findings->len; k++) {
      const DsnFinding *f = audit->findings->pdata[k];
      if (dsn_finding_get_area (f) != area)
        continue;
      if (f->def->severity == DSN_SEVERITY_ERROR)
        error = TRUE;
      else if (f->def->unchecked)
        unchecked = TRUE;
      else if (f->def->severity == DSN_SEVERITY_WARNING)
        warning = TRUE;
      else if (f->def->absent)
        absent = TRUE;
    }
    audit->verdicts[i] = error       ? DSN_VERDICT_ERROR
                         : unchecked ? DSN_VERDICT_UNKNOWN
                         : warning   ? DSN_VERDICT_WARNING
                         : absent    ? DSN_VERDICT_NONE
                                     : DSN_VERDICT_OK;
  }
}

/* ------------------------------------------------------------ completion */

/* When every lookup about the domain failed while the resolver answers for
 * the root zone, the domain's name servers are at fault: the finding that
 * says how (silent, lame, failing), or NULL. */
static const char *
domain_failure (DsnJob *job, const char **status)
{
  if (job->probe != 2 || job->n_good)
    return NULL;
  const guint *n = job->n_status;
  guint lame = n[DSN_DNS_LAME] + n[DSN_DNS_REFUSED];
  guint failed = n[DSN_DNS_SERVFAIL] + n[DSN_DNS_ERROR];
  guint silent = n[DSN_DNS_TIMEOUT];
  if (failed >= lame && failed >= silent && failed) {
    *status = n[DSN_DNS_SERVFAIL] >= n[DSN_DNS_ERROR] ? "servfail" : "error";
    return "dns.domain_failed";
  }
  if (lame >= silent && lame) {
    *status = n[DSN_DNS_LAME] >= n[DSN_DNS_REFUSED] ? "lame" : "refused";
    return "dns.domain_lame";
  }
  if (silent) {
    *status = "timeout";
    return "dns.domain_silent";
  }
  return NULL;
}

static void
job_complete (DsnJob *job)
{
  /* The finish functions cross-check and report; they start no lookup. */
  job->finishing = TRUE;
  DsnAudit *audit = g_new0 (DsnAudit, 1);
  audit->domain = g_strdup (job->domain);
  audit->areas = job->areas;
  audit->n_queries = dsn_dns_get_n_queries (job->dns);
  audit->n_answered = dsn_dns_get_n_answered (job->dns);
  audit->dns_unreachable = audit->n_queries > 0 && audit->n_answered == 0;
  const char *status = NULL;
  const char *domain_failed = domain_failure (job, &status);
  if (audit->dns_unreachable || domain_failed) {
    /* Say it once, not once per failed lookup. */
    for (guint i = 0; i < job->findings->len;)
      if (((DsnFinding *)job->findings->pdata[i])->def->unchecked)
        g_ptr_array_remove_index (job->findings, i);
      else
        i++;
    if (domain_failed)
      dsn_job_add (job, domain_failed, "domain", job->domain, "status", status, NULL);
    else
      dsn_job_add (job, "dns.unreachable", NULL);
  } else {
    /* A check that ran only for another's sake reports nothing. */
    for (guint i = 0; i < job->n_checks; i++) {
      const DsnCheck *c = job->checks[i];
      if (c->finish && dsn_job_wants (job, c->area))
        c->finish (job);
    }
  }
  audit->findings = g_steal_pointer (&job->findings);
  for (int i = 0; i < DSN_N_AREAS; i++)
    audit->data[i] = g_steal_pointer (&job->data[i]);
  decide (audit);
  if (audit->dns_unreachable || domain_failed)
    for (int i = 0; i < DSN_N_AREAS; i++)
      if (audit->verdicts[i] != DSN_VERDICT_SKIPPED)
        audit->verdicts[i] = DSN_VERDICT_UNKNOWN;
  GError *error = NULL;
  if (job->cancelled) {
    error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "cancelled");
    g_clear_pointer (&audit, dsn_audit_free);
  }
  GTask *task = job->task;
  job->task = NULL;
  dsn_task_return_later (task, audit, (GDestroyNotify)dsn_audit_free, error,
                         (GDestroyNotify)dsn_job_free, job);
}

static gboolean
on_cancelled (GCancellable *cancellable, gpointer data)
{
  DsnJob *job = data;
  job->cancelled = TRUE;
  dsn_dns_cancel (job->dns);
  return G_SOURCE_REMOVE;
}

/* ------------------------------------------------------------ public API */

static gboolean
domain_valid (const char *d)
{
  gsize n = strlen (d);
  if (n == 0 || n > 253)
    return FALSE;
  for (const char *p = d; *p; p++)
    if (!(g_ascii_isalnum (*p) || *p == '-' || *p == '.' || *p == '_'))
      return FALSE;
  return dsn_spf_domain_ok (d);
}

void
dsn_resolver_audit_async (DsnResolver *res, const char *domain, DsnArea areas,
                          const char *const *dkim_selectors, const char *const *dnsbl_zones,
                          GCancellable *cancellable, GAsyncReadyCallback callback,
                          gpointer user_data)
{
  g_return_if_fail (res && domain);
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, dsn_resolver_audit_async);
  DsnJob *job = dsn_job_new ();
  job->complete = job_complete;
  /* An internationalized name is looked up in its A-label form (RFC 5891). */
  g_autofree char *ascii
      = g_str_is_ascii (domain) ? g_strdup (domain) : g_hostname_to_ascii (domain);
  job->domain = g_ascii_strdown (ascii ? ascii : domain, -1);
  gsize n = strlen (job->domain);
  if (n > 1 && job->domain[n - 1] == '.')
    job->domain[n - 1] = '\0';
  guint8 addr[16];
  int family;
  job->is_ip = dsn_parse_ip (job->domain, &family, addr);
  if (job->is_ip) {
    /* Audit the address itself: canonical text form. */
    char buf[INET6_ADDRSTRLEN];
    inet_ntop (family, addr, buf, sizeof buf);
    g_free (job->domain);
    job->domain = g_strdup (buf);
  } else if (!domain_valid (job->domain)) {
    g_task_return_new_error (task, DSN_ERROR, DSN_ERROR_USAGE,
                             "\"%s\" is not a domain name (expected something like example.org)",
                             domain);
    g_object_unref (task);
    dsn_job_free (job);
    return;
  }
  job->dkim_selectors = g_strdupv ((char **)dkim_selectors);
  job->dnsbl_zones = g_strdupv ((char **)dnsbl_zones);
  GError *error = NULL;
  job->dns = dsn_dns_new (res, NULL, &error);
  if (!job->dns) {
    g_task_return_error (task, error);
    g_object_unref (task);
    dsn_job_free (job);
    return;
  }
  job->task = task;
  if (cancellable) {
    job->cancel_source = g_cancellable_source_new (cancellable);
    g_source_set_callback (job->cancel_source, (GSourceFunc)(void (*) (void))on_cancelled, job,
                           NULL);
    g_source_attach (job->cancel_source, g_task_get_context (task));
  }

  const DsnCheck *plan[DSN_N_AREAS];
  guint n_plan = dsn_audit_plan (dsn_checks, areas, job->is_ip, plan);
  DsnArea planned = 0;
  for (guint i = 0; i < n_plan; i++) {
    dsn_job_add_check (job, plan[i]);
    planned |= plan[i]->area;
  }
  /* Audited: what is asked for, of an address only what can be. */
  job->areas = areas & planned;
  /* Held while the checks start, so that none can complete the job early. */
  dsn_job_hold (job);
  dsn_job_probe (job);
  for (guint i = 0; i < job->n_checks; i++)
    job->checks[i]->start (job);
  dsn_job_release (job);
}

DsnAudit *
dsn_resolver_audit_finish (DsnResolver *res, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

typedef struct {
  DsnResolver *res;
  const char *domain;
  DsnArea areas;
  const char *const *selectors;
  const char *const *zones;
  GCancellable *cancellable;
} AuditArgs;

static void
start_audit (gpointer data, GAsyncReadyCallback callback, gpointer callback_data)
{
  AuditArgs *a = data;
  dsn_resolver_audit_async (a->res, a->domain, a->areas, a->selectors, a->zones, a->cancellable,
                            callback, callback_data);
}

DsnAudit *
dsn_resolver_audit (DsnResolver *res, const char *domain, DsnArea areas,
                    const char *const *dkim_selectors, const char *const *dnsbl_zones,
                    GCancellable *cancellable, GError **error)
{
  AuditArgs a = { res, domain, areas, dkim_selectors, dnsbl_zones, cancellable };
  g_autoptr (GAsyncResult) result = dsn_run_sync (start_audit, &a);
  return dsn_resolver_audit_finish (res, result, error);
}

/* ------------------------------------------------------------ the result */

void
dsn_audit_free (DsnAudit *audit)
{
  if (!audit)
    return;
  g_free (audit->domain);
  g_ptr_array_unref (audit->findings);
  for (int i = 0; i < DSN_N_AREAS; i++)
    if (audit->data[i])
      json_object_unref (audit->data[i]);
  g_free (audit);
}

const char *
dsn_audit_get_domain (const DsnAudit *audit)
{
  return audit->domain;
}

DsnVerdict
dsn_audit_get_verdict (const DsnAudit *audit, DsnArea area)
{
  int i = dsn_area_index (area);
  return i < 0 ? DSN_VERDICT_SKIPPED : audit->verdicts[i];
}

gboolean
dsn_audit_get_dns_unreachable (const DsnAudit *audit)
{
  return audit->dns_unreachable;
}

guint
dsn_audit_get_n_findings (const DsnAudit *audit)
{
  return audit->findings->len;
}

const DsnFinding *
dsn_audit_get_finding (const DsnAudit *audit, guint i)
{
  g_return_val_if_fail (i < audit->findings->len, NULL);
  return audit->findings->pdata[i];
}

/* The arguments that are counts and sizes: numbers in JSON ("count": 2),
 * when their value is one. */
static gboolean
numeric_arg (const char *name, const char *value, gint64 *n)
{
  static const char *const names[]
      = { "count", "lookups", "length", "bits", "pct", "max_age", "addresses", "zones", "hours" };
  gboolean known = FALSE;
  for (gsize i = 0; i < G_N_ELEMENTS (names) && !known; i++)
    known = !strcmp (name, names[i]);
  return known && g_ascii_string_to_signed (value, 10, G_MININT64, G_MAXINT64, n, NULL);
}

static JsonNode *
finding_json (const DsnFinding *f, int lang)
{
  JsonObject *o = json_object_new ();
  json_object_set_string_member (o, "code", f->def->code);
  dsn_json_set_string (
      o, "area", dsn_finding_get_area (f) ? dsn_area_to_string (dsn_finding_get_area (f)) : "dns");
  json_object_set_string_member (o, "severity", dsn_severity_to_string (f->def->severity));
  json_object_set_boolean_member (o, "unchecked", f->def->unchecked);
  dsn_json_set_string (o, "rfc", f->def->rfc);
  dsn_json_set_string (o, "message", dsn_finding_message (f, lang));
  dsn_json_set_string (o, "advice", dsn_finding_advice (f, lang));
  JsonObject *details = json_object_new ();
  g_autoptr (GPtrArray) args = dsn_finding_args (f, lang);
  for (guint i = 0; i + 1 < args->len; i += 2) {
    gint64 n;
    if (numeric_arg (args->pdata[i], args->pdata[i + 1], &n))
      json_object_set_int_member (details, args->pdata[i], n);
    else
      json_object_set_string_member (details, args->pdata[i], args->pdata[i + 1]);
  }
  json_object_set_object_member (o, "details", details);
  JsonNode *n = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (n, o);
  return n;
}

JsonNode *
dsn_audit_to_json (const DsnAudit *audit, const char *lang)
{
  int l = dsn_lang_index (lang);
  JsonObject *o = json_object_new ();
  json_object_set_int_member (o, "schema", 1);
  json_object_set_string_member (o, "domain", audit->domain);
  gboolean problems = FALSE;
  for (int i = 0; i < DSN_N_AREAS; i++)
    if (audit->verdicts[i] == DSN_VERDICT_ERROR || audit->verdicts[i] == DSN_VERDICT_WARNING
        || audit->verdicts[i] == DSN_VERDICT_UNKNOWN)
      problems = TRUE;
  json_object_set_string_member (o, "verdict",
                                 audit->dns_unreachable ? "dns-unreachable"
                                 : problems             ? "problems"
                                                        : "ok");
  JsonObject *areas = json_object_new ();
  for (int i = 0; i < DSN_N_AREAS; i++) {
    JsonObject *a = json_object_new ();
    json_object_set_string_member (a, "verdict", dsn_verdict_to_string (audit->verdicts[i]));
    if (audit->data[i]) {
      g_autoptr (GList) members = json_object_get_members (audit->data[i]);
      for (GList *m = members; m; m = m->next)
        json_object_set_member (a, m->data,
                                json_node_copy (json_object_get_member (audit->data[i], m->data)));
    }
    json_object_set_object_member (areas, dsn_area_to_string (dsn_area_from_index (i)), a);
  }
  json_object_set_object_member (o, "areas", areas);
  JsonArray *findings = json_array_new ();
  for (guint i = 0; i < audit->findings->len; i++)
    json_array_add_element (findings, finding_json (audit->findings->pdata[i], l));
  json_object_set_array_member (o, "findings", findings);
  JsonObject *dns = json_object_new ();
  json_object_set_int_member (dns, "queries", audit->n_queries);
  json_object_set_int_member (dns, "answered", audit->n_answered);
  json_object_set_object_member (o, "dns", dns);
  JsonNode *n = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (n, o);
  return n;
}

void
dsn_audit_write_json (const DsnAudit *audit, DsnJson *w, const char *lang)
{
  g_return_if_fail (audit && w);
  g_autoptr (JsonNode) node = dsn_audit_to_json (audit, lang);
  dsn_json_add_node (w, node);
}
