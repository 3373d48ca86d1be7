/* Where the returned message begins in a text report: after one of the
 * usual separators, or at a block of header fields.
 * SPDX-License-Identifier: BSD-2-Clause */
#include "../dialect.h"
#include "formats.h"

#include <string.h>

static const char *const markers[] = {
  "------ This is a copy of the message, including all the headers.",
  "--- Below this line is a copy of the message.",
  "----- Original message -----",
  "------ Original message ------",
  "----- Unsent message follows -----",
  "----- Original message follows -----",
  "------ Returned message follows ------",
  "--- The header of the original message is following. ---",
  "--- Der Header der ursprünglichen Nachricht folgt. ---",
  "Original message follows.",
  "Below is a copy of the original message:",
  "Content-Type: message/rfc822",
  "----- Message header follows -----",
  "------ The body of the message is",
  /* The same separators, translated by providers or by the MTA's own
   * localized templates. */
  "------ Ceci est une copie du message",
  "----- Message d'origine -----",
  "------ Message d'origine ------",
  "----- Message original -----",
  "------ Message original ------",
  "--- Ci-dessous se trouve une copie du message",
  "Voici une copie du message d'origine",
  "Le message d'origine suit.",
  "------ Dies ist eine Kopie der Nachricht",
  "----- Ursprüngliche Nachricht -----",
  "------ Ursprüngliche Nachricht ------",
  "--- Unterhalb dieser Zeile folgt eine Kopie der Nachricht",
  "Die ursprüngliche Nachricht folgt.",
  "------ Questa è una copia del messaggio",
  "----- Messaggio originale -----",
  "------ Messaggio originale ------",
  "--- Sotto questa riga c'è una copia del messaggio",
  "Segue il messaggio originale.",
  "------ Esta es una copia del mensaje",
  "----- Mensaje original -----",
  "------ Mensaje original ------",
  "--- Debajo de esta línea hay una copia del mensaje",
  "Sigue el mensaje original.",
  NULL,
};

void
dsn_add_returned_markers (DsnFinder *f)
{
  for (const char *const *m = markers; *m; m++)
    dsn_finder_add (f, *m);
}

const char *
dsn_find_returned_marker (const char *text)
{
  const char *best = NULL;
  /* Most separators start with a rule of dashes: look at each run of three
   * or more instead of scanning the text once per separator. A separator
   * of D dashes can only match where a run of as many or more ends. */
  for (const char *p = strstr (text, "---"); p; p = strstr (p, "---")) {
    const char *run = p;
    while (*p == '-')
      p++;
    gsize k = p - run;
    for (const char *const *m = markers; *m; m++) {
      gsize d = strspn (*m, "-");
      if (d >= 3 && d <= k && g_ascii_strncasecmp (p - d, *m, strlen (*m)) == 0
          && (!best || p - d < best))
        best = p - d;
    }
    if (best)
      break;
  }
  /* The others, in the text lowered once: strstr() each, not a
   * case-insensitive search stopping at every first letter. */
  g_autofree char *lower = dsn_text_lower (text, strlen (text));
  for (const char *const *m = markers; *m; m++) {
    if ((*m)[0] == '-' && (*m)[1] == '-' && (*m)[2] == '-')
      continue;
    const char *p = dsn_lower_find (text, lower, NULL, *m);
    if (p && (!best || p < best))
      best = p;
  }
  return best ? dsn_next_line (best) : NULL;
}

/* The length of the header field name LINE starts with, if it is one of the
 * fields a returned header block shows first; 0 otherwise. *STRONG is set
 * for the fields no report prose writes. */
static gsize
returned_field (const char *line, const char *end, gboolean *strong)
{
  static const struct {
    const char *name;
    gboolean strong;
  } fields[] = {
    { "Message-ID", TRUE },
    { "Received", TRUE },
    { "Return-Path", TRUE },
    { "MIME-Version", TRUE },
    { "Date", FALSE },
    { "From", FALSE },
    { "To", FALSE },
    { "Cc", FALSE },
    { "Subject", FALSE },
    { "Reply-To", FALSE },
    { "Sender", FALSE },
    { "Content-Type", FALSE },
    { "Content-Transfer-Encoding", FALSE },
    { "DKIM-Signature", TRUE },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (fields); i++) {
    gsize n = strlen (fields[i].name);
    if ((gsize)(end - line) > n && line[n] == ':'
        && g_ascii_strncasecmp (line, fields[i].name, n) == 0) {
      *strong = fields[i].strong;
      return n;
    }
  }
  return 0;
}

const char *
dsn_find_header_block (const char *text, const char *end)
{
  const char *block = NULL;
  guint fields = 0;
  gboolean strong = FALSE;
  for (const char *p = text; p < end && *p; p = dsn_next_line (p)) {
    const char *le = memchr (p, '\n', end - p);
    if (!le)
      le = end;
    gboolean s = FALSE;
    if (block && (*p == ' ' || *p == '\t') && !dsn_line_is_blank (p, le - p))
      continue; /* a folded field goes on */
    if (returned_field (p, le, &s)) {
      if (!block)
        block = p;
      fields++;
      strong |= s;
      if (fields >= 3 && strong)
        return block;
    } else {
      block = NULL;
      fields = 0;
      strong = FALSE;
    }
  }
  return NULL;
}
