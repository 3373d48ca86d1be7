/* Fuzz target: every dialect's extractor, without its detect(): the first
 * byte picks the dialect, the rest is the message.
 * SPDX-License-Identifier: BSD-2-Clause */
#include "fuzz.h"

#include "bounce/bounce.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static DsnAnalyzer *an;
  static guint n_dialects;
  if (!an) {
    an = dsn_analyzer_new ();
    while (dsn_dialects[n_dialects])
      n_dialects++;
  }
  if (size < 1)
    return 0;
  const DsnDialect *d = dsn_dialects[data[0] % n_dialects];
  GError *error = NULL;
  DsnReport *rep = dsn_analyze_with (an, (const char *)data + 1, size - 1, d, &error);
  dsn_report_free (rep);
  g_clear_error (&error);
  return 0;
}
