/* The MTA-STS check (RFC 8461): the _mta-sts TXT record, the policy fetched
 * over HTTPS from https://mta-sts.DOMAIN/.well-known/mta-sts.txt, and
 * whether every MX host matches the policy's mx: patterns.
 *
 * The fetch follows §3.3: HTTPS only, certificate verified, no redirects,
 * bounded in time and size (64 KiB). mta-sts.DOMAIN is resolved with the
 * audit's own DNS servers, and libcurl is told the address, so the fetch
 * sees the same DNS as every other check. It runs in a worker thread: libcurl
 * blocks, the main loop must not. Proxies from the environment are ignored:
 * the library reads no environment.
 *
 * libcurl is opened on the first fetch rather than linked: it brings 28
 * libraries whose relocations every program using libdsn would pay at start
 * (a third of dsn-explain's start-up), for a check most runs never make.
 *
 * SPDX-License-Identifier: BSD-2-Clause */
#include "audit.h"

#include <gmodule.h>
#include <pthread.h>
#include <curl/curl.h>
#include <string.h>

#define POLICY_MAX_SIZE (64 * 1024)
#define CONNECT_TIMEOUT_MS 5000

typedef struct {
  char *url, *host, *address, *ca_file, *connect_to;
  guint timeout_ms;          /* the whole transfer */
  GCancellable *cancellable; /* the audit's: stops the transfer */
  GByteArray *body;
  gboolean too_large;
  long status;
  char *content_type;
  char *location;
  char *error;
} Fetch;

typedef struct {
  GPtrArray *records; /* every TXT record */
  DsnDnsStatus txt_status;
  guint n_sts; /* records starting with v=STSv1 */
  DsnStsRecord *rec;
  GPtrArray *addresses; /* of mta-sts.DOMAIN */
  guint pending;
  gboolean host_failed;
  Fetch *fetch;
  DsnStsPolicy *policy;
} StsState;

static void
fetch_free (Fetch *f)
{
  if (!f)
    return;
  g_free (f->url);
  g_free (f->host);
  g_free (f->address);
  g_free (f->ca_file);
  g_free (f->connect_to);
  g_clear_object (&f->cancellable);
  if (f->body)
    g_byte_array_unref (f->body);
  g_free (f->content_type);
  g_free (f->location);
  g_free (f->error);
  g_free (f);
}

static void
clear (gpointer data)
{
  StsState *st = data;
  if (st->records)
    g_ptr_array_unref (st->records);
  dsn_sts_record_free (st->rec);
  if (st->addresses)
    g_ptr_array_unref (st->addresses);
  fetch_free (st->fetch);
  dsn_sts_policy_free (st->policy);
}

/* ------------------------------------------------------------ HTTPS */

static size_t
on_body (char *data, size_t size, size_t n, void *user)
{
  Fetch *f = user;
  size_t len = size * n;
  if (f->body->len + len > POLICY_MAX_SIZE) {
    f->too_large = TRUE;
    return 0; /* abort the transfer */
  }
  g_byte_array_append (f->body, (const guint8 *)data, (guint)len);
  return len;
}

/* Called by libcurl during the transfer: a non-zero return aborts it. */
static int
on_progress (void *user, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
  Fetch *f = user;
  return f->cancellable && g_cancellable_is_cancelled (f->cancellable);
}

/* The libcurl functions the fetch uses (each curl_NAME), bound by name when
 * it first runs (curl's ABI has kept its soname since 2006), or linked in
 * sanitized builds (meson.build says why). One list for the table, its
 * types (those of curl.h) and both ways of filling it. */
#define CURL_FUNCTIONS(X)                                                                          \
  X (global_init)                                                                                  \
  X (easy_init)                                                                                    \
  X (easy_setopt)                                                                                  \
  X (easy_perform)                                                                                 \
  X (easy_getinfo)                                                                                 \
  X (easy_strerror)                                                                                \
  X (easy_cleanup)                                                                                 \
  X (slist_append)                                                                                 \
  X (slist_free_all)

#define CURL_FIELD(name) __typeof__ (curl_##name) *name;
static struct {
  CURL_FUNCTIONS (CURL_FIELD)
} curl;
static char *curl_error; /* the loader's words if libcurl could not be opened */

#ifndef DSN_CURL_SONAME
#define CURL_NAME "libcurl"
#define CURL_LINK(name) curl.name = curl_##name;
static void
curl_open (void)
{
  CURL_FUNCTIONS (CURL_LINK)
  curl.global_init (CURL_GLOBAL_DEFAULT);
}
#else
#define CURL_NAME DSN_CURL_SONAME
#define CURL_SYMBOL(name) { "curl_" #name, offsetof (__typeof__ (curl), name) },
static void
curl_open (void)
{
  GModule *m = g_module_open (DSN_CURL_SONAME, G_MODULE_BIND_LOCAL);
  if (!m) {
    curl_error = g_strdup (g_module_error ());
    return;
  }
  g_module_make_resident (m);
  static const struct {
    const char *name;
    size_t offset;
  } sym[] = { CURL_FUNCTIONS (CURL_SYMBOL) };
  for (size_t i = 0; i < G_N_ELEMENTS (sym); i++) {
    gpointer fn = NULL;
    if (!g_module_symbol (m, sym[i].name, &fn) || !fn) {
      curl_error = g_strdup_printf ("no %s", sym[i].name);
      return;
    }
    memcpy ((char *)&curl + sym[i].offset, &fn, sizeof fn);
  }
  curl.global_init (CURL_GLOBAL_DEFAULT);
}
#endif

static void
run_fetch (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  /* pthread_once: ThreadSanitizer sees its ordering, not g_once's. */
  static pthread_once_t once = PTHREAD_ONCE_INIT;
  pthread_once (&once, curl_open);
  Fetch *f = data;
  f->body = g_byte_array_new ();
  if (curl_error) {
    f->error = g_strdup_printf ("cannot load %s: %s", CURL_NAME, curl_error);
    g_task_return_boolean (task, TRUE);
    return;
  }
  CURL *h = curl.easy_init ();
  if (!h) {
    f->error = g_strdup ("cannot start libcurl");
    g_task_return_boolean (task, TRUE);
    return;
  }
  char errbuf[CURL_ERROR_SIZE] = "";
  struct curl_slist *resolve = NULL, *connect_to = NULL;
  curl.easy_setopt (h, CURLOPT_URL, f->url);
#if LIBCURL_VERSION_NUM >= 0x075500
  curl.easy_setopt (h, CURLOPT_PROTOCOLS_STR, "https");
  curl.easy_setopt (h, CURLOPT_REDIR_PROTOCOLS_STR, "https");
#else
  curl.easy_setopt (h, CURLOPT_PROTOCOLS, (long)CURLPROTO_HTTPS);
  curl.easy_setopt (h, CURLOPT_REDIR_PROTOCOLS, (long)CURLPROTO_HTTPS);
#endif
  curl.easy_setopt (h, CURLOPT_FOLLOWLOCATION, 0L);
  curl.easy_setopt (h, CURLOPT_NOSIGNAL, 1L);
  curl.easy_setopt (h, CURLOPT_TIMEOUT_MS, (long)f->timeout_ms);
  curl.easy_setopt (h, CURLOPT_CONNECTTIMEOUT_MS, (long)MIN (f->timeout_ms, CONNECT_TIMEOUT_MS));
  curl.easy_setopt (h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)POLICY_MAX_SIZE);
  curl.easy_setopt (h, CURLOPT_SSL_VERIFYPEER, 1L);
  curl.easy_setopt (h, CURLOPT_SSL_VERIFYHOST, 2L);
  curl.easy_setopt (h, CURLOPT_PROXY, "");
  curl.easy_setopt (h, CURLOPT_USERAGENT, "mailcheck (libdsn " DSN_VERSION_STRING ")");
  curl.easy_setopt (h, CURLOPT_ERRORBUFFER, errbuf);
  curl.easy_setopt (h, CURLOPT_WRITEFUNCTION, on_body);
  curl.easy_setopt (h, CURLOPT_WRITEDATA, f);
  curl.easy_setopt (h, CURLOPT_NOPROGRESS, 0L);
  curl.easy_setopt (h, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl.easy_setopt (h, CURLOPT_XFERINFODATA, f);
  if (f->address) {
    g_autofree char *entry = strchr (f->address, ':')
                                 ? g_strdup_printf ("%s:443:[%s]", f->host, f->address)
                                 : g_strdup_printf ("%s:443:%s", f->host, f->address);
    resolve = curl.slist_append (NULL, entry);
    curl.easy_setopt (h, CURLOPT_RESOLVE, resolve);
  }
  if (f->ca_file)
    curl.easy_setopt (h, CURLOPT_CAINFO, f->ca_file);
  if (f->connect_to) {
    g_autofree char *entry = g_strdup_printf ("::%s", f->connect_to);
    connect_to = curl.slist_append (NULL, entry);
    curl.easy_setopt (h, CURLOPT_CONNECT_TO, connect_to);
  }
  CURLcode rc = curl.easy_perform (h);
  curl.easy_getinfo (h, CURLINFO_RESPONSE_CODE, &f->status);
  char *ct = NULL;
  if (curl.easy_getinfo (h, CURLINFO_CONTENT_TYPE, &ct) == CURLE_OK && ct)
    f->content_type = g_strdup (ct);
  char *loc = NULL;
  if (curl.easy_getinfo (h, CURLINFO_REDIRECT_URL, &loc) == CURLE_OK && loc)
    f->location = g_strdup (loc);
  if (rc == CURLE_FILESIZE_EXCEEDED)
    f->too_large = TRUE;
  if (rc != CURLE_OK && !f->too_large)
    f->error = g_strdup (*errbuf ? errbuf : curl.easy_strerror (rc));
  curl.easy_cleanup (h);
  curl.slist_free_all (resolve);
  curl.slist_free_all (connect_to);
  g_task_return_boolean (task, TRUE);
}

static void
on_fetched (GObject *source, GAsyncResult *result, gpointer data)
{
  DsnJob *job = data;
  StsState *st = DSN_JOB_STATE (job, DSN_AREA_MTA_STS, StsState);
  Fetch *f = st->fetch;
  if (f->status == 200 && !f->error && !f->too_large)
    st->policy = dsn_sts_policy_parse ((const char *)f->body->data, f->body->len);
  dsn_job_release (job);
}

static void
start_fetch (DsnJob *job)
{
  StsState *st = DSN_JOB_STATE (job, DSN_AREA_MTA_STS, StsState);
  DsnResolver *res = dsn_dns_get_resolver (job->dns);
  Fetch *f = g_new0 (Fetch, 1);
  f->host = g_strconcat ("mta-sts.", job->domain, NULL);
  f->url = g_strdup_printf ("https://%s/.well-known/mta-sts.txt", f->host);
  f->address = g_strdup (st->addresses->pdata[0]);
  f->ca_file = g_strdup (res->test_ca_file);
  f->connect_to = g_strdup (res->test_connect_to);
  f->timeout_ms = res->https_timeout_ms;
  GCancellable *cancellable = g_task_get_cancellable (job->task);
  f->cancellable = cancellable ? g_object_ref (cancellable) : NULL;
  st->fetch = f;
  dsn_job_hold (job);
  GTask *task = g_task_new (NULL, NULL, on_fetched, job);
  g_task_set_task_data (task, f, NULL);
  g_task_run_in_thread (task, run_fetch);
  g_object_unref (task);
}

/* ------------------------------------------------------------ DNS */

static void
on_host (const DsnDnsAnswer *ans, gpointer data)
{
  DsnJob *job = data;
  StsState *st = DSN_JOB_STATE (job, DSN_AREA_MTA_STS, StsState);
  if (dsn_dns_failed (ans)) {
    if (!st->host_failed)
      dsn_job_dns_error (job, "mta_sts.dns_error", ans);
    st->host_failed = TRUE;
  }
  for (guint i = 0; ans->status == DSN_DNS_OK && i < ans->rrs->len; i++)
    g_ptr_array_add (st->addresses, g_strdup (((DsnDnsRR *)ans->rrs->pdata[i])->data));
  if (--st->pending)
    return;
  if (st->addresses->len)
    start_fetch (job);
}

static void
on_txt (const DsnDnsAnswer *ans, gpointer data)
{
  DsnJob *job = data;
  StsState *st = DSN_JOB_STATE (job, DSN_AREA_MTA_STS, StsState);
  st->txt_status = ans->status;
  if (dsn_dns_failed (ans)) {
    dsn_job_dns_error (job, "mta_sts.dns_error", ans);
    return;
  }
  g_autoptr (JsonArray) all = dsn_json_txt_records (ans);
  for (guint i = 0; i < json_array_get_length (all); i++)
    g_ptr_array_add (st->records, g_strdup (json_array_get_string_element (all, i)));
  /* Records that do not begin with "v=STSv1;" are discarded (§3.1). */
  g_autoptr (GPtrArray) sts = dsn_txt_with_prefix (ans, "v=STSv1");
  st->n_sts = sts->len;
  if (sts->len != 1)
    return;
  st->rec = dsn_sts_record_parse (sts->pdata[0]);
  g_autofree char *host = g_strconcat ("mta-sts.", job->domain, NULL);
  st->pending = 2;
  dsn_job_lookup (job, host, DSN_DNS_A, on_host, job);
  dsn_job_lookup (job, host, DSN_DNS_AAAA, on_host, job);
}

static void
start (DsnJob *job)
{
  StsState *st = DSN_JOB_STATE (job, DSN_AREA_MTA_STS, StsState);
  st->records = g_ptr_array_new_with_free_func (g_free);
  st->addresses = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *name = g_strconcat ("_mta-sts.", job->domain, NULL);
  dsn_job_lookup (job, name, DSN_DNS_TXT, on_txt, job);
}

/* ------------------------------------------------------------ findings */

static JsonObject *
policy_json (const Fetch *f, const DsnStsPolicy *p)
{
  JsonObject *o = json_object_new ();
  g_autofree char *text = g_strndup ((const char *)f->body->data, f->body->len);
  g_autofree char *valid = g_utf8_make_valid (text, -1);
  json_object_set_string_member (o, "text", valid);
  dsn_json_set_string (o, "version", p->version);
  dsn_json_set_string (o, "mode", p->mode);
  json_object_set_array_member (o, "mx", dsn_json_strv (p->mx));
  if (p->max_age >= 0)
    json_object_set_int_member (o, "max_age", p->max_age);
  else
    json_object_set_null_member (o, "max_age");
  return o;
}

static void
check_policy (DsnJob *job, StsState *st, JsonObject *o)
{
  Fetch *f = st->fetch;
  if (f->too_large) {
    dsn_job_add (job, "mta_sts.too_large", "url", f->url, NULL);
    return;
  }
  if (curl_error) {
    dsn_job_add (job, "mta_sts.fetch_failed", "url", f->url, "detail@", "http.no_libcurl",
                 "detail.library", CURL_NAME, "detail.why", curl_error, NULL);
    return;
  }
  if (f->error) {
    dsn_job_add (job, "mta_sts.fetch_failed", "url", f->url, "detail", f->error, NULL);
    return;
  }
  if (f->status >= 300 && f->status < 400) {
    dsn_job_add (job, "mta_sts.redirect", "url", f->url, "location", f->location ? f->location : "",
                 NULL);
    return;
  }
  if (f->status != 200) {
    g_autofree char *status = g_strdup_printf ("%ld", f->status);
    dsn_job_add (job, "mta_sts.fetch_failed", "url", f->url, "detail@", "http.status",
                 "detail.status", status, NULL);
    return;
  }
  if (!f->content_type || g_ascii_strncasecmp (f->content_type, "text/plain", 10)
      || (f->content_type[10] && f->content_type[10] != ';' && f->content_type[10] != ' '))
    dsn_job_add (job, "mta_sts.content_type", f->content_type ? "type" : "type@",
                 f->content_type ? f->content_type : "value.no_type", NULL);
  DsnStsPolicy *p = st->policy;
  json_object_set_object_member (o, "policy", policy_json (f, p));
  dsn_job_add_issues (job, p->issues, "url", f->url);
  if (p->issues->len)
    return;
  if (!strcmp (p->mode, "testing"))
    dsn_job_add (job, "mta_sts.testing", NULL);
  else if (!strcmp (p->mode, "none"))
    dsn_job_add (job, "mta_sts.mode_none", NULL);
  if (p->max_age < 86400) {
    g_autofree char *age = g_strdup_printf ("%" G_GINT64_FORMAT, p->max_age);
    dsn_job_add (job, "mta_sts.max_age_short", "max_age", age, NULL);
  }
  /* Every MX host must match a pattern, or senders that enforce the policy
   * will not deliver to it (§4.1). */
  JsonArray *matches = json_array_new ();
  GPtrArray *hosts = dsn_mx_hosts (job);
  for (guint i = 0; hosts && !dsn_mx_null (job) && strcmp (p->mode, "none") && i < hosts->len;
       i++) {
    const DsnMxHost *h = hosts->pdata[i];
    if (!*h->name)
      continue;
    const char *pattern = NULL;
    for (guint k = 0; k < p->mx->len && !pattern; k++)
      if (dsn_sts_mx_match (p->mx->pdata[k], h->name))
        pattern = p->mx->pdata[k];
    JsonObject *m = json_object_new ();
    json_object_set_string_member (m, "host", h->name);
    dsn_json_set_string (m, "pattern", pattern);
    json_array_add_object_element (matches, m);
    if (!pattern)
      dsn_job_add (job, "mta_sts.mx_mismatch", "host", h->name, NULL);
  }
  json_object_set_array_member (o, "mx_match", matches);
  if (dsn_job_area_clean (job, DSN_AREA_MTA_STS))
    dsn_job_add (job, "mta_sts.ok", "mode", p->mode, NULL);
}

static void
finish (DsnJob *job)
{
  StsState *st = DSN_JOB_STATE (job, DSN_AREA_MTA_STS, StsState);
  JsonObject *o = dsn_job_data (job, DSN_AREA_MTA_STS);
  json_object_set_array_member (o, "records", dsn_json_strv (st->records));
  dsn_json_set_string (o, "id", st->rec ? st->rec->id : NULL);
  Fetch *f = st->fetch;
  dsn_json_set_string (o, "policy_url", f ? f->url : NULL);
  JsonObject *http = json_object_new ();
  if (f && !f->error && !f->too_large)
    json_object_set_int_member (http, "status", f->status);
  else
    json_object_set_null_member (http, "status");
  dsn_json_set_string (http, "content_type", f ? f->content_type : NULL);
  dsn_json_set_string (http, "error", f ? (f->too_large ? "too large" : f->error) : NULL);
  json_object_set_object_member (o, "http", http);
  json_object_set_null_member (o, "policy");
  json_object_set_array_member (o, "mx_match", json_array_new ());
  if (dsn_dns_status_failed (st->txt_status))
    return;
  if (st->n_sts == 0) {
    /* It protects mail to the domain: a domain that takes none needs none. */
    dsn_job_add (job, dsn_mx_null (job) ? "mta_sts.not_needed" : "mta_sts.missing", NULL);
    return;
  }
  if (st->n_sts > 1) {
    g_autofree char *c = g_strdup_printf ("%u", st->n_sts);
    dsn_job_add (job, "mta_sts.multiple", "count", c, NULL);
    return;
  }
  dsn_job_add_issues (job, st->rec->issues, NULL, NULL);
  if (!f) {
    if (!st->host_failed) {
      g_autofree char *host = g_strconcat ("mta-sts.", job->domain, NULL);
      dsn_job_add (job, "mta_sts.no_host", "host", host, NULL);
    }
    return;
  }
  check_policy (job, st, o);
}

DSN_CHECK (mta_sts) = {
  .area = DSN_AREA_MTA_STS,
  .needs = DSN_AREA_MX,
  .state_size = sizeof (StsState),
  .start = start,
  .finish = finish,
  .clear = clear,
};

/* ------------------------------------------------------------ for other checks */

const char *
dsn_mta_sts_mode (DsnJob *job)
{
  StsState *st = DSN_JOB_STATE (job, DSN_AREA_MTA_STS, StsState);
  if (!st || !st->policy || st->policy->issues->len || st->n_sts != 1 || !st->rec
      || st->rec->issues->len)
    return NULL;
  return st->policy->mode;
}
