/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What Boot0 knows about STM32 parts (data/chips.ini): identify a chip by its
 * UART Get ID answer or by the USB descriptors of its ROM DFU bootloader. */
#pragma once

#include <glib-object.h>

#include "boot0-dfuse-layout.h"

G_BEGIN_DECLS

#define BOOT0_USB_VID_ST     0x0483
#define BOOT0_USB_PID_ST_DFU 0xDF11

/* What describe_usb() says when no ROM matches. */
#define BOOT0_CHIP_DB_CUSTOM_LABEL "Custom DfuSe bootloader"

/* One entry of the database; immutable and owned by the database unless
 * the caller takes a reference. */
typedef struct _Boot0Chip Boot0Chip;

#define BOOT0_TYPE_CHIP (boot0_chip_get_type ())
GType boot0_chip_get_type (void) G_GNUC_CONST;

Boot0Chip *boot0_chip_ref (Boot0Chip *self);
void boot0_chip_unref (Boot0Chip *self);

/* The group name in chips.ini ("STM32F405"). */
const char *boot0_chip_get_id (const Boot0Chip *self);
/* Human name of the parts sharing the device ID ("STM32F405/407/415/417"). */
const char *boot0_chip_get_name (const Boot0Chip *self);
/* The UART Get ID answer (AN3155 command 0x02), e.g. 0x413. */
guint16 boot0_chip_get_device_id (const Boot0Chip *self);
/* The largest flash of the parts with this ID, in bytes. */
guint32 boot0_chip_get_flash_size (const Boot0Chip *self);
/* Page/sector map of that flash, as a DfuSe layout ("Internal Flash"). */
Boot0DfuseLayout *boot0_chip_get_flash_layout (const Boot0Chip *self);
/* The ROM bootloader's system memory; last is inclusive, as AN2606 writes
 * it. FALSE when the database does not know it. */
gboolean boot0_chip_get_system_memory (const Boot0Chip *self, guint32 *start, guint32 *last);
/* Option-byte base (on H7, the DfuSe option-byte alt address); FALSE when
 * unknown. */
gboolean boot0_chip_get_option_bytes (const Boot0Chip *self, guint32 *address);
/* Where the part's flash size (16 bits, little endian, in KiB) can be read
 * over UART; FALSE when the database does not know it. */
gboolean boot0_chip_get_flash_size_register (const Boot0Chip *self, guint32 *address);
/* TRUE if the ROM bootloader has USB DFU. */
gboolean boot0_chip_has_usb_dfu (const Boot0Chip *self);
/* Bootloader USART pins ("USART1 PA10/PA9", ...); empty when unknown. */
const char *const *boot0_chip_get_usart_pins (const Boot0Chip *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Boot0Chip, boot0_chip_unref)

/* What a DFU-mode USB device shows about itself. */
typedef struct
{
  guint16 vid;
  guint16 pid;
  guint16 bcd_device;
  const char *product;             /* iProduct; NULL if it could not be read */
  const char *const *alt_settings; /* iInterface of each alt setting; entries may be NULL */
  guint n_alt_settings;
} Boot0UsbFingerprint;

#define BOOT0_TYPE_CHIP_DB (boot0_chip_db_get_type ())
G_DECLARE_FINAL_TYPE (Boot0ChipDb, boot0_chip_db, BOOT0, CHIP_DB, GObject)

/* The database built into the library (resource
 * /io/github/boot0/core/chips.ini). */
Boot0ChipDb *boot0_chip_db_new_default (GError **error);
/* Parses and validates a chips.ini; errors (BOOT0_ERROR_INVALID_FILE) name
 * the group and the key. */
Boot0ChipDb *boot0_chip_db_new_from_data (const char *data, gsize len, GError **error);

/* Entries in file order. */
guint boot0_chip_db_get_n_chips (Boot0ChipDb *self);
Boot0Chip *boot0_chip_db_get_chip (Boot0ChipDb *self, guint idx);

/* NULL when not found. */
Boot0Chip *boot0_chip_db_lookup_by_id (Boot0ChipDb *self, const char *id);
Boot0Chip *boot0_chip_db_lookup_by_device_id (Boot0ChipDb *self, guint16 device_id);

/* Every entry that matches the fingerprint with the best score (element
 * type Boot0Chip, possibly empty). An entry matches when the device is
 * 0483:df11, the entry has ROM DFU, its "Internal Flash" alt describes the
 * same sectors as usb-flash-alt (or flash-layout when the entry has none),
 * bcdDevice is in usb-bcd-device, iProduct equals usb-product and the
 * "Option Bytes" alt describes the same memory as usb-option-bytes-alt (or,
 * without it, starts at option-bytes) -- each when both sides know it.
 * Every check that applies adds to the score, a known ROM string more. */
GPtrArray *boot0_chip_db_match_usb (Boot0ChipDb *self, const Boot0UsbFingerprint *fingerprint);
/* The single best match, or NULL when nothing or several entries match. */
Boot0Chip *boot0_chip_db_lookup_by_usb (Boot0ChipDb *self, const Boot0UsbFingerprint *fingerprint);
/* A label for the device list: the chip name, "NAME or NAME" when the
 * descriptors cannot tell the candidates apart, or
 * BOOT0_CHIP_DB_CUSTOM_LABEL. */
char *boot0_chip_db_describe_usb (Boot0ChipDb *self, const Boot0UsbFingerprint *fingerprint);

G_END_DECLS
