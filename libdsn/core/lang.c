/* The languages every text of the library is written in: data, read once
 * from catalogue/languages.keys, so that a language is added without
 * touching the code.
 * SPDX-License-Identifier: BSD-2-Clause */
#include "core.h"

#include <pthread.h>
#include <string.h>

#include "dsn-catalogue-resource.h"

static char **
load_languages (void)
{
  g_autoptr (GBytes) bytes = g_resource_lookup_data (
      dsn_catalogue_get_resource (), "/org/libdsn/catalogue/languages.keys", 0, NULL);
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  gsize len = 0;
  const char *text = bytes ? g_bytes_get_data (bytes, &len) : NULL;
  char **codes = NULL;
  if (text && g_key_file_load_from_data (kf, text, len, G_KEY_FILE_NONE, NULL))
    codes = g_key_file_get_string_list (kf, "languages", "codes", NULL, NULL);
  if (!codes || !codes[0]) {
    g_critical ("catalogue: no language list");
    g_strfreev (codes);
    codes = g_new0 (char *, 2);
    codes[0] = g_strdup ("en");
  }
  return codes;
}

/* pthread_once, not g_once: ThreadSanitizer sees its ordering (GLib's is
 * invisible to it), so the threads reading what it made are checked. */
static pthread_once_t languages_once = PTHREAD_ONCE_INIT;
static char **languages;
static int n_languages;

static void
languages_init (void)
{
  languages = load_languages ();
  n_languages = (int)g_strv_length (languages);
}

const char *const *
dsn_catalogue_get_languages (void)
{
  pthread_once (&languages_once, languages_init);
  return (const char *const *)languages;
}

int
dsn_lang_count (void)
{
  pthread_once (&languages_once, languages_init);
  return n_languages;
}

int
dsn_lang_index (const char *lang)
{
  if (!lang)
    return 0;
  const char *const *langs = dsn_catalogue_get_languages ();
  for (int i = 0; langs[i]; i++)
    if (g_ascii_strncasecmp (lang, langs[i], strlen (langs[i])) == 0)
      return i;
  return 0;
}

const char *
dsn_lang_name (int i)
{
  return i >= 0 && i < dsn_lang_count () ? dsn_catalogue_get_languages ()[i] : NULL;
}
