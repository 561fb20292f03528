/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Fuzz target: raw .bin (with DFU suffix stripping), and format sniffing
 * into every loader as boot0_firmware_load_bytes() does for unknown files.
 * An accepted image must write to .bin (filled) and read back the same. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "boot0-firmware-private.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
check_bin_round_trip (Boot0Firmware *fw)
{
  g_autoptr (GBytes) out = NULL;
  g_autoptr (Boot0Firmware) again = NULL;
  guint32 start = 0;
  gsize len = 0;
  const guint8 *p;

  if (!boot0_firmware_get_span (fw, &start, NULL))
    abort ();
  out = boot0_firmware_write_bytes (fw, BOOT0_FIRMWARE_FORMAT_BIN,
                                    BOOT0_FIRMWARE_WRITE_FLAG_FILL_GAPS, 0xFF, NULL);
  if (out == NULL)
    return; /* a span too wide for one .bin is a fair refusal */
  p = g_bytes_get_data (out, &len);
  again = boot0_firmware_parse_bin (p, len, start, NULL);
  /* A .bin ending in a DFU-suffix-like tail may be refused on reparse. */
  if (again == NULL)
    return;
  for (guint i = 0; i < boot0_firmware_get_n_segments (fw); i++)
    {
      const Boot0Segment *s = boot0_firmware_get_segment (fw, i);
      g_autofree guint8 *buf = g_malloc (MAX (boot0_segment_get_size (s), 1));
      if (!boot0_firmware_read (again, boot0_segment_get_address (s), buf,
                                boot0_segment_get_size (s)))
        abort ();
      if (memcmp (buf, boot0_segment_get_data (s), boot0_segment_get_size (s)) != 0)
        abort ();
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GBytes) bytes = g_bytes_new_static (data, size);
  g_autoptr (Boot0Firmware) raw = NULL;
  g_autoptr (Boot0Firmware) sniffed = NULL;

  raw = boot0_firmware_load_bytes (bytes, BOOT0_FIRMWARE_FORMAT_BIN, 0x08000000, NULL);
  if (raw != NULL)
    check_bin_round_trip (raw);
  sniffed = boot0_firmware_load_bytes (bytes, BOOT0_FIRMWARE_FORMAT_UNKNOWN, 0x08000000, NULL);
  if (sniffed != NULL)
    check_bin_round_trip (sniffed);
  return 0;
}
