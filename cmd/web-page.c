/* dsn-web's page: the template of cmd/web/dsn-web.html filled with the verdict,
 * rendered from the library's getters as dsn-explain's text output is
 * (explain-text.c), in the language asked. Everything that comes from the
 * message is escaped: the page shows untrusted text.
 * SPDX-License-Identifier: BSD-2-Clause */
#include "web.h"

#include <string.h>

#include "dsn-web-resource.h"

#define ASSETS "/org/libdsn/web/"

void
web_result_free (WebResult *r)
{
  if (!r)
    return;
  dsn_report_free (r->report);
  g_free (r->error);
  g_free (r);
}

const char *
web_text (const char *code, const char *lang)
{
  const char *t = dsn_catalogue_get_text (code, "text", lang);
  return t ? t : code;
}

/* ------------------------------------------------------------ escaping */

/* Appends TEXT (LEN bytes, or up to its NUL when -1) as HTML text or
 * attribute value: valid UTF-8, markup characters as entities, control
 * characters but tab and newlines as U+FFFD. */
static void
esc_len (GString *out, const char *text, gssize len)
{
  if (!text)
    return;
  if (len < 0)
    len = strlen (text);
  g_autofree char *valid = NULL;
  if (!g_utf8_validate_len (text, len, NULL)) {
    valid = g_utf8_make_valid (text, len);
    text = valid;
    len = strlen (valid);
  }
  const char *run = text;
  for (const char *p = text; p < text + len; p++) {
    const char *entity = NULL;
    guchar c = (guchar)*p;
    switch (c) {
    case '&': entity = "&amp;"; break;
    case '<': entity = "&lt;"; break;
    case '>': entity = "&gt;"; break;
    case '"': entity = "&quot;"; break;
    case '\'': entity = "&#39;"; break;
    default:
      if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f)
        entity = "\xEF\xBF\xBD";
    }
    if (entity) {
      g_string_append_len (out, run, p - run);
      g_string_append (out, entity);
      run = p + 1;
    }
  }
  g_string_append_len (out, run, text + len - run);
}

static void
esc (GString *out, const char *text)
{
  esc_len (out, text, -1);
}

/* "<TAG>escaped TEXT</TAG>" (TAG may carry attributes). */
static void
elem (GString *out, const char *tag, const char *text)
{
  g_string_append_printf (out, "<%s>", tag);
  esc (out, text);
  const char *space = strchr (tag, ' ');
  g_string_append_printf (out, "</%.*s>\n", space ? (int)(space - tag) : (int)strlen (tag), tag);
}

/* ------------------------------------------------------------ pieces */

typedef struct {
  GString *out;
  const char *lang;
  GString *answer; /* the plain-text answer for the customer */
} Ctx;

static const char *
T (const Ctx *c, const char *code)
{
  return web_text (code, c->lang);
}

/* Adds PARAGRAPH to the customer's answer once. */
static void
answer_add (Ctx *c, const char *paragraph)
{
  if (!paragraph || !*paragraph || strstr (c->answer->str, paragraph))
    return;
  if (c->answer->len)
    g_string_append (c->answer, "\n\n");
  g_string_append (c->answer, paragraph);
}

static void
format_duration (GString *out, gint64 s)
{
  if (s < 0) {
    g_string_append_c (out, '-');
    s = -s;
  }
  if (s < 120)
    g_string_append_printf (out, "%" G_GINT64_FORMAT " s", s);
  else if (s < 7200)
    g_string_append_printf (out, "%" G_GINT64_FORMAT " min %" G_GINT64_FORMAT " s", s / 60, s % 60);
  else
    g_string_append_printf (out, "%" G_GINT64_FORMAT " h %" G_GINT64_FORMAT " min", s / 3600,
                            (s % 3600) / 60);
}

/* A "<dt>LABEL</dt><dd>" opening; the caller writes the value and "</dd>". */
static void
fact (Ctx *c, const char *code)
{
  g_string_append (c->out, "<dt>");
  esc (c->out, T (c, code));
  g_string_append (c->out, "</dt><dd>");
}

static void
heading_and_text (Ctx *c, const char *code, const char *text)
{
  if (!text || !*text)
    return;
  elem (c->out, "h4", T (c, code));
  elem (c->out, "p", text);
}

static const char *
severity_class (const char *severity)
{
  return !g_strcmp0 (severity, "error")     ? "fail"
         : !g_strcmp0 (severity, "warning") ? "warn"
         : !g_strcmp0 (severity, "ok")      ? "ok"
                                            : "info";
}

/* ------------------------------------------------------------ delivery headers */

static void
render_headers (Ctx *c, const DsnReport *rep)
{
  GString *o = c->out;
  const char *verdict = dsn_report_get_header_verdict (rep);
  guint nf = dsn_report_get_n_header_findings (rep);
  const char *headline = NULL;
  for (guint i = 0; i < nf && !headline; i++)
    if (!g_strcmp0 (dsn_report_get_header_finding_code (rep, i), verdict))
      headline = dsn_report_get_header_finding_text (rep, i, c->lang);
  if (!headline)
    headline = T (c, "page.headers_nothing");
  g_string_append_printf (o, "<section class=\"headers %s\" data-severity=\"%s\">\n",
                          severity_class (dsn_report_get_header_severity (rep)),
                          dsn_report_get_header_severity (rep));
  elem (o, "h3", headline);
  answer_add (c, headline);

  const char *from = dsn_report_get_header_from_domain (rep);
  const char *mailfrom = dsn_report_get_header_mailfrom_domain (rep);
  if (from || mailfrom) {
    g_string_append (o, "<dl class=\"facts\">");
    fact (c, "page.from_domain");
    esc (o, from ? from : "?");
    if (mailfrom) {
      g_autofree char *env
          = dsn_catalogue_format ("page.envelope", "text", c->lang, "domain", mailfrom, NULL);
      g_string_append (o, " (");
      esc (o, env);
      g_string_append (o, ")");
    }
    g_string_append (o, "</dd></dl>\n");
  }

  guint nh = dsn_report_get_n_hops (rep);
  if (nh) {
    g_autofree char *n = g_strdup_printf ("%u", nh);
    g_autoptr (GString) transit = g_string_new (NULL);
    gint64 seconds;
    if (dsn_report_get_header_transit (rep, &seconds))
      format_duration (transit, seconds);
    g_autofree char *summary
        = dsn_catalogue_format ("page.route_summary", "text", c->lang, "n", n, "transit",
                                transit->len ? transit->str : NULL, NULL);
    g_string_append (o, "<h4>");
    esc (o, T (c, "page.route"));
    g_string_append (o, "</h4>\n<table class=\"route\"><caption>");
    esc (o, summary);
    g_string_append (o, "</caption>\n<thead><tr><th>#</th><th>");
    esc (o, T (c, "page.hop_from"));
    g_string_append (o, "</th><th>");
    esc (o, T (c, "page.hop_by"));
    g_string_append (o, "</th><th>");
    esc (o, T (c, "page.hop_protocol"));
    g_string_append (o, "</th><th>");
    esc (o, T (c, "page.hop_delay"));
    g_string_append (o, "</th></tr></thead>\n<tbody>\n");
    for (guint i = 0; i < nh; i++) {
      const char *fh = dsn_report_get_hop_from_host (rep, i);
      const char *fip = dsn_report_get_hop_from_ip (rep, i);
      const char *by = dsn_report_get_hop_by_host (rep, i);
      const char *with = dsn_report_get_hop_protocol (rep, i);
      g_string_append_printf (o, "<tr><td>%u</td><td>", i + 1);
      esc (o, fh ? fh : "");
      if (fip && !(fh && strstr (fh, fip))) { /* "[192.0.2.1]" names itself */
        g_string_append (o, " [");
        esc (o, fip);
        g_string_append (o, "]");
      }
      g_string_append (o, "</td><td>");
      esc (o, by ? by : "?");
      g_string_append (o, "</td><td>");
      esc (o, with ? with : "");
      g_string_append (o, "</td><td>");
      gint64 delay;
      if (dsn_report_get_hop_delay (rep, i, &delay)) {
        gboolean slow = dsn_report_get_hop_slowest (rep, i);
        g_autoptr (GString) d = g_string_new (delay < 0 ? "" : "+");
        format_duration (d, delay);
        /* A hop dated before the previous one is a clock error, not a delay. */
        if (slow || delay < 0)
          g_string_append_printf (d, " ← %s", T (c, slow ? "page.slowest" : "page.clock_skew"));
        g_string_append_printf (o, "<span class=\"delay%s\">", slow || delay < 0 ? " slow" : "");
        esc (o, d->str);
        g_string_append (o, "</span>");
      }
      g_string_append (o, "</td></tr>\n");
    }
    g_string_append (o, "</tbody></table>\n");
  }

  guint na = dsn_report_get_n_auth_results (rep);
  if (na) {
    elem (o, "h4", T (c, "page.authentication"));
    g_string_append (o, "<table class=\"auth\"><thead><tr><th>");
    esc (o, T (c, "page.auth_method"));
    g_string_append (o, "</th><th>");
    esc (o, T (c, "page.auth_result"));
    g_string_append (o, "</th><th>");
    esc (o, T (c, "page.auth_domain"));
    g_string_append (o, "</th><th>");
    esc (o, T (c, "page.auth_server"));
    g_string_append (o, "</th></tr></thead>\n<tbody>\n");
    for (guint i = 0; i < na; i++) {
      const char *res = dsn_report_get_auth_result (rep, i);
      const char *domain = dsn_report_get_auth_domain (rep, i);
      const char *authserv = dsn_report_get_auth_authserv (rep, i);
      const char *cls = !strcmp (res, "pass")                               ? "result-pass"
                        : !strcmp (res, "none") || !strcmp (res, "neutral") ? "result-other"
                                                                            : "result-fail";
      g_string_append (o, "<tr><td>");
      esc (o, dsn_report_get_auth_method (rep, i));
      g_string_append_printf (o, "</td><td class=\"%s\">", cls);
      esc (o, res);
      g_string_append (o, "</td><td>");
      esc (o, domain ? domain : "");
      gboolean aligned;
      if (dsn_report_get_auth_aligned (rep, i, &aligned) && !aligned) {
        g_string_append (o, " <span class=\"sev-warning\">(");
        esc (o, T (c, "page.not_aligned"));
        g_string_append (o, ")</span>");
      }
      g_string_append (o, "</td><td>");
      esc (o, authserv ? authserv : "");
      g_string_append (o, "</td></tr>\n");
    }
    g_string_append (o, "</tbody></table>\n");
  }

  guint ns = dsn_report_get_n_spam_verdicts (rep);
  if (ns) {
    elem (o, "h4", T (c, "page.spam_filters"));
    g_string_append (o, "<ul class=\"spam\">\n");
    for (guint i = 0; i < ns; i++)
      elem (o, "li", dsn_report_get_spam_verdict (rep, i));
    g_string_append (o, "</ul>\n");
  }

  if (nf) {
    elem (o, "h4", T (c, "page.findings"));
    g_string_append (o, "<ul class=\"findings\">\n");
    for (guint i = 0; i < nf; i++) {
      const char *sev = dsn_report_get_header_finding_severity (rep, i);
      const char *text = dsn_report_get_header_finding_text (rep, i, c->lang);
      const char *advice = dsn_report_get_header_finding_advice (rep, i, c->lang);
      g_string_append_printf (o, "<li class=\"sev-%s\" data-code=\"", sev);
      esc (o, dsn_report_get_header_finding_code (rep, i));
      g_string_append (o, "\">");
      esc (o, text);
      if (advice && *advice) {
        g_string_append (o, "<span class=\"advice\">");
        esc (o, advice);
        g_string_append (o, "</span>");
      }
      g_string_append (o, "</li>\n");
      if (!strcmp (sev, "error") || !strcmp (sev, "warning")) {
        g_autofree char *para = g_strconcat (text, advice && *advice ? "\n" : "", advice, NULL);
        answer_add (c, para);
      }
    }
    g_string_append (o, "</ul>\n");
  }
  g_string_append (o, "</section>\n");
}

/* ------------------------------------------------------------ bounces */

static void
render_backscatter (Ctx *c, const DsnReport *rep)
{
  const char *bs = dsn_report_get_backscatter (rep);
  if (!bs || (strcmp (bs, "forged") && strcmp (bs, "suspicious")))
    return;
  GString *o = c->out;
  const char *title
      = T (c, !strcmp (bs, "forged") ? "page.backscatter_forged" : "page.backscatter_suspicious");
  g_string_append_printf (o, "<section class=\"backscatter warn\" data-backscatter=\"%s\">\n", bs);
  elem (o, "h3", title);
  guint n = dsn_report_get_n_backscatter_evidence (rep);
  if (n) {
    g_string_append (o, "<ul>\n");
    for (guint i = 0; i < n; i++)
      elem (o, "li", dsn_report_get_backscatter_evidence (rep, i, c->lang));
    g_string_append (o, "</ul>\n");
  }
  const char *explanation = dsn_report_get_backscatter_explanation (rep, c->lang);
  const char *advice = dsn_report_get_backscatter_advice (rep, c->lang);
  if (explanation)
    elem (o, "p", explanation);
  heading_and_text (c, "page.what_to_do", advice);
  g_string_append (o, "</section>\n");
  g_autofree char *para = g_strjoin ("\n", title, advice ? advice : "", NULL);
  answer_add (c, g_strstrip (para));
}

static void
render_recipient (Ctx *c, const DsnRecipient *r)
{
  GString *o = c->out;
  const char *reason = dsn_recipient_get_reason (r);
  const char *category = dsn_recipient_get_category (r);
  const char *cls = "fail";
  if (!strcmp (reason, "delivered") || !strcmp (reason, "vacation"))
    cls = "ok";
  else if (dsn_recipient_get_action (r) == DSN_ACTION_DELAYED || !strcmp (reason, "feedback"))
    cls = "warn";
  g_string_append_printf (o, "<section class=\"recipient %s\" data-reason=\"", cls);
  esc (o, reason);
  g_string_append (o, "\" data-category=\"");
  esc (o, category);
  g_string_append (o, "\">\n");
  const char *summary = dsn_recipient_get_summary (r, c->lang);
  elem (o, "h3", summary);

  g_string_append (o, "<dl class=\"facts\">\n");
  const char *addr = dsn_recipient_get_address (r);
  const char *orig = dsn_recipient_get_original_address (r);
  fact (c, "page.recipient");
  esc (o, addr && *addr ? addr : T (c, "page.not_named"));
  if (orig && g_ascii_strcasecmp (orig, addr ? addr : "") != 0) {
    g_autofree char *t
        = dsn_catalogue_format ("page.originally", "text", c->lang, "address", orig, NULL);
    g_string_append (o, " (");
    esc (o, t);
    g_string_append (o, ")");
  }
  g_string_append (o, "</dd>\n");

  const char *status = dsn_recipient_get_status (r);
  const char *reply = dsn_recipient_get_reply_code (r);
  const char *remote = dsn_recipient_get_remote_mta (r);
  fact (c, status || reply || remote ? "page.status" : "page.reason");
  g_autoptr (GString) line = g_string_new (NULL);
  if (reply)
    g_string_append_printf (line, " %s", reply);
  if (status)
    g_string_append_printf (line, " %s", status);
  /* A code the server never sent, derived from the diagnosis. */
  if (status && !g_strcmp0 (dsn_recipient_get_status_source (r), "inferred"))
    g_string_append_printf (line, " %s", T (c, "page.inferred"));
  /* A delay: the cause may pass, and the sending server retries. */
  if (dsn_recipient_get_action (r) == DSN_ACTION_DELAYED)
    g_string_append_printf (line, " %s", T (c, "page.temporary"));
  if (remote) {
    g_autofree char *t
        = dsn_catalogue_format ("page.from_host", "text", c->lang, "host", remote, NULL);
    g_string_append_printf (line, " %s", t);
  }
  esc (o, g_strchug (line->str));
  g_string_append (o, " <span class=\"tags\">[");
  esc (o, reason);
  g_string_append (o, ", ");
  esc (o, category);
  g_string_append (o, "]</span></dd>\n");
  const char *blocklist = dsn_recipient_get_blocklist (r);
  if (blocklist) {
    fact (c, "page.blocklist");
    esc (o, blocklist);
    g_string_append (o, "</dd>\n");
  }
  g_string_append (o, "</dl>\n");

  const char *diag = dsn_recipient_get_diagnostic (r);
  if (diag && *diag) {
    elem (o, "h4", T (c, "page.server_said"));
    g_string_append (o, "<blockquote class=\"said\">");
    esc (o, diag);
    g_string_append (o, "</blockquote>\n");
  }
  const char *check = dsn_recipient_get_check_status (r);
  if (check) {
    const char *cc = !strcmp (check, "still-holds")       ? "still"
                     : !strcmp (check, "no-longer-holds") ? "gone"
                                                          : "unknown";
    const char *outcome = T (c, !strcmp (check, "still-holds")       ? "page.check_still"
                                : !strcmp (check, "no-longer-holds") ? "page.check_no_longer"
                                                                     : "page.check_could_not");
    elem (o, "h4", T (c, "page.checked_now"));
    g_string_append_printf (o, "<p><span class=\"check-result %s\" data-check=\"%s\">", cc, check);
    esc (o, outcome);
    g_string_append (o, "</span> ");
    esc (o, dsn_recipient_get_check_text (r, c->lang));
    g_string_append (o, "</p>\n");
  }
  const char *advice = dsn_recipient_get_advice (r, c->lang);
  heading_and_text (c, "page.what_happened", dsn_recipient_get_explanation (r, c->lang));
  heading_and_text (c, "page.what_to_do", advice);
  g_string_append (o, "</section>\n");

  g_autofree char *para
      = g_strdup_printf ("%s%s%s%s%s", addr && *addr ? addr : "", addr && *addr ? ": " : "",
                         summary, advice && *advice ? "\n" : "", advice ? advice : "");
  answer_add (c, para);
}

static void
render_report (Ctx *c, const DsnReport *rep)
{
  GString *o = c->out;
  DsnKind kind = dsn_report_get_kind (rep);
  guint n = dsn_report_get_n_recipients (rep);
  render_backscatter (c, rep);
  if (kind == DSN_KIND_HEADERS) {
    render_headers (c, rep);
  } else if (kind == DSN_KIND_NOT_BOUNCE) {
    g_string_append (o, "<section class=\"plain info\" data-kind=\"not-bounce\">\n");
    elem (o, "h3", T (c, "page.not_bounce"));
    g_string_append (o, "</section>\n");
  } else if (n == 0) {
    g_string_append (o, "<section class=\"plain warn\">\n");
    elem (o, "h3", T (c, "page.no_recipient"));
    g_string_append (o, "</section>\n");
  }
  for (guint i = 0; i < n; i++)
    render_recipient (c, dsn_report_get_recipient (rep, i));
  const char *subject = dsn_report_get_original_header (rep, "Subject");
  if (subject && kind == DSN_KIND_DELIVERY_STATUS) {
    g_string_append (o, "<p class=\"source\"><strong>");
    esc (o, T (c, "page.original_subject"));
    g_string_append (o, "</strong> “");
    esc (o, subject);
    g_string_append (o, "”</p>\n");
  }
  for (guint i = 0; i < dsn_report_get_n_warnings (rep); i++) {
    const DsnFinding *f = dsn_report_get_warning_finding (rep, i);
    const char *text = f ? dsn_finding_get_message (f, c->lang) : NULL;
    g_string_append (o, "<p class=\"source note\"><strong>");
    esc (o, T (c, "page.note"));
    g_string_append (o, "</strong> ");
    esc (o, text ? text : dsn_report_get_warning (rep, i));
    g_string_append (o, "</p>\n");
  }
}

static void
render_verdict (Ctx *c, const GPtrArray *results)
{
  GString *o = c->out;
  g_string_append (o, "<section id=\"verdict\" aria-labelledby=\"verdict-title\">\n"
                      "<h2 id=\"verdict-title\">");
  esc (o, T (c, "page.verdict"));
  g_string_append (o, "</h2>\n");
  for (guint i = 0; i < results->len; i++) {
    const WebResult *r = results->pdata[i];
    g_string_append_printf (o, "<article class=\"message\" data-kind=\"%s\">\n",
                            r->report ? dsn_kind_to_string (dsn_report_get_kind (r->report))
                                      : "error");
    const char *dialect = r->report ? dsn_report_get_dialect (r->report) : NULL;
    if (results->len > 1 || r->index || dialect) {
      g_string_append (o, "<p class=\"source\">");
      if (results->len > 1 || r->index) {
        g_autofree char *num = g_strdup_printf ("%u", r->index ? r->index : i + 1);
        g_autofree char *label
            = dsn_catalogue_format ("page.message_n", "text", c->lang, "n", num, NULL);
        esc (o, label);
        g_string_append (o, " ");
      }
      if (dialect) {
        g_string_append (o, "(");
        esc (o, dialect);
        g_string_append (o, ")");
      }
      g_string_append (o, "</p>\n");
    }
    if (r->report) {
      render_report (c, r->report);
    } else {
      g_autofree char *t
          = dsn_catalogue_format ("page.unreadable", "text", c->lang, "error", r->error, NULL);
      g_string_append (o, "<section class=\"plain warn\">\n");
      elem (o, "h3", t);
      g_string_append (o, "</section>\n");
    }
    g_string_append (o, "</article>\n");
  }
  g_string_append (o, "</section>\n");
  if (c->answer->len) {
    guint lines = 2;
    for (const char *p = c->answer->str; *p; p++)
      lines += *p == '\n';
    g_string_append (o, "<section class=\"answer\" aria-labelledby=\"answer-title\">\n"
                        "<h2 id=\"answer-title\">");
    esc (o, T (c, "page.answer"));
    g_string_append (o, "</h2>\n<p>");
    esc (o, T (c, "page.answer_hint"));
    g_string_append_printf (o, "</p>\n<textarea id=\"answer\" readonly rows=\"%u\">",
                            CLAMP (lines * 2, 4u, 20u)); /* long lines wrap */
    esc (o, c->answer->str);
    g_string_append (o, "</textarea>\n<button type=\"button\" id=\"copy\" hidden data-done=\"");
    esc (o, T (c, "page.copied"));
    g_string_append (o, "\">");
    esc (o, T (c, "page.copy"));
    g_string_append (o, "</button>\n</section>\n");
  }
}

/* ------------------------------------------------------------ the page */

/* The catalogue texts dsn-web.html may name as {{code}}. */
static const char *const template_texts[] = {
  "page.title",  "page.intro",    "page.message_label", "page.file_label",
  "page.submit", "page.language", "page.privacy",
};

static void
render_languages (Ctx *c)
{
  for (const char *const *l = dsn_catalogue_get_languages (); *l; l++) {
    gboolean current = !strcmp (*l, c->lang);
    /* Buttons of the form: switching language sends the message again. */
    g_string_append_printf (c->out,
                            "<button type=\"submit\" form=\"explain\" name=\"switch\" "
                            "value=\"%s\" lang=\"%s\" aria-current=\"%s\">",
                            *l, *l, current ? "true" : "false");
    esc (c->out, web_text ("page.language_name", *l));
    g_string_append (c->out, "</button>");
  }
}

static void
fill_slot (Ctx *c, const WebPage *page, const char *name, gsize len)
{
  GString *o = c->out;
  g_autofree char *key = g_strndup (name, len);
  if (!strcmp (key, "lang")) {
    esc (o, c->lang);
  } else if (!strcmp (key, "languages")) {
    render_languages (c);
  } else if (!strcmp (key, "message")) {
    if (page->message)
      esc (o, page->message);
  } else if (!strcmp (key, "check")) {
    if (page->dns_allowed) {
      g_string_append_printf (o,
                              "<div class=\"check\"><input type=\"checkbox\" id=\"check\" "
                              "name=\"check\" value=\"1\"%s> <label for=\"check\">",
                              page->check ? " checked" : "");
      esc (o, T (c, "page.check_label"));
      g_string_append (o, "</label></div>");
    }
  } else if (!strcmp (key, "notice")) {
    if (page->notice) {
      g_string_append (o, "<p class=\"notice\" role=\"status\">");
      esc (o, page->notice);
      g_string_append (o, "</p>");
    }
    if (!page->message_kept) {
      g_string_append (o, "<p class=\"notice\" role=\"status\">");
      esc (o, T (c, "page.not_echoed"));
      g_string_append (o, "</p>");
    }
  } else if (!strcmp (key, "verdict")) {
    if (page->results)
      render_verdict (c, page->results);
  } else if (!strcmp (key, "version")) {
    esc (o, DSN_VERSION_STRING);
  } else {
    for (gsize i = 0; i < G_N_ELEMENTS (template_texts); i++)
      if (!strcmp (key, template_texts[i])) {
        esc (o, T (c, key));
        return;
      }
    g_warning ("dsn-web.html: unknown slot {{%s}}", key);
  }
}

char *
web_page_render (const WebPage *page)
{
  g_autoptr (GBytes) tpl
      = g_resource_lookup_data (dsn_web_get_resource (), ASSETS "dsn-web.html", 0, NULL);
  g_return_val_if_fail (tpl, NULL);
  gsize len;
  const char *t = g_bytes_get_data (tpl, &len);
  Ctx c = { g_string_sized_new (len + 16384), page->lang, g_string_new (NULL) };
  const char *end = t + len;
  for (const char *p = t; p < end;) {
    const char *open = g_strstr_len (p, end - p, "{{");
    const char *close = open ? g_strstr_len (open, end - open, "}}") : NULL;
    if (!close) {
      g_string_append_len (c.out, p, end - p);
      break;
    }
    g_string_append_len (c.out, p, open - p);
    fill_slot (&c, page, open + 2, close - open - 2);
    p = close + 2;
  }
  g_string_free (c.answer, TRUE);
  return g_string_free (c.out, FALSE);
}

/* ------------------------------------------------------------ assets */

GBytes *
web_asset (const char *name, const char **content_type)
{
  static const struct {
    const char *name, *type;
  } assets[] = {
    { "dsn-web.css", "text/css; charset=utf-8" },
    { "dsn-web.js", "text/javascript; charset=utf-8" },
    { "favicon.svg", "image/svg+xml" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (assets); i++)
    if (!strcmp (name, assets[i].name)) {
      g_autofree char *path = g_strconcat (ASSETS, name, NULL);
      *content_type = assets[i].type;
      return g_resource_lookup_data (dsn_web_get_resource (), path, 0, NULL);
    }
  return NULL;
}

const char *
web_negotiate_lang (const char *param, const char *accept)
{
  const char *const *langs = dsn_catalogue_get_languages ();
  for (const char *const *l = langs; param && *l; l++)
    if (!g_ascii_strcasecmp (param, *l))
      return *l;
  /* "fr-CH, fr;q=0.9, en;q=0.8": the first listed is the one preferred in
   * practice; weights are not worth sorting for two or three languages. */
  g_auto (GStrv) items = accept ? g_strsplit (accept, ",", 16) : NULL;
  for (char **it = items; it && *it; it++) {
    const char *tag = g_strstrip (*it);
    for (const char *const *l = langs; *l; l++) {
      gsize n = strlen (*l);
      if (!g_ascii_strncasecmp (tag, *l, n) && (tag[n] == '\0' || tag[n] == '-' || tag[n] == ';'))
        return *l;
    }
  }
  return langs[0];
}
