/* Build-time helper: writes the serialised automaton of the built-in
 * patterns to the file named by its argument, for the shared library to
 * embed (rules.c reads it in place instead of building it at every start).
 * Linked with the static library, which has no image: the automaton written
 * is the one built at run time, from the same patterns.
 * SPDX-License-Identifier: BSD-2-Clause */
#include "bounce.h"

#include <stdio.h>

int
main (int argc, char **argv)
{
  if (argc != 2) {
    fprintf (stderr, "usage: %s OUTPUT\n", argv[0]);
    return 2;
  }
  g_autoptr (GError) error = NULL;
  DsnRules *rules = dsn_rules_new_builtin (&error);
  if (!rules) {
    fprintf (stderr, "%s: %s\n", argv[0], error->message);
    return 1;
  }
  g_autoptr (GBytes) image = dsn_rules_automaton_image (rules);
  dsn_rules_free (rules);
  gsize len;
  const char *data = g_bytes_get_data (image, &len);
  if (!g_file_set_contents (argv[1], data, len, &error)) {
    fprintf (stderr, "%s: %s\n", argv[0], error->message);
    return 1;
  }
  return 0;
}
