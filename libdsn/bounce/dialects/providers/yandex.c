/* Yandex.Mail: Postfix's report with a Russian preamble, an RFC 3464 part
 * with X-Yandex-* fields; the text names the failing command and host:
 * "<user@example.org>: host mx.example.org[192.0.2.1] said: 550 ... (in reply
 * to RCPT TO command)".
 * SPDX-License-Identifier: BSD-2-Clause */
#include "../dialect.h"
#include "providers.h"

#include <string.h>

static gboolean
detect (const DsnInput *in)
{
  static const char *const senders[] = { "@yandex.", NULL };
  return dsn_from_has (in, senders) || dsn_report_get_field (in->report, "X-Yandex-Queue-ID")
         || dsn_body_find (in, "This is the mail system at host yandex.");
}

static void
read_paragraph (DsnReport *rep, const char *para)
{
  if (para[0] != '<')
    return;
  const char *close = strstr (para, ">:");
  if (!close)
    return;
  g_autofree char *addr = g_strndup (para + 1, close - para - 1);
  if (!dsn_text_is_address (addr))
    return;
  DsnRecipient *r = dsn_report_find_recipient (rep, addr);
  if (!r) {
    r = dsn_report_add_recipient (rep, addr);
    r->action = DSN_ACTION_FAILED;
  }
  const char *words = close + 2;
  /* "host mx.example.org[192.0.2.1] said: 550 ..." */
  const char *host = strstr (words, "host ");
  const char *said = strstr (words, " said: ");
  if (host && said && host < said) {
    host += strlen ("host ");
    if (!r->remote_mta)
      dsn_set_len (&r->remote_mta, host, strcspn (host, "[ "));
    words = said + strlen (" said: ");
  }
  while (*words == ' ')
    words++;
  /* "connect to mx.example.org[192.0.2.1]:25: Connection timed out" */
  if (dsn_has_prefix_ci (words, "connect to ")) {
    const char *h = words + strlen ("connect to ");
    if (!r->remote_mta)
      dsn_set_len (&r->remote_mta, h, strcspn (h, "[: "));
    if (!r->command)
      dsn_set (&r->command, "CONN");
  }
  if (!r->command)
    dsn_set (&r->command, dsn_text_find_command (words));
  if (!r->diagnostic) {
    g_autofree char *w = g_strdup (words);
    /* Postfix's own note about the session step is not the server's words. */
    char *note = strstr (w, " (in reply to ");
    if (note)
      *note = '\0';
    dsn_recipient_set_diagnostic (r, w, -1);
  }
}

static gboolean
extract (const DsnInput *in)
{
  DsnReport *rep = in->report;
  const char *text = in->first_text;
  const char *end = dsn_provider_report_end (in, text);
  GString *para = g_string_new (NULL);
  const char *pos = text, *line;
  gsize len;
  while (dsn_text_next_line (&pos, &line, &len) && line < end) {
    if (len == 0 || (line[0] != ' ' && line[0] != '\t' && para->len)) {
      read_paragraph (rep, dsn_text_squeeze (para->str));
      g_string_truncate (para, 0);
    }
    if (len) {
      g_string_append_c (para, ' ');
      g_string_append_len (para, line, len);
    }
  }
  read_paragraph (rep, dsn_text_squeeze (para->str));
  g_string_free (para, TRUE);
  return rep->recipients->len > 0;
}

DSN_DIALECT (yandex);
