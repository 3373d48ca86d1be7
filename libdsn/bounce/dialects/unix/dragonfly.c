/* DragonFly Mail Agent (dma): one recipient per report.
 *
 *   This is the DragonFly Mail Agent v0.13 at host.example.org.
 *
 *   There was an error delivering your mail to <user@example.org>.
 *
 *   mx.example.org [192.0.2.1] did not like our RCPT TO:
 *   550 5.1.1 <user@example.org>: Recipient address rejected: User unknown
 *
 *   Message headers follow.
 *
 * SPDX-License-Identifier: BSD-2-Clause */
#include "../dialect.h"
#include "unix.h"

#include <string.h>

static const char delivering[] = "There was an error delivering your mail to <";

static gboolean
detect (const DsnInput *in)
{
  return dsn_body_find (in, "This is the DragonFly Mail Agent")
         || (dsn_body_find (in, delivering)
             && dsn_header_has (in, "Received", "DragonFly Mail Agent"));
}

/* "did not like our RCPT TO:" and the like (dma's net.c). */
static const struct {
  const char *phrase;
  const char *command;
} commands[] = {
  { "did not like our RCPT TO", "RCPT" },      { "did not like our MAIL FROM", "MAIL" },
  { "did not like our final DATA", "DATA" },   { "did not like our DATA", "DATA" },
  { "did not like our EHLO", "HELO" },         { "did not like our HELO", "HELO" },
  { "did not like our STARTTLS", "STARTTLS" }, { "did not like our AUTH", "AUTH" },
  { "did not like our greeting", "CONN" },
};

static gboolean
extract (const DsnInput *in)
{
  DsnReport *rep = in->report;
  const char *text = dsn_unix_report_text (in);
  const char *p = dsn_strcasestr (text, delivering);
  if (!p)
    return FALSE;
  g_autofree char *addr = dsn_text_find_address (p + sizeof delivering - 2);
  if (!addr)
    return FALSE;
  DsnRecipient *r = dsn_report_find_recipient (rep, addr);
  if (!r)
    r = dsn_report_add_recipient (rep, addr);

  /* The explanation: the paragraphs up to "Message headers follow." */
  const char *start = dsn_next_line (p);
  const char *end = dsn_strcasestr (start, "Message headers follow");
  if (end) {
    if (!in->has_returned)
      dsn_input_set_returned_text (in, dsn_next_line (end));
    end = dsn_line_start (start, end);
  } else {
    end = start + strlen (start);
  }
  g_autofree char *words = dsn_text_squeeze (g_strndup (start, end - start));
  const char *reply = words;
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++) {
    const char *c = strstr (words, commands[i].phrase);
    if (!c)
      continue;
    dsn_set (&r->command, commands[i].command);
    if (!r->remote_mta)
      r->remote_mta = dsn_unix_host_at (words);
    const char *colon = strchr (c, ':');
    reply = colon ? colon + 1 : c;
    break;
  }
  if (!r->diagnostic)
    dsn_recipient_set_diagnostic (r, reply, -1);
  /* dma gives up on a message after its queue lifetime. */
  if (strstr (words, "Could not deliver for the last"))
    r->reason_hint = "expired";
  dsn_unix_finish (rep);
  return TRUE;
}

DSN_DIALECT (dragonfly);
