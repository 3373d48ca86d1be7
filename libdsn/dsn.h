/* libdsn: explain why an email bounced.
 *
 * The one installed header. Every object is opaque; every string returned by a
 * getter belongs to the object it came from and lives as long as that object.
 * Getters return NULL when the message did not say.
 *
 * Typical use:
 *
 *   g_autoptr (DsnAnalyzer) an = dsn_analyzer_new ();
 *   g_autoptr (DsnReport) rep = dsn_analyzer_analyze (an, data, len, &error);
 *   for (guint i = 0; i < dsn_report_get_n_recipients (rep); i++) {
 *     const DsnRecipient *r = dsn_report_get_recipient (rep, i);
 *     printf ("%s: %s\n", dsn_recipient_get_address (r), dsn_recipient_get_reason (r));
 *   }
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef LIBDSN_DSN_H
#define LIBDSN_DSN_H

#include <glib.h>
#include <json-glib/json-glib.h>
#include <libdsn/dsn-version.h>

G_BEGIN_DECLS

#if defined(LIBDSN_COMPILATION)
#define DSN_API __attribute__ ((visibility ("default")))
#else
#define DSN_API
#endif

/* ------------------------------------------------------------------ errors */

#define DSN_ERROR (dsn_error_quark ())
DSN_API GQuark dsn_error_quark (void);

/* Failures to process. "Not a bounce" and "reason unknown" are results, not errors. */
typedef enum {
  DSN_ERROR_FAILED,      /* anything else */
  DSN_ERROR_IO,          /* the input could not be read */
  DSN_ERROR_NOT_MESSAGE, /* the input is empty or not text at all */
  DSN_ERROR_LIMIT,       /* the input exceeds a configured limit */
  DSN_ERROR_PATTERNS,    /* a patterns file is invalid */
  DSN_ERROR_USAGE,       /* the caller passed an invalid argument */
} DsnErrorCode;

/* ------------------------------------------------------------------ enums */

typedef enum {
  DSN_KIND_NOT_BOUNCE,      /* an ordinary message: nothing to report */
  DSN_KIND_DELIVERY_STATUS, /* a bounce or delay notice (RFC 3464 or a text report) */
  DSN_KIND_FEEDBACK,        /* an abuse / feedback-loop report (RFC 5965) */
  DSN_KIND_AUTO_REPLY,      /* a vacation or other automatic reply (RFC 3834) */
  DSN_KIND_HEADERS,         /* not a report: the analysis of a message's delivery headers */
} DsnKind;

/* RFC 3464 §2.3.3 action values, plus NONE when the report did not say. */
typedef enum {
  DSN_ACTION_NONE,
  DSN_ACTION_FAILED,
  DSN_ACTION_DELAYED,
  DSN_ACTION_DELIVERED,
  DSN_ACTION_RELAYED,
  DSN_ACTION_EXPANDED,
} DsnAction;

/* Returns a static lower-case name ("delivery-status", "failed", ...). */
DSN_API const char *dsn_kind_to_string (DsnKind kind);
DSN_API const char *dsn_action_to_string (DsnAction action);

/* Resource limits applied to each analysed message. */
typedef enum {
  DSN_LIMIT_MESSAGE_SIZE,  /* bytes; larger input is an error (default 64 MiB) */
  DSN_LIMIT_MIME_DEPTH,    /* nesting of multiparts and attached messages (default 32) */
  DSN_LIMIT_RECIPIENTS,    /* recipients kept per message; the rest is a warning (default 10000) */
  DSN_LIMIT_HEADER_LENGTH, /* bytes of one unfolded field kept; longer is cut, with a warning
                              (default 64 KiB) */
  DSN_LIMIT_MIME_PARTS,    /* MIME parts read, at every level; the rest of the message is
                              ignored, with a warning (default 10000) */
  DSN_LIMIT_TRACE_FIELDS,  /* Received, Authentication-Results, ARC-Authentication-Results and
                              Received-SPF fields read of each header block, the topmost
                              first; the others are ignored, with a warning (default 100) */
} DsnLimit;

/* ------------------------------------------------------------------ JSON printer
 *
 * One interface, two back-ends: a printer writes JSON either as a JsonNode
 * tree or straight as compact text on one line (no tree built: what a tool
 * printing many results wants). Reports and audits write themselves into a
 * printer, so a caller can put them in an object of its own:
 *
 *   g_autoptr (DsnJson) w = dsn_json_new_text ();
 *   dsn_json_begin_object (w);
 *   dsn_json_set_member_name (w, "schema");
 *   dsn_json_add_int_value (w, DSN_JSON_SCHEMA);
 *   dsn_json_member (w, "file", path);
 *   dsn_report_write_json_members (rep, w, "en");
 *   dsn_json_end_object (w);
 *   g_autofree char *line = dsn_json_free_to_string (g_steal_pointer (&w));
 *
 * Calls must nest: every begin has its end, and inside an object every
 * value follows its member name. Strings are written as valid UTF-8 (an
 * invalid sequence becomes U+FFFD); the text back-end also escapes U+0085,
 * U+2028 and U+2029, so that one result stays one line for any reader. */
typedef struct _DsnJson DsnJson;

/* The version of the report's JSON, its "schema" member (doc/json-schema.json). */
#define DSN_JSON_SCHEMA 1

/* Returns a new printer building a JsonNode tree, or writing text. */
DSN_API DsnJson *dsn_json_new_tree (void);
DSN_API DsnJson *dsn_json_new_text (void);
DSN_API void dsn_json_begin_object (DsnJson *w);
DSN_API void dsn_json_end_object (DsnJson *w);
DSN_API void dsn_json_begin_array (DsnJson *w);
DSN_API void dsn_json_end_array (DsnJson *w);
/* The name of the next member of the object open; its value comes next. */
DSN_API void dsn_json_set_member_name (DsnJson *w, const char *name);
/* A string value; NULL writes null. */
DSN_API void dsn_json_add_string_value (DsnJson *w, const char *value);
DSN_API void dsn_json_add_null_value (DsnJson *w);
DSN_API void dsn_json_add_int_value (DsnJson *w, gint64 value);
DSN_API void dsn_json_add_boolean_value (DsnJson *w, gboolean value);
/* A value built elsewhere, copied (the text back-end writes it as
 * json_to_string() does). */
DSN_API void dsn_json_add_node (DsnJson *w, JsonNode *node);
/* A member NAME with the string VALUE (NULL writes null). */
DSN_API void dsn_json_member (DsnJson *w, const char *name, const char *value);
/* Frees W and returns what it wrote as a tree (free with json_node_unref())
 * or as text (free with g_free()), whatever its back-end: a tree is then
 * serialized on one line by json_to_string(), a text parsed. NULL if W holds
 * no complete value. */
DSN_API JsonNode *dsn_json_free_to_node (DsnJson *w);
DSN_API char *dsn_json_free_to_string (DsnJson *w);
/* Frees W and what it wrote. */
DSN_API void dsn_json_free (DsnJson *w);

/* ------------------------------------------------------------------ analyzer */

/* Holds the classification rules and limits. Build it, configure it, then share
 * it: once the first message is analysed its configuration is final (later
 * changes are refused), so several threads may call dsn_analyzer_analyze()
 * on it at once. */
typedef struct _DsnAnalyzer DsnAnalyzer;
typedef struct _DsnReport DsnReport;
typedef struct _DsnRecipient DsnRecipient;
typedef struct _DsnFinding DsnFinding; /* see "findings and texts" below */

/* Returns a new analyzer with the built-in rules (compiled into the library).
 * Free with dsn_analyzer_free(). */
DSN_API DsnAnalyzer *dsn_analyzer_new (void);

/* Loads every *.rules file of DIR on top of the built-in rules: a rule or
 * category with an existing name replaces it, a new one is added. Returns FALSE
 * and sets ERROR (DSN_ERROR_PATTERNS) if a file is invalid; the analyzer is then
 * unchanged. Must be called before the first analysis. */
DSN_API gboolean dsn_analyzer_add_patterns_dir (DsnAnalyzer *an, const char *dir, GError **error);

/* Backscatter check (bounces for messages the user never sent): declares one
 * of the user's own domains, and a host of the user's sending path — a host
 * name (also covering its subdomains; ".example.com" for subdomains only),
 * an IP address or a CIDR block. Without them the check relies on DKIM
 * signatures and Message-IDs alone. Must be called before the first
 * analysis; add_own_relay returns FALSE with ERROR (DSN_ERROR_USAGE) for an
 * invalid address. */
DSN_API void dsn_analyzer_add_own_domain (DsnAnalyzer *an, const char *domain);
DSN_API gboolean dsn_analyzer_add_own_relay (DsnAnalyzer *an, const char *relay, GError **error);

/* Sets a resource limit (see DsnLimit). 0 restores the default. */
DSN_API void dsn_analyzer_set_limit (DsnAnalyzer *an, DsnLimit limit, gsize value);
DSN_API gsize dsn_analyzer_get_limit (const DsnAnalyzer *an, DsnLimit limit);

/* Analyses one message given as raw bytes (RFC 5322, any newline convention;
 * a pasted body without headers is accepted too). Returns a new report, or NULL
 * with ERROR set when the input cannot be processed at all: empty or binary
 * data, an image or an archive (DSN_ERROR_NOT_MESSAGE), over the size limit
 * (DSN_ERROR_LIMIT). Every string of the report is valid UTF-8. Thread-safe
 * for a configured analyzer. */
DSN_API DsnReport *dsn_analyzer_analyze (const DsnAnalyzer *an, const char *data, gsize len,
                                         GError **error);

/* Lets the analyzer go. The reports it made stay valid: each holds what it
 * points into (the rules behind its categories and texts) until it is
 * freed itself, whatever the order. */
DSN_API void dsn_analyzer_free (DsnAnalyzer *an);

/* Number of rules loaded (for diagnostics and tests). */
DSN_API guint dsn_analyzer_get_n_rules (const DsnAnalyzer *an);

/* Checks the loaded rules: every example is classified by its own rule, no
 * rule is shadowed by another. Returns FALSE and appends one line per problem
 * to PROBLEMS (which may be NULL). */
DSN_API gboolean dsn_analyzer_lint (const DsnAnalyzer *an, GPtrArray *problems);

/* Classifies a bare diagnostic text as if a server had replied with it.
 * STATUS and REPLY_CODE may be NULL. Returns a report with one recipient
 * ("unknown@invalid"); useful to test rules. */
DSN_API DsnReport *dsn_analyzer_classify_text (const DsnAnalyzer *an, const char *text,
                                               const char *status, const char *reply_code);

/* ------------------------------------------------------------------ report */

DSN_API DsnKind dsn_report_get_kind (const DsnReport *rep);

/* Name of the dialect that produced the result ("postfix", "rfc3464", ...). */
DSN_API const char *dsn_report_get_dialect (const DsnReport *rep);

/* A per-message field of the report, by case-insensitive name: the RFC 3464
 * per-message fields ("Reporting-MTA", "Arrival-Date", ...) and the RFC 5965
 * ones ("Feedback-Type", "Source-IP", ...). */
DSN_API const char *dsn_report_get_field (const DsnReport *rep, const char *name);

/* A header of the returned original message: "From", "To", "Subject",
 * "Message-ID", "Date". */
DSN_API const char *dsn_report_get_original_header (const DsnReport *rep, const char *name);

/* The IP address that sent the original message to its first relay, from the
 * Received chain of the returned message. */
DSN_API const char *dsn_report_get_original_ip (const DsnReport *rep);

DSN_API guint dsn_report_get_n_recipients (const DsnReport *rep);
/* Returns recipient I (0-based), owned by the report. */
DSN_API const DsnRecipient *dsn_report_get_recipient (const DsnReport *rep, guint i);

/* Findings of the delivery headers analysis (kind DSN_KIND_HEADERS), in
 * the order checked. Finding I is owned by the report. The other getters
 * are shorthands for the finding's code ("align.dkim", "route.slow_hop",
 * ...), message and advice, in LANG (NULL means "en"). */
DSN_API guint dsn_report_get_n_header_findings (const DsnReport *rep);
DSN_API const DsnFinding *dsn_report_get_header_finding (const DsnReport *rep, guint i);
DSN_API const char *dsn_report_get_header_finding_code (const DsnReport *rep, guint i);
DSN_API const char *dsn_report_get_header_finding_text (const DsnReport *rep, guint i,
                                                        const char *lang);
DSN_API const char *dsn_report_get_header_finding_advice (const DsnReport *rep, guint i,
                                                          const char *lang);
/* Finding I's severity: "ok", "info", "warning" or "error". */
DSN_API const char *dsn_report_get_header_finding_severity (const DsnReport *rep, guint i);

/* The rest of that analysis; NULL, 0 or FALSE for a report without one.
 * Its severity, that of its worst finding ("ok" ... "error"), and the code
 * of that finding (NULL when there is none). */
DSN_API const char *dsn_report_get_header_severity (const DsnReport *rep);
DSN_API const char *dsn_report_get_header_verdict (const DsnReport *rep);
/* The domain of the From field, and of the envelope sender (as SPF judged
 * it, else from Return-Path). */
DSN_API const char *dsn_report_get_header_from_domain (const DsnReport *rep);
DSN_API const char *dsn_report_get_header_mailfrom_domain (const DsnReport *rep);
/* Sets *SECONDS to the time from the first dated hop to the last and
 * returns TRUE; FALSE when no two hops carry a date in order. */
DSN_API gboolean dsn_report_get_header_transit (const DsnReport *rep, gint64 *seconds);

/* The route, first hop first: one hop per Received field (RFC 5321 §4.4).
 * The client's name (as it said HELO) and address, the server that added
 * the field, the protocol ("ESMTPS", "LMTP", ...). */
DSN_API guint dsn_report_get_n_hops (const DsnReport *rep);
DSN_API const char *dsn_report_get_hop_from_host (const DsnReport *rep, guint i);
DSN_API const char *dsn_report_get_hop_from_ip (const DsnReport *rep, guint i);
DSN_API const char *dsn_report_get_hop_by_host (const DsnReport *rep, guint i);
DSN_API const char *dsn_report_get_hop_protocol (const DsnReport *rep, guint i);
/* Sets *SECONDS to the time since the previous hop (negative when the
 * clocks disagree) and returns TRUE; FALSE when a date is missing. */
DSN_API gboolean dsn_report_get_hop_delay (const DsnReport *rep, guint i, gint64 *seconds);
/* TRUE for the slowest hop, when it took long enough to be named (10 min). */
DSN_API gboolean dsn_report_get_hop_slowest (const DsnReport *rep, guint i);

/* The authentication verdicts (Authentication-Results, RFC 8601 §2.2, and
 * Received-SPF), the receiving server's first: the method ("spf", "dkim",
 * "dmarc", "arc", ...), its result ("pass", "fail", ...), the domain it
 * vouches for, and who judged (the authserv-id). */
DSN_API guint dsn_report_get_n_auth_results (const DsnReport *rep);
DSN_API const char *dsn_report_get_auth_method (const DsnReport *rep, guint i);
DSN_API const char *dsn_report_get_auth_result (const DsnReport *rep, guint i);
DSN_API const char *dsn_report_get_auth_domain (const DsnReport *rep, guint i);
DSN_API const char *dsn_report_get_auth_authserv (const DsnReport *rep, guint i);
/* For an SPF or DKIM verdict with a domain: sets *IS_ALIGNED to whether
 * that domain is aligned with the From domain (RFC 7489 §3.1, relaxed) and
 * returns TRUE. FALSE when alignment does not apply. */
DSN_API gboolean dsn_report_get_auth_aligned (const DsnReport *rep, guint i, gboolean *is_aligned);

/* The spam filters' verdicts, as "Field: value". */
DSN_API guint dsn_report_get_n_spam_verdicts (const DsnReport *rep);
DSN_API const char *dsn_report_get_spam_verdict (const DsnReport *rep, guint i);
/* The same verdicts decoded, one mark each (Microsoft's SFV, CAT, SCL,
 * BCL, SFTY, IPV, compauth; DMARC's policy and what the receiver did;
 * SpamAssassin's and Rspamd's scores and tests; Gmail's and Yahoo's spam
 * folders), as findings with codes "filter.*" (signal I is owned by the
 * report). When the message was filed as spam or quarantined, the header
 * verdict is the finding that says why (a "spam.*" code), first of the
 * header findings. */
DSN_API guint dsn_report_get_n_spam_signals (const DsnReport *rep);
DSN_API const DsnFinding *dsn_report_get_spam_signal (const DsnReport *rep, guint i);

/* Anomalies met while reading the message (it was analysed all the same):
 * warning I in English, or as a finding (a code such as "mime.truncated",
 * its message in any language), owned by the report. */
DSN_API guint dsn_report_get_n_warnings (const DsnReport *rep);
DSN_API const char *dsn_report_get_warning (const DsnReport *rep, guint i);
DSN_API const DsnFinding *dsn_report_get_warning_finding (const DsnReport *rep, guint i);

/* For a bounce: whether the returned original was really sent by the user:
 * "genuine", "suspicious", "forged" (backscatter) or "unknown"; NULL for
 * other kinds of messages. Static string. */
DSN_API const char *dsn_report_get_backscatter (const DsnReport *rep);
/* The evidence behind that verdict, one sentence each in LANG ("en" or
 * "fr"; NULL means "en"). */
DSN_API guint dsn_report_get_n_backscatter_evidence (const DsnReport *rep);
DSN_API const char *dsn_report_get_backscatter_evidence (const DsnReport *rep, guint i,
                                                         const char *lang);
/* For a bounce judged "forged" or "suspicious": what backscatter is, and
 * what to do about it; NULL otherwise. */
DSN_API const char *dsn_report_get_backscatter_explanation (const DsnReport *rep, const char *lang);
DSN_API const char *dsn_report_get_backscatter_advice (const DsnReport *rep, const char *lang);

/* Returns the report as a JSON object (see doc/json-schema.json), texts in
 * LANG (see dsn_catalogue_get_languages(); NULL means "en"). Free with
 * json_node_unref(). */
DSN_API JsonNode *dsn_report_to_json (const DsnReport *rep, const char *lang);

/* The same object serialized on one line, written directly (no tree is
 * built: use this to print many reports). Free with g_free(). */
DSN_API char *dsn_report_to_json_string (const DsnReport *rep, const char *lang);

/* Writes the members of that object but "schema" into the object W has
 * open: the caller opens it, writes "schema" (DSN_JSON_SCHEMA) and any
 * members of its own, calls this and closes it. */
DSN_API void dsn_report_write_json_members (const DsnReport *rep, DsnJson *w, const char *lang);

DSN_API void dsn_report_free (DsnReport *rep);

/* ------------------------------------------------------------------ recipient */

/* The recipient's address; NULL when the report does not name it (a pasted
 * error line). */
DSN_API const char *dsn_recipient_get_address (const DsnRecipient *r);
DSN_API const char *dsn_recipient_get_original_address (const DsnRecipient *r);
DSN_API DsnAction dsn_recipient_get_action (const DsnRecipient *r);
/* Enhanced status code (RFC 3463), e.g. "5.1.1". */
DSN_API const char *dsn_recipient_get_status (const DsnRecipient *r);
/* Where the status came from: "report" (a machine-readable field), "text"
 * (the server's words or the report's prose) or "inferred" (no code in the
 * message: derived from the diagnosis, as the reference classifier's
 * X.0.9NN codes are); NULL when there is no status. Static string. */
DSN_API const char *dsn_recipient_get_status_source (const DsnRecipient *r);
/* SMTP reply code (RFC 5321), e.g. "550". */
DSN_API const char *dsn_recipient_get_reply_code (const DsnRecipient *r);
DSN_API const char *dsn_recipient_get_remote_mta (const DsnRecipient *r);
/* The remote server's own words, verbatim. */
DSN_API const char *dsn_recipient_get_diagnostic (const DsnRecipient *r);
DSN_API const char *dsn_recipient_get_last_attempt (const DsnRecipient *r);
DSN_API const char *dsn_recipient_get_will_retry_until (const DsnRecipient *r);

/* Reason in the reference classifier's vocabulary ("userunknown", ...). */
DSN_API const char *dsn_recipient_get_reason (const DsnRecipient *r);
/* The finer diagnosis ("spf-failure", "blocklist", ...). */
DSN_API const char *dsn_recipient_get_category (const DsnRecipient *r);
/* TRUE when retrying can never succeed. */
DSN_API gboolean dsn_recipient_get_hard_bounce (const DsnRecipient *r);
/* The blocklist the server named ("Spamhaus"), or NULL. */
DSN_API const char *dsn_recipient_get_blocklist (const DsnRecipient *r);
/* Texts of the category in LANG (NULL means "en"): a one-line summary,
 * what happened and who must act, and what to do. */
DSN_API const char *dsn_recipient_get_summary (const DsnRecipient *r, const char *lang);
DSN_API const char *dsn_recipient_get_explanation (const DsnRecipient *r, const char *lang);
DSN_API const char *dsn_recipient_get_advice (const DsnRecipient *r, const char *lang);

/* ------------------------------------------------------------------ findings and texts
 *
 * The library's sentences for people (findings, backscatter evidence,
 * re-checks, mailcheck's findings) come from one catalogue: data files of
 * stable codes (catalogue/ *.keys in the sources, compiled into the
 * library), each with a severity and texts in every language. "{name}" in a
 * text is an argument; "{name?TEXT|OTHER}" says TEXT when the argument is
 * known, OTHER when not, "{name|OTHER}" the argument or else OTHER, and
 * "{name:subject}" the argument, a code, in the words of the entry
 * "subject.CODE" ("{status:dns_status}"). */

typedef enum {
  DSN_SEVERITY_OK,
  DSN_SEVERITY_INFO,
  DSN_SEVERITY_WARNING,
  DSN_SEVERITY_ERROR,
} DsnSeverity;

/* Static lower-case name: "ok", "info", "warning", "error". */
DSN_API const char *dsn_severity_to_string (DsnSeverity severity);

/* A stable code such as "spf.too_many_lookups" (listed in mailcheck(1)) or
 * "auth.dkim_fail". */
DSN_API const char *dsn_finding_get_code (const DsnFinding *finding);
DSN_API DsnSeverity dsn_finding_get_severity (const DsnFinding *finding);
/* TRUE for "could not check": a DNS failure kept the check from being made,
 * which says nothing about the domain's records. */
DSN_API gboolean dsn_finding_get_unchecked (const DsnFinding *finding);
/* The specification behind the finding ("RFC 7208 §4.6.4"), or NULL. */
DSN_API const char *dsn_finding_get_rfc (const DsnFinding *finding);
/* What was found, in plain words, in LANG (NULL means "en"; a language
 * without a translation of it gives the English). */
DSN_API const char *dsn_finding_get_message (const DsnFinding *finding, const char *lang);
/* What to do about it, or NULL when there is nothing to do. */
DSN_API const char *dsn_finding_get_advice (const DsnFinding *finding, const char *lang);

/* The languages texts are written in, NULL-terminated: "en" first (the
 * default), then the translations ("fr", ...). Static. */
DSN_API const char *const *dsn_catalogue_get_languages (void);
/* Text KEY ("message", "advice", ...) of the catalogue's entry CODE in
 * LANG (NULL means "en"), as written: placeholders unfilled. Falls back on
 * the English where LANG has no translation. NULL if there is no such entry
 * or text. Static. */
DSN_API const char *dsn_catalogue_get_text (const char *code, const char *key, const char *lang);
/* The same text with its placeholders filled from NAME, VALUE string pairs
 * ending with a NULL name (a NULL VALUE: the argument is unknown). NULL if
 * there is no such text; free with g_free(). */
DSN_API char *dsn_catalogue_format (const char *code, const char *key, const char *lang,
                                    ...) G_GNUC_NULL_TERMINATED;

/* ------------------------------------------------------------------ reader */

/* Splits an input into messages: one file, an mbox, a Maildir or a directory
 * of message files. Memory use does not grow with the number of messages,
 * and no message is held beyond the reader's size limit. In a directory,
 * each folder is read once (a symbolic link back to a folder already seen
 * is not followed) and only regular files are read: any other entry (a
 * FIFO, a device, a dangling link) is an error for that entry. */
typedef struct _DsnReader DsnReader;

typedef enum {
  DSN_FORMAT_AUTO,    /* decide from the path: directory, mbox "From " line, or one message */
  DSN_FORMAT_MESSAGE, /* the whole input is one message */
  DSN_FORMAT_MBOX,    /* mboxo/mboxrd: messages start at "From " lines */
  DSN_FORMAT_DIR,     /* a Maildir (cur/ and new/) or any directory of message files */
} DsnFormat;

/* Opens PATH ("-" for standard input, which is read as a stream). Returns NULL
 * and sets ERROR (DSN_ERROR_IO) if it cannot be opened. With
 * DSN_FORMAT_AUTO, input that starts with an mbox "From " line (after
 * blank lines or a byte order mark) is an mbox. */
DSN_API DsnReader *dsn_reader_new (const char *path, DsnFormat format, GError **error);

/* The largest message the reader returns, in bytes (0 restores the default,
 * 64 MiB, the default of the analyzer's DSN_LIMIT_MESSAGE_SIZE): a larger
 * one is not held (nor read past the limit when it is the whole input), and
 * dsn_reader_next() gives an error (DSN_ERROR_LIMIT) for it and goes on
 * with the next message. Give it the analyzer's size limit. */
DSN_API void dsn_reader_set_max_size (DsnReader *reader, gsize max_size);

/* Reads the next message. Returns FALSE at the end of the input. Otherwise
 * returns TRUE and either sets *DATA to the message's bytes (free with
 * g_bytes_unref()), or leaves *DATA NULL and sets ERROR for a message that
 * could not be read (DSN_ERROR_IO) or is over the size limit
 * (DSN_ERROR_LIMIT); the reader then goes on with the next one. *PATH (may be
 * NULL) receives the file the message came from, owned by the reader and valid
 * until the next call; *INDEX (may be NULL) its 1-based position in an mbox, 0
 * otherwise. */
DSN_API gboolean dsn_reader_next (DsnReader *reader, GBytes **data, const char **path, guint *index,
                                  GError **error);

/* The format actually used (after DSN_FORMAT_AUTO was resolved). */
DSN_API DsnFormat dsn_reader_get_format (const DsnReader *reader);

DSN_API void dsn_reader_free (DsnReader *reader);

/* ------------------------------------------------------------------ DNS checks
 *
 * The DNS engine behind mailcheck(1): c-ares lookups driven by the GLib main
 * loop, and checks of a domain's mail setup built on it (MX, STARTTLS and
 * DANE, SPF, DMARC, DKIM, MTA-STS, TLS-RPT, BIMI, reverse DNS, blocklists,
 * DNSSEC). The STARTTLS check alone leaves the DNS: it connects to port 25 of
 * each mail server, through GIO's TLS (glib-networking).
 *
 * A DsnResolver holds the settings. Every check comes in two forms: _async()
 * runs its queries in parallel on the caller's thread-default GMainContext and
 * calls back there; the plain form blocks, running a private GMainContext.
 * A DNS failure (timeout, SERVFAIL, no server reachable) is reported as "could
 * not check", never as a missing record.
 *
 * Present when DSN_HAVE_DNS is 1 (a library built with -Dmailcheck=false has
 * none of it).
 *
 *   g_autoptr (DsnResolver) res = dsn_resolver_new ();
 *   g_autoptr (DsnAudit) audit = dsn_resolver_audit (res, "example.org", DSN_AREA_ALL,
 *                                                    NULL, NULL, NULL, &error);
 *   for (guint i = 0; i < dsn_audit_get_n_findings (audit); i++)
 *     puts (dsn_finding_get_message (dsn_audit_get_finding (audit, i), "en"));
 */

#if DSN_HAVE_DNS
#include <gio/gio.h> /* GAsyncResult, GCancellable */

typedef struct _DsnResolver DsnResolver;
typedef struct _DsnAudit DsnAudit;
typedef struct _DsnSpfResult DsnSpfResult;

/* What an audit looks at; combine with |. */
typedef enum {
  DSN_AREA_MX = 1 << 0,      /* MX records and their addresses (RFC 5321 §5.1, RFC 7505) */
  DSN_AREA_SPF = 1 << 1,     /* the SPF record and its term tree (RFC 7208) */
  DSN_AREA_DMARC = 1 << 2,   /* the DMARC policy (RFC 9989, RFC 7489) */
  DSN_AREA_DKIM = 1 << 3,    /* DKIM keys of given or guessed selectors (RFC 6376) */
  DSN_AREA_MTA_STS = 1 << 4, /* MTA-STS record and HTTPS policy (RFC 8461) */
  DSN_AREA_TLS_RPT = 1 << 5, /* TLS reporting (RFC 8460) */
  DSN_AREA_BIMI = 1 << 6,    /* brand indicator record */
  DSN_AREA_PTR = 1 << 7,     /* reverse DNS of each mail server, forward-confirmed */
  DSN_AREA_DNSBL = 1 << 8,   /* each mail server's address against DNS blocklists */
  DSN_AREA_DNSSEC = 1 << 9,  /* whether the resolver validated the answers (AD bit) */
  /* each mail server's port 25: STARTTLS, its certificate, DANE (RFC 3207, RFC 7672) */
  DSN_AREA_STARTTLS = 1 << 10,
  DSN_AREA_ALL = 0x7ff,
} DsnArea;

/* The verdict on one area. */
typedef enum {
  DSN_VERDICT_OK,
  DSN_VERDICT_NONE, /* an optional feature that is not set up */
  DSN_VERDICT_WARNING,
  DSN_VERDICT_ERROR,
  DSN_VERDICT_UNKNOWN, /* could not check: the DNS failed */
  DSN_VERDICT_SKIPPED, /* not asked for */
} DsnVerdict;

/* Results of SPF's check_host() (RFC 7208 §2.6). */
typedef enum {
  DSN_SPF_NONE,
  DSN_SPF_NEUTRAL,
  DSN_SPF_PASS,
  DSN_SPF_FAIL,
  DSN_SPF_SOFTFAIL,
  DSN_SPF_TEMPERROR,
  DSN_SPF_PERMERROR,
} DsnSpfCode;

/* Static lower-case names: "mx", "mta-sts", "starttls", ... (one area only;
 * NULL for a combination), "unknown", "softfail". */
DSN_API const char *dsn_area_to_string (DsnArea area);
DSN_API const char *dsn_verdict_to_string (DsnVerdict verdict);
DSN_API const char *dsn_spf_code_to_string (DsnSpfCode code);

/* ---- resolver */

/* Returns a new resolver: the system's DNS servers, a 2 s timeout per try,
 * 1 retry. Reference-counted: checks in flight hold a reference. */
DSN_API DsnResolver *dsn_resolver_new (void);
DSN_API DsnResolver *dsn_resolver_ref (DsnResolver *res);
DSN_API void dsn_resolver_unref (DsnResolver *res);

/* Adds a DNS server to ask instead of the system's: "IP", "IP:PORT" or
 * "[IPv6]:PORT". Returns FALSE and sets ERROR (DSN_ERROR_USAGE) if SERVER is
 * not such an address. Servers are tried in the order added. */
DSN_API gboolean dsn_resolver_add_server (DsnResolver *res, const char *server, GError **error);
/* Time to wait for one answer, in milliseconds (0: the default, 2000); each
 * retry waits twice as long as the previous try. */
DSN_API void dsn_resolver_set_timeout (DsnResolver *res, guint msec);
/* Time allowed for a whole HTTPS fetch (the MTA-STS policy), connection
 * included, in milliseconds (0: the default, 10000; at most 60000). */
DSN_API void dsn_resolver_set_https_timeout (DsnResolver *res, guint msec);
/* Retries after a timeout (default 1, at most 10). */
DSN_API void dsn_resolver_set_retries (DsnResolver *res, guint retries);
/* TRUE while RES holds its servers for unreachable: after three operations
 * in a row (audits, SPF checks, re-checks) in which no server answered and
 * some lookup timed out, the next ones fail at once, as if no server
 * answered, for a minute; then one asks again. An answer ends it. */
DSN_API gboolean dsn_resolver_get_unreachable (DsnResolver *res);
/* For tests only: HTTPS fetches (MTA-STS) trust CA_FILE instead of the
 * system's certificates, and connect to CONNECT_TO ("HOST:PORT") whatever the
 * URL says. NULL restores the normal behaviour. */
DSN_API void dsn_resolver_set_test_https (DsnResolver *res, const char *ca_file,
                                          const char *connect_to);
/* Time allowed for each step of an SMTP session of the STARTTLS check
 * (connection, greeting, EHLO, STARTTLS, TLS handshake), in milliseconds
 * (0: the default, 10000; at most 120000). A server that does not answer in
 * time is "could not check". */
DSN_API void dsn_resolver_set_smtp_timeout (DsnResolver *res, guint msec);
/* For tests only: the STARTTLS check connects to PORT instead of 25 (0: 25)
 * and trusts CA_FILE instead of the system's certificates (NULL: the
 * system's). */
DSN_API void dsn_resolver_set_test_smtp (DsnResolver *res, const char *ca_file, guint16 port);

/* ---- audit */

/* Audits the mail setup of DOMAIN for the AREAS asked. DKIM_SELECTORS
 * (NULL-terminated, may be NULL) are the DKIM selectors to check; with none, a
 * short list of common selectors is probed and what is found is labelled as a
 * guess. DNSBL_ZONES (NULL-terminated) are the blocklists to query; NULL means
 * a built-in list of well-known ones, an empty array none.
 * DOMAIN may also be an IP address: then only DSN_AREA_PTR and DSN_AREA_DNSBL
 * apply, to that address.
 * The callback runs on the thread-default main context of the caller. */
DSN_API void dsn_resolver_audit_async (DsnResolver *res, const char *domain, DsnArea areas,
                                       const char *const *dkim_selectors,
                                       const char *const *dnsbl_zones, GCancellable *cancellable,
                                       GAsyncReadyCallback callback, gpointer user_data);
/* Returns the audit (free with dsn_audit_free()), or NULL with ERROR set if
 * it could not run at all: an invalid domain (DSN_ERROR_USAGE), cancellation
 * (G_IO_ERROR_CANCELLED). DNS failures are results, not errors. */
DSN_API DsnAudit *dsn_resolver_audit_finish (DsnResolver *res, GAsyncResult *result,
                                             GError **error);
/* The blocking form of dsn_resolver_audit_async(). */
DSN_API DsnAudit *dsn_resolver_audit (DsnResolver *res, const char *domain, DsnArea areas,
                                      const char *const *dkim_selectors,
                                      const char *const *dnsbl_zones, GCancellable *cancellable,
                                      GError **error);

/* The domain (or address) audited, lower case. */
DSN_API const char *dsn_audit_get_domain (const DsnAudit *audit);
/* The verdict on one AREA; DSN_VERDICT_SKIPPED if it was not asked for. */
DSN_API DsnVerdict dsn_audit_get_verdict (const DsnAudit *audit, DsnArea area);
/* TRUE if no DNS server answered at all: nothing could be checked. */
DSN_API gboolean dsn_audit_get_dns_unreachable (const DsnAudit *audit);
DSN_API guint dsn_audit_get_n_findings (const DsnAudit *audit);
/* Returns finding I, owned by the audit. Findings come in the order to fix
 * them: errors first, then warnings, could-not-check, information, good news. */
DSN_API const DsnFinding *dsn_audit_get_finding (const DsnAudit *audit, guint i);
/* Returns the audit as JSON (schema 1, see mailcheck(1)): every record seen,
 * even invalid ones, the parsed form, the SPF term tree and every finding,
 * with texts in LANG (NULL means "en"). Free with json_node_unref(). */
DSN_API JsonNode *dsn_audit_to_json (const DsnAudit *audit, const char *lang);
/* The same object written through the printer W, as one value: at the top,
 * in an array, or after a member name. */
DSN_API void dsn_audit_write_json (const DsnAudit *audit, DsnJson *w, const char *lang);
DSN_API void dsn_audit_free (DsnAudit *audit);

/* The area a finding of an audit is about (the start of its code). */
DSN_API DsnArea dsn_finding_get_area (const DsnFinding *finding);

/* ---- SPF check_host() */

/* Evaluates SPF's check_host() (RFC 7208 §4, macros included) for a message
 * from IP (IPv4 or IPv6 text) with envelope sender SENDER (may be NULL or ""
 * for a bounce: then postmaster@HELO stands for it, §2.4) and HELO name HELO
 * (may be NULL). DOMAIN is the domain whose policy is evaluated; NULL means
 * the sender's domain (or HELO for an empty sender), the usual case.
 * The callback runs on the caller's thread-default main context. */
DSN_API void dsn_resolver_check_spf_async (DsnResolver *res, const char *ip, const char *domain,
                                           const char *sender, const char *helo,
                                           GCancellable *cancellable, GAsyncReadyCallback callback,
                                           gpointer user_data);
/* Returns the result (free with dsn_spf_result_free()), or NULL with ERROR
 * set if IP is not an address or both SENDER and HELO are empty
 * (DSN_ERROR_USAGE), or on cancellation. A DNS failure is a temperror result. */
DSN_API DsnSpfResult *dsn_resolver_check_spf_finish (DsnResolver *res, GAsyncResult *result,
                                                     GError **error);
/* The blocking form of dsn_resolver_check_spf_async(). */
DSN_API DsnSpfResult *dsn_resolver_check_spf (DsnResolver *res, const char *ip, const char *domain,
                                              const char *sender, const char *helo,
                                              GCancellable *cancellable, GError **error);

DSN_API DsnSpfCode dsn_spf_result_get_code (const DsnSpfResult *result);
/* The domain whose policy was evaluated. */
DSN_API const char *dsn_spf_result_get_domain (const DsnSpfResult *result);
/* For a fail, the domain owner's explanation (the exp= modifier, macros
 * expanded); NULL when there is none. */
DSN_API const char *dsn_spf_result_get_explanation (const DsnSpfResult *result);
/* Why the result is none, temperror or permerror ("no SPF record", "more than
 * 10 DNS lookups", ...), in LANG (NULL means "en"); NULL otherwise. */
DSN_API const char *dsn_spf_result_get_problem (const DsnSpfResult *result, const char *lang);
/* Returns the result as JSON: inputs, result, explanation, the problem in
 * LANG (NULL means "en"), DNS lookups used, and the path of terms that
 * decided it. Free with json_node_unref(). */
DSN_API JsonNode *dsn_spf_result_to_json (const DsnSpfResult *result, const char *lang);
DSN_API void dsn_spf_result_free (DsnSpfResult *result);

/* ---- live confirmation of a bounce's cause */

/* Re-checks now, through RES, the causes of REP's diagnoses that live in the
 * DNS, and attaches the answer to each such recipient: an SPF failure (the
 * sender domain's SPF evaluated for the sending address found in the
 * returned message), a DKIM or DMARC rejection (the key or the policy), a
 * recipient domain not found or accepting no mail (its MX), a blocklist (the
 * list the server named, else DNSBL_ZONES, else the usual ones, queried for
 * the sending address), a missing reverse DNS (PTR and forward
 * confirmation). Recipients with the same cause share one check. Blocking;
 * returns the number of checks made. Nothing touches the network otherwise. */
DSN_API guint dsn_report_check (DsnReport *rep, DsnResolver *res, const char *const *dnsbl_zones,
                                GCancellable *cancellable);
#endif /* DSN_HAVE_DNS */

/* The outcome for recipient R: "still-holds" (the cause is still there),
 * "no-longer-holds" or "could-not-check"; NULL when R's diagnosis has no DNS cause or no check
 * was asked. Static string. */
DSN_API const char *dsn_recipient_get_check_status (const DsnRecipient *r);
/* What the check found, in LANG (NULL means "en"). */
DSN_API const char *dsn_recipient_get_check_text (const DsnRecipient *r, const char *lang);
/* The sending server's address the check used (SPF, DMARC, blocklists,
 * reverse DNS): the one the remote server named in its reply, else the one
 * the Received chains show it received the message from; NULL when the
 * check used none. And where it was found, as a sentence in LANG. */
DSN_API const char *dsn_recipient_get_check_address (const DsnRecipient *r);
DSN_API const char *dsn_recipient_get_check_address_text (const DsnRecipient *r, const char *lang);

/* A verdict on the whole report that changes what to do about R: the
 * message is backscatter (R needs nothing), or the address the remote
 * server refused belongs to a big provider's shared outbound servers. Its
 * message says why, its advice replaces dsn_recipient_get_advice()'s.
 * NULL when the category's advice stands. Owned by the report. */
DSN_API const DsnFinding *dsn_recipient_get_context (const DsnRecipient *r);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DsnJson, dsn_json_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DsnAnalyzer, dsn_analyzer_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DsnReader, dsn_reader_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DsnReport, dsn_report_free)
#if DSN_HAVE_DNS
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DsnResolver, dsn_resolver_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DsnAudit, dsn_audit_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DsnSpfResult, dsn_spf_result_free)
#endif

G_END_DECLS

#endif /* LIBDSN_DSN_H */
