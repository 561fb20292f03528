/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The 16-byte DFU file suffix (DFU 1.1 Annex B), little-endian throughout. */
#include "config.h"

#include <string.h>

#include "boot0-crc.h"
#include "boot0-dfu-suffix.h"
#include "boot0-error.h"

/* Field offsets inside the suffix, in file order (DFU 1.1 Annex B, table B-1). */
#define SUFFIX_OFF_BCD_DEVICE 0
#define SUFFIX_OFF_ID_PRODUCT 2
#define SUFFIX_OFF_ID_VENDOR  4
#define SUFFIX_OFF_BCD_DFU    6
#define SUFFIX_OFF_SIGNATURE  8
#define SUFFIX_OFF_LENGTH     11
#define SUFFIX_OFF_CRC        12

static guint16
read_le16 (const guint8 *p)
{
  return (guint16)(p[0] | (p[1] << 8));
}

static guint32
read_le32 (const guint8 *p)
{
  return (guint32)p[0] | ((guint32)p[1] << 8) | ((guint32)p[2] << 16) | ((guint32)p[3] << 24);
}

static void
append_le16 (GByteArray *buf, guint16 value)
{
  guint8 b[2] = { value & 0xFF, value >> 8 };
  g_byte_array_append (buf, b, sizeof (b));
}

/* The signature reads "UFD" in file order: the spec stores "DFU" reversed. */
static gboolean
has_signature (const guint8 *suffix)
{
  return memcmp (suffix + SUFFIX_OFF_SIGNATURE, "UFD", 3) == 0;
}

gboolean
boot0_dfu_suffix_present (const guint8 *data, gsize len)
{
  const guint8 *suffix;

  if (data == NULL || len < BOOT0_DFU_SUFFIX_SIZE)
    return FALSE;
  suffix = data + len - BOOT0_DFU_SUFFIX_SIZE;
  return has_signature (suffix) && suffix[SUFFIX_OFF_LENGTH] == BOOT0_DFU_SUFFIX_SIZE;
}

/* DFU 1.1 Annex B. bLength larger than 16 is legal in the spec but nobody
 * writes it, and Boot0DfuSuffix has no room for the extra bytes: refuse it
 * rather than let the extra bytes pass for firmware. */
gboolean
boot0_dfu_suffix_parse (const guint8 *data, gsize len, Boot0DfuSuffix *suffix, GError **error)
{
  const guint8 *p;
  gsize off;
  guint32 crc_stored;
  guint32 crc_computed;

  g_return_val_if_fail (data != NULL || len == 0, FALSE);
  g_return_val_if_fail (suffix != NULL, FALSE);

  if (len < BOOT0_DFU_SUFFIX_SIZE)
    {
      g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_FILE,
                   "file too short for a DFU suffix: %" G_GSIZE_FORMAT " bytes, need %d", len,
                   BOOT0_DFU_SUFFIX_SIZE);
      return FALSE;
    }
  off = len - BOOT0_DFU_SUFFIX_SIZE;
  p = data + off;

  if (!has_signature (p))
    {
      g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_FILE,
                   "offset 0x%" G_GSIZE_MODIFIER "X: no DFU suffix: expected signature "
                   "\"UFD\", found %02X %02X %02X",
                   off + SUFFIX_OFF_SIGNATURE, p[SUFFIX_OFF_SIGNATURE], p[SUFFIX_OFF_SIGNATURE + 1],
                   p[SUFFIX_OFF_SIGNATURE + 2]);
      return FALSE;
    }
  if (p[SUFFIX_OFF_LENGTH] < BOOT0_DFU_SUFFIX_SIZE)
    {
      g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_FILE,
                   "offset 0x%" G_GSIZE_MODIFIER "X: invalid DFU suffix length %u (expected %d)",
                   off + SUFFIX_OFF_LENGTH, p[SUFFIX_OFF_LENGTH], BOOT0_DFU_SUFFIX_SIZE);
      return FALSE;
    }
  if (p[SUFFIX_OFF_LENGTH] > BOOT0_DFU_SUFFIX_SIZE)
    {
      g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_NOT_SUPPORTED,
                   "offset 0x%" G_GSIZE_MODIFIER "X: DFU suffix length %u is not supported "
                   "(only %d)",
                   off + SUFFIX_OFF_LENGTH, p[SUFFIX_OFF_LENGTH], BOOT0_DFU_SUFFIX_SIZE);
      return FALSE;
    }

  crc_stored = read_le32 (p + SUFFIX_OFF_CRC);
  crc_computed = boot0_crc32_dfu (data, len - 4);
  if (crc_stored != crc_computed)
    {
      g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_FILE,
                   "offset 0x%" G_GSIZE_MODIFIER "X: DFU suffix CRC mismatch: file says "
                   "0x%08X, contents give 0x%08X",
                   off + SUFFIX_OFF_CRC, crc_stored, crc_computed);
      return FALSE;
    }

  suffix->bcd_device = read_le16 (p + SUFFIX_OFF_BCD_DEVICE);
  suffix->id_product = read_le16 (p + SUFFIX_OFF_ID_PRODUCT);
  suffix->id_vendor = read_le16 (p + SUFFIX_OFF_ID_VENDOR);
  suffix->bcd_dfu = read_le16 (p + SUFFIX_OFF_BCD_DFU);
  suffix->crc = crc_stored;
  return TRUE;
}

/* DFU 1.1 Annex B: dwCRC covers every byte before it, suffix fields included. */
void
boot0_dfu_suffix_append (GByteArray *buf, Boot0DfuSuffix *suffix)
{
  guint8 tail[4] = { 'U', 'F', 'D', BOOT0_DFU_SUFFIX_SIZE };
  guint32 crc;
  guint8 crc_le[4];

  g_return_if_fail (buf != NULL);
  g_return_if_fail (suffix != NULL);

  append_le16 (buf, suffix->bcd_device);
  append_le16 (buf, suffix->id_product);
  append_le16 (buf, suffix->id_vendor);
  append_le16 (buf, suffix->bcd_dfu);
  g_byte_array_append (buf, tail, sizeof (tail));

  crc = boot0_crc32_dfu (buf->data, buf->len);
  crc_le[0] = crc & 0xFF;
  crc_le[1] = (crc >> 8) & 0xFF;
  crc_le[2] = (crc >> 16) & 0xFF;
  crc_le[3] = crc >> 24;
  g_byte_array_append (buf, crc_le, sizeof (crc_le));
  suffix->crc = crc;
}
