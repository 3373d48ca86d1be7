/* Gmail: the current RFC 3464 reports ("** Address not found **", a
 * delivery-status part whose Remote-MTA carries a comment), and the older text
 * reports ("Delivery to the following recipient failed permanently:" with a
 * "Technical details of permanent failure:" paragraph). Both are written in
 * the sender's language: "** Adresse introuvable **", "Réponse du serveur
 * distant :", "Die Zustellung an folgenden Empfänger ist endgültig
 * fehlgeschlagen:", ...
 * SPDX-License-Identifier: BSD-2-Clause */
#include "../dialect.h"
#include "providers.h"

#include <stdlib.h>
#include <string.h>

static const char *const senders[] = { "@googlemail.com", "@google.com", NULL };

/* The older text report's first sentence, in the sender's language. */
static const char *const leads[] = {
  "Delivery to the following recipient",
  "La remise au destinataire suivant",
  "La distribution au destinataire suivant",
  "Die Zustellung an folgenden Empfänger",
  "Die Zustellung an den folgenden Empfänger",
  "Recapito al seguente destinatario",
  "Il recapito al seguente destinatario",
  "La consegna al seguente destinatario",
  "Error permanente al entregar el mensaje al siguiente destinatario",
  "La entrega al siguiente destinatario",
  "Se ha retrasado la entrega al siguiente destinatario",
  NULL,
};

/* Its heading before the server's words: "Technical details of permanent
 * failure:" and translations. */
static const char *const details_headings[] = {
  "Technical details of", "Détails techniques de l'échec",
  "Détails techniques",   "Technische Details des",
  "Technische Details",   "Dettagli tecnici dell'errore",
  "Dettagli tecnici",     "Detalles técnicos del error",
  "Detalles técnicos",    NULL,
};

/* Words of a first sentence announcing a delay, not a failure. */
static const char *const delay_words[] = {
  "delayed",       "temporarily", "différée",  "retardée", "temporaire", "verzögert",
  "vorübergehend", "ritardat",    "temporane", "retrasad", "temporal",   NULL,
};

/* "The response from the remote server was:" and translations: the server's
 * words follow. */
static const char *const responses[] = {
  "The response from the remote server was:",
  "The response was:",
  "La réponse du serveur distant était",
  "Réponse du serveur distant",
  "La réponse était",
  "L'erreur renvoyée par l'autre serveur était",
  "Die Antwort des Remote-Servers lautete:",
  "Die Antwort vom Remote-Server lautete:",
  "Die Antwort des Remote-Servers war:",
  "Die Antwort war:",
  "La risposta del server remoto è stata:",
  "La risposta è stata:",
  "La respuesta del servidor remoto fue:",
  "La respuesta fue:",
  NULL,
};

static const char *
find_any (const char *text, const char *const *needles)
{
  const char *best = NULL;
  for (const char *const *n = needles; *n; n++) {
    const char *p = dsn_strcasestr (text, *n);
    if (p && (!best || p < best))
      best = p;
  }
  return best;
}

static gboolean
detect (const DsnInput *in)
{
  gboolean google = dsn_from_has (in, senders);
  /* The translations only from Google's own senders: searching them all in
   * every message would cost more than they are worth. */
  if (google)
    return in->has_delivery_status || find_any (in->body, leads);
  return dsn_body_find (in, leads[0]) && dsn_body_find (in, details_headings[0]);
}

/* The SMTP state Gmail names in "(state 14)": the step of the session its
 * client was at when the remote server refused. */
static const char *
state_command (const char *diag)
{
  const char *p = diag ? strstr (diag, "(state ") : NULL;
  if (!p)
    return NULL;
  switch (atoi (p + strlen ("(state "))) {
  case 6:
  case 9: return "STARTTLS";
  case 8:
  case 12: return "AUTH";
  case 14: return "RCPT";
  case 15:
  case 17:
  case 18: return "DATA";
  default: return NULL;
  }
}

/* The host of a connection error: "[mx.example.org. [192.0.2.1]:25: socket
 * error]", "[(0) mx.example.org 192.0.2.1: timed out]". */
static char *
connection_host (const char *text)
{
  for (const char *p = text ? strchr (text, '[') : NULL; p; p = strchr (p + 1, '[')) {
    const char *h = p + 1;
    if (g_str_has_prefix (h, "(")) {
      const char *close = strchr (h, ')');
      if (!close)
        continue;
      h = close + 1;
      while (*h == ' ')
        h++;
    }
    gsize n = strcspn (h, " []:\n");
    while (n && h[n - 1] == '.')
      n--;
    if (n && memchr (h, '.', n) && h[strcspn (h, "]\n")] == ']')
      return g_strndup (h, n);
  }
  return NULL;
}

/* "mx.example.org. (192.0.2.1, the server for the domain example.org.)" is
 * the host mx.example.org. */
static void
clean_remote_mta (DsnRecipient *r)
{
  if (!r->remote_mta)
    return;
  gsize n = strcspn (r->remote_mta, " (");
  while (n > 1 && r->remote_mta[n - 1] == '.')
    n--;
  r->remote_mta[n] = '\0';
}

static void
extract_text_report (const DsnInput *in)
{
  DsnReport *rep = in->report;
  const char *text = in->body;
  const char *start = find_any (text, leads);
  const char *end = dsn_provider_report_end (in, text);
  const char *details = find_any (start, details_headings);
  if (details && details >= end)
    details = NULL;
  if (details)
    details = dsn_line_start (text, details);
  DsnAction action = DSN_ACTION_FAILED;
  const char *eol = strchr (start, '\n');
  g_autofree char *lead = eol ? g_strndup (start, eol - start) : g_strdup (start);
  if (dsn_text_has_folded (lead, delay_words))
    action = DSN_ACTION_DELAYED;

  const char *pos = dsn_next_line (start), *line;
  gsize len;
  const char *list_end = details ? details : end;
  while (dsn_text_next_line (&pos, &line, &len) && line < list_end) {
    g_autofree char *l = g_strndup (line, len);
    g_strstrip (l);
    if (!dsn_text_is_address (l) || strchr (l, ' ') || dsn_report_find_recipient (rep, l))
      continue;
    DsnRecipient *r = dsn_report_add_recipient (rep, l);
    r->action = action;
  }
  for (guint i = 0; i < rep->recipients->len; i++) {
    DsnRecipient *r = rep->recipients->pdata[i];
    if (details && !r->diagnostic)
      dsn_recipient_set_diagnostic (r, details, end - details);
    if (!r->command)
      dsn_set (&r->command, state_command (r->diagnostic));
  }
}

/* "The recipient server did not accept our requests to connect": Gmail
 * retries that for days, so a permanent failure says it stopped trying. */
static void
connection_failure (DsnRecipient *r)
{
  if (!r->diagnostic || !dsn_strcasestr (r->diagnostic, "did not accept our requests to connect"))
    return;
  if (!r->command)
    dsn_set (&r->command, "CONN");
  if (!r->remote_mta)
    r->remote_mta = connection_host (r->diagnostic);
  if (r->action == DSN_ACTION_FAILED)
    r->reason_hint = "expired";
}

static gboolean
extract (const DsnInput *in)
{
  DsnReport *rep = in->report;
  if (rep->recipients->len == 0 && find_any (in->body, leads))
    extract_text_report (in);
  if (rep->recipients->len == 0)
    return FALSE;
  /* The text quotes the server's words when there is one recipient. */
  DsnRecipient *only = rep->recipients->len == 1 ? rep->recipients->pdata[0] : NULL;
  if (only && !only->diagnostic) {
    g_autofree char *response = NULL;
    for (const char *const *m = responses; *m && !response; m++)
      response = dsn_provider_text_after (in->first_text, *m);
    dsn_recipient_set_diagnostic (only, response, -1);
  }
  for (guint i = 0; i < rep->recipients->len; i++) {
    DsnRecipient *r = rep->recipients->pdata[i];
    clean_remote_mta (r);
    dsn_provider_refine_status (r);
    if (!r->command)
      dsn_set (&r->command, dsn_text_find_command (r->diagnostic));
    connection_failure (r);
  }
  /* Without the server's words, Gmail's sentence about the recipient. */
  dsn_fill_diagnostics_from_text (rep, in->first_text);
  return TRUE;
}

DSN_DIALECT (gmail);
