/* The areas of mailcheck's findings. The findings themselves are those of
 * the catalogue (core/catalogue.c): their texts are catalogue/mailcheck.keys.
 *
 * SPDX-License-Identifier: BSD-2-Clause */
#include "audit.h"

#include <string.h>

static const struct {
  DsnArea area;
  const char *name;
} areas[DSN_N_AREAS] = {
  { DSN_AREA_MX, "mx" },           { DSN_AREA_STARTTLS, "starttls" },
  { DSN_AREA_SPF, "spf" },         { DSN_AREA_DMARC, "dmarc" },
  { DSN_AREA_DKIM, "dkim" },       { DSN_AREA_MTA_STS, "mta-sts" },
  { DSN_AREA_TLS_RPT, "tls-rpt" }, { DSN_AREA_BIMI, "bimi" },
  { DSN_AREA_PTR, "ptr" },         { DSN_AREA_DNSBL, "dnsbl" },
  { DSN_AREA_DNSSEC, "dnssec" },
};

int
dsn_area_index (DsnArea area)
{
  for (int i = 0; i < DSN_N_AREAS; i++)
    if (areas[i].area == area)
      return i;
  return -1;
}

DsnArea
dsn_area_from_index (int i)
{
  return areas[i].area;
}

DsnArea
dsn_area_from_string (const char *name)
{
  for (int i = 0; i < DSN_N_AREAS; i++)
    if (!g_ascii_strcasecmp (areas[i].name, name))
      return areas[i].area;
  /* codes spell the area with an underscore: mta_sts.missing */
  if (!g_ascii_strcasecmp (name, "mta_sts"))
    return DSN_AREA_MTA_STS;
  if (!g_ascii_strcasecmp (name, "tls_rpt"))
    return DSN_AREA_TLS_RPT;
  return 0;
}

const char *
dsn_area_to_string (DsnArea area)
{
  int i = dsn_area_index (area);
  return i < 0 ? NULL : areas[i].name;
}

const char *
dsn_verdict_to_string (DsnVerdict verdict)
{
  switch (verdict) {
  case DSN_VERDICT_OK: return "ok";
  case DSN_VERDICT_NONE: return "none";
  case DSN_VERDICT_WARNING: return "warning";
  case DSN_VERDICT_ERROR: return "error";
  case DSN_VERDICT_UNKNOWN: return "unknown";
  case DSN_VERDICT_SKIPPED: return "skipped";
  }
  return "unknown";
}

/* The area is the start of the code: "spf" for spf.too_many_lookups; 0 for
 * dns.unreachable, which is about no area. */
DsnArea
dsn_finding_get_area (const DsnFinding *f)
{
  g_return_val_if_fail (f, 0);
  const char *code = f->def->code;
  g_autofree char *prefix = g_strndup (code, strcspn (code, "."));
  return dsn_area_from_string (prefix);
}
