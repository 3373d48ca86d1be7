/* SMTP session transcripts (">>> RCPT TO:<...>", "<<< 550 ..." under
 * "... while talking to HOST:") of Sendmail, Courier and their kin, and
 * Sendmail's verdict lines ("<user@example.org>... User unknown").
 * SPDX-License-Identifier: BSD-2-Clause */
#include "../dialect.h"
#include "unix.h"

#include <string.h>

/* TRUE if the N bytes at I of LINE (LEN bytes) are not part of a longer
 * address or word. */
static gboolean
bounded (const char *line, gsize len, gsize i, gsize n)
{
  gboolean left = i == 0 || !(g_ascii_isalnum (line[i - 1]) || strchr (".-_+=%", line[i - 1]));
  gboolean right
      = i + n == len
        || !(g_ascii_isalnum (line[i + n]) || strchr ("-_", line[i + n])
             || (line[i + n] == '.' && i + n + 1 < len && g_ascii_isalnum (line[i + n + 1])));
  return left && right;
}

gboolean
dsn_unix_line_has_address (const char *line, gsize len, const char *address)
{
  gsize n = strlen (address);
  if (n == 0 || n > len)
    return FALSE;
  for (gsize i = 0; i + n <= len; i++)
    if (g_ascii_strncasecmp (line + i, address, n) == 0 && bounded (line, len, i, n))
      return TRUE;
  return FALSE;
}

/* ---- where addresses are first named */

typedef struct {
  const char *text;
  gsize len;
  guint item;
} Segment;

struct _DsnUnixNamed {
  DsnFinder *finder;
  GHashTable *needles; /* lower-case address -> needle + 1 */
  GArray *first;       /* needle -> first item, G_MAXUINT */
  GArray *segments;    /* Segment, for addresses not added beforehand */
  GHashTable *late;    /* lower-case address -> first item + 1, for those */
  gboolean scanned;
};

DsnUnixNamed *
dsn_unix_named_new (void)
{
  DsnUnixNamed *x = g_new0 (DsnUnixNamed, 1);
  x->finder = dsn_finder_new ();
  x->needles = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  x->first = g_array_new (FALSE, FALSE, sizeof (guint));
  x->segments = g_array_new (FALSE, FALSE, sizeof (Segment));
  x->late = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  return x;
}

void
dsn_unix_named_free (DsnUnixNamed *x)
{
  if (!x)
    return;
  dsn_finder_free (x->finder);
  g_hash_table_unref (x->needles);
  g_array_unref (x->first);
  g_array_unref (x->segments);
  g_hash_table_unref (x->late);
  g_free (x);
}

void
dsn_unix_named_add (DsnUnixNamed *x, const char *address)
{
  g_return_if_fail (!x->scanned);
  if (!address || !*address)
    return;
  char *key = g_ascii_strdown (address, -1);
  if (g_hash_table_contains (x->needles, key)) {
    g_free (key);
    return;
  }
  guint needle = dsn_finder_add (x->finder, address);
  g_hash_table_insert (x->needles, key, GUINT_TO_POINTER (needle + 1));
  guint none = G_MAXUINT;
  while (x->first->len <= needle)
    g_array_append_val (x->first, none);
}

typedef struct {
  DsnUnixNamed *x;
  const Segment *seg;
} NamedScan;

static gboolean
note_named (guint needle, const char *at, gpointer data)
{
  NamedScan *ns = data;
  guint *first = &g_array_index (ns->x->first, guint, needle);
  if (*first == G_MAXUINT
      && bounded (ns->seg->text, ns->seg->len, at - ns->seg->text,
                  dsn_finder_needle_len (ns->x->finder, needle)))
    *first = ns->seg->item;
  return TRUE;
}

void
dsn_unix_named_scan (DsnUnixNamed *x, const char *text, gsize len, guint item)
{
  x->scanned = TRUE;
  Segment seg = { text, len, item };
  g_array_append_val (x->segments, seg);
  NamedScan ns = { x, &seg };
  dsn_finder_scan (x->finder, text, len, note_named, &ns);
}

guint
dsn_unix_named_first (DsnUnixNamed *x, const char *address)
{
  if (!address || !*address)
    return G_MAXUINT;
  g_autofree char *key = g_ascii_strdown (address, -1);
  gpointer needle = g_hash_table_lookup (x->needles, key);
  if (needle)
    return g_array_index (x->first, guint, GPOINTER_TO_UINT (needle) - 1);
  /* An address written after the scan: searched once, remembered. */
  gpointer late = g_hash_table_lookup (x->late, key);
  if (late)
    return GPOINTER_TO_UINT (late) - 1;
  guint first = G_MAXUINT;
  for (guint i = 0; i < x->segments->len && first == G_MAXUINT; i++) {
    const Segment *seg = &g_array_index (x->segments, Segment, i);
    if (dsn_unix_line_has_address (seg->text, seg->len, address))
      first = seg->item;
  }
  g_hash_table_insert (x->late, g_steal_pointer (&key), GUINT_TO_POINTER (first + 1));
  return first;
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
  char *squeezed;     /* the reply on one line, made once for all recipients */
  gsize squeezed_len;
} Exchange;

static void
exchange_clear (gpointer p)
{
  Exchange *x = p;
  if (x->reply)
    g_string_free (x->reply, TRUE);
  if (x->after)
    g_string_free (x->after, TRUE);
  g_free (x->squeezed);
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

struct _DsnUnixTranscript {
  GArray *xs;              /* Exchange */
  DsnUnixNamed *commanded; /* addresses in the commands */
  DsnUnixNamed *named;     /* addresses in the exchanges that got a reply */
  const Exchange *last;    /* the last reply to a command that was no recipient's */
};

DsnUnixTranscript *
dsn_unix_transcript_new (const char *start, const char *end, DsnReport *rep)
{
  DsnUnixTranscript *t = g_new0 (DsnUnixTranscript, 1);
  t->xs = read_exchanges (start, end);
  t->commanded = dsn_unix_named_new ();
  t->named = dsn_unix_named_new ();
  for (guint i = 0; rep && i < rep->recipients->len; i++) {
    const DsnRecipient *r = rep->recipients->pdata[i];
    dsn_unix_named_add (t->commanded, r->address);
    dsn_unix_named_add (t->named, r->address);
  }
  for (guint i = 0; i < t->xs->len; i++) {
    const Exchange *x = &g_array_index (t->xs, Exchange, i);
    if (x->command_line)
      dsn_unix_named_scan (t->commanded, x->command_line, x->command_len, i);
    if (!x->reply)
      continue;
    if (x->command_line)
      dsn_unix_named_scan (t->named, x->command_line, x->command_len, i);
    dsn_unix_named_scan (t->named, x->reply->str, x->reply->len, i);
    if (x->after)
      dsn_unix_named_scan (t->named, x->after->str, x->after->len, i);
    /* A reply to another recipient's RCPT, or to QUIT, is not about R. */
    if (x->command == NULL
        || (strcmp (x->command, "QUIT") != 0 && strcmp (x->command, "RCPT") != 0))
      t->last = x;
  }
  return t;
}

void
dsn_unix_transcript_free (DsnUnixTranscript *t)
{
  if (!t)
    return;
  g_array_unref (t->xs);
  dsn_unix_named_free (t->commanded);
  dsn_unix_named_free (t->named);
  g_free (t);
}

gboolean
dsn_unix_transcript_apply (DsnUnixTranscript *t, DsnRecipient *r, gboolean named_only)
{
  guint c = dsn_unix_named_first (t->commanded, r->address);
  guint n = dsn_unix_named_first (t->named, r->address);
  const Exchange *commanded = c != G_MAXUINT ? &g_array_index (t->xs, Exchange, c) : NULL;
  const Exchange *named = n != G_MAXUINT ? &g_array_index (t->xs, Exchange, n) : NULL;
  gboolean batched
      = named && n + 1 < t->xs->len && g_array_index (t->xs, Exchange, n + 1).pipelined;
  Exchange *x = (Exchange *)(named ? named : named_only ? NULL : t->last);
  if (!x)
    return FALSE;
  if (!x->squeezed) {
    x->squeezed = dsn_text_squeeze (g_strdup (x->reply->str));
    x->squeezed_len = strlen (x->squeezed);
  }
  const char *reply = x->squeezed;
  g_autofree char *current = r->diagnostic ? dsn_text_squeeze (g_strdup (r->diagnostic)) : NULL;
  /* The reply replaces a diagnostic that is empty, an exit code, or the
   * first line of the same reply. */
  if (dsn_unix_says_nothing (current)
      || (g_str_has_prefix (reply, current) && x->squeezed_len > strlen (current)))
    dsn_recipient_set_diagnostic (r, reply, x->squeezed_len);
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

gboolean
dsn_unix_read_transcript (DsnRecipient *r, const char *start, const char *end, gboolean named_only)
{
  DsnUnixTranscript *t = dsn_unix_transcript_new (start, end, NULL);
  gboolean found = dsn_unix_transcript_apply (t, r, named_only);
  dsn_unix_transcript_free (t);
  return found;
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
