/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A firmware image: an ordered list of segments {address, bytes}, loaded from
 * and saved to .bin, Intel HEX, Motorola S-record, DfuSe .dfu and ELF. */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* Hard caps so a hostile file cannot exhaust memory. The largest STM32 flash
 * is a few MiB; these leave room for external memories behind custom DFU. */
#define BOOT0_FIRMWARE_MAX_FILE_SIZE  ((gsize)256 * 1024 * 1024)
#define BOOT0_FIRMWARE_MAX_IMAGE_SIZE ((gsize)64 * 1024 * 1024)
#define BOOT0_FIRMWARE_MAX_SEGMENTS   4096
#define BOOT0_FIRMWARE_MAX_BIN_SPAN   ((gsize)64 * 1024 * 1024)
#define BOOT0_FIRMWARE_MAX_TARGETS    255

/* Where a raw .bin goes when nobody says otherwise: the start of STM32 flash. */
#define BOOT0_FIRMWARE_DEFAULT_BASE 0x08000000u

typedef enum
{
  BOOT0_FIRMWARE_FORMAT_UNKNOWN,
  BOOT0_FIRMWARE_FORMAT_BIN,
  BOOT0_FIRMWARE_FORMAT_IHEX,
  BOOT0_FIRMWARE_FORMAT_SREC,
  BOOT0_FIRMWARE_FORMAT_DFUSE,
  BOOT0_FIRMWARE_FORMAT_ELF,
} Boot0FirmwareFormat;

/* Short machine name: "bin", "ihex", "srec", "dfuse", "elf" ("unknown"). */
const char *boot0_firmware_format_to_string (Boot0FirmwareFormat format);
/* Human name: "raw binary", "Intel HEX", ... */
const char *boot0_firmware_format_to_description (Boot0FirmwareFormat format);
/* Accepts the machine names and common extensions ("hex", "s19", "dfu"...). */
Boot0FirmwareFormat boot0_firmware_format_from_string (const char *str);
/* By the file name's extension; UNKNOWN when it says nothing. */
Boot0FirmwareFormat boot0_firmware_format_from_filename (const char *filename);
/* By content: DfuSe prefix, ELF magic, ':' or 'S' records; UNKNOWN otherwise. */
Boot0FirmwareFormat boot0_firmware_format_sniff (const guint8 *data, gsize len);

/* The DFU 1.1 Annex B suffix (also used by DfuSe files). */
typedef struct
{
  guint16 bcd_device; /* 0xFFFF = any */
  guint16 id_product; /* 0xFFFF = any */
  guint16 id_vendor;  /* 0xFFFF = any */
  guint16 bcd_dfu;    /* 0x0100 plain DFU, 0x011A DfuSe */
  guint32 crc;        /* dwCRC as stored */
} Boot0DfuSuffix;

typedef struct _Boot0Segment Boot0Segment;

guint8 boot0_segment_get_alt_setting (const Boot0Segment *segment);
guint32 boot0_segment_get_address (const Boot0Segment *segment);
gsize boot0_segment_get_size (const Boot0Segment *segment);
/* address + size; may be 0x100000000 for a segment ending at the top. */
guint64 boot0_segment_get_end (const Boot0Segment *segment);
const guint8 *boot0_segment_get_data (const Boot0Segment *segment);
GBytes *boot0_segment_get_bytes (const Boot0Segment *segment);

#define BOOT0_TYPE_FIRMWARE (boot0_firmware_get_type ())
G_DECLARE_FINAL_TYPE (Boot0Firmware, boot0_firmware, BOOT0, FIRMWARE, GObject)

Boot0Firmware *boot0_firmware_new (void);

/* Adds bytes at an address. Segments are kept sorted by address; data that
 * overlaps an existing segment is an error; data adjacent to a segment of the
 * same alternate setting is merged into it. Caps are enforced here. */
gboolean boot0_firmware_add_data (Boot0Firmware *self, guint8 alt_setting, guint32 address,
                                  const guint8 *data, gsize len, GError **error);

guint boot0_firmware_get_n_segments (Boot0Firmware *self);
const Boot0Segment *boot0_firmware_get_segment (Boot0Firmware *self, guint idx);
/* Sum of all segment sizes. */
gsize boot0_firmware_get_total_size (Boot0Firmware *self);
/* Lowest address and end (exclusive) over all segments; FALSE if empty. */
gboolean boot0_firmware_get_span (Boot0Firmware *self, guint32 *start, guint64 *end);
/* Reads [address, address+len) into buf; FALSE if any byte is not covered. */
gboolean boot0_firmware_read (Boot0Firmware *self, guint32 address, guint8 *buf, gsize len);

Boot0FirmwareFormat boot0_firmware_get_format (Boot0Firmware *self);
void boot0_firmware_set_format (Boot0Firmware *self, Boot0FirmwareFormat format);

/* Entry point: Intel HEX type 05 (or 03 as CS:IP), S7/S8/S9, ELF e_entry. */
gboolean boot0_firmware_get_entry_point (Boot0Firmware *self, guint32 *entry);
void boot0_firmware_set_entry_point (Boot0Firmware *self, guint32 entry);

/* The DFU suffix the file carried (DfuSe, or a .bin with a suffix); NULL if none. */
const Boot0DfuSuffix *boot0_firmware_get_dfu_suffix (Boot0Firmware *self);
void boot0_firmware_set_dfu_suffix (Boot0Firmware *self, const Boot0DfuSuffix *suffix);

/* Name of the DfuSe target for an alternate setting; NULL if none. */
const char *boot0_firmware_get_target_name (Boot0Firmware *self, guint8 alt_setting);
void boot0_firmware_set_target_name (Boot0Firmware *self, guint8 alt_setting, const char *name);

/* A raw .bin carries no address: it is relocatable and placed by the caller. */
gboolean boot0_firmware_get_relocatable (Boot0Firmware *self);
void boot0_firmware_set_relocatable (Boot0Firmware *self, gboolean relocatable);
/* Moves a relocatable image so that its lowest address becomes base. */
gboolean boot0_firmware_relocate (Boot0Firmware *self, guint32 base, GError **error);

/* CRC-32 (zlib polynomial) and SHA-256 (lowercase hex) over the segments'
 * bytes in address order, gaps excluded: for a contiguous image these equal
 * the checksums of the .bin file. */
guint32 boot0_firmware_get_crc32 (Boot0Firmware *self);
char *boot0_firmware_get_sha256 (Boot0Firmware *self);

/* Loading. FORMAT_UNKNOWN sniffs the content. A raw .bin is placed at
 * bin_base and marked relocatable. Errors name what is wrong and where
 * ("line 12: ...", "offset 0x1F4: ..."); load_file prefixes the file name. */
Boot0Firmware *boot0_firmware_load_bytes (GBytes *bytes, Boot0FirmwareFormat format,
                                          guint32 bin_base, GError **error);
Boot0Firmware *boot0_firmware_load_file (const char *path, Boot0FirmwareFormat format,
                                         guint32 bin_base, GError **error);

/* Writers. */
typedef enum
{
  BOOT0_FIRMWARE_WRITE_FLAG_NONE = 0,
  /* .bin: fill gaps between segments instead of refusing them */
  BOOT0_FIRMWARE_WRITE_FLAG_FILL_GAPS = 1 << 0,
} Boot0FirmwareWriteFlags;

GBytes *boot0_firmware_write_bytes (Boot0Firmware *self, Boot0FirmwareFormat format,
                                    Boot0FirmwareWriteFlags flags, guint8 fill_byte,
                                    GError **error);
/* Writes atomically (temporary file + rename): on failure the destination is
 * left as it was. */
gboolean boot0_firmware_save_file (Boot0Firmware *self, const char *path,
                                   Boot0FirmwareFormat format, Boot0FirmwareWriteFlags flags,
                                   guint8 fill_byte, GError **error);

G_END_DECLS
