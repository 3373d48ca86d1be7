/* A report as JSON (schema 1, see doc/json-schema.json). Every key is always
 * present, in a fixed order, with null when the message did not say: scripts
 * can rely on the shape.
 * SPDX-License-Identifier: BSD-2-Clause */
#include "headers.h"
#include "rules.h"

#include <string.h>

static void
dsn_string_free (GString *s)
{
  g_string_free (s, TRUE);
}

static void
add_recheck (DsnJson *w, const DsnRecheck *c, const char *lang)
{
  if (!c) {
    dsn_json_add_null_value (w);
    return;
  }
  dsn_json_begin_object (w);
  dsn_json_member (w, "what", c->what);
  dsn_json_member (w, "target", c->target);
  dsn_json_member (w, "status", dsn_recheck_status_to_string (c->status));
  dsn_json_member (w, "text", c->found ? dsn_finding_get_message (c->found, lang) : NULL);
  dsn_json_set_member_name (w, "address");
  if (c->address) {
    dsn_json_begin_object (w);
    dsn_json_member (w, "ip", c->address);
    dsn_json_member (w, "source", c->address_source);
    dsn_json_member (w, "evidence", c->address_evidence);
    dsn_json_member (w, "text",
                     c->address_found ? dsn_finding_get_message (c->address_found, lang) : NULL);
    dsn_json_end_object (w);
  } else {
    dsn_json_add_null_value (w);
  }
  dsn_json_set_member_name (w, "details");
  if (c->details)
    dsn_json_add_node (w, c->details[dsn_lang_index (lang)]);
  else
    dsn_json_add_null_value (w);
  dsn_json_end_object (w);
}

static void
add_recipient (DsnJson *b, const DsnRecipient *r, const char *lang)
{
  dsn_json_begin_object (b);
  dsn_json_member (b, "address", r->address);
  dsn_json_member (b, "original_address", r->original);
  dsn_json_member (b, "action", dsn_action_to_string (r->action));
  dsn_json_member (b, "status", r->status);
  dsn_json_member (b, "status_source", dsn_recipient_get_status_source (r));
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
  add_recheck (b, r->check, lang);
  /* What the report's verdict changes in the advice. */
  dsn_json_set_member_name (b, "context");
  if (r->context) {
    dsn_json_begin_object (b);
    dsn_json_member (b, "code", dsn_finding_get_code (r->context));
    dsn_json_member (b, "text", dsn_finding_get_message (r->context, lang));
    dsn_json_member (b, "advice", dsn_finding_get_advice (r->context, lang));
    dsn_json_set_member_name (b, "details");
    dsn_finding_write_details (r->context, b, lang);
    dsn_json_end_object (b);
  } else {
    dsn_json_add_null_value (b);
  }
  dsn_json_set_member_name (b, "extensions");
  dsn_json_begin_object (b);
  if (r->extensions) {
    /* Keys stay unique: the first of a repeated extension field wins. */
    g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
    for (guint i = 0; i < r->extensions->len; i++) {
      const char *ext = r->extensions->pdata[i];
      const char *colon = strchr (ext, ':');
      char *name = g_strndup (ext, colon - ext);
      if (!g_hash_table_add (seen, name))
        continue;
      dsn_json_set_member_name (b, name);
      dsn_json_add_string_value (b, colon[1] == ' ' ? colon + 2 : colon + 1);
    }
  }
  dsn_json_end_object (b);
  dsn_json_end_object (b);
}

void
dsn_report_write_json_members (const DsnReport *rep, DsnJson *b, const char *lang)
{
  g_return_if_fail (rep && b);
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
  {
    /* One pass: each name (compared without case) in the order it first
     * appears, with its values. */
    g_autoptr (GHashTable) index = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
    g_autoptr (GPtrArray) names = g_ptr_array_new ();
    g_autoptr (GPtrArray) values = g_ptr_array_new_with_free_func ((GDestroyNotify)dsn_string_free);
    for (guint i = 0; i + 1 < rep->fields->len; i += 2) {
      const char *name = rep->fields->pdata[i];
      const char *value = rep->fields->pdata[i + 1];
      char *key = g_ascii_strdown (name, -1);
      gpointer at;
      if (g_hash_table_lookup_extended (index, key, NULL, &at)) {
        GString *v = values->pdata[GPOINTER_TO_UINT (at)];
        g_string_append (v, ", ");
        g_string_append (v, value);
        g_free (key);
        continue;
      }
      g_hash_table_insert (index, key, GUINT_TO_POINTER (names->len));
      g_ptr_array_add (names, (gpointer)name);
      g_ptr_array_add (values, g_string_new (value));
    }
    for (guint i = 0; i < names->len; i++) {
      dsn_json_set_member_name (b, names->pdata[i]);
      dsn_json_add_string_value (b, ((GString *)values->pdata[i])->str);
    }
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
    dsn_json_add_string_value (b, dsn_finding_get_message (rep->warnings->pdata[i], lang));
  dsn_json_end_array (b);
}

static void
write_report (DsnJson *b, const DsnReport *rep, const char *lang)
{
  dsn_json_begin_object (b);
  dsn_json_set_member_name (b, "schema");
  dsn_json_add_int_value (b, DSN_JSON_SCHEMA);
  dsn_report_write_json_members (rep, b, lang);
  dsn_json_end_object (b);
}

JsonNode *
dsn_report_to_json (const DsnReport *rep, const char *lang)
{
  g_return_val_if_fail (rep, NULL);
  DsnJson *w = dsn_json_new_tree ();
  write_report (w, rep, lang);
  return dsn_json_free_to_node (w);
}

char *
dsn_report_to_json_string (const DsnReport *rep, const char *lang)
{
  g_return_val_if_fail (rep, NULL);
  DsnJson *w = dsn_json_new_text ();
  write_report (w, rep, lang);
  return dsn_json_free_to_string (w);
}
