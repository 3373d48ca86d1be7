/* Domain names as DMARC sees them: shared by the header analysis, the DMARC
 * audit and the re-check of a bounce.
 * SPDX-License-Identifier: BSD-2-Clause */
#include "core.h"

#include <libpsl.h>

char *
dsn_domain_org (const char *domain)
{
  if (!domain)
    return NULL;
  const char *reg = psl_registrable_domain (psl_builtin (), domain);
  return g_strdup (reg ? reg : domain);
}

gboolean
dsn_domain_aligned (const char *a, const char *b)
{
  if (!a || !b)
    return FALSE;
  if (g_ascii_strcasecmp (a, b) == 0)
    return TRUE;
  g_autofree char *oa = dsn_domain_org (a);
  g_autofree char *ob = dsn_domain_org (b);
  return g_ascii_strcasecmp (oa, ob) == 0;
}
