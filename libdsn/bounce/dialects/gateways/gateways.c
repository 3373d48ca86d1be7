/* What the gateway dialects share: who wrote the report (its last Received
 * field), the text after a marker, where the report's own words end, the
 * Japanese carriers' filter mark.
 * SPDX-License-Identifier: BSD-2-Clause */
#include "../dialect.h"
#include "gateways.h"

#include <string.h>

gboolean
dsn_gw_origin_received_has (const DsnInput *in, const char *needle)
{
  /* Squeezed: a folded field may split the needle's spaces over two
   * lines. */
  return in->origin_received && dsn_strcasestr (in->origin_received, needle) != NULL;
}

const char *
dsn_gw_after_marker (const char *text, const char *marker)
{
  const char *p = text ? dsn_strcasestr (text, marker) : NULL;
  return p ? dsn_next_line (p) : NULL;
}

const char *
dsn_gw_report_end (const DsnInput *in, const char *text, const char *from,
                   const char *const *markers)
{
  const char *end = NULL, *headers = NULL;
  for (const char *const *m = markers; m && *m; m++) {
    const char *p = dsn_strcasestr (from, *m);
    if (p && (!end || p < end)) {
      end = dsn_line_start (text, p);
      headers = dsn_next_line (p);
    }
  }
  const char *after = dsn_find_returned_marker (from);
  if (after) {
    /* The separator is the line before AFTER. */
    const char *line = after > from && after[-1] == '\n' ? dsn_line_start (text, after - 1)
                                                         : dsn_line_start (text, after);
    if (!end || line < end) {
      end = line;
      headers = after;
    }
  }
  if (!end)
    return from + strlen (from);
  if (!in->has_returned) {
    /* Skip the rules of dashes and blank lines some reports put first. */
    const char *p = headers;
    while (*p) {
      const char *nl = dsn_next_line (p);
      gboolean rule = TRUE;
      for (const char *q = p; q < nl && rule; q++)
        rule = *q == '-' || *q == '=' || g_ascii_isspace (*q);
      if (!rule)
        break;
      p = nl;
    }
    if (*p)
      dsn_input_set_returned_text (in, p);
  }
  return end;
}

void
dsn_gw_spasign_hint (const DsnInput *in)
{
  const char *v = dsn_input_header (in, "X-SPASIGN");
  while (v && g_ascii_isspace (*v))
    v++;
  if (!v || !dsn_has_prefix_ci (v, "NG"))
    return;
  GPtrArray *rcpts = in->report->recipients;
  for (guint i = 0; i < rcpts->len; i++) {
    DsnRecipient *r = rcpts->pdata[i];
    r->reason_hint = "filtered";
  }
}
