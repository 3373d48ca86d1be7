/* mailcheck: audit a domain's mail setup from DNS.
 * SPDX-License-Identifier: BSD-2-Clause */
#include "common.h"

#include <libdsn/dsn.h>
#include <locale.h>
#include <string.h>

typedef struct {
  gboolean json;
  gboolean color;
} Options;

static Options opt;

/* Prints what the tree printer W wrote, indented (the output is read by
 * people too), and frees W. */
static void
print_json (DsnJson *w)
{
  g_autoptr (JsonNode) node = dsn_json_free_to_node (w);
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  json_generator_set_root (gen, node);
  json_generator_set_pretty (gen, TRUE);
  json_generator_set_indent (gen, 2);
  g_autofree char *text = json_generator_to_data (gen, NULL);
  fputs (text, stdout);
  fputc ('\n', stdout);
}

/* ------------------------------------------------------------ --spf-ip */

static int
run_spf (DsnResolver *res, const char *ip, const char *domain, const char *sender, const char *helo)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (DsnSpfResult) r = dsn_resolver_check_spf (res, ip, domain, sender, helo, NULL, &error);
  if (!r) {
    cmd_error ("%s", error->message);
    return EXIT_USAGE;
  }
  DsnSpfCode code = dsn_spf_result_get_code (r);
  g_autoptr (JsonNode) node = dsn_spf_result_to_json (r, cmd_lang ());
  if (opt.json) {
    DsnJson *w = dsn_json_new_tree ();
    dsn_json_begin_object (w);
    dsn_json_set_member_name (w, "schema");
    dsn_json_add_int_value (w, 1);
    dsn_json_set_member_name (w, "spf");
    dsn_json_add_node (w, node);
    dsn_json_end_object (w);
    print_json (w);
  } else {
    Palette p;
    cmd_palette (&p, opt.color);
    /* The record, its explanation and the names come from the DNS. */
    g_autoptr (GPtrArray) keep = g_ptr_array_new_with_free_func (g_free);
    JsonObject *o = json_node_get_object (node);
    const char *color = code == DSN_SPF_PASS                                ? p.green
                        : code == DSN_SPF_FAIL || code == DSN_SPF_PERMERROR ? p.red
                                                                            : p.yellow;
    printf ("%s%s%s %s %s%s%s\n", p.bold, cmd_text ("mailcheck.spf_result"), p.reset, color,
            dsn_spf_code_to_string (code), p.reset, "");
    printf ("  %-14s %s\n", cmd_text ("mailcheck.spf_domain"),
            cmd_safe (keep, json_object_get_string_member (o, "domain")));
    printf ("  %-14s %s\n", cmd_text ("mailcheck.spf_address"),
            cmd_safe (keep, json_object_get_string_member (o, "ip")));
    printf ("  %-14s %s\n", cmd_text ("mailcheck.spf_sender"),
            cmd_safe (keep, json_object_get_string_member (o, "sender")));
    if (*json_object_get_string_member (o, "helo"))
      printf ("  %-14s %s\n", cmd_text ("mailcheck.spf_helo"),
              cmd_safe (keep, json_object_get_string_member (o, "helo")));
    const char *record = json_object_get_string_member_with_default (o, "record", NULL);
    if (record)
      printf ("  %-14s %s\n", cmd_text ("mailcheck.spf_record"), cmd_safe (keep, record));
    if (dsn_spf_result_get_explanation (r))
      printf ("  %-14s %s\n", cmd_text ("mailcheck.spf_explanation"),
              cmd_safe (keep, dsn_spf_result_get_explanation (r)));
    const char *problem = dsn_spf_result_get_problem (r, cmd_lang ());
    if (problem)
      printf ("  %-14s %s\n", cmd_text ("mailcheck.spf_problem"), cmd_safe (keep, problem));
    JsonArray *path = json_object_get_array_member (o, "path");
    if (json_array_get_length (path)) {
      printf ("  %s\n", cmd_text ("mailcheck.spf_decided_by"));
      for (guint i = 0; i < json_array_get_length (path); i++) {
        JsonObject *s = json_array_get_object_element (path, i);
        printf ("    %s%s%s: %s → %s\n", p.dim,
                cmd_safe (keep, json_object_get_string_member (s, "domain")), p.reset,
                cmd_safe (keep, json_object_get_string_member (s, "term")),
                json_object_get_string_member (s, "result"));
      }
    }
    g_autofree char *lookups
        = g_strdup_printf ("%" G_GINT64_FORMAT, json_object_get_int_member (o, "lookups"));
    g_autofree char *voids
        = g_strdup_printf ("%" G_GINT64_FORMAT, json_object_get_int_member (o, "void_lookups"));
    g_autofree char *counts
        = cmd_format ("mailcheck.spf_lookup_counts", "lookups", lookups, "void", voids);
    printf ("  %-14s %s\n", cmd_text ("mailcheck.spf_lookups"), counts);
  }
  if (code == DSN_SPF_PASS)
    return EXIT_OK;
  if (code == DSN_SPF_TEMPERROR)
    return EXIT_INPUT;
  return EXIT_NOTHING;
}

/* ------------------------------------------------------------ audit */

static const struct {
  DsnArea area;
  const char *label;
} areas[] = {
  { DSN_AREA_MX, "MX" },           { DSN_AREA_STARTTLS, "STARTTLS" },
  { DSN_AREA_SPF, "SPF" },         { DSN_AREA_DMARC, "DMARC" },
  { DSN_AREA_DKIM, "DKIM" },       { DSN_AREA_MTA_STS, "MTA-STS" },
  { DSN_AREA_TLS_RPT, "TLS-RPT" }, { DSN_AREA_BIMI, "BIMI" },
  { DSN_AREA_PTR, "PTR" },         { DSN_AREA_DNSBL, "DNSBL" },
  { DSN_AREA_DNSSEC, "DNSSEC" },
};

/* Parses "mx,spf,dmarc" into areas; FALSE if a name is unknown. */
static gboolean
parse_areas (const char *list, DsnArea *out)
{
  *out = 0;
  g_auto (GStrv) names = g_strsplit (list, ",", -1);
  for (char **n = names; *n; n++) {
    g_strstrip (*n);
    if (!**n)
      continue;
    if (!g_ascii_strcasecmp (*n, "all")) {
      *out |= DSN_AREA_ALL;
      continue;
    }
    gboolean found = FALSE;
    for (gsize i = 0; i < G_N_ELEMENTS (areas); i++)
      if (!g_ascii_strcasecmp (*n, dsn_area_to_string (areas[i].area))
          || !g_ascii_strcasecmp (*n, areas[i].label)) {
        *out |= areas[i].area;
        found = TRUE;
      }
    if (!found)
      return FALSE;
  }
  return *out != 0;
}

static const char *
verdict_text (DsnVerdict v)
{
  switch (v) {
  case DSN_VERDICT_OK: return cmd_text ("mailcheck.verdict_ok");
  case DSN_VERDICT_NONE: return cmd_text ("mailcheck.verdict_none");
  case DSN_VERDICT_WARNING: return cmd_text ("mailcheck.verdict_warning");
  case DSN_VERDICT_ERROR: return cmd_text ("mailcheck.verdict_error");
  case DSN_VERDICT_UNKNOWN: return cmd_text ("mailcheck.verdict_unknown");
  case DSN_VERDICT_SKIPPED: return cmd_text ("mailcheck.verdict_skipped");
  }
  return "";
}

/* Wraps TEXT (escaped: findings name what the DNS said) at WIDTH columns;
 * the first line continues after FIRST_COL columns already used, the others
 * start with INDENT. */
static void
print_wrapped (const char *text, guint first_col, const char *indent, guint width)
{
  g_autofree char *shown = cmd_escape (text);
  g_auto (GStrv) words = g_strsplit_set (shown, " ", -1);
  guint col = first_col;
  gboolean first = TRUE;
  for (char **w = words; *w; w++) {
    if (!**w)
      continue;
    guint n = (guint)g_utf8_strlen (*w, -1);
    if (!first && col + 1 + n > width) {
      printf ("\n%s", indent);
      col = (guint)g_utf8_strlen (indent, -1);
    } else if (!first) {
      putchar (' ');
      col++;
    }
    fputs (*w, stdout);
    col += n;
    first = FALSE;
  }
  putchar ('\n');
}

static const DsnFinding *
area_headline (const DsnAudit *audit, DsnArea area)
{
  /* The worst finding of the area, or its good news. */
  const DsnFinding *best = NULL;
  for (guint i = 0; i < dsn_audit_get_n_findings (audit); i++) {
    const DsnFinding *f = dsn_audit_get_finding (audit, i);
    if (dsn_finding_get_area (f) != area)
      continue;
    if (!best)
      best = f;
    if (dsn_finding_get_severity (f) == DSN_SEVERITY_OK)
      return dsn_audit_get_verdict (audit, area) == DSN_VERDICT_OK ? f : best;
  }
  return best;
}

static void
print_finding (const DsnFinding *f, const Palette *p, const char *bullet, const char *color)
{
  const char *rfc = dsn_finding_get_rfc (f);
  printf ("  %s%s%s ", color, bullet, p->reset);
  print_wrapped (dsn_finding_get_message (f, cmd_lang ()), 4, "    ", 78);
  const char *advice = dsn_finding_get_advice (f, cmd_lang ());
  if (advice) {
    printf ("    %s→%s ", p->bold, p->reset);
    print_wrapped (advice, 6, "      ", 78);
  }
  printf ("    %s[%s%s%s]%s\n", p->dim, dsn_finding_get_code (f), rfc ? ", " : "", rfc ? rfc : "",
          p->reset);
}

/* The includes and redirects of the SPF term tree NODE, each with the DNS
 * lookups it costs, everything below it included; those past the limit,
 * which receivers never evaluate, are left out. */
static void
print_spf_node (JsonObject *node, guint depth, const Palette *p)
{
  JsonArray *terms = json_object_get_array_member (node, "terms");
  for (guint i = 0; terms && i < json_array_get_length (terms); i++) {
    JsonObject *t = json_array_get_object_element (terms, i);
    const char *type = json_object_get_string_member (t, "type");
    if ((strcmp (type, "include") && strcmp (type, "redirect"))
        || json_object_get_boolean_member_with_default (t, "beyond_limit", FALSE))
      continue;
    /* From a record: shown escaped. */
    g_autofree char *term = cmd_escape (json_object_get_string_member (t, "term"));
    gint64 cost = json_object_get_int_member (t, "lookups_total");
    int width = 40 - 2 * (int)depth;
    printf ("  %*s%-*s %s%3" G_GINT64_FORMAT "%s\n", (int)(2 * depth), "", MAX (width, 1), term,
            p->bold, cost, p->reset);
    JsonNode *child = json_object_get_member (t, "record");
    if (child && JSON_NODE_HOLDS_OBJECT (child) && depth < 10)
      print_spf_node (json_node_get_object (child), depth + 1, p);
  }
}

/* What each SPF include costs of the 10 DNS lookups allowed. */
static void
print_spf_costs (const DsnAudit *audit, const Palette *p)
{
  if (dsn_audit_get_verdict (audit, DSN_AREA_SPF) == DSN_VERDICT_SKIPPED)
    return;
  g_autoptr (JsonNode) root = dsn_audit_to_json (audit, cmd_lang ());
  JsonObject *spf = json_object_get_object_member (
      json_object_get_object_member (json_node_get_object (root), "areas"), "spf");
  JsonNode *tree = spf ? json_object_get_member (spf, "tree") : NULL;
  if (!tree || !JSON_NODE_HOLDS_OBJECT (tree))
    return;
  JsonArray *terms = json_object_get_array_member (json_node_get_object (tree), "terms");
  gboolean any = FALSE;
  for (guint i = 0; terms && i < json_array_get_length (terms); i++) {
    const char *type
        = json_object_get_string_member (json_array_get_object_element (terms, i), "type");
    any |= !strcmp (type, "include") || !strcmp (type, "redirect");
  }
  if (!any)
    return;
  g_autofree char *n
      = g_strdup_printf ("%" G_GINT64_FORMAT, json_object_get_int_member (spf, "lookups"));
  g_autofree char *title
      = json_object_get_boolean_member_with_default (spf, "lookups_complete", TRUE)
            ? cmd_format ("mailcheck.spf_costs", "lookups", n)
            : g_strdup (cmd_text ("mailcheck.spf_costs_over"));
  printf ("\n%s%s%s\n", p->bold, title, p->reset);
  print_spf_node (json_node_get_object (tree), 0, p);
}

static void
print_audit (const DsnAudit *audit)
{
  Palette p;
  cmd_palette (&p, opt.color);
  guint errors = 0, warnings = 0, unchecked = 0;
  for (guint i = 0; i < dsn_audit_get_n_findings (audit); i++) {
    const DsnFinding *f = dsn_audit_get_finding (audit, i);
    DsnSeverity s = dsn_finding_get_severity (f);
    if (dsn_finding_get_unchecked (f))
      unchecked++;
    else if (s == DSN_SEVERITY_ERROR)
      errors++;
    else if (s == DSN_SEVERITY_WARNING)
      warnings++;
  }
  g_autofree char *domain = cmd_escape (dsn_audit_get_domain (audit));
  printf ("%s%s%s: ", p.bold, domain, p.reset);
  if (dsn_audit_get_dns_unreachable (audit))
    printf ("%s%s%s\n", p.red, cmd_text ("mailcheck.unreachable"), p.reset);
  else if (errors + warnings + unchecked == 0)
    printf ("%s%s%s\n", p.green, cmd_text ("mailcheck.all_good"), p.reset);
  else {
    char e[16], w[16], u[16];
    g_snprintf (e, sizeof e, "%u", errors);
    g_snprintf (w, sizeof w, "%u", warnings);
    g_snprintf (u, sizeof u, "%u", unchecked);
    g_autofree char *counts = cmd_format ("mailcheck.counts", "errors", e, "warnings", w,
                                          "unchecked", unchecked ? u : NULL);
    printf ("%s%s%s\n", errors ? p.red : p.yellow, counts, p.reset);
  }
  putchar ('\n');
  for (gsize i = 0; i < G_N_ELEMENTS (areas); i++) {
    DsnVerdict v = dsn_audit_get_verdict (audit, areas[i].area);
    if (v == DSN_VERDICT_SKIPPED)
      continue;
    const char *color = v == DSN_VERDICT_OK        ? p.green
                        : v == DSN_VERDICT_ERROR   ? p.red
                        : v == DSN_VERDICT_WARNING ? p.yellow
                        : v == DSN_VERDICT_UNKNOWN ? p.cyan
                                                   : p.dim;
    const char *mark = !opt.color                 ? ""
                       : v == DSN_VERDICT_OK      ? "✔ "
                       : v == DSN_VERDICT_ERROR   ? "✘ "
                       : v == DSN_VERDICT_WARNING ? "⚠ "
                       : v == DSN_VERDICT_UNKNOWN ? "? "
                                                  : "· ";
    g_autofree char *word = g_strdup_printf ("%s%s", mark, verdict_text (v));
    guint pad = 18 - MIN (17, (guint)g_utf8_strlen (word, -1));
    printf ("  %s%-8s%s %s%s%s%*s", p.bold, areas[i].label, p.reset, color, word, p.reset, (int)pad,
            "");
    const DsnFinding *f = area_headline (audit, areas[i].area);
    if (f)
      print_wrapped (dsn_finding_get_message (f, cmd_lang ()), 29, "                             ",
                     100);
    else
      putchar ('\n');
  }
  print_spf_costs (audit, &p);
  /* Then every finding, by what to fix first. */
  static const struct {
    int rank;
    const char *title;
  } sections[] = {
    { 0, "mailcheck.fix_first" },
    { 1, "mailcheck.could_not_check" },
    { 2, "mailcheck.good_to_know" },
  };
  for (gsize s = 0; s < G_N_ELEMENTS (sections); s++) {
    gboolean header = FALSE;
    for (guint i = 0; i < dsn_audit_get_n_findings (audit); i++) {
      const DsnFinding *f = dsn_audit_get_finding (audit, i);
      DsnSeverity sev = dsn_finding_get_severity (f);
      gboolean not_done = dsn_finding_get_unchecked (f);
      int rank = sev == DSN_SEVERITY_OK ? -1 : not_done ? 1 : sev >= DSN_SEVERITY_WARNING ? 0 : 2;
      if (rank != sections[s].rank)
        continue;
      if (!header) {
        printf ("\n%s%s%s\n", p.bold, cmd_text (sections[s].title), p.reset);
        header = TRUE;
      }
      const char *bullet = sev == DSN_SEVERITY_ERROR ? "✘"
                           : rank == 0               ? "⚠"
                           : rank == 1               ? "?"
                                                     : "-";
      const char *color = sev == DSN_SEVERITY_ERROR ? p.red
                          : rank == 0               ? p.yellow
                          : rank == 1               ? p.cyan
                                                    : p.dim;
      print_finding (f, &p, bullet, color);
    }
  }
}

static int
audit_status (const DsnAudit *audit)
{
  if (dsn_audit_get_dns_unreachable (audit))
    return EXIT_INPUT;
  for (gsize i = 0; i < G_N_ELEMENTS (areas); i++) {
    DsnVerdict v = dsn_audit_get_verdict (audit, areas[i].area);
    if (v == DSN_VERDICT_ERROR || v == DSN_VERDICT_WARNING || v == DSN_VERDICT_UNKNOWN)
      return EXIT_NOTHING;
  }
  return EXIT_OK;
}

/* ------------------------------------------------------------ several domains */

typedef struct {
  char *domain;
  DsnAudit *audit;
  GError *error;
  gboolean done;
} Job;

typedef struct {
  DsnResolver *res;
  DsnArea areas;
  char **selectors, **zones;
  GPtrArray *jobs; /* Job, in the order given */
  guint next_start, next_print, running;
  gboolean batch; /* several domains: JSON Lines, a summary line */
  GMainLoop *loop;
  int status;
  guint good, problems, unchecked;
} Run;

static void start_more (Run *run);

static void
job_free (Job *j)
{
  g_free (j->domain);
  if (j->audit)
    dsn_audit_free (j->audit);
  g_clear_error (&j->error);
  g_free (j);
}

/* The worse of two exit statuses: no DNS over a usage error over problems. */
static int
worse (int a, int b)
{
  static const int rank[]
      = { [EXIT_OK] = 0, [EXIT_NOTHING] = 1, [EXIT_USAGE] = 2, [EXIT_INPUT] = 3 };
  return rank[b] > rank[a] ? b : a;
}

static void
print_json_line (JsonNode *node)
{
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  json_generator_set_root (gen, node);
  g_autofree char *text = json_generator_to_data (gen, NULL);
  fputs (text, stdout);
  fputc ('\n', stdout);
}

/* Prints the result of J, in the order given. */
static void
print_job (Run *run, Job *j)
{
  int status;
  if (!j->audit) {
    gboolean usage = g_error_matches (j->error, DSN_ERROR, DSN_ERROR_USAGE);
    status = usage ? EXIT_USAGE : EXIT_INPUT;
    g_autofree char *text = usage ? g_strdup (j->error->message)
                                  : cmd_format ("mailcheck.failed", "error", j->error->message);
    if (!run->batch && usage) {
      run->status = cmd_usage_error (text);
      return;
    }
    if (run->batch && opt.json) {
      g_autoptr (JsonBuilder) b = json_builder_new ();
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "schema");
      json_builder_add_int_value (b, 1);
      json_builder_set_member_name (b, "domain");
      json_builder_add_string_value (b, j->domain);
      json_builder_set_member_name (b, "error");
      json_builder_add_string_value (b, text);
      json_builder_end_object (b);
      g_autoptr (JsonNode) node = json_builder_get_root (b);
      print_json_line (node);
    } else {
      cmd_error ("%s", text);
    }
    run->unchecked++;
  } else {
    status = audit_status (j->audit);
    if (opt.json && run->batch) {
      g_autoptr (JsonNode) node = dsn_audit_to_json (j->audit, cmd_lang ());
      print_json_line (node);
    } else if (opt.json) {
      DsnJson *w = dsn_json_new_tree ();
      dsn_audit_write_json (j->audit, w, cmd_lang ());
      print_json (w);
    } else {
      if (run->batch && run->next_print > 0)
        putchar ('\n');
      print_audit (j->audit);
    }
    if (status == EXIT_OK)
      run->good++;
    else if (status == EXIT_NOTHING)
      run->problems++;
    else
      run->unchecked++;
  }
  run->status = worse (run->status, status);
  fflush (stdout);
}

typedef struct {
  Run *run;
  Job *job;
} Pending;

static void
on_audit_done (GObject *source, GAsyncResult *result, gpointer data)
{
  Pending *p = data;
  Run *run = p->run;
  Job *j = p->job;
  g_free (p);
  j->audit = dsn_resolver_audit_finish (run->res, result, &j->error);
  j->done = TRUE;
  run->running--;
  while (run->next_print < run->jobs->len) {
    Job *next = run->jobs->pdata[run->next_print];
    if (!next->done)
      break;
    print_job (run, next);
    run->next_print++;
    /* What is printed is no longer needed. */
    g_clear_pointer (&next->audit, dsn_audit_free);
  }
  start_more (run);
  if (run->next_print == run->jobs->len)
    g_main_loop_quit (run->loop);
}

/* Audits run side by side, a few at a time: each already runs its own
 * lookups in parallel. */
#define MAX_RUNNING 4

static void
start_more (Run *run)
{
  while (run->running < MAX_RUNNING && run->next_start < run->jobs->len) {
    Job *j = run->jobs->pdata[run->next_start++];
    Pending *p = g_new0 (Pending, 1);
    p->run = run;
    p->job = j;
    run->running++;
    dsn_resolver_audit_async (run->res, j->domain, run->areas, (const char *const *)run->selectors,
                              (const char *const *)run->zones, NULL, on_audit_done, p);
  }
}

static int
run_audits (DsnResolver *res, GPtrArray *domains, gboolean batch, DsnArea wanted, char **selectors,
            char **zones)
{
  Run run = { 0 };
  run.res = res;
  run.areas = wanted;
  run.selectors = selectors;
  run.zones = zones;
  run.batch = batch;
  run.status = EXIT_OK;
  run.jobs = g_ptr_array_new_with_free_func ((GDestroyNotify)job_free);
  for (guint i = 0; i < domains->len; i++) {
    Job *j = g_new0 (Job, 1);
    /* An address stands for its domain: "mailcheck alice@example.org". */
    const char *d = domains->pdata[i];
    const char *at = strrchr (d, '@');
    j->domain = g_strdup (at ? at + 1 : d);
    g_ptr_array_add (run.jobs, j);
  }
  run.loop = g_main_loop_new (NULL, FALSE);
  start_more (&run);
  if (run.jobs->len)
    g_main_loop_run (run.loop);
  g_main_loop_unref (run.loop);
  if (batch && !opt.json) {
    char n[16], g[16], pr[16], u[16];
    g_snprintf (n, sizeof n, "%u", run.jobs->len);
    g_snprintf (g, sizeof g, "%u", run.good);
    g_snprintf (pr, sizeof pr, "%u", run.problems);
    g_snprintf (u, sizeof u, "%u", run.unchecked);
    g_autofree char *line = cmd_format ("mailcheck.summary", "domains", n, "good", g, "problems",
                                        pr, "unchecked", run.unchecked ? u : NULL);
    printf ("\n%s\n", line);
  }
  g_ptr_array_unref (run.jobs);
  /* A single domain that is not one is a usage error, as it always was. */
  return run.status;
}

/* The domains of FILE ("-": standard input): one a line; blank lines and
 * "#" comments are skipped. */
static gboolean
read_domains (const char *path, GPtrArray *out)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;
  gsize len = 0;
  if (!strcmp (path, "-")) {
    GString *s = g_string_new (NULL);
    char buf[4096];
    size_t n;
    while ((n = fread (buf, 1, sizeof buf, stdin)) > 0)
      g_string_append_len (s, buf, (gssize)n);
    len = s->len;
    text = g_string_free (s, FALSE);
  } else if (!g_file_get_contents (path, &text, &len, &error)) {
    cmd_error ("--from-file: %s", error->message);
    return FALSE;
  }
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  for (char **l = lines; *l; l++) {
    char *hash = strchr (*l, '#');
    if (hash)
      *hash = '\0';
    g_strstrip (*l);
    if (**l)
      g_ptr_array_add (out, g_strdup (*l));
  }
  return TRUE;
}

int
main (int argc, char **argv)
{
  setlocale (LC_ALL, "");
  g_set_prgname ("mailcheck");
  cmd_init ();
  gboolean version = FALSE, json = FALSE, no_dnsbl = FALSE, no_smtp = FALSE;
  g_autofree char *lang = NULL, *color = NULL, *spf_ip = NULL, *sender = NULL, *helo = NULL;
  g_autofree char *test_ca = NULL, *test_connect_to = NULL, *checks = NULL, *from_file = NULL;
  g_autofree char *test_smtp_ca = NULL;
  g_autofree char *timeout_text = NULL, *https_timeout_text = NULL, *retries_text = NULL;
  g_autofree char *smtp_timeout_text = NULL;
  g_auto (GStrv) servers = NULL, selectors = NULL, zones = NULL;
  int test_smtp_port = 0;
  g_autofree char *lang_help = cmd_lang_help ("Language of the texts");
  GOptionEntry entries[] = {
    { "json", 'j', 0, G_OPTION_ARG_NONE, &json,
      "Print the result as JSON (JSON Lines for several domains)", NULL },
    { "lang", 'l', 0, G_OPTION_ARG_STRING, &lang, lang_help, "LANG" },
    { "color", 0, 0, G_OPTION_ARG_STRING, &color,
      "Colour: auto, always, never (default: auto; NO_COLOR is respected)", "WHEN" },
    { "dns-server", 's', 0, G_OPTION_ARG_STRING_ARRAY, &servers,
      "Ask this DNS server instead of /etc/resolv.conf's (repeatable)", "IP[:PORT]" },
    { "timeout", 't', 0, G_OPTION_ARG_STRING, &timeout_text,
      "Seconds to wait for a DNS answer (default: 2; doubled at each retry)", "SECONDS" },
    { "https-timeout", 0, 0, G_OPTION_ARG_STRING, &https_timeout_text,
      "Seconds allowed for fetching the MTA-STS policy over HTTPS (default: 10)", "SECONDS" },
    { "smtp-timeout", 0, 0, G_OPTION_ARG_STRING, &smtp_timeout_text,
      "Seconds allowed for each step of an SMTP session on port 25 (default: 10)", "SECONDS" },
    { "retries", 'r', 0, G_OPTION_ARG_STRING, &retries_text,
      "Retries after a DNS timeout (default: 1)", "N" },
    { "check", 'c', 0, G_OPTION_ARG_STRING, &checks,
      "Check only these areas: mx, starttls, spf, dmarc, dkim, mta-sts, tls-rpt, bimi, ptr, dnsbl, "
      "dnssec (comma-separated; default: all)",
      "AREA,..." },
    { "no-smtp", 0, 0, G_OPTION_ARG_NONE, &no_smtp,
      "Connect to no mail server (leaves out the starttls area)", NULL },
    { "dkim-selector", 'k', 0, G_OPTION_ARG_STRING_ARRAY, &selectors,
      "Check the DKIM key of this selector (repeatable; default: probe common ones)", "SELECTOR" },
    { "dnsbl", 0, 0, G_OPTION_ARG_STRING_ARRAY, &zones,
      "Query this DNS blocklist zone instead of the built-in list (repeatable)", "ZONE" },
    { "no-dnsbl", 0, 0, G_OPTION_ARG_NONE, &no_dnsbl, "Query no blocklist", NULL },
    { "from-file", 'f', 0, G_OPTION_ARG_FILENAME, &from_file,
      "Audit the domains listed in FILE, one a line (- for standard input)", "FILE" },
    { "spf-ip", 0, 0, G_OPTION_ARG_STRING, &spf_ip,
      "Evaluate SPF for mail from this address instead of auditing", "IP" },
    { "sender", 0, 0, G_OPTION_ARG_STRING, &sender,
      "With --spf-ip: the envelope sender (default: postmaster@DOMAIN)", "ADDRESS" },
    { "helo", 0, 0, G_OPTION_ARG_STRING, &helo, "With --spf-ip: the HELO name", "NAME" },
    { "test-ca", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_FILENAME, &test_ca,
      "For tests: trust this CA file for HTTPS", "FILE" },
    { "test-connect-to", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING, &test_connect_to,
      "For tests: make every HTTPS connection to HOST:PORT", "HOST:PORT" },
    { "test-smtp-ca", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_FILENAME, &test_smtp_ca,
      "For tests: trust this CA file for SMTP", "FILE" },
    { "test-smtp-port", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT, &test_smtp_port,
      "For tests: connect to mail servers on this port instead of 25", "PORT" },
    { "version", 'V', 0, G_OPTION_ARG_NONE, &version, "Print the version and exit", NULL },
    { NULL },
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("DOMAIN...");
  g_option_context_set_summary (
      ctx, "Audit a domain's mail setup: MX, STARTTLS and DANE on port 25, SPF, DMARC,\n"
           "DKIM, MTA-STS, TLS-RPT, BIMI, PTR and blocklists.");
  g_option_context_set_description (
      ctx, "Exit status: 0 everything checked looks right, 1 problems found (or some\n"
           "check could not be done), 2 usage error, 3 no DNS server answered, 4 the\n"
           "output could not be written; for several domains, the worst of theirs.\n"
           "With --spf-ip: 0 pass, 1 any other result, 3 temperror.\n\n"
           "Examples:\n"
           "  mailcheck example.org\n"
           "  mailcheck --dkim-selector s1 --json example.org\n"
           "  mailcheck --check spf,dmarc --dns-server 9.9.9.9 example.org\n"
           "  mailcheck --json --from-file domains.txt   (one JSON object a line)\n"
           "  mailcheck --spf-ip 192.0.2.1 --sender user@example.org\n"
           "  mailcheck 192.0.2.1          (reverse DNS and blocklists of an address)\n\n"
           "See mailcheck(1).");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_autoptr (GError) error = NULL;
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return cmd_usage_error (error->message);
  if (version) {
    printf ("mailcheck (libdsn) %s\n", DSN_VERSION_STRING);
    return EXIT_OK;
  }
  opt.json = json;
  if (!cmd_set_language (lang, TRUE))
    return EXIT_USAGE;
  ColorMode cm;
  if (!cmd_parse_color (color, &cm))
    return cmd_usage_error ("--color: expected auto, always or never");
  opt.color = !json && cmd_use_color (cm, stdout);

  g_autoptr (DsnResolver) res = dsn_resolver_new ();
  if (!cmd_add_dns_servers (res, servers, ""))
    return EXIT_USAGE;
  double timeout, https_timeout, smtp_timeout;
  guint64 retries;
  if (timeout_text) {
    if (!cmd_parse_seconds ("--timeout", timeout_text, 0.01, 60, &timeout))
      return EXIT_USAGE;
    dsn_resolver_set_timeout (res, (guint)(timeout * 1000 + 0.5));
  }
  if (https_timeout_text) {
    if (!cmd_parse_seconds ("--https-timeout", https_timeout_text, 0.01, 60, &https_timeout))
      return EXIT_USAGE;
    dsn_resolver_set_https_timeout (res, (guint)(https_timeout * 1000 + 0.5));
  }
  if (smtp_timeout_text) {
    if (!cmd_parse_seconds ("--smtp-timeout", smtp_timeout_text, 0.01, 120, &smtp_timeout))
      return EXIT_USAGE;
    dsn_resolver_set_smtp_timeout (res, (guint)(smtp_timeout * 1000 + 0.5));
  }
  if (retries_text) {
    if (!cmd_parse_number ("--retries", retries_text, 0, 10, &retries))
      return EXIT_USAGE;
    dsn_resolver_set_retries (res, (guint)retries);
  }
  for (char **z = zones; z && *z; z++)
    if (!cmd_check_name ("--dnsbl", *z))
      return EXIT_USAGE;
  for (char **k = selectors; k && *k; k++)
    if (!cmd_check_name ("--dkim-selector", *k))
      return EXIT_USAGE;
  if (test_ca || test_connect_to)
    dsn_resolver_set_test_https (res, test_ca, test_connect_to);
  if (test_smtp_port < 0 || test_smtp_port > 65535)
    return cmd_usage_error ("--test-smtp-port: expected a port number");
  if (test_smtp_ca || test_smtp_port)
    dsn_resolver_set_test_smtp (res, test_smtp_ca, (guint16)test_smtp_port);

  if (spf_ip) {
    if (argc > 2 || from_file)
      return cmd_usage_error ("expected at most one DOMAIN");
    const char *domain = argc == 2 ? argv[1] : NULL;
    /* Without --sender, the domain's postmaster (RFC 7208 §4.3). */
    g_autofree char *s = sender   ? g_strdup (sender)
                         : domain ? g_strconcat ("postmaster@", domain, NULL)
                                  : NULL;
    return run_spf (res, spf_ip, domain, s, helo);
  }
  DsnArea areas_wanted = DSN_AREA_ALL;
  if (checks && !parse_areas (checks, &areas_wanted))
    return cmd_usage_error (
        "--check: expected areas among mx, starttls, spf, dmarc, dkim, mta-sts, "
        "tls-rpt, bimi, ptr, dnsbl, dnssec");
  if (no_dnsbl && zones)
    return cmd_usage_error ("--dnsbl and --no-dnsbl cannot be used together");
  if (no_dnsbl)
    areas_wanted &= ~DSN_AREA_DNSBL;
  if (no_smtp)
    areas_wanted &= ~DSN_AREA_STARTTLS;
  if (!areas_wanted)
    return cmd_usage_error ("--no-smtp leaves nothing to check");
  g_autoptr (GPtrArray) domains = g_ptr_array_new_with_free_func (g_free);
  for (int i = 1; i < argc; i++) {
    if (argv[i][0] == '-' && argv[i][1])
      return cmd_usage_error ("unknown option");
    g_ptr_array_add (domains, g_strdup (argv[i]));
  }
  if (from_file && !read_domains (from_file, domains))
    return EXIT_USAGE;
  if (!domains->len)
    return cmd_usage_error (from_file ? "--from-file: no domain in the file" : "expected a DOMAIN");
  gboolean batch = domains->len > 1 || from_file;
  int status = run_audits (res, domains, batch, areas_wanted, selectors, zones);
  /* One domain that is no domain name: a usage error, said as one. */
  return status;
}
