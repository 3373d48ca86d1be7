/* core: what both wings of the library stand on. The report model and its
 * result records, text helpers, input intake, RFC 3463 status codes,
 * languages, the catalogue of every sentence shown to a person (findings),
 * domain helpers and the JSON writer. Nothing here knows how a bounce is read
 * (bounce/) or how the DNS is asked (dns/, audit/). Not installed.
 * SPDX-License-Identifier: BSD-2-Clause */
#ifndef LIBDSN_CORE_H
#define LIBDSN_CORE_H

#include "dsn.h"

G_BEGIN_DECLS

#ifndef DSN_INTERNAL
#define DSN_INTERNAL __attribute__ ((visibility ("hidden")))
#endif

/* Results the upper layers attach to a report; core holds them opaque. */
typedef struct _DsnCategory DsnCategory;       /* bounce/rules.c */
typedef struct _DsnHeaders DsnHeaders;         /* bounce/headers.c */
typedef struct _DsnBackscatter DsnBackscatter; /* bounce/backscatter.c */

/* ------------------------------------------------------------ report.c */

/* How a recipient's status code was obtained. */
typedef enum {
  DSN_SOURCE_NONE,
  DSN_SOURCE_REPORT,   /* a machine-readable field (Status:, X-Postfix-...) */
  DSN_SOURCE_TEXT,     /* found in the server's words or the report's text */
  DSN_SOURCE_INFERRED, /* derived from the reason (no code in the message) */
} DsnSource;

/* The outcome of re-checking a recipient's cause in the DNS (recheck/). */
typedef enum {
  DSN_RECHECK_STILL,     /* the cause is still there */
  DSN_RECHECK_GONE,      /* it no longer is */
  DSN_RECHECK_UNCHECKED, /* the DNS did not answer, or a fact is missing */
} DsnRecheckStatus;

typedef struct {
  const char *what; /* "spf", "dkim", "dmarc", "mx", "dnsbl", "ptr" */
  char *target;     /* the domain or address checked */
  DsnRecheckStatus status;
  DsnFinding *found;  /* what the check found, in its message; NULL until known */
  JsonNode **details; /* [dsn_lang_count ()]: the SPF evaluation or the audit with its
                       * texts in each language; NULL when nothing was asked */
  /* The sending address the check used (SPF, DMARC's SPF, blocklists,
   * reverse DNS), where it was found (DsnSending's source) and that said
   * in words (catalogue/recheck.keys); NULL when none was used. */
  char *address;
  const char *address_source;
  char *address_evidence;
  DsnFinding *address_found;
} DsnRecheck;

/* Where the address the remote server refused was found (bounce/sending.c). */
typedef enum {
  DSN_SENDING_NONE,
  DSN_SENDING_DIAGNOSTIC,      /* named in the remote server's words */
  DSN_SENDING_RECEIVED,        /* the returned message's hop into the refusing server */
  DSN_SENDING_REPORT_RECEIVED, /* the reporting server's own, from the report's Received chain */
} DsnSendingSource;

/* "diagnostic", "received", "report-received"; NULL for none. */
DSN_INTERNAL const char *dsn_sending_source_to_string (DsnSendingSource source);

DSN_INTERNAL DsnRecheck *dsn_recheck_new (const char *what, const char *target);
DSN_INTERNAL void dsn_recheck_free (DsnRecheck *c);
/* "still-holds", "no-longer-holds", "could-not-check". */
DSN_INTERNAL const char *dsn_recheck_status_to_string (DsnRecheckStatus status);

struct _DsnRecipient {
  char *address;  /* addr-spec, as written */
  char *original; /* Original-Recipient or "expanded from" address */
  DsnAction action;
  char *status; /* RFC 3463 code */
  DsnSource status_source;
  char *reply_code;      /* three digits */
  char *remote_mta;      /* host name or address */
  char *diagnostic;      /* the remote server's words, verbatim */
  char *diagnostic_type; /* "smtp", "x-unix", ... */
  char *command;         /* SMTP command that failed: "RCPT", "DATA", "MAIL", "CONN", "HELO", ... */
  char *last_attempt;
  char *will_retry_until;
  char *feedback_type;   /* ARF only */
  GPtrArray *extensions; /* "X-Field: value" strings (RFC 3464 §2.4 extension fields) */

  /* A dialect may know the reason from the report's structure (a qmail
   * "too many retries" block, a vendor error code); classification weighs it. */
  const char *reason_hint;
  /* The dialect knows every attempt failed temporarily and the MTA then gave
   * up (Exim's retry timeout): with no code in the report, the inferred
   * status is of class 4, as the reference classifier has it. */
  gboolean deferred;

  DsnRecheck *check; /* live confirmation (recheck/), when asked */
  /* The address the remote server refused (bounce/sending.c): the one its
   * words name, else the one the Received chains show it saw; and the
   * words or Received field it comes from. */
  char *sending_ip;
  DsnSendingSource sending_source;
  char *sending_evidence;
  /* A verdict on the whole report that changes what to do about this
   * recipient (backscatter, a provider's shared address): its message and
   * advice replace the category's advice; NULL otherwise. */
  DsnFinding *context;

  guint position; /* in the report's list when last indexed (dsn_report_find_recipient()) */

  /* Classification (bounce/classify.c). */
  const char *reason;          /* static string */
  const DsnCategory *category; /* owned by the analyzer's rules */
  const char *rule;            /* name of the rule that decided, owned by the rules */
  char *blocklist;             /* the list named by the text, if any */
  gboolean hard_bounce;
};

struct _DsnReport {
  DsnKind kind;
  const char *dialect;   /* static name */
  GPtrArray *fields;     /* per-message fields: pairs of name, value */
  GPtrArray *recipients; /* DsnRecipient */
  GPtrArray *warnings;   /* DsnFinding */
  GPtrArray *original;   /* returned message headers: pairs of name, value */
  char *original_ip;
  char *subject; /* the report's own Subject and From, decoded */
  char *from;
  char *to; /* the report's own To: whom the bounce was sent to */
  /* Facts about the returned original, for the backscatter check. */
  GPtrArray *original_dkim;           /* d= domains of its DKIM-Signature fields */
  GPtrArray *original_dkim_selectors; /* their s= selectors, "" when absent */
  GPtrArray *original_hops;           /* its Received chain, first hop first (bounce/headers.h) */
  /* Analyses made by bounce/, owned through their free functions. */
  DsnHeaders *headers; /* delivery headers analysis (kind headers) */
  GDestroyNotify headers_free;
  DsnBackscatter *backscatter;
  GDestroyNotify backscatter_free;
  /* The analyzer that made the report: categories and texts live in its
   * rules, so the report holds a reference, dropped by ANALYZER_RELEASE. */
  const DsnAnalyzer *analyzer;
  GDestroyNotify analyzer_release;
  /* Extraction keeps the first MAX_RECIPIENTS recipients (DSN_LIMIT_RECIPIENTS;
   * 0: no limit). Past them dsn_report_add_recipient() hands out OVERFLOW, a
   * scratch recipient never reported, and counts it in N_DROPPED: a report
   * naming a million addresses costs the memory of the limit. */
  guint max_recipients;
  guint n_dropped;
  DsnRecipient *overflow;
  GHashTable *by_address; /* lower-case address or original -> 1 + position of the first */
  guint n_indexed;        /* recipients [0, n_indexed) are in BY_ADDRESS */
  GHashTable *warned;     /* the warnings given, for dsn_report_warn() */
};

DSN_INTERNAL DsnReport *dsn_report_new (void);
DSN_INTERNAL DsnRecipient *dsn_recipient_new (void);
DSN_INTERNAL void dsn_recipient_free (DsnRecipient *r);
/* Appends a recipient with ADDRESS (copied, cleaned of <> and spaces; NULL
 * for a report that names none) and returns it. */
DSN_INTERNAL DsnRecipient *dsn_report_add_recipient (DsnReport *rep, const char *address);
/* Returns the first recipient whose address or original address matches
 * (case-insensitively), or NULL. Constant time: an index of the addresses is
 * kept, so a writer of R's address or original after R was added must call
 * dsn_report_index_recipient(). */
DSN_INTERNAL DsnRecipient *dsn_report_find_recipient (DsnReport *rep, const char *address);
/* The same among the first N recipients only. */
DSN_INTERNAL DsnRecipient *dsn_report_find_recipient_n (DsnReport *rep, const char *address,
                                                        guint n);
/* R's address or original address was written: keeps the index up to date. */
DSN_INTERNAL void dsn_report_index_recipient (DsnReport *rep, DsnRecipient *r);
/* Removes every recipient (a dialect reading the report again). */
DSN_INTERNAL void dsn_report_clear_recipients (DsnReport *rep);
DSN_INTERNAL void dsn_report_add_field (DsnReport *rep, const char *name, const char *value);
DSN_INTERNAL void dsn_report_add_original (DsnReport *rep, const char *name, const char *value);
/* Adds the warning CODE (catalogue/warnings.keys) with NAME, VALUE
 * arguments ending with a NULL name; the same warning twice is kept once. */
DSN_INTERNAL void dsn_report_warn (DsnReport *rep, const char *code, ...) G_GNUC_NULL_TERMINATED;
/* Makes every string of REP valid UTF-8 (what is not is replaced by
 * U+FFFD): the contract of the getters, whatever path a byte took. */
DSN_INTERNAL void dsn_report_repair (DsnReport *rep);
/* Replaces *SLOT with a copy of VALUE (NULL clears it); trims surrounding space. */
DSN_INTERNAL void dsn_set (char **slot, const char *value);
/* Same, for a value of LEN bytes. */
DSN_INTERNAL void dsn_set_len (char **slot, const char *value, gssize len);
/* Maps an Action: value (RFC 3464 §2.3.3, case-insensitive) to DsnAction. */
DSN_INTERNAL DsnAction dsn_action_from_string (const char *s);

/* ------------------------------------------------------------ text.c */

/* An enhanced status code (RFC 3463 §2: class "." subject "." detail) found in
 * TEXT; writes it to OUT (at least 12 bytes) and returns a pointer to it in
 * TEXT, or NULL. Only classes 2, 4, 5. */
DSN_INTERNAL const char *dsn_text_find_status (const char *text, char out[static 12]);
/* An SMTP reply code (RFC 5321 §4.2) at the start of a word in TEXT. Writes it
 * to OUT and returns its position, or NULL. */
DSN_INTERNAL const char *dsn_text_find_reply_code (const char *text, char out[static 4]);
/* The class of the first failure code in TEXT, '4' or '5': an enhanced
 * status code of class 4 or 5 first, else a 4xx or 5xx reply code; 0 when
 * TEXT holds none. */
DSN_INTERNAL char dsn_text_failure_class (const char *text);
/* TRUE if a status code, or a reply code, starts right at P (as if P began
 * the text); writes it to OUT. Cheap, unlike comparing a find's result
 * with P, which scans the rest of the text. */
DSN_INTERNAL gboolean dsn_text_status_at (const char *p, char out[static 12]);
DSN_INTERNAL gboolean dsn_text_reply_code_at (const char *p, char out[static 4]);
/* Returns the first e-mail address in TEXT (with or without angle brackets),
 * newly allocated, or NULL. */
DSN_INTERNAL char *dsn_text_find_address (const char *text);
/* Same, for LEN bytes of TEXT. */
DSN_INTERNAL char *dsn_text_find_address_len (const char *text, gsize len);
/* The domain of the first address in TEXT, lower case, newly allocated; NULL
 * if there is none. */
DSN_INTERNAL char *dsn_text_address_domain (const char *text);
/* TRUE if S looks like an addr-spec (local@domain, no spaces). */
DSN_INTERNAL gboolean dsn_text_is_address (const char *s);
/* Collapses runs of white space (including newlines) into one space, trims. In place. */
DSN_INTERNAL char *dsn_text_squeeze (char *s);
/* TEXT folded for comparison with phrases written in any Latin-script
 * language: lower case, diacritics dropped ("Échec" -> "echec", "ß" ->
 * "ss"), typographic quotes made ASCII, white space runs (no-break spaces
 * included) made one space, trimmed. Newly allocated; never NULL. */
DSN_INTERNAL char *dsn_text_fold (const char *text);
/* NEEDLE, folded, in FOLDED (a text folded by dsn_text_fold()); NULL if absent. */
DSN_INTERNAL const char *dsn_text_fold_find (const char *folded, const char *needle);
/* Case-insensitive substring search; NULL if absent. */
DSN_INTERNAL const char *dsn_strcasestr (const char *haystack, const char *needle);
/* A copy of the LEN bytes of TEXT in ASCII lower case, byte for byte (other
 * bytes kept), NUL-terminated: for texts searched many times with
 * dsn_lower_find(). */
DSN_INTERNAL char *dsn_text_lower (const char *text, gsize len);
/* The pairs of adjacent bytes of a text in ASCII lower case, as a set of
 * 65,536 bits: a needle with a pair the text lacks is not in it, which the
 * dialects' many searches of one body (most of them for phrases it does not
 * hold) learn without reading the body again. */
typedef struct {
  guint64 bits[1024];
} DsnPairs;
/* Fills PAIRS with those of the LEN bytes of LOWER (dsn_text_lower()). */
DSN_INTERNAL void dsn_pairs_fill (DsnPairs *pairs, const char *lower, gsize len);
/* FALSE if NEEDLE (any case) has a pair of bytes PAIRS lacks: it is in no
 * part of the text PAIRS was filled from. */
DSN_INTERNAL gboolean dsn_pairs_may_hold (const DsnPairs *pairs, const char *needle);
/* dsn_strcasestr (TEXT, NEEDLE) when LOWER is dsn_text_lower (TEXT): the
 * same result, found by the C library's vectorised strstr(); PAIRS (NULL:
 * none) those of LOWER, to answer most absent needles without a search. */
DSN_INTERNAL const char *dsn_lower_find (const char *text, const char *lower, const DsnPairs *pairs,
                                         const char *needle);
/* NEEDLE between P and END (not NUL-terminated there); NULL if absent. For
 * loops that find every occurrence in a long text: it reads no further than
 * what it finds, where strstr() may measure the whole text on each call
 * (ASan's does). */
DSN_INTERNAL const char *dsn_memstr (const char *p, const char *end, const char *needle);
/* Case-insensitive prefix test. */
DSN_INTERNAL gboolean dsn_has_prefix_ci (const char *s, const char *prefix);
/* Iterates the lines of a text: set *POS to the text before the first call.
 * Returns each line (without its newline) in LINE/LEN, FALSE at the end. */
DSN_INTERNAL gboolean dsn_text_next_line (const char **pos, const char **line, gsize *len);
/* The same, for the text from *POS to END (not NUL-terminated there). */
DSN_INTERNAL gboolean dsn_text_next_line_until (const char **pos, const char *end,
                                                const char **line, gsize *len);

/* g_utf8_validate (S, LEN, NULL) (LEN -1: up to the NUL), faster on the
 * ASCII most of a bounce is: eight bytes at a time until one is not. */
DSN_INTERNAL gboolean dsn_utf8_validate (const char *s, gssize len);

/* ------------------------------------------------------------ find.c */

/* A map from addresses, compared without ASCII case, to the first number
 * added with each: a dialect finds its own block (paragraph, transcript
 * exchange) of a recipient in constant time. Free with g_hash_table_unref(). */
DSN_INTERNAL GHashTable *dsn_address_map_new (void);
DSN_INTERNAL void dsn_address_map_add (GHashTable *map, const char *address, guint n);
/* The smallest number added with ADDRESS, or G_MAXUINT (also for NULL). */
DSN_INTERNAL guint dsn_address_map_get (GHashTable *map, const char *address);

/* Many needles found in one pass over a text (Aho-Corasick), ASCII case
 * ignored: the recipients' addresses in a report, at a cost that does not
 * grow with their number. */
typedef struct _DsnFinder DsnFinder;
DSN_INTERNAL DsnFinder *dsn_finder_new (void);
DSN_INTERNAL void dsn_finder_free (DsnFinder *f);
/* Adds a needle (not empty) before the first scan and returns its number:
 * 0, 1, ... in the order added; a needle added again (in any case) keeps
 * its first number. */
DSN_INTERNAL guint dsn_finder_add (DsnFinder *f, const char *needle);
DSN_INTERNAL guint dsn_finder_add_len (DsnFinder *f, const char *needle, gsize len);
/* The length of needle NEEDLE. */
DSN_INTERNAL gsize dsn_finder_needle_len (const DsnFinder *f, guint needle);
/* Called for each occurrence with the needle's number and where it starts;
 * returns FALSE to end the scan. */
typedef gboolean (*DsnFinderFunc) (guint needle, const char *at, gpointer data);
/* Calls FUNC for every occurrence of every needle in the LEN bytes of TEXT,
 * overlapping ones included, in the order of their ends: the first call
 * for a needle is its first occurrence. */
DSN_INTERNAL void dsn_finder_scan (DsnFinder *f, const char *text, gsize len, DsnFinderFunc func,
                                   gpointer data);

/* ------------------------------------------------------------ intake.c */

/* Copies DATA with CRLF and lone CR turned into LF and NUL bytes into spaces;
 * NUL-terminated beyond its length. *NULS receives the number of NULs replaced. */
DSN_INTERNAL GByteArray *dsn_intake_normalize (const char *data, gsize len, gsize *nuls);

/* ------------------------------------------------------------ status.c */

/* RFC 3463 subject/detail description of a code ("Bad destination mailbox
 * address"), or NULL. */
DSN_INTERNAL const char *dsn_status_describe (const char *status);
/* The code whose RFC 3463 description TEXT quotes ("Bad destination mailbox
 * address" is X.1.1), of class CLS ('4' or '5'), written to OUT; NULL when
 * TEXT quotes none that says something of its own. Some servers write the
 * description instead of the code. */
DSN_INTERNAL const char *dsn_status_find_description (const char *text, char cls,
                                                      char out[static 12]);

/* ------------------------------------------------------------ ip.c */

/* An IP address, as g_inet_address_new_from_string() reads one. */
typedef struct {
  gboolean v6;
  guint8 bytes[16]; /* network order; 4 for IPv4 */
} DsnIp;
/* What g_inet_address_get_is_*() say of an address, and IPv6's unique
 * local fc00::/7, which GLib does not call site-local. */
enum {
  DSN_IP_ANY = 1 << 0,
  DSN_IP_LOOPBACK = 1 << 1,
  DSN_IP_LINK_LOCAL = 1 << 2,
  DSN_IP_SITE_LOCAL = 1 << 3,
  DSN_IP_MULTICAST = 1 << 4,
  DSN_IP_UNIQUE_LOCAL = 1 << 5,
};
/* TRUE if S (LEN bytes, no NUL) is an address, then in *IP. */
DSN_INTERNAL gboolean dsn_ip_parse_len (const char *s, gsize len, DsnIp *ip);
DSN_INTERNAL gboolean dsn_ip_parse (const char *s, DsnIp *ip);
/* The DSN_IP_ flags of IP. */
DSN_INTERNAL guint dsn_ip_flags (const DsnIp *ip);
/* TRUE if IP is in the network NET/PREFIX (same family). */
DSN_INTERNAL gboolean dsn_ip_in_net (const DsnIp *ip, const DsnIp *net, guint prefix);
/* IP written as g_inet_address_to_string() does, newly allocated. */
DSN_INTERNAL char *dsn_ip_to_string (const DsnIp *ip);

/* ------------------------------------------------------------ keys.c */

/* A key file (catalogue/, patterns/) read with GKeyFile's semantics, its
 * groups found by name in constant time. DATA must outlive it. */
typedef struct _DsnKeys DsnKeys;
/* NULL with ERROR (GKeyFile's) when DATA is not a key file. */
DSN_INTERNAL DsnKeys *dsn_keys_load (const char *data, gsize len, GError **error);
DSN_INTERNAL void dsn_keys_free (DsnKeys *k);
/* TRUE if K was read without GKeyFile: then no group, and no key of a
 * group, is given twice. */
DSN_INTERNAL gboolean dsn_keys_plain (const DsnKeys *k);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DsnKeys, dsn_keys_free)
/* As g_key_file_get_groups(), g_key_file_get_keys() (NULL for no such
 * group), g_key_file_has_key(), g_key_file_get_string() and
 * g_key_file_get_string_list() (NULL when missing or not readable),
 * g_key_file_get_integer() and g_key_file_get_boolean(). */
DSN_INTERNAL char **dsn_keys_get_groups (const DsnKeys *k);
DSN_INTERNAL char **dsn_keys_get_keys (const DsnKeys *k, const char *group);
DSN_INTERNAL gboolean dsn_keys_has_key (const DsnKeys *k, const char *group, const char *key);
DSN_INTERNAL char *dsn_keys_get_string (const DsnKeys *k, const char *group, const char *key);
DSN_INTERNAL char **dsn_keys_get_string_list (const DsnKeys *k, const char *group, const char *key,
                                              gsize *n);
DSN_INTERNAL gint dsn_keys_get_integer (const DsnKeys *k, const char *group, const char *key,
                                        GError **error);
DSN_INTERNAL gboolean dsn_keys_get_boolean (const DsnKeys *k, const char *group, const char *key);

/* ------------------------------------------------------------ lang.c */

/* The languages of every text (the catalogue's and the patterns'), read
 * from catalogue/languages.keys: index 0 is the language of untranslated
 * keys ("en"), the others are those of message[LANG]= translations. */
DSN_INTERNAL int dsn_lang_count (void);
/* The index of LANG among them, matched on its start ("fr_FR.UTF-8" is
 * "fr"); an unknown or NULL language is the first one. */
DSN_INTERNAL int dsn_lang_index (const char *lang);
/* The code of language I ("en", "fr"), or NULL past the last. */
DSN_INTERNAL const char *dsn_lang_name (int i);

/* ------------------------------------------------------------ catalogue.c */

/* One entry of the catalogue (catalogue/ *.keys, embedded): a stable code
 * and its attributes and texts. Loaded once; never modified after. */
typedef struct {
  char *code;          /* the group name: "auth.spf_fail", "mx.none", ... */
  const char *subject; /* the file it comes from: "headers", "mailcheck", ... */
  DsnSeverity severity;
  gboolean unchecked; /* "could not check": the DNS failed, not the domain */
  gboolean absent;    /* an optional feature that is simply not set up */
  char *rfc;
  GHashTable *texts; /* text key ("message", "advice", ...) -> char *[dsn_lang_count ()] */
} DsnEntry;

/* A finding: a catalogue entry instantiated with arguments. Header
 * findings, backscatter evidence, re-check texts and mailcheck's findings
 * are all findings. */
struct _DsnFinding {
  const DsnEntry *def;
  DsnSeverity severity; /* the entry's unless the finding says otherwise */
  GPtrArray *args;      /* name, value, name, value... (dsn_args_add_text) */
  char **message;       /* [dsn_lang_count ()], each filled on first read (catalogue.c) */
  char **advice;
};

/* F's message and advice in language LANG (an index), filled on first
 * read; NULL when its entry has none. Never read f->message directly. */
DSN_INTERNAL const char *dsn_finding_message (const DsnFinding *f, int lang);
DSN_INTERNAL const char *dsn_finding_advice (const DsnFinding *f, int lang);

/* The entry for CODE, or NULL. */
DSN_INTERNAL const DsnEntry *dsn_catalogue_entry (const char *code);
/* Text KEY of E in language LANG (an index), the first language's where it
 * is not translated; NULL if E has no such text. */
DSN_INTERNAL const char *dsn_entry_text (const DsnEntry *e, const char *key, int lang);
/* Writes F's arguments as a JSON object of name: value (texts in LANG):
 * the data its sentence shows, for scripts. */
DSN_INTERNAL void dsn_finding_write_details (const DsnFinding *f, DsnJson *w, const char *lang);
/* TEMPLATE with its placeholders filled from ARGS (name, value pairs; may
 * be NULL) for language LANG (an index): {name} is the value; {name?TEXT}
 * TEXT when the argument is there, {name?TEXT|OTHER} OTHER when it is not,
 * {name|OTHER} the value or else OTHER; {name:subject} the value, a code,
 * as the entry "subject.value" says it in LANG (the value itself when
 * there is none). An unknown {name} is left as written. Newly allocated;
 * NULL for NULL. */
DSN_INTERNAL char *dsn_catalogue_fill (const char *tmpl, const GPtrArray *args, int lang);

/* A finding for CODE with ARGS (name, value pairs, stolen; may be NULL),
 * its message and advice filled in every language. NULL, with a critical
 * warning, if CODE is not in the catalogue. */
DSN_INTERNAL DsnFinding *dsn_finding_new (const char *code, GPtrArray *args);
/* The same with the arguments given as NAME, VALUE strings, ending with a
 * NULL name; a pair whose VALUE is NULL is left out (the argument is
 * unknown). */
DSN_INTERNAL DsnFinding *dsn_finding_newv (const char *code, ...) G_GNUC_NULL_TERMINATED;
DSN_INTERNAL DsnFinding *dsn_finding_new_valist (const char *code, va_list ap);
DSN_INTERNAL DsnFinding *dsn_finding_copy (const DsnFinding *f);
DSN_INTERNAL void dsn_finding_free (DsnFinding *f);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DsnFinding, dsn_finding_free)
/* Adds to ARGS (name, value strings) the argument NAME whose value is the
 * message of TEXT (a finding made for its words: a parser's reason, an
 * SPF problem), so that it is shown in the language of the text it fills:
 * "NAME@" = TEXT's code, then TEXT's arguments as "NAME.ARG" = value. */
DSN_INTERNAL void dsn_args_add_text (GPtrArray *args, const char *name, const DsnFinding *text);
/* F's arguments as its texts in language LANG (an index) see them, text
 * arguments filled in that language: name, value pairs, newly allocated. */
DSN_INTERNAL GPtrArray *dsn_finding_args (const DsnFinding *f, int lang);

/* ------------------------------------------------------------ domain.c */

/* The organizational domain of DOMAIN (RFC 7489 §3.2, from the Public
 * Suffix List), newly allocated; NULL for NULL. */
DSN_INTERNAL char *dsn_domain_org (const char *domain);
/* Relaxed alignment (RFC 7489 §3.1.1): the same organizational domain. */
DSN_INTERNAL gboolean dsn_domain_aligned (const char *a, const char *b);

/* ------------------------------------------------------------ json.c */

/* The JSON printer (DsnJson, dsn_json_*) is public: see dsn.h. */

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DsnFinder, dsn_finder_free)

G_END_DECLS

#endif
