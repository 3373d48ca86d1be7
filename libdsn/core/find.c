/* Finding many strings at once: the recipients' addresses in a report's
 * text, in one pass whatever their number (an Aho-Corasick automaton), and a
 * map from addresses to the first block of a report that names each. With
 * them a dialect reads a report of N recipients in time proportional to its
 * size, not to N times its size.
 * SPDX-License-Identifier: BSD-2-Clause */
#include "core.h"

#include <string.h>

/* ------------------------------------------------------------ address maps */

GHashTable *
dsn_address_map_new (void)
{
  return g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

void
dsn_address_map_add (GHashTable *map, const char *address, guint n)
{
  if (!address)
    return;
  char *key = g_ascii_strdown (address, -1);
  gpointer old = g_hash_table_lookup (map, key);
  if (old && GPOINTER_TO_UINT (old) - 1 <= n) {
    g_free (key);
    return;
  }
  g_hash_table_insert (map, key, GUINT_TO_POINTER (n + 1));
}

guint
dsn_address_map_get (GHashTable *map, const char *address)
{
  if (!address)
    return G_MAXUINT;
  g_autofree char *key = g_ascii_strdown (address, -1);
  gpointer v = g_hash_table_lookup (map, key);
  return v ? GPOINTER_TO_UINT (v) - 1 : G_MAXUINT;
}

/* ------------------------------------------------------------ the automaton */

typedef struct {
  guint parent;
  guint fail;  /* the longest proper suffix of this node's string that is a node */
  guint dict;  /* the nearest node on the fail chain that ends a needle; 0: none */
  gint needle; /* the needle that ends here, or -1 */
  guint depth;
  guint8 byte; /* lower case */
} Node;

/* Transitions of the nodes but the root, in an open-addressing table keyed
 * by (node, byte): one probe per byte of text in the common case. */
typedef struct {
  guint64 key; /* node << 8 | byte, + 1 (0: empty) */
  guint child;
} Edge;

struct _DsnFinder {
  GArray *nodes;   /* Node; 0 is the root */
  guint root[256]; /* the root's transitions (0: none) */
  Edge *edges;     /* capacity a power of two */
  gsize n_edges, capacity;
  GArray *lengths; /* needle number -> length */
  gboolean built;
};

static guint
edge_slot (const DsnFinder *f, guint64 key)
{
  /* Fibonacci hashing spreads the consecutive keys of one node. */
  guint64 h = key * G_GUINT64_CONSTANT (11400714819323198485);
  gsize mask = f->capacity - 1;
  gsize i = (gsize)(h >> 20) & mask;
  while (f->edges[i].key && f->edges[i].key != key)
    i = (i + 1) & mask;
  return i;
}

static guint
edge_get (const DsnFinder *f, guint node, guint8 byte)
{
  if (node == 0)
    return f->root[byte];
  if (!f->capacity)
    return 0;
  guint64 key = ((guint64)node << 8 | byte) + 1;
  return f->edges[edge_slot (f, key)].child;
}

static void
edge_set (DsnFinder *f, guint node, guint8 byte, guint child)
{
  if (node == 0) {
    f->root[byte] = child;
    return;
  }
  if ((f->n_edges + 1) * 2 > f->capacity) {
    Edge *old = f->edges;
    gsize old_capacity = f->capacity;
    f->capacity = f->capacity ? f->capacity * 2 : 64;
    f->edges = g_new0 (Edge, f->capacity);
    for (gsize i = 0; i < old_capacity; i++)
      if (old[i].key)
        f->edges[edge_slot (f, old[i].key)] = old[i];
    g_free (old);
  }
  guint64 key = ((guint64)node << 8 | byte) + 1;
  guint i = edge_slot (f, key);
  if (!f->edges[i].key)
    f->n_edges++;
  f->edges[i].key = key;
  f->edges[i].child = child;
}

DsnFinder *
dsn_finder_new (void)
{
  DsnFinder *f = g_new0 (DsnFinder, 1);
  f->nodes = g_array_new (FALSE, TRUE, sizeof (Node));
  f->lengths = g_array_new (FALSE, FALSE, sizeof (gsize));
  Node root = { .needle = -1 };
  g_array_append_val (f->nodes, root);
  return f;
}

void
dsn_finder_free (DsnFinder *f)
{
  if (!f)
    return;
  g_array_unref (f->nodes);
  g_array_unref (f->lengths);
  g_free (f->edges);
  g_free (f);
}

guint
dsn_finder_add_len (DsnFinder *f, const char *needle, gsize len)
{
  g_return_val_if_fail (!f->built && len > 0, G_MAXUINT);
  guint node = 0;
  for (gsize i = 0; i < len; i++) {
    guint8 c = g_ascii_tolower (needle[i]);
    guint next = edge_get (f, node, c);
    if (!next) {
      Node n = { .parent = node, .needle = -1, .depth = i + 1, .byte = c };
      next = f->nodes->len;
      g_array_append_val (f->nodes, n);
      edge_set (f, node, c, next);
    }
    node = next;
  }
  Node *end = &g_array_index (f->nodes, Node, node);
  if (end->needle < 0) {
    end->needle = f->lengths->len;
    g_array_append_val (f->lengths, len);
  }
  return end->needle;
}

gsize
dsn_finder_needle_len (const DsnFinder *f, guint needle)
{
  return g_array_index (f->lengths, gsize, needle);
}

guint
dsn_finder_add (DsnFinder *f, const char *needle)
{
  return dsn_finder_add_len (f, needle, strlen (needle));
}

static gint
by_depth (gconstpointer a, gconstpointer b, gpointer nodes)
{
  guint da = g_array_index ((GArray *)nodes, Node, *(const guint *)a).depth;
  guint db = g_array_index ((GArray *)nodes, Node, *(const guint *)b).depth;
  return da < db ? -1 : da > db;
}

/* The failure and dictionary links, node by node in order of depth: a
 * node's fail is reached from its parent's. */
static void
build (DsnFinder *f)
{
  f->built = TRUE;
  guint n = f->nodes->len;
  g_autoptr (GArray) order = g_array_sized_new (FALSE, FALSE, sizeof (guint), n);
  for (guint i = 1; i < n; i++)
    g_array_append_val (order, i);
  g_array_sort_with_data (order, by_depth, f->nodes);
  Node *nodes = (Node *)f->nodes->data;
  for (guint k = 0; k < order->len; k++) {
    guint v = g_array_index (order, guint, k);
    Node *node = &nodes[v];
    node->fail = 0;
    if (node->parent != 0) {
      guint s = nodes[node->parent].fail;
      guint next;
      while (!(next = edge_get (f, s, node->byte)) && s != 0)
        s = nodes[s].fail;
      node->fail = next;
    }
    const Node *fail = &nodes[node->fail];
    node->dict = fail->needle >= 0 ? node->fail : fail->dict;
  }
}

void
dsn_finder_scan (DsnFinder *f, const char *text, gsize len, DsnFinderFunc func, gpointer data)
{
  if (!f->built)
    build (f);
  const Node *nodes = (const Node *)f->nodes->data;
  const gsize *lengths = (const gsize *)f->lengths->data;
  guint s = 0;
  for (gsize i = 0; i < len; i++) {
    guint8 c = g_ascii_tolower (text[i]);
    guint next;
    while (!(next = edge_get (f, s, c)) && s != 0)
      s = nodes[s].fail;
    s = next;
    if (!s)
      continue;
    for (guint o = nodes[s].needle >= 0 ? s : nodes[s].dict; o; o = nodes[o].dict) {
      guint id = nodes[o].needle;
      if (!func (id, text + i + 1 - lengths[id], data))
        return;
    }
  }
}
