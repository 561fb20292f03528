/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Runs a plan on a device: erase -> program -> verify -> run. Progress is
 * kept behind a mutex and handed to the caller's main context by at most
 * one pending idle source (the GNOME Disks pattern). */
#include "config.h"

#include <string.h>

#include "boot0-crc.h"
#include "boot0-error.h"
#include "boot0-job.h"

#define DEFAULT_INTERVAL_US (100 * G_TIME_SPAN_MILLISECOND)
/* Rate estimator: samples at most every SAMPLE_US, the rate measured over
 * the last WINDOW_US and only once MIN_SPAN_US has passed, then smoothed. */
#define SAMPLE_US   (50 * G_TIME_SPAN_MILLISECOND)
#define WINDOW_US   (2 * G_TIME_SPAN_SECOND)
#define MIN_SPAN_US (250 * G_TIME_SPAN_MILLISECOND)
#define N_SAMPLES   64
#define RATE_ALPHA  0.5

typedef struct
{
  gint64 time;
  guint64 done;
} RateSample;

typedef struct
{
  Boot0JobProgress progress;
  gboolean forced;
} QueuedProgress;

/* What a failed step was doing, for the final message. */
typedef enum
{
  FAIL_NONE,
  FAIL_OPEN,
  FAIL_BLANK_CHECK,
  FAIL_ERASE,
  FAIL_MASS_ERASE,
  FAIL_WRITE,
  FAIL_VERIFY_READ,
  FAIL_RUN,
  FAIL_FINAL, /* the error message is complete already */
} FailKind;

struct _Boot0Job
{
  GObject parent_instance;

  Boot0Device *device;
  Boot0Plan *plan;
  gboolean started;

  Boot0JobProgressFunc progress_func;
  gpointer progress_data;
  GDestroyNotify progress_notify;
  gint64 interval_us;
  Boot0JobClockFunc clock_func;
  gpointer clock_data;

  /* Only touched by the thread running the job. */
  gint64 start_time;
  gint64 stage_start;
  gint64 last_report;
  guint64 overall_base; /* overall bytes before this stage */
  RateSample samples[N_SAMPLES];
  guint n_samples;
  FailKind fail_kind;
  guint32 fail_address;
  /* The device said NOT_SUPPORTED to a checksum: read back from then on. */
  gboolean no_checksum;

  GMutex mutex; /* guards everything below */
  Boot0JobProgress progress;
  GMainContext *context; /* where "progress" is emitted; NULL when synchronous */
  GArray *queue;         /* QueuedProgress for the idle source */
  gboolean idle_pending;
  gint64 stage_time[BOOT0_JOB_N_STAGES];
  gint64 elapsed;
  guint n_erased;
  guint n_blank;
  gboolean mass_erased;
  guint64 bytes_written;
  guint64 bytes_verified;
};

enum
{
  SIGNAL_PROGRESS,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_TYPE (Boot0Job, boot0_job, G_TYPE_OBJECT)
G_DEFINE_BOXED_TYPE (Boot0JobProgress, boot0_job_progress, boot0_job_progress_copy,
                     boot0_job_progress_free)

Boot0JobProgress *
boot0_job_progress_copy (const Boot0JobProgress *progress)
{
  return g_memdup2 (progress, sizeof (*progress));
}

void
boot0_job_progress_free (Boot0JobProgress *progress)
{
  g_free (progress);
}

const char *
boot0_job_stage_to_string (Boot0JobStage stage)
{
  switch (stage)
    {
      case BOOT0_JOB_STAGE_OPEN:
        return "open";
      case BOOT0_JOB_STAGE_ERASE:
        return "erase";
      case BOOT0_JOB_STAGE_PROGRAM:
        return "program";
      case BOOT0_JOB_STAGE_VERIFY:
        return "verify";
      case BOOT0_JOB_STAGE_RUN:
        return "run";
      case BOOT0_JOB_STAGE_DONE:
        return "done";
      default:
        return "unknown";
    }
}

const char *
boot0_job_stage_to_description (Boot0JobStage stage)
{
  switch (stage)
    {
      case BOOT0_JOB_STAGE_OPEN:
        return "Opening the device";
      case BOOT0_JOB_STAGE_ERASE:
        return "Erasing";
      case BOOT0_JOB_STAGE_PROGRAM:
        return "Programming";
      case BOOT0_JOB_STAGE_VERIFY:
        return "Verifying";
      case BOOT0_JOB_STAGE_RUN:
        return "Starting the firmware";
      case BOOT0_JOB_STAGE_DONE:
        return "Done";
      default:
        return "Unknown";
    }
}

/* Progress --------------------------------------------------------------- */

static gint64
job_now (Boot0Job *self)
{
  if (self->clock_func != NULL)
    return self->clock_func (self->clock_data);
  return g_get_monotonic_time ();
}

static void
rate_reset (Boot0Job *self, gint64 now)
{
  self->samples[0].time = now;
  self->samples[0].done = 0;
  self->n_samples = 1;
}

static void
rate_add_sample (Boot0Job *self, gint64 now, guint64 done)
{
  if (now - self->samples[self->n_samples - 1].time < SAMPLE_US)
    return;
  if (self->n_samples == N_SAMPLES)
    {
      memmove (&self->samples[0], &self->samples[1], (N_SAMPLES - 1) * sizeof (RateSample));
      self->n_samples--;
    }
  self->samples[self->n_samples].time = now;
  self->samples[self->n_samples].done = done;
  self->n_samples++;
}

/* Bytes per second over the window ending now, smoothed with the previous
 * estimate; keeps the previous estimate while the window is too short. */
static void
rate_update (Boot0Job *self, gint64 now)
{
  Boot0JobProgress *p = &self->progress;
  const RateSample *base = &self->samples[0];
  gint64 span;
  gdouble rate;

  /* The newest sample at least a window old, else the oldest one. */
  for (guint i = 0; i < self->n_samples; i++)
    {
      if (now - self->samples[i].time < WINDOW_US)
        break;
      base = &self->samples[i];
    }
  span = now - base->time;
  if (span >= MIN_SPAN_US)
    {
      rate = (gdouble)(p->stage_done - base->done) * G_USEC_PER_SEC / (gdouble)span;
      p->rate = p->rate > 0 ? RATE_ALPHA * rate + (1 - RATE_ALPHA) * p->rate : rate;
    }
  if (p->stage_done >= p->stage_total)
    p->eta = 0;
  else if (p->rate > 0)
    {
      /* Rounded up, without libm. */
      gdouble left = (gdouble)(p->stage_total - p->stage_done) / p->rate;
      p->eta = (gint64)left;
      if ((gdouble)p->eta < left)
        p->eta++;
    }
  else
    p->eta = -1;
}

static gboolean
emit_progress_cb (gpointer user_data)
{
  Boot0Job *self = BOOT0_JOB (user_data);
  g_autoptr (GArray) queue = NULL;

  g_mutex_lock (&self->mutex);
  queue = g_steal_pointer (&self->queue);
  self->queue = g_array_new (FALSE, FALSE, sizeof (QueuedProgress));
  self->idle_pending = FALSE;
  g_mutex_unlock (&self->mutex);

  for (guint i = 0; i < queue->len; i++)
    g_signal_emit (self, signals[SIGNAL_PROGRESS], 0,
                   &g_array_index (queue, QueuedProgress, i).progress);
  return G_SOURCE_REMOVE;
}

/* Called with the mutex held: queues a snapshot for the main context. A
 * plain update replaces a plain one still waiting; stage boundaries are
 * kept, so every stage's first and last update arrive in order. */
static void
queue_progress_locked (Boot0Job *self, const Boot0JobProgress *snapshot, gboolean forced)
{
  QueuedProgress entry = { *snapshot, forced };

  if (self->queue->len > 0 &&
      !g_array_index (self->queue, QueuedProgress, self->queue->len - 1).forced)
    g_array_index (self->queue, QueuedProgress, self->queue->len - 1) = entry;
  else
    g_array_append_val (self->queue, entry);

  if (!self->idle_pending)
    {
      GSource *source = g_idle_source_new ();
      /* Same priority as GTask's completion source, and attached before it,
       * so the last update comes before the async callback. */
      g_source_set_priority (source, G_PRIORITY_DEFAULT);
      g_source_set_name (source, "[boot0] job progress");
      g_source_set_callback (source, emit_progress_cb, g_object_ref (self), g_object_unref);
      g_source_attach (source, self->context);
      g_source_unref (source);
      self->idle_pending = TRUE;
    }
}

/* Hands out the progress, at most once per interval unless forced (the
 * first and last update of a stage). */
static void
report (Boot0Job *self, gboolean forced)
{
  gint64 now = job_now (self);
  Boot0JobProgress snapshot;

  g_mutex_lock (&self->mutex);
  rate_add_sample (self, now, self->progress.stage_done);
  if (!forced && now - self->last_report < self->interval_us)
    {
      g_mutex_unlock (&self->mutex);
      return;
    }
  self->last_report = now;
  rate_update (self, now);
  self->progress.elapsed = now - self->start_time;
  snapshot = self->progress;
  if (self->context != NULL)
    queue_progress_locked (self, &snapshot, forced);
  g_mutex_unlock (&self->mutex);

  if (self->progress_func != NULL)
    self->progress_func (self, &snapshot, self->progress_data);
}

static void
stage_begin (Boot0Job *self, Boot0JobStage stage, guint64 total)
{
  gint64 now = job_now (self);

  g_mutex_lock (&self->mutex);
  self->overall_base = self->progress.done;
  self->progress.stage = stage;
  self->progress.stage_done = 0;
  self->progress.stage_total = total;
  self->progress.rate = 0;
  self->progress.eta = total == 0 ? 0 : -1;
  self->stage_start = now;
  rate_reset (self, now);
  g_mutex_unlock (&self->mutex);
  report (self, TRUE);
}

static void
set_stage_done (Boot0Job *self, guint64 done)
{
  g_mutex_lock (&self->mutex);
  self->progress.stage_done = done;
  self->progress.done = self->overall_base + done;
  g_mutex_unlock (&self->mutex);
  report (self, FALSE);
}

static void
stage_end (Boot0Job *self)
{
  gint64 now = job_now (self);

  g_mutex_lock (&self->mutex);
  self->stage_time[self->progress.stage] += now - self->stage_start;
  self->progress.stage_done = self->progress.stage_total;
  self->progress.done = self->overall_base + self->progress.stage_total;
  g_mutex_unlock (&self->mutex);
  report (self, TRUE);
}

/* Steps ------------------------------------------------------------------ */

static gboolean
check_cancelled (Boot0Job *self, GCancellable *cancellable, GError **error)
{
  return !g_cancellable_set_error_if_cancelled (cancellable, error);
}

static gboolean
is_blank (const guint8 *buf, gsize len)
{
  for (gsize i = 0; i < len; i++)
    {
      if (buf[i] != 0xFF)
        return FALSE;
    }
  return TRUE;
}

/* Reads the sector in transfer-size chunks up to the first byte that is not
 * 0xFF. A blank sector needs no erase: this saves the device's time, since
 * many chips ship blank and some custom bootloaders' erase wipes the whole
 * application area at the first sector erased, after which the others read
 * blank. */
/* Checking a small page costs a few transfers, about what erasing it costs
 * (a 2 KiB page erases in ~20 ms): only sectors from this size up, whose
 * erase takes hundreds of milliseconds, are read first. */
#define BLANK_CHECK_MIN_SECTOR (8 * 1024)

/* The device's checksum of [address, address + len), when it can compute
 * one (AN3155 Get Checksum): FALSE with no error when it cannot. */
static gboolean
device_checksum (Boot0Job *self, guint32 address, guint64 len, guint32 *crc, gboolean *done,
                 GError **error)
{
  g_autoptr (GError) local_error = NULL;

  *done = FALSE;
  if (self->no_checksum || !boot0_device_can_checksum (self->device) || address % 4 != 0 ||
      len % 4 != 0 || len == 0)
    return TRUE;
  if (boot0_device_checksum (self->device, address, (gsize)len, crc, &local_error))
    {
      *done = TRUE;
      return TRUE;
    }
  if (g_error_matches (local_error, BOOT0_ERROR, BOOT0_ERROR_NOT_SUPPORTED))
    {
      self->no_checksum = TRUE;
      return TRUE;
    }
  g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

/* The STM32 CRC of len bytes of erased flash. */
static guint32
erased_crc (guint64 len)
{
  guint8 ff[256];
  guint32 crc = 0xFFFFFFFFu;

  memset (ff, 0xFF, sizeof ff);
  for (guint64 off = 0; off < len; off += sizeof ff)
    crc = boot0_crc32_stm32 (crc, ff, (gsize)MIN ((guint64)sizeof ff, len - off));
  return crc;
}

static gboolean
sector_is_blank (Boot0Job *self, const Boot0PlanErase *e, guint64 base, guint8 *buf,
                 gsize transfer_size, GCancellable *cancellable, gboolean *blank, GError **error)
{
  guint32 crc = 0;
  gboolean by_checksum = FALSE;

  /* A device that checksums its flash answers in a few bytes what a read
   * back moves the whole sector for (a UART reads 10 KiB/s). */
  self->fail_kind = FAIL_BLANK_CHECK;
  self->fail_address = e->address;
  if (!device_checksum (self, e->address, e->size, &crc, &by_checksum, error))
    return FALSE;
  self->fail_kind = FAIL_NONE;
  if (by_checksum)
    {
      *blank = crc == erased_crc (e->size);
      if (*blank)
        set_stage_done (self, base + e->size);
      return TRUE;
    }
  for (guint64 off = 0; off < e->size; off += transfer_size)
    {
      gsize len = (gsize)MIN ((guint64)transfer_size, e->size - off);

      if (!check_cancelled (self, cancellable, error))
        return FALSE;
      self->fail_kind = FAIL_BLANK_CHECK;
      self->fail_address = e->address;
      if (!boot0_device_read (self->device, e->address + (guint32)off, buf, len, error))
        return FALSE;
      self->fail_kind = FAIL_NONE;
      if (!is_blank (buf, len))
        {
          *blank = FALSE;
          return TRUE;
        }
      set_stage_done (self, base + off + len);
    }
  *blank = TRUE;
  return TRUE;
}

static gboolean
do_erase (Boot0Job *self, gsize transfer_size, GCancellable *cancellable, GError **error)
{
  guint n = boot0_plan_get_n_erases (self->plan);
  gboolean blank_check = boot0_plan_get_blank_check (self->plan);
  g_autofree guint8 *buf = NULL;
  guint64 base = 0;

  if (n == 0)
    return TRUE;
  stage_begin (self, BOOT0_JOB_STAGE_ERASE, boot0_plan_get_erase_size (self->plan));

  if (boot0_plan_get_mass_erase (self->plan))
    {
      if (!check_cancelled (self, cancellable, error))
        return FALSE;
      self->fail_kind = FAIL_MASS_ERASE;
      if (!boot0_device_mass_erase (self->device, error))
        return FALSE;
      self->fail_kind = FAIL_NONE;
      g_mutex_lock (&self->mutex);
      self->mass_erased = TRUE;
      g_mutex_unlock (&self->mutex);
      stage_end (self);
      return TRUE;
    }

  buf = g_malloc (transfer_size);
  for (guint i = 0; i < n; i++)
    {
      const Boot0PlanErase *e = boot0_plan_get_erase (self->plan, i);
      gboolean blank = FALSE;

      if (blank_check && (e->flags & BOOT0_DFUSE_SECTOR_FLAG_READABLE) &&
          e->size >= BLANK_CHECK_MIN_SECTOR &&
          !sector_is_blank (self, e, base, buf, transfer_size, cancellable, &blank, error))
        return FALSE;
      if (!blank)
        {
          if (!check_cancelled (self, cancellable, error))
            return FALSE;
          self->fail_kind = FAIL_ERASE;
          self->fail_address = e->address;
          if (!boot0_device_erase_sector (self->device, e->address, error))
            return FALSE;
          self->fail_kind = FAIL_NONE;
        }
      g_mutex_lock (&self->mutex);
      if (blank)
        self->n_blank++;
      else
        self->n_erased++;
      g_mutex_unlock (&self->mutex);
      base += e->size;
      set_stage_done (self, base);
    }
  stage_end (self);
  return TRUE;
}

static gboolean
do_program (Boot0Job *self, GArray *chunks, GCancellable *cancellable, GError **error)
{
  guint64 done = 0;

  if (!boot0_plan_get_program (self->plan))
    return TRUE;
  stage_begin (self, BOOT0_JOB_STAGE_PROGRAM, boot0_plan_get_write_size (self->plan));
  for (guint i = 0; i < chunks->len; i++)
    {
      const Boot0PlanRange *c = &g_array_index (chunks, Boot0PlanRange, i);

      if (!check_cancelled (self, cancellable, error))
        return FALSE;
      self->fail_kind = FAIL_WRITE;
      self->fail_address = c->address;
      if (!boot0_device_write (self->device, c->address, c->data, c->len, error))
        return FALSE;
      self->fail_kind = FAIL_NONE;
      done += c->len;
      g_mutex_lock (&self->mutex);
      self->bytes_written = done;
      g_mutex_unlock (&self->mutex);
      set_stage_done (self, done);
    }
  stage_end (self);
  return TRUE;
}

static gboolean
do_verify (Boot0Job *self, GArray *chunks, gsize transfer_size, GCancellable *cancellable,
           GError **error)
{
  g_autofree guint8 *buf = NULL;
  guint64 done = 0;

  if (!boot0_plan_get_verify (self->plan))
    return TRUE;
  stage_begin (self, BOOT0_JOB_STAGE_VERIFY, boot0_plan_get_verify_size (self->plan));
  buf = g_malloc (transfer_size);
  for (guint i = 0; i < chunks->len; i++)
    {
      const Boot0PlanRange *c = &g_array_index (chunks, Boot0PlanRange, i);

      guint32 crc = 0;
      gboolean by_checksum = FALSE;

      if (!check_cancelled (self, cancellable, error))
        return FALSE;
      self->fail_kind = FAIL_VERIFY_READ;
      self->fail_address = c->address;
      /* The device's checksum of an aligned chunk spares reading it back;
       * a mismatch is read back to name the first differing byte. */
      if (!device_checksum (self, c->address, c->len, &crc, &by_checksum, error))
        return FALSE;
      if (by_checksum && crc == boot0_crc32_stm32 (0xFFFFFFFFu, c->data, c->len))
        {
          self->fail_kind = FAIL_NONE;
          done += c->len;
          g_mutex_lock (&self->mutex);
          self->bytes_verified = done;
          g_mutex_unlock (&self->mutex);
          set_stage_done (self, done);
          continue;
        }
      if (!boot0_device_read (self->device, c->address, buf, c->len, error))
        return FALSE;
      self->fail_kind = FAIL_NONE;
      if (by_checksum && memcmp (buf, c->data, c->len) == 0)
        g_debug ("the checksum at 0x%08X differed but the data read back matches", c->address);
      if (memcmp (buf, c->data, c->len) != 0)
        {
          gsize first = 0;
          guint n_diff = 0;

          for (gsize j = c->len; j > 0; j--)
            {
              if (buf[j - 1] != c->data[j - 1])
                {
                  first = j - 1;
                  n_diff++;
                }
            }
          self->fail_kind = FAIL_FINAL;
          g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_VERIFY_FAILED,
                       "Verification failed: data differs at 0x%08X (expected 0x%02X, read "
                       "0x%02X; %u of the %" G_GSIZE_FORMAT " bytes at 0x%08X differ): %s",
                       c->address + (guint32)first, c->data[first], buf[first], n_diff, c->len,
                       c->address,
                       boot0_plan_get_program (self->plan)
                           ? "the flash holds wrong data; program again. If it keeps failing, the "
                             "sector may be worn or write-protected."
                           : "the flash does not hold this image.");
          return FALSE;
        }
      done += c->len;
      g_mutex_lock (&self->mutex);
      self->bytes_verified = done;
      g_mutex_unlock (&self->mutex);
      set_stage_done (self, done);
    }
  stage_end (self);
  return TRUE;
}

static gboolean
do_run (Boot0Job *self, GCancellable *cancellable, GError **error)
{
  guint32 address;

  if (!boot0_plan_get_run (self->plan, &address))
    return TRUE;
  stage_begin (self, BOOT0_JOB_STAGE_RUN, 0);
  if (!check_cancelled (self, cancellable, error))
    return FALSE;
  self->fail_kind = FAIL_RUN;
  self->fail_address = address;
  if (!boot0_device_run (self->device, address, error))
    return FALSE;
  self->fail_kind = FAIL_NONE;
  stage_end (self);
  return TRUE;
}

/* Failure messages --------------------------------------------------------- */

/* "during programming", for "Cancelled ..." and "The device disconnected ...". */
static const char *
stage_phrase (Boot0JobStage stage)
{
  switch (stage)
    {
      case BOOT0_JOB_STAGE_OPEN:
        return "while opening the device";
      case BOOT0_JOB_STAGE_ERASE:
        return "while erasing";
      case BOOT0_JOB_STAGE_PROGRAM:
        return "during programming";
      case BOOT0_JOB_STAGE_VERIFY:
        return "during verification";
      case BOOT0_JOB_STAGE_RUN:
        return "while starting the firmware";
      case BOOT0_JOB_STAGE_DONE:
      default:
        return "at the end";
    }
}

/* What the flash holds now, as a clause starting in lower case; *changed
 * tells whether the job changed it at all. */
static char *
describe_flash (Boot0Job *self, Boot0JobStage stage, gboolean *changed)
{
  guint n_plan_erases = boot0_plan_get_n_erases (self->plan);
  gboolean mass = boot0_plan_get_mass_erase (self->plan);
  guint n_done = self->n_erased + self->n_blank;
  /* An erase command that failed may have erased part of its sector. */
  gboolean erase_touched = self->n_erased > 0 || self->mass_erased ||
                           self->fail_kind == FAIL_ERASE || self->fail_kind == FAIL_MASS_ERASE;
  g_autofree char *written = NULL;
  g_autofree char *total = NULL;
  g_autofree char *erased = NULL;

  *changed = TRUE;
  switch (stage)
    {
      case BOOT0_JOB_STAGE_ERASE:
        if (!erase_touched)
          break;
        if (mass)
          return g_strdup ("the flash may be partly erased; the old firmware is damaged");
        return g_strdup_printf ("the flash is partly erased (%u of %u sectors); the old "
                                "firmware is damaged",
                                n_done, n_plan_erases);

      case BOOT0_JOB_STAGE_PROGRAM:
        if (mass)
          erased = g_strdup ("the flash mass-erased");
        else if (n_plan_erases > 0)
          erased =
              g_strdup_printf ("%u sector%s erased", n_plan_erases, n_plan_erases == 1 ? "" : "s");
        if (self->bytes_written == 0)
          {
            if (erased == NULL || self->n_erased + (self->mass_erased ? 1 : 0) == 0)
              break;
            return g_strdup_printf ("the flash is erased (%s) but nothing is written yet; the "
                                    "board will not start the old firmware",
                                    erased);
          }
        written = boot0_plan_format_size (self->bytes_written);
        total = boot0_plan_format_size (boot0_plan_get_write_size (self->plan));
        return g_strdup_printf ("the flash is partly written (%s%s%s of %s written); the "
                                "board will not start the old firmware",
                                erased != NULL ? erased : "", erased != NULL ? ", " : "", written,
                                total);

      case BOOT0_JOB_STAGE_VERIFY:
        if (!boot0_plan_get_program (self->plan))
          break;
        return g_strdup ("the firmware is written but not verified");

      case BOOT0_JOB_STAGE_RUN:
        if (!boot0_plan_get_program (self->plan))
          break;
        return g_strdup_printf ("the firmware is in place (written%s)",
                                boot0_plan_get_verify (self->plan) ? " and verified" : "");

      case BOOT0_JOB_STAGE_OPEN:
      case BOOT0_JOB_STAGE_DONE:
      default:
        break;
    }
  *changed = FALSE;
  return g_strdup ("the flash was not changed");
}

static char *
capitalize (const char *str)
{
  char *s = g_strdup (str);
  s[0] = g_ascii_toupper (s[0]);
  return s;
}

/* What to do next, as a sentence (or nothing). */
static char *
advice (Boot0Job *self, Boot0JobStage stage, gboolean cancelled)
{
  gboolean program = boot0_plan_get_program (self->plan);
  const char *again = boot0_plan_get_image (self->plan) == NULL ? "Erase"
                      : program                                 ? "Program"
                                                                : "Verify";
  const char *tail = boot0_device_get_kind (self->device) == BOOT0_DEVICE_KIND_UART
                         ? "check the serial connection or try a lower baud rate."
                         : "try another USB cable or port.";

  switch (stage)
    {
      case BOOT0_JOB_STAGE_OPEN:
      case BOOT0_JOB_STAGE_DONE:
        return g_strdup ("");
      case BOOT0_JOB_STAGE_RUN:
        return g_strdup ("Reset the board with BOOT0 low to start it.");
      case BOOT0_JOB_STAGE_VERIFY:
        if (cancelled)
          return g_strdup ("Verify it to be sure.");
        return g_strdup_printf ("%s; if it keeps failing, %s",
                                program ? "Verify or program again" : "Verify again", tail);
      case BOOT0_JOB_STAGE_ERASE:
      case BOOT0_JOB_STAGE_PROGRAM:
      default:
        if (cancelled)
          return g_strdup_printf ("%s again to finish.", again);
        return g_strdup_printf ("%s again (the device stays in the bootloader); if it keeps "
                                "failing, %s",
                                again, tail);
    }
}

/* "Programming failed at 0x08010800" for the step that failed. */
static char *
describe_step (Boot0Job *self)
{
  switch (self->fail_kind)
    {
      case FAIL_OPEN:
        return g_strdup ("Could not open the device");
      case FAIL_BLANK_CHECK:
        return g_strdup_printf ("Reading the sector at 0x%08X to check whether it is blank failed",
                                self->fail_address);
      case FAIL_ERASE:
        return g_strdup_printf ("Erasing the sector at 0x%08X failed", self->fail_address);
      case FAIL_MASS_ERASE:
        return g_strdup ("The mass erase failed");
      case FAIL_WRITE:
        return g_strdup_printf ("Programming failed at 0x%08X", self->fail_address);
      case FAIL_VERIFY_READ:
        return g_strdup_printf ("Reading back 0x%08X to verify it failed", self->fail_address);
      case FAIL_RUN:
        return g_strdup_printf ("Starting the firmware at 0x%08X failed", self->fail_address);
      case FAIL_NONE:
      case FAIL_FINAL:
      default:
        return g_strdup ("The job failed");
    }
}

/* Rewrites the error of a failed step into one that keeps its domain and
 * code and says what happened, what the flash holds and what to do. */
static void
explain_failure (Boot0Job *self, Boot0JobStage stage, GError **error)
{
  GError *cause = *error;
  g_autofree char *flash = NULL;
  g_autofree char *cap = NULL;
  g_autofree char *message = NULL;
  gboolean changed;

  if (self->fail_kind == FAIL_FINAL)
    return;
  g_mutex_lock (&self->mutex);
  flash = describe_flash (self, stage, &changed);
  g_mutex_unlock (&self->mutex);
  cap = capitalize (flash);

  if (g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_autofree char *todo = advice (self, stage, TRUE);
      if (changed)
        message = g_strdup_printf ("Cancelled %s: %s. %s", stage_phrase (stage), flash, todo);
      else
        message = g_strdup_printf ("Cancelled %s: %s.", stage_phrase (stage), flash);
    }
  else if (g_error_matches (cause, BOOT0_ERROR, BOOT0_ERROR_DEVICE_GONE))
    {
      const char *todo = stage == BOOT0_JOB_STAGE_RUN                ? "check the firmware"
                         : boot0_plan_get_image (self->plan) == NULL ? "erase again"
                         : boot0_plan_get_program (self->plan)       ? "program again"
                                                                     : "verify again";
      message = g_strdup_printf ("The device disconnected %s (%s). %s. Reconnect it in "
                                 "bootloader mode and %s.",
                                 stage_phrase (stage), cause->message, cap, todo);
    }
  else
    {
      g_autofree char *step = describe_step (self);
      g_autofree char *todo = advice (self, stage, FALSE);
      gsize len = strlen (cause->message);
      gboolean has_stop = len > 0 && cause->message[len - 1] == '.';
      message = g_strdup_printf ("%s: %s%s %s.%s%s", step, cause->message, has_stop ? "" : ".", cap,
                                 *todo != '\0' ? " " : "", todo);
    }
  g_free (cause->message);
  cause->message = g_steal_pointer (&message);
}

/* Running -------------------------------------------------------------------- */

static gboolean
check_layout (Boot0Job *self, GError **error)
{
  Boot0DfuseLayout *flash = boot0_device_get_flash (self->device);
  Boot0DfuseLayout *planned = boot0_plan_get_flash (self->plan);
  g_autofree char *want = boot0_dfuse_layout_to_string (planned);
  g_autofree char *have = NULL;

  if (flash == NULL)
    {
      g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_NOT_SUPPORTED,
                   "The device shows no flash memory; the flash was not changed.");
      return FALSE;
    }
  if (boot0_dfuse_layout_equal_memory (flash, planned))
    return TRUE;
  have = boot0_dfuse_layout_to_string (flash);
  g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_ARGUMENT,
               "The plan was made for the flash layout \"%s\" but the device has \"%s\"; the "
               "flash was not changed. Plan again for this device.",
               want, have);
  return FALSE;
}

static gboolean
run_job (Boot0Job *self, GCancellable *cancellable, GError **error)
{
  g_autoptr (GArray) chunks = NULL;
  gboolean opened = FALSE;
  gboolean ok = FALSE;
  gsize transfer_size;
  Boot0JobStage stage;

  self->start_time = job_now (self);
  self->last_report = self->start_time - self->interval_us;
  g_mutex_lock (&self->mutex);
  self->progress.total = boot0_plan_get_erase_size (self->plan) +
                         boot0_plan_get_write_size (self->plan) +
                         boot0_plan_get_verify_size (self->plan);
  g_mutex_unlock (&self->mutex);

  stage_begin (self, BOOT0_JOB_STAGE_OPEN, 0);
  if (!check_cancelled (self, cancellable, error))
    goto out;
  if (!boot0_device_is_open (self->device))
    {
      self->fail_kind = FAIL_OPEN;
      if (!boot0_device_open (self->device, error))
        goto out;
      self->fail_kind = FAIL_NONE;
      opened = TRUE;
    }
  if (!check_layout (self, error))
    {
      self->fail_kind = FAIL_FINAL;
      goto out;
    }
  stage_end (self);

  /* Read after opening: a UART device learns its limits then. */
  transfer_size = boot0_device_get_transfer_size (self->device);
  chunks = boot0_plan_get_chunks (self->plan, transfer_size);
  ok = do_erase (self, transfer_size, cancellable, error) &&
       do_program (self, chunks, cancellable, error) &&
       do_verify (self, chunks, transfer_size, cancellable, error) &&
       do_run (self, cancellable, error);
  if (ok)
    {
      stage_begin (self, BOOT0_JOB_STAGE_DONE, 0);
      stage_end (self);
    }

out:
  g_mutex_lock (&self->mutex);
  stage = self->progress.stage;
  if (!ok)
    self->stage_time[stage] += job_now (self) - self->stage_start;
  self->elapsed = job_now (self) - self->start_time;
  g_mutex_unlock (&self->mutex);
  if (!ok)
    explain_failure (self, stage, error);
  if (opened)
    boot0_device_close (self->device);
  return ok;
}

gboolean
boot0_job_run (Boot0Job *self, GCancellable *cancellable, GError **error)
{
  g_return_val_if_fail (BOOT0_IS_JOB (self), FALSE);
  g_return_val_if_fail (!self->started, FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  self->started = TRUE;
  return run_job (self, cancellable, error);
}

static void
run_thread_cb (GTask *task, gpointer source_object, gpointer task_data, GCancellable *cancellable)
{
  Boot0Job *self = BOOT0_JOB (source_object);
  GError *error = NULL;

  if (run_job (self, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
boot0_job_run_async (Boot0Job *self, GCancellable *cancellable, GAsyncReadyCallback callback,
                     gpointer user_data)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (BOOT0_IS_JOB (self));
  g_return_if_fail (!self->started);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  self->started = TRUE;
  g_mutex_lock (&self->mutex);
  self->context = g_main_context_ref_thread_default ();
  g_mutex_unlock (&self->mutex);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, boot0_job_run_async);
  g_task_set_name (task, "[boot0] flash job");
  /* Our cancel error says what state the flash is in; and a job that ended
   * before the cancel came succeeded. */
  g_task_set_check_cancellable (task, FALSE);
  g_task_run_in_thread (task, run_thread_cb);
}

gboolean
boot0_job_run_finish (Boot0Job *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (BOOT0_IS_JOB (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  /* Whatever the order the main loop picked, the caller sees every update
   * before the result. */
  emit_progress_cb (self);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Object -------------------------------------------------------------------- */

static void
boot0_job_finalize (GObject *object)
{
  Boot0Job *self = BOOT0_JOB (object);

  g_clear_object (&self->device);
  g_clear_object (&self->plan);
  if (self->progress_notify != NULL)
    self->progress_notify (self->progress_data);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_array_unref (self->queue);
  g_mutex_clear (&self->mutex);

  G_OBJECT_CLASS (boot0_job_parent_class)->finalize (object);
}

static void
boot0_job_class_init (Boot0JobClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = boot0_job_finalize;

  signals[SIGNAL_PROGRESS] =
      g_signal_new ("progress", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                    G_TYPE_NONE, 1, BOOT0_TYPE_JOB_PROGRESS | G_SIGNAL_TYPE_STATIC_SCOPE);
}

static void
boot0_job_init (Boot0Job *self)
{
  g_mutex_init (&self->mutex);
  self->queue = g_array_new (FALSE, FALSE, sizeof (QueuedProgress));
  self->interval_us = DEFAULT_INTERVAL_US;
  self->progress.stage = BOOT0_JOB_STAGE_OPEN;
  self->progress.eta = -1;
}

Boot0Job *
boot0_job_new (Boot0Device *device, Boot0Plan *plan)
{
  Boot0Job *self;

  g_return_val_if_fail (BOOT0_IS_DEVICE (device), NULL);
  g_return_val_if_fail (BOOT0_IS_PLAN (plan), NULL);

  self = g_object_new (BOOT0_TYPE_JOB, NULL);
  self->device = g_object_ref (device);
  self->plan = g_object_ref (plan);
  return self;
}

Boot0Device *
boot0_job_get_device (Boot0Job *self)
{
  g_return_val_if_fail (BOOT0_IS_JOB (self), NULL);
  return self->device;
}

Boot0Plan *
boot0_job_get_plan (Boot0Job *self)
{
  g_return_val_if_fail (BOOT0_IS_JOB (self), NULL);
  return self->plan;
}

void
boot0_job_set_progress_func (Boot0Job *self, Boot0JobProgressFunc func, gpointer user_data,
                             GDestroyNotify notify)
{
  g_return_if_fail (BOOT0_IS_JOB (self));
  g_return_if_fail (!self->started);
  if (self->progress_notify != NULL)
    self->progress_notify (self->progress_data);
  self->progress_func = func;
  self->progress_data = user_data;
  self->progress_notify = notify;
}

void
boot0_job_set_progress_interval (Boot0Job *self, guint interval_ms)
{
  g_return_if_fail (BOOT0_IS_JOB (self));
  g_return_if_fail (!self->started);
  self->interval_us = (gint64)interval_ms * G_TIME_SPAN_MILLISECOND;
}

void
boot0_job_set_clock_func (Boot0Job *self, Boot0JobClockFunc func, gpointer user_data)
{
  g_return_if_fail (BOOT0_IS_JOB (self));
  g_return_if_fail (!self->started);
  self->clock_func = func;
  self->clock_data = user_data;
}

void
boot0_job_get_progress (Boot0Job *self, Boot0JobProgress *progress)
{
  g_return_if_fail (BOOT0_IS_JOB (self));
  g_return_if_fail (progress != NULL);
  g_mutex_lock (&self->mutex);
  *progress = self->progress;
  g_mutex_unlock (&self->mutex);
}

Boot0JobStage
boot0_job_get_stage (Boot0Job *self)
{
  Boot0JobStage stage;
  g_return_val_if_fail (BOOT0_IS_JOB (self), BOOT0_JOB_STAGE_OPEN);
  g_mutex_lock (&self->mutex);
  stage = self->progress.stage;
  g_mutex_unlock (&self->mutex);
  return stage;
}

gint64
boot0_job_get_stage_time (Boot0Job *self, Boot0JobStage stage)
{
  gint64 t;
  g_return_val_if_fail (BOOT0_IS_JOB (self), 0);
  g_return_val_if_fail ((guint)stage < BOOT0_JOB_N_STAGES, 0);
  g_mutex_lock (&self->mutex);
  t = self->stage_time[stage];
  g_mutex_unlock (&self->mutex);
  return t;
}

gint64
boot0_job_get_elapsed (Boot0Job *self)
{
  gint64 t;
  g_return_val_if_fail (BOOT0_IS_JOB (self), 0);
  g_mutex_lock (&self->mutex);
  t = self->elapsed;
  g_mutex_unlock (&self->mutex);
  return t;
}

guint
boot0_job_get_n_sectors_erased (Boot0Job *self)
{
  guint n;
  g_return_val_if_fail (BOOT0_IS_JOB (self), 0);
  g_mutex_lock (&self->mutex);
  n = self->n_erased;
  g_mutex_unlock (&self->mutex);
  return n;
}

guint
boot0_job_get_n_sectors_blank (Boot0Job *self)
{
  guint n;
  g_return_val_if_fail (BOOT0_IS_JOB (self), 0);
  g_mutex_lock (&self->mutex);
  n = self->n_blank;
  g_mutex_unlock (&self->mutex);
  return n;
}

guint64
boot0_job_get_bytes_written (Boot0Job *self)
{
  guint64 n;
  g_return_val_if_fail (BOOT0_IS_JOB (self), 0);
  g_mutex_lock (&self->mutex);
  n = self->bytes_written;
  g_mutex_unlock (&self->mutex);
  return n;
}

guint64
boot0_job_get_bytes_verified (Boot0Job *self)
{
  guint64 n;
  g_return_val_if_fail (BOOT0_IS_JOB (self), 0);
  g_mutex_lock (&self->mutex);
  n = self->bytes_verified;
  g_mutex_unlock (&self->mutex);
  return n;
}

static double
seconds (gint64 us)
{
  return (double)us / G_USEC_PER_SEC;
}

char *
boot0_job_get_summary (Boot0Job *self)
{
  g_autoptr (GPtrArray) parts = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *joined = NULL;
  guint32 run_address;
  char *result;

  g_return_val_if_fail (BOOT0_IS_JOB (self), NULL);

  g_mutex_lock (&self->mutex);
  if (self->mass_erased)
    g_ptr_array_add (parts, g_strdup_printf ("mass-erased the flash in %.1f s",
                                             seconds (self->stage_time[BOOT0_JOB_STAGE_ERASE])));
  else if (self->n_erased > 0 && self->n_blank > 0)
    g_ptr_array_add (parts, g_strdup_printf ("erased %u sector%s in %.1f s (%u more %s already "
                                             "blank)",
                                             self->n_erased, self->n_erased == 1 ? "" : "s",
                                             seconds (self->stage_time[BOOT0_JOB_STAGE_ERASE]),
                                             self->n_blank, self->n_blank == 1 ? "was" : "were"));
  else if (self->n_erased > 0)
    g_ptr_array_add (parts, g_strdup_printf ("erased %u sector%s in %.1f s", self->n_erased,
                                             self->n_erased == 1 ? "" : "s",
                                             seconds (self->stage_time[BOOT0_JOB_STAGE_ERASE])));
  else if (self->n_blank > 0)
    g_ptr_array_add (parts, g_strdup_printf ("found the %u sector%s to erase already blank "
                                             "(%.1f s)",
                                             self->n_blank, self->n_blank == 1 ? "" : "s",
                                             seconds (self->stage_time[BOOT0_JOB_STAGE_ERASE])));
  if (self->bytes_written > 0)
    {
      g_autofree char *size = boot0_plan_format_size (self->bytes_written);
      gint64 t = self->stage_time[BOOT0_JOB_STAGE_PROGRAM];
      if (t > 0)
        {
          g_autofree char *rate =
              boot0_plan_format_size ((guint64)(self->bytes_written * G_USEC_PER_SEC / t));
          g_ptr_array_add (parts,
                           g_strdup_printf ("wrote %s in %.1f s (%s/s)", size, seconds (t), rate));
        }
      else
        g_ptr_array_add (parts, g_strdup_printf ("wrote %s", size));
    }
  if (self->bytes_verified > 0)
    {
      g_autofree char *size = boot0_plan_format_size (self->bytes_verified);
      g_ptr_array_add (parts, g_strdup_printf ("verified %s in %.1f s", size,
                                               seconds (self->stage_time[BOOT0_JOB_STAGE_VERIFY])));
    }
  if (self->progress.stage == BOOT0_JOB_STAGE_DONE && boot0_plan_get_run (self->plan, &run_address))
    g_ptr_array_add (parts, g_strdup_printf ("started the firmware at 0x%08X", run_address));
  if (parts->len == 0)
    g_ptr_array_add (parts, g_strdup ("nothing to do"));
  g_ptr_array_add (parts, NULL);
  joined = g_strjoinv (", ", (char **)parts->pdata);
  result = g_strdup_printf ("%s; %.1f s in all", joined, seconds (self->elapsed));
  g_mutex_unlock (&self->mutex);
  result[0] = g_ascii_toupper (result[0]);
  return result;
}
