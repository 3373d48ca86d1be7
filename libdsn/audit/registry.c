/* The registry of checks, in the order they start and finish when their
 * needs do not decide: the audit puts each check after those it needs,
 * whatever its place here (dsn_audit_plan()).
 * SPDX-License-Identifier: BSD-2-Clause */
#include "audit.h"

extern const DsnCheck dsn_check_mx;
extern const DsnCheck dsn_check_starttls;
extern const DsnCheck dsn_check_spf;
extern const DsnCheck dsn_check_dmarc;
extern const DsnCheck dsn_check_dkim;
extern const DsnCheck dsn_check_mta_sts;
extern const DsnCheck dsn_check_tls_rpt;
extern const DsnCheck dsn_check_bimi;
extern const DsnCheck dsn_check_dnssec;
extern const DsnCheck dsn_check_ptr;
extern const DsnCheck dsn_check_dnsbl;

const DsnCheck *const dsn_checks[] = {
  &dsn_check_mx,      &dsn_check_spf,     &dsn_check_dmarc,    &dsn_check_dkim,
  &dsn_check_mta_sts, &dsn_check_tls_rpt, &dsn_check_bimi,     &dsn_check_dnssec,
  &dsn_check_ptr,     &dsn_check_dnsbl,   &dsn_check_starttls, NULL,
};
