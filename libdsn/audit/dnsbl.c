/* DNS blocklists (RFC 5782): each mail server address is looked up under
 * each list's zone, and the domain itself under the domain lists (Spamhaus
 * DBL and ZRD). An A record in 127.0.0.0/8 means listed; the
 * 127.255.255.0/24 answers are the lists' way of saying they refused the
 * query (Spamhaus: .252 typo in the zone name, .254 query through a public
 * resolver, .255 too many queries), which is "could not check". The answers
 * of the lists known here are decoded: what the listing means (Spamhaus SBL,
 * CSS, XBL, PBL, DROP, DBL, ZRD return codes) and where to look it up, so
 * the advice fits (a PBL listing is no compromised server).
 *
 * SPDX-License-Identifier: BSD-2-Clause */
#include "audit.h"

#include <arpa/inet.h>
#include <stdarg.h>
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

/* Lists known by name: whether they list domains rather than addresses,
 * and where a listing is looked up. */
static const struct {
  const char *zone;
  gboolean domains;
  gboolean spamhaus; /* return codes of https://docs.spamhaus.com/ */
  const char *lookup;
} known_lists[] = {
  { "zen.spamhaus.org", FALSE, TRUE, "https://check.spamhaus.org/" },
  { "sbl.spamhaus.org", FALSE, TRUE, "https://check.spamhaus.org/" },
  { "xbl.spamhaus.org", FALSE, TRUE, "https://check.spamhaus.org/" },
  { "pbl.spamhaus.org", FALSE, TRUE, "https://check.spamhaus.org/" },
  { "sbl-xbl.spamhaus.org", FALSE, TRUE, "https://check.spamhaus.org/" },
  { "dbl.spamhaus.org", TRUE, TRUE, "https://check.spamhaus.org/" },
  { "zrd.spamhaus.org", TRUE, TRUE, "https://check.spamhaus.org/" },
  { "bl.spamcop.net", FALSE, FALSE, "https://www.spamcop.net/bl.shtml" },
  { "b.barracudacentral.org", FALSE, FALSE, "https://www.barracudacentral.org/lookups" },
};

static int
known_list (const char *zone)
{
  for (gsize i = 0; i < G_N_ELEMENTS (known_lists); i++)
    if (!g_ascii_strcasecmp (zone, known_lists[i].zone))
      return (int)i;
  return -1;
}

typedef enum { BL_PENDING, BL_CLEAN, BL_LISTED, BL_REFUSED, BL_FAILED } BlStatus;

typedef struct {
  DsnJob *job;
  char *address, *host, *zone, *name;
  BlStatus status;
  GPtrArray *codes;
  char *text;
  gboolean domain; /* ADDRESS is the domain, looked up in a domain list */
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
    /* Spamhaus DBL: 127.0.1.255, an address asked of a domain list. */
    if (rr->addr[0] != 127 || (rr->addr[1] == 255 && rr->addr[2] == 255)
        || (rr->addr[1] == 0 && rr->addr[2] == 1 && rr->addr[3] == 255))
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

static BlEntry *
entry_new (DsnJob *job, const char *address, const char *host, const char *zone)
{
  BlEntry *e = g_new0 (BlEntry, 1);
  e->job = job;
  e->address = g_strdup (address);
  e->host = g_strdup (host);
  e->zone = g_ascii_strdown (zone, -1);
  e->codes = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (DSN_JOB_STATE (job, DSN_AREA_DNSBL, BlState)->entries, e);
  return e;
}

static gboolean
domain_list (const char *zone)
{
  int k = known_list (zone);
  return k >= 0 && known_lists[k].domains;
}

static void
check_address (DsnJob *job, const char *address, const char *host)
{
  g_autofree char *rev = reversed (address);
  if (!rev)
    return;
  for (const char *const *z = zones_of (job); *z; z++) {
    if (domain_list (*z))
      continue;
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
  /* The domain lists are asked about the domain itself, once. */
  for (const char *const *z = zones_of (job); !job->is_ip && *z; z++)
    if (domain_list (*z)) {
      BlEntry *e = entry_new (job, job->domain, NULL, *z);
      e->domain = TRUE;
      e->name = g_strconcat (job->domain, ".", e->zone, NULL);
      dsn_job_lookup (job, e->name, DSN_DNS_A, on_a, e);
    }
}

/* ------------------------------------------------------------ what a listing means */

/* The meaning of Spamhaus return code CODE (RFC 5782 §2.1 says only
 * "127.0.0.2"; https://docs.spamhaus.com/ gives the rest): the finding,
 * and for DBL the kind of abuse or for ZRD the hours since first seen. */
static const char *
spamhaus_code (const char *code, const char **kind, guint *hours)
{
  guint8 a[4];
  if (inet_pton (AF_INET, code, a) != 1 || a[0] != 127 || a[1] != 0)
    return NULL;
  if (a[2] == 0) {
    switch (a[3]) {
    case 2: return "dnsbl.listed_sbl";
    case 3: return "dnsbl.listed_css";
    case 4:
    case 5:
    case 6:
    case 7: return "dnsbl.listed_xbl";
    case 9: return "dnsbl.listed_drop";
    case 10:
    case 11: return "dnsbl.listed_pbl";
    default: return NULL;
    }
  }
  if (a[2] == 1) {
    static const struct {
      guint8 code;
      const char *kind;
    } kinds[] = {
      { 2, "dbl_kind.spam" },
      { 4, "dbl_kind.phish" },
      { 5, "dbl_kind.malware" },
      { 6, "dbl_kind.botnet" },
      { 102, "dbl_kind.abused_spam" },
      { 103, "dbl_kind.abused_redirector" },
      { 104, "dbl_kind.abused_phish" },
      { 105, "dbl_kind.abused_malware" },
      { 106, "dbl_kind.abused_botnet" },
    };
    for (gsize i = 0; i < G_N_ELEMENTS (kinds); i++)
      if (kinds[i].code == a[3]) {
        *kind = kinds[i].kind;
        return "dnsbl.listed_dbl";
      }
    return NULL;
  }
  if (a[2] == 2 && a[3] >= 2 && a[3] <= 24) {
    *hours = a[3];
    return "dnsbl.listed_zrd";
  }
  return NULL;
}

/* dsn_job_add() leaving out the arguments whose value is NULL: unknown. */
static void add_known (DsnJob *job, const char *code, ...) G_GNUC_NULL_TERMINATED;

static void
add_known (DsnJob *job, const char *code, ...)
{
  GPtrArray *args = g_ptr_array_new_with_free_func (g_free);
  va_list ap;
  va_start (ap, code);
  const char *name;
  while ((name = va_arg (ap, const char *))) {
    const char *value = va_arg (ap, const char *);
    if (!value)
      continue;
    g_ptr_array_add (args, g_strdup (name));
    g_ptr_array_add (args, g_strdup (value));
  }
  va_end (ap);
  dsn_job_add_args (job, code, args);
}

/* Reports listed entry E; a code known for its list says what it means. */
static void
report_listed (DsnJob *job, BlEntry *e, JsonArray *meanings)
{
  int k = known_list (e->zone);
  const char *lookup = k >= 0 ? known_lists[k].lookup : NULL;
  g_autofree char *server
      = e->domain ? g_strdup (e->address) : dsn_mx_server_label (e->address, e->host);
  gboolean decoded = FALSE;
  for (guint i = 0; k >= 0 && known_lists[k].spamhaus && i < e->codes->len; i++) {
    const char *kind = NULL;
    guint hours = 0;
    const char *code = spamhaus_code (e->codes->pdata[i], &kind, &hours);
    if (!code)
      continue;
    decoded = TRUE;
    json_array_add_string_element (meanings, strchr (code, '_') + 1);
    g_autofree char *h = g_strdup_printf ("%u", hours);
    add_known (job, code, "server", server, "zone", e->zone, "code",
               (const char *)e->codes->pdata[i], "lookup", lookup, "kind@", kind, "hours",
               hours ? h : NULL, NULL);
  }
  if (decoded)
    return;
  g_autofree char *codes = dsn_strings_join (e->codes, ", ");
  /* The list's own words, quoted, when it gives any. */
  g_autofree char *quote = e->text ? g_strdup_printf (" “%s”", e->text) : g_strdup ("");
  add_known (job, "dnsbl.listed", "server", server, "zone", e->zone, "code", codes, "text",
             e->text ? e->text : "", "quote", quote, "lookup", lookup, NULL);
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
    if (!e->domain)
      g_hash_table_add (addresses, e->address);
    JsonObject *r = json_object_new ();
    json_object_set_string_member (r, "address", e->address);
    dsn_json_set_string (r, "host", e->host);
    json_object_set_string_member (r, "zone", e->zone);
    static const char *const names[] = { "pending", "clean", "listed", "refused", "dns-error" };
    json_object_set_string_member (r, "status", names[e->status]);
    json_object_set_array_member (r, "codes", dsn_json_strv (e->codes));
    dsn_json_set_string (r, "text", e->text);
    /* What the codes mean, for the lists known: "sbl", "pbl", "dbl"... */
    JsonArray *meanings = json_array_new ();
    if (e->status == BL_LISTED)
      report_listed (job, e, meanings);
    json_object_set_array_member (r, "meaning", meanings);
    json_array_add_object_element (arr, r);
    if (e->status == BL_CLEAN) {
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
