/* The MX check: where the domain's mail goes (RFC 5321 §5.1), null MX
 * (RFC 7505), and the addresses of every mail server, which the PTR,
 * blocklist and MTA-STS checks then use.
 *
 * SPDX-License-Identifier: BSD-2-Clause */
#include "audit.h"

#include <arpa/inet.h>
#include <string.h>

typedef struct {
  GPtrArray *hosts; /* DsnMxHost */
  char *alias;      /* the domain is an alias (CNAME) of this name */
  guint pending;    /* address lookups in flight */
  gboolean nxdomain, implicit, null_mx;
  gboolean done; /* every address lookup is done */
  /* What other checks do with each address (dsn_mx_foreach_address()). */
  DsnMxAddressFunc on_address[DSN_N_AREAS];
  guint n_on_address;
} MxState;

typedef struct {
  DsnJob *job;
  DsnMxHost *host;
} HostLookup;

static void
host_free (DsnMxHost *h)
{
  g_free (h->name);
  g_ptr_array_unref (h->addresses);
  g_free (h);
}

static void
clear (gpointer data)
{
  MxState *st = data;
  if (st->hosts)
    g_ptr_array_unref (st->hosts);
  g_free (st->alias);
}

static DsnMxHost *
host_new (const char *name, guint16 preference)
{
  DsnMxHost *h = g_new0 (DsnMxHost, 1);
  h->name = g_strdup (name);
  h->preference = preference;
  h->addresses = g_ptr_array_new_with_free_func (g_free);
  return h;
}

/* Addresses that cannot receive mail from the Internet. */
static gboolean
private_address (const char *text)
{
  guint8 a[16];
  int family;
  if (!dsn_parse_ip (text, &family, a))
    return FALSE;
  if (family == AF_INET)
    return a[0] == 0 || a[0] == 10 || a[0] == 127 || (a[0] == 169 && a[1] == 254)
           || (a[0] == 172 && (a[1] & 0xf0) == 16) || (a[0] == 192 && a[1] == 168)
           || (a[0] == 100 && (a[1] & 0xc0) == 64);
  static const guint8 zero[16] = { 0 };
  if (!memcmp (a, zero, 15) && (a[15] == 0 || a[15] == 1))
    return TRUE; /* :: and ::1 */
  return (a[0] & 0xfe) == 0xfc || (a[0] == 0xfe && (a[1] & 0xc0) == 0x80);
}

static gboolean
is_ip_literal (const char *name)
{
  guint8 a[16];
  int family;
  return dsn_parse_ip (name, &family, a);
}

static gint
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *)a, *(const char *const *)b);
}

static void
all_done (DsnJob *job)
{
  MxState *st = DSN_JOB_STATE (job, DSN_AREA_MX, MxState);
  st->done = TRUE;
  /* Each address once, with the first mail server that has it. */
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < st->hosts->len; i++) {
    DsnMxHost *h = st->hosts->pdata[i];
    g_ptr_array_sort (h->addresses, compare_strings);
    for (guint k = 0; k < h->addresses->len; k++) {
      const char *addr = h->addresses->pdata[k];
      if (!g_hash_table_add (seen, (gpointer)addr))
        continue;
      for (guint f = 0; f < st->n_on_address; f++)
        st->on_address[f](job, addr, h->name);
    }
  }
}

static void
host_lookup_done (DsnJob *job)
{
  MxState *st = DSN_JOB_STATE (job, DSN_AREA_MX, MxState);
  if (--st->pending == 0)
    all_done (job);
}

static void
on_host_address (const DsnDnsAnswer *ans, gpointer data)
{
  HostLookup *l = data;
  DsnJob *job = l->job;
  DsnMxHost *h = l->host;
  if (ans->cnames->len)
    h->cname = TRUE;
  if (dsn_dns_failed (ans)) {
    if (!h->failed && dsn_job_wants (job, DSN_AREA_MX))
      dsn_job_dns_error (job, "mx.dns_error", ans);
    h->failed = TRUE;
  }
  for (guint i = 0; ans->status == DSN_DNS_OK && i < ans->rrs->len; i++) {
    const DsnDnsRR *rr = ans->rrs->pdata[i];
    gboolean dup = FALSE;
    for (guint k = 0; k < h->addresses->len; k++)
      dup |= !strcmp (h->addresses->pdata[k], rr->data);
    if (!dup)
      g_ptr_array_add (h->addresses, g_strdup (rr->data));
  }
  g_free (l);
  host_lookup_done (job);
}

static void
lookup_addresses (DsnJob *job, DsnMxHost *h)
{
  MxState *st = DSN_JOB_STATE (job, DSN_AREA_MX, MxState);
  static const guint16 types[] = { DSN_DNS_A, DSN_DNS_AAAA };
  for (gsize i = 0; i < G_N_ELEMENTS (types); i++) {
    HostLookup *l = g_new0 (HostLookup, 1);
    l->job = job;
    l->host = h;
    st->pending++;
    dsn_job_lookup (job, h->name, types[i], on_host_address, l);
  }
}

static gint
compare_hosts (gconstpointer a, gconstpointer b)
{
  const DsnMxHost *x = *(const DsnMxHost *const *)a, *y = *(const DsnMxHost *const *)b;
  if (x->preference != y->preference)
    return x->preference < y->preference ? -1 : 1;
  return g_ascii_strcasecmp (x->name, y->name);
}

static void
on_mx (const DsnDnsAnswer *ans, gpointer data)
{
  DsnJob *job = data;
  MxState *st = DSN_JOB_STATE (job, DSN_AREA_MX, MxState);
  gboolean report = dsn_job_wants (job, DSN_AREA_MX);
  st->alias = g_strdup (dsn_alias_target (ans));
  if (dsn_dns_failed (ans)) {
    if (report)
      dsn_job_dns_error (job, "mx.dns_error", ans);
    all_done (job);
    return;
  }
  if (ans->status == DSN_DNS_NXDOMAIN) {
    st->nxdomain = TRUE;
    if (report)
      dsn_job_add (job, "mx.domain_missing", "domain", job->domain, NULL);
    all_done (job);
    return;
  }
  st->pending = 1; /* held while lookups start */
  if (ans->rrs->len == 0) {
    /* No MX: mail goes to the domain's own address (RFC 5321 §5.1). */
    st->implicit = TRUE;
    DsnMxHost *h = host_new (job->domain, 0);
    g_ptr_array_add (st->hosts, h);
    lookup_addresses (job, h);
  }
  for (guint i = 0; i < ans->rrs->len; i++) {
    const DsnDnsRR *rr = ans->rrs->pdata[i];
    DsnMxHost *h = host_new (rr->data, rr->preference);
    g_ptr_array_add (st->hosts, h);
  }
  g_ptr_array_sort (st->hosts, compare_hosts);
  for (guint i = 0; !st->implicit && i < st->hosts->len; i++) {
    DsnMxHost *h = st->hosts->pdata[i];
    if (!*h->name) {
      st->null_mx = TRUE;
      continue;
    }
    if (is_ip_literal (h->name)) {
      if (report)
        dsn_job_add (job, "mx.ip_literal", "host", h->name, NULL);
      continue;
    }
    lookup_addresses (job, h);
  }
  host_lookup_done (job);
}

static void
start (DsnJob *job)
{
  MxState *st = DSN_JOB_STATE (job, DSN_AREA_MX, MxState);
  st->hosts = g_ptr_array_new_with_free_func ((GDestroyNotify)host_free);
  dsn_job_lookup (job, job->domain, DSN_DNS_MX, on_mx, job);
}

static void
finish (DsnJob *job)
{
  MxState *st = DSN_JOB_STATE (job, DSN_AREA_MX, MxState);
  JsonObject *o = dsn_job_data (job, DSN_AREA_MX);
  /* Its records are another name's: say so, and whose. */
  dsn_json_set_string (o, "alias_of", st->alias);
  if (st->alias)
    dsn_job_add (job, "mx.domain_alias", "domain", job->domain, "target", st->alias, NULL);
  json_object_set_boolean_member (o, "null_mx", st->null_mx);
  json_object_set_boolean_member (o, "implicit", st->implicit);
  JsonArray *records = json_array_new ();
  g_autoptr (GString) list = g_string_new (NULL);
  guint real = 0;
  for (guint i = 0; i < st->hosts->len; i++) {
    DsnMxHost *h = st->hosts->pdata[i];
    JsonObject *r = json_object_new ();
    if (st->implicit)
      json_object_set_null_member (r, "preference");
    else
      json_object_set_int_member (r, "preference", h->preference);
    json_object_set_string_member (r, "host", *h->name ? h->name : ".");
    json_object_set_boolean_member (r, "cname", h->cname);
    json_object_set_array_member (r, "addresses", dsn_json_strv (h->addresses));
    json_array_add_object_element (records, r);
    if (!*h->name)
      continue;
    real++;
    if (list->len)
      g_string_append (list, ", ");
    g_string_append (list, h->name);
    if (!st->implicit)
      g_string_append_printf (list, " (%u)", h->preference);
    if (h->cname)
      dsn_job_add (job, "mx.cname", "host", h->name, NULL);
    if (!h->addresses->len && !h->failed && !is_ip_literal (h->name))
      dsn_job_add (job, st->implicit ? "mx.none" : "mx.no_address", "host", h->name, NULL);
    for (guint k = 0; k < h->addresses->len; k++)
      if (private_address (h->addresses->pdata[k]))
        dsn_job_add (job, "mx.private_address", "host", h->name, "address", h->addresses->pdata[k],
                     NULL);
  }
  json_object_set_array_member (o, "records", records);
  if (st->null_mx) {
    if (st->hosts->len > 1)
      dsn_job_add (job, "mx.null_mixed", NULL);
    else if (((DsnMxHost *)st->hosts->pdata[0])->preference != 0)
      dsn_job_add (job, "mx.null_preference", NULL);
    else if (dsn_mx_parked (job))
      dsn_job_add (job, "mx.parked", NULL);
    else {
      /* Advise what is not there yet, not what is. */
      const char *policy = dsn_dmarc_policy (job);
      gboolean spf = dsn_spf_sends_nothing (job);
      gboolean dmarc = policy && !strcmp (policy, "reject");
      dsn_job_add (job, "mx.null", "missing@",
                   spf     ? "mx_missing.dmarc"
                   : dmarc ? "mx_missing.spf"
                           : "mx_missing.both",
                   NULL);
    }
    return;
  }
  if (st->implicit && real && ((DsnMxHost *)st->hosts->pdata[0])->addresses->len) {
    DsnMxHost *h = st->hosts->pdata[0];
    g_autofree char *addrs = dsn_strings_join (h->addresses, ", ");
    dsn_job_add (job, "mx.implicit", "addresses", addrs, NULL);
    return;
  }
  if (real && dsn_job_area_clean (job, DSN_AREA_MX)) {
    g_autofree char *n = g_strdup_printf ("%u", real);
    dsn_job_add (job, "mx.ok", "count", n, "hosts", list->str, NULL);
  }
}

DSN_CHECK (mx) = {
  .area = DSN_AREA_MX,
  .state_size = sizeof (MxState),
  .start = start,
  .finish = finish,
  .clear = clear,
};

/* ------------------------------------------------------------ for other checks */

GPtrArray *
dsn_mx_hosts (DsnJob *job)
{
  MxState *st = DSN_JOB_STATE (job, DSN_AREA_MX, MxState);
  return st && st->done ? st->hosts : NULL;
}

gboolean
dsn_mx_null (DsnJob *job)
{
  MxState *st = DSN_JOB_STATE (job, DSN_AREA_MX, MxState);
  return st && st->null_mx;
}

gboolean
dsn_mx_parked (DsnJob *job)
{
  const char *policy = dsn_dmarc_policy (job);
  return dsn_mx_null (job) && dsn_spf_sends_nothing (job) && policy && !strcmp (policy, "reject");
}

void
dsn_mx_foreach_address (DsnJob *job, DsnMxAddressFunc func)
{
  if (job->is_ip) {
    func (job, job->domain, NULL);
    return;
  }
  MxState *st = DSN_JOB_STATE (job, DSN_AREA_MX, MxState);
  /* Answers come from the main loop, never while the checks start: a
   * check's start function is in time. */
  g_return_if_fail (st && !st->done && st->n_on_address < G_N_ELEMENTS (st->on_address));
  st->on_address[st->n_on_address++] = func;
}

char *
dsn_mx_server_label (const char *address, const char *host)
{
  return host ? g_strdup_printf ("%s (%s)", address, host) : g_strdup (address);
}
