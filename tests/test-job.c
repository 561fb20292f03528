/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests of the flash job on the fake device: results, erase savings,
 * failures and their messages, cancellation, progress (sync and async). */
#include "config.h"

#include <string.h>

#include "boot0-fake-device.h"
#include "boot0-test-helpers.h"

#define F4_ROM "@Internal Flash  /0x08000000/04*016Kg,01*064Kg,07*128Kg"
#define CUBEMX "@Internal Flash  /0x08000000/02*016Ka,02*016Kg,01*064Kg,07*128Kg"
#define L4_ROM "@Internal Flash  /0x08000000/0256*0002Kg"

static Boot0Firmware *
make_bin (gsize len)
{
  g_autoptr (GError) error = NULL;
  g_autofree guint8 *data = g_malloc (len);
  g_autoptr (GBytes) bytes = NULL;
  Boot0Firmware *fw;

  boot0_test_fill_random (data, len, (guint32)len);
  bytes = g_bytes_new (data, len);
  fw = boot0_firmware_load_bytes (bytes, BOOT0_FIRMWARE_FORMAT_BIN, BOOT0_FIRMWARE_DEFAULT_BASE,
                                  &error);
  g_assert_no_error (error);
  return fw;
}

static Boot0Plan *
make_plan (Boot0Firmware *fw, Boot0FakeDevice *dev, const Boot0PlanOptions *options)
{
  g_autoptr (GError) error = NULL;
  Boot0Plan *plan =
      boot0_plan_new (fw, boot0_device_get_flash (BOOT0_DEVICE (dev)), options, &error);
  g_assert_no_error (error);
  return plan;
}

/* The device's flash holds the plan's image. */
static void
assert_flash_holds (Boot0FakeDevice *dev, Boot0Plan *plan)
{
  for (guint i = 0; i < boot0_plan_get_n_writes (plan); i++)
    {
      const Boot0PlanRange *r = boot0_plan_get_write (plan, i);
      g_assert_cmpmem (boot0_fake_device_get_data (dev, r->address, r->len), r->len, r->data,
                       r->len);
    }
}

static gint64
fake_clock_cb (gpointer user_data)
{
  /* One millisecond per device operation. */
  return (gint64)boot0_fake_device_get_counters (BOOT0_FAKE_DEVICE (user_data))->n_ops * 1000;
}

typedef struct
{
  const char *layout;
  gsize transfer_size;
  gsize image_size;
  guint32 address;
  guint n_sectors; /* touched */
} ProgramCase;

static void
test_job_program_func (gconstpointer data)
{
  const ProgramCase *pc = data;
  g_autoptr (Boot0Firmware) fw = make_bin (pc->image_size);

  /* A used device: every touched sector must be erased. Then a blank one:
   * the blank check saves every erase. Then a blank one without the check. */
  for (guint round = 0; round < 3; round++)
    {
      g_autoptr (Boot0FakeDevice) dev = boot0_fake_device_new (pc->layout, pc->transfer_size);
      const Boot0FakeDeviceCounters *c = boot0_fake_device_get_counters (dev);
      g_autoptr (Boot0Plan) plan = NULL;
      g_autoptr (Boot0Job) job = NULL;
      g_autoptr (GError) error = NULL;
      Boot0DfuseLayout *flash = boot0_device_get_flash (BOOT0_DEVICE (dev));
      guint64 flash_size = boot0_dfuse_layout_get_total_size (flash);
      guint32 start = boot0_dfuse_layout_get_start (flash);
      const Boot0PlanErase *last;
      guint64 erased_end;
      guint n_checked;
      Boot0PlanOptions options;

      boot0_plan_options_init (&options);
      options.blank_check = round != 2;
      plan = make_plan (fw, dev, &options);
      g_assert_cmpuint (boot0_plan_get_n_erases (plan), ==, pc->n_sectors);
      if (round == 0)
        boot0_fake_device_fill (dev, start, flash_size, 0x00);

      job = boot0_job_new (BOOT0_DEVICE (dev), plan);
      g_assert_true (boot0_job_run (job, NULL, &error));
      g_assert_no_error (error);

      /* Only sectors of 8 KiB and more are read before erasing: small
       * pages erase about as fast as they are read. */
      n_checked = 0;
      for (guint i = 0; i < boot0_plan_get_n_erases (plan); i++)
        n_checked += boot0_plan_get_erase (plan, i)->size >= 8 * 1024;
      assert_flash_holds (dev, plan);
      g_assert_cmpuint (c->n_erases, ==, round == 1 ? pc->n_sectors - n_checked : pc->n_sectors);
      g_assert_cmpuint (boot0_job_get_n_sectors_erased (job), ==, c->n_erases);
      g_assert_cmpuint (boot0_job_get_n_sectors_blank (job), ==, round == 1 ? n_checked : 0);
      g_assert_cmpuint (c->n_mass_erases, ==, 0);
      g_assert_cmpuint (c->n_writes, ==,
                        (pc->image_size + pc->transfer_size - 1) / pc->transfer_size);
      g_assert_cmpuint (c->bytes_written, ==, pc->image_size);
      g_assert_cmpuint (boot0_job_get_bytes_written (job), ==, pc->image_size);
      g_assert_cmpuint (boot0_job_get_bytes_verified (job), ==, pc->image_size);
      g_assert_cmpuint (c->n_runs, ==, 1);
      g_assert_cmphex (c->run_address, ==, pc->address);
      g_assert_cmpint (boot0_job_get_stage (job), ==, BOOT0_JOB_STAGE_DONE);
      /* The job opened the device, so it closed it. */
      g_assert_cmpuint (c->n_opens, ==, 1);
      g_assert_cmpuint (c->n_closes, ==, 1);
      g_assert_false (boot0_device_is_open (BOOT0_DEVICE (dev)));

      /* The rest of the touched sectors is erased; what follows is not. */
      last = boot0_plan_get_erase (plan, pc->n_sectors - 1);
      erased_end = last->address + last->size;
      for (guint64 a = pc->address + pc->image_size; a < erased_end; a++)
        g_assert_cmphex (boot0_fake_device_get_data (dev, (guint32)a, 1)[0], ==, 0xFF);
      if (round == 0 && erased_end < start + flash_size)
        g_assert_cmphex (boot0_fake_device_get_data (dev, (guint32)erased_end, 1)[0], ==, 0x00);
      if (round == 0 && pc->address > start)
        g_assert_cmphex (boot0_fake_device_get_data (dev, start, 1)[0], ==, 0x00);
    }
}

/* A CubeMX bootloader's erase wipes the whole application area: the blank
 * check then finds the other sectors blank, so one erase does it. */
static void
test_job_cubemx_wipes_all_func (void)
{
  g_autoptr (Boot0FakeDevice) dev = boot0_fake_device_new (CUBEMX, 2048);
  const Boot0FakeDeviceCounters *c = boot0_fake_device_get_counters (dev);
  g_autoptr (Boot0Firmware) fw = make_bin (300 * 1024);
  g_autoptr (Boot0Plan) plan = make_plan (fw, dev, NULL);
  g_autoptr (Boot0Job) job = boot0_job_new (BOOT0_DEVICE (dev), plan);
  g_autoptr (GError) error = NULL;
  g_autofree char *summary = NULL;

  boot0_fake_device_fill (dev, 0x08000000, 1024 * 1024, 0x00);
  boot0_fake_device_set_erase_wipes_all (dev, TRUE);
  g_assert_cmpuint (boot0_plan_get_n_erases (plan), ==, 5);
  g_assert_true (boot0_job_run (job, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (c->n_erases, ==, 1);
  g_assert_cmpuint (boot0_job_get_n_sectors_blank (job), ==, 4);
  assert_flash_holds (dev, plan);
  /* The bootloader is intact. */
  g_assert_cmphex (boot0_fake_device_get_data (dev, 0x08007FFF, 1)[0], ==, 0x00);
  g_assert_cmphex (c->run_address, ==, 0x08008000);
  summary = boot0_job_get_summary (job);
  g_assert_nonnull (strstr (summary, "Erased 1 sector in "));
  g_assert_nonnull (strstr (summary, "(4 more were already blank)"));
}

static void
test_job_mass_erase_func (void)
{
  g_autoptr (Boot0FakeDevice) dev = boot0_fake_device_new (F4_ROM, 2048);
  const Boot0FakeDeviceCounters *c = boot0_fake_device_get_counters (dev);
  g_autoptr (Boot0Firmware) fw = make_bin (5000);
  g_autoptr (Boot0Plan) plan = NULL;
  g_autoptr (Boot0Plan) erase_plan = NULL;
  g_autoptr (Boot0Job) job = NULL;
  g_autoptr (Boot0Job) erase_job = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *summary = NULL;
  Boot0PlanOptions options;

  boot0_plan_options_init (&options);
  options.erase_mode = BOOT0_PLAN_ERASE_ALL;
  plan = make_plan (fw, dev, &options);
  boot0_fake_device_fill (dev, 0x08000000, 1024 * 1024, 0x00);
  job = boot0_job_new (BOOT0_DEVICE (dev), plan);
  g_assert_true (boot0_job_run (job, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (c->n_mass_erases, ==, 1);
  g_assert_cmpuint (c->n_erases, ==, 0);
  assert_flash_holds (dev, plan);
  g_assert_cmphex (boot0_fake_device_get_data (dev, 0x080FFFFF, 1)[0], ==, 0xFF);

  /* The erase command: no image, nothing written, not started. */
  boot0_fake_device_reset_counters (dev);
  boot0_fake_device_fill (dev, 0x08000000, 1024 * 1024, 0x00);
  erase_plan = make_plan (NULL, dev, &options);
  erase_job = boot0_job_new (BOOT0_DEVICE (dev), erase_plan);
  g_assert_true (boot0_job_run (erase_job, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (c->n_mass_erases, ==, 1);
  g_assert_cmpuint (c->n_writes + c->n_reads + c->n_runs, ==, 0);
  g_assert_cmphex (boot0_fake_device_get_data (dev, 0x08000000, 1)[0], ==, 0xFF);
  summary = boot0_job_get_summary (erase_job);
  g_assert_true (g_str_has_prefix (summary, "Mass-erased the flash in "));
}

static void
test_job_verify_flip_func (void)
{
  g_autoptr (Boot0FakeDevice) dev = boot0_fake_device_new (F4_ROM, 2048);
  const Boot0FakeDeviceCounters *c = boot0_fake_device_get_counters (dev);
  g_autoptr (Boot0Firmware) fw = make_bin (20000);
  g_autoptr (Boot0Plan) plan = make_plan (fw, dev, NULL);
  g_autoptr (Boot0Job) job = boot0_job_new (BOOT0_DEVICE (dev), plan);
  g_autoptr (GError) error = NULL;
  guint8 expected = boot0_plan_get_write (plan, 0)->data[0x1234];
  g_autofree char *bytes =
      g_strdup_printf ("(expected 0x%02X, read 0x%02X;", expected, (guint8)(expected ^ 0x10));

  boot0_fake_device_flip_bits (dev, 0x08001234, 0x10);
  g_assert_false (boot0_job_run (job, NULL, &error));
  boot0_test_assert_error (error, BOOT0_ERROR_VERIFY_FAILED, "data differs at 0x08001234");
  boot0_test_assert_error (error, BOOT0_ERROR_VERIFY_FAILED, bytes);
  boot0_test_assert_error (error, BOOT0_ERROR_VERIFY_FAILED,
                           "1 of the 2048 bytes at 0x08001000 differ): the flash holds wrong "
                           "data; program again");
  g_assert_cmpint (boot0_job_get_stage (job), ==, BOOT0_JOB_STAGE_VERIFY);
  g_assert_cmpuint (c->n_runs, ==, 0);
  g_assert_cmpuint (c->n_closes, ==, 1);
}

static void
test_job_write_failure_func (void)
{
  g_autoptr (Boot0FakeDevice) dev = boot0_fake_device_new (F4_ROM, 2048);
  const Boot0FakeDeviceCounters *c = boot0_fake_device_get_counters (dev);
  g_autoptr (Boot0Firmware) fw = make_bin (200 * 1024);
  g_autoptr (Boot0Plan) plan = make_plan (fw, dev, NULL);
  g_autoptr (Boot0Job) job = boot0_job_new (BOOT0_DEVICE (dev), plan);
  g_autoptr (GError) error = NULL;

  boot0_fake_device_fill (dev, 0x08000000, 1024 * 1024, 0x00);
  boot0_fake_device_fail_write (dev, 3, BOOT0_ERROR_DEVICE_ERROR);
  g_assert_false (boot0_job_run (job, NULL, &error));
  boot0_test_assert_error (error, BOOT0_ERROR_DEVICE_ERROR,
                           "Programming failed at 0x08001000: fake: write 3 failed. The flash is "
                           "partly written (6 sectors erased, 4 KiB of 200 KiB written); the "
                           "board will not start the old firmware. Program again (the device "
                           "stays in the bootloader); if it keeps failing, try another USB cable "
                           "or port.");
  g_assert_cmpint (boot0_job_get_stage (job), ==, BOOT0_JOB_STAGE_PROGRAM);
  g_assert_cmpuint (c->n_writes, ==, 3);
  g_assert_cmpuint (c->n_runs, ==, 0);
  g_assert_cmpuint (c->n_closes, ==, 1);
}

static void
test_job_erase_failure_func (void)
{
  g_autoptr (Boot0FakeDevice) dev = boot0_fake_device_new (F4_ROM, 2048);
  g_autoptr (Boot0FakeDevice) uart = boot0_fake_device_new (F4_ROM, 256);
  g_autoptr (Boot0Firmware) fw = make_bin (200 * 1024);
  g_autoptr (Boot0Plan) plan = make_plan (fw, dev, NULL);
  g_autoptr (Boot0Job) job = boot0_job_new (BOOT0_DEVICE (dev), plan);
  g_autoptr (Boot0Job) uart_job = boot0_job_new (BOOT0_DEVICE (uart), plan);
  g_autoptr (GError) error = NULL;
  g_autoptr (GError) uart_error = NULL;

  boot0_fake_device_fill (dev, 0x08000000, 1024 * 1024, 0x00);
  boot0_fake_device_fail_erase (dev, 2, BOOT0_ERROR_TIMED_OUT);
  g_assert_false (boot0_job_run (job, NULL, &error));
  boot0_test_assert_error (error, BOOT0_ERROR_TIMED_OUT,
                           "Erasing the sector at 0x08004000 failed: fake: erase 2 failed. The "
                           "flash is partly erased (1 of 6 sectors); the old firmware is damaged. "
                           "Program again");
  g_assert_cmpint (boot0_job_get_stage (job), ==, BOOT0_JOB_STAGE_ERASE);
  g_assert_cmpuint (boot0_fake_device_get_counters (dev)->n_writes, ==, 0);

  /* A failure at the first erase leaves the flash as it was, but that
   * sector may be half erased; a serial link gets serial advice. */
  boot0_device_set_kind (BOOT0_DEVICE (uart), BOOT0_DEVICE_KIND_UART);
  boot0_fake_device_fill (uart, 0x08000000, 1024 * 1024, 0x00);
  boot0_fake_device_fail_erase (uart, 1, BOOT0_ERROR_DEVICE_ERROR);
  g_assert_false (boot0_job_run (uart_job, NULL, &uart_error));
  boot0_test_assert_error (uart_error, BOOT0_ERROR_DEVICE_ERROR,
                           "The flash is partly erased (0 of 6 sectors)");
  boot0_test_assert_error (uart_error, BOOT0_ERROR_DEVICE_ERROR, "check the serial connection");
}

static void
test_job_device_gone_func (void)
{
  g_autoptr (Boot0FakeDevice) dev = boot0_fake_device_new (F4_ROM, 2048);
  const Boot0FakeDeviceCounters *c = boot0_fake_device_get_counters (dev);
  g_autoptr (Boot0Firmware) fw = make_bin (200 * 1024);
  g_autoptr (Boot0Plan) plan = make_plan (fw, dev, NULL);
  g_autoptr (Boot0Job) job = boot0_job_new (BOOT0_DEVICE (dev), plan);
  g_autoptr (GError) error = NULL;

  boot0_fake_device_vanish_at (dev, 10000);
  g_assert_false (boot0_job_run (job, NULL, &error));
  boot0_test_assert_error (error, BOOT0_ERROR_DEVICE_GONE,
                           "The device disconnected during programming (fake: no such device). "
                           "The flash is partly written (6 sectors erased, 8 KiB of 200 KiB "
                           "written)");
  boot0_test_assert_error (error, BOOT0_ERROR_DEVICE_GONE,
                           "Reconnect it in bootloader mode and program again.");
  g_assert_cmpuint (c->bytes_written, ==, 8192);
}

static void
test_job_cancel_func (void)
{
  g_autoptr (Boot0FakeDevice) dev = boot0_fake_device_new (F4_ROM, 2048);
  const Boot0FakeDeviceCounters *c = boot0_fake_device_get_counters (dev);
  g_autoptr (Boot0Firmware) fw = make_bin (200 * 1024);
  g_autoptr (Boot0Plan) plan = make_plan (fw, dev, NULL);
  g_autoptr (Boot0Job) job = boot0_job_new (BOOT0_DEVICE (dev), plan);
  g_autoptr (Boot0Job) job2 = boot0_job_new (BOOT0_DEVICE (dev), plan);
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GCancellable) cancelled = g_cancellable_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (GError) error2 = NULL;

  boot0_fake_device_cancel_after_writes (dev, cancellable, 5);
  g_assert_false (boot0_job_run (job, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpstr (error->message, ==,
                   "Cancelled during programming: the flash is partly written (6 sectors erased, "
                   "10 KiB of 200 KiB written); the board will not start the old firmware. "
                   "Program again to finish.");
  /* Stopped at once: no transfer after the cancel. */
  g_assert_cmpuint (c->n_writes, ==, 5);
  g_assert_cmpuint (c->n_runs, ==, 0);
  g_assert_cmpuint (c->n_closes, ==, 1);

  /* Cancelled before it starts: the device is not touched at all. */
  boot0_fake_device_reset_counters (dev);
  g_cancellable_cancel (cancelled);
  g_assert_false (boot0_job_run (job2, cancelled, &error2));
  g_assert_error (error2, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpstr (error2->message, ==,
                   "Cancelled while opening the device: the flash was not changed.");
  g_assert_cmpuint (c->n_ops, ==, 0);
}

static void
test_job_other_failures_func (void)
{
  g_autoptr (Boot0Firmware) fw = make_bin (10000);
  Boot0PlanOptions options;

  boot0_plan_options_init (&options);
  options.blank_check = FALSE;

  /* Reading back. */
  {
    g_autoptr (Boot0FakeDevice) dev = boot0_fake_device_new (F4_ROM, 2048);
    g_autoptr (Boot0Plan) plan = make_plan (fw, dev, &options);
    g_autoptr (Boot0Job) job = boot0_job_new (BOOT0_DEVICE (dev), plan);
    g_autoptr (GError) error = NULL;

    boot0_fake_device_fail_read (dev, 2, BOOT0_ERROR_IO);
    g_assert_false (boot0_job_run (job, NULL, &error));
    boot0_test_assert_error (error, BOOT0_ERROR_IO,
                             "Reading back 0x08000800 to verify it failed: fake: read 2 failed. "
                             "The firmware is written but not verified. Verify or program again");
  }
  /* Starting it. */
  {
    g_autoptr (Boot0FakeDevice) dev = boot0_fake_device_new (F4_ROM, 2048);
    g_autoptr (Boot0Plan) plan = make_plan (fw, dev, &options);
    g_autoptr (Boot0Job) job = boot0_job_new (BOOT0_DEVICE (dev), plan);
    g_autoptr (GError) error = NULL;

    boot0_fake_device_fail_run (dev, BOOT0_ERROR_PROTOCOL);
    g_assert_false (boot0_job_run (job, NULL, &error));
    boot0_test_assert_error (error, BOOT0_ERROR_PROTOCOL,
                             "Starting the firmware at 0x08000000 failed: fake: run failed. The "
                             "firmware is in place (written and verified). Reset the board with "
                             "BOOT0 low to start it.");
    g_assert_cmpuint (boot0_fake_device_get_counters (dev)->bytes_written, ==, 10000);
  }
  /* Opening it. */
  {
    g_autoptr (Boot0FakeDevice) dev = boot0_fake_device_new (F4_ROM, 2048);
    g_autoptr (Boot0Plan) plan = make_plan (fw, dev, &options);
    g_autoptr (Boot0Job) job = boot0_job_new (BOOT0_DEVICE (dev), plan);
    g_autoptr (GError) error = NULL;

    boot0_fake_device_fail_open (dev, BOOT0_ERROR_ACCESS_DENIED);
    g_assert_false (boot0_job_run (job, NULL, &error));
    g_assert_error (error, BOOT0_ERROR, BOOT0_ERROR_ACCESS_DENIED);
    g_assert_cmpstr (error->message, ==,
                     "Could not open the device: fake: cannot open. The flash was not changed.");
    g_assert_cmpuint (boot0_fake_device_get_counters (dev)->n_closes, ==, 0);
  }
  /* A plan made for another layout. */
  {
    g_autoptr (Boot0FakeDevice) dev = boot0_fake_device_new (F4_ROM, 2048);
    g_autoptr (Boot0FakeDevice) other = boot0_fake_device_new (CUBEMX, 2048);
    g_autoptr (Boot0Plan) plan = make_plan (fw, dev, &options);
    g_autoptr (Boot0Job) job = boot0_job_new (BOOT0_DEVICE (other), plan);
    g_autoptr (GError) error = NULL;

    g_assert_false (boot0_job_run (job, NULL, &error));
    boot0_test_assert_error (error, BOOT0_ERROR_INVALID_ARGUMENT,
                             "The plan was made for the flash layout");
    g_assert_cmpuint (boot0_fake_device_get_counters (other)->n_writes, ==, 0);
    g_assert_cmpuint (boot0_fake_device_get_counters (other)->n_closes, ==, 1);
  }
}

/* The verify command: compares, changes nothing. */
static void
test_job_verify_only_func (void)
{
  g_autoptr (Boot0FakeDevice) dev = boot0_fake_device_new (F4_ROM, 2048);
  const Boot0FakeDeviceCounters *c = boot0_fake_device_get_counters (dev);
  g_autoptr (Boot0Firmware) fw = make_bin (20000);
  g_autoptr (Boot0Plan) plan = NULL;
  g_autoptr (Boot0Job) job = NULL;
  g_autoptr (Boot0Job) job2 = NULL;
  g_autoptr (GError) error = NULL;
  Boot0PlanOptions options;
  const Boot0PlanRange *r;

  boot0_plan_options_init (&options);
  options.program = FALSE;
  options.erase_mode = BOOT0_PLAN_ERASE_NONE;
  options.run = FALSE;
  plan = make_plan (fw, dev, &options);
  r = boot0_plan_get_verify_range (plan, 0);
  memcpy (boot0_fake_device_get_data (dev, r->address, r->len), r->data, r->len);

  job = boot0_job_new (BOOT0_DEVICE (dev), plan);
  g_assert_true (boot0_job_run (job, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (c->n_reads, ==, 10);
  g_assert_cmpuint (c->n_writes + c->n_erases + c->n_mass_erases + c->n_runs, ==, 0);
  g_assert_cmpuint (boot0_job_get_bytes_verified (job), ==, 20000);

  boot0_fake_device_get_data (dev, 0x08004E1F, 1)[0] ^= 0x01;
  job2 = boot0_job_new (BOOT0_DEVICE (dev), plan);
  g_assert_false (boot0_job_run (job2, NULL, &error));
  boot0_test_assert_error (error, BOOT0_ERROR_VERIFY_FAILED, "data differs at 0x08004E1F");
  boot0_test_assert_error (error, BOOT0_ERROR_VERIFY_FAILED, "the flash does not hold this image.");
}

/* A device the caller opened stays open. */
static void
test_job_already_open_func (void)
{
  g_autoptr (Boot0FakeDevice) dev = boot0_fake_device_new (L4_ROM, 1024);
  g_autoptr (Boot0Firmware) fw = make_bin (3000);
  g_autoptr (Boot0Plan) plan = make_plan (fw, dev, NULL);
  g_autoptr (Boot0Job) job = boot0_job_new (BOOT0_DEVICE (dev), plan);
  g_autoptr (GError) error = NULL;

  g_assert_true (boot0_device_open (BOOT0_DEVICE (dev), &error));
  g_assert_true (boot0_job_run (job, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (boot0_device_is_open (BOOT0_DEVICE (dev)));
  g_assert_cmpuint (boot0_fake_device_get_counters (dev)->n_closes, ==, 0);
}

typedef struct
{
  GArray *updates; /* Boot0JobProgress */
  GThread *thread;
  gboolean finished;
  gboolean late;
} ProgressLog;

static void
progress_cb (Boot0Job *job, const Boot0JobProgress *progress, gpointer user_data)
{
  ProgressLog *log = user_data;
  g_assert_true (g_thread_self () == log->thread);
  if (log->finished)
    log->late = TRUE;
  g_array_append_val (log->updates, *progress);
}

/* Stages in order, bytes never going back, the last update complete. */
static void
check_progress (GArray *updates, Boot0Plan *plan)
{
  const Boot0JobProgress *last;
  guint64 total = boot0_plan_get_erase_size (plan) + boot0_plan_get_write_size (plan) +
                  boot0_plan_get_verify_size (plan);
  gboolean seen[BOOT0_JOB_N_STAGES] = { FALSE };

  g_assert_cmpuint (updates->len, >, 0);
  for (guint i = 0; i < updates->len; i++)
    {
      const Boot0JobProgress *p = &g_array_index (updates, Boot0JobProgress, i);
      g_assert_cmpuint (p->total, ==, total);
      g_assert_cmpuint (p->stage_done, <=, p->stage_total);
      g_assert_cmpuint (p->done, <=, p->total);
      seen[p->stage] = TRUE;
      if (i > 0)
        {
          const Boot0JobProgress *prev = &g_array_index (updates, Boot0JobProgress, i - 1);
          g_assert_cmpint (p->stage, >=, prev->stage);
          g_assert_cmpuint (p->done, >=, prev->done);
          g_assert_cmpint (p->elapsed, >=, prev->elapsed);
          if (p->stage == prev->stage)
            g_assert_cmpuint (p->stage_done, >=, prev->stage_done);
        }
    }
  for (guint s = 0; s < BOOT0_JOB_N_STAGES; s++)
    g_assert_true (seen[s]);
  last = &g_array_index (updates, Boot0JobProgress, updates->len - 1);
  g_assert_cmpint (last->stage, ==, BOOT0_JOB_STAGE_DONE);
  g_assert_cmpuint (last->done, ==, total);
}

/* A fake clock (1 ms per device operation) makes the bound and the rate
 * exact. */
static void
test_job_progress_func (void)
{
  g_autoptr (Boot0FakeDevice) dev = boot0_fake_device_new (F4_ROM, 2048);
  g_autoptr (Boot0Firmware) fw = make_bin (1024 * 1024);
  g_autoptr (Boot0Plan) plan = make_plan (fw, dev, NULL);
  g_autoptr (Boot0Job) job = boot0_job_new (BOOT0_DEVICE (dev), plan);
  g_autoptr (GArray) updates = g_array_new (FALSE, FALSE, sizeof (Boot0JobProgress));
  g_autoptr (GError) error = NULL;
  g_autofree char *summary = NULL;
  ProgressLog log = { updates, g_thread_self (), FALSE, FALSE };
  guint n_program = 0;
  gboolean rate_checked = FALSE;
  Boot0JobProgress now;

  boot0_job_set_clock_func (job, fake_clock_cb, dev);
  boot0_job_set_progress_func (job, progress_cb, &log, NULL);
  g_assert_true (boot0_job_run (job, NULL, &error));
  g_assert_no_error (error);
  check_progress (updates, plan);

  /* 512 writes take 512 ms: about 5 timed updates plus the stage's first
   * and last; 1.5 s of blank check, writes and reads in all. */
  for (guint i = 0; i < updates->len; i++)
    {
      const Boot0JobProgress *p = &g_array_index (updates, Boot0JobProgress, i);
      if (p->stage != BOOT0_JOB_STAGE_PROGRAM)
        continue;
      n_program++;
      if (p->stage_done > 0 && p->stage_done < p->stage_total && p->elapsed > 0 && p->rate > 0)
        {
          /* 2048 bytes a millisecond, and the ETA from it. */
          g_assert_cmpfloat_with_epsilon (p->rate, 2048000.0, 1.0);
          g_assert_cmpint (p->eta, ==,
                           (gint64)((p->stage_total - p->stage_done + 2047999) / 2048000));
          rate_checked = TRUE;
        }
    }
  g_assert_true (rate_checked);
  g_assert_cmpuint (n_program, >=, 5);
  g_assert_cmpuint (n_program, <=, 8);
  g_assert_cmpuint (updates->len, <=, 40);

  /* Timings from the same clock: 512 writes, 512 reads. */
  g_assert_cmpint (boot0_job_get_stage_time (job, BOOT0_JOB_STAGE_PROGRAM), ==, 512000);
  g_assert_cmpint (boot0_job_get_stage_time (job, BOOT0_JOB_STAGE_VERIFY), ==, 512000);
  g_assert_cmpint (boot0_job_get_elapsed (job), >=, 3 * 512000);
  boot0_job_get_progress (job, &now);
  g_assert_cmpint (now.stage, ==, BOOT0_JOB_STAGE_DONE);
  summary = boot0_job_get_summary (job);
  g_assert_cmpstr (summary, ==,
                   "Found the 12 sectors to erase already blank (0.5 s), wrote 1 MiB in 0.5 s "
                   "(2000 KiB/s), verified 1 MiB in 0.5 s, started the firmware at 0x08000000; "
                   "1.5 s in all");
}

/* On the real clock, a fast job still gets few updates. */
static void
test_job_progress_bound_func (void)
{
  g_autoptr (Boot0FakeDevice) dev = boot0_fake_device_new (F4_ROM, 2048);
  g_autoptr (Boot0Firmware) fw = make_bin (1024 * 1024);
  g_autoptr (Boot0Plan) plan = make_plan (fw, dev, NULL);
  g_autoptr (Boot0Job) job = boot0_job_new (BOOT0_DEVICE (dev), plan);
  g_autoptr (GArray) updates = g_array_new (FALSE, FALSE, sizeof (Boot0JobProgress));
  g_autoptr (GError) error = NULL;
  ProgressLog log = { updates, g_thread_self (), FALSE, FALSE };
  guint n_program = 0;

  boot0_fake_device_fill (dev, 0x08000000, 1024 * 1024, 0x00);
  boot0_job_set_progress_func (job, progress_cb, &log, NULL);
  g_assert_true (boot0_job_run (job, NULL, &error));
  g_assert_no_error (error);
  check_progress (updates, plan);
  for (guint i = 0; i < updates->len; i++)
    n_program += g_array_index (updates, Boot0JobProgress, i).stage == BOOT0_JOB_STAGE_PROGRAM;
  /* 512 chunks; a sanitized build moves them in well under 10 s. */
  g_assert_cmpuint (n_program, <, 100);
}

typedef struct
{
  GMainLoop *loop;
  ProgressLog log;
  gboolean ok;
  GError *error;
} AsyncData;

static void
progress_signal_cb (Boot0Job *job, const Boot0JobProgress *progress, gpointer user_data)
{
  AsyncData *ad = user_data;
  progress_cb (job, progress, &ad->log);
}

static void
run_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  AsyncData *ad = user_data;
  g_assert_true (g_thread_self () == ad->log.thread);
  ad->ok = boot0_job_run_finish (BOOT0_JOB (source), result, &ad->error);
  ad->log.finished = TRUE;
  g_main_loop_quit (ad->loop);
}

static gboolean
timeout_cb (gpointer user_data)
{
  g_error ("the job did not finish");
  return G_SOURCE_REMOVE;
}

/* Progress and result arrive on the caller's main context, progress first. */
static void
test_job_async_func (void)
{
  g_autoptr (Boot0FakeDevice) dev = boot0_fake_device_new (F4_ROM, 2048);
  g_autoptr (Boot0Firmware) fw = make_bin (1024 * 1024);
  g_autoptr (Boot0Plan) plan = make_plan (fw, dev, NULL);
  g_autoptr (Boot0Job) job = boot0_job_new (BOOT0_DEVICE (dev), plan);
  g_autoptr (Boot0Job) job2 = boot0_job_new (BOOT0_DEVICE (dev), plan);
  g_autoptr (GMainContext) context = g_main_context_new ();
  g_autoptr (GMainLoop) loop = NULL;
  g_autoptr (GArray) updates = g_array_new (FALSE, FALSE, sizeof (Boot0JobProgress));
  g_autoptr (GArray) updates2 = g_array_new (FALSE, FALSE, sizeof (Boot0JobProgress));
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GSource) timeout = g_timeout_source_new_seconds (60);
  AsyncData ad = { NULL, { updates, g_thread_self (), FALSE, FALSE }, FALSE, NULL };
  AsyncData ad2 = { NULL, { updates2, g_thread_self (), FALSE, FALSE }, FALSE, NULL };

  /* A context of our own, to be sure the job uses the thread default. */
  g_main_context_push_thread_default (context);
  loop = g_main_loop_new (context, FALSE);
  ad.loop = ad2.loop = loop;
  g_source_set_callback (timeout, timeout_cb, NULL, NULL);
  g_source_attach (timeout, context);

  boot0_fake_device_fill (dev, 0x08000000, 1024 * 1024, 0x00);
  g_signal_connect (job, "progress", G_CALLBACK (progress_signal_cb), &ad);
  boot0_job_run_async (job, NULL, run_done_cb, &ad);
  g_main_loop_run (loop);
  g_assert_no_error (ad.error);
  g_assert_true (ad.ok);
  g_assert_false (ad.log.late);
  check_progress (updates, plan);
  assert_flash_holds (dev, plan);
  /* Drain what may still be queued: nothing comes after the result. */
  while (g_main_context_iteration (context, FALSE))
    ;
  g_assert_false (ad.log.late);

  /* A failure comes back through finish, with its message. */
  boot0_fake_device_reset_counters (dev);
  boot0_fake_device_fill (dev, 0x08000000, 1024 * 1024, 0x00);
  boot0_fake_device_cancel_after_writes (dev, cancellable, 100);
  g_signal_connect (job2, "progress", G_CALLBACK (progress_signal_cb), &ad2);
  boot0_job_run_async (job2, cancellable, run_done_cb, &ad2);
  g_main_loop_run (loop);
  g_assert_false (ad2.ok);
  g_assert_error (ad2.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_true (g_str_has_prefix (ad2.error->message, "Cancelled during programming"));
  g_assert_cmpuint (boot0_fake_device_get_counters (dev)->n_writes, ==, 100);
  g_assert_cmpint (g_array_index (updates2, Boot0JobProgress, updates2->len - 1).stage, ==,
                   BOOT0_JOB_STAGE_PROGRAM);
  g_clear_error (&ad2.error);

  g_source_destroy (timeout);
  g_main_context_pop_thread_default (context);
}

static void
test_job_strings_func (void)
{
  g_assert_cmpstr (boot0_job_stage_to_string (BOOT0_JOB_STAGE_OPEN), ==, "open");
  g_assert_cmpstr (boot0_job_stage_to_string (BOOT0_JOB_STAGE_ERASE), ==, "erase");
  g_assert_cmpstr (boot0_job_stage_to_string (BOOT0_JOB_STAGE_PROGRAM), ==, "program");
  g_assert_cmpstr (boot0_job_stage_to_string (BOOT0_JOB_STAGE_VERIFY), ==, "verify");
  g_assert_cmpstr (boot0_job_stage_to_string (BOOT0_JOB_STAGE_RUN), ==, "run");
  g_assert_cmpstr (boot0_job_stage_to_string (BOOT0_JOB_STAGE_DONE), ==, "done");
  g_assert_cmpstr (boot0_job_stage_to_description (BOOT0_JOB_STAGE_PROGRAM), ==, "Programming");
}

static const ProgramCase f4_case = { F4_ROM, 2048, 200 * 1024, 0x08000000, 6 };
static const ProgramCase cubemx_case = { CUBEMX, 2048, 100 * 1024 + 3, 0x08008000, 4 };
static const ProgramCase l4_case = { L4_ROM, 1024, 10 * 1024 + 5, 0x08000000, 6 };

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_data_func ("/boot0/job/program/f4", &f4_case, test_job_program_func);
  g_test_add_data_func ("/boot0/job/program/cubemx", &cubemx_case, test_job_program_func);
  g_test_add_data_func ("/boot0/job/program/l4", &l4_case, test_job_program_func);
  g_test_add_func ("/boot0/job/cubemx-wipes-all", test_job_cubemx_wipes_all_func);
  g_test_add_func ("/boot0/job/mass-erase", test_job_mass_erase_func);
  g_test_add_func ("/boot0/job/verify-flip", test_job_verify_flip_func);
  g_test_add_func ("/boot0/job/write-failure", test_job_write_failure_func);
  g_test_add_func ("/boot0/job/erase-failure", test_job_erase_failure_func);
  g_test_add_func ("/boot0/job/device-gone", test_job_device_gone_func);
  g_test_add_func ("/boot0/job/cancel", test_job_cancel_func);
  g_test_add_func ("/boot0/job/other-failures", test_job_other_failures_func);
  g_test_add_func ("/boot0/job/verify-only", test_job_verify_only_func);
  g_test_add_func ("/boot0/job/already-open", test_job_already_open_func);
  g_test_add_func ("/boot0/job/progress", test_job_progress_func);
  g_test_add_func ("/boot0/job/progress-bound", test_job_progress_bound_func);
  g_test_add_func ("/boot0/job/async", test_job_async_func);
  g_test_add_func ("/boot0/job/strings", test_job_strings_func);
  return g_test_run ();
}
