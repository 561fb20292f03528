/* SPDX-License-Identifier: GPL-3.0-or-later */
/* boot0-uart-lines-preload.so: modem-control lines for boot0-uart-emulator's
 * pseudo-terminal. A pty has none (TIOCMGET answers ENOTTY), so this
 * LD_PRELOAD library answers the line requests on that one terminal itself
 * and reports every change synchronously to the emulator over the unix
 * socket named by BOOT0_UART_LINES: the emulator has applied it (reset the
 * chip, ...) before the call returns. It also reports opening and closing
 * the port (the kernel raises DTR and RTS on open, drops them on the last
 * close with HUPCL) and the termios c_cflag asked for, since the pty
 * silently clears PARENB.
 *
 * Plain libc, no GLib: it is loaded into arbitrary programs (stm32flash,
 * python3). Built without sanitizers; under an ASan program it comes first
 * in the library list, hence ASAN_OPTIONS=verify_asan_link_order=0.
 *
 * One request per connection, a text line each way:
 *   open | close hupcl=0|1 | get | set N | bis N | bic N | brk 0|1 | cflag N
 * answered "ok [N]" (N = the TIOCM bits now). */

/* Define open() and open64() as the symbols they are, not as redirects. */
#undef _FILE_OFFSET_BITS
#define _GNU_SOURCE

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

/* The kernel's struct termios2 (TCSETS2), c_cflag at the same offset. */
struct termios2
{
  tcflag_t c_iflag, c_oflag, c_cflag, c_lflag;
  cc_t c_line;
  cc_t c_cc[19];
  speed_t c_ispeed, c_ospeed;
};

#define MAX_FDS 4096

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int active; /* both variables set and the port found */
static dev_t port_rdev;
static char socket_path[108];
static unsigned char tracked[MAX_FDS]; /* fds of the port opened by this process */
static int open_count;

static int (*real_ioctl) (int, unsigned long, ...);
static int (*real_open) (const char *, int, ...);
static int (*real_open64) (const char *, int, ...);
static int (*real_openat) (int, const char *, int, ...);
static int (*real_openat64) (int, const char *, int, ...);
static int (*real_open_2) (const char *, int);
static int (*real_open64_2) (const char *, int);
static int (*real_close) (int);
static int (*real_tcsetattr) (int, int, const struct termios *);
static int (*real_tcsendbreak) (int, int);

static void
init (void)
{
  const char *port = getenv ("BOOT0_UART_PORT");
  const char *sock = getenv ("BOOT0_UART_LINES");
  struct stat st;

  real_ioctl = dlsym (RTLD_NEXT, "ioctl");
  real_open = dlsym (RTLD_NEXT, "open");
  real_open64 = dlsym (RTLD_NEXT, "open64");
  real_openat = dlsym (RTLD_NEXT, "openat");
  real_openat64 = dlsym (RTLD_NEXT, "openat64");
  real_open_2 = dlsym (RTLD_NEXT, "__open_2");
  real_open64_2 = dlsym (RTLD_NEXT, "__open64_2");
  real_close = dlsym (RTLD_NEXT, "close");
  real_tcsetattr = dlsym (RTLD_NEXT, "tcsetattr");
  real_tcsendbreak = dlsym (RTLD_NEXT, "tcsendbreak");
  if (port == NULL || sock == NULL || strlen (sock) >= sizeof (socket_path))
    return;
  if (stat (port, &st) != 0 || !S_ISCHR (st.st_mode))
    return;
  port_rdev = st.st_rdev;
  strcpy (socket_path, sock);
  active = 1;
}

static void
ensure_init (void)
{
  pthread_once (&once, init);
}

static int
is_port (int fd)
{
  struct stat st;

  ensure_init ();
  if (!active || fd < 0)
    return 0;
  return fstat (fd, &st) == 0 && S_ISCHR (st.st_mode) && st.st_rdev == port_rdev;
}

/* Sends one request and waits for the emulator's answer. Returns the number
 * after "ok" (0 if none), or -1 with errno EIO when the emulator is gone. */
static int
request (const char *format, ...)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  struct timeval tv = { .tv_sec = 10 };
  char line[128];
  char reply[64];
  size_t got = 0;
  va_list args;
  int fd;
  int n;

  va_start (args, format);
  n = vsnprintf (line, sizeof (line) - 1, format, args);
  va_end (args);
  if (n < 0 || (size_t)n >= sizeof (line) - 1)
    {
      errno = EIO;
      return -1;
    }
  line[n++] = '\n';
  strcpy (addr.sun_path, socket_path);
  fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    goto fail;
  setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof (tv));
  if (connect (fd, (struct sockaddr *)&addr, sizeof (addr)) != 0 || write (fd, line, n) != n)
    goto fail;
  while (got < sizeof (reply) - 1)
    {
      ssize_t r = read (fd, reply + got, sizeof (reply) - 1 - got);
      if (r <= 0)
        goto fail;
      got += (size_t)r;
      if (memchr (reply, '\n', got) != NULL)
        break;
    }
  reply[got] = '\0';
  real_close (fd);
  if (strncmp (reply, "ok", 2) != 0)
    {
      errno = EIO;
      return -1;
    }
  return atoi (reply + 2);

fail:
  if (fd >= 0)
    real_close (fd);
  errno = EIO;
  return -1;
}

static void
opened (int fd)
{
  if (fd < 0 || fd >= MAX_FDS || !is_port (fd))
    return;
  pthread_mutex_lock (&lock);
  if (!tracked[fd])
    {
      tracked[fd] = 1;
      if (open_count++ == 0)
        request ("open");
    }
  pthread_mutex_unlock (&lock);
}

static int
needs_mode (int flags)
{
  return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE;
}

int
open (const char *path, int flags, ...)
{
  mode_t mode = 0;
  int fd;

  ensure_init ();
  if (needs_mode (flags))
    {
      va_list args;
      va_start (args, flags);
      mode = va_arg (args, mode_t);
      va_end (args);
    }
  fd = real_open (path, flags, mode);
  opened (fd);
  return fd;
}

int
open64 (const char *path, int flags, ...)
{
  mode_t mode = 0;
  int fd;

  ensure_init ();
  if (needs_mode (flags))
    {
      va_list args;
      va_start (args, flags);
      mode = va_arg (args, mode_t);
      va_end (args);
    }
  fd = real_open64 (path, flags, mode);
  opened (fd);
  return fd;
}

int
openat (int dirfd, const char *path, int flags, ...)
{
  mode_t mode = 0;
  int fd;

  ensure_init ();
  if (needs_mode (flags))
    {
      va_list args;
      va_start (args, flags);
      mode = va_arg (args, mode_t);
      va_end (args);
    }
  fd = real_openat (dirfd, path, flags, mode);
  opened (fd);
  return fd;
}

int
openat64 (int dirfd, const char *path, int flags, ...)
{
  mode_t mode = 0;
  int fd;

  ensure_init ();
  if (needs_mode (flags))
    {
      va_list args;
      va_start (args, flags);
      mode = va_arg (args, mode_t);
      va_end (args);
    }
  fd = real_openat64 (dirfd, path, flags, mode);
  opened (fd);
  return fd;
}

/* _FORTIFY_SOURCE variants */
int __open_2 (const char *path, int flags);
int __open64_2 (const char *path, int flags);

int
__open_2 (const char *path, int flags)
{
  int fd;
  ensure_init ();
  fd = real_open_2 (path, flags);
  opened (fd);
  return fd;
}

int
__open64_2 (const char *path, int flags)
{
  int fd;
  ensure_init ();
  fd = real_open64_2 (path, flags);
  opened (fd);
  return fd;
}

int
close (int fd)
{
  struct termios t;
  int hupcl = 0;
  int was_tracked;
  int r;

  ensure_init ();
  if (fd < 0 || fd >= MAX_FDS || !tracked[fd])
    return real_close (fd);
  if (tcgetattr (fd, &t) == 0)
    hupcl = (t.c_cflag & HUPCL) != 0;
  r = real_close (fd);
  pthread_mutex_lock (&lock);
  was_tracked = tracked[fd];
  tracked[fd] = 0;
  if (was_tracked && --open_count == 0)
    request ("close hupcl=%d", hupcl);
  pthread_mutex_unlock (&lock);
  return r;
}

static int
locked_request_bits (const char *what, int bits)
{
  int r;
  pthread_mutex_lock (&lock);
  r = request ("%s %d", what, bits);
  pthread_mutex_unlock (&lock);
  return r;
}

static void
sleep_ms (long ms)
{
  struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
  while (nanosleep (&ts, &ts) != 0 && errno == EINTR)
    ;
}

static int
send_break (long ms)
{
  if (locked_request_bits ("brk", 1) < 0)
    return -1;
  sleep_ms (ms);
  return locked_request_bits ("brk", 0) < 0 ? -1 : 0;
}

int
ioctl (int fd, unsigned long request_code, ...)
{
  va_list args;
  void *arg;
  int r;

  va_start (args, request_code);
  arg = va_arg (args, void *);
  va_end (args);
  ensure_init ();

  switch (request_code)
    {
      case TIOCMGET:
      case TIOCMSET:
      case TIOCMBIS:
      case TIOCMBIC:
      case TIOCSBRK:
      case TIOCCBRK:
      case TCSBRK:
      case TCSBRKP:
      case TCSETS:
      case TCSETSW:
      case TCSETSF:
      case TCSETS2:
      case TCSETSW2:
      case TCSETSF2:
        if (is_port (fd))
          break;
        return real_ioctl (fd, request_code, arg);
      default:
        return real_ioctl (fd, request_code, arg);
    }

  switch (request_code)
    {
      case TIOCMGET:
        r = locked_request_bits ("get", 0);
        if (r < 0)
          return -1;
        *(int *)arg = r;
        return 0;
      case TIOCMSET:
        return locked_request_bits ("set", *(const int *)arg) < 0 ? -1 : 0;
      case TIOCMBIS:
        return locked_request_bits ("bis", *(const int *)arg) < 0 ? -1 : 0;
      case TIOCMBIC:
        return locked_request_bits ("bic", *(const int *)arg) < 0 ? -1 : 0;
      case TIOCSBRK:
        return locked_request_bits ("brk", 1) < 0 ? -1 : 0;
      case TIOCCBRK:
        return locked_request_bits ("brk", 0) < 0 ? -1 : 0;
      case TCSBRK:
        /* a non-zero argument is tcdrain() */
        if ((int)(long)arg != 0)
          return real_ioctl (fd, request_code, arg);
        return send_break (250);
      case TCSBRKP:
        return send_break ((int)(long)arg == 0 ? 250 : 100L * (int)(long)arg);
      default:
        /* TCSETS*: c_cflag is the third field of termios and termios2 alike */
        locked_request_bits ("cflag", (int)((const struct termios2 *)arg)->c_cflag);
        return real_ioctl (fd, request_code, arg);
    }
}

int
tcsetattr (int fd, int action, const struct termios *t)
{
  ensure_init ();
  if (t != NULL && is_port (fd))
    locked_request_bits ("cflag", (int)t->c_cflag);
  return real_tcsetattr (fd, action, t);
}

/* glibc's tcsendbreak() issues its ioctl inside libc, past our ioctl(). */
int
tcsendbreak (int fd, int duration)
{
  ensure_init ();
  if (!is_port (fd))
    return real_tcsendbreak (fd, duration);
  return send_break (duration <= 0 ? 250 : duration);
}
