/* Yahoo! Mail (and the providers that share its servers, AOL and Verizon
 * Media): "Sorry, we were unable to deliver your message to the following
 * address.", then "<address>:" and the remote server's words, and the
 * returned message after "--- Below this line is a copy of the message.".
 * SPDX-License-Identifier: BSD-2-Clause */
#include "../dialect.h"
#include "providers.h"

#include <string.h>

static const char *const lead
    = "Sorry, we were unable to deliver your message to the following address";

static gboolean
detect (const DsnInput *in)
{
  return dsn_body_find (in, lead) != NULL;
}

/* The step of the session Yahoo names after the server's words: "[RCPT_TO]". */
static const char *
session_step (const char *tag)
{
  static const struct {
    const char *tag;
    const char *command;
  } map[] = {
    { "[RCPT_TO]", "RCPT" }, { "[MAIL_FROM]", "MAIL" },    { "[DATA]", "DATA" },
    { "[BODY]", "DATA" },    { "[CONNECT]", "CONN" },      { "[EHLO]", "HELO" },
    { "[HELO]", "HELO" },    { "[STARTTLS]", "STARTTLS" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (map); i++)
    if (strstr (tag, map[i].tag))
      return map[i].command;
  return NULL;
}

static void
finish (DsnRecipient *r, GString *diag)
{
  if (!r)
    return;
  /* "[RCPT_TO]" closes the server's words. */
  const char *tag = strrchr (diag->str, '[');
  if (tag && session_step (tag)) {
    dsn_set (&r->command, session_step (tag));
    g_string_truncate (diag, tag - diag->str);
  }
  dsn_recipient_set_diagnostic (r, diag->str, diag->len);
  g_string_truncate (diag, 0);
  /* Yahoo writes the reply code with a colon: "550: 5.2.2 <...>... Mailbox Full". */
  const char *d = r->diagnostic;
  if (d && !r->reply_code && (d[0] == '4' || d[0] == '5') && g_ascii_isdigit (d[1])
      && g_ascii_isdigit (d[2]) && d[3] == ':')
    r->reply_code = g_strndup (d, 3);
}

static gboolean
extract (const DsnInput *in)
{
  DsnReport *rep = in->report;
  const char *text = in->body;
  const char *start = dsn_strcasestr (text, lead);
  if (!start)
    return FALSE;
  const char *end = dsn_provider_report_end (in, text);
  DsnRecipient *cur = NULL;
  GString *diag = g_string_new (NULL);
  const char *pos = dsn_next_line (start), *line;
  gsize len;
  while (dsn_text_next_line (&pos, &line, &len) && line < end) {
    g_autofree char *l = g_strndup (line, len);
    g_strstrip (l);
    gsize n = strlen (l);
    /* "<user@example.org>:" starts a recipient. */
    if (n > 3 && l[0] == '<' && l[n - 2] == '>' && l[n - 1] == ':') {
      l[n - 2] = '\0';
      if (dsn_text_is_address (l + 1)) {
        finish (cur, diag);
        cur = dsn_report_find_recipient (rep, l + 1);
        if (!cur)
          cur = dsn_report_add_recipient (rep, l + 1);
        cur->action = DSN_ACTION_FAILED;
        continue;
      }
    }
    if (!cur || !n)
      continue;
    const char *words = l;
    if (dsn_has_prefix_ci (words, "Remote host said:"))
      words += strlen ("Remote host said:");
    if (diag->len)
      g_string_append_c (diag, ' ');
    g_string_append (diag, words);
  }
  finish (cur, diag);
  g_string_free (diag, TRUE);
  return rep->recipients->len > 0;
}

DSN_DIALECT (yahoo);
