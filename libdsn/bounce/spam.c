/* Receivers' verdicts on a delivered message: why it was filed as spam.
 *
 * Each filter writes its verdict its own way: Microsoft's
 * X-Forefront-Antispam-Report (SFV, CAT, SCL, SFTY, IPV, SRV) and
 * X-Microsoft-Antispam (BCL, PCL), documented in "Anti-spam message headers
 * in Microsoft 365"; compauth and DMARC's policy in Authentication-Results
 * (RFC 8601, RFC 7489 §6.3); SpamAssassin's X-Spam-Status and
 * X-Spam-Report; Rspamd's X-Spamd-Result and X-Rspamd-Action; Gmail's
 * X-Gmail-Labels (a Takeout export); Yahoo's X-YahooFilteredBulk. Each mark
 * becomes a signal (catalogue/spam.keys, filter.*), and when the message was
 * filed as spam or quarantined, one finding says why (spam.*): it leads the
 * analysis.
 *
 * SPDX-License-Identifier: BSD-2-Clause */
#include "headers.h"

#include <stdlib.h>
#include <string.h>

/* Tests or symbols named in a verdict: enough to say what weighed. */
#define MAX_TESTS 6

typedef struct {
  DsnHeaders *h;
  /* Microsoft */
  gboolean microsoft;
  char *sfv, *cat, *sfty, *ipv, *srv, *cip;
  int scl, bcl, pcl; /* -2: not given */
  /* SpamAssassin and Rspamd: a score against a threshold */
  gboolean sa, sa_spam;
  char *sa_score, *sa_required, *sa_tests;
  gboolean rspamd, rspamd_spam;
  char *rs_score, *rs_required, *rs_action, *rs_symbols;
  const char *flag; /* a header saying "spam" with nothing more */
  gboolean gmail_spam;
  gboolean yahoo_bulk;
  char *yahoo_ip;
  /* Verdicts not decoded: "Field: value", shown as written when nothing
   * decoded says the same. */
  GPtrArray *sa_plain, *rspamd_plain, *other_plain;
} Marks;

static void
marks_clear (Marks *m)
{
  char **strings[] = { &m->sfv,         &m->cat,       &m->sfty,        &m->ipv,      &m->srv,
                       &m->cip,         &m->sa_score,  &m->sa_required, &m->sa_tests, &m->rs_score,
                       &m->rs_required, &m->rs_action, &m->rs_symbols,  &m->yahoo_ip };
  for (gsize i = 0; i < G_N_ELEMENTS (strings); i++)
    g_clear_pointer (strings[i], g_free);
  g_ptr_array_unref (m->sa_plain);
  g_ptr_array_unref (m->rspamd_plain);
  g_ptr_array_unref (m->other_plain);
}

/* Adds the signal CODE with NAME, VALUE arguments ending with a NULL name. */
static void signal_add (DsnHeaders *h, const char *code, ...) G_GNUC_NULL_TERMINATED;

static void
signal_add (DsnHeaders *h, const char *code, ...)
{
  va_list ap;
  va_start (ap, code);
  DsnFinding *f = dsn_finding_new_valist (code, ap);
  va_end (ap);
  if (f)
    g_ptr_array_add (h->signals, f);
}

/* The same, for the finding that says why: it leads the findings. */
static void why (DsnHeaders *h, const char *code, ...) G_GNUC_NULL_TERMINATED;

static void
why (DsnHeaders *h, const char *code, ...)
{
  va_list ap;
  va_start (ap, code);
  DsnFinding *f = dsn_finding_new_valist (code, ap);
  va_end (ap);
  if (!f)
    return;
  g_ptr_array_insert (h->findings, 0, f);
  h->why = f;
}

static gboolean
is (const char *value, const char *word)
{
  return value && !g_ascii_strcasecmp (value, word);
}

/* ------------------------------------------------------------ Microsoft */

/* "SFV:SPM;CAT:SPOOF;SCL:5;..." */
static void
read_microsoft_report (Marks *m, const char *value)
{
  g_auto (GStrv) fields = g_strsplit (value, ";", -1);
  for (char **f = fields; *f; f++) {
    char *colon = strchr (*f, ':');
    if (!colon)
      continue;
    *colon = '\0';
    const char *key = g_strstrip (*f);
    char *v = g_strstrip (colon + 1);
    char **slot = is (key, "SFV")    ? &m->sfv
                  : is (key, "CAT")  ? &m->cat
                  : is (key, "SFTY") ? &m->sfty
                  : is (key, "IPV")  ? &m->ipv
                  : is (key, "SRV")  ? &m->srv
                  : is (key, "CIP")  ? &m->cip
                                     : NULL;
    if (slot && *v && !*slot)
      *slot = g_strdup (v);
    int *level = is (key, "SCL")   ? &m->scl
                 : is (key, "BCL") ? &m->bcl
                 : is (key, "PCL") ? &m->pcl
                                   : NULL;
    if (level && *level == -2 && (g_ascii_isdigit (*v) || (*v == '-' && g_ascii_isdigit (v[1]))))
      *level = atoi (v);
  }
}

static void
signals_microsoft (Marks *m)
{
  DsnHeaders *h = m->h;
  static const struct {
    const char *sfv, *code;
  } sfvs[] = {
    { "SPM", "filter.ms_sfv_spm" },   { "SKS", "filter.ms_sfv_sks" },
    { "SKB", "filter.ms_sfv_skb" },   { "BLK", "filter.ms_sfv_blk" },
    { "NSPM", "filter.ms_sfv_nspm" }, { "SFE", "filter.ms_sfv_sfe" },
    { "SKA", "filter.ms_sfv_ska" },   { "SKN", "filter.ms_sfv_skn" },
    { "SKI", "filter.ms_sfv_ski" },   { "SKQ", "filter.ms_sfv_skq" },
  };
  for (gsize i = 0; m->sfv && i < G_N_ELEMENTS (sfvs); i++)
    if (is (m->sfv, sfvs[i].sfv))
      signal_add (h, sfvs[i].code, NULL);
  if (m->cat && !is (m->cat, "NONE")) {
    const char *c = m->cat;
    gboolean high = is (c, "HSPM") || is (c, "HPHSH") || is (c, "HPHISH");
    const char *code = is (c, "SPM") || is (c, "HSPM")             ? "filter.ms_cat_spm"
                       : is (c, "BULK")                            ? "filter.ms_cat_bulk"
                       : is (c, "PHSH") || high || is (c, "INTOS") ? "filter.ms_cat_phish"
                       : is (c, "SPOOF")                           ? "filter.ms_cat_spoof"
                       : is (c, "UIMP") || is (c, "DIMP") || is (c, "GIMP") || is (c, "BIMP")
                           ? "filter.ms_cat_impersonation"
                       : is (c, "MALW") || is (c, "AMP") ? "filter.ms_cat_malware"
                                                         : "filter.ms_cat_other";
    signal_add (h, code, "category", c, "high", high ? "yes" : NULL, NULL);
  }
  char n[16];
  if (m->scl != -2) {
    /* -1 skipped, 0-4 not spam, 5-6 spam, 7-9 high confidence spam. */
    g_snprintf (n, sizeof n, "%d", m->scl);
    signal_add (h,
                m->scl < 0   ? "filter.ms_scl_skipped"
                : m->scl < 5 ? "filter.ms_scl_clean"
                : m->scl < 7 ? "filter.ms_scl_spam"
                             : "filter.ms_scl_high",
                "scl", n, NULL);
  }
  if (m->bcl > 0) {
    /* 1-3 few complaints, 4-7 a mixed number, 8-9 many. */
    g_snprintf (n, sizeof n, "%d", m->bcl);
    signal_add (h,
                m->bcl < 4   ? "filter.ms_bcl_low"
                : m->bcl < 8 ? "filter.ms_bcl_mixed"
                             : "filter.ms_bcl_high",
                "bcl", n, NULL);
  }
  if (m->pcl >= 4) {
    g_snprintf (n, sizeof n, "%d", m->pcl);
    signal_add (h, "filter.ms_pcl_high", "pcl", n, NULL);
  }
  if (m->sfty)
    signal_add (h,
                !strcmp (m->sfty, "9.19")   ? "filter.ms_sfty_domain"
                : !strcmp (m->sfty, "9.20") ? "filter.ms_sfty_user"
                                            : "filter.ms_sfty_other",
                "value", m->sfty, NULL);
  if (is (m->ipv, "CAL"))
    signal_add (h, "filter.ms_ipv_cal", "ip", m->cip, NULL);
  else if (is (m->ipv, "NLI"))
    signal_add (h, "filter.ms_ipv_nli", "ip", m->cip, NULL);
  if (is (m->srv, "BULK"))
    signal_add (h, "filter.ms_srv_bulk", NULL);
}

/* compauth=RESULT reason=NNN in Authentication-Results: Microsoft's
 * composite authentication. */
static const DsnAuthResult *
signal_compauth (DsnHeaders *h)
{
  const DsnAuthResult *ca = NULL;
  for (guint i = 0; i < h->auth->len && !ca; i++)
    if (!strcmp (((DsnAuthResult *)h->auth->pdata[i])->method, "compauth"))
      ca = h->auth->pdata[i];
  if (!ca)
    return NULL;
  const char *r = ca->reason ? ca->reason : "";
  const char *code;
  if (!strcmp (ca->result, "fail"))
    code = !strcmp (r, "000")                  ? "filter.ms_compauth_explicit"
           : !strcmp (r, "001")                ? "filter.ms_compauth_implicit"
           : !strcmp (r, "002")                ? "filter.ms_compauth_blocked"
           : !strcmp (r, "010") || r[0] == '6' ? "filter.ms_compauth_self"
                                               : "filter.ms_compauth_fail";
  else if (!strcmp (ca->result, "pass") || !strcmp (ca->result, "softpass"))
    code = "filter.ms_compauth_pass";
  else
    code = "filter.ms_compauth_none";
  signal_add (h, code, "result", ca->result, "reason", ca->reason, NULL);
  return ca;
}

/* ------------------------------------------------------------ DMARC */

/* What the receiver did with a failing message, from its disposition:
 * "quarantine", "reject" or NULL when it did not apply the policy. */
static const char *
dmarc_applied (const DsnAuthResult *a)
{
  if (!a || strcmp (a->result, "fail") != 0 || !a->disposition)
    return NULL;
  const char *eq = strchr (a->disposition, '=');
  const char *v = eq ? eq + 1 : a->disposition;
  /* Microsoft's "oreject": a reject policy applied as a quarantine. */
  if (is (v, "quarantine") || is (v, "oreject"))
    return "quarantine";
  return is (v, "reject") ? "reject" : NULL;
}

static const DsnAuthResult *
signal_dmarc (DsnHeaders *h)
{
  const DsnAuthResult *d = NULL;
  for (guint i = 0; i < h->auth->len && !d; i++)
    if (!strcmp (((DsnAuthResult *)h->auth->pdata[i])->method, "dmarc"))
      d = h->auth->pdata[i];
  if (!d || (!d->policy && !d->disposition))
    return d;
  const char *domain = d->domain ? d->domain : h->from_domain;
  signal_add (h, dmarc_applied (d) ? "filter.dmarc_applied" : "filter.dmarc_policy", "result",
              d->result, "domain", domain, "policy", d->policy, "by", d->authserv, "disposition",
              d->disposition, NULL);
  return d;
}

/* ------------------------------------------------------------ scores */

/* "A,B, C" (folded) -> "A, B, C", at most MAX_TESTS names. */
static char *
list_names (const char *text)
{
  g_auto (GStrv) names = g_strsplit_set (text, ", \t", -1);
  GString *out = g_string_new (NULL);
  guint n = 0;
  for (char **p = names; *p; p++) {
    if (!**p)
      continue;
    if (n++ == MAX_TESTS) {
      g_string_append (out, ", …");
      break;
    }
    g_string_append_printf (out, "%s%s", out->len ? ", " : "", *p);
  }
  return g_string_free (out, out->len == 0);
}

/* "word=value" among the words of TEXT. */
static char *
word_value (const char *text, const char *key)
{
  gsize n = strlen (key);
  for (const char *p = dsn_strcasestr (text, key); p; p = dsn_strcasestr (p + 1, key))
    if (p == text || g_ascii_isspace (p[-1]) || p[-1] == ',') {
      const char *v = p + n;
      gsize len = strcspn (v, " \t;,");
      return len ? g_strndup (v, len) : NULL;
    }
  return NULL;
}

/* X-Spam-Status: Yes, score=7.9 required=5.0 tests=A,B,C autolearn=no ... */
static void
read_spamassassin (Marks *m, const char *value)
{
  const char *v = value;
  while (g_ascii_isspace (*v))
    v++;
  m->sa = TRUE;
  m->sa_spam = dsn_has_prefix_ci (v, "yes");
  /* The last X-Spam-Status counts, as the topmost does in a message. */
  g_free (m->sa_score);
  g_free (m->sa_required);
  m->sa_score = word_value (v, "score=");
  if (!m->sa_score)
    m->sa_score = word_value (v, "hits="); /* before SpamAssassin 3 */
  m->sa_required = word_value (v, "required=");
  const char *t = dsn_strcasestr (v, "tests=");
  if (t) {
    /* The names run to the next "key=" (folding may add spaces). */
    t += 6;
    GString *names = g_string_new (NULL);
    g_auto (GStrv) words = g_strsplit_set (t, " \t", -1);
    for (char **w = words; *w; w++) {
      if (strchr (*w, '='))
        break;
      g_string_append_printf (names, "%s ", *w);
    }
    g_free (m->sa_tests);
    m->sa_tests = list_names (names->str);
    g_string_free (names, TRUE);
  }
}

typedef struct {
  char *name;
  double score;
} Weighed;

static gint
by_weight (gconstpointer a, gconstpointer b)
{
  const Weighed *x = a, *y = b;
  return x->score < y->score ? 1 : x->score > y->score ? -1 : strcmp (x->name, y->name);
}

/* The heaviest of WEIGHED (positive scores only), "A (3.6), B (1.2)". */
static char *
heaviest (GArray *weighed)
{
  g_array_sort (weighed, by_weight);
  GString *out = g_string_new (NULL);
  guint n = 0;
  for (guint i = 0; i < weighed->len && n < MAX_TESTS; i++) {
    const Weighed *w = &g_array_index (weighed, Weighed, i);
    if (w->score <= 0)
      break;
    g_string_append_printf (out, "%s%s (%.1f)", out->len ? ", " : "", w->name, w->score);
    n++;
  }
  for (guint i = 0; i < weighed->len; i++)
    g_free (g_array_index (weighed, Weighed, i).name);
  return g_string_free (out, out->len == 0);
}

/* X-Spam-Report: "*  3.6 RCVD_IN_SBL RBL: ..." lines: the tests with their
 * points, which X-Spam-Status does not give. */
static void
read_spamassassin_report (Marks *m, const char *value)
{
  GArray *weighed = g_array_new (FALSE, FALSE, sizeof (Weighed));
  for (const char *p = strchr (value, '*'); p; p = strchr (p + 1, '*')) {
    const char *q = p + 1;
    while (*q == ' ' || *q == '\t')
      q++;
    char *end;
    double score = g_ascii_strtod (q, &end);
    if (end == q || !g_ascii_isspace (*end))
      continue;
    while (*end == ' ' || *end == '\t')
      end++;
    gsize n = strspn (end, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");
    if (n == 0)
      continue;
    Weighed w = { g_strndup (end, n), score };
    g_array_append_val (weighed, w);
  }
  char *tests = heaviest (weighed);
  g_array_unref (weighed);
  if (tests) {
    g_free (m->sa_tests);
    m->sa_tests = tests;
  }
}

/* X-Spamd-Result: default: True [9.80 / 15.00]; R_SPF_FAIL(1.00)[-all]; ... */
static void
read_rspamd (Marks *m, const char *value)
{
  m->rspamd = TRUE;
  const char *colon = strchr (value, ':');
  const char *v = colon ? colon + 1 : value;
  while (g_ascii_isspace (*v))
    v++;
  m->rspamd_spam = m->rspamd_spam || dsn_has_prefix_ci (v, "true");
  const char *open = strchr (v, '[');
  if (open) {
    char *end;
    double score = g_ascii_strtod (open + 1, &end);
    const char *slash = end > open + 1 ? strchr (end, '/') : NULL;
    if (slash) {
      double required = g_ascii_strtod (slash + 1, NULL);
      g_free (m->rs_score);
      g_free (m->rs_required);
      m->rs_score = g_strdup_printf ("%.2f", score);
      m->rs_required = g_strdup_printf ("%.2f", required);
    }
  }
  GArray *weighed = g_array_new (FALSE, FALSE, sizeof (Weighed));
  g_auto (GStrv) parts = g_strsplit (v, ";", -1);
  for (char **p = parts; *p; p++) {
    const char *s = *p;
    while (g_ascii_isspace (*s))
      s++;
    gsize n = strspn (s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");
    if (n == 0 || s[n] != '(')
      continue;
    Weighed w = { g_strndup (s, n), g_ascii_strtod (s + n + 1, NULL) };
    g_array_append_val (weighed, w);
  }
  g_free (m->rs_symbols);
  m->rs_symbols = heaviest (weighed);
  g_array_unref (weighed);
}

/* ------------------------------------------------------------ reading */

static gboolean
name_in (const char *name, const char *const *names)
{
  for (; *names; names++)
    if (!g_ascii_strcasecmp (name, *names))
      return TRUE;
  return FALSE;
}

static void
read_header (Marks *m, const char *name, const char *value)
{
  /* The raw verdicts, as the filters wrote them. */
  static const char *const listed[] = {
    "X-Spam-Status",
    "X-Spam-Flag",
    "X-Spam-Score",
    "X-Spam-Level",
    "X-Spam",
    "X-Rspamd-Score",
    "X-Spamd-Result",
    "X-Spam-Verdict",
    "X-Rspamd-Action",
    "X-Forefront-Antispam-Report",
    "X-MS-Exchange-Organization-SCL",
    "X-Microsoft-Antispam",
    "X-Gmail-Labels",
    "X-YahooFilteredBulk",
    NULL,
  };
  g_autofree char *line = NULL;
  if (name_in (name, listed)) {
    g_autofree char *v = g_strdup (value);
    line = g_strdup_printf ("%s: %s", name, dsn_text_squeeze (v));
    g_ptr_array_add (m->h->spam, g_strdup (line));
  }
  const char *v = value;
  while (g_ascii_isspace (*v))
    v++;
  /* Scores and levels alone, and unknown filters' verdicts. */
  static const char *const sa_plain[] = { "X-Spam-Score", "X-Spam-Level", NULL };
  static const char *const other_plain[] = { "X-Spam-Verdict", NULL };
  if (line && name_in (name, sa_plain))
    g_ptr_array_add (m->sa_plain, g_strdup (line));
  else if (line && !g_ascii_strcasecmp (name, "X-Rspamd-Score"))
    g_ptr_array_add (m->rspamd_plain, g_strdup (line));
  else if (line && name_in (name, other_plain))
    g_ptr_array_add (m->other_plain, g_strdup (line));
  if (!g_ascii_strcasecmp (name, "X-Forefront-Antispam-Report")
      || !g_ascii_strcasecmp (name, "X-Microsoft-Antispam")) {
    m->microsoft = TRUE;
    read_microsoft_report (m, v);
  } else if (!g_ascii_strcasecmp (name, "X-MS-Exchange-Organization-SCL")) {
    m->microsoft = TRUE;
    if (m->scl == -2 && (g_ascii_isdigit (*v) || *v == '-'))
      m->scl = atoi (v);
  } else if (!g_ascii_strcasecmp (name, "X-Spam-Status")) {
    read_spamassassin (m, v);
  } else if (!g_ascii_strcasecmp (name, "X-Spam-Report")) {
    read_spamassassin_report (m, v);
  } else if (!g_ascii_strcasecmp (name, "X-Spamd-Result")) {
    read_rspamd (m, v);
  } else if (!g_ascii_strcasecmp (name, "X-Rspamd-Action")) {
    g_free (m->rs_action);
    m->rs_action = g_strstrip (g_strdup (v));
    /* "no action" and "greylist" deliver as usual. */
    m->rspamd_spam = m->rspamd_spam || is (m->rs_action, "add header")
                     || is (m->rs_action, "rewrite subject") || is (m->rs_action, "reject");
  } else if (!g_ascii_strcasecmp (name, "X-Spam-Flag") || !g_ascii_strcasecmp (name, "X-Spam")) {
    if (dsn_has_prefix_ci (v, "yes") && !m->flag)
      m->flag = name;
    else if (line)
      g_ptr_array_add (m->sa_plain, g_strdup (line));
  } else if (!g_ascii_strcasecmp (name, "X-Gmail-Labels")) {
    g_auto (GStrv) labels = g_strsplit (v, ",", -1);
    for (char **l = labels; *l; l++)
      if (is (g_strstrip (*l), "Spam"))
        m->gmail_spam = TRUE;
  } else if (!g_ascii_strcasecmp (name, "X-YahooFilteredBulk")) {
    m->yahoo_bulk = TRUE;
    g_autofree char *ip = g_strstrip (g_strdup (v));
    g_autoptr (GInetAddress) a = g_inet_address_new_from_string (ip);
    if (a && !m->yahoo_ip)
      m->yahoo_ip = g_inet_address_to_string (a);
  }
}

/* ------------------------------------------------------------ why */

static void
say_why (Marks *m, const DsnAuthResult *dmarc, const DsnAuthResult *compauth)
{
  DsnHeaders *h = m->h;
  char scl[16], bcl[16];
  g_snprintf (scl, sizeof scl, "%d", m->scl);
  g_snprintf (bcl, sizeof bcl, "%d", m->bcl);
  const char *scl_arg = m->scl != -2 ? scl : NULL;

  /* The domain's own DMARC policy, applied: the most precise reason. */
  const char *applied = dmarc_applied (dmarc);
  if (applied) {
    why (h, h->via_list ? "spam.dmarc_policy_list" : "spam.dmarc_policy", "domain",
         dmarc->domain ? dmarc->domain : h->from_domain, "reject",
         !strcmp (applied, "reject") ? "yes" : NULL, "by", dmarc->authserv, "disposition",
         dmarc->disposition, "list", h->list, NULL);
    return;
  }
  const char *sfv = m->sfv, *cat = m->cat;
  gboolean ms_spam
      = is (sfv, "SPM") || is (sfv, "SKS") || is (sfv, "SKB") || is (sfv, "BLK") || m->scl >= 5
        || (cat
            && (is (cat, "SPM") || is (cat, "HSPM") || is (cat, "PHSH") || is (cat, "HPHSH")
                || is (cat, "HPHISH") || is (cat, "SPOOF") || is (cat, "BULK") || is (cat, "MALW")
                || is (cat, "AMP") || is (cat, "UIMP") || is (cat, "DIMP") || is (cat, "GIMP")
                || is (cat, "BIMP") || is (cat, "INTOS")));
  if (m->microsoft && ms_spam) {
    g_autofree char *tag = NULL;
    if (is (sfv, "BLK") || is (sfv, "SKB")) {
      tag = g_strdup_printf ("SFV:%s", sfv);
      why (h, "spam.ms_blocked", "own", is (sfv, "BLK") ? "yes" : NULL, "tag", tag, NULL);
    } else if (is (sfv, "SKS")) {
      why (h, "spam.ms_rule", NULL);
    } else if (is (cat, "MALW") || is (cat, "AMP")) {
      why (h, "spam.ms_malware", "category", cat, NULL);
    } else if (is (cat, "PHSH") || is (cat, "HPHSH") || is (cat, "HPHISH") || is (cat, "INTOS")) {
      why (h, "spam.ms_phish", "category", cat, "scl", scl_arg, NULL);
    } else if (is (cat, "UIMP") || is (cat, "DIMP") || is (cat, "GIMP") || is (cat, "BIMP")) {
      tag = g_strdup_printf ("CAT:%s", cat);
      why (h, "spam.ms_impersonation", "tag", tag, NULL);
    } else if (is (cat, "SPOOF")) {
      why (h, "spam.ms_spoof", "scl", scl_arg, "domain", h->from_domain, "reason",
           compauth && !strcmp (compauth->result, "fail") ? compauth->reason : NULL, NULL);
    } else if (is (cat, "BULK") || is (m->srv, "BULK")) {
      why (h, "spam.ms_bulk", "bcl", m->bcl >= 0 ? bcl : NULL, NULL);
    } else {
      tag = cat   ? g_strdup_printf ("CAT:%s", cat)
            : sfv ? g_strdup_printf ("SFV:%s", sfv)
                  : g_strdup ("X-MS-Exchange-Organization-SCL");
      why (h, "spam.ms_spam", "tag", tag, "scl", scl_arg, "high",
           is (cat, "HSPM") || m->scl >= 7 ? "yes" : NULL, NULL);
    }
    return;
  }
  if (m->sa && m->sa_spam) {
    why (h, "spam.score", "filter", "SpamAssassin", "score", m->sa_score, "required",
         m->sa_required, "tests", m->sa_tests, NULL);
    return;
  }
  if (m->rspamd_spam) {
    /* Rspamd's "[score / required]" gives the score that rejects, not
     * the one that filed it: the action says what was done. */
    why (h, "spam.score", "filter", "Rspamd", "score", m->rs_score, "action", m->rs_action, "tests",
         m->rs_symbols, NULL);
    return;
  }
  if (m->gmail_spam) {
    why (h, "spam.gmail", NULL);
    return;
  }
  if (m->yahoo_bulk) {
    why (h, "spam.yahoo", "ip", m->yahoo_ip, NULL);
    return;
  }
  if (m->flag)
    why (h, "spam.flagged", "header", m->flag, NULL);
}

void
dsn_headers_check_spam (DsnHeaders *h, const DsnMimeHeaders *headers)
{
  Marks m = { 0 };
  m.h = h;
  m.sa_plain = g_ptr_array_new_with_free_func (g_free);
  m.rspamd_plain = g_ptr_array_new_with_free_func (g_free);
  m.other_plain = g_ptr_array_new_with_free_func (g_free);
  m.scl = m.bcl = m.pcl = -2;
  for (guint i = 0; i < dsn_mime_headers_count (headers); i++) {
    DsnMimeField *hd = dsn_mime_headers_at (headers, i);
    static const char *const read[] = {
      "X-Spam-Status",
      "X-Spam-Flag",
      "X-Spam-Score",
      "X-Spam-Level",
      "X-Spam",
      "X-Rspamd-Score",
      "X-Spamd-Result",
      "X-Spam-Verdict",
      "X-Rspamd-Action",
      "X-Spam-Report",
      "X-Forefront-Antispam-Report",
      "X-MS-Exchange-Organization-SCL",
      "X-Microsoft-Antispam",
      "X-Gmail-Labels",
      "X-YahooFilteredBulk",
      NULL,
    };
    /* Values are unfolded on demand: only ask for those read. */
    gboolean wanted = FALSE;
    for (const char *const *r = read; *r && !wanted; r++)
      wanted = dsn_mime_field_is (hd, *r);
    if (wanted)
      read_header (&m, dsn_mime_field_name (hd), dsn_mime_field_value (hd));
  }
  const DsnAuthResult *dmarc = signal_dmarc (h);
  const DsnAuthResult *compauth = signal_compauth (h);
  if (m.microsoft)
    signals_microsoft (&m);
  if (m.sa && m.sa_score)
    signal_add (h, m.sa_spam ? "filter.score_spam" : "filter.score_ham", "filter", "SpamAssassin",
                "score", m.sa_score, "required", m.sa_required, "tests", m.sa_tests, NULL);
  if (m.rspamd && m.rs_score)
    signal_add (h, m.rspamd_spam ? "filter.score_spam" : "filter.score_ham", "filter", "Rspamd",
                "score", m.rs_score, "reject", m.rs_required, "action", m.rs_action, "tests",
                m.rs_symbols, NULL);
  if (m.flag && !(m.sa && m.sa_score) && !(m.rspamd && m.rs_score))
    signal_add (h, "filter.flag", "header", m.flag, NULL);
  gboolean scored = (m.sa && m.sa_score) || (m.rspamd && m.rs_score);
  for (guint i = 0; !scored && i < m.sa_plain->len; i++)
    signal_add (h, "filter.as_written", "field", m.sa_plain->pdata[i], NULL);
  for (guint i = 0; !(m.rspamd && m.rs_score) && i < m.rspamd_plain->len; i++)
    signal_add (h, "filter.as_written", "field", m.rspamd_plain->pdata[i], NULL);
  for (guint i = 0; i < m.other_plain->len; i++)
    signal_add (h, "filter.as_written", "field", m.other_plain->pdata[i], NULL);
  if (m.gmail_spam)
    signal_add (h, "filter.gmail_spam", NULL);
  if (m.yahoo_bulk)
    signal_add (h, "filter.yahoo_bulk", "ip", m.yahoo_ip, NULL);
  say_why (&m, dmarc, compauth);
  marks_clear (&m);
}
