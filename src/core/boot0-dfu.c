/* SPDX-License-Identifier: GPL-3.0-or-later */
/* USB DFU 1.1 class requests (DFU 1.1 §6, Table 3.2). */
#include "config.h"

#include "boot0-dfu.h"
#include "boot0-error.h"
#include "boot0-usb.h"

/* DFU 1.1 Table 3.2: bRequest values. */
enum
{
  DFU_DETACH = 0,
  DFU_DNLOAD = 1,
  DFU_UPLOAD = 2,
  DFU_GETSTATUS = 3,
  DFU_CLRSTATUS = 4,
  DFU_GETSTATE = 5,
  DFU_ABORT = 6,
};

#define REQ_OUT (LIBUSB_ENDPOINT_OUT | LIBUSB_REQUEST_TYPE_CLASS | LIBUSB_RECIPIENT_INTERFACE)
#define REQ_IN  (LIBUSB_ENDPOINT_IN | LIBUSB_REQUEST_TYPE_CLASS | LIBUSB_RECIPIENT_INTERFACE)

/* Plain requests and transfers are quick on every device we know. */
#define DFU_TIMEOUT_MS 5000

const char *
boot0_dfu_state_to_string (guint8 state)
{
  static const char *const names[] = {
    "appIDLE",        "appDETACH",        "dfuIDLE",     "dfuDNLOAD-SYNC",         "dfuDNBUSY",
    "dfuDNLOAD-IDLE", "dfuMANIFEST-SYNC", "dfuMANIFEST", "dfuMANIFEST-WAIT-RESET", "dfuUPLOAD-IDLE",
    "dfuERROR",
  };
  return state < G_N_ELEMENTS (names) ? names[state] : "unknown state";
}

const char *
boot0_dfu_status_to_string (guint8 status)
{
  static const char *const names[] = {
    "OK",      "errTARGET", "errFILE",    "errWRITE",      "errERASE",    "errCHECK_ERASED",
    "errPROG", "errVERIFY", "errADDRESS", "errNOTDONE",    "errFIRMWARE", "errVENDOR",
    "errUSBR", "errPOR",    "errUNKNOWN", "errSTALLEDPKT",
  };
  return status < G_N_ELEMENTS (names) ? names[status] : "unknown status";
}

const char *
boot0_dfu_status_to_description (guint8 status)
{
  switch (status)
    {
      case BOOT0_DFU_STATUS_OK:
        return "no error (OK)";
      case BOOT0_DFU_STATUS_ERR_TARGET:
        return "the device refused the address: it is outside its memory or not allowed "
               "(errTARGET)";
      case BOOT0_DFU_STATUS_ERR_FILE:
        return "the device rejected the firmware as not for it (errFILE)";
      case BOOT0_DFU_STATUS_ERR_WRITE:
        return "the device could not write to memory (errWRITE)";
      case BOOT0_DFU_STATUS_ERR_ERASE:
        return "the device could not erase memory (errERASE)";
      case BOOT0_DFU_STATUS_ERR_CHECK_ERASED:
        return "the memory was not blank after erasing (errCHECK_ERASED)";
      case BOOT0_DFU_STATUS_ERR_PROG:
        return "programming the memory failed (errPROG)";
      case BOOT0_DFU_STATUS_ERR_VERIFY:
        return "the device's own check of the written data failed (errVERIFY)";
      case BOOT0_DFU_STATUS_ERR_ADDRESS:
        return "the address is out of range (errADDRESS)";
      case BOOT0_DFU_STATUS_ERR_NOTDONE:
        return "the device expected more data (errNOTDONE)";
      case BOOT0_DFU_STATUS_ERR_FIRMWARE:
        return "the device's firmware is corrupt (errFIRMWARE)";
      case BOOT0_DFU_STATUS_ERR_VENDOR:
        return "the device refused the request; on STM32 this usually means read-out "
               "protection is active (errVENDOR)";
      case BOOT0_DFU_STATUS_ERR_USBR:
        return "the device saw an unexpected USB reset (errUSBR)";
      case BOOT0_DFU_STATUS_ERR_POR:
        return "the device saw an unexpected power-on reset (errPOR)";
      case BOOT0_DFU_STATUS_ERR_UNKNOWN:
        return "the device reported an unknown error (errUNKNOWN)";
      case BOOT0_DFU_STATUS_ERR_STALLEDPKT:
        return "the device did not expect this request now (errSTALLEDPKT)";
      default:
        return "the device reported an undefined status";
    }
}

/* DFU 1.1 §6.1.2 DFU_GETSTATUS. */
gboolean
boot0_dfu_get_status (libusb_device_handle *handle, guint16 iface, guint timeout_ms,
                      Boot0DfuStatus *status, GError **error)
{
  guint8 buf[6] = { 0 };
  int rc = libusb_control_transfer (handle, REQ_IN, DFU_GETSTATUS, 0, iface, buf, sizeof buf,
                                    timeout_ms);
  if (rc < 0)
    {
      boot0_usb_set_error (error, rc, "asking the device for its status");
      return FALSE;
    }
  if (rc < (int)sizeof buf)
    {
      g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_PROTOCOL,
                   "the device answered GETSTATUS with %d bytes instead of 6", rc);
      return FALSE;
    }
  status->status = buf[0];
  status->poll_timeout = buf[1] | (buf[2] << 8) | ((guint32)buf[3] << 16);
  status->state = buf[4];
  status->istring = buf[5];
  return TRUE;
}

/* DFU 1.1 §6.1.3 DFU_CLRSTATUS. */
gboolean
boot0_dfu_clear_status (libusb_device_handle *handle, guint16 iface, GError **error)
{
  int rc =
      libusb_control_transfer (handle, REQ_OUT, DFU_CLRSTATUS, 0, iface, NULL, 0, DFU_TIMEOUT_MS);
  if (rc < 0)
    {
      boot0_usb_set_error (error, rc, "clearing the device's error status");
      return FALSE;
    }
  return TRUE;
}

/* DFU 1.1 §6.1.5 DFU_ABORT. */
gboolean
boot0_dfu_abort (libusb_device_handle *handle, guint16 iface, GError **error)
{
  int rc = libusb_control_transfer (handle, REQ_OUT, DFU_ABORT, 0, iface, NULL, 0, DFU_TIMEOUT_MS);
  if (rc < 0)
    {
      boot0_usb_set_error (error, rc, "returning the device to idle");
      return FALSE;
    }
  return TRUE;
}

/* DFU 1.1 §6.1.5 DFU_GETSTATE. */
gboolean
boot0_dfu_get_state (libusb_device_handle *handle, guint16 iface, guint8 *state, GError **error)
{
  int rc =
      libusb_control_transfer (handle, REQ_IN, DFU_GETSTATE, 0, iface, state, 1, DFU_TIMEOUT_MS);
  if (rc < 0)
    {
      boot0_usb_set_error (error, rc, "asking the device for its state");
      return FALSE;
    }
  if (rc != 1)
    {
      g_set_error_literal (error, BOOT0_ERROR, BOOT0_ERROR_PROTOCOL,
                           "the device answered GETSTATE without a state");
      return FALSE;
    }
  return TRUE;
}

/* DFU 1.1 §6.1.1 DFU_DNLOAD; DfuSe gives wBlockNum 0 to commands (AN3156 §3). */
gboolean
boot0_dfu_dnload (libusb_device_handle *handle, guint16 iface, guint16 block, const guint8 *data,
                  gsize len, GError **error)
{
  int rc;

  g_return_val_if_fail (len <= G_MAXUINT16, FALSE);
  rc = libusb_control_transfer (handle, REQ_OUT, DFU_DNLOAD, block, iface, (guint8 *)data,
                                (guint16)len, DFU_TIMEOUT_MS);
  if (rc < 0)
    {
      boot0_usb_set_error (error, rc, "sending data to the device");
      return FALSE;
    }
  if ((gsize)rc != len)
    {
      g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_PROTOCOL,
                   "the device took %d of %" G_GSIZE_FORMAT " bytes", rc, len);
      return FALSE;
    }
  return TRUE;
}

/* DFU 1.1 §6.2 DFU_UPLOAD. */
gboolean
boot0_dfu_upload (libusb_device_handle *handle, guint16 iface, guint16 block, guint8 *buf,
                  gsize len, gsize *actual, GError **error)
{
  int rc;

  g_return_val_if_fail (len <= G_MAXUINT16, FALSE);
  rc = libusb_control_transfer (handle, REQ_IN, DFU_UPLOAD, block, iface, buf, (guint16)len,
                                DFU_TIMEOUT_MS);
  if (rc < 0)
    {
      boot0_usb_set_error (error, rc, "reading from the device");
      return FALSE;
    }
  *actual = (gsize)rc;
  return TRUE;
}
