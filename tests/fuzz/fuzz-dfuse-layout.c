/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Fuzz target for the DfuSe alternate-setting string parser: whatever
 * parses must print to a string that parses back to an equal layout. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "boot0-core.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
check_one (const char *str, Boot0DfuseLayoutParseFlags flags)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GError) error2 = NULL;
  g_autoptr (Boot0DfuseLayout) layout = boot0_dfuse_layout_parse_full (str, flags, &error);
  g_autoptr (Boot0DfuseLayout) again = NULL;
  g_autofree char *printed = NULL;
  const Boot0DfuseSector *first, *last;
  guint n;

  if (layout == NULL)
    {
      if (error == NULL)
        abort ();
      return;
    }

  printed = boot0_dfuse_layout_to_string (layout);
  again = boot0_dfuse_layout_parse (printed, &error2);
  if (again == NULL || !boot0_dfuse_layout_equal (layout, again))
    abort ();

  /* The lookups must agree with the sector list. */
  n = boot0_dfuse_layout_get_n_sectors (layout);
  if (n == 0 || n > BOOT0_DFUSE_LAYOUT_MAX_SECTORS)
    abort ();
  first = boot0_dfuse_layout_get_sector (layout, 0);
  last = boot0_dfuse_layout_get_sector (layout, n - 1);
  if (boot0_dfuse_layout_lookup_sector (layout, first->address) != first ||
      boot0_dfuse_layout_lookup_sector (layout,
                                        (guint32)((guint64)last->address + last->size - 1)) != last)
    abort ();
  if (first->address > 0 && boot0_dfuse_layout_lookup_sector (layout, first->address - 1) != NULL)
    abort ();
  if (boot0_dfuse_layout_get_end (layout) > G_GUINT64_CONSTANT (0x100000000))
    abort ();
  if (boot0_dfuse_layout_get_total_size (layout) >
      boot0_dfuse_layout_get_end (layout) - boot0_dfuse_layout_get_start (layout))
    abort ();
  (void)boot0_dfuse_layout_first_writable_sector (layout);
  (void)boot0_dfuse_layout_contains (layout, first->address,
                                     boot0_dfuse_layout_get_total_size (layout));
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  /* USB string descriptors hold at most 126 characters; leave room for
   * strings from config files but keep each run fast. */
  g_autofree char *str = NULL;

  if (size > 4096)
    return 0;
  str = g_strndup ((const char *)data, size);
  check_one (str, BOOT0_DFUSE_LAYOUT_PARSE_FLAG_NONE);
  check_one (str, BOOT0_DFUSE_LAYOUT_PARSE_FLAG_DEVICE_FEATURE_ERASABLE);
  return 0;
}
