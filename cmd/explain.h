/* dsn-explain's parts beside its main (dsn-explain.c): the text output
 * (explain-text.c) and the totals over a run (summary.c). The ordered
 * worker pool is pool.h.
 * SPDX-License-Identifier: BSD-2-Clause */
#ifndef DSN_CMD_EXPLAIN_H
#define DSN_CMD_EXPLAIN_H

#include "common.h"

/* ------------------------------------------------------------ explain-text.c */

/* REP explained for a person, under LABEL (where the message came from), in
 * the language set, with COLOR or not. Newly allocated. */
char *explain_text (const char *label, const DsnReport *rep, gboolean color);

/* ------------------------------------------------------------ summary.c */

/* Totals over the run, for --summary and the exit status. */
typedef struct {
  guint messages;
  guint errors;
  guint bounces; /* messages of any kind but not-a-bounce */
  guint recipients;
  GHashTable *by_kind, *by_category, *by_reason, *by_domain, *by_diagnostic;
  GHashTable *suppress; /* hard-bounced addresses */
  /* --check: per category, how many recipients' causes still hold, no
   * longer hold, could not be checked (category -> guint[3]). */
  GHashTable *checks;
} Totals;

void totals_init (Totals *t);
void totals_clear (Totals *t);
/* Counts REP and its recipients (the messages, errors and bounces are the
 * caller's to count). */
void totals_add_report (Totals *t, const DsnReport *rep);
/* Prints --summary's totals: as one JSON line or as text, with COLOR or not. */
void summary_print (const Totals *t, gboolean json, gboolean color);

#endif
