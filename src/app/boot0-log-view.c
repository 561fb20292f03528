/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The log pane: a read-only text view of timestamped lines with a Copy
 * button. Bounded, so a station running for days does not grow without
 * end. */
#include "config.h"

#include <glib/gi18n.h>

#include "boot0-log-view.h"

#define MAX_LINES  5000
#define TRIM_LINES 500

struct _Boot0LogView
{
  GtkWidget parent_instance;

  GtkWidget *box;
  GtkTextView *text_view;
  GtkTextBuffer *buffer;
  GtkTextMark *end_mark;
};

G_DEFINE_FINAL_TYPE (Boot0LogView, boot0_log_view, GTK_TYPE_WIDGET)

static void
copy_clicked_cb (Boot0LogView *self)
{
  g_autofree char *text = boot0_log_view_get_text (self);

  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (self)), text);
}

static void
clear_clicked_cb (Boot0LogView *self)
{
  gtk_text_buffer_set_text (self->buffer, "", 0);
}

static void
boot0_log_view_dispose (GObject *object)
{
  /* Unparents the bound direct child, box. */
  gtk_widget_dispose_template (GTK_WIDGET (object), BOOT0_TYPE_LOG_VIEW);

  G_OBJECT_CLASS (boot0_log_view_parent_class)->dispose (object);
}

static void
boot0_log_view_class_init (Boot0LogViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = boot0_log_view_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/boot0/Boot0/boot0-log-view.ui");
  gtk_widget_class_bind_template_child (widget_class, Boot0LogView, box);
  gtk_widget_class_bind_template_child (widget_class, Boot0LogView, text_view);
  gtk_widget_class_bind_template_callback (widget_class, copy_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, clear_clicked_cb);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "boot0-log-view");
}

static void
boot0_log_view_init (Boot0LogView *self)
{
  GtkTextIter end;

  gtk_widget_init_template (GTK_WIDGET (self));
  self->buffer = gtk_text_view_get_buffer (self->text_view);
  gtk_text_buffer_get_end_iter (self->buffer, &end);
  self->end_mark = gtk_text_buffer_create_mark (self->buffer, "end", &end, FALSE);
}

GtkWidget *
boot0_log_view_new (void)
{
  return g_object_new (BOOT0_TYPE_LOG_VIEW, NULL);
}

void
boot0_log_view_add (Boot0LogView *self, const char *message)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *stamp = g_date_time_format (now, "%H:%M:%S");
  g_autofree char *line = NULL;
  GtkTextIter end;

  g_return_if_fail (BOOT0_IS_LOG_VIEW (self));

  line = g_strdup_printf ("%s[%s.%03d] %s",
                          gtk_text_buffer_get_char_count (self->buffer) > 0 ? "\n" : "", stamp,
                          g_date_time_get_microsecond (now) / 1000, message);
  gtk_text_buffer_get_end_iter (self->buffer, &end);
  gtk_text_buffer_insert (self->buffer, &end, line, -1);
  g_debug ("log: %s", message);

  if (gtk_text_buffer_get_line_count (self->buffer) > MAX_LINES)
    {
      GtkTextIter start, cut;
      gtk_text_buffer_get_start_iter (self->buffer, &start);
      gtk_text_buffer_get_iter_at_line (self->buffer, &cut, TRIM_LINES);
      gtk_text_buffer_delete (self->buffer, &start, &cut);
    }
  gtk_text_view_scroll_mark_onscreen (self->text_view, self->end_mark);
}

char *
boot0_log_view_get_text (Boot0LogView *self)
{
  GtkTextIter start, end;

  g_return_val_if_fail (BOOT0_IS_LOG_VIEW (self), NULL);
  gtk_text_buffer_get_bounds (self->buffer, &start, &end);
  return gtk_text_buffer_get_text (self->buffer, &start, &end, FALSE);
}
