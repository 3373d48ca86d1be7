/* SPF check_host() (RFC 7208 §4-§6) over the DNS engine.
 *
 * Evaluation is a chain of callbacks: a Frame evaluates one record, term by
 * term; a term that needs the DNS issues its lookup and resumes the frame
 * from the callback; include and redirect start a child frame. The counters
 * of DNS-querying terms and void lookups are shared by the whole check
 * (§4.6.4) and counted as terms are reached, not up front: a match before
 * the eleventh lookup is a match.
 *
 * SPDX-License-Identifier: BSD-2-Clause */
#include "dns.h"

#include <arpa/inet.h>
#include <string.h>

#define SPF_MAX_LOOKUPS 10
#define SPF_MAX_VOID 2
#define SPF_MAX_MX 10
#define SPF_MAX_PTR 10

typedef struct {
  char *domain;
  char *term;
  DsnSpfCode code;
} SpfStep;

static void
step_free (SpfStep *s)
{
  if (!s)
    return;
  g_free (s->domain);
  g_free (s->term);
  g_free (s);
}

/* ------------------------------------------------------------ addresses */

gboolean
dsn_parse_ip (const char *ip, int *family, guint8 addr[16])
{
  if (!ip)
    return FALSE;
  memset (addr, 0, 16);
  if (inet_pton (AF_INET, ip, addr) == 1) {
    *family = AF_INET;
    return TRUE;
  }
  if (inet_pton (AF_INET6, ip, addr) == 1) {
    static const guint8 mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
    if (memcmp (addr, mapped, 12) == 0) {
      memmove (addr, addr + 12, 4);
      memset (addr + 4, 0, 12);
      *family = AF_INET;
    } else {
      *family = AF_INET6;
    }
    return TRUE;
  }
  return FALSE;
}

gboolean
dsn_ip_in_network (int family, const guint8 *addr, const guint8 *net, int prefix)
{
  int bits = family == AF_INET ? 32 : 128;
  if (prefix < 0 || prefix > bits)
    prefix = bits;
  int full = prefix / 8, rest = prefix % 8;
  if (memcmp (addr, net, (gsize)full) != 0)
    return FALSE;
  if (rest) {
    guint8 mask = (guint8)(0xff << (8 - rest));
    if ((addr[full] & mask) != (net[full] & mask))
      return FALSE;
  }
  return TRUE;
}

/* ------------------------------------------------------------ the check */

typedef struct _Check Check;
typedef struct _Frame Frame;
typedef void (*FrameDone) (Frame *child, gpointer data);
typedef void (*Resume) (Frame *f);

struct _Check {
  DsnDns *dns;
  GTask *task;
  GSource *cancel_source;
  gboolean cancelled;
  DsnSpfResult *result;
  int family;
  guint8 addr[16];
  char *sender, *local, *sender_domain, *helo;
  gint64 now;
  guint lookups, voids;
  /* %{p}: the validated names of the client (§5.5), looked up once */
  GPtrArray *validated; /* NULL until the lookups are done */
  GPtrArray *p_names;   /* collected while they run */
  gboolean p_started;
  GPtrArray *p_waiters; /* Frame* to resume */
  guint p_pending;
};

struct _Frame {
  Check *chk;
  char *domain;
  DsnSpfRecord *rec;
  guint index;
  gboolean in_include; /* exp= is not used inside include (§6.2) */
  FrameDone done;
  gpointer done_data;
  /* outcome */
  DsnSpfCode code;
  DsnFinding *problem; /* spf_problem.* */
  char *explanation;
  GPtrArray *path; /* SpfStep */
  /* the term in progress */
  const DsnSpfTerm *term;
  guint pending;
  gboolean matched, failed;
  char *target;
  GPtrArray *names; /* ptr: names to validate */
  GPtrArray *valid; /* ptr/p: validated names */
  Frame *child;
};

static void frame_eval (Frame *f);
static void frame_start (Frame *f);

static void
frame_free (Frame *f)
{
  if (!f)
    return;
  g_free (f->domain);
  dsn_spf_record_free (f->rec);
  dsn_finding_free (f->problem);
  g_free (f->explanation);
  if (f->path)
    g_ptr_array_unref (f->path);
  g_free (f->target);
  if (f->names)
    g_ptr_array_unref (f->names);
  if (f->valid)
    g_ptr_array_unref (f->valid);
  g_free (f);
}

static Frame *
frame_new (Check *chk, const char *domain, gboolean in_include, FrameDone done, gpointer data)
{
  Frame *f = g_new0 (Frame, 1);
  f->chk = chk;
  f->domain = g_strdup (domain);
  f->in_include = in_include;
  f->done = done;
  f->done_data = data;
  f->path = g_ptr_array_new_with_free_func ((GDestroyNotify)step_free);
  return f;
}

static void
add_step (Frame *f, const char *term, DsnSpfCode code)
{
  SpfStep *s = g_new0 (SpfStep, 1);
  s->domain = g_strdup (f->domain);
  s->term = g_strdup (term);
  s->code = code;
  g_ptr_array_add (f->path, s);
}

static void
take_path (Frame *f, Frame *child)
{
  for (guint i = 0; i < child->path->len; i++)
    g_ptr_array_add (f->path, g_steal_pointer (&child->path->pdata[i]));
  g_ptr_array_set_size (child->path, 0);
}

/* Ends F with CODE and, when it is the first one, PROBLEM (taken). */
static void
frame_finish (Frame *f, DsnSpfCode code, DsnFinding *problem)
{
  f->code = code;
  if (problem && !f->problem)
    f->problem = g_steal_pointer (&problem);
  dsn_finding_free (problem);
  f->done (f, f->done_data);
}

static void frame_fail (Frame *f, DsnSpfCode code, const char *problem, ...) G_GNUC_NULL_TERMINATED;

/* Ends F with CODE and the problem PROBLEM of catalogue/details.keys, its
 * NAME, VALUE arguments ending with a NULL name. */
static void
frame_fail (Frame *f, DsnSpfCode code, const char *problem, ...)
{
  va_list ap;
  va_start (ap, problem);
  DsnFinding *p = dsn_finding_new_valist (problem, ap);
  va_end (ap);
  frame_finish (f, code, p);
}

/* The same when the problem has a text argument NAME: TEXT, another
 * problem (may be NULL). */
static void
frame_fail_with (Frame *f, DsnSpfCode code, const char *problem, const char *domain,
                 const char *name, const DsnFinding *text)
{
  GPtrArray *args = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (args, g_strdup ("domain"));
  g_ptr_array_add (args, g_strdup (domain));
  if (text)
    dsn_args_add_text (args, name, text);
  frame_finish (f, code, dsn_finding_new (problem, args));
}

static DsnSpfCode
qualifier_code (char q)
{
  switch (q) {
  case '-': return DSN_SPF_FAIL;
  case '~': return DSN_SPF_SOFTFAIL;
  case '?': return DSN_SPF_NEUTRAL;
  default: return DSN_SPF_PASS;
  }
}

static void
macro_env (Frame *f, DsnSpfMacroEnv *env)
{
  Check *chk = f->chk;
  memset (env, 0, sizeof *env);
  env->sender = chk->sender;
  env->local = chk->local;
  env->sender_domain = chk->sender_domain;
  env->domain = f->domain;
  env->family = chk->family;
  memcpy (env->addr, chk->addr, 16);
  env->helo = chk->helo;
  env->receiver = "unknown";
  env->now = chk->now;
  env->validated = NULL;
  if (chk->validated) {
    /* Prefer the domain itself, then a subdomain of it, then any (§7.3). */
    const char *best = NULL;
    for (guint i = 0; i < chk->validated->len && !best; i++)
      if (!g_ascii_strcasecmp (chk->validated->pdata[i], f->domain))
        best = chk->validated->pdata[i];
    g_autofree char *suffix = g_strconcat (".", f->domain, NULL);
    for (guint i = 0; i < chk->validated->len && !best; i++) {
      const char *n = chk->validated->pdata[i];
      gsize ln = strlen (n), ls = strlen (suffix);
      if (ln > ls && !g_ascii_strcasecmp (n + ln - ls, suffix))
        best = n;
    }
    if (!best && chk->validated->len)
      best = chk->validated->pdata[0];
    env->validated = best ? best : "unknown";
  }
}

/* Expands a term's domain-spec (or the current domain) into a name to query. */
static char *
target_name (Frame *f, const char *spec)
{
  if (!spec)
    return g_strdup (f->domain);
  DsnSpfMacroEnv env;
  macro_env (f, &env);
  g_autofree char *expanded = dsn_spf_expand (spec, &env, FALSE);
  return expanded ? dsn_spf_domain_fit (expanded) : NULL;
}

static gboolean
count_lookup (Frame *f)
{
  if (++f->chk->lookups > SPF_MAX_LOOKUPS) {
    frame_fail (f, DSN_SPF_PERMERROR, "spf_problem.too_many_lookups", "limit",
                G_STRINGIFY (SPF_MAX_LOOKUPS), NULL);
    return FALSE;
  }
  return TRUE;
}

static gboolean
count_void (Frame *f, const DsnDnsAnswer *ans)
{
  if (ans->status == DSN_DNS_BADNAME || dsn_dns_void (ans)) {
    if (++f->chk->voids > SPF_MAX_VOID) {
      frame_fail (f, DSN_SPF_PERMERROR, "spf_problem.too_many_void", "limit",
                  G_STRINGIFY (SPF_MAX_VOID), NULL);
      return FALSE;
    }
  }
  return TRUE;
}

static guint16
addr_type (const Check *chk)
{
  return chk->family == AF_INET ? DSN_DNS_A : DSN_DNS_AAAA;
}

static gboolean
answer_matches (Frame *f, const DsnDnsAnswer *ans)
{
  Check *chk = f->chk;
  int prefix = chk->family == AF_INET ? f->term->cidr4 : f->term->cidr6;
  for (guint i = 0; i < ans->rrs->len; i++) {
    const DsnDnsRR *rr = ans->rrs->pdata[i];
    if (dsn_ip_in_network (chk->family, chk->addr, rr->addr, prefix))
      return TRUE;
  }
  return FALSE;
}

/* -------- explanation (§6.2) */

static void
exp_expand (Frame *f)
{
  DsnSpfMacroEnv env;
  macro_env (f, &env);
  f->explanation = dsn_spf_expand (f->target, &env, TRUE);
  frame_finish (f, DSN_SPF_FAIL, NULL);
}

static void p_lookup (Frame *f, Resume resume);

static void
on_exp_txt (const DsnDnsAnswer *ans, gpointer data)
{
  Frame *f = data;
  /* Exactly one TXT record, else no explanation (§6.2). */
  if (ans->status == DSN_DNS_OK && ans->rrs->len == 1) {
    const DsnDnsRR *rr = ans->rrs->pdata[0];
    if (strlen (rr->data) == rr->len) {
      g_free (f->target);
      f->target = g_strdup (rr->data);
      if (!f->chk->validated && (strstr (rr->data, "%{p") || strstr (rr->data, "%{P")))
        p_lookup (f, exp_expand);
      else
        exp_expand (f);
      return;
    }
  }
  frame_finish (f, DSN_SPF_FAIL, NULL);
}

static void
explain (Frame *f)
{
  g_autofree char *name = target_name (f, f->rec->exp->domain_spec);
  if (!name || !*name) {
    frame_finish (f, DSN_SPF_FAIL, NULL);
    return;
  }
  /* Not counted toward any limit: it runs once, after the result. */
  dsn_dns_lookup (f->chk->dns, name, DSN_DNS_TXT, on_exp_txt, f);
}

static void
explain_resume (Frame *f)
{
  explain (f);
}

static void
conclude (Frame *f, const DsnSpfTerm *t)
{
  DsnSpfCode code = qualifier_code (t->qualifier);
  add_step (f, t->text, code);
  if (code == DSN_SPF_FAIL && !f->in_include && f->rec->exp) {
    if (f->rec->exp->uses_p && !f->chk->validated)
      p_lookup (f, explain_resume);
    else
      explain (f);
    return;
  }
  frame_finish (f, code, NULL);
}

static void
next_term (Frame *f)
{
  f->index++;
  frame_eval (f);
}

/* -------- %{p} and ptr: validated names (§5.5) */

typedef struct {
  Frame *f;
  Check *chk;
  char *name;
  gboolean for_p;
} Validate;

static void ptr_done (Frame *f);

static void
p_done (Check *chk)
{
  chk->validated = g_steal_pointer (&chk->p_names);
  GPtrArray *waiters = chk->p_waiters;
  chk->p_waiters = g_ptr_array_new ();
  for (guint i = 0; i < waiters->len; i += 2) {
    Frame *f = waiters->pdata[i];
    Resume resume = (Resume)waiters->pdata[i + 1];
    resume (f);
  }
  g_ptr_array_unref (waiters);
}

static void
on_validate_addr (const DsnDnsAnswer *ans, gpointer data)
{
  Validate *v = data;
  Check *chk = v->chk;
  gboolean ok = FALSE;
  for (guint i = 0; ans->status == DSN_DNS_OK && i < ans->rrs->len; i++) {
    const DsnDnsRR *rr = ans->rrs->pdata[i];
    if (dsn_ip_in_network (chk->family, chk->addr, rr->addr, -1))
      ok = TRUE;
  }
  if (v->for_p) {
    if (ok)
      g_ptr_array_add (chk->p_names, g_strdup (v->name));
    if (--chk->p_pending == 0)
      p_done (chk);
  } else {
    Frame *f = v->f;
    if (ok)
      g_ptr_array_add (f->valid, g_strdup (v->name));
    if (--f->pending == 0)
      ptr_done (f);
  }
  g_free (v->name);
  g_free (v);
}

/* Starts validating the names of a PTR answer; returns how many lookups. */
static guint
validate_names (Check *chk, Frame *f, const DsnDnsAnswer *ans, gboolean for_p)
{
  guint n = 0;
  /* Only the first 10 names are looked at (§4.6.4). Lookups are issued in
   * answer order and their results kept in that order by the cache. */
  for (guint i = 0; ans->status == DSN_DNS_OK && i < ans->rrs->len && n < SPF_MAX_PTR; i++, n++) {
    const DsnDnsRR *rr = ans->rrs->pdata[i];
    Validate *v = g_new0 (Validate, 1);
    v->f = f;
    v->chk = chk;
    v->name = g_strdup (rr->data);
    v->for_p = for_p;
    if (for_p)
      chk->p_pending++;
    else
      f->pending++;
    dsn_dns_lookup (chk->dns, rr->data, addr_type (chk), on_validate_addr, v);
  }
  return n;
}

static void
on_p_ptr (const DsnDnsAnswer *ans, gpointer data)
{
  Check *chk = data;
  if (!validate_names (chk, NULL, ans, TRUE))
    p_done (chk);
}

static void
p_lookup (Frame *f, Resume resume)
{
  Check *chk = f->chk;
  g_ptr_array_add (chk->p_waiters, f);
  g_ptr_array_add (chk->p_waiters, (gpointer)resume);
  if (chk->p_started)
    return;
  chk->p_started = TRUE;
  chk->p_names = g_ptr_array_new_with_free_func (g_free);
  char buf[INET6_ADDRSTRLEN];
  inet_ntop (chk->family, chk->addr, buf, sizeof buf);
  g_autofree char *rev = dsn_dns_reverse_name (buf);
  dsn_dns_lookup (chk->dns, rev, DSN_DNS_PTR, on_p_ptr, chk);
}

static void
ptr_done (Frame *f)
{
  /* Match if a validated name is the target or ends with ".target" (§5.5). */
  gsize lt = strlen (f->target);
  for (guint i = 0; i < f->valid->len; i++) {
    g_autofree char *n = g_strdup (f->valid->pdata[i]);
    gsize ln = strlen (n);
    if (ln && n[ln - 1] == '.')
      n[--ln] = '\0';
    if ((ln == lt && !g_ascii_strcasecmp (n, f->target))
        || (ln > lt && n[ln - lt - 1] == '.' && !g_ascii_strcasecmp (n + ln - lt, f->target))) {
      conclude (f, f->term);
      return;
    }
  }
  next_term (f);
}

static void
on_ptr (const DsnDnsAnswer *ans, gpointer data)
{
  Frame *f = data;
  /* A DNS error makes ptr not match (§5.5). */
  if (dsn_dns_failed (ans)) {
    next_term (f);
    return;
  }
  if (!count_void (f, ans))
    return;
  f->valid = g_ptr_array_new_with_free_func (g_free);
  f->pending = 0;
  if (!validate_names (f->chk, f, ans, FALSE))
    ptr_done (f);
}

/* -------- a, mx, exists */

static void
on_a (const DsnDnsAnswer *ans, gpointer data)
{
  Frame *f = data;
  if (ans->status != DSN_DNS_BADNAME && dsn_dns_failed (ans)) {
    frame_fail (f, DSN_SPF_TEMPERROR, "spf_problem.dns", "status",
                dsn_dns_status_to_string (ans->status), "name", ans->name, "type",
                dsn_dns_type_to_string (ans->type), NULL);
    return;
  }
  if (!count_void (f, ans))
    return;
  if (answer_matches (f, ans))
    conclude (f, f->term);
  else
    next_term (f);
}

static void
on_exists (const DsnDnsAnswer *ans, gpointer data)
{
  Frame *f = data;
  if (ans->status != DSN_DNS_BADNAME && dsn_dns_failed (ans)) {
    frame_fail (f, DSN_SPF_TEMPERROR, "spf_problem.dns", "status",
                dsn_dns_status_to_string (ans->status), "name", ans->name, "type", "A", NULL);
    return;
  }
  if (!count_void (f, ans))
    return;
  if (ans->status == DSN_DNS_OK && ans->rrs->len)
    conclude (f, f->term);
  else
    next_term (f);
}

static void
mx_host_done (Frame *f)
{
  if (f->matched)
    conclude (f, f->term);
  else if (f->failed)
    frame_fail (f, DSN_SPF_TEMPERROR, "spf_problem.mx_address", "domain", f->target, NULL);
  else
    next_term (f);
}

static void
on_mx_host (const DsnDnsAnswer *ans, gpointer data)
{
  Frame *f = data;
  if (ans->status != DSN_DNS_BADNAME && dsn_dns_failed (ans))
    f->failed = TRUE;
  else if (answer_matches (f, ans))
    f->matched = TRUE;
  if (--f->pending == 0)
    mx_host_done (f);
}

static void
on_mx (const DsnDnsAnswer *ans, gpointer data)
{
  Frame *f = data;
  if (ans->status != DSN_DNS_BADNAME && dsn_dns_failed (ans)) {
    frame_fail (f, DSN_SPF_TEMPERROR, "spf_problem.dns", "status",
                dsn_dns_status_to_string (ans->status), "name", ans->name, "type", "MX", NULL);
    return;
  }
  if (!count_void (f, ans))
    return;
  if (ans->rrs->len > SPF_MAX_MX) {
    g_autofree char *count = g_strdup_printf ("%u", ans->rrs->len);
    frame_fail (f, DSN_SPF_PERMERROR, "spf_problem.too_many_mx", "domain", ans->name, "count",
                count, "limit", G_STRINGIFY (SPF_MAX_MX), NULL);
    return;
  }
  f->matched = f->failed = FALSE;
  f->pending = 1; /* held until every lookup is issued */
  for (guint i = 0; ans->status == DSN_DNS_OK && i < ans->rrs->len; i++) {
    const DsnDnsRR *rr = ans->rrs->pdata[i];
    if (!*rr->data)
      continue; /* null MX (RFC 7505) */
    f->pending++;
    dsn_dns_lookup (f->chk->dns, rr->data, addr_type (f->chk), on_mx_host, f);
  }
  if (--f->pending == 0)
    mx_host_done (f);
}

/* -------- include and redirect */

static void
on_include_done (Frame *child, gpointer data)
{
  Frame *f = data;
  f->child = NULL;
  DsnSpfCode code = child->code;
  g_autoptr (DsnFinding) problem = g_steal_pointer (&child->problem);
  const DsnSpfTerm *t = f->term;
  switch (code) {
  case DSN_SPF_PASS:
    add_step (f, t->text, qualifier_code (t->qualifier));
    take_path (f, child);
    frame_free (child);
    /* conclude() without a second step */
    if (qualifier_code (t->qualifier) == DSN_SPF_FAIL && !f->in_include && f->rec->exp) {
      if (f->rec->exp->uses_p && !f->chk->validated)
        p_lookup (f, explain_resume);
      else
        explain (f);
    } else {
      frame_finish (f, qualifier_code (t->qualifier), NULL);
    }
    return;
  case DSN_SPF_FAIL:
  case DSN_SPF_SOFTFAIL:
  case DSN_SPF_NEUTRAL:
    frame_free (child);
    next_term (f);
    return;
  case DSN_SPF_TEMPERROR:
    add_step (f, t->text, code);
    take_path (f, child);
    frame_free (child);
    frame_finish (f, DSN_SPF_TEMPERROR, g_steal_pointer (&problem));
    return;
  case DSN_SPF_NONE:
  case DSN_SPF_PERMERROR:
    add_step (f, t->text, DSN_SPF_PERMERROR);
    take_path (f, child);
    frame_free (child);
    if (code == DSN_SPF_NONE)
      frame_fail_with (f, DSN_SPF_PERMERROR, "spf_problem.include_none", f->target, "problem",
                       problem);
    else
      frame_finish (f, DSN_SPF_PERMERROR, g_steal_pointer (&problem));
    return;
  }
}

static void
on_redirect_done (Frame *child, gpointer data)
{
  Frame *f = data;
  f->child = NULL;
  add_step (f, f->rec->redirect->text,
            child->code == DSN_SPF_NONE ? DSN_SPF_PERMERROR : child->code);
  take_path (f, child);
  DsnSpfCode code = child->code;
  /* The redirected record's explanation, not ours (§6.2). */
  f->explanation = g_steal_pointer (&child->explanation);
  DsnFinding *problem = g_steal_pointer (&child->problem);
  frame_free (child);
  if (code == DSN_SPF_NONE) {
    dsn_finding_free (problem);
    frame_fail (f, DSN_SPF_PERMERROR, "spf_problem.redirect_none", "domain", f->target, NULL);
  } else {
    frame_finish (f, code, problem);
  }
}

static void
redirect (Frame *f)
{
  if (!count_lookup (f))
    return;
  g_free (f->target);
  f->target = target_name (f, f->rec->redirect->domain_spec);
  if (!f->target || !dsn_spf_domain_ok (f->target)) {
    frame_fail (f, DSN_SPF_PERMERROR, "spf_problem.redirect_invalid", "domain",
                f->target ? f->target : f->rec->redirect->domain_spec, NULL);
    return;
  }
  f->child = frame_new (f->chk, f->target, f->in_include, on_redirect_done, f);
  frame_start (f->child);
}

static void
redirect_resume (Frame *f)
{
  redirect (f);
}

static void
eval_resume (Frame *f)
{
  frame_eval (f);
}

/* Evaluates terms from f->index until one needs the DNS or decides. */
static void
frame_eval (Frame *f)
{
  Check *chk = f->chk;
  GPtrArray *terms = f->rec->terms;
  for (; f->index < terms->len; f->index++) {
    const DsnSpfTerm *t = terms->pdata[f->index];
    f->term = t;
    if (t->kind >= DSN_SPF_REDIRECT)
      continue;
    if (t->uses_p && !chk->validated) {
      p_lookup (f, eval_resume);
      return;
    }
    if (dsn_spf_term_counts (t) && !count_lookup (f))
      return;
    switch (t->kind) {
    case DSN_SPF_ALL: conclude (f, t); return;
    case DSN_SPF_IP4:
    case DSN_SPF_IP6:
      if ((t->kind == DSN_SPF_IP4) == (chk->family == AF_INET)
          && dsn_ip_in_network (chk->family, chk->addr, t->network,
                                t->kind == DSN_SPF_IP4 ? t->cidr4 : t->cidr6)) {
        conclude (f, t);
        return;
      }
      continue;
    default: break;
    }
    g_free (f->target);
    f->target = target_name (f, t->domain_spec);
    if (!f->target) {
      frame_fail (f, DSN_SPF_PERMERROR, "spf_problem.macros", "term", t->text, NULL);
      return;
    }
    switch (t->kind) {
    case DSN_SPF_A: dsn_dns_lookup (chk->dns, f->target, addr_type (chk), on_a, f); return;
    case DSN_SPF_MX: dsn_dns_lookup (chk->dns, f->target, DSN_DNS_MX, on_mx, f); return;
    case DSN_SPF_EXISTS:
      /* Always an A lookup, whatever the client's address family (§5.7). */
      dsn_dns_lookup (chk->dns, f->target, DSN_DNS_A, on_exists, f);
      return;
    case DSN_SPF_PTR: {
      char buf[INET6_ADDRSTRLEN];
      inet_ntop (chk->family, chk->addr, buf, sizeof buf);
      g_autofree char *rev = dsn_dns_reverse_name (buf);
      dsn_dns_lookup (chk->dns, rev, DSN_DNS_PTR, on_ptr, f);
      return;
    }
    case DSN_SPF_INCLUDE:
      f->child = frame_new (chk, f->target, TRUE, on_include_done, f);
      frame_start (f->child);
      return;
    default: break;
    }
  }
  if (f->rec->redirect) {
    if (f->rec->redirect->uses_p && !chk->validated)
      p_lookup (f, redirect_resume);
    else
      redirect (f);
    return;
  }
  /* No match and no redirect: neutral (§4.7). */
  add_step (f, "(default)", DSN_SPF_NEUTRAL);
  frame_finish (f, DSN_SPF_NEUTRAL, NULL);
}

static void
on_txt (const DsnDnsAnswer *ans, gpointer data)
{
  Frame *f = data;
  if (ans->status == DSN_DNS_CANCELLED) {
    frame_fail (f, DSN_SPF_TEMPERROR, "spf_problem.cancelled", NULL);
    return;
  }
  if (ans->status == DSN_DNS_BADNAME) {
    frame_fail (f, DSN_SPF_NONE, "spf_problem.bad_name", "domain", f->domain, NULL);
    return;
  }
  if (dsn_dns_failed (ans)) {
    frame_fail (f, DSN_SPF_TEMPERROR, "spf_problem.dns", "status",
                dsn_dns_status_to_string (ans->status), "name", f->domain, "type", "TXT", NULL);
    return;
  }
  const DsnDnsRR *found = NULL;
  guint n = 0;
  for (guint i = 0; i < ans->rrs->len; i++) {
    const DsnDnsRR *rr = ans->rrs->pdata[i];
    if (dsn_spf_is_record (rr->data, rr->len)) {
      found = rr;
      n++;
    }
  }
  if (n == 0) {
    frame_fail (f, DSN_SPF_NONE, "spf_problem.no_record", "domain", f->domain, NULL);
    return;
  }
  if (n > 1) {
    g_autofree char *count = g_strdup_printf ("%u", n);
    frame_fail (f, DSN_SPF_PERMERROR, "spf_problem.several_records", "domain", f->domain, "count",
                count, NULL);
    return;
  }
  f->rec = dsn_spf_record_parse (found->data, found->len);
  if (f->chk->result && !f->chk->result->record)
    f->chk->result->record = g_strndup (found->data, found->len);
  if (f->rec->error) {
    frame_fail_with (f, DSN_SPF_PERMERROR, "spf_problem.syntax", f->domain, "error", f->rec->error);
    return;
  }
  f->index = 0;
  frame_eval (f);
}

static void
frame_start (Frame *f)
{
  if (!dsn_spf_domain_ok (f->domain)) {
    frame_fail (f, DSN_SPF_NONE, "spf_problem.invalid_domain", "domain", f->domain, NULL);
    return;
  }
  dsn_dns_lookup (f->chk->dns, f->domain, DSN_DNS_TXT, on_txt, f);
}

/* ------------------------------------------------------------ result */

static void
check_free (Check *chk)
{
  if (!chk)
    return;
  if (chk->cancel_source) {
    g_source_destroy (chk->cancel_source);
    g_source_unref (chk->cancel_source);
  }
  dsn_dns_free (chk->dns);
  dsn_spf_result_free (chk->result);
  g_free (chk->sender);
  g_free (chk->local);
  g_free (chk->sender_domain);
  g_free (chk->helo);
  if (chk->validated)
    g_ptr_array_unref (chk->validated);
  if (chk->p_names)
    g_ptr_array_unref (chk->p_names);
  g_ptr_array_unref (chk->p_waiters);
  g_free (chk);
}

void
dsn_spf_result_free (DsnSpfResult *r)
{
  if (!r)
    return;
  g_free (r->ip);
  g_free (r->sender);
  g_free (r->helo);
  g_free (r->domain);
  g_free (r->record);
  g_free (r->explanation);
  dsn_finding_free (r->problem);
  if (r->path)
    g_ptr_array_unref (r->path);
  g_free (r);
}

static void
on_top_done (Frame *f, gpointer data)
{
  Check *chk = data;
  DsnSpfResult *r = chk->result;
  chk->result = NULL;
  r->code = f->code;
  r->explanation = g_steal_pointer (&f->explanation);
  r->problem = g_steal_pointer (&f->problem);
  r->lookups = MIN (chk->lookups, SPF_MAX_LOOKUPS + 1);
  r->void_lookups = chk->voids;
  r->path = g_steal_pointer (&f->path);
  frame_free (f);
  GError *error = NULL;
  if (chk->cancelled) {
    error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "cancelled");
    dsn_spf_result_free (r);
    r = NULL;
  }
  GTask *task = chk->task;
  chk->task = NULL;
  dsn_task_return_later (task, r, (GDestroyNotify)dsn_spf_result_free, error,
                         (GDestroyNotify)check_free, chk);
}

static gboolean
on_cancelled (GCancellable *cancellable, gpointer data)
{
  Check *chk = data;
  chk->cancelled = TRUE;
  dsn_dns_cancel (chk->dns);
  return G_SOURCE_REMOVE;
}

void
dsn_resolver_check_spf_async (DsnResolver *res, const char *ip, const char *domain,
                              const char *sender, const char *helo, GCancellable *cancellable,
                              GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (res);
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, dsn_resolver_check_spf_async);
  Check *chk = g_new0 (Check, 1);
  chk->p_waiters = g_ptr_array_new ();
  chk->now = g_get_real_time () / G_USEC_PER_SEC;
  if (!dsn_parse_ip (ip, &chk->family, chk->addr)) {
    g_task_return_new_error (task, DSN_ERROR, DSN_ERROR_USAGE, "\"%s\" is not an IP address",
                             ip ? ip : "");
    g_object_unref (task);
    check_free (chk);
    return;
  }
  if ((!sender || !*sender) && (!helo || !*helo) && (!domain || !*domain)) {
    g_task_return_new_error (task, DSN_ERROR, DSN_ERROR_USAGE,
                             "a domain, a sender or a HELO name is needed");
    g_object_unref (task);
    check_free (chk);
    return;
  }
  GError *error = NULL;
  chk->dns = dsn_dns_new (res, NULL, &error);
  if (!chk->dns) {
    g_task_return_error (task, error);
    g_object_unref (task);
    check_free (chk);
    return;
  }
  chk->task = task;
  /* §4.3: an empty sender is replaced by postmaster@HELO; a sender without a
   * local-part gets "postmaster". */
  chk->helo = g_strdup (helo ? helo : "");
  const char *s = sender && *sender ? sender : NULL;
  const char *at = s ? strrchr (s, '@') : NULL;
  if (!s) {
    chk->local = g_strdup ("postmaster");
    chk->sender_domain = g_strdup (*chk->helo ? chk->helo : domain);
  } else if (!at) {
    chk->local = g_strdup ("postmaster");
    chk->sender_domain = g_strdup (s);
  } else {
    chk->local = at == s ? g_strdup ("postmaster") : g_strndup (s, (gsize)(at - s));
    chk->sender_domain = g_strdup (at + 1);
  }
  chk->sender = g_strconcat (chk->local, "@", chk->sender_domain, NULL);

  DsnSpfResult *r = g_new0 (DsnSpfResult, 1);
  char buf[INET6_ADDRSTRLEN];
  inet_ntop (chk->family, chk->addr, buf, sizeof buf);
  r->ip = g_strdup (buf);
  r->sender = g_strdup (chk->sender);
  r->helo = g_strdup (chk->helo);
  r->domain = g_strdup (domain && *domain ? domain : chk->sender_domain);
  chk->result = r;

  if (cancellable) {
    chk->cancel_source = g_cancellable_source_new (cancellable);
    g_source_set_callback (chk->cancel_source, (GSourceFunc)(void (*) (void))on_cancelled, chk,
                           NULL);
    g_source_attach (chk->cancel_source, g_task_get_context (task));
  }
  Frame *f = frame_new (chk, r->domain, FALSE, on_top_done, chk);
  frame_start (f);
}

DsnSpfResult *
dsn_resolver_check_spf_finish (DsnResolver *res, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

typedef struct {
  DsnResolver *res;
  const char *ip, *domain, *sender, *helo;
  GCancellable *cancellable;
} SpfArgs;

static void
start_spf (gpointer data, GAsyncReadyCallback callback, gpointer callback_data)
{
  SpfArgs *a = data;
  dsn_resolver_check_spf_async (a->res, a->ip, a->domain, a->sender, a->helo, a->cancellable,
                                callback, callback_data);
}

DsnSpfResult *
dsn_resolver_check_spf (DsnResolver *res, const char *ip, const char *domain, const char *sender,
                        const char *helo, GCancellable *cancellable, GError **error)
{
  SpfArgs a = { res, ip, domain, sender, helo, cancellable };
  g_autoptr (GAsyncResult) result = dsn_run_sync (start_spf, &a);
  return dsn_resolver_check_spf_finish (res, result, error);
}

DsnSpfCode
dsn_spf_result_get_code (const DsnSpfResult *r)
{
  return r->code;
}

const char *
dsn_spf_result_get_domain (const DsnSpfResult *r)
{
  return r->domain;
}

const char *
dsn_spf_result_get_explanation (const DsnSpfResult *r)
{
  return r->explanation;
}

const char *
dsn_spf_result_get_problem (const DsnSpfResult *r, const char *lang)
{
  return r->problem ? dsn_finding_get_message (r->problem, lang) : NULL;
}

const char *
dsn_spf_code_to_string (DsnSpfCode code)
{
  switch (code) {
  case DSN_SPF_NONE: return "none";
  case DSN_SPF_NEUTRAL: return "neutral";
  case DSN_SPF_PASS: return "pass";
  case DSN_SPF_FAIL: return "fail";
  case DSN_SPF_SOFTFAIL: return "softfail";
  case DSN_SPF_TEMPERROR: return "temperror";
  case DSN_SPF_PERMERROR: return "permerror";
  }
  return "none";
}

static void
member_str (JsonBuilder *b, const char *name, const char *value)
{
  json_builder_set_member_name (b, name);
  if (value)
    json_builder_add_string_value (b, value);
  else
    json_builder_add_null_value (b);
}

JsonNode *
dsn_spf_result_to_json (const DsnSpfResult *r, const char *lang)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  member_str (b, "ip", r->ip);
  member_str (b, "sender", r->sender);
  member_str (b, "helo", r->helo);
  member_str (b, "domain", r->domain);
  member_str (b, "result", dsn_spf_code_to_string (r->code));
  member_str (b, "explanation", r->explanation);
  member_str (b, "problem", dsn_spf_result_get_problem (r, lang));
  member_str (b, "record", r->record);
  json_builder_set_member_name (b, "lookups");
  json_builder_add_int_value (b, r->lookups);
  json_builder_set_member_name (b, "void_lookups");
  json_builder_add_int_value (b, r->void_lookups);
  json_builder_set_member_name (b, "path");
  json_builder_begin_array (b);
  for (guint i = 0; r->path && i < r->path->len; i++) {
    const SpfStep *s = r->path->pdata[i];
    json_builder_begin_object (b);
    member_str (b, "domain", s->domain);
    member_str (b, "term", s->term);
    member_str (b, "result", dsn_spf_code_to_string (s->code));
    json_builder_end_object (b);
  }
  json_builder_end_array (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}
