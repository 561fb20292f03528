/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests for the quirk table (data/quirks.ini and its reader). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "boot0-test-helpers.h"

/* The shipped table: ST devices poll early, the F4 ROM gets dfu-util's
 * 35 s mass-erase bound, H7/L4-class ROMs their stall workaround, and an unknown device the plain
 * DFU defaults. */
static void
test_quirks_shipped_func (void)
{
  Boot0Quirks q;

  boot0_quirks_lookup (&q, 0x0483, 0xdf11, 0x2200);
  g_assert_true (q.early_poll);
  g_assert_cmpuint (q.mass_erase_timeout_ms, ==, 35000);
  g_assert_true (q.device_feature_erasable);
  g_assert_false (q.busy_stalls_getstatus);

  boot0_quirks_lookup (&q, 0x0483, 0xdf11, 0x0200);
  g_assert_true (q.early_poll);
  g_assert_true (q.busy_stalls_getstatus);

  boot0_quirks_lookup (&q, 0x1209, 0x0001, 0x0100);
  g_assert_false (q.early_poll);
  g_assert_cmpuint (q.erase_timeout_ms, ==, 10000);
  g_assert_cmpuint (q.write_timeout_ms, ==, 5000);
  g_assert_false (q.leave_no_answer);

  boot0_quirks_lookup (&q, 0x28e9, 0x0189, 0x0100);
  g_assert_true (q.leave_no_answer);
}

/* [VID:PID:bcd] overrides [VID:PID], which overrides [defaults]. */
static void
test_quirks_precedence_func (void)
{
  const char *ini = "[defaults]\nwrite-timeout-ms=100\nearly-poll=false\n"
                    "[1234:5678]\nearly-poll=true\nwrite-timeout-ms=200\n"
                    "[1234:5678:0042]\nwrite-timeout-ms=300\n";
  g_autoptr (GError) error = NULL;
  Boot0Quirks q;

  g_assert_true (
      boot0_quirks_lookup_in_data (&q, ini, strlen (ini), 0x1234, 0x5678, 0x0042, &error));
  g_assert_no_error (error);
  g_assert_true (q.early_poll);
  g_assert_cmpuint (q.write_timeout_ms, ==, 300);
  g_assert_true (
      boot0_quirks_lookup_in_data (&q, ini, strlen (ini), 0x1234, 0x5678, 0x0001, &error));
  g_assert_cmpuint (q.write_timeout_ms, ==, 200);
  g_assert_true (
      boot0_quirks_lookup_in_data (&q, ini, strlen (ini), 0x1111, 0x5678, 0x0042, &error));
  g_assert_false (q.early_poll);
  g_assert_cmpuint (q.write_timeout_ms, ==, 100);
}

static void
test_quirks_invalid_func (void)
{
  static const struct
  {
    const char *ini;
    const char *message;
  } cases[] = {
    { "[defaults]\nearly-pol=true\n", "[defaults]: unknown key 'early-pol'" },
    { "[defaults]\nearly-poll=maybe\n", "[defaults] early-poll:" },
    { "[0483:df11]\nwrite-timeout-ms=-5\n", "[0483:df11] write-timeout-ms:" },
    { "[0483:df11]\nwrite-timeout-ms=99999999999\n", "value too large" },
    { "not a key file", "quirks: " },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      Boot0Quirks q;
      g_assert_false (boot0_quirks_lookup_in_data (&q, cases[i].ini, strlen (cases[i].ini), 0x0483,
                                                   0xdf11, 0x2200, &error));
      g_assert_nonnull (error);
      if (strstr (error->message, cases[i].message) == NULL)
        g_error ("'%s' lacks '%s'", error->message, cases[i].message);
    }
}

/* The shipped file itself is valid for every group it has. */
static void
test_quirks_file_valid_func (void)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "..", "data", "quirks.ini", NULL);
  g_autofree char *contents = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_auto (GStrv) groups = NULL;
  gsize len = 0;

  g_assert_true (g_file_get_contents (path, &contents, &len, &error));
  g_assert_true (g_key_file_load_from_data (kf, contents, len, G_KEY_FILE_NONE, &error));
  groups = g_key_file_get_groups (kf, NULL);
  for (guint i = 0; groups[i] != NULL; i++)
    {
      guint vid = 0, pid = 0, bcd = 0;
      Boot0Quirks q;
      if (g_strcmp0 (groups[i], "defaults") == 0)
        continue;
      g_assert_cmpint (sscanf (groups[i], "%x:%x", &vid, &pid), ==, 2);
      sscanf (groups[i], "%*x:%*x:%x", &bcd);
      g_assert_true (boot0_quirks_lookup_in_data (&q, contents, len, (guint16)vid, (guint16)pid,
                                                  (guint16)bcd, &error));
      g_assert_no_error (error);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/boot0/quirks/shipped", test_quirks_shipped_func);
  g_test_add_func ("/boot0/quirks/precedence", test_quirks_precedence_func);
  g_test_add_func ("/boot0/quirks/invalid", test_quirks_invalid_func);
  g_test_add_func ("/boot0/quirks/file-valid", test_quirks_file_valid_func);
  return g_test_run ();
}
