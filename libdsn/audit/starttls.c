/* The STARTTLS check: does inbound mail arrive encrypted? For each address
 * of the domain's mail servers, an SMTP session on port 25 (RFC 5321): the
 * greeting, EHLO and, when it is offered, STARTTLS (RFC 3207) and the TLS
 * handshake through GIO (glib-networking), all on the audit's main loop with
 * a time limit per step. It reports the TLS version and cipher, the
 * certificate chain (expiry, name against the MX host name, CA), the
 * greeting's host name and the time of each step; and DANE for SMTP
 * (RFC 7672): the TLSA records at _25._tcp.HOST checked against the
 * certificate the server actually presents.
 *
 * A server that cannot be reached or does not answer in time is "could not
 * check", not a fault of the domain: outbound port 25 is often blocked where
 * mailcheck runs. The certificate is accepted whatever its faults, so that
 * they are all seen; after the handshake only QUIT is sent.
 *
 * SPDX-License-Identifier: BSD-2-Clause */
#include "audit.h"

#include <string.h>

#define MAX_SERVERS 10  /* addresses tested; the others are listed as not tested */
#define MAX_REPLY 16384 /* bytes of one SMTP reply */
#define MAX_TEXT 200    /* characters of a server's words kept */
#define QUIT_TIMEOUT_MS 2000

typedef enum { STEP_CONNECT, STEP_GREETING, STEP_EHLO, STEP_STARTTLS, STEP_TLS, N_STEPS } Step;
static const char *const step_names[N_STEPS] = { "connect", "greeting", "ehlo", "starttls", "tls" };

typedef enum {
  OUT_PENDING,
  OUT_UNREACHABLE, /* no connection: refused, no route, no answer in time */
  OUT_TIMEOUT,     /* connected, then no answer in time */
  OUT_REJECTED,    /* the server refused the session (greeting or EHLO) */
  OUT_CLOSED,      /* it closed the connection, or spoke no SMTP */
  OUT_NO_STARTTLS,
  OUT_TLS_REFUSED, /* STARTTLS offered, then refused */
  OUT_HANDSHAKE_FAILED,
  OUT_NO_TLS_SUPPORT, /* GIO has no TLS backend */
  OUT_CANCELLED,
  OUT_TLS,
} Outcome;
static const char *const outcome_names[]
    = { "pending",     "unreachable",      "timeout",        "rejected",  "closed", "no-starttls",
        "tls-refused", "handshake-failed", "no-tls-support", "cancelled", "tls" };

/* What DANE says of a server (RFC 7672 §2.2). */
typedef enum {
  DANE_NONE,     /* no TLSA records, or their lookup failed */
  DANE_UNSIGNED, /* TLSA records not DNSSEC-validated: senders ignore them */
  DANE_UNUSABLE, /* validated, none usable for SMTP */
  DANE_NO_TLS,   /* usable records, but no TLS to check them against */
  DANE_MATCH,
  DANE_MISMATCH,
} Dane;
static const char *const dane_names[]
    = { "none", "not-validated", "unusable", "no-tls", "match", "mismatch" };

typedef struct {
  char *subject, *issuer;
  char *not_before, *not_after; /* UTC, "2025-01-01T00:00:00Z" */
  GPtrArray *names;             /* its DNS names */
  GBytes *der;
  char *sha256, *spki_sha256;
} Cert;

typedef struct {
  guint8 usage, selector, matching;
  GBytes *data;
  char *hex;
} Tlsa;

/* A mail server host and its TLSA records. */
typedef struct {
  char *name;
  char *query; /* _25._tcp.NAME */
  gboolean done, ad;
  DsnDnsStatus status;
  GPtrArray *tlsa; /* Tlsa */
} Host;

typedef struct _Session Session;
typedef void (*ReplyFunc) (Session *s, int code, GPtrArray *lines);

/* One SMTP session with one address. */
struct _Session {
  DsnJob *job;
  char *address;
  Host *host;
  Outcome outcome;
  /* why it ended so: a smtp_reason.* of catalogue/details.keys, with GIO's
   * own words for the rare failures it has no name for; or the reply that
   * refused the session */
  const char *reason;
  char *error;
  char *reply;
  char *greeting, *greeting_host;
  GPtrArray *extensions;
  gboolean starttls;
  int version; /* GTlsProtocolVersion */
  char *cipher;
  GTlsCertificateFlags cert_errors;
  GPtrArray *chain; /* Cert, the server's own first */
  gint64 ms[N_STEPS];
  Dane dane;
  int dane_usage;
  /* in progress */
  Step step;
  gboolean quitting;
  gint64 step_start;
  GSocketClient *client;
  GSocketConnection *conn;
  GIOStream *tls;
  GIOStream *io; /* conn, then tls */
  GCancellable *cancellable;
  GCancellable *job_cancellable;
  gulong cancel_handler;
  GSource *timer;
  guint timeout_ms;
  gboolean timed_out;
  GString *in;
  char *out;
  guint8 buf[4096];
  ReplyFunc on_reply;
};

typedef struct {
  GPtrArray *sessions; /* Session */
  GPtrArray *hosts;    /* Host */
  GPtrArray *untested; /* addresses over MAX_SERVERS */
  GTlsDatabase *database;
  char *database_error;
} StState;

static void
cert_free (Cert *c)
{
  g_free (c->subject);
  g_free (c->issuer);
  g_free (c->not_before);
  g_free (c->not_after);
  g_ptr_array_unref (c->names);
  g_bytes_unref (c->der);
  g_free (c->sha256);
  g_free (c->spki_sha256);
  g_free (c);
}

static void
tlsa_free (Tlsa *t)
{
  g_bytes_unref (t->data);
  g_free (t->hex);
  g_free (t);
}

static void
host_free (Host *h)
{
  g_free (h->name);
  g_free (h->query);
  g_ptr_array_unref (h->tlsa);
  g_free (h);
}

static void
session_free (Session *s)
{
  g_free (s->address);
  g_free (s->error);
  g_free (s->reply);
  g_free (s->greeting);
  g_free (s->greeting_host);
  g_ptr_array_unref (s->extensions);
  g_free (s->cipher);
  g_ptr_array_unref (s->chain);
  g_string_free (s->in, TRUE);
  g_free (s->out);
  g_free (s);
}

static void
clear (gpointer data)
{
  StState *st = data;
  if (st->sessions)
    g_ptr_array_unref (st->sessions);
  if (st->hosts)
    g_ptr_array_unref (st->hosts);
  if (st->untested)
    g_ptr_array_unref (st->untested);
  g_clear_object (&st->database);
  g_free (st->database_error);
}

/* A server's words, fit to be shown: printable, valid UTF-8, not too long. */
static char *
clean_text (const char *text)
{
  g_autofree char *valid = g_utf8_make_valid (text, -1);
  GString *s = g_string_new (NULL);
  for (const char *p = valid; *p && g_utf8_strlen (s->str, -1) < MAX_TEXT;
       p = g_utf8_next_char (p)) {
    gunichar c = g_utf8_get_char (p);
    if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0))
      g_string_append_c (s, '?');
    else
      g_string_append_unichar (s, c);
  }
  return g_string_free (s, FALSE);
}

static char *
sha256_hex (GBytes *bytes)
{
  return bytes ? g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, bytes) : NULL;
}

static char *
iso_date (GDateTime *t)
{
  return t ? g_date_time_format (t, "%Y-%m-%dT%H:%M:%SZ") : NULL;
}

static const char *
version_name (int v)
{
  switch (v) {
  case G_TLS_PROTOCOL_VERSION_SSL_3_0: return "SSL 3.0";
  case G_TLS_PROTOCOL_VERSION_TLS_1_0: return "TLS 1.0";
  case G_TLS_PROTOCOL_VERSION_TLS_1_1: return "TLS 1.1";
  case G_TLS_PROTOCOL_VERSION_TLS_1_2: return "TLS 1.2";
  case G_TLS_PROTOCOL_VERSION_TLS_1_3: return "TLS 1.3";
  default: return "unknown";
  }
}

/* ------------------------------------------------------------ the session */

static void session_quit (Session *s);

static void
stop_timer (Session *s)
{
  if (s->timer) {
    g_source_destroy (s->timer);
    g_source_unref (s->timer);
    s->timer = NULL;
  }
}

static gboolean
on_timeout (gpointer data)
{
  Session *s = data;
  s->timed_out = TRUE;
  g_cancellable_cancel (s->cancellable);
  return G_SOURCE_REMOVE;
}

/* Starts STEP, which must be done within MSEC. */
static void
begin (Session *s, Step step, guint msec)
{
  stop_timer (s);
  if (step < N_STEPS) {
    s->step = step;
    s->step_start = g_get_monotonic_time ();
  }
  s->timer = g_timeout_source_new (msec);
  g_source_set_callback (s->timer, on_timeout, s, NULL);
  g_source_attach (s->timer, g_task_get_context (s->job->task));
}

/* The current step is done: its time is kept. */
static void
step_done (Session *s)
{
  s->ms[s->step] = (g_get_monotonic_time () - s->step_start) / 1000;
}

static void
session_end (Session *s)
{
  stop_timer (s);
  if (s->cancel_handler)
    g_cancellable_disconnect (s->job_cancellable, s->cancel_handler);
  s->cancel_handler = 0;
  g_clear_object (&s->job_cancellable);
  g_clear_object (&s->tls);
  g_clear_object (&s->conn);
  g_clear_object (&s->client);
  g_clear_object (&s->cancellable);
  s->io = NULL;
  dsn_job_release (s->job);
}

/* Ends the session with OUTCOME, saying why (REASON, or the server's
 * REPLY, taken), with a QUIT if the connection can still take one. */
static void
conclude (Session *s, Outcome outcome, const char *reason, char *reply, gboolean quit)
{
  s->outcome = outcome;
  s->reason = reason;
  g_free (s->reply);
  s->reply = reply;
  if (quit)
    session_quit (s);
  else
    session_end (s);
}

/* An I/O error at the current step. */
static void
io_failed (Session *s, GError *error)
{
  if (s->quitting) {
    session_end (s);
    return;
  }
  if (s->timed_out) {
    conclude (s, s->step == STEP_CONNECT ? OUT_UNREACHABLE : OUT_TIMEOUT, "smtp_reason.timeout",
              NULL, FALSE);
    return;
  }
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
    conclude (s, OUT_CANCELLED, NULL, NULL, FALSE);
    return;
  }
  Outcome o = s->step == STEP_CONNECT ? OUT_UNREACHABLE
              : s->step == STEP_TLS   ? OUT_HANDSHAKE_FAILED
                                      : OUT_CLOSED;
  const char *reason = "smtp_reason.other";
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED))
    reason = "smtp_reason.refused";
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_HOST_UNREACHABLE)
           || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NETWORK_UNREACHABLE))
    reason = "smtp_reason.no_route";
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED)
           || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE)
           || g_error_matches (error, G_TLS_ERROR, G_TLS_ERROR_EOF))
    reason = "smtp_reason.closed";
  else if (s->step == STEP_TLS)
    reason = "smtp_reason.tls";
  /* GIO's words only where the reason has none of its own */
  if (!strcmp (reason, "smtp_reason.other") || !strcmp (reason, "smtp_reason.tls"))
    s->error = clean_text (error->message);
  conclude (s, o, reason, NULL, FALSE);
}

/* -------- replies (RFC 5321 §4.2) */

static void read_more (Session *s);

/* Takes a whole reply from the input, if there is one: lines "DDD-text"
 * ended by "DDD text". CODE is 0 for what is no SMTP reply. */
static gboolean
take_reply (Session *s, int *code, GPtrArray **lines)
{
  GPtrArray *got = g_ptr_array_new_with_free_func (g_free);
  gsize pos = 0;
  for (;;) {
    const char *nl = memchr (s->in->str + pos, '\n', s->in->len - pos);
    if (!nl) {
      g_ptr_array_unref (got);
      return FALSE;
    }
    gsize end = (gsize)(nl - s->in->str);
    g_autofree char *raw = g_strndup (s->in->str + pos, end - pos);
    g_strchomp (raw);
    pos = end + 1;
    gboolean digits = strlen (raw) >= 3 && g_ascii_isdigit (raw[0]) && g_ascii_isdigit (raw[1])
                      && g_ascii_isdigit (raw[2])
                      && (raw[3] == '\0' || raw[3] == ' ' || raw[3] == '-');
    g_ptr_array_add (got, clean_text (raw));
    if (!digits || raw[3] != '-') {
      *code = digits ? (raw[0] - '0') * 100 + (raw[1] - '0') * 10 + (raw[2] - '0') : 0;
      g_string_erase (s->in, 0, (gssize)pos);
      *lines = got;
      return TRUE;
    }
  }
}

static void
on_read (GObject *source, GAsyncResult *result, gpointer data)
{
  Session *s = data;
  g_autoptr (GError) error = NULL;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &error);
  if (n < 0) {
    io_failed (s, error);
    return;
  }
  if (n == 0) {
    if (s->quitting)
      session_end (s);
    else
      conclude (s, OUT_CLOSED, "smtp_reason.closed", NULL, FALSE);
    return;
  }
  g_string_append_len (s->in, (const char *)s->buf, n);
  read_more (s);
}

static void
read_more (Session *s)
{
  int code;
  GPtrArray *lines;
  if (take_reply (s, &code, &lines)) {
    ReplyFunc f = s->on_reply;
    f (s, code, lines);
    g_ptr_array_unref (lines);
    return;
  }
  if (s->in->len > MAX_REPLY) {
    conclude (s, OUT_CLOSED, "smtp_reason.long_reply", NULL, FALSE);
    return;
  }
  g_input_stream_read_async (g_io_stream_get_input_stream (s->io), s->buf, sizeof s->buf,
                             G_PRIORITY_DEFAULT, s->cancellable, on_read, s);
}

static void
read_reply (Session *s, ReplyFunc f)
{
  s->on_reply = f;
  read_more (s);
}

static void
on_written (GObject *source, GAsyncResult *result, gpointer data)
{
  Session *s = data;
  g_autoptr (GError) error = NULL;
  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, &error)) {
    io_failed (s, error);
    return;
  }
  read_more (s);
}

/* Sends COMMAND (without CRLF) and reads the reply into F. */
static void
command (Session *s, const char *cmd, ReplyFunc f)
{
  g_free (s->out);
  s->out = g_strconcat (cmd, "\r\n", NULL);
  s->on_reply = f;
  g_output_stream_write_all_async (g_io_stream_get_output_stream (s->io), s->out, strlen (s->out),
                                   G_PRIORITY_DEFAULT, s->cancellable, on_written, s);
}

static char *
join_lines (GPtrArray *lines)
{
  return dsn_strings_join (lines, " / ");
}

/* The server refused the session with CODE, or spoke no SMTP (CODE 0). */
static void
reject (Session *s, int code, GPtrArray *lines)
{
  if (code)
    conclude (s, OUT_REJECTED, NULL, join_lines (lines), TRUE);
  else
    conclude (s, OUT_CLOSED, "smtp_reason.not_smtp", join_lines (lines), FALSE);
}

/* -------- QUIT */

static void
on_quit (Session *s, int code, GPtrArray *lines)
{
  session_end (s);
}

static void
session_quit (Session *s)
{
  s->quitting = TRUE;
  begin (s, N_STEPS, MIN (s->timeout_ms, QUIT_TIMEOUT_MS));
  command (s, "QUIT", on_quit);
}

/* -------- TLS */

static Cert *
cert_new (GTlsCertificate *tc)
{
  Cert *c = g_new0 (Cert, 1);
  g_autoptr (GByteArray) der = NULL;
  g_object_get (tc, "certificate", &der, NULL);
  c->der = der ? g_bytes_new (der->data, der->len) : g_bytes_new (NULL, 0);
  g_autofree char *subject = g_tls_certificate_get_subject_name (tc);
  g_autofree char *issuer = g_tls_certificate_get_issuer_name (tc);
  c->subject = subject ? clean_text (subject) : NULL;
  c->issuer = issuer ? clean_text (issuer) : NULL;
  g_autoptr (GDateTime) before = g_tls_certificate_get_not_valid_before (tc);
  g_autoptr (GDateTime) after = g_tls_certificate_get_not_valid_after (tc);
  c->not_before = iso_date (before);
  c->not_after = iso_date (after);
  c->names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) names = g_tls_certificate_get_dns_names (tc);
  for (guint i = 0; names && i < names->len; i++) {
    gsize n;
    const char *name = g_bytes_get_data (names->pdata[i], &n);
    g_autofree char *copy = g_strndup (name, n);
    g_ptr_array_add (c->names, clean_text (copy));
  }
  c->sha256 = sha256_hex (c->der);
  g_autoptr (GBytes) spki = dsn_x509_spki (c->der);
  c->spki_sha256 = sha256_hex (spki);
  return c;
}

static void
on_handshake (GObject *source, GAsyncResult *result, gpointer data)
{
  Session *s = data;
  g_autoptr (GError) error = NULL;
  GTlsConnection *tls = G_TLS_CONNECTION (source);
  if (!g_tls_connection_handshake_finish (tls, result, &error)) {
    io_failed (s, error);
    return;
  }
  step_done (s);
  s->version = g_tls_connection_get_protocol_version (tls);
  s->cipher = g_tls_connection_get_ciphersuite_name (tls); /* transfer full */
  s->cert_errors = g_tls_connection_get_peer_certificate_errors (tls);
  /* The chain as the server sent it (glib-networking links each
   * certificate to its issuer among those presented). */
  GTlsCertificate *c = g_tls_connection_get_peer_certificate (tls);
  for (guint depth = 0; c && depth < 10; depth++, c = g_tls_certificate_get_issuer (c))
    g_ptr_array_add (s->chain, cert_new (c));
  s->io = s->tls;
  conclude (s, OUT_TLS, NULL, NULL, TRUE);
}

/* Every certificate is accepted, to be looked at; its faults are read after
 * the handshake. */
static gboolean
on_accept_certificate (GTlsConnection *conn, GTlsCertificate *cert, GTlsCertificateFlags errors,
                       gpointer data)
{
  return TRUE;
}

static void
start_tls (Session *s)
{
  StState *st = DSN_JOB_STATE (s->job, DSN_AREA_STARTTLS, StState);
  begin (s, STEP_TLS, s->timeout_ms);
  g_autoptr (GError) error = NULL;
  /* The MX host name is the reference identity, and the SNI (RFC 7672 §8.1). */
  g_autoptr (GSocketConnectable) identity = g_network_address_new (s->host->name, 25);
  s->tls = g_tls_client_connection_new (G_IO_STREAM (s->conn), identity, &error);
  if (!s->tls) {
    s->error = clean_text (error->message);
    conclude (s, OUT_NO_TLS_SUPPORT, NULL, NULL, FALSE);
    return;
  }
  if (st->database)
    g_tls_connection_set_database (G_TLS_CONNECTION (s->tls), st->database);
  g_signal_connect (s->tls, "accept-certificate", G_CALLBACK (on_accept_certificate), s);
  g_tls_connection_handshake_async (G_TLS_CONNECTION (s->tls), G_PRIORITY_DEFAULT, s->cancellable,
                                    on_handshake, s);
}

/* -------- SMTP */

static void
on_starttls (Session *s, int code, GPtrArray *lines)
{
  step_done (s);
  if (code != 220) {
    conclude (s, OUT_TLS_REFUSED, NULL, join_lines (lines), TRUE);
    return;
  }
  /* Anything the server sent after its 220 would be read as TLS. */
  g_string_truncate (s->in, 0);
  start_tls (s);
}

static void
on_ehlo (Session *s, int code, GPtrArray *lines)
{
  step_done (s);
  if (code == 500 || code == 502 || code == 504) {
    /* No ESMTP, so no STARTTLS (RFC 3207 §4). */
    conclude (s, OUT_NO_STARTTLS, NULL, join_lines (lines), TRUE);
    return;
  }
  if (code != 250) {
    reject (s, code, lines);
    return;
  }
  for (guint i = 1; i < lines->len; i++) {
    const char *l = lines->pdata[i];
    g_autofree char *keyword = g_ascii_strup (l + 4, (gssize)strcspn (l + 4, " "));
    if (*keyword)
      g_ptr_array_add (s->extensions, g_strdup (keyword));
    if (!strcmp (keyword, "STARTTLS"))
      s->starttls = TRUE;
  }
  if (!s->starttls) {
    conclude (s, OUT_NO_STARTTLS, NULL, NULL, TRUE);
    return;
  }
  begin (s, STEP_STARTTLS, s->timeout_ms);
  command (s, "STARTTLS", on_starttls);
}

static void
on_greeting (Session *s, int code, GPtrArray *lines)
{
  step_done (s);
  s->greeting = g_strdup (lines->pdata[0]);
  if (code != 220) {
    reject (s, code, lines);
    return;
  }
  /* "220 mx.example.org ESMTP ...": the name it gives itself. */
  const char *after = s->greeting + MIN (strlen (s->greeting), 4);
  s->greeting_host = g_strndup (after, strcspn (after, " "));
  /* Our name: the address we connect from, as a literal (RFC 5321
   * §4.1.3); a library has no host name of its own to give. */
  g_autoptr (GSocketAddress) local = g_socket_connection_get_local_address (s->conn, NULL);
  g_autofree char *ip = NULL;
  if (G_IS_INET_SOCKET_ADDRESS (local))
    ip = g_inet_address_to_string (
        g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (local)));
  g_autofree char *cmd = !ip                ? g_strdup ("EHLO mailcheck.invalid")
                         : strchr (ip, ':') ? g_strdup_printf ("EHLO [IPv6:%s]", ip)
                                            : g_strdup_printf ("EHLO [%s]", ip);
  begin (s, STEP_EHLO, s->timeout_ms);
  command (s, cmd, on_ehlo);
}

static void
on_connected (GObject *source, GAsyncResult *result, gpointer data)
{
  Session *s = data;
  g_autoptr (GError) error = NULL;
  s->conn = g_socket_client_connect_finish (G_SOCKET_CLIENT (source), result, &error);
  if (!s->conn) {
    io_failed (s, error);
    return;
  }
  step_done (s);
  s->io = G_IO_STREAM (s->conn);
  begin (s, STEP_GREETING, s->timeout_ms);
  read_reply (s, on_greeting);
}

static void
cancel_session (GCancellable *job_cancellable, gpointer data)
{
  g_cancellable_cancel (data);
}

static void
session_start (Session *s)
{
  DsnResolver *res = dsn_dns_get_resolver (s->job->dns);
  s->timeout_ms = res->smtp_timeout_ms;
  s->cancellable = g_cancellable_new ();
  GCancellable *jc = g_task_get_cancellable (s->job->task);
  if (jc) {
    s->job_cancellable = g_object_ref (jc);
    s->cancel_handler
        = g_cancellable_connect (jc, G_CALLBACK (cancel_session), s->cancellable, NULL);
  }
  dsn_job_hold (s->job);
  guint16 port = res->test_smtp_port ? res->test_smtp_port : 25;
  g_autoptr (GSocketAddress) addr = g_inet_socket_address_new_from_string (s->address, port);
  s->client = g_socket_client_new ();
  begin (s, STEP_CONNECT, s->timeout_ms);
  g_socket_client_connect_async (s->client, G_SOCKET_CONNECTABLE (addr), s->cancellable,
                                 on_connected, s);
}

/* ------------------------------------------------------------ TLSA */

static void
on_tlsa (const DsnDnsAnswer *ans, gpointer data)
{
  Host *h = data;
  h->done = TRUE;
  h->status = ans->status;
  h->ad = ans->ad;
  for (guint i = 0; ans->status == DSN_DNS_OK && i < ans->rrs->len; i++) {
    const DsnDnsRR *rr = ans->rrs->pdata[i];
    Tlsa *t = g_new0 (Tlsa, 1);
    t->usage = rr->usage;
    t->selector = rr->selector;
    t->matching = rr->matching;
    t->data = g_bytes_ref (rr->association);
    t->hex = g_strdup (rr->data);
    g_ptr_array_add (h->tlsa, t);
  }
}

static Host *
host_get (DsnJob *job, StState *st, const char *name)
{
  for (guint i = 0; i < st->hosts->len; i++)
    if (!g_ascii_strcasecmp (((Host *)st->hosts->pdata[i])->name, name))
      return st->hosts->pdata[i];
  Host *h = g_new0 (Host, 1);
  h->name = g_strdup (name);
  h->query = g_strconcat ("_25._tcp.", name, NULL);
  h->tlsa = g_ptr_array_new_with_free_func ((GDestroyNotify)tlsa_free);
  g_ptr_array_add (st->hosts, h);
  dsn_job_lookup (job, h->query, DSN_DNS_TLSA, on_tlsa, h);
  return h;
}

/* ------------------------------------------------------------ start */

static void
on_address (DsnJob *job, const char *address, const char *host)
{
  StState *st = DSN_JOB_STATE (job, DSN_AREA_STARTTLS, StState);
  if (!host)
    return;
  if (st->sessions->len >= MAX_SERVERS) {
    g_autofree char *label = dsn_mx_server_label (address, host);
    g_ptr_array_add (st->untested, g_steal_pointer (&label));
    return;
  }
  Session *s = g_new0 (Session, 1);
  s->job = job;
  s->address = g_strdup (address);
  s->host = host_get (job, st, host);
  s->extensions = g_ptr_array_new_with_free_func (g_free);
  s->chain = g_ptr_array_new_with_free_func ((GDestroyNotify)cert_free);
  s->in = g_string_new (NULL);
  for (int i = 0; i < N_STEPS; i++)
    s->ms[i] = -1;
  g_ptr_array_add (st->sessions, s);
  session_start (s);
}

static void
start (DsnJob *job)
{
  StState *st = DSN_JOB_STATE (job, DSN_AREA_STARTTLS, StState);
  st->sessions = g_ptr_array_new_with_free_func ((GDestroyNotify)session_free);
  st->hosts = g_ptr_array_new_with_free_func ((GDestroyNotify)host_free);
  st->untested = g_ptr_array_new_with_free_func (g_free);
  DsnResolver *res = dsn_dns_get_resolver (job->dns);
  if (res->test_smtp_ca) {
    g_autoptr (GError) error = NULL;
    st->database = g_tls_file_database_new (res->test_smtp_ca, &error);
    if (!st->database)
      st->database_error = g_strdup (error->message);
  }
  dsn_mx_foreach_address (job, on_address);
}

/* ------------------------------------------------------------ DANE */

/* Checks the server's chain against its host's TLSA records (RFC 7672 §3):
 * DANE-EE(3) matches the server's own certificate, whatever its name, CA
 * and dates; DANE-TA(2) a certificate of the chain above it, and then the
 * server's certificate must be valid for the MX host name. */
static void
dane_check (Session *s)
{
  Host *h = s->host;
  if (!h->done || dsn_dns_status_failed (h->status) || !h->tlsa->len) {
    s->dane = DANE_NONE;
    return;
  }
  if (!h->ad) {
    s->dane = DANE_UNSIGNED;
    return;
  }
  gboolean usable = FALSE;
  for (guint i = 0; i < h->tlsa->len; i++) {
    Tlsa *t = h->tlsa->pdata[i];
    usable |= dsn_tlsa_usable (t->usage, t->selector, t->matching, g_bytes_get_size (t->data));
  }
  if (!usable) {
    s->dane = DANE_UNUSABLE;
    return;
  }
  if (s->outcome != OUT_TLS || !s->chain->len) {
    s->dane = DANE_NO_TLS;
    return;
  }
  s->dane = DANE_MISMATCH;
  for (guint i = 0; i < h->tlsa->len; i++) {
    Tlsa *t = h->tlsa->pdata[i];
    if (!dsn_tlsa_usable (t->usage, t->selector, t->matching, g_bytes_get_size (t->data)))
      continue;
    if (t->usage == 3) {
      Cert *leaf = s->chain->pdata[0];
      if (dsn_tlsa_match (t->selector, t->matching, t->data, leaf->der)) {
        s->dane = DANE_MATCH;
        s->dane_usage = 3;
        return;
      }
      continue;
    }
    gboolean name_ok = !(s->cert_errors
                         & (G_TLS_CERTIFICATE_BAD_IDENTITY | G_TLS_CERTIFICATE_EXPIRED
                            | G_TLS_CERTIFICATE_NOT_ACTIVATED));
    for (guint k = 1; k < s->chain->len && name_ok; k++) {
      Cert *c = s->chain->pdata[k];
      if (dsn_tlsa_match (t->selector, t->matching, t->data, c->der)) {
        s->dane = DANE_MATCH;
        s->dane_usage = 2;
        return;
      }
    }
  }
}

/* ------------------------------------------------------------ findings */

static JsonObject *
cert_json (const Cert *c)
{
  JsonObject *o = json_object_new ();
  dsn_json_set_string (o, "subject", c->subject);
  dsn_json_set_string (o, "issuer", c->issuer);
  dsn_json_set_string (o, "not_before", c->not_before);
  dsn_json_set_string (o, "not_after", c->not_after);
  json_object_set_array_member (o, "dns_names", dsn_json_strv (c->names));
  dsn_json_set_string (o, "sha256", c->sha256);
  dsn_json_set_string (o, "spki_sha256", c->spki_sha256);
  return o;
}

static JsonArray *
cert_errors_json (GTlsCertificateFlags f)
{
  static const struct {
    GTlsCertificateFlags flag;
    const char *name;
  } flags[] = {
    { G_TLS_CERTIFICATE_UNKNOWN_CA, "unknown-ca" },
    { G_TLS_CERTIFICATE_BAD_IDENTITY, "bad-identity" },
    { G_TLS_CERTIFICATE_NOT_ACTIVATED, "not-activated" },
    { G_TLS_CERTIFICATE_EXPIRED, "expired" },
    { G_TLS_CERTIFICATE_REVOKED, "revoked" },
    { G_TLS_CERTIFICATE_INSECURE, "insecure" },
    { G_TLS_CERTIFICATE_GENERIC_ERROR, "other" },
  };
  JsonArray *a = json_array_new ();
  for (gsize i = 0; i < G_N_ELEMENTS (flags); i++)
    if (f & flags[i].flag)
      json_array_add_string_element (a, flags[i].name);
  return a;
}

static JsonObject *
session_json (const Session *s)
{
  JsonObject *o = json_object_new ();
  json_object_set_string_member (o, "address", s->address);
  json_object_set_string_member (o, "host", s->host->name);
  json_object_set_string_member (o, "status", outcome_names[s->outcome]);
  /* why it ended so: a reason code, GIO's words, the server's refusal */
  dsn_json_set_string (o, "reason", s->reason ? strchr (s->reason, '.') + 1 : NULL);
  dsn_json_set_string (o, "error", s->error);
  dsn_json_set_string (o, "reply", s->reply);
  dsn_json_set_string (o, "greeting", s->greeting);
  dsn_json_set_string (o, "greeting_host", s->greeting_host);
  json_object_set_array_member (o, "extensions", dsn_json_strv (s->extensions));
  json_object_set_boolean_member (o, "starttls", s->starttls);
  if (s->outcome == OUT_TLS) {
    JsonObject *t = json_object_new ();
    json_object_set_string_member (t, "version", version_name (s->version));
    dsn_json_set_string (t, "cipher", s->cipher);
    json_object_set_array_member (t, "certificate_errors", cert_errors_json (s->cert_errors));
    JsonArray *chain = json_array_new ();
    for (guint i = 0; i < s->chain->len; i++)
      json_array_add_object_element (chain, cert_json (s->chain->pdata[i]));
    json_object_set_array_member (t, "chain", chain);
    json_object_set_object_member (o, "tls", t);
  } else {
    json_object_set_null_member (o, "tls");
  }
  json_object_set_string_member (o, "dane", dane_names[s->dane]);
  /* The time of each step, in milliseconds; null for a step not reached. */
  JsonObject *ms = json_object_new ();
  for (int i = 0; i < N_STEPS; i++)
    if (s->ms[i] >= 0)
      json_object_set_int_member (ms, step_names[i], s->ms[i]);
    else
      json_object_set_null_member (ms, step_names[i]);
  json_object_set_object_member (o, "ms", ms);
  return o;
}

static JsonObject *
host_json (const Host *h)
{
  JsonObject *o = json_object_new ();
  json_object_set_string_member (o, "host", h->name);
  json_object_set_string_member (o, "name", h->query);
  json_object_set_string_member (o, "status", dsn_dns_status_to_string (h->status));
  json_object_set_boolean_member (o, "ad", h->ad);
  JsonArray *a = json_array_new ();
  for (guint i = 0; i < h->tlsa->len; i++) {
    const Tlsa *t = h->tlsa->pdata[i];
    JsonObject *r = json_object_new ();
    json_object_set_int_member (r, "usage", t->usage);
    json_object_set_int_member (r, "selector", t->selector);
    json_object_set_int_member (r, "matching", t->matching);
    json_object_set_string_member (r, "data", t->hex);
    json_object_set_boolean_member (
        r, "usable",
        dsn_tlsa_usable (t->usage, t->selector, t->matching, g_bytes_get_size (t->data)));
    json_array_add_object_element (a, r);
  }
  json_object_set_array_member (o, "records", a);
  return o;
}

/* "3 1 1 0123...", each record of H, for a text. */
static char *
tlsa_list (const Host *h)
{
  g_autoptr (GPtrArray) items = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < h->tlsa->len; i++) {
    const Tlsa *t = h->tlsa->pdata[i];
    g_ptr_array_add (items, g_strdup_printf ("%u %u %u %.16s%s", t->usage, t->selector, t->matching,
                                             t->hex, strlen (t->hex) > 16 ? "…" : ""));
  }
  return dsn_strings_join (items, ", ");
}

/* Findings about the certificate of a server reached over TLS. */
static void
report_certificate (DsnJob *job, const Session *s, const char *server)
{
  const Cert *leaf = s->chain->len ? s->chain->pdata[0] : NULL;
  if (!leaf)
    return;
  GTlsCertificateFlags e = s->cert_errors;
  /* Dates as days: the time of day says nothing more here. */
  g_autofree char *after = g_strndup (leaf->not_after ? leaf->not_after : "?", 10);
  g_autofree char *before = g_strndup (leaf->not_before ? leaf->not_before : "?", 10);
  if (e & G_TLS_CERTIFICATE_EXPIRED)
    dsn_job_add (job, "starttls.cert_expired", "server", server, "date", after, NULL);
  if (e & G_TLS_CERTIFICATE_NOT_ACTIVATED)
    dsn_job_add (job, "starttls.cert_not_yet_valid", "server", server, "date", before, NULL);
  if (e & G_TLS_CERTIFICATE_BAD_IDENTITY) {
    g_autofree char *names = dsn_strings_join (leaf->names, ", ");
    dsn_job_add (job, "starttls.cert_name", "server", server, "host", s->host->name, "names",
                 *names ? names : leaf->subject, NULL);
  }
  if (e & G_TLS_CERTIFICATE_UNKNOWN_CA) {
    gboolean self_signed = s->chain->len == 1 && leaf->subject && leaf->issuer
                           && !strcmp (leaf->subject, leaf->issuer);
    if (self_signed)
      dsn_job_add (job, "starttls.cert_self_signed", "server", server, NULL);
    else
      dsn_job_add (job, "starttls.cert_untrusted", "server", server, "issuer",
                   leaf->issuer ? leaf->issuer : "", NULL);
  }
  if (e
      & (G_TLS_CERTIFICATE_REVOKED | G_TLS_CERTIFICATE_INSECURE | G_TLS_CERTIFICATE_GENERIC_ERROR))
    dsn_job_add (job, "starttls.cert_invalid", "server", server, NULL);
}

/* The reason S ended, as a finding argument "detail" of ARGS. */
static void
add_reason (GPtrArray *args, const Session *s)
{
  if (!s->reason)
    return;
  char secs[G_ASCII_DTOSTR_BUF_SIZE];
  g_ascii_formatd (secs, sizeof secs, "%g", s->timeout_ms / 1000.0);
  g_autoptr (DsnFinding) reason = dsn_finding_newv (s->reason, "seconds", secs, "step",
                                                    step_names[s->step], "error", s->error, NULL);
  dsn_args_add_text (args, "detail", reason);
}

/* Adds CODE with the argument "server" and the reason S ended. */
static void
add_with_reason (DsnJob *job, const char *code, const Session *s, const char *server)
{
  GPtrArray *args = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (args, g_strdup ("server"));
  g_ptr_array_add (args, g_strdup (server));
  add_reason (args, s);
  dsn_job_add_args (job, code, args);
}

static gboolean
enforced (const char *sts_mode)
{
  return sts_mode && !strcmp (sts_mode, "enforce");
}

static void
report_session (DsnJob *job, Session *s, const char *sts_mode)
{
  g_autofree char *server = dsn_mx_server_label (s->address, s->host->name);
  const char *reply = s->reply ? s->reply : "";
  switch (s->outcome) {
  case OUT_PENDING:
  case OUT_CANCELLED: return;
  case OUT_UNREACHABLE: add_with_reason (job, "starttls.unreachable", s, server); break;
  case OUT_TIMEOUT:
  case OUT_CLOSED: add_with_reason (job, "starttls.no_answer", s, server); break;
  case OUT_REJECTED:
    dsn_job_add (job, "starttls.rejected", "server", server, "reply", reply, NULL);
    break;
  case OUT_NO_TLS_SUPPORT:
    dsn_job_add (job, "starttls.no_tls_support", "error", s->error, NULL);
    break;
  case OUT_NO_STARTTLS: dsn_job_add (job, "starttls.not_offered", "server", server, NULL); break;
  case OUT_TLS_REFUSED:
    dsn_job_add (job, "starttls.tls_refused", "server", server, "reply", reply, NULL);
    break;
  case OUT_HANDSHAKE_FAILED: add_with_reason (job, "starttls.handshake_failed", s, server); break;
  case OUT_TLS: break;
  }
  dane_check (s);
  Host *h = s->host;
  switch (s->dane) {
  case DANE_NONE:
  case DANE_UNSIGNED:
  case DANE_UNUSABLE: break;
  case DANE_NO_TLS:
    dsn_job_add (job, "starttls.dane_no_tls", "server", server, "host", h->name, NULL);
    break;
  case DANE_MATCH:
    dsn_job_add (job, "starttls.dane_ok", "server", server, "host", h->name, "usage",
                 s->dane_usage == 3 ? "DANE-EE" : "DANE-TA", NULL);
    break;
  case DANE_MISMATCH: {
    const Cert *leaf = s->chain->pdata[0];
    dsn_job_add (job, "starttls.dane_mismatch", "server", server, "host", h->name, "spki",
                 leaf->spki_sha256 ? leaf->spki_sha256 : "", NULL);
    break;
  }
  }
  /* Senders that enforce MTA-STS need TLS and a certificate valid for the
   * MX host name (RFC 8461 §4.2). */
  gboolean no_tls = s->outcome == OUT_NO_STARTTLS || s->outcome == OUT_TLS_REFUSED
                    || s->outcome == OUT_HANDSHAKE_FAILED;
  if (enforced (sts_mode) && (no_tls || (s->outcome == OUT_TLS && s->cert_errors)))
    dsn_job_add (job, "starttls.mta_sts_fails", "server", server, "reason@",
                 no_tls ? "starttls_reason.no_tls" : "starttls_reason.certificate", NULL);
  if (s->outcome != OUT_TLS)
    return;
  if (s->version < G_TLS_PROTOCOL_VERSION_TLS_1_2)
    dsn_job_add (job, "starttls.old_tls", "server", server, "version", version_name (s->version),
                 NULL);
  /* With DANE-EE, senders that use DANE look at neither the name, nor the
   * CA, nor the dates (RFC 7672 §3.1.1): the certificate's faults matter
   * only to those that enforce MTA-STS, which are told above. */
  if (!(s->dane == DANE_MATCH && s->dane_usage == 3))
    report_certificate (job, s, server);
  const Cert *leaf = s->chain->len ? s->chain->pdata[0] : NULL;
  g_autofree char *until
      = leaf && leaf->not_after ? g_strndup (leaf->not_after, 10) : g_strdup ("?");
  dsn_job_add (job, "starttls.ok", "server", server, "version", version_name (s->version), "cipher",
               s->cipher ? s->cipher : "?", "until", until, "greeting",
               s->greeting_host && *s->greeting_host ? s->greeting_host : "?", NULL);
}

static void
finish (DsnJob *job)
{
  StState *st = DSN_JOB_STATE (job, DSN_AREA_STARTTLS, StState);
  const char *sts_mode = dsn_mta_sts_mode (job);
  JsonObject *o = dsn_job_data (job, DSN_AREA_STARTTLS);
  if (st->database_error)
    dsn_job_add (job, "starttls.no_tls_support", "error", st->database_error, NULL);
  for (guint i = 0; i < st->sessions->len; i++)
    report_session (job, st->sessions->pdata[i], sts_mode);
  gboolean dane = FALSE;
  for (guint i = 0; i < st->hosts->len; i++) {
    Host *h = st->hosts->pdata[i];
    if (dsn_dns_status_failed (h->status)) {
      g_autofree char *query = g_strdup_printf ("%s TLSA", h->query);
      dsn_job_add (job, "starttls.dns_error", "query", query, "status",
                   dsn_dns_status_to_string (h->status), NULL);
      continue;
    }
    if (!h->tlsa->len)
      continue;
    if (!h->ad) {
      dsn_job_add (job, "starttls.tlsa_not_validated", "host", h->name, NULL);
      continue;
    }
    gboolean usable = FALSE;
    for (guint k = 0; k < h->tlsa->len; k++) {
      Tlsa *t = h->tlsa->pdata[k];
      usable |= dsn_tlsa_usable (t->usage, t->selector, t->matching, g_bytes_get_size (t->data));
    }
    if (usable) {
      dane = TRUE;
    } else {
      g_autofree char *records = tlsa_list (h);
      dsn_job_add (job, "starttls.tlsa_unusable", "host", h->name, "records", records, NULL);
    }
  }
  /* Senders that do DANE ignore MTA-STS (RFC 8461 §2). */
  if (dane && sts_mode)
    dsn_job_add (job, "starttls.dane_and_mta_sts", "mode", sts_mode, NULL);
  if (!st->sessions->len)
    dsn_job_add (job, "starttls.no_server", NULL);
  if (st->untested->len) {
    g_autofree char *list = dsn_strings_join (st->untested, ", ");
    dsn_job_add (job, "starttls.not_all_tested", "count", G_STRINGIFY (MAX_SERVERS), "servers",
                 list, NULL);
  }

  JsonArray *servers = json_array_new ();
  for (guint i = 0; i < st->sessions->len; i++)
    json_array_add_object_element (servers, session_json (st->sessions->pdata[i]));
  json_object_set_array_member (o, "servers", servers);
  JsonArray *tlsa = json_array_new ();
  for (guint i = 0; i < st->hosts->len; i++)
    json_array_add_object_element (tlsa, host_json (st->hosts->pdata[i]));
  json_object_set_array_member (o, "tlsa", tlsa);
  json_object_set_array_member (o, "not_tested", dsn_json_strv (st->untested));
}

DSN_CHECK (starttls) = {
  .area = DSN_AREA_STARTTLS,
  .needs = DSN_AREA_MX,
  .state_size = sizeof (StState),
  .start = start,
  .finish = finish,
  .clear = clear,
};
