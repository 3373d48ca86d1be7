/* What every dialect file includes: the input, the report builders and the
 * text scanners all families use. Not installed.
 *
 * The dialects live in one folder per family, beside the parsers the family
 * shares, declared in the family's header:
 *   formats/    the standards (RFC 3464, ARF, RFC 3834 auto-replies), the
 *               generic text scanner, and the text scanners of this header;
 *               formats.h
 *   unix/       Unix MTAs (Postfix, Exim, Sendmail, qmail, ...) and the
 *               filters and servers that write their kind of report, with
 *               the SMTP transcript reader; unix.h
 *   providers/  mailbox providers, sending services, Microsoft's and
 *               Google's servers, with the Exchange NDR and GMX "Nemesis"
 *               readers; providers.h
 *   gateways/   filtering gateways, and the carriers and groupware servers
 *               whose text reports are read the same way; gateways.h
 *
 * Adding a dialect: its file in its family's folder, ending with
 * DSN_DIALECT (id); its line in list.h, where the order is the detection
 * order; its line in the family's meson.build.
 * SPDX-License-Identifier: BSD-2-Clause */
#ifndef LIBDSN_DIALECT_H
#define LIBDSN_DIALECT_H

#include "../bounce.h"

G_BEGIN_DECLS

/* Declares the dialect object of a file: DSN_DIALECT (postfix) expects static
 * functions detect() and extract() and defines dsn_dialect_postfix, named
 * "postfix" in the JSON output. */
#define DSN_DIALECT(id) DSN_DIALECT_NAMED (id, #id)
/* The same for a dialect whose JSON name is not its identifier: the formats
 * of unnamed writers keep the names they were first published under
 * ("x1", ...), the files and symbols say what they read. */
#define DSN_DIALECT_NAMED(id, name)                                                                \
  DSN_INTERNAL const DsnDialect dsn_dialect_##id = { name, detect, extract }

/* ------------------------------------------------ the input (dialect.c) */

/* Case-insensitive search for NEEDLE in the report's text; NULL if absent. */
DSN_INTERNAL const char *dsn_body_find (const DsnInput *in, const char *needle);
/* The report's own words: its first text part, or the whole body when that
 * part is empty. */
DSN_INTERNAL const char *dsn_input_report_text (const DsnInput *in);
/* The first of the NULL-terminated NEEDLES, in their order, found in the
 * report's text (case-insensitive): where it is, or NULL if none is. */
DSN_INTERNAL const char *dsn_body_find_any (const DsnInput *in, const char *const *needles);
/* TRUE if the From header contains any of the NULL-terminated NEEDLES
 * (compared folded: case and diacritics ignored, see dsn_text_fold()). */
DSN_INTERNAL gboolean dsn_from_has (const DsnInput *in, const char *const *needles);
/* TRUE if the Subject contains any of NEEDLES (compared folded). */
DSN_INTERNAL gboolean dsn_subject_has (const DsnInput *in, const char *const *needles);
/* TRUE if TEXT contains any of NEEDLES, both compared folded: for report
 * texts whose translations capitalise accented letters ("QUESTO È SOLO UN
 * AVVISO"). Folds the whole of TEXT: keep it for short texts. */
DSN_INTERNAL gboolean dsn_text_has_folded (const char *text, const char *const *needles);
/* TRUE if TEXT says it is only a warning and the server keeps trying ("THIS
 * IS A WARNING ONLY", "will keep trying", in five languages): a delay
 * notice. Folds the whole of TEXT: keep it for short texts. */
DSN_INTERNAL gboolean dsn_text_says_pending (const char *text);
/* TRUE if header NAME is present and contains NEEDLE (case-insensitive; a
 * NULL needle tests presence only). */
DSN_INTERNAL gboolean dsn_header_has (const DsnInput *in, const char *name, const char *needle);
/* The start of the line following P (or the end of the text). */
DSN_INTERNAL const char *dsn_next_line (const char *p);
/* The start of the line containing P within TEXT. */
DSN_INTERNAL const char *dsn_line_start (const char *text, const char *p);
/* TRUE if the LEN bytes at LINE hold only white space. */
DSN_INTERNAL gboolean dsn_line_is_blank (const char *line, gsize len);

/* ----------------------------------------------- the report (dialect.c) */

/* The SMTP command a text says failed: "RCPT", "MAIL", "DATA", "HELO",
 * "CONN" (connection / greeting), "STARTTLS", or NULL. Recognises Postfix's
 * "(in reply to RCPT TO command)", Exim's "SMTP error from remote mail server
 * after RCPT TO:", Sendmail's ">>> RCPT To:" and the like. */
DSN_INTERNAL const char *dsn_text_find_command (const char *text);

/* A phrase of report prose and the SMTP command it says failed. */
typedef struct {
  const char *phrase;
  const char *command;
} DsnCommandPhrase;

/* The command of the first of the N PHRASES, in their order, that TEXT
 * contains (case-insensitive); NULL if none does or TEXT is NULL. For the
 * dialects' own wordings ("... while sending RCPT TO"). */
DSN_INTERNAL const char *dsn_text_find_command_in (const char *text,
                                                   const DsnCommandPhrase *phrases, gsize n);

/* Sets R's diagnostic from LEN bytes of TEXT (-1: NUL-terminated), with
 * white space runs (folded lines) collapsed to one space; at most the first
 * 4 KiB of TEXT are taken. */
DSN_INTERNAL void dsn_recipient_set_diagnostic (DsnRecipient *r, const char *text, gssize len);

/* Adds a failed recipient for each address of the X-Failed-Recipients
 * header that the report lacks. Returns the number added. */
DSN_INTERNAL guint dsn_add_failed_recipients (const DsnInput *in);

/* The last touch of most dialects: a recipient without an action failed,
 * and the SMTP command is read from the diagnostic when not known. */
DSN_INTERNAL void dsn_finish_recipients (DsnReport *rep);

/* ------------------------------- text scanners of every family (formats/) */

/* Where a returned message begins in a text report, after one of the usual
 * separators ("------ This is a copy of the message", "--- Below this line is
 * a copy", "Original message follows", ...), or NULL. (returned-message.c) */
DSN_INTERNAL const char *dsn_find_returned_marker (const char *text);
/* Adds those separators to F: where each occurs is where
 * dsn_find_returned_marker() would stop, for texts searched many times. */
DSN_INTERNAL void dsn_add_returned_markers (DsnFinder *f);

/* Reads delivery-status fields written in TEXT (a report pasted or
 * forwarded whole, without its message/delivery-status part): from the first
 * line that starts with Reporting-MTA, Final-Recipient or the like to the
 * first line that is no field. Returns the number of recipients added.
 * (inline-fields.c) */
DSN_INTERNAL guint dsn_read_inline_fields (DsnReport *rep, const char *text);

/* Finds, for every recipient of the report without a diagnostic, the
 * paragraph of TEXT that mentions its address and takes it as the
 * diagnostic: the fallback for reports whose delivery-status part has no
 * Diagnostic-Code but whose text explains. (address-paragraphs.c) */
DSN_INTERNAL void dsn_fill_diagnostics_from_text (DsnReport *rep, const char *text);

G_END_DECLS

#endif
