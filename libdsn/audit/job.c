/* The job: an audit in progress, as the checks see it. It issues their
 * lookups on one DNS session and stays open while any is in flight; it
 * collects their findings and the JSON data of each area. What runs the
 * checks and makes the result of it is audit.c.
 *
 * SPDX-License-Identifier: BSD-2-Clause */
#include "audit.h"

#include <stdarg.h>
#include <string.h>

/* ------------------------------------------------------------ life */

DsnJob *
dsn_job_new (void)
{
  DsnJob *job = g_new0 (DsnJob, 1);
  job->findings = g_ptr_array_new_with_free_func ((GDestroyNotify)dsn_finding_free);
  return job;
}

void
dsn_job_free (DsnJob *job)
{
  if (!job)
    return;
  if (job->cancel_source) {
    g_source_destroy (job->cancel_source);
    g_source_unref (job->cancel_source);
  }
  for (guint i = 0; i < job->n_checks; i++) {
    if (job->state[i] && job->checks[i]->clear)
      job->checks[i]->clear (job->state[i]);
    g_free (job->state[i]);
  }
  for (int i = 0; i < DSN_N_AREAS; i++)
    if (job->data[i])
      json_object_unref (job->data[i]);
  dsn_dns_free (job->dns);
  if (job->findings)
    g_ptr_array_unref (job->findings);
  g_free (job->domain);
  g_strfreev (job->dkim_selectors);
  g_strfreev (job->dnsbl_zones);
  g_free (job);
}

gboolean
dsn_job_wants (const DsnJob *job, DsnArea area)
{
  return (job->areas & area) != 0;
}

/* ------------------------------------------------------------ checks */

void
dsn_job_add_check (DsnJob *job, const DsnCheck *check)
{
  g_return_if_fail (job->n_checks < DSN_N_AREAS);
  job->checks[job->n_checks] = check;
  job->state[job->n_checks] = check->state_size ? g_malloc0 (check->state_size) : NULL;
  job->n_checks++;
}

gpointer
dsn_job_state (DsnJob *job, DsnArea area, gsize size)
{
  for (guint i = 0; i < job->n_checks; i++)
    if (job->checks[i]->area == area) {
      /* The type asked for must be the one the check declared. */
      g_assert (job->checks[i]->state_size == size);
      return job->state[i];
    }
  return NULL;
}

/* ------------------------------------------------------------ lookups */

typedef struct {
  DsnJob *job;
  DsnDnsFunc func;
  gpointer data;
} JobLookup;

static void on_job_lookup (const DsnDnsAnswer *ans, gpointer data);

void
dsn_job_hold (DsnJob *job)
{
  job->pending++;
}

static void
on_probe (const DsnDnsAnswer *ans, gpointer data)
{
  DsnJob *job = data;
  job->probe = dsn_dns_failed (ans) ? 3 : 2;
}

void
dsn_job_release (DsnJob *job)
{
  g_assert (job->pending > 0);
  if (--job->pending == 0 && !job->finishing)
    job->complete (job);
}

void
dsn_job_probe (DsnJob *job)
{
  job->probe = 1;
  dsn_job_lookup (job, ".", DSN_DNS_SOA, on_probe, job);
}

static void
on_job_lookup (const DsnDnsAnswer *ans, gpointer data)
{
  JobLookup *l = data;
  DsnJob *job = l->job;
  if (l->func != on_probe) {
    if (!dsn_dns_failed (ans))
      job->n_good++;
    else if (ans->status <= DSN_DNS_ERROR)
      job->n_status[ans->status]++;
  }
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

/* ------------------------------------------------------------ findings */

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
  for (guint i = 0; i < job->findings->len; i++)
    if (same_finding (job->findings->pdata[i], code, args)) {
      g_ptr_array_unref (args);
      return;
    }
  DsnFinding *f = dsn_finding_new (code, args);
  if (f)
    g_ptr_array_add (job->findings, f);
}

void
dsn_job_add_args (DsnJob *job, const char *code, GPtrArray *args)
{
  job_add_args (job, code, args);
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

void
dsn_job_dns_error (DsnJob *job, const char *code, const DsnDnsAnswer *ans)
{
  g_autofree char *query = g_strdup_printf ("%s %s", ans->name, dsn_dns_type_to_string (ans->type));
  dsn_job_add (job, code, "query", query, "status", dsn_dns_status_to_string (ans->status), NULL);
}

gboolean
dsn_job_area_clean (DsnJob *job, DsnArea area)
{
  for (guint i = 0; i < job->findings->len; i++) {
    const DsnFinding *f = job->findings->pdata[i];
    if (dsn_finding_get_area (f) == area
        && (f->def->severity >= DSN_SEVERITY_WARNING || f->def->unchecked))
      return FALSE;
  }
  return TRUE;
}

/* ------------------------------------------------------------ data */

JsonObject *
dsn_job_data (DsnJob *job, DsnArea area)
{
  int i = dsn_area_index (area);
  if (!job->data[i])
    job->data[i] = json_object_new ();
  return job->data[i];
}

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

char *
dsn_strings_join (GPtrArray *strings, const char *separator)
{
  GString *s = g_string_new (NULL);
  for (guint i = 0; strings && i < strings->len; i++) {
    if (i)
      g_string_append (s, separator);
    g_string_append (s, strings->pdata[i]);
  }
  return g_string_free (s, FALSE);
}

const char *
dsn_alias_target (const DsnDnsAnswer *ans)
{
  const char *name = ans->name, *target = NULL;
  /* Follow the chain from the name asked; a loop ends it. */
  for (guint hop = 0; name && hop <= ans->cnames->len; hop++) {
    const char *next = NULL;
    for (guint i = 0; i < ans->cnames->len && !next; i++) {
      const DsnDnsRR *c = ans->cnames->pdata[i];
      if (c->owner && !g_ascii_strcasecmp (c->owner, name))
        next = c->data;
    }
    if (!next)
      break;
    target = name = next;
  }
  return target;
}

char *
dsn_rr_text (const DsnDnsRR *rr)
{
  g_autofree char *text = g_strndup (rr->data, rr->len);
  return g_utf8_make_valid (text, -1);
}

char *
dsn_rr_text_marked (const DsnDnsRR *rr)
{
  /* g_strndup() stops at a NUL byte and pads with NULs: from there on,
   * every byte becomes '?'. */
  g_autofree char *text = g_strndup (rr->data, rr->len);
  for (gsize k = 0; k < rr->len; k++)
    if (!text[k])
      text[k] = '?';
  return g_utf8_make_valid (text, -1);
}

JsonArray *
dsn_json_txt_records (const DsnDnsAnswer *ans)
{
  JsonArray *a = json_array_new ();
  for (guint i = 0; ans && i < ans->rrs->len; i++) {
    g_autofree char *text = dsn_rr_text_marked (ans->rrs->pdata[i]);
    json_array_add_string_element (a, text);
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
