/* Microsoft Exchange 5.5 to 2003: text reports listing, for each recipient,
 * "user@example.org on <date>" and Exchange's words below it. The Internet
 * Mail Service ("did not reach the following recipient(s):") adds its MSEXCH
 * error code; Exchange 2000/2003 ("The following recipient(s) cannot be
 * reached:") ends with "<host #5.1.1 smtp;550 ...>". Both were sold
 * translated: the headings below are matched in French, German, Italian and
 * Spanish too.
 * SPDX-License-Identifier: BSD-2-Clause */
#include "../dialect.h"

#include <string.h>

static const char *const starts[] = {
  "did not reach the following recipient",
  "The following recipient(s) cannot be reached:",
  "The following recipient(s) could not be reached:",
  /* The same heading in French, German, Italian and Spanish Exchange. */
  "Impossible de joindre le ou les destinataires suivants",
  "Impossible d'atteindre le ou les destinataires suivants",
  "Les destinataires suivants sont inaccessibles",
  "Folgende(r) Empfänger kann/können nicht erreicht werden",
  "Die folgenden Empfänger können nicht erreicht werden",
  "Impossibile raggiungere i seguenti destinatari",
  "I seguenti destinatari non sono raggiungibili",
  "No se puede tener acceso a los siguientes destinatarios",
  "No se pudo llegar a los siguientes destinatarios",
  NULL,
};

/* "Your message did not reach some or all of the intended recipients." */
static const char *const intros[] = {
  "Your message did not reach some or all of the intended recipients",
  "n'a pas atteint certains ou l'ensemble des destinataires",
  "n'a pas atteint certains ou la totalité des destinataires",
  "hat einige oder alle Empfänger nicht erreicht",
  "non ha raggiunto alcuni o tutti i destinatari",
  "no llegó a algunos o a todos los destinatarios",
  "no llegó a alguno o a todos los destinatarios",
  NULL,
};

/* The word between the address and the date on a recipient line:
 * "user@example.org on 4/29/2010", "... le 29/04/2010", "... am 29.04.2010". */
static const char *const date_words[] = { " on ", " le ", " am ", " il ", " el ", " en ", NULL };

static const char *
list_start (const DsnInput *in)
{
  return dsn_body_find_any (in, starts);
}

static gboolean
detect (const DsnInput *in)
{
  if (dsn_header_has (in, "X-MS-Embedded-Report", NULL)
      || dsn_header_has (in, "X-Mailer", "Internet Mail Service"))
    return TRUE;
  if (dsn_body_find (in, "did not reach the following recipient") && dsn_body_find (in, "MSEXCH:"))
    return TRUE;
  if (!list_start (in))
    return FALSE;
  return dsn_body_find_any (in, intros) != NULL;
}

/* The reasons of Exchange's own error codes, "MSEXCH:IMS:... 0 (000C05A6)". */
static const struct {
  const char *code;
  const char *reason;
} error_codes[] = {
  { "000C05A6", "userunknown" },   /* Unknown Recipient */
  { "000C0595", "filtered" },      /* Ambiguous Recipient */
  { "00010256", "systemerror" },   /* Too many recipients */
  { "000D06B5", "systemerror" },   /* No proxy for recipient */
  { "00120270", "networkerror" },  /* Too many hops */
  { "00050311", "contenterror" },  /* Conversion to Internet format failed */
  { "000502CC", "contenterror" },  /* Conversion to Internet format failed */
  { "000B0981", "securityerror" }, /* The server does not support AUTH */
};

/* "user@example.org on Thu, 29 Apr 2010 00:00:00 -0000" (or "le", "am", ...
 * in a translated report): the recipient line. */
static char *
recipient_line (const char *line, gsize len)
{
  while (len && g_ascii_isspace (*line))
    line++, len--;
  const char *sp = memchr (line, ' ', len);
  gboolean dated = FALSE;
  for (const char *const *w = date_words; sp && *w && !dated; w++)
    dated = g_str_has_prefix (sp, *w);
  if (!dated)
    return NULL;
  g_autofree char *addr = g_strndup (line, sp - line);
  return dsn_text_is_address (addr) ? g_steal_pointer (&addr) : NULL;
}

/* "<mail.example.org #5.1.1 smtp;550 5.1.1 <user@example.org>... User
 * unknown>": the status, and the remote server's words. The host is the
 * Exchange server that wrote the report. */
static void
read_trailer (DsnRecipient *r, const char *block)
{
  const char *hash = NULL;
  for (const char *p = strchr (block, '<'); p; p = strchr (p + 1, '<')) {
    gsize n = strcspn (p + 1, " >");
    if (n && p[1 + n] == ' ' && p[2 + n] == '#')
      hash = p + 1 + n;
  }
  if (!hash)
    return;
  char code[12];
  if (!r->status && dsn_text_status_at (hash + 2, code)) {
    dsn_set (&r->status, code);
    r->status_source = DSN_SOURCE_TEXT;
  }
  const char *smtp = strstr (hash, "smtp;");
  if (!smtp)
    return;
  smtp += strlen ("smtp;");
  const char *close = strrchr (smtp, '>');
  if (!r->diagnostic)
    dsn_recipient_set_diagnostic (r, smtp, close ? close - smtp : -1);
}

static void
finish (DsnRecipient *r, GString *block)
{
  if (!r)
    return;
  /* The MTS-ID line (and its wrapped tail) identifies the original message,
   * it says nothing about the failure. */
  const char *mts = strstr (block->str, "The MTS-ID of the original message is:");
  if (mts) {
    const char *msexch = strstr (mts, "MSEXCH:");
    gsize from = mts - block->str;
    gsize to = msexch ? (gsize)(msexch - block->str) : block->len;
    g_string_erase (block, from, to - from);
  }
  read_trailer (r, block->str);
  if (!r->diagnostic)
    dsn_recipient_set_diagnostic (r, block->str, block->len);
  g_string_truncate (block, 0);
  const char *paren = r->diagnostic ? strstr (r->diagnostic, "MSEXCH:") : NULL;
  paren = paren ? strchr (paren, '(') : NULL;
  for (gsize i = 0; paren && i < G_N_ELEMENTS (error_codes); i++)
    if (g_ascii_strncasecmp (paren + 1, error_codes[i].code, 8) == 0)
      r->reason_hint = error_codes[i].reason;
  if (!r->command)
    dsn_set (&r->command, dsn_text_find_command (r->diagnostic));
}

static gboolean
extract (const DsnInput *in)
{
  DsnReport *rep = in->report;
  const char *start = list_start (in);
  if (!start)
    return rep->recipients->len > 0;
  const char *end = dsn_find_returned_marker (start);
  if (!end)
    end = start + strlen (start);
  DsnRecipient *cur = NULL;
  GString *block = g_string_new (NULL);
  const char *pos = dsn_next_line (start), *line;
  gsize len;
  while (dsn_text_next_line (&pos, &line, &len) && line < end) {
    g_autofree char *addr = recipient_line (line, len);
    if (addr) {
      finish (cur, block);
      cur = dsn_report_find_recipient (rep, addr);
      if (!cur)
        cur = dsn_report_add_recipient (rep, addr);
      if (cur->action == DSN_ACTION_NONE)
        cur->action = DSN_ACTION_FAILED;
    } else if (cur && len) {
      if (block->len)
        g_string_append_c (block, ' ');
      g_string_append_len (block, line, len);
    } else if (cur && block->len) {
      finish (cur, block);
      cur = NULL;
    }
  }
  finish (cur, block);
  g_string_free (block, TRUE);
  return rep->recipients->len > 0;
}

DSN_DIALECT (exchange2003);
