/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A small schematic drawing of a board entering its ROM bootloader: the
 * BOOT0 jumper to 3.3 V, the USB cable, the RESET button. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define BOOT0_TYPE_BOOTLOADER_DRAWING (boot0_bootloader_drawing_get_type ())
G_DECLARE_FINAL_TYPE (Boot0BootloaderDrawing, boot0_bootloader_drawing, BOOT0, BOOTLOADER_DRAWING,
                      GtkWidget)

GtkWidget *boot0_bootloader_drawing_new (void);

G_END_DECLS
