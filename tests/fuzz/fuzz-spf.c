/* Fuzz target: the SPF record parser and the macro expander (RFC 7208 §4.6,
 * §7), fed the same text.
 * SPDX-License-Identifier: BSD-2-Clause */
#include "fuzz.h"

#include "dns/dns.h"

#include <string.h>

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  char *text = g_strndup ((const char *)data, size);
  if (dsn_spf_is_record (text, strlen (text))) {
    DsnSpfRecord *rec = dsn_spf_record_parse (text, strlen (text));
    dsn_spf_record_free (rec);
  }
  DsnSpfMacroEnv env = {
    .sender = "strong-bad@email.example.com",
    .local = "strong-bad",
    .sender_domain = "email.example.com",
    .domain = "email.example.com",
    .family = 2, /* AF_INET */
    .addr = { 192, 0, 2, 3 },
    .helo = "mx.example.org",
    .validated = NULL,
    .receiver = "receiver.example.net",
    .now = 1700000000,
  };
  for (int explanation = 0; explanation < 2; explanation++) {
    if (dsn_spf_macro_valid (text, explanation)) {
      char *out = dsn_spf_expand (text, &env, explanation);
      if (out) {
        char *fit = dsn_spf_domain_fit (out);
        g_free (fit);
      }
      g_free (out);
    }
  }
  g_free (text);
  return 0;
}
