/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The main window: follows the connected bootloaders, loads the firmware,
 * plans what Program will do and shows it before anything touches the
 * device. The operations themselves live in boot0-window-jobs.c. */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "boot0-bootloader-drawing.h"
#include "boot0-clamp.h"
#include "boot0-uart-dialog.h"
#include "boot0-window-private.h"

#define MAX_RECENT_FILES   8
#define MAX_RECENT_BUTTONS 3

G_DEFINE_FINAL_TYPE (Boot0Window, boot0_window, GTK_TYPE_APPLICATION_WINDOW)

enum
{
  PROP_0,
  PROP_LOG_VISIBLE,
  PROP_ADDRESS_UNLOCKED,
  PROP_SUFFIX_IGNORED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void refresh_plan (Boot0Window *self);
static void update_firmware_card (Boot0Window *self);
static void select_device (Boot0Window *self, Boot0Device *device);

/* Formatting ------------------------------------------------------------ */

char *
boot0_window_format_duration (gint64 usec)
{
  double seconds = usec / 1e6;

  if (seconds < 60)
    /* Translators: a duration in seconds, e.g. "4.2 s". */
    return g_strdup_printf (_ ("%.1f s"), seconds);
  /* Translators: a duration, e.g. "2 min 5 s". */
  return g_strdup_printf (_ ("%d min %d s"), (int)(seconds / 60), (int)seconds % 60);
}

static const char *
format_description (Boot0FirmwareFormat format)
{
  switch (format)
    {
      case BOOT0_FIRMWARE_FORMAT_BIN:
        return _ ("Raw binary");
      case BOOT0_FIRMWARE_FORMAT_IHEX:
        return _ ("Intel HEX");
      case BOOT0_FIRMWARE_FORMAT_SREC:
        return _ ("Motorola S-record");
      case BOOT0_FIRMWARE_FORMAT_DFUSE:
        return _ ("DfuSe file");
      case BOOT0_FIRMWARE_FORMAT_ELF:
        return _ ("ELF executable");
      case BOOT0_FIRMWARE_FORMAT_UNKNOWN:
      default:
        return _ ("Unknown format");
    }
}

static const char *
device_label (Boot0Device *device)
{
  const char *label = boot0_device_get_label (device);

  if (g_strcmp0 (label, BOOT0_CHIP_DB_CUSTOM_LABEL) == 0)
    return _ ("Custom DfuSe bootloader");
  if (g_strcmp0 (label, BOOT0_DFUSE_NO_PERMISSION_LABEL_ST) == 0)
    return _ ("STM32 bootloader (no permission)");
  if (g_strcmp0 (label, BOOT0_DFUSE_NO_PERMISSION_LABEL) == 0)
    return _ ("DFU device (no permission)");
  return label;
}

/* Log, result banner ---------------------------------------------------- */

static gboolean
log_is_verbose (Boot0Window *self)
{
  g_autofree char *verbosity = g_settings_get_string (self->settings, "log-verbosity");
  return g_strcmp0 (verbosity, "verbose") == 0;
}

void
boot0_window_log (Boot0Window *self, gboolean verbose_only, const char *format, ...)
{
  g_autofree char *message = NULL;
  va_list args;

  if (verbose_only && !log_is_verbose (self))
    return;
  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  boot0_log_view_add (self->log_view, message);
}

void
boot0_window_show_result (Boot0Window *self, Boot0WindowResult result, const char *title,
                          const char *detail_markup, gboolean offer_udev_rule)
{
  const char *classes[] = { "success", "failure", "cancelled" };
  const char *icons[] = { "emblem-ok-symbolic", "dialog-error-symbolic",
                          "dialog-warning-symbolic" };

  for (guint i = 0; i < G_N_ELEMENTS (classes); i++)
    gtk_widget_remove_css_class (self->result_box, classes[i]);
  gtk_widget_add_css_class (self->result_box, classes[result]);
  gtk_image_set_from_icon_name (self->result_icon, icons[result]);
  gtk_label_set_text (self->result_title, title);
  gtk_label_set_markup (self->result_detail, detail_markup != NULL ? detail_markup : "");
  gtk_widget_set_visible (GTK_WIDGET (self->result_detail),
                          detail_markup != NULL && *detail_markup != '\0');
  gtk_widget_set_visible (self->udev_box, offer_udev_rule);
  if (offer_udev_rule)
    {
      g_autofree char *command = boot0_window_get_udev_command (self);
      gtk_label_set_text (self->udev_command_label, command);
    }
  gtk_revealer_set_reveal_child (self->result_revealer, TRUE);
}

void
boot0_window_clear_result (Boot0Window *self)
{
  gtk_revealer_set_reveal_child (self->result_revealer, FALSE);
  gtk_label_set_text (self->result_title, "");
}

static void
dismiss_result_clicked_cb (Boot0Window *self)
{
  boot0_window_clear_result (self);
}

static void
install_rule_clicked_cb (Boot0Window *self)
{
  boot0_window_install_udev_rule (self);
}

/* Settings-backed state ------------------------------------------------- */

void
boot0_window_remember_folder (Boot0Window *self, GFile *file)
{
  g_autoptr (GFile) parent = g_file_get_parent (file);
  g_autofree char *path = parent != NULL ? g_file_get_path (parent) : NULL;

  if (path != NULL)
    g_settings_set_string (self->settings, "last-folder", path);
}

static void
add_recent_file (Boot0Window *self, GFile *file)
{
  g_autofree char *path = g_file_get_path (file);
  g_auto (GStrv) old = g_settings_get_strv (self->settings, "recent-files");
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  g_auto (GStrv) recent = NULL;
  guint n = 1;

  if (path == NULL)
    return;
  g_strv_builder_add (builder, path);
  for (guint i = 0; old[i] != NULL && n < MAX_RECENT_FILES; i++)
    if (g_strcmp0 (old[i], path) != 0)
      {
        g_strv_builder_add (builder, old[i]);
        n++;
      }
  recent = g_strv_builder_end (builder);
  g_settings_set_strv (self->settings, "recent-files", (const char *const *)recent);
}

static void
rebuild_recent (Boot0Window *self)
{
  g_auto (GStrv) recent = g_settings_get_strv (self->settings, "recent-files");
  GtkWidget *child;
  guint n_buttons = 0;

  g_menu_remove_all (self->recent_menu);
  while ((child = gtk_widget_get_first_child (self->recent_box)) != NULL)
    gtk_box_remove (GTK_BOX (self->recent_box), child);

  for (guint i = 0; recent[i] != NULL; i++)
    {
      g_autofree char *name = g_path_get_basename (recent[i]);
      g_autoptr (GMenuItem) item = g_menu_item_new (name, NULL);
      GtkWidget *button;

      if (!g_file_test (recent[i], G_FILE_TEST_IS_REGULAR))
        continue;
      g_menu_item_set_action_and_target_value (item, "win.open-recent",
                                               g_variant_new_string (recent[i]));
      g_menu_append_item (self->recent_menu, item);

      if (n_buttons++ >= MAX_RECENT_BUTTONS)
        continue;
      if (n_buttons == 1)
        {
          GtkWidget *heading = gtk_label_new (_ ("Recent"));
          gtk_widget_add_css_class (heading, "caption-heading");
          gtk_widget_add_css_class (heading, "dim-label");
          gtk_box_append (GTK_BOX (self->recent_box), heading);
        }
      button = gtk_button_new_with_label (name);
      gtk_widget_add_css_class (button, "flat");
      gtk_widget_set_tooltip_text (button, recent[i]);
      gtk_actionable_set_action_name (GTK_ACTIONABLE (button), "win.open-recent");
      gtk_actionable_set_action_target_value (GTK_ACTIONABLE (button),
                                              g_variant_new_string (recent[i]));
      gtk_box_append (GTK_BOX (self->recent_box), button);
    }
  gtk_widget_set_sensitive (GTK_WIDGET (self->recent_button), n_buttons > 0);
}

static void
settings_changed_cb (GSettings *settings, const char *key, Boot0Window *self)
{
  if (g_strcmp0 (key, "recent-files") == 0)
    rebuild_recent (self);
  else if (g_strcmp0 (key, "verify") == 0 || g_strcmp0 (key, "run") == 0 ||
           g_strcmp0 (key, "erase-mode") == 0)
    refresh_plan (self);
}

/* A radio button of the erase mode is active when the key has its value;
 * only the button becoming active writes the key. */
static gboolean
erase_mode_get_mapping (GValue *value, GVariant *variant, gpointer user_data)
{
  g_value_set_boolean (value, g_strcmp0 (g_variant_get_string (variant, NULL), user_data) == 0);
  return TRUE;
}

static GVariant *
erase_mode_set_mapping (const GValue *value, const GVariantType *expected_type, gpointer user_data)
{
  if (!g_value_get_boolean (value))
    return NULL;
  return g_variant_new_string (user_data);
}

void
boot0_window_get_plan_options (Boot0Window *self, Boot0PlanOptions *options)
{
  g_autofree char *erase_mode = g_settings_get_string (self->settings, "erase-mode");

  boot0_plan_options_init (options);
  options->verify = g_settings_get_boolean (self->settings, "verify");
  options->run = g_settings_get_boolean (self->settings, "run");
  options->erase_mode =
      g_strcmp0 (erase_mode, "all") == 0 ? BOOT0_PLAN_ERASE_ALL : BOOT0_PLAN_ERASE_NEEDED;
  if (self->firmware != NULL && boot0_firmware_get_relocatable (self->firmware) &&
      self->address_unlocked)
    {
      options->unlock_address = TRUE;
      options->address = self->address;
    }
  if (self->device != NULL)
    boot0_plan_options_adapt_to_device (options, self->device);
}

/* The device card ------------------------------------------------------- */

/* "/dev/ttyUSB0 at 115200 baud, 8E1", the adapter and the entry sequence,
 * one a line. */
static char *
describe_uart_link (Boot0UartDevice *uart)
{
  Boot0UartEntry *entry = boot0_uart_device_get_entry (uart);
  const char *adapter = boot0_uart_dialog_get_adapter (uart);
  const char *preset = entry != NULL ? boot0_uart_entry_get_preset_name (entry) : NULL;
  const char *sequence = entry != NULL ? boot0_uart_entry_to_string (entry) : NULL;
  const char *framing;
  GString *text = g_string_new (NULL);

  switch (boot0_uart_device_get_parity (uart))
    {
      case BOOT0_PARITY_NONE:
        framing = "8N1";
        break;
      case BOOT0_PARITY_ODD:
        framing = "8O1";
        break;
      case BOOT0_PARITY_EVEN:
      default:
        framing = "8E1";
        break;
    }
  /* Translators: serial port, baud rate and framing: "/dev/ttyUSB0 at 115200 baud, 8E1". */
  g_string_printf (text, _ ("%s at %u baud, %s"), boot0_uart_device_get_port_name (uart),
                   boot0_uart_device_get_baud (uart), framing);
  if (adapter != NULL)
    g_string_append_printf (text, "\n%s", adapter);
  g_string_append_c (text, '\n');
  if (preset == NULL && (sequence == NULL || *sequence == '\0'))
    preset = "none";
  /* Translators: the DTR/RTS sequence (a preset name or the steps) used on the port. */
  g_string_append_printf (text, _ ("Entry sequence: %s"), preset != NULL ? preset : sequence);
  return g_string_free (text, FALSE);
}

/* "AN3155 v3.1 · Extended Erase": the erase command decides how sectors
 * are erased, which people comparing with stm32flash want to see. */
static char *
describe_uart_bootloader (Boot0UartDevice *uart)
{
  const char *version = boot0_device_get_bootloader_version (BOOT0_DEVICE (uart));
  const char *erase;

  switch (boot0_uart_device_get_erase_opcode (uart))
    {
      case 0x44:
        erase = _ ("Extended Erase");
        break;
      case 0x43:
        erase = _ ("Erase");
        break;
      default:
        erase = _ ("no erase command");
        break;
    }
  return g_strdup_printf ("%s · %s", version != NULL ? version : "AN3155", erase);
}

void
boot0_window_update_device_card (Boot0Window *self)
{
  Boot0Device *device = self->device;
  Boot0DfuseLayout *flash;
  gboolean uart;
  g_autofree char *path = NULL;
  g_autofree char *flash_text = NULL;
  const char *protection;

  if (device == NULL)
    return;
  uart = BOOT0_IS_UART_DEVICE (device);
  flash = boot0_device_get_flash (device);
  gtk_label_set_text (self->device_name_label, device_label (device));
  if (uart)
    {
      g_autofree char *bootloader = describe_uart_bootloader (BOOT0_UART_DEVICE (device));
      gtk_label_set_text (self->bootloader_label, bootloader);
    }
  else
    gtk_label_set_text (self->bootloader_label, boot0_device_get_bootloader_version (device));
  /* A UART bootloader has no serial number to show; its port row says
   * more. */
  gtk_widget_set_visible (self->serial_title_label, !uart);
  gtk_widget_set_visible (GTK_WIDGET (self->serial_label), !uart);
  gtk_widget_set_visible (self->disconnect_button, uart);
  gtk_label_set_text (self->path_title_label, uart ? _ ("Serial port") : _ ("USB port"));
  gtk_label_set_text (self->serial_label, boot0_device_get_serial (device) != NULL
                                              ? boot0_device_get_serial (device)
                                              : _ ("None"));
  if (uart)
    path = describe_uart_link (BOOT0_UART_DEVICE (device));
  else if (BOOT0_IS_DFUSE_DEVICE (device))
    /* Translators: a USB port path and the device's VID:PID. */
    path = g_strdup_printf (_ ("%s (USB ID %04x:%04x)"), boot0_device_get_path (device),
                            boot0_dfuse_device_get_vid (BOOT0_DFUSE_DEVICE (device)),
                            boot0_dfuse_device_get_pid (BOOT0_DFUSE_DEVICE (device)));
  else
    path = g_strdup (boot0_device_get_path (device));
  gtk_label_set_text (self->path_label, path);

  if (flash != NULL)
    {
      g_autofree char *size = boot0_plan_format_size (boot0_dfuse_layout_get_total_size (flash));
      guint n = boot0_dfuse_layout_get_n_sectors (flash);
      flash_text =
          g_strdup_printf (ngettext ("%s at 0x%08X, %u sector", "%s at 0x%08X, %u sectors", n),
                           size, boot0_dfuse_layout_get_start (flash), n);
    }
  else
    flash_text = g_strdup (_ ("None announced"));
  gtk_label_set_text (self->flash_label, flash_text);

  {
    GPtrArray *memories = boot0_device_get_memories (device);
    g_autoptr (GString) names = g_string_new (NULL);
    for (guint i = 0; memories != NULL && i < memories->len; i++)
      g_string_append_printf (names, "%s%s", i > 0 ? ", " : "",
                              boot0_dfuse_layout_get_name (g_ptr_array_index (memories, i)));
    gtk_label_set_text (self->memories_label, names->len > 0 ? names->str : _ ("None announced"));
  }

  switch (boot0_device_get_protection (device))
    {
      case BOOT0_PROTECTION_NONE:
        protection = _ ("None: the flash can be read and written");
        break;
      case BOOT0_PROTECTION_READ_PROTECTED:
        protection = _ ("Read-out protected: the bootloader refuses reading and programming until "
                        "the protection is removed (boot0-cli erase --unprotect, which erases the "
                        "chip)");
        break;
      case BOOT0_PROTECTION_UNKNOWN:
      default:
        protection = self->op == BOOT0_WINDOW_OP_PROBE ? _ ("Checking…") : _ ("Unknown");
        break;
    }
  gtk_label_set_text (self->protection_label, protection);
  if (boot0_device_get_protection (device) == BOOT0_PROTECTION_READ_PROTECTED)
    gtk_widget_add_css_class (GTK_WIDGET (self->protection_label), "warning");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->protection_label), "warning");
}

/* The firmware card ----------------------------------------------------- */

static char *
describe_segments (Boot0Firmware *image)
{
  guint n = boot0_firmware_get_n_segments (image);
  g_autoptr (GString) text = g_string_new (NULL);

  g_string_printf (text, "%u", n);
  for (guint i = 0; i < n && i < 4; i++)
    {
      const Boot0Segment *s = boot0_firmware_get_segment (image, i);
      g_string_append_printf (text, "%s0x%08X–0x%08X", i == 0 ? ": " : ", ",
                              boot0_segment_get_address (s),
                              (guint32)(boot0_segment_get_end (s) - 1));
    }
  if (n > 4)
    /* Translators: appended to a list of address ranges. */
    g_string_append_printf (text, _ (" and %u more"), n - 4);
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static char *
describe_suffix (Boot0Firmware *firmware)
{
  const Boot0DfuSuffix *suffix = boot0_firmware_get_dfu_suffix (firmware);
  g_autoptr (GString) text = NULL;
  const char *target;

  if (suffix == NULL)
    return g_strdup (_ ("None"));
  text = g_string_new (NULL);
  if (suffix->id_vendor == 0xFFFF && suffix->id_product == 0xFFFF)
    g_string_append (text, _ ("Any device"));
  else
    /* Translators: the USB VID:PID a DFU file names as its target. */
    g_string_append_printf (text, _ ("For USB ID %04x:%04x"), suffix->id_vendor,
                            suffix->id_product);
  if (suffix->bcd_device != 0xFFFF)
    g_string_append_printf (text, ", bcdDevice 0x%04X", suffix->bcd_device);
  target = boot0_firmware_get_target_name (firmware, 0);
  if (target != NULL && *target != '\0')
    /* Translators: the name of the DfuSe target in the file. */
    g_string_append_printf (text, _ ("; target “%s”"), target);
  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* The warning for a DFU suffix naming another VID/PID than the device's;
 * NULL when there is nothing to say. */
static char *
suffix_mismatch (Boot0Window *self)
{
  const Boot0DfuSuffix *suffix;
  guint16 vid, pid;

  if (self->firmware == NULL || self->device == NULL || !BOOT0_IS_DFUSE_DEVICE (self->device))
    return NULL;
  suffix = boot0_firmware_get_dfu_suffix (self->firmware);
  if (suffix == NULL)
    return NULL;
  vid = boot0_dfuse_device_get_vid (BOOT0_DFUSE_DEVICE (self->device));
  pid = boot0_dfuse_device_get_pid (BOOT0_DFUSE_DEVICE (self->device));
  if ((suffix->id_vendor == 0xFFFF || suffix->id_vendor == vid) &&
      (suffix->id_product == 0xFFFF || suffix->id_product == pid))
    return NULL;
  return g_strdup_printf (_ ("This file names USB device %04x:%04x as its target, but the board is "
                             "%04x:%04x. Program it only if you are sure it was built for this "
                             "chip."),
                          suffix->id_vendor, suffix->id_product, vid, pid);
}

/* A file built for another device keeps Program disabled until the user
 * deliberately says to use it anyway. */
static gboolean
suffix_blocks (Boot0Window *self)
{
  g_autofree char *mismatch = NULL;

  if (self->suffix_ignored)
    return FALSE;
  mismatch = suffix_mismatch (self);
  return mismatch != NULL;
}

static gboolean
default_address (Boot0Window *self, guint32 *address)
{
  Boot0DfuseLayout *flash = self->device != NULL ? boot0_device_get_flash (self->device) : NULL;

  if (flash != NULL)
    return boot0_plan_get_default_address (flash, address);
  *address = BOOT0_FIRMWARE_DEFAULT_BASE;
  return TRUE;
}

static void
update_address_row (Boot0Window *self)
{
  gboolean relocatable;
  guint32 address = 0;
  guint64 end = 0;

  gtk_widget_set_visible (self->address_box, self->firmware != NULL);
  if (self->firmware == NULL)
    return;
  relocatable = boot0_firmware_get_relocatable (self->firmware);
  gtk_widget_set_visible (GTK_WIDGET (self->unlock_button), relocatable);
  gtk_revealer_set_reveal_child (self->address_revealer, relocatable && self->address_unlocked);
  gtk_button_set_icon_name (GTK_BUTTON (self->unlock_button), self->address_unlocked
                                                                  ? "changes-allow-symbolic"
                                                                  : "changes-prevent-symbolic");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->unlock_button),
                               self->address_unlocked
                                   ? _ ("Lock the start address to the first writable sector")
                                   : _ ("Unlock to place the binary elsewhere"));

  if (!relocatable)
    {
      boot0_firmware_get_span (self->firmware, &address, &end);
      gtk_label_set_text (self->address_hint_label, _ ("Set by the file"));
    }
  else if (self->address_unlocked)
    {
      address = self->address;
      gtk_label_set_text (self->address_hint_label, self->address_valid
                                                        ? _ ("Unlocked: chosen by you")
                                                        : _ ("Unlocked: not valid yet"));
    }
  else
    {
      default_address (self, &address);
      gtk_label_set_text (self->address_hint_label, _ ("Locked to the first writable sector"));
    }
  if (relocatable && self->address_unlocked && !self->address_valid)
    gtk_label_set_text (self->address_label, "—");
  else
    {
      g_autofree char *text = g_strdup_printf ("0x%08X", address);
      gtk_label_set_text (self->address_label, text);
    }

  /* Errors under the entry, as the user types. */
  if (relocatable && self->address_unlocked)
    {
      const char *error = NULL;
      if (!self->address_valid)
        error = _ ("Not an address: type a number such as 0x08004000.");
      else if (self->plan_error != NULL)
        error = self->plan_error->message;
      gtk_label_set_text (self->address_error_label, error != NULL ? error : "");
      gtk_widget_set_visible (GTK_WIDGET (self->address_error_label), error != NULL);
      if (error != NULL)
        gtk_widget_add_css_class (GTK_WIDGET (self->address_entry), "error");
      else
        gtk_widget_remove_css_class (GTK_WIDGET (self->address_entry), "error");
    }
}

static void
update_firmware_card (Boot0Window *self)
{
  Boot0Firmware *fw = self->firmware;
  Boot0Firmware *placed;
  g_autofree char *summary = NULL;
  g_autofree char *size = NULL;
  g_autofree char *size_text = NULL;
  g_autofree char *segments = NULL;
  g_autofree char *crc = NULL;
  g_autofree char *suffix = NULL;
  g_autofree char *mismatch = NULL;
  guint n;

  if (fw == NULL)
    {
      gtk_label_set_text (self->firmware_summary_label, _ ("No file loaded"));
      gtk_stack_set_visible_child_name (self->firmware_stack, "empty");
      gtk_widget_set_visible (self->address_box, FALSE);
      return;
    }
  n = boot0_firmware_get_n_segments (fw);
  size = boot0_plan_format_size (boot0_firmware_get_total_size (fw));
  summary = g_markup_printf_escaped (
      ngettext ("<b>%s</b>\n%s, %s, %u segment", "<b>%s</b>\n%s, %s, %u segments", n),
      self->firmware_name, format_description (boot0_firmware_get_format (fw)), size, n);
  gtk_label_set_markup (self->firmware_summary_label, summary);
  gtk_stack_set_visible_child_name (self->firmware_stack, "loaded");

  gtk_label_set_text (self->format_label, format_description (boot0_firmware_get_format (fw)));
  size_text = g_strdup_printf (
      ngettext ("%s (%lu byte)", "%s (%lu bytes)", (gulong)boot0_firmware_get_total_size (fw)),
      size, (gulong)boot0_firmware_get_total_size (fw));
  gtk_label_set_text (self->size_label, size_text);
  /* Where the bytes go: the planned copy knows the final addresses. */
  placed = self->plan != NULL ? boot0_plan_get_image (self->plan) : fw;
  segments = describe_segments (placed);
  gtk_label_set_text (self->segments_label, segments);
  crc = g_strdup_printf ("0x%08X", boot0_firmware_get_crc32 (fw));
  gtk_label_set_text (self->crc_label, crc);
  gtk_label_set_text (self->sha_label, self->firmware_sha256);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->sha_label), self->firmware_sha256);
  suffix = describe_suffix (fw);
  gtk_label_set_text (self->suffix_label, suffix);
  /* Most files carry none: then the row is noise. */
  gtk_widget_set_visible (self->suffix_title_label, boot0_firmware_get_dfu_suffix (fw) != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->suffix_label),
                          boot0_firmware_get_dfu_suffix (fw) != NULL);

  mismatch = suffix_mismatch (self);
  gtk_widget_set_visible (self->suffix_warning_box, mismatch != NULL);
  gtk_label_set_text (self->suffix_warning_label, mismatch != NULL ? mismatch : "");

  update_address_row (self);
}

/* Planning -------------------------------------------------------------- */

static void
refresh_plan (Boot0Window *self)
{
  Boot0DfuseLayout *flash = self->device != NULL ? boot0_device_get_flash (self->device) : NULL;
  Boot0PlanOptions options;

  g_clear_object (&self->plan);
  g_clear_error (&self->plan_error);

  if (self->firmware != NULL && boot0_firmware_get_relocatable (self->firmware))
    {
      /* Keep our copy where it will go, so the map and the segment list
       * show the real addresses even when the plan is refused. */
      guint32 base = BOOT0_FIRMWARE_DEFAULT_BASE;
      if (self->address_unlocked && self->address_valid)
        base = self->address;
      else
        default_address (self, &base);
      if (!boot0_firmware_relocate (self->firmware, base, NULL))
        g_debug ("cannot show the image at 0x%08X", base);
    }

  if (self->firmware != NULL && flash != NULL &&
      !(self->address_unlocked && boot0_firmware_get_relocatable (self->firmware) &&
        !self->address_valid))
    {
      boot0_window_get_plan_options (self, &options);
      self->plan = boot0_plan_new (self->firmware, flash, &options, &self->plan_error);
    }

  boot0_memory_map_set_layout (self->memory_map, flash);
  boot0_memory_map_set_plan (self->memory_map, self->plan);
  /* Our copy may have moved (relocated in place): hand it over afresh. */
  boot0_memory_map_set_image (self->memory_map, NULL);
  boot0_memory_map_set_image (self->memory_map, self->plan == NULL ? self->firmware : NULL);

  update_firmware_card (self);
  boot0_window_update_state (self);
}

void
boot0_window_refresh_plan (Boot0Window *self)
{
  refresh_plan (self);
}

/* The state of every control ---------------------------------------------- */

static void
set_status (Boot0Window *self, const char *icon, const char *style, const char *text)
{
  const char *styles[] = { "success", "warning", "error" };

  gtk_image_set_from_icon_name (self->status_icon, icon);
  for (guint i = 0; i < G_N_ELEMENTS (styles); i++)
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self->status_icon), styles[i]);
      gtk_widget_remove_css_class (GTK_WIDGET (self->status_label), styles[i]);
    }
  if (style != NULL)
    {
      gtk_widget_add_css_class (GTK_WIDGET (self->status_icon), style);
      if (g_strcmp0 (style, "success") != 0)
        gtk_widget_add_css_class (GTK_WIDGET (self->status_label), style);
    }
  gtk_label_set_text (self->status_label, text);
}

static void
update_status (Boot0Window *self)
{
  Boot0DfuseLayout *flash = self->device != NULL ? boot0_device_get_flash (self->device) : NULL;
  g_autofree char *mismatch = suffix_mismatch (self);

  if (self->device == NULL)
    set_status (self, "dialog-information-symbolic", NULL, _ ("No device connected."));
  else if (self->op == BOOT0_WINDOW_OP_PROBE)
    set_status (self, "content-loading-symbolic", NULL, _ ("Reading the device…"));
  else if (flash == NULL && BOOT0_IS_DFUSE_DEVICE (self->device) &&
           boot0_dfuse_device_get_names_unread (BOOT0_DFUSE_DEVICE (self->device)))
    set_status (self, "dialog-error-symbolic", "error",
                _ ("Boot0 may not use this board: install the udev rule (above), then unplug "
                   "and replug it."));
  else if (flash == NULL)
    set_status (self, "dialog-error-symbolic", "error",
                _ ("This device shows no flash memory that Boot0 can program."));
  else if (self->firmware == NULL)
    set_status (self, "dialog-information-symbolic", NULL,
                _ ("Open or drop a firmware file to program this board."));
  else if (self->address_unlocked && boot0_firmware_get_relocatable (self->firmware) &&
           !self->address_valid)
    set_status (self, "dialog-warning-symbolic", "warning",
                _ ("Type a valid start address, or lock it again."));
  else if (self->plan == NULL)
    {
      g_autofree char *text = g_strdup_printf (
          _ ("Cannot program: %s."), self->plan_error != NULL ? self->plan_error->message : "?");
      /* The core's messages may already end with a full stop. */
      if (g_str_has_suffix (text, ".."))
        text[strlen (text) - 1] = '\0';
      set_status (self, "dialog-error-symbolic", "error", text);
    }
  else if (mismatch != NULL && !self->suffix_ignored)
    set_status (self, "dialog-warning-symbolic", "warning",
                _ ("This file was built for another USB device: press “Use Anyway” if you are "
                   "sure it fits this board."));
  else
    {
      g_autofree char *summary = boot0_plan_get_summary (self->plan);
      /* Translators: %s is the plan, e.g. "erase 2 sectors (...), write 41.5 KiB at
       * 0x08000000, verify, run at 0x08000000". */
      g_autofree char *text = g_strdup_printf (_ ("Ready to %s."), summary);
      set_status (self, "object-select-symbolic", "success", text);
    }
}

void
boot0_window_update_state (Boot0Window *self)
{
  GtkWidget *widget = GTK_WIDGET (self);
  gboolean busy = boot0_window_is_busy (self);
  gboolean idle = !busy;
  Boot0DfuseLayout *flash = self->device != NULL ? boot0_device_get_flash (self->device) : NULL;
  gboolean address_ok = !(self->firmware != NULL && self->address_unlocked &&
                          boot0_firmware_get_relocatable (self->firmware) && !self->address_valid);
  gboolean erase_all = gtk_check_button_get_active (self->erase_all_check);
  guint32 run_address;
  gboolean show_device;

  gtk_widget_action_set_enabled (widget, "win.program",
                                 idle && self->plan != NULL && !suffix_blocks (self));
  gtk_widget_action_set_enabled (widget, "win.ignore-suffix", idle);
  gtk_widget_action_set_enabled (widget, "win.erase",
                                 idle && flash != NULL &&
                                     (self->firmware == NULL || erase_all || self->plan != NULL));
  /* An unlocked address the plan refuses is as wrong for Verify. */
  gtk_widget_action_set_enabled (widget, "win.verify",
                                 idle && flash != NULL && self->firmware != NULL && address_ok &&
                                     !(self->address_unlocked && self->plan == NULL));
  gtk_widget_action_set_enabled (widget, "win.read", idle && flash != NULL);
  gtk_widget_action_set_enabled (widget, "win.run",
                                 idle && self->device != NULL &&
                                     boot0_window_get_run_address (self, &run_address));
  gtk_widget_action_set_enabled (widget, "win.cancel",
                                 busy && self->op != BOOT0_WINDOW_OP_PROBE &&
                                     !g_cancellable_is_cancelled (self->cancellable));
  gtk_widget_action_set_enabled (widget, "win.open", idle);
  gtk_widget_action_set_enabled (widget, "win.open-recent", idle);
  gtk_widget_action_set_enabled (widget, "win.unlock-address", idle);
  gtk_widget_action_set_enabled (widget, "win.connect-uart", idle);
  gtk_widget_action_set_enabled (widget, "win.disconnect",
                                 idle && self->device != NULL &&
                                     BOOT0_IS_UART_DEVICE (self->device));

  gtk_widget_set_sensitive (GTK_WIDGET (self->device_picker), idle);
  gtk_widget_set_sensitive (GTK_WIDGET (self->erase_needed_check), idle);
  gtk_widget_set_sensitive (GTK_WIDGET (self->erase_all_check), idle);
  gtk_widget_set_sensitive (GTK_WIDGET (self->verify_check), idle);
  gtk_widget_set_sensitive (GTK_WIDGET (self->run_check), idle);
  gtk_widget_set_sensitive (GTK_WIDGET (self->address_entry), idle);

  /* While a job runs its device stays on screen, even if it left: the job
   * reports that itself. */
  show_device = self->device != NULL || (busy && self->op_device != NULL);
  gtk_stack_set_visible_child_name (self->main_stack, show_device ? "device" : "no-device");
  gtk_stack_set_visible_child_name (
      self->bottom_stack, busy && self->op != BOOT0_WINDOW_OP_PROBE ? "progress" : "actions");
  update_status (self);

  if (self->firmware != NULL && self->device == NULL)
    {
      g_autofree char *text =
          g_strdup_printf (_ ("%s is loaded: it will be ready to program as soon as the board "
                              "shows up."),
                           self->firmware_name);
      gtk_label_set_text (self->preload_label, text);
      gtk_widget_set_visible (GTK_WIDGET (self->preload_label), TRUE);
    }
  else
    gtk_widget_set_visible (GTK_WIDGET (self->preload_label), FALSE);
}

/* Devices --------------------------------------------------------------- */

static char *
describe_device (Boot0Device *device)
{
  const char *serial = boot0_device_get_serial (device);

  if (serial != NULL)
    /* Translators: chip name, USB port, serial number. */
    return g_strdup_printf (_ ("%s at %s, serial %s"), device_label (device),
                            boot0_device_get_path (device), serial);
  /* Translators: chip name, USB port. */
  return g_strdup_printf (_ ("%s at %s"), device_label (device), boot0_device_get_path (device));
}

static void
rebuild_picker (Boot0Window *self)
{
  guint n_old = g_list_model_get_n_items (G_LIST_MODEL (self->device_model));
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  guint selected = GTK_INVALID_LIST_POSITION;

  for (guint i = 0; i < self->devices->len; i++)
    {
      Boot0Device *device = g_ptr_array_index (self->devices, i);
      g_ptr_array_add (names, describe_device (device));
      if (device == self->device)
        selected = i;
    }
  g_ptr_array_add (names, NULL);
  self->updating_picker = TRUE;
  gtk_string_list_splice (self->device_model, 0, n_old, (const char *const *)names->pdata);
  gtk_drop_down_set_selected (self->device_picker, selected);
  self->updating_picker = FALSE;
  gtk_widget_set_visible (GTK_WIDGET (self->device_picker), self->devices->len > 1);
}

static void
select_device (Boot0Window *self, Boot0Device *device)
{
  if (self->device == device)
    return;
  g_set_object (&self->device, device);
  rebuild_picker (self);
  if (device != NULL)
    {
      g_autofree char *text = describe_device (device);
      boot0_window_log (self, TRUE, _ ("Selected %s"), text);
      boot0_window_update_device_card (self);
    }
  refresh_plan (self);
  if (device != NULL && boot0_device_get_protection (device) == BOOT0_PROTECTION_UNKNOWN &&
      device != self->probe_failed && !boot0_window_is_busy (self))
    boot0_window_start_probe (self);
}

void
boot0_window_sync_devices (Boot0Window *self)
{
  if (self->device != NULL && !g_ptr_array_find (self->devices, self->device, NULL))
    select_device (self, self->devices->len > 0 ? g_ptr_array_index (self->devices, 0) : NULL);
  else if (self->device == NULL && self->devices->len > 0)
    select_device (self, g_ptr_array_index (self->devices, 0));
  else if (self->device != NULL &&
           boot0_device_get_protection (self->device) == BOOT0_PROTECTION_UNKNOWN &&
           self->device != self->probe_failed && !boot0_window_is_busy (self))
    boot0_window_start_probe (self);
  boot0_window_update_state (self);
}

static void
log_device_details (Boot0Window *self, Boot0Device *device)
{
  GPtrArray *memories = boot0_device_get_memories (device);

  boot0_window_log (self, TRUE, _ ("  Bootloader: %s; transfer size %lu bytes"),
                    boot0_device_get_bootloader_version (device),
                    (gulong)boot0_device_get_transfer_size (device));
  for (guint i = 0; memories != NULL && i < memories->len; i++)
    {
      g_autofree char *layout = boot0_dfuse_layout_to_string (g_ptr_array_index (memories, i));
      boot0_window_log (self, TRUE, _ ("  Memory: %s"), layout);
    }
}

static void
device_added_cb (Boot0UsbContext *usb, Boot0DfuseDevice *dfuse, Boot0Window *self)
{
  Boot0Device *device = BOOT0_DEVICE (dfuse);
  g_autofree char *text = describe_device (device);

  if (g_ptr_array_find (self->devices, device, NULL))
    return;
  g_ptr_array_add (self->devices, g_object_ref (device));
  boot0_window_log (self, FALSE, _ ("Connected: %s"), text);
  /* A board arrived: the result shown was about the previous one. */
  if (!boot0_window_is_busy (self))
    boot0_window_clear_result (self);
  log_device_details (self, device);
  rebuild_picker (self);
  if (!boot0_window_is_busy (self))
    boot0_window_sync_devices (self);
}

static void
device_removed_cb (Boot0UsbContext *usb, Boot0DfuseDevice *dfuse, Boot0Window *self)
{
  Boot0Device *device = BOOT0_DEVICE (dfuse);
  g_autofree char *text = describe_device (device);
  guint idx;

  if (!g_ptr_array_find (self->devices, device, &idx))
    return;
  boot0_window_log (self, FALSE, _ ("Disconnected: %s"), text);
  g_ptr_array_remove_index (self->devices, idx);
  rebuild_picker (self);
  if (!boot0_window_is_busy (self))
    boot0_window_sync_devices (self);
}

static void
picker_selected_cb (Boot0Window *self)
{
  guint selected = gtk_drop_down_get_selected (self->device_picker);

  if (self->updating_picker || selected >= self->devices->len)
    return;
  select_device (self, g_ptr_array_index (self->devices, selected));
}

/* UART devices: connected from the dialog, gone only when disconnected. */
static void
uart_connected_cb (Boot0UartDialog *dialog, Boot0UartDevice *uart, Boot0Window *self)
{
  Boot0Device *device = BOOT0_DEVICE (uart);
  g_autofree char *text = describe_device (device);
  g_autofree char *link = describe_uart_link (uart);
  g_auto (GStrv) lines = g_strsplit (link, "\n", -1);
  g_autofree char *details = g_strjoinv ("; ", lines);

  /* Connecting to a port again replaces what was connected there. */
  for (guint i = 0; i < self->devices->len; i++)
    {
      Boot0Device *old = g_ptr_array_index (self->devices, i);
      if (BOOT0_IS_UART_DEVICE (old) && old != self->op_device &&
          g_strcmp0 (boot0_device_get_path (old), boot0_device_get_path (device)) == 0)
        {
          g_ptr_array_remove_index (self->devices, i);
          break;
        }
    }
  g_ptr_array_add (self->devices, g_object_ref (device));
  boot0_window_log (self, FALSE, _ ("Connected: %s (%s)"), text, details);
  log_device_details (self, device);
  rebuild_picker (self);
  if (!boot0_window_is_busy (self))
    {
      boot0_window_clear_result (self);
      select_device (self, device);
    }
  boot0_window_update_state (self);
}

static void
connect_uart_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  Boot0Window *self = BOOT0_WINDOW (widget);
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));
  Boot0UartDialog *dialog;

  if (self->uart_dialog != NULL)
    {
      gtk_window_present (self->uart_dialog);
      return;
    }
  dialog = boot0_uart_dialog_new (GTK_WINDOW (self), self->settings,
                                  boot0_application_get_chip_db (BOOT0_APPLICATION (app)));
  self->uart_dialog = GTK_WINDOW (dialog);
  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *)&self->uart_dialog);
  g_signal_connect_object (dialog, "connected", G_CALLBACK (uart_connected_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
disconnect_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  Boot0Window *self = BOOT0_WINDOW (widget);
  Boot0Device *device = self->device;
  g_autofree char *text = NULL;
  guint idx;

  if (boot0_window_is_busy (self) || device == NULL || !BOOT0_IS_UART_DEVICE (device) ||
      !g_ptr_array_find (self->devices, device, &idx))
    return;
  /* Jobs close the port when they end: nothing is open here. */
  text = describe_device (device);
  boot0_window_log (self, FALSE, _ ("Disconnected: %s"), text);
  if (self->probe_failed == device)
    g_clear_object (&self->probe_failed);
  g_ptr_array_remove_index (self->devices, idx);
  boot0_window_clear_result (self);
  rebuild_picker (self);
  boot0_window_sync_devices (self);
}

/* Loading firmware ------------------------------------------------------ */

typedef struct
{
  Boot0Firmware *firmware;
  char *sha256;
} LoadResult;

static void
load_result_free (LoadResult *result)
{
  g_clear_object (&result->firmware);
  g_free (result->sha256);
  g_free (result);
}

static void
load_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  const char *path = task_data;
  LoadResult *result = g_new0 (LoadResult, 1);
  GError *error = NULL;

  result->firmware = boot0_firmware_load_file (path, BOOT0_FIRMWARE_FORMAT_UNKNOWN,
                                               BOOT0_FIRMWARE_DEFAULT_BASE, &error);
  if (result->firmware == NULL)
    {
      load_result_free (result);
      g_task_return_error (task, error);
      return;
    }
  /* Checksums over megabytes: here, not on the main thread. */
  result->sha256 = boot0_firmware_get_sha256 (result->firmware);
  boot0_firmware_get_crc32 (result->firmware);
  g_task_return_pointer (task, result, (GDestroyNotify)load_result_free);
}

static void
load_done_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  Boot0Window *self = BOOT0_WINDOW (source);
  GFile *file = user_data;
  g_autoptr (GError) error = NULL;
  LoadResult *result = g_task_propagate_pointer (G_TASK (res), &error);
  g_autofree char *name = g_file_get_basename (file);
  g_autofree char *size = NULL;

  if (result == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_autofree char *title = g_strdup_printf (_ ("Failed to load %s"), name);
          g_autofree char *detail = g_markup_escape_text (error->message, -1);
          boot0_window_log (self, FALSE, "%s: %s", title, error->message);
          g_clear_object (&self->op_device);
          boot0_window_show_result (self, BOOT0_WINDOW_RESULT_ERROR, title, detail, FALSE);
        }
      g_object_unref (file);
      return;
    }

  g_set_object (&self->firmware, result->firmware);
  g_set_object (&self->firmware_file, file);
  g_free (self->firmware_name);
  self->firmware_name = g_strdup (name);
  g_free (self->firmware_sha256);
  self->firmware_sha256 = g_strdup (result->sha256);
  load_result_free (result);

  size = boot0_plan_format_size (boot0_firmware_get_total_size (self->firmware));
  boot0_window_log (self, FALSE, _ ("Loaded %s: %s, %s, CRC-32 0x%08X, SHA-256 %s"), name,
                    format_description (boot0_firmware_get_format (self->firmware)), size,
                    boot0_firmware_get_crc32 (self->firmware), self->firmware_sha256);
  add_recent_file (self, file);
  boot0_window_remember_folder (self, file);

  /* Each file starts locked: unlocking is a deliberate act. */
  if (self->address_unlocked)
    {
      self->address_unlocked = FALSE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ADDRESS_UNLOCKED]);
    }
  /* So is programming a file built for another device. */
  if (self->suffix_ignored)
    {
      self->suffix_ignored = FALSE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SUFFIX_IGNORED]);
    }
  if (gtk_revealer_get_reveal_child (self->result_revealer) &&
      gtk_widget_has_css_class (self->result_box, "failure"))
    boot0_window_clear_result (self);
  refresh_plan (self);
  if (self->plan_error != NULL)
    boot0_window_log (self, FALSE, _ ("Cannot program %s: %s"), name, self->plan_error->message);
  g_object_unref (file);
}

void
boot0_window_open_file (Boot0Window *self, GFile *file)
{
  g_autoptr (GTask) task = NULL;
  char *path;

  g_return_if_fail (BOOT0_IS_WINDOW (self));
  g_return_if_fail (G_IS_FILE (file));

  if (boot0_window_is_busy (self) && self->op != BOOT0_WINDOW_OP_PROBE)
    {
      boot0_window_log (self, FALSE, _ ("Wait for the running job to end before loading a file."));
      gtk_widget_error_bell (GTK_WIDGET (self));
      return;
    }
  path = g_file_get_path (file);
  if (path == NULL)
    {
      g_autofree char *uri = g_file_get_uri (file);
      g_autofree char *detail = g_markup_printf_escaped (
          _ ("%s is not a local file: copy it to this computer first."), uri);
      boot0_window_show_result (self, BOOT0_WINDOW_RESULT_ERROR, _ ("Failed to load the file"),
                                detail, FALSE);
      return;
    }
  g_cancellable_cancel (self->load_cancellable);
  g_clear_object (&self->load_cancellable);
  self->load_cancellable = g_cancellable_new ();
  task = g_task_new (self, self->load_cancellable, load_done_cb, g_object_ref (file));
  g_task_set_source_tag (task, boot0_window_open_file);
  g_task_set_task_data (task, path, g_free);
  g_task_run_in_thread (task, load_thread);
}

static void
add_filter (GtkFileChooser *chooser, const char *name, const char *const *patterns)
{
  g_autoptr (GtkFileFilter) filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, name);
  for (guint i = 0; patterns[i] != NULL; i++)
    gtk_file_filter_add_pattern (filter, patterns[i]);
  gtk_file_chooser_add_filter (chooser, filter);
}

static void
open_response_cb (GtkNativeDialog *dialog, int response, Boot0Window *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      if (file != NULL)
        boot0_window_open_file (self, file);
    }
  g_clear_object (&self->chooser);
}

static void
set_chooser_folder (Boot0Window *self, GtkFileChooser *chooser)
{
  g_autofree char *folder = g_settings_get_string (self->settings, "last-folder");

  if (folder != NULL && *folder != '\0' && g_file_test (folder, G_FILE_TEST_IS_DIR))
    {
      g_autoptr (GFile) dir = g_file_new_for_path (folder);
      gtk_file_chooser_set_current_folder (chooser, dir, NULL);
    }
}

static void
open_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  Boot0Window *self = BOOT0_WINDOW (widget);
  GtkFileChooser *chooser;
  const char *all[] = { "*.bin", "*.hex", "*.ihex", "*.ihx", "*.dfu", "*.srec", "*.s19",
                        "*.s28", "*.s37", "*.mot",  "*.elf", "*.axf", "*.out",  NULL };
  const char *bin[] = { "*.bin", NULL };
  const char *hex[] = { "*.hex", "*.ihex", "*.ihx", NULL };
  const char *dfu[] = { "*.dfu", NULL };
  const char *srec[] = { "*.srec", "*.s19", "*.s28", "*.s37", "*.mot", NULL };
  const char *elf[] = { "*.elf", "*.axf", "*.out", NULL };
  const char *any[] = { "*", NULL };

  if (self->chooser != NULL)
    return;
  self->chooser =
      gtk_file_chooser_native_new (_ ("Open Firmware"), GTK_WINDOW (self),
                                   GTK_FILE_CHOOSER_ACTION_OPEN, _ ("_Open"), _ ("_Cancel"));
  chooser = GTK_FILE_CHOOSER (self->chooser);
  add_filter (chooser, _ ("Firmware files"), all);
  add_filter (chooser, _ ("Raw binary (.bin)"), bin);
  add_filter (chooser, _ ("Intel HEX (.hex)"), hex);
  add_filter (chooser, _ ("DfuSe (.dfu)"), dfu);
  add_filter (chooser, _ ("Motorola S-record (.srec, .s19)"), srec);
  add_filter (chooser, _ ("ELF executable (.elf)"), elf);
  add_filter (chooser, _ ("All files"), any);
  set_chooser_folder (self, chooser);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  g_signal_connect (self->chooser, "response", G_CALLBACK (open_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

static void
open_recent_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  g_autoptr (GFile) file = g_file_new_for_path (g_variant_get_string (parameter, NULL));

  boot0_window_open_file (BOOT0_WINDOW (widget), file);
}

static gboolean
drop_cb (GtkDropTarget *target, const GValue *value, double x, double y, Boot0Window *self)
{
  GSList *files;

  gtk_widget_remove_css_class (self->content_box, "drop-active");
  if (!G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    return FALSE;
  files = gdk_file_list_get_files (g_value_get_boxed (value));
  if (files == NULL)
    return FALSE;
  boot0_window_open_file (self, G_FILE (files->data));
  g_slist_free (files);
  return TRUE;
}

static GdkDragAction
drop_enter_cb (GtkDropTarget *target, double x, double y, Boot0Window *self)
{
  if (boot0_window_is_busy (self) && self->op != BOOT0_WINDOW_OP_PROBE)
    return 0;
  gtk_widget_add_css_class (self->content_box, "drop-active");
  return GDK_ACTION_COPY;
}

static void
drop_leave_cb (GtkDropTarget *target, Boot0Window *self)
{
  gtk_widget_remove_css_class (self->content_box, "drop-active");
}

/* The start address ----------------------------------------------------- */

/* "0x08004000" or decimal; nothing else, so a typo is not taken for an
 * address. */
static gboolean
parse_address (const char *text, guint32 *address)
{
  g_autofree char *s = g_strstrip (g_strdup (text));
  guint64 value = 0;
  gboolean hex = g_str_has_prefix (s, "0x") || g_str_has_prefix (s, "0X");

  if (!g_ascii_string_to_unsigned (hex ? s + 2 : s, hex ? 16 : 10, 0, G_MAXUINT32, &value, NULL))
    return FALSE;
  *address = (guint32)value;
  return TRUE;
}

static void
address_changed_cb (Boot0Window *self)
{
  guint32 address = 0;

  if (!self->address_unlocked)
    return;
  self->address_valid =
      parse_address (gtk_editable_get_text (GTK_EDITABLE (self->address_entry)), &address);
  if (self->address_valid)
    self->address = address;
  refresh_plan (self);
}

static void
set_address_unlocked (Boot0Window *self, gboolean unlocked)
{
  if (self->address_unlocked == unlocked)
    return;
  self->address_unlocked = unlocked;
  if (unlocked)
    {
      g_autofree char *text = NULL;
      guint32 address = BOOT0_FIRMWARE_DEFAULT_BASE;
      default_address (self, &address);
      self->address = address;
      self->address_valid = TRUE;
      text = g_strdup_printf ("0x%08X", address);
      gtk_editable_set_text (GTK_EDITABLE (self->address_entry), text);
      boot0_window_log (self, FALSE, _ ("Start address unlocked"));
      gtk_widget_grab_focus (GTK_WIDGET (self->address_entry));
    }
  else
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self->address_entry), "error");
      gtk_widget_set_visible (GTK_WIDGET (self->address_error_label), FALSE);
      boot0_window_log (self, FALSE, _ ("Start address locked to the first writable sector"));
    }
  refresh_plan (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ADDRESS_UNLOCKED]);
}

static void
set_suffix_ignored (Boot0Window *self, gboolean ignored)
{
  if (self->suffix_ignored == ignored)
    return;
  self->suffix_ignored = ignored;
  if (ignored)
    {
      g_autofree char *mismatch = suffix_mismatch (self);
      boot0_window_log (self, FALSE, _ ("DFU suffix ignored: %s"),
                        mismatch != NULL ? mismatch : "");
    }
  update_firmware_card (self);
  boot0_window_update_state (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SUFFIX_IGNORED]);
}

/* Actions --------------------------------------------------------------- */

static void
program_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  boot0_window_start_program (BOOT0_WINDOW (widget));
}

static void
erase_confirm_cb (GtkDialog *dialog, int response, Boot0Window *self)
{
  gtk_window_destroy (GTK_WINDOW (dialog));
  if (response == GTK_RESPONSE_ACCEPT)
    boot0_window_start_erase (self);
}

/* Erasing the sectors a file needs is what Program does anyway; wiping the
 * whole flash from one click deserves a question. */
static void
erase_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  Boot0Window *self = BOOT0_WINDOW (widget);
  GtkWidget *dialog;
  GtkWidget *button;

  if (self->firmware != NULL && !gtk_check_button_get_active (self->erase_all_check))
    {
      boot0_window_start_erase (self);
      return;
    }
  if (self->device == NULL)
    return;
  dialog =
      gtk_message_dialog_new (GTK_WINDOW (self), GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
                              GTK_MESSAGE_QUESTION, GTK_BUTTONS_NONE, _ ("Erase the whole flash?"));
  gtk_message_dialog_format_secondary_text (
      GTK_MESSAGE_DIALOG (dialog),
      _ ("Everything in the flash of the %s is lost, except a bootloader’s protected sectors."),
      device_label (self->device));
  gtk_dialog_add_button (GTK_DIALOG (dialog), _ ("_Cancel"), GTK_RESPONSE_CANCEL);
  button = gtk_dialog_add_button (GTK_DIALOG (dialog), _ ("_Erase"), GTK_RESPONSE_ACCEPT);
  gtk_widget_add_css_class (button, "destructive-action");
  gtk_dialog_set_default_response (GTK_DIALOG (dialog), GTK_RESPONSE_CANCEL);
  g_signal_connect (dialog, "response", G_CALLBACK (erase_confirm_cb), self);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
verify_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  boot0_window_start_verify (BOOT0_WINDOW (widget));
}

static void
run_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  boot0_window_start_run (BOOT0_WINDOW (widget));
}

static void
cancel_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  boot0_window_cancel (BOOT0_WINDOW (widget));
}

static void
read_response_cb (GtkNativeDialog *dialog, int response, Boot0Window *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      GtkFileFilter *filter = gtk_file_chooser_get_filter (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = file != NULL ? g_file_get_path (file) : NULL;

      /* No known extension: add the chosen filter's. */
      if (path != NULL &&
          boot0_firmware_format_from_filename (path) == BOOT0_FIRMWARE_FORMAT_UNKNOWN)
        {
          const char *ext = filter != NULL ? g_object_get_data (G_OBJECT (filter), "ext") : NULL;
          g_autofree char *fixed = g_strconcat (path, ext != NULL ? ext : ".bin", NULL);
          g_clear_object (&file);
          file = g_file_new_for_path (fixed);
        }
      if (file != NULL)
        boot0_window_start_read (self, file);
    }
  g_clear_object (&self->chooser);
}

static void
add_save_filter (GtkFileChooser *chooser, const char *name, const char *pattern, const char *ext)
{
  g_autoptr (GtkFileFilter) filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, name);
  gtk_file_filter_add_pattern (filter, pattern);
  g_object_set_data (G_OBJECT (filter), "ext", (gpointer)ext);
  gtk_file_chooser_add_filter (chooser, filter);
}

static void
read_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  Boot0Window *self = BOOT0_WINDOW (widget);
  GtkFileChooser *chooser;
  g_autoptr (GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *stamp = g_date_time_format (now, "%Y%m%d-%H%M%S");
  g_autofree char *chip = NULL;
  g_autofree char *name = NULL;

  if (self->chooser != NULL || self->device == NULL)
    return;
  self->chooser =
      gtk_file_chooser_native_new (_ ("Save a Backup of the Flash"), GTK_WINDOW (self),
                                   GTK_FILE_CHOOSER_ACTION_SAVE, _ ("_Save"), _ ("_Cancel"));
  chooser = GTK_FILE_CHOOSER (self->chooser);
  add_save_filter (chooser, _ ("Raw binary (.bin)"), "*.bin", ".bin");
  add_save_filter (chooser, _ ("Intel HEX (.hex)"), "*.hex", ".hex");
  add_save_filter (chooser, _ ("DfuSe (.dfu)"), "*.dfu", ".dfu");
  add_save_filter (chooser, _ ("Motorola S-record (.srec)"), "*.srec", ".srec");
  set_chooser_folder (self, chooser);
  /* "backup-STM32F405-20261121-120304.bin": a name that sorts and says what. */
  chip = g_strdup (device_label (self->device));
  g_strdelimit (chip, " /\\:*?\"<>|", '-');
  name = g_strdup_printf ("backup-%s-%s.bin", chip, stamp);
  gtk_file_chooser_set_current_name (chooser, name);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  g_signal_connect (self->chooser, "response", G_CALLBACK (read_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

/* GObject / GtkWidget --------------------------------------------------- */

static gboolean
boot0_window_close_request (GtkWindow *window)
{
  Boot0Window *self = BOOT0_WINDOW (window);
  int width, height;

  if (!gtk_window_is_maximized (window))
    {
      gtk_window_get_default_size (window, &width, &height);
      g_settings_set_int (self->settings, "window-width", width);
      g_settings_set_int (self->settings, "window-height", height);
    }
  /* Never leave a worker thread on the device: cancel, close when it ends. */
  if (boot0_window_is_busy (self))
    {
      self->close_pending = TRUE;
      boot0_window_cancel (self);
      return TRUE;
    }
  return GTK_WINDOW_CLASS (boot0_window_parent_class)->close_request (window);
}

/* tests/bench/bench-gui.py: when the first frame is on screen. */
static void
first_frame_cb (GdkFrameClock *clock, Boot0Window *self)
{
  g_print ("BOOT0_FIRST_FRAME_US=%" G_GINT64_FORMAT "\n", g_get_monotonic_time ());
  g_signal_handlers_disconnect_by_func (clock, first_frame_cb, self);
}

static void
realize_cb (Boot0Window *self)
{
  if (g_getenv ("BOOT0_BENCH_STARTUP") != NULL)
    g_signal_connect (gtk_widget_get_frame_clock (GTK_WIDGET (self)), "after-paint",
                      G_CALLBACK (first_frame_cb), self);
}

/* GtkWindow:application is set after constructed(): the setup that needs
 * the application runs from boot0_window_new(). */
static void
setup (Boot0Window *self, Boot0Application *app)
{
  const GError *usb_error;

  self->settings = g_object_ref (boot0_application_get_settings (app));
  gtk_window_set_default_size (GTK_WINDOW (self),
                               g_settings_get_int (self->settings, "window-width"),
                               g_settings_get_int (self->settings, "window-height"));
  g_settings_bind (self->settings, "verify", self->verify_check, "active", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "run", self->run_check, "active", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind_with_mapping (self->settings, "erase-mode", self->erase_needed_check, "active",
                                G_SETTINGS_BIND_DEFAULT, erase_mode_get_mapping,
                                erase_mode_set_mapping, (gpointer) "needed", NULL);
  g_settings_bind_with_mapping (self->settings, "erase-mode", self->erase_all_check, "active",
                                G_SETTINGS_BIND_DEFAULT, erase_mode_get_mapping,
                                erase_mode_set_mapping, (gpointer) "all", NULL);
  g_signal_connect_object (self->settings, "changed", G_CALLBACK (settings_changed_cb), self, 0);
  rebuild_recent (self);

  boot0_window_log (self, FALSE, _ ("Boot0 %s started"), PACKAGE_VERSION);
  self->usb = boot0_application_get_usb_context (app);
  usb_error = boot0_application_get_usb_error (app);
  if (self->usb != NULL)
    {
      GPtrArray *present = boot0_usb_context_get_devices (self->usb);
      g_object_ref (self->usb);
      g_signal_connect_object (self->usb, "device-added", G_CALLBACK (device_added_cb), self, 0);
      g_signal_connect_object (self->usb, "device-removed", G_CALLBACK (device_removed_cb), self,
                               0);
      boot0_window_log (self, FALSE,
                        boot0_usb_context_has_hotplug (self->usb)
                            ? _ ("Watching for STM32 bootloaders (USB hotplug)")
                            : _ ("Watching for STM32 bootloaders (looking twice a second)"));
      for (guint i = 0; present != NULL && i < present->len; i++)
        device_added_cb (self->usb, g_ptr_array_index (present, i), self);
    }
  else
    {
      g_autofree char *text =
          g_strdup_printf (_ ("USB is not available, so Boot0 cannot see any board: %s"),
                           usb_error != NULL ? usb_error->message : _ ("unknown error"));
      gtk_label_set_text (self->usb_error_label, text);
      gtk_widget_set_visible (GTK_WIDGET (self->usb_error_label), TRUE);
      gtk_widget_set_visible (GTK_WIDGET (self->watching_label), FALSE);
      gtk_widget_set_visible (GTK_WIDGET (self->watching_spinner), FALSE);
      boot0_window_log (self, FALSE, "%s", text);
    }
  refresh_plan (self);
  /* Not the first selectable label, which would show all selected. */
  gtk_window_set_focus (GTK_WINDOW (self), GTK_WIDGET (self->open_button));
}

static void
boot0_window_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  Boot0Window *self = BOOT0_WINDOW (object);

  switch (prop_id)
    {
      case PROP_LOG_VISIBLE:
        g_value_set_boolean (value, self->log_visible);
        break;
      case PROP_ADDRESS_UNLOCKED:
        g_value_set_boolean (value, self->address_unlocked);
        break;
      case PROP_SUFFIX_IGNORED:
        g_value_set_boolean (value, self->suffix_ignored);
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
boot0_window_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  Boot0Window *self = BOOT0_WINDOW (object);

  switch (prop_id)
    {
      case PROP_LOG_VISIBLE:
        if (self->log_visible != g_value_get_boolean (value))
          {
            self->log_visible = g_value_get_boolean (value);
            gtk_revealer_set_reveal_child (self->log_revealer, self->log_visible);
            g_object_notify_by_pspec (object, pspec);
          }
        break;
      case PROP_ADDRESS_UNLOCKED:
        set_address_unlocked (self, g_value_get_boolean (value));
        break;
      case PROP_SUFFIX_IGNORED:
        set_suffix_ignored (self, g_value_get_boolean (value));
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
boot0_window_dispose (GObject *object)
{
  Boot0Window *self = BOOT0_WINDOW (object);

  if (self->usb != NULL)
    g_signal_handlers_disconnect_by_data (self->usb, self);
  g_cancellable_cancel (self->load_cancellable);
  if (self->chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
  if (self->uart_dialog != NULL)
    {
      GtkWindow *dialog = self->uart_dialog;
      g_object_remove_weak_pointer (G_OBJECT (dialog), (gpointer *)&self->uart_dialog);
      self->uart_dialog = NULL;
      gtk_window_destroy (dialog);
    }
  gtk_widget_dispose_template (GTK_WIDGET (self), BOOT0_TYPE_WINDOW);

  G_OBJECT_CLASS (boot0_window_parent_class)->dispose (object);
}

static void
boot0_window_finalize (GObject *object)
{
  Boot0Window *self = BOOT0_WINDOW (object);

  g_clear_object (&self->settings);
  g_clear_object (&self->usb);
  g_clear_pointer (&self->devices, g_ptr_array_unref);
  g_clear_object (&self->device);
  g_clear_object (&self->probe_failed);
  g_clear_object (&self->firmware);
  g_clear_object (&self->firmware_file);
  g_free (self->firmware_name);
  g_free (self->firmware_sha256);
  g_clear_object (&self->load_cancellable);
  g_clear_object (&self->plan);
  g_clear_error (&self->plan_error);
  g_clear_object (&self->op_device);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->job);
  g_clear_pointer (&self->pending_plans, g_ptr_array_unref);
  g_free (self->read_path);
  g_mutex_clear (&self->read_lock);

  G_OBJECT_CLASS (boot0_window_parent_class)->finalize (object);
}

static void
boot0_window_class_init (Boot0WindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->get_property = boot0_window_get_property;
  object_class->set_property = boot0_window_set_property;
  object_class->dispose = boot0_window_dispose;
  object_class->finalize = boot0_window_finalize;
  window_class->close_request = boot0_window_close_request;

  properties[PROP_LOG_VISIBLE] =
      g_param_spec_boolean ("log-visible", NULL, NULL, FALSE,
                            G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ADDRESS_UNLOCKED] =
      g_param_spec_boolean ("address-unlocked", NULL, NULL, FALSE,
                            G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SUFFIX_IGNORED] =
      g_param_spec_boolean ("suffix-ignored", NULL, NULL, FALSE,
                            G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (BOOT0_TYPE_BOOTLOADER_DRAWING);
  g_type_ensure (BOOT0_TYPE_CLAMP);
  g_type_ensure (BOOT0_TYPE_LOG_VIEW);
  g_type_ensure (BOOT0_TYPE_MEMORY_MAP);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/boot0/Boot0/boot0-window.ui");
  gtk_widget_class_bind_template_child (widget_class, Boot0Window, open_button);
  gtk_widget_class_bind_template_child (widget_class, Boot0Window, log_button);
  gtk_widget_class_bind_template_child (widget_class, Boot0Window, recent_button);
  gtk_widget_class_bind_template_child (widget_class, Boot0Window, recent_menu);
  gtk_widget_class_bind_template_child (widget_class, Boot0Window, result_revealer);
  gtk_widget_class_bind_template_child (widget_class, Boot0Window, result_box);
  gtk_widget_class_bind_template_child (widget_class, Boot0Window, result_icon);
  gtk_widget_class_bind_template_child (widget_class, Boot0Window, result_title);
  gtk_widget_class_bind_template_child (widget_class, Boot0Window, result_detail);
  gtk_widget_class_bind_template_child (widget_class, Boot0Window, udev_box);
  gtk_widget_class_bind_template_child (widget_class, Boot0Window, udev_command_label);
  gtk_widget_class_bind_template_child (widget_class, Boot0Window, install_rule_button);
  gtk_widget_class_bind_template_child (widget_class, Boot0Window, main_stack);
  gtk_widget_class_bind_template_child (widget_class, Boot0Window, preload_label);
  gtk_widget_class_bind_template_child (widget_class, Boot0Window, usb_error_label);
  gtk_widget_class_bind_template_child (widget_class, Boot0Window, watching_label);
  gtk_widget_class_bind_template_child (widget_class, Boot0Window, watching_spinner);
  gtk_widget_class_bind_template_child (widget_class, Boot0Window, device_name_label);
  gtk_widget_class_bind_template_child (widget_class, Boot0Window, disconnect_button);
  gtk_widget_class_bind_template_child (widget_class, Boot0Window, device_picker);
  gtk_widget_class_bind_template_child (widget_class, Boot0Window, device_model);
  gtk_widget_class_bind_template_child (widget_class, Boot0Window, bootloader_label);
  gtk_widget_class_bind_template_child (widget_class, Boot0Window, serial_title_label);
  gtk_widget_class_bind_template_child (widget_class, Boot0Window, serial_label);
  gtk_widget_class_bind_template_child (widget_class, Boot0Window, path_title_label);
  gtk_widget_class_bind_template_child (widget_class, Boot0Window, path_label);
  gtk_widget_class_bind_template_child (widget_class, Boot0Window, flash_label);
  gtk_widget_class_bind_template_child (widget_class, Boot0Window, memories_label);
  gtk_widget_class_bind_template_child (widget_class, Boot0Window, protection_label);
  gtk_widget_class_bind_template_child (widget_class, Boot0Window, firmware_summary_label);
  gtk_widget_class_bind_template_child (widget_class, Boot0Window, firmware_stack);
  gtk_widget_class_bind_template_child (widget_class, Boot0Window, recent_box);
  gtk_widget_class_bind_template_child (widget_class, Boot0Window, format_label);
  gtk_widget_class_bind_template_child (widget_class, Boot0Window, size_label);
  gtk_widget_class_bind_template_child (widget_class, Boot0Window, segments_label);
  gtk_widget_class_bind_template_child (widget_class, Boot0Window, crc_label);
  gtk_widget_class_bind_template_child (widget_class, Boot0Window, sha_label);
  gtk_widget_class_bind_template_child (widget_class, Boot0Window, suffix_label);
  gtk_widget_class_bind_template_child (widget_class, Boot0Window, suffix_warning_box);
  gtk_widget_class_bind_template_child (widget_class, Boot0Window, suffix_title_label);
  gtk_widget_class_bind_template_child (widget_class, Boot0Window, suffix_override_button);
  gtk_widget_class_bind_template_child (widget_class, Boot0Window, suffix_warning_label);
  gtk_widget_class_bind_template_child (widget_class, Boot0Window, address_box);
  gtk_widget_class_bind_template_child (widget_class, Boot0Window, address_label);
  gtk_widget_class_bind_template_child (widget_class, Boot0Window, address_hint_label);
  gtk_widget_class_bind_template_child (widget_class, Boot0Window, unlock_button);
  gtk_widget_class_bind_template_child (widget_class, Boot0Window, address_revealer);
  gtk_widget_class_bind_template_child (widget_class, Boot0Window, address_entry);
  gtk_widget_class_bind_template_child (widget_class, Boot0Window, address_error_label);
  gtk_widget_class_bind_template_child (widget_class, Boot0Window, memory_map);
  gtk_widget_class_bind_template_child (widget_class, Boot0Window, bottom_stack);
  gtk_widget_class_bind_template_child (widget_class, Boot0Window, erase_needed_check);
  gtk_widget_class_bind_template_child (widget_class, Boot0Window, erase_all_check);
  gtk_widget_class_bind_template_child (widget_class, Boot0Window, verify_check);
  gtk_widget_class_bind_template_child (widget_class, Boot0Window, run_check);
  gtk_widget_class_bind_template_child (widget_class, Boot0Window, status_icon);
  gtk_widget_class_bind_template_child (widget_class, Boot0Window, status_label);
  gtk_widget_class_bind_template_child (widget_class, Boot0Window, program_button);
  gtk_widget_class_bind_template_child (widget_class, Boot0Window, step_label);
  gtk_widget_class_bind_template_child (widget_class, Boot0Window, steps_label);
  gtk_widget_class_bind_template_child (widget_class, Boot0Window, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, Boot0Window, progress_detail_label);
  gtk_widget_class_bind_template_child (widget_class, Boot0Window, log_revealer);
  gtk_widget_class_bind_template_child (widget_class, Boot0Window, log_view);
  gtk_widget_class_bind_template_callback (widget_class, dismiss_result_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, install_rule_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, address_changed_cb);

  gtk_widget_class_install_action (widget_class, "win.open", NULL, open_action);
  gtk_widget_class_install_action (widget_class, "win.open-recent", "s", open_recent_action);
  gtk_widget_class_install_action (widget_class, "win.program", NULL, program_action);
  gtk_widget_class_install_action (widget_class, "win.cancel", NULL, cancel_action);
  gtk_widget_class_install_action (widget_class, "win.erase", NULL, erase_action);
  gtk_widget_class_install_action (widget_class, "win.verify", NULL, verify_action);
  gtk_widget_class_install_action (widget_class, "win.read", NULL, read_action);
  gtk_widget_class_install_action (widget_class, "win.run", NULL, run_action);
  gtk_widget_class_install_action (widget_class, "win.connect-uart", NULL, connect_uart_action);
  gtk_widget_class_install_action (widget_class, "win.disconnect", NULL, disconnect_action);
  gtk_widget_class_install_property_action (widget_class, "win.toggle-log", "log-visible");
  gtk_widget_class_install_property_action (widget_class, "win.unlock-address", "address-unlocked");
  gtk_widget_class_install_property_action (widget_class, "win.ignore-suffix", "suffix-ignored");

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_o, GDK_CONTROL_MASK, "win.open", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return, GDK_CONTROL_MASK,
                                       "win.program", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Enter, GDK_CONTROL_MASK,
                                       "win.program", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "win.cancel", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_l, GDK_CONTROL_MASK, "win.toggle-log",
                                       NULL);
}

static void
boot0_window_init (Boot0Window *self)
{
  GtkDropTarget *drop;

  gtk_widget_init_template (GTK_WIDGET (self));
  /* Not a bound template child: dispose_template() would unparent it
   * behind GtkWindow's back. */
  self->content_box = gtk_window_get_child (GTK_WINDOW (self));

  self->devices = g_ptr_array_new_with_free_func (g_object_unref);
  self->pending_plans = g_ptr_array_new_with_free_func (g_object_unref);
  self->cancellable = g_cancellable_new ();
  self->last_stage = -1;
  g_mutex_init (&self->read_lock);

  g_signal_connect (self, "realize", G_CALLBACK (realize_cb), NULL);
  g_signal_connect_swapped (self->device_picker, "notify::selected",
                            G_CALLBACK (picker_selected_cb), self);

  /* Drop a file anywhere on the window. */
  drop = gtk_drop_target_new (GDK_TYPE_FILE_LIST, GDK_ACTION_COPY);
  g_signal_connect (drop, "drop", G_CALLBACK (drop_cb), self);
  g_signal_connect (drop, "enter", G_CALLBACK (drop_enter_cb), self);
  g_signal_connect (drop, "leave", G_CALLBACK (drop_leave_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drop));

  /* Accessible names that depend on nothing else. */
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->progress_bar),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _ ("Progress"), -1);
}

Boot0Window *
boot0_window_new (Boot0Application *app)
{
  Boot0Window *self = g_object_new (BOOT0_TYPE_WINDOW, "application", app, NULL);

  setup (self, app);
  return self;
}
