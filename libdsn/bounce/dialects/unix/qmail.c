/* qmail: "Hi. This is the qmail-send program at host." then a paragraph per
 * recipient:
 *
 *   <user@example.org>:
 *   192.0.2.1 does not like recipient.
 *   Remote host said: 550 5.1.1 <user@example.org>: User unknown
 *   Giving up on 192.0.2.1.
 *
 * and "--- Below this line is a copy of the message.". qmail-remote's
 * sentences say which command failed; "I'm not going to try again; this
 * message has been in the queue too long." that the queue timed out. Other
 * qmail-based systems (qmailjp.c, qmailclone.c) write the same paragraphs
 * under their own introduction and use this extractor.
 * SPDX-License-Identifier: BSD-2-Clause */
#include "../dialect.h"
#include "unix.h"

#include <string.h>

/* qmail-send's greeting, and the translations that providers patch in. */
static const char *const intros[] = {
  "This is the qmail-send program at", "This is the qmail program at",
  "Ceci est le programme qmail-send",  "Je suis le programme qmail-send",
  "Hier ist das qmail-send Programm",  "Dies ist das qmail-send Programm",
  "Dies ist das qmail-send-Programm",  "Questo è il programma qmail-send",
  "Sono il programma qmail-send",      "Este es el programa qmail-send",
  "Soy el programa qmail-send",        NULL,
};

static gboolean
detect (const DsnInput *in)
{
  for (const char *const *i = intros; *i; i++)
    if (dsn_body_find (in, *i))
      return TRUE;
  return FALSE;
}

/* qmail-remote's sentences (qmail-remote.c) and what they tell. */
static const struct {
  const char *sentence;
  const char *command;
  gboolean after_host; /* "192.0.2.1 does not like recipient." */
} sentences[] = {
  { "does not like recipient", "RCPT", TRUE },
  { "failed on DATA command", "DATA", TRUE },
  { "failed after I sent the message", "DATA", TRUE },
  { "but sender was rejected", "MAIL", FALSE },
  { "but my name was rejected", "HELO", FALSE },
  { "but greeting failed", "CONN", FALSE },
  { "wasn't able to establish an SMTP connection", "CONN", FALSE },
};

/* The address of a paragraph's first line, "<user@example.org>:" (alone,
 * as qmail writes it, or followed by the reason, as some clones do); *REST
 * is set to what follows the colon. */
static char *
paragraph_address (const char *line, gsize len, const char **rest)
{
  if (len < 5 || line[0] != '<')
    return NULL;
  const char *close = memchr (line, '>', len);
  if (!close || close + 1 >= line + len || close[1] != ':')
    return NULL;
  char *addr = g_strndup (line + 1, close - line - 1);
  if (!strchr (addr, '@') || strchr (addr, ' ')) {
    g_free (addr);
    return NULL;
  }
  *rest = close + 2;
  return addr;
}

/* The remote host named by qmail-remote: "Connected to 192.0.2.1 but ...",
 * "192.0.2.1 does not like recipient.", "Giving up on 192.0.2.1.". */
static char *
remote_host (const char *text)
{
  const char *p = strstr (text, "Connected to ");
  if (p)
    return dsn_unix_host_at (p + 13);
  p = strstr (text, "Giving up on ");
  if (p)
    return dsn_unix_host_at (p + 13);
  for (gsize i = 0; i < G_N_ELEMENTS (sentences); i++) {
    const char *s = sentences[i].after_host ? strstr (text, sentences[i].sentence) : NULL;
    if (!s || s == text)
      continue;
    /* The word before the sentence. */
    const char *e = s - 1;
    const char *b = e;
    while (b > text && b[-1] != ' ' && b[-1] != '\n')
      b--;
    return dsn_unix_host_at (b);
  }
  return NULL;
}

/* A paragraph's lines, without qmail's closing remarks. Sets *EXPIRED if
 * one says the queue timed out. */
static char *
paragraph_words (const char *start, const char *end, gboolean *expired)
{
  GString *out = g_string_new (NULL);
  const char *pos = start, *l;
  gsize len;
  while (dsn_text_next_line_until (&pos, end, &l, &len)) {
    g_autofree char *line = dsn_text_squeeze (g_strndup (l, len));
    if (strstr (line, "I'm not going to try again")) {
      *expired = TRUE;
      continue;
    }
    if (g_str_has_prefix (line, "Giving up on "))
      continue;
    if (out->len)
      g_string_append_c (out, '\n');
    g_string_append (out, line);
  }
  return g_string_free (out, FALSE);
}

/* Completes R from its paragraph, START to END. */
static void
complete (DsnRecipient *r, const char *start, const char *end)
{
  if (!r)
    return;
  gboolean expired = FALSE;
  g_autofree char *words = paragraph_words (start, end, &expired);
  const char *said = strstr (words, "Remote host said: ");
  if (!r->diagnostic)
    dsn_recipient_set_diagnostic (r, said ? said + 18 : words, -1);
  if (!r->remote_mta)
    r->remote_mta = remote_host (words);
  for (gsize i = 0; i < G_N_ELEMENTS (sentences) && !r->command; i++)
    if (strstr (words, sentences[i].sentence))
      dsn_set (&r->command, sentences[i].command);
  if (expired)
    r->reason_hint = "expired";
}

static gboolean
extract (const DsnInput *in)
{
  DsnReport *rep = in->report;
  const char *text = dsn_unix_report_text (in);
  const char *returned = dsn_find_returned_marker (text);
  const char *enclosed = strstr (text, "--- Enclosed is a copy of the message");
  if (enclosed && (!returned || enclosed < returned))
    returned = dsn_next_line (enclosed);
  const char *end = returned ? dsn_line_start (text, returned) : text + strlen (text);
  if (returned && !in->has_returned)
    dsn_input_set_returned_text (in, returned);

  /* Paragraphs: "<address>:" and the lines up to a blank line. */
  DsnRecipient *r = NULL;
  const char *para = NULL;
  const char *pos = text, *p;
  gsize len;
  while (dsn_text_next_line_until (&pos, end, &p, &len)) {
    const char *le = p + len;
    const char *rest = NULL;
    g_autofree char *addr = paragraph_address (p, len, &rest);
    gboolean blank = TRUE;
    for (const char *q = p; q < le && blank; q++)
      blank = g_ascii_isspace (*q);
    if (addr || blank) {
      complete (r, para, p);
      r = NULL;
    }
    if (addr) {
      r = dsn_report_find_recipient (rep, addr);
      if (!r)
        r = dsn_report_add_recipient (rep, addr);
      /* The reason may start on the address line. */
      para = rest;
      while (para < le && (*para == ' ' || *para == '\t'))
        para++;
      if (para == le)
        para = pos;
    }
  }
  complete (r, para, end);
  if (rep->recipients->len == 0)
    return FALSE;
  dsn_unix_finish (rep);
  return TRUE;
}

DSN_DIALECT (qmail);
