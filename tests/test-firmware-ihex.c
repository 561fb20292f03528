/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Intel HEX reader and writer, checked against objcopy and srec_cat. */
#include "config.h"

#include <string.h>

#include "boot0-firmware-private.h"
#include "boot0-test-helpers.h"

/* Appends one record with a correct checksum; count is the byte count field
 * as written, which tests may set to disagree with the data. */
static void
append_record_count (GString *out, guint8 count, guint16 offset, guint8 type, const guint8 *data,
                     gsize len)
{
  guint8 sum = (guint8)(count + (offset >> 8) + (offset & 0xFF) + type);
  g_string_append_printf (out, ":%02X%04X%02X", count, offset, type);
  for (gsize i = 0; i < len; i++)
    {
      g_string_append_printf (out, "%02X", data[i]);
      sum += data[i];
    }
  g_string_append_printf (out, "%02X\n", (guint8)(0x100 - sum));
}

static void
append_record (GString *out, guint16 offset, guint8 type, const guint8 *data, gsize len)
{
  append_record_count (out, (guint8)len, offset, type, data, len);
}

static void
append_ela (GString *out, guint16 upper)
{
  guint8 b[2] = { (guint8)(upper >> 8), (guint8)upper };
  append_record (out, 0, 0x04, b, 2);
}

static Boot0Firmware *
parse_text (const char *text, GError **error)
{
  return boot0_firmware_parse_ihex ((const guint8 *)text, strlen (text), error);
}

static Boot0Firmware *
parse_ok (const char *text)
{
  g_autoptr (GError) error = NULL;
  Boot0Firmware *fw = parse_text (text, &error);
  g_assert_no_error (error);
  g_assert_nonnull (fw);
  g_assert_cmpint (boot0_firmware_get_format (fw), ==, BOOT0_FIRMWARE_FORMAT_IHEX);
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
  fw = boot0_firmware_parse_ihex ((const guint8 *)contents, len, &error);
  g_assert_no_error (error);
  g_assert_nonnull (fw);
  return fw;
}

static char *
write_ihex_file (Boot0Firmware *fw, const char *dir, const char *name)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = boot0_firmware_write_ihex (fw, &error);
  gsize len = 0;
  const guint8 *data;
  g_assert_no_error (error);
  data = g_bytes_get_data (bytes, &len);
  return boot0_test_write_file (dir, name, data, len);
}

static void
test_ihex_data_func (void)
{
  /* Records as objcopy wrote them for a 100-byte .bin at 0x0800FFF0. */
  const char *text = ":020000040800F2\n"
                     ":10FFF000909D9452702F1F17453339C6106265F8D3\n"
                     ":020000040801F1\n"
                     ":10000000D6970B4D2CBC25C2EBD838115EB2F0460A\n"
                     ":04005000115B98B2F6\n"
                     ":040000050800FFF000\n"
                     ":00000001FF\n";
  static const guint8 first[] = { 0x90, 0x9D, 0x94, 0x52, 0x70, 0x2F, 0x1F, 0x17, 0x45, 0x33, 0x39,
                                  0xC6, 0x10, 0x62, 0x65, 0xF8, 0xD6, 0x97, 0x0B, 0x4D, 0x2C, 0xBC,
                                  0x25, 0xC2, 0xEB, 0xD8, 0x38, 0x11, 0x5E, 0xB2, 0xF0, 0x46 };
  static const guint8 last[] = { 0x11, 0x5B, 0x98, 0xB2 };
  g_autoptr (Boot0Firmware) fw = parse_ok (text);

  /* 0x0800FFF0 + 32 is contiguous; 0x08010050 is a separate region. */
  g_assert_cmpuint (boot0_firmware_get_n_segments (fw), ==, 2);
  boot0_test_assert_segment (fw, 0, 0x0800FFF0, first, sizeof first);
  boot0_test_assert_segment (fw, 1, 0x08010050, last, sizeof last);
  boot0_test_assert_entry (fw, 0x0800FFF0);
}

static void
test_ihex_no_extended_func (void)
{
  static const guint8 data[] = { 0x01, 0x02, 0x03, 0x04 };
  g_autoptr (Boot0Firmware) fw = parse_ok (":0401000001020304F1\n:00000001FF\n");
  g_assert_cmpuint (boot0_firmware_get_n_segments (fw), ==, 1);
  boot0_test_assert_segment (fw, 0, 0x0100, data, sizeof data);
  g_assert_false (boot0_firmware_get_entry_point (fw, NULL));
}

/* Type 02: base = segment × 16; a record running past offset 0xFFFF goes on
 * linearly (no 16-bit wrap), as objcopy reads it. */
static void
test_ihex_segment_address_func (void)
{
  g_autoptr (GString) text = g_string_new (NULL);
  g_autoptr (Boot0Firmware) fw = NULL;
  guint8 seg[2] = { 0x12, 0x34 };
  guint8 data[16];

  for (guint i = 0; i < sizeof data; i++)
    data[i] = (guint8)(0xA0 + i);
  append_record (text, 0, 0x02, seg, 2);
  append_record (text, 0x0010, 0x00, data, 4);
  append_record (text, 0xFFF8, 0x00, data, 16);
  g_string_append (text, ":00000001FF\n");
  fw = parse_ok (text->str);
  g_assert_cmpuint (boot0_firmware_get_n_segments (fw), ==, 2);
  boot0_test_assert_segment (fw, 0, 0x12340 + 0x10, data, 4);
  boot0_test_assert_segment (fw, 1, 0x12340 + 0xFFF8, data, 16);
}

/* Type 04: base = value << 16; a later 02 or 04 record replaces the base. */
static void
test_ihex_linear_address_func (void)
{
  g_autoptr (GString) text = g_string_new (NULL);
  g_autoptr (Boot0Firmware) fw = NULL;
  guint8 seg[2] = { 0x10, 0x00 };
  guint8 data[32];

  for (guint i = 0; i < sizeof data; i++)
    data[i] = (guint8)i;
  append_ela (text, 0x0800);
  append_record (text, 0x0000, 0x00, data, 2);
  append_record (text, 0, 0x02, seg, 2);
  append_record (text, 0x0000, 0x00, data, 3);
  append_ela (text, 0x2000);
  /* srec_cat writes 32-byte records that run past 0xFFFF like this one. */
  append_record (text, 0xFFF0, 0x00, data, 32);
  append_ela (text, 0xFFFF);
  /* Ends exactly at 4 GiB. */
  append_record (text, 0xFFFC, 0x00, data, 4);
  g_string_append (text, ":00000001FF\n");
  fw = parse_ok (text->str);
  g_assert_cmpuint (boot0_firmware_get_n_segments (fw), ==, 4);
  boot0_test_assert_segment (fw, 0, 0x00010000, data, 3);
  boot0_test_assert_segment (fw, 1, 0x08000000, data, 2);
  boot0_test_assert_segment (fw, 2, 0x2000FFF0, data, 32);
  boot0_test_assert_segment (fw, 3, 0xFFFFFFFC, data, 4);
  g_assert_cmpuint (boot0_segment_get_end (boot0_firmware_get_segment (fw, 3)), ==,
                    G_GUINT64_CONSTANT (0x100000000));
}

static void
test_ihex_start_segment_func (void)
{
  /* CS = 0x1234, IP = 0x5678: entry = 0x12340 + 0x5678. */
  g_autoptr (Boot0Firmware) fw = parse_ok (":0100000042BD\n"
                                           ":0400000312345678E5\n"
                                           ":00000001FF\n");
  boot0_test_assert_entry (fw, 0x179B8);
}

static void
test_ihex_start_linear_func (void)
{
  g_autoptr (Boot0Firmware) fw = parse_ok (":0100000042BD\n"
                                           ":040000050800008D62\n"
                                           ":00000001FF\n");
  boot0_test_assert_entry (fw, 0x0800008D);
}

static void
test_ihex_unsorted_func (void)
{
  g_autoptr (GString) text = g_string_new (NULL);
  g_autoptr (Boot0Firmware) fw = NULL;
  guint8 data[64];

  boot0_test_fill_random (data, sizeof data, 7);
  append_ela (text, 0x0800);
  /* Descending, then one filling the hole between two others. */
  append_record (text, 0x0030, 0x00, data + 48, 16);
  append_record (text, 0x0010, 0x00, data + 16, 16);
  append_record (text, 0x0000, 0x00, data, 16);
  append_record (text, 0x0020, 0x00, data + 32, 16);
  /* A far region before the others, given last. */
  append_ela (text, 0x0000);
  append_record (text, 0x0100, 0x00, data, 8);
  g_string_append (text, ":00000001FF\n");
  fw = parse_ok (text->str);
  g_assert_cmpuint (boot0_firmware_get_n_segments (fw), ==, 2);
  boot0_test_assert_segment (fw, 0, 0x00000100, data, 8);
  boot0_test_assert_segment (fw, 1, 0x08000000, data, 64);
}

/* Gaps stay gaps: nothing is padded between far regions. */
static void
test_ihex_gaps_func (void)
{
  g_autoptr (GString) text = g_string_new (NULL);
  g_autoptr (Boot0Firmware) fw = NULL;
  guint8 data[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };

  append_ela (text, 0x0800);
  append_record (text, 0x0000, 0x00, data, 8);
  append_record (text, 0x0009, 0x00, data, 8);
  append_ela (text, 0x1FFF);
  append_record (text, 0xC000, 0x00, data, 4);
  g_string_append (text, ":00000001FF\n");
  fw = parse_ok (text->str);
  g_assert_cmpuint (boot0_firmware_get_n_segments (fw), ==, 3);
  boot0_test_assert_segment (fw, 0, 0x08000000, data, 8);
  boot0_test_assert_segment (fw, 1, 0x08000009, data, 8);
  boot0_test_assert_segment (fw, 2, 0x1FFFC000, data, 4);
  g_assert_cmpuint (boot0_firmware_get_total_size (fw), ==, 20);
}

/* CRLF, lower case, blank lines, trailing whitespace, a byte order mark,
 * empty data records. */
static void
test_ihex_lenient_func (void)
{
  const char *text = "\xEF\xBB\xBF\r\n\n"
                     ":020000040800f2 \t\r\n"
                     "\r\n"
                     ":0000000000\r\n"
                     ":0400000001020304f2\r\n"
                     ":0400040005060708de  \r\n"
                     ":00000001ff\r\n"
                     "\r\n   \n\t\n";
  static const guint8 data[] = { 1, 2, 3, 4, 5, 6, 7, 8 };
  g_autoptr (Boot0Firmware) fw = parse_ok (text);
  g_assert_cmpuint (boot0_firmware_get_n_segments (fw), ==, 1);
  boot0_test_assert_segment (fw, 0, 0x08000000, data, sizeof data);
}

/* The last EOF record may lack its newline. */
static void
test_ihex_no_final_newline_func (void)
{
  static const guint8 data[] = { 0x42 };
  g_autoptr (Boot0Firmware) fw = parse_ok (":0100000042BD\n:00000001FF");
  boot0_test_assert_segment (fw, 0, 0, data, 1);
}

static void
test_ihex_load_bytes_func (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = g_bytes_new_static (":0100000042BD\n:00000001FF\n", 26);
  g_autoptr (GBytes) bad = g_bytes_new_static (":0100000042BE\n:00000001FF\n", 26);
  g_autoptr (Boot0Firmware) fw = NULL;
  g_autoptr (Boot0Firmware) fw2 = NULL;

  /* Sniffed from the content, and named explicitly. */
  fw = boot0_firmware_load_bytes (bytes, BOOT0_FIRMWARE_FORMAT_UNKNOWN, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpint (boot0_firmware_get_format (fw), ==, BOOT0_FIRMWARE_FORMAT_IHEX);
  g_assert_false (boot0_firmware_get_relocatable (fw));
  g_assert_cmpuint (boot0_firmware_get_total_size (fw), ==, 1);
  g_clear_object (&fw);
  fw = boot0_firmware_load_bytes (bytes, BOOT0_FIRMWARE_FORMAT_IHEX, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (boot0_firmware_get_total_size (fw), ==, 1);

  fw2 = boot0_firmware_load_bytes (bad, BOOT0_FIRMWARE_FORMAT_UNKNOWN, 0, &error);
  g_assert_null (fw2);
  boot0_test_assert_error (error, BOOT0_ERROR_INVALID_FILE, "line 1: checksum mismatch");
}

typedef struct
{
  const char *text;
  int code; /* Boot0Error; int to compare with GError.code */
  const char *message;
} ErrorCase;

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
test_ihex_errors_func (void)
{
  static const ErrorCase cases[] = {
    { "0100000042BD\n:00000001FF\n", BOOT0_ERROR_INVALID_FILE,
      "line 1: missing ':' at the start of the record (found '0')" },
    { "\n\n :0100000042BD\n:00000001FF\n", BOOT0_ERROR_INVALID_FILE, "line 3: missing ':'" },
    { "\x01\n", BOOT0_ERROR_INVALID_FILE,
      "line 1: missing ':' at the start of the record (found byte 0x01)" },
    { ":0100000042BD\n:01000100G2BC\n", BOOT0_ERROR_INVALID_FILE,
      "line 2, column 10: invalid character 'G', expected a hex digit" },
    { ":01000000 42BD\n", BOOT0_ERROR_INVALID_FILE, "line 1, column 10: invalid character ' '" },
    { ":01000000\x80"
      "2BD\n",
      BOOT0_ERROR_INVALID_FILE, "line 1, column 10: invalid character byte 0x80" },
    { ":0100000042BD0\n", BOOT0_ERROR_INVALID_FILE, "line 1: odd number of hex digits (13)" },
    { ":\n", BOOT0_ERROR_INVALID_FILE, "line 1: record too short (0 bytes, at least 5 needed)" },
    { ":00000001\n", BOOT0_ERROR_INVALID_FILE, "line 1: record too short (4 bytes" },
    /* Byte count 2, one data byte: checksum is right for what is there. */
    { ":0200000042BC\n", BOOT0_ERROR_INVALID_FILE,
      "line 1: byte count 0x02 does not match the line length: 2 data bytes expected, 1 found" },
    { ":0100000042BC\n", BOOT0_ERROR_INVALID_FILE,
      "line 1: checksum mismatch: expected 0xBD, found 0xBC" },
    { ":0100000100FE\n", BOOT0_ERROR_INVALID_FILE,
      "line 1: end-of-file record (type 01) must have 0 data bytes, found 1" },
    { ":0100000210ED\n", BOOT0_ERROR_INVALID_FILE,
      "line 1: extended segment address record (type 02) must have 2 data bytes, found 1" },
    { ":020000030000FB\n", BOOT0_ERROR_INVALID_FILE,
      "line 1: start segment address record (type 03) must have 4 data bytes, found 2" },
    { ":03000004080000F1\n", BOOT0_ERROR_INVALID_FILE,
      "line 1: extended linear address record (type 04) must have 2 data bytes, found 3" },
    { ":050000050800000000EE\n", BOOT0_ERROR_INVALID_FILE,
      "line 1: start linear address record (type 05) must have 4 data bytes, found 5" },
    { ":0100000642B7\n", BOOT0_ERROR_INVALID_FILE, "line 1: unknown record type 0x06" },
    { ":01000000FF00\n:01000000FF00\n:00000001FF\n", BOOT0_ERROR_INVALID_FILE,
      "line 2: data at 0x00000000-0x00000000 overlaps data already at 0x00000000-0x00000000" },
    /* 0xFFFF0000 + 0xFFFE + 3 bytes passes 4 GiB. */
    { ":02000004FFFFFC\n:03FFFE00010203FA\n:00000001FF\n", BOOT0_ERROR_INVALID_FILE,
      "line 2: data record at 0xFFFFFFFE with 3 bytes crosses the 4 GiB address limit" },
    { "", BOOT0_ERROR_INVALID_FILE, "no data records" },
    { "\r\n\n  \n", BOOT0_ERROR_INVALID_FILE, "no data records" },
    { ":00000001FF\n", BOOT0_ERROR_INVALID_FILE, "no data records" },
    { ":0000000000\n:00000001FF\n", BOOT0_ERROR_INVALID_FILE, "no data records" },
    { ":0100000042BD\n\n", BOOT0_ERROR_INVALID_FILE,
      "line 2: missing end-of-file record (:00000001FF) after the last record" },
    { ":0100000042BD\n:00000001FF\n\n:0100010042BC\n", BOOT0_ERROR_INVALID_FILE,
      "line 4: data after the end-of-file record on line 2" },
    { ":0100000042BD\n:00000001FF\n:00000001FF\n", BOOT0_ERROR_INVALID_FILE,
      "line 3: data after the end-of-file record on line 2" },
    { ":0100000042BD\n:00000001FF\ngarbage", BOOT0_ERROR_INVALID_FILE,
      "line 3: data after the end-of-file record" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    assert_parse_error (cases[i].text, cases[i].code, cases[i].message);
}

static void
test_ihex_error_line_too_long_func (void)
{
  g_autoptr (GString) text = g_string_new (":0100000042BD\n:");
  g_string_append_len (text, "00000000000000000000000000000000", 32);
  for (guint i = 0; i < 16; i++)
    g_string_append (text, "00000000000000000000000000000000");
  g_string_append (text, "\n:00000001FF\n");
  assert_parse_error (text->str, BOOT0_ERROR_INVALID_FILE,
                      "line 2: line too long (545 characters, a record has at most 521)");

  /* The longest record is fine: 255 bytes. */
  g_string_truncate (text, 0);
  {
    guint8 data[255];
    g_autoptr (Boot0Firmware) fw = NULL;
    memset (data, 0x5A, sizeof data);
    append_record (text, 0, 0x00, data, sizeof data);
    g_string_append (text, ":00000001FF\n");
    fw = parse_ok (text->str);
    boot0_test_assert_segment (fw, 0, 0, data, sizeof data);
  }
}

/* The segment cap of boot0_firmware_add_data() surfaces with the line. */
static void
test_ihex_error_too_many_segments_func (void)
{
  g_autoptr (GString) text = g_string_new (NULL);
  guint8 data[1] = { 0xAA };

  for (guint i = 0; i <= BOOT0_FIRMWARE_MAX_SEGMENTS; i++)
    {
      append_ela (text, (guint16)i);
      append_record (text, 0, 0x00, data, 1);
    }
  g_string_append (text, ":00000001FF\n");
  assert_parse_error (text->str, BOOT0_ERROR_TOO_LARGE, "line 8194: more than 4096");
}

static void
assert_written (Boot0Firmware *fw, const char *expected)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = boot0_firmware_write_ihex (fw, &error);
  gsize len = 0;
  const char *data;
  g_assert_no_error (error);
  data = g_bytes_get_data (bytes, &len);
  g_assert_cmpmem (data, len, expected, strlen (expected));
}

static void
test_ihex_write_func (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (Boot0Firmware) fw = boot0_firmware_new ();
  g_autoptr (Boot0Firmware) fw2 = boot0_firmware_new ();
  guint8 data[40];

  /* 20 bytes across a 64 KiB boundary: the record splits there. */
  for (guint i = 0; i < 20; i++)
    data[i] = (guint8)(i + 1);
  boot0_firmware_add_data (fw, 0, 0x0800FFF8, data, 20, &error);
  g_assert_no_error (error);
  boot0_firmware_set_entry_point (fw, 0x08000123);
  assert_written (fw, ":020000040800F2\n"
                      ":08FFF8000102030405060708DD\n"
                      ":020000040801F1\n"
                      ":0C000000090A0B0C0D0E0F101112131446\n"
                      ":0400000508000123CB\n"
                      ":00000001FF\n");

  /* 16 bytes per record; below 64 KiB no type 04 is needed; no entry. */
  for (guint i = 0; i < 40; i++)
    data[i] = (guint8)(i * 7);
  boot0_firmware_add_data (fw2, 0, 0x100, data, 40, &error);
  g_assert_no_error (error);
  assert_written (fw2, ":1001000000070E151C232A31383F464D545B6269A7\n"
                       ":1001100070777E858C939AA1A8AFB6BDC4CBD2D997\n"
                       ":08012000E0E7EEF5FC030A1113\n"
                       ":00000001FF\n");
}

static void
test_ihex_write_empty_func (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (Boot0Firmware) fw = boot0_firmware_new ();
  g_autoptr (GBytes) bytes = boot0_firmware_write_ihex (fw, &error);
  g_assert_null (bytes);
  boot0_test_assert_error (error, BOOT0_ERROR_INVALID_ARGUMENT, "no data");
}

/* Segments of other alternate settings are written too (they never overlap). */
static void
test_ihex_write_alt_settings_func (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (Boot0Firmware) fw = boot0_firmware_new ();
  static const guint8 a[] = { 1, 2, 3, 4 };
  static const guint8 b[] = { 5, 6 };

  boot0_firmware_add_data (fw, 0, 0x08000000, a, sizeof a, &error);
  g_assert_no_error (error);
  boot0_firmware_add_data (fw, 1, 0x1FFFC000, b, sizeof b, &error);
  g_assert_no_error (error);
  assert_written (fw, ":020000040800F2\n"
                      ":0400000001020304F2\n"
                      ":020000041FFFDC\n"
                      ":02C00000050633\n"
                      ":00000001FF\n");
}

static void
assert_round_trip (Boot0Firmware *fw)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = boot0_firmware_write_ihex (fw, &error);
  g_autoptr (Boot0Firmware) fw2 = NULL;
  guint32 e1 = 0, e2 = 0;
  gboolean has1, has2;
  g_assert_no_error (error);
  fw2 = boot0_firmware_load_bytes (bytes, BOOT0_FIRMWARE_FORMAT_UNKNOWN, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpint (boot0_firmware_get_format (fw2), ==, BOOT0_FIRMWARE_FORMAT_IHEX);
  boot0_test_assert_same_segments (fw, fw2);
  has1 = boot0_firmware_get_entry_point (fw, &e1);
  has2 = boot0_firmware_get_entry_point (fw2, &e2);
  g_assert_cmpint (has1, ==, has2);
  g_assert_cmphex (e1, ==, e2);
}

static void
test_ihex_round_trip_func (void)
{
  static const Boot0TestRegion layout1[] = {
    { 0x00000000, 1 },       { 0x00000002, 0x1FFFF }, /* 64 KiB crossings from 0 */
    { 0x08000000, 1001 },    { 0x0800FFF1, 0x35 },    /* odd, across a boundary */
    { 0x0801FFFF, 0x10002 },                          /* starts 1 below a boundary */
    { 0x1FFFC000, 16 },      { 0xFFFFFFF0, 16 },      /* ends at 4 GiB */
  };
  static const Boot0TestRegion layout2[] = { { 0x08000000, 0x40000 } };
  static const Boot0TestRegion layout3[] = { { 0xFFFF0000, 0x10000 } };
  g_autoptr (Boot0Firmware) fw1 = boot0_test_make_image (layout1, G_N_ELEMENTS (layout1), 1);
  g_autoptr (Boot0Firmware) fw2 = boot0_test_make_image (layout2, G_N_ELEMENTS (layout2), 2);
  g_autoptr (Boot0Firmware) fw3 = boot0_test_make_image (layout3, G_N_ELEMENTS (layout3), 3);

  g_assert_cmpuint (boot0_firmware_get_n_segments (fw1), ==, G_N_ELEMENTS (layout1));
  assert_round_trip (fw1);
  boot0_firmware_set_entry_point (fw2, 0x08000199);
  assert_round_trip (fw2);
  boot0_firmware_set_entry_point (fw3, 0);
  assert_round_trip (fw3);
}

/* A multi-region image written by Boot0, read by objcopy and srec_cat. */
static void
test_ihex_tools_read_ours_func (void)
{
  static const Boot0TestRegion layout[] = {
    { 0x08000000, 1000 },
    { 0x0800FFF0, 0x35 },
    { 0x08020001, 77 },
    { 0x0803FFFF, 0x10003 },
  };
  g_autoptr (Boot0Firmware) fw = boot0_test_make_image (layout, G_N_ELEMENTS (layout), 11);
  g_autofree char *dir = boot0_test_mkdtemp ();
  g_autofree char *hex = NULL;
  g_autofree char *objcopy_bin = g_build_filename (dir, "objcopy.bin", NULL);
  g_autofree char *srec_cat_bin = g_build_filename (dir, "srec_cat.bin", NULL);
  g_autofree char *fill_end = NULL;
  g_autofree char *out = NULL;
  g_autofree guint8 *expected = NULL;
  gsize expected_len = 0;

  boot0_firmware_set_entry_point (fw, 0x08000101);
  hex = write_ihex_file (fw, dir, "image.hex");
  expected = boot0_test_flatten (fw, 0xFF, &expected_len);

  {
    const char *args[] = { "-I",   "ihex", "-O",        "binary", "--gap-fill",
                           "0xff", hex,    objcopy_bin, NULL };
    out = boot0_test_run_tool ("OBJCOPY", args);
  }
  boot0_test_assert_file_contents (objcopy_bin, expected, expected_len);

  fill_end = g_strdup_printf ("0x%08X", (guint)(0x08000000 + expected_len));
  {
    const char *args[] = { hex,       "-intel",      "-fill", "0xFF",       "0x08000000", fill_end,
                           "-offset", "-0x08000000", "-o",    srec_cat_bin, "-binary",    NULL };
    g_free (out);
    out = boot0_test_run_tool ("SREC_CAT", args);
  }
  boot0_test_assert_file_contents (srec_cat_bin, expected, expected_len);

  boot0_test_rm_rf (dir);
}

/* .bin → objcopy → Intel HEX → Boot0 gives the bytes at the address. */
static void
test_ihex_objcopy_output_func (void)
{
  g_autofree char *dir = boot0_test_mkdtemp ();
  gsize len = 0x24681; /* several 64 KiB crossings, odd size */
  g_autofree guint8 *buf = g_malloc (len);
  g_autofree char *bin = NULL;
  g_autofree char *hex = g_build_filename (dir, "objcopy.hex", NULL);
  g_autofree char *out = NULL;
  g_autoptr (Boot0Firmware) fw = NULL;
  const char *args[] = { "-I",         "binary", "-O", "ihex", "--change-addresses",
                         "0x0800C000", NULL,     hex,  NULL };

  boot0_test_fill_random (buf, len, 21);
  bin = boot0_test_write_file (dir, "in.bin", buf, len);
  args[6] = bin;
  out = boot0_test_run_tool ("OBJCOPY", args);
  fw = parse_file (hex);
  g_assert_cmpuint (boot0_firmware_get_n_segments (fw), ==, 1);
  boot0_test_assert_segment (fw, 0, 0x0800C000, buf, len);
  /* objcopy gives a binary's start address as the entry point (type 05). */
  boot0_test_assert_entry (fw, 0x0800C000);
  boot0_test_rm_rf (dir);
}

/* .bin → srec_cat → Intel HEX in its various flavours → Boot0. */
static void
check_srec_cat_output (const char *dir, const char *bin, const guint8 *buf, gsize len,
                       const char *offset, guint32 address, const char *const *extra)
{
  g_autofree char *hex = g_build_filename (dir, "srec_cat.hex", NULL);
  g_autofree char *out = NULL;
  g_autoptr (GPtrArray) args = g_ptr_array_new ();
  g_autoptr (Boot0Firmware) fw = NULL;

  g_ptr_array_add (args, (gpointer)bin);
  g_ptr_array_add (args, "-binary");
  g_ptr_array_add (args, "-offset");
  g_ptr_array_add (args, (gpointer)offset);
  g_ptr_array_add (args, "-o");
  g_ptr_array_add (args, hex);
  g_ptr_array_add (args, "-intel");
  for (guint i = 0; extra[i] != NULL; i++)
    g_ptr_array_add (args, (gpointer)extra[i]);
  g_ptr_array_add (args, NULL);
  out = boot0_test_run_tool ("SREC_CAT", (const char *const *)args->pdata);
  fw = parse_file (hex);
  g_assert_cmpuint (boot0_firmware_get_n_segments (fw), ==, 1);
  boot0_test_assert_segment (fw, 0, address, buf, len);
}

static void
test_ihex_srec_cat_output_func (void)
{
  g_autofree char *dir = boot0_test_mkdtemp ();
  gsize len = 0x14321;
  g_autofree guint8 *buf = g_malloc (len);
  g_autofree char *bin = NULL;
  const char *linear[] = { NULL };
  const char *linear4[] = { "-address-length=4", NULL };
  const char *obs255[] = { "-Output_Block_Size=255", NULL };
  const char *obs7[] = { "-Output_Block_Size=7", "-crlf", NULL };
  const char *segmented[] = { "-address-length=3", NULL };
  const char *i8hex[] = { "-address-length=2", NULL };

  boot0_test_fill_random (buf, len, 31);
  bin = boot0_test_write_file (dir, "in.bin", buf, len);
  check_srec_cat_output (dir, bin, buf, len, "0x08000000", 0x08000000, linear);
  check_srec_cat_output (dir, bin, buf, len, "0x0800FFF7", 0x0800FFF7, linear4);
  check_srec_cat_output (dir, bin, buf, len, "0x2000FF00", 0x2000FF00, obs255);
  check_srec_cat_output (dir, bin, buf, len, "0x00000003", 0x00000003, obs7);
  /* Type 02 (20-bit segmented): stays below 1 MiB. */
  check_srec_cat_output (dir, bin, buf, len, "0x000E0001", 0x000E0001, segmented);
  boot0_test_rm_rf (dir);
  g_free (dir);

  /* i8hex (no extended records): 16-bit addresses only. */
  dir = boot0_test_mkdtemp ();
  len = 0xF000;
  boot0_test_fill_random (buf, len, 32);
  g_free (bin);
  bin = boot0_test_write_file (dir, "in.bin", buf, len);
  check_srec_cat_output (dir, bin, buf, len, "0x0800", 0x0800, i8hex);
  boot0_test_rm_rf (dir);
}

/* Several inputs and start addresses (types 03 and 05) from srec_cat. */
static void
test_ihex_srec_cat_multi_func (void)
{
  g_autofree char *dir = boot0_test_mkdtemp ();
  guint8 a[300], b[77];
  g_autofree char *bin_a = NULL;
  g_autofree char *bin_b = NULL;
  g_autofree char *hex = g_build_filename (dir, "multi.hex", NULL);
  g_autofree char *hex16 = g_build_filename (dir, "multi16.hex", NULL);
  g_autofree char *out = NULL;
  g_autoptr (Boot0Firmware) fw = NULL;
  g_autoptr (Boot0Firmware) fw16 = NULL;

  boot0_test_fill_random (a, sizeof a, 41);
  boot0_test_fill_random (b, sizeof b, 42);
  bin_a = boot0_test_write_file (dir, "a.bin", a, sizeof a);
  bin_b = boot0_test_write_file (dir, "b.bin", b, sizeof b);
  {
    const char *args[] = { bin_a,        "-binary",    "-offset",
                           "0x0800FF80", bin_b,        "-binary",
                           "-offset",    "0x08040001", "-execution-start-address=0x08000189",
                           "-o",         hex,          "-intel",
                           NULL };
    out = boot0_test_run_tool ("SREC_CAT", args);
  }
  fw = parse_file (hex);
  g_assert_cmpuint (boot0_firmware_get_n_segments (fw), ==, 2);
  boot0_test_assert_segment (fw, 0, 0x0800FF80, a, sizeof a);
  boot0_test_assert_segment (fw, 1, 0x08040001, b, sizeof b);
  boot0_test_assert_entry (fw, 0x08000189);

  {
    /* Segmented: the start address comes as CS:IP (type 03). */
    const char *args[] = { bin_a,
                           "-binary",
                           "-offset",
                           "0x1FF80",
                           bin_b,
                           "-binary",
                           "-offset",
                           "0x30001",
                           "-execution-start-address=0x1234",
                           "-o",
                           hex16,
                           "-intel",
                           "-address-length=3",
                           NULL };
    g_free (out);
    out = boot0_test_run_tool ("SREC_CAT", args);
  }
  fw16 = parse_file (hex16);
  g_assert_cmpuint (boot0_firmware_get_n_segments (fw16), ==, 2);
  boot0_test_assert_segment (fw16, 0, 0x1FF80, a, sizeof a);
  boot0_test_assert_segment (fw16, 1, 0x30001, b, sizeof b);
  boot0_test_assert_entry (fw16, 0x1234);
  boot0_test_rm_rf (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/boot0/firmware-ihex/data", test_ihex_data_func);
  g_test_add_func ("/boot0/firmware-ihex/no-extended", test_ihex_no_extended_func);
  g_test_add_func ("/boot0/firmware-ihex/segment-address", test_ihex_segment_address_func);
  g_test_add_func ("/boot0/firmware-ihex/linear-address", test_ihex_linear_address_func);
  g_test_add_func ("/boot0/firmware-ihex/start-segment", test_ihex_start_segment_func);
  g_test_add_func ("/boot0/firmware-ihex/start-linear", test_ihex_start_linear_func);
  g_test_add_func ("/boot0/firmware-ihex/unsorted", test_ihex_unsorted_func);
  g_test_add_func ("/boot0/firmware-ihex/gaps", test_ihex_gaps_func);
  g_test_add_func ("/boot0/firmware-ihex/lenient", test_ihex_lenient_func);
  g_test_add_func ("/boot0/firmware-ihex/no-final-newline", test_ihex_no_final_newline_func);
  g_test_add_func ("/boot0/firmware-ihex/load-bytes", test_ihex_load_bytes_func);
  g_test_add_func ("/boot0/firmware-ihex/errors", test_ihex_errors_func);
  g_test_add_func ("/boot0/firmware-ihex/error-line-too-long", test_ihex_error_line_too_long_func);
  g_test_add_func ("/boot0/firmware-ihex/error-too-many-segments",
                   test_ihex_error_too_many_segments_func);
  g_test_add_func ("/boot0/firmware-ihex/write", test_ihex_write_func);
  g_test_add_func ("/boot0/firmware-ihex/write-empty", test_ihex_write_empty_func);
  g_test_add_func ("/boot0/firmware-ihex/write-alt-settings", test_ihex_write_alt_settings_func);
  g_test_add_func ("/boot0/firmware-ihex/round-trip", test_ihex_round_trip_func);
  g_test_add_func ("/boot0/firmware-ihex/tools-read-ours", test_ihex_tools_read_ours_func);
  g_test_add_func ("/boot0/firmware-ihex/objcopy-output", test_ihex_objcopy_output_func);
  g_test_add_func ("/boot0/firmware-ihex/srec-cat-output", test_ihex_srec_cat_output_func);
  g_test_add_func ("/boot0/firmware-ihex/srec-cat-multi", test_ihex_srec_cat_multi_func);

  return g_test_run ();
}
