/* The DKIM check: the key record of each selector given (RFC 6376 §3.6.1),
 * or, when none is given, a short list of common selectors probed and what
 * is found labelled as a guess: DKIM keys cannot be listed from the DNS.
 *
 * SPDX-License-Identifier: BSD-2-Clause */
#include "audit.h"

#include <string.h>

/* Selectors of widespread providers and defaults of common signers. */
static const char *const common_selectors[] = {
  "default", "dkim", "mail", "selector1", "selector2", "google",
  "k1",      "k2",   "s1",   "s2",        "mandrill",  "everlytickey1",
};

typedef struct {
  char *selector;
  char *name;
  gboolean guessed;
  DsnDnsStatus status;
  GPtrArray *records; /* every TXT record at the name */
  DsnDkimKey *key;
  guint n_keys; /* records that look like keys */
} Sel;

typedef struct {
  GPtrArray *sels;
  gboolean guessing;
  gboolean no_keys; /* _domainkey.DOMAIN does not exist: nothing to probe */
  gboolean failed;  /* the DNS failed while guessing: could not check */
} DkimState;

static void
sel_free (Sel *s)
{
  g_free (s->selector);
  g_free (s->name);
  g_ptr_array_unref (s->records);
  dsn_dkim_key_free (s->key);
  g_free (s);
}

static void
clear (gpointer data)
{
  DkimState *st = data;
  if (st->sels)
    g_ptr_array_unref (st->sels);
}

static gboolean
looks_like_key (const char *text)
{
  return g_str_has_prefix (text, "v=DKIM1") || strstr (text, "p=") != NULL;
}

static void
on_key (const DsnDnsAnswer *ans, gpointer data)
{
  Sel *s = data;
  s->status = ans->status;
  for (guint i = 0; ans->status == DSN_DNS_OK && i < ans->rrs->len; i++) {
    const DsnDnsRR *rr = ans->rrs->pdata[i];
    char *valid = dsn_rr_text (rr);
    g_ptr_array_add (s->records, valid);
    if (looks_like_key (valid)) {
      s->n_keys++;
      if (!s->key)
        s->key = dsn_dkim_parse (valid);
    }
  }
}

static void
probe (DsnJob *job, DkimState *st, const char *selector, gboolean guessed)
{
  Sel *s = g_new0 (Sel, 1);
  s->selector = g_strdup (selector);
  s->name = g_strdup_printf ("%s._domainkey.%s", selector, job->domain);
  s->guessed = guessed;
  s->records = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (st->sels, s);
  dsn_job_lookup (job, s->name, DSN_DNS_TXT, on_key, s);
}

static void
on_domainkey (const DsnDnsAnswer *ans, gpointer data)
{
  DsnJob *job = data;
  DkimState *st = DSN_JOB_STATE (job, DSN_AREA_DKIM, DkimState);
  if (dsn_dns_failed (ans)) {
    st->failed = TRUE;
    dsn_job_dns_error (job, "dkim.dns_error", ans);
    return;
  }
  /* NXDOMAIN for _domainkey means nothing exists below it (RFC 8020). */
  if (ans->status == DSN_DNS_NXDOMAIN) {
    st->no_keys = TRUE;
    return;
  }
  for (gsize i = 0; i < G_N_ELEMENTS (common_selectors); i++)
    probe (job, st, common_selectors[i], TRUE);
}

static void
start (DsnJob *job)
{
  DkimState *st = DSN_JOB_STATE (job, DSN_AREA_DKIM, DkimState);
  st->sels = g_ptr_array_new_with_free_func ((GDestroyNotify)sel_free);
  if (job->dkim_selectors && job->dkim_selectors[0]) {
    for (char **s = job->dkim_selectors; *s; s++)
      probe (job, st, *s, FALSE);
    return;
  }
  st->guessing = TRUE;
  g_autofree char *name = g_strconcat ("_domainkey.", job->domain, NULL);
  dsn_job_lookup (job, name, DSN_DNS_TXT, on_domainkey, job);
}

static void
report_key (DsnJob *job, Sel *s)
{
  if (s->n_keys > 1) {
    g_autofree char *c = g_strdup_printf ("%u", s->n_keys);
    dsn_job_add (job, "dkim.multiple", "selector", s->selector, "count", c, NULL);
    return;
  }
  guint before = job->findings->len;
  dsn_job_add_issues (job, s->key->issues, "selector", s->selector);
  gboolean problems = FALSE;
  for (guint i = before; i < job->findings->len; i++)
    if (((DsnFinding *)job->findings->pdata[i])->def->severity >= DSN_SEVERITY_WARNING)
      problems = TRUE;
  if (!problems && s->key->key_bits) {
    g_autofree char *bits = g_strdup_printf ("%u", s->key->key_bits);
    dsn_job_add (job, "dkim.ok", "selector", s->selector, "type", s->key->key_type, "bits", bits,
                 NULL);
  }
}

static void
finish (DsnJob *job)
{
  DkimState *st = DSN_JOB_STATE (job, DSN_AREA_DKIM, DkimState);
  JsonObject *o = dsn_job_data (job, DSN_AREA_DKIM);
  json_object_set_boolean_member (o, "guessing", st->guessing);
  JsonArray *probed = json_array_new ();
  JsonArray *arr = json_array_new ();
  guint found = 0;
  for (guint i = 0; i < st->sels->len; i++) {
    Sel *s = st->sels->pdata[i];
    if (s->guessed)
      json_array_add_string_element (probed, s->selector);
    if (s->guessed && !s->n_keys && !dsn_dns_status_failed (s->status))
      continue;
    JsonObject *r = json_object_new ();
    json_object_set_string_member (r, "selector", s->selector);
    json_object_set_string_member (r, "name", s->name);
    json_object_set_boolean_member (r, "guessed", s->guessed);
    json_object_set_string_member (r, "status", dsn_dns_status_to_string (s->status));
    json_object_set_array_member (r, "records", dsn_json_strv (s->records));
    DsnDkimKey *k = s->key;
    if (k && k->tags)
      json_object_set_object_member (r, "tags", dsn_taglist_to_json (k->tags));
    else
      json_object_set_null_member (r, "tags");
    dsn_json_set_string (r, "key_type", k ? k->key_type : NULL);
    if (k && k->key_bits)
      json_object_set_int_member (r, "key_bits", k->key_bits);
    else
      json_object_set_null_member (r, "key_bits");
    json_object_set_boolean_member (r, "revoked", k && k->revoked);
    json_object_set_boolean_member (r, "testing", k && k->testing);
    json_array_add_object_element (arr, r);

    if (dsn_dns_status_failed (s->status)) {
      /* While guessing, one failure says it all. */
      if (!(s->guessed && st->failed)) {
        g_autofree char *query = g_strdup_printf ("%s TXT", s->name);
        dsn_job_add (job, "dkim.dns_error", "query", query, "status",
                     dsn_dns_status_to_string (s->status), NULL);
      }
      if (s->guessed)
        st->failed = TRUE;
      continue;
    }
    if (!s->n_keys) {
      dsn_job_add (job, "dkim.missing", "selector", s->selector, "name", s->name, NULL);
      continue;
    }
    found++;
    if (s->guessed)
      dsn_job_add (job, "dkim.guessed", "selector", s->selector, NULL);
    report_key (job, s);
  }
  json_object_set_array_member (o, "probed", probed);
  json_object_set_array_member (o, "selectors", arr);
  /* A parked domain sends nothing to sign. */
  if (st->guessing && !found && !st->failed)
    dsn_job_add (job, dsn_mx_parked (job) ? "dkim.not_needed" : "dkim.not_found", "domain",
                 job->domain, NULL);
}

DSN_CHECK (dkim) = {
  .area = DSN_AREA_DKIM,
  .state_size = sizeof (DkimState),
  .start = start,
  .finish = finish,
  .clear = clear,
};
