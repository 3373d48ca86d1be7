/* The audit of a domain's mail setup: runs the checks in parallel on one
 * DNS session, collects their findings and data, then decides a verdict per
 * area and orders the findings by what to fix first.
 *
 * SPDX-License-Identifier: BSD-2-Clause */
#include "audit.h"

#include <arpa/inet.h>
#include <stdarg.h>
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

/* Blocklists queried when the caller gives none: widely used, free for
 * low-volume queries. Spamhaus answers 127.255.255.254 to queries sent
 * through public resolvers: that is reported as "could not check". */
static const char *const default_dnsbl_zones[] = {
  "zen.spamhaus.org",
  "bl.spamcop.net",
  "b.barracudacentral.org",
  NULL,
};

/* ------------------------------------------------------------ JSON helpers */

void
dsn_json_set_string (JsonObject *o, const char *name, const char *value)
{
  if (value)
    json_object_set_string_member (o, name, value);
  else
    json_object_set_null_member (o, name);
}

JsonArray *
dsn_json_strv (GPtrArray *strings)
{
  JsonArray *a = json_array_new ();
  for (guint i = 0; strings && i < strings->len; i++)
    json_array_add_string_element (a, strings->pdata[i]);
  return a;
}

JsonArray *
dsn_json_txt_records (const DsnDnsAnswer *ans)
{
  JsonArray *a = json_array_new ();
  for (guint i = 0; ans && i < ans->rrs->len; i++) {
    const DsnDnsRR *rr = ans->rrs->pdata[i];
    /* JSON strings cannot hold NUL; invalid UTF-8 is shown escaped. */
    g_autofree char *text = g_strndup (rr->data, rr->len);
    for (gsize k = 0; k < rr->len; k++)
      if (!text[k])
        text[k] = '?';
    g_autofree char *valid = g_utf8_make_valid (text, -1);
    json_array_add_string_element (a, valid);
  }
  return a;
}

GPtrArray *
dsn_txt_with_prefix (const DsnDnsAnswer *ans, const char *prefix)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  gsize n = strlen (prefix);
  for (guint i = 0; ans && ans->status == DSN_DNS_OK && i < ans->rrs->len; i++) {
    const DsnDnsRR *rr = ans->rrs->pdata[i];
    if (rr->len >= n && g_ascii_strncasecmp (rr->data, prefix, n) == 0)
      g_ptr_array_add (out, g_strndup (rr->data, rr->len));
  }
  return out;
}

/* ------------------------------------------------------------ job */

static void job_complete (DsnJob *job);

void
dsn_job_hold (DsnJob *job)
{
  job->pending++;
}

void
dsn_job_release (DsnJob *job)
{
  g_assert (job->pending > 0);
  if (--job->pending == 0 && !job->finishing)
    job_complete (job);
}

typedef struct {
  DsnJob *job;
  DsnDnsFunc func;
  gpointer data;
} JobLookup;

static void
on_job_lookup (const DsnDnsAnswer *ans, gpointer data)
{
  JobLookup *l = data;
  DsnJob *job = l->job;
  l->func (ans, l->data);
  g_free (l);
  dsn_job_release (job);
}

void
dsn_job_lookup (DsnJob *job, const char *name, guint16 type, DsnDnsFunc func, gpointer user_data)
{
  JobLookup *l = g_new0 (JobLookup, 1);
  l->job = job;
  l->func = func;
  l->data = user_data;
  dsn_job_hold (job);
  dsn_dns_lookup (job->dns, name, type, on_job_lookup, l);
}

static gboolean
same_finding (const DsnFinding *f, const char *code, GPtrArray *args)
{
  if (strcmp (f->def->code, code) || f->args->len != args->len)
    return FALSE;
  for (guint i = 0; i < args->len; i++)
    if (strcmp (f->args->pdata[i], args->pdata[i]))
      return FALSE;
  return TRUE;
}

static void
job_add_args (DsnJob *job, const char *code, GPtrArray *args)
{
  /* The same thing found twice (a blocklist refusing each address) is said once. */
  GPtrArray *findings = job->audit->findings;
  for (guint i = 0; i < findings->len; i++)
    if (same_finding (findings->pdata[i], code, args)) {
      g_ptr_array_unref (args);
      return;
    }
  DsnFinding *f = dsn_finding_new (code, args);
  if (f)
    g_ptr_array_add (findings, f);
}

void
dsn_job_add (DsnJob *job, const char *code, ...)
{
  GPtrArray *args = g_ptr_array_new_with_free_func (g_free);
  va_list ap;
  va_start (ap, code);
  const char *name;
  while ((name = va_arg (ap, const char *))) {
    const char *value = va_arg (ap, const char *);
    g_ptr_array_add (args, g_strdup (name));
    g_ptr_array_add (args, g_strdup (value ? value : ""));
  }
  va_end (ap);
  job_add_args (job, code, args);
}

void
dsn_job_add_issues (DsnJob *job, GPtrArray *issues, const char *name, const char *value)
{
  for (guint i = 0; issues && i < issues->len; i++) {
    const DsnIssue *is = issues->pdata[i];
    GPtrArray *args = g_ptr_array_new_with_free_func (g_free);
    if (name) {
      g_ptr_array_add (args, g_strdup (name));
      g_ptr_array_add (args, g_strdup (value ? value : ""));
    }
    for (guint k = 0; k < is->args->len; k++)
      g_ptr_array_add (args, g_strdup (is->args->pdata[k]));
    job_add_args (job, is->code, args);
  }
}

gboolean
dsn_job_area_clean (DsnJob *job, DsnArea area)
{
  GPtrArray *findings = job->audit->findings;
  for (guint i = 0; i < findings->len; i++) {
    const DsnFinding *f = findings->pdata[i];
    if (f->def->area == area && (f->def->severity >= DSN_SEVERITY_WARNING || f->def->unchecked))
      return FALSE;
  }
  return TRUE;
}

void
dsn_job_dns_error (DsnJob *job, const char *code, const DsnDnsAnswer *ans)
{
  g_autofree char *query = g_strdup_printf ("%s %s", ans->name, dsn_dns_type_to_string (ans->type));
  dsn_job_add (job, code, "query", query, "status", dsn_dns_status_to_string (ans->status), NULL);
}

JsonObject *
dsn_job_data (DsnJob *job, DsnArea area)
{
  int i = dsn_area_index (area);
  if (!job->data[i])
    job->data[i] = json_object_new ();
  return job->data[i];
}

gboolean
dsn_job_wants (const DsnJob *job, DsnArea area)
{
  return (job->areas & area) != 0;
}

static void
job_free (DsnJob *job)
{
  if (!job)
    return;
  if (job->cancel_source) {
    g_source_destroy (job->cancel_source);
    g_source_unref (job->cancel_source);
  }
  for (int i = 0; i < DSN_N_AREAS; i++) {
    if (job->state[i] && job->state_free[i])
      job->state_free[i](job->state[i]);
    if (job->data[i])
      json_object_unref (job->data[i]);
  }
  dsn_dns_free (job->dns);
  dsn_audit_free (job->audit);
  g_free (job->domain);
  g_strfreev (job->dkim_selectors);
  g_strfreev (job->dnsbl_zones);
  if (job->mx_hosts)
    g_ptr_array_unref (job->mx_hosts);
  g_free (job->dmarc_policy);
  g_free (job);
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

static char *
args_key (const DsnFinding *f)
{
  GString *s = g_string_new (NULL);
  for (guint i = 1; i < f->args->len; i += 2) {
    g_string_append (s, f->args->pdata[i]);
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
  d = dsn_area_index (x->def->area) - dsn_area_index (y->def->area);
  if (d)
    return d;
  d = strcmp (x->def->code, y->def->code);
  if (d)
    return d;
  g_autofree char *kx = args_key (x), *ky = args_key (y);
  return strcmp (kx, ky);
}

static void
decide (DsnJob *job)
{
  DsnAudit *audit = job->audit;
  g_ptr_array_sort (audit->findings, compare_findings);
  for (int i = 0; i < DSN_N_AREAS; i++) {
    DsnArea area = dsn_area_from_index (i);
    if (!dsn_job_wants (job, area)) {
      audit->verdicts[i] = DSN_VERDICT_SKIPPED;
      continue;
    }
    gboolean error = FALSE, unchecked = FALSE, warning = FALSE, absent = FALSE;
    for (guint k = 0; k < audit->findings->len; k++) {
      const DsnFinding *f = audit->findings->pdata[k];
      if (f->def->area != area)
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

static void
job_complete (DsnJob *job)
{
  /* The finish functions cross-check and report; they start no lookup. */
  job->finishing = TRUE;
  DsnAudit *audit = job->audit;
  audit->n_queries = dsn_dns_get_n_queries (job->dns);
  audit->n_answered = dsn_dns_get_n_answered (job->dns);
  audit->dns_unreachable = audit->n_queries > 0 && audit->n_answered == 0;
  if (audit->dns_unreachable) {
    /* Say it once, not once per failed lookup. */
    for (guint i = 0; i < audit->findings->len;)
      if (((DsnFinding *)audit->findings->pdata[i])->def->unchecked)
        g_ptr_array_remove_index (audit->findings, i);
      else
        i++;
    dsn_job_add (job, "dns.unreachable", NULL);
  } else if (!job->is_ip) {
    if (dsn_job_wants (job, DSN_AREA_MX))
      dsn_mx_finish (job);
    if (dsn_job_wants (job, DSN_AREA_SPF))
      dsn_spf_audit_finish (job);
    if (job->areas & (DSN_AREA_DMARC | DSN_AREA_BIMI))
      dsn_dmarc_finish (job);
    if (dsn_job_wants (job, DSN_AREA_DKIM))
      dsn_dkim_finish (job);
    if (dsn_job_wants (job, DSN_AREA_MTA_STS))
      dsn_mtasts_finish (job);
    if (dsn_job_wants (job, DSN_AREA_BIMI))
      dsn_bimi_finish (job);
    if (dsn_job_wants (job, DSN_AREA_DNSSEC))
      dsn_dnssec_finish (job);
  }
  if (!audit->dns_unreachable) {
    if (dsn_job_wants (job, DSN_AREA_PTR))
      dsn_ptr_finish (job);
    if (dsn_job_wants (job, DSN_AREA_DNSBL))
      dsn_dnsbl_finish (job);
  }
  for (int i = 0; i < DSN_N_AREAS; i++) {
    audit->data[i] = job->data[i];
    job->data[i] = NULL;
  }
  decide (job);
  if (audit->dns_unreachable)
    for (int i = 0; i < DSN_N_AREAS; i++)
      if (audit->verdicts[i] != DSN_VERDICT_SKIPPED)
        audit->verdicts[i] = DSN_VERDICT_UNKNOWN;
  GError *error = NULL;
  if (job->cancelled) {
    error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "cancelled");
  } else {
    job->audit = NULL;
  }
  GTask *task = job->task;
  job->task = NULL;
  dsn_task_return_later (task, error ? NULL : audit, (GDestroyNotify)dsn_audit_free, error,
                         (GDestroyNotify)job_free, job);
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
  DsnJob *job = g_new0 (DsnJob, 1);
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
    areas &= DSN_AREA_PTR | DSN_AREA_DNSBL;
  } else if (!domain_valid (job->domain)) {
    g_task_return_new_error (task, DSN_ERROR, DSN_ERROR_USAGE,
                             "\"%s\" is not a domain name (expected something like example.org)",
                             domain);
    g_object_unref (task);
    job_free (job);
    return;
  }
  job->areas = areas & DSN_AREA_ALL;
  job->dkim_selectors = g_strdupv ((char **)dkim_selectors);
  job->dnsbl_zones = g_strdupv ((char **)(dnsbl_zones ? dnsbl_zones : default_dnsbl_zones));
  job->audit = g_new0 (DsnAudit, 1);
  job->audit->domain = g_strdup (job->domain);
  job->audit->areas = job->areas;
  job->audit->findings = g_ptr_array_new_with_free_func ((GDestroyNotify)dsn_finding_free);
  job->dmarc_pct = 100;
  GError *error = NULL;
  job->dns = dsn_dns_new (res, NULL, &error);
  if (!job->dns) {
    g_task_return_error (task, error);
    g_object_unref (task);
    job_free (job);
    return;
  }
  job->task = task;
  if (cancellable) {
    job->cancel_source = g_cancellable_source_new (cancellable);
    g_source_set_callback (job->cancel_source, (GSourceFunc)(void (*) (void))on_cancelled, job,
                           NULL);
    g_source_attach (job->cancel_source, g_task_get_context (task));
  }

  /* Held while the checks start, so that none can complete the job early. */
  dsn_job_hold (job);
  if (job->is_ip) {
    if (dsn_job_wants (job, DSN_AREA_PTR))
      dsn_ptr_check (job, job->domain, NULL);
    if (dsn_job_wants (job, DSN_AREA_DNSBL))
      dsn_dnsbl_check (job, job->domain, NULL);
  } else {
    /* The MX check starts PTR and DNSBL on each mail server address. */
    if (job->areas & (DSN_AREA_MX | DSN_AREA_PTR | DSN_AREA_DNSBL | DSN_AREA_MTA_STS))
      dsn_mx_start (job);
    if (dsn_job_wants (job, DSN_AREA_SPF))
      dsn_spf_audit_start (job);
    if (job->areas & (DSN_AREA_DMARC | DSN_AREA_BIMI))
      dsn_dmarc_start (job);
    if (dsn_job_wants (job, DSN_AREA_DKIM))
      dsn_dkim_start (job);
    if (dsn_job_wants (job, DSN_AREA_MTA_STS))
      dsn_mtasts_start (job);
    if (dsn_job_wants (job, DSN_AREA_TLS_RPT))
      dsn_tlsrpt_start (job);
    if (dsn_job_wants (job, DSN_AREA_BIMI))
      dsn_bimi_start (job);
    if (dsn_job_wants (job, DSN_AREA_DNSSEC))
      dsn_dnssec_start (job);
  }
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

static JsonNode *
finding_json (const DsnFinding *f, int lang)
{
  JsonObject *o = json_object_new ();
  json_object_set_string_member (o, "code", f->def->code);
  dsn_json_set_string (o, "area", f->def->area ? dsn_area_to_string (f->def->area) : "dns");
  json_object_set_string_member (o, "severity", dsn_severity_to_string (f->def->severity));
  json_object_set_boolean_member (o, "unchecked", f->def->unchecked);
  dsn_json_set_string (o, "rfc", f->def->rfc);
  dsn_json_set_string (o, "message", f->message[lang]);
  dsn_json_set_string (o, "advice", f->advice[lang]);
  JsonObject *details = json_object_new ();
  for (guint i = 0; i + 1 < f->args->len; i += 2)
    json_object_set_string_member (details, f->args->pdata[i], f->args->pdata[i + 1]);
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
