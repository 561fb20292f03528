/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests for boot0-serial-port over a pseudo-terminal pair: the termios
 * fallback (libserialport 0.1.1 refuses ptys), exact timeouts, hangup and
 * the error messages. */
/* posix_openpt() and friends. */
#define _GNU_SOURCE
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "boot0-test-helpers.h"

typedef struct
{
  int master;
  char *slave;
} Pty;

static void
pty_open (Pty *pty)
{
  pty->master = posix_openpt (O_RDWR | O_NOCTTY);
  g_assert_cmpint (pty->master, >=, 0);
  g_assert_cmpint (grantpt (pty->master), ==, 0);
  g_assert_cmpint (unlockpt (pty->master), ==, 0);
  pty->slave = g_strdup (ptsname (pty->master));
}

static void
pty_close (Pty *pty)
{
  if (pty->master >= 0)
    close (pty->master);
  pty->master = -1;
  g_clear_pointer (&pty->slave, g_free);
}

/* Reads exactly len bytes from the master side within a second. */
static void
master_read (Pty *pty, guint8 *buf, gsize len)
{
  gsize done = 0;
  while (done < len)
    {
      struct pollfd pfd = { .fd = pty->master, .events = POLLIN };
      ssize_t n;
      g_assert_cmpint (poll (&pfd, 1, 1000), ==, 1);
      n = read (pty->master, buf + done, len - done);
      g_assert_cmpint (n, >, 0);
      done += (gsize)n;
    }
}

static void
master_write (Pty *pty, const void *data, gsize len)
{
  g_assert_cmpint (write (pty->master, data, len), ==, (gssize)len);
}

static void
test_parity_strings_func (void)
{
  Boot0Parity p = BOOT0_PARITY_NONE;

  g_assert_true (boot0_parity_from_string ("even", &p));
  g_assert_cmpint (p, ==, BOOT0_PARITY_EVEN);
  g_assert_true (boot0_parity_from_string ("NONE", &p));
  g_assert_cmpint (p, ==, BOOT0_PARITY_NONE);
  g_assert_true (boot0_parity_from_string ("odd", &p));
  g_assert_cmpint (p, ==, BOOT0_PARITY_ODD);
  g_assert_false (boot0_parity_from_string ("mark", &p));
  g_assert_false (boot0_parity_from_string (NULL, &p));
  g_assert_cmpstr (boot0_parity_to_string (BOOT0_PARITY_EVEN), ==, "even");
  g_assert_cmpstr (boot0_parity_to_string (BOOT0_PARITY_NONE), ==, "none");
}

/* A pty opens through the termios fallback; even parity is accepted there
 * (a pty has no framing) and the getters say what was asked. */
static void
test_open_pty_func (void)
{
  Pty pty;
  g_autoptr (GError) error = NULL;
  g_autoptr (Boot0SerialPort) port = NULL;

  pty_open (&pty);
  port = boot0_serial_port_open (pty.slave, 115200, BOOT0_PARITY_EVEN, &error);
  g_assert_no_error (error);
  g_assert_true (boot0_serial_port_is_fallback (port));
  g_assert_true (boot0_serial_port_is_open (port));
  g_assert_cmpstr (boot0_serial_port_get_name (port), ==, pty.slave);
  g_assert_cmpuint (boot0_serial_port_get_baud (port), ==, 115200);
  g_assert_cmpint (boot0_serial_port_get_parity (port), ==, BOOT0_PARITY_EVEN);
  /* 11 bits at 115200 baud: 95.5 us, rounded up. */
  g_assert_cmpuint (boot0_serial_port_get_char_time_us (port), ==, 96);
  boot0_serial_port_close (port);
  g_assert_false (boot0_serial_port_is_open (port));
  g_assert_false (boot0_serial_port_write (port, (const guint8 *)"x", 1, 10, &error));
  boot0_test_assert_error (error, BOOT0_ERROR_INVALID_ARGUMENT, "not open");
  g_clear_error (&error);
  g_clear_object (&port);

  port = boot0_serial_port_open (pty.slave, 9600, BOOT0_PARITY_NONE, &error);
  g_assert_no_error (error);
  /* 10 bits at 9600 baud. */
  g_assert_cmpuint (boot0_serial_port_get_char_time_us (port), ==, 1042);
  pty_close (&pty);
}

static void
test_open_errors_func (void)
{
  Pty pty;
  g_autoptr (GError) error = NULL;
  g_autoptr (Boot0SerialPort) port = NULL;
  g_autoptr (Boot0SerialPort) second = NULL;

  port = boot0_serial_port_open ("/dev/ttyBOOT0-nonexistent", 115200, BOOT0_PARITY_EVEN, &error);
  g_assert_null (port);
  boot0_test_assert_error (error, BOOT0_ERROR_NOT_FOUND, "boot0-cli ports");
  g_clear_error (&error);

  port = boot0_serial_port_open ("/dev/null", 115200, BOOT0_PARITY_EVEN, &error);
  g_assert_null (port);
  boot0_test_assert_error (error, BOOT0_ERROR_INVALID_ARGUMENT, "is not a serial port");
  g_clear_error (&error);

  port = boot0_serial_port_open ("", 115200, BOOT0_PARITY_EVEN, &error);
  g_assert_null (port);
  boot0_test_assert_error (error, BOOT0_ERROR_INVALID_ARGUMENT, "no serial port");
  g_clear_error (&error);

  pty_open (&pty);
  port = boot0_serial_port_open (pty.slave, 100, BOOT0_PARITY_EVEN, &error);
  g_assert_null (port);
  boot0_test_assert_error (error, BOOT0_ERROR_INVALID_ARGUMENT, "out of range");
  g_clear_error (&error);
  port = boot0_serial_port_open (pty.slave, 12345, BOOT0_PARITY_EVEN, &error);
  g_assert_null (port);
  boot0_test_assert_error (error, BOOT0_ERROR_INVALID_ARGUMENT, "12345 baud");
  g_clear_error (&error);

  /* Exclusive use: a second open is refused while the first holds it. */
  port = boot0_serial_port_open (pty.slave, 115200, BOOT0_PARITY_EVEN, &error);
  g_assert_no_error (error);
  second = boot0_serial_port_open (pty.slave, 115200, BOOT0_PARITY_EVEN, &error);
  g_assert_null (second);
  boot0_test_assert_error (error, BOOT0_ERROR_BUSY, "in use by another program");
  g_clear_error (&error);
  g_clear_object (&port);
  second = boot0_serial_port_open (pty.slave, 115200, BOOT0_PARITY_EVEN, &error);
  g_assert_no_error (error);
  pty_close (&pty);
}

/* Bytes both ways, read timeouts to the millisecond, partial reads. */
static void
test_io_func (void)
{
  Pty pty;
  g_autoptr (GError) error = NULL;
  g_autoptr (Boot0SerialPort) port = NULL;
  guint8 buf[300];
  guint8 data[256];
  gsize n = 0;
  gint64 start;
  gint64 took;

  pty_open (&pty);
  port = boot0_serial_port_open (pty.slave, 115200, BOOT0_PARITY_NONE, &error);
  g_assert_no_error (error);

  boot0_test_fill_random (data, sizeof data, 5);
  g_assert_true (boot0_serial_port_write (port, data, sizeof data, 1000, &error));
  g_assert_no_error (error);
  master_read (&pty, buf, sizeof data);
  g_assert_cmpmem (buf, sizeof data, data, sizeof data);

  /* Every byte value crosses unchanged (raw mode: no CR/LF or XON games). */
  for (guint i = 0; i < 256; i++)
    data[i] = (guint8)i;
  master_write (&pty, data, sizeof data);
  g_assert_true (boot0_serial_port_read (port, buf, sizeof data, 1000, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (buf, sizeof data, data, sizeof data);

  /* A read that times out says how many bytes came. */
  master_write (&pty, "ab", 2);
  start = g_get_monotonic_time ();
  g_assert_false (boot0_serial_port_read (port, buf, 3, 60, &error));
  took = g_get_monotonic_time () - start;
  boot0_test_assert_error (error, BOOT0_ERROR_TIMED_OUT, "2 of 3 bytes");
  g_clear_error (&error);
  g_assert_cmpint (took, >=, 60 * 1000);
  g_assert_cmpint (took, <, 400 * 1000);

  /* read_some returns what is there. */
  master_write (&pty, "xyz", 3);
  g_assert_true (boot0_serial_port_read_some (port, buf, sizeof buf, 1000, &n, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n, >=, 1);
  g_assert_cmpuint (n, <=, 3);
  if (n < 3)
    g_assert_true (boot0_serial_port_read (port, buf + n, 3 - n, 1000, &error));
  g_assert_cmpmem (buf, 3, "xyz", 3);

  /* A zero timeout polls once. */
  g_assert_false (boot0_serial_port_read (port, buf, 1, 0, &error));
  boot0_test_assert_error (error, BOOT0_ERROR_TIMED_OUT, "0 of 1 bytes");
  g_clear_error (&error);

  /* Flushing drops what came and was not read. */
  master_write (&pty, "stale", 5);
  g_usleep (20000);
  g_assert_true (boot0_serial_port_flush_input (port, &error));
  g_assert_false (boot0_serial_port_read (port, buf, 1, 20, &error));
  g_assert_error (error, BOOT0_ERROR, BOOT0_ERROR_TIMED_OUT);
  g_clear_error (&error);

  g_assert_true (boot0_serial_port_drain (port, &error));
  g_assert_no_error (error);
  pty_close (&pty);
}

/* A pty has no modem lines; BREAK works (contract: TIOCSBRK succeeds). */
static void
test_lines_func (void)
{
  Pty pty;
  g_autoptr (GError) error = NULL;
  g_autoptr (Boot0SerialPort) port = NULL;

  pty_open (&pty);
  port = boot0_serial_port_open (pty.slave, 115200, BOOT0_PARITY_NONE, &error);
  g_assert_no_error (error);
  g_assert_false (boot0_serial_port_set_dtr (port, TRUE, &error));
  boot0_test_assert_error (error, BOOT0_ERROR_NOT_SUPPORTED, "no DTR line");
  g_clear_error (&error);
  g_assert_false (boot0_serial_port_set_rts (port, FALSE, &error));
  boot0_test_assert_error (error, BOOT0_ERROR_NOT_SUPPORTED, "no RTS line");
  g_clear_error (&error);
  g_assert_true (boot0_serial_port_set_break (port, TRUE, &error));
  g_assert_no_error (error);
  g_assert_true (boot0_serial_port_set_break (port, FALSE, &error));
  g_assert_no_error (error);
  pty_close (&pty);
}

/* The far end closing (an unplugged adapter) is DEVICE_GONE, promptly. */
static void
test_gone_func (void)
{
  Pty pty;
  g_autoptr (GError) error = NULL;
  g_autoptr (Boot0SerialPort) port = NULL;
  guint8 buf[4];
  gint64 start;

  pty_open (&pty);
  port = boot0_serial_port_open (pty.slave, 115200, BOOT0_PARITY_NONE, &error);
  g_assert_no_error (error);
  close (pty.master);
  pty.master = -1;
  start = g_get_monotonic_time ();
  g_assert_false (boot0_serial_port_read (port, buf, sizeof buf, 5000, &error));
  boot0_test_assert_error (error, BOOT0_ERROR_DEVICE_GONE, "plug it back in");
  g_assert_cmpint (g_get_monotonic_time () - start, <, 1000 * 1000);
  g_clear_error (&error);
  g_assert_false (boot0_serial_port_write (port, buf, sizeof buf, 1000, &error));
  boot0_test_assert_error (error, BOOT0_ERROR_DEVICE_GONE, "went away");
  pty_close (&pty);
}

/* Nobody reading the far end: a write gives up at its timeout. */
static void
test_write_timeout_func (void)
{
  Pty pty;
  g_autoptr (GError) error = NULL;
  g_autoptr (Boot0SerialPort) port = NULL;
  gsize len = 4 * 1024 * 1024;
  g_autofree guint8 *big = g_malloc0 (len);
  gint64 start;

  pty_open (&pty);
  port = boot0_serial_port_open (pty.slave, 115200, BOOT0_PARITY_NONE, &error);
  g_assert_no_error (error);
  start = g_get_monotonic_time ();
  g_assert_false (boot0_serial_port_write (port, big, len, 100, &error));
  boot0_test_assert_error (error, BOOT0_ERROR_TIMED_OUT, "took no data");
  g_assert_cmpint (g_get_monotonic_time () - start, <, 2000 * 1000);
  pty_close (&pty);
}

static void
test_list_func (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) ports = boot0_serial_port_list (&error);

  g_assert_no_error (error);
  g_assert_nonnull (ports);
  for (guint i = 0; i < ports->len; i++)
    {
      const Boot0SerialPortInfo *info = g_ptr_array_index (ports, i);
      g_autoptr (Boot0SerialPortInfo) copy = boot0_serial_port_info_copy (info);
      g_assert_nonnull (info->name);
      g_assert_nonnull (info->description);
      g_assert_cmpstr (copy->name, ==, info->name);
      if (i > 0)
        g_assert_cmpint (
            g_strcmp0 (((Boot0SerialPortInfo *)g_ptr_array_index (ports, i - 1))->name, info->name),
            <=, 0);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/boot0/serial-port/parity-strings", test_parity_strings_func);
  g_test_add_func ("/boot0/serial-port/open-pty", test_open_pty_func);
  g_test_add_func ("/boot0/serial-port/open-errors", test_open_errors_func);
  g_test_add_func ("/boot0/serial-port/io", test_io_func);
  g_test_add_func ("/boot0/serial-port/lines", test_lines_func);
  g_test_add_func ("/boot0/serial-port/gone", test_gone_func);
  g_test_add_func ("/boot0/serial-port/write-timeout", test_write_timeout_func);
  g_test_add_func ("/boot0/serial-port/list", test_list_func);
  return g_test_run ();
}
