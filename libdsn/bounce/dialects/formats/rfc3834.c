/* Automatic replies (RFC 3834): vacation notices and other auto-responders.
 * They are not failures: the message was delivered and someone's robot
 * answered. Runs after every bounce dialect, since many bounces also carry
 * "Auto-Submitted: auto-replied".
 * SPDX-License-Identifier: BSD-2-Clause */
#include "../dialect.h"

#include <string.h>

/* Compared folded: case and accents do not matter. */
static const char *const subjects[] = {
  "auto:",
  "automatic reply",
  "auto reply",
  "autoreply",
  "auto-reply",
  "autoresponse",
  "autorespons",
  "auto response",
  "out of office",
  "out of the office",
  "away from",
  "away until",
  "on vacation",
  "vacation",
  "automatisch antwoord",
  "不在",
  "自動応答",
  /* French */
  "réponse automatique",
  "réponse auto",
  "absence",
  "absent du bureau",
  "hors du bureau",
  "en congé",
  "en vacances",
  "message d'absence",
  /* German */
  "abwesenheit",
  "automatische antwort",
  "automatische rückantwort",
  "abwesend",
  "nicht im büro",
  "außer haus",
  "im urlaub",
  /* Italian */
  "risposta automatica",
  "fuori sede",
  "fuori ufficio",
  "assente",
  "assenza",
  "in ferie",
  "in vacanza",
  /* Spanish */
  "respuesta automática",
  "fuera de la oficina",
  "fuera de oficina",
  "ausente",
  "ausencia",
  "de vacaciones",
  NULL,
};

static gboolean
detect (const DsnInput *in)
{
  if (in->has_delivery_status || in->report->recipients->len > 0)
    return FALSE;
  static const char *const daemons[] = { "mailer-daemon", "postmaster", "mail delivery", NULL };
  if (dsn_from_has (in, daemons))
    return FALSE;
  const char *as = dsn_input_header (in, "Auto-Submitted");
  if (as && dsn_strcasestr (as, "auto-replied"))
    return TRUE;
  if (dsn_header_has (in, "X-Autoreply", NULL) || dsn_header_has (in, "X-Autorespond", NULL)
      || dsn_header_has (in, "X-Auto-Reply", NULL)
      || dsn_header_has (in, "Precedence", "auto_reply")
      || dsn_header_has (in, "X-Mail-Autoreply", NULL))
    return TRUE;
  /* Exchange marks auto-replies with its loop header and an "Automatic reply:" subject. */
  return dsn_subject_has (in, subjects)
         && (dsn_header_has (in, "X-MS-Exchange-Inbox-Rules-Loop", NULL)
             || dsn_header_has (in, "X-Auto-Response-Suppress", NULL)
             || dsn_header_has (in, "Precedence", "bulk")
             || dsn_header_has (in, "Precedence", "junk")
             || dsn_header_has (in, "In-Reply-To", NULL));
}

static gboolean
extract (const DsnInput *in)
{
  DsnReport *rep = in->report;
  g_autofree char *addr = dsn_text_find_address (in->from);
  if (!addr)
    return FALSE;
  DsnRecipient *r = dsn_report_add_recipient (rep, addr);
  r->action = DSN_ACTION_NONE;
  /* The first lines of the reply are what a person wants to read. */
  const char *body = in->first_text;
  gsize n = strlen (body);
  dsn_recipient_set_diagnostic (r, body, MIN (n, 400));
  rep->kind = DSN_KIND_AUTO_REPLY;
  return TRUE;
}

DSN_DIALECT (rfc3834);
