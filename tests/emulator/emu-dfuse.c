/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The emulated DfuSe device: USB descriptors, DFU 1.1 state machine, DfuSe commands, timing. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <gio/gio.h>

#include "emu-dfuse.h"

/* Cost of one control transfer on a full-speed bus: setup and status stages
 * plus 64-byte data packets (12 Mbit/s with protocol overhead). */
#define USB_TRANSFER_US    500
#define USB_NS_PER_BYTE    800
#define RDP_LEVEL0         0xAA
#define RDP_LEVEL1_EXAMPLE 0xBB

static const char *const state_names[] = {
  "appIDLE",        "appDETACH",        "dfuIDLE",     "dfuDNLOAD-SYNC",         "dfuDNBUSY",
  "dfuDNLOAD-IDLE", "dfuMANIFEST-SYNC", "dfuMANIFEST", "dfuMANIFEST-WAIT-RESET", "dfuUPLOAD-IDLE",
  "dfuERROR",
};

static const char *const status_names[] = {
  "OK",      "errTARGET", "errFILE",    "errWRITE",      "errERASE",    "errCHECK_ERASED",
  "errPROG", "errVERIFY", "errADDRESS", "errNOTDONE",    "errFIRMWARE", "errVENDOR",
  "errUSBR", "errPOR",    "errUNKNOWN", "errSTALLEDPKT",
};

static const char *const counter_names[] = {
  "GET_DESCRIPTOR", "SET_CONFIGURATION",
  "SET_INTERFACE",  "other_standard",
  "DETACH",         "DNLOAD",
  "UPLOAD",         "GETSTATUS",
  "CLRSTATUS",      "GETSTATE",
  "ABORT",          "set_address",
  "erase",          "mass_erase",
  "read_unprotect", "get_commands",
  "leave",          "stalls",
  "busy_replies",   "held",
};

G_STATIC_ASSERT (G_N_ELEMENTS (counter_names) == EMU_COUNT_LAST);

const char *
emu_dfu_state_to_string (guint8 state)
{
  return state < G_N_ELEMENTS (state_names) ? state_names[state] : "unknown";
}

const char *
emu_dfu_status_to_string (guint8 status)
{
  return status < G_N_ELEMENTS (status_names) ? status_names[status] : "unknown";
}

const char *
emu_counter_name (EmuCounter counter)
{
  return counter < EMU_COUNT_LAST ? counter_names[counter] : "unknown";
}

gboolean
emu_dfu_status_from_string (const char *text, guint8 *status)
{
  char *end = NULL;
  guint64 v;

  for (guint i = 0; i < G_N_ELEMENTS (status_names); i++)
    {
      const char *name = status_names[i];
      if (g_ascii_strcasecmp (text, name) == 0 ||
          (g_str_has_prefix (name, "err") && g_ascii_strcasecmp (text, name + 3) == 0))
        {
          *status = (guint8)i;
          return TRUE;
        }
    }
  v = g_ascii_strtoull (text, &end, 0);
  if (end != text && *end == '\0' && v < G_N_ELEMENTS (status_names))
    {
      *status = (guint8)v;
      return TRUE;
    }
  return FALSE;
}

void
emu_faults_init (EmuFaults *faults)
{
  memset (faults, 0, sizeof (*faults));
  faults->unplug_at_byte = -1;
  faults->stall_block = -1;
  faults->error_block = -1;
  faults->erase_error = -1;
}

static gboolean
parse_uint (const char *text, guint64 max, guint64 *out)
{
  char *end = NULL;
  guint64 v;

  if (text == NULL || *text == '\0' || *text == '-')
    return FALSE;
  v = g_ascii_strtoull (text, &end, 0);
  if (end == text || *end != '\0' || v > max)
    return FALSE;
  *out = v;
  return TRUE;
}

/* --fault grammar, see README.md and --help. */
gboolean
emu_faults_parse (EmuFaults *faults, const char *spec, GError **error)
{
  g_autofree char *key = NULL;
  const char *value = NULL;
  const char *eq = strchr (spec, '=');
  guint64 v;

  key = eq != NULL ? g_strndup (spec, eq - spec) : g_strdup (spec);
  if (eq != NULL)
    value = eq + 1;

  if (g_str_equal (key, "rdp") && value == NULL)
    {
      faults->rdp = TRUE;
      return TRUE;
    }
  if (g_str_equal (key, "unplug") && parse_uint (value, G_MAXINT64, &v))
    {
      faults->unplug_at_byte = (gint64)v;
      return TRUE;
    }
  if (g_str_equal (key, "stall") && parse_uint (value, G_MAXINT, &v))
    {
      faults->stall_block = (gint)v;
      return TRUE;
    }
  if (g_str_equal (key, "busy") && parse_uint (value, 3600000, &v))
    {
      faults->busy = TRUE;
      faults->busy_extra_ms = (guint32)v;
      return TRUE;
    }
  if (g_str_equal (key, "bitflip") && value != NULL)
    {
      g_auto (GStrv) parts = g_strsplit (value, ":", 2);
      guint64 bit = 0;
      if (parse_uint (parts[0], G_MAXUINT32, &v) &&
          (parts[1] == NULL || parse_uint (parts[1], 7, &bit)))
        {
          faults->bitflip = TRUE;
          faults->bitflip_address = (guint32)v;
          faults->bitflip_bit = (guint8)bit;
          return TRUE;
        }
    }
  if ((g_str_equal (key, "error") || g_str_equal (key, "erase-error")) && value != NULL)
    {
      g_auto (GStrv) parts = g_strsplit (value, ":", 2);
      guint8 status;
      guint64 n = 0;
      gboolean block = g_str_equal (key, "error");

      if (emu_dfu_status_from_string (parts[0], &status) && status != EMU_DFU_STATUS_OK &&
          ((block && parts[1] != NULL && parse_uint (parts[1], G_MAXINT, &n)) ||
           (!block && (parts[1] == NULL || parse_uint (parts[1], G_MAXINT, &n)))))
        {
          if (block)
            {
              faults->error_block = (gint)n;
              faults->error_status = status;
            }
          else
            {
              faults->erase_error = (gint)n;
              faults->erase_error_status = status;
            }
          return TRUE;
        }
    }
  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
               "bad fault '%s' (expected unplug=BYTES, stall=BLOCK, error=STATUS:BLOCK, "
               "erase-error=STATUS[:N], bitflip=ADDR[:BIT], busy=MS or rdp)",
               spec);
  return FALSE;
}

char *
emu_faults_to_string (const EmuFaults *f)
{
  g_autoptr (GPtrArray) parts = g_ptr_array_new_with_free_func (g_free);

  if (f->unplug_at_byte >= 0)
    g_ptr_array_add (parts, g_strdup_printf ("unplug=%" G_GINT64_FORMAT, f->unplug_at_byte));
  if (f->stall_block >= 0)
    g_ptr_array_add (parts, g_strdup_printf ("stall=%d", f->stall_block));
  if (f->error_block >= 0)
    g_ptr_array_add (parts,
                     g_strdup_printf ("error=%s:%d", emu_dfu_status_to_string (f->error_status),
                                      f->error_block));
  if (f->erase_error >= 0)
    g_ptr_array_add (parts, g_strdup_printf ("erase-error=%s:%d",
                                             emu_dfu_status_to_string (f->erase_error_status),
                                             f->erase_error));
  if (f->bitflip)
    g_ptr_array_add (parts,
                     g_strdup_printf ("bitflip=0x%08x:%u", f->bitflip_address, f->bitflip_bit));
  if (f->busy)
    g_ptr_array_add (parts, g_strdup_printf ("busy=%u", f->busy_extra_ms));
  if (f->rdp)
    g_ptr_array_add (parts, g_strdup ("rdp"));
  g_ptr_array_add (parts, NULL);
  return g_strjoinv (",", (char **)parts->pdata);
}

static void
put_le16 (GByteArray *a, guint16 v)
{
  guint8 b[2] = { v & 0xFF, v >> 8 };
  g_byte_array_append (a, b, 2);
}

/* USB 2.0 §9.6.1, §9.6.3, §9.6.5; DFU 1.1 §4.2.1 (DFU-mode descriptor set). */
static void
build_descriptors (EmuDevice *dev)
{
  const EmuProfile *p = dev->profile;
  guint n_alts = emu_profile_n_alts (p);
  GByteArray *d = g_byte_array_new ();
  GByteArray *c = g_byte_array_new ();
  guint8 head[] = { 18, 0x01 };
  guint8 cls[] = { 0x00, 0x00, 0x00, p->max_packet0 };
  guint8 idx[] = { 1, 2, 3, 1 };
  guint8 cfg[] = { 0x01, 0x01, 0x00, p->config_attributes, p->max_power };

  g_byte_array_append (d, head, sizeof (head));
  put_le16 (d, 0x0200); /* bcdUSB */
  g_byte_array_append (d, cls, sizeof (cls));
  put_le16 (d, p->vid);
  put_le16 (d, p->pid);
  put_le16 (d, p->bcd_device);
  g_byte_array_append (d, idx, sizeof (idx));

  head[0] = 9;
  head[1] = 0x02;
  g_byte_array_append (c, head, sizeof (head));
  put_le16 (c, 9 + 9 * n_alts + 9);
  g_byte_array_append (c, cfg, sizeof (cfg));
  for (guint i = 0; i < n_alts; i++)
    {
      guint8 intf[] = { 9,         0x04, 0,
                        (guint8)i, 0,    0xFE,
                        0x01,      0x02, (guint8)(p->first_alt_string_index + i) };
      g_byte_array_append (c, intf, sizeof (intf));
    }
  head[0] = 9;
  head[1] = 0x21;
  g_byte_array_append (c, head, sizeof (head));
  g_byte_array_append (c, &p->dfu_attributes, 1);
  put_le16 (c, p->detach_timeout);
  put_le16 (c, p->transfer_size);
  put_le16 (c, p->bcd_dfu);

  dev->device_descriptor = d;
  dev->config_descriptor = c;
}

GBytes *
emu_device_get_raw_descriptors (EmuDevice *dev)
{
  GByteArray *all = g_byte_array_new ();
  g_byte_array_append (all, dev->device_descriptor->data, dev->device_descriptor->len);
  g_byte_array_append (all, dev->config_descriptor->data, dev->config_descriptor->len);
  return g_byte_array_free_to_bytes (all);
}

static EmuMemory *
find_memory (EmuDevice *dev, guint32 address, guint32 len)
{
  for (guint i = 0; i < dev->n_mems; i++)
    {
      if (emu_memory_contains (dev->mems[i], address, MAX (len, 1)))
        return dev->mems[i];
    }
  return NULL;
}

static EmuMemory *
find_kind (EmuDevice *dev, EmuMemKind kind)
{
  for (guint i = 0; i < dev->n_mems; i++)
    {
      if (dev->mems[i]->kind == kind)
        return dev->mems[i];
    }
  return NULL;
}

static void add_event (EmuDevice *dev, const char *format, ...) G_GNUC_PRINTF (2, 3);

static void
add_event (EmuDevice *dev, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  g_ptr_array_add (dev->stats.events, g_strdup_vprintf (format, args));
  va_end (args);
}

EmuDevice *
emu_device_new (const EmuProfile *profile, const char *serial, const char *flash_path,
                const EmuFaults *faults, double time_scale, GError **error)
{
  g_autoptr (EmuDevice) dev = g_new0 (EmuDevice, 1);
  guint n_alts = emu_profile_n_alts (profile);

  dev->profile = profile;
  dev->serial = g_strdup (serial != NULL ? serial : profile->serial);
  dev->time_scale = time_scale;
  if (faults != NULL)
    dev->faults = *faults;
  else
    emu_faults_init (&dev->faults);
  dev->stats.events = g_ptr_array_new_with_free_func (g_free);
  dev->block = g_malloc0 (profile->transfer_size);

  for (guint i = 0; i < n_alts; i++)
    {
      EmuMemKind kind = profile->alt_kinds[i];
      const guint8 *init = kind == EMU_MEM_OPTION_BYTES ? profile->option_bytes : NULL;
      gsize init_len = kind == EMU_MEM_OPTION_BYTES ? profile->n_option_bytes : 0;
      EmuMemory *mem = emu_memory_new (
          profile->alts[i], kind, kind == EMU_MEM_FLASH ? flash_path : NULL, init, init_len, error);
      if (mem == NULL)
        {
          g_prefix_error (error, "profile %s alt %u: ", profile->name, i);
          return NULL;
        }
      dev->mems[dev->n_mems++] = mem;
    }
  if (dev->faults.rdp)
    {
      EmuMemory *ob = find_kind (dev, EMU_MEM_OPTION_BYTES);
      if (ob != NULL && profile->rdp_offset < ob->size)
        ob->data[profile->rdp_offset] = RDP_LEVEL1_EXAMPLE;
    }
  build_descriptors (dev);
  emu_device_reset (dev);
  return g_steal_pointer (&dev);
}

void
emu_device_free (EmuDevice *dev)
{
  if (dev == NULL)
    return;
  for (guint i = 0; i < dev->n_mems; i++)
    emu_memory_free (dev->mems[i]);
  if (dev->device_descriptor != NULL)
    g_byte_array_unref (dev->device_descriptor);
  if (dev->config_descriptor != NULL)
    g_byte_array_unref (dev->config_descriptor);
  if (dev->stats.events != NULL)
    g_ptr_array_unref (dev->stats.events);
  g_free (dev->block);
  g_free (dev->serial);
  g_free (dev);
}

void
emu_device_reset (EmuDevice *dev)
{
  const EmuProfile *p = dev->profile;
  EmuMemory *ob = find_kind (dev, EMU_MEM_OPTION_BYTES);

  dev->alt = 0;
  dev->state = p->initial_state;
  dev->status = p->initial_status;
  dev->pointer = p->initial_pointer;
  dev->block_pending = FALSE;
  dev->leave_pending = FALSE;
  dev->op_running = FALSE;
  dev->busy_until_us = 0;
  dev->addressed = FALSE;
  /* RDP is a property of the option bytes, read at reset (RM0090 §3.7.3). */
  if (ob != NULL && p->rdp_offset < ob->size)
    dev->rdp_active = ob->data[p->rdp_offset] != RDP_LEVEL0;
  else
    dev->rdp_active = dev->faults.rdp;
}

static gint64
scaled (EmuDevice *dev, guint64 model_us)
{
  return (gint64)((double)model_us * dev->time_scale);
}

static guint32
scaled_ms (EmuDevice *dev, guint32 ms)
{
  double v = ms * dev->time_scale;
  return v <= 0 ? 0 : (guint32)MAX (1.0, v + 0.5);
}

static EmuXferResult
stall_with (EmuDevice *dev, guint8 status)
{
  /* DFU 1.1 §6.1.2: a request the state does not allow is STALLed and the
   * device enters dfuERROR. */
  dev->state = EMU_DFU_STATE_ERROR;
  dev->status = status;
  dev->block_pending = FALSE;
  dev->leave_pending = FALSE;
  return EMU_XFER_STALL;
}

static EmuXferResult
stall_error (EmuDevice *dev)
{
  return stall_with (dev, EMU_DFU_STATUS_ERR_STALLEDPKT);
}

static void
reply_status (EmuDevice *dev, guint8 *data, guint16 wlength, guint16 *actual, guint8 status,
              guint32 poll_ms, guint8 state)
{
  guint8 r[6] = { status, poll_ms & 0xFF, (poll_ms >> 8) & 0xFF, (poll_ms >> 16) & 0xFF, state, 0 };
  *actual = MIN (wlength, sizeof (r));
  memcpy (data, r, *actual);
}

/* Result of running a DNLOAD block (or a command) on the flash. */
typedef struct
{
  guint8 status;
  guint64 model_us;  /* how long the device is busy */
  guint32 report_ms; /* what GETSTATUS says (unscaled) */
  EmuBusyMode busy_mode;
  EmuEventKind event;
  gint64 back_us;  /* for EMU_EVENT_REENUMERATE */
  gint64 extra_us; /* real time on top (the busy fault) */
} EmuOp;

static guint32
le32 (const guint8 *b)
{
  return (guint32)b[0] | ((guint32)b[1] << 8) | ((guint32)b[2] << 16) | ((guint32)b[3] << 24);
}

/* AN3156 §6.3: erase the sector holding the address (or, for the CubeMX
 * template, the whole application area). */
static void
run_erase (EmuDevice *dev, guint32 address, EmuOp *op)
{
  const EmuProfile *p = dev->profile;
  guint index = dev->erases++;
  EmuMemory *flash = find_kind (dev, EMU_MEM_FLASH);
  EmuMemory *mem;

  dev->stats.counts[EMU_COUNT_ERASE]++;
  op->report_ms = p->report_erase_ms;
  op->busy_mode = p->erase_busy_mode;
  if (p->erase_sets_pointer)
    dev->pointer = address;
  if (dev->rdp_active)
    {
      op->status = EMU_DFU_STATUS_ERR_VENDOR;
      return;
    }
  if (dev->faults.erase_error >= 0 && (guint)dev->faults.erase_error == index)
    {
      op->status = dev->faults.erase_error_status;
      add_event (dev, "fault erase-error %s on erase %u at 0x%08x",
                 emu_dfu_status_to_string (op->status), index, address);
      return;
    }
  if (p->erase_scope == EMU_ERASE_APP_AREA && flash != NULL)
    {
      for (guint i = 0; i < flash->sectors->len; i++)
        {
          const EmuSector *s = &g_array_index (flash->sectors, EmuSector, i);
          if (s->address < p->app_base)
            continue;
          emu_memory_erase (flash, s->address, s->size);
          op->model_us += emu_profile_erase_us (p, s->size);
          dev->stats.sectors_erased++;
        }
      dev->stats.erase_us += op->model_us;
      return;
    }
  mem = find_memory (dev, address, 1);
  if (mem == NULL || mem->kind == EMU_MEM_OTP)
    {
      op->status = EMU_DFU_STATUS_ERR_TARGET;
      return;
    }
  if (mem->kind == EMU_MEM_FLASH)
    {
      const EmuSector *s = emu_memory_find_sector (mem, address);
      if (s == NULL || !(s->caps & EMU_CAP_ERASE))
        {
          op->status = EMU_DFU_STATUS_ERR_TARGET;
          return;
        }
      emu_memory_erase (mem, s->address, s->size);
      op->model_us = emu_profile_erase_us (p, s->size);
      dev->stats.sectors_erased++;
      dev->stats.erase_us += op->model_us;
    }
  /* Option bytes and the feature word need no erase: accepted, no effect. */
}

static void
run_mass_erase (EmuDevice *dev, EmuOp *op)
{
  const EmuProfile *p = dev->profile;

  for (guint i = 0; i < dev->n_mems; i++)
    {
      EmuMemory *mem = dev->mems[i];
      if (mem->kind != EMU_MEM_FLASH)
        continue;
      emu_memory_erase (mem, mem->base, mem->size);
      dev->stats.sectors_erased += mem->sectors->len;
    }
  op->model_us = p->mass_erase_us;
  dev->stats.erase_us += p->mass_erase_us;
}

/* AN3156 §6.1-6.5: block 0 carries a command. */
static void
run_command (EmuDevice *dev, EmuOp *op)
{
  const EmuProfile *p = dev->profile;
  guint8 cmd = dev->block[0];

  op->report_ms = p->report_command_ms;
  if (cmd == 0x21 && dev->block_len == 5)
    {
      guint32 address = le32 (dev->block + 1);
      dev->stats.counts[EMU_COUNT_SET_ADDRESS]++;
      if (dev->rdp_active)
        op->status = EMU_DFU_STATUS_ERR_VENDOR; /* Betaflight usbdfu.js: RDP check */
      else if (find_memory (dev, address, 1) == NULL)
        op->status = EMU_DFU_STATUS_ERR_TARGET;
      else
        dev->pointer = address;
    }
  else if (cmd == 0x41 && dev->block_len == 5)
    run_erase (dev, le32 (dev->block + 1), op);
  else if (cmd == 0x41 && dev->block_len == 1)
    {
      dev->stats.counts[EMU_COUNT_MASS_ERASE]++;
      if (!p->mass_erase)
        return; /* falls through the middleware's command decoding */
      op->report_ms = p->report_mass_erase_ms;
      op->busy_mode = p->erase_busy_mode;
      if (dev->rdp_active)
        op->status = EMU_DFU_STATUS_ERR_VENDOR;
      else
        run_mass_erase (dev, op);
    }
  else if (cmd == 0x92 && dev->block_len == 1)
    {
      EmuMemory *ob = find_kind (dev, EMU_MEM_OPTION_BYTES);
      dev->stats.counts[EMU_COUNT_READ_UNPROTECT]++;
      if (!p->read_unprotect)
        return;
      /* RDP 1 -> 0: the chip mass-erases, rewrites the option bytes and
       * resets; the USB connection drops right after this GETSTATUS. */
      op->report_ms = p->report_unprotect_ms;
      run_mass_erase (dev, op);
      if (ob != NULL && p->rdp_offset < ob->size)
        ob->data[p->rdp_offset] = RDP_LEVEL0;
      dev->faults.rdp = FALSE;
      op->event = EMU_EVENT_REENUMERATE;
      op->back_us = scaled (dev, op->model_us + p->reset_us);
      op->model_us = 0;
      add_event (dev, "read unprotect: flash erased, device resets");
    }
  /* 0x00 (Get Commands) as a download does nothing. */
}

/* DFU 1.1 §6.1.1; AN3156 §6.6: data block n goes to
 * ((n - 2) * wTransferSize) + address pointer. */
static void
run_data_block (EmuDevice *dev, guint index, EmuOp *op)
{
  const EmuProfile *p = dev->profile;
  guint64 address64 = (guint64)(dev->block_num - 2) * p->transfer_size + dev->pointer;
  guint32 address = (guint32)address64;
  guint32 len = dev->block_len;
  guint32 units = 0;
  guint32 bad = 0;
  EmuMemory *mem;

  op->report_ms = p->report_program_ms;
  if (dev->rdp_active)
    {
      op->status = EMU_DFU_STATUS_ERR_VENDOR;
      return;
    }
  if (dev->faults.error_block >= 0 && (guint)dev->faults.error_block == index)
    {
      op->status = dev->faults.error_status;
      add_event (dev, "fault error %s on block %u at 0x%08x", emu_dfu_status_to_string (op->status),
                 index, address);
      return;
    }
  mem = address64 + len <= G_MAXUINT32 + 1ULL ? find_memory (dev, address, len) : NULL;
  if (mem == NULL)
    {
      op->status = EMU_DFU_STATUS_ERR_ADDRESS;
      return;
    }
  if (!(emu_memory_caps_all (mem, address, len) & EMU_CAP_WRITE))
    {
      op->status = EMU_DFU_STATUS_ERR_WRITE;
      return;
    }
  switch (mem->kind)
    {
      case EMU_MEM_FLASH:
      case EMU_MEM_OTP:
        if (emu_memory_program (mem, address, dev->block, len, p->program_unit, p->not_erased_and,
                                &bad, &units) != EMU_PROGRAM_OK)
          {
            op->status = p->not_erased_status;
            add_event (dev, "program failed at 0x%08x: not erased (%s)", bad,
                       emu_dfu_status_to_string (op->status));
          }
        op->model_us = (guint64)units * p->program_unit_us;
        break;
      case EMU_MEM_OPTION_BYTES:
        /* The new option bytes load at a reset the write itself starts. */
        emu_memory_write (mem, address, dev->block, len);
        op->model_us =
            (guint64)((len + p->program_unit - 1) / p->program_unit) * p->program_unit_us;
        op->event = EMU_EVENT_REENUMERATE;
        op->back_us = scaled (dev, op->model_us + p->reset_us);
        add_event (dev, "option bytes written, device resets");
        break;
      case EMU_MEM_RAM:
        emu_memory_write (mem, address, dev->block, len);
        break;
    }
  dev->stats.program_us += op->model_us;
  if (op->status != EMU_DFU_STATUS_OK)
    return;
  dev->stats.bytes_written += len;
  if (dev->faults.bitflip && dev->faults.bitflip_address >= address &&
      (guint64)dev->faults.bitflip_address < (guint64)address + len)
    {
      mem->data[dev->faults.bitflip_address - mem->base] ^= (guint8)(1u << dev->faults.bitflip_bit);
      dev->faults.bitflip = FALSE;
      add_event (dev, "fault bitflip at 0x%08x bit %u", dev->faults.bitflip_address,
                 dev->faults.bitflip_bit);
    }
}

/* The GETSTATUS after a DNLOAD starts the work (ST usbd_dfu.c: the flash
 * operation runs after this reply, in the USB interrupt). */
static guint32
start_block (EmuDevice *dev, EmuOp *op)
{
  op->status = EMU_DFU_STATUS_OK;
  op->busy_mode = dev->profile->busy_mode;
  if (dev->block_num == 0)
    run_command (dev, op);
  else
    run_data_block (dev, dev->data_blocks - 1, op);
  if (dev->faults.busy)
    {
      /* Ignores its own poll timeout and says so: dfuDNBUSY until done.
       * The extra time is literal (not scaled) so it shows with
       * --no-timing too. */
      op->busy_mode = EMU_BUSY_REPLY;
      op->extra_us = (gint64)dev->faults.busy_extra_ms * 1000;
    }
  dev->block_pending = FALSE;
  dev->stats.reported_poll_ms += op->report_ms;
  return scaled_ms (dev, op->report_ms);
}

static gboolean
command_is_known (EmuDevice *dev)
{
  guint8 cmd = dev->block[0];
  guint16 len = dev->block_len;
  return ((cmd == 0x21 || cmd == 0x41) && len == 5) ||
         ((cmd == 0x00 || cmd == 0x41 || cmd == 0x92) && len == 1);
}

static EmuXferResult
dfu_dnload (EmuDevice *dev, const EmuSetup *s, guint8 *data, guint16 *actual)
{
  const EmuProfile *p = dev->profile;

  dev->stats.counts[EMU_COUNT_DNLOAD]++;
  if (s->bmRequestType != 0x21 ||
      (dev->state != EMU_DFU_STATE_IDLE && dev->state != EMU_DFU_STATE_DNLOAD_IDLE))
    return stall_error (dev);
  if (s->wLength == 0)
    {
      /* DFU 1.1 §7.1: a zero-length DNLOAD ends the download; DfuSe uses it
       * to leave (AN3156 §6.7), from dfuIDLE as well. */
      dev->stats.counts[EMU_COUNT_LEAVE]++;
      dev->leave_pending = TRUE;
      dev->state = EMU_DFU_STATE_MANIFEST_SYNC;
      return EMU_XFER_OK;
    }
  if (s->wLength > p->transfer_size || s->wValue == 1)
    return stall_error (dev);
  memcpy (dev->block, data, s->wLength);
  dev->block_len = s->wLength;
  dev->block_num = s->wValue;
  if (s->wValue == 0 && !command_is_known (dev))
    return stall_error (dev);
  if (s->wValue >= 2)
    {
      guint index = dev->data_blocks++;
      if (dev->faults.unplug_at_byte >= 0 &&
          dev->bytes_downloaded + s->wLength > (guint64)dev->faults.unplug_at_byte)
        {
          add_event (dev, "fault unplug during block %u (byte %" G_GUINT64_FORMAT ")", index,
                     (guint64)dev->faults.unplug_at_byte);
          dev->event = EMU_EVENT_UNPLUG;
          return EMU_XFER_GONE;
        }
      if (dev->faults.stall_block >= 0 && (guint)dev->faults.stall_block == index)
        {
          add_event (dev, "fault stall on block %u", index);
          return stall_error (dev);
        }
      dev->bytes_downloaded += s->wLength;
    }
  *actual = s->wLength;
  dev->block_pending = TRUE;
  dev->state = EMU_DFU_STATE_DNLOAD_SYNC;
  return EMU_XFER_OK;
}

static EmuXferResult
dfu_upload (EmuDevice *dev, const EmuSetup *s, guint8 *data, guint16 *actual)
{
  const EmuProfile *p = dev->profile;
  guint64 address64;
  guint32 address;
  guint32 len;
  EmuMemory *mem;

  dev->stats.counts[EMU_COUNT_UPLOAD]++;
  if (s->bmRequestType != 0xA1 || s->wLength == 0 ||
      (dev->state != EMU_DFU_STATE_IDLE && dev->state != EMU_DFU_STATE_UPLOAD_IDLE))
    return stall_error (dev);
  if (s->wValue == 0)
    {
      /* AN3156 §6.2: Get Commands */
      guint16 n = MIN (s->wLength, p->n_get_commands);
      dev->stats.counts[EMU_COUNT_GET_COMMANDS]++;
      memcpy (data, p->get_commands, n);
      *actual = n;
      dev->state = n < s->wLength ? EMU_DFU_STATE_IDLE : EMU_DFU_STATE_UPLOAD_IDLE;
      return EMU_XFER_OK;
    }
  if (s->wValue == 1 || s->wLength > p->transfer_size)
    return stall_error (dev);
  if (dev->rdp_active)
    return stall_with (dev, EMU_DFU_STATUS_ERR_VENDOR);
  address64 = (guint64)(s->wValue - 2) * p->transfer_size + dev->pointer;
  address = (guint32)address64;
  mem = address64 <= G_MAXUINT32 ? find_memory (dev, address, 1) : NULL;
  if (mem == NULL)
    return stall_with (dev, EMU_DFU_STATUS_ERR_ADDRESS);
  len = (guint32)MIN ((guint64)s->wLength, (guint64)mem->base + mem->size - address);
  if (!(emu_memory_caps_all (mem, address, len) & EMU_CAP_READ))
    return stall_with (dev, EMU_DFU_STATUS_ERR_ADDRESS);
  emu_memory_read (mem, address, data, len);
  *actual = (guint16)len;
  dev->stats.bytes_read += len;
  /* DFU 1.1 §6.2: a short frame ends the upload. */
  dev->state = len < s->wLength ? EMU_DFU_STATE_IDLE : EMU_DFU_STATE_UPLOAD_IDLE;
  return EMU_XFER_OK;
}

static EmuXferResult
dfu_getstatus (EmuDevice *dev, const EmuSetup *s, guint8 *data, guint16 *actual, EmuOp *op,
               gboolean *op_started)
{
  const EmuProfile *p = dev->profile;
  guint32 poll;

  dev->stats.counts[EMU_COUNT_GETSTATUS]++;
  if (s->bmRequestType != 0xA1)
    return stall_error (dev);
  switch ((EmuDfuState)dev->state)
    {
      case EMU_DFU_STATE_DNLOAD_SYNC:
        if (dev->block_pending)
          {
            poll = start_block (dev, op);
            *op_started = TRUE;
            dev->state = EMU_DFU_STATE_DNBUSY;
            dev->stats.counts[EMU_COUNT_BUSY_REPLIES]++;
            reply_status (dev, data, s->wLength, actual, EMU_DFU_STATUS_OK, poll, dev->state);
            return EMU_XFER_OK;
          }
        if (dev->op_status != EMU_DFU_STATUS_OK)
          {
            dev->state = EMU_DFU_STATE_ERROR;
            dev->status = dev->op_status;
            dev->op_status = EMU_DFU_STATUS_OK;
          }
        else
          dev->state = EMU_DFU_STATE_DNLOAD_IDLE;
        break;
      case EMU_DFU_STATE_MANIFEST_SYNC:
        if (dev->leave_pending && p->leave_via_busy)
          {
            /* F4 ROM logs: the first GETSTATUS after the leave request says
             * busy with the program poll time, the next one dfuMANIFEST. */
            dev->leave_pending = FALSE;
            poll = scaled_ms (dev, p->report_leave_ms);
            dev->stats.reported_poll_ms += p->report_leave_ms;
            dev->stats.counts[EMU_COUNT_BUSY_REPLIES]++;
            reply_status (dev, data, s->wLength, actual, EMU_DFU_STATUS_OK, poll,
                          EMU_DFU_STATE_DNBUSY);
            return EMU_XFER_OK;
          }
        poll = p->leave_via_busy ? 0 : scaled_ms (dev, p->report_leave_ms);
        if (!p->leave_via_busy)
          dev->stats.reported_poll_ms += p->report_leave_ms;
        dev->leave_pending = FALSE;
        reply_status (dev, data, s->wLength, actual, EMU_DFU_STATUS_OK, poll,
                      EMU_DFU_STATE_MANIFEST);
        if (p->dfu_attributes & 0x04)
          dev->state = EMU_DFU_STATE_IDLE; /* manifestation tolerant: stays */
        else
          {
            /* Manifestation intolerant: the ROM jumps to the application. */
            dev->state = EMU_DFU_STATE_MANIFEST_WAIT_RESET;
            dev->event = EMU_EVENT_LEAVE;
            add_event (dev, "leave: application started at 0x%08x", dev->pointer);
          }
        return EMU_XFER_OK;
      case EMU_DFU_STATE_APP_IDLE:
      case EMU_DFU_STATE_APP_DETACH:
      case EMU_DFU_STATE_IDLE:
      case EMU_DFU_STATE_DNBUSY:
      case EMU_DFU_STATE_DNLOAD_IDLE:
      case EMU_DFU_STATE_MANIFEST:
      case EMU_DFU_STATE_MANIFEST_WAIT_RESET:
      case EMU_DFU_STATE_UPLOAD_IDLE:
      case EMU_DFU_STATE_ERROR:
      default:
        break;
    }
  reply_status (dev, data, s->wLength, actual, dev->status, 0, dev->state);
  return EMU_XFER_OK;
}

static EmuXferResult
handle_dfu (EmuDevice *dev, const EmuSetup *s, guint8 *data, guint16 *actual, EmuOp *op,
            gboolean *op_started)
{
  const EmuProfile *p = dev->profile;

  if (s->wIndex != 0)
    return EMU_XFER_STALL;
  if (dev->state == EMU_DFU_STATE_DNBUSY)
    {
      /* Only reached when the device answers while busy. */
      if (s->bRequest != EMU_DFU_GETSTATUS)
        return stall_error (dev);
      dev->stats.counts[EMU_COUNT_GETSTATUS]++;
      if (dev->op_busy_mode == EMU_BUSY_STALL)
        return EMU_XFER_STALL; /* L4 quirk: no state change */
      dev->stats.counts[EMU_COUNT_BUSY_REPLIES]++;
      dev->stats.reported_poll_ms += dev->op_poll_ms;
      reply_status (dev, data, s->wLength, actual, EMU_DFU_STATUS_OK,
                    scaled_ms (dev, dev->op_poll_ms), EMU_DFU_STATE_DNBUSY);
      return EMU_XFER_OK;
    }
  switch (s->bRequest)
    {
      case EMU_DFU_DNLOAD:
        return dfu_dnload (dev, s, data, actual);
      case EMU_DFU_UPLOAD:
        return dfu_upload (dev, s, data, actual);
      case EMU_DFU_GETSTATUS:
        return dfu_getstatus (dev, s, data, actual, op, op_started);
      case EMU_DFU_CLRSTATUS:
        dev->stats.counts[EMU_COUNT_CLRSTATUS]++;
        if (s->bmRequestType != 0x21)
          return stall_error (dev);
        if (dev->state == EMU_DFU_STATE_ERROR)
          {
            dev->state = EMU_DFU_STATE_IDLE;
            dev->status = EMU_DFU_STATUS_OK;
            return EMU_XFER_OK;
          }
        if (p->clrstatus_stalls)
          return stall_error (dev);
        /* ST usbd_dfu.c DFU_ClearStatus(): outside dfuERROR it enters it. */
        dev->state = EMU_DFU_STATE_ERROR;
        dev->status = EMU_DFU_STATUS_ERR_UNKNOWN;
        return EMU_XFER_OK;
      case EMU_DFU_GETSTATE:
        dev->stats.counts[EMU_COUNT_GETSTATE]++;
        if (s->bmRequestType != 0xA1 || s->wLength < 1)
          return stall_error (dev);
        data[0] = dev->state;
        *actual = 1;
        return EMU_XFER_OK;
      case EMU_DFU_ABORT:
        dev->stats.counts[EMU_COUNT_ABORT]++;
        if (s->bmRequestType != 0x21 ||
            (dev->state != EMU_DFU_STATE_IDLE && dev->state != EMU_DFU_STATE_DNLOAD_IDLE &&
             dev->state != EMU_DFU_STATE_UPLOAD_IDLE))
          return stall_error (dev);
        dev->state = EMU_DFU_STATE_IDLE;
        dev->status = EMU_DFU_STATUS_OK;
        dev->block_pending = FALSE;
        return EMU_XFER_OK;
      case EMU_DFU_DETACH:
        dev->stats.counts[EMU_COUNT_DETACH]++;
        if (s->bmRequestType != 0x21)
          return stall_error (dev);
        /* ST class code in DFU mode: back to dfuIDLE and, with bitWillDetach,
         * a disconnect/reconnect. */
        dev->state = EMU_DFU_STATE_IDLE;
        dev->status = EMU_DFU_STATUS_OK;
        if (p->dfu_attributes & 0x08)
          {
            dev->event = EMU_EVENT_REENUMERATE;
            dev->event_back_us = scaled (dev, p->reset_us);
            add_event (dev, "detach: device re-enumerates");
          }
        return EMU_XFER_OK;
      default:
        return stall_error (dev);
    }
}

static EmuXferResult
send_bytes (guint8 *data, guint16 wlength, guint16 *actual, const guint8 *src, gsize len)
{
  *actual = (guint16)MIN ((gsize)wlength, len);
  memcpy (data, src, *actual);
  return EMU_XFER_OK;
}

static EmuXferResult
send_string (EmuDevice *dev, guint index, guint16 wlength, guint8 *data, guint16 *actual)
{
  const EmuProfile *p = dev->profile;
  guint n_alts = emu_profile_n_alts (p);
  const char *text = NULL;
  guint8 buf[256];
  gsize n = 0;

  if (index == 0)
    {
      const guint8 langids[] = { 4, 0x03, 0x09, 0x04 }; /* en-US */
      return send_bytes (data, wlength, actual, langids, sizeof (langids));
    }
  if (index == 1)
    text = p->manufacturer;
  else if (index == 2)
    text = p->product;
  else if (index == 3)
    text = dev->serial;
  else if (index >= p->first_alt_string_index && index < p->first_alt_string_index + n_alts)
    text = p->alts[index - p->first_alt_string_index];
  if (text == NULL)
    return EMU_XFER_STALL;
  /* USB 2.0 §9.6.7: UNICODE (UTF-16LE) string descriptor */
  buf[1] = 0x03;
  for (n = 0; text[n] != '\0' && 2 + 2 * n + 1 < sizeof (buf); n++)
    {
      buf[2 + 2 * n] = (guint8)text[n];
      buf[3 + 2 * n] = 0;
    }
  buf[0] = (guint8)(2 + 2 * n);
  return send_bytes (data, wlength, actual, buf, buf[0]);
}

/* USB 2.0 §9.4 standard requests the ROM answers. */
static EmuXferResult
handle_standard (EmuDevice *dev, const EmuSetup *s, guint8 *data, guint16 *actual)
{
  guint8 type = s->wValue >> 8;
  guint8 index = s->wValue & 0xFF;

  switch (s->bRequest)
    {
      case 6: /* GET_DESCRIPTOR */
        dev->stats.counts[EMU_COUNT_GET_DESCRIPTOR]++;
        if (s->bmRequestType == 0x80 && type == 1)
          return send_bytes (data, s->wLength, actual, dev->device_descriptor->data,
                             dev->device_descriptor->len);
        if (s->bmRequestType == 0x80 && type == 2 && index == 0)
          return send_bytes (data, s->wLength, actual, dev->config_descriptor->data,
                             dev->config_descriptor->len);
        if (s->bmRequestType == 0x80 && type == 3)
          return send_string (dev, index, s->wLength, data, actual);
        if (s->bmRequestType == 0x81 && type == 0x21)
          return send_bytes (data, s->wLength, actual,
                             dev->config_descriptor->data + dev->config_descriptor->len - 9, 9);
        return EMU_XFER_STALL; /* e.g. DEVICE_QUALIFIER: full-speed only */
      case 9:                  /* SET_CONFIGURATION */
        dev->stats.counts[EMU_COUNT_SET_CONFIGURATION]++;
        if (s->bmRequestType != 0x00 || s->wValue > 1)
          return EMU_XFER_STALL;
        dev->addressed = s->wValue == 1;
        return EMU_XFER_OK;
      case 11: /* SET_INTERFACE */
        dev->stats.counts[EMU_COUNT_SET_INTERFACE]++;
        if (s->bmRequestType != 0x01 || s->wIndex != 0 ||
            s->wValue >= emu_profile_n_alts (dev->profile))
          return EMU_XFER_STALL;
        dev->alt = s->wValue;
        return EMU_XFER_OK;
      default:
        break;
    }
  dev->stats.counts[EMU_COUNT_OTHER_STANDARD]++;
  switch (s->bRequest)
    {
      case 0: /* GET_STATUS */
        {
          guint8 st[2] = { 0, 0 };
          if ((s->bmRequestType & 0x80) == 0)
            return EMU_XFER_STALL;
          if ((s->bmRequestType & 0x1F) == 0 && (dev->profile->config_attributes & 0x40))
            st[0] = 0x01; /* self-powered */
          return send_bytes (data, s->wLength, actual, st, 2);
        }
      case 8: /* GET_CONFIGURATION */
        {
          guint8 v = dev->addressed ? 1 : 0;
          return send_bytes (data, s->wLength, actual, &v, 1);
        }
      case 10: /* GET_INTERFACE */
        {
          guint8 v = (guint8)dev->alt;
          return send_bytes (data, s->wLength, actual, &v, 1);
        }
      case 1: /* CLEAR_FEATURE */
      case 3: /* SET_FEATURE */
        return EMU_XFER_OK;
      default:
        return EMU_XFER_STALL;
    }
}

/* The operation in progress ends once its time has come. */
static void
advance (EmuDevice *dev, gint64 t)
{
  if (!dev->op_running || t < dev->op_end_us)
    return;
  dev->op_running = FALSE;
  dev->busy_until_us = 0;
  if (dev->state == EMU_DFU_STATE_DNBUSY)
    dev->state = EMU_DFU_STATE_DNLOAD_SYNC; /* DFU 1.1 §A.2.5 */
}

EmuXferResult
emu_device_control (EmuDevice *dev, const EmuSetup *s, guint8 *data, guint16 *actual, gint64 now_us,
                    gint64 *done_us)
{
  EmuXferResult r;
  EmuOp op = { 0 };
  gboolean op_started = FALSE;
  gint64 t = now_us;
  guint64 cost;

  *actual = 0;
  dev->stats.control_transfers++;
  if (dev->busy_until_us > t)
    {
      /* The ROM's USB interrupt is busy flashing: the request is NAKed
       * until the operation ends, then answered. */
      dev->stats.counts[EMU_COUNT_HELD]++;
      dev->stats.held_us += (guint64)(dev->busy_until_us - t);
      t = dev->busy_until_us;
    }
  advance (dev, t);

  if ((s->bmRequestType & 0x60) == 0x00)
    r = handle_standard (dev, s, data, actual);
  else if ((s->bmRequestType & 0x60) == 0x20 && (s->bmRequestType & 0x1F) == 0x01)
    r = handle_dfu (dev, s, data, actual, &op, &op_started);
  else
    r = EMU_XFER_STALL;

  if (r == EMU_XFER_STALL)
    dev->stats.counts[EMU_COUNT_STALLS]++;
  if ((s->bmRequestType & 0x80) == 0 && r == EMU_XFER_OK)
    *actual = s->wLength; /* OUT: the whole data stage was taken */
  cost = USB_TRANSFER_US + ((guint64)*actual * USB_NS_PER_BYTE) / 1000;
  dev->stats.usb_us += cost;
  *done_us = t + scaled (dev, cost);

  if (op_started)
    {
      dev->op_running = TRUE;
      dev->op_status = op.status;
      dev->op_busy_mode = op.busy_mode;
      dev->op_poll_ms = op.report_ms;
      dev->op_end_us = *done_us + scaled (dev, op.model_us) + op.extra_us;
      dev->busy_until_us = op.busy_mode == EMU_BUSY_HOLD ? dev->op_end_us : 0;
      if (op.event != EMU_EVENT_NONE)
        {
          dev->event = op.event;
          dev->event_back_us = op.back_us;
        }
    }
  return r;
}

EmuEventKind
emu_device_take_event (EmuDevice *dev, gint64 *back_after_us)
{
  EmuEventKind e = dev->event;

  if (back_after_us != NULL)
    *back_after_us = dev->event_back_us;
  dev->event = EMU_EVENT_NONE;
  dev->event_back_us = 0;
  return e;
}

static void
append_json_string (GString *out, const char *s)
{
  g_string_append_c (out, '"');
  for (; *s != '\0'; s++)
    {
      guchar c = (guchar)*s;
      if (c == '"' || c == '\\')
        g_string_append_printf (out, "\\%c", c);
      else if (c < 0x20)
        g_string_append_printf (out, "\\u%04x", c);
      else
        g_string_append_c (out, (char)c);
    }
  g_string_append_c (out, '"');
}

void
emu_device_append_json (EmuDevice *dev, GString *out, const char *ind, const char *extra)
{
  const EmuStats *st = &dev->stats;
  guint64 min_us = st->erase_us + st->program_us + st->usb_us;
  g_autofree char *faults = emu_faults_to_string (&dev->faults);

  g_string_append (out, "{\n");
  if (extra != NULL)
    g_string_append_printf (out, "%s  %s,\n", ind, extra);
  g_string_append_printf (out, "%s  \"profile\": ", ind);
  append_json_string (out, dev->profile->name);
  g_string_append_printf (out, ",\n%s  \"serial\": ", ind);
  append_json_string (out, dev->serial);
  g_string_append_printf (out, ",\n%s  \"faults\": ", ind);
  append_json_string (out, faults);
  g_string_append_printf (out, ",\n%s  \"state\": ", ind);
  append_json_string (out, emu_dfu_state_to_string (dev->state));
  g_string_append_printf (out, ",\n%s  \"status\": ", ind);
  append_json_string (out, emu_dfu_status_to_string (dev->status));
  g_string_append_printf (out, ",\n%s  \"time_scale\": %g", ind, dev->time_scale);
  g_string_append_printf (out, ",\n%s  \"control_transfers\": %" G_GUINT64_FORMAT, ind,
                          st->control_transfers);
  g_string_append_printf (out, ",\n%s  \"requests\": {", ind);
  for (guint i = 0; i < EMU_COUNT_LAST; i++)
    g_string_append_printf (out, "%s\n%s    \"%s\": %" G_GUINT64_FORMAT, i ? "," : "", ind,
                            counter_names[i], st->counts[i]);
  g_string_append_printf (out, "\n%s  }", ind);
  g_string_append_printf (out, ",\n%s  \"bytes_written\": %" G_GUINT64_FORMAT, ind,
                          st->bytes_written);
  g_string_append_printf (out, ",\n%s  \"bytes_read\": %" G_GUINT64_FORMAT, ind, st->bytes_read);
  g_string_append_printf (out, ",\n%s  \"sectors_erased\": %" G_GUINT64_FORMAT, ind,
                          st->sectors_erased);
  g_string_append_printf (out, ",\n%s  \"erase_ms\": %.3f", ind, st->erase_us / 1000.0);
  g_string_append_printf (out, ",\n%s  \"program_ms\": %.3f", ind, st->program_us / 1000.0);
  g_string_append_printf (out, ",\n%s  \"usb_ms\": %.3f", ind, st->usb_us / 1000.0);
  g_string_append_printf (out, ",\n%s  \"device_min_ms\": %.3f", ind, min_us / 1000.0);
  g_string_append_printf (out, ",\n%s  \"reported_poll_ms\": %" G_GUINT64_FORMAT, ind,
                          st->reported_poll_ms);
  g_string_append_printf (out, ",\n%s  \"held_ms\": %.3f", ind, st->held_us / 1000.0);
  g_string_append_printf (out, ",\n%s  \"events\": [", ind);
  for (guint i = 0; i < st->events->len; i++)
    {
      g_string_append_printf (out, "%s\n%s    ", i ? "," : "", ind);
      append_json_string (out, g_ptr_array_index (st->events, i));
    }
  if (st->events->len > 0)
    g_string_append_printf (out, "\n%s  ", ind);
  g_string_append_printf (out, "]\n%s}", ind);
}
