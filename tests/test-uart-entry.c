/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests for boot0-uart-entry: the DTR/RTS/BREAK sequence grammar, presets
 * and playing a sequence on a pseudo-terminal. */
/* posix_openpt() and friends. */
#define _GNU_SOURCE
#include "config.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "boot0-test-helpers.h"

static void
assert_parses (const char *text, const char *entry, const char *exit_steps)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (Boot0UartEntry) e = boot0_uart_entry_parse (text, &error);
  g_autofree char *got_entry = NULL;
  g_autofree char *got_exit = NULL;

  g_assert_no_error (error);
  g_assert_nonnull (e);
  got_entry = boot0_uart_entry_describe_entry (e);
  got_exit = boot0_uart_entry_describe_exit (e);
  g_assert_cmpstr (got_entry, ==, entry);
  g_assert_cmpstr (got_exit, ==, exit_steps);
  g_assert_cmpint (boot0_uart_entry_has_entry (e), ==, *entry != '\0');
  g_assert_cmpint (boot0_uart_entry_has_exit (e), ==, *exit_steps != '\0');
}

/* stm32flash's -i grammar: ',' is 100 ms, '&' is at once, '-' releases. */
static void
test_grammar_func (void)
{
  assert_parses ("", "", "");
  assert_parses ("rts", "rts", "");
  assert_parses ("-rts&dtr,-dtr", "-rts dtr 100ms -dtr", "");
  assert_parses ("rts,-dtr:-rts,dtr", "rts 100ms -dtr", "-rts 100ms dtr");
  /* Empty steps add 100 ms each, as "rts,,,,-dtr" waits 400 ms. */
  assert_parses ("rts,,,,-dtr", "rts 100ms 100ms 100ms 100ms -dtr", "");
  assert_parses (",,,,,:rts&-dtr", "100ms 100ms 100ms 100ms 100ms", "rts -dtr");
  /* Explicit delays, case and spaces. */
  assert_parses (" DTR & 250ms & -DTR ", "dtr 250ms -dtr", "");
  assert_parses ("brk,-brk", "brk 100ms -brk", "");
  assert_parses ("0ms", "0ms", "");
  assert_parses (":dtr", "", "dtr");
}

static void
test_durations_func (void)
{
  g_autoptr (Boot0UartEntry) e = boot0_uart_entry_parse ("dtr,-dtr&50ms:rts,,-rts", NULL);
  g_assert_nonnull (e);
  g_assert_cmpuint (boot0_uart_entry_get_entry_duration (e), ==, 150);
  g_assert_cmpuint (boot0_uart_entry_get_exit_duration (e), ==, 200);
  g_assert_cmpstr (boot0_uart_entry_to_string (e), ==, "dtr,-dtr&50ms:rts,,-rts");
  g_assert_null (boot0_uart_entry_get_preset_name (e));
}

static void
assert_fails (const char *text, const char *substr)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (Boot0UartEntry) e = boot0_uart_entry_parse (text, &error);
  g_assert_null (e);
  boot0_test_assert_error (error, BOOT0_ERROR_INVALID_ARGUMENT, substr);
}

static void
test_errors_func (void)
{
  assert_fails ("rts,foo", "unknown step 'foo'");
  assert_fails ("dtr:rts:dtr", "more than one ':'");
  /* stm32flash's host GPIO numbers are named as such. */
  assert_fails ("4,-5", "GPIO number");
  assert_fails ("-3&-2,2", "GPIO number");
  assert_fails ("60001ms", "not a delay");
  assert_fails ("ms", "not a delay");
  assert_fails ("-5ms", "not a delay");
  assert_fails ("dtr:rts;dtr", "exit sequence: unknown step 'rts;dtr'");
  assert_fails ("--rts", "unknown step '--rts'");
  assert_fails ("dtr rts", "unknown step 'dtr rts'");
}

/* Every preset parses, and each wiring preset does what its name says:
 * the BOOT0 line released (pin high) while NRST is pulsed. */
static void
test_presets_func (void)
{
  const Boot0UartEntryPreset *presets = boot0_uart_entry_get_presets ();
  guint n = 0;

  for (guint i = 0; presets[i].name != NULL; i++, n++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (Boot0UartEntry) e = boot0_uart_entry_parse (presets[i].name, &error);
      g_autoptr (Boot0UartEntry) by_text = boot0_uart_entry_parse (presets[i].sequence, NULL);
      g_autofree char *a = NULL;
      g_autofree char *b = NULL;

      g_assert_no_error (error);
      g_assert_cmpstr (boot0_uart_entry_get_preset_name (e), ==, presets[i].name);
      g_assert_cmpstr (boot0_uart_entry_to_string (e), ==, presets[i].sequence);
      g_assert_nonnull (presets[i].description);
      a = boot0_uart_entry_describe_entry (e);
      b = boot0_uart_entry_describe_entry (by_text);
      g_assert_cmpstr (a, ==, b);
    }
  g_assert_cmpuint (n, >=, 3);
  assert_parses ("none", "", "");
  assert_parses ("NONE", "", "");
  assert_parses ("dtr-reset-rts-boot0", "-rts dtr 100ms -dtr 100ms", "rts dtr 100ms -dtr");
  assert_parses ("rts-reset-dtr-boot0", "-dtr rts 100ms -rts 100ms", "dtr rts 100ms -rts");
  assert_parses ("dtr-reset", "dtr 100ms -dtr 100ms", "");
}

/* Playing on a pseudo-terminal: it has no modem lines, so DTR fails with
 * NOT_SUPPORTED and a hint; delays alone work and take their time; a
 * cancelled sequence stops. */
static void
test_play_func (void)
{
  int master = posix_openpt (O_RDWR | O_NOCTTY);
  g_autoptr (GError) error = NULL;
  g_autoptr (Boot0SerialPort) port = NULL;
  g_autoptr (Boot0UartEntry) lines = boot0_uart_entry_parse ("dtr,-dtr", NULL);
  g_autoptr (Boot0UartEntry) delays = boot0_uart_entry_parse ("30ms,:20ms", NULL);
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  gint64 start;

  g_assert_cmpint (master, >=, 0);
  g_assert_cmpint (grantpt (master), ==, 0);
  g_assert_cmpint (unlockpt (master), ==, 0);
  port = boot0_serial_port_open (ptsname (master), 115200, BOOT0_PARITY_NONE, &error);
  g_assert_no_error (error);

  g_assert_false (boot0_uart_entry_run_entry (lines, port, NULL, &error));
  boot0_test_assert_error (error, BOOT0_ERROR_NOT_SUPPORTED, "--entry none");
  g_assert_true (strstr (error->message, "entry sequence") != NULL);
  g_clear_error (&error);
  /* No exit steps: nothing to do. */
  g_assert_true (boot0_uart_entry_run_exit (lines, port, NULL, &error));
  g_assert_no_error (error);

  start = g_get_monotonic_time ();
  g_assert_true (boot0_uart_entry_run_entry (delays, port, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 130 * 1000);
  start = g_get_monotonic_time ();
  g_assert_true (boot0_uart_entry_run_exit (delays, port, NULL, &error));
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 20 * 1000);

  g_cancellable_cancel (cancellable);
  g_assert_false (boot0_uart_entry_run_entry (delays, port, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  close (master);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/boot0/uart-entry/grammar", test_grammar_func);
  g_test_add_func ("/boot0/uart-entry/durations", test_durations_func);
  g_test_add_func ("/boot0/uart-entry/errors", test_errors_func);
  g_test_add_func ("/boot0/uart-entry/presets", test_presets_func);
  g_test_add_func ("/boot0/uart-entry/play", test_play_func);
  return g_test_run ();
}
