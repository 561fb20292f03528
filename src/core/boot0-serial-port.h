/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A serial port for the UART bootloader: libserialport for real adapters
 * (discovery with description, USB VID/PID and serial; open; line
 * settings), with a POSIX termios fallback for the terminals libserialport
 * 0.1.1 refuses (pseudo-terminals have no /sys/class/tty entry and no
 * modem-control ioctls). Blocking: use from a worker thread. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum
{
  BOOT0_PARITY_NONE,
  BOOT0_PARITY_EVEN,
  BOOT0_PARITY_ODD,
} Boot0Parity;

/* "none", "even", "odd"; NULL-safe parse returns FALSE for anything else. */
const char *boot0_parity_to_string (Boot0Parity parity);
gboolean boot0_parity_from_string (const char *str, Boot0Parity *parity);

/* One port found by discovery. */
typedef struct
{
  char *name;         /* what to open: "/dev/ttyUSB0", "COM3" */
  char *description;  /* "CP2102 USB to UART Bridge Controller"; never NULL */
  char *manufacturer; /* USB adapters only, else NULL */
  char *product;      /* USB adapters only, else NULL */
  char *serial;       /* USB adapters only, else NULL */
  gboolean is_usb;
  guint16 usb_vid; /* valid when is_usb */
  guint16 usb_pid;
} Boot0SerialPortInfo;

#define BOOT0_TYPE_SERIAL_PORT_INFO (boot0_serial_port_info_get_type ())
GType boot0_serial_port_info_get_type (void) G_GNUC_CONST;
Boot0SerialPortInfo *boot0_serial_port_info_copy (const Boot0SerialPortInfo *info);
void boot0_serial_port_info_free (Boot0SerialPortInfo *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Boot0SerialPortInfo, boot0_serial_port_info_free)

/* The serial ports present now (sp_list_ports()), sorted by name, as
 * Boot0SerialPortInfo (the array frees them). */
GPtrArray *boot0_serial_port_list (GError **error);

#define BOOT0_TYPE_SERIAL_PORT (boot0_serial_port_get_type ())
G_DECLARE_FINAL_TYPE (Boot0SerialPort, boot0_serial_port, BOOT0, SERIAL_PORT, GObject)

/* Opens name for exclusive use, raw, at baud with 8 data bits, the parity
 * and 1 stop bit, no flow control; input is flushed. The modem lines are
 * left as opening the port set them. A pseudo-terminal has no framing: it
 * silently keeps 8N1 whatever parity is asked (the parity getter still
 * says what was asked). Errors: NOT_FOUND, ACCESS_DENIED (with what to
 * do), BUSY, INVALID_ARGUMENT (baud, not a terminal), NOT_SUPPORTED (a
 * real port that refuses the parity), IO. */
Boot0SerialPort *boot0_serial_port_open (const char *name, guint baud, Boot0Parity parity,
                                         GError **error);
const char *boot0_serial_port_get_name (Boot0SerialPort *self);
guint boot0_serial_port_get_baud (Boot0SerialPort *self);
Boot0Parity boot0_serial_port_get_parity (Boot0SerialPort *self);
/* TRUE when the port went through the POSIX termios fallback (a
 * pseudo-terminal or another terminal libserialport refuses). */
gboolean boot0_serial_port_is_fallback (Boot0SerialPort *self);
/* Closes the port (also done on finalize). */
void boot0_serial_port_close (Boot0SerialPort *self);
gboolean boot0_serial_port_is_open (Boot0SerialPort *self);

/* Hands all of data to the driver within timeout_ms (TIMED_OUT;
 * DEVICE_GONE when the port vanished). It does not wait for the bytes to
 * leave the wire: a protocol waits for the answer anyway, and a drain after
 * every write costs a scheduler tick on some USB-serial drivers. */
gboolean boot0_serial_port_write (Boot0SerialPort *self, const guint8 *data, gsize len,
                                  guint timeout_ms, GError **error);
/* Waits until everything written has been sent (tcdrain), before a change
 * of the control lines that must follow the data. */
gboolean boot0_serial_port_drain (Boot0SerialPort *self, GError **error);
/* The time one character takes on the line at the port's settings (start,
 * 8 data, parity if any, stop bits), in microseconds, rounded up. */
guint boot0_serial_port_get_char_time_us (Boot0SerialPort *self);
/* Reads exactly len bytes within timeout_ms (TIMED_OUT, with how many came;
 * DEVICE_GONE when the port vanished). Waits with poll() to the
 * millisecond; reads as many bytes per call as have arrived. */
gboolean boot0_serial_port_read (Boot0SerialPort *self, guint8 *buf, gsize len, guint timeout_ms,
                                 GError **error);
/* Like boot0_serial_port_read() but returns as soon as at least one byte
 * came, with how many in *n_read (at most len). */
gboolean boot0_serial_port_read_some (Boot0SerialPort *self, guint8 *buf, gsize len,
                                      guint timeout_ms, gsize *n_read, GError **error);
/* Discards bytes received and not yet read. */
gboolean boot0_serial_port_flush_input (Boot0SerialPort *self, GError **error);

/* Modem-control lines. TRUE asserts the line (the TIOCM bit set, which a
 * TTL adapter drives low). NOT_SUPPORTED when the port has none (a
 * pseudo-terminal). */
gboolean boot0_serial_port_set_dtr (Boot0SerialPort *self, gboolean asserted, GError **error);
gboolean boot0_serial_port_set_rts (Boot0SerialPort *self, gboolean asserted, GError **error);
gboolean boot0_serial_port_set_break (Boot0SerialPort *self, gboolean on, GError **error);

G_END_DECLS
