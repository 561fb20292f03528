/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The UART connect dialog. The port list is rescanned every two seconds
 * while the dialog is open, in a worker thread (sp_list_ports() walks
 * sysfs or the registry); the entry sequence is parsed as it is typed;
 * Connect opens the device in a worker thread, where it plays the entry
 * sequence, synchronises and identifies the chip, then closes it again:
 * each job opens it anew, as a USB device is. */
#include "config.h"

#include <glib/gi18n.h>

#include "boot0-uart-dialog.h"

#define RESCAN_INTERVAL_S 2
#define ADAPTER_KEY       "boot0-uart-adapter"

struct _Boot0UartDialog
{
  GtkWindow parent_instance;

  GSettings *settings;
  Boot0ChipDb *chip_db;

  /* Boot0SerialPortInfo, as last listed; NULL before the first scan. */
  GPtrArray *ports;
  guint rescan_id;
  GCancellable *scan_cancellable;
  gboolean scanning;
  /* Widgets are being set from code: their signals change nothing. */
  gboolean updating;

  /* The parsed sequence; NULL while the text is not valid. */
  Boot0UartEntry *entry;
  /* Non-NULL while connecting. */
  GCancellable *connect_cancellable;
  gboolean disposed;

  /* Template children. */
  GtkButton *cancel_button;
  GtkButton *connect_button;
  GtkWidget *form_box;
  GtkListBox *port_list;
  GtkEntry *port_entry;
  GtkDropDown *baud_dropdown;
  GtkStringList *baud_model;
  GtkCheckButton *parity_even_check;
  GtkCheckButton *parity_none_check;
  GtkDropDown *entry_dropdown;
  GtkStringList *entry_model;
  GtkLabel *entry_description_label;
  GtkEntry *entry_entry;
  GtkLabel *entry_steps_label;
  GtkWidget *progress_box;
  GtkSpinner *spinner;
  GtkLabel *progress_label;
  GtkWidget *error_box;
  GtkLabel *error_label;
};

G_DEFINE_FINAL_TYPE (Boot0UartDialog, boot0_uart_dialog, GTK_TYPE_WINDOW)

enum
{
  SIGNAL_CONNECTED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* AN3155 §2: the ROM measures the rate from 0x7F; these are what adapters
 * and stm32flash offer. 115200 is the usual upper bound of the F1/F4 ROMs. */
static const guint common_bauds[] = { 1200,  2400,   4800,   9600,   19200, 38400,
                                      57600, 115200, 230400, 460800, 921600 };

/* Helpers ---------------------------------------------------------------- */

static char *
get_port (Boot0UartDialog *self)
{
  return g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->port_entry))));
}

static guint
get_baud (Boot0UartDialog *self)
{
  guint selected = gtk_drop_down_get_selected (self->baud_dropdown);
  const char *text = gtk_string_list_get_string (self->baud_model, selected);
  guint64 baud = 0;

  if (text == NULL || !g_ascii_string_to_unsigned (text, 10, 1, G_MAXUINT, &baud, NULL))
    return BOOT0_UART_DEFAULT_BAUD;
  return (guint)baud;
}

static Boot0Parity
get_parity (Boot0UartDialog *self)
{
  return gtk_check_button_get_active (self->parity_none_check) ? BOOT0_PARITY_NONE
                                                               : BOOT0_PARITY_EVEN;
}

static guint
n_presets (void)
{
  const Boot0UartEntryPreset *presets = boot0_uart_entry_get_presets ();
  guint n = 0;

  while (presets[n].name != NULL)
    n++;
  return n;
}

/* The preset a text stands for (its name or its sequence), or -1. */
static int
find_preset (const char *text)
{
  const Boot0UartEntryPreset *presets = boot0_uart_entry_get_presets ();
  g_autofree char *s = g_ascii_strdown (text, -1);

  g_strstrip (s);
  for (int i = 0; presets[i].name != NULL; i++)
    if (g_strcmp0 (s, presets[i].name) == 0 || g_strcmp0 (s, presets[i].sequence) == 0)
      return i;
  return -1;
}

static gboolean
is_connecting (Boot0UartDialog *self)
{
  return self->connect_cancellable != NULL;
}

static void
update_sensitivity (Boot0UartDialog *self)
{
  g_autofree char *port = get_port (self);
  gboolean connecting = is_connecting (self);

  gtk_widget_set_sensitive (self->form_box, !connecting);
  gtk_widget_set_sensitive (GTK_WIDGET (self->connect_button),
                            !connecting && *port != '\0' && self->entry != NULL);
}

static void
clear_error (Boot0UartDialog *self)
{
  gtk_widget_set_visible (self->error_box, FALSE);
  gtk_label_set_text (self->error_label, "");
}

/* The port list ------------------------------------------------------------ */

static char *
describe_port (const Boot0SerialPortInfo *info)
{
  g_autoptr (GString) text = g_string_new (info->description);

  if (info->is_usb)
    /* Translators: appended to an adapter's description: its USB vendor:product ID. */
    g_string_append_printf (text, _ (" · USB %04x:%04x"), info->usb_vid, info->usb_pid);
  if (info->serial != NULL && *info->serial != '\0')
    /* Translators: appended to an adapter's description: its USB serial number. */
    g_string_append_printf (text, _ (" · serial %s"), info->serial);
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static GtkWidget *
port_row_new (const Boot0SerialPortInfo *info)
{
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *name = gtk_label_new (info->name);
  g_autofree char *details = describe_port (info);
  GtkWidget *detail = gtk_label_new (details);
  g_autofree char *accessible = g_strdup_printf ("%s, %s", info->name, details);

  gtk_widget_add_css_class (box, "port-row");
  gtk_label_set_xalign (GTK_LABEL (name), 0);
  gtk_widget_add_css_class (name, "heading");
  gtk_label_set_xalign (GTK_LABEL (detail), 0);
  gtk_label_set_wrap (GTK_LABEL (detail), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (detail), PANGO_WRAP_WORD_CHAR);
  gtk_widget_add_css_class (detail, "caption");
  gtk_widget_add_css_class (detail, "dim-label");
  gtk_box_append (GTK_BOX (box), name);
  gtk_box_append (GTK_BOX (box), detail);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  gtk_widget_set_tooltip_text (row, details);
  gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL, accessible,
                                  -1);
  g_object_set_data_full (G_OBJECT (row), "port-name", g_strdup (info->name), g_free);
  return row;
}

/* Selects the row of the port typed, or none. */
static void
select_typed_port (Boot0UartDialog *self)
{
  g_autofree char *port = get_port (self);
  GtkListBoxRow *match = NULL;

  for (int i = 0;; i++)
    {
      GtkListBoxRow *row = gtk_list_box_get_row_at_index (self->port_list, i);
      if (row == NULL)
        break;
      if (g_strcmp0 (g_object_get_data (G_OBJECT (row), "port-name"), port) == 0)
        match = row;
    }
  self->updating = TRUE;
  if (match != NULL)
    gtk_list_box_select_row (self->port_list, match);
  else
    gtk_list_box_unselect_all (self->port_list);
  self->updating = FALSE;
}

static gboolean
same_ports (GPtrArray *a, GPtrArray *b)
{
  if (a == NULL || b == NULL || a->len != b->len)
    return FALSE;
  for (guint i = 0; i < a->len; i++)
    {
      const Boot0SerialPortInfo *x = g_ptr_array_index (a, i);
      const Boot0SerialPortInfo *y = g_ptr_array_index (b, i);
      if (g_strcmp0 (x->name, y->name) != 0 || g_strcmp0 (x->description, y->description) != 0 ||
          g_strcmp0 (x->serial, y->serial) != 0 || x->usb_vid != y->usb_vid ||
          x->usb_pid != y->usb_pid)
        return FALSE;
    }
  return TRUE;
}

static void
set_ports (Boot0UartDialog *self, GPtrArray *ports)
{
  GtkWidget *child;

  if (same_ports (self->ports, ports))
    return;
  g_clear_pointer (&self->ports, g_ptr_array_unref);
  self->ports = g_ptr_array_ref (ports);
  self->updating = TRUE;
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->port_list))) != NULL &&
         GTK_IS_LIST_BOX_ROW (child))
    gtk_list_box_remove (self->port_list, child);
  for (guint i = 0; i < ports->len; i++)
    gtk_list_box_append (self->port_list, port_row_new (g_ptr_array_index (ports, i)));
  self->updating = FALSE;
  select_typed_port (self);
}

static void
scan_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  GError *error = NULL;
  GPtrArray *ports = boot0_serial_port_list (&error);

  if (ports == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, ports, (GDestroyNotify)g_ptr_array_unref);
}

static void
scan_done_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  Boot0UartDialog *self = BOOT0_UART_DIALOG (source);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) ports = g_task_propagate_pointer (G_TASK (res), &error);

  self->scanning = FALSE;
  if (self->disposed)
    return;
  if (ports == NULL)
    {
      /* Keep what was listed: a failed scan says nothing about the ports. */
      g_debug ("listing serial ports: %s", error->message);
      return;
    }
  set_ports (self, ports);
}

static gboolean
rescan_cb (gpointer user_data)
{
  Boot0UartDialog *self = user_data;
  g_autoptr (GTask) task = NULL;

  if (self->scanning)
    return G_SOURCE_CONTINUE;
  self->scanning = TRUE;
  task = g_task_new (self, self->scan_cancellable, scan_done_cb, NULL);
  g_task_set_source_tag (task, rescan_cb);
  g_task_run_in_thread (task, scan_thread);
  return G_SOURCE_CONTINUE;
}

static void
port_row_selected_cb (Boot0UartDialog *self, GtkListBoxRow *row)
{
  const char *name = row != NULL ? g_object_get_data (G_OBJECT (row), "port-name") : NULL;

  if (self->updating || name == NULL)
    return;
  self->updating = TRUE;
  gtk_editable_set_text (GTK_EDITABLE (self->port_entry), name);
  self->updating = FALSE;
  clear_error (self);
  update_sensitivity (self);
}

static void
port_row_activated_cb (Boot0UartDialog *self, GtkListBoxRow *row)
{
  port_row_selected_cb (self, row);
}

static void
port_changed_cb (Boot0UartDialog *self)
{
  if (!self->updating)
    {
      select_typed_port (self);
      clear_error (self);
    }
  update_sensitivity (self);
}

/* The entry sequence ------------------------------------------------------- */

static void
entry_changed_cb (Boot0UartDialog *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->entry_entry));
  const Boot0UartEntryPreset *presets = boot0_uart_entry_get_presets ();
  g_autoptr (GError) error = NULL;
  g_autoptr (GString) steps = g_string_new (NULL);
  int preset = find_preset (text);

  g_clear_pointer (&self->entry, boot0_uart_entry_unref);
  self->entry = boot0_uart_entry_parse (text, &error);

  if (!self->updating)
    {
      self->updating = TRUE;
      gtk_drop_down_set_selected (self->entry_dropdown, preset >= 0 ? (guint)preset : n_presets ());
      self->updating = FALSE;
    }
  if (preset >= 0)
    gtk_label_set_text (self->entry_description_label, _ (presets[preset].description));
  else
    gtk_label_set_text (self->entry_description_label,
                        _ ("Your own sequence, for other wiring or longer delays."));

  if (self->entry == NULL)
    {
      /* Translators: why the typed entry sequence is not valid. */
      g_string_printf (steps, _ ("Not a valid sequence: %s"), error->message);
      gtk_widget_add_css_class (GTK_WIDGET (self->entry_steps_label), "error");
      gtk_widget_add_css_class (GTK_WIDGET (self->entry_entry), "error");
    }
  else
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self->entry_steps_label), "error");
      gtk_widget_remove_css_class (GTK_WIDGET (self->entry_entry), "error");
      /* The "none" preset's description says it all. */
      if (!boot0_uart_entry_has_entry (self->entry) && preset < 0)
        g_string_append (steps, _ ("To enter: no step; put the board in bootloader mode yourself "
                                   "(BOOT0 high, then reset)."));
      else if (boot0_uart_entry_has_entry (self->entry))
        {
          g_autofree char *entry = boot0_uart_entry_describe_entry (self->entry);
          /* Translators: the steps played on the lines to enter the bootloader. */
          g_string_append_printf (steps, _ ("To enter: %s"), entry);
        }
      if (boot0_uart_entry_has_exit (self->entry))
        {
          g_autofree char *exit = boot0_uart_entry_describe_exit (self->entry);
          if (steps->len > 0)
            g_string_append (steps, "\n");
          /* Translators: the steps played to leave the bootloader (Run). */
          g_string_append_printf (steps, _ ("To leave: %s"), exit);
        }
    }
  gtk_label_set_text (self->entry_steps_label, steps->str);
  gtk_widget_set_visible (GTK_WIDGET (self->entry_steps_label), steps->len > 0);
  clear_error (self);
  update_sensitivity (self);
}

static void
entry_preset_selected_cb (Boot0UartDialog *self)
{
  const Boot0UartEntryPreset *presets = boot0_uart_entry_get_presets ();
  guint selected = gtk_drop_down_get_selected (self->entry_dropdown);

  if (self->updating)
    return;
  if (selected < n_presets ())
    {
      self->updating = TRUE;
      gtk_editable_set_text (GTK_EDITABLE (self->entry_entry), presets[selected].sequence);
      self->updating = FALSE;
    }
  else
    gtk_widget_grab_focus (GTK_WIDGET (self->entry_entry));
}

/* Connecting ---------------------------------------------------------------- */

static void
set_connecting (Boot0UartDialog *self, GCancellable *cancellable)
{
  gboolean was_connecting = is_connecting (self);

  g_clear_object (&self->connect_cancellable);
  if (cancellable != NULL)
    {
      self->connect_cancellable = g_object_ref (cancellable);
      /* Off the form before it turns insensitive (a focused GtkText that
       * loses its sensitivity never gets its focus-out); Cancel is what
       * Escape and Return may want now. */
      gtk_widget_grab_focus (GTK_WIDGET (self->cancel_button));
    }
  gtk_widget_set_visible (self->progress_box, cancellable != NULL);
  gtk_spinner_set_spinning (self->spinner, cancellable != NULL);
  update_sensitivity (self);
  if (was_connecting && cancellable == NULL)
    gtk_widget_grab_focus (GTK_WIDGET (self->port_entry));
}

static void
show_error (Boot0UartDialog *self, const char *markup)
{
  gtk_label_set_markup (self->error_label, markup);
  gtk_widget_set_visible (self->error_box, TRUE);
}

/* What went wrong and what to do, for the errors opening a UART device
 * gives (boot0-uart-device.h, boot0-serial-port.h). */
static char *
explain_error (const char *port, guint baud, const GError *error)
{
  g_autofree char *message = g_markup_escape_text (error->message, -1);
  g_autofree char *title = NULL;
  const char *hint = NULL;

  if (error->domain != BOOT0_ERROR)
    return g_strdup_printf ("<b>%s</b>\n%s", _ ("Could not connect."), message);
  switch (error->code)
    {
      case BOOT0_ERROR_TIMED_OUT:
        title = g_markup_printf_escaped (_ ("No STM32 bootloader answers on %s at %u baud."), port,
                                         baud);
        /* The core's own text names command-line options: not repeated. */
        return g_strdup_printf (
            "<b>%s</b>\n%s", title,
            _ ("• Wiring: adapter TX to the chip’s RX (PA10), adapter RX to its TX (PA9), and "
               "GND.\n"
               "• Bootloader mode: BOOT0 must be high while the chip resets; or choose the entry "
               "sequence that matches how DTR and RTS are wired.\n"
               "• Baud rate: try a lower one, such as 57600, on long or noisy wires.\n"
               "• Parity: the bootloader needs Even; None works only with a pseudo-terminal."));
      case BOOT0_ERROR_PROTOCOL:
        title = g_markup_printf_escaped (_ ("Something answers on %s, but not as an STM32 "
                                            "bootloader."),
                                         port);
        hint = _ ("The board may be running its firmware: put it in bootloader mode (BOOT0 high, "
                  "then reset). Otherwise check the baud rate and parity.");
        break;
      case BOOT0_ERROR_NOT_FOUND:
        title = g_markup_printf_escaped (_ ("There is no serial port %s."), port);
        hint = _ ("Check the name, or plug the adapter in: it shows up in the list above.");
        break;
      case BOOT0_ERROR_BUSY:
        title = g_markup_printf_escaped (_ ("%s is in use by another program."), port);
        hint = _ ("Close the serial terminal or other tool using it, then connect again.");
        break;
      case BOOT0_ERROR_ACCESS_DENIED:
        title = g_markup_printf_escaped (_ ("No permission to open %s."), port);
        break;
      case BOOT0_ERROR_NOT_SUPPORTED:
        title = g_markup_printf_escaped (_ ("%s cannot do what these settings ask."), port);
        hint = _ ("A pseudo-terminal has no DTR or RTS lines and carries no parity: choose the "
                  "entry sequence “none” and parity None for it.");
        break;
      case BOOT0_ERROR_DEVICE_GONE:
        title = g_markup_printf_escaped (_ ("%s went away while connecting."), port);
        hint = _ ("Check the adapter’s cable, then connect again.");
        break;
      default:
        title = g_markup_printf_escaped (_ ("Could not connect to %s."), port);
        break;
    }
  if (hint != NULL)
    return g_strdup_printf ("<b>%s</b>\n%s\n%s", title, message, hint);
  return g_strdup_printf ("<b>%s</b>\n%s", title, message);
}

static void
connect_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  Boot0Device *device = task_data;
  GError *error = NULL;

  if (!boot0_device_open (device, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  /* Identified: let go of the port until a job needs it. */
  boot0_device_close (device);
  g_task_return_boolean (task, TRUE);
}

static void
connect_done_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  Boot0UartDialog *self = BOOT0_UART_DIALOG (source);
  Boot0UartDevice *device = g_task_get_task_data (G_TASK (res));
  g_autoptr (GError) error = NULL;
  g_autofree char *markup = NULL;

  if (self->disposed)
    return;
  if (!g_task_propagate_boolean (G_TASK (res), &error))
    {
      set_connecting (self, NULL);
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      markup = explain_error (boot0_uart_device_get_port_name (device),
                              boot0_uart_device_get_baud (device), error);
      show_error (self, markup);
      return;
    }
  set_connecting (self, NULL);
  g_signal_emit (self, signals[SIGNAL_CONNECTED], 0, device);
  gtk_window_destroy (GTK_WINDOW (self));
}

static void
remember (Boot0UartDialog *self, const char *port, guint baud, Boot0Parity parity)
{
  g_settings_set_string (self->settings, "uart-port", port);
  g_settings_set_uint (self->settings, "uart-baud", baud);
  g_settings_set_string (self->settings, "uart-parity", boot0_parity_to_string (parity));
  g_settings_set_string (self->settings, "uart-entry",
                         gtk_editable_get_text (GTK_EDITABLE (self->entry_entry)));
}

/* The listed adapter behind port, described; NULL for a typed port. */
static char *
find_adapter (Boot0UartDialog *self, const char *port)
{
  for (guint i = 0; self->ports != NULL && i < self->ports->len; i++)
    {
      const Boot0SerialPortInfo *info = g_ptr_array_index (self->ports, i);
      if (g_strcmp0 (info->name, port) == 0)
        return describe_port (info);
    }
  return NULL;
}

static void
connect_clicked_cb (Boot0UartDialog *self)
{
  g_autofree char *port = get_port (self);
  g_autofree char *adapter = find_adapter (self, port);
  g_autofree char *progress = NULL;
  g_autoptr (GCancellable) cancellable = NULL;
  g_autoptr (Boot0UartDevice) device = NULL;
  g_autoptr (GTask) task = NULL;
  guint baud = get_baud (self);
  Boot0Parity parity = get_parity (self);

  if (is_connecting (self) || *port == '\0' || self->entry == NULL)
    return;
  clear_error (self);
  remember (self, port, baud, parity);

  device = boot0_uart_device_new (port, baud, parity, self->entry, self->chip_db);
  if (adapter != NULL)
    g_object_set_data_full (G_OBJECT (device), ADAPTER_KEY, g_steal_pointer (&adapter), g_free);

  /* Translators: e.g. "Connecting to /dev/ttyUSB0 at 115200 baud…". */
  progress = g_strdup_printf (_ ("Connecting to %s at %u baud…"), port, baud);
  gtk_label_set_text (self->progress_label, progress);
  cancellable = g_cancellable_new ();
  set_connecting (self, cancellable);

  task = g_task_new (self, cancellable, connect_done_cb, NULL);
  g_task_set_source_tag (task, connect_clicked_cb);
  g_task_set_task_data (task, g_steal_pointer (&device), g_object_unref);
  /* Opening cannot be interrupted (the sync retries for about a second):
   * Cancel answers at once and the thread finishes on its own. */
  g_task_set_return_on_cancel (task, TRUE);
  g_task_run_in_thread (task, connect_thread);
}

static void
cancel_clicked_cb (Boot0UartDialog *self)
{
  if (is_connecting (self))
    {
      g_cancellable_cancel (self->connect_cancellable);
      return;
    }
  gtk_window_close (GTK_WINDOW (self));
}

static void
cancel_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  cancel_clicked_cb (BOOT0_UART_DIALOG (widget));
}

/* Settings ------------------------------------------------------------------ */

static void
load_settings (Boot0UartDialog *self)
{
  g_autofree char *port = g_settings_get_string (self->settings, "uart-port");
  g_autofree char *parity = g_settings_get_string (self->settings, "uart-parity");
  g_autofree char *entry = g_settings_get_string (self->settings, "uart-entry");
  guint baud = g_settings_get_uint (self->settings, "uart-baud");
  guint baud_index = G_MAXUINT;
  Boot0Parity p = BOOT0_PARITY_EVEN;

  for (guint i = 0; i < G_N_ELEMENTS (common_bauds); i++)
    {
      g_autofree char *text = g_strdup_printf ("%u", common_bauds[i]);
      gtk_string_list_append (self->baud_model, text);
      if (common_bauds[i] == baud)
        baud_index = i;
    }
  if (baud_index == G_MAXUINT)
    {
      /* A rate set elsewhere (dconf): offer it too. */
      g_autofree char *text = g_strdup_printf ("%u", baud);
      gtk_string_list_append (self->baud_model, text);
      baud_index = G_N_ELEMENTS (common_bauds);
    }
  gtk_drop_down_set_selected (self->baud_dropdown, baud_index);

  boot0_parity_from_string (parity, &p);
  gtk_check_button_set_active (
      p == BOOT0_PARITY_NONE ? self->parity_none_check : self->parity_even_check, TRUE);

  gtk_editable_set_text (GTK_EDITABLE (self->port_entry), port);
  gtk_editable_set_text (GTK_EDITABLE (self->entry_entry), entry);
  /* An empty text never changes: parse it anyway. */
  entry_changed_cb (self);
}

/* GObject ------------------------------------------------------------------- */

static gboolean
boot0_uart_dialog_close_request (GtkWindow *window)
{
  Boot0UartDialog *self = BOOT0_UART_DIALOG (window);

  if (is_connecting (self))
    g_cancellable_cancel (self->connect_cancellable);
  return GTK_WINDOW_CLASS (boot0_uart_dialog_parent_class)->close_request (window);
}

static void
boot0_uart_dialog_dispose (GObject *object)
{
  Boot0UartDialog *self = BOOT0_UART_DIALOG (object);

  self->disposed = TRUE;
  g_clear_handle_id (&self->rescan_id, g_source_remove);
  g_cancellable_cancel (self->scan_cancellable);
  if (self->connect_cancellable != NULL)
    g_cancellable_cancel (self->connect_cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), BOOT0_TYPE_UART_DIALOG);

  G_OBJECT_CLASS (boot0_uart_dialog_parent_class)->dispose (object);
}

static void
boot0_uart_dialog_finalize (GObject *object)
{
  Boot0UartDialog *self = BOOT0_UART_DIALOG (object);

  g_clear_object (&self->settings);
  g_clear_object (&self->chip_db);
  g_clear_pointer (&self->ports, g_ptr_array_unref);
  g_clear_object (&self->scan_cancellable);
  g_clear_object (&self->connect_cancellable);
  g_clear_pointer (&self->entry, boot0_uart_entry_unref);

  G_OBJECT_CLASS (boot0_uart_dialog_parent_class)->finalize (object);
}

static void
boot0_uart_dialog_class_init (Boot0UartDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = boot0_uart_dialog_dispose;
  object_class->finalize = boot0_uart_dialog_finalize;
  window_class->close_request = boot0_uart_dialog_close_request;

  signals[SIGNAL_CONNECTED] =
      g_signal_new ("connected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                    G_TYPE_NONE, 1, BOOT0_TYPE_UART_DEVICE);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/boot0/Boot0/boot0-uart-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, Boot0UartDialog, cancel_button);
  gtk_widget_class_bind_template_child (widget_class, Boot0UartDialog, connect_button);
  gtk_widget_class_bind_template_child (widget_class, Boot0UartDialog, form_box);
  gtk_widget_class_bind_template_child (widget_class, Boot0UartDialog, port_list);
  gtk_widget_class_bind_template_child (widget_class, Boot0UartDialog, port_entry);
  gtk_widget_class_bind_template_child (widget_class, Boot0UartDialog, baud_dropdown);
  gtk_widget_class_bind_template_child (widget_class, Boot0UartDialog, baud_model);
  gtk_widget_class_bind_template_child (widget_class, Boot0UartDialog, parity_even_check);
  gtk_widget_class_bind_template_child (widget_class, Boot0UartDialog, parity_none_check);
  gtk_widget_class_bind_template_child (widget_class, Boot0UartDialog, entry_dropdown);
  gtk_widget_class_bind_template_child (widget_class, Boot0UartDialog, entry_model);
  gtk_widget_class_bind_template_child (widget_class, Boot0UartDialog, entry_description_label);
  gtk_widget_class_bind_template_child (widget_class, Boot0UartDialog, entry_entry);
  gtk_widget_class_bind_template_child (widget_class, Boot0UartDialog, entry_steps_label);
  gtk_widget_class_bind_template_child (widget_class, Boot0UartDialog, progress_box);
  gtk_widget_class_bind_template_child (widget_class, Boot0UartDialog, spinner);
  gtk_widget_class_bind_template_child (widget_class, Boot0UartDialog, progress_label);
  gtk_widget_class_bind_template_child (widget_class, Boot0UartDialog, error_box);
  gtk_widget_class_bind_template_child (widget_class, Boot0UartDialog, error_label);
  gtk_widget_class_bind_template_callback (widget_class, port_row_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, port_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, entry_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, connect_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, cancel_clicked_cb);

  gtk_widget_class_install_action (widget_class, "dialog.cancel", NULL, cancel_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "dialog.cancel", NULL);
}

static void
boot0_uart_dialog_init (Boot0UartDialog *self)
{
  const Boot0UartEntryPreset *presets = boot0_uart_entry_get_presets ();
  GtkWidget *placeholder;

  gtk_widget_init_template (GTK_WIDGET (self));
  self->scan_cancellable = g_cancellable_new ();

  for (guint i = 0; presets[i].name != NULL; i++)
    gtk_string_list_append (self->entry_model, presets[i].name);
  /* Translators: the entry-sequence choice for a sequence typed by hand. */
  gtk_string_list_append (self->entry_model, _ ("custom"));

  placeholder = gtk_label_new (_ ("No serial port found. Plug in a USB-serial adapter: it shows "
                                  "up here within two seconds."));
  gtk_label_set_wrap (GTK_LABEL (placeholder), TRUE);
  gtk_widget_add_css_class (placeholder, "dim-label");
  gtk_widget_add_css_class (placeholder, "port-placeholder");
  gtk_list_box_set_placeholder (self->port_list, placeholder);

  g_signal_connect_swapped (self->port_list, "row-selected", G_CALLBACK (port_row_selected_cb),
                            self);
  g_signal_connect_swapped (self->entry_dropdown, "notify::selected",
                            G_CALLBACK (entry_preset_selected_cb), self);
  gtk_window_set_default_widget (GTK_WINDOW (self), GTK_WIDGET (self->connect_button));
}

/* Public API ------------------------------------------------------------------ */

Boot0UartDialog *
boot0_uart_dialog_new (GtkWindow *parent, GSettings *settings, Boot0ChipDb *chip_db)
{
  Boot0UartDialog *self;

  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);
  g_return_val_if_fail (chip_db == NULL || BOOT0_IS_CHIP_DB (chip_db), NULL);

  self = g_object_new (BOOT0_TYPE_UART_DIALOG, "transient-for", parent, "modal", TRUE,
                       "destroy-with-parent", TRUE, NULL);
  self->settings = g_object_ref (settings);
  self->chip_db = chip_db != NULL ? g_object_ref (chip_db) : NULL;
  load_settings (self);
  update_sensitivity (self);
  gtk_widget_grab_focus (GTK_WIDGET (self->port_entry));

  rescan_cb (self);
  self->rescan_id = g_timeout_add_seconds (RESCAN_INTERVAL_S, rescan_cb, self);
  return self;
}

const char *
boot0_uart_dialog_get_adapter (Boot0UartDevice *device)
{
  g_return_val_if_fail (BOOT0_IS_UART_DEVICE (device), NULL);
  return g_object_get_data (G_OBJECT (device), ADAPTER_KEY);
}
