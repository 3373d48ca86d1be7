/* Shared by the fuzz targets: the libFuzzer entry point each defines.
 * SPDX-License-Identifier: BSD-2-Clause */
#ifndef DSN_FUZZ_H
#define DSN_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

#endif
