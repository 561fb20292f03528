/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The flash planner: checks an image against a flash layout and works out
 * the erase, write, verify and run steps. */
#include "config.h"

#include <string.h>

#include "boot0-error.h"
#include "boot0-plan.h"
#include "boot0-uart-device.h"

#define ADDRESS_SPACE_END (G_GUINT64_CONSTANT (1) << 32)

struct _Boot0Plan
{
  GObject parent_instance;

  Boot0DfuseLayout *flash;
  Boot0Firmware *image; /* private copy, placed; NULL for erase-only plans */
  Boot0PlanOptions options;
  GArray *erases; /* Boot0PlanErase */
  GArray *ranges; /* Boot0PlanRange: the image's contiguous ranges */
  /* The image widened to whole write units; the ranges point into it. */
  Boot0Firmware *written;
  guint8 *fates; /* Boot0PlanSectorFate, one per layout sector */
  gboolean run;
  guint32 run_address;
  guint64 erase_size;
  guint64 image_size;
};

G_DEFINE_TYPE (Boot0Plan, boot0_plan, G_TYPE_OBJECT)

const char *
boot0_plan_erase_mode_to_string (Boot0PlanEraseMode mode)
{
  switch (mode)
    {
      case BOOT0_PLAN_ERASE_NEEDED:
        return "needed";
      case BOOT0_PLAN_ERASE_ALL:
        return "all";
      case BOOT0_PLAN_ERASE_NONE:
        return "none";
      case BOOT0_PLAN_ERASE_RANGE:
        return "range";
      default:
        return "unknown";
    }
}

gboolean
boot0_plan_erase_mode_from_string (const char *str, Boot0PlanEraseMode *mode)
{
  static const Boot0PlanEraseMode modes[] = {
    BOOT0_PLAN_ERASE_NEEDED,
    BOOT0_PLAN_ERASE_ALL,
    BOOT0_PLAN_ERASE_NONE,
    BOOT0_PLAN_ERASE_RANGE,
  };

  g_return_val_if_fail (mode != NULL, FALSE);
  for (guint i = 0; str != NULL && i < G_N_ELEMENTS (modes); i++)
    {
      if (g_ascii_strcasecmp (str, boot0_plan_erase_mode_to_string (modes[i])) == 0)
        {
          *mode = modes[i];
          return TRUE;
        }
    }
  return FALSE;
}

const char *
boot0_plan_sector_fate_to_string (Boot0PlanSectorFate fate)
{
  switch (fate)
    {
      case BOOT0_PLAN_SECTOR_UNTOUCHED:
        return "untouched";
      case BOOT0_PLAN_SECTOR_ERASE_AND_WRITE:
        return "erase-and-write";
      case BOOT0_PLAN_SECTOR_ERASE_ONLY:
        return "erase-only";
      case BOOT0_PLAN_SECTOR_WRITE_ONLY:
        return "write-only";
      case BOOT0_PLAN_SECTOR_READ_ONLY:
        return "read-only";
      default:
        return "unknown";
    }
}

void
boot0_plan_options_init (Boot0PlanOptions *options)
{
  g_return_if_fail (options != NULL);
  memset (options, 0, sizeof (*options));
  options->erase_mode = BOOT0_PLAN_ERASE_NEEDED;
  options->blank_check = TRUE;
  options->program = TRUE;
  options->verify = TRUE;
  options->run = TRUE;
}

void
boot0_plan_options_adapt_to_device (Boot0PlanOptions *options, Boot0Device *device)
{
  g_return_if_fail (options != NULL);
  g_return_if_fail (BOOT0_IS_DEVICE (device));

  options->write_unit = boot0_device_get_write_unit (device);
  if (BOOT0_IS_UART_DEVICE (device) &&
      !boot0_uart_device_has_command (BOOT0_UART_DEVICE (device), 0xA1))
    options->blank_check = FALSE;
}

char *
boot0_plan_format_size (guint64 size)
{
  const guint64 kib = 1024;
  const guint64 mib = 1024 * 1024;

  if (size == 1)
    return g_strdup ("1 byte");
  if (size < kib)
    return g_strdup_printf ("%" G_GUINT64_FORMAT " bytes", size);
  if (size % mib == 0)
    return g_strdup_printf ("%" G_GUINT64_FORMAT " MiB", size / mib);
  /* Exact where the size allows it. */
  if (size >= mib && (size * 10) % mib == 0)
    return g_strdup_printf ("%.1f MiB", (double)size / (double)mib);
  if (size % kib == 0)
    return g_strdup_printf ("%" G_GUINT64_FORMAT " KiB", size / kib);
  if (size >= mib)
    return g_strdup_printf ("%.2f MiB", (double)size / (double)mib);
  return g_strdup_printf ("%.1f KiB", (double)size / (double)kib);
}

gboolean
boot0_plan_get_default_address (Boot0DfuseLayout *flash, guint32 *address)
{
  const Boot0DfuseSector *s;

  g_return_val_if_fail (flash != NULL, FALSE);
  s = boot0_dfuse_layout_first_writable_sector (flash);
  if (s == NULL)
    return FALSE;
  if (address != NULL)
    *address = s->address;
  return TRUE;
}

/* Checking ranges against the layout ------------------------------------ */

/* "0x08000000-0x08007FFF" for [start, end). */
static char *
format_range (guint64 start, guint64 end)
{
  return g_strdup_printf ("0x%08X-0x%08X", (guint32)start, (guint32)(end - 1));
}

/* "0x08000000-0x080FFFFF, 1 MiB" */
static char *
format_flash (Boot0DfuseLayout *flash)
{
  g_autofree char *range =
      format_range (boot0_dfuse_layout_get_start (flash), boot0_dfuse_layout_get_end (flash));
  g_autofree char *size = boot0_plan_format_size (boot0_dfuse_layout_get_total_size (flash));
  return g_strdup_printf ("%s, %s", range, size);
}

/* What usually lives at an address outside the flash, on STM32 (the Cortex-M
 * memory map, e.g. RM0090 §2.3): a hint at how the image went wrong. */
static const char *
outside_hint (Boot0DfuseLayout *flash, guint64 address)
{
  if (address < 0x08000000 && boot0_dfuse_layout_get_start (flash) == 0x08000000)
    return "; the flash is only aliased at 0x00000000 while booting: link the firmware at "
           "0x08000000";
  if (address >= 0x1FF00000 && address < 0x20000000)
    return "; that is system memory, OTP or option bytes, which are separate memories";
  if (address >= 0x20000000 && address < 0x40000000)
    return "; that is RAM (an ELF section placed at its run address instead of its load "
           "address?)";
  if (address >= 0x40000000 && address < 0x60000000)
    return "; that is the peripheral register area";
  if (address >= 0x60000000 && address < 0xE0000000)
    return "; that is external memory, which the bootloader cannot program";
  if (address >= 0xE0000000)
    return "; that is the Cortex-M system area";
  return "";
}

/* Sets the error for [start, end) lying in sectors lacking required (s is
 * the first of them). */
static void
set_flags_error (Boot0DfuseLayout *flash, guint64 start, guint64 end, const Boot0DfuseSector *s,
                 Boot0DfuseSectorFlags required, GError **error)
{
  const Boot0DfuseSector *app = boot0_dfuse_layout_first_writable_sector (flash);
  g_autofree char *range = format_range (start, end);
  const char *flags = boot0_dfuse_sector_flags_to_string (s->flags);

  if (required == BOOT0_DFUSE_SECTOR_FLAG_READABLE)
    {
      g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_DOES_NOT_FIT,
                   "%s cannot be read back to verify it (the sector at 0x%08X is %s); "
                   "turn verification off",
                   range, s->address, flags);
      return;
    }
  /* A custom bootloader marks its own sectors read-only and the
   * application starts after them. */
  if ((s->flags & BOOT0_DFUSE_SECTOR_FLAG_WRITABLE) == 0 && app != NULL &&
      s->address < app->address)
    {
      g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_DOES_NOT_FIT,
                   "%s is read-only (the bootloader's sectors); the application starts at 0x%08X",
                   range, app->address);
      return;
    }
  g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_DOES_NOT_FIT,
               "%s cannot be %s (the sector at 0x%08X is %s)", range,
               required == BOOT0_DFUSE_SECTOR_FLAG_ERASABLE ? "erased" : "written", s->address,
               flags);
}

/* Checks that [start, end) lies in sectors having required. On failure the
 * error names the offending part of the range and the layout fact. */
static gboolean
check_sectors (Boot0DfuseLayout *flash, guint32 start, guint64 end, Boot0DfuseSectorFlags required,
               GError **error)
{
  guint64 flash_start = boot0_dfuse_layout_get_start (flash);
  guint64 flash_end = boot0_dfuse_layout_get_end (flash);
  guint n_sectors = boot0_dfuse_layout_get_n_sectors (flash);
  guint64 cursor = start;

  while (cursor < end)
    {
      const Boot0DfuseSector *s;
      g_autofree char *range = NULL;
      guint64 gap_start = flash_start;
      guint64 stop;
      guint idx;

      if (cursor < ADDRESS_SPACE_END &&
          boot0_dfuse_layout_lookup_sector_index (flash, (guint32)cursor, &idx))
        {
          s = boot0_dfuse_layout_get_sector (flash, idx);
          if ((s->flags & required) == required)
            {
              cursor = (guint64)s->address + s->size;
              continue;
            }
          /* Extend over the following contiguous sectors lacking the flags. */
          stop = (guint64)s->address + s->size;
          for (guint j = idx + 1; j < n_sectors && stop < end; j++)
            {
              const Boot0DfuseSector *t = boot0_dfuse_layout_get_sector (flash, j);
              if (t->address != stop || (t->flags & required) == required)
                break;
              stop = (guint64)t->address + t->size;
            }
          set_flags_error (flash, cursor, MIN (stop, end), s, required, error);
          return FALSE;
        }

      if (cursor >= flash_end && start < flash_end)
        {
          g_autofree char *size =
              boot0_plan_format_size (boot0_dfuse_layout_get_total_size (flash));
          range = format_range (start, end);
          g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_DOES_NOT_FIT,
                       "%s passes the end of the flash at 0x%08X (%s)", range,
                       (guint32)(flash_end - 1), size);
          return FALSE;
        }
      if (cursor >= flash_end || cursor < flash_start)
        {
          g_autofree char *where = format_flash (flash);
          stop = cursor < flash_start ? MIN (end, flash_start) : end;
          range = format_range (cursor, stop);
          g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_DOES_NOT_FIT,
                       "%s is outside the flash (%s)%s", range, where,
                       outside_hint (flash, cursor));
          return FALSE;
        }
      /* In a gap between zones: find its ends. */
      stop = flash_end;
      for (guint j = 0; j < n_sectors; j++)
        {
          s = boot0_dfuse_layout_get_sector (flash, j);
          if (s->address > cursor)
            {
              stop = s->address;
              break;
            }
          gap_start = (guint64)s->address + s->size;
        }
      range = format_range (cursor, MIN (stop, end));
      g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_DOES_NOT_FIT,
                   "%s is in a gap of the flash layout (no sector from 0x%08X to 0x%08X)", range,
                   (guint32)gap_start, (guint32)(stop - 1));
      return FALSE;
    }
  return TRUE;
}

/* An address given by the user must start a sector having required. */
static gboolean
check_sector_start (Boot0DfuseLayout *flash, guint32 address, Boot0DfuseSectorFlags required,
                    GError **error)
{
  const Boot0DfuseSector *s = boot0_dfuse_layout_lookup_sector (flash, address);
  g_autoptr (GError) error_local = NULL;

  if (s == NULL)
    {
      g_autofree char *where = format_flash (flash);
      g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_ARGUMENT,
                   "0x%08X is outside the flash (%s) or in a gap of its layout", address, where);
      return FALSE;
    }
  if (s->address != address)
    {
      g_autofree char *size = boot0_plan_format_size (s->size);
      g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_ARGUMENT,
                   "0x%08X is not at the start of a sector (the sector at 0x%08X is %s)", address,
                   s->address, size);
      return FALSE;
    }
  if ((s->flags & required) != required)
    {
      set_flags_error (flash, s->address, (guint64)s->address + s->size, s, required, &error_local);
      g_set_error_literal (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_ARGUMENT, error_local->message);
      return FALSE;
    }
  return TRUE;
}

/* Building the plan -------------------------------------------------------- */

static void
boot0_plan_finalize (GObject *object)
{
  Boot0Plan *self = BOOT0_PLAN (object);

  g_clear_pointer (&self->flash, boot0_dfuse_layout_unref);
  g_clear_object (&self->image);
  g_clear_pointer (&self->erases, g_array_unref);
  g_clear_pointer (&self->ranges, g_array_unref);
  g_clear_object (&self->written);
  g_free (self->fates);

  G_OBJECT_CLASS (boot0_plan_parent_class)->finalize (object);
}

static void
boot0_plan_class_init (Boot0PlanClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  object_class->finalize = boot0_plan_finalize;
}

static void
boot0_plan_init (Boot0Plan *self)
{
  self->erases = g_array_new (FALSE, FALSE, sizeof (Boot0PlanErase));
  self->ranges = g_array_new (FALSE, FALSE, sizeof (Boot0PlanRange));
}

/* A copy of the image for the plan to place and point into. Every segment
 * goes to alternate setting 0: the plan writes one memory, and adjacent
 * segments merge into one range that can be streamed. */
static Boot0Firmware *
copy_image (Boot0Firmware *image, GError **error)
{
  g_autoptr (Boot0Firmware) copy = boot0_firmware_new ();

  for (guint i = 0; i < boot0_firmware_get_n_segments (image); i++)
    {
      const Boot0Segment *s = boot0_firmware_get_segment (image, i);
      if (!boot0_firmware_add_data (copy, 0, boot0_segment_get_address (s),
                                    boot0_segment_get_data (s), boot0_segment_get_size (s), error))
        {
          g_prefix_error (error, "the image cannot be written to one memory: ");
          return NULL;
        }
    }
  boot0_firmware_set_format (copy, boot0_firmware_get_format (image));
  boot0_firmware_set_relocatable (copy, boot0_firmware_get_relocatable (image));
  return g_steal_pointer (&copy);
}

/* The image with each segment widened to whole units of unit bytes by
 * 0xFF (the erased value), so that a device that programs whole words (the
 * AN3155 Write Memory's 4 bytes; ECC double-words) never programs one twice:
 * segments that share a unit become one. The padding stays inside the unit,
 * so inside the sector the data is in. */
static Boot0Firmware *
widen_to_units (Boot0Firmware *image, guint unit, GError **error)
{
  g_autoptr (Boot0Firmware) out = copy_image (image, error);
  static const guint8 erased[64] = { [0 ... 63] = 0xFF };
  guint64 covered = 0; /* end of what is already in out */
  guint n = boot0_firmware_get_n_segments (image);

  if (out == NULL || unit <= 1)
    return g_steal_pointer (&out);
  g_return_val_if_fail ((unit & (unit - 1)) == 0 && unit <= sizeof (erased), NULL);
  for (guint i = 0; i < n; i++)
    {
      const Boot0Segment *s = boot0_firmware_get_segment (image, i);
      guint64 start = boot0_segment_get_address (s);
      guint64 end = start + boot0_segment_get_size (s);
      guint64 head = MAX (start & ~(guint64)(unit - 1), covered);
      guint64 tail = MIN ((end + unit - 1) & ~(guint64)(unit - 1), G_MAXUINT32 + (guint64)1);

      if (i + 1 < n)
        tail = MIN (tail, boot0_segment_get_address (boot0_firmware_get_segment (image, i + 1)));
      if (head < start &&
          !boot0_firmware_add_data (out, 0, (guint32)head, erased, start - head, error))
        return NULL;
      if (end < tail && !boot0_firmware_add_data (out, 0, (guint32)end, erased, tail - end, error))
        return NULL;
      covered = MAX (tail, end);
    }
  return g_steal_pointer (&out);
}

static guint64
writable_size (Boot0DfuseLayout *flash)
{
  guint64 total = 0;
  for (guint i = 0; i < boot0_dfuse_layout_get_n_sectors (flash); i++)
    {
      const Boot0DfuseSector *s = boot0_dfuse_layout_get_sector (flash, i);
      if (s->flags & BOOT0_DFUSE_SECTOR_FLAG_WRITABLE)
        total += s->size;
    }
  return total;
}

/* Moves a relocatable image to its address: locked to the first writable
 * sector unless the caller unlocked it. */
static gboolean
place_relocatable (Boot0Plan *self, GError **error)
{
  Boot0DfuseLayout *flash = self->flash;
  guint64 flash_end = boot0_dfuse_layout_get_end (flash);
  guint32 base;
  guint32 start = 0;
  guint64 end = 0;
  guint64 span;

  if (self->options.unlock_address)
    {
      base = self->options.address;
      if (!check_sector_start (flash, base, BOOT0_DFUSE_SECTOR_FLAG_WRITABLE, error))
        return FALSE;
    }
  else if (!boot0_plan_get_default_address (flash, &base))
    {
      g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_DOES_NOT_FIT,
                   "the memory \"%s\" has no writable sector", boot0_dfuse_layout_get_name (flash));
      return FALSE;
    }

  boot0_firmware_get_span (self->image, &start, &end);
  span = end - start;
  if (base + span > flash_end)
    {
      g_autofree char *image_size = boot0_plan_format_size (span);
      g_autofree char *room = boot0_plan_format_size (flash_end - base);
      g_autofree char *flash_size =
          boot0_plan_format_size (boot0_dfuse_layout_get_total_size (flash));
      g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_DOES_NOT_FIT,
                   "the image (%s) does not fit: there are only %s from 0x%08X to the end of "
                   "the %s flash at 0x%08X",
                   image_size, room, base, flash_size, (guint32)(flash_end - 1));
      return FALSE;
    }
  return boot0_firmware_relocate (self->image, base, error);
}

static gboolean
check_image (Boot0Plan *self, GError **error)
{
  Boot0DfuseLayout *flash = self->flash;
  guint64 total = boot0_firmware_get_total_size (self->image);
  guint64 room =
      self->options.program ? writable_size (flash) : boot0_dfuse_layout_get_total_size (flash);

  if (total > room)
    {
      g_autofree char *image_size = boot0_plan_format_size (total);
      g_autofree char *flash_size =
          boot0_plan_format_size (boot0_dfuse_layout_get_total_size (flash));
      g_autofree char *room_size = boot0_plan_format_size (room);
      if (room == boot0_dfuse_layout_get_total_size (flash))
        g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_DOES_NOT_FIT,
                     "the image (%s) is larger than the flash (%s)", image_size, flash_size);
      else
        g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_DOES_NOT_FIT,
                     "the image (%s) is larger than the writable part of the flash (%s of %s)",
                     image_size, room_size, flash_size);
      return FALSE;
    }
  /* Alternate settings are only how a DfuSe file groups data: check by
   * address alone. Verifying alone needs only readable sectors. */
  for (guint i = 0; i < boot0_firmware_get_n_segments (self->image); i++)
    {
      const Boot0Segment *s = boot0_firmware_get_segment (self->image, i);
      if (!check_sectors (flash, boot0_segment_get_address (s), boot0_segment_get_end (s),
                          self->options.program ? BOOT0_DFUSE_SECTOR_FLAG_WRITABLE
                                                : BOOT0_DFUSE_SECTOR_FLAG_READABLE,
                          error))
        return FALSE;
    }
  if (self->options.verify && self->options.program)
    {
      for (guint i = 0; i < boot0_firmware_get_n_segments (self->image); i++)
        {
          const Boot0Segment *s = boot0_firmware_get_segment (self->image, i);
          if (!check_sectors (flash, boot0_segment_get_address (s), boot0_segment_get_end (s),
                              BOOT0_DFUSE_SECTOR_FLAG_READABLE, error))
            return FALSE;
        }
    }
  return TRUE;
}

static void
add_sector_erase (Boot0Plan *self, guint idx, gboolean *erased)
{
  const Boot0DfuseSector *s = boot0_dfuse_layout_get_sector (self->flash, idx);
  Boot0PlanErase step = { s->address, s->size, s->flags, FALSE };

  if (erased[idx] || (s->flags & BOOT0_DFUSE_SECTOR_FLAG_ERASABLE) == 0)
    return;
  erased[idx] = TRUE;
  g_array_append_val (self->erases, step);
  self->erase_size += s->size;
}

static gboolean
plan_erases (Boot0Plan *self, gboolean *erased, GError **error)
{
  Boot0DfuseLayout *flash = self->flash;
  guint n_sectors = boot0_dfuse_layout_get_n_sectors (flash);

  switch (self->options.erase_mode)
    {
      case BOOT0_PLAN_ERASE_NONE:
        return TRUE;

      case BOOT0_PLAN_ERASE_NEEDED:
        /* Ranges are sorted, so sectors come in address order. */
        for (guint i = 0; i < self->ranges->len; i++)
          {
            const Boot0PlanRange *r = &g_array_index (self->ranges, Boot0PlanRange, i);
            guint64 end = (guint64)r->address + r->len;
            guint idx;

            if (!boot0_dfuse_layout_lookup_sector_index (flash, r->address, &idx))
              g_assert_not_reached (); /* checked by check_image() */
            for (; idx < n_sectors; idx++)
              {
                const Boot0DfuseSector *s = boot0_dfuse_layout_get_sector (flash, idx);
                if (s->address >= end)
                  break;
                add_sector_erase (self, idx, erased);
              }
          }
        return TRUE;

      case BOOT0_PLAN_ERASE_ALL:
        {
          gboolean all_erasable = TRUE;
          for (guint i = 0; i < n_sectors; i++)
            {
              const Boot0DfuseSector *s = boot0_dfuse_layout_get_sector (flash, i);
              if ((s->flags & BOOT0_DFUSE_SECTOR_FLAG_ERASABLE) == 0)
                all_erasable = FALSE;
            }
          if (!all_erasable)
            {
              for (guint i = 0; i < n_sectors; i++)
                add_sector_erase (self, i, erased);
              if (self->erases->len == 0)
                {
                  g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_DOES_NOT_FIT,
                               "the memory \"%s\" has no erasable sector",
                               boot0_dfuse_layout_get_name (flash));
                  return FALSE;
                }
              return TRUE;
            }
          {
            Boot0PlanErase step = { boot0_dfuse_layout_get_start (flash),
                                    boot0_dfuse_layout_get_total_size (flash),
                                    BOOT0_DFUSE_SECTOR_FLAGS_ALL, TRUE };
            g_array_append_val (self->erases, step);
            self->erase_size = step.size;
            for (guint i = 0; i < n_sectors; i++)
              erased[i] = TRUE;
          }
          return TRUE;
        }

      case BOOT0_PLAN_ERASE_RANGE:
        {
          guint32 start = self->options.erase_address;
          guint64 end = (guint64)start + self->options.erase_size;
          guint idx;

          if (self->options.erase_size == 0)
            {
              g_set_error_literal (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_ARGUMENT,
                                   "the range to erase is empty");
              return FALSE;
            }
          if (self->options.erase_size > ADDRESS_SPACE_END - start)
            {
              g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_ARGUMENT,
                           "0x%08X + %" G_GUINT64_FORMAT
                           " bytes passes the end of the 32-bit address space",
                           start, self->options.erase_size);
              return FALSE;
            }
          if (!check_sector_start (flash, start, BOOT0_DFUSE_SECTOR_FLAG_ERASABLE, error) ||
              !check_sectors (flash, start, end, BOOT0_DFUSE_SECTOR_FLAG_ERASABLE, error))
            return FALSE;
          boot0_dfuse_layout_lookup_sector_index (flash, start, &idx);
          for (; idx < n_sectors; idx++)
            {
              if (boot0_dfuse_layout_get_sector (flash, idx)->address >= end)
                break;
              add_sector_erase (self, idx, erased);
            }
          return TRUE;
        }

      default:
        g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_ARGUMENT, "unknown erase mode %d",
                     (int)self->options.erase_mode);
        return FALSE;
    }
}

static void
plan_fates (Boot0Plan *self, const gboolean *erased)
{
  guint n_sectors = boot0_dfuse_layout_get_n_sectors (self->flash);
  g_autofree gboolean *written = g_new0 (gboolean, n_sectors);

  for (guint i = 0; self->options.program && i < self->ranges->len; i++)
    {
      const Boot0PlanRange *r = &g_array_index (self->ranges, Boot0PlanRange, i);
      guint64 end = (guint64)r->address + r->len;
      guint idx;

      if (!boot0_dfuse_layout_lookup_sector_index (self->flash, r->address, &idx))
        continue;
      for (; idx < n_sectors && boot0_dfuse_layout_get_sector (self->flash, idx)->address < end;
           idx++)
        written[idx] = TRUE;
    }

  self->fates = g_new0 (guint8, n_sectors);
  for (guint i = 0; i < n_sectors; i++)
    {
      const Boot0DfuseSector *s = boot0_dfuse_layout_get_sector (self->flash, i);
      Boot0PlanSectorFate fate = BOOT0_PLAN_SECTOR_UNTOUCHED;

      if (erased[i])
        fate = written[i] ? BOOT0_PLAN_SECTOR_ERASE_AND_WRITE : BOOT0_PLAN_SECTOR_ERASE_ONLY;
      else if (written[i])
        fate = BOOT0_PLAN_SECTOR_WRITE_ONLY;
      else if ((s->flags & BOOT0_DFUSE_SECTOR_FLAG_WRITABLE) == 0)
        fate = BOOT0_PLAN_SECTOR_READ_ONLY;
      self->fates[i] = fate;
    }
}

Boot0Plan *
boot0_plan_new (Boot0Firmware *image, Boot0DfuseLayout *flash, const Boot0PlanOptions *options,
                GError **error)
{
  g_autoptr (Boot0Plan) self = NULL;
  g_autofree gboolean *erased = NULL;

  g_return_val_if_fail (image == NULL || BOOT0_IS_FIRMWARE (image), NULL);
  g_return_val_if_fail (flash != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_object_new (BOOT0_TYPE_PLAN, NULL);
  self->flash = boot0_dfuse_layout_ref (flash);
  if (options != NULL)
    self->options = *options;
  else
    boot0_plan_options_init (&self->options);

  if (image == NULL)
    {
      if (self->options.erase_mode == BOOT0_PLAN_ERASE_NEEDED)
        {
          g_set_error_literal (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_ARGUMENT,
                               "erasing the needed sectors takes an image; erase all or a range");
          return NULL;
        }
      if (self->options.unlock_address)
        {
          g_set_error_literal (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_ARGUMENT,
                               "an address to place the image at takes an image");
          return NULL;
        }
      self->options.verify = FALSE;
      self->options.program = FALSE;
    }
  else
    {
      if (self->options.erase_mode == BOOT0_PLAN_ERASE_RANGE)
        {
          g_set_error_literal (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_ARGUMENT,
                               "an erase range is for erasing alone, not with an image");
          return NULL;
        }
      if (!self->options.program && self->options.erase_mode != BOOT0_PLAN_ERASE_NONE)
        {
          g_set_error_literal (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_ARGUMENT,
                               "erasing without programming would lose what the image covers");
          return NULL;
        }
      if (boot0_firmware_get_total_size (image) == 0)
        {
          g_set_error_literal (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_ARGUMENT,
                               "the image holds no data");
          return NULL;
        }
      if (self->options.unlock_address && !boot0_firmware_get_relocatable (image))
        {
          g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_ARGUMENT,
                       "the image (%s) carries its own addresses; only a raw binary can be "
                       "placed at another address",
                       boot0_firmware_format_to_description (boot0_firmware_get_format (image)));
          return NULL;
        }
      self->image = copy_image (image, error);
      if (self->image == NULL)
        return NULL;
      if (boot0_firmware_get_relocatable (self->image) && !place_relocatable (self, error))
        return NULL;
      if (!check_image (self, error))
        return NULL;

      self->written = widen_to_units (self->image, self->options.write_unit, error);
      if (self->written == NULL)
        return NULL;
      for (guint i = 0; i < boot0_firmware_get_n_segments (self->written); i++)
        {
          const Boot0Segment *s = boot0_firmware_get_segment (self->written, i);
          Boot0PlanRange r = { boot0_segment_get_address (s), boot0_segment_get_size (s),
                               boot0_segment_get_data (s) };
          g_array_append_val (self->ranges, r);
        }
      /* What goes over the wire, padding included: progress counts it. */
      self->image_size = boot0_firmware_get_total_size (self->written);
    }

  erased = g_new0 (gboolean, boot0_dfuse_layout_get_n_sectors (flash));
  if (!plan_erases (self, erased, error))
    return NULL;
  plan_fates (self, erased);

  if (self->options.has_run_address)
    {
      self->run = self->options.run;
      self->run_address = self->options.run_address;
    }
  else if (self->image != NULL && self->options.run)
    {
      guint64 end;
      self->run = boot0_firmware_get_span (self->image, &self->run_address, &end);
    }
  return g_steal_pointer (&self);
}

/* Accessors ----------------------------------------------------------------- */

Boot0DfuseLayout *
boot0_plan_get_flash (Boot0Plan *self)
{
  g_return_val_if_fail (BOOT0_IS_PLAN (self), NULL);
  return self->flash;
}

Boot0Firmware *
boot0_plan_get_image (Boot0Plan *self)
{
  g_return_val_if_fail (BOOT0_IS_PLAN (self), NULL);
  return self->image;
}

const Boot0PlanOptions *
boot0_plan_get_options (Boot0Plan *self)
{
  g_return_val_if_fail (BOOT0_IS_PLAN (self), NULL);
  return &self->options;
}

guint
boot0_plan_get_n_erases (Boot0Plan *self)
{
  g_return_val_if_fail (BOOT0_IS_PLAN (self), 0);
  return self->erases->len;
}

const Boot0PlanErase *
boot0_plan_get_erase (Boot0Plan *self, guint idx)
{
  g_return_val_if_fail (BOOT0_IS_PLAN (self), NULL);
  g_return_val_if_fail (idx < self->erases->len, NULL);
  return &g_array_index (self->erases, Boot0PlanErase, idx);
}

gboolean
boot0_plan_get_mass_erase (Boot0Plan *self)
{
  g_return_val_if_fail (BOOT0_IS_PLAN (self), FALSE);
  return self->erases->len == 1 && g_array_index (self->erases, Boot0PlanErase, 0).mass_erase;
}

gboolean
boot0_plan_get_blank_check (Boot0Plan *self)
{
  g_return_val_if_fail (BOOT0_IS_PLAN (self), FALSE);
  return self->options.blank_check;
}

gboolean
boot0_plan_get_program (Boot0Plan *self)
{
  g_return_val_if_fail (BOOT0_IS_PLAN (self), FALSE);
  return self->options.program && self->ranges->len > 0;
}

guint
boot0_plan_get_n_writes (Boot0Plan *self)
{
  g_return_val_if_fail (BOOT0_IS_PLAN (self), 0);
  return boot0_plan_get_program (self) ? self->ranges->len : 0;
}

const Boot0PlanRange *
boot0_plan_get_write (Boot0Plan *self, guint idx)
{
  g_return_val_if_fail (BOOT0_IS_PLAN (self), NULL);
  g_return_val_if_fail (idx < boot0_plan_get_n_writes (self), NULL);
  return &g_array_index (self->ranges, Boot0PlanRange, idx);
}

GArray *
boot0_plan_get_chunks (Boot0Plan *self, gsize chunk_size)
{
  GArray *chunks;

  g_return_val_if_fail (BOOT0_IS_PLAN (self), NULL);
  g_return_val_if_fail (chunk_size > 0, NULL);

  chunks = g_array_new (FALSE, FALSE, sizeof (Boot0PlanRange));
  for (guint i = 0; i < self->ranges->len; i++)
    {
      const Boot0PlanRange *r = &g_array_index (self->ranges, Boot0PlanRange, i);
      for (gsize off = 0; off < r->len; off += chunk_size)
        {
          Boot0PlanRange c = { r->address + (guint32)off, MIN (chunk_size, r->len - off),
                               r->data + off };
          g_array_append_val (chunks, c);
        }
    }
  return chunks;
}

gboolean
boot0_plan_get_verify (Boot0Plan *self)
{
  g_return_val_if_fail (BOOT0_IS_PLAN (self), FALSE);
  return self->options.verify && self->ranges->len > 0;
}

guint
boot0_plan_get_n_verifies (Boot0Plan *self)
{
  g_return_val_if_fail (BOOT0_IS_PLAN (self), 0);
  return boot0_plan_get_verify (self) ? self->ranges->len : 0;
}

const Boot0PlanRange *
boot0_plan_get_verify_range (Boot0Plan *self, guint idx)
{
  g_return_val_if_fail (BOOT0_IS_PLAN (self), NULL);
  g_return_val_if_fail (idx < boot0_plan_get_n_verifies (self), NULL);
  return &g_array_index (self->ranges, Boot0PlanRange, idx);
}

gboolean
boot0_plan_get_run (Boot0Plan *self, guint32 *address)
{
  g_return_val_if_fail (BOOT0_IS_PLAN (self), FALSE);
  if (self->run && address != NULL)
    *address = self->run_address;
  return self->run;
}

guint64
boot0_plan_get_erase_size (Boot0Plan *self)
{
  g_return_val_if_fail (BOOT0_IS_PLAN (self), 0);
  return self->erase_size;
}

guint64
boot0_plan_get_write_size (Boot0Plan *self)
{
  g_return_val_if_fail (BOOT0_IS_PLAN (self), 0);
  return boot0_plan_get_program (self) ? self->image_size : 0;
}

guint64
boot0_plan_get_verify_size (Boot0Plan *self)
{
  g_return_val_if_fail (BOOT0_IS_PLAN (self), 0);
  return boot0_plan_get_verify (self) ? self->image_size : 0;
}

Boot0PlanSectorFate
boot0_plan_get_sector_fate (Boot0Plan *self, guint sector_idx)
{
  g_return_val_if_fail (BOOT0_IS_PLAN (self), BOOT0_PLAN_SECTOR_UNTOUCHED);
  g_return_val_if_fail (sector_idx < boot0_dfuse_layout_get_n_sectors (self->flash),
                        BOOT0_PLAN_SECTOR_UNTOUCHED);
  return (Boot0PlanSectorFate)self->fates[sector_idx];
}

/* "0x08000000-0x0803FFFF" or "0x08000000-0x08007FFF and 0x08040000-..."
 * for the runs of contiguous erase steps; "N ranges" when there are many. */
static void
append_erase_ranges (Boot0Plan *self, GString *str)
{
  g_autoptr (GPtrArray) runs = g_ptr_array_new_with_free_func (g_free);
  guint64 run_start = 0;
  guint64 run_end = 0;

  for (guint i = 0; i < self->erases->len; i++)
    {
      const Boot0PlanErase *e = &g_array_index (self->erases, Boot0PlanErase, i);
      if (i > 0 && e->address == run_end)
        {
          run_end += e->size;
          continue;
        }
      if (i > 0)
        g_ptr_array_add (runs, format_range (run_start, run_end));
      run_start = e->address;
      run_end = (guint64)e->address + e->size;
    }
  g_ptr_array_add (runs, format_range (run_start, run_end));

  if (runs->len > 3)
    g_string_append_printf (str, "in %u ranges", runs->len);
  else
    {
      g_autofree char *joined = NULL;
      g_ptr_array_add (runs, NULL);
      joined = g_strjoinv (" and ", (char **)runs->pdata);
      g_string_append (str, joined);
    }
}

char *
boot0_plan_get_summary (Boot0Plan *self)
{
  g_autoptr (GPtrArray) parts = g_ptr_array_new_with_free_func (g_free);
  guint32 run_address;

  g_return_val_if_fail (BOOT0_IS_PLAN (self), NULL);

  if (boot0_plan_get_mass_erase (self))
    {
      g_autofree char *size = boot0_plan_format_size (self->erase_size);
      g_ptr_array_add (parts, g_strdup_printf ("mass-erase the flash (%s)", size));
    }
  else if (self->erases->len > 0)
    {
      g_autofree char *size = boot0_plan_format_size (self->erase_size);
      GString *str = g_string_new (NULL);
      g_string_append_printf (str, "erase %u sector%s (", self->erases->len,
                              self->erases->len == 1 ? "" : "s");
      append_erase_ranges (self, str);
      g_string_append_printf (str, ", %s)", size);
      g_ptr_array_add (parts, g_string_free (str, FALSE));
    }
  else if (boot0_plan_get_program (self))
    g_ptr_array_add (parts, g_strdup ("no erase"));

  if (!boot0_plan_get_program (self) && boot0_plan_get_verify (self))
    {
      g_autofree char *size = boot0_plan_format_size (self->image_size);
      const Boot0PlanRange *first = &g_array_index (self->ranges, Boot0PlanRange, 0);
      g_ptr_array_add (parts, g_strdup_printf ("verify %s at 0x%08X", size, first->address));
    }
  else if (boot0_plan_get_program (self))
    {
      g_autofree char *size = boot0_plan_format_size (self->image_size);
      const Boot0PlanRange *first = &g_array_index (self->ranges, Boot0PlanRange, 0);
      if (self->ranges->len == 1)
        g_ptr_array_add (parts, g_strdup_printf ("write %s at 0x%08X", size, first->address));
      else
        g_ptr_array_add (parts, g_strdup_printf ("write %s in %u ranges from 0x%08X", size,
                                                 self->ranges->len, first->address));
    }
  if (boot0_plan_get_program (self) && boot0_plan_get_verify (self))
    g_ptr_array_add (parts, g_strdup ("verify"));
  if (boot0_plan_get_run (self, &run_address))
    g_ptr_array_add (parts, g_strdup_printf ("run at 0x%08X", run_address));

  if (parts->len == 0)
    return g_strdup ("nothing to do");
  g_ptr_array_add (parts, NULL);
  return g_strjoinv (", ", (char **)parts->pdata);
}
