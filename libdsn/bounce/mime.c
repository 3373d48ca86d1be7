/* The MIME reader (mime.h). Its reading follows GMime 3's parser step by
 * step, so that a bounce reads as it did when GMime built the tree: which
 * lines are fields, where a broken multipart ends, which anomalies are
 * warned about. What differs is what is built: spans over the caller's
 * buffer instead of an object per field, per part and per body stream
 * (building and freeing those was two thirds of an analysis).
 * SPDX-License-Identifier: BSD-2-Clause */
#include "mime.h"

#include <gmime/gmime.h>
#include <string.h>

/* GMime's nesting limit: deeper, a message is a leaf and a multipart is
 * not split. */
#define MAX_LEVEL 1024

typedef enum {
  BOUNDARY_NONE,
  BOUNDARY_EOS,
  BOUNDARY_IMMEDIATE,
  BOUNDARY_IMMEDIATE_END,
  BOUNDARY_PARENT,
  BOUNDARY_PARENT_END,
} Boundary;

typedef struct {
  char *marker; /* "--" boundary "--" */
  gsize len;    /* "--" boundary */
  gsize len_final;
} Bound;

typedef struct {
  const char *buf, *end;
  const char *pos;
  GArray *bounds; /* Bound, innermost last */
  DsnMimeWarnFunc warn;
  gpointer data;
  GMimeParserOptions *options; /* GMime's content type parser warns through it */
  gboolean ct_invalid;
} Parser;

static void
warn (Parser *p, const char *code)
{
  if (p->warn)
    p->warn (code, p->data);
}

static gboolean
is_blank (char c)
{
  return c == ' ' || c == '\t';
}

static gboolean
is_ctrl (char c)
{
  return (guchar)c < 32 || c == 127;
}

static gboolean
is_lwsp (char c)
{
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* ------------------------------------------------------------ fields */

static void
field_clear (DsnMimeField *f)
{
  g_free (f->name_z);
  g_free (f->value);
}

static void
headers_init (DsnMimeHeaders *h)
{
  h->fields = g_array_new (FALSE, FALSE, sizeof (DsnMimeField));
  g_array_set_clear_func (h->fields, (GDestroyNotify)field_clear);
}

static void
headers_clear (DsnMimeHeaders *h)
{
  if (h->fields)
    g_array_unref (h->fields);
  h->fields = NULL;
}

guint
dsn_mime_headers_count (const DsnMimeHeaders *h)
{
  return h->fields ? h->fields->len : 0;
}

DsnMimeField *
dsn_mime_headers_at (const DsnMimeHeaders *h, guint i)
{
  return &g_array_index (h->fields, DsnMimeField, i);
}

/* The N bytes at A and B equal but for ASCII case: field names are asked
 * for on every dialect's detection, a call per byte would show. */
static gboolean
same_name (const char *a, const char *b, gsize n)
{
  for (gsize i = 0; i < n; i++) {
    guchar x = a[i], y = b[i];
    if (x != y && ((x | 0x20) != (y | 0x20) || (x | 0x20) < 'a' || (x | 0x20) > 'z'))
      return FALSE;
  }
  return TRUE;
}

gboolean
dsn_mime_field_is (const DsnMimeField *f, const char *name)
{
  return strlen (name) == f->name_len && same_name (f->name, name, f->name_len);
}

const char *
dsn_mime_field_name (DsnMimeField *f)
{
  if (!f->name_z)
    f->name_z = g_strndup (f->name, f->name_len);
  return f->name_z;
}

/* TRUE if the LEN bytes at S are ASCII without an encoded word ("=?"):
 * decoding leaves them as they are. */
static gboolean
plain_ascii (const char *s, gsize len)
{
  /* A high bit eight bytes at a time, then each "=" found by memchr(). */
  gsize i = 0;
  for (; len - i >= 8; i += 8) {
    guint64 w;
    memcpy (&w, s + i, 8);
    if (w & G_GUINT64_CONSTANT (0x8080808080808080))
      return FALSE;
  }
  for (; i < len; i++)
    if ((guchar)s[i] >= 128)
      return FALSE;
  for (const char *p = s, *end = s + len; (p = memchr (p, '=', end - p)); p++)
    if (p + 1 < end && p[1] == '?')
      return FALSE;
  return TRUE;
}

char *
dsn_mime_decode_text (const char *text)
{
  gsize len = strlen (text);
  return plain_ascii (text, len) ? g_strndup (text, len)
                                 : g_mime_utils_header_decode_text (NULL, text);
}

const char *
dsn_mime_field_value (DsnMimeField *f)
{
  if (f->value)
    return f->value;
  /* What g_mime_header_get_value() gives: unfolded (white space trimmed,
   * newlines dropped), then decoded (RFC 2047, 8-bit text). */
  const char *s = f->raw, *e = f->raw + f->raw_len;
  while (s < e && is_lwsp (*s))
    s++;
  while (e > s && is_lwsp (e[-1]))
    e--;
  char *unfolded = g_malloc (e - s + 1), *w = unfolded;
  /* Runs between newlines copied whole (the analysed text has no CR;
   * other text is unfolded byte by byte). */
  if (!memchr (s, '\r', e - s)) {
    for (const char *nl; (nl = memchr (s, '\n', e - s)); s = nl + 1) {
      memcpy (w, s, nl - s);
      w += nl - s;
    }
    memcpy (w, s, e - s);
    w += e - s;
  } else {
    for (; s < e; s++)
      if (*s != '\n' && *s != '\r')
        *w++ = *s;
  }
  *w = '\0';
  if (plain_ascii (unfolded, w - unfolded)) {
    f->value = unfolded;
  } else {
    f->value = g_mime_utils_header_decode_text (NULL, unfolded);
    g_free (unfolded);
  }
  return f->value;
}

const char *
dsn_mime_headers_get (const DsnMimeHeaders *h, const char *name)
{
  gsize n = strlen (name);
  for (guint i = 0; i < dsn_mime_headers_count (h); i++) {
    DsnMimeField *f = dsn_mime_headers_at (h, i);
    if (f->name_len == n && same_name (f->name, name, n))
      return dsn_mime_field_value (f);
  }
  return NULL;
}

static gboolean
is_content_field (const DsnMimeField *f)
{
  return f->name_len >= 8 && same_name (f->name, "Content-", 8);
}

static Boundary check_boundary (Parser *p, const char *line, gsize len);

/* ------------------------------------------------------------ header blocks */

/* A field as GMime's header buffer holds it, [START, END): valid if a colon
 * ends its name (blanks may come before the colon, not inside the name; no
 * control character), the end counting as a colon. Adds it to FIELDS. */
/* Where a field's name ends from START: at its colon, or at the first
 * character a name may not hold (a control character, or anything after a
 * blank), or at END. */
static const char *
name_end (const char *start, const char *end)
{
  const char *q = start;
  gboolean blank = FALSE;
  while (q < end && *q != ':') {
    if (is_blank (*q))
      blank = TRUE;
    else if (blank || is_ctrl (*q))
      break;
    q++;
  }
  return q;
}

static void
field_parse (Parser *p, const char *start, const char *end, GArray *fields)
{
  const char *q = name_end (start, end);
  if (q < end && *q != ':') {
    warn (p, "mime.invalid_header");
    return;
  }
  const char *colon = q;
  while (q > start && is_blank (q[-1]))
    q--;
  DsnMimeField f = { 0 };
  f.name = start;
  f.name_len = q - start;
  f.raw = colon < end ? colon + 1 : end;
  f.raw_len = end - f.raw;
  g_array_append_val (fields, f);
  gboolean eight_bit = FALSE;
  for (guint i = 0; i < f.name_len && !eight_bit; i++)
    eight_bit = (guchar)f.name[i] >= 128;
  if (eight_bit || !dsn_utf8_validate (f.raw, f.raw_len))
    warn (p, "mime.unencoded_header");
}

typedef enum {
  HEADERS_NONE,     /* no header block could be read */
  HEADERS_CONTENT,  /* P->pos is at the content */
  HEADERS_BOUNDARY, /* a boundary line came first: P->pos is at it */
} Headers;

/* Reads a header block at P->pos into FIELDS (GMime's step_headers()).
 * MESSAGE_TOP for the message's own block, where a first line that is no
 * field (but an mbox "From " line) means no message. */
static Headers
read_headers (Parser *p, gboolean message_top, GArray *fields)
{
  const char *pos = p->pos, *end = p->end;
  if (pos == end)
    return HEADERS_NONE;
  const char *field = NULL; /* the field being gathered: [field, pos) */
  gboolean check_folded = FALSE, scanning = TRUE, valid = TRUE;
  for (;;) {
    if (pos == end) {
      /* The input ends in the header block. */
      if (field)
        field_parse (p, field, pos, fields);
      warn (p, "mime.truncated");
      p->pos = end;
      return HEADERS_CONTENT;
    }
    const char *start = pos;
    if (check_folded && !is_blank (*start)) {
      if (field)
        field_parse (p, field, start, fields);
      field = NULL;
      scanning = TRUE;
      check_folded = FALSE;
      valid = TRUE;
    }
    const char *nl = memchr (start, '\n', end - start);
    const char *le = nl ? nl : end;
    if (scanning && *start != '\n') {
      if (*start == ':') {
        valid = FALSE;
      } else {
        const char *q = name_end (start, le);
        if (q == le && !nl) {
          /* The input ends inside a field's name. */
          warn (p, "mime.truncated");
          p->pos = end;
          return HEADERS_NONE;
        }
        if (q < le && *q != ':')
          valid = FALSE;
        else if (q == le)
          valid = FALSE; /* the newline: a control character */
      }
      if (!valid && fields->len == 0) {
        gboolean from_line
            = le - start >= 5
              && (!strncmp (start, "From ", 5)
                  || (*start == '>' && le - start >= 6 && !strncmp (start + 1, "From ", 5)));
        if (message_top && !from_line) {
          warn (p, "mime.invalid_header");
          p->pos = start;
          return HEADERS_NONE;
        }
        if (!message_top)
          warn (p, "mime.invalid_header");
      }
      /* A part without its blank line: the boundary ends its fields. */
      if (!valid && p->bounds && p->bounds->len && check_boundary (p, start, le - start)) {
        p->pos = start;
        return HEADERS_BOUNDARY;
      }
    }
    scanning = FALSE;
    if (!nl) {
      /* A last line without its newline: the field ends with the input. */
      if (!field)
        field = start;
      field_parse (p, field, end, fields);
      warn (p, "mime.truncated");
      p->pos = end;
      return HEADERS_CONTENT;
    }
    if (*start == '\n') {
      if (field)
        field_parse (p, field, start, fields);
      p->pos = nl + 1;
      return HEADERS_CONTENT;
    }
    if (!valid && fields->len == 0) {
      /* A line before the first field: skipped. */
      scanning = TRUE;
      check_folded = FALSE;
      valid = TRUE;
    } else {
      if (!field)
        field = start;
      check_folded = TRUE;
    }
    pos = nl + 1;
  }
}

/* ------------------------------------------------------------ boundaries */

static void
push_boundary (Parser *p, const char *boundary)
{
  Bound b;
  b.marker = g_strdup_printf ("--%s--", boundary);
  b.len = strlen (boundary) + 2;
  b.len_final = b.len + 2;
  g_array_append_val (p->bounds, b);
}

static void
pop_boundary (Parser *p)
{
  g_free (g_array_index (p->bounds, Bound, p->bounds->len - 1).marker);
  g_array_set_size (p->bounds, p->bounds->len - 1);
}

/* TRUE if the LEN bytes of LINE are the MLEN first bytes of MARKER and
 * white space. */
static gboolean
is_boundary (const char *line, gsize len, const char *marker, gsize mlen)
{
  if (mlen > len || memcmp (line, marker, mlen) != 0)
    return FALSE;
  for (gsize i = mlen; i < len; i++)
    if (!is_lwsp (line[i]))
      return FALSE;
  return TRUE;
}

static Boundary
check_boundary (Parser *p, const char *line, gsize len)
{
  if (len < 2 || line[0] != '-' || line[1] != '-')
    return BOUNDARY_NONE;
  for (guint i = p->bounds->len; i > 0; i--) {
    const Bound *b = &g_array_index (p->bounds, Bound, i - 1);
    gboolean innermost = i == p->bounds->len;
    if (is_boundary (line, len, b->marker, b->len_final))
      return innermost ? BOUNDARY_IMMEDIATE_END : BOUNDARY_PARENT_END;
    if (is_boundary (line, len, b->marker, b->len))
      return innermost ? BOUNDARY_IMMEDIATE : BOUNDARY_PARENT;
  }
  return BOUNDARY_NONE;
}

/* The length of the line at P (without its newline). */
static gsize
line_len (const char *p, const char *end)
{
  const char *nl = memchr (p, '\n', end - p);
  return (nl ? nl : end) - p;
}

/* The content from P->pos up to the next boundary line (left unread) or
 * the end: *START and *LEN, the newline before the boundary belonging to
 * the boundary. */
static Boundary
scan_content (Parser *p, const char **start, gsize *len)
{
  const char *pos = p->pos, *end = p->end;
  *start = pos;
  while (pos < end) {
    gsize n = line_len (pos, end);
    Boundary found = p->bounds->len ? check_boundary (p, pos, n) : BOUNDARY_NONE;
    if (found) {
      *len = pos - *start;
      if (*len > 0)
        (*len)--;
      p->pos = pos;
      return found;
    }
    pos += n;
    if (pos < end)
      pos++;
  }
  *len = end - *start;
  p->pos = end;
  return BOUNDARY_EOS;
}

/* Moves past the current line; FALSE if it has no newline. */
static gboolean
skip_line (Parser *p)
{
  const char *nl = memchr (p->pos, '\n', p->end - p->pos);
  p->pos = nl ? nl + 1 : p->end;
  return nl != NULL;
}

/* ------------------------------------------------------------ parts */

static void
part_free (DsnMimePart *part)
{
  if (!part)
    return;
  g_free (part->type);
  g_free (part->subtype);
  g_free (part->charset);
  g_free (part->prologue);
  if (part->children)
    g_ptr_array_unref (part->children);
  dsn_mime_message_free (part->message);
  g_free (part);
}

void
dsn_mime_message_free (DsnMimeMessage *m)
{
  if (!m)
    return;
  headers_clear (&m->headers);
  part_free (m->body);
  g_free (m);
}

/* GMime's parser warning callback: sets the gboolean at USER_DATA when
 * GMime could not read a Content-Type value. */
static void
content_type_warning (gint64 offset, GMimeParserWarning errcode, const gchar *item,
                      gpointer user_data)
{
  (void)offset;
  (void)item;
  if (errcode == GMIME_WARN_INVALID_CONTENT_TYPE)
    *(gboolean *)user_data = TRUE;
}

/* A Content-Type value as GMime's parser reads it: TYPE/SUBTYPE, the
 * charset and boundary parameters (NULL if absent), INVALID if GMime
 * warned that it could not read it. */
typedef struct {
  char *type, *subtype, *charset, *boundary;
  gboolean invalid;
} ContentType;

static void
content_type_clear (ContentType *ct)
{
  g_free (ct->type);
  g_free (ct->subtype);
  g_free (ct->charset);
  g_free (ct->boundary);
  memset (ct, 0, sizeof *ct);
}

/* GMime's reading of a value depends on the value alone (the parser's
 * options are the defaults), and a few values come back in every report
 * ("text/plain; charset=us-ascii", "message/delivery-status"): building
 * GMime's object and its parameter list for each was 5% of an analysis.
 * The last readings are kept per thread (no lock), for values and results
 * that fit in 256 bytes: the value, then each result, NUL-terminated. */
typedef struct {
  char buf[256];
  guint8 used;                             /* 0: an empty slot */
  guint8 type, subtype, charset, boundary; /* offsets in BUF; 0: NULL */
  gboolean invalid;
} CachedType;

static _Thread_local CachedType type_cache[32];

static CachedType *
cache_slot (const char *value, gsize len)
{
  guint h = 5381;
  for (gsize i = 0; i < len; i++)
    h = h * 33 + (guchar)value[i];
  return &type_cache[(h ^ h >> 7) % G_N_ELEMENTS (type_cache)];
}

/* Appends S (NULL: nothing) to C's buffer; its offset, or 0. FALSE in *FITS
 * when it does not fit. */
static guint8
cache_put (CachedType *c, gsize *at, const char *s, gboolean *fits)
{
  if (!s || !*fits)
    return 0;
  gsize n = strlen (s) + 1;
  if (*at + n > sizeof c->buf) {
    *fits = FALSE;
    return 0;
  }
  memcpy (c->buf + *at, s, n);
  guint8 off = (guint8)*at;
  *at += n;
  return off;
}

static char *
cache_get (const CachedType *c, guint8 off)
{
  return off ? g_strdup (c->buf + off) : NULL;
}

/* RFC 2045 §5.1: a token's bytes (no space, control, tspecial or 8-bit). */
static inline gboolean
is_token_char (guchar c)
{
  return c > 0x20 && c < 0x7f && !strchr ("()<>@,;:\\\"/[]?=", c);
}

static const char *
skip_ws (const char *s)
{
  while (*s == ' ' || *s == '\t')
    s++;
  return s;
}

/* TYPE/SUBTYPE followed by plain parameters (NAME=TOKEN or NAME="TEXT",
 * each name once, no RFC 2231 or 2047 encoding, no comment, no escape,
 * ASCII): most values, read here as GMime reads them without building its
 * objects (two GObjects and their teardown per part, and a lock on the type
 * system shared by the threads of --jobs). FALSE for anything else, which
 * GMime reads. */
static gboolean
simple_content_type (const char *value, ContentType *ct)
{
  const char *s = skip_ws (value), *t = s;
  while (is_token_char (*s))
    s++;
  if (s == t || *s != '/')
    return FALSE;
  const char *type_end = s++, *sub = s;
  while (is_token_char (*s))
    s++;
  if (s == sub)
    return FALSE;
  const char *sub_end = s;
  struct {
    const char *name, *value;
    gsize name_len, value_len;
  } params[8];
  guint n = 0;
  for (;;) {
    s = skip_ws (s);
    if (!*s)
      break;
    if (*s != ';' || n == G_N_ELEMENTS (params))
      return FALSE;
    s = skip_ws (s + 1);
    const char *name = s;
    while (is_token_char (*s) && *s != '*')
      s++;
    if (s == name || *s != '=')
      return FALSE;
    gsize name_len = s - name;
    s++;
    const char *v, *v_end;
    if (*s == '"') {
      v = ++s;
      while (*s && *s != '"' && *s != '\\' && (guchar)*s >= 0x20 && (guchar)*s < 0x7f)
        s++;
      if (*s != '"')
        return FALSE;
      v_end = s++;
    } else {
      v = s;
      while (is_token_char (*s))
        s++;
      v_end = s;
    }
    if (v_end == v || memmem (v, v_end - v, "=?", 2))
      return FALSE;
    for (guint i = 0; i < n; i++)
      if (params[i].name_len == name_len && !g_ascii_strncasecmp (params[i].name, name, name_len))
        return FALSE;
    params[n].name = name;
    params[n].name_len = name_len;
    params[n].value = v;
    params[n].value_len = v_end - v;
    n++;
  }
  ct->type = g_strndup (t, type_end - t);
  ct->subtype = g_strndup (sub, sub_end - sub);
  for (guint i = 0; i < n; i++) {
    char **to = NULL;
    if (params[i].name_len == 7 && !g_ascii_strncasecmp (params[i].name, "charset", 7))
      to = &ct->charset;
    else if (params[i].name_len == 8 && !g_ascii_strncasecmp (params[i].name, "boundary", 8))
      to = &ct->boundary;
    if (to)
      *to = g_strndup (params[i].value, params[i].value_len);
  }
  ct->invalid = FALSE;
  return TRUE;
}

/* VALUE read by GMime's parser. */
static void
gmime_content_type (GMimeParserOptions *options, gboolean *invalid_flag, const char *value,
                    ContentType *ct)
{
  *invalid_flag = FALSE;
  GMimeContentType *gct = g_mime_content_type_parse (options, value);
  ct->type = g_strdup (g_mime_content_type_get_media_type (gct));
  ct->subtype = g_strdup (g_mime_content_type_get_media_subtype (gct));
  ct->charset = g_strdup (g_mime_content_type_get_parameter (gct, "charset"));
  ct->boundary = g_strdup (g_mime_content_type_get_parameter (gct, "boundary"));
  ct->invalid = *invalid_flag;
  g_object_unref (gct);
}

static void
content_type_read (Parser *p, const char *value, ContentType *ct)
{
  gsize len = strlen (value);
  CachedType *c = cache_slot (value, len);
  if (c->used && len < sizeof c->buf && memcmp (c->buf, value, len + 1) == 0) {
    ct->type = cache_get (c, c->type);
    ct->subtype = cache_get (c, c->subtype);
    ct->charset = cache_get (c, c->charset);
    ct->boundary = cache_get (c, c->boundary);
    ct->invalid = c->invalid;
    return;
  }
  if (!simple_content_type (value, ct))
    gmime_content_type (p->options, &p->ct_invalid, value, ct);
  /* A boundary is made for one message: its value does not come back, and
   * would push out one that does. */
  if (len + 1 >= sizeof c->buf || !ct->type || !ct->subtype || ct->boundary)
    return;
  gsize at = len + 1;
  gboolean fits = TRUE;
  c->used = 0; /* while it is rewritten */
  memcpy (c->buf, value, len + 1);
  c->type = cache_put (c, &at, ct->type, &fits);
  c->subtype = cache_put (c, &at, ct->subtype, &fits);
  c->charset = cache_put (c, &at, ct->charset, &fits);
  c->boundary = cache_put (c, &at, ct->boundary, &fits);
  c->invalid = ct->invalid;
  c->used = fits;
}

char *
dsn_mime_content_type_reading (const char *value, gboolean by_gmime)
{
  ContentType ct = { 0 };
  if (by_gmime) {
    gboolean invalid = FALSE;
    GMimeParserOptions *options = g_mime_parser_options_new ();
    g_mime_parser_options_set_warning_callback (options, content_type_warning, &invalid);
    gmime_content_type (options, &invalid, value, &ct);
    g_mime_parser_options_free (options);
  } else if (!simple_content_type (value, &ct)) {
    return NULL;
  }
  char *r
      = g_strdup_printf ("%s|%s|%s|%s|%s", ct.type ? ct.type : "(null)",
                         ct.subtype ? ct.subtype : "(null)", ct.charset ? ct.charset : "(null)",
                         ct.boundary ? ct.boundary : "(null)", ct.invalid ? "invalid" : "valid");
  content_type_clear (&ct);
  return r;
}

/* The type a new part gets from its fields (as GMime reads them): each
 * Content-Type field is read in turn by GMime's parser, the last one
 * wins; Content-Transfer-Encoding likewise. PARENT_DIGEST: a part of a
 * multipart/digest, whose default type is message/rfc822. Sets *KIND_TYPE
 * and *KIND_SUBTYPE to what decides the part's kind: its type, or the
 * default when the last Content-Type cannot be read; *BOUNDARY to its
 * boundary parameter. */
static DsnMimePart *
part_new (Parser *p, GArray *fields, gboolean parent_digest, char **kind_type, char **kind_subtype,
          char **boundary)
{
  DsnMimePart *part = g_new0 (DsnMimePart, 1);
  ContentType ct = { 0 };
  gboolean have_ct = FALSE;
  for (guint i = 0; i < fields->len; i++) {
    DsnMimeField *f = &g_array_index (fields, DsnMimeField, i);
    if (!is_content_field (f))
      continue;
    if (dsn_mime_field_is (f, "Content-Type")) {
      content_type_clear (&ct);
      content_type_read (p, dsn_mime_field_value (f), &ct);
      have_ct = TRUE;
      if (ct.invalid)
        warn (p, "mime.invalid_content_type");
    } else if (dsn_mime_field_is (f, "Content-Transfer-Encoding")) {
      part->encoding = g_mime_content_encoding_from_string (dsn_mime_field_value (f));
    }
  }
  const char *dtype = parent_digest ? "message" : "text";
  const char *dsub = parent_digest ? "rfc822" : "plain";
  if (have_ct) {
    *kind_type = g_strdup (ct.invalid ? dtype : ct.type);
    *kind_subtype = g_strdup (ct.invalid ? dsub : ct.subtype);
    part->type = g_steal_pointer (&ct.type);
    part->subtype = g_steal_pointer (&ct.subtype);
    part->charset = g_steal_pointer (&ct.charset);
    *boundary = g_steal_pointer (&ct.boundary);
    content_type_clear (&ct);
  } else {
    part->type = g_strdup (dtype);
    part->subtype = g_strdup (dsub);
    *kind_type = g_strdup (dtype);
    *kind_subtype = g_strdup (dsub);
  }
  return part;
}

static DsnMimePart *construct (Parser *p, GArray *fields, gboolean parent_digest, int depth,
                               Boundary *found);

static gboolean
is_rfc822 (const char *type, const char *subtype)
{
  return !g_ascii_strcasecmp (type, "message")
         && (!g_ascii_strcasecmp (subtype, "rfc822") || !g_ascii_strcasecmp (subtype, "rfc2822")
             || !g_ascii_strcasecmp (subtype, "global") || !g_ascii_strcasecmp (subtype, "news"));
}

/* A message of header FIELDS (read up to its body): its own fields kept,
 * its body built at DEPTH from the content fields, which are then let go. */
static DsnMimeMessage *
message_from_fields (Parser *p, GArray *fields, int depth, Boundary *found)
{
  DsnMimeMessage *m = g_new0 (DsnMimeMessage, 1);
  headers_init (&m->headers);
  for (guint i = 0; i < fields->len; i++) {
    DsnMimeField *f = &g_array_index (fields, DsnMimeField, i);
    if (!is_content_field (f))
      g_array_append_val (m->headers.fields, *f);
  }
  m->body = construct (p, fields, FALSE, depth, found);
  /* The body's fields were only needed to build it. */
  for (guint i = 0; i < fields->len; i++) {
    DsnMimeField *f = &g_array_index (fields, DsnMimeField, i);
    if (is_content_field (f))
      field_clear (f);
  }
  return m;
}

/* A message/rfc822 part's content: a message, unless a boundary comes
 * first or no header block can be read. */
static DsnMimeMessage *
scan_message (Parser *p, int depth, Boundary *found)
{
  if (p->bounds->len) {
    if (p->pos == p->end) {
      *found = BOUNDARY_EOS;
      return NULL;
    }
    *found = check_boundary (p, p->pos, line_len (p->pos, p->end));
    if (*found != BOUNDARY_NONE && *found != BOUNDARY_EOS)
      return NULL;
  }
  g_autoptr (GArray) fields = g_array_new (FALSE, FALSE, sizeof (DsnMimeField));
  if (read_headers (p, FALSE, fields) == HEADERS_NONE) {
    *found = BOUNDARY_EOS;
    return NULL;
  }
  return message_from_fields (p, fields, depth + 1, found);
}

static void
construct_multipart (Parser *p, DsnMimePart *part, const char *boundary, int depth, Boundary *found)
{
  part->kind = DSN_MIME_MULTIPART;
  part->children = g_ptr_array_new_with_free_func ((GDestroyNotify)part_free);
  const char *start;
  gsize len;
  if (!boundary || depth >= MAX_LEVEL) {
    /* Everything is the prologue. */
    *found = scan_content (p, &start, &len);
    if (p->pos > start)
      part->prologue = g_strndup (start, len);
    return;
  }
  push_boundary (p, boundary);
  *found = scan_content (p, &start, &len);
  if (p->pos > start)
    part->prologue = g_strndup (start, len);
  gboolean digest = !g_ascii_strcasecmp (part->type, "multipart")
                    && !g_ascii_strcasecmp (part->subtype, "digest");
  while (*found == BOUNDARY_IMMEDIATE) {
    if (!skip_line (p)) {
      *found = BOUNDARY_EOS;
      break;
    }
    g_autoptr (GArray) sub = g_array_new (FALSE, FALSE, sizeof (DsnMimeField));
    g_array_set_clear_func (sub, (GDestroyNotify)field_clear);
    Headers h = read_headers (p, FALSE, sub);
    if (h == HEADERS_NONE) {
      *found = BOUNDARY_EOS;
      break;
    }
    if (h == HEADERS_BOUNDARY && sub->len == 0) {
      /* No part between two boundaries. */
      *found = check_boundary (p, p->pos, line_len (p->pos, p->end));
      continue;
    }
    g_ptr_array_add (part->children, construct (p, sub, digest, depth + 1, found));
  }
  if (*found == BOUNDARY_IMMEDIATE_END) {
    skip_line (p);
    pop_boundary (p);
    /* The epilogue: up to the parent's next boundary. */
    *found = scan_content (p, &start, &len);
    return;
  }
  if (*found == BOUNDARY_PARENT || *found == BOUNDARY_PARENT_END)
    warn (p, "mime.malformed_multipart");
  if (*found == BOUNDARY_EOS)
    warn (p, "mime.truncated");
  pop_boundary (p);
  if ((*found == BOUNDARY_PARENT || *found == BOUNDARY_PARENT_END) && p->bounds->len) {
    /* The boundary that ended it may be its parent's. */
    const Bound *b = &g_array_index (p->bounds, Bound, p->bounds->len - 1);
    gboolean end = *found == BOUNDARY_PARENT_END;
    if (is_boundary (p->pos, line_len (p->pos, p->end), b->marker, end ? b->len_final : b->len))
      *found = end ? BOUNDARY_IMMEDIATE_END : BOUNDARY_IMMEDIATE;
  }
}

/* A part from its header block FIELDS, P->pos at its content. */
static DsnMimePart *
construct (Parser *p, GArray *fields, gboolean parent_digest, int depth, Boundary *found)
{
  g_autofree char *type = NULL, *subtype = NULL, *boundary = NULL;
  DsnMimePart *part = part_new (p, fields, parent_digest, &type, &subtype, &boundary);
  if (!g_ascii_strcasecmp (type, "multipart")) {
    construct_multipart (p, part, boundary, depth, found);
    return part;
  }
  if (is_rfc822 (type, subtype)) {
    /* An encoded message is a leaf (its first Content-Transfer-Encoding
     * says). */
    gboolean encoded = depth >= MAX_LEVEL;
    for (guint i = 0; i < fields->len && !encoded; i++) {
      DsnMimeField *f = &g_array_index (fields, DsnMimeField, i);
      if (!dsn_mime_field_is (f, "Content-Transfer-Encoding"))
        continue;
      g_autofree char *raw = g_strndup (f->raw, f->raw_len);
      GMimeContentEncoding e = g_mime_content_encoding_from_string (raw);
      encoded = e == GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE || e == GMIME_CONTENT_ENCODING_UUENCODE
                || e == GMIME_CONTENT_ENCODING_BASE64;
      break;
    }
    if (!encoded) {
      part->kind = DSN_MIME_MESSAGE;
      const char *start = p->pos;
      part->message = scan_message (p, depth + 1, found);
      /* The message as written, up to the newline before the boundary
       * that ends it. */
      part->content = start;
      part->content_len = p->pos - start;
      if (*found != BOUNDARY_EOS && part->content_len > 0)
        part->content_len--;
      return part;
    }
  }
  part->kind = DSN_MIME_LEAF;
  *found = scan_content (p, &part->content, &part->content_len);
  return part;
}

DsnMimeMessage *
dsn_mime_parse (const char *buf, gsize len, DsnMimeWarnFunc warn_func, gpointer data)
{
  Parser p = { 0 };
  if (len == 0)
    return NULL; /* GMime's parser makes no message of nothing */
  p.buf = p.pos = buf;
  p.end = buf + len;
  p.warn = warn_func;
  p.data = data;
  g_autoptr (GArray) fields = g_array_new (FALSE, FALSE, sizeof (DsnMimeField));
  if (read_headers (&p, TRUE, fields) != HEADERS_CONTENT)
    return NULL;
  p.bounds = g_array_new (FALSE, FALSE, sizeof (Bound));
  p.options = g_mime_parser_options_new ();
  g_mime_parser_options_set_warning_callback (p.options, content_type_warning, &p.ct_invalid);
  Boundary found;
  DsnMimeMessage *m = message_from_fields (&p, fields, 0, &found);
  while (p.bounds->len)
    pop_boundary (&p);
  g_array_unref (p.bounds);
  g_mime_parser_options_free (p.options);
  return m;
}

/* ------------------------------------------------------------ reading parts */

gboolean
dsn_mime_part_is (const DsnMimePart *p, const char *type, const char *subtype)
{
  return !g_ascii_strcasecmp (p->type, type) && !g_ascii_strcasecmp (p->subtype, subtype);
}

GByteArray *
dsn_mime_part_decode (const DsnMimePart *p)
{
  const char *in = p->content;
  gsize len = p->content_len;
  GByteArray *out = g_byte_array_new ();
  if (!in || !len)
    return out;
  if (p->encoding != GMIME_CONTENT_ENCODING_BASE64
      && p->encoding != GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE
      && p->encoding != GMIME_CONTENT_ENCODING_UUENCODE) {
    g_byte_array_append (out, (const guint8 *)in, len);
    return out;
  }
  if (p->encoding == GMIME_CONTENT_ENCODING_UUENCODE) {
    /* Decoding starts after the "begin" line (GMime's basic filter). */
    const char *end = in + len, *q = in;
    while (q < end && (end - q < 6 || strncmp (q, "begin ", 6) != 0)) {
      const char *nl = memchr (q, '\n', end - q);
      q = nl ? nl + 1 : end;
    }
    const char *nl = q < end ? memchr (q, '\n', end - q) : NULL;
    if (!nl)
      return out;
    len = end - (nl + 1);
    in = nl + 1;
  }
  GMimeEncoding state;
  g_mime_encoding_init_decode (&state, p->encoding);
  g_byte_array_set_size (out, len + 8);
  gsize n = g_mime_encoding_step (&state, in, len, (char *)out->data);
  n += g_mime_encoding_flush (&state, "", 0, (char *)out->data + n);
  g_byte_array_set_size (out, n);
  return out;
}

const DsnMimePart *
dsn_mime_find_leaf (const DsnMimePart *p, const char *type, const char *subtype,
                    gboolean into_messages)
{
  if (!p)
    return NULL;
  switch (p->kind) {
  case DSN_MIME_LEAF: return dsn_mime_part_is (p, type, subtype) ? p : NULL;
  case DSN_MIME_MULTIPART:
    for (guint i = 0; i < p->children->len; i++) {
      const DsnMimePart *hit
          = dsn_mime_find_leaf (p->children->pdata[i], type, subtype, into_messages);
      if (hit)
        return hit;
    }
    return NULL;
  case DSN_MIME_MESSAGE:
    return into_messages && p->message
               ? dsn_mime_find_leaf (p->message->body, type, subtype, into_messages)
               : NULL;
  }
  return NULL;
}
