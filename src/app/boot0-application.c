/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The Boot0 application: one USB context watching for bootloaders, shared
 * by the windows; settings; application actions; the desktop's dark style
 * preference read from the settings portal. */
#include "config.h"

#include <glib/gi18n.h>

#include "boot0-application.h"
#include "boot0-preferences.h"
#include "boot0-window.h"

struct _Boot0Application
{
  GtkApplication parent_instance;

  GSettings *settings;
  Boot0ChipDb *chip_db;
  Boot0UsbContext *usb;
  GError *usb_error;
  guint portal_signal_id;
};

G_DEFINE_FINAL_TYPE (Boot0Application, boot0_application, GTK_TYPE_APPLICATION)

/* Dark style ------------------------------------------------------------- */

/* GTK 4.8 does not follow the portal's color-scheme by itself; only touch
 * the setting when the portal answers, so GTK_THEME and settings.ini win
 * otherwise. */
static void
apply_color_scheme (GVariant *value)
{
  g_autoptr (GVariant) inner = g_variant_ref (value);

  /* Older portals wrap the value twice. */
  while (g_variant_is_of_type (inner, G_VARIANT_TYPE_VARIANT))
    {
      GVariant *child = g_variant_get_variant (inner);
      g_variant_unref (inner);
      inner = child;
    }
  if (!g_variant_is_of_type (inner, G_VARIANT_TYPE_UINT32))
    return;
  /* 1 = prefer dark, 2 = prefer light, 0 = no preference. */
  g_object_set (gtk_settings_get_default (), "gtk-application-prefer-dark-theme",
                g_variant_get_uint32 (inner) == 1, NULL);
}

static void
portal_read_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GVariant) value = NULL;
  g_autoptr (GError) error = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (reply == NULL)
    {
      g_debug ("no color scheme from the settings portal: %s", error->message);
      return;
    }
  g_variant_get (reply, "(v)", &value);
  apply_color_scheme (value);
}

static void
portal_setting_changed_cb (GDBusConnection *connection, const char *sender, const char *path,
                           const char *interface, const char *signal, GVariant *parameters,
                           gpointer user_data)
{
  const char *ns = NULL;
  const char *key = NULL;
  g_autoptr (GVariant) value = NULL;

  if (!g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(ssv)")))
    return;
  g_variant_get (parameters, "(&s&sv)", &ns, &key, &value);
  if (g_strcmp0 (ns, "org.freedesktop.appearance") == 0 && g_strcmp0 (key, "color-scheme") == 0)
    apply_color_scheme (value);
}

static void
watch_color_scheme (Boot0Application *self)
{
  GDBusConnection *bus = g_application_get_dbus_connection (G_APPLICATION (self));

  if (bus == NULL)
    return;
  self->portal_signal_id = g_dbus_connection_signal_subscribe (
      bus, "org.freedesktop.portal.Desktop", "org.freedesktop.portal.Settings", "SettingChanged",
      "/org/freedesktop/portal/desktop", NULL, G_DBUS_SIGNAL_FLAGS_NONE, portal_setting_changed_cb,
      NULL, NULL);
  g_dbus_connection_call (bus, "org.freedesktop.portal.Desktop", "/org/freedesktop/portal/desktop",
                          "org.freedesktop.portal.Settings", "Read",
                          g_variant_new ("(ss)", "org.freedesktop.appearance", "color-scheme"),
                          G_VARIANT_TYPE ("(v)"), G_DBUS_CALL_FLAGS_NONE, 2000, NULL,
                          portal_read_cb, NULL);
}

/* Actions ----------------------------------------------------------------- */

static void
quit_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  Boot0Application *self = user_data;
  GList *windows = gtk_application_get_windows (GTK_APPLICATION (self));

  /* Closing lets a window cancel its job and wait for it to end. */
  for (GList *l = windows; l != NULL;)
    {
      GList *next = l->next;
      gtk_window_close (GTK_WINDOW (l->data));
      l = next;
    }
}

static void
preferences_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  Boot0Application *self = user_data;
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (self));
  Boot0Preferences *prefs = boot0_preferences_new (parent, self->settings);

  gtk_window_present (GTK_WINDOW (prefs));
}

static void
about_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  Boot0Application *self = user_data;
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (self));
  const char *authors[] = { _ ("The Boot0 authors"), NULL };

  gtk_show_about_dialog (parent, "program-name", _ ("Boot0"), "version", PACKAGE_VERSION,
                         "logo-icon-name", APP_ID, "license-type", GTK_LICENSE_GPL_3_0, "comments",
                         _ ("Program STM32 microcontrollers through their bootloader"), "authors",
                         authors,
                         /* Translators: your names, one per line. */
                         "translator-credits", _ ("translator-credits"), NULL);
}

static const GActionEntry app_actions[] = {
  { "quit", quit_activated, NULL, NULL, NULL, { 0 } },
  { "preferences", preferences_activated, NULL, NULL, NULL, { 0 } },
  { "about", about_activated, NULL, NULL, NULL, { 0 } },
};

/* GApplication ------------------------------------------------------------ */

static Boot0Window *
get_window (Boot0Application *self)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (window == NULL)
    window = GTK_WINDOW (boot0_window_new (self));
  return BOOT0_WINDOW (window);
}

static void
boot0_application_activate (GApplication *app)
{
  gtk_window_present (GTK_WINDOW (get_window (BOOT0_APPLICATION (app))));
}

static void
boot0_application_open (GApplication *app, GFile **files, int n_files, const char *hint)
{
  Boot0Window *window = get_window (BOOT0_APPLICATION (app));

  /* One image is programmed at a time: the first file wins. */
  if (n_files > 0)
    boot0_window_open_file (window, files[0]);
  gtk_window_present (GTK_WINDOW (window));
}

static void
boot0_application_startup (GApplication *app)
{
  Boot0Application *self = BOOT0_APPLICATION (app);
  g_autoptr (GtkCssProvider) css = gtk_css_provider_new ();
  const char *quit_accels[] = { "<Control>q", NULL };
  const char *prefs_accels[] = { "<Control>comma", NULL };
  const char *help_accels[] = { "<Control>question", NULL };

  G_APPLICATION_CLASS (boot0_application_parent_class)->startup (app);

  g_set_application_name (_ ("Boot0"));
  gtk_window_set_default_icon_name (APP_ID);
  gtk_css_provider_load_from_resource (css, "/io/github/boot0/Boot0/style.css");
  gtk_style_context_add_provider_for_display (gdk_display_get_default (), GTK_STYLE_PROVIDER (css),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);

  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions, G_N_ELEMENTS (app_actions),
                                   self);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.preferences", prefs_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "win.show-help-overlay",
                                         help_accels);

  self->settings = g_settings_new (APP_ID);

  /* The database is built in: failing to parse it is a bug, shown as a
   * USB error rather than a crash. */
  self->chip_db = boot0_chip_db_new_default (&self->usb_error);
  if (self->chip_db != NULL)
    self->usb = boot0_usb_context_new (self->chip_db, &self->usb_error);
  if (self->usb != NULL && !boot0_usb_context_watch (self->usb, &self->usb_error))
    g_clear_object (&self->usb);

  watch_color_scheme (self);
}

static void
boot0_application_shutdown (GApplication *app)
{
  Boot0Application *self = BOOT0_APPLICATION (app);
  GDBusConnection *bus = g_application_get_dbus_connection (app);

  if (self->portal_signal_id != 0 && bus != NULL)
    g_dbus_connection_signal_unsubscribe (bus, self->portal_signal_id);
  self->portal_signal_id = 0;
  if (self->usb != NULL)
    boot0_usb_context_unwatch (self->usb);

  G_APPLICATION_CLASS (boot0_application_parent_class)->shutdown (app);
}

static void
boot0_application_finalize (GObject *object)
{
  Boot0Application *self = BOOT0_APPLICATION (object);

  g_clear_object (&self->usb);
  g_clear_object (&self->chip_db);
  g_clear_object (&self->settings);
  g_clear_error (&self->usb_error);

  G_OBJECT_CLASS (boot0_application_parent_class)->finalize (object);
}

static void
boot0_application_class_init (Boot0ApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->finalize = boot0_application_finalize;
  app_class->startup = boot0_application_startup;
  app_class->shutdown = boot0_application_shutdown;
  app_class->activate = boot0_application_activate;
  app_class->open = boot0_application_open;
}

static void
boot0_application_init (Boot0Application *self)
{
}

Boot0Application *
boot0_application_new (void)
{
  return g_object_new (BOOT0_TYPE_APPLICATION, "application-id", APP_ID, "flags",
                       G_APPLICATION_HANDLES_OPEN, "resource-base-path", "/io/github/boot0/Boot0",
                       NULL);
}

gboolean
boot0_application_check_schema (GError **error)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr (GSettingsSchema) schema = NULL;

  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, APP_ID, TRUE);
  if (schema == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   _ ("The settings schema %s is not installed. From a build tree, run Boot0 "
                      "inside “meson devenv -C BUILDDIR” or set GSETTINGS_SCHEMA_DIR to "
                      "BUILDDIR/data."),
                   APP_ID);
      return FALSE;
    }
  return TRUE;
}

GSettings *
boot0_application_get_settings (Boot0Application *self)
{
  g_return_val_if_fail (BOOT0_IS_APPLICATION (self), NULL);
  return self->settings;
}

Boot0ChipDb *
boot0_application_get_chip_db (Boot0Application *self)
{
  g_return_val_if_fail (BOOT0_IS_APPLICATION (self), NULL);
  return self->chip_db;
}

Boot0UsbContext *
boot0_application_get_usb_context (Boot0Application *self)
{
  g_return_val_if_fail (BOOT0_IS_APPLICATION (self), NULL);
  return self->usb;
}

const GError *
boot0_application_get_usb_error (Boot0Application *self)
{
  g_return_val_if_fail (BOOT0_IS_APPLICATION (self), NULL);
  return self->usb_error;
}
