/* SPDX-License-Identifier: GPL-3.0-or-later */
/* boot0-cli convert: one firmware format to another, written atomically. */
#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "boot0-cli.h"

/* TRUE if both paths name the same existing file. */
static gboolean
same_file (const char *a, const char *b)
{
  GStatBuf sa;
  GStatBuf sb;
  if (g_stat (a, &sa) != 0 || g_stat (b, &sb) != 0)
    return FALSE;
  return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

static gboolean
parse_u16 (const char *str, guint16 *value, GError **error)
{
  guint32 v = 0;
  if (!boot0_cli_parse_u32 (str, &v, error))
    return FALSE;
  if (v > 0xFFFF)
    {
      g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_ARGUMENT,
                   _ ("'%s' does not fit in 16 bits"), str);
      return FALSE;
    }
  *value = (guint16)v;
  return TRUE;
}

int
boot0_cli_convert (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (Boot0Firmware) fw = NULL;
  g_autofree char *address_str = NULL;
  g_autofree char *format_str = NULL;
  g_autofree char *input_format_str = NULL;
  g_autofree char *fill_str = NULL;
  g_autofree char *vid_str = NULL;
  g_autofree char *pid_str = NULL;
  g_autofree char *bcd_str = NULL;
  gboolean fill = FALSE;
  guint32 fill_byte = 0xFF;
  Boot0FirmwareFormat in_format = BOOT0_FIRMWARE_FORMAT_UNKNOWN;
  Boot0FirmwareFormat out_format;
  Boot0FirmwareWriteFlags flags = BOOT0_FIRMWARE_WRITE_FLAG_NONE;
  guint32 base = BOOT0_FIRMWARE_DEFAULT_BASE;
  const char *in_path;
  const char *out_path;
  int rc;
  const GOptionEntry entries[] = {
    { "format", 'f', 0, G_OPTION_ARG_STRING, &format_str,
      N_ ("Output format: bin, ihex, srec or dfuse (default: from OUT's extension)"),
      N_ ("FORMAT") },
    { "input-format", 'i', 0, G_OPTION_ARG_STRING, &input_format_str,
      N_ ("Read IN as bin, ihex, srec, dfuse or elf instead of guessing"), N_ ("FORMAT") },
    { "address", 'a', 0, G_OPTION_ARG_STRING, &address_str,
      N_ ("Where a raw .bin input starts (default 0x08000000)"), N_ ("ADDRESS") },
    { "fill", 0, 0, G_OPTION_ARG_NONE, &fill,
      N_ ("For .bin output, fill gaps between segments (with 0xFF)"), NULL },
    { "fill-byte", 0, 0, G_OPTION_ARG_STRING, &fill_str,
      N_ ("The byte --fill uses (default 0xFF, erased flash)"), N_ ("BYTE") },
    { "vid", 0, 0, G_OPTION_ARG_STRING, &vid_str,
      N_ ("USB vendor ID in a .dfu suffix (default: the input's, else 0x0483)"), N_ ("ID") },
    { "pid", 0, 0, G_OPTION_ARG_STRING, &pid_str,
      N_ ("USB product ID in a .dfu suffix (default: the input's, else 0xDF11)"), N_ ("ID") },
    { "bcd-device", 0, 0, G_OPTION_ARG_STRING, &bcd_str,
      N_ ("bcdDevice in a .dfu suffix (default: the input's, else 0xFFFF = any)"), N_ ("BCD") },
    { NULL },
  };

  context = g_option_context_new (_ ("IN OUT"));
  g_option_context_set_summary (
      context, _ ("Convert a firmware file. The output format follows OUT's extension (.bin, "
                  ".hex, .srec/.s19, .dfu) or --format.\nOUT is written atomically: on any error "
                  "it is left as it was. IN is never modified."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return boot0_cli_usage ("convert", error->message);
  if (argc != 3)
    return boot0_cli_usage ("convert", _ ("convert needs an input file IN and an output file OUT"));
  in_path = argv[1];
  out_path = argv[2];

  if (input_format_str != NULL)
    {
      in_format = boot0_firmware_format_from_string (input_format_str);
      if (in_format == BOOT0_FIRMWARE_FORMAT_UNKNOWN)
        {
          g_autofree char *msg = g_strdup_printf (_ ("unknown format '%s'"), input_format_str);
          return boot0_cli_usage ("convert", msg);
        }
    }
  if (format_str != NULL)
    out_format = boot0_firmware_format_from_string (format_str);
  else
    out_format = boot0_firmware_format_from_filename (out_path);
  if (out_format == BOOT0_FIRMWARE_FORMAT_UNKNOWN)
    {
      g_autofree char *msg =
          format_str != NULL
              ? g_strdup_printf (_ ("unknown format '%s'"), format_str)
              : g_strdup_printf (_ ("cannot tell the output format from '%s': use a .bin, "
                                    ".hex, .srec or .dfu name, or --format"),
                                 out_path);
      return boot0_cli_usage ("convert", msg);
    }
  if (out_format == BOOT0_FIRMWARE_FORMAT_ELF)
    return boot0_cli_usage ("convert",
                            _ ("cannot write ELF files: choose bin, ihex, srec or dfuse"));
  if (address_str != NULL && !boot0_cli_parse_u32 (address_str, &base, &error))
    return boot0_cli_usage ("convert", error->message);
  if (fill_str != NULL)
    {
      if (!boot0_cli_parse_u32 (fill_str, &fill_byte, &error))
        return boot0_cli_usage ("convert", error->message);
      if (fill_byte > 0xFF)
        return boot0_cli_usage ("convert", _ ("--fill-byte takes a value from 0 to 0xFF"));
      fill = TRUE;
    }
  if (fill)
    flags |= BOOT0_FIRMWARE_WRITE_FLAG_FILL_GAPS;
  if ((fill || fill_str != NULL) && out_format != BOOT0_FIRMWARE_FORMAT_BIN)
    return boot0_cli_usage ("convert", _ ("--fill applies only to .bin output"));
  if ((vid_str != NULL || pid_str != NULL || bcd_str != NULL) &&
      out_format != BOOT0_FIRMWARE_FORMAT_DFUSE)
    return boot0_cli_usage ("convert",
                            _ ("--vid, --pid and --bcd-device apply only to .dfu output"));
  if (same_file (in_path, out_path))
    return boot0_cli_usage ("convert", _ ("OUT is the same file as IN: the input is never "
                                          "overwritten; choose another name"));

  rc = boot0_cli_load_firmware (in_path, in_format, base, &fw);
  if (rc != EX_OK)
    return rc;
  if (address_str != NULL && !boot0_firmware_get_relocatable (fw))
    return boot0_cli_usage ("convert",
                            _ ("--address applies only to a raw .bin input: IN has addresses"));

  if (out_format == BOOT0_FIRMWARE_FORMAT_DFUSE)
    {
      const Boot0DfuSuffix *old = boot0_firmware_get_dfu_suffix (fw);
      Boot0DfuSuffix suffix = { .bcd_device = 0xFFFF,
                                .id_product = 0xDF11,
                                .id_vendor = 0x0483,
                                .bcd_dfu = BOOT0_DFU_BCD_DFUSE };
      if (old != NULL)
        {
          suffix.bcd_device = old->bcd_device;
          suffix.id_product = old->id_product;
          suffix.id_vendor = old->id_vendor;
        }
      if ((vid_str != NULL && !parse_u16 (vid_str, &suffix.id_vendor, &error)) ||
          (pid_str != NULL && !parse_u16 (pid_str, &suffix.id_product, &error)) ||
          (bcd_str != NULL && !parse_u16 (bcd_str, &suffix.bcd_device, &error)))
        return boot0_cli_usage ("convert", error->message);
      boot0_firmware_set_dfu_suffix (fw, &suffix);
    }

  if (!boot0_firmware_save_file (fw, out_path, out_format, flags, (guint8)fill_byte, &error))
    {
      if (error->domain == G_FILE_ERROR)
        {
          g_printerr ("boot0-cli: %s\n", error->message);
          return EX_CANTCREAT;
        }
      if (g_error_matches (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_ARGUMENT) ||
          g_error_matches (error, BOOT0_ERROR, BOOT0_ERROR_TOO_LARGE))
        {
          /* The data cannot take this output form (gaps, span, targets). */
          g_printerr ("boot0-cli: %s: %s\n", out_path, error->message);
          return EX_DATAERR;
        }
      return boot0_cli_fail (error);
    }
  return EX_OK;
}
