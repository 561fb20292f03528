/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The main window: the connected board, the firmware, the memory map and
 * the one big Program button. */
#pragma once

#include <gtk/gtk.h>

#include "boot0-application.h"

G_BEGIN_DECLS

#define BOOT0_TYPE_WINDOW (boot0_window_get_type ())
G_DECLARE_FINAL_TYPE (Boot0Window, boot0_window, BOOT0, WINDOW, GtkApplicationWindow)

Boot0Window *boot0_window_new (Boot0Application *app);
/* Loads a firmware file (in a worker thread); problems show in the window. */
void boot0_window_open_file (Boot0Window *self, GFile *file);

G_END_DECLS
