/* The gateways family: filtering gateways and appliances (Barracuda,
 * Mimecast, Trend Micro, McAfee, ...), and the carriers, forwarders and
 * groupware servers (au/KDDI, BIGLOBE, Bigfoot, Lotus Notes and Domino)
 * whose text reports are read the same way: the report's own words up to a
 * marker, its author named by the last Received field. Helpers the family
 * shares. Not installed.
 * SPDX-License-Identifier: BSD-2-Clause */
#ifndef LIBDSN_DIALECT_GATEWAYS_H
#define LIBDSN_DIALECT_GATEWAYS_H

#include "../dialect.h"

G_BEGIN_DECLS

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
/* Japanese carriers (au/KDDI) mark a message their own filter stopped with
 * "X-SPASIGN: NG": every recipient of such a report is hinted "filtered". */
DSN_INTERNAL void dsn_gw_spasign_hint (const DsnInput *in);

G_END_DECLS

#endif
