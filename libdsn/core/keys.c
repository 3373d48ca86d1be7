/* A reader of the key files libdsn keeps its data in (the .keys files of
 * catalogue/, the .rules files of patterns/), with GKeyFile's semantics and
 * not its cost.
 *
 * GKeyFile finds a group by walking the list of all groups, for every key
 * asked: with hundreds of groups a file, reading the built-in patterns and
 * catalogue took most of the tools' start-up. This reader indexes groups by
 * name and keeps a group's keys in an array. It reads only plain files
 * (UTF-8, groups, "key=value" and "key[lang]=value" lines, comments, each
 * group and key once); anything else (a line GKeyFile would refuse or read
 * its own way) is left to GKeyFile, which then answers every question, so
 * that errors and corner cases stay GKeyFile's. Values are unescaped as
 * GKeyFile's getters do; an integer or boolean not written plainly is read
 * by GKeyFile too.
 *
 * SPDX-License-Identifier: BSD-2-Clause */
#include "core.h"

#include <string.h>

typedef struct {
  const char *key; /* into DsnKeys.buf */
  const char *value;
} Pair;

typedef struct {
  const char *name;
  guint first, n; /* range of DsnKeys.pairs */
} Group;

struct _DsnKeys {
  char *buf;           /* a copy of the data, cut into NUL-ended names and values */
  GArray *groups;      /* Group, in file order */
  GArray *pairs;       /* Pair, by group */
  GHashTable *by_name; /* name -> index + 1 into groups */
  GKeyFile *kf;        /* when the file is not a plain one: GKeyFile answers all */
  GKeyFile *lazy;      /* loaded when a value must be read by GKeyFile */
  const Group *last;   /* the group found last */
  const char *data;
  gsize len;
};

void
dsn_keys_free (DsnKeys *k)
{
  if (!k)
    return;
  g_free (k->buf);
  if (k->groups)
    g_array_unref (k->groups);
  if (k->pairs)
    g_array_unref (k->pairs);
  if (k->by_name)
    g_hash_table_unref (k->by_name);
  if (k->kf)
    g_key_file_unref (k->kf);
  if (k->lazy)
    g_key_file_unref (k->lazy);
  g_free (k);
}

static gboolean
is_key_char (char c)
{
  return g_ascii_isalnum (c) || c == '-' || c == '_';
}

static gboolean
is_locale_char (char c)
{
  return g_ascii_isalnum (c) || c == '-' || c == '_' || c == '.' || c == '@';
}

/* KEY (without spaces around it) is a plain key: NAME or NAME[LOCALE]. */
static gboolean
plain_key (const char *s, const char *e)
{
  const char *p = s;
  while (p < e && is_key_char (*p))
    p++;
  if (p == s)
    return FALSE;
  if (p == e)
    return TRUE;
  if (*p++ != '[')
    return FALSE;
  const char *l = p;
  while (p < e && is_locale_char (*p))
    p++;
  return p > l && p + 1 == e && *p == ']';
}

/* Reads BUF (NUL-ended, modified in place); FALSE when the file is not a
 * plain one. */
static gboolean
parse (DsnKeys *k)
{
  char *p = k->buf;
  Group *cur = NULL;
  guint cur_index = 0;
  while (*p) {
    char *nl = strchr (p, '\n');
    char *le = nl ? nl : p + strlen (p);
    char *next = nl ? nl + 1 : le;
    char *s = p;
    while (s < le && (*s == ' ' || *s == '\t'))
      s++;
    if (s == le || *s == '#') {
      p = next;
      continue;
    }
    for (const char *c = s; c < le; c++)
      if ((guchar)*c < 0x20 && *c != '\t')
        return FALSE; /* \r, \v, \f, other controls: GKeyFile's business */
    if (*s == '[') {
      char *close = memchr (s, ']', le - s);
      if (!close || close + 1 != le || close == s + 1 || memchr (s + 1, '[', close - s - 1))
        return FALSE;
      *close = '\0';
      const char *name = s + 1;
      if (g_hash_table_contains (k->by_name, name))
        return FALSE; /* GKeyFile merges them */
      Group g = { name, k->pairs->len, 0 };
      g_array_append_val (k->groups, g);
      cur_index = k->groups->len - 1;
      g_hash_table_insert (k->by_name, (gpointer)name, GUINT_TO_POINTER (cur_index + 1));
      cur = &g_array_index (k->groups, Group, cur_index);
    } else {
      char *eq = memchr (s, '=', le - s);
      if (!eq || !cur)
        return FALSE;
      char *ke = eq;
      while (ke > s && (ke[-1] == ' ' || ke[-1] == '\t'))
        ke--;
      if (!plain_key (s, ke))
        return FALSE;
      char *v = eq + 1;
      while (v < le && (*v == ' ' || *v == '\t'))
        v++;
      *ke = '\0';
      *le = '\0';
      for (guint i = cur->first; i < cur->first + cur->n; i++)
        if (strcmp (g_array_index (k->pairs, Pair, i).key, s) == 0)
          return FALSE; /* GKeyFile keeps the last */
      Pair pair = { s, v };
      g_array_append_val (k->pairs, pair);
      cur->n++;
    }
    p = next;
  }
  return TRUE;
}

static GKeyFile *
load_kf (const DsnKeys *k, GError **error)
{
  GKeyFile *kf = g_key_file_new ();
  if (!g_key_file_load_from_data (kf, k->data, k->len, G_KEY_FILE_KEEP_TRANSLATIONS, error))
    g_clear_pointer (&kf, g_key_file_unref);
  return kf;
}

/* As g_utf8_validate(), each run of non-ASCII bytes alone (a character
 * is one such run or part of one): the files are mostly ASCII. */
static gboolean
valid_utf8 (const char *s, gsize len)
{
  const guchar *p = (const guchar *)s, *end = p + len;
  while (p < end) {
    while (end - p >= 8) {
      guint64 w;
      memcpy (&w, p, 8);
      if (w & 0x8080808080808080ULL)
        break;
      p += 8;
    }
    while (p < end && *p < 0x80)
      p++;
    const guchar *run = p;
    while (p < end && *p >= 0x80)
      p++;
    if (p > run && !g_utf8_validate ((const char *)run, p - run, NULL))
      return FALSE;
  }
  return TRUE;
}

DsnKeys *
dsn_keys_load (const char *data, gsize len, GError **error)
{
  DsnKeys *k = g_new0 (DsnKeys, 1);
  k->data = data;
  k->len = len;
  gboolean plain = !memchr (data, '\0', len) && valid_utf8 (data, len);
  if (plain) {
    k->buf = g_strndup (data, len);
    k->groups = g_array_new (FALSE, FALSE, sizeof (Group));
    k->pairs = g_array_new (FALSE, FALSE, sizeof (Pair));
    k->by_name = g_hash_table_new (g_str_hash, g_str_equal);
    plain = parse (k);
  }
  if (!plain && !(k->kf = load_kf (k, error))) {
    dsn_keys_free (k);
    return NULL;
  }
  return k;
}

/* The readers ask for a group's keys one after the other: the last group
 * found is kept (a DsnKeys is read by one thread). */
gboolean
dsn_keys_plain (const DsnKeys *k)
{
  return !k->kf;
}

static const Group *
find_group (const DsnKeys *k, const char *group)
{
  if (k->last && strcmp (k->last->name, group) == 0)
    return k->last;
  guint i = GPOINTER_TO_UINT (g_hash_table_lookup (k->by_name, group));
  const Group *g = i ? &g_array_index (k->groups, Group, i - 1) : NULL;
  ((DsnKeys *)k)->last = g;
  return g;
}

/* The raw value of KEY, or NULL. */
static const char *
raw (const DsnKeys *k, const char *group, const char *key)
{
  const Group *g = find_group (k, group);
  for (guint i = 0; g && i < g->n; i++) {
    const Pair *p = &g_array_index (k->pairs, Pair, g->first + i);
    if (strcmp (p->key, key) == 0)
      return p->value;
  }
  return NULL;
}

/* The data's copy is made for the reader, so GKeyFile (when a value asks
 * for it) reads the original: keep it alive while values are asked. */
static GKeyFile *
kf (const DsnKeys *k)
{
  if (k->kf)
    return k->kf;
  if (!k->lazy)
    ((DsnKeys *)k)->lazy = load_kf (k, NULL);
  return k->lazy;
}

char **
dsn_keys_get_groups (const DsnKeys *k)
{
  if (k->kf)
    return g_key_file_get_groups (k->kf, NULL);
  char **out = g_new (char *, k->groups->len + 1);
  for (guint i = 0; i < k->groups->len; i++)
    out[i] = g_strdup (g_array_index (k->groups, Group, i).name);
  out[k->groups->len] = NULL;
  return out;
}

char **
dsn_keys_get_keys (const DsnKeys *k, const char *group)
{
  if (k->kf)
    return g_key_file_get_keys (k->kf, group, NULL, NULL);
  const Group *g = find_group (k, group);
  if (!g)
    return NULL;
  char **out = g_new (char *, g->n + 1);
  for (guint i = 0; i < g->n; i++)
    out[i] = g_strdup (g_array_index (k->pairs, Pair, g->first + i).key);
  out[g->n] = NULL;
  return out;
}

gboolean
dsn_keys_has_key (const DsnKeys *k, const char *group, const char *key)
{
  if (k->kf)
    return g_key_file_has_key (k->kf, group, key, NULL);
  return raw (k, group, key) != NULL;
}

/* V unescaped as GKeyFile does: \s \n \t \r \\; with LIST, "\;" is ";"
 * and an unescaped ";" ends a piece, added to LIST; other escapes are
 * kept as written (GKeyFile's getter then fails for a list). FALSE for
 * those. */
static gboolean
unescape (const char *v, GString *out, GPtrArray *list)
{
  gboolean ok = TRUE;
  for (const char *p = v; *p; p++) {
    if (*p == '\\') {
      p++;
      switch (*p) {
      case 's': g_string_append_c (out, ' '); break;
      case 'n': g_string_append_c (out, '\n'); break;
      case 't': g_string_append_c (out, '\t'); break;
      case 'r': g_string_append_c (out, '\r'); break;
      case '\\': g_string_append_c (out, '\\'); break;
      case '\0': return FALSE;
      default:
        if (list && *p == ';') {
          g_string_append_c (out, ';');
        } else {
          g_string_append_c (out, '\\');
          g_string_append_c (out, *p);
          ok = FALSE;
        }
      }
    } else if (list && *p == ';') {
      g_ptr_array_add (list, g_strndup (out->str, out->len));
      g_string_truncate (out, 0);
    } else {
      g_string_append_c (out, *p);
    }
  }
  if (list && out->len)
    g_ptr_array_add (list, g_strndup (out->str, out->len));
  return ok;
}

char *
dsn_keys_get_string (const DsnKeys *k, const char *group, const char *key)
{
  if (k->kf)
    return g_key_file_get_string (k->kf, group, key, NULL);
  const char *v = raw (k, group, key);
  if (!v)
    return NULL;
  if (!strchr (v, '\\'))
    return g_strdup (v);
  if (v[strlen (v) - 1] == '\\')
    return g_key_file_get_string (kf (k), group, key, NULL);
  GString *out = g_string_new (NULL);
  unescape (v, out, NULL);
  return g_string_free (out, FALSE);
}

char **
dsn_keys_get_string_list (const DsnKeys *k, const char *group, const char *key, gsize *n)
{
  if (k->kf)
    return g_key_file_get_string_list (k->kf, group, key, n, NULL);
  const char *v = raw (k, group, key);
  if (n)
    *n = 0;
  if (!v)
    return NULL;
  GPtrArray *list = g_ptr_array_new ();
  if (!strchr (v, '\\')) {
    /* Nothing to unescape: the pieces as they are, an empty last one
     * dropped. */
    for (const char *p = v; *p;) {
      const char *semi = strchr (p, ';');
      if (!semi) {
        g_ptr_array_add (list, g_strdup (p));
        break;
      }
      g_ptr_array_add (list, g_strndup (p, semi - p));
      p = semi + 1;
    }
    if (n)
      *n = list->len;
    g_ptr_array_add (list, NULL);
    return (char **)g_ptr_array_free (list, FALSE);
  }
  g_autoptr (GString) out = g_string_new (NULL);
  if (!unescape (v, out, list)) {
    g_ptr_array_set_free_func (list, g_free);
    g_ptr_array_free (list, TRUE);
    if (v[strlen (v) - 1] == '\\')
      return g_key_file_get_string_list (kf (k), group, key, n, NULL);
    return NULL;
  }
  if (n)
    *n = list->len;
  g_ptr_array_add (list, NULL);
  return (char **)g_ptr_array_free (list, FALSE);
}

gint
dsn_keys_get_integer (const DsnKeys *k, const char *group, const char *key, GError **error)
{
  const char *v = k->kf ? NULL : raw (k, group, key);
  if (v) {
    const char *d = v + (*v == '-');
    gsize n = strspn (d, "0123456789");
    if (n > 0 && n < 10 && !d[n])
      return atoi (v);
  }
  return g_key_file_get_integer (kf (k), group, key, error);
}

gboolean
dsn_keys_get_boolean (const DsnKeys *k, const char *group, const char *key)
{
  const char *v = k->kf ? NULL : raw (k, group, key);
  if (v && (!strcmp (v, "true") || !strcmp (v, "1")))
    return TRUE;
  if (v && (!strcmp (v, "false") || !strcmp (v, "0")))
    return FALSE;
  if (!k->kf && !v)
    return FALSE;
  return g_key_file_get_boolean (kf (k), group, key, NULL);
}
