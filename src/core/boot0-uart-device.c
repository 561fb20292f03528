/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The STM32 ROM bootloader over USART: AN3155 (PROTOCOLS.md §e) on a
 * Boot0SerialPort, behind the Boot0Device operations. Blocking; one caller
 * thread at a time. */
#include "config.h"

#include <string.h>

#include "boot0-error.h"
#include "boot0-uart-device.h"

/* AN3155 §2: answers and the synchronisation byte. */
#define ACK       0x79
#define NACK      0x1F
#define SYNC_BYTE 0x7F

/* AN3155 §3, the table of PROTOCOLS.md §e. */
enum
{
  CMD_GET = 0x00,
  CMD_GET_VERSION = 0x01,
  CMD_GET_ID = 0x02,
  CMD_READ_MEMORY = 0x11,
  CMD_GO = 0x21,
  CMD_WRITE_MEMORY = 0x31,
  CMD_ERASE = 0x43,
  CMD_EXTENDED_ERASE = 0x44,
  CMD_WRITE_PROTECT = 0x63,
  CMD_WRITE_UNPROTECT = 0x73,
  CMD_READOUT_PROTECT = 0x82,
  CMD_READOUT_UNPROTECT = 0x92,
  CMD_GET_CHECKSUM = 0xA1,
};

/* Read Memory and Write Memory move at most 256 bytes (AN3155 §3.4, §3.6). */
#define BLOCK_SIZE 256
/* Timeouts as stm32flash uses them (PROTOCOLS.md §e); the line time of the
 * bytes that cross is added to each. */
#define ANSWER_TIMEOUT_MS      1000
#define BLOCK_WRITE_TIMEOUT_MS 1000
#define PAGE_ERASE_TIMEOUT_MS  5000
#define MASS_ERASE_TIMEOUT_MS  35000
#define PROTECT_TIMEOUT_MS     1000
/* The ROM's CRC unit is fast; allow a millisecond per KiB on top. */
#define CHECKSUM_TIMEOUT_MS 1000
/* A synchronised ROM takes a lone 0x7F as half a command and says nothing
 * until the next byte, so a silent attempt is normal: try again. The wait is
 * generous: a ROM answers within a byte time, but a slow link (or
 * emulator) whose ACK came after the retry would leave that 0x7F as half a
 * command and desynchronise everything after it. */
#define SYNC_ATTEMPTS   4
#define SYNC_TIMEOUT_MS 500
/* Bytes that are neither ACK nor NACK skipped while waiting for one. */
#define MAX_NOISE 64
/* Pages in one Extended Erase when a mass erase is refused (stm32flash
 * splits at 512 for the L1). */
#define MAX_PAGES_PER_ERASE 512

struct _Boot0UartDevice
{
  Boot0Device parent_instance;

  char *port_name;
  guint baud;
  Boot0Parity parity;
  Boot0UartEntry *entry;
  Boot0ChipDb *chip_db;

  Boot0SerialPort *port; /* NULL when closed */
  gboolean left;         /* Go was sent: the ROM no longer listens */
  guint8 version;
  guint8 option1;
  guint8 option2;
  GBytes *commands;
  guint16 device_id;

  /* The last word of a full write that ended inside it (see the header). */
  gboolean pending;
  guint32 pending_address;
  guint8 pending_bytes[4];
};

G_DEFINE_FINAL_TYPE (Boot0UartDevice, boot0_uart_device, BOOT0_TYPE_DEVICE)

static const char *
command_name (guint8 opcode)
{
  switch (opcode)
    {
      case CMD_GET:
        return "Get";
      case CMD_GET_VERSION:
        return "Get Version";
      case CMD_GET_ID:
        return "Get ID";
      case CMD_READ_MEMORY:
        return "Read Memory";
      case CMD_GO:
        return "Go";
      case CMD_WRITE_MEMORY:
        return "Write Memory";
      case CMD_ERASE:
        return "Erase";
      case CMD_EXTENDED_ERASE:
        return "Extended Erase";
      case CMD_WRITE_PROTECT:
        return "Write Protect";
      case CMD_WRITE_UNPROTECT:
        return "Write Unprotect";
      case CMD_READOUT_PROTECT:
        return "Readout Protect";
      case CMD_READOUT_UNPROTECT:
        return "Readout Unprotect";
      case CMD_GET_CHECKSUM:
        return "Get Checksum";
      default:
        return "command";
    }
}

/* Line time of n bytes, in milliseconds, rounded up. */
static guint
line_ms (Boot0UartDevice *self, gsize n)
{
  return (guint)(((guint64)boot0_serial_port_get_char_time_us (self->port) * n + 999) / 1000);
}

static void
encode_u32 (guint8 out[5], guint32 value)
{
  /* AN3155 §3.4: four bytes MSB first, then their XOR. */
  out[0] = (guint8)(value >> 24);
  out[1] = (guint8)(value >> 16);
  out[2] = (guint8)(value >> 8);
  out[3] = (guint8)value;
  out[4] = out[0] ^ out[1] ^ out[2] ^ out[3];
}

static guint8
xor_of (const guint8 *data, gsize len)
{
  guint8 x = 0;
  for (gsize i = 0; i < len; i++)
    x ^= data[i];
  return x;
}

static gboolean
send (Boot0UartDevice *self, const guint8 *data, gsize len, GError **error)
{
  return boot0_serial_port_write (self->port, data, len, ANSWER_TIMEOUT_MS + line_ms (self, len),
                                  error);
}

/* Waits for ACK (*nacked FALSE) or NACK (*nacked TRUE). Bytes that are
 * neither are skipped: a line glitch must not wreck a long job. what
 * ("to Write Memory at 0x08000000") goes into the messages. */
static gboolean
wait_answer (Boot0UartDevice *self, guint timeout_ms, gboolean *nacked, const char *what,
             GError **error)
{
  gint64 deadline = g_get_monotonic_time () + (gint64)timeout_ms * 1000;
  guint noise = 0;
  guint8 last = 0;

  for (;;)
    {
      g_autoptr (GError) local_error = NULL;
      gint64 left_us = deadline - g_get_monotonic_time ();
      guint8 byte = 0;
      gsize n = 0;

      if (!boot0_serial_port_read_some (self->port, &byte, 1,
                                        left_us > 0 ? (guint)((left_us + 999) / 1000) : 0, &n,
                                        &local_error))
        {
          if (!g_error_matches (local_error, BOOT0_ERROR, BOOT0_ERROR_TIMED_OUT))
            {
              g_propagate_error (error, g_steal_pointer (&local_error));
              return FALSE;
            }
          /* Still a timeout (retried by the synchronisation): a glitch
           * byte at reset must not end it. */
          if (noise > 0)
            g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_TIMED_OUT,
                         "the bootloader sent %u unexpected byte(s) (last 0x%02X) and no ACK %s "
                         "within %u ms: check the baud rate and parity, then reset the board "
                         "into the bootloader and try again",
                         noise, last, what, timeout_ms);
          else
            g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_TIMED_OUT,
                         "no answer from the bootloader %s within %u ms: reset the board into "
                         "the bootloader and try again",
                         what, timeout_ms);
          return FALSE;
        }
      if (byte == ACK || byte == NACK)
        {
          *nacked = byte == NACK;
          return TRUE;
        }
      g_debug ("%s: skipped 0x%02X while waiting for ACK %s", self->port_name, byte, what);
      last = byte;
      if (++noise > MAX_NOISE)
        {
          g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_PROTOCOL,
                       "the bootloader answered %s with %u bytes that are neither ACK nor NACK "
                       "(last 0x%02X): wrong baud rate or parity, or the board runs its "
                       "application; reset it into the bootloader",
                       what, noise, last);
          return FALSE;
        }
    }
}

/* Sends data, then waits timeout_ms (plus the line time) for the answer. */
static gboolean
send_and_wait (Boot0UartDevice *self, const guint8 *data, gsize len, guint timeout_ms,
               gboolean *nacked, const char *what, GError **error)
{
  return send (self, data, len, error) &&
         wait_answer (self, timeout_ms + line_ms (self, len + 1), nacked, what, error);
}

/* AN3155 §2: a command is its code and the code's complement. */
static gboolean
command (Boot0UartDevice *self, guint8 opcode, gboolean *nacked, GError **error)
{
  guint8 buf[2] = { opcode, (guint8)(opcode ^ 0xFF) };
  g_autofree char *what = g_strdup_printf ("to %s (0x%02X)", command_name (opcode), opcode);
  return send_and_wait (self, buf, sizeof buf, ANSWER_TIMEOUT_MS, nacked, what, error);
}

static gboolean
has_command (Boot0UartDevice *self, guint8 opcode)
{
  gsize len = 0;
  const guint8 *cmds;

  if (self->commands == NULL)
    return FALSE;
  cmds = g_bytes_get_data (self->commands, &len);
  return memchr (cmds, opcode, len) != NULL;
}

static gboolean
require_command (Boot0UartDevice *self, guint8 opcode, GError **error)
{
  if (has_command (self, opcode))
    return TRUE;
  g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_NOT_SUPPORTED,
               "this bootloader (v%u.%u) does not offer %s (0x%02X)", self->version >> 4,
               self->version & 0xF, command_name (opcode), opcode);
  return FALSE;
}

/* A NACK to the command byte of Read Memory, Write Memory, Erase or Go:
 * the ROM refuses those under read-out protection (AN3155 §3.4-§3.8,
 * PROTOCOLS.md §e). */
static void
set_refused_error (Boot0UartDevice *self, guint8 opcode, const char *doing, GError **error)
{
  if (boot0_device_get_protection (BOOT0_DEVICE (self)) != BOOT0_PROTECTION_NONE)
    g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_READ_PROTECTED,
                 "read protection is active: the bootloader refuses to %s (NACK to %s 0x%02X). "
                 "`boot0-cli unprotect read` removes it, which erases the whole flash",
                 doing, command_name (opcode), opcode);
  else
    g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_DEVICE_ERROR,
                 "the bootloader refused to %s (NACK to %s 0x%02X) though reading worked: if "
                 "read protection was just turned on, `boot0-cli unprotect read` removes it; "
                 "otherwise reset the board into the bootloader and try again",
                 doing, command_name (opcode), opcode);
}

static gboolean
check_listening (Boot0UartDevice *self, GError **error)
{
  if (self->port != NULL && !self->left)
    return TRUE;
  g_set_error_literal (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_ARGUMENT,
                       "the chip left the bootloader (it runs the firmware now): open the device "
                       "again");
  return FALSE;
}

/* Synchronisation ------------------------------------------------------------------ */

/* AN3155 §2: 0x7F lets the ROM measure the baud rate; it answers ACK. A
 * ROM synchronised earlier takes 0x7F as a command byte: the second 0x7F
 * completes a bad command and is NACKed, which also means in sync (the
 * resync trick of stm32flash). */
static gboolean
sync_bootloader (Boot0UartDevice *self, GError **error)
{
  const guint8 byte = SYNC_BYTE;

  for (guint attempt = 0; attempt < SYNC_ATTEMPTS; attempt++)
    {
      g_autoptr (GError) local_error = NULL;
      gboolean nacked = FALSE;

      if (!send (self, &byte, 1, error))
        return FALSE;
      if (wait_answer (self, SYNC_TIMEOUT_MS + line_ms (self, 2), &nacked,
                       "to the synchronisation byte 0x7F", &local_error))
        {
          g_debug ("%s: %s after %u attempt(s)", self->port_name,
                   nacked ? "already synchronised (NACK)" : "synchronised (ACK)", attempt + 1);
          /* Drop a late second answer so it is not taken for the next. */
          return boot0_serial_port_flush_input (self->port, error);
        }
      if (!g_error_matches (local_error, BOOT0_ERROR, BOOT0_ERROR_TIMED_OUT))
        {
          if (g_error_matches (local_error, BOOT0_ERROR, BOOT0_ERROR_PROTOCOL))
            g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_PROTOCOL,
                         "%s answers with data that is not the STM32 bootloader's: the board "
                         "runs its application, or the baud rate or parity is wrong. Put it in "
                         "bootloader mode (BOOT0 high, then reset) or give --entry",
                         self->port_name);
          else
            g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
    }
  g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_TIMED_OUT,
               "no STM32 bootloader answers on %s at %u baud: check the wiring (adapter TX to "
               "the chip's RX, RX to TX, GND), put the board in bootloader mode (BOOT0 high, "
               "then reset) or give the --entry sequence for your adapter's DTR/RTS wiring",
               self->port_name, self->baud);
  return FALSE;
}

/* Identification -------------------------------------------------------------------- */

/* The answer shape Get and Get ID share (AN3155 §3.1, §3.3): N, then N + 1
 * bytes, then ACK. buf holds 256 bytes; *n gets N + 1. */
static gboolean
counted_answer (Boot0UartDevice *self, guint8 opcode, const char *name, guint8 *buf, gsize *n,
                GError **error)
{
  guint8 count = 0;
  gboolean nacked = FALSE;

  if (!command (self, opcode, &nacked, error))
    return FALSE;
  if (nacked)
    {
      /* Neither is ever refused on a healthy link: the ROM fixed its baud
       * rate at the first 0x7F after reset (AN3155 §2) and hears this one
       * garbled. */
      g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_PROTOCOL,
                   "the bootloader refused %s (0x%02X): it is probably still synchronised at "
                   "another baud rate from an earlier connection. Reset the board (BOOT0 high) "
                   "or connect at the same baud rate as before (now %u)",
                   name, opcode, self->baud);
      return FALSE;
    }
  if (!boot0_serial_port_read (self->port, &count, 1, ANSWER_TIMEOUT_MS, error) ||
      !boot0_serial_port_read (self->port, buf, (gsize)count + 1,
                               ANSWER_TIMEOUT_MS + line_ms (self, (gsize)count + 1), error))
    {
      g_prefix_error (error, "reading the %s answer: ", name);
      return FALSE;
    }
  if (!wait_answer (self, ANSWER_TIMEOUT_MS, &nacked, "after the answer", error))
    return FALSE;
  if (nacked)
    {
      g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_PROTOCOL,
                   "the bootloader ended its %s answer with NACK", name);
      return FALSE;
    }
  *n = (gsize)count + 1;
  return TRUE;
}

/* AN3155 §3.1 Get: N, version, N command codes, ACK. */
static gboolean
get_commands (Boot0UartDevice *self, GError **error)
{
  guint8 buf[256];
  gsize n = 0;

  if (!counted_answer (self, CMD_GET, "Get", buf, &n, error))
    return FALSE;
  self->version = buf[0];
  g_clear_pointer (&self->commands, g_bytes_unref);
  self->commands = g_bytes_new (buf + 1, n - 1);
  return TRUE;
}

/* AN3155 §3.2 Get Version & Read Protection Status: version, 2 option
 * bytes, ACK. */
static gboolean
get_version (Boot0UartDevice *self, GError **error)
{
  guint8 buf[3];
  gboolean nacked = FALSE;

  if (!has_command (self, CMD_GET_VERSION))
    return TRUE;
  if (!command (self, CMD_GET_VERSION, &nacked, error))
    return FALSE;
  if (nacked)
    {
      g_set_error_literal (error, BOOT0_ERROR, BOOT0_ERROR_PROTOCOL,
                           "the bootloader refused Get Version (0x01)");
      return FALSE;
    }
  if (!boot0_serial_port_read (self->port, buf, sizeof buf,
                               ANSWER_TIMEOUT_MS + line_ms (self, sizeof buf), error))
    {
      g_prefix_error (error, "reading the Get Version answer: ");
      return FALSE;
    }
  if (!wait_answer (self, ANSWER_TIMEOUT_MS, &nacked, "after the Get Version answer", error))
    return FALSE;
  self->option1 = buf[1];
  self->option2 = buf[2];
  return TRUE;
}

/* AN3155 §3.3 Get ID: N (= 1), PID MSB, PID LSB, ACK. */
static gboolean
get_id (Boot0UartDevice *self, GError **error)
{
  guint8 buf[256];
  gsize n = 0;

  if (!counted_answer (self, CMD_GET_ID, "Get ID", buf, &n, error))
    return FALSE;
  if (n < 2)
    {
      g_set_error_literal (error, BOOT0_ERROR, BOOT0_ERROR_PROTOCOL,
                           "the bootloader's Get ID answer has a single byte, not a product ID");
      return FALSE;
    }
  self->device_id = (guint16)(buf[0] << 8 | buf[1]);
  return TRUE;
}

/* Memory access ------------------------------------------------------------------------ */

typedef enum
{
  REFUSED_NONE,
  REFUSED_COMMAND, /* read protection */
  REFUSED_ADDRESS,
  REFUSED_LENGTH,
} Refusal;

/* The opening the addressed commands share (AN3155 §3.4 Read Memory, §3.5
 * Go, §3.6 Write Memory, Get Checksum): the command, then the address and
 * its XOR, each answered. *refusal tells which a NACK answered; the error
 * is set then, bad_address saying what is wrong with a refused address. */
static gboolean
begin_at_address (Boot0UartDevice *self, guint8 opcode, const char *doing, guint32 address,
                  const char *bad_address, Refusal *refusal, GError **error)
{
  guint8 addr[5];
  g_autofree char *what = g_strdup_printf ("to %s at 0x%08X", command_name (opcode), address);
  gboolean nacked = FALSE;

  *refusal = REFUSED_NONE;
  if (!command (self, opcode, &nacked, error))
    return FALSE;
  if (nacked)
    {
      *refusal = REFUSED_COMMAND;
      set_refused_error (self, opcode, doing, error);
      return FALSE;
    }
  encode_u32 (addr, address);
  if (!send_and_wait (self, addr, sizeof addr, ANSWER_TIMEOUT_MS, &nacked, what, error))
    return FALSE;
  if (nacked)
    {
      *refusal = REFUSED_ADDRESS;
      g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_DEVICE_ERROR,
                   "the bootloader refused to %s at 0x%08X: %s", doing, address, bad_address);
      return FALSE;
    }
  return TRUE;
}

/* AN3155 §3.4 Read Memory: command, address, N-1 and its complement, then
 * N bytes. *refusal tells which part a NACK answered (error set too). */
static gboolean
read_block (Boot0UartDevice *self, guint32 address, guint8 *buf, gsize n, Refusal *refusal,
            GError **error)
{
  guint8 len[2] = { (guint8)(n - 1), (guint8)((n - 1) ^ 0xFF) };
  g_autofree char *what = g_strdup_printf ("to Read Memory at 0x%08X", address);
  gboolean nacked = FALSE;

  g_assert (n >= 1 && n <= BLOCK_SIZE);
  if (!begin_at_address (self, CMD_READ_MEMORY, "read memory", address,
                         "the address is not readable on this chip", refusal, error))
    return FALSE;
  if (!send_and_wait (self, len, sizeof len, ANSWER_TIMEOUT_MS, &nacked, what, error))
    return FALSE;
  if (nacked)
    {
      *refusal = REFUSED_LENGTH;
      g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_DEVICE_ERROR,
                   "the bootloader refused to read %" G_GSIZE_FORMAT
                   " bytes at 0x%08X (past the end of its memory?)",
                   n, address);
      return FALSE;
    }
  if (!boot0_serial_port_read (self->port, buf, n, ANSWER_TIMEOUT_MS + line_ms (self, n), error))
    {
      g_prefix_error (error, "reading %" G_GSIZE_FORMAT " bytes at 0x%08X: ", n, address);
      return FALSE;
    }
  return TRUE;
}

/* AN3155 §3.6 Write Memory: command, address, then N-1, N bytes and the
 * XOR of all, answered once the bytes are programmed. */
static gboolean
write_block (Boot0UartDevice *self, guint32 address, const guint8 *data, gsize n, GError **error)
{
  guint8 frame[BLOCK_SIZE + 2];
  g_autofree char *what = g_strdup_printf ("to Write Memory at 0x%08X", address);
  gboolean nacked = FALSE;
  Refusal refusal;

  g_assert (n >= 4 && n <= BLOCK_SIZE && n % 4 == 0 && address % 4 == 0);
  if (!begin_at_address (self, CMD_WRITE_MEMORY, "write memory", address,
                         "the address is not writable on this chip", &refusal, error))
    return FALSE;
  frame[0] = (guint8)(n - 1);
  memcpy (frame + 1, data, n);
  frame[n + 1] = xor_of (frame, n + 1);
  if (!send_and_wait (self, frame, n + 2, BLOCK_WRITE_TIMEOUT_MS, &nacked, what, error))
    return FALSE;
  if (nacked)
    {
      g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_DEVICE_ERROR,
                   "programming %" G_GSIZE_FORMAT
                   " bytes at 0x%08X failed: the page is write-protected (`boot0-cli unprotect "
                   "write` removes that; the chip resets) or was not erased",
                   n, address);
      return FALSE;
    }
  return TRUE;
}

static gboolean
flush_pending (Boot0UartDevice *self, GError **error)
{
  if (!self->pending)
    return TRUE;
  self->pending = FALSE;
  return write_block (self, self->pending_address, self->pending_bytes, 4, error);
}

static gboolean
boot0_uart_device_read_impl (Boot0Device *device, guint32 address, guint8 *buf, gsize len,
                             GError **error)
{
  Boot0UartDevice *self = BOOT0_UART_DEVICE (device);

  if (!check_listening (self, error) || !flush_pending (self, error))
    return FALSE;
  for (gsize done = 0; done < len;)
    {
      gsize n = MIN ((gsize)BLOCK_SIZE, len - done);
      Refusal refusal;
      if (!read_block (self, address + (guint32)done, buf + done, n, &refusal, error))
        return FALSE;
      done += n;
    }
  return TRUE;
}

static gboolean
boot0_uart_device_write_impl (Boot0Device *device, guint32 address, const guint8 *data, gsize len,
                              GError **error)
{
  Boot0UartDevice *self = BOOT0_UART_DEVICE (device);
  guint32 start = address & ~3u;
  guint64 end = (guint64)address + len;
  guint64 padded_end = (end + 3) & ~(guint64)3;
  /* A full transfer ending inside a word is usually followed by the rest
   * of the word: keep that word back (see the header). */
  gboolean keep_tail = end % 4 != 0 && len == boot0_device_get_transfer_size (device);
  guint64 write_end = keep_tail ? end & ~(guint64)3 : padded_end;
  gsize buf_len = (gsize)(padded_end - start);
  g_autofree guint8 *buf = NULL;

  if (!check_listening (self, error))
    return FALSE;
  if (len == 0)
    return TRUE;
  buf = g_malloc (buf_len);
  /* AN3155 §3.6: whole words only; stm32flash pads with 0xFF, which leaves
   * erased flash as it was. */
  memset (buf, 0xFF, buf_len);
  if (self->pending && self->pending_address == start)
    {
      memcpy (buf, self->pending_bytes, 4);
      self->pending = FALSE;
    }
  else if (!flush_pending (self, error))
    return FALSE;
  memcpy (buf + (address - start), data, len);
  for (guint64 off = 0; start + off < write_end;)
    {
      gsize n = (gsize)MIN ((guint64)BLOCK_SIZE, write_end - start - off);
      if (!write_block (self, start + (guint32)off, buf + off, n, error))
        return FALSE;
      off += n;
    }
  if (keep_tail)
    {
      self->pending = TRUE;
      self->pending_address = (guint32)write_end;
      memcpy (self->pending_bytes, buf + (write_end - start), 4);
    }
  return TRUE;
}

/* Erasing ------------------------------------------------------------------------------------ */

static guint8
erase_opcode (Boot0UartDevice *self)
{
  /* AN3155 §3.7/§3.8: v3.0 and later have Extended Erase, older ones Erase;
   * the command list says which this one has. */
  if (has_command (self, CMD_EXTENDED_ERASE))
    return CMD_EXTENDED_ERASE;
  if (has_command (self, CMD_ERASE))
    return CMD_ERASE;
  return 0;
}

/* Sends the erase command; *opcode gets the one used. */
static gboolean
start_erase (Boot0UartDevice *self, guint8 *opcode, GError **error)
{
  gboolean nacked = FALSE;

  *opcode = erase_opcode (self);
  if (*opcode == 0)
    {
      g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_NOT_SUPPORTED,
                   "this bootloader (v%u.%u) offers neither Erase (0x43) nor Extended Erase "
                   "(0x44)",
                   self->version >> 4, self->version & 0xF);
      return FALSE;
    }
  if (!command (self, *opcode, &nacked, error))
    return FALSE;
  if (nacked)
    {
      set_refused_error (self, *opcode, "erase", error);
      return FALSE;
    }
  return TRUE;
}

/* Erase 0x43: N-1, N one-byte page numbers, XOR; Extended Erase 0x44: N-1
 * and N page numbers as two bytes MSB first, XOR of all. */
static gboolean
erase_pages (Boot0UartDevice *self, const guint *pages, guint n, GError **error)
{
  g_autoptr (GByteArray) frame = g_byte_array_new ();
  g_autofree char *what = NULL;
  gboolean nacked = FALSE;
  guint8 opcode = 0;
  guint8 x;

  g_assert (n >= 1 && n <= MAX_PAGES_PER_ERASE);
  if (erase_opcode (self) == CMD_ERASE)
    {
      for (guint i = 0; i < n; i++)
        if (pages[i] > 0xFF)
          {
            g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_NOT_SUPPORTED,
                         "page %u is beyond what the old Erase command (0x43) can name (0-255)",
                         pages[i]);
            return FALSE;
          }
    }
  if (!start_erase (self, &opcode, error))
    return FALSE;
  if (opcode == CMD_EXTENDED_ERASE)
    {
      guint8 count[2] = { (guint8)((n - 1) >> 8), (guint8)(n - 1) };
      g_byte_array_append (frame, count, 2);
      for (guint i = 0; i < n; i++)
        {
          guint8 page[2] = { (guint8)(pages[i] >> 8), (guint8)pages[i] };
          g_byte_array_append (frame, page, 2);
        }
    }
  else
    {
      guint8 count = (guint8)(n - 1);
      g_byte_array_append (frame, &count, 1);
      for (guint i = 0; i < n; i++)
        {
          guint8 page = (guint8)pages[i];
          g_byte_array_append (frame, &page, 1);
        }
    }
  x = xor_of (frame->data, frame->len);
  g_byte_array_append (frame, &x, 1);
  if (n == 1)
    what = g_strdup_printf ("to %s of page %u", command_name (opcode), pages[0]);
  else
    what = g_strdup_printf ("to %s of pages %u-%u", command_name (opcode), pages[0], pages[n - 1]);
  if (!send_and_wait (self, frame->data, frame->len, PAGE_ERASE_TIMEOUT_MS * n, &nacked, what,
                      error))
    return FALSE;
  if (nacked)
    {
      g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_DEVICE_ERROR,
                   "the bootloader refused to erase page %u%s: it is write-protected "
                   "(`boot0-cli unprotect write` removes that; the chip resets) or does not exist "
                   "on this chip",
                   pages[0], n > 1 ? " and the following" : "");
      return FALSE;
    }
  return TRUE;
}

static gboolean
boot0_uart_device_erase_sector_impl (Boot0Device *device, guint32 address, GError **error)
{
  Boot0UartDevice *self = BOOT0_UART_DEVICE (device);
  Boot0DfuseLayout *flash = boot0_device_get_flash (device);
  guint page = 0;

  if (!check_listening (self, error) || !flush_pending (self, error))
    return FALSE;
  /* The ROM numbers pages (F1) and sectors (F4) from the flash start, as
   * the chip database's layout lists them. */
  if (flash == NULL || !boot0_dfuse_layout_lookup_sector_index (flash, address, &page))
    {
      g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_DOES_NOT_FIT,
                   "0x%08X is not in the flash: only flash pages can be erased", address);
      return FALSE;
    }
  return erase_pages (self, &page, 1, error);
}

/* Every page of the flash, in commands of at most MAX_PAGES_PER_ERASE. */
static gboolean
erase_all_pages (Boot0UartDevice *self, GError **error)
{
  Boot0DfuseLayout *flash = boot0_device_get_flash (BOOT0_DEVICE (self));
  guint total = flash != NULL ? boot0_dfuse_layout_get_n_sectors (flash) : 0;
  guint pages[MAX_PAGES_PER_ERASE];

  for (guint first = 0; first < total; first += MAX_PAGES_PER_ERASE)
    {
      guint n = MIN (total - first, (guint)MAX_PAGES_PER_ERASE);
      for (guint i = 0; i < n; i++)
        pages[i] = first + i;
      if (!erase_pages (self, pages, n, error))
        return FALSE;
    }
  return TRUE;
}

/* Global erase: Erase 0xFF 0x00, Extended Erase 0xFFFF and checksum 0x00. */
static gboolean
boot0_uart_device_mass_erase_impl (Boot0Device *device, GError **error)
{
  Boot0UartDevice *self = BOOT0_UART_DEVICE (device);
  static const guint8 global_erase[2] = { 0xFF, 0x00 };
  static const guint8 extended_mass_erase[3] = { 0xFF, 0xFF, 0x00 };
  gboolean nacked = FALSE;
  guint8 opcode = 0;

  if (!check_listening (self, error) || !flush_pending (self, error) ||
      !start_erase (self, &opcode, error))
    return FALSE;
  if (!send_and_wait (self, opcode == CMD_EXTENDED_ERASE ? extended_mass_erase : global_erase,
                      opcode == CMD_EXTENDED_ERASE ? 3 : 2, MASS_ERASE_TIMEOUT_MS, &nacked,
                      "to the mass erase", error))
    return FALSE;
  if (!nacked)
    return TRUE;
  /* Some parts refuse the global code (stm32flash's F_NO_ME); erasing
   * page by page gets the same result, and names a protected page. */
  g_debug ("%s: mass erase refused, erasing page by page", self->port_name);
  return erase_all_pages (self, error);
}

/* Go, protection, checksum ------------------------------------------------------------------ */

/* AN3155 §3.5 Go: the ROM loads MSP from address and jumps to the reset
 * vector after it. Then the exit sequence (BOOT0 low, reset), if any. */
static gboolean
boot0_uart_device_run_impl (Boot0Device *device, guint32 address, GError **error)
{
  Boot0UartDevice *self = BOOT0_UART_DEVICE (device);
  Refusal refusal;

  if (!check_listening (self, error) || !flush_pending (self, error))
    return FALSE;
  if (!begin_at_address (self, CMD_GO, "start the firmware", address,
                         "it is not an address the ROM jumps to (give the start of the vector "
                         "table in flash or RAM)",
                         &refusal, error))
    {
      /* A bad address is the caller's mistake, not the device's. */
      if (refusal == REFUSED_ADDRESS)
        (*error)->code = BOOT0_ERROR_INVALID_ARGUMENT;
      return FALSE;
    }
  self->left = TRUE;
  if (self->entry != NULL && boot0_uart_entry_has_exit (self->entry))
    return boot0_uart_entry_run_exit (self->entry, self->port, NULL, error);
  return TRUE;
}

/* For the commands after which the chip resets (AN3155 §3.9-§3.12):
 * command, then a second ACK once done. The device closes, since the ROM
 * restarts and needs a new 0x7F. */
static gboolean
protection_command (Boot0UartDevice *self, guint8 opcode, const guint8 *args, gsize n_args,
                    guint timeout_ms, const char *doing, GError **error)
{
  g_autofree char *what = g_strdup_printf ("to %s (0x%02X)", command_name (opcode), opcode);
  gboolean nacked = FALSE;

  if (!check_listening (self, error) || !flush_pending (self, error) ||
      !require_command (self, opcode, error))
    return FALSE;
  if (!command (self, opcode, &nacked, error))
    return FALSE;
  if (nacked)
    {
      g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_DEVICE_ERROR,
                   "the bootloader refused to %s (NACK to %s 0x%02X)", doing, command_name (opcode),
                   opcode);
      return FALSE;
    }
  if (n_args > 0)
    {
      if (!send_and_wait (self, args, n_args, timeout_ms, &nacked, what, error))
        return FALSE;
    }
  else if (!wait_answer (self, timeout_ms, &nacked, what, error))
    return FALSE;
  if (nacked)
    {
      g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_DEVICE_ERROR,
                   "the bootloader could not %s (NACK after %s 0x%02X)", doing,
                   command_name (opcode), opcode);
      return FALSE;
    }
  boot0_device_close (BOOT0_DEVICE (self));
  return TRUE;
}

/* AN3155 §3.12 Readout Unprotect: mass-erases the flash, then resets. */
static gboolean
boot0_uart_device_read_unprotect_impl (Boot0Device *device, GError **error)
{
  Boot0UartDevice *self = BOOT0_UART_DEVICE (device);

  if (!protection_command (self, CMD_READOUT_UNPROTECT, NULL, 0, MASS_ERASE_TIMEOUT_MS,
                           "remove read-out protection", error))
    return FALSE;
  boot0_device_set_protection (device, BOOT0_PROTECTION_NONE);
  return TRUE;
}

/* AN3155 §3.13 Get Checksum (0xA1, newer bootloaders): address, length, then ACK, ACK,
 * CRC (4 bytes MSB first) and its XOR (stm32flash stm32_crc_memory). */
static gboolean
boot0_uart_device_checksum_impl (Boot0Device *device, guint32 address, gsize len, guint32 *crc,
                                 GError **error)
{
  Boot0UartDevice *self = BOOT0_UART_DEVICE (device);
  g_autofree char *what = g_strdup_printf ("to Get Checksum at 0x%08X", address);
  guint8 frame[5];
  guint8 answer[5];
  gboolean nacked = FALSE;
  guint timeout = CHECKSUM_TIMEOUT_MS + (guint)(len / 1024);

  if (!check_listening (self, error) || !flush_pending (self, error))
    return FALSE;
  if (!has_command (self, CMD_GET_CHECKSUM))
    {
      g_set_error_literal (error, BOOT0_ERROR, BOOT0_ERROR_NOT_SUPPORTED,
                           "this bootloader has no Get Checksum command (0xA1)");
      return FALSE;
    }
  if (len > G_MAXUINT32)
    {
      g_set_error_literal (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_ARGUMENT,
                           "a checksum covers at most 4 GiB");
      return FALSE;
    }
  if (!command (self, CMD_GET_CHECKSUM, &nacked, error))
    return FALSE;
  if (nacked)
    {
      set_refused_error (self, CMD_GET_CHECKSUM, "compute a checksum", error);
      return FALSE;
    }
  encode_u32 (frame, address);
  if (!send_and_wait (self, frame, sizeof frame, ANSWER_TIMEOUT_MS, &nacked, what, error))
    return FALSE;
  if (!nacked)
    {
      encode_u32 (frame, (guint32)len);
      if (!send_and_wait (self, frame, sizeof frame, ANSWER_TIMEOUT_MS, &nacked, what, error))
        return FALSE;
    }
  if (nacked)
    {
      g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_DEVICE_ERROR,
                   "the bootloader refused a checksum of %" G_GSIZE_FORMAT
                   " bytes at 0x%08X (outside its memory?)",
                   len, address);
      return FALSE;
    }
  if (!wait_answer (self, timeout, &nacked, what, error))
    return FALSE;
  if (nacked)
    {
      g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_DEVICE_ERROR,
                   "the bootloader failed to compute the checksum at 0x%08X", address);
      return FALSE;
    }
  if (!boot0_serial_port_read (self->port, answer, sizeof answer,
                               ANSWER_TIMEOUT_MS + line_ms (self, sizeof answer), error))
    {
      g_prefix_error (error, "reading the checksum at 0x%08X: ", address);
      return FALSE;
    }
  if (xor_of (answer, 4) != answer[4])
    {
      g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_PROTOCOL,
                   "the checksum of 0x%08X arrived damaged (XOR 0x%02X, expected 0x%02X): check "
                   "the cable and the baud rate",
                   address, answer[4], xor_of (answer, 4));
      return FALSE;
    }
  *crc = (guint32)answer[0] << 24 | (guint32)answer[1] << 16 | (guint32)answer[2] << 8 |
         (guint32)answer[3];
  return TRUE;
}

/* Opening ---------------------------------------------------------------------------------- */

/* The chip database's flash, cut to the first size bytes when they end on
 * a sector boundary; NULL otherwise. */
static Boot0DfuseLayout *
trim_layout (Boot0DfuseLayout *layout, guint64 size)
{
  g_autoptr (GString) str = g_string_new ("@Internal Flash");
  guint64 total = 0;
  guint n = boot0_dfuse_layout_get_n_sectors (layout);

  g_string_append_printf (str, "/0x%08X/", boot0_dfuse_layout_get_start (layout));
  for (guint i = 0; i < n && total < size; i++)
    {
      const Boot0DfuseSector *s = boot0_dfuse_layout_get_sector (layout, i);
      guint32 value = s->size;
      char mult = ' ';
      if (s->size % 1024 == 0)
        {
          value = s->size / 1024;
          mult = 'K';
        }
      g_string_append_printf (str, "%s1*%u%c%c", i > 0 ? "," : "", value, mult,
                              (char)('a' + s->flags - 1));
      total += s->size;
    }
  if (total != size)
    return NULL;
  return boot0_dfuse_layout_parse (str->str, NULL);
}

/* Reads the flash-size register (a 16-bit KiB count) and returns the
 * smaller flash it names, or NULL to keep the database's largest size. */
static Boot0DfuseLayout *
flash_for_size (Boot0UartDevice *self, Boot0DfuseLayout *flash, const guint8 raw[2])
{
  guint64 size = ((guint64)raw[0] | (guint64)raw[1] << 8) * 1024;
  guint64 largest = boot0_dfuse_layout_get_total_size (flash);
  Boot0DfuseLayout *trimmed;

  if (size == 0 || size >= largest)
    {
      if (size > largest)
        g_debug ("%s: flash-size register says %" G_GUINT64_FORMAT
                 " bytes, more than the database's %" G_GUINT64_FORMAT ": ignored",
                 self->port_name, size, largest);
      return NULL;
    }
  trimmed = trim_layout (flash, size);
  if (trimmed == NULL)
    g_debug ("%s: %" G_GUINT64_FORMAT " bytes of flash do not end on a sector boundary: ignored",
             self->port_name, size);
  return trimmed;
}

/* read_block() for the probe: a NACKed command is asked again once, so a
 * one-off NACK (line noise) is not taken for read protection. */
static gboolean
probe_block (Boot0UartDevice *self, guint32 address, guint8 *buf, gsize n, Refusal *refusal,
             GError **error)
{
  g_autoptr (GError) local_error = NULL;

  if (read_block (self, address, buf, n, refusal, &local_error))
    return TRUE;
  if (*refusal != REFUSED_COMMAND)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return read_block (self, address, buf, n, refusal, error);
}

/* One Read Memory tells whether read-out protection is on (the ROM NACKs
 * the command, AN3155 §3.4) and, where the database knows the register,
 * the real flash size. */
static gboolean
probe_flash (Boot0UartDevice *self, Boot0DfuseLayout *db_flash, Boot0DfuseLayout **flash_out,
             GError **error)
{
  Boot0Device *device = BOOT0_DEVICE (self);
  Boot0Chip *chip = boot0_device_get_chip (device);
  g_autoptr (GError) local_error = NULL;
  g_autoptr (Boot0DfuseLayout) flash = db_flash != NULL ? boot0_dfuse_layout_ref (db_flash) : NULL;
  guint32 reg = 0;
  guint8 buf[4];
  Refusal refusal = REFUSED_NONE;

  boot0_device_set_protection (device, BOOT0_PROTECTION_UNKNOWN);
  if (chip != NULL && flash != NULL && boot0_chip_get_flash_size_register (chip, &reg))
    {
      if (probe_block (self, reg, buf, 2, &refusal, &local_error))
        {
          g_autoptr (Boot0DfuseLayout) trimmed = flash_for_size (self, flash, buf);
          boot0_device_set_protection (device, BOOT0_PROTECTION_NONE);
          if (trimmed != NULL)
            {
              g_clear_pointer (&flash, boot0_dfuse_layout_unref);
              flash = g_steal_pointer (&trimmed);
            }
        }
      else if (refusal == REFUSED_NONE)
        {
          g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                                      "reading the flash size: ");
          return FALSE;
        }
      g_clear_error (&local_error);
    }
  if (refusal != REFUSED_COMMAND &&
      boot0_device_get_protection (device) == BOOT0_PROTECTION_UNKNOWN)
    {
      guint32 start = flash != NULL ? boot0_dfuse_layout_get_start (flash) : 0x08000000;
      if (probe_block (self, start, buf, 4, &refusal, &local_error))
        boot0_device_set_protection (device, BOOT0_PROTECTION_NONE);
      else if (refusal == REFUSED_NONE)
        {
          g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                                      "probing read protection: ");
          return FALSE;
        }
    }
  if (refusal == REFUSED_COMMAND)
    boot0_device_set_protection (device, BOOT0_PROTECTION_READ_PROTECTED);
  *flash_out = g_steal_pointer (&flash);
  return TRUE;
}

/* Every job opens the device again: the memories are replaced only when
 * they changed (another chip on the port), so that the main thread may
 * keep reading them while a worker opens the device. */
static void
set_memories (Boot0Device *device, GPtrArray *layouts)
{
  GPtrArray *old = boot0_device_get_memories (device);
  gboolean same = old != NULL && old->len == layouts->len;

  for (guint i = 0; same && i < layouts->len; i++)
    {
      g_autofree char *a = boot0_dfuse_layout_to_string (g_ptr_array_index (old, i));
      g_autofree char *b = boot0_dfuse_layout_to_string (g_ptr_array_index (layouts, i));
      same = g_strcmp0 (a, b) == 0;
    }
  if (same)
    return;
  boot0_device_clear_memories (device);
  for (guint i = 0; i < layouts->len; i++)
    boot0_device_add_memory (device, g_ptr_array_index (layouts, i));
}

/* The chip behind the ID: label, chip, memories (flash from the database,
 * the ROM's system memory read-only). */
static gboolean
identify (Boot0UartDevice *self, GError **error)
{
  Boot0Device *device = BOOT0_DEVICE (self);
  Boot0Chip *chip = self->chip_db != NULL
                        ? boot0_chip_db_lookup_by_device_id (self->chip_db, self->device_id)
                        : NULL;
  g_autofree char *version =
      g_strdup_printf ("AN3155 v%u.%u", self->version >> 4, self->version & 0xF);
  guint32 sys_start = 0;
  guint32 sys_last = 0;
  g_autoptr (GPtrArray) layouts =
      g_ptr_array_new_with_free_func ((GDestroyNotify)boot0_dfuse_layout_unref);
  Boot0DfuseLayout *flash = NULL;

  boot0_device_set_bootloader_version (device, version);
  boot0_device_set_chip (device, chip);
  if (chip == NULL)
    {
      g_autofree char *label = g_strdup_printf (
          "STM32 with device ID 0x%03X (not in Boot0's chip database)", self->device_id);
      boot0_device_set_label (device, label);
      if (!probe_flash (self, NULL, &flash, error))
        return FALSE;
      if (flash != NULL)
        g_ptr_array_add (layouts, flash);
      set_memories (device, layouts);
      return TRUE;
    }
  boot0_device_set_label (device, boot0_chip_get_name (chip));
  if (!probe_flash (self, boot0_chip_get_flash_layout (chip), &flash, error))
    return FALSE;
  if (flash != NULL)
    g_ptr_array_add (layouts, flash);
  if (boot0_chip_get_system_memory (chip, &sys_start, &sys_last))
    {
      guint32 size = sys_last - sys_start + 1;
      g_autofree char *str =
          size % 1024 == 0
              ? g_strdup_printf ("@System Memory/0x%08X/1*%uKa", sys_start, size / 1024)
              : g_strdup_printf ("@System Memory/0x%08X/1*%u a", sys_start, size);
      Boot0DfuseLayout *sys = boot0_dfuse_layout_parse (str, NULL);
      if (sys != NULL)
        g_ptr_array_add (layouts, sys);
    }
  set_memories (device, layouts);
  return TRUE;
}

static void
close_port (Boot0UartDevice *self)
{
  g_clear_object (&self->port);
  self->pending = FALSE;
  self->left = FALSE;
}

static gboolean
boot0_uart_device_open_impl (Boot0Device *device, GError **error)
{
  Boot0UartDevice *self = BOOT0_UART_DEVICE (device);
  g_autoptr (GError) local_error = NULL;

  self->port = boot0_serial_port_open (self->port_name, self->baud, self->parity, error);
  if (self->port == NULL)
    return FALSE;
  self->left = FALSE;
  self->pending = FALSE;
  if (self->entry != NULL && !boot0_uart_entry_run_entry (self->entry, self->port, NULL, error))
    goto fail;
  /* Toggling NRST can leave a stray byte behind. */
  if (!boot0_serial_port_flush_input (self->port, error) || !sync_bootloader (self, error))
    goto fail;
  if (!get_commands (self, &local_error))
    {
      /* A late answer to a 0x7F, or a ROM left inside an earlier command:
       * synchronise again, once. */
      if (g_error_matches (local_error, BOOT0_ERROR, BOOT0_ERROR_DEVICE_GONE))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          goto fail;
        }
      g_debug ("%s: Get failed (%s); synchronising again", self->port_name, local_error->message);
      g_clear_error (&local_error);
      if (!boot0_serial_port_flush_input (self->port, error) || !sync_bootloader (self, error) ||
          !get_commands (self, error))
        goto fail;
    }
  if (!get_version (self, error) || !get_id (self, error) || !identify (self, error))
    goto fail;
  boot0_device_set_transfer_size (device, BLOCK_SIZE);
  return TRUE;

fail:
  close_port (self);
  return FALSE;
}

static void
boot0_uart_device_close_impl (Boot0Device *device)
{
  Boot0UartDevice *self = BOOT0_UART_DEVICE (device);
  g_autoptr (GError) error = NULL;

  if (self->port != NULL && !self->left && !flush_pending (self, &error))
    g_warning ("%s: the last bytes of a write were not programmed: %s", self->port_name,
               error->message);
  close_port (self);
}

static void
boot0_uart_device_finalize (GObject *object)
{
  Boot0UartDevice *self = BOOT0_UART_DEVICE (object);

  /* The parent's dispose closes the port. */
  g_free (self->port_name);
  g_clear_pointer (&self->entry, boot0_uart_entry_unref);
  g_clear_object (&self->chip_db);
  g_clear_pointer (&self->commands, g_bytes_unref);
  G_OBJECT_CLASS (boot0_uart_device_parent_class)->finalize (object);
}

static void
boot0_uart_device_class_init (Boot0UartDeviceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  Boot0DeviceClass *device_class = BOOT0_DEVICE_CLASS (klass);

  object_class->finalize = boot0_uart_device_finalize;
  device_class->open = boot0_uart_device_open_impl;
  device_class->close = boot0_uart_device_close_impl;
  device_class->read = boot0_uart_device_read_impl;
  device_class->write = boot0_uart_device_write_impl;
  device_class->erase_sector = boot0_uart_device_erase_sector_impl;
  device_class->mass_erase = boot0_uart_device_mass_erase_impl;
  device_class->run = boot0_uart_device_run_impl;
  device_class->read_unprotect = boot0_uart_device_read_unprotect_impl;
  device_class->checksum = boot0_uart_device_checksum_impl;
}

static void
boot0_uart_device_init (Boot0UartDevice *self)
{
}

/* Public API ---------------------------------------------------------------------------------- */

Boot0UartDevice *
boot0_uart_device_new (const char *port_name, guint baud, Boot0Parity parity, Boot0UartEntry *entry,
                       Boot0ChipDb *chip_db)
{
  Boot0UartDevice *self;

  g_return_val_if_fail (port_name != NULL, NULL);
  g_return_val_if_fail (chip_db == NULL || BOOT0_IS_CHIP_DB (chip_db), NULL);
  self = g_object_new (BOOT0_TYPE_UART_DEVICE, NULL);
  self->port_name = g_strdup (port_name);
  self->baud = baud != 0 ? baud : BOOT0_UART_DEFAULT_BAUD;
  self->parity = parity;
  self->entry = entry != NULL ? boot0_uart_entry_ref (entry) : NULL;
  self->chip_db = chip_db != NULL ? g_object_ref (chip_db) : NULL;
  boot0_device_set_kind (BOOT0_DEVICE (self), BOOT0_DEVICE_KIND_UART);
  boot0_device_set_path (BOOT0_DEVICE (self), port_name);
  boot0_device_set_label (BOOT0_DEVICE (self), port_name);
  boot0_device_set_transfer_size (BOOT0_DEVICE (self), BLOCK_SIZE);
  /* Write Memory takes whole words (AN3155 §3.6). */
  boot0_device_set_write_unit (BOOT0_DEVICE (self), 4);
  return self;
}

const char *
boot0_uart_device_get_port_name (Boot0UartDevice *self)
{
  g_return_val_if_fail (BOOT0_IS_UART_DEVICE (self), NULL);
  return self->port_name;
}

Boot0UartEntry *
boot0_uart_device_get_entry (Boot0UartDevice *self)
{
  g_return_val_if_fail (BOOT0_IS_UART_DEVICE (self), NULL);
  return self->entry;
}

guint
boot0_uart_device_get_baud (Boot0UartDevice *self)
{
  g_return_val_if_fail (BOOT0_IS_UART_DEVICE (self), 0);
  return self->baud;
}

Boot0Parity
boot0_uart_device_get_parity (Boot0UartDevice *self)
{
  g_return_val_if_fail (BOOT0_IS_UART_DEVICE (self), BOOT0_PARITY_EVEN);
  return self->parity;
}

guint8
boot0_uart_device_get_version (Boot0UartDevice *self)
{
  g_return_val_if_fail (BOOT0_IS_UART_DEVICE (self), 0);
  return self->version;
}

GBytes *
boot0_uart_device_get_commands (Boot0UartDevice *self)
{
  g_return_val_if_fail (BOOT0_IS_UART_DEVICE (self), NULL);
  return self->commands;
}

gboolean
boot0_uart_device_has_command (Boot0UartDevice *self, guint8 opcode)
{
  g_return_val_if_fail (BOOT0_IS_UART_DEVICE (self), FALSE);
  return has_command (self, opcode);
}

guint16
boot0_uart_device_get_device_id (Boot0UartDevice *self)
{
  g_return_val_if_fail (BOOT0_IS_UART_DEVICE (self), 0);
  return self->device_id;
}

gboolean
boot0_uart_device_exits_by_sequence (Boot0UartDevice *self)
{
  g_return_val_if_fail (BOOT0_IS_UART_DEVICE (self), FALSE);
  return self->entry != NULL && boot0_uart_entry_has_exit (self->entry);
}

guint8
boot0_uart_device_get_erase_opcode (Boot0UartDevice *self)
{
  g_return_val_if_fail (BOOT0_IS_UART_DEVICE (self), 0);
  return erase_opcode (self);
}

void
boot0_uart_device_get_option_bytes (Boot0UartDevice *self, guint8 *option1, guint8 *option2)
{
  g_return_if_fail (BOOT0_IS_UART_DEVICE (self));
  if (option1 != NULL)
    *option1 = self->option1;
  if (option2 != NULL)
    *option2 = self->option2;
}

static gboolean
check_open (Boot0UartDevice *self, GError **error)
{
  if (boot0_device_is_open (BOOT0_DEVICE (self)))
    return TRUE;
  g_set_error_literal (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_ARGUMENT, "the device is not open");
  return FALSE;
}

/* AN3155 §3.9 Write Protect: N-1, N sector codes, XOR; then a reset. */
gboolean
boot0_uart_device_write_protect (Boot0UartDevice *self, const guint16 *sectors, guint n_sectors,
                                 GError **error)
{
  guint8 frame[256 + 2];

  g_return_val_if_fail (BOOT0_IS_UART_DEVICE (self), FALSE);
  g_return_val_if_fail (sectors != NULL || n_sectors == 0, FALSE);
  if (!check_open (self, error))
    return FALSE;
  if (n_sectors == 0 || n_sectors > 256)
    {
      g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_ARGUMENT,
                   "name 1 to 256 sectors to protect, not %u", n_sectors);
      return FALSE;
    }
  frame[0] = (guint8)(n_sectors - 1);
  for (guint i = 0; i < n_sectors; i++)
    {
      if (sectors[i] > 0xFF)
        {
          g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_ARGUMENT,
                       "sector %u is beyond what Write Protect can name (0-255)", sectors[i]);
          return FALSE;
        }
      frame[i + 1] = (guint8)sectors[i];
    }
  frame[n_sectors + 1] = xor_of (frame, n_sectors + 1);
  return protection_command (self, CMD_WRITE_PROTECT, frame, n_sectors + 2, PROTECT_TIMEOUT_MS,
                             "write-protect the sectors", error);
}

/* AN3155 §3.10 Write Unprotect: ACK, ACK, reset. */
gboolean
boot0_uart_device_write_unprotect (Boot0UartDevice *self, GError **error)
{
  g_return_val_if_fail (BOOT0_IS_UART_DEVICE (self), FALSE);
  if (!check_open (self, error))
    return FALSE;
  return protection_command (self, CMD_WRITE_UNPROTECT, NULL, 0, PROTECT_TIMEOUT_MS,
                             "remove write protection", error);
}

/* AN3155 §3.11 Readout Protect: ACK, ACK, reset with RDP level 1. */
gboolean
boot0_uart_device_readout_protect (Boot0UartDevice *self, GError **error)
{
  g_return_val_if_fail (BOOT0_IS_UART_DEVICE (self), FALSE);
  if (!check_open (self, error))
    return FALSE;
  if (!protection_command (self, CMD_READOUT_PROTECT, NULL, 0, PROTECT_TIMEOUT_MS,
                           "turn on read-out protection", error))
    return FALSE;
  boot0_device_set_protection (BOOT0_DEVICE (self), BOOT0_PROTECTION_READ_PROTECTED);
  return TRUE;
}
