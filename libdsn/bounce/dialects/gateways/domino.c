/* IBM/HCL Domino: "DELIVERY FAILURE: <reason>" reports. The text names the
 * recipients and the reason in labelled blocks (localised with the server):
 *
 *   Your message
 *     Subject: ...
 *   was not delivered to:
 *     user@example.org
 *   because:
 *     User user (user@example.org) not listed in Domino Directory
 *
 * Recent versions add a delivery-status part whose "X-Notes;" Diagnostic-Code
 * is folded in the middle of words; the text keeps the reason intact.
 * SPDX-License-Identifier: BSD-2-Clause */
#include "../dialect.h"
#include "gateways.h"

#include <string.h>

static const char *const subjects[] = { "DELIVERY FAILURE:", "DELIVERY_FAILURE:", NULL };

/* The labels of the two blocks, in the languages Domino ships. */
static const char *const to_labels[] = {
  "was not delivered to:",     "wurde nicht zugestellt an:",
  "n'a pas été remis à",       "no se ha entregado a:",
  "no se entregó a:",          "non è stato recapitato a:",
  "non è stato consegnato a:", NULL,
};
static const char *const because_labels[] = {
  "because:", "weil:", "parce que", "pour la raison suivante", "porque:", "perché:", NULL,
};

static gboolean
detect (const DsnInput *in)
{
  for (const char *const *s = subjects; *s; s++)
    if (dsn_has_prefix_ci (in->subject, *s))
      return TRUE;
  /* Notes mail headers on a report whose text has Domino's layout. */
  return (dsn_header_has (in, "X-MIMETrack", NULL) || dsn_header_has (in, "X-Mailer", "Domino"))
         && dsn_body_find (in, to_labels[0]) && dsn_body_find (in, because_labels[0]);
}

/* The first line of TEXT that is one of LABELS (after leading space), or NULL;
 * *AFTER receives the start of the next line. */
static const char *
find_label (const char *text, const char *const *labels, const char **after)
{
  for (const char *p = text; *p; p = dsn_next_line (p)) {
    const char *q = p;
    while (*q == ' ' || *q == '\t')
      q++;
    for (const char *const *l = labels; *l; l++)
      if (dsn_has_prefix_ci (q, *l)) {
        *after = dsn_next_line (q);
        return p;
      }
  }
  return NULL;
}

/* The block after a label: from its first non-blank line to the next blank
 * line (or END). */
static void
block_after (const char *p, const char *end, const char **bstart, const char **bend)
{
  while (p < end && (*p == '\n' || *p == ' ' || *p == '\t'))
    p++;
  *bstart = p;
  while (p < end) {
    const char *nl = memchr (p, '\n', end - p);
    if (!nl) {
      p = end;
      break;
    }
    p = nl + 1;
    const char *q = p;
    while (q < end && (*q == ' ' || *q == '\t'))
      q++;
    if (q >= end || *q == '\n')
      break;
  }
  *bend = p;
}

/* Compares two texts ignoring all white space: the same words folded
 * differently. */
static gboolean
same_words (const char *a, const char *b)
{
  for (;;) {
    while (*a && g_ascii_isspace (*a))
      a++;
    while (*b && g_ascii_isspace (*b))
      b++;
    if (!*a || !*b)
      return !*a && !*b;
    if (*a++ != *b++)
      return FALSE;
  }
}

/* The reason Domino puts in the Subject, for reports that lack the block. */
static const char *
subject_reason (const DsnInput *in)
{
  for (const char *const *s = subjects; *s; s++)
    if (dsn_has_prefix_ci (in->subject, *s))
      return in->subject + strlen (*s);
  return NULL;
}

/* Gives R the reason REASON unless the delivery-status part said otherwise
 * (the same words folded differently are replaced by the intact text). */
static void
give_reason (DsnRecipient *r, const char *reason)
{
  if (reason && *reason && (!r->diagnostic || same_words (r->diagnostic, reason)))
    dsn_recipient_set_diagnostic (r, reason, -1);
}

static gboolean
extract (const DsnInput *in)
{
  DsnReport *rep = in->report;
  const char *text = dsn_input_report_text (in);
  const char *end = dsn_gw_report_end (in, text, text, NULL);
  gboolean from_text = rep->recipients->len == 0;

  /* One "not delivered to" / "because" pair per reason. */
  g_autofree char *last_reason = NULL;
  const char *after_to = NULL, *after_because = NULL;
  for (const char *p = text, *to_line;
       (to_line = find_label (p, to_labels, &after_to)) && to_line < end; p = after_to) {
    const char *next_to = find_label (after_to, to_labels, &after_because);
    const char *because_line = find_label (after_to, because_labels, &after_because);
    if (because_line && (because_line >= end || (next_to && because_line > next_to)))
      because_line = NULL;
    g_autofree char *reason = NULL;
    if (because_line) {
      const char *bs, *be;
      block_after (after_because, end, &bs, &be);
      dsn_set_len (&reason, bs, be - bs);
      dsn_text_squeeze (reason);
    }
    const char *stop = because_line ? because_line : next_to && next_to < end ? next_to : end;
    for (const char *a = after_to; a < stop; a = dsn_next_line (a)) {
      const char *nl = dsn_next_line (a);
      g_autofree char *addr = dsn_text_find_address_len (a, (nl > stop ? stop : nl) - a);
      DsnRecipient *r = addr ? dsn_report_find_recipient (rep, addr) : NULL;
      if (addr && !r && from_text)
        r = dsn_report_add_recipient (rep, addr);
      if (r)
        give_reason (r, reason);
    }
    if (reason && *reason) {
      g_free (last_reason);
      last_reason = g_steal_pointer (&reason);
    }
  }

  /* Recipients the text does not name: its reason, else the Subject's. */
  g_autofree char *fallback = g_strdup (last_reason ? last_reason : subject_reason (in));
  dsn_text_squeeze (fallback);
  for (guint i = 0; i < rep->recipients->len; i++)
    give_reason (rep->recipients->pdata[i], fallback);
  dsn_finish_recipients (in->report);
  return rep->recipients->len > 0;
}

DSN_DIALECT (domino);
