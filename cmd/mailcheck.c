/* mailcheck: audit a domain's mail setup from DNS.
 * SPDX-License-Identifier: BSD-2-Clause */
#include "common.h"

#include <libdsn/dsn.h>
#include <locale.h>
#include <string.h>

int
main (int argc, char **argv)
{
  setlocale (LC_ALL, "");
  g_set_prgname ("mailcheck");
  cmd_init_signals ();
  gboolean version = FALSE;
  GOptionEntry entries[] = {
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
  if (argc != 2)
    return cmd_usage_error ("expected one DOMAIN");
  cmd_error ("checks are not available yet");
  return EXIT_INPUT;
}
