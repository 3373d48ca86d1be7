/* SMTP session transcripts (">>> RCPT TO:<...>", "<<< 550 ..." under
 * "... while talking to HOST:") of Sendmail, Courier and their kin, and
 * Sendmail's verdict lines ("<user@example.org>... User unknown").
 * SPDX-License-Identifier: BSD-2-Clause */
#include "../dialect.h"
#include "unix.h"

#include <string.h>

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
