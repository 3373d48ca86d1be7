/* Fuzz target: the delivery-status field parser (RFC 3464 §2) on raw text.
 * SPDX-License-Identifier: BSD-2-Clause */
#include "fuzz.h"

#include "bounce/bounce.h"

#include <string.h>

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  /* Creating an analyzer initialises GMime, whose charset tables
   * dsn_to_utf8 uses. */
  static DsnAnalyzer *an;
  if (!an)
    an = dsn_analyzer_new ();
  /* The parser receives decoded UTF-8 text: give it the same. */
  char *text = dsn_to_utf8 ((const char *)data, size, NULL);
  DsnReport *rep = dsn_report_new ();
  dsn_rfc3464_parse (rep, text, strlen (text));
  g_free (text);
  dsn_report_free (rep);
  return 0;
}
