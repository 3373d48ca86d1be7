/* Sendmail 8: "----- The following addresses had permanent fatal errors -----"
 * lists the recipients ("<user@example.org>", "(reason: ...)", "(expanded
 * from: ...)"), "----- Transcript of session follows -----" the SMTP
 * session ("... while talking to mx.example.org.:", ">>> RCPT To:<...>",
 * "<<< 550 5.1.1 ...") or a local mailer's output, and a delivery-status part
 * follows. Its Diagnostic-Code holds only the first line of a multi-line
 * reply, or a mailer's exit code: the transcript has the server's words.
 * SPDX-License-Identifier: BSD-2-Clause */
#include "../dialect.h"
#include "unix.h"

#include <string.h>

static const char *const sections[] = {
  "----- The following addresses had permanent fatal errors -----",
  "----- The following addresses had transient non-fatal errors -----",
  "----- The following addresses have delivery notifications -----",
  "----- Transcript of session follows -----",
  NULL,
};

static gboolean
detect (const DsnInput *in)
{
  /* Sendmail 5 ends its report with the unsent message instead. */
  if (!in->has_delivery_status && dsn_body_find (in, "----- Unsent message follows -----"))
    return FALSE;
  for (const char *const *m = sections; *m; m++)
    if (dsn_body_find (in, *m))
      return TRUE;
  return FALSE;
}

/* The part of TEXT after the section heading HEADING, up to the next
 * "-----" heading or the end; NULL if absent. */
static const char *
section (const char *text, const char *heading, const char **end)
{
  const char *p = dsn_strcasestr (text, heading);
  if (!p)
    return NULL;
  const char *start = dsn_next_line (p);
  const char *next = strstr (start, "-----");
  const char *returned = dsn_find_returned_marker (start);
  *end = next ? dsn_line_start (start, next) : start + strlen (start);
  if (returned && returned < *end)
    *end = dsn_line_start (start, returned);
  return start;
}

/* The recipients of the address section: "<user@example.org>" lines (or a
 * bare local name), each followed by "(reason: ...)" and "(expanded from:
 * ...)" lines. */
static void
read_addresses (DsnReport *rep, const char *start, const char *end, DsnAction action)
{
  DsnRecipient *r = NULL;
  const char *pos = start, *l;
  gsize len;
  while (dsn_text_next_line_until (&pos, end, &l, &len)) {
    g_autofree char *line = dsn_text_squeeze (g_strndup (l, len));
    if (!*line)
      continue;
    if (line[0] == '(') {
      if (r && dsn_has_prefix_ci (line, "(expanded from:") && !r->original) {
        g_autofree char *orig = dsn_text_find_address (line);
        dsn_set (&r->original, orig);
        dsn_report_index_recipient (rep, r);
      }
      continue;
    }
    g_autofree char *addr = dsn_text_find_address (line);
    if (!addr || dsn_report_find_recipient (rep, addr))
      continue;
    r = dsn_report_add_recipient (rep, addr);
    r->action = action;
  }
}

/* The recipients the transcript's lines are about. */
static void
read_verdicts (DsnReport *rep, const char *start, const char *end, DsnAction action)
{
  const char *pos = start, *line, *words;
  gsize len;
  while (dsn_text_next_line_until (&pos, end, &line, &len)) {
    g_autofree char *addr = dsn_unix_verdict_address (line, len, &words);
    if (addr && !dsn_report_find_recipient (rep, addr))
      dsn_report_add_recipient (rep, addr)->action = action;
  }
}

/* Lines of a section indexed by the addresses they name, built the first
 * time a recipient needs them: looking each recipient up costs the same
 * however many there are. */
typedef struct {
  DsnUnixNamed *named;
  GPtrArray *lines; /* item -> start of the line */
  GArray *ends;     /* item -> where the part scanned ends (the dots of a verdict) */
} LineIndex;

static void
line_index_clear (LineIndex *x)
{
  if (!x->named)
    return;
  dsn_unix_named_free (x->named);
  g_ptr_array_unref (x->lines);
  g_array_unref (x->ends);
}

/* The local part of ADDRESS, newly allocated. */
static char *
local_part (const char *address)
{
  return g_strndup (address, strcspn (address, "@"));
}

/* The address section: every line that names an address. */
static void
index_listed (LineIndex *x, DsnReport *rep, const char *start, const char *end)
{
  x->named = dsn_unix_named_new ();
  x->lines = g_ptr_array_new ();
  x->ends = g_array_new (FALSE, FALSE, sizeof (const char *));
  for (guint i = 0; i < rep->recipients->len; i++)
    dsn_unix_named_add (x->named, ((DsnRecipient *)rep->recipients->pdata[i])->address);
  const char *pos = start, *line;
  gsize len;
  while (dsn_text_next_line_until (&pos, end, &line, &len)) {
    dsn_unix_named_scan (x->named, line, len, x->lines->len);
    g_ptr_array_add (x->lines, (gpointer)line);
    const char *e = line + len;
    g_array_append_val (x->ends, e);
  }
}

/* "(reason: 550 5.1.1 <user@example.org>... User unknown)" under R's
 * address in the address section, START to END. */
static char *
listed_reason (LineIndex *x, DsnReport *rep, const DsnRecipient *r, const char *start,
               const char *end)
{
  if (!x->named)
    index_listed (x, rep, start, end);
  guint first = dsn_unix_named_first (x->named, r->address);
  if (first == G_MAXUINT)
    return NULL;
  const char *pos = dsn_next_line (x->lines->pdata[first]), *line;
  gsize len;
  if (pos > end)
    pos = end;
  /* The indented lines that follow the address. */
  while (dsn_text_next_line_until (&pos, end, &line, &len) && len
         && (*line == ' ' || *line == '\t')) {
    while (len && (*line == ' ' || *line == '\t'))
      line++, len--;
    if (len < 9 || !dsn_has_prefix_ci (line, "(reason: "))
      continue;
    while (len && (line[len - 1] == ')' || g_ascii_isspace (line[len - 1])))
      len--;
    return len > 9 ? g_strndup (line + 9, len - 9) : NULL;
  }
  return NULL;
}

/* The transcript's verdict lines, by the address or local part named before
 * their dots. */
static void
index_verdicts (LineIndex *x, DsnReport *rep, const char *start, const char *end)
{
  x->named = dsn_unix_named_new ();
  x->lines = g_ptr_array_new ();
  x->ends = g_array_new (FALSE, FALSE, sizeof (const char *));
  for (guint i = 0; i < rep->recipients->len; i++) {
    const DsnRecipient *r = rep->recipients->pdata[i];
    g_autofree char *local = local_part (r->address);
    dsn_unix_named_add (x->named, r->address);
    dsn_unix_named_add (x->named, local);
  }
  const char *pos = start, *line;
  gsize len;
  while (dsn_text_next_line_until (&pos, end, &line, &len)) {
    if (len < 4 || !strncmp (line, "<<<", 3) || !strncmp (line, ">>>", 3))
      continue;
    const char *dots = g_strstr_len (line, len, "... ");
    if (!dots)
      continue;
    dsn_unix_named_scan (x->named, line, dots - line, x->lines->len);
    g_ptr_array_add (x->lines, (gpointer)line);
    const char *e = line + len;
    g_array_append_val (x->ends, e);
  }
}

/* The transcript's own line about R: "550 5.1.2 <user@example.org>... Host
 * unknown" (kept whole) or "<user@example.org>... Deferred: Connection
 * refused" (what follows the dots). */
static char *
verdict (LineIndex *x, DsnReport *rep, const DsnRecipient *r, const char *start, const char *end)
{
  if (!x->named)
    index_verdicts (x, rep, start, end);
  g_autofree char *local = local_part (r->address);
  guint first
      = MIN (dsn_unix_named_first (x->named, r->address), dsn_unix_named_first (x->named, local));
  if (first == G_MAXUINT)
    return NULL;
  const char *line = x->lines->pdata[first];
  const char *le = g_array_index (x->ends, const char *, first);
  const char *dots = g_strstr_len (line, le - line, "... ");
  if (g_ascii_isdigit (line[0]))
    return g_strndup (line, le - line);
  return g_strndup (dots + 4, le - dots - 4);
}

/* Where the SMTP sessions of a transcript begin: the lines before them are
 * about local deliveries (a mailer's output, "554 5.3.0 unknown mailer error
 * 75", "Message could not be delivered for 5 days"). */
static const char *
sessions_start (const char *start, const char *end)
{
  const char *pos = start, *line;
  gsize len;
  while (dsn_text_next_line_until (&pos, end, &line, &len))
    if ((len >= 3 && (!strncmp (line, ">>>", 3) || !strncmp (line, "<<<", 3)))
        || g_strstr_len (line, len, "hile talking to "))
      return line;
  return end;
}

/* A line that starts with a reply code, when only one says what happened
 * ("554 5.3.0 unknown mailer error 255"). */
static char *
coded_line (const char *start, const char *end)
{
  char *found = NULL;
  const char *pos = start, *line;
  gsize len;
  while (dsn_text_next_line_until (&pos, end, &line, &len)) {
    char code[4];
    if (len > 4 && dsn_text_find_reply_code (line, code) == line) {
      if (found) {
        g_free (found);
        return NULL;
      }
      found = g_strndup (line, len);
    }
  }
  return found;
}

static gboolean
extract (const DsnInput *in)
{
  DsnReport *rep = in->report;
  const char *text = dsn_unix_report_text (in);
  /* A report forwarded by a person comes quoted. */
  g_autofree char *unquoted = dsn_unix_unquote (text);
  if (unquoted)
    text = unquoted;

  const char *perm_end = NULL, *temp_end = NULL, *notif_end = NULL, *tr_end = NULL;
  const char *perm = section (text, sections[0], &perm_end);
  const char *temp = section (text, sections[1], &temp_end);
  const char *notif = section (text, sections[2], &notif_end);
  const char *tr = section (text, sections[3], &tr_end);

  if (rep->recipients->len == 0 && !in->has_delivery_status)
    dsn_read_inline_fields (rep, unquoted ? unquoted : in->body);
  if (rep->recipients->len == 0) {
    if (perm)
      read_addresses (rep, perm, perm_end, DSN_ACTION_FAILED);
    if (temp)
      read_addresses (rep, temp, temp_end, DSN_ACTION_DELAYED);
    /* A warning pasted without its delivery-status part names the
     * recipients in the transcript only ("<user@example.org>... Deferred"). */
    if (rep->recipients->len == 0 && tr)
      read_verdicts (rep, tr, tr_end,
                     dsn_strcasestr (text, "WARNING MESSAGE ONLY") ? DSN_ACTION_DELAYED
                                                                   : DSN_ACTION_FAILED);
    const char *returned = dsn_find_returned_marker (text);
    if (returned && !in->has_returned)
      dsn_input_set_returned_text (in, returned);
  }
  if (rep->recipients->len == 0)
    return FALSE;

  gboolean expired = tr && dsn_strcasestr (tr, "could not be delivered for");
  const char *local_end = tr ? sessions_start (tr, tr_end) : NULL;
  /* Read once for all the recipients. */
  g_autoptr (DsnUnixTranscript) transcript = tr ? dsn_unix_transcript_new (tr, tr_end, rep) : NULL;
  LineIndex verdicts = { 0 }, listings = { 0 };
  char *coded = NULL;
  gboolean coded_read = FALSE;
  for (guint i = 0; i < rep->recipients->len; i++) {
    DsnRecipient *r = rep->recipients->pdata[i];
    /* "Final-Recipient: RFC822; @mx.example.org" and the like. */
    if (r->address[0] == '@' && perm) {
      g_autofree char *listed = dsn_text_find_address_len (perm, perm_end - perm);
      if (listed) {
        dsn_set (&r->address, listed);
        dsn_report_index_recipient (rep, r);
      }
    }
    if (tr)
      dsn_unix_transcript_apply (transcript, r, FALSE);
    /* A local delivery (the diagnostic is a mailer's exit code): the
     * transcript's line about R, or the only verdict of the local part. */
    if (dsn_unix_says_nothing (r->diagnostic) && tr) {
      g_autofree char *v = verdict (&verdicts, rep, r, tr, tr_end);
      if (!v && !coded_read) {
        coded = coded_line (tr, local_end);
        coded_read = TRUE;
      }
      if (v || coded)
        dsn_recipient_set_diagnostic (r, v ? v : coded, -1);
    }
    const char *list = perm ? perm : temp ? temp : notif;
    const char *list_end = perm ? perm_end : temp ? temp_end : notif_end;
    if (dsn_unix_says_nothing (r->diagnostic) && list) {
      g_autofree char *reason = listed_reason (&listings, rep, r, list, list_end);
      if (reason)
        dsn_recipient_set_diagnostic (r, reason, -1);
    }
    /* Only the queue timeout to tell. */
    if (dsn_unix_says_nothing (r->diagnostic) && tr)
      dsn_recipient_set_diagnostic (r, tr, local_end - tr);
    if (expired)
      r->reason_hint = "expired";
  }
  line_index_clear (&verdicts);
  line_index_clear (&listings);
  g_free (coded);
  dsn_unix_finish (rep);
  return TRUE;
}

DSN_DIALECT (sendmail);
