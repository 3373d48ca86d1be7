/* Internal declarations shared by the library's modules. Not installed.
 * SPDX-License-Identifier: BSD-2-Clause */
#ifndef LIBDSN_DSN_PRIVATE_H
#define LIBDSN_DSN_PRIVATE_H

#include "dsn.h"
#include "gmime-compat.h"

G_BEGIN_DECLS

#define DSN_INTERNAL __attribute__ ((visibility ("hidden")))

/* ------------------------------------------------------------ the objects */

typedef struct _DsnRules DsnRules;       /* rules.c */
typedef struct _DsnCategory DsnCategory; /* rules.c */
typedef struct _DsnHeaders DsnHeaders;   /* headers.c */
typedef struct _DsnBackscatter DsnBackscatter; /* backscatter.c */
typedef struct _DsnJson DsnJson;         /* json.c: a JSON tree or text writer */
typedef struct _DsnCheck DsnCheck;       /* check.c: a live re-check of a cause */

struct _DsnAnalyzer {
  DsnRules *rules;
  gsize limits[4];
  GPtrArray *own_domains; /* the user's domains, lower case */
  GPtrArray *own_relays;  /* host names (suffixes) or addresses/CIDR of the user's sending path */
  gboolean sealed; /* set by the first analysis; later changes are refused */
};

/* How a recipient's status code was obtained. */
typedef enum {
  DSN_SOURCE_NONE,
  DSN_SOURCE_REPORT,   /* a machine-readable field (Status:, X-Postfix-...) */
  DSN_SOURCE_TEXT,     /* found in the server's words or the report's text */
  DSN_SOURCE_INFERRED, /* derived from the reason (no code in the message) */
} DsnSource;

struct _DsnRecipient {
  char *address;          /* addr-spec, as written */
  char *original;         /* Original-Recipient or "expanded from" address */
  DsnAction action;
  char *status;           /* RFC 3463 code */
  DsnSource status_source;
  char *reply_code;       /* three digits */
  char *remote_mta;       /* host name or address */
  char *diagnostic;       /* the remote server's words, verbatim */
  char *diagnostic_type;  /* "smtp", "x-unix", ... */
  char *command;          /* SMTP command that failed: "RCPT", "DATA", "MAIL", "CONN", "HELO", ... */
  char *last_attempt;
  char *will_retry_until;
  char *feedback_type;    /* ARF only */
  GPtrArray *extensions;  /* "X-Field: value" strings (RFC 3464 §2.4 extension fields) */

  /* A dialect may know the reason from the report's structure (a qmail
   * "too many retries" block, a vendor error code); classification weighs it. */
  const char *reason_hint;
  /* The dialect knows every attempt failed temporarily and the MTA then gave
   * up (Exim's retry timeout): with no code in the report, the inferred
   * status is of class 4, as the reference classifier has it. */
  gboolean deferred;

  DsnCheck *check;               /* live confirmation (check.c), when asked */

  /* Classification (classify.c). */
  const char *reason;            /* static string */
  const DsnCategory *category;   /* owned by the analyzer's rules */
  const char *rule;              /* name of the rule that decided, owned by the rules */
  char *blocklist;               /* the list named by the text, if any */
  gboolean hard_bounce;
};

struct _DsnReport {
  DsnKind kind;
  const char *dialect;          /* static name */
  GPtrArray *fields;            /* per-message fields: pairs of name, value */
  GPtrArray *recipients;        /* DsnRecipient */
  GPtrArray *warnings;          /* char* */
  GPtrArray *original;          /* returned message headers: pairs of name, value */
  char *original_ip;
  char *subject;                /* the report's own Subject and From, decoded */
  char *from;
  char *to;                     /* the report's own To: whom the bounce was sent to */
  DsnHeaders *headers;          /* delivery headers analysis (kind headers) */
  /* Facts about the returned original, for the backscatter check. */
  GPtrArray *original_dkim;     /* d= domains of its DKIM-Signature fields */
  GPtrArray *original_dkim_selectors; /* their s= selectors, "" when absent */
  GPtrArray *original_hops;     /* DsnHop: its Received chain, first hop first */
  DsnBackscatter *backscatter;
  const DsnAnalyzer *analyzer;  /* for texts; outlives the report by contract */
};

/* ------------------------------------------------------------ report.c */

DSN_INTERNAL DsnReport *dsn_report_new (void);
DSN_INTERNAL DsnRecipient *dsn_recipient_new (void);
DSN_INTERNAL void dsn_recipient_free (DsnRecipient *r);
/* Appends a recipient with ADDRESS (copied, cleaned of <> and spaces) and returns it. */
DSN_INTERNAL DsnRecipient *dsn_report_add_recipient (DsnReport *rep, const char *address);
/* Returns the recipient whose address matches (case-insensitively), or NULL. */
DSN_INTERNAL DsnRecipient *dsn_report_find_recipient (const DsnReport *rep, const char *address);
/* The same among the first N recipients only. */
DSN_INTERNAL DsnRecipient *dsn_report_find_recipient_n (const DsnReport *rep, const char *address, guint n);
DSN_INTERNAL void dsn_report_add_field (DsnReport *rep, const char *name, const char *value);
DSN_INTERNAL void dsn_report_add_original (DsnReport *rep, const char *name, const char *value);
DSN_INTERNAL void dsn_report_warn (DsnReport *rep, const char *fmt, ...) G_GNUC_PRINTF (2, 3);
/* Replaces *SLOT with a copy of VALUE (NULL clears it); trims surrounding space. */
DSN_INTERNAL void dsn_set (char **slot, const char *value);
/* Same, for a value of LEN bytes. */
DSN_INTERNAL void dsn_set_len (char **slot, const char *value, gssize len);

/* ------------------------------------------------------------ text.c */

/* An enhanced status code (RFC 3463 §2: class "." subject "." detail) found in
 * TEXT; writes it to OUT (at least 12 bytes) and returns a pointer to it in
 * TEXT, or NULL. Only classes 2, 4, 5. */
DSN_INTERNAL const char *dsn_text_find_status (const char *text, char out[static 12]);
/* An SMTP reply code (RFC 5321 §4.2) at the start of a word in TEXT. Writes it
 * to OUT and returns its position, or NULL. */
DSN_INTERNAL const char *dsn_text_find_reply_code (const char *text, char out[static 4]);
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
/* Case-insensitive prefix test. */
DSN_INTERNAL gboolean dsn_has_prefix_ci (const char *s, const char *prefix);
/* Iterates the lines of a text: set *POS to the text before the first call.
 * Returns each line (without its newline) in LINE/LEN, FALSE at the end. */
DSN_INTERNAL gboolean dsn_text_next_line (const char **pos, const char **line, gsize *len);
/* The same, for the text from *POS to END (not NUL-terminated there). */
DSN_INTERNAL gboolean dsn_text_next_line_until (const char **pos, const char *end, const char **line,
                                                gsize *len);

/* ------------------------------------------------------------ rfc3464.c */

/* Parses the body of a message/delivery-status part (RFC 3464 §2): the
 * per-message group into REP's fields, each per-recipient group into a
 * recipient. Tolerates the violations listed in doc/DEVIATIONS.md. Returns the
 * number of recipients added. */
DSN_INTERNAL guint dsn_rfc3464_parse (DsnReport *rep, const char *text, gsize len);
/* Parses "type; value" (RFC 3464 §2.1.2 address-type / diagnostic-type); writes
 * the type part to TYPE if non-NULL and returns the value part, newly allocated. */
DSN_INTERNAL char *dsn_rfc3464_typed_value (const char *value, char **type);
/* Maps an Action: value (case-insensitive) to DsnAction. */
DSN_INTERNAL DsnAction dsn_action_from_string (const char *s);

/* ------------------------------------------------------------ intake.c */

/* Copies DATA with CRLF and lone CR turned into LF and NUL bytes into spaces;
 * NUL-terminated beyond its length. *NULS receives the number of NULs replaced. */
DSN_INTERNAL GByteArray *dsn_intake_normalize (const char *data, gsize len, gsize *nuls);

/* Converts LEN bytes in CHARSET (NULL: unknown) to UTF-8; never fails. */
DSN_INTERNAL char *dsn_to_utf8 (const char *buf, gsize len, const char *charset);

/* The message under analysis, as the dialects see it. */
typedef struct {
  GMimeMessage *message;     /* never NULL */
  const char *raw;           /* the normalized bytes (LF newlines), NUL-terminated */
  gsize raw_len;
  const char *from;          /* decoded From header, "" if none */
  const char *subject;       /* decoded Subject, "" if none */
  const char *from_folded;   /* the same, folded (dsn_text_fold()) for comparisons */
  const char *subject_folded;
  /* The human-readable text of the report: every text part outside the
   * returned message, decoded to UTF-8 with LF newlines, joined by newlines.
   * For a single-part bounce this includes a returned message written inline. */
  const char *body;
  gsize body_len;
  /* The first part of the report (before any delivery-status / rfc822 part). */
  const char *first_text;
  gboolean has_delivery_status; /* a message/delivery-status part was parsed */
  gboolean has_returned;        /* the original message was found (attached or inline) */
  gboolean pasted;              /* no header block: a report body pasted on its own */
  DsnReport *report;
} DsnInput;

/* Returns header NAME of the bounce itself (decoded, unfolded), or NULL. */
DSN_INTERNAL const char *dsn_input_header (const DsnInput *in, const char *name);
/* Records the headers of a returned message found inline in a text: HEADERS
 * points at its first header line. Used by dialects whose reports quote the
 * original rather than attach it. */
DSN_INTERNAL void dsn_input_set_returned_text (const DsnInput *in, const char *headers);

/* ------------------------------------------------------------ dialects */

typedef struct {
  const char *name;
  /* TRUE if the message comes from this dialect: evidence from the sender,
   * subject, headers and body markers. Must be cheap: it runs on every message. */
  gboolean (*detect) (const DsnInput *in);
  /* Adds recipients to in->report, or completes those already read from a
   * delivery-status part. Returns TRUE if the report has recipients. */
  gboolean (*extract) (const DsnInput *in);
} DsnDialect;

/* NULL-terminated, in detection order: specific dialects before generic ones. */
DSN_INTERNAL extern const DsnDialect *const dsn_dialects[];

/* dsn_analyzer_analyze(), but with ONLY (if not NULL) as the one dialect
 * tried, without its detect(): lets the fuzzers reach every extractor. */
DSN_INTERNAL DsnReport *dsn_analyze_with (const DsnAnalyzer *an, const char *data, gsize len,
                                          const DsnDialect *only, GError **error);

/* ------------------------------------------------------------ status.c */

/* RFC 3463 subject/detail description of a code ("Bad destination mailbox
 * address"), or NULL. */
DSN_INTERNAL const char *dsn_status_describe (const char *status);

/* ------------------------------------------------------------ json.c */

/* The JSON writer: the json_builder calls, writing a tree or text. */
DSN_INTERNAL void dsn_json_begin_object (DsnJson *w);
DSN_INTERNAL void dsn_json_end_object (DsnJson *w);
DSN_INTERNAL void dsn_json_begin_array (DsnJson *w);
DSN_INTERNAL void dsn_json_end_array (DsnJson *w);
DSN_INTERNAL void dsn_json_set_member_name (DsnJson *w, const char *name);
/* NULL writes null. */
DSN_INTERNAL void dsn_json_add_string_value (DsnJson *w, const char *value);
DSN_INTERNAL void dsn_json_add_null_value (DsnJson *w);
DSN_INTERNAL void dsn_json_add_int_value (DsnJson *w, gint64 value);
DSN_INTERNAL void dsn_json_add_boolean_value (DsnJson *w, gboolean value);
/* A member NAME with the string VALUE (NULL: null). */
DSN_INTERNAL void dsn_json_member (DsnJson *w, const char *name, const char *value);
/* A JSON value built elsewhere (copied). */
DSN_INTERNAL void dsn_json_add_node (DsnJson *w, JsonNode *node);

/* ------------------------------------------------------------ check.c */

DSN_INTERNAL void dsn_check_free (DsnCheck *c);
DSN_INTERNAL void dsn_check_to_json (const DsnCheck *c, DsnJson *w, const char *lang);

/* ------------------------------------------------------------ backscatter.c */

/* Judges whether a bounce is for a message the user never sent. */
DSN_INTERNAL void dsn_backscatter_assess (const DsnAnalyzer *an, DsnReport *rep);
DSN_INTERNAL void dsn_backscatter_free (DsnBackscatter *b);
DSN_INTERNAL void dsn_backscatter_to_json (const DsnBackscatter *b, DsnJson *jb, const char *lang);

/* ------------------------------------------------------------ classify.c */

DSN_INTERNAL void dsn_classify_report (const DsnAnalyzer *an, DsnReport *rep);

/* ------------------------------------------------------------ rules.c */

DSN_INTERNAL DsnRules *dsn_rules_new_builtin (GError **error);
DSN_INTERNAL gboolean dsn_rules_load_dir (DsnRules *rules, const char *dir, GError **error);
DSN_INTERNAL void dsn_rules_free (DsnRules *rules);

G_END_DECLS

#endif
