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

/* The first message attached to OBJ (depth-first), or NULL. */
static GMimeMessage *
attached_message (GMimeObject *obj)
{
  if (GMIME_IS_MESSAGE_PART (obj))
    return g_mime_message_part_get_message (GMIME_MESSAGE_PART (obj));
  if (!GMIME_IS_MULTIPART (obj))
    return NULL;
  GMimeMultipart *mp = GMIME_MULTIPART (obj);
  int n = g_mime_multipart_get_count (mp);
  for (int i = 0; i < n; i++) {
    GMimeMessage *m = attached_message (g_mime_multipart_get_part (mp, i));
    if (m)
      return m;
  }
  return NULL;
}

/* The attached message, if it is itself a delivery report. */
static GMimeMessage *
attached_report (const DsnInput *in)
{
  GMimeObject *root = g_mime_message_get_mime_part (in->message);
  GMimeMessage *m = root ? attached_message (root) : NULL;
  GMimeObject *body = m ? g_mime_message_get_mime_part (m) : NULL;
  if (!body)
    return NULL;
  GMimeContentType *ct = g_mime_object_get_content_type (body);
  return ct && g_mime_content_type_is_type (ct, "multipart", "report") ? m : NULL;
}

static gboolean
detect (const DsnInput *in)
{
  if (in->has_delivery_status || in->report->recipients->len > 0)
    return FALSE;
  g_autofree char *named = dsn_text_find_address (in->first_text);
  return !named && attached_report (in) != NULL;
}

/* Parses the delivery-status parts under OBJ; returns the recipients added. */
static guint
read_status (DsnReport *rep, GMimeObject *obj)
{
  if (GMIME_IS_MULTIPART (obj)) {
    guint n = 0;
    GMimeMultipart *mp = GMIME_MULTIPART (obj);
    for (int i = 0; i < g_mime_multipart_get_count (mp); i++)
      n += read_status (rep, g_mime_multipart_get_part (mp, i));
    return n;
  }
  if (!GMIME_IS_PART (obj))
    return 0;
  GMimeContentType *ct = g_mime_object_get_content_type (obj);
  if (!ct || !g_mime_content_type_is_type (ct, "message", "delivery-status"))
    return 0;
  GMimeDataWrapper *content = g_mime_part_get_content (GMIME_PART (obj));
  if (!content)
    return 0;
  g_autoptr (GByteArray) arr = g_byte_array_new ();
  g_autoptr (GMimeStream) mem = g_mime_stream_mem_new_with_byte_array (arr);
  g_mime_stream_mem_set_owner (GMIME_STREAM_MEM (mem), FALSE);
  g_mime_data_wrapper_write_to_stream (content, mem);
  /* Newlines as the rest of the library sees them. */
  gsize nuls;
  g_autoptr (GByteArray) text = dsn_intake_normalize ((const char *)arr->data, arr->len, &nuls);
  return dsn_rfc3464_parse (rep, (const char *)text->data, text->len);
}

static gboolean
extract (const DsnInput *in)
{
  GMimeMessage *m = attached_report (in);
  if (!m || read_status (in->report, g_mime_message_get_mime_part (m)) == 0)
    return FALSE;
  dsn_unix_finish (in->report);
  return TRUE;
}

DSN_DIALECT_NAMED (attachedreport, "x5");
