/* Mimecast: "[Postmaster] Email Delivery Failure", one report per failed
 * recipient. The text gives each item on a "-- " line after its label:
 *
 *   An email that you attempted to send to the following address could not
 *   be delivered:
 *   -- user@example.org
 *
 *   The problem appears to be :
 *   -- Recipient email address is possibly incorrect
 *
 *   Additional information follows :
 *   -- 5.1.1 Recipient address rejected: User unknown
 *
 * The "additional information" is the remote server's reply; the "problem"
 * is Mimecast's summary of it. Newer reports add a delivery-status part
 * written "Field : value", which strict parsers skip.
 * SPDX-License-Identifier: BSD-2-Clause */
#include "../dialect.h"
#include "gateways.h"

#include <string.h>

static const char problem_label[] = "The problem appears to be";

static gboolean
detect (const DsnInput *in)
{
  static const char *const subjects[] = { "Email Delivery Failure", NULL };
  const char *id = dsn_input_header (in, "Message-ID");
  gboolean mimecast = dsn_header_has (in, "X-MC-System", NULL)
                      || dsn_header_has (in, "X-Mimecast-Originator", NULL)
                      || (id && dsn_strcasestr (id, ".mimecast.lan>"))
                      || dsn_subject_has (in, subjects);
  return mimecast && dsn_body_find (in, problem_label);
}

/* The text of the first message/delivery-status part, decoded, or NULL. */
static char *
delivery_status_text (const DsnInput *in)
{
  const DsnMimePart *ds
      = dsn_mime_find_leaf (in->message->body, "message", "delivery-status", TRUE);
  if (!ds)
    return NULL;
  g_autoptr (GByteArray) arr = dsn_mime_part_decode (ds);
  return dsn_to_utf8 ((const char *)arr->data, arr->len, NULL);
}

/* Rewrites "Field : value" as "Field: value" and the "rfc/822" address type
 * as "rfc822", so that the RFC 3464 parser reads Mimecast's fields. */
static char *
fix_fields (const char *text)
{
  GString *out = g_string_sized_new (strlen (text));
  const char *pos = text, *line;
  gsize len;
  while (dsn_text_next_line (&pos, &line, &len)) {
    gsize n = 0;
    while (n < len && (g_ascii_isalnum (line[n]) || line[n] == '-' || line[n] == '_'))
      n++;
    gsize sp = n;
    while (sp < len && line[sp] == ' ')
      sp++;
    if (n > 0 && sp > n && sp < len && line[sp] == ':') {
      g_string_append_len (out, line, n);
      line += sp;
      len -= sp;
    }
    g_autofree char *rest = g_strndup (line, len);
    for (char *t = strstr (rest, "rfc/822;"); t; t = strstr (t, "rfc/822;"))
      memmove (t + 3, t + 4, strlen (t + 4) + 1);
    g_string_append (out, rest);
    g_string_append_c (out, '\n');
  }
  return g_string_free (out, FALSE);
}

/* The "-- " item following a label line: its lines up to a blank one. */
static char *
item_after (const char *label_end, const char *end)
{
  const char *p = label_end;
  /* The item must start before the report's end: a label on its last line
   * has none (the text beyond END is the returned message). */
  if (end - p < 3 || !g_str_has_prefix (p, "-- "))
    return NULL;
  p += 3;
  const char *e = p;
  while (e < end) {
    const char *nl = dsn_next_line (e);
    e = nl;
    if (e >= end || *e == '\n' || g_str_has_prefix (e, "-- "))
      break;
  }
  if (e > end)
    e = end;
  char *item = g_strndup (p, e - p);
  return dsn_text_squeeze (item);
}

/* A status written as X.0.0 beside a specific one in the server's reply. */
static void
refine_status (DsnRecipient *r)
{
  char code[12];
  if (!r->status || !r->diagnostic || strcmp (r->status + 1, ".0.0") != 0)
    return;
  if (dsn_text_find_status (r->diagnostic, code) && code[0] == r->status[0]
      && strcmp (code + 1, ".0.0") != 0) {
    dsn_set (&r->status, code);
    r->status_source = DSN_SOURCE_TEXT;
  }
}

static gboolean
extract (const DsnInput *in)
{
  DsnReport *rep = in->report;
  if (in->has_delivery_status && rep->recipients->len == 0) {
    g_autofree char *ds = delivery_status_text (in);
    if (ds) {
      g_autofree char *fixed = fix_fields (ds);
      dsn_rfc3464_parse (rep, fixed, strlen (fixed));
    }
  }

  const char *text = dsn_input_report_text (in);
  const char *end = dsn_gw_report_end (in, text, text, NULL);
  g_autofree char *problem = NULL;
  g_autofree char *info = NULL;
  GPtrArray *addrs = g_ptr_array_new_with_free_func (g_free);
  gboolean address_label = FALSE;
  for (const char *p = text; p < end; p = dsn_next_line (p)) {
    const char *nl = dsn_next_line (p);
    g_autofree char *line = dsn_text_squeeze (g_strndup (p, nl - p));
    gsize n = strlen (line);
    if (n == 0 || line[n - 1] != ':')
      continue;
    g_autofree char *item = item_after (nl, end);
    if (!item)
      continue;
    if (dsn_strcasestr (line, problem_label)) {
      g_free (problem);
      problem = g_steal_pointer (&item);
    } else if (dsn_strcasestr (line, "Additional information")) {
      g_free (info);
      info = g_steal_pointer (&item);
    } else if (dsn_strcasestr (line, "address") && dsn_text_is_address (item)) {
      g_ptr_array_add (addrs, g_steal_pointer (&item));
      address_label = TRUE;
    }
  }
  for (guint i = 0; i < addrs->len && address_label; i++) {
    DsnRecipient *r = dsn_report_find_recipient (rep, addrs->pdata[i]);
    if (!r)
      r = dsn_report_add_recipient (rep, addrs->pdata[i]);
    if (!r->diagnostic)
      dsn_recipient_set_diagnostic (r, info ? info : problem, -1);
  }
  g_ptr_array_unref (addrs);
  for (guint i = 0; i < rep->recipients->len; i++)
    refine_status (rep->recipients->pdata[i]);
  dsn_finish_recipients (in->report);
  return rep->recipients->len > 0;
}

DSN_DIALECT (mimecast);
