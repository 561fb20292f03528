/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Per-format parsers and writers behind boot0_firmware_load_bytes() and
 * boot0_firmware_write_bytes(). Each parser returns a new image with its
 * format set, or NULL and a BOOT0_ERROR saying where the input is wrong
 * ("line N: ..." for text formats, "offset 0xN: ..." for binary ones). */
#pragma once

#include "boot0-firmware.h"

G_BEGIN_DECLS

Boot0Firmware *boot0_firmware_parse_bin (const guint8 *data, gsize len, guint32 base,
                                         GError **error);
Boot0Firmware *boot0_firmware_parse_ihex (const guint8 *data, gsize len, GError **error);
Boot0Firmware *boot0_firmware_parse_srec (const guint8 *data, gsize len, GError **error);
Boot0Firmware *boot0_firmware_parse_dfuse (const guint8 *data, gsize len, GError **error);
Boot0Firmware *boot0_firmware_parse_elf (const guint8 *data, gsize len, GError **error);

GBytes *boot0_firmware_write_bin (Boot0Firmware *self, Boot0FirmwareWriteFlags flags,
                                  guint8 fill_byte, GError **error);
GBytes *boot0_firmware_write_ihex (Boot0Firmware *self, GError **error);
GBytes *boot0_firmware_write_srec (Boot0Firmware *self, GError **error);
GBytes *boot0_firmware_write_dfuse (Boot0Firmware *self, GError **error);

G_END_DECLS
