/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests of the flash planner on literal layouts and generated images. */
#include "config.h"

#include <string.h>

#include "boot0-test-helpers.h"

#define F4_ROM "@Internal Flash  /0x08000000/04*016Kg,01*064Kg,07*128Kg"
#define CUBEMX "@Internal Flash  /0x08000000/02*016Ka,02*016Kg,01*064Kg,07*128Kg"
#define L4_ROM "@Internal Flash  /0x08000000/0256*0002Kg"
#define GAPPED "@Internal Flash  /0x08000000/04*016Kg/0x08100000/04*016Kg"

static Boot0DfuseLayout *
layout (const char *str)
{
  g_autoptr (GError) error = NULL;
  Boot0DfuseLayout *l = boot0_dfuse_layout_parse (str, &error);
  g_assert_no_error (error);
  return l;
}

/* A raw .bin of len pseudo-random bytes, loaded as the CLI would. */
static Boot0Firmware *
make_bin (gsize len, guint32 base)
{
  g_autoptr (GError) error = NULL;
  g_autofree guint8 *data = g_malloc (len);
  g_autoptr (GBytes) bytes = NULL;
  Boot0Firmware *fw;

  boot0_test_fill_random (data, len, (guint32)len);
  bytes = g_bytes_new (data, len);
  fw = boot0_firmware_load_bytes (bytes, BOOT0_FIRMWARE_FORMAT_BIN, base, &error);
  g_assert_no_error (error);
  g_assert_true (boot0_firmware_get_relocatable (fw));
  return fw;
}

/* An image with its own addresses (as from Intel HEX). */
static Boot0Firmware *
make_image (void)
{
  Boot0Firmware *fw = boot0_firmware_new ();
  boot0_firmware_set_format (fw, BOOT0_FIRMWARE_FORMAT_IHEX);
  return fw;
}

static void
add_random (Boot0Firmware *fw, guint8 alt, guint32 address, gsize len)
{
  g_autoptr (GError) error = NULL;
  g_autofree guint8 *data = g_malloc (len);
  boot0_test_fill_random (data, len, address);
  boot0_firmware_add_data (fw, alt, address, data, len, &error);
  g_assert_no_error (error);
}

static Boot0Plan *
plan_ok (Boot0Firmware *fw, Boot0DfuseLayout *l, const Boot0PlanOptions *options)
{
  g_autoptr (GError) error = NULL;
  Boot0Plan *plan = boot0_plan_new (fw, l, options, &error);
  g_assert_no_error (error);
  g_assert_nonnull (plan);
  return plan;
}

static void
plan_fails (Boot0Firmware *fw, Boot0DfuseLayout *l, const Boot0PlanOptions *options, int code,
            const char *substr)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (Boot0Plan) plan = boot0_plan_new (fw, l, options, &error);
  g_assert_null (plan);
  boot0_test_assert_error (error, code, substr);
}

static void
assert_erases (Boot0Plan *plan, const guint32 *addresses, guint n)
{
  g_assert_cmpuint (boot0_plan_get_n_erases (plan), ==, n);
  for (guint i = 0; i < n; i++)
    {
      const Boot0PlanErase *e = boot0_plan_get_erase (plan, i);
      g_assert_false (e->mass_erase);
      g_assert_cmphex (e->address, ==, addresses[i]);
    }
}

static void
test_plan_bin_f4_func (void)
{
  g_autoptr (Boot0DfuseLayout) l = layout (F4_ROM);
  g_autoptr (Boot0Firmware) fw = make_bin (200 * 1024, BOOT0_FIRMWARE_DEFAULT_BASE);
  g_autoptr (Boot0Plan) plan = plan_ok (fw, l, NULL);
  g_autofree char *summary = boot0_plan_get_summary (plan);
  const guint32 sectors[] = {
    0x08000000, 0x08004000, 0x08008000, 0x0800C000, 0x08010000, 0x08020000
  };
  guint32 run = 0;

  assert_erases (plan, sectors, G_N_ELEMENTS (sectors));
  g_assert_cmpuint (boot0_plan_get_erase_size (plan), ==, 256 * 1024);
  g_assert_cmpuint (boot0_plan_get_write_size (plan), ==, 200 * 1024);
  g_assert_cmpuint (boot0_plan_get_verify_size (plan), ==, 200 * 1024);
  g_assert_cmpuint (boot0_plan_get_n_writes (plan), ==, 1);
  g_assert_cmphex (boot0_plan_get_write (plan, 0)->address, ==, 0x08000000);
  g_assert_true (boot0_plan_get_run (plan, &run));
  g_assert_cmphex (run, ==, 0x08000000);
  g_assert_cmpstr (summary, ==,
                   "erase 6 sectors (0x08000000-0x0803FFFF, 256 KiB), write 200 KiB at "
                   "0x08000000, verify, run at 0x08000000");
}

/* The address is locked: the caller names none, and even a .bin loaded at
 * another base goes to the first writable sector. */
static void
test_plan_bin_cubemx_func (void)
{
  g_autoptr (Boot0DfuseLayout) l = layout (CUBEMX);
  g_autoptr (Boot0Firmware) fw = make_bin (40 * 1024, BOOT0_FIRMWARE_DEFAULT_BASE);
  g_autoptr (Boot0Firmware) fw0 = make_bin (1000, 0);
  g_autoptr (Boot0Plan) plan = plan_ok (fw, l, NULL);
  g_autoptr (Boot0Plan) plan0 = plan_ok (fw0, l, NULL);
  const guint32 sectors[] = { 0x08008000, 0x0800C000, 0x08010000 };
  guint32 address = 0;
  guint32 run = 0;

  g_assert_true (boot0_plan_get_default_address (l, &address));
  g_assert_cmphex (address, ==, 0x08008000);
  assert_erases (plan, sectors, G_N_ELEMENTS (sectors));
  g_assert_cmphex (boot0_plan_get_write (plan, 0)->address, ==, 0x08008000);
  g_assert_true (boot0_plan_get_run (plan, &run));
  g_assert_cmphex (run, ==, 0x08008000);
  g_assert_cmphex (boot0_plan_get_write (plan0, 0)->address, ==, 0x08008000);
  g_assert_cmpint (boot0_plan_get_sector_fate (plan, 0), ==, BOOT0_PLAN_SECTOR_READ_ONLY);
  g_assert_cmpint (boot0_plan_get_sector_fate (plan, 1), ==, BOOT0_PLAN_SECTOR_READ_ONLY);
  g_assert_cmpint (boot0_plan_get_sector_fate (plan, 2), ==, BOOT0_PLAN_SECTOR_ERASE_AND_WRITE);
  g_assert_cmpint (boot0_plan_get_sector_fate (plan, 4), ==, BOOT0_PLAN_SECTOR_ERASE_AND_WRITE);
  g_assert_cmpint (boot0_plan_get_sector_fate (plan, 5), ==, BOOT0_PLAN_SECTOR_UNTOUCHED);
}

static void
test_plan_bin_l4_func (void)
{
  g_autoptr (Boot0DfuseLayout) l = layout (L4_ROM);
  g_autoptr (Boot0Firmware) fw = make_bin (5000, BOOT0_FIRMWARE_DEFAULT_BASE);
  g_autoptr (Boot0Plan) plan = plan_ok (fw, l, NULL);
  g_autofree char *summary = boot0_plan_get_summary (plan);
  const guint32 pages[] = { 0x08000000, 0x08000800, 0x08001000 };

  assert_erases (plan, pages, G_N_ELEMENTS (pages));
  g_assert_cmpstr (summary, ==,
                   "erase 3 sectors (0x08000000-0x080017FF, 6 KiB), write 4.9 KiB at 0x08000000, "
                   "verify, run at 0x08000000");
}

static void
test_plan_unlock_func (void)
{
  g_autoptr (Boot0DfuseLayout) cube = layout (CUBEMX);
  g_autoptr (Boot0DfuseLayout) f4 = layout (F4_ROM);
  g_autoptr (Boot0Firmware) fw = make_bin (200 * 1024, BOOT0_FIRMWARE_DEFAULT_BASE);
  g_autoptr (Boot0Firmware) hex = make_image ();
  g_autoptr (Boot0Plan) plan = NULL;
  Boot0PlanOptions options;
  guint32 run = 0;

  boot0_plan_options_init (&options);
  options.unlock_address = TRUE;
  options.address = 0x08010000;
  plan = plan_ok (fw, cube, &options);
  g_assert_cmphex (boot0_plan_get_write (plan, 0)->address, ==, 0x08010000);
  g_assert_true (boot0_plan_get_run (plan, &run));
  g_assert_cmphex (run, ==, 0x08010000);

  /* Without unlock the address is ignored: the start stays locked. */
  g_clear_object (&plan);
  options.unlock_address = FALSE;
  plan = plan_ok (fw, cube, &options);
  g_assert_cmphex (boot0_plan_get_write (plan, 0)->address, ==, 0x08008000);

  options.unlock_address = TRUE;
  options.address = 0x08004100;
  plan_fails (fw, f4, &options, BOOT0_ERROR_INVALID_ARGUMENT,
              "0x08004100 is not at the start of a sector (the sector at 0x08004000 is 16 KiB)");
  options.address = 0x08004000;
  plan_fails (fw, cube, &options, BOOT0_ERROR_INVALID_ARGUMENT,
              "is read-only (the bootloader's sectors); the application starts at 0x08008000");
  options.address = 0x08100000;
  plan_fails (fw, f4, &options, BOOT0_ERROR_INVALID_ARGUMENT,
              "0x08100000 is outside the flash (0x08000000-0x080FFFFF, 1 MiB)");
  options.address = 0x080E0000;
  plan_fails (fw, f4, &options, BOOT0_ERROR_DOES_NOT_FIT,
              "the image (200 KiB) does not fit: there are only 128 KiB from 0x080E0000 to the "
              "end of the 1 MiB flash at 0x080FFFFF");

  /* Only a raw binary can be moved. */
  add_random (hex, 0, 0x08000000, 256);
  options.address = 0x08010000;
  plan_fails (hex, f4, &options, BOOT0_ERROR_INVALID_ARGUMENT, "carries its own addresses");
}

static void
test_plan_too_large_func (void)
{
  g_autoptr (Boot0DfuseLayout) f4 = layout (F4_ROM);
  g_autoptr (Boot0DfuseLayout) cube = layout (CUBEMX);
  g_autoptr (Boot0Firmware) big = make_bin (1024 * 1024 + 512 * 1024, BOOT0_FIRMWARE_DEFAULT_BASE);
  g_autoptr (Boot0Firmware) app = make_bin (1024 * 1024 - 16 * 1024, BOOT0_FIRMWARE_DEFAULT_BASE);
  g_autoptr (Boot0Firmware) hex = make_image ();

  plan_fails (big, f4, NULL, BOOT0_ERROR_DOES_NOT_FIT,
              "the image (1.5 MiB) does not fit: there are only 1 MiB from 0x08000000");
  /* Fits the chip, not the space behind the bootloader. */
  plan_fails (app, cube, NULL, BOOT0_ERROR_DOES_NOT_FIT,
              "the image (1008 KiB) does not fit: there are only 992 KiB from 0x08008000 to the "
              "end of the 1 MiB flash");

  add_random (hex, 0, 0x08000000, 1024 * 1024);
  add_random (hex, 0, 0x08200000, 1024);
  plan_fails (hex, f4, NULL, BOOT0_ERROR_DOES_NOT_FIT,
              "the image (1025 KiB) is larger than the flash (1 MiB)");
  plan_fails (hex, cube, NULL, BOOT0_ERROR_DOES_NOT_FIT,
              "is larger than the writable part of the flash (992 KiB of 1 MiB)");
}

static void
test_plan_read_only_func (void)
{
  g_autoptr (Boot0DfuseLayout) cube = layout (CUBEMX);
  g_autoptr (Boot0Firmware) hex = make_image ();
  g_autoptr (Boot0Firmware) late = make_image ();

  /* Linked for the chip, not for the bootloader. */
  add_random (hex, 0, 0x08000000, 0x10000);
  plan_fails (hex, cube, NULL, BOOT0_ERROR_DOES_NOT_FIT,
              "0x08000000-0x08007FFF is read-only (the bootloader's sectors); the application "
              "starts at 0x08008000");
  /* Only the overlapping part is named. */
  add_random (late, 0, 0x08006000, 0x4000);
  plan_fails (late, cube, NULL, BOOT0_ERROR_DOES_NOT_FIT, "0x08006000-0x08007FFF is read-only");
}

static void
test_plan_outside_func (void)
{
  g_autoptr (Boot0DfuseLayout) f4 = layout (F4_ROM);
  g_autoptr (Boot0DfuseLayout) gapped = layout (GAPPED);
  g_autoptr (Boot0Firmware) end = make_image ();
  g_autoptr (Boot0Firmware) ram = make_image ();
  g_autoptr (Boot0Firmware) ob = make_image ();
  g_autoptr (Boot0Firmware) gap = make_image ();
  g_autoptr (Boot0Firmware) low = make_image ();
  g_autoptr (Boot0Plan) plan = NULL;

  add_random (end, 0, 0x08000000, 256);
  add_random (end, 0, 0x080FFF00, 0x200);
  plan_fails (end, f4, NULL, BOOT0_ERROR_DOES_NOT_FIT,
              "0x080FFF00-0x081000FF passes the end of the flash at 0x080FFFFF (1 MiB)");

  /* An ELF's .data at its run address. */
  add_random (ram, 0, 0x08000000, 1024);
  add_random (ram, 0, 0x20000000, 0x100);
  plan_fails (ram, f4, NULL, BOOT0_ERROR_DOES_NOT_FIT,
              "0x20000000-0x200000FF is outside the flash (0x08000000-0x080FFFFF, 1 MiB); that "
              "is RAM");

  /* Option bytes in a DfuSe file: another memory; alt settings are not
   * what decides. */
  add_random (ob, 1, 0x1FFFC000, 16);
  plan_fails (ob, f4, NULL, BOOT0_ERROR_DOES_NOT_FIT, "0x1FFFC000-0x1FFFC00F is outside the flash");
  plan_fails (ob, f4, NULL, BOOT0_ERROR_DOES_NOT_FIT, "option bytes");

  add_random (low, 0, 0x00000000, 0x100);
  plan_fails (low, f4, NULL, BOOT0_ERROR_DOES_NOT_FIT, "link the firmware at 0x08000000");

  /* Between two zones. */
  add_random (gap, 0, 0x0800F000, 0x2000);
  plan_fails (gap, gapped, NULL, BOOT0_ERROR_DOES_NOT_FIT,
              "0x08010000-0x08010FFF is in a gap of the flash layout (no sector from 0x08010000 "
              "to 0x080FFFFF)");
  /* Either side of the gap is fine. */
  g_clear_object (&gap);
  gap = make_image ();
  add_random (gap, 0, 0x0800F000, 0x1000);
  add_random (gap, 0, 0x08100000, 0x1000);
  plan = plan_ok (gap, gapped, NULL);
  g_assert_cmpuint (boot0_plan_get_n_writes (plan), ==, 2);
  /* Starting inside the gap names the gap's own ends. */
  g_clear_object (&gap);
  gap = make_image ();
  add_random (gap, 0, 0x08080000, 0x100);
  plan_fails (gap, gapped, NULL, BOOT0_ERROR_DOES_NOT_FIT,
              "0x08080000-0x080800FF is in a gap of the flash layout (no sector from 0x08010000 "
              "to 0x080FFFFF)");
  g_assert_cmpuint (boot0_plan_get_n_erases (plan), ==, 2);
}

/* Sectors of 16, 64 and 128 KiB: exactly the touched ones are erased. */
static void
test_plan_mixed_sectors_func (void)
{
  g_autoptr (Boot0DfuseLayout) f4 = layout (F4_ROM);
  g_autoptr (Boot0Firmware) hex = make_image ();
  g_autoptr (Boot0Plan) plan = NULL;
  const guint32 sectors[] = { 0x0800C000, 0x08010000, 0x08020000, 0x080E0000 };
  const Boot0PlanSectorFate fates[] = {
    BOOT0_PLAN_SECTOR_UNTOUCHED,       BOOT0_PLAN_SECTOR_UNTOUCHED,
    BOOT0_PLAN_SECTOR_UNTOUCHED,       BOOT0_PLAN_SECTOR_ERASE_AND_WRITE,
    BOOT0_PLAN_SECTOR_ERASE_AND_WRITE, BOOT0_PLAN_SECTOR_ERASE_AND_WRITE,
    BOOT0_PLAN_SECTOR_UNTOUCHED,       BOOT0_PLAN_SECTOR_UNTOUCHED,
    BOOT0_PLAN_SECTOR_UNTOUCHED,       BOOT0_PLAN_SECTOR_UNTOUCHED,
    BOOT0_PLAN_SECTOR_UNTOUCHED,       BOOT0_PLAN_SECTOR_ERASE_AND_WRITE,
  };
  g_autofree char *summary = NULL;

  add_random (hex, 0, 0x0800FFF0, 0x20); /* the end of sector 3, the start of 4 */
  add_random (hex, 0, 0x0801FFFF, 2);    /* the last byte of 4, the first of 5 */
  add_random (hex, 0, 0x0800C000, 0x10); /* sector 3 again */
  add_random (hex, 0, 0x080FFFFF, 1);    /* the last byte of the flash */
  plan = plan_ok (hex, f4, NULL);
  assert_erases (plan, sectors, G_N_ELEMENTS (sectors));
  g_assert_cmpuint (boot0_dfuse_layout_get_n_sectors (f4), ==, G_N_ELEMENTS (fates));
  for (guint i = 0; i < G_N_ELEMENTS (fates); i++)
    g_assert_cmpstr (boot0_plan_sector_fate_to_string (boot0_plan_get_sector_fate (plan, i)), ==,
                     boot0_plan_sector_fate_to_string (fates[i]));
  summary = boot0_plan_get_summary (plan);
  g_assert_cmpstr (summary, ==,
                   "erase 4 sectors (0x0800C000-0x0803FFFF and 0x080E0000-0x080FFFFF, 336 KiB), "
                   "write 51 bytes in 4 ranges from 0x0800C000, verify, run at 0x0800C000");
}

static void
test_plan_erase_all_func (void)
{
  g_autoptr (Boot0DfuseLayout) f4 = layout (F4_ROM);
  g_autoptr (Boot0DfuseLayout) cube = layout (CUBEMX);
  g_autoptr (Boot0Firmware) fw = make_bin (20 * 1024, BOOT0_FIRMWARE_DEFAULT_BASE);
  g_autoptr (Boot0Plan) plan = NULL;
  g_autofree char *summary = NULL;
  Boot0PlanOptions options;

  boot0_plan_options_init (&options);
  options.erase_mode = BOOT0_PLAN_ERASE_ALL;
  plan = plan_ok (fw, f4, &options);
  g_assert_true (boot0_plan_get_mass_erase (plan));
  g_assert_cmpuint (boot0_plan_get_n_erases (plan), ==, 1);
  g_assert_true (boot0_plan_get_erase (plan, 0)->mass_erase);
  g_assert_cmpuint (boot0_plan_get_erase_size (plan), ==, 1024 * 1024);
  g_assert_cmpint (boot0_plan_get_sector_fate (plan, 0), ==, BOOT0_PLAN_SECTOR_ERASE_AND_WRITE);
  g_assert_cmpint (boot0_plan_get_sector_fate (plan, 1), ==, BOOT0_PLAN_SECTOR_ERASE_AND_WRITE);
  g_assert_cmpint (boot0_plan_get_sector_fate (plan, 2), ==, BOOT0_PLAN_SECTOR_ERASE_ONLY);
  g_assert_cmpint (boot0_plan_get_sector_fate (plan, 11), ==, BOOT0_PLAN_SECTOR_ERASE_ONLY);
  summary = boot0_plan_get_summary (plan);
  g_assert_cmpstr (summary, ==,
                   "mass-erase the flash (1 MiB), write 20 KiB at 0x08000000, verify, run at "
                   "0x08000000");

  /* Behind a bootloader: every erasable sector, one by one. */
  g_clear_object (&plan);
  plan = plan_ok (fw, cube, &options);
  g_assert_false (boot0_plan_get_mass_erase (plan));
  g_assert_cmpuint (boot0_plan_get_n_erases (plan), ==, 10);
  g_assert_cmphex (boot0_plan_get_erase (plan, 0)->address, ==, 0x08008000);
  g_assert_cmpuint (boot0_plan_get_erase_size (plan), ==, 1024 * 1024 - 32 * 1024);
  g_assert_cmpint (boot0_plan_get_sector_fate (plan, 0), ==, BOOT0_PLAN_SECTOR_READ_ONLY);
  g_assert_cmpint (boot0_plan_get_sector_fate (plan, 2), ==, BOOT0_PLAN_SECTOR_ERASE_AND_WRITE);
  g_assert_cmpint (boot0_plan_get_sector_fate (plan, 4), ==, BOOT0_PLAN_SECTOR_ERASE_ONLY);
}

/* Plans without an image: the erase command. */
static void
test_plan_erase_only_func (void)
{
  g_autoptr (Boot0DfuseLayout) f4 = layout (F4_ROM);
  g_autoptr (Boot0DfuseLayout) cube = layout (CUBEMX);
  g_autoptr (Boot0Plan) plan = NULL;
  g_autofree char *summary = NULL;
  g_autofree char *summary2 = NULL;
  Boot0PlanOptions options;
  const guint32 sectors[] = { 0x08008000, 0x0800C000, 0x08010000 };

  boot0_plan_options_init (&options);
  plan_fails (NULL, f4, &options, BOOT0_ERROR_INVALID_ARGUMENT, "takes an image");

  options.erase_mode = BOOT0_PLAN_ERASE_ALL;
  plan = plan_ok (NULL, f4, &options);
  g_assert_true (boot0_plan_get_mass_erase (plan));
  g_assert_null (boot0_plan_get_image (plan));
  g_assert_false (boot0_plan_get_verify (plan));
  g_assert_false (boot0_plan_get_run (plan, NULL));
  g_assert_cmpuint (boot0_plan_get_n_writes (plan), ==, 0);
  summary = boot0_plan_get_summary (plan);
  g_assert_cmpstr (summary, ==, "mass-erase the flash (1 MiB)");

  /* A range: the start must begin a sector, the end is rounded up. */
  g_clear_object (&plan);
  options.erase_mode = BOOT0_PLAN_ERASE_RANGE;
  options.erase_address = 0x08008000;
  options.erase_size = 0x10000;
  plan = plan_ok (NULL, cube, &options);
  assert_erases (plan, sectors, G_N_ELEMENTS (sectors));
  summary2 = boot0_plan_get_summary (plan);
  g_assert_cmpstr (summary2, ==, "erase 3 sectors (0x08008000-0x0801FFFF, 96 KiB)");
  g_assert_cmpint (boot0_plan_get_sector_fate (plan, 4), ==, BOOT0_PLAN_SECTOR_ERASE_ONLY);
  g_assert_cmpint (boot0_plan_get_sector_fate (plan, 5), ==, BOOT0_PLAN_SECTOR_UNTOUCHED);

  options.erase_address = 0x08008100;
  plan_fails (NULL, cube, &options, BOOT0_ERROR_INVALID_ARGUMENT,
              "0x08008100 is not at the start of a sector");
  options.erase_address = 0x08000000;
  plan_fails (NULL, cube, &options, BOOT0_ERROR_INVALID_ARGUMENT,
              "is read-only (the bootloader's sectors)");
  options.erase_address = 0x080E0000;
  options.erase_size = 0x40000;
  plan_fails (NULL, cube, &options, BOOT0_ERROR_DOES_NOT_FIT,
              "0x080E0000-0x0811FFFF passes the end of the flash at 0x080FFFFF");
  options.erase_size = 0;
  plan_fails (NULL, cube, &options, BOOT0_ERROR_INVALID_ARGUMENT, "empty");
  options.erase_size = G_MAXUINT64;
  plan_fails (NULL, cube, &options, BOOT0_ERROR_INVALID_ARGUMENT, "32-bit address space");

  /* Run alone, at a given address. */
  g_clear_object (&plan);
  options.erase_mode = BOOT0_PLAN_ERASE_NONE;
  options.has_run_address = TRUE;
  options.run_address = 0x08008000;
  plan = plan_ok (NULL, cube, &options);
  g_assert_cmpuint (boot0_plan_get_n_erases (plan), ==, 0);
  g_assert_true (boot0_plan_get_run (plan, NULL));
}

static void
test_plan_options_func (void)
{
  g_autoptr (Boot0DfuseLayout) f4 = layout (F4_ROM);
  g_autoptr (Boot0Firmware) fw = make_bin (3000, BOOT0_FIRMWARE_DEFAULT_BASE);
  g_autoptr (Boot0Firmware) empty = make_image ();
  g_autoptr (Boot0Plan) plan = NULL;
  g_autofree char *summary = NULL;
  Boot0PlanOptions options;
  guint32 run = 0;

  boot0_plan_options_init (&options);
  g_assert_cmpint (options.erase_mode, ==, BOOT0_PLAN_ERASE_NEEDED);
  g_assert_true (options.verify && options.run && options.blank_check);
  g_assert_false (options.unlock_address || options.has_run_address);

  options.erase_mode = BOOT0_PLAN_ERASE_NONE;
  options.verify = FALSE;
  options.has_run_address = TRUE;
  options.run_address = 0x20000000;
  plan = plan_ok (fw, f4, &options);
  g_assert_cmpuint (boot0_plan_get_n_erases (plan), ==, 0);
  g_assert_cmpuint (boot0_plan_get_n_verifies (plan), ==, 0);
  g_assert_cmpuint (boot0_plan_get_verify_size (plan), ==, 0);
  g_assert_true (boot0_plan_get_run (plan, &run));
  g_assert_cmphex (run, ==, 0x20000000);
  g_assert_cmpint (boot0_plan_get_sector_fate (plan, 0), ==, BOOT0_PLAN_SECTOR_WRITE_ONLY);
  summary = boot0_plan_get_summary (plan);
  g_assert_cmpstr (summary, ==, "no erase, write 2.9 KiB at 0x08000000, run at 0x20000000");

  g_clear_object (&plan);
  options.run = FALSE;
  plan = plan_ok (fw, f4, &options);
  g_assert_false (boot0_plan_get_run (plan, &run));

  plan_fails (empty, f4, NULL, BOOT0_ERROR_INVALID_ARGUMENT, "holds no data");
}

/* Sectors that can be written but not read cannot be verified. */
static void
test_plan_verify_unreadable_func (void)
{
  g_autoptr (Boot0DfuseLayout) l = layout ("@Internal Flash  /0x08000000/08*002Kf");
  g_autoptr (Boot0Firmware) fw = make_bin (3000, BOOT0_FIRMWARE_DEFAULT_BASE);
  g_autoptr (Boot0Plan) plan = NULL;
  Boot0PlanOptions options;

  plan_fails (fw, l, NULL, BOOT0_ERROR_DOES_NOT_FIT,
              "0x08000000-0x08000BB7 cannot be read back to verify it (the sector at 0x08000000 is "
              "erasable, writable); turn verification off");
  boot0_plan_options_init (&options);
  options.verify = FALSE;
  plan = plan_ok (fw, l, &options);
  g_assert_cmpuint (boot0_plan_get_n_erases (plan), ==, 2);
}

/* Verifying alone: nothing erased or written, readable sectors suffice. */
static void
test_plan_verify_only_func (void)
{
  g_autoptr (Boot0DfuseLayout) cube = layout (CUBEMX);
  g_autoptr (Boot0Firmware) fw = make_bin (200 * 1024, BOOT0_FIRMWARE_DEFAULT_BASE);
  g_autoptr (Boot0Firmware) boot = make_image ();
  g_autoptr (Boot0Plan) plan = NULL;
  g_autoptr (Boot0Plan) boot_plan = NULL;
  g_autofree char *summary = NULL;
  g_autoptr (GArray) chunks = NULL;
  Boot0PlanOptions options;

  boot0_plan_options_init (&options);
  options.program = FALSE;
  plan_fails (fw, cube, &options, BOOT0_ERROR_INVALID_ARGUMENT, "erasing without programming");
  options.erase_mode = BOOT0_PLAN_ERASE_NONE;
  options.run = FALSE;
  plan = plan_ok (fw, cube, &options);
  g_assert_false (boot0_plan_get_program (plan));
  g_assert_cmpuint (boot0_plan_get_n_erases (plan), ==, 0);
  g_assert_cmpuint (boot0_plan_get_n_writes (plan), ==, 0);
  g_assert_cmpuint (boot0_plan_get_write_size (plan), ==, 0);
  g_assert_cmpuint (boot0_plan_get_n_verifies (plan), ==, 1);
  g_assert_cmpuint (boot0_plan_get_verify_size (plan), ==, 200 * 1024);
  g_assert_cmphex (boot0_plan_get_verify_range (plan, 0)->address, ==, 0x08008000);
  chunks = boot0_plan_get_chunks (plan, 2048);
  g_assert_cmpuint (chunks->len, ==, 100);
  g_assert_cmpint (boot0_plan_get_sector_fate (plan, 2), ==, BOOT0_PLAN_SECTOR_UNTOUCHED);
  summary = boot0_plan_get_summary (plan);
  g_assert_cmpstr (summary, ==, "verify 200 KiB at 0x08008000");

  /* The bootloader's own sectors can be compared with a file. */
  add_random (boot, 0, 0x08000000, 0x8000);
  boot_plan = plan_ok (boot, cube, &options);
  g_assert_cmpuint (boot0_plan_get_verify_size (boot_plan), ==, 0x8000);
}

/* Every byte exactly once, chunks contiguous and full-size inside a range,
 * never across a range end. */
static void
check_chunks (Boot0Plan *plan, Boot0Firmware *image, gsize chunk_size)
{
  g_autoptr (GArray) chunks = boot0_plan_get_chunks (plan, chunk_size);
  g_autoptr (GHashTable) seen = g_hash_table_new (NULL, NULL);
  guint64 total = 0;
  guint range = 0;

  for (guint i = 0; i < chunks->len; i++)
    {
      const Boot0PlanRange *c = &g_array_index (chunks, Boot0PlanRange, i);
      const Boot0PlanRange *r = boot0_plan_get_write (plan, range);
      g_autofree guint8 *expected = g_malloc (c->len);
      guint64 r_end = (guint64)r->address + r->len;

      if (c->address >= r_end)
        {
          range++;
          g_assert_cmpuint (range, <, boot0_plan_get_n_writes (plan));
          r = boot0_plan_get_write (plan, range);
          r_end = (guint64)r->address + r->len;
          g_assert_cmphex (c->address, ==, r->address);
        }
      else if (i > 0)
        {
          const Boot0PlanRange *prev = &g_array_index (chunks, Boot0PlanRange, i - 1);
          /* Streamable: starts where the previous one ended, which was full. */
          g_assert_cmphex (c->address, ==, prev->address + prev->len);
          g_assert_cmpuint (prev->len, ==, chunk_size);
        }
      g_assert_cmpuint (c->len, >, 0);
      g_assert_cmpuint (c->len, <=, chunk_size);
      g_assert_cmpuint ((guint64)c->address + c->len, <=, r_end);
      g_assert_true (boot0_firmware_read (image, c->address, expected, c->len));
      g_assert_cmpmem (c->data, c->len, expected, c->len);
      for (gsize j = 0; j < c->len; j++)
        {
          gpointer key = GUINT_TO_POINTER (c->address + j);
          g_assert_false (g_hash_table_contains (seen, key));
          g_hash_table_add (seen, key);
        }
      total += c->len;
    }
  g_assert_cmpuint (range, ==, boot0_plan_get_n_writes (plan) - 1);
  g_assert_cmpuint (total, ==, boot0_firmware_get_total_size (image));
  g_assert_cmpuint (g_hash_table_size (seen), ==, total);
}

static void
test_plan_chunks_func (void)
{
  g_autoptr (Boot0DfuseLayout) f4 = layout (F4_ROM);
  g_autoptr (Boot0Firmware) hex = make_image ();
  g_autoptr (Boot0Plan) plan = NULL;

  add_random (hex, 0, 0x08000000, 5000);
  add_random (hex, 0, 0x08002000, 2048); /* exactly one chunk of 2048 */
  add_random (hex, 0, 0x08004001, 7);
  add_random (hex, 0, 0x08010000, 70000);
  /* Adjacent data of another alt setting merges into one range. */
  add_random (hex, 1, 0x08010000 + 70000, 3000);
  plan = plan_ok (hex, f4, NULL);
  g_assert_cmpuint (boot0_plan_get_n_writes (plan), ==, 4);
  g_assert_cmpuint (boot0_plan_get_write (plan, 3)->len, ==, 73000);
  check_chunks (plan, hex, 2048);
  check_chunks (plan, hex, 1024);
  check_chunks (plan, hex, 256);
  check_chunks (plan, hex, 1);
}

/* The caller's image stays as it was; the plan works on a copy. */
/* A device that programs whole words gets whole words: segments widened
 * with 0xFF, and two segments sharing a word joined (the F1 refuses to
 * program a half-word twice, ECC parts a double-word). */
static void
test_plan_write_unit_func (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (Boot0DfuseLayout) flash = layout (F4_ROM);
  g_autoptr (Boot0Firmware) fw = make_image ();
  static const guint8 a[] = { 0xA1, 0xA2 };
  static const guint8 b[] = { 0xB1, 0xB2, 0xB3, 0xB4 };
  static const guint8 c[] = { 0xC1 };
  static const guint8 want[] = { 0xFF, 0xA1, 0xA2, 0xFF, 0xFF, 0xFF,
                                 0xB1, 0xB2, 0xB3, 0xB4, 0xFF, 0xFF };
  Boot0PlanOptions options;

  g_assert_true (boot0_firmware_add_data (fw, 0, 0x08000001, a, sizeof a, &error));
  g_assert_true (boot0_firmware_add_data (fw, 0, 0x08000006, b, sizeof b, &error));
  g_assert_true (boot0_firmware_add_data (fw, 0, 0x08000103, c, sizeof c, &error));
  g_assert_no_error (error);

  boot0_plan_options_init (&options);
  {
    /* Any length: the segments as they are. */
    g_autoptr (Boot0Plan) plan = boot0_plan_new (fw, flash, &options, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (boot0_plan_get_n_writes (plan), ==, 3);
    g_assert_cmpuint (boot0_plan_get_write_size (plan), ==, 7);
  }
  options.write_unit = 4;
  {
    g_autoptr (Boot0Plan) plan = boot0_plan_new (fw, flash, &options, &error);
    const Boot0PlanRange *r;
    g_assert_no_error (error);
    g_assert_cmpuint (boot0_plan_get_n_writes (plan), ==, 2);
    r = boot0_plan_get_write (plan, 0);
    g_assert_cmphex (r->address, ==, 0x08000000);
    g_assert_cmpmem (r->data, r->len, want, sizeof want);
    r = boot0_plan_get_write (plan, 1);
    g_assert_cmphex (r->address, ==, 0x08000100);
    g_assert_cmpuint (r->len, ==, 4);
    g_assert_cmphex (r->data[3], ==, 0xC1);
    g_assert_cmphex (r->data[0], ==, 0xFF);
    /* Verify reads back the widened ranges; the image shown stays as loaded. */
    g_assert_cmpuint (boot0_plan_get_n_verifies (plan), ==, 2);
    g_assert_cmpuint (boot0_firmware_get_n_segments (boot0_plan_get_image (plan)), ==, 3);
    g_assert_cmpuint (boot0_plan_get_write_size (plan), ==, 16);
  }
}

static void
test_plan_image_unchanged_func (void)
{
  g_autoptr (Boot0DfuseLayout) cube = layout (CUBEMX);
  g_autoptr (Boot0Firmware) fw = make_bin (3000, BOOT0_FIRMWARE_DEFAULT_BASE);
  g_autoptr (Boot0Plan) plan = plan_ok (fw, cube, NULL);
  Boot0Firmware *placed = boot0_plan_get_image (plan);
  guint32 start = 0;
  guint64 end = 0;

  g_assert_true (boot0_firmware_get_span (fw, &start, &end));
  g_assert_cmphex (start, ==, 0x08000000);
  g_assert_cmpuint (end, ==, 0x08000000 + 3000);
  g_assert_true (boot0_firmware_get_relocatable (fw));
  g_assert_true (placed != fw);
  g_assert_true (boot0_firmware_get_span (placed, &start, &end));
  g_assert_cmphex (start, ==, 0x08008000);
  g_assert_cmphex (boot0_firmware_get_crc32 (placed), ==, boot0_firmware_get_crc32 (fw));
  g_assert_true (boot0_plan_get_write (plan, 0)->data !=
                 boot0_segment_get_data (boot0_firmware_get_segment (fw, 0)));
}

static void
test_plan_strings_func (void)
{
  Boot0PlanEraseMode mode = BOOT0_PLAN_ERASE_NEEDED;
  g_autofree char *s1 = boot0_plan_format_size (1);
  g_autofree char *s2 = boot0_plan_format_size (1000);
  g_autofree char *s3 = boot0_plan_format_size (16 * 1024);
  g_autofree char *s4 = boot0_plan_format_size (1536);
  g_autofree char *s5 = boot0_plan_format_size (3 * 1024 * 1024);
  g_autofree char *s6 = boot0_plan_format_size (1024 * 1024 + 512 * 1024);
  g_autofree char *s7 = boot0_plan_format_size (1024 * 1024 + 1024);
  g_autofree char *s8 = boot0_plan_format_size (5000);

  g_assert_cmpstr (boot0_plan_erase_mode_to_string (BOOT0_PLAN_ERASE_ALL), ==, "all");
  g_assert_cmpstr (boot0_plan_erase_mode_to_string (BOOT0_PLAN_ERASE_NEEDED), ==, "needed");
  g_assert_true (boot0_plan_erase_mode_from_string ("none", &mode));
  g_assert_cmpint (mode, ==, BOOT0_PLAN_ERASE_NONE);
  g_assert_true (boot0_plan_erase_mode_from_string ("ALL", &mode));
  g_assert_cmpint (mode, ==, BOOT0_PLAN_ERASE_ALL);
  g_assert_false (boot0_plan_erase_mode_from_string ("some", &mode));
  g_assert_false (boot0_plan_erase_mode_from_string (NULL, &mode));
  g_assert_cmpint (mode, ==, BOOT0_PLAN_ERASE_ALL);

  g_assert_cmpstr (boot0_plan_sector_fate_to_string (BOOT0_PLAN_SECTOR_READ_ONLY), ==, "read-only");
  g_assert_cmpstr (boot0_plan_sector_fate_to_string (BOOT0_PLAN_SECTOR_ERASE_ONLY), ==,
                   "erase-only");
  g_assert_cmpstr (boot0_plan_sector_fate_to_string (BOOT0_PLAN_SECTOR_ERASE_AND_WRITE), ==,
                   "erase-and-write");
  g_assert_cmpstr (boot0_plan_sector_fate_to_string (BOOT0_PLAN_SECTOR_WRITE_ONLY), ==,
                   "write-only");
  g_assert_cmpstr (boot0_plan_sector_fate_to_string (BOOT0_PLAN_SECTOR_UNTOUCHED), ==, "untouched");

  g_assert_cmpstr (s1, ==, "1 byte");
  g_assert_cmpstr (s2, ==, "1000 bytes");
  g_assert_cmpstr (s3, ==, "16 KiB");
  g_assert_cmpstr (s4, ==, "1.5 KiB");
  g_assert_cmpstr (s5, ==, "3 MiB");
  g_assert_cmpstr (s6, ==, "1.5 MiB");
  g_assert_cmpstr (s7, ==, "1025 KiB");
  g_assert_cmpstr (s8, ==, "4.9 KiB");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/boot0/plan/bin-f4", test_plan_bin_f4_func);
  g_test_add_func ("/boot0/plan/bin-cubemx", test_plan_bin_cubemx_func);
  g_test_add_func ("/boot0/plan/bin-l4", test_plan_bin_l4_func);
  g_test_add_func ("/boot0/plan/unlock", test_plan_unlock_func);
  g_test_add_func ("/boot0/plan/too-large", test_plan_too_large_func);
  g_test_add_func ("/boot0/plan/read-only", test_plan_read_only_func);
  g_test_add_func ("/boot0/plan/outside", test_plan_outside_func);
  g_test_add_func ("/boot0/plan/mixed-sectors", test_plan_mixed_sectors_func);
  g_test_add_func ("/boot0/plan/erase-all", test_plan_erase_all_func);
  g_test_add_func ("/boot0/plan/erase-only", test_plan_erase_only_func);
  g_test_add_func ("/boot0/plan/options", test_plan_options_func);
  g_test_add_func ("/boot0/plan/verify-unreadable", test_plan_verify_unreadable_func);
  g_test_add_func ("/boot0/plan/verify-only", test_plan_verify_only_func);
  g_test_add_func ("/boot0/plan/chunks", test_plan_chunks_func);
  g_test_add_func ("/boot0/plan/image-unchanged", test_plan_image_unchanged_func);
  g_test_add_func ("/boot0/plan/write-unit", test_plan_write_unit_func);
  g_test_add_func ("/boot0/plan/strings", test_plan_strings_func);
  return g_test_run ();
}
