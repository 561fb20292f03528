/* SPDX-License-Identifier: GPL-3.0-or-later */
/* boot0-cli inspect: what a firmware file holds. */
#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "boot0-cli.h"

static char *
format_size (guint64 size)
{
  if (size < 1024)
    return g_strdup_printf ("%" G_GUINT64_FORMAT " B", size);
  if (size < 1024 * 1024)
    return g_strdup_printf ("%.1f KiB", size / 1024.0);
  return g_strdup_printf ("%.2f MiB", size / (1024.0 * 1024.0));
}

static void
print_human (Boot0Firmware *fw, const char *path, gsize file_size)
{
  guint n = boot0_firmware_get_n_segments (fw);
  gsize total = boot0_firmware_get_total_size (fw);
  g_autofree char *total_str = format_size (total);
  g_autofree char *sha = boot0_firmware_get_sha256 (fw);
  const Boot0DfuSuffix *suffix = boot0_firmware_get_dfu_suffix (fw);
  gboolean any_alt = FALSE;
  guint32 start = 0;
  guint64 end = 0;
  guint32 entry = 0;

  for (guint i = 0; i < n; i++)
    any_alt |= boot0_segment_get_alt_setting (boot0_firmware_get_segment (fw, i)) != 0;

  /* Sizes are capped far below 4 GiB (BOOT0_FIRMWARE_MAX_FILE_SIZE). */
  g_print (_ ("File:         %s (%u bytes)\n"), path, (guint)file_size);
  g_print (_ ("Format:       %s\n"),
           boot0_firmware_format_to_description (boot0_firmware_get_format (fw)));
  g_print (ngettext ("Data:         %u bytes (%s) in %u segment\n",
                     "Data:         %u bytes (%s) in %u segments\n", n),
           (guint)total, total_str, n);
  if (boot0_firmware_get_span (fw, &start, &end))
    g_print (_ ("Span:         0x%08X-0x%08X\n"), start, (guint32)(end - 1));
  if (boot0_firmware_get_relocatable (fw))
    g_print (
        _ ("Address:      none in the file; shown at 0x%08X (when flashing, Boot0 places it at "
           "the first writable sector of the flash)\n"),
        start);
  g_print (_ ("Segments:\n"));
  g_print (any_alt ? _ ("  Alt  Start       End         Size\n")
                   : _ ("  Start       End         Size\n"));
  for (guint i = 0; i < n; i++)
    {
      const Boot0Segment *s = boot0_firmware_get_segment (fw, i);
      g_autofree char *sz = format_size (boot0_segment_get_size (s));
      if (any_alt)
        g_print ("  %3u  ", boot0_segment_get_alt_setting (s));
      else
        g_print ("  ");
      g_print ("0x%08X  0x%08" G_GINT64_MODIFIER "X  %" G_GSIZE_FORMAT " (%s)\n",
               boot0_segment_get_address (s), boot0_segment_get_end (s) - 1,
               boot0_segment_get_size (s), sz);
    }
  for (guint alt = 0; alt < 256; alt++)
    {
      const char *name = boot0_firmware_get_target_name (fw, (guint8)alt);
      if (name != NULL)
        g_print (_ ("Target:       alternate setting %u, \"%s\"\n"), alt, name);
    }
  if (boot0_firmware_get_entry_point (fw, &entry))
    g_print (_ ("Entry point:  0x%08X\n"), entry);
  g_print ("CRC-32:       0x%08X\n", boot0_firmware_get_crc32 (fw));
  g_print ("SHA-256:      %s\n", sha);
  if (suffix != NULL)
    g_print (_ ("DFU suffix:   VID 0x%04X  PID 0x%04X  bcdDevice 0x%04X  bcdDFU 0x%04X%s\n"),
             suffix->id_vendor, suffix->id_product, suffix->bcd_device, suffix->bcd_dfu,
             suffix->bcd_dfu == BOOT0_DFU_BCD_DFUSE ? " (DfuSe)" : "");
}

static void
append_hex (GString *out, const char *key, guint64 value, int width)
{
  g_string_append_printf (out, "\"%s\": \"0x%0*" G_GINT64_MODIFIER "X\"", key, width, value);
}

static void
print_json (Boot0Firmware *fw, const char *path, gsize file_size)
{
  g_autoptr (GString) out = g_string_new ("{");
  g_autofree char *sha = boot0_firmware_get_sha256 (fw);
  const Boot0DfuSuffix *suffix = boot0_firmware_get_dfu_suffix (fw);
  guint n = boot0_firmware_get_n_segments (fw);
  guint32 start = 0;
  guint64 end = 0;
  guint32 entry = 0;
  gboolean first = TRUE;

  g_string_append (out, "\"file\": ");
  boot0_cli_json_string (out, path);
  g_string_append_printf (out, ", \"file_size\": %" G_GSIZE_FORMAT, file_size);
  g_string_append_printf (out, ", \"format\": \"%s\"",
                          boot0_firmware_format_to_string (boot0_firmware_get_format (fw)));
  g_string_append (out, ", \"format_description\": ");
  boot0_cli_json_string (out,
                         boot0_firmware_format_to_description (boot0_firmware_get_format (fw)));
  g_string_append_printf (out, ", \"size\": %" G_GSIZE_FORMAT, boot0_firmware_get_total_size (fw));
  g_string_append_printf (out, ", \"relocatable\": %s",
                          boot0_firmware_get_relocatable (fw) ? "true" : "false");
  if (boot0_firmware_get_span (fw, &start, &end))
    {
      g_string_append_printf (out, ", \"start\": %u, \"end\": %" G_GUINT64_FORMAT ", ", start, end);
      append_hex (out, "start_hex", start, 8);
    }
  g_string_append (out, ", \"segments\": [");
  for (guint i = 0; i < n; i++)
    {
      const Boot0Segment *s = boot0_firmware_get_segment (fw, i);
      g_string_append_printf (
          out, "%s{\"alt_setting\": %u, \"address\": %u, \"size\": %" G_GSIZE_FORMAT ", ",
          i > 0 ? ", " : "", boot0_segment_get_alt_setting (s), boot0_segment_get_address (s),
          boot0_segment_get_size (s));
      append_hex (out, "address_hex", boot0_segment_get_address (s), 8);
      g_string_append (out, ", ");
      append_hex (out, "last_hex", boot0_segment_get_end (s) - 1, 8);
      g_string_append (out, "}");
    }
  g_string_append (out, "], \"targets\": [");
  for (guint alt = 0; alt < 256; alt++)
    {
      const char *name = boot0_firmware_get_target_name (fw, (guint8)alt);
      if (name == NULL)
        continue;
      g_string_append_printf (out, "%s{\"alt_setting\": %u, \"name\": ", first ? "" : ", ", alt);
      boot0_cli_json_string (out, name);
      g_string_append (out, "}");
      first = FALSE;
    }
  g_string_append (out, "]");
  if (boot0_firmware_get_entry_point (fw, &entry))
    {
      g_string_append_printf (out, ", \"entry_point\": %u, ", entry);
      append_hex (out, "entry_point_hex", entry, 8);
    }
  else
    g_string_append (out, ", \"entry_point\": null");
  g_string_append (out, ", ");
  append_hex (out, "crc32", boot0_firmware_get_crc32 (fw), 8);
  g_string_append_printf (out, ", \"sha256\": \"%s\"", sha);
  if (suffix != NULL)
    {
      g_string_append (out, ", \"dfu_suffix\": {");
      append_hex (out, "vid", suffix->id_vendor, 4);
      g_string_append (out, ", ");
      append_hex (out, "pid", suffix->id_product, 4);
      g_string_append (out, ", ");
      append_hex (out, "bcd_device", suffix->bcd_device, 4);
      g_string_append (out, ", ");
      append_hex (out, "bcd_dfu", suffix->bcd_dfu, 4);
      g_string_append (out, ", ");
      append_hex (out, "crc", suffix->crc, 8);
      g_string_append (out, "}");
    }
  else
    g_string_append (out, ", \"dfu_suffix\": null");
  g_string_append (out, "}\n");
  g_print ("%s", out->str);
}

int
boot0_cli_inspect (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (Boot0Firmware) fw = NULL;
  g_autofree char *address_str = NULL;
  g_autofree char *format_str = NULL;
  gboolean json = FALSE;
  Boot0FirmwareFormat format = BOOT0_FIRMWARE_FORMAT_UNKNOWN;
  guint32 base = BOOT0_FIRMWARE_DEFAULT_BASE;
  GStatBuf st;
  int rc;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_ ("Print machine-readable JSON"), NULL },
    { "address", 'a', 0, G_OPTION_ARG_STRING, &address_str,
      N_ ("Where a raw .bin starts (default 0x08000000)"), N_ ("ADDRESS") },
    { "format", 'f', 0, G_OPTION_ARG_STRING, &format_str,
      N_ ("Read the file as bin, ihex, srec, dfuse or elf instead of guessing"), N_ ("FORMAT") },
    { NULL },
  };

  context = g_option_context_new (_ ("FILE"));
  g_option_context_set_summary (context, _ ("Show a firmware file's format, segments, sizes, "
                                            "CRC-32, SHA-256, DFU suffix and entry point."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return boot0_cli_usage ("inspect", error->message);
  if (argc != 2)
    return boot0_cli_usage ("inspect", _ ("inspect needs exactly one FILE"));
  if (format_str != NULL)
    {
      format = boot0_firmware_format_from_string (format_str);
      if (format == BOOT0_FIRMWARE_FORMAT_UNKNOWN)
        {
          g_autofree char *msg = g_strdup_printf (_ ("unknown format '%s'"), format_str);
          return boot0_cli_usage ("inspect", msg);
        }
    }
  if (address_str != NULL && !boot0_cli_parse_u32 (address_str, &base, &error))
    return boot0_cli_usage ("inspect", error->message);

  rc = boot0_cli_load_firmware (argv[1], format, base, &fw);
  if (rc != EX_OK)
    return rc;
  if (address_str != NULL && !boot0_firmware_get_relocatable (fw))
    return boot0_cli_usage ("inspect",
                            _ ("--address applies only to a raw .bin: this file has addresses"));
  if (g_stat (argv[1], &st) != 0)
    st.st_size = 0;
  if (json)
    print_json (fw, argv[1], (gsize)st.st_size);
  else
    print_human (fw, argv[1], (gsize)st.st_size);
  return EX_OK;
}
