/* Microsoft Exchange Server 2007 and later (on-premises): "Undeliverable:"
 * reports with a "Diagnostic information for administrators" section, in the
 * server's language, usually with a delivery-status part.
 * SPDX-License-Identifier: BSD-2-Clause */
#include "dialect.h"

/* The admin section's first line, as Exchange writes it in a few languages. */
static const char *const markers[] = {
  "Diagnostic information for administrators",
  "Generating server:",
  "Informations de diagnostic pour les administrateurs",
  "Serveur de g\xc3\xa9n\xc3\xa9ration",
  "Informazioni di diagnostica per gli amministratori",
  "Server di generazione",
  "Diagnoseinformationen f\xc3\xbcr Administratoren",
  "Generierender Server",
  "Informaci\xc3\xb3n de diagn\xc3\xb3stico para administradores",
  "Servidor de generaci\xc3\xb3n",
  "Sent by Microsoft Exchange Server",
  NULL,
};

static gboolean
detect (const DsnInput *in)
{
  if (dsn_header_has (in, "X-MS-Exchange-Message-Is-Ndr", NULL))
    return TRUE;
  for (const char *const *m = markers; *m; m++)
    if (dsn_body_find (in, *m))
      return TRUE;
  return FALSE;
}

static gboolean
extract (const DsnInput *in)
{
  return dsn_provider_extract_exchange (in);
}

DSN_DIALECT (exchange2007);
