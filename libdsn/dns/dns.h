/* dns: asking the DNS and reading what it says. The c-ares resolver driven
 * by the GLib main loop, the wire format, the parsers of the records mail
 * uses (SPF, DMARC, DKIM, MTA-STS, TLS-RPT, BIMI) and SPF's check_host().
 * Builds on core/ only. Not installed.
 * SPDX-License-Identifier: BSD-2-Clause */
#ifndef LIBDSN_DNS_H
#define LIBDSN_DNS_H

#include "core/core.h"

#include <gio/gio.h>

G_BEGIN_DECLS

/* ------------------------------------------------------------ wire.c */

enum {
  DSN_DNS_A = 1,
  DSN_DNS_NS = 2,
  DSN_DNS_CNAME = 5,
  DSN_DNS_SOA = 6,
  DSN_DNS_PTR = 12,
  DSN_DNS_MX = 15,
  DSN_DNS_TXT = 16,
  DSN_DNS_AAAA = 28,
  DSN_DNS_TLSA = 52,
  DSN_DNS_SPF = 99, /* obsolete (RFC 7208 §3.1), looked up only to warn */
};

typedef enum {
  DSN_DNS_OK,       /* NOERROR; no record of the type is NODATA */
  DSN_DNS_NXDOMAIN, /* the name does not exist */
  DSN_DNS_SERVFAIL,
  DSN_DNS_REFUSED,
  DSN_DNS_TIMEOUT,     /* no answer in time from any server */
  DSN_DNS_UNREACHABLE, /* no server could be reached (connection refused, no route) */
  DSN_DNS_BADNAME,     /* the name cannot be queried (empty or long label) */
  /* an empty answer with neither authority nor recursion (a referral): the
   * server asked does not serve the name and is no resolver (RFC 1034 §4.3.1) */
  DSN_DNS_LAME,
  DSN_DNS_CANCELLED,
  DSN_DNS_ERROR, /* any other failure (FORMERR, NOTIMP, malformed answer) */
} DsnDnsStatus;

/* One resource record of the answer section. */
typedef struct {
  guint16 type;
  guint16 preference; /* MX */
  guint32 ttl;
  char *owner;
  /* A/AAAA: the address as text; MX/CNAME/PTR/NS: the target name without the
   * trailing dot ("" is the root: a null MX); SOA: the primary server's name;
   * TXT/SPF: the strings joined (may hold NUL bytes: see LEN); TLSA: the
   * certificate association data in lower-case hexadecimal. */
  char *data;
  gsize len;          /* TXT/SPF: bytes of DATA; TLSA: bytes of association data */
  GPtrArray *strings; /* TXT/SPF: each character-string */
  guint8 addr[16];    /* A/AAAA in network order */
  /* TLSA (RFC 6698 §2.1): certificate usage, selector, matching type, and the
   * association data itself */
  guint8 usage, selector, matching;
  GBytes *association;
} DsnDnsRR;

/* An answer, owned by the session's cache: valid during the callback. */
typedef struct {
  char *name;
  guint16 type;
  DsnDnsStatus status;
  guint rcode;
  gboolean ad;       /* the resolver says the answer is DNSSEC-validated */
  GPtrArray *rrs;    /* DsnDnsRR of TYPE from the answer section, in order */
  GPtrArray *cnames; /* CNAME records met on the way */
} DsnDnsAnswer;

DSN_INTERNAL void dsn_dns_rr_free (DsnDnsRR *rr);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DsnDnsRR, dsn_dns_rr_free)

/* The EDNS payload size advertised in queries. */
DSN_INTERNAL guint dsn_dns_edns_payload (void);
/* Returns a query for NAME (raw bytes between dots, no escapes) and TYPE, or
 * NULL if NAME cannot be encoded (empty or long label, over 255 bytes). */
DSN_INTERNAL GBytes *dsn_dns_build_query (const char *name, guint16 type);
/* Reads a response into ANS (whose arrays must exist): the rcode, the AD bit,
 * the records of QTYPE and the CNAMEs of the answer section. Returns FALSE if
 * the message is malformed. */
DSN_INTERNAL gboolean dsn_dns_parse_response (const guint8 *buf, gsize len, guint16 qtype,
                                              DsnDnsAnswer *ans);
DSN_INTERNAL const char *dsn_dns_type_to_string (guint16 type);
DSN_INTERNAL const char *dsn_dns_status_to_string (DsnDnsStatus status);
/* "4.3.2.1.in-addr.arpa" or the ip6.arpa nibble name of IP; NULL if IP is not an address. */
DSN_INTERNAL char *dsn_dns_reverse_name (const char *ip);

/* ------------------------------------------------------------ resolver.c */

typedef struct {
  int family;
  guint8 addr[16];
  guint16 port;
} DsnServer;

struct _DsnResolver {
  gint ref;
  GArray *servers; /* DsnServer; empty: the system's resolver configuration */
  guint timeout_ms;
  guint retries;
  guint https_timeout_ms; /* a whole HTTPS fetch (MTA-STS policy) */
  char *test_ca_file;     /* HTTPS: trust this CA instead of the system's (tests only) */
  char *test_connect_to;  /* HTTPS: connect to this HOST:PORT whatever the URL (tests only) */
  guint smtp_timeout_ms;  /* each step of an SMTP session (STARTTLS check) */
  char *test_smtp_ca;     /* SMTP: trust this CA instead of the system's (tests only) */
  guint16 test_smtp_port; /* SMTP: this port instead of 25 (tests only); 0: 25 */
  /* Sessions end on any thread: the lock guards what follows. Sessions in a
   * row in which no server answered, and until when (monotonic time) new
   * ones give up at once. */
  GMutex lock;
  guint silent_sessions;
  gint64 unreachable_until;
};

/* A session of lookups: one c-ares channel whose sockets are watched by a
 * GSource on a GMainContext, and a cache so that a name asked twice is
 * queried once. Callbacks always run from the main loop, never from inside
 * dsn_dns_lookup(). */
typedef struct _DsnDns DsnDns;
typedef void (*DsnDnsFunc) (const DsnDnsAnswer *ans, gpointer user_data);

DSN_INTERNAL DsnDns *dsn_dns_new (DsnResolver *res, GMainContext *context, GError **error);
/* Looks NAME up (a trailing dot is ignored; case does not matter). */
DSN_INTERNAL void dsn_dns_lookup (DsnDns *dns, const char *name, guint16 type, DsnDnsFunc func,
                                  gpointer user_data);
/* Fails every lookup in flight with DSN_DNS_CANCELLED (their callbacks run). */
DSN_INTERNAL void dsn_dns_cancel (DsnDns *dns);
/* Frees the session; callbacks of lookups in flight are not called. Never
 * call it from a lookup callback (complete the operation from an idle, see
 * dsn_task_return_later()). */
DSN_INTERNAL void dsn_dns_free (DsnDns *dns);
/* Queries sent, and how many got an answer (any rcode) from a server. */
DSN_INTERNAL guint dsn_dns_get_n_queries (const DsnDns *dns);
DSN_INTERNAL guint dsn_dns_get_n_answered (const DsnDns *dns);
DSN_INTERNAL DsnResolver *dsn_dns_get_resolver (const DsnDns *dns);

/* TRUE for a DNS failure that says nothing about the records (timeout,
 * SERVFAIL, ...): "could not check", never "missing". */
DSN_INTERNAL gboolean dsn_dns_failed (const DsnDnsAnswer *ans);
DSN_INTERNAL gboolean dsn_dns_status_failed (DsnDnsStatus status);
/* TRUE for NXDOMAIN or NOERROR without records: a "void lookup" (RFC 7208 §4.6.4). */
DSN_INTERNAL gboolean dsn_dns_void (const DsnDnsAnswer *ans);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DsnDns, dsn_dns_free)

/* ------------------------------------------------------------ spf-record.c */

typedef enum {
  DSN_SPF_ALL,
  DSN_SPF_INCLUDE,
  DSN_SPF_A,
  DSN_SPF_MX,
  DSN_SPF_PTR,
  DSN_SPF_IP4,
  DSN_SPF_IP6,
  DSN_SPF_EXISTS,
  DSN_SPF_REDIRECT, /* modifiers from here on */
  DSN_SPF_EXP,
  DSN_SPF_UNKNOWN_MODIFIER,
} DsnSpfTermKind;

/* One term of a record (RFC 7208 §4.6.1). */
typedef struct {
  DsnSpfTermKind kind;
  char qualifier;      /* '+', '-', '~' or '?' ('+' when not written) */
  char *text;          /* the term as written */
  char *name;          /* mechanism or modifier name, lower case */
  char *domain_spec;   /* the macro-string argument, or NULL */
  char *value;         /* unknown modifier: its value */
  int cidr4, cidr6;    /* prefix lengths; -1 when not written */
  guint8 network[16];  /* ip4/ip6 */
  gboolean has_macros; /* the domain-spec holds a macro (%{...}) */
  gboolean uses_p;     /* ... the %{p} macro in particular */
} DsnSpfTerm;

typedef struct {
  char *text;
  GPtrArray *terms;           /* DsnSpfTerm, in order */
  const DsnSpfTerm *redirect; /* NULL if none */
  const DsnSpfTerm *exp;
  DsnFinding *error; /* the first syntax error (spf_syntax.*), or NULL */
} DsnSpfRecord;

/* TRUE if TEXT (LEN bytes) is an SPF record: "v=spf1" in any case, followed
 * by a space or the end (RFC 7208 §4.5). */
DSN_INTERNAL gboolean dsn_spf_is_record (const char *text, gsize len);
/* Parses a whole record (RFC 7208 §4.6, §12). Never NULL; on a syntax error
 * ->error says what and the terms before it are kept. */
DSN_INTERNAL DsnSpfRecord *dsn_spf_record_parse (const char *text, gsize len);
DSN_INTERNAL void dsn_spf_record_free (DsnSpfRecord *rec);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DsnSpfRecord, dsn_spf_record_free)
/* TRUE if the term queries the DNS and counts toward the limit of 10. */
DSN_INTERNAL gboolean dsn_spf_term_counts (const DsnSpfTerm *t);

/* What macros expand to (RFC 7208 §7.2). */
typedef struct {
  const char *sender;        /* s: local-part@domain */
  const char *local;         /* l */
  const char *sender_domain; /* o */
  const char *domain;        /* d: the domain being checked */
  int family;                /* AF_INET or AF_INET6 */
  guint8 addr[16];           /* i, c, v */
  const char *helo;          /* h */
  const char *validated;     /* p: NULL until looked up ("unknown" if none) */
  const char *receiver;      /* r */
  gint64 now;                /* t */
} DsnSpfMacroEnv;

/* Checks the syntax of a macro-string; EXPLANATION allows the c, r and t
 * letters and spaces (RFC 7208 §7.1). */
DSN_INTERNAL gboolean dsn_spf_macro_valid (const char *s, gboolean explanation);
/* Expands a macro-string. Returns NULL on a syntax error. A domain result is
 * not yet checked or truncated: see dsn_spf_domain_fit(). */
DSN_INTERNAL char *dsn_spf_expand (const char *s, const DsnSpfMacroEnv *env, gboolean explanation);
/* Prepares an expanded domain-spec for a query: drops a trailing dot and
 * removes labels from the left until it fits 253 bytes (RFC 7208 §7.3). */
DSN_INTERNAL char *dsn_spf_domain_fit (const char *domain);
/* TRUE if DOMAIN can start check_host(): multi-label, no empty or
 * over-long label, not a literal (RFC 7208 §4.3). */
DSN_INTERNAL gboolean dsn_spf_domain_ok (const char *domain);

/* ------------------------------------------------------------ ops (resolver.c) */

/* Runs START (which calls an _async() function with the callback and data it
 * is given) on a private GMainContext until it completes; returns the
 * GAsyncResult (unref it). Used by the blocking forms. */
typedef void (*DsnStartFunc) (gpointer data, GAsyncReadyCallback callback, gpointer callback_data);
DSN_INTERNAL GAsyncResult *dsn_run_sync (DsnStartFunc start, gpointer data);
/* Returns TASK's result from an idle callback on CONTEXT, after FREE_FUNC
 * (may be NULL) has released FREE_DATA: a session is never freed from
 * inside one of its own callbacks. */
DSN_INTERNAL void dsn_task_return_later (GTask *task, gpointer result, GDestroyNotify result_free,
                                         GError *error, GDestroyNotify free_func,
                                         gpointer free_data);

/* ------------------------------------------------------------ spf.c */

struct _DsnSpfResult {
  DsnSpfCode code;
  char *ip, *sender, *helo, *domain;
  char *record;
  char *explanation;
  DsnFinding *problem; /* spf_problem.* of catalogue/details.keys, or NULL */
  guint lookups, void_lookups;
  GPtrArray *path; /* SpfStep */
};

/* Parses IP into FAMILY/ADDR; an IPv4-mapped IPv6 address becomes IPv4
 * (RFC 7208 §5). */
DSN_INTERNAL gboolean dsn_parse_ip (const char *ip, int *family, guint8 addr[16]);
/* TRUE if ADDR (of FAMILY) is in NET/PREFIX. */
DSN_INTERNAL gboolean dsn_ip_in_network (int family, const guint8 *addr, const guint8 *net,
                                         int prefix);

/* ------------------------------------------------------------ records.c */

/* A problem a parser found: a finding code and its arguments (name, value
 * pairs). Parsers stay pure; the checks turn issues into findings. */
typedef struct {
  char *code;
  GPtrArray *args;
} DsnIssue;

DSN_INTERNAL void dsn_issue_add (GPtrArray *issues, const char *code, ...) G_GNUC_NULL_TERMINATED;
DSN_INTERNAL GPtrArray *dsn_issues_new (void);

typedef struct {
  char *name;
  char *value;
} DsnTag;

/* Parses a tag=value list (RFC 6376 §3.2). Returns the tags in order, or
 * NULL with *ERROR set to what is wrong (taglist.*: a duplicate tag, a tag
 * without "="). Empty specs (";;") are skipped. */
DSN_INTERNAL GPtrArray *dsn_taglist_parse (const char *text, DsnFinding **error);
DSN_INTERNAL const char *dsn_taglist_get (GPtrArray *tags, const char *name);
DSN_INTERNAL JsonObject *dsn_taglist_to_json (GPtrArray *tags);

/* A report destination (rua/ruf, TLS-RPT rua). */
typedef struct {
  char *uri;
  char *scheme;  /* "mailto", "https", ... lower case */
  char *address; /* mailto: the address */
  char *domain;  /* mailto: the address's domain, lower case; https: the host */
} DsnReportUri;

typedef struct {
  GPtrArray *tags;
  char *p, *sp, *np, *adkim, *aspf, *fo, *rf, *psd, *t;
  int pct, ri;    /* -1 when absent */
  GPtrArray *rua; /* DsnReportUri */
  GPtrArray *ruf;
  gboolean valid; /* usable by a receiver */
  GPtrArray *issues;
} DsnDmarcRecord;

/* Parses a DMARC record (RFC 9989; RFC 7489 §6.3). Never NULL. */
DSN_INTERNAL DsnDmarcRecord *dsn_dmarc_parse (const char *text);
DSN_INTERNAL void dsn_dmarc_record_free (DsnDmarcRecord *r);
/* 0 none, 1 quarantine, 2 reject, -1 anything else. */
DSN_INTERNAL int dsn_dmarc_policy_rank (const char *p);

typedef struct {
  GPtrArray *tags;
  char *key_type; /* k=, "rsa" by default */
  char *key;      /* p=, white space removed */
  gboolean revoked, testing;
  guint key_bits; /* 0 if unknown */
  GPtrArray *issues;
} DsnDkimKey;

/* Parses a DKIM key record (RFC 6376 §3.6.1) and measures its key. */
DSN_INTERNAL DsnDkimKey *dsn_dkim_parse (const char *text);
DSN_INTERNAL void dsn_dkim_key_free (DsnDkimKey *k);
/* Bits of the RSA modulus in a DER SubjectPublicKeyInfo or RSAPublicKey;
 * 0 if it is neither. */
DSN_INTERNAL guint dsn_rsa_key_bits (const guint8 *der, gsize len);

/* The SubjectPublicKeyInfo of a DER X.509 certificate, whole (tag and
 * length included): a slice of CERT, or NULL if CERT is not a certificate. */
DSN_INTERNAL GBytes *dsn_x509_spki (GBytes *cert);

/* TLSA for SMTP (RFC 6698, RFC 7671, RFC 7672 §3.1): TRUE if a record of
 * USAGE, SELECTOR, MATCHING type with LEN bytes of data can be used by an
 * SMTP client: DANE-TA(2) or DANE-EE(3), a known selector and matching type,
 * and a digest of the right size. */
DSN_INTERNAL gboolean dsn_tlsa_usable (guint usage, guint selector, guint matching, gsize len);
/* TRUE if the TLSA data ASSOCIATION, of SELECTOR and MATCHING type, matches
 * the DER certificate CERT. */
DSN_INTERNAL gboolean dsn_tlsa_match (guint selector, guint matching, GBytes *association,
                                      GBytes *cert);

typedef struct {
  GPtrArray *tags;
  char *id;
  GPtrArray *issues;
} DsnStsRecord;

/* Parses an _mta-sts TXT record (RFC 8461 §3.1). */
DSN_INTERNAL DsnStsRecord *dsn_sts_record_parse (const char *text);
DSN_INTERNAL void dsn_sts_record_free (DsnStsRecord *r);

typedef struct {
  char *version, *mode;
  GPtrArray *mx;  /* patterns */
  gint64 max_age; /* -1 when absent */
  GPtrArray *issues;
} DsnStsPolicy;

/* Parses an MTA-STS policy body (RFC 8461 §3.2). */
DSN_INTERNAL DsnStsPolicy *dsn_sts_policy_parse (const char *text, gsize len);
DSN_INTERNAL void dsn_sts_policy_free (DsnStsPolicy *p);
/* TRUE if mail server HOST matches PATTERN: exactly, or "*.example.com"
 * matching one label deep (RFC 8461 §4.1). */
DSN_INTERNAL gboolean dsn_sts_mx_match (const char *pattern, const char *host);

typedef struct {
  GPtrArray *tags;
  GPtrArray *rua; /* DsnReportUri */
  GPtrArray *issues;
} DsnTlsRptRecord;

/* Parses a TLS-RPT record (RFC 8460 §3). */
DSN_INTERNAL DsnTlsRptRecord *dsn_tlsrpt_parse (const char *text);
DSN_INTERNAL void dsn_tlsrpt_record_free (DsnTlsRptRecord *r);

typedef struct {
  GPtrArray *tags;
  char *logo, *authority; /* l=, a= */
  gboolean declined;      /* both empty: the domain opts out */
  GPtrArray *issues;
} DsnBimiRecord;

/* Parses a BIMI assertion record (draft-brand-indicators-for-message-identification §4.2). */
DSN_INTERNAL DsnBimiRecord *dsn_bimi_parse (const char *text);
DSN_INTERNAL void dsn_bimi_record_free (DsnBimiRecord *r);

G_END_DECLS

#endif
