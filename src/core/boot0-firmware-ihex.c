/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Intel HEX reader and writer (PROTOCOLS.md §(d)). */
#include "config.h"

#include <string.h>

#include "boot0-error.h"
#include "boot0-firmware-private.h"

/* ':' then count, offset (2), type, up to 255 data bytes and the checksum. */
#define IHEX_MAX_RECORD_BYTES (1 + 2 + 1 + 255 + 1)
#define IHEX_MAX_LINE         (1 + 2 * IHEX_MAX_RECORD_BYTES)
/* Data bytes per written record, as objcopy writes them. */
#define IHEX_BYTES_PER_RECORD 16

/* Record types, PROTOCOLS.md §(d). */
#define IHEX_TYPE_DATA          0x00
#define IHEX_TYPE_EOF           0x01
#define IHEX_TYPE_EXT_SEGMENT   0x02
#define IHEX_TYPE_START_SEGMENT 0x03
#define IHEX_TYPE_EXT_LINEAR    0x04
#define IHEX_TYPE_START_LINEAR  0x05

static const char *
ihex_type_to_string (guint8 type)
{
  switch (type)
    {
      case IHEX_TYPE_DATA:
        return "data";
      case IHEX_TYPE_EOF:
        return "end-of-file";
      case IHEX_TYPE_EXT_SEGMENT:
        return "extended segment address";
      case IHEX_TYPE_START_SEGMENT:
        return "start segment address";
      case IHEX_TYPE_EXT_LINEAR:
        return "extended linear address";
      case IHEX_TYPE_START_LINEAR:
        return "start linear address";
      default:
        return "unknown";
    }
}

static gboolean
ihex_check_count (guint8 type, guint8 count, guint8 expected, guint lineno, GError **error)
{
  if (count == expected)
    return TRUE;
  g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_FILE,
               "line %u: %s record (type %02X) must have %u data bytes, found %u", lineno,
               ihex_type_to_string (type), type, expected, count);
  return FALSE;
}

/* PROTOCOLS.md §(d). Addresses are linear: base + offset is computed in 32
 * bits without wrapping the offset at 64 KiB, for type 02 and 04 alike, as
 * objcopy and srec_cat do (srec_cat writes records that run past 0xFFFF).
 * A type 02 or 04 record replaces the base set by either before it. */
Boot0Firmware *
boot0_firmware_parse_ihex (const guint8 *data, gsize len, GError **error)
{
  g_autoptr (Boot0Firmware) firmware = NULL;
  Boot0TextLineReader reader = { data, len, 0, 0 };
  const guint8 *line;
  gsize line_len;
  guint8 rec[IHEX_MAX_RECORD_BYTES];
  guint32 base = 0;
  guint eof_lineno = 0;

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
      guint8 type;
      guint16 offset;
      guint8 sum = 0;
      const guint8 *payload;

      if (line_len == 0)
        continue;
      if (eof_lineno != 0)
        {
          g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_FILE,
                       "line %u: data after the end-of-file record on line %u", lineno, eof_lineno);
          return NULL;
        }
      if (line[0] != ':')
        {
          g_autofree char *what = boot0_text_describe_char (line[0]);
          g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_FILE,
                       "line %u: missing ':' at the start of the record (found %s)", lineno, what);
          return NULL;
        }
      if (line_len > IHEX_MAX_LINE)
        {
          g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_FILE,
                       "line %u: line too long (%" G_GSIZE_FORMAT
                       " characters, a record has at most %d)",
                       lineno, line_len, IHEX_MAX_LINE);
          return NULL;
        }
      if (!boot0_text_decode_hex (line, line_len, 1, lineno, rec, &n_bytes, error))
        return NULL;
      if (n_bytes < 5)
        {
          g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_FILE,
                       "line %u: record too short (%" G_GSIZE_FORMAT " bytes, at least 5 needed)",
                       lineno, n_bytes);
          return NULL;
        }
      count = rec[0];
      if ((gsize)count + 5 != n_bytes)
        {
          g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_FILE,
                       "line %u: byte count 0x%02X does not match the line length: "
                       "%u data bytes expected, %" G_GSIZE_FORMAT " found",
                       lineno, count, count, n_bytes - 5);
          return NULL;
        }
      for (gsize i = 0; i + 1 < n_bytes; i++)
        sum += rec[i];
      if ((guint8)(sum + rec[n_bytes - 1]) != 0)
        {
          g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_FILE,
                       "line %u: checksum mismatch: expected 0x%02X, found 0x%02X", lineno,
                       (guint8)-sum, rec[n_bytes - 1]);
          return NULL;
        }

      offset = (guint16)(rec[1] << 8 | rec[2]);
      type = rec[3];
      payload = rec + 4;
      switch (type)
        {
          case IHEX_TYPE_DATA:
            {
              guint64 address = (guint64)base + offset;
              if (address + count > G_GUINT64_CONSTANT (0x100000000))
                {
                  g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_FILE,
                               "line %u: data record at 0x%08" G_GINT64_MODIFIER
                               "X with %u bytes crosses the 4 GiB address limit",
                               lineno, address, count);
                  return NULL;
                }
              if (count > 0 &&
                  !boot0_firmware_add_data (firmware, 0, (guint32)address, payload, count, error))
                {
                  g_prefix_error (error, "line %u: ", lineno);
                  return NULL;
                }
              break;
            }
          case IHEX_TYPE_EOF:
            if (!ihex_check_count (type, count, 0, lineno, error))
              return NULL;
            eof_lineno = lineno;
            break;
          case IHEX_TYPE_EXT_SEGMENT:
            if (!ihex_check_count (type, count, 2, lineno, error))
              return NULL;
            base = (guint32)(payload[0] << 8 | payload[1]) << 4;
            break;
          case IHEX_TYPE_START_SEGMENT:
            {
              guint32 cs, ip;
              if (!ihex_check_count (type, count, 4, lineno, error))
                return NULL;
              /* CS:IP real-mode entry: CS × 16 + IP. */
              cs = (guint32)(payload[0] << 8 | payload[1]);
              ip = (guint32)(payload[2] << 8 | payload[3]);
              boot0_firmware_set_entry_point (firmware, cs * 16 + ip);
              break;
            }
          case IHEX_TYPE_EXT_LINEAR:
            if (!ihex_check_count (type, count, 2, lineno, error))
              return NULL;
            base = (guint32)(payload[0] << 8 | payload[1]) << 16;
            break;
          case IHEX_TYPE_START_LINEAR:
            if (!ihex_check_count (type, count, 4, lineno, error))
              return NULL;
            boot0_firmware_set_entry_point (firmware, (guint32)payload[0] << 24 |
                                                          (guint32)payload[1] << 16 |
                                                          (guint32)payload[2] << 8 | payload[3]);
            break;
          default:
            g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_FILE,
                         "line %u: unknown record type 0x%02X", lineno, type);
            return NULL;
        }
    }

  if (boot0_firmware_get_n_segments (firmware) == 0)
    {
      g_set_error_literal (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_FILE,
                           "no data records: the file holds no data");
      return NULL;
    }
  if (eof_lineno == 0)
    {
      g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_FILE,
                   "line %u: missing end-of-file record (:00000001FF) after the last record",
                   reader.lineno);
      return NULL;
    }
  boot0_firmware_set_format (firmware, BOOT0_FIRMWARE_FORMAT_IHEX);
  return g_steal_pointer (&firmware);
}

static void
ihex_append_record (GString *out, guint8 type, guint16 offset, const guint8 *payload, guint8 count)
{
  char buf[IHEX_MAX_LINE + 1];
  char *p = buf;
  guint8 sum = (guint8)(count + (offset >> 8) + (offset & 0xFF) + type);

  *p++ = ':';
  p = boot0_text_put_hex_byte (p, count);
  p = boot0_text_put_hex_byte (p, (guint8)(offset >> 8));
  p = boot0_text_put_hex_byte (p, (guint8)offset);
  p = boot0_text_put_hex_byte (p, type);
  for (guint i = 0; i < count; i++)
    {
      p = boot0_text_put_hex_byte (p, payload[i]);
      sum += payload[i];
    }
  p = boot0_text_put_hex_byte (p, (guint8)-sum);
  *p++ = '\n';
  g_string_append_len (out, buf, p - buf);
}

/* PROTOCOLS.md §(d). Like objcopy: 16 data bytes per record, a type 04
 * record whenever the upper 16 bits change (records never cross a 64 KiB
 * boundary), type 05 for the entry point, then the end-of-file record. */
GBytes *
boot0_firmware_write_ihex (Boot0Firmware *self, GError **error)
{
  guint n_segments;
  GString *out;
  guint32 upper = 0;
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

  /* 44 characters per 16-byte record, plus some for the 04 records. */
  out = g_string_sized_new (boot0_firmware_get_total_size (self) / IHEX_BYTES_PER_RECORD * 45 +
                            64 * n_segments + 64);
  for (guint i = 0; i < n_segments; i++)
    {
      const Boot0Segment *segment = boot0_firmware_get_segment (self, i);
      guint32 address = boot0_segment_get_address (segment);
      const guint8 *bytes = boot0_segment_get_data (segment);
      gsize size = boot0_segment_get_size (segment);
      gsize off = 0;

      while (off < size)
        {
          /* The segment ends at or below 4 GiB, so this does not wrap. */
          guint32 a = address + (guint32)off;
          gsize chunk = MIN (IHEX_BYTES_PER_RECORD, size - off);

          chunk = MIN (chunk, 0x10000 - (a & 0xFFFF));
          if ((a >> 16) != upper)
            {
              guint8 ela[2] = { (guint8)(a >> 24), (guint8)(a >> 16) };
              ihex_append_record (out, IHEX_TYPE_EXT_LINEAR, 0, ela, 2);
              upper = a >> 16;
            }
          ihex_append_record (out, IHEX_TYPE_DATA, (guint16)a, bytes + off, (guint8)chunk);
          off += chunk;
        }
    }
  if (boot0_firmware_get_entry_point (self, &entry))
    {
      guint8 sla[4] = { (guint8)(entry >> 24), (guint8)(entry >> 16), (guint8)(entry >> 8),
                        (guint8)entry };
      ihex_append_record (out, IHEX_TYPE_START_LINEAR, 0, sla, 4);
    }
  ihex_append_record (out, IHEX_TYPE_EOF, 0, NULL, 0);
  return g_string_free_to_bytes (out);
}
