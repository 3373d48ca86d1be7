/* dsn-explain's totals over a run, and --summary.
 * SPDX-License-Identifier: BSD-2-Clause */
#include "explain.h"

#include <string.h>

/* Table I of T, NULL past the last: they are made and freed alike. */
static GHashTable **
table (Totals *t, gsize i)
{
  GHashTable **tables[] = { &t->by_kind,   &t->by_category,   &t->by_reason,
                            &t->by_domain, &t->by_diagnostic, &t->suppress };
  return i < G_N_ELEMENTS (tables) ? tables[i] : NULL;
}

void
totals_init (Totals *t)
{
  *t = (Totals){ 0 };
  for (gsize i = 0; table (t, i); i++)
    *table (t, i) = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  t->checks = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

void
totals_clear (Totals *t)
{
  for (gsize i = 0; table (t, i); i++)
    g_hash_table_unref (*table (t, i));
  g_hash_table_unref (t->checks);
}

/* The key of what is not there: a JSON key, shown as summary.none in the
 * text. */
#define NONE "(none)"
/* The outcomes of --check, in the order they are shown. */
static const char *const check_outcomes[] = { "still-holds", "no-longer-holds", "could-not-check" };

static void
count (GHashTable *t, const char *key)
{
  if (!key)
    key = NONE;
  gpointer v = g_hash_table_lookup (t, key);
  g_hash_table_insert (t, g_strdup (key), GUINT_TO_POINTER (GPOINTER_TO_UINT (v) + 1));
}

void
totals_add_report (Totals *t, const DsnReport *rep)
{
  count (t->by_kind, dsn_kind_to_string (dsn_report_get_kind (rep)));
  for (guint i = 0; i < dsn_report_get_n_recipients (rep); i++) {
    const DsnRecipient *r = dsn_report_get_recipient (rep, i);
    t->recipients++;
    count (t->by_category, dsn_recipient_get_category (r));
    count (t->by_reason, dsn_recipient_get_reason (r));
    const char *addr = dsn_recipient_get_address (r);
    const char *at = addr ? strrchr (addr, '@') : NULL;
    g_autofree char *domain = at ? g_ascii_strdown (at + 1, -1) : NULL;
    count (t->by_domain, domain);
    const char *diag = dsn_recipient_get_diagnostic (r);
    if (diag && *diag) {
      g_autofree char *cut = g_utf8_substring (diag, 0, MIN (g_utf8_strlen (diag, -1), 160));
      count (t->by_diagnostic, cut);
    }
    if (dsn_recipient_get_hard_bounce (r) && addr && *addr)
      g_hash_table_add (t->suppress, g_ascii_strdown (addr, -1));
    const char *check = dsn_recipient_get_check_status (r);
    if (check) {
      const char *cat = dsn_recipient_get_category (r);
      guint *n = g_hash_table_lookup (t->checks, cat);
      if (!n) {
        n = g_new0 (guint, G_N_ELEMENTS (check_outcomes));
        g_hash_table_insert (t->checks, g_strdup (cat), n);
      }
      for (gsize k = 0; k < G_N_ELEMENTS (check_outcomes); k++)
        if (!strcmp (check, check_outcomes[k]))
          n[k]++;
    }
  }
}

static gint
cmp_count_desc (gconstpointer a, gconstpointer b, gpointer table)
{
  guint ca = GPOINTER_TO_UINT (g_hash_table_lookup (table, *(char **)a));
  guint cb = GPOINTER_TO_UINT (g_hash_table_lookup (table, *(char **)b));
  if (ca != cb)
    return ca > cb ? -1 : 1;
  return strcmp (*(char **)a, *(char **)b);
}

static GPtrArray *
sorted_keys (GHashTable *t)
{
  GPtrArray *keys = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer k;
  g_hash_table_iter_init (&iter, t);
  while (g_hash_table_iter_next (&iter, &k, NULL))
    g_ptr_array_add (keys, k);
  g_ptr_array_sort_with_data (keys, cmp_count_desc, t);
  return keys;
}

static int
cmp_strptr (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char **)a, *(char **)b);
}

/* The categories re-checked, by name. */
static GPtrArray *
check_categories (const Totals *t)
{
  GPtrArray *cats = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer k;
  g_hash_table_iter_init (&iter, t->checks);
  while (g_hash_table_iter_next (&iter, &k, NULL))
    g_ptr_array_add (cats, k);
  g_ptr_array_sort (cats, cmp_strptr);
  return cats;
}

static void
json_counts (DsnJson *w, const char *name, GHashTable *t, guint limit)
{
  dsn_json_set_member_name (w, name);
  dsn_json_begin_object (w);
  g_autoptr (GPtrArray) keys = sorted_keys (t);
  for (guint i = 0; i < keys->len && (!limit || i < limit); i++) {
    dsn_json_set_member_name (w, keys->pdata[i]);
    dsn_json_add_int_value (w, GPOINTER_TO_UINT (g_hash_table_lookup (t, keys->pdata[i])));
  }
  dsn_json_end_object (w);
}

static void
text_counts (GString *out, const Palette *p, const char *title, GHashTable *t, guint limit)
{
  if (g_hash_table_size (t) == 0)
    return;
  g_string_append_printf (out, "%s%s%s\n", p->bold, title, p->reset);
  g_autoptr (GPtrArray) keys = sorted_keys (t);
  for (guint i = 0; i < keys->len && (!limit || i < limit); i++) {
    const char *key = keys->pdata[i];
    g_string_append_printf (out, "  %6u  ", GPOINTER_TO_UINT (g_hash_table_lookup (t, key)));
    /* Domains and the servers' words: the bounces' own text. */
    cmd_append_escaped (out, strcmp (key, NONE) ? key : cmd_text ("summary.none"));
    g_string_append_c (out, '\n');
  }
}

void
summary_print (const Totals *t, gboolean json, gboolean color)
{
  g_autoptr (GPtrArray) suppress = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer k;
  g_hash_table_iter_init (&iter, t->suppress);
  while (g_hash_table_iter_next (&iter, &k, NULL))
    g_ptr_array_add (suppress, k);
  g_ptr_array_sort (suppress, cmp_strptr);

  if (json) {
    DsnJson *w = dsn_json_new_text ();
    dsn_json_begin_object (w);
    dsn_json_set_member_name (w, "schema");
    dsn_json_add_int_value (w, DSN_JSON_SCHEMA);
    dsn_json_member (w, "kind", "summary");
    dsn_json_set_member_name (w, "messages");
    dsn_json_add_int_value (w, t->messages);
    dsn_json_set_member_name (w, "errors");
    dsn_json_add_int_value (w, t->errors);
    dsn_json_set_member_name (w, "recipients");
    dsn_json_add_int_value (w, t->recipients);
    json_counts (w, "by_kind", t->by_kind, 0);
    json_counts (w, "by_category", t->by_category, 0);
    json_counts (w, "by_reason", t->by_reason, 0);
    json_counts (w, "by_domain", t->by_domain, 0);
    dsn_json_set_member_name (w, "suppress");
    dsn_json_begin_array (w);
    for (guint i = 0; i < suppress->len; i++)
      dsn_json_add_string_value (w, suppress->pdata[i]);
    dsn_json_end_array (w);
    json_counts (w, "top_diagnostics", t->by_diagnostic, 10);
    /* With --check: each category's causes re-checked, by outcome. */
    if (g_hash_table_size (t->checks)) {
      g_autoptr (GPtrArray) cats = check_categories (t);
      dsn_json_set_member_name (w, "checks");
      dsn_json_begin_object (w);
      for (guint i = 0; i < cats->len; i++) {
        const guint *n = g_hash_table_lookup (t->checks, cats->pdata[i]);
        dsn_json_set_member_name (w, cats->pdata[i]);
        dsn_json_begin_object (w);
        for (gsize o = 0; o < G_N_ELEMENTS (check_outcomes); o++) {
          dsn_json_set_member_name (w, check_outcomes[o]);
          dsn_json_add_int_value (w, n[o]);
        }
        dsn_json_end_object (w);
      }
      dsn_json_end_object (w);
    }
    dsn_json_end_object (w);
    g_autofree char *line = dsn_json_free_to_string (w);
    puts (line);
    return;
  }
  Palette p;
  cmd_palette (&p, color);
  GString *out = g_string_new (NULL);
  char messages[16], recipients[16], errors[16], n[16];
  g_snprintf (messages, sizeof messages, "%u", t->messages);
  g_snprintf (recipients, sizeof recipients, "%u", t->recipients);
  g_snprintf (errors, sizeof errors, "%u", t->errors);
  g_autofree char *totals = cmd_format ("summary.totals", "messages", messages, "recipients",
                                        recipients, "errors", errors);
  g_string_append_printf (out, "%s%s%s\n\n", p.bold, totals, p.reset);
  text_counts (out, &p, cmd_text ("summary.by_kind"), t->by_kind, 0);
  text_counts (out, &p, cmd_text ("summary.by_category"), t->by_category, 0);
  text_counts (out, &p, cmd_text ("summary.by_reason"), t->by_reason, 0);
  text_counts (out, &p, cmd_text ("summary.by_domain"), t->by_domain, 20);
  text_counts (out, &p, cmd_text ("summary.top_diagnostics"), t->by_diagnostic, 10);
  if (g_hash_table_size (t->checks)) {
    g_autoptr (GPtrArray) cats = check_categories (t);
    g_string_append_printf (out, "%s%s%s\n", p.bold, cmd_text ("summary.checks"), p.reset);
    for (guint i = 0; i < cats->len; i++) {
      const guint *counts = g_hash_table_lookup (t->checks, cats->pdata[i]);
      g_string_append_printf (out, "  %-22s %s%u %s%s, %s%u %s%s, %s%u %s%s\n",
                              (char *)cats->pdata[i], p.red, counts[0],
                              cmd_text ("summary.check_still"), p.reset, p.green, counts[1],
                              cmd_text ("summary.check_gone"), p.reset, p.yellow, counts[2],
                              cmd_text ("summary.check_unknown"), p.reset);
    }
  }
  if (suppress->len) {
    g_snprintf (n, sizeof n, "%u", suppress->len);
    g_autofree char *title = cmd_format ("summary.suppress", "count", n);
    g_string_append_printf (out, "%s%s%s\n", p.bold, title, p.reset);
    for (guint i = 0; i < suppress->len; i++) {
      g_string_append (out, "  ");
      cmd_append_escaped (out, suppress->pdata[i]);
      g_string_append_c (out, '\n');
    }
  }
  fputs (out->str, stdout);
  g_string_free (out, TRUE);
}
