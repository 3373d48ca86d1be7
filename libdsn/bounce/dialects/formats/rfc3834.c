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
  /* Portuguese, Dutch */
  "resposta automática",
  "fora do escritório",
  "de férias",
  "afwezig",
  "niet op kantoor",
  "met vakantie",
  /* Japanese, Chinese, Korean */
  "自動返信",
  "自动回复",
  "自動回覆",
  "自動回復",
  "休假",
  "자동 응답",
  "자동응답",
  "부재중",
  NULL,
};

/* What an absence notice says in its first lines, for one pasted without
 * its headers: a person's absence, in the first person. Compared folded. */
static const char *const absences[] = {
  "out of the office",
  "out of office",
  "i am currently out",
  "i'm currently out",
  "i am away",
  "i'm away",
  "i will be away",
  "i will be out",
  "i will be traveling",
  "i will be travelling",
  "i am on vacation",
  "i'm on vacation",
  "i am on leave",
  "i am on holiday",
  "on annual leave",
  "away from my mail",
  "i will not be reading my mail",
  "limited access to email",
  "intermittent access to email",
  "when i return",
  "upon my return",
  "back in the office on",
  /* French */
  "je suis absent",
  "je suis actuellement absent",
  "je serai absent",
  "absent du bureau",
  "absente du bureau",
  "je serai de retour",
  "des mon retour",
  "a mon retour",
  /* German */
  "ich bin abwesend",
  "ich bin derzeit nicht im buro",
  "ich bin nicht im buro",
  "ich bin im urlaub",
  "nach meiner ruckkehr",
  "wieder im buro",
  /* Italian */
  "sono fuori ufficio",
  "saro assente",
  "sono assente",
  "al mio rientro",
  /* Spanish */
  "estoy fuera de la oficina",
  "estare ausente",
  "estoy de vacaciones",
  "a mi regreso",
  /* Portuguese, Dutch */
  "estou fora do escritorio",
  "estarei ausente",
  "estou de ferias",
  "ik ben afwezig",
  "ik ben niet op kantoor",
  "ik ben met vakantie",
  "na mijn terugkeer",
  /* Japanese, Chinese, Korean */
  "不在にしております",
  "我正在休假",
  "我不在办公室",
  "부재중입니다",
  NULL,
};

/* A pasted text that opens like an absence notice and holds no failure
 * code: someone's auto-reply, copied from a mail program. */
static gboolean
pasted_absence (const DsnInput *in)
{
  const char *body = in->body;
  if (!in->pasted || !body)
    return FALSE;
  g_autofree char *head = g_strndup (body, 600);
  return !dsn_text_failure_class (head) && dsn_text_has_folded (head, absences);
}

static gboolean
detect (const DsnInput *in)
{
  if (in->has_delivery_status || in->report->recipients->len > 0)
    return FALSE;
  if (pasted_absence (in))
    return TRUE;
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
  /* Pasted without its headers, the reply does not say whose it is. */
  g_autofree char *addr = in->pasted ? NULL : dsn_text_find_address (in->from);
  if (!addr && !in->pasted)
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
