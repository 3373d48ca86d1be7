/* The text report of United Internet's "Nemesis" mail system (GMX, WEB.DE,
 * mail.com, 1&1 / IONOS), in English or German.
 * SPDX-License-Identifier: BSD-2-Clause */
#include "../dialect.h"
#include "providers.h"

#include <string.h>

/* "SMTP error from remote server after RCPT command:", "... for TEXT command,". */
static const char *
nemesis_command (const char *line)
{
  static const DsnCommandPhrase map[] = {
    { "rcpt command", "RCPT" },
    { "mail command", "MAIL" },
    { "data command", "DATA" },
    /* The message text, sent after DATA. */
    { "text command", "DATA" },
    { "helo command", "HELO" },
    { "ehlo command", "HELO" },
  };
  return dsn_text_find_command_in (line, map, G_N_ELEMENTS (map));
}

static void
nemesis_finish (DsnRecipient *r, GString *diag)
{
  if (!r)
    return;
  dsn_recipient_set_diagnostic (r, diag->str, diag->len);
  g_string_truncate (diag, 0);
  /* The mail system's own words for a queue timeout. */
  if (r->diagnostic && dsn_strcasestr (r->diagnostic, "retry timeout exceeded"))
    r->reason_hint = "expired";
}

/* The separator before the original's header, in English and in the German
 * of WEB.DE's and GMX's German users. */
static const char *const nemesis_separators[] = {
  "--- The header of the original message is following. ---",
  "--- Der Header der ursprünglichen Nachricht folgt. ---",
  "--- Es folgt der Header der ursprünglichen Nachricht. ---",
  NULL,
};

const char *
dsn_provider_nemesis_separator (const DsnInput *in)
{
  return dsn_body_find_any (in, nemesis_separators);
}

/* The end of the heading before the list: "The following address failed:",
 * "Die folgende Adresse ist fehlgeschlagen:", ... */
static const char *const nemesis_headings[] = {
  "failed:",
  "fehlgeschlagen:",
  "nicht zugestellt werden:",
  NULL,
};

/* The labels that introduce the reason: skipped. */
static const char *const nemesis_labels[] = {
  "Reason:", "For the following reason:", "Grund:", "Aus folgendem Grund:", NULL,
};

guint
dsn_provider_read_nemesis (const DsnInput *in)
{
  const char *text = in->body;
  const char *end = dsn_provider_nemesis_separator (in);
  if (!end)
    end = dsn_find_returned_marker (text);
  if (!end)
    end = text + strlen (text);
  else
    dsn_input_set_returned_text (in, dsn_next_line (end));
  /* The recipients follow "The following address(es) failed:". */
  const char *start = NULL;
  for (const char *const *h = nemesis_headings; *h; h++)
    for (const char *p = dsn_strcasestr (text, *h); p && p < end; p = dsn_strcasestr (p + 1, *h)) {
      const char *q = p + strlen (*h);
      while (*q == ' ' || *q == '\t')
        q++;
      if ((*q == '\n' || !*q) && (!start || q < start)) {
        start = q;
        break;
      }
    }
  if (!start)
    return 0;
  guint found = 0;
  DsnRecipient *cur = NULL;
  GString *diag = g_string_new (NULL);
  const char *pos = start, *line;
  gsize len;
  while (dsn_text_next_line (&pos, &line, &len) && line < end) {
    g_autofree char *addr = dsn_provider_lone_address (line, len);
    if (addr) {
      nemesis_finish (cur, diag);
      cur = dsn_report_find_recipient (in->report, addr);
      if (!cur) {
        cur = dsn_report_add_recipient (in->report, addr);
        cur->action = DSN_ACTION_FAILED;
        found++;
      }
      continue;
    }
    if (!cur)
      continue;
    g_autofree char *l = g_strndup (line, len);
    g_strstrip (l);
    gboolean label = FALSE;
    for (const char *const *lb = nemesis_labels; *lb && !label; lb++)
      label = g_ascii_strcasecmp (l, *lb) == 0;
    if (!*l || label)
      continue;
    if (dsn_has_prefix_ci (l, "SMTP error from remote server")) {
      dsn_set (&cur->command, nemesis_command (l));
      /* "... for TEXT command, host: mx.example.org (192.0.2.1) reason: 550 ..." */
      const char *h = dsn_strcasestr (l, "host:");
      if (h) {
        h += strlen ("host:");
        while (*h == ' ')
          h++;
        dsn_set_len (&cur->remote_mta, h, strcspn (h, " (,"));
      }
      const char *why = dsn_strcasestr (l, "reason:");
      if (why)
        g_string_append (diag, why + strlen ("reason:"));
      continue;
    }
    if (dsn_has_prefix_ci (l, "host:")) {
      dsn_set (&cur->remote_mta, l + strlen ("host:"));
      continue;
    }
    if (diag->len)
      g_string_append_c (diag, ' ');
    g_string_append (diag, l);
  }
  nemesis_finish (cur, diag);
  g_string_free (diag, TRUE);
  return found;
}
