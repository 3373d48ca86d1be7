/* The dialect registry: the table the analyzer walks, built from list.h,
 * which holds the detection order.
 * SPDX-License-Identifier: BSD-2-Clause */
#include "dialect.h"

#define DSN_DIALECT_ENTRY(id) extern const DsnDialect dsn_dialect_##id;
#include "list.h"
#undef DSN_DIALECT_ENTRY

const DsnDialect *const dsn_dialects[] = {
#define DSN_DIALECT_ENTRY(id) &dsn_dialect_##id,
#include "list.h"
#undef DSN_DIALECT_ENTRY
  NULL,
};
