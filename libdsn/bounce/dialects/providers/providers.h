/* The providers family: mailbox providers (Gmail, Yahoo, AOL, GMX, Mail.ru,
 * ...), sending services (Amazon SES, SendGrid) and Microsoft's and Google's
 * servers. Helpers the family shares. Not installed.
 * SPDX-License-Identifier: BSD-2-Clause */
#ifndef LIBDSN_DIALECT_PROVIDERS_H
#define LIBDSN_DIALECT_PROVIDERS_H

#include "../dialect.h"

G_BEGIN_DECLS

/* ---------------------------------------------------------- providers.c */

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

/* The text after MARKER (case-insensitive) in TEXT up to the next blank line
 * that follows some text, white space squeezed; newly allocated, or NULL. */
DSN_INTERNAL char *dsn_provider_text_after (const char *text, const char *marker);

/* An address standing alone on the LEN bytes at LINE, maybe quoted,
 * bracketed or followed by a colon: 'user@example.org',
 * '"user@example.org":', '<user@example.org>'; newly allocated, or NULL. */
DSN_INTERNAL char *dsn_provider_lone_address (const char *line, gsize len);

/* ------------------------------------------------------- exchange-ndr.c */

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

/* ------------------------------------------------------------ nemesis.c */

/* Where the GMX / 1&1 mail system's report shows the original's header
 * ("--- The header of the original message is following. ---", or its German
 * translation), or NULL. */
DSN_INTERNAL const char *dsn_provider_nemesis_separator (const DsnInput *in);

/* Reads the text report of the GMX / 1&1 mail system ("The following address
 * failed:", one paragraph per recipient, "--- The header of the original
 * message is following. ---"), in English or German. Returns the number of
 * recipients added. */
DSN_INTERNAL guint dsn_provider_read_nemesis (const DsnInput *in);

G_END_DECLS

#endif
