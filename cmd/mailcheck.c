/* mailcheck: audit a domain's mail setup from DNS.
 * SPDX-License-Identifier: BSD-2-Clause */
#include "common.h"

#include <libdsn/dsn.h>
#include <locale.h>
#include <string.h>

typedef struct {
  gboolean json;
  const char *lang;
  gboolean color;
} Options;

static Options opt;

static const char *
L (const char *en, const char *fr)
{
  return strcmp (opt.lang, "fr") == 0 ? fr : en;
}

static void
print_json (JsonNode *node)
{
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
run_spf (DsnResolver *res, const char *ip, const char *sender, const char *helo)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (DsnSpfResult) r = dsn_resolver_check_spf (res, ip, sender, helo, NULL, &error);
  if (!r) {
    cmd_error ("%s", error->message);
    return EXIT_USAGE;
  }
  DsnSpfCode code = dsn_spf_result_get_code (r);
  g_autoptr (JsonNode) node = dsn_spf_result_to_json (r);
  if (opt.json) {
    g_autoptr (JsonNode) out = json_node_new (JSON_NODE_OBJECT);
    JsonObject *o = json_object_new ();
    json_node_take_object (out, o);
    json_object_set_int_member (o, "schema", 1);
    json_object_set_member (o, "spf", json_node_ref (node));
    print_json (out);
  } else {
    Palette p;
    cmd_palette (&p, opt.color);
    JsonObject *o = json_node_get_object (node);
    const char *color = code == DSN_SPF_PASS ? p.green : code == DSN_SPF_FAIL || code == DSN_SPF_PERMERROR ? p.red : p.yellow;
    printf ("%s%s%s %s %s%s%s\n", p.bold, L ("SPF result:", "Résultat SPF :"), p.reset, color,
            dsn_spf_code_to_string (code), p.reset, "");
    printf ("  %-14s %s\n", L ("Address:", "Adresse :"), json_object_get_string_member (o, "ip"));
    printf ("  %-14s %s\n", L ("Sender:", "Expéditeur :"), json_object_get_string_member (o, "sender"));
    if (*json_object_get_string_member (o, "helo"))
      printf ("  %-14s %s\n", "HELO:", json_object_get_string_member (o, "helo"));
    const char *record = json_object_get_string_member_with_default (o, "record", NULL);
    if (record)
      printf ("  %-14s %s\n", L ("Record:", "Enregistrement :"), record);
    if (dsn_spf_result_get_explanation (r))
      printf ("  %-14s %s\n", L ("Explanation:", "Explication :"), dsn_spf_result_get_explanation (r));
    if (dsn_spf_result_get_problem (r))
      printf ("  %-14s %s\n", L ("Problem:", "Problème :"), dsn_spf_result_get_problem (r));
    JsonArray *path = json_object_get_array_member (o, "path");
    if (json_array_get_length (path)) {
      printf ("  %s\n", L ("Decided by:", "Décidé par :"));
      for (guint i = 0; i < json_array_get_length (path); i++) {
        JsonObject *s = json_array_get_object_element (path, i);
        printf ("    %s%s%s: %s → %s\n", p.dim, json_object_get_string_member (s, "domain"), p.reset,
                json_object_get_string_member (s, "term"), json_object_get_string_member (s, "result"));
      }
    }
    printf ("  %-14s %" G_GINT64_FORMAT "/10, %s %" G_GINT64_FORMAT "/2\n", L ("DNS lookups:", "Requêtes DNS :"),
            json_object_get_int_member (o, "lookups"), L ("void", "vides"),
            json_object_get_int_member (o, "void_lookups"));
  }
  if (code == DSN_SPF_PASS)
    return EXIT_OK;
  if (code == DSN_SPF_TEMPERROR)
    return EXIT_INPUT;
  return EXIT_NOTHING;
}

int
main (int argc, char **argv)
{
  setlocale (LC_ALL, "");
  g_set_prgname ("mailcheck");
  cmd_init_signals ();
  gboolean version = FALSE, json = FALSE;
  char *lang = NULL, *color = NULL, *spf_ip = NULL, *sender = NULL, *helo = NULL;
  char **servers = NULL;
  double timeout = 0;
  int retries = -1;
  char *test_ca = NULL, *test_connect_to = NULL;
  GOptionEntry entries[] = {
    { "json", 'j', 0, G_OPTION_ARG_NONE, &json, "Print the result as JSON", NULL },
    { "lang", 'l', 0, G_OPTION_ARG_STRING, &lang, "Language of the texts: en, fr (default: from the locale)", "LANG" },
    { "color", 0, 0, G_OPTION_ARG_STRING, &color, "Colour: auto, always, never (default: auto; NO_COLOR is respected)", "WHEN" },
    { "dns-server", 's', 0, G_OPTION_ARG_STRING_ARRAY, &servers, "Ask this DNS server instead of /etc/resolv.conf's (repeatable)", "IP[:PORT]" },
    { "timeout", 't', 0, G_OPTION_ARG_DOUBLE, &timeout, "Seconds to wait for a DNS answer (default: 2; doubled at each retry)", "SECONDS" },
    { "retries", 'r', 0, G_OPTION_ARG_INT, &retries, "Retries after a DNS timeout (default: 1)", "N" },
    { "spf-ip", 0, 0, G_OPTION_ARG_STRING, &spf_ip, "Evaluate SPF for mail from this address instead of auditing", "IP" },
    { "sender", 0, 0, G_OPTION_ARG_STRING, &sender, "With --spf-ip: the envelope sender (default: postmaster@DOMAIN)", "ADDRESS" },
    { "helo", 0, 0, G_OPTION_ARG_STRING, &helo, "With --spf-ip: the HELO name", "NAME" },
    { "test-ca", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_FILENAME, &test_ca, "For tests: trust this CA file for HTTPS", "FILE" },
    { "test-connect-to", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING, &test_connect_to, "For tests: make every HTTPS connection to HOST:PORT", "HOST:PORT" },
    { "version", 'V', 0, G_OPTION_ARG_NONE, &version, "Print the version and exit", NULL },
    { NULL },
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("DOMAIN");
  g_option_context_set_summary (ctx, "Audit a domain's mail setup from DNS: MX, SPF, DMARC, DKIM,\n"
                                     "MTA-STS, TLS-RPT, BIMI, PTR and blocklists.");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_autoptr (GError) error = NULL;
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return cmd_usage_error (error->message);
  if (version) {
    printf ("mailcheck (libdsn) %s\n", DSN_VERSION_STRING);
    return EXIT_OK;
  }
  opt.json = json;
  opt.lang = cmd_language (lang);
  ColorMode cm;
  if (!cmd_parse_color (color, &cm))
    return cmd_usage_error ("--color: expected auto, always or never");
  opt.color = !json && cmd_use_color (cm, stdout);

  g_autoptr (DsnResolver) res = dsn_resolver_new ();
  for (char **s = servers; s && *s; s++)
    if (!dsn_resolver_add_server (res, *s, &error))
      return cmd_usage_error (error->message);
  if (timeout < 0 || timeout > 60)
    return cmd_usage_error ("--timeout: expected seconds from 0.01 to 60");
  if (timeout > 0)
    dsn_resolver_set_timeout (res, MAX (1, (guint) (timeout * 1000 + 0.5)));
  if (retries > 10)
    return cmd_usage_error ("--retries: expected a number from 0 to 10");
  if (retries >= 0)
    dsn_resolver_set_retries (res, (guint) retries);
  if (test_ca || test_connect_to)
    dsn_resolver_set_test_https (res, test_ca, test_connect_to);

  if (spf_ip) {
    if (argc > 2)
      return cmd_usage_error ("expected at most one DOMAIN");
    const char *domain = argc == 2 ? argv[1] : NULL;
    g_autofree char *s = sender ? g_strdup (sender) : domain ? g_strconcat ("postmaster@", domain, NULL) : NULL;
    return run_spf (res, spf_ip, s, helo);
  }
  if (argc != 2)
    return cmd_usage_error ("expected one DOMAIN");
  cmd_error ("checks are not available yet");
  return EXIT_INPUT;
}
