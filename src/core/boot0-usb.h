/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The libusb context: one event thread, DFU device enumeration and hotplug
 * delivered on the GLib main context. */
#pragma once

#include <gio/gio.h>
#include <libusb.h>

#include "boot0-chip-db.h"
#include "boot0-dfuse-device.h"

G_BEGIN_DECLS

/* Maps a libusb error code once, at the transport boundary, to BOOT0_ERROR
 * with a plain-language message; what says what was being done. */
void boot0_usb_set_error (GError **error, int libusb_rc, const char *what);

#define BOOT0_TYPE_USB_CONTEXT (boot0_usb_context_get_type ())
G_DECLARE_FINAL_TYPE (Boot0UsbContext, boot0_usb_context, BOOT0, USB_CONTEXT, GObject)

/* Creates the libusb context. Its event thread runs while watching for
 * hotplug. Signals are emitted on the thread-default main context of the
 * caller. */
Boot0UsbContext *boot0_usb_context_new (Boot0ChipDb *chip_db, GError **error);

/* Enumerates the DFU-mode devices attached now (described, not opened). */
GPtrArray *boot0_usb_context_list_devices (Boot0UsbContext *self, GError **error);

/* Starts watching for arrivals and removals: "device-added" and
 * "device-removed" (Boot0DfuseDevice *) are emitted on the main context.
 * Uses libusb hotplug, or polls where the platform lacks it. The devices
 * present when watching starts are reported as added. */
gboolean boot0_usb_context_watch (Boot0UsbContext *self, GError **error);
/* Stops watching (and the event thread that hotplug needs). */
void boot0_usb_context_unwatch (Boot0UsbContext *self);
/* The devices known while watching. */
GPtrArray *boot0_usb_context_get_devices (Boot0UsbContext *self);
/* TRUE when hotplug events come from libusb, FALSE when polling. */
gboolean boot0_usb_context_has_hotplug (Boot0UsbContext *self);

G_END_DECLS
