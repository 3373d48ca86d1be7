/* The formats family: the standards (RFC 3464 delivery-status notifications,
 * ARF feedback reports, RFC 3834 auto-replies) and the generic text scanner
 * that runs last. The text scanners every family uses are declared in
 * dialect.h; those below serve this family only. Not installed.
 * SPDX-License-Identifier: BSD-2-Clause */
#ifndef LIBDSN_DIALECT_FORMATS_H
#define LIBDSN_DIALECT_FORMATS_H

#include "../dialect.h"

G_BEGIN_DECLS

/* -------------------------------------------------- address-paragraphs.c */

/* Scans a free-text report for recipients: each line holding an address
 * starts a recipient; the lines that follow, up to a blank line or the next
 * address line, are its diagnostic. Returns the number found. */
DSN_INTERNAL guint dsn_scan_address_paragraphs (DsnReport *rep, const char *start, const char *end);

/* ---------------------------------------------------- returned-message.c */

/* Where a returned message's header block begins in TEXT (before END) when
 * no separator announces it: the first run of three or more header lines at
 * the start of a line, one of them a field that only a message's header has
 * (Message-ID, Received, Return-Path, MIME-Version). NULL if none. */
DSN_INTERNAL const char *dsn_find_header_block (const char *text, const char *end);

/* ------------------------------------------------------- inline-fields.c */

/* A line of TEXT that starts with FIELD ":" (case-insensitive), or NULL. */
DSN_INTERNAL const char *dsn_field_line (const char *text, const char *field);

G_END_DECLS

#endif
