/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The Boot0 application: owns the chip database, the USB context that
 * watches for bootloaders, and the settings. */
#pragma once

#include <gtk/gtk.h>

#include "boot0-core.h"

G_BEGIN_DECLS

#define BOOT0_TYPE_APPLICATION (boot0_application_get_type ())
G_DECLARE_FINAL_TYPE (Boot0Application, boot0_application, BOOT0, APPLICATION, GtkApplication)

Boot0Application *boot0_application_new (void);

/* FALSE with a message when the GSettings schema is not installed. */
gboolean boot0_application_check_schema (GError **error);

GSettings *boot0_application_get_settings (Boot0Application *self);
/* The built-in chip database; NULL only if it failed to parse (a bug,
 * reported as the USB error). */
Boot0ChipDb *boot0_application_get_chip_db (Boot0Application *self);
/* NULL when libusb could not start (see get_usb_error). */
Boot0UsbContext *boot0_application_get_usb_context (Boot0Application *self);
const GError *boot0_application_get_usb_error (Boot0Application *self);

G_END_DECLS
