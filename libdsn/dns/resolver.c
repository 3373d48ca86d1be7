/* The DNS engine: c-ares driven by the GLib main loop.
 *
 * A DsnResolver holds settings. Each operation (an audit, an SPF check) opens
 * a DsnDns session: one c-ares channel whose sockets are GPollFDs of a GSource
 * attached to the operation's GMainContext, so any number of queries are in
 * flight at once without threads. Answers are cached per session, so that
 * the SPF tree, the MX check and the PTR check share lookups.
 *
 * c-ares 1.18 quirks handled here: without ARES_FLAG_NOCHECKRESP a SERVFAIL or
 * REFUSED answer is swallowed and reported as ECONNREFUSED (it looks like an
 * unreachable server), so the flag is set and the rcode read from the raw
 * answer; ares_send() is used with our own query (dnswire.c) to get that raw
 * answer and the AD bit; EDNS is on so that an answer over 512 bytes is not
 * thrown away and retried over TCP needlessly.
 *
 * SPDX-License-Identifier: BSD-2-Clause */
#include "dns.h"

#include <pthread.h>
#include <ares.h>
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_TIMEOUT_MS 2000
#define DEFAULT_HTTPS_TIMEOUT_MS 10000
#define DEFAULT_SMTP_TIMEOUT_MS 10000
#define DEFAULT_RETRIES 1
/* A dead server costs every operation its timeouts and retries: after this
 * many sessions in a row in which no server answered, sessions give up at
 * once for a while, then one tries again. */
#define SILENT_SESSIONS_MAX 3
#define GIVE_UP_USEC (60 * G_USEC_PER_SEC)

/* ------------------------------------------------------------ resolver */

DsnResolver *
dsn_resolver_new (void)
{
  DsnResolver *res = g_new0 (DsnResolver, 1);
  res->ref = 1;
  res->servers = g_array_new (FALSE, TRUE, sizeof (DsnServer));
  res->timeout_ms = DEFAULT_TIMEOUT_MS;
  res->https_timeout_ms = DEFAULT_HTTPS_TIMEOUT_MS;
  res->smtp_timeout_ms = DEFAULT_SMTP_TIMEOUT_MS;
  res->retries = DEFAULT_RETRIES;
  g_mutex_init (&res->lock);
  return res;
}

DsnResolver *
dsn_resolver_ref (DsnResolver *res)
{
  g_return_val_if_fail (res, NULL);
  g_atomic_int_inc (&res->ref);
  return res;
}

void
dsn_resolver_unref (DsnResolver *res)
{
  if (!res || !g_atomic_int_dec_and_test (&res->ref))
    return;
  g_array_unref (res->servers);
  g_free (res->test_ca_file);
  g_free (res->test_connect_to);
  g_free (res->test_smtp_ca);
  g_mutex_clear (&res->lock);
  g_free (res);
}

gboolean
dsn_resolver_get_unreachable (DsnResolver *res)
{
  g_return_val_if_fail (res, FALSE);
  g_mutex_lock (&res->lock);
  gboolean given_up = res->unreachable_until > g_get_monotonic_time ();
  g_mutex_unlock (&res->lock);
  return given_up;
}

/* A session ended: whether some server ANSWERED, or, when none did, whether
 * a lookup found none to answer (TIMED_OUT). */
static void
resolver_note_session (DsnResolver *res, gboolean answered, gboolean timed_out)
{
  g_mutex_lock (&res->lock);
  if (answered) {
    res->silent_sessions = 0;
    res->unreachable_until = 0;
  } else if (timed_out && ++res->silent_sessions >= SILENT_SESSIONS_MAX) {
    /* Past the count, one more silent session gives up again. */
    res->silent_sessions = SILENT_SESSIONS_MAX;
    res->unreachable_until = g_get_monotonic_time () + GIVE_UP_USEC;
  }
  g_mutex_unlock (&res->lock);
}

static gboolean
parse_port (const char *s, guint16 *port)
{
  guint64 v;
  if (!g_ascii_string_to_unsigned (s, 10, 1, 65535, &v, NULL))
    return FALSE;
  *port = (guint16)v;
  return TRUE;
}

gboolean
dsn_resolver_add_server (DsnResolver *res, const char *server, GError **error)
{
  g_return_val_if_fail (res && server, FALSE);
  DsnServer s = { 0 };
  s.port = 53;
  g_autofree char *host = NULL;
  const char *colon = strrchr (server, ':');
  if (server[0] == '[') {
    /* [IPv6]:PORT or [IPv6] */
    const char *close = strchr (server, ']');
    if (!close || (close[1] && (close[1] != ':' || !parse_port (close + 2, &s.port))))
      goto bad;
    host = g_strndup (server + 1, close - server - 1);
  } else if (colon && strchr (server, ':') == colon) {
    /* IPv4:PORT */
    if (!parse_port (colon + 1, &s.port))
      goto bad;
    host = g_strndup (server, colon - server);
  } else {
    host = g_strdup (server);
  }
  if (inet_pton (AF_INET, host, s.addr) == 1)
    s.family = AF_INET;
  else if (inet_pton (AF_INET6, host, s.addr) == 1)
    s.family = AF_INET6;
  else
    goto bad;
  g_array_append_val (res->servers, s);
  return TRUE;
bad:
  g_set_error (error, DSN_ERROR, DSN_ERROR_USAGE,
               "invalid DNS server \"%s\": expected an IP address with an optional port "
               "(192.0.2.1, 192.0.2.1:5353, [2001:db8::1]:5353)",
               server);
  return FALSE;
}

void
dsn_resolver_set_timeout (DsnResolver *res, guint msec)
{
  g_return_if_fail (res);
  res->timeout_ms = msec ? msec : DEFAULT_TIMEOUT_MS;
}

void
dsn_resolver_set_https_timeout (DsnResolver *res, guint msec)
{
  g_return_if_fail (res);
  res->https_timeout_ms = msec ? MIN (msec, 60000) : DEFAULT_HTTPS_TIMEOUT_MS;
}

void
dsn_resolver_set_retries (DsnResolver *res, guint retries)
{
  g_return_if_fail (res);
  res->retries = MIN (retries, 10);
}

void
dsn_resolver_set_test_https (DsnResolver *res, const char *ca_file, const char *connect_to)
{
  g_return_if_fail (res);
  g_free (res->test_ca_file);
  g_free (res->test_connect_to);
  res->test_ca_file = g_strdup (ca_file);
  res->test_connect_to = g_strdup (connect_to);
}

void
dsn_resolver_set_smtp_timeout (DsnResolver *res, guint msec)
{
  g_return_if_fail (res);
  res->smtp_timeout_ms = msec ? MIN (msec, 120000) : DEFAULT_SMTP_TIMEOUT_MS;
}

void
dsn_resolver_set_test_smtp (DsnResolver *res, const char *ca_file, guint16 port)
{
  g_return_if_fail (res);
  g_free (res->test_smtp_ca);
  res->test_smtp_ca = g_strdup (ca_file);
  res->test_smtp_port = port;
}

/* ------------------------------------------------------------ answers */

static DsnDnsAnswer *
answer_new (const char *name, guint16 type, DsnDnsStatus status)
{
  DsnDnsAnswer *ans = g_new0 (DsnDnsAnswer, 1);
  ans->name = g_strdup (name);
  ans->type = type;
  ans->status = status;
  ans->rrs = g_ptr_array_new_with_free_func ((GDestroyNotify)dsn_dns_rr_free);
  ans->cnames = g_ptr_array_new_with_free_func ((GDestroyNotify)dsn_dns_rr_free);
  return ans;
}

static void
answer_free (DsnDnsAnswer *ans)
{
  if (!ans)
    return;
  g_free (ans->name);
  g_ptr_array_unref (ans->rrs);
  g_ptr_array_unref (ans->cnames);
  g_free (ans);
}

gboolean
dsn_dns_status_failed (DsnDnsStatus status)
{
  return status != DSN_DNS_OK && status != DSN_DNS_NXDOMAIN;
}

gboolean
dsn_dns_failed (const DsnDnsAnswer *ans)
{
  return dsn_dns_status_failed (ans->status);
}

gboolean
dsn_dns_void (const DsnDnsAnswer *ans)
{
  return ans->status == DSN_DNS_NXDOMAIN || (ans->status == DSN_DNS_OK && ans->rrs->len == 0);
}

/* ------------------------------------------------------------ session */

typedef struct {
  DsnDnsFunc func;
  gpointer data;
} Waiter;

typedef struct {
  DsnDns *dns;
  char *name;
  guint16 type;
  DsnDnsAnswer *answer; /* NULL while in flight */
  GArray *waiters;      /* Waiter */
  gboolean queued;
} Entry;

typedef struct {
  GSource source;
  DsnDns *dns;
} AresSource;

struct _DsnDns {
  DsnResolver *res;
  ares_channel channel;
  gboolean channel_ok;
  GMainContext *context;
  AresSource *source;
  GHashTable *polls; /* fd -> GPollFD* */
  GHashTable *cache; /* "TYPE name" -> Entry */
  GQueue ready;      /* Entry with an answer and waiters to call */
  gboolean destroying;
  gboolean cancelled; /* later lookups fail at once */
  gboolean given_up;  /* the servers were unreachable: lookups fail at once */
  guint n_queries, n_answered;
  guint n_unreachable; /* lookups that timed out or were refused */
};

static void
entry_free (Entry *e)
{
  g_free (e->name);
  answer_free (e->answer);
  g_array_unref (e->waiters);
  g_free (e);
}

static void
wake (DsnDns *dns)
{
  if (dns->source)
    g_source_set_ready_time ((GSource *)dns->source, 0);
}

static void
entry_ready (Entry *e)
{
  if (!e->queued && e->waiters->len) {
    e->queued = TRUE;
    g_queue_push_tail (&e->dns->ready, e);
    wake (e->dns);
  }
}

static DsnDnsStatus
status_from_ares (int status)
{
  switch (status) {
  case ARES_ETIMEOUT: return DSN_DNS_TIMEOUT;
  case ARES_ECONNREFUSED: return DSN_DNS_UNREACHABLE;
  case ARES_ECANCELLED:
  case ARES_EDESTRUCTION: return DSN_DNS_CANCELLED;
  case ARES_EBADNAME:
  case ARES_EBADQUERY: return DSN_DNS_BADNAME;
  case ARES_ESERVFAIL: return DSN_DNS_SERVFAIL;
  case ARES_EREFUSED: return DSN_DNS_REFUSED;
  case ARES_ENOTFOUND: return DSN_DNS_NXDOMAIN;
  default: return DSN_DNS_ERROR;
  }
}

static void
on_ares_answer (void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
  Entry *e = arg;
  DsnDns *dns = e->dns;
  if (dns->destroying)
    return;
  DsnDnsAnswer *ans = answer_new (e->name, e->type, DSN_DNS_OK);
  if (status == ARES_SUCCESS && abuf) {
    dns->n_answered++;
    if (!dsn_dns_parse_response (abuf, (gsize)alen, e->type, ans)) {
      g_ptr_array_set_size (ans->rrs, 0);
      g_ptr_array_set_size (ans->cnames, 0);
      ans->status = DSN_DNS_ERROR;
    }
  } else {
    ans->status = status_from_ares (status);
    if (ans->status == DSN_DNS_TIMEOUT || ans->status == DSN_DNS_UNREACHABLE)
      dns->n_unreachable++;
  }
  e->answer = ans;
  entry_ready (e);
}

static void
dispatch_ready (DsnDns *dns)
{
  Entry *e;
  while (!dns->destroying && (e = g_queue_pop_head (&dns->ready))) {
    e->queued = FALSE;
    /* Take the waiters first: a callback may look the same name up again. */
    GArray *waiters = e->waiters;
    e->waiters = g_array_new (FALSE, FALSE, sizeof (Waiter));
    for (guint i = 0; i < waiters->len && !dns->destroying; i++) {
      Waiter *w = &g_array_index (waiters, Waiter, i);
      w->func (e->answer, w->data);
    }
    g_array_unref (waiters);
  }
}

/* -------- the GSource */

static gboolean
ares_source_prepare (GSource *source, gint *timeout)
{
  DsnDns *dns = ((AresSource *)source)->dns;
  if (dns->ready.length) {
    *timeout = 0;
    return TRUE;
  }
  struct timeval tv;
  if (ares_timeout (dns->channel, NULL, &tv))
    *timeout = (gint)(tv.tv_sec * 1000 + (tv.tv_usec + 999) / 1000);
  else
    *timeout = -1;
  return FALSE;
}

static gboolean
ares_source_check (GSource *source)
{
  DsnDns *dns = ((AresSource *)source)->dns;
  if (dns->ready.length)
    return TRUE;
  GHashTableIter it;
  gpointer fd;
  GPollFD *pfd;
  g_hash_table_iter_init (&it, dns->polls);
  while (g_hash_table_iter_next (&it, &fd, (gpointer *)&pfd))
    if (pfd->revents)
      return TRUE;
  struct timeval tv;
  return ares_timeout (dns->channel, NULL, &tv) && tv.tv_sec == 0 && tv.tv_usec == 0;
}

static gboolean
ares_source_dispatch (GSource *source, GSourceFunc callback, gpointer user_data)
{
  DsnDns *dns = ((AresSource *)source)->dns;
  g_source_set_ready_time (source, -1);
  /* ares_process_fd() may open and close sockets (sock_state_cb): work on a copy. */
  GArray *todo = g_array_new (FALSE, FALSE, sizeof (GPollFD));
  GHashTableIter it;
  gpointer key;
  GPollFD *pfd;
  g_hash_table_iter_init (&it, dns->polls);
  while (g_hash_table_iter_next (&it, &key, (gpointer *)&pfd))
    if (pfd->revents) {
      g_array_append_val (todo, *pfd);
      pfd->revents = 0;
    }
  for (guint i = 0; i < todo->len; i++) {
    GPollFD *p = &g_array_index (todo, GPollFD, i);
    gboolean readable = p->revents & (G_IO_IN | G_IO_HUP | G_IO_ERR);
    gboolean writable = p->revents & G_IO_OUT;
    ares_process_fd (dns->channel, readable ? p->fd : ARES_SOCKET_BAD,
                     writable ? p->fd : ARES_SOCKET_BAD);
  }
  g_array_unref (todo);
  /* Timeouts and retries. */
  ares_process_fd (dns->channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
  dispatch_ready (dns);
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs ares_source_funcs = {
  ares_source_prepare, ares_source_check, ares_source_dispatch, NULL, NULL, NULL,
};

static void
on_sock_state (void *data, ares_socket_t fd, int readable, int writable)
{
  DsnDns *dns = data;
  if (dns->destroying || !dns->source)
    return;
  GPollFD *pfd = g_hash_table_lookup (dns->polls, GINT_TO_POINTER (fd));
  if (!readable && !writable) {
    if (pfd) {
      g_source_remove_poll ((GSource *)dns->source, pfd);
      g_hash_table_remove (dns->polls, GINT_TO_POINTER (fd));
    }
    return;
  }
  if (!pfd) {
    pfd = g_new0 (GPollFD, 1);
    pfd->fd = fd;
    g_hash_table_insert (dns->polls, GINT_TO_POINTER (fd), pfd);
    g_source_add_poll ((GSource *)dns->source, pfd);
  }
  pfd->events = (readable ? G_IO_IN | G_IO_HUP | G_IO_ERR : 0) | (writable ? G_IO_OUT : 0);
}

static void
library_init (void)
{
  ares_library_init (ARES_LIB_INIT_ALL);
}

DsnDns *
dsn_dns_new (DsnResolver *res, GMainContext *context, GError **error)
{
  /* pthread_once: ThreadSanitizer sees its ordering, not g_once's. */
  static pthread_once_t once = PTHREAD_ONCE_INIT;
  pthread_once (&once, library_init);

  g_autoptr (DsnDns) dns = g_new0 (DsnDns, 1);
  dns->res = dsn_resolver_ref (res);
  dns->context = context ? g_main_context_ref (context) : g_main_context_ref_thread_default ();
  dns->polls = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  dns->cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify)entry_free);
  g_queue_init (&dns->ready);
  dns->given_up = dsn_resolver_get_unreachable (res);
  dns->source = (AresSource *)g_source_new (&ares_source_funcs, sizeof (AresSource));
  dns->source->dns = dns;
  g_source_set_name ((GSource *)dns->source, "libdsn c-ares");
  g_source_attach ((GSource *)dns->source, dns->context);

  struct ares_options opts = { 0 };
  int mask = ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_SOCK_STATE_CB
             | ARES_OPT_EDNSPSZ | ARES_OPT_DOMAINS | ARES_OPT_NDOTS;
  opts.flags = ARES_FLAG_NOCHECKRESP | ARES_FLAG_EDNS | ARES_FLAG_NOSEARCH | ARES_FLAG_NOALIASES;
  opts.timeout = (int)res->timeout_ms;
  opts.tries = (int)res->retries + 1;
  opts.sock_state_cb = on_sock_state;
  opts.sock_state_cb_data = dns;
  opts.ednspsz = (int)dsn_dns_edns_payload ();
  opts.ndomains = 0;
  opts.domains = NULL;
  opts.ndots = 1;
  int rc = ares_init_options (&dns->channel, &opts, mask);
  if (rc != ARES_SUCCESS) {
    g_set_error (error, DSN_ERROR, DSN_ERROR_FAILED, "cannot start the DNS resolver: %s",
                 ares_strerror (rc));
    return NULL;
  }
  dns->channel_ok = TRUE;
  if (res->servers->len) {
    struct ares_addr_port_node *nodes = g_new0 (struct ares_addr_port_node, res->servers->len);
    for (guint i = 0; i < res->servers->len; i++) {
      DsnServer *s = &g_array_index (res->servers, DsnServer, i);
      nodes[i].next = i + 1 < res->servers->len ? &nodes[i + 1] : NULL;
      nodes[i].family = s->family;
      memcpy (&nodes[i].addr, s->addr, s->family == AF_INET ? 4 : 16);
      nodes[i].udp_port = s->port;
      nodes[i].tcp_port = s->port;
    }
    rc = ares_set_servers_ports (dns->channel, nodes);
    g_free (nodes);
    if (rc != ARES_SUCCESS) {
      g_set_error (error, DSN_ERROR, DSN_ERROR_FAILED, "cannot set the DNS servers: %s",
                   ares_strerror (rc));
      return NULL;
    }
  }
  return g_steal_pointer (&dns);
}

void
dsn_dns_lookup (DsnDns *dns, const char *name, guint16 type, DsnDnsFunc func, gpointer user_data)
{
  g_autofree char *lower = g_ascii_strdown (name, -1);
  gsize n = strlen (lower);
  if (n > 1 && lower[n - 1] == '.')
    lower[n - 1] = '\0';
  g_autofree char *key = g_strdup_printf ("%u %s", type, lower);
  Entry *e = g_hash_table_lookup (dns->cache, key);
  Waiter w = { func, user_data };
  if (e) {
    g_array_append_val (e->waiters, w);
    if (e->answer)
      entry_ready (e);
    return;
  }
  e = g_new0 (Entry, 1);
  e->dns = dns;
  e->name = g_strdup (lower);
  e->type = type;
  e->waiters = g_array_new (FALSE, FALSE, sizeof (Waiter));
  g_array_append_val (e->waiters, w);
  g_hash_table_insert (dns->cache, g_steal_pointer (&key), e);
  if (dns->cancelled) {
    e->answer = answer_new (lower, type, DSN_DNS_CANCELLED);
    entry_ready (e);
    return;
  }
  g_autoptr (GBytes) q = dsn_dns_build_query (lower, type);
  if (!q) {
    e->answer = answer_new (lower, type, DSN_DNS_BADNAME);
    entry_ready (e);
    return;
  }
  dns->n_queries++;
  if (dns->given_up) {
    /* Counted as asked and unanswered: an audit says "unreachable". */
    e->answer = answer_new (lower, type, DSN_DNS_UNREACHABLE);
    entry_ready (e);
    return;
  }
  gsize qlen;
  const guint8 *qbuf = g_bytes_get_data (q, &qlen);
  ares_send (dns->channel, qbuf, (int)qlen, on_ares_answer, e);
  /* c-ares may have opened a socket: make sure the source polls it. */
  g_main_context_wakeup (dns->context);
}

void
dsn_dns_cancel (DsnDns *dns)
{
  if (!dns)
    return;
  dns->cancelled = TRUE;
  if (dns->channel_ok)
    ares_cancel (dns->channel);
}

void
dsn_dns_free (DsnDns *dns)
{
  if (!dns)
    return;
  if (!dns->given_up && !dns->cancelled && dns->n_queries)
    resolver_note_session (dns->res, dns->n_answered > 0, dns->n_unreachable > 0);
  dns->destroying = TRUE;
  if (dns->channel_ok)
    ares_destroy (dns->channel);
  if (dns->source) {
    g_source_destroy ((GSource *)dns->source);
    g_source_unref ((GSource *)dns->source);
  }
  g_queue_clear (&dns->ready);
  g_hash_table_unref (dns->cache);
  g_hash_table_unref (dns->polls);
  g_main_context_unref (dns->context);
  dsn_resolver_unref (dns->res);
  g_free (dns);
}

guint
dsn_dns_get_n_queries (const DsnDns *dns)
{
  return dns->n_queries;
}

guint
dsn_dns_get_n_answered (const DsnDns *dns)
{
  return dns->n_answered;
}

DsnResolver *
dsn_dns_get_resolver (const DsnDns *dns)
{
  return dns->res;
}

/* ------------------------------------------------------------ ops */

typedef struct {
  GAsyncResult *result;
} SyncData;

static void
on_sync_done (GObject *source, GAsyncResult *result, gpointer data)
{
  ((SyncData *)data)->result = g_object_ref (result);
}

GAsyncResult *
dsn_run_sync (DsnStartFunc start, gpointer data)
{
  GMainContext *ctx = g_main_context_new ();
  g_main_context_push_thread_default (ctx);
  SyncData d = { NULL };
  start (data, on_sync_done, &d);
  while (!d.result)
    g_main_context_iteration (ctx, TRUE);
  /* Let pending idles (the session teardown) run before the context goes. */
  while (g_main_context_pending (ctx))
    g_main_context_iteration (ctx, FALSE);
  g_main_context_pop_thread_default (ctx);
  g_main_context_unref (ctx);
  return d.result;
}

typedef struct {
  GTask *task;
  gpointer result;
  GDestroyNotify result_free;
  GError *error;
  GDestroyNotify free_func;
  gpointer free_data;
} Later;

static gboolean
return_later (gpointer data)
{
  Later *l = data;
  if (l->free_func)
    l->free_func (l->free_data);
  if (l->error)
    g_task_return_error (l->task, l->error);
  else
    g_task_return_pointer (l->task, l->result, l->result_free);
  g_object_unref (l->task);
  g_free (l);
  return G_SOURCE_REMOVE;
}

void
dsn_task_return_later (GTask *task, gpointer result, GDestroyNotify result_free, GError *error,
                       GDestroyNotify free_func, gpointer free_data)
{
  Later *l = g_new0 (Later, 1);
  l->task = task;
  l->result = result;
  l->result_free = result_free;
  l->error = error;
  l->free_func = free_func;
  l->free_data = free_data;
  GSource *idle = g_idle_source_new ();
  g_source_set_callback (idle, return_later, l, NULL);
  g_source_attach (idle, g_task_get_context (task));
  g_source_unref (idle);
}
