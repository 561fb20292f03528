/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The log pane: timestamped lines, read-only, copied in one click. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define BOOT0_TYPE_LOG_VIEW (boot0_log_view_get_type ())
G_DECLARE_FINAL_TYPE (Boot0LogView, boot0_log_view, BOOT0, LOG_VIEW, GtkWidget)

GtkWidget *boot0_log_view_new (void);
/* Adds "[12:03:04.123] message" as a line. */
void boot0_log_view_add (Boot0LogView *self, const char *message);
char *boot0_log_view_get_text (Boot0LogView *self);

G_END_DECLS
