/* SPDX-License-Identifier: GPL-3.0-or-later */
/* One connected target (USB DfuSe or UART bootloader) with the operations a
 * flashing job needs. Synchronous and blocking: call from a worker thread. */
#pragma once

#include <gio/gio.h>

#include "boot0-chip-db.h"
#include "boot0-dfuse-layout.h"
#include "boot0-firmware.h"

G_BEGIN_DECLS

typedef enum
{
  BOOT0_DEVICE_KIND_USB_DFUSE,
  BOOT0_DEVICE_KIND_UART,
} Boot0DeviceKind;

typedef enum
{
  BOOT0_PROTECTION_UNKNOWN,
  BOOT0_PROTECTION_NONE,
  BOOT0_PROTECTION_READ_PROTECTED,
} Boot0Protection;

const char *boot0_device_kind_to_string (Boot0DeviceKind kind);
const char *boot0_protection_to_string (Boot0Protection protection);

#define BOOT0_TYPE_DEVICE (boot0_device_get_type ())
G_DECLARE_DERIVABLE_TYPE (Boot0Device, boot0_device, BOOT0, DEVICE, GObject)

struct _Boot0DeviceClass
{
  GObjectClass parent_class;

  /* Claims the device for exclusive use (USB: open + claim the interface;
   * UART: open the port and synchronise). */
  gboolean (*open) (Boot0Device *self, GError **error);
  void (*close) (Boot0Device *self);
  /* Reads len bytes at address; the range lies in one readable memory. */
  gboolean (*read) (Boot0Device *self, guint32 address, guint8 *buf, gsize len, GError **error);
  /* Programs len bytes at address into erased memory. */
  gboolean (*write) (Boot0Device *self, guint32 address, const guint8 *data, gsize len,
                     GError **error);
  /* Erases the sector (or page) holding address. */
  gboolean (*erase_sector) (Boot0Device *self, guint32 address, GError **error);
  /* Erases all user flash. */
  gboolean (*mass_erase) (Boot0Device *self, GError **error);
  /* Leaves the bootloader and starts the application whose vector table is
   * at address. The device vanishing during or after this is success. */
  gboolean (*run) (Boot0Device *self, guint32 address, GError **error);
  /* Clears read-out protection; this mass-erases the chip. Only on request. */
  gboolean (*read_unprotect) (Boot0Device *self, GError **error);
  /* Optional: the STM32 CRC (boot0_crc32_stm32) of len bytes at address,
   * both 4-aligned, computed by the device (AN3155 Get Checksum). NULL, or
   * NOT_SUPPORTED when this device lacks it: verify then reads back. */
  gboolean (*checksum) (Boot0Device *self, guint32 address, gsize len, guint32 *crc,
                        GError **error);

  gpointer padding[7];
};

/* Description, known without opening the device where possible. */
Boot0DeviceKind boot0_device_get_kind (Boot0Device *self);
/* What to show: the chip name or "Custom DfuSe bootloader". */
const char *boot0_device_get_label (Boot0Device *self);
/* The chip database entry; NULL when the device is not recognised. */
Boot0Chip *boot0_device_get_chip (Boot0Device *self);
const char *boot0_device_get_serial (Boot0Device *self);
/* Where it is attached: a USB port path ("1-2.3") or a serial port. */
const char *boot0_device_get_path (Boot0Device *self);
/* e.g. "DfuSe 1.1a, bcdDevice 0x2200" or "AN3155 v3.1". */
const char *boot0_device_get_bootloader_version (Boot0Device *self);
Boot0Protection boot0_device_get_protection (Boot0Device *self);
/* Largest read or write one call should move (DFU wTransferSize, 256 on
 * UART); jobs chunk by it so progress and cancel stay responsive. */
gsize boot0_device_get_transfer_size (Boot0Device *self);
/* The unit the device programs in, in bytes (1: any length; 4 for the AN3155
 * Write Memory). Plans for it are made with this as their write_unit. */
guint boot0_device_get_write_unit (Boot0Device *self);

/* The memories the device exposes (DFU: one per alternate setting, in alt
 * order), as layouts. */
GPtrArray *boot0_device_get_memories (Boot0Device *self);
/* The internal flash: the memory named "Internal Flash", else the one
 * holding 0x08000000, else the first. NULL when there is none. */
Boot0DfuseLayout *boot0_device_get_flash (Boot0Device *self);

/* For subclasses. Setting the value a field already has changes nothing,
 * so a device that describes itself again on each open (from a worker
 * thread) does not pull strings from under the main thread's readers. */
void boot0_device_set_kind (Boot0Device *self, Boot0DeviceKind kind);
void boot0_device_set_label (Boot0Device *self, const char *label);
void boot0_device_set_chip (Boot0Device *self, Boot0Chip *chip);
void boot0_device_set_serial (Boot0Device *self, const char *serial);
void boot0_device_set_path (Boot0Device *self, const char *path);
void boot0_device_set_bootloader_version (Boot0Device *self, const char *version);
void boot0_device_set_protection (Boot0Device *self, Boot0Protection protection);
void boot0_device_set_transfer_size (Boot0Device *self, gsize transfer_size);
void boot0_device_set_write_unit (Boot0Device *self, guint write_unit);
void boot0_device_add_memory (Boot0Device *self, Boot0DfuseLayout *layout);
void boot0_device_clear_memories (Boot0Device *self);

/* Operations: see Boot0DeviceClass. Each checks its arguments against the
 * memories (range inside one memory with the needed flags) before calling
 * the subclass, so a bad request never reaches the device. */
gboolean boot0_device_open (Boot0Device *self, GError **error);
void boot0_device_close (Boot0Device *self);
gboolean boot0_device_is_open (Boot0Device *self);
gboolean boot0_device_read (Boot0Device *self, guint32 address, guint8 *buf, gsize len,
                            GError **error);
gboolean boot0_device_write (Boot0Device *self, guint32 address, const guint8 *data, gsize len,
                             GError **error);
gboolean boot0_device_erase_sector (Boot0Device *self, guint32 address, GError **error);
gboolean boot0_device_mass_erase (Boot0Device *self, GError **error);
gboolean boot0_device_run (Boot0Device *self, guint32 address, GError **error);
gboolean boot0_device_read_unprotect (Boot0Device *self, GError **error);
/* TRUE when the device can compute checksums (see the class's checksum). */
gboolean boot0_device_can_checksum (Boot0Device *self);
gboolean boot0_device_checksum (Boot0Device *self, guint32 address, gsize len, guint32 *crc,
                                GError **error);

/* Called between transfers of a long operation with bytes done and total. */
typedef void (*Boot0DeviceProgressFunc) (guint64 done, guint64 total, gpointer user_data);

/* Reads [address, address + size) into a new image (a backup), in
 * transfer-size chunks, checking cancellable between them. */
Boot0Firmware *boot0_device_read_image (Boot0Device *self, guint32 address, guint64 size,
                                        Boot0DeviceProgressFunc progress, gpointer user_data,
                                        GCancellable *cancellable, GError **error);

G_END_DECLS
