/* dsn-explain: read bounces and say what went wrong, for a person or a script.
 * SPDX-License-Identifier: BSD-2-Clause */
#include "common.h"

#include <libdsn/dsn.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct {
  gboolean json;
  gboolean summary;
  const char *lang;
  ColorMode color_mode;
  gboolean color;
  DsnFormat format;
  int jobs;
  gboolean quiet;
  gboolean progress;
  gboolean check;
} Options;

/* Totals over the run, for --summary and the exit status. */
typedef struct {
  guint messages;
  guint errors;
  guint bounces; /* messages of any kind but not-a-bounce */
  guint recipients;
  GHashTable *by_kind, *by_category, *by_reason, *by_domain, *by_diagnostic;
  GHashTable *suppress; /* hard-bounced addresses */
} Totals;

/* One message's work: the input and, once analysed, what to print. */
typedef struct {
  GBytes *data;
  char *path;
  guint index;
  GError *read_error;
  char *output;      /* formatted result */
  char *errline;     /* one-line error for stderr */
  DsnReport *report; /* kept for --summary */
  DsnKind kind;
  gboolean failed;
} Item;

static void
item_free (Item *it)
{
  if (!it)
    return;
  if (it->data)
    g_bytes_unref (it->data);
  g_free (it->path);
  g_clear_error (&it->read_error);
  g_free (it->output);
  g_free (it->errline);
  dsn_report_free (it->report);
  g_free (it);
}

static const DsnAnalyzer *analyzer;
#if DSN_HAVE_DNS
static DsnResolver *resolver;          /* with --check */
static const char *const *dnsbl_zones; /* with --check --dnsbl */
#endif
static Options opt;

/* ------------------------------------------------------------ formatting */

/* One result: the tool's members, "schema" and "source", then the
 * report's, or the error. */
static char *
format_json (const Item *it, const DsnReport *rep, const GError *error)
{
  DsnJson *w = dsn_json_new_text ();
  dsn_json_begin_object (w);
  dsn_json_set_member_name (w, "schema");
  dsn_json_add_int_value (w, DSN_JSON_SCHEMA);
  dsn_json_set_member_name (w, "source");
  dsn_json_begin_object (w);
  dsn_json_member (w, "path", it->path);
  dsn_json_set_member_name (w, "index");
  if (it->index)
    dsn_json_add_int_value (w, it->index);
  else
    dsn_json_add_null_value (w);
  dsn_json_end_object (w);
  if (rep) {
    dsn_report_write_json_members (rep, w, opt.lang);
  } else {
    dsn_json_member (w, "kind", "error");
    dsn_json_member (w, "error", error ? error->message : "unknown error");
  }
  dsn_json_end_object (w);
  return dsn_json_free_to_string (w);
}

static const char *
source_label (const Item *it, char *buf, gsize size)
{
  const char *path = strcmp (it->path, "-") ? it->path : L ("standard input", "entrée standard");
  if (it->index)
    g_snprintf (buf, size, "%s #%u", path, it->index);
  else
    g_snprintf (buf, size, "%s", path);
  return buf;
}

/* Wraps TEXT at WIDTH columns, each line indented by INDENT. */
static void
append_wrapped (GString *out, const char *text, const char *indent, guint width)
{
  g_auto (GStrv) words = g_strsplit_set (text, " \n\t", -1);
  guint col = 0;
  gboolean first = TRUE;
  for (char **w = words; *w; w++) {
    if (!**w)
      continue;
    guint n = g_utf8_strlen (*w, -1);
    if (first) {
      g_string_append (out, indent);
      col = strlen (indent);
      first = FALSE;
    } else if (col + 1 + n > width) {
      g_string_append_c (out, '\n');
      g_string_append (out, indent);
      col = strlen (indent);
    } else {
      g_string_append_c (out, ' ');
      col++;
    }
    g_string_append (out, *w);
    col += n;
  }
  g_string_append_c (out, '\n');
}

static void
format_duration (GString *out, gint64 s)
{
  if (s < 0) {
    g_string_append_c (out, '-');
    s = -s;
  }
  if (s < 120)
    g_string_append_printf (out, "%" G_GINT64_FORMAT " s", s);
  else if (s < 7200)
    g_string_append_printf (out, "%" G_GINT64_FORMAT " min %" G_GINT64_FORMAT " s", s / 60, s % 60);
  else
    g_string_append_printf (out, "%" G_GINT64_FORMAT " h %" G_GINT64_FORMAT " min", s / 3600,
                            (s % 3600) / 60);
}

/* The delivery headers analysis. */
static void
format_headers (GString *out, const DsnReport *rep, const Palette *p)
{
  const char *lang = opt.lang;
  const char *sev = dsn_report_get_header_severity (rep);
  const char *color = !strcmp (sev, "error")     ? p->red
                      : !strcmp (sev, "warning") ? p->yellow
                                                 : p->green;
  const char *verdict = dsn_report_get_header_verdict (rep);
  guint nf = dsn_report_get_n_header_findings (rep);
  const char *headline = NULL;
  for (guint i = 0; i < nf && !headline; i++)
    if (!g_strcmp0 (dsn_report_get_header_finding_code (rep, i), verdict))
      headline = dsn_report_get_header_finding_text (rep, i, lang);
  g_string_append_printf (out, "%s%s%s%s\n", p->bold, color,
                          headline ? headline
                                   : L ("Delivery headers: nothing to report.",
                                        "En-têtes de remise : rien à signaler."),
                          p->reset);
  const char *from = dsn_report_get_header_from_domain (rep);
  const char *mailfrom = dsn_report_get_header_mailfrom_domain (rep);
  if (from || mailfrom)
    g_string_append_printf (out, "  %s%-16s%s %s%s%s%s\n", p->bold,
                            L ("From domain:", "Domaine From :"), p->reset, from ? from : "?",
                            mailfrom ? L (" (envelope: ", " (enveloppe : ") : "",
                            mailfrom ? mailfrom : "", mailfrom ? ")" : "");
  guint nh = dsn_report_get_n_hops (rep);
  if (nh) {
    g_string_append_printf (out, "  %s%-16s%s %u %s", p->bold, L ("Route:", "Trajet :"), p->reset,
                            nh, nh > 1 ? L ("hops", "étapes") : L ("hop", "étape"));
    gint64 transit;
    if (dsn_report_get_header_transit (rep, &transit)) {
      g_string_append (out, ", ");
      format_duration (out, transit);
    }
    g_string_append_c (out, '\n');
    for (guint i = 0; i < nh; i++) {
      const char *fh = dsn_report_get_hop_from_host (rep, i);
      const char *fip = dsn_report_get_hop_from_ip (rep, i);
      const char *by = dsn_report_get_hop_by_host (rep, i);
      const char *with = dsn_report_get_hop_protocol (rep, i);
      g_string_append_printf (out, "    %2u. %s", i + 1, fh ? fh : "");
      if (fip && !(fh && strstr (fh, fip))) /* "[192.0.2.1]" names itself */
        g_string_append_printf (out, " [%s]", fip);
      g_string_append_printf (out, " → %s", by ? by : "?");
      if (with)
        g_string_append_printf (out, " %s(%s)%s", p->dim, with, p->reset);
      gint64 delay;
      if (dsn_report_get_hop_delay (rep, i, &delay)) {
        gboolean slow = dsn_report_get_hop_slowest (rep, i);
        /* A hop dated before the previous one is a clock error, not a delay. */
        g_string_append_printf (out, "  %s%s", slow || delay < 0 ? p->yellow : p->dim,
                                delay < 0 ? "" : "+");
        format_duration (out, delay);
        g_string_append_printf (out, "%s%s",
                                slow        ? L (" ← slowest", " ← la plus lente")
                                : delay < 0 ? L (" ← clock skew", " ← horloge décalée")
                                            : "",
                                p->reset);
      }
      g_string_append_c (out, '\n');
    }
  }
  guint na = dsn_report_get_n_auth_results (rep);
  if (na) {
    g_string_append_printf (out, "  %s%s%s\n", p->bold, L ("Authentication:", "Authentification :"),
                            p->reset);
    for (guint i = 0; i < na; i++) {
      const char *res = dsn_report_get_auth_result (rep, i);
      const char *domain = dsn_report_get_auth_domain (rep, i);
      const char *authserv = dsn_report_get_auth_authserv (rep, i);
      const char *c = !strcmp (res, "pass")                               ? p->green
                      : !strcmp (res, "none") || !strcmp (res, "neutral") ? p->dim
                                                                          : p->red;
      g_string_append_printf (out, "    %-6s %s%-9s%s %s", dsn_report_get_auth_method (rep, i), c,
                              res, p->reset, domain ? domain : "");
      gboolean aligned;
      if (dsn_report_get_auth_aligned (rep, i, &aligned) && !aligned)
        g_string_append_printf (out, " %s%s%s", p->yellow, L ("(not aligned)", "(non aligné)"),
                                p->reset);
      g_string_append_printf (out, "  %s%s%s\n", p->dim, authserv ? authserv : "", p->reset);
    }
  }
  guint ns = dsn_report_get_n_spam_verdicts (rep);
  if (ns) {
    g_string_append_printf (out, "  %s%s%s\n", p->bold, L ("Spam filters:", "Filtres antispam :"),
                            p->reset);
    for (guint i = 0; i < ns; i++) {
      const char *spam = dsn_report_get_spam_verdict (rep, i);
      g_autofree char *line = g_utf8_substring (spam, 0, MIN (g_utf8_strlen (spam, -1), 100));
      g_string_append_printf (out, "    %s\n", line);
    }
  }
  if (nf) {
    g_string_append_printf (out, "  %s%s%s\n", p->bold, L ("Findings:", "Constats :"), p->reset);
    for (guint i = 0; i < nf; i++) {
      const char *fs = dsn_report_get_header_finding_severity (rep, i);
      const char *c = !strcmp (fs, "error")     ? p->red
                      : !strcmp (fs, "warning") ? p->yellow
                      : !strcmp (fs, "ok")      ? p->green
                                                : p->dim;
      const char *mark = opt.color ? (!strcmp (fs, "error")     ? "✘ "
                                      : !strcmp (fs, "warning") ? "⚠ "
                                      : !strcmp (fs, "ok")      ? "✔ "
                                                                : "• ")
                                   : (!strcmp (fs, "error")     ? "[error] "
                                      : !strcmp (fs, "warning") ? "[warning] "
                                      : !strcmp (fs, "ok")      ? "[ok] "
                                                                : "[info] ");
      g_autofree char *text = g_strdup_printf (
          "%s%s%s%s", c, mark, dsn_report_get_header_finding_text (rep, i, lang), p->reset);
      append_wrapped (out, text, "    ", 78);
      append_wrapped (out, dsn_report_get_header_finding_advice (rep, i, lang), "      ", 78);
    }
  }
}

static char *
format_text (const Item *it, const DsnReport *rep)
{
  Palette p;
  cmd_palette (&p, opt.color);
  GString *out = g_string_new (NULL);
  char label[4096];
  source_label (it, label, sizeof label);
  DsnKind kind = dsn_report_get_kind (rep);
  guint n = dsn_report_get_n_recipients (rep);

  g_string_append_printf (out, "%s%s%s", p.dim, label, p.reset);
  if (dsn_report_get_dialect (rep))
    g_string_append_printf (out, " %s(%s)%s", p.dim, dsn_report_get_dialect (rep), p.reset);
  g_string_append_c (out, '\n');

  /* Backscatter first: it changes how to read everything below. */
  const char *bs = dsn_report_get_backscatter (rep);
  if (bs && (!strcmp (bs, "forged") || !strcmp (bs, "suspicious"))) {
    g_string_append_printf (
        out, "%s%s%s%s%s\n", p.bold, p.yellow, opt.color ? "⚠ " : "",
        !strcmp (bs, "forged")
            ? L ("Backscatter: you most likely never sent this message",
                 "Rétrodiffusion : vous n'avez très probablement pas envoyé ce message")
            : L ("Possible backscatter: this message may not come from you",
                 "Rétrodiffusion possible : ce message ne vient peut-être pas de vous"),
        p.reset);
    for (guint i = 0; i < dsn_report_get_n_backscatter_evidence (rep); i++) {
      g_autofree char *line
          = g_strdup_printf ("- %s", dsn_report_get_backscatter_evidence (rep, i, opt.lang));
      append_wrapped (out, line, "    ", 78);
    }
    append_wrapped (out, dsn_report_get_backscatter_explanation (rep, opt.lang), "  ", 78);
    g_string_append_printf (out, "  %s%s%s\n", p.bold, L ("What to do:", "Que faire :"), p.reset);
    append_wrapped (out, dsn_report_get_backscatter_advice (rep, opt.lang), "    ", 78);
  }
  if (kind == DSN_KIND_HEADERS) {
    format_headers (out, rep, &p);
  } else if (kind == DSN_KIND_NOT_BOUNCE) {
    g_string_append_printf (
        out, "  %s\n",
        L ("Not a bounce: no delivery report, feedback report or automatic reply found.",
           "Pas un rebond : aucun rapport de remise, de plainte ni réponse automatique trouvé."));
  } else if (n == 0) {
    g_string_append_printf (out, "  %s%s%s\n", p.yellow,
                            L ("A report, but it names no recipient that could be read.",
                               "Un rapport, mais aucun destinataire lisible n'y figure."),
                            p.reset);
  }
  for (guint i = 0; i < n; i++) {
    const DsnRecipient *r = dsn_report_get_recipient (rep, i);
    const char *reason = dsn_recipient_get_reason (r);
    const char *color = p.red;
    if (!strcmp (reason, "delivered") || !strcmp (reason, "vacation"))
      color = p.green;
    else if (dsn_recipient_get_action (r) == DSN_ACTION_DELAYED || !strcmp (reason, "feedback"))
      color = p.yellow;
    const char *mark = opt.color ? (color == p.green ? "✔ " : color == p.yellow ? "⚠ " : "✘ ") : "";
    g_string_append_printf (out, "%s%s%s%s%s\n", p.bold, color, mark,
                            dsn_recipient_get_summary (r, opt.lang), p.reset);
    const char *addr = dsn_recipient_get_address (r);
    g_string_append_printf (out, "  %s%-13s%s %s", p.bold, L ("Recipient:", "Destinataire :"),
                            p.reset, addr && *addr ? addr : "?");
    if (dsn_recipient_get_original_address (r)
        && g_ascii_strcasecmp (dsn_recipient_get_original_address (r), addr ? addr : "") != 0)
      g_string_append_printf (out, " (%s %s)", L ("originally", "à l'origine"),
                              dsn_recipient_get_original_address (r));
    g_string_append_c (out, '\n');
    const char *status = dsn_recipient_get_status (r);
    const char *reply = dsn_recipient_get_reply_code (r);
    const char *remote = dsn_recipient_get_remote_mta (r);
    if (status || reply || remote) {
      g_string_append_printf (out, "  %s%-13s%s", p.bold, L ("Status:", "Statut :"), p.reset);
      if (reply)
        g_string_append_printf (out, " %s", reply);
      if (status)
        g_string_append_printf (out, " %s", status);
      if (remote)
        g_string_append_printf (out, " %s %s", L ("from", "de"), remote);
      g_string_append_printf (out, "  %s[%s, %s]%s\n", p.dim, reason,
                              dsn_recipient_get_category (r), p.reset);
    } else {
      g_string_append_printf (out, "  %s%-13s%s %s[%s, %s]%s\n", p.bold, L ("Reason:", "Raison :"),
                              p.reset, p.dim, reason, dsn_recipient_get_category (r), p.reset);
    }
    const char *blocklist = dsn_recipient_get_blocklist (r);
    if (blocklist)
      g_string_append_printf (out, "  %s%-13s%s %s\n", p.bold, L ("Blocklist:", "Liste :"), p.reset,
                              blocklist);
    const char *diag = dsn_recipient_get_diagnostic (r);
    if (diag && *diag) {
      g_string_append_printf (out, "  %s%s%s\n", p.bold,
                              L ("The server said:", "Le serveur a dit :"), p.reset);
      g_autofree char *quoted = g_strdup_printf ("%s“%s”%s", p.cyan, diag, p.reset);
      append_wrapped (out, quoted, "    ", 78);
    }
    const char *check = dsn_recipient_get_check_status (r);
    if (check) {
      const char *cc = !strcmp (check, "still-holds")       ? p.red
                       : !strcmp (check, "no-longer-holds") ? p.green
                                                            : p.yellow;
      const char *outcome = !strcmp (check, "still-holds") ? L ("still the case", "toujours le cas")
                            : !strcmp (check, "no-longer-holds")
                                ? L ("no longer the case", "ce n'est plus le cas")
                                : L ("could not check", "vérification impossible");
      g_string_append_printf (out, "  %s%s%s %s%s%s\n", p.bold,
                              L ("Checked now:", "Vérifié à l'instant :"), p.reset, cc, outcome,
                              p.reset);
      append_wrapped (out, dsn_recipient_get_check_text (r, opt.lang), "    ", 78);
    }
    g_string_append_printf (out, "  %s%s%s\n", p.bold, L ("What happened:", "Ce qui s'est passé :"),
                            p.reset);
    append_wrapped (out, dsn_recipient_get_explanation (r, opt.lang), "    ", 78);
    g_string_append_printf (out, "  %s%s%s\n", p.bold, L ("What to do:", "Que faire :"), p.reset);
    append_wrapped (out, dsn_recipient_get_advice (r, opt.lang), "    ", 78);
  }
  const char *orig_subject = dsn_report_get_original_header (rep, "Subject");
  if (orig_subject && kind == DSN_KIND_DELIVERY_STATUS)
    g_string_append_printf (out, "  %s%s “%s”%s\n", p.dim,
                            L ("Original subject:", "Sujet d'origine :"), orig_subject, p.reset);
  for (guint i = 0; i < dsn_report_get_n_warnings (rep); i++)
    g_string_append_printf (out, "  %s%s %s%s\n", p.dim, L ("note:", "remarque :"),
                            dsn_report_get_warning (rep, i), p.reset);
  return g_string_free (out, FALSE);
}

/* ------------------------------------------------------------ work */

static void
analyse_item (Item *it)
{
  char label[4096];
  g_autoptr (GError) error = NULL;
  DsnReport *rep = NULL;
  if (it->read_error) {
    error = g_error_copy (it->read_error);
  } else {
    gsize len;
    const char *data = g_bytes_get_data (it->data, &len);
    rep = dsn_analyzer_analyze (analyzer, data ? data : "", len, &error);
#if DSN_HAVE_DNS
    if (rep && opt.check)
      dsn_report_check (rep, resolver, dnsbl_zones, NULL);
#endif
  }
  if (!rep) {
    it->failed = TRUE;
    /* The reader's errors already name the file. */
    it->errline
        = it->read_error
              ? g_strdup (error->message)
              : g_strdup_printf ("%s: %s", source_label (it, label, sizeof label), error->message);
    if (opt.json && !opt.summary)
      it->output = format_json (it, NULL, error);
  } else if (opt.summary) {
    it->kind = dsn_report_get_kind (rep);
    it->report = rep;
    rep = NULL;
  } else {
    it->kind = dsn_report_get_kind (rep);
    it->output = opt.json ? format_json (it, rep, NULL) : format_text (it, rep);
  }
  dsn_report_free (rep);
  g_bytes_unref (it->data);
  it->data = NULL;
}

static void
count (GHashTable *t, const char *key)
{
  if (!key)
    key = "(none)";
  gpointer v = g_hash_table_lookup (t, key);
  g_hash_table_insert (t, g_strdup (key), GUINT_TO_POINTER (GPOINTER_TO_UINT (v) + 1));
}

static gboolean any_output;

/* Prints an item's result and adds it to the totals. */
static void
finish_item (Item *it, Totals *t)
{
  t->messages++;
  if (it->failed) {
    t->errors++;
    if (!opt.quiet)
      cmd_error ("%s", it->errline);
  }
  if (it->output) {
    if (!opt.json && any_output)
      fputc ('\n', stdout);
    fputs (it->output, stdout);
    if (opt.json)
      fputc ('\n', stdout);
    any_output = TRUE;
  }
  if (!it->failed && it->kind != DSN_KIND_NOT_BOUNCE)
    t->bounces++;
  const DsnReport *rep = it->report;
  if (rep) {
    count (t->by_kind, dsn_kind_to_string (it->kind));
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
    }
  }
  fflush (stdout);
}

/* ------------------------------------------------------------ progress */

typedef struct {
  gboolean enabled;
  gint64 start;
  gint64 last;
  gboolean shown;
} Progress;

static void
progress_update (Progress *pr, guint done)
{
  if (!pr->enabled)
    return;
  gint64 now = g_get_monotonic_time ();
  /* Only runs that take more than a moment get a progress line. */
  if (now - pr->start < G_USEC_PER_SEC || now - pr->last < G_USEC_PER_SEC / 4)
    return;
  pr->last = now;
  double rate = done / ((now - pr->start) / (double)G_USEC_PER_SEC);
  fprintf (stderr, "\r%s: %u messages (%.0f/s)\033[K", g_get_prgname (), done, rate);
  pr->shown = TRUE;
}

static void
progress_end (Progress *pr)
{
  if (pr->shown)
    fprintf (stderr, "\r\033[K");
}

/* ------------------------------------------------------------ parallel runs */

/* Workers analyse items from a queue; the main thread reads input and prints
 * results in input order. At most WINDOW items are in flight, so memory stays
 * bounded whatever the size of the input. */
#define WINDOW 512

typedef struct {
  GAsyncQueue *todo;
  GMutex lock;
  GCond done_cond;
  Item *slots[WINDOW];
  gboolean ready[WINDOW];
  guint64 next_print;
  guint64 next_seq;
} Pool;

typedef struct {
  Pool *pool;
  Item *item;
  guint64 seq;
} Job;

static gpointer
worker (gpointer data)
{
  Pool *pool = data;
  for (;;) {
    Job *job = g_async_queue_pop (pool->todo);
    if (!job->item) {
      g_free (job);
      return NULL;
    }
    analyse_item (job->item);
    g_mutex_lock (&pool->lock);
    pool->ready[job->seq % WINDOW] = TRUE;
    /* Only the item the printer waits for is worth waking it up. */
    if (job->seq == pool->next_print)
      g_cond_signal (&pool->done_cond);
    g_mutex_unlock (&pool->lock);
    g_free (job);
  }
}

/* Prints every finished item at the head of the window; with WAIT, waits
 * until the head item is done first. */
static void
pool_drain (Pool *pool, Totals *t, gboolean wait, Progress *pr)
{
  for (;;) {
    g_mutex_lock (&pool->lock);
    if (pool->next_print == pool->next_seq) {
      g_mutex_unlock (&pool->lock);
      return;
    }
    guint slot = pool->next_print % WINDOW;
    while (wait && !pool->ready[slot])
      g_cond_wait (&pool->done_cond, &pool->lock);
    if (!pool->ready[slot]) {
      g_mutex_unlock (&pool->lock);
      return;
    }
    Item *it = pool->slots[slot];
    pool->slots[slot] = NULL;
    pool->ready[slot] = FALSE;
    pool->next_print++;
    g_mutex_unlock (&pool->lock);
    finish_item (it, t);
    item_free (it);
    progress_update (pr, t->messages);
    wait = FALSE;
  }
}

/* ------------------------------------------------------------ input */

typedef struct {
  Pool *pool;
  GThread **threads;
  Totals *totals;
  Progress progress;
} Run;

static void
submit (Run *run, Item *it)
{
  if (!run->pool) {
    analyse_item (it);
    finish_item (it, run->totals);
    item_free (it);
    progress_update (&run->progress, run->totals->messages);
    return;
  }
  Pool *pool = run->pool;
  /* Keep the window bounded: wait for the oldest item before adding one. */
  while (pool->next_seq - pool->next_print >= WINDOW)
    pool_drain (pool, run->totals, TRUE, &run->progress);
  g_mutex_lock (&pool->lock);
  guint64 seq = pool->next_seq++;
  pool->slots[seq % WINDOW] = it;
  pool->ready[seq % WINDOW] = FALSE;
  g_mutex_unlock (&pool->lock);
  Job *job = g_new0 (Job, 1);
  job->pool = pool;
  job->item = it;
  job->seq = seq;
  g_async_queue_push (pool->todo, job);
  pool_drain (pool, run->totals, FALSE, &run->progress);
}

/* Reads every message of PATH; FALSE if PATH itself could not be opened. */
static gboolean
process_path (Run *run, const char *path)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (DsnReader) reader = dsn_reader_new (path, opt.format, &error);
  if (!reader) {
    Item *it = g_new0 (Item, 1);
    it->path = g_strdup (strcmp (path, "-") ? path : "-");
    it->read_error = g_steal_pointer (&error);
    submit (run, it);
    return FALSE;
  }
  for (;;) {
    GBytes *data = NULL;
    const char *src = NULL;
    guint index = 0;
    g_autoptr (GError) e = NULL;
    if (!dsn_reader_next (reader, &data, &src, &index, &e))
      break;
    Item *it = g_new0 (Item, 1);
    it->data = data;
    it->path = g_strdup (src);
    it->index = index;
    it->read_error = g_steal_pointer (&e);
    submit (run, it);
  }
  return TRUE;
}

/* ------------------------------------------------------------ summary */

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
  for (guint i = 0; i < keys->len && (!limit || i < limit); i++)
    g_string_append_printf (out, "  %6u  %s\n",
                            GPOINTER_TO_UINT (g_hash_table_lookup (t, keys->pdata[i])),
                            (char *)keys->pdata[i]);
}

static void
print_summary (Totals *t)
{
  g_autoptr (GPtrArray) suppress = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer k;
  g_hash_table_iter_init (&iter, t->suppress);
  while (g_hash_table_iter_next (&iter, &k, NULL))
    g_ptr_array_add (suppress, k);
  g_ptr_array_sort (suppress, cmp_strptr);

  if (opt.json) {
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
    dsn_json_end_object (w);
    g_autofree char *line = dsn_json_free_to_string (w);
    puts (line);
    return;
  }
  Palette p;
  cmd_palette (&p, opt.color);
  GString *out = g_string_new (NULL);
  g_string_append_printf (out, "%s%u %s, %u %s, %u %s%s\n\n", p.bold, t->messages,
                          L ("messages", "messages"), t->recipients,
                          L ("recipients", "destinataires"), t->errors,
                          L ("unreadable", "illisibles"), p.reset);
  text_counts (out, &p, L ("By kind", "Par type"), t->by_kind, 0);
  text_counts (out, &p, L ("By category", "Par catégorie"), t->by_category, 0);
  text_counts (out, &p, L ("By reason", "Par raison"), t->by_reason, 0);
  text_counts (out, &p,
               L ("By recipient domain (top 20)", "Par domaine destinataire (20 premiers)"),
               t->by_domain, 20);
  text_counts (out, &p, L ("Top remote messages", "Messages distants les plus fréquents"),
               t->by_diagnostic, 10);
  if (suppress->len) {
    g_string_append_printf (
        out, "%s%s (%u)%s\n", p.bold,
        L ("Addresses to suppress (hard bounces)", "Adresses à retirer (échecs définitifs)"),
        suppress->len, p.reset);
    for (guint i = 0; i < suppress->len; i++)
      g_string_append_printf (out, "  %s\n", (char *)suppress->pdata[i]);
  }
  fputs (out->str, stdout);
  g_string_free (out, TRUE);
}

/* ------------------------------------------------------------ main */

static gboolean
parse_format (const char *v, DsnFormat *f)
{
  static const struct {
    const char *name;
    DsnFormat format;
  } map[] = { { "auto", DSN_FORMAT_AUTO },
              { "message", DSN_FORMAT_MESSAGE },
              { "mbox", DSN_FORMAT_MBOX },
              { "maildir", DSN_FORMAT_DIR },
              { "dir", DSN_FORMAT_DIR } };
  for (gsize i = 0; i < G_N_ELEMENTS (map); i++)
    if (!strcmp (v, map[i].name)) {
      *f = map[i].format;
      return TRUE;
    }
  return FALSE;
}

int
main (int argc, char **argv)
{
  setlocale (LC_ALL, "");
  g_set_prgname ("dsn-explain");
  cmd_init_signals ();

  gboolean json = FALSE, summary = FALSE, version = FALSE, quiet = FALSE, no_progress = FALSE;
  g_autofree char *lang = NULL, *color = NULL, *format = NULL;
  g_auto (GStrv) patterns = NULL;
  g_auto (GStrv) my_domains = NULL;
  g_auto (GStrv) my_relays = NULL;
  g_auto (GStrv) dns_servers = NULL;
  g_auto (GStrv) dnsbl = NULL;
  gboolean check = FALSE;
  double dns_timeout = 0;
  g_auto (GStrv) limits = NULL;
  int jobs = 1;
  GOptionEntry entries[] = {
    { "json", 'j', 0, G_OPTION_ARG_NONE, &json, "One JSON object per message (JSON Lines)", NULL },
    { "summary", 's', 0, G_OPTION_ARG_NONE, &summary,
      "Totals for the whole input instead of one result per message", NULL },
    { "lang", 'l', 0, G_OPTION_ARG_STRING, &lang,
      "Language of the explanations: en, fr (default: from the locale)", "LANG" },
    { "patterns", 'p', 0, G_OPTION_ARG_FILENAME_ARRAY, &patterns,
      "Load the *.rules files of DIR over the built-in rules (repeatable)", "DIR" },
    { "my-domain", 0, 0, G_OPTION_ARG_STRING_ARRAY, &my_domains,
      "Your own domain, to recognise bounces for mail you never sent (repeatable)", "DOMAIN" },
    { "my-relay", 0, 0, G_OPTION_ARG_STRING_ARRAY, &my_relays,
      "A server of your sending path: host name, IP address or CIDR (repeatable)", "HOST" },
    { "check", 'c', 0, G_OPTION_ARG_NONE, &check,
      "Re-check now, in the DNS, the causes that live there (SPF, DKIM, DMARC, MX, blocklists, "
      "reverse DNS)",
      NULL },
    { "dns-server", 0, 0, G_OPTION_ARG_STRING_ARRAY, &dns_servers,
      "With --check: ask this DNS server instead of /etc/resolv.conf's (repeatable)", "IP[:PORT]" },
    { "dns-timeout", 0, 0, G_OPTION_ARG_DOUBLE, &dns_timeout,
      "With --check: seconds to wait for a DNS answer (default: 2)", "SECONDS" },
    { "dnsbl", 0, 0, G_OPTION_ARG_STRING_ARRAY, &dnsbl,
      "With --check: blocklist zone to query when the server named none (repeatable)", "ZONE" },
    { "limit", 0, 0, G_OPTION_ARG_STRING_ARRAY, &limits,
      "Change a limit: size=BYTES, depth=N, recipients=N, header=BYTES (repeatable)",
      "NAME=VALUE" },
    { "format", 'f', 0, G_OPTION_ARG_STRING, &format,
      "Input format: auto, message, mbox, maildir (default: auto)", "FMT" },
    { "color", 0, 0, G_OPTION_ARG_STRING, &color,
      "Colour: auto, always, never (default: auto; NO_COLOR is respected)", "WHEN" },
    { "jobs", 'J', 0, G_OPTION_ARG_INT, &jobs,
      "Analyse with N threads; output keeps input order (default: 1)", "N" },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, "Do not report unreadable messages on stderr",
      NULL },
    { "no-progress", 0, 0, G_OPTION_ARG_NONE, &no_progress, "No progress line on stderr", NULL },
    { "version", 'V', 0, G_OPTION_ARG_NONE, &version, "Print the version and exit", NULL },
    { NULL },
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("[PATH...]");
  g_option_context_set_summary (
      ctx, "Explain why an email bounced. Reads bounce messages (a file, an mbox, a\n"
           "Maildir or a directory; standard input when no PATH or \"-\") and says, for\n"
           "each recipient, what failed, why, and what to do.");
  g_option_context_set_description (
      ctx, "Exit status: 0 something was diagnosed, 1 nothing looks like a bounce,\n"
           "2 usage error, 3 some input could not be read.\n\n"
           "Examples:\n"
           "  dsn-explain < bounce.eml\n"
           "  dsn-explain ~/Maildir/.Bounces\n"
           "  dsn-explain --json bounces.mbox | jq -r '.recipients[] | select(.hard_bounce) | "
           ".address'\n"
           "  dsn-explain --summary bounces.mbox\n\n"
           "See dsn-explain(1).");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_autoptr (GError) error = NULL;
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return cmd_usage_error (error->message);
  if (version) {
    printf ("dsn-explain (libdsn) %s\n", DSN_VERSION_STRING);
    return EXIT_OK;
  }
  opt.json = json;
  opt.summary = summary;
  opt.quiet = quiet;
  if (!cmd_set_language (lang, FALSE))
    return EXIT_USAGE;
  opt.lang = cmd_lang ();
  if (!cmd_parse_color (color, &opt.color_mode))
    return cmd_usage_error ("--color: expected auto, always or never");
  opt.color = !json && cmd_use_color (opt.color_mode, stdout);
  opt.format = DSN_FORMAT_AUTO;
  if (format && !parse_format (format, &opt.format))
    return cmd_usage_error ("--format: expected auto, message, mbox or maildir");
  if (jobs < 1 || jobs > 256)
    return cmd_usage_error ("--jobs: expected a number from 1 to 256");
  for (int i = 1; i < argc; i++)
    if (argv[i][0] == '-' && argv[i][1] && strcmp (argv[i], "-") != 0) {
      g_autofree char *msg = g_strdup_printf ("unknown option %s", argv[i]);
      return cmd_usage_error (msg);
    }

  g_autoptr (DsnAnalyzer) an = dsn_analyzer_new ();
  for (char **d = patterns; d && *d; d++)
    if (!dsn_analyzer_add_patterns_dir (an, *d, &error)) {
      cmd_error ("%s", error->message);
      return EXIT_USAGE;
    }
  for (char **l = limits; l && *l; l++) {
    static const struct {
      const char *name;
      DsnLimit limit;
    } names[] = { { "size", DSN_LIMIT_MESSAGE_SIZE },
                  { "depth", DSN_LIMIT_MIME_DEPTH },
                  { "recipients", DSN_LIMIT_RECIPIENTS },
                  { "header", DSN_LIMIT_HEADER_LENGTH } };
    char *eq = strchr (*l, '=');
    char *end = NULL;
    guint64 value = eq ? g_ascii_strtoull (eq + 1, &end, 10) : 0;
    gsize i = 0;
    while (eq && i < G_N_ELEMENTS (names) && strncmp (*l, names[i].name, eq - *l) != 0)
      i++;
    if (!eq || i == G_N_ELEMENTS (names) || strlen (names[i].name) != (gsize)(eq - *l) || !end
        || *end || value == 0 || value > G_MAXSIZE / 2) {
      g_autofree char *msg
          = g_strdup_printf ("--limit %s: expected size=, depth=, recipients= or header= "
                             "and a positive number",
                             *l);
      return cmd_usage_error (msg);
    }
    dsn_analyzer_set_limit (an, names[i].limit, (gsize)value);
  }
  for (char **d = my_domains; d && *d; d++)
    dsn_analyzer_add_own_domain (an, *d);
  for (char **r = my_relays; r && *r; r++)
    if (!dsn_analyzer_add_own_relay (an, *r, &error)) {
      g_autofree char *msg = g_strdup_printf ("--my-relay: %s", error->message);
      return cmd_usage_error (msg);
    }
  analyzer = an;
  if ((dns_servers || dns_timeout || dnsbl) && !check)
    return cmd_usage_error ("--dns-server, --dns-timeout and --dnsbl go with --check");
  if (dns_timeout < 0 || dns_timeout > 60)
    return cmd_usage_error ("--dns-timeout: expected seconds between 0 and 60");
#if DSN_HAVE_DNS
  g_autoptr (DsnResolver) res = NULL;
  if (check) {
    opt.check = TRUE;
    res = dsn_resolver_new ();
    if (!cmd_add_dns_servers (res, dns_servers, "--dns-server: "))
      return EXIT_USAGE;
    if (dns_timeout > 0)
      dsn_resolver_set_timeout (res, (guint)(dns_timeout * 1000));
    resolver = res;
    dnsbl_zones = (const char *const *)dnsbl;
  }
#else
  if (check) {
    cmd_error (
        "--check is not built in: libdsn was built without its DNS wing (-Dmailcheck=false)");
    return EXIT_USAGE;
  }
#endif

  Totals totals = { 0 };
  totals.by_kind = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  totals.by_category = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  totals.by_reason = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  totals.by_domain = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  totals.by_diagnostic = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  totals.suppress = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  Run run = { 0 };
  run.totals = &totals;
  run.progress.enabled = !no_progress && isatty (STDERR_FILENO);
  run.progress.start = g_get_monotonic_time ();
  Pool pool = { 0 };
  if (jobs > 1) {
    run.pool = &pool;
    pool.todo = g_async_queue_new ();
    g_mutex_init (&pool.lock);
    g_cond_init (&pool.done_cond);
    run.threads = g_new0 (GThread *, jobs);
    for (int i = 0; i < jobs; i++)
      run.threads[i] = g_thread_new ("dsn-worker", worker, &pool);
  }

  if (argc < 2) {
    process_path (&run, "-");
  } else {
    for (int i = 1; i < argc; i++)
      process_path (&run, argv[i]);
  }

  if (run.pool) {
    pool_drain (&pool, &totals, TRUE, &run.progress);
    while (pool.next_print < pool.next_seq)
      pool_drain (&pool, &totals, TRUE, &run.progress);
    for (int i = 0; i < jobs; i++)
      g_async_queue_push (pool.todo, g_new0 (Job, 1));
    for (int i = 0; i < jobs; i++)
      g_thread_join (run.threads[i]);
    g_free (run.threads);
    g_async_queue_unref (pool.todo);
    g_mutex_clear (&pool.lock);
    g_cond_clear (&pool.done_cond);
  }
  progress_end (&run.progress);
  if (summary)
    print_summary (&totals);
  fflush (stdout);

  int status = totals.errors ? EXIT_INPUT : totals.bounces ? EXIT_OK : EXIT_NOTHING;
  g_hash_table_unref (totals.by_kind);
  g_hash_table_unref (totals.by_category);
  g_hash_table_unref (totals.by_reason);
  g_hash_table_unref (totals.by_domain);
  g_hash_table_unref (totals.by_diagnostic);
  g_hash_table_unref (totals.suppress);
  return status;
}
