/* Code shared by the command-line tools: exit codes, colour, language and
 * option helpers.
 * SPDX-License-Identifier: BSD-2-Clause */
#ifndef DSN_CMD_COMMON_H
#define DSN_CMD_COMMON_H

#include <glib.h>
#include <libdsn/dsn.h>
#include <stdio.h>

/* Exit statuses, documented in the man pages. */
enum {
  EXIT_OK = 0,      /* dsn-explain: diagnosed; mailcheck: all good */
  EXIT_NOTHING = 1, /* dsn-explain: nothing looks like a bounce; mailcheck: problems found */
  EXIT_USAGE = 2,   /* bad options */
  EXIT_INPUT = 3,   /* dsn-explain: input unreadable; mailcheck: DNS unreachable */
  EXIT_OUTPUT = 4,  /* the output could not be written (a full disk, a closed descriptor) */
};

typedef enum { COLOR_AUTO, COLOR_NEVER, COLOR_ALWAYS } ColorMode;

/* Parses --color's value; FALSE if invalid. */
gboolean cmd_parse_color (const char *value, ColorMode *mode);
/* Whether to colour output on FP: ALWAYS, or AUTO on a terminal without NO_COLOR. */
gboolean cmd_use_color (ColorMode mode, FILE *fp);
/* Sets the language of the texts from --lang's value OPTION, or from the
 * locale (LC_ALL, LC_MESSAGES, LANG) when OPTION is NULL: one of the
 * catalogue's languages (dsn_catalogue_get_languages()), named by its code
 * or anything that starts with it ("fr_FR.UTF-8"); the first one, English,
 * by default. An OPTION that names none is a usage error that lists them,
 * reported, and FALSE returned; ANY_CASE also accepts "FR", "En", ...
 * (mailcheck does, dsn-explain does not). */
gboolean cmd_set_language (const char *option, gboolean any_case);
/* The language set: "en", "fr", ... */
const char *cmd_lang (void);
/* --lang's line of --help: "WHAT: en, fr (default: from the locale)". */
char *cmd_lang_help (const char *what);

/* The tools' own words are the texts of catalogue/cli.keys, in the language
 * set. cmd_text: the text of CODE ("explain.recipient"), static.
 * cmd_format: the same with its placeholders filled from NAME, VALUE string
 * pairs, newly allocated. A code missing from the catalogue shows as itself
 * (tests/catalogue-lint.py keeps that from happening). */
const char *cmd_text (const char *code);
#define cmd_format(code, ...)                                                                      \
  cmd_text_or_code (dsn_catalogue_format ((code), "text", cmd_lang (), __VA_ARGS__, NULL), (code))
char *cmd_text_or_code (char *text, const char *code);

#if DSN_HAVE_DNS
/* Adds the --dns-server values SERVERS (may be NULL) to RES. An invalid one
 * is a usage error, reported with PREFIX before the library's message, and
 * FALSE returned. */
gboolean cmd_add_dns_servers (DsnResolver *res, char *const *servers, const char *prefix);
#endif

/* Prints "PROG: message" on stderr, the message escaped (cmd_escape()). */
void cmd_error (const char *fmt, ...) G_GNUC_PRINTF (1, 2);
/* Reports an option parsing failure the same way for every tool and returns EXIT_USAGE. */
int cmd_usage_error (const char *message);

/* ANSI sequences, or "" when colour is off. */
typedef struct {
  const char *bold, *dim, *red, *yellow, *green, *cyan, *reset;
} Palette;
void cmd_palette (Palette *p, gboolean color);

/* To be called first: keeps closed standard descriptors from being reused,
 * sets SIGPIPE to end the process quietly, as a filter should when its reader
 * goes away, and checks at exit that the output was written (--help and
 * --version included): cmd_check_output(). */
void cmd_init (void);
/* Flushes standard output. If anything written to it was lost, ends the
 * process: when the reader went away (EPIPE), quietly, killed by SIGPIPE as
 * a shell expects of a filter; otherwise with a one-line error on stderr
 * and EXIT_OUTPUT. */
void cmd_check_output (void);

/* Text that is not the tools' own (a bounce's words, a DNS answer, a file
 * name) as it may be shown on a terminal: control characters (C0, DEL, C1),
 * the bidirectional embeddings, overrides and isolates (U+202A-U+202E,
 * U+2066-U+2069) and bytes of invalid UTF-8 are written as \n, \t, \r,
 * \xHH or \uHHHH, so that no part of it can move the cursor, clear the
 * screen, set the window title or reorder the line. cmd_escape: newly
 * allocated, NULL for NULL. cmd_append_escaped: appended to OUT. */
char *cmd_escape (const char *text);
void cmd_append_escaped (GString *out, const char *text);
/* The same for a printf() argument: TEXT itself when nothing in it needs
 * escaping, else its escaped copy, which KEEP (a GPtrArray freeing with
 * g_free) owns. NULL for NULL. */
const char *cmd_safe (GPtrArray *keep, const char *text);

/* Option values, parsed whole: an empty value, a sign, white space,
 * trailing characters, nan, inf, another base and values out of MIN..MAX
 * are usage errors, reported as "OPTION: expected ..." (cmd_usage_error()),
 * and FALSE returned. cmd_parse_number: a decimal integer. cmd_parse_seconds:
 * a decimal number of seconds ("0.5"). cmd_check_name: a domain name, a
 * zone or a DKIM selector: dot-separated labels of 1 to 63 letters, digits,
 * '-' or '_' (or UTF-8), at most 253 bytes, a final dot allowed. */
gboolean cmd_parse_number (const char *option, const char *text, guint64 min, guint64 max,
                           guint64 *value);
gboolean cmd_parse_seconds (const char *option, const char *text, double min, double max,
                            double *value);
gboolean cmd_check_name (const char *option, const char *text);

#endif
