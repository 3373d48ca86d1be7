/* Unit tests for message intake (libdsn/intake.c): mbox splitting and
 * quoting, directories, newline normalization.
 * SPDX-License-Identifier: BSD-2-Clause */
#include "bounce/bounce.h"

#include <glib/gstdio.h>
#include <string.h>

static char *
write_tmp (const char *name, const char *contents, char **dir_out)
{
  char *dir = g_dir_make_tmp ("dsn-reader-XXXXXX", NULL);
  char *path = g_build_filename (dir, name, NULL);
  g_assert_true (g_file_set_contents (path, contents, -1, NULL));
  *dir_out = dir;
  return path;
}

static void
test_mbox (void)
{
  g_autofree char *dir = NULL;
  g_autofree char *path = write_tmp ("box",
                                     "From a@example.org Mon Jan  1 00:00:00 2024\n"
                                     "Subject: one\n\nbody\n>From quoted\n\n"
                                     "From b@example.org Mon Jan  1 00:00:01 2024\n"
                                     "Subject: two\n\nbody\nFrom inside a paragraph is kept\n",
                                     &dir);
  g_autoptr (GError) error = NULL;
  g_autoptr (DsnReader) r = dsn_reader_new (path, DSN_FORMAT_AUTO, &error);
  g_assert_no_error (error);
  g_assert_cmpint (dsn_reader_get_format (r), ==, DSN_FORMAT_MBOX);
  GBytes *data;
  guint index;
  g_assert_true (dsn_reader_next (r, &data, NULL, &index, &error));
  g_assert_cmpuint (index, ==, 1);
  gsize len;
  const char *s = g_bytes_get_data (data, &len);
  g_assert_cmpmem (s, len, "Subject: one\n\nbody\nFrom quoted\n", 31);
  g_bytes_unref (data);
  g_assert_true (dsn_reader_next (r, &data, NULL, &index, &error));
  g_assert_cmpuint (index, ==, 2);
  s = g_bytes_get_data (data, &len);
  g_assert_true (g_str_has_prefix (s, "Subject: two\n"));
  g_bytes_unref (data);
  g_assert_false (dsn_reader_next (r, &data, NULL, &index, &error));
  g_remove (path);
  g_rmdir (dir);
}

/* Old Mac mboxes end lines with a lone CR. */
static void
test_mbox_cr (void)
{
  g_autofree char *dir = NULL;
  g_autofree char *path = write_tmp ("box",
                                     "From a Mon Jan  1 00:00:00 2024\rSubject: one\r\rbody\r\r"
                                     "From b Mon Jan  1 00:00:01 2024\rSubject: two\r\rtext\r",
                                     &dir);
  g_autoptr (GError) error = NULL;
  g_autoptr (DsnReader) r = dsn_reader_new (path, DSN_FORMAT_AUTO, &error);
  g_assert_cmpint (dsn_reader_get_format (r), ==, DSN_FORMAT_MBOX);
  GBytes *data;
  gsize len;
  g_assert_true (dsn_reader_next (r, &data, NULL, NULL, &error));
  const char *s = g_bytes_get_data (data, &len);
  g_assert_cmpmem (s, len, "Subject: one\n\nbody\n", 19);
  g_bytes_unref (data);
  g_assert_true (dsn_reader_next (r, &data, NULL, NULL, &error));
  s = g_bytes_get_data (data, &len);
  g_assert_cmpmem (s, len, "Subject: two\n\ntext\n", 19);
  g_bytes_unref (data);
  g_assert_false (dsn_reader_next (r, &data, NULL, NULL, &error));
  g_remove (path);
  g_rmdir (dir);
}

static void
test_dir (void)
{
  g_autofree char *dir = g_dir_make_tmp ("dsn-maildir-XXXXXX", NULL);
  g_autofree char *cur = g_build_filename (dir, "cur", NULL);
  g_autofree char *tmp = g_build_filename (dir, "tmp", NULL);
  g_mkdir (cur, 0700);
  g_mkdir (tmp, 0700);
  g_autofree char *m1 = g_build_filename (cur, "1.msg", NULL);
  g_autofree char *m2 = g_build_filename (cur, "2.msg", NULL);
  g_autofree char *m3 = g_build_filename (tmp, "3.msg", NULL);
  g_file_set_contents (m1, "Subject: a\n\n", -1, NULL);
  g_file_set_contents (m2, "Subject: b\n\n", -1, NULL);
  g_file_set_contents (m3, "Subject: partial\n\n", -1, NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (DsnReader) r = dsn_reader_new (dir, DSN_FORMAT_AUTO, &error);
  g_assert_no_error (error);
  g_assert_cmpint (dsn_reader_get_format (r), ==, DSN_FORMAT_DIR);
  GBytes *data;
  const char *path;
  int n = 0;
  while (dsn_reader_next (r, &data, &path, NULL, &error)) {
    g_assert_no_error (error);
    g_assert_nonnull (strstr (path, "/cur/"));
    g_bytes_unref (data);
    n++;
  }
  g_assert_cmpint (n, ==, 2); /* tmp/ is skipped */
  g_remove (m1);
  g_remove (m2);
  g_remove (m3);
  g_rmdir (cur);
  g_rmdir (tmp);
  g_rmdir (dir);
}

static void
test_missing (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (DsnReader) r = dsn_reader_new ("/nonexistent/file.eml", DSN_FORMAT_AUTO, &error);
  g_assert_null (r);
  g_assert_error (error, DSN_ERROR, DSN_ERROR_IO);
}

static void
test_normalize (void)
{
  gsize nuls;
  g_autoptr (GByteArray) a = dsn_intake_normalize ("a\r\nb\rc\nd\0e", 10, &nuls);
  g_assert_cmpmem (a->data, a->len, "a\nb\nc\nd e", 9);
  g_assert_cmpuint (nuls, ==, 1);
  g_assert_cmpint (a->data[a->len], ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/reader/mbox", test_mbox);
  g_test_add_func ("/reader/mbox-cr", test_mbox_cr);
  g_test_add_func ("/reader/dir", test_dir);
  g_test_add_func ("/reader/missing", test_missing);
  g_test_add_func ("/reader/normalize", test_normalize);
  return g_test_run ();
}
