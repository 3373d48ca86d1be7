/* Outlook.com / Hotmail before its move to Exchange Online: RFC 3464 reports
 * from postmaster@*.hotmail.com with a short English text.
 * SPDX-License-Identifier: BSD-2-Clause */
#include "../dialect.h"

static gboolean
detect (const DsnInput *in)
{
  static const char *const subjects[] = {
    "Delivery Status Notification",
    /* Hotmail wrote the subject in the sender's language. */
    "Notification d'état de la remise",
    "Benachrichtigung zum Übermittlungsstatus",
    "Notifica stato recapito",
    "Notificación de estado de entrega",
    NULL,
  };
  static const char *const senders[] = { "hotmail.com", NULL };
  if (!dsn_subject_has (in, subjects) || !in->has_delivery_status)
    return FALSE;
  /* Headers Hotmail's servers stamp on their own messages. */
  return dsn_header_has (in, "X-Message-Delivery", NULL)
         || dsn_header_has (in, "X-Message-Info", NULL) || dsn_from_has (in, senders)
         || dsn_header_has (in, "Message-ID", ".hotmail.com>");
}

static gboolean
extract (const DsnInput *in)
{
  dsn_finish_recipients (in->report);
  return in->report->recipients->len > 0;
}

DSN_DIALECT (outlook);
