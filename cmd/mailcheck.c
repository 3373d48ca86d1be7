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
  { DSN_AREA_MX, "MX" },         { DSN_AREA_SPF, "SPF" },         { DSN_AREA_DMARC, "DMARC" },
  { DSN_AREA_DKIM, "DKIM" },     { DSN_AREA_MTA_STS, "MTA-STS" }, { DSN_AREA_TLS_RPT, "TLS-RPT" },
  { DSN_AREA_BIMI, "BIMI" },     { DSN_AREA_PTR, "PTR" },         { DSN_AREA_DNSBL, "DNSBL" },
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

static int
run_audit (DsnResolver *res, const char *domain, DsnArea checks, char **selectors, char **zones)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (DsnAudit) audit
      = dsn_resolver_audit (res, domain, checks, (const char *const *)selectors,
                            (const char *const *)zones, NULL, &error);
  if (!audit) {
    if (g_error_matches (error, DSN_ERROR, DSN_ERROR_USAGE))
      return cmd_usage_error (error->message);
    g_autofree char *text = cmd_format ("mailcheck.failed", "error", error->message);
    cmd_error ("%s", text);
    return EXIT_INPUT;
  }
  if (opt.json) {
    DsnJson *w = dsn_json_new_tree ();
    dsn_audit_write_json (audit, w, cmd_lang ());
    print_json (w);
  } else {
    print_audit (audit);
  }
  return audit_status (audit);
}

int
main (int argc, char **argv)
{
  setlocale (LC_ALL, "");
  g_set_prgname ("mailcheck");
  cmd_init ();
  gboolean version = FALSE, json = FALSE, no_dnsbl = FALSE;
  g_autofree char *lang = NULL, *color = NULL, *spf_ip = NULL, *sender = NULL, *helo = NULL;
  g_autofree char *test_ca = NULL, *test_connect_to = NULL, *checks = NULL;
  g_autofree char *timeout_text = NULL, *https_timeout_text = NULL, *retries_text = NULL;
  g_auto (GStrv) servers = NULL, selectors = NULL, zones = NULL;
  g_autofree char *lang_help = cmd_lang_help ("Language of the texts");
  GOptionEntry entries[] = {
    { "json", 'j', 0, G_OPTION_ARG_NONE, &json, "Print the result as JSON", NULL },
    { "lang", 'l', 0, G_OPTION_ARG_STRING, &lang, lang_help, "LANG" },
    { "color", 0, 0, G_OPTION_ARG_STRING, &color,
      "Colour: auto, always, never (default: auto; NO_COLOR is respected)", "WHEN" },
    { "dns-server", 's', 0, G_OPTION_ARG_STRING_ARRAY, &servers,
      "Ask this DNS server instead of /etc/resolv.conf's (repeatable)", "IP[:PORT]" },
    { "timeout", 't', 0, G_OPTION_ARG_STRING, &timeout_text,
      "Seconds to wait for a DNS answer (default: 2; doubled at each retry)", "SECONDS" },
    { "https-timeout", 0, 0, G_OPTION_ARG_STRING, &https_timeout_text,
      "Seconds allowed for fetching the MTA-STS policy over HTTPS (default: 10)", "SECONDS" },
    { "retries", 'r', 0, G_OPTION_ARG_STRING, &retries_text,
      "Retries after a DNS timeout (default: 1)", "N" },
    { "check", 'c', 0, G_OPTION_ARG_STRING, &checks,
      "Check only these areas: mx, spf, dmarc, dkim, mta-sts, tls-rpt, bimi, ptr, dnsbl, dnssec "
      "(comma-separated; default: all)",
      "AREA,..." },
    { "dkim-selector", 'k', 0, G_OPTION_ARG_STRING_ARRAY, &selectors,
      "Check the DKIM key of this selector (repeatable; default: probe common ones)", "SELECTOR" },
    { "dnsbl", 0, 0, G_OPTION_ARG_STRING_ARRAY, &zones,
      "Query this DNS blocklist zone instead of the built-in list (repeatable)", "ZONE" },
    { "no-dnsbl", 0, 0, G_OPTION_ARG_NONE, &no_dnsbl, "Query no blocklist", NULL },
    { "spf-ip", 0, 0, G_OPTION_ARG_STRING, &spf_ip,
      "Evaluate SPF for mail from this address instead of auditing", "IP" },
    { "sender", 0, 0, G_OPTION_ARG_STRING, &sender,
      "With --spf-ip: the envelope sender (default: postmaster@DOMAIN)", "ADDRESS" },
    { "helo", 0, 0, G_OPTION_ARG_STRING, &helo, "With --spf-ip: the HELO name", "NAME" },
    { "test-ca", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_FILENAME, &test_ca,
      "For tests: trust this CA file for HTTPS", "FILE" },
    { "test-connect-to", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING, &test_connect_to,
      "For tests: make every HTTPS connection to HOST:PORT", "HOST:PORT" },
    { "version", 'V', 0, G_OPTION_ARG_NONE, &version, "Print the version and exit", NULL },
    { NULL },
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("DOMAIN");
  g_option_context_set_summary (ctx, "Audit a domain's mail setup from DNS: MX, SPF, DMARC, DKIM,\n"
                                     "MTA-STS, TLS-RPT, BIMI, PTR and blocklists.");
  g_option_context_set_description (
      ctx, "Exit status: 0 everything checked looks right, 1 problems found (or some\n"
           "check could not be done), 2 usage error, 3 no DNS server answered, 4 the\n"
           "output could not be written.\n"
           "With --spf-ip: 0 pass, 1 any other result, 3 temperror.\n\n"
           "Examples:\n"
           "  mailcheck example.org\n"
           "  mailcheck --dkim-selector s1 --json example.org\n"
           "  mailcheck --check spf,dmarc --dns-server 9.9.9.9 example.org\n"
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
  double timeout, https_timeout;
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

  if (spf_ip) {
    if (argc > 2)
      return cmd_usage_error ("expected at most one DOMAIN");
    const char *domain = argc == 2 ? argv[1] : NULL;
    /* Without --sender, the domain's postmaster (RFC 7208 §4.3). */
    g_autofree char *s = sender   ? g_strdup (sender)
                         : domain ? g_strconcat ("postmaster@", domain, NULL)
                                  : NULL;
    return run_spf (res, spf_ip, domain, s, helo);
  }
  if (argc != 2)
    return cmd_usage_error ("expected one DOMAIN");
  if (argv[1][0] == '-')
    return cmd_usage_error ("unknown option");
  DsnArea areas_wanted = DSN_AREA_ALL;
  if (checks && !parse_areas (checks, &areas_wanted))
    return cmd_usage_error ("--check: expected areas among mx, spf, dmarc, dkim, mta-sts, tls-rpt, "
                            "bimi, ptr, dnsbl, dnssec");
  if (no_dnsbl && zones)
    return cmd_usage_error ("--dnsbl and --no-dnsbl cannot be used together");
  if (no_dnsbl)
    areas_wanted &= ~DSN_AREA_DNSBL;
  /* An address stands for its domain: "mailcheck alice@example.org". */
  const char *at = strrchr (argv[1], '@');
  return run_audit (res, at ? at + 1 : argv[1], areas_wanted, selectors, zones);
}
