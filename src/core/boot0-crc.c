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

guint32
boot0_crc32_stm32 (guint32 crc, const guint8 *data, gsize len)
{
  /* The STM32 CRC unit (RM0090 §10.3): each 32-bit word is loaded little
   * endian and shifted in most significant bit first, poly 0x04C11DB7, no
   * reflection and no final XOR (stm32flash stm32_sw_crc; PROTOCOLS.md §e). */
  g_return_val_if_fail (len % 4 == 0, crc);
  g_return_val_if_fail (data != NULL || len == 0, crc);
  for (gsize i = 0; i < len; i += 4)
    {
      crc ^= (guint32)data[i] | (guint32)data[i + 1] << 8 | (guint32)data[i + 2] << 16 |
             (guint32)data[i + 3] << 24;
      for (guint k = 0; k < 32; k++)
        crc = (crc & 0x80000000u) ? (crc << 1) ^ 0x04C11DB7u : crc << 1;
    }
  return crc;
}
