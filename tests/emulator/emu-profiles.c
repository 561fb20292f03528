/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Profiles of the emulated DfuSe bootloaders (sources and assumptions in README.md). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <gio/gio.h>

#include "emu-dfuse.h"
#include "emu-profiles.h"

/* AN3156 §4.1: the ROM's Get Commands reply. */
static const guint8 rom_commands[] = { 0x00, 0x21, 0x41, 0x92 };
/* ST's usbd_dfu.c DFU_Upload(): the middleware only knows these three. */
static const guint8 middleware_commands[] = { 0x00, 0x21, 0x41 };

/* RM0090 §3.7.1: RDP 0xAA (level 0), USER 0xEC, nWRP 0x0FFF (other bytes
 * reserved; UNVERIFIED as a 16-byte DFU read). */
static const guint8 f4_option_bytes[16] = {
  0xEC, 0xAA, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
};

/* RM0351: OPTR 0xFFEFF8AA, its complement, PCROP/WRP areas unused (UNVERIFIED). */
static const guint8 l4_option_bytes[40] = {
  0xAA, 0xF8, 0xEF, 0xFF, 0x55, 0x07, 0x10, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00,
  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0xFF, 0x00,
  0x00, 0xFF, 0x00, 0xFF, 0xFF, 0x00, 0xFF, 0x00, 0x00, 0xFF, 0x00, 0xFF,
};

/* RM0091 §4.1: RDP/nRDP, USER/nUSER, DATA0/1, WRP0/1, each with its complement. */
static const guint8 f0_option_bytes[16] = {
  0xAA, 0x55, 0xFF, 0x00, 0xFF, 0x00, 0xFF, 0x00, 0xFF, 0x00, 0xFF, 0x00, 0xFF, 0x00, 0xFF, 0x00,
};

/* RM0433: FLASH_OPTSR_CUR with RDP 0xAA first, the rest erased-looking (UNVERIFIED). */
static const guint8 h7_option_bytes[128] = {
  0xF0, 0xAA, 0xC6, 0x13, [4 ... 127] = 0xFF,
};

static const EmuProfile profile_f405 = {
  .name = "f405",
  .description = "STM32F405 system-memory ROM (e.g. the CircuitPython Feather STM32F405)",
  .vid = 0x0483,
  .pid = 0xdf11,
  .bcd_device = 0x2200,
  .max_packet0 = 64,
  .config_attributes = 0xC0,
  .max_power = 0x32,
  .manufacturer = "STMicroelectronics",
  .product = "STM32  BOOTLOADER",
  .serial = "3276384A3336",
  .first_alt_string_index = 4,
  /* A real F405 (bcdDevice 0x2200) lists the small areas as 'e' (readable,
   * writable); the F407 Discovery capture in PROTOCOLS.md says 'g'. */
  .alts = {
    "@Internal Flash  /0x08000000/04*016Kg,01*064Kg,07*128Kg",
    "@Option Bytes  /0x1FFFC000/01*016 e",
    "@OTP Memory /0x1FFF7800/01*512 e,01*016 e",
    "@Device Feature/0xFFFF0000/01*004 e",
  },
  .alt_kinds = { EMU_MEM_FLASH, EMU_MEM_OPTION_BYTES, EMU_MEM_OTP, EMU_MEM_RAM },
  .dfu_attributes = 0x0B,
  .detach_timeout = 255,
  .transfer_size = 2048,
  .bcd_dfu = 0x011A,
  .get_commands = rom_commands,
  .n_get_commands = sizeof (rom_commands),
  .initial_pointer = 0x08000000,
  .initial_state = EMU_DFU_STATE_ERROR, /* dfu-util logs: "state = dfuERROR, status = 10" */
  .initial_status = EMU_DFU_STATUS_ERR_FIRMWARE,
  .mass_erase = TRUE,
  .read_unprotect = TRUE,
  .clrstatus_stalls = TRUE,
  .leave_via_busy = TRUE,
  .erase_scope = EMU_ERASE_SECTOR,
  .busy_mode = EMU_BUSY_HOLD,
  .erase_busy_mode = EMU_BUSY_HOLD,
  .not_erased_status = EMU_DFU_STATUS_ERR_WRITE,
  .not_erased_and = TRUE,
  .option_bytes = f4_option_bytes,
  .n_option_bytes = sizeof (f4_option_bytes),
  .rdp_offset = 1,
  /* DS8626 "Flash memory programming", 2.7-3.6 V (x32), typical */
  .program_unit = 4,
  .program_unit_us = 16,
  .erase_times = { { 16384, 250000 }, { 65536, 550000 }, { 131072, 1000000 } },
  .mass_erase_us = 8000000,
  .reset_us = 200000,
  /* dfu-util -v logs of F4 ROMs: 100 ms for erase, 104 ms for every other
   * download incl. leave; mass erase 100 ms (dfu-util's F405 quirk). */
  .report_erase_ms = 100,
  .report_mass_erase_ms = 100,
  .report_program_ms = 104,
  .report_command_ms = 104,
  .report_leave_ms = 104,
  .report_unprotect_ms = 100,
};

static const EmuProfile profile_l4 = {
  .name = "l4",
  .description = "STM32L4 system-memory ROM, 512 KiB in 2 KiB pages (L476-style)",
  .vid = 0x0483,
  .pid = 0xdf11,
  .bcd_device = 0x0200,
  .max_packet0 = 64,
  .config_attributes = 0xC0,
  .max_power = 0x32,
  .manufacturer = "STMicroelectronics",
  .product = "STM32  BOOTLOADER",
  .serial = "2079316B5748",
  .first_alt_string_index = 4,
  .alts = {
    "@Internal Flash  /0x08000000/0256*0002Kg",
    "@Option Bytes  /0x1FFF7800/01*040 e",
    "@OTP Memory /0x1FFF7000/01*0001Ke",
    "@Device Feature/0xFFFF0000/01*004 e",
  },
  .alt_kinds = { EMU_MEM_FLASH, EMU_MEM_OPTION_BYTES, EMU_MEM_OTP, EMU_MEM_RAM },
  .dfu_attributes = 0x0B,
  .detach_timeout = 255,
  .transfer_size = 1024, /* observed on an L4/G4 ROM (PROTOCOLS.md §b) */
  .bcd_dfu = 0x011A,
  .get_commands = rom_commands,
  .n_get_commands = sizeof (rom_commands),
  .initial_pointer = 0x08000000,
  .initial_state = EMU_DFU_STATE_IDLE,
  .initial_status = EMU_DFU_STATUS_OK,
  .mass_erase = TRUE,
  .read_unprotect = TRUE,
  .clrstatus_stalls = TRUE,
  .leave_via_busy = TRUE,
  .erase_scope = EMU_ERASE_SECTOR,
  .busy_mode = EMU_BUSY_HOLD,
  /* dfu-util 0.10: L4 ROMs report too short an erase poll and stall the
   * GETSTATUS that comes early; dfu-util reuses the timeout up to 3 times. */
  .erase_busy_mode = EMU_BUSY_STALL,
  .not_erased_status = EMU_DFU_STATUS_ERR_PROG, /* PROGERR: double word not erased */
  .not_erased_and = FALSE,
  .option_bytes = l4_option_bytes,
  .n_option_bytes = sizeof (l4_option_bytes),
  .rdp_offset = 0,
  /* DS10198 (STM32L476) flash characteristics, typical */
  .program_unit = 8,
  .program_unit_us = 82,
  .erase_times = { { 2048, 22020 } },
  .mass_erase_us = 22130,
  .reset_us = 200000,
  .report_erase_ms = 10,
  .report_mass_erase_ms = 10,
  .report_program_ms = 25,
  .report_command_ms = 25,
  .report_leave_ms = 25,
  .report_unprotect_ms = 10,
};

static const EmuProfile profile_f0 = {
  .name = "f0",
  .description = "STM32F072 system-memory ROM, 128 KiB in 2 KiB pages, constant serial",
  .vid = 0x0483,
  .pid = 0xdf11,
  .bcd_device = 0x2200,
  .max_packet0 = 64,
  .config_attributes = 0xC0,
  .max_power = 0x32,
  .manufacturer = "STMicroelectronics",
  .product = "STM32  BOOTLOADER",
  .serial = "FFFFFFFEFFFF", /* F0/F3 ROMs report this for every chip */
  .serial_fixed = TRUE,
  .first_alt_string_index = 4,
  .alts = {
    "@Internal Flash  /0x08000000/064*0002Kg",
    "@Option Bytes  /0x1FFFF800/01*016 e",
  },
  .alt_kinds = { EMU_MEM_FLASH, EMU_MEM_OPTION_BYTES },
  .dfu_attributes = 0x0B,
  .detach_timeout = 255,
  .transfer_size = 2048,
  .bcd_dfu = 0x011A,
  .get_commands = rom_commands,
  .n_get_commands = sizeof (rom_commands),
  .initial_pointer = 0x08000000,
  .initial_state = EMU_DFU_STATE_IDLE,
  .initial_status = EMU_DFU_STATUS_OK,
  .mass_erase = TRUE,
  .read_unprotect = TRUE,
  .clrstatus_stalls = TRUE,
  .leave_via_busy = TRUE,
  .erase_scope = EMU_ERASE_SECTOR,
  .busy_mode = EMU_BUSY_HOLD,
  .erase_busy_mode = EMU_BUSY_HOLD,
  .not_erased_status = EMU_DFU_STATUS_ERR_PROG, /* PGERR: half-word not 0xFFFF */
  .not_erased_and = FALSE,
  .option_bytes = f0_option_bytes,
  .n_option_bytes = sizeof (f0_option_bytes),
  .rdp_offset = 0,
  /* DS9826 (STM32F072) flash characteristics, typical */
  .program_unit = 2,
  .program_unit_us = 54,
  .erase_times = { { 2048, 20000 } },
  .mass_erase_us = 20000,
  .reset_us = 200000,
  .report_erase_ms = 100,
  .report_mass_erase_ms = 100,
  .report_program_ms = 104,
  .report_command_ms = 104,
  .report_leave_ms = 104,
  .report_unprotect_ms = 100,
};

static const EmuProfile profile_h7 = {
  .name = "h7",
  .description = "STM32H743 system-memory ROM, 2 MiB in 128 KiB sectors",
  .vid = 0x0483,
  .pid = 0xdf11,
  .bcd_device = 0x0200,
  .max_packet0 = 64,
  .config_attributes = 0xC0,
  .max_power = 0x32,
  .manufacturer = "STMicroelectronics",
  .product = "DFU in FS Mode",
  .serial = "3358385B3139",
  .first_alt_string_index = 4,
  .alts = {
    "@Internal Flash   /0x08000000/16*128Kg",
    "@Option Bytes   /0x5200201C/01*128 e",
  },
  .alt_kinds = { EMU_MEM_FLASH, EMU_MEM_OPTION_BYTES },
  .dfu_attributes = 0x0B,
  .detach_timeout = 255,
  .transfer_size = 1024,
  .bcd_dfu = 0x011A,
  .get_commands = rom_commands,
  .n_get_commands = sizeof (rom_commands),
  .initial_pointer = 0x08000000,
  .initial_state = EMU_DFU_STATE_IDLE,
  .initial_status = EMU_DFU_STATUS_OK,
  .mass_erase = TRUE,
  .read_unprotect = TRUE,
  .clrstatus_stalls = TRUE,
  .leave_via_busy = TRUE,
  .erase_scope = EMU_ERASE_SECTOR,
  .busy_mode = EMU_BUSY_HOLD,
  .erase_busy_mode = EMU_BUSY_HOLD,
  .not_erased_status = EMU_DFU_STATUS_ERR_PROG, /* ECC flash word programmed twice */
  .not_erased_and = FALSE,
  .option_bytes = h7_option_bytes,
  .n_option_bytes = sizeof (h7_option_bytes),
  .rdp_offset = 1,
  /* DS12110 (STM32H743) flash characteristics at x64 parallelism: 128 KiB
   * sector erase ~1 s typical (2 s at x8), 256-bit flash word ~16 µs;
   * values assumed, see README.md. */
  .program_unit = 32,
  .program_unit_us = 16,
  .erase_times = { { 131072, 1000000 } },
  .mass_erase_us = 8000000,
  .reset_us = 200000,
  .report_erase_ms = 100,
  .report_mass_erase_ms = 100,
  .report_program_ms = 5,
  .report_command_ms = 5,
  .report_leave_ms = 5,
  .report_unprotect_ms = 100,
};

static const EmuProfile profile_cubemx = {
  .name = "cubemx",
  .description = "STM32CubeMX-generated DfuSe bootloader on a 512 KiB F4 (application at "
                 "0x08008000)",
  .vid = 0x0483,
  .pid = 0xdf11,
  .bcd_device = 0x0200, /* usbd_desc.c template */
  .max_packet0 = 64,
  .config_attributes = 0xC0,
  .max_power = 0x32,
  .manufacturer = "STMicroelectronics",
  .product = "STM32 Download Firmware Update",
  .serial = "2059345E4E31",
  .first_alt_string_index = 6, /* USBD_IDX_INTERFACE_STR + 1 */
  .alts = {
    /* The listing in seeds/002: a 512 KiB F4, whose application-area erase
     * (2x16 + 64 + 3x128 KiB, about 4 s) stays within dfu-util's fixed 5 s
     * USB timeout, as it must for the people who use it. */
    "@Internal Flash   /0x08000000/02*016Ka,02*016Kg,01*064Kg,03*128Kg",
  },
  .alt_kinds = { EMU_MEM_FLASH },
  .dfu_attributes = 0x0B,
  .detach_timeout = 255,
  .transfer_size = 2048,
  .bcd_dfu = 0x011A,
  .get_commands = middleware_commands,
  .n_get_commands = sizeof (middleware_commands),
  .initial_pointer = 0x08008000, /* USBD_DFU_APP_DEFAULT_ADD */
  .initial_state = EMU_DFU_STATE_IDLE,
  .initial_status = EMU_DFU_STATUS_OK,
  .mass_erase = FALSE,     /* a 1-byte 0x41 falls through EP0_TxReady: nothing happens */
  .read_unprotect = FALSE, /* 0x92 likewise */
  .clrstatus_stalls = FALSE,
  .leave_via_busy = FALSE,
  .erase_scope = EMU_ERASE_APP_AREA,
  .erase_sets_pointer = TRUE,
  .app_base = 0x08008000,
  .busy_mode = EMU_BUSY_HOLD,
  .erase_busy_mode = EMU_BUSY_HOLD,
  .not_erased_status = EMU_DFU_STATUS_ERR_WRITE,
  .not_erased_and = TRUE,
  .option_bytes = NULL,
  .rdp_offset = 0,
  .program_unit = 4,
  .program_unit_us = 16,
  .erase_times = { { 16384, 250000 }, { 65536, 550000 }, { 131072, 1000000 } },
  .mass_erase_us = 8000000,
  .reset_us = 200000,
  /* usbd_dfu_if.c: FLASH_ERASE_TIME / FLASH_PROGRAM_TIME = 50 for everything */
  .report_erase_ms = 50,
  .report_mass_erase_ms = 50,
  .report_program_ms = 50,
  .report_command_ms = 50,
  .report_leave_ms = 1, /* DFU_GetStatus(): dfuMANIFEST with bwPollTimeout 1 ms */
  .report_unprotect_ms = 50,
};

static const EmuProfile *const profiles[] = {
  &profile_f405, &profile_l4, &profile_f0, &profile_h7, &profile_cubemx, NULL,
};

const EmuProfile *const *
emu_profile_list (void)
{
  return profiles;
}

const EmuProfile *
emu_profile_lookup (const char *name)
{
  for (guint i = 0; profiles[i] != NULL; i++)
    {
      if (g_ascii_strcasecmp (profiles[i]->name, name) == 0)
        return profiles[i];
    }
  return NULL;
}

guint
emu_profile_n_alts (const EmuProfile *profile)
{
  guint n = 0;
  while (n < EMU_MAX_ALTS && profile->alts[n] != NULL)
    n++;
  return n;
}

guint32
emu_profile_erase_us (const EmuProfile *profile, guint32 sector_size)
{
  guint32 best = 0;

  for (guint i = 0; i < G_N_ELEMENTS (profile->erase_times); i++)
    {
      const EmuEraseTime *t = &profile->erase_times[i];
      if (t->sector_size == 0)
        break;
      if (t->sector_size == sector_size)
        return t->us;
      /* Unknown size: scale the nearest entry by size. */
      if (best == 0)
        best = (guint32)(((guint64)t->us * sector_size) / t->sector_size);
    }
  return best;
}

void
emu_layout_free (EmuLayout *layout)
{
  if (layout == NULL)
    return;
  g_free (layout->name);
  g_array_unref (layout->segments);
  g_free (layout);
}

guint32
emu_layout_size (const EmuLayout *layout)
{
  guint64 size = 0;
  for (guint i = 0; i < layout->segments->len; i++)
    {
      const EmuLayoutSegment *s = &g_array_index (layout->segments, EmuLayoutSegment, i);
      size += (guint64)s->count * s->size;
    }
  return (guint32)MIN (size, G_MAXUINT32);
}

/* AN3156 §4.2 / dfu-util dfuse_mem.c: "@Name/0xADDR/NN*SSSMt,..." */
EmuLayout *
emu_layout_parse (const char *alt, GError **error)
{
  g_autoptr (EmuLayout) layout = g_new0 (EmuLayout, 1);
  const char *p;
  const char *slash;
  char *end = NULL;
  guint64 base;

  layout->segments = g_array_new (FALSE, FALSE, sizeof (EmuLayoutSegment));
  if (alt == NULL || alt[0] != '@')
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "layout '%s' does not start with '@'", alt ? alt : "(null)");
      return NULL;
    }
  slash = strchr (alt, '/');
  if (slash == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "layout '%s' has no address", alt);
      return NULL;
    }
  layout->name = g_strstrip (g_strndup (alt + 1, slash - alt - 1));
  p = slash + 1;
  base = g_ascii_strtoull (p, &end, 16);
  if (end == p || *end != '/' || base > G_MAXUINT32)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "layout '%s': bad address", alt);
      return NULL;
    }
  layout->base = (guint32)base;
  p = end + 1;
  while (*p != '\0')
    {
      EmuLayoutSegment seg = { 0 };
      guint64 count;
      guint64 size;
      guint mult = 1;

      count = g_ascii_strtoull (p, &end, 10); /* zero-padded counts are decimal */
      if (end == p || *end != '*')
        goto bad;
      p = end + 1;
      size = g_ascii_strtoull (p, &end, 10);
      if (end == p)
        goto bad;
      p = end;
      if (*p == 'K')
        mult = 1024;
      else if (*p == 'M')
        mult = 1024 * 1024;
      else if (*p != ' ' && *p != 'B')
        goto bad;
      p++;
      if (*p < 'a' || *p > 'g')
        goto bad;
      seg.caps = (guint8)(*p - 'a' + 1);
      p++;
      seg.count = (guint32)count;
      seg.size = (guint32)(size * mult);
      if (seg.count == 0 || seg.size == 0)
        goto bad;
      g_array_append_val (layout->segments, seg);
      if (*p == ',')
        p++;
      else if (*p != '\0')
        goto bad;
    }
  if (layout->segments->len == 0)
    goto bad;
  return g_steal_pointer (&layout);

bad:
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "layout '%s': bad segment at '%s'", alt,
               p);
  return NULL;
}
