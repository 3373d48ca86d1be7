/* The Unix family: Unix MTAs (Postfix, Exim, Sendmail, qmail, Courier,
 * OpenSMTPD, ...) and the filters, list managers and servers that write
 * their kind of report. Helpers the family shares. Not installed.
 * SPDX-License-Identifier: BSD-2-Clause */
#ifndef LIBDSN_DIALECT_UNIX_H
#define LIBDSN_DIALECT_UNIX_H

#include "../dialect.h"

G_BEGIN_DECLS

/* qmail's extractor, which the qmail-based dialects reuse. */
extern const DsnDialect dsn_dialect_qmail;

/* --------------------------------------------------------------- unix.c */

/* The report's text: its first text part, else all of them, else (a
 * multipart whose boundaries could not be used) the raw body after the
 * header block. */
DSN_INTERNAL const char *dsn_unix_report_text (const DsnInput *in);

/* MTAs fill Status: with what they know (X.0.0, X.4.7 after a queue
 * timeout, sometimes a guess); the code in the remote server's reply says
 * more. Takes the status code of R's diagnostic when it has the same class
 * and is not itself X.0.0. */
DSN_INTERNAL void dsn_unix_prefer_reply_status (DsnRecipient *r);

/* Keeps the host of R's remote MTA only: "mx.example.org (TCP|...) (...)",
 * "mx.example.org [192.0.2.1]" and "[192.0.2.1]" are written in the wild. */
DSN_INTERNAL void dsn_unix_clean_remote_mta (DsnRecipient *r);

/* What every Unix dialect does last: a recipient without an action failed,
 * the SMTP command is looked for in the diagnostic if the report's prose did
 * not give it, the reply's status code is preferred, the remote MTA is
 * cleaned. */
DSN_INTERNAL void dsn_unix_finish (DsnReport *rep);

/* The host name that starts P ("mx.example.org[192.0.2.1]",
 * "mx.example.org [192.0.2.1]:", "192.0.2.1."), newly allocated, or NULL. */
DSN_INTERNAL char *dsn_unix_host_at (const char *p);

/* Adds a recipient for each line of START to END that begins, after any
 * indentation, with MARKER and holds an address (">>> user@example.org",
 * "-> user@example.org", "* user@example.org", "RCPT TO: user@example.org"):
 * the simple lists some MTAs write. Returns the number added. */
DSN_INTERNAL guint dsn_unix_add_listed (DsnReport *rep, const char *start, const char *end,
                                        const char *marker);

/* Adds the returned message's recipient (its To: header), for reports that
 * name none themselves; NULL if there is none. */
DSN_INTERNAL DsnRecipient *dsn_unix_add_returned_recipient (DsnReport *rep);

/* A text quoted by a person forwarding a bounce ("> " before every line),
 * unquoted; NULL if TEXT is not quoted that way. */
DSN_INTERNAL char *dsn_unix_unquote (const char *text);

/* --------------------------------------------------------- transcript.c */

/* TRUE if DIAGNOSTIC says nothing of the failure: absent, empty, or a
 * local mailer's exit code ("X-Unix; 77"). */
DSN_INTERNAL gboolean dsn_unix_says_nothing (const char *diagnostic);

/* An SMTP session transcript read once for all the recipients of a report:
 * where each one's address is named is found in one pass, not one per
 * recipient. REP (may be NULL) gives the addresses to look for; others
 * cost a search of their own. */
typedef struct _DsnUnixTranscript DsnUnixTranscript;
DSN_INTERNAL DsnUnixTranscript *dsn_unix_transcript_new (const char *start, const char *end,
                                                         DsnReport *rep);
DSN_INTERNAL void dsn_unix_transcript_free (DsnUnixTranscript *t);
/* dsn_unix_read_transcript() with a transcript read beforehand. */
DSN_INTERNAL gboolean dsn_unix_transcript_apply (DsnUnixTranscript *t, DsnRecipient *r,
                                                 gboolean named_only);

/* Completes R from an SMTP session transcript between START and END: the
 * "... while talking to HOST:" headings, ">>> COMMAND" and "<<< REPLY" lines
 * of Sendmail, Courier and their kin. The reply that names R's address (or,
 * failing that, the last reply to a command that was not some other
 * recipient's, unless NAMED_ONLY) becomes the diagnostic when R has none,
 * only an exit code, or only its first line; the command and host are filled
 * when missing. Returns TRUE if the transcript had a reply for R. */
DSN_INTERNAL gboolean dsn_unix_read_transcript (DsnRecipient *r, const char *start, const char *end,
                                                gboolean named_only);

/* The recipient of a Sendmail transcript line about one ("554
 * <user@example.org>... 550 Host unknown", "550 5.1.1 <user@example.org>...
 * User unknown", "<user@example.org>... Deferred: Connection refused"),
 * newly allocated, or NULL; *TEXT is set to what follows the dots. */
DSN_INTERNAL char *dsn_unix_verdict_address (const char *line, gsize len, const char **text);

/* TRUE if the LEN bytes at LINE contain ADDRESS (case-insensitive), as a
 * whole address: not a part of a longer one. */
DSN_INTERNAL gboolean dsn_unix_line_has_address (const char *line, gsize len, const char *address);

/* The first of a series of texts (numbered in increasing order) that names
 * each of many addresses as dsn_unix_line_has_address() does: every
 * address added is looked for in one pass over each text. */
typedef struct _DsnUnixNamed DsnUnixNamed;
DSN_INTERNAL DsnUnixNamed *dsn_unix_named_new (void);
DSN_INTERNAL void dsn_unix_named_free (DsnUnixNamed *x);
/* Adds an address to look for (NULL and "" are ignored); before any scan. */
DSN_INTERNAL void dsn_unix_named_add (DsnUnixNamed *x, const char *address);
/* Scans the LEN bytes of TEXT, text number ITEM (not less than the last). */
DSN_INTERNAL void dsn_unix_named_scan (DsnUnixNamed *x, const char *text, gsize len, guint item);
/* The number of the first text that names ADDRESS, or G_MAXUINT. An
 * address not added beforehand is searched for in the texts scanned (they
 * must still be alive), once. */
DSN_INTERNAL guint dsn_unix_named_first (DsnUnixNamed *x, const char *address);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DsnUnixTranscript, dsn_unix_transcript_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DsnUnixNamed, dsn_unix_named_free)

G_END_DECLS

#endif
