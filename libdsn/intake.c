/* Message intake: raw bytes to a normalized buffer, and the reader that splits
 * files, mboxes and Maildirs into messages without holding more than one.
 * SPDX-License-Identifier: BSD-2-Clause */
#include "dsn-private.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* ------------------------------------------------------------ newlines */

/* Copies DATA with every CRLF and lone CR turned into LF and NUL bytes into
 * spaces (the text scanners are C-string based). The result is NUL-terminated
 * beyond its length. *NULS receives the number of NUL bytes replaced. */
GByteArray *
dsn_intake_normalize (const char *data, gsize len, gsize *nuls)
{
  GByteArray *out = g_byte_array_sized_new (len + 2);
  g_byte_array_set_size (out, len + 1);
  guint8 *w = out->data;
  gsize n = 0;
  *nuls = 0;
  for (gsize i = 0; i < len; i++) {
    char c = data[i];
    if (c == '\r') {
      w[n++] = '\n';
      if (i + 1 < len && data[i + 1] == '\n')
        i++;
    } else if (c == '\0') {
      w[n++] = ' ';
      (*nuls)++;
    } else {
      w[n++] = c;
    }
  }
  w[n] = '\0';
  g_byte_array_set_size (out, n);
  return out;
}

/* ------------------------------------------------------------ reader */

struct _DsnReader {
  DsnFormat format;
  char *path;
  /* mbox and single-file input */
  FILE *fp;
  gboolean own_fp;
  GString *pending;  /* the "From " line that started the next message */
  guint index;
  gboolean done;
  /* directories */
  GPtrArray *files;  /* sorted paths */
  guint next_file;
  char *current;     /* path of the file last returned */
};

static gboolean
is_from_line (const char *line, gsize len)
{
  return len >= 5 && memcmp (line, "From ", 5) == 0;
}

static void
collect_dir (GPtrArray *files, const char *dir, int depth)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  if (!d)
    return;
  const char *name;
  g_autoptr (GPtrArray) here = g_ptr_array_new_with_free_func (g_free);
  while ((name = g_dir_read_name (d))) {
    if (name[0] == '.')
      continue; /* Maildir++ subfolders (.Sent) and hidden files are separate folders */
    g_ptr_array_add (here, g_build_filename (dir, name, NULL));
  }
  for (guint i = 0; i < here->len; i++) {
    const char *p = here->pdata[i];
    if (g_file_test (p, G_FILE_TEST_IS_DIR)) {
      /* A Maildir's tmp/ holds messages still being written. */
      const char *base = strrchr (p, '/') ? strrchr (p, '/') + 1 : p;
      if (strcmp (base, "tmp") == 0 || depth > 8)
        continue;
      collect_dir (files, p, depth + 1);
    } else if (g_file_test (p, G_FILE_TEST_IS_REGULAR)) {
      g_ptr_array_add (files, g_strdup (p));
    }
  }
}

static int
compare_paths (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

DsnReader *
dsn_reader_new (const char *path, DsnFormat format, GError **error)
{
  g_return_val_if_fail (path, NULL);
  g_autoptr (DsnReader) r = g_new0 (DsnReader, 1);
  r->path = g_strdup (path);
  r->pending = g_string_new (NULL);

  gboolean is_stdin = strcmp (path, "-") == 0;
  if (!is_stdin && g_file_test (path, G_FILE_TEST_IS_DIR)) {
    if (format != DSN_FORMAT_AUTO && format != DSN_FORMAT_DIR) {
      g_set_error (error, DSN_ERROR, DSN_ERROR_IO, "%s: is a directory", path);
      return NULL;
    }
    r->format = DSN_FORMAT_DIR;
    r->files = g_ptr_array_new_with_free_func (g_free);
    collect_dir (r->files, path, 0);
    g_ptr_array_sort (r->files, compare_paths);
    return g_steal_pointer (&r);
  }
  if (format == DSN_FORMAT_DIR) {
    g_set_error (error, DSN_ERROR, DSN_ERROR_IO, "%s: not a directory", path);
    return NULL;
  }
  if (is_stdin) {
    r->fp = stdin;
  } else {
    r->fp = fopen (path, "rb");
    if (!r->fp) {
      int e = errno;
      g_set_error (error, DSN_ERROR, DSN_ERROR_IO, "%s: %s", path, g_strerror (e));
      return NULL;
    }
    r->own_fp = TRUE;
  }
  r->format = format;
  if (format == DSN_FORMAT_AUTO) {
    /* An mbox starts with a "From " line; anything else is one message. */
    char head[5];
    int c, n = 0;
    while (n < 5 && (c = getc (r->fp)) != EOF)
      head[n++] = (char) c;
    r->format = (n == 5 && memcmp (head, "From ", 5) == 0) ? DSN_FORMAT_MBOX : DSN_FORMAT_MESSAGE;
    g_string_append_len (r->pending, head, n);
  }
  return g_steal_pointer (&r);
}

DsnFormat
dsn_reader_get_format (const DsnReader *reader)
{
  return reader->format;
}

static GBytes *
read_all (FILE *fp, GString *prefix, GError **error)
{
  GString *s = g_string_sized_new (prefix->len + 65536);
  g_string_append_len (s, prefix->str, prefix->len);
  g_string_truncate (prefix, 0);
  char buf[65536];
  size_t n;
  while ((n = fread (buf, 1, sizeof buf, fp)) > 0)
    g_string_append_len (s, buf, n);
  if (ferror (fp)) {
    int e = errno;
    g_string_free (s, TRUE);
    g_set_error (error, DSN_ERROR, DSN_ERROR_IO, "read error: %s", g_strerror (e));
    return NULL;
  }
  return g_string_free_to_bytes (s);
}

/* Reads one line (with its newline) into LINE; FALSE at end of file. */
static gboolean
read_line (FILE *fp, GString *line)
{
  g_string_truncate (line, 0);
  char buf[4096];
  while (fgets (buf, sizeof buf, fp)) {
    g_string_append (line, buf);
    if (line->len && line->str[line->len - 1] == '\n')
      return TRUE;
  }
  return line->len > 0;
}

/* One mbox message: from the "From " line in r->pending to the next one.
 * mboxrd quoting (">From ", ">>From ") loses one '>'. */
static GBytes *
read_mbox_message (DsnReader *r)
{
  GString *msg = g_string_new (NULL);
  g_autoptr (GString) line = g_string_new (NULL);
  gboolean have_from = FALSE;
  /* The first 5 bytes were peeked; complete the envelope line. */
  if (r->pending->len > 0) {
    g_string_assign (line, r->pending->str);
    g_string_truncate (r->pending, 0);
    if (line->str[line->len - 1] != '\n') {
      g_autoptr (GString) rest = g_string_new (NULL);
      read_line (r->fp, rest);
      g_string_append_len (line, rest->str, rest->len);
    }
    have_from = is_from_line (line->str, line->len);
  } else if (!read_line (r->fp, line)) {
    g_string_free (msg, TRUE);
    return NULL;
  } else {
    have_from = is_from_line (line->str, line->len);
  }
  /* The envelope line is not part of the message. */
  if (!have_from)
    g_string_append_len (msg, line->str, line->len);
  gboolean prev_blank = FALSE;
  while (read_line (r->fp, line)) {
    if (is_from_line (line->str, line->len) && (prev_blank || msg->len == 0)) {
      g_string_assign (r->pending, line->str);
      break;
    }
    const char *l = line->str;
    gsize q = 0;
    while (q < line->len && l[q] == '>')
      q++;
    if (q > 0 && line->len - q >= 5 && memcmp (l + q, "From ", 5) == 0)
      g_string_append_len (msg, l + 1, line->len - 1);
    else
      g_string_append_len (msg, l, line->len);
    prev_blank = line->len == 1 || (line->len == 2 && l[0] == '\r');
  }
  /* The blank line that separates messages belongs to the mbox, not the message. */
  if (r->pending->len > 0 && msg->len > 0 && msg->str[msg->len - 1] == '\n')
    g_string_truncate (msg, msg->len - 1);
  if (r->pending->len == 0)
    r->done = TRUE;
  return g_string_free_to_bytes (msg);
}

gboolean
dsn_reader_next (DsnReader *r, GBytes **data, const char **path, guint *index, GError **error)
{
  g_return_val_if_fail (r && data, FALSE);
  *data = NULL;
  if (index)
    *index = 0;
  if (path)
    *path = r->path;

  if (r->format == DSN_FORMAT_DIR) {
    if (r->next_file >= r->files->len)
      return FALSE;
    g_free (r->current);
    r->current = g_strdup (r->files->pdata[r->next_file++]);
    if (path)
      *path = r->current;
    char *contents;
    gsize len;
    GError *e = NULL;
    if (!g_file_get_contents (r->current, &contents, &len, &e)) {
      g_set_error (error, DSN_ERROR, DSN_ERROR_IO, "%s", e->message);
      g_error_free (e);
      return TRUE;
    }
    *data = g_bytes_new_take (contents, len);
    return TRUE;
  }

  if (r->done)
    return FALSE;
  if (r->format == DSN_FORMAT_MESSAGE) {
    r->done = TRUE;
    *data = read_all (r->fp, r->pending, error);
    return TRUE;
  }
  /* mbox */
  if (feof (r->fp) && r->pending->len == 0) {
    r->done = TRUE;
    return FALSE;
  }
  GBytes *msg = read_mbox_message (r);
  if (!msg) {
    r->done = TRUE;
    return FALSE;
  }
  r->index++;
  if (index)
    *index = r->index;
  if (ferror (r->fp)) {
    int e = errno;
    g_bytes_unref (msg);
    g_set_error (error, DSN_ERROR, DSN_ERROR_IO, "%s: read error: %s", r->path, g_strerror (e));
    r->done = TRUE;
    return TRUE;
  }
  *data = msg;
  return TRUE;
}

void
dsn_reader_free (DsnReader *r)
{
  if (!r)
    return;
  if (r->own_fp && r->fp)
    fclose (r->fp);
  g_free (r->path);
  g_free (r->current);
  if (r->pending)
    g_string_free (r->pending, TRUE);
  if (r->files)
    g_ptr_array_unref (r->files);
  g_free (r);
}
