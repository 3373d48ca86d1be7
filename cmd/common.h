/* Code shared by the command-line tools: exit codes, colour, language and
 * option helpers.
 * SPDX-License-Identifier: BSD-2-Clause */
#ifndef DSN_CMD_COMMON_H
#define DSN_CMD_COMMON_H

#include <glib.h>
#include <stdio.h>

/* Exit statuses, documented in the man pages. */
enum {
  EXIT_OK = 0,      /* dsn-explain: diagnosed; mailcheck: all good */
  EXIT_NOTHING = 1, /* dsn-explain: nothing looks like a bounce; mailcheck: problems found */
  EXIT_USAGE = 2,   /* bad options */
  EXIT_INPUT = 3,   /* dsn-explain: input unreadable; mailcheck: DNS unreachable */
};

typedef enum { COLOR_AUTO, COLOR_NEVER, COLOR_ALWAYS } ColorMode;

/* Parses --color's value; FALSE if invalid. */
gboolean cmd_parse_color (const char *value, ColorMode *mode);
/* Whether to colour output on FP: ALWAYS, or AUTO on a terminal without NO_COLOR. */
gboolean cmd_use_color (ColorMode mode, FILE *fp);
/* The language for texts: LANG_OPTION if set, else from the locale
 * (LC_ALL, LC_MESSAGES, LANG), "en" by default. Returns "en" or "fr". */
const char *cmd_language (const char *lang_option);

/* Prints "PROG: message" on stderr. */
void cmd_error (const char *fmt, ...) G_GNUC_PRINTF (1, 2);
/* Reports an option parsing failure the same way for every tool and returns EXIT_USAGE. */
int cmd_usage_error (const char *message);

/* ANSI sequences, or "" when colour is off. */
typedef struct {
  const char *bold, *dim, *red, *yellow, *green, *cyan, *reset;
} Palette;
void cmd_palette (Palette *p, gboolean color);

/* Sets SIGPIPE to end the process quietly, as a filter should when its
 * reader goes away. */
void cmd_init_signals (void);

#endif
