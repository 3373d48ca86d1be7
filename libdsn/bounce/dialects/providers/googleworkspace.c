/* Google Workspace / Gmail reports without delivery-status fields: an
 * "** Message not delivered **" heading, Google's explanation and "The
 * response was:" with the server's words; the recipient in
 * X-Failed-Recipients.
 * SPDX-License-Identifier: BSD-2-Clause */
#include "../dialect.h"
#include "providers.h"

#include <string.h>

/* The "** Address not found **" heading line, or NULL. */
static const char *
heading (const char *text)
{
  for (const char *p = strstr (text, "** "); p; p = strstr (p + 1, "** ")) {
    if (p != text && p[-1] != '\n')
      continue;
    const char *eol = strchr (p, '\n');
    gsize n = eol ? (gsize)(eol - p) : strlen (p);
    while (n > 3 && g_ascii_isspace (p[n - 1]))
      n--;
    if (n > 6 && p[n - 1] == '*' && p[n - 2] == '*' && p[n - 3] == ' ')
      return p;
  }
  return NULL;
}

static gboolean
detect (const DsnInput *in)
{
  static const char *const senders[] = { "@googlemail.com", "@google.com", NULL };
  return dsn_from_has (in, senders) && heading (in->first_text);
}

static gboolean
extract (const DsnInput *in)
{
  DsnReport *rep = in->report;
  const char *text = in->first_text;
  const char *head = heading (text);
  if (!head || !dsn_add_failed_recipients (in))
    return rep->recipients->len > 0;
  g_autofree char *why = dsn_provider_text_after (text, "The response from the remote server was:");
  if (!why)
    why = dsn_provider_text_after (text, "The response was:");
  /* Without the server's words, Google's own explanation. */
  if (!why)
    why = dsn_provider_text_after (head, "**\n");
  gboolean delayed = dsn_has_prefix_ci (head, "** Delivery incomplete");
  for (guint i = 0; i < rep->recipients->len; i++) {
    DsnRecipient *r = rep->recipients->pdata[i];
    if (delayed)
      r->action = DSN_ACTION_DELAYED;
    if (!r->diagnostic)
      dsn_recipient_set_diagnostic (r, why, -1);
  }
  dsn_finish_recipients (rep);
  return rep->recipients->len > 0;
}

DSN_DIALECT (googleworkspace);
