/* Message intake: raw bytes to a normalized buffer, and the reader that splits
 * files, mboxes and Maildirs into messages without holding more than one.
 * SPDX-License-Identifier: BSD-2-Clause */
#include "core.h"

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
  gsize n = 0, i = 0;
  *nuls = 0;
  if (len == 0) { /* DATA may then be NULL (an empty GByteArray's) */
    w[0] = '\0';
    g_byte_array_set_size (out, 0);
    return out;
  }
  /* Copy the runs between special bytes whole: most messages have none. */
  const char *end = data + len;
  const char *next_cr = memchr (data, '\r', len);
  const char *next_nul = memchr (data, '\0', len);
  while (i < len) {
    const char *p = data + i;
    if (next_cr && next_cr < p)
      next_cr = memchr (p, '\r', end - p);
    if (next_nul && next_nul < p)
      next_nul = memchr (p, '\0', end - p);
    const char *stop = end;
    if (next_cr && next_cr < stop)
      stop = next_cr;
    if (next_nul && next_nul < stop)
      stop = next_nul;
    memcpy (w + n, p, stop - p);
    n += stop - p;
    i = stop - data;
    if (i >= len)
      break;
    if (*stop == '\r') {
      w[n++] = '\n';
      i += (i + 1 < len && data[i + 1] == '\n') ? 2 : 1;
    } else {
      w[n++] = ' ';
      (*nuls)++;
      i++;
    }
  }
  w[n] = '\0';
  g_byte_array_set_size (out, n);
  return out;
}

/* ------------------------------------------------------------ reader */

#define READ_BUF (256 * 1024)

struct _DsnReader {
  DsnFormat format;
  char *path;
  /* mbox and single-file input */
  FILE *fp;
  gboolean own_fp;
  /* Our own buffer, so that lines may end in LF, CRLF or a lone CR (old Mac
   * mboxes) and the format can be sniffed without consuming input. */
  char *buf;
  gsize buf_pos, buf_len;
  gboolean eof;
  int read_errno;
  GString *pending; /* the "From " line that started the next message */
  guint index;
  gboolean done;
  /* directories */
  GPtrArray *files; /* sorted paths */
  guint next_file;
  char *current; /* path of the file last returned */
};

static gboolean fill (DsnReader *r);

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
  return strcmp (*(const char *const *)a, *(const char *const *)b);
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
  r->buf = g_malloc (READ_BUF);
  if (format == DSN_FORMAT_AUTO) {
    /* An mbox starts with a "From " line; anything else is one message. */
    fill (r);
    r->format = (r->buf_len - r->buf_pos >= 5 && memcmp (r->buf + r->buf_pos, "From ", 5) == 0)
                    ? DSN_FORMAT_MBOX
                    : DSN_FORMAT_MESSAGE;
  }
  return g_steal_pointer (&r);
}

DsnFormat
dsn_reader_get_format (const DsnReader *reader)
{
  return reader->format;
}

/* Refills the buffer when it is exhausted; FALSE at end of input. */
static gboolean
fill (DsnReader *r)
{
  if (r->buf_pos < r->buf_len)
    return TRUE;
  if (r->eof)
    return FALSE;
  r->buf_pos = 0;
  r->buf_len = fread (r->buf, 1, READ_BUF, r->fp);
  if (r->buf_len == 0) {
    r->eof = TRUE;
    if (ferror (r->fp))
      r->read_errno = errno ? errno : EIO;
    return FALSE;
  }
  return TRUE;
}

static GBytes *
read_all (DsnReader *r, GError **error)
{
  GString *s = g_string_sized_new (65536);
  while (fill (r)) {
    g_string_append_len (s, r->buf + r->buf_pos, r->buf_len - r->buf_pos);
    r->buf_pos = r->buf_len;
  }
  if (r->read_errno) {
    g_string_free (s, TRUE);
    g_set_error (error, DSN_ERROR, DSN_ERROR_IO, "%s: read error: %s", r->path,
                 g_strerror (r->read_errno));
    return NULL;
  }
  return g_string_free_to_bytes (s);
}

/* Reads one line into LINE, ending it with LF whatever its newline was;
 * FALSE at end of input. */
static gboolean
read_line (DsnReader *r, GString *line)
{
  g_string_truncate (line, 0);
  while (fill (r)) {
    const char *start = r->buf + r->buf_pos;
    const char *end = r->buf + r->buf_len;
    const char *p = start;
    while (p < end && *p != '\n' && *p != '\r')
      p++;
    g_string_append_len (line, start, p - start);
    if (p == end) {
      r->buf_pos = r->buf_len;
      continue;
    }
    r->buf_pos = p - r->buf + 1;
    if (*p == '\r' && fill (r) && r->buf[r->buf_pos] == '\n')
      r->buf_pos++;
    g_string_append_c (line, '\n');
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
  if (r->pending->len > 0) {
    g_string_assign (line, r->pending->str);
    g_string_truncate (r->pending, 0);
  } else if (!read_line (r, line)) {
    g_string_free (msg, TRUE);
    return NULL;
  }
  have_from = is_from_line (line->str, line->len);
  /* The envelope line is not part of the message. */
  if (!have_from)
    g_string_append_len (msg, line->str, line->len);
  gboolean prev_blank = FALSE;
  while (read_line (r, line)) {
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
    prev_blank = line->len == 1;
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
    *data = read_all (r, error);
    return TRUE;
  }
  /* mbox */
  if (!fill (r) && r->pending->len == 0) {
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
  if (r->read_errno) {
    g_bytes_unref (msg);
    g_set_error (error, DSN_ERROR, DSN_ERROR_IO, "%s: read error: %s", r->path,
                 g_strerror (r->read_errno));
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
  g_free (r->buf);
  g_free (r->current);
  if (r->pending)
    g_string_free (r->pending, TRUE);
  if (r->files)
    g_ptr_array_unref (r->files);
  g_free (r);
}
