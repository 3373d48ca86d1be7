/* The MIME reader (libdsn/bounce/mime.c) against GMime's parser, which it
 * replaces on the analysis path: for every test message, saved fuzz input
 * and corpus message given, whole and cut short at several places, and for
 * hand-made broken messages, both must see the same tree (kinds, content
 * types, charsets, encodings, decoded bodies, prologues, header fields and
 * their decoded values) and warn the same parse warnings in the same order.
 * usage: test-mime [--tap] DIR...
 * SPDX-License-Identifier: BSD-2-Clause */
#include "bounce/bounce.h"

#include <string.h>

static char **dirs;

/* ------------------------------------------------------------ a dump */

static void
dump_bytes (GString *out, const guint8 *data, gsize len)
{
  g_string_append_printf (out, "[%" G_GSIZE_FORMAT "] ", len);
  for (gsize i = 0; i < len; i++) {
    guint8 c = data[i];
    if (c == '\n')
      g_string_append (out, "\\n");
    else if (c < 32 || c >= 127 || c == '\\')
      g_string_append_printf (out, "\\x%02x", c);
    else
      g_string_append_c (out, c);
  }
  g_string_append_c (out, '\n');
}

static void
warn_code (GString *warnings, const char *code)
{
  g_autofree char *line = g_strconcat (code, "\n", NULL);
  if (!strstr (warnings->str, line))
    g_string_append (warnings, line);
}

/* GMime's side: the tree as the analysis used to walk it. */
static void gmime_dump_object (GString *out, GMimeObject *obj, int depth);

static void
gmime_dump_headers (GString *out, GMimeObject *obj, int depth)
{
  GMimeHeaderList *list = g_mime_object_get_header_list (obj);
  for (int i = 0; i < g_mime_header_list_get_count (list); i++) {
    GMimeHeader *h = g_mime_header_list_get_header_at (list, i);
    const char *v = g_mime_header_get_value (h);
    g_string_append_printf (out, "%*sH %s: %s\n", depth, "", g_mime_header_get_name (h),
                            v ? v : "(null)");
  }
}

static void
gmime_dump_object (GString *out, GMimeObject *obj, int depth)
{
  GMimeContentType *ct = g_mime_object_get_content_type (obj);
  const char *charset = g_mime_object_get_content_type_parameter (obj, "charset");
  const char *kind = GMIME_IS_MULTIPART (obj)      ? "multipart"
                     : GMIME_IS_MESSAGE_PART (obj) ? "message"
                     : GMIME_IS_PART (obj)         ? "leaf"
                                                   : "?";
  g_string_append_printf (out, "%*s%s %s/%s charset=%s", depth, "", kind,
                          ct ? g_mime_content_type_get_media_type (ct) : "-",
                          ct ? g_mime_content_type_get_media_subtype (ct) : "-",
                          charset ? charset : "(none)");
  if (GMIME_IS_PART (obj)) {
    g_string_append_printf (out, " enc=%d\n", g_mime_part_get_content_encoding (GMIME_PART (obj)));
    GMimeDataWrapper *content = g_mime_part_get_content (GMIME_PART (obj));
    g_autoptr (GByteArray) arr = g_byte_array_new ();
    if (content) {
      GMimeStream *mem = g_mime_stream_mem_new_with_byte_array (arr);
      g_mime_stream_mem_set_owner (GMIME_STREAM_MEM (mem), FALSE);
      g_mime_data_wrapper_write_to_stream (content, mem);
      g_object_unref (mem);
    }
    g_string_append_printf (out, "%*s", depth, "");
    dump_bytes (out, arr->data, arr->len);
  } else if (GMIME_IS_MULTIPART (obj)) {
    GMimeMultipart *mp = GMIME_MULTIPART (obj);
    const char *prologue = g_mime_multipart_get_prologue (mp);
    g_string_append_c (out, '\n');
    g_string_append_printf (out, "%*sprologue ", depth, "");
    if (prologue)
      dump_bytes (out, (const guint8 *)prologue, strlen (prologue));
    else
      g_string_append (out, "(null)\n");
    for (int i = 0; i < g_mime_multipart_get_count (mp); i++)
      gmime_dump_object (out, g_mime_multipart_get_part (mp, i), depth + 1);
  } else if (GMIME_IS_MESSAGE_PART (obj)) {
    g_string_append_c (out, '\n');
    GMimeMessage *m = g_mime_message_part_get_message (GMIME_MESSAGE_PART (obj));
    if (!m) {
      g_string_append_printf (out, "%*s(no message)\n", depth + 1, "");
      return;
    }
    gmime_dump_headers (out, GMIME_OBJECT (m), depth + 1);
    GMimeObject *body = g_mime_message_get_mime_part (m);
    if (body)
      gmime_dump_object (out, body, depth + 1);
    else
      g_string_append_printf (out, "%*s(no body)\n", depth + 1, "");
  }
}

static void
gmime_warning (gint64 offset, GMimeParserWarning errcode, const gchar *item, gpointer user_data)
{
  (void)offset;
  (void)item;
  switch (errcode) {
  case GMIME_WARN_MALFORMED_MULTIPART: warn_code (user_data, "mime.malformed_multipart"); break;
  case GMIME_WARN_TRUNCATED_MESSAGE: warn_code (user_data, "mime.truncated"); break;
  case GMIME_WARN_INVALID_CONTENT_TYPE: warn_code (user_data, "mime.invalid_content_type"); break;
  case GMIME_CRIT_INVALID_HEADER_NAME: warn_code (user_data, "mime.invalid_header"); break;
  case GMIME_WARN_UNENCODED_8BIT_HEADER: warn_code (user_data, "mime.unencoded_header"); break;
  default: break;
  }
}

static char *
gmime_dump (GByteArray *buf)
{
  GString *out = g_string_new (NULL);
  GString *warnings = g_string_new (NULL);
  GMimeStream *mem = g_mime_stream_mem_new_with_byte_array (buf);
  g_mime_stream_mem_set_owner (GMIME_STREAM_MEM (mem), FALSE);
  GMimeParser *parser = g_mime_parser_new_with_stream (mem);
  g_object_unref (mem);
  g_mime_parser_set_format (parser, GMIME_FORMAT_MESSAGE);
  GMimeParserOptions *opts = g_mime_parser_options_new ();
  g_mime_parser_options_set_warning_callback (opts, gmime_warning, warnings);
  GMimeMessage *msg = g_mime_parser_construct_message (parser, opts);
  if (!msg) {
    g_string_append (out, "(no message)\n");
  } else {
    gmime_dump_headers (out, GMIME_OBJECT (msg), 0);
    GMimeObject *body = g_mime_message_get_mime_part (msg);
    if (body)
      gmime_dump_object (out, body, 0);
    g_object_unref (msg);
  }
  g_object_unref (parser);
  g_mime_parser_options_free (opts);
  g_string_append (out, warnings->str);
  g_string_free (warnings, TRUE);
  return g_string_free (out, FALSE);
}

/* The reader's side. */
static void dump_part (GString *out, const DsnMimePart *p, int depth);

static void
dump_headers (GString *out, const DsnMimeHeaders *h, int depth)
{
  for (guint i = 0; i < dsn_mime_headers_count (h); i++) {
    DsnMimeField *f = dsn_mime_headers_at (h, i);
    g_string_append_printf (out, "%*sH %s: %s\n", depth, "", dsn_mime_field_name (f),
                            dsn_mime_field_value (f));
  }
}

static void
dump_part (GString *out, const DsnMimePart *p, int depth)
{
  const char *kind = p->kind == DSN_MIME_MULTIPART ? "multipart"
                     : p->kind == DSN_MIME_MESSAGE ? "message"
                                                   : "leaf";
  g_string_append_printf (out, "%*s%s %s/%s charset=%s", depth, "", kind, p->type, p->subtype,
                          p->charset ? p->charset : "(none)");
  if (p->kind == DSN_MIME_LEAF) {
    g_string_append_printf (out, " enc=%d\n", p->encoding);
    g_autoptr (GByteArray) arr = dsn_mime_part_decode (p);
    g_string_append_printf (out, "%*s", depth, "");
    dump_bytes (out, arr->data, arr->len);
  } else if (p->kind == DSN_MIME_MULTIPART) {
    g_string_append_c (out, '\n');
    g_string_append_printf (out, "%*sprologue ", depth, "");
    if (p->prologue)
      dump_bytes (out, (const guint8 *)p->prologue, strlen (p->prologue));
    else
      g_string_append (out, "(null)\n");
    for (guint i = 0; i < p->children->len; i++)
      dump_part (out, p->children->pdata[i], depth + 1);
  } else {
    g_string_append_c (out, '\n');
    if (!p->message) {
      g_string_append_printf (out, "%*s(no message)\n", depth + 1, "");
      return;
    }
    dump_headers (out, &p->message->headers, depth + 1);
    dump_part (out, p->message->body, depth + 1);
  }
}

static void
reader_warning (const char *code, gpointer data)
{
  warn_code (data, code);
}

static char *
reader_dump (GByteArray *buf)
{
  GString *out = g_string_new (NULL);
  GString *warnings = g_string_new (NULL);
  DsnMimeMessage *m = dsn_mime_parse ((const char *)buf->data, buf->len, reader_warning, warnings);
  if (!m) {
    g_string_append (out, "(no message)\n");
  } else {
    dump_headers (out, &m->headers, 0);
    dump_part (out, m->body, 0);
    dsn_mime_message_free (m);
  }
  g_string_append (out, warnings->str);
  g_string_free (warnings, TRUE);
  return g_string_free (out, FALSE);
}

/* ------------------------------------------------------------ comparing */

static guint compared, differed;

/* Compares both readings of DATA as the analysis gives it to them
 * (newlines made LF, NULs spaces). */
static void
compare (const char *what, const char *data, gsize len)
{
  gsize nuls;
  g_autoptr (GByteArray) buf = dsn_intake_normalize (data, len, &nuls);
  g_autofree char *want = gmime_dump (buf);
  g_autofree char *got = reader_dump (buf);
  compared++;
  if (strcmp (want, got) != 0) {
    differed++;
    if (differed <= 5)
      g_test_message ("%s: GMime read:\n%s\nthe reader:\n%s", what, want, got);
  }
}

/* DATA whole, and cut short at nine places. */
static void
compare_cuts (const char *what, const char *data, gsize len)
{
  compare (what, data, len);
  for (int i = 1; i < 10; i++) {
    gsize cut = len * i / 10;
    g_autofree char *name = g_strdup_printf ("%s cut at %" G_GSIZE_FORMAT, what, cut);
    compare (name, data, cut);
  }
}

static void
test_files (void)
{
  for (char **d = dirs; d && *d; d++) {
    g_autoptr (GDir) dir = g_dir_open (*d, 0, NULL);
    if (!dir)
      continue;
    const char *name;
    while ((name = g_dir_read_name (dir))) {
      g_autofree char *path = g_build_filename (*d, name, NULL);
      g_autofree char *data = NULL;
      gsize len;
      if (g_file_test (path, G_FILE_TEST_IS_DIR) || !g_file_get_contents (path, &data, &len, NULL))
        continue;
      compare_cuts (path, data, len);
    }
  }
  g_test_message ("%u readings compared", compared);
  g_assert_cmpuint (differed, ==, 0);
}

/* Broken messages the files may not have. */
static void
test_made (void)
{
  static const char *const cases[] = {
    "",
    "\n",
    "\nbody only\n",
    "Subject: no body",
    "Subject: no body\n",
    "Subject: x\nno colon here\n\nbody\n",
    "Subject: x\n:empty name\n\nbody\n",
    "From someone Mon Jan  1 00:00:00 2024\nSubject: x\n\nbody\n",
    ">From someone\nFrom other\nSubject: x\n\nbody\n",
    "garbage line\nSubject: x\n\nbody\n",
    "Subject: x\nName With Space: v\n\nbody\n",
    "Subject: x\nName : v\n\nbody\n",
    "Subject: caf\xc3\xa9\nX-Bad: \xe9t\xe9\n\nbody\n",
    "Subj\xe9"
    "ct: x\n\nbody\n",
    "Subject: x\n folded\n\tagain\nTo: a@b\n\nbody\n",
    "Subject: x\r folded\n\tagain \r\nTo: a@b\n\nbody\n",
    "Subject: a  \t b\n   c \t\n\t\nX-Ctl: a\x01"
    "b\x7f  =? ?= =?x\nX-Empty:\nX-Blank:   \n\nbody\n",
    "Subject: =?utf-8?q?caf=C3=A9?= =?iso-8859-1?q?=E9t=E9?=\n\nbody\n",
    "Content-Type: text/plain; charset=\"iso-8859-1\"\nContent-Transfer-Encoding: "
    "quoted-printable\n\ncaf=E9 =\nsoft\n",
    "Content-Type: text/plain\nContent-Transfer-Encoding: base64\n\nY2Fmw6kK\nbm90IGI2NCE=\n",
    "Content-Type: text/plain\nContent-Transfer-Encoding: x-uuencode\n\nbegin 644 f\n"
    "#8V%F\n`\nend\n",
    "Content-Type: text\n\nbody\n",
    "Content-Type: ;;;\n\nbody\n",
    "Content-Type: multipart/mixed\n\nno boundary\n--x\n",
    "Content-Type: multipart/mixed; boundary=x\n\nprologue\n--x\n\none\n--x\nContent-Type: "
    "text/html\n\n<p>two</p>\n--x--\nepilogue\n",
    "Content-Type: multipart/mixed; boundary=x\n\n--x\n\none\n--x\n",
    "Content-Type: multipart/mixed; boundary=x\n\n--x\n\none\n--x",
    "Content-Type: multipart/mixed; boundary=x\n\n--x\n\none",
    "Content-Type: multipart/mixed; boundary=x\n\n--x\n",
    "Content-Type: multipart/mixed; boundary=x\n\n--x",
    "Content-Type: multipart/mixed; boundary=x\n\nnever a boundary\n",
    "Content-Type: multipart/mixed; boundary=\"a b\"\n\n--a b \n\none\n--a b--  \n",
    "Content-Type: multipart/mixed; boundary=x\n\n--x\nContent-Type: multipart/alternative; "
    "boundary=y\n\n--y\n\ninner\n--x\n\nouter\n--x--\n",
    "Content-Type: multipart/mixed; boundary=x\n\n--x\nContent-Type: multipart/alternative; "
    "boundary=y\n\n--y\n\ninner\n--x--\n",
    "Content-Type: multipart/mixed; boundary=x\n\n--x\nContent-Type: multipart/alternative; "
    "boundary=xy\n\n--xy\n\ninner\n--xy--\n--x--\n",
    "Content-Type: multipart/report; boundary=x\n\n--x\n\ntext\n--x\nContent-Type: "
    "message/delivery-status\n\nReporting-MTA: dns; a\n\nFinal-Recipient: rfc822; b@c\n"
    "Action: failed\n--x\nContent-Type: message/rfc822\n\nSubject: original\nFrom: a@b\n\nhi\n"
    "--x--\n",
    "Content-Type: multipart/mixed; boundary=x\n\n--x\nContent-Type: message/rfc822\n\n--x\n"
    "\nafter\n--x--\n",
    "Content-Type: multipart/mixed; boundary=x\n\n--x\nContent-Type: message/rfc822\n\n"
    "no colon\n--x--\n",
    "Content-Type: multipart/mixed; boundary=x\n\n--x\nContent-Type: message/rfc822\n\n"
    "Subject: cut",
    "Content-Type: multipart/mixed; boundary=x\n\n--x\nContent-Type: message/rfc822\n"
    "Content-Transfer-Encoding: base64\n\nU3ViamVjdDogeAoKYm9keQo=\n--x--\n",
    "Content-Type: multipart/mixed; boundary=x\n\n--x\nContent-Type: message/rfc822\n\n"
    "Subject: inner\nContent-Type: multipart/mixed; boundary=y\n\n--y\n\ninside\n--x\n\nnext\n"
    "--x--\n",
    "Content-Type: multipart/digest; boundary=x\n\n--x\n\nSubject: digested\n\nbody\n--x--\n",
    "Content-Type: message/rfc822\n\nSubject: whole\n\nbody\n",
    "Content-Type: text/plain; charset*=utf-8''%C3%A9\n\nbody\n",
    "Content-type: TEXT/PLAIN; CHARSET=US-ASCII\nContent-Type: text/html\n\n<b>x</b>\n",
    "Content-Transfer-Encoding: base64\nContent-Transfer-Encoding: 7bit\n\nbm8=\n",
    "Subject: x\n   \n\nbody\n",
    "Subject: x\n\x01ctrl: y\n\nbody\n",
    "Content-Type: multipart/mixed; boundary=x\n\n--x\n garbage first\nContent-Type: "
    "text/plain\n\nbody\n--x--\n",
    "Content-Type: multipart/mixed; boundary=x\n\n--x\nbroken",
    "Content-Type: multipart/mixed; boundary=x\n\n--x\nbroken line\n",
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autofree char *name = g_strdup_printf ("case %" G_GSIZE_FORMAT, i);
    compare_cuts (name, cases[i], strlen (cases[i]));
  }
  g_assert_cmpuint (differed, ==, 0);
}

/* Content-Type values read by the reader's own path for plain values and
 * by GMime: the same type, subtype, charset, boundary and validity, for
 * hand-made values at the edges of what counts as plain (the others must be
 * left to GMime) and every value of the test messages. */
static void
check_content_type (const char *value, guint *plain)
{
  g_autofree char *own = dsn_mime_content_type_reading (value, FALSE);
  if (!own)
    return;
  (*plain)++;
  g_autofree char *gmime = dsn_mime_content_type_reading (value, TRUE);
  if (g_strcmp0 (own, gmime) != 0)
    g_test_message ("Content-Type: %s\n  own:   %s\n  GMime: %s", value, own, gmime);
  g_assert_cmpstr (own, ==, gmime);
}

static void
test_content_types (void)
{
  static const char *const values[] = {
    "text/plain",
    "Text/Plain; Charset=US-ASCII",
    "text/plain;charset=utf-8",
    "text/plain; charset=\"utf-8\"",
    "text/plain; charset=utf-8;",
    "text/plain; charset=utf-8;;",
    "text/plain ; charset = utf-8",
    "text/plain;\tcharset=us-ascii",
    "  text/plain  ",
    "multipart/mixed; boundary=\"----=_Part_1_2.3\"",
    "multipart/report; report-type=delivery-status; boundary=\"abc def\"",
    "text/plain; charset=utf-8; charset=latin1",
    "text/plain; CHARSET=a; charset=b",
    "text/plain; charset*=utf-8''x",
    "text/plain; charset*0=ut; charset*1=f-8",
    "text/plain; name=\"=?utf-8?q?a?=\"",
    "text/plain; charset==?utf-8?q?a?=",
    "text/plain (comment)",
    "text/plain; charset=\"a\\\"b\"",
    "text/plain; charset=\"\"",
    "text/plain; charset=",
    "text/plain; =x",
    "text/plain; charset=utf-8 x",
    "text",
    "/plain",
    "text/",
    "text /plain",
    "text/ plain",
    "",
    ";",
    "text/plain; a=1; b=2; c=3; d=4; e=5; f=6; g=7; h=8; i=9",
    "text/plain; charset=\"caf\xc3\xa9\"",
    "text/pl\xc3\xa4in",
    "message/delivery-status",
    "application/octet-stream; name=a.txt",
    "text/plain; format=flowed; delsp=yes; charset=iso-8859-1",
    "text/plain; boundary=x; charset=y",
  };
  guint plain = 0;
  for (gsize i = 0; i < G_N_ELEMENTS (values); i++)
    check_content_type (values[i], &plain);
  g_assert_cmpuint (plain, >=, 10);
  /* Every value of the files given, unfolded as the reader does. */
  guint seen = 0;
  plain = 0;
  for (char **d = dirs; *d; d++) {
    g_autoptr (GDir) dir = g_dir_open (*d, 0, NULL);
    const char *name;
    while (dir && (name = g_dir_read_name (dir))) {
      g_autofree char *path = g_build_filename (*d, name, NULL);
      g_autofree char *text = NULL;
      if (!g_file_get_contents (path, &text, NULL, NULL))
        continue;
      for (char *line = text; line && *line;) {
        char *end = strchr (line, '\n');
        if (g_ascii_strncasecmp (line, "Content-Type:", 13) == 0) {
          g_autoptr (GString) v = g_string_new (NULL);
          const char *p = line + 13;
          for (;;) {
            const char *e = strchr (p, '\n');
            g_string_append_len (v, p, e ? e - p : (gssize)strlen (p));
            if (!e || (e[1] != ' ' && e[1] != '\t'))
              break;
            p = e + 1;
          }
          g_strstrip (v->str);
          check_content_type (v->str, &plain);
          seen++;
        }
        line = end ? end + 1 : NULL;
      }
    }
  }
  g_test_message ("%u Content-Type values in the files, %u read as plain", seen, plain);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_mime_init ();
  dirs = argv + 1;
  g_test_add_func ("/mime/made", test_made);
  g_test_add_func ("/mime/files", test_files);
  g_test_add_func ("/mime/content-types", test_content_types);
  return g_test_run ();
}
