/* A report as JSON (schema 1, see doc/json-schema.json). Every key is always
 * present, in a fixed order, with null when the message did not say: scripts
 * can rely on the shape.
 * SPDX-License-Identifier: BSD-2-Clause */
#include "dsn-private.h"
#include "rules.h"
#include "headers.h"

#include <string.h>

static void
member_str (JsonBuilder *b, const char *name, const char *value)
{
  json_builder_set_member_name (b, name);
  if (value)
    json_builder_add_string_value (b, value);
  else
    json_builder_add_null_value (b);
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
add_recipient (JsonBuilder *b, const DsnRecipient *r, const char *lang)
{
  json_builder_begin_object (b);
  member_str (b, "address", r->address);
  member_str (b, "original_address", r->original);
  member_str (b, "action", dsn_action_to_string (r->action));
  member_str (b, "status", r->status);
  member_str (b, "status_source", status_source (r->status_source));
  member_str (b, "status_text", dsn_status_describe (r->status));
  member_str (b, "reply_code", r->reply_code);
  member_str (b, "remote_mta", r->remote_mta);
  member_str (b, "diagnostic", r->diagnostic);
  member_str (b, "diagnostic_type", r->diagnostic_type);
  member_str (b, "command", r->command);
  member_str (b, "last_attempt", r->last_attempt);
  member_str (b, "will_retry_until", r->will_retry_until);
  member_str (b, "reason", r->reason);
  member_str (b, "category", r->category ? r->category->id : NULL);
  json_builder_set_member_name (b, "hard_bounce");
  json_builder_add_boolean_value (b, r->hard_bounce);
  member_str (b, "blocklist", r->blocklist);
  member_str (b, "feedback_type", r->feedback_type);
  member_str (b, "summary", dsn_category_text (r->category, DSN_TEXT_SUMMARY, lang));
  member_str (b, "explanation", dsn_category_text (r->category, DSN_TEXT_EXPLANATION, lang));
  member_str (b, "advice", dsn_category_text (r->category, DSN_TEXT_ADVICE, lang));
  member_str (b, "who", r->category ? r->category->who : NULL);
  member_str (b, "rule", r->rule);
  json_builder_set_member_name (b, "extensions");
  json_builder_begin_object (b);
  if (r->extensions)
    for (guint i = 0; i < r->extensions->len; i++) {
      const char *ext = r->extensions->pdata[i];
      const char *colon = strchr (ext, ':');
      g_autofree char *name = g_strndup (ext, colon - ext);
      json_builder_set_member_name (b, name);
      json_builder_add_string_value (b, colon[1] == ' ' ? colon + 2 : colon + 1);
    }
  json_builder_end_object (b);
  json_builder_end_object (b);
}

JsonNode *
dsn_report_to_json (const DsnReport *rep, const char *lang)
{
  g_return_val_if_fail (rep, NULL);
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "schema");
  json_builder_add_int_value (b, 1);
  member_str (b, "kind", dsn_kind_to_string (rep->kind));
  member_str (b, "dialect", rep->dialect);
  member_str (b, "from", rep->from && *rep->from ? rep->from : NULL);
  member_str (b, "subject", rep->subject && *rep->subject ? rep->subject : NULL);
  member_str (b, "reporting_mta", dsn_report_get_field (rep, "Reporting-MTA"));
  member_str (b, "received_from_mta", dsn_report_get_field (rep, "Received-From-MTA"));
  member_str (b, "arrival_date", dsn_report_get_field (rep, "Arrival-Date"));

  json_builder_set_member_name (b, "fields");
  json_builder_begin_object (b);
  for (guint i = 0; i + 1 < rep->fields->len; i += 2) {
    json_builder_set_member_name (b, rep->fields->pdata[i]);
    json_builder_add_string_value (b, rep->fields->pdata[i + 1]);
  }
  json_builder_end_object (b);

  json_builder_set_member_name (b, "original");
  json_builder_begin_object (b);
  member_str (b, "from", dsn_report_get_original_header (rep, "From"));
  member_str (b, "to", dsn_report_get_original_header (rep, "To"));
  member_str (b, "subject", dsn_report_get_original_header (rep, "Subject"));
  member_str (b, "message_id", dsn_report_get_original_header (rep, "Message-ID"));
  member_str (b, "date", dsn_report_get_original_header (rep, "Date"));
  member_str (b, "sending_ip", rep->original_ip);
  json_builder_end_object (b);

  json_builder_set_member_name (b, "headers");
  if (rep->headers)
    dsn_headers_to_json (rep->headers, b, lang);
  else
    json_builder_add_null_value (b);

  json_builder_set_member_name (b, "backscatter");
  if (rep->backscatter)
    dsn_backscatter_to_json (rep->backscatter, b, lang);
  else
    json_builder_add_null_value (b);

  json_builder_set_member_name (b, "recipients");
  json_builder_begin_array (b);
  for (guint i = 0; i < rep->recipients->len; i++)
    add_recipient (b, rep->recipients->pdata[i], lang);
  json_builder_end_array (b);

  json_builder_set_member_name (b, "warnings");
  json_builder_begin_array (b);
  for (guint i = 0; i < rep->warnings->len; i++)
    json_builder_add_string_value (b, rep->warnings->pdata[i]);
  json_builder_end_array (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}
