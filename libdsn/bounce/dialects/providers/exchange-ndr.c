/* The Exchange 2007+ / Office 365 non-delivery report: the "Diagnostic
 * information for administrators" section, the summary at the top, and
 * their French, German, Italian and Spanish translations.
 * SPDX-License-Identifier: BSD-2-Clause */
#include "../dialect.h"
#include "providers.h"

#include <string.h>

/* A host name (or address) alone on its line. */
static char *
lone_host (const char *line, gsize len)
{
  while (len && g_ascii_isspace (*line))
    line++, len--;
  while (len && g_ascii_isspace (line[len - 1]))
    len--;
  if (!len || !memchr (line, '.', len))
    return NULL;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isalnum (line[i]) && line[i] != '.' && line[i] != '-' && line[i] != '_')
      return NULL;
  return g_strndup (line, len);
}

typedef struct {
  GString *text; /* the server's words */
  char *host;    /* "Remote Server at HOST returned" */
  gboolean open; /* the quoted words continue on the next line */
} ExchangeAttempt;

static void
exchange_attempt_clear (gpointer p)
{
  ExchangeAttempt *a = p;
  g_string_free (a->text, TRUE);
  g_free (a->host);
}

/* The server's reply quoted on an admin line: after "returned '" in
 * English, after the quote that opens a reply in the translations ("Le
 * serveur distant a renvoyé '550 5.1.1 ...'", "Remoteserver hat '550 ...'
 * zurückgegeben", "Il server remoto ha restituito '...'", "El servidor
 * remoto devolvió '...'"). NULL if the line quotes none. */
static const char *
quoted_reply (const char *line)
{
  const char *ret = dsn_strcasestr (line, "returned '");
  if (ret)
    return ret + strlen ("returned '");
  char reply[4], code[12];
  for (const char *q = strchr (line, '\''); q; q = strchr (q + 1, '\'')) {
    const char *t = q + 1;
    if (dsn_text_reply_code_at (t, reply) || dsn_text_status_at (t, code))
      return t;
  }
  return NULL;
}

/* The remote host a translated admin line names before the quoted reply:
 * "Le serveur distant à mx.example.org (192.0.2.3) a renvoyé '...'",
 * "Remoteserver unter mx.example.org (192.0.2.3) hat '...'": the word
 * before the parenthesised address. */
static char *
host_before_address (const char *line, const char *reply)
{
  for (const char *p = strstr (line, " ("); p && p < reply; p = strstr (p + 1, " (")) {
    /* "(192.0.2.3)", "(2001:db8::25)" */
    const char *close = strchr (p + 2, ')');
    if (!close || close > reply || !(g_ascii_isdigit (p[2]) || memchr (p + 2, ':', close - p - 2)))
      continue;
    const char *w = p;
    while (w > line && (g_ascii_isalnum (w[-1]) || w[-1] == '.' || w[-1] == '-' || w[-1] == '_'))
      w--;
    if (p - w > 2 && memchr (w, '.', p - w) && g_ascii_isalnum (*w))
      return g_strndup (w, p - w);
  }
  return NULL;
}

/* Reads an error line of the admin section into A:
 *   #550 5.1.1 RESOLVER.ADR.RecipNotFound; not found ##
 *   #< #5.1.1 smtp;550 5.1.1 RESOLVER.ADR.RecipNotFound; not found> #SMTP#
 *   Remote Server returned '550 5.1.1 RESOLVER.ADR.RecipNotFound; not found'
 *   3/09/2016 8:05:56 PM - Remote Server at mx.example.org (192.0.2.3) returned '441 4.4.1 ...' */
static gboolean
exchange_error_line (const char *line, gsize len, ExchangeAttempt *a)
{
  g_autofree char *s = g_strndup (line, len);
  g_strstrip (s);
  if (s[0] == '#' && (g_ascii_isdigit (s[1]) || s[1] == '<')) {
    const char *t = s + 1;
    const char *smtp = dsn_strcasestr (t, "smtp;");
    if (smtp)
      t = smtp + 5;
    const char *e = strstr (t, "##");
    if (!e && smtp)
      e = strrchr (t, '>');
    if (!e)
      e = t + strlen (t);
    while (*t == '<' || *t == ' ')
      t++;
    if (e <= t)
      return FALSE;
    a->text = g_string_new_len (t, e - t);
    return TRUE;
  }
  const char *t = quoted_reply (s);
  if (!t)
    return FALSE;
  const char *q = strrchr (t, '\'');
  a->open = !q;
  a->text = g_string_new_len (t, q ? q - t : (gssize)strlen (t));
  const char *at = dsn_strcasestr (s, "Server at ");
  if (at && at < t) {
    at += strlen ("Server at ");
    gsize n = strcspn (at, " (");
    if (n)
      a->host = g_strndup (at, n);
  } else {
    a->host = host_before_address (s, t);
  }
  return TRUE;
}

/* The report's own expiry notice ("550 4.4.7 QUEUE.Expired; message expired"),
 * listed before the remote server's last answer. */
static gboolean
is_expiry_notice (const char *text)
{
  char code[12];
  if (dsn_text_find_status (text, code) && g_str_has_prefix (code + 1, ".4.7"))
    return TRUE;
  return dsn_strcasestr (text, "expired") != NULL;
}

static guint
exchange_apply (const DsnInput *in, const char *addr, const char *host, GArray *attempts,
                gboolean add)
{
  if (!addr || attempts->len == 0)
    return 0;
  DsnRecipient *r = dsn_report_find_recipient (in->report, addr);
  if (!r && !add)
    return 0;
  if (!r) {
    r = dsn_report_add_recipient (in->report, addr);
    r->action = DSN_ACTION_FAILED;
  }
  ExchangeAttempt *last = &g_array_index (attempts, ExchangeAttempt, 0);
  ExchangeAttempt *cause = NULL;
  /* Attempts are listed newest first: behind an expiry notice, the remote
   * server's last answer is the cause. */
  if (attempts->len > 1 && is_expiry_notice (last->text->str))
    cause = &g_array_index (attempts, ExchangeAttempt, 1);
  if (!r->diagnostic)
    dsn_recipient_set_diagnostic (r, last->text->str, last->text->len);
  const char *rhost = cause ? cause->host : last->host;
  if (!r->remote_mta)
    dsn_set (&r->remote_mta, rhost ? rhost : host);
  if (cause) {
    char code[12], reply[4];
    if (dsn_text_find_status (cause->text->str, code)) {
      dsn_set (&r->status, code);
      r->status_source = DSN_SOURCE_TEXT;
    }
    if (dsn_text_find_reply_code (cause->text->str, reply))
      dsn_set (&r->reply_code, reply);
    r->reason_hint = "expired";
  }
  return 1;
}

static guint
read_exchange_admin (const DsnInput *in, gboolean add)
{
  guint found = 0;
  char *addr = NULL, *host = NULL;
  GArray *attempts = g_array_new (FALSE, TRUE, sizeof (ExchangeAttempt));
  g_array_set_clear_func (attempts, exchange_attempt_clear);
  const char *end = dsn_find_returned_marker (in->body);
  const char *pos = in->body, *line;
  gsize len;
  while (dsn_text_next_line (&pos, &line, &len) && (!end || line < end)) {
    ExchangeAttempt a = { 0 };
    char *s;
    ExchangeAttempt *prev
        = attempts->len ? &g_array_index (attempts, ExchangeAttempt, attempts->len - 1) : NULL;
    if (prev && prev->open) {
      const char *q = NULL;
      for (gsize i = len; i > 0 && !q; i--)
        if (line[i - 1] == '\'')
          q = line + i - 1;
      g_string_append_c (prev->text, ' ');
      g_string_append_len (prev->text, line, q ? (gsize)(q - line) : len);
      prev->open = !q;
    } else if ((s = dsn_provider_lone_address (line, len))) {
      found += exchange_apply (in, addr, host, attempts, add);
      g_free (addr);
      g_clear_pointer (&host, g_free);
      g_array_set_size (attempts, 0);
      addr = s;
    } else if (addr && exchange_error_line (line, len, &a)) {
      g_array_append_val (attempts, a);
    } else if (addr && attempts->len == 0 && !host && (s = lone_host (line, len))) {
      host = s;
    } else {
      found += exchange_apply (in, addr, host, attempts, add);
      g_clear_pointer (&addr, g_free);
      g_clear_pointer (&host, g_free);
      g_array_set_size (attempts, 0);
    }
  }
  found += exchange_apply (in, addr, host, attempts, add);
  g_free (addr);
  g_free (host);
  g_array_unref (attempts);
  return found;
}

/* The list at the top of the report, for reports without the admin section:
 * "Delivery has failed to these recipients or groups:", then for each one
 * "Name<mailto:user@example.org>" and Exchange's explanation. */
static guint
read_exchange_summary (const DsnInput *in)
{
  guint found = 0;
  DsnRecipient *cur = NULL;
  GString *diag = g_string_new (NULL);
  const char *end = dsn_find_returned_marker (in->body);
  const char *pos = in->body, *line;
  gsize len;
  while (dsn_text_next_line (&pos, &line, &len) && (!end || line < end)) {
    const char *mailto = g_strstr_len (line, len, "<mailto:");
    if (mailto) {
      if (cur)
        dsn_recipient_set_diagnostic (cur, diag->str, diag->len);
      g_string_truncate (diag, 0);
      g_autofree char *addr = dsn_text_find_address_len (mailto, line + len - mailto);
      cur = NULL;
      if (addr && !dsn_report_find_recipient (in->report, addr)) {
        cur = dsn_report_add_recipient (in->report, addr);
        cur->action = DSN_ACTION_FAILED;
        found++;
      }
    } else if (cur && len) {
      if (diag->len)
        g_string_append_c (diag, ' ');
      g_string_append_len (diag, line, len);
    } else if (cur && diag->len) {
      dsn_recipient_set_diagnostic (cur, diag->str, diag->len);
      g_string_truncate (diag, 0);
      cur = NULL;
    }
  }
  if (cur)
    dsn_recipient_set_diagnostic (cur, diag->str, diag->len);
  g_string_free (diag, TRUE);
  return found;
}

/* The first line of the report's summary: "Delivery has failed to these
 * recipients or groups:" (Exchange 2010 and later), "Your message to
 * user@example.org couldn't be delivered." (Exchange Online since 2017). */
static const char *const exchange_summaries[] = {
  "Delivery has failed to these recipients",
  "rejected your message to the following",
  "couldn't be delivered",
  "Échec de la remise pour ces destinataires",
  "Échec de remise à ces destinataires",
  "n'a pas pu être remis",
  "Fehler bei der Zustellung an diese Empfänger",
  "Die Zustellung an diese Empfänger oder Gruppen ist fehlgeschlagen",
  "konnte nicht übermittelt werden",
  "konnte nicht zugestellt werden",
  "Il recapito non è riuscito per i seguenti destinatari",
  "Recapito non riuscito per questi destinatari",
  "non è stato possibile recapitare",
  "non è stato recapitato",
  "Error en la entrega a estos destinatarios",
  "No se pudo entregar a estos destinatarios",
  "no se pudo entregar",
  NULL,
};

/* Exchange Online's report since 2017, as a web page or its text: a
 * summary ("Your message to user@example.org couldn't be delivered."), a
 * "More Info for Email Admins" part, and labelled details:
 *
 *   Original Message Details
 *   Sender Address:     jean@example.com
 *   Recipient Address:  anna@example.org
 *   Error Details
 *   Reported error:     550 5.1.10 RESOLVER.ADR.RecipientNotFound; ...
 *   DSN generated by:   AM0PR01MB1234.eurprd01.prod.exchangelabs.com
 *   Remote server:      mx.example.org
 *
 * The labels are in the sender's language. The sender's address is never a
 * recipient; without a "Recipient Address:" label, the summary names the
 * recipient. */
static const char *const online_reported[] = {
  "Reported error:",
  "Erreur signalée",
  "Gemeldeter Fehler:",
  "Errore segnalato:",
  "Error notificado:",
  "Error informado:",
  NULL,
};
static const char *const online_recipient[] = {
  "Recipient Address:",
  "Adresse du destinataire",
  "Empfängeradresse:",
  "Indirizzo destinatario:",
  "Indirizzo del destinatario:",
  "Dirección del destinatario:",
  NULL,
};
static const char *const online_remote[] = {
  "Remote server:", "Serveur distant", "Remoteserver:", "Server remoto:", "Servidor remoto:", NULL,
};
static const char *const online_status[] = {
  "Status code:", "Code d'état", "Statuscode:", "Codice di stato:", "Código de estado:", NULL,
};

/* The value after the first of LABELS that starts a line of TEXT (spaces
 * before it and a colon after it tolerated), white space squeezed; NULL if
 * none does. */
static char *
labelled_value (const char *text, const char *const *labels)
{
  for (const char *const *l = labels; *l; l++) {
    gsize n = strlen (*l);
    for (const char *p = text; (p = dsn_strcasestr (p, *l)); p += n) {
      const char *ls = dsn_line_start (text, p);
      gboolean at_start = TRUE;
      for (const char *q = ls; q < p && at_start; q++)
        at_start = g_ascii_isspace (*q);
      if (!at_start)
        continue;
      const char *v = p + n;
      while (*v == ' ' || *v == '\t' || *v == ':' || (guchar)*v == 0xc2 || (guchar)*v == 0xa0)
        v++;
      const char *eol = strchr (v, '\n');
      g_autofree char *value = g_strndup (v, eol ? (gsize)(eol - v) : strlen (v));
      dsn_text_squeeze (value);
      if (*value)
        return g_steal_pointer (&value);
    }
  }
  return NULL;
}

static guint
read_exchange_online (const DsnInput *in)
{
  const char *text = in->body;
  g_autofree char *reported = labelled_value (text, online_reported);
  g_autofree char *status_line = reported ? NULL : labelled_value (text, online_status);
  const char *diag = reported ? reported : status_line;
  if (!diag)
    return 0;
  g_autofree char *rcpt_value = labelled_value (text, online_recipient);
  g_autofree char *addr = rcpt_value ? dsn_text_find_address (rcpt_value) : NULL;
  if (!addr) {
    /* "Your message to anna@example.org couldn't be delivered." */
    g_autofree char *head = g_strndup (in->first_text, 600);
    for (const char *const *m = exchange_summaries; *m && !addr; m++) {
      const char *at = dsn_strcasestr (head, *m);
      if (at)
        addr
            = dsn_text_find_address_len (dsn_line_start (head, at), at - dsn_line_start (head, at));
    }
  }
  DsnRecipient *r = dsn_report_add_recipient (in->report, addr);
  r->action = DSN_ACTION_FAILED;
  dsn_recipient_set_diagnostic (r, diag, -1);
  g_autofree char *remote = labelled_value (text, online_remote);
  if (remote)
    dsn_set (&r->remote_mta, remote);
  return 1;
}

/* The admin section's heading, as Exchange writes it in the languages of
 * its users. */
static const char *const exchange_admin_headings[] = {
  "Diagnostic information for administrators",
  "Informations de diagnostic pour les administrateurs",
  "Diagnoseinformationen für Administratoren",
  "Informazioni di diagnostica per gli amministratori",
  "Información de diagnóstico para administradores",
  NULL,
};

/* "Generating server: HOST" and its translations. */
static const char *const exchange_generating[] = {
  "Generating server:",
  "Serveur de génération",
  "Generierender Server",
  "Server di generazione",
  "Servidor de generación",
  "DSN generated by:",
  "DSN généré par",
  "DSN generiert von:",
  "DSN generato da:",
  "DSN generado por:",
  NULL,
};

const char *
dsn_provider_exchange_admin (const DsnInput *in)
{
  return dsn_body_find_any (in, exchange_admin_headings);
}

const char *
dsn_provider_exchange_generating (const DsnInput *in)
{
  return dsn_body_find_any (in, exchange_generating);
}

gboolean
dsn_provider_exchange_summary (const DsnInput *in)
{
  g_autofree char *head = g_strndup (in->first_text, 600);
  g_autofree char *lower = NULL;
  for (const char *const *m = exchange_summaries; *m; m++) {
    /* The first text is part of the body: what the body's pairs of bytes
     * rule out is not in it (most messages are no Exchange report). */
    if (in->body_pairs && !dsn_pairs_may_hold (in->body_pairs, *m))
      continue;
    if (!lower)
      lower = dsn_text_lower (head, strlen (head));
    if (dsn_lower_find (head, lower, NULL, *m))
      return TRUE;
  }
  return FALSE;
}

/* The summary of a delay notice: "Delivery is delayed to these recipients
 * or groups:" and its translations. */
static const char *const exchange_delays[] = {
  "Delivery is delayed to these recipients",
  "hasn't been delivered yet",
  "La remise est retardée",
  "n'a pas encore été remis",
  "ist verzögert",
  "wurde noch nicht zugestellt",
  "è stato ritardato",
  "non è ancora stato recapitato",
  "se ha retrasado",
  "todavía no se ha entregado",
  NULL,
};

gboolean
dsn_provider_extract_exchange (const DsnInput *in)
{
  DsnReport *rep = in->report;
  gboolean from_fields = rep->recipients->len > 0;
  read_exchange_admin (in, !from_fields);
  if (rep->recipients->len == 0)
    read_exchange_summary (in);
  if (rep->recipients->len == 0)
    read_exchange_online (in);
  /* Recipients read from the text of a delay notice (no delivery-status
   * part to say so): not failed yet. */
  if (!from_fields) {
    g_autofree char *head = g_strndup (in->first_text, 1000);
    gboolean delayed = dsn_text_has_folded (head, exchange_delays);
    for (guint i = 0; delayed && i < rep->recipients->len; i++)
      ((DsnRecipient *)rep->recipients->pdata[i])->action = DSN_ACTION_DELAYED;
  }
  /* A report without its delivery-status part quotes the original's headers,
   * under a heading in the server's language. */
  static const char *const headings[] = {
    "Original message headers:",
    "En-têtes de message d'origine",
    "En-têtes du message d'origine",
    "Ursprüngliche Nachrichtenkopfzeilen",
    "Kopfzeilen der ursprünglichen Nachricht",
    "Intestazioni originali del messaggio",
    "Intestazioni del messaggio originale",
    "Encabezados del mensaje original",
    "Encabezados de mensaje originales",
    NULL,
  };
  for (const char *const *h = headings; *h && !in->has_returned; h++) {
    const char *orig = dsn_body_find (in, *h);
    if (orig)
      dsn_input_set_returned_text (in, dsn_next_line (orig));
  }
  dsn_finish_recipients (rep);
  return rep->recipients->len > 0;
}
