/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Entry and exit sequences on a serial adapter's control lines: how a
 * USB-serial bridge wired to NRST and BOOT0 puts the target into its ROM
 * bootloader and back (stm32flash's -i, extended with explicit delays).
 *
 * Grammar: SEQUENCE = ENTRY [ ":" EXIT ]; each is a list of steps separated
 * by "," (then 100 ms pass, as in stm32flash) or "&" (at once). A step is
 * "rts", "dtr" or "brk" (assert), the same with "-" (release), a delay
 * "NNNms" (at most 60000), or nothing (",," waits 100 ms more, as in
 * stm32flash). Case and spaces around steps do not matter. A preset name
 * (boot0_uart_entry_get_presets) may stand for the whole sequence; "none"
 * (or "") touches no line.
 *
 * Levels: asserting a line sets its TIOCM bit (stm32flash's "high" GPIO
 * level); the adapter's TTL output then goes LOW, since RS-232 and TTL
 * bridges (FT232, CP210x, CH340, PL2303) drive DTR#/RTS# active low.
 * Releasing the line drives the pin HIGH. "brk" holds TX low (a BREAK)
 * until "-brk"; a break still on at the end of a sequence is ended there.
 * Opening a port on Linux or macOS already asserts DTR and RTS.
 *
 * Presets (pins wired directly, adapter pin -> chip pin):
 *   none                 touch no line (BOOT0 by jumper or button).
 *   dtr-reset-rts-boot0  DTR -> NRST, RTS -> BOOT0.
 *                        entry "-rts&dtr,-dtr,": RTS released (BOOT0
 *                        high) while DTR asserted (NRST low), 100 ms,
 *                        DTR released (NRST high: the ROM starts), 100 ms.
 *                        exit "rts&dtr,-dtr": RTS asserted (BOOT0 low),
 *                        DTR asserted (reset), 100 ms, DTR released: the
 *                        application starts.
 *   rts-reset-dtr-boot0  the mirror: RTS -> NRST, DTR -> BOOT0.
 *                        entry "-dtr&rts,-rts,", exit "dtr&rts,-rts".
 *   dtr-reset            DTR -> NRST only, BOOT0 held high by a jumper:
 *                        entry "dtr,-dtr," (a reset pulse); no exit.
 *   rts-reset            RTS -> NRST only: entry "rts,-rts,"; no exit. */
#pragma once

#include "boot0-serial-port.h"

G_BEGIN_DECLS

/* The longest delay step, so a typo cannot hang a job for hours. */
#define BOOT0_UART_ENTRY_MAX_DELAY_MS 60000

typedef struct
{
  const char *name;        /* "dtr-reset-rts-boot0" */
  const char *sequence;    /* what it stands for, in the grammar above */
  const char *description; /* one line on the wiring, translatable (N_) */
} Boot0UartEntryPreset;

/* The presets, terminated by an entry with name NULL. */
const Boot0UartEntryPreset *boot0_uart_entry_get_presets (void);

typedef struct _Boot0UartEntry Boot0UartEntry;

#define BOOT0_TYPE_UART_ENTRY (boot0_uart_entry_get_type ())
GType boot0_uart_entry_get_type (void) G_GNUC_CONST;

/* Parses a sequence or preset name; INVALID_ARGUMENT names the bad step. */
Boot0UartEntry *boot0_uart_entry_parse (const char *text, GError **error);
Boot0UartEntry *boot0_uart_entry_ref (Boot0UartEntry *self);
void boot0_uart_entry_unref (Boot0UartEntry *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Boot0UartEntry, boot0_uart_entry_unref)

/* The text it was parsed from, expanded if it was a preset. */
const char *boot0_uart_entry_to_string (Boot0UartEntry *self);
/* The preset it was parsed from, or NULL. */
const char *boot0_uart_entry_get_preset_name (Boot0UartEntry *self);
gboolean boot0_uart_entry_has_entry (Boot0UartEntry *self);
gboolean boot0_uart_entry_has_exit (Boot0UartEntry *self);
/* How long the entry (exit) steps wait in total, in milliseconds. */
guint boot0_uart_entry_get_entry_duration (Boot0UartEntry *self);
guint boot0_uart_entry_get_exit_duration (Boot0UartEntry *self);
/* The steps in a canonical form, one per action: "-rts dtr 100ms -dtr
 * 100ms" (for logs and tests). */
char *boot0_uart_entry_describe_entry (Boot0UartEntry *self);
char *boot0_uart_entry_describe_exit (Boot0UartEntry *self);

/* Plays the entry (or exit) steps on port; does nothing if there are none.
 * Cancellable between steps and during delays. */
gboolean boot0_uart_entry_run_entry (Boot0UartEntry *self, Boot0SerialPort *port,
                                     GCancellable *cancellable, GError **error);
gboolean boot0_uart_entry_run_exit (Boot0UartEntry *self, Boot0SerialPort *port,
                                    GCancellable *cancellable, GError **error);

G_END_DECLS
