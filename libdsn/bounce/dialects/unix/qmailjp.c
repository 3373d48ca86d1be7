/* A qmail-based MTA of Japanese providers. Its reports say "Unable to
 * deliver message to the following address(es)." and give qmail's
 * "<user@example.org>:" paragraphs (read by the qmail extractor) before
 * "--- Original message follows."; a newer version writes "Delivery failed:
 * user@example.org" followed by qmail-remote's sentences ("Remote host
 * said[Response Message]: 554 ...", "STEP: DATA SEND").
 * Named "x2" in the JSON output.
 * SPDX-License-Identifier: BSD-2-Clause */
#include "../dialect.h"
#include "unix.h"

#include <string.h>

static gboolean
detect (const DsnInput *in)
{
  return dsn_body_find (in, "Unable to deliver message to the following address")
         || dsn_body_find (in, "Your delivery to the following address has been failed");
}

/* "Delivery failed: user@example.org" and its lines up to a blank one. */
static void
read_delivery_failed (const DsnInput *in)
{
  DsnReport *rep = in->report;
  DsnRecipient *r = NULL;
  g_autoptr (GString) words = g_string_new (NULL);
  const char *pos = in->first_text, *line;
  gsize len;
  gboolean more = TRUE;
  while (more) {
    more = dsn_text_next_line (&pos, &line, &len);
    gboolean start = more && len > 17 && dsn_has_prefix_ci (line, "Delivery failed: ");
    gboolean blank = !more || len == 0 || (len > 5 && !strncmp (line, "-----", 5));
    if (r && (start || blank)) {
      const char *said = strstr (words->str, "]: ");
      const char *remote = strstr (words->str, "Remote host said");
      dsn_recipient_set_diagnostic (r, said && remote && said > remote ? said + 3 : words->str, -1);
      const char *after = strstr (words->str, " failed after I sent the message");
      if (after) {
        dsn_set (&r->command, "DATA");
        r->remote_mta = dsn_unix_host_at (dsn_line_start (words->str, after));
      }
      g_string_truncate (words, 0);
      r = NULL;
    }
    if (start) {
      g_autofree char *addr = dsn_text_find_address_len (line, len);
      if (addr && !dsn_report_find_recipient (rep, addr))
        r = dsn_report_add_recipient (rep, addr);
    } else if (r && !blank && !dsn_has_prefix_ci (line, "STEP:")) {
      g_string_append_len (words, line, len);
      g_string_append_c (words, '\n');
    }
  }
}

static gboolean
extract (const DsnInput *in)
{
  if (dsn_body_find (in, "Delivery failed: ")) {
    read_delivery_failed (in);
    if (in->report->recipients->len == 0)
      return FALSE;
    dsn_unix_finish (in->report);
    return TRUE;
  }
  return dsn_dialect_qmail.extract (in);
}

DSN_DIALECT_NAMED (qmailjp, "x2");
