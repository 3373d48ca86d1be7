/* AOL's own outbound relays (omr-*.mx.aol.com): an HTML "Email Returned"
 * page with a delivery-status part written without blank lines between its
 * groups. AOL's current reports come from Yahoo's servers (the yahoo
 * dialect); AOL servers running Postfix write Postfix reports.
 * SPDX-License-Identifier: BSD-2-Clause */
#include "../dialect.h"

#include <string.h>

static gboolean
detect (const DsnInput *in)
{
  static const char *const senders[] = { "@aol.com", NULL };
  if (!in->has_delivery_status || dsn_body_find (in, "This is the mail system at host"))
    return FALSE;
  return dsn_header_has (in, "X-AOL-IP", NULL) || dsn_from_has (in, senders);
}

/* The decoded text of the first message/delivery-status part under P (not
 * inside an attached message). */
static char *
delivery_status_text (const DsnMimePart *p)
{
  const DsnMimePart *ds = dsn_mime_find_leaf (p, "message", "delivery-status", FALSE);
  if (!ds)
    return NULL;
  g_autoptr (GByteArray) bytes = dsn_mime_part_decode (ds);
  GString *s = g_string_sized_new (bytes->len);
  for (guint i = 0; i < bytes->len; i++)
    if (bytes->data[i] != '\r' && bytes->data[i] != '\0')
      g_string_append_c (s, bytes->data[i]);
  return g_string_free (s, FALSE);
}

/* AOL writes "Reporting-MTA: ...", then each recipient's fields, with no
 * blank line between them: puts one before every Final-Recipient and reads
 * the part again. */
static void
reread_groups (const DsnInput *in)
{
  g_autofree char *text = delivery_status_text (in->message->body);
  if (!text)
    return;
  GString *fixed = g_string_sized_new (strlen (text) + 64);
  const char *pos = text, *line;
  gsize len;
  gboolean blank_before = TRUE;
  while (dsn_text_next_line (&pos, &line, &len)) {
    if (!blank_before && dsn_has_prefix_ci (line, "Final-Recipient:"))
      g_string_append_c (fixed, '\n');
    g_string_append_len (fixed, line, len);
    g_string_append_c (fixed, '\n');
    blank_before = len == 0;
  }
  DsnReport *rep = in->report;
  dsn_report_clear_recipients (rep);
  g_ptr_array_set_size (rep->fields, 0);
  dsn_rfc3464_parse (rep, fixed->str, fixed->len);
  g_string_free (fixed, TRUE);
}

static gboolean
extract (const DsnInput *in)
{
  DsnReport *rep = in->report;
  /* A recipient with neither action nor status is half of a group. */
  for (guint i = 0; i < rep->recipients->len; i++) {
    DsnRecipient *r = rep->recipients->pdata[i];
    if (r->action == DSN_ACTION_NONE && !r->status) {
      reread_groups (in);
      break;
    }
  }
  dsn_finish_recipients (rep);
  /* "We were unable to deliver your message to the following address
   * user@example.org because: Mailbox is full" */
  dsn_fill_diagnostics_from_text (rep, in->body);
  return rep->recipients->len > 0;
}

DSN_DIALECT (aol);
