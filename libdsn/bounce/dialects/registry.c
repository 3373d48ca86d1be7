/* The dialect registry, in detection order: structural formats first, then
 * dialects recognised by their sender or markers, then the RFC 3464 reader,
 * auto-replies, and the generic text scanner last.
 * SPDX-License-Identifier: BSD-2-Clause */
#include "dialect.h"

extern const DsnDialect dsn_dialect_arf;
extern const DsnDialect dsn_dialect_amazonses;
extern const DsnDialect dsn_dialect_receivingses;
extern const DsnDialect dsn_dialect_amazonworkmail;
extern const DsnDialect dsn_dialect_sendgrid;
extern const DsnDialect dsn_dialect_office365;
extern const DsnDialect dsn_dialect_outlook;
extern const DsnDialect dsn_dialect_exchange2007;
extern const DsnDialect dsn_dialect_exchange2003;
extern const DsnDialect dsn_dialect_gmail;
extern const DsnDialect dsn_dialect_googlegroups;
extern const DsnDialect dsn_dialect_googleworkspace;
extern const DsnDialect dsn_dialect_yahoo;
extern const DsnDialect dsn_dialect_aol;
extern const DsnDialect dsn_dialect_gmx;
extern const DsnDialect dsn_dialect_einsundeins;
extern const DsnDialect dsn_dialect_mailru;
extern const DsnDialect dsn_dialect_yandex;
extern const DsnDialect dsn_dialect_zoho;
extern const DsnDialect dsn_dialect_verizon;
extern const DsnDialect dsn_dialect_notes;
extern const DsnDialect dsn_dialect_domino;
extern const DsnDialect dsn_dialect_barracuda;
extern const DsnDialect dsn_dialect_bigfoot;
extern const DsnDialect dsn_dialect_biglobe;
extern const DsnDialect dsn_dialect_ezweb;
extern const DsnDialect dsn_dialect_kddi;
extern const DsnDialect dsn_dialect_mailmarshal;
extern const DsnDialect dsn_dialect_mcafee;
extern const DsnDialect dsn_dialect_mimecast;
extern const DsnDialect dsn_dialect_mxlogic;
extern const DsnDialect dsn_dialect_surfcontrol;
extern const DsnDialect dsn_dialect_trendmicro;
extern const DsnDialect dsn_dialect_activehunter;
extern const DsnDialect dsn_dialect_amavis;
extern const DsnDialect dsn_dialect_apachejames;
extern const DsnDialect dsn_dialect_courier;
extern const DsnDialect dsn_dialect_dragonfly;
extern const DsnDialect dsn_dialect_fml;
extern const DsnDialect dsn_dialect_imailserver;
extern const DsnDialect dsn_dialect_mailfoundry;
extern const DsnDialect dsn_dialect_messagingserver;
extern const DsnDialect dsn_dialect_mfilter;
extern const DsnDialect dsn_dialect_opensmtpd;
extern const DsnDialect dsn_dialect_powermta;
extern const DsnDialect dsn_dialect_qmail;
extern const DsnDialect dsn_dialect_exim;
extern const DsnDialect dsn_dialect_postfix;
extern const DsnDialect dsn_dialect_sendmail;
extern const DsnDialect dsn_dialect_v5sendmail;
extern const DsnDialect dsn_dialect_x1;
extern const DsnDialect dsn_dialect_x2;
extern const DsnDialect dsn_dialect_x3;
extern const DsnDialect dsn_dialect_x4;
extern const DsnDialect dsn_dialect_x5;
extern const DsnDialect dsn_dialect_x6;
extern const DsnDialect dsn_dialect_rfc3464;
extern const DsnDialect dsn_dialect_rfc3834;
extern const DsnDialect dsn_dialect_generic;

const DsnDialect *const dsn_dialects[] = {
  &dsn_dialect_arf,          &dsn_dialect_amazonses,
  &dsn_dialect_receivingses, &dsn_dialect_amazonworkmail,
  &dsn_dialect_sendgrid,     &dsn_dialect_office365,
  &dsn_dialect_outlook,      &dsn_dialect_exchange2007,
  &dsn_dialect_exchange2003, &dsn_dialect_gmail,
  &dsn_dialect_googlegroups, &dsn_dialect_googleworkspace,
  &dsn_dialect_yahoo,        &dsn_dialect_aol,
  &dsn_dialect_gmx,          &dsn_dialect_einsundeins,
  &dsn_dialect_mailru,       &dsn_dialect_yandex,
  &dsn_dialect_zoho,         &dsn_dialect_verizon,
  &dsn_dialect_notes,        &dsn_dialect_domino,
  &dsn_dialect_barracuda,    &dsn_dialect_bigfoot,
  &dsn_dialect_biglobe,      &dsn_dialect_ezweb,
  &dsn_dialect_kddi,         &dsn_dialect_mailmarshal,
  &dsn_dialect_mcafee,       &dsn_dialect_mimecast,
  &dsn_dialect_mxlogic,      &dsn_dialect_surfcontrol,
  &dsn_dialect_trendmicro,   &dsn_dialect_activehunter,
  &dsn_dialect_amavis,       &dsn_dialect_apachejames,
  &dsn_dialect_courier,      &dsn_dialect_dragonfly,
  &dsn_dialect_fml,          &dsn_dialect_imailserver,
  &dsn_dialect_mailfoundry,  &dsn_dialect_messagingserver,
  &dsn_dialect_mfilter,      &dsn_dialect_opensmtpd,
  &dsn_dialect_powermta,     &dsn_dialect_qmail,
  &dsn_dialect_exim,         &dsn_dialect_postfix,
  &dsn_dialect_sendmail,     &dsn_dialect_v5sendmail,
  &dsn_dialect_x1,           &dsn_dialect_x2,
  &dsn_dialect_x3,           &dsn_dialect_x4,
  &dsn_dialect_x5,           &dsn_dialect_x6,
  &dsn_dialect_rfc3464,      &dsn_dialect_rfc3834,
  &dsn_dialect_generic,      NULL,
};
