/* Sendmail 5 and its descendants: no delivery-status part, a transcript of
 * the sessions ("While talking to mx.example.org:", ">>> RCPT To:<...>",
 * "<<< 550 ...") where each failed recipient gets a line of its own
 * ("554 <user@example.org>... 550 Host unknown"), then "----- Unsent message
 * follows -----".
 * SPDX-License-Identifier: BSD-2-Clause */
#include "../dialect.h"
#include "unix.h"

#include <string.h>

static gboolean
detect (const DsnInput *in)
{
  return dsn_body_find (in, "----- Transcript of session follows -----") != NULL;
}

static gboolean
extract (const DsnInput *in)
{
  DsnReport *rep = in->report;
  const char *text = dsn_unix_report_text (in);
  const char *tr = dsn_strcasestr (text, "----- Transcript of session follows -----");
  if (!tr)
    return FALSE;
  tr = dsn_next_line (tr);
  const char *end = dsn_strcasestr (tr, "----- Unsent message follows -----");
  if (!end)
    end = dsn_find_returned_marker (tr);
  if (end) {
    if (!in->has_returned)
      dsn_input_set_returned_text (in, dsn_next_line (end));
    end = dsn_line_start (tr, end);
  } else {
    end = tr + strlen (tr);
  }

  if (rep->recipients->len == 0) {
    /* The recipients first, then the transcript read once for them all. */
    typedef struct {
      const char *words;
      gsize len;
    } Summary;
    g_autoptr (GArray) summaries = g_array_new (FALSE, FALSE, sizeof (Summary));
    const char *pos = tr, *line;
    gsize len;
    while (dsn_text_next_line_until (&pos, end, &line, &len)) {
      const char *words = NULL;
      while (len && (*line == ' ' || *line == '\t'))
        line++, len--;
      g_autofree char *addr = dsn_unix_verdict_address (line, len, &words);
      if (!addr || dsn_report_find_recipient (rep, addr))
        continue;
      dsn_report_add_recipient (rep, addr);
      Summary s = { words, line + len - words };
      g_array_append_val (summaries, s);
    }
    g_autoptr (DsnUnixTranscript) transcript = dsn_unix_transcript_new (tr, end, rep);
    for (guint i = 0; i < rep->recipients->len; i++) {
      DsnRecipient *r = rep->recipients->pdata[i];
      const Summary *s = &g_array_index (summaries, Summary, i);
      /* The session's reply, if any, is better than this summary. */
      if (!dsn_unix_transcript_apply (transcript, r, TRUE))
        dsn_recipient_set_diagnostic (r, s->words, s->len);
    }
  }
  /* No recipient line: a connection that never worked ("421 example.org
   * (smtp)... Deferred: Connection timed out"); the recipient is the unsent
   * message's. */
  if (rep->recipients->len == 0) {
    DsnRecipient *r = dsn_unix_add_returned_recipient (rep);
    if (!r)
      return FALSE;
    g_autofree char *first = NULL;
    for (const char *p = tr; p < end && !first; p = dsn_next_line (p)) {
      char code[4];
      if (dsn_text_find_reply_code (p, code) == p)
        first = g_strndup (p, strcspn (p, "\n"));
    }
    dsn_recipient_set_diagnostic (r, first ? first : tr, first ? -1 : end - tr);
  }
  /* "Returned mail: Cannot send message for 5 days": the queue timed out. */
  if (dsn_strcasestr (in->subject, "Cannot send message for"))
    for (guint i = 0; i < rep->recipients->len; i++)
      ((DsnRecipient *)rep->recipients->pdata[i])->reason_hint = "expired";
  dsn_unix_finish (rep);
  return TRUE;
}

DSN_DIALECT (v5sendmail);
