/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Unit tests of the emulated DfuSe device model (no USB: requests go straight in). */
#include "config.h"

#include <string.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "emu-dfuse.h"

#define MS 1000

typedef struct
{
  EmuXferResult r;
  guint16 actual;
  gint64 done;
  guint8 data[4096];
} Xfer;

/* One control transfer at `now` (µs). */
static Xfer
ctl (EmuDevice *dev, guint8 type, guint8 req, guint16 value, guint16 length, const guint8 *out,
     gint64 now)
{
  Xfer x = { 0 };
  EmuSetup s = { type, req, value, 0, length };

  g_assert_cmpuint (length, <=, sizeof (x.data));
  if (out != NULL)
    memcpy (x.data, out, length);
  x.r = emu_device_control (dev, &s, x.data, &x.actual, now, &x.done);
  return x;
}

static Xfer
getstatus (EmuDevice *dev, gint64 now)
{
  return ctl (dev, 0xA1, EMU_DFU_GETSTATUS, 0, 6, NULL, now);
}

static guint32
poll_ms (const Xfer *x)
{
  return x->data[1] | (x->data[2] << 8) | (x->data[3] << 16);
}

static void
assert_status (EmuDevice *dev, gint64 now, guint8 status, guint8 state)
{
  Xfer x = getstatus (dev, now);
  g_assert_cmpint (x.r, ==, EMU_XFER_OK);
  g_assert_cmpuint (x.actual, ==, 6);
  g_assert_cmpstr (emu_dfu_status_to_string (x.data[0]), ==, emu_dfu_status_to_string (status));
  g_assert_cmpstr (emu_dfu_state_to_string (x.data[4]), ==, emu_dfu_state_to_string (state));
}

static EmuDevice *
new_device (const char *profile, double scale, const EmuFaults *faults)
{
  g_autoptr (GError) error = NULL;
  EmuDevice *dev = emu_device_new (emu_profile_lookup (profile), NULL, NULL, faults, scale, &error);
  g_assert_no_error (error);
  g_assert_nonnull (dev);
  return dev;
}

/* Downloads a command and runs it to completion (instant timing). */
static void
command (EmuDevice *dev, const guint8 *cmd, guint16 len, guint8 want_status)
{
  Xfer x = ctl (dev, 0x21, EMU_DFU_DNLOAD, 0, len, cmd, 0);
  g_assert_cmpint (x.r, ==, EMU_XFER_OK);
  assert_status (dev, 0, EMU_DFU_STATUS_OK, EMU_DFU_STATE_DNBUSY);
  assert_status (dev, 0, want_status,
                 want_status == EMU_DFU_STATUS_OK ? EMU_DFU_STATE_DNLOAD_IDLE
                                                  : EMU_DFU_STATE_ERROR);
}

static void
set_address (EmuDevice *dev, guint32 a, guint8 want_status)
{
  guint8 cmd[5] = { 0x21, a & 0xFF, (a >> 8) & 0xFF, (a >> 16) & 0xFF, a >> 24 };
  command (dev, cmd, 5, want_status);
}

static void
erase (EmuDevice *dev, guint32 a, guint8 want_status)
{
  guint8 cmd[5] = { 0x41, a & 0xFF, (a >> 8) & 0xFF, (a >> 16) & 0xFF, a >> 24 };
  command (dev, cmd, 5, want_status);
}

static void
to_idle (EmuDevice *dev)
{
  Xfer x = getstatus (dev, 0);
  if (x.data[4] == EMU_DFU_STATE_ERROR)
    g_assert_cmpint (ctl (dev, 0x21, EMU_DFU_CLRSTATUS, 0, 0, NULL, 0).r, ==, EMU_XFER_OK);
  else if (x.data[4] != EMU_DFU_STATE_IDLE)
    g_assert_cmpint (ctl (dev, 0x21, EMU_DFU_ABORT, 0, 0, NULL, 0).r, ==, EMU_XFER_OK);
  assert_status (dev, 0, EMU_DFU_STATUS_OK, EMU_DFU_STATE_IDLE);
}

static void
descriptors_func (void)
{
  g_autoptr (EmuDevice) dev = new_device ("f405", 0, NULL);
  const guint8 func[] = { 9, 0x21, 0x0B, 0xFF, 0x00, 0x00, 0x08, 0x1A, 0x01 };
  const guint8 product[] = { 'S', 0, 'T', 0, 'M', 0, '3', 0, '2', 0, ' ', 0, ' ', 0, 'B', 0 };
  Xfer x;

  x = ctl (dev, 0x80, 6, 0x0100, 18, NULL, 0);
  g_assert_cmpint (x.r, ==, EMU_XFER_OK);
  g_assert_cmpuint (x.actual, ==, 18);
  g_assert_cmphex (x.data[8] | (x.data[9] << 8), ==, 0x0483);
  g_assert_cmphex (x.data[10] | (x.data[11] << 8), ==, 0xdf11);
  g_assert_cmphex (x.data[12] | (x.data[13] << 8), ==, 0x2200);

  /* 9 (config) + 4 alternate settings + functional descriptor */
  x = ctl (dev, 0x80, 6, 0x0200, 255, NULL, 0);
  g_assert_cmpuint (x.actual, ==, 9 + 4 * 9 + 9);
  g_assert_cmpuint (x.data[2], ==, 9 + 4 * 9 + 9);
  g_assert_cmpmem (x.data + x.actual - 9, 9, func, sizeof (func));
  for (guint i = 0; i < 4; i++)
    {
      const guint8 *intf = x.data + 9 + 9 * i;
      g_assert_cmpuint (intf[3], ==, i);   /* bAlternateSetting */
      g_assert_cmphex (intf[5], ==, 0xFE); /* application specific */
      g_assert_cmphex (intf[7], ==, 0x02); /* DFU mode */
    }
  /* a short read gets the start only */
  x = ctl (dev, 0x80, 6, 0x0200, 9, NULL, 0);
  g_assert_cmpuint (x.actual, ==, 9);

  x = ctl (dev, 0x80, 6, 0x0300, 255, NULL, 0);
  g_assert_cmpuint (x.actual, ==, 4);
  g_assert_cmphex (x.data[2] | (x.data[3] << 8), ==, 0x0409);
  x = ctl (dev, 0x80, 6, 0x0302, 255, NULL, 0);
  g_assert_cmpuint (x.data[0], ==, 2 + 2 * strlen ("STM32  BOOTLOADER"));
  g_assert_cmpmem (x.data + 2, sizeof (product), product, sizeof (product));
  /* full-speed only: no device qualifier */
  g_assert_cmpint (ctl (dev, 0x80, 6, 0x0600, 10, NULL, 0).r, ==, EMU_XFER_STALL);
  g_assert_cmpint (ctl (dev, 0x80, 6, 0x0399, 255, NULL, 0).r, ==, EMU_XFER_STALL);
  /* the functional descriptor on its own (interface recipient) */
  x = ctl (dev, 0x81, 6, 0x2100, 9, NULL, 0);
  g_assert_cmpmem (x.data, x.actual, func, sizeof (func));
}

static void
initial_state_func (void)
{
  g_autoptr (EmuDevice) rom = new_device ("f405", 0, NULL);
  g_autoptr (EmuDevice) mw = new_device ("cubemx", 0, NULL);

  /* F4 ROMs come up in dfuERROR/errFIRMWARE (dfu-util logs). */
  assert_status (rom, 0, EMU_DFU_STATUS_ERR_FIRMWARE, EMU_DFU_STATE_ERROR);
  g_assert_cmpint (ctl (rom, 0x21, EMU_DFU_CLRSTATUS, 0, 0, NULL, 0).r, ==, EMU_XFER_OK);
  assert_status (rom, 0, EMU_DFU_STATUS_OK, EMU_DFU_STATE_IDLE);
  /* DFU 1.1: CLRSTATUS outside dfuERROR is STALLed */
  g_assert_cmpint (ctl (rom, 0x21, EMU_DFU_CLRSTATUS, 0, 0, NULL, 0).r, ==, EMU_XFER_STALL);
  assert_status (rom, 0, EMU_DFU_STATUS_ERR_STALLEDPKT, EMU_DFU_STATE_ERROR);

  /* ST's class code: starts idle; CLRSTATUS outside dfuERROR enters it */
  assert_status (mw, 0, EMU_DFU_STATUS_OK, EMU_DFU_STATE_IDLE);
  g_assert_cmpint (ctl (mw, 0x21, EMU_DFU_CLRSTATUS, 0, 0, NULL, 0).r, ==, EMU_XFER_OK);
  assert_status (mw, 0, EMU_DFU_STATUS_ERR_UNKNOWN, EMU_DFU_STATE_ERROR);
}

static void
get_commands_func (void)
{
  g_autoptr (EmuDevice) rom = new_device ("f405", 0, NULL);
  g_autoptr (EmuDevice) mw = new_device ("cubemx", 0, NULL);
  const guint8 rom_cmds[] = { 0x00, 0x21, 0x41, 0x92 };
  const guint8 mw_cmds[] = { 0x00, 0x21, 0x41 };
  Xfer x;

  to_idle (rom);
  x = ctl (rom, 0xA1, EMU_DFU_UPLOAD, 0, 64, NULL, 0);
  g_assert_cmpint (x.r, ==, EMU_XFER_OK);
  g_assert_cmpmem (x.data, x.actual, rom_cmds, sizeof (rom_cmds));
  /* the short reply ended the upload */
  assert_status (rom, 0, EMU_DFU_STATUS_OK, EMU_DFU_STATE_IDLE);
  x = ctl (mw, 0xA1, EMU_DFU_UPLOAD, 0, 64, NULL, 0);
  g_assert_cmpmem (x.data, x.actual, mw_cmds, sizeof (mw_cmds));
  /* block 1 is not used */
  g_assert_cmpint (ctl (rom, 0xA1, EMU_DFU_UPLOAD, 1, 64, NULL, 0).r, ==, EMU_XFER_STALL);
  assert_status (rom, 0, EMU_DFU_STATUS_ERR_STALLEDPKT, EMU_DFU_STATE_ERROR);
}

static void
block_addressing_func (void)
{
  g_autoptr (EmuDevice) dev = new_device ("f405", 0, NULL);
  EmuMemory *flash = dev->mems[0];
  guint8 block[2048];
  Xfer x;

  for (guint i = 0; i < sizeof (block); i++)
    block[i] = (guint8)(i * 7 + 1);
  to_idle (dev);
  erase (dev, 0x08000000, EMU_DFU_STATUS_OK);
  set_address (dev, 0x08000100, EMU_DFU_STATUS_OK);
  /* AN3156: block n goes to ((n - 2) * wTransferSize) + pointer */
  x = ctl (dev, 0x21, EMU_DFU_DNLOAD, 4, sizeof (block), block, 0);
  g_assert_cmpint (x.r, ==, EMU_XFER_OK);
  g_assert_cmpuint (x.actual, ==, sizeof (block));
  assert_status (dev, 0, EMU_DFU_STATUS_OK, EMU_DFU_STATE_DNBUSY);
  assert_status (dev, 0, EMU_DFU_STATUS_OK, EMU_DFU_STATE_DNLOAD_IDLE);
  g_assert_cmpmem (flash->data + 0x100 + 2 * 2048, sizeof (block), block, sizeof (block));
  g_assert_cmphex (flash->data[0x100 + 2 * 2048 - 1], ==, 0xFF);
  g_assert_cmpuint (dev->stats.bytes_written, ==, sizeof (block));

  /* reading back with the same formula; the upload ends at the memory's end */
  g_assert_cmpint (ctl (dev, 0x21, EMU_DFU_ABORT, 0, 0, NULL, 0).r, ==, EMU_XFER_OK);
  x = ctl (dev, 0xA1, EMU_DFU_UPLOAD, 4, 2048, NULL, 0);
  g_assert_cmpint (x.r, ==, EMU_XFER_OK);
  g_assert_cmpmem (x.data, x.actual, block, sizeof (block));
  assert_status (dev, 0, EMU_DFU_STATUS_OK, EMU_DFU_STATE_UPLOAD_IDLE);
  g_assert_cmpint (ctl (dev, 0x21, EMU_DFU_ABORT, 0, 0, NULL, 0).r, ==, EMU_XFER_OK);
  set_address (dev, 0x080FFF00, EMU_DFU_STATUS_OK);
  g_assert_cmpint (ctl (dev, 0x21, EMU_DFU_ABORT, 0, 0, NULL, 0).r, ==, EMU_XFER_OK);
  x = ctl (dev, 0xA1, EMU_DFU_UPLOAD, 2, 2048, NULL, 0);
  g_assert_cmpuint (x.actual, ==, 0x100);
  assert_status (dev, 0, EMU_DFU_STATUS_OK, EMU_DFU_STATE_IDLE);
  /* outside any memory: STALL, errADDRESS */
  x = ctl (dev, 0xA1, EMU_DFU_UPLOAD, 3, 2048, NULL, 0);
  g_assert_cmpint (x.r, ==, EMU_XFER_STALL);
  assert_status (dev, 0, EMU_DFU_STATUS_ERR_ADDRESS, EMU_DFU_STATE_ERROR);
  to_idle (dev);
  /* a bad pointer is refused by the command itself */
  set_address (dev, 0x20000000, EMU_DFU_STATUS_ERR_TARGET);
}

static void
nor_semantics_func (void)
{
  g_autoptr (EmuDevice) f4 = new_device ("f405", 0, NULL);
  g_autoptr (EmuDevice) l4 = new_device ("l4", 0, NULL);
  guint8 a[16];
  guint8 b[16];

  memset (a, 0x0F, sizeof (a));
  memset (b, 0xF0, sizeof (b));
  /* F4: no blank check, bits are ANDed, the read-back fails */
  to_idle (f4);
  erase (f4, 0x08004000, EMU_DFU_STATUS_OK);
  g_assert_cmphex (f4->mems[0]->data[0x4000], ==, 0xFF);
  set_address (f4, 0x08004000, EMU_DFU_STATUS_OK);
  g_assert_cmpint (ctl (f4, 0x21, EMU_DFU_DNLOAD, 2, 16, a, 0).r, ==, EMU_XFER_OK);
  assert_status (f4, 0, EMU_DFU_STATUS_OK, EMU_DFU_STATE_DNBUSY);
  assert_status (f4, 0, EMU_DFU_STATUS_OK, EMU_DFU_STATE_DNLOAD_IDLE);
  g_assert_cmpint (ctl (f4, 0x21, EMU_DFU_DNLOAD, 2, 16, b, 0).r, ==, EMU_XFER_OK);
  assert_status (f4, 0, EMU_DFU_STATUS_OK, EMU_DFU_STATE_DNBUSY);
  assert_status (f4, 0, EMU_DFU_STATUS_ERR_WRITE, EMU_DFU_STATE_ERROR);
  g_assert_cmphex (f4->mems[0]->data[0x4000], ==, 0x00);
  /* erase restores 0xFF: then the same write works */
  to_idle (f4);
  erase (f4, 0x08004000, EMU_DFU_STATUS_OK);
  set_address (f4, 0x08004000, EMU_DFU_STATUS_OK);
  g_assert_cmpint (ctl (f4, 0x21, EMU_DFU_DNLOAD, 2, 16, b, 0).r, ==, EMU_XFER_OK);
  getstatus (f4, 0);
  assert_status (f4, 0, EMU_DFU_STATUS_OK, EMU_DFU_STATE_DNLOAD_IDLE);
  g_assert_cmphex (f4->mems[0]->data[0x4000], ==, 0xF0);

  /* L4: PROGERR, the double word is left as it was */
  to_idle (l4);
  erase (l4, 0x08000800, EMU_DFU_STATUS_OK);
  set_address (l4, 0x08000800, EMU_DFU_STATUS_OK);
  g_assert_cmpint (ctl (l4, 0x21, EMU_DFU_DNLOAD, 2, 16, a, 0).r, ==, EMU_XFER_OK);
  getstatus (l4, 0);
  assert_status (l4, 0, EMU_DFU_STATUS_OK, EMU_DFU_STATE_DNLOAD_IDLE);
  g_assert_cmpint (ctl (l4, 0x21, EMU_DFU_DNLOAD, 2, 16, b, 0).r, ==, EMU_XFER_OK);
  getstatus (l4, 0);
  assert_status (l4, 0, EMU_DFU_STATUS_ERR_PROG, EMU_DFU_STATE_ERROR);
  g_assert_cmphex (l4->mems[0]->data[0x800], ==, 0x0F);
}

static void
illegal_requests_func (void)
{
  g_autoptr (EmuDevice) dev = new_device ("f405", 0, NULL);
  const guint8 unknown[3] = { 0x55, 1, 2 };
  guint8 block[64] = { 0 };
  Xfer x;

  to_idle (dev);
  /* GETSTATE reports without changing anything */
  x = ctl (dev, 0xA1, EMU_DFU_GETSTATE, 0, 1, NULL, 0);
  g_assert_cmpuint (x.actual, ==, 1);
  g_assert_cmpuint (x.data[0], ==, EMU_DFU_STATE_IDLE);
  /* UPLOAD in dfuDNLOAD-IDLE is not allowed */
  set_address (dev, 0x08000000, EMU_DFU_STATUS_OK);
  g_assert_cmpint (ctl (dev, 0xA1, EMU_DFU_UPLOAD, 2, 64, NULL, 0).r, ==, EMU_XFER_STALL);
  assert_status (dev, 0, EMU_DFU_STATUS_ERR_STALLEDPKT, EMU_DFU_STATE_ERROR);
  /* ABORT in dfuERROR is not allowed either; CLRSTATUS is */
  g_assert_cmpint (ctl (dev, 0x21, EMU_DFU_ABORT, 0, 0, NULL, 0).r, ==, EMU_XFER_STALL);
  to_idle (dev);
  /* an unknown command, block 1, too long a block, a bad request */
  g_assert_cmpint (ctl (dev, 0x21, EMU_DFU_DNLOAD, 0, 3, unknown, 0).r, ==, EMU_XFER_STALL);
  to_idle (dev);
  g_assert_cmpint (ctl (dev, 0x21, EMU_DFU_DNLOAD, 1, 64, block, 0).r, ==, EMU_XFER_STALL);
  to_idle (dev);
  g_assert_cmpint (ctl (dev, 0x21, EMU_DFU_DNLOAD, 2, 4096, NULL, 0).r, ==, EMU_XFER_STALL);
  to_idle (dev);
  g_assert_cmpint (ctl (dev, 0x21, 7, 0, 0, NULL, 0).r, ==, EMU_XFER_STALL);
  assert_status (dev, 0, EMU_DFU_STATUS_ERR_STALLEDPKT, EMU_DFU_STATE_ERROR);
  g_assert_cmpuint (dev->stats.counts[EMU_COUNT_STALLS], ==, 6);
}

static void
held_getstatus_func (void)
{
  g_autoptr (EmuDevice) dev = new_device ("f405", 1.0, NULL);
  const guint8 cmd[5] = { 0x41, 0x00, 0x00, 0x02, 0x08 }; /* 128 KiB sector at 0x08020000 */
  gint64 t = 1000000;
  Xfer x;

  g_assert_cmpint (ctl (dev, 0x21, EMU_DFU_CLRSTATUS, 0, 0, NULL, t).r, ==, EMU_XFER_OK);
  x = ctl (dev, 0x21, EMU_DFU_DNLOAD, 0, 5, cmd, t);
  t = x.done;
  x = getstatus (dev, t);
  g_assert_cmpuint (x.data[4], ==, EMU_DFU_STATE_DNBUSY);
  g_assert_cmpuint (poll_ms (&x), ==, 100); /* reported */
  /* the host waits what was reported; the ROM needs 1 s: held off */
  t = x.done + 100 * MS;
  x = getstatus (dev, t);
  g_assert_cmpuint (x.data[4], ==, EMU_DFU_STATE_DNLOAD_IDLE);
  g_assert_cmpint (x.done - t, >=, 890 * MS);
  g_assert_cmpint (x.done - t, <=, 910 * MS);
  g_assert_cmpuint (dev->stats.counts[EMU_COUNT_HELD], ==, 1);
  g_assert_cmpuint (dev->stats.erase_us, ==, 1000 * MS);
}

static void
stalled_getstatus_func (void)
{
  g_autoptr (EmuDevice) dev = new_device ("l4", 1.0, NULL);
  const guint8 cmd[5] = { 0x41, 0x00, 0x08, 0x00, 0x08 };
  gint64 t = 1000000;
  Xfer x;

  x = ctl (dev, 0x21, EMU_DFU_DNLOAD, 0, 5, cmd, t);
  x = getstatus (dev, x.done);
  g_assert_cmpuint (poll_ms (&x), ==, 10);
  t = x.done;
  /* dfu-util 0.10's L4 quirk: an early GETSTATUS is STALLed, state kept */
  x = getstatus (dev, t + 10 * MS);
  g_assert_cmpint (x.r, ==, EMU_XFER_STALL);
  x = getstatus (dev, t + 23 * MS);
  g_assert_cmpint (x.r, ==, EMU_XFER_OK);
  g_assert_cmpuint (x.data[4], ==, EMU_DFU_STATE_DNLOAD_IDLE);
}

static void
busy_fault_func (void)
{
  EmuFaults faults;
  g_autoptr (EmuDevice) dev = NULL;
  const guint8 cmd[5] = { 0x21, 0x00, 0x00, 0x00, 0x08 };
  gint64 t = 1000000;
  Xfer x;

  emu_faults_init (&faults);
  g_assert_true (emu_faults_parse (&faults, "busy=500", NULL));
  dev = new_device ("h7", 1.0, &faults);
  x = ctl (dev, 0x21, EMU_DFU_DNLOAD, 0, 5, cmd, t);
  x = getstatus (dev, x.done);
  t = x.done;
  g_assert_cmpuint (poll_ms (&x), ==, 5);
  /* answered at once, still busy, well past the reported time */
  x = getstatus (dev, t + 300 * MS);
  g_assert_cmpuint (x.data[4], ==, EMU_DFU_STATE_DNBUSY);
  g_assert_cmpint (x.done - (t + 300 * MS), <, 5 * MS);
  x = getstatus (dev, t + 501 * MS);
  g_assert_cmpuint (x.data[4], ==, EMU_DFU_STATE_DNLOAD_IDLE);
}

static void
leave_func (void)
{
  g_autoptr (EmuDevice) rom = new_device ("f405", 1.0, NULL);
  g_autoptr (EmuDevice) mw = new_device ("cubemx", 1.0, NULL);
  Xfer x;

  ctl (rom, 0x21, EMU_DFU_CLRSTATUS, 0, 0, NULL, 0);
  g_assert_cmpint (ctl (rom, 0x21, EMU_DFU_DNLOAD, 2, 0, NULL, 0).r, ==, EMU_XFER_OK);
  x = getstatus (rom, 0);
  g_assert_cmpuint (x.data[4], ==, EMU_DFU_STATE_DNBUSY);
  g_assert_cmpuint (poll_ms (&x), ==, 104);
  g_assert_cmpint (emu_device_take_event (rom, NULL), ==, EMU_EVENT_NONE);
  x = getstatus (rom, 0);
  g_assert_cmpuint (x.data[4], ==, EMU_DFU_STATE_MANIFEST);
  g_assert_cmpint (emu_device_take_event (rom, NULL), ==, EMU_EVENT_LEAVE);
  assert_status (rom, 0, EMU_DFU_STATUS_OK, EMU_DFU_STATE_MANIFEST_WAIT_RESET);

  g_assert_cmpint (ctl (mw, 0x21, EMU_DFU_DNLOAD, 0, 0, NULL, 0).r, ==, EMU_XFER_OK);
  x = getstatus (mw, 0);
  g_assert_cmpuint (x.data[4], ==, EMU_DFU_STATE_MANIFEST);
  g_assert_cmpuint (poll_ms (&x), ==, 1);
  g_assert_cmpint (emu_device_take_event (mw, NULL), ==, EMU_EVENT_LEAVE);
}

static void
rdp_func (void)
{
  EmuFaults faults;
  g_autoptr (EmuDevice) dev = NULL;
  const guint8 unprotect = 0x92;
  gint64 back = 0;

  emu_faults_init (&faults);
  g_assert_true (emu_faults_parse (&faults, "rdp", NULL));
  dev = new_device ("f405", 0, &faults);
  memset (dev->mems[0]->data, 0x00, 64);
  g_assert_true (dev->rdp_active);
  to_idle (dev);
  set_address (dev, 0x08000000, EMU_DFU_STATUS_ERR_VENDOR);
  to_idle (dev);
  erase (dev, 0x08000000, EMU_DFU_STATUS_ERR_VENDOR);
  to_idle (dev);
  g_assert_cmpint (ctl (dev, 0xA1, EMU_DFU_UPLOAD, 2, 64, NULL, 0).r, ==, EMU_XFER_STALL);
  assert_status (dev, 0, EMU_DFU_STATUS_ERR_VENDOR, EMU_DFU_STATE_ERROR);
  to_idle (dev);
  /* read unprotect: mass erase, option bytes back to level 0, reset */
  g_assert_cmpint (ctl (dev, 0x21, EMU_DFU_DNLOAD, 0, 1, &unprotect, 0).r, ==, EMU_XFER_OK);
  assert_status (dev, 0, EMU_DFU_STATUS_OK, EMU_DFU_STATE_DNBUSY);
  g_assert_cmpint (emu_device_take_event (dev, &back), ==, EMU_EVENT_REENUMERATE);
  emu_device_reset (dev);
  g_assert_false (dev->rdp_active);
  g_assert_cmphex (dev->mems[0]->data[0], ==, 0xFF);
  g_assert_cmphex (dev->mems[1]->data[1], ==, 0xAA);
  to_idle (dev);
  set_address (dev, 0x08000000, EMU_DFU_STATUS_OK);
}

static void
cubemx_erase_func (void)
{
  g_autoptr (EmuDevice) dev = new_device ("cubemx", 0, NULL);
  EmuMemory *flash = dev->mems[0];
  const guint8 mass = 0x41;

  memset (flash->data, 0x00, flash->size);
  /* usbd_dfu_if.c ignores the address: the whole application area goes */
  erase (dev, 0x08060000, EMU_DFU_STATUS_OK);
  g_assert_cmphex (flash->data[0x7FFF], ==, 0x00);
  g_assert_cmphex (flash->data[0x8000], ==, 0xFF);
  g_assert_cmphex (flash->data[flash->size - 1], ==, 0xFF);
  g_assert_cmpuint (dev->stats.erase_us, ==, (2 * 250 + 550 + 3 * 1000) * MS);
  /* ... and the class code took the address as the pointer */
  g_assert_cmphex (dev->pointer, ==, 0x08060000);
  /* mass erase falls through the command decoding: "OK", nothing erased */
  memset (flash->data + 0x8000, 0x00, 16);
  command (dev, &mass, 1, EMU_DFU_STATUS_OK);
  g_assert_cmphex (flash->data[0x8000], ==, 0x00);
  /* the read-only bootloader sectors */
  set_address (dev, 0x08000000, EMU_DFU_STATUS_OK);
  g_assert_cmpint (ctl (dev, 0x21, EMU_DFU_DNLOAD, 2, 4, (const guint8 *)"abcd", 0).r, ==,
                   EMU_XFER_OK);
  getstatus (dev, 0);
  assert_status (dev, 0, EMU_DFU_STATUS_ERR_WRITE, EMU_DFU_STATE_ERROR);
}

static void
faults_parse_func (void)
{
  const char *good[] = { "unplug=4096",
                         "stall=3",
                         "error=errWRITE:2",
                         "error=verify:0",
                         "error=0x08:1",
                         "erase-error=errERASE",
                         "erase-error=errTARGET:2",
                         "bitflip=0x08000010",
                         "bitflip=0x08000010:7",
                         "busy=200",
                         "rdp" };
  const char *bad[] = { "",
                        "unplug",
                        "unplug=-1",
                        "stall=x",
                        "error=errWRITE",
                        "error=OK:1",
                        "error=errBOGUS:1",
                        "bitflip=0x08000010:8",
                        "busy",
                        "rdp=1",
                        "nothing" };

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      EmuFaults f;
      g_autoptr (GError) error = NULL;
      emu_faults_init (&f);
      if (!emu_faults_parse (&f, good[i], &error))
        g_error ("'%s' refused: %s", good[i], error->message);
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      EmuFaults f;
      g_autoptr (GError) error = NULL;
      emu_faults_init (&f);
      if (emu_faults_parse (&f, bad[i], &error))
        g_error ("'%s' accepted", bad[i]);
      g_assert_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE);
    }
}

static void
layout_func (void)
{
  g_autoptr (EmuLayout) l4 = emu_layout_parse ("@Internal Flash  /0x08000000/0256*0002Kg", NULL);
  g_autoptr (EmuLayout) mx =
      emu_layout_parse ("@Internal Flash   /0x08000000/02*016Ka,02*016Kg,01*064Kg,07*128Kg", NULL);
  const char *bad[] = { "Internal",
                        "@x",
                        "@x/0x0800/",
                        "@x/0x08000000/4*16Kz",
                        "@x/0x08000000/0*16Kg",
                        "@x/0x08000000/4*16Xg" };

  g_assert_nonnull (l4);
  g_assert_cmpstr (l4->name, ==, "Internal Flash");
  g_assert_cmphex (l4->base, ==, 0x08000000);
  /* zero-padded counts are decimal, not octal */
  g_assert_cmpuint (emu_layout_size (l4), ==, 256 * 2048);
  g_assert_nonnull (mx);
  g_assert_cmpuint (mx->segments->len, ==, 4);
  g_assert_cmpuint (g_array_index (mx->segments, EmuLayoutSegment, 0).caps, ==, 0x01);
  g_assert_cmpuint (g_array_index (mx->segments, EmuLayoutSegment, 1).caps, ==, 0x07);
  g_assert_cmpuint (emu_layout_size (mx), ==, 1024 * 1024);
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (EmuLayout) l = emu_layout_parse (bad[i], &error);
      g_assert_null (l);
      g_assert_nonnull (error);
    }
}

static void
profiles_func (void)
{
  const EmuProfile *const *profiles = emu_profile_list ();
  g_autoptr (EmuLayout) h7 = NULL;
  guint n = 0;

  for (; profiles[n] != NULL; n++)
    {
      const EmuProfile *p = profiles[n];
      g_autoptr (EmuDevice) dev = new_device (p->name, 0, NULL);
      /* every alt string parses and the flash comes first */
      g_assert_cmpuint (dev->n_mems, ==, emu_profile_n_alts (p));
      g_assert_cmpint (dev->mems[0]->kind, ==, EMU_MEM_FLASH);
      g_assert_cmpuint (p->transfer_size % p->max_packet0, ==, 0);
      g_assert_cmpuint (p->program_unit, <=, 64);
      g_assert_cmpuint (
          emu_profile_erase_us (p, g_array_index (dev->mems[0]->sectors, EmuSector, 0).size), >, 0);
    }
  g_assert_cmpuint (n, >=, 5);
  g_assert_null (emu_profile_lookup ("f999"));
  h7 = emu_layout_parse (emu_profile_lookup ("h7")->alts[0], NULL);
  g_assert_cmpuint (emu_layout_size (h7), ==, 2 * 1024 * 1024);
}

static void
flash_file_func (void)
{
  g_autofree char *dir = g_dir_make_tmp ("emu-model-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "flash.bin", NULL);
  g_autoptr (GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize len = 0;

  {
    g_autoptr (EmuDevice) dev =
        emu_device_new (emu_profile_lookup ("f0"), NULL, path, NULL, 0, &error);
    g_assert_no_error (error);
    g_assert_cmphex (dev->mems[0]->data[100], ==, 0xFF);
    dev->mems[0]->data[100] = 0x42;
  }
  g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
  g_assert_cmpuint (len, ==, 128 * 1024);
  g_assert_cmphex ((guint8)contents[100], ==, 0x42);
  g_assert_cmphex ((guint8)contents[101], ==, 0xFF);
  {
    /* another profile's flash does not fit this file */
    g_autoptr (EmuDevice) dev =
        emu_device_new (emu_profile_lookup ("f405"), NULL, path, NULL, 0, &error);
    g_assert_null (dev);
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  }
  g_unlink (path);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/boot0/emulator-model/descriptors", descriptors_func);
  g_test_add_func ("/boot0/emulator-model/initial-state", initial_state_func);
  g_test_add_func ("/boot0/emulator-model/get-commands", get_commands_func);
  g_test_add_func ("/boot0/emulator-model/block-addressing", block_addressing_func);
  g_test_add_func ("/boot0/emulator-model/nor-semantics", nor_semantics_func);
  g_test_add_func ("/boot0/emulator-model/illegal-requests", illegal_requests_func);
  g_test_add_func ("/boot0/emulator-model/held-getstatus", held_getstatus_func);
  g_test_add_func ("/boot0/emulator-model/stalled-getstatus", stalled_getstatus_func);
  g_test_add_func ("/boot0/emulator-model/busy-fault", busy_fault_func);
  g_test_add_func ("/boot0/emulator-model/leave", leave_func);
  g_test_add_func ("/boot0/emulator-model/rdp", rdp_func);
  g_test_add_func ("/boot0/emulator-model/cubemx-erase", cubemx_erase_func);
  g_test_add_func ("/boot0/emulator-model/faults-parse", faults_parse_func);
  g_test_add_func ("/boot0/emulator-model/layout", layout_func);
  g_test_add_func ("/boot0/emulator-model/profiles", profiles_func);
  g_test_add_func ("/boot0/emulator-model/flash-file", flash_file_func);
  return g_test_run ();
}
