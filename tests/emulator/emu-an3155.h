/* SPDX-License-Identifier: GPL-3.0-or-later */
/* An emulated STM32 ROM bootloader speaking AN3155 on USART1, as a
 * discrete-event model: the host's bytes go in with the time they were
 * written, the model puts them on the line at the client's baud rate,
 * runs the bootloader's state machine on each byte when it has fully
 * arrived, and hands back reply bytes when they have fully left the chip.
 * No pty here: boot0-uart-emulator.c is the glue, test-emulator-uart-model.c
 * drives it with a fake clock. Profiles are data (emu-an3155.c). */
#pragma once

#include <glib.h>

#include "emu-flash.h"
#include "emu-profiles.h"

G_BEGIN_DECLS

#define EMU_AN3155_ACK  0x79
#define EMU_AN3155_NACK 0x1F
#define EMU_AN3155_SYNC 0x7F

/* A readable area of the chip besides the main flash. */
typedef enum
{
  EMU_AREA_SYSTEM,       /* ROM and device signature: read only */
  EMU_AREA_OTP,          /* one-time programmable: NOR program, never erased */
  EMU_AREA_OPTION_BYTES, /* written as given, then the chip resets */
  EMU_AREA_RAM,          /* plain read/write; the bootloader's part is not writable */
} EmuAreaKind;

typedef struct
{
  const char *name;
  EmuAreaKind kind;
  guint32 base;
  guint32 size;
} EmuArea;

#define EMU_AN3155_MAX_AREAS 6

typedef struct
{
  const char *name;
  const char *description;
  guint16 device_id;      /* Get ID (AN2606 / PROTOCOLS.md §f) */
  guint8 version;         /* Get / Get Version: 0x22 = v2.2 */
  const guint8 *commands; /* Get reply (without 0xA1, which --checksum adds) */
  gsize n_commands;
  guint8 option1, option2;  /* Get Version's two option bytes */
  const char *flash_layout; /* emulator layout string (emu-profiles.h grammar) */
  EmuArea areas[EMU_AN3155_MAX_AREAS];
  guint32 ram_writable_from; /* below this the RAM belongs to the bootloader */
  guint32 flash_size_reg;    /* address of the 16-bit flash size in KiB */
  guint32 uid_reg;           /* address of the 96-bit unique ID */
  const guint8 *uid;         /* 12 bytes */

  /* Option bytes: RDP byte and its level-0 value, WRP bytes (bits active low) */
  const guint8 *option_bytes; /* defaults, the size of the option-byte area */
  guint rdp_offset;
  guint8 rdp_level0;
  gboolean ob_complements; /* F1: every odd byte is the complement of the one before */
  guint8 wrp_offsets[4];
  guint n_wrp_codes;              /* Write Protect sector codes 0..n-1 */
  guint pages_per_wrp_code;       /* flash pages (sectors) one code protects */
  gboolean unprotect_restores_ob; /* readout unprotect rewrites the default option bytes */

  /* Flash behaviour and timing (datasheet figures, see README.md) */
  guint32 program_unit;          /* bytes programmed at once */
  guint32 program_unit_ns;       /* time per unit */
  gboolean and_on_conflict;      /* F4: bits ANDed in, read-back fails; F1: PGERR, unit refused */
  gboolean zero_programs_anyway; /* F1: a unit of zeros is written over anything */
  EmuEraseTime erase_times[4];
  guint32 mass_erase_us;
  gboolean bank_erase; /* Extended Erase 0xFFFE/0xFFFD accepted */
  guint32 startup_us;  /* from reset release to listening for 0x7F */
  guint32 crc_word_ns; /* Get Checksum: CRC unit time per 32-bit word */
  guint32 max_baud;    /* AN3155 autobaud range, above it an event is logged */
} EmuAn3155Profile;

const EmuAn3155Profile *emu_an3155_profile_lookup (const char *name);
const EmuAn3155Profile *const *emu_an3155_profile_list (void);

typedef enum
{
  EMU_AN3155_FAULT_NACK,    /* NACK the Nth command with this opcode */
  EMU_AN3155_FAULT_SILENCE, /* no answer at all to it */
  EMU_AN3155_FAULT_GARBAGE, /* one noise byte before its ACK */
} EmuAn3155FaultKind;

typedef struct
{
  EmuAn3155FaultKind kind;
  guint8 opcode; /* 0x7F = the synchronisation byte */
  guint nth;     /* 1 = the first */
  guint seen;
} EmuAn3155Fault;

typedef struct
{
  GArray *faults;       /* EmuAn3155Fault */
  gboolean rdp;         /* read-out protection active at start */
  guint64 unplug_after; /* 0 = never */
  gboolean bitflip;
  guint32 bitflip_address;
} EmuAn3155Faults;

void emu_an3155_faults_init (EmuAn3155Faults *faults);
void emu_an3155_faults_clear (EmuAn3155Faults *faults);
/* nack=OP[:N], silence=OP[:N], garbage=OP[:N] (OP hex, 0x optional; N from 1),
 * rdp, unplug=BYTES, bitflip=ADDR. */
gboolean emu_an3155_faults_parse (EmuAn3155Faults *faults, const char *spec, GError **error);

/* The noise byte of a garbage fault. */
#define EMU_AN3155_GARBAGE_BYTE 0xF0

typedef enum
{
  EMU_AN3155_OFF,       /* held in reset, or starting up */
  EMU_AN3155_WAIT_SYNC, /* bootloader waiting for 0x7F (autobaud) */
  EMU_AN3155_COMMAND,   /* bootloader synchronised */
  EMU_AN3155_APP,       /* the application runs; input is ignored */
} EmuAn3155Mode;

const char *emu_an3155_mode_to_string (EmuAn3155Mode mode);

typedef struct _EmuAn3155 EmuAn3155;

typedef struct
{
  gboolean timing;     /* FALSE: no line pacing, device operations take no time */
  double time_scale;   /* multiplies device operation times */
  gboolean checksum;   /* offer Get Checksum 0xA1 */
  gboolean boot0_high; /* BOOT0 pin at start: TRUE = bootloader */
  gboolean in_reset;   /* NRST held low at start */
  gboolean verbose;    /* protocol log on stderr */
} EmuAn3155Options;

/* flash_path: the --flash file (NULL: in memory). */
EmuAn3155 *emu_an3155_new (const EmuAn3155Profile *profile, const char *flash_path,
                           const EmuAn3155Options *options, const EmuAn3155Faults *faults,
                           GError **error);
void emu_an3155_free (EmuAn3155 *dev);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EmuAn3155, emu_an3155_free)

/* The line as the client set it up; bits_per_byte is 11 for 8E1, 10 for 8N1.
 * Applies to bytes written and sent from now on. */
void emu_an3155_set_line (EmuAn3155 *dev, guint baud, guint bits_per_byte);

/* The host wrote these bytes at now (ns since the emulator started). Returns
 * FALSE when the unplug fault fired (the adapter is gone: close the port). */
gboolean emu_an3155_host_write (EmuAn3155 *dev, const guint8 *data, gsize len, gint64 now);
/* Runs the model up to now and appends the bytes that have fully reached
 * the host by then to out. */
void emu_an3155_advance (EmuAn3155 *dev, gint64 now, GByteArray *out);
/* When something happens next (G_MAXINT64: nothing pending). */
gint64 emu_an3155_next_event (EmuAn3155 *dev);

/* Pins driven by the adapter's lines (through the wiring), at now. NRST low
 * holds the chip in reset; on release it boots the bootloader if BOOT0 is
 * high, else the application. */
void emu_an3155_set_pins (EmuAn3155 *dev, gboolean nrst_low, gboolean boot0_high, gint64 now);

/* A note for the events list (line changes, client actions). */
void emu_an3155_log_event (EmuAn3155 *dev, gint64 now, const char *format, ...)
    G_GNUC_PRINTF (3, 4);

EmuAn3155Mode emu_an3155_get_mode (EmuAn3155 *dev);
/* The mode, or what the chip is starting up into. */
const char *emu_an3155_describe_mode (EmuAn3155 *dev);
gboolean emu_an3155_rdp_active (EmuAn3155 *dev);
guint32 emu_an3155_wrp_mask (EmuAn3155 *dev);
EmuMemory *emu_an3155_get_flash (EmuAn3155 *dev);
/* The area (or flash) holding address, for reading it directly in tests. */
gboolean emu_an3155_peek (EmuAn3155 *dev, guint32 address, guint8 *buf, guint32 len);

typedef struct
{
  guint64 bytes_in;  /* received from the host (incl. dropped ones) */
  guint64 bytes_out; /* sent to the host */
  guint syncs;
  guint resets;
  guint overruns;        /* bytes lost: arrived while the ROM was busy and RDR full */
  guint dropped;         /* bytes that arrived in reset, in the application, before sync */
  guint baud_mismatches; /* bytes at a baud other than the one autobaud measured */
  gboolean app_started;
  guint32 app_address;
  gint erase_opcode; /* last erase command used, -1 none */
  GArray *commands;  /* guint8 opcodes with a valid complement, in order */
  GPtrArray *events; /* "12.345 ms: what" */
  guint sync_baud;   /* the baud autobaud measured (0 before) */
  guint last_baud;   /* the client's baud when it last wrote */
  guint bits_per_byte;
  double line_ns;  /* line time of every byte in and out (unscaled, also without timing) */
  double erase_ns; /* modelled device times, unscaled */
  double program_ns;
  double compute_ns;
  guint64 bytes_programmed;
  guint sectors_erased;
  guint mass_erases;
} EmuAn3155Stats;

const EmuAn3155Stats *emu_an3155_get_stats (EmuAn3155 *dev);
/* device_min_ms: line time + erase + program + CRC time: no host is faster. */
double emu_an3155_device_min_ms (EmuAn3155 *dev);

/* STM32 CRC unit (poly 0x04C11DB7, init 0xFFFFFFFF, 32-bit little-endian
 * words MSB first, no final XOR); len a multiple of 4. */
guint32 emu_an3155_crc (guint32 crc, const guint8 *data, gsize len);

G_END_DECLS
