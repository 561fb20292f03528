/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Checksums used by the file formats and protocols. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Reflected CRC-32 (poly 0xEDB88320) as zlib computes it: pass 0 to start,
 * feed the previous result to continue. */
guint32 boot0_crc32_update (guint32 crc, const guint8 *data, gsize len);

/* The DFU suffix's dwCRC: the same CRC without the final XOR (DFU 1.1 Annex B),
 * i.e. ~crc32(data). */
guint32 boot0_crc32_dfu (const guint8 *data, gsize len);

/* The STM32 CRC unit's CRC-32 (poly 0x04C11DB7, init 0xFFFFFFFF, no final
 * XOR) over 32-bit little-endian words fed most significant bit first, as
 * AN3155 Get Checksum returns it; len must be a multiple of 4. Pass
 * 0xFFFFFFFF to start, the previous result to continue. */
guint32 boot0_crc32_stm32 (guint32 crc, const guint8 *data, gsize len);

G_END_DECLS
