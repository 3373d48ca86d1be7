/* Fuzz target: the delivery-header parsers: Authentication-Results
 * (RFC 8601), Received (RFC 5321 §4.4), comments and DKIM tag lists.
 * SPDX-License-Identifier: BSD-2-Clause */
#include "fuzz.h"

#include "bounce/headers.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static DsnAnalyzer *an;
  if (!an)
    an = dsn_analyzer_new (); /* initialises GMime (date parsing) */
  char *raw = g_strndup ((const char *)data, size);
  char *text = g_utf8_make_valid (raw, -1);
  g_free (raw);
  char *clean = dsn_headers_strip_comments (text);
  g_free (clean);
  DsnHop *hop = dsn_headers_parse_received (text, TRUE);
  dsn_headers_hop_free (hop);
  char *d = dsn_headers_tag (text, "d");
  g_free (d);
  /* A whole header block too: the analysis of a delivered message. */
  GString *msg = g_string_new ("Authentication-Results: ");
  g_string_append (msg, text);
  g_string_append (msg, "\nReceived: ");
  g_string_append (msg, text);
  g_string_append (msg, "\nFrom: a@example.com\n\n");
  DsnReport *rep = dsn_analyzer_analyze (an, msg->str, msg->len, NULL);
  dsn_report_free (rep);
  g_string_free (msg, TRUE);
  g_free (text);
  return 0;
}
