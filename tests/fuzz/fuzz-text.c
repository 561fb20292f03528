/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The fuzz check shared by the text record formats: what a reader accepts
 * must survive a write and reread in both text formats unchanged. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz-text.h"

static void
check_same (Boot0Firmware *a, Boot0Firmware *b)
{
  guint32 ea = 0, eb = 0;

  if (b == NULL)
    abort ();
  if (boot0_firmware_get_n_segments (a) != boot0_firmware_get_n_segments (b))
    abort ();
  for (guint i = 0; i < boot0_firmware_get_n_segments (a); i++)
    {
      const Boot0Segment *sa = boot0_firmware_get_segment (a, i);
      const Boot0Segment *sb = boot0_firmware_get_segment (b, i);
      if (boot0_segment_get_address (sa) != boot0_segment_get_address (sb) ||
          boot0_segment_get_size (sa) != boot0_segment_get_size (sb) ||
          memcmp (boot0_segment_get_data (sa), boot0_segment_get_data (sb),
                  boot0_segment_get_size (sa)) != 0)
        abort ();
    }
  /* S-records cannot tell "no entry point" from entry point 0. */
  boot0_firmware_get_entry_point (a, &ea);
  boot0_firmware_get_entry_point (b, &eb);
  if (ea != eb)
    abort ();
}

int
boot0_fuzz_text_round_trip (Boot0FuzzParseFunc parse, const uint8_t *data, size_t size)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (Boot0Firmware) fw = parse (data, size, &error);
  g_autoptr (GBytes) ihex = NULL;
  g_autoptr (GBytes) srec = NULL;
  g_autoptr (Boot0Firmware) fw_ihex = NULL;
  g_autoptr (Boot0Firmware) fw_srec = NULL;
  const guint8 *out;
  gsize out_len = 0;

  if (fw == NULL)
    {
      if (error == NULL || error->message == NULL || *error->message == '\0')
        abort ();
      return 0;
    }

  ihex = boot0_firmware_write_ihex (fw, NULL);
  if (ihex == NULL)
    abort ();
  out = g_bytes_get_data (ihex, &out_len);
  fw_ihex = boot0_firmware_parse_ihex (out, out_len, NULL);
  check_same (fw, fw_ihex);

  srec = boot0_firmware_write_srec (fw, NULL);
  if (srec == NULL)
    abort ();
  out = g_bytes_get_data (srec, &out_len);
  fw_srec = boot0_firmware_parse_srec (out, out_len, NULL);
  check_same (fw, fw_srec);
  return 0;
}
