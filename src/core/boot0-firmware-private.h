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

/* Text record formats: lines and hex digits (boot0-firmware-text.c). */
typedef struct
{
  const guint8 *data;
  gsize len;
  gsize pos;
  guint lineno;
} Boot0TextLineReader;

/* The next line without "\n" or "\r\n" and trailing whitespace; FALSE at
 * the end of the input. */
gboolean boot0_text_line_reader_next (Boot0TextLineReader *reader, const guint8 **line,
                                      gsize *line_len);
/* 0..15, or -1 for anything but a hex digit. */
int boot0_text_hex_value (guint8 c);
/* Writes b as two upper-case hex digits at p; returns p + 2. */
char *boot0_text_put_hex_byte (char *p, guint8 b);
/* "'x'" for a printable character, "byte 0x07" otherwise. */
char *boot0_text_describe_char (guint8 c);
/* Decodes the hex digits of line from column first into rec (*n_bytes of
 * them); errors name the line and column. */
gboolean boot0_text_decode_hex (const guint8 *line, gsize line_len, gsize first, guint lineno,
                                guint8 *rec, gsize *n_bytes, GError **error);

G_END_DECLS
