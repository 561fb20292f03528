/* SPDX-License-Identifier: GPL-3.0-or-later */
/* boot0-cli flash, verify, erase, read and run: jobs on a device, with
 * progress on a terminal and Ctrl-C as a clean cancel. */
#include "config.h"

#include <glib-unix.h>
#include <glib/gi18n.h>
#include <stdio.h>
#include <unistd.h>

#include "boot0-cli.h"

/* Options shared by the commands of this file. */
typedef struct
{
  Boot0CliDeviceOptions device;
  char *address;
  gboolean unlock;
  gboolean no_verify;
  gboolean no_run;
  char *erase;
  gboolean no_blank_check;
  char *run_address;
  char *size;
  gboolean all;
  gboolean unprotect;
  char *format;
} CliOptions;

static void
cli_options_clear (CliOptions *o)
{
  boot0_cli_device_options_clear (&o->device);
  g_free (o->address);
  g_free (o->erase);
  g_free (o->run_address);
  g_free (o->size);
  g_free (o->format);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (CliOptions, cli_options_clear)

/* Terminal progress: one line redrawn in place on a terminal, one line per
 * stage otherwise, nothing with --json. */
typedef struct
{
  gboolean tty;
  gboolean quiet;
  int last_stage;
  gint64 last_draw;
} ProgressPrinter;

static char *
human_size (guint64 n)
{
  if (n >= 1024 * 1024)
    return g_strdup_printf ("%.1f MiB", n / (1024.0 * 1024.0));
  if (n >= 1024)
    return g_strdup_printf ("%.1f KiB", n / 1024.0);
  return g_strdup_printf ("%" G_GUINT64_FORMAT " B", n);
}

static void
progress_print (ProgressPrinter *p, const char *stage_name, int stage, guint64 done, guint64 total,
                gdouble rate, gint64 eta)
{
  if (p->quiet)
    return;
  if (stage != p->last_stage)
    {
      if (p->tty && p->last_stage >= 0)
        fputc ('\n', stderr);
      if (!p->tty)
        fprintf (stderr, "%s…\n", stage_name);
      p->last_stage = stage;
    }
  if (p->tty)
    {
      g_autofree char *d = human_size (done);
      g_autofree char *t = human_size (total);
      g_autofree char *r = rate > 0 ? human_size ((guint64)rate) : g_strdup ("");
      int pct = total > 0 ? (int)(done * 100 / total) : 100;
      char bar[21];
      for (int i = 0; i < 20; i++)
        bar[i] = i < pct / 5 ? '#' : '.';
      bar[20] = '\0';
      fprintf (stderr, "\r%-14s [%s] %3d%%  %s / %s", stage_name, bar, pct, d, t);
      if (rate > 0)
        fprintf (stderr, "  %s/s", r);
      if (eta >= 0)
        fprintf (stderr, "  ETA %" G_GINT64_FORMAT ":%02" G_GINT64_FORMAT, eta / 60, eta % 60);
      fputs ("\033[K", stderr);
      fflush (stderr);
    }
}

static void
progress_finish (ProgressPrinter *p)
{
  if (!p->quiet && p->tty && p->last_stage >= 0)
    fputc ('\n', stderr);
  p->last_stage = -1;
}

typedef struct
{
  GMainLoop *loop;
  GCancellable *cancellable;
  gboolean ok;
  GError *error;
  ProgressPrinter printer;
} RunData;

static void
job_progress_cb (Boot0Job *job, const Boot0JobProgress *progress, gpointer user_data)
{
  RunData *rd = user_data;
  if (progress->stage == BOOT0_JOB_STAGE_OPEN || progress->stage == BOOT0_JOB_STAGE_DONE)
    return;
  progress_print (&rd->printer, boot0_job_stage_to_description (progress->stage),
                  (int)progress->stage, progress->stage_done, progress->stage_total, progress->rate,
                  progress->eta);
}

static void
job_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  RunData *rd = user_data;
  rd->ok = boot0_job_run_finish (BOOT0_JOB (source), result, &rd->error);
  g_main_loop_quit (rd->loop);
}

static gboolean
sigint_cb (gpointer user_data)
{
  RunData *rd = user_data;
  g_cancellable_cancel (rd->cancellable);
  return G_SOURCE_CONTINUE;
}

static int
exit_code_for (const GError *error)
{
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return BOOT0_CLI_EXIT_INTERRUPTED;
  return -1;
}

static int
report_error (const GError *error, gboolean json)
{
  int code = exit_code_for (error);

  if (json)
    {
      g_autoptr (GString) out = g_string_new ("{\"result\": \"error\", \"code\": ");
      boot0_cli_json_string (
          out, error->domain == BOOT0_ERROR ? boot0_error_to_string ((Boot0Error)error->code)
               : g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ? "cancelled"
                                                                           : "other");
      g_string_append (out, ", \"message\": ");
      boot0_cli_json_string (out, error->message);
      g_string_append (out, "}\n");
      g_print ("%s", out->str);
    }
  if (code >= 0)
    {
      g_printerr ("boot0-cli: %s\n", error->message);
      return code;
    }
  return boot0_cli_fail (error);
}

/* Runs a job with progress, Ctrl-C cancelling it cleanly. */
static gboolean
run_job (Boot0Job *job, gboolean json, GError **error)
{
  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  RunData rd = { .loop = loop, .cancellable = cancellable };
  guint sigint_id;

  rd.printer.tty = isatty (STDERR_FILENO);
  rd.printer.quiet = json;
  rd.printer.last_stage = -1;
  g_signal_connect (job, "progress", G_CALLBACK (job_progress_cb), &rd);
  sigint_id = g_unix_signal_add (SIGINT, sigint_cb, &rd);
  boot0_job_run_async (job, cancellable, job_done_cb, &rd);
  g_main_loop_run (loop);
  g_source_remove (sigint_id);
  g_signal_handlers_disconnect_by_data (job, &rd);
  progress_finish (&rd.printer);
  if (!rd.ok)
    {
      g_propagate_error (error, rd.error);
      return FALSE;
    }
  return TRUE;
}

static void
print_job_result (Boot0Job *job, Boot0Device *dev, const char *file, gboolean json)
{
  g_autofree char *summary = boot0_job_get_summary (job);

  if (json)
    {
      g_autoptr (GString) out = g_string_new ("{\"result\": \"ok\", \"device\": ");
      guint32 run_address = 0;
      boot0_cli_json_string (out, boot0_device_get_label (dev));
      g_string_append (out, ", \"serial\": ");
      boot0_cli_json_string (out,
                             boot0_device_get_serial (dev) ? boot0_device_get_serial (dev) : "");
      g_string_append (out, ", \"path\": ");
      boot0_cli_json_string (out, boot0_device_get_path (dev));
      if (file != NULL)
        {
          g_string_append (out, ", \"file\": ");
          boot0_cli_json_string (out, file);
        }
      g_string_append_printf (
          out,
          ", \"sectors_erased\": %u, \"sectors_blank\": %u, \"bytes_written\": "
          "%" G_GUINT64_FORMAT ", \"bytes_verified\": %" G_GUINT64_FORMAT ", \"seconds\": %.3f",
          boot0_job_get_n_sectors_erased (job), boot0_job_get_n_sectors_blank (job),
          boot0_job_get_bytes_written (job), boot0_job_get_bytes_verified (job),
          boot0_job_get_elapsed (job) / 1e6);
      if (boot0_plan_get_run (boot0_job_get_plan (job), &run_address))
        g_string_append_printf (out, ", \"run_address\": \"0x%08X\"", run_address);
      g_string_append (out, ", \"summary\": ");
      boot0_cli_json_string (out, summary);
      g_string_append (out, "}\n");
      g_print ("%s", out->str);
      return;
    }
  g_print ("%s\n", summary);
}

static gboolean
parse_options (const char *command, GOptionContext *context, CliOptions *o, int *argc, char ***argv,
               int *rc)
{
  g_autoptr (GError) error = NULL;
  boot0_cli_device_options_add (context, &o->device);
  if (!g_option_context_parse (context, argc, argv, &error))
    {
      *rc = boot0_cli_usage (command, error->message);
      return FALSE;
    }
  return TRUE;
}

/* Plans image on the device's flash; the refusal names what does not fit. */
static Boot0Plan *
make_plan (Boot0Device *dev, Boot0Firmware *image, const Boot0PlanOptions *options, GError **error)
{
  Boot0DfuseLayout *flash = boot0_device_get_flash (dev);
  if (flash == NULL && BOOT0_IS_UART_DEVICE (dev))
    {
      g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_NOT_SUPPORTED,
                   "the bootloader reports device ID 0x%03X, which Boot0's chip database does "
                   "not know, so the flash layout is unknown; nothing was changed (add the chip "
                   "to data/chips.ini)",
                   boot0_uart_device_get_device_id (BOOT0_UART_DEVICE (dev)));
      return NULL;
    }
  if (flash == NULL)
    {
      g_set_error_literal (error, BOOT0_ERROR, BOOT0_ERROR_NOT_SUPPORTED,
                           "the device announces no flash memory");
      return NULL;
    }
  return boot0_plan_new (image, flash, options, error);
}

/* TRUE when the firmware was started by an exit sequence that reset the
 * chip with BOOT0 low, so no jumper needs moving. */
static gboolean
exit_sequence (Boot0Device *dev)
{
  return BOOT0_IS_UART_DEVICE (dev) &&
         boot0_uart_device_exits_by_sequence (BOOT0_UART_DEVICE (dev));
}

static int
flash_or_verify (int argc, char **argv, gboolean verify_only)
{
  const char *command = verify_only ? "verify" : "flash";
  g_autoptr (GOptionContext) context = g_option_context_new (_ ("FILE"));
  g_auto (CliOptions) o = { 0 };
  g_autoptr (GError) error = NULL;
  g_autoptr (Boot0Firmware) image = NULL;
  g_autoptr (Boot0UsbContext) ctx = NULL;
  g_autoptr (Boot0Device) dev = NULL;
  g_autoptr (Boot0Plan) plan = NULL;
  g_autoptr (Boot0Job) job = NULL;
  Boot0PlanOptions options;
  int rc = EX_OK;
  const GOptionEntry flash_entries[] = {
    { "address", 'a', 0, G_OPTION_ARG_STRING, &o.address,
      N_ ("Where a raw .bin goes; needs --unlock (default: the first writable sector)"),
      N_ ("ADDRESS") },
    { "unlock", 0, 0, G_OPTION_ARG_NONE, &o.unlock,
      N_ ("Allow --address to move a raw .bin away from the first writable sector"), NULL },
    { "no-verify", 0, 0, G_OPTION_ARG_NONE, &o.no_verify,
      N_ ("Do not read back and compare after programming"), NULL },
    { "no-run", 0, 0, G_OPTION_ARG_NONE, &o.no_run, N_ ("Stay in the bootloader after programming"),
      NULL },
    { "erase", 'e', 0, G_OPTION_ARG_STRING, &o.erase,
      N_ ("needed (the sectors the image touches, default) or all"), N_ ("MODE") },
    { "no-blank-check", 0, 0, G_OPTION_ARG_NONE, &o.no_blank_check,
      N_ ("Erase sectors even when they already read blank (over UART sectors are checked "
          "only when the bootloader offers Get Checksum)"),
      NULL },
    { "run-address", 0, 0, G_OPTION_ARG_STRING, &o.run_address,
      N_ ("Start the firmware here (default: the image's start)"), N_ ("ADDRESS") },
    { NULL },
  };
  const GOptionEntry verify_entries[] = {
    { "address", 'a', 0, G_OPTION_ARG_STRING, &o.address,
      N_ ("Where a raw .bin was written; needs --unlock"), N_ ("ADDRESS") },
    { "unlock", 0, 0, G_OPTION_ARG_NONE, &o.unlock,
      N_ ("Allow --address away from the first writable sector"), NULL },
    { NULL },
  };

  g_option_context_set_summary (
      context, verify_only
                   ? _ ("Compare the device's flash with a firmware file.")
                   : _ ("Erase what the image needs, program, verify and start the firmware.\n"
                        "A raw .bin goes to the first writable sector of the flash (0x08000000 "
                        "on a ROM bootloader, after a custom bootloader's read-only sectors)."));
  g_option_context_add_main_entries (context, verify_only ? verify_entries : flash_entries,
                                     GETTEXT_PACKAGE);
  if (!parse_options (command, context, &o, &argc, &argv, &rc))
    return rc;
  if (argc != 2)
    return boot0_cli_usage (command, _ ("give exactly one firmware FILE"));

  boot0_plan_options_init (&options);
  if (verify_only)
    {
      options.erase_mode = BOOT0_PLAN_ERASE_NONE;
      options.program = FALSE;
      options.run = FALSE;
    }
  else
    {
      options.verify = !o.no_verify;
      options.run = !o.no_run;
      options.blank_check = !o.no_blank_check;
      if (o.erase != NULL)
        {
          if (!boot0_plan_erase_mode_from_string (o.erase, &options.erase_mode) ||
              (options.erase_mode != BOOT0_PLAN_ERASE_NEEDED &&
               options.erase_mode != BOOT0_PLAN_ERASE_ALL))
            return boot0_cli_usage (command, _ ("--erase takes 'needed' or 'all'"));
        }
      if (o.run_address != NULL)
        {
          if (!boot0_cli_parse_u32 (o.run_address, &options.run_address, &error))
            return boot0_cli_usage (command, error->message);
          options.has_run_address = TRUE;
        }
    }
  if (o.address != NULL)
    {
      if (!o.unlock)
        return boot0_cli_usage (command,
                                _ ("the start address is locked to the first writable sector; "
                                   "add --unlock to place a .bin elsewhere"));
      if (!boot0_cli_parse_u32 (o.address, &options.address, &error))
        return boot0_cli_usage (command, error->message);
      options.unlock_address = TRUE;
    }
  else if (o.unlock)
    return boot0_cli_usage (command, _ ("--unlock needs --address"));

  /* The file is checked before any device is touched. */
  rc = boot0_cli_load_firmware (argv[1], BOOT0_FIRMWARE_FORMAT_UNKNOWN, BOOT0_FIRMWARE_DEFAULT_BASE,
                                &image);
  if (rc != EX_OK)
    return rc;
  if (o.address != NULL && !boot0_firmware_get_relocatable (image))
    return boot0_cli_usage (command, _ ("--address applies only to a raw .bin: this file carries "
                                        "its own addresses"));

  rc = boot0_cli_find_device (&o.device, &ctx, &dev);
  if (rc != EX_OK)
    return rc;
  rc = boot0_cli_check_not_protected (dev);
  if (rc != EX_OK)
    return rc;
  boot0_plan_options_adapt_to_device (&options, dev);
  plan = make_plan (dev, image, &options, &error);
  if (plan == NULL)
    {
      g_prefix_error (&error, "%s: ", argv[1]);
      return report_error (error, o.device.json);
    }
  if (!o.device.json)
    {
      g_autofree char *plan_summary = boot0_plan_get_summary (plan);
      if (BOOT0_IS_UART_DEVICE (dev))
        g_printerr (_ ("%s (%s): %s\n"), boot0_device_get_label (dev), boot0_device_get_path (dev),
                    plan_summary);
      else
        g_printerr (_ ("%s (%s, serial %s): %s\n"), boot0_device_get_label (dev),
                    boot0_device_get_path (dev),
                    boot0_device_get_serial (dev) ? boot0_device_get_serial (dev) : "-",
                    plan_summary);
    }
  job = boot0_job_new (dev, plan);
  if (!run_job (job, o.device.json, &error))
    return report_error (error, o.device.json);
  print_job_result (job, dev, argv[1], o.device.json);
  if (!o.device.json && !verify_only && boot0_plan_get_run (plan, NULL) && !exit_sequence (dev))
    g_printerr (_ ("Remove the BOOT0 jumper (or release the BOOT button) before the next reset, "
                   "or the board will start the bootloader again.\n"));
  return EX_OK;
}

int
boot0_cli_flash (int argc, char **argv)
{
  return flash_or_verify (argc, argv, FALSE);
}

int
boot0_cli_verify (int argc, char **argv)
{
  return flash_or_verify (argc, argv, TRUE);
}

int
boot0_cli_erase (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = g_option_context_new (NULL);
  g_auto (CliOptions) o = { 0 };
  g_autoptr (GError) error = NULL;
  g_autoptr (Boot0UsbContext) ctx = NULL;
  g_autoptr (Boot0Device) dev = NULL;
  g_autoptr (Boot0Plan) plan = NULL;
  g_autoptr (Boot0Job) job = NULL;
  Boot0PlanOptions options;
  guint32 size = 0;
  int rc = EX_OK;
  const GOptionEntry entries[] = {
    { "all", 0, 0, G_OPTION_ARG_NONE, &o.all,
      N_ ("Erase the whole flash (a bootloader's read-only sectors are kept)"), NULL },
    { "address", 'a', 0, G_OPTION_ARG_STRING, &o.address,
      N_ ("Erase the sectors from this address (a sector start)"), N_ ("ADDRESS") },
    { "size", 'n', 0, G_OPTION_ARG_STRING, &o.size,
      N_ ("Bytes to erase from --address, rounded up to whole sectors"), N_ ("BYTES") },
    { "unprotect", 0, 0, G_OPTION_ARG_NONE, &o.unprotect,
      N_ ("Remove read-out protection (this erases the whole chip and resets it)"), NULL },
    { NULL },
  };

  g_option_context_set_summary (context,
                                _ ("Erase sectors of the flash: --all, or --address with --size. "
                                   "Sectors that already read blank are skipped (over UART "
                                   "only when the bootloader offers Get Checksum)."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!parse_options ("erase", context, &o, &argc, &argv, &rc))
    return rc;
  if (argc != 1)
    return boot0_cli_usage ("erase", _ ("erase takes no file"));
  if ((o.all ? 1 : 0) + (o.address != NULL ? 1 : 0) + (o.unprotect ? 1 : 0) != 1)
    return boot0_cli_usage ("erase", _ ("say what to erase: --all, --address with --size, or "
                                        "--unprotect"));
  boot0_plan_options_init (&options);
  options.run = FALSE;
  options.verify = FALSE;
  if (o.all)
    options.erase_mode = BOOT0_PLAN_ERASE_ALL;
  else if (o.address != NULL)
    {
      if (o.size == NULL)
        return boot0_cli_usage ("erase", _ ("--address needs --size"));
      if (!boot0_cli_parse_u32 (o.address, &options.erase_address, &error) ||
          !boot0_cli_parse_u32 (o.size, &size, &error))
        return boot0_cli_usage ("erase", error->message);
      options.erase_mode = BOOT0_PLAN_ERASE_RANGE;
      options.erase_size = size;
    }

  rc = boot0_cli_find_device (&o.device, &ctx, &dev);
  if (rc != EX_OK)
    return rc;
  if (o.unprotect)
    {
      if (!boot0_device_open (dev, &error) || !boot0_device_read_unprotect (dev, &error))
        return report_error (error, o.device.json);
      if (o.device.json)
        g_print ("{\"result\": \"ok\", \"summary\": \"read-out protection removed\"}\n");
      else
        g_print (_ ("Read-out protection removed: the chip erased its flash and restarts.\n"));
      return EX_OK;
    }
  rc = boot0_cli_check_not_protected (dev);
  if (rc != EX_OK)
    return rc;
  boot0_plan_options_adapt_to_device (&options, dev);
  plan = make_plan (dev, NULL, &options, &error);
  if (plan == NULL)
    return report_error (error, o.device.json);
  job = boot0_job_new (dev, plan);
  if (!run_job (job, o.device.json, &error))
    return report_error (error, o.device.json);
  print_job_result (job, dev, NULL, o.device.json);
  return EX_OK;
}

static void
read_progress_cb (guint64 done, guint64 total, gpointer user_data)
{
  ProgressPrinter *p = user_data;
  gint64 now = g_get_monotonic_time ();

  /* Redraw at most ten times a second, and at the end. */
  if (done != total && now - p->last_draw < 100000)
    return;
  p->last_draw = now;
  progress_print (p, _ ("Reading"), 1, done, total, 0, -1);
}

int
boot0_cli_read (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = g_option_context_new (_ ("OUT"));
  g_auto (CliOptions) o = { 0 };
  g_autoptr (GError) error = NULL;
  g_autoptr (Boot0UsbContext) ctx = NULL;
  g_autoptr (Boot0Device) dev = NULL;
  g_autoptr (Boot0Firmware) image = NULL;
  Boot0FirmwareFormat format;
  Boot0DfuseLayout *flash;
  ProgressPrinter printer = { 0 };
  guint32 address = 0;
  guint32 size32 = 0;
  guint64 size = 0;
  int rc = EX_OK;
  const GOptionEntry entries[] = {
    { "address", 'a', 0, G_OPTION_ARG_STRING, &o.address,
      N_ ("Start reading here (default: the start of the flash)"), N_ ("ADDRESS") },
    { "size", 'n', 0, G_OPTION_ARG_STRING, &o.size,
      N_ ("Bytes to read (default: to the end of the flash)"), N_ ("BYTES") },
    { "format", 'f', 0, G_OPTION_ARG_STRING, &o.format,
      N_ ("Output format: bin, ihex, srec or dfuse (default: from OUT's extension)"),
      N_ ("FORMAT") },
    { NULL },
  };

  g_option_context_set_summary (context, _ ("Read the device's memory into a file (a backup): "
                                            ".bin, .hex, .srec or .dfu, written atomically."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!parse_options ("read", context, &o, &argc, &argv, &rc))
    return rc;
  if (argc != 2)
    return boot0_cli_usage ("read", _ ("give exactly one output file OUT"));
  format = o.format != NULL ? boot0_firmware_format_from_string (o.format)
                            : boot0_firmware_format_from_filename (argv[1]);
  if (format == BOOT0_FIRMWARE_FORMAT_UNKNOWN || format == BOOT0_FIRMWARE_FORMAT_ELF)
    return boot0_cli_usage ("read", _ ("name OUT .bin, .hex, .srec or .dfu, or use --format"));
  if (o.address != NULL && !boot0_cli_parse_u32 (o.address, &address, &error))
    return boot0_cli_usage ("read", error->message);
  if (o.size != NULL)
    {
      if (!boot0_cli_parse_u32 (o.size, &size32, &error))
        return boot0_cli_usage ("read", error->message);
      if (size32 == 0)
        return boot0_cli_usage ("read", _ ("--size must be more than 0"));
      size = size32;
    }

  rc = boot0_cli_find_device (&o.device, &ctx, &dev);
  if (rc != EX_OK)
    return rc;
  rc = boot0_cli_check_not_protected (dev);
  if (rc != EX_OK)
    return rc;
  flash = boot0_device_get_flash (dev);
  if (o.address == NULL)
    {
      if (flash == NULL)
        return boot0_cli_usage ("read", _ ("the device announces no flash: give --address"));
      address = boot0_dfuse_layout_get_start (flash);
    }
  if (size == 0)
    {
      if (flash == NULL || !boot0_dfuse_layout_contains (flash, address, 1))
        return boot0_cli_usage ("read", _ ("give --size when reading outside the flash"));
      size = boot0_dfuse_layout_get_end (flash) - address;
    }
  if (!boot0_device_open (dev, &error))
    return report_error (error, o.device.json);
  printer.tty = isatty (STDERR_FILENO);
  printer.quiet = o.device.json;
  printer.last_stage = -1;
  image = boot0_device_read_image (dev, address, size, read_progress_cb, &printer, NULL, &error);
  progress_finish (&printer);
  if (image == NULL)
    return report_error (error, o.device.json);
  boot0_device_close (dev);
  if (!boot0_firmware_save_file (image, argv[1], format, BOOT0_FIRMWARE_WRITE_FLAG_NONE, 0xFF,
                                 &error))
    {
      g_printerr ("boot0-cli: %s\n", error->message);
      return EX_CANTCREAT;
    }
  if (o.device.json)
    {
      g_autoptr (GString) out = g_string_new ("{\"result\": \"ok\", \"file\": ");
      boot0_cli_json_string (out, argv[1]);
      g_string_append_printf (out, ", \"address\": \"0x%08X\", \"size\": %" G_GUINT64_FORMAT "}\n",
                              address, size);
      g_print ("%s", out->str);
    }
  else
    {
      g_autofree char *h = human_size (size);
      g_print (_ ("Read %s from 0x%08X into %s\n"), h, address, argv[1]);
    }
  return EX_OK;
}

int
boot0_cli_run (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = g_option_context_new (NULL);
  g_auto (CliOptions) o = { 0 };
  g_autoptr (GError) error = NULL;
  g_autoptr (Boot0UsbContext) ctx = NULL;
  g_autoptr (Boot0Device) dev = NULL;
  guint32 address = 0;
  int rc = EX_OK;
  const GOptionEntry entries[] = {
    { "address", 'a', 0, G_OPTION_ARG_STRING, &o.address,
      N_ ("Start the firmware whose vector table is here (default: the first writable sector)"),
      N_ ("ADDRESS") },
    { NULL },
  };

  g_option_context_set_summary (context, _ ("Leave the bootloader and start the firmware."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!parse_options ("run", context, &o, &argc, &argv, &rc))
    return rc;
  if (argc != 1)
    return boot0_cli_usage ("run", _ ("run takes no file"));
  if (o.address != NULL && !boot0_cli_parse_u32 (o.address, &address, &error))
    return boot0_cli_usage ("run", error->message);

  rc = boot0_cli_find_device (&o.device, &ctx, &dev);
  if (rc != EX_OK)
    return rc;
  if (o.address == NULL)
    {
      Boot0DfuseLayout *flash = boot0_device_get_flash (dev);
      if (flash == NULL || !boot0_plan_get_default_address (flash, &address))
        return boot0_cli_usage ("run", _ ("the device has no writable flash: give --address"));
    }
  if (!boot0_device_open (dev, &error) || !boot0_device_run (dev, address, &error))
    return report_error (error, o.device.json);
  boot0_device_close (dev);
  if (o.device.json)
    g_print ("{\"result\": \"ok\", \"run_address\": \"0x%08X\"}\n", address);
  else if (exit_sequence (dev))
    g_print (_ ("Started the firmware at 0x%08X; the exit sequence reset the chip with BOOT0 "
                "low.\n"),
             address);
  else
    g_print (_ ("Started the firmware at 0x%08X. Remove the BOOT0 jumper before the next reset.\n"),
             address);
  return EX_OK;
}
