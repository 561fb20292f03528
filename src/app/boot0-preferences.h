/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The preferences window: defaults for programming and the log. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define BOOT0_TYPE_PREFERENCES (boot0_preferences_get_type ())
G_DECLARE_FINAL_TYPE (Boot0Preferences, boot0_preferences, BOOT0, PREFERENCES, GtkWindow)

Boot0Preferences *boot0_preferences_new (GtkWindow *parent, GSettings *settings);

G_END_DECLS
