/* bench-parse: the baseline scripts/bench compares dsn-explain with. It does
 * what any program that reads bounces with GMime does before it starts its
 * own work, and nothing more: GMime's mbox parser over the file, each
 * message parsed with the default options, its MIME tree walked, every
 * header's value read, the content of each leaf part decoded (transfer
 * encoding undone) into memory, the message freed. It is linked with the
 * same allocator as the tools.
 *
 * usage: bench-parse MBOX...   prints the number of messages read
 * SPDX-License-Identifier: BSD-2-Clause */
#include <gmime/gmime.h>
#ifdef HAVE_MIMALLOC
#include <mimalloc.h>
#endif
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct {
  guint64 parts, bytes, headers;
} Counts;

static void
read_headers (GMimeObject *obj, Counts *c)
{
  GMimeHeaderList *list = g_mime_object_get_header_list (obj);
  int n = g_mime_header_list_get_count (list);
  for (int i = 0; i < n; i++) {
    const char *v = g_mime_header_get_value (g_mime_header_list_get_header_at (list, i));
    c->headers += v != NULL;
  }
}

static void
walk (GMimeObject *obj, Counts *c)
{
  c->parts++;
  read_headers (obj, c);
  if (GMIME_IS_MULTIPART (obj)) {
    GMimeMultipart *mp = GMIME_MULTIPART (obj);
    int n = g_mime_multipart_get_count (mp);
    for (int i = 0; i < n; i++)
      walk (g_mime_multipart_get_part (mp, i), c);
  } else if (GMIME_IS_MESSAGE_PART (obj)) {
    GMimeMessage *m = g_mime_message_part_get_message (GMIME_MESSAGE_PART (obj));
    if (m) {
      read_headers (GMIME_OBJECT (m), c);
      GMimeObject *body = g_mime_message_get_mime_part (m);
      if (body)
        walk (body, c);
    }
  } else if (GMIME_IS_PART (obj)) {
    GMimeDataWrapper *content = g_mime_part_get_content (GMIME_PART (obj));
    if (!content)
      return;
    GByteArray *arr = g_byte_array_new ();
    GMimeStream *mem = g_mime_stream_mem_new_with_byte_array (arr);
    g_mime_stream_mem_set_owner (GMIME_STREAM_MEM (mem), FALSE);
    g_mime_data_wrapper_write_to_stream (content, mem);
    g_object_unref (mem);
    c->bytes += arr->len;
    g_byte_array_unref (arr);
  }
}

int
main (int argc, char **argv)
{
  if (argc < 2) {
    fprintf (stderr, "usage: bench-parse MBOX...\n");
    return 2;
  }
#ifdef HAVE_MIMALLOC
  mi_option_disable (mi_option_show_errors); /* and keeps the allocator linked */
#endif
  g_mime_init ();
  guint64 messages = 0;
  Counts c = { 0 };
  for (int i = 1; i < argc; i++) {
    GMimeStream *stream = g_mime_stream_fs_open (argv[i], O_RDONLY, 0, NULL);
    if (!stream) {
      fprintf (stderr, "bench-parse: cannot open %s\n", argv[i]);
      return 1;
    }
    GMimeParser *parser = g_mime_parser_new_with_stream (stream);
    g_object_unref (stream);
    g_mime_parser_set_format (parser, GMIME_FORMAT_MBOX);
    while (!g_mime_parser_eos (parser)) {
      GMimeMessage *msg = g_mime_parser_construct_message (parser, NULL);
      if (!msg)
        break;
      read_headers (GMIME_OBJECT (msg), &c);
      GMimeObject *body = g_mime_message_get_mime_part (msg);
      if (body)
        walk (body, &c);
      g_object_unref (msg);
      messages++;
    }
    g_object_unref (parser);
  }
  printf ("%" G_GUINT64_FORMAT " messages, %" G_GUINT64_FORMAT " parts, %" G_GUINT64_FORMAT
          " headers, %" G_GUINT64_FORMAT " bytes decoded\n",
          messages, c.parts, c.headers, c.bytes);
  g_mime_shutdown ();
  return 0;
}
