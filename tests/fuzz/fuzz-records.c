/* Fuzz target: the DNS record parsers of mailcheck (DMARC, DKIM key,
 * MTA-STS record and policy, TLS-RPT, BIMI, tag lists): the first byte picks
 * the parser, the rest is the record.
 * SPDX-License-Identifier: BSD-2-Clause */
#include "fuzz.h"

#include "dns/dns.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  if (size < 1)
    return 0;
  char *text = g_strndup ((const char *)data + 1, size - 1);
  switch (data[0] % 7) {
  case 0: dsn_dmarc_record_free (dsn_dmarc_parse (text)); break;
  case 1: dsn_dkim_key_free (dsn_dkim_parse (text)); break;
  case 2: dsn_sts_record_free (dsn_sts_record_parse (text)); break;
  case 3: dsn_sts_policy_free (dsn_sts_policy_parse ((const char *)data + 1, size - 1)); break;
  case 4: dsn_tlsrpt_record_free (dsn_tlsrpt_parse (text)); break;
  case 5: dsn_bimi_record_free (dsn_bimi_parse (text)); break;
  default: {
    DsnFinding *error = NULL;
    GPtrArray *tags = dsn_taglist_parse (text, &error);
    if (tags)
      g_ptr_array_unref (tags);
    dsn_finding_free (error);
  }
  }
  g_free (text);
  return 0;
}
