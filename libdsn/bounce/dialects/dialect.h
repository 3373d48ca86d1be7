/* What every dialect file includes: the input, the report builders and the
 * scanners shared by dialects. Not installed.
 * SPDX-License-Identifier: BSD-2-Clause */
#ifndef LIBDSN_DIALECT_H
#define LIBDSN_DIALECT_H

#include "../bounce.h"

G_BEGIN_DECLS

/* Declares the dialect object of a file: DSN_DIALECT (postfix) expects static
 * functions detect() and extract() and defines dsn_dialect_postfix. */
#define DSN_DIALECT(id) DSN_INTERNAL const DsnDialect dsn_dialect_##id = { #id, detect, extract }

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
/* TRUE if header NAME is present and contains NEEDLE (case-insensitive; a
 * NULL needle tests presence only). */
DSN_INTERNAL gboolean dsn_header_has (const DsnInput *in, const char *name, const char *needle);
/* The start of the line following P (or the end of the text). */
DSN_INTERNAL const char *dsn_next_line (const char *p);
/* The start of the line containing P within TEXT. */
DSN_INTERNAL const char *dsn_line_start (const char *text, const char *p);

/* The SMTP command a text says failed: "RCPT", "MAIL", "DATA", "HELO",
 * "CONN" (connection / greeting), "STARTTLS", or NULL. Recognises Postfix's
 * "(in reply to RCPT TO command)", Exim's "SMTP error from remote mail server
 * after RCPT TO:", Sendmail's ">>> RCPT To:" and the like. */
DSN_INTERNAL const char *dsn_text_find_command (const char *text);

/* Sets R's diagnostic from LEN bytes of TEXT (-1: NUL-terminated), with
 * white space runs (folded lines) collapsed to one space. */
DSN_INTERNAL void dsn_recipient_set_diagnostic (DsnRecipient *r, const char *text, gssize len);

/* Finds, for every recipient of the report without a diagnostic, the
 * paragraph of TEXT that mentions its address and takes it as the
 * diagnostic: the fallback for reports whose delivery-status part has no
 * Diagnostic-Code but whose text explains. */
DSN_INTERNAL void dsn_fill_diagnostics_from_text (DsnReport *rep, const char *text);

/* Scans a free-text report for recipients: each line holding an address
 * starts a recipient; the lines that follow, up to a blank line or the next
 * address line, are its diagnostic. Returns the number found. Used by the
 * generic dialect and by dialects whose format is this simple. */
DSN_INTERNAL guint dsn_scan_address_paragraphs (DsnReport *rep, const char *start, const char *end);

/* Where a returned message begins in a text report, after one of the usual
 * separators ("------ This is a copy of the message", "--- Below this line is
 * a copy", "Original message follows", ...), or NULL. */
DSN_INTERNAL const char *dsn_find_returned_marker (const char *text);
/* Where a returned message's header block begins in TEXT (before END) when
 * no separator announces it: the first run of three or more header lines at
 * the start of a line, one of them a field that only a message's header has
 * (Message-ID, Received, Return-Path, MIME-Version). NULL if none. */
DSN_INTERNAL const char *dsn_find_header_block (const char *text, const char *end);

/* A line of TEXT that starts with FIELD ":" (case-insensitive), or NULL. */
DSN_INTERNAL const char *dsn_field_line (const char *text, const char *field);
/* Reads delivery-status fields written in TEXT (a report pasted or
 * forwarded whole, without its message/delivery-status part): from the first
 * line that starts with Reporting-MTA, Final-Recipient or the like to the
 * first line that is no field. Returns the number of recipients added. */
DSN_INTERNAL guint dsn_read_inline_fields (DsnReport *rep, const char *text);

/* The last touch of most dialects: a recipient without an action failed,
 * and the SMTP command is read from the diagnostic when not known. */
DSN_INTERNAL void dsn_finish_recipients (DsnReport *rep);

/* Helpers shared by several dialects of one family: keep each family's
 * declarations in its own section. */

/* -- Unix MTAs (Postfix, Exim, Sendmail, qmail, ...) -- */

/* The report's text: its first text part, else all of them, else (a
 * multipart whose boundaries GMime could not use) the raw body after the
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

/* TRUE if DIAGNOSTIC says nothing of the failure: absent, empty, or a
 * local mailer's exit code ("X-Unix; 77"). */
DSN_INTERNAL gboolean dsn_unix_says_nothing (const char *diagnostic);

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

/* TRUE if the LEN bytes at LINE contain ADDRESS (case-insensitive), as a
 * whole address: not a part of a longer one. */
DSN_INTERNAL gboolean dsn_unix_line_has_address (const char *line, gsize len, const char *address);

/* -- Providers (Microsoft, Google, Yahoo, Amazon, ...) -- */

/* Joins the halves of recipients the RFC 3464 reader split because a relay
 * wrote Action before Final-Recipient and Original-Recipient after it (as
 * Amazon SES does): a recipient followed by one for the same address, the
 * two never both holding a fact. */
DSN_INTERNAL void dsn_provider_join_split_recipients (DsnReport *rep);

/* Replaces a class-only status ("5.0.0"), or none, with the precise code of
 * the same class that the recipient's diagnostic gives. */
DSN_INTERNAL void dsn_provider_refine_status (DsnRecipient *r);

/* Where the report proper ends in TEXT: at the line of the returned-message
 * separator (whose headers it then records), or at the end of TEXT. */
DSN_INTERNAL const char *dsn_provider_report_end (const DsnInput *in, const char *text);

/* For a diagnostic where the sending server's expiry notice wraps the remote
 * server's last answer ("554 4.4.7 Message expired: unable to deliver in 840
 * minutes.<421 4.4.2 Connection timed out>", as Amazon SES writes it): takes
 * the status and reply code of that answer and marks the recipient expired.
 * Returns TRUE if it did. */
DSN_INTERNAL gboolean dsn_provider_take_wrapped_reply (DsnRecipient *r);

/* Adds a failed recipient for each address of the X-Failed-Recipients
 * header that the report lacks. Returns the number added. */
DSN_INTERNAL guint dsn_provider_add_failed_recipients (const DsnInput *in);

/* The text after MARKER (case-insensitive) in TEXT up to the next blank line
 * that follows some text, white space squeezed; newly allocated, or NULL. */
DSN_INTERNAL char *dsn_provider_text_after (const char *text, const char *marker);

/* Where an Exchange 2007+ report's admin section begins: "Diagnostic
 * information for administrators" or its French, German, Italian or Spanish
 * translation; NULL if absent. */
DSN_INTERNAL const char *dsn_provider_exchange_admin (const DsnInput *in);
/* Where it names the generating server ("Generating server: HOST",
 * "Serveur de génération : HOST", ...); NULL if absent. */
DSN_INTERNAL const char *dsn_provider_exchange_generating (const DsnInput *in);
/* TRUE if the start of the report is an Exchange summary ("Delivery has
 * failed to these recipients or groups:", "Your message to ... couldn't be
 * delivered.") in one of those languages. */
DSN_INTERNAL gboolean dsn_provider_exchange_summary (const DsnInput *in);

/* Extracts a Microsoft Exchange 2007+ / Office 365 non-delivery report:
 * completes the recipients of its delivery-status part (or finds them when
 * it has none) from the "Diagnostic information for administrators" section,
 * where each recipient has a paragraph: the address alone on its line, the
 * remote host, the error lines. Returns TRUE if the report has recipients. */
DSN_INTERNAL gboolean dsn_provider_extract_exchange (const DsnInput *in);

/* Where the GMX / 1&1 mail system's report shows the original's header
 * ("--- The header of the original message is following. ---", or its German
 * translation), or NULL. */
DSN_INTERNAL const char *dsn_provider_nemesis_separator (const DsnInput *in);

/* Reads the text report of the GMX / 1&1 mail system ("The following address
 * failed:", one paragraph per recipient, "--- The header of the original
 * message is following. ---"), in English or German. Returns the number of
 * recipients added. */
DSN_INTERNAL guint dsn_provider_read_nemesis (const DsnInput *in);

/* -- Gateways and regional providers -- */

/* TRUE if the bounce's last Received field, the one written where the report
 * was made, contains NEEDLE (case-insensitive, white space runs collapsed).
 * The fields above it name the relays that carried the report, filtering
 * gateways included, and say nothing of who wrote it. */
DSN_INTERNAL gboolean dsn_gw_origin_received_has (const DsnInput *in, const char *needle);
/* The start of the line that follows the first line of TEXT containing
 * MARKER (case-insensitive), or NULL. */
DSN_INTERNAL const char *dsn_gw_after_marker (const char *text, const char *marker);
/* Where the report's own words end in TEXT, at or after FROM: the earliest
 * of the NULL-terminated MARKERS (may be NULL) and the usual returned-message
 * separators, or the end of TEXT. When a separator is found, the headers that
 * follow it are recorded as the returned message's. */
DSN_INTERNAL const char *dsn_gw_report_end (const DsnInput *in, const char *text, const char *from,
                                            const char *const *markers);
/* TRUE if the line LINE (LEN bytes) holds only white space. */
DSN_INTERNAL gboolean dsn_gw_blank (const char *line, gsize len);
/* Japanese carriers (au/KDDI) mark a message their own filter stopped with
 * "X-SPASIGN: NG": every recipient of such a report is hinted "filtered". */
DSN_INTERNAL void dsn_gw_spasign_hint (const DsnInput *in);

G_END_DECLS

#endif
