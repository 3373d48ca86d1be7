/* dsn-web's parts beside its server (dsn-web.c): the work on the pool
 * (web-work.c) and the page, rendered from the library's getters
 * (web-page.c).
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
  const char *lang;         /* a language of dsn_catalogue_get_languages() */
  gboolean dns_allowed;     /* offer the DNS re-check */
  gboolean check;           /* ... ticked */
  const char *message;      /* put back into the form (valid UTF-8), or NULL */
  gboolean message_kept;    /* FALSE: a message was sent but is not put back */
  const char *notice;       /* a plain-text notice above the verdict, or NULL */
  const GPtrArray *results; /* WebResult*: the verdict, or NULL for none */
} WebPage;

/* The whole HTML page. Every text from the message is escaped. */
char *web_page_render (const WebPage *page);

/* The page's own sentence CODE (catalogue/web.keys) in LANG. */
const char *web_text (const char *code, const char *lang);

/* A file served under /static/ (NAME without the prefix), with its media
 * type; NULL if there is none. */
GBytes *web_asset (const char *name, const char **content_type);

/* ------------------------------------------------------------ web-work.c */

/* The server's settings, fixed before it starts: the workers only read them. */
typedef struct {
  const DsnAnalyzer *analyzer;
  gboolean allow_dns;
#if DSN_HAVE_DNS
  DsnResolver *resolver;
  const char *const *dnsbl; /* --dnsbl, or NULL */
#endif
} WebSettings;

typedef enum {
  WORK_PAGE,        /* POST /explain: the page with the verdict */
  WORK_API_EXPLAIN, /* POST /api/explain: dsn-explain's JSON */
  WORK_API_CHECK,   /* POST /api/check: mailcheck's JSON */
} WebWorkKind;

/* A request's analysis: what the server read of it, and the answer. */
typedef struct {
  WebWorkKind kind;
  const WebSettings *settings;
  GBytes *body;          /* the request's body */
  char *content_type;    /* its Content-Type, or NULL */
  char *lang_param;      /* ?lang=, or NULL */
  char *accept_language; /* Accept-Language, or NULL */
  gboolean check;        /* ?check=1 (allowed) */
  char *domain;          /* ?domain= */
  /* The answer. */
  guint status;
  const char *type;
  GBytes *out;
} WebWork;

/* Does W: reads the body (a message, or a form with a "message" text or
 * file), analyses every message as dsn-explain reads standard input, and
 * sets the answer. Blocking; for a pool thread. */
void web_work_run (WebWork *w);
/* Frees what W holds. */
void web_work_clear (WebWork *w);

/* ------------------------------------------------------------ web-page.c */

/* The language asked for: PARAM (a "lang" field) when it names one of the
 * catalogue's languages, else the first of ACCEPT (an Accept-Language
 * header) that does, else English. Static string. */
const char *web_negotiate_lang (const char *param, const char *accept);

#endif
