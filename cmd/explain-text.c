/* dsn-explain's text output: a report explained for a person, from the
 * library's getters. Every text that is not the tool's own (the bounce's
 * words and names, the findings that quote them, the file name) is shown
 * through cmd_safe(): escaped, never a terminal's control sequence.
 * SPDX-License-Identifier: BSD-2-Clause */
#include "explain.h"

#include <string.h>

/* Wraps TEXT at WIDTH columns, each line indented by INDENT. */
static void
append_wrapped (GString *out, const char *text, const char *indent, guint width)
{
  g_auto (GStrv) words = g_strsplit_set (text, " \n\t", -1);
  guint col = 0;
  gboolean first = TRUE;
  for (char **w = words; *w; w++) {
    if (!**w)
      continue;
    guint n = g_utf8_strlen (*w, -1);
    if (first) {
      g_string_append (out, indent);
      col = strlen (indent);
      first = FALSE;
    } else if (col + 1 + n > width) {
      g_string_append_c (out, '\n');
      g_string_append (out, indent);
      col = strlen (indent);
    } else {
      g_string_append_c (out, ' ');
      col++;
    }
    g_string_append (out, *w);
    col += n;
  }
  g_string_append_c (out, '\n');
}

/* A bold heading and, when given, TEXT wrapped under it. */
static void
section (GString *out, const Palette *p, const char *title, const char *text)
{
  g_string_append_printf (out, "  %s%s%s\n", p->bold, title, p->reset);
  if (text)
    append_wrapped (out, text, "    ", 78);
}

static void
format_duration (GString *out, gint64 s)
{
  if (s < 0) {
    g_string_append_c (out, '-');
    s = -s;
  }
  char h[24], min[24], sec[24];
  g_snprintf (h, sizeof h, "%" G_GINT64_FORMAT, s / 3600);
  g_snprintf (min, sizeof min, "%" G_GINT64_FORMAT, s < 7200 ? s / 60 : (s % 3600) / 60);
  g_snprintf (sec, sizeof sec, "%" G_GINT64_FORMAT, s < 120 ? s : s % 60);
  g_autofree char *text = s < 120    ? cmd_format ("explain.seconds", "s", sec)
                          : s < 7200 ? cmd_format ("explain.minutes", "min", min, "s", sec)
                                     : cmd_format ("explain.hours", "h", h, "min", min);
  g_string_append (out, text);
}

/* The delivery headers analysis. */
static void
format_headers (GString *out, const DsnReport *rep, const Palette *p, gboolean colored)
{
  const char *lang = cmd_lang ();
  g_autoptr (GPtrArray) k = g_ptr_array_new_with_free_func (g_free);
  const char *sev = dsn_report_get_header_severity (rep);
  const char *color = !strcmp (sev, "error")     ? p->red
                      : !strcmp (sev, "warning") ? p->yellow
                                                 : p->green;
  const char *verdict = dsn_report_get_header_verdict (rep);
  guint nf = dsn_report_get_n_header_findings (rep);
  const char *headline = NULL;
  for (guint i = 0; i < nf && !headline; i++)
    if (!g_strcmp0 (dsn_report_get_header_finding_code (rep, i), verdict))
      headline = cmd_safe (k, dsn_report_get_header_finding_text (rep, i, lang));
  g_string_append_printf (out, "%s%s%s%s\n", p->bold, color,
                          headline ? headline : cmd_text ("explain.headers_nothing"), p->reset);
  const char *from = cmd_safe (k, dsn_report_get_header_from_domain (rep));
  const char *mailfrom = cmd_safe (k, dsn_report_get_header_mailfrom_domain (rep));
  if (from || mailfrom) {
    g_autofree char *envelope
        = mailfrom ? cmd_format ("explain.envelope", "domain", mailfrom) : NULL;
    g_string_append_printf (out, "  %s%-16s%s %s%s%s\n", p->bold, cmd_text ("explain.from_domain"),
                            p->reset, from ? from : "?", envelope ? " " : "",
                            envelope ? envelope : "");
  }
  guint nh = dsn_report_get_n_hops (rep);
  if (nh) {
    char count[16];
    g_snprintf (count, sizeof count, "%u", nh);
    g_autofree char *hops
        = cmd_format (nh > 1 ? "explain.hop_many" : "explain.hop_one", "count", count);
    g_string_append_printf (out, "  %s%-16s%s %s", p->bold, cmd_text ("explain.route"), p->reset,
                            hops);
    gint64 transit;
    if (dsn_report_get_header_transit (rep, &transit)) {
      g_string_append (out, ", ");
      format_duration (out, transit);
    }
    g_string_append_c (out, '\n');
    for (guint i = 0; i < nh; i++) {
      const char *fh = cmd_safe (k, dsn_report_get_hop_from_host (rep, i));
      const char *fip = cmd_safe (k, dsn_report_get_hop_from_ip (rep, i));
      const char *by = cmd_safe (k, dsn_report_get_hop_by_host (rep, i));
      const char *with = cmd_safe (k, dsn_report_get_hop_protocol (rep, i));
      g_string_append_printf (out, "    %2u. %s", i + 1, fh ? fh : "");
      if (fip && !(fh && strstr (fh, fip))) /* "[192.0.2.1]" names itself */
        g_string_append_printf (out, " [%s]", fip);
      g_string_append_printf (out, " → %s", by ? by : "?");
      if (with)
        g_string_append_printf (out, " %s(%s)%s", p->dim, with, p->reset);
      gint64 delay;
      if (dsn_report_get_hop_delay (rep, i, &delay)) {
        gboolean slow = dsn_report_get_hop_slowest (rep, i);
        /* A hop dated before the previous one is a clock error, not a delay. */
        g_string_append_printf (out, "  %s%s", slow || delay < 0 ? p->yellow : p->dim,
                                delay < 0 ? "" : "+");
        format_duration (out, delay);
        const char *why = slow        ? cmd_text ("explain.slowest")
                          : delay < 0 ? cmd_text ("explain.clock_skew")
                                      : NULL;
        g_string_append_printf (out, "%s%s%s", why ? " " : "", why ? why : "", p->reset);
      }
      g_string_append_c (out, '\n');
    }
  }
  guint na = dsn_report_get_n_auth_results (rep);
  if (na) {
    section (out, p, cmd_text ("explain.authentication"), NULL);
    for (guint i = 0; i < na; i++) {
      const char *res = cmd_safe (k, dsn_report_get_auth_result (rep, i));
      const char *domain = cmd_safe (k, dsn_report_get_auth_domain (rep, i));
      const char *authserv = cmd_safe (k, dsn_report_get_auth_authserv (rep, i));
      const char *c = !strcmp (res, "pass")                               ? p->green
                      : !strcmp (res, "none") || !strcmp (res, "neutral") ? p->dim
                                                                          : p->red;
      g_string_append_printf (out, "    %-6s %s%-9s%s %s",
                              cmd_safe (k, dsn_report_get_auth_method (rep, i)), c, res, p->reset,
                              domain ? domain : "");
      gboolean aligned;
      if (dsn_report_get_auth_aligned (rep, i, &aligned) && !aligned)
        g_string_append_printf (out, " %s%s%s", p->yellow, cmd_text ("explain.not_aligned"),
                                p->reset);
      g_string_append_printf (out, "  %s%s%s\n", p->dim, authserv ? authserv : "", p->reset);
    }
  }
  /* The filters' verdicts decoded; as written only for a library that
   * decodes none. */
  guint nsig = dsn_report_get_n_spam_signals (rep);
  guint ns = dsn_report_get_n_spam_verdicts (rep);
  if (nsig || ns)
    section (out, p, cmd_text ("explain.spam_filters"), NULL);
  for (guint i = 0; i < nsig; i++) {
    const DsnFinding *f = dsn_report_get_spam_signal (rep, i);
    DsnSeverity fs = dsn_finding_get_severity (f);
    const char *c = fs == DSN_SEVERITY_ERROR     ? p->red
                    : fs == DSN_SEVERITY_WARNING ? p->yellow
                    : fs == DSN_SEVERITY_OK      ? p->green
                                                 : "";
    g_autofree char *text = g_strdup_printf (
        "%s%s%s", c, cmd_safe (k, dsn_finding_get_message (f, lang)), *c ? p->reset : "");
    append_wrapped (out, text, "    ", 78);
  }
  for (guint i = 0; !nsig && i < ns; i++) {
    const char *spam = dsn_report_get_spam_verdict (rep, i);
    g_autofree char *line = g_utf8_substring (spam, 0, MIN (g_utf8_strlen (spam, -1), 100));
    g_string_append_printf (out, "    %s\n", cmd_safe (k, line));
  }
  if (nf) {
    section (out, p, cmd_text ("explain.findings"), NULL);
    for (guint i = 0; i < nf; i++) {
      const char *fs = dsn_report_get_header_finding_severity (rep, i);
      const char *c = !strcmp (fs, "error")     ? p->red
                      : !strcmp (fs, "warning") ? p->yellow
                      : !strcmp (fs, "ok")      ? p->green
                                                : p->dim;
      const char *mark = colored ? (!strcmp (fs, "error")     ? "✘"
                                    : !strcmp (fs, "warning") ? "⚠"
                                    : !strcmp (fs, "ok")      ? "✔"
                                                              : "•")
                                 : cmd_text (!strcmp (fs, "error")     ? "explain.mark_error"
                                             : !strcmp (fs, "warning") ? "explain.mark_warning"
                                             : !strcmp (fs, "ok")      ? "explain.mark_ok"
                                                                       : "explain.mark_info");
      g_autofree char *text = g_strdup_printf (
          "%s%s %s%s", c, mark, cmd_safe (k, dsn_report_get_header_finding_text (rep, i, lang)),
          p->reset);
      append_wrapped (out, text, "    ", 78);
      append_wrapped (out, cmd_safe (k, dsn_report_get_header_finding_advice (rep, i, lang)),
                      "      ", 78);
    }
  }
}

char *
explain_text (const char *label, const DsnReport *rep, gboolean colored)
{
  const char *lang = cmd_lang ();
  Palette p;
  cmd_palette (&p, colored);
  g_autoptr (GPtrArray) k = g_ptr_array_new_with_free_func (g_free);
  GString *out = g_string_new (NULL);
  DsnKind kind = dsn_report_get_kind (rep);
  guint n = dsn_report_get_n_recipients (rep);

  g_string_append_printf (out, "%s%s%s", p.dim, cmd_safe (k, label), p.reset);
  if (dsn_report_get_dialect (rep))
    g_string_append_printf (out, " %s(%s)%s", p.dim, dsn_report_get_dialect (rep), p.reset);
  g_string_append_c (out, '\n');

  /* Backscatter first: it changes how to read everything below. */
  const char *bs = dsn_report_get_backscatter (rep);
  if (bs && (!strcmp (bs, "forged") || !strcmp (bs, "suspicious"))) {
    g_string_append_printf (out, "%s%s%s%s%s\n", p.bold, p.yellow, colored ? "⚠ " : "",
                            cmd_text (!strcmp (bs, "forged") ? "explain.backscatter_forged"
                                                             : "explain.backscatter_suspicious"),
                            p.reset);
    for (guint i = 0; i < dsn_report_get_n_backscatter_evidence (rep); i++) {
      g_autofree char *line = g_strdup_printf (
          "- %s", cmd_safe (k, dsn_report_get_backscatter_evidence (rep, i, lang)));
      append_wrapped (out, line, "    ", 78);
    }
    append_wrapped (out, cmd_safe (k, dsn_report_get_backscatter_explanation (rep, lang)), "  ",
                    78);
    section (out, &p, cmd_text ("explain.what_to_do"),
             cmd_safe (k, dsn_report_get_backscatter_advice (rep, lang)));
  }
  if (kind == DSN_KIND_HEADERS) {
    format_headers (out, rep, &p, colored);
  } else if (kind == DSN_KIND_NOT_BOUNCE) {
    g_string_append_printf (out, "  %s\n", cmd_text ("explain.not_bounce"));
  } else if (n == 0) {
    g_string_append_printf (out, "  %s%s%s\n", p.yellow, cmd_text ("explain.no_recipient"),
                            p.reset);
  }
  for (guint i = 0; i < n; i++) {
    const DsnRecipient *r = dsn_report_get_recipient (rep, i);
    const char *reason = dsn_recipient_get_reason (r);
    const char *color = p.red;
    if (!strcmp (reason, "delivered") || !strcmp (reason, "vacation"))
      color = p.green;
    else if (dsn_recipient_get_action (r) == DSN_ACTION_DELAYED || !strcmp (reason, "feedback"))
      color = p.yellow;
    const char *mark = colored ? (color == p.green ? "✔ " : color == p.yellow ? "⚠ " : "✘ ") : "";
    g_string_append_printf (out, "%s%s%s%s%s\n", p.bold, color, mark,
                            cmd_safe (k, dsn_recipient_get_summary (r, lang)), p.reset);
    const char *addr = cmd_safe (k, dsn_recipient_get_address (r));
    g_string_append_printf (out, "  %s%-13s%s %s", p.bold, cmd_text ("explain.recipient"), p.reset,
                            addr && *addr ? addr : cmd_text ("explain.not_named"));
    const char *original = cmd_safe (k, dsn_recipient_get_original_address (r));
    if (original && g_ascii_strcasecmp (original, addr ? addr : "") != 0) {
      g_autofree char *originally = cmd_format ("explain.originally", "address", original);
      g_string_append_printf (out, " %s", originally);
    }
    g_string_append_c (out, '\n');
    const char *status = cmd_safe (k, dsn_recipient_get_status (r));
    const char *reply = cmd_safe (k, dsn_recipient_get_reply_code (r));
    const char *remote = cmd_safe (k, dsn_recipient_get_remote_mta (r));
    if (status || reply || remote) {
      g_string_append_printf (out, "  %s%-13s%s", p.bold, cmd_text ("explain.status"), p.reset);
      if (reply)
        g_string_append_printf (out, " %s", reply);
      if (status)
        g_string_append_printf (out, " %s", status);
      /* A code the server never sent, derived from the diagnosis. */
      const char *source = dsn_recipient_get_status_source (r);
      if (status && source && !strcmp (source, "inferred"))
        g_string_append_printf (out, " %s", cmd_text ("explain.inferred"));
      /* A delay: the cause may pass, and the sending server retries. */
      if (dsn_recipient_get_action (r) == DSN_ACTION_DELAYED)
        g_string_append_printf (out, " %s", cmd_text ("explain.temporary"));
      if (remote) {
        g_autofree char *from = cmd_format ("explain.from_mta", "host", remote);
        g_string_append_printf (out, " %s", from);
      }
      g_string_append_printf (out, "  %s[%s, %s]%s\n", p.dim, reason,
                              dsn_recipient_get_category (r), p.reset);
    } else {
      g_string_append_printf (out, "  %s%-13s%s %s[%s, %s]%s\n", p.bold,
                              cmd_text ("explain.reason"), p.reset, p.dim, reason,
                              dsn_recipient_get_category (r), p.reset);
    }
    const char *blocklist = cmd_safe (k, dsn_recipient_get_blocklist (r));
    if (blocklist)
      g_string_append_printf (out, "  %s%-13s%s %s\n", p.bold, cmd_text ("explain.blocklist"),
                              p.reset, blocklist);
    const char *diag = cmd_safe (k, dsn_recipient_get_diagnostic (r));
    if (diag && *diag) {
      g_autofree char *quoted = g_strdup_printf ("%s“%s”%s", p.cyan, diag, p.reset);
      section (out, &p, cmd_text ("explain.server_said"), quoted);
    }
    const char *check = dsn_recipient_get_check_status (r);
    if (check) {
      const char *cc = !strcmp (check, "still-holds")       ? p.red
                       : !strcmp (check, "no-longer-holds") ? p.green
                                                            : p.yellow;
      const char *outcome
          = cmd_text (!strcmp (check, "still-holds")       ? "explain.check_still"
                      : !strcmp (check, "no-longer-holds") ? "explain.check_gone"
                                                           : "explain.check_unknown");
      g_string_append_printf (out, "  %s%s%s %s%s%s\n", p.bold, cmd_text ("explain.checked_now"),
                              p.reset, cc, outcome, p.reset);
      append_wrapped (out, cmd_safe (k, dsn_recipient_get_check_text (r, lang)), "    ", 78);
      /* Which address was checked, and where it was found. */
      const char *where = cmd_safe (k, dsn_recipient_get_check_address_text (r, lang));
      if (where)
        append_wrapped (out, where, "    ", 78);
    }
    section (out, &p, cmd_text ("explain.what_happened"),
             cmd_safe (k, dsn_recipient_get_explanation (r, lang)));
    /* A verdict on the report (backscatter, a provider's shared address)
     * changes what to do: its advice replaces the category's. */
    const DsnFinding *context = dsn_recipient_get_context (r);
    if (context) {
      section (out, &p, cmd_text ("explain.what_to_do"),
               cmd_safe (k, dsn_finding_get_message (context, lang)));
      append_wrapped (out, cmd_safe (k, dsn_finding_get_advice (context, lang)), "    ", 78);
    } else {
      section (out, &p, cmd_text ("explain.what_to_do"),
               cmd_safe (k, dsn_recipient_get_advice (r, lang)));
    }
  }
  const char *orig_subject = cmd_safe (k, dsn_report_get_original_header (rep, "Subject"));
  if (orig_subject && kind == DSN_KIND_DELIVERY_STATUS)
    g_string_append_printf (out, "  %s%s “%s”%s\n", p.dim, cmd_text ("explain.original_subject"),
                            orig_subject, p.reset);
  /* The anomalies met while reading, as findings: in the language set. */
  for (guint i = 0; i < dsn_report_get_n_warnings (rep); i++)
    g_string_append_printf (
        out, "  %s%s %s%s\n", p.dim, cmd_text ("explain.note"),
        cmd_safe (k, dsn_finding_get_message (dsn_report_get_warning_finding (rep, i), lang)),
        p.reset);
  return g_string_free (out, FALSE);
}
