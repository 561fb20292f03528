/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests of the Boot0Device base class (argument checks, memories) through
 * the fake device, and of the fake device's NOR semantics. */
#include "config.h"

#include <string.h>

#include "boot0-fake-device.h"
#include "boot0-test-helpers.h"

#define F4_ROM     "@Internal Flash  /0x08000000/04*016Kg,01*064Kg,07*128Kg"
#define F4_OB      "@Option Bytes  /0x1FFFC000/01*016 g"
#define CUBEMX     "@Internal Flash  /0x08000000/02*016Ka,02*016Kg,01*064Kg,07*128Kg"
#define WRITE_ONLY "@Mailbox /0x40000000/01*001Kd"

static void
test_device_not_open_func (void)
{
  g_autoptr (Boot0FakeDevice) dev = boot0_fake_device_new (F4_ROM, 2048);
  Boot0Device *d = BOOT0_DEVICE (dev);
  const Boot0FakeDeviceCounters *c = boot0_fake_device_get_counters (dev);
  guint8 buf[16] = { 0 };
  g_autoptr (GError) e1 = NULL;
  g_autoptr (GError) e2 = NULL;
  g_autoptr (GError) e3 = NULL;
  g_autoptr (GError) e4 = NULL;
  g_autoptr (GError) e5 = NULL;
  g_autoptr (GError) e6 = NULL;

  g_assert_false (boot0_device_is_open (d));
  g_assert_false (boot0_device_read (d, 0x08000000, buf, sizeof (buf), &e1));
  boot0_test_assert_error (e1, BOOT0_ERROR_INVALID_ARGUMENT, "not open");
  g_assert_false (boot0_device_write (d, 0x08000000, buf, sizeof (buf), &e2));
  boot0_test_assert_error (e2, BOOT0_ERROR_INVALID_ARGUMENT, "not open");
  g_assert_false (boot0_device_erase_sector (d, 0x08000000, &e3));
  boot0_test_assert_error (e3, BOOT0_ERROR_INVALID_ARGUMENT, "not open");
  g_assert_false (boot0_device_mass_erase (d, &e4));
  boot0_test_assert_error (e4, BOOT0_ERROR_INVALID_ARGUMENT, "not open");
  g_assert_false (boot0_device_run (d, 0x08000000, &e5));
  boot0_test_assert_error (e5, BOOT0_ERROR_INVALID_ARGUMENT, "not open");
  g_assert_false (boot0_device_read_unprotect (d, &e6));
  boot0_test_assert_error (e6, BOOT0_ERROR_INVALID_ARGUMENT, "not open");
  /* Nothing reached the subclass. */
  g_assert_cmpuint (c->n_ops, ==, 0);
}

static void
test_device_open_close_func (void)
{
  g_autoptr (Boot0FakeDevice) dev = boot0_fake_device_new (F4_ROM, 2048);
  g_autoptr (Boot0FakeDevice) bad = boot0_fake_device_new (F4_ROM, 2048);
  Boot0Device *d = BOOT0_DEVICE (dev);
  const Boot0FakeDeviceCounters *c = boot0_fake_device_get_counters (dev);
  g_autoptr (GError) error = NULL;

  g_assert_true (boot0_device_open (d, &error));
  g_assert_no_error (error);
  g_assert_true (boot0_device_is_open (d));
  /* Opening twice is a no-op. */
  g_assert_true (boot0_device_open (d, &error));
  g_assert_cmpuint (c->n_opens, ==, 1);
  boot0_device_close (d);
  boot0_device_close (d);
  g_assert_false (boot0_device_is_open (d));
  g_assert_cmpuint (c->n_closes, ==, 1);

  boot0_fake_device_fail_open (bad, BOOT0_ERROR_ACCESS_DENIED);
  g_assert_false (boot0_device_open (BOOT0_DEVICE (bad), &error));
  g_assert_error (error, BOOT0_ERROR, BOOT0_ERROR_ACCESS_DENIED);
  g_assert_false (boot0_device_is_open (BOOT0_DEVICE (bad)));
}

static void
test_device_ranges_func (void)
{
  g_autoptr (Boot0FakeDevice) dev = boot0_fake_device_new (CUBEMX, 2048);
  Boot0Device *d = BOOT0_DEVICE (dev);
  const Boot0FakeDeviceCounters *c = boot0_fake_device_get_counters (dev);
  guint8 buf[64] = { 0 };
  guint64 before;
  g_autoptr (GError) e1 = NULL;
  g_autoptr (GError) e2 = NULL;
  g_autoptr (GError) e3 = NULL;
  g_autoptr (GError) e4 = NULL;
  g_autoptr (GError) e5 = NULL;
  g_autoptr (GError) e6 = NULL;
  g_autoptr (GError) error = NULL;

  boot0_fake_device_add_memory (dev, WRITE_ONLY);
  g_assert_true (boot0_device_open (d, &error));
  g_assert_no_error (error);
  before = c->n_ops;

  /* Outside every memory. */
  g_assert_false (boot0_device_read (d, 0x20000000, buf, sizeof (buf), &e1));
  boot0_test_assert_error (e1, BOOT0_ERROR_DOES_NOT_FIT,
                           "0x20000000 is outside every memory of the device");
  /* Starts inside, runs past the end. */
  g_assert_false (boot0_device_read (d, 0x080FFFF0, buf, sizeof (buf), &e2));
  boot0_test_assert_error (e2, BOOT0_ERROR_DOES_NOT_FIT, "outside the memory");
  /* The bootloader's sectors. */
  g_assert_false (boot0_device_write (d, 0x08004000, buf, sizeof (buf), &e3));
  boot0_test_assert_error (e3, BOOT0_ERROR_DOES_NOT_FIT, "is not writable");
  g_assert_false (boot0_device_erase_sector (d, 0x08000000, &e4));
  boot0_test_assert_error (e4, BOOT0_ERROR_DOES_NOT_FIT, "is not erasable");
  /* A write-only memory. */
  g_assert_false (boot0_device_read (d, 0x40000000, buf, 4, &e5));
  boot0_test_assert_error (e5, BOOT0_ERROR_DOES_NOT_FIT, "is not readable");
  g_assert_false (boot0_device_erase_sector (d, 0x40000000, &e6));
  boot0_test_assert_error (e6, BOOT0_ERROR_DOES_NOT_FIT, "is not erasable");
  g_assert_cmpuint (c->n_ops, ==, before);

  /* What is allowed gets through. */
  g_assert_true (boot0_device_read (d, 0x08000000, buf, sizeof (buf), &error));
  g_assert_no_error (error);
  g_assert_true (boot0_device_write (d, 0x40000000, buf, 4, &error));
  g_assert_no_error (error);
  g_assert_true (boot0_device_write (d, 0x08008000, buf, sizeof (buf), &error));
  g_assert_no_error (error);
  g_assert_cmpuint (c->n_reads, ==, 1);
  g_assert_cmpuint (c->n_writes, ==, 2);
}

static void
test_device_get_flash_func (void)
{
  g_autoptr (Boot0FakeDevice) rom = boot0_fake_device_new (F4_OB, 2048);
  g_autoptr (Boot0FakeDevice) named = boot0_fake_device_new (F4_OB, 2048);
  g_autoptr (Boot0FakeDevice) first = boot0_fake_device_new (F4_OB, 2048);
  g_autoptr (Boot0FakeDevice) none = boot0_fake_device_new (F4_OB, 2048);

  /* By address when no memory has the name. */
  boot0_fake_device_add_memory (rom, "@Flash /0x08000000/04*016Kg");
  g_assert_cmpstr (boot0_dfuse_layout_get_name (boot0_device_get_flash (BOOT0_DEVICE (rom))), ==,
                   "Flash");
  /* The name wins over the address. */
  boot0_fake_device_add_memory (named, "@Flash /0x08000000/04*016Kg");
  boot0_fake_device_add_memory (named, "@Internal Flash   /0x00200000/04*016Kg");
  g_assert_cmphex (boot0_dfuse_layout_get_start (boot0_device_get_flash (BOOT0_DEVICE (named))), ==,
                   0x00200000);
  /* Else the first memory. */
  boot0_fake_device_add_memory (first, "@SPI /0x90000000/04*004Kg");
  g_assert_cmpstr (boot0_dfuse_layout_get_name (boot0_device_get_flash (BOOT0_DEVICE (first))), ==,
                   "Option Bytes");
  g_assert_cmpuint (boot0_device_get_memories (BOOT0_DEVICE (first))->len, ==, 2);
  /* None at all. */
  boot0_device_clear_memories (BOOT0_DEVICE (none));
  g_assert_null (boot0_device_get_flash (BOOT0_DEVICE (none)));
  g_assert_cmpuint (boot0_device_get_memories (BOOT0_DEVICE (none))->len, ==, 0);
}

static void
test_device_strings_func (void)
{
  g_autoptr (Boot0FakeDevice) dev = boot0_fake_device_new (F4_ROM, 1024);
  Boot0Device *d = BOOT0_DEVICE (dev);

  g_assert_cmpstr (boot0_device_kind_to_string (BOOT0_DEVICE_KIND_USB_DFUSE), ==, "usb-dfuse");
  g_assert_cmpstr (boot0_device_kind_to_string (BOOT0_DEVICE_KIND_UART), ==, "uart");
  g_assert_cmpstr (boot0_protection_to_string (BOOT0_PROTECTION_NONE), ==, "none");
  g_assert_cmpstr (boot0_protection_to_string (BOOT0_PROTECTION_READ_PROTECTED), ==,
                   "read-protected");
  g_assert_cmpstr (boot0_protection_to_string (BOOT0_PROTECTION_UNKNOWN), ==, "unknown");

  g_assert_cmpuint (boot0_device_get_transfer_size (d), ==, 1024);
  g_assert_cmpstr (boot0_device_get_label (d), ==, "Fake");
  boot0_device_set_kind (d, BOOT0_DEVICE_KIND_UART);
  g_assert_cmpint (boot0_device_get_kind (d), ==, BOOT0_DEVICE_KIND_UART);
  boot0_device_set_serial (d, "0123456789AB");
  boot0_device_set_path (d, "1-2.3");
  boot0_device_set_bootloader_version (d, "DfuSe 1.1a");
  g_assert_cmpstr (boot0_device_get_serial (d), ==, "0123456789AB");
  g_assert_cmpstr (boot0_device_get_path (d), ==, "1-2.3");
  g_assert_cmpstr (boot0_device_get_bootloader_version (d), ==, "DfuSe 1.1a");
  g_assert_cmpint (boot0_device_get_protection (d), ==, BOOT0_PROTECTION_NONE);
  g_assert_null (boot0_device_get_chip (d));
}

/* The fake device behaves like NOR flash. */
static void
test_device_fake_nor_func (void)
{
  g_autoptr (Boot0FakeDevice) dev = boot0_fake_device_new (F4_ROM, 2048);
  Boot0Device *d = BOOT0_DEVICE (dev);
  const guint8 first[4] = { 0xF0, 0x0F, 0xFF, 0x00 };
  const guint8 clears[4] = { 0x00, 0x0F, 0x7F, 0x00 };
  const guint8 sets[4] = { 0xFF, 0x0F, 0x7F, 0x00 };
  guint8 buf[4];
  g_autoptr (GError) error = NULL;

  g_assert_true (boot0_device_open (d, &error));
  g_assert_true (boot0_device_read (d, 0x08000000, buf, 4, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (buf[0] & buf[1] & buf[2] & buf[3], ==, 0xFF);

  g_assert_true (boot0_device_write (d, 0x08000000, first, 4, &error));
  g_assert_no_error (error);
  /* Clearing more bits is fine, setting one back is not. */
  g_assert_true (boot0_device_write (d, 0x08000000, clears, 4, &error));
  g_assert_no_error (error);
  g_assert_false (boot0_device_write (d, 0x08000000, sets, 4, &error));
  boot0_test_assert_error (error, BOOT0_ERROR_DEVICE_ERROR, "0x08000000 is not erased");
  g_clear_error (&error);
  g_assert_true (boot0_device_read (d, 0x08000000, buf, 4, &error));
  g_assert_cmpmem (buf, 4, clears, 4);

  /* Erase sets the sector, and only it, back to 0xFF. */
  boot0_fake_device_fill (dev, 0x08004000, 16, 0x00);
  g_assert_true (boot0_device_erase_sector (d, 0x08000010, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (boot0_fake_device_get_data (dev, 0x08000000, 1)[0], ==, 0xFF);
  g_assert_cmpuint (boot0_fake_device_get_data (dev, 0x08004000, 1)[0], ==, 0x00);
  g_assert_true (boot0_device_mass_erase (d, &error));
  g_assert_cmpuint (boot0_fake_device_get_data (dev, 0x08004000, 1)[0], ==, 0xFF);
  g_assert_cmpuint (boot0_fake_device_get_counters (dev)->n_erases, ==, 1);
  g_assert_cmpuint (boot0_fake_device_get_counters (dev)->n_mass_erases, ==, 1);
}

/* CubeMX-like erase: one sector erase wipes the whole application area
 * but never the bootloader's read-only sectors. */
static void
test_device_fake_wipes_all_func (void)
{
  g_autoptr (Boot0FakeDevice) dev = boot0_fake_device_new (CUBEMX, 2048);
  Boot0Device *d = BOOT0_DEVICE (dev);
  g_autoptr (GError) error = NULL;

  boot0_fake_device_fill (dev, 0x08000000, 1024 * 1024, 0x5A);
  boot0_fake_device_set_erase_wipes_all (dev, TRUE);
  g_assert_true (boot0_device_open (d, &error));
  g_assert_true (boot0_device_erase_sector (d, 0x08008000, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (boot0_fake_device_get_data (dev, 0x08007FFF, 1)[0], ==, 0x5A);
  g_assert_cmpuint (boot0_fake_device_get_data (dev, 0x08008000, 1)[0], ==, 0xFF);
  g_assert_cmpuint (boot0_fake_device_get_data (dev, 0x080FFFFF, 1)[0], ==, 0xFF);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/boot0/device/not-open", test_device_not_open_func);
  g_test_add_func ("/boot0/device/open-close", test_device_open_close_func);
  g_test_add_func ("/boot0/device/ranges", test_device_ranges_func);
  g_test_add_func ("/boot0/device/get-flash", test_device_get_flash_func);
  g_test_add_func ("/boot0/device/strings", test_device_strings_func);
  g_test_add_func ("/boot0/device/fake-nor", test_device_fake_nor_func);
  g_test_add_func ("/boot0/device/fake-wipes-all", test_device_fake_wipes_all_func);
  return g_test_run ();
}
