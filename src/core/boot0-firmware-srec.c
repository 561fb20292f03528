/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Motorola S-record reader and writer (PROTOCOLS.md §(d)). */
#include "config.h"

#include <string.h>

#include "boot0-error.h"
#include "boot0-firmware-private.h"

/* "Sn", then the byte count and up to 255 bytes of address, data and checksum. */
#define SREC_MAX_RECORD_BYTES (1 + 255)
#define SREC_MAX_LINE         (2 + 2 * SREC_MAX_RECORD_BYTES)
/* Data bytes per written record, as objcopy writes them. */
#define SREC_BYTES_PER_RECORD 16
#define SREC_HEADER           "boot0"

static guint32
srec_read_be (const guint8 *p, guint n)
{
  guint32 v = 0;
  for (guint i = 0; i < n; i++)
    v = v << 8 | p[i];
  return v;
}

/* Address bytes of each record type, PROTOCOLS.md §(d); 0 = reserved. */
static guint
srec_address_length (char type)
{
  switch (type)
    {
      case '0':
      case '1':
      case '5':
      case '9':
        return 2;
      case '2':
      case '6':
      case '8':
        return 3;
      case '3':
      case '7':
        return 4;
      default:
        return 0;
    }
}

/* PROTOCOLS.md §(d). A file must end with a termination record (S7/S8/S9)
 * or with a record count (S5/S6) after its last data record: a file cut at
 * a line boundary must not be flashed as if whole. (objcopy writes both;
 * srec_cat writes only the count when it has no start address.) The
 * termination address 0 means "no entry point", which is what
 * srec_cat and our own writer put there when there is none. S5/S6 must
 * equal the number of S1/S2/S3 records before them. The S0 header is
 * checked but its text ignored; a lower-case 's' is accepted like the
 * sniffer does. */
Boot0Firmware *
boot0_firmware_parse_srec (const guint8 *data, gsize len, GError **error)
{
  g_autoptr (Boot0Firmware) firmware = NULL;
  Boot0TextLineReader reader = { data, len, 0, 0 };
  const guint8 *line;
  gsize line_len;
  guint8 rec[SREC_MAX_RECORD_BYTES];
  guint64 n_data_records = 0;
  guint64 n_counted = G_MAXUINT64; /* data records covered by the last S5/S6 */
  guint term_lineno = 0;

  if (len > BOOT0_FIRMWARE_MAX_FILE_SIZE)
    {
      g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_TOO_LARGE,
                   "file too large (%" G_GSIZE_FORMAT " bytes, at most %" G_GSIZE_FORMAT ")", len,
                   BOOT0_FIRMWARE_MAX_FILE_SIZE);
      return NULL;
    }

  /* Editors may prepend a UTF-8 byte order mark; the sniffer skips it too. */
  if (len >= 3 && data[0] == 0xEF && data[1] == 0xBB && data[2] == 0xBF)
    reader.pos = 3;

  firmware = boot0_firmware_new ();
  while (boot0_text_line_reader_next (&reader, &line, &line_len))
    {
      guint lineno = reader.lineno;
      gsize n_bytes = 0;
      guint8 count;
      guint8 sum = 0;
      char type;
      guint alen;
      guint32 address;

      if (line_len == 0)
        continue;
      if (term_lineno != 0)
        {
          g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_FILE,
                       "line %u: record after the termination record on line %u", lineno,
                       term_lineno);
          return NULL;
        }
      if (line[0] != 'S' && line[0] != 's')
        {
          g_autofree char *what = boot0_text_describe_char (line[0]);
          g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_FILE,
                       "line %u: missing 'S' at the start of the record (found %s)", lineno, what);
          return NULL;
        }
      if (line_len < 2)
        {
          g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_FILE,
                       "line %u: record type missing after '%c'", lineno, line[0]);
          return NULL;
        }
      type = (char)line[1];
      if (type == '4')
        {
          g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_FILE,
                       "line %u: reserved record type S4", lineno);
          return NULL;
        }
      alen = srec_address_length (type);
      if (alen == 0)
        {
          g_autofree char *what = boot0_text_describe_char (line[1]);
          g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_FILE,
                       "line %u: unknown record type %s after 'S'", lineno, what);
          return NULL;
        }
      if (line_len > SREC_MAX_LINE)
        {
          g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_FILE,
                       "line %u: line too long (%" G_GSIZE_FORMAT
                       " characters, a record has at most %d)",
                       lineno, line_len, SREC_MAX_LINE);
          return NULL;
        }
      if (!boot0_text_decode_hex (line, line_len, 2, lineno, rec, &n_bytes, error))
        return NULL;
      if (n_bytes < 1)
        {
          g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_FILE, "line %u: byte count missing",
                       lineno);
          return NULL;
        }
      count = rec[0];
      if ((gsize)count + 1 != n_bytes)
        {
          g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_FILE,
                       "line %u: byte count 0x%02X does not match the line length: "
                       "%u bytes expected after it, %" G_GSIZE_FORMAT " found",
                       lineno, count, count, n_bytes - 1);
          return NULL;
        }
      if (count < alen + 1)
        {
          g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_FILE,
                       "line %u: S%c record too short: byte count %u, at least %u needed for "
                       "its %u-byte address and the checksum",
                       lineno, type, count, alen + 1, alen);
          return NULL;
        }
      for (gsize i = 0; i + 1 < n_bytes; i++)
        sum += rec[i];
      sum = (guint8)~sum;
      if (sum != rec[n_bytes - 1])
        {
          g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_FILE,
                       "line %u: checksum mismatch: expected 0x%02X, found 0x%02X", lineno, sum,
                       rec[n_bytes - 1]);
          return NULL;
        }

      address = srec_read_be (rec + 1, alen);
      switch (type)
        {
          case '0':
            /* Header: free text, nothing to keep. */
            break;
          case '1':
          case '2':
          case '3':
            {
              guint n_data = count - alen - 1;
              if ((guint64)address + n_data > G_GUINT64_CONSTANT (0x100000000))
                {
                  g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_FILE,
                               "line %u: data record at 0x%08X with %u bytes crosses the 4 GiB "
                               "address limit",
                               lineno, address, n_data);
                  return NULL;
                }
              if (n_data > 0 &&
                  !boot0_firmware_add_data (firmware, 0, address, rec + 1 + alen, n_data, error))
                {
                  g_prefix_error (error, "line %u: ", lineno);
                  return NULL;
                }
              n_data_records++;
              break;
            }
          case '5':
          case '6':
            if (count != alen + 1)
              {
                g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_FILE,
                             "line %u: S%c count record must have a byte count of %u, found %u",
                             lineno, type, alen + 1, count);
                return NULL;
              }
            if (address != n_data_records)
              {
                g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_FILE,
                             "line %u: record count mismatch: S%c says %u data records, "
                             "%" G_GUINT64_FORMAT " found before it",
                             lineno, type, address, n_data_records);
                return NULL;
              }
            n_counted = n_data_records;
            break;
          case '7':
          case '8':
          case '9':
            if (count != alen + 1)
              {
                g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_FILE,
                             "line %u: S%c termination record must have a byte count of %u, "
                             "found %u",
                             lineno, type, alen + 1, count);
                return NULL;
              }
            if (address != 0)
              boot0_firmware_set_entry_point (firmware, address);
            term_lineno = lineno;
            break;
          default:
            g_assert_not_reached ();
        }
    }

  if (boot0_firmware_get_n_segments (firmware) == 0)
    {
      g_set_error_literal (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_FILE,
                           "no data records: the file holds no data");
      return NULL;
    }
  if (term_lineno == 0 && n_counted != n_data_records)
    {
      g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_FILE,
                   "line %u: the file ends without a termination record (S7, S8 or S9) or a "
                   "record count (S5, S6) after its data; it may be truncated",
                   reader.lineno);
      return NULL;
    }
  boot0_firmware_set_format (firmware, BOOT0_FIRMWARE_FORMAT_SREC);
  return g_steal_pointer (&firmware);
}

/* One record: "S" type, count, alen address bytes, payload, checksum. */
static void
srec_append_record (GString *out, char type, guint alen, guint32 address, const guint8 *payload,
                    gsize n_payload)
{
  char buf[SREC_MAX_LINE + 1];
  char *p = buf;
  guint8 count = (guint8)(alen + n_payload + 1);
  guint8 sum = count;

  g_assert (alen + n_payload + 1 <= 255);
  *p++ = 'S';
  *p++ = type;
  p = boot0_text_put_hex_byte (p, count);
  for (guint i = alen; i > 0; i--)
    {
      guint8 b = (guint8)(address >> (8 * (i - 1)));
      p = boot0_text_put_hex_byte (p, b);
      sum += b;
    }
  for (gsize i = 0; i < n_payload; i++)
    {
      p = boot0_text_put_hex_byte (p, payload[i]);
      sum += payload[i];
    }
  p = boot0_text_put_hex_byte (p, (guint8)~sum);
  *p++ = '\n';
  g_string_append_len (out, buf, p - buf);
}

/* PROTOCOLS.md §(d): an S0 header "boot0", S3 records of 16 data bytes (as
 * objcopy writes them), an S5 or S6 record count, and S7 with the entry
 * point (0 if there is none). */
GBytes *
boot0_firmware_write_srec (Boot0Firmware *self, GError **error)
{
  guint n_segments;
  GString *out;
  guint64 n_records = 0;
  guint32 entry = 0;

  g_return_val_if_fail (BOOT0_IS_FIRMWARE (self), NULL);

  /* Segments never overlap and are sorted by address, whatever their
   * alternate setting; the file has no alternate settings, so they are
   * written side by side. */
  n_segments = boot0_firmware_get_n_segments (self);
  if (n_segments == 0)
    {
      g_set_error_literal (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_ARGUMENT,
                           "the image holds no data");
      return NULL;
    }

  /* 48 characters per 16-byte record. */
  out = g_string_sized_new (boot0_firmware_get_total_size (self) / SREC_BYTES_PER_RECORD * 49 +
                            64 * n_segments + 128);
  srec_append_record (out, '0', 2, 0, (const guint8 *)SREC_HEADER, strlen (SREC_HEADER));
  for (guint i = 0; i < n_segments; i++)
    {
      const Boot0Segment *segment = boot0_firmware_get_segment (self, i);
      guint32 address = boot0_segment_get_address (segment);
      const guint8 *bytes = boot0_segment_get_data (segment);
      gsize size = boot0_segment_get_size (segment);

      for (gsize off = 0; off < size; off += SREC_BYTES_PER_RECORD)
        {
          gsize chunk = MIN (SREC_BYTES_PER_RECORD, size - off);
          /* The segment ends at or below 4 GiB, so this does not wrap. */
          srec_append_record (out, '3', 4, address + (guint32)off, bytes + off, chunk);
          n_records++;
        }
    }
  if (n_records <= 0xFFFF)
    srec_append_record (out, '5', 2, (guint32)n_records, NULL, 0);
  else if (n_records <= 0xFFFFFF)
    srec_append_record (out, '6', 3, (guint32)n_records, NULL, 0);
  boot0_firmware_get_entry_point (self, &entry);
  srec_append_record (out, '7', 4, entry, NULL, 0);
  return g_string_free_to_bytes (out);
}
