/* dsn-web's work on the pool (dsn-web.c hands it out): a request's form
 * read, its messages analysed as dsn-explain reads them, and the answer
 * made: dsn-explain's JSON, the page, or mailcheck's JSON.
 * SPDX-License-Identifier: BSD-2-Clause */
#include "web.h"

#include <errno.h>
#include <libsoup/soup.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* A message longer than this is not put back into the form. */
#define ECHO_MAX (1024 * 1024)

/* The fields of a form, or the raw body. */
typedef struct {
  GBytes *message;
  char *filename; /* of an uploaded file */
  char *lang, *switch_lang;
  gboolean check;
} Form;

static void
form_clear (Form *f)
{
  if (f->message)
    g_bytes_unref (f->message);
  g_free (f->filename);
  g_free (f->lang);
  g_free (f->switch_lang);
}

static void
form_field (Form *f, const char *name, GBytes *value, const char *filename)
{
  gsize len;
  const char *data = g_bytes_get_data (value, &len);
  if (!strcmp (name, "message") || (!strcmp (name, "file") && len > 0)) {
    /* A file chosen wins over the text area. */
    if (f->message && f->filename && strcmp (name, "file"))
      return;
    if (f->message)
      g_bytes_unref (f->message);
    f->message = g_bytes_ref (value);
    g_free (f->filename);
    f->filename = filename && *filename ? g_path_get_basename (filename) : NULL;
  } else if (!strcmp (name, "lang")) {
    g_free (f->lang);
    f->lang = g_strndup (data, len);
  } else if (!strcmp (name, "switch")) {
    g_free (f->switch_lang);
    f->switch_lang = g_strndup (data, len);
  } else if (!strcmp (name, "check")) {
    f->check = len > 0 && data[0] == '1';
  }
}

static void
read_form (const WebWork *w, Form *f)
{
  const char *ct = w->content_type ? w->content_type : "";
  if (!g_ascii_strncasecmp (ct, "multipart/form-data", 19)) {
    SoupMessageHeaders *h = soup_message_headers_new (SOUP_MESSAGE_HEADERS_MULTIPART);
    soup_message_headers_replace (h, "Content-Type", ct);
    SoupMultipart *mp = soup_multipart_new_from_message (h, w->body);
    soup_message_headers_unref (h);
    for (int i = 0; mp && i < soup_multipart_get_length (mp); i++) {
      SoupMessageHeaders *ph;
      GBytes *pb;
      char *disposition = NULL;
      GHashTable *params = NULL;
      if (soup_multipart_get_part (mp, i, &ph, &pb)
          && soup_message_headers_get_content_disposition (ph, &disposition, &params)) {
        const char *name = g_hash_table_lookup (params, "name");
        if (name && !g_ascii_strcasecmp (disposition, "form-data"))
          form_field (f, name, pb, g_hash_table_lookup (params, "filename"));
        g_free (disposition);
        g_hash_table_destroy (params);
      }
    }
    if (mp)
      soup_multipart_free (mp);
  } else if (!g_ascii_strncasecmp (ct, SOUP_FORM_MIME_TYPE_URLENCODED,
                                   strlen (SOUP_FORM_MIME_TYPE_URLENCODED))) {
    gsize len;
    const char *data = g_bytes_get_data (w->body, &len);
    g_autofree char *text = g_strndup (data, len);
    g_autoptr (GHashTable) fields = soup_form_decode (text);
    /* "curl --data-binary @bounce.eml" labels the raw message a form. */
    if (!g_hash_table_contains (fields, "message")) {
      f->message = g_bytes_ref (w->body);
      return;
    }
    GHashTableIter it;
    gpointer k, v;
    g_hash_table_iter_init (&it, fields);
    while (g_hash_table_iter_next (&it, &k, &v)) {
      g_autoptr (GBytes) b = g_bytes_new (v, strlen (v));
      form_field (f, k, b, NULL);
    }
  } else {
    f->message = g_bytes_ref (w->body);
  }
}

static WebResult *
analyse_one (const WebSettings *set, const char *data, gsize len, guint index, gboolean check)
{
  WebResult *r = g_new0 (WebResult, 1);
  g_autoptr (GError) error = NULL;
  r->index = index;
  r->report = dsn_analyzer_analyze (set->analyzer, data ? data : "", len, &error);
  if (!r->report)
    r->error = g_strdup (error->message);
#if DSN_HAVE_DNS
  else if (check)
    dsn_report_check (r->report, set->resolver, set->dnsbl, NULL);
#endif
  return r;
}

/* The messages of MESSAGE, analysed as dsn-explain reads standard input:
 * an mbox when it starts with a "From " line, else one message. */
static GPtrArray *
analyse (const WebSettings *set, GBytes *message, gboolean check)
{
  GPtrArray *results = g_ptr_array_new_with_free_func ((GDestroyNotify)web_result_free);
  gsize len;
  const char *data = g_bytes_get_data (message, &len);
  if (len < 5 || memcmp (data, "From ", 5) != 0) {
    g_ptr_array_add (results, analyse_one (set, data, len, 0, check));
    return results;
  }
  /* The library's reader splits an mbox from a path: give it one in
   * memory, never on disk. */
  g_autoptr (GError) error = NULL;
  int fd = memfd_create ("dsn-web", MFD_CLOEXEC);
  gsize done = 0;
  while (fd >= 0 && done < len) {
    gssize n = write (fd, data + done, len - done);
    if (n <= 0)
      break;
    done += n;
  }
  g_autofree char *path = g_strdup_printf ("/proc/self/fd/%d", fd);
  g_autoptr (DsnReader) reader
      = fd >= 0 && done == len ? dsn_reader_new (path, DSN_FORMAT_MBOX, &error) : NULL;
  for (;;) {
    GBytes *msg = NULL;
    guint index = 0;
    g_autoptr (GError) e = NULL;
    if (!reader || !dsn_reader_next (reader, &msg, NULL, &index, &e))
      break;
    if (msg) {
      gsize mlen;
      const char *mdata = g_bytes_get_data (msg, &mlen);
      g_ptr_array_add (results, analyse_one (set, mdata, mlen, index, check));
      g_bytes_unref (msg);
    } else {
      WebResult *r = g_new0 (WebResult, 1);
      r->index = index;
      r->error = g_strdup (e->message);
      g_ptr_array_add (results, r);
    }
  }
  if (fd >= 0)
    close (fd);
  if (!reader) {
    WebResult *r = g_new0 (WebResult, 1);
    r->error = g_strdup_printf ("the mbox could not be split: %s",
                                error ? error->message : g_strerror (errno));
    g_ptr_array_add (results, r);
  }
  return results;
}

/* POST /api/explain: what "dsn-explain --json" prints for the same input,
 * one line per message. */
static void
work_api_explain (WebWork *w)
{
  Form f = { 0 };
  read_form (w, &f);
  const char *lang
      = web_negotiate_lang (w->lang_param ? w->lang_param : f.lang, w->accept_language);
  g_autoptr (GBytes) empty = g_bytes_new_static ("", 0);
  g_autoptr (GPtrArray) results = analyse (w->settings, f.message ? f.message : empty, w->check);
  GString *out = g_string_new (NULL);
  for (guint i = 0; i < results->len; i++) {
    const WebResult *r = results->pdata[i];
    /* The members and their order are dsn-explain's (format_json). */
    DsnJson *json = dsn_json_new_text ();
    dsn_json_begin_object (json);
    dsn_json_set_member_name (json, "schema");
    dsn_json_add_int_value (json, DSN_JSON_SCHEMA);
    dsn_json_set_member_name (json, "source");
    dsn_json_begin_object (json);
    dsn_json_member (json, "path", f.filename ? f.filename : "-");
    dsn_json_set_member_name (json, "index");
    if (r->index)
      dsn_json_add_int_value (json, r->index);
    else
      dsn_json_add_null_value (json);
    dsn_json_end_object (json);
    if (r->report) {
      dsn_report_write_json_members (r->report, json, lang);
    } else {
      dsn_json_member (json, "kind", "error");
      dsn_json_member (json, "error", r->error);
    }
    dsn_json_end_object (json);
    g_autofree char *line = dsn_json_free_to_string (json);
    g_string_append (out, line);
    g_string_append_c (out, '\n');
  }
  w->status = SOUP_STATUS_OK;
  /* Several messages (an mbox) are JSON Lines, as dsn-explain prints them. */
  w->type
      = results->len > 1 ? "application/jsonl; charset=utf-8" : "application/json; charset=utf-8";
  w->out = g_string_free_to_bytes (out);
  form_clear (&f);
}

/* POST /explain: the page with the verdict. */
static void
work_page (WebWork *w)
{
  Form f = { 0 };
  read_form (w, &f);
  WebPage page = { 0 };
  page.lang = web_negotiate_lang (f.switch_lang ? f.switch_lang : f.lang, w->accept_language);
  page.dns_allowed = w->settings->allow_dns;
  page.check = f.check && w->settings->allow_dns;
  page.message_kept = TRUE;
  gsize len = 0;
  const char *data = f.message ? g_bytes_get_data (f.message, &len) : NULL;
  g_autoptr (GPtrArray) results = NULL;
  g_autofree char *echo = NULL;
  /* Only spaces: nothing to explain. A language switch on an empty form
   * just changes the language. */
  gboolean blank = TRUE;
  for (gsize i = 0; i < len && blank; i++)
    blank = g_ascii_isspace (data[i]);
  if (blank) {
    if (!f.switch_lang)
      page.notice = web_text ("page.empty", page.lang);
  } else {
    results = analyse (w->settings, f.message, page.check);
    page.results = results;
    if (len <= ECHO_MAX && !memchr (data, '\0', len) && g_utf8_validate_len (data, len, NULL))
      page.message = echo = g_strndup (data, len);
    else
      page.message_kept = FALSE;
  }
  w->status = SOUP_STATUS_OK;
  w->type = "text/html; charset=utf-8";
  char *html = web_page_render (&page);
  w->out = g_bytes_new_take (html, strlen (html));
  form_clear (&f);
}

/* POST /api/check?domain=: what "mailcheck --json DOMAIN" prints. */
static void
work_check (WebWork *w)
{
#if DSN_HAVE_DNS
  const char *lang = web_negotiate_lang (w->lang_param, w->accept_language);
  /* An address stands for its domain, as for mailcheck. */
  const char *at = strrchr (w->domain, '@');
  g_autoptr (GError) error = NULL;
  g_autoptr (DsnAudit) audit
      = dsn_resolver_audit (w->settings->resolver, at ? at + 1 : w->domain, DSN_AREA_ALL, NULL,
                            w->settings->dnsbl, NULL, &error);
  DsnJson *json = dsn_json_new_tree ();
  if (audit) {
    dsn_audit_write_json (audit, json, lang);
    w->status = SOUP_STATUS_OK;
  } else {
    dsn_json_begin_object (json);
    dsn_json_member (json, "error", error->message);
    dsn_json_end_object (json);
    w->status = g_error_matches (error, DSN_ERROR, DSN_ERROR_USAGE)
                    ? SOUP_STATUS_BAD_REQUEST
                    : SOUP_STATUS_INTERNAL_SERVER_ERROR;
  }
  /* Printed as mailcheck prints it: indented, for people too. */
  g_autoptr (JsonNode) node = dsn_json_free_to_node (json);
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  json_generator_set_root (gen, node);
  json_generator_set_pretty (gen, TRUE);
  json_generator_set_indent (gen, 2);
  g_autofree char *text = json_generator_to_data (gen, NULL);
  char *out = g_strconcat (text, "\n", NULL);
  w->out = g_bytes_new_take (out, strlen (out));
  w->type = "application/json; charset=utf-8";
#endif
}

void
web_work_run (WebWork *w)
{
  switch (w->kind) {
  case WORK_API_EXPLAIN: work_api_explain (w); break;
  case WORK_PAGE: work_page (w); break;
  case WORK_API_CHECK: work_check (w); break;
  }
}

void
web_work_clear (WebWork *w)
{
  g_clear_pointer (&w->body, g_bytes_unref);
  g_clear_pointer (&w->content_type, g_free);
  g_clear_pointer (&w->lang_param, g_free);
  g_clear_pointer (&w->accept_language, g_free);
  g_clear_pointer (&w->domain, g_free);
  g_clear_pointer (&w->out, g_bytes_unref);
}
