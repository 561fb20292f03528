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

/* The STM32 CRC unit after reset fed the word 0x12345678 gives 0xDF8A8A2B,
 * the value ST's CRC examples and forum answers quote. */
static void
test_crc32_stm32_vectors_func (void)
{
  static const guint8 word[4] = { 0x78, 0x56, 0x34, 0x12 }; /* 0x12345678, little endian */
  static const guint8 zero[4] = { 0 };
  guint8 ff[1024];

  memset (ff, 0xFF, sizeof ff);
  g_assert_cmphex (boot0_crc32_stm32 (0xFFFFFFFFu, word, 4), ==, 0xDF8A8A2Bu);
  g_assert_cmphex (boot0_crc32_stm32 (0xFFFFFFFFu, zero, 4), ==, 0xC704DD7Bu);
  g_assert_cmphex (boot0_crc32_stm32 (0xFFFFFFFFu, ff, sizeof ff), ==, 0xD000A3E2u);
  g_assert_cmphex (boot0_crc32_stm32 (0xFFFFFFFFu, NULL, 0), ==, 0xFFFFFFFFu);
}

/* CRC-32/MPEG-2 (the same polynomial, bytes MSB first, no reflection),
 * bit by bit: the STM32 CRC of data equals it over each word's bytes
 * reversed, since the unit takes the word little endian. */
static guint32
crc32_mpeg2 (const guint8 *data, gsize len)
{
  guint32 crc = 0xFFFFFFFFu;
  for (gsize i = 0; i < len; i++)
    {
      crc ^= (guint32)data[i] << 24;
      for (guint k = 0; k < 8; k++)
        crc = (crc & 0x80000000u) ? (crc << 1) ^ 0x04C11DB7u : crc << 1;
    }
  return crc;
}

static void
test_crc32_stm32_mpeg2_func (void)
{
  const char *check = "123456789";
  guint8 buf[1024];
  guint8 swapped[1024];

  /* The catalogued CRC-32/MPEG-2 check value. */
  g_assert_cmphex (crc32_mpeg2 ((const guint8 *)check, 9), ==, 0x0376E6E7u);
  boot0_test_fill_random (buf, sizeof buf, 11);
  for (gsize i = 0; i < sizeof buf; i += 4)
    for (guint k = 0; k < 4; k++)
      swapped[i + k] = buf[i + 3 - k];
  g_assert_cmphex (boot0_crc32_stm32 (0xFFFFFFFFu, buf, sizeof buf), ==,
                   crc32_mpeg2 (swapped, sizeof swapped));
  /* Feeding in pieces continues the same computation. */
  g_assert_cmphex (boot0_crc32_stm32 (boot0_crc32_stm32 (0xFFFFFFFFu, buf, 400), buf + 400, 624),
                   ==, boot0_crc32_stm32 (0xFFFFFFFFu, buf, sizeof buf));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/boot0/crc/crc32-check-value", test_crc32_check_value_func);
  g_test_add_func ("/boot0/crc/crc32-incremental", test_crc32_incremental_func);
  g_test_add_func ("/boot0/crc/crc32-dfu", test_crc32_dfu_func);
  g_test_add_func ("/boot0/crc/crc32-stm32-vectors", test_crc32_stm32_vectors_func);
  g_test_add_func ("/boot0/crc/crc32-stm32-mpeg2", test_crc32_stm32_mpeg2_func);
  return g_test_run ();
}
