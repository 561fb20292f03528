/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The 16-byte DFU suffix (DFU 1.1 Annex B; UM0391 for DfuSe files). */
#pragma once

#include "boot0-firmware.h"

G_BEGIN_DECLS

#define BOOT0_DFU_SUFFIX_SIZE   16
#define BOOT0_DFU_BCD_DFU_PLAIN 0x0100
#define BOOT0_DFU_BCD_DFUSE     0x011A

/* TRUE if the last 16 bytes carry the "UFD" signature and bLength 16 (the
 * CRC is not checked here). */
gboolean boot0_dfu_suffix_present (const guint8 *data, gsize len);

/* Parses and checks the suffix at the end of data (signature, length, CRC).
 * Errors give the offset and, for a CRC mismatch, both values. */
gboolean boot0_dfu_suffix_parse (const guint8 *data, gsize len, Boot0DfuSuffix *suffix,
                                 GError **error);

/* Appends a suffix with the given IDs to buf and fills in the CRC over
 * everything before it; suffix->crc is updated to the written value. */
void boot0_dfu_suffix_append (GByteArray *buf, Boot0DfuSuffix *suffix);

G_END_DECLS
