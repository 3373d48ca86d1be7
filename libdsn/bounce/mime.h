/* bounce: the MIME reader. A message split into a light tree of spans over
 * the analysed buffer: header fields as written (values unfolded and
 * decoded when asked), parts with their content type, transfer encoding
 * and body, multiparts split on their boundaries, attached messages read
 * in turn. It reads as GMime's parser does (the same tolerance of broken
 * boundaries and headers, the same parse warnings) without building
 * GMime's objects; GMime still parses the content types and decodes the
 * header words and the transfer encodings. Not installed.
 * SPDX-License-Identifier: BSD-2-Clause */
#ifndef LIBDSN_BOUNCE_MIME_H
#define LIBDSN_BOUNCE_MIME_H

#include "core/core.h"

G_BEGIN_DECLS

/* One header field. NAME and RAW point into the parsed buffer. */
typedef struct {
  const char *name; /* NAME_LEN bytes, blanks before the colon left out */
  const char *raw;  /* RAW_LEN bytes after the colon: folds and the last newline kept */
  guint name_len;
  guint raw_len;
  char *name_z; /* NAME, NUL-terminated, made on first use */
  char *value;  /* unfolded and decoded (RFC 2047), made on first use */
} DsnMimeField;

/* A header block, in the order written (duplicates kept). */
typedef struct {
  GArray *fields; /* DsnMimeField */
} DsnMimeHeaders;

typedef enum {
  DSN_MIME_LEAF,      /* a body: text, delivery-status, an encoded message... */
  DSN_MIME_MULTIPART, /* parts split on a boundary */
  DSN_MIME_MESSAGE,   /* message/rfc822 (global, news): a message read in turn */
} DsnMimeKind;

typedef struct _DsnMimeMessage DsnMimeMessage;
typedef struct _DsnMimePart DsnMimePart;

struct _DsnMimePart {
  DsnMimeKind kind;
  char *type, *subtype; /* as its Content-Type says (application/octet-stream when it
                         * cannot be read), else the default (text/plain) */
  char *charset;        /* the charset parameter, or NULL */
  int encoding;         /* a GMimeContentEncoding: its Content-Transfer-Encoding */
  const char *content;  /* LEAF: the body as written, CONTENT_LEN bytes; MESSAGE: the
                         * message as written */
  gsize content_len;
  char *prologue;          /* MULTIPART: the text before the first boundary, or NULL */
  GPtrArray *children;     /* MULTIPART: DsnMimePart */
  DsnMimeMessage *message; /* MESSAGE: NULL when no header block could be read */
};

struct _DsnMimeMessage {
  DsnMimeHeaders headers; /* the message's fields but its Content-* ones (its body's) */
  DsnMimePart *body;      /* never NULL */
};

/* The parse warnings (catalogue/warnings.keys "mime.*"). */
typedef void (*DsnMimeWarnFunc) (const char *code, gpointer data);

/* Reads the LEN bytes of BUF (LF newlines, no NUL; BUF[LEN] is NUL) as a
 * message; WARN (may be NULL) is called for each anomaly met. NULL when
 * the text has no header block. BUF must outlive the tree. */
DSN_INTERNAL DsnMimeMessage *dsn_mime_parse (const char *buf, gsize len, DsnMimeWarnFunc warn,
                                             gpointer data);
DSN_INTERNAL void dsn_mime_message_free (DsnMimeMessage *m);
/* For the tests: how a Content-Type VALUE is read ("type|subtype|charset|
 * boundary|valid"), by GMime if BY_GMIME, else by the reader's own path for
 * plain values (NULL if VALUE is not one: GMime reads it). */
DSN_INTERNAL char *dsn_mime_content_type_reading (const char *value, gboolean by_gmime);

DSN_INTERNAL guint dsn_mime_headers_count (const DsnMimeHeaders *h);
DSN_INTERNAL DsnMimeField *dsn_mime_headers_at (const DsnMimeHeaders *h, guint i);
/* The value of the first field NAME (any case), or NULL. */
DSN_INTERNAL const char *dsn_mime_headers_get (const DsnMimeHeaders *h, const char *name);
/* TRUE if F is named NAME (any case). */
DSN_INTERNAL gboolean dsn_mime_field_is (const DsnMimeField *f, const char *name);
DSN_INTERNAL const char *dsn_mime_field_name (DsnMimeField *f);
/* F's value unfolded and decoded (RFC 2047), as GMime gives it. */
DSN_INTERNAL const char *dsn_mime_field_value (DsnMimeField *f);

/* TEXT with its encoded words decoded (g_mime_utils_header_decode_text()),
 * newly allocated; ASCII text without one is copied as it is. */
DSN_INTERNAL char *dsn_mime_decode_text (const char *text);

/* TRUE if P's content type is TYPE/SUBTYPE (any case). */
DSN_INTERNAL gboolean dsn_mime_part_is (const DsnMimePart *p, const char *type,
                                        const char *subtype);
/* The body of the leaf P with its transfer encoding undone (base64,
 * quoted-printable, uuencode), newly allocated. */
DSN_INTERNAL GByteArray *dsn_mime_part_decode (const DsnMimePart *p);
/* The first leaf of type TYPE/SUBTYPE under P, depth first; INTO_MESSAGES
 * to look inside attached messages too. NULL if none. */
DSN_INTERNAL const DsnMimePart *dsn_mime_find_leaf (const DsnMimePart *p, const char *type,
                                                    const char *subtype, gboolean into_messages);

G_END_DECLS

#endif
