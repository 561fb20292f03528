/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests for boot0-crc. */
#include "config.h"

#include <string.h>

#include "boot0-test-helpers.h"

/* The standard CRC-32 check value: crc32("123456789") = 0xCBF43926. */
static void
test_crc32_check_value_func (void)
{
  const char *s = "123456789";
  g_assert_cmphex (boot0_crc32_update (0, (const guint8 *)s, strlen (s)), ==, 0xCBF43926u);
  g_assert_cmphex (boot0_crc32_update (0, NULL, 0), ==, 0);
}

/* Feeding in pieces gives the same result as one call, across the
 * short-input and table paths. */
static void
test_crc32_incremental_func (void)
{
  guint8 buf[1000];
  guint32 whole;

  boot0_test_fill_random (buf, sizeof buf, 7);
  whole = boot0_crc32_update (0, buf, sizeof buf);
  for (gsize split = 0; split <= sizeof buf; split += 37)
    {
      guint32 c = boot0_crc32_update (0, buf, split);
      c = boot0_crc32_update (c, buf + split, sizeof buf - split);
      g_assert_cmphex (c, ==, whole);
    }
}

/* DFU 1.1 Annex B: dwCRC is the CRC without the final XOR. */
static void
test_crc32_dfu_func (void)
{
  const char *s = "123456789";
  g_assert_cmphex (boot0_crc32_dfu ((const guint8 *)s, strlen (s)), ==, ~0xCBF43926u);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/boot0/crc/crc32-check-value", test_crc32_check_value_func);
  g_test_add_func ("/boot0/crc/crc32-incremental", test_crc32_incremental_func);
  g_test_add_func ("/boot0/crc/crc32-dfu", test_crc32_dfu_func);
  return g_test_run ();
}
