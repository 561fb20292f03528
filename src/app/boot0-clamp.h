/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Holds one child at most maximum-size pixels wide, centred both ways.
 * Unlike halign/valign=center on a scrolled window's content, it hands the
 * child a width instead of asking for one, which spares wrapping labels
 * GTK's search for their width (measured: about 60 ms per label on the
 * first frame). */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define BOOT0_TYPE_CLAMP (boot0_clamp_get_type ())
G_DECLARE_FINAL_TYPE (Boot0Clamp, boot0_clamp, BOOT0, CLAMP, GtkWidget)

GtkWidget *boot0_clamp_new (void);
void boot0_clamp_set_child (Boot0Clamp *self, GtkWidget *child);
GtkWidget *boot0_clamp_get_child (Boot0Clamp *self);
void boot0_clamp_set_maximum_size (Boot0Clamp *self, int maximum_size);
int boot0_clamp_get_maximum_size (Boot0Clamp *self);

G_END_DECLS
