/* The toolbox every dialect uses (dialect.h): searching the input, building
 * the report.
 * SPDX-License-Identifier: BSD-2-Clause */
#include "dialect.h"

#include <string.h>

const char *
dsn_body_find (const DsnInput *in, const char *needle)
{
  return in->body_lower ? dsn_lower_find (in->body, in->body_lower, in->body_pairs, needle)
                        : dsn_strcasestr (in->body, needle);
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
dsn_text_find_command_in (const char *text, const DsnCommandPhrase *phrases, gsize n)
{
  for (gsize i = 0; text && i < n; i++)
    if (dsn_strcasestr (text, phrases[i].phrase))
      return phrases[i].command;
  return NULL;
}

const char *
dsn_text_find_command (const char *text)
{
  static const DsnCommandPhrase map[] = {
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
    /* Other wordings of the same: "SMTP error from remote server after RCPT
     * command" (GMX, Web.de), "in response to the RCPT TO command". */
    { "after rcpt command", "RCPT" },
    { "after mail command", "MAIL" },
    { "after data command", "DATA" },
    { "in response to rcpt to", "RCPT" },
    { "in response to the rcpt to", "RCPT" },
    { "in response to mail from", "MAIL" },
    { "in response to the mail from", "MAIL" },
    { "in response to end of data", "DATA" },
    { "in response to data", "DATA" },
    { "in response to the data", "DATA" },
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
  return dsn_text_find_command_in (text, map, G_N_ELEMENTS (map));
}

/* The most of a report's text taken as one recipient's diagnostic: a
 * server's words are a few lines, and a hostile report could give each of
 * thousands of recipients the whole text. */
#define DIAGNOSTIC_MAX 4096

void
dsn_recipient_set_diagnostic (DsnRecipient *r, const char *text, gssize len)
{
  if (text && (len < 0 || len > DIAGNOSTIC_MAX)) {
    len = len < 0 ? (gssize)strnlen (text, DIAGNOSTIC_MAX + 1) : len;
    if (len > DIAGNOSTIC_MAX) {
      len = DIAGNOSTIC_MAX;
      while (len > 0 && ((guchar)text[len] & 0xc0) == 0x80)
        len--; /* not inside a character */
    }
  }
  dsn_set_len (&r->diagnostic, text, len);
  dsn_text_squeeze (r->diagnostic);
  if (r->diagnostic && !*r->diagnostic) {
    g_free (r->diagnostic);
    r->diagnostic = NULL;
  }
}

gboolean
dsn_line_is_blank (const char *line, gsize len)
{
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isspace (line[i]))
      return FALSE;
  return TRUE;
}

guint
dsn_add_failed_recipients (const DsnInput *in)
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

/* Compared folded: case and accents do not matter. */
static const char *const pending_sentences[] = {
  "this is a warning only",
  "will keep trying",
  "will be retried",
  "has been delayed",
  "have been delayed",
  "ceci est un avertissement",
  "ceci n'est qu'un avertissement",
  "nouvelles tentatives",
  "continuera d'essayer",
  "continuera à essayer",
  "dies ist nur eine warnung",
  "weitere zustellversuche",
  "wird weiterhin versuchen",
  "questo è solo un avviso",
  "continuerà a tentare",
  "continuerà a provare",
  "esto es solo una advertencia",
  "seguirá intentando",
  "seguirá intentándolo",
  NULL,
};

gboolean
dsn_text_says_pending (const char *text)
{
  return dsn_text_has_folded (text, pending_sentences);
}
