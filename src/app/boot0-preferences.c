/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The preferences window: every control is bound to a GSettings key, so
 * the main window's options follow at once. */
#include "config.h"

#include <glib/gi18n.h>

#include "boot0-preferences.h"

struct _Boot0Preferences
{
  GtkWindow parent_instance;

  GSettings *settings;

  GtkSwitch *verify_switch;
  GtkSwitch *run_switch;
  GtkDropDown *erase_dropdown;
  GtkDropDown *verbosity_dropdown;
};

G_DEFINE_FINAL_TYPE (Boot0Preferences, boot0_preferences, GTK_TYPE_WINDOW)

enum
{
  PROP_0,
  PROP_SETTINGS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* The dropdowns list a string key's choices in this order. */
static const char *const erase_choices[] = { "needed", "all", NULL };
static const char *const verbosity_choices[] = { "normal", "verbose", NULL };

static gboolean
choice_get_mapping (GValue *value, GVariant *variant, gpointer user_data)
{
  const char *const *choices = user_data;
  const char *str = g_variant_get_string (variant, NULL);

  for (guint i = 0; choices[i] != NULL; i++)
    if (g_strcmp0 (choices[i], str) == 0)
      {
        g_value_set_uint (value, i);
        return TRUE;
      }
  g_value_set_uint (value, 0);
  return TRUE;
}

static GVariant *
choice_set_mapping (const GValue *value, const GVariantType *expected_type, gpointer user_data)
{
  const char *const *choices = user_data;
  guint idx = g_value_get_uint (value);

  if (idx >= g_strv_length ((char **)choices))
    return NULL;
  return g_variant_new_string (choices[idx]);
}

static void
boot0_preferences_constructed (GObject *object)
{
  Boot0Preferences *self = BOOT0_PREFERENCES (object);

  G_OBJECT_CLASS (boot0_preferences_parent_class)->constructed (object);

  g_settings_bind (self->settings, "verify", self->verify_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "run", self->run_switch, "active", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind_with_mapping (self->settings, "erase-mode", self->erase_dropdown, "selected",
                                G_SETTINGS_BIND_DEFAULT, choice_get_mapping, choice_set_mapping,
                                (gpointer)erase_choices, NULL);
  g_settings_bind_with_mapping (self->settings, "log-verbosity", self->verbosity_dropdown,
                                "selected", G_SETTINGS_BIND_DEFAULT, choice_get_mapping,
                                choice_set_mapping, (gpointer)verbosity_choices, NULL);
}

static void
boot0_preferences_set_property (GObject *object, guint prop_id, const GValue *value,
                                GParamSpec *pspec)
{
  Boot0Preferences *self = BOOT0_PREFERENCES (object);

  switch (prop_id)
    {
      case PROP_SETTINGS:
        self->settings = g_value_dup_object (value);
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
boot0_preferences_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  Boot0Preferences *self = BOOT0_PREFERENCES (object);

  switch (prop_id)
    {
      case PROP_SETTINGS:
        g_value_set_object (value, self->settings);
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
boot0_preferences_dispose (GObject *object)
{
  Boot0Preferences *self = BOOT0_PREFERENCES (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), BOOT0_TYPE_PREFERENCES);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (boot0_preferences_parent_class)->dispose (object);
}

static void
boot0_preferences_class_init (Boot0PreferencesClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = boot0_preferences_constructed;
  object_class->set_property = boot0_preferences_set_property;
  object_class->get_property = boot0_preferences_get_property;
  object_class->dispose = boot0_preferences_dispose;

  properties[PROP_SETTINGS] =
      g_param_spec_object ("settings", NULL, NULL, G_TYPE_SETTINGS,
                           G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/boot0/Boot0/boot0-preferences.ui");
  gtk_widget_class_bind_template_child (widget_class, Boot0Preferences, verify_switch);
  gtk_widget_class_bind_template_child (widget_class, Boot0Preferences, run_switch);
  gtk_widget_class_bind_template_child (widget_class, Boot0Preferences, erase_dropdown);
  gtk_widget_class_bind_template_child (widget_class, Boot0Preferences, verbosity_dropdown);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
boot0_preferences_init (Boot0Preferences *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

Boot0Preferences *
boot0_preferences_new (GtkWindow *parent, GSettings *settings)
{
  return g_object_new (BOOT0_TYPE_PREFERENCES, "transient-for", parent, "modal", TRUE, "settings",
                       settings, NULL);
}
