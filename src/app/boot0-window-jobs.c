/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The window's operations on the device: Program, Erase, Verify (flash
 * jobs from the core, which coalesce their progress on the main context),
 * Read to file and Run (GTask threads; read progress goes through counters
 * behind a mutex and at most one pending idle), the quiet protection probe,
 * and installing the udev rule. One operation at a time; the window stays
 * responsive and Cancel stops any of them between transfers. */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "boot0-window-private.h"

#define RULES_NAME "70-boot0.rules"

gboolean
boot0_window_is_busy (Boot0Window *self)
{
  return self->op != BOOT0_WINDOW_OP_NONE;
}

/* Progress display ------------------------------------------------------- */

static char *
format_eta (gint64 seconds)
{
  if (seconds < 60)
    /* Translators: time left, e.g. "about 12 s left". */
    return g_strdup_printf (_ ("about %d s left"), (int)seconds);
  /* Translators: time left, e.g. "about 2 min 5 s left". */
  return g_strdup_printf (_ ("about %d min %d s left"), (int)(seconds / 60), (int)(seconds % 60));
}

static void
set_progress (Boot0Window *self, double fraction, guint64 done, guint64 total, double rate,
              gint64 eta)
{
  g_autoptr (GString) text = g_string_new (NULL);

  gtk_progress_bar_set_fraction (self->progress_bar, CLAMP (fraction, 0.0, 1.0));
  if (total > 0)
    {
      g_autofree char *d = boot0_plan_format_size (done);
      g_autofree char *t = boot0_plan_format_size (total);
      /* Translators: bytes done of bytes in all, e.g. "12 KiB of 41.5 KiB". */
      g_string_printf (text, _ ("%s of %s"), d, t);
      if (rate > 0)
        {
          g_autofree char *r = boot0_plan_format_size ((guint64)rate);
          /* Translators: a transfer rate, e.g. "9.6 KiB/s". */
          g_string_append (text, " · ");
          g_string_append_printf (text, _ ("%s/s"), r);
        }
      if (eta >= 0 && done < total)
        {
          g_autofree char *e = format_eta (eta);
          g_string_append (text, " · ");
          g_string_append (text, e);
        }
    }
  gtk_label_set_text (self->progress_detail_label, text->str);
}

static const char *
stage_name (Boot0JobStage stage)
{
  switch (stage)
    {
      case BOOT0_JOB_STAGE_ERASE:
        return _ ("Erase");
      case BOOT0_JOB_STAGE_PROGRAM:
        return _ ("Program");
      case BOOT0_JOB_STAGE_VERIFY:
        return _ ("Verify");
      case BOOT0_JOB_STAGE_RUN:
        return _ ("Run");
      case BOOT0_JOB_STAGE_OPEN:
      case BOOT0_JOB_STAGE_DONE:
      default:
        return "";
    }
}

static const char *
stage_doing (Boot0JobStage stage)
{
  switch (stage)
    {
      case BOOT0_JOB_STAGE_OPEN:
        return _ ("Opening the device…");
      case BOOT0_JOB_STAGE_ERASE:
        return _ ("Erasing…");
      case BOOT0_JOB_STAGE_PROGRAM:
        return _ ("Programming…");
      case BOOT0_JOB_STAGE_VERIFY:
        return _ ("Verifying…");
      case BOOT0_JOB_STAGE_RUN:
        return _ ("Starting…");
      case BOOT0_JOB_STAGE_DONE:
      default:
        return _ ("Finishing…");
    }
}

/* "✓ Erase › Program › Verify › Run", the current step in bold. */
static void
set_steps (Boot0Window *self, Boot0Plan *plan, Boot0JobStage current)
{
  g_autoptr (GString) markup = g_string_new (NULL);
  Boot0JobStage stages[4];
  guint n = 0;

  if (self->op != BOOT0_WINDOW_OP_PROGRAM || plan == NULL)
    {
      gtk_widget_set_visible (GTK_WIDGET (self->steps_label), FALSE);
      return;
    }
  if (boot0_plan_get_n_erases (plan) > 0)
    stages[n++] = BOOT0_JOB_STAGE_ERASE;
  stages[n++] = BOOT0_JOB_STAGE_PROGRAM;
  if (boot0_plan_get_verify (plan))
    stages[n++] = BOOT0_JOB_STAGE_VERIFY;
  if (boot0_plan_get_run (plan, NULL))
    stages[n++] = BOOT0_JOB_STAGE_RUN;

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *name = g_markup_escape_text (stage_name (stages[i]), -1);
      if (i > 0)
        g_string_append (markup, "  <span alpha=\"50%\">›</span>  ");
      if (current > stages[i] && current != BOOT0_JOB_STAGE_OPEN)
        g_string_append_printf (markup, "<span foreground=\"#26a269\">✓ %s</span>", name);
      else if (current == stages[i])
        g_string_append_printf (markup, "<b>%s</b>", name);
      else
        g_string_append_printf (markup, "<span alpha=\"55%%\">%s</span>", name);
    }
  gtk_label_set_markup (self->steps_label, markup->str);
  gtk_widget_set_visible (GTK_WIDGET (self->steps_label), TRUE);
}

static void
set_step_text (Boot0Window *self, const char *text)
{
  if (self->op_parts > 1)
    {
      /* Translators: a step and which part of several, e.g. "Erasing… (part 2 of 3)". */
      g_autofree char *full =
          g_strdup_printf (_ ("%s (part %u of %u)"), text, self->op_part, self->op_parts);
      gtk_label_set_text (self->step_label, full);
    }
  else
    gtk_label_set_text (self->step_label, text);
}

/* Starting and ending an operation --------------------------------------- */

static void
begin_op (Boot0Window *self, Boot0WindowOp op, const char *step)
{
  self->op = op;
  g_set_object (&self->op_device, self->device);
  self->op_start = g_get_monotonic_time ();
  self->last_stage = -1;
  self->op_part = 1;
  self->op_parts = 1;
  if (g_cancellable_is_cancelled (self->cancellable))
    {
      g_object_unref (self->cancellable);
      self->cancellable = g_cancellable_new ();
    }
  if (op != BOOT0_WINDOW_OP_PROBE)
    {
      boot0_window_clear_result (self);
      set_step_text (self, step);
      gtk_widget_set_visible (GTK_WIDGET (self->steps_label), FALSE);
      set_progress (self, 0, 0, 0, 0, -1);
    }
  boot0_window_update_state (self);
}

static void
end_op (Boot0Window *self)
{
  self->op = BOOT0_WINDOW_OP_NONE;
  g_clear_object (&self->job);
  g_ptr_array_set_size (self->pending_plans, 0);
  g_clear_object (&self->op_device);
  g_clear_pointer (&self->read_path, g_free);
  if (g_cancellable_is_cancelled (self->cancellable))
    {
      g_object_unref (self->cancellable);
      self->cancellable = g_cancellable_new ();
    }
  boot0_window_update_device_card (self);
  boot0_window_sync_devices (self);
  if (self->close_pending)
    gtk_window_destroy (GTK_WINDOW (self));
}

static char *
describe_op_device (Boot0Window *self)
{
  Boot0Device *device = self->op_device;
  const char *label = boot0_device_get_label (device);

  if (g_strcmp0 (label, BOOT0_CHIP_DB_CUSTOM_LABEL) == 0)
    label = _ ("Custom DfuSe bootloader");
  if (boot0_device_get_serial (device) != NULL)
    /* Translators: chip name, USB port, serial number. */
    return g_strdup_printf (_ ("%s at %s, serial %s"), label, boot0_device_get_path (device),
                            boot0_device_get_serial (device));
  /* Translators: chip name, USB port. */
  return g_strdup_printf (_ ("%s at %s"), label, boot0_device_get_path (device));
}

/* What a failure's title says; it starts with "Failed" (or is
 * "Cancelled"), which people and the tests read first. */
static const char *
failure_title (Boot0Window *self, const GError *error)
{
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return _ ("Cancelled");
  if (error->domain == BOOT0_ERROR)
    {
      if (error->code == BOOT0_ERROR_ACCESS_DENIED)
        return _ ("Failed: no permission to use the device");
      if (error->code == BOOT0_ERROR_DEVICE_GONE)
        return _ ("Failed: the device disconnected");
      if (error->code == BOOT0_ERROR_VERIFY_FAILED)
        return _ ("Failed: the flash does not match the file");
      if (error->code == BOOT0_ERROR_READ_PROTECTED)
        return _ ("Failed: the chip is read-out protected");
      if (error->code == BOOT0_ERROR_BUSY)
        return _ ("Failed: another program is using the device");
      if (error->code == BOOT0_ERROR_TIMED_OUT)
        return _ ("Failed: the device stopped answering");
    }
  switch (self->op)
    {
      case BOOT0_WINDOW_OP_READ:
        return _ ("Failed while reading the flash");
      case BOOT0_WINDOW_OP_RUN:
        return _ ("Failed to start the firmware");
      case BOOT0_WINDOW_OP_PROGRAM:
      case BOOT0_WINDOW_OP_ERASE:
      case BOOT0_WINDOW_OP_VERIFY:
      case BOOT0_WINDOW_OP_PROBE:
      case BOOT0_WINDOW_OP_NONE:
      default:
        break;
    }
  switch ((Boot0JobStage)self->last_stage)
    {
      case BOOT0_JOB_STAGE_ERASE:
        return _ ("Failed while erasing");
      case BOOT0_JOB_STAGE_PROGRAM:
        return _ ("Failed while programming");
      case BOOT0_JOB_STAGE_VERIFY:
        return _ ("Failed while verifying");
      case BOOT0_JOB_STAGE_RUN:
        return _ ("Failed to start the firmware");
      case BOOT0_JOB_STAGE_OPEN:
      case BOOT0_JOB_STAGE_DONE:
      default:
        return _ ("Failed: the device could not be used");
    }
}

/* A UART bootloader that stopped answering usually is a board that left
 * it (Run, a reset with BOOT0 low): each job opens the port again, so say
 * how to get back in. */
static const char *
uart_hint (Boot0Window *self, const GError *error)
{
  if (self->op_device == NULL || !BOOT0_IS_UART_DEVICE (self->op_device) ||
      error->domain != BOOT0_ERROR)
    return NULL;
  if (error->code == BOOT0_ERROR_TIMED_OUT || error->code == BOOT0_ERROR_PROTOCOL)
    return _ ("Is the board still in its bootloader? After Run, or a reset with BOOT0 low, it runs "
              "its firmware: set BOOT0 high and reset it (or use an entry sequence), then try "
              "again.");
  if (error->code == BOOT0_ERROR_NOT_FOUND || error->code == BOOT0_ERROR_DEVICE_GONE)
    return _ ("Check the serial adapter’s cable, then try again or connect again.");
  return NULL;
}

/* The core's text for a UART bootloader that does not answer names
 * boot0-cli's options: said here in the window's words. NULL otherwise. */
static char *
uart_silent_message (Boot0Window *self, const GError *error)
{
  Boot0UartDevice *uart;

  if (self->op_device == NULL || !BOOT0_IS_UART_DEVICE (self->op_device) ||
      !g_error_matches (error, BOOT0_ERROR, BOOT0_ERROR_TIMED_OUT) ||
      (self->last_stage != -1 && self->last_stage != BOOT0_JOB_STAGE_OPEN))
    return NULL;
  uart = BOOT0_UART_DEVICE (self->op_device);
  return g_strdup_printf (_ ("No STM32 bootloader answers on %s at %u baud; nothing was changed."),
                          boot0_uart_device_get_port_name (uart),
                          boot0_uart_device_get_baud (uart));
}

static void
finish_with_error (Boot0Window *self, const GError *error)
{
  const char *title = failure_title (self, error);
  const char *hint = uart_hint (self, error);
  g_autofree char *silent = uart_silent_message (self, error);
  const char *message = silent != NULL ? silent : error->message;
  g_autofree char *detail = hint != NULL ? g_markup_printf_escaped ("%s\n%s", message, hint)
                                         : g_markup_escape_text (message, -1);
  gboolean cancelled = g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  boot0_window_log (self, FALSE, "%s: %s", title, error->message);
  boot0_window_show_result (
      self, cancelled ? BOOT0_WINDOW_RESULT_CANCELLED : BOOT0_WINDOW_RESULT_ERROR, title, detail,
      g_error_matches (error, BOOT0_ERROR, BOOT0_ERROR_ACCESS_DENIED));
  end_op (self);
}

static const char *
jumper_reminder (void)
{
  return _ ("<b>Remove the BOOT0 jumper before the next reset</b>, or the board will start the "
            "bootloader again.");
}

/* What to do before the next reset, once the firmware was started. */
static const char *
after_run (Boot0Device *device)
{
  if (BOOT0_IS_UART_DEVICE (device) &&
      boot0_uart_device_exits_by_sequence (BOOT0_UART_DEVICE (device)))
    return _ ("The exit sequence reset the board with BOOT0 low: it runs the new firmware, now "
              "and after every reset.");
  return jumper_reminder ();
}

/* Flash jobs -------------------------------------------------------------- */

static void start_job (Boot0Window *self, Boot0Plan *plan);

static void
log_stage (Boot0Window *self, Boot0Plan *plan, Boot0JobStage stage)
{
  guint32 address = 0;

  switch (stage)
    {
      case BOOT0_JOB_STAGE_OPEN:
        boot0_window_log (self, TRUE, _ ("Opening the device"));
        break;
      case BOOT0_JOB_STAGE_ERASE:
        {
          g_autofree char *size = boot0_plan_format_size (boot0_plan_get_erase_size (plan));
          guint n = boot0_plan_get_n_erases (plan);
          if (boot0_plan_get_mass_erase (plan))
            boot0_window_log (self, FALSE, _ ("Erasing the whole flash (%s)…"), size);
          else
            boot0_window_log (self, FALSE,
                              ngettext ("Erasing %u sector (%s)…", "Erasing %u sectors (%s)…", n),
                              n, size);
          break;
        }
      case BOOT0_JOB_STAGE_PROGRAM:
        {
          g_autofree char *size = boot0_plan_format_size (boot0_plan_get_write_size (plan));
          if (boot0_plan_get_n_writes (plan) > 0)
            address = boot0_plan_get_write (plan, 0)->address;
          boot0_window_log (self, FALSE, _ ("Programming %s at 0x%08X…"), size, address);
          break;
        }
      case BOOT0_JOB_STAGE_VERIFY:
        {
          g_autofree char *size = boot0_plan_format_size (boot0_plan_get_verify_size (plan));
          boot0_window_log (self, FALSE, _ ("Verifying %s…"), size);
          break;
        }
      case BOOT0_JOB_STAGE_RUN:
        boot0_plan_get_run (plan, &address);
        boot0_window_log (self, FALSE, _ ("Starting the firmware at 0x%08X…"), address);
        break;
      case BOOT0_JOB_STAGE_DONE:
      default:
        break;
    }
}

static void
job_progress_cb (Boot0Job *job, const Boot0JobProgress *progress, gpointer user_data)
{
  Boot0Window *self = user_data;
  Boot0Plan *plan = boot0_job_get_plan (job);
  double fraction;

  if ((int)progress->stage != self->last_stage)
    {
      self->last_stage = (int)progress->stage;
      log_stage (self, plan, progress->stage);
      set_step_text (self, stage_doing (progress->stage));
      set_steps (self, plan, progress->stage);
    }
  if (progress->stage_total > 0)
    fraction = (double)progress->stage_done / (double)progress->stage_total;
  else
    fraction = progress->stage == BOOT0_JOB_STAGE_RUN || progress->stage == BOOT0_JOB_STAGE_DONE
                   ? 1.0
                   : 0.0;
  set_progress (self, fraction, progress->stage_done, progress->stage_total, progress->rate,
                progress->eta);

  /* Verbose logs record the progress too, once a second. */
  if (progress->stage_total > 0 &&
      g_get_monotonic_time () - self->last_progress_log >= G_USEC_PER_SEC)
    {
      g_autofree char *done = boot0_plan_format_size (progress->stage_done);
      g_autofree char *total = boot0_plan_format_size (progress->stage_total);
      g_autofree char *rate = boot0_plan_format_size ((guint64)progress->rate);
      self->last_progress_log = g_get_monotonic_time ();
      /* Translators: stage, bytes done, bytes in all, rate: "Programming: 12 KiB of 41.5 KiB
       * (9.6 KiB/s)". */
      boot0_window_log (self, TRUE, _ ("%s: %s of %s (%s/s)"), stage_name (progress->stage), done,
                        total, rate);
    }
}

static void
finish_job_success (Boot0Window *self, Boot0Job *job)
{
  Boot0Plan *plan = boot0_job_get_plan (job);
  g_autofree char *duration =
      boot0_window_format_duration (g_get_monotonic_time () - self->op_start);
  g_autofree char *summary = boot0_job_get_summary (job);
  g_autofree char *device = describe_op_device (self);
  g_autofree char *title = NULL;
  g_autofree char *detail = NULL;

  switch (self->op)
    {
      case BOOT0_WINDOW_OP_PROGRAM:
        {
          gboolean verify = boot0_plan_get_verify (plan);
          gboolean run = boot0_plan_get_run (plan, NULL);
          /* The step-by-step figures go to the log: the
           * banner stays short enough to leave the memory map in view. */
          g_autofree char *facts = g_markup_printf_escaped ("%s · %s", device, self->firmware_name);
          if (verify && run)
            title = g_strdup_printf (_ ("Done: programmed, verified and started in %s"), duration);
          else if (verify)
            title = g_strdup_printf (_ ("Done: programmed and verified in %s"), duration);
          else if (run)
            title = g_strdup_printf (_ ("Done: programmed and started in %s"), duration);
          else
            title = g_strdup_printf (_ ("Done: programmed in %s"), duration);
          detail =
              g_strdup_printf ("%s\n%s",
                               run ? after_run (self->op_device)
                                   : _ ("The board stays in its bootloader: press Run to start the "
                                        "firmware."),
                               facts);
          break;
        }
      case BOOT0_WINDOW_OP_ERASE:
        title = g_strdup_printf (_ ("Done: erased in %s"), duration);
        detail = g_markup_printf_escaped ("%s\n%s", device, summary);
        break;
      case BOOT0_WINDOW_OP_VERIFY:
        {
          g_autofree char *matches =
              g_strdup_printf (_ ("The flash matches %s."), self->firmware_name);
          title = g_strdup_printf (_ ("Done: verified in %s"), duration);
          detail = g_markup_printf_escaped ("%s\n%s · %s", matches, device, summary);
          break;
        }
      case BOOT0_WINDOW_OP_READ:
      case BOOT0_WINDOW_OP_RUN:
      case BOOT0_WINDOW_OP_PROBE:
      case BOOT0_WINDOW_OP_NONE:
      default:
        g_assert_not_reached ();
    }
  boot0_window_log (self, FALSE, "%s. %s", title, summary);
  boot0_window_show_result (self, BOOT0_WINDOW_RESULT_SUCCESS, title, detail, FALSE);
  end_op (self);
}

static void
job_done_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (Boot0Window) self = user_data;
  g_autoptr (Boot0Job) job = g_object_ref (BOOT0_JOB (source));
  g_autoptr (GError) error = NULL;
  gboolean ok = boot0_job_run_finish (job, res, &error);

  g_signal_handlers_disconnect_by_data (job, self);
  if (ok && self->pending_plans->len > 0 && !g_cancellable_is_cancelled (self->cancellable))
    {
      g_autoptr (Boot0Plan) next = g_ptr_array_steal_index (self->pending_plans, 0);
      self->op_part++;
      self->last_stage = -1;
      start_job (self, next);
      return;
    }
  if (ok)
    finish_job_success (self, job);
  else
    finish_with_error (self, error);
}

static void
start_job (Boot0Window *self, Boot0Plan *plan)
{
  g_set_object (&self->job, NULL);
  self->job = boot0_job_new (self->op_device, plan);
  g_signal_connect (self->job, "progress", G_CALLBACK (job_progress_cb), self);
  boot0_job_run_async (self->job, self->cancellable, job_done_cb, g_object_ref (self));
}

void
boot0_window_start_program (Boot0Window *self)
{
  g_autofree char *summary = NULL;

  if (boot0_window_is_busy (self) || self->plan == NULL || self->device == NULL)
    return;
  summary = boot0_plan_get_summary (self->plan);
  begin_op (self, BOOT0_WINDOW_OP_PROGRAM, _ ("Opening the device…"));
  boot0_window_log (self, FALSE, _ ("Program %s: %s"), self->firmware_name, summary);
  start_job (self, self->plan);
}

void
boot0_window_start_erase (Boot0Window *self)
{
  Boot0DfuseLayout *flash = self->device != NULL ? boot0_device_get_flash (self->device) : NULL;
  g_autoptr (GPtrArray) plans = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr (GError) error = NULL;
  Boot0PlanOptions options;
  gboolean whole;

  if (boot0_window_is_busy (self) || flash == NULL)
    return;
  boot0_plan_options_init (&options);
  options.verify = FALSE;
  options.run = FALSE;

  whole = self->firmware == NULL || gtk_check_button_get_active (self->erase_all_check);
  /* Without a plan the needed sectors are unknown: never guess wider. */
  if (!whole && self->plan == NULL)
    return;
  if (whole)
    {
      Boot0Plan *plan;
      options.erase_mode = BOOT0_PLAN_ERASE_ALL;
      plan = boot0_plan_new (NULL, flash, &options, &error);
      if (plan != NULL)
        g_ptr_array_add (plans, plan);
    }
  else
    {
      /* The sectors Program would erase, as runs of adjacent sectors: one
       * erase-only plan each, so nothing between two segments is lost. */
      guint n = boot0_plan_get_n_erases (self->plan);
      for (guint i = 0; i < n && error == NULL;)
        {
          const Boot0PlanErase *first = boot0_plan_get_erase (self->plan, i);
          guint64 end = first->address + first->size;
          Boot0Plan *plan;
          for (i++; i < n && boot0_plan_get_erase (self->plan, i)->address == end; i++)
            end += boot0_plan_get_erase (self->plan, i)->size;
          options.erase_mode = BOOT0_PLAN_ERASE_RANGE;
          options.erase_address = first->address;
          options.erase_size = end - first->address;
          plan = boot0_plan_new (NULL, flash, &options, &error);
          if (plan != NULL)
            g_ptr_array_add (plans, plan);
        }
    }
  if (error != NULL)
    {
      g_autofree char *detail = g_markup_escape_text (error->message, -1);
      boot0_window_log (self, FALSE, _ ("Cannot erase: %s"), error->message);
      boot0_window_show_result (self, BOOT0_WINDOW_RESULT_ERROR, _ ("Failed: cannot erase"), detail,
                                FALSE);
      return;
    }
  if (plans->len == 0)
    {
      boot0_window_show_result (self, BOOT0_WINDOW_RESULT_SUCCESS,
                                _ ("Done: there is nothing to erase"), NULL, FALSE);
      return;
    }

  begin_op (self, BOOT0_WINDOW_OP_ERASE, _ ("Opening the device…"));
  self->op_parts = plans->len;
  for (guint i = 0; i < plans->len; i++)
    {
      g_autofree char *summary = boot0_plan_get_summary (g_ptr_array_index (plans, i));
      boot0_window_log (self, FALSE, _ ("Erase: %s"), summary);
    }
  start_job (self, g_ptr_array_index (plans, 0));
  for (guint i = 1; i < plans->len; i++)
    g_ptr_array_add (self->pending_plans, g_object_ref (g_ptr_array_index (plans, i)));
}

void
boot0_window_start_verify (Boot0Window *self)
{
  Boot0DfuseLayout *flash = self->device != NULL ? boot0_device_get_flash (self->device) : NULL;
  g_autoptr (Boot0Plan) plan = NULL;
  g_autoptr (GError) error = NULL;
  Boot0PlanOptions options;

  if (boot0_window_is_busy (self) || flash == NULL || self->firmware == NULL)
    return;
  /* The start address as Program would use it; nothing is written. */
  boot0_window_get_plan_options (self, &options);
  options.erase_mode = BOOT0_PLAN_ERASE_NONE;
  options.program = FALSE;
  options.run = FALSE;
  options.verify = TRUE;
  plan = boot0_plan_new (self->firmware, flash, &options, &error);
  if (plan == NULL)
    {
      g_autofree char *detail = g_markup_escape_text (error->message, -1);
      boot0_window_log (self, FALSE, _ ("Cannot verify: %s"), error->message);
      boot0_window_show_result (self, BOOT0_WINDOW_RESULT_ERROR, _ ("Failed: cannot verify"),
                                detail, FALSE);
      return;
    }
  begin_op (self, BOOT0_WINDOW_OP_VERIFY, _ ("Opening the device…"));
  boot0_window_log (self, FALSE, _ ("Verify %s"), self->firmware_name);
  start_job (self, plan);
}

/* Read to file ------------------------------------------------------------ */

typedef struct
{
  Boot0Device *device;
  guint32 address;
  guint64 size;
  char *path;
  Boot0FirmwareFormat format;
} ReadData;

static void
read_data_free (ReadData *data)
{
  g_clear_object (&data->device);
  g_free (data->path);
  g_free (data);
}

static gboolean
read_progress_idle (gpointer user_data)
{
  Boot0Window *self = user_data;
  guint64 done, total;
  double elapsed = (g_get_monotonic_time () - self->op_start) / 1e6;
  double rate = 0;
  gint64 eta = -1;

  g_mutex_lock (&self->read_lock);
  done = self->read_done;
  total = self->read_total;
  self->read_idle_pending = FALSE;
  g_mutex_unlock (&self->read_lock);

  if (self->op != BOOT0_WINDOW_OP_READ)
    return G_SOURCE_REMOVE;
  /* The rate since the start: reads go at an even pace. */
  if (elapsed > 0.5 && done > 0)
    {
      rate = done / elapsed;
      eta = (gint64)((total - done) / rate);
    }
  set_progress (self, total > 0 ? (double)done / (double)total : 0, done, total, rate, eta);
  return G_SOURCE_REMOVE;
}

/* On the worker thread: store the numbers, wake the main loop once. */
static void
read_progress_cb (guint64 done, guint64 total, gpointer user_data)
{
  Boot0Window *self = user_data;
  gboolean schedule;

  g_mutex_lock (&self->read_lock);
  self->read_done = done;
  self->read_total = total;
  schedule = !self->read_idle_pending;
  self->read_idle_pending = TRUE;
  g_mutex_unlock (&self->read_lock);
  if (schedule)
    g_idle_add_full (G_PRIORITY_DEFAULT, read_progress_idle, g_object_ref (self), g_object_unref);
}

static void
read_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  ReadData *data = task_data;
  g_autoptr (Boot0Firmware) image = NULL;
  GError *error = NULL;

  if (!boot0_device_open (data->device, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  image = boot0_device_read_image (data->device, data->address, data->size, read_progress_cb,
                                   source, cancellable, &error);
  boot0_device_close (data->device);
  if (image == NULL || !boot0_firmware_save_file (image, data->path, data->format,
                                                  BOOT0_FIRMWARE_WRITE_FLAG_NONE, 0xFF, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_return_boolean (task, TRUE);
}

static void
read_done_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  Boot0Window *self = BOOT0_WINDOW (source);
  ReadData *data = g_task_get_task_data (G_TASK (res));
  g_autoptr (GError) error = NULL;
  g_autofree char *duration = NULL;
  g_autofree char *size = NULL;
  g_autofree char *title = NULL;
  g_autofree char *detail = NULL;

  if (!g_task_propagate_boolean (G_TASK (res), &error))
    {
      finish_with_error (self, error);
      return;
    }
  duration = boot0_window_format_duration (g_get_monotonic_time () - self->op_start);
  size = boot0_plan_format_size (data->size);
  title = g_strdup_printf (_ ("Done: read %s in %s"), size, duration);
  detail = g_markup_printf_escaped (_ ("Saved 0x%08X–0x%08X to %s"), data->address,
                                    (guint32)(data->address + data->size - 1), data->path);
  boot0_window_log (self, FALSE, _ ("%s: saved to %s"), title, data->path);
  boot0_window_show_result (self, BOOT0_WINDOW_RESULT_SUCCESS, title, detail, FALSE);
  end_op (self);
}

void
boot0_window_start_read (Boot0Window *self, GFile *file)
{
  Boot0DfuseLayout *flash = self->device != NULL ? boot0_device_get_flash (self->device) : NULL;
  g_autoptr (GTask) task = NULL;
  ReadData *data;
  g_autofree char *size = NULL;

  if (boot0_window_is_busy (self) || flash == NULL)
    return;
  data = g_new0 (ReadData, 1);
  data->device = g_object_ref (self->device);
  data->address = boot0_dfuse_layout_get_start (flash);
  data->size = boot0_dfuse_layout_get_end (flash) - data->address;
  data->path = g_file_get_path (file);
  data->format = boot0_firmware_format_from_filename (data->path);
  if (data->format == BOOT0_FIRMWARE_FORMAT_UNKNOWN || data->format == BOOT0_FIRMWARE_FORMAT_ELF)
    data->format = BOOT0_FIRMWARE_FORMAT_BIN;
  boot0_window_remember_folder (self, file);

  begin_op (self, BOOT0_WINDOW_OP_READ, _ ("Reading the flash…"));
  self->read_done = 0;
  self->read_total = data->size;
  size = boot0_plan_format_size (data->size);
  boot0_window_log (self, FALSE, _ ("Reading %s from 0x%08X into %s…"), size, data->address,
                    data->path);
  set_progress (self, 0, 0, data->size, 0, -1);
  task = g_task_new (self, self->cancellable, read_done_cb, NULL);
  g_task_set_source_tag (task, boot0_window_start_read);
  g_task_set_task_data (task, data, (GDestroyNotify)read_data_free);
  g_task_run_in_thread (task, read_thread);
}

/* Run --------------------------------------------------------------------- */

gboolean
boot0_window_get_run_address (Boot0Window *self, guint32 *address)
{
  Boot0DfuseLayout *flash;
  guint64 end;

  /* The loaded image's vector table, where Program puts it. */
  if (self->plan != NULL)
    {
      if (boot0_plan_get_run (self->plan, address))
        return TRUE;
      if (boot0_plan_get_image (self->plan) != NULL &&
          boot0_firmware_get_span (boot0_plan_get_image (self->plan), address, &end))
        return TRUE;
    }
  flash = self->device != NULL ? boot0_device_get_flash (self->device) : NULL;
  return flash != NULL && boot0_plan_get_default_address (flash, address);
}

typedef struct
{
  Boot0Device *device;
  guint32 address;
} RunData;

static void
run_data_free (RunData *data)
{
  g_clear_object (&data->device);
  g_free (data);
}

static void
run_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  RunData *data = task_data;
  GError *error = NULL;

  if (!boot0_device_open (data->device, &error) ||
      !boot0_device_run (data->device, data->address, &error))
    {
      boot0_device_close (data->device);
      g_task_return_error (task, error);
      return;
    }
  boot0_device_close (data->device);
  g_task_return_boolean (task, TRUE);
}

static void
run_done_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  Boot0Window *self = BOOT0_WINDOW (source);
  RunData *data = g_task_get_task_data (G_TASK (res));
  g_autoptr (GError) error = NULL;
  g_autofree char *title = NULL;

  if (!g_task_propagate_boolean (G_TASK (res), &error))
    {
      finish_with_error (self, error);
      return;
    }
  title = g_strdup_printf (_ ("Done: started the firmware at 0x%08X"), data->address);
  boot0_window_log (self, FALSE, "%s", title);
  boot0_window_show_result (self, BOOT0_WINDOW_RESULT_SUCCESS, title, after_run (data->device),
                            FALSE);
  end_op (self);
}

void
boot0_window_start_run (Boot0Window *self)
{
  g_autoptr (GTask) task = NULL;
  RunData *data;
  guint32 address = 0;

  if (boot0_window_is_busy (self) || self->device == NULL ||
      !boot0_window_get_run_address (self, &address))
    return;
  data = g_new0 (RunData, 1);
  data->device = g_object_ref (self->device);
  data->address = address;
  begin_op (self, BOOT0_WINDOW_OP_RUN, _ ("Starting the firmware…"));
  gtk_progress_bar_pulse (self->progress_bar);
  boot0_window_log (self, FALSE, _ ("Starting the firmware at 0x%08X…"), address);
  task = g_task_new (self, self->cancellable, run_done_cb, NULL);
  g_task_set_source_tag (task, boot0_window_start_run);
  g_task_set_task_data (task, data, (GDestroyNotify)run_data_free);
  g_task_run_in_thread (task, run_thread);
}

/* The protection probe ------------------------------------------------------ */

static void
probe_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  Boot0DfuseDevice *device = task_data;
  GError *error = NULL;

  if (!boot0_device_open (BOOT0_DEVICE (device), &error))
    {
      g_task_return_error (task, error);
      return;
    }
  if (!boot0_dfuse_device_probe_protection (device, &error))
    {
      boot0_device_close (BOOT0_DEVICE (device));
      g_task_return_error (task, error);
      return;
    }
  boot0_device_close (BOOT0_DEVICE (device));
  g_task_return_boolean (task, TRUE);
}

static void
probe_done_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  Boot0Window *self = BOOT0_WINDOW (source);
  g_autoptr (GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (res), &error))
    {
      boot0_window_log (self, FALSE, _ ("Could not read the device’s protection state: %s"),
                        error->message);
      g_set_object (&self->probe_failed, self->op_device);
      /* Without permission nothing else will work either: say so now. The
       * banner's udev part says what to do. */
      if (g_error_matches (error, BOOT0_ERROR, BOOT0_ERROR_ACCESS_DENIED))
        boot0_window_show_result (self, BOOT0_WINDOW_RESULT_ERROR,
                                  _ ("Failed: no permission to use the device"), NULL, TRUE);
    }
  else if (self->op_device != NULL)
    {
      boot0_window_log (self, TRUE, _ ("Protection: %s"),
                        boot0_protection_to_string (boot0_device_get_protection (self->op_device)));
      /* A board opens now: the old "no permission" is solved. */
      if (gtk_widget_get_visible (self->udev_box))
        boot0_window_clear_result (self);
    }
  end_op (self);
  /* Opening may have taught the device its memories (refused at arrival,
   * allowed now). */
  boot0_window_refresh_plan (self);
}

void
boot0_window_start_probe (Boot0Window *self)
{
  g_autoptr (GTask) task = NULL;

  if (boot0_window_is_busy (self) || self->device == NULL || !BOOT0_IS_DFUSE_DEVICE (self->device))
    return;
  begin_op (self, BOOT0_WINDOW_OP_PROBE, NULL);
  boot0_window_update_device_card (self);
  task = g_task_new (self, self->cancellable, probe_done_cb, NULL);
  g_task_set_source_tag (task, boot0_window_start_probe);
  g_task_set_task_data (task, g_object_ref (self->device), g_object_unref);
  g_task_run_in_thread (task, probe_thread);
}

void
boot0_window_cancel (Boot0Window *self)
{
  if (!boot0_window_is_busy (self) || g_cancellable_is_cancelled (self->cancellable))
    return;
  if (self->op != BOOT0_WINDOW_OP_PROBE)
    {
      boot0_window_log (self, FALSE, _ ("Cancelling…"));
      gtk_label_set_text (self->step_label, _ ("Cancelling…"));
    }
  g_cancellable_cancel (self->cancellable);
  boot0_window_update_state (self);
}

/* The udev rule ------------------------------------------------------------- */

/* The installed copy of the rule, or (from a build tree) the one built
 * into the program, written where pkexec's root shell can read it. */
static char *
find_rules_file (void)
{
  g_autofree char *installed = g_build_filename (PKGDATADIR, RULES_NAME, NULL);
  g_autoptr (GBytes) bytes = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *copy = NULL;

  if (g_file_test (installed, G_FILE_TEST_IS_REGULAR))
    return g_steal_pointer (&installed);
  bytes = g_resources_lookup_data ("/io/github/boot0/Boot0/" RULES_NAME,
                                   G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
  dir = g_build_filename (g_get_user_cache_dir (), "boot0", NULL);
  copy = g_build_filename (dir, RULES_NAME, NULL);
  if (bytes == NULL || g_mkdir_with_parents (dir, 0755) != 0 ||
      !g_file_set_contents (copy, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), NULL))
    return g_steal_pointer (&installed);
  return g_steal_pointer (&copy);
}

/* Quoted only when needed: the command is shown to people. */
static char *
quote_path (const char *path)
{
  for (const char *p = path; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && strchr ("/._-+", *p) == NULL)
      return g_shell_quote (path);
  return g_strdup (path);
}

static char *
rule_script (void)
{
  g_autofree char *rules = find_rules_file ();
  g_autofree char *quoted = quote_path (rules);

  return g_strdup_printf ("install -m 644 %s /etc/udev/rules.d/" RULES_NAME
                          " && udevadm control --reload-rules && udevadm trigger",
                          quoted);
}

char *
boot0_window_get_udev_command (Boot0Window *self)
{
  g_autofree char *script = rule_script ();
  g_autofree char *quoted = g_shell_quote (script);

  return g_strdup_printf ("pkexec sh -c %s", quoted);
}

static void
install_rule_done_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (Boot0Window) self = user_data;
  GSubprocess *process = G_SUBPROCESS (source);
  g_autoptr (GError) error = NULL;
  g_autofree char *err_text = NULL;
  g_autofree char *detail = NULL;

  gtk_widget_set_sensitive (GTK_WIDGET (self->install_rule_button), TRUE);
  if (!g_subprocess_communicate_utf8_finish (process, res, NULL, &err_text, &error))
    {
      detail = g_markup_escape_text (error->message, -1);
      boot0_window_show_result (self, BOOT0_WINDOW_RESULT_ERROR,
                                _ ("Failed: the udev rule was not installed"), detail, TRUE);
      return;
    }
  if (g_subprocess_get_successful (process))
    {
      boot0_window_log (self, FALSE, _ ("Installed the udev rule"));
      boot0_window_show_result (self, BOOT0_WINDOW_RESULT_SUCCESS,
                                _ ("Done: the udev rule is installed"),
                                _ ("Unplug the board and plug it back in (in bootloader mode): "
                                   "Boot0 may use it now."),
                                FALSE);
      return;
    }
  /* pkexec: 126 when the dialog was dismissed, 127 when not authorized. */
  if (g_subprocess_get_if_exited (process) && g_subprocess_get_exit_status (process) >= 126)
    detail = g_markup_escape_text (_ ("The administrator password was not given. Run the command "
                                      "below in a terminal instead."),
                                   -1);
  else
    detail = g_markup_escape_text (
        err_text != NULL && *err_text != '\0' ? err_text : _ ("Unknown error"), -1);
  boot0_window_log (self, FALSE, _ ("The udev rule was not installed: %s"),
                    err_text != NULL ? err_text : "");
  boot0_window_show_result (self, BOOT0_WINDOW_RESULT_ERROR,
                            _ ("Failed: the udev rule was not installed"), detail, TRUE);
}

void
boot0_window_install_udev_rule (Boot0Window *self)
{
  g_autofree char *script = rule_script ();
  g_autoptr (GSubprocess) process = NULL;
  g_autoptr (GError) error = NULL;

  boot0_window_log (self, FALSE, _ ("Installing the udev rule: pkexec sh -c “%s”"), script);
  process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDERR_PIPE | G_SUBPROCESS_FLAGS_STDOUT_SILENCE,
                              &error, "pkexec", "sh", "-c", script, NULL);
  if (process == NULL)
    {
      g_autofree char *detail = g_markup_printf_escaped (
          _ ("pkexec could not be started (%s). Run this in a terminal instead: sudo sh -c '%s'"),
          error->message, script);
      boot0_window_show_result (self, BOOT0_WINDOW_RESULT_ERROR,
                                _ ("Failed: the udev rule was not installed"), detail, TRUE);
      return;
    }
  gtk_widget_set_sensitive (GTK_WIDGET (self->install_rule_button), FALSE);
  g_subprocess_communicate_utf8_async (process, NULL, NULL, install_rule_done_cb,
                                       g_object_ref (self));
}
