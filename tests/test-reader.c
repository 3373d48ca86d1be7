/* Unit tests for message intake (libdsn/intake.c): mbox splitting and
 * quoting, directories (loops, FIFOs), the size limit, newline normalization.
 * SPDX-License-Identifier: BSD-2-Clause */
#include "bounce/bounce.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* A long mbox (several reads of the reader's buffer) of messages mixing
 * what is copied as it is with what needs a look on every line: quoted
 * "From " lines, "From " in a paragraph, CRLF and lone CR newlines, blank
 * lines; each message comes back as written, newlines made LF. */
static void
test_mbox_long (void)
{
  GString *box = g_string_new (NULL);
  GPtrArray *want = g_ptr_array_new_with_free_func (g_free);
  for (int i = 0; i < 3000; i++) {
    const char *nl = i % 7 == 3 ? "\r\n" : i % 11 == 5 ? "\r" : "\n";
    GString *m = g_string_new (NULL);
    g_string_append_printf (m, "Subject: message %d\n\n", i);
    for (int k = 0; k < i % 40; k++)
      g_string_append_printf (m, "%sline %d of %d %s\n", k % 9 == 4 ? "\n" : "", k, i,
                              k % 13 == 6  ? ">From a quoted one"
                              : k % 5 == 2 ? "\nFrom inside a paragraph\nFeet first"
                                           : "0123456789abcdefghijklmnopqrstuvwxyz");
    g_string_append_printf (box, "From x@example.org Mon Jan  1 00:00:%02d 2024%s", i % 60, nl);
    for (const char *p = m->str; *p; p++) {
      if (*p == '\n')
        g_string_append (box, nl);
      else
        g_string_append_c (box, *p);
      /* mboxrd: a line starting with '>'s then "From " gains one '>'. */
      if ((p == m->str || p[-1] == '\n') && (!strncmp (p, "From ", 5) || !strncmp (p, ">From ", 6)))
        g_string_insert_c (box, box->len - 1, '>');
    }
    if (i < 2999)
      g_string_append (box, nl); /* the blank line before the next envelope */
    g_ptr_array_add (want, g_string_free (m, FALSE));
  }
  g_assert_cmpuint (box->len, >, 3 * 256 * 1024);
  g_autofree char *dir = NULL;
  g_autofree char *path = write_tmp ("box", box->str, &dir);
  g_string_free (box, TRUE);
  g_autoptr (GError) error = NULL;
  g_autoptr (DsnReader) r = dsn_reader_new (path, DSN_FORMAT_AUTO, &error);
  g_assert_no_error (error);
  GBytes *data;
  guint n = 0;
  while (dsn_reader_next (r, &data, NULL, NULL, &error)) {
    g_assert_no_error (error);
    g_assert_cmpuint (n, <, want->len);
    gsize len;
    const char *s = g_bytes_get_data (data, &len);
    g_assert_cmpmem (s, len, want->pdata[n], strlen (want->pdata[n]));
    g_bytes_unref (data);
    n++;
  }
  g_assert_cmpuint (n, ==, want->len);
  g_ptr_array_unref (want);
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

/* A FIFO put in a Maildir after it was listed must not hang the reader:
 * it is an error for that entry, and the next file is read. */
static void
test_fifo_after_listing (void)
{
  g_autofree char *dir = g_dir_make_tmp ("dsn-maildir-XXXXXX", NULL);
  g_autofree char *cur = g_build_filename (dir, "cur", NULL);
  g_mkdir (cur, 0700);
  g_autofree char *m1 = g_build_filename (cur, "1.msg", NULL);
  g_autofree char *m2 = g_build_filename (cur, "2.msg", NULL);
  g_file_set_contents (m1, "Subject: a\n\n", -1, NULL);
  g_file_set_contents (m2, "Subject: b\n\n", -1, NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (DsnReader) r = dsn_reader_new (dir, DSN_FORMAT_AUTO, &error);
  g_assert_no_error (error);
  g_remove (m1);
  g_assert_cmpint (mkfifo (m1, 0600), ==, 0);
  GBytes *data;
  g_assert_true (dsn_reader_next (r, &data, NULL, NULL, &error));
  g_assert_null (data);
  g_assert_error (error, DSN_ERROR, DSN_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "FIFO"));
  g_clear_error (&error);
  g_assert_true (dsn_reader_next (r, &data, NULL, NULL, &error));
  g_assert_no_error (error);
  g_bytes_unref (data);
  g_assert_false (dsn_reader_next (r, &data, NULL, NULL, &error));
  g_remove (m1);
  g_remove (m2);
  g_rmdir (cur);
  g_rmdir (dir);
}

/* A folder that links back to itself is read once. */
static void
test_dir_loop (void)
{
  g_autofree char *dir = g_dir_make_tmp ("dsn-maildir-XXXXXX", NULL);
  g_autofree char *cur = g_build_filename (dir, "cur", NULL);
  g_mkdir (cur, 0700);
  g_autofree char *m1 = g_build_filename (cur, "1.msg", NULL);
  g_file_set_contents (m1, "Subject: a\n\n", -1, NULL);
  g_autofree char *loop = g_build_filename (cur, "up", NULL);
  g_autofree char *self = g_build_filename (dir, "self", NULL);
  g_assert_cmpint (symlink ("..", loop), ==, 0);
  g_assert_cmpint (symlink (".", self), ==, 0);
  g_autoptr (GError) error = NULL;
  g_autoptr (DsnReader) r = dsn_reader_new (dir, DSN_FORMAT_AUTO, &error);
  GBytes *data;
  int n = 0;
  while (dsn_reader_next (r, &data, NULL, NULL, &error)) {
    g_assert_no_error (error);
    g_bytes_unref (data);
    n++;
  }
  g_assert_cmpint (n, ==, 1);
  g_remove (loop);
  g_remove (self);
  g_remove (m1);
  g_rmdir (cur);
  g_rmdir (dir);
}

/* Past the size limit a message is an error and the next one is read; a
 * dated envelope line starts a message without a blank line before it. */
static void
test_max_size (void)
{
  g_autofree char *dir = NULL;
  GString *box = g_string_new ("From a Mon Jan  1 00:00:00 2024\nSubject: big\n\n");
  for (int i = 0; i < 100; i++)
    g_string_append (box, "0123456789012345678901234567890123456789\n");
  g_string_append (box, "cut in the midd\nFrom b Mon Jan  1 00:00:01 2024\nSubject: small\n\nhi\n");
  g_autofree char *path = write_tmp ("box", box->str, &dir);
  g_string_free (box, TRUE);
  g_autoptr (GError) error = NULL;
  g_autoptr (DsnReader) r = dsn_reader_new (path, DSN_FORMAT_AUTO, &error);
  dsn_reader_set_max_size (r, 1000);
  GBytes *data;
  g_assert_true (dsn_reader_next (r, &data, NULL, NULL, &error));
  g_assert_null (data);
  g_assert_error (error, DSN_ERROR, DSN_ERROR_LIMIT);
  g_clear_error (&error);
  g_assert_true (dsn_reader_next (r, &data, NULL, NULL, &error));
  g_assert_no_error (error);
  gsize len;
  const char *s = g_bytes_get_data (data, &len);
  g_assert_cmpmem (s, len, "Subject: small\n\nhi\n", 19);
  g_bytes_unref (data);
  g_assert_false (dsn_reader_next (r, &data, NULL, NULL, &error));
  /* The whole file as one message: refused before reading. */
  g_autoptr (DsnReader) one = dsn_reader_new (path, DSN_FORMAT_MESSAGE, &error);
  dsn_reader_set_max_size (one, 1000);
  g_assert_true (dsn_reader_next (one, &data, NULL, NULL, &error));
  g_assert_null (data);
  g_assert_error (error, DSN_ERROR, DSN_ERROR_LIMIT);
  g_remove (path);
  g_rmdir (dir);
}

/* An mbox may start with blank lines or a byte order mark. */
static void
test_mbox_sniffing (void)
{
  g_autofree char *dir = NULL;
  g_autofree char *path
      = write_tmp ("box",
                   "\xef\xbb\xbf\n\nFrom a Mon Jan  1 00:00:00 2024\nSubject: one\n\n"
                   "From b Mon Jan  1 00:00:01 2024\nSubject: two\n\n",
                   &dir);
  g_autoptr (GError) error = NULL;
  g_autoptr (DsnReader) r = dsn_reader_new (path, DSN_FORMAT_AUTO, &error);
  g_assert_cmpint (dsn_reader_get_format (r), ==, DSN_FORMAT_MBOX);
  GBytes *data;
  gsize len;
  g_assert_true (dsn_reader_next (r, &data, NULL, NULL, &error));
  const char *s = g_bytes_get_data (data, &len);
  g_assert_cmpmem (s, len, "Subject: one\n", 13);
  g_bytes_unref (data);
  g_assert_true (dsn_reader_next (r, &data, NULL, NULL, &error));
  g_bytes_unref (data);
  g_assert_false (dsn_reader_next (r, &data, NULL, NULL, &error));
  g_remove (path);
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
  g_test_add_func ("/reader/mbox-long", test_mbox_long);
  g_test_add_func ("/reader/mbox-cr", test_mbox_cr);
  g_test_add_func ("/reader/dir", test_dir);
  g_test_add_func ("/reader/missing", test_missing);
  g_test_add_func ("/reader/fifo-after-listing", test_fifo_after_listing);
  g_test_add_func ("/reader/dir-loop", test_dir_loop);
  g_test_add_func ("/reader/max-size", test_max_size);
  g_test_add_func ("/reader/mbox-sniffing", test_mbox_sniffing);
  g_test_add_func ("/reader/normalize", test_normalize);
  return g_test_run ();
}
