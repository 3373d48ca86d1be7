/* Clones of qmail that keep its paragraphs ("<user@example.org>:" and
 * the reason, "--- Below this line is a copy of the message.") under an
 * introduction of their own ("Your mail message to the following
 * address(es) could not be delivered."). Read by the qmail extractor.
 * Named "x4" in the JSON output.
 * SPDX-License-Identifier: BSD-2-Clause */
#include "../dialect.h"
#include "unix.h"

static gboolean
detect (const DsnInput *in)
{
  return dsn_body_find (in, "--- Below this line is a copy of the message")
         && dsn_body_find (in, "to the following address(es) could not be delivered");
}

static gboolean
extract (const DsnInput *in)
{
  return dsn_dialect_qmail.extract (in);
}

DSN_DIALECT_NAMED (qmailclone, "x4");
