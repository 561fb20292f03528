/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Test equipment (LD_PRELOAD): while the file named by BOOT0_TEST_DENY_USB
 * exists, opening a USB device node fails with EACCES, as it does for a user
 * without Boot0's udev rule. The tests run as root, which file modes do not
 * stop, so this is the only way to show Boot0 a device it may not open. Put
 * it before umockdev's preload so it sees the path the program asked for. */
#define _GNU_SOURCE
/* Each symbol is defined under its own name: no fortified inlines, no
 * open -> open64 redirection. */
#undef _FORTIFY_SOURCE
#undef _FILE_OFFSET_BITS
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int
denied (const char *path)
{
  const char *flag = getenv ("BOOT0_TEST_DENY_USB");
  struct stat st;

  if (flag == NULL || path == NULL || strncmp (path, "/dev/bus/usb/", 13) != 0)
    return 0;
  return stat (flag, &st) == 0;
}

static mode_t
mode_arg (int flags, va_list ap)
{
  return (flags & (O_CREAT | O_TMPFILE)) != 0 ? (mode_t)va_arg (ap, int) : 0;
}

#define WRAP_OPEN(name)                                                                            \
  int name (const char *path, int flags, ...)                                                      \
  {                                                                                                \
    static int (*real) (const char *, int, ...);                                                   \
    va_list ap;                                                                                    \
    mode_t mode;                                                                                   \
    va_start (ap, flags);                                                                          \
    mode = mode_arg (flags, ap);                                                                   \
    va_end (ap);                                                                                   \
    if (denied (path))                                                                             \
      {                                                                                            \
        errno = EACCES;                                                                            \
        return -1;                                                                                 \
      }                                                                                            \
    if (real == NULL)                                                                              \
      real = (int (*) (const char *, int, ...))dlsym (RTLD_NEXT, #name);                           \
    return real (path, flags, mode);                                                               \
  }

#define WRAP_OPENAT(name)                                                                          \
  int name (int dirfd, const char *path, int flags, ...)                                           \
  {                                                                                                \
    static int (*real) (int, const char *, int, ...);                                              \
    va_list ap;                                                                                    \
    mode_t mode;                                                                                   \
    va_start (ap, flags);                                                                          \
    mode = mode_arg (flags, ap);                                                                   \
    va_end (ap);                                                                                   \
    if (denied (path))                                                                             \
      {                                                                                            \
        errno = EACCES;                                                                            \
        return -1;                                                                                 \
      }                                                                                            \
    if (real == NULL)                                                                              \
      real = (int (*) (int, const char *, int, ...))dlsym (RTLD_NEXT, #name);                      \
    return real (dirfd, path, flags, mode);                                                        \
  }

/* The fortified entry points take no mode (libusb calls __open_2). */
#define WRAP_OPEN_2(name)                                                                          \
  int name (const char *path, int flags);                                                          \
  int name (const char *path, int flags)                                                           \
  {                                                                                                \
    static int (*real) (const char *, int);                                                        \
    if (denied (path))                                                                             \
      {                                                                                            \
        errno = EACCES;                                                                            \
        return -1;                                                                                 \
      }                                                                                            \
    if (real == NULL)                                                                              \
      real = (int (*) (const char *, int))dlsym (RTLD_NEXT, #name);                                \
    return real (path, flags);                                                                     \
  }

WRAP_OPEN (open)
WRAP_OPEN (open64)
WRAP_OPEN_2 (__open_2)
WRAP_OPEN_2 (__open64_2)
WRAP_OPENAT (openat)
WRAP_OPENAT (openat64)
