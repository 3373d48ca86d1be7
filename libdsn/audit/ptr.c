/* Reverse DNS of each mail server address, forward-confirmed (FCrDNS): the
 * PTR name must resolve back to the address, as receivers check before
 * trusting a sending host (RFC 8601 §3 "iprev", RFC 1912 §2.1).
 *
 * SPDX-License-Identifier: BSD-2-Clause */
#include "audit.h"

#include <arpa/inet.h>
#include <string.h>

#define MAX_NAMES 10

typedef enum { PTR_PENDING, PTR_CONFIRMED, PTR_UNCONFIRMED, PTR_MISSING, PTR_FAILED } PtrStatus;

typedef struct {
  DsnJob *job;
  char *address;
  char *host;
  GPtrArray *names;     /* PTR targets */
  GPtrArray *confirmed; /* those that resolve back */
  PtrStatus status;
  guint pending;
  gboolean forward_failed; /* a forward lookup failed: no proof either way */
} PtrEntry;

typedef struct {
  PtrEntry *entry;
  char *name;
} Forward;

typedef struct {
  GPtrArray *entries; /* PtrEntry */
} PtrState;

static void
entry_free (PtrEntry *e)
{
  g_free (e->address);
  g_free (e->host);
  g_ptr_array_unref (e->names);
  g_ptr_array_unref (e->confirmed);
  g_free (e);
}

static void
clear (gpointer data)
{
  PtrState *st = data;
  if (st->entries)
    g_ptr_array_unref (st->entries);
}

static void
on_forward (const DsnDnsAnswer *ans, gpointer data)
{
  Forward *f = data;
  PtrEntry *e = f->entry;
  guint8 want[16], got[16];
  int wf, gf;
  dsn_parse_ip (e->address, &wf, want);
  if (dsn_dns_failed (ans) && !e->forward_failed) {
    e->forward_failed = TRUE;
    dsn_job_dns_error (e->job, "ptr.dns_error", ans);
  }
  for (guint i = 0; ans->status == DSN_DNS_OK && i < ans->rrs->len; i++) {
    const DsnDnsRR *rr = ans->rrs->pdata[i];
    if (dsn_parse_ip (rr->data, &gf, got) && gf == wf && !memcmp (want, got, 16)) {
      g_ptr_array_add (e->confirmed, g_strdup (f->name));
      break;
    }
  }
  /* A name whose lookup failed may well point back: could not check. */
  if (--e->pending == 0)
    e->status = e->confirmed->len   ? PTR_CONFIRMED
                : e->forward_failed ? PTR_FAILED
                                    : PTR_UNCONFIRMED;
  g_free (f->name);
  g_free (f);
}

static void
on_ptr (const DsnDnsAnswer *ans, gpointer data)
{
  PtrEntry *e = data;
  DsnJob *job = e->job;
  if (dsn_dns_failed (ans)) {
    e->status = PTR_FAILED;
    dsn_job_dns_error (job, "ptr.dns_error", ans);
    return;
  }
  if (dsn_dns_void (ans)) {
    e->status = PTR_MISSING;
    return;
  }
  guint8 a[16];
  int family;
  dsn_parse_ip (e->address, &family, a);
  for (guint i = 0; i < ans->rrs->len && i < MAX_NAMES; i++) {
    const DsnDnsRR *rr = ans->rrs->pdata[i];
    g_ptr_array_add (e->names, g_strdup (rr->data));
    Forward *f = g_new0 (Forward, 1);
    f->entry = e;
    f->name = g_strdup (rr->data);
    e->pending++;
    dsn_job_lookup (job, rr->data, family == AF_INET ? DSN_DNS_A : DSN_DNS_AAAA, on_forward, f);
  }
}

static void
check_address (DsnJob *job, const char *address, const char *host)
{
  g_autofree char *rev = dsn_dns_reverse_name (address);
  if (!rev)
    return;
  PtrEntry *e = g_new0 (PtrEntry, 1);
  e->job = job;
  e->address = g_strdup (address);
  e->host = g_strdup (host);
  e->names = g_ptr_array_new_with_free_func (g_free);
  e->confirmed = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (DSN_JOB_STATE (job, DSN_AREA_PTR, PtrState)->entries, e);
  dsn_job_lookup (job, rev, DSN_DNS_PTR, on_ptr, e);
}

static void
start (DsnJob *job)
{
  PtrState *st = DSN_JOB_STATE (job, DSN_AREA_PTR, PtrState);
  st->entries = g_ptr_array_new_with_free_func ((GDestroyNotify)entry_free);
  dsn_mx_foreach_address (job, check_address);
}

static gint
compare_entries (gconstpointer a, gconstpointer b)
{
  const PtrEntry *x = *(const PtrEntry *const *)a, *y = *(const PtrEntry *const *)b;
  return strcmp (x->address, y->address);
}

static void
finish (DsnJob *job)
{
  GPtrArray *list = DSN_JOB_STATE (job, DSN_AREA_PTR, PtrState)->entries;
  g_ptr_array_sort (list, compare_entries);
  JsonObject *o = dsn_job_data (job, DSN_AREA_PTR);
  JsonArray *arr = json_array_new ();
  guint confirmed = 0;
  for (guint i = 0; i < list->len; i++) {
    PtrEntry *e = list->pdata[i];
    JsonObject *r = json_object_new ();
    json_object_set_string_member (r, "address", e->address);
    dsn_json_set_string (r, "host", e->host);
    json_object_set_array_member (r, "ptr", dsn_json_strv (e->names));
    json_object_set_array_member (r, "confirmed", dsn_json_strv (e->confirmed));
    static const char *const names[]
        = { "pending", "confirmed", "not-confirmed", "missing", "dns-error" };
    json_object_set_string_member (r, "status", names[e->status]);
    json_array_add_object_element (arr, r);
    g_autofree char *server = dsn_mx_server_label (e->address, e->host);
    if (e->status == PTR_MISSING) {
      dsn_job_add (job, "ptr.missing", "server", server, NULL);
    } else if (e->status == PTR_UNCONFIRMED) {
      g_autofree char *n = dsn_strings_join (e->names, ", ");
      dsn_job_add (job, "ptr.not_confirmed", "server", server, "names", n, NULL);
    } else if (e->status == PTR_CONFIRMED) {
      confirmed++;
    }
  }
  json_object_set_array_member (o, "addresses", arr);
  if (!list->len)
    dsn_job_add (job, "ptr.no_address", NULL);
  else if (confirmed == list->len) {
    g_autofree char *n = g_strdup_printf ("%u", confirmed);
    dsn_job_add (job, "ptr.ok", "count", n, NULL);
  }
}

DSN_CHECK (ptr) = {
  .area = DSN_AREA_PTR,
  .needs = DSN_AREA_MX,
  .address = TRUE,
  .state_size = sizeof (PtrState),
  .start = start,
  .finish = finish,
  .clear = clear,
};
