/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The memory map: a flash layout drawn to scale, sector by sector, with what
 * a plan will do to each sector and which bytes the image covers. */
#pragma once

#include <gtk/gtk.h>

#include "boot0-dfuse-layout.h"
#include "boot0-firmware.h"
#include "boot0-plan.h"

G_BEGIN_DECLS

#define BOOT0_TYPE_MEMORY_MAP (boot0_memory_map_get_type ())
G_DECLARE_FINAL_TYPE (Boot0MemoryMap, boot0_memory_map, BOOT0, MEMORY_MAP, GtkWidget)

GtkWidget *boot0_memory_map_new (void);

/* The memory to draw; NULL draws an empty frame. */
void boot0_memory_map_set_layout (Boot0MemoryMap *self, Boot0DfuseLayout *layout);
Boot0DfuseLayout *boot0_memory_map_get_layout (Boot0MemoryMap *self);

/* What will happen: each sector's fate and the placed image. NULL when no
 * image is loaded (or no plan is possible). A plan made for another
 * layout is ignored. */
void boot0_memory_map_set_plan (Boot0MemoryMap *self, Boot0Plan *plan);
Boot0Plan *boot0_memory_map_get_plan (Boot0MemoryMap *self);

/* An image for which no plan could be made (it overlaps read-only sectors,
 * passes the end of the flash...): drawn over the map with its conflicts
 * marked, while there is no plan. NULL for none. */
void boot0_memory_map_set_image (Boot0MemoryMap *self, Boot0Firmware *image);
Boot0Firmware *boot0_memory_map_get_image (Boot0MemoryMap *self);

/* The line above the map: memory name, size and sector count on the left;
 * the image's range, or how much of it lies outside, on the right. TRUE
 * by default; turn it off when the page shows these already. */
void boot0_memory_map_set_show_header (Boot0MemoryMap *self, gboolean show_header);
gboolean boot0_memory_map_get_show_header (Boot0MemoryMap *self);

/* The sector index (as in boot0_dfuse_layout_get_sector()) drawn at a point
 * in widget coordinates, or -1. */
int boot0_memory_map_get_sector_at (Boot0MemoryMap *self, double x, double y);
/* Where a sector is drawn (its first row when a sector wraps); FALSE
 * before the widget is allocated or for a bad index. */
gboolean boot0_memory_map_get_sector_area (Boot0MemoryMap *self, guint idx, graphene_rect_t *area);
/* The fate drawn for a sector: from the plan, else untouched or read-only. */
Boot0PlanSectorFate boot0_memory_map_get_sector_fate (Boot0MemoryMap *self, guint idx);
/* The hover text: "Sector 5: 0x08020000–0x0803FFFF, 128 KiB — will be
 * erased and written". */
char *boot0_memory_map_get_sector_tooltip (Boot0MemoryMap *self, guint idx);
/* The accessible description: "Internal Flash 1 MiB, 12 sectors: 3 to
 * erase and write, 9 untouched". */
const char *boot0_memory_map_get_description (Boot0MemoryMap *self);
/* Number of rows the sectors are wrapped into at the current width. */
guint boot0_memory_map_get_n_rows (Boot0MemoryMap *self);

G_END_DECLS
