/* audit: the checks of a domain's mail setup behind mailcheck(1). The job
 * that runs them, the areas of findings, and one file per check.
 * Builds on dns/ and core/. Not installed.
 * SPDX-License-Identifier: BSD-2-Clause */
#ifndef LIBDSN_AUDIT_H
#define LIBDSN_AUDIT_H

#include "dns/dns.h"

G_BEGIN_DECLS

/* ------------------------------------------------------------ findings.c */

/* Area names and their order in outputs. */
DSN_INTERNAL int dsn_area_index (DsnArea area);
#define DSN_N_AREAS 10
DSN_INTERNAL DsnArea dsn_area_from_index (int i);
DSN_INTERNAL DsnArea dsn_area_from_string (const char *name);

/* ------------------------------------------------------------ audit.c */

/* A mail server of the domain, as the MX check found it. */
typedef struct {
  char *name; /* exchange; "" for a null MX */
  guint16 preference;
  GPtrArray *addresses; /* char*, A then AAAA, sorted */
  gboolean cname;       /* the name is an alias */
  gboolean failed;      /* its address lookup failed */
} DsnMxHost;

/* An audit in progress. Checks add findings and JSON data to it; every
 * lookup holds it open, and when the last one is done the checks' finish
 * functions run (cross-checks), then the result is returned. */
typedef struct _DsnJob DsnJob;
struct _DsnJob {
  DsnDns *dns;
  DsnAudit *audit;
  GTask *task;
  GSource *cancel_source;
  gboolean cancelled;
  guint pending;
  gboolean finishing;
  char *domain;
  gboolean is_ip;
  DsnArea areas;
  char **dkim_selectors;
  char **dnsbl_zones;
  JsonObject *data[DSN_N_AREAS]; /* each area's records and parsed forms */
  /* shared between checks */
  GPtrArray *mx_hosts; /* DsnMxHost, once the MX check is done */
  gboolean mx_null;    /* the domain has a null MX */
  gboolean mx_failed;  /* the MX lookup failed */
  char *dmarc_policy;  /* p= (or the inherited sp=) in force, NULL if none */
  gint dmarc_pct;
  gpointer state[DSN_N_AREAS]; /* each check's private state */
  GDestroyNotify state_free[DSN_N_AREAS];
};

DSN_INTERNAL void dsn_job_hold (DsnJob *job);
DSN_INTERNAL void dsn_job_release (DsnJob *job);
/* dsn_dns_lookup() that holds the job open until FUNC has run. */
DSN_INTERNAL void dsn_job_lookup (DsnJob *job, const char *name, guint16 type, DsnDnsFunc func,
                                  gpointer user_data);
/* Adds a finding: CODE then name, value pairs (strings), NULL-terminated. */
DSN_INTERNAL void dsn_job_add (DsnJob *job, const char *code, ...) G_GNUC_NULL_TERMINATED;
/* Adds a parser's issues as findings, each with the extra argument NAME =
 * VALUE first when NAME is not NULL. */
DSN_INTERNAL void dsn_job_add_issues (DsnJob *job, GPtrArray *issues, const char *name,
                                      const char *value);
/* TRUE if AREA has no error, warning or could-not-check finding yet. */
DSN_INTERNAL gboolean dsn_job_area_clean (DsnJob *job, DsnArea area);
/* Adds the "could not check" finding CODE for a failed ANS. */
DSN_INTERNAL void dsn_job_dns_error (DsnJob *job, const char *code, const DsnDnsAnswer *ans);
/* The JSON object of AREA, created on first use. */
DSN_INTERNAL JsonObject *dsn_job_data (DsnJob *job, DsnArea area);
DSN_INTERNAL gboolean dsn_job_wants (const DsnJob *job, DsnArea area);

/* JSON helpers: a string or null; an array of the strings of a TXT answer
 * (every record, valid or not, as received). */
DSN_INTERNAL void dsn_json_set_string (JsonObject *o, const char *name, const char *value);
DSN_INTERNAL JsonArray *dsn_json_txt_records (const DsnDnsAnswer *ans);
DSN_INTERNAL JsonArray *dsn_json_strv (GPtrArray *strings);
/* The TXT records of ANS that start with PREFIX (case-insensitive), as
 * NUL-terminated copies. */
DSN_INTERNAL GPtrArray *dsn_txt_with_prefix (const DsnDnsAnswer *ans, const char *prefix);

/* The checks. _start() issues lookups; _finish() runs once every lookup of
 * the audit is done. */
DSN_INTERNAL void dsn_mx_start (DsnJob *job);
DSN_INTERNAL void dsn_mx_finish (DsnJob *job);
DSN_INTERNAL void dsn_spf_audit_start (DsnJob *job);
DSN_INTERNAL void dsn_spf_audit_finish (DsnJob *job);
DSN_INTERNAL void dsn_dmarc_start (DsnJob *job);
DSN_INTERNAL void dsn_dmarc_finish (DsnJob *job);
DSN_INTERNAL void dsn_dkim_start (DsnJob *job);
DSN_INTERNAL void dsn_dkim_finish (DsnJob *job);
DSN_INTERNAL void dsn_mtasts_start (DsnJob *job);
DSN_INTERNAL void dsn_mtasts_finish (DsnJob *job);
DSN_INTERNAL void dsn_tlsrpt_start (DsnJob *job);
DSN_INTERNAL void dsn_bimi_start (DsnJob *job);
DSN_INTERNAL void dsn_bimi_finish (DsnJob *job);
/* Reverse DNS and blocklists of one address of mail server HOST (NULL when
 * the address itself is audited). */
DSN_INTERNAL void dsn_ptr_check (DsnJob *job, const char *address, const char *host);
DSN_INTERNAL void dsn_ptr_finish (DsnJob *job);
DSN_INTERNAL void dsn_dnsbl_check (DsnJob *job, const char *address, const char *host);
DSN_INTERNAL void dsn_dnsbl_finish (DsnJob *job);
DSN_INTERNAL void dsn_dnssec_start (DsnJob *job);
DSN_INTERNAL void dsn_dnssec_finish (DsnJob *job);

G_END_DECLS

#endif
