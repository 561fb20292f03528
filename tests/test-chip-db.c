/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests for the chip database: the built-in chips.ini, lookups by UART
 * device ID and by ROM DFU USB descriptors, and validation errors. */
#include "config.h"

#include <string.h>

#include "boot0-test-helpers.h"

#define ST_BOOTLOADER "STM32  BOOTLOADER"

static Boot0ChipDb *
default_db (void)
{
  g_autoptr (GError) error = NULL;
  Boot0ChipDb *db = boot0_chip_db_new_default (&error);
  g_assert_no_error (error);
  g_assert_nonnull (db);
  return db;
}

static void
test_default_loads_func (void)
{
  g_autoptr (Boot0ChipDb) db = default_db ();
  /* every part PROTOCOLS.md §f lists, plus the two F303 IDs and L45x, and
   * the UART-only F1, F0 and G0 parts */
  static const guint16 ids[] = { 0x410, 0x414, 0x418, 0x411, 0x413, 0x431, 0x421, 0x452,
                                 0x449, 0x450, 0x435, 0x415, 0x468, 0x469, 0x448, 0x445,
                                 0x422, 0x446, 0x462, 0x412, 0x430, 0x420, 0x428, 0x444,
                                 0x440, 0x442, 0x466, 0x456, 0x460 };

  g_assert_cmpuint (boot0_chip_db_get_n_chips (db), ==, G_N_ELEMENTS (ids));
  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    {
      Boot0Chip *chip = boot0_chip_db_lookup_by_device_id (db, ids[i]);
      Boot0DfuseLayout *layout;
      g_test_message ("device id 0x%03X", ids[i]);
      g_assert_nonnull (chip);
      g_assert_cmphex (boot0_chip_get_device_id (chip), ==, ids[i]);
      layout = boot0_chip_get_flash_layout (chip);
      g_assert_nonnull (layout);
      g_assert_cmphex (boot0_dfuse_layout_get_start (layout), ==, 0x08000000);
      g_assert_cmpuint (boot0_dfuse_layout_get_total_size (layout), ==,
                        boot0_chip_get_flash_size (chip));
      g_assert_true (boot0_chip_db_lookup_by_id (db, boot0_chip_get_id (chip)) == chip);
    }
  g_assert_null (boot0_chip_db_lookup_by_device_id (db, 0x000));
  g_assert_null (boot0_chip_db_lookup_by_device_id (db, 0x999));
  g_assert_null (boot0_chip_db_lookup_by_id (db, "STM32F999"));
}

static void
test_device_id_func (void)
{
  g_autoptr (Boot0ChipDb) db = default_db ();
  Boot0Chip *chip;
  guint32 start = 0, last = 0, ob = 0;
  const char *const *pins;

  chip = boot0_chip_db_lookup_by_device_id (db, 0x413);
  g_assert_nonnull (chip);
  g_assert_cmpstr (boot0_chip_get_name (chip), ==, "STM32F405/407/415/417");
  g_assert_cmpuint (boot0_chip_get_flash_size (chip), ==, 1024 * 1024);
  g_assert_cmpuint (boot0_dfuse_layout_get_n_sectors (boot0_chip_get_flash_layout (chip)), ==, 12);
  g_assert_true (boot0_chip_get_system_memory (chip, &start, &last));
  g_assert_cmphex (start, ==, 0x1FFF0000);
  g_assert_cmphex (last, ==, 0x1FFF77FF);
  g_assert_true (boot0_chip_get_option_bytes (chip, &ob));
  g_assert_cmphex (ob, ==, 0x1FFFC000);
  g_assert_true (boot0_chip_has_usb_dfu (chip));
  pins = boot0_chip_get_usart_pins (chip);
  g_assert_cmpuint (g_strv_length ((GStrv)pins), ==, 3);
  g_assert_cmpstr (pins[0], ==, "USART1 PA10/PA9");

  /* F103 has no ROM DFU */
  chip = boot0_chip_db_lookup_by_device_id (db, 0x410);
  g_assert_nonnull (chip);
  g_assert_false (boot0_chip_has_usb_dfu (chip));
  g_assert_cmpuint (boot0_chip_get_flash_size (chip), ==, 128 * 1024);
  g_assert_cmpuint (boot0_dfuse_layout_get_n_sectors (boot0_chip_get_flash_layout (chip)), ==, 128);
  g_assert_cmpuint (boot0_dfuse_layout_get_sector (boot0_chip_get_flash_layout (chip), 0)->size, ==,
                    1024);

  chip = boot0_chip_db_lookup_by_device_id (db, 0x414);
  g_assert_nonnull (chip);
  g_assert_cmpuint (boot0_dfuse_layout_get_sector (boot0_chip_get_flash_layout (chip), 0)->size, ==,
                    2048);

  chip = boot0_chip_db_lookup_by_device_id (db, 0x450);
  g_assert_nonnull (chip);
  g_assert_cmpuint (boot0_chip_get_flash_size (chip), ==, 2 * 1024 * 1024);
  g_assert_true (boot0_chip_get_option_bytes (chip, &ob));
  g_assert_cmphex (ob, ==, 0x5200201C);
  g_assert_true (boot0_chip_get_system_memory (chip, &start, &last));
  g_assert_cmphex (last, ==, 0x1FF1E7FF);

  chip = boot0_chip_db_lookup_by_device_id (db, 0x431);
  g_assert_nonnull (chip);
  g_assert_cmpuint (boot0_chip_get_flash_size (chip), ==, 512 * 1024);

  /* L4 layouts are written zero-padded and still 2 KiB pages */
  chip = boot0_chip_db_lookup_by_device_id (db, 0x415);
  g_assert_nonnull (chip);
  g_assert_cmpuint (boot0_dfuse_layout_get_n_sectors (boot0_chip_get_flash_layout (chip)), ==, 512);

  chip = boot0_chip_db_lookup_by_device_id (db, 0x445);
  g_assert_nonnull (chip);
  g_assert_cmpuint (boot0_chip_get_flash_size (chip), ==, 32 * 1024);
  g_assert_true (boot0_chip_get_system_memory (chip, &start, &last));
  g_assert_cmphex (start, ==, 0x1FFFC400);
}

typedef struct
{
  guint16 vid;
  guint16 pid;
  guint16 bcd;
  const char *product;
  const char *alts[4];
  const char *expected; /* describe_usb() */
  const char *id;       /* lookup_by_usb() group, NULL = no unique match */
} UsbCase;

static void
test_usb_func (void)
{
  g_autoptr (Boot0ChipDb) db = default_db ();
  static const char *const f4_flash = "@Internal Flash  /0x08000000/04*016Kg,01*064Kg,07*128Kg";
  static const char *const f4_ob = "@Option Bytes  /0x1FFFC000/01*016 g";
  static const UsbCase cases[] = {
    /* F4 ROM, as dfu-util's stm32f4discovery log shows it */
    { 0x0483,
      0xDF11,
      0x2100,
      ST_BOOTLOADER,
      { f4_flash, f4_ob, "@OTP Memory /0x1FFF7800/01*512 g,01*016 g",
        "@Device Feature/0xFFFF0000/01*004 g" },
      "STM32F405/407/415/417",
      "STM32F405" },
    { 0x0483,
      0xDF11,
      0x2200,
      ST_BOOTLOADER,
      { f4_flash, f4_ob },
      "STM32F405/407/415/417",
      "STM32F405" },
    /* the same layout with another bcdDevice: only the F2 entry is left */
    { 0x0483,
      0xDF11,
      0x2000,
      ST_BOOTLOADER,
      { f4_flash, f4_ob },
      "STM32F205/207/215/217",
      "STM32F205" },
    /* iProduct unreadable: no veto */
    { 0x0483, 0xDF11, 0x2100, NULL, { f4_flash }, "STM32F405/407/415/417", "STM32F405" },
    { 0x0483,
      0xDF11,
      0x0200,
      "DFU in FS Mode",
      { "@Internal Flash  /0x08000000/16*128Kg", "@Option Bytes  /0x5200201C/01*128 e" },
      "STM32H742/743/750/753",
      "STM32H743" },
    /* L4 ROM strings, zero-padded (ISBootloaderDFU.h) */
    { 0x0483,
      0xDF11,
      0x0200,
      ST_BOOTLOADER,
      { "@Internal Flash  /0x08000000/0256*0002Kg", "@Option Bytes  /0x1FFF7800/01*040 e",
        "@OTP Memory /0x1FFF7000/01*0001Ke", "@Device Feature/0xFFFF0000/01*004 e" },
      "STM32L451/452/462",
      "STM32L452" },
    /* a 1 MB L47x, matched through flash-layout; padding differs */
    { 0x0483,
      0xDF11,
      0x0200,
      ST_BOOTLOADER,
      { "@Internal Flash   /0x08000000/512*02Kg", "@Option Bytes  /0x1FFF7800/01*040 e" },
      "STM32L471/475/476/486",
      "STM32L476" },
    { 0x0483,
      0xDF11,
      0x2000,
      ST_BOOTLOADER,
      { "@Internal Flash  /0x08000000/128*002Kg", "@Option Bytes  /0x1FFFF800/01*016 g" },
      "STM32F105/107",
      "STM32F105" },
    /* same sectors as F105/107; bcdDevice tells F303 */
    { 0x0483,
      0xDF11,
      0x2200,
      ST_BOOTLOADER,
      { "@Internal Flash  /0x08000000/128*0002Kg", "@Option Bytes  /0x1FFFF800/01*016 e" },
      "STM32F302xB/C, F303xB/C, F358",
      "STM32F303-BC" },
    { 0x0483,
      0xDF11,
      0x0200,
      ST_BOOTLOADER,
      { "@Internal Flash  /0x08000000/256*02Kg",
        "@Option Bytes   /0x1FFF7800/01*048 e/0x1FFFF800/01*048 e" },
      "STM32G471/473/474/483/484",
      "STM32G474" },
    /* F411 and F446 ROMs cannot be told apart by their descriptors */
    { 0x0483,
      0xDF11,
      0x2200,
      ST_BOOTLOADER,
      { "@Internal Flash  /0x08000000/04*016Kg,01*064Kg,03*128Kg", f4_ob },
      "STM32F411 or STM32F446",
      NULL },
    /* ...but the F7 option bytes live elsewhere (synthetic OB string) */
    { 0x0483,
      0xDF11,
      0x2200,
      ST_BOOTLOADER,
      { "@Internal Flash  /0x08000000/04*016Kg,01*64Kg,03*128Kg",
        "@Option Bytes  /0x1FFF0000/01*032 e" },
      "STM32F722/723/732/733",
      "STM32F722" },
    /* CubeMX custom bootloaders: read-only sectors */
    { 0x0483,
      0xDF11,
      0x2200,
      ST_BOOTLOADER,
      { "@Internal Flash   /0x08000000/03*016Ka,01*016Kg,01*064Kg,07*128Kg" },
      BOOT0_CHIP_DB_CUSTOM_LABEL,
      NULL },
    { 0x0483,
      0xDF11,
      0x0200,
      "STM32 DFU",
      { "@Internal Flash   /0x08000000/02*016Ka,02*016Kg,01*064Kg,07*128Kg" },
      BOOT0_CHIP_DB_CUSTOM_LABEL,
      NULL },
    /* ROM layout but not the ROM's VID/PID */
    { 0x1209,
      0xDF11,
      0x2100,
      ST_BOOTLOADER,
      { f4_flash, f4_ob },
      BOOT0_CHIP_DB_CUSTOM_LABEL,
      NULL },
    { 0x0483,
      0x5740,
      0x2100,
      ST_BOOTLOADER,
      { f4_flash, f4_ob },
      BOOT0_CHIP_DB_CUSTOM_LABEL,
      NULL },
    /* wrong iProduct, no Internal Flash alt, garbage alts */
    { 0x0483,
      0xDF11,
      0x2100,
      "DFU in FS Mode",
      { f4_flash, f4_ob },
      BOOT0_CHIP_DB_CUSTOM_LABEL,
      NULL },
    { 0x0483, 0xDF11, 0x2100, ST_BOOTLOADER, { f4_ob }, BOOT0_CHIP_DB_CUSTOM_LABEL, NULL },
    { 0x0483,
      0xDF11,
      0x2100,
      ST_BOOTLOADER,
      { "@Internal Flash", "", "garbage" },
      BOOT0_CHIP_DB_CUSTOM_LABEL,
      NULL },
    /* the first Internal Flash alt counts, even after junk */
    { 0x0483,
      0xDF11,
      0x2100,
      ST_BOOTLOADER,
      { "nonsense", f4_flash, f4_ob },
      "STM32F405/407/415/417",
      "STM32F405" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const UsbCase *c = &cases[i];
      Boot0UsbFingerprint fp = { 0 };
      g_autofree char *label = NULL;
      Boot0Chip *chip;

      fp.vid = c->vid;
      fp.pid = c->pid;
      fp.bcd_device = c->bcd;
      fp.product = c->product;
      fp.alt_settings = c->alts;
      while (fp.n_alt_settings < G_N_ELEMENTS (c->alts) && c->alts[fp.n_alt_settings] != NULL)
        fp.n_alt_settings++;

      g_test_message ("case %u: %s", i, c->expected);
      label = boot0_chip_db_describe_usb (db, &fp);
      g_assert_cmpstr (label, ==, c->expected);
      chip = boot0_chip_db_lookup_by_usb (db, &fp);
      if (c->id == NULL)
        g_assert_null (chip);
      else
        {
          g_assert_nonnull (chip);
          g_assert_cmpstr (boot0_chip_get_id (chip), ==, c->id);
        }
    }
}

static void
test_usb_null_alts_func (void)
{
  g_autoptr (Boot0ChipDb) db = default_db ();
  const char *alts[] = { NULL, "@Internal Flash  /0x08000000/16*128Kg", NULL };
  Boot0UsbFingerprint fp = { 0x0483, 0xDF11, 0x0200, "DFU in FS Mode", alts, 3 };
  g_autoptr (GPtrArray) matches = boot0_chip_db_match_usb (db, &fp);

  g_assert_cmpuint (matches->len, ==, 1);
  g_assert_cmpstr (boot0_chip_get_id (g_ptr_array_index (matches, 0)), ==, "STM32H743");
  fp.n_alt_settings = 0;
  g_assert_null (boot0_chip_db_lookup_by_usb (db, &fp));
}

/* A valid entry; tests append or replace lines. */
#define GOOD_ENTRY                                                                                 \
  "[A]\n"                                                                                          \
  "name=Chip A\n"                                                                                  \
  "device-id=0x413\n"                                                                              \
  "flash-size=1048576\n"                                                                           \
  "flash-layout=@Internal Flash/0x08000000/04*016Kg,01*064Kg,07*128Kg\n"                           \
  "usb-dfu=true\n"

static void
test_from_data_func (void)
{
  const char *data = "# comment\n" GOOD_ENTRY "system-memory=0x1FFF0000 - 0x1FFF77FF\n"
                     "option-bytes=536854528\n"
                     "usart-pins=USART1 PA10/PA9;USART3 PB11/PB10\n"
                     "usb-bcd-device=0x2100;8704\n"
                     "usb-product=STM32  BOOTLOADER\n"
                     "usb-flash-alt=@Internal Flash/0x08000000/4*16Kg,1*64Kg,7*128Kg;"
                     "@Internal Flash/0x08000000/4*16Kg,1*64Kg,3*128Kg\n"
                     "\n[B]\nname=Chip B\ndevice-id=1040\nflash-size=0x20000\n"
                     "flash-layout=@F/0x08000000/128*1Kg\nusb-dfu=false\n";
  g_autoptr (GError) error = NULL;
  g_autoptr (Boot0ChipDb) db = boot0_chip_db_new_from_data (data, strlen (data), &error);
  Boot0Chip *a, *b;
  guint32 start, last, ob;
  const char *alts[] = { "@Internal Flash/0x08000000/4*16Kg,1*64Kg,3*128Kg" };
  Boot0UsbFingerprint fp = { 0x0483, 0xDF11, 0x2200, "STM32  BOOTLOADER", alts, 1 };

  g_assert_no_error (error);
  g_assert_cmpuint (boot0_chip_db_get_n_chips (db), ==, 2);
  a = boot0_chip_db_get_chip (db, 0);
  b = boot0_chip_db_get_chip (db, 1);
  g_assert_cmpstr (boot0_chip_get_id (a), ==, "A");
  g_assert_true (boot0_chip_get_system_memory (a, &start, &last));
  g_assert_cmphex (start, ==, 0x1FFF0000);
  g_assert_cmphex (last, ==, 0x1FFF77FF);
  g_assert_true (boot0_chip_get_option_bytes (a, &ob));
  g_assert_cmphex (ob, ==, 0x1FFFC000);
  g_assert_cmpuint (g_strv_length ((GStrv)boot0_chip_get_usart_pins (a)), ==, 2);
  /* the second usb-flash-alt is accepted too */
  g_assert_true (boot0_chip_db_lookup_by_usb (db, &fp) == a);

  g_assert_cmphex (boot0_chip_get_device_id (b), ==, 0x410);
  g_assert_cmpuint (boot0_chip_get_flash_size (b), ==, 128 * 1024);
  g_assert_false (boot0_chip_get_system_memory (b, NULL, NULL));
  g_assert_false (boot0_chip_get_option_bytes (b, NULL));
  g_assert_false (boot0_chip_has_usb_dfu (b));
  g_assert_nonnull (boot0_chip_get_usart_pins (b));
  g_assert_null (boot0_chip_get_usart_pins (b)[0]);
  g_assert_true (boot0_chip_db_lookup_by_id (db, "b") == b);
}

static void
test_errors_func (void)
{
  static const struct
  {
    const char *data;
    const char *message;
  } table[] = {
    { "", "no chip entries" },
    { "# only a comment\n", "no chip entries" },
    { "name=x\n", "" }, /* GKeyFile: key outside a group */
    { "[A]\nname=Chip A\ndevice-id=0x413\nflash-size=1048576\nusb-dfu=true\n",
      "group [A]: missing required key flash-layout" },
    { "[A]\ndevice-id=0x413\n", "group [A]: missing required key name" },
    { "[A]\nname=Chip A\ndevice-id=0x413\nflash-size=1048576\n"
      "flash-layout=@Internal Flash/0x08000000/04*016Kg,01*064Kg,07*128Kg\n",
      "group [A]: missing required key usb-dfu" },
    { "[A]\nname=Chip A\nflash-size=1048576\n", "group [A]: missing required key device-id" },
    { "[A]\nname=\ndevice-id=0x413\n", "group [A], key name: empty name" },
    { GOOD_ENTRY "bogus=1\n", "group [A], key bogus: unknown key" },
    { "[A]\nname=Chip A\ndevice-id=0x41G\n", "group [A], key device-id: '0x41G' is not a number" },
    { "[A]\nname=Chip A\ndevice-id=0x10000\n",
      "group [A], key device-id: '0x10000' is not a number from 0 to 0xFFFF" },
    { "[A]\nname=Chip A\ndevice-id=-1\n", "group [A], key device-id: '-1' is not a number" },
    { "[A]\nname=Chip A\ndevice-id=0x413\nflash-size=1M\n",
      "group [A], key flash-size: '1M' is not a number" },
    { "[A]\nname=Chip A\ndevice-id=0x413\nflash-size=0\n",
      "group [A], key flash-size: must not be 0" },
    { "[A]\nname=Chip A\ndevice-id=0x413\nflash-size=1048576\n"
      "flash-layout=@Internal Flash/0x08000000/04*016Kx\n",
      "group [A], key flash-layout: '@Internal Flash/0x08000000/04*016Kx': at column 35: unknown "
      "sector type 'x'" },
    { "[A]\nname=Chip A\ndevice-id=0x413\nflash-size=1048576\n"
      "flash-layout=@Internal Flash/0x08000000/04*016Kg\n",
      "group [A], key flash-layout: covers 65536 bytes but flash-size is 1048576" },
    { GOOD_ENTRY "usb-dfu=maybe\n", "group [A], key usb-dfu: 'maybe' is not true or false" },
    { GOOD_ENTRY "system-memory=0x1FFF0000\n",
      "group [A], key system-memory: '0x1FFF0000' is not a range START-LAST" },
    { GOOD_ENTRY "system-memory=0x1FFF77FF-0x1FFF0000\n", "group [A], key system-memory:" },
    { GOOD_ENTRY "option-bytes=0x1FFFC000x\n",
      "group [A], key option-bytes: '0x1FFFC000x' is not a number" },
    { GOOD_ENTRY "usb-bcd-device=0x2100;0x2X00\n",
      "group [A], key usb-bcd-device: '0x2X00' is not a number" },
    { GOOD_ENTRY "usb-flash-alt=@Internal Flash/0x08000000/0*16Kg\n",
      "group [A], key usb-flash-alt: '@Internal Flash/0x08000000/0*16Kg': at column 28: sector "
      "count 0" },
    { "[A]\nname=Chip A\ndevice-id=0x410\nflash-size=1024\nflash-layout=@F/0x08000000/1*1Kg\n"
      "usb-dfu=false\nusb-product=STM32  BOOTLOADER\n",
      "group [A], key usb-product: given but usb-dfu is false" },
    { GOOD_ENTRY "\n[B]\nname=Chip B\ndevice-id=1043\nflash-size=1024\n"
                 "flash-layout=@F/0x08000000/1*1Kg\nusb-dfu=false\n",
      "group [B], key device-id: 0x413 is already used by group [A]" },
    { GOOD_ENTRY "\n[A]\nname=Chip A again\n", "line 8: group [A] appears twice" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (table); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (Boot0ChipDb) db =
          boot0_chip_db_new_from_data (table[i].data, strlen (table[i].data), &error);
      g_test_message ("case %u: %s", i, table[i].message);
      g_assert_null (db);
      boot0_test_assert_error (error, BOOT0_ERROR_INVALID_FILE, table[i].message);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/boot0/chip-db/default-loads", test_default_loads_func);
  g_test_add_func ("/boot0/chip-db/device-id", test_device_id_func);
  g_test_add_func ("/boot0/chip-db/usb", test_usb_func);
  g_test_add_func ("/boot0/chip-db/usb-null-alts", test_usb_null_alts_func);
  g_test_add_func ("/boot0/chip-db/from-data", test_from_data_func);
  g_test_add_func ("/boot0/chip-db/errors", test_errors_func);

  return g_test_run ();
}
