/* Mail.ru: Exim's report, in Russian then in English ("The following
 * address(es) failed:"), each recipient indented with its explanation
 * below it, and the message after "------ This is a copy of the message".
 * SPDX-License-Identifier: BSD-2-Clause */
#include "../dialect.h"
#include "providers.h"

#include <string.h>

static gboolean
detect (const DsnInput *in)
{
  static const char *const senders[] = { "mail.ru", NULL };
  return dsn_from_has (in, senders)
         && dsn_body_find (in, "This message was created automatically by mail delivery software");
}

/* Exim's explanation of a recipient: "SMTP error from remote mail server
 * after RCPT TO:<user@example.org>: host mx.example.org [192.0.2.1]: 550 5.1.1
 * <user@example.org>... User Unknown" (newer versions name the host first),
 * or its own words ("Unrouteable address", "retry timeout exceeded"). */
static void
explain (DsnRecipient *r, GString *text)
{
  if (!r || !text->len)
    return;
  g_autofree char *s = dsn_text_squeeze (g_strdup (text->str));
  g_string_truncate (text, 0);
  const char *words = s;
  /* "host mx.example.org [192.0.2.1]" */
  for (const char *h = strstr (s, "host "); h; h = strstr (h + 1, "host ")) {
    const char *name = h + strlen ("host ");
    gsize n = strcspn (name, " ");
    if ((h == s || h[-1] == ' ') && n && g_str_has_prefix (name + n, " [")) {
      dsn_set_len (&r->remote_mta, name, n);
      break;
    }
  }
  const char *error = dsn_strcasestr (s, "SMTP error from remote ");
  if (error) {
    dsn_set (&r->command, dsn_text_find_command (error));
    /* The server's words start with its reply code, after the command. */
    const char *after = strstr (error, ">: ");
    char reply[4];
    const char *code = dsn_text_find_reply_code (after ? after : error, reply);
    if (code)
      words = code;
  }
  dsn_recipient_set_diagnostic (r, words, -1);
  if (dsn_strcasestr (s, "retry timeout exceeded")) { /* Exim's words */
    r->reason_hint = "expired";
    r->deferred = TRUE;
  }
}

static gboolean
extract (const DsnInput *in)
{
  DsnReport *rep = in->report;
  const char *text = in->body;
  const char *end = dsn_provider_report_end (in, text);
  /* The English part repeats the Russian one: read it alone. */
  const char *start
      = dsn_strcasestr (text, "This message was created automatically by mail delivery software");
  if (!start || start >= end)
    return FALSE;
  start = dsn_strcasestr (start, "failed:");
  if (!start || start >= end)
    return FALSE;
  DsnRecipient *cur = NULL;
  gsize indent = 0;
  GString *why = g_string_new (NULL);
  const char *pos = dsn_next_line (start), *line;
  gsize len;
  while (dsn_text_next_line (&pos, &line, &len) && line < end) {
    gsize lead = 0;
    while (lead < len && (line[lead] == ' ' || line[lead] == '\t'))
      lead++;
    if (lead == len) {
      explain (cur, why);
      cur = NULL;
      continue;
    }
    g_autofree char *l = g_strndup (line + lead, len - lead);
    g_strstrip (l);
    /* The address line; its explanation is indented further. */
    if (dsn_text_is_address (l) && !strchr (l, ' ') && (!cur || lead <= indent)) {
      explain (cur, why);
      cur = dsn_report_find_recipient (rep, l);
      if (!cur)
        cur = dsn_report_add_recipient (rep, l);
      cur->action = DSN_ACTION_FAILED;
      indent = lead;
    } else if (cur && lead > indent) {
      g_string_append_c (why, ' ');
      g_string_append (why, l);
    } else {
      explain (cur, why);
      cur = NULL;
    }
  }
  explain (cur, why);
  g_string_free (why, TRUE);
  return rep->recipients->len > 0;
}

DSN_DIALECT (mailru);
