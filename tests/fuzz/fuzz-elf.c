/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Fuzz target for the ELF32 loader: whatever it accepts must be a sane image
 * that survives a DfuSe write and reread. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "boot0-firmware-private.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (Boot0Firmware) fw = boot0_firmware_parse_elf (data, size, &error);
  g_autoptr (GBytes) out = NULL;
  g_autoptr (Boot0Firmware) fw2 = NULL;
  const guint8 *p;
  gsize len = 0;
  gsize total = 0;
  guint n;

  if (fw == NULL)
    {
      if (error == NULL || error->message == NULL || *error->message == '\0')
        abort ();
      return 0;
    }
  if (boot0_firmware_get_format (fw) != BOOT0_FIRMWARE_FORMAT_ELF)
    abort ();

  /* Non-empty, sorted, non-overlapping, within 4 GiB; no more data than the
   * file could hold per load. */
  n = boot0_firmware_get_n_segments (fw);
  if (n == 0)
    abort ();
  for (guint i = 0; i < n; i++)
    {
      const Boot0Segment *s = boot0_firmware_get_segment (fw, i);
      if (boot0_segment_get_size (s) == 0 ||
          boot0_segment_get_end (s) > G_GUINT64_CONSTANT (0x100000000))
        abort ();
      if (i > 0 && boot0_segment_get_end (boot0_firmware_get_segment (fw, i - 1)) >
                       boot0_segment_get_address (s))
        abort ();
      total += boot0_segment_get_size (s);
    }
  if (total != boot0_firmware_get_total_size (fw))
    abort ();

  out = boot0_firmware_write_dfuse (fw, NULL);
  if (out == NULL)
    abort ();
  p = g_bytes_get_data (out, &len);
  fw2 = boot0_firmware_parse_dfuse (p, len, NULL);
  if (fw2 == NULL || boot0_firmware_get_n_segments (fw2) != n)
    abort ();
  for (guint i = 0; i < n; i++)
    {
      const Boot0Segment *a = boot0_firmware_get_segment (fw, i);
      const Boot0Segment *b = boot0_firmware_get_segment (fw2, i);
      if (boot0_segment_get_address (a) != boot0_segment_get_address (b) ||
          boot0_segment_get_size (a) != boot0_segment_get_size (b) ||
          memcmp (boot0_segment_get_data (a), boot0_segment_get_data (b),
                  boot0_segment_get_size (a)) != 0)
        abort ();
    }
  return 0;
}
