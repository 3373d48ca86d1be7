/* Oracle (Sun Java System, iPlanet, PMDF) Messaging Server: "This report
 * relates to a message you sent with the following header fields:", then per
 * recipient
 *
 *   Recipient address: user@example.org
 *   Original address: alias@example.org
 *   Reason: Remote SMTP server has rejected address
 *   Diagnostic code: smtp;550 5.1.1 <user@example.org>... User unknown
 *   Remote system: dns;mx.example.org (TCP|192.0.2.2|47323|192.0.2.1|25) (...)
 *
 * and a delivery-status part (missing its boundaries in some PMDF reports).
 * SPDX-License-Identifier: BSD-2-Clause */
#include "../dialect.h"
#include "unix.h"

#include <string.h>

static gboolean
detect (const DsnInput *in)
{
  const char *text = dsn_unix_report_text (in);
  return dsn_strcasestr (text,
                         "This report relates to a message you sent with the following header")
         && dsn_strcasestr (text, "Recipient address:");
}

/* One "Recipient address:" block. */
typedef struct {
  char *address, *original, *reason, *diagnostic, *remote;
} Block;

static void
block_clear (gpointer p)
{
  Block *b = p;
  g_free (b->address);
  g_free (b->original);
  g_free (b->reason);
  g_free (b->diagnostic);
  g_free (b->remote);
}

/* The value of "  Name: value" lines. */
static char *
value_of (const char *line, const char *name)
{
  while (*line == ' ' || *line == '\t')
    line++;
  if (!dsn_has_prefix_ci (line, name))
    return NULL;
  char *v = g_strdup (line + strlen (name));
  return g_strstrip (v);
}

static GArray *
read_blocks (const char *text)
{
  GArray *blocks = g_array_new (FALSE, TRUE, sizeof (Block));
  g_array_set_clear_func (blocks, block_clear);
  const char *pos = text, *l;
  gsize len;
  while (dsn_text_next_line (&pos, &l, &len)) {
    g_autofree char *line = g_strndup (l, len);
    char *v;
    if ((v = value_of (line, "Recipient address:"))) {
      Block b = { 0 };
      b.address = v;
      g_array_append_val (blocks, b);
      continue;
    }
    if (!blocks->len)
      continue;
    Block *b = &g_array_index (blocks, Block, blocks->len - 1);
    if ((v = value_of (line, "Original address:")))
      g_free (b->original), b->original = v;
    else if ((v = value_of (line, "Reason:")))
      g_free (b->reason), b->reason = v;
    else if ((v = value_of (line, "Diagnostic code:")))
      g_free (b->diagnostic), b->diagnostic = v;
    else if ((v = value_of (line, "Remote system:")))
      g_free (b->remote), b->remote = v;
  }
  return blocks;
}

static const Block *
find_block (GArray *blocks, const DsnRecipient *r)
{
  for (guint i = 0; i < blocks->len; i++) {
    const Block *b = &g_array_index (blocks, Block, i);
    if (strstr (b->address, r->address)
        || (b->original
            && (!g_ascii_strcasecmp (b->original, r->address)
                || (r->original && !g_ascii_strcasecmp (b->original, r->original)))))
      return b;
  }
  return NULL;
}

static gboolean
extract (const DsnInput *in)
{
  DsnReport *rep = in->report;
  const char *text = dsn_unix_report_text (in);
  g_autoptr (GArray) blocks = read_blocks (text);
  if (rep->recipients->len == 0 && !in->has_delivery_status)
    dsn_read_inline_fields (rep, text);
  if (rep->recipients->len == 0) {
    for (guint i = 0; i < blocks->len; i++) {
      const Block *b = &g_array_index (blocks, Block, i);
      g_autofree char *addr = dsn_text_find_address (b->address);
      if (!addr || dsn_report_find_recipient (rep, addr))
        continue;
      DsnRecipient *r = dsn_report_add_recipient (rep, addr);
      g_autofree char *orig = b->original ? dsn_text_find_address (b->original) : NULL;
      dsn_set (&r->original, orig);
    }
  }
  if (rep->recipients->len == 0)
    return FALSE;
  gboolean delayed = dsn_strcasestr (text, "has been enqueued and undeliverable") != NULL;
  for (guint i = 0; i < rep->recipients->len; i++) {
    DsnRecipient *r = rep->recipients->pdata[i];
    const Block *b = find_block (blocks, r);
    if (r->action == DSN_ACTION_NONE && delayed)
      r->action = DSN_ACTION_DELAYED;
    if (!b)
      continue;
    if (!r->diagnostic && b->diagnostic) {
      g_autofree char *words = dsn_rfc3464_typed_value (b->diagnostic, NULL);
      dsn_recipient_set_diagnostic (r, words, -1);
    }
    /* Without the server's words, the Messaging Server's reason. */
    if (!r->diagnostic && b->reason)
      dsn_recipient_set_diagnostic (r, b->reason, -1);
    if (!r->remote_mta && b->remote)
      r->remote_mta = dsn_rfc3464_typed_value (b->remote, NULL);
  }
  dsn_unix_finish (rep);
  return TRUE;
}

DSN_DIALECT (messagingserver);
