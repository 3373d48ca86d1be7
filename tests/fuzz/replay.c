/* Replays inputs through a fuzz target without libFuzzer: each argument is a
 * file or a directory of files. Part of the normal test suite, so every test
 * message and every saved crash is replayed, under ASan+UBSan in CI.
 * Prints TAP: one line per input.
 * SPDX-License-Identifier: BSD-2-Clause */
#include "fuzz.h"

#include <glib.h>
#include <stdio.h>
#include <string.h>

static int n;

static int
cmp_path (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *)a, *(char *const *)b);
}

static void
replay (const char *path)
{
  if (g_file_test (path, G_FILE_TEST_IS_DIR)) {
    GDir *d = g_dir_open (path, 0, NULL);
    if (!d)
      return;
    GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
    const char *name;
    while ((name = g_dir_read_name (d)))
      if (name[0] != '.')
        g_ptr_array_add (names, g_build_filename (path, name, NULL));
    g_dir_close (d);
    g_ptr_array_sort (names, cmp_path);
    for (guint i = 0; i < names->len; i++)
      replay (names->pdata[i]);
    g_ptr_array_unref (names);
    return;
  }
  char *data;
  gsize len;
  if (!g_file_get_contents (path, &data, &len, NULL))
    return;
  LLVMFuzzerTestOneInput ((const uint8_t *)data, len);
  g_free (data);
  printf ("ok %d - %s\n", ++n, path);
}

int
main (int argc, char **argv)
{
  for (int i = 1; i < argc; i++)
    replay (argv[i]);
  printf ("1..%d\n", n);
  return 0;
}
