/* A report as JSON (schema 1, see doc/json-schema.json). Every key is always
 * present, in a fixed order, with null when the message did not say: scripts
 * can rely on the shape.
 * SPDX-License-Identifier: BSD-2-Clause */
#include "dsn-private.h"
#include "rules.h"
#include "headers.h"

#include <string.h>

/* ------------------------------------------------------------ writer */

/* One code path writes the report either as a JsonNode tree (the API's
 * dsn_report_to_json) or straight as text (dsn_report_to_json_string, what
 * the tools print: building and then serialising a tree for every message
 * would cost more than the analysis). */
struct _DsnJson {
  JsonBuilder *builder; /* tree mode */
  GString *out;         /* text mode */
  guint depth;
  gboolean first[32];   /* text mode: no element written yet at this depth */
  gboolean after_key;
};

static void
text_separator (DsnJson *w)
{
  if (w->after_key) {
    w->after_key = FALSE;
    return;
  }
  if (w->depth > 0 && w->depth < G_N_ELEMENTS (w->first)) {
    if (!w->first[w->depth])
      g_string_append_c (w->out, ',');
    w->first[w->depth] = FALSE;
  }
}

static void
text_string (GString *out, const char *s)
{
  g_autofree char *valid = g_utf8_validate (s, -1, NULL) ? NULL : g_utf8_make_valid (s, -1);
  if (valid)
    s = valid;
  g_string_append_c (out, '"');
  const char *run = s;
  for (const char *p = s; *p; p++) {
    guchar c = *p;
    /* U+0085, U+2028 and U+2029 are valid in JSON strings, but many line
     * readers split on them: escaped, so one result stays one line. */
    if ((c == 0xc2 && (guchar) p[1] == 0x85) ||
        (c == 0xe2 && (guchar) p[1] == 0x80 && ((guchar) p[2] == 0xa8 || (guchar) p[2] == 0xa9))) {
      g_string_append_len (out, run, p - run);
      g_string_append_printf (out, "\\u%04x", c == 0xc2 ? 0x85 : (guchar) p[2] == 0xa8 ? 0x2028 : 0x2029);
      p += c == 0xc2 ? 1 : 2;
      run = p + 1;
      continue;
    }
    if (c >= 0x20 && c != '"' && c != '\\')
      continue;
    g_string_append_len (out, run, p - run);
    switch (c) {
    case '"': g_string_append (out, "\\\""); break;
    case '\\': g_string_append (out, "\\\\"); break;
    case '\n': g_string_append (out, "\\n"); break;
    case '\r': g_string_append (out, "\\r"); break;
    case '\t': g_string_append (out, "\\t"); break;
    case '\b': g_string_append (out, "\\b"); break;
    case '\f': g_string_append (out, "\\f"); break;
    default: g_string_append_printf (out, "\\u%04x", c); break;
    }
    run = p + 1;
  }
  g_string_append (out, run);
  g_string_append_c (out, '"');
}

void
dsn_json_begin_object (DsnJson *w)
{
  if (w->builder) {
    json_builder_begin_object (w->builder);
    return;
  }
  text_separator (w);
  g_string_append_c (w->out, '{');
  if (++w->depth < G_N_ELEMENTS (w->first))
    w->first[w->depth] = TRUE;
}

void
dsn_json_end_object (DsnJson *w)
{
  if (w->builder) {
    json_builder_end_object (w->builder);
    return;
  }
  g_string_append_c (w->out, '}');
  w->depth--;
}

void
dsn_json_begin_array (DsnJson *w)
{
  if (w->builder) {
    json_builder_begin_array (w->builder);
    return;
  }
  text_separator (w);
  g_string_append_c (w->out, '[');
  if (++w->depth < G_N_ELEMENTS (w->first))
    w->first[w->depth] = TRUE;
}

void
dsn_json_end_array (DsnJson *w)
{
  if (w->builder) {
    json_builder_end_array (w->builder);
    return;
  }
  g_string_append_c (w->out, ']');
  w->depth--;
}

void
dsn_json_set_member_name (DsnJson *w, const char *name)
{
  if (w->builder) {
    json_builder_set_member_name (w->builder, name);
    return;
  }
  text_separator (w);
  text_string (w->out, name);
  g_string_append_c (w->out, ':');
  w->after_key = TRUE;
}

void
dsn_json_add_string_value (DsnJson *w, const char *value)
{
  if (!value) {
    dsn_json_add_null_value (w);
    return;
  }
  if (w->builder) {
    if (g_utf8_validate (value, -1, NULL)) {
      json_builder_add_string_value (w->builder, value);
    } else {
      g_autofree char *valid = g_utf8_make_valid (value, -1);
      json_builder_add_string_value (w->builder, valid);
    }
    return;
  }
  text_separator (w);
  text_string (w->out, value);
}

void
dsn_json_add_null_value (DsnJson *w)
{
  if (w->builder) {
    json_builder_add_null_value (w->builder);
    return;
  }
  text_separator (w);
  g_string_append (w->out, "null");
}

void
dsn_json_add_int_value (DsnJson *w, gint64 value)
{
  if (w->builder) {
    json_builder_add_int_value (w->builder, value);
    return;
  }
  text_separator (w);
  g_string_append_printf (w->out, "%" G_GINT64_FORMAT, value);
}

void
dsn_json_add_node (DsnJson *w, JsonNode *node)
{
  if (w->builder) {
    json_builder_add_value (w->builder, json_node_copy (node));
    return;
  }
  text_separator (w);
  g_autofree char *s = json_to_string (node, FALSE);
  g_string_append (w->out, s);
}

void
dsn_json_add_boolean_value (DsnJson *w, gboolean value)
{
  if (w->builder) {
    json_builder_add_boolean_value (w->builder, value);
    return;
  }
  text_separator (w);
  g_string_append (w->out, value ? "true" : "false");
}


void
dsn_json_member (DsnJson *w, const char *name, const char *value)
{
  dsn_json_set_member_name (w, name);
  dsn_json_add_string_value (w, value);
}

static const char *
status_source (DsnSource s)
{
  switch (s) {
  case DSN_SOURCE_REPORT: return "report";
  case DSN_SOURCE_TEXT: return "text";
  case DSN_SOURCE_INFERRED: return "inferred";
  case DSN_SOURCE_NONE: break;
  }
  return NULL;
}

static void
add_recipient (DsnJson *b, const DsnRecipient *r, const char *lang)
{
  dsn_json_begin_object (b);
  dsn_json_member (b, "address", r->address);
  dsn_json_member (b, "original_address", r->original);
  dsn_json_member (b, "action", dsn_action_to_string (r->action));
  dsn_json_member (b, "status", r->status);
  dsn_json_member (b, "status_source", status_source (r->status_source));
  dsn_json_member (b, "status_text", dsn_status_describe (r->status));
  dsn_json_member (b, "reply_code", r->reply_code);
  dsn_json_member (b, "remote_mta", r->remote_mta);
  dsn_json_member (b, "diagnostic", r->diagnostic);
  dsn_json_member (b, "diagnostic_type", r->diagnostic_type);
  dsn_json_member (b, "command", r->command);
  dsn_json_member (b, "last_attempt", r->last_attempt);
  dsn_json_member (b, "will_retry_until", r->will_retry_until);
  dsn_json_member (b, "reason", r->reason);
  dsn_json_member (b, "category", r->category ? r->category->id : NULL);
  dsn_json_set_member_name (b, "hard_bounce");
  dsn_json_add_boolean_value (b, r->hard_bounce);
  dsn_json_member (b, "blocklist", r->blocklist);
  dsn_json_member (b, "feedback_type", r->feedback_type);
  dsn_json_member (b, "summary", dsn_category_text (r->category, DSN_TEXT_SUMMARY, lang));
  dsn_json_member (b, "explanation", dsn_category_text (r->category, DSN_TEXT_EXPLANATION, lang));
  dsn_json_member (b, "advice", dsn_category_text (r->category, DSN_TEXT_ADVICE, lang));
  dsn_json_member (b, "who", r->category ? r->category->who : NULL);
  dsn_json_member (b, "rule", r->rule);
  dsn_json_set_member_name (b, "check");
  if (r->check)
    dsn_check_to_json (r->check, b, lang);
  else
    dsn_json_add_null_value (b);
  dsn_json_set_member_name (b, "extensions");
  dsn_json_begin_object (b);
  if (r->extensions)
    for (guint i = 0; i < r->extensions->len; i++) {
      const char *ext = r->extensions->pdata[i];
      const char *colon = strchr (ext, ':');
      g_autofree char *name = g_strndup (ext, colon - ext);
      /* Keys stay unique: the first of a repeated extension field wins. */
      gboolean seen = FALSE;
      for (guint j = 0; j < i && !seen; j++)
        seen = g_str_has_prefix (r->extensions->pdata[j], name) &&
               ((char *) r->extensions->pdata[j])[colon - ext] == ':';
      if (seen)
        continue;
      dsn_json_set_member_name (b, name);
      dsn_json_add_string_value (b, colon[1] == ' ' ? colon + 2 : colon + 1);
    }
  dsn_json_end_object (b);
  dsn_json_end_object (b);
}

static void
write_report (DsnJson *b, const DsnReport *rep, const char *lang)
{
  dsn_json_begin_object (b);
  dsn_json_set_member_name (b, "schema");
  dsn_json_add_int_value (b, 1);
  dsn_json_member (b, "kind", dsn_kind_to_string (rep->kind));
  dsn_json_member (b, "dialect", rep->dialect);
  dsn_json_member (b, "from", rep->from && *rep->from ? rep->from : NULL);
  dsn_json_member (b, "subject", rep->subject && *rep->subject ? rep->subject : NULL);
  dsn_json_member (b, "reporting_mta", dsn_report_get_field (rep, "Reporting-MTA"));
  dsn_json_member (b, "received_from_mta", dsn_report_get_field (rep, "Received-From-MTA"));
  dsn_json_member (b, "arrival_date", dsn_report_get_field (rep, "Arrival-Date"));

  /* A field written several times (ARF's Original-Rcpt-To) is one member
   * with its values joined, so that keys stay unique. */
  dsn_json_set_member_name (b, "fields");
  dsn_json_begin_object (b);
  for (guint i = 0; i + 1 < rep->fields->len; i += 2) {
    const char *name = rep->fields->pdata[i];
    gboolean seen = FALSE;
    for (guint j = 0; j < i && !seen; j += 2)
      seen = g_ascii_strcasecmp (rep->fields->pdata[j], name) == 0;
    if (seen)
      continue;
    GString *v = g_string_new (rep->fields->pdata[i + 1]);
    for (guint j = i + 2; j + 1 < rep->fields->len; j += 2)
      if (g_ascii_strcasecmp (rep->fields->pdata[j], name) == 0) {
        g_string_append (v, ", ");
        g_string_append (v, rep->fields->pdata[j + 1]);
      }
    dsn_json_set_member_name (b, name);
    dsn_json_add_string_value (b, v->str);
    g_string_free (v, TRUE);
  }
  dsn_json_end_object (b);

  dsn_json_set_member_name (b, "original");
  dsn_json_begin_object (b);
  dsn_json_member (b, "from", dsn_report_get_original_header (rep, "From"));
  dsn_json_member (b, "to", dsn_report_get_original_header (rep, "To"));
  dsn_json_member (b, "subject", dsn_report_get_original_header (rep, "Subject"));
  dsn_json_member (b, "message_id", dsn_report_get_original_header (rep, "Message-ID"));
  dsn_json_member (b, "date", dsn_report_get_original_header (rep, "Date"));
  dsn_json_member (b, "sending_ip", rep->original_ip);
  dsn_json_end_object (b);

  dsn_json_set_member_name (b, "headers");
  if (rep->headers)
    dsn_headers_to_json (rep->headers, b, lang);
  else
    dsn_json_add_null_value (b);

  dsn_json_set_member_name (b, "backscatter");
  if (rep->backscatter)
    dsn_backscatter_to_json (rep->backscatter, b, lang);
  else
    dsn_json_add_null_value (b);

  dsn_json_set_member_name (b, "recipients");
  dsn_json_begin_array (b);
  for (guint i = 0; i < rep->recipients->len; i++)
    add_recipient (b, rep->recipients->pdata[i], lang);
  dsn_json_end_array (b);

  dsn_json_set_member_name (b, "warnings");
  dsn_json_begin_array (b);
  for (guint i = 0; i < rep->warnings->len; i++)
    dsn_json_add_string_value (b, rep->warnings->pdata[i]);
  dsn_json_end_array (b);
  dsn_json_end_object (b);
}

JsonNode *
dsn_report_to_json (const DsnReport *rep, const char *lang)
{
  g_return_val_if_fail (rep, NULL);
  DsnJson w = { 0 };
  w.builder = json_builder_new ();
  write_report (&w, rep, lang);
  JsonNode *root = json_builder_get_root (w.builder);
  g_object_unref (w.builder);
  return root;
}

char *
dsn_report_to_json_string (const DsnReport *rep, const char *lang)
{
  g_return_val_if_fail (rep, NULL);
  DsnJson w = { 0 };
  w.out = g_string_sized_new (4096);
  write_report (&w, rep, lang);
  return g_string_free (w.out, FALSE);
}
