/* barracuda: not written yet.
 * SPDX-License-Identifier: BSD-2-Clause */
#include "dialect.h"

static gboolean
detect (const DsnInput *in)
{
  return FALSE;
}

static gboolean
extract (const DsnInput *in)
{
  return FALSE;
}

DSN_DIALECT (barracuda);
