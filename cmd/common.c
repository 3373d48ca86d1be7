/* Shared by the command-line tools.
 * SPDX-License-Identifier: BSD-2-Clause */
#include "common.h"

#ifdef HAVE_MIMALLOC
#include <mimalloc.h>
#endif
#include <signal.h>
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
  fflush (stdout);
  fprintf (stderr, "%s: %s\n", g_get_prgname (), msg);
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

void
cmd_init_signals (void)
{
#ifdef HAVE_MIMALLOC
  /* The allocator reports nothing on stderr: the tools' errors are their own. */
  mi_option_disable (mi_option_show_errors);
  mi_option_disable (mi_option_verbose);
#endif
  /* Default SIGPIPE: "dsn-explain mbox | head" ends without an error message. */
  signal (SIGPIPE, SIG_DFL);
}
