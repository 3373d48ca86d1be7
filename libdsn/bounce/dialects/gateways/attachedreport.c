/* A mail gateway (seen with Trend Micro's "X-TM-AS-MML" header) that
 * forwards a bounce to "NotificationRecipients" as an attachment: its own
 * text names nobody ("----- The following addresses had permanent delivery
 * errors -----" and an empty list), the attached message is the real
 * report, with its delivery-status part.
 * Named "x5" in the JSON output.
 * SPDX-License-Identifier: BSD-2-Clause */
#include "../dialect.h"
#include "../unix/unix.h"

#include <string.h>

/* The first message attached to P (depth-first), or NULL. */
static const DsnMimeMessage *
attached_message (const DsnMimePart *p)
{
  if (p->kind == DSN_MIME_MESSAGE)
    return p->message;
  if (p->kind != DSN_MIME_MULTIPART)
    return NULL;
  for (guint i = 0; i < p->children->len; i++) {
    const DsnMimeMessage *m = attached_message (p->children->pdata[i]);
    if (m)
      return m;
  }
  return NULL;
}

/* The attached message, if it is itself a delivery report. */
static const DsnMimeMessage *
attached_report (const DsnInput *in)
{
  const DsnMimeMessage *m = attached_message (in->message->body);
  return m && dsn_mime_part_is (m->body, "multipart", "report") ? m : NULL;
}

static gboolean
detect (const DsnInput *in)
{
  if (in->has_delivery_status || in->report->recipients->len > 0)
    return FALSE;
  g_autofree char *named = dsn_text_find_address (in->first_text);
  return !named && attached_report (in) != NULL;
}

/* Parses the delivery-status parts under P; returns the recipients added. */
static guint
read_status (DsnReport *rep, const DsnMimePart *p)
{
  if (p->kind == DSN_MIME_MULTIPART) {
    guint n = 0;
    for (guint i = 0; i < p->children->len; i++)
      n += read_status (rep, p->children->pdata[i]);
    return n;
  }
  if (p->kind != DSN_MIME_LEAF || !dsn_mime_part_is (p, "message", "delivery-status"))
    return 0;
  g_autoptr (GByteArray) arr = dsn_mime_part_decode (p);
  /* Newlines as the rest of the library sees them. */
  gsize nuls;
  g_autoptr (GByteArray) text = dsn_intake_normalize ((const char *)arr->data, arr->len, &nuls);
  return dsn_rfc3464_parse (rep, (const char *)text->data, text->len);
}

static gboolean
extract (const DsnInput *in)
{
  const DsnMimeMessage *m = attached_report (in);
  if (!m || read_status (in->report, m->body) == 0)
    return FALSE;
  dsn_unix_finish (in->report);
  return TRUE;
}

DSN_DIALECT_NAMED (attachedreport, "x5");
