/* audit: the checks of a domain's mail setup behind mailcheck(1). From the
 * bottom up: the areas of findings, the job (what checks share), one
 * file per check, the registry of checks, and the audit that runs them.
 * Builds on dns/ and core/. Not installed.
 * SPDX-License-Identifier: BSD-2-Clause */
#ifndef LIBDSN_AUDIT_H
#define LIBDSN_AUDIT_H

#include "dns/dns.h"

G_BEGIN_DECLS

/* ------------------------------------------------------------ findings.c */

/* Area names and their order in outputs. */
DSN_INTERNAL int dsn_area_index (DsnArea area);
#define DSN_N_AREAS 11
DSN_INTERNAL DsnArea dsn_area_from_index (int i);
DSN_INTERNAL DsnArea dsn_area_from_string (const char *name);

/* ------------------------------------------------------------ job.c */

typedef struct _DsnJob DsnJob;

/* A check: one area of the audit, in one file that defines it with
 * DSN_CHECK (mx) = { ... }, listed in registry.c. */
typedef struct {
  DsnArea area; /* what it reports on */
  /* The checks whose results it reads: they run whenever it runs, and start
   * and finish before it. */
  DsnArea needs;
  /* It can audit an IP address given instead of a domain; then it needs
   * nothing (an address has no MX). */
  gboolean address;
  gsize state_size; /* its state, zeroed before it starts (DSN_JOB_STATE) */
  /* Issues its lookups. */
  void (*start) (DsnJob *job);
  /* Runs once every lookup of the audit is done, and only when the area was
   * asked for (not when the check ran for another's sake): cross-checks,
   * the area's findings and JSON data. NULL if there is nothing to add. */
  void (*finish) (DsnJob *job);
  /* Frees what the state holds (not the state itself); NULL if nothing. */
  void (*clear) (gpointer state);
} DsnCheck;

#define DSN_CHECK(id) DSN_INTERNAL const DsnCheck dsn_check_##id

/* An audit in progress, as the checks see it. Checks add findings and JSON
 * data to it; every lookup holds it open, and when the last one is done,
 * COMPLETE runs (audit.c: the checks' finish functions, then the result). */
struct _DsnJob {
  DsnDns *dns;
  GTask *task;
  GSource *cancel_source;
  gboolean cancelled;
  guint pending;
  gboolean finishing;
  void (*complete) (DsnJob *job);
  char *domain; /* or the address audited */
  gboolean is_ip;
  DsnArea areas;                 /* audited: asked for, and possible */
  char **dkim_selectors;         /* as given: NULL for none */
  char **dnsbl_zones;            /* as given: NULL for the default ones */
  GPtrArray *findings;           /* DsnFinding, in the order found */
  JsonObject *data[DSN_N_AREAS]; /* each area's records and parsed forms */
  /* The lookups' outcomes: when none got an answer that says anything (a
   * record or its absence), the question about the root zone tells whether
   * the resolver or the domain is at fault (dsn_job_probe(), audit.c). */
  guint n_good;
  guint n_status[DSN_DNS_ERROR + 1]; /* failed lookups by status */
  int probe;                         /* 0 not asked, 1 asked, 2 the root answered, 3 it failed */
  /* The checks that run, each after those it needs, and their states. */
  const DsnCheck *checks[DSN_N_AREAS];
  gpointer state[DSN_N_AREAS];
  guint n_checks;
};

DSN_INTERNAL DsnJob *dsn_job_new (void);
DSN_INTERNAL void dsn_job_free (DsnJob *job);
DSN_INTERNAL gboolean dsn_job_wants (const DsnJob *job, DsnArea area);
/* Adds CHECK to the checks that run, with a new state. */
DSN_INTERNAL void dsn_job_add_check (DsnJob *job, const DsnCheck *check);
/* The state of the check of AREA, NULL if that check does not run. SIZE is
 * checked against the check's state_size: use DSN_JOB_STATE. */
DSN_INTERNAL gpointer dsn_job_state (DsnJob *job, DsnArea area, gsize size);
#define DSN_JOB_STATE(job, area, Type) ((Type *)dsn_job_state ((job), (area), sizeof (Type)))
DSN_INTERNAL void dsn_job_hold (DsnJob *job);
/* Asks the resolver about the root zone, in parallel with the checks: if
 * every other lookup fails, its answer tells whether the resolver or the
 * domain is at fault (RFC 1034 §4.3.1). */
DSN_INTERNAL void dsn_job_probe (DsnJob *job);
DSN_INTERNAL void dsn_job_release (DsnJob *job);
/* dsn_dns_lookup() that holds the job open until FUNC has run. */
DSN_INTERNAL void dsn_job_lookup (DsnJob *job, const char *name, guint16 type, DsnDnsFunc func,
                                  gpointer user_data);
/* Adds a finding: CODE then name, value pairs (strings), NULL-terminated. */
DSN_INTERNAL void dsn_job_add (DsnJob *job, const char *code, ...) G_GNUC_NULL_TERMINATED;
/* The same with ARGS (name, value strings, taken), for a text argument
 * (dsn_args_add_text). */
DSN_INTERNAL void dsn_job_add_args (DsnJob *job, const char *code, GPtrArray *args);
/* Adds a parser's issues as findings, each with the extra argument NAME =
 * VALUE first when NAME is not NULL. */
DSN_INTERNAL void dsn_job_add_issues (DsnJob *job, GPtrArray *issues, const char *name,
                                      const char *value);
/* Adds the "could not check" finding CODE for a failed ANS. */
DSN_INTERNAL void dsn_job_dns_error (DsnJob *job, const char *code, const DsnDnsAnswer *ans);
/* TRUE if AREA has no error, warning or could-not-check finding yet. */
DSN_INTERNAL gboolean dsn_job_area_clean (DsnJob *job, DsnArea area);
/* The JSON object of AREA, created on first use. */
DSN_INTERNAL JsonObject *dsn_job_data (DsnJob *job, DsnArea area);

/* The name queried by ANS is an alias: the end of the CNAME chain its
 * answer followed (owned by ANS); NULL if it is none. */
DSN_INTERNAL const char *dsn_alias_target (const DsnDnsAnswer *ans);

/* The text of TXT record RR as valid UTF-8 (invalid bytes replaced), up to
 * its first NUL byte. */
DSN_INTERNAL char *dsn_rr_text (const DsnDnsRR *rr);
/* The same, but a record with a NUL byte keeps its length: that byte and
 * all after it show as '?' (JSON strings cannot hold NUL). */
DSN_INTERNAL char *dsn_rr_text_marked (const DsnDnsRR *rr);

/* JSON helpers: a string or null; an array of the strings of a TXT answer
 * (every record, valid or not, as received: dsn_rr_text_marked()). */
DSN_INTERNAL void dsn_json_set_string (JsonObject *o, const char *name, const char *value);
DSN_INTERNAL JsonArray *dsn_json_txt_records (const DsnDnsAnswer *ans);
DSN_INTERNAL JsonArray *dsn_json_strv (GPtrArray *strings);
/* The strings of STRINGS joined with SEPARATOR; "" if there are none. */
DSN_INTERNAL char *dsn_strings_join (GPtrArray *strings, const char *separator);
/* The TXT records of ANS that start with PREFIX (case-insensitive), as
 * NUL-terminated copies. */
DSN_INTERNAL GPtrArray *dsn_txt_with_prefix (const DsnDnsAnswer *ans, const char *prefix);

/* ------------------------------------------------------------ mx.c */

/* What the other checks read of the MX check. */

/* A mail server of the domain, as the MX check found it. */
typedef struct {
  char *name; /* exchange; "" for a null MX */
  guint16 preference;
  GPtrArray *addresses; /* char*, A then AAAA, sorted */
  gboolean cname;       /* the name is an alias */
  gboolean failed;      /* its address lookup failed */
} DsnMxHost;

/* The domain's mail servers (DsnMxHost, by preference) once the MX check
 * has looked up their addresses; NULL before, or if it does not run. */
DSN_INTERNAL GPtrArray *dsn_mx_hosts (DsnJob *job);
/* TRUE if the domain has a null MX (RFC 7505). */
DSN_INTERNAL gboolean dsn_mx_null (DsnJob *job);
/* TRUE for a parked domain, as far as the checks that run can tell: a null
 * MX, an SPF record allowing no sender ("v=spf1 -all") and DMARC p=reject:
 * it neither receives nor sends mail, and says so. */
DSN_INTERNAL gboolean dsn_mx_parked (DsnJob *job);

typedef void (*DsnMxAddressFunc) (DsnJob *job, const char *address, const char *host);
/* Calls FUNC for each address of the domain's mail servers once they are
 * known, each address once, with HOST the first server that has it. When an
 * address is audited, calls FUNC at once with it and HOST NULL. Call it from
 * a check's start function. */
DSN_INTERNAL void dsn_mx_foreach_address (DsnJob *job, DsnMxAddressFunc func);
/* "192.0.2.1 (mx.example.org)" for an ADDRESS of mail server HOST; the
 * address alone when HOST is NULL. */
DSN_INTERNAL char *dsn_mx_server_label (const char *address, const char *host);

/* ------------------------------------------------------------ spf.c */

/* TRUE if the domain's SPF record allows no server at all: "-all" is its
 * only mechanism. FALSE too when the SPF check does not run. */
DSN_INTERNAL gboolean dsn_spf_sends_nothing (DsnJob *job);

/* ------------------------------------------------------------ dmarc.c */

/* What the BIMI check reads of the DMARC check. */

/* The DMARC policy in force for the domain: its own p=, or the sp= (else
 * p=) of the parent record it inherits; "none" for a valid record without
 * p=, NULL without a valid record. Owned by the DMARC check. */
DSN_INTERNAL const char *dsn_dmarc_policy (DsnJob *job);
/* The share of mail that policy applies to: pct=, else 100. */
DSN_INTERNAL int dsn_dmarc_pct (DsnJob *job);
/* The sp= of the domain's own record, which its subdomains get; NULL
 * without one, or when the record in force is a parent's. */
DSN_INTERNAL const char *dsn_dmarc_subdomain_policy (DsnJob *job);

/* ------------------------------------------------------------ mtasts.c */

/* The mode of the domain's MTA-STS policy ("enforce", "testing", "none")
 * when a valid one was fetched; NULL otherwise, or if the MTA-STS check
 * does not run. */
DSN_INTERNAL const char *dsn_mta_sts_mode (DsnJob *job);

/* ------------------------------------------------------------ registry.c */

/* Every check, NULL-terminated, in the order they run when their needs do
 * not say otherwise. */
DSN_INTERNAL extern const DsnCheck *const dsn_checks[];

/* ------------------------------------------------------------ audit.c */

/* The checks of the NULL-terminated CHECKS (dsn_checks) that run for AREAS,
 * into OUT (room for DSN_N_AREAS): those asked for and what they need, each
 * after what it needs, else in the order of CHECKS. Of an address (ADDRESS),
 * only those asked for that take one. Returns how many. */
DSN_INTERNAL guint dsn_audit_plan (const DsnCheck *const *checks, DsnArea areas, gboolean address,
                                   const DsnCheck **out);

G_END_DECLS

#endif
