/* Scanners shared by the dialects.
 * SPDX-License-Identifier: BSD-2-Clause */
#include "dialect.h"

#include <string.h>

const char *
dsn_body_find (const DsnInput *in, const char *needle)
{
  return dsn_strcasestr (in->body, needle);
}

const char *
dsn_input_report_text (const DsnInput *in)
{
  return in->first_text && *in->first_text ? in->first_text : in->body;
}

const char *
dsn_body_find_any (const DsnInput *in, const char *const *needles)
{
  for (; *needles; needles++) {
    const char *p = dsn_body_find (in, *needles);
    if (p)
      return p;
  }
  return NULL;
}

/* Senders and subjects are compared folded, so that "ÉCHEC DE LA REMISE"
 * and "Echec de la remise" match "échec de la remise". */
static gboolean
folded_has (const char *folded, const char *const *needles)
{
  for (; *needles; needles++)
    if (dsn_text_fold_find (folded, *needles))
      return TRUE;
  return FALSE;
}

gboolean
dsn_from_has (const DsnInput *in, const char *const *needles)
{
  return folded_has (in->from_folded ? in->from_folded : "", needles);
}

gboolean
dsn_subject_has (const DsnInput *in, const char *const *needles)
{
  return folded_has (in->subject_folded ? in->subject_folded : "", needles);
}

gboolean
dsn_text_has_folded (const char *text, const char *const *needles)
{
  if (!text)
    return FALSE;
  g_autofree char *folded = dsn_text_fold (text);
  return folded_has (folded, needles);
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

/* A line that names no recipient though it holds an address: a message
 * identifier, or a header field of the returned message that names the
 * sender or a relay. */
static gboolean
names_no_recipient (const char *line, gsize len)
{
  static const char *const fields[]
      = { "Message-ID:",  "In-Reply-To:",    "References:", "Original-Envelope-Id:",
          "Return-Path:", "Received:",       "From:",       "Sender:",
          "Reply-To:",    "DKIM-Signature:", NULL };
  for (const char *const *f = fields; *f; f++) {
    gsize n = strlen (*f);
    if (len >= n && g_ascii_strncasecmp (line, *f, n) == 0)
      return TRUE;
  }
  return FALSE;
}

guint
dsn_scan_address_paragraphs (DsnReport *rep, const char *start, const char *end)
{
  guint found = 0;
  DsnRecipient *cur = NULL;
  GString *diag = g_string_new (NULL);
  /* Those this scan adds, by address: a hostile report of thousands of
   * address lines must not cost a search of the whole list for each. */
  guint had = rep->recipients->len;
  g_autoptr (GHashTable) added = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
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
      g_autofree char *addr
          = names_no_recipient (p, len) ? NULL : dsn_text_find_address_len (p, len);
      g_autofree char *key = addr ? g_ascii_strdown (addr, -1) : NULL;
      if (addr && !is_service_address (addr) && !g_hash_table_contains (added, key)
          && !dsn_report_find_recipient_n (rep, addr, had)) {
        if (cur && diag->len)
          dsn_recipient_set_diagnostic (cur, diag->str, diag->len);
        g_string_truncate (diag, 0);
        cur = dsn_report_add_recipient (rep, addr);
        g_hash_table_add (added, g_steal_pointer (&key));
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
    "--- Der Header der ursprünglichen Nachricht folgt. ---",
    "Original message follows.",
    "Below is a copy of the original message:",
    "Content-Type: message/rfc822",
    "----- Message header follows -----",
    "------ The body of the message is",
    /* The same separators, translated by providers or by the MTA's own
     * localized templates. */
    "------ Ceci est une copie du message",
    "----- Message d'origine -----",
    "------ Message d'origine ------",
    "----- Message original -----",
    "------ Message original ------",
    "--- Ci-dessous se trouve une copie du message",
    "Voici une copie du message d'origine",
    "Le message d'origine suit.",
    "------ Dies ist eine Kopie der Nachricht",
    "----- Ursprüngliche Nachricht -----",
    "------ Ursprüngliche Nachricht ------",
    "--- Unterhalb dieser Zeile folgt eine Kopie der Nachricht",
    "Die ursprüngliche Nachricht folgt.",
    "------ Questa è una copia del messaggio",
    "----- Messaggio originale -----",
    "------ Messaggio originale ------",
    "--- Sotto questa riga c'è una copia del messaggio",
    "Segue il messaggio originale.",
    "------ Esta es una copia del mensaje",
    "----- Mensaje original -----",
    "------ Mensaje original ------",
    "--- Debajo de esta línea hay una copia del mensaje",
    "Sigue el mensaje original.",
    NULL,
  };
  const char *best = NULL;
  /* Most separators start with a rule of dashes: look at each run of three
   * or more instead of scanning the text once per separator. A separator
   * of D dashes can only match where a run of as many or more ends. */
  for (const char *p = strstr (text, "---"); p; p = strstr (p, "---")) {
    const char *run = p;
    while (*p == '-')
      p++;
    gsize k = p - run;
    for (const char *const *m = markers; *m; m++) {
      gsize d = strspn (*m, "-");
      if (d >= 3 && d <= k && g_ascii_strncasecmp (p - d, *m, strlen (*m)) == 0
          && (!best || p - d < best))
        best = p - d;
    }
    if (best)
      break;
  }
  for (const char *const *m = markers; *m; m++) {
    if ((*m)[0] == '-' && (*m)[1] == '-' && (*m)[2] == '-')
      continue;
    const char *p = dsn_strcasestr (text, *m);
    if (p && (!best || p < best))
      best = p;
  }
  return best ? dsn_next_line (best) : NULL;
}

/* The length of the header field name LINE starts with, if it is one of the
 * fields a returned header block shows first; 0 otherwise. *STRONG is set
 * for the fields no report prose writes. */
static gsize
returned_field (const char *line, const char *end, gboolean *strong)
{
  static const struct {
    const char *name;
    gboolean strong;
  } fields[] = {
    { "Message-ID", TRUE },
    { "Received", TRUE },
    { "Return-Path", TRUE },
    { "MIME-Version", TRUE },
    { "Date", FALSE },
    { "From", FALSE },
    { "To", FALSE },
    { "Cc", FALSE },
    { "Subject", FALSE },
    { "Reply-To", FALSE },
    { "Sender", FALSE },
    { "Content-Type", FALSE },
    { "Content-Transfer-Encoding", FALSE },
    { "DKIM-Signature", TRUE },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (fields); i++) {
    gsize n = strlen (fields[i].name);
    if ((gsize)(end - line) > n && line[n] == ':'
        && g_ascii_strncasecmp (line, fields[i].name, n) == 0) {
      *strong = fields[i].strong;
      return n;
    }
  }
  return 0;
}

const char *
dsn_find_header_block (const char *text, const char *end)
{
  const char *block = NULL;
  guint fields = 0;
  gboolean strong = FALSE;
  for (const char *p = text; p < end && *p; p = dsn_next_line (p)) {
    const char *le = memchr (p, '\n', end - p);
    if (!le)
      le = end;
    gboolean s = FALSE;
    if (block && (*p == ' ' || *p == '\t') && !is_blank_line (p, le - p))
      continue; /* a folded field goes on */
    if (returned_field (p, le, &s)) {
      if (!block)
        block = p;
      fields++;
      strong |= s;
      if (fields >= 3 && strong)
        return block;
    } else {
      block = NULL;
      fields = 0;
      strong = FALSE;
    }
  }
  return NULL;
}

/* A line of TEXT that starts with FIELD ":" (case-insensitive), or NULL. */
const char *
dsn_field_line (const char *text, const char *field)
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
dsn_read_inline_fields (DsnReport *rep, const char *text)
{
  static const char *const first_fields[]
      = { "Reporting-MTA", "Original-Envelope-Id", "Final-Recipient", "Original-Recipient", NULL };
  const char *start = NULL;
  for (const char *const *f = first_fields; *f; f++) {
    const char *p = dsn_field_line (text, *f);
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

void
dsn_finish_recipients (DsnReport *rep)
{
  for (guint i = 0; i < rep->recipients->len; i++) {
    DsnRecipient *r = rep->recipients->pdata[i];
    if (r->action == DSN_ACTION_NONE)
      r->action = DSN_ACTION_FAILED;
    if (r->diagnostic && !*r->diagnostic)
      g_clear_pointer (&r->diagnostic, g_free);
    if (!r->command)
      dsn_set (&r->command, dsn_text_find_command (r->diagnostic));
  }
}

/* ------------------------------------------------------------ Unix MTAs */

const char *
dsn_unix_report_text (const DsnInput *in)
{
  const char *t = dsn_input_report_text (in);
  if (t && *t)
    return t;
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
  dsn_finish_recipients (rep);
  for (guint i = 0; i < rep->recipients->len; i++) {
    DsnRecipient *r = rep->recipients->pdata[i];
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
    gboolean right
        = i + n == len
          || !(g_ascii_isalnum (line[i + n]) || strchr ("-_", line[i + n])
               || (line[i + n] == '.' && i + n + 1 < len && g_ascii_isalnum (line[i + n + 1])));
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
    if (len >= n && g_ascii_strncasecmp (p, map[i].verb, n) == 0
        && (len == n || !g_ascii_isalpha (p[n])))
      return map[i].command;
  }
  return NULL;
}

static gboolean
exchange_names (const Exchange *x, const char *address)
{
  return (x->command_line && dsn_unix_line_has_address (x->command_line, x->command_len, address))
         || (x->reply && dsn_unix_line_has_address (x->reply->str, x->reply->len, address))
         || (x->after && dsn_unix_line_has_address (x->after->str, x->after->len, address));
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
  while (dsn_text_next_line_until (&pos, end, &line, &len)) {
    const char *le = line + len;
    while (len && (*line == ' ' || *line == '\t'))
      line++, len--;
    const char *talk = len > 16 ? g_strstr_len (line, len, "hile talking to ") : NULL;
    if (talk) {
      /* "... while talking to mx.example.org.:" (Sendmail 8),
       * "While talking to mx.example.org:" (Sendmail 5) */
      host = talk + 16;
      host_len = le - host;
      while (host_len
             && (host[host_len - 1] == ':' || host[host_len - 1] == '.'
                 || g_ascii_isspace (host[host_len - 1])))
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
    if (!commanded && x->command_line
        && dsn_unix_line_has_address (x->command_line, x->command_len, r->address))
      commanded = x;
    if (!x->reply)
      continue;
    if (!named && exchange_names (x, r->address)) {
      named = x;
      batched = i + 1 < xs->len && g_array_index (xs, Exchange, i + 1).pipelined;
    }
    /* A reply to another recipient's RCPT, or to QUIT, is not about R. */
    if (x->command != NULL
        && (strcmp (x->command, "QUIT") == 0 || strcmp (x->command, "RCPT") == 0))
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
  if (dsn_unix_says_nothing (current)
      || (g_str_has_prefix (reply, current) && strlen (reply) > strlen (current)))
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
  if (len > 4 && g_ascii_isdigit (p[0]) && g_ascii_isdigit (p[1]) && g_ascii_isdigit (p[2])
      && p[3] == ' ') {
    p += 4;
    char code[12];
    if (dsn_text_status_at (p, code) && p + strlen (code) < end && p[strlen (code)] == ' ')
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
  while (dsn_text_next_line_until (&pos, end, &line, &len)) {
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

static void
move_string (char **to, char **from)
{
  if (!*to && *from) {
    *to = *from;
    *from = NULL;
  }
}

void
dsn_provider_join_split_recipients (DsnReport *rep)
{
  for (guint i = 0; i + 1 < rep->recipients->len;) {
    DsnRecipient *a = rep->recipients->pdata[i];
    DsnRecipient *b = rep->recipients->pdata[i + 1];
    gboolean halves = a->address && b->address && g_ascii_strcasecmp (a->address, b->address) == 0
                      && !(a->status && b->status) && !(a->diagnostic && b->diagnostic)
                      && !(a->action != DSN_ACTION_NONE && b->action != DSN_ACTION_NONE);
    if (!halves) {
      i++;
      continue;
    }
    if (b->action == DSN_ACTION_NONE)
      b->action = a->action;
    if (!b->status) {
      move_string (&b->status, &a->status);
      b->status_source = a->status_source;
    }
    if (!b->diagnostic) {
      move_string (&b->diagnostic, &a->diagnostic);
      g_free (b->diagnostic_type);
      b->diagnostic_type = g_steal_pointer (&a->diagnostic_type);
    }
    move_string (&b->original, &a->original);
    move_string (&b->reply_code, &a->reply_code);
    move_string (&b->remote_mta, &a->remote_mta);
    move_string (&b->command, &a->command);
    move_string (&b->last_attempt, &a->last_attempt);
    move_string (&b->will_retry_until, &a->will_retry_until);
    if (a->extensions) {
      if (!b->extensions)
        b->extensions = g_ptr_array_new_with_free_func (g_free);
      for (guint k = 0; k < a->extensions->len; k++)
        g_ptr_array_add (b->extensions, g_strdup (a->extensions->pdata[k]));
    }
    g_ptr_array_remove_index (rep->recipients, i);
  }
}

void
dsn_provider_refine_status (DsnRecipient *r)
{
  char code[12];
  if (!r->diagnostic || !dsn_text_find_status (r->diagnostic, code))
    return;
  gboolean class_only = r->status && g_str_has_suffix (r->status, ".0.0");
  if (r->status && !(class_only && code[0] == r->status[0] && !g_str_has_suffix (code, ".0.0")))
    return;
  dsn_set (&r->status, code);
  r->status_source = DSN_SOURCE_TEXT;
}

const char *
dsn_provider_report_end (const DsnInput *in, const char *text)
{
  const char *after = dsn_find_returned_marker (text);
  if (!after)
    return text + strlen (text);
  dsn_input_set_returned_text (in, after);
  /* AFTER is the line after the separator. */
  return dsn_line_start (text, after > text ? after - 1 : after);
}

gboolean
dsn_provider_take_wrapped_reply (DsnRecipient *r)
{
  const char *expired = r->diagnostic ? dsn_strcasestr (r->diagnostic, "expired") : NULL;
  const char *inner = expired ? strchr (expired, '<') : NULL;
  char code[12], reply[4];
  /* The answer starts right after the '<' with its reply code. */
  if (!inner || dsn_text_find_reply_code (inner + 1, reply) != inner + 1
      || !dsn_text_find_status (inner + 1, code))
    return FALSE;
  dsn_set (&r->reply_code, reply);
  dsn_set (&r->status, code);
  r->status_source = DSN_SOURCE_TEXT;
  r->reason_hint = "expired";
  return TRUE;
}

guint
dsn_provider_add_failed_recipients (const DsnInput *in)
{
  const char *value = dsn_input_header (in, "X-Failed-Recipients");
  if (!value)
    return 0;
  guint added = 0;
  g_auto (GStrv) parts = g_strsplit (value, ",", -1);
  for (char **p = parts; *p; p++) {
    g_autofree char *addr = dsn_text_find_address (*p);
    if (!addr || dsn_report_find_recipient (in->report, addr))
      continue;
    DsnRecipient *r = dsn_report_add_recipient (in->report, addr);
    r->action = DSN_ACTION_FAILED;
    added++;
  }
  return added;
}

char *
dsn_provider_text_after (const char *text, const char *marker)
{
  const char *p = dsn_strcasestr (text, marker);
  if (!p)
    return NULL;
  const char *end = p + strlen (p);
  p += strlen (marker);
  /* Blank lines between the heading and its text do not end it; French
   * typography puts a (no-break) space before the heading's colon. */
  const char *s = p;
  for (;;) {
    if (s < end && (g_ascii_isspace (*s) || *s == ':'))
      s++;
    else if (g_str_has_prefix (s, "\xc2\xa0")) /* U+00A0 */
      s += 2;
    else if (g_str_has_prefix (s, "\xe2\x80\xaf")) /* U+202F */
      s += 3;
    else
      break;
  }
  const char *e = s;
  while (e < end) {
    const char *nl = memchr (e, '\n', end - e);
    if (!nl) {
      e = end;
      break;
    }
    const char *q = nl + 1;
    while (q < end && (*q == ' ' || *q == '\t'))
      q++;
    if (q >= end || *q == '\n') {
      e = nl;
      break;
    }
    e = nl + 1;
  }
  if (e <= s)
    return NULL;
  char *out = dsn_text_squeeze (g_strndup (s, e - s));
  if (!*out) {
    g_free (out);
    return NULL;
  }
  return out;
}

/* An address standing alone on its line, maybe quoted, bracketed or followed
 * by a colon: 'user@example.org', '"user@example.org":', '<user@example.org>'. */
static char *
lone_address (const char *line, gsize len)
{
  while (len && g_ascii_isspace (*line))
    line++, len--;
  while (len && (g_ascii_isspace (line[len - 1]) || line[len - 1] == ':'))
    len--;
  if (len >= 2
      && ((line[0] == '<' && line[len - 1] == '>') || (line[0] == '"' && line[len - 1] == '"')))
    line++, len -= 2;
  if (!len || memchr (line, ' ', len) || memchr (line, '\t', len))
    return NULL;
  g_autofree char *s = g_strndup (line, len);
  return dsn_text_is_address (s) ? g_steal_pointer (&s) : NULL;
}

/* A host name (or address) alone on its line. */
static char *
lone_host (const char *line, gsize len)
{
  while (len && g_ascii_isspace (*line))
    line++, len--;
  while (len && g_ascii_isspace (line[len - 1]))
    len--;
  if (!len || !memchr (line, '.', len))
    return NULL;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isalnum (line[i]) && line[i] != '.' && line[i] != '-' && line[i] != '_')
      return NULL;
  return g_strndup (line, len);
}

typedef struct {
  GString *text; /* the server's words */
  char *host;    /* "Remote Server at HOST returned" */
  gboolean open; /* the quoted words continue on the next line */
} ExchangeAttempt;

static void
exchange_attempt_clear (gpointer p)
{
  ExchangeAttempt *a = p;
  g_string_free (a->text, TRUE);
  g_free (a->host);
}

/* The server's reply quoted on an admin line: after "returned '" in
 * English, after the quote that opens a reply in the translations ("Le
 * serveur distant a renvoyé '550 5.1.1 ...'", "Remoteserver hat '550 ...'
 * zurückgegeben", "Il server remoto ha restituito '...'", "El servidor
 * remoto devolvió '...'"). NULL if the line quotes none. */
static const char *
quoted_reply (const char *line)
{
  const char *ret = dsn_strcasestr (line, "returned '");
  if (ret)
    return ret + strlen ("returned '");
  char reply[4], code[12];
  for (const char *q = strchr (line, '\''); q; q = strchr (q + 1, '\'')) {
    const char *t = q + 1;
    if (dsn_text_reply_code_at (t, reply) || dsn_text_status_at (t, code))
      return t;
  }
  return NULL;
}

/* The remote host a translated admin line names before the quoted reply:
 * "Le serveur distant à mx.example.org (192.0.2.3) a renvoyé '...'",
 * "Remoteserver unter mx.example.org (192.0.2.3) hat '...'": the word
 * before the parenthesised address. */
static char *
host_before_address (const char *line, const char *reply)
{
  for (const char *p = strstr (line, " ("); p && p < reply; p = strstr (p + 1, " (")) {
    /* "(192.0.2.3)", "(2001:db8::25)" */
    const char *close = strchr (p + 2, ')');
    if (!close || close > reply || !(g_ascii_isdigit (p[2]) || memchr (p + 2, ':', close - p - 2)))
      continue;
    const char *w = p;
    while (w > line && (g_ascii_isalnum (w[-1]) || w[-1] == '.' || w[-1] == '-' || w[-1] == '_'))
      w--;
    if (p - w > 2 && memchr (w, '.', p - w) && g_ascii_isalnum (*w))
      return g_strndup (w, p - w);
  }
  return NULL;
}

/* Reads an error line of the admin section into A:
 *   #550 5.1.1 RESOLVER.ADR.RecipNotFound; not found ##
 *   #< #5.1.1 smtp;550 5.1.1 RESOLVER.ADR.RecipNotFound; not found> #SMTP#
 *   Remote Server returned '550 5.1.1 RESOLVER.ADR.RecipNotFound; not found'
 *   3/09/2016 8:05:56 PM - Remote Server at mx.example.org (192.0.2.3) returned '441 4.4.1 ...' */
static gboolean
exchange_error_line (const char *line, gsize len, ExchangeAttempt *a)
{
  g_autofree char *s = g_strndup (line, len);
  g_strstrip (s);
  if (s[0] == '#' && (g_ascii_isdigit (s[1]) || s[1] == '<')) {
    const char *t = s + 1;
    const char *smtp = dsn_strcasestr (t, "smtp;");
    if (smtp)
      t = smtp + 5;
    const char *e = strstr (t, "##");
    if (!e && smtp)
      e = strrchr (t, '>');
    if (!e)
      e = t + strlen (t);
    while (*t == '<' || *t == ' ')
      t++;
    if (e <= t)
      return FALSE;
    a->text = g_string_new_len (t, e - t);
    return TRUE;
  }
  const char *t = quoted_reply (s);
  if (!t)
    return FALSE;
  const char *q = strrchr (t, '\'');
  a->open = !q;
  a->text = g_string_new_len (t, q ? q - t : (gssize)strlen (t));
  const char *at = dsn_strcasestr (s, "Server at ");
  if (at && at < t) {
    at += strlen ("Server at ");
    gsize n = strcspn (at, " (");
    if (n)
      a->host = g_strndup (at, n);
  } else {
    a->host = host_before_address (s, t);
  }
  return TRUE;
}

/* The report's own expiry notice ("550 4.4.7 QUEUE.Expired; message expired"),
 * listed before the remote server's last answer. */
static gboolean
is_expiry_notice (const char *text)
{
  char code[12];
  if (dsn_text_find_status (text, code) && g_str_has_prefix (code + 1, ".4.7"))
    return TRUE;
  return dsn_strcasestr (text, "expired") != NULL;
}

static guint
exchange_apply (const DsnInput *in, const char *addr, const char *host, GArray *attempts,
                gboolean add)
{
  if (!addr || attempts->len == 0)
    return 0;
  DsnRecipient *r = dsn_report_find_recipient (in->report, addr);
  if (!r && !add)
    return 0;
  if (!r) {
    r = dsn_report_add_recipient (in->report, addr);
    r->action = DSN_ACTION_FAILED;
  }
  ExchangeAttempt *last = &g_array_index (attempts, ExchangeAttempt, 0);
  ExchangeAttempt *cause = NULL;
  /* Attempts are listed newest first: behind an expiry notice, the remote
   * server's last answer is the cause. */
  if (attempts->len > 1 && is_expiry_notice (last->text->str))
    cause = &g_array_index (attempts, ExchangeAttempt, 1);
  if (!r->diagnostic)
    dsn_recipient_set_diagnostic (r, last->text->str, last->text->len);
  const char *rhost = cause ? cause->host : last->host;
  if (!r->remote_mta)
    dsn_set (&r->remote_mta, rhost ? rhost : host);
  if (cause) {
    char code[12], reply[4];
    if (dsn_text_find_status (cause->text->str, code)) {
      dsn_set (&r->status, code);
      r->status_source = DSN_SOURCE_TEXT;
    }
    if (dsn_text_find_reply_code (cause->text->str, reply))
      dsn_set (&r->reply_code, reply);
    r->reason_hint = "expired";
  }
  return 1;
}

static guint
read_exchange_admin (const DsnInput *in, gboolean add)
{
  guint found = 0;
  char *addr = NULL, *host = NULL;
  GArray *attempts = g_array_new (FALSE, TRUE, sizeof (ExchangeAttempt));
  g_array_set_clear_func (attempts, exchange_attempt_clear);
  const char *end = dsn_find_returned_marker (in->body);
  const char *pos = in->body, *line;
  gsize len;
  while (dsn_text_next_line (&pos, &line, &len) && (!end || line < end)) {
    ExchangeAttempt a = { 0 };
    char *s;
    ExchangeAttempt *prev
        = attempts->len ? &g_array_index (attempts, ExchangeAttempt, attempts->len - 1) : NULL;
    if (prev && prev->open) {
      const char *q = NULL;
      for (gsize i = len; i > 0 && !q; i--)
        if (line[i - 1] == '\'')
          q = line + i - 1;
      g_string_append_c (prev->text, ' ');
      g_string_append_len (prev->text, line, q ? (gsize)(q - line) : len);
      prev->open = !q;
    } else if ((s = lone_address (line, len))) {
      found += exchange_apply (in, addr, host, attempts, add);
      g_free (addr);
      g_clear_pointer (&host, g_free);
      g_array_set_size (attempts, 0);
      addr = s;
    } else if (addr && exchange_error_line (line, len, &a)) {
      g_array_append_val (attempts, a);
    } else if (addr && attempts->len == 0 && !host && (s = lone_host (line, len))) {
      host = s;
    } else {
      found += exchange_apply (in, addr, host, attempts, add);
      g_clear_pointer (&addr, g_free);
      g_clear_pointer (&host, g_free);
      g_array_set_size (attempts, 0);
    }
  }
  found += exchange_apply (in, addr, host, attempts, add);
  g_free (addr);
  g_free (host);
  g_array_unref (attempts);
  return found;
}

/* The list at the top of the report, for reports without the admin section:
 * "Delivery has failed to these recipients or groups:", then for each one
 * "Name<mailto:user@example.org>" and Exchange's explanation. */
static guint
read_exchange_summary (const DsnInput *in)
{
  guint found = 0;
  DsnRecipient *cur = NULL;
  GString *diag = g_string_new (NULL);
  const char *end = dsn_find_returned_marker (in->body);
  const char *pos = in->body, *line;
  gsize len;
  while (dsn_text_next_line (&pos, &line, &len) && (!end || line < end)) {
    const char *mailto = g_strstr_len (line, len, "<mailto:");
    if (mailto) {
      if (cur)
        dsn_recipient_set_diagnostic (cur, diag->str, diag->len);
      g_string_truncate (diag, 0);
      g_autofree char *addr = dsn_text_find_address_len (mailto, line + len - mailto);
      cur = NULL;
      if (addr && !dsn_report_find_recipient (in->report, addr)) {
        cur = dsn_report_add_recipient (in->report, addr);
        cur->action = DSN_ACTION_FAILED;
        found++;
      }
    } else if (cur && len) {
      if (diag->len)
        g_string_append_c (diag, ' ');
      g_string_append_len (diag, line, len);
    } else if (cur && diag->len) {
      dsn_recipient_set_diagnostic (cur, diag->str, diag->len);
      g_string_truncate (diag, 0);
      cur = NULL;
    }
  }
  if (cur)
    dsn_recipient_set_diagnostic (cur, diag->str, diag->len);
  g_string_free (diag, TRUE);
  return found;
}

/* The admin section's heading, as Exchange writes it in the languages of
 * its users. */
static const char *const exchange_admin_headings[] = {
  "Diagnostic information for administrators",
  "Informations de diagnostic pour les administrateurs",
  "Diagnoseinformationen für Administratoren",
  "Informazioni di diagnostica per gli amministratori",
  "Información de diagnóstico para administradores",
  NULL,
};

/* "Generating server: HOST" and its translations. */
static const char *const exchange_generating[] = {
  "Generating server:",    "Serveur de génération",  "Generierender Server",
  "Server di generazione", "Servidor de generación", NULL,
};

/* The first line of the report's summary: "Delivery has failed to these
 * recipients or groups:" (Exchange 2010 and later), "Your message to
 * user@example.org couldn't be delivered." (Exchange Online since 2017). */
static const char *const exchange_summaries[] = {
  "Delivery has failed to these recipients",
  "rejected your message to the following",
  "couldn't be delivered",
  "Échec de la remise pour ces destinataires",
  "Échec de remise à ces destinataires",
  "n'a pas pu être remis",
  "Fehler bei der Zustellung an diese Empfänger",
  "Die Zustellung an diese Empfänger oder Gruppen ist fehlgeschlagen",
  "konnte nicht übermittelt werden",
  "konnte nicht zugestellt werden",
  "Il recapito non è riuscito per i seguenti destinatari",
  "Recapito non riuscito per questi destinatari",
  "non è stato possibile recapitare",
  "non è stato recapitato",
  "Error en la entrega a estos destinatarios",
  "No se pudo entregar a estos destinatarios",
  "no se pudo entregar",
  NULL,
};

const char *
dsn_provider_exchange_admin (const DsnInput *in)
{
  return dsn_body_find_any (in, exchange_admin_headings);
}

const char *
dsn_provider_exchange_generating (const DsnInput *in)
{
  return dsn_body_find_any (in, exchange_generating);
}

gboolean
dsn_provider_exchange_summary (const DsnInput *in)
{
  g_autofree char *head = g_strndup (in->first_text, 600);
  for (const char *const *m = exchange_summaries; *m; m++)
    if (dsn_strcasestr (head, *m))
      return TRUE;
  return FALSE;
}

/* The summary of a delay notice: "Delivery is delayed to these recipients
 * or groups:" and its translations. */
static const char *const exchange_delays[] = {
  "Delivery is delayed to these recipients",
  "hasn't been delivered yet",
  "La remise est retardée",
  "n'a pas encore été remis",
  "ist verzögert",
  "wurde noch nicht zugestellt",
  "è stato ritardato",
  "non è ancora stato recapitato",
  "se ha retrasado",
  "todavía no se ha entregado",
  NULL,
};

gboolean
dsn_provider_extract_exchange (const DsnInput *in)
{
  DsnReport *rep = in->report;
  gboolean from_fields = rep->recipients->len > 0;
  read_exchange_admin (in, !from_fields);
  if (rep->recipients->len == 0)
    read_exchange_summary (in);
  /* Recipients read from the text of a delay notice (no delivery-status
   * part to say so): not failed yet. */
  if (!from_fields) {
    g_autofree char *head = g_strndup (in->first_text, 1000);
    gboolean delayed = dsn_text_has_folded (head, exchange_delays);
    for (guint i = 0; delayed && i < rep->recipients->len; i++)
      ((DsnRecipient *)rep->recipients->pdata[i])->action = DSN_ACTION_DELAYED;
  }
  /* A report without its delivery-status part quotes the original's headers,
   * under a heading in the server's language. */
  static const char *const headings[] = {
    "Original message headers:",
    "En-têtes de message d'origine",
    "En-têtes du message d'origine",
    "Ursprüngliche Nachrichtenkopfzeilen",
    "Kopfzeilen der ursprünglichen Nachricht",
    "Intestazioni originali del messaggio",
    "Intestazioni del messaggio originale",
    "Encabezados del mensaje original",
    "Encabezados de mensaje originales",
    NULL,
  };
  for (const char *const *h = headings; *h && !in->has_returned; h++) {
    const char *orig = dsn_strcasestr (in->body, *h);
    if (orig)
      dsn_input_set_returned_text (in, dsn_next_line (orig));
  }
  dsn_finish_recipients (rep);
  return rep->recipients->len > 0;
}

/* "SMTP error from remote server after RCPT command:", "... for TEXT command,". */
static const char *
nemesis_command (const char *line)
{
  static const struct {
    const char *phrase;
    const char *command;
  } map[] = {
    { "rcpt command", "RCPT" },
    { "mail command", "MAIL" },
    { "data command", "DATA" },
    /* The message text, sent after DATA. */
    { "text command", "DATA" },
    { "helo command", "HELO" },
    { "ehlo command", "HELO" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (map); i++)
    if (dsn_strcasestr (line, map[i].phrase))
      return map[i].command;
  return NULL;
}

static void
nemesis_finish (DsnRecipient *r, GString *diag)
{
  if (!r)
    return;
  dsn_recipient_set_diagnostic (r, diag->str, diag->len);
  g_string_truncate (diag, 0);
  /* The mail system's own words for a queue timeout. */
  if (r->diagnostic && dsn_strcasestr (r->diagnostic, "retry timeout exceeded"))
    r->reason_hint = "expired";
}

/* The separator before the original's header, in English and in the German
 * of WEB.DE's and GMX's German users. */
static const char *const nemesis_separators[] = {
  "--- The header of the original message is following. ---",
  "--- Der Header der ursprünglichen Nachricht folgt. ---",
  "--- Es folgt der Header der ursprünglichen Nachricht. ---",
  NULL,
};

const char *
dsn_provider_nemesis_separator (const DsnInput *in)
{
  return dsn_body_find_any (in, nemesis_separators);
}

/* The end of the heading before the list: "The following address failed:",
 * "Die folgende Adresse ist fehlgeschlagen:", ... */
static const char *const nemesis_headings[] = {
  "failed:",
  "fehlgeschlagen:",
  "nicht zugestellt werden:",
  NULL,
};

/* The labels that introduce the reason: skipped. */
static const char *const nemesis_labels[] = {
  "Reason:", "For the following reason:", "Grund:", "Aus folgendem Grund:", NULL,
};

guint
dsn_provider_read_nemesis (const DsnInput *in)
{
  const char *text = in->body;
  const char *end = dsn_provider_nemesis_separator (in);
  if (!end)
    end = dsn_find_returned_marker (text);
  if (!end)
    end = text + strlen (text);
  else
    dsn_input_set_returned_text (in, dsn_next_line (end));
  /* The recipients follow "The following address(es) failed:". */
  const char *start = NULL;
  for (const char *const *h = nemesis_headings; *h; h++)
    for (const char *p = dsn_strcasestr (text, *h); p && p < end; p = dsn_strcasestr (p + 1, *h)) {
      const char *q = p + strlen (*h);
      while (*q == ' ' || *q == '\t')
        q++;
      if ((*q == '\n' || !*q) && (!start || q < start)) {
        start = q;
        break;
      }
    }
  if (!start)
    return 0;
  guint found = 0;
  DsnRecipient *cur = NULL;
  GString *diag = g_string_new (NULL);
  const char *pos = start, *line;
  gsize len;
  while (dsn_text_next_line (&pos, &line, &len) && line < end) {
    g_autofree char *addr = lone_address (line, len);
    if (addr) {
      nemesis_finish (cur, diag);
      cur = dsn_report_find_recipient (in->report, addr);
      if (!cur) {
        cur = dsn_report_add_recipient (in->report, addr);
        cur->action = DSN_ACTION_FAILED;
        found++;
      }
      continue;
    }
    if (!cur)
      continue;
    g_autofree char *l = g_strndup (line, len);
    g_strstrip (l);
    gboolean label = FALSE;
    for (const char *const *lb = nemesis_labels; *lb && !label; lb++)
      label = g_ascii_strcasecmp (l, *lb) == 0;
    if (!*l || label)
      continue;
    if (dsn_has_prefix_ci (l, "SMTP error from remote server")) {
      dsn_set (&cur->command, nemesis_command (l));
      /* "... for TEXT command, host: mx.example.org (192.0.2.1) reason: 550 ..." */
      const char *h = dsn_strcasestr (l, "host:");
      if (h) {
        h += strlen ("host:");
        while (*h == ' ')
          h++;
        dsn_set_len (&cur->remote_mta, h, strcspn (h, " (,"));
      }
      const char *why = dsn_strcasestr (l, "reason:");
      if (why)
        g_string_append (diag, why + strlen ("reason:"));
      continue;
    }
    if (dsn_has_prefix_ci (l, "host:")) {
      dsn_set (&cur->remote_mta, l + strlen ("host:"));
      continue;
    }
    if (diag->len)
      g_string_append_c (diag, ' ');
    g_string_append (diag, l);
  }
  nemesis_finish (cur, diag);
  g_string_free (diag, TRUE);
  return found;
}

/* ------------------------------------------------------------ gateways and regional providers */

gboolean
dsn_gw_origin_received_has (const DsnInput *in, const char *needle)
{
  GMimeHeaderList *headers = g_mime_object_get_header_list (GMIME_OBJECT (in->message));
  const char *origin = NULL;
  int n = g_mime_header_list_get_count (headers);
  for (int i = 0; i < n; i++) {
    GMimeHeader *h = g_mime_header_list_get_header_at (headers, i);
    if (g_ascii_strcasecmp (g_mime_header_get_name (h), "Received") == 0)
      origin = g_mime_header_get_value (h);
  }
  if (!origin)
    return FALSE;
  /* A folded field may split the needle's spaces over two lines. */
  g_autofree char *flat = dsn_text_squeeze (g_strdup (origin));
  return dsn_strcasestr (flat, needle) != NULL;
}

const char *
dsn_gw_after_marker (const char *text, const char *marker)
{
  const char *p = text ? dsn_strcasestr (text, marker) : NULL;
  return p ? dsn_next_line (p) : NULL;
}

gboolean
dsn_gw_blank (const char *line, gsize len)
{
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isspace (line[i]))
      return FALSE;
  return TRUE;
}

const char *
dsn_gw_report_end (const DsnInput *in, const char *text, const char *from,
                   const char *const *markers)
{
  const char *end = NULL, *headers = NULL;
  for (const char *const *m = markers; m && *m; m++) {
    const char *p = dsn_strcasestr (from, *m);
    if (p && (!end || p < end)) {
      end = dsn_line_start (text, p);
      headers = dsn_next_line (p);
    }
  }
  const char *after = dsn_find_returned_marker (from);
  if (after) {
    /* The separator is the line before AFTER. */
    const char *line = after > from && after[-1] == '\n' ? dsn_line_start (text, after - 1)
                                                         : dsn_line_start (text, after);
    if (!end || line < end) {
      end = line;
      headers = after;
    }
  }
  if (!end)
    return from + strlen (from);
  if (!in->has_returned) {
    /* Skip the rules of dashes and blank lines some reports put first. */
    const char *p = headers;
    while (*p) {
      const char *nl = dsn_next_line (p);
      gboolean rule = TRUE;
      for (const char *q = p; q < nl && rule; q++)
        rule = *q == '-' || *q == '=' || g_ascii_isspace (*q);
      if (!rule)
        break;
      p = nl;
    }
    if (*p)
      dsn_input_set_returned_text (in, p);
  }
  return end;
}

void
dsn_gw_spasign_hint (const DsnInput *in)
{
  const char *v = dsn_input_header (in, "X-SPASIGN");
  while (v && g_ascii_isspace (*v))
    v++;
  if (!v || !dsn_has_prefix_ci (v, "NG"))
    return;
  GPtrArray *rcpts = in->report->recipients;
  for (guint i = 0; i < rcpts->len; i++) {
    DsnRecipient *r = rcpts->pdata[i];
    r->reason_hint = "filtered";
  }
}
