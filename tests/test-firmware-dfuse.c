/* SPDX-License-Identifier: GPL-3.0-or-later */
/* DfuSe .dfu files (UM0391) and the DFU suffix (DFU 1.1 Annex B). */
#include "config.h"

#include <string.h>

#include "boot0-firmware-private.h"
#include "boot0-test-helpers.h"

/* ---- fixtures, built by hand rather than by the code under test ---- */

static void
put_le16 (guint8 *p, guint16 v)
{
  p[0] = v & 0xFF;
  p[1] = v >> 8;
}

static void
put_le32 (guint8 *p, guint32 v)
{
  p[0] = v & 0xFF;
  p[1] = (v >> 8) & 0xFF;
  p[2] = (v >> 16) & 0xFF;
  p[3] = v >> 24;
}

static guint16
get_le16 (const guint8 *p)
{
  return (guint16)(p[0] | (p[1] << 8));
}

static guint32
get_le32 (const guint8 *p)
{
  return (guint32)p[0] | ((guint32)p[1] << 8) | ((guint32)p[2] << 16) | ((guint32)p[3] << 24);
}

static void
append_le32 (GByteArray *b, guint32 v)
{
  guint8 tmp[4];
  put_le32 (tmp, v);
  g_byte_array_append (b, tmp, 4);
}

/* Bitwise reference for the suffix CRC: reflected CRC-32, no final XOR. */
static guint32
ref_crc_dfu (const guint8 *data, gsize len)
{
  guint32 c = 0xFFFFFFFFu;
  for (gsize i = 0; i < len; i++)
    {
      c ^= data[i];
      for (guint k = 0; k < 8; k++)
        c = (c & 1) ? (c >> 1) ^ 0xEDB88320u : c >> 1;
    }
  return c;
}

/* Appends a 16-byte suffix with a correct CRC and the given bLength. */
static void
append_suffix_raw (GByteArray *b, guint16 vid, guint16 pid, guint16 dev, guint16 bcd_dfu,
                   guint8 blength)
{
  guint8 s[12];
  put_le16 (s + 0, dev);
  put_le16 (s + 2, pid);
  put_le16 (s + 4, vid);
  put_le16 (s + 6, bcd_dfu);
  s[8] = 'U';
  s[9] = 'F';
  s[10] = 'D';
  s[11] = blength;
  g_byte_array_append (b, s, sizeof (s));
  append_le32 (b, ref_crc_dfu (b->data, b->len));
}

static GByteArray *
dfuse_begin (guint8 n_targets)
{
  GByteArray *b = g_byte_array_new ();
  guint8 prefix[11] = { 'D', 'f', 'u', 'S', 'e', 0x01, 0, 0, 0, 0, n_targets };
  g_byte_array_append (b, prefix, sizeof (prefix));
  return b;
}

/* Starts a target; dfuse_end_target() fills in dwTargetSize. */
static gsize
dfuse_add_target (GByteArray *b, guint8 alt, const char *name, guint32 n_elements)
{
  guint8 t[274] = { 'T', 'a', 'r', 'g', 'e', 't' };
  gsize off = b->len;
  t[6] = alt;
  if (name != NULL)
    {
      t[7] = 1;
      memcpy (t + 11, name, MIN (strlen (name), 255));
    }
  put_le32 (t + 270, n_elements);
  g_byte_array_append (b, t, sizeof (t));
  return off;
}

static void
dfuse_end_target (GByteArray *b, gsize off)
{
  put_le32 (b->data + off + 266, (guint32)(b->len - off - 274));
}

static void
dfuse_add_element (GByteArray *b, guint32 address, const guint8 *data, guint32 size)
{
  append_le32 (b, address);
  append_le32 (b, size);
  g_byte_array_append (b, data, size);
}

typedef enum
{
  IMAGE_SIZE_WHOLE,     /* UM0391: the whole file */
  IMAGE_SIZE_NO_SUFFIX, /* dfu.py, fwupd */
  IMAGE_SIZE_KEEP,      /* as already in the body */
} ImageSize;

static GBytes *
dfuse_finish_full (GByteArray *body, ImageSize mode, guint16 vid, guint16 pid, guint16 dev,
                   guint16 bcd_dfu)
{
  GByteArray *b = g_byte_array_new ();
  g_byte_array_append (b, body->data, body->len);
  if (mode == IMAGE_SIZE_WHOLE)
    put_le32 (b->data + 6, body->len + 16);
  else if (mode == IMAGE_SIZE_NO_SUFFIX)
    put_le32 (b->data + 6, body->len);
  append_suffix_raw (b, vid, pid, dev, bcd_dfu, 16);
  return g_byte_array_free_to_bytes (b);
}

static GBytes *
dfuse_finish (GByteArray *body)
{
  return dfuse_finish_full (body, IMAGE_SIZE_WHOLE, 0x0483, 0xDF11, 0x2200, 0x011A);
}

/* One target (alt 0, "ST..."), one 64-byte element at 0x08000000. */
static GByteArray *
dfuse_simple_body (void)
{
  guint8 data[64];
  GByteArray *b = dfuse_begin (1);
  gsize t = dfuse_add_target (b, 0, "ST...", 1);
  boot0_test_fill_random (data, sizeof (data), 1);
  dfuse_add_element (b, 0x08000000, data, sizeof (data));
  dfuse_end_target (b, t);
  return b;
}

static Boot0Firmware *
parse_bytes (GBytes *bytes, GError **error)
{
  gsize len = 0;
  const guint8 *data = g_bytes_get_data (bytes, &len);
  return boot0_firmware_parse_dfuse (data, len, error);
}

static void
assert_parse_error (GBytes *bytes, gint code, const char *substr)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (Boot0Firmware) fw = parse_bytes (bytes, &error);
  g_assert_null (fw);
  boot0_test_assert_error (error, code, substr);
}

static void
assert_body_error (GByteArray *body, gint code, const char *substr)
{
  g_autoptr (GBytes) bytes = dfuse_finish (body);
  assert_parse_error (bytes, code, substr);
}

static void
assert_segment (Boot0Firmware *fw, guint idx, guint8 alt, guint32 address, const guint8 *data,
                gsize len)
{
  const Boot0Segment *seg = boot0_firmware_get_segment (fw, idx);
  g_assert_nonnull (seg);
  g_assert_cmpuint (boot0_segment_get_alt_setting (seg), ==, alt);
  g_assert_cmphex (boot0_segment_get_address (seg), ==, address);
  g_assert_cmpmem (boot0_segment_get_data (seg), boot0_segment_get_size (seg), data, len);
}

/* ---- DFU suffix ---- */

static void
test_suffix_crc_reference_func (void)
{
  /* The fixtures' reference CRC against the well-known CRC-32 check value. */
  g_assert_cmphex (ref_crc_dfu ((const guint8 *)"123456789", 9), ==, ~0xCBF43926u);
  g_assert_cmphex (boot0_crc32_dfu ((const guint8 *)"123456789", 9), ==, ~0xCBF43926u);
}

static void
test_suffix_append_func (void)
{
  g_autoptr (GByteArray) buf = g_byte_array_new ();
  g_autoptr (GError) error = NULL;
  Boot0DfuSuffix suffix = { 0x1234, 0x5678, 0x9ABC, 0x011A, 0 };
  Boot0DfuSuffix parsed = { 0 };
  const guint8 expected[12] = { 0x34, 0x12, 0x78, 0x56, 0xBC, 0x9A, 0x1A, 0x01, 'U', 'F', 'D', 16 };

  g_byte_array_append (buf, (const guint8 *)"123456789", 9);
  boot0_dfu_suffix_append (buf, &suffix);
  g_assert_cmpuint (buf->len, ==, 9 + 16);
  g_assert_cmpmem (buf->data + 9, 12, expected, 12);
  g_assert_cmphex (suffix.crc, ==, ref_crc_dfu (buf->data, buf->len - 4));
  g_assert_cmphex (get_le32 (buf->data + buf->len - 4), ==, suffix.crc);

  g_assert_true (boot0_dfu_suffix_present (buf->data, buf->len));
  g_assert_true (boot0_dfu_suffix_parse (buf->data, buf->len, &parsed, &error));
  g_assert_no_error (error);
  g_assert_cmphex (parsed.bcd_device, ==, 0x1234);
  g_assert_cmphex (parsed.id_product, ==, 0x5678);
  g_assert_cmphex (parsed.id_vendor, ==, 0x9ABC);
  g_assert_cmphex (parsed.bcd_dfu, ==, 0x011A);
  g_assert_cmphex (parsed.crc, ==, suffix.crc);

  /* A suffix alone (no payload) is still a valid suffix. */
  g_byte_array_set_size (buf, 0);
  boot0_dfu_suffix_append (buf, &suffix);
  g_assert_true (boot0_dfu_suffix_parse (buf->data, buf->len, &parsed, &error));
  g_assert_no_error (error);
}

static void
test_suffix_present_func (void)
{
  g_autoptr (GByteArray) b = g_byte_array_new ();
  guint8 junk[40];

  boot0_test_fill_random (junk, sizeof (junk), 7);
  g_assert_false (boot0_dfu_suffix_present (NULL, 0));
  g_assert_false (boot0_dfu_suffix_present (junk, sizeof (junk)));
  g_assert_false (boot0_dfu_suffix_present ((const guint8 *)"UFD", 3));

  g_byte_array_append (b, junk, sizeof (junk));
  append_suffix_raw (b, 0x0483, 0xDF11, 0xFFFF, 0x0100, 16);
  g_assert_true (boot0_dfu_suffix_present (b->data, b->len));
  /* Too short by one byte: the signature is no longer where it belongs. */
  g_assert_false (boot0_dfu_suffix_present (b->data, b->len - 1));
  g_assert_false (boot0_dfu_suffix_present (b->data + b->len - 15, 15));
  g_assert_true (boot0_dfu_suffix_present (b->data + b->len - 16, 16));

  /* The CRC is not checked by present(). */
  b->data[0] ^= 0xFF;
  g_assert_true (boot0_dfu_suffix_present (b->data, b->len));

  /* bLength must be 16. */
  b->data[b->len - 5] = 15;
  g_assert_false (boot0_dfu_suffix_present (b->data, b->len));
  b->data[b->len - 5] = 17;
  g_assert_false (boot0_dfu_suffix_present (b->data, b->len));
  b->data[b->len - 5] = 16;
  b->data[b->len - 8] = 'u';
  g_assert_false (boot0_dfu_suffix_present (b->data, b->len));
}

static void
assert_suffix_error (GByteArray *b, gint code, const char *substr)
{
  g_autoptr (GError) error = NULL;
  Boot0DfuSuffix suffix = { 0 };
  g_assert_false (boot0_dfu_suffix_parse (b->data, b->len, &suffix, &error));
  boot0_test_assert_error (error, code, substr);
}

static void
test_suffix_errors_func (void)
{
  g_autoptr (GByteArray) b = g_byte_array_new ();
  g_autoptr (GByteArray) c = NULL;
  g_autofree char *says = NULL;
  g_autofree char *gives = NULL;
  guint8 junk[40];

  boot0_test_fill_random (junk, sizeof (junk), 9);

  g_byte_array_append (b, junk, 15);
  assert_suffix_error (b, BOOT0_ERROR_INVALID_FILE,
                       "too short for a DFU suffix: 15 bytes, need 16");

  g_byte_array_set_size (b, 0);
  g_byte_array_append (b, junk, sizeof (junk));
  assert_suffix_error (b, BOOT0_ERROR_INVALID_FILE, "offset 0x20: no DFU suffix");

  /* bLength below 16 is malformed; above 16 is legal but not supported. The
   * CRC is recomputed so only the length is wrong. */
  g_byte_array_set_size (b, 0);
  g_byte_array_append (b, junk, sizeof (junk));
  append_suffix_raw (b, 0x0483, 0xDF11, 0xFFFF, 0x0100, 15);
  assert_suffix_error (b, BOOT0_ERROR_INVALID_FILE, "offset 0x33: invalid DFU suffix length 15");
  g_byte_array_set_size (b, sizeof (junk));
  append_suffix_raw (b, 0x0483, 0xDF11, 0xFFFF, 0x0100, 32);
  assert_suffix_error (b, BOOT0_ERROR_NOT_SUPPORTED, "DFU suffix length 32 is not supported");

  /* CRC mismatch: the message names both values. */
  g_byte_array_set_size (b, sizeof (junk));
  append_suffix_raw (b, 0x0483, 0xDF11, 0xFFFF, 0x0100, 16);
  c = g_byte_array_new ();
  g_byte_array_append (c, b->data, b->len);
  c->data[3] ^= 0x01;
  says = g_strdup_printf ("file says 0x%08X", get_le32 (c->data + c->len - 4));
  gives = g_strdup_printf ("contents give 0x%08X", ref_crc_dfu (c->data, c->len - 4));
  assert_suffix_error (c, BOOT0_ERROR_INVALID_FILE, "offset 0x34: DFU suffix CRC mismatch");
  assert_suffix_error (c, BOOT0_ERROR_INVALID_FILE, says);
  assert_suffix_error (c, BOOT0_ERROR_INVALID_FILE, gives);

  /* A corrupted CRC field itself. */
  b->data[b->len - 1] ^= 0x80;
  assert_suffix_error (b, BOOT0_ERROR_INVALID_FILE, "CRC mismatch");
}

/* ---- parsing ---- */

static void
test_parse_multi_func (void)
{
  g_autoptr (GByteArray) body = dfuse_begin (3);
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (Boot0Firmware) fw = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GByteArray) merged = g_byte_array_new ();
  const Boot0DfuSuffix *suffix;
  guint8 a[300], b[100], c[16], d[40];
  gsize t;

  boot0_test_fill_random (a, sizeof (a), 1);
  boot0_test_fill_random (b, sizeof (b), 2);
  boot0_test_fill_random (c, sizeof (c), 3);
  boot0_test_fill_random (d, sizeof (d), 4);

  /* alt 0: two elements, the second adjacent to the first (they merge), and
   * a third one further up. Listed out of address order on purpose. */
  t = dfuse_add_target (body, 0, "Internal Flash", 3);
  dfuse_add_element (body, 0x08004000, d, sizeof (d));
  dfuse_add_element (body, 0x08000000, a, sizeof (a));
  dfuse_add_element (body, 0x08000000 + sizeof (a), b, sizeof (b));
  dfuse_end_target (body, t);
  /* alt 1: unnamed, option bytes. */
  t = dfuse_add_target (body, 1, NULL, 1);
  dfuse_add_element (body, 0x1FFFC000, c, sizeof (c));
  dfuse_end_target (body, t);
  /* alt 3: named but with no elements at all. */
  t = dfuse_add_target (body, 3, "Empty", 0);
  dfuse_end_target (body, t);

  bytes = dfuse_finish_full (body, IMAGE_SIZE_WHOLE, 0x0694, 0x0008, 0x0000, 0x011A);
  fw = parse_bytes (bytes, &error);
  g_assert_no_error (error);
  g_assert_nonnull (fw);

  g_assert_cmpint (boot0_firmware_get_format (fw), ==, BOOT0_FIRMWARE_FORMAT_DFUSE);
  g_assert_cmpuint (boot0_firmware_get_n_segments (fw), ==, 3);
  g_byte_array_append (merged, a, sizeof (a));
  g_byte_array_append (merged, b, sizeof (b));
  assert_segment (fw, 0, 0, 0x08000000, merged->data, merged->len);
  assert_segment (fw, 1, 0, 0x08004000, d, sizeof (d));
  assert_segment (fw, 2, 1, 0x1FFFC000, c, sizeof (c));
  g_assert_cmpuint (boot0_firmware_get_total_size (fw), ==, 300 + 100 + 40 + 16);

  g_assert_cmpstr (boot0_firmware_get_target_name (fw, 0), ==, "Internal Flash");
  g_assert_null (boot0_firmware_get_target_name (fw, 1));
  g_assert_cmpstr (boot0_firmware_get_target_name (fw, 3), ==, "Empty");
  g_assert_null (boot0_firmware_get_target_name (fw, 2));

  suffix = boot0_firmware_get_dfu_suffix (fw);
  g_assert_nonnull (suffix);
  g_assert_cmphex (suffix->id_vendor, ==, 0x0694);
  g_assert_cmphex (suffix->id_product, ==, 0x0008);
  g_assert_cmphex (suffix->bcd_device, ==, 0x0000);
  g_assert_cmphex (suffix->bcd_dfu, ==, 0x011A);
  g_assert_cmphex (
      suffix->crc, ==,
      get_le32 ((const guint8 *)g_bytes_get_data (bytes, NULL) + g_bytes_get_size (bytes) - 4));
  g_assert_false (boot0_firmware_get_relocatable (fw));
}

static void
test_parse_image_size_func (void)
{
  g_autoptr (GByteArray) body = dfuse_simple_body ();
  g_autoptr (GBytes) whole = dfuse_finish_full (body, IMAGE_SIZE_WHOLE, 0x0483, 0xDF11, 0, 0x011A);
  g_autoptr (GBytes) nosuffix =
      dfuse_finish_full (body, IMAGE_SIZE_NO_SUFFIX, 0x0483, 0xDF11, 0, 0x011A);
  g_autoptr (GBytes) bad = NULL;
  g_autoptr (Boot0Firmware) fw1 = NULL;
  g_autoptr (Boot0Firmware) fw2 = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *msg = NULL;

  g_assert_cmpuint (get_le32 ((const guint8 *)g_bytes_get_data (whole, NULL) + 6), ==,
                    g_bytes_get_size (whole));
  g_assert_cmpuint (get_le32 ((const guint8 *)g_bytes_get_data (nosuffix, NULL) + 6), ==,
                    g_bytes_get_size (nosuffix) - 16);

  fw1 = parse_bytes (whole, &error);
  g_assert_no_error (error);
  fw2 = parse_bytes (nosuffix, &error);
  g_assert_no_error (error);
  boot0_test_assert_same_segments (fw1, fw2);
  g_assert_cmpuint (boot0_firmware_get_n_segments (fw1), ==, 1);

  /* Anything else is refused, naming both accepted values and the found one. */
  put_le32 (body->data + 6, 1234);
  bad = dfuse_finish_full (body, IMAGE_SIZE_KEEP, 0x0483, 0xDF11, 0, 0x011A);
  msg = g_strdup_printf ("offset 0x6: DFUImageSize is 1234, expected %" G_GSIZE_FORMAT
                         " (whole file) or %" G_GSIZE_FORMAT " (without suffix)",
                         g_bytes_get_size (bad), g_bytes_get_size (bad) - 16);
  assert_parse_error (bad, BOOT0_ERROR_INVALID_FILE, msg);
}

static void
test_parse_names_func (void)
{
  g_autoptr (GByteArray) body = dfuse_begin (4);
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (Boot0Firmware) fw = NULL;
  g_autoptr (GError) error = NULL;
  char full[256];
  guint8 data[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
  gsize t;

  /* A name filling all 255 bytes, with no NUL. */
  memset (full, 'N', 255);
  full[255] = '\0';
  t = dfuse_add_target (body, 0, full, 1);
  dfuse_add_element (body, 0x08000000, data, sizeof (data));
  dfuse_end_target (body, t);

  /* Invalid UTF-8, garbage after the NUL, and bTargetNamed set only in its
   * last byte (dfu-util reads the first; any non-zero byte counts here). */
  t = dfuse_add_target (body, 1, "Bad\xFF\xFEname", 1);
  body->data[t + 7] = 0;
  body->data[t + 10] = 1;
  body->data[t + 11 + 13] = 'X';
  dfuse_add_element (body, 0x08001000, data, sizeof (data));
  dfuse_end_target (body, t);

  /* Named flag clear: the name bytes are ignored. */
  t = dfuse_add_target (body, 2, "Ignored", 1);
  body->data[t + 7] = 0;
  dfuse_add_element (body, 0x08002000, data, sizeof (data));
  dfuse_end_target (body, t);

  /* Named but empty: no name. */
  t = dfuse_add_target (body, 4, NULL, 1);
  body->data[t + 7] = 1;
  dfuse_add_element (body, 0x08003000, data, sizeof (data));
  dfuse_end_target (body, t);

  bytes = dfuse_finish (body);
  fw = parse_bytes (bytes, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (boot0_firmware_get_target_name (fw, 0), ==, full);
  g_assert_true (g_utf8_validate (boot0_firmware_get_target_name (fw, 1), -1, NULL));
  g_assert_true (g_str_has_prefix (boot0_firmware_get_target_name (fw, 1), "Bad"));
  g_assert_true (g_str_has_suffix (boot0_firmware_get_target_name (fw, 1), "name"));
  g_assert_null (boot0_firmware_get_target_name (fw, 2));
  g_assert_null (boot0_firmware_get_target_name (fw, 4));
  g_assert_cmpuint (boot0_firmware_get_n_segments (fw), ==, 4);
}

static void
test_parse_bcd_dfu_func (void)
{
  g_autoptr (GByteArray) body = dfuse_simple_body ();
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (Boot0Firmware) fw = NULL;

  /* `dfu-suffix -a` stamps bcdDFU 0x0100 even on DfuSe files; the prefix
   * decides, so such files are accepted. */
  bytes = dfuse_finish_full (body, IMAGE_SIZE_WHOLE, 0x0483, 0xDF11, 0xFFFF, 0x0100);
  fw = parse_bytes (bytes, &error);
  g_assert_no_error (error);
  g_assert_cmphex (boot0_firmware_get_dfu_suffix (fw)->bcd_dfu, ==, 0x0100);
}

static void
test_parse_edges_func (void)
{
  g_autoptr (GByteArray) body = dfuse_begin (1);
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (Boot0Firmware) fw = NULL;
  g_autoptr (GError) error = NULL;
  guint8 data[64];
  gsize t;

  /* An element ending exactly at 4 GiB is fine; an empty element is skipped. */
  boot0_test_fill_random (data, sizeof (data), 5);
  t = dfuse_add_target (body, 0, "ST...", 2);
  dfuse_add_element (body, 0xFFFFFFC0u, data, sizeof (data));
  dfuse_add_element (body, 0x08000000, data, 0);
  dfuse_end_target (body, t);
  bytes = dfuse_finish (body);
  fw = parse_bytes (bytes, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (boot0_firmware_get_n_segments (fw), ==, 1);
  assert_segment (fw, 0, 0, 0xFFFFFFC0u, data, sizeof (data));
  g_assert_cmphex (boot0_segment_get_end (boot0_firmware_get_segment (fw, 0)), ==,
                   G_GUINT64_CONSTANT (0x100000000));
}

static void
test_parse_max_targets_func (void)
{
  g_autoptr (GByteArray) body = dfuse_begin (255);
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (Boot0Firmware) fw = NULL;
  g_autoptr (GError) error = NULL;

  /* bTargets is one byte, so 255 (the cap) is the most a file can declare. */
  for (guint i = 0; i < 255; i++)
    {
      guint8 byte = (guint8)i;
      gsize t = dfuse_add_target (body, (guint8)i, NULL, 1);
      dfuse_add_element (body, 0x08000000 + i * 0x100, &byte, 1);
      dfuse_end_target (body, t);
    }
  bytes = dfuse_finish (body);
  fw = parse_bytes (bytes, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (boot0_firmware_get_n_segments (fw), ==, 255);
  g_assert_cmpuint (boot0_segment_get_alt_setting (boot0_firmware_get_segment (fw, 254)), ==, 254);
}

static void
test_parse_load_bytes_func (void)
{
  g_autoptr (GByteArray) body = dfuse_simple_body ();
  g_autoptr (GBytes) bytes = dfuse_finish (body);
  g_autoptr (GError) error = NULL;
  g_autoptr (Boot0Firmware) fw = NULL;

  /* Through the public entry point: the content says it is DfuSe. */
  g_assert_cmpint (
      boot0_firmware_format_sniff (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes)), ==,
      BOOT0_FIRMWARE_FORMAT_DFUSE);
  fw = boot0_firmware_load_bytes (bytes, BOOT0_FIRMWARE_FORMAT_UNKNOWN, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpint (boot0_firmware_get_format (fw), ==, BOOT0_FIRMWARE_FORMAT_DFUSE);
  g_assert_cmphex (boot0_segment_get_address (boot0_firmware_get_segment (fw, 0)), ==, 0x08000000);
}

static void
test_parse_errors_header_func (void)
{
  g_autoptr (GByteArray) body = NULL;
  g_autoptr (GBytes) bytes = NULL;

  bytes = g_bytes_new_static ("", 0);
  assert_parse_error (bytes, BOOT0_ERROR_INVALID_FILE, "no \"DfuSe\" prefix");
  g_clear_pointer (&bytes, g_bytes_unref);

  body = dfuse_simple_body ();
  body->data[4] = 'x';
  assert_body_error (body, BOOT0_ERROR_INVALID_FILE, "offset 0x0: not a DfuSe file");
  body->data[4] = 'e';

  body->data[5] = 2;
  assert_body_error (body, BOOT0_ERROR_NOT_SUPPORTED,
                     "offset 0x5: DfuSe version 2 is not supported");
  body->data[5] = 1;

  /* Prefix only, no room for a suffix. */
  bytes = g_bytes_new (body->data, 11 + 15);
  assert_parse_error (bytes, BOOT0_ERROR_INVALID_FILE, "too short");
  g_clear_pointer (&bytes, g_bytes_unref);

  body->data[10] = 0;
  g_byte_array_set_size (body, 11);
  assert_body_error (body, BOOT0_ERROR_INVALID_FILE, "offset 0xA: the file has no targets");
}

static void
test_parse_errors_suffix_func (void)
{
  g_autoptr (GByteArray) body = dfuse_simple_body ();
  g_autoptr (GByteArray) b = g_byte_array_new ();
  g_autoptr (GBytes) bytes = NULL;
  g_autofree char *says = NULL;
  g_autofree char *gives = NULL;

  /* No suffix at all: it is required. */
  put_le32 (body->data + 6, body->len);
  bytes = g_bytes_new (body->data, body->len);
  assert_parse_error (bytes, BOOT0_ERROR_INVALID_FILE, "no DFU suffix");
  g_clear_pointer (&bytes, g_bytes_unref);

  g_byte_array_append (b, body->data, body->len);
  put_le32 (b->data + 6, body->len + 16);
  append_suffix_raw (b, 0x0483, 0xDF11, 0xFFFF, 0x011A, 12);
  bytes = g_bytes_new (b->data, b->len);
  assert_parse_error (bytes, BOOT0_ERROR_INVALID_FILE, "invalid DFU suffix length 12");
  g_clear_pointer (&bytes, g_bytes_unref);

  g_byte_array_set_size (b, body->len);
  append_suffix_raw (b, 0x0483, 0xDF11, 0xFFFF, 0x011A, 20);
  bytes = g_bytes_new (b->data, b->len);
  assert_parse_error (bytes, BOOT0_ERROR_NOT_SUPPORTED, "DFU suffix length 20");
  g_clear_pointer (&bytes, g_bytes_unref);

  /* Corrupt the signature of a good file. */
  g_byte_array_set_size (b, body->len);
  append_suffix_raw (b, 0x0483, 0xDF11, 0xFFFF, 0x011A, 16);
  b->data[b->len - 6] = 'X';
  bytes = g_bytes_new (b->data, b->len);
  assert_parse_error (bytes, BOOT0_ERROR_INVALID_FILE, "no DFU suffix: expected signature \"UFD\"");
  g_clear_pointer (&bytes, g_bytes_unref);
  b->data[b->len - 6] = 'D';

  /* Flip a data byte: CRC mismatch naming both values. */
  b->data[11 + 274 + 8 + 5] ^= 0x40;
  says = g_strdup_printf ("file says 0x%08X", get_le32 (b->data + b->len - 4));
  gives = g_strdup_printf ("contents give 0x%08X", ref_crc_dfu (b->data, b->len - 4));
  bytes = g_bytes_new (b->data, b->len);
  assert_parse_error (bytes, BOOT0_ERROR_INVALID_FILE, "CRC mismatch");
  assert_parse_error (bytes, BOOT0_ERROR_INVALID_FILE, says);
  assert_parse_error (bytes, BOOT0_ERROR_INVALID_FILE, gives);
}

static void
test_parse_errors_targets_func (void)
{
  g_autoptr (GByteArray) body = NULL;
  g_autofree char *msg = NULL;
  guint8 data[64];
  gsize t;

  boot0_test_fill_random (data, sizeof (data), 1);

  /* Bad "Target" signature. */
  body = dfuse_simple_body ();
  body->data[11 + 5] = 'x';
  assert_body_error (body, BOOT0_ERROR_INVALID_FILE,
                     "offset 0xB: target 0: expected signature \"Target\"");
  g_clear_pointer (&body, g_byte_array_unref);

  /* Two targets declared, one present: the second is truncated. */
  body = dfuse_simple_body ();
  body->data[10] = 2;
  msg = g_strdup_printf ("offset 0x%X: target 1 truncated: its prefix needs 274 bytes, 0 left",
                         body->len);
  assert_body_error (body, BOOT0_ERROR_INVALID_FILE, msg);
  g_clear_pointer (&msg, g_free);

  /* Half a target prefix. */
  g_byte_array_append (body, (const guint8 *)"Target", 6);
  msg = g_strdup_printf ("offset 0x%X: target 1 truncated: its prefix needs 274 bytes, 6 left",
                         body->len - 6);
  assert_body_error (body, BOOT0_ERROR_INVALID_FILE, msg);
  g_clear_pointer (&msg, g_free);
  g_clear_pointer (&body, g_byte_array_unref);

  /* One target declared, two present: trailing data. */
  body = dfuse_simple_body ();
  t = dfuse_add_target (body, 1, NULL, 1);
  dfuse_add_element (body, 0x09000000, data, 4);
  dfuse_end_target (body, t);
  msg = g_strdup_printf ("offset 0x%" G_GSIZE_MODIFIER "X: %d bytes of trailing data after the "
                         "last of 1 targets (suffix at offset 0x%X)",
                         t, 274 + 8 + 4, body->len);
  assert_body_error (body, BOOT0_ERROR_INVALID_FILE, msg);
  g_clear_pointer (&msg, g_free);
  g_clear_pointer (&body, g_byte_array_unref);

  /* A few stray bytes after the last element. */
  body = dfuse_simple_body ();
  g_byte_array_append (body, data, 5);
  assert_body_error (body, BOOT0_ERROR_INVALID_FILE, "5 bytes of trailing data");
  g_clear_pointer (&body, g_byte_array_unref);

  /* dwTargetSize one more / one less than the elements take. */
  body = dfuse_simple_body ();
  put_le32 (body->data + 11 + 266, 73);
  assert_body_error (
      body, BOOT0_ERROR_INVALID_FILE,
      "offset 0x115: target 0 (alt 0): dwTargetSize is 73 but its 1 elements take 72 bytes");
  put_le32 (body->data + 11 + 266, 71);
  assert_body_error (body, BOOT0_ERROR_INVALID_FILE, "dwTargetSize is 71");
  g_clear_pointer (&body, g_byte_array_unref);
}

static void
test_parse_errors_elements_func (void)
{
  g_autoptr (GByteArray) body = NULL;
  g_autofree char *msg = NULL;
  guint8 data[64];
  gsize t;

  boot0_test_fill_random (data, sizeof (data), 1);

  /* Two elements declared, one present. */
  body = dfuse_simple_body ();
  put_le32 (body->data + 11 + 270, 2);
  msg = g_strdup_printf (
      "offset 0x%X: target 0 (alt 0) element 1: header truncated (0 bytes left before "
      "the suffix, need 8)",
      body->len);
  assert_body_error (body, BOOT0_ERROR_INVALID_FILE, msg);
  g_clear_pointer (&msg, g_free);

  /* Far more elements than could fit. */
  put_le32 (body->data + 11 + 270, 100);
  assert_body_error (
      body, BOOT0_ERROR_INVALID_FILE,
      "offset 0x119: target 0 (alt 0): 100 elements cannot fit in the 72 bytes left");

  /* More than the cap. */
  put_le32 (body->data + 11 + 270, BOOT0_FIRMWARE_MAX_SEGMENTS + 1);
  assert_body_error (body, BOOT0_ERROR_TOO_LARGE,
                     "target 0 (alt 0): 4097 elements, more than the 4096");
  put_le32 (body->data + 11 + 270, G_MAXUINT32);
  assert_body_error (body, BOOT0_ERROR_TOO_LARGE, "4294967295 elements");
  put_le32 (body->data + 11 + 270, 1);

  /* Element data running past the end. */
  put_le32 (body->data + 11 + 274 + 4, 65);
  assert_body_error (
      body, BOOT0_ERROR_INVALID_FILE,
      "offset 0x121: target 0 (alt 0) element 0: dwElementSize 65 runs past the data "
      "(64 bytes left before the suffix)");
  put_le32 (body->data + 11 + 274 + 4, G_MAXUINT32);
  assert_body_error (body, BOOT0_ERROR_INVALID_FILE, "dwElementSize 4294967295 runs past");
  put_le32 (body->data + 11 + 274 + 4, 64);

  /* Element past 4 GiB. */
  put_le32 (body->data + 11 + 274, 0xFFFFFFF0u);
  assert_body_error (
      body, BOOT0_ERROR_INVALID_FILE,
      "offset 0x11D: target 0 (alt 0) element 0: 0xFFFFFFF0 + 64 bytes passes the 4 GiB");
  g_clear_pointer (&body, g_byte_array_unref);

  /* Overlapping elements in one target... */
  body = dfuse_begin (1);
  t = dfuse_add_target (body, 0, NULL, 2);
  dfuse_add_element (body, 0x08000000, data, 64);
  dfuse_add_element (body, 0x08000020, data, 64);
  dfuse_end_target (body, t);
  msg = g_strdup_printf ("offset 0x%X: target 0 (alt 0) element 1: ", 11 + 274 + 8 + 64);
  assert_body_error (body, BOOT0_ERROR_INVALID_FILE, msg);
  assert_body_error (body, BOOT0_ERROR_INVALID_FILE, "overlaps");
  g_clear_pointer (&msg, g_free);
  g_clear_pointer (&body, g_byte_array_unref);

  /* ...and across targets. */
  body = dfuse_begin (2);
  t = dfuse_add_target (body, 0, NULL, 1);
  dfuse_add_element (body, 0x08000000, data, 64);
  dfuse_end_target (body, t);
  t = dfuse_add_target (body, 1, NULL, 1);
  dfuse_add_element (body, 0x0800003F, data, 2);
  dfuse_end_target (body, t);
  assert_body_error (body, BOOT0_ERROR_INVALID_FILE, "target 1 (alt 1) element 0: ");
  assert_body_error (body, BOOT0_ERROR_INVALID_FILE, "overlaps");
}

/* ---- writing ---- */

static Boot0Firmware *
make_image (void)
{
  g_autoptr (GError) error = NULL;
  Boot0Firmware *fw = boot0_firmware_new ();
  guint8 a[500], b[32], c[16];

  boot0_test_fill_random (a, sizeof (a), 11);
  boot0_test_fill_random (b, sizeof (b), 12);
  boot0_test_fill_random (c, sizeof (c), 13);
  /* The alt 2 data sits below alt 0's: targets must still come out in alt order. */
  g_assert_true (boot0_firmware_add_data (fw, 2, 0x00010000, c, sizeof (c), &error));
  g_assert_true (boot0_firmware_add_data (fw, 0, 0x08000000, a, sizeof (a), &error));
  g_assert_true (boot0_firmware_add_data (fw, 0, 0x08020000, b, sizeof (b), &error));
  g_assert_no_error (error);
  boot0_firmware_set_target_name (fw, 2, "Option Bytes  ");
  return fw;
}

static void
test_write_layout_func (void)
{
  g_autoptr (Boot0Firmware) fw = make_image ();
  g_autoptr (Boot0Firmware) fw2 = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = boot0_firmware_write_dfuse (fw, &error);
  const guint8 *p;
  gsize len;
  gsize off;

  g_assert_no_error (error);
  p = g_bytes_get_data (bytes, &len);
  g_assert_cmpuint (len, ==, 11 + 274 + 8 + 500 + 8 + 32 + 274 + 8 + 16 + 16);

  /* UM0391 prefix: DFUImageSize is the whole file. */
  g_assert_cmpmem (p, 6, "DfuSe\x01", 6);
  g_assert_cmpuint (get_le32 (p + 6), ==, len);
  g_assert_cmpuint (p[10], ==, 2);

  /* Target for alt 0, with the default name. */
  off = 11;
  g_assert_cmpmem (p + off, 6, "Target", 6);
  g_assert_cmpuint (p[off + 6], ==, 0);
  g_assert_cmpuint (get_le32 (p + off + 7), ==, 1);
  g_assert_cmpstr ((const char *)p + off + 11, ==, "ST...");
  g_assert_cmpuint (get_le32 (p + off + 266), ==, 8 + 500 + 8 + 32);
  g_assert_cmpuint (get_le32 (p + off + 270), ==, 2);
  g_assert_cmphex (get_le32 (p + off + 274), ==, 0x08000000);
  g_assert_cmpuint (get_le32 (p + off + 278), ==, 500);
  g_assert_cmphex (get_le32 (p + off + 274 + 8 + 500), ==, 0x08020000);

  /* Then alt 2 with its stored name. */
  off = 11 + 274 + 8 + 500 + 8 + 32;
  g_assert_cmpmem (p + off, 6, "Target", 6);
  g_assert_cmpuint (p[off + 6], ==, 2);
  g_assert_cmpstr ((const char *)p + off + 11, ==, "Option Bytes  ");
  g_assert_cmpuint (get_le32 (p + off + 270), ==, 1);
  g_assert_cmphex (get_le32 (p + off + 274), ==, 0x00010000);

  /* Default suffix IDs, DfuSe bcdDFU, CRC checked by the reference. */
  off = len - 16;
  g_assert_cmphex (get_le16 (p + off), ==, 0xFFFF);
  g_assert_cmphex (get_le16 (p + off + 2), ==, 0xDF11);
  g_assert_cmphex (get_le16 (p + off + 4), ==, 0x0483);
  g_assert_cmphex (get_le16 (p + off + 6), ==, 0x011A);
  g_assert_cmpmem (p + off + 8, 4, "UFD\x10", 4);
  g_assert_cmphex (get_le32 (p + off + 12), ==, ref_crc_dfu (p, len - 4));

  /* And it reads back the same. */
  fw2 = boot0_firmware_parse_dfuse (p, len, &error);
  g_assert_no_error (error);
  boot0_test_assert_same_segments (fw, fw2);
  for (guint i = 0; i < boot0_firmware_get_n_segments (fw); i++)
    g_assert_cmpuint (boot0_segment_get_alt_setting (boot0_firmware_get_segment (fw, i)), ==,
                      boot0_segment_get_alt_setting (boot0_firmware_get_segment (fw2, i)));
  g_assert_cmpstr (boot0_firmware_get_target_name (fw2, 0), ==, "ST...");
  g_assert_cmpstr (boot0_firmware_get_target_name (fw2, 2), ==, "Option Bytes  ");
}

static void
test_write_suffix_ids_func (void)
{
  g_autoptr (Boot0Firmware) fw = make_image ();
  g_autoptr (Boot0Firmware) fw2 = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = NULL;
  Boot0DfuSuffix suffix = { 0x0000, 0x0008, 0x0694, 0x0100, 0x12345678 };
  const Boot0DfuSuffix *s2;

  boot0_firmware_set_dfu_suffix (fw, &suffix);
  bytes = boot0_firmware_write_dfuse (fw, &error);
  g_assert_no_error (error);
  fw2 = parse_bytes (bytes, &error);
  g_assert_no_error (error);
  s2 = boot0_firmware_get_dfu_suffix (fw2);
  g_assert_cmphex (s2->bcd_device, ==, 0x0000);
  g_assert_cmphex (s2->id_product, ==, 0x0008);
  g_assert_cmphex (s2->id_vendor, ==, 0x0694);
  /* Always DfuSe, whatever the source said. */
  g_assert_cmphex (s2->bcd_dfu, ==, 0x011A);
}

static void
test_write_round_trip_func (void)
{
  g_autoptr (GByteArray) body = dfuse_begin (2);
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (GBytes) bytes2 = NULL;
  g_autoptr (GBytes) bytes3 = NULL;
  g_autoptr (Boot0Firmware) fw = NULL;
  g_autoptr (Boot0Firmware) fw2 = NULL;
  g_autoptr (Boot0Firmware) fw3 = NULL;
  g_autoptr (GError) error = NULL;
  guint8 data[1000];
  gsize t;

  boot0_test_fill_random (data, sizeof (data), 21);
  t = dfuse_add_target (body, 0, "Internal Flash  ", 3);
  dfuse_add_element (body, 0x08000000, data, 100);
  dfuse_add_element (body, 0x08000100, data + 100, 200);
  dfuse_add_element (body, 0x08000064, data + 300, 50);
  dfuse_end_target (body, t);
  t = dfuse_add_target (body, 1, NULL, 1);
  dfuse_add_element (body, 0x1FFFC000, data + 400, 16);
  dfuse_end_target (body, t);
  bytes = dfuse_finish_full (body, IMAGE_SIZE_NO_SUFFIX, 0x1209, 0xBEEF, 0x0101, 0x011A);

  fw = parse_bytes (bytes, &error);
  g_assert_no_error (error);
  /* 0x08000000+100 = 0x08000064: the first and third merge. */
  g_assert_cmpuint (boot0_firmware_get_n_segments (fw), ==, 3);

  bytes2 = boot0_firmware_write_dfuse (fw, &error);
  g_assert_no_error (error);
  fw2 = parse_bytes (bytes2, &error);
  g_assert_no_error (error);
  boot0_test_assert_same_segments (fw, fw2);
  g_assert_cmpstr (boot0_firmware_get_target_name (fw2, 0), ==, "Internal Flash  ");
  g_assert_cmpstr (boot0_firmware_get_target_name (fw2, 1), ==, "ST...");
  g_assert_cmphex (boot0_firmware_get_dfu_suffix (fw2)->id_vendor, ==, 0x1209);
  g_assert_cmphex (boot0_firmware_get_dfu_suffix (fw2)->id_product, ==, 0xBEEF);
  g_assert_cmphex (boot0_firmware_get_dfu_suffix (fw2)->bcd_device, ==, 0x0101);

  /* Writing is deterministic: a second round gives the same bytes. */
  bytes3 = boot0_firmware_write_dfuse (fw2, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (bytes2, bytes3));
  fw3 = parse_bytes (bytes3, &error);
  g_assert_no_error (error);
  boot0_test_assert_same_segments (fw, fw3);

  /* Through the public writer too. */
  g_clear_pointer (&bytes3, g_bytes_unref);
  bytes3 = boot0_firmware_write_bytes (fw2, BOOT0_FIRMWARE_FORMAT_DFUSE,
                                       BOOT0_FIRMWARE_WRITE_FLAG_NONE, 0xFF, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (bytes2, bytes3));
}

static void
test_write_long_name_func (void)
{
  g_autoptr (Boot0Firmware) fw = boot0_firmware_new ();
  g_autoptr (Boot0Firmware) fw2 = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (GString) name = g_string_new (NULL);
  g_autofree char *expected = NULL;
  guint8 byte = 0x5A;
  const guint8 *p;

  /* 253 ASCII bytes then a 2-byte character: only 254 bytes fit before the
   * NUL, so the character is dropped whole. */
  for (guint i = 0; i < 253; i++)
    g_string_append_c (name, 'a' + (i % 26));
  expected = g_strdup (name->str);
  g_string_append (name, "\xC3\xA9 and more");
  g_assert_true (boot0_firmware_add_data (fw, 0, 0x08000000, &byte, 1, &error));
  boot0_firmware_set_target_name (fw, 0, name->str);

  bytes = boot0_firmware_write_dfuse (fw, &error);
  g_assert_no_error (error);
  p = g_bytes_get_data (bytes, NULL);
  g_assert_cmpuint (p[11 + 11 + 253], ==, 0);
  g_assert_cmpuint (p[11 + 11 + 254], ==, 0);
  fw2 = parse_bytes (bytes, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (boot0_firmware_get_target_name (fw2, 0), ==, expected);
}

static void
test_write_empty_func (void)
{
  g_autoptr (Boot0Firmware) fw = boot0_firmware_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = boot0_firmware_write_dfuse (fw, &error);
  g_assert_null (bytes);
  boot0_test_assert_error (error, BOOT0_ERROR_INVALID_ARGUMENT, "the image is empty");
}

/* ---- cross-checks with dfu-util's dfu-suffix ---- */

/* Reads "Label:\t0xNNNN" from `dfu-suffix -c` output. */
static guint
dfu_suffix_field (const char *out, const char *label)
{
  const char *p = strstr (out, label);
  if (p == NULL)
    g_error ("dfu-suffix output lacks '%s':\n%s", label, out);
  p += strlen (label);
  while (*p == ' ' || *p == '\t')
    p++;
  return (guint)g_ascii_strtoull (p, NULL, 0);
}

static void
check_with_dfu_suffix (const char *dir, const char *name, GBytes *bytes, guint16 vid, guint16 pid,
                       guint16 dev)
{
  g_autofree char *path =
      boot0_test_write_file (dir, name, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  const char *args[] = { "-c", path, NULL };
  g_autofree char *out = boot0_test_run_tool ("DFU_SUFFIX", args);

  g_assert_cmphex (dfu_suffix_field (out, "Vendor ID:"), ==, vid);
  g_assert_cmphex (dfu_suffix_field (out, "Product ID:"), ==, pid);
  g_assert_cmphex (dfu_suffix_field (out, "BCD device:"), ==, dev);
  g_assert_cmphex (dfu_suffix_field (out, "BCD DFU:"), ==, 0x011A);
  g_assert_cmpuint (dfu_suffix_field (out, "Length:"), ==, 16);
  g_assert_cmphex (
      dfu_suffix_field (out, "CRC:"), ==,
      get_le32 ((const guint8 *)g_bytes_get_data (bytes, NULL) + g_bytes_get_size (bytes) - 4));
}

static void
test_tool_check_written_func (void)
{
  g_autofree char *dir = boot0_test_mkdtemp ();
  g_autoptr (Boot0Firmware) fw = make_image ();
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) plain = NULL;
  g_autoptr (GBytes) custom = NULL;
  Boot0DfuSuffix suffix = { 0x2200, 0x0008, 0x0694, 0x0100, 0 };

  /* (a) dfu-suffix accepts what Boot0 writes and reads the same IDs. */
  plain = boot0_firmware_write_dfuse (fw, &error);
  g_assert_no_error (error);
  check_with_dfu_suffix (dir, "plain.dfu", plain, 0x0483, 0xDF11, 0xFFFF);

  boot0_firmware_set_dfu_suffix (fw, &suffix);
  custom = boot0_firmware_write_dfuse (fw, &error);
  g_assert_no_error (error);
  check_with_dfu_suffix (dir, "custom.dfu", custom, 0x0694, 0x0008, 0x2200);

  boot0_test_rm_rf (dir);
}

static void
test_tool_add_suffix_func (void)
{
  g_autofree char *dir = boot0_test_mkdtemp ();
  g_autofree char *path = NULL;
  g_autofree char *contents = NULL;
  g_autoptr (GByteArray) ours = g_byte_array_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *out = NULL;
  Boot0DfuSuffix suffix = { 0 };
  Boot0DfuSuffix mine = { 0x2200, 0xDF11, 0x0483, 0x0100, 0 };
  guint8 data[1000];
  gsize len = 0;

  /* (b) dfu-suffix adds a suffix to a copy of a .bin (it edits in place). */
  boot0_test_fill_random (data, sizeof (data), 31);
  path = boot0_test_write_file (dir, "app.bin", data, sizeof (data));
  {
    const char *args[] = { "-v", "0483", "-p", "df11", "-d", "2200", "-a", path, NULL };
    out = boot0_test_run_tool ("DFU_SUFFIX", args);
  }
  g_assert_true (g_file_get_contents (path, &contents, &len, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (len, ==, sizeof (data) + 16);
  g_assert_cmpmem (contents, sizeof (data), data, sizeof (data));

  g_assert_true (boot0_dfu_suffix_present ((const guint8 *)contents, len));
  g_assert_true (boot0_dfu_suffix_parse ((const guint8 *)contents, len, &suffix, &error));
  g_assert_no_error (error);
  g_assert_cmphex (suffix.id_vendor, ==, 0x0483);
  g_assert_cmphex (suffix.id_product, ==, 0xDF11);
  g_assert_cmphex (suffix.bcd_device, ==, 0x2200);
  g_assert_cmphex (suffix.bcd_dfu, ==, 0x0100);
  g_assert_cmphex (suffix.crc, ==, boot0_crc32_dfu ((const guint8 *)contents, len - 4));

  /* Boot0's append gives the very same bytes. */
  g_byte_array_append (ours, data, sizeof (data));
  boot0_dfu_suffix_append (ours, &mine);
  g_assert_cmpmem (ours->data, ours->len, contents, len);
  g_assert_cmphex (mine.crc, ==, suffix.crc);

  boot0_test_rm_rf (dir);
}

static void
test_tool_bad_crc_func (void)
{
  g_autofree char *dir = boot0_test_mkdtemp ();
  g_autoptr (Boot0Firmware) fw = make_image ();
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (GBytes) bad_bytes = NULL;
  g_autofree char *path = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree guint8 *bad = NULL;
  gsize len = 0;
  int rc;

  /* (c) a corrupted file: both dfu-suffix and Boot0 refuse it. */
  bytes = boot0_firmware_write_dfuse (fw, &error);
  g_assert_no_error (error);
  len = g_bytes_get_size (bytes);
  bad = g_memdup2 (g_bytes_get_data (bytes, NULL), len);
  bad[11 + 274 + 8 + 100] ^= 0x01;
  path = boot0_test_write_file (dir, "bad.dfu", bad, len);
  {
    const char *args[] = { "-c", path, NULL };
    rc = boot0_test_run_tool_status ("DFU_SUFFIX", args, &out, &err);
  }
  g_assert_cmpint (rc, !=, 0);
  g_assert_nonnull (strstr (err, "CRC"));

  bad_bytes = g_bytes_new (bad, len);
  assert_parse_error (bad_bytes, BOOT0_ERROR_INVALID_FILE, "CRC mismatch");

  /* The unmodified file passes both. */
  g_clear_pointer (&path, g_free);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  path = boot0_test_write_file (dir, "good.dfu", g_bytes_get_data (bytes, NULL), len);
  {
    const char *args[] = { "-c", path, NULL };
    rc = boot0_test_run_tool_status ("DFU_SUFFIX", args, &out, &err);
  }
  g_assert_cmpint (rc, ==, 0);

  boot0_test_rm_rf (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/boot0/dfu-suffix/crc-reference", test_suffix_crc_reference_func);
  g_test_add_func ("/boot0/dfu-suffix/append", test_suffix_append_func);
  g_test_add_func ("/boot0/dfu-suffix/present", test_suffix_present_func);
  g_test_add_func ("/boot0/dfu-suffix/errors", test_suffix_errors_func);
  g_test_add_func ("/boot0/dfu-suffix/tool-add", test_tool_add_suffix_func);

  g_test_add_func ("/boot0/firmware-dfuse/parse-multi", test_parse_multi_func);
  g_test_add_func ("/boot0/firmware-dfuse/image-size", test_parse_image_size_func);
  g_test_add_func ("/boot0/firmware-dfuse/names", test_parse_names_func);
  g_test_add_func ("/boot0/firmware-dfuse/bcd-dfu-0100", test_parse_bcd_dfu_func);
  g_test_add_func ("/boot0/firmware-dfuse/edges", test_parse_edges_func);
  g_test_add_func ("/boot0/firmware-dfuse/max-targets", test_parse_max_targets_func);
  g_test_add_func ("/boot0/firmware-dfuse/load-bytes", test_parse_load_bytes_func);
  g_test_add_func ("/boot0/firmware-dfuse/errors-header", test_parse_errors_header_func);
  g_test_add_func ("/boot0/firmware-dfuse/errors-suffix", test_parse_errors_suffix_func);
  g_test_add_func ("/boot0/firmware-dfuse/errors-targets", test_parse_errors_targets_func);
  g_test_add_func ("/boot0/firmware-dfuse/errors-elements", test_parse_errors_elements_func);
  g_test_add_func ("/boot0/firmware-dfuse/write-layout", test_write_layout_func);
  g_test_add_func ("/boot0/firmware-dfuse/write-suffix-ids", test_write_suffix_ids_func);
  g_test_add_func ("/boot0/firmware-dfuse/round-trip", test_write_round_trip_func);
  g_test_add_func ("/boot0/firmware-dfuse/write-long-name", test_write_long_name_func);
  g_test_add_func ("/boot0/firmware-dfuse/write-empty", test_write_empty_func);
  g_test_add_func ("/boot0/firmware-dfuse/tool-check", test_tool_check_written_func);
  g_test_add_func ("/boot0/firmware-dfuse/tool-bad-crc", test_tool_bad_crc_func);

  return g_test_run ();
}
