/* SPDX-License-Identifier: GPL-3.0-or-later */
/* An in-memory Boot0Device with NOR flash semantics and fault injection. */
#include "config.h"

#include <string.h>

#include "boot0-fake-device.h"

typedef struct
{
  Boot0DfuseLayout *layout;
  guint32 start;
  guint8 *data; /* start .. layout end, gaps included */
  gsize size;
} Memory;

struct _Boot0FakeDevice
{
  Boot0Device parent_instance;

  GArray *memories; /* Memory */
  Boot0FakeDeviceCounters counters;
  gboolean erase_wipes_all;
  gboolean gone;

  gboolean fail_open;
  Boot0Error fail_open_code;
  guint fail_write_nth;
  Boot0Error fail_write_code;
  guint fail_erase_nth;
  Boot0Error fail_erase_code;
  guint fail_read_nth;
  Boot0Error fail_read_code;
  gboolean fail_run;
  Boot0Error fail_run_code;
  gboolean vanish;
  guint64 vanish_byte;
  gboolean flip;
  guint32 flip_address;
  guint8 flip_mask;
  GCancellable *cancel;
  guint cancel_after;
};

G_DEFINE_TYPE (Boot0FakeDevice, boot0_fake_device, BOOT0_TYPE_DEVICE)

static Memory *
find_memory (Boot0FakeDevice *self, guint32 address, gsize len)
{
  for (guint i = 0; i < self->memories->len; i++)
    {
      Memory *m = &g_array_index (self->memories, Memory, i);
      if (address >= m->start && (guint64)address + len <= (guint64)m->start + m->size)
        return m;
    }
  return NULL;
}

static gboolean
check_gone (Boot0FakeDevice *self, GError **error)
{
  self->counters.n_ops++;
  if (!self->gone)
    return TRUE;
  g_set_error_literal (error, BOOT0_ERROR, BOOT0_ERROR_DEVICE_GONE, "fake: no such device");
  return FALSE;
}

static void
erase_memory_sectors (Memory *m, gboolean all, guint32 address)
{
  for (guint i = 0; i < boot0_dfuse_layout_get_n_sectors (m->layout); i++)
    {
      const Boot0DfuseSector *s = boot0_dfuse_layout_get_sector (m->layout, i);
      if ((s->flags & BOOT0_DFUSE_SECTOR_FLAG_ERASABLE) == 0)
        continue;
      if (all || (address >= s->address && (guint64)address < (guint64)s->address + s->size))
        memset (m->data + (s->address - m->start), 0xFF, s->size);
    }
}

static gboolean
boot0_fake_device_open (Boot0Device *device, GError **error)
{
  Boot0FakeDevice *self = BOOT0_FAKE_DEVICE (device);
  if (!check_gone (self, error))
    return FALSE;
  if (self->fail_open)
    {
      g_set_error_literal (error, BOOT0_ERROR, self->fail_open_code, "fake: cannot open");
      return FALSE;
    }
  self->counters.n_opens++;
  return TRUE;
}

static void
boot0_fake_device_close (Boot0Device *device)
{
  BOOT0_FAKE_DEVICE (device)->counters.n_closes++;
}

static gboolean
boot0_fake_device_read (Boot0Device *device, guint32 address, guint8 *buf, gsize len,
                        GError **error)
{
  Boot0FakeDevice *self = BOOT0_FAKE_DEVICE (device);
  Memory *m = find_memory (self, address, len);

  if (!check_gone (self, error))
    return FALSE;
  self->counters.n_reads++;
  if (self->counters.n_reads == self->fail_read_nth)
    {
      g_set_error (error, BOOT0_ERROR, self->fail_read_code, "fake: read %u failed",
                   self->counters.n_reads);
      return FALSE;
    }
  g_assert_nonnull (m);
  memcpy (buf, m->data + (address - m->start), len);
  self->counters.bytes_read += len;
  return TRUE;
}

static gboolean
boot0_fake_device_write (Boot0Device *device, guint32 address, const guint8 *data, gsize len,
                         GError **error)
{
  Boot0FakeDevice *self = BOOT0_FAKE_DEVICE (device);
  Memory *m = find_memory (self, address, len);
  guint8 *cells;

  if (!check_gone (self, error))
    return FALSE;
  self->counters.n_writes++;
  if (self->counters.n_writes == self->fail_write_nth)
    {
      g_set_error (error, BOOT0_ERROR, self->fail_write_code, "fake: write %u failed",
                   self->counters.n_writes);
      return FALSE;
    }
  if (self->vanish && self->counters.bytes_written + len > self->vanish_byte)
    {
      self->gone = TRUE;
      g_set_error_literal (error, BOOT0_ERROR, BOOT0_ERROR_DEVICE_GONE, "fake: no such device");
      return FALSE;
    }
  g_assert_nonnull (m);
  cells = m->data + (address - m->start);
  /* NOR flash: programming clears bits; a 1 where the cell holds 0 needs an
   * erase first, and the chip refuses the write. */
  for (gsize i = 0; i < len; i++)
    {
      if ((data[i] & ~cells[i]) != 0)
        {
          g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_DEVICE_ERROR,
                       "fake: 0x%08X is not erased (holds 0x%02X, writing 0x%02X)",
                       (guint32)(address + i), cells[i], data[i]);
          return FALSE;
        }
    }
  for (gsize i = 0; i < len; i++)
    cells[i] &= data[i];
  if (self->flip && self->flip_address >= address && (guint64)self->flip_address < address + len)
    cells[self->flip_address - address] ^= self->flip_mask;
  self->counters.bytes_written += len;
  if (self->cancel != NULL && self->counters.n_writes == self->cancel_after)
    g_cancellable_cancel (self->cancel);
  return TRUE;
}

static gboolean
boot0_fake_device_erase_sector (Boot0Device *device, guint32 address, GError **error)
{
  Boot0FakeDevice *self = BOOT0_FAKE_DEVICE (device);
  Memory *m = find_memory (self, address, 1);

  if (!check_gone (self, error))
    return FALSE;
  self->counters.n_erases++;
  if (self->counters.n_erases == self->fail_erase_nth)
    {
      g_set_error (error, BOOT0_ERROR, self->fail_erase_code, "fake: erase %u failed",
                   self->counters.n_erases);
      return FALSE;
    }
  g_assert_nonnull (m);
  erase_memory_sectors (m, self->erase_wipes_all, address);
  return TRUE;
}

static gboolean
boot0_fake_device_mass_erase (Boot0Device *device, GError **error)
{
  Boot0FakeDevice *self = BOOT0_FAKE_DEVICE (device);
  Boot0DfuseLayout *flash = boot0_device_get_flash (device);

  if (!check_gone (self, error))
    return FALSE;
  self->counters.n_mass_erases++;
  erase_memory_sectors (find_memory (self, boot0_dfuse_layout_get_start (flash), 1), TRUE, 0);
  return TRUE;
}

static gboolean
boot0_fake_device_run (Boot0Device *device, guint32 address, GError **error)
{
  Boot0FakeDevice *self = BOOT0_FAKE_DEVICE (device);

  if (!check_gone (self, error))
    return FALSE;
  if (self->fail_run)
    {
      g_set_error_literal (error, BOOT0_ERROR, self->fail_run_code, "fake: run failed");
      return FALSE;
    }
  self->counters.n_runs++;
  self->counters.run_address = address;
  return TRUE;
}

static gboolean
boot0_fake_device_read_unprotect (Boot0Device *device, GError **error)
{
  return check_gone (BOOT0_FAKE_DEVICE (device), error);
}

static void
boot0_fake_device_finalize (GObject *object)
{
  Boot0FakeDevice *self = BOOT0_FAKE_DEVICE (object);

  for (guint i = 0; i < self->memories->len; i++)
    {
      Memory *m = &g_array_index (self->memories, Memory, i);
      boot0_dfuse_layout_unref (m->layout);
      g_free (m->data);
    }
  g_array_unref (self->memories);
  g_clear_object (&self->cancel);

  G_OBJECT_CLASS (boot0_fake_device_parent_class)->finalize (object);
}

static void
boot0_fake_device_class_init (Boot0FakeDeviceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  Boot0DeviceClass *device_class = BOOT0_DEVICE_CLASS (klass);

  object_class->finalize = boot0_fake_device_finalize;
  device_class->open = boot0_fake_device_open;
  device_class->close = boot0_fake_device_close;
  device_class->read = boot0_fake_device_read;
  device_class->write = boot0_fake_device_write;
  device_class->erase_sector = boot0_fake_device_erase_sector;
  device_class->mass_erase = boot0_fake_device_mass_erase;
  device_class->run = boot0_fake_device_run;
  device_class->read_unprotect = boot0_fake_device_read_unprotect;
}

static void
boot0_fake_device_init (Boot0FakeDevice *self)
{
  self->memories = g_array_new (FALSE, TRUE, sizeof (Memory));
}

void
boot0_fake_device_add_memory (Boot0FakeDevice *self, const char *layout)
{
  g_autoptr (GError) error = NULL;
  Memory m = { 0 };

  m.layout = boot0_dfuse_layout_parse (layout, &error);
  g_assert_no_error (error);
  m.start = boot0_dfuse_layout_get_start (m.layout);
  m.size = boot0_dfuse_layout_get_end (m.layout) - m.start;
  m.data = g_malloc (m.size);
  memset (m.data, 0xFF, m.size);
  g_array_append_val (self->memories, m);
  boot0_device_add_memory (BOOT0_DEVICE (self), m.layout);
}

Boot0FakeDevice *
boot0_fake_device_new (const char *flash_layout, gsize transfer_size)
{
  Boot0FakeDevice *self = g_object_new (BOOT0_TYPE_FAKE_DEVICE, NULL);

  boot0_device_set_label (BOOT0_DEVICE (self), "Fake");
  boot0_device_set_transfer_size (BOOT0_DEVICE (self), transfer_size);
  boot0_device_set_protection (BOOT0_DEVICE (self), BOOT0_PROTECTION_NONE);
  boot0_fake_device_add_memory (self, flash_layout);
  return self;
}

guint8 *
boot0_fake_device_get_data (Boot0FakeDevice *self, guint32 address, gsize len)
{
  Memory *m = find_memory (self, address, len);
  g_assert_nonnull (m);
  return m->data + (address - m->start);
}

void
boot0_fake_device_fill (Boot0FakeDevice *self, guint32 address, gsize len, guint8 value)
{
  memset (boot0_fake_device_get_data (self, address, len), value, len);
}

const Boot0FakeDeviceCounters *
boot0_fake_device_get_counters (Boot0FakeDevice *self)
{
  return &self->counters;
}

void
boot0_fake_device_reset_counters (Boot0FakeDevice *self)
{
  memset (&self->counters, 0, sizeof (self->counters));
}

void
boot0_fake_device_set_erase_wipes_all (Boot0FakeDevice *self, gboolean wipes_all)
{
  self->erase_wipes_all = wipes_all;
}

void
boot0_fake_device_fail_open (Boot0FakeDevice *self, Boot0Error code)
{
  self->fail_open = TRUE;
  self->fail_open_code = code;
}

void
boot0_fake_device_fail_write (Boot0FakeDevice *self, guint nth, Boot0Error code)
{
  self->fail_write_nth = self->counters.n_writes + nth;
  self->fail_write_code = code;
}

void
boot0_fake_device_fail_erase (Boot0FakeDevice *self, guint nth, Boot0Error code)
{
  self->fail_erase_nth = self->counters.n_erases + nth;
  self->fail_erase_code = code;
}

void
boot0_fake_device_fail_read (Boot0FakeDevice *self, guint nth, Boot0Error code)
{
  self->fail_read_nth = self->counters.n_reads + nth;
  self->fail_read_code = code;
}

void
boot0_fake_device_fail_run (Boot0FakeDevice *self, Boot0Error code)
{
  self->fail_run = TRUE;
  self->fail_run_code = code;
}

void
boot0_fake_device_vanish_at (Boot0FakeDevice *self, guint64 byte_nr)
{
  self->vanish = TRUE;
  self->vanish_byte = self->counters.bytes_written + byte_nr;
}

void
boot0_fake_device_flip_bits (Boot0FakeDevice *self, guint32 address, guint8 mask)
{
  self->flip = TRUE;
  self->flip_address = address;
  self->flip_mask = mask;
}

void
boot0_fake_device_cancel_after_writes (Boot0FakeDevice *self, GCancellable *cancellable, guint nth)
{
  g_set_object (&self->cancel, cancellable);
  self->cancel_after = self->counters.n_writes + nth;
}
