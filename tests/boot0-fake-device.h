/* SPDX-License-Identifier: GPL-3.0-or-later */
/* An in-memory Boot0Device with NOR flash semantics, operation counters and
 * fault injection, for testing plans and jobs without hardware. */
#pragma once

#include "boot0-core.h"

G_BEGIN_DECLS

typedef struct
{
  guint n_opens;
  guint n_closes;
  guint n_reads;
  guint n_writes;
  guint n_erases; /* sector erases */
  guint n_mass_erases;
  guint n_runs;
  guint64 bytes_read;
  guint64 bytes_written;
  guint32 run_address;
  /* Every call that reached the device (open, read, write, erase, run...):
   * a clock for tests that need time to pass deterministically. */
  guint64 n_ops;
} Boot0FakeDeviceCounters;

#define BOOT0_TYPE_FAKE_DEVICE (boot0_fake_device_get_type ())
G_DECLARE_FINAL_TYPE (Boot0FakeDevice, boot0_fake_device, BOOT0, FAKE_DEVICE, Boot0Device)

/* A device with one memory (aborts on a bad layout string), erased (0xFF),
 * "Fake" label, the given transfer size. */
Boot0FakeDevice *boot0_fake_device_new (const char *flash_layout, gsize transfer_size);
/* Adds another memory (option bytes, OTP...), erased. */
void boot0_fake_device_add_memory (Boot0FakeDevice *self, const char *layout);

/* The bytes behind [address, address + len), which must lie in one memory:
 * to pre-fill or inspect. */
guint8 *boot0_fake_device_get_data (Boot0FakeDevice *self, guint32 address, gsize len);
void boot0_fake_device_fill (Boot0FakeDevice *self, guint32 address, gsize len, guint8 value);

const Boot0FakeDeviceCounters *boot0_fake_device_get_counters (Boot0FakeDevice *self);
void boot0_fake_device_reset_counters (Boot0FakeDevice *self);

/* CubeMX-like: erasing any sector wipes every erasable sector. */
void boot0_fake_device_set_erase_wipes_all (Boot0FakeDevice *self, gboolean wipes_all);

/* Fault injection. Counts are 1-based and count calls from now on (after
 * the last reset of the counters). */
void boot0_fake_device_fail_open (Boot0FakeDevice *self, Boot0Error code);
void boot0_fake_device_fail_write (Boot0FakeDevice *self, guint nth, Boot0Error code);
void boot0_fake_device_fail_erase (Boot0FakeDevice *self, guint nth, Boot0Error code);
void boot0_fake_device_fail_read (Boot0FakeDevice *self, guint nth, Boot0Error code);
void boot0_fake_device_fail_run (Boot0FakeDevice *self, Boot0Error code);
/* The write holding the byte number byte_nr (0-based, counting bytes
 * written) fails with DEVICE_GONE, and so does every call after it. */
void boot0_fake_device_vanish_at (Boot0FakeDevice *self, guint64 byte_nr);
/* A write covering address stores the byte XOR mask: a silent corruption
 * only a read back finds. */
void boot0_fake_device_flip_bits (Boot0FakeDevice *self, guint32 address, guint8 mask);
/* Cancels cancellable right after the nth write succeeds. */
void boot0_fake_device_cancel_after_writes (Boot0FakeDevice *self, GCancellable *cancellable,
                                            guint nth);

G_END_DECLS
