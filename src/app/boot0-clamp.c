/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "boot0-clamp.h"

struct _Boot0Clamp
{
  GtkWidget parent_instance;

  GtkWidget *child;
  int maximum_size;
};

static void boot0_clamp_buildable_init (GtkBuildableIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (Boot0Clamp, boot0_clamp, GTK_TYPE_WIDGET,
                               G_IMPLEMENT_INTERFACE (GTK_TYPE_BUILDABLE,
                                                      boot0_clamp_buildable_init))

enum
{
  PROP_0,
  PROP_CHILD,
  PROP_MAXIMUM_SIZE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];
static GtkBuildableIface *parent_buildable_iface;

static GtkSizeRequestMode
boot0_clamp_get_request_mode (GtkWidget *widget)
{
  Boot0Clamp *self = BOOT0_CLAMP (widget);

  return self->child != NULL ? gtk_widget_get_request_mode (self->child)
                             : GTK_SIZE_REQUEST_CONSTANT_SIZE;
}

static void
boot0_clamp_measure (GtkWidget *widget, GtkOrientation orientation, int for_size, int *minimum,
                     int *natural, int *minimum_baseline, int *natural_baseline)
{
  Boot0Clamp *self = BOOT0_CLAMP (widget);

  *minimum = *natural = 0;
  if (self->child == NULL || !gtk_widget_should_layout (self->child))
    return;
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      gtk_widget_measure (self->child, orientation, for_size, minimum, natural, NULL, NULL);
      *natural = MAX (*minimum, MIN (*natural, self->maximum_size));
    }
  else
    {
      /* The child gets at most maximum_size: measure it at that width. */
      int width = for_size;
      if (width >= 0)
        {
          int child_min = 0;
          gtk_widget_measure (self->child, GTK_ORIENTATION_HORIZONTAL, -1, &child_min, NULL, NULL,
                              NULL);
          width = MAX (child_min, MIN (width, self->maximum_size));
        }
      gtk_widget_measure (self->child, orientation, width, minimum, natural, NULL, NULL);
    }
}

static void
boot0_clamp_size_allocate (GtkWidget *widget, int width, int height, int baseline)
{
  Boot0Clamp *self = BOOT0_CLAMP (widget);
  int child_min = 0;
  int child_width;
  int child_height = 0;

  if (self->child == NULL || !gtk_widget_should_layout (self->child))
    return;
  gtk_widget_measure (self->child, GTK_ORIENTATION_HORIZONTAL, -1, &child_min, NULL, NULL, NULL);
  child_width = MAX (child_min, MIN (width, self->maximum_size));
  /* Centred vertically here too: valign=center on a scrolled window's
   * content makes GTK search the wrapping labels' widths just the same. */
  gtk_widget_measure (self->child, GTK_ORIENTATION_VERTICAL, child_width, NULL, &child_height, NULL,
                      NULL);
  child_height = MIN (child_height, height);
  gtk_widget_size_allocate (self->child,
                            &(GtkAllocation){ .x = (width - child_width) / 2,
                                              .y = (height - child_height) / 2,
                                              .width = child_width,
                                              .height = child_height },
                            -1);
}

void
boot0_clamp_set_child (Boot0Clamp *self, GtkWidget *child)
{
  g_return_if_fail (BOOT0_IS_CLAMP (self));
  g_return_if_fail (child == NULL || gtk_widget_get_parent (child) == NULL);

  if (self->child == child)
    return;
  g_clear_pointer (&self->child, gtk_widget_unparent);
  if (child != NULL)
    {
      self->child = child;
      gtk_widget_set_parent (child, GTK_WIDGET (self));
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CHILD]);
}

GtkWidget *
boot0_clamp_get_child (Boot0Clamp *self)
{
  g_return_val_if_fail (BOOT0_IS_CLAMP (self), NULL);
  return self->child;
}

void
boot0_clamp_set_maximum_size (Boot0Clamp *self, int maximum_size)
{
  g_return_if_fail (BOOT0_IS_CLAMP (self));

  if (self->maximum_size == maximum_size)
    return;
  self->maximum_size = maximum_size;
  gtk_widget_queue_resize (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MAXIMUM_SIZE]);
}

int
boot0_clamp_get_maximum_size (Boot0Clamp *self)
{
  g_return_val_if_fail (BOOT0_IS_CLAMP (self), 0);
  return self->maximum_size;
}

static void
boot0_clamp_buildable_add_child (GtkBuildable *buildable, GtkBuilder *builder, GObject *child,
                                 const char *type)
{
  if (GTK_IS_WIDGET (child))
    boot0_clamp_set_child (BOOT0_CLAMP (buildable), GTK_WIDGET (child));
  else
    parent_buildable_iface->add_child (buildable, builder, child, type);
}

static void
boot0_clamp_buildable_init (GtkBuildableIface *iface)
{
  parent_buildable_iface = g_type_interface_peek_parent (iface);
  iface->add_child = boot0_clamp_buildable_add_child;
}

static void
boot0_clamp_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  Boot0Clamp *self = BOOT0_CLAMP (object);

  switch (prop_id)
    {
      case PROP_CHILD:
        g_value_set_object (value, self->child);
        break;
      case PROP_MAXIMUM_SIZE:
        g_value_set_int (value, self->maximum_size);
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
boot0_clamp_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  Boot0Clamp *self = BOOT0_CLAMP (object);

  switch (prop_id)
    {
      case PROP_CHILD:
        boot0_clamp_set_child (self, g_value_get_object (value));
        break;
      case PROP_MAXIMUM_SIZE:
        boot0_clamp_set_maximum_size (self, g_value_get_int (value));
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
boot0_clamp_dispose (GObject *object)
{
  Boot0Clamp *self = BOOT0_CLAMP (object);

  g_clear_pointer (&self->child, gtk_widget_unparent);
  G_OBJECT_CLASS (boot0_clamp_parent_class)->dispose (object);
}

static void
boot0_clamp_class_init (Boot0ClampClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = boot0_clamp_get_property;
  object_class->set_property = boot0_clamp_set_property;
  object_class->dispose = boot0_clamp_dispose;
  widget_class->get_request_mode = boot0_clamp_get_request_mode;
  widget_class->measure = boot0_clamp_measure;
  widget_class->size_allocate = boot0_clamp_size_allocate;

  properties[PROP_CHILD] =
      g_param_spec_object ("child", NULL, NULL, GTK_TYPE_WIDGET,
                           G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_MAXIMUM_SIZE] =
      g_param_spec_int ("maximum-size", NULL, NULL, 0, G_MAXINT, 640,
                        G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
boot0_clamp_init (Boot0Clamp *self)
{
  self->maximum_size = 640;
}

GtkWidget *
boot0_clamp_new (void)
{
  return g_object_new (BOOT0_TYPE_CLAMP, NULL);
}
