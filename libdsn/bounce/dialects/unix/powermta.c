/* PowerMTA: a delivery-status report with X-PowerMTA-VirtualMTA and, per
 * recipient, X-PowerMTA-BounceCategory: PowerMTA's own classification of the
 * bounce, a table worth passing to the classifier as a hint.
 * SPDX-License-Identifier: BSD-2-Clause */
#include "../dialect.h"
#include "unix.h"

#include <string.h>

static gboolean
detect (const DsnInput *in)
{
  return dsn_report_get_field (in->report, "X-PowerMTA-VirtualMTA") != NULL
         || dsn_body_find (in, "X-PowerMTA-BounceCategory") != NULL;
}

/* PowerMTA's bounce categories (its "bounce-category-patterns") and the
 * reasons they mean. */
static const struct {
  const char *category;
  const char *reason;
} categories[] = {
  { "bad-domain", "hostunknown" },           { "bad-mailbox", "userunknown" },
  { "inactive-mailbox", "suspend" },         { "message-expired", "expired" },
  { "no-answer-from-host", "networkerror" }, { "policy-related", "policyviolation" },
  { "quota-issues", "mailboxfull" },         { "routing-errors", "systemerror" },
  { "spam-related", "spamdetected" },        { "virus-related", "virusdetected" },
  { "relaying-issues", "norelaying" },       { "content-related", "contenterror" },
  { "invalid-sender", "rejected" },          { "protocol-errors", "syntaxerror" },
};

static const char *
category_reason (const DsnRecipient *r)
{
  for (guint i = 0; r->extensions && i < r->extensions->len; i++) {
    const char *ext = r->extensions->pdata[i];
    if (!dsn_has_prefix_ci (ext, "X-PowerMTA-BounceCategory:"))
      continue;
    g_autofree char *value = g_strstrip (g_strdup (ext + 26));
    for (gsize j = 0; j < G_N_ELEMENTS (categories); j++)
      if (!g_ascii_strcasecmp (value, categories[j].category))
        return categories[j].reason;
  }
  return NULL;
}

static gboolean
extract (const DsnInput *in)
{
  DsnReport *rep = in->report;
  if (rep->recipients->len == 0 && !in->has_delivery_status)
    dsn_read_inline_fields (rep, in->body);
  if (rep->recipients->len == 0)
    return FALSE;
  for (guint i = 0; i < rep->recipients->len; i++) {
    DsnRecipient *r = rep->recipients->pdata[i];
    const char *reason = category_reason (r);
    if (reason)
      r->reason_hint = reason;
  }
  dsn_unix_finish (rep);
  return TRUE;
}

DSN_DIALECT (powermta);
