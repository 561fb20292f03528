/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Profiles of the emulated DfuSe bootloaders: every fact about a device is data here. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define EMU_MAX_ALTS 8

/* What backs an alternate setting's address range. */
typedef enum
{
  EMU_MEM_FLASH,        /* NOR flash: erase sets 0xFF, program clears bits; lives in --flash FILE */
  EMU_MEM_OPTION_BYTES, /* rewritten as a whole, no erase needed; holds the RDP byte */
  EMU_MEM_OTP,          /* one-time programmable: program clears bits, never erased */
  EMU_MEM_RAM,          /* plain read/write (the F2/F4 "Device Feature" word) */
} EmuMemKind;

/* How the device treats a GETSTATUS that arrives before a flash operation ends. */
typedef enum
{
  EMU_BUSY_HOLD,  /* ST class code: the operation runs in the USB interrupt, requests are NAKed */
  EMU_BUSY_STALL, /* STM32L4 ROM quirk: the early GETSTATUS is STALLed, the state is kept */
  EMU_BUSY_REPLY, /* answers dfuDNBUSY until done (the --fault busy model) */
} EmuBusyMode;

/* What a DfuSe erase command (0x41 + address) erases. */
typedef enum
{
  EMU_ERASE_SECTOR,   /* the sector/page that contains the address (AN3156) */
  EMU_ERASE_APP_AREA, /* the whole application area, address ignored (CubeMX usbd_dfu_if.c) */
} EmuEraseScope;

/* Erase duration of one sector of a given size, in µs (datasheet typical). */
typedef struct
{
  guint32 sector_size;
  guint32 us;
} EmuEraseTime;

typedef struct
{
  const char *name;
  const char *description;

  /* USB identity (device descriptor and strings) */
  guint16 vid;
  guint16 pid;
  guint16 bcd_device;
  guint8 max_packet0;
  guint8 config_attributes; /* bmAttributes of the configuration */
  guint8 max_power;         /* bMaxPower, 2 mA units */
  const char *manufacturer;
  const char *product;
  const char *serial;    /* default serial; further devices get distinct ones */
  gboolean serial_fixed; /* the ROM reports one constant serial for every chip */
  guint8 first_alt_string_index;

  /* Alternate settings: DfuSe layout strings and what backs them */
  const char *alts[EMU_MAX_ALTS];
  EmuMemKind alt_kinds[EMU_MAX_ALTS];

  /* DFU functional descriptor (DFU 1.1 §4.1.3) */
  guint8 dfu_attributes;
  guint16 detach_timeout;
  guint16 transfer_size;
  guint16 bcd_dfu;

  /* DfuSe behaviour */
  const guint8 *get_commands; /* UPLOAD block 0 reply (AN3156 §4.1) */
  gsize n_get_commands;
  guint32 initial_pointer; /* address pointer after reset */
  guint8 initial_state;    /* bState after reset (F2/F4/F7 ROMs come up in dfuERROR) */
  guint8 initial_status;
  gboolean mass_erase;     /* 0x41 without address is a mass erase; else ignored */
  gboolean read_unprotect; /* 0x92 supported; else ignored */
  gboolean
      clrstatus_stalls; /* CLRSTATUS outside dfuERROR: STALL (DFU 1.1) vs errUNKNOWN (ST class) */
  gboolean leave_via_busy; /* leave: first GETSTATUS says dfuDNBUSY, then dfuMANIFEST */
  EmuEraseScope erase_scope;
  gboolean erase_sets_pointer; /* ST class code: 0x41 ADDR also loads the address pointer */
  guint32 app_base;            /* start of the application area (EMU_ERASE_APP_AREA) */
  EmuBusyMode busy_mode;       /* while programming or running other commands */
  EmuBusyMode erase_busy_mode; /* while erasing */
  guint8 not_erased_status;    /* status when programming a cell that is not erased */
  gboolean not_erased_and;     /* the chip ANDs the data in anyway (F4) vs refuses (L4, H7) */
  const guint8 *option_bytes;  /* default option bytes (EMU_MEM_OPTION_BYTES) */
  gsize n_option_bytes;
  guint rdp_offset; /* offset of the RDP byte in the option bytes */

  /* Needed durations (datasheet typical values) */
  guint32 program_unit;    /* bytes programmed at once (4 = word on F4) */
  guint32 program_unit_us; /* µs per unit */
  EmuEraseTime erase_times[4];
  guint32 mass_erase_us;
  guint32 reset_us; /* from disconnect to re-enumeration after read unprotect */

  /* Reported bwPollTimeout, ms (what the device says in GETSTATUS) */
  guint32 report_erase_ms;
  guint32 report_mass_erase_ms;
  guint32 report_program_ms; /* data blocks */
  guint32 report_command_ms; /* set address pointer, other commands */
  guint32 report_leave_ms;
  guint32 report_unprotect_ms;
} EmuProfile;

const EmuProfile *emu_profile_lookup (const char *name);
const EmuProfile *const *emu_profile_list (void);
guint emu_profile_n_alts (const EmuProfile *profile);
guint32 emu_profile_erase_us (const EmuProfile *profile, guint32 sector_size);

/* One segment of a DfuSe layout string: COUNT*SIZE with a caps mask
 * (bit0 readable, bit1 erasable, bit2 writable). */
typedef struct
{
  guint32 count;
  guint32 size;
  guint8 caps;
} EmuLayoutSegment;

typedef struct
{
  char *name;
  guint32 base;
  GArray *segments; /* EmuLayoutSegment */
} EmuLayout;

/* Parses the emulator's own layout strings (single zone; AN3156 grammar). */
EmuLayout *emu_layout_parse (const char *alt, GError **error);
void emu_layout_free (EmuLayout *layout);
guint32 emu_layout_size (const EmuLayout *layout);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EmuLayout, emu_layout_free)

G_END_DECLS
