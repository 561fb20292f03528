/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A USB DFU device with ST's DfuSe extensions (AN3156 §3-§6 on top of
 * DFU 1.1). Blocking; one caller thread at a time. */
#include "config.h"

#include <string.h>

#include "boot0-dfu.h"
#include "boot0-dfuse-device.h"
#include "boot0-error.h"
#include "boot0-usb.h"

/* AN3156 §3: DfuSe commands in a block-0 DNLOAD. */
enum
{
  DFUSE_CMD_GET_COMMANDS = 0x00,
  DFUSE_CMD_SET_ADDRESS = 0x21,
  DFUSE_CMD_ERASE = 0x41,
  DFUSE_CMD_READ_UNPROTECT = 0x92,
};

/* wBlockNum of the first data block (AN3156 §3: 0 = command, 1 unused). */
#define DFUSE_FIRST_DATA_BLOCK 2
#define STRING_TIMEOUT_MS      1000
#define RECOVERY_ATTEMPTS      8
/* GETSTATUS requests to reach manifestation after a leave request. */
#define LEAVE_POLLS 20

struct _Boot0DfuseDevice
{
  Boot0Device parent_instance;

  libusb_device *usb_device;
  libusb_device_handle *handle;
  guint8 iface;
  guint16 vid;
  guint16 pid;
  guint16 bcd_device;
  char *manufacturer;
  char *product;
  guint8 i_manufacturer;
  guint8 i_product;
  guint8 i_serial;
  Boot0ChipDb *chip_db; /* to name the chip once the strings are read */
  /* Opening was refused when the device was described: no strings yet. */
  gboolean names_unread;
  Boot0DfuFunctional functional;
  gboolean has_functional;
  Boot0Quirks quirks;
  GPtrArray *alt_names; /* char*, index = position in the interface */
  GArray *alt_numbers;  /* guint8 bAlternateSetting per memory */
  GArray *memory_alts;  /* guint8: alt setting of each Boot0Device memory */
  GBytes *commands;
  GHashTable *op_durations; /* OP_KEY -> microseconds the last one took */
  gint current_alt;         /* -1 = unknown */

  /* The device's address pointer and where a stream of data blocks stands,
   * so contiguous transfers need no new Set Address (AN3156 §3.2). */
  gboolean pointer_valid;
  guint32 pointer;
  guint next_block;
  gboolean uploading; /* in dfuUPLOAD-IDLE: a DNLOAD needs an ABORT first */
};

G_DEFINE_TYPE (Boot0DfuseDevice, boot0_dfuse_device, BOOT0_TYPE_DEVICE)

static guint16
transfer_size (Boot0DfuseDevice *self)
{
  return (guint16)boot0_device_get_transfer_size (BOOT0_DEVICE (self));
}

/* What an operation is, to remember how long it takes: the kind, and the
 * size it works on (a sector erase's time depends on the sector). */
#define OP_KEY(kind, size) (((guint)(kind) << 24) | ((guint)(size)&0xFFFFFF))
enum
{
  OP_COMMAND = 1,
  OP_ERASE,
  OP_MASS_ERASE,
  OP_PROGRAM,
};

/* Status polling after a DNLOAD (DFU 1.1 §6.1.1, AN3156 §3): the first
 * GETSTATUS starts the operation and says dfuDNBUSY with bwPollTimeout.
 * ST's class code runs the operation right after answering, so a device
 * with the early-poll quirk holds the next GETSTATUS off until it is done:
 * polling at once costs nothing and returns the moment the flash is ready.
 * A device that stalls GETSTATUS while busy instead (L4) is asked again
 * after a millisecond; to spare it most of those stalls, Boot0 remembers how
 * long each kind of operation took and first waits most of that time.
 * Other devices get the sleep they ask for. timeout_ms bounds the whole. */
static gboolean
wait_while_busy (Boot0DfuseDevice *self, guint op_key, guint timeout_ms, Boot0DfuStatus *status,
                 const char *what, GError **error)
{
  gint64 start = g_get_monotonic_time ();
  gint64 deadline = start + (gint64)timeout_ms * 1000;
  gint64 learned =
      GPOINTER_TO_SIZE (g_hash_table_lookup (self->op_durations, GUINT_TO_POINTER (op_key)));
  gboolean busy_seen = FALSE;
  gboolean stalled = FALSE;

  for (;;)
    {
      g_autoptr (GError) local_error = NULL;
      gint64 now = g_get_monotonic_time ();
      guint remaining = now < deadline ? (guint)((deadline - now) / 1000) : 0;

      if (boot0_dfu_get_status (self->handle, self->iface, MAX (remaining, 500u), status,
                                &local_error))
        {
          gint64 sleep_us;
          if (status->state != BOOT0_DFU_STATE_DNBUSY &&
              status->state != BOOT0_DFU_STATE_DNLOAD_SYNC)
            {
              /* A time measured after a stall (we asked too early) is the
               * operation's own; one that found it already done may be our
               * sleep, so it can only lower the estimate. */
              gint64 took = g_get_monotonic_time () - start;
              /* Only operations that stall are worth sleeping before:
               * a held-off GETSTATUS already answers at the right time. */
              if (stalled || (learned != 0 && took < learned))
                g_hash_table_insert (self->op_durations, GUINT_TO_POINTER (op_key),
                                     GSIZE_TO_POINTER ((gsize)took));
              return TRUE;
            }
          busy_seen = TRUE;
          if (g_get_monotonic_time () >= deadline)
            break;
          if (!self->quirks.early_poll)
            sleep_us = (gint64)status->poll_timeout * 1000;
          else if (self->quirks.busy_stalls_getstatus)
            sleep_us = start + learned * 9 / 10 - g_get_monotonic_time ();
          else
            sleep_us = 0;
          sleep_us = MAX (sleep_us, (gint64)self->quirks.min_poll_ms * 1000);
          if (sleep_us > 0)
            g_usleep ((gulong)MIN (sleep_us, (gint64)remaining * 1000 + 1000));
          continue;
        }
      if (g_error_matches (local_error, BOOT0_ERROR, BOOT0_ERROR_PROTOCOL) &&
          self->quirks.busy_stalls_getstatus && busy_seen && g_get_monotonic_time () < deadline)
        {
          stalled = TRUE;
          g_usleep (1000);
          continue;
        }
      if (g_error_matches (local_error, BOOT0_ERROR, BOOT0_ERROR_TIMED_OUT) &&
          g_get_monotonic_time () < deadline)
        continue;
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_TIMED_OUT,
               "the device was still busy after %u ms while %s", timeout_ms, what);
  return FALSE;
}

/* Brings the device back to dfuIDLE from whatever state it is in (DFU 1.1
 * §6.1.2; real F4 ROMs come up in dfuERROR). CLRSTATUS only in dfuERROR:
 * some ROMs stall it elsewhere. */
static gboolean
recover_to_idle (Boot0DfuseDevice *self, GError **error)
{
  Boot0DfuStatus status = { 0 };

  for (guint attempt = 0; attempt < RECOVERY_ATTEMPTS; attempt++)
    {
      g_autoptr (GError) local_error = NULL;
      if (!boot0_dfu_get_status (self->handle, self->iface, 5000, &status, &local_error))
        {
          /* A stalled request leaves dfuERROR behind; look again. */
          if (g_error_matches (local_error, BOOT0_ERROR, BOOT0_ERROR_PROTOCOL))
            continue;
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      switch (status.state)
        {
          case BOOT0_DFU_STATE_DFU_IDLE:
            self->uploading = FALSE;
            return TRUE;
          case BOOT0_DFU_STATE_ERROR:
            if (!boot0_dfu_clear_status (self->handle, self->iface, error))
              return FALSE;
            break;
          case BOOT0_DFU_STATE_DNLOAD_IDLE:
          case BOOT0_DFU_STATE_UPLOAD_IDLE:
          case BOOT0_DFU_STATE_DNLOAD_SYNC:
          case BOOT0_DFU_STATE_MANIFEST_SYNC:
            if (!boot0_dfu_abort (self->handle, self->iface, error))
              return FALSE;
            break;
          case BOOT0_DFU_STATE_DNBUSY:
          case BOOT0_DFU_STATE_MANIFEST:
            g_usleep ((gulong)MAX (status.poll_timeout, 10u) * 1000);
            break;
          case BOOT0_DFU_STATE_APP_IDLE:
          case BOOT0_DFU_STATE_APP_DETACH:
            g_set_error_literal (error, BOOT0_ERROR, BOOT0_ERROR_NOT_SUPPORTED,
                                 "the device runs its application, not the bootloader: put it "
                                 "in bootloader mode (BOOT0 high, then reset)");
            return FALSE;
          case BOOT0_DFU_STATE_MANIFEST_WAIT_RESET:
          default:
            g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_PROTOCOL,
                         "the device is stuck in %s: reset it (BOOT0 high, then reset)",
                         boot0_dfu_state_to_string (status.state));
            return FALSE;
        }
    }
  g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_PROTOCOL,
               "the device did not return to dfuIDLE (last state %s, status %s)",
               boot0_dfu_state_to_string (status.state),
               boot0_dfu_status_to_string (status.status));
  return FALSE;
}

static void
forget_pointer (Boot0DfuseDevice *self)
{
  self->pointer_valid = FALSE;
}

/* Turns a failed operation's status into a specific error and leaves the
 * device idle again for the next attempt. */
static gboolean
fail_with_status (Boot0DfuseDevice *self, const Boot0DfuStatus *status, const char *what,
                  GError **error)
{
  Boot0Error code = BOOT0_ERROR_DEVICE_ERROR;

  forget_pointer (self);
  if (status->status == BOOT0_DFU_STATUS_ERR_VENDOR)
    code = BOOT0_ERROR_READ_PROTECTED;
  if (status->status == BOOT0_DFU_STATUS_OK)
    g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_PROTOCOL,
                 "the device ended in %s instead of dfuDNLOAD-IDLE while %s",
                 boot0_dfu_state_to_string (status->state), what);
  else
    g_set_error (error, BOOT0_ERROR, code, "%s failed: %s", what,
                 boot0_dfu_status_to_description (status->status));
  recover_to_idle (self, NULL);
  return FALSE;
}

/* A DNLOAD followed by the status dance; the device must end in
 * dfuDNLOAD-IDLE with status OK. */
static gboolean
dnload_and_wait (Boot0DfuseDevice *self, guint16 block, const guint8 *data, gsize len, guint op_key,
                 guint timeout_ms, const char *what, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  Boot0DfuStatus status = { 0 };

  if (self->uploading)
    {
      /* DNLOAD is not allowed from dfuUPLOAD-IDLE (DFU 1.1 §6.2). */
      if (!boot0_dfu_abort (self->handle, self->iface, error))
        return FALSE;
      self->uploading = FALSE;
    }
  if (!boot0_dfu_dnload (self->handle, self->iface, block, data, len, &local_error))
    {
      forget_pointer (self);
      /* A stall: the device refused the request; get it idle again. */
      if (g_error_matches (local_error, BOOT0_ERROR, BOOT0_ERROR_PROTOCOL))
        recover_to_idle (self, NULL);
      g_propagate_prefixed_error (error, g_steal_pointer (&local_error), "%s: ", what);
      return FALSE;
    }
  if (!wait_while_busy (self, op_key, timeout_ms, &status, what, error))
    {
      forget_pointer (self);
      return FALSE;
    }
  if (status.status != BOOT0_DFU_STATUS_OK || status.state != BOOT0_DFU_STATE_DNLOAD_IDLE)
    return fail_with_status (self, &status, what, error);
  return TRUE;
}

/* AN3156 §3.2: Set Address Pointer. */
static gboolean
set_address (Boot0DfuseDevice *self, guint32 address, GError **error)
{
  guint8 cmd[5] = { DFUSE_CMD_SET_ADDRESS, address & 0xFF, (address >> 8) & 0xFF,
                    (address >> 16) & 0xFF, (address >> 24) & 0xFF };
  g_autofree char *what = g_strdup_printf ("setting the address to 0x%08X", address);

  if (!dnload_and_wait (self, 0, cmd, sizeof cmd, OP_KEY (OP_COMMAND, 0),
                        self->quirks.write_timeout_ms, what, error))
    return FALSE;
  self->pointer_valid = TRUE;
  self->pointer = address;
  self->next_block = DFUSE_FIRST_DATA_BLOCK;
  return TRUE;
}

/* The alternate setting holding the memory that contains address. */
static gboolean
select_alt_for (Boot0DfuseDevice *self, guint32 address, GError **error)
{
  GPtrArray *memories = boot0_device_get_memories (BOOT0_DEVICE (self));
  guint8 alt = 0;
  gboolean found = FALSE;
  int rc;

  for (guint i = 0; i < memories->len && !found; i++)
    {
      if (boot0_dfuse_layout_contains (g_ptr_array_index (memories, i), address, 1))
        {
          alt = g_array_index (self->memory_alts, guint8, i);
          found = TRUE;
        }
    }
  if (!found)
    {
      g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_DOES_NOT_FIT,
                   "0x%08X is in none of the device's memories", address);
      return FALSE;
    }
  if (self->current_alt == alt)
    return TRUE;
  rc = libusb_set_interface_alt_setting (self->handle, self->iface, alt);
  if (rc != 0)
    {
      boot0_usb_set_error (error, rc, "selecting the memory");
      return FALSE;
    }
  self->current_alt = alt;
  forget_pointer (self);
  self->uploading = FALSE;
  return TRUE;
}

/* The block number that reaches address without a new Set Address, or 0. */
static guint
block_for (Boot0DfuseDevice *self, guint32 address, gboolean upload)
{
  guint64 expected;

  if (!self->pointer_valid || self->uploading != upload || self->next_block > G_MAXUINT16)
    return 0;
  expected =
      self->pointer + (guint64)(self->next_block - DFUSE_FIRST_DATA_BLOCK) * transfer_size (self);
  return expected == address ? self->next_block : 0;
}

static gboolean
boot0_dfuse_device_write_impl (Boot0Device *device, guint32 address, const guint8 *data, gsize len,
                               GError **error)
{
  Boot0DfuseDevice *self = BOOT0_DFUSE_DEVICE (device);
  gsize xfer = transfer_size (self);

  if (!select_alt_for (self, address, error))
    return FALSE;
  for (gsize done = 0; done < len;)
    {
      guint32 at = address + (guint32)done;
      gsize n = MIN (xfer, len - done);
      guint block = block_for (self, at, FALSE);
      g_autofree char *what = NULL;

      if (block == 0)
        {
          if (!set_address (self, at, error))
            return FALSE;
          block = DFUSE_FIRST_DATA_BLOCK;
        }
      what = g_strdup_printf ("writing %" G_GSIZE_FORMAT " bytes at 0x%08X", n, at);
      if (!dnload_and_wait (self, (guint16)block, data + done, n, OP_KEY (OP_PROGRAM, n),
                            self->quirks.write_timeout_ms, what, error))
        return FALSE;
      /* The block formula uses full transfers; a short block ends the run. */
      if (n == xfer)
        self->next_block = block + 1;
      else
        forget_pointer (self);
      done += n;
    }
  return TRUE;
}

/* AN3156 §5: upload after Set Address + ABORT, blocks 2, 3, ... */
static gboolean
boot0_dfuse_device_read_impl (Boot0Device *device, guint32 address, guint8 *buf, gsize len,
                              GError **error)
{
  Boot0DfuseDevice *self = BOOT0_DFUSE_DEVICE (device);
  gsize xfer = transfer_size (self);

  if (!select_alt_for (self, address, error))
    return FALSE;
  for (gsize done = 0; done < len;)
    {
      guint32 at = address + (guint32)done;
      gsize n = MIN (xfer, len - done);
      guint block = block_for (self, at, TRUE);
      gsize actual = 0;
      g_autoptr (GError) local_error = NULL;

      if (block == 0)
        {
          if (!set_address (self, at, error))
            return FALSE;
          if (!boot0_dfu_abort (self->handle, self->iface, error))
            return FALSE;
          self->uploading = TRUE;
          block = DFUSE_FIRST_DATA_BLOCK;
        }
      if (!boot0_dfu_upload (self->handle, self->iface, (guint16)block, buf + done, n, &actual,
                             &local_error))
        {
          forget_pointer (self);
          if (g_error_matches (local_error, BOOT0_ERROR, BOOT0_ERROR_PROTOCOL))
            {
              Boot0DfuStatus status = { 0 };
              /* A refused read: the status says why (errVENDOR under RDP). */
              if (boot0_dfu_get_status (self->handle, self->iface, 5000, &status, NULL) &&
                  status.status != BOOT0_DFU_STATUS_OK)
                {
                  g_autofree char *what2 = g_strdup_printf ("reading at 0x%08X", at);
                  return fail_with_status (self, &status, what2, error);
                }
              recover_to_idle (self, NULL);
            }
          g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                                      "reading at 0x%08X: ", at);
          return FALSE;
        }
      if (actual != n)
        {
          forget_pointer (self);
          recover_to_idle (self, NULL);
          g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_PROTOCOL,
                       "the device returned %" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT
                       " bytes at 0x%08X",
                       actual, n, at);
          return FALSE;
        }
      if (n == xfer)
        self->next_block = block + 1;
      else
        forget_pointer (self);
      done += n;
    }
  return TRUE;
}

/* AN3156 §3.3: erase the page/sector holding address. */
static gboolean
boot0_dfuse_device_erase_sector_impl (Boot0Device *device, guint32 address, GError **error)
{
  Boot0DfuseDevice *self = BOOT0_DFUSE_DEVICE (device);
  guint8 cmd[5] = { DFUSE_CMD_ERASE, address & 0xFF, (address >> 8) & 0xFF, (address >> 16) & 0xFF,
                    (address >> 24) & 0xFF };
  g_autofree char *what = g_strdup_printf ("erasing the sector at 0x%08X", address);

  if (!select_alt_for (self, address, error))
    return FALSE;
  forget_pointer (self);
  {
    const Boot0DfuseSector *sector = NULL;
    GPtrArray *memories = boot0_device_get_memories (device);
    for (guint i = 0; i < memories->len && sector == NULL; i++)
      sector = boot0_dfuse_layout_lookup_sector (g_ptr_array_index (memories, i), address);
    return dnload_and_wait (self, 0, cmd, sizeof cmd,
                            OP_KEY (OP_ERASE, sector != NULL ? sector->size / 256 : 0),
                            self->quirks.erase_timeout_ms, what, error);
  }
}

/* AN3156 §3.3: a one-byte erase command erases all user flash. */
static gboolean
boot0_dfuse_device_mass_erase_impl (Boot0Device *device, GError **error)
{
  Boot0DfuseDevice *self = BOOT0_DFUSE_DEVICE (device);
  Boot0DfuseLayout *flash = boot0_device_get_flash (device);
  guint8 cmd[1] = { DFUSE_CMD_ERASE };

  if (flash != NULL && !select_alt_for (self, boot0_dfuse_layout_get_start (flash), error))
    return FALSE;
  forget_pointer (self);
  return dnload_and_wait (self, 0, cmd, sizeof cmd, OP_KEY (OP_MASS_ERASE, 0),
                          self->quirks.mass_erase_timeout_ms, "erasing the whole flash", error);
}

static gboolean
is_gone (const GError *error)
{
  return g_error_matches (error, BOOT0_ERROR, BOOT0_ERROR_DEVICE_GONE) ||
         g_error_matches (error, BOOT0_ERROR, BOOT0_ERROR_PROTOCOL) ||
         g_error_matches (error, BOOT0_ERROR, BOOT0_ERROR_IO);
}

/* AN3156 §3.4 leave: Set Address (jump base), zero-length DNLOAD, then
 * GETSTATUS moves the device to manifestation, where the ROM starts the
 * application and drops off the bus. A device that vanishes here has done
 * what we asked. */
static gboolean
boot0_dfuse_device_run_impl (Boot0Device *device, guint32 address, GError **error)
{
  Boot0DfuseDevice *self = BOOT0_DFUSE_DEVICE (device);
  g_autoptr (GError) local_error = NULL;
  Boot0DfuStatus status = { 0 };

  if (!select_alt_for (self, address, error) || !set_address (self, address, error))
    return FALSE;
  if (!boot0_dfu_dnload (self->handle, self->iface, DFUSE_FIRST_DATA_BLOCK, NULL, 0, &local_error))
    {
      if (is_gone (local_error))
        return TRUE;
      g_propagate_prefixed_error (error, g_steal_pointer (&local_error), "starting the firmware: ");
      return FALSE;
    }
  forget_pointer (self);
  if (self->quirks.leave_no_answer)
    return TRUE;
  /* DFU 1.1 §7.2: GETSTATUS moves dfuMANIFEST-SYNC on to dfuMANIFEST, where
   * the ROM starts the application; ask until it is there or gone (the F4
   * ROM answers the first one with dfuDNBUSY, as dfu-util's loop expects). */
  for (guint i = 0; i < LEAVE_POLLS; i++)
    {
      g_clear_error (&local_error);
      if (!boot0_dfu_get_status (self->handle, self->iface, 5000, &status, &local_error))
        {
          if (is_gone (local_error) ||
              g_error_matches (local_error, BOOT0_ERROR, BOOT0_ERROR_TIMED_OUT))
            return TRUE;
          g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                                      "starting the firmware: ");
          return FALSE;
        }
      if (status.status != BOOT0_DFU_STATUS_OK)
        return fail_with_status (self, &status, "starting the firmware", error);
      if (status.state == BOOT0_DFU_STATE_MANIFEST ||
          status.state == BOOT0_DFU_STATE_MANIFEST_WAIT_RESET ||
          status.state == BOOT0_DFU_STATE_APP_IDLE || status.state == BOOT0_DFU_STATE_APP_DETACH)
        return TRUE;
      if (status.state != BOOT0_DFU_STATE_MANIFEST_SYNC && status.state != BOOT0_DFU_STATE_DNBUSY)
        {
          g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_PROTOCOL,
                       "starting the firmware: the device went to %s instead of manifestation",
                       boot0_dfu_state_to_string (status.state));
          return FALSE;
        }
      g_usleep ((gulong)MIN (MAX (status.poll_timeout, 1u), 1000u) * 1000);
    }
  g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_TIMED_OUT,
               "starting the firmware: the device stayed in dfuMANIFEST-SYNC; reset the board "
               "with BOOT0 low");
  return FALSE;
}

/* AN3156 §3.5: Read Unprotect mass-erases the flash and resets the chip. */
static gboolean
boot0_dfuse_device_read_unprotect_impl (Boot0Device *device, GError **error)
{
  Boot0DfuseDevice *self = BOOT0_DFUSE_DEVICE (device);
  g_autoptr (GError) local_error = NULL;
  guint8 cmd[1] = { DFUSE_CMD_READ_UNPROTECT };
  Boot0DfuStatus status = { 0 };

  forget_pointer (self);
  if (!boot0_dfu_dnload (self->handle, self->iface, 0, cmd, sizeof cmd, error))
    return FALSE;
  if (!boot0_dfu_get_status (self->handle, self->iface, 5000, &status, &local_error))
    {
      if (is_gone (local_error))
        return TRUE;
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (status.status != BOOT0_DFU_STATUS_OK)
    return fail_with_status (self, &status, "removing read-out protection", error);
  return TRUE;
}

/* AN3156 §3.1: the commands the bootloader supports. */
static void
read_commands (Boot0DfuseDevice *self)
{
  guint8 buf[32] = { 0 };
  gsize actual = 0;

  g_clear_pointer (&self->commands, g_bytes_unref);
  if (boot0_dfu_upload (self->handle, self->iface, 0, buf, sizeof buf, &actual, NULL) && actual > 0)
    self->commands = g_bytes_new (buf, actual);
  /* The upload leaves dfuUPLOAD-IDLE behind (or dfuERROR if refused). */
  recover_to_idle (self, NULL);
}

static const struct libusb_interface *
find_dfu_interface (Boot0DfuseDevice *self, const struct libusb_config_descriptor *config);
static struct libusb_config_descriptor *get_config (libusb_device *usb_device, GError **error);
static void read_names (Boot0DfuseDevice *self, libusb_device_handle *handle, guint8 i_serial,
                        const struct libusb_interface *dfu_iface);

static gboolean
boot0_dfuse_device_open_impl (Boot0Device *device, GError **error)
{
  Boot0DfuseDevice *self = BOOT0_DFUSE_DEVICE (device);
  int rc = libusb_open (self->usb_device, &self->handle);

  if (rc != 0)
    {
      self->handle = NULL;
      boot0_usb_set_error (error, rc, "opening the device");
      return FALSE;
    }
  if (self->names_unread)
    {
      /* Refused when it arrived, allowed now (the udev rule was installed):
       * learn what it is before using it. */
      struct libusb_config_descriptor *config = get_config (self->usb_device, error);
      const struct libusb_interface *dfu_iface =
          config != NULL ? find_dfu_interface (self, config) : NULL;
      if (dfu_iface == NULL)
        {
          if (config != NULL)
            g_set_error_literal (error, BOOT0_ERROR, BOOT0_ERROR_NOT_SUPPORTED,
                                 "the device has no DFU-mode interface");
          g_clear_pointer (&config, libusb_free_config_descriptor);
          libusb_close (self->handle);
          self->handle = NULL;
          return FALSE;
        }
      read_names (self, self->handle, self->i_serial, dfu_iface);
      libusb_free_config_descriptor (config);
    }
  libusb_set_auto_detach_kernel_driver (self->handle, 1);
  rc = libusb_claim_interface (self->handle, self->iface);
  if (rc != 0)
    {
      boot0_usb_set_error (error, rc, "claiming the DFU interface");
      libusb_close (self->handle);
      self->handle = NULL;
      return FALSE;
    }
  self->current_alt = -1;
  forget_pointer (self);
  self->uploading = FALSE;
  if (self->memory_alts->len > 0)
    {
      guint8 alt = g_array_index (self->memory_alts, guint8, 0);
      rc = libusb_set_interface_alt_setting (self->handle, self->iface, alt);
      if (rc != 0)
        {
          boot0_usb_set_error (error, rc, "selecting the memory");
          goto fail;
        }
      self->current_alt = alt;
    }
  if (!recover_to_idle (self, error))
    goto fail;
  read_commands (self);
  return TRUE;

fail:
  libusb_release_interface (self->handle, self->iface);
  libusb_close (self->handle);
  self->handle = NULL;
  return FALSE;
}

static void
boot0_dfuse_device_close_impl (Boot0Device *device)
{
  Boot0DfuseDevice *self = BOOT0_DFUSE_DEVICE (device);

  if (self->handle == NULL)
    return;
  /* Leave the device idle for the next program; ignore a vanished one. */
  if (self->uploading)
    boot0_dfu_abort (self->handle, self->iface, NULL);
  libusb_release_interface (self->handle, self->iface);
  libusb_close (self->handle);
  self->handle = NULL;
  forget_pointer (self);
}

gboolean
boot0_dfuse_device_probe_protection (Boot0DfuseDevice *self, GError **error)
{
  Boot0DfuseLayout *flash = boot0_device_get_flash (BOOT0_DEVICE (self));
  g_autoptr (GError) local_error = NULL;
  guint8 word[4];

  g_return_val_if_fail (BOOT0_IS_DFUSE_DEVICE (self), FALSE);
  if (flash == NULL)
    return TRUE;
  if (boot0_device_read (BOOT0_DEVICE (self), boot0_dfuse_layout_get_start (flash), word,
                         sizeof word, &local_error))
    {
      boot0_device_set_protection (BOOT0_DEVICE (self), BOOT0_PROTECTION_NONE);
      return TRUE;
    }
  if (g_error_matches (local_error, BOOT0_ERROR, BOOT0_ERROR_READ_PROTECTED))
    {
      boot0_device_set_protection (BOOT0_DEVICE (self), BOOT0_PROTECTION_READ_PROTECTED);
      return TRUE;
    }
  g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

static void
boot0_dfuse_device_finalize (GObject *object)
{
  Boot0DfuseDevice *self = BOOT0_DFUSE_DEVICE (object);

  /* The parent's dispose closes the handle. */
  libusb_unref_device (self->usb_device);
  g_free (self->manufacturer);
  g_free (self->product);
  g_ptr_array_unref (self->alt_names);
  g_array_unref (self->alt_numbers);
  g_array_unref (self->memory_alts);
  g_clear_pointer (&self->commands, g_bytes_unref);
  g_hash_table_unref (self->op_durations);
  g_clear_object (&self->chip_db);

  G_OBJECT_CLASS (boot0_dfuse_device_parent_class)->finalize (object);
}

static void
boot0_dfuse_device_class_init (Boot0DfuseDeviceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  Boot0DeviceClass *device_class = BOOT0_DEVICE_CLASS (klass);

  object_class->finalize = boot0_dfuse_device_finalize;
  device_class->open = boot0_dfuse_device_open_impl;
  device_class->close = boot0_dfuse_device_close_impl;
  device_class->read = boot0_dfuse_device_read_impl;
  device_class->write = boot0_dfuse_device_write_impl;
  device_class->erase_sector = boot0_dfuse_device_erase_sector_impl;
  device_class->mass_erase = boot0_dfuse_device_mass_erase_impl;
  device_class->run = boot0_dfuse_device_run_impl;
  device_class->read_unprotect = boot0_dfuse_device_read_unprotect_impl;
}

static void
boot0_dfuse_device_init (Boot0DfuseDevice *self)
{
  self->alt_names = g_ptr_array_new_with_free_func (g_free);
  self->alt_numbers = g_array_new (FALSE, FALSE, sizeof (guint8));
  self->memory_alts = g_array_new (FALSE, FALSE, sizeof (guint8));
  self->op_durations = g_hash_table_new (g_direct_hash, g_direct_equal);
  self->current_alt = -1;
}

/* DFU 1.1 §4.1.3: the functional descriptor sits in the "extra" bytes of an
 * interface (ST's ROM puts it after the last alternate setting). */
static gboolean
find_functional (const guint8 *extra, int len, Boot0DfuFunctional *out)
{
  for (int i = 0; i + 2 <= len && extra[i] >= 2; i += extra[i])
    {
      if (extra[i + 1] == 0x21 && extra[i] >= 7 && i + extra[i] <= len)
        {
          out->attributes = extra[i + 2];
          out->detach_timeout = extra[i + 3] | (extra[i + 4] << 8);
          out->transfer_size = extra[i + 5] | (extra[i + 6] << 8);
          out->bcd_dfu = extra[i] >= 9 ? (extra[i + 7] | (extra[i + 8] << 8)) : 0x0100;
          return TRUE;
        }
    }
  return FALSE;
}

static char *
read_string (libusb_device_handle *handle, guint8 index)
{
  unsigned char buf[256] = { 0 };
  int rc;

  if (handle == NULL || index == 0)
    return NULL;
  rc = libusb_get_string_descriptor_ascii (handle, index, buf, sizeof buf - 1);
  if (rc <= 0)
    return NULL;
  return g_strndup ((const char *)buf, (gsize)rc);
}

static char *
port_path (libusb_device *device)
{
  guint8 ports[8];
  int n = libusb_get_port_numbers (device, ports, sizeof ports);
  GString *s = g_string_new (NULL);

  g_string_append_printf (s, "%u", libusb_get_bus_number (device));
  for (int i = 0; i < n; i++)
    g_string_append_printf (s, "%c%u", i == 0 ? '-' : '.', ports[i]);
  if (n <= 0)
    g_string_append_printf (s, ":%u", libusb_get_device_address (device));
  return g_string_free (s, FALSE);
}

/* The DFU interface of a configuration; sets self->iface. */
static const struct libusb_interface *
find_dfu_interface (Boot0DfuseDevice *self, const struct libusb_config_descriptor *config)
{
  for (guint i = 0; i < config->bNumInterfaces; i++)
    {
      const struct libusb_interface *iface = &config->interface[i];
      for (int a = 0; a < iface->num_altsetting; a++)
        {
          const struct libusb_interface_descriptor *alt = &iface->altsetting[a];
          if (alt->bInterfaceClass == 0xFE && alt->bInterfaceSubClass == 0x01 &&
              alt->bInterfaceProtocol == 0x02)
            {
              self->iface = alt->bInterfaceNumber;
              return iface;
            }
        }
    }
  return NULL;
}

static struct libusb_config_descriptor *
get_config (libusb_device *usb_device, GError **error)
{
  struct libusb_config_descriptor *config = NULL;
  int rc = libusb_get_active_config_descriptor (usb_device, &config);

  if (rc != 0)
    rc = libusb_get_config_descriptor (usb_device, 0, &config);
  if (rc != 0)
    {
      boot0_usb_set_error (error, rc, "reading the configuration descriptor");
      return NULL;
    }
  return config;
}

/* What the strings tell (names, serial, one layout per alternate setting)
 * and what follows from them: the memories and the chip. */
static void
read_names (Boot0DfuseDevice *self, libusb_device_handle *handle, guint8 i_serial,
            const struct libusb_interface *dfu_iface)
{
  g_autofree char *serial = NULL;
  g_autofree char *label = NULL;
  g_autoptr (GPtrArray) alt_ptrs = g_ptr_array_new ();
  Boot0UsbFingerprint fp = { 0 };

  g_clear_pointer (&self->manufacturer, g_free);
  g_clear_pointer (&self->product, g_free);
  g_ptr_array_set_size (self->alt_names, 0);
  g_array_set_size (self->alt_numbers, 0);
  g_array_set_size (self->memory_alts, 0);
  boot0_device_clear_memories (BOOT0_DEVICE (self));

  self->manufacturer = read_string (handle, self->i_manufacturer);
  self->product = read_string (handle, self->i_product);
  serial = read_string (handle, i_serial);
  for (int a = 0; a < dfu_iface->num_altsetting; a++)
    {
      const struct libusb_interface_descriptor *alt = &dfu_iface->altsetting[a];
      char *name = read_string (handle, alt->iInterface);
      g_ptr_array_add (self->alt_names, name != NULL ? name : g_strdup (""));
      g_array_append_val (self->alt_numbers, alt->bAlternateSetting);
    }

  /* Each alternate setting with a DfuSe layout string is a memory. */
  for (guint i = 0; i < self->alt_names->len; i++)
    {
      const char *name = g_ptr_array_index (self->alt_names, i);
      g_autoptr (GError) layout_error = NULL;
      g_autoptr (Boot0DfuseLayout) layout =
          boot0_dfuse_layout_parse_full (name,
                                         self->quirks.device_feature_erasable
                                             ? BOOT0_DFUSE_LAYOUT_PARSE_FLAG_DEVICE_FEATURE_ERASABLE
                                             : BOOT0_DFUSE_LAYOUT_PARSE_FLAG_NONE,
                                         &layout_error);
      g_ptr_array_add (alt_ptrs, (gpointer)name);
      if (layout == NULL)
        {
          g_debug ("alternate setting %u ('%s') has no usable layout: %s", i, name,
                   layout_error->message);
          continue;
        }
      boot0_device_add_memory (BOOT0_DEVICE (self), layout);
      g_array_append_val (self->memory_alts, g_array_index (self->alt_numbers, guint8, i));
    }
  g_ptr_array_add (alt_ptrs, NULL);
  boot0_device_set_serial (BOOT0_DEVICE (self), serial);

  fp.vid = self->vid;
  fp.pid = self->pid;
  fp.bcd_device = self->bcd_device;
  fp.product = self->product;
  fp.alt_settings = (const char *const *)alt_ptrs->pdata;
  fp.n_alt_settings = alt_ptrs->len - 1;
  if (self->chip_db != NULL)
    {
      Boot0Chip *chip = boot0_chip_db_lookup_by_usb (self->chip_db, &fp);
      boot0_device_set_chip (BOOT0_DEVICE (self), chip);
      label = boot0_chip_db_describe_usb (self->chip_db, &fp);
    }
  boot0_device_set_label (BOOT0_DEVICE (self), label != NULL ? label : "DfuSe device");
  self->names_unread = FALSE;
}

/* Describes the device from its descriptors, then opens it briefly for
 * the strings. A device the user may not open is still described (it
 * lists, and says why it cannot be used): its names are read at the first
 * open that succeeds, e.g. once the udev rule is in place. */
Boot0DfuseDevice *
boot0_dfuse_device_new (libusb_device *usb_device, Boot0ChipDb *chip_db, GError **error)
{
  g_autoptr (Boot0DfuseDevice) self = g_object_new (BOOT0_TYPE_DFUSE_DEVICE, NULL);
  struct libusb_device_descriptor desc;
  struct libusb_config_descriptor *config = NULL;
  libusb_device_handle *handle = NULL;
  const struct libusb_interface *dfu_iface = NULL;
  g_autofree char *path = port_path (usb_device);
  g_autofree char *version = NULL;
  int rc;

  self->usb_device = libusb_ref_device (usb_device);
  self->chip_db = chip_db != NULL ? g_object_ref (chip_db) : NULL;
  boot0_device_set_kind (BOOT0_DEVICE (self), BOOT0_DEVICE_KIND_USB_DFUSE);
  boot0_device_set_path (BOOT0_DEVICE (self), path);

  rc = libusb_get_device_descriptor (usb_device, &desc);
  if (rc != 0)
    {
      boot0_usb_set_error (error, rc, "reading the device descriptor");
      return NULL;
    }
  self->vid = desc.idVendor;
  self->pid = desc.idProduct;
  self->bcd_device = desc.bcdDevice;
  self->i_manufacturer = desc.iManufacturer;
  self->i_product = desc.iProduct;
  self->i_serial = desc.iSerialNumber;
  boot0_quirks_lookup (&self->quirks, self->vid, self->pid, self->bcd_device);

  config = get_config (usb_device, error);
  if (config == NULL)
    return NULL;
  dfu_iface = find_dfu_interface (self, config);
  if (dfu_iface == NULL)
    {
      libusb_free_config_descriptor (config);
      g_set_error_literal (error, BOOT0_ERROR, BOOT0_ERROR_NOT_SUPPORTED,
                           "the device has no DFU-mode interface");
      return NULL;
    }
  for (int a = 0; a < dfu_iface->num_altsetting && !self->has_functional; a++)
    self->has_functional = find_functional (
        dfu_iface->altsetting[a].extra, dfu_iface->altsetting[a].extra_length, &self->functional);
  if (!self->has_functional)
    self->has_functional = find_functional (config->extra, config->extra_length, &self->functional);

  /* wTransferSize from the descriptor, never a fixed 2048 (DFU 1.1 §4.1.3);
   * at least the control endpoint's packet size, as dfu-util does. */
  if (self->has_functional && self->functional.transfer_size > 0)
    boot0_device_set_transfer_size (BOOT0_DEVICE (self),
                                    MAX (self->functional.transfer_size, desc.bMaxPacketSize0));
  else
    boot0_device_set_transfer_size (BOOT0_DEVICE (self), 1024);
  /* bcdDFU 0x011A reads "DfuSe 1.1a"; bcdDevice is the ROM's version. */
  if (self->has_functional)
    version = g_strdup_printf ("DFU %x.%x%s, bcdDevice 0x%04X", self->functional.bcd_dfu >> 8,
                               (self->functional.bcd_dfu >> 4) & 0xF,
                               (self->functional.bcd_dfu & 0xF) == 0xA ? "a (DfuSe)" : "",
                               self->bcd_device);
  else
    version = g_strdup_printf ("bcdDevice 0x%04X", self->bcd_device);
  boot0_device_set_bootloader_version (BOOT0_DEVICE (self), version);

  rc = libusb_open (usb_device, &handle);
  if (rc == LIBUSB_ERROR_ACCESS)
    {
      libusb_free_config_descriptor (config);
      self->names_unread = TRUE;
      boot0_device_set_label (BOOT0_DEVICE (self), self->vid == BOOT0_USB_VID_ST
                                                       ? BOOT0_DFUSE_NO_PERMISSION_LABEL_ST
                                                       : BOOT0_DFUSE_NO_PERMISSION_LABEL);
      return g_steal_pointer (&self);
    }
  if (rc != 0)
    {
      libusb_free_config_descriptor (config);
      boot0_usb_set_error (error, rc, "reading the device's names");
      return NULL;
    }
  read_names (self, handle, self->i_serial, dfu_iface);
  libusb_close (handle);
  libusb_free_config_descriptor (config);
  return g_steal_pointer (&self);
}

gboolean
boot0_dfuse_device_get_names_unread (Boot0DfuseDevice *self)
{
  g_return_val_if_fail (BOOT0_IS_DFUSE_DEVICE (self), FALSE);
  return self->names_unread;
}

libusb_device *
boot0_dfuse_device_get_usb_device (Boot0DfuseDevice *self)
{
  g_return_val_if_fail (BOOT0_IS_DFUSE_DEVICE (self), NULL);
  return self->usb_device;
}

guint16
boot0_dfuse_device_get_vid (Boot0DfuseDevice *self)
{
  g_return_val_if_fail (BOOT0_IS_DFUSE_DEVICE (self), 0);
  return self->vid;
}

guint16
boot0_dfuse_device_get_pid (Boot0DfuseDevice *self)
{
  g_return_val_if_fail (BOOT0_IS_DFUSE_DEVICE (self), 0);
  return self->pid;
}

guint16
boot0_dfuse_device_get_bcd_device (Boot0DfuseDevice *self)
{
  g_return_val_if_fail (BOOT0_IS_DFUSE_DEVICE (self), 0);
  return self->bcd_device;
}

const char *
boot0_dfuse_device_get_manufacturer (Boot0DfuseDevice *self)
{
  g_return_val_if_fail (BOOT0_IS_DFUSE_DEVICE (self), NULL);
  return self->manufacturer;
}

const char *
boot0_dfuse_device_get_product (Boot0DfuseDevice *self)
{
  g_return_val_if_fail (BOOT0_IS_DFUSE_DEVICE (self), NULL);
  return self->product;
}

const Boot0DfuFunctional *
boot0_dfuse_device_get_functional (Boot0DfuseDevice *self)
{
  g_return_val_if_fail (BOOT0_IS_DFUSE_DEVICE (self), NULL);
  return self->has_functional ? &self->functional : NULL;
}

const Boot0Quirks *
boot0_dfuse_device_get_quirks (Boot0DfuseDevice *self)
{
  g_return_val_if_fail (BOOT0_IS_DFUSE_DEVICE (self), NULL);
  return &self->quirks;
}

guint
boot0_dfuse_device_get_n_alts (Boot0DfuseDevice *self)
{
  g_return_val_if_fail (BOOT0_IS_DFUSE_DEVICE (self), 0);
  return self->alt_names->len;
}

const char *
boot0_dfuse_device_get_alt_name (Boot0DfuseDevice *self, guint idx)
{
  g_return_val_if_fail (BOOT0_IS_DFUSE_DEVICE (self), NULL);
  g_return_val_if_fail (idx < self->alt_names->len, NULL);
  return g_ptr_array_index (self->alt_names, idx);
}

GBytes *
boot0_dfuse_device_get_commands (Boot0DfuseDevice *self)
{
  g_return_val_if_fail (BOOT0_IS_DFUSE_DEVICE (self), NULL);
  return self->commands;
}
