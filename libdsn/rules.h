/* Rules and categories: internal types shared by rules.c, classify.c and the
 * lint. Not installed.
 * SPDX-License-Identifier: BSD-2-Clause */
#ifndef LIBDSN_RULES_H
#define LIBDSN_RULES_H

#include "dsn-private.h"

G_BEGIN_DECLS

#define DSN_N_LANGS 2 /* en, fr */

typedef enum {
  DSN_TEXT_SUMMARY,
  DSN_TEXT_EXPLANATION,
  DSN_TEXT_ADVICE,
  DSN_N_TEXTS,
} DsnText;

struct _DsnCategory {
  char *id;
  const char *reason;   /* interned reason name */
  char *who;            /* who must act: sender, sender-admin, recipient, recipient-admin */
  char *file;
  char *text[DSN_N_TEXTS][DSN_N_LANGS];
};

typedef struct {
  char *name;
  char *file;
  char *category_id;
  const DsnCategory *category;
  const char *reason;      /* overrides the category's, or NULL */
  char **phrases;          /* folded literals; any one matches */
  GRegex *regex;
  char *regex_src;
  char *literal;           /* prefilter derived from the regex */
  GPtrArray *status;       /* GPatternSpec conditions */
  GPtrArray *reply;
  GPtrArray *remote;
  char **dialects;
  char **commands;
  DsnAction action;
  int strength;
  char **examples;
  char *example_status;
  char *example_remote;
  char *example_dialect;
  char *example_command;
  char *blocklist;
  guint order;
  guint index;
} DsnRule;

/* What a rule is matched against. */
typedef struct {
  const char *text;        /* the server's words */
  const char *status;
  const char *reply_code;
  const char *remote_mta;
  const char *dialect;
  const char *command;
  DsnAction action;
} DsnMatchInput;

DSN_INTERNAL const char *dsn_reason_intern (const char *name);
DSN_INTERNAL int dsn_lang_index (const char *lang);
DSN_INTERNAL char *dsn_rules_fold (const char *text);
/* The best rule for IN, ignoring EXCLUDE (may be NULL); NULL if none applies. */
DSN_INTERNAL const DsnRule *dsn_rules_match (const DsnRules *rules, const DsnMatchInput *in,
                                             const DsnRule *exclude);
DSN_INTERNAL const DsnCategory *dsn_rules_find_category (const DsnRules *rules, const char *id);
DSN_INTERNAL const DsnRule *dsn_rules_find_rule (const DsnRules *rules, const char *name);
DSN_INTERNAL guint dsn_rules_count (const DsnRules *rules);
DSN_INTERNAL const DsnRule *dsn_rules_get (const DsnRules *rules, guint i);
DSN_INTERNAL guint dsn_rules_n_categories (const DsnRules *rules);
DSN_INTERNAL const DsnCategory *dsn_rules_get_category (const DsnRules *rules, guint i);
DSN_INTERNAL const DsnRules *dsn_analyzer_rules (const DsnAnalyzer *an);
DSN_INTERNAL const char *dsn_category_text (const DsnCategory *c, DsnText which, const char *lang);

G_END_DECLS

#endif
