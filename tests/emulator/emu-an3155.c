/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The emulated AN3155 USART bootloader: profiles, line pacing, the
 * bootloader's state machine, NOR flash, option bytes, faults and timing. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <gio/gio.h>

#include "emu-an3155.h"

#define NS_PER_US 1000
#define NS_PER_MS 1000000
#define NEVER     G_MAXINT64

/* ---- profiles ---- */

/* AN3155 §2 Get: v2.2 on the F10x ROMs still has the old Erase 0x43. */
static const guint8 f103_commands[] = { 0x00, 0x01, 0x02, 0x11, 0x21, 0x31,
                                        0x43, 0x63, 0x73, 0x82, 0x92 };
/* v3.1 (F2/F4 ROMs): Extended Erase 0x44 instead. */
static const guint8 f405_commands[] = { 0x00, 0x01, 0x02, 0x11, 0x21, 0x31,
                                        0x44, 0x63, 0x73, 0x82, 0x92 };

/* RM0008 §2.3.3 / §4: RDP 0xA5 (unprotected), USER, DATA0/1, WRP0..3, each
 * followed by its complement; a factory-fresh part. */
static const guint8 f1_option_bytes[16] = {
  0xA5, 0x5A, 0xFF, 0x00, 0xFF, 0x00, 0xFF, 0x00, 0xFF, 0x00, 0xFF, 0x00, 0xFF, 0x00, 0xFF, 0x00,
};

/* RM0090 §3.7.1: USER 0xEC, RDP 0xAA (level 0), nWRP 0x0FFF at offset 8
 * (same bytes as the DfuSe emulator's f405 profile). */
static const guint8 f4_option_bytes[16] = {
  0xEC, 0xAA, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
};

/* Arbitrary unique IDs (96 bits). */
static const guint8 f103_uid[12] = { 0xFF, 0x06, 0x34, 0x31, 0x4E, 0x55,
                                     0x38, 0x33, 0x29, 0x14, 0x12, 0x43 };
static const guint8 f405_uid[12] = { 0x33, 0x00, 0x2E, 0x00, 0x0A, 0x51,
                                     0x33, 0x36, 0x38, 0x37, 0x36, 0x32 };

static const EmuAn3155Profile profile_f103 = {
  .name = "f103",
  .description = "STM32F103 medium density: 128 KiB in 1 KiB pages, bootloader v2.2 (Erase 0x43)",
  .device_id = 0x410,
  .version = 0x22,
  .commands = f103_commands,
  .n_commands = sizeof (f103_commands),
  .option1 = 0x00,
  .option2 = 0x00,
  .flash_layout = "@Internal Flash /0x08000000/128*001Kg",
  /* AN2606 / stm32flash dev_table.c: system memory 0x1FFFF000-0x1FFFF7FF
   * (the device signature at its end), option bytes 0x1FFFF800, 20 KiB RAM
   * of which the bootloader uses the first 512 bytes. */
  .areas = {
      { "System memory", EMU_AREA_SYSTEM, 0x1FFFF000, 0x800 },
      { "Option bytes", EMU_AREA_OPTION_BYTES, 0x1FFFF800, 16 },
      { "SRAM", EMU_AREA_RAM, 0x20000000, 20 * 1024 },
  },
  .ram_writable_from = 0x20000200,
  .flash_size_reg = 0x1FFFF7E0, /* RM0008 §30.1 */
  .uid_reg = 0x1FFFF7E8,
  .uid = f103_uid,
  .option_bytes = f1_option_bytes,
  .rdp_offset = 0,
  .rdp_level0 = 0xA5,
  .ob_complements = TRUE,
  .wrp_offsets = { 8, 10, 12, 14 },
  .n_wrp_codes = 32,
  .pages_per_wrp_code = 4, /* medium density: one WRP bit per 4 pages */
  .unprotect_restores_ob = TRUE, /* the option bytes are erased and RDP rewritten (UNVERIFIED) */
  /* DS5319 (F103x8/B) flash characteristics: tprog 40/52.5/70 µs per
   * half-word; tERASE (1 KiB page) and tME 20-40 ms without a typical
   * value: the minimum is used (UNVERIFIED). */
  .program_unit = 2,
  .program_unit_ns = 52500,
  .and_on_conflict = FALSE, /* PGERR: a half-word that is not 0xFFFF is refused */
  .zero_programs_anyway = TRUE,
  .erase_times = { { 1024, 20000 } },
  .mass_erase_us = 20000,
  .bank_erase = FALSE,
  .startup_us = 1000,   /* reset release to listening (UNVERIFIED) */
  .crc_word_ns = 250,   /* no Get Checksum on real F1 ROMs; --checksum only */
  .max_baud = 115200,   /* AN3155/AN2606: 1200-115200 baud */
};

static const EmuAn3155Profile profile_f405 = {
  .name = "f405",
  .description = "STM32F405: 1 MiB in 4x16K,1x64K,7x128K sectors, bootloader v3.1 (Extended "
                 "Erase 0x44)",
  .device_id = 0x413,
  .version = 0x31,
  .commands = f405_commands,
  .n_commands = sizeof (f405_commands),
  .option1 = 0x00,
  .option2 = 0x00,
  .flash_layout = "@Internal Flash /0x08000000/04*016Kg,01*064Kg,07*128Kg",
  /* RM0090 / AN2606: system memory 0x1FFF0000-0x1FFF77FF, OTP 512+16 bytes
   * at 0x1FFF7800, device signature (UID, flash size) at 0x1FFF7A10, option
   * bytes 0x1FFFC000, 128 KiB SRAM1+2, the bootloader's first 8 KiB. */
  .areas = {
      { "System memory", EMU_AREA_SYSTEM, 0x1FFF0000, 0x7800 },
      { "OTP", EMU_AREA_OTP, 0x1FFF7800, 0x210 },
      { "Device signature", EMU_AREA_SYSTEM, 0x1FFF7A10, 0x20 },
      { "Option bytes", EMU_AREA_OPTION_BYTES, 0x1FFFC000, 16 },
      { "SRAM", EMU_AREA_RAM, 0x20000000, 128 * 1024 },
  },
  .ram_writable_from = 0x20002000,
  .flash_size_reg = 0x1FFF7A22, /* RM0090 §39.2 */
  .uid_reg = 0x1FFF7A10,
  .uid = f405_uid,
  .option_bytes = f4_option_bytes,
  .rdp_offset = 1,
  .rdp_level0 = 0xAA,
  .ob_complements = FALSE,
  .wrp_offsets = { 8, 9 },
  .n_wrp_codes = 12,
  .pages_per_wrp_code = 1,
  .unprotect_restores_ob = FALSE, /* RDP back to 0xAA, nWRP kept (UNVERIFIED) */
  /* DS8626 "Flash memory programming", 2.7-3.6 V (x32) typical
   * (PROTOCOLS.md §f, UNVERIFIED there): word 16 µs, 16/64/128 KiB sector
   * 250/550/1000 ms, mass erase 8 s. */
  .program_unit = 4,
  .program_unit_ns = 16000,
  .and_on_conflict = TRUE,
  .erase_times = { { 16384, 250000 }, { 65536, 550000 }, { 131072, 1000000 } },
  .mass_erase_us = 8000000,
  .bank_erase = FALSE, /* single bank: 0xFFFE/0xFFFD NACKed (UNVERIFIED) */
  .startup_us = 1000,
  .crc_word_ns = 250, /* CRC unit, 4 AHB cycles a word at 16 MHz HSI (UNVERIFIED) */
  .max_baud = 115200,
};

static const EmuAn3155Profile *const profiles[] = { &profile_f103, &profile_f405, NULL };

const EmuAn3155Profile *const *
emu_an3155_profile_list (void)
{
  return profiles;
}

const EmuAn3155Profile *
emu_an3155_profile_lookup (const char *name)
{
  for (guint i = 0; profiles[i] != NULL; i++)
    {
      if (g_ascii_strcasecmp (profiles[i]->name, name) == 0)
        return profiles[i];
    }
  return NULL;
}

const char *
emu_an3155_mode_to_string (EmuAn3155Mode mode)
{
  switch (mode)
    {
      case EMU_AN3155_OFF:
        return "off";
      case EMU_AN3155_WAIT_SYNC:
        return "bootloader (waiting for 0x7F)";
      case EMU_AN3155_COMMAND:
        return "bootloader";
      case EMU_AN3155_APP:
        return "application";
    }
  return "?";
}

/* ---- faults ---- */

void
emu_an3155_faults_init (EmuAn3155Faults *faults)
{
  memset (faults, 0, sizeof (*faults));
  faults->faults = g_array_new (FALSE, TRUE, sizeof (EmuAn3155Fault));
}

void
emu_an3155_faults_clear (EmuAn3155Faults *faults)
{
  if (faults->faults != NULL)
    g_array_unref (faults->faults);
  faults->faults = NULL;
}

static gboolean
parse_u64 (const char *text, guint base, guint64 max, guint64 *out)
{
  char *end = NULL;
  guint64 v;

  if (text == NULL || *text == '\0' || *text == '-')
    return FALSE;
  v = g_ascii_strtoull (text, &end, base);
  if (end == text || *end != '\0' || v > max)
    return FALSE;
  *out = v;
  return TRUE;
}

gboolean
emu_an3155_faults_parse (EmuAn3155Faults *faults, const char *spec, GError **error)
{
  g_auto (GStrv) kv = g_strsplit (spec, "=", 2);
  const char *key = kv[0];
  const char *value = kv[1];
  guint64 v;

  if (g_str_equal (key, "rdp") && value == NULL)
    {
      faults->rdp = TRUE;
      return TRUE;
    }
  if (g_str_equal (key, "unplug") && parse_u64 (value, 0, G_MAXUINT64, &v) && v > 0)
    {
      faults->unplug_after = v;
      return TRUE;
    }
  if (g_str_equal (key, "bitflip") && parse_u64 (value, 0, G_MAXUINT32, &v))
    {
      faults->bitflip = TRUE;
      faults->bitflip_address = (guint32)v;
      return TRUE;
    }
  if ((g_str_equal (key, "nack") || g_str_equal (key, "silence") || g_str_equal (key, "garbage")) &&
      value != NULL)
    {
      g_auto (GStrv) parts = g_strsplit (value, ":", 2);
      const char *op = parts[0];
      EmuAn3155Fault f = { 0 };
      guint64 n = 1;

      if (g_str_has_prefix (op, "0x") || g_str_has_prefix (op, "0X"))
        op += 2;
      if (parse_u64 (op, 16, 0xFF, &v) &&
          (parts[1] == NULL || parse_u64 (parts[1], 10, G_MAXUINT, &n)) && n >= 1)
        {
          f.kind = g_str_equal (key, "nack")      ? EMU_AN3155_FAULT_NACK
                   : g_str_equal (key, "silence") ? EMU_AN3155_FAULT_SILENCE
                                                  : EMU_AN3155_FAULT_GARBAGE;
          f.opcode = (guint8)v;
          f.nth = (guint)n;
          g_array_append_val (faults->faults, f);
          return TRUE;
        }
    }
  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
               "bad fault '%s' (nack=OP[:N], silence=OP[:N], garbage=OP[:N], rdp, unplug=BYTES, "
               "bitflip=ADDR; OP in hex)",
               spec);
  return FALSE;
}

/* ---- the device ---- */

typedef struct
{
  guint8 byte;
  guint baud;
  gint64 arrive; /* fully received by the chip */
} RxByte;

typedef struct
{
  guint8 byte;
  gint64 done; /* fully received by the host */
} TxByte;

typedef enum
{
  CMD_OPCODE,
  CMD_COMPLEMENT,
  CMD_COLLECT,
} CmdState;

typedef enum
{
  STAGE_RM_ADDR,
  STAGE_RM_LEN,
  STAGE_GO_ADDR,
  STAGE_WM_ADDR,
  STAGE_WM_LEN,
  STAGE_WM_DATA,
  STAGE_ER_COUNT,
  STAGE_ER_MASS,
  STAGE_ER_PAGES,
  STAGE_EE_COUNT,
  STAGE_EE_SPECIAL,
  STAGE_EE_PAGES,
  STAGE_WP_COUNT,
  STAGE_WP_CODES,
  STAGE_CRC_ADDR,
  STAGE_CRC_LEN,
} Stage;

#define REGION_FLASH (-1)

typedef struct
{
  EmuMemory *mem;
  int kind; /* EmuAreaKind or REGION_FLASH */
} Region;

struct _EmuAn3155
{
  const EmuAn3155Profile *profile;
  EmuAn3155Options options;
  EmuAn3155Faults faults;
  EmuMemory *flash;
  Region regions[EMU_AN3155_MAX_AREAS + 1];
  guint n_regions;
  EmuMemory *option_bytes;
  guint8 commands[32];
  guint n_commands;

  /* pins and mode */
  EmuAn3155Mode mode;
  gboolean nrst_low;
  gboolean boot0_high;
  gboolean boot_to_bootloader; /* BOOT0 as sampled at the last reset release */
  gint64 ready_at;             /* OFF until then (when NRST is released) */
  gint64 reset_at;             /* pending system reset (after an ACK) */
  gboolean rdp;
  guint32 wrp; /* bit per Write Protect code, 1 = protected */

  /* the line */
  guint baud;
  guint bits;
  gint64 byte_ns; /* nominal line time of a byte */
  GArray *rx;     /* RxByte */
  guint rx_head;
  GArray *tx; /* TxByte */
  guint tx_head;
  gint64 rx_line_free;
  gint64 tx_line_free;
  gint64 device_free; /* the ROM is busy (flash operation, blocking send) until then */
  gboolean unplugged;

  /* command decoding */
  CmdState cmd;
  guint8 opcode;
  Stage stage;
  GByteArray *buf;
  guint need;
  guint32 address;
  guint count;

  EmuAn3155Stats stats;
};

static gint64
pace_ns (EmuAn3155 *dev)
{
  return dev->options.timing ? dev->byte_ns : 0;
}

/* Modelled time of a device operation (ns, unscaled) as it really passes. */
static gint64
device_ns (EmuAn3155 *dev, double ns)
{
  return dev->options.timing ? (gint64)(ns * dev->options.time_scale) : 0;
}

void
emu_an3155_log_event (EmuAn3155 *dev, gint64 now, const char *format, ...)
{
  g_autofree char *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  g_ptr_array_add (dev->stats.events, g_strdup_printf ("%.3f ms: %s", now / 1e6, text));
  if (dev->options.verbose)
    g_printerr ("[%10.3f ms] %s\n", now / 1e6, text);
}

static void vlog (EmuAn3155 *dev, gint64 now, const char *format, ...) G_GNUC_PRINTF (3, 4);

static void
vlog (EmuAn3155 *dev, gint64 now, const char *format, ...)
{
  g_autofree char *text = NULL;
  va_list args;

  if (!dev->options.verbose)
    return;
  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  g_printerr ("[%10.3f ms] %s\n", now / 1e6, text);
}

static guint8
ob_get (EmuAn3155 *dev, guint offset)
{
  guint8 b;
  emu_memory_read (dev->option_bytes, dev->option_bytes->base + offset, &b, 1);
  return b;
}

static void
ob_set (EmuAn3155 *dev, guint offset, guint8 value)
{
  emu_memory_write (dev->option_bytes, dev->option_bytes->base + offset, &value, 1);
  if (dev->profile->ob_complements && offset % 2 == 0)
    {
      guint8 inv = (guint8)~value;
      emu_memory_write (dev->option_bytes, dev->option_bytes->base + offset + 1, &inv, 1);
    }
}

/* The option bytes take effect at reset (option byte loading). */
static void
load_option_bytes (EmuAn3155 *dev)
{
  const EmuAn3155Profile *p = dev->profile;

  dev->rdp = ob_get (dev, p->rdp_offset) != p->rdp_level0;
  dev->wrp = 0;
  for (guint code = 0; code < p->n_wrp_codes; code++)
    {
      guint8 b = ob_get (dev, p->wrp_offsets[code / 8]);
      if (!(b & (1u << (code % 8))))
        dev->wrp |= 1u << code;
    }
}

static void
set_wrp_code (EmuAn3155 *dev, guint code, gboolean protect)
{
  guint offset = dev->profile->wrp_offsets[code / 8];
  guint8 b = ob_get (dev, offset);

  b = protect ? (guint8)(b & ~(1u << (code % 8))) : (guint8)(b | (1u << (code % 8)));
  ob_set (dev, offset, b);
}

static void
fill_system_memory (EmuAn3155 *dev, EmuMemory *mem)
{
  const EmuAn3155Profile *p = dev->profile;
  guint8 *data = g_malloc (mem->size);
  guint8 size[2];
  guint32 kib = dev->flash->size / 1024;

  /* Not the real ROM code: a fixed pattern, so reads are recognisable. */
  for (guint32 i = 0; i < mem->size; i++)
    data[i] = (guint8)(((mem->base + i) * 2654435761u) >> 24);
  emu_memory_write (mem, mem->base, data, mem->size);
  g_free (data);
  size[0] = kib & 0xFF;
  size[1] = kib >> 8;
  if (emu_memory_contains (mem, p->flash_size_reg, 2))
    emu_memory_write (mem, p->flash_size_reg, size, 2);
  if (emu_memory_contains (mem, p->uid_reg, 12))
    emu_memory_write (mem, p->uid_reg, p->uid, 12);
}

static EmuMemory *
area_memory_new (const EmuArea *area, GError **error)
{
  g_autofree char *layout =
      g_strdup_printf ("@%s/0x%08X/01*%uBg", area->name, area->base, area->size);
  return emu_memory_new (layout,
                         area->kind == EMU_AREA_OTP            ? EMU_MEM_OTP
                         : area->kind == EMU_AREA_RAM          ? EMU_MEM_RAM
                         : area->kind == EMU_AREA_OPTION_BYTES ? EMU_MEM_OPTION_BYTES
                                                               : EMU_MEM_RAM,
                         NULL, NULL, 0, error);
}

EmuAn3155 *
emu_an3155_new (const EmuAn3155Profile *profile, const char *flash_path,
                const EmuAn3155Options *options, const EmuAn3155Faults *faults, GError **error)
{
  g_autoptr (EmuAn3155) dev = g_new0 (EmuAn3155, 1);

  dev->profile = profile;
  dev->options = *options;
  if (dev->options.time_scale < 0)
    dev->options.time_scale = 0;
  emu_an3155_faults_init (&dev->faults);
  if (faults != NULL)
    {
      g_array_append_vals (dev->faults.faults, faults->faults->data, faults->faults->len);
      dev->faults.rdp = faults->rdp;
      dev->faults.unplug_after = faults->unplug_after;
      dev->faults.bitflip = faults->bitflip;
      dev->faults.bitflip_address = faults->bitflip_address;
    }
  dev->rx = g_array_new (FALSE, FALSE, sizeof (RxByte));
  dev->tx = g_array_new (FALSE, FALSE, sizeof (TxByte));
  dev->buf = g_byte_array_new ();
  dev->stats.commands = g_array_new (FALSE, FALSE, 1);
  dev->stats.events = g_ptr_array_new_with_free_func (g_free);
  dev->stats.erase_opcode = -1;

  dev->flash = emu_memory_new (profile->flash_layout, EMU_MEM_FLASH, flash_path, NULL, 0, error);
  if (dev->flash == NULL)
    return NULL;
  dev->regions[dev->n_regions++] = (Region){ dev->flash, REGION_FLASH };
  for (guint i = 0; i < EMU_AN3155_MAX_AREAS && profile->areas[i].name != NULL; i++)
    {
      const EmuArea *area = &profile->areas[i];
      EmuMemory *mem = area_memory_new (area, error);
      if (mem == NULL)
        return NULL;
      dev->regions[dev->n_regions++] = (Region){ mem, area->kind };
      if (area->kind == EMU_AREA_SYSTEM)
        fill_system_memory (dev, mem);
      else if (area->kind == EMU_AREA_OPTION_BYTES)
        {
          dev->option_bytes = mem;
          emu_memory_write (mem, mem->base, profile->option_bytes, mem->size);
        }
      else if (area->kind == EMU_AREA_RAM)
        {
          /* SRAM powers up with noise; zeros are as good a model. */
          g_autofree guint8 *zero = g_malloc0 (mem->size);
          emu_memory_write (mem, mem->base, zero, mem->size);
        }
    }
  g_assert (dev->option_bytes != NULL);
  if (dev->faults.rdp)
    ob_set (dev, profile->rdp_offset, 0x00);
  load_option_bytes (dev);

  memcpy (dev->commands, profile->commands, profile->n_commands);
  dev->n_commands = (guint)profile->n_commands;
  if (options->checksum)
    dev->commands[dev->n_commands++] = 0xA1;

  dev->baud = 115200;
  dev->bits = 11;
  dev->byte_ns = (gint64)11 * 1000000000 / 115200;
  dev->stats.bits_per_byte = 11;
  dev->reset_at = NEVER;
  dev->nrst_low = options->in_reset;
  dev->boot0_high = options->boot0_high;
  dev->boot_to_bootloader = options->boot0_high;
  dev->ready_at = 0;
  dev->mode = dev->nrst_low             ? EMU_AN3155_OFF
              : dev->boot_to_bootloader ? EMU_AN3155_WAIT_SYNC
                                        : EMU_AN3155_APP;
  return g_steal_pointer (&dev);
}

void
emu_an3155_free (EmuAn3155 *dev)
{
  if (dev == NULL)
    return;
  for (guint i = 0; i < dev->n_regions; i++)
    emu_memory_free (dev->regions[i].mem);
  emu_an3155_faults_clear (&dev->faults);
  if (dev->rx != NULL)
    g_array_unref (dev->rx);
  if (dev->tx != NULL)
    g_array_unref (dev->tx);
  if (dev->buf != NULL)
    g_byte_array_unref (dev->buf);
  if (dev->stats.commands != NULL)
    g_array_unref (dev->stats.commands);
  if (dev->stats.events != NULL)
    g_ptr_array_unref (dev->stats.events);
  g_free (dev);
}

void
emu_an3155_set_line (EmuAn3155 *dev, guint baud, guint bits_per_byte)
{
  if (baud == 0 || bits_per_byte == 0)
    return;
  dev->baud = baud;
  dev->bits = bits_per_byte;
  dev->byte_ns = (gint64)((guint64)bits_per_byte * 1000000000u / baud);
  dev->stats.bits_per_byte = bits_per_byte;
}

/* ---- the transmitter ---- */

/* Queues reply bytes the ROM writes from `ready` on; returns when the last
 * one has fully reached the host. The ROM blocks on TXE while sending, so it
 * is busy until the last byte has started. */
static gint64
emit (EmuAn3155 *dev, const guint8 *data, gsize len, gint64 ready)
{
  gint64 start = ready;
  gint64 done = ready;

  for (gsize i = 0; i < len; i++)
    {
      TxByte b;
      start = MAX (ready, dev->tx_line_free);
      done = start + pace_ns (dev);
      dev->tx_line_free = done;
      b.byte = data[i];
      b.done = done;
      g_array_append_val (dev->tx, b);
    }
  dev->device_free = MAX (dev->device_free, start);
  return done;
}

static gint64
emit1 (EmuAn3155 *dev, guint8 byte, gint64 ready)
{
  return emit (dev, &byte, 1, ready);
}

static void
ack (EmuAn3155 *dev, gint64 t)
{
  emit1 (dev, EMU_AN3155_ACK, t);
}

static void
nack (EmuAn3155 *dev, gint64 t, const char *why)
{
  vlog (dev, t, "NACK 0x%02X: %s", dev->opcode, why);
  emit1 (dev, EMU_AN3155_NACK, t);
  dev->cmd = CMD_OPCODE;
}

/* ---- resets ---- */

static void
enter_reset (EmuAn3155 *dev, gint64 t, const char *why)
{
  /* Bytes not yet out of the chip are lost with the USART. */
  for (guint i = dev->tx_head; i < dev->tx->len; i++)
    {
      if (g_array_index (dev->tx, TxByte, i).done > t)
        {
          g_array_set_size (dev->tx, i);
          break;
        }
    }
  dev->tx_line_free = MIN (dev->tx_line_free, t);
  dev->device_free = t;
  dev->mode = EMU_AN3155_OFF;
  dev->cmd = CMD_OPCODE;
  dev->reset_at = NEVER;
  dev->stats.sync_baud = 0;
  dev->stats.resets++;
  load_option_bytes (dev);
  emu_an3155_log_event (dev, t, "reset (%s)", why);
}

static void
system_reset (EmuAn3155 *dev, gint64 t, const char *why)
{
  enter_reset (dev, t, why);
  dev->boot_to_bootloader = dev->boot0_high;
  dev->ready_at = t + device_ns (dev, dev->profile->startup_us * (double)NS_PER_US);
}

void
emu_an3155_set_pins (EmuAn3155 *dev, gboolean nrst_low, gboolean boot0_high, gint64 now)
{
  if (boot0_high != dev->boot0_high)
    emu_an3155_log_event (dev, now, "BOOT0 %s", boot0_high ? "high" : "low");
  dev->boot0_high = boot0_high;
  if (nrst_low && !dev->nrst_low)
    {
      dev->nrst_low = TRUE;
      enter_reset (dev, now, "NRST low");
    }
  else if (!nrst_low && dev->nrst_low)
    {
      dev->nrst_low = FALSE;
      dev->boot_to_bootloader = boot0_high;
      dev->ready_at = now + device_ns (dev, dev->profile->startup_us * (double)NS_PER_US);
      emu_an3155_log_event (dev, now, "NRST released, BOOT0 %s: starting the %s",
                            boot0_high ? "high" : "low", boot0_high ? "bootloader" : "application");
    }
}

static void
update_mode (EmuAn3155 *dev, gint64 t)
{
  if (dev->mode != EMU_AN3155_OFF || dev->nrst_low || t < dev->ready_at)
    return;
  dev->mode = dev->boot_to_bootloader ? EMU_AN3155_WAIT_SYNC : EMU_AN3155_APP;
  emu_an3155_log_event (dev, dev->ready_at, "%s running", emu_an3155_mode_to_string (dev->mode));
}

/* ---- memories ---- */

static const Region *
find_region (EmuAn3155 *dev, guint32 address, guint32 len)
{
  for (guint i = 0; i < dev->n_regions; i++)
    {
      if (emu_memory_contains (dev->regions[i].mem, address, MAX (len, 1)))
        return &dev->regions[i];
    }
  return NULL;
}

gboolean
emu_an3155_peek (EmuAn3155 *dev, guint32 address, guint8 *buf, guint32 len)
{
  const Region *r = find_region (dev, address, len);
  if (r == NULL)
    return FALSE;
  emu_memory_read (r->mem, address, buf, len);
  return TRUE;
}

static gboolean
writable (EmuAn3155 *dev, const Region *r, guint32 address)
{
  if (r == NULL)
    return FALSE;
  if (r->kind == EMU_AREA_SYSTEM)
    return FALSE;
  if (r->kind == EMU_AREA_RAM && address < dev->profile->ram_writable_from)
    return FALSE;
  return TRUE;
}

static guint
sector_index (EmuAn3155 *dev, guint32 address)
{
  for (guint i = 0; i < dev->flash->sectors->len; i++)
    {
      const EmuSector *s = &g_array_index (dev->flash->sectors, EmuSector, i);
      if (address >= s->address && address - s->address < s->size)
        return i;
    }
  return G_MAXUINT;
}

static gboolean
sector_protected (EmuAn3155 *dev, guint sector)
{
  guint code = sector / dev->profile->pages_per_wrp_code;
  return code < 32 && (dev->wrp & (1u << code));
}

static guint32
erase_us (EmuAn3155 *dev, guint32 sector_size)
{
  const EmuAn3155Profile *p = dev->profile;
  for (guint i = 0; i < G_N_ELEMENTS (p->erase_times) && p->erase_times[i].sector_size; i++)
    {
      if (p->erase_times[i].sector_size == sector_size)
        return p->erase_times[i].us;
    }
  return (guint32)((guint64)p->erase_times[0].us * sector_size / p->erase_times[0].sector_size);
}

/* Erases the listed sectors (all checked first); returns the time it takes. */
static gboolean
erase_sectors (EmuAn3155 *dev, const guint *sectors, guint n, gint64 *ns, const char **why)
{
  double total = 0;

  for (guint i = 0; i < n; i++)
    {
      if (sectors[i] >= dev->flash->sectors->len)
        {
          *why = "no such page/sector";
          return FALSE;
        }
      if (sector_protected (dev, sectors[i]))
        {
          *why = "page/sector is write protected";
          return FALSE;
        }
    }
  for (guint i = 0; i < n; i++)
    {
      const EmuSector *s = &g_array_index (dev->flash->sectors, EmuSector, sectors[i]);
      emu_memory_erase (dev->flash, s->address, s->size);
      total += erase_us (dev, s->size) * (double)NS_PER_US;
      dev->stats.sectors_erased++;
    }
  dev->stats.erase_ns += total;
  *ns = device_ns (dev, total);
  return TRUE;
}

static gboolean
mass_erase (EmuAn3155 *dev, gint64 *ns, const char **why)
{
  double total = dev->profile->mass_erase_us * (double)NS_PER_US;

  if (dev->wrp != 0)
    {
      /* WRPRTERR: the mass erase is refused (UNVERIFIED). */
      *why = "write protection is active";
      return FALSE;
    }
  emu_memory_erase (dev->flash, dev->flash->base, dev->flash->size);
  dev->stats.mass_erases++;
  dev->stats.erase_ns += total;
  *ns = device_ns (dev, total);
  return TRUE;
}

guint32
emu_an3155_crc (guint32 crc, const guint8 *data, gsize len)
{
  for (gsize i = 0; i + 4 <= len; i += 4)
    {
      crc ^= (guint32)data[i] | (guint32)data[i + 1] << 8 | (guint32)data[i + 2] << 16 |
             (guint32)data[i + 3] << 24;
      for (guint b = 0; b < 32; b++)
        crc = (crc & 0x80000000u) ? (crc << 1) ^ 0x04C11DB7u : crc << 1;
    }
  return crc;
}

/* ---- the command state machine (AN3155 / PROTOCOLS.md §e) ---- */

static gboolean
supported (EmuAn3155 *dev, guint8 opcode)
{
  return memchr (dev->commands, opcode, dev->n_commands) != NULL;
}

/* The fault that fires on this occurrence of opcode, if any. */
static const EmuAn3155Fault *
fault_for (EmuAn3155 *dev, guint8 opcode, gint64 t)
{
  const EmuAn3155Fault *hit = NULL;

  for (guint i = 0; i < dev->faults.faults->len; i++)
    {
      EmuAn3155Fault *f = &g_array_index (dev->faults.faults, EmuAn3155Fault, i);
      if (f->opcode != opcode)
        continue;
      f->seen++;
      if (f->seen == f->nth && hit == NULL)
        hit = f;
    }
  if (hit != NULL)
    emu_an3155_log_event (dev, t, "fault %s on 0x%02X #%u",
                          hit->kind == EMU_AN3155_FAULT_NACK      ? "nack"
                          : hit->kind == EMU_AN3155_FAULT_SILENCE ? "silence"
                                                                  : "garbage",
                          opcode, hit->nth);
  return hit;
}

static void
collect (EmuAn3155 *dev, guint n, Stage stage)
{
  dev->cmd = CMD_COLLECT;
  dev->need = n;
  dev->stage = stage;
  g_byte_array_set_size (dev->buf, 0);
}

static guint8
xor_bytes (const guint8 *data, gsize len)
{
  guint8 x = 0;
  for (gsize i = 0; i < len; i++)
    x ^= data[i];
  return x;
}

static gboolean
all_zero (const guint8 *data, gsize len)
{
  for (gsize i = 0; i < len; i++)
    {
      if (data[i] != 0)
        return FALSE;
    }
  return TRUE;
}

/* 4 address bytes MSB first + their XOR (AN3155 §3.4). */
static gboolean
get_address (EmuAn3155 *dev, guint32 *address)
{
  const guint8 *b = dev->buf->data;
  if (xor_bytes (b, 4) != b[4])
    return FALSE;
  *address = (guint32)b[0] << 24 | (guint32)b[1] << 16 | (guint32)b[2] << 8 | b[3];
  return TRUE;
}

static void
start_command (EmuAn3155 *dev, gint64 t)
{
  const EmuAn3155Profile *p = dev->profile;
  guint8 reply[40];
  guint n = 0;
  gint64 ns = 0;
  gint64 done;

  switch (dev->opcode)
    {
      case 0x00: /* Get (AN3155 §3.1) */
        reply[n++] = EMU_AN3155_ACK;
        reply[n++] = (guint8)dev->n_commands;
        reply[n++] = p->version;
        memcpy (reply + n, dev->commands, dev->n_commands);
        n += dev->n_commands;
        reply[n++] = EMU_AN3155_ACK;
        emit (dev, reply, n, t);
        return;
      case 0x01: /* Get Version & Read Protection Status (§3.2) */
        reply[0] = EMU_AN3155_ACK;
        reply[1] = p->version;
        reply[2] = p->option1;
        reply[3] = p->option2;
        reply[4] = EMU_AN3155_ACK;
        emit (dev, reply, 5, t);
        return;
      case 0x02: /* Get ID (§3.3) */
        reply[0] = EMU_AN3155_ACK;
        reply[1] = 0x01;
        reply[2] = p->device_id >> 8;
        reply[3] = p->device_id & 0xFF;
        reply[4] = EMU_AN3155_ACK;
        emit (dev, reply, 5, t);
        return;
      case 0x73: /* Write Unprotect (§3.10): ACK, ACK, system reset */
        ack (dev, t);
        for (guint code = 0; code < p->n_wrp_codes; code++)
          set_wrp_code (dev, code, FALSE);
        dev->reset_at = emit1 (dev, EMU_AN3155_ACK, t);
        return;
      case 0x82: /* Readout Protect (§3.11): ACK, ACK, system reset */
        ack (dev, t);
        ob_set (dev, p->rdp_offset, 0x00);
        dev->reset_at = emit1 (dev, EMU_AN3155_ACK, t);
        return;
      case 0x92: /* Readout Unprotect (§3.12): ACK, mass erase, ACK, reset */
        ack (dev, t);
        emu_memory_erase (dev->flash, dev->flash->base, dev->flash->size);
        ns = device_ns (dev, p->mass_erase_us * (double)NS_PER_US);
        dev->stats.erase_ns += p->mass_erase_us * (double)NS_PER_US;
        dev->stats.mass_erases++;
        if (p->unprotect_restores_ob)
          emu_memory_write (dev->option_bytes, dev->option_bytes->base, p->option_bytes,
                            dev->option_bytes->size);
        else
          ob_set (dev, p->rdp_offset, p->rdp_level0);
        done = emit1 (dev, EMU_AN3155_ACK, t + ns);
        dev->device_free = MAX (dev->device_free, t + ns);
        dev->reset_at = done;
        return;
      default:
        break;
    }

  /* The rest is refused under read-out protection (§3.4-3.9, PROTOCOLS.md §e). */
  if (dev->rdp)
    {
      nack (dev, t, "read protection is active");
      return;
    }
  ack (dev, t);
  switch (dev->opcode)
    {
      case 0x11:
        collect (dev, 5, STAGE_RM_ADDR);
        break;
      case 0x21:
        collect (dev, 5, STAGE_GO_ADDR);
        break;
      case 0x31:
        collect (dev, 5, STAGE_WM_ADDR);
        break;
      case 0x43:
        collect (dev, 1, STAGE_ER_COUNT);
        break;
      case 0x44:
        collect (dev, 2, STAGE_EE_COUNT);
        break;
      case 0x63:
        collect (dev, 1, STAGE_WP_COUNT);
        break;
      case 0xA1:
        collect (dev, 5, STAGE_CRC_ADDR);
        break;
      default:
        g_assert_not_reached ();
    }
}

static void
go (EmuAn3155 *dev, gint64 t)
{
  const Region *r = find_region (dev, dev->address, 4);
  guint8 code[64];
  guint32 n;

  if (r == NULL || (r->kind != REGION_FLASH && r->kind != EMU_AREA_RAM))
    {
      nack (dev, t, "Go outside flash and RAM");
      return;
    }
  ack (dev, t);
  dev->cmd = CMD_OPCODE;
  /* stm32flash -R loads a stub that writes SYSRESETREQ (0x05FA0004) into
   * the AIRCR and jumps to it: a system reset, not an application. */
  n = (guint32)MIN ((guint64)sizeof (code), (guint64)r->mem->base + r->mem->size - dev->address);
  emu_memory_read (r->mem, dev->address, code, n);
  for (guint32 i = 0; r->kind == EMU_AREA_RAM && i + 4 <= n; i += 2)
    {
      if (code[i] == 0x04 && code[i + 1] == 0x00 && code[i + 2] == 0xFA && code[i + 3] == 0x05)
        {
          emu_an3155_log_event (dev, t, "Go 0x%08X: the code requests a system reset",
                                dev->address);
          dev->reset_at = dev->tx_line_free;
          return;
        }
    }
  dev->mode = EMU_AN3155_APP;
  dev->stats.app_started = TRUE;
  dev->stats.app_address = dev->address;
  emu_an3155_log_event (dev, t, "Go 0x%08X: application started", dev->address);
}

static void
write_memory (EmuAn3155 *dev, gint64 t)
{
  const EmuAn3155Profile *p = dev->profile;
  const guint8 *b = dev->buf->data;
  guint len = dev->buf->len - 1; /* N-1, data */
  guint n = b[0] + 1u;
  const guint8 *data = b + 1;
  const Region *r;
  gint64 ns = 0;

  if (xor_bytes (b, len) != b[len])
    {
      nack (dev, t, "bad Write Memory checksum");
      return;
    }
  if (n % 4 != 0)
    {
      nack (dev, t, "Write Memory length is not a multiple of 4");
      return;
    }
  r = find_region (dev, dev->address, n);
  if (!writable (dev, r, dev->address))
    {
      nack (dev, t, "Write Memory outside a writable area");
      return;
    }
  if (r->kind == REGION_FLASH)
    {
      guint32 bad = 0;
      guint32 units = 0;
      EmuProgramResult res;
      double total;

      for (guint32 a = dev->address; a < dev->address + n; a++)
        {
          if (sector_protected (dev, sector_index (dev, a)))
            {
              nack (dev, t, "write protected");
              return;
            }
        }
      res = EMU_PROGRAM_OK;
      for (guint32 off = 0; off < n && res == EMU_PROGRAM_OK; off += p->program_unit)
        {
          guint32 chunk = MIN (p->program_unit, n - off);
          guint32 done = 0;
          if (p->zero_programs_anyway && all_zero (data + off, chunk))
            {
              /* RM0008 §3.3.3: 0x0000 may be written over anything */
              emu_memory_write (dev->flash, dev->address + off, data + off, chunk);
              units++;
              continue;
            }
          res = emu_memory_program (dev->flash, dev->address + off, data + off, chunk,
                                    p->program_unit, p->and_on_conflict, &bad, &done);
          units += done;
        }
      if (dev->faults.bitflip && dev->faults.bitflip_address >= dev->address &&
          dev->faults.bitflip_address - dev->address < n)
        {
          dev->flash->data[dev->faults.bitflip_address - dev->flash->base] ^= 0x01;
          emu_an3155_log_event (dev, t, "fault bitflip at 0x%08X", dev->faults.bitflip_address);
        }
      total = (double)units * p->program_unit_ns;
      dev->stats.program_ns += total;
      if (res == EMU_PROGRAM_OK)
        dev->stats.bytes_programmed += n;
      ns = device_ns (dev, total);
      dev->device_free = MAX (dev->device_free, t + ns);
      if (res != EMU_PROGRAM_OK)
        {
          g_autofree char *why = g_strdup_printf ("0x%08X was not erased", bad);
          nack (dev, t + ns, why);
          return;
        }
      ack (dev, t + ns);
    }
  else if (r->kind == EMU_AREA_OTP)
    {
      guint32 bad = 0;
      guint32 units = 0;
      if (emu_memory_program (r->mem, dev->address, data, n, p->program_unit, p->and_on_conflict,
                              &bad, &units) != EMU_PROGRAM_OK)
        {
          nack (dev, t, "OTP already programmed");
          return;
        }
      ack (dev, t);
    }
  else if (r->kind == EMU_AREA_OPTION_BYTES)
    {
      emu_memory_write (r->mem, dev->address, data, n);
      /* AN3155 §3.6: writing the option bytes resets the chip after the ACK. */
      dev->reset_at = emit1 (dev, EMU_AN3155_ACK, t);
    }
  else
    {
      emu_memory_write (r->mem, dev->address, data, n);
      ack (dev, t);
    }
  dev->cmd = CMD_OPCODE;
}

static void
finish_erase (EmuAn3155 *dev, gint64 t, gboolean ok, gint64 ns, const char *why)
{
  dev->device_free = MAX (dev->device_free, t + ns);
  if (ok)
    {
      ack (dev, t + ns);
      dev->cmd = CMD_OPCODE;
    }
  else
    nack (dev, t + ns, why);
}

static void
continue_stage (EmuAn3155 *dev, gint64 t)
{
  const guint8 *b = dev->buf->data;
  guint len = dev->buf->len;
  const Region *r;
  const char *why = "";
  gint64 ns = 0;
  gboolean ok;

  switch (dev->stage)
    {
      case STAGE_RM_ADDR: /* Read Memory (§3.4) */
        if (!get_address (dev, &dev->address) || find_region (dev, dev->address, 1) == NULL)
          {
            nack (dev, t, "bad Read Memory address");
            return;
          }
        ack (dev, t);
        collect (dev, 2, STAGE_RM_LEN);
        return;
      case STAGE_RM_LEN:
        {
          guint n = b[0] + 1u;
          guint8 data[257];
          if (b[0] + b[1] != 0xFF)
            {
              nack (dev, t, "bad Read Memory length complement");
              return;
            }
          r = find_region (dev, dev->address, n);
          if (r == NULL)
            {
              nack (dev, t, "Read Memory crosses the end of an area");
              return;
            }
          data[0] = EMU_AN3155_ACK;
          emu_memory_read (r->mem, dev->address, data + 1, n);
          emit (dev, data, n + 1, t);
          dev->cmd = CMD_OPCODE;
          return;
        }
      case STAGE_GO_ADDR: /* Go (§3.5) */
        if (!get_address (dev, &dev->address))
          {
            nack (dev, t, "bad Go address checksum");
            return;
          }
        go (dev, t);
        return;
      case STAGE_WM_ADDR: /* Write Memory (§3.6) */
        if (!get_address (dev, &dev->address) || dev->address % 4 != 0 ||
            !writable (dev, find_region (dev, dev->address, 1), dev->address))
          {
            nack (dev, t, "bad Write Memory address");
            return;
          }
        ack (dev, t);
        collect (dev, 1, STAGE_WM_LEN);
        return;
      case STAGE_WM_LEN:
        {
          guint8 n1 = b[0];
          /* keep N-1 in the buffer: it is part of the checksum */
          dev->cmd = CMD_COLLECT;
          dev->stage = STAGE_WM_DATA;
          dev->need = n1 + 1u + 1u + 1u; /* N-1 byte already in, N data, checksum */
          return;
        }
      case STAGE_WM_DATA:
        write_memory (dev, t);
        return;
      case STAGE_ER_COUNT: /* Erase (§3.7): 0xFF 0x00 = global erase */
        dev->stats.erase_opcode = 0x43;
        if (b[0] == 0xFF)
          {
            collect (dev, 1, STAGE_ER_MASS);
            return;
          }
        dev->cmd = CMD_COLLECT;
        dev->stage = STAGE_ER_PAGES;
        dev->need = 1u + b[0] + 1u + 1u;
        return;
      case STAGE_ER_MASS:
        if (b[0] != 0x00)
          {
            nack (dev, t, "bad global erase checksum");
            return;
          }
        ok = mass_erase (dev, &ns, &why);
        finish_erase (dev, t, ok, ns, why);
        return;
      case STAGE_ER_PAGES:
        {
          guint n = b[0] + 1u;
          g_autofree guint *pages = g_new (guint, n);
          if (xor_bytes (b, len - 1) != b[len - 1])
            {
              nack (dev, t, "bad Erase checksum");
              return;
            }
          for (guint i = 0; i < n; i++)
            pages[i] = b[1 + i];
          ok = erase_sectors (dev, pages, n, &ns, &why);
          finish_erase (dev, t, ok, ns, why);
          return;
        }
      case STAGE_EE_COUNT: /* Extended Erase (§3.8) */
        {
          guint v = (guint)b[0] << 8 | b[1];
          dev->stats.erase_opcode = 0x44;
          if (v >= 0xFFF0)
            {
              dev->count = v;
              collect (dev, 1, STAGE_EE_SPECIAL);
              return;
            }
          dev->cmd = CMD_COLLECT;
          dev->stage = STAGE_EE_PAGES;
          dev->need = 2u + 2u * (v + 1u) + 1u;
          return;
        }
      case STAGE_EE_SPECIAL:
        if (b[0] != ((dev->count >> 8) ^ (dev->count & 0xFF)))
          {
            nack (dev, t, "bad Extended Erase checksum");
            return;
          }
        if (dev->count == 0xFFFF)
          ok = mass_erase (dev, &ns, &why);
        else
          {
            ok = FALSE;
            why = dev->count >= 0xFFFD && !dev->profile->bank_erase ? "no banks on this chip"
                                                                    : "reserved erase code";
          }
        finish_erase (dev, t, ok, ns, why);
        return;
      case STAGE_EE_PAGES:
        {
          guint n = ((guint)b[0] << 8 | b[1]) + 1u;
          g_autofree guint *pages = g_new (guint, n);
          if (xor_bytes (b, len - 1) != b[len - 1])
            {
              nack (dev, t, "bad Extended Erase checksum");
              return;
            }
          for (guint i = 0; i < n; i++)
            pages[i] = (guint)b[2 + 2 * i] << 8 | b[3 + 2 * i];
          ok = erase_sectors (dev, pages, n, &ns, &why);
          finish_erase (dev, t, ok, ns, why);
          return;
        }
      case STAGE_WP_COUNT: /* Write Protect (§3.9) */
        dev->cmd = CMD_COLLECT;
        dev->stage = STAGE_WP_CODES;
        dev->need = 1u + b[0] + 1u + 1u;
        return;
      case STAGE_WP_CODES:
        {
          guint n = b[0] + 1u;
          if (xor_bytes (b, len - 1) != b[len - 1])
            {
              nack (dev, t, "bad Write Protect checksum");
              return;
            }
          for (guint i = 0; i < n; i++)
            {
              if (b[1 + i] >= dev->profile->n_wrp_codes)
                {
                  nack (dev, t, "no such sector code");
                  return;
                }
            }
          for (guint i = 0; i < n; i++)
            set_wrp_code (dev, b[1 + i], TRUE);
          dev->reset_at = emit1 (dev, EMU_AN3155_ACK, t);
          dev->cmd = CMD_OPCODE;
          return;
        }
      case STAGE_CRC_ADDR: /* Get Checksum */
        if (!get_address (dev, &dev->address) || dev->address % 4 != 0 ||
            find_region (dev, dev->address, 4) == NULL)
          {
            nack (dev, t, "bad Get Checksum address");
            return;
          }
        ack (dev, t);
        collect (dev, 5, STAGE_CRC_LEN);
        return;
      case STAGE_CRC_LEN:
        {
          guint32 size;
          guint8 reply[6];
          guint32 crc;
          g_autofree guint8 *data = NULL;
          double total;

          if (!get_address (dev, &size) || size == 0 || size % 4 != 0 ||
              (r = find_region (dev, dev->address, size)) == NULL)
            {
              nack (dev, t, "bad Get Checksum length");
              return;
            }
          ack (dev, t);
          data = g_malloc (size);
          emu_memory_read (r->mem, dev->address, data, size);
          crc = emu_an3155_crc (0xFFFFFFFFu, data, size);
          total = (double)(size / 4) * dev->profile->crc_word_ns;
          dev->stats.compute_ns += total;
          ns = device_ns (dev, total);
          dev->device_free = MAX (dev->device_free, t + ns);
          /* As stm32flash reads it: a second ACK, then the CRC MSB first + XOR. */
          reply[0] = EMU_AN3155_ACK;
          reply[1] = crc >> 24;
          reply[2] = (crc >> 16) & 0xFF;
          reply[3] = (crc >> 8) & 0xFF;
          reply[4] = crc & 0xFF;
          reply[5] = xor_bytes (reply + 1, 4);
          emit (dev, reply, 6, t + ns);
          dev->cmd = CMD_OPCODE;
          return;
        }
    }
}

static void
command_byte (EmuAn3155 *dev, guint8 byte, gint64 t)
{
  const EmuAn3155Fault *fault;

  switch (dev->cmd)
    {
      case CMD_OPCODE:
        dev->opcode = byte;
        dev->cmd = CMD_COMPLEMENT;
        return;
      case CMD_COMPLEMENT:
        dev->cmd = CMD_OPCODE;
        if (byte + dev->opcode != 0xFF)
          {
            nack (dev, t, "opcode and complement do not match");
            return;
          }
        g_array_append_val (dev->stats.commands, dev->opcode);
        vlog (dev, t, "command 0x%02X", dev->opcode);
        fault = fault_for (dev, dev->opcode, t);
        if (fault != NULL && fault->kind == EMU_AN3155_FAULT_SILENCE)
          return;
        if (!supported (dev, dev->opcode))
          {
            nack (dev, t, "not in this bootloader's command list");
            return;
          }
        if (fault != NULL && fault->kind == EMU_AN3155_FAULT_NACK)
          {
            nack (dev, t, "fault");
            return;
          }
        if (fault != NULL && fault->kind == EMU_AN3155_FAULT_GARBAGE)
          emit1 (dev, EMU_AN3155_GARBAGE_BYTE, t);
        start_command (dev, t);
        return;
      case CMD_COLLECT:
        g_byte_array_append (dev->buf, &byte, 1);
        if (dev->buf->len >= dev->need)
          continue_stage (dev, t);
        return;
    }
}

static void
process_byte (EmuAn3155 *dev, const RxByte *rx, gint64 t)
{
  guint8 byte = rx->byte;
  const EmuAn3155Fault *fault;

  update_mode (dev, t);
  switch (dev->mode)
    {
      case EMU_AN3155_OFF:
      case EMU_AN3155_APP:
        dev->stats.dropped++;
        return;
      case EMU_AN3155_WAIT_SYNC:
        if (byte != EMU_AN3155_SYNC)
          {
            /* Autobaud only knows 0x7F (AN3155 §2); noise is ignored. */
            dev->stats.dropped++;
            return;
          }
        dev->stats.syncs++;
        fault = fault_for (dev, EMU_AN3155_SYNC, t);
        if (fault != NULL && fault->kind == EMU_AN3155_FAULT_SILENCE)
          return;
        dev->stats.sync_baud = rx->baud;
        dev->mode = EMU_AN3155_COMMAND;
        dev->cmd = CMD_OPCODE;
        emu_an3155_log_event (dev, t, "synchronised at %u baud", rx->baud);
        if (rx->baud > dev->profile->max_baud || rx->baud < 1200)
          emu_an3155_log_event (dev, t, "%u baud is outside the AN3155 range 1200-%u", rx->baud,
                                dev->profile->max_baud);
        if (fault != NULL && fault->kind == EMU_AN3155_FAULT_NACK)
          {
            /* as a bootloader that was already synchronised would answer */
            emit1 (dev, EMU_AN3155_NACK, t);
            return;
          }
        if (fault != NULL && fault->kind == EMU_AN3155_FAULT_GARBAGE)
          emit1 (dev, EMU_AN3155_GARBAGE_BYTE, t);
        ack (dev, t);
        return;
      case EMU_AN3155_COMMAND:
        if (rx->baud != dev->stats.sync_baud)
          {
            /* The USART runs at the rate autobaud measured: the byte is garbled. */
            if (dev->stats.baud_mismatches++ == 0)
              emu_an3155_log_event (dev, t, "byte at %u baud, bootloader synchronised at %u",
                                    rx->baud, dev->stats.sync_baud);
            byte = (guint8)~byte;
          }
        command_byte (dev, byte, t);
        return;
    }
}

gboolean
emu_an3155_host_write (EmuAn3155 *dev, const guint8 *data, gsize len, gint64 now)
{
  for (gsize i = 0; i < len && !dev->unplugged; i++)
    {
      RxByte b;
      b.byte = data[i];
      b.baud = dev->baud;
      b.arrive = MAX (now, dev->rx_line_free) + pace_ns (dev);
      dev->rx_line_free = b.arrive;
      g_array_append_val (dev->rx, b);
      dev->stats.bytes_in++;
      dev->stats.line_ns += dev->byte_ns;
      dev->stats.last_baud = dev->baud;
      if (dev->faults.unplug_after != 0 && dev->stats.bytes_in >= dev->faults.unplug_after)
        {
          dev->unplugged = TRUE;
          emu_an3155_log_event (dev, now, "fault unplug after %" G_GUINT64_FORMAT " bytes",
                                dev->stats.bytes_in);
        }
    }
  return !dev->unplugged;
}

static gint64
rx_time (EmuAn3155 *dev)
{
  if (dev->rx_head >= dev->rx->len)
    return NEVER;
  return MAX (g_array_index (dev->rx, RxByte, dev->rx_head).arrive, dev->device_free);
}

gint64
emu_an3155_next_event (EmuAn3155 *dev)
{
  gint64 t = rx_time (dev);

  if (dev->tx_head < dev->tx->len)
    t = MIN (t, g_array_index (dev->tx, TxByte, dev->tx_head).done);
  t = MIN (t, dev->reset_at);
  if (dev->mode == EMU_AN3155_OFF && !dev->nrst_low)
    t = MIN (t, dev->ready_at);
  return t;
}

static void
compact (GArray *array, guint *head)
{
  if (*head > 4096 && *head * 2 > array->len)
    {
      g_array_remove_range (array, 0, *head);
      *head = 0;
    }
}

void
emu_an3155_advance (EmuAn3155 *dev, gint64 now, GByteArray *out)
{
  for (;;)
    {
      gint64 t_rx = rx_time (dev);
      gint64 t_tx =
          dev->tx_head < dev->tx->len ? g_array_index (dev->tx, TxByte, dev->tx_head).done : NEVER;
      gint64 t_ready = dev->mode == EMU_AN3155_OFF && !dev->nrst_low ? dev->ready_at : NEVER;
      gint64 t = MIN (MIN (t_rx, t_tx), MIN (dev->reset_at, t_ready));

      if (t > now || t == NEVER)
        break;
      if (t == t_tx)
        {
          g_byte_array_append (out, &g_array_index (dev->tx, TxByte, dev->tx_head).byte, 1);
          dev->tx_head++;
          dev->stats.bytes_out++;
          dev->stats.line_ns += dev->byte_ns;
        }
      else if (t == dev->reset_at)
        system_reset (dev, t, "system reset by the bootloader");
      else if (t == t_ready)
        update_mode (dev, t);
      else
        {
          RxByte b = g_array_index (dev->rx, RxByte, dev->rx_head++);
          /* Waited in RDR while the ROM was busy: whatever else arrived
           * meanwhile overran it (no FIFO on F1/F4 USARTs). */
          while (b.arrive < dev->device_free && dev->rx_head < dev->rx->len &&
                 g_array_index (dev->rx, RxByte, dev->rx_head).arrive < dev->device_free)
            {
              if (dev->stats.overruns++ == 0)
                emu_an3155_log_event (dev, t, "overrun: byte arrived while the ROM was busy");
              dev->rx_head++;
            }
          process_byte (dev, &b, t);
        }
    }
  compact (dev->rx, &dev->rx_head);
  compact (dev->tx, &dev->tx_head);
}

EmuAn3155Mode
emu_an3155_get_mode (EmuAn3155 *dev)
{
  return dev->mode;
}

const char *
emu_an3155_describe_mode (EmuAn3155 *dev)
{
  if (dev->mode != EMU_AN3155_OFF)
    return emu_an3155_mode_to_string (dev->mode);
  if (dev->nrst_low)
    return "held in reset";
  return dev->boot_to_bootloader ? "starting the bootloader" : "starting the application";
}

gboolean
emu_an3155_rdp_active (EmuAn3155 *dev)
{
  return dev->rdp;
}

guint32
emu_an3155_wrp_mask (EmuAn3155 *dev)
{
  return dev->wrp;
}

EmuMemory *
emu_an3155_get_flash (EmuAn3155 *dev)
{
  return dev->flash;
}

const EmuAn3155Stats *
emu_an3155_get_stats (EmuAn3155 *dev)
{
  return &dev->stats;
}

double
emu_an3155_device_min_ms (EmuAn3155 *dev)
{
  const EmuAn3155Stats *s = &dev->stats;
  return (s->line_ns + s->erase_ns + s->program_ns + s->compute_ns) / 1e6;
}
