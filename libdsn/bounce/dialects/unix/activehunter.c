/* Active!hunter, a Japanese mail filter ("X-AHMAILID" header): a
 * Sendmail-like report whose recipients are written ">>> user@example.org
 * <user@example.org>" and whose transcript holds the server's reply.
 * SPDX-License-Identifier: BSD-2-Clause */
#include "../dialect.h"
#include "unix.h"

#include <string.h>

static gboolean
detect (const DsnInput *in)
{
  return dsn_header_has (in, "X-AHMAILID", NULL);
}

static gboolean
extract (const DsnInput *in)
{
  DsnReport *rep = in->report;
  const char *text = dsn_unix_report_text (in);
  const char *tr = dsn_strcasestr (text, "----- Transcript of session follows -----");
  dsn_unix_add_listed (rep, text, tr ? tr : text + strlen (text), ">>> ");
  if (rep->recipients->len == 0)
    return FALSE;
  if (tr) {
    const char *words = dsn_next_line (tr);
    const char *end = strstr (words, "\n-----");
    for (guint i = 0; i < rep->recipients->len; i++) {
      DsnRecipient *r = rep->recipients->pdata[i];
      if (!r->diagnostic)
        dsn_recipient_set_diagnostic (r, words, end ? end - words : -1);
    }
  }
  dsn_unix_finish (rep);
  return TRUE;
}

DSN_DIALECT (activehunter);
