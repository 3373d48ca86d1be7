/* The patterns lint: every rule compiles, every example is classified by its
 * own rule (so none is shadowed or unreachable), every category has its
 * texts in every language. Also checks precedence and user overrides.
 * SPDX-License-Identifier: BSD-2-Clause */
#include "bounce/bounce.h"
#include "bounce/rules.h"

#include <glib/gstdio.h>
#include <string.h>

static void
test_lint (void)
{
  g_autoptr (DsnAnalyzer) an = dsn_analyzer_new ();
  g_autoptr (GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
  gboolean ok = dsn_analyzer_lint (an, problems);
  for (guint i = 0; i < problems->len; i++)
    g_test_message ("%s", (char *)problems->pdata[i]);
  g_assert_cmpuint (problems->len, ==, 0);
  g_assert_true (ok);
  g_assert_cmpuint (dsn_analyzer_get_n_rules (an), >, 30);
}

/* The server's words with the particulars taken out: what the rules read. */
static void
test_normalize (void)
{
  static const struct {
    const char *in, *norm, *skel;
  } cases[] = {
    { "user <anna@example.org> does not exist", "user <addr> does not exist",
      "user does not exist" },
    { "host mx.example.org[192.0.2.1] said: 550 5.1.1", "host <host> <ip> said: 550 5.1.1",
      "host said: 550 5.1.1" },
    { "see https://example.org/x?ip=1 now", "see <url> now", "see now" },
    { "banned: .exe,invoice.exe", "banned: <file>", "banned: <file>" },
    { "create maildir file /home/user/maildir/tmp/1: no space left",
      "create maildir file <path>: no space left", "create maildir file: no space left" },
    /* Glued durations are spelt out; other glued numbers stay words. */
    { "delayed for more than 4h.", "delayed for more than <num> hours.",
      "delayed for more than hours." },
    { "retry in 30min, 2d max", "retry in <num> minutes, <num> days max",
      "retry in minutes, days max" },
    { "rfc 5322 and 4x4 and 12ab", "rfc 5322 and 4x4 and 12ab", "rfc 5322 and 4x4 and 12ab" },
    /* An address that is its clause's subject stays a noun; one that
     * labels what follows (a colon, dots) or is an object does not. */
    { "550 <anna@example.org> does not exist", "550 <addr> does not exist",
      "550 address does not exist" },
    { "550 5.1.1 <anna@example.org>: user unknown", "550 5.1.1 <addr>: user unknown",
      "550 5.1.1: user unknown" },
    { "mail for anna@example.org is refused", "mail for <addr> is refused", "mail for is refused" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autofree char *norm = NULL, *skel = NULL;
    dsn_words_normalize (cases[i].in, &norm, &skel);
    g_assert_cmpstr (norm, ==, cases[i].norm);
    g_assert_cmpstr (skel, ==, cases[i].skel);
  }
}

static const char *
classify (DsnAnalyzer *an, const char *text, const char *status)
{
  static char category[64];
  g_autoptr (DsnReport) rep = dsn_analyzer_classify_text (an, text, status, NULL);
  g_strlcpy (category, dsn_recipient_get_category (dsn_report_get_recipient (rep, 0)),
             sizeof category);
  return category;
}

/* A phrase that starts with a letter or digit matches at the start of a
 * word only: ids and longer words hide nothing. */
static void
test_word_start (void)
{
  g_autoptr (DsnAnalyzer) an = dsn_analyzer_new ();
  g_assert_cmpstr (classify (an, "554 Message garbled", NULL), !=, "blocklist"); /* "rbl" */
  g_assert_cmpstr (classify (an, "550 rejected id=AbIB607xQ", NULL), !=, "rate-limited");
  g_assert_cmpstr (classify (an, "550 no such user, queue id 3DKIMa9", "5.1.1"), ==,
                   "user-unknown");
  g_assert_cmpstr (classify (an, "550 the avirus scanner is down", NULL), !=, "malware");
  /* At a word's start, or after punctuation, they match. */
  g_assert_cmpstr (classify (an, "550 listed in an RBL", NULL), ==, "blocklist");
  g_assert_cmpstr (classify (an, "550 blocked using zen.spamhaus.org", NULL), ==, "blocklist");
  g_assert_cmpstr (classify (an, "550 IB607 too many recipients this hour", NULL), ==,
                   "rate-limited");
  g_assert_cmpstr (classify (an, "554 Message greylisted, try later", NULL), ==, "greylisting");
  /* The envelope sender by another name is not the recipient. */
  g_assert_cmpstr (classify (an, "550 Return address unknown", NULL), ==, "sender-rejected");
  /* A word group's word ends before an opening bracket too. */
  g_assert_cmpstr (classify (an, "421 Your IP(192.0.2.1) is filtered", NULL), ==, "blocked");
  g_assert_cmpstr (classify (an, "550 mailbox(es) unavailable: user does not exist", "5.1.1"), ==,
                   "user-unknown");
}

/* Chinese, Japanese and Korean are written without spaces: each character
 * is a word for word groups, so a recipient noun and a non-existence a few
 * characters apart hold as they do in English. */
static void
test_cjk_words (void)
{
  g_autoptr (DsnAnalyzer) an = dsn_analyzer_new ();
  g_assert_cmpstr (classify (an, "550 收件人地址不存在", "5.1.1"), ==, "user-unknown");
  g_assert_cmpstr (classify (an, "552 收件人邮箱空间已满", NULL), ==, "mailbox-full");
  g_assert_cmpstr (classify (an, "550 宛先のメールアドレスが見つかりません", "5.1.1"), ==,
                   "user-unknown");
  g_assert_cmpstr (classify (an, "552 받는 사람의 메일함이 가득 찼습니다", NULL), ==,
                   "mailbox-full");
  g_assert_cmpstr (classify (an, "451 发送频率过快，请稍后再试", NULL), ==, "rate-limited");
  /* Far apart, the words do not make one diagnosis. */
  g_assert_cmpstr (classify (an,
                             "550 收件人您好这是一封很长很长很长很长很长很长很长很长的说明文字"
                             "最后不存在",
                             NULL),
                   !=, "user-unknown");
}

/* Some servers write a status code's RFC 3463 description instead of the
 * code: it stands for the code. */
static void
test_status_description (void)
{
  g_autoptr (DsnAnalyzer) an = dsn_analyzer_new ();
  g_assert_cmpstr (classify (an, "550 Bad destination mailbox address", NULL), ==, "user-unknown");
  g_assert_cmpstr (classify (an, "Bad destination system address", NULL), ==, "domain-not-found");
  g_assert_cmpstr (classify (an, "OTHER OR UNDEFINED NETWORK OR ROUTING STATUS", NULL), ==,
                   "network-error");
  g_assert_cmpstr (classify (an, "Delivery not authorized, message refused", NULL), ==,
                   "not-authorized");
  /* X.0.0's says nothing. */
  g_assert_cmpstr (classify (an, "Other undefined status", NULL), ==, "on-hold");
}

static void
test_precedence (void)
{
  g_autoptr (DsnAnalyzer) an = dsn_analyzer_new ();
  /* The server's words beat a generic code... */
  g_assert_cmpstr (classify (an, "Mailbox full", "5.7.1"), ==, "mailbox-full");
  /* ...a code decides when the words say nothing. */
  g_assert_cmpstr (classify (an, "Sorry, no.", "5.1.1"), ==, "user-unknown");
  /* A named list beats a generic blocklist phrase. */
  g_assert_cmpstr (classify (an, "blocked using zen.spamhaus.org", NULL), ==, "blocklist");
  g_autoptr (DsnReport) rep
      = dsn_analyzer_classify_text (an, "blocked using zen.spamhaus.org", NULL, NULL);
  g_assert_cmpstr (dsn_report_get_recipient (rep, 0)->blocklist, ==, "Spamhaus");
  /* White space and case do not matter. */
  g_assert_cmpstr (classify (an, "MAILBOX\n   FULL", NULL), ==, "mailbox-full");
}

/* Servers answering in French, German, Italian or Spanish: the phrases match
 * whatever the case, the accents and the spaces (no-break ones included). */
static void
test_languages (void)
{
  g_autoptr (DsnAnalyzer) an = dsn_analyzer_new ();
  static const struct {
    const char *text, *status, *want;
  } cases[] = {
    { "552 BO\xc3\x8eTE AUX LETTRES PLEINE", NULL, "mailbox-full" },
    { "552 Boite aux lettres pleine", NULL, "mailbox-full" },
    { "452 bo\xc3\xaete satur\xc3\xa9"
      "e\xc2\xa0: quota d\xc3\xa9pass\xc3\xa9",
      NULL, "mailbox-full" },
    { "550 5.1.1 Utilisateur inconnu", NULL, "user-unknown" },
    { "550 5.1.1 <anna@example.org>: EMPF\xc3\x84NGER UNBEKANNT", NULL, "user-unknown" },
    { "550 5.1.1 <anna@example.org>: Empfaenger unbekannt", NULL, "user-unknown" },
    { "452 4.2.2 Postfach voll", NULL, "mailbox-full" },
    { "550 Sendequota \xc3\xbc"
      "berschritten",
      NULL, "rate-limited" },
    { "552 5.2.2 casella piena", NULL, "mailbox-full" },
    { "550 5.1.1 utente sconosciuto", NULL, "user-unknown" },
    { "552 buz\xc3\xb3n lleno", NULL, "mailbox-full" },
    { "550 5.1.1 Usuario desconocido", NULL, "user-unknown" },
    { "550 Dominio inexistente", "5.1.2", "domain-not-found" },
    { "554 5.7.1 Message consid\xc3\xa9r\xc3\xa9 comme spam", NULL, "spam-content" },
    { "550 5.7.1 Relais refus\xc3\xa9", NULL, "relay-denied" },
    { "l\xe2\x80\x99"
      "adresse est introuvable",
      "5.1.1", "user-unknown" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    const char *got = classify (an, cases[i].text, cases[i].status);
    if (g_strcmp0 (got, cases[i].want) != 0)
      g_test_message ("\"%s\": %s", cases[i].text, got);
    g_assert_cmpstr (got, ==, cases[i].want);
  }
}

/* Classifies one recipient with the given facts (NULL: unknown). Returns
 * "category/reason/status" in a static buffer. */
typedef struct {
  const char *text, *status, *reply, *command, *dialect, *remote, *hint, *type;
  DsnAction action;
} Facts;

static const char *
classify_facts (DsnAnalyzer *an, const Facts *f)
{
  static char out[128];
  g_autoptr (DsnReport) rep = dsn_report_new ();
  rep->analyzer = an;
  rep->kind = DSN_KIND_DELIVERY_STATUS;
  rep->dialect = f->dialect ? f->dialect : "generic";
  DsnRecipient *r = dsn_report_add_recipient (rep, "anna@example.org");
  r->action = f->action ? f->action : DSN_ACTION_FAILED;
  dsn_set (&r->diagnostic, f->text);
  dsn_set (&r->status, f->status);
  if (f->status)
    r->status_source = DSN_SOURCE_REPORT;
  dsn_set (&r->reply_code, f->reply);
  dsn_set (&r->command, f->command);
  dsn_set (&r->remote_mta, f->remote);
  dsn_set (&r->diagnostic_type, f->type);
  r->reason_hint = f->hint;
  dsn_classify_report (an, rep);
  g_snprintf (out, sizeof out, "%s/%s/%s", dsn_recipient_get_category (r),
              dsn_recipient_get_reason (r), dsn_recipient_get_status (r));
  return out;
}

/* The same words mean different things at different SMTP stages. */
static void
test_context (void)
{
  g_autoptr (DsnAnalyzer) an = dsn_analyzer_new ();
  const char *uu = "550 Unknown user anna@example.org";
  g_assert_cmpstr (classify_facts (an, &(Facts){ .text = uu, .command = "RCPT" }), ==,
                   "user-unknown/userunknown/5.0.911");
  g_assert_cmpstr (classify_facts (an, &(Facts){ .text = uu, .command = "DATA" }), ==,
                   "recipient-filtered/filtered/5.0.910");
  g_assert_cmpstr (classify_facts (an, &(Facts){ .text = uu }), ==,
                   "user-unknown/filtered/5.0.910");
  g_assert_cmpstr (classify_facts (an, &(Facts){ .text = uu, .command = "MAIL" }), ==,
                   "sender-rejected/rejected/5.0.918");
  /* A 5.1.x code confirms it, at any stage but MAIL FROM. */
  g_assert_cmpstr (
      classify_facts (an, &(Facts){ .text = uu, .status = "5.1.1", .command = "DATA" }), ==,
      "user-unknown/userunknown/5.1.1");
  /* The recipient's own mail system says so after looking it up. */
  g_assert_cmpstr (classify_facts (an, &(Facts){ .text = "The email address does not exist.",
                                                 .dialect = "gmail" }),
                   ==, "user-unknown/userunknown/5.0.911");
  /* A refusal at connection time is about the sending host. */
  g_assert_cmpstr (
      classify_facts (an, &(Facts){ .text = "550 Go away", .reply = "550", .command = "CONN" }), ==,
      "blocked/blocked/5.0.971");
  /* x-unix: a local delivery program failed, whatever its words. */
  g_assert_cmpstr (
      classify_facts (an,
                      &(Facts){ .text = "procmail: Couldn't create \"/var/mail/anna\" No such user",
                                .status = "5.1.1",
                                .type = "x-unix" }),
      ==, "mailer-error/mailererror/5.1.1");
  /* A delay whose words name a cause has the cause's category. */
  g_assert_cmpstr (
      classify_facts (
          an, &(Facts){ .text = "connect to mx.example.org[192.0.2.1]:25: Connection timed out",
                        .status = "4.4.1",
                        .action = DSN_ACTION_DELAYED }),
      ==, "network-error/expired/4.4.1");
  g_assert_cmpstr (
      classify_facts (an,
                      &(Facts){ .text = "connect to mx.example.org[192.0.2.1]:25: No route to host",
                                .status = "4.4.1",
                                .action = DSN_ACTION_DELAYED }),
      ==, "network-error/networkerror/4.4.1");
  /* A temporary "domain not found" is a DNS failure, not a missing domain. */
  g_assert_cmpstr (
      classify_facts (an, &(Facts){ .text = "DNS Error: Domain name not found: example.org",
                                    .status = "4.0.0" }),
      ==, "dns-error/networkerror/4.0.0");
}

/* How rules, codes and hints weigh against each other. */
static void
test_weights (void)
{
  g_autoptr (DsnAnalyzer) an = dsn_analyzer_new ();
  /* Codes that name their cause decide over other words... */
  g_assert_cmpstr (
      classify_facts (an, &(Facts){ .text = "550 5.2.2 <anna@example.org>... User unknown",
                                    .status = "5.2.2" }),
      ==, "mailbox-full/mailboxfull/5.2.2");
  /* ...vague ones do not. */
  g_assert_cmpstr (classify_facts (an, &(Facts){ .text = "550 5.7.1 Message rejected as spam",
                                                 .status = "5.7.1" }),
                   ==, "spam-content/spamdetected/5.7.1");
  /* The remote server's own code replaces a generic Status:. */
  g_assert_cmpstr (
      classify_facts (an,
                      &(Facts){ .text = "550 5.1.1 <anna@example.org>: Recipient address rejected",
                                .status = "5.0.0" }),
      ==, "user-unknown/userunknown/5.1.1");
  /* A provider's own code beats generic words. */
  g_assert_cmpstr (
      classify_facts (an, &(Facts){ .text = "550 5.2.0 Mail rejete. Mail rejected. OFR_506 [506]",
                                    .status = "5.2.0" }),
      ==, "spam-content/spamdetected/5.2.0");
  /* A multi-line reply's repeated prefixes do not hide a phrase. */
  g_assert_cmpstr (
      classify_facts (an, &(Facts){ .text = "550-5.7.1 Messages with multiple 550-5.7.1 addresses "
                                            "in From: header are not accepted.",
                                    .status = "5.7.1" }),
      ==, "not-rfc-compliant/notcompliantrfc/5.7.1");
  /* A dialect's definite hint is decisive, a tentative one only beats codes. */
  g_assert_cmpstr (
      classify_facts (an, &(Facts){ .text = "550 Mailbox unavailable", .hint = "filtered" }), ==,
      "content-filtered/filtered/5.0.910");
  g_assert_cmpstr (
      classify_facts (
          an, &(Facts){ .text = "452 4.2.2 Mailbox full", .status = "4.2.2", .hint = "expired" }),
      ==, "mailbox-full/mailboxfull/4.2.2");
  g_assert_cmpstr (
      classify_facts (an,
                      &(Facts){ .text = "Too many retries", .status = "4.4.7", .hint = "expired" }),
      ==, "expired/expired/4.4.7");
  /* Words nothing recognises are "onhold"; no words at all, "undefined". */
  g_assert_cmpstr (classify_facts (an, &(Facts){ .text = "Nyaan" }), ==, "on-hold/onhold/5.0.901");
  g_assert_cmpstr (classify_facts (an, &(Facts){ 0 }), ==, "undetermined/undefined/5.0.900");
}

static void
test_override (void)
{
  g_autofree char *dir = g_dir_make_tmp ("dsn-rules-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "local.rules", NULL);
  g_assert_true (g_file_set_contents (path,
                                      "[rule local.nyan]\n"
                                      "category=mailbox-full\n"
                                      "phrase=the cat sat on the mailbox\n"
                                      "example=550 the cat sat on the mailbox\n",
                                      -1, NULL));
  g_autoptr (DsnAnalyzer) an = dsn_analyzer_new ();
  guint before = dsn_analyzer_get_n_rules (an);
  g_autoptr (GError) error = NULL;
  g_assert_true (dsn_analyzer_add_patterns_dir (an, dir, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (dsn_analyzer_get_n_rules (an), ==, before + 1);
  g_assert_cmpstr (classify (an, "550 The cat sat on the MAILBOX", NULL), ==, "mailbox-full");
  g_assert_true (dsn_analyzer_lint (an, NULL));

  /* A bad file is refused with a message naming it, and nothing changes. */
  g_autoptr (DsnAnalyzer) an2 = dsn_analyzer_new ();
  g_assert_true (
      g_file_set_contents (path, "[rule bad]\ncategory=nope\nphrase=x\nexample=x\n", -1, NULL));
  g_assert_false (dsn_analyzer_add_patterns_dir (an2, dir, &error));
  g_assert_error (error, DSN_ERROR, DSN_ERROR_PATTERNS);
  g_assert_nonnull (strstr (error->message, "nope"));
  g_assert_cmpuint (dsn_analyzer_get_n_rules (an2), ==, before);
  g_clear_error (&error);
  g_assert_true (g_file_set_contents (
      path, "[rule bad]\ncategory=mailbox-full\nregex=(unclosed\nexample=x\n", -1, NULL));
  g_assert_false (dsn_analyzer_add_patterns_dir (an2, dir, &error));
  g_assert_nonnull (strstr (error->message, "regex"));
  g_clear_error (&error);

  /* A refinement of a built-in rule, stronger at one provider only. */
  g_assert_true (g_file_set_contents (path,
                                      "[rule local.example-net-policy]\n"
                                      "category=spam-content\n"
                                      "like=policy-violation\n"
                                      "remote=*.mx.example.net\n"
                                      "strength=81\n"
                                      "example=554 5.7.1 Message refused: violation of policy\n"
                                      "example-remote=in1.mx.example.net\n",
                                      -1, NULL));
  g_autoptr (DsnAnalyzer) an3 = dsn_analyzer_new ();
  g_assert_true (dsn_analyzer_add_patterns_dir (an3, dir, &error));
  g_assert_no_error (error);
  g_assert_true (dsn_analyzer_lint (an3, NULL));
  const char *policy = "554 5.7.1 Message refused: violation of policy";
  g_assert_cmpstr (classify_facts (an3, &(Facts){ .text = policy, .remote = "in1.mx.example.net" }),
                   ==, "spam-content/spamdetected/5.7.1");
  g_assert_cmpstr (classify_facts (an3, &(Facts){ .text = policy, .remote = "mx.example.com" }), ==,
                   "policy-violation/policyviolation/5.7.1");

  /* like= must name a rule. */
  g_autoptr (DsnAnalyzer) an4 = dsn_analyzer_new ();
  g_assert_true (
      g_file_set_contents (path, "[rule bad]\ncategory=blocked\nlike=nope\nexample=x\n", -1, NULL));
  g_assert_false (dsn_analyzer_add_patterns_dir (an4, dir, &error));
  g_assert_nonnull (strstr (error->message, "like=nope"));
  g_assert_cmpuint (dsn_analyzer_get_n_rules (an4), ==, before);
  g_clear_error (&error);

  /* A key or a group given twice would silently lose the first: refused. */
  g_assert_true (g_file_set_contents (path,
                                      "[rule twice]\ncategory=blocked\nphrase=a b c\n"
                                      "example=a b c\nexample = a b c d\n",
                                      -1, NULL));
  g_assert_false (dsn_analyzer_add_patterns_dir (an4, dir, &error));
  g_assert_nonnull (strstr (error->message, "[rule twice]: example= is given twice"));
  g_clear_error (&error);
  g_assert_true (
      g_file_set_contents (path,
                           "[rule twice]\ncategory=blocked\nphrase=a b c\nexample=a b c\n"
                           "# comment=\n\n[rule twice]\nstrength=70\n",
                           -1, NULL));
  g_assert_false (dsn_analyzer_add_patterns_dir (an4, dir, &error));
  g_assert_nonnull (strstr (error->message, "[rule twice]: the group is given twice"));
  g_assert_cmpuint (dsn_analyzer_get_n_rules (an4), ==, before);
  g_remove (path);
  g_rmdir (dir);
}

/* dsn-patterns(5) lists every built-in category. */
static void
test_man_categories (void)
{
  /* __FILE__ is relative to the build root, the parent of this test's directory. */
  g_autofree char *src = g_path_get_dirname (__FILE__);
  g_autofree char *page = g_path_is_absolute (src)
                              ? g_build_filename (src, "..", "man", "dsn-patterns.5", NULL)
                              : g_build_filename (g_test_get_dir (G_TEST_BUILT), "..", src, "..",
                                                  "man", "dsn-patterns.5", NULL);
  g_autofree char *text = NULL;
  if (!g_file_get_contents (page, &text, NULL, NULL)) {
    g_test_skip ("man/dsn-patterns.5 not found from the test's directory");
    return;
  }
  g_autoptr (DsnAnalyzer) an = dsn_analyzer_new ();
  const DsnRules *rules = dsn_analyzer_rules (an);
  for (guint i = 0; i < dsn_rules_n_categories (rules); i++) {
    const DsnCategory *c = dsn_rules_get_category (rules, i);
    g_autofree char *escaped = NULL;
    GString *e = g_string_new (".B ");
    for (const char *p = c->id; *p; p++) {
      if (*p == '-')
        g_string_append (e, "\\-");
      else
        g_string_append_c (e, *p);
    }
    g_string_append_c (e, '\n');
    escaped = g_string_free (e, FALSE);
    const char *at = strstr (text, escaped);
    if (!at)
      g_test_message ("category %s is not in dsn-patterns(5)", c->id);
    g_assert_nonnull (at);
    /* In the list of categories, the line after it names the reason the
     * category maps to. */
    g_autofree char *entry = g_strdup_printf ("%s.RI \"(\" %s ", escaped, c->reason);
    if (!strstr (text, entry))
      g_test_message ("dsn-patterns(5) does not list %s with the reason %s", c->id, c->reason);
    g_assert_nonnull (strstr (text, entry));
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/rules/lint", test_lint);
  g_test_add_func ("/rules/normalize", test_normalize);
  g_test_add_func ("/rules/precedence", test_precedence);
  g_test_add_func ("/rules/word-start", test_word_start);
  g_test_add_func ("/rules/cjk-words", test_cjk_words);
  g_test_add_func ("/rules/status-description", test_status_description);
  g_test_add_func ("/rules/languages", test_languages);
  g_test_add_func ("/rules/context", test_context);
  g_test_add_func ("/rules/weights", test_weights);
  g_test_add_func ("/rules/override", test_override);
  g_test_add_func ("/rules/man-categories", test_man_categories);
  return g_test_run ();
}
