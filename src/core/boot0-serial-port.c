/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Serial ports: discovery and opening through libserialport, a POSIX
 * termios fallback for terminals it refuses, and byte I/O with exact
 * timeouts. libserialport codes and errno are mapped to BOOT0_ERROR here
 * and nowhere else. */
#include "config.h"

#include <errno.h>
#include <libserialport.h>
#include <string.h>

#include "boot0-error.h"
#include "boot0-serial-port.h"

#ifdef G_OS_UNIX
#include <fcntl.h>
#include <poll.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/sysmacros.h>
#endif
#endif

struct _Boot0SerialPort
{
  GObject parent_instance;

  char *name;
  guint baud;
  Boot0Parity parity;
  struct sp_port *sp; /* NULL with the termios fallback */
  int fd;             /* -1 when closed (POSIX) */
  gboolean fallback;
  gboolean is_open;
};

G_DEFINE_FINAL_TYPE (Boot0SerialPort, boot0_serial_port, G_TYPE_OBJECT)
G_DEFINE_BOXED_TYPE (Boot0SerialPortInfo, boot0_serial_port_info, boot0_serial_port_info_copy,
                     boot0_serial_port_info_free)

const char *
boot0_parity_to_string (Boot0Parity parity)
{
  switch (parity)
    {
      case BOOT0_PARITY_NONE:
        return "none";
      case BOOT0_PARITY_EVEN:
        return "even";
      case BOOT0_PARITY_ODD:
        return "odd";
      default:
        return "unknown";
    }
}

gboolean
boot0_parity_from_string (const char *str, Boot0Parity *parity)
{
  static const Boot0Parity all[] = { BOOT0_PARITY_NONE, BOOT0_PARITY_EVEN, BOOT0_PARITY_ODD };

  if (str == NULL)
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (all); i++)
    {
      if (g_ascii_strcasecmp (str, boot0_parity_to_string (all[i])) == 0)
        {
          if (parity != NULL)
            *parity = all[i];
          return TRUE;
        }
    }
  return FALSE;
}

/* Port information ----------------------------------------------------------- */

Boot0SerialPortInfo *
boot0_serial_port_info_copy (const Boot0SerialPortInfo *info)
{
  Boot0SerialPortInfo *copy;

  g_return_val_if_fail (info != NULL, NULL);
  copy = g_new0 (Boot0SerialPortInfo, 1);
  copy->name = g_strdup (info->name);
  copy->description = g_strdup (info->description);
  copy->manufacturer = g_strdup (info->manufacturer);
  copy->product = g_strdup (info->product);
  copy->serial = g_strdup (info->serial);
  copy->is_usb = info->is_usb;
  copy->usb_vid = info->usb_vid;
  copy->usb_pid = info->usb_pid;
  return copy;
}

void
boot0_serial_port_info_free (Boot0SerialPortInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->name);
  g_free (info->description);
  g_free (info->manufacturer);
  g_free (info->product);
  g_free (info->serial);
  g_free (info);
}

/* libserialport's message for its last failure, with the OS error. */
static char *
sp_error_text (enum sp_return rc)
{
  char *msg;
  char *copy;

  switch (rc)
    {
      case SP_ERR_ARG:
        return g_strdup ("invalid argument");
      case SP_ERR_MEM:
        return g_strdup ("out of memory");
      case SP_ERR_SUPP:
        return g_strdup ("not supported by this system or port");
      case SP_ERR_FAIL:
        msg = sp_last_error_message ();
        copy = g_strdup (msg != NULL ? g_strstrip (msg) : "unknown error");
        sp_free_error_message (msg);
        return copy;
      case SP_OK:
      default:
        return g_strdup ("no error");
    }
}

static gint
compare_info_cb (gconstpointer a, gconstpointer b)
{
  const Boot0SerialPortInfo *ia = *(const Boot0SerialPortInfo *const *)a;
  const Boot0SerialPortInfo *ib = *(const Boot0SerialPortInfo *const *)b;
  return g_strcmp0 (ia->name, ib->name);
}

GPtrArray *
boot0_serial_port_list (GError **error)
{
  g_autoptr (GPtrArray) result =
      g_ptr_array_new_with_free_func ((GDestroyNotify)boot0_serial_port_info_free);
  struct sp_port **ports = NULL;
  enum sp_return rc = sp_list_ports (&ports);

  if (rc != SP_OK)
    {
      g_autofree char *why = sp_error_text (rc);
      g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_IO, "could not list the serial ports: %s", why);
      return NULL;
    }
  for (guint i = 0; ports[i] != NULL; i++)
    {
      Boot0SerialPortInfo *info = g_new0 (Boot0SerialPortInfo, 1);
      const char *desc = sp_get_port_description (ports[i]);

      info->name = g_strdup (sp_get_port_name (ports[i]));
      info->description = g_strdup (desc != NULL ? desc : "");
      if (sp_get_port_transport (ports[i]) == SP_TRANSPORT_USB)
        {
          int vid = 0;
          int pid = 0;
          info->is_usb = sp_get_port_usb_vid_pid (ports[i], &vid, &pid) == SP_OK;
          info->usb_vid = (guint16)vid;
          info->usb_pid = (guint16)pid;
          info->manufacturer = g_strdup (sp_get_port_usb_manufacturer (ports[i]));
          info->product = g_strdup (sp_get_port_usb_product (ports[i]));
          info->serial = g_strdup (sp_get_port_usb_serial (ports[i]));
        }
      g_ptr_array_add (result, info);
    }
  sp_free_port_list (ports);
  g_ptr_array_sort (result, compare_info_cb);
  return g_steal_pointer (&result);
}

/* Errors ----------------------------------------------------------------------- */

/* Maps an errno from opening name to the core's codes, with what to do. */
static void
set_open_error (GError **error, const char *name, int errsv)
{
  switch (errsv)
    {
      case ENOENT:
      case ENODEV:
      case ENXIO:
        g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_NOT_FOUND,
                     "serial port %s does not exist: check the adapter is plugged in and the "
                     "name (boot0-cli ports lists them)",
                     name);
        break;
      case EACCES:
      case EPERM:
        g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_ACCESS_DENIED,
                     "no permission to open %s: add yourself to the group that owns it (often "
                     "'dialout': sudo usermod -aG dialout $USER, then log in again)",
                     name);
        break;
      case EBUSY:
      case EWOULDBLOCK:
        g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_BUSY,
                     "%s is in use by another program (a terminal, ModemManager, another "
                     "flasher): close it and try again",
                     name);
        break;
      default:
        g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_IO, "could not open %s: %s", name,
                     g_strerror (errsv));
        break;
    }
}

static gboolean
is_gone_errno (int errsv)
{
  return errsv == EIO || errsv == ENXIO || errsv == ENODEV || errsv == EBADF || errsv == EPIPE;
}

static void
set_gone_error (Boot0SerialPort *self, GError **error)
{
  g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_DEVICE_GONE,
               "the serial port %s went away (adapter unplugged?): plug it back in and run the "
               "command again",
               self->name);
}

/* Opening ---------------------------------------------------------------------- */

#ifdef G_OS_UNIX
static speed_t
baud_to_speed (guint baud)
{
  static const struct
  {
    guint baud;
    speed_t speed;
  } table[] = {
    { 1200, B1200 },       { 1800, B1800 },     { 2400, B2400 },   { 4800, B4800 },
    { 9600, B9600 },       { 19200, B19200 },   { 38400, B38400 }, { 57600, B57600 },
    { 115200, B115200 },   { 230400, B230400 },
#ifdef B460800
    { 460800, B460800 },
#endif
#ifdef B500000
    { 500000, B500000 },
#endif
#ifdef B576000
    { 576000, B576000 },
#endif
#ifdef B921600
    { 921600, B921600 },
#endif
#ifdef B1000000
    { 1000000, B1000000 },
#endif
#ifdef B1500000
    { 1500000, B1500000 },
#endif
#ifdef B2000000
    { 2000000, B2000000 },
#endif
#ifdef B3000000
    { 3000000, B3000000 },
#endif
#ifdef B4000000
    { 4000000, B4000000 },
#endif
  };
  for (guint i = 0; i < G_N_ELEMENTS (table); i++)
    if (table[i].baud == baud)
      return table[i].speed;
  return B0;
}

/* A pseudo-terminal slave: no line, so no framing to set. */
static gboolean
is_pseudo_terminal (int fd, const char *name)
{
  g_autofree char *real = realpath (name, NULL);
#ifdef __linux__
  struct stat st;
  /* UNIX98 pty slaves have majors 136-143 (Documentation/admin-guide/devices.txt). */
  if (fstat (fd, &st) == 0 && S_ISCHR (st.st_mode) && major (st.st_rdev) >= 136 &&
      major (st.st_rdev) <= 143)
    return TRUE;
#endif
  return real != NULL && g_str_has_prefix (real, "/dev/pts/");
}

/* After a failed tcsetattr: TRUE when the port already has all of tio but
 * the parity. Debian's glibc fails tcsetattr with EINVAL when no requested
 * change took effect, which is what a pty set up before (all but PARENB,
 * which it refuses) looks like. */
static gboolean
same_but_parity (int fd, const struct termios *tio)
{
  int errsv = errno;
  struct termios now;
  gboolean same;

  if (errsv != EINVAL || tcgetattr (fd, &now) != 0)
    {
      errno = errsv;
      return FALSE;
    }
  same = now.c_iflag == tio->c_iflag && now.c_oflag == tio->c_oflag &&
         now.c_lflag == tio->c_lflag &&
         (now.c_cflag & ~(tcflag_t)(PARENB | PARODD)) ==
             (tio->c_cflag & ~(tcflag_t)(PARENB | PARODD)) &&
         cfgetospeed (&now) == cfgetospeed (tio) && now.c_cc[VMIN] == tio->c_cc[VMIN] &&
         now.c_cc[VTIME] == tio->c_cc[VTIME];
  errno = errsv;
  return same;
}

/* The termios set-up for both paths' fd, or for the fallback the whole
 * configuration: raw 8 bits, the parity, 1 stop bit, no flow control. */
static gboolean
termios_configure (Boot0SerialPort *self, GError **error)
{
  struct termios tio;
  struct termios check;
  speed_t speed = baud_to_speed (self->baud);

  if (speed == B0)
    {
      g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_ARGUMENT,
                   "%s does not support %u baud: choose a standard rate such as 115200 or 57600",
                   self->name, self->baud);
      return FALSE;
    }
  if (tcgetattr (self->fd, &tio) != 0)
    {
      int errsv = errno;
      g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_ARGUMENT, "%s is not a serial port (%s)",
                   self->name, g_strerror (errsv));
      return FALSE;
    }
  cfmakeraw (&tio);
  tio.c_cflag &= ~(CSIZE | PARENB | PARODD | CSTOPB);
#ifdef CRTSCTS
  tio.c_cflag &= ~CRTSCTS;
#endif
  tio.c_cflag |= CS8 | CREAD | CLOCAL;
  if (self->parity != BOOT0_PARITY_NONE)
    tio.c_cflag |= PARENB;
  if (self->parity == BOOT0_PARITY_ODD)
    tio.c_cflag |= PARODD;
  tio.c_iflag &= ~(IXON | IXOFF | IXANY | INPCK | ISTRIP);
  tio.c_cc[VMIN] = 0;
  tio.c_cc[VTIME] = 0;
  cfsetispeed (&tio, speed);
  cfsetospeed (&tio, speed);
  if (tcsetattr (self->fd, TCSANOW, &tio) != 0 && !same_but_parity (self->fd, &tio))
    {
      int errsv = errno;
      g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_IO, "could not set up %s at %u baud: %s",
                   self->name, self->baud, g_strerror (errsv));
      return FALSE;
    }
  /* tcsetattr succeeds when any part applied; see what the driver kept. */
  if (tcgetattr (self->fd, &check) == 0 && self->parity != BOOT0_PARITY_NONE &&
      !(check.c_cflag & PARENB))
    {
      if (!is_pseudo_terminal (self->fd, self->name))
        {
          g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_NOT_SUPPORTED,
                       "%s cannot use %s parity, which the STM32 bootloader needs (8E1); use an "
                       "adapter that supports parity",
                       self->name, boot0_parity_to_string (self->parity));
          return FALSE;
        }
      /* The Linux pty forces 8N1 (DESIGN.md §2): bytes cross it unframed,
       * so the parity asked for has no meaning there. */
      g_debug ("%s is a pseudo-terminal: it keeps 8N1", self->name);
    }
  return TRUE;
}

/* Exclusive use: another program opening the port mid-job would steal
 * bytes. flock() for cooperating programs, TIOCEXCL for the rest. */
static gboolean
lock_port (Boot0SerialPort *self, GError **error)
{
  if (flock (self->fd, LOCK_EX | LOCK_NB) != 0)
    {
      int errsv = errno;
      if (errsv == EWOULDBLOCK)
        {
          set_open_error (error, self->name, EBUSY);
          return FALSE;
        }
    }
#ifdef TIOCEXCL
  ioctl (self->fd, TIOCEXCL);
#endif
  return TRUE;
}

static gboolean
open_fallback (Boot0SerialPort *self, GError **error)
{
  self->fd = open (self->name, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  if (self->fd < 0)
    {
      set_open_error (error, self->name, errno);
      return FALSE;
    }
  if (!isatty (self->fd))
    {
      g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_ARGUMENT,
                   "%s is not a serial port: give the adapter's device, such as /dev/ttyUSB0 "
                   "(boot0-cli ports lists them)",
                   self->name);
      return FALSE;
    }
  self->fallback = TRUE;
  return lock_port (self, error) && termios_configure (self, error);
}
#endif

static enum sp_parity
to_sp_parity (Boot0Parity parity)
{
  switch (parity)
    {
      case BOOT0_PARITY_EVEN:
        return SP_PARITY_EVEN;
      case BOOT0_PARITY_ODD:
        return SP_PARITY_ODD;
      case BOOT0_PARITY_NONE:
      default:
        return SP_PARITY_NONE;
    }
}

/* Through libserialport. FALSE with *try_fallback when it refused a port
 * it does not know how to handle (a pseudo-terminal: no sysfs entry, no
 * TIOCMGET), so the termios path may try. */
static gboolean
open_libserialport (Boot0SerialPort *self, gboolean *try_fallback, GError **error)
{
  struct sp_port_config *config = NULL;
  enum sp_return rc;

  *try_fallback = FALSE;
  if (sp_get_port_by_name (self->name, &self->sp) != SP_OK)
    {
      self->sp = NULL;
      *try_fallback = TRUE;
      return FALSE;
    }
  rc = sp_open (self->sp, SP_MODE_READ_WRITE);
  if (rc != SP_OK)
    {
      int errsv = rc == SP_ERR_FAIL ? sp_last_error_code () : 0;
      sp_free_port (self->sp);
      self->sp = NULL;
      if (errsv == ENOENT || errsv == EACCES || errsv == EPERM || errsv == EBUSY || errsv == ENODEV)
        {
          set_open_error (error, self->name, errsv);
          return FALSE;
        }
      *try_fallback = TRUE;
      return FALSE;
    }
  /* Fields left at -1 keep their value: DTR and RTS stay as they are. */
  rc = sp_new_config (&config);
  if (rc == SP_OK)
    {
      sp_set_config_baudrate (config, (int)self->baud);
      sp_set_config_bits (config, 8);
      sp_set_config_parity (config, to_sp_parity (self->parity));
      sp_set_config_stopbits (config, 1);
      sp_set_config_cts (config, SP_CTS_IGNORE);
      sp_set_config_dsr (config, SP_DSR_IGNORE);
      sp_set_config_xon_xoff (config, SP_XONXOFF_DISABLED);
      rc = sp_set_config (self->sp, config);
      sp_free_config (config);
    }
  if (rc != SP_OK)
    {
      g_autofree char *why = sp_error_text (rc);
      g_set_error (error, BOOT0_ERROR,
                   rc == SP_ERR_ARG || rc == SP_ERR_SUPP ? BOOT0_ERROR_INVALID_ARGUMENT
                                                         : BOOT0_ERROR_IO,
                   "could not set %s to %u baud, 8 bits, %s parity: %s", self->name, self->baud,
                   boot0_parity_to_string (self->parity), why);
      return FALSE;
    }
#ifdef G_OS_UNIX
  if (sp_get_port_handle (self->sp, &self->fd) != SP_OK)
    {
      g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_IO, "could not use %s", self->name);
      return FALSE;
    }
  /* Our own poll() loop does the waiting. */
  fcntl (self->fd, F_SETFL, fcntl (self->fd, F_GETFL) | O_NONBLOCK);
  return lock_port (self, error);
#else
  return TRUE;
#endif
}

static void
close_port (Boot0SerialPort *self)
{
  if (self->sp != NULL)
    {
      sp_close (self->sp);
      sp_free_port (self->sp);
      self->sp = NULL;
#ifdef G_OS_UNIX
      self->fd = -1;
#endif
    }
#ifdef G_OS_UNIX
  if (self->fd >= 0)
    {
      close (self->fd);
      self->fd = -1;
    }
#endif
  self->is_open = FALSE;
}

static void
boot0_serial_port_finalize (GObject *object)
{
  Boot0SerialPort *self = BOOT0_SERIAL_PORT (object);

  close_port (self);
  g_free (self->name);
  G_OBJECT_CLASS (boot0_serial_port_parent_class)->finalize (object);
}

static void
boot0_serial_port_class_init (Boot0SerialPortClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = boot0_serial_port_finalize;
}

static void
boot0_serial_port_init (Boot0SerialPort *self)
{
  self->fd = -1;
}

Boot0SerialPort *
boot0_serial_port_open (const char *name, guint baud, Boot0Parity parity, GError **error)
{
  g_autoptr (Boot0SerialPort) self = NULL;
  gboolean try_fallback = FALSE;

  g_return_val_if_fail (name != NULL, NULL);
  if (*name == '\0')
    {
      g_set_error_literal (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_ARGUMENT,
                           "no serial port given");
      return NULL;
    }
  if (baud < 300 || baud > 4000000)
    {
      g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_ARGUMENT,
                   "%u baud is out of range: the STM32 bootloader takes 1200 to 115200 baud "
                   "(more on some parts)",
                   baud);
      return NULL;
    }
  self = g_object_new (BOOT0_TYPE_SERIAL_PORT, NULL);
  self->name = g_strdup (name);
  self->baud = baud;
  self->parity = parity;

  if (!open_libserialport (self, &try_fallback, error))
    {
      close_port (self);
#ifdef G_OS_UNIX
      if (!try_fallback || !open_fallback (self, error))
        {
          close_port (self);
          return NULL;
        }
#else
      if (try_fallback)
        set_open_error (error, name, ENOENT);
      return NULL;
#endif
    }
  self->is_open = TRUE;
  if (!boot0_serial_port_flush_input (self, error))
    return NULL;
  return g_steal_pointer (&self);
}

const char *
boot0_serial_port_get_name (Boot0SerialPort *self)
{
  g_return_val_if_fail (BOOT0_IS_SERIAL_PORT (self), NULL);
  return self->name;
}

guint
boot0_serial_port_get_baud (Boot0SerialPort *self)
{
  g_return_val_if_fail (BOOT0_IS_SERIAL_PORT (self), 0);
  return self->baud;
}

Boot0Parity
boot0_serial_port_get_parity (Boot0SerialPort *self)
{
  g_return_val_if_fail (BOOT0_IS_SERIAL_PORT (self), BOOT0_PARITY_NONE);
  return self->parity;
}

gboolean
boot0_serial_port_is_fallback (Boot0SerialPort *self)
{
  g_return_val_if_fail (BOOT0_IS_SERIAL_PORT (self), FALSE);
  return self->fallback;
}

guint
boot0_serial_port_get_char_time_us (Boot0SerialPort *self)
{
  guint bits;

  g_return_val_if_fail (BOOT0_IS_SERIAL_PORT (self), 0);
  bits = self->parity == BOOT0_PARITY_NONE ? 10 : 11;
  return (guint)(((guint64)bits * 1000000 + self->baud - 1) / self->baud);
}

void
boot0_serial_port_close (Boot0SerialPort *self)
{
  g_return_if_fail (BOOT0_IS_SERIAL_PORT (self));
  close_port (self);
}

gboolean
boot0_serial_port_is_open (Boot0SerialPort *self)
{
  g_return_val_if_fail (BOOT0_IS_SERIAL_PORT (self), FALSE);
  return self->is_open;
}

static gboolean
check_open (Boot0SerialPort *self, GError **error)
{
  if (self->is_open)
    return TRUE;
  g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_ARGUMENT, "the serial port %s is not open",
               self->name);
  return FALSE;
}

/* I/O ----------------------------------------------------------------------------- */

#ifdef G_OS_UNIX
/* Milliseconds to deadline, rounded up so poll() never wakes early. */
static int
remaining_ms (gint64 deadline)
{
  gint64 left = deadline - g_get_monotonic_time ();
  if (left <= 0)
    return 0;
  return (int)MIN ((left + 999) / 1000, (gint64)G_MAXINT);
}

/* Waits for events on the fd until deadline; FALSE on timeout (no error)
 * or failure (error set). */
static gboolean
wait_fd (Boot0SerialPort *self, short events, gint64 deadline, gboolean *ready, GError **error)
{
  for (;;)
    {
      struct pollfd pfd = { .fd = self->fd, .events = events };
      int timeout = remaining_ms (deadline);
      int rc = poll (&pfd, 1, timeout);

      if (rc < 0)
        {
          int errsv = errno;
          if (errsv == EINTR)
            continue;
          g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_IO, "waiting on %s failed: %s", self->name,
                       g_strerror (errsv));
          return FALSE;
        }
      if (rc == 0)
        {
          *ready = FALSE;
          return TRUE;
        }
      if (pfd.revents & POLLNVAL)
        {
          set_gone_error (self, error);
          return FALSE;
        }
      /* POLLHUP with data still buffered: read it first; read() then
       * reports the hangup (EIO or 0). */
      *ready = TRUE;
      return TRUE;
    }
}
#endif

gboolean
boot0_serial_port_write (Boot0SerialPort *self, const guint8 *data, gsize len, guint timeout_ms,
                         GError **error)
{
  g_return_val_if_fail (BOOT0_IS_SERIAL_PORT (self), FALSE);
  g_return_val_if_fail (data != NULL || len == 0, FALSE);
  if (!check_open (self, error))
    return FALSE;
#ifdef G_OS_UNIX
  {
    gint64 deadline = g_get_monotonic_time () + (gint64)timeout_ms * 1000;
    gsize done = 0;

    while (done < len)
      {
        ssize_t n = write (self->fd, data + done, len - done);
        if (n > 0)
          {
            done += (gsize)n;
            continue;
          }
        if (n < 0 && errno == EINTR)
          continue;
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
          {
            int errsv = errno;
            if (is_gone_errno (errsv))
              set_gone_error (self, error);
            else
              g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_IO, "writing to %s failed: %s",
                           self->name, g_strerror (errsv));
            return FALSE;
          }
        {
          gboolean ready = FALSE;
          if (!wait_fd (self, POLLOUT, deadline, &ready, error))
            return FALSE;
          if (!ready)
            {
              g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_TIMED_OUT,
                           "%s took no data for %u ms (flow control stuck?)", self->name,
                           timeout_ms);
              return FALSE;
            }
        }
      }
    return TRUE;
  }
#else
  {
    enum sp_return rc = sp_blocking_write (self->sp, data, len, timeout_ms);
    if (rc < 0)
      {
        g_autofree char *why = sp_error_text (rc);
        g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_IO, "writing to %s failed: %s", self->name,
                     why);
        return FALSE;
      }
    if ((gsize)rc < len)
      {
        g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_TIMED_OUT, "%s took no data for %u ms",
                     self->name, timeout_ms);
        return FALSE;
      }
    return TRUE;
  }
#endif
}

gboolean
boot0_serial_port_drain (Boot0SerialPort *self, GError **error)
{
  g_return_val_if_fail (BOOT0_IS_SERIAL_PORT (self), FALSE);
  if (!check_open (self, error))
    return FALSE;
#ifdef G_OS_UNIX
  while (tcdrain (self->fd) != 0)
    {
      int errsv = errno;
      if (errsv == EINTR)
        continue;
      if (is_gone_errno (errsv))
        set_gone_error (self, error);
      else
        g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_IO, "waiting for %s to send failed: %s",
                     self->name, g_strerror (errsv));
      return FALSE;
    }
  return TRUE;
#else
  if (sp_drain (self->sp) != SP_OK)
    {
      g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_IO, "waiting for %s to send failed", self->name);
      return FALSE;
    }
  return TRUE;
#endif
}

/* Reads until at least min bytes (up to len) came or the deadline. */
static gboolean
read_until (Boot0SerialPort *self, guint8 *buf, gsize len, gsize min, guint timeout_ms,
            gsize *n_read, GError **error)
{
  gsize done = 0;

  *n_read = 0;
  if (!check_open (self, error))
    return FALSE;
#ifdef G_OS_UNIX
  {
    gint64 deadline = g_get_monotonic_time () + (gint64)timeout_ms * 1000;

    while (done < min)
      {
        ssize_t n = read (self->fd, buf + done, len - done);
        if (n > 0)
          {
            done += (gsize)n;
            continue;
          }
        if (n < 0 && errno == EINTR)
          continue;
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
          {
            int errsv = errno;
            *n_read = done;
            if (is_gone_errno (errsv))
              set_gone_error (self, error);
            else
              g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_IO, "reading from %s failed: %s",
                           self->name, g_strerror (errsv));
            return FALSE;
          }
        {
          struct pollfd pfd = { .fd = self->fd, .events = POLLIN };
          gboolean ready = FALSE;
          /* read() == 0 on a terminal after poll() said readable is a
           * hangup (the other end closed). */
          if (n == 0 && poll (&pfd, 1, 0) == 1 && (pfd.revents & (POLLHUP | POLLERR)))
            {
              *n_read = done;
              set_gone_error (self, error);
              return FALSE;
            }
          if (!wait_fd (self, POLLIN, deadline, &ready, error))
            {
              *n_read = done;
              return FALSE;
            }
          if (!ready)
            break;
        }
      }
  }
#else
  {
    enum sp_return rc = min == len ? sp_blocking_read (self->sp, buf, len, timeout_ms)
                                   : sp_blocking_read_next (self->sp, buf, len, timeout_ms);
    if (rc < 0)
      {
        g_autofree char *why = sp_error_text (rc);
        g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_IO, "reading from %s failed: %s", self->name,
                     why);
        return FALSE;
      }
    done = (gsize)rc;
  }
#endif
  *n_read = done;
  if (done < min)
    {
      g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_TIMED_OUT,
                   "no answer on %s within %u ms (%" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT
                   " bytes came)",
                   self->name, timeout_ms, done, min);
      return FALSE;
    }
  return TRUE;
}

gboolean
boot0_serial_port_read (Boot0SerialPort *self, guint8 *buf, gsize len, guint timeout_ms,
                        GError **error)
{
  gsize n = 0;

  g_return_val_if_fail (BOOT0_IS_SERIAL_PORT (self), FALSE);
  g_return_val_if_fail (buf != NULL || len == 0, FALSE);
  return read_until (self, buf, len, len, timeout_ms, &n, error);
}

gboolean
boot0_serial_port_read_some (Boot0SerialPort *self, guint8 *buf, gsize len, guint timeout_ms,
                             gsize *n_read, GError **error)
{
  gsize n = 0;
  gboolean ok;

  g_return_val_if_fail (BOOT0_IS_SERIAL_PORT (self), FALSE);
  g_return_val_if_fail (buf != NULL && len > 0, FALSE);
  ok = read_until (self, buf, len, 1, timeout_ms, &n, error);
  if (n_read != NULL)
    *n_read = n;
  return ok;
}

gboolean
boot0_serial_port_flush_input (Boot0SerialPort *self, GError **error)
{
  g_return_val_if_fail (BOOT0_IS_SERIAL_PORT (self), FALSE);
  if (!check_open (self, error))
    return FALSE;
#ifdef G_OS_UNIX
  if (tcflush (self->fd, TCIFLUSH) != 0)
    {
      int errsv = errno;
      if (is_gone_errno (errsv))
        set_gone_error (self, error);
      else
        g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_IO, "could not flush %s: %s", self->name,
                     g_strerror (errsv));
      return FALSE;
    }
  return TRUE;
#else
  if (sp_flush (self->sp, SP_BUF_INPUT) != SP_OK)
    {
      g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_IO, "could not flush %s", self->name);
      return FALSE;
    }
  return TRUE;
#endif
}

/* Control lines ----------------------------------------------------------------- */

static void
set_line_error (Boot0SerialPort *self, const char *line, int errsv, GError **error)
{
  if (errsv == ENOTTY || errsv == EINVAL || errsv == ENOSYS || errsv == EOPNOTSUPP)
    g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_NOT_SUPPORTED,
                 "%s has no %s line to drive (a pseudo-terminal or a 2-wire adapter?): use "
                 "--entry none and put the board in bootloader mode by hand",
                 self->name, line);
  else if (is_gone_errno (errsv))
    set_gone_error (self, error);
  else
    g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_IO, "could not set %s on %s: %s", line, self->name,
                 g_strerror (errsv));
}

#ifdef G_OS_UNIX
/* TIOCMBIS/TIOCMBIC change one line without a read-modify-write race;
 * libserialport does the same underneath. */
static gboolean
set_modem_bit (Boot0SerialPort *self, int bit, const char *line, gboolean asserted, GError **error)
{
  if (ioctl (self->fd, asserted ? TIOCMBIS : TIOCMBIC, &bit) != 0)
    {
      set_line_error (self, line, errno, error);
      return FALSE;
    }
  return TRUE;
}
#endif

gboolean
boot0_serial_port_set_dtr (Boot0SerialPort *self, gboolean asserted, GError **error)
{
  g_return_val_if_fail (BOOT0_IS_SERIAL_PORT (self), FALSE);
  if (!check_open (self, error))
    return FALSE;
#ifdef G_OS_UNIX
  return set_modem_bit (self, TIOCM_DTR, "DTR", asserted, error);
#else
  if (sp_set_dtr (self->sp, asserted ? SP_DTR_ON : SP_DTR_OFF) != SP_OK)
    {
      set_line_error (self, "DTR", EIO, error);
      return FALSE;
    }
  return TRUE;
#endif
}

gboolean
boot0_serial_port_set_rts (Boot0SerialPort *self, gboolean asserted, GError **error)
{
  g_return_val_if_fail (BOOT0_IS_SERIAL_PORT (self), FALSE);
  if (!check_open (self, error))
    return FALSE;
#ifdef G_OS_UNIX
  return set_modem_bit (self, TIOCM_RTS, "RTS", asserted, error);
#else
  if (sp_set_rts (self->sp, asserted ? SP_RTS_ON : SP_RTS_OFF) != SP_OK)
    {
      set_line_error (self, "RTS", EIO, error);
      return FALSE;
    }
  return TRUE;
#endif
}

gboolean
boot0_serial_port_set_break (Boot0SerialPort *self, gboolean on, GError **error)
{
  g_return_val_if_fail (BOOT0_IS_SERIAL_PORT (self), FALSE);
  if (!check_open (self, error))
    return FALSE;
#ifdef G_OS_UNIX
  if (ioctl (self->fd, on ? TIOCSBRK : TIOCCBRK) != 0)
    {
      set_line_error (self, "BREAK", errno, error);
      return FALSE;
    }
  return TRUE;
#else
  if ((on ? sp_start_break (self->sp) : sp_end_break (self->sp)) != SP_OK)
    {
      set_line_error (self, "BREAK", EIO, error);
      return FALSE;
    }
  return TRUE;
#endif
}
