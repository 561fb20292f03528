/* SPDX-License-Identifier: GPL-3.0-or-later */
/* An STM32 ROM bootloader on a serial port, spoken to with the AN3155
 * USART protocol (PROTOCOLS.md §e). The flash layout comes from the chip
 * database via Get ID. */
#pragma once

#include "boot0-chip-db.h"
#include "boot0-device.h"
#include "boot0-serial-port.h"
#include "boot0-uart-entry.h"

G_BEGIN_DECLS

#define BOOT0_UART_DEFAULT_BAUD 115200

#define BOOT0_TYPE_UART_DEVICE (boot0_uart_device_get_type ())
G_DECLARE_FINAL_TYPE (Boot0UartDevice, boot0_uart_device, BOOT0, UART_DEVICE, Boot0Device)

/* Describes the device on port_name; nothing is opened yet. entry may be
 * NULL (no line is touched). The path is the port name; the label is the
 * port until boot0_device_open() has identified the chip.
 *
 * Opening plays the entry sequence, synchronises (0x7F), asks Get, Get
 * Version and Get ID, looks the ID up in chip_db (an unknown ID gives a
 * device with no flash memory, so plans are refused), reads the part's
 * flash-size register where the database names it and probes read
 * protection with one Read Memory. Transfers are 256 bytes. Writes that do
 * not end on a 4-byte boundary are padded with 0xFF, except that a full
 * 256-byte write keeps its last partial word back until the next call, so
 * contiguous writes from an unaligned start never program a word twice. */
Boot0UartDevice *boot0_uart_device_new (const char *port_name, guint baud, Boot0Parity parity,
                                        Boot0UartEntry *entry, Boot0ChipDb *chip_db);

const char *boot0_uart_device_get_port_name (Boot0UartDevice *self);
/* The entry/exit sequence given to new(), or NULL. */
Boot0UartEntry *boot0_uart_device_get_entry (Boot0UartDevice *self);
guint boot0_uart_device_get_baud (Boot0UartDevice *self);
Boot0Parity boot0_uart_device_get_parity (Boot0UartDevice *self);

/* Valid once opened: the Get answers. */
guint8 boot0_uart_device_get_version (Boot0UartDevice *self); /* 0x31 = v3.1 */
GBytes *boot0_uart_device_get_commands (Boot0UartDevice *self);
gboolean boot0_uart_device_has_command (Boot0UartDevice *self, guint8 opcode);
guint16 boot0_uart_device_get_device_id (Boot0UartDevice *self);
/* The erase command the command list offers: 0x44 (Extended Erase), 0x43
 * (Erase, bootloaders before v3.0) or 0 (none). */
guint8 boot0_uart_device_get_erase_opcode (Boot0UartDevice *self);
/* The two option bytes Get Version & Read Protection returned. */
void boot0_uart_device_get_option_bytes (Boot0UartDevice *self, guint8 *option1, guint8 *option2);

/* TRUE when run() ends with the exit sequence: the chip is reset with BOOT0
 * low and starts its application by itself, so no jumper needs moving. */
gboolean boot0_uart_device_exits_by_sequence (Boot0UartDevice *self);

/* The protection commands; each only when asked for explicitly. Write
 * (un)protect and readout (un)protect reset the chip: the device is
 * closed afterwards and must be opened again (its entry sequence is
 * replayed). sectors are page/sector numbers as Write Protect takes them. */
gboolean boot0_uart_device_write_protect (Boot0UartDevice *self, const guint16 *sectors,
                                          guint n_sectors, GError **error);
gboolean boot0_uart_device_write_unprotect (Boot0UartDevice *self, GError **error);
gboolean boot0_uart_device_readout_protect (Boot0UartDevice *self, GError **error);

G_END_DECLS
