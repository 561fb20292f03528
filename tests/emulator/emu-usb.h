/* SPDX-License-Identifier: GPL-3.0-or-later */
/* usbdevfs emulation of DfuSe devices on a umockdev testbed. */
#pragma once

#include <umockdev.h>

#include "emu-dfuse.h"

G_BEGIN_DECLS

typedef struct _EmuBus EmuBus;
typedef struct _EmuUsbDevice EmuUsbDevice;

/* leave_return_ms: after a leave the ROM comes back that much later (-1: never). */
EmuBus *emu_bus_new (UMockdevTestbed *testbed, gint leave_return_ms, gboolean verbose);
void emu_bus_free (EmuBus *bus);
/* Runs the unplugs devices scheduled for themselves (leave, fault, reset). */
void emu_bus_flush_events (EmuBus *bus);

/* Adds a device on the next free port (not yet plugged); the bus takes dev. */
EmuUsbDevice *emu_bus_add_device (EmuBus *bus, EmuDevice *dev);
GPtrArray *emu_bus_get_devices (EmuBus *bus);
/* By serial or port path ("1-2"). */
EmuUsbDevice *emu_bus_find_device (EmuBus *bus, const char *key);
/* Serializes access to the device models (the ioctl handler runs on a
 * umockdev worker thread). */
void emu_bus_lock (EmuBus *bus);
void emu_bus_unlock (EmuBus *bus);

/* Appears on the bus with a new device number. */
gboolean emu_usb_device_plug (EmuUsbDevice *udev, GError **error);
/* Sends the remove uevent, removes the device; open handles get ENODEV. */
void emu_usb_device_unplug (EmuUsbDevice *udev);
gboolean emu_usb_device_is_plugged (EmuUsbDevice *udev);
EmuDevice *emu_usb_device_get_device (EmuUsbDevice *udev);
const char *emu_usb_device_get_port_path (EmuUsbDevice *udev);
guint emu_usb_device_get_devnum (EmuUsbDevice *udev);

G_END_DECLS
