/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests for the firmware image model, raw .bin and file I/O. */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "boot0-firmware-private.h"
#include "boot0-test-helpers.h"

static void
add_ok (Boot0Firmware *fw, guint8 alt, guint32 address, gsize len, guint8 value)
{
  g_autoptr (GError) error = NULL;
  g_autofree guint8 *buf = g_malloc (len);
  memset (buf, value, len);
  g_assert_true (boot0_firmware_add_data (fw, alt, address, buf, len, &error));
  g_assert_no_error (error);
}

static void
assert_segment (Boot0Firmware *fw, guint idx, guint32 address, gsize size)
{
  const Boot0Segment *s = boot0_firmware_get_segment (fw, idx);
  g_assert_nonnull (s);
  g_assert_cmphex (boot0_segment_get_address (s), ==, address);
  g_assert_cmpuint (boot0_segment_get_size (s), ==, size);
}

static void
test_add_sorted_func (void)
{
  g_autoptr (Boot0Firmware) fw = boot0_firmware_new ();
  guint32 start = 0;
  guint64 end = 0;

  g_assert_false (boot0_firmware_get_span (fw, &start, &end));
  add_ok (fw, 0, 0x08001000, 16, 0xBB);
  add_ok (fw, 0, 0x08000000, 16, 0xAA);
  add_ok (fw, 0, 0x08002000, 16, 0xCC);
  g_assert_cmpuint (boot0_firmware_get_n_segments (fw), ==, 3);
  assert_segment (fw, 0, 0x08000000, 16);
  assert_segment (fw, 1, 0x08001000, 16);
  assert_segment (fw, 2, 0x08002000, 16);
  g_assert_cmpuint (boot0_firmware_get_total_size (fw), ==, 48);
  g_assert_true (boot0_firmware_get_span (fw, &start, &end));
  g_assert_cmphex (start, ==, 0x08000000);
  g_assert_cmphex (end, ==, 0x08002010);
}

/* Adjacent data merges: appended, prepended, and bridging two segments. */
static void
test_add_merge_func (void)
{
  g_autoptr (Boot0Firmware) fw = boot0_firmware_new ();
  guint8 buf[48];

  add_ok (fw, 0, 0x100, 16, 1);
  add_ok (fw, 0, 0x110, 16, 2); /* append */
  add_ok (fw, 0, 0x0F0, 16, 0); /* prepend */
  g_assert_cmpuint (boot0_firmware_get_n_segments (fw), ==, 1);
  assert_segment (fw, 0, 0x0F0, 48);
  g_assert_true (boot0_firmware_read (fw, 0x0F0, buf, sizeof buf));
  g_assert_cmpuint (buf[0], ==, 0);
  g_assert_cmpuint (buf[16], ==, 1);
  g_assert_cmpuint (buf[47], ==, 2);

  add_ok (fw, 0, 0x200, 16, 4);
  g_assert_cmpuint (boot0_firmware_get_n_segments (fw), ==, 2);
  add_ok (fw, 0, 0x120, 0xE0, 3); /* bridges 0x120..0x1FF */
  g_assert_cmpuint (boot0_firmware_get_n_segments (fw), ==, 1);
  assert_segment (fw, 0, 0x0F0, 0x120);
}

/* Adjacent data of different alternate settings stays apart. */
static void
test_add_alt_func (void)
{
  g_autoptr (Boot0Firmware) fw = boot0_firmware_new ();
  add_ok (fw, 0, 0x100, 16, 1);
  add_ok (fw, 1, 0x110, 16, 2);
  g_assert_cmpuint (boot0_firmware_get_n_segments (fw), ==, 2);
  g_assert_cmpuint (boot0_segment_get_alt_setting (boot0_firmware_get_segment (fw, 1)), ==, 1);
}

static void
test_add_overlap_func (void)
{
  g_autoptr (Boot0Firmware) fw = boot0_firmware_new ();
  g_autoptr (GError) error = NULL;
  guint8 buf[16] = { 0 };

  add_ok (fw, 0, 0x1000, 16, 1);
  add_ok (fw, 0, 0x2000, 16, 1);
  g_assert_false (boot0_firmware_add_data (fw, 0, 0x100F, buf, 2, &error));
  boot0_test_assert_error (error, BOOT0_ERROR_INVALID_FILE,
                           "0x0000100F-0x00001010 overlaps data already at 0x00001000-0x0000100F");
  g_clear_error (&error);
  g_assert_false (boot0_firmware_add_data (fw, 0, 0x1FF8, buf, 9, &error));
  boot0_test_assert_error (error, BOOT0_ERROR_INVALID_FILE, "overlaps data already at 0x00002000");
  g_clear_error (&error);
  /* A span covering a whole segment overlaps too. */
  {
    guint8 big[64] = { 0 };
    g_assert_false (boot0_firmware_add_data (fw, 0, 0x0FF0, big, sizeof big, &error));
    boot0_test_assert_error (error, BOOT0_ERROR_INVALID_FILE, "overlaps");
    g_clear_error (&error);
  }
  g_assert_cmpuint (boot0_firmware_get_total_size (fw), ==, 32);
}

static void
test_add_limits_func (void)
{
  g_autoptr (Boot0Firmware) fw = boot0_firmware_new ();
  g_autoptr (GError) error = NULL;
  guint8 buf[16] = { 0 };

  /* Ending exactly at the top of the address space is fine; past it is not. */
  g_assert_true (boot0_firmware_add_data (fw, 0, 0xFFFFFFF0u, buf, 16, &error));
  g_assert_no_error (error);
  g_assert_cmphex (boot0_segment_get_end (boot0_firmware_get_segment (fw, 0)), ==,
                   G_GUINT64_CONSTANT (0x100000000));
  g_assert_false (boot0_firmware_add_data (fw, 0, 0xFFFFFFF8u, buf, 16, &error));
  boot0_test_assert_error (error, BOOT0_ERROR_INVALID_FILE, "32-bit address space");
  g_clear_error (&error);

  /* Zero-length data is a no-op. */
  g_assert_true (boot0_firmware_add_data (fw, 0, 0x100, buf, 0, &error));
  g_assert_cmpuint (boot0_firmware_get_n_segments (fw), ==, 1);
}

static void
test_segment_cap_func (void)
{
  g_autoptr (Boot0Firmware) fw = boot0_firmware_new ();
  g_autoptr (GError) error = NULL;
  guint8 b = 0;

  for (guint i = 0; i < BOOT0_FIRMWARE_MAX_SEGMENTS; i++)
    g_assert_true (boot0_firmware_add_data (fw, 0, i * 2, &b, 1, NULL));
  g_assert_false (boot0_firmware_add_data (fw, 0, BOOT0_FIRMWARE_MAX_SEGMENTS * 2, &b, 1, &error));
  boot0_test_assert_error (error, BOOT0_ERROR_TOO_LARGE, "separate segments");
}

static void
test_size_cap_func (void)
{
  g_autoptr (Boot0Firmware) fw = boot0_firmware_new ();
  g_autoptr (GError) error = NULL;
  gsize chunk = 16 * 1024 * 1024;
  g_autofree guint8 *buf = g_malloc0 (chunk);

  for (guint i = 0; i < BOOT0_FIRMWARE_MAX_IMAGE_SIZE / chunk; i++)
    g_assert_true (boot0_firmware_add_data (fw, 0, (guint32)(i * chunk), buf, chunk, NULL));
  g_assert_false (boot0_firmware_add_data (fw, 0, 0x80000000u, buf, 1, &error));
  boot0_test_assert_error (error, BOOT0_ERROR_TOO_LARGE, "image larger than 64 MiB");
}

static void
test_read_func (void)
{
  g_autoptr (Boot0Firmware) fw = boot0_firmware_new ();
  guint8 buf[8];

  add_ok (fw, 0, 0x100, 4, 0x11);
  add_ok (fw, 1, 0x104, 4, 0x22); /* adjacent, another target: a separate segment */
  add_ok (fw, 0, 0x200, 4, 0x33);
  g_assert_true (boot0_firmware_read (fw, 0x102, buf, 4));
  g_assert_cmpuint (buf[0], ==, 0x11);
  g_assert_cmpuint (buf[2], ==, 0x22);
  g_assert_false (boot0_firmware_read (fw, 0x0FF, buf, 2));
  g_assert_false (boot0_firmware_read (fw, 0x106, buf, 4));
  g_assert_true (boot0_firmware_read (fw, 0x200, buf, 4));
  g_assert_false (boot0_firmware_read (fw, 0x200, buf, 5));
}

/* The image checksums cover the segment bytes, so a contiguous image has
 * the checksums of its .bin. */
static void
test_checksums_func (void)
{
  g_autoptr (Boot0Firmware) fw = boot0_firmware_new ();
  g_autofree char *sha = NULL;
  const char *s = "123456789";

  g_assert_true (boot0_firmware_add_data (fw, 0, 0x08000000, (const guint8 *)s, 4, NULL));
  g_assert_true (boot0_firmware_add_data (fw, 0, 0x08000004, (const guint8 *)s + 4, 5, NULL));
  g_assert_cmphex (boot0_firmware_get_crc32 (fw), ==, 0xCBF43926u);
  sha = boot0_firmware_get_sha256 (fw);
  g_assert_cmpstr (sha, ==, "15e2b0d3c33891ebb0f1ef609ec419420c20e320ce94c65fbc8c3312448eb225");
}

static void
test_bin_func (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (Boot0Firmware) fw = NULL;
  guint8 data[100];

  boot0_test_fill_random (data, sizeof data, 1);
  fw = boot0_firmware_parse_bin (data, sizeof data, 0x08008000, &error);
  g_assert_no_error (error);
  g_assert_cmpint (boot0_firmware_get_format (fw), ==, BOOT0_FIRMWARE_FORMAT_BIN);
  g_assert_true (boot0_firmware_get_relocatable (fw));
  g_assert_null (boot0_firmware_get_dfu_suffix (fw));
  assert_segment (fw, 0, 0x08008000, 100);
  g_assert_cmpmem (boot0_segment_get_data (boot0_firmware_get_segment (fw, 0)), 100, data, 100);

  g_assert_true (boot0_firmware_relocate (fw, 0x08000000, &error));
  assert_segment (fw, 0, 0x08000000, 100);
  g_assert_false (boot0_firmware_relocate (fw, 0xFFFFFFF0u, &error));
  boot0_test_assert_error (error, BOOT0_ERROR_INVALID_ARGUMENT, "32-bit address space");
  g_clear_error (&error);

  g_clear_object (&fw);
  fw = boot0_firmware_parse_bin (data, 0, 0x08000000, &error);
  g_assert_null (fw);
  boot0_test_assert_error (error, BOOT0_ERROR_INVALID_FILE, "the file is empty");
}

/* An image with addresses of its own cannot be moved. */
static void
test_relocate_fixed_func (void)
{
  g_autoptr (Boot0Firmware) fw = boot0_firmware_new ();
  g_autoptr (GError) error = NULL;
  add_ok (fw, 0, 0x100, 4, 1);
  g_assert_false (boot0_firmware_relocate (fw, 0x200, &error));
  boot0_test_assert_error (error, BOOT0_ERROR_NOT_SUPPORTED, "cannot be moved");
  assert_segment (fw, 0, 0x100, 4);
}

/* A .bin with a DFU suffix: the suffix is checked and stripped. */
static void
test_bin_suffix_func (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (Boot0Firmware) fw = NULL;
  g_autoptr (GByteArray) buf = g_byte_array_new ();
  Boot0DfuSuffix suffix = { .bcd_device = 0x2200,
                            .id_product = 0xDF11,
                            .id_vendor = 0x0483,
                            .bcd_dfu = BOOT0_DFU_BCD_DFU_PLAIN };
  const Boot0DfuSuffix *got;
  guint8 data[64];

  boot0_test_fill_random (data, sizeof data, 2);
  g_byte_array_append (buf, data, sizeof data);
  boot0_dfu_suffix_append (buf, &suffix);
  g_assert_cmpuint (buf->len, ==, sizeof data + BOOT0_DFU_SUFFIX_SIZE);

  fw = boot0_firmware_parse_bin (buf->data, buf->len, 0x08000000, &error);
  g_assert_no_error (error);
  assert_segment (fw, 0, 0x08000000, sizeof data);
  got = boot0_firmware_get_dfu_suffix (fw);
  g_assert_nonnull (got);
  g_assert_cmphex (got->id_vendor, ==, 0x0483);
  g_assert_cmphex (got->id_product, ==, 0xDF11);
  g_assert_cmphex (got->bcd_device, ==, 0x2200);
  g_clear_object (&fw);

  /* A damaged CRC is refused rather than flashed with its suffix. */
  buf->data[10] ^= 0x01;
  fw = boot0_firmware_parse_bin (buf->data, buf->len, 0x08000000, &error);
  g_assert_null (fw);
  boot0_test_assert_error (error, BOOT0_ERROR_INVALID_FILE, "CRC");
}

static void
test_write_bin_func (void)
{
  g_autoptr (Boot0Firmware) fw = boot0_firmware_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) out = NULL;
  const guint8 *p;
  gsize len = 0;

  add_ok (fw, 0, 0x08000000, 4, 0x11);
  add_ok (fw, 0, 0x08000010, 4, 0x22);
  out = boot0_firmware_write_bytes (fw, BOOT0_FIRMWARE_FORMAT_BIN, 0, 0xFF, &error);
  g_assert_null (out);
  boot0_test_assert_error (error, BOOT0_ERROR_INVALID_ARGUMENT,
                           "not contiguous (gap at 0x08000004-0x0800000F)");
  g_clear_error (&error);

  out = boot0_firmware_write_bytes (fw, BOOT0_FIRMWARE_FORMAT_BIN,
                                    BOOT0_FIRMWARE_WRITE_FLAG_FILL_GAPS, 0xFF, &error);
  g_assert_no_error (error);
  p = g_bytes_get_data (out, &len);
  g_assert_cmpuint (len, ==, 0x14);
  g_assert_cmpuint (p[0], ==, 0x11);
  g_assert_cmpuint (p[4], ==, 0xFF);
  g_assert_cmpuint (p[0xF], ==, 0xFF);
  g_assert_cmpuint (p[0x10], ==, 0x22);
  g_clear_pointer (&out, g_bytes_unref);

  /* An absurd span (flash plus option bytes) is refused even with fill. */
  add_ok (fw, 0, 0x1FFFC000, 16, 0x33);
  out = boot0_firmware_write_bytes (fw, BOOT0_FIRMWARE_FORMAT_BIN,
                                    BOOT0_FIRMWARE_WRITE_FLAG_FILL_GAPS, 0xFF, &error);
  g_assert_null (out);
  boot0_test_assert_error (error, BOOT0_ERROR_TOO_LARGE, "too far apart for one .bin file");
  g_clear_error (&error);

  /* ELF cannot be written; an empty image cannot be written at all. */
  out = boot0_firmware_write_bytes (fw, BOOT0_FIRMWARE_FORMAT_ELF, 0, 0xFF, &error);
  g_assert_null (out);
  boot0_test_assert_error (error, BOOT0_ERROR_NOT_SUPPORTED, "cannot write ELF");
  g_clear_error (&error);
  {
    g_autoptr (Boot0Firmware) empty = boot0_firmware_new ();
    out = boot0_firmware_write_bytes (empty, BOOT0_FIRMWARE_FORMAT_IHEX, 0, 0xFF, &error);
    g_assert_null (out);
    boot0_test_assert_error (error, BOOT0_ERROR_INVALID_ARGUMENT, "no data");
  }
}

/* Two targets back to back cannot share one .bin. */
static void
test_write_bin_targets_func (void)
{
  g_autoptr (Boot0Firmware) fw = boot0_firmware_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) out = NULL;

  add_ok (fw, 0, 0x100, 4, 0x11);
  add_ok (fw, 1, 0x104, 4, 0x22);
  out = boot0_firmware_write_bytes (fw, BOOT0_FIRMWARE_FORMAT_BIN, 0, 0xFF, &error);
  g_assert_null (out);
  boot0_test_assert_error (error, BOOT0_ERROR_INVALID_ARGUMENT, "2 targets");
}

static void
test_format_names_func (void)
{
  g_assert_cmpint (boot0_firmware_format_from_filename ("a/b/fw.HEX"), ==,
                   BOOT0_FIRMWARE_FORMAT_IHEX);
  g_assert_cmpint (boot0_firmware_format_from_filename ("fw.s19"), ==, BOOT0_FIRMWARE_FORMAT_SREC);
  g_assert_cmpint (boot0_firmware_format_from_filename ("fw.dfu"), ==, BOOT0_FIRMWARE_FORMAT_DFUSE);
  g_assert_cmpint (boot0_firmware_format_from_filename ("fw.elf"), ==, BOOT0_FIRMWARE_FORMAT_ELF);
  g_assert_cmpint (boot0_firmware_format_from_filename ("fw.bin"), ==, BOOT0_FIRMWARE_FORMAT_BIN);
  g_assert_cmpint (boot0_firmware_format_from_filename ("fw"), ==, BOOT0_FIRMWARE_FORMAT_UNKNOWN);
  g_assert_cmpint (boot0_firmware_format_from_filename (".hex"), ==, BOOT0_FIRMWARE_FORMAT_UNKNOWN);
  g_assert_cmpint (boot0_firmware_format_from_string ("nope"), ==, BOOT0_FIRMWARE_FORMAT_UNKNOWN);
  for (int f = BOOT0_FIRMWARE_FORMAT_BIN; f <= BOOT0_FIRMWARE_FORMAT_ELF; f++)
    g_assert_cmpint (boot0_firmware_format_from_string (boot0_firmware_format_to_string (f)), ==,
                     f);
}

static void
test_sniff_func (void)
{
  const char *hex = "\r\n:020000040800F2\n";
  const char *srec = "S00600004844521B\n";
  g_assert_cmpint (boot0_firmware_format_sniff ((const guint8 *)"DfuSe\x01", 6), ==,
                   BOOT0_FIRMWARE_FORMAT_DFUSE);
  g_assert_cmpint (boot0_firmware_format_sniff ((const guint8 *)"\177ELF\x01", 5), ==,
                   BOOT0_FIRMWARE_FORMAT_ELF);
  g_assert_cmpint (boot0_firmware_format_sniff ((const guint8 *)hex, strlen (hex)), ==,
                   BOOT0_FIRMWARE_FORMAT_IHEX);
  g_assert_cmpint (boot0_firmware_format_sniff ((const guint8 *)srec, strlen (srec)), ==,
                   BOOT0_FIRMWARE_FORMAT_SREC);
  /* A vector table is binary data. */
  g_assert_cmpint (boot0_firmware_format_sniff ((const guint8 *)"\x00\x50\x00\x20\xC1\x01", 6), ==,
                   BOOT0_FIRMWARE_FORMAT_UNKNOWN);
  g_assert_cmpint (boot0_firmware_format_sniff ((const guint8 *)"", 0), ==,
                   BOOT0_FIRMWARE_FORMAT_UNKNOWN);
}

static void
test_load_file_func (void)
{
  g_autofree char *dir = boot0_test_mkdtemp ();
  g_autoptr (GError) error = NULL;
  g_autoptr (Boot0Firmware) fw = NULL;
  g_autofree char *bin = NULL;
  g_autofree char *badhex = NULL;
  g_autofree char *missing = g_build_filename (dir, "missing.bin", NULL);
  guint8 data[32];

  boot0_test_fill_random (data, sizeof data, 3);
  bin = boot0_test_write_file (dir, "fw.bin", data, sizeof data);
  fw = boot0_firmware_load_file (bin, BOOT0_FIRMWARE_FORMAT_UNKNOWN, 0x08004000, &error);
  g_assert_no_error (error);
  assert_segment (fw, 0, 0x08004000, sizeof data);
  g_clear_object (&fw);

  /* Missing file: a GFileError naming the file. */
  fw = boot0_firmware_load_file (missing, BOOT0_FIRMWARE_FORMAT_UNKNOWN, 0x08000000, &error);
  g_assert_null (fw);
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  g_assert_nonnull (strstr (error->message, "missing.bin"));
  g_clear_error (&error);

  /* A folder. */
  fw = boot0_firmware_load_file (dir, BOOT0_FIRMWARE_FORMAT_UNKNOWN, 0x08000000, &error);
  g_assert_null (fw);
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_ISDIR);
  g_clear_error (&error);

  /* A .hex that is not Intel HEX is refused, not flashed as raw bytes. */
  badhex = boot0_test_write_file (dir, "fw.hex", data, sizeof data);
  fw = boot0_firmware_load_file (badhex, BOOT0_FIRMWARE_FORMAT_UNKNOWN, 0x08000000, &error);
  g_assert_null (fw);
  boot0_test_assert_error (error, BOOT0_ERROR_INVALID_FILE, "named like Intel HEX");
  g_assert_nonnull (strstr (error->message, "fw.hex"));

  boot0_test_rm_rf (dir);
}

/* save_file writes atomically: a failing write leaves the old file as it
 * was, and a successful one replaces it whole. */
static void
test_save_atomic_func (void)
{
  g_autofree char *dir = boot0_test_mkdtemp ();
  g_autoptr (GError) error = NULL;
  g_autoptr (Boot0Firmware) fw = boot0_firmware_new ();
  g_autofree char *out = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *nodir = g_build_filename (dir, "no", "such", "x.bin", NULL);
  gsize len = 0;
  const guint8 old[] = "old contents";

  out = boot0_test_write_file (dir, "out.bin", old, sizeof old);
  add_ok (fw, 0, 0x100, 4, 0x11);
  add_ok (fw, 0, 0x200, 4, 0x22);

  /* Gaps without fill: refused, the old file is untouched. */
  g_assert_false (boot0_firmware_save_file (fw, out, BOOT0_FIRMWARE_FORMAT_BIN, 0, 0xFF, &error));
  g_assert_error (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_true (g_file_get_contents (out, &contents, &len, NULL));
  g_assert_cmpmem (contents, len, old, sizeof old);
  g_clear_pointer (&contents, g_free);

  g_assert_false (boot0_firmware_save_file (fw, nodir, BOOT0_FIRMWARE_FORMAT_BIN, 0, 0xFF, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);

  g_assert_true (boot0_firmware_save_file (fw, out, BOOT0_FIRMWARE_FORMAT_BIN,
                                           BOOT0_FIRMWARE_WRITE_FLAG_FILL_GAPS, 0x00, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (out, &contents, &len, NULL));
  g_assert_cmpuint (len, ==, 0x104);
  g_assert_cmpuint ((guint8)contents[0], ==, 0x11);
  g_assert_cmpuint ((guint8)contents[4], ==, 0x00);
  g_assert_cmpuint ((guint8)contents[0x100], ==, 0x22);

  boot0_test_rm_rf (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/boot0/firmware/add-sorted", test_add_sorted_func);
  g_test_add_func ("/boot0/firmware/add-merge", test_add_merge_func);
  g_test_add_func ("/boot0/firmware/add-alt", test_add_alt_func);
  g_test_add_func ("/boot0/firmware/add-overlap", test_add_overlap_func);
  g_test_add_func ("/boot0/firmware/add-limits", test_add_limits_func);
  g_test_add_func ("/boot0/firmware/segment-cap", test_segment_cap_func);
  g_test_add_func ("/boot0/firmware/size-cap", test_size_cap_func);
  g_test_add_func ("/boot0/firmware/read", test_read_func);
  g_test_add_func ("/boot0/firmware/checksums", test_checksums_func);
  g_test_add_func ("/boot0/firmware/bin", test_bin_func);
  g_test_add_func ("/boot0/firmware/relocate-fixed", test_relocate_fixed_func);
  g_test_add_func ("/boot0/firmware/bin-suffix", test_bin_suffix_func);
  g_test_add_func ("/boot0/firmware/write-bin", test_write_bin_func);
  g_test_add_func ("/boot0/firmware/write-bin-targets", test_write_bin_targets_func);
  g_test_add_func ("/boot0/firmware/format-names", test_format_names_func);
  g_test_add_func ("/boot0/firmware/sniff", test_sniff_func);
  g_test_add_func ("/boot0/firmware/load-file", test_load_file_func);
  g_test_add_func ("/boot0/firmware/save-atomic", test_save_atomic_func);
  return g_test_run ();
}
