/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CRC-32, table driven. */
#include "config.h"

#include "boot0-crc.h"

static guint32
crc32_byte (guint32 c)
{
  for (guint k = 0; k < 8; k++)
    c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
  return c;
}

guint32
boot0_crc32_update (guint32 crc, const guint8 *data, gsize len)
{
  guint32 c = crc ^ 0xFFFFFFFFu;

  /* The table lives on the stack so the core keeps no mutable global state;
   * building it costs little next to the data we checksum. */
  guint32 table[256];
  if (len >= 64)
    {
      for (guint i = 0; i < 256; i++)
        table[i] = crc32_byte (i);
      for (gsize i = 0; i < len; i++)
        c = table[(c ^ data[i]) & 0xFF] ^ (c >> 8);
    }
  else
    {
      for (gsize i = 0; i < len; i++)
        c = crc32_byte ((c ^ data[i]) & 0xFF) ^ (c >> 8);
    }
  return c ^ 0xFFFFFFFFu;
}

guint32
boot0_crc32_dfu (const guint8 *data, gsize len)
{
  return ~boot0_crc32_update (0, data, len);
}
