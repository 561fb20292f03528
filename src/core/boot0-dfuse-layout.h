/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The memory layout a DfuSe alternate setting announces in its name string
 * ("@Internal Flash  /0x08000000/04*016Kg,01*064Kg,07*128Kg"): zones of
 * sector groups, flattened into a sorted list of sectors. */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* Hard cap on the sectors of one layout, so a hostile string cannot make us
 * allocate without bound (the largest STM32 flash has a few thousand pages). */
#define BOOT0_DFUSE_LAYOUT_MAX_SECTORS 65536

/* The type letter 'a'..'g' is a bit mask plus one (AN3156). */
typedef enum
{
  BOOT0_DFUSE_SECTOR_FLAG_NONE = 0,
  BOOT0_DFUSE_SECTOR_FLAG_READABLE = 1 << 0,
  BOOT0_DFUSE_SECTOR_FLAG_ERASABLE = 1 << 1,
  BOOT0_DFUSE_SECTOR_FLAG_WRITABLE = 1 << 2,
} Boot0DfuseSectorFlags;

#define BOOT0_DFUSE_SECTOR_FLAGS_ALL                                                               \
  (BOOT0_DFUSE_SECTOR_FLAG_READABLE | BOOT0_DFUSE_SECTOR_FLAG_ERASABLE |                           \
   BOOT0_DFUSE_SECTOR_FLAG_WRITABLE)

/* "readable, erasable, writable", "readable", ... ("none" for no flag). */
const char *boot0_dfuse_sector_flags_to_string (Boot0DfuseSectorFlags flags);
/* The dfu-util style "rew", "r--", "-ew", ... */
const char *boot0_dfuse_sector_flags_to_short_string (Boot0DfuseSectorFlags flags);

typedef enum
{
  BOOT0_DFUSE_LAYOUT_PARSE_FLAG_NONE = 0,
  /* dfu-util quirk: the F2/F4/L4 ROMs mark the 4-byte "Device Feature" area
   * 'g'/'e' but it is written like flash; with this flag a memory named
   * exactly "Device Feature" (after trimming) is made erasable. Off by
   * default so the parser reports what the device says. */
  BOOT0_DFUSE_LAYOUT_PARSE_FLAG_DEVICE_FEATURE_ERASABLE = 1 << 0,
} Boot0DfuseLayoutParseFlags;

typedef struct
{
  guint32 address;
  guint32 size; /* bytes; address + size may be 0x100000000 */
  Boot0DfuseSectorFlags flags;
} Boot0DfuseSector;

/* One "COUNT*SIZE MULT TYPE" item of a zone, as written. */
typedef struct
{
  guint32 count;
  guint32 size; /* bytes, multiplier applied */
  Boot0DfuseSectorFlags flags;
} Boot0DfuseSectorGroup;

/* Immutable once parsed, so it can be shared between threads. */
typedef struct _Boot0DfuseLayout Boot0DfuseLayout;

#define BOOT0_TYPE_DFUSE_LAYOUT (boot0_dfuse_layout_get_type ())
GType boot0_dfuse_layout_get_type (void) G_GNUC_CONST;

/* Parses an alternate-setting string. Errors are BOOT0_ERROR_INVALID_FILE
 * ("at column 23: expected '*' after the sector count, found 'x'") or
 * BOOT0_ERROR_TOO_LARGE for the caps. */
Boot0DfuseLayout *boot0_dfuse_layout_parse (const char *str, GError **error);
Boot0DfuseLayout *boot0_dfuse_layout_parse_full (const char *str, Boot0DfuseLayoutParseFlags flags,
                                                 GError **error);

Boot0DfuseLayout *boot0_dfuse_layout_ref (Boot0DfuseLayout *self);
void boot0_dfuse_layout_unref (Boot0DfuseLayout *self);

/* The memory name with the padding trimmed ("Internal Flash"). */
const char *boot0_dfuse_layout_get_name (Boot0DfuseLayout *self);

/* Zones in the order of the string. */
guint boot0_dfuse_layout_get_n_zones (Boot0DfuseLayout *self);
guint32 boot0_dfuse_layout_get_zone_start (Boot0DfuseLayout *self, guint zone);
guint64 boot0_dfuse_layout_get_zone_end (Boot0DfuseLayout *self, guint zone);
guint boot0_dfuse_layout_get_zone_n_groups (Boot0DfuseLayout *self, guint zone);
const Boot0DfuseSectorGroup *boot0_dfuse_layout_get_zone_group (Boot0DfuseLayout *self, guint zone,
                                                                guint group);

/* All sectors of all zones, sorted by address (zones never overlap). */
guint boot0_dfuse_layout_get_n_sectors (Boot0DfuseLayout *self);
const Boot0DfuseSector *boot0_dfuse_layout_get_sector (Boot0DfuseLayout *self, guint idx);
/* The sector holding address, or NULL when it is outside every zone. */
const Boot0DfuseSector *boot0_dfuse_layout_lookup_sector (Boot0DfuseLayout *self, guint32 address);
gboolean boot0_dfuse_layout_lookup_sector_index (Boot0DfuseLayout *self, guint32 address,
                                                 guint *idx);
/* The lowest sector with the WRITABLE flag: where an application goes
 * (0x0800C000 behind a bootloader marking three 16 KiB sectors 'a'), or NULL. */
const Boot0DfuseSector *boot0_dfuse_layout_first_writable_sector (Boot0DfuseLayout *self);

/* Sum of all sector sizes. */
guint64 boot0_dfuse_layout_get_total_size (Boot0DfuseLayout *self);
/* Lowest address and end (exclusive) over all zones. */
guint32 boot0_dfuse_layout_get_start (Boot0DfuseLayout *self);
guint64 boot0_dfuse_layout_get_end (Boot0DfuseLayout *self);

/* TRUE if every byte of [address, address + len) lies in a sector (gaps
 * between zones do not count). A zero len checks address alone. */
gboolean boot0_dfuse_layout_contains (Boot0DfuseLayout *self, guint32 address, guint64 len);
/* Same, and every sector touched must have all of required; otherwise a
 * BOOT0_ERROR_DOES_NOT_FIT error names the first offending address. */
gboolean boot0_dfuse_layout_check_range (Boot0DfuseLayout *self, guint32 address, guint64 len,
                                         Boot0DfuseSectorFlags required, GError **error);

/* Same name, zones and sectors (group splits and padding do not matter). */
gboolean boot0_dfuse_layout_equal (Boot0DfuseLayout *a, Boot0DfuseLayout *b);
/* Same sectors, whatever the names and zone splits. */
gboolean boot0_dfuse_layout_equal_memory (Boot0DfuseLayout *a, Boot0DfuseLayout *b);

/* A normalized string that parses back to an equal layout: trimmed name,
 * upper-case 8-digit addresses, no zero padding, adjacent equal groups
 * merged, the largest exact multiplier (' ' for bytes, as ST ROMs write):
 * "@Internal Flash/0x08000000/4*16Kg,1*64Kg,7*128Kg". */
char *boot0_dfuse_layout_to_string (Boot0DfuseLayout *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Boot0DfuseLayout, boot0_dfuse_layout_unref)

G_END_DECLS
