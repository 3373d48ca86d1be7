/* dsn-web: dsn-explain's verdict as a web page for support desks, and its
 * JSON over HTTP for helpdesk tools.
 *
 * libsoup 3 serves in the GLib main loop; analyses run on a bounded thread
 * pool (--workers) and answer back through the main context. A request is
 * held to a size (--max-size, 413 before the body is stored) and a time
 * (--timeout). Messages live in memory only: nothing is written to disk, and
 * the log has one line per request without the message.
 * SPDX-License-Identifier: BSD-2-Clause */
#include "web.h"

#include <glib-unix.h>
#include <libsoup/soup.h>
#include <locale.h>
#include <signal.h>
#include <string.h>

#define DEFAULT_LISTEN "127.0.0.1:8025"
#define DEFAULT_PORT 8025
#define DEFAULT_MAX_SIZE (10 * 1024 * 1024)
#define DEFAULT_TIMEOUT 30

/* No inline script, nothing from another origin: the page shows untrusted text. */
#define CSP                                                                                        \
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; "  \
  "base-uri 'none'; frame-ancestors 'none'"

typedef enum {
  ROUTE_NONE,
  ROUTE_PAGE,
  ROUTE_EXPLAIN,
  ROUTE_API_EXPLAIN,
  ROUTE_API_CHECK,
  ROUTE_STATIC
} Route;

/* Set up in main() before the server starts; the workers only read it. */
static struct {
  WebSettings settings;
  gsize max_size;
  guint timeout;
  GThreadPool *pool;
  GMainContext *context;
  /* Main thread only. */
  guint in_flight, max_in_flight;
  gboolean stopping;
} web;

/* ------------------------------------------------------------ requests */

typedef enum {
  REQ_WAITING, /* for the request's headers */
  REQ_READING, /* its body */
  REQ_WORKING, /* an analysis on the pool */
  REQ_ANSWERED,
} ReqState;

/* A request's analysis on the pool. */
typedef struct {
  WebWork work;
  SoupServerMessage *msg; /* a reference */
  gboolean abandoned;     /* the request timed out (main thread only) */
} Job;

/* What the server follows of a request, attached to its message. */
typedef struct {
  SoupServerMessage *msg; /* not owned: this is the message's data */
  gint64 start;
  goffset received;
  ReqState state;
  GSource *timeout;
  GSocketConnection *conn; /* the request's connection, a reference */
  Job *job;                /* while REQ_WORKING */
} Req;

static void
req_free (Req *req)
{
  if (req->timeout) {
    g_source_destroy (req->timeout);
    g_source_unref (req->timeout);
  }
  g_clear_object (&req->conn);
  g_free (req);
}

static Req *
req_of (SoupServerMessage *msg)
{
  return g_object_get_data (G_OBJECT (msg), "dsn-web-req");
}

static Route
route_of (const char *path, const char **allow)
{
  static const struct {
    const char *path;
    Route route;
    const char *allow;
  } routes[] = {
    { "/", ROUTE_PAGE, "GET, HEAD" },
    { "/explain", ROUTE_EXPLAIN, "POST" },
    { "/api/explain", ROUTE_API_EXPLAIN, "POST" },
    { "/api/check", ROUTE_API_CHECK, "POST" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (routes); i++)
    if (!strcmp (path, routes[i].path)) {
      *allow = routes[i].allow;
      return routes[i].route;
    }
  *allow = "GET, HEAD";
  return g_str_has_prefix (path, "/static/") ? ROUTE_STATIC : ROUTE_NONE;
}

static gboolean
is_api (SoupServerMessage *msg)
{
  return g_str_has_prefix (g_uri_get_path (soup_server_message_get_uri (msg)), "/api/");
}

/* Sets the response: STATUS, BODY (may be NULL) of TYPE, and the headers
 * every answer carries. */
static void
respond (SoupServerMessage *msg, guint status, const char *type, GBytes *body)
{
  SoupMessageHeaders *h = soup_server_message_get_response_headers (msg);
  soup_server_message_set_status (msg, status, NULL);
  soup_message_headers_replace (h, "Content-Security-Policy", CSP);
  soup_message_headers_replace (h, "X-Content-Type-Options", "nosniff");
  soup_message_headers_replace (h, "X-Frame-Options", "DENY");
  soup_message_headers_replace (h, "Referrer-Policy", "no-referrer");
  soup_message_headers_replace (h, "Cross-Origin-Opener-Policy", "same-origin");
  /* One request a connection: see on_incoming(). */
  soup_message_headers_replace (h, "Connection", "close");
  if (!soup_message_headers_get_one (h, "Cache-Control"))
    /* Verdicts hold customers' data: no cache keeps them on disk. */
    soup_message_headers_replace (h, "Cache-Control", "no-store");
  SoupMessageBody *rb = soup_server_message_get_response_body (msg);
  soup_message_body_truncate (rb);
  if (body) {
    soup_message_headers_set_content_type (h, type, NULL);
    soup_message_body_append_bytes (rb, body);
  }
}

static void
respond_text (SoupServerMessage *msg, guint status, const char *type, char *text)
{
  g_autoptr (GBytes) b = g_bytes_new_take (text, strlen (text));
  respond (msg, status, type, b);
}

/* An error: {"error": TEXT} for the API, the page with TEXT as a notice for
 * a person. */
static void
respond_error (SoupServerMessage *msg, guint status, const char *text)
{
  if (is_api (msg)) {
    DsnJson *w = dsn_json_new_text ();
    dsn_json_begin_object (w);
    dsn_json_member (w, "error", text);
    dsn_json_end_object (w);
    char *s = dsn_json_free_to_string (w);
    char *line = g_strconcat (s, "\n", NULL);
    g_free (s);
    respond_text (msg, status, "application/json; charset=utf-8", line);
  } else {
    const char *accept = soup_message_headers_get_one (
        soup_server_message_get_request_headers (msg), "Accept-Language");
    WebPage page = { .lang = web_negotiate_lang (NULL, accept),
                     .dns_allowed = web.settings.allow_dns,
                     .message_kept = TRUE,
                     .notice = text };
    respond_text (msg, status, "text/html; charset=utf-8", web_page_render (&page));
  }
}

/* Says TEXT, the catalogue's CODE in the language the client asks for. */
static const char *
client_text (SoupServerMessage *msg, const char *code)
{
  /* The API speaks English, as its JSON's keys do. */
  if (is_api (msg))
    return web_text (code, "en");
  const char *accept = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                     "Accept-Language");
  return web_text (code, web_negotiate_lang (NULL, accept));
}

static void
respond_too_large (SoupServerMessage *msg)
{
  g_autofree char *limit = g_format_size_full (web.max_size, G_FORMAT_SIZE_IEC_UNITS);
  const char *accept = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                     "Accept-Language");
  g_autofree char *text = dsn_catalogue_format (
      "page.too_large", "text", is_api (msg) ? "en" : web_negotiate_lang (NULL, accept), "limit",
      limit, NULL);
  respond_error (msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, text);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Connection",
                                "close");
}

/* Stops storing the body of a request already answered; it is still read
 * (and dropped) so that the client gets the answer. */
static void
discard_body (SoupServerMessage *msg)
{
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  soup_message_body_set_accumulate (body, FALSE);
  soup_message_body_truncate (body);
}

/* Before the body: a wrong path, method or size is answered at once. */
static void
on_got_headers (SoupServerMessage *msg, gpointer data)
{
  Req *req = data;
  req->state = REQ_READING;
  const char *allow;
  Route route = route_of (g_uri_get_path (soup_server_message_get_uri (msg)), &allow);
  const char *method = soup_server_message_get_method (msg);
  g_auto (GStrv) allowed = g_strsplit (allow, ", ", -1);
  SoupMessageHeaders *rq = soup_server_message_get_request_headers (msg);
  if (route == ROUTE_NONE) {
    respond_error (msg, SOUP_STATUS_NOT_FOUND, "Not found");
  } else if (!g_strv_contains ((const char *const *)allowed, method)) {
    g_autofree char *text = g_strdup_printf ("Method not allowed: use %s", allow);
    respond_error (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, text);
    soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Allow", allow);
  } else if (soup_message_headers_get_encoding (rq) == SOUP_ENCODING_CONTENT_LENGTH
             && soup_message_headers_get_content_length (rq) > (goffset)web.max_size) {
    respond_too_large (msg);
  } else {
    return;
  }
  discard_body (msg);
}

/* A body without a length announced (chunked) is counted as it comes. */
static void
on_got_chunk (SoupServerMessage *msg, GBytes *chunk, gpointer data)
{
  Req *req = data;
  goffset before = req->received;
  req->received += g_bytes_get_size (chunk);
  if (req->received > (goffset)web.max_size && before <= (goffset)web.max_size
      && soup_server_message_get_status (msg) == 0) {
    respond_too_large (msg);
    discard_body (msg);
  }
}

/* A request over its time: closed while it is read or written; while it is
 * analysed, answered "took too long" (the analysis ends unseen). */
static gboolean
on_timeout (gpointer data)
{
  Req *req = data;
  SoupServerMessage *msg = req->msg;
  GSocket *sock = req->conn ? g_socket_connection_get_socket (req->conn) : NULL;
  if (req->state == REQ_WORKING) {
    req->job->abandoned = TRUE;
    req->job = NULL;
    req->state = REQ_ANSWERED;
    respond_error (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, client_text (msg, "page.too_slow"));
    soup_server_message_unpause (msg);
    return G_SOURCE_REMOVE;
  }
  if (sock) {
    if (req->state == REQ_READING) {
      /* Nothing was written for this request yet: say why before closing. */
      static const char timeout[] = "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n"
                                    "Content-Length: 0\r\n\r\n";
      g_socket_send (sock, timeout, sizeof timeout - 1, NULL, NULL);
    }
    /* libsoup sees the end of the stream and drops the connection. */
    g_socket_shutdown (sock, TRUE, TRUE, NULL);
  }
  return G_SOURCE_REMOVE;
}

/* The connection being handed to libsoup, which starts its request at once. */
static GSocketConnection *accepting;

static void
on_request_started (SoupServer *server, SoupServerMessage *msg, gpointer data)
{
  Req *req = g_new0 (Req, 1);
  req->msg = msg;
  req->conn = accepting ? g_object_ref (accepting) : NULL;
  req->start = g_get_monotonic_time ();
  g_object_set_data_full (G_OBJECT (msg), "dsn-web-req", req, (GDestroyNotify)req_free);
  g_signal_connect (msg, "got-headers", G_CALLBACK (on_got_headers), req);
  g_signal_connect (msg, "got-chunk", G_CALLBACK (on_got_chunk), req);
  /* Also closes a connection that sends nothing. */
  req->timeout = g_timeout_source_new_seconds (web.timeout);
  g_source_set_callback (req->timeout, on_timeout, req, NULL);
  g_source_attach (req->timeout, web.context);
}

/* One line per request on stderr: who, what, the answer, its size and time;
 * never the message. */
static void
on_request_done (SoupServer *server, SoupServerMessage *msg, gpointer aborted)
{
  Req *req = req_of (msg);
  if (!req)
    return;
  if (req->timeout) {
    g_source_destroy (req->timeout);
    g_clear_pointer (&req->timeout, g_source_unref);
  }
  GUri *uri = soup_server_message_get_uri (msg);
  g_autofree char *path = g_strescape (uri ? g_uri_get_path (uri) : "?", NULL);
  g_autofree char *method = cmd_escape (soup_server_message_get_method (msg));
  const char *host = soup_server_message_get_remote_host (msg);
  fprintf (stderr, "%s: %s \"%s %.200s\" %u %" G_GOFFSET_FORMAT " %.1f ms%s\n", g_get_prgname (),
           host ? host : "-", method ? method : "-", path, soup_server_message_get_status (msg),
           soup_server_message_get_response_body (msg)->length,
           (g_get_monotonic_time () - req->start) / 1000.0, aborted ? " aborted" : "");
}

/* ------------------------------------------------------------ work */

static void
job_free (Job *job)
{
  g_object_unref (job->msg);
  web_work_clear (&job->work);
  g_free (job);
}

/* Back on the main thread: answer, unless the request timed out. */
static gboolean
job_done (gpointer data)
{
  Job *job = data;
  web.in_flight--;
  if (!web.stopping && !job->abandoned) {
    Req *req = req_of (job->msg);
    req->job = NULL;
    req->state = REQ_ANSWERED;
    respond (job->msg, job->work.status, job->work.type, job->work.out);
    soup_server_message_unpause (job->msg);
  }
  job_free (job);
  return G_SOURCE_REMOVE;
}

static void
work (gpointer data, gpointer user_data)
{
  Job *job = data;
  web_work_run (&job->work);
  GSource *done = g_idle_source_new ();
  g_source_set_callback (done, job_done, job, NULL);
  g_source_attach (done, web.context);
  g_source_unref (done);
}

/* ------------------------------------------------------------ handler */

static void
handle (SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query,
        gpointer data)
{
  Req *req = req_of (msg);
  const char *allow;
  Route route = route_of (path, &allow);
  SoupMessageHeaders *rq = soup_server_message_get_request_headers (msg);
  const char *accept = soup_message_headers_get_one (rq, "Accept-Language");
  const char *lang_param = query ? g_hash_table_lookup (query, "lang") : NULL;
  const char *check = query ? g_hash_table_lookup (query, "check") : NULL;

  if (route == ROUTE_PAGE) {
    WebPage page = { .lang = web_negotiate_lang (lang_param, accept),
                     .dns_allowed = web.settings.allow_dns,
                     .message_kept = TRUE };
    respond_text (msg, SOUP_STATUS_OK, "text/html; charset=utf-8", web_page_render (&page));
    return;
  }
  if (route == ROUTE_STATIC) {
    const char *type;
    g_autoptr (GBytes) asset = web_asset (path + strlen ("/static/"), &type);
    if (!asset) {
      respond_error (msg, SOUP_STATUS_NOT_FOUND, "Not found");
      return;
    }
    soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Cache-Control",
                                  "max-age=3600");
    respond (msg, SOUP_STATUS_OK, type, asset);
    return;
  }
  const char *domain = query ? g_hash_table_lookup (query, "domain") : NULL;
  if (route == ROUTE_API_CHECK) {
#if DSN_HAVE_DNS
    if (!web.settings.allow_dns) {
      respond_error (msg, SOUP_STATUS_FORBIDDEN,
                     "DNS checks are off: dsn-web was started without --allow-dns");
      return;
    }
    if (!domain || !*domain) {
      respond_error (msg, SOUP_STATUS_BAD_REQUEST, "Missing ?domain=");
      return;
    }
#else
    respond_error (msg, SOUP_STATUS_NOT_IMPLEMENTED,
                   "DNS checks are not built in: libdsn was built without its DNS wing "
                   "(-Dmailcheck=false)");
    return;
#endif
  }
  gboolean want_check = check && !strcmp (check, "1");
  if (route == ROUTE_API_EXPLAIN && want_check && !web.settings.allow_dns) {
    respond_error (msg, SOUP_STATUS_FORBIDDEN,
                   "DNS checks are off: dsn-web was started without --allow-dns");
    return;
  }
  if (web.in_flight >= web.max_in_flight) {
    respond_error (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, client_text (msg, "page.busy"));
    soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Retry-After",
                                  "1");
    return;
  }
  Job *job = g_new0 (Job, 1);
  job->msg = g_object_ref (msg);
  WebWork *w = &job->work;
  w->kind = route == ROUTE_EXPLAIN     ? WORK_PAGE
            : route == ROUTE_API_CHECK ? WORK_API_CHECK
                                       : WORK_API_EXPLAIN;
  w->settings = &web.settings;
  w->body = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  w->content_type = g_strdup (soup_message_headers_get_one (rq, "Content-Type"));
  w->lang_param = g_strdup (lang_param);
  w->accept_language = g_strdup (accept);
  w->check = want_check;
  w->domain = g_strdup (domain);
  /* The body now lives in the job only. */
  soup_message_body_truncate (soup_server_message_get_request_body (msg));
  req->state = REQ_WORKING;
  req->job = job;
  web.in_flight++;
  soup_server_message_pause (msg);
  g_thread_pool_push (web.pool, job, NULL);
}

/* ------------------------------------------------------------ connections */

/* The server accepts connections itself and hands each to libsoup, for two
 * reasons. libsoup 3.2 (Debian 12) leaks the socket of every connection it
 * accepts (its memory; its descriptor too when a kept-alive connection is
 * closed by the client), not one handed to it. And the timeout needs the
 * connection, which libsoup gives only for those it accepts. libsoup keeps
 * no connection open after an answer then, which the answers say
 * ("Connection: close"). */
static gboolean
on_incoming (GSocketService *service, GSocketConnection *conn, GObject *source, gpointer server)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSocketAddress) local = g_socket_connection_get_local_address (conn, NULL);
  g_autoptr (GSocketAddress) remote = g_socket_connection_get_remote_address (conn, NULL);
  accepting = conn;
  if (!soup_server_accept_iostream (server, G_IO_STREAM (conn), local, remote, &error))
    cmd_error ("cannot accept a connection: %s", error->message);
  accepting = NULL;
  return TRUE;
}

/* ------------------------------------------------------------ main */

static gboolean
parse_listen (const char *text, GSocketAddress **address)
{
  g_autofree char *host = NULL;
  const char *port_text = NULL;
  if (text[0] == '[') {
    const char *end = strchr (text, ']');
    if (!end || (end[1] && end[1] != ':'))
      return FALSE;
    host = g_strndup (text + 1, end - text - 1);
    port_text = end[1] ? end + 2 : NULL;
  } else {
    const char *colon = strrchr (text, ':');
    host = colon ? g_strndup (text, colon - text) : g_strdup (text);
    port_text = colon ? colon + 1 : NULL;
  }
  guint64 port = DEFAULT_PORT;
  if (port_text && !g_ascii_string_to_unsigned (port_text, 10, 0, 65535, &port, NULL))
    return FALSE;
  g_autoptr (GInetAddress) ip = g_inet_address_new_from_string (host);
  if (!ip)
    return FALSE;
  *address = g_inet_socket_address_new (ip, (guint16)port);
  return TRUE;
}

/* "10485760", "512k", "10M", "1G". */
static gboolean
parse_size (const char *text, gsize *size)
{
  char *end;
  /* strtoull() would also take white space and a sign. */
  if (!g_ascii_isdigit (*text))
    return FALSE;
  guint64 n = g_ascii_strtoull (text, &end, 10);
  guint64 unit = 1;
  if (*end && !end[1] && strchr ("kKmMgG", *end))
    unit = *end == 'k' || *end == 'K' ? 1024 : *end == 'm' || *end == 'M' ? 1024 * 1024 : 1 << 30;
  else if (*end)
    return FALSE;
  if (n == 0 || n > G_MAXSIZE / 4 / unit)
    return FALSE;
  *size = n * unit;
  return TRUE;
}

static gboolean
on_signal (gpointer loop)
{
  g_main_loop_quit (loop);
  return G_SOURCE_REMOVE;
}

int
main (int argc, char **argv)
{
  setlocale (LC_ALL, "");
  g_set_prgname ("dsn-web");
  cmd_init ();
  /* A server outlives its clients: a closed connection is not an end. */
  signal (SIGPIPE, SIG_IGN);

  g_autofree char *listen = NULL, *max_size = NULL;
  g_autofree char *workers_text = NULL, *timeout_text = NULL, *dns_timeout = NULL;
  gboolean allow_dns = FALSE, version = FALSE;
  g_auto (GStrv) patterns = NULL, my_domains = NULL, my_relays = NULL;
  g_auto (GStrv) dns_servers = NULL, dnsbl = NULL;
  GOptionEntry entries[] = {
    { "listen", 'L', 0, G_OPTION_ARG_STRING, &listen,
      "Address and port to serve on (default: " DEFAULT_LISTEN "; port 0: any free one)",
      "ADDR:PORT" },
    { "workers", 'w', 0, G_OPTION_ARG_STRING, &workers_text,
      "Analyses run at once (default: the number of processors)", "N" },
    { "max-size", 0, 0, G_OPTION_ARG_STRING, &max_size,
      "Largest request body accepted; larger is refused with 413 (default: 10M)", "BYTES" },
    { "timeout", 0, 0, G_OPTION_ARG_STRING, &timeout_text,
      "Seconds a request may take, reading, analysis and answer (default: 30)", "SECONDS" },
    { "allow-dns", 0, 0, G_OPTION_ARG_NONE, &allow_dns,
      "Allow DNS queries: the page's re-check, /api/explain?check=1 and /api/check", NULL },
    { "dns-server", 0, 0, G_OPTION_ARG_STRING_ARRAY, &dns_servers,
      "With --allow-dns: ask this DNS server instead of /etc/resolv.conf's (repeatable)",
      "IP[:PORT]" },
    { "dns-timeout", 0, 0, G_OPTION_ARG_STRING, &dns_timeout,
      "With --allow-dns: seconds to wait for a DNS answer (default: 2)", "SECONDS" },
    { "dnsbl", 0, 0, G_OPTION_ARG_STRING_ARRAY, &dnsbl,
      "With --allow-dns: blocklist zone to query instead of the usual ones (repeatable)", "ZONE" },
    { "patterns", 'p', 0, G_OPTION_ARG_FILENAME_ARRAY, &patterns,
      "Load the *.rules files of DIR over the built-in rules (repeatable)", "DIR" },
    { "my-domain", 0, 0, G_OPTION_ARG_STRING_ARRAY, &my_domains,
      "Your own domain, to recognise bounces for mail you never sent (repeatable)", "DOMAIN" },
    { "my-relay", 0, 0, G_OPTION_ARG_STRING_ARRAY, &my_relays,
      "A server of your sending path: host name, IP address or CIDR (repeatable)", "HOST" },
    { "version", 'V', 0, G_OPTION_ARG_NONE, &version, "Print the version and exit", NULL },
    { NULL },
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new (NULL);
  g_option_context_set_summary (
      ctx, "Serve dsn-explain's verdict as a web page for support desks, and its JSON\n"
           "over HTTP: paste a bounce, an error line or a message's headers.");
  g_option_context_set_description (
      ctx, "API: POST /api/explain (the message as body, or a form field \"message\")\n"
           "answers what dsn-explain --json prints; POST /api/check?domain=D answers\n"
           "what mailcheck --json D prints (with --allow-dns).\n\n"
           "Exit status: 0 stopped by SIGINT or SIGTERM, 2 usage error, 3 the address\n"
           "could not be listened on, 4 the output (--help, --version) could not be\n"
           "written.\n\n"
           "Examples:\n"
           "  dsn-web\n"
           "  curl --data-binary @bounce.eml http://127.0.0.1:8025/api/explain\n\n"
           "See dsn-web(1).");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_autoptr (GError) error = NULL;
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return cmd_usage_error (error->message);
  if (version) {
    printf ("dsn-web (libdsn) %s\n", DSN_VERSION_STRING);
    return EXIT_OK;
  }
  if (argc > 1)
    return cmd_usage_error ("no argument expected");
  g_autoptr (GSocketAddress) address = NULL;
  if (!parse_listen (listen ? listen : DEFAULT_LISTEN, &address))
    return cmd_usage_error ("--listen: expected an IP address and a port, as 127.0.0.1:8025 "
                            "or [::1]:8025");
  web.max_size = DEFAULT_MAX_SIZE;
  if (max_size && !parse_size (max_size, &web.max_size))
    return cmd_usage_error ("--max-size: expected a size in bytes, or with k, M or G");
  guint64 workers = MAX (1, g_get_num_processors ()), timeout = DEFAULT_TIMEOUT;
  if (workers_text && !cmd_parse_number ("--workers", workers_text, 1, 256, &workers))
    return EXIT_USAGE;
  if (timeout_text && !cmd_parse_number ("--timeout", timeout_text, 1, 3600, &timeout))
    return EXIT_USAGE;
  web.timeout = (guint)timeout;
  if ((dns_servers || dns_timeout || dnsbl) && !allow_dns)
    return cmd_usage_error ("--dns-server, --dns-timeout and --dnsbl go with --allow-dns");
  double dns_seconds = 0;
  if (dns_timeout && !cmd_parse_seconds ("--dns-timeout", dns_timeout, 0.01, 60, &dns_seconds))
    return EXIT_USAGE;
  for (char **z = dnsbl; z && *z; z++)
    if (!cmd_check_name ("--dnsbl", *z))
      return EXIT_USAGE;

  g_autoptr (DsnAnalyzer) an = dsn_analyzer_new ();
  for (char **d = patterns; d && *d; d++)
    if (!dsn_analyzer_add_patterns_dir (an, *d, &error)) {
      cmd_error ("%s", error->message);
      return EXIT_USAGE;
    }
  for (char **d = my_domains; d && *d; d++) {
    if (!cmd_check_name ("--my-domain", **d == '@' || **d == '.' ? *d + 1 : *d))
      return EXIT_USAGE;
    dsn_analyzer_add_own_domain (an, *d);
  }
  for (char **r = my_relays; r && *r; r++)
    if (!dsn_analyzer_add_own_relay (an, *r, &error)) {
      g_autofree char *msg = g_strdup_printf ("--my-relay: %s", error->message);
      return cmd_usage_error (msg);
    }
  web.settings.analyzer = an;
#if DSN_HAVE_DNS
  g_autoptr (DsnResolver) res = NULL;
  if (allow_dns) {
    web.settings.allow_dns = TRUE;
    res = dsn_resolver_new ();
    if (!cmd_add_dns_servers (res, dns_servers, "--dns-server: "))
      return EXIT_USAGE;
    if (dns_seconds > 0)
      dsn_resolver_set_timeout (res, (guint)(dns_seconds * 1000 + 0.5));
    web.settings.resolver = res;
    web.settings.dnsbl = (const char *const *)dnsbl;
  }
#else
  if (allow_dns) {
    cmd_error ("--allow-dns is not built in: libdsn was built without its DNS wing "
               "(-Dmailcheck=false)");
    return EXIT_USAGE;
  }
#endif

  web.context = g_main_context_default ();
  /* Each analysis holds its message: the queue bounds memory as the pool
   * bounds processors. */
  web.max_in_flight = MAX (32, (guint)workers * 8);
  web.pool = g_thread_pool_new (work, NULL, (gint)workers, FALSE, NULL);
  g_autoptr (SoupServer) server = soup_server_new ("server-header", "dsn-web", NULL);
  soup_server_add_handler (server, NULL, handle, NULL, NULL);
  g_signal_connect (server, "request-started", G_CALLBACK (on_request_started), NULL);
  g_signal_connect (server, "request-finished", G_CALLBACK (on_request_done), NULL);
  g_signal_connect (server, "request-aborted", G_CALLBACK (on_request_done), GINT_TO_POINTER (1));
  g_autoptr (GSocketService) service = g_socket_service_new ();
  g_autoptr (GSocketAddress) bound = NULL;
  if (!g_socket_listener_add_address (G_SOCKET_LISTENER (service), address, G_SOCKET_TYPE_STREAM,
                                      G_SOCKET_PROTOCOL_TCP, NULL, &bound, &error)) {
    g_autofree char *where = g_socket_connectable_to_string (G_SOCKET_CONNECTABLE (address));
    cmd_error ("cannot listen on %s: %s", where, error->message);
    return EXIT_INPUT;
  }
  g_signal_connect (service, "incoming", G_CALLBACK (on_incoming), server);
  /* Port 0 was the kernel's choice: say which. */
  g_autofree char *where = g_socket_connectable_to_string (G_SOCKET_CONNECTABLE (bound));
  fprintf (stderr, "%s: listening on http://%s/ (%u workers, at most %s a request)\n",
           g_get_prgname (), where, (guint)workers, max_size ? max_size : "10M");

  g_autoptr (GMainLoop) loop = g_main_loop_new (web.context, FALSE);
  g_unix_signal_add (SIGINT, on_signal, loop);
  g_unix_signal_add (SIGTERM, on_signal, loop);
  g_main_loop_run (loop);

  /* Finish the analyses under way, answer none, free everything. */
  web.stopping = TRUE;
  g_socket_service_stop (service);
  g_socket_listener_close (G_SOCKET_LISTENER (service));
  soup_server_disconnect (server);
  g_thread_pool_free (web.pool, FALSE, TRUE);
  while (g_main_context_pending (web.context))
    g_main_context_iteration (web.context, FALSE);
  fprintf (stderr, "%s: stopped\n", g_get_prgname ());
  return EXIT_OK;
}
