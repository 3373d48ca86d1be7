/* dsn-web's parts beside its server (dsn-web.c): the page, rendered from the
 * library's getters (web-page.c), and what both share.
 * SPDX-License-Identifier: BSD-2-Clause */
#ifndef DSN_CMD_WEB_H
#define DSN_CMD_WEB_H

#include "common.h"

/* One message of a request, analysed: its report, or why it could not be. */
typedef struct {
  guint index; /* 1-based position in an mbox, 0 for a lone message */
  DsnReport *report;
  char *error;
} WebResult;

void web_result_free (WebResult *r);

/* What a page shows. */
typedef struct {
  const char *lang;        /* a language of dsn_catalogue_get_languages() */
  gboolean dns_allowed;    /* offer the DNS re-check */
  gboolean check;          /* ... ticked */
  const char *message;     /* put back into the form (valid UTF-8), or NULL */
  gboolean message_kept;   /* FALSE: a message was sent but is not put back */
  const char *notice;      /* a plain-text notice above the verdict, or NULL */
  const GPtrArray *results; /* WebResult*: the verdict, or NULL for none */
} WebPage;

/* The whole HTML page. Every text from the message is escaped. */
char *web_page_render (const WebPage *page);

/* The page's own sentence CODE (catalogue/web.keys) in LANG. */
const char *web_text (const char *code, const char *lang);

/* A file served under /static/ (NAME without the prefix), with its media
 * type; NULL if there is none. */
GBytes *web_asset (const char *name, const char **content_type);

/* The language asked for: PARAM (a "lang" field) when it names one of the
 * catalogue's languages, else the first of ACCEPT (an Accept-Language
 * header) that does, else English. Static string. */
const char *web_negotiate_lang (const char *param, const char *accept);

#endif
