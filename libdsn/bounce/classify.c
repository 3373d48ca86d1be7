/* Classification: from a recipient's facts to a category and a reason.
 *
 * Precedence (documented in dsn-patterns(5)):
 *  1. the kind of report decides outright: a feedback report is "feedback", an
 *     automatic reply "vacation", a success notice "delivered";
 *  2. otherwise every rule whose conditions hold competes and the strongest
 *     wins; among equals, the one with more conditions, then the longer
 *     phrase. Strengths encode the order of the reason families (see
 *     patterns/20-phrases.rules), so the remote server's words beat a bare
 *     status code, a specific phrase beats a generic one, a provider's own
 *     code beats both, and a context rule beats the family it refines;
 *  3. a dialect's structural hint (a vendor's error code, a report section
 *     saying the queue expired) competes as a rule would: a definite reason
 *     is decisive (strength 90); one that the reference classifier checks
 *     again against the words is weaker: an unknown user (60) or host (51)
 *     keeps the place of its family, a system, network or security error,
 *     an expiry only beat rules of strength 40 or less (status codes);
 *  4. failing all that, a delay is "expired", words nothing recognises are
 *     "onhold", and a report without words "undefined".
 *
 * SPDX-License-Identifier: BSD-2-Clause */
#include "rules.h"

#include <string.h>

/* How strong a dialect's hint is. The reference classifier takes most
 * reasons a report's structure gives as final (decisive); it checks a few
 * again against the words: an unknown user or host keeps the place of its
 * family, the other tentative reasons only beat status codes. */
static int
hint_strength (const char *reason)
{
  static const struct {
    const char *reason;
    int strength;
  } tentative[] = {
    { "userunknown", 60 }, { "hostunknown", 51 },   { "undefined", 40 }, { "onhold", 40 },
    { "systemerror", 40 }, { "securityerror", 40 }, { "expired", 40 },   { "networkerror", 40 },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (tentative); i++)
    if (strcmp (reason, tentative[i].reason) == 0)
      return tentative[i].strength;
  return 90;
}

/* The reference classifier's pseudo status codes (X.0.9NN), used when a
 * message gives no code at all, so that scripts written for it keep working. */
static const struct {
  const char *reason;
  int detail;
} pseudo_codes[] = {
  { "undefined", 900 },       { "onhold", 901 },          { "syntaxerror", 902 },
  { "norelaying", 909 },      { "filtered", 910 },        { "userunknown", 911 },
  { "hostunknown", 912 },     { "hasmoved", 916 },        { "rejected", 918 },
  { "suspend", 921 },         { "mailboxfull", 922 },     { "exceedlimit", 923 },
  { "systemerror", 930 },     { "systemfull", 931 },      { "notaccept", 932 },
  { "mesgtoobig", 934 },      { "mailererror", 939 },     { "networkerror", 944 },
  { "toomanyconn", 945 },     { "speeding", 946 },        { "expired", 947 },
  { "contenterror", 960 },    { "securityerror", 970 },   { "blocked", 971 },
  { "policyviolation", 972 }, { "requireptr", 973 },      { "authfailure", 974 },
  { "badreputation", 975 },   { "failedstarttls", 976 },  { "virusdetected", 977 },
  { "suppressed", 978 },      { "notcompliantrfc", 979 }, { "spamdetected", 980 },
};

static char *
pseudo_status (const char *reason, gboolean temporary)
{
  for (gsize i = 0; i < G_N_ELEMENTS (pseudo_codes); i++)
    if (strcmp (pseudo_codes[i].reason, reason) == 0)
      return g_strdup_printf ("%c.0.%d", temporary ? '4' : '5', pseudo_codes[i].detail);
  return NULL;
}

/* The first category (in load order) with REASON: the generic one for it. */
static const DsnCategory *
category_for_reason (const DsnRules *rules, const char *reason)
{
  for (guint i = 0; i < dsn_rules_n_categories (rules); i++) {
    const DsnCategory *c = dsn_rules_get_category (rules, i);
    if (strcmp (c->reason, reason) == 0)
      return c;
  }
  return NULL;
}

/* Whether the failure is temporary, for the pseudo status code and the hard
 * bounce: from the codes, else from the words. As the reference classifier
 * does, a delay notice without codes or words saying so counts as
 * permanent. */
static gboolean
is_temporary (const DsnRecipient *r)
{
  if (r->status && r->status_source != DSN_SOURCE_INFERRED)
    return r->status[0] == '4';
  if (r->reply_code)
    return r->reply_code[0] == '4';
  if (r->deferred)
    return TRUE;
  return r->diagnostic && dsn_strcasestr (r->diagnostic, "temporar") != NULL;
}

/* Reply codes of RFC 5321 and its extensions (RFC 3207, 4954, 7504, ...):
 * any other three digits in a text are something else. */
static gboolean
is_reply_code (const char *code)
{
  static const char *const known[] = {
    "211", "214", "220", "221", "235", "250", "251", "252", "334", "354", "421",
    "422", "430", "432", "450", "451", "452", "453", "454", "455", "458", "459",
    "500", "501", "502", "503", "504", "521", "523", "524", "525", "530", "534",
    "535", "538", "550", "551", "552", "553", "554", "555", "556", "557",
  };
  for (gsize i = 0; i < G_N_ELEMENTS (known); i++)
    if (strcmp (code, known[i]) == 0)
      return TRUE;
  return FALSE;
}

/* Fills status and reply code from the server's words when the report's
 * fields did not give them, and prefers the server's own status code to a
 * vaguer one in the Status: field. */
static void
complete_codes (DsnRecipient *r)
{
  /* Three digits that no SMTP server sends ("441 4.4.1" in Exchange's own
   * words) are not a reply code, wherever they were read. */
  if (r->reply_code && !is_reply_code (r->reply_code))
    g_clear_pointer (&r->reply_code, g_free);
  if (!r->diagnostic)
    return;
  gboolean success = r->action == DSN_ACTION_DELIVERED || r->action == DSN_ACTION_RELAYED
                     || r->action == DSN_ACTION_EXPANDED;
  char code[12];
  /* The first failure code: a transcript may quote earlier 2xx replies. */
  const char *at = r->diagnostic;
  while ((at = dsn_text_find_status (at, code)) && code[0] == '2' && !success)
    at += strlen (code);
  char reply[4];
  const char *reply_at = dsn_text_find_reply_code (r->diagnostic, reply);
  if (at && !r->status) {
    dsn_set (&r->status, code);
    r->status_source = DSN_SOURCE_TEXT;
  } else if (at && r->status_source == DSN_SOURCE_REPORT && strcmp (r->status, code) != 0) {
    /* The remote server's own code is more precise than the one the
     * reporting MTA wrote in Status: (often a generic X.0.0, or its own
     * guess), as long as both agree on temporary or permanent and the code
     * agrees with the reply it came with ("554 4.4.7" is a relay's wrapper). */
    gboolean generic = g_str_has_suffix (code, ".0.0");
    gboolean agrees = !reply_at || reply_at > at || reply[0] == code[0];
    if (r->status[0] == code[0] && !generic && agrees) {
      dsn_set (&r->status, code);
      r->status_source = DSN_SOURCE_TEXT;
    }
  }
  /* No code anywhere, but the description of one: the code it describes,
   * of the class of the reply or of the action. (A report's own Status:
   * stays, as vague as it may be.) */
  if (!at && !r->status) {
    char cls = reply_at && (reply[0] == '4' || reply[0] == '5') ? reply[0]
               : r->action == DSN_ACTION_DELAYED                ? '4'
                                                                : '5';
    if (dsn_status_find_description (r->diagnostic, cls, code)) {
      dsn_set (&r->status, code);
      r->status_source = DSN_SOURCE_TEXT;
    }
  }
  if (r->reply_code)
    return;
  /* The first reply code of the status's class: "220-mx ... 421 4.2.1". */
  for (const char *p = r->diagnostic; (p = dsn_text_find_reply_code (p, reply)); p += 3) {
    if (!is_reply_code (reply))
      continue;
    if (!r->status || r->status[0] == reply[0] || r->status[0] == '2') {
      r->reply_code = g_strdup (reply);
      break;
    }
  }
}

static void
set_category (const DsnRules *rules, DsnRecipient *r, const char *category, const char *rule)
{
  r->category = dsn_rules_find_category (rules, category);
  r->rule = rule;
  /* The built-in set always defines the fixed categories; a user file that
   * removed one falls back on the reason alone. */
}

static void
classify_recipient (const DsnAnalyzer *an, const DsnReport *rep, DsnRecipient *r)
{
  const DsnRules *rules = dsn_analyzer_rules (an);
  complete_codes (r);
  r->category = NULL;
  r->reason = NULL;
  r->rule = NULL;

  if (rep->kind == DSN_KIND_FEEDBACK) {
    set_category (rules, r, "feedback-complaint", "report:feedback");
    r->reason = dsn_reason_intern ("feedback");
  } else if (rep->kind == DSN_KIND_AUTO_REPLY) {
    set_category (rules, r, "auto-reply", "report:auto-reply");
    r->reason = dsn_reason_intern ("vacation");
  } else if (r->action == DSN_ACTION_DELIVERED || r->action == DSN_ACTION_RELAYED
             || r->action == DSN_ACTION_EXPANDED) {
    set_category (rules, r, "delivered", "report:delivered");
    r->reason = dsn_reason_intern ("delivered");
  } else {
    DsnMatchInput in = {
      .text = r->diagnostic,
      .fact = {
        [DSN_FACT_STATUS] = r->status,
        [DSN_FACT_REPLY] = r->reply_code,
        [DSN_FACT_REMOTE] = r->remote_mta,
        [DSN_FACT_DIALECT] = rep->dialect,
        [DSN_FACT_COMMAND] = r->command,
        [DSN_FACT_DIAGNOSTIC_TYPE] = r->diagnostic_type,
      },
      .action = r->action,
    };
    const DsnRule *best = dsn_rules_match (rules, &in, NULL);
    const char *hint = dsn_reason_intern (r->reason_hint);
    if (best && (!hint || best->strength > hint_strength (hint))) {
      r->category = best->category;
      r->reason = best->reason ? best->reason : best->category->reason;
      r->rule = best->name;
      if (best->blocklist)
        dsn_set (&r->blocklist, best->blocklist);
    } else if (hint) {
      if (strcmp (hint, "expired") == 0 && r->action == DSN_ACTION_DELAYED)
        r->category = dsn_rules_find_category (rules, "delayed");
      else
        r->category = category_for_reason (rules, hint);
      r->reason = hint;
      r->rule = "dialect";
    } else if (r->action == DSN_ACTION_DELAYED) {
      set_category (rules, r, "delayed", "action:delayed");
    } else if (r->diagnostic && *r->diagnostic) {
      /* Words that no rule recognises: undecided rather than unknown, as
       * the reference classifier says ("onhold"). */
      set_category (rules, r, "on-hold", NULL);
    } else {
      set_category (rules, r, "undetermined", NULL);
    }
  }
  if (!r->reason)
    r->reason = r->category ? r->category->reason : dsn_reason_intern ("undefined");
  if (!r->category)
    r->category = category_for_reason (rules, r->reason);

  gboolean temporary = is_temporary (r);
  /* As the reference defines it: retrying can never succeed because the
   * address itself is wrong (whatever the code), or the domain accepts no
   * mail at all (a permanent failure). */
  r->hard_bounce = !strcmp (r->reason, "userunknown") || !strcmp (r->reason, "hostunknown")
                   || !strcmp (r->reason, "hasmoved")
                   || (!temporary && !strcmp (r->reason, "notaccept"));
  if (!r->status && strcmp (r->reason, "feedback") != 0 && strcmp (r->reason, "vacation") != 0
      && strcmp (r->reason, "delivered") != 0) {
    r->status = pseudo_status (r->reason, temporary);
    r->status_source = r->status ? DSN_SOURCE_INFERRED : DSN_SOURCE_NONE;
  }
}

void
dsn_classify_report (const DsnAnalyzer *an, DsnReport *rep)
{
  for (guint i = 0; i < rep->recipients->len; i++)
    classify_recipient (an, rep, rep->recipients->pdata[i]);
}

DsnReport *
dsn_analyzer_classify_text (const DsnAnalyzer *an, const char *text, const char *status,
                            const char *reply_code)
{
  g_return_val_if_fail (an && text, NULL);
  DsnReport *rep = dsn_report_new ();
  dsn_analyzer_hold (an, rep);
  rep->kind = DSN_KIND_DELIVERY_STATUS;
  rep->dialect = "text";
  DsnRecipient *r = dsn_report_add_recipient (rep, "unknown@invalid");
  r->action = DSN_ACTION_FAILED;
  dsn_set (&r->diagnostic, text);
  if (status) {
    dsn_set (&r->status, status);
    r->status_source = DSN_SOURCE_REPORT;
  }
  dsn_set (&r->reply_code, reply_code);
  dsn_classify_report (an, rep);
  return rep;
}

/* ------------------------------------------------------------ lint */

gboolean
dsn_analyzer_lint (const DsnAnalyzer *an, GPtrArray *problems)
{
  const DsnRules *rules = dsn_analyzer_rules (an);
  gboolean ok = TRUE;
#define PROBLEM(...)                                                                               \
  G_STMT_START                                                                                     \
  {                                                                                                \
    ok = FALSE;                                                                                    \
    if (problems)                                                                                  \
      g_ptr_array_add (problems, g_strdup_printf (__VA_ARGS__));                                   \
  }                                                                                                \
  G_STMT_END

  for (guint i = 0; i < dsn_rules_n_categories (rules); i++) {
    const DsnCategory *c = dsn_rules_get_category (rules, i);
    for (int t = 0; t < DSN_N_TEXTS; t++)
      for (int l = 0; l < dsn_lang_count (); l++)
        if (!c->text[t][l] || !*c->text[t][l])
          PROBLEM ("%s: [category %s]: text %d missing in language %d", c->file, c->id, t, l);
  }
  static const char *const fixed[]
      = { "feedback-complaint", "auto-reply", "delivered", "delayed", "undetermined" };
  for (gsize i = 0; i < G_N_ELEMENTS (fixed); i++)
    if (!dsn_rules_find_category (rules, fixed[i]))
      PROBLEM ("category %s is required", fixed[i]);

  for (guint i = 0; i < dsn_rules_count (rules); i++) {
    const DsnRule *r = dsn_rules_get (rules, i);
    /* Matching stays fast only if no regex runs on every text. */
    if (r->regex && !r->phrases && !r->literal)
      PROBLEM ("%s: [rule %s]: the regex requires no literal of 3 characters or more: add a "
               "phrase= to filter on",
               r->file, r->name);
    for (char **ex = r->examples; ex && *ex; ex++) {
      char status[12], reply[4];
      DsnMatchInput in = { .text = *ex };
      for (int f = 0; f < DSN_N_FACTS; f++)
        in.fact[f] = r->example[f];
      if (!in.fact[DSN_FACT_STATUS] && dsn_text_find_status (*ex, status))
        in.fact[DSN_FACT_STATUS] = status;
      if (dsn_text_find_reply_code (*ex, reply))
        in.fact[DSN_FACT_REPLY] = reply;
      in.action = r->example_action ? r->example_action : r->action ? r->action : DSN_ACTION_FAILED;
      const DsnRule *got = dsn_rules_match (rules, &in, NULL);
      if (got != r)
        PROBLEM ("%s: [rule %s]: example \"%s\" is classified by %s", r->file, r->name, *ex,
                 got ? got->name : "no rule");
    }
  }
#undef PROBLEM
  return ok;
}

/* ------------------------------------------------------------ getters */

const char *
dsn_recipient_get_category (const DsnRecipient *r)
{
  g_return_val_if_fail (r, NULL);
  return r->category ? r->category->id : NULL;
}

const char *
dsn_recipient_get_summary (const DsnRecipient *r, const char *lang)
{
  g_return_val_if_fail (r, NULL);
  return dsn_category_text (r->category, DSN_TEXT_SUMMARY, lang);
}

const char *
dsn_recipient_get_explanation (const DsnRecipient *r, const char *lang)
{
  g_return_val_if_fail (r, NULL);
  return dsn_category_text (r->category, DSN_TEXT_EXPLANATION, lang);
}

const char *
dsn_recipient_get_advice (const DsnRecipient *r, const char *lang)
{
  g_return_val_if_fail (r, NULL);
  return dsn_category_text (r->category, DSN_TEXT_ADVICE, lang);
}
