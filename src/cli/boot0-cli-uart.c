/* SPDX-License-Identifier: GPL-3.0-or-later */
/* boot0-cli ports, protect and unprotect: serial ports, and the protection
 * commands of the bootloaders (AN3155 over UART; read-out unprotect also
 * over USB DfuSe). */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "boot0-cli.h"

int
boot0_cli_ports (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = g_option_context_new (NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) ports = NULL;
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_ ("Print machine-readable JSON"), NULL },
    { NULL },
  };

  g_option_context_set_summary (context,
                                _ ("List the serial ports (for --uart): name, description, USB "
                                   "vendor:product ID and serial number of USB adapters."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return boot0_cli_usage ("ports", error->message);
  if (argc != 1)
    return boot0_cli_usage ("ports", _ ("ports takes no arguments"));

  ports = boot0_serial_port_list (&error);
  if (ports == NULL)
    return boot0_cli_fail (error);
  if (json)
    {
      g_autoptr (GString) out = g_string_new ("[");
      for (guint i = 0; i < ports->len; i++)
        {
          const Boot0SerialPortInfo *p = g_ptr_array_index (ports, i);
          g_string_append (out, i > 0 ? ", {\"name\": " : "{\"name\": ");
          boot0_cli_json_string (out, p->name);
          g_string_append (out, ", \"description\": ");
          boot0_cli_json_string (out, p->description);
          if (p->is_usb)
            g_string_append_printf (out, ", \"usb_vid\": \"0x%04X\", \"usb_pid\": \"0x%04X\"",
                                    p->usb_vid, p->usb_pid);
          else
            g_string_append (out, ", \"usb_vid\": null, \"usb_pid\": null");
          g_string_append (out, ", \"serial\": ");
          if (p->serial != NULL)
            boot0_cli_json_string (out, p->serial);
          else
            g_string_append (out, "null");
          g_string_append (out, "}");
        }
      g_string_append (out, "]\n");
      g_print ("%s", out->str);
      return EX_OK;
    }
  if (ports->len == 0)
    {
      g_print (_ ("No serial ports found. Plug in the USB-serial adapter; on Linux its port "
                  "appears as /dev/ttyUSB0 or /dev/ttyACM0.\n"));
      return EX_OK;
    }
  g_print ("%-16s %-9s %-16s %s\n", _ ("PORT"), _ ("USB ID"), _ ("SERIAL"), _ ("DESCRIPTION"));
  for (guint i = 0; i < ports->len; i++)
    {
      const Boot0SerialPortInfo *p = g_ptr_array_index (ports, i);
      g_autofree char *usb_id =
          p->is_usb ? g_strdup_printf ("%04x:%04x", p->usb_vid, p->usb_pid) : g_strdup ("-");
      g_print ("%-16s %-9s %-16s %s\n", p->name, usb_id, p->serial != NULL ? p->serial : "-",
               p->description);
    }
  return EX_OK;
}

/* "0,1,4-7" -> sector numbers 0..255. */
static gboolean
parse_sectors (const char *text, GArray *sectors, GError **error)
{
  g_auto (GStrv) items = g_strsplit (text, ",", -1);

  for (guint i = 0; items[i] != NULL; i++)
    {
      g_auto (GStrv) range = g_strsplit (g_strstrip (items[i]), "-", 2);
      guint64 first = 0;
      guint64 last = 0;
      if (range[0] == NULL ||
          !g_ascii_string_to_unsigned (g_strstrip (range[0]), 10, 0, 255, &first, NULL) ||
          (range[1] != NULL &&
           !g_ascii_string_to_unsigned (g_strstrip (range[1]), 10, first, 255, &last, NULL)))
        {
          g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_ARGUMENT,
                       _ ("'%s' is not a sector number or range from 0 to 255 (write e.g. 0-3,8)"),
                       items[i]);
          return FALSE;
        }
      if (range[1] == NULL)
        last = first;
      for (guint64 s = first; s <= last; s++)
        {
          guint16 v = (guint16)s;
          g_array_append_val (sectors, v);
        }
    }
  if (sectors->len == 0 || sectors->len > 256)
    {
      g_set_error_literal (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_ARGUMENT,
                           _ ("name 1 to 256 sectors"));
      return FALSE;
    }
  return TRUE;
}

static void
print_ok (gboolean json, const char *summary)
{
  if (json)
    {
      g_autoptr (GString) out = g_string_new ("{\"result\": \"ok\", \"summary\": ");
      boot0_cli_json_string (out, summary);
      g_string_append (out, "}\n");
      g_print ("%s", out->str);
    }
  else
    g_print ("%s\n", summary);
}

/* protect read | protect write SECTORS | unprotect read | unprotect write. */
static int
protection (int argc, char **argv, gboolean protect)
{
  const char *command = protect ? "protect" : "unprotect";
  g_autoptr (GOptionContext) context =
      g_option_context_new (protect ? _ ("read | write SECTORS") : _ ("read | write"));
  g_autoptr (GError) error = NULL;
  g_autoptr (Boot0UsbContext) ctx = NULL;
  g_autoptr (Boot0Device) dev = NULL;
  g_autoptr (GArray) sectors = g_array_new (FALSE, FALSE, sizeof (guint16));
  Boot0CliDeviceOptions opts = { 0 };
  gboolean read_kind;
  const char *done = NULL;
  int rc;

  g_option_context_set_summary (
      context, protect ? _ ("Turn on read-out protection (read: RDP level 1; the flash can then "
                            "be neither read nor changed through the bootloader) or write "
                            "protection of the given sectors (write; as numbered by the chip's "
                            "write-protection bits, e.g. 0-3). UART only. The chip resets.")
                       : _ ("Remove read-out protection (read: this ERASES THE WHOLE FLASH; "
                            "UART or USB DfuSe) or the write protection of every sector "
                            "(write; UART only). The chip resets."));
  boot0_cli_device_options_add (context, &opts);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      boot0_cli_device_options_clear (&opts);
      return boot0_cli_usage (command, error->message);
    }
  if (argc < 2 || (strcmp (argv[1], "read") != 0 && strcmp (argv[1], "write") != 0))
    {
      boot0_cli_device_options_clear (&opts);
      return boot0_cli_usage (command, _ ("say what: read or write"));
    }
  read_kind = strcmp (argv[1], "read") == 0;
  if (protect && !read_kind)
    {
      if (argc != 3)
        {
          boot0_cli_device_options_clear (&opts);
          return boot0_cli_usage (command, _ ("name the sectors to write-protect, e.g. 'protect "
                                              "write 0-3'"));
        }
      if (!parse_sectors (argv[2], sectors, &error))
        {
          boot0_cli_device_options_clear (&opts);
          return boot0_cli_usage (command, error->message);
        }
    }
  else if (argc != 2)
    {
      boot0_cli_device_options_clear (&opts);
      return boot0_cli_usage (command, _ ("too many arguments"));
    }
  if (opts.uart == NULL && !(read_kind && !protect))
    {
      boot0_cli_device_options_clear (&opts);
      return boot0_cli_usage (command, _ ("this works over UART only: give --uart PORT"));
    }

  rc = boot0_cli_find_device (&opts, &ctx, &dev);
  if (rc != EX_OK)
    {
      boot0_cli_device_options_clear (&opts);
      return rc;
    }
  if (!boot0_device_open (dev, &error))
    {
      rc = boot0_cli_fail (error);
      boot0_cli_device_options_clear (&opts);
      return rc;
    }
  if (!protect && read_kind)
    {
      if (boot0_device_read_unprotect (dev, &error))
        done = _ ("Read-out protection removed: the chip erased its flash and restarts.");
    }
  else if (!protect)
    {
      if (boot0_uart_device_write_unprotect (BOOT0_UART_DEVICE (dev), &error))
        done = _ ("Write protection removed from every sector; the chip restarts.");
    }
  else if (read_kind)
    {
      if (boot0_uart_device_readout_protect (BOOT0_UART_DEVICE (dev), &error))
        done = _ ("Read-out protection is on (level 1); the chip restarts. `boot0-cli unprotect "
                  "read` removes it, erasing the flash.");
    }
  else if (boot0_uart_device_write_protect (BOOT0_UART_DEVICE (dev),
                                            (const guint16 *)(gpointer)sectors->data, sectors->len,
                                            &error))
    done = _ ("The sectors are write-protected; the chip restarts. `boot0-cli unprotect write` "
              "removes the protection.");
  if (error != NULL)
    {
      rc = boot0_cli_fail (error);
      boot0_cli_device_options_clear (&opts);
      return rc;
    }
  print_ok (opts.json, done);
  boot0_cli_device_options_clear (&opts);
  return EX_OK;
}

int
boot0_cli_protect (int argc, char **argv)
{
  return protection (argc, argv, TRUE);
}

int
boot0_cli_unprotect (int argc, char **argv)
{
  return protection (argc, argv, FALSE);
}
