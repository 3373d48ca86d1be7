/* The JSON printer of reports and audits (public: dsn.h): one interface,
 * two back-ends, a JsonNode tree or text.
 * SPDX-License-Identifier: BSD-2-Clause */
#include "core.h"

#include <string.h>

/* One code path writes the report either as a JsonNode tree (the API's
 * dsn_report_to_json) or straight as text (dsn_report_to_json_string, what
 * the tools print: building and then serialising a tree for every message
 * would cost more than the analysis). */
struct _DsnJson {
  JsonBuilder *builder; /* tree mode */
  JsonNode *root;       /* tree mode: a value written outside any container */
  GString *out;         /* text mode */
  guint depth;
  GArray *first; /* text mode, gboolean per depth: no element written yet at this depth */
  gboolean after_key;
};

static void
text_separator (DsnJson *w)
{
  if (w->after_key) {
    w->after_key = FALSE;
    return;
  }
  if (w->depth > 0) {
    gboolean *first = &g_array_index (w->first, gboolean, w->depth);
    if (!*first)
      g_string_append_c (w->out, ',');
    *first = FALSE;
  }
}

/* Text mode: one level deeper, where nothing is written yet. */
static void
text_open (DsnJson *w, char c)
{
  text_separator (w);
  g_string_append_c (w->out, c);
  w->depth++;
  if (w->first->len <= w->depth)
    g_array_set_size (w->first, w->depth + 1);
  g_array_index (w->first, gboolean, w->depth) = TRUE;
}

/* Appends N bytes at P to OUT: g_string_append_len() is a call into
 * g_string_insert_len(), whose checks (an insertion inside OUT itself) cost
 * more than the copy of the short runs a report is made of. */
static inline void
put (GString *out, const char *p, gsize n)
{
  if (G_UNLIKELY (out->len + n >= out->allocated_len)) {
    gsize len = out->len;
    g_string_set_size (out, len + n);
    out->len = len;
  }
  memcpy (out->str + out->len, p, n);
  out->len += n;
  out->str[out->len] = '\0';
}

/* Bytes text_string() looks at: 1 for those escaped (controls, '"', '\\')
 * and the NUL that ends the string, 2 for the first byte of U+0085, U+2028
 * and U+2029 (0xc2, 0xe2), 3 for the other bytes of non-ASCII text, until
 * the text is known to be valid UTF-8 (TEXT_VALID then); 0 for the rest,
 * copied in runs. */
/* clang-format off */
#define R16(x) x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x
static const guint8 text_any[256] = {
  R16 (1), R16 (1), ['"'] = 1, ['\\'] = 1,
  [0x80] = R16 (3), R16 (3), R16 (3), R16 (3),
  3, 3, 2, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, /* 0xc0 */
  R16 (3),
  3, 3, 2, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, /* 0xe0 */
  R16 (3),
};
static const guint8 text_valid[256] = {
  R16 (1), R16 (1), ['"'] = 1, ['\\'] = 1, [0xc2] = 2, [0xe2] = 2,
};
#undef R16
/* clang-format on */

#define ONES G_GUINT64_CONSTANT (0x0101010101010101)
#define HIGHS G_GUINT64_CONSTANT (0x8080808080808080)

/* The high bit of each byte of W that is below 0x20, '"', '\\' or above
 * 0x7f (and maybe of a byte after such a one): eight bytes of plain ASCII
 * are then skipped at once. */
static inline guint64
special_bytes (guint64 w)
{
  guint64 quote = w ^ (ONES * '"'), backslash = w ^ (ONES * '\\');
  return ((w - ONES * 0x20) | (quote - ONES) | (backslash - ONES) | w) & HIGHS;
}

static void
text_string (GString *out, const char *s)
{
  /* Most strings are ASCII: UTF-8 is checked (from the first byte that is
   * not) only when one is met; invalid text is made valid and written
   * again. */
  g_autofree char *valid = NULL;
  const guint8 *special = text_any;
  gsize at = out->len;
  const char *run, *p, *end;
again:
  put (out, "\"", 1);
  run = p = s;
  end = s + strlen (s);
  for (;; p++) {
    /* Eight bytes at a time while they are plain ASCII, inside the string. */
    for (guint64 w; end - p >= 8; p += 8) {
      memcpy (&w, p, 8);
      if (special_bytes (w))
        break;
    }
    while (!special[(guchar)*p])
      p++;
    guchar c = *p;
    if (c == 0)
      break;
    if (special[c] >= 2 && special == text_any) {
      /* What came before is ASCII. */
      special = text_valid;
      if (!dsn_utf8_validate (p, -1)) {
        valid = g_utf8_make_valid (s, -1);
        s = valid;
        out->len = at;
        out->str[at] = '\0';
        goto again;
      }
    }
    if (!special[c])
      continue;
    if (special[c] == 2) {
      /* U+0085, U+2028 and U+2029 are valid in JSON strings, but many
       * line readers split on them: escaped, so one result stays one line. */
      if (!((c == 0xc2 && (guchar)p[1] == 0x85)
            || (c == 0xe2 && (guchar)p[1] == 0x80
                && ((guchar)p[2] == 0xa8 || (guchar)p[2] == 0xa9))))
        continue;
      put (out, run, p - run);
      put (out, c == 0xc2 ? "\\u0085" : (guchar)p[2] == 0xa8 ? "\\u2028" : "\\u2029", 6);
      p += c == 0xc2 ? 1 : 2;
      run = p + 1;
      continue;
    }
    put (out, run, p - run);
    switch (c) {
    case '"': put (out, "\\\"", 2); break;
    case '\\': put (out, "\\\\", 2); break;
    case '\n': put (out, "\\n", 2); break;
    case '\r': put (out, "\\r", 2); break;
    case '\t': put (out, "\\t", 2); break;
    case '\b': put (out, "\\b", 2); break;
    case '\f': put (out, "\\f", 2); break;
    default: g_string_append_printf (out, "\\u%04x", c); break;
    }
    run = p + 1;
  }
  put (out, run, p - run);
  put (out, "\"", 1);
}

/* Tree mode: VALUE (taken) goes into the container open, or is the whole
 * tree (JsonBuilder takes no value outside a container). */
static void
tree_add (DsnJson *w, JsonNode *value)
{
  if (w->depth > 0) {
    json_builder_add_value (w->builder, value);
  } else {
    if (w->root)
      json_node_unref (w->root);
    w->root = value;
  }
}

void
dsn_json_begin_object (DsnJson *w)
{
  if (w->builder) {
    json_builder_begin_object (w->builder);
    w->depth++;
    return;
  }
  text_open (w, '{');
}

void
dsn_json_end_object (DsnJson *w)
{
  if (w->builder) {
    json_builder_end_object (w->builder);
    w->depth--;
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
    w->depth++;
    return;
  }
  text_open (w, '[');
}

void
dsn_json_end_array (DsnJson *w)
{
  if (w->builder) {
    json_builder_end_array (w->builder);
    w->depth--;
    return;
  }
  g_string_append_c (w->out, ']');
  w->depth--;
}

void
dsn_json_set_member_name (DsnJson *w, const char *name)
{
  if (w->builder) {
    if (dsn_utf8_validate (name, -1)) {
      json_builder_set_member_name (w->builder, name);
    } else {
      g_autofree char *valid = g_utf8_make_valid (name, -1);
      json_builder_set_member_name (w->builder, valid);
    }
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
    JsonNode *node = json_node_alloc ();
    if (dsn_utf8_validate (value, -1)) {
      json_node_init_string (node, value);
    } else {
      g_autofree char *valid = g_utf8_make_valid (value, -1);
      json_node_init_string (node, valid);
    }
    tree_add (w, node);
    return;
  }
  text_separator (w);
  text_string (w->out, value);
}

void
dsn_json_add_null_value (DsnJson *w)
{
  if (w->builder) {
    tree_add (w, json_node_new (JSON_NODE_NULL));
    return;
  }
  text_separator (w);
  put (w->out, "null", 4);
}

void
dsn_json_add_int_value (DsnJson *w, gint64 value)
{
  if (w->builder) {
    tree_add (w, json_node_init_int (json_node_alloc (), value));
    return;
  }
  text_separator (w);
  /* Digits from the end (printf() costs more than the rest of a member). */
  char buf[24], *p = buf + sizeof buf;
  guint64 v = value < 0 ? -(guint64)value : (guint64)value;
  do
    *--p = '0' + v % 10;
  while (v /= 10);
  if (value < 0)
    *--p = '-';
  put (w->out, p, buf + sizeof buf - p);
}

void
dsn_json_add_node (DsnJson *w, JsonNode *node)
{
  if (w->builder) {
    tree_add (w, json_node_copy (node));
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
    tree_add (w, json_node_init_boolean (json_node_alloc (), value));
    return;
  }
  text_separator (w);
  put (w->out, value ? "true" : "false", value ? 4 : 5);
}

void
dsn_json_member (DsnJson *w, const char *name, const char *value)
{
  dsn_json_set_member_name (w, name);
  dsn_json_add_string_value (w, value);
}

DsnJson *
dsn_json_new_tree (void)
{
  DsnJson *w = g_new0 (DsnJson, 1);
  w->builder = json_builder_new ();
  return w;
}

DsnJson *
dsn_json_new_text (void)
{
  DsnJson *w = g_new0 (DsnJson, 1);
  w->out = g_string_sized_new (4096);
  w->first = g_array_sized_new (FALSE, FALSE, sizeof (gboolean), 16);
  g_array_set_size (w->first, 1);
  return w;
}

void
dsn_json_free (DsnJson *w)
{
  if (!w)
    return;
  if (w->builder)
    g_object_unref (w->builder);
  if (w->root)
    json_node_unref (w->root);
  if (w->out)
    g_string_free (w->out, TRUE);
  if (w->first)
    g_array_unref (w->first);
  g_free (w);
}

JsonNode *
dsn_json_free_to_node (DsnJson *w)
{
  g_return_val_if_fail (w, NULL);
  JsonNode *root = NULL;
  if (w->root)
    root = g_steal_pointer (&w->root);
  else if (w->builder)
    root = json_builder_get_root (w->builder);
  else
    root = json_from_string (w->out->str, NULL);
  dsn_json_free (w);
  return root;
}

char *
dsn_json_free_to_string (DsnJson *w)
{
  g_return_val_if_fail (w, NULL);
  if (w->builder) {
    g_autoptr (JsonNode) root = dsn_json_free_to_node (w);
    return root ? json_to_string (root, FALSE) : NULL;
  }
  char *s = g_string_free (g_steal_pointer (&w->out), FALSE);
  dsn_json_free (w);
  return s;
}
