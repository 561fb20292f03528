/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The round-trip check shared by the Intel HEX and S-record fuzz targets. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "boot0-firmware-private.h"

typedef Boot0Firmware *(*Boot0FuzzParseFunc) (const guint8 *data, gsize len, GError **error);

/* Parses data; an accepted image must write to HEX and S-record and read
 * back the same. A refusal must carry a message. Aborts on a finding. */
int boot0_fuzz_text_round_trip (Boot0FuzzParseFunc parse, const uint8_t *data, size_t size);
