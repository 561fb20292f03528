/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The one error domain of the core library (see docs/ARCHITECTURE.md). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define BOOT0_ERROR (boot0_error_quark ())

typedef enum
{
  BOOT0_ERROR_INVALID_FILE,     /* malformed firmware or data file */
  BOOT0_ERROR_TOO_LARGE,        /* beyond a hard cap (size, count) */
  BOOT0_ERROR_DOES_NOT_FIT,     /* image does not fit the memory layout */
  BOOT0_ERROR_INVALID_ARGUMENT, /* bad address, option or value given by the caller */
  BOOT0_ERROR_NOT_SUPPORTED,    /* the file, device or operation is not supported */
  BOOT0_ERROR_NOT_FOUND,        /* no such device, chip or target */
  BOOT0_ERROR_ACCESS_DENIED,    /* permission to open the device is missing */
  BOOT0_ERROR_TIMED_OUT,        /* the device did not answer in time */
  BOOT0_ERROR_DEVICE_GONE,      /* the device vanished */
  BOOT0_ERROR_READ_PROTECTED,   /* read-out protection is active */
  BOOT0_ERROR_VERIFY_FAILED,    /* read back differs from what was written */
  BOOT0_ERROR_DEVICE_ERROR,     /* the device reported an error status */
  BOOT0_ERROR_PROTOCOL,         /* the device answered something unexpected */
  BOOT0_ERROR_BUSY,             /* the device is in use by another program */
  BOOT0_ERROR_IO,               /* a transport-level failure */
} Boot0Error;

GQuark boot0_error_quark (void);
const char *boot0_error_to_string (Boot0Error code);

G_END_DECLS
