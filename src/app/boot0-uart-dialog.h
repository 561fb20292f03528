/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The UART connect dialog: port (discovered or typed), baud rate, parity
 * and entry sequence; Connect opens a Boot0UartDevice in a worker thread
 * and hands it over with the "connected" signal once the chip answered. */
#pragma once

#include <gtk/gtk.h>

#include "boot0-core.h"

G_BEGIN_DECLS

#define BOOT0_TYPE_UART_DIALOG (boot0_uart_dialog_get_type ())
G_DECLARE_FINAL_TYPE (Boot0UartDialog, boot0_uart_dialog, BOOT0, UART_DIALOG, GtkWindow)

/* settings holds the last port, baud rate, parity and entry sequence. The
 * dialog closes itself after emitting "connected" (Boot0UartDevice *: the
 * device, identified and closed again). */
Boot0UartDialog *boot0_uart_dialog_new (GtkWindow *parent, GSettings *settings,
                                        Boot0ChipDb *chip_db);

/* The adapter a connected device's port belongs to, as the dialog listed
 * it ("CP2102 USB to UART Bridge Controller, USB 10c4:ea60, serial 0001"),
 * or NULL for a typed port. */
const char *boot0_uart_dialog_get_adapter (Boot0UartDevice *device);

G_END_DECLS
