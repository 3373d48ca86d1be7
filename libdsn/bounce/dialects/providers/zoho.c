/* Zoho Mail: a text report ("This message was created automatically by mail
 * delivery software.") with one line per recipient, "user@example.org
 * Invalid Address, ERROR_CODE :550, ERROR_CODE :<the server's words>", or
 * for a delay "[Status: Error, Address: <user@example.org>, ResponseCode
 * 421, , Host not reachable.]"; the original's headers follow inline.
 * SPDX-License-Identifier: BSD-2-Clause */
#include "../dialect.h"

#include <string.h>

static gboolean
detect (const DsnInput *in)
{
  static const char *const senders[] = { "zoho", NULL };
  return (dsn_from_has (in, senders) || dsn_header_has (in, "X-Mailer", "Zoho Mail"))
         && (dsn_body_find (in, "ERROR_CODE :") || dsn_body_find (in, "ResponseCode "));
}

static void
set_reply (DsnRecipient *r, const char *digits)
{
  if ((digits[0] == '4' || digits[0] == '5') && g_ascii_isdigit (digits[1])
      && g_ascii_isdigit (digits[2]))
    dsn_set_len (&r->reply_code, digits, 3);
}

/* "user@example.org Invalid Address, ERROR_CODE :550, ERROR_CODE :5.1.1 ..." */
static void
read_error_line (DsnReport *rep, const char *line)
{
  const char *first = strstr (line, "ERROR_CODE :");
  const char *second = first ? strstr (first + 1, "ERROR_CODE :") : NULL;
  g_autofree char *addr
      = dsn_text_find_address_len (line, first ? (gsize)(first - line) : strlen (line));
  if (!addr || !second)
    return;
  DsnRecipient *r = dsn_report_find_recipient (rep, addr);
  if (!r)
    r = dsn_report_add_recipient (rep, addr);
  r->action = DSN_ACTION_FAILED;
  set_reply (r, first + strlen ("ERROR_CODE :"));
  const char *words = second + strlen ("ERROR_CODE :");
  while (*words == ',' || *words == ' ')
    words++;
  dsn_recipient_set_diagnostic (r, words, -1);
}

/* "[Status: Error, Address: <user@example.org>, ResponseCode 421, , Host not reachable.]" */
static void
read_status_line (DsnReport *rep, const char *line, DsnAction action)
{
  const char *a = strstr (line, "Address:");
  const char *code = strstr (line, "ResponseCode ");
  g_autofree char *addr = a ? dsn_text_find_address (a) : NULL;
  if (!addr || !code)
    return;
  DsnRecipient *r = dsn_report_find_recipient (rep, addr);
  if (!r)
    r = dsn_report_add_recipient (rep, addr);
  r->action = action;
  code += strlen ("ResponseCode ");
  set_reply (r, code);
  const char *words = code + strcspn (code, ",");
  while (*words == ',' || *words == ' ')
    words++;
  g_autofree char *w = g_strdup (words);
  char *close = strrchr (w, ']');
  if (close)
    *close = '\0';
  dsn_recipient_set_diagnostic (r, w, -1);
}

static gboolean
extract (const DsnInput *in)
{
  DsnReport *rep = in->report;
  const char *text = in->first_text;
  /* The original's headers start at the first "Received:" line. */
  const char *end = NULL;
  for (const char *p = strstr (text, "Received:"); p && !end; p = strstr (p + 1, "Received:"))
    if (p == text || p[-1] == '\n')
      end = p;
  if (end)
    dsn_input_set_returned_text (in, end);
  else
    end = text + strlen (text);
  gboolean warning = dsn_strcasestr (text, "THIS IS A WARNING MESSAGE ONLY") != NULL;
  DsnAction action = warning ? DSN_ACTION_DELAYED : DSN_ACTION_FAILED;
  const char *pos = text, *line;
  gsize len;
  while (dsn_text_next_line (&pos, &line, &len) && line < end) {
    g_autofree char *l = g_strndup (line, len);
    if (strstr (l, "ERROR_CODE :"))
      read_error_line (rep, l);
    else if (strstr (l, "ResponseCode "))
      read_status_line (rep, l, action);
  }
  /* A permanent failure whose last answer was temporary: Zoho stopped
   * retrying. */
  for (guint i = 0; !warning && i < rep->recipients->len; i++) {
    DsnRecipient *r = rep->recipients->pdata[i];
    if (r->reply_code && r->reply_code[0] == '4')
      r->reason_hint = "expired";
  }
  return rep->recipients->len > 0;
}

DSN_DIALECT (zoho);
