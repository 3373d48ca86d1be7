/* The dialect registry: the table the analyzer walks, built from list.h,
 * which holds the detection order. The dialects themselves live in family
 * folders (formats/, unix/, providers/, gateways/: see dialect.h). Adding a
 * dialect touches nothing here: its file, its line in list.h, its line in
 * its family's meson.build.
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
