/* Rules and categories: internal types shared by rules.c, classify.c and the
 * lint. Not installed.
 * SPDX-License-Identifier: BSD-2-Clause */
#ifndef LIBDSN_RULES_H
#define LIBDSN_RULES_H

#include "bounce.h"

G_BEGIN_DECLS

typedef enum {
  DSN_TEXT_SUMMARY,
  DSN_TEXT_EXPLANATION,
  DSN_TEXT_ADVICE,
  DSN_N_TEXTS,
} DsnText;

struct _DsnCategory {
  char *id;
  const char *reason; /* interned reason name */
  char *who;          /* who must act: sender, sender-admin, recipient, recipient-admin */
  char *file;
  char **text[DSN_N_TEXTS]; /* per language (dsn_lang_count ()), NULL where not translated */
};

/* A condition on one fact: glob patterns, any of which may match, and
 * exclusions ("!pattern"), none of which may. Matched case-insensitively. */
typedef struct {
  GPtrArray *any;  /* GPatternSpec, NULL if only exclusions */
  GPtrArray *none; /* GPatternSpec, NULL if no exclusion */
} DsnCond;

/* The facts a rule may test, in DsnRule.cond and DsnMatchInput.fact. */
typedef enum {
  DSN_FACT_STATUS,
  DSN_FACT_REPLY,
  DSN_FACT_REMOTE,
  DSN_FACT_DIALECT,
  DSN_FACT_COMMAND,
  DSN_FACT_DIAGNOSTIC_TYPE,
  DSN_N_FACTS,
} DsnFact;

typedef struct {
  char *name;
  char *file;
  char *category_id;
  const DsnCategory *category;
  const char *reason; /* overrides the category's, or NULL */
  char *like;         /* rule whose text conditions this one reuses, or NULL */
  gboolean inherited; /* phrases/regex below were copied from LIKE */
  char **phrases;     /* folded literals; any one matches */
  GRegex *regex;
  char *regex_src;
  char *literal; /* prefilter derived from the regex */
  /* Word groups ([words NAME]) that must all occur within WITHIN words of
   * each other in the server's words (near=, alternatives separated by
   * ";", groups of one alternative by spaces), and groups that must not
   * occur that close (unless=): what a diagnosis is made of, rather than
   * its sentences. */
  char **near;
  char **unless;
  guint within;
  GPtrArray *near_groups; /* per near= alternative, a GArray of guint group indexes */
  GArray *unless_groups;
  DsnCond *cond[DSN_N_FACTS];
  guint n_conds;     /* conditions besides the text */
  guint specificity; /* conditions including the text: the more, the more specific */
  DsnAction action;
  int strength;
  char **examples;
  char *example[DSN_N_FACTS]; /* context for the lint; [DSN_FACT_REPLY] unused */
  DsnAction example_action;
  char *blocklist;
  guint order;
  guint index;
} DsnRule;

/* A group of words that mean one thing, in every language: [words NAME]. */
typedef struct {
  char *name;
  char *file;
  char **words; /* folded */
} DsnWordGroup;

/* What a rule is matched against. */
typedef struct {
  const char *text;              /* the server's words */
  const char *fact[DSN_N_FACTS]; /* status, reply code, remote MTA, ...; NULL if unknown */
  DsnAction action;
} DsnMatchInput;

DSN_INTERNAL const char *dsn_reason_intern (const char *name);
DSN_INTERNAL char *dsn_rules_fold (const char *text);
/* words.c: the FOLDED text with addresses, host names, IPs, URLs, numbers,
 * ids and bracketed names replaced by placeholders ("<addr>", "<host>",
 * "<ip>", "<url>", "<path>", "<num>", "<id>", "<tok>"): *NORMALIZED; and the same
 * without the placeholders, the words alone: *SKELETON. Both newly
 * allocated. Status and reply codes stay. */
DSN_INTERNAL void dsn_words_normalize (const char *folded, char **normalized, char **skeleton);
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
