/* The analysis of one message: parse it with GMime, walk the MIME tree to
 * find the report's text, its delivery-status and feedback parts and the
 * returned original, then let the dialects extract the recipients, and
 * classify them.
 * SPDX-License-Identifier: BSD-2-Clause */
#include "headers.h"
#include "rules.h"
#include "dialects/dialect.h"

#include <pthread.h>
#include <signal.h>
#include <string.h>

static const gsize default_limits[] = {
  [DSN_LIMIT_MESSAGE_SIZE] = 64 * 1024 * 1024,
  [DSN_LIMIT_MIME_DEPTH] = 32,
  [DSN_LIMIT_RECIPIENTS] = 10000,
  [DSN_LIMIT_HEADER_LENGTH] = 64 * 1024,
  [DSN_LIMIT_MIME_PARTS] = 10000,
  /* RFC 5321 §6.3: 100 Received fields mean a loop. */
  [DSN_LIMIT_TRACE_FIELDS] = 100,
};

static void
init_gmime (void)
{
  /* GMime's gpgme sets SIGPIPE to be ignored: the signal is the
   * application's, and a filter ("dsn-explain mbox | head") relies on it. */
  struct sigaction pipe;
  sigaction (SIGPIPE, NULL, &pipe);
  g_mime_init ();
  sigaction (SIGPIPE, &pipe, NULL);
}

DsnAnalyzer *
dsn_analyzer_new (void)
{
  /* pthread_once: ThreadSanitizer sees its ordering, not g_once's. */
  static pthread_once_t once = PTHREAD_ONCE_INIT;
  pthread_once (&once, init_gmime);
  DsnAnalyzer *an = g_new0 (DsnAnalyzer, 1);
  an->ref_count = 1;
  g_autoptr (GError) error = NULL;
  an->rules = dsn_rules_new_builtin (&error);
  /* The built-in rules are tested at build time; failing here is a bug. */
  if (!an->rules)
    g_error ("libdsn: built-in patterns: %s", error->message);
  return an;
}

/* The analyzer is freed when the last of the caller and the reports it made
 * lets it go. */
static void
analyzer_unref (gpointer p)
{
  DsnAnalyzer *an = p;
  if (!g_atomic_int_dec_and_test (&an->ref_count))
    return;
  dsn_rules_free (an->rules);
  if (an->own_domains)
    g_ptr_array_unref (an->own_domains);
  if (an->own_relays)
    g_ptr_array_unref (an->own_relays);
  g_free (an);
}

void
dsn_analyzer_free (DsnAnalyzer *an)
{
  if (an)
    analyzer_unref (an);
}

void
dsn_analyzer_hold (const DsnAnalyzer *an, DsnReport *rep)
{
  DsnAnalyzer *mut = (DsnAnalyzer *)an; /* the count and the seal only */
  if (!g_atomic_int_get (&mut->sealed))
    g_atomic_int_set (&mut->sealed, TRUE);
  g_atomic_int_inc (&mut->ref_count);
  rep->analyzer = an;
  rep->analyzer_release = analyzer_unref;
}

gboolean
dsn_analyzer_sealed (const DsnAnalyzer *an)
{
  return g_atomic_int_get (&an->sealed);
}

gboolean
dsn_analyzer_add_patterns_dir (DsnAnalyzer *an, const char *dir, GError **error)
{
  g_return_val_if_fail (an && dir, FALSE);
  if (dsn_analyzer_sealed (an)) {
    g_set_error (error, DSN_ERROR, DSN_ERROR_USAGE, "patterns must be loaded before analysis");
    return FALSE;
  }
  return dsn_rules_load_dir (an->rules, dir, error);
}

void
dsn_analyzer_set_limit (DsnAnalyzer *an, DsnLimit limit, gsize value)
{
  g_return_if_fail (an && (guint)limit < G_N_ELEMENTS (an->limits));
  g_return_if_fail (!dsn_analyzer_sealed (an));
  an->limits[limit] = value;
}

gsize
dsn_analyzer_get_limit (const DsnAnalyzer *an, DsnLimit limit)
{
  g_return_val_if_fail (an && (guint)limit < G_N_ELEMENTS (an->limits), 0);
  return an->limits[limit] ? an->limits[limit] : default_limits[limit];
}

/* ------------------------------------------------------------ part decoding */

static gboolean
is_utf8_name (const char *charset)
{
  return !g_ascii_strcasecmp (charset, "utf-8") || !g_ascii_strcasecmp (charset, "utf8")
         || !g_ascii_strcasecmp (charset, "us-ascii") || !g_ascii_strcasecmp (charset, "ascii");
}

/* iconv_open() finds the charset's converter and loads its module
 * (dlopen) each time: 3% of a run's time for the few charsets reports
 * come in. The descriptors to UTF-8 (and the charsets iconv does not
 * know) are kept per thread, and closed when it ends. */
#define ICONV_KEPT 8

typedef struct {
  char *charset[ICONV_KEPT];
  iconv_t cd[ICONV_KEPT];
  guint next;
} IconvKept;

static void
iconv_kept_free (gpointer data)
{
  IconvKept *k = data;
  for (guint i = 0; i < ICONV_KEPT; i++) {
    if (k->charset[i] && k->cd[i] != (iconv_t)-1)
      g_mime_iconv_close (k->cd[i]);
    g_free (k->charset[i]);
  }
  g_free (k);
}

static GPrivate iconv_kept = G_PRIVATE_INIT (iconv_kept_free);

/* A descriptor from CHARSET to UTF-8 in its initial state, or (iconv_t)-1;
 * the thread's own: not to be closed. */
static iconv_t
to_utf8_open (const char *charset)
{
  IconvKept *k = g_private_get (&iconv_kept);
  if (!k) {
    k = g_new0 (IconvKept, 1);
    g_private_set (&iconv_kept, k);
  }
  for (guint i = 0; i < ICONV_KEPT; i++)
    if (k->charset[i] && !strcmp (k->charset[i], charset)) {
      if (k->cd[i] != (iconv_t)-1)
        iconv (k->cd[i], NULL, NULL, NULL, NULL); /* back to the initial state */
      return k->cd[i];
    }
  guint slot = k->next++ % ICONV_KEPT;
  if (k->charset[slot] && k->cd[slot] != (iconv_t)-1)
    g_mime_iconv_close (k->cd[slot]);
  g_free (k->charset[slot]);
  k->charset[slot] = g_strdup (charset);
  k->cd[slot] = g_mime_iconv_open ("UTF-8", charset);
  return k->cd[slot];
}

/* Converts LEN bytes in CHARSET (may be NULL) to UTF-8. Never fails: bytes
 * that cannot be converted are decoded as the likeliest 8-bit charset. */
char *
dsn_to_utf8 (const char *buf, gsize len, const char *charset)
{
  if (!buf || len == 0)
    return g_strdup ("");
  if (charset && !is_utf8_name (charset)) {
    iconv_t cd = to_utf8_open (charset);
    if (cd != (iconv_t)-1) {
      char *out = g_mime_iconv_strndup (cd, buf, len);
      if (out && g_utf8_validate (out, -1, NULL))
        return out;
      g_free (out);
    }
  }
  /* ISO-2022-JP is 7-bit, so valid UTF-8 too: its escape sequences mark it
   * even when unlabelled. */
  if (memchr (buf, 0x1b, len)
      && (g_strstr_len (buf, len, "\x1b$B") || g_strstr_len (buf, len, "\x1b$@"))) {
    iconv_t cd = to_utf8_open ("ISO-2022-JP");
    if (cd != (iconv_t)-1) {
      char *out = g_mime_iconv_strndup (cd, buf, len);
      if (out && g_utf8_validate (out, -1, NULL))
        return out;
      g_free (out);
    }
  }
  if (dsn_utf8_validate (buf, len))
    return g_strndup (buf, len);
  /* GMime's guess may keep bytes no charset gave it (the 5- and 6-byte
   * forms of old UTF-8, F8-FD): what is still invalid is replaced. */
  char *out = g_mime_utils_decode_8bit (NULL, buf, len);
  if (!g_utf8_validate (out, -1, NULL)) {
    char *valid = g_utf8_make_valid (out, -1);
    g_free (out);
    out = valid;
  }
  return out;
}

/* The decoded content of a leaf part (transfer encoding undone), newlines
 * normalized to LF. */
static GByteArray *
part_bytes (const DsnMimePart *part)
{
  GByteArray *arr = dsn_mime_part_decode (part);
  /* Decoded base64 may carry CRLF (a body as written has neither CR nor
   * NUL: the analysed buffer has none). */
  if (!arr->len || (!memchr (arr->data, '\r', arr->len) && !memchr (arr->data, '\0', arr->len)))
    return arr;
  gsize w = 0;
  for (gsize i = 0; i < arr->len; i++) {
    guint8 c = arr->data[i];
    if (c == '\r') {
      if (i + 1 < arr->len && arr->data[i + 1] == '\n')
        continue;
      c = '\n';
    } else if (c == '\0') {
      c = ' ';
    }
    arr->data[w++] = c;
  }
  g_byte_array_set_size (arr, w);
  return arr;
}

static char *
part_text (const DsnMimePart *part)
{
  g_autoptr (GByteArray) arr = part_bytes (part);
  return dsn_to_utf8 ((const char *)arr->data, arr->len, part->charset);
}

/* A crude but sufficient HTML to text: bounce pages are simple markup. */
static char *
html_to_text (const char *html)
{
  GString *out = g_string_sized_new (strlen (html));
  const char *p = html;
  gboolean pre = FALSE; /* inside <pre>, newlines are the text's own */
  while (*p) {
    if (*p == '<') {
      const char *end = strchr (p, '>');
      if (!end)
        break;
      gsize n = end - p;
      if (dsn_has_prefix_ci (p, "<pre"))
        pre = TRUE;
      else if (dsn_has_prefix_ci (p, "</pre"))
        pre = FALSE;
      /* Skip style and script contents entirely. */
      if (dsn_has_prefix_ci (p, "<style") || dsn_has_prefix_ci (p, "<script")) {
        const char *close
            = dsn_strcasestr (end, dsn_has_prefix_ci (p, "<style") ? "</style" : "</script");
        p = close ? close : end;
        continue;
      }
      if (dsn_has_prefix_ci (p, "<br") || dsn_has_prefix_ci (p, "</p")
          || dsn_has_prefix_ci (p, "</div") || dsn_has_prefix_ci (p, "</tr")
          || dsn_has_prefix_ci (p, "<p") || dsn_has_prefix_ci (p, "</h")
          || dsn_has_prefix_ci (p, "<li") || dsn_has_prefix_ci (p, "</table"))
        g_string_append_c (out, '\n');
      else if (dsn_has_prefix_ci (p, "</td"))
        g_string_append_c (out, ' ');
      p += n + 1;
      continue;
    }
    if (*p == '&') {
      static const struct {
        const char *name;
        const char *text;
      } ents[] = { { "&nbsp;", " " },  { "&lt;", "<" },  { "&gt;", ">" },  { "&amp;", "&" },
                   { "&quot;", "\"" }, { "&#39;", "'" }, { "&apos;", "'" } };
      gboolean done = FALSE;
      for (gsize i = 0; i < G_N_ELEMENTS (ents) && !done; i++)
        if (dsn_has_prefix_ci (p, ents[i].name)) {
          g_string_append (out, ents[i].text);
          p += strlen (ents[i].name);
          done = TRUE;
        }
      if (!done && p[1] == '#') {
        char *end;
        gulong cp
            = p[2] == 'x' || p[2] == 'X' ? strtoul (p + 3, &end, 16) : strtoul (p + 2, &end, 10);
        if (*end == ';' && cp > 0 && cp < 0x110000 && g_unichar_validate ((gunichar)cp)) {
          g_string_append_unichar (out, (gunichar)cp);
          p = end + 1;
          done = TRUE;
        }
      }
      if (done)
        continue;
    }
    if ((*p == '\n' && !pre) || *p == '\t')
      g_string_append_c (out, ' ');
    else
      g_string_append_c (out, *p);
    p++;
  }
  /* Collapse the blank lines markup leaves behind, trim each line. */
  GString *clean = g_string_sized_new (out->len);
  const char *pos = out->str, *line;
  gsize len;
  gboolean blank_before = TRUE;
  while (dsn_text_next_line (&pos, &line, &len)) {
    while (len && g_ascii_isspace (*line))
      line++, len--;
    while (len && g_ascii_isspace (line[len - 1]))
      len--;
    if (len == 0) {
      if (!blank_before)
        g_string_append_c (clean, '\n');
      blank_before = TRUE;
      continue;
    }
    g_string_append_len (clean, line, len);
    g_string_append_c (clean, '\n');
    blank_before = FALSE;
  }
  g_string_free (out, TRUE);
  return g_string_free (clean, FALSE);
}

/* TRUE if TEXT, pasted without headers, is a web page (an NDR saved from
 * a browser or webmail) rather than text. */
static gboolean
looks_like_html (const char *text)
{
  while (g_ascii_isspace (*text))
    text++;
  if (*text != '<')
    return FALSE;
  static const char *const starts[] = { "<!doctype html", "<html", "<head", "<body", "<div",
                                        "<table",         "<p>",   "<p ",   "<span", "<meta" };
  for (gsize i = 0; i < G_N_ELEMENTS (starts); i++)
    if (dsn_has_prefix_ci (text, starts[i]))
      return TRUE;
  return FALSE;
}

/* ------------------------------------------------------------ the original */

static gboolean
is_public_ip (const char *s)
{
  DsnIp a;
  /* IPv6 unique local fc00::/7 is not "site local" to GLib. */
  return dsn_ip_parse (s, &a) && !dsn_ip_flags (&a);
}

/* The client address in a Received field's from-clause (RFC 5321 §4.4):
 * "from name (rdns [192.0.2.1])" or "from [192.0.2.1]". */
static char *
received_ip (const char *value)
{
  const char *by = dsn_strcasestr (value, " by ");
  const char *end = by ? by : value + strlen (value);
  for (const char *p = value; p < end; p++) {
    if (*p != '[')
      continue;
    const char *close = memchr (p, ']', end - p);
    if (!close)
      break;
    const char *ip = p + 1;
    if (dsn_has_prefix_ci (ip, "IPv6:"))
      ip += 5;
    g_autofree char *cand = g_strndup (ip, close - ip);
    if (is_public_ip (cand))
      return g_steal_pointer (&cand);
    p = close;
  }
  return NULL;
}

/* The returned original's headers, read one field at a time (top to bottom)
 * from a parsed message or from a quoted header block. */
typedef struct {
  DsnReport *rep;
  gboolean first;  /* the first original met: the one recorded */
  GPtrArray *hops; /* Received, top to bottom; reversed at the end */
} OriginalReader;

static void
original_begin (OriginalReader *o, DsnReport *rep)
{
  o->rep = rep;
  o->first = !rep->original_hops;
  if (o->first) {
    rep->original_hops = g_ptr_array_new_with_free_func ((GDestroyNotify)dsn_headers_hop_free);
    rep->original_dkim = g_ptr_array_new_with_free_func (g_free);
    rep->original_dkim_selectors = g_ptr_array_new_with_free_func (g_free);
  }
}

static void
original_field (OriginalReader *o, const char *name, const char *value)
{
  DsnReport *rep = o->rep;
  static const char *const wanted[] = { "From", "To", "Subject", "Message-ID", "Date" };
  /* First letters compared before the names: most fields are none of these. */
  char first = g_ascii_toupper (name[0]);
  for (gsize i = 0; i < G_N_ELEMENTS (wanted); i++)
    if (first == wanted[i][0] && !g_ascii_strcasecmp (name, wanted[i])
        && !dsn_report_get_original_header (rep, wanted[i])) {
      g_autofree char *dec = dsn_mime_decode_text (value);
      dsn_report_add_original (rep, wanted[i], dsn_text_squeeze (dec));
      return;
    }
  if (!g_ascii_strcasecmp (name, "Received")) {
    /* The topmost Received with a public client address: the last hop
     * before the server that produced the report. */
    if (!rep->original_ip)
      rep->original_ip = received_ip (value);
    if (o->first) {
      g_autofree char *v = dsn_text_squeeze (g_strdup (value));
      g_ptr_array_add (rep->original_hops, dsn_headers_parse_received (v, FALSE));
    }
  } else if (o->first && !g_ascii_strcasecmp (name, "DKIM-Signature")) {
    char *d = dsn_headers_tag (value, "d");
    if (d) {
      char *sel = dsn_headers_tag (value, "s");
      g_ptr_array_add (rep->original_dkim, d);
      g_ptr_array_add (rep->original_dkim_selectors, sel ? sel : g_strdup (""));
    }
  }
}

static void
original_end (OriginalReader *o)
{
  /* Received fields are prepended by each hop: first hop last. */
  GPtrArray *h = o->rep->original_hops;
  if (o->first)
    for (guint i = 0; i < h->len / 2; i++) {
      gpointer t = h->pdata[i];
      h->pdata[i] = h->pdata[h->len - 1 - i];
      h->pdata[h->len - 1 - i] = t;
    }
}

static void
record_original_headers (DsnReport *rep, const DsnMimeHeaders *headers)
{
  OriginalReader o;
  original_begin (&o, rep);
  static const char *const used[]
      = { "Received", "DKIM-Signature", "From", "To", "Subject", "Message-ID", "Date" };
  for (guint i = 0; i < dsn_mime_headers_count (headers); i++) {
    DsnMimeField *f = dsn_mime_headers_at (headers, i);
    /* Values are unfolded on demand: only ask for those used. */
    for (gsize u = 0; u < G_N_ELEMENTS (used); u++)
      if (dsn_mime_field_is (f, used[u])) {
        original_field (&o, dsn_mime_field_name (f), dsn_mime_field_value (f));
        break;
      }
  }
  original_end (&o);
}

/* Reads a block of header lines (text/rfc822-headers, or an original quoted
 * in a text report) up to its first blank line, unfolding fields (RFC 5322
 * §2.2.3). Lines that are not fields end the block. */
static void
record_original_text (DsnReport *rep, const char *text, gsize len)
{
  OriginalReader o;
  original_begin (&o, rep);
  const char *end = text + len;
  const char *p = text;
  GString *value = g_string_new (NULL);
  char *name = NULL;
  while (p < end) {
    const char *nl = memchr (p, '\n', end - p);
    const char *le = nl ? nl : end;
    if (le == p)
      break; /* blank line: end of the header block */
    if ((*p == ' ' || *p == '\t') && name) {
      g_string_append_len (value, p, le - p);
    } else {
      if (name)
        original_field (&o, name, value->str);
      g_free (name);
      name = NULL;
      const char *colon = memchr (p, ':', le - p);
      const char *q = p;
      while (q < (colon ? colon : le) && *q > ' ' && *q < 127)
        q++;
      if (!colon || q != colon || colon == p)
        break;
      name = g_strndup (p, colon - p);
      g_string_assign (value, "");
      g_string_append_len (value, colon + 1, le - colon - 1);
    }
    p = nl ? nl + 1 : end;
  }
  if (name)
    original_field (&o, name, g_strstrip (value->str));
  g_free (name);
  g_string_free (value, TRUE);
  original_end (&o);
}

void
dsn_input_set_returned_text (const DsnInput *in, const char *headers)
{
  if (!headers)
    return;
  while (*headers == '\n' || *headers == ' ')
    headers++;
  record_original_text (in->report, headers, strlen (headers));
  ((DsnInput *)in)->has_returned = TRUE;
}

/* ------------------------------------------------------------ MIME walk */

typedef struct {
  const DsnAnalyzer *an;
  DsnInput in;
  GString *body;
  char *first_text;
  gboolean saw_plain; /* a text/plain part outside the original was seen */
  GPtrArray *html;    /* HTML texts, used only when there is no plain text */
  gsize depth_limit;
} Walk;

static void
parse_feedback (DsnReport *rep, const char *text, gsize len)
{
  /* RFC 5965 §3.1: same field syntax as RFC 3464's; one group. */
  const char *end = text + len;
  const char *p = text;
  GString *cur = NULL;
  char *name = NULL;
  while (p < end) {
    const char *nl = memchr (p, '\n', end - p);
    const char *le = nl ? nl : end;
    if ((*p == ' ' || *p == '\t') && cur) {
      g_string_append_c (cur, ' ');
      g_string_append_len (cur, p, le - p);
    } else {
      if (name && cur)
        dsn_report_add_field (rep, name, dsn_text_squeeze (cur->str));
      g_free (name);
      name = NULL;
      if (cur)
        g_string_free (cur, TRUE);
      cur = NULL;
      const char *colon = memchr (p, ':', le - p);
      if (colon && colon > p) {
        name = g_strndup (p, colon - p);
        g_strstrip (name);
        cur = g_string_new_len (colon + 1, le - colon - 1);
      }
    }
    p = nl ? nl + 1 : end;
  }
  if (name && cur)
    dsn_report_add_field (rep, name, dsn_text_squeeze (cur->str));
  g_free (name);
  if (cur)
    g_string_free (cur, TRUE);
}

static void walk (Walk *w, const DsnMimePart *part, guint depth);

static void
walk_message_part (Walk *w, const DsnMimePart *part)
{
  if (!part->message)
    return;
  if (!w->in.has_returned) {
    w->in.has_returned = TRUE;
    record_original_headers (w->in.report, &part->message->headers);
  }
}

static void
walk_part (Walk *w, const DsnMimePart *part)
{
  const char *type = part->type;
  const char *sub = part->subtype;
  DsnReport *rep = w->in.report;

  if (!g_ascii_strcasecmp (type, "message")
      && (!g_ascii_strcasecmp (sub, "delivery-status")
          || !g_ascii_strcasecmp (sub, "global-delivery-status"))) {
    g_autoptr (GByteArray) arr = part_bytes (part);
    g_autofree char *text = dsn_to_utf8 ((const char *)arr->data, arr->len, NULL);
    dsn_rfc3464_parse (rep, text, strlen (text));
    w->in.has_delivery_status = TRUE;
    return;
  }
  if (!g_ascii_strcasecmp (type, "message") && !g_ascii_strcasecmp (sub, "feedback-report")) {
    g_autoptr (GByteArray) arr = part_bytes (part);
    g_autofree char *text = dsn_to_utf8 ((const char *)arr->data, arr->len, NULL);
    parse_feedback (rep, text, strlen (text));
    return;
  }
  if ((!g_ascii_strcasecmp (type, "text")
       && (!g_ascii_strcasecmp (sub, "rfc822-headers") || !g_ascii_strcasecmp (sub, "rfc822-header")
           || !g_ascii_strcasecmp (sub, "rfc822")))
      || (!g_ascii_strcasecmp (type, "message")
          && (!g_ascii_strcasecmp (sub, "global-headers") || !g_ascii_strcasecmp (sub, "rfc822")
              || !g_ascii_strcasecmp (sub, "global")))) {
    if (!w->in.has_returned) {
      g_autoptr (GByteArray) arr = part_bytes (part);
      g_autofree char *text = dsn_to_utf8 ((const char *)arr->data, arr->len, NULL);
      record_original_text (rep, text, strlen (text));
      w->in.has_returned = TRUE;
    }
    return;
  }
  if (g_ascii_strcasecmp (type, "text") != 0)
    return;
  g_autofree char *text = part_text (part);
  if (!g_ascii_strcasecmp (sub, "html") || (w->in.pasted && looks_like_html (text))) {
    g_ptr_array_add (w->html, html_to_text (text));
    return;
  }
  if (w->body->len > 0 && w->body->str[w->body->len - 1] != '\n')
    g_string_append_c (w->body, '\n');
  g_string_append (w->body, text);
  if (!w->first_text)
    w->first_text = g_strdup (text);
  w->saw_plain = TRUE;
}

static void
walk (Walk *w, const DsnMimePart *part, guint depth)
{
  if (depth > w->depth_limit) {
    char limit[24];
    g_snprintf (limit, sizeof limit, "%" G_GSIZE_FORMAT, w->depth_limit);
    dsn_report_warn (w->in.report, "limit.mime_depth", "limit", limit, NULL);
    return;
  }
  switch (part->kind) {
  case DSN_MIME_MULTIPART: {
    guint n = part->children->len;
    for (guint i = 0; i < n; i++)
      walk (w, part->children->pdata[i], depth + 1);
    /* A multipart whose boundary never occurs has its whole content as the
     * prologue: read it as the report's text. */
    const char *prologue = n == 0 ? part->prologue : NULL;
    if (prologue && *prologue) {
      dsn_report_warn (w->in.report, "mime.empty_multipart", NULL);
      g_autofree char *text = dsn_to_utf8 (prologue, strlen (prologue), NULL);
      if (w->body->len > 0 && w->body->str[w->body->len - 1] != '\n')
        g_string_append_c (w->body, '\n');
      g_string_append (w->body, text);
      if (!w->first_text)
        w->first_text = g_strdup (text);
      w->saw_plain = TRUE;
    }
    break;
  }
  case DSN_MIME_MESSAGE: walk_message_part (w, part); break;
  case DSN_MIME_LEAF: walk_part (w, part); break;
  }
}

const char *
dsn_input_header (const DsnInput *in, const char *name)
{
  return dsn_mime_headers_get (&in->message->headers, name);
}

/* ------------------------------------------------------------ parsing */

static void
parser_warning (const char *code, gpointer data)
{
  dsn_report_warn (data, code, NULL);
}

/* Cuts every field of the top-level header block to LIMIT bytes (its
 * continuation lines included): hostile input should not make every later
 * step work on megabytes of one header. Returns the number of fields cut. */
static guint
cut_long_fields (GByteArray *buf, gsize limit)
{
  guint cut = 0;
  gsize i = 0, w = 0; /* read and write positions: one pass, however many are cut */
  while (i < buf->len && buf->data[i] != '\n') {
    /* One field: this line and the folded ones after it. */
    gsize start = i;
    for (;;) {
      guint8 *nl = memchr (buf->data + i, '\n', buf->len - i);
      i = nl ? (gsize)(nl - buf->data) + 1 : buf->len;
      if (i >= buf->len || (buf->data[i] != ' ' && buf->data[i] != '\t'))
        break;
    }
    gsize keep = i - start;
    if (keep > limit) {
      /* Keep the first LIMIT bytes and the newline that ends the field. */
      memmove (buf->data + w, buf->data + start, limit - 1);
      w += limit - 1;
      buf->data[w++] = buf->data[i - 1];
      cut++;
    } else {
      if (w != start)
        memmove (buf->data + w, buf->data + start, keep);
      w += keep;
    }
  }
  if (w != i) {
    memmove (buf->data + w, buf->data + i, buf->len - i);
    g_byte_array_set_size (buf, w + (buf->len - i));
  }
  /* Shortening moved the terminating NUL away: restore it. */
  g_byte_array_append (buf, (const guint8 *)"", 1);
  g_byte_array_set_size (buf, buf->len - 1);
  return cut;
}

/* The boundary parameters of the Content-Type fields of BUF, wherever they
 * are (nested parts and attached messages too): a set of strings. */
static GHashTable *
declared_boundaries (const GByteArray *buf)
{
  GHashTable *set = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  const char *text = (const char *)buf->data, *end = text + buf->len;
  for (const char *p = dsn_strcasestr (text, "boundary="); p; p = dsn_strcasestr (p, "boundary=")) {
    p += strlen ("boundary=");
    const char *v = p, *e;
    if (*v == '"') {
      v++;
      e = v;
      while (e < end && *e != '"' && *e != '\n')
        e++;
    } else {
      e = v;
      while (e < end && !g_ascii_isspace (*e) && *e != ';' && *e != '"')
        e++;
    }
    if (e > v && e - v <= 200) /* RFC 2046 §5.1.1: at most 70 */
      g_hash_table_add (set, g_strndup (v, e - v));
  }
  return set;
}

/* Cuts BUF before the delimiter line that would open MIME part number
 * LIMIT + 1, counting the parts of every multipart: GMime builds the whole
 * tree, and a million tiny parts took gigabytes. Returns TRUE if it cut. */
static gboolean
cut_mime_parts (GByteArray *buf, gsize limit)
{
  const char *text = (const char *)buf->data, *end = text + buf->len;
  /* Lines are found with memchr(), which stops where it finds: searching
   * a long text again and again with strstr() is quadratic under ASan,
   * whose strstr() measures the whole text each time. */
  gsize dashes = 0;
  for (const char *p = text; p < end;) {
    const char *nl = memchr (p, '\n', end - p);
    if (!nl)
      break;
    p = nl + 1;
    if (end - p >= 2 && p[0] == '-' && p[1] == '-')
      dashes++;
  }
  /* Cheap first: fewer delimiter-like lines than the limit. */
  if (dashes <= limit)
    return FALSE;
  g_autoptr (GHashTable) boundaries = declared_boundaries (buf);
  if (g_hash_table_size (boundaries) == 0)
    return FALSE;
  gsize parts = 0;
  for (const char *p = text; p < end;) {
    const char *nl = memchr (p, '\n', end - p);
    if (!nl)
      break;
    const char *line = nl + 1;
    p = line;
    if (end - line < 2 || line[0] != '-' || line[1] != '-')
      continue;
    const char *le = memchr (line, '\n', end - line);
    gsize len = (le ? le : end) - line - 2;
    while (len && g_ascii_isspace (line[2 + len - 1]))
      len--;
    /* "--boundary" opens a part; "--boundary--" closes the multipart. */
    g_autofree char *b = g_strndup (line + 2, len);
    if (!g_hash_table_contains (boundaries, b))
      continue;
    if (++parts > limit) {
      g_byte_array_set_size (buf, line - text);
      /* The text scanners want the NUL beyond the length. */
      g_byte_array_append (buf, (const guint8 *)"", 1);
      g_byte_array_set_size (buf, buf->len - 1);
      return TRUE;
    }
  }
  return FALSE;
}

/* TRUE if the LEN bytes of TEXT have two newlines in a row. */
static gboolean
has_blank_line (const char *text, gsize len)
{
  const char *end = text + len;
  for (const char *p = text; (p = memchr (p, '\n', end - p)) && p + 1 < end; p++)
    if (p[1] == '\n')
      return TRUE;
  return FALSE;
}

/* TRUE if the text starts with a message's header block (or an mbox "From "
 * line): a field at the very start, and among the fields before the first
 * blank line one that messages have. A pasted line that happens to start
 * with a word and a colon ("Warning: message still undelivered", "Remote
 * server returned: 550 ...") is text, not a header. */
static gboolean
starts_with_header (const char *s)
{
  if (g_str_has_prefix (s, "From "))
    return TRUE;
  static const char *const fields[] = {
    "from",
    "to",
    "cc",
    "subject",
    "date",
    "message-id",
    "received",
    "return-path",
    "mime-version",
    "content-type",
    "delivered-to",
    "reply-to",
    "sender",
    "x-",
    "dkim-signature",
    "authentication-results",
    "arc-seal",
    "in-reply-to",
    "references",
    "auto-submitted",
    "precedence",
    "list-id",
  };
  const char *pos = s, *line;
  gsize len;
  while (dsn_text_next_line (&pos, &line, &len) && len > 0) {
    if (*line == ' ' || *line == '\t')
      continue; /* a folded continuation */
    const char *p = line;
    while (p < line + len && *p != ':' && *p > ' ' && *p < 127)
      p++;
    if (p == line || p == line + len || *p != ':')
      return FALSE;
    for (gsize i = 0; i < G_N_ELEMENTS (fields); i++) {
      gsize n = strlen (fields[i]);
      if ((fields[i][n - 1] == '-' ? (gsize)(p - line) > n : (gsize)(p - line) == n)
          && !g_ascii_strncasecmp (line, fields[i], n))
        return TRUE;
    }
  }
  return FALSE;
}

/* ---------------------------------------------- pasted delivery-status */

/* Which fields is_dsn_field() takes: those that open a pasted
 * delivery-status part, any it names, or those and extension fields. */
typedef enum { DSN_FIELD_OPENING, DSN_FIELD_NAMED, DSN_FIELD_ANY } DsnFieldKind;

/* The fields of a delivery-status part (RFC 3464 §2.2, §2.3). */
static gboolean
is_dsn_field (const char *line, gsize len, DsnFieldKind kind)
{
  static const char *const openers[]
      = { "reporting-mta", "final-recipient", "original-recipient", NULL };
  static const char *const others[] = { "dsn-gateway",
                                        "received-from-mta",
                                        "arrival-date",
                                        "original-envelope-id",
                                        "action",
                                        "status",
                                        "remote-mta",
                                        "diagnostic-code",
                                        "last-attempt-date",
                                        "final-log-id",
                                        "will-retry-until",
                                        NULL };
  const char *colon = memchr (line, ':', len);
  if (!colon || colon == line)
    return FALSE;
  gsize n = colon - line;
  for (const char *const *f = openers; *f; f++)
    if (n == strlen (*f) && !g_ascii_strncasecmp (line, *f, n))
      return TRUE;
  if (kind == DSN_FIELD_OPENING)
    return FALSE;
  for (const char *const *f = others; *f; f++)
    if (n == strlen (*f) && !g_ascii_strncasecmp (line, *f, n))
      return TRUE;
  return kind == DSN_FIELD_ANY && n > 2 && !g_ascii_strncasecmp (line, "x-", 2)
         && !memchr (line, ' ', n);
}

/* Where a delivery-status part pasted as text starts and ends in TEXT (a
 * mail client shows it inline, after the report's words): from a paragraph
 * opening with Reporting-MTA, Final-Recipient or Original-Recipient, over
 * the paragraphs of such fields, if it names a recipient and its action
 * or status. FALSE if there is none. One pass over the lines. */
static gboolean
find_pasted_fields (const char *text, gsize len, gsize *start, gsize *stop)
{
  const char *end = text + len, *pos = text, *line;
  gsize n;
  gboolean blank_before = TRUE, in_block = FALSE, recipient = FALSE, outcome = FALSE;
  const char *from = NULL, *to = NULL;
  while (dsn_text_next_line_until (&pos, end, &line, &n)) {
    gboolean blank = dsn_line_is_blank (line, n);
    if (in_block) {
      if (blank) {
        blank_before = TRUE;
        continue;
      }
      /* A paragraph goes on with a continuation line or a field; the next
       * one opens with a field the part names (the returned message's
       * headers may open with an extension field too). */
      gboolean field = !blank_before && (*line == ' ' || *line == '\t');
      field = field || is_dsn_field (line, n, blank_before ? DSN_FIELD_NAMED : DSN_FIELD_ANY);
      if (!field)
        break;
      to = line + n;
      recipient |= !g_ascii_strncasecmp (line, "final-recipient:", 16)
                   || !g_ascii_strncasecmp (line, "original-recipient:", 19);
      outcome
          |= !g_ascii_strncasecmp (line, "action:", 7) || !g_ascii_strncasecmp (line, "status:", 7);
      blank_before = FALSE;
      continue;
    }
    if (!blank && blank_before && is_dsn_field (line, n, DSN_FIELD_OPENING)) {
      in_block = TRUE;
      from = line;
      to = line + n;
      recipient = g_ascii_strncasecmp (line, "reporting-mta:", 14) != 0;
    }
    blank_before = blank;
  }
  if (!from || !recipient || !outcome)
    return FALSE;
  *start = from - text;
  *stop = to - text;
  return TRUE;
}

/* A pasted report whose delivery-status fields came with it, rebuilt as the
 * multipart/report it was: its words, the fields as a delivery-status part,
 * what follows them as the returned message's text. NULL if TEXT has no
 * such fields. */
static GByteArray *
pasted_as_report (const char *text, gsize len)
{
  gsize start, stop;
  if (!find_pasted_fields (text, len, &start, &stop))
    return NULL;
  /* A boundary that the text does not hold (one that does is left as it
   * is: looking for another could take a pass per candidate). */
  static const char boundary[] = "=_pasted_report_boundary";
  if (g_strstr_len (text, len, boundary))
    return NULL;
  GString *out = g_string_sized_new (len + 512);
  g_string_append_printf (out,
                          "MIME-Version: 1.0\n"
                          "Content-Type: multipart/report; report-type=delivery-status; "
                          "boundary=\"%s\"\n\n--%s\nContent-Type: text/plain; charset=utf-8\n\n",
                          boundary, boundary);
  g_string_append_len (out, text, start);
  g_string_append_printf (out, "\n--%s\nContent-Type: message/delivery-status\n\n", boundary);
  g_string_append_len (out, text + start, stop - start);
  g_string_append_c (out, '\n');
  const char *rest = text + stop, *end = text + len;
  while (rest < end && g_ascii_isspace (*rest))
    rest++;
  if (rest < end) {
    /* The returned message's headers, when they follow; else more text. */
    g_string_append_printf (out, "\n--%s\nContent-Type: %s\n\n", boundary,
                            starts_with_header (rest) ? "text/rfc822-headers"
                                                      : "text/plain; charset=utf-8");
    g_string_append_len (out, rest, end - rest);
  }
  g_string_append_printf (out, "\n--%s--\n", boundary);
  gsize n = out->len;
  GByteArray *buf = g_byte_array_new_take ((guint8 *)g_string_free (out, FALSE), n);
  g_byte_array_append (buf, (const guint8 *)"", 1); /* the NUL after it */
  g_byte_array_set_size (buf, n);
  return buf;
}

static char *
decoded_header (const DsnMimeMessage *msg, const char *name)
{
  const char *v = dsn_mime_headers_get (&msg->headers, name);
  if (!v)
    return g_strdup ("");
  char *dec = dsn_mime_decode_text (v);
  if (!g_utf8_validate (dec, -1, NULL)) {
    char *fixed = dsn_to_utf8 (dec, strlen (dec), NULL);
    g_free (dec);
    dec = fixed;
  }
  return dsn_text_squeeze (dec);
}

/* ------------------------------------------------------------ any text */

/* The longest text kept as the words of a report that names no recipient:
 * a pasted error is a few lines, not a book. */
#define TEXT_DIAGNOSTIC_MAX 4096

/* TEXT without the "> " a mail client puts before each quoted line, and
 * with its white space squeezed: the words of the error as one line. */
static char *
unquoted_words (const char *text)
{
  GString *out = g_string_sized_new (strlen (text));
  const char *pos = text, *line;
  gsize len;
  while (dsn_text_next_line (&pos, &line, &len) && out->len < TEXT_DIAGNOSTIC_MAX) {
    while (len && (*line == '>' || *line == ' ' || *line == '\t'))
      line++, len--;
    g_string_append_len (out, line, len);
    g_string_append_c (out, ' ');
  }
  if (out->len > TEXT_DIAGNOSTIC_MAX) {
    /* Cut on a character boundary. */
    const char *end = g_utf8_find_prev_char (out->str, out->str + TEXT_DIAGNOSTIC_MAX);
    g_string_truncate (out, end ? end - out->str : 0);
  }
  return dsn_text_squeeze (g_string_free (out, FALSE));
}

/* Characters of a text that is a line or two of an error pasted alone. */
#define SHORT_TEXT 200
/* Characters beyond which a text is prose, not a server's words (counted
 * in characters: Chinese or Japanese take three bytes each). */
#define LONG_TEXT 600

/* TRUE if WORDS greet, thank or speak in the first person: a person wrote
 * them, not a mail server. A greeting followed by an address ("Hello
 * anna@example.org,") is a system's: people greet by name. */
static gboolean
written_by_a_person (const char *words)
{
  static const char *const marks[] = {
    "hello",  "hi",     "hey",     "dear",   "thanks", "thank you",    "regards", "cheers", "i'm",
    "i am",   "i have", "bonjour", "salut",  "merci",  "cordialement", "hallo",   "danke",  "gruss",
    "grusse", "ciao",   "grazie",  "saluti", "hola",   "gracias",      "saludos",
  };
  /* Possessives: in a line or two, a mail system's own ("my badmailfrom
   * list", "my rcpthosts"), not a person's. */
  static const char *const possessives[] = {
    "my", "mon", "ma", "mes", "mein", "meine", "mio", "mia", "mi",
  };
  /* Mail systems speak in the first person too: Sendmail's and Postfix's
   * "I'm sorry to have to inform you", qmail's "I'm afraid I wasn't able
   * to deliver". */
  static const char *const daemons[] = {
    "i'm sorry to have to inform you",     "i am sorry to have to inform you",
    "i'm afraid i wasn't able to deliver", "this is the mail system at host",
    "this is the qmail-send program",      "i wasn't able to deliver",
    "i'm not going to try again",          NULL,
  };
  g_autofree char *folded = dsn_text_fold (words);
  for (const char *const *d = daemons; *d; d++)
    if (strstr (folded, *d))
      return FALSE;
  gsize n_marks = G_N_ELEMENTS (marks)
                  + (g_utf8_strlen (folded, -1) > SHORT_TEXT ? G_N_ELEMENTS (possessives) : 0);
  for (gsize i = 0; i < n_marks; i++) {
    const char *mark = i < G_N_ELEMENTS (marks) ? marks[i] : possessives[i - G_N_ELEMENTS (marks)];
    gsize n = strlen (mark);
    for (const char *p = folded; (p = strstr (p, mark)); p += n) {
      if ((p != folded && g_ascii_isalnum (p[-1])) || g_ascii_isalnum (p[n]))
        continue;
      const char *w = p + n + strspn (p + n, " ");
      if (!memchr (w, '@', strcspn (w, " ")))
        return TRUE;
    }
  }
  return FALSE;
}

/* TRUE if WORDS read like a mail server's error: a reply code or an
 * enhanced status code of a failure, or the wording of a known failure in a
 * short text (in prose, a phrase such as "mailbox is full" proves
 * nothing). */
static gboolean
reads_like_error (const DsnAnalyzer *an, const char *words, const char **code_class)
{
  char cls = dsn_text_failure_class (words);
  *code_class = cls == '4' ? "4" : cls == '5' ? "5" : NULL;
  if (*code_class)
    return TRUE;
  if (g_utf8_strlen (words, -1) > LONG_TEXT || written_by_a_person (words))
    return FALSE;
  /* A status code's description stands for the code. */
  char status[12];
  if (dsn_status_find_description (words, '5', status))
    return TRUE;
  DsnMatchInput in = { .text = words, .action = DSN_ACTION_FAILED };
  const DsnRule *r = dsn_rules_match (dsn_analyzer_rules (an), &in, NULL);
  if (!r || !(r->phrases || r->near || r->regex))
    return FALSE;
  /* Phrase families start at strength 41 (patterns/20-phrases.rules). A
   * short text pasted alone is one line of an error, not prose: the words
   * of any rule do ("Mail rejected", "try again later"). */
  return r->strength > 40 || g_utf8_strlen (words, -1) <= SHORT_TEXT;
}

/* A text that no dialect could read, pasted without headers or sent as a
 * message that is no report: when it reads like a server's error, it is
 * explained as one, for a recipient it does not name. */
static void
explain_text (const DsnAnalyzer *an, DsnInput *in)
{
  DsnReport *rep = in->report;
  const char *text = in->body && *in->body ? in->body : NULL;
  if (!text)
    return;
  /* The returned message, when the paste holds it, is not the error's
   * words. */
  const char *marker = dsn_find_returned_marker (text);
  g_autofree char *report_part = marker ? g_strndup (text, marker - text) : NULL;
  g_autofree char *words = unquoted_words (report_part ? report_part : text);
  const char *code_class = NULL;
  /* A server's success reply pasted alone ("250 2.0.0 OK ... queued"):
   * the message was delivered to that server, unless the reply says it was
   * accepted only to be dropped ("250 2.7.0 Ok, discarded ... INFECTED"). */
  static const char *const dropped[]
      = { "discarded", "quarantined", "dropped", "blackholed", NULL };
  char reply[4];
  gboolean success = g_utf8_strlen (words, -1) <= SHORT_TEXT
                     && dsn_text_reply_code_at (words, reply) && reply[0] == '2'
                     && !dsn_text_failure_class (words) && !dsn_text_has_folded (words, dropped);
  if (!*words || (!success && !reads_like_error (an, words, &code_class)))
    return;
  DsnRecipient *r = dsn_report_add_recipient (rep, NULL);
  dsn_set (&r->diagnostic, words);
  if (success) {
    r->action = DSN_ACTION_DELIVERED;
  } else {
    /* Without a code, the words say whether the server keeps trying. */
    static const char *const pending[] = {
      "temporar",     "try again later",  "not yet been delivered", "will retry", "will be retried",
      "still trying", "delivery delayed", "has been delayed",       "is delayed", "message delayed",
    };
    gboolean temporary = code_class ? code_class[0] == '4' : dsn_text_says_pending (words);
    for (gsize i = 0; !code_class && !temporary && i < G_N_ELEMENTS (pending); i++)
      temporary = dsn_strcasestr (words, pending[i]) != NULL;
    r->action = temporary ? DSN_ACTION_DELAYED : DSN_ACTION_FAILED;
    r->deferred = temporary;
    r->command = g_strdup (dsn_text_find_command (words));
  }
  rep->kind = DSN_KIND_DELIVERY_STATUS;
  rep->dialect = "text";
  /* Text without headers is what was given: nothing to warn about. */
  for (guint i = 0; i < rep->warnings->len; i++)
    if (!strcmp (dsn_finding_get_code (rep->warnings->pdata[i]), "input.pasted"))
      g_ptr_array_remove_index (rep->warnings, i--);
}

/* Removes one level of quotation ("> " or ">" at the start of each line)
 * from BUF when most of its lines have one. In place; BUF stays
 * NUL-terminated. */
static void
unquote (GByteArray *buf)
{
  guint quoted = 0, lines = 0;
  const char *pos = (const char *)buf->data, *line;
  gsize len;
  while (dsn_text_next_line (&pos, &line, &len))
    if (len) {
      lines++;
      quoted += line[0] == '>';
    }
  if (lines == 0 || quoted * 10 < lines * 8)
    return;
  gsize w = 0;
  for (gsize r = 0; r < buf->len;) {
    gboolean line_start = r == 0 || buf->data[r - 1] == '\n';
    if (line_start && buf->data[r] == '>') {
      r++;
      if (r < buf->len && buf->data[r] == ' ')
        r++;
      continue;
    }
    buf->data[w++] = buf->data[r++];
  }
  g_byte_array_set_size (buf, w);
  g_byte_array_append (buf, (const guint8 *)"", 1);
  g_byte_array_set_size (buf, w);
}

/* DATA as UTF-8 if it is UTF-16 text: a byte order mark, or NUL bytes in
 * every other place of its first bytes (UTF-16 of Latin text); NULL if it
 * is not, or does not convert. */
static char *
utf16_to_utf8 (const char *data, gsize len)
{
  const guchar *u = (const guchar *)data;
  const char *from = NULL;
  if (len >= 2 && u[0] == 0xff && u[1] == 0xfe)
    from = "UTF-16LE", data += 2, len -= 2;
  else if (len >= 2 && u[0] == 0xfe && u[1] == 0xff)
    from = "UTF-16BE", data += 2, len -= 2;
  else if (len >= 8) {
    gsize n = MIN (len, 256) & ~(gsize)1, even = 0, odd = 0;
    for (gsize i = 0; i < n; i += 2) {
      even += u[i] == 0;
      odd += u[i + 1] == 0;
    }
    if (odd * 10 >= n / 2 * 9 && even == 0)
      from = "UTF-16LE";
    else if (even * 10 >= n / 2 * 9 && odd == 0)
      from = "UTF-16BE";
  }
  if (!from)
    return NULL;
  return g_convert (data, len & ~(gsize)1, "UTF-8", from, NULL, NULL, NULL);
}

/* The format of binary data (not a message at all), when it starts with a
 * known signature; NULL otherwise. Format names read the same in every
 * language, so the error can carry them. */
static const char *
binary_signature (const char *data, gsize len)
{
  static const struct {
    const char *magic;
    gsize len;
    const char *name;
  } sigs[] = {
    { "\x89PNG\r\n\x1a\n", 8, "PNG" },
    { "\xff\xd8\xff", 3, "JPEG" },
    { "GIF87a", 6, "GIF" },
    { "GIF89a", 6, "GIF" },
    { "\x1f\x8b", 2, "gzip" },
    { "\xfd"
      "7zXZ",
      6, "xz" },
    { "\x28\xb5\x2f\xfd", 4, "zstd" },
    { "PK\x03\x04", 4, "zip" },
    { "7z\xbc\xaf\x27\x1c", 6, "7-Zip" },
    { "\x7f"
      "ELF",
      4, "ELF" },
    { "%PDF-", 5, "PDF" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (sigs); i++)
    if (len >= sigs[i].len && memcmp (data, sigs[i].magic, sigs[i].len) == 0)
      return sigs[i].name;
  return NULL;
}

/* TRUE if DATA is binary rather than text: it does not start with a header
 * field, and control characters (other than the white space and the escape
 * of ISO-2022 text) are more than 2% of its first 4 KiB. A message with a
 * binary attachment starts with its header block and is read. */
static gboolean
looks_binary (const char *data, gsize len)
{
  const char *nl = memchr (data, '\n', MIN (len, 4096));
  gsize first = nl ? (gsize)(nl - data) : MIN (len, 4096);
  gsize name = 0;
  while (name < first && data[name] > ' ' && data[name] < 127 && data[name] != ':')
    name++;
  if ((name > 0 && name < first && data[name] == ':') || (len >= 5 && !memcmp (data, "From ", 5)))
    return FALSE;
  gsize sample = MIN (len, 4096), controls = 0;
  for (gsize i = 0; i < sample; i++) {
    guchar c = data[i];
    if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\v' && c != 0x1b)
        || c == 0x7f)
      controls++;
  }
  return controls >= 4 && controls * 50 > sample;
}

DsnReport *
dsn_analyzer_analyze (const DsnAnalyzer *an, const char *data, gsize len, GError **error)
{
  return dsn_analyze_with (an, data, len, NULL, error);
}

/* The message a person forwarded as an attachment: the first
 * message/rfc822 part of a multipart/mixed message, or the whole body. */
static const DsnMimePart *
forwarded_message (const DsnMimePart *body)
{
  if (body->kind == DSN_MIME_MESSAGE)
    return body->content_len ? body : NULL;
  if (body->kind != DSN_MIME_MULTIPART || g_ascii_strcasecmp (body->subtype, "mixed") != 0)
    return NULL;
  for (guint i = 0; i < body->children->len; i++) {
    const DsnMimePart *c = body->children->pdata[i];
    if (c->kind == DSN_MIME_MESSAGE && c->content_len)
      return c;
  }
  return NULL;
}

static DsnReport *analyze (const DsnAnalyzer *an, const char *data, gsize len,
                           const DsnDialect *only, gboolean nested, GError **error);

DsnReport *
dsn_analyze_with (const DsnAnalyzer *an, const char *data, gsize len, const DsnDialect *only,
                  GError **error)
{
  return analyze (an, data, len, only, FALSE, error);
}

/* NESTED: DATA is a message attached to the one analysed. */
static DsnReport *
analyze (const DsnAnalyzer *an, const char *data, gsize len, const DsnDialect *only,
         gboolean nested, GError **error)
{
  g_return_val_if_fail (an, NULL);

  gsize limit = dsn_analyzer_get_limit (an, DSN_LIMIT_MESSAGE_SIZE);
  if (len > limit) {
    g_set_error (error, DSN_ERROR, DSN_ERROR_LIMIT,
                 "message of %" G_GSIZE_FORMAT " bytes exceeds the size limit (%" G_GSIZE_FORMAT
                 ")",
                 len, limit);
    return NULL;
  }
  /* Text saved by Notepad and its kin: UTF-16, or UTF-8 with a byte order
   * mark. Mail is never UTF-16, so converting loses nothing. */
  g_autofree char *utf8 = utf16_to_utf8 (data, len);
  if (utf8) {
    data = utf8;
    len = strlen (utf8);
  }
  if (len >= 3 && !memcmp (data, "\xef\xbb\xbf", 3))
    data += 3, len -= 3;
  gsize start = 0;
  while (start < len && g_ascii_isspace (data[start]))
    start++;
  if (start == len) {
    g_set_error (error, DSN_ERROR, DSN_ERROR_NOT_MESSAGE, "empty message");
    return NULL;
  }
  /* An image, an archive, a program: no message to read in it. */
  const char *binary = binary_signature (data + start, len - start);
  if (binary || looks_binary (data + start, len - start)) {
    if (binary)
      g_set_error (error, DSN_ERROR, DSN_ERROR_NOT_MESSAGE, "not a message: binary data (%s)",
                   binary);
    else
      g_set_error (error, DSN_ERROR, DSN_ERROR_NOT_MESSAGE, "not a message: binary data");
    return NULL;
  }

  g_autoptr (DsnReport) rep = dsn_report_new ();
  dsn_analyzer_hold (an, rep);
  gsize max_rcpt = dsn_analyzer_get_limit (an, DSN_LIMIT_RECIPIENTS);
  rep->max_recipients = MIN (max_rcpt, G_MAXUINT);
  gsize nuls;
  g_autoptr (GByteArray) buf = dsn_intake_normalize (data + start, len - start, &nuls);
  char count[24], bound[24];
  if (nuls) {
    g_snprintf (count, sizeof count, "%" G_GSIZE_FORMAT, nuls);
    dsn_report_warn (rep, "input.nul_bytes", "count", count, NULL);
  }
  /* A bounce forwarded or pasted as a quotation ("> " before each line)
   * is read as the bounce itself. */
  if (!starts_with_header ((const char *)buf->data))
    unquote (buf);
  /* Text pasted without its header block: give GMime an empty one. */
  gboolean pasted = !starts_with_header ((const char *)buf->data);
  if (pasted) {
    GByteArray *report = pasted_as_report ((const char *)buf->data, buf->len);
    if (report) {
      g_byte_array_unref (buf);
      buf = report;
    } else {
      g_byte_array_prepend (buf, (const guint8 *)"\n", 1);
    }
    dsn_report_warn (rep, "input.pasted", NULL);
  }
  /* Headers alone, as copied from a mail client's "show original": the
   * input ends in the header block, which is no message cut short. */
  if (!pasted && !has_blank_line ((const char *)buf->data, buf->len)) {
    if (buf->data[buf->len - 1] != '\n')
      g_byte_array_append (buf, (const guint8 *)"\n", 1);
    g_byte_array_append (buf, (const guint8 *)"\n", 2); /* and the NUL after it */
    g_byte_array_set_size (buf, buf->len - 1);
  }
  gsize header_limit = dsn_analyzer_get_limit (an, DSN_LIMIT_HEADER_LENGTH);
  guint cut = cut_long_fields (buf, header_limit);
  if (cut) {
    g_snprintf (count, sizeof count, "%u", cut);
    g_snprintf (bound, sizeof bound, "%" G_GSIZE_FORMAT, header_limit);
    dsn_report_warn (rep, "limit.header_length", "count", count, "limit", bound, NULL);
  }
  dsn_headers_limit_trace_fields (buf, dsn_analyzer_get_limit (an, DSN_LIMIT_TRACE_FIELDS), rep);
  gsize parts_limit = dsn_analyzer_get_limit (an, DSN_LIMIT_MIME_PARTS);
  if (cut_mime_parts (buf, parts_limit)) {
    g_snprintf (bound, sizeof bound, "%" G_GSIZE_FORMAT, parts_limit);
    dsn_report_warn (rep, "limit.mime_parts", "limit", bound, NULL);
  }
  DsnMimeMessage *msg = dsn_mime_parse ((const char *)buf->data, buf->len, parser_warning, rep);
  if (!msg) {
    g_set_error (error, DSN_ERROR, DSN_ERROR_NOT_MESSAGE, "not an e-mail message");
    return NULL;
  }

  Walk w = { 0 };
  w.an = an;
  w.in.message = msg;
  w.in.raw = (const char *)buf->data;
  w.in.raw_len = buf->len;
  w.in.report = rep;
  w.in.pasted = pasted;
  w.body = g_string_new (NULL);
  w.html = g_ptr_array_new_with_free_func (g_free);
  w.depth_limit = dsn_analyzer_get_limit (an, DSN_LIMIT_MIME_DEPTH);
  walk (&w, msg->body, 0);
  /* HTML only counts when the report has no plain text (RFC 2046 §5.1.4). */
  if (!w.saw_plain)
    for (guint i = 0; i < w.html->len; i++) {
      g_string_append (w.body, w.html->pdata[i]);
      if (!w.first_text)
        w.first_text = g_strdup (w.html->pdata[i]);
    }
  g_autofree char *from = decoded_header (msg, "From");
  g_autofree char *subject = decoded_header (msg, "Subject");
  rep->from = g_strdup (from);
  rep->subject = g_strdup (subject);
  rep->to = decoded_header (msg, "To");
  g_autofree char *from_folded = dsn_text_fold (from);
  g_autofree char *subject_folded = dsn_text_fold (subject);
  w.in.from = from;
  w.in.subject = subject;
  w.in.from_folded = from_folded;
  w.in.subject_folded = subject_folded;
  w.in.body = w.body->str;
  w.in.body_len = w.body->len;
  g_autofree char *body_lower = dsn_text_lower (w.body->str, w.body->len);
  w.in.body_lower = body_lower;
  /* 8 KiB, cleared and filled once: a body is searched for hundreds of
   * phrases, most of them absent. */
  g_autofree DsnPairs *body_pairs = g_new (DsnPairs, 1);
  dsn_pairs_fill (body_pairs, body_lower, w.body->len);
  w.in.body_pairs = body_pairs;
  w.in.first_text = w.first_text ? w.first_text : "";
  /* Asked by several gateways' detection for every message. */
  g_autofree char *origin_received = NULL;
  for (guint i = dsn_mime_headers_count (&msg->headers); i > 0 && !origin_received; i--) {
    DsnMimeField *h = dsn_mime_headers_at (&msg->headers, i - 1);
    if (dsn_mime_field_is (h, "Received"))
      origin_received = dsn_text_squeeze (g_strdup (dsn_mime_field_value (h)));
  }
  w.in.origin_received = origin_received;

  for (const DsnDialect *const *d = dsn_dialects; *d; d++) {
    if (only ? *d != only : !(*d)->detect (&w.in))
      continue;
    if ((*d)->extract (&w.in)) {
      rep->dialect = (*d)->name;
      break;
    }
  }
  if (rep->kind == DSN_KIND_NOT_BOUNCE && rep->recipients->len > 0)
    rep->kind = DSN_KIND_DELIVERY_STATUS;
  if (rep->kind == DSN_KIND_NOT_BOUNCE && pasted && !only)
    explain_text (an, &w.in);
  /* A person's message with the bounce attached ("Fwd:", the report as
   * an .eml): the attached report is the one to explain (one level). */
  DsnReport *forwarded = NULL;
  const DsnMimePart *att;
  if (rep->kind == DSN_KIND_NOT_BOUNCE && !pasted && !only && !nested
      && (att = forwarded_message (msg->body))) {
    forwarded = analyze (an, att->content, att->content_len, NULL, TRUE, NULL);
    if (forwarded
        && (forwarded->kind == DSN_KIND_NOT_BOUNCE || forwarded->kind == DSN_KIND_HEADERS)) {
      dsn_report_free (forwarded);
      forwarded = NULL;
    }
    if (forwarded) {
      dsn_report_warn (forwarded, "input.forwarded", NULL);
      goto done;
    }
  }
  if (rep->kind == DSN_KIND_NOT_BOUNCE) {
    rep->dialect = NULL;
    /* Not a report: explain how the message itself was delivered. */
    rep->headers = dsn_headers_analyze (&msg->headers);
    rep->headers_free = (GDestroyNotify)dsn_headers_free;
    if (rep->headers)
      rep->kind = DSN_KIND_HEADERS;
  }

  /* Extraction stopped keeping recipients at the limit. */
  if (rep->n_dropped > 0 || rep->recipients->len > max_rcpt) {
    guint64 seen = (guint64)rep->recipients->len + rep->n_dropped;
    g_snprintf (count, sizeof count, "%" G_GUINT64_FORMAT, seen);
    g_snprintf (bound, sizeof bound, "%" G_GSIZE_FORMAT, max_rcpt);
    dsn_report_warn (rep, "limit.recipients", "count", count, "limit", bound, NULL);
    if (rep->recipients->len > max_rcpt)
      g_ptr_array_set_size (rep->recipients, max_rcpt);
  }
  dsn_report_repair (rep);
  dsn_classify_report (an, rep);
  if (rep->kind == DSN_KIND_DELIVERY_STATUS) {
    dsn_backscatter_assess (an, rep);
    dsn_sending_assess (rep, &msg->headers);
  }

done:
  dsn_mime_message_free (msg);
  g_string_free (w.body, TRUE);
  g_ptr_array_unref (w.html);
  g_free (w.first_text);
  return forwarded ? forwarded : g_steal_pointer (&rep);
}
