/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A USB device in DFU mode speaking ST's DfuSe extensions (AN3156): the ROM
 * bootloader (0483:df11) or a custom DfuSe bootloader. */
#pragma once

#include <libusb.h>

#include "boot0-chip-db.h"
#include "boot0-device.h"
#include "boot0-quirks.h"

G_BEGIN_DECLS

/* DFU functional descriptor (DFU 1.1 §4.1.3). */
typedef struct
{
  guint8 attributes; /* bit0 download, bit1 upload, bit2 manifestation tolerant, bit3 will detach */
  guint16 detach_timeout;
  guint16 transfer_size;
  guint16 bcd_dfu;
} Boot0DfuFunctional;

/* The label of a device Boot0 may not open (no udev rule): its names are
 * unknown until an open succeeds. */
#define BOOT0_DFUSE_NO_PERMISSION_LABEL_ST "STM32 bootloader (no permission)"
#define BOOT0_DFUSE_NO_PERMISSION_LABEL    "DFU device (no permission)"

#define BOOT0_TYPE_DFUSE_DEVICE (boot0_dfuse_device_get_type ())
G_DECLARE_FINAL_TYPE (Boot0DfuseDevice, boot0_dfuse_device, BOOT0, DFUSE_DEVICE, Boot0Device)

/* Describes a libusb device: descriptors (no I/O), then opens it briefly for
 * the strings (manufacturer, product, serial, one per alternate setting).
 * Returns NULL with an error when it is not a DFU-mode device. */
Boot0DfuseDevice *boot0_dfuse_device_new (libusb_device *usb_device, Boot0ChipDb *chip_db,
                                          GError **error);

/* TRUE while the device could not be opened to read its strings (access
 * denied when it was described): its label says so and it has no memories
 * until boot0_device_open() succeeds. */
gboolean boot0_dfuse_device_get_names_unread (Boot0DfuseDevice *self);
libusb_device *boot0_dfuse_device_get_usb_device (Boot0DfuseDevice *self);
guint16 boot0_dfuse_device_get_vid (Boot0DfuseDevice *self);
guint16 boot0_dfuse_device_get_pid (Boot0DfuseDevice *self);
guint16 boot0_dfuse_device_get_bcd_device (Boot0DfuseDevice *self);
const char *boot0_dfuse_device_get_manufacturer (Boot0DfuseDevice *self);
const char *boot0_dfuse_device_get_product (Boot0DfuseDevice *self);
const Boot0DfuFunctional *boot0_dfuse_device_get_functional (Boot0DfuseDevice *self);
const Boot0Quirks *boot0_dfuse_device_get_quirks (Boot0DfuseDevice *self);
/* Alternate settings: their number and raw strings (as the device gave them). */
guint boot0_dfuse_device_get_n_alts (Boot0DfuseDevice *self);
const char *boot0_dfuse_device_get_alt_name (Boot0DfuseDevice *self, guint idx);
/* The DfuSe commands the device announced (Get Commands), valid once opened. */
GBytes *boot0_dfuse_device_get_commands (Boot0DfuseDevice *self);

/* Reads a word of flash to learn whether read-out protection is active;
 * sets the device's protection state. The device must be open. */
gboolean boot0_dfuse_device_probe_protection (Boot0DfuseDevice *self, GError **error);

G_END_DECLS
