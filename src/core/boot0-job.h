/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A flashing job: runs a plan on a device (erase -> program -> verify ->
 * run) with progress, cancellation and failure messages that say what
 * state the flash is in and what to do next. */
#pragma once

#include <gio/gio.h>

#include "boot0-device.h"
#include "boot0-plan.h"

G_BEGIN_DECLS

typedef enum
{
  BOOT0_JOB_STAGE_OPEN,
  /* Includes the blank check of each sector before it is erased. */
  BOOT0_JOB_STAGE_ERASE,
  BOOT0_JOB_STAGE_PROGRAM,
  BOOT0_JOB_STAGE_VERIFY,
  BOOT0_JOB_STAGE_RUN,
  BOOT0_JOB_STAGE_DONE,
} Boot0JobStage;

#define BOOT0_JOB_N_STAGES (BOOT0_JOB_STAGE_DONE + 1)

/* "open", "erase", "program", "verify", "run", "done". */
const char *boot0_job_stage_to_string (Boot0JobStage stage);
/* "Opening the device", "Erasing", "Programming", "Verifying", "Starting
 * the firmware", "Done". */
const char *boot0_job_stage_to_description (Boot0JobStage stage);

typedef struct
{
  Boot0JobStage stage;
  /* Bytes of this stage: sectors erased (or found blank), bytes written,
   * bytes read back. 0 of 0 for OPEN, RUN and DONE. */
  guint64 stage_done;
  guint64 stage_total;
  /* The same over every stage of the plan. */
  guint64 done;
  guint64 total;
  /* Bytes per second in this stage over the last seconds; 0 while unknown. */
  gdouble rate;
  /* Seconds left in this stage; -1 while unknown. */
  gint64 eta;
  /* Microseconds since the job started. */
  gint64 elapsed;
} Boot0JobProgress;

#define BOOT0_TYPE_JOB_PROGRESS (boot0_job_progress_get_type ())
GType boot0_job_progress_get_type (void) G_GNUC_CONST;
Boot0JobProgress *boot0_job_progress_copy (const Boot0JobProgress *progress);
void boot0_job_progress_free (Boot0JobProgress *progress);

#define BOOT0_TYPE_JOB (boot0_job_get_type ())
G_DECLARE_FINAL_TYPE (Boot0Job, boot0_job, BOOT0, JOB, GObject)

/* Signals:
 * "progress" (Boot0Job *job, const Boot0JobProgress *progress): with
 *   boot0_job_run_async() only, on the main context that was the thread
 *   default when it was called. Updates are coalesced: at most one per
 *   progress interval, plus the first and last one of every stage, all
 *   delivered before the async callback runs. */

Boot0Job *boot0_job_new (Boot0Device *device, Boot0Plan *plan);

Boot0Device *boot0_job_get_device (Boot0Job *self);
Boot0Plan *boot0_job_get_plan (Boot0Job *self);

/* Called on the thread running the job, at most once per progress interval
 * plus the first and last update of every stage. */
typedef void (*Boot0JobProgressFunc) (Boot0Job *job, const Boot0JobProgress *progress,
                                      gpointer user_data);
void boot0_job_set_progress_func (Boot0Job *self, Boot0JobProgressFunc func, gpointer user_data,
                                  GDestroyNotify notify);
/* Shortest time between two updates (default 100 ms). */
void boot0_job_set_progress_interval (Boot0Job *self, guint interval_ms);
/* A monotonic clock in microseconds instead of g_get_monotonic_time(): for
 * tests, to make time pass deterministically. */
typedef gint64 (*Boot0JobClockFunc) (gpointer user_data);
void boot0_job_set_clock_func (Boot0Job *self, Boot0JobClockFunc func, gpointer user_data);

/* Runs the plan, blocking: from a worker thread or a command-line tool. A
 * job runs once. Opens the device if it is not open (and closes it again at
 * the end). Cancellation (G_IO_ERROR_CANCELLED) is checked between
 * transfers. Errors keep the device's error code (BOOT0_ERROR_DEVICE_GONE,
 * BOOT0_ERROR_VERIFY_FAILED...) and say what state the flash is left in and
 * what to do. */
gboolean boot0_job_run (Boot0Job *self, GCancellable *cancellable, GError **error);
/* Runs it in a worker thread (g_task_run_in_thread()). */
void boot0_job_run_async (Boot0Job *self, GCancellable *cancellable, GAsyncReadyCallback callback,
                          gpointer user_data);
gboolean boot0_job_run_finish (Boot0Job *self, GAsyncResult *result, GError **error);

/* The latest progress; safe from any thread while the job runs. */
void boot0_job_get_progress (Boot0Job *self, Boot0JobProgress *progress);

/* Results, complete once the job has finished (also after a failure). */
/* The stage reached last: DONE on success, else the one that failed. */
Boot0JobStage boot0_job_get_stage (Boot0Job *self);
/* Microseconds spent in a stage, and in all. */
gint64 boot0_job_get_stage_time (Boot0Job *self, Boot0JobStage stage);
gint64 boot0_job_get_elapsed (Boot0Job *self);
/* Sector erases done, and sectors skipped because they were already blank. */
guint boot0_job_get_n_sectors_erased (Boot0Job *self);
guint boot0_job_get_n_sectors_blank (Boot0Job *self);
guint64 boot0_job_get_bytes_written (Boot0Job *self);
guint64 boot0_job_get_bytes_verified (Boot0Job *self);
/* For a success message: "Erased 5 sectors in 3.1 s (2 more were already
 * blank), wrote 200 KiB in 6.2 s (32.3 KiB/s), verified 200 KiB in 1.0 s,
 * started the firmware at 0x08000000; 10.4 s in all". */
char *boot0_job_get_summary (Boot0Job *self);

G_END_DECLS
