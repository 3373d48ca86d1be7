/* Raw headers analysis: internal types. Not installed.
 * SPDX-License-Identifier: BSD-2-Clause */
#ifndef LIBDSN_HEADERS_H
#define LIBDSN_HEADERS_H

#include "bounce.h"

G_BEGIN_DECLS

/* One Received field (RFC 5321 §4.4), in travel order. */
typedef struct {
  char *from_host; /* the client's HELO name */
  char *from_ip;   /* the client's address */
  char *by_host;   /* the server that added the field */
  char *with;      /* protocol: ESMTP, ESMTPS, LMTP, ... */
  char *id;
  char *date;
  gboolean authenticated; /* the client logged in (ESMTPA, ESMTPSA, "Authenticated sender") */
  gint64 timestamp;       /* Unix time, -1 when the date does not parse */
  gint64 delay;           /* seconds since the previous hop */
  gboolean has_delay;
} DsnHop;

/* One verdict of an Authentication-Results field (RFC 8601 §2.2), or of
 * Received-SPF. */
typedef struct {
  char *authserv; /* who judged */
  char *method;   /* spf, dkim, dmarc, arc, ... (lower case) */
  char *result;   /* pass, fail, softfail, ... (lower case) */
  char *reason;
  char *domain;     /* the domain it vouches for (header.d, smtp.mailfrom, header.from) */
  GPtrArray *props; /* "ptype.property=value" strings */
  /* DMARC: the domain's policy ("quarantine", lower case) and what the
   * receiver did, as it wrote it ("dis=QUARANTINE", "action=oreject"). */
  char *policy;
  char *disposition;
} DsnAuthResult;

struct _DsnHeaders {
  GPtrArray *hops;       /* DsnHop, first hop first */
  GPtrArray *auth;       /* DsnAuthResult, receiving server's first */
  GPtrArray *spam;       /* "Header: value" strings of spam filters' verdicts */
  GPtrArray *signals;    /* DsnFinding (catalogue/spam.keys, filter.*): those verdicts decoded */
  GPtrArray *findings;   /* DsnFinding (catalogue/headers.keys), in the order checked */
  const DsnFinding *why; /* the finding saying why it went to spam (spam.*), first; or NULL */
  gboolean via_list;     /* a mailing list resent it, breaking the author's authentication */
  char *list;            /* that list's List-Id */
  char *from_domain;
  char *mailfrom_domain;
  const DsnHop *slowest;
  DsnSeverity worst; /* ordered: a larger value is worse */
  char *verdict;     /* code of the most severe finding */
  guint results_cut; /* verdicts past the first of an Authentication-Results field, not read */
};

/* Drops from every header block of BUF (every run of lines up to a blank
 * one: the message's header, its parts', an attached message's, a quoted
 * one) the Received, Authentication-Results, ARC-Authentication-Results and
 * Received-SPF fields past the first LIMIT of each, with a warning on REP:
 * the reader keeps every field it is given, and each is analysed. */
DSN_INTERNAL void dsn_headers_limit_trace_fields (GByteArray *buf, gsize limit, DsnReport *rep);
/* Analyses the delivery headers of a message, its HEADERS; NULL if it has
 * none (no Received, Authentication-Results or Received-SPF field). */
DSN_INTERNAL DsnHeaders *dsn_headers_analyze (const DsnMimeHeaders *headers);
DSN_INTERNAL void dsn_headers_free (DsnHeaders *h);
/* Reads the spam filters' verdicts of HEADERS into H's signals and, when the
 * message was filed as spam or quarantined, puts the finding that says why
 * first (spam.c). Needs H's authentication verdicts. */
DSN_INTERNAL void dsn_headers_check_spam (DsnHeaders *h, const DsnMimeHeaders *headers);
DSN_INTERNAL void dsn_headers_hop_free (DsnHop *h);
/* The value of TAG in a DKIM-style "tag=value; ..." list (RFC 6376 §3.2),
 * lower-cased, or NULL. */
DSN_INTERNAL char *dsn_headers_tag (const char *list, const char *tag);
/* Parses a date of a Received or Date field: every RFC 5322 form (§3.3,
 * and §4.3's obsolete years and zones) and the usual violations:
 * fractional seconds, zone names, a missing zone (universal time), ISO 8601,
 * asctime. Sets *UNIX_TIME and returns TRUE, FALSE if TEXT is no date. */
DSN_INTERNAL gboolean dsn_headers_parse_date (const char *text, gint64 *unix_time);
/* Parses a Received field; its date too when WITH_DATE. */
DSN_INTERNAL DsnHop *dsn_headers_parse_received (const char *value, gboolean with_date);
DSN_INTERNAL void dsn_headers_parse_authres (DsnHeaders *h, const char *value);
DSN_INTERNAL char *dsn_headers_strip_comments (const char *s);
DSN_INTERNAL char *dsn_domain_org (const char *domain);
DSN_INTERNAL gboolean dsn_domain_aligned (const char *a, const char *b);
DSN_INTERNAL void dsn_headers_to_json (const DsnHeaders *h, DsnJson *b, const char *lang);

G_END_DECLS

#endif
