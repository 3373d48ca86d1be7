/* Scanners shared by the dialects.
 * SPDX-License-Identifier: BSD-2-Clause */
#include "dialect.h"

#include <string.h>

const char *
dsn_body_find (const DsnInput *in, const char *needle)
{
  return dsn_strcasestr (in->body, needle);
}

gboolean
dsn_from_has (const DsnInput *in, const char *const *needles)
{
  for (; *needles; needles++)
    if (dsn_strcasestr (in->from, *needles))
      return TRUE;
  return FALSE;
}

gboolean
dsn_subject_has (const DsnInput *in, const char *const *needles)
{
  for (; *needles; needles++)
    if (dsn_strcasestr (in->subject, *needles))
      return TRUE;
  return FALSE;
}

gboolean
dsn_header_has (const DsnInput *in, const char *name, const char *needle)
{
  const char *v = dsn_input_header (in, name);
  if (!v)
    return FALSE;
  return !needle || dsn_strcasestr (v, needle);
}

const char *
dsn_next_line (const char *p)
{
  const char *nl = strchr (p, '\n');
  return nl ? nl + 1 : p + strlen (p);
}

const char *
dsn_line_start (const char *text, const char *p)
{
  while (p > text && p[-1] != '\n')
    p--;
  return p;
}

const char *
dsn_text_find_command (const char *text)
{
  if (!text)
    return NULL;
  static const struct {
    const char *phrase;
    const char *command;
  } map[] = {
    /* Postfix: "(in reply to RCPT TO command)" */
    { "in reply to rcpt to", "RCPT" },
    { "in reply to mail from", "MAIL" },
    { "in reply to end of data", "DATA" },
    { "in reply to data", "DATA" },
    { "in reply to helo", "HELO" },
    { "in reply to ehlo", "HELO" },
    { "in reply to starttls", "STARTTLS" },
    { "in reply to auth", "AUTH" },
    { "while receiving the initial server greeting", "CONN" },
    { "while performing the smtp handshake", "CONN" },
    /* Exim: "SMTP error from remote mail server after RCPT TO:<...>:" */
    { "after pipelined rcpt to", "RCPT" },
    { "after rcpt to", "RCPT" },
    { "after mail from", "MAIL" },
    { "after pipelined mail from", "MAIL" },
    { "after end of data", "DATA" },
    { "after pipelined data", "DATA" },
    { "after data", "DATA" },
    { "after initial connection", "CONN" },
    { "after ehlo", "HELO" },
    { "after helo", "HELO" },
    { "after starttls", "STARTTLS" },
    /* Sendmail transcript: ">>> RCPT To:<...>" */
    { ">>> rcpt to", "RCPT" },
    { ">>> mail from", "MAIL" },
    { ">>> data", "DATA" },
    { ">>> ehlo", "HELO" },
    { ">>> helo", "HELO" },
    { "rcpt to:", "RCPT" },
    { "mail from:", "MAIL" },
    { "end of data", "DATA" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (map); i++)
    if (dsn_strcasestr (text, map[i].phrase))
      return map[i].command;
  return NULL;
}

void
dsn_recipient_set_diagnostic (DsnRecipient *r, const char *text, gssize len)
{
  dsn_set_len (&r->diagnostic, text, len);
  dsn_text_squeeze (r->diagnostic);
  if (r->diagnostic && !*r->diagnostic) {
    g_free (r->diagnostic);
    r->diagnostic = NULL;
  }
}

/* The paragraph around P: from the start of its line to the next blank line. */
static char *
paragraph_at (const char *text, const char *p)
{
  const char *s = dsn_line_start (text, p);
  const char *e = s;
  while (*e) {
    const char *nl = strchr (e, '\n');
    if (!nl) {
      e += strlen (e);
      break;
    }
    e = nl + 1;
    const char *q = e;
    while (*q == ' ' || *q == '\t')
      q++;
    if (*q == '\n' || !*q)
      break;
  }
  char *out = g_strndup (s, e - s);
  return dsn_text_squeeze (out);
}

void
dsn_fill_diagnostics_from_text (DsnReport *rep, const char *text)
{
  if (!text || !*text)
    return;
  for (guint i = 0; i < rep->recipients->len; i++) {
    DsnRecipient *r = rep->recipients->pdata[i];
    if (r->diagnostic || !r->address || !*r->address)
      continue;
    const char *at = dsn_strcasestr (text, r->address);
    if (!at && r->original)
      at = dsn_strcasestr (text, r->original);
    if (!at)
      continue;
    char *para = paragraph_at (text, at);
    if (para && *para && strlen (para) > strlen (r->address) + 2)
      r->diagnostic = para;
    else
      g_free (para);
  }
}

static gboolean
is_blank_line (const char *line, gsize len)
{
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isspace (line[i]))
      return FALSE;
  return TRUE;
}

/* Addresses that appear in report prose but are never the failed recipient. */
static gboolean
is_service_address (const char *addr)
{
  return dsn_has_prefix_ci (addr, "mailer-daemon@") || dsn_has_prefix_ci (addr, "postmaster@");
}

guint
dsn_scan_address_paragraphs (DsnReport *rep, const char *start, const char *end)
{
  guint found = 0;
  DsnRecipient *cur = NULL;
  GString *diag = g_string_new (NULL);
  const char *p = start;
  while (p < end) {
    const char *nl = memchr (p, '\n', end - p);
    const char *le = nl ? nl : end;
    gsize len = le - p;
    if (is_blank_line (p, len)) {
      if (cur && diag->len) {
        dsn_recipient_set_diagnostic (cur, diag->str, diag->len);
        g_string_truncate (diag, 0);
        cur = NULL;
      }
    } else {
      g_autofree char *addr = dsn_text_find_address_len (p, len);
      if (addr && !is_service_address (addr) && !dsn_report_find_recipient (rep, addr)) {
        if (cur && diag->len)
          dsn_recipient_set_diagnostic (cur, diag->str, diag->len);
        g_string_truncate (diag, 0);
        cur = dsn_report_add_recipient (rep, addr);
        found++;
        g_string_append_len (diag, p, len);
      } else if (cur) {
        g_string_append_c (diag, ' ');
        g_string_append_len (diag, p, len);
      }
    }
    p = nl ? nl + 1 : end;
  }
  if (cur && diag->len)
    dsn_recipient_set_diagnostic (cur, diag->str, diag->len);
  g_string_free (diag, TRUE);
  return found;
}

const char *
dsn_find_returned_marker (const char *text)
{
  static const char *const markers[] = {
    "------ This is a copy of the message, including all the headers.",
    "--- Below this line is a copy of the message.",
    "----- Original message -----",
    "------ Original message ------",
    "----- Unsent message follows -----",
    "----- Original message follows -----",
    "------ Returned message follows ------",
    "--- The header of the original message is following. ---",
    "Original message follows.",
    "Below is a copy of the original message:",
    "Content-Type: message/rfc822",
    "----- Message header follows -----",
    "------ The body of the message is",
    NULL,
  };
  const char *best = NULL;
  for (const char *const *m = markers; *m; m++) {
    const char *p = dsn_strcasestr (text, *m);
    if (p && (!best || p < best))
      best = p;
  }
  return best ? dsn_next_line (best) : NULL;
}

/* ------------------------------------------------------------ Unix MTAs */

gboolean
dsn_unix_next_line (const char **pos, const char *end, const char **line, gsize *len)
{
  const char *p = *pos;
  if (!p || p >= end)
    return FALSE;
  const char *nl = memchr (p, '\n', end - p);
  *line = p;
  *len = (nl ? nl : end) - p;
  *pos = nl ? nl + 1 : end;
  return TRUE;
}

const char *
dsn_unix_report_text (const DsnInput *in)
{
  if (in->first_text && *in->first_text)
    return in->first_text;
  if (in->body && *in->body)
    return in->body;
  const char *p = strstr (in->raw, "\n\n");
  return p ? p + 2 : "";
}

/* "X.0.0" tells the class and nothing more. */
static gboolean
is_generic_status (const char *s)
{
  return strlen (s) == 5 && s[2] == '0' && s[4] == '0';
}

void
dsn_unix_prefer_reply_status (DsnRecipient *r)
{
  char code[12];
  if (!r->diagnostic || !dsn_text_find_status (r->diagnostic, code))
    return;
  if (r->status) {
    if (strcmp (code, r->status) == 0 || code[0] != r->status[0] || is_generic_status (code))
      return;
  }
  dsn_set (&r->status, code);
  r->status_source = DSN_SOURCE_TEXT;
}

char *
dsn_unix_host_at (const char *p)
{
  while (*p == ' ' || *p == '\t')
    p++;
  if (*p == '[') {
    const char *close = strchr (p, ']');
    return close && close > p + 1 ? g_strndup (p + 1, close - p - 1) : NULL;
  }
  const char *e = p;
  while (*e && (g_ascii_isalnum (*e) || *e == '.' || *e == '-' || *e == '_' || *e == ':'))
    e++;
  /* A trailing dot ends a sentence or a fully qualified name; a colon ends a
   * heading ("192.0.2.1:"). */
  while (e > p && (e[-1] == '.' || e[-1] == ':'))
    e--;
  return e > p ? g_strndup (p, e - p) : NULL;
}

void
dsn_unix_clean_remote_mta (DsnRecipient *r)
{
  if (!r->remote_mta)
    return;
  char *host = dsn_unix_host_at (r->remote_mta);
  g_free (r->remote_mta);
  r->remote_mta = host;
}

void
dsn_unix_finish (DsnReport *rep)
{
  for (guint i = 0; i < rep->recipients->len; i++) {
    DsnRecipient *r = rep->recipients->pdata[i];
    if (r->action == DSN_ACTION_NONE)
      r->action = DSN_ACTION_FAILED;
    if (r->diagnostic && !*r->diagnostic)
      g_clear_pointer (&r->diagnostic, g_free);
    if (!r->command)
      dsn_set (&r->command, dsn_text_find_command (r->diagnostic));
    dsn_unix_prefer_reply_status (r);
    dsn_unix_clean_remote_mta (r);
  }
}

gboolean
dsn_unix_line_has_address (const char *line, gsize len, const char *address)
{
  gsize n = strlen (address);
  if (n == 0 || n > len)
    return FALSE;
  for (gsize i = 0; i + n <= len; i++) {
    if (g_ascii_strncasecmp (line + i, address, n) != 0)
      continue;
    gboolean left = i == 0 || !(g_ascii_isalnum (line[i - 1]) || strchr (".-_+=%", line[i - 1]));
    gboolean right =
        i + n == len ||
        !(g_ascii_isalnum (line[i + n]) || strchr ("-_", line[i + n]) ||
          (line[i + n] == '.' && i + n + 1 < len && g_ascii_isalnum (line[i + n + 1])));
    if (left && right)
      return TRUE;
  }
  return FALSE;
}

/* One exchange of a transcript: a command, the reply it got and the MTA's
 * own lines that follow. */
typedef struct {
  const char *host; /* in the text, up to host_len */
  gsize host_len;
  const char *command; /* static */
  const char *command_line;
  gsize command_len;
  GString *reply;     /* "<<<" lines joined by newlines, or NULL */
  GString *after;     /* the lines that follow the reply */
  gboolean pipelined; /* another reply to the same batch of commands */
} Exchange;

static void
exchange_clear (gpointer p)
{
  Exchange *x = p;
  if (x->reply)
    g_string_free (x->reply, TRUE);
  if (x->after)
    g_string_free (x->after, TRUE);
}

static const char *
transcript_command (const char *p, gsize len)
{
  static const struct {
    const char *verb;
    const char *command;
  } map[] = {
    { "RCPT", "RCPT" }, { "MAIL", "MAIL" }, { "DATA", "DATA" },
    { "EHLO", "HELO" }, { "HELO", "HELO" }, { "STARTTLS", "STARTTLS" },
    { "QUIT", "QUIT" }, { "AUTH", "AUTH" }, { "RSET", "RSET" },
    { ".", "DATA" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (map); i++) {
    gsize n = strlen (map[i].verb);
    if (len >= n && g_ascii_strncasecmp (p, map[i].verb, n) == 0 &&
        (len == n || !g_ascii_isalpha (p[n])))
      return map[i].command;
  }
  return NULL;
}

static gboolean
exchange_names (const Exchange *x, const char *address)
{
  return (x->command_line &&
          dsn_unix_line_has_address (x->command_line, x->command_len, address)) ||
         (x->reply && dsn_unix_line_has_address (x->reply->str, x->reply->len, address)) ||
         (x->after && dsn_unix_line_has_address (x->after->str, x->after->len, address));
}

static Exchange *
new_exchange (GArray *xs, const char *host, gsize host_len)
{
  g_array_set_size (xs, xs->len + 1);
  Exchange *x = &g_array_index (xs, Exchange, xs->len - 1);
  x->host = host;
  x->host_len = host_len;
  return x;
}

/* Splits a transcript into exchanges. The MTA's lines after a reply belong
 * to its exchange up to the first that names a recipient ("550 5.1.1
 * <user@example.org>... User unknown"): the lines after that are about
 * other recipients (Sendmail 5 lists them all after one session). */
static GArray *
read_exchanges (const char *start, const char *end)
{
  GArray *xs = g_array_new (FALSE, TRUE, sizeof (Exchange));
  g_array_set_clear_func (xs, exchange_clear);
  const char *host = NULL;
  gsize host_len = 0;
  Exchange *cur = NULL;
  gboolean in_reply = FALSE, closed = FALSE;
  const char *pos = start, *line;
  gsize len;
  while (dsn_unix_next_line (&pos, end, &line, &len)) {
    const char *le = line + len;
    while (len && (*line == ' ' || *line == '\t'))
      line++, len--;
    const char *talk = len > 16 ? g_strstr_len (line, len, "hile talking to ") : NULL;
    if (talk) {
      /* "... while talking to mx.example.org.:" (Sendmail 8),
       * "While talking to mx.example.org:" (Sendmail 5) */
      host = talk + 16;
      host_len = le - host;
      while (host_len && (host[host_len - 1] == ':' || host[host_len - 1] == '.' ||
                          g_ascii_isspace (host[host_len - 1])))
        host_len--;
      cur = NULL;
      in_reply = closed = FALSE;
    } else if (len >= 4 && strncmp (line, ">>> ", 4) == 0) {
      if (!cur || cur->reply || cur->command)
        cur = new_exchange (xs, host, host_len);
      cur->command = transcript_command (line + 4, len - 4);
      cur->command_line = line + 4;
      cur->command_len = len - 4;
      in_reply = closed = FALSE;
    } else if (len >= 4 && strncmp (line, "<<< ", 4) == 0) {
      if (!cur || (cur->reply && !in_reply)) {
        /* With PIPELINING, Sendmail shows the last command of a batch and
         * then each reply in turn. */
        const char *command = cur ? cur->command : NULL;
        gboolean pipelined = cur != NULL;
        cur = new_exchange (xs, host, host_len);
        cur->command = command;
        cur->pipelined = pipelined;
      }
      if (!cur->reply)
        cur->reply = g_string_new (NULL);
      else
        g_string_append_c (cur->reply, '\n');
      g_string_append_len (cur->reply, line + 4, len - 4);
      in_reply = TRUE;
      closed = FALSE;
    } else {
      in_reply = FALSE;
      if (cur && !closed && len) {
        if (!cur->after)
          cur->after = g_string_new (NULL);
        g_string_append_len (cur->after, line, len);
        g_string_append_c (cur->after, '\n');
        closed = g_strstr_len (line, len, "... ") && memchr (line, '@', len);
      }
    }
  }
  return xs;
}

gboolean
dsn_unix_says_nothing (const char *diagnostic)
{
  if (!diagnostic || !*diagnostic)
    return TRUE;
  for (const char *p = diagnostic; *p; p++)
    if (!g_ascii_isdigit (*p))
      return FALSE;
  return TRUE;
}

gboolean
dsn_unix_read_transcript (DsnRecipient *r, const char *start, const char *end, gboolean named_only)
{
  g_autoptr (GArray) xs = read_exchanges (start, end);
  const Exchange *named = NULL, *commanded = NULL, *last = NULL;
  gboolean batched = FALSE;
  for (guint i = 0; i < xs->len; i++) {
    const Exchange *x = &g_array_index (xs, Exchange, i);
    if (!commanded && x->command_line &&
        dsn_unix_line_has_address (x->command_line, x->command_len, r->address))
      commanded = x;
    if (!x->reply)
      continue;
    if (!named && exchange_names (x, r->address)) {
      named = x;
      batched = i + 1 < xs->len && g_array_index (xs, Exchange, i + 1).pipelined;
    }
    /* A reply to another recipient's RCPT, or to QUIT, is not about R. */
    if (x->command != NULL &&
        (strcmp (x->command, "QUIT") == 0 || strcmp (x->command, "RCPT") == 0))
      continue;
    last = x;
  }
  const Exchange *x = named ? named : named_only ? NULL : last;
  if (!x)
    return FALSE;
  g_autofree char *reply = dsn_text_squeeze (g_strdup (x->reply->str));
  g_autofree char *current = r->diagnostic ? dsn_text_squeeze (g_strdup (r->diagnostic)) : NULL;
  /* The reply replaces a diagnostic that is empty, an exit code, or the
   * first line of the same reply. */
  if (dsn_unix_says_nothing (current) ||
      (g_str_has_prefix (reply, current) && strlen (reply) > strlen (current)))
    dsn_recipient_set_diagnostic (r, reply, -1);
  const char *command = commanded ? commanded->command : x->command;
  /* A reply about R followed by more replies to the batch that ended with
   * DATA answered R's RCPT. */
  if (!commanded && named && batched && g_strcmp0 (command, "DATA") == 0)
    command = "RCPT";
  if (!r->command)
    dsn_set (&r->command, command ? command : "CONN");
  if (!r->remote_mta && x->host)
    dsn_set_len (&r->remote_mta, x->host, x->host_len);
  return TRUE;
}

char *
dsn_unix_verdict_address (const char *line, gsize len, const char **text)
{
  const char *p = line, *end = line + len;
  /* An optional reply code and status code. */
  if (len > 4 && g_ascii_isdigit (p[0]) && g_ascii_isdigit (p[1]) && g_ascii_isdigit (p[2]) &&
      p[3] == ' ') {
    p += 4;
    char code[12];
    if (dsn_text_find_status (p, code) == p && p + strlen (code) < end && p[strlen (code)] == ' ')
      p += strlen (code) + 1;
  }
  if (p >= end || *p != '<')
    return NULL;
  const char *close = memchr (p, '>', end - p);
  if (!close || end - close < 4 || strncmp (close + 1, "...", 3) != 0)
    return NULL;
  char *addr = g_strndup (p + 1, close - p - 1);
  if (!dsn_text_is_address (addr)) {
    g_free (addr);
    return NULL;
  }
  *text = close + 4;
  return addr;
}

guint
dsn_unix_add_listed (DsnReport *rep, const char *start, const char *end, const char *marker)
{
  guint added = 0;
  gsize n = strlen (marker);
  const char *pos = start, *line;
  gsize len;
  while (dsn_unix_next_line (&pos, end, &line, &len)) {
    while (len && (*line == ' ' || *line == '\t'))
      line++, len--;
    if (len <= n || g_ascii_strncasecmp (line, marker, n) != 0)
      continue;
    g_autofree char *addr = dsn_text_find_address_len (line + n, len - n);
    if (addr && !dsn_report_find_recipient (rep, addr)) {
      dsn_report_add_recipient (rep, addr);
      added++;
    }
  }
  return added;
}

DsnRecipient *
dsn_unix_add_returned_recipient (DsnReport *rep)
{
  const char *to = dsn_report_get_original_header (rep, "To");
  g_autofree char *addr = to ? dsn_text_find_address (to) : NULL;
  return addr ? dsn_report_add_recipient (rep, addr) : NULL;
}

/* A line of TEXT that starts with FIELD ":" (case-insensitive), or NULL. */
static const char *
field_line (const char *text, const char *field)
{
  gsize n = strlen (field);
  for (const char *p = dsn_strcasestr (text, field); p; p = dsn_strcasestr (p + 1, field))
    if ((p == text || p[-1] == '\n') && p[n] == ':')
      return p;
  return NULL;
}

/* TRUE if the LEN bytes at NAME are a field of RFC 3464 §2.2 and §2.3, or an
 * extension (§2.4: "X-"). */
static gboolean
is_status_field (const char *name, gsize len)
{
  static const char *const fields[] = {
    "Reporting-MTA",
    "DSN-Gateway",
    "Received-From-MTA",
    "Arrival-Date",
    "Original-Envelope-Id",
    "Original-Recipient",
    "Final-Recipient",
    "Action",
    "Status",
    "Remote-MTA",
    "Diagnostic-Code",
    "Last-Attempt-Date",
    "Final-Log-ID",
    "Will-Retry-Until",
  };
  if (len > 2 && g_ascii_strncasecmp (name, "X-", 2) == 0)
    return TRUE;
  for (gsize i = 0; i < G_N_ELEMENTS (fields); i++)
    if (strlen (fields[i]) == len && g_ascii_strncasecmp (name, fields[i], len) == 0)
      return TRUE;
  return FALSE;
}

guint
dsn_unix_read_fields (DsnReport *rep, const char *text)
{
  static const char *const first_fields[] = { "Reporting-MTA", "Original-Envelope-Id",
                                              "Final-Recipient", "Original-Recipient", NULL };
  const char *start = NULL;
  for (const char *const *f = first_fields; *f; f++) {
    const char *p = field_line (text, *f);
    if (p && (!start || p < start))
      start = p;
  }
  if (!start)
    return 0;
  /* Up to the first line that is neither a delivery-status field, a folded
   * line nor blank: the returned message's header often follows. */
  const char *end = start;
  while (*end) {
    const char *q = end;
    gboolean ok = *q == '\n' || *q == ' ' || *q == '\t';
    if (!ok) {
      while (*q && *q != ':' && *q != '\n' && *q > ' ')
        q++;
      ok = *q == ':' && is_status_field (end, q - end);
    }
    if (!ok)
      break;
    end = dsn_next_line (end);
  }
  return dsn_rfc3464_parse (rep, start, end - start);
}

char *
dsn_unix_unquote (const char *text)
{
  /* Quoted if most non-blank lines start with '>'. */
  guint quoted = 0, lines = 0;
  const char *pos = text, *line;
  gsize len;
  while (dsn_text_next_line (&pos, &line, &len)) {
    if (len == 0)
      continue;
    lines++;
    if (line[0] == '>')
      quoted++;
  }
  if (lines == 0 || quoted * 2 < lines)
    return NULL;
  GString *out = g_string_sized_new (strlen (text));
  pos = text;
  while (dsn_text_next_line (&pos, &line, &len)) {
    if (len && line[0] == '>') {
      line++, len--;
      if (len && line[0] == ' ')
        line++, len--;
    }
    g_string_append_len (out, line, len);
    g_string_append_c (out, '\n');
  }
  return g_string_free (out, FALSE);
}

/* ------------------------------------------------------------ providers */

/* ------------------------------------------------------------ gateways and regional providers */
