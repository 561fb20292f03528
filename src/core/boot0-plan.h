/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The flash planner: image + flash layout -> which sectors to erase, which
 * chunks to write, what to verify and where to start. Pure (no device I/O)
 * and immutable once made, so a plan can be shown, tested and shared. */
#pragma once

#include <glib-object.h>

#include "boot0-device.h"
#include "boot0-dfuse-layout.h"
#include "boot0-firmware.h"

G_BEGIN_DECLS

typedef enum
{
  /* Only the sectors the image touches (needs an image). */
  BOOT0_PLAN_ERASE_NEEDED,
  /* The whole flash: one mass erase when every sector is erasable, else
   * every erasable sector (a mass erase would hit a bootloader's sectors). */
  BOOT0_PLAN_ERASE_ALL,
  /* Nothing: the flash must already be blank where the image goes. */
  BOOT0_PLAN_ERASE_NONE,
  /* The sectors of [erase_address, erase_address + erase_size) (no image):
   * erase_address must start a sector; the end is rounded up to a sector. */
  BOOT0_PLAN_ERASE_RANGE,
} Boot0PlanEraseMode;

/* "needed", "all", "none", "range". */
const char *boot0_plan_erase_mode_to_string (Boot0PlanEraseMode mode);
gboolean boot0_plan_erase_mode_from_string (const char *str, Boot0PlanEraseMode *mode);

/* What the plan does to one sector of the layout (for a memory map). */
typedef enum
{
  BOOT0_PLAN_SECTOR_UNTOUCHED,
  BOOT0_PLAN_SECTOR_ERASE_AND_WRITE,
  /* Erased but not written: erase all, an erase range. */
  BOOT0_PLAN_SECTOR_ERASE_ONLY,
  /* Written without an erase: erase mode NONE, or a sector that is
   * writable but not erasable. */
  BOOT0_PLAN_SECTOR_WRITE_ONLY,
  /* Not writable (a bootloader's own sectors): never touched. */
  BOOT0_PLAN_SECTOR_READ_ONLY,
} Boot0PlanSectorFate;

/* "untouched", "erase-and-write", "erase-only", "write-only", "read-only". */
const char *boot0_plan_sector_fate_to_string (Boot0PlanSectorFate fate);

typedef struct
{
  Boot0PlanEraseMode erase_mode; /* NEEDED */
  /* Read each sector before erasing it and skip the erase when it is
   * already blank (all 0xFF). */
  gboolean blank_check; /* TRUE */
  /* Write the image. FALSE with an image and erase mode NONE makes a
   * verify-only plan: sectors need only be readable. */
  gboolean program; /* TRUE */
  gboolean verify;  /* TRUE: read back the image's bytes and compare */
  /* Start the firmware at the end. Without an image only when
   * has_run_address is set. */
  gboolean run; /* TRUE */
  /* A relocatable image (raw .bin) goes to the first writable sector of the
   * flash; only with unlock_address is address used instead. It must start
   * a writable sector. Refused for images that carry their own addresses. */
  gboolean unlock_address; /* FALSE */
  guint32 address;
  /* Where to start the firmware; default the image's lowest address (its
   * vector table). Not checked against the layout: it may be in RAM. */
  gboolean has_run_address; /* FALSE */
  guint32 run_address;
  /* For BOOT0_PLAN_ERASE_RANGE. */
  guint32 erase_address;
  guint64 erase_size;
  /* The device programs whole units of this many bytes (a power of two;
   * 0 or 1: any length), as boot0_device_get_write_unit() says: the ranges
   * written are widened to whole units with 0xFF, and ranges that share a
   * unit are joined, so no unit is programmed twice. */
  guint write_unit;
} Boot0PlanOptions;

/* Fills in the defaults shown above. */
void boot0_plan_options_init (Boot0PlanOptions *options);
/* What the device needs or makes worthwhile: its write unit; no blank
 * check where reading a sector back is slower than erasing it (a UART
 * bootloader without Get Checksum moves ~10 KiB/s). */
void boot0_plan_options_adapt_to_device (Boot0PlanOptions *options, Boot0Device *device);

/* One erase step. */
typedef struct
{
  guint32 address; /* sector start; the flash start for a mass erase */
  guint64 size;    /* sector size; the flash size for a mass erase */
  Boot0DfuseSectorFlags flags;
  gboolean mass_erase;
} Boot0PlanErase;

/* A range of bytes to write (or read back): a write range, or a chunk of
 * one. data points into the plan and lives as long as it. */
typedef struct
{
  guint32 address;
  gsize len;
  const guint8 *data;
} Boot0PlanRange;

#define BOOT0_TYPE_PLAN (boot0_plan_get_type ())
G_DECLARE_FINAL_TYPE (Boot0Plan, boot0_plan, BOOT0, PLAN, GObject)

/* Makes a plan, or refuses one that cannot work before any device is
 * touched: BOOT0_ERROR_DOES_NOT_FIT when the image is outside the flash's
 * writable sectors or too large (the message names the offending address
 * range and the layout fact), BOOT0_ERROR_INVALID_ARGUMENT for bad options
 * (an unlocked address not at a writable sector start...). image may be
 * NULL for erase-only plans (erase mode ALL or RANGE) and is never
 * modified: the plan keeps its own copy, placed at its final address.
 * options may be NULL for the defaults. */
Boot0Plan *boot0_plan_new (Boot0Firmware *image, Boot0DfuseLayout *flash,
                           const Boot0PlanOptions *options, GError **error);

/* Where a relocatable image goes when the address is locked: the first
 * writable sector of the flash. FALSE when there is none. */
gboolean boot0_plan_get_default_address (Boot0DfuseLayout *flash, guint32 *address);

Boot0DfuseLayout *boot0_plan_get_flash (Boot0Plan *self);
/* The plan's placed copy of the image; NULL for an erase-only plan. */
Boot0Firmware *boot0_plan_get_image (Boot0Plan *self);
const Boot0PlanOptions *boot0_plan_get_options (Boot0Plan *self);

/* Erase steps in address order: sectors, or one mass-erase step. */
guint boot0_plan_get_n_erases (Boot0Plan *self);
const Boot0PlanErase *boot0_plan_get_erase (Boot0Plan *self, guint idx);
gboolean boot0_plan_get_mass_erase (Boot0Plan *self);
gboolean boot0_plan_get_blank_check (Boot0Plan *self);

/* Whether the plan writes the image. */
gboolean boot0_plan_get_program (Boot0Plan *self);
/* Contiguous ranges to write, in address order (adjacent segments of the
 * image are merged, whatever their DfuSe alternate setting); none when
 * the plan does not program. */
guint boot0_plan_get_n_writes (Boot0Plan *self);
const Boot0PlanRange *boot0_plan_get_write (Boot0Plan *self, guint idx);
/* The image's ranges cut into chunks of at most chunk_size bytes (the
 * device's transfer size), the unit of programming and of verifying: each
 * range is cut from its start into full-size chunks and one shorter last
 * chunk, so consecutive chunks are contiguous and a DfuSe device can
 * stream them after one Set Address. Chunks never cross a range end. Free
 * with g_array_unref(). */
GArray *boot0_plan_get_chunks (Boot0Plan *self, gsize chunk_size);

/* Ranges to read back and compare: the image's ranges, or none. */
gboolean boot0_plan_get_verify (Boot0Plan *self);
guint boot0_plan_get_n_verifies (Boot0Plan *self);
const Boot0PlanRange *boot0_plan_get_verify_range (Boot0Plan *self, guint idx);

/* FALSE when the plan does not start the firmware. */
gboolean boot0_plan_get_run (Boot0Plan *self, guint32 *address);

/* Bytes erased (sectors or the whole flash), written and read back. */
guint64 boot0_plan_get_erase_size (Boot0Plan *self);
guint64 boot0_plan_get_write_size (Boot0Plan *self);
guint64 boot0_plan_get_verify_size (Boot0Plan *self);

/* One entry per sector of the layout (boot0_dfuse_layout_get_sector()). */
Boot0PlanSectorFate boot0_plan_get_sector_fate (Boot0Plan *self, guint sector_idx);

/* "erase 5 sectors (0x08000000-0x0803FFFF, 256 KiB), write 200 KiB at
 * 0x08000000, verify, run at 0x08000000". */
char *boot0_plan_get_summary (Boot0Plan *self);

/* A size as plan and job messages write it: "512 bytes", "16 KiB",
 * "200.5 KiB", "1 MiB", "1.5 MiB". */
char *boot0_plan_format_size (guint64 size);

G_END_DECLS
