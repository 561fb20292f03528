/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ST DfuSe .dfu files (UM0391): prefix, targets of elements, DFU suffix. */
#include "config.h"

#include <string.h>

#include "boot0-dfu-suffix.h"
#include "boot0-error.h"
#include "boot0-firmware-private.h"

/* UM0391 §2: sizes of the fixed parts, all fields little-endian. */
#define DFUSE_PREFIX_SIZE         11
#define DFUSE_TARGET_PREFIX_SIZE  274
#define DFUSE_ELEMENT_HEADER_SIZE 8
#define DFUSE_TARGET_NAME_SIZE    255

/* What dfu.py (MicroPython, OpenMV) and ST's tools name their targets. */
#define DFUSE_DEFAULT_TARGET_NAME "ST..."

#define DFUSE_DEFAULT_VID 0x0483
#define DFUSE_DEFAULT_PID 0xDF11

static guint32
read_le32 (const guint8 *p)
{
  return (guint32)p[0] | ((guint32)p[1] << 8) | ((guint32)p[2] << 16) | ((guint32)p[3] << 24);
}

static void
append_le32 (GByteArray *buf, guint32 value)
{
  guint8 b[4] = { value & 0xFF, (value >> 8) & 0xFF, (value >> 16) & 0xFF, value >> 24 };
  g_byte_array_append (buf, b, sizeof (b));
}

/* UM0391 §2.3: elements follow the target prefix back to back. Walks them
 * against the end of the data (the suffix start) and returns the offset just
 * past the last one. */
static gboolean
dfuse_parse_elements (Boot0Firmware *fw, const guint8 *data, gsize data_end, gsize *pos,
                      guint target_idx, guint8 alt, guint32 n_elements, GError **error)
{
  for (guint32 i = 0; i < n_elements; i++)
    {
      gsize off = *pos;
      guint32 address;
      guint32 size;

      if (data_end - off < DFUSE_ELEMENT_HEADER_SIZE)
        {
          g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_FILE,
                       "offset 0x%" G_GSIZE_MODIFIER "X: target %u (alt %u) element %u: header "
                       "truncated (%" G_GSIZE_FORMAT " bytes left before the suffix, need %d)",
                       off, target_idx, alt, i, data_end - off, DFUSE_ELEMENT_HEADER_SIZE);
          return FALSE;
        }
      address = read_le32 (data + off);
      size = read_le32 (data + off + 4);
      off += DFUSE_ELEMENT_HEADER_SIZE;

      if (size > data_end - off)
        {
          g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_FILE,
                       "offset 0x%" G_GSIZE_MODIFIER "X: target %u (alt %u) element %u: "
                       "dwElementSize %u "
                       "runs past the data (%" G_GSIZE_FORMAT " bytes left before the suffix)",
                       *pos + 4, target_idx, alt, i, size, data_end - off);
          return FALSE;
        }
      if ((guint64)address + size > G_GUINT64_CONSTANT (0x100000000))
        {
          g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_FILE,
                       "offset 0x%" G_GSIZE_MODIFIER
                       "X: target %u (alt %u) element %u: 0x%08X + %u "
                       "bytes passes the 4 GiB address limit",
                       *pos, target_idx, alt, i, address, size);
          return FALSE;
        }
      /* Empty elements carry nothing to flash; the walk still counts them. */
      if (size > 0 && !boot0_firmware_add_data (fw, alt, address, data + off, size, error))
        {
          g_prefix_error (error,
                          "offset 0x%" G_GSIZE_MODIFIER "X: target %u (alt %u) element %u: ", *pos,
                          target_idx, alt, i);
          return FALSE;
        }
      *pos = off + size;
    }
  return TRUE;
}

/* UM0391 §2.3: the 274-byte target prefix, then its elements. */
static gboolean
dfuse_parse_target (Boot0Firmware *fw, const guint8 *data, gsize data_end, gsize *pos,
                    guint target_idx, GError **error)
{
  const guint8 *p = data + *pos;
  gsize start = *pos;
  gsize elements_start;
  guint8 alt;
  gboolean named;
  guint32 target_size;
  guint32 n_elements;
  gsize consumed;

  if (data_end - start < DFUSE_TARGET_PREFIX_SIZE)
    {
      g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_FILE,
                   "offset 0x%" G_GSIZE_MODIFIER "X: target %u truncated: its prefix needs %d "
                   "bytes, %" G_GSIZE_FORMAT " left before the suffix",
                   start, target_idx, DFUSE_TARGET_PREFIX_SIZE, data_end - start);
      return FALSE;
    }
  if (memcmp (p, "Target", 6) != 0)
    {
      g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_FILE,
                   "offset 0x%" G_GSIZE_MODIFIER "X: target %u: expected signature \"Target\"",
                   start, target_idx);
      return FALSE;
    }
  alt = p[6];
  /* dfu-util reads only the first byte of bTargetNamed; any non-zero byte counts. */
  named = read_le32 (p + 7) != 0;
  target_size = read_le32 (p + 266);
  n_elements = read_le32 (p + 270);

  if (named)
    {
      const guint8 *name = p + 11;
      const guint8 *nul = memchr (name, '\0', DFUSE_TARGET_NAME_SIZE);
      gssize name_len = nul != NULL ? nul - name : DFUSE_TARGET_NAME_SIZE;
      if (name_len > 0)
        {
          g_autofree char *valid = g_utf8_make_valid ((const char *)name, name_len);
          boot0_firmware_set_target_name (fw, alt, valid);
        }
    }

  elements_start = start + DFUSE_TARGET_PREFIX_SIZE;
  if (n_elements > BOOT0_FIRMWARE_MAX_SEGMENTS)
    {
      g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_TOO_LARGE,
                   "offset 0x%" G_GSIZE_MODIFIER "X: target %u (alt %u): %u elements, more than "
                   "the %d supported",
                   start + 270, target_idx, alt, n_elements, BOOT0_FIRMWARE_MAX_SEGMENTS);
      return FALSE;
    }
  if ((guint64)n_elements * DFUSE_ELEMENT_HEADER_SIZE > data_end - elements_start)
    {
      g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_FILE,
                   "offset 0x%" G_GSIZE_MODIFIER "X: target %u (alt %u): %u elements cannot fit "
                   "in the %" G_GSIZE_FORMAT " bytes left before the suffix",
                   start + 270, target_idx, alt, n_elements, data_end - elements_start);
      return FALSE;
    }

  *pos = elements_start;
  if (!dfuse_parse_elements (fw, data, data_end, pos, target_idx, alt, n_elements, error))
    return FALSE;

  consumed = *pos - elements_start;
  if (consumed != target_size)
    {
      g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_FILE,
                   "offset 0x%" G_GSIZE_MODIFIER "X: target %u (alt %u): dwTargetSize is %u but "
                   "its %u elements take %" G_GSIZE_FORMAT " bytes",
                   start + 266, target_idx, alt, target_size, n_elements, consumed);
      return FALSE;
    }
  return TRUE;
}

/* UM0391 §2.2 (prefix), §2.3 (targets, elements), §2.4 (suffix). */
Boot0Firmware *
boot0_firmware_parse_dfuse (const guint8 *data, gsize len, GError **error)
{
  g_autoptr (Boot0Firmware) fw = NULL;
  Boot0DfuSuffix suffix;
  guint32 image_size;
  guint n_targets;
  gsize data_end;
  gsize pos;

  g_return_val_if_fail (data != NULL || len == 0, NULL);

  if (len > BOOT0_FIRMWARE_MAX_FILE_SIZE)
    {
      g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_TOO_LARGE,
                   "file is %" G_GSIZE_FORMAT " bytes, more than the %" G_GSIZE_FORMAT " supported",
                   len, BOOT0_FIRMWARE_MAX_FILE_SIZE);
      return NULL;
    }
  if (len < DFUSE_PREFIX_SIZE || memcmp (data, "DfuSe", 5) != 0)
    {
      g_set_error_literal (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_FILE,
                           "offset 0x0: not a DfuSe file (no \"DfuSe\" prefix)");
      return NULL;
    }
  if (data[5] != 0x01)
    {
      g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_NOT_SUPPORTED,
                   "offset 0x5: DfuSe version %u is not supported (expected 1)", data[5]);
      return NULL;
    }
  if (len < DFUSE_PREFIX_SIZE + BOOT0_DFU_SUFFIX_SIZE)
    {
      g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_FILE,
                   "file too short for a DfuSe prefix and DFU suffix: %" G_GSIZE_FORMAT
                   " bytes, need at least %d",
                   len, DFUSE_PREFIX_SIZE + BOOT0_DFU_SUFFIX_SIZE);
      return NULL;
    }

  /* UM0391 §2.4: the suffix is mandatory. Its bcdDFU should be 0x011A, but
   * `dfu-suffix -a` stamps 0x0100 on whatever it is given, DfuSe files
   * included. The prefix is what makes the file DfuSe, so any bcdDFU is
   * accepted (and the writer always puts 0x011A). */
  if (!boot0_dfu_suffix_parse (data, len, &suffix, error))
    return NULL;
  data_end = len - BOOT0_DFU_SUFFIX_SIZE;

  /* UM0391 says DFUImageSize counts the whole file; dfu.py, older dfuse-pack
   * and fwupd leave out the suffix. Both are in the wild. */
  image_size = read_le32 (data + 6);
  if (image_size != len && image_size != data_end)
    {
      g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_FILE,
                   "offset 0x6: DFUImageSize is %u, expected %" G_GSIZE_FORMAT
                   " (whole file) or %" G_GSIZE_FORMAT " (without suffix)",
                   image_size, len, data_end);
      return NULL;
    }

  n_targets = data[10];
  if (n_targets == 0)
    {
      g_set_error_literal (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_FILE,
                           "offset 0xA: the file has no targets (bTargets is 0)");
      return NULL;
    }
  /* bTargets is one byte, so this holds today; keep it if the cap ever shrinks. */
  if (n_targets > BOOT0_FIRMWARE_MAX_TARGETS)
    {
      g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_TOO_LARGE,
                   "offset 0xA: %u targets, more than the %d supported", n_targets,
                   BOOT0_FIRMWARE_MAX_TARGETS);
      return NULL;
    }

  fw = boot0_firmware_new ();
  pos = DFUSE_PREFIX_SIZE;
  for (guint t = 0; t < n_targets; t++)
    {
      if (!dfuse_parse_target (fw, data, data_end, &pos, t, error))
        return NULL;
    }
  if (pos != data_end)
    {
      g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_FILE,
                   "offset 0x%" G_GSIZE_MODIFIER "X: %" G_GSIZE_FORMAT " bytes of trailing data "
                   "after the last of %u targets (suffix at offset 0x%" G_GSIZE_MODIFIER "X)",
                   pos, data_end - pos, n_targets, data_end);
      return NULL;
    }

  boot0_firmware_set_dfu_suffix (fw, &suffix);
  boot0_firmware_set_format (fw, BOOT0_FIRMWARE_FORMAT_DFUSE);
  return g_steal_pointer (&fw);
}

/* Name bytes for szTargetName: at most 254 so a NUL always follows, cut at a
 * UTF-8 character boundary. */
static gsize
dfuse_target_name_len (const char *name)
{
  gsize n = strlen (name);
  if (n < DFUSE_TARGET_NAME_SIZE)
    return n;
  n = DFUSE_TARGET_NAME_SIZE - 1;
  while (n > 0 && ((guint8)name[n] & 0xC0) == 0x80)
    n--;
  return n;
}

/* UM0391 §2: one target per alternate setting (ascending), one element per
 * segment. DFUImageSize follows UM0391 and dfuse-pack.py since 2020 and
 * counts the whole file; the reader accepts both conventions, but note that
 * fwupd only accepts the size without the suffix (as dfu.py writes it). */
GBytes *
boot0_firmware_write_dfuse (Boot0Firmware *self, GError **error)
{
  g_autoptr (GByteArray) buf = g_byte_array_new ();
  gboolean alt_used[256] = { FALSE };
  const Boot0DfuSuffix *old_suffix;
  Boot0DfuSuffix suffix = { 0xFFFF, DFUSE_DEFAULT_PID, DFUSE_DEFAULT_VID, BOOT0_DFU_BCD_DFUSE, 0 };
  guint n_segments;
  guint n_targets = 0;
  guint8 prefix[DFUSE_PREFIX_SIZE] = { 'D', 'f', 'u', 'S', 'e', 0x01 };
  guint64 file_size;

  g_return_val_if_fail (BOOT0_IS_FIRMWARE (self), NULL);

  n_segments = boot0_firmware_get_n_segments (self);
  if (n_segments == 0)
    {
      g_set_error_literal (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_ARGUMENT,
                           "the image is empty: a DfuSe file needs at least one element");
      return NULL;
    }
  for (guint i = 0; i < n_segments; i++)
    alt_used[boot0_segment_get_alt_setting (boot0_firmware_get_segment (self, i))] = TRUE;
  for (guint alt = 0; alt < G_N_ELEMENTS (alt_used); alt++)
    n_targets += alt_used[alt] ? 1 : 0;
  if (n_targets > BOOT0_FIRMWARE_MAX_TARGETS)
    {
      g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_TOO_LARGE,
                   "the image uses %u alternate settings, a DfuSe file holds at most %d", n_targets,
                   BOOT0_FIRMWARE_MAX_TARGETS);
      return NULL;
    }

  /* DFUImageSize is patched in once the size is known. */
  prefix[10] = (guint8)n_targets;
  g_byte_array_append (buf, prefix, sizeof (prefix));

  for (guint alt = 0; alt < G_N_ELEMENTS (alt_used); alt++)
    {
      guint8 target[DFUSE_TARGET_PREFIX_SIZE] = { 'T', 'a', 'r', 'g', 'e', 't' };
      const char *name;
      guint64 target_size = 0;
      guint32 n_elements = 0;

      if (!alt_used[alt])
        continue;
      for (guint i = 0; i < n_segments; i++)
        {
          const Boot0Segment *seg = boot0_firmware_get_segment (self, i);
          if (boot0_segment_get_alt_setting (seg) != alt)
            continue;
          target_size += DFUSE_ELEMENT_HEADER_SIZE + boot0_segment_get_size (seg);
          n_elements++;
        }
      /* The image caps keep this far below 4 GiB; stay safe if they grow. */
      if (target_size > G_MAXUINT32)
        {
          g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_TOO_LARGE,
                       "alternate setting %u holds too much data for a DfuSe target", alt);
          return NULL;
        }

      name = boot0_firmware_get_target_name (self, (guint8)alt);
      if (name == NULL || *name == '\0')
        name = DFUSE_DEFAULT_TARGET_NAME;
      target[6] = (guint8)alt;
      target[7] = 1; /* bTargetNamed */
      memcpy (target + 11, name, dfuse_target_name_len (name));
      g_byte_array_append (buf, target, 266);
      append_le32 (buf, (guint32)target_size);
      append_le32 (buf, n_elements);

      for (guint i = 0; i < n_segments; i++)
        {
          const Boot0Segment *seg = boot0_firmware_get_segment (self, i);
          if (boot0_segment_get_alt_setting (seg) != alt)
            continue;
          append_le32 (buf, boot0_segment_get_address (seg));
          append_le32 (buf, (guint32)boot0_segment_get_size (seg));
          g_byte_array_append (buf, boot0_segment_get_data (seg),
                               (guint)boot0_segment_get_size (seg));
        }
    }

  file_size = (guint64)buf->len + BOOT0_DFU_SUFFIX_SIZE;
  if (file_size > G_MAXUINT32)
    {
      g_set_error_literal (error, BOOT0_ERROR, BOOT0_ERROR_TOO_LARGE,
                           "the image is too large for a DfuSe file");
      return NULL;
    }
  buf->data[6] = file_size & 0xFF;
  buf->data[7] = (file_size >> 8) & 0xFF;
  buf->data[8] = (file_size >> 16) & 0xFF;
  buf->data[9] = (file_size >> 24) & 0xFF;

  /* Keep the USB IDs the file came with; bcdDFU is always DfuSe here. */
  old_suffix = boot0_firmware_get_dfu_suffix (self);
  if (old_suffix != NULL)
    {
      suffix.bcd_device = old_suffix->bcd_device;
      suffix.id_product = old_suffix->id_product;
      suffix.id_vendor = old_suffix->id_vendor;
    }
  boot0_dfu_suffix_append (buf, &suffix);
  return g_byte_array_free_to_bytes (g_steal_pointer (&buf));
}
