/* Postfix: a notification in prose, one paragraph per recipient
 * ("<user@example.org>: host mx.example.org[192.0.2.1] said: 550 5.1.1 ...
 * (in reply to RCPT TO command)"), and since 2.x a delivery-status part with
 * X-Postfix-* fields. The SMTP server also mails the postmaster a session
 * transcript ("Postfix SMTP server: errors from ...").
 * SPDX-License-Identifier: BSD-2-Clause */
#include "../dialect.h"
#include "unix.h"

#include <string.h>

static const char *const intros[] = {
  "This is the mail system at host",
  "This is the Postfix program at host",
  /* Translations of the bounce templates (bounce_template_file), as
   * providers install them. */
  "Ceci est le système de messagerie",
  "Ceci est le programme Postfix",
  "Dies ist das Mailsystem",
  "Dies ist das Mail-System",
  "Dies ist das E-Mail-System",
  "Dies ist das Postfix-Programm",
  "Questo è il sistema di posta",
  "Questo è il programma Postfix",
  "Este es el sistema de correo",
  "Este es el programa Postfix",
  NULL,
};

/* The first line of a delay notice: "THIS IS A WARNING ONLY. YOU DO NOT NEED
 * TO RESEND YOUR MESSAGE." and its translations. */
static const char *const warnings[] = {
  "THIS IS A WARNING ONLY",
  "CECI EST UN AVERTISSEMENT SEULEMENT",
  "CECI N'EST QU'UN AVERTISSEMENT",
  "CECI EST UN SIMPLE AVERTISSEMENT",
  "DIES IST NUR EINE WARNUNG",
  "QUESTO È SOLO UN AVVISO",
  "QUESTO È SOLTANTO UN AVVISO",
  "ESTO ES SOLO UNA ADVERTENCIA",
  "ESTO ES ÚNICAMENTE UNA ADVERTENCIA",
  NULL,
};

static gboolean
detect (const DsnInput *in)
{
  if (dsn_report_get_field (in->report, "X-Postfix-Queue-ID")
      || dsn_report_get_field (in->report, "X-Postfix-Sender"))
    return TRUE;
  if (dsn_body_find_any (in, intros))
    return TRUE;
  /* A recipient paragraph pasted on its own: "<user@example.org>: host
   * mx.example.org[192.0.2.1] said: 550 ... (in reply to RCPT TO command)". */
  if (in->pasted && in->body[0] == '<' && dsn_body_find (in, " said: ")
      && dsn_body_find (in, "(in reply to "))
    return TRUE;
  /* Its subjects ("Undelivered Mail Returned to Sender") are borrowed by
   * other systems; the SMTP server's notice to the postmaster is not. */
  return dsn_strcasestr (in->subject, "SMTP server: errors from") != NULL;
}

/* ------------------------------------------------------------ paragraphs */

/* One "<address>: text" paragraph of the notification. */
typedef struct {
  char *address;
  char *original; /* "(expanded from <...>)" */
  char *text;     /* what follows "<address>: ", folded lines joined */
} Paragraph;

static void
paragraph_clear (gpointer p)
{
  Paragraph *para = p;
  g_free (para->address);
  g_free (para->original);
  g_free (para->text);
}

/* "<user@example.org>" followed by ":" or " (expanded from": the start of a
 * recipient paragraph (after optional indentation). */
static gboolean
is_paragraph_start (const char *line, gsize len)
{
  while (len && (*line == ' ' || *line == '\t'))
    line++, len--;
  if (len < 4 || line[0] != '<')
    return FALSE;
  const char *close = memchr (line, '>', len);
  if (!close || !memchr (line, '@', close - line) || memchr (line, ' ', close - line))
    return FALSE;
  gsize rest = line + len - close - 1;
  return (rest >= 1 && close[1] == ':')
         || (rest >= 15 && g_ascii_strncasecmp (close + 1, " (expanded from", 15) == 0);
}

/* TRUE if the paragraph BLOCK (starting "<address>") and the LINE (LEN
 * bytes, starting "<address>") name the same address. */
static gboolean
same_address (const char *block, const char *line, gsize len)
{
  const char *bc = strchr (block, '>');
  const char *lc = memchr (line, '>', len);
  return bc && lc && bc - block == lc - line && g_ascii_strncasecmp (block, line, bc - block) == 0;
}

/* Parses a joined paragraph: "<user@example.org> (expanded from
 * <alias@example.org>): text". */
static gboolean
parse_paragraph (char *joined, Paragraph *para)
{
  char *p = joined + 1;
  char *close = strchr (p, '>');
  if (!close)
    return FALSE;
  para->address = g_strndup (p, close - p);
  p = close + 1;
  if (dsn_has_prefix_ci (p, " (expanded from <")) {
    char *o = p + 17;
    char *oc = strchr (o, '>');
    if (!oc)
      return FALSE;
    para->original = g_strndup (o, oc - o);
    p = oc + 1;
    if (*p == ')')
      p++;
  }
  if (*p != ':')
    return FALSE;
  para->text = g_strdup (p + 1);
  g_strstrip (para->text);
  return TRUE;
}

static void
add_paragraph (GArray *paras, GString *block)
{
  char *joined = dsn_text_squeeze (block->str);
  Paragraph para = { 0 };
  if (parse_paragraph (joined, &para))
    g_array_append_val (paras, para);
  else
    paragraph_clear (&para);
  g_string_truncate (block, 0);
}

/* The recipient paragraphs of TEXT: from a line that starts with
 * "<address>:" to a blank line or the next such line at column 0. Postfix
 * indents the folded lines, but reports edited by people or other software
 * do not always. */
static GArray *
read_paragraphs (const char *text)
{
  GArray *paras = g_array_new (FALSE, TRUE, sizeof (Paragraph));
  g_array_set_clear_func (paras, paragraph_clear);
  g_autoptr (GString) block = g_string_new (NULL);
  const char *pos = text, *line;
  gsize len;
  while (dsn_text_next_line (&pos, &line, &len)) {
    gboolean blank = TRUE;
    for (gsize i = 0; i < len && blank; i++)
      blank = g_ascii_isspace (line[i]);
    /* An indented "<address>:" inside a paragraph is a folded reply line;
     * so is one naming the paragraph's own address (the remote server's
     * reply, folded by a person who pasted it without the indentation). */
    gboolean start = is_paragraph_start (line, len) && (!block->len || line[0] == '<')
                     && !(block->len && same_address (block->str, line, len));
    if (block->len && (blank || start))
      add_paragraph (paras, block);
    if (block->len || start) {
      g_string_append_len (block, line, len);
      g_string_append_c (block, ' ');
    }
  }
  if (block->len)
    add_paragraph (paras, block);
  return paras;
}

/* "lost connection with mx.example.org[192.0.2.1] while sending RCPT TO",
 * "conversation with ... timed out while sending message body". */
static const char *
sending_command (const char *text)
{
  static const DsnCommandPhrase map[] = {
    { "while sending MAIL FROM", "MAIL" },   { "while sending RCPT TO", "RCPT" },
    { "while sending DATA", "DATA" },        { "while sending message body", "DATA" },
    { "while sending end of data", "DATA" },
  };
  return dsn_text_find_command_in (text, map, G_N_ELEMENTS (map));
}

/* What a paragraph's prose says: "host mx.example.org[192.0.2.1] said: REPLY
 * (in reply to RCPT TO command)", "... refused to talk to me: REPLY", or
 * Postfix's own words ("connect to ...: Connection timed out"). Fills the
 * fields of R that are still empty. */
static void
complete_from_text (DsnRecipient *r, const char *text)
{
  const char *words = text;
  gsize words_len = strlen (text);
  const char *said = strstr (text, " said: ");
  const char *refused = strstr (text, " refused to talk to me: ");
  const char *host = dsn_strcasestr (text, "host ");
  if (said || refused) {
    words = said ? said + 7 : refused + 24;
    const char *tail = strstr (words, " (in reply to ");
    words_len = tail ? (gsize)(tail - words) : strlen (words);
    if (host && host < (said ? said : refused) && !r->remote_mta)
      r->remote_mta = dsn_unix_host_at (host + 5);
    if (refused && !said && !r->command)
      dsn_set (&r->command, "CONN");
  } else {
    /* "connect to mx.example.org[192.0.2.1]:25: Connection timed out" */
    const char *conn = dsn_strcasestr (text, "connect to ");
    if (conn && !r->remote_mta)
      r->remote_mta = dsn_unix_host_at (conn + 11);
    if (conn && !r->command)
      dsn_set (&r->command, "CONN");
    /* "lost connection with mx.example.org[192.0.2.1] while ...",
     * "conversation with mx.example.org[192.0.2.1] timed out while ..." */
    const char *with = dsn_strcasestr (text, "connection with ");
    if (!with)
      with = dsn_strcasestr (text, "conversation with ");
    if (with && !r->remote_mta)
      r->remote_mta = dsn_unix_host_at (strstr (with, " with ") + 6);
  }
  if (!r->command)
    dsn_set (&r->command, sending_command (text));
  if (!r->command)
    dsn_set (&r->command, dsn_text_find_command (text));
  if (!r->diagnostic || !*r->diagnostic)
    dsn_recipient_set_diagnostic (r, words, words_len);
}

/* The paragraphs by address and by original address: each recipient's is
 * found in constant time, however many there are. */
typedef struct {
  GArray *paras;
  GHashTable *by_address;
  GHashTable *by_original;
} Paragraphs;

static void
index_paragraphs (Paragraphs *ps, GArray *paras)
{
  ps->paras = paras;
  ps->by_address = dsn_address_map_new ();
  ps->by_original = dsn_address_map_new ();
  for (guint i = 0; i < paras->len; i++) {
    const Paragraph *p = &g_array_index (paras, Paragraph, i);
    dsn_address_map_add (ps->by_address, p->address, i);
    dsn_address_map_add (ps->by_original, p->original, i);
  }
}

static void
paragraphs_clear (Paragraphs *ps)
{
  g_hash_table_unref (ps->by_address);
  g_hash_table_unref (ps->by_original);
}

/* The first paragraph about R: its address, or R's original address as the
 * paragraph's address or original. */
static const Paragraph *
find_paragraph (const Paragraphs *ps, const DsnRecipient *r)
{
  guint i = dsn_address_map_get (ps->by_address, r->address);
  if (r->original) {
    i = MIN (i, dsn_address_map_get (ps->by_address, r->original));
    i = MIN (i, dsn_address_map_get (ps->by_original, r->original));
  }
  if (i < ps->paras->len)
    return &g_array_index (ps->paras, Paragraph, i);
  /* A single paragraph for a single recipient, whatever the address says. */
  return ps->paras->len == 1 ? &g_array_index (ps->paras, Paragraph, 0) : NULL;
}

/* ------------------------------------------------------------ transcript */

/* The lines of TEXT with their continuations (lines indented by three
 * spaces or more) joined, white space squeezed. */
static GPtrArray *
logical_lines (const char *text)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  GString *cur = NULL;
  const char *pos = text, *line;
  gsize len;
  while (dsn_text_next_line (&pos, &line, &len)) {
    if (cur && len > 3 && !strncmp (line, "   ", 3)) {
      g_string_append_c (cur, ' ');
      g_string_append_len (cur, line, len);
      continue;
    }
    if (cur)
      g_ptr_array_add (out, dsn_text_squeeze (g_string_free (cur, FALSE)));
    cur = g_string_new_len (line, len);
  }
  if (cur)
    g_ptr_array_add (out, dsn_text_squeeze (g_string_free (cur, FALSE)));
  return out;
}

static const char *
client_command (const char *verb)
{
  if (dsn_has_prefix_ci (verb, "RCPT"))
    return "RCPT";
  if (dsn_has_prefix_ci (verb, "MAIL"))
    return "MAIL";
  if (dsn_has_prefix_ci (verb, "DATA") || g_str_equal (verb, "."))
    return "DATA";
  if (dsn_has_prefix_ci (verb, "EHLO") || dsn_has_prefix_ci (verb, "HELO"))
    return "HELO";
  return NULL;
}

/* "Postfix SMTP server: errors from client[192.0.2.1]": the client's session,
 * "In:  RCPT TO:<user@example.org>" and "Out: 451 4.3.0 Error: ..." lines.
 * An error reply to a RCPT concerns that recipient, to any other command
 * every recipient so far. */
static void
read_server_transcript (DsnReport *rep, const char *text)
{
  g_autoptr (GPtrArray) lines = logical_lines (text);
  const char *command = NULL;
  DsnRecipient *rcpt = NULL;
  guint answered = 0; /* recipients [0, answered) have their diagnostic */
  for (guint i = 0; i < lines->len; i++) {
    const char *s = lines->pdata[i];
    if (g_str_has_prefix (s, "In: ")) {
      command = client_command (s + 4);
      if (command && g_str_equal (command, "RCPT")) {
        g_autofree char *addr = dsn_text_find_address (s + 4);
        rcpt = addr && !dsn_report_find_recipient (rep, addr) ? dsn_report_add_recipient (rep, addr)
                                                              : NULL;
      }
      continue;
    }
    if (!g_str_has_prefix (s, "Out: ") || (s[5] != '4' && s[5] != '5'))
      continue;
    if (command && g_str_equal (command, "RCPT")) {
      if (rcpt && !rcpt->diagnostic) {
        dsn_recipient_set_diagnostic (rcpt, s + 5, -1);
        dsn_set (&rcpt->command, command);
      }
      continue;
    }
    /* Every recipient so far: those already answered are skipped at once. */
    for (guint j = answered; j < rep->recipients->len; j++) {
      DsnRecipient *r = rep->recipients->pdata[j];
      if (r->diagnostic)
        continue;
      dsn_recipient_set_diagnostic (r, s + 5, -1);
      dsn_set (&r->command, command);
    }
    answered = rep->recipients->len;
  }
}

/* ------------------------------------------------------------ extract */

static gboolean
extract (const DsnInput *in)
{
  DsnReport *rep = in->report;
  const char *text = dsn_unix_report_text (in);

  if (rep->recipients->len == 0 && dsn_strcasestr (in->subject, "SMTP server: errors from"))
    read_server_transcript (rep, text);

  /* A report pasted or forwarded whole: its delivery-status fields are text. */
  if (rep->recipients->len == 0 && !in->has_delivery_status)
    dsn_read_inline_fields (rep, in->body);

  g_autoptr (GArray) paras = read_paragraphs (text);
  Paragraphs ps;
  index_paragraphs (&ps, paras);
  if (rep->recipients->len == 0) {
    /* No delivery-status part (Postfix before 2.0, or a pasted report). A
     * delay notice says "THIS IS A WARNING ONLY". */
    g_autofree char *head = g_strndup (text, 4096); /* the banner is at the top */
    gboolean delayed = dsn_text_has_folded (head, warnings);
    for (guint i = 0; i < paras->len; i++) {
      const Paragraph *p = &g_array_index (paras, Paragraph, i);
      if (dsn_report_find_recipient (rep, p->address))
        continue;
      DsnRecipient *r = dsn_report_add_recipient (rep, p->address);
      dsn_set (&r->original, p->original);
      dsn_report_index_recipient (rep, r);
      r->action = delayed ? DSN_ACTION_DELAYED : DSN_ACTION_FAILED;
    }
    const char *returned = dsn_find_returned_marker (text);
    if (returned && !in->has_returned)
      dsn_input_set_returned_text (in, returned);
  }
  /* "--- Delivery report unavailable ---": the recipient is the returned
   * message's. */
  if (rep->recipients->len == 0 && dsn_body_find (in, "Delivery report unavailable"))
    dsn_unix_add_returned_recipient (rep);
  if (rep->recipients->len == 0) {
    paragraphs_clear (&ps);
    return FALSE;
  }

  for (guint i = 0; i < rep->recipients->len; i++) {
    DsnRecipient *r = rep->recipients->pdata[i];
    /* "Diagnostic-Code: X-Postfix; host mx.example.org[192.0.2.1] said: ..."
     * is Postfix's prose around the server's words. */
    if (r->diagnostic
        && (g_strcmp0 (r->diagnostic_type, "x-postfix") == 0
            || dsn_has_prefix_ci (r->diagnostic, "host "))) {
      g_autofree char *prose = g_steal_pointer (&r->diagnostic);
      complete_from_text (r, prose);
    }
    const Paragraph *p = find_paragraph (&ps, r);
    if (p)
      complete_from_text (r, p->text);
  }
  paragraphs_clear (&ps);
  dsn_unix_finish (rep);
  return TRUE;
}

DSN_DIALECT (postfix);
