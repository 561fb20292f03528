/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Motorola S-record reader and writer, checked against objcopy and srec_cat. */
#include "config.h"

#include <string.h>

#include "boot0-firmware-private.h"
#include "boot0-test-helpers.h"

/* Appends one record with a correct byte count and checksum. */
static void
append_record (GString *out, char type, guint alen, guint32 address, const guint8 *data, gsize len)
{
  guint8 count = (guint8)(alen + len + 1);
  guint8 sum = count;

  g_string_append_printf (out, "S%c%02X", type, count);
  for (guint i = alen; i > 0; i--)
    {
      guint8 b = (guint8)(address >> (8 * (i - 1)));
      g_string_append_printf (out, "%02X", b);
      sum += b;
    }
  for (gsize i = 0; i < len; i++)
    {
      g_string_append_printf (out, "%02X", data[i]);
      sum += data[i];
    }
  g_string_append_printf (out, "%02X\n", (guint8)(0xFF - sum));
}

static Boot0Firmware *
parse_text (const char *text, GError **error)
{
  return boot0_firmware_parse_srec ((const guint8 *)text, strlen (text), error);
}

static Boot0Firmware *
parse_ok (const char *text)
{
  g_autoptr (GError) error = NULL;
  Boot0Firmware *fw = parse_text (text, &error);
  g_assert_no_error (error);
  g_assert_nonnull (fw);
  g_assert_cmpint (boot0_firmware_get_format (fw), ==, BOOT0_FIRMWARE_FORMAT_SREC);
  return fw;
}

static Boot0Firmware *
parse_file (const char *path)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize len = 0;
  Boot0Firmware *fw;

  g_file_get_contents (path, &contents, &len, &error);
  g_assert_no_error (error);
  fw = boot0_firmware_parse_srec ((const guint8 *)contents, len, &error);
  g_assert_no_error (error);
  g_assert_nonnull (fw);
  return fw;
}

static char *
write_file (GBytes *bytes, const char *dir, const char *name)
{
  gsize len = 0;
  const guint8 *data = g_bytes_get_data (bytes, &len);
  return boot0_test_write_file (dir, name, data, len);
}

static void
test_srec_record_types_func (void)
{
  const char *text = "S00600004844521B\n"
                     "S107010001020304ED\n"
                     "S206123456AABBF8\n"
                     "S3080800000011223389\n"
                     "S5030003F9\n"
                     "S70508000123CE\n";
  static const guint8 d1[] = { 1, 2, 3, 4 };
  static const guint8 d2[] = { 0xAA, 0xBB };
  static const guint8 d3[] = { 0x11, 0x22, 0x33 };
  g_autoptr (Boot0Firmware) fw = parse_ok (text);

  g_assert_cmpuint (boot0_firmware_get_n_segments (fw), ==, 3);
  boot0_test_assert_segment (fw, 0, 0x0100, d1, sizeof d1);
  boot0_test_assert_segment (fw, 1, 0x123456, d2, sizeof d2);
  boot0_test_assert_segment (fw, 2, 0x08000000, d3, sizeof d3);
  boot0_test_assert_entry (fw, 0x08000123);
}

static void
assert_parse_error (const char *text, int code, const char *message)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (Boot0Firmware) fw = parse_text (text, &error);
  if (fw != NULL)
    g_error ("parsing %s succeeded, expected '%s'", text, message);
  boot0_test_assert_error (error, code, message);
}

static void
test_srec_termination_func (void)
{
  g_autoptr (Boot0Firmware) s9 = parse_ok ("S107010001020304ED\nS9030100FB\n");
  g_autoptr (Boot0Firmware) s8 = parse_ok ("S107010001020304ED\nS8041234565F\n");
  g_autoptr (Boot0Firmware) s6 = parse_ok ("S107010001020304ED\nS206123456AABBF8\n"
                                           "S3080800000011223389\nS604000003F8\n"
                                           "S70500000000FA\n");
  g_autoptr (Boot0Firmware) zero = parse_ok ("S107010001020304ED\nS9030000FC\n");

  boot0_test_assert_entry (s9, 0x0100);
  boot0_test_assert_entry (s8, 0x123456);
  g_assert_false (boot0_firmware_get_entry_point (s6, NULL));
  /* Address 0 is what writers put when there is no entry point. */
  g_assert_false (boot0_firmware_get_entry_point (zero, NULL));
  /* No termination record: the file may be cut short, so it is refused. */
  assert_parse_error ("S107010001020304ED\n", BOOT0_ERROR_INVALID_FILE,
                      "line 1: the file ends without a termination record (S7, S8 or S9)");
  assert_parse_error ("S107010001020304ED\nS5030001FB\nS107010401020304E9\n\n",
                      BOOT0_ERROR_INVALID_FILE,
                      "line 4: the file ends without a termination record (S7, S8 or S9) or a "
                      "record count (S5, S6) after its data");
  /* A count after the last data record proves nothing was cut (srec_cat
   * writes no S7/S8/S9 when it has no start address). */
  {
    g_autoptr (Boot0Firmware) counted = parse_ok ("S107010001020304ED\nS5030001FB\n");
    g_assert_cmpuint (boot0_firmware_get_total_size (counted), ==, 4);
    g_assert_false (boot0_firmware_get_entry_point (counted, NULL));
  }
}

static void
test_srec_unsorted_gaps_func (void)
{
  g_autoptr (GString) text = g_string_new ("S00600004844521B\n");
  g_autoptr (Boot0Firmware) fw = NULL;
  guint8 data[64];

  boot0_test_fill_random (data, sizeof data, 5);
  append_record (text, '3', 4, 0x08000030, data + 48, 16);
  append_record (text, '3', 4, 0x08000010, data + 16, 16);
  append_record (text, '3', 4, 0x08000000, data, 16);
  append_record (text, '2', 3, 0x080000, data, 5); /* far below, given late */
  append_record (text, '3', 4, 0x08000020, data + 32, 16);
  append_record (text, '1', 2, 0x0000, data, 1);
  g_string_append (text, "S9030000FC\n");
  fw = parse_ok (text->str);
  g_assert_cmpuint (boot0_firmware_get_n_segments (fw), ==, 3);
  boot0_test_assert_segment (fw, 0, 0x00000000, data, 1);
  boot0_test_assert_segment (fw, 1, 0x00080000, data, 5);
  boot0_test_assert_segment (fw, 2, 0x08000000, data, 64);
  g_assert_cmpuint (boot0_firmware_get_total_size (fw), ==, 70);
}

/* CRLF, lower case (also 's'), blank lines, trailing whitespace, a byte order
 * mark, empty data records, data ending exactly at 4 GiB. */
static void
test_srec_lenient_func (void)
{
  const char *text = "\xEF\xBB\xBF\r\n"
                     "S00600004844521b\r\n"
                     "\r\n"
                     "s1030100fb \t\r\n"
                     "S107010001020304ed\r\n"
                     "S309FFFFFFFC01020304F3\r\n"
                     "S5030003F9  \r\n"
                     "S70508000123CE\r\n"
                     "\r\n\r\n  \n";
  static const guint8 d1[] = { 1, 2, 3, 4 };
  g_autoptr (Boot0Firmware) fw = parse_ok (text);
  g_assert_cmpuint (boot0_firmware_get_n_segments (fw), ==, 2);
  boot0_test_assert_segment (fw, 0, 0x0100, d1, sizeof d1);
  boot0_test_assert_segment (fw, 1, 0xFFFFFFFC, d1, sizeof d1);
  boot0_test_assert_entry (fw, 0x08000123);
}

static void
test_srec_load_bytes_func (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = g_bytes_new_static ("S107010001020304ED\nS9030100FB\n", 30);
  g_autoptr (GBytes) bad = g_bytes_new_static ("S107010001020304EE\nS9030100FB\n", 30);
  g_autoptr (Boot0Firmware) fw = NULL;
  g_autoptr (Boot0Firmware) fw2 = NULL;

  fw = boot0_firmware_load_bytes (bytes, BOOT0_FIRMWARE_FORMAT_UNKNOWN, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpint (boot0_firmware_get_format (fw), ==, BOOT0_FIRMWARE_FORMAT_SREC);
  g_assert_false (boot0_firmware_get_relocatable (fw));
  g_assert_cmpuint (boot0_firmware_get_total_size (fw), ==, 4);
  boot0_test_assert_entry (fw, 0x0100);

  fw2 = boot0_firmware_load_bytes (bad, BOOT0_FIRMWARE_FORMAT_SREC, 0, &error);
  g_assert_null (fw2);
  boot0_test_assert_error (error, BOOT0_ERROR_INVALID_FILE,
                           "line 1: checksum mismatch: expected 0xED, found 0xEE");
}

typedef struct
{
  const char *text;
  int code; /* Boot0Error; int to compare with GError.code */
  const char *message;
} ErrorCase;

static void
test_srec_errors_func (void)
{
  static const ErrorCase cases[] = {
    { ":0100000042BD\n", BOOT0_ERROR_INVALID_FILE,
      "line 1: missing 'S' at the start of the record (found ':')" },
    { "S107010001020304ED\n\x7F\n", BOOT0_ERROR_INVALID_FILE,
      "line 2: missing 'S' at the start of the record (found byte 0x7F)" },
    { "S\n", BOOT0_ERROR_INVALID_FILE, "line 1: record type missing after 'S'" },
    { "S107010001020304ED\nS4030000FC\n", BOOT0_ERROR_INVALID_FILE,
      "line 2: reserved record type S4" },
    { "SA030000FC\n", BOOT0_ERROR_INVALID_FILE, "line 1: unknown record type 'A' after 'S'" },
    { "S10701000102O304ED\n", BOOT0_ERROR_INVALID_FILE,
      "line 1, column 13: invalid character 'O', expected a hex digit" },
    { "S107010001020304ED0\n", BOOT0_ERROR_INVALID_FILE, "line 1: odd number of hex digits (17)" },
    { "S1\n", BOOT0_ERROR_INVALID_FILE, "line 1: byte count missing" },
    { "S1040100424375\n", BOOT0_ERROR_INVALID_FILE,
      "line 1: byte count 0x04 does not match the line length: 4 bytes expected after it, 5 "
      "found" },
    { "S10200FD\n", BOOT0_ERROR_INVALID_FILE,
      "line 1: S1 record too short: byte count 2, at least 3 needed for its 2-byte address" },
    { "S304080000F3\n", BOOT0_ERROR_INVALID_FILE,
      "line 1: S3 record too short: byte count 4, at least 5 needed" },
    { "S107010001020304EE\n", BOOT0_ERROR_INVALID_FILE,
      "line 1: checksum mismatch: expected 0xED, found 0xEE" },
    { "S107010001020304ED\nS5030002FA\n", BOOT0_ERROR_INVALID_FILE,
      "line 2: record count mismatch: S5 says 2 data records, 1 found before it" },
    { "S107010001020304ED\nS604000003F8\n", BOOT0_ERROR_INVALID_FILE,
      "line 2: record count mismatch: S6 says 3 data records, 1 found before it" },
    { "S107010001020304ED\nS504000002F9\n", BOOT0_ERROR_INVALID_FILE,
      "line 2: S5 count record must have a byte count of 3, found 4" },
    { "S107010001020304ED\nS904000100FA\n", BOOT0_ERROR_INVALID_FILE,
      "line 2: S9 termination record must have a byte count of 3, found 4" },
    { "S107010001020304ED\nS9030100FB\n\nS104010143B6\n", BOOT0_ERROR_INVALID_FILE,
      "line 4: record after the termination record on line 2" },
    { "S107010001020304ED\nS9030100FB\nS9030100FB\n", BOOT0_ERROR_INVALID_FILE,
      "line 3: record after the termination record on line 2" },
    { "S308FFFFFFFE010203F6\n", BOOT0_ERROR_INVALID_FILE,
      "line 1: data record at 0xFFFFFFFE with 3 bytes crosses the 4 GiB address limit" },
    { "S107010001020304ED\nS104010143B6\n", BOOT0_ERROR_INVALID_FILE,
      "line 2: data at 0x00000101-0x00000101 overlaps data already at 0x00000100-0x00000103" },
    { "", BOOT0_ERROR_INVALID_FILE, "no data records" },
    { "\n\r\n", BOOT0_ERROR_INVALID_FILE, "no data records" },
    { "S00600004844521B\nS1030100FB\nS9030000FC\n", BOOT0_ERROR_INVALID_FILE, "no data records" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    assert_parse_error (cases[i].text, cases[i].code, cases[i].message);
}

static void
test_srec_error_line_too_long_func (void)
{
  g_autoptr (GString) text = g_string_new ("S107010001020304ED\nS3");
  guint8 data[250];

  for (guint i = 0; i < 17; i++)
    g_string_append (text, "00000000000000000000000000000000");
  g_string_append (text, "\n");
  assert_parse_error (text->str, BOOT0_ERROR_INVALID_FILE,
                      "line 2: line too long (546 characters, a record has at most 514)");

  /* The longest record is fine: byte count 0xFF. */
  g_string_truncate (text, 0);
  memset (data, 0x5A, sizeof data);
  append_record (text, '3', 4, 0x08000000, data, sizeof data);
  g_assert_cmpuint (text->len, ==, 514 + 1);
  g_string_append (text, "S70500000000FA\n");
  {
    g_autoptr (Boot0Firmware) fw = parse_ok (text->str);
    boot0_test_assert_segment (fw, 0, 0x08000000, data, sizeof data);
  }
  g_string_truncate (text, 514);
  g_string_append (text, "00\n");
  assert_parse_error (text->str, BOOT0_ERROR_INVALID_FILE, "line 1: line too long (516 characters");
}

static void
test_srec_error_too_many_segments_func (void)
{
  g_autoptr (GString) text = g_string_new (NULL);
  guint8 data[1] = { 0xAA };

  for (guint i = 0; i <= BOOT0_FIRMWARE_MAX_SEGMENTS; i++)
    append_record (text, '3', 4, i * 2, data, 1);
  assert_parse_error (text->str, BOOT0_ERROR_TOO_LARGE, "line 4097: more than 4096");
}

static void
assert_written (Boot0Firmware *fw, const char *expected)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = boot0_firmware_write_srec (fw, &error);
  gsize len = 0;
  const char *data;
  g_assert_no_error (error);
  data = g_bytes_get_data (bytes, &len);
  g_assert_cmpmem (data, len, expected, strlen (expected));
}

static void
test_srec_write_func (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (Boot0Firmware) fw = boot0_firmware_new ();
  g_autoptr (Boot0Firmware) fw2 = boot0_firmware_new ();
  guint8 data[20];

  /* 16 data bytes per S3 record, header "boot0", S5 count, S7 entry. */
  for (guint i = 0; i < 20; i++)
    data[i] = (guint8)(i + 1);
  boot0_firmware_add_data (fw, 0, 0x0800FFF8, data, 20, &error);
  g_assert_no_error (error);
  boot0_firmware_set_entry_point (fw, 0x08000123);
  assert_written (fw, "S0080000626F6F743013\n"
                      "S3150800FFF80102030405060708090A0B0C0D0E0F1063\n"
                      "S30908010008111213149B\n"
                      "S5030002FA\n"
                      "S70508000123CE\n");

  /* No entry point: S7 with 0. Other alternate settings are written too. */
  boot0_firmware_add_data (fw2, 0, 0x0100, data, 4, &error);
  g_assert_no_error (error);
  boot0_firmware_add_data (fw2, 1, 0x0200, data, 1, &error);
  g_assert_no_error (error);
  assert_written (fw2, "S0080000626F6F743013\n"
                       "S3090000010001020304EB\n"
                       "S3060000020001F6\n"
                       "S5030002FA\n"
                       "S70500000000FA\n");
}

/* More than 0xFFFF records: the count goes into an S6 record. */
static void
test_srec_write_s6_func (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (Boot0Firmware) fw2 = NULL;
  static const Boot0TestRegion layout[] = { { 0x08000000, 0x10000 * 16 + 1 } };
  g_autoptr (Boot0Firmware) fw = boot0_test_make_image (layout, 1, 9);
  g_autofree char *text = NULL;
  gsize len = 0;
  const char *data;

  bytes = boot0_firmware_write_srec (fw, &error);
  g_assert_no_error (error);
  data = g_bytes_get_data (bytes, &len);
  text = g_strndup (data, len);
  g_assert_true (g_str_has_suffix (text, "\nS604010001F9\nS70500000000FA\n"));
  g_assert_null (strstr (text, "\nS5"));
  fw2 = boot0_firmware_parse_srec ((const guint8 *)data, len, &error);
  g_assert_no_error (error);
  boot0_test_assert_same_segments (fw, fw2);
}

static void
test_srec_write_empty_func (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (Boot0Firmware) fw = boot0_firmware_new ();
  g_autoptr (GBytes) bytes = boot0_firmware_write_srec (fw, &error);
  g_assert_null (bytes);
  boot0_test_assert_error (error, BOOT0_ERROR_INVALID_ARGUMENT, "no data");
}

static void
assert_round_trip (Boot0Firmware *fw)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = boot0_firmware_write_srec (fw, &error);
  g_autoptr (Boot0Firmware) fw2 = NULL;
  guint32 e1 = 0, e2 = 0;
  gboolean has1, has2;
  g_assert_no_error (error);
  fw2 = boot0_firmware_load_bytes (bytes, BOOT0_FIRMWARE_FORMAT_UNKNOWN, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpint (boot0_firmware_get_format (fw2), ==, BOOT0_FIRMWARE_FORMAT_SREC);
  boot0_test_assert_same_segments (fw, fw2);
  has1 = boot0_firmware_get_entry_point (fw, &e1);
  has2 = boot0_firmware_get_entry_point (fw2, &e2);
  g_assert_cmpint (has1, ==, has2);
  g_assert_cmphex (e1, ==, e2);
}

static void
test_srec_round_trip_func (void)
{
  static const Boot0TestRegion layout1[] = {
    { 0x00000000, 1 },       { 0x00000002, 0x1FFFF }, { 0x08000000, 1001 }, { 0x0800FFF1, 0x35 },
    { 0x0801FFFF, 0x10002 }, { 0x1FFFC000, 16 },      { 0xFFFFFFF1, 15 }, /* ends at 4 GiB */
  };
  static const Boot0TestRegion layout2[] = { { 0x08000000, 0x40000 } };
  g_autoptr (Boot0Firmware) fw1 = boot0_test_make_image (layout1, G_N_ELEMENTS (layout1), 1);
  g_autoptr (Boot0Firmware) fw2 = boot0_test_make_image (layout2, G_N_ELEMENTS (layout2), 2);

  g_assert_cmpuint (boot0_firmware_get_n_segments (fw1), ==, G_N_ELEMENTS (layout1));
  assert_round_trip (fw1);
  boot0_firmware_set_entry_point (fw2, 0x08000199);
  assert_round_trip (fw2);
}

/* Boot0's S-records and Intel HEX, read by objcopy and srec_cat. */
static void
test_srec_tools_read_ours_func (void)
{
  static const Boot0TestRegion layout[] = {
    { 0x08000000, 1000 },
    { 0x0800FFF0, 0x35 },
    { 0x08020001, 77 },
    { 0x0803FFFF, 0x10003 },
  };
  g_autoptr (GError) error = NULL;
  g_autoptr (Boot0Firmware) fw = boot0_test_make_image (layout, G_N_ELEMENTS (layout), 12);
  g_autoptr (GBytes) srec = NULL;
  g_autoptr (GBytes) ihex = NULL;
  g_autoptr (Boot0Firmware) converted = NULL;
  g_autofree char *dir = boot0_test_mkdtemp ();
  g_autofree char *srec_path = NULL;
  g_autofree char *hex_path = NULL;
  g_autofree char *objcopy_bin = g_build_filename (dir, "objcopy.bin", NULL);
  g_autofree char *srec_cat_bin = g_build_filename (dir, "srec_cat.bin", NULL);
  g_autofree char *objcopy_srec = g_build_filename (dir, "objcopy.srec", NULL);
  g_autofree char *fill_end = NULL;
  g_autofree char *out = NULL;
  g_autofree guint8 *expected = NULL;
  gsize expected_len = 0;

  boot0_firmware_set_entry_point (fw, 0x08000101);
  srec = boot0_firmware_write_srec (fw, &error);
  g_assert_no_error (error);
  srec_path = write_file (srec, dir, "image.srec");
  expected = boot0_test_flatten (fw, 0xFF, &expected_len);

  {
    const char *args[] = { "-I",   "srec",    "-O",        "binary", "--gap-fill",
                           "0xff", srec_path, objcopy_bin, NULL };
    out = boot0_test_run_tool ("OBJCOPY", args);
  }
  boot0_test_assert_file_contents (objcopy_bin, expected, expected_len);

  fill_end = g_strdup_printf ("0x%08X", (guint)(0x08000000 + expected_len));
  {
    const char *args[] = { srec_path, "-motorola",   "-fill", "0xFF",       "0x08000000", fill_end,
                           "-offset", "-0x08000000", "-o",    srec_cat_bin, "-binary",    NULL };
    g_free (out);
    out = boot0_test_run_tool ("SREC_CAT", args);
  }
  boot0_test_assert_file_contents (srec_cat_bin, expected, expected_len);

  /* Boot0's Intel HEX converted by objcopy to S-records reads back the
   * same, entry point included. */
  ihex = boot0_firmware_write_ihex (fw, &error);
  g_assert_no_error (error);
  hex_path = write_file (ihex, dir, "image.hex");
  {
    const char *args[] = { "-I", "ihex", "-O", "srec", hex_path, objcopy_srec, NULL };
    g_free (out);
    out = boot0_test_run_tool ("OBJCOPY", args);
  }
  converted = parse_file (objcopy_srec);
  boot0_test_assert_same_segments (fw, converted);
  boot0_test_assert_entry (converted, 0x08000101);

  boot0_test_rm_rf (dir);
}

/* .bin → objcopy → S-records → Boot0. */
static void
test_srec_objcopy_output_func (void)
{
  g_autofree char *dir = boot0_test_mkdtemp ();
  gsize len = 0x24681;
  g_autofree guint8 *buf = g_malloc (len);
  g_autofree char *bin = NULL;
  g_autofree char *srec = g_build_filename (dir, "objcopy.srec", NULL);
  g_autofree char *out = NULL;
  g_autoptr (Boot0Firmware) fw = NULL;
  const char *args[] = { "-I",         "binary", "-O", "srec", "--change-addresses",
                         "0x0800C000", NULL,     srec, NULL };

  boot0_test_fill_random (buf, len, 22);
  bin = boot0_test_write_file (dir, "in.bin", buf, len);
  args[6] = bin;
  out = boot0_test_run_tool ("OBJCOPY", args);
  fw = parse_file (srec);
  g_assert_cmpuint (boot0_firmware_get_n_segments (fw), ==, 1);
  boot0_test_assert_segment (fw, 0, 0x0800C000, buf, len);
  boot0_test_assert_entry (fw, 0x0800C000);
  boot0_test_rm_rf (dir);
}

/* .bin → srec_cat → S-records in various flavours → Boot0. */
static Boot0Firmware *
srec_cat_convert (const char *dir, const char *bin, const char *offset, const char *const *extra)
{
  g_autofree char *srec = g_build_filename (dir, "srec_cat.srec", NULL);
  g_autofree char *out = NULL;
  g_autoptr (GPtrArray) args = g_ptr_array_new ();

  g_ptr_array_add (args, (gpointer)bin);
  g_ptr_array_add (args, "-binary");
  g_ptr_array_add (args, "-offset");
  g_ptr_array_add (args, (gpointer)offset);
  g_ptr_array_add (args, "-o");
  g_ptr_array_add (args, srec);
  g_ptr_array_add (args, "-motorola");
  for (guint i = 0; extra[i] != NULL; i++)
    g_ptr_array_add (args, (gpointer)extra[i]);
  g_ptr_array_add (args, NULL);
  out = boot0_test_run_tool ("SREC_CAT", (const char *const *)args->pdata);
  return parse_file (srec);
}

static void
check_srec_cat_output (const char *dir, const char *bin, const guint8 *buf, gsize len,
                       const char *offset, guint32 address, const char *const *extra)
{
  g_autoptr (Boot0Firmware) fw = srec_cat_convert (dir, bin, offset, extra);
  g_assert_cmpuint (boot0_firmware_get_n_segments (fw), ==, 1);
  boot0_test_assert_segment (fw, 0, address, buf, len);
}

static void
test_srec_srec_cat_output_func (void)
{
  g_autofree char *dir = boot0_test_mkdtemp ();
  gsize len = 0x14321;
  g_autofree guint8 *buf = g_malloc (len);
  g_autofree char *bin = NULL;
  const char *plain[] = { NULL };
  const char *s37[] = { "-address-length=4", NULL };
  const char *s28[] = { "-address-length=3", "-crlf", NULL };
  const char *obs[] = { "-Output_Block_Size=250", NULL };
  const char *obs1[] = { "-Output_Block_Size=1", "-address-length=4", NULL };
  const char *s19[] = { "-address-length=2", NULL };

  boot0_test_fill_random (buf, len, 33);
  bin = boot0_test_write_file (dir, "in.bin", buf, len);
  /* S3 records with an S5 count. */
  check_srec_cat_output (dir, bin, buf, len, "0x08000000", 0x08000000, plain);
  check_srec_cat_output (dir, bin, buf, len, "0x0000FFF7", 0x0000FFF7, s37);
  check_srec_cat_output (dir, bin, buf, len, "0x00A00001", 0x00A00001, s28);
  check_srec_cat_output (dir, bin, buf, len, "0x2000FF00", 0x2000FF00, obs);
  /* 1 byte per record: more than 0xFFFF records, counted by S6. */
  check_srec_cat_output (dir, bin, buf, len, "0x08000003", 0x08000003, obs1);
  boot0_test_rm_rf (dir);
  g_free (dir);

  /* S1 records only below 64 KiB. */
  dir = boot0_test_mkdtemp ();
  len = 0xF000;
  boot0_test_fill_random (buf, len, 34);
  g_free (bin);
  bin = boot0_test_write_file (dir, "in.bin", buf, len);
  check_srec_cat_output (dir, bin, buf, len, "0x0800", 0x0800, s19);
  boot0_test_rm_rf (dir);
}

/* Start addresses in S7, S8 and S9 from srec_cat; several inputs. */
static void
test_srec_srec_cat_start_func (void)
{
  g_autofree char *dir = boot0_test_mkdtemp ();
  guint8 a[300], b[77];
  g_autofree char *bin_a = NULL;
  g_autofree char *bin_b = NULL;
  g_autofree char *srec = g_build_filename (dir, "multi.srec", NULL);
  g_autofree char *out = NULL;
  g_autoptr (Boot0Firmware) fw = NULL;
  g_autoptr (Boot0Firmware) s8 = NULL;
  g_autoptr (Boot0Firmware) s9 = NULL;
  const char *s8_args[] = { "-execution-start-address=0x123456", "-address-length=3", NULL };
  const char *s9_args[] = { "-execution-start-address=0x1234", "-address-length=2", NULL };

  boot0_test_fill_random (a, sizeof a, 43);
  boot0_test_fill_random (b, sizeof b, 44);
  bin_a = boot0_test_write_file (dir, "a.bin", a, sizeof a);
  bin_b = boot0_test_write_file (dir, "b.bin", b, sizeof b);
  {
    const char *args[] = { bin_a,        "-binary",    "-offset",
                           "0x0800FF80", bin_b,        "-binary",
                           "-offset",    "0x08040001", "-execution-start-address=0x08000189",
                           "-o",         srec,         "-motorola",
                           NULL };
    out = boot0_test_run_tool ("SREC_CAT", args);
  }
  fw = parse_file (srec);
  g_assert_cmpuint (boot0_firmware_get_n_segments (fw), ==, 2);
  boot0_test_assert_segment (fw, 0, 0x0800FF80, a, sizeof a);
  boot0_test_assert_segment (fw, 1, 0x08040001, b, sizeof b);
  boot0_test_assert_entry (fw, 0x08000189);

  s8 = srec_cat_convert (dir, bin_a, "0x1000", s8_args);
  boot0_test_assert_segment (s8, 0, 0x1000, a, sizeof a);
  boot0_test_assert_entry (s8, 0x123456);
  s9 = srec_cat_convert (dir, bin_a, "0x1000", s9_args);
  boot0_test_assert_segment (s9, 0, 0x1000, a, sizeof a);
  boot0_test_assert_entry (s9, 0x1234);
  boot0_test_rm_rf (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/boot0/firmware-srec/record-types", test_srec_record_types_func);
  g_test_add_func ("/boot0/firmware-srec/termination", test_srec_termination_func);
  g_test_add_func ("/boot0/firmware-srec/unsorted-gaps", test_srec_unsorted_gaps_func);
  g_test_add_func ("/boot0/firmware-srec/lenient", test_srec_lenient_func);
  g_test_add_func ("/boot0/firmware-srec/load-bytes", test_srec_load_bytes_func);
  g_test_add_func ("/boot0/firmware-srec/errors", test_srec_errors_func);
  g_test_add_func ("/boot0/firmware-srec/error-line-too-long", test_srec_error_line_too_long_func);
  g_test_add_func ("/boot0/firmware-srec/error-too-many-segments",
                   test_srec_error_too_many_segments_func);
  g_test_add_func ("/boot0/firmware-srec/write", test_srec_write_func);
  g_test_add_func ("/boot0/firmware-srec/write-s6", test_srec_write_s6_func);
  g_test_add_func ("/boot0/firmware-srec/write-empty", test_srec_write_empty_func);
  g_test_add_func ("/boot0/firmware-srec/round-trip", test_srec_round_trip_func);
  g_test_add_func ("/boot0/firmware-srec/tools-read-ours", test_srec_tools_read_ours_func);
  g_test_add_func ("/boot0/firmware-srec/objcopy-output", test_srec_objcopy_output_func);
  g_test_add_func ("/boot0/firmware-srec/srec-cat-output", test_srec_srec_cat_output_func);
  g_test_add_func ("/boot0/firmware-srec/srec-cat-start", test_srec_srec_cat_start_func);

  return g_test_run ();
}
