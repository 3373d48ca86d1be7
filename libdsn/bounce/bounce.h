/* bounce: reading a bounce and saying why it failed. The pipeline and its
 * MIME walk, the RFC 3464 parser, the dialects, the rules and the
 * classification, the report's JSON, the backscatter verdict and the
 * analysis of delivery headers. Builds on core/ only. Not installed.
 * SPDX-License-Identifier: BSD-2-Clause */
#ifndef LIBDSN_BOUNCE_H
#define LIBDSN_BOUNCE_H

#include "core/core.h"
#include "gmime-compat.h"
#include "mime.h"

G_BEGIN_DECLS

typedef struct _DsnRules DsnRules; /* rules.c */

struct _DsnAnalyzer {
  gint ref_count; /* the caller's and one per report made (atomic) */
  DsnRules *rules;
  gsize limits[DSN_LIMIT_TRACE_FIELDS + 1];
  GPtrArray *own_domains; /* the user's domains, lower case */
  GPtrArray *own_relays;  /* host names (suffixes) or addresses/CIDR of the user's sending path */
  gint
      sealed; /* set (atomically: by any thread) by the first analysis; later changes are refused */
};

/* ------------------------------------------------------------ rfc3464.c */

/* Parses the body of a message/delivery-status part (RFC 3464 §2): the
 * per-message group into REP's fields, each per-recipient group into a
 * recipient. Tolerates the violations listed in doc/DEVIATIONS.md. Returns the
 * number of recipients added. */
DSN_INTERNAL guint dsn_rfc3464_parse (DsnReport *rep, const char *text, gsize len);
/* Parses "type; value" (RFC 3464 §2.1.2 address-type / diagnostic-type); writes
 * the type part to TYPE if non-NULL and returns the value part, newly allocated. */
DSN_INTERNAL char *dsn_rfc3464_typed_value (const char *value, char **type);

/* ------------------------------------------------------------ analyze.c */

/* Seals AN (its configuration is final) and makes REP hold a reference on
 * it: a report's categories and texts live in the analyzer's rules. Safe
 * from any thread. */
DSN_INTERNAL void dsn_analyzer_hold (const DsnAnalyzer *an, DsnReport *rep);
/* TRUE once AN has analysed a message. */
DSN_INTERNAL gboolean dsn_analyzer_sealed (const DsnAnalyzer *an);

/* Converts LEN bytes in CHARSET (NULL: unknown) to UTF-8; never fails. */
DSN_INTERNAL char *dsn_to_utf8 (const char *buf, gsize len, const char *charset);

/* The message under analysis, as the dialects see it. */
typedef struct {
  DsnMimeMessage *message; /* never NULL */
  const char *raw;         /* the normalized bytes (LF newlines), NUL-terminated */
  gsize raw_len;
  const char *from;        /* decoded From header, "" if none */
  const char *subject;     /* decoded Subject, "" if none */
  const char *from_folded; /* the same, folded (dsn_text_fold()) for comparisons */
  const char *subject_folded;
  /* The human-readable text of the report: every text part outside the
   * returned message, decoded to UTF-8 with LF newlines, joined by newlines.
   * For a single-part bounce this includes a returned message written inline. */
  const char *body;
  gsize body_len;
  /* BODY in ASCII lower case, byte for byte (same length and offsets): the
   * dialects' case-insensitive searches become plain ones (dsn_body_find()). */
  const char *body_lower;
  const DsnPairs *body_pairs; /* the pairs of bytes of BODY_LOWER (dsn_pairs_fill()) */
  /* The message's last Received field (its first hop), squeezed
   * (dsn_text_squeeze()); NULL if it has none. */
  const char *origin_received;
  /* The first part of the report (before any delivery-status / rfc822
   * part); BODY holds it. */
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

/* ------------------------------------------------------------ backscatter.c */

/* Judges whether a bounce is for a message the user never sent. */
DSN_INTERNAL void dsn_backscatter_assess (const DsnAnalyzer *an, DsnReport *rep);
DSN_INTERNAL void dsn_backscatter_free (DsnBackscatter *b);
DSN_INTERNAL void dsn_backscatter_to_json (const DsnBackscatter *b, DsnJson *jb, const char *lang);

/* ------------------------------------------------------------ sending.c */

/* For each recipient of REP (classified, its backscatter judged): the
 * address the remote server refused and where it was found, and the
 * context that changes its advice. HEADERS are the report's own, whose
 * Received chain may show the reporting server's address. */
DSN_INTERNAL void dsn_sending_assess (DsnReport *rep, const DsnMimeHeaders *headers);

/* ------------------------------------------------------------ classify.c */

DSN_INTERNAL void dsn_classify_report (const DsnAnalyzer *an, DsnReport *rep);

/* ------------------------------------------------------------ rules.c */

DSN_INTERNAL DsnRules *dsn_rules_new_builtin (GError **error);
DSN_INTERNAL gboolean dsn_rules_load_dir (DsnRules *rules, const char *dir, GError **error);
/* The automaton of RULES' phrases, serialised: what the shared library
 * embeds for the built-in patterns (automaton-image.c, at build time). */
DSN_INTERNAL GBytes *dsn_rules_automaton_image (const DsnRules *rules);
DSN_INTERNAL void dsn_rules_free (DsnRules *rules);

G_END_DECLS

#endif
