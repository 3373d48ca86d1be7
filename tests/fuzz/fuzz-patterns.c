/* Fuzz target: the patterns loader, fed a user rules file.
 * SPDX-License-Identifier: BSD-2-Clause */
#include "fuzz.h"

#include "bounce/bounce.h"

#include <glib/gstdio.h>

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static char *dir, *path;
  if (!dir) {
    dir = g_dir_make_tmp ("dsn-fuzz-patterns-XXXXXX", NULL);
    path = g_build_filename (dir, "fuzz.rules", NULL);
  }
  if (!g_file_set_contents (path, (const char *)data, size, NULL))
    return 0;
  DsnAnalyzer *an = dsn_analyzer_new ();
  GError *error = NULL;
  if (dsn_analyzer_add_patterns_dir (an, dir, &error)) {
    /* A loaded file must also classify and lint without trouble. */
    DsnReport *rep = dsn_analyzer_classify_text (an, "550 5.1.1 user unknown", NULL, NULL);
    dsn_report_free (rep);
    dsn_analyzer_lint (an, NULL);
  }
  g_clear_error (&error);
  dsn_analyzer_free (an);
  g_remove (path);
  return 0;
}
