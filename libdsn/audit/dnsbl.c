/* DNS blocklists (RFC 5782): each mail server address is looked up under
 * each list's zone. An A record in 127.0.0.0/8 means listed; the
 * 127.255.255.0/24 answers are the lists' way of saying they refused the
 * query (Spamhaus: .252 typo in the zone name, .254 query through a public
 * resolver, .255 too many queries), which is "could not check".
 *
 * SPDX-License-Identifier: BSD-2-Clause */
#include "audit.h"

#include <string.h>

/* Blocklists queried when the caller gives none: widely used, free for
 * low-volume queries. Spamhaus answers 127.255.255.254 to queries sent
 * through public resolvers: that is reported as "could not check". */
static const char *const default_zones[] = {
  "zen.spamhaus.org",
  "bl.spamcop.net",
  "b.barracudacentral.org",
  NULL,
};

typedef enum { BL_PENDING, BL_CLEAN, BL_LISTED, BL_REFUSED, BL_FAILED } BlStatus;

typedef struct {
  DsnJob *job;
  char *address, *host, *zone, *name;
  BlStatus status;
  GPtrArray *codes;
  char *text;
} BlEntry;

typedef struct {
  GPtrArray *entries; /* BlEntry */
} BlState;

static void
entry_free (BlEntry *e)
{
  g_free (e->address);
  g_free (e->host);
  g_free (e->zone);
  g_free (e->name);
  g_ptr_array_unref (e->codes);
  g_free (e->text);
  g_free (e);
}

static void
clear (gpointer data)
{
  BlState *st = data;
  if (st->entries)
    g_ptr_array_unref (st->entries);
}

static const char *const *
zones_of (const DsnJob *job)
{
  return job->dnsbl_zones ? (const char *const *)job->dnsbl_zones : default_zones;
}

static void
on_txt (const DsnDnsAnswer *ans, gpointer data)
{
  BlEntry *e = data;
  if (ans->status == DSN_DNS_OK && ans->rrs->len)
    e->text = dsn_rr_text (ans->rrs->pdata[0]);
}

static void
on_a (const DsnDnsAnswer *ans, gpointer data)
{
  BlEntry *e = data;
  DsnJob *job = e->job;
  if (dsn_dns_failed (ans)) {
    e->status = BL_FAILED;
    dsn_job_dns_error (job, "dnsbl.dns_error", ans);
    return;
  }
  if (dsn_dns_void (ans)) {
    e->status = BL_CLEAN;
    return;
  }
  gboolean refused = FALSE, listed = FALSE;
  for (guint i = 0; i < ans->rrs->len; i++) {
    const DsnDnsRR *rr = ans->rrs->pdata[i];
    g_ptr_array_add (e->codes, g_strdup (rr->data));
    if (rr->addr[0] != 127 || (rr->addr[1] == 255 && rr->addr[2] == 255))
      refused = TRUE;
    else
      listed = TRUE;
  }
  e->status = listed ? BL_LISTED : BL_REFUSED;
  if (refused && !listed) {
    g_autofree char *codes = dsn_strings_join (e->codes, ", ");
    dsn_job_add (job, "dnsbl.refused", "zone", e->zone, "code", codes, NULL);
  }
  if (listed)
    dsn_job_lookup (job, e->name, DSN_DNS_TXT, on_txt, e);
}

/* The address in the lists' query form: reversed octets or nibbles. */
static char *
reversed (const char *address)
{
  g_autofree char *rev = dsn_dns_reverse_name (address);
  if (!rev)
    return NULL;
  char *suffix
      = strstr (rev, g_str_has_suffix (rev, ".in-addr.arpa") ? ".in-addr.arpa" : ".ip6.arpa");
  return g_strndup (rev, (gsize)(suffix - rev));
}

static void
check_address (DsnJob *job, const char *address, const char *host)
{
  g_autofree char *rev = reversed (address);
  if (!rev)
    return;
  for (const char *const *z = zones_of (job); *z; z++) {
    BlEntry *e = g_new0 (BlEntry, 1);
    e->job = job;
    e->address = g_strdup (address);
    e->host = g_strdup (host);
    e->zone = g_ascii_strdown (*z, -1);
    e->name = g_strconcat (rev, ".", e->zone, NULL);
    e->codes = g_ptr_array_new_with_free_func (g_free);
    g_ptr_array_add (DSN_JOB_STATE (job, DSN_AREA_DNSBL, BlState)->entries, e);
    dsn_job_lookup (job, e->name, DSN_DNS_A, on_a, e);
  }
}

static void
start (DsnJob *job)
{
  BlState *st = DSN_JOB_STATE (job, DSN_AREA_DNSBL, BlState);
  st->entries = g_ptr_array_new_with_free_func ((GDestroyNotify)entry_free);
  dsn_mx_foreach_address (job, check_address);
}

static gint
compare_entries (gconstpointer a, gconstpointer b)
{
  const BlEntry *x = *(const BlEntry *const *)a, *y = *(const BlEntry *const *)b;
  int d = strcmp (x->address, y->address);
  return d ? d : strcmp (x->zone, y->zone);
}

static void
finish (DsnJob *job)
{
  GPtrArray *list = DSN_JOB_STATE (job, DSN_AREA_DNSBL, BlState)->entries;
  g_ptr_array_sort (list, compare_entries);
  JsonObject *o = dsn_job_data (job, DSN_AREA_DNSBL);
  JsonArray *zones = json_array_new ();
  for (const char *const *z = zones_of (job); *z; z++)
    json_array_add_string_element (zones, *z);
  json_object_set_array_member (o, "zones", zones);
  JsonArray *arr = json_array_new ();
  guint clean = 0;
  g_autoptr (GHashTable) addresses = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < list->len; i++) {
    BlEntry *e = list->pdata[i];
    g_hash_table_add (addresses, e->address);
    JsonObject *r = json_object_new ();
    json_object_set_string_member (r, "address", e->address);
    dsn_json_set_string (r, "host", e->host);
    json_object_set_string_member (r, "zone", e->zone);
    static const char *const names[] = { "pending", "clean", "listed", "refused", "dns-error" };
    json_object_set_string_member (r, "status", names[e->status]);
    json_object_set_array_member (r, "codes", dsn_json_strv (e->codes));
    dsn_json_set_string (r, "text", e->text);
    json_array_add_object_element (arr, r);
    if (e->status == BL_LISTED) {
      g_autofree char *server = dsn_mx_server_label (e->address, e->host);
      g_autofree char *codes = dsn_strings_join (e->codes, ", ");
      /* The list's own words, quoted, when it gives any. */
      g_autofree char *quote = e->text ? g_strdup_printf (" “%s”", e->text) : g_strdup ("");
      dsn_job_add (job, "dnsbl.listed", "server", server, "zone", e->zone, "code", codes, "text",
                   e->text ? e->text : "", "quote", quote, NULL);
    } else if (e->status == BL_CLEAN) {
      clean++;
    }
  }
  json_object_set_array_member (o, "results", arr);
  if (!zones_of (job)[0])
    dsn_job_add (job, "dnsbl.no_zones", NULL);
  else if (!list->len)
    dsn_job_add (job, "dnsbl.no_address", NULL);
  else if (clean == list->len) {
    g_autofree char *na = g_strdup_printf ("%u", g_hash_table_size (addresses));
    g_autofree char *nz = g_strdup_printf ("%u", g_strv_length ((char **)zones_of (job)));
    dsn_job_add (job, "dnsbl.ok", "addresses", na, "zones", nz, NULL);
  }
}

DSN_CHECK (dnsbl) = {
  .area = DSN_AREA_DNSBL,
  .needs = DSN_AREA_MX,
  .address = TRUE,
  .state_size = sizeof (BlState),
  .start = start,
  .finish = finish,
  .clear = clear,
};
