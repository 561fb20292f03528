/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Entry/exit sequences on DTR, RTS and BREAK: parsing (stm32flash's -i
 * grammar plus "NNNms" delays and presets) and playing them on a port. */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "boot0-error.h"
#include "boot0-uart-entry.h"

/* stm32flash's ',' delimiter: 100 ms between two toggles. */
#define COMMA_DELAY_MS 100
/* Delays are slept in slices so a cancel is noticed quickly. */
#define SLICE_MS 20

typedef enum
{
  STEP_DTR,
  STEP_RTS,
  STEP_BRK,
  STEP_DELAY,
} StepKind;

typedef struct
{
  StepKind kind;
  gboolean asserted; /* lines */
  guint ms;          /* delays */
} Step;

struct _Boot0UartEntry
{
  gatomicrefcount ref_count;
  char *text;
  const char *preset; /* static, or NULL */
  GArray *entry;      /* Step */
  GArray *exit;       /* Step */
};

G_DEFINE_BOXED_TYPE (Boot0UartEntry, boot0_uart_entry, boot0_uart_entry_ref, boot0_uart_entry_unref)

/* Keep in step with the preset list in boot0-uart-entry.h. */
static const Boot0UartEntryPreset presets[] = {
  { "none", "", N_ ("Touch no line: set BOOT0 with a jumper or button and reset by hand") },
  { "dtr-reset-rts-boot0", "-rts&dtr,-dtr,:rts&dtr,-dtr",
    N_ ("DTR drives NRST, RTS drives BOOT0 (asserted line = pin low)") },
  { "rts-reset-dtr-boot0", "-dtr&rts,-rts,:dtr&rts,-rts",
    N_ ("RTS drives NRST, DTR drives BOOT0 (asserted line = pin low)") },
  { "dtr-reset", "dtr,-dtr,", N_ ("DTR drives NRST; BOOT0 is held high by a jumper") },
  { "rts-reset", "rts,-rts,", N_ ("RTS drives NRST; BOOT0 is held high by a jumper") },
  { NULL, NULL, NULL },
};

const Boot0UartEntryPreset *
boot0_uart_entry_get_presets (void)
{
  return presets;
}

Boot0UartEntry *
boot0_uart_entry_ref (Boot0UartEntry *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
boot0_uart_entry_unref (Boot0UartEntry *self)
{
  g_return_if_fail (self != NULL);
  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;
  g_free (self->text);
  g_array_unref (self->entry);
  g_array_unref (self->exit);
  g_free (self);
}

static void
add_delay (GArray *steps, guint ms)
{
  Step step = { .kind = STEP_DELAY, .ms = ms };
  g_array_append_val (steps, step);
}

/* One step between delimiters; empty is allowed (stm32flash's ",,"). */
static gboolean
parse_step (const char *raw, GArray *steps, const char *which, GError **error)
{
  g_autofree char *word = g_ascii_strdown (raw, -1);
  const char *name;
  gboolean release = FALSE;
  Step step = { 0 };

  g_strstrip (word);
  if (*word == '\0')
    return TRUE;
  if (g_str_has_suffix (word, "ms"))
    {
      g_autofree char *digits = g_strndup (word, strlen (word) - 2);
      guint64 ms = 0;
      if (!g_ascii_string_to_unsigned (digits, 10, 0, BOOT0_UART_ENTRY_MAX_DELAY_MS, &ms, NULL))
        {
          g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_ARGUMENT,
                       "%s sequence: '%s' is not a delay (write 0ms to %ums, e.g. 250ms)", which,
                       raw, BOOT0_UART_ENTRY_MAX_DELAY_MS);
          return FALSE;
        }
      add_delay (steps, (guint)ms);
      return TRUE;
    }
  name = word;
  if (*name == '-')
    {
      release = TRUE;
      name++;
    }
  if (strcmp (name, "dtr") == 0)
    step.kind = STEP_DTR;
  else if (strcmp (name, "rts") == 0)
    step.kind = STEP_RTS;
  else if (strcmp (name, "brk") == 0)
    step.kind = STEP_BRK;
  else
    {
      if (*name != '\0' && g_ascii_isdigit (*name))
        g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_ARGUMENT,
                     "%s sequence: '%s' is a host GPIO number, which Boot0 does not drive; use "
                     "the adapter's lines rts, dtr and brk",
                     which, raw);
      else
        g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_ARGUMENT,
                     "%s sequence: unknown step '%s' (steps are rts, dtr, brk, each with an "
                     "optional '-' to release, or a delay such as 100ms)",
                     which, raw);
      return FALSE;
    }
  step.asserted = !release;
  g_array_append_val (steps, step);
  return TRUE;
}

static gboolean
parse_sequence (const char *text, GArray *steps, const char *which, GError **error)
{
  const char *start = text;

  for (const char *p = text;; p++)
    {
      if (*p == ',' || *p == '&' || *p == '\0')
        {
          g_autofree char *raw = g_strndup (start, (gsize)(p - start));
          if (!parse_step (raw, steps, which, error))
            return FALSE;
          if (*p == ',')
            add_delay (steps, COMMA_DELAY_MS);
          if (*p == '\0')
            break;
          start = p + 1;
        }
    }
  return TRUE;
}

Boot0UartEntry *
boot0_uart_entry_parse (const char *text, GError **error)
{
  Boot0UartEntry *self;
  const char *sequence = text != NULL ? text : "";
  const char *preset = NULL;
  g_auto (GStrv) parts = NULL;
  g_autofree char *trimmed = g_strstrip (g_strdup (sequence));

  for (guint i = 0; presets[i].name != NULL; i++)
    {
      if (g_ascii_strcasecmp (trimmed, presets[i].name) == 0)
        {
          preset = presets[i].name;
          sequence = presets[i].sequence;
          break;
        }
    }
  parts = g_strsplit (sequence, ":", -1);
  if (g_strv_length (parts) > 2)
    {
      g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_ARGUMENT,
                   "'%s' has more than one ':' (write ENTRY:EXIT, e.g. -rts&dtr,-dtr:rts&dtr,-dtr)",
                   sequence);
      return NULL;
    }

  self = g_new0 (Boot0UartEntry, 1);
  g_atomic_ref_count_init (&self->ref_count);
  self->text = g_strdup (preset != NULL ? sequence : trimmed);
  self->preset = preset;
  self->entry = g_array_new (FALSE, FALSE, sizeof (Step));
  self->exit = g_array_new (FALSE, FALSE, sizeof (Step));
  if ((parts[0] != NULL && !parse_sequence (parts[0], self->entry, "entry", error)) ||
      (parts[0] != NULL && parts[1] != NULL &&
       !parse_sequence (parts[1], self->exit, "exit", error)))
    {
      boot0_uart_entry_unref (self);
      return NULL;
    }
  return self;
}

const char *
boot0_uart_entry_to_string (Boot0UartEntry *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->text;
}

const char *
boot0_uart_entry_get_preset_name (Boot0UartEntry *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->preset;
}

gboolean
boot0_uart_entry_has_entry (Boot0UartEntry *self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return self->entry->len > 0;
}

gboolean
boot0_uart_entry_has_exit (Boot0UartEntry *self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return self->exit->len > 0;
}

static guint
duration (GArray *steps)
{
  guint total = 0;
  for (guint i = 0; i < steps->len; i++)
    {
      const Step *s = &g_array_index (steps, Step, i);
      if (s->kind == STEP_DELAY)
        total += s->ms;
    }
  return total;
}

guint
boot0_uart_entry_get_entry_duration (Boot0UartEntry *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return duration (self->entry);
}

guint
boot0_uart_entry_get_exit_duration (Boot0UartEntry *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return duration (self->exit);
}

static char *
describe (GArray *steps)
{
  GString *out = g_string_new (NULL);
  for (guint i = 0; i < steps->len; i++)
    {
      const Step *s = &g_array_index (steps, Step, i);
      if (out->len > 0)
        g_string_append_c (out, ' ');
      switch (s->kind)
        {
          case STEP_DELAY:
            g_string_append_printf (out, "%ums", s->ms);
            break;
          case STEP_DTR:
          case STEP_RTS:
          case STEP_BRK:
          default:
            g_string_append_printf (out, "%s%s", s->asserted ? "" : "-",
                                    s->kind == STEP_DTR   ? "dtr"
                                    : s->kind == STEP_RTS ? "rts"
                                                          : "brk");
            break;
        }
    }
  return g_string_free (out, FALSE);
}

char *
boot0_uart_entry_describe_entry (Boot0UartEntry *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return describe (self->entry);
}

char *
boot0_uart_entry_describe_exit (Boot0UartEntry *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return describe (self->exit);
}

static gboolean
sleep_cancellable (guint ms, GCancellable *cancellable, GError **error)
{
  gint64 deadline = g_get_monotonic_time () + (gint64)ms * 1000;

  for (;;)
    {
      gint64 left = deadline - g_get_monotonic_time ();
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      if (left <= 0)
        return TRUE;
      g_usleep ((gulong)MIN (left, (gint64)SLICE_MS * 1000));
    }
}

static gboolean
play (GArray *steps, Boot0SerialPort *port, const char *which, GCancellable *cancellable,
      GError **error)
{
  gboolean break_on = FALSE;

  if (steps->len == 0)
    return TRUE;
  /* Line changes must not cut off bytes still on their way out. */
  if (!boot0_serial_port_drain (port, error))
    return FALSE;
  for (guint i = 0; i < steps->len; i++)
    {
      const Step *s = &g_array_index (steps, Step, i);
      gboolean ok = TRUE;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      switch (s->kind)
        {
          case STEP_DELAY:
            ok = sleep_cancellable (s->ms, cancellable, error);
            break;
          case STEP_DTR:
            ok = boot0_serial_port_set_dtr (port, s->asserted, error);
            break;
          case STEP_RTS:
            ok = boot0_serial_port_set_rts (port, s->asserted, error);
            break;
          case STEP_BRK:
          default:
            ok = boot0_serial_port_set_break (port, s->asserted, error);
            break_on = s->asserted;
            break;
        }
      if (!ok)
        {
          if (break_on)
            boot0_serial_port_set_break (port, FALSE, NULL);
          g_prefix_error (error, "playing the %s sequence: ", which);
          return FALSE;
        }
    }
  /* A BREAK left on would hold TX low and silence the port. */
  if (break_on && !boot0_serial_port_set_break (port, FALSE, error))
    return FALSE;
  return TRUE;
}

gboolean
boot0_uart_entry_run_entry (Boot0UartEntry *self, Boot0SerialPort *port, GCancellable *cancellable,
                            GError **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (BOOT0_IS_SERIAL_PORT (port), FALSE);
  return play (self->entry, port, "entry", cancellable, error);
}

gboolean
boot0_uart_entry_run_exit (Boot0UartEntry *self, Boot0SerialPort *port, GCancellable *cancellable,
                           GError **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (BOOT0_IS_SERIAL_PORT (port), FALSE);
  return play (self->exit, port, "exit", cancellable, error);
}
