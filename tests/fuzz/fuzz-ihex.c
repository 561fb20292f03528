/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Fuzz target for the Intel HEX reader (see fuzz-text.c). */
#include "config.h"

#include "fuzz-text.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  return boot0_fuzz_text_round_trip (boot0_firmware_parse_ihex, data, size);
}
