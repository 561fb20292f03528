/* SPDX-License-Identifier: GPL-3.0-or-later */
/* USB DFU 1.1 class requests and states (DFU 1.1 §6), on an open libusb
 * handle. No policy here: the DfuSe device decides what to send when. */
#pragma once

#include <glib.h>
#include <libusb.h>

G_BEGIN_DECLS

/* DFU 1.1 §6.1.2, Table 6.1 (bState). */
typedef enum
{
  BOOT0_DFU_STATE_APP_IDLE = 0,
  BOOT0_DFU_STATE_APP_DETACH = 1,
  BOOT0_DFU_STATE_DFU_IDLE = 2,
  BOOT0_DFU_STATE_DNLOAD_SYNC = 3,
  BOOT0_DFU_STATE_DNBUSY = 4,
  BOOT0_DFU_STATE_DNLOAD_IDLE = 5,
  BOOT0_DFU_STATE_MANIFEST_SYNC = 6,
  BOOT0_DFU_STATE_MANIFEST = 7,
  BOOT0_DFU_STATE_MANIFEST_WAIT_RESET = 8,
  BOOT0_DFU_STATE_UPLOAD_IDLE = 9,
  BOOT0_DFU_STATE_ERROR = 10,
} Boot0DfuState;

/* DFU 1.1 §6.1.2 (bStatus). */
typedef enum
{
  BOOT0_DFU_STATUS_OK = 0x00,
  BOOT0_DFU_STATUS_ERR_TARGET = 0x01,
  BOOT0_DFU_STATUS_ERR_FILE = 0x02,
  BOOT0_DFU_STATUS_ERR_WRITE = 0x03,
  BOOT0_DFU_STATUS_ERR_ERASE = 0x04,
  BOOT0_DFU_STATUS_ERR_CHECK_ERASED = 0x05,
  BOOT0_DFU_STATUS_ERR_PROG = 0x06,
  BOOT0_DFU_STATUS_ERR_VERIFY = 0x07,
  BOOT0_DFU_STATUS_ERR_ADDRESS = 0x08,
  BOOT0_DFU_STATUS_ERR_NOTDONE = 0x09,
  BOOT0_DFU_STATUS_ERR_FIRMWARE = 0x0A,
  BOOT0_DFU_STATUS_ERR_VENDOR = 0x0B,
  BOOT0_DFU_STATUS_ERR_USBR = 0x0C,
  BOOT0_DFU_STATUS_ERR_POR = 0x0D,
  BOOT0_DFU_STATUS_ERR_UNKNOWN = 0x0E,
  BOOT0_DFU_STATUS_ERR_STALLEDPKT = 0x0F,
} Boot0DfuStatusCode;

typedef struct
{
  guint8 status;        /* Boot0DfuStatusCode */
  guint32 poll_timeout; /* bwPollTimeout, ms */
  guint8 state;         /* Boot0DfuState */
  guint8 istring;
} Boot0DfuStatus;

/* "dfuDNLOAD-IDLE", ... */
const char *boot0_dfu_state_to_string (guint8 state);
/* "errWRITE", ... */
const char *boot0_dfu_status_to_string (guint8 status);
/* What the status means for a person: "the device could not write to
 * memory (errWRITE)". */
const char *boot0_dfu_status_to_description (guint8 status);

/* Each request is one control transfer with the given timeout; libusb
 * errors become BOOT0_ERROR through boot0_usb_set_error(). */
gboolean boot0_dfu_get_status (libusb_device_handle *handle, guint16 iface, guint timeout_ms,
                               Boot0DfuStatus *status, GError **error);
gboolean boot0_dfu_clear_status (libusb_device_handle *handle, guint16 iface, GError **error);
gboolean boot0_dfu_abort (libusb_device_handle *handle, guint16 iface, GError **error);
gboolean boot0_dfu_get_state (libusb_device_handle *handle, guint16 iface, guint8 *state,
                              GError **error);
gboolean boot0_dfu_dnload (libusb_device_handle *handle, guint16 iface, guint16 block,
                           const guint8 *data, gsize len, GError **error);
gboolean boot0_dfu_upload (libusb_device_handle *handle, guint16 iface, guint16 block, guint8 *buf,
                           gsize len, gsize *actual, GError **error);

G_END_DECLS
