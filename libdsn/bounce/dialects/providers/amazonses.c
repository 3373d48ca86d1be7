/* Amazon SES as a sender: RFC 3464 reports from MAILER-DAEMON@*.amazonses.com
 * (the early ones wrap the remote server's words: "5.1.0 - Unknown address
 * error 550-'5.7.1 ...'"), and the JSON event notifications (Bounce,
 * Complaint, Delivery) that SES publishes through SNS to an e-mail endpoint.
 * SPDX-License-Identifier: BSD-2-Clause */
#include "../dialect.h"
#include "providers.h"

#include <json-glib/json-glib.h>
#include <string.h>

/* An SES notification: mailed by SNS, or the JSON itself, piped or pasted
 * (what a webhook or a queue hands a script: an SNS envelope or the SES
 * event, a notification or an event publishing record). */
static gboolean
is_notification (const DsnInput *in)
{
  if (dsn_header_has (in, "x-amz-sns-message-id", NULL)
      || dsn_from_has (in, (const char *const[]){ "sns.amazonaws.com", NULL }))
    return dsn_body_find (in, "notificationType") != NULL;
  const char *b = in->body;
  while (b && g_ascii_isspace (*b))
    b++;
  return b && *b == '{'
         && (dsn_body_find (in, "notificationType") || dsn_body_find (in, "eventType"));
}

static gboolean
detect (const DsnInput *in)
{
  static const char *const senders[] = { "amazonses.com", NULL };
  if (is_notification (in))
    return TRUE;
  /* Amazon WorkMail sends through SES too. */
  return dsn_from_has (in, senders) && !dsn_header_has (in, "X-Mailer", "Amazon WorkMail");
}

/* ------------------------------------------------------------ notifications */

/* The length of the JSON object at TEXT (which starts with '{'), or 0. */
static gsize
object_length (const char *text)
{
  int depth = 0;
  gboolean in_string = FALSE;
  for (const char *p = text; *p; p++) {
    if (in_string) {
      if (*p == '\\' && p[1])
        p++;
      else if (*p == '"')
        in_string = FALSE;
    } else if (*p == '"') {
      in_string = TRUE;
    } else if (*p == '{') {
      depth++;
    } else if (*p == '}' && --depth == 0) {
      return p - text + 1;
    }
  }
  return 0;
}

/* SNS folds its long lines for mail with "!" + newline + space. */
static char *
unfold (const char *text)
{
  GString *s = g_string_new (NULL);
  for (const char *p = text; *p; p++) {
    if (p[0] == '!' && p[1] == '\n' && p[2] == ' ') {
      p += 2;
      continue;
    }
    g_string_append_c (s, *p);
  }
  return g_string_free (s, FALSE);
}

static JsonNode *
parse_object (const char *text)
{
  const char *brace = strchr (text, '{');
  gsize len = brace ? object_length (brace) : 0;
  if (!len)
    return NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, brace, len, NULL))
    return NULL;
  JsonNode *root = json_parser_get_root (parser);
  return root && JSON_NODE_HOLDS_OBJECT (root) ? json_node_copy (root) : NULL;
}

static const char *
member_string (JsonObject *o, const char *name)
{
  JsonNode *n = o ? json_object_get_member (o, name) : NULL;
  return n && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING
             ? json_node_get_string (n)
             : NULL;
}

static JsonObject *
member_object (JsonObject *o, const char *name)
{
  JsonNode *n = o ? json_object_get_member (o, name) : NULL;
  return n && JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
}

static JsonArray *
member_array (JsonObject *o, const char *name)
{
  JsonNode *n = o ? json_object_get_member (o, name) : NULL;
  return n && JSON_NODE_HOLDS_ARRAY (n) ? json_node_get_array (n) : NULL;
}

/* The original's headers, from "mail": {"commonHeaders": {...}}. */
static void
record_original (DsnReport *rep, JsonObject *mail)
{
  JsonObject *common = member_object (mail, "commonHeaders");
  static const struct {
    const char *member;
    const char *header;
  } map[] = { { "from", "From" },
              { "to", "To" },
              { "subject", "Subject" },
              { "messageId", "Message-ID" },
              { "date", "Date" } };
  for (gsize i = 0; common && i < G_N_ELEMENTS (map); i++) {
    JsonNode *n = json_object_get_member (common, map[i].member);
    if (n && JSON_NODE_HOLDS_ARRAY (n) && json_array_get_length (json_node_get_array (n)) > 0) {
      JsonNode *first = json_array_get_element (json_node_get_array (n), 0);
      if (JSON_NODE_HOLDS_VALUE (first) && json_node_get_value_type (first) == G_TYPE_STRING)
        dsn_report_add_original (rep, map[i].header, json_node_get_string (first));
    } else if (n && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING) {
      dsn_report_add_original (rep, map[i].header, json_node_get_string (n));
    }
  }
}

static void
read_bounce (DsnReport *rep, JsonObject *bounce)
{
  JsonArray *list = member_array (bounce, "bouncedRecipients");
  const char *mta = member_string (bounce, "reportingMTA");
  if (mta) {
    g_autofree char *host = dsn_rfc3464_typed_value (mta, NULL);
    dsn_report_add_field (rep, "Reporting-MTA", host);
  }
  for (guint i = 0; list && i < json_array_get_length (list); i++) {
    JsonNode *n = json_array_get_element (list, i);
    JsonObject *o = JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
    const char *addr = member_string (o, "emailAddress");
    if (!addr)
      continue;
    DsnRecipient *r = dsn_report_add_recipient (rep, addr);
    r->action = dsn_action_from_string (member_string (o, "action"));
    if (r->action == DSN_ACTION_NONE)
      r->action = DSN_ACTION_FAILED;
    char code[12];
    const char *status = member_string (o, "status");
    if (status && dsn_text_find_status (status, code)) {
      dsn_set (&r->status, code);
      r->status_source = DSN_SOURCE_REPORT;
    }
    const char *diag = member_string (o, "diagnosticCode");
    if (diag) {
      g_autofree char *value = dsn_rfc3464_typed_value (diag, &r->diagnostic_type);
      dsn_recipient_set_diagnostic (r, value, -1);
    }
  }
}

static void
read_complaint (DsnReport *rep, JsonObject *complaint)
{
  JsonArray *list = member_array (complaint, "complainedRecipients");
  const char *type = member_string (complaint, "complaintFeedbackType");
  for (guint i = 0; list && i < json_array_get_length (list); i++) {
    JsonNode *n = json_array_get_element (list, i);
    const char *addr = member_string (JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL,
                                      "emailAddress");
    if (!addr)
      continue;
    DsnRecipient *r = dsn_report_add_recipient (rep, addr);
    /* RFC 5965 feedback types; SES leaves it out when the ISP did. */
    dsn_set (&r->feedback_type, type ? type : "abuse");
  }
  if (rep->recipients->len)
    rep->kind = DSN_KIND_FEEDBACK;
}

static void
read_delivery (DsnReport *rep, JsonObject *delivery)
{
  JsonArray *list = member_array (delivery, "recipients");
  const char *response = member_string (delivery, "smtpResponse");
  const char *mta = member_string (delivery, "reportingMTA");
  if (mta)
    dsn_report_add_field (rep, "Reporting-MTA", mta);
  for (guint i = 0; list && i < json_array_get_length (list); i++) {
    JsonNode *n = json_array_get_element (list, i);
    if (!JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_STRING)
      continue;
    DsnRecipient *r = dsn_report_add_recipient (rep, json_node_get_string (n));
    r->action = DSN_ACTION_DELIVERED;
    dsn_recipient_set_diagnostic (r, response, -1);
    dsn_set (&r->remote_mta, member_string (delivery, "remoteMtaIp"));
  }
}

static gboolean
extract_notification (const DsnInput *in)
{
  DsnReport *rep = in->report;
  g_autofree char *text = unfold (in->body);
  g_autoptr (JsonNode) root = parse_object (text);
  JsonObject *o = root ? json_node_get_object (root) : NULL;
  /* An SNS envelope carries the SES event as a string. */
  g_autoptr (JsonNode) inner = NULL;
  const char *message = member_string (o, "Message");
  if (message && !member_string (o, "notificationType") && (inner = parse_object (message)))
    o = json_node_get_object (inner);
  const char *type = member_string (o, "notificationType");
  if (!type)
    type = member_string (o, "eventType");
  if (!type)
    return FALSE;
  record_original (rep, member_object (o, "mail"));
  if (g_ascii_strcasecmp (type, "Bounce") == 0)
    read_bounce (rep, member_object (o, "bounce"));
  else if (g_ascii_strcasecmp (type, "Complaint") == 0)
    read_complaint (rep, member_object (o, "complaint"));
  else if (g_ascii_strcasecmp (type, "Delivery") == 0)
    read_delivery (rep, member_object (o, "delivery"));
  return rep->recipients->len > 0;
}

/* ------------------------------------------------------------ reports */

/* "5.1.0 - Unknown address error 550-'5.7.1 <...>... Access denied' (delivery
 * attempts: 0)": SES's guess, then the reply code and the server's words. */
static void
unwrap_quoted_reply (DsnRecipient *r)
{
  const char *d = r->diagnostic;
  for (const char *p = d ? strstr (d, "-'") : NULL; p; p = strstr (p + 1, "-'")) {
    if (p - d < 3 || !g_ascii_isdigit (p[-3]) || !g_ascii_isdigit (p[-2])
        || !g_ascii_isdigit (p[-1]))
      continue;
    const char *close = strrchr (p + 2, '\'');
    if (!close)
      return;
    g_autofree char *reply = g_strndup (p - 3, 3);
    g_autofree char *words = g_strndup (p + 2, close - (p + 2));
    dsn_set (&r->reply_code, reply);
    dsn_recipient_set_diagnostic (r, words, -1);
    return;
  }
}

static gboolean
extract (const DsnInput *in)
{
  DsnReport *rep = in->report;
  if (rep->recipients->len == 0 && is_notification (in))
    return extract_notification (in);
  dsn_provider_join_split_recipients (rep);
  for (guint i = 0; i < rep->recipients->len; i++) {
    DsnRecipient *r = rep->recipients->pdata[i];
    unwrap_quoted_reply (r);
    dsn_provider_take_wrapped_reply (r);
    dsn_provider_refine_status (r);
    /* "dns; [192.0.2.1]": the address of the host. */
    if (r->remote_mta && r->remote_mta[0] == '[') {
      g_autofree char *lit = g_strdup (r->remote_mta + 1);
      lit[strcspn (lit, "]")] = '\0';
      dsn_set (&r->remote_mta, lit);
    }
  }
  dsn_finish_recipients (rep);
  return rep->recipients->len > 0;
}

DSN_DIALECT (amazonses);
