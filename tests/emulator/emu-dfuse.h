/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The emulated DfuSe device: USB descriptors, DFU 1.1 state machine, DfuSe commands, timing. */
#pragma once

#include <glib.h>

#include "emu-flash.h"
#include "emu-profiles.h"

G_BEGIN_DECLS

/* DFU 1.1 §6.1.2 bState */
typedef enum
{
  EMU_DFU_STATE_APP_IDLE = 0,
  EMU_DFU_STATE_APP_DETACH = 1,
  EMU_DFU_STATE_IDLE = 2,
  EMU_DFU_STATE_DNLOAD_SYNC = 3,
  EMU_DFU_STATE_DNBUSY = 4,
  EMU_DFU_STATE_DNLOAD_IDLE = 5,
  EMU_DFU_STATE_MANIFEST_SYNC = 6,
  EMU_DFU_STATE_MANIFEST = 7,
  EMU_DFU_STATE_MANIFEST_WAIT_RESET = 8,
  EMU_DFU_STATE_UPLOAD_IDLE = 9,
  EMU_DFU_STATE_ERROR = 10,
} EmuDfuState;

/* DFU 1.1 §6.1.2 bStatus */
typedef enum
{
  EMU_DFU_STATUS_OK = 0x00,
  EMU_DFU_STATUS_ERR_TARGET = 0x01,
  EMU_DFU_STATUS_ERR_FILE = 0x02,
  EMU_DFU_STATUS_ERR_WRITE = 0x03,
  EMU_DFU_STATUS_ERR_ERASE = 0x04,
  EMU_DFU_STATUS_ERR_CHECK_ERASED = 0x05,
  EMU_DFU_STATUS_ERR_PROG = 0x06,
  EMU_DFU_STATUS_ERR_VERIFY = 0x07,
  EMU_DFU_STATUS_ERR_ADDRESS = 0x08,
  EMU_DFU_STATUS_ERR_NOTDONE = 0x09,
  EMU_DFU_STATUS_ERR_FIRMWARE = 0x0A,
  EMU_DFU_STATUS_ERR_VENDOR = 0x0B,
  EMU_DFU_STATUS_ERR_USBR = 0x0C,
  EMU_DFU_STATUS_ERR_POR = 0x0D,
  EMU_DFU_STATUS_ERR_UNKNOWN = 0x0E,
  EMU_DFU_STATUS_ERR_STALLEDPKT = 0x0F,
} EmuDfuStatus;

/* DFU 1.1 §3 class requests */
typedef enum
{
  EMU_DFU_DETACH = 0,
  EMU_DFU_DNLOAD = 1,
  EMU_DFU_UPLOAD = 2,
  EMU_DFU_GETSTATUS = 3,
  EMU_DFU_CLRSTATUS = 4,
  EMU_DFU_GETSTATE = 5,
  EMU_DFU_ABORT = 6,
} EmuDfuRequest;

const char *emu_dfu_state_to_string (guint8 state);
const char *emu_dfu_status_to_string (guint8 status);
/* Accepts "errWRITE", "write", "0x03" or "3". */
gboolean emu_dfu_status_from_string (const char *text, guint8 *status);

/* Faults a device can be told to show (--fault). Block numbers count the
 * data DNLOADs (wBlockNum >= 2) from 0; erase numbers count erase commands. */
typedef struct
{
  gint64 unplug_at_byte; /* -1: never */
  gint stall_block;      /* -1: never */
  gint error_block;
  guint8 error_status;
  gint erase_error;
  guint8 erase_error_status;
  gboolean bitflip;
  guint32 bitflip_address;
  guint8 bitflip_bit;
  gboolean busy;
  guint32 busy_extra_ms;
  gboolean rdp;
} EmuFaults;

void emu_faults_init (EmuFaults *faults);
gboolean emu_faults_parse (EmuFaults *faults, const char *spec, GError **error);
char *emu_faults_to_string (const EmuFaults *faults);

typedef struct
{
  guint8 bmRequestType;
  guint8 bRequest;
  guint16 wValue;
  guint16 wIndex;
  guint16 wLength;
} EmuSetup;

typedef enum
{
  EMU_XFER_OK,
  EMU_XFER_STALL, /* the request was STALLed: EPIPE on the URB */
  EMU_XFER_GONE,  /* the device dropped off the bus during the transfer */
} EmuXferResult;

/* What the device does to the bus after a transfer. */
typedef enum
{
  EMU_EVENT_NONE,
  EMU_EVENT_LEAVE,       /* manifestation done: the application starts, the ROM is gone */
  EMU_EVENT_UNPLUG,      /* a fault pulled the cable */
  EMU_EVENT_REENUMERATE, /* the chip resets and the ROM comes back (read unprotect, OB write) */
} EmuEventKind;

typedef enum
{
  EMU_COUNT_GET_DESCRIPTOR,
  EMU_COUNT_SET_CONFIGURATION,
  EMU_COUNT_SET_INTERFACE,
  EMU_COUNT_OTHER_STANDARD,
  EMU_COUNT_DETACH,
  EMU_COUNT_DNLOAD,
  EMU_COUNT_UPLOAD,
  EMU_COUNT_GETSTATUS,
  EMU_COUNT_CLRSTATUS,
  EMU_COUNT_GETSTATE,
  EMU_COUNT_ABORT,
  EMU_COUNT_SET_ADDRESS,
  EMU_COUNT_ERASE,
  EMU_COUNT_MASS_ERASE,
  EMU_COUNT_READ_UNPROTECT,
  EMU_COUNT_GET_COMMANDS,
  EMU_COUNT_LEAVE,
  EMU_COUNT_STALLS,
  EMU_COUNT_BUSY_REPLIES, /* GETSTATUS answered dfuDNBUSY */
  EMU_COUNT_HELD,         /* requests held off (NAKed) while the device was busy */
  EMU_COUNT_LAST,
} EmuCounter;

const char *emu_counter_name (EmuCounter counter);

/* Device time spent, in µs of modelled (unscaled) time. */
typedef struct
{
  guint64 counts[EMU_COUNT_LAST];
  guint64 control_transfers;
  guint64 bytes_written;
  guint64 bytes_read;
  guint64 sectors_erased;
  guint64 erase_us;
  guint64 program_us;
  guint64 usb_us;
  guint64 held_us; /* real µs requests waited for a busy device */
  guint64 reported_poll_ms;
  GPtrArray *events; /* strings: "leave 0x08000000", "fault stall block 3"... */
} EmuStats;

typedef struct
{
  const EmuProfile *profile;
  char *serial;
  EmuMemory *mems[EMU_MAX_ALTS];
  guint n_mems;
  double time_scale; /* 1.0 real timing, 0 instant */
  EmuFaults faults;
  EmuStats stats;

  /* DFU state */
  guint alt;
  guint8 state;
  guint8 status;
  guint32 pointer;
  gboolean rdp_active;
  gboolean addressed; /* SET_CONFIGURATION seen */

  /* the last DNLOAD, run by the GETSTATUS that follows it */
  guint8 *block;
  guint16 block_len;
  guint16 block_num;
  gboolean block_pending;
  gboolean leave_pending;

  /* operation in progress (dfuDNBUSY) */
  gboolean op_running;
  gint64 op_end_us;
  EmuBusyMode op_busy_mode;
  guint8 op_status;
  guint32 op_poll_ms;
  EmuEventKind op_event; /* raised when the operation's reply is delivered */
  gint64 busy_until_us;  /* requests are NAKed until then (EMU_BUSY_HOLD) */

  guint data_blocks;
  guint erases;
  guint64 bytes_downloaded;

  EmuEventKind event;
  gint64 event_back_us; /* EMU_EVENT_REENUMERATE: real µs until the ROM is back */

  /* USB descriptors */
  GByteArray *device_descriptor;
  GByteArray *config_descriptor;
} EmuDevice;

/* flash_path: file for the internal flash (NULL: in memory). */
EmuDevice *emu_device_new (const EmuProfile *profile, const char *serial, const char *flash_path,
                           const EmuFaults *faults, double time_scale, GError **error);
void emu_device_free (EmuDevice *dev);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EmuDevice, emu_device_free)

/* Power-on or bus reset: state, pointer and alt as the profile says. */
void emu_device_reset (EmuDevice *dev);

/* The sysfs "descriptors" attribute: device descriptor then configuration. */
GBytes *emu_device_get_raw_descriptors (EmuDevice *dev);

/* One control transfer reaching the device at now_us (monotonic µs).
 * data holds wLength bytes: the OUT payload, or room for the IN reply.
 * *actual: bytes transferred in the data stage. *done_us: when the reply
 * is delivered (a busy device holds it off). */
EmuXferResult emu_device_control (EmuDevice *dev, const EmuSetup *setup, guint8 *data,
                                  guint16 *actual, gint64 now_us, gint64 *done_us);

/* Takes the bus event raised by the last transfer, if any. */
EmuEventKind emu_device_take_event (EmuDevice *dev, gint64 *back_after_us);

/* Writes the stats as a JSON object (no trailing newline); extra: more
 * members ("\"key\": value, ...") put first, or NULL. */
void emu_device_append_json (EmuDevice *dev, GString *out, const char *indent, const char *extra);

G_END_DECLS
