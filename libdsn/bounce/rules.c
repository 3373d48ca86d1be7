/* Classification rules: loading patterns/ files (key files), the built-in copy
 * embedded with GResource, and the matcher.
 *
 * Matching must stay fast as rules grow: every phrase of every rule goes into
 * one Aho-Corasick automaton, so a text is scanned once whatever the number of
 * rules, and only rules whose phrase occurred (or that have no text condition)
 * are checked further. A regex rule is prefiltered on a literal it requires.
 *
 * SPDX-License-Identifier: BSD-2-Clause */
#include "rules.h"

#include <gio/gio.h>
#include <string.h>

#include "dsn-patterns-resource.h"

/* Sisimai's reason vocabulary, the values `reason` may take. */
static const char *const reasons[] = {
  "authfailure",     "badreputation", "blocked",        "contenterror",    "delivered",
  "exceedlimit",     "expired",       "failedstarttls", "feedback",        "filtered",
  "hasmoved",        "hostunknown",   "mailboxfull",    "mailererror",     "mesgtoobig",
  "networkerror",    "norelaying",    "notaccept",      "notcompliantrfc", "onhold",
  "policyviolation", "rejected",      "requireptr",     "securityerror",   "spamdetected",
  "speeding",        "suppressed",    "suspend",        "syntaxerror",     "systemerror",
  "systemfull",      "toomanyconn",   "undefined",      "userunknown",     "vacation",
  "virusdetected",
};

const char *
dsn_reason_intern (const char *name)
{
  if (!name)
    return NULL;
  for (gsize i = 0; i < G_N_ELEMENTS (reasons); i++)
    if (g_ascii_strcasecmp (reasons[i], name) == 0)
      return reasons[i];
  return NULL;
}

/* ------------------------------------------------------------ text folding */

/* Phrases and texts are compared folded (dsn_text_fold(): lower case, no
 * diacritics, one space for each white space run), so "Mailbox  full" in a
 * folded reply matches "mailbox full" and "BOÎTE PLEINE" "boite pleine". */
char *
dsn_rules_fold (const char *text)
{
  return dsn_text_fold (text);
}

/* ------------------------------------------------------------ automaton */

/* Aho-Corasick over a compressed alphabet (only bytes that occur in some
 * phrase get a class of their own, every other byte is class 0). The root
 * has a full row; every other state keeps only its trie edges, sorted by
 * class, and a failure link: a dense DFA is states x classes, tens of MB
 * once phrases in Chinese or Japanese bring their bytes, for a part of the
 * analysis that is a few percent of its time. */
/* What a scan reads of a state, together: one cache line rather than one
 * per array (the scan's misses were a tenth of the analysis's). */
typedef struct {
  guint32 edges; /* its edges are edge[edges, next state's edges) */
  guint32 fail;  /* the longest proper suffix that is a state */
  guint32 out;   /* the nearest state on the failure chain (itself first)
                  * at which phrases end, 0 if none */
} AcState;

/* States are numbered in 24 bits, beside a class in an edge. */
#define MAX_STATES (1u << 24)

typedef struct {
  guint8 cls[256];
  guint n_classes;
  guint n_states;
  guint n_edges;
  guint n_phrases;
  gint32 *root;       /* [n_classes]: the root's transition for each class */
  AcState *state;     /* [n_states + 1], the last one ending the edges */
  guint32 *edge;      /* target state << 8 | class, sorted by class per state */
  guint32 *out_start; /* [n_states + 1]: the phrases ending at S itself */
  guint32 *out;
  guint32 *len; /* per phrase: its length in bytes */
  guint8 *word; /* per phrase: 1 if it starts with a letter or digit */
  /* Not NULL: the arrays are read in place from this serialised form. */
  GBytes *image;
} Automaton;

/* Each array of A with its size in bytes, in the order of the serialised image
 * (dsn_rules_automaton_image()). */
#define IMAGE_ARRAYS(a, X)                                                                         \
  X ((a)->root, sizeof (gint32) * (a)->n_classes)                                                  \
  X ((a)->state, sizeof (AcState) * ((a)->n_states + 1))                                           \
  X ((a)->edge, sizeof (guint32) * (a)->n_edges)                                                   \
  X ((a)->out_start, sizeof (guint32) * ((a)->n_states + 1))                                       \
  X ((a)->out, sizeof (guint32) * (a)->n_phrases)                                                  \
  X ((a)->len, sizeof (guint32) * (a)->n_phrases)                                                  \
  X ((a)->word, sizeof (guint8) * (a)->n_phrases)

static void
automaton_free (Automaton *a)
{
  if (!a)
    return;
  if (a->image) {
    g_bytes_unref (a->image);
  } else {
#define FREE(array, size) g_free (array);
    IMAGE_ARRAYS (a, FREE)
#undef FREE
  }
  g_free (a);
}

/* The trie edge of S (not the root) for class C, or 0: states are few-edged
 * but for the first levels, where a binary search pays. */
static inline guint32
automaton_edge (const Automaton *a, guint32 s, guint c)
{
  guint32 lo = a->state[s].edges, hi = a->state[s + 1].edges;
  while (lo < hi) {
    guint32 mid = lo + (hi - lo) / 2, e = a->edge[mid];
    if ((e & 0xff) < c)
      lo = mid + 1;
    else if ((e & 0xff) > c)
      hi = mid;
    else
      return e >> 8;
  }
  return 0;
}

/* The state after reading a byte of class C in state S. */
static inline guint32
automaton_step (const Automaton *a, guint32 s, guint c)
{
  if (c == 0)
    return 0;
  while (s != 0) {
    guint32 t = automaton_edge (a, s, c);
    if (t)
      return t;
    s = a->state[s].fail;
  }
  return a->root[c];
}

/* Sorts ORDER[0..N) (indexes into PH) by the strings' bytes from DEPTH on:
 * a three-way radix quicksort, which compares each byte of a shared prefix
 * once instead of once per comparison (a third of the automaton's build
 * with a comparison sort). Recursion is on the smaller sides only. */
static void
sort_phrases (guint *order, gsize n, char *const *ph, gsize depth)
{
  while (n > 1) {
    if (n < 8) {
      for (gsize i = 1; i < n; i++)
        for (gsize j = i; j > 0 && strcmp (ph[order[j - 1]] + depth, ph[order[j]] + depth) > 0;
             j--) {
          guint t = order[j];
          order[j] = order[j - 1];
          order[j - 1] = t;
        }
      return;
    }
#define BYTE(i) ((guchar)ph[order[i]][depth])
    guint t = order[0];
    order[0] = order[n / 2];
    order[n / 2] = t;
    guchar pivot = BYTE (0);
    gsize lt = 0, gt = n, i = 1;
    /* [0, lt) below the pivot, [lt, i) equal, [gt, n) above. */
    while (i < gt) {
      guchar c = BYTE (i);
      if (c < pivot) {
        t = order[lt], order[lt] = order[i], order[i] = t;
        lt++, i++;
      } else if (c > pivot) {
        gt--;
        t = order[gt], order[gt] = order[i], order[i] = t;
      } else {
        i++;
      }
    }
#undef BYTE
    sort_phrases (order, lt, ph, depth);
    sort_phrases (order + gt, n - gt, ph, depth);
    if (pivot == 0)
      return; /* the equal ones are whole equal strings */
    order += lt;
    n = gt - lt;
    depth++;
  }
}

/* PHRASES: folded strings; returns the automaton matching all of them. */
static Automaton *
automaton_build (GPtrArray *phrases)
{
  Automaton *a = g_new0 (Automaton, 1);
  guint np = phrases->len;
  a->n_phrases = np;
  a->len = g_new (guint32, np ? np : 1);
  a->word = g_new (guint8, np ? np : 1);
  gboolean used[256] = { FALSE };
  gsize bytes = 0;
  for (guint i = 0; i < np; i++) {
    const char *ph = phrases->pdata[i];
    a->len[i] = strlen (ph);
    a->word[i] = g_ascii_isalnum (ph[0]);
    bytes += a->len[i];
    for (const guchar *p = phrases->pdata[i]; *p; p++)
      used[*p] = TRUE;
  }
  /* Classes in byte order: a state's children, made in the phrases' sorted
   * order, come out sorted by class. */
  for (guint b = 1; b < 256; b++)
    if (used[b])
      a->cls[b] = ++a->n_classes;
  a->n_classes++;
  guint nc = a->n_classes;

  /* The trie, built from the phrases in byte order: a phrase shares with
   * the one before it the states of their common prefix. No lookup of a
   * child is needed, and each state's edges are made in class order. */
  g_autofree guint *order = g_new (guint, np ? np : 1);
  for (guint i = 0; i < np; i++)
    order[i] = i;
  sort_phrases (order, np, (char *const *)phrases->pdata, 0);
  guint max_len = 0;
  for (guint i = 0; i < np; i++)
    max_len = MAX (max_len, a->len[i]);
  g_autofree guint32 *path = g_new (guint32, max_len + 1); /* the states of the last phrase */
  g_autofree guint32 *edge_from = g_new (guint32, bytes ? bytes : 1);
  g_autofree guint16 *edge_c = g_new (guint16, bytes ? bytes : 1);
  g_autofree guint32 *end_of = g_new (guint32, np ? np : 1); /* per phrase: its state */
  guint n_edges = 0;
  a->n_states = 1;
  path[0] = 0;
  const char *prev = "";
  for (guint k = 0; k < np; k++) {
    const guchar *ph = phrases->pdata[order[k]];
    guint common = 0;
    while (ph[common] && ph[common] == (guchar)prev[common])
      common++;
    for (guint d = common; ph[d]; d++) {
      edge_from[n_edges] = path[d];
      edge_c[n_edges] = a->cls[ph[d]];
      n_edges++;
      path[d + 1] = a->n_states++;
    }
    end_of[order[k]] = path[a->len[order[k]]];
    prev = (const char *)ph;
  }

  /* Each state's edges as a slice (a stable counting sort: class order
   * kept); edge I leads to state I + 1, as states were made one per edge. */
  guint n = a->n_states;
  a->n_edges = n_edges;
  a->state = g_new0 (AcState, n + 1);
  a->edge = g_new (guint32, MAX (n_edges, 1));
  for (guint i = 0; i < n_edges; i++)
    a->state[edge_from[i] + 1].edges++;
  for (guint s = 0; s < n; s++)
    a->state[s + 1].edges += a->state[s].edges;
  g_autofree guint32 *fill = g_new (guint32, n);
  for (guint s = 0; s < n; s++)
    fill[s] = a->state[s].edges;
  for (guint i = 0; i < n_edges; i++)
    a->edge[fill[edge_from[i]]++] = (i + 1) << 8 | edge_c[i];
  /* The phrases ending at each state, in the order of their numbers. */
  a->out_start = g_new0 (guint32, n + 1);
  a->out = g_new (guint32, MAX (np, 1));
  for (guint i = 0; i < np; i++)
    a->out_start[end_of[i] + 1]++;
  for (guint s = 0; s < n; s++)
    a->out_start[s + 1] += a->out_start[s];
  memcpy (fill, a->out_start, sizeof (guint32) * n);
  for (guint i = 0; i < np; i++)
    a->out[fill[end_of[i]]++] = i;

  /* The root's row, then failure links and the nearest outputs breadth
   * first (a state's failure is shallower: done before it). */
  a->root = g_new0 (gint32, nc);
  guint32 *queue = g_new (guint32, n);
  guint head = 0, tail = 0;
  for (guint32 i = a->state[0].edges; i < a->state[1].edges; i++) {
    a->root[a->edge[i] & 0xff] = a->edge[i] >> 8;
    queue[tail++] = a->edge[i] >> 8;
  }
  while (head < tail) {
    guint32 s = queue[head++];
    if (a->out_start[s] < a->out_start[s + 1])
      a->state[s].out = s;
    else
      a->state[s].out = a->state[a->state[s].fail].out;
    for (guint32 i = a->state[s].edges; i < a->state[s + 1].edges; i++) {
      guint32 t = a->edge[i] >> 8;
      a->state[t].fail = automaton_step (a, a->state[s].fail, a->edge[i] & 0xff);
      queue[tail++] = t;
    }
  }
  g_free (queue);
  return a;
}

/* ------------------------------------------------------------ serialised automaton */

/* The built-in patterns' automaton is built when the library is (by
 * automaton-image, into a resource of the shared library) and read in
 * place: building it was half of an analyser's creation and most of its
 * memory, at every start of every tool. The image is the arrays one after
 * the other, widest first so each is aligned, after this header, in the
 * byte order of the machine that built it (the one that runs it). */
#define IMAGE_MAGIC 0x414e5344u /* "DSNA" in little-endian order */
#define IMAGE_VERSION 2u
#define IMAGE_PATH "/org/libdsn/automaton/builtin"

typedef struct {
  guint32 magic, version, n_classes, n_states, n_edges, n_phrases;
  guint32 phrase_bytes, phrase_hash;
} ImageHeader;

/* The phrases' lengths and a hash of their bytes: an image is used only for
 * the very phrases it was built from. */
static void
phrases_digest (GPtrArray *phrases, guint32 *bytes, guint32 *hash)
{
  guint32 h = 2166136261u, n = 0;
  for (guint i = 0; i < phrases->len; i++) {
    for (const guchar *p = phrases->pdata[i]; *p; p++, n++)
      h = (h ^ *p) * 16777619u;
    h = (h ^ 0xff) * 16777619u;
  }
  *bytes = n;
  *hash = h;
}

/* The automaton of PHRASES from the library's image, or NULL if there is
 * none (the unit tests' static library) or it was built from other
 * phrases. */
static Automaton *
automaton_from_image (GPtrArray *phrases)
{
  GBytes *image = g_resources_lookup_data (IMAGE_PATH, 0, NULL);
  if (!image)
    return NULL;
  gsize size;
  const guint8 *p = g_bytes_get_data (image, &size);
  ImageHeader h;
  if (size < sizeof h + 256 || (guintptr)p % sizeof (guint32)) {
    g_bytes_unref (image);
    return NULL;
  }
  memcpy (&h, p, sizeof h);
  guint32 bytes, hash;
  phrases_digest (phrases, &bytes, &hash);
  Automaton *a = g_new0 (Automaton, 1);
  a->n_classes = h.n_classes;
  a->n_states = h.n_states;
  a->n_edges = h.n_edges;
  a->n_phrases = h.n_phrases;
  gsize need = sizeof h + sizeof a->cls;
#define SIZE(array, size) need += (size);
  IMAGE_ARRAYS (a, SIZE)
#undef SIZE
  if (h.magic != IMAGE_MAGIC || h.version != IMAGE_VERSION || h.n_phrases != phrases->len
      || h.phrase_bytes != bytes || h.phrase_hash != hash || h.n_states == 0 || h.n_classes > 256
      || need != size) {
    /* Made by the same build from the same patterns: a mismatch is a
     * defect of the build, worth a word, not a wrong answer. */
    g_warning ("the built-in automaton image does not match the patterns: built at start");
    g_bytes_unref (image);
    g_free (a);
    return NULL;
  }
  memcpy (a->cls, p + sizeof h, sizeof a->cls);
  const guint8 *at = p + sizeof h + sizeof a->cls;
#define TAKE(array, size)                                                                          \
  (array) = (void *)at;                                                                            \
  at += (size);
  IMAGE_ARRAYS (a, TAKE)
#undef TAKE
  a->image = image;
  return a;
}

/* The phrases that end at state S: its own, then those of the states on
 * its failure chain (a phrase that is a suffix of another also ends here).
 * Use as for (guint32 u = first_output (a, s); u; u = next_output (a, u))
 * for each of u's. */
static inline guint32
first_output (const Automaton *a, guint32 s)
{
  return a->state[s].out;
}

static inline guint32
next_output (const Automaton *a, guint32 u)
{
  return a->state[a->state[u].fail].out;
}

/* Appends to HITS (guint) the index of each phrase occurring in the folded
 * TEXT, once, in no particular order. SEEN has a bit per phrase, all zero. */
static void
automaton_scan (const Automaton *a, const char *text, guint64 *seen, GArray *hits)
{
  guint32 s = 0;
  for (const guchar *p = (const guchar *)text; *p; p++) {
    s = automaton_step (a, s, a->cls[*p]);
    for (guint32 u = first_output (a, s); u; u = next_output (a, u))
      for (guint32 i = a->out_start[u]; i < a->out_start[u + 1]; i++) {
        guint k = a->out[i];
        /* A phrase that starts with a letter or digit starts a word:
         * "rbl" is not in "garbled", nor "dkim" in a queue id "3DKIMa9". */
        const guchar *start = p + 1 - a->len[k];
        if (a->word[k] && start > (const guchar *)text && g_ascii_isalnum (start[-1]))
          continue;
        if (!(seen[k / 64] & (G_GUINT64_CONSTANT (1) << (k % 64)))) {
          seen[k / 64] |= G_GUINT64_CONSTANT (1) << (k % 64);
          g_array_append_val (hits, k);
        }
      }
  }
}

static int
cmp_guint (const void *a, const void *b)
{
  guint x = *(const guint *)a, y = *(const guint *)b;
  return x < y ? -1 : x > y;
}

/* ------------------------------------------------------------ objects */

static void
category_free (DsnCategory *c)
{
  g_free (c->id);
  g_free (c->who);
  g_free (c->file);
  for (int t = 0; t < DSN_N_TEXTS; t++) {
    for (int l = 0; c->text[t] && l < dsn_lang_count (); l++)
      g_free (c->text[t][l]);
    g_free (c->text[t]);
  }
  g_free (c);
}

static void
cond_free (DsnCond *c)
{
  if (!c)
    return;
  if (c->any)
    g_ptr_array_unref (c->any);
  if (c->none)
    g_ptr_array_unref (c->none);
  g_free (c);
}

/* Drops the text conditions (phrases, regex) of R. */
static void
rule_clear_text (DsnRule *r)
{
  g_clear_pointer (&r->phrases, g_strfreev);
  g_clear_pointer (&r->regex, g_regex_unref);
  g_clear_pointer (&r->regex_src, g_free);
  g_clear_pointer (&r->literal, g_free);
  g_clear_pointer (&r->near, g_strfreev);
  g_clear_pointer (&r->unless, g_strfreev);
  g_clear_pointer (&r->near_groups, g_ptr_array_unref);
  g_clear_pointer (&r->unless_groups, g_array_unref);
}

static void
rule_free (DsnRule *r)
{
  g_free (r->name);
  g_free (r->file);
  g_free (r->category_id);
  g_free (r->like);
  rule_clear_text (r);
  for (int f = 0; f < DSN_N_FACTS; f++) {
    cond_free (r->cond[f]);
    g_free (r->example[f]);
  }
  g_strfreev (r->examples);
  g_free (r->blocklist);
  g_free (r);
}

static void
group_free (DsnWordGroup *g)
{
  g_free (g->name);
  g_free (g->file);
  g_strfreev (g->words);
  g_free (g);
}

struct _DsnRules {
  GPtrArray *categories; /* DsnCategory */
  GPtrArray *rules;      /* DsnRule, in load order */
  GPtrArray *groups;     /* DsnWordGroup, in load order */
  /* Built by compile(): */
  Automaton *ac;
  /* The automaton's strings: the phrases of the rules, one per (rule,
   * phrase), then the words of the groups, one per (group, word). */
  GPtrArray *phrases;
  guint n_rule_phrases;
  GArray *phrase_rule; /* guint: rule index of each phrase, group index of each word */
  GArray *textless;    /* guint: rules with no phrase or regex literal */
  GArray *near_rules;  /* guint: rules made of word groups */
  /* For each of near_rules, the groups of each of its near= combinations as
   * bit sets of group_words words: [near_alt_start[i], near_alt_start[i +
   * 1]) are rule i's. A combination holds only if each of its groups has a
   * hit: most rules are ruled out by these, in one block of memory, without
   * reading the rule. */
  guint group_words;
  GArray *near_alt_start; /* guint, near_rules->len + 1 */
  GArray *near_masks;     /* guint64 */
};

void
dsn_rules_free (DsnRules *rules)
{
  if (!rules)
    return;
  g_ptr_array_unref (rules->categories);
  g_ptr_array_unref (rules->rules);
  g_ptr_array_unref (rules->groups);
  automaton_free (rules->ac);
  rules->ac = NULL;
  if (rules->phrases)
    g_ptr_array_unref (rules->phrases);
  if (rules->phrase_rule)
    g_array_unref (rules->phrase_rule);
  if (rules->textless)
    g_array_unref (rules->textless);
  if (rules->near_alt_start)
    g_array_unref (rules->near_alt_start);
  if (rules->near_masks)
    g_array_unref (rules->near_masks);
  if (rules->near_rules)
    g_array_unref (rules->near_rules);
  g_free (rules);
}

static DsnRules *
rules_new (void)
{
  DsnRules *r = g_new0 (DsnRules, 1);
  r->categories = g_ptr_array_new_with_free_func ((GDestroyNotify)category_free);
  r->rules = g_ptr_array_new_with_free_func ((GDestroyNotify)rule_free);
  r->groups = g_ptr_array_new_with_free_func ((GDestroyNotify)group_free);
  return r;
}

const DsnCategory *
dsn_rules_find_category (const DsnRules *rules, const char *id)
{
  for (guint i = 0; i < rules->categories->len; i++) {
    const DsnCategory *c = rules->categories->pdata[i];
    if (strcmp (c->id, id) == 0)
      return c;
  }
  return NULL;
}

const DsnRule *
dsn_rules_find_rule (const DsnRules *rules, const char *name)
{
  for (guint i = 0; i < rules->rules->len; i++) {
    const DsnRule *r = rules->rules->pdata[i];
    if (strcmp (r->name, name) == 0)
      return r;
  }
  return NULL;
}

guint
dsn_rules_count (const DsnRules *rules)
{
  return rules->rules->len;
}

const DsnRule *
dsn_rules_get (const DsnRules *rules, guint i)
{
  return rules->rules->pdata[i];
}

/* ------------------------------------------------------------ regex literal */

/* The longest run of literal characters a regex requires, or NULL when it
 * has top-level alternation or no run of 3+ characters outside groups. Used
 * as the prefilter so regex rules also go through the automaton. */
static char *
regex_required_literal (const char *re)
{
  g_autoptr (GString) best = g_string_new (NULL);
  g_autoptr (GString) cur = g_string_new (NULL);
  int depth = 0;
  for (const char *p = re; *p; p++) {
    char c = *p;
    if (c == '|' && depth == 0)
      return NULL;
    gboolean literal = FALSE;
    char lit = 0;
    if (c == '\\' && p[1]) {
      p++;
      if (strchr (".*+?()[]{}|\\^$/-", *p)) {
        literal = TRUE;
        lit = *p;
      } else if (*p == 's') {
        literal = TRUE; /* white space is folded to one space */
        lit = ' ';
      }
    } else if (c == '(') {
      depth++;
    } else if (c == ')') {
      depth--;
    } else if (c == '[') {
      /* skip the class */
      while (*p && *p != ']')
        p++;
      if (!*p)
        break;
    } else if (depth == 0 && !strchr (".*+?{}^$", c)) {
      literal = TRUE;
      lit = c;
    }
    /* A quantifier after a character makes it optional. */
    if (literal && depth == 0) {
      char q = p[1];
      if (q == '?' || q == '*' || q == '{') {
        literal = FALSE;
      }
    }
    if (literal && depth == 0 && (lit != ' ' || cur->len == 0 || cur->str[cur->len - 1] != ' ')) {
      g_string_append_c (cur, g_ascii_tolower (lit));
      if (p[1] == '+') {
        /* "a+" requires one "a" but ends the run */
        if (cur->len > best->len)
          g_string_assign (best, cur->str);
        g_string_truncate (cur, 0);
      }
    } else if (!literal || depth != 0) {
      if (cur->len > best->len)
        g_string_assign (best, cur->str);
      g_string_truncate (cur, 0);
    }
  }
  if (cur->len > best->len)
    g_string_assign (best, cur->str);
  g_strstrip (best->str);
  if (strlen (best->str) < 3)
    return NULL;
  return g_strdup (best->str);
}

/* ------------------------------------------------------------ loading */

static char *
kf_string (DsnKeys *kf, const char *group, const char *key)
{
  return dsn_keys_get_string (kf, group, key);
}

static char **
kf_string_list (DsnKeys *kf, const char *group, const char *key, gsize *n)
{
  return dsn_keys_get_string_list (kf, group, key, n);
}

/* A ";"-separated list of globs, "!glob" for an exclusion. */
static DsnCond *
load_cond (DsnKeys *kf, const char *group, const char *key)
{
  gsize n = 0;
  g_auto (GStrv) list = kf_string_list (kf, group, key, &n);
  if (!list)
    return NULL;
  DsnCond *c = g_new0 (DsnCond, 1);
  for (gsize i = 0; i < n; i++) {
    char *item = g_strstrip (list[i]);
    gboolean exclude = item[0] == '!';
    if (exclude)
      item = g_strstrip (item + 1);
    if (!*item)
      continue;
    GPtrArray **set = exclude ? &c->none : &c->any;
    if (!*set)
      *set = g_ptr_array_new_with_free_func ((GDestroyNotify)g_pattern_spec_free);
    g_autofree char *low = g_ascii_strdown (item, -1);
    g_ptr_array_add (*set, g_pattern_spec_new (low));
  }
  if (!c->any && !c->none) {
    cond_free (c);
    return NULL;
  }
  return c;
}

static char **
load_list (DsnKeys *kf, const char *group, const char *key, gboolean fold)
{
  g_auto (GStrv) list = kf_string_list (kf, group, key, NULL);
  if (!list)
    return NULL;
  GPtrArray *a = g_ptr_array_new ();
  for (char **p = list; *p; p++) {
    g_strstrip (*p);
    if (**p)
      g_ptr_array_add (a, fold ? dsn_rules_fold (*p) : g_strdup (*p));
  }
  g_ptr_array_add (a, NULL);
  return (char **)g_ptr_array_free (a, FALSE);
}

/* Condition keys, in DsnFact order, and the matching example context keys. */
static const char *const fact_keys[DSN_N_FACTS] = {
  "status", "reply", "remote", "dialect", "command", "diagnostic-type",
};
static const char *const example_fact_keys[DSN_N_FACTS] = {
  "example-status",          NULL, "example-remote", "example-dialect", "example-command",
  "example-diagnostic-type",
};

static const char *const rule_keys[] = {
  "category",
  "reason",
  "like",
  "phrase",
  "regex",
  "near",
  "within",
  "unless",
  "status",
  "reply",
  "remote",
  "dialect",
  "command",
  "diagnostic-type",
  "action",
  "strength",
  "example",
  "example2",
  "example3",
  "example4",
  "example5",
  "example6",
  "example7",
  "example8",
  "example9",
  "example-status",
  "example-remote",
  "example-dialect",
  "example-command",
  "example-diagnostic-type",
  "example-action",
  "blocklist",
  "comment",
  NULL,
};

/* A word group's words, one key per language (any key is a language). */
static const char *const group_keys[] = {
  "en", "fr", "de", "it", "es", "pt", "nl", "ja", "zh", "ko", "comment", NULL,
};

static const char *const category_keys[] = {
  "reason", "who", "summary", "explanation", "advice", "comment", NULL,
};

static gboolean
check_keys (DsnKeys *kf, const char *group, const char *const *allowed, const char *file,
            GError **error)
{
  g_auto (GStrv) keys = dsn_keys_get_keys (kf, group);
  for (char **k = keys; k && *k; k++) {
    /* Localized keys: summary[fr] */
    g_autofree char *base = g_strdup (*k);
    char *br = strchr (base, '[');
    if (br)
      *br = '\0';
    if (!g_strv_contains (allowed, base)) {
      g_set_error (error, DSN_ERROR, DSN_ERROR_PATTERNS, "%s: [%s]: unknown key \"%s\"", file,
                   group, *k);
      return FALSE;
    }
  }
  return TRUE;
}

/* Adds C to RULES, or replaces the category of the same id (a user's
 * override): rules point at categories, so the old one keeps its address
 * and takes the new contents. Takes C. */
static void
put_category (DsnRules *rules, DsnCategory *c)
{
  for (guint i = 0; i < rules->categories->len; i++) {
    DsnCategory *old = rules->categories->pdata[i];
    if (strcmp (old->id, c->id) == 0) {
      DsnCategory tmp = *old;
      *old = *c;
      *c = tmp;
      category_free (c);
      return;
    }
  }
  g_ptr_array_add (rules->categories, c);
}

/* Adds R to RULES, or replaces the rule of the same name, in its place in
 * the load order. Takes R. */
static void
put_rule (DsnRules *rules, DsnRule *r)
{
  for (guint i = 0; i < rules->rules->len; i++) {
    DsnRule *old = rules->rules->pdata[i];
    if (strcmp (old->name, r->name) == 0) {
      r->order = old->order;
      rules->rules->pdata[i] = r;
      rule_free (old);
      return;
    }
  }
  r->order = rules->rules->len;
  g_ptr_array_add (rules->rules, r);
}

static gint find_group (const DsnRules *rules, const char *name);

/* Adds G to RULES, or replaces the group of the same name. Takes G. */
static void
put_group (DsnRules *rules, DsnWordGroup *g)
{
  gint old = find_group (rules, g->name);
  if (old >= 0) {
    group_free (rules->groups->pdata[old]);
    rules->groups->pdata[old] = g;
  } else {
    g_ptr_array_add (rules->groups, g);
  }
}

static gboolean
load_category (DsnRules *rules, DsnKeys *kf, const char *group, const char *id, const char *file,
               GError **error)
{
  if (!check_keys (kf, group, category_keys, file, error))
    return FALSE;
  g_autofree char *reason = kf_string (kf, group, "reason");
  const char *r = dsn_reason_intern (reason);
  if (!r) {
    g_set_error (error, DSN_ERROR, DSN_ERROR_PATTERNS, "%s: [%s]: %s reason \"%s\"", file, group,
                 reason ? "unknown" : "missing", reason ? reason : "");
    return FALSE;
  }
  DsnCategory *c = g_new0 (DsnCategory, 1);
  c->id = g_strdup (id);
  c->reason = r;
  c->file = g_strdup (file);
  c->who = kf_string (kf, group, "who");
  static const char *const text_keys[DSN_N_TEXTS] = { "summary", "explanation", "advice" };
  g_auto (GStrv) keys = dsn_keys_get_keys (kf, group);
  for (int t = 0; t < DSN_N_TEXTS; t++) {
    /* The languages are those of the catalogue (catalogue/languages.keys). */
    c->text[t] = g_new0 (char *, dsn_lang_count ());
    c->text[t][0] = kf_string (kf, group, text_keys[t]);
    for (int l = 1; l < dsn_lang_count (); l++) {
      /* Only an explicit translation counts: get_locale_string would fall
       * back on the untranslated value. */
      g_autofree char *key = g_strdup_printf ("%s[%s]", text_keys[t], dsn_lang_name (l));
      if (g_strv_contains ((const char *const *)keys, key))
        c->text[t][l] = dsn_keys_get_string (kf, group, key);
    }
    if (!c->text[t][0]) {
      g_set_error (error, DSN_ERROR, DSN_ERROR_PATTERNS, "%s: [%s]: missing %s", file, group,
                   text_keys[t]);
      category_free (c);
      return FALSE;
    }
  }
  put_category (rules, c);
  return TRUE;
}

static gboolean
load_rule (DsnRules *rules, DsnKeys *kf, const char *group, const char *name, const char *file,
           GError **error)
{
  if (!check_keys (kf, group, rule_keys, file, error))
    return FALSE;
  g_autoptr (GError) e = NULL;
  DsnRule *r = g_new0 (DsnRule, 1);
  r->name = g_strdup (name);
  r->file = g_strdup (file);
  r->category_id = kf_string (kf, group, "category");
  if (!r->category_id) {
    g_set_error (error, DSN_ERROR, DSN_ERROR_PATTERNS, "%s: [%s]: missing category", file, group);
    rule_free (r);
    return FALSE;
  }
  g_autofree char *reason = kf_string (kf, group, "reason");
  if (reason && !(r->reason = dsn_reason_intern (reason))) {
    g_set_error (error, DSN_ERROR, DSN_ERROR_PATTERNS, "%s: [%s]: unknown reason \"%s\"", file,
                 group, reason);
    rule_free (r);
    return FALSE;
  }
  r->like = kf_string (kf, group, "like");
  r->phrases = load_list (kf, group, "phrase", TRUE);
  r->regex_src = kf_string (kf, group, "regex");
  r->near = kf_string_list (kf, group, "near", NULL);
  r->unless = kf_string_list (kf, group, "unless", NULL);
  if (r->like && (r->phrases || r->regex_src || r->near)) {
    g_set_error (error, DSN_ERROR, DSN_ERROR_PATTERNS,
                 "%s: [%s]: a rule with \"like\" takes its phrases, regex and word groups from "
                 "that rule",
                 file, group);
    rule_free (r);
    return FALSE;
  }
  if (r->unless && !r->near) {
    g_set_error (error, DSN_ERROR, DSN_ERROR_PATTERNS, "%s: [%s]: unless= goes with near=", file,
                 group);
    rule_free (r);
    return FALSE;
  }
  r->within = 4;
  if (dsn_keys_has_key (kf, group, "within")) {
    gint w = dsn_keys_get_integer (kf, group, "within", &e);
    if (e || !r->near || w < 0 || w > 20) {
      g_set_error (error, DSN_ERROR, DSN_ERROR_PATTERNS,
                   "%s: [%s]: within= is a number of words, 0-20, for a rule with near=", file,
                   group);
      rule_free (r);
      return FALSE;
    }
    r->within = w;
  }
  if (r->regex_src) {
    r->regex = g_regex_new (r->regex_src, G_REGEX_CASELESS, 0, &e);
    if (!r->regex) {
      g_set_error (error, DSN_ERROR, DSN_ERROR_PATTERNS, "%s: [%s]: regex: %s", file, group,
                   e->message);
      rule_free (r);
      return FALSE;
    }
    if (!r->phrases)
      r->literal = regex_required_literal (r->regex_src);
  }
  for (int f = 0; f < DSN_N_FACTS; f++) {
    r->cond[f] = load_cond (kf, group, fact_keys[f]);
    if (r->cond[f])
      r->n_conds++;
    if (example_fact_keys[f])
      r->example[f] = kf_string (kf, group, example_fact_keys[f]);
  }
  static const char *const action_keys[] = { "action", "example-action" };
  for (gsize i = 0; i < G_N_ELEMENTS (action_keys); i++) {
    DsnAction *slot = i == 0 ? &r->action : &r->example_action;
    g_autofree char *action = kf_string (kf, group, action_keys[i]);
    if (!action)
      continue;
    *slot = dsn_action_from_string (action);
    if (*slot == DSN_ACTION_NONE) {
      g_set_error (error, DSN_ERROR, DSN_ERROR_PATTERNS, "%s: [%s]: unknown action \"%s\"", file,
                   group, action);
      rule_free (r);
      return FALSE;
    }
  }
  if (r->action)
    r->n_conds++;
  if (dsn_keys_has_key (kf, group, "strength")) {
    r->strength = dsn_keys_get_integer (kf, group, "strength", &e);
    if (e || r->strength < 0 || r->strength > 100) {
      g_set_error (error, DSN_ERROR, DSN_ERROR_PATTERNS, "%s: [%s]: strength must be 0-100", file,
                   group);
      rule_free (r);
      return FALSE;
    }
  } else {
    /* Defaults documented in dsn-patterns(5): words beat codes. */
    r->strength = (r->phrases || r->regex || r->near || r->like) ? 50 : 30;
  }
  /* Examples are plain strings (";" is common in server replies): "example"
   * and "example2" to "example9". */
  GPtrArray *ex = g_ptr_array_new ();
  for (int i = 1; i <= 9; i++) {
    char key[] = "example0";
    key[7] = i == 1 ? '\0' : '0' + i;
    char *v = kf_string (kf, group, key);
    if (v && *g_strstrip (v))
      g_ptr_array_add (ex, v);
    else
      g_free (v);
  }
  g_ptr_array_add (ex, NULL);
  r->examples = (char **)g_ptr_array_free (ex, FALSE);
  r->blocklist = kf_string (kf, group, "blocklist");
  if (!r->examples || !r->examples[0]) {
    g_set_error (error, DSN_ERROR, DSN_ERROR_PATTERNS, "%s: [%s]: a rule needs an example", file,
                 group);
    rule_free (r);
    return FALSE;
  }
  if (!r->phrases && !r->regex && !r->near && !r->like && r->n_conds == 0) {
    g_set_error (error, DSN_ERROR, DSN_ERROR_PATTERNS, "%s: [%s]: a rule needs a condition", file,
                 group);
    rule_free (r);
    return FALSE;
  }
  put_rule (rules, r);
  return TRUE;
}

static gboolean
load_group (DsnRules *rules, DsnKeys *kf, const char *group, const char *name, const char *file,
            GError **error)
{
  if (!check_keys (kf, group, group_keys, file, error))
    return FALSE;
  GPtrArray *words = g_ptr_array_new ();
  for (const char *const *k = group_keys; *k; k++)
    if (strcmp (*k, "comment") != 0) {
      g_auto (GStrv) list = load_list (kf, group, *k, TRUE);
      for (char **w = list; w && *w; w++)
        g_ptr_array_add (words, g_steal_pointer (w));
    }
  if (!words->len) {
    g_ptr_array_free (words, TRUE);
    g_set_error (error, DSN_ERROR, DSN_ERROR_PATTERNS, "%s: [%s]: a word group needs words", file,
                 group);
    return FALSE;
  }
  g_ptr_array_add (words, NULL);
  DsnWordGroup *g = g_new0 (DsnWordGroup, 1);
  g->name = g_strdup (name);
  g->file = g_strdup (file);
  g->words = (char **)g_ptr_array_free (words, FALSE);
  put_group (rules, g);
  return TRUE;
}

/* Parses one patterns file. Groups are "[category ID]", "[rule NAME]" or
 * "[words NAME]". */
/* GKeyFile keeps the last of two equal keys and merges two equal groups
 * without a word; in a rules file either is a mistake that would silently
 * drop a phrase list or an example, so refuse it. */
static gboolean
check_duplicates (const char *data, gsize len, const char *file, GError **error)
{
  g_autoptr (GHashTable) groups = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GHashTable) keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *group = NULL;
  const char *end = data + len;
  for (const char *p = data; p < end;) {
    const char *nl = memchr (p, '\n', end - p);
    const char *le = nl ? nl : end;
    const char *s = p;
    while (s < le && g_ascii_isspace (*s))
      s++;
    const char *e = le;
    while (e > s && g_ascii_isspace (e[-1]))
      e--;
    if (s < e && *s == '[' && e[-1] == ']') {
      g_free (group);
      group = g_strndup (s + 1, e - s - 2);
      if (!g_hash_table_add (groups, g_strdup (group))) {
        g_set_error (error, DSN_ERROR, DSN_ERROR_PATTERNS, "%s: [%s]: the group is given twice",
                     file, group);
        return FALSE;
      }
      g_hash_table_remove_all (keys);
    } else if (s < e && *s != '#' && group) {
      const char *eq = memchr (s, '=', e - s);
      if (eq) {
        const char *k = eq;
        while (k > s && g_ascii_isspace (k[-1]))
          k--;
        g_autofree char *key = g_strndup (s, k - s);
        if (g_hash_table_contains (keys, key)) {
          g_set_error (error, DSN_ERROR, DSN_ERROR_PATTERNS, "%s: [%s]: %s= is given twice", file,
                       group, key);
          return FALSE;
        }
        g_hash_table_add (keys, g_steal_pointer (&key));
      }
    }
    p = nl ? nl + 1 : end;
  }
  return TRUE;
}

static gboolean
load_data (DsnRules *rules, const char *data, gsize len, const char *file, GError **error)
{
  g_autoptr (GError) e = NULL;
  g_autoptr (DsnKeys) kf = dsn_keys_load (data, len, &e);
  /* A file the key file reader read itself has no group or key twice. */
  if (!(kf && dsn_keys_plain (kf)) && !check_duplicates (data, len, file, error))
    return FALSE;
  if (!kf) {
    g_set_error (error, DSN_ERROR, DSN_ERROR_PATTERNS, "%s: %s", file, e->message);
    return FALSE;
  }
  g_auto (GStrv) groups = dsn_keys_get_groups (kf);
  for (char **g = groups; *g; g++) {
    if (g_str_has_prefix (*g, "category ")) {
      if (!load_category (rules, kf, *g, *g + 9, file, error))
        return FALSE;
    } else if (g_str_has_prefix (*g, "rule ")) {
      if (!load_rule (rules, kf, *g, *g + 5, file, error))
        return FALSE;
    } else if (g_str_has_prefix (*g, "words ")) {
      if (!load_group (rules, kf, *g, *g + 6, file, error))
        return FALSE;
    } else {
      g_set_error (error, DSN_ERROR, DSN_ERROR_PATTERNS,
                   "%s: [%s]: a group is [category ID], [rule NAME] or [words NAME]", file, *g);
      return FALSE;
    }
  }
  return TRUE;
}

/* The rule named NAME in RULES or, failing that, in MORE (may be NULL). */
static DsnRule *
find_rule2 (const DsnRules *rules, const DsnRules *more, const char *name)
{
  DsnRule *r = (DsnRule *)dsn_rules_find_rule (rules, name);
  if (!r && more)
    r = (DsnRule *)dsn_rules_find_rule (more, name);
  return r;
}

/* The rule whose phrases and regex R reuses ("like="), following chains;
 * NULL if it is missing or the chain loops. */
static const DsnRule *
like_target (const DsnRules *rules, const DsnRules *more, const DsnRule *r)
{
  const DsnRule *t = r;
  for (int depth = 0; t && t->like; depth++) {
    if (depth > 8)
      return NULL;
    t = find_rule2 (rules, more, t->like);
  }
  return t;
}

/* Copies the text conditions of the rule R is "like", again at each compile
 * so that a user file redefining that rule also changes R. */
static gboolean
inherit_text (DsnRules *rules, DsnRule *r, GError **error)
{
  if (!r->like)
    return TRUE;
  const DsnRule *t = like_target (rules, NULL, r);
  if (!t) {
    g_set_error (error, DSN_ERROR, DSN_ERROR_PATTERNS,
                 "%s: [rule %s]: like=%s: no such rule (or a loop)", r->file, r->name, r->like);
    return FALSE;
  }
  rule_clear_text (r);
  r->phrases = g_strdupv (t->phrases);
  r->regex = t->regex ? g_regex_ref (t->regex) : NULL;
  r->regex_src = g_strdup (t->regex_src);
  r->literal = g_strdup (t->literal);
  r->near = g_strdupv (t->near);
  r->unless = g_strdupv (t->unless);
  r->within = t->within;
  r->inherited = TRUE;
  return TRUE;
}

static gint
find_group (const DsnRules *rules, const char *name)
{
  for (guint i = 0; i < rules->groups->len; i++)
    if (strcmp (((DsnWordGroup *)rules->groups->pdata[i])->name, name) == 0)
      return i;
  return -1;
}

/* The group indexes of the space-separated group NAMES; NULL with ERROR
 * set if one is unknown. */
static GArray *
resolve_names (const DsnRules *rules, const DsnRule *r, const char *names, GError **error)
{
  g_auto (GStrv) list = g_strsplit_set (names, " \t", -1);
  g_autoptr (GArray) out = g_array_new (FALSE, FALSE, sizeof (guint));
  for (char **n = list; *n; n++) {
    if (!**n)
      continue;
    gint g = find_group (rules, *n);
    if (g < 0) {
      g_set_error (error, DSN_ERROR, DSN_ERROR_PATTERNS, "%s: [rule %s]: no word group \"%s\"",
                   r->file, r->name, *n);
      return NULL;
    }
    guint gu = g;
    g_array_append_val (out, gu);
  }
  return g_steal_pointer (&out);
}

/* Turns R's near= alternatives and unless= names into group indexes. */
static gboolean
resolve_groups (const DsnRules *rules, DsnRule *r, GError **error)
{
  g_clear_pointer (&r->near_groups, g_ptr_array_unref);
  g_clear_pointer (&r->unless_groups, g_array_unref);
  if (r->near) {
    r->near_groups = g_ptr_array_new_with_free_func ((GDestroyNotify)g_array_unref);
    for (char **alt = r->near; *alt; alt++) {
      GArray *groups = resolve_names (rules, r, *alt, error);
      if (!groups)
        return FALSE;
      if (groups->len == 0) {
        g_array_unref (groups);
        continue;
      }
      g_ptr_array_add (r->near_groups, groups);
      if (groups->len > 4) {
        g_set_error (error, DSN_ERROR, DSN_ERROR_PATTERNS,
                     "%s: [rule %s]: near= combines 1 to 4 groups", r->file, r->name);
        return FALSE;
      }
    }
  }
  if (r->unless) {
    g_autofree char *names = g_strjoinv (" ", r->unless);
    if (!(r->unless_groups = resolve_names (rules, r, names, error)))
      return FALSE;
  }
  return TRUE;
}

/* The bytes of the automaton's strings in RULES, at most: a state per byte. */
static gsize
phrase_bytes (const DsnRules *rules)
{
  gsize n = 0;
  for (guint i = 0; i < rules->rules->len; i++) {
    const DsnRule *r = rules->rules->pdata[i];
    for (char **p = r->phrases; p && *p; p++)
      n += strlen (*p);
    n += r->literal ? strlen (r->literal) : 0;
  }
  for (guint i = 0; i < rules->groups->len; i++)
    for (char **w = ((DsnWordGroup *)rules->groups->pdata[i])->words; *w; w++)
      n += strlen (*w);
  return n;
}

/* Resolves category and "like" references and builds the automaton. */
static gboolean
compile (DsnRules *rules, gboolean builtin, GError **error)
{
  for (guint i = 0; i < rules->rules->len; i++) {
    DsnRule *r = rules->rules->pdata[i];
    r->category = dsn_rules_find_category (rules, r->category_id);
    if (!r->category) {
      g_set_error (error, DSN_ERROR, DSN_ERROR_PATTERNS, "%s: [rule %s]: unknown category \"%s\"",
                   r->file, r->name, r->category_id);
      return FALSE;
    }
    if (!inherit_text (rules, r, error))
      return FALSE;
    if (!resolve_groups (rules, r, error))
      return FALSE;
    r->index = i;
    r->specificity = r->n_conds + ((r->phrases || r->regex || r->near) ? 1 : 0);
  }
  automaton_free (rules->ac);
  rules->ac = NULL;
  if (rules->phrases)
    g_ptr_array_unref (rules->phrases);
  if (rules->phrase_rule)
    g_array_unref (rules->phrase_rule);
  if (rules->textless)
    g_array_unref (rules->textless);
  if (rules->near_rules)
    g_array_unref (rules->near_rules);
  if (rules->near_alt_start)
    g_array_unref (rules->near_alt_start);
  if (rules->near_masks)
    g_array_unref (rules->near_masks);
  rules->phrases = g_ptr_array_new ();
  rules->phrase_rule = g_array_new (FALSE, FALSE, sizeof (guint));
  rules->textless = g_array_new (FALSE, FALSE, sizeof (guint));
  rules->near_rules = g_array_new (FALSE, FALSE, sizeof (guint));
  for (guint i = 0; i < rules->rules->len; i++) {
    DsnRule *r = rules->rules->pdata[i];
    /* A rule may be written with phrases and with word groups: either
     * holds. */
    if (r->near)
      g_array_append_val (rules->near_rules, i);
    if (r->phrases) {
      for (char **p = r->phrases; *p; p++) {
        g_ptr_array_add (rules->phrases, *p);
        g_array_append_val (rules->phrase_rule, i);
      }
    } else if (r->literal) {
      g_ptr_array_add (rules->phrases, r->literal);
      g_array_append_val (rules->phrase_rule, i);
    } else if (!r->near) {
      g_array_append_val (rules->textless, i);
    }
  }
  rules->n_rule_phrases = rules->phrases->len;
  rules->group_words = rules->groups->len / 64 + 1;
  rules->near_alt_start = g_array_new (FALSE, FALSE, sizeof (guint));
  rules->near_masks = g_array_new (FALSE, TRUE, sizeof (guint64));
  for (guint i = 0; i < rules->near_rules->len; i++) {
    const DsnRule *r = rules->rules->pdata[g_array_index (rules->near_rules, guint, i)];
    guint start = rules->near_masks->len / rules->group_words;
    g_array_append_val (rules->near_alt_start, start);
    for (guint a = 0; a < r->near_groups->len; a++) {
      const GArray *groups = r->near_groups->pdata[a];
      guint at = rules->near_masks->len;
      g_array_set_size (rules->near_masks, at + rules->group_words);
      guint64 *m = &g_array_index (rules->near_masks, guint64, at);
      for (guint g = 0; g < groups->len; g++) {
        guint gi = g_array_index (groups, guint, g);
        m[gi / 64] |= G_GUINT64_CONSTANT (1) << (gi % 64);
      }
    }
  }
  guint end = rules->near_masks->len / rules->group_words;
  g_array_append_val (rules->near_alt_start, end);
  for (guint i = 0; i < rules->groups->len; i++) {
    DsnWordGroup *g = rules->groups->pdata[i];
    for (char **w = g->words; *w; w++) {
      g_ptr_array_add (rules->phrases, *w);
      g_array_append_val (rules->phrase_rule, i);
    }
  }
  rules->ac = builtin ? automaton_from_image (rules->phrases) : NULL;
  if (!rules->ac)
    rules->ac = automaton_build (rules->phrases);
  return TRUE;
}

GBytes *
dsn_rules_automaton_image (const DsnRules *rules)
{
  const Automaton *a = rules->ac;
  ImageHeader h
      = { IMAGE_MAGIC, IMAGE_VERSION, a->n_classes, a->n_states, a->n_edges, a->n_phrases, 0, 0 };
  phrases_digest (rules->phrases, &h.phrase_bytes, &h.phrase_hash);
  GByteArray *out = g_byte_array_new ();
  g_byte_array_append (out, (const guint8 *)&h, sizeof h);
  g_byte_array_append (out, a->cls, sizeof a->cls);
#define PUT(array, size) g_byte_array_append (out, (const guint8 *)(array), (size));
  IMAGE_ARRAYS (a, PUT)
#undef PUT
  return g_byte_array_free_to_bytes (out);
}

static int
cmp_str (const void *a, const void *b)
{
  return strcmp (*(char *const *)a, *(char *const *)b);
}

DsnRules *
dsn_rules_new_builtin (GError **error)
{
  g_autoptr (GError) e = NULL;
  DsnRules *rules = rules_new ();
  GResource *res = dsn_patterns_get_resource ();
  const char *dir = "/org/libdsn/patterns/";
  g_auto (GStrv) names = g_resource_enumerate_children (res, dir, 0, &e);
  if (!names) {
    g_set_error (error, DSN_ERROR, DSN_ERROR_PATTERNS, "built-in patterns: %s", e->message);
    dsn_rules_free (rules);
    return NULL;
  }
  /* Sorted, so load order (and thus tie-breaking) is stable. */
  qsort (names, g_strv_length (names), sizeof (char *), cmp_str);
  for (char **n = names; *n; n++) {
    g_autofree char *path = g_strconcat (dir, *n, NULL);
    g_autoptr (GBytes) data = g_resource_lookup_data (res, path, 0, NULL);
    gsize len;
    const char *p = data ? g_bytes_get_data (data, &len) : NULL;
    if (!p || !load_data (rules, p, len, *n, error)) {
      dsn_rules_free (rules);
      return NULL;
    }
  }
  if (!compile (rules, TRUE, error)) {
    dsn_rules_free (rules);
    return NULL;
  }
  return rules;
}

gboolean
dsn_rules_load_dir (DsnRules *rules, const char *dir, GError **error)
{
  g_autoptr (GError) e = NULL;
  g_autoptr (GDir) d = g_dir_open (dir, 0, &e);
  if (!d) {
    g_set_error (error, DSN_ERROR, DSN_ERROR_PATTERNS, "%s", e->message);
    return FALSE;
  }
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *n;
  while ((n = g_dir_read_name (d)))
    if (g_str_has_suffix (n, ".rules"))
      g_ptr_array_add (names, g_strdup (n));
  if (names->len == 0) {
    g_set_error (error, DSN_ERROR, DSN_ERROR_PATTERNS, "%s: no *.rules file", dir);
    return FALSE;
  }
  g_ptr_array_sort (names, cmp_str);
  /* Load into a copy-on-failure: parse everything into a scratch set first. */
  DsnRules *scratch = rules_new ();
  for (guint i = 0; i < names->len; i++) {
    g_autofree char *path = g_build_filename (dir, names->pdata[i], NULL);
    g_autofree char *data = NULL;
    gsize len;
    if (!g_file_get_contents (path, &data, &len, &e)) {
      g_set_error (error, DSN_ERROR, DSN_ERROR_PATTERNS, "%s", e->message);
      dsn_rules_free (scratch);
      return FALSE;
    }
    if (!load_data (scratch, data, len, path, error)) {
      dsn_rules_free (scratch);
      return FALSE;
    }
  }
  /* Merge: categories first so rules resolve, then compile; on failure,
   * rebuild from the unchanged built-in set is not possible, so check first. */
  for (guint i = 0; i < scratch->rules->len; i++) {
    DsnRule *r = scratch->rules->pdata[i];
    if (!dsn_rules_find_category (rules, r->category_id)
        && !dsn_rules_find_category (scratch, r->category_id)) {
      g_set_error (error, DSN_ERROR, DSN_ERROR_PATTERNS, "%s: [rule %s]: unknown category \"%s\"",
                   r->file, r->name, r->category_id);
      dsn_rules_free (scratch);
      return FALSE;
    }
    for (int l = 0; l < 2; l++)
      for (char **alt = l ? r->unless : r->near; alt && *alt; alt++) {
        g_auto (GStrv) groups = g_strsplit_set (*alt, " \t", -1);
        for (char **name = groups; *name; name++)
          if (**name && find_group (scratch, *name) < 0 && find_group (rules, *name) < 0) {
            g_set_error (error, DSN_ERROR, DSN_ERROR_PATTERNS,
                         "%s: [rule %s]: no word group \"%s\"", r->file, r->name, *name);
            dsn_rules_free (scratch);
            return FALSE;
          }
      }
    /* The user's rules are looked up first: they replace built-in ones. */
    if (r->like && !like_target (scratch, rules, r)) {
      g_set_error (error, DSN_ERROR, DSN_ERROR_PATTERNS,
                   "%s: [rule %s]: like=%s: no such rule (or a loop)", r->file, r->name, r->like);
      dsn_rules_free (scratch);
      return FALSE;
    }
  }
  gsize bytes = phrase_bytes (rules) + phrase_bytes (scratch);
  if (bytes >= MAX_STATES) {
    g_set_error (error, DSN_ERROR, DSN_ERROR_PATTERNS,
                 "%s: the patterns' phrases and words hold %" G_GSIZE_FORMAT " bytes, more than %u",
                 dir, bytes, MAX_STATES - 1);
    dsn_rules_free (scratch);
    return FALSE;
  }
  while (scratch->categories->len > 0)
    put_category (rules, g_ptr_array_steal_index (scratch->categories, 0));
  while (scratch->groups->len > 0)
    put_group (rules, g_ptr_array_steal_index (scratch->groups, 0));
  while (scratch->rules->len > 0)
    put_rule (rules, g_ptr_array_steal_index (scratch->rules, 0));
  dsn_rules_free (scratch);
  return compile (rules, FALSE, error);
}

/* ------------------------------------------------------------ matching */

/* A fact as the globs are matched against it: lower-case, its length, and
 * reversed (GLib reverses the string for each "*tail" glob it is not
 * given it for: an allocation per glob and rule). */
typedef struct {
  char *value;
  gsize len;
  char *reversed;
} Fact;

static gboolean
glob_match (GPatternSpec *spec, const Fact *f)
{
  return g_pattern_spec_match (spec, f->len, f->value, f->reversed);
}

static gboolean
cond_holds (const DsnCond *c, const Fact *f)
{
  if (!c)
    return TRUE;
  if (!f->value)
    return c->any == NULL; /* an unknown fact passes only exclusions */
  if (c->none)
    for (guint i = 0; i < c->none->len; i++)
      if (glob_match (c->none->pdata[i], f))
        return FALSE;
  if (!c->any)
    return TRUE;
  for (guint i = 0; i < c->any->len; i++)
    if (glob_match (c->any->pdata[i], f))
      return TRUE;
  return FALSE;
}

static gboolean
conditions_hold (const DsnRule *r, const DsnMatchInput *in, const Fact *facts)
{
  if (r->action && r->action != in->action)
    return FALSE;
  for (int f = 0; f < DSN_N_FACTS; f++)
    if (!cond_holds (r->cond[f], &facts[f]))
      return FALSE;
  return TRUE;
}

/* IN's facts, made once per match: globs are lower-case. */
static void
lower_facts (const DsnMatchInput *in, Fact *facts)
{
  for (int f = 0; f < DSN_N_FACTS; f++) {
    facts[f].value = in->fact[f] ? g_ascii_strdown (in->fact[f], -1) : NULL;
    facts[f].len = facts[f].value ? strlen (facts[f].value) : 0;
    facts[f].reversed = facts[f].value ? g_utf8_strreverse (facts[f].value, facts[f].len) : NULL;
  }
}

static void
free_facts (Fact *facts)
{
  for (int f = 0; f < DSN_N_FACTS; f++) {
    g_free (facts[f].value);
    g_free (facts[f].reversed);
  }
}

/* Is A a better match than B? Strength first, then the rule with more
 * conditions (a refinement beats the rule it refines), then the more
 * specific phrase, then the rule loaded first. */
static gboolean
better (const DsnRule *a, gsize spec_a, const DsnRule *b, gsize spec_b)
{
  if (!b)
    return TRUE;
  if (a->strength != b->strength)
    return a->strength > b->strength;
  if (a->specificity != b->specificity)
    return a->specificity > b->specificity;
  if (spec_a != spec_b)
    return spec_a > spec_b;
  return a->order < b->order;
}

/* Length of an SMTP reply prefix at P ("550-", "550-5.7.1 ", "550 5.7.1 "),
 * or 0. A bare "550 " is not one: it may be part of a phrase. */
static gsize
reply_prefix_len (const char *p)
{
  if (p[0] < '2' || p[0] > '5' || !g_ascii_isdigit (p[1]) || !g_ascii_isdigit (p[2]))
    return 0;
  if (p[3] != '-' && p[3] != ' ')
    return 0;
  const char *q = p + 4;
  if ((*q == '2' || *q == '4' || *q == '5') && q[1] == '.' && g_ascii_isdigit (q[2])) {
    q += 2;
    while (g_ascii_isdigit (*q))
      q++;
    if (*q == '.' && g_ascii_isdigit (q[1])) {
      q++;
      while (g_ascii_isdigit (*q))
        q++;
      if (*q == ' ' || !*q)
        return (*q ? q + 1 : q) - p;
    }
  }
  return p[3] == '-' ? 4 : 0;
}

/* Removes the reply prefixes that a multi-line SMTP reply repeats on each
 * line ("550-5.7.1 Messages with multiple 550-5.7.1 addresses in From:"), so
 * that phrases spanning two lines still match. The first one stays. In place. */
static void
strip_continuations (char *folded)
{
  char *w = folded;
  for (const char *p = folded; *p;) {
    if (p > folded && p[-1] == ' ') {
      gsize n = reply_prefix_len (p);
      if (n) {
        p += n;
        continue;
      }
    }
    *w++ = *p++;
  }
  *w = '\0';
}

/* An occurrence of a group's word in the words alone, in words. */
typedef struct {
  guint group;
  guint start, end; /* word positions, inclusive */
} GroupHit;

static int
cmp_group_hit (const void *a, const void *b)
{
  const GroupHit *x = a, *y = b;
  if (x->start != y->start)
    return x->start < y->start ? -1 : 1;
  return x->end < y->end ? -1 : x->end > y->end;
}

/* A sentence ends here: proximity does not reach across it. */
#define SENTENCE_GAP 1000

/* TRUE if P starts a Chinese, Japanese or Korean character (U+3000 to
 * U+D7FF, and the fullwidth forms U+FF00 to U+FF5F): written without spaces,
 * each is a word of its own for word groups, so that "收件人地址不存在" holds a
 * recipient noun two words before a non-existence. */
static inline gboolean
cjk_at (const guchar *p)
{
  return (p[0] >= 0xE3 && p[0] <= 0xED && p[1]) || (p[0] == 0xEF && (p[1] == 0xBC || p[1] == 0xBD));
}

/* TRUE if the three bytes before P (after TEXT) are such a character. */
static inline gboolean
cjk_before (const guchar *text, const guchar *p)
{
  return p - text >= 3 && cjk_at (p - 3) && (p[-2] & 0xC0) == 0x80 && (p[-1] & 0xC0) == 0x80;
}

/* TRUE if P starts a katakana character (U+30A1 to U+30FF): Japanese
 * writes loanwords ("ドメイン", "アドレス") in a run of them, one word. */
static inline gboolean
katakana_at (const guchar *p)
{
  return p[0] == 0xE3 && ((p[1] == 0x82 && p[2] >= 0xA1) || p[1] == 0x83);
}

/* The word position of each byte of TEXT (words are separated by single
 * spaces, each CJK character is a word but a run of katakana is one); a
 * word that ends a sentence puts the next one SENTENCE_GAP further. */
static guint *
word_positions (const char *text, gsize len)
{
  const guchar *t = (const guchar *)text;
  guint *pos = g_new (guint, len + 1);
  guint w = 0;
  for (gsize i = 0; i < len; i++) {
    if (t[i] == ' ') {
      char prev = i ? text[i - 1] : ' ';
      w += (prev == '.' || prev == '!' || prev == '?' || prev == ';') ? SENTENCE_GAP : 1;
    } else if (i > 0 && t[i - 1] != ' ' && (cjk_at (t + i) || cjk_before (t, t + i))
               && !(i >= 3 && katakana_at (t + i) && katakana_at (t + i - 3))) {
      w++;
    }
    pos[i] = w;
  }
  pos[len] = w;
  return pos;
}

/* Scans the words alone for every occurrence of a group's word, with its
 * word positions, into GHITS. */
static void
scan_words (const DsnRules *rules, const char *text, GArray *ghits)
{
  const Automaton *a = rules->ac;
  gsize len = strlen (text);
  g_autofree guint *pos = NULL;
  guint32 s = 0;
  for (const guchar *p = (const guchar *)text; *p; p++) {
    s = automaton_step (a, s, a->cls[*p]);
    for (guint32 u = first_output (a, s); u; u = next_output (a, u))
      for (guint32 i = a->out_start[u]; i < a->out_start[u + 1]; i++) {
        guint k = a->out[i];
        const guchar *start = p + 1 - a->len[k];
        if (a->word[k] && start > (const guchar *)text && g_ascii_isalnum (start[-1]))
          continue;
        if (k < rules->n_rule_phrases)
          continue;
        /* A group's word is a word of the text: it starts after a space or an
         * opening bracket and ends before a space, punctuation or an opening
         * bracket ("IP(192.0.2.1)"), so "user" is not in "username" nor
         * "mail" in "example:paris:mail". */
        /* A word that starts or ends with a CJK character is bounded
         * there whatever is next to it ("未开通QQ邮箱"). */
        if (start > (const guchar *)text && !strchr (" (<[\"'`-/", start[-1])
            && !cjk_before ((const guchar *)text, start) && !cjk_at (start))
          continue;
        if (p[1] && !strchr (" .,;:!?)>]([<\"'`-/", p[1]) && !cjk_at (p + 1)
            && !cjk_before ((const guchar *)text, p + 1))
          continue;
        if (!pos)
          pos = word_positions (text, len);
        GroupHit h = { g_array_index (rules->phrase_rule, guint, k),
                       pos[start - (const guchar *)text], pos[p - (const guchar *)text] };
        g_array_append_val (ghits, h);
      }
  }
  g_array_sort (ghits, cmp_group_hit);
}

static gboolean
in_groups (const GArray *groups, guint g, guint *slot)
{
  for (guint i = 0; groups && i < groups->len; i++)
    if (g_array_index (groups, guint, i) == g) {
      if (slot)
        *slot = i;
      return TRUE;
    }
  return FALSE;
}

/* The first hit of GHITS starting at word FROM or later. */
static guint
first_hit_from (const GArray *ghits, guint from)
{
  guint lo = 0, hi = ghits->len;
  while (lo < hi) {
    guint mid = (lo + hi) / 2;
    if (g_array_index (ghits, GroupHit, mid).start < from)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

/* The hits remembered per group: enough for the nested and repeated words
 * of a window ("header", "header size"). */
#define RECENT 4

/* Does the combination GROUPS of R's near= hold in GHITS: a word of each
 * group, within R->within words of each other, and no word of R's unless=
 * groups that close? Each hit in turn is the last word of a candidate
 * window; the other groups take their latest hit that does not overlap
 * it. *SPEC receives the number of words matched. */
static gboolean
near_alt_holds (const DsnRule *r, const GArray *groups, const GArray *ghits, gsize *spec)
{
  guint k = groups->len;
  const GroupHit *recent[4][RECENT] = { { NULL } };
  for (guint h = 0; h < ghits->len; h++) {
    const GroupHit *hit = &g_array_index (ghits, GroupHit, h);
    guint slot;
    if (!in_groups (groups, hit->group, &slot))
      continue;
    memmove (&recent[slot][1], &recent[slot][0], sizeof (recent[slot][0]) * (RECENT - 1));
    recent[slot][0] = hit;
    const GroupHit *pick[4] = { NULL };
    pick[slot] = hit;
    gboolean complete = TRUE;
    for (guint i = 0; i < k && complete; i++) {
      if (i == slot)
        continue;
      for (guint j = 0; j < RECENT && recent[i][j] && !pick[i]; j++) {
        const GroupHit *c = recent[i][j];
        gboolean clear = TRUE;
        for (guint o = 0; o < k && clear; o++)
          if (pick[o] && !(c->end < pick[o]->start || pick[o]->end < c->start))
            clear = FALSE;
        if (clear)
          pick[i] = c;
      }
      complete = pick[i] != NULL;
    }
    if (!complete)
      continue;
    guint lo = G_MAXUINT, hi = 0, words = 0;
    for (guint i = 0; i < k; i++) {
      lo = MIN (lo, pick[i]->start);
      hi = MAX (hi, pick[i]->end);
      words += pick[i]->end - pick[i]->start + 1;
    }
    if (hi - lo + 1 - words > r->within)
      continue;
    gboolean cancelled = FALSE;
    /* A word of several words may start before the window and end in it:
     * look a few words further back. */
    guint from = lo > r->within ? lo - r->within : 0;
    for (guint u = first_hit_from (ghits, from > 8 ? from - 8 : 0);
         r->unless_groups && u < ghits->len && !cancelled; u++) {
      const GroupHit *x = &g_array_index (ghits, GroupHit, u);
      if (x->start > hi + r->within)
        break;
      cancelled = x->end >= from && in_groups (r->unless_groups, x->group, NULL);
    }
    if (cancelled)
      continue;
    *spec = words;
    return TRUE;
  }
  return FALSE;
}

/* Does any combination of R's near= hold? *SPEC: the most words matched. */
static gboolean
near_holds (const DsnRule *r, const GArray *ghits, gsize *spec)
{
  gboolean any = FALSE;
  *spec = 0;
  for (guint i = 0; i < r->near_groups->len; i++) {
    gsize words;
    if (near_alt_holds (r, r->near_groups->pdata[i], ghits, &words)) {
      any = TRUE;
      *spec = MAX (*spec, words);
    }
  }
  return any;
}

const DsnRule *
dsn_rules_match (const DsnRules *rules, const DsnMatchInput *in, const DsnRule *exclude)
{
  g_autofree char *folded = dsn_rules_fold (in->text ? in->text : "");
  strip_continuations (folded);
  g_autofree char *normalized = NULL, *skeleton = NULL;
  dsn_words_normalize (folded, &normalized, &skeleton);
  guint np = rules->phrases->len;
  /* A bit per phrase: a byte each was thousands zeroed per match. */
  g_autofree guint64 *seen = g_new0 (guint64, np / 64 + 1);
  g_autoptr (GArray) hits = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr (GArray) ghits = g_array_new (FALSE, FALSE, sizeof (GroupHit));
  /* A phrase is a fixed string: it occurs in the words as written, or with
   * placeholders for addresses and the like ("<addr>: user unknown"). Word
   * groups are looked for in the words alone, where nothing of the kind
   * stands between them. */
  automaton_scan (rules->ac, folded, seen, hits);
  if (strcmp (normalized, folded) != 0)
    automaton_scan (rules->ac, normalized, seen, hits);
  scan_words (rules, skeleton, ghits);
  /* In phrase order, so that each rule's phrases (consecutive) come together. */
  g_array_sort (hits, cmp_guint);
  Fact facts[DSN_N_FACTS];
  lower_facts (in, facts);

  const DsnRule *best = NULL;
  gsize best_spec = 0;
  /* Gather each rule's longest phrase that occurred (the more specific the
   * words, the better they describe the text), then weigh the rule once. */
  const DsnRule *cur = NULL;
  gsize cur_spec = 0;
  for (guint h = 0; h <= hits->len; h++) {
    const DsnRule *r = NULL;
    guint i = 0;
    if (h < hits->len) {
      i = g_array_index (hits, guint, h);
      if (i >= rules->n_rule_phrases)
        continue;
      r = rules->rules->pdata[g_array_index (rules->phrase_rule, guint, i)];
      if (r == cur) {
        cur_spec = MAX (cur_spec, strlen (rules->phrases->pdata[i]));
        continue;
      }
    }
    if (cur && cur != exclude && conditions_hold (cur, in, facts)
        && (!cur->regex || g_regex_match (cur->regex, folded, 0, NULL))
        && better (cur, cur_spec, best, best_spec)) {
      best = cur;
      best_spec = cur_spec;
    }
    cur = r;
    cur_spec = r ? strlen (rules->phrases->pdata[i]) : 0;
  }
  /* Word-group rules: their specificity is counted in words, a phrase's in
   * bytes; a word is worth a short phrase. */
  guint gw = rules->group_words;
  g_autofree guint64 *hit_groups = g_new0 (guint64, gw);
  for (guint h = 0; h < ghits->len; h++) {
    guint g = g_array_index (ghits, GroupHit, h).group;
    hit_groups[g / 64] |= G_GUINT64_CONSTANT (1) << (g % 64);
  }
  for (guint i = 0; ghits->len && i < rules->near_rules->len; i++) {
    gboolean possible = FALSE;
    for (guint a = g_array_index (rules->near_alt_start, guint, i);
         !possible && a < g_array_index (rules->near_alt_start, guint, i + 1); a++) {
      const guint64 *m = &g_array_index (rules->near_masks, guint64, a * gw);
      possible = TRUE;
      for (guint w = 0; w < gw && possible; w++)
        possible = (m[w] & ~hit_groups[w]) == 0;
    }
    if (!possible)
      continue;
    const DsnRule *r = rules->rules->pdata[g_array_index (rules->near_rules, guint, i)];
    gsize words;
    if (r == exclude || !conditions_hold (r, in, facts) || !near_holds (r, ghits, &words))
      continue;
    if (better (r, words * 6, best, best_spec)) {
      best = r;
      best_spec = words * 6;
    }
  }
  for (guint i = 0; i < rules->textless->len; i++) {
    const DsnRule *r = rules->rules->pdata[g_array_index (rules->textless, guint, i)];
    if (r == exclude || !conditions_hold (r, in, facts))
      continue;
    if (r->regex && !g_regex_match (r->regex, folded, 0, NULL))
      continue;
    if (better (r, 0, best, best_spec)) {
      best = r;
      best_spec = 0;
    }
  }
  free_facts (facts);
  return best;
}

guint
dsn_analyzer_get_n_rules (const DsnAnalyzer *an)
{
  g_return_val_if_fail (an, 0);
  return an->rules->rules->len;
}

const DsnRules *
dsn_analyzer_rules (const DsnAnalyzer *an)
{
  return an->rules;
}

/* ------------------------------------------------------------ categories */

const char *
dsn_category_text (const DsnCategory *c, DsnText which, const char *lang)
{
  if (!c)
    return NULL;
  int l = dsn_lang_index (lang);
  return c->text[which][l] ? c->text[which][l] : c->text[which][0];
}

guint
dsn_rules_n_categories (const DsnRules *rules)
{
  return rules->categories->len;
}

const DsnCategory *
dsn_rules_get_category (const DsnRules *rules, guint i)
{
  return rules->categories->pdata[i];
}
