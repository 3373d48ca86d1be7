/* Domain names as DMARC sees them: shared by the header analysis, the DMARC
 * audit and the re-check of a bounce.
 * SPDX-License-Identifier: BSD-2-Clause */
#include "core.h"

#include <libpsl.h>

#include <string.h>

/* The registrable part of DOMAIN (a suffix of it), or NULL. A look-up in
 * the public suffix list costs thousands of instructions and a report asks
 * for the same few domains again and again (the sender's, the reporting
 * server's): the last answers are kept, per thread (no lock), for domains
 * of up to 63 bytes. */
static const char *
registrable (const char *domain)
{
  static _Thread_local struct {
    char name[64];
    gint16 reg; /* offset of the registrable part, -1: none */
  } cache[64];
  gsize len = strlen (domain);
  if (len == 0 || len >= sizeof cache[0].name)
    return psl_registrable_domain (psl_builtin (), domain);
  guint h = 5381;
  for (gsize i = 0; i < len; i++)
    h = h * 33 + (guchar)domain[i];
  h = (h ^ h >> 8) % G_N_ELEMENTS (cache);
  if (memcmp (cache[h].name, domain, len + 1) == 0)
    return cache[h].reg < 0 ? NULL : domain + cache[h].reg;
  const char *reg = psl_registrable_domain (psl_builtin (), domain);
  memcpy (cache[h].name, domain, len + 1);
  cache[h].reg = reg ? (gint16)(reg - domain) : -1;
  return reg;
}

char *
dsn_domain_org (const char *domain)
{
  if (!domain)
    return NULL;
  const char *reg = registrable (domain);
  return g_strdup (reg ? reg : domain);
}

gboolean
dsn_domain_aligned (const char *a, const char *b)
{
  if (!a || !b)
    return FALSE;
  if (g_ascii_strcasecmp (a, b) == 0)
    return TRUE;
  /* An organisational domain has at least two labels: domains whose last
   * two differ never align, and most pairs asked about are such (a relay's
   * host and the sender's domain), so the list is not consulted for them. */
  gsize la = strlen (a), lb = strlen (b);
  if (la && lb && a[la - 1] != '.' && b[lb - 1] != '.') {
    int dots = 0;
    while (la && lb && dots < 2) {
      char ca = g_ascii_tolower (a[--la]), cb = g_ascii_tolower (b[--lb]);
      if (ca != cb)
        return FALSE;
      dots += ca == '.';
    }
  }
  g_autofree char *oa = dsn_domain_org (a);
  g_autofree char *ob = dsn_domain_org (b);
  return g_ascii_strcasecmp (oa, ob) == 0;
}
