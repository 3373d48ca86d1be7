/* Fuzz target: the DNS message reader (RFC 1035 §4), which reads every
 * answer the resolver receives: malformed, truncated, looping compression
 * pointers, huge counts. The first two bytes pick the query type.
 * SPDX-License-Identifier: BSD-2-Clause */
#include "fuzz.h"

#include "dns/dns.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  if (size < 2)
    return 0;
  static const guint16 types[] = { 1, 28, 15, 16, 12, 5, 99, 2 };
  DsnDnsAnswer ans = { 0 };
  ans.rrs = g_ptr_array_new_with_free_func ((GDestroyNotify)dsn_dns_rr_free);
  ans.cnames = g_ptr_array_new_with_free_func ((GDestroyNotify)dsn_dns_rr_free);
  dsn_dns_parse_response (data + 2, size - 2, types[data[0] % G_N_ELEMENTS (types)], &ans);
  g_ptr_array_unref (ans.rrs);
  g_ptr_array_unref (ans.cnames);
  g_free (ans.name);
  return 0;
}
