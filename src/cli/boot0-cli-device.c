/* SPDX-License-Identifier: GPL-3.0-or-later */
/* boot0-cli: finding the device (--serial, --path, --wait), list and info. */
#include "config.h"

#include <glib-unix.h>
#include <glib/gi18n.h>
#include <stdio.h>

#include "boot0-cli.h"

/* The --entry presets, for the commands' --help. */
static char *
entry_help (void)
{
  const Boot0UartEntryPreset *presets = boot0_uart_entry_get_presets ();
  GString *out = g_string_new (
      _ ("With --uart, --entry takes a preset or a sequence ENTRY[:EXIT] of the steps rts, dtr,\n"
         "brk (assert; '-rts' releases), NNNms (a delay), separated by ',' (100 ms apart) or\n"
         "'&' (at once), as stm32flash -i. An asserted line drives a TTL adapter's pin LOW.\n"
         "Presets:\n"));

  for (guint i = 0; presets[i].name != NULL; i++)
    {
      g_string_append_printf (out, "  %-20s %s\n", presets[i].name, _ (presets[i].description));
      if (*presets[i].sequence != '\0')
        g_string_append_printf (out, "  %-20s = %s\n", "", presets[i].sequence);
    }
  return g_string_free (out, FALSE);
}

void
boot0_cli_device_options_add (GOptionContext *context, Boot0CliDeviceOptions *opts)
{
  const GOptionEntry uart_entries[] = {
    { "uart", 'u', 0, G_OPTION_ARG_STRING, &opts->uart,
      N_ ("Use the STM32 bootloader on this serial port (AN3155) instead of USB"), N_ ("PORT") },
    { "baud", 'b', 0, G_OPTION_ARG_INT, &opts->baud, N_ ("With --uart: baud rate (default 115200)"),
      N_ ("N") },
    { "parity", 0, 0, G_OPTION_ARG_STRING, &opts->parity,
      N_ ("With --uart: even (default, as the bootloader needs), none or odd"), N_ ("PARITY") },
    { "entry", 0, 0, G_OPTION_ARG_STRING, &opts->entry,
      N_ ("With --uart: DTR/RTS sequence into the bootloader[:and out], or a preset (default "
          "none; see below)"),
      N_ ("SEQ") },
    { NULL },
  };
  g_autofree char *description = entry_help ();
  const GOptionEntry entries[] = {
    { "serial", 's', 0, G_OPTION_ARG_STRING, &opts->serial,
      N_ ("Use the device with this serial number"), N_ ("SERIAL") },
    { "path", 'p', 0, G_OPTION_ARG_STRING, &opts->path,
      N_ ("Use the device at this USB port path (see 'list'), e.g. 1-2.3"), N_ ("PATH") },
    { "wait", 'w', 0, G_OPTION_ARG_NONE, &opts->wait,
      N_ ("Wait for a device to arrive instead of failing when there is none"), NULL },
    { "timeout", 0, 0, G_OPTION_ARG_INT, &opts->timeout,
      N_ ("With --wait, give up after this many seconds (default: wait forever)"), N_ ("SECONDS") },
    { "json", 0, 0, G_OPTION_ARG_NONE, &opts->json, N_ ("Print machine-readable JSON"), NULL },
    { NULL },
  };
  GOptionGroup *group = g_option_group_new ("device", _ ("Device selection"),
                                            _ ("Show device selection options"), NULL, NULL);
  g_option_group_add_entries (group, entries);
  g_option_group_set_translation_domain (group, GETTEXT_PACKAGE);
  g_option_context_add_group (context, group);
  g_option_context_add_main_entries (context, uart_entries, GETTEXT_PACKAGE);
  g_option_context_set_description (context, description);
  g_option_context_set_help_enabled (context, TRUE);
}

void
boot0_cli_device_options_clear (Boot0CliDeviceOptions *opts)
{
  g_clear_pointer (&opts->serial, g_free);
  g_clear_pointer (&opts->path, g_free);
  g_clear_pointer (&opts->uart, g_free);
  g_clear_pointer (&opts->parity, g_free);
  g_clear_pointer (&opts->entry, g_free);
}

int
boot0_cli_check_not_protected (Boot0Device *device)
{
  if (boot0_device_get_protection (device) != BOOT0_PROTECTION_READ_PROTECTED)
    return EX_OK;
  g_printerr (_ ("boot0-cli: read protection is active on %s: the bootloader refuses to read, "
                 "write or erase the flash. `boot0-cli unprotect read%s%s` removes it, which "
                 "erases the whole flash.\n"),
              boot0_device_get_label (device),
              boot0_device_get_kind (device) == BOOT0_DEVICE_KIND_UART ? " --uart " : "",
              boot0_device_get_kind (device) == BOOT0_DEVICE_KIND_UART
                  ? boot0_device_get_path (device)
                  : "");
  return EX_NOPERM;
}

/* --uart: the device on that port, opened (its layout comes from Get ID). */
static int
find_uart_device (const Boot0CliDeviceOptions *opts, Boot0Device **device_out)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (Boot0ChipDb) db = NULL;
  g_autoptr (Boot0UartEntry) entry = NULL;
  g_autoptr (Boot0UartDevice) dev = NULL;
  Boot0Parity parity = BOOT0_PARITY_EVEN;

  if (opts->serial != NULL || opts->path != NULL || opts->wait)
    {
      g_printerr (_ ("boot0-cli: --serial, --path and --wait select USB devices; with --uart the "
                     "serial port is the device\n"));
      return EX_USAGE;
    }
  if (opts->baud < 0 || (opts->baud > 0 && (opts->baud < 1200 || opts->baud > 4000000)))
    {
      g_printerr (_ ("boot0-cli: --baud %d is out of range: the STM32 bootloader takes 1200 to "
                     "115200 baud (more on some parts)\n"),
                  opts->baud);
      return EX_USAGE;
    }
  if (opts->parity != NULL && !boot0_parity_from_string (opts->parity, &parity))
    {
      g_printerr (_ ("boot0-cli: --parity takes even, none or odd, not '%s'\n"), opts->parity);
      return EX_USAGE;
    }
  entry = boot0_uart_entry_parse (opts->entry, &error);
  if (entry == NULL)
    {
      g_printerr (_ ("boot0-cli: --entry: %s\n"), error->message);
      return EX_USAGE;
    }
  db = boot0_chip_db_new_default (&error);
  if (db == NULL)
    return boot0_cli_fail (error);
  dev =
      boot0_uart_device_new (opts->uart, opts->baud > 0 ? (guint)opts->baud : 0, parity, entry, db);
  if (!boot0_device_open (BOOT0_DEVICE (dev), &error))
    return boot0_cli_fail (error);
  *device_out = BOOT0_DEVICE (g_steal_pointer (&dev));
  return EX_OK;
}

static gboolean
matches (Boot0Device *dev, const Boot0CliDeviceOptions *opts)
{
  if (opts->serial != NULL && g_strcmp0 (boot0_device_get_serial (dev), opts->serial) != 0)
    return FALSE;
  if (opts->path != NULL && g_strcmp0 (boot0_device_get_path (dev), opts->path) != 0)
    return FALSE;
  return TRUE;
}

typedef struct
{
  const Boot0CliDeviceOptions *opts;
  Boot0Device *found;
  GMainLoop *loop;
  gboolean timed_out;
  gboolean interrupted;
} WaitData;

static void
device_added_cb (Boot0UsbContext *ctx, Boot0DfuseDevice *dev, gpointer user_data)
{
  WaitData *wd = user_data;
  if (wd->found == NULL && matches (BOOT0_DEVICE (dev), wd->opts))
    {
      wd->found = g_object_ref (BOOT0_DEVICE (dev));
      g_main_loop_quit (wd->loop);
    }
}

static gboolean
wait_timeout_cb (gpointer user_data)
{
  WaitData *wd = user_data;
  wd->timed_out = TRUE;
  g_main_loop_quit (wd->loop);
  return G_SOURCE_REMOVE;
}

static gboolean
wait_interrupt_cb (gpointer user_data)
{
  WaitData *wd = user_data;
  wd->interrupted = TRUE;
  g_main_loop_quit (wd->loop);
  return G_SOURCE_REMOVE;
}

static char *
describe_filter (const Boot0CliDeviceOptions *opts)
{
  if (opts->serial != NULL && opts->path != NULL)
    return g_strdup_printf (_ ("with serial %s at %s"), opts->serial, opts->path);
  if (opts->serial != NULL)
    return g_strdup_printf (_ ("with serial %s"), opts->serial);
  if (opts->path != NULL)
    return g_strdup_printf (_ ("at %s"), opts->path);
  return g_strdup ("");
}

/* A device Boot0 could not open when it was described (no udev rule) has
 * no memories yet: open it now, so the user learns why it cannot be used,
 * or, if the permission came since, what it is. */
static int
check_access (Boot0Device *dev)
{
  g_autoptr (GError) error = NULL;

  if (!BOOT0_IS_DFUSE_DEVICE (dev) ||
      !boot0_dfuse_device_get_names_unread (BOOT0_DFUSE_DEVICE (dev)))
    return EX_OK;
  if (!boot0_device_open (dev, &error))
    return boot0_cli_fail (error);
  boot0_device_close (dev);
  return EX_OK;
}

int
boot0_cli_find_device (const Boot0CliDeviceOptions *opts, Boot0UsbContext **ctx_out,
                       Boot0Device **device_out)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (Boot0ChipDb) db = boot0_chip_db_new_default (&error);
  g_autoptr (Boot0UsbContext) ctx = NULL;
  g_autoptr (GPtrArray) devices = NULL;
  g_autoptr (GPtrArray) matching = g_ptr_array_new ();
  g_autofree char *filter = describe_filter (opts);

  *ctx_out = NULL;
  if (opts->uart != NULL)
    return find_uart_device (opts, device_out);
  if (opts->baud != 0 || opts->parity != NULL || opts->entry != NULL)
    {
      g_printerr (_ ("boot0-cli: --baud, --parity and --entry apply to a serial port: add --uart "
                     "PORT (boot0-cli ports lists them)\n"));
      return EX_USAGE;
    }
  if (db == NULL)
    return boot0_cli_fail (error);
  ctx = boot0_usb_context_new (db, &error);
  if (ctx == NULL)
    return boot0_cli_fail (error);
  devices = boot0_usb_context_list_devices (ctx, &error);
  if (devices == NULL && !opts->wait)
    return boot0_cli_fail (error);
  g_clear_error (&error);
  for (guint i = 0; devices != NULL && i < devices->len; i++)
    {
      Boot0Device *dev = g_ptr_array_index (devices, i);
      if (matches (dev, opts))
        g_ptr_array_add (matching, dev);
    }
  if (matching->len > 1)
    {
      g_printerr (_ ("boot0-cli: %u devices are connected; choose one with --serial or --path:\n"),
                  matching->len);
      for (guint i = 0; i < matching->len; i++)
        {
          Boot0Device *dev = g_ptr_array_index (matching, i);
          g_printerr ("  --path %s  --serial %s  (%s)\n", boot0_device_get_path (dev),
                      boot0_device_get_serial (dev) != NULL ? boot0_device_get_serial (dev) : "-",
                      boot0_device_get_label (dev));
        }
      return EX_USAGE;
    }
  if (matching->len == 1)
    {
      int rc = check_access (g_ptr_array_index (matching, 0));
      if (rc != EX_OK)
        return rc;
      *device_out = g_object_ref (g_ptr_array_index (matching, 0));
      *ctx_out = g_steal_pointer (&ctx);
      return EX_OK;
    }
  if (!opts->wait)
    {
      g_printerr (_ ("boot0-cli: no STM32 bootloader (USB DFU device) found%s%s. Put the board in "
                     "bootloader mode: BOOT0 high (to 3.3 V), then reset or plug it in; use a "
                     "data USB cable, not a charge-only one. Or add --wait.\n"),
                  *filter != '\0' ? " " : "", filter);
      return EX_UNAVAILABLE;
    }

  {
    g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);
    WaitData wd = { .opts = opts, .loop = loop };
    guint timeout_id = 0;
    guint sigint_id = g_unix_signal_add (SIGINT, wait_interrupt_cb, &wd);
    gulong handler = g_signal_connect (ctx, "device-added", G_CALLBACK (device_added_cb), &wd);

    if (opts->timeout > 0)
      timeout_id = g_timeout_add_seconds ((guint)opts->timeout, wait_timeout_cb, &wd);
    if (!opts->json)
      g_printerr (_ ("Waiting for a device%s%s (put the board in bootloader mode)…\n"),
                  *filter != '\0' ? " " : "", filter);
    if (!boot0_usb_context_watch (ctx, &error))
      return boot0_cli_fail (error);
    if (wd.found == NULL)
      g_main_loop_run (loop);
    g_signal_handler_disconnect (ctx, handler);
    boot0_usb_context_unwatch (ctx);
    g_source_remove (sigint_id);
    if (timeout_id != 0 && !wd.timed_out)
      g_source_remove (timeout_id);
    if (wd.found == NULL)
      {
        if (wd.interrupted)
          return BOOT0_CLI_EXIT_INTERRUPTED;
        g_printerr (_ ("boot0-cli: no device arrived within %d seconds\n"), opts->timeout);
        return EX_UNAVAILABLE;
      }
    {
      int rc = check_access (wd.found);
      if (rc != EX_OK)
        {
          g_object_unref (wd.found);
          return rc;
        }
    }
    *device_out = wd.found;
    *ctx_out = g_steal_pointer (&ctx);
    return EX_OK;
  }
}

static char *
format_size (guint64 size)
{
  if (size >= 1024 * 1024 && size % (1024 * 1024) == 0)
    return g_strdup_printf ("%" G_GUINT64_FORMAT " MiB", size / (1024 * 1024));
  if (size >= 1024 && size % 1024 == 0)
    return g_strdup_printf ("%" G_GUINT64_FORMAT " KiB", size / 1024);
  return g_strdup_printf ("%" G_GUINT64_FORMAT " B", size);
}

static void
json_device (GString *out, Boot0Device *dev, gboolean with_memories)
{
  Boot0DfuseLayout *flash = boot0_device_get_flash (dev);
  Boot0Chip *chip = boot0_device_get_chip (dev);

  g_string_append (out, "{\"label\": ");
  boot0_cli_json_string (out, boot0_device_get_label (dev));
  g_string_append_printf (out, ", \"kind\": \"%s\"",
                          boot0_device_kind_to_string (boot0_device_get_kind (dev)));
  g_string_append (out, ", \"chip\": ");
  if (chip != NULL)
    boot0_cli_json_string (out, boot0_chip_get_name (chip));
  else
    g_string_append (out, "null");
  g_string_append (out, ", \"path\": ");
  boot0_cli_json_string (out, boot0_device_get_path (dev));
  g_string_append (out, ", \"serial\": ");
  if (boot0_device_get_serial (dev) != NULL)
    boot0_cli_json_string (out, boot0_device_get_serial (dev));
  else
    g_string_append (out, "null");
  g_string_append (out, ", \"bootloader\": ");
  boot0_cli_json_string (out, boot0_device_get_bootloader_version (dev));
  if (BOOT0_IS_DFUSE_DEVICE (dev))
    {
      Boot0DfuseDevice *d = BOOT0_DFUSE_DEVICE (dev);
      g_string_append_printf (
          out, ", \"vid\": \"0x%04X\", \"pid\": \"0x%04X\", \"bcd_device\": \"0x%04X\"",
          boot0_dfuse_device_get_vid (d), boot0_dfuse_device_get_pid (d),
          boot0_dfuse_device_get_bcd_device (d));
    }
  if (BOOT0_IS_UART_DEVICE (dev))
    {
      Boot0UartDevice *u = BOOT0_UART_DEVICE (dev);
      GBytes *cmds = boot0_uart_device_get_commands (u);
      gsize n = 0;
      const guint8 *codes = cmds != NULL ? g_bytes_get_data (cmds, &n) : NULL;
      g_string_append_printf (
          out,
          ", \"baud\": %u, \"parity\": \"%s\", \"device_id\": \"0x%03X\", \"version\": "
          "\"%u.%u\", \"erase_command\": \"0x%02X\", \"commands\": [",
          boot0_uart_device_get_baud (u), boot0_parity_to_string (boot0_uart_device_get_parity (u)),
          boot0_uart_device_get_device_id (u), boot0_uart_device_get_version (u) >> 4,
          boot0_uart_device_get_version (u) & 0xF, boot0_uart_device_get_erase_opcode (u));
      for (gsize i = 0; i < n; i++)
        g_string_append_printf (out, "%s\"0x%02X\"", i > 0 ? ", " : "", codes[i]);
      g_string_append (out, "]");
    }
  g_string_append_printf (out, ", \"transfer_size\": %" G_GSIZE_FORMAT,
                          boot0_device_get_transfer_size (dev));
  if (flash != NULL)
    g_string_append_printf (
        out, ", \"flash_start\": \"0x%08X\", \"flash_size\": %" G_GUINT64_FORMAT,
        boot0_dfuse_layout_get_start (flash), boot0_dfuse_layout_get_total_size (flash));
  if (with_memories)
    {
      GPtrArray *mems = boot0_device_get_memories (dev);
      g_string_append_printf (out, ", \"protection\": \"%s\"",
                              boot0_protection_to_string (boot0_device_get_protection (dev)));
      g_string_append (out, ", \"memories\": [");
      for (guint i = 0; i < mems->len; i++)
        {
          Boot0DfuseLayout *l = g_ptr_array_index (mems, i);
          g_string_append (out, i > 0 ? ", {\"name\": " : "{\"name\": ");
          boot0_cli_json_string (out, boot0_dfuse_layout_get_name (l));
          g_string_append_printf (
              out, ", \"start\": \"0x%08X\", \"size\": %" G_GUINT64_FORMAT ", \"sectors\": [",
              boot0_dfuse_layout_get_start (l), boot0_dfuse_layout_get_total_size (l));
          for (guint s = 0; s < boot0_dfuse_layout_get_n_sectors (l); s++)
            {
              const Boot0DfuseSector *sec = boot0_dfuse_layout_get_sector (l, s);
              g_string_append_printf (
                  out, "%s{\"address\": \"0x%08X\", \"size\": %u, \"flags\": \"%s\"}",
                  s > 0 ? ", " : "", sec->address, sec->size,
                  boot0_dfuse_sector_flags_to_short_string (sec->flags));
            }
          g_string_append (out, "]}");
        }
      g_string_append (out, "]");
    }
  g_string_append (out, "}");
}

static int
list_run (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = g_option_context_new (NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (Boot0ChipDb) db = NULL;
  g_autoptr (Boot0UsbContext) ctx = NULL;
  g_autoptr (GPtrArray) devices = NULL;
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_ ("Print machine-readable JSON"), NULL },
    { NULL },
  };

  g_option_context_set_summary (context, _ ("List the STM32 bootloaders (USB DFU devices) "
                                            "connected: path, serial, chip, bootloader version."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return boot0_cli_usage ("list", error->message);
  if (argc != 1)
    return boot0_cli_usage ("list", _ ("list takes no arguments"));

  db = boot0_chip_db_new_default (&error);
  if (db == NULL)
    return boot0_cli_fail (error);
  ctx = boot0_usb_context_new (db, &error);
  if (ctx == NULL)
    return boot0_cli_fail (error);
  devices = boot0_usb_context_list_devices (ctx, &error);
  if (devices == NULL)
    return boot0_cli_fail (error);

  if (json)
    {
      g_autoptr (GString) out = g_string_new ("[");
      for (guint i = 0; i < devices->len; i++)
        {
          if (i > 0)
            g_string_append (out, ", ");
          json_device (out, g_ptr_array_index (devices, i), FALSE);
        }
      g_string_append (out, "]\n");
      g_print ("%s", out->str);
      return EX_OK;
    }
  if (devices->len == 0)
    {
      g_print (_ ("No STM32 bootloader found. Put the board in bootloader mode (BOOT0 high, then "
                  "reset) and use a data USB cable.\n"));
      return EX_OK;
    }
  g_print ("%-10s %-14s %-28s %s\n", _ ("PATH"), _ ("SERIAL"), _ ("CHIP"), _ ("BOOTLOADER"));
  for (guint i = 0; i < devices->len; i++)
    {
      Boot0Device *dev = g_ptr_array_index (devices, i);
      g_print ("%-10s %-14s %-28s %s\n", boot0_device_get_path (dev),
               boot0_device_get_serial (dev) != NULL ? boot0_device_get_serial (dev) : "-",
               boot0_device_get_label (dev), boot0_device_get_bootloader_version (dev));
    }
  return EX_OK;
}

int
boot0_cli_list (int argc, char **argv)
{
  return list_run (argc, argv);
}

static void
print_memory (Boot0DfuseLayout *l, guint alt)
{
  g_autofree char *total = format_size (boot0_dfuse_layout_get_total_size (l));
  guint n = boot0_dfuse_layout_get_n_sectors (l);

  /* Addresses fit in 32 bits here (the layout caps its end at 4 GiB). */
  g_print (_ ("  %s: 0x%08X-0x%08X, %s\n"), boot0_dfuse_layout_get_name (l),
           boot0_dfuse_layout_get_start (l), (guint32)(boot0_dfuse_layout_get_end (l) - 1), total);
  /* Runs of equal sectors, as a person reads a datasheet's table. */
  for (guint s = 0; s < n;)
    {
      const Boot0DfuseSector *first = boot0_dfuse_layout_get_sector (l, s);
      guint run = 1;
      g_autofree char *size = format_size (first->size);
      while (s + run < n)
        {
          const Boot0DfuseSector *next = boot0_dfuse_layout_get_sector (l, s + run);
          const Boot0DfuseSector *prev = boot0_dfuse_layout_get_sector (l, s + run - 1);
          if (next->size != first->size || next->flags != first->flags ||
              next->address != prev->address + prev->size)
            break;
          run++;
        }
      {
        const Boot0DfuseSector *last = boot0_dfuse_layout_get_sector (l, s + run - 1);
        g_print ("    0x%08X-0x%08" G_GINT64_MODIFIER "X  %3u x %-8s %s\n", first->address,
                 (guint64)last->address + last->size - 1, run, size,
                 boot0_dfuse_sector_flags_to_string (first->flags));
      }
      s += run;
    }
}

int
boot0_cli_info (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = g_option_context_new (NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (Boot0UsbContext) ctx = NULL;
  g_autoptr (Boot0Device) dev = NULL;
  Boot0CliDeviceOptions opts = { 0 };
  Boot0DfuseLayout *flash;
  Boot0Chip *chip;
  int rc;

  g_option_context_set_summary (context, _ ("Show a device: chip, bootloader, serial, memories "
                                            "and their sectors, protection state."));
  boot0_cli_device_options_add (context, &opts);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      boot0_cli_device_options_clear (&opts);
      return boot0_cli_usage ("info", error->message);
    }
  if (argc != 1)
    {
      boot0_cli_device_options_clear (&opts);
      return boot0_cli_usage ("info", _ ("info takes no arguments"));
    }
  rc = boot0_cli_find_device (&opts, &ctx, &dev);
  if (rc != EX_OK)
    {
      boot0_cli_device_options_clear (&opts);
      return rc;
    }
  if (!boot0_device_open (dev, &error))
    {
      boot0_cli_device_options_clear (&opts);
      return boot0_cli_fail (error);
    }
  /* A UART device probed its protection when it opened. */
  if (BOOT0_IS_DFUSE_DEVICE (dev) &&
      !boot0_dfuse_device_probe_protection (BOOT0_DFUSE_DEVICE (dev), &error))
    {
      boot0_cli_device_options_clear (&opts);
      return boot0_cli_fail (error);
    }

  if (opts.json)
    {
      g_autoptr (GString) out = g_string_new (NULL);
      json_device (out, dev, TRUE);
      g_print ("%s\n", out->str);
      boot0_cli_device_options_clear (&opts);
      return EX_OK;
    }
  boot0_cli_device_options_clear (&opts);

  chip = boot0_device_get_chip (dev);
  flash = boot0_device_get_flash (dev);
  g_print (_ ("Device:       %s\n"), boot0_device_get_label (dev));
  if (BOOT0_IS_DFUSE_DEVICE (dev))
    {
      Boot0DfuseDevice *d = BOOT0_DFUSE_DEVICE (dev);
      g_print (
          _ ("USB:          %04x:%04x \"%s\" / \"%s\"\n"), boot0_dfuse_device_get_vid (d),
          boot0_dfuse_device_get_pid (d),
          boot0_dfuse_device_get_manufacturer (d) != NULL ? boot0_dfuse_device_get_manufacturer (d)
                                                          : "",
          boot0_dfuse_device_get_product (d) != NULL ? boot0_dfuse_device_get_product (d) : "");
    }
  if (BOOT0_IS_UART_DEVICE (dev))
    {
      Boot0UartDevice *u = BOOT0_UART_DEVICE (dev);
      Boot0Parity parity = boot0_uart_device_get_parity (u);
      g_print (_ ("Port:         %s at %u baud, 8%c1\n"), boot0_device_get_path (dev),
               boot0_uart_device_get_baud (u),
               parity == BOOT0_PARITY_EVEN  ? 'E'
               : parity == BOOT0_PARITY_ODD ? 'O'
                                            : 'N');
    }
  else
    {
      g_print (_ ("Serial:       %s\n"),
               boot0_device_get_serial (dev) != NULL ? boot0_device_get_serial (dev) : "-");
      g_print (_ ("Path:         %s\n"), boot0_device_get_path (dev));
    }
  g_print (_ ("Bootloader:   %s\n"), boot0_device_get_bootloader_version (dev));
  if (chip != NULL)
    {
      guint32 sys_start = 0;
      guint32 sys_last = 0;
      g_print (_ ("Chip:         %s (device ID 0x%03X)\n"), boot0_chip_get_name (chip),
               boot0_chip_get_device_id (chip));
      if (boot0_chip_get_system_memory (chip, &sys_start, &sys_last))
        g_print (_ ("System ROM:   0x%08X-0x%08X\n"), sys_start, sys_last);
    }
  else if (BOOT0_IS_UART_DEVICE (dev))
    g_print (_ ("Chip:         unknown (device ID 0x%03X is not in Boot0's chip database)\n"),
             boot0_uart_device_get_device_id (BOOT0_UART_DEVICE (dev)));
  if (flash != NULL)
    {
      g_autofree char *size = format_size (boot0_dfuse_layout_get_total_size (flash));
      const Boot0DfuseSector *fw = boot0_dfuse_layout_first_writable_sector (flash);
      g_print (_ ("Flash:        %s at 0x%08X\n"), size, boot0_dfuse_layout_get_start (flash));
      if (fw != NULL)
        g_print (_ ("Application:  starts at 0x%08X (first writable sector)\n"), fw->address);
    }
  g_print (_ ("Protection:   %s\n"),
           boot0_device_get_protection (dev) == BOOT0_PROTECTION_READ_PROTECTED
               ? _ ("read-out protection active (reads refused; 'boot0-cli unprotect read' "
                    "removes it and erases the chip)")
           : boot0_device_get_protection (dev) == BOOT0_PROTECTION_NONE ? _ ("none")
                                                                        : _ ("unknown"));
  g_print (_ ("Transfer:     %u bytes per request\n"), (guint)boot0_device_get_transfer_size (dev));
  if (BOOT0_IS_DFUSE_DEVICE (dev) && boot0_dfuse_device_get_commands (BOOT0_DFUSE_DEVICE (dev)))
    {
      gsize len = 0;
      const guint8 *cmds =
          g_bytes_get_data (boot0_dfuse_device_get_commands (BOOT0_DFUSE_DEVICE (dev)), &len);
      g_print (_ ("Commands:    "));
      for (gsize i = 0; i < len; i++)
        g_print (" 0x%02X", cmds[i]);
      g_print ("\n");
    }
  if (BOOT0_IS_UART_DEVICE (dev) && boot0_uart_device_get_commands (BOOT0_UART_DEVICE (dev)))
    {
      Boot0UartDevice *u = BOOT0_UART_DEVICE (dev);
      gsize len = 0;
      const guint8 *cmds = g_bytes_get_data (boot0_uart_device_get_commands (u), &len);
      guint8 erase = boot0_uart_device_get_erase_opcode (u);
      g_print (_ ("Commands:    "));
      for (gsize i = 0; i < len; i++)
        g_print (" 0x%02X", cmds[i]);
      g_print ("\n");
      g_print (_ ("Erase:        %s\n"), erase == 0x44   ? _ ("Extended Erase (0x44)")
                                         : erase == 0x43 ? _ ("Erase (0x43)")
                                                         : _ ("none"));
      g_print (_ ("Verify:       %s\n"), boot0_uart_device_has_command (u, 0xA1)
                                             ? _ ("by checksum (Get Checksum 0xA1)")
                                             : _ ("by reading back"));
    }
  g_print (_ ("Memories:\n"));
  {
    GPtrArray *mems = boot0_device_get_memories (dev);
    for (guint i = 0; i < mems->len; i++)
      print_memory (g_ptr_array_index (mems, i), i);
  }
  return EX_OK;
}
