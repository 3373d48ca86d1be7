/* Every dialect, one line each, in detection order: the analyzer tries them
 * in turn, and the first whose detect() claims the report and whose
 * extract() finds recipients reads it. A specific dialect must come before
 * a more general one that would also claim its reports. Adding a dialect:
 * its file in its family's folder, its line here, its line in the family's
 * meson.build.
 *
 * No include guard: registry.c includes this list twice, with
 * DSN_DIALECT_ENTRY (id) declaring dsn_dialect_<id>, then listing it.
 * SPDX-License-Identifier: BSD-2-Clause */

/* A structural format first: feedback reports are known by their MIME type. */
DSN_DIALECT_ENTRY (arf)

/* Providers and sending services, known by their sender or markers. */
DSN_DIALECT_ENTRY (amazonses)
DSN_DIALECT_ENTRY (receivingses)
DSN_DIALECT_ENTRY (amazonworkmail)
DSN_DIALECT_ENTRY (sendgrid)
DSN_DIALECT_ENTRY (office365)
DSN_DIALECT_ENTRY (outlook)
DSN_DIALECT_ENTRY (exchange2007)
DSN_DIALECT_ENTRY (exchange2003)
DSN_DIALECT_ENTRY (gmail)
DSN_DIALECT_ENTRY (googlegroups)
DSN_DIALECT_ENTRY (googleworkspace)
DSN_DIALECT_ENTRY (yahoo)
DSN_DIALECT_ENTRY (aol)
DSN_DIALECT_ENTRY (gmx)
DSN_DIALECT_ENTRY (einsundeins)
DSN_DIALECT_ENTRY (mailru)
DSN_DIALECT_ENTRY (yandex)
DSN_DIALECT_ENTRY (zoho)
DSN_DIALECT_ENTRY (verizon)

/* Groupware servers, filtering gateways, carriers and forwarders. */
DSN_DIALECT_ENTRY (notes)
DSN_DIALECT_ENTRY (domino)
DSN_DIALECT_ENTRY (barracuda)
DSN_DIALECT_ENTRY (bigfoot)
DSN_DIALECT_ENTRY (biglobe)
DSN_DIALECT_ENTRY (ezweb)
DSN_DIALECT_ENTRY (kddi)
DSN_DIALECT_ENTRY (mailmarshal)
DSN_DIALECT_ENTRY (mcafee)
DSN_DIALECT_ENTRY (mimecast)
DSN_DIALECT_ENTRY (mxlogic)
DSN_DIALECT_ENTRY (surfcontrol)
DSN_DIALECT_ENTRY (trendmicro)

/* Unix MTAs and their kin, before the formats they also write. */
DSN_DIALECT_ENTRY (activehunter)
DSN_DIALECT_ENTRY (amavis)
DSN_DIALECT_ENTRY (apachejames)
DSN_DIALECT_ENTRY (courier)
DSN_DIALECT_ENTRY (dragonfly)
DSN_DIALECT_ENTRY (fml)
DSN_DIALECT_ENTRY (imailserver)
DSN_DIALECT_ENTRY (mailfoundry)
DSN_DIALECT_ENTRY (messagingserver)
DSN_DIALECT_ENTRY (mfilter)
DSN_DIALECT_ENTRY (opensmtpd)
DSN_DIALECT_ENTRY (powermta)
DSN_DIALECT_ENTRY (qmail)
DSN_DIALECT_ENTRY (exim)
DSN_DIALECT_ENTRY (postfix)
DSN_DIALECT_ENTRY (sendmail)
DSN_DIALECT_ENTRY (v5sendmail)

/* Formats of writers without a name, called by what they read; the JSON
 * output names them "x1" to "x6", in this order. */
DSN_DIALECT_ENTRY (deliveryerrors)
DSN_DIALECT_ENTRY (qmailjp)
DSN_DIALECT_ENTRY (starredlist)
DSN_DIALECT_ENTRY (qmailclone)
DSN_DIALECT_ENTRY (attachedreport)
DSN_DIALECT_ENTRY (troubledelivering)

/* Any other RFC 3464 report; automatic replies after every bounce dialect,
 * since many bounces carry "Auto-Submitted: auto-replied" too; the generic
 * text scanner last. */
DSN_DIALECT_ENTRY (rfc3464)
DSN_DIALECT_ENTRY (rfc3834)
DSN_DIALECT_ENTRY (generic)
