/* The last resort for text bounces no dialect claims: a report from a
 * mailer-daemon, or with a bounce subject (in English, French, German,
 * Italian, Spanish and a few more; a virus scanner's notice is one too),
 * scanned for address paragraphs. Providers' own
 * reports in those languages (French, Swiss, German, Italian, Spanish ISPs)
 * mostly come this way: an address, the server's words after it.
 * SPDX-License-Identifier: BSD-2-Clause */
#include "../dialect.h"
#include "formats.h"

#include <string.h>

static const char *const senders[] = { "mailer-daemon", "postmaster",         "mail delivery",
                                       "maildelivery",  "mail administrator", NULL };
/* Compared folded: case and accents do not matter. */
static const char *const subjects[] = {
  "undeliver",
  "undelivered",
  "delivery status notification",
  "returned mail",
  "failure notice",
  "delivery failure",
  "delivery failed",
  "mail delivery failed",
  "non-delivery",
  "nondeliverable",
  "could not be delivered",
  "delivery has failed",
  "delivery problem",
  "returned to sender",
  "mail system error",
  "delivery notification",
  "warning: could not send",
  "delivery delayed",
  "delayed mail",
  "was not delivered",
  "were not delivered",
  /* A virus scanner's notice to the sender: the message was stopped. */
  "virus alert",
  "virus detected",
  "virus found",
  "virus warning",
  "virus notification",
  "contained a virus",
  "contains a virus",
  "infected with",
  "banned filename",
  "banned attachment",
  "blocked attachment",
  "in mail from you",
  /* French */
  "non remis",
  "non distribué",
  "non délivré",
  "non distribuable",
  "échec de la remise",
  "échec de remise",
  "échec de la distribution",
  "échec de distribution",
  "échec de livraison",
  "notification d'état de la remise",
  "retourné à l'expéditeur",
  "renvoyé à l'expéditeur",
  "renvoi du message à l'expéditeur",
  "remise différée",
  "message retardé",
  "distribution différée",
  "distribution retardée",
  "alerte virus",
  "virus détecté",
  /* German */
  "unzustellbar",
  "nicht zustellbar",
  "rückläufer",
  "zustellung fehlgeschlagen",
  "fehlgeschlagene zustellung",
  "nicht zugestellt",
  "übermittlungsstatus",
  "zustellungsbenachrichtigung",
  "zustellstatus",
  "an absender zurück",
  "an den absender zurück",
  "verzögerte zustellung",
  "zustellung verzögert",
  "virenwarnung",
  "virus gefunden",
  "virus entdeckt",
  /* Italian */
  "non recapitabile",
  "non recapitato",
  "mancato recapito",
  "consegna non riuscita",
  "consegna fallita",
  "consegna del messaggio non riuscita",
  "recapito non riuscito",
  "non consegnato",
  "notifica stato recapito",
  "notifica sullo stato",
  "restituito al mittente",
  "consegna ritardata",
  "recapito ritardato",
  "virus rilevato",
  /* Spanish */
  "no se puede entregar",
  "no entregado",
  "no se pudo entregar",
  "error de entrega",
  "error en la entrega",
  "fallo en la entrega",
  "notificación de estado de entrega",
  "devuelto al remitente",
  "devolviendo el mensaje",
  "entrega retrasada",
  "entrega demorada",
  "virus detectado",
  /* Portuguese */
  "não entregue",
  "falha na entrega",
  "não foi possível entregar",
  "devolvida ao remetente",
  "notificação de status de entrega",
  "entrega atrasada",
  "vírus detectado",
  /* Dutch */
  "onbestelbaar",
  "niet bezorgd",
  "niet afgeleverd",
  "bezorging mislukt",
  "teruggestuurd naar afzender",
  "vertraagde bezorging",
  /* Polish, Russian */
  "niedostarczona",
  "nie dostarczono",
  "nie można dostarczyć",
  "не доставлено",
  "недоставленное",
  "не удалось доставить",
  "ошибка доставки",
  /* Japanese, Chinese, Korean */
  "配信失敗",
  "配信に失敗",
  "配信エラー",
  "配信不能",
  "送信失敗",
  "配送失敗",
  "未配達",
  "配信遅延",
  "退信",
  "投递失败",
  "发送失败",
  "无法投递",
  "投遞失敗",
  "傳送失敗",
  "無法投遞",
  "전송 실패",
  "배달 실패",
  "발송 실패",
  "반송",
  NULL,
};

/* A delay notice: the subject says so ("Delivery delayed", "Message
 * retardé", "Verzögerte Zustellung", ...) or the text says it is only a
 * warning and the server keeps trying (dsn_text_says_pending()). */
static const char *const delay_subjects[] = {
  "delivery delayed",
  "delayed mail",
  "delivery status notification (delay)",
  "warning: could not send",
  "remise différée",
  "message retardé",
  "distribution différée",
  "distribution retardée",
  "(retard)",
  "verzögerte zustellung",
  "zustellung verzögert",
  "(verzögerung)",
  "entrega atrasada",
  "vertraagde bezorging",
  "配信遅延",
  "consegna ritardata",
  "recapito ritardato",
  "(ritardo)",
  "entrega retrasada",
  "entrega demorada",
  "(retraso)",
  NULL,
};

static gboolean
is_delay_notice (const DsnInput *in, const char *text, const char *end)
{
  if (dsn_subject_has (in, delay_subjects))
    return TRUE;
  g_autofree char *report = g_strndup (text, MIN ((gsize)(end - text), 4096));
  return dsn_text_says_pending (report);
}

/* Where the server's reply starts on LINE (LEN bytes): a reply code
 * followed by a status code ("Raison : 552 5.2.2 Boîte pleine"), or one
 * that starts the line ("550 utente sconosciuto"), follows a label's colon
 * ("Motivo: 552 Buzón lleno") or opens a quote ("returned '550 ..."). NULL
 * if none. */
static const char *
reply_on_line (const char *line, gsize len)
{
  g_autofree char *l = g_strndup (line, len);
  char reply[4], code[12];
  for (const char *q = dsn_text_find_reply_code (l, reply); q;
       q = dsn_text_find_reply_code (q + 3, reply)) {
    if (q[3] != ' ' && q[3] != '-')
      continue;
    if (q[3] == ' ' && dsn_text_status_at (q + 4, code))
      return line + (q - l);
    const char *b = q;
    while (b > l && g_ascii_isspace (b[-1]))
      b--;
    if (b == l || (b < q && b[-1] == ':') || (b == q && strchr ("'\"<", b[-1])))
      return line + (q - l);
  }
  return NULL;
}

/* The reports of providers quote the server's reply in their prose
 * ("Raison : ...", "Motivo: ...", "Antwort des Servers: ...", "Remote server
 * returned '...'"): the first such line in a recipient's part of TEXT (from
 * the line naming it to the line naming another; the whole report when it
 * names one recipient) holds the diagnostic. One pass over the lines. */
static void
take_quoted_replies (DsnReport *rep, const char *text, const char *end)
{
  g_autoptr (GHashTable) by_address = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; i < rep->recipients->len; i++) {
    DsnRecipient *r = rep->recipients->pdata[i];
    g_hash_table_insert (by_address, g_ascii_strdown (r->address, -1), r);
  }
  g_autoptr (GHashTable) taken = g_hash_table_new (NULL, NULL);
  DsnRecipient *cur = rep->recipients->len == 1 ? rep->recipients->pdata[0] : NULL;
  const char *pos = text, *line;
  gsize len;
  while (dsn_text_next_line_until (&pos, end, &line, &len)) {
    g_autofree char *addr = dsn_text_find_address_len (line, len);
    if (addr) {
      g_autofree char *key = g_ascii_strdown (addr, -1);
      DsnRecipient *r = g_hash_table_lookup (by_address, key);
      if (r)
        cur = r;
    }
    if (!cur || g_hash_table_contains (taken, cur))
      continue;
    const char *q = reply_on_line (line, len);
    if (!q)
      continue;
    /* The reply goes on over the lines that repeat its code ("550-5.1.1
     * ...", a multi-line reply) or are indented deeper (a wrapped one). */
    gsize indent = strspn (line, " \t");
    const char *e = line + len;
    const char *next;
    gsize next_len;
    const char *peek = pos;
    while (dsn_text_next_line_until (&peek, end, &next, &next_len)) {
      gsize ni = strspn (next, " \t");
      gboolean repeats = next_len >= ni + 4 && strncmp (next + ni, q, 3) == 0
                         && (next[ni + 3] == '-' || next[ni + 3] == ' ');
      if (ni >= next_len || (!repeats && ni <= indent))
        break;
      e = next + next_len;
      pos = peek;
    }
    /* "returned '550 ...'", "<550 ...>": the quote around the reply. */
    if (q > line && (q[-1] == '\'' || q[-1] == '"' || q[-1] == '<')) {
      char close = q[-1] == '<' ? '>' : q[-1];
      while (e > q && g_ascii_isspace (e[-1]))
        e--;
      if (e > q && e[-1] == close)
        e--;
    }
    dsn_recipient_set_diagnostic (cur, q, e - q);
    g_hash_table_add (taken, cur);
  }
}

/* TRUE if DIAG says nothing but ADDRESS after a label ("target mail
 * address: anna@example.org", "Recipient: <anna@example.org>"). */
static gboolean
is_label_and_address (const char *diag, const char *address)
{
  const char *at = dsn_strcasestr (diag, address);
  if (!at)
    return FALSE;
  const char *colon = memchr (diag, ':', at - diag);
  if (!colon)
    return FALSE;
  for (const char *p = colon + 1; p < at; p++)
    if (!g_ascii_isspace (*p) && *p != '<' && *p != '"')
      return FALSE;
  for (const char *p = at + strlen (address); *p; p++)
    if (!g_ascii_isspace (*p) && *p != '>' && *p != '"' && *p != '.')
      return FALSE;
  return TRUE;
}

/* TRUE if LABEL (the words before "address:") only says which recipient
 * the line names. */
static gboolean
names_recipient (const char *label)
{
  static const char *const words[] = {
    "recipient",    "address", "adresse", "destinataire", "empfänger", "empfaenger", "destinatario",
    "destinatária", "rcpt",    "收件人",  "收信人",       "宛先",      "수신자",     NULL,
  };
  g_autofree char *l = g_strstrip (g_strdup (label));
  return !g_ascii_strcasecmp (l, "to") || !g_ascii_strcasecmp (l, "an") || !*l
         || dsn_text_has_folded (l, words);
}

/* The paragraph of TEXT (up to END) around P: from the blank line before it
 * to the blank line after it, at most a few lines either way. */
static void
paragraph_around (const char *text, const char *end, const char *p, const char **from,
                  const char **to)
{
  const char *s = dsn_line_start (text, p);
  for (int n = 0; n < 8 && s > text; n++) {
    const char *prev = dsn_line_start (text, s - 1);
    if (dsn_line_is_blank (prev, s - prev))
      break;
    s = prev;
  }
  const char *e = dsn_next_line (p);
  for (int n = 0; n < 8 && e < end && *e; n++) {
    const char *next = dsn_next_line (e);
    if (dsn_line_is_blank (e, next - e))
      break;
    e = next;
  }
  *from = s;
  *to = e < end ? e : end;
}

/* TRUE if the message says a program sent it: a mailer-daemon's address, the
 * null reverse path of a bounce (RFC 5321 §4.5.5), Auto-Submitted (RFC
 * 3834) or Exim's X-Failed-Recipients. */
static gboolean
machine_sent (const DsnInput *in)
{
  if (dsn_from_has (in, senders) || dsn_input_header (in, "X-Failed-Recipients"))
    return TRUE;
  const char *rp = dsn_input_header (in, "Return-Path");
  if (rp) {
    while (g_ascii_isspace (*rp))
      rp++;
    if (g_str_has_prefix (rp, "<>") || *rp == '\0')
      return TRUE;
  }
  const char *as = dsn_input_header (in, "Auto-Submitted");
  if (as) {
    while (g_ascii_isspace (*as))
      as++;
    if (*as && !dsn_has_prefix_ci (as, "no"))
      return TRUE;
  }
  return FALSE;
}

/* TRUE if TEXT reads like a delivery report: it quotes a server's reply or
 * a status code, or says in its own words what a bounce subject says. A
 * person writing about a failed delivery does neither. */
static gboolean
reads_like_report (const char *text)
{
  char code[12];
  if (dsn_text_find_status (text, code) || dsn_text_has_folded (text, subjects))
    return TRUE;
  for (const char *p = text; *p; p = dsn_next_line (p)) {
    const char *nl = strchr (p, '\n');
    if (reply_on_line (p, nl ? (gsize)(nl - p) : strlen (p)))
      return TRUE;
  }
  return FALSE;
}

/* The report's words for recipients it does not tell apart: TEXT up to
 * END without its leading white space, at most MAX bytes (in *N). */
static const char *
report_words (const char *text, const char *end, gsize max, gsize *n)
{
  while (text < end && g_ascii_isspace (*text))
    text++;
  *n = MIN ((gsize)(end - text), max);
  return text;
}

static gboolean
detect (const DsnInput *in)
{
  if (in->pasted)
    return TRUE;
  /* A program's message with a bounce subject is a report; a person's, or a
   * program's about something else (a postmaster's newsletter), only with a
   * report inside. */
  static const char *const subject_only[] = { "bounce", NULL }; /* a person may write it */
  gboolean machine = machine_sent (in);
  gboolean subject = dsn_subject_has (in, subjects) || dsn_subject_has (in, subject_only);
  if (machine && subject)
    return TRUE;
  if (!machine && !subject)
    return FALSE;
  const char *text = dsn_input_report_text (in);
  return text && reads_like_report (text);
}

static gboolean
extract (const DsnInput *in)
{
  DsnReport *rep = in->report;
  const char *text = dsn_input_report_text (in);
  const char *end = dsn_find_returned_marker (text);
  gboolean scanned = FALSE;
  if (!end) {
    /* Only after some prose: a text that opens with header lines is a
     * pasted message, not a report followed by its original. And only if
     * the prose before it names a recipient (a scan that finds none adds
     * nothing): some reports quote the original's headers first and say
     * what failed after them. */
    end = dsn_find_header_block (text, text + strlen (text));
    if (end && !dsn_line_is_blank (text, end - text)
        && dsn_scan_address_paragraphs (rep, text, end) > 0)
      scanned = TRUE;
    else
      end = NULL;
  }
  if (!end)
    end = text + strlen (text);
  else
    dsn_input_set_returned_text (in, end);
  if (!scanned)
    dsn_scan_address_paragraphs (rep, text, end);
  /* One recipient named on a line of its own: the explanation is the text
   * that follows it ("Technical details of permanent failure: ..."). */
  if (rep->recipients->len == 1) {
    DsnRecipient *r = rep->recipients->pdata[0];
    const char *at = dsn_strcasestr (text, r->address);
    if (at && at < end && (!r->diagnostic || strlen (r->diagnostic) <= strlen (r->address) + 2)) {
      /* Some reports give the reason first ("undeliverable due to the
       * following reason: ... account is over quota", then the address):
       * the short paragraph just before the address's goes with it. */
      const char *line = dsn_line_start (text, at), *prev_end = line, *prev = line, *to;
      while (prev_end > text && g_ascii_isspace (prev_end[-1]))
        prev_end--;
      if (prev_end > text)
        paragraph_around (text, line, prev_end - 1, &prev, &to);
      const char *next = dsn_next_line (at);
      if (prev_end > prev && prev_end - prev <= 300) {
        g_autofree char *both
            = g_strdup_printf ("%.*s %.*s", (int)(prev_end - prev), prev, (int)(end - next), next);
        dsn_recipient_set_diagnostic (r, both, -1);
      } else {
        dsn_recipient_set_diagnostic (r, next, end - next);
      }
    }
    /* A form of labelled lines ("reject reason: Mailbox full", "target mail
     * address: anna@example.org"): the reason is on a line beside the
     * address's, so the whole block is the diagnostic. */
    else if (at && at < end && r->diagnostic && is_label_and_address (r->diagnostic, r->address)) {
      const char *from, *to;
      paragraph_around (text, end, at, &from, &to);
      if (to - from > (gssize)strlen (r->diagnostic) + 2) {
        dsn_recipient_set_diagnostic (r, from, to - from);
      } else {
        /* A line of its own, "label: address": the report's other words,
         * before and after it, explain it, with the label unless it only
         * names the recipient ("Destinataire : marie@example.fr", but
         * "Unknown user: anna@example.org"). */
        const char *ls = dsn_line_start (text, at), *next = dsn_next_line (at);
        gsize before, after;
        const char *b = report_words (text, ls, 1000, &before);
        const char *a = report_words (next < end ? next : end, end, 1000, &after);
        /* is_label_and_address() found the colon before the address. */
        g_autofree char *label
            = g_strndup (r->diagnostic, strchr (r->diagnostic, ':') - r->diagnostic);
        if (names_recipient (label))
          label[0] = '\0';
        g_autofree char *all
            = g_strdup_printf ("%.*s %s %.*s", (int)before, b, label, (int)after, a);
        if (*g_strstrip (all))
          dsn_recipient_set_diagnostic (r, all, -1);
      }
    }
    /* The paragraph naming the address may only paraphrase; a line quoting
     * the server's reply ("550 5.1.1 ...") elsewhere in the report is better. */
    char code[12];
    if (r->diagnostic && !dsn_text_find_status (r->diagnostic, code)) {
      const char *q = dsn_text_find_status (text, code);
      if (q && q < end) {
        const char *ls = dsn_line_start (text, q);
        const char *le = dsn_next_line (q);
        g_autofree char *both = g_strdup_printf ("%s %.*s", r->diagnostic, (int)(le - ls), ls);
        dsn_recipient_set_diagnostic (r, both, -1);
      }
    }
  }
  /* A report that names no address in its text: Exim-style servers list
   * the failed ones in X-Failed-Recipients, and the text explains them. */
  if (rep->recipients->len == 0 && dsn_add_failed_recipients (in) > 0) {
    gsize n;
    const char *s = report_words (text, end, 1000, &n);
    for (guint i = 0; i < rep->recipients->len && n; i++)
      dsn_recipient_set_diagnostic (rep->recipients->pdata[i], s, n);
  }
  take_quoted_replies (rep, text, end);
  /* A mail system's report that names its recipients without an address
   * (a display name, a local user name: "Anna Smith on 1/1/2007", "anna
   * (Mailbox full)"): one recipient it does not name, explained by the
   * report's words, when they read like a report's. */
  if (rep->recipients->len == 0 && !in->pasted && machine_sent (in)
      && dsn_subject_has (in, subjects) && reads_like_report (text)) {
    gsize n;
    const char *s = report_words (text, end, 2000, &n);
    if (n)
      dsn_recipient_set_diagnostic (dsn_report_add_recipient (rep, NULL), s, n);
  }
  if (is_delay_notice (in, text, end))
    for (guint i = 0; i < rep->recipients->len; i++) {
      DsnRecipient *r = rep->recipients->pdata[i];
      if (r->action == DSN_ACTION_NONE)
        r->action = DSN_ACTION_DELAYED;
    }
  dsn_finish_recipients (rep);
  return rep->recipients->len > 0;
}

DSN_DIALECT (generic);
