/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The core's error domain. */
#include "config.h"

#include "boot0-error.h"

GQuark
boot0_error_quark (void)
{
  return g_quark_from_static_string ("boot0-error-quark");
}

const char *
boot0_error_to_string (Boot0Error code)
{
  switch (code)
    {
      case BOOT0_ERROR_INVALID_FILE:
        return "invalid-file";
      case BOOT0_ERROR_TOO_LARGE:
        return "too-large";
      case BOOT0_ERROR_DOES_NOT_FIT:
        return "does-not-fit";
      case BOOT0_ERROR_INVALID_ARGUMENT:
        return "invalid-argument";
      case BOOT0_ERROR_NOT_SUPPORTED:
        return "not-supported";
      case BOOT0_ERROR_NOT_FOUND:
        return "not-found";
      case BOOT0_ERROR_ACCESS_DENIED:
        return "access-denied";
      case BOOT0_ERROR_TIMED_OUT:
        return "timed-out";
      case BOOT0_ERROR_DEVICE_GONE:
        return "device-gone";
      case BOOT0_ERROR_READ_PROTECTED:
        return "read-protected";
      case BOOT0_ERROR_VERIFY_FAILED:
        return "verify-failed";
      case BOOT0_ERROR_DEVICE_ERROR:
        return "device-error";
      case BOOT0_ERROR_PROTOCOL:
        return "protocol";
      case BOOT0_ERROR_BUSY:
        return "busy";
      case BOOT0_ERROR_IO:
        return "io";
      default:
        return "unknown";
    }
}
