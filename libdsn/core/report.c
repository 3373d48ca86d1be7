/* Reports and recipients: construction and the public getters.
 * SPDX-License-Identifier: BSD-2-Clause */
#include "core.h"

#include <string.h>

G_DEFINE_QUARK (dsn - error - quark, dsn_error)

const char *
dsn_kind_to_string (DsnKind kind)
{
  switch (kind) {
  case DSN_KIND_DELIVERY_STATUS: return "delivery-status";
  case DSN_KIND_FEEDBACK: return "feedback";
  case DSN_KIND_AUTO_REPLY: return "auto-reply";
  case DSN_KIND_HEADERS: return "headers";
  case DSN_KIND_NOT_BOUNCE: break;
  }
  return "not-a-bounce";
}

const char *
dsn_action_to_string (DsnAction action)
{
  switch (action) {
  case DSN_ACTION_FAILED: return "failed";
  case DSN_ACTION_DELAYED: return "delayed";
  case DSN_ACTION_DELIVERED: return "delivered";
  case DSN_ACTION_RELAYED: return "relayed";
  case DSN_ACTION_EXPANDED: return "expanded";
  case DSN_ACTION_NONE: break;
  }
  return NULL;
}

DsnAction
dsn_action_from_string (const char *s)
{
  if (!s)
    return DSN_ACTION_NONE;
  while (g_ascii_isspace (*s))
    s++;
  /* RFC 3464 §2.3.3; "expired", "deferred" and Postfix's address
   * verification "deliverable" are seen in the wild. */
  static const struct {
    const char *word;
    DsnAction action;
  } map[] = {
    { "failed", DSN_ACTION_FAILED },       { "failure", DSN_ACTION_FAILED },
    { "fail", DSN_ACTION_FAILED },         { "expired", DSN_ACTION_FAILED },
    { "delayed", DSN_ACTION_DELAYED },     { "deferred", DSN_ACTION_DELAYED },
    { "delivered", DSN_ACTION_DELIVERED }, { "deliverable", DSN_ACTION_DELIVERED },
    { "relayed", DSN_ACTION_RELAYED },     { "expanded", DSN_ACTION_EXPANDED },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (map); i++)
    if (dsn_has_prefix_ci (s, map[i].word))
      return map[i].action;
  return DSN_ACTION_NONE;
}

void
dsn_set_len (char **slot, const char *value, gssize len)
{
  g_free (*slot);
  *slot = NULL;
  if (!value)
    return;
  if (len < 0)
    len = strlen (value);
  while (len > 0 && g_ascii_isspace (*value))
    value++, len--;
  while (len > 0 && g_ascii_isspace (value[len - 1]))
    len--;
  /* Every string of a report is valid UTF-8, whatever the input. */
  if (len > 0)
    *slot
        = dsn_utf8_validate (value, len) ? g_strndup (value, len) : g_utf8_make_valid (value, len);
}

void
dsn_set (char **slot, const char *value)
{
  dsn_set_len (slot, value, -1);
}

DsnRecipient *
dsn_recipient_new (void)
{
  return g_new0 (DsnRecipient, 1);
}

/* Frees what R holds and zeroes it. */
static void
recipient_clear (DsnRecipient *r)
{
  g_free (r->address);
  g_free (r->original);
  g_free (r->status);
  g_free (r->reply_code);
  g_free (r->remote_mta);
  g_free (r->diagnostic);
  g_free (r->diagnostic_type);
  g_free (r->command);
  g_free (r->last_attempt);
  g_free (r->will_retry_until);
  g_free (r->feedback_type);
  g_free (r->blocklist);
  dsn_recheck_free (r->check);
  g_free (r->sending_ip);
  g_free (r->sending_evidence);
  dsn_finding_free (r->context);
  if (r->extensions)
    g_ptr_array_unref (r->extensions);
  memset (r, 0, sizeof *r);
}

void
dsn_recipient_free (DsnRecipient *r)
{
  if (!r)
    return;
  recipient_clear (r);
  g_free (r);
}

DsnReport *
dsn_report_new (void)
{
  DsnReport *rep = g_new0 (DsnReport, 1);
  rep->fields = g_ptr_array_new_with_free_func (g_free);
  rep->recipients = g_ptr_array_new_with_free_func ((GDestroyNotify)dsn_recipient_free);
  rep->warnings = g_ptr_array_new_with_free_func ((GDestroyNotify)dsn_finding_free);
  rep->original = g_ptr_array_new_with_free_func (g_free);
  return rep;
}

void
dsn_report_free (DsnReport *rep)
{
  if (!rep)
    return;
  g_ptr_array_unref (rep->fields);
  g_ptr_array_unref (rep->recipients);
  g_ptr_array_unref (rep->warnings);
  g_ptr_array_unref (rep->original);
  dsn_recipient_free (rep->overflow);
  if (rep->by_address)
    g_hash_table_unref (rep->by_address);
  if (rep->warned)
    g_hash_table_unref (rep->warned);
  g_free (rep->original_ip);
  g_free (rep->subject);
  g_free (rep->from);
  g_free (rep->to);
  if (rep->headers)
    rep->headers_free (rep->headers);
  if (rep->original_dkim)
    g_ptr_array_unref (rep->original_dkim);
  if (rep->original_dkim_selectors)
    g_ptr_array_unref (rep->original_dkim_selectors);
  if (rep->original_hops)
    g_ptr_array_unref (rep->original_hops);
  if (rep->backscatter)
    rep->backscatter_free (rep->backscatter);
  if (rep->analyzer_release)
    rep->analyzer_release ((gpointer)rep->analyzer);
  g_free (rep);
}

/* Strips "<>", quotes, a "rfc822;" type and surrounding space from an address. */
static char *
clean_address (const char *address)
{
  const char *s = address;
  const char *semi = strchr (s, ';');
  const char *at = strchr (s, '@');
  if (semi && (!at || semi < at))
    s = semi + 1;
  while (*s && (g_ascii_isspace (*s) || *s == '<' || *s == '"' || *s == '\''))
    s++;
  gsize len = strlen (s);
  while (len > 0
         && (g_ascii_isspace (s[len - 1]) || s[len - 1] == '>' || s[len - 1] == '"'
             || s[len - 1] == '\'' || s[len - 1] == '.' || s[len - 1] == ',' || s[len - 1] == ':'
             || s[len - 1] == ';'))
    len--;
  return g_strndup (s, len);
}

DsnRecipient *
dsn_report_add_recipient (DsnReport *rep, const char *address)
{
  if (rep->max_recipients && rep->recipients->len >= rep->max_recipients) {
    /* Past the limit: the dialect goes on reading, into a recipient that
     * is never reported; the pointer stays valid for the report's life. */
    rep->n_dropped++;
    if (!rep->overflow)
      rep->overflow = dsn_recipient_new ();
    recipient_clear (rep->overflow);
    rep->overflow->address = address ? clean_address (address) : NULL;
    rep->overflow->position = G_MAXUINT;
    return rep->overflow;
  }
  DsnRecipient *r = dsn_recipient_new ();
  r->address = address ? clean_address (address) : NULL;
  r->position = G_MAXUINT; /* not indexed yet */
  g_ptr_array_add (rep->recipients, r);
  return r;
}

void
dsn_report_clear_recipients (DsnReport *rep)
{
  g_ptr_array_set_size (rep->recipients, 0);
  rep->n_dropped = 0;
  rep->n_indexed = 0;
  if (rep->by_address)
    g_hash_table_remove_all (rep->by_address);
}

/* ---- the index of addresses
 *
 * Maps each address and original address, in lower case, to the position of
 * the first recipient that has it. A hit is checked against the recipient
 * found, so that an entry made stale by a removal or a rewritten address
 * only costs a rebuild; a recipient given a new address must be indexed
 * again by its writer (dsn_report_index_recipient()). */

static void
index_key (DsnReport *rep, const char *key, guint position)
{
  if (!key)
    return;
  char *lower = g_ascii_strdown (key, -1);
  gpointer old = g_hash_table_lookup (rep->by_address, lower);
  if (old && GPOINTER_TO_UINT (old) - 1 <= position) {
    g_free (lower);
    return;
  }
  g_hash_table_insert (rep->by_address, lower, GUINT_TO_POINTER (position + 1));
}

static void
index_recipients (DsnReport *rep, gboolean rebuild)
{
  if (!rep->by_address)
    rep->by_address = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  /* A removal moved the last recipient indexed. */
  if (rep->n_indexed > 0
      && (rep->n_indexed > rep->recipients->len
          || ((DsnRecipient *)rep->recipients->pdata[rep->n_indexed - 1])->position
                 != rep->n_indexed - 1))
    rebuild = TRUE;
  if (rebuild) {
    g_hash_table_remove_all (rep->by_address);
    rep->n_indexed = 0;
  }
  for (guint i = rep->n_indexed; i < rep->recipients->len; i++) {
    DsnRecipient *r = rep->recipients->pdata[i];
    r->position = i;
    index_key (rep, r->address, i);
    index_key (rep, r->original, i);
  }
  rep->n_indexed = rep->recipients->len;
}

void
dsn_report_index_recipient (DsnReport *rep, DsnRecipient *r)
{
  if (!rep->by_address || r->position >= rep->n_indexed || r->position >= rep->recipients->len
      || rep->recipients->pdata[r->position] != r)
    return; /* not indexed yet, or the scratch recipient */
  index_key (rep, r->address, r->position);
  index_key (rep, r->original, r->position);
}

static gboolean
has_address (const DsnRecipient *r, const char *want)
{
  return (r->address && g_ascii_strcasecmp (r->address, want) == 0)
         || (r->original && g_ascii_strcasecmp (r->original, want) == 0);
}

DsnRecipient *
dsn_report_find_recipient (DsnReport *rep, const char *address)
{
  return dsn_report_find_recipient_n (rep, address, rep->recipients->len);
}

DsnRecipient *
dsn_report_find_recipient_n (DsnReport *rep, const char *address, guint n)
{
  if (!address)
    return NULL;
  g_autofree char *want = clean_address (address);
  g_autofree char *key = g_ascii_strdown (want, -1);
  index_recipients (rep, FALSE);
  for (int attempt = 0; attempt < 2; attempt++) {
    gpointer v = g_hash_table_lookup (rep->by_address, key);
    if (!v)
      return NULL;
    guint i = GPOINTER_TO_UINT (v) - 1;
    if (i < rep->recipients->len && has_address (rep->recipients->pdata[i], want)) {
      DsnRecipient *r = rep->recipients->pdata[i];
      /* Stale positions after a removal make the check below fail. */
      if (r->position == i)
        return i < n ? r : NULL;
    }
    index_recipients (rep, TRUE);
  }
  return NULL;
}

static char *
valid_dup (const char *s)
{
  return dsn_utf8_validate (s, -1) ? g_strdup (s) : g_utf8_make_valid (s, -1);
}

static void
pairs_add (GPtrArray *pairs, const char *name, const char *value)
{
  g_ptr_array_add (pairs, valid_dup (name));
  g_ptr_array_add (pairs, valid_dup (value ? value : ""));
}

static const char *
pairs_get (GPtrArray *pairs, const char *name)
{
  /* The first letters compared here: most names differ there, and a call
   * per name was most of the look-up. */
  char first = g_ascii_tolower (name[0]);
  for (guint i = 0; i + 1 < pairs->len; i += 2) {
    const char *n = pairs->pdata[i];
    if (g_ascii_tolower (n[0]) == first && g_ascii_strcasecmp (n, name) == 0)
      return pairs->pdata[i + 1];
  }
  return NULL;
}

void
dsn_report_add_field (DsnReport *rep, const char *name, const char *value)
{
  pairs_add (rep->fields, name, value);
}

void
dsn_report_add_original (DsnReport *rep, const char *name, const char *value)
{
  if (!pairs_get (rep->original, name))
    pairs_add (rep->original, name, value);
}

/* Replaces *S by a valid copy if it is not valid UTF-8. */
static void
repair (char **s)
{
  if (*s && !dsn_utf8_validate (*s, -1)) {
    char *valid = g_utf8_make_valid (*s, -1);
    g_free (*s);
    *s = valid;
  }
}

static void
repair_all (GPtrArray *strings)
{
  for (guint i = 0; strings && i < strings->len; i++)
    repair ((char **)&strings->pdata[i]);
}

void
dsn_report_repair (DsnReport *rep)
{
  for (guint i = 0; i < rep->recipients->len; i++) {
    DsnRecipient *r = rep->recipients->pdata[i];
    char **fields[]
        = { &r->address,      &r->original,         &r->status,          &r->reply_code,
            &r->remote_mta,   &r->diagnostic,       &r->diagnostic_type, &r->command,
            &r->last_attempt, &r->will_retry_until, &r->feedback_type,   &r->blocklist };
    for (gsize k = 0; k < G_N_ELEMENTS (fields); k++)
      repair (fields[k]);
    repair_all (r->extensions);
  }
  repair_all (rep->fields);
  repair_all (rep->original);
  repair (&rep->original_ip);
  repair (&rep->subject);
  repair (&rep->from);
  repair (&rep->to);
}

/* Beyond this many, warnings are summed up in one: a hostile report could
 * give one per line. */
#define MAX_WARNINGS 100

void
dsn_report_warn (DsnReport *rep, const char *code, ...)
{
  if (!rep->warned)
    rep->warned = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  if (rep->warnings->len > MAX_WARNINGS)
    return;
  va_list ap;
  va_start (ap, code);
  DsnFinding *w = dsn_finding_new_valist (code, ap);
  va_end (ap);
  if (!w)
    return;
  /* The same anomaly met twice is one warning. */
  const char *msg = dsn_finding_get_message (w, NULL);
  if (g_hash_table_contains (rep->warned, msg)) {
    dsn_finding_free (w);
    return;
  }
  if (rep->warnings->len == MAX_WARNINGS) {
    dsn_finding_free (w);
    w = dsn_finding_newv ("limit.warnings", "limit", G_STRINGIFY (MAX_WARNINGS), NULL);
    msg = dsn_finding_get_message (w, NULL);
  }
  g_hash_table_add (rep->warned, g_strdup (msg));
  g_ptr_array_add (rep->warnings, w);
}

/* ------------------------------------------------------------ public getters */

DsnKind
dsn_report_get_kind (const DsnReport *rep)
{
  g_return_val_if_fail (rep, DSN_KIND_NOT_BOUNCE);
  return rep->kind;
}

const char *
dsn_report_get_dialect (const DsnReport *rep)
{
  g_return_val_if_fail (rep, NULL);
  return rep->dialect;
}

const char *
dsn_report_get_field (const DsnReport *rep, const char *name)
{
  g_return_val_if_fail (rep && name, NULL);
  return pairs_get (rep->fields, name);
}

const char *
dsn_report_get_original_header (const DsnReport *rep, const char *name)
{
  g_return_val_if_fail (rep && name, NULL);
  return pairs_get (rep->original, name);
}

const char *
dsn_report_get_original_ip (const DsnReport *rep)
{
  g_return_val_if_fail (rep, NULL);
  return rep->original_ip;
}

guint
dsn_report_get_n_recipients (const DsnReport *rep)
{
  g_return_val_if_fail (rep, 0);
  return rep->recipients->len;
}

const DsnRecipient *
dsn_report_get_recipient (const DsnReport *rep, guint i)
{
  g_return_val_if_fail (rep && i < rep->recipients->len, NULL);
  return rep->recipients->pdata[i];
}

guint
dsn_report_get_n_warnings (const DsnReport *rep)
{
  g_return_val_if_fail (rep, 0);
  return rep->warnings->len;
}

const DsnFinding *
dsn_report_get_warning_finding (const DsnReport *rep, guint i)
{
  g_return_val_if_fail (rep && i < rep->warnings->len, NULL);
  return rep->warnings->pdata[i];
}

const char *
dsn_report_get_warning (const DsnReport *rep, guint i)
{
  const DsnFinding *w = dsn_report_get_warning_finding (rep, i);
  return w ? dsn_finding_get_message (w, NULL) : NULL;
}

#define GETTER(field)                                                                              \
  const char *dsn_recipient_get_##field (const DsnRecipient *r)                                    \
  {                                                                                                \
    g_return_val_if_fail (r, NULL);                                                                \
    return r->field;                                                                               \
  }

const char *
dsn_recipient_get_address (const DsnRecipient *r)
{
  g_return_val_if_fail (r, NULL);
  return r->address;
}

const char *
dsn_recipient_get_original_address (const DsnRecipient *r)
{
  g_return_val_if_fail (r, NULL);
  return r->original;
}

DsnAction
dsn_recipient_get_action (const DsnRecipient *r)
{
  g_return_val_if_fail (r, DSN_ACTION_NONE);
  return r->action;
}

GETTER (status)
GETTER (reply_code)
GETTER (remote_mta)
GETTER (diagnostic)
GETTER (last_attempt)
GETTER (will_retry_until)
GETTER (reason)
GETTER (blocklist)

const char *
dsn_recipient_get_status_source (const DsnRecipient *r)
{
  g_return_val_if_fail (r, NULL);
  switch (r->status ? r->status_source : DSN_SOURCE_NONE) {
  case DSN_SOURCE_REPORT: return "report";
  case DSN_SOURCE_TEXT: return "text";
  case DSN_SOURCE_INFERRED: return "inferred";
  case DSN_SOURCE_NONE: break;
  }
  return NULL;
}

gboolean
dsn_recipient_get_hard_bounce (const DsnRecipient *r)
{
  g_return_val_if_fail (r, FALSE);
  return r->hard_bounce;
}

/* ------------------------------------------------------------ re-checks */

static const char *const recheck_names[] = { "still-holds", "no-longer-holds", "could-not-check" };

DsnRecheck *
dsn_recheck_new (const char *what, const char *target)
{
  DsnRecheck *c = g_new0 (DsnRecheck, 1);
  c->what = what;
  c->target = g_strdup (target);
  c->status = DSN_RECHECK_UNCHECKED;
  return c;
}

void
dsn_recheck_free (DsnRecheck *c)
{
  if (!c)
    return;
  g_free (c->target);
  dsn_finding_free (c->found);
  for (int l = 0; c->details && l < dsn_lang_count (); l++)
    json_node_unref (c->details[l]);
  g_free (c->details);
  g_free (c->address);
  g_free (c->address_evidence);
  dsn_finding_free (c->address_found);
  g_free (c);
}

const char *
dsn_recheck_status_to_string (DsnRecheckStatus status)
{
  return recheck_names[status];
}

const char *
dsn_recipient_get_check_status (const DsnRecipient *r)
{
  g_return_val_if_fail (r, NULL);
  return r->check ? recheck_names[r->check->status] : NULL;
}

const char *
dsn_recipient_get_check_text (const DsnRecipient *r, const char *lang)
{
  g_return_val_if_fail (r, NULL);
  if (!r->check)
    return NULL;
  return r->check->found ? dsn_finding_get_message (r->check->found, lang) : NULL;
}

const char *
dsn_recipient_get_check_address (const DsnRecipient *r)
{
  g_return_val_if_fail (r, NULL);
  return r->check ? r->check->address : NULL;
}

const char *
dsn_recipient_get_check_address_text (const DsnRecipient *r, const char *lang)
{
  g_return_val_if_fail (r, NULL);
  return r->check && r->check->address_found
             ? dsn_finding_get_message (r->check->address_found, lang)
             : NULL;
}

const DsnFinding *
dsn_recipient_get_context (const DsnRecipient *r)
{
  g_return_val_if_fail (r, NULL);
  return r->context;
}

const char *
dsn_sending_source_to_string (DsnSendingSource source)
{
  static const char *const names[] = { NULL, "diagnostic", "received", "report-received" };
  return names[source];
}
