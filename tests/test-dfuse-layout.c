/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests for the DfuSe alternate-setting string parser, on the strings real
 * ST ROMs and CubeMX bootloaders announce (PROTOCOLS.md §b). */
#include "config.h"

#include <string.h>

#include "boot0-test-helpers.h"

#define R   BOOT0_DFUSE_SECTOR_FLAG_READABLE
#define E   BOOT0_DFUSE_SECTOR_FLAG_ERASABLE
#define W   BOOT0_DFUSE_SECTOR_FLAG_WRITABLE
#define KIB 1024u

static Boot0DfuseLayout *
parse_ok (const char *str)
{
  g_autoptr (GError) error = NULL;
  Boot0DfuseLayout *layout = boot0_dfuse_layout_parse (str, &error);
  g_assert_no_error (error);
  g_assert_nonnull (layout);
  return layout;
}

static void
assert_sector (Boot0DfuseLayout *layout, guint idx, guint32 address, guint32 size, guint flags)
{
  const Boot0DfuseSector *s = boot0_dfuse_layout_get_sector (layout, idx);
  g_assert_nonnull (s);
  g_assert_cmphex (s->address, ==, address);
  g_assert_cmpuint (s->size, ==, size);
  g_assert_cmphex (s->flags, ==, flags);
}

/* Sector idx..idx+count-1 are count sectors of size from address. */
static void
assert_sector_run (Boot0DfuseLayout *layout, guint idx, guint count, guint32 address, guint32 size,
                   guint flags)
{
  for (guint i = 0; i < count; i++)
    assert_sector (layout, idx + i, address + i * size, size, flags);
}

static void
assert_normalized (const char *str, const char *expected)
{
  g_autoptr (Boot0DfuseLayout) layout = parse_ok (str);
  g_autofree char *out = boot0_dfuse_layout_to_string (layout);
  g_assert_cmpstr (out, ==, expected);
}

static void
test_f105_rom_func (void)
{
  g_autoptr (Boot0DfuseLayout) flash = parse_ok ("@Internal Flash  /0x08000000/128*002Kg");
  g_autoptr (Boot0DfuseLayout) ob = parse_ok ("@Option Bytes  /0x1FFFF800/01*016 g");

  g_assert_cmpstr (boot0_dfuse_layout_get_name (flash), ==, "Internal Flash");
  g_assert_cmpuint (boot0_dfuse_layout_get_n_zones (flash), ==, 1);
  g_assert_cmpuint (boot0_dfuse_layout_get_n_sectors (flash), ==, 128);
  assert_sector_run (flash, 0, 128, 0x08000000, 2 * KIB, R | E | W);
  g_assert_cmpuint (boot0_dfuse_layout_get_total_size (flash), ==, 256 * KIB);
  g_assert_cmphex (boot0_dfuse_layout_get_start (flash), ==, 0x08000000);
  g_assert_cmphex (boot0_dfuse_layout_get_end (flash), ==, 0x08040000);

  /* The space after "016" is the byte multiplier. */
  g_assert_cmpstr (boot0_dfuse_layout_get_name (ob), ==, "Option Bytes");
  g_assert_cmpuint (boot0_dfuse_layout_get_n_sectors (ob), ==, 1);
  assert_sector (ob, 0, 0x1FFFF800, 16, R | E | W);
}

static void
test_f4_rom_func (void)
{
  g_autoptr (Boot0DfuseLayout) flash =
      parse_ok ("@Internal Flash  /0x08000000/04*016Kg,01*064Kg,07*128Kg");
  g_autoptr (Boot0DfuseLayout) ob = parse_ok ("@Option Bytes  /0x1FFFC000/01*016 g");
  g_autoptr (Boot0DfuseLayout) otp = parse_ok ("@OTP Memory /0x1FFF7800/01*512 g,01*016 g");
  g_autoptr (Boot0DfuseLayout) feature = parse_ok ("@Device Feature/0xFFFF0000/01*004 g");
  const Boot0DfuseSectorGroup *group;

  g_assert_cmpuint (boot0_dfuse_layout_get_n_sectors (flash), ==, 12);
  assert_sector_run (flash, 0, 4, 0x08000000, 16 * KIB, R | E | W);
  assert_sector (flash, 4, 0x08010000, 64 * KIB, R | E | W);
  assert_sector_run (flash, 5, 7, 0x08020000, 128 * KIB, R | E | W);
  assert_sector (flash, 11, 0x080E0000, 128 * KIB, R | E | W);
  g_assert_cmpuint (boot0_dfuse_layout_get_total_size (flash), ==, 1024 * KIB);
  g_assert_cmphex (boot0_dfuse_layout_get_end (flash), ==, 0x08100000);

  g_assert_cmpuint (boot0_dfuse_layout_get_zone_n_groups (flash, 0), ==, 3);
  group = boot0_dfuse_layout_get_zone_group (flash, 0, 1);
  g_assert_cmpuint (group->count, ==, 1);
  g_assert_cmpuint (group->size, ==, 64 * KIB);
  g_assert_cmphex (group->flags, ==, R | E | W);
  g_assert_cmphex (boot0_dfuse_layout_get_zone_start (flash, 0), ==, 0x08000000);
  g_assert_cmphex (boot0_dfuse_layout_get_zone_end (flash, 0), ==, 0x08100000);

  assert_sector (ob, 0, 0x1FFFC000, 16, R | E | W);

  g_assert_cmpstr (boot0_dfuse_layout_get_name (otp), ==, "OTP Memory");
  g_assert_cmpuint (boot0_dfuse_layout_get_n_sectors (otp), ==, 2);
  assert_sector (otp, 0, 0x1FFF7800, 512, R | E | W);
  assert_sector (otp, 1, 0x1FFF7A00, 16, R | E | W);

  g_assert_cmpstr (boot0_dfuse_layout_get_name (feature), ==, "Device Feature");
  assert_sector (feature, 0, 0xFFFF0000, 4, R | E | W);
}

static void
test_f303_rom_func (void)
{
  g_autoptr (Boot0DfuseLayout) flash = parse_ok ("@Internal Flash  /0x08000000/128*0002Kg");
  g_autoptr (Boot0DfuseLayout) ob = parse_ok ("@Option Bytes  /0x1FFFF800/01*016 e");

  g_assert_cmpuint (boot0_dfuse_layout_get_n_sectors (flash), ==, 128);
  assert_sector_run (flash, 0, 128, 0x08000000, 2 * KIB, R | E | W);
  /* 'e' = readable and writable, not erasable */
  assert_sector (ob, 0, 0x1FFFF800, 16, R | W);
}

static void
test_f7_rom_func (void)
{
  g_autoptr (Boot0DfuseLayout) f72x =
      parse_ok ("@Internal Flash  /0x08000000/04*016Kg,01*64Kg,03*128Kg");
  g_autoptr (Boot0DfuseLayout) f74x =
      parse_ok ("@Internal Flash  /0x08000000/04*032Kg,01*128Kg,03*256Kg");

  g_assert_cmpuint (boot0_dfuse_layout_get_n_sectors (f72x), ==, 8);
  assert_sector_run (f72x, 0, 4, 0x08000000, 16 * KIB, R | E | W);
  assert_sector (f72x, 4, 0x08010000, 64 * KIB, R | E | W);
  assert_sector_run (f72x, 5, 3, 0x08020000, 128 * KIB, R | E | W);
  g_assert_cmpuint (boot0_dfuse_layout_get_total_size (f72x), ==, 512 * KIB);

  g_assert_cmpuint (boot0_dfuse_layout_get_n_sectors (f74x), ==, 8);
  assert_sector_run (f74x, 0, 4, 0x08000000, 32 * KIB, R | E | W);
  assert_sector (f74x, 4, 0x08020000, 128 * KIB, R | E | W);
  assert_sector_run (f74x, 5, 3, 0x08040000, 256 * KIB, R | E | W);
  g_assert_cmphex (boot0_dfuse_layout_get_end (f74x), ==, 0x08100000);
}

static void
test_h743_rom_func (void)
{
  g_autoptr (Boot0DfuseLayout) flash = parse_ok ("@Internal Flash  /0x08000000/16*128Kg");
  g_autoptr (Boot0DfuseLayout) ob = parse_ok ("@Option Bytes  /0x5200201C/01*128 e");

  g_assert_cmpuint (boot0_dfuse_layout_get_n_sectors (flash), ==, 16);
  assert_sector_run (flash, 0, 16, 0x08000000, 128 * KIB, R | E | W);
  g_assert_cmphex (boot0_dfuse_layout_get_end (flash), ==, 0x08200000);
  assert_sector (ob, 0, 0x5200201C, 128, R | W);
}

static void
test_l4_rom_func (void)
{
  g_autoptr (Boot0DfuseLayout) flash = parse_ok ("@Internal Flash  /0x08000000/0256*0002Kg");
  g_autoptr (Boot0DfuseLayout) ob = parse_ok ("@Option Bytes  /0x1FFF7800/01*040 e");
  g_autoptr (Boot0DfuseLayout) otp = parse_ok ("@OTP Memory /0x1FFF7000/01*0001Ke");
  g_autoptr (Boot0DfuseLayout) feature = parse_ok ("@Device Feature/0xFFFF0000/01*004 e");

  /* Zero-padded counts are decimal: 0256 is 256 (octal would be 174). */
  g_assert_cmpuint (boot0_dfuse_layout_get_n_sectors (flash), ==, 256);
  assert_sector_run (flash, 0, 256, 0x08000000, 2 * KIB, R | E | W);
  g_assert_cmpuint (boot0_dfuse_layout_get_total_size (flash), ==, 512 * KIB);
  /* 040 is 40 bytes, not 32 */
  assert_sector (ob, 0, 0x1FFF7800, 40, R | W);
  assert_sector (otp, 0, 0x1FFF7000, 1 * KIB, R | W);
  assert_sector (feature, 0, 0xFFFF0000, 4, R | W);
}

static void
test_g474_rom_func (void)
{
  g_autoptr (Boot0DfuseLayout) ob =
      parse_ok ("@Option Bytes   /0x1FFF7800/01*048 e/0x1FFFF800/01*048 e");

  g_assert_cmpuint (boot0_dfuse_layout_get_n_zones (ob), ==, 2);
  g_assert_cmphex (boot0_dfuse_layout_get_zone_start (ob, 0), ==, 0x1FFF7800);
  g_assert_cmphex (boot0_dfuse_layout_get_zone_end (ob, 0), ==, 0x1FFF7830);
  g_assert_cmphex (boot0_dfuse_layout_get_zone_start (ob, 1), ==, 0x1FFFF800);
  g_assert_cmpuint (boot0_dfuse_layout_get_n_sectors (ob), ==, 2);
  assert_sector (ob, 0, 0x1FFF7800, 48, R | W);
  assert_sector (ob, 1, 0x1FFFF800, 48, R | W);
  g_assert_cmpuint (boot0_dfuse_layout_get_total_size (ob), ==, 96);
  g_assert_cmphex (boot0_dfuse_layout_get_start (ob), ==, 0x1FFF7800);
  g_assert_cmphex (boot0_dfuse_layout_get_end (ob), ==, 0x1FFFF830);

  /* The gap between the zones belongs to neither. */
  g_assert_null (boot0_dfuse_layout_lookup_sector (ob, 0x1FFF7830));
  g_assert_null (boot0_dfuse_layout_lookup_sector (ob, 0x1FFFF7FF));
  g_assert_nonnull (boot0_dfuse_layout_lookup_sector (ob, 0x1FFFF82F));
  g_assert_false (boot0_dfuse_layout_contains (ob, 0x1FFF7800, 0x8030));
  g_assert_true (boot0_dfuse_layout_contains (ob, 0x1FFF7800, 48));
}

static void
test_u5_rom_func (void)
{
  g_autoptr (Boot0DfuseLayout) flash = parse_ok ("@Internal Flash  /0x08000000/128*08Kg");
  g_autoptr (Boot0DfuseLayout) ob = parse_ok ("@Option Bytes  /0x40022040/01*64 e");
  g_autoptr (Boot0DfuseLayout) otp = parse_ok ("@OTP Memory   /0x0BFA0000/01*512 e");

  g_assert_cmpuint (boot0_dfuse_layout_get_n_sectors (flash), ==, 128);
  assert_sector_run (flash, 0, 128, 0x08000000, 8 * KIB, R | E | W);
  g_assert_cmpuint (boot0_dfuse_layout_get_total_size (flash), ==, 1024 * KIB);
  assert_sector (ob, 0, 0x40022040, 64, R | W);
  assert_sector (otp, 0, 0x0BFA0000, 512, R | W);
}

static void
test_cubemx_func (void)
{
  /* ST's template: three read-only 16 KiB sectors hold the bootloader. */
  g_autoptr (Boot0DfuseLayout) custom =
      parse_ok ("@Internal Flash   /0x08000000/03*016Ka,01*016Kg,01*064Kg,07*128Kg");
  /* The common CubeMX variant: two read-only sectors. */
  g_autoptr (Boot0DfuseLayout) cubemx =
      parse_ok ("@Internal Flash   /0x08000000/02*016Ka,02*016Kg,01*064Kg,07*128Kg");
  g_autoptr (Boot0DfuseLayout) rom =
      parse_ok ("@Internal Flash  /0x08000000/04*016Kg,01*064Kg,07*128Kg");
  g_autoptr (Boot0DfuseLayout) read_only = parse_ok ("@Flash/0x08000000/04*016Ka");
  g_autoptr (GError) error = NULL;
  const Boot0DfuseSector *s;

  assert_sector_run (custom, 0, 3, 0x08000000, 16 * KIB, R);
  assert_sector (custom, 3, 0x0800C000, 16 * KIB, R | E | W);

  s = boot0_dfuse_layout_first_writable_sector (custom);
  g_assert_nonnull (s);
  g_assert_cmphex (s->address, ==, 0x0800C000);
  s = boot0_dfuse_layout_first_writable_sector (cubemx);
  g_assert_nonnull (s);
  g_assert_cmphex (s->address, ==, 0x08008000);
  g_assert_cmpuint (s->size, ==, 16 * KIB);
  s = boot0_dfuse_layout_first_writable_sector (rom);
  g_assert_nonnull (s);
  g_assert_cmphex (s->address, ==, 0x08000000);
  g_assert_null (boot0_dfuse_layout_first_writable_sector (read_only));

  /* Same geometry as the ROM, but not the same memory. */
  g_assert_false (boot0_dfuse_layout_equal_memory (custom, rom));

  /* Writing over the bootloader is refused, past it is fine. */
  g_assert_false (boot0_dfuse_layout_check_range (custom, 0x08000000, 64 * KIB, W, &error));
  boot0_test_assert_error (error, BOOT0_ERROR_DOES_NOT_FIT,
                           "sector 0x08000000 of \"Internal Flash\" is not writable");
  g_clear_error (&error);
  g_assert_false (boot0_dfuse_layout_check_range (custom, 0x0800BFFF, 2, E | W, &error));
  boot0_test_assert_error (error, BOOT0_ERROR_DOES_NOT_FIT, "is not erasable or writable");
  g_clear_error (&error);
  g_assert_true (boot0_dfuse_layout_check_range (custom, 0x0800C000, 0xF4000, R | E | W, &error));
  g_assert_no_error (error);
  g_assert_false (boot0_dfuse_layout_check_range (custom, 0x0800C000, 0xF4001, W, &error));
  boot0_test_assert_error (error, BOOT0_ERROR_DOES_NOT_FIT,
                           "0x08100000 is outside the memory \"Internal Flash\"");
}

static void
test_lookup_func (void)
{
  g_autoptr (Boot0DfuseLayout) flash =
      parse_ok ("@Internal Flash  /0x08000000/04*016Kg,01*064Kg,07*128Kg");
  const Boot0DfuseSector *s;
  guint idx = 999;

  /* first byte, last byte of the first sector, first of the next */
  s = boot0_dfuse_layout_lookup_sector (flash, 0x08000000);
  g_assert_nonnull (s);
  g_assert_cmphex (s->address, ==, 0x08000000);
  s = boot0_dfuse_layout_lookup_sector (flash, 0x08003FFF);
  g_assert_nonnull (s);
  g_assert_cmphex (s->address, ==, 0x08000000);
  s = boot0_dfuse_layout_lookup_sector (flash, 0x08004000);
  g_assert_nonnull (s);
  g_assert_cmphex (s->address, ==, 0x08004000);

  /* inside the 64 KiB sector and the mixed-size boundary (dfu-core #36) */
  s = boot0_dfuse_layout_lookup_sector (flash, 0x0801ABCD);
  g_assert_nonnull (s);
  g_assert_cmphex (s->address, ==, 0x08010000);
  g_assert_cmpuint (s->size, ==, 64 * KIB);
  g_assert_true (boot0_dfuse_layout_lookup_sector_index (flash, 0x08020000, &idx));
  g_assert_cmpuint (idx, ==, 5);

  /* last byte of the memory, then outside on both sides */
  s = boot0_dfuse_layout_lookup_sector (flash, 0x080FFFFF);
  g_assert_nonnull (s);
  g_assert_cmphex (s->address, ==, 0x080E0000);
  g_assert_null (boot0_dfuse_layout_lookup_sector (flash, 0x08100000));
  g_assert_null (boot0_dfuse_layout_lookup_sector (flash, 0x07FFFFFF));
  g_assert_null (boot0_dfuse_layout_lookup_sector (flash, 0));
  g_assert_null (boot0_dfuse_layout_lookup_sector (flash, 0xFFFFFFFF));
  idx = 999;
  g_assert_false (boot0_dfuse_layout_lookup_sector_index (flash, 0x08100000, &idx));
  g_assert_cmpuint (idx, ==, 999);
}

static void
test_contains_func (void)
{
  g_autoptr (Boot0DfuseLayout) flash =
      parse_ok ("@Internal Flash  /0x08000000/04*016Kg,01*064Kg,07*128Kg");
  g_autoptr (Boot0DfuseLayout) top = parse_ok ("@Top/0xFFFFF000/1*4Kg");
  g_autoptr (GError) error = NULL;

  g_assert_true (boot0_dfuse_layout_contains (flash, 0x08000000, 1024 * KIB));
  g_assert_true (boot0_dfuse_layout_contains (flash, 0x08003FFF, 2));
  g_assert_true (boot0_dfuse_layout_contains (flash, 0x080FFFFF, 1));
  g_assert_true (boot0_dfuse_layout_contains (flash, 0x08000000, 0));
  g_assert_false (boot0_dfuse_layout_contains (flash, 0x08000000, 1024 * KIB + 1));
  g_assert_false (boot0_dfuse_layout_contains (flash, 0x07FFFFFF, 2));
  g_assert_false (boot0_dfuse_layout_contains (flash, 0x08100000, 0));
  g_assert_false (boot0_dfuse_layout_contains (flash, 0x08000000, G_MAXUINT64));

  /* A zone may end exactly at 4 GiB; nothing may go past it. */
  g_assert_true (boot0_dfuse_layout_contains (top, 0xFFFFF000, 4 * KIB));
  g_assert_cmphex (boot0_dfuse_layout_get_end (top), ==, G_GUINT64_CONSTANT (0x100000000));
  g_assert_nonnull (boot0_dfuse_layout_lookup_sector (top, 0xFFFFFFFF));
  g_assert_false (boot0_dfuse_layout_check_range (top, 0xFFFFF000, 4 * KIB + 1, 0, &error));
  boot0_test_assert_error (error, BOOT0_ERROR_DOES_NOT_FIT, "passes the end of the 32-bit");
  g_clear_error (&error);
  g_assert_false (boot0_dfuse_layout_check_range (flash, 0x20000000, 4, 0, &error));
  boot0_test_assert_error (error, BOOT0_ERROR_DOES_NOT_FIT, "0x20000000 is outside the memory");
}

static void
test_flags_func (void)
{
  static const struct
  {
    const char *letter;
    guint flags;
    const char *text;
    const char *short_text;
  } table[] = {
    { "a", R, "readable", "r--" },
    { "b", E, "erasable", "-e-" },
    { "c", R | E, "readable, erasable", "re-" },
    { "d", W, "writable", "--w" },
    { "e", R | W, "readable, writable", "r-w" },
    { "f", E | W, "erasable, writable", "-ew" },
    { "g", R | E | W, "readable, erasable, writable", "rew" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (table); i++)
    {
      g_autofree char *str = g_strdup_printf ("@M/0x20000000/1*1K%s", table[i].letter);
      g_autoptr (Boot0DfuseLayout) layout = parse_ok (str);
      const Boot0DfuseSector *s = boot0_dfuse_layout_get_sector (layout, 0);
      g_assert_cmphex (s->flags, ==, table[i].flags);
      g_assert_cmpstr (boot0_dfuse_sector_flags_to_string (s->flags), ==, table[i].text);
      g_assert_cmpstr (boot0_dfuse_sector_flags_to_short_string (s->flags), ==,
                       table[i].short_text);
    }
  g_assert_cmpstr (boot0_dfuse_sector_flags_to_string (0), ==, "none");
  g_assert_cmpstr (boot0_dfuse_sector_flags_to_short_string (0), ==, "---");
}

static void
test_device_feature_quirk_func (void)
{
  const char *str = "@Device Feature/0xFFFF0000/01*004 e";
  g_autoptr (GError) error = NULL;
  g_autoptr (Boot0DfuseLayout) plain = parse_ok (str);
  g_autoptr (Boot0DfuseLayout) quirked = boot0_dfuse_layout_parse_full (
      str, BOOT0_DFUSE_LAYOUT_PARSE_FLAG_DEVICE_FEATURE_ERASABLE, &error);
  g_autoptr (Boot0DfuseLayout) padded =
      boot0_dfuse_layout_parse_full ("@Device Feature  /0xFFFF0000/01*004 e",
                                     BOOT0_DFUSE_LAYOUT_PARSE_FLAG_DEVICE_FEATURE_ERASABLE, &error);
  g_autoptr (Boot0DfuseLayout) otp =
      boot0_dfuse_layout_parse_full ("@OTP Memory /0x1FFF7000/01*0001Ke",
                                     BOOT0_DFUSE_LAYOUT_PARSE_FLAG_DEVICE_FEATURE_ERASABLE, &error);
  g_autofree char *out = NULL;
  g_assert_no_error (error);

  assert_sector (plain, 0, 0xFFFF0000, 4, R | W);
  assert_sector (quirked, 0, 0xFFFF0000, 4, R | E | W);
  g_assert_cmphex (boot0_dfuse_layout_get_zone_group (quirked, 0, 0)->flags, ==, R | E | W);
  assert_sector (padded, 0, 0xFFFF0000, 4, R | E | W);
  /* only that memory */
  assert_sector (otp, 0, 0x1FFF7000, 1 * KIB, R | W);
  out = boot0_dfuse_layout_to_string (quirked);
  g_assert_cmpstr (out, ==, "@Device Feature/0xFFFF0000/1*4 g");
}

static void
test_normalize_func (void)
{
  assert_normalized ("@Internal Flash  /0x08000000/04*016Kg,01*064Kg,07*128Kg",
                     "@Internal Flash/0x08000000/4*16Kg,1*64Kg,7*128Kg");
  assert_normalized ("@Internal Flash  /0x08000000/0256*0002Kg",
                     "@Internal Flash/0x08000000/256*2Kg");
  /* adjacent equal groups merge; different flags do not */
  assert_normalized ("@F/0x08000000/02*016Kg,02*016Kg,01*016Ka,1*16Ka",
                     "@F/0x08000000/4*16Kg,2*16Ka");
  /* the largest exact multiplier; ' ' for bytes as ST ROMs write it */
  assert_normalized ("@Option Bytes  /0x1FFFC000/01*016 g", "@Option Bytes/0x1FFFC000/1*16 g");
  assert_normalized ("@M/0x90000000/1*1024Kg,2*1Mg,1*2048Bg,1*100Bd",
                     "@M/0x90000000/3*1Mg,1*2Kg,1*100 d");
  /* lower-case hex and 0X are accepted, upper-case is written */
  assert_normalized ("@X/0X0800c000/1*16Kg", "@X/0x0800C000/1*16Kg");
  assert_normalized ("@G474 OB /0x1FFF7800/01*048 e/0x1FFFF800/01*048 e",
                     "@G474 OB/0x1FFF7800/1*48 e/0x1FFFF800/1*48 e");
  /* a missing multiplier means bytes (as dfu-util reads it) */
  assert_normalized ("@S/0x20000000/4*256g", "@S/0x20000000/4*256 g");
  /* whitespace a device or a config file may add */
  assert_normalized ("@Internal Flash\t /0x08000000/ 04*016Kg , 01 * 064Kg,\t07*128Kg \r\n",
                     "@Internal Flash/0x08000000/4*16Kg,1*64Kg,7*128Kg");
  assert_normalized ("@  /0x08000000/1*1Kg", "@/0x08000000/1*1Kg");
}

static void
test_equal_func (void)
{
  g_autoptr (Boot0DfuseLayout) a =
      parse_ok ("@Internal Flash  /0x08000000/04*016Kg,01*064Kg,07*128Kg");
  g_autoptr (Boot0DfuseLayout) b =
      parse_ok ("@Internal Flash/0x08000000/2*16Kg,2*16Kg,1*64Kg,7*128Kg");
  g_autoptr (Boot0DfuseLayout) renamed = parse_ok ("@Flash/0x08000000/4*16Kg,1*64Kg,7*128Kg");
  g_autoptr (Boot0DfuseLayout) split =
      parse_ok ("@Internal Flash/0x08000000/4*16Kg/0x08010000/1*64Kg,7*128Kg");
  g_autoptr (Boot0DfuseLayout) smaller = parse_ok ("@Internal Flash/0x08000000/4*16Kg,1*64Kg");
  g_autoptr (Boot0DfuseLayout) c = NULL;

  g_assert_true (boot0_dfuse_layout_equal (a, b));
  g_assert_false (boot0_dfuse_layout_equal (a, renamed));
  g_assert_true (boot0_dfuse_layout_equal_memory (a, renamed));
  g_assert_false (boot0_dfuse_layout_equal (a, split));
  g_assert_true (boot0_dfuse_layout_equal_memory (a, split));
  g_assert_false (boot0_dfuse_layout_equal_memory (a, smaller));

  /* boxed type: copy is a reference */
  c = g_boxed_copy (BOOT0_TYPE_DFUSE_LAYOUT, a);
  g_assert_true (c == a);
  g_boxed_free (BOOT0_TYPE_DFUSE_LAYOUT, g_steal_pointer (&c));
}

static void
test_zone_order_func (void)
{
  /* Zones out of order still give sorted sectors. */
  g_autoptr (Boot0DfuseLayout) layout = parse_ok ("@Z/0x20000000/2*1Kg/0x08000000/1*2Kg");
  g_autofree char *out = boot0_dfuse_layout_to_string (layout);

  assert_sector (layout, 0, 0x08000000, 2 * KIB, R | E | W);
  assert_sector (layout, 1, 0x20000000, 1 * KIB, R | E | W);
  assert_sector (layout, 2, 0x20000400, 1 * KIB, R | E | W);
  g_assert_cmphex (boot0_dfuse_layout_get_zone_start (layout, 0), ==, 0x20000000);
  g_assert_cmphex (boot0_dfuse_layout_get_start (layout), ==, 0x08000000);
  g_assert_cmphex (boot0_dfuse_layout_get_end (layout), ==, 0x20000800);
  g_assert_cmpstr (out, ==, "@Z/0x20000000/2*1Kg/0x08000000/1*2Kg");
  g_assert_nonnull (boot0_dfuse_layout_lookup_sector (layout, 0x200007FF));
  g_assert_null (boot0_dfuse_layout_lookup_sector (layout, 0x08000800));
}

static void
test_limits_func (void)
{
  g_autoptr (Boot0DfuseLayout) max = parse_ok ("@Max/0x08000000/65536*1 g");
  g_autoptr (Boot0DfuseLayout) top = parse_ok ("@Top/0x00000000/1*4095Mg,1*1023Kg,1*1023 g,1*1 g");

  g_assert_cmpuint (boot0_dfuse_layout_get_n_sectors (max), ==, BOOT0_DFUSE_LAYOUT_MAX_SECTORS);
  g_assert_cmphex (boot0_dfuse_layout_get_end (top), ==, G_GUINT64_CONSTANT (0x100000000));
  assert_sector (top, 3, 0xFFFFFFFF, 1, R | E | W);
}

static void
test_errors_func (void)
{
  static const struct
  {
    const char *str;
    gint code;
    const char *message;
  } table[] = {
    { "", BOOT0_ERROR_INVALID_FILE, "empty alternate-setting string" },
    { "Internal Flash/0x08000000/1*1Kg", BOOT0_ERROR_INVALID_FILE,
      "at column 1: expected '@' before the memory name, found 'I'" },
    { "@Internal Flash", BOOT0_ERROR_INVALID_FILE,
      "at column 16: expected '/' and a zone after the memory name, found end of string" },
    { "@F/08000000/1*1Kg", BOOT0_ERROR_INVALID_FILE, "at column 4: expected '0x'" },
    { "@F/0x/1*1Kg", BOOT0_ERROR_INVALID_FILE,
      "at column 6: expected a hexadecimal address after '0x', found '/'" },
    { "@F/0x123456789/1*1Kg", BOOT0_ERROR_INVALID_FILE,
      "at column 6: zone address does not fit in 32 bits" },
    { "@F/0x08000000-1*1Kg", BOOT0_ERROR_INVALID_FILE,
      "at column 14: expected '/' after the zone address, found '-'" },
    { "@F/0x08000000/", BOOT0_ERROR_INVALID_FILE,
      "at column 15: expected a sector count, found end of string" },
    { "@F/0x08000000/0*16Kg", BOOT0_ERROR_INVALID_FILE, "at column 15: sector count 0" },
    { "@F/0x08000000/0000*16Kg", BOOT0_ERROR_INVALID_FILE, "sector count 0" },
    { "@F/0x08000000/04x016Kg", BOOT0_ERROR_INVALID_FILE,
      "at column 17: expected '*' after the sector count, found 'x'" },
    { "@F/0x08000000/4*Kg", BOOT0_ERROR_INVALID_FILE,
      "at column 17: expected a sector size, found 'K'" },
    { "@F/0x08000000/4*000Kg", BOOT0_ERROR_INVALID_FILE, "at column 17: sector size 0" },
    { "@F/0x08000000/4*16kg", BOOT0_ERROR_INVALID_FILE,
      "at column 19: unknown size multiplier 'k' (expected ' ', 'B', 'K' or 'M')" },
    { "@F/0x08000000/4*16Kh", BOOT0_ERROR_INVALID_FILE,
      "at column 20: unknown sector type 'h' (expected 'a'..'g')" },
    { "@F/0x08000000/4*16KG", BOOT0_ERROR_INVALID_FILE, "unknown sector type 'G'" },
    { "@F/0x08000000/4*16  g", BOOT0_ERROR_INVALID_FILE, "unknown sector type ' ' (space)" },
    { "@F/0x08000000/4*16K", BOOT0_ERROR_INVALID_FILE,
      "at column 20: expected a sector type 'a'..'g', found end of string" },
    { "@F/0x08000000/4*16Kgx", BOOT0_ERROR_INVALID_FILE,
      "at column 21: expected ',', '/' or the end after the sector type, found 'x'" },
    { "@F/0x08000000/4*16Kg\x01", BOOT0_ERROR_INVALID_FILE, "found byte 0x01" },
    { "@F/0x08000000/4*16Kg,", BOOT0_ERROR_INVALID_FILE,
      "at column 22: expected a sector count, found end of string" },
    { "@F/0x08000000/4*16Kg/", BOOT0_ERROR_INVALID_FILE,
      "at column 22: expected '0x' and the zone address, found end of string" },
    { "@F/0xFFFFF000/2*4Kg", BOOT0_ERROR_INVALID_FILE,
      "at column 15: zone passes the end of the 32-bit address space" },
    { "@F/0xFFFFFFFF/1*1 g,1*1 g", BOOT0_ERROR_INVALID_FILE,
      "at column 21: zone passes the end of the 32-bit address space" },
    { "@F/0x00000000/1*4096Mg", BOOT0_ERROR_TOO_LARGE,
      "at column 17: sector size does not fit in 32 bits" },
    { "@F/0x00000000/1*99999999999999999999Kg", BOOT0_ERROR_TOO_LARGE,
      "sector size does not fit in 32 bits" },
    { "@F/0x00000000/65537*1 g", BOOT0_ERROR_TOO_LARGE,
      "at column 15: more than 65536 sectors in the layout" },
    { "@F/0x00000000/40000*1 g/0x10000000/30000*1 g", BOOT0_ERROR_TOO_LARGE,
      "at column 36: more than 65536 sectors" },
    { "@F/0x00000000/99999999999999999999999*1 g", BOOT0_ERROR_TOO_LARGE,
      "more than 65536 sectors" },
    { "@F/0x08000000/2*1Kg/0x08000400/1*1Kg", BOOT0_ERROR_INVALID_FILE,
      "zone at 0x08000400 overlaps the zone at 0x08000000" },
    { "@F/0x08000400/1*1Kg/0x08000000/2*1Kg", BOOT0_ERROR_INVALID_FILE,
      "zone at 0x08000400 overlaps the zone at 0x08000000" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (table); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (Boot0DfuseLayout) layout = boot0_dfuse_layout_parse (table[i].str, &error);
      g_test_message ("%s", table[i].str);
      g_assert_null (layout);
      boot0_test_assert_error (error, table[i].code, table[i].message);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/boot0/dfuse-layout/f105-rom", test_f105_rom_func);
  g_test_add_func ("/boot0/dfuse-layout/f4-rom", test_f4_rom_func);
  g_test_add_func ("/boot0/dfuse-layout/f303-rom", test_f303_rom_func);
  g_test_add_func ("/boot0/dfuse-layout/f7-rom", test_f7_rom_func);
  g_test_add_func ("/boot0/dfuse-layout/h743-rom", test_h743_rom_func);
  g_test_add_func ("/boot0/dfuse-layout/l4-rom", test_l4_rom_func);
  g_test_add_func ("/boot0/dfuse-layout/g474-rom", test_g474_rom_func);
  g_test_add_func ("/boot0/dfuse-layout/u5-rom", test_u5_rom_func);
  g_test_add_func ("/boot0/dfuse-layout/cubemx", test_cubemx_func);
  g_test_add_func ("/boot0/dfuse-layout/lookup", test_lookup_func);
  g_test_add_func ("/boot0/dfuse-layout/contains", test_contains_func);
  g_test_add_func ("/boot0/dfuse-layout/flags", test_flags_func);
  g_test_add_func ("/boot0/dfuse-layout/device-feature-quirk", test_device_feature_quirk_func);
  g_test_add_func ("/boot0/dfuse-layout/normalize", test_normalize_func);
  g_test_add_func ("/boot0/dfuse-layout/equal", test_equal_func);
  g_test_add_func ("/boot0/dfuse-layout/zone-order", test_zone_order_func);
  g_test_add_func ("/boot0/dfuse-layout/limits", test_limits_func);
  g_test_add_func ("/boot0/dfuse-layout/errors", test_errors_func);

  return g_test_run ();
}
