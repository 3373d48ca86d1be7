/* dsn-explain: read bounces and say what went wrong, for a person or a script.
 * SPDX-License-Identifier: BSD-2-Clause */
#include "explain.h"
#include "pool.h"

#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct {
  gboolean json;
  gboolean summary;
  ColorMode color_mode;
  gboolean color;
  DsnFormat format;
  gboolean quiet;
  gboolean check;
} Options;

/* One message's work: the input and, once analysed, what to print. */
typedef struct {
  GBytes *data;
  char *path;
  guint index;
  GError *read_error;
  char *output;      /* formatted result */
  char *errline;     /* one-line error for stderr */
  DsnReport *report; /* kept for --summary */
  DsnKind kind;
  gboolean failed;
} Item;

static void
item_free (Item *it)
{
  if (!it)
    return;
  if (it->data)
    g_bytes_unref (it->data);
  g_free (it->path);
  g_clear_error (&it->read_error);
  g_free (it->output);
  g_free (it->errline);
  dsn_report_free (it->report);
  g_free (it);
}

static const DsnAnalyzer *analyzer;
#if DSN_HAVE_DNS
static DsnResolver *resolver;          /* with --check */
static const char *const *dnsbl_zones; /* with --check --dnsbl */
#endif
static Options opt;

/* ------------------------------------------------------------ formatting */

/* One result: the tool's members, "schema" and "source", then the
 * report's, or the error (ERROR, in the language set). */
static char *
format_json (const Item *it, const DsnReport *rep, const char *error)
{
  DsnJson *w = dsn_json_new_text ();
  dsn_json_begin_object (w);
  dsn_json_set_member_name (w, "schema");
  dsn_json_add_int_value (w, DSN_JSON_SCHEMA);
  dsn_json_set_member_name (w, "source");
  dsn_json_begin_object (w);
  dsn_json_member (w, "path", it->path);
  dsn_json_set_member_name (w, "index");
  if (it->index)
    dsn_json_add_int_value (w, it->index);
  else
    dsn_json_add_null_value (w);
  dsn_json_end_object (w);
  if (rep) {
    dsn_report_write_json_members (rep, w, cmd_lang ());
  } else {
    dsn_json_member (w, "kind", "error");
    dsn_json_member (w, "error", error);
  }
  dsn_json_end_object (w);
  return dsn_json_free_to_string (w);
}

static const char *
source_label (const Item *it, char *buf, gsize size)
{
  const char *path = strcmp (it->path, "-") ? it->path : cmd_text ("explain.stdin");
  if (it->index)
    g_snprintf (buf, size, "%s #%u", path, it->index);
  else
    g_snprintf (buf, size, "%s", path);
  return buf;
}

/* ------------------------------------------------------------ errors */

/* What went wrong with IT, in the language set: the reader's ERROR (the
 * file could not be read) or the analyser's (it is no message). The
 * library's errors are in English, its codes say which: the words of
 * catalogue/cli.keys replace them. */
static char *
error_text (const Item *it, const GError *error, gsize len)
{
  if (!error) /* never: a report or an error */
    return g_strdup ("unknown error");
  if (g_error_matches (error, DSN_ERROR, DSN_ERROR_LIMIT)) {
    /* The reader's ("PATH: message of [more than] N bytes...") or the
     * analyser's: the size when it is known. */
    char size[24], limit[24];
    const char *of = strstr (error->message, "message of ");
    g_snprintf (limit, sizeof limit, "%" G_GSIZE_FORMAT,
                dsn_analyzer_get_limit (analyzer, DSN_LIMIT_MESSAGE_SIZE));
    if (of && g_ascii_isdigit (of[strlen ("message of ")]))
      len = g_ascii_strtoull (of + strlen ("message of "), NULL, 10);
    else if (it->read_error)
      return cmd_format ("explain.error_too_large_unknown", "limit", limit);
    g_snprintf (size, sizeof size, "%" G_GSIZE_FORMAT, len);
    return cmd_format ("explain.error_too_large", "size", size, "limit", limit);
  }
  if (it->read_error) {
    /* "PATH: reason", the reason being the system's (strerror) or one of
     * the reader's few words, which are said in the language set. */
    gsize n = strlen (it->path);
    if (strncmp (error->message, it->path, n) || strncmp (error->message + n, ": ", 2))
      return cmd_format ("explain.error_unreadable", "error", error->message);
    const char *reason = error->message + n + 2;
    g_autofree char *own
        = !strcmp (reason, "is a directory") ? g_strdup (cmd_text ("explain.reason_is_directory"))
          : !strcmp (reason, "not a directory")
              ? g_strdup (cmd_text ("explain.reason_not_directory"))
          : g_str_has_prefix (reason, "read error: ")
              ? cmd_format ("explain.reason_read_error", "error", reason + strlen ("read error: "))
              : NULL;
    return cmd_format ("explain.error_read", "path", it->path, "reason", own ? own : reason);
  }
  /* Three messages share the code: the library's words tell them apart. */
  const char *binary = "not a message: binary data";
  if (g_error_matches (error, DSN_ERROR, DSN_ERROR_NOT_MESSAGE)
      && g_str_has_prefix (error->message, binary)) {
    const char *format = error->message + strlen (binary);
    if (g_str_has_prefix (format, " (") && g_str_has_suffix (format, ")")) {
      g_autofree char *name = g_strndup (format + 2, strlen (format) - 3);
      return cmd_format ("explain.error_binary_format", "format", name);
    }
    return g_strdup (cmd_text ("explain.error_binary"));
  }
  if (g_error_matches (error, DSN_ERROR, DSN_ERROR_NOT_MESSAGE))
    return g_strdup (cmd_text (!strcmp (error->message, "empty message")
                                   ? "explain.error_empty"
                                   : "explain.error_not_message"));
  return cmd_format ("explain.error_other", "error", error->message);
}

/* ------------------------------------------------------------ work */

/* The pool's work, on a thread: analyse, format. */
static void
analyse_item (gpointer item, G_GNUC_UNUSED gpointer user_data)
{
  Item *it = item;
  char label[4096];
  g_autoptr (GError) error = NULL;
  DsnReport *rep = NULL;
  gsize len = 0;
  if (it->read_error) {
    error = g_error_copy (it->read_error);
  } else {
    const char *data = g_bytes_get_data (it->data, &len);
    rep = dsn_analyzer_analyze (analyzer, data ? data : "", len, &error);
#if DSN_HAVE_DNS
    if (rep && opt.check)
      dsn_report_check (rep, resolver, dnsbl_zones, NULL);
#endif
  }
  if (!rep) {
    it->failed = TRUE;
    g_autofree char *text = error_text (it, error, len);
    /* The reader's errors already name the file, but for a message over
     * the size limit, whose words are ours. */
    it->errline = it->read_error && !g_error_matches (error, DSN_ERROR, DSN_ERROR_LIMIT)
                      ? g_strdup (text)
                      : cmd_format ("explain.error_line", "source",
                                    source_label (it, label, sizeof label), "error", text);
    if (opt.json && !opt.summary)
      it->output = format_json (it, NULL, text);
  } else if (opt.summary) {
    it->kind = dsn_report_get_kind (rep);
    it->report = rep;
    rep = NULL;
  } else {
    it->kind = dsn_report_get_kind (rep);
    it->output = opt.json ? format_json (it, rep, NULL)
                          : explain_text (source_label (it, label, sizeof label), rep, opt.color);
  }
  dsn_report_free (rep);
  g_bytes_unref (it->data);
  it->data = NULL;
}

static gboolean any_output;

/* Says once that --check gave up on the DNS servers, from then on. */
static void
check_unreachable (void)
{
#if DSN_HAVE_DNS
  static gboolean said;
  if (opt.check && !said && dsn_resolver_get_unreachable (resolver)) {
    said = TRUE;
    cmd_error ("%s", cmd_text ("explain.check_unreachable"));
  }
#endif
}

/* Prints an item's result and adds it to the totals. */
static void
finish_item (Item *it, Totals *t)
{
  t->messages++;
  check_unreachable ();
  if (it->failed) {
    t->errors++;
    if (!opt.quiet) {
      fflush (stdout); /* the results before it first, as they came */
      cmd_error ("%s", it->errline);
    }
  }
  if (it->output) {
    if (!opt.json && any_output)
      fputc ('\n', stdout);
    fputs (it->output, stdout);
    if (opt.json)
      fputc ('\n', stdout);
    any_output = TRUE;
  }
  if (!it->failed && it->kind != DSN_KIND_NOT_BOUNCE)
    t->bounces++;
  if (it->report)
    totals_add_report (t, it->report);
  /* A pipe or a terminal gets each result as soon as it is known; a file
   * is written a buffer at a time (one write per result was 2% of a run). */
  static int to_file = -1;
  if (to_file < 0) {
    struct stat st;
    to_file = fstat (STDOUT_FILENO, &st) == 0 && S_ISREG (st.st_mode);
  }
  /* A write that failed ends the run now, not after the whole input
   * (cmd_check_output flushes, and says why). */
  if (!to_file || ferror (stdout))
    cmd_check_output ();
}

/* ------------------------------------------------------------ progress */

typedef struct {
  gboolean enabled;
  gint64 start;
  gint64 last;
  gboolean shown;
} Progress;

static void
progress_update (Progress *pr, guint done)
{
  if (!pr->enabled)
    return;
  gint64 now = g_get_monotonic_time ();
  /* Only runs that take more than a moment get a progress line. */
  if (now - pr->start < G_USEC_PER_SEC || now - pr->last < G_USEC_PER_SEC / 4)
    return;
  pr->last = now;
  char count[16], rate[32];
  g_snprintf (count, sizeof count, "%u", done);
  g_snprintf (rate, sizeof rate, "%.0f", done / ((now - pr->start) / (double)G_USEC_PER_SEC));
  g_autofree char *text = cmd_format ("explain.progress", "count", count, "rate", rate);
  fprintf (stderr, "\r%s: %s\033[K", g_get_prgname (), text);
  pr->shown = TRUE;
}

static void
progress_end (Progress *pr)
{
  if (pr->shown)
    fprintf (stderr, "\r\033[K");
}

/* ------------------------------------------------------------ input */

/* The input: the --text values, then each path's messages. */
typedef struct {
  char **texts;
  guint n_texts, next_text;
  char **paths;
  int n_paths, next_path;
  DsnReader *reader; /* of paths[next_path - 1] */
  gboolean slow;     /* the reader's input is a stream: a pipe, a terminal */
  Totals *totals;
  Progress progress;
} Run;

/* The pool's finish, in input order: print, count, free. */
static void
finish (gpointer item, gpointer data)
{
  Run *run = data;
  finish_item (item, run->totals);
  item_free (item);
  progress_update (&run->progress, run->totals->messages);
}

/* A regular file or a directory is read as fast as it is asked for; a
 * pipe, a FIFO or a terminal may keep the next message waiting. */
static gboolean
is_stream (const char *path)
{
  struct stat st;
  int r = strcmp (path, "-") ? stat (path, &st) : fstat (STDIN_FILENO, &st);
  return r != 0 || !(S_ISREG (st.st_mode) || S_ISDIR (st.st_mode));
}

/* The pool's next: each --text (an error pasted on the command line) is a
 * message of its own, then every message of each path; a path that could
 * not be opened is an item that says so. */
static gpointer
next_item (gpointer data, gsize *bytes, gboolean *slow)
{
  Run *run = data;
  Item *it = g_new0 (Item, 1);
  if (run->next_text < run->n_texts) {
    const char *text = run->texts[run->next_text++];
    it->data = g_bytes_new (text, strlen (text));
    it->path = g_strdup ("--text");
    it->index = run->n_texts > 1 ? run->next_text : 0;
    *bytes = strlen (text);
    return it;
  }
  for (;;) {
    if (!run->reader) {
      if (run->next_path >= run->n_paths) {
        g_free (it);
        return NULL;
      }
      const char *path = run->paths[run->next_path++];
      run->reader = dsn_reader_new (path, opt.format, &it->read_error);
      if (!run->reader) {
        it->path = g_strdup (path);
        return it;
      }
      dsn_reader_set_max_size (run->reader,
                               dsn_analyzer_get_limit (analyzer, DSN_LIMIT_MESSAGE_SIZE));
      run->slow = is_stream (path);
    }
    GBytes *msg = NULL;
    const char *src = NULL;
    if (dsn_reader_next (run->reader, &msg, &src, &it->index, &it->read_error)) {
      it->data = msg;
      it->path = g_strdup (src);
      *bytes = msg ? g_bytes_get_size (msg) : 0;
      *slow = run->slow;
      return it;
    }
    g_clear_pointer (&run->reader, dsn_reader_free);
  }
}

/* ------------------------------------------------------------ main */

static gboolean
parse_format (const char *v, DsnFormat *f)
{
  static const struct {
    const char *name;
    DsnFormat format;
  } map[] = { { "auto", DSN_FORMAT_AUTO },
              { "message", DSN_FORMAT_MESSAGE },
              { "mbox", DSN_FORMAT_MBOX },
              { "maildir", DSN_FORMAT_DIR },
              { "dir", DSN_FORMAT_DIR } };
  for (gsize i = 0; i < G_N_ELEMENTS (map); i++)
    if (!strcmp (v, map[i].name)) {
      *f = map[i].format;
      return TRUE;
    }
  return FALSE;
}

int
main (int argc, char **argv)
{
  setlocale (LC_ALL, "");
  g_set_prgname ("dsn-explain");
  cmd_init ();

  gboolean json = FALSE, summary = FALSE, version = FALSE, quiet = FALSE, no_progress = FALSE;
  g_autofree char *lang = NULL, *color = NULL, *format = NULL;
  g_auto (GStrv) patterns = NULL;
  g_auto (GStrv) my_domains = NULL;
  g_auto (GStrv) my_relays = NULL;
  g_auto (GStrv) texts = NULL;
  g_auto (GStrv) dns_servers = NULL;
  g_auto (GStrv) dnsbl = NULL;
  gboolean check = FALSE;
  g_autofree char *dns_timeout = NULL, *jobs_text = NULL;
  g_auto (GStrv) limits = NULL;
  g_autofree char *lang_help = cmd_lang_help ("Language of the explanations");
  GOptionEntry entries[] = {
    { "json", 'j', 0, G_OPTION_ARG_NONE, &json, "One JSON object per message (JSON Lines)", NULL },
    { "text", 't', 0, G_OPTION_ARG_STRING_ARRAY, &texts,
      "Explain TEXT, an error message given on the command line (repeatable)", "TEXT" },
    { "summary", 's', 0, G_OPTION_ARG_NONE, &summary,
      "Totals for the whole input instead of one result per message", NULL },
    { "lang", 'l', 0, G_OPTION_ARG_STRING, &lang, lang_help, "LANG" },
    { "patterns", 'p', 0, G_OPTION_ARG_FILENAME_ARRAY, &patterns,
      "Load the *.rules files of DIR over the built-in rules (repeatable)", "DIR" },
    { "my-domain", 0, 0, G_OPTION_ARG_STRING_ARRAY, &my_domains,
      "Your own domain, to recognise bounces for mail you never sent (repeatable)", "DOMAIN" },
    { "my-relay", 0, 0, G_OPTION_ARG_STRING_ARRAY, &my_relays,
      "A server of your sending path: host name, IP address or CIDR (repeatable)", "HOST" },
    { "check", 'c', 0, G_OPTION_ARG_NONE, &check,
      "Re-check now, in the DNS, the causes that live there (SPF, DKIM, DMARC, MX, blocklists, "
      "reverse DNS)",
      NULL },
    { "dns-server", 0, 0, G_OPTION_ARG_STRING_ARRAY, &dns_servers,
      "With --check: ask this DNS server instead of /etc/resolv.conf's (repeatable)", "IP[:PORT]" },
    { "dns-timeout", 0, 0, G_OPTION_ARG_STRING, &dns_timeout,
      "With --check: seconds to wait for a DNS answer (default: 2)", "SECONDS" },
    { "dnsbl", 0, 0, G_OPTION_ARG_STRING_ARRAY, &dnsbl,
      "With --check: blocklist zone to query when the server named none (repeatable)", "ZONE" },
    { "limit", 0, 0, G_OPTION_ARG_STRING_ARRAY, &limits,
      "Change a limit: size=BYTES, depth=N, recipients=N, header=BYTES, parts=N, trace=N "
      "(repeatable)",
      "NAME=VALUE" },
    { "format", 'f', 0, G_OPTION_ARG_STRING, &format,
      "Input format: auto, message, mbox, maildir (default: auto)", "FMT" },
    { "color", 0, 0, G_OPTION_ARG_STRING, &color,
      "Colour: auto, always, never (default: auto; NO_COLOR is respected)", "WHEN" },
    { "jobs", 'J', 0, G_OPTION_ARG_STRING, &jobs_text,
      "Analyse with N threads; output keeps input order (default: 1)", "N" },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, "Do not report unreadable messages on stderr",
      NULL },
    { "no-progress", 0, 0, G_OPTION_ARG_NONE, &no_progress, "No progress line on stderr", NULL },
    { "version", 'V', 0, G_OPTION_ARG_NONE, &version, "Print the version and exit", NULL },
    { NULL },
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("[PATH...]");
  g_option_context_set_summary (
      ctx, "Explain why an email bounced. Reads bounce messages (a file, an mbox, a\n"
           "Maildir or a directory; standard input when no PATH or \"-\") and says, for\n"
           "each recipient, what failed, why, and what to do.");
  g_option_context_set_description (
      ctx, "Exit status: 0 something was diagnosed, 1 nothing looks like a bounce,\n"
           "2 usage error, 3 some input could not be read, 4 the output could not be\n"
           "written.\n\n"
           "Examples:\n"
           "  dsn-explain < bounce.eml\n"
           "  dsn-explain ~/Maildir/.Bounces\n"
           "  dsn-explain --json bounces.mbox | jq -r '.recipients[] | select(.hard_bounce) | "
           ".address'\n"
           "  dsn-explain --summary bounces.mbox\n\n"
           "See dsn-explain(1).");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_autoptr (GError) error = NULL;
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return cmd_usage_error (error->message);
  if (version) {
    printf ("dsn-explain (libdsn) %s\n", DSN_VERSION_STRING);
    return EXIT_OK;
  }
  opt.json = json;
  opt.summary = summary;
  opt.quiet = quiet;
  if (!cmd_set_language (lang, FALSE))
    return EXIT_USAGE;
  if (!cmd_parse_color (color, &opt.color_mode))
    return cmd_usage_error ("--color: expected auto, always or never");
  opt.color = !json && cmd_use_color (opt.color_mode, stdout);
  opt.format = DSN_FORMAT_AUTO;
  if (format && !parse_format (format, &opt.format))
    return cmd_usage_error ("--format: expected auto, message, mbox or maildir");
  guint64 jobs = 1;
  if (jobs_text && !cmd_parse_number ("--jobs", jobs_text, 1, 256, &jobs))
    return EXIT_USAGE;
  for (int i = 1; i < argc; i++)
    if (argv[i][0] == '-' && argv[i][1] && strcmp (argv[i], "-") != 0) {
      g_autofree char *msg = g_strdup_printf ("unknown option %s", argv[i]);
      return cmd_usage_error (msg);
    }

  g_autoptr (DsnAnalyzer) an = dsn_analyzer_new ();
  for (char **d = patterns; d && *d; d++)
    if (!dsn_analyzer_add_patterns_dir (an, *d, &error)) {
      cmd_error ("%s", error->message);
      return EXIT_USAGE;
    }
  for (char **l = limits; l && *l; l++) {
    static const struct {
      const char *name;
      DsnLimit limit;
    } names[] = { { "size", DSN_LIMIT_MESSAGE_SIZE },     { "depth", DSN_LIMIT_MIME_DEPTH },
                  { "recipients", DSN_LIMIT_RECIPIENTS }, { "header", DSN_LIMIT_HEADER_LENGTH },
                  { "parts", DSN_LIMIT_MIME_PARTS },      { "trace", DSN_LIMIT_TRACE_FIELDS } };
    char *eq = strchr (*l, '=');
    guint64 value = 0;
    gsize i = 0;
    while (eq && i < G_N_ELEMENTS (names) && strncmp (*l, names[i].name, eq - *l) != 0)
      i++;
    if (!eq || i == G_N_ELEMENTS (names) || strlen (names[i].name) != (gsize)(eq - *l)
        || !g_ascii_string_to_unsigned (eq + 1, 10, 1, G_MAXSIZE / 2, &value, NULL)) {
      g_autofree char *msg
          = g_strdup_printf ("--limit %s: expected size=, depth=, recipients=, header=, "
                             "parts= or trace= and a positive number",
                             *l);
      return cmd_usage_error (msg);
    }
    dsn_analyzer_set_limit (an, names[i].limit, (gsize)value);
  }
  for (char **d = my_domains; d && *d; d++) {
    /* "@example.org" and ".example.org" are the library's too. */
    if (!cmd_check_name ("--my-domain", **d == '@' || **d == '.' ? *d + 1 : *d))
      return EXIT_USAGE;
    dsn_analyzer_add_own_domain (an, *d);
  }
  for (char **r = my_relays; r && *r; r++)
    if (!dsn_analyzer_add_own_relay (an, *r, &error)) {
      g_autofree char *msg = g_strdup_printf ("--my-relay: %s", error->message);
      return cmd_usage_error (msg);
    }
  analyzer = an;
  if ((dns_servers || dns_timeout || dnsbl) && !check)
    return cmd_usage_error ("--dns-server, --dns-timeout and --dnsbl go with --check");
  double timeout = 0;
  if (dns_timeout && !cmd_parse_seconds ("--dns-timeout", dns_timeout, 0.01, 60, &timeout))
    return EXIT_USAGE;
  for (char **z = dnsbl; z && *z; z++)
    if (!cmd_check_name ("--dnsbl", *z))
      return EXIT_USAGE;
#if DSN_HAVE_DNS
  g_autoptr (DsnResolver) res = NULL;
  if (check) {
    opt.check = TRUE;
    res = dsn_resolver_new ();
    if (!cmd_add_dns_servers (res, dns_servers, "--dns-server: "))
      return EXIT_USAGE;
    if (timeout > 0)
      dsn_resolver_set_timeout (res, (guint)(timeout * 1000 + 0.5));
    resolver = res;
    dnsbl_zones = (const char *const *)dnsbl;
  }
#else
  if (check) {
    cmd_error (
        "--check is not built in: libdsn was built without its DNS wing (-Dmailcheck=false)");
    return EXIT_USAGE;
  }
#endif

  Totals totals;
  totals_init (&totals);
  Run run = { 0 };
  run.totals = &totals;
  run.progress.enabled = !no_progress && isatty (STDERR_FILENO);
  run.progress.start = g_get_monotonic_time ();
  run.texts = texts;
  run.n_texts = texts ? g_strv_length (texts) : 0;
  static char *stdin_path[] = { "-", NULL };
  run.paths = argc > 1 ? argv + 1 : texts ? NULL : stdin_path;
  run.n_paths = argc > 1 ? argc - 1 : texts ? 0 : 1;
  /* Messages in flight with --jobs: a few times the largest one read. */
  gsize size_limit = dsn_analyzer_get_limit (analyzer, DSN_LIMIT_MESSAGE_SIZE);
  gsize in_flight = size_limit > G_MAXSIZE / 4 ? G_MAXSIZE : size_limit * 4;
  pool_run ((int)jobs, in_flight, next_item, analyse_item, finish, &run);
  progress_end (&run.progress);
  if (summary)
    summary_print (&totals, opt.json, opt.color);
  cmd_check_output ();

  int status = totals.errors ? EXIT_INPUT : totals.bounces ? EXIT_OK : EXIT_NOTHING;
  totals_clear (&totals);
  return status;
}
