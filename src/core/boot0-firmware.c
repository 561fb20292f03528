/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The firmware image model, raw .bin, format detection and file I/O. */
#include "config.h"

#include <errno.h>
#include <gio/gio.h>
#include <string.h>

#include "boot0-crc.h"
#include "boot0-dfu-suffix.h"
#include "boot0-error.h"
#include "boot0-firmware-private.h"

struct _Boot0Segment
{
  guint8 alt_setting;
  guint32 address;
  GByteArray *data;
};

struct _Boot0Firmware
{
  GObject parent_instance;

  GPtrArray *segments; /* Boot0Segment, sorted by address, never overlapping */
  gsize total_size;
  Boot0FirmwareFormat format;
  gboolean has_entry;
  guint32 entry;
  gboolean has_suffix;
  Boot0DfuSuffix suffix;
  GHashTable *target_names; /* alt setting -> name */
  gboolean relocatable;
};

G_DEFINE_TYPE (Boot0Firmware, boot0_firmware, G_TYPE_OBJECT)

static void
segment_free (gpointer data)
{
  Boot0Segment *segment = data;
  g_byte_array_unref (segment->data);
  g_free (segment);
}

guint8
boot0_segment_get_alt_setting (const Boot0Segment *segment)
{
  return segment->alt_setting;
}

guint32
boot0_segment_get_address (const Boot0Segment *segment)
{
  return segment->address;
}

gsize
boot0_segment_get_size (const Boot0Segment *segment)
{
  return segment->data->len;
}

guint64
boot0_segment_get_end (const Boot0Segment *segment)
{
  return (guint64)segment->address + segment->data->len;
}

const guint8 *
boot0_segment_get_data (const Boot0Segment *segment)
{
  return segment->data->data;
}

GBytes *
boot0_segment_get_bytes (const Boot0Segment *segment)
{
  return g_bytes_new (segment->data->data, segment->data->len);
}

const char *
boot0_firmware_format_to_string (Boot0FirmwareFormat format)
{
  switch (format)
    {
      case BOOT0_FIRMWARE_FORMAT_BIN:
        return "bin";
      case BOOT0_FIRMWARE_FORMAT_IHEX:
        return "ihex";
      case BOOT0_FIRMWARE_FORMAT_SREC:
        return "srec";
      case BOOT0_FIRMWARE_FORMAT_DFUSE:
        return "dfuse";
      case BOOT0_FIRMWARE_FORMAT_ELF:
        return "elf";
      case BOOT0_FIRMWARE_FORMAT_UNKNOWN:
      default:
        return "unknown";
    }
}

const char *
boot0_firmware_format_to_description (Boot0FirmwareFormat format)
{
  switch (format)
    {
      case BOOT0_FIRMWARE_FORMAT_BIN:
        return "raw binary";
      case BOOT0_FIRMWARE_FORMAT_IHEX:
        return "Intel HEX";
      case BOOT0_FIRMWARE_FORMAT_SREC:
        return "Motorola S-record";
      case BOOT0_FIRMWARE_FORMAT_DFUSE:
        return "DfuSe";
      case BOOT0_FIRMWARE_FORMAT_ELF:
        return "ELF";
      case BOOT0_FIRMWARE_FORMAT_UNKNOWN:
      default:
        return "unknown";
    }
}

Boot0FirmwareFormat
boot0_firmware_format_from_string (const char *str)
{
  static const struct
  {
    const char *name;
    Boot0FirmwareFormat format;
  } names[] = {
    { "bin", BOOT0_FIRMWARE_FORMAT_BIN },       { "binary", BOOT0_FIRMWARE_FORMAT_BIN },
    { "raw", BOOT0_FIRMWARE_FORMAT_BIN },       { "ihex", BOOT0_FIRMWARE_FORMAT_IHEX },
    { "hex", BOOT0_FIRMWARE_FORMAT_IHEX },      { "ihx", BOOT0_FIRMWARE_FORMAT_IHEX },
    { "intel", BOOT0_FIRMWARE_FORMAT_IHEX },    { "srec", BOOT0_FIRMWARE_FORMAT_SREC },
    { "s19", BOOT0_FIRMWARE_FORMAT_SREC },      { "s28", BOOT0_FIRMWARE_FORMAT_SREC },
    { "s37", BOOT0_FIRMWARE_FORMAT_SREC },      { "mot", BOOT0_FIRMWARE_FORMAT_SREC },
    { "motorola", BOOT0_FIRMWARE_FORMAT_SREC }, { "dfu", BOOT0_FIRMWARE_FORMAT_DFUSE },
    { "dfuse", BOOT0_FIRMWARE_FORMAT_DFUSE },   { "elf", BOOT0_FIRMWARE_FORMAT_ELF },
    { "axf", BOOT0_FIRMWARE_FORMAT_ELF },       { "out", BOOT0_FIRMWARE_FORMAT_ELF },
  };

  if (str == NULL)
    return BOOT0_FIRMWARE_FORMAT_UNKNOWN;
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      if (g_ascii_strcasecmp (str, names[i].name) == 0)
        return names[i].format;
    }
  return BOOT0_FIRMWARE_FORMAT_UNKNOWN;
}

Boot0FirmwareFormat
boot0_firmware_format_from_filename (const char *filename)
{
  g_autofree char *base = g_path_get_basename (filename);
  const char *dot = strrchr (base, '.');
  if (dot == NULL || dot == base)
    return BOOT0_FIRMWARE_FORMAT_UNKNOWN;
  return boot0_firmware_format_from_string (dot + 1);
}

Boot0FirmwareFormat
boot0_firmware_format_sniff (const guint8 *data, gsize len)
{
  gsize i = 0;

  if (len >= 5 && memcmp (data, "DfuSe", 5) == 0)
    return BOOT0_FIRMWARE_FORMAT_DFUSE;
  if (len >= 4 && memcmp (data, "\177ELF", 4) == 0)
    return BOOT0_FIRMWARE_FORMAT_ELF;

  /* Text formats may start with blank lines (and a UTF-8 BOM from editors). */
  if (len >= 3 && data[0] == 0xEF && data[1] == 0xBB && data[2] == 0xBF)
    i = 3;
  while (i < len && (data[i] == '\r' || data[i] == '\n' || data[i] == ' ' || data[i] == '\t'))
    i++;
  if (i + 11 <= len && data[i] == ':' && g_ascii_isxdigit (data[i + 1]))
    return BOOT0_FIRMWARE_FORMAT_IHEX;
  if (i + 4 <= len && (data[i] == 'S' || data[i] == 's') && data[i + 1] >= '0' &&
      data[i + 1] <= '9' && g_ascii_isxdigit (data[i + 2]) && g_ascii_isxdigit (data[i + 3]))
    return BOOT0_FIRMWARE_FORMAT_SREC;
  return BOOT0_FIRMWARE_FORMAT_UNKNOWN;
}

static void
boot0_firmware_finalize (GObject *object)
{
  Boot0Firmware *self = BOOT0_FIRMWARE (object);

  g_ptr_array_unref (self->segments);
  g_hash_table_unref (self->target_names);

  G_OBJECT_CLASS (boot0_firmware_parent_class)->finalize (object);
}

static void
boot0_firmware_class_init (Boot0FirmwareClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  object_class->finalize = boot0_firmware_finalize;
}

static void
boot0_firmware_init (Boot0Firmware *self)
{
  self->segments = g_ptr_array_new_with_free_func (segment_free);
  self->target_names = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, g_free);
  self->format = BOOT0_FIRMWARE_FORMAT_UNKNOWN;
}

Boot0Firmware *
boot0_firmware_new (void)
{
  return g_object_new (BOOT0_TYPE_FIRMWARE, NULL);
}

/* Index of the first segment whose address is greater than address. */
static guint
upper_bound (Boot0Firmware *self, guint32 address)
{
  guint lo = 0;
  guint hi = self->segments->len;
  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;
      Boot0Segment *s = g_ptr_array_index (self->segments, mid);
      if (s->address <= address)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

gboolean
boot0_firmware_add_data (Boot0Firmware *self, guint8 alt_setting, guint32 address,
                         const guint8 *data, gsize len, GError **error)
{
  guint64 end = (guint64)address + len;
  Boot0Segment *prev = NULL;
  Boot0Segment *next = NULL;
  guint idx;

  g_return_val_if_fail (BOOT0_IS_FIRMWARE (self), FALSE);

  if (len == 0)
    return TRUE;
  if (end > G_GUINT64_CONSTANT (0x100000000))
    {
      g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_FILE,
                   "%" G_GSIZE_FORMAT " bytes at 0x%08X pass the end of the 32-bit address space",
                   len, address);
      return FALSE;
    }
  if (len > BOOT0_FIRMWARE_MAX_IMAGE_SIZE || self->total_size + len > BOOT0_FIRMWARE_MAX_IMAGE_SIZE)
    {
      g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_TOO_LARGE,
                   "image larger than %" G_GSIZE_FORMAT " MiB",
                   BOOT0_FIRMWARE_MAX_IMAGE_SIZE / (1024 * 1024));
      return FALSE;
    }

  idx = upper_bound (self, address);
  if (idx > 0)
    prev = g_ptr_array_index (self->segments, idx - 1);
  if (idx < self->segments->len)
    next = g_ptr_array_index (self->segments, idx);

  if (prev != NULL && boot0_segment_get_end (prev) > address)
    {
      g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_FILE,
                   "data at 0x%08X-0x%08" G_GINT64_MODIFIER "X overlaps data already at "
                   "0x%08X-0x%08" G_GINT64_MODIFIER "X",
                   address, end - 1, prev->address, boot0_segment_get_end (prev) - 1);
      return FALSE;
    }
  if (next != NULL && end > next->address)
    {
      g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_FILE,
                   "data at 0x%08X-0x%08" G_GINT64_MODIFIER "X overlaps data already at "
                   "0x%08X-0x%08" G_GINT64_MODIFIER "X",
                   address, end - 1, next->address, boot0_segment_get_end (next) - 1);
      return FALSE;
    }

  /* Adjacent data of the same target joins its neighbours, so records read
   * in ascending order cost one append each. */
  if (prev != NULL && prev->alt_setting == alt_setting && boot0_segment_get_end (prev) == address)
    {
      g_byte_array_append (prev->data, data, (guint)len);
      if (next != NULL && next->alt_setting == alt_setting && next->address == end)
        {
          g_byte_array_append (prev->data, next->data->data, next->data->len);
          g_ptr_array_remove_index (self->segments, idx);
        }
    }
  else if (next != NULL && next->alt_setting == alt_setting && next->address == end)
    {
      g_byte_array_prepend (next->data, data, (guint)len);
      next->address = address;
    }
  else
    {
      Boot0Segment *segment;
      if (self->segments->len >= BOOT0_FIRMWARE_MAX_SEGMENTS)
        {
          g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_TOO_LARGE, "more than %u separate segments",
                       (guint)BOOT0_FIRMWARE_MAX_SEGMENTS);
          return FALSE;
        }
      segment = g_new0 (Boot0Segment, 1);
      segment->alt_setting = alt_setting;
      segment->address = address;
      segment->data = g_byte_array_sized_new ((guint)len);
      g_byte_array_append (segment->data, data, (guint)len);
      g_ptr_array_insert (self->segments, (gint)idx, segment);
    }
  self->total_size += len;
  return TRUE;
}

guint
boot0_firmware_get_n_segments (Boot0Firmware *self)
{
  g_return_val_if_fail (BOOT0_IS_FIRMWARE (self), 0);
  return self->segments->len;
}

const Boot0Segment *
boot0_firmware_get_segment (Boot0Firmware *self, guint idx)
{
  g_return_val_if_fail (BOOT0_IS_FIRMWARE (self), NULL);
  g_return_val_if_fail (idx < self->segments->len, NULL);
  return g_ptr_array_index (self->segments, idx);
}

gsize
boot0_firmware_get_total_size (Boot0Firmware *self)
{
  g_return_val_if_fail (BOOT0_IS_FIRMWARE (self), 0);
  return self->total_size;
}

gboolean
boot0_firmware_get_span (Boot0Firmware *self, guint32 *start, guint64 *end)
{
  Boot0Segment *first;
  Boot0Segment *last;

  g_return_val_if_fail (BOOT0_IS_FIRMWARE (self), FALSE);
  if (self->segments->len == 0)
    return FALSE;
  first = g_ptr_array_index (self->segments, 0);
  last = g_ptr_array_index (self->segments, self->segments->len - 1);
  if (start != NULL)
    *start = first->address;
  if (end != NULL)
    *end = boot0_segment_get_end (last);
  return TRUE;
}

gboolean
boot0_firmware_read (Boot0Firmware *self, guint32 address, guint8 *buf, gsize len)
{
  guint64 pos = address;
  guint64 end = (guint64)address + len;
  guint idx;

  g_return_val_if_fail (BOOT0_IS_FIRMWARE (self), FALSE);
  if (len == 0)
    return TRUE;
  idx = upper_bound (self, address);
  if (idx == 0)
    return FALSE;
  idx--;
  while (pos < end)
    {
      Boot0Segment *s;
      guint64 n;
      if (idx >= self->segments->len)
        return FALSE;
      s = g_ptr_array_index (self->segments, idx);
      if (pos < s->address || pos >= boot0_segment_get_end (s))
        return FALSE;
      n = MIN (end, boot0_segment_get_end (s)) - pos;
      memcpy (buf + (pos - address), s->data->data + (pos - s->address), (gsize)n);
      pos += n;
      idx++;
    }
  return TRUE;
}

Boot0FirmwareFormat
boot0_firmware_get_format (Boot0Firmware *self)
{
  g_return_val_if_fail (BOOT0_IS_FIRMWARE (self), BOOT0_FIRMWARE_FORMAT_UNKNOWN);
  return self->format;
}

void
boot0_firmware_set_format (Boot0Firmware *self, Boot0FirmwareFormat format)
{
  g_return_if_fail (BOOT0_IS_FIRMWARE (self));
  self->format = format;
}

gboolean
boot0_firmware_get_entry_point (Boot0Firmware *self, guint32 *entry)
{
  g_return_val_if_fail (BOOT0_IS_FIRMWARE (self), FALSE);
  if (self->has_entry && entry != NULL)
    *entry = self->entry;
  return self->has_entry;
}

void
boot0_firmware_set_entry_point (Boot0Firmware *self, guint32 entry)
{
  g_return_if_fail (BOOT0_IS_FIRMWARE (self));
  self->has_entry = TRUE;
  self->entry = entry;
}

const Boot0DfuSuffix *
boot0_firmware_get_dfu_suffix (Boot0Firmware *self)
{
  g_return_val_if_fail (BOOT0_IS_FIRMWARE (self), NULL);
  return self->has_suffix ? &self->suffix : NULL;
}

void
boot0_firmware_set_dfu_suffix (Boot0Firmware *self, const Boot0DfuSuffix *suffix)
{
  g_return_if_fail (BOOT0_IS_FIRMWARE (self));
  self->has_suffix = suffix != NULL;
  if (suffix != NULL)
    self->suffix = *suffix;
}

const char *
boot0_firmware_get_target_name (Boot0Firmware *self, guint8 alt_setting)
{
  g_return_val_if_fail (BOOT0_IS_FIRMWARE (self), NULL);
  return g_hash_table_lookup (self->target_names, GUINT_TO_POINTER (alt_setting));
}

void
boot0_firmware_set_target_name (Boot0Firmware *self, guint8 alt_setting, const char *name)
{
  g_return_if_fail (BOOT0_IS_FIRMWARE (self));
  if (name == NULL)
    g_hash_table_remove (self->target_names, GUINT_TO_POINTER (alt_setting));
  else
    g_hash_table_insert (self->target_names, GUINT_TO_POINTER (alt_setting), g_strdup (name));
}

gboolean
boot0_firmware_get_relocatable (Boot0Firmware *self)
{
  g_return_val_if_fail (BOOT0_IS_FIRMWARE (self), FALSE);
  return self->relocatable;
}

void
boot0_firmware_set_relocatable (Boot0Firmware *self, gboolean relocatable)
{
  g_return_if_fail (BOOT0_IS_FIRMWARE (self));
  self->relocatable = relocatable;
}

gboolean
boot0_firmware_relocate (Boot0Firmware *self, guint32 base, GError **error)
{
  guint32 start = 0;
  guint64 end = 0;

  g_return_val_if_fail (BOOT0_IS_FIRMWARE (self), FALSE);
  if (!self->relocatable)
    {
      g_set_error_literal (error, BOOT0_ERROR, BOOT0_ERROR_NOT_SUPPORTED,
                           "this image carries its own addresses and cannot be moved");
      return FALSE;
    }
  if (!boot0_firmware_get_span (self, &start, &end))
    return TRUE;
  if ((guint64)base + (end - start) > G_GUINT64_CONSTANT (0x100000000))
    {
      g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_ARGUMENT,
                   "%" G_GUINT64_FORMAT " bytes at 0x%08X pass the end of the 32-bit address space",
                   end - start, base);
      return FALSE;
    }
  for (guint i = 0; i < self->segments->len; i++)
    {
      Boot0Segment *s = g_ptr_array_index (self->segments, i);
      s->address = s->address - start + base;
    }
  return TRUE;
}

guint32
boot0_firmware_get_crc32 (Boot0Firmware *self)
{
  guint32 crc = 0;
  g_return_val_if_fail (BOOT0_IS_FIRMWARE (self), 0);
  for (guint i = 0; i < self->segments->len; i++)
    {
      Boot0Segment *s = g_ptr_array_index (self->segments, i);
      crc = boot0_crc32_update (crc, s->data->data, s->data->len);
    }
  return crc;
}

char *
boot0_firmware_get_sha256 (Boot0Firmware *self)
{
  g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_return_val_if_fail (BOOT0_IS_FIRMWARE (self), NULL);
  for (guint i = 0; i < self->segments->len; i++)
    {
      Boot0Segment *s = g_ptr_array_index (self->segments, i);
      g_checksum_update (sum, s->data->data, s->data->len);
    }
  return g_strdup (g_checksum_get_string (sum));
}

/* Raw binary: no addresses of its own. A DFU suffix (DFU 1.1 Annex B) is
 * recognised by its signature, checked and stripped: it is never sent to
 * the device. */
Boot0Firmware *
boot0_firmware_parse_bin (const guint8 *data, gsize len, guint32 base, GError **error)
{
  g_autoptr (Boot0Firmware) self = boot0_firmware_new ();
  Boot0DfuSuffix suffix = { 0 };
  gboolean has_suffix = FALSE;

  if (boot0_dfu_suffix_present (data, len))
    {
      if (!boot0_dfu_suffix_parse (data, len, &suffix, error))
        return NULL;
      len -= BOOT0_DFU_SUFFIX_SIZE;
      has_suffix = TRUE;
    }
  if (len == 0)
    {
      g_set_error_literal (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_FILE,
                           has_suffix ? "the file holds a DFU suffix but no data"
                                      : "the file is empty");
      return NULL;
    }
  if (!boot0_firmware_add_data (self, 0, base, data, len, error))
    return NULL;
  if (has_suffix)
    boot0_firmware_set_dfu_suffix (self, &suffix);
  self->format = BOOT0_FIRMWARE_FORMAT_BIN;
  self->relocatable = TRUE;
  return g_steal_pointer (&self);
}

GBytes *
boot0_firmware_write_bin (Boot0Firmware *self, Boot0FirmwareWriteFlags flags, guint8 fill_byte,
                          GError **error)
{
  guint32 start = 0;
  guint64 end = 0;
  guint8 *buf;

  if (!boot0_firmware_get_span (self, &start, &end))
    {
      g_set_error_literal (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_ARGUMENT,
                           "the image holds no data");
      return NULL;
    }
  if (end - start > BOOT0_FIRMWARE_MAX_BIN_SPAN)
    {
      g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_TOO_LARGE,
                   "the image spans 0x%08X-0x%08" G_GINT64_MODIFIER "X (%" G_GUINT64_FORMAT
                   " MiB): too far apart for one .bin file; "
                   "write Intel HEX or DfuSe instead",
                   start, end - 1, (end - start) / (1024 * 1024));
      return NULL;
    }
  if ((flags & BOOT0_FIRMWARE_WRITE_FLAG_FILL_GAPS) == 0)
    {
      for (guint i = 1; i < self->segments->len; i++)
        {
          Boot0Segment *a = g_ptr_array_index (self->segments, i - 1);
          Boot0Segment *b = g_ptr_array_index (self->segments, i);
          if (boot0_segment_get_end (a) != b->address)
            {
              g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_ARGUMENT,
                           "the image is not contiguous (gap at 0x%08" G_GINT64_MODIFIER
                           "X-0x%08X); a .bin file needs the gaps filled",
                           boot0_segment_get_end (a), b->address - 1);
              return NULL;
            }
        }
      if (self->segments->len > 1)
        {
          g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_ARGUMENT,
                       "the image has %u targets (alternate settings); a .bin file holds only one",
                       self->segments->len);
          return NULL;
        }
    }
  buf = g_malloc ((gsize)(end - start));
  memset (buf, fill_byte, (gsize)(end - start));
  for (guint i = 0; i < self->segments->len; i++)
    {
      Boot0Segment *s = g_ptr_array_index (self->segments, i);
      memcpy (buf + (s->address - start), s->data->data, s->data->len);
    }
  return g_bytes_new_take (buf, (gsize)(end - start));
}

Boot0Firmware *
boot0_firmware_load_bytes (GBytes *bytes, Boot0FirmwareFormat format, guint32 bin_base,
                           GError **error)
{
  gsize len = 0;
  const guint8 *data = g_bytes_get_data (bytes, &len);

  if (len > BOOT0_FIRMWARE_MAX_FILE_SIZE)
    {
      g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_TOO_LARGE,
                   "file larger than %" G_GSIZE_FORMAT " MiB",
                   BOOT0_FIRMWARE_MAX_FILE_SIZE / (1024 * 1024));
      return NULL;
    }
  if (format == BOOT0_FIRMWARE_FORMAT_UNKNOWN)
    format = boot0_firmware_format_sniff (data, len);
  switch (format)
    {
      case BOOT0_FIRMWARE_FORMAT_IHEX:
        return boot0_firmware_parse_ihex (data, len, error);
      case BOOT0_FIRMWARE_FORMAT_SREC:
        return boot0_firmware_parse_srec (data, len, error);
      case BOOT0_FIRMWARE_FORMAT_DFUSE:
        /* A .dfu without the DfuSe prefix is a plain DFU 1.0 file: raw data
         * with a suffix, placed like a .bin. */
        if (len >= 5 && memcmp (data, "DfuSe", 5) != 0 && boot0_dfu_suffix_present (data, len))
          return boot0_firmware_parse_bin (data, len, bin_base, error);
        return boot0_firmware_parse_dfuse (data, len, error);
      case BOOT0_FIRMWARE_FORMAT_ELF:
        return boot0_firmware_parse_elf (data, len, error);
      case BOOT0_FIRMWARE_FORMAT_BIN:
      case BOOT0_FIRMWARE_FORMAT_UNKNOWN:
      default:
        return boot0_firmware_parse_bin (data, len, bin_base, error);
    }
}

Boot0Firmware *
boot0_firmware_load_file (const char *path, Boot0FirmwareFormat format, guint32 bin_base,
                          GError **error)
{
  g_autoptr (GMappedFile) mapped = NULL;
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (GError) local_error = NULL;
  Boot0Firmware *fw;

  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_ISDIR, "%s: is a folder, not a file", path);
      return NULL;
    }
  if (g_file_test (path, G_FILE_TEST_EXISTS) && !g_file_test (path, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s: not a regular file", path);
      return NULL;
    }
  /* Mapped read-only: the user's file is never modified. */
  mapped = g_mapped_file_new (path, FALSE, &local_error);
  if (mapped == NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  if (g_mapped_file_get_length (mapped) > BOOT0_FIRMWARE_MAX_FILE_SIZE)
    {
      g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_TOO_LARGE,
                   "%s: file larger than %" G_GSIZE_FORMAT " MiB", path,
                   BOOT0_FIRMWARE_MAX_FILE_SIZE / (1024 * 1024));
      return NULL;
    }
  bytes = g_mapped_file_get_bytes (mapped);
  if (format == BOOT0_FIRMWARE_FORMAT_UNKNOWN)
    {
      gsize len = 0;
      const guint8 *data = g_bytes_get_data (bytes, &len);
      Boot0FirmwareFormat by_name = boot0_firmware_format_from_filename (path);
      Boot0FirmwareFormat by_content = boot0_firmware_format_sniff (data, len);

      /* The content decides for files that say what they are; the name
       * decides for raw data (a .bin is raw whatever its first bytes). */
      if (by_content != BOOT0_FIRMWARE_FORMAT_UNKNOWN && by_name != BOOT0_FIRMWARE_FORMAT_BIN)
        format = by_content;
      else if (by_name == BOOT0_FIRMWARE_FORMAT_IHEX || by_name == BOOT0_FIRMWARE_FORMAT_SREC ||
               by_name == BOOT0_FIRMWARE_FORMAT_ELF)
        {
          g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_FILE,
                       "%s: named like %s but its content is not (%s)", path,
                       boot0_firmware_format_to_description (by_name),
                       len == 0 ? "the file is empty" : "unexpected first bytes");
          return NULL;
        }
      else
        format = by_name == BOOT0_FIRMWARE_FORMAT_UNKNOWN ? BOOT0_FIRMWARE_FORMAT_BIN : by_name;
    }
  fw = boot0_firmware_load_bytes (bytes, format, bin_base, &local_error);
  if (fw == NULL)
    {
      g_propagate_prefixed_error (error, g_steal_pointer (&local_error), "%s: ", path);
      return NULL;
    }
  return fw;
}

GBytes *
boot0_firmware_write_bytes (Boot0Firmware *self, Boot0FirmwareFormat format,
                            Boot0FirmwareWriteFlags flags, guint8 fill_byte, GError **error)
{
  g_return_val_if_fail (BOOT0_IS_FIRMWARE (self), NULL);

  if (self->segments->len == 0)
    {
      g_set_error_literal (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_ARGUMENT,
                           "the image holds no data");
      return NULL;
    }
  switch (format)
    {
      case BOOT0_FIRMWARE_FORMAT_BIN:
        return boot0_firmware_write_bin (self, flags, fill_byte, error);
      case BOOT0_FIRMWARE_FORMAT_IHEX:
        return boot0_firmware_write_ihex (self, error);
      case BOOT0_FIRMWARE_FORMAT_SREC:
        return boot0_firmware_write_srec (self, error);
      case BOOT0_FIRMWARE_FORMAT_DFUSE:
        return boot0_firmware_write_dfuse (self, error);
      case BOOT0_FIRMWARE_FORMAT_ELF:
      case BOOT0_FIRMWARE_FORMAT_UNKNOWN:
      default:
        g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_NOT_SUPPORTED,
                     "cannot write %s files (write .bin, .hex, .srec or .dfu)",
                     boot0_firmware_format_to_description (format));
        return NULL;
    }
}

gboolean
boot0_firmware_save_file (Boot0Firmware *self, const char *path, Boot0FirmwareFormat format,
                          Boot0FirmwareWriteFlags flags, guint8 fill_byte, GError **error)
{
  g_autoptr (GBytes) bytes = NULL;
  gsize len = 0;
  const char *data;

  g_return_val_if_fail (BOOT0_IS_FIRMWARE (self), FALSE);

  bytes = boot0_firmware_write_bytes (self, format, flags, fill_byte, error);
  if (bytes == NULL)
    return FALSE;
  data = g_bytes_get_data (bytes, &len);
  /* Temporary file in the same folder, fsync, rename: a failure never leaves
   * a half-written destination behind. */
  return g_file_set_contents_full (path, data, (gssize)len, G_FILE_SET_CONTENTS_CONSISTENT, 0644,
                                   error);
}
