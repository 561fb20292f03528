/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Memories of an emulated STM32: NOR flash in a mapped file, option bytes, OTP, RAM. */
#pragma once

#include <glib.h>

#include "emu-profiles.h"

G_BEGIN_DECLS

typedef struct
{
  guint32 address;
  guint32 size;
  guint8 caps; /* DfuSe layout caps: bit0 readable, bit1 erasable, bit2 writable */
} EmuSector;

#define EMU_CAP_READ  0x01
#define EMU_CAP_ERASE 0x02
#define EMU_CAP_WRITE 0x04

typedef struct
{
  char *name;
  EmuMemKind kind;
  guint32 base;
  guint32 size;
  guint8 *data;
  gboolean mapped; /* data is a shared mapping of path */
  char *path;
  GArray *sectors; /* EmuSector, ascending and contiguous from base */
} EmuMemory;

typedef enum
{
  EMU_PROGRAM_OK,
  EMU_PROGRAM_NOT_ERASED, /* a unit needed a 0 -> 1 transition (or was not blank) */
} EmuProgramResult;

/* A memory shaped by a DfuSe layout string. With path (flash only) the
 * contents live in that file, created erased if missing; otherwise in RAM,
 * initialised from init (the rest erased). */
EmuMemory *emu_memory_new (const char *layout, EmuMemKind kind, const char *path,
                           const guint8 *init, gsize init_len, GError **error);
void emu_memory_free (EmuMemory *mem);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EmuMemory, emu_memory_free)

gboolean emu_memory_contains (const EmuMemory *mem, guint32 address, guint32 len);
/* The sector holding address, or NULL. */
const EmuSector *emu_memory_find_sector (const EmuMemory *mem, guint32 address);
/* Ors the caps of every sector touching [address, address + len). */
guint8 emu_memory_caps_all (const EmuMemory *mem, guint32 address, guint32 len);

void emu_memory_read (const EmuMemory *mem, guint32 address, guint8 *buf, guint32 len);
/* Sets [address, address + len) to 0xFF. */
void emu_memory_erase (EmuMemory *mem, guint32 address, guint32 len);
/* Overwrites bytes as they are (option bytes, RAM). */
void emu_memory_write (EmuMemory *mem, guint32 address, const guint8 *data, guint32 len);
/* NOR programming in units of `unit` bytes (partial units padded with 0xFF).
 * and_on_conflict: the chip ANDs the bits in and reports the mismatch (F4);
 * else a unit that is not blank is refused untouched (L4 PROGERR, F0 PGERR).
 * Stops at the first failing unit; *bad_address receives it. *units gets the
 * number of units programmed (for the timing model). */
EmuProgramResult emu_memory_program (EmuMemory *mem, guint32 address, const guint8 *data,
                                     guint32 len, guint32 unit, gboolean and_on_conflict,
                                     guint32 *bad_address, guint32 *units);
void emu_memory_sync (EmuMemory *mem);

G_END_DECLS
