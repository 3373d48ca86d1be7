/* Shared by the command-line tools.
 * SPDX-License-Identifier: BSD-2-Clause */
#include "common.h"

#ifdef HAVE_MIMALLOC
#include <mimalloc.h>
#endif
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

gboolean
cmd_parse_color (const char *value, ColorMode *mode)
{
  if (!value || !strcmp (value, "auto"))
    *mode = COLOR_AUTO;
  else if (!strcmp (value, "never") || !strcmp (value, "no"))
    *mode = COLOR_NEVER;
  else if (!strcmp (value, "always") || !strcmp (value, "yes"))
    *mode = COLOR_ALWAYS;
  else
    return FALSE;
  return TRUE;
}

gboolean
cmd_use_color (ColorMode mode, FILE *fp)
{
  if (mode != COLOR_AUTO)
    return mode == COLOR_ALWAYS;
  /* https://no-color.org: any non-empty value disables colour. */
  const char *no = g_getenv ("NO_COLOR");
  if (no && *no)
    return FALSE;
  const char *term = g_getenv ("TERM");
  if (term && !strcmp (term, "dumb"))
    return FALSE;
  return isatty (fileno (fp));
}

/* Set once by cmd_set_language(), before any thread starts. */
static const char *language;

/* The catalogue's language NAME names: the longest code it starts with. */
static const char *
find_language (const char *name, gboolean any_case)
{
  const char *best = NULL;
  for (const char *const *l = dsn_catalogue_get_languages (); *l; l++) {
    gsize n = strlen (*l);
    if ((any_case ? g_ascii_strncasecmp (name, *l, n) : strncmp (name, *l, n)) == 0
        && (!best || n > strlen (best)))
      best = *l;
  }
  return best;
}

gboolean
cmd_set_language (const char *option, gboolean any_case)
{
  const char *const *langs = dsn_catalogue_get_languages ();
  if (option) {
    language = find_language (option, any_case);
    if (!language) {
      /* "en and fr", "en, fr and de" */
      g_autoptr (GString) msg = g_string_new ("--lang: supported languages are ");
      guint n = g_strv_length ((char **)langs);
      for (guint i = 0; i < n; i++)
        g_string_append_printf (msg, "%s%s", i == 0 ? "" : i + 1 < n ? ", " : " and ", langs[i]);
      cmd_usage_error (msg->str);
      return FALSE;
    }
    return TRUE;
  }
  static const char *const vars[] = { "LC_ALL", "LC_MESSAGES", "LANG" };
  const char *l = NULL;
  for (gsize i = 0; i < G_N_ELEMENTS (vars) && (!l || !*l); i++)
    l = g_getenv (vars[i]);
  language = l && *l ? find_language (l, TRUE) : NULL;
  if (!language)
    language = langs[0];
  return TRUE;
}

const char *
cmd_lang (void)
{
  return language ? language : dsn_catalogue_get_languages ()[0];
}

char *
cmd_lang_help (const char *what)
{
  g_autofree char *list = g_strjoinv (", ", (char **)dsn_catalogue_get_languages ());
  return g_strdup_printf ("%s: %s (default: from the locale)", what, list);
}

const char *
cmd_text (const char *code)
{
  const char *text = dsn_catalogue_get_text (code, "text", cmd_lang ());
  return text ? text : code;
}

char *
cmd_text_or_code (char *text, const char *code)
{
  return text ? text : g_strdup (code);
}

#if DSN_HAVE_DNS
gboolean
cmd_add_dns_servers (DsnResolver *res, char *const *servers, const char *prefix)
{
  g_autoptr (GError) error = NULL;
  for (char *const *s = servers; s && *s; s++)
    if (!dsn_resolver_add_server (res, *s, &error)) {
      g_autofree char *msg = g_strconcat (prefix, error->message, NULL);
      cmd_usage_error (msg);
      return FALSE;
    }
  return TRUE;
}
#endif

void
cmd_error (const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_autofree char *shown = cmd_escape (msg);
  fflush (stdout);
  fprintf (stderr, "%s: %s\n", g_get_prgname (), shown);
}

int
cmd_usage_error (const char *message)
{
  cmd_error ("%s (try --help)", message);
  return EXIT_USAGE;
}

void
cmd_palette (Palette *p, gboolean color)
{
  if (color) {
    *p = (Palette){
      "\033[1m", "\033[2m", "\033[31m", "\033[33m", "\033[32m", "\033[36m", "\033[0m"
    };
  } else {
    *p = (Palette){ "", "", "", "", "", "", "" };
  }
}

/* ------------------------------------------------------------ output */

static _Noreturn void
output_failed (int err)
{
  if (err == EPIPE) {
    /* The reader went away ("| head") while SIGPIPE was ignored (dsn-web
     * ignores it, a parent may have): end as the signal would have. */
    sigset_t pipe;
    sigemptyset (&pipe);
    sigaddset (&pipe, SIGPIPE);
    signal (SIGPIPE, SIG_DFL);
    pthread_sigmask (SIG_UNBLOCK, &pipe, NULL);
    raise (SIGPIPE);
  }
  g_autofree char *text = cmd_format ("tool.write_error", "error", g_strerror (err));
  cmd_error ("%s", text);
  /* Now, whatever the threads are doing: nothing more can be written. */
  _exit (EXIT_OUTPUT);
}

/* The reason of a write that failed in g_print() (GOption's --help), whose
 * error is not seen by the time it is checked. */
static int print_errno;

static void
print_to_stdout (const char *text)
{
  /* As GLib's own handler: in the console's charset when it is not UTF-8. */
  const char *charset;
  g_autofree char *converted = NULL;
  if (!g_get_console_charset (&charset))
    converted = g_convert_with_fallback (text, -1, charset, "UTF-8", "?", NULL, NULL, NULL);
  if (fputs (converted ? converted : text, stdout) == EOF || fflush (stdout) != 0)
    print_errno = errno;
}

void
cmd_check_output (void)
{
  errno = 0;
  if (fflush (stdout) == 0 && !ferror (stdout))
    return;
  output_failed (errno ? errno : print_errno ? print_errno : EIO);
}

static void
check_output_at_exit (void)
{
  cmd_check_output ();
}

void
cmd_init (void)
{
#ifdef HAVE_MIMALLOC
  /* The allocator reports nothing on stderr: the tools' errors are their own. */
  mi_option_disable (mi_option_show_errors);
  mi_option_disable (mi_option_verbose);
#endif
  /* A standard descriptor the caller closed ("dsn-explain x.eml >&-") would
   * be given to the next file opened. /dev/null takes its number, opened
   * the other way round, so that using it still fails as on a closed one. */
  for (int fd = 0; fd <= 2; fd++)
    if (fcntl (fd, F_GETFD) < 0 && errno == EBADF) {
      int null = open ("/dev/null", fd == 0 ? O_WRONLY : O_RDONLY);
      if (null >= 0 && null != fd) {
        dup2 (null, fd);
        close (null);
      }
    }
  /* Default SIGPIPE: "dsn-explain mbox | head" ends without an error message. */
  signal (SIGPIPE, SIG_DFL);
  /* --help prints and exits inside GOption: checked at exit. */
  g_set_print_handler (print_to_stdout);
  atexit (check_output_at_exit);
}

/* ------------------------------------------------------------ foreign text */

/* Shown escaped: C0, DEL and C1 controls, bidirectional embeddings,
 * overrides (U+202A-U+202E) and isolates (U+2066-U+2069). */
static gboolean
unsafe_char (gunichar c)
{
  return c < 0x20 || (c >= 0x7f && c <= 0x9f) || (c >= 0x202a && c <= 0x202e)
         || (c >= 0x2066 && c <= 0x2069);
}

/* The length of the character at P, or 0 if it must be escaped (an invalid
 * byte escapes alone). */
static gsize
safe_length (const char *p)
{
  guchar b = *p;
  if (b < 0x80)
    return b >= 0x20 && b != 0x7f;
  gunichar c = g_utf8_get_char_validated (p, -1);
  if (c == (gunichar)-1 || c == (gunichar)-2 || unsafe_char (c))
    return 0;
  return g_utf8_skip[b];
}

void
cmd_append_escaped (GString *out, const char *text)
{
  for (const char *p = text; *p;) {
    gsize n = safe_length (p);
    if (n) {
      g_string_append_len (out, p, n);
      p += n;
      continue;
    }
    guchar b = *p;
    gunichar c = b < 0x80 ? b : g_utf8_get_char_validated (p, -1);
    if (b == '\n' || b == '\t' || b == '\r')
      g_string_append (out, b == '\n' ? "\\n" : b == '\t' ? "\\t" : "\\r");
    else if (b < 0x80 || c == (gunichar)-1 || c == (gunichar)-2)
      g_string_append_printf (out, "\\x%02x", b);
    else
      g_string_append_printf (out, "\\u%04x", c);
    p += b < 0x80 || c == (gunichar)-1 || c == (gunichar)-2 ? 1 : g_utf8_skip[b];
  }
}

char *
cmd_escape (const char *text)
{
  if (!text)
    return NULL;
  GString *out = g_string_sized_new (strlen (text));
  cmd_append_escaped (out, text);
  return g_string_free (out, FALSE);
}

const char *
cmd_safe (GPtrArray *keep, const char *text)
{
  if (!text)
    return NULL;
  const char *p = text;
  gsize n;
  while (*p && (n = safe_length (p)))
    p += n;
  if (!*p)
    return text;
  char *escaped = cmd_escape (text);
  g_ptr_array_add (keep, escaped);
  return escaped;
}

/* ------------------------------------------------------------ option values */

gboolean
cmd_parse_number (const char *option, const char *text, guint64 min, guint64 max, guint64 *value)
{
  /* Decimal only: GOption's integers also take "0x10" and "010" (octal). */
  if (!g_ascii_string_to_unsigned (text, 10, min, max, value, NULL)) {
    g_autofree char *msg = g_strdup_printf (
        "%s: expected a number from %" G_GUINT64_FORMAT " to %" G_GUINT64_FORMAT, option, min, max);
    cmd_usage_error (msg);
    return FALSE;
  }
  return TRUE;
}

gboolean
cmd_parse_seconds (const char *option, const char *text, double min, double max, double *value)
{
  /* Digits and at most one point: no sign, exponent, "nan" or "inf". */
  gsize len = strlen (text), digits = 0;
  for (const char *p = text; *p; p++)
    digits += g_ascii_isdigit (*p);
  char *end = NULL;
  double v = 0;
  gboolean ok = digits > 0 && strspn (text, "0123456789.") == len && digits + 1 >= len;
  if (ok) {
    v = g_ascii_strtod (text, &end);
    ok = end && !*end && isfinite (v) && v >= min && v <= max;
  }
  if (!ok) {
    char lo[G_ASCII_DTOSTR_BUF_SIZE], hi[G_ASCII_DTOSTR_BUF_SIZE];
    g_autofree char *msg = g_strdup_printf ("%s: expected seconds from %s to %s", option,
                                            g_ascii_formatd (lo, sizeof lo, "%g", min),
                                            g_ascii_formatd (hi, sizeof hi, "%g", max));
    cmd_usage_error (msg);
    return FALSE;
  }
  *value = v;
  return TRUE;
}

gboolean
cmd_check_name (const char *option, const char *text)
{
  gsize len = strlen (text);
  gboolean ok = len > 0 && len <= 254 && g_utf8_validate (text, -1, NULL);
  gsize label = 0; /* bytes of the label so far */
  for (const char *p = text; ok && *p; p = g_utf8_next_char (p)) {
    gunichar c = g_utf8_get_char (p);
    if (c == '.') {
      /* No empty label; a final dot only after one. */
      ok = label > 0;
      label = 0;
    } else {
      label += g_utf8_skip[*(const guchar *)p];
      ok = (c < 0x80 ? g_ascii_isalnum (c) || c == '-' || c == '_' : !unsafe_char (c))
           && label <= 63;
    }
  }
  if (ok && text[len - 1] != '.' && len > 253)
    ok = FALSE;
  if (!ok) {
    g_autofree char *msg = g_strdup_printf (
        "%s: \"%s\" is not a domain name (expected something like example.org)", option, text);
    cmd_usage_error (msg);
  }
  return ok;
}
