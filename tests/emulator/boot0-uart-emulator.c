/* SPDX-License-Identifier: GPL-3.0-or-later */
/* boot0-uart-emulator: an emulated STM32 USART bootloader (AN3155) at the
 * far end of a pseudo-terminal, around a command. Bytes are paced at the
 * baud rate the client set on the terminal (timerfd, nanoseconds); line
 * changes arrive from boot0-uart-lines-preload.so (README.md). */
#define _GNU_SOURCE /* accept4, posix_openpt */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib-unix.h>
#include <glib/gstdio.h>

#include "emu-process.h"
#include "emu-an3155.h"

#define EX_USAGE     64
#define EX_SOFTWARE  70
#define PRELOAD_NAME "boot0-uart-lines-preload.so"
#define PORT_MARKER  "@PORT@"

/* The kernel's struct termios2: c_ospeed is the exact baud rate. */
struct termios2
{
  tcflag_t c_iflag, c_oflag, c_cflag, c_lflag;
  cc_t c_line;
  cc_t c_cc[19];
  speed_t c_ispeed, c_ospeed;
};

typedef enum
{
  LINE_NONE,
  LINE_DTR,
  LINE_RTS,
  LINE_BRK,
} Line;

/* How the board is wired to the adapter. A TTL adapter drives an asserted
 * line low (boot0-serial-port.h); `inverted` = through a transistor. */
typedef struct
{
  const char *name;
  Line reset;
  gboolean reset_inverted;
  Line boot0;
  gboolean boot0_inverted;
} Wiring;

/* The presets of src/core/boot0-uart-entry.c, as hardware. */
static const Wiring wirings[] = {
  { "none", LINE_NONE, FALSE, LINE_NONE, FALSE },
  { "dtr-reset-rts-boot0", LINE_DTR, FALSE, LINE_RTS, FALSE },
  { "rts-reset-dtr-boot0", LINE_RTS, FALSE, LINE_DTR, FALSE },
  { "dtr-reset", LINE_DTR, FALSE, LINE_NONE, FALSE },
  { "rts-reset", LINE_RTS, FALSE, LINE_NONE, FALSE },
};

typedef struct
{
  char *profile;
  gboolean checksum;
  char *flash;
  gboolean no_timing;
  double time_scale;
  char **faults;
  char *wiring;
  char *summary;
  gboolean verbose;
  gboolean list_profiles;
} Options;

typedef struct
{
  GMainLoop *loop;
  EmuAn3155 *dev;
  const EmuAn3155Profile *profile;
  Options *options;
  gint64 start_ns;

  int master;
  int slave; /* kept open: termios persist and the master never sees a hangup */
  char *port;
  guint master_watch;
  guint out_watch;
  int timerfd;
  guint timer_watch;
  GByteArray *pending; /* due for the host, not yet accepted by the pty */
  GByteArray *scratch;
  gboolean unplugged;

  /* lines */
  gboolean wired;
  Wiring wiring;
  gboolean dtr, rts, brk;
  char *lines_dir;
  char *lines_path;
  int lines_fd;
  guint lines_watch;
  GPtrArray *line_events;
  gboolean parity_seen;
  tcflag_t cflag;

  GPid child;
  gboolean child_running;
  int exit_status;
} Emulator;

static gint64
clock_ns (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (gint64)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static gint64
now_ns (Emulator *emu)
{
  return clock_ns () - emu->start_ns;
}

static guint
speed_to_baud (speed_t speed)
{
  static const struct
  {
    speed_t speed;
    guint baud;
  } table[] = {
    { B1200, 1200 },     { B2400, 2400 },     { B4800, 4800 },     { B9600, 9600 },
    { B19200, 19200 },   { B38400, 38400 },   { B57600, 57600 },   { B115200, 115200 },
    { B230400, 230400 }, { B460800, 460800 }, { B921600, 921600 },
  };
  for (guint i = 0; i < G_N_ELEMENTS (table); i++)
    {
      if (table[i].speed == speed)
        return table[i].baud;
    }
  return 0;
}

/* The client's line settings, read from our own slave descriptor. */
static void
read_line_settings (Emulator *emu, guint *baud, guint *bits)
{
  struct termios2 t2;
  struct termios t;
  tcflag_t cflag = 0;
  gboolean parity;

  *baud = 0;
  if (ioctl (emu->slave, TCGETS2, &t2) == 0)
    {
      *baud = t2.c_ospeed;
      cflag = t2.c_cflag;
    }
  else if (tcgetattr (emu->slave, &t) == 0)
    {
      *baud = speed_to_baud (cfgetospeed (&t));
      cflag = t.c_cflag;
    }
  /* The pty clears PARENB whatever the client asked: only the preload knows;
   * without it assume 8E1, what the bootloader needs. CSTOPB survives. */
  parity = emu->parity_seen ? (emu->cflag & PARENB) != 0 : TRUE;
  *bits = 1 + 8 + (parity ? 1 : 0) + ((cflag & CSTOPB) ? 2 : 1);
}

static void schedule (Emulator *emu);

static void
flush_pending (Emulator *emu)
{
  while (emu->pending->len > 0 && emu->master >= 0)
    {
      ssize_t n = write (emu->master, emu->pending->data, emu->pending->len);
      if (n > 0)
        {
          g_byte_array_remove_range (emu->pending, 0, (guint)n);
          continue;
        }
      if (n < 0 && errno == EINTR)
        continue;
      break; /* EAGAIN: the client does not read; wait for room */
    }
}

static gboolean
master_writable_cb (int fd, GIOCondition cond, gpointer data)
{
  Emulator *emu = data;

  flush_pending (emu);
  if (emu->pending->len > 0)
    return G_SOURCE_CONTINUE;
  emu->out_watch = 0;
  return G_SOURCE_REMOVE;
}

static void
log_bytes (Emulator *emu, const char *dir, const guint8 *data, gsize len)
{
  g_autoptr (GString) hex = g_string_new (NULL);

  if (!emu->options->verbose)
    return;
  for (gsize i = 0; i < MIN (len, 24); i++)
    g_string_append_printf (hex, " %02X", data[i]);
  g_printerr ("[%10.3f ms] %s %zu bytes:%s%s\n", now_ns (emu) / 1e6, dir, len, hex->str,
              len > 24 ? " ..." : "");
}

/* Runs the model up to now and hands the host what has reached it. */
static void
pump (Emulator *emu)
{
  if (emu->dev == NULL)
    return;
  g_byte_array_set_size (emu->scratch, 0);
  emu_an3155_advance (emu->dev, now_ns (emu), emu->scratch);
  if (emu->scratch->len > 0 && emu->master >= 0)
    {
      log_bytes (emu, "to host", emu->scratch->data, emu->scratch->len);
      g_byte_array_append (emu->pending, emu->scratch->data, emu->scratch->len);
      flush_pending (emu);
      if (emu->pending->len > 0 && emu->out_watch == 0)
        emu->out_watch = g_unix_fd_add (emu->master, G_IO_OUT, master_writable_cb, emu);
    }
  schedule (emu);
}

static void
schedule (Emulator *emu)
{
  struct itimerspec its = { 0 };
  gint64 next = emu->dev != NULL ? emu_an3155_next_event (emu->dev) : G_MAXINT64;

  if (next != G_MAXINT64)
    {
      gint64 abs = emu->start_ns + MAX (next, 1);
      its.it_value.tv_sec = abs / 1000000000;
      its.it_value.tv_nsec = abs % 1000000000;
    }
  timerfd_settime (emu->timerfd, TFD_TIMER_ABSTIME, &its, NULL);
}

static gboolean
timer_cb (int fd, GIOCondition cond, gpointer data)
{
  Emulator *emu = data;
  guint64 expirations;

  if (read (fd, &expirations, sizeof (expirations)) < 0 && errno != EAGAIN)
    g_printerr ("boot0-uart-emulator: timerfd: %s\n", g_strerror (errno));
  pump (emu);
  return G_SOURCE_CONTINUE;
}

/* The adapter vanishes: the client gets EIO / a hangup. */
static void
unplug (Emulator *emu)
{
  if (emu->unplugged)
    return;
  emu->unplugged = TRUE;
  if (emu->master_watch != 0)
    g_source_remove (emu->master_watch);
  if (emu->out_watch != 0)
    g_source_remove (emu->out_watch);
  emu->master_watch = emu->out_watch = 0;
  close (emu->master);
  close (emu->slave);
  emu->master = emu->slave = -1;
  g_byte_array_set_size (emu->pending, 0);
}

/* Reads what the host wrote; every chunk is stamped with the time it was
 * read and the line settings of that moment. */
static void
drain_master (Emulator *emu)
{
  guint8 buf[4096];

  while (emu->master >= 0)
    {
      ssize_t n = read (emu->master, buf, sizeof (buf));
      guint baud;
      guint bits;

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      pump (emu); /* events due before these bytes come first */
      read_line_settings (emu, &baud, &bits);
      emu_an3155_set_line (emu->dev, baud, bits);
      log_bytes (emu, "from host", buf, (gsize)n);
      if (!emu_an3155_host_write (emu->dev, buf, (gsize)n, now_ns (emu)))
        {
          unplug (emu);
          break;
        }
    }
  pump (emu);
}

static gboolean
master_readable_cb (int fd, GIOCondition cond, gpointer data)
{
  Emulator *emu = data;

  drain_master (emu);
  if (emu->unplugged)
    return G_SOURCE_REMOVE;
  return G_SOURCE_CONTINUE;
}

/* ---- lines ---- */

static gboolean
line_asserted (Emulator *emu, Line line)
{
  switch (line)
    {
      case LINE_DTR:
        return emu->dtr;
      case LINE_RTS:
        return emu->rts;
      case LINE_BRK:
        return emu->brk;
      case LINE_NONE:
        break;
    }
  return FALSE;
}

static void
apply_wiring (Emulator *emu)
{
  gboolean nrst_low = FALSE;
  gboolean boot0_high = TRUE; /* unwired: a jumper to VDD */
  gint64 now;

  if (!emu->wired)
    return;
  /* asserted = adapter pin low; the chip pin follows it, or its inverse */
  if (emu->wiring.reset != LINE_NONE)
    nrst_low = line_asserted (emu, emu->wiring.reset) != emu->wiring.reset_inverted;
  if (emu->wiring.boot0 != LINE_NONE)
    boot0_high = line_asserted (emu, emu->wiring.boot0) == emu->wiring.boot0_inverted;
  now = now_ns (emu);
  pump (emu);
  emu_an3155_set_pins (emu->dev, nrst_low, boot0_high, now);
  pump (emu);
}

static void
set_line (Emulator *emu, const char *name, gboolean *line, gboolean value)
{
  if (*line == value)
    return;
  *line = value;
  g_ptr_array_add (emu->line_events, g_strdup_printf ("%s=%d", name, value ? 1 : 0));
  emu_an3155_log_event (emu->dev, now_ns (emu), "line %s %s", name,
                        value ? "asserted" : "released");
}

static void
set_modem_bits (Emulator *emu, int bits)
{
  set_line (emu, "dtr", &emu->dtr, (bits & TIOCM_DTR) != 0);
  set_line (emu, "rts", &emu->rts, (bits & TIOCM_RTS) != 0);
}

static int
modem_bits (Emulator *emu)
{
  return (emu->dtr ? TIOCM_DTR : 0) | (emu->rts ? TIOCM_RTS : 0);
}

static const char *
parity_name (Emulator *emu)
{
  if (!emu->parity_seen)
    return NULL;
  if (!(emu->cflag & PARENB))
    return "none";
  return (emu->cflag & PARODD) ? "odd" : "even";
}

/* One request from the preload (see uart-lines-preload.c). */
static void
handle_line_request (Emulator *emu, const char *line, GString *reply)
{
  g_auto (GStrv) w = g_strsplit (line, " ", 2);
  int arg = w[1] != NULL ? atoi (w[1]) : 0;

  /* Bytes the client wrote before this call must reach the chip first. */
  drain_master (emu);
  if (g_str_equal (w[0], "open"))
    {
      g_ptr_array_add (emu->line_events, g_strdup ("open"));
      emu_an3155_log_event (emu->dev, now_ns (emu), "port opened");
      /* the kernel raises DTR and RTS when a serial port is opened */
      set_modem_bits (emu, TIOCM_DTR | TIOCM_RTS);
    }
  else if (g_str_equal (w[0], "close"))
    {
      g_ptr_array_add (emu->line_events, g_strdup ("close"));
      emu_an3155_log_event (emu->dev, now_ns (emu), "port closed");
      if (w[1] != NULL && g_str_equal (w[1], "hupcl=1"))
        set_modem_bits (emu, 0);
    }
  else if (g_str_equal (w[0], "set"))
    set_modem_bits (emu, arg);
  else if (g_str_equal (w[0], "bis"))
    set_modem_bits (emu, modem_bits (emu) | arg);
  else if (g_str_equal (w[0], "bic"))
    set_modem_bits (emu, modem_bits (emu) & ~arg);
  else if (g_str_equal (w[0], "brk"))
    set_line (emu, "brk", &emu->brk, arg != 0);
  else if (g_str_equal (w[0], "cflag"))
    {
      emu->parity_seen = TRUE;
      emu->cflag = (tcflag_t)arg;
      emu_an3155_log_event (emu->dev, now_ns (emu), "client asks for parity %s", parity_name (emu));
    }
  else if (!g_str_equal (w[0], "get"))
    {
      g_string_append_printf (reply, "error unknown request '%s'\n", line);
      return;
    }
  apply_wiring (emu);
  g_string_append_printf (reply, "ok %d\n", modem_bits (emu));
}

static gboolean
lines_incoming_cb (int fd, GIOCondition cond, gpointer data)
{
  Emulator *emu = data;
  struct timeval tv = { .tv_sec = 2 };
  g_autoptr (GString) reply = g_string_new (NULL);
  char line[160];
  gsize got = 0;
  int conn;

  conn = accept4 (fd, NULL, NULL, SOCK_CLOEXEC);
  if (conn < 0)
    return G_SOURCE_CONTINUE;
  /* The preload writes its line right after connecting. */
  setsockopt (conn, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof (tv));
  while (got < sizeof (line) - 1)
    {
      ssize_t n = read (conn, line + got, sizeof (line) - 1 - got);
      if (n <= 0)
        break;
      got += (gsize)n;
      if (memchr (line, '\n', got) != NULL)
        break;
    }
  line[got] = '\0';
  if (strchr (line, '\n') != NULL)
    {
      *strchr (line, '\n') = '\0';
      handle_line_request (emu, line, reply);
      if (write (conn, reply->str, reply->len) < 0)
        g_printerr ("boot0-uart-emulator: lines reply: %s\n", g_strerror (errno));
    }
  close (conn);
  return G_SOURCE_CONTINUE;
}

static gboolean
start_lines (Emulator *emu, GError **error)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };

  emu->lines_dir = g_dir_make_tmp ("boot0-uart-XXXXXX", error);
  if (emu->lines_dir == NULL)
    return FALSE;
  emu->lines_path = g_build_filename (emu->lines_dir, "lines.sock", NULL);
  g_strlcpy (addr.sun_path, emu->lines_path, sizeof (addr.sun_path));
  emu->lines_fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (emu->lines_fd < 0 || bind (emu->lines_fd, (struct sockaddr *)&addr, sizeof (addr)) != 0 ||
      listen (emu->lines_fd, 16) != 0)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "lines socket %s: %s",
                   emu->lines_path, g_strerror (saved));
      return FALSE;
    }
  emu->lines_watch = g_unix_fd_add (emu->lines_fd, G_IO_IN, lines_incoming_cb, emu);
  return TRUE;
}

static char *
preload_path (void)
{
  g_autofree char *exe = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *dir = exe != NULL ? g_path_get_dirname (exe) : NULL;
  char *path = dir != NULL ? g_build_filename (dir, PRELOAD_NAME, NULL) : NULL;

  if (path != NULL && g_file_test (path, G_FILE_TEST_EXISTS))
    return path;
  g_free (path);
  return g_strdup (BOOT0_UART_LINES_PRELOAD);
}

/* ---- the pseudo-terminal ---- */

static gboolean
open_pty (Emulator *emu, GError **error)
{
  struct termios t;
  char *name;

  emu->master = posix_openpt (O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
  if (emu->master < 0 || grantpt (emu->master) != 0 || unlockpt (emu->master) != 0 ||
      (name = ptsname (emu->master)) == NULL)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "cannot create a pseudo-terminal: %s", g_strerror (saved));
      return FALSE;
    }
  emu->port = g_strdup (name);
  emu->slave = open (emu->port, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (emu->slave < 0)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "cannot open %s: %s",
                   emu->port, g_strerror (saved));
      return FALSE;
    }
  /* Raw like a serial port nobody configured yet, with HUPCL as the kernel's
   * default termios for serial ports has it. */
  if (tcgetattr (emu->slave, &t) == 0)
    {
      cfmakeraw (&t);
      t.c_cflag |= HUPCL | CLOCAL | CREAD;
      tcsetattr (emu->slave, TCSANOW, &t);
    }
  emu->master_watch = g_unix_fd_add (emu->master, G_IO_IN, master_readable_cb, emu);
  return TRUE;
}

/* ---- summary ---- */

static void
append_json_string (GString *out, const char *s)
{
  if (s == NULL)
    {
      g_string_append (out, "null");
      return;
    }
  g_string_append_c (out, '"');
  for (const char *p = s; *p; p++)
    {
      if (*p == '"' || *p == '\\')
        g_string_append_printf (out, "\\%c", *p);
      else if ((guchar)*p < 0x20)
        g_string_append_printf (out, "\\u%04x", (guchar)*p);
      else
        g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
}

static void
append_string_list (GString *out, GPtrArray *list)
{
  g_string_append_c (out, '[');
  for (guint i = 0; i < list->len; i++)
    {
      if (i > 0)
        g_string_append (out, ", ");
      append_json_string (out, g_ptr_array_index (list, i));
    }
  g_string_append_c (out, ']');
}

static void
write_summary (Emulator *emu, const char *path, gint64 wall_ns)
{
  const EmuAn3155Stats *s = emu_an3155_get_stats (emu->dev);
  g_autoptr (GString) out = g_string_new ("{\n");
  g_autoptr (GError) error = NULL;
  guint baud = s->last_baud;
  guint bits = s->bits_per_byte;

  if (baud == 0 && emu->slave >= 0)
    read_line_settings (emu, &baud, &bits);
  g_string_append_printf (out, "  \"emulator\": \"boot0-uart-emulator %s\",\n", PACKAGE_VERSION);
  g_string_append_printf (out, "  \"profile\": \"%s\",\n", emu->profile->name);
  g_string_append (out, "  \"port\": ");
  append_json_string (out, emu->port);
  g_string_append_printf (out, ",\n  \"wall_ms\": %.3f,\n", wall_ns / 1e6);
  g_string_append_printf (out, "  \"exit_status\": %d,\n", emu->exit_status);
  g_string_append_printf (out, "  \"baud\": %u,\n", baud);
  g_string_append_printf (out, "  \"sync_baud\": %u,\n", s->sync_baud);
  g_string_append (out, "  \"parity\": ");
  append_json_string (out, parity_name (emu));
  g_string_append_printf (out, ",\n  \"bits_per_byte\": %u,\n", bits);
  g_string_append_printf (out, "  \"bytes_in\": %" G_GUINT64_FORMAT ",\n", s->bytes_in);
  g_string_append_printf (out, "  \"bytes_out\": %" G_GUINT64_FORMAT ",\n", s->bytes_out);
  g_string_append (out, "  \"commands\": [");
  for (guint i = 0; i < s->commands->len; i++)
    g_string_append_printf (out, i ? ", %u" : "%u", g_array_index (s->commands, guint8, i));
  g_string_append (out, "],\n");
  g_string_append_printf (out, "  \"syncs\": %u,\n", s->syncs);
  if (s->erase_opcode >= 0)
    g_string_append_printf (out, "  \"erase_opcode_used\": %d,\n", s->erase_opcode);
  else
    g_string_append (out, "  \"erase_opcode_used\": null,\n");
  g_string_append (out, "  \"wiring\": ");
  append_json_string (out, emu->wired ? emu->wiring.name : NULL);
  g_string_append (out, ",\n  \"line_events\": ");
  append_string_list (out, emu->line_events);
  g_string_append_printf (out, ",\n  \"resets\": %u,\n", s->resets);
  g_string_append_printf (out, "  \"app_started\": %s,\n", s->app_started ? "true" : "false");
  if (s->app_started)
    g_string_append_printf (out, "  \"app_address\": %u,\n", s->app_address);
  else
    g_string_append (out, "  \"app_address\": null,\n");
  g_string_append (out, "  \"mode\": ");
  append_json_string (out, emu_an3155_describe_mode (emu->dev));
  g_string_append_printf (out, ",\n  \"rdp\": %s,\n",
                          emu_an3155_rdp_active (emu->dev) ? "true" : "false");
  g_string_append_printf (out, "  \"wrp\": %u,\n", emu_an3155_wrp_mask (emu->dev));
  g_string_append_printf (out, "  \"unplugged\": %s,\n", emu->unplugged ? "true" : "false");
  g_string_append_printf (out, "  \"bytes_programmed\": %" G_GUINT64_FORMAT ",\n",
                          s->bytes_programmed);
  g_string_append_printf (out, "  \"sectors_erased\": %u,\n", s->sectors_erased);
  g_string_append_printf (out, "  \"mass_erases\": %u,\n", s->mass_erases);
  g_string_append_printf (out, "  \"overruns\": %u,\n", s->overruns);
  g_string_append_printf (out, "  \"dropped\": %u,\n", s->dropped);
  g_string_append_printf (out, "  \"baud_mismatches\": %u,\n", s->baud_mismatches);
  g_string_append_printf (out, "  \"line_ms\": %.3f,\n", s->line_ns / 1e6);
  g_string_append_printf (out, "  \"erase_ms\": %.3f,\n", s->erase_ns / 1e6);
  g_string_append_printf (out, "  \"program_ms\": %.3f,\n", s->program_ns / 1e6);
  g_string_append_printf (out, "  \"compute_ms\": %.3f,\n", s->compute_ns / 1e6);
  g_string_append_printf (out, "  \"device_min_ms\": %.3f,\n", emu_an3155_device_min_ms (emu->dev));
  g_string_append (out, "  \"events\": ");
  append_string_list (out, s->events);
  g_string_append (out, "\n}\n");
  if (!g_file_set_contents (path, out->str, (gssize)out->len, &error))
    g_printerr ("boot0-uart-emulator: cannot write summary: %s\n", error->message);
}

/* ---- the command ---- */

static gboolean
signal_cb (gpointer data)
{
  Emulator *emu = data;

  if (emu->child_running)
    kill (emu->child, SIGTERM);
  else
    g_main_loop_quit (emu->loop);
  return G_SOURCE_CONTINUE;
}

static void
child_watch_cb (GPid pid, gint status, gpointer data)
{
  Emulator *emu = data;

  emu->child_running = FALSE;
  emu->exit_status = emu_exit_status (status);
  g_spawn_close_pid (pid);
  g_main_loop_quit (emu->loop);
}

static char **
child_environment (Emulator *emu)
{
  char **env = g_get_environ ();

  env = g_environ_setenv (env, "BOOT0_UART_PORT", emu->port, TRUE);
  if (emu->wired)
    {
      const char *preload = g_environ_getenv (env, "LD_PRELOAD");
      const char *asan = g_environ_getenv (env, "ASAN_OPTIONS");
      g_autofree char *ours = preload_path ();
      g_autofree char *new_preload = preload != NULL && *preload != '\0'
                                         ? g_strconcat (preload, ":", ours, NULL)
                                         : g_strdup (ours);
      g_autofree char *new_asan = asan != NULL && *asan != '\0'
                                      ? g_strconcat (asan, ":verify_asan_link_order=0", NULL)
                                      : g_strdup ("verify_asan_link_order=0");
      env = g_environ_setenv (env, "BOOT0_UART_LINES", emu->lines_path, TRUE);
      env = g_environ_setenv (env, "LD_PRELOAD", new_preload, TRUE);
      env = g_environ_setenv (env, "ASAN_OPTIONS", new_asan, TRUE);
    }
  return env;
}

static gboolean
spawn_child (Emulator *emu, char **command, GError **error)
{
  g_auto (GStrv) env = child_environment (emu);
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; command[i] != NULL; i++)
    g_ptr_array_add (argv,
                     g_strdup (g_str_equal (command[i], PORT_MARKER) ? emu->port : command[i]));
  g_ptr_array_add (argv, NULL);
  if (!g_spawn_async (NULL, (char **)argv->pdata, env,
                      G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD |
                          G_SPAWN_CHILD_INHERITS_STDIN,
                      NULL, NULL, &emu->child, error))
    return FALSE;
  emu->child_running = TRUE;
  g_child_watch_add (emu->child, child_watch_cb, emu);
  return TRUE;
}

static const char description[] =
    "Creates a pseudo-terminal whose far end is an emulated STM32 ROM bootloader\n"
    "speaking AN3155, runs COMMAND with BOOT0_UART_PORT=/dev/pts/N in its\n"
    "environment and every argument \"" PORT_MARKER "\" replaced by that path, and exits\n"
    "with COMMAND's status (127 cannot start, 64 bad options, 128+signal if killed).\n"
    "Without a command it prints the environment to use and serves until\n"
    "SIGINT/SIGTERM.\n"
    "\n"
    "Bytes are paced at the baud rate the client set on the terminal (11 bits a\n"
    "byte as on 8E1; 10 when the lines preload saw the client ask for no parity);\n"
    "erase and program take the datasheet times. A pty cannot do parity: clients\n"
    "must ask for none (stm32flash -m 8n1, boot0-cli --parity none).\n"
    "\n"
    "Faults (--fault SPEC, repeatable; OP in hex, N counts from 1):\n"
    "  nack=OP[:N]      NACK the Nth command with this opcode (default the 1st)\n"
    "  silence=OP[:N]   no answer at all to it\n"
    "  garbage=OP[:N]   one noise byte (0xF0) before its ACK\n"
    "                   (OP 7F: the synchronisation byte)\n"
    "  rdp              read-out protection active at start\n"
    "  unplug=BYTES     the adapter vanishes after BYTES bytes were received\n"
    "  bitflip=ADDR     bit 0 of the byte at ADDR is stored flipped when programmed\n"
    "\n"
    "Wirings (--wiring NAME; the chip starts in its application unless NAME is none):\n"
    "  none, dtr-reset-rts-boot0, rts-reset-dtr-boot0, dtr-reset, rts-reset\n"
    "  (boot0-cli entry presets: an asserted line drives its pin low), or\n"
    "  reset=LINE[,boot0=LINE] with LINE dtr|rts|brk, !LINE for an inverter.\n"
    "COMMAND then runs with LD_PRELOAD=" PRELOAD_NAME " and\n"
    "BOOT0_UART_LINES set, which report its line changes here.\n"
    "\n"
    "See tests/emulator/README.md for the --summary JSON.";

static gboolean
parse_line_name (const char *text, Line *line, gboolean *inverted)
{
  *inverted = text[0] == '!';
  if (*inverted)
    text++;
  if (g_str_equal (text, "dtr"))
    *line = LINE_DTR;
  else if (g_str_equal (text, "rts"))
    *line = LINE_RTS;
  else if (g_str_equal (text, "brk"))
    *line = LINE_BRK;
  else
    return FALSE;
  return TRUE;
}

static gboolean
parse_wiring (const char *text, Wiring *wiring)
{
  g_auto (GStrv) parts = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (wirings); i++)
    {
      if (g_str_equal (text, wirings[i].name))
        {
          *wiring = wirings[i];
          return TRUE;
        }
    }
  memset (wiring, 0, sizeof (*wiring));
  wiring->name = text;
  parts = g_strsplit (text, ",", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      if (g_str_has_prefix (parts[i], "reset=") &&
          parse_line_name (parts[i] + 6, &wiring->reset, &wiring->reset_inverted))
        continue;
      if (g_str_has_prefix (parts[i], "boot0=") &&
          parse_line_name (parts[i] + 6, &wiring->boot0, &wiring->boot0_inverted))
        continue;
      return FALSE;
    }
  return parts[0] != NULL;
}

static void
list_profiles (void)
{
  const EmuAn3155Profile *const *profiles = emu_an3155_profile_list ();

  for (guint i = 0; profiles[i] != NULL; i++)
    {
      const EmuAn3155Profile *p = profiles[i];
      g_print ("%-6s %s\n       device ID 0x%03X, bootloader v%u.%u, commands", p->name,
               p->description, p->device_id, p->version >> 4, p->version & 0xF);
      for (gsize c = 0; c < p->n_commands; c++)
        g_print (" %02X", p->commands[c]);
      g_print ("\n       flash %s\n", p->flash_layout);
    }
}

static void
options_clear (Options *options)
{
  g_free (options->profile);
  g_free (options->flash);
  g_strfreev (options->faults);
  g_free (options->wiring);
  g_free (options->summary);
}

/* Parses everything before "--" into options, faults and emu's wiring;
 * *command gets what follows it (or NULL). Returns -1 to go on, else the
 * exit status. */
static int
parse_options (int argc, char **argv, Options *options, EmuAn3155Faults *faults, Emulator *emu,
               char ***command)
{
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char **args = NULL;
  int n = argc;
  const GOptionEntry entries[] = {
    { "profile", 'p', 0, G_OPTION_ARG_STRING, &options->profile,
      "f103 or f405 (default f405); --list-profiles", "NAME" },
    { "checksum", 0, 0, G_OPTION_ARG_NONE, &options->checksum,
      "The bootloader also offers Get Checksum 0xA1", NULL },
    { "flash", 'f', 0, G_OPTION_ARG_FILENAME, &options->flash,
      "Flash contents file, created erased if missing, kept", "FILE" },
    { "no-timing", 'n', 0, G_OPTION_ARG_NONE, &options->no_timing,
      "No pacing at the baud rate; erase and program take no time", NULL },
    { "time-scale", 0, 0, G_OPTION_ARG_DOUBLE, &options->time_scale,
      "Multiply device times (erase, program) by this (default 1)", "F" },
    { "fault", 0, 0, G_OPTION_ARG_STRING_ARRAY, &options->faults, "Inject a fault (see below)",
      "SPEC" },
    { "wiring", 0, 0, G_OPTION_ARG_STRING, &options->wiring,
      "The board's NRST/BOOT0 are wired to the adapter's lines (see below)", "NAME" },
    { "summary", 0, 0, G_OPTION_ARG_FILENAME, &options->summary, "Write a JSON summary at exit",
      "FILE" },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &options->verbose, "Log protocol traffic to stderr",
      NULL },
    { "list-profiles", 0, 0, G_OPTION_ARG_NONE, &options->list_profiles,
      "List the profiles and exit", NULL },
    { NULL },
  };

  *command = NULL;
  for (int i = 1; i < argc; i++)
    {
      if (g_str_equal (argv[i], "--"))
        {
          n = i;
          *command = argv + i + 1;
          break;
        }
    }
  /* GOption rearranges the vector it parses: give it a copy. */
  args = g_new0 (char *, n + 1);
  memcpy (args, argv, sizeof (char *) * n);
  context = g_option_context_new ("[-- COMMAND [ARG...]]");
  g_option_context_set_summary (context, "An emulated STM32 USART bootloader (AN3155) on a "
                                         "pseudo-terminal, for tests and benchmarks.");
  g_option_context_set_description (context, description);
  g_option_context_add_main_entries (context, entries, NULL);
  {
    char **parse_args = args;
    if (!g_option_context_parse (context, &n, &parse_args, &error))
      {
        g_printerr ("boot0-uart-emulator: %s\n", error->message);
        return EX_USAGE;
      }
    if (n > 1)
      {
        g_printerr ("boot0-uart-emulator: unexpected argument '%s' (put the command after --)\n",
                    parse_args[1]);
        return EX_USAGE;
      }
  }
  if (options->list_profiles)
    {
      list_profiles ();
      return 0;
    }
  emu->profile = emu_an3155_profile_lookup (options->profile != NULL ? options->profile : "f405");
  if (emu->profile == NULL)
    {
      g_printerr ("boot0-uart-emulator: unknown profile '%s' (see --list-profiles)\n",
                  options->profile);
      return EX_USAGE;
    }
  for (guint i = 0; options->faults != NULL && options->faults[i] != NULL; i++)
    {
      if (!emu_an3155_faults_parse (faults, options->faults[i], &error))
        {
          g_printerr ("boot0-uart-emulator: %s\n", error->message);
          return EX_USAGE;
        }
    }
  if (options->wiring != NULL)
    {
      if (!parse_wiring (options->wiring, &emu->wiring))
        {
          g_printerr ("boot0-uart-emulator: unknown wiring '%s' (see --help)\n", options->wiring);
          return EX_USAGE;
        }
      emu->wired = TRUE;
    }
  if (options->time_scale < 0)
    {
      g_printerr ("boot0-uart-emulator: --time-scale must not be negative\n");
      return EX_USAGE;
    }
  if (*command != NULL && (*command)[0] == NULL)
    {
      g_printerr ("boot0-uart-emulator: no command after --\n");
      return EX_USAGE;
    }
  return -1;
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  EmuAn3155Faults faults;
  EmuAn3155Options model = { 0 };
  Options options = { .time_scale = 1.0 };
  Emulator emu = { .master = -1, .slave = -1, .timerfd = -1, .lines_fd = -1 };
  char **command = NULL;
  int status;

  emu_an3155_faults_init (&faults);
  status = parse_options (argc, argv, &options, &faults, &emu, &command);
  if (status >= 0)
    {
      emu_an3155_faults_clear (&faults);
      options_clear (&options);
      return status;
    }
  emu.options = &options;
  model.timing = !options.no_timing;
  model.time_scale = options.time_scale;
  model.checksum = options.checksum;
  model.verbose = options.verbose;
  /* Wired to the lines, the chip runs its application until they reset it
   * into the bootloader; otherwise BOOT0 is strapped high. */
  model.boot0_high = !emu.wired || (emu.wiring.reset == LINE_NONE && emu.wiring.boot0 == LINE_NONE);
  emu.loop = g_main_loop_new (NULL, FALSE);
  emu.pending = g_byte_array_new ();
  emu.scratch = g_byte_array_new ();
  emu.line_events = g_ptr_array_new_with_free_func (g_free);
  emu.start_ns = clock_ns ();
  emu.dev = emu_an3155_new (emu.profile, options.flash, &model, &faults, &error);
  emu_an3155_faults_clear (&faults);
  status = -1;
  if (emu.dev == NULL || !open_pty (&emu, &error) || (emu.wired && !start_lines (&emu, &error)))
    {
      g_printerr ("boot0-uart-emulator: %s\n", error->message);
      status = EX_SOFTWARE;
    }
  if (status < 0)
    {
      emu.timerfd = timerfd_create (CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
      emu.timer_watch = g_unix_fd_add (emu.timerfd, G_IO_IN, timer_cb, &emu);
      g_unix_signal_add (SIGINT, signal_cb, &emu);
      g_unix_signal_add (SIGTERM, signal_cb, &emu);
      g_unix_signal_add (SIGHUP, signal_cb, &emu);
      if (command == NULL)
        {
          g_autofree char *preload = preload_path ();
          g_print ("BOOT0_UART_PORT=%s\n", emu.port);
          if (emu.wired)
            g_print ("BOOT0_UART_LINES=%s\nLD_PRELOAD=%s\nASAN_OPTIONS=verify_asan_link_order=0\n",
                     emu.lines_path, preload);
          g_print ("\n");
          fflush (stdout);
          g_main_loop_run (emu.loop);
        }
      else if (spawn_child (&emu, command, &error))
        g_main_loop_run (emu.loop);
      else
        {
          g_printerr ("boot0-uart-emulator: cannot run %s: %s\n", command[0], error->message);
          emu.exit_status = 127;
        }
      status = emu.exit_status;
      if (!emu.unplugged)
        drain_master (&emu);
      if (options.summary != NULL)
        write_summary (&emu, options.summary, now_ns (&emu));
    }

  if (emu.master_watch != 0)
    g_source_remove (emu.master_watch);
  if (emu.out_watch != 0)
    g_source_remove (emu.out_watch);
  if (emu.timer_watch != 0)
    g_source_remove (emu.timer_watch);
  if (emu.lines_watch != 0)
    g_source_remove (emu.lines_watch);
  if (emu.timerfd >= 0)
    close (emu.timerfd);
  if (emu.master >= 0)
    close (emu.master);
  if (emu.slave >= 0)
    close (emu.slave);
  if (emu.lines_fd >= 0)
    close (emu.lines_fd);
  if (emu.lines_path != NULL)
    g_unlink (emu.lines_path);
  if (emu.lines_dir != NULL)
    g_rmdir (emu.lines_dir);
  g_free (emu.lines_path);
  g_free (emu.lines_dir);
  g_free (emu.port);
  emu_an3155_free (emu.dev);
  g_byte_array_unref (emu.pending);
  g_byte_array_unref (emu.scratch);
  g_ptr_array_unref (emu.line_events);
  g_main_loop_unref (emu.loop);
  options_clear (&options);
  return status;
}
