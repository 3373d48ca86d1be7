/* Message intake: raw bytes to a normalized buffer, and the reader that splits
 * files, mboxes and Maildirs into messages without holding more than one.
 * SPDX-License-Identifier: BSD-2-Clause */
#include "core.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
#define DEFAULT_MAX_SIZE (64 * 1024 * 1024)

struct _DsnReader {
  DsnFormat format;
  char *path;
  gsize max_size; /* no message is held beyond this */
  /* mbox and single-file input */
  int fd;
  gboolean own_fd;
  /* Our own buffer, so that lines may end in LF, CRLF or a lone CR (old Mac
   * mboxes) and the format can be sniffed without consuming input. */
  char *buf;
  gsize buf_pos, buf_len;
  gboolean eof;
  int read_errno;
  /* Where the next CR in BUF is (BUF_LEN: none after CR_FROM), as looked
   * for from CR_FROM; CR_KNOWN cleared when BUF is refilled. */
  gsize cr_from, cr_at;
  gboolean cr_known;
  gboolean pending; /* the envelope line of the next message was read */
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

static gboolean
is_word (const char *p, const char *const *words)
{
  for (; *words; words++)
    if (g_ascii_strncasecmp (p, *words, 3) == 0)
      return TRUE;
  return FALSE;
}

/* An envelope line with its date, "From sender@example.org Thu Jan  1
 * 00:00:00 2026" (asctime, optionally with a zone): unlike a body line that
 * happens to start with "From ", it starts a message even when no blank
 * line comes before it (a message cut in the middle of a line). */
static gboolean
is_envelope_line (const char *line, gsize len)
{
  static const char *const days[] = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun", NULL };
  static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul",
                                        "Aug", "Sep", "Oct", "Nov", "Dec", NULL };
  if (!is_from_line (line, len))
    return FALSE;
  const char *p = line + 5, *end = line + len;
  while (p < end && *p == ' ')
    p++;
  while (p < end && *p != ' ' && *p != '\t' && *p != '\n')
    p++; /* the sender */
  while (p < end && *p == ' ')
    p++;
  if (end - p < 3 || !is_word (p, days))
    return FALSE;
  p += 3;
  while (p < end && *p == ' ')
    p++;
  if (end - p < 3 || !is_word (p, months))
    return FALSE;
  p += 3;
  while (p < end && *p == ' ')
    p++;
  int digits = 0;
  while (p < end && g_ascii_isdigit (*p))
    p++, digits++;
  if (digits < 1 || digits > 2 || p == end || *p != ' ')
    return FALSE;
  while (p < end && *p == ' ')
    p++;
  /* hh:mm, then :ss */
  if (end - p < 5 || !g_ascii_isdigit (p[0]) || !g_ascii_isdigit (p[1]) || p[2] != ':'
      || !g_ascii_isdigit (p[3]) || !g_ascii_isdigit (p[4]))
    return FALSE;
  /* A four-digit year somewhere after the time. */
  for (p += 5; p + 4 <= end; p++)
    if (g_ascii_isdigit (p[0]) && g_ascii_isdigit (p[1]) && g_ascii_isdigit (p[2])
        && g_ascii_isdigit (p[3]) && (p + 4 == end || !g_ascii_isdigit (p[4])) && p[-1] == ' ')
      return TRUE;
  return FALSE;
}

/* A header field line, "Name: value" (RFC 5322 §2.2). */
static gboolean
is_field_line (const char *line, gsize len)
{
  gsize i = 0;
  while (i < len && line[i] > ' ' && line[i] < 127 && line[i] != ':')
    i++;
  return i > 0 && i < len && line[i] == ':';
}

/* ---- directories */

typedef struct {
  dev_t dev;
  ino_t ino;
} DirId;

static guint
dir_id_hash (gconstpointer p)
{
  const DirId *d = p;
  return g_int64_hash (&(gint64){ (gint64)d->ino }) ^ (guint)d->dev;
}

static gboolean
dir_id_equal (gconstpointer a, gconstpointer b)
{
  const DirId *x = a, *y = b;
  return x->dev == y->dev && x->ino == y->ino;
}

/* FALSE if the folder was seen already (a symbolic link back to it). */
static gboolean
first_visit (GHashTable *seen, const struct stat *st)
{
  DirId id = { st->st_dev, st->st_ino };
  if (g_hash_table_contains (seen, &id))
    return FALSE;
  g_hash_table_add (seen, g_memdup2 (&id, sizeof id));
  return TRUE;
}

/* Every entry of DIR to read, sub-folders first visited only: a folder
 * reached again through a symbolic link is not read twice, so links that
 * loop end. Entries that are neither folders nor regular files (FIFOs,
 * devices, dangling links) are listed too: reading them gives an error,
 * one result each. */
static void
collect_dir (GPtrArray *files, const char *dir, int depth, GHashTable *seen)
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
    struct stat st;
    if (stat (p, &st) == 0 && S_ISDIR (st.st_mode)) {
      /* A Maildir's tmp/ holds messages still being written. */
      const char *base = strrchr (p, '/') ? strrchr (p, '/') + 1 : p;
      if (strcmp (base, "tmp") == 0 || depth > 8 || !first_visit (seen, &st))
        continue;
      collect_dir (files, p, depth + 1, seen);
    } else {
      g_ptr_array_add (files, g_strdup (p));
    }
  }
}

static int
compare_paths (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *)a, *(const char *const *)b);
}

static void
set_size_error (GError **error, const char *path, gboolean known, guint64 size, gsize limit)
{
  if (known)
    g_set_error (error, DSN_ERROR, DSN_ERROR_LIMIT,
                 "%s: message of %" G_GUINT64_FORMAT
                 " bytes exceeds the size limit (%" G_GSIZE_FORMAT ")",
                 path, size, limit);
  else
    g_set_error (error, DSN_ERROR, DSN_ERROR_LIMIT,
                 "%s: message of more than %" G_GSIZE_FORMAT
                 " bytes exceeds the size limit (%" G_GSIZE_FORMAT ")",
                 path, limit, limit);
}

/* Reads one file of a directory: a regular file only (opening does not
 * block, so a FIFO put there after the listing cannot hang the run), and
 * no more than MAX bytes of it. */
static GBytes *
read_dir_file (const char *path, gsize max, GError **error)
{
  int fd = open (path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) {
    int e = errno;
    g_set_error (error, DSN_ERROR, DSN_ERROR_IO, "%s: %s", path, g_strerror (e));
    return NULL;
  }
  struct stat st;
  if (fstat (fd, &st) != 0) {
    int e = errno;
    close (fd);
    g_set_error (error, DSN_ERROR, DSN_ERROR_IO, "%s: %s", path, g_strerror (e));
    return NULL;
  }
  if (!S_ISREG (st.st_mode)) {
    close (fd);
    g_set_error (error, DSN_ERROR, DSN_ERROR_IO, "%s: %s, not a message file: skipped", path,
                 S_ISFIFO (st.st_mode)                          ? "a FIFO"
                 : S_ISCHR (st.st_mode) || S_ISBLK (st.st_mode) ? "a device"
                 : S_ISSOCK (st.st_mode)                        ? "a socket"
                                                                : "not a regular file");
    return NULL;
  }
  if ((guint64)st.st_size > max) {
    close (fd);
    set_size_error (error, path, TRUE, st.st_size, max);
    return NULL;
  }
  /* Blocking again: a regular file. */
  fcntl (fd, F_SETFL, fcntl (fd, F_GETFL) & ~O_NONBLOCK);
  GByteArray *arr = g_byte_array_sized_new (st.st_size + 1);
  for (;;) {
    gsize want = MIN ((gsize)READ_BUF, max + 1 - arr->len);
    gsize at = arr->len;
    g_byte_array_set_size (arr, at + want);
    ssize_t n = read (fd, arr->data + at, want);
    if (n < 0 && errno == EINTR) {
      g_byte_array_set_size (arr, at);
      continue;
    }
    if (n <= 0) {
      int e = n < 0 ? errno : 0;
      g_byte_array_set_size (arr, at);
      if (e) {
        close (fd);
        g_byte_array_unref (arr);
        g_set_error (error, DSN_ERROR, DSN_ERROR_IO, "%s: read error: %s", path, g_strerror (e));
        return NULL;
      }
      break;
    }
    g_byte_array_set_size (arr, at + n);
    if (arr->len > max) {
      /* It grew since fstat(). */
      close (fd);
      g_byte_array_unref (arr);
      set_size_error (error, path, FALSE, 0, max);
      return NULL;
    }
  }
  close (fd);
  return g_byte_array_free_to_bytes (arr);
}

/* ---- files and streams */

/* Skips a byte order mark and blank lines at the start of the input, and
 * tells whether an mbox starts there: a "From " line, or (some tools write
 * a line of their own first) a dated envelope line followed by a header
 * field, in the first buffer, after something that is no header block. */
static DsnFormat
sniff (DsnReader *r)
{
  if (!fill (r))
    return DSN_FORMAT_MESSAGE;
  const char *b = r->buf, *end = r->buf + r->buf_len;
  const char *p = b;
  if (end - p >= 3 && memcmp (p, "\xef\xbb\xbf", 3) == 0)
    p += 3;
  const char *first = p;
  for (;;) {
    const char *q = p;
    while (q < end && (*q == ' ' || *q == '\t'))
      q++;
    if (q < end && (*q == '\n' || *q == '\r')) {
      p = q + 1;
      continue;
    }
    break;
  }
  const char *le = memchr (p, '\n', end - p);
  gsize len = (le ? le : end) - p;
  const char *cr = memchr (p, '\r', len);
  if (cr)
    len = cr - p;
  if (is_from_line (p, len)) {
    r->buf_pos = p - b; /* what came before is neither message nor envelope */
    return DSN_FORMAT_MBOX;
  }
  if (is_field_line (p, len))
    return DSN_FORMAT_MESSAGE;
  for (const char *l = le ? le + 1 : end; l < end;) {
    const char *nl = memchr (l, '\n', end - l);
    if (!nl)
      break;
    gsize n = nl - l;
    if (n && l[n - 1] == '\r')
      n--;
    const char *next = nl + 1;
    const char *nnl = memchr (next, '\n', end - next);
    if (is_envelope_line (l, n) && nnl && is_field_line (next, nnl - next)) {
      r->buf_pos = first - b;
      return DSN_FORMAT_MBOX;
    }
    l = nl + 1;
  }
  return DSN_FORMAT_MESSAGE;
}

DsnReader *
dsn_reader_new (const char *path, DsnFormat format, GError **error)
{
  g_return_val_if_fail (path, NULL);
  g_autoptr (DsnReader) r = g_new0 (DsnReader, 1);
  r->path = g_strdup (path);
  r->max_size = DEFAULT_MAX_SIZE;
  r->fd = -1;

  gboolean is_stdin = strcmp (path, "-") == 0;
  if (!is_stdin && g_file_test (path, G_FILE_TEST_IS_DIR)) {
    if (format != DSN_FORMAT_AUTO && format != DSN_FORMAT_DIR) {
      g_set_error (error, DSN_ERROR, DSN_ERROR_IO, "%s: is a directory", path);
      return NULL;
    }
    r->format = DSN_FORMAT_DIR;
    r->files = g_ptr_array_new_with_free_func (g_free);
    g_autoptr (GHashTable) seen = g_hash_table_new_full (dir_id_hash, dir_id_equal, g_free, NULL);
    struct stat st;
    if (stat (path, &st) == 0)
      first_visit (seen, &st);
    collect_dir (r->files, path, 0, seen);
    g_ptr_array_sort (r->files, compare_paths);
    return g_steal_pointer (&r);
  }
  if (format == DSN_FORMAT_DIR) {
    g_set_error (error, DSN_ERROR, DSN_ERROR_IO, "%s: not a directory", path);
    return NULL;
  }
  if (is_stdin) {
    r->fd = 0;
  } else {
    /* A path given by name is read whatever it is: a FIFO or a process
     * substitution is a stream of messages. */
    r->fd = open (path, O_RDONLY | O_NOCTTY | O_CLOEXEC);
    if (r->fd < 0) {
      int e = errno;
      g_set_error (error, DSN_ERROR, DSN_ERROR_IO, "%s: %s", path, g_strerror (e));
      return NULL;
    }
    r->own_fd = TRUE;
  }
  r->format = format;
  r->buf = g_malloc (READ_BUF);
  if (format == DSN_FORMAT_AUTO)
    r->format = sniff (r);
  return g_steal_pointer (&r);
}

void
dsn_reader_set_max_size (DsnReader *reader, gsize max_size)
{
  g_return_if_fail (reader);
  reader->max_size = max_size ? max_size : DEFAULT_MAX_SIZE;
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
  for (;;) {
    ssize_t n = read (r->fd, r->buf, READ_BUF);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      r->buf_len = 0;
      r->eof = TRUE;
      if (n < 0)
        r->read_errno = errno ? errno : EIO;
      return FALSE;
    }
    r->buf_len = n;
    r->cr_known = FALSE;
    return TRUE;
  }
}

/* The length of the whole lines at the reader's position that an mbox
 * message takes as they are: no CR in them, none starting with 'F' (a
 * "From " line) or '>' (a quoted one). Copied at once instead of line by
 * line; 0 when the next line needs a look. */
static gsize
plain_run (DsnReader *r)
{
  if (!r->cr_known || r->buf_pos < r->cr_from || r->buf_pos > r->cr_at) {
    const char *cr = memchr (r->buf + r->buf_pos, '\r', r->buf_len - r->buf_pos);
    r->cr_from = r->buf_pos;
    r->cr_at = cr ? (gsize)(cr - r->buf) : r->buf_len;
    r->cr_known = TRUE;
  }
  const char *start = r->buf + r->buf_pos, *end = r->buf + r->cr_at, *p = start;
  while (p < end && *p != 'F' && *p != '>') {
    const char *nl = memchr (p, '\n', end - p);
    if (!nl)
      break;
    p = nl + 1;
  }
  return p - start;
}

/* A growing buffer that never holds more than MAX bytes: its capacity
 * doubles but stops at the limit, so a message at the limit costs the
 * limit, not twice it. */
typedef struct {
  char *data;
  gsize len, cap, max;
} Buf;

/* Appends N bytes; FALSE (and nothing appended) past the limit. */
static gboolean
buf_append (Buf *b, const char *p, gsize n)
{
  if (n > b->max - b->len)
    return FALSE;
  if (b->len + n + 1 > b->cap) {
    gsize cap = b->cap ? b->cap : 4096;
    while (cap < b->len + n + 1)
      cap = cap > b->max / 2 ? b->max + 1 : cap * 2;
    b->data = g_realloc (b->data, cap);
    b->cap = cap;
  }
  memcpy (b->data + b->len, p, n);
  b->len += n;
  b->data[b->len] = '\0';
  return TRUE;
}

static GBytes *
buf_free_to_bytes (Buf *b)
{
  if (!b->data)
    return g_bytes_new (NULL, 0);
  return g_bytes_new_take (g_steal_pointer (&b->data), b->len);
}

/* The whole input, up to the size limit: past it, reading stops (the input
 * may never end: /dev/zero). */
static GBytes *
read_all (DsnReader *r, GError **error)
{
  struct stat st;
  if (fstat (r->fd, &st) != 0)
    st.st_mode = 0;
  if (S_ISREG (st.st_mode) && (guint64)st.st_size > r->max_size) {
    set_size_error (error, r->path, TRUE, st.st_size, r->max_size);
    return NULL;
  }
  Buf b = { .max = r->max_size };
  if (S_ISREG (st.st_mode) && st.st_size > 0) {
    /* Its size is known: one allocation. */
    b.cap = st.st_size + 1;
    b.data = g_malloc (b.cap);
  }
  while (fill (r)) {
    gsize n = r->buf_len - r->buf_pos;
    if (!buf_append (&b, r->buf + r->buf_pos, n)) {
      g_free (b.data);
      set_size_error (error, r->path, FALSE, 0, r->max_size);
      return NULL;
    }
    r->buf_pos = r->buf_len;
  }
  if (r->read_errno) {
    g_free (b.data);
    g_set_error (error, DSN_ERROR, DSN_ERROR_IO, "%s: read error: %s", r->path,
                 g_strerror (r->read_errno));
    return NULL;
  }
  return buf_free_to_bytes (&b);
}

/* Reads one line and appends it to B, ending it with LF whatever its
 * newline was; FALSE at end of input. What does not fit in B is read and
 * dropped: *CUT is set then. */
static gboolean
read_line (DsnReader *r, Buf *b, gboolean *cut)
{
  gboolean any = FALSE;
  while (fill (r)) {
    const char *start = r->buf + r->buf_pos;
    const char *end = r->buf + r->buf_len;
    /* memchr() scans a block of bytes at a time; lines end in LF, CRLF or
     * a lone CR. */
    const char *nl = memchr (start, '\n', end - start);
    const char *lim = nl ? nl : end;
    const char *cr = memchr (start, '\r', lim - start);
    const char *p = cr ? cr : lim;
    any = TRUE;
    if (!*cut && !buf_append (b, start, p - start))
      *cut = TRUE;
    if (p == end) {
      r->buf_pos = r->buf_len;
      continue;
    }
    r->buf_pos = p - r->buf + 1;
    if (*p == '\r' && fill (r) && r->buf[r->buf_pos] == '\n')
      r->buf_pos++;
    if (!*cut && !buf_append (b, "\n", 1))
      *cut = TRUE;
    return TRUE;
  }
  return any;
}

/* One mbox message: after its envelope line (already read if r->pending) up
 * to the next one. mboxrd quoting (">From ", ">>From ") loses one '>'.
 * Lines are read straight into the message. A message over the size limit
 * is read to its end but not kept: *TOO_BIG is set. */
static GBytes *
read_mbox_message (DsnReader *r, gboolean *too_big)
{
  Buf msg = { .max = r->max_size };
  gboolean cut = FALSE;
  *too_big = FALSE;
  gboolean content = FALSE; /* anything after the envelope line */
  if (r->pending) {
    r->pending = FALSE; /* the envelope line is not part of the message */
  } else {
    if (!read_line (r, &msg, &cut)) {
      g_free (msg.data);
      return NULL;
    }
    if (is_from_line (msg.data, msg.len))
      msg.len = 0;
    else
      content = TRUE;
    *too_big = cut;
  }
  gboolean prev_blank = FALSE;
  for (;;) {
    if (*too_big)
      msg.len = 0; /* dropped: only the line being read is kept */
    gsize run = *too_big ? 0 : plain_run (r);
    if (run > 0 && buf_append (&msg, r->buf + r->buf_pos, run)) {
      content = TRUE;
      prev_blank = run == 1 || r->buf[r->buf_pos + run - 2] == '\n';
      r->buf_pos += run;
      continue;
    }
    gsize start = msg.len;
    cut = FALSE;
    if (!read_line (r, &msg, &cut))
      break;
    const char *l = msg.data + start;
    gsize len = msg.len - start;
    if (is_from_line (l, len) && (prev_blank || !content || is_envelope_line (l, len - 1))) {
      r->pending = TRUE;
      msg.len = start;
      break;
    }
    content = TRUE;
    prev_blank = len == 1;
    if (cut) {
      *too_big = TRUE;
      continue;
    }
    gsize q = 0;
    while (q < len && l[q] == '>')
      q++;
    if (q > 0 && len - q >= 5 && memcmp (l + q, "From ", 5) == 0) {
      memmove (msg.data + start, l + 1, len - 1);
      msg.len--;
    }
  }
  /* The blank line that separates messages belongs to the mbox, not the message. */
  if (r->pending && prev_blank && msg.len > 0)
    msg.len--;
  if (!r->pending)
    r->done = TRUE;
  if (msg.data)
    msg.data[msg.len] = '\0';
  return buf_free_to_bytes (&msg);
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
    *data = read_dir_file (r->current, r->max_size, error);
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
  if (!fill (r) && !r->pending) {
    r->done = TRUE;
    return FALSE;
  }
  gboolean too_big;
  GBytes *msg = read_mbox_message (r, &too_big);
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
  if (too_big) {
    g_bytes_unref (msg);
    set_size_error (error, r->path, FALSE, 0, r->max_size);
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
  if (r->own_fd && r->fd >= 0)
    close (r->fd);
  g_free (r->path);
  g_free (r->buf);
  g_free (r->current);
  if (r->files)
    g_ptr_array_unref (r->files);
  g_free (r);
}
