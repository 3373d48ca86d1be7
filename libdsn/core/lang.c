/* The languages every text of the library is written in.
 * SPDX-License-Identifier: BSD-2-Clause */
#include "core.h"

static const char *const langs[DSN_N_LANGS] = { "en", "fr" };

int
dsn_lang_index (const char *lang)
{
  if (!lang)
    return 0;
  for (int i = 0; i < DSN_N_LANGS; i++)
    if (g_ascii_strncasecmp (lang, langs[i], 2) == 0)
      return i;
  return 0;
}

const char *
dsn_lang_name (int i)
{
  return i >= 0 && i < DSN_N_LANGS ? langs[i] : NULL;
}
