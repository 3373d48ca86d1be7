/* Fuzz target: a whole message through the analyzer and the JSON writer.
 * SPDX-License-Identifier: BSD-2-Clause */
#include "fuzz.h"

#include "bounce/bounce.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static DsnAnalyzer *an;
  if (!an)
    an = dsn_analyzer_new ();
  GError *error = NULL;
  DsnReport *rep = dsn_analyzer_analyze (an, (const char *)data, size, &error);
  if (rep) {
    JsonNode *node = dsn_report_to_json (rep, "fr");
    char *s = json_to_string (node, FALSE);
    g_free (s);
    json_node_unref (node);
    dsn_report_free (rep);
  }
  g_clear_error (&error);
  return 0;
}
