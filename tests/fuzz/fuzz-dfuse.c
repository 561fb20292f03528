/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Fuzz target for the DfuSe reader: what it accepts must survive a write and
 * reread with the same segments, target names and suffix IDs. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "boot0-crc.h"
#include "boot0-dfu-suffix.h"
#include "boot0-firmware-private.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
check_same_segments (Boot0Firmware *a, Boot0Firmware *b)
{
  if (boot0_firmware_get_n_segments (a) != boot0_firmware_get_n_segments (b))
    abort ();
  for (guint i = 0; i < boot0_firmware_get_n_segments (a); i++)
    {
      const Boot0Segment *sa = boot0_firmware_get_segment (a, i);
      const Boot0Segment *sb = boot0_firmware_get_segment (b, i);
      if (boot0_segment_get_alt_setting (sa) != boot0_segment_get_alt_setting (sb) ||
          boot0_segment_get_address (sa) != boot0_segment_get_address (sb) ||
          boot0_segment_get_size (sa) != boot0_segment_get_size (sb) ||
          memcmp (boot0_segment_get_data (sa), boot0_segment_get_data (sb),
                  boot0_segment_get_size (sa)) != 0)
        abort ();
    }
}

/* Names survive unless longer than the 254 bytes a target holds, in which
 * case they are cut at a character boundary. */
static void
check_names (Boot0Firmware *a, Boot0Firmware *b)
{
  for (guint i = 0; i < boot0_firmware_get_n_segments (a); i++)
    {
      guint8 alt = boot0_segment_get_alt_setting (boot0_firmware_get_segment (a, i));
      const char *na = boot0_firmware_get_target_name (a, alt);
      const char *nb = boot0_firmware_get_target_name (b, alt);
      gsize la;
      gsize lb;

      if (nb == NULL || !g_utf8_validate (nb, -1, NULL))
        abort ();
      if (na == NULL)
        continue;
      la = strlen (na);
      lb = strlen (nb);
      if (la <= 254 ? strcmp (na, nb) != 0
                    : (lb > 254 || lb + 4 < 254 || strncmp (na, nb, lb) != 0))
        abort ();
    }
}

static void
check_one (const guint8 *data, gsize size)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (Boot0Firmware) fw = boot0_firmware_parse_dfuse (data, size, &error);
  g_autoptr (GBytes) out = NULL;
  g_autoptr (Boot0Firmware) fw2 = NULL;
  const Boot0DfuSuffix *s1;
  const Boot0DfuSuffix *s2;
  const guint8 *p;
  gsize len = 0;

  if (fw == NULL)
    {
      if (error == NULL || error->message == NULL || *error->message == '\0')
        abort ();
      return;
    }
  if (boot0_firmware_get_format (fw) != BOOT0_FIRMWARE_FORMAT_DFUSE)
    abort ();
  s1 = boot0_firmware_get_dfu_suffix (fw);
  if (s1 == NULL)
    abort ();

  /* Files whose targets hold no data parse, but there is nothing to write. */
  out = boot0_firmware_write_dfuse (fw, &error);
  if (boot0_firmware_get_n_segments (fw) == 0)
    {
      if (out != NULL)
        abort ();
      return;
    }
  if (out == NULL)
    abort ();

  p = g_bytes_get_data (out, &len);
  fw2 = boot0_firmware_parse_dfuse (p, len, NULL);
  if (fw2 == NULL)
    abort ();
  check_same_segments (fw, fw2);
  check_names (fw, fw2);
  s2 = boot0_firmware_get_dfu_suffix (fw2);
  if (s2 == NULL || s2->id_vendor != s1->id_vendor || s2->id_product != s1->id_product ||
      s2->bcd_device != s1->bcd_device || s2->bcd_dfu != BOOT0_DFU_BCD_DFUSE)
    abort ();
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree guint8 *copy = NULL;
  guint32 crc;

  check_one (data, size);

  /* Nearly every mutation breaks the suffix CRC: also try a copy with the
   * CRC made right, so the fuzzer gets into the prefix and target walk. */
  if (size < BOOT0_DFU_SUFFIX_SIZE)
    return 0;
  copy = g_memdup2 (data, size);
  crc = boot0_crc32_dfu (copy, size - 4);
  copy[size - 4] = crc & 0xFF;
  copy[size - 3] = (crc >> 8) & 0xFF;
  copy[size - 2] = (crc >> 16) & 0xFF;
  copy[size - 1] = crc >> 24;
  check_one (copy, size);
  return 0;
}
