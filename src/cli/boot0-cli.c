/* SPDX-License-Identifier: GPL-3.0-or-later */
/* boot0-cli: command dispatch, exit codes and small shared helpers. */
#include "config.h"

#include <gio/gio.h>
#include <glib/gi18n.h>
#include <locale.h>
#include <string.h>

#include "boot0-cli.h"

typedef struct
{
  const char *name;
  int (*run) (int argc, char **argv);
  const char *summary;
} Boot0CliCommand;

static const Boot0CliCommand commands[] = {
  { "list", boot0_cli_list, N_ ("List connected STM32 bootloaders (USB DFU)") },
  { "ports", boot0_cli_ports, N_ ("List serial ports, for the UART bootloader (--uart)") },
  { "info", boot0_cli_info, N_ ("Show a device's chip, bootloader, memories and protection") },
  { "flash", boot0_cli_flash, N_ ("Erase, program, verify and start a firmware file") },
  { "verify", boot0_cli_verify, N_ ("Compare the device's flash with a firmware file") },
  { "erase", boot0_cli_erase, N_ ("Erase sectors, the whole flash, or read-out protection") },
  { "read", boot0_cli_read, N_ ("Read memory into a file (backup)") },
  { "run", boot0_cli_run, N_ ("Leave the bootloader and start the firmware") },
  { "protect", boot0_cli_protect, N_ ("Turn on read-out or write protection (UART)") },
  { "unprotect", boot0_cli_unprotect,
    N_ ("Remove read-out protection (erases the chip) or write protection") },
  { "inspect", boot0_cli_inspect, N_ ("Show a firmware file's format, segments and checksums") },
  { "convert", boot0_cli_convert, N_ ("Convert a firmware file to .bin, .hex, .srec or .dfu") },
};

int
boot0_cli_fail (const GError *error)
{
  int code = EX_SOFTWARE;

  g_printerr ("boot0-cli: %s\n", error->message);
  if (error->domain == BOOT0_ERROR)
    {
      switch ((Boot0Error)error->code)
        {
          case BOOT0_ERROR_INVALID_FILE:
          case BOOT0_ERROR_TOO_LARGE:
          case BOOT0_ERROR_DOES_NOT_FIT:
            code = EX_DATAERR;
            break;
          case BOOT0_ERROR_INVALID_ARGUMENT:
            code = EX_USAGE;
            break;
          case BOOT0_ERROR_NOT_SUPPORTED:
          case BOOT0_ERROR_NOT_FOUND:
          case BOOT0_ERROR_DEVICE_GONE:
            code = EX_UNAVAILABLE;
            break;
          case BOOT0_ERROR_ACCESS_DENIED:
          case BOOT0_ERROR_READ_PROTECTED:
            code = EX_NOPERM;
            break;
          case BOOT0_ERROR_TIMED_OUT:
          case BOOT0_ERROR_BUSY:
            code = EX_TEMPFAIL;
            break;
          case BOOT0_ERROR_VERIFY_FAILED:
          case BOOT0_ERROR_DEVICE_ERROR:
          case BOOT0_ERROR_PROTOCOL:
          case BOOT0_ERROR_IO:
            code = EX_IOERR;
            break;
          default:
            code = EX_SOFTWARE;
            break;
        }
    }
  else if (error->domain == G_FILE_ERROR || error->domain == G_IO_ERROR)
    code = EX_IOERR;
  return code;
}

int
boot0_cli_load_firmware (const char *path, Boot0FirmwareFormat format, guint32 bin_base,
                         Boot0Firmware **firmware)
{
  g_autoptr (GError) error = NULL;

  *firmware = boot0_firmware_load_file (path, format, bin_base, &error);
  if (*firmware != NULL)
    return EX_OK;
  if (error->domain == G_FILE_ERROR)
    {
      g_printerr ("boot0-cli: %s\n", error->message);
      return EX_NOINPUT;
    }
  return boot0_cli_fail (error);
}

int
boot0_cli_usage (const char *command, const char *message)
{
  g_printerr ("boot0-cli: %s\n", message);
  if (command != NULL)
    g_printerr (_ ("Try 'boot0-cli %s --help'.\n"), command);
  else
    g_printerr (_ ("Try 'boot0-cli --help'.\n"));
  return EX_USAGE;
}

gboolean
boot0_cli_parse_u32 (const char *str, guint32 *value, GError **error)
{
  g_autoptr (GString) digits = g_string_new (NULL);
  guint64 v = 0;
  guint base = 10;
  const char *p = str;

  if (g_ascii_strncasecmp (p, "0x", 2) == 0)
    {
      base = 16;
      p += 2;
    }
  /* Underscores group digits: 0x0800_8000 reads better. */
  for (; *p != '\0'; p++)
    {
      if (*p != '_')
        g_string_append_c (digits, *p);
    }
  if (digits->len == 0 || !g_ascii_string_to_unsigned (digits->str, base, 0, G_MAXUINT32, &v, NULL))
    {
      g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_ARGUMENT,
                   _ ("'%s' is not a 32-bit number (write 0x08008000 or 134250496)"), str);
      return FALSE;
    }
  *value = (guint32)v;
  return TRUE;
}

void
boot0_cli_json_string (GString *out, const char *str)
{
  g_string_append_c (out, '"');
  for (const char *p = str; *p != '\0'; p++)
    {
      guchar c = (guchar)*p;
      switch (c)
        {
          case '"':
            g_string_append (out, "\\\"");
            break;
          case '\\':
            g_string_append (out, "\\\\");
            break;
          case '\n':
            g_string_append (out, "\\n");
            break;
          case '\r':
            g_string_append (out, "\\r");
            break;
          case '\t':
            g_string_append (out, "\\t");
            break;
          default:
            if (c < 0x20)
              g_string_append_printf (out, "\\u%04x", c);
            else
              g_string_append_c (out, (char)c);
            break;
        }
    }
  g_string_append_c (out, '"');
}

static void
print_help (void)
{
  g_print (_ ("Usage: boot0-cli COMMAND [OPTION…] [ARGUMENT…]\n"
              "\n"
              "Program STM32 microcontrollers through their ROM bootloader, and work\n"
              "with firmware files (.bin, Intel HEX, S-record, DfuSe .dfu, ELF).\n"
              "\n"
              "Commands:\n"));
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    g_print ("  %-10s %s\n", commands[i].name, _ (commands[i].summary));
  g_print (_ ("\n"
              "Options:\n"
              "  -h, --help     Show this help\n"
              "  --version      Show the version\n"
              "\n"
              "Device commands talk to a USB DFU bootloader, or with --uart PORT to the\n"
              "STM32 bootloader on a serial port (AN3155).\n"
              "Run 'boot0-cli COMMAND --help' for the options of a command.\n"
              "Exit codes follow sysexits.h: 0 success, 64 usage, 65 bad data,\n"
              "66 missing input, 73 cannot create output, 74 I/O error.\n"));
}

int
main (int argc, char **argv)
{
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  g_set_prgname ("boot0-cli");

  if (argc < 2)
    {
      print_help ();
      return EX_USAGE;
    }
  if (strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0 ||
      strcmp (argv[1], "help") == 0)
    {
      if (argc > 2 && strcmp (argv[1], "help") == 0)
        {
          for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
            {
              if (strcmp (argv[2], commands[i].name) == 0)
                {
                  char *sub_argv[] = { argv[2], (char *)"--help", NULL };
                  return commands[i].run (2, sub_argv);
                }
            }
        }
      print_help ();
      return EX_OK;
    }
  if (strcmp (argv[1], "--version") == 0 || strcmp (argv[1], "-V") == 0)
    {
      g_print ("boot0-cli %s\n", PACKAGE_VERSION);
      return EX_OK;
    }
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      if (strcmp (argv[1], commands[i].name) == 0)
        return commands[i].run (argc - 1, argv + 1);
    }
  {
    g_autofree char *msg = g_strdup_printf (_ ("unknown command '%s'"), argv[1]);
    return boot0_cli_usage (NULL, msg);
  }
}
