/* Apache James (its bounce mailet): "Error message below:" followed by the
 * reason, then "Message details:" with the envelope ("RCPT TO: user@...").
 * Its MIME structure is often broken (a boundary parameter on an unfolded
 * line), so the text may only be found in the raw message.
 * SPDX-License-Identifier: BSD-2-Clause */
#include "../dialect.h"
#include "unix.h"

#include <string.h>

static gboolean
detect (const DsnInput *in)
{
  const char *text = dsn_unix_report_text (in);
  return dsn_strcasestr (text, "Error message below:") && dsn_strcasestr (text, "Message details:");
}

static gboolean
extract (const DsnInput *in)
{
  DsnReport *rep = in->report;
  const char *text = dsn_unix_report_text (in);
  const char *details = dsn_strcasestr (text, "Message details:");
  const char *error = dsn_strcasestr (text, "Error message below:");
  if (!details || !error)
    return FALSE;
  /* The details end at a blank line. */
  const char *details_end = strstr (details, "\n\n");
  dsn_unix_add_listed (rep, details, details_end ? details_end : details + strlen (details),
                       "RCPT TO:");
  if (rep->recipients->len == 0)
    return FALSE;
  const char *words = dsn_next_line (error);
  const char *end = words < details ? details : words + strlen (words);
  for (guint i = 0; i < rep->recipients->len; i++)
    dsn_recipient_set_diagnostic (rep->recipients->pdata[i], words, end - words);
  dsn_unix_finish (rep);
  return TRUE;
}

DSN_DIALECT (apachejames);
