/* The message/delivery-status body (RFC 3464 §2): a per-message group of
 * fields, then one group per recipient, groups separated by blank lines.
 * The MIME reader hands the part over as opaque text; this is its parser.
 * SPDX-License-Identifier: BSD-2-Clause */
#include "bounce.h"

#include <string.h>

char *
dsn_rfc3464_typed_value (const char *value, char **type)
{
  const char *semi = strchr (value, ';');
  if (type)
    *type = NULL;
  /* The type is an atom: no spaces or '@' before the ';' (RFC 3464 §2.1.2). */
  if (semi) {
    const char *b = value, *e = semi;
    while (b < e && g_ascii_isspace (*b))
      b++;
    while (e > b && g_ascii_isspace (e[-1]))
      e--;
    gboolean atom = e > b;
    for (const char *p = b; p < e && atom; p++)
      atom = g_ascii_isalnum (*p) || *p == '-' || *p == '_' || *p == '.';
    if (atom) {
      if (type) {
        *type = g_strndup (value, semi - value);
        g_strstrip (*type);
        char *lower = g_ascii_strdown (*type, -1);
        g_free (*type);
        *type = lower;
      }
      value = semi + 1;
    }
  }
  char *out = g_strdup (value);
  return g_strstrip (out);
}

/* RFC 6533 §3: a "utf-8" address may carry \x{HHHH} escapes. */
static char *
decode_utf8_address (char *addr)
{
  if (!strstr (addr, "\\x{"))
    return addr;
  GString *s = g_string_new (NULL);
  for (const char *p = addr; *p; p++) {
    if (p[0] == '\\' && p[1] == 'x' && p[2] == '{') {
      char *end;
      gulong cp = strtoul (p + 3, &end, 16);
      if (*end == '}' && cp > 0 && cp < 0x110000) {
        g_string_append_unichar (s, (gunichar)cp);
        p = end;
        continue;
      }
    }
    g_string_append_c (s, *p);
  }
  g_free (addr);
  return g_string_free (s, FALSE);
}

static char *
address_value (const char *value)
{
  g_autofree char *type = NULL;
  char *addr = dsn_rfc3464_typed_value (value, &type);
  if (type && strcmp (type, "utf-8") == 0)
    addr = decode_utf8_address (addr);
  /* "rfc822; <user@example.org>" and "rfc822; Name <user@...>" are seen. */
  char *found = dsn_text_find_address (addr);
  if (found) {
    g_free (addr);
    return found;
  }
  return addr;
}

typedef struct {
  char *name;
  char *value;
  GString *folded; /* the value and its continuation lines, squeezed once at the end */
} Field;

static void
field_clear (gpointer p)
{
  Field *f = p;
  g_free (f->name);
  g_free (f->value);
  if (f->folded)
    g_string_free (f->folded, TRUE);
}

/* The values of folded fields, joined: squeezing them once, not once per
 * continuation line, keeps a field folded over many lines linear. */
static void
unfold_group (GArray *group)
{
  for (guint i = 0; i < group->len; i++) {
    Field *f = &g_array_index (group, Field, i);
    if (!f->folded)
      continue;
    g_free (f->value);
    f->value = dsn_text_squeeze (g_string_free (g_steal_pointer (&f->folded), FALSE));
  }
}

static gboolean
is_field_name (const char *line, gsize len, gsize *colon)
{
  gsize i = 0;
  while (i < len && line[i] != ':') {
    guchar c = line[i];
    if (c <= ' ' || c >= 127)
      return FALSE;
    i++;
  }
  if (i == 0 || i == len)
    return FALSE;
  *colon = i;
  return TRUE;
}

static gboolean
is_recipient_field (const char *name)
{
  return g_ascii_strcasecmp (name, "Final-Recipient") == 0
         || g_ascii_strcasecmp (name, "Original-Recipient") == 0;
}

static void
apply_recipient_field (DsnReport *rep, DsnRecipient *r, const Field *f)
{
  const char *n = f->name;
  if (g_ascii_strcasecmp (n, "Final-Recipient") == 0) {
    g_free (r->address);
    r->address = address_value (f->value);
  } else if (g_ascii_strcasecmp (n, "Original-Recipient") == 0) {
    g_free (r->original);
    r->original = address_value (f->value);
  } else if (g_ascii_strcasecmp (n, "Action") == 0) {
    r->action = dsn_action_from_string (f->value);
    if (r->action == DSN_ACTION_NONE)
      dsn_report_warn (rep, "status.unknown_action", "value", f->value, NULL);
  } else if (g_ascii_strcasecmp (n, "Status") == 0) {
    char code[12];
    if (dsn_text_find_status (f->value, code)) {
      dsn_set (&r->status, code);
      r->status_source = DSN_SOURCE_REPORT;
    } else {
      dsn_report_warn (rep, "status.invalid_status", "value", f->value, NULL);
    }
  } else if (g_ascii_strcasecmp (n, "Remote-MTA") == 0) {
    g_free (r->remote_mta);
    r->remote_mta = dsn_rfc3464_typed_value (f->value, NULL);
  } else if (g_ascii_strcasecmp (n, "Diagnostic-Code") == 0) {
    g_free (r->diagnostic);
    g_free (r->diagnostic_type);
    r->diagnostic = dsn_rfc3464_typed_value (f->value, &r->diagnostic_type);
  } else if (g_ascii_strcasecmp (n, "Last-Attempt-Date") == 0) {
    dsn_set (&r->last_attempt, f->value);
  } else if (g_ascii_strcasecmp (n, "Will-Retry-Until") == 0) {
    dsn_set (&r->will_retry_until, f->value);
  } else if (g_ascii_strcasecmp (n, "Final-Log-ID") == 0 || g_ascii_strncasecmp (n, "X-", 2) == 0) {
    if (!r->extensions)
      r->extensions = g_ptr_array_new_with_free_func (g_free);
    g_ptr_array_add (r->extensions, g_strdup_printf ("%s: %s", n, f->value));
  }
}

/* Fields that only make sense per message (RFC 3464 §2.2). */
static gboolean
is_per_message_field (const char *name)
{
  static const char *const names[] = { "Reporting-MTA", "Received-From-MTA",    "Arrival-Date",
                                       "DSN-Gateway",   "Original-Envelope-Id", NULL };
  for (const char *const *n = names; *n; n++)
    if (g_ascii_strcasecmp (name, *n) == 0)
      return TRUE;
  return FALSE;
}

static void
add_per_message_field (DsnReport *rep, const Field *f)
{
  /* Typed per-message fields keep their value only ("dns; mx.example"). */
  if (g_ascii_strcasecmp (f->name, "Reporting-MTA") == 0
      || g_ascii_strcasecmp (f->name, "Received-From-MTA") == 0
      || g_ascii_strcasecmp (f->name, "DSN-Gateway") == 0) {
    g_autofree char *v = dsn_rfc3464_typed_value (f->value, NULL);
    dsn_report_add_field (rep, f->name, v);
  } else {
    dsn_report_add_field (rep, f->name, f->value);
  }
}

static void
apply_group (DsnReport *rep, GArray *group, guint *added)
{
  if (group->len == 0)
    return;
  /* Where the recipient part starts: its first field that is neither a
   * per-message field nor an extension (X-*) written among them. */
  guint start = group->len;
  gboolean per_recipient = FALSE;
  for (guint i = 0; i < group->len; i++) {
    const char *n = g_array_index (group, Field, i).name;
    if (is_recipient_field (n))
      per_recipient = TRUE;
    if (start == group->len && !is_per_message_field (n) && g_ascii_strncasecmp (n, "X-", 2) != 0)
      start = i;
  }

  if (!per_recipient) {
    for (guint i = 0; i < group->len; i++) {
      Field *f = &g_array_index (group, Field, i);
      add_per_message_field (rep, f);
      /* Per-recipient fields in a group with no recipient: a broken report. */
      if (g_ascii_strcasecmp (f->name, "Action") == 0
          || g_ascii_strcasecmp (f->name, "Status") == 0)
        dsn_report_warn (rep, "status.field_outside_group", "field", f->name, NULL);
    }
    return;
  }
  /* Per-message fields with no blank line before the first recipient. */
  if (start > 0 && start < group->len) {
    for (guint i = 0; i < start; i++)
      add_per_message_field (rep, &g_array_index (group, Field, i));
    dsn_report_warn (rep, "status.no_blank_line", NULL);
  }

  /* One group may hold several recipients when the blank lines are missing:
   * a second Final-Recipient, or an Original-Recipient after a complete
   * Final-Recipient group, starts the next one. */
  DsnRecipient *r = NULL;
  gboolean has_final = FALSE, has_orig = FALSE, after_final = FALSE;
  for (guint i = start < group->len ? start : 0; i < group->len; i++) {
    Field *f = &g_array_index (group, Field, i);
    gboolean final = g_ascii_strcasecmp (f->name, "Final-Recipient") == 0;
    gboolean orig = g_ascii_strcasecmp (f->name, "Original-Recipient") == 0;
    if (r && ((final && has_final) || (orig && (has_orig || (has_final && after_final))))) {
      dsn_report_warn (rep, "status.groups_not_separated", NULL);
      r = NULL;
    }
    if (!r) {
      r = dsn_report_add_recipient (rep, "");
      (*added)++;
      has_final = has_orig = after_final = FALSE;
    }
    if (!final && !orig && has_final)
      after_final = TRUE;
    has_final |= final;
    has_orig |= orig;
    apply_recipient_field (rep, r, f);
  }
}

/* A recipient group with only Original-Recipient reports on that address. */
static void
fix_addresses (DsnReport *rep, guint first)
{
  for (guint i = first; i < rep->recipients->len; i++) {
    DsnRecipient *r = rep->recipients->pdata[i];
    if ((!r->address || !*r->address) && r->original) {
      g_free (r->address);
      r->address = g_strdup (r->original);
    }
  }
}

guint
dsn_rfc3464_parse (DsnReport *rep, const char *text, gsize len)
{
  g_autoptr (GArray) group = g_array_new (FALSE, TRUE, sizeof (Field));
  g_array_set_clear_func (group, field_clear);
  guint first = rep->recipients->len;
  guint added = 0;
  const char *end = text + len;
  const char *p = text;

  while (p < end) {
    const char *nl = memchr (p, '\n', end - p);
    const char *le = nl ? nl : end;
    const char *line = p;
    gsize llen = le - line;
    p = nl ? nl + 1 : end;
    if (llen > 0 && line[llen - 1] == '\r')
      llen--;

    gboolean blank = TRUE;
    for (gsize i = 0; i < llen && blank; i++)
      blank = g_ascii_isspace (line[i]);

    if (blank) {
      unfold_group (group);
      apply_group (rep, group, &added);
      g_array_set_size (group, 0);
      continue;
    }
    /* RFC 5322 §2.2.3 folding: a continuation line starts with white space. */
    if ((line[0] == ' ' || line[0] == '\t') && group->len > 0) {
      Field *f = &g_array_index (group, Field, group->len - 1);
      if (!f->folded)
        f->folded = g_string_new (f->value);
      g_string_append_c (f->folded, ' ');
      g_string_append_len (f->folded, line, llen);
      continue;
    }
    gsize colon;
    if (!is_field_name (line, llen, &colon)) {
      dsn_report_warn (rep, "status.not_a_field", NULL);
      continue;
    }
    Field f = { 0 };
    f.name = g_strndup (line, colon);
    f.value = dsn_text_squeeze (g_strndup (line + colon + 1, llen - colon - 1));
    g_array_append_val (group, f);
  }
  unfold_group (group);
  apply_group (rep, group, &added);
  fix_addresses (rep, first);
  return added;
}
