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

G_END_DECLS
