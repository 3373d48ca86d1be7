/* The SPF audit: the domain's record and everything it pulls in, as a tree.
 * Unlike check_host(), which stops at the first match, the audit follows
 * every include and redirect and resolves every a and mx term, so it can
 * count the DNS lookups a receiver may need in the worst case (RFC 7208
 * §4.6.4: at most 10, at most 2 void) and show where they come from.
 * Terms with macros depend on the message and are only shown.
 *
 * A receiver evaluating the worst case stops at the 11th lookup, so the
 * audit goes no further either: a term is looked up only while the lookups
 * certainly made before it are fewer than 11 (a lower bound: those of the
 * terms before it in its record and its ancestors', not what the includes
 * before it add, unknown when it is read). The bound depends on the records
 * only, not on the order answers come in, so the outcome is the same at
 * every run. The lookups run in parallel all the same; when the tree is
 * complete, the worst-case order numbers them exactly, and what lies past
 * the limit is "not evaluated": no finding is made about names receivers
 * never ask.
 *
 * SPDX-License-Identifier: BSD-2-Clause */
#include "audit.h"

#include <string.h>

#define MAX_DEPTH 12
#define MAX_NODES 100 /* records fetched, whatever the limit allows: mailcheck's own bound */
#define SPF_MAX_LOOKUPS 10
#define SPF_MAX_VOID 2
#define SPF_MAX_MX 10
#define SPF_RECOMMENDED_LENGTH 450

typedef struct _Node Node;

typedef struct {
  const DsnSpfTerm *term;
  Node *child;        /* include/redirect target */
  gboolean loop;      /* the target is an ancestor */
  gboolean dynamic;   /* has macros: depends on the message */
  gboolean evaluated; /* looked up */
  gboolean cut;       /* not looked up: past the limit, or past MAX_NODES */
  gboolean beyond;    /* past the 10th lookup of the worst case: never evaluated */
  guint position;     /* its lookup's number in the worst case; 0 if it makes none */
  gboolean is_void;   /* the lookup found nothing */
  gboolean failed;    /* the lookup failed */
  DsnDnsStatus status;
  guint mx_count;
  GPtrArray *addresses;
  guint pending;
  Node *node;
} Term;

struct _Node {
  DsnJob *job;
  Node *parent;
  char *domain;
  guint depth;
  guint before; /* the lower bound of the lookups made before its record is read */
  gboolean done;
  DsnDnsStatus status;
  GPtrArray *txt; /* every TXT record, as text */
  GPtrArray *spf; /* the v=spf1 ones */
  DsnSpfRecord *rec;
  GPtrArray *terms; /* Term, parallel to rec->terms */
  /* the record's strings, quoted, when a space between two of them would
   * mend its syntax error */
  GPtrArray *split;
  char *alias; /* the records are those of this name, which the domain is an alias of */
};

typedef struct {
  Node *root;
  guint n_nodes;
  GPtrArray *spf_rr; /* obsolete type-99 records */
  gboolean spf_rr_done;
  DsnDnsStatus spf_rr_status;
} SpfAudit;

static void node_free (Node *n);

static void
term_free (Term *t)
{
  node_free (t->child);
  if (t->addresses)
    g_ptr_array_unref (t->addresses);
  g_free (t);
}

static void
node_free (Node *n)
{
  if (!n)
    return;
  g_free (n->domain);
  g_ptr_array_unref (n->txt);
  g_ptr_array_unref (n->spf);
  dsn_spf_record_free (n->rec);
  if (n->terms)
    g_ptr_array_unref (n->terms);
  if (n->split)
    g_ptr_array_unref (n->split);
  g_free (n->alias);
  g_free (n);
}

static void
clear (gpointer data)
{
  SpfAudit *sa = data;
  node_free (sa->root);
  if (sa->spf_rr)
    g_ptr_array_unref (sa->spf_rr);
}

static Node *node_new (DsnJob *job, Node *parent, const char *domain, guint before);

static void
add_address (Term *t, const char *addr)
{
  for (guint i = 0; i < t->addresses->len; i++)
    if (!strcmp (t->addresses->pdata[i], addr))
      return;
  g_ptr_array_add (t->addresses, g_strdup (addr));
}

static void
note_answer (Term *t, const DsnDnsAnswer *ans)
{
  if (dsn_dns_failed (ans)) {
    t->failed = TRUE;
    t->status = ans->status;
  }
  for (guint i = 0; ans->status == DSN_DNS_OK && i < ans->rrs->len; i++) {
    const DsnDnsRR *rr = ans->rrs->pdata[i];
    add_address (t, rr->data);
  }
}

static void
on_address (const DsnDnsAnswer *ans, gpointer data)
{
  Term *t = data;
  note_answer (t, ans);
  if (--t->pending == 0 && !t->failed && t->term->kind != DSN_SPF_MX)
    t->is_void = t->addresses->len == 0;
}

static void
on_exists (const DsnDnsAnswer *ans, gpointer data)
{
  Term *t = data;
  note_answer (t, ans);
  t->is_void = !t->failed && dsn_dns_void (ans);
}

static void
on_mx (const DsnDnsAnswer *ans, gpointer data)
{
  Term *t = data;
  DsnJob *job = t->node->job;
  if (dsn_dns_failed (ans)) {
    t->failed = TRUE;
    t->status = ans->status;
    return;
  }
  t->is_void = dsn_dns_void (ans);
  t->mx_count = ans->rrs->len;
  for (guint i = 0; i < ans->rrs->len && i < SPF_MAX_MX; i++) {
    const DsnDnsRR *rr = ans->rrs->pdata[i];
    if (!*rr->data)
      continue;
    t->pending += 2;
    dsn_job_lookup (job, rr->data, DSN_DNS_A, on_address, t);
    dsn_job_lookup (job, rr->data, DSN_DNS_AAAA, on_address, t);
  }
}

static gboolean
has_ancestor (Node *n, const char *domain)
{
  for (; n; n = n->parent)
    if (!g_ascii_strcasecmp (n->domain, domain))
      return TRUE;
  return FALSE;
}

/* Strings are joined with nothing between them (RFC 7208 §3.3): "ip4:x"
 * "include:y" reads "ip4:xinclude:y". The strings of RR, quoted, when a
 * space between them mends REC's syntax error; else NULL. */
static GPtrArray *
badly_split (const DsnDnsRR *rr, const DsnSpfRecord *rec)
{
  if (!rec->error || !rr->strings || rr->strings->len < 2)
    return NULL;
  g_autofree char *spaced = dsn_strings_join (rr->strings, " ");
  g_autoptr (DsnSpfRecord) alt = dsn_spf_record_parse (spaced, strlen (spaced));
  if (alt->error)
    return NULL;
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < rr->strings->len; i++) {
    g_autofree char *valid = g_utf8_make_valid (rr->strings->pdata[i], -1);
    g_ptr_array_add (out, g_strdup_printf ("\"%s\"", valid));
  }
  return out;
}

static void
on_txt (const DsnDnsAnswer *ans, gpointer data)
{
  Node *n = data;
  DsnJob *job = n->job;
  n->done = TRUE;
  n->status = ans->status;
  n->alias = g_strdup (dsn_alias_target (ans));
  for (guint i = 0; ans->status == DSN_DNS_OK && i < ans->rrs->len; i++) {
    const DsnDnsRR *rr = ans->rrs->pdata[i];
    char *valid = dsn_rr_text_marked (rr);
    g_ptr_array_add (n->txt, valid);
    if (dsn_spf_is_record (rr->data, rr->len)) {
      g_ptr_array_add (n->spf, g_strdup (valid));
      if (!n->rec) {
        n->rec = dsn_spf_record_parse (rr->data, rr->len);
        n->split = badly_split (rr, n->rec);
      }
    }
  }
  if (n->spf->len != 1 || !n->rec)
    return;
  n->terms = g_ptr_array_new_with_free_func ((GDestroyNotify)term_free);
  for (guint i = 0; i < n->rec->terms->len; i++) {
    Term *t = g_new0 (Term, 1);
    t->term = n->rec->terms->pdata[i];
    t->node = n;
    t->addresses = g_ptr_array_new_with_free_func (g_free);
    g_ptr_array_add (n->terms, t);
  }
  if (n->rec->error)
    return;
  gboolean has_all = FALSE;
  for (guint i = 0; i < n->rec->terms->len; i++)
    if (((DsnSpfTerm *)n->rec->terms->pdata[i])->kind == DSN_SPF_ALL)
      has_all = TRUE;
  /* The lower bound of each term's lookup number, in the order count()
   * numbers them: the mechanisms, then the redirect. */
  guint before = n->before, counted = 0;
  for (guint i = 0; i < n->terms->len; i++) {
    Term *t = n->terms->pdata[i];
    if (t->term->kind < DSN_SPF_REDIRECT && dsn_spf_term_counts (t->term))
      t->position = before + ++counted;
  }
  for (guint i = 0; i < n->terms->len; i++) {
    Term *t = n->terms->pdata[i];
    if (t->term->kind == DSN_SPF_REDIRECT)
      t->position = before + counted + 1;
  }
  SpfAudit *sa = DSN_JOB_STATE (job, DSN_AREA_SPF, SpfAudit);
  for (guint i = 0; i < n->terms->len; i++) {
    Term *t = n->terms->pdata[i];
    const DsnSpfTerm *st = t->term;
    if (st->kind == DSN_SPF_REDIRECT && has_all)
      continue; /* never used (RFC 7208 §6.1) */
    if (st->kind == DSN_SPF_EXP || st->kind == DSN_SPF_UNKNOWN_MODIFIER || st->kind == DSN_SPF_ALL
        || st->kind == DSN_SPF_IP4 || st->kind == DSN_SPF_IP6)
      continue;
    if (st->has_macros) {
      t->dynamic = TRUE;
      continue;
    }
    if (st->kind == DSN_SPF_PTR)
      continue; /* depends on the sending address */
    /* Past the 10th lookup even at best: receivers never get there. */
    gboolean include = st->kind == DSN_SPF_INCLUDE || st->kind == DSN_SPF_REDIRECT;
    if (t->position > SPF_MAX_LOOKUPS || (include && sa->n_nodes >= MAX_NODES)) {
      t->cut = TRUE;
      continue;
    }
    g_autofree char *target
        = st->domain_spec ? dsn_spf_domain_fit (st->domain_spec) : g_strdup (n->domain);
    t->evaluated = TRUE;
    switch (st->kind) {
    case DSN_SPF_INCLUDE:
    case DSN_SPF_REDIRECT:
      if (has_ancestor (n, target))
        t->loop = TRUE;
      else
        t->child = node_new (job, n, target, t->position);
      break;
    case DSN_SPF_A:
      t->pending = 2;
      dsn_job_lookup (job, target, DSN_DNS_A, on_address, t);
      dsn_job_lookup (job, target, DSN_DNS_AAAA, on_address, t);
      break;
    case DSN_SPF_MX: dsn_job_lookup (job, target, DSN_DNS_MX, on_mx, t); break;
    case DSN_SPF_EXISTS: dsn_job_lookup (job, target, DSN_DNS_A, on_exists, t); break;
    default: break;
    }
  }
}

static Node *
node_new (DsnJob *job, Node *parent, const char *domain, guint before)
{
  Node *n = g_new0 (Node, 1);
  n->job = job;
  n->parent = parent;
  n->depth = parent ? parent->depth + 1 : 0;
  n->before = before;
  DSN_JOB_STATE (job, DSN_AREA_SPF, SpfAudit)->n_nodes++;
  n->domain = g_ascii_strdown (domain, -1);
  n->txt = g_ptr_array_new_with_free_func (g_free);
  n->spf = g_ptr_array_new_with_free_func (g_free);
  if (dsn_spf_domain_ok (n->domain))
    dsn_job_lookup (job, n->domain, DSN_DNS_TXT, on_txt, n);
  else
    n->status = DSN_DNS_BADNAME;
  return n;
}

static void
on_spf_rr (const DsnDnsAnswer *ans, gpointer data)
{
  SpfAudit *sa = data;
  sa->spf_rr_done = TRUE;
  sa->spf_rr_status = ans->status;
  for (guint i = 0; ans->status == DSN_DNS_OK && i < ans->rrs->len; i++) {
    g_ptr_array_add (sa->spf_rr, dsn_rr_text (ans->rrs->pdata[i]));
  }
}

static void
start (DsnJob *job)
{
  SpfAudit *sa = DSN_JOB_STATE (job, DSN_AREA_SPF, SpfAudit);
  sa->spf_rr = g_ptr_array_new_with_free_func (g_free);
  sa->root = node_new (job, NULL, job->domain, 0);
  dsn_job_lookup (job, job->domain, DSN_DNS_SPF, on_spf_rr, sa);
}

/* ------------------------------------------------------------ analysis */

typedef struct {
  guint lookups, voids;
  guint made; /* lookups within the limit that mailcheck made */
  gboolean loop;
  gboolean mark;       /* number the terms and mark those past the limit */
  gboolean incomplete; /* an include or redirect was not looked up */
  Term *limit;         /* the first term past the limit */
  Node *limit_node;
  GPtrArray *dynamic; /* terms with macros */
} Totals;

static void count (Node *n, Totals *tot, guint *own_total);

static void
count_term (Node *n, Term *t, Totals *tot)
{
  const DsnSpfTerm *st = t->term;
  if (st->kind == DSN_SPF_REDIRECT || dsn_spf_term_counts (st)) {
    tot->lookups++;
    if (tot->mark)
      t->position = tot->lookups;
  }
  /* Receivers give up at the 11th lookup (RFC 7208 §4.6.4): nothing after
   * it is evaluated. */
  gboolean beyond = tot->lookups > SPF_MAX_LOOKUPS;
  if (!beyond && t->evaluated && t->position)
    tot->made++;
  if (tot->mark) {
    t->beyond = beyond;
    if (beyond && !tot->limit) {
      tot->limit = t;
      tot->limit_node = n;
    }
  }
  if (t->dynamic)
    g_ptr_array_add (tot->dynamic, st->text);
  if (t->cut && (st->kind == DSN_SPF_INCLUDE || st->kind == DSN_SPF_REDIRECT))
    tot->incomplete = TRUE;
  if (!beyond && t->is_void)
    tot->voids++;
  if (!beyond && t->loop)
    tot->loop = TRUE;
  if (t->child)
    count (t->child, tot, NULL);
}

/* The worst-case evaluation of node N: mechanisms up to "all", then the
 * redirect if there is no "all" (RFC 7208 §4.6, §6.1). */
static void
count (Node *n, Totals *tot, guint *own_total)
{
  guint start = tot->lookups;
  if (!n->terms || !n->rec || n->rec->error) {
    if (own_total)
      *own_total = 0;
    return;
  }
  gboolean all = FALSE;
  Term *redirect = NULL;
  for (guint i = 0; i < n->terms->len; i++) {
    Term *t = n->terms->pdata[i];
    const DsnSpfTerm *st = t->term;
    if (st->kind == DSN_SPF_REDIRECT) {
      redirect = t;
      continue;
    }
    if (all || st->kind >= DSN_SPF_REDIRECT) {
      /* Never evaluated: after "all", or a modifier. */
      if (tot->mark && all)
        t->beyond = tot->lookups > SPF_MAX_LOOKUPS;
      continue;
    }
    if (st->kind == DSN_SPF_ALL)
      all = TRUE;
    count_term (n, t, tot);
  }
  if (!all && redirect)
    count_term (n, redirect, tot);
  if (own_total)
    *own_total = tot->lookups - start;
}

static guint
subtree_lookups (Node *n)
{
  Totals t = { 0 };
  t.dynamic = g_ptr_array_new ();
  guint total = 0;
  count (n, &t, &total);
  g_ptr_array_unref (t.dynamic);
  return total;
}

/* The "all" that ends evaluation of N, following redirects; 0 if none. */
static char
effective_all (Node *n)
{
  for (guint depth = 0; n && n->terms && depth < MAX_DEPTH; depth++) {
    Term *redirect = NULL;
    for (guint i = 0; i < n->terms->len; i++) {
      Term *t = n->terms->pdata[i];
      if (t->term->kind == DSN_SPF_ALL)
        return t->term->qualifier;
      if (t->term->kind == DSN_SPF_REDIRECT)
        redirect = t;
    }
    n = redirect ? redirect->child : NULL;
  }
  return 0;
}

static const char *
kind_name (DsnSpfTermKind k)
{
  static const char *const names[] = { "all", "include", "a",        "mx",  "ptr",     "ip4",
                                       "ip6", "exists",  "redirect", "exp", "modifier" };
  return names[k];
}

static JsonObject *node_json (Node *n);

static gint
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *)a, *(const char *const *)b);
}

static JsonObject *
term_json (Term *t)
{
  const DsnSpfTerm *st = t->term;
  JsonObject *o = json_object_new ();
  json_object_set_string_member (o, "term", st->text);
  json_object_set_string_member (o, "type", kind_name (st->kind));
  char qualifier[2] = { st->qualifier, '\0' };
  if (st->kind < DSN_SPF_REDIRECT)
    json_object_set_string_member (o, "qualifier", qualifier);
  else
    json_object_set_null_member (o, "qualifier");
  dsn_json_set_string (o, "target", st->domain_spec ? st->domain_spec : st->value);
  guint own = dsn_spf_term_counts (st) ? 1 : 0;
  json_object_set_int_member (o, "lookups", own);
  json_object_set_int_member (o, "lookups_total",
                              own + (t->child ? subtree_lookups (t->child) : 0));
  json_object_set_boolean_member (o, "dynamic", t->dynamic);
  /* Past the 10th lookup: receivers never evaluate it (nor does mailcheck
   * report on it). */
  json_object_set_boolean_member (o, "beyond_limit", t->beyond);
  json_object_set_boolean_member (o, "void", t->is_void);
  if (t->failed)
    json_object_set_string_member (o, "dns_error", dsn_dns_status_to_string (t->status));
  else
    json_object_set_null_member (o, "dns_error");
  if (st->kind == DSN_SPF_A || st->kind == DSN_SPF_MX) {
    g_ptr_array_sort (t->addresses, compare_strings);
    json_object_set_array_member (o, "addresses", dsn_json_strv (t->addresses));
  }
  if (st->kind == DSN_SPF_INCLUDE || st->kind == DSN_SPF_REDIRECT) {
    json_object_set_boolean_member (o, "loop", t->loop);
    if (t->child)
      json_object_set_object_member (o, "record", node_json (t->child));
    else
      json_object_set_null_member (o, "record");
  }
  return o;
}

static JsonObject *
node_json (Node *n)
{
  JsonObject *o = json_object_new ();
  json_object_set_string_member (o, "domain", n->domain);
  json_object_set_array_member (o, "records", dsn_json_strv (n->spf));
  dsn_json_set_string (o, "record", n->spf->len == 1 ? n->spf->pdata[0] : NULL);
  if (dsn_dns_status_failed (n->status))
    json_object_set_string_member (o, "dns_error", dsn_dns_status_to_string (n->status));
  else
    json_object_set_null_member (o, "dns_error");
  dsn_json_set_string (o, "error",
                       n->rec && n->spf->len == 1 && n->rec->error
                           ? dsn_finding_get_message (n->rec->error, "en")
                           : NULL);
  json_object_set_int_member (o, "lookups", subtree_lookups (n));
  JsonArray *terms = json_array_new ();
  for (guint i = 0; n->terms && i < n->terms->len; i++)
    json_array_add_object_element (terms, term_json (n->terms->pdata[i]));
  json_object_set_array_member (o, "terms", terms);
  return o;
}

/* Findings about one record of the tree (the root or an included one). */
static void
check_node (DsnJob *job, Node *n, Node *from, const char *via)
{
  if (dsn_dns_status_failed (n->status) && n->status != DSN_DNS_BADNAME) {
    g_autofree char *query = g_strdup_printf ("%s TXT", n->domain);
    dsn_job_add (job, "spf.dns_error", "query", query, "status",
                 dsn_dns_status_to_string (n->status), NULL);
    return;
  }
  if (n->spf->len == 0) {
    if (!from)
      dsn_job_add (job, "spf.missing", "domain", n->domain, NULL);
    else
      dsn_job_add (job, !strcmp (via, "include") ? "spf.include_missing" : "spf.redirect_missing",
                   "domain", from->domain, "target", n->domain, NULL);
    return;
  }
  if (n->spf->len > 1) {
    g_autofree char *c = g_strdup_printf ("%u", n->spf->len);
    dsn_job_add (job, "spf.multiple", "domain", n->domain, "count", c, NULL);
    return;
  }
  const char *text = n->spf->pdata[0];
  if (strlen (text) > SPF_RECOMMENDED_LENGTH) {
    g_autofree char *len = g_strdup_printf ("%zu", strlen (text));
    dsn_job_add (job, "spf.too_long", "domain", n->domain, "length", len, NULL);
  }
  if (n->rec->error && n->split) {
    g_autofree char *strings = dsn_strings_join (n->split, " ");
    dsn_job_add (job, "spf.split_strings", "domain", n->domain, "strings", strings, NULL);
    return;
  }
  if (n->rec->error) {
    GPtrArray *args = g_ptr_array_new_with_free_func (g_free);
    g_ptr_array_add (args, g_strdup ("domain"));
    g_ptr_array_add (args, g_strdup (n->domain));
    dsn_args_add_text (args, "detail", n->rec->error);
    dsn_job_add_args (job, "spf.syntax", args);
    return;
  }
  gboolean all = FALSE, warned_after = FALSE, has_all = FALSE;
  for (guint i = 0; i < n->terms->len; i++)
    if (((Term *)n->terms->pdata[i])->term->kind == DSN_SPF_ALL)
      has_all = TRUE;
  for (guint i = 0; i < n->terms->len; i++) {
    Term *t = n->terms->pdata[i];
    const DsnSpfTerm *st = t->term;
    /* Receivers stop before it: no finding about what they never ask. */
    if (t->beyond)
      continue;
    if (all && st->kind < DSN_SPF_REDIRECT && !warned_after) {
      dsn_job_add (job, "spf.after_all", "domain", n->domain, "term", st->text, NULL);
      warned_after = TRUE;
    }
    if (st->kind == DSN_SPF_ALL)
      all = TRUE;
    if (st->kind == DSN_SPF_PTR)
      dsn_job_add (job, "spf.ptr", "domain", n->domain, "term", st->text, NULL);
    if (st->kind == DSN_SPF_REDIRECT && has_all)
      dsn_job_add (job, "spf.redirect_ignored", "domain", n->domain, NULL);
    if (t->failed) {
      g_autofree char *query = g_strdup_printf ("%s (%s)", st->text, n->domain);
      dsn_job_add (job, "spf.dns_error", "query", query, "status",
                   dsn_dns_status_to_string (t->status), NULL);
    } else if (t->is_void) {
      dsn_job_add (job, "spf.void_lookup", "domain", n->domain, "term", st->text, NULL);
    }
    if (st->kind == DSN_SPF_MX && t->mx_count > SPF_MAX_MX) {
      g_autofree char *c = g_strdup_printf ("%u", t->mx_count);
      dsn_job_add (job, "spf.mx_too_many", "domain", n->domain, "term", st->text, "count", c, NULL);
    }
    if (t->child) {
      check_node (job, t->child, n, kind_name (st->kind));
      if (st->kind == DSN_SPF_INCLUDE && effective_all (t->child) == '+')
        dsn_job_add (job, "spf.include_pass_all", "domain", n->domain, "target", t->child->domain,
                     NULL);
    }
  }
}

static void
finish (DsnJob *job)
{
  SpfAudit *sa = DSN_JOB_STATE (job, DSN_AREA_SPF, SpfAudit);
  Node *root = sa->root;
  JsonObject *o = dsn_job_data (job, DSN_AREA_SPF);
  json_object_set_array_member (o, "records", dsn_json_strv (root->spf));
  json_object_set_array_member (o, "spf_rr", dsn_json_strv (sa->spf_rr));
  Totals tot = { 0 };
  tot.dynamic = g_ptr_array_new ();
  tot.mark = TRUE;
  count (root, &tot, NULL);
  json_object_set_int_member (o, "lookups", tot.lookups);
  /* FALSE when receivers stop before the end: LOOKUPS then counts what is
   * known, not the whole. */
  json_object_set_boolean_member (o, "lookups_complete", !tot.incomplete);
  json_object_set_int_member (o, "void_lookups", tot.voids);
  json_object_set_object_member (o, "tree", node_json (root));

  check_node (job, root, NULL, NULL);
  if (root->alias && root->spf->len)
    dsn_job_add (job, "spf.domain_alias", "domain", root->domain, "target", root->alias, NULL);
  if (sa->spf_rr->len)
    dsn_job_add (job, "spf.rr_type_spf", NULL);
  if (root->spf->len == 1 && root->rec && !root->rec->error) {
    if (tot.loop)
      dsn_job_add (job, "spf.include_loop", "domain", root->domain, NULL);
    if (tot.lookups > SPF_MAX_LOOKUPS) {
      g_autofree char *c = g_strdup_printf ("%u", tot.lookups);
      g_autofree char *made = g_strdup_printf ("%u", tot.made);
      if (!tot.incomplete)
        dsn_job_add (job, "spf.too_many_lookups", "count", c, NULL);
      else
        /* Where it stops, and the lookups made: what lies past it was not
         * fetched, so no total is claimed. */
        dsn_job_add (job, "spf.lookup_limit", "count", made, "term", tot.limit->term->text,
                     "domain", tot.limit_node->domain, NULL);
    }
    if (tot.voids > SPF_MAX_VOID) {
      g_autofree char *c = g_strdup_printf ("%u", tot.voids);
      dsn_job_add (job, "spf.too_many_void_lookups", "count", c, NULL);
    }
    char q = effective_all (root);
    gboolean redirect = root->rec->redirect != NULL;
    if (q == '+')
      dsn_job_add (job, "spf.pass_all", NULL);
    else if (q == '?')
      dsn_job_add (job, "spf.neutral_all", NULL);
    else if (q == '~')
      dsn_job_add (job, "spf.softfail_all", NULL);
    else if (q == 0 && !redirect)
      dsn_job_add (job, "spf.no_all", NULL);
    if (tot.dynamic->len) {
      g_autofree char *list = dsn_strings_join (tot.dynamic, " ");
      dsn_job_add (job, "spf.macros", "terms", list, NULL);
    }
    if (dsn_job_area_clean (job, DSN_AREA_SPF)) {
      g_autofree char *c = g_strdup_printf ("%u", tot.lookups);
      dsn_job_add (job, "spf.ok", "record", root->spf->pdata[0], "lookups", c, NULL);
    }
  }
  g_ptr_array_unref (tot.dynamic);
}

gboolean
dsn_spf_sends_nothing (DsnJob *job)
{
  SpfAudit *sa = DSN_JOB_STATE (job, DSN_AREA_SPF, SpfAudit);
  Node *root = sa ? sa->root : NULL;
  if (!root || root->spf->len != 1 || !root->rec || root->rec->error)
    return FALSE;
  guint mechanisms = 0;
  gboolean fail_all = FALSE;
  for (guint i = 0; i < root->rec->terms->len; i++) {
    const DsnSpfTerm *t = root->rec->terms->pdata[i];
    if (t->kind == DSN_SPF_REDIRECT)
      return FALSE;
    if (t->kind < DSN_SPF_REDIRECT)
      mechanisms++;
    if (t->kind == DSN_SPF_ALL && t->qualifier == '-')
      fail_all = TRUE;
  }
  return mechanisms == 1 && fail_all;
}

DSN_CHECK (spf) = {
  .area = DSN_AREA_SPF,
  .state_size = sizeof (SpfAudit),
  .start = start,
  .finish = finish,
  .clear = clear,
};
