/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The drawing on the "no device" page. Drawn with cairo in the theme's
 * foreground colour, so it follows the light and dark styles; the three
 * numbered markers match the numbered steps printed below it. */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "boot0-bootloader-drawing.h"

/* The design canvas, scaled to the widget keeping its aspect. */
#define CANVAS_W 440.0
#define CANVAS_H 210.0

struct _Boot0BootloaderDrawing
{
  GtkWidget parent_instance;
};

G_DEFINE_FINAL_TYPE (Boot0BootloaderDrawing, boot0_bootloader_drawing, GTK_TYPE_WIDGET)

static void
set_color (cairo_t *cr, const GdkRGBA *c, double alpha)
{
  cairo_set_source_rgba (cr, c->red, c->green, c->blue, c->alpha * alpha);
}

static void
rounded_rect (cairo_t *cr, double x, double y, double w, double h, double r)
{
  cairo_new_sub_path (cr);
  cairo_arc (cr, x + w - r, y + r, r, -G_PI / 2, 0);
  cairo_arc (cr, x + w - r, y + h - r, r, 0, G_PI / 2);
  cairo_arc (cr, x + r, y + h - r, r, G_PI / 2, G_PI);
  cairo_arc (cr, x + r, y + r, r, G_PI, 3 * G_PI / 2);
  cairo_close_path (cr);
}

/* Text centred on (x, y). */
static void
draw_text (GtkWidget *widget, cairo_t *cr, const char *text, double x, double y, double size,
           gboolean bold)
{
  PangoLayout *layout = gtk_widget_create_pango_layout (widget, text);
  PangoFontDescription *font = pango_font_description_copy (
      pango_context_get_font_description (pango_layout_get_context (layout)));
  int w, h;

  pango_font_description_set_absolute_size (font, size * PANGO_SCALE);
  pango_font_description_set_weight (font, bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
  pango_layout_set_font_description (layout, font);
  pango_layout_get_pixel_size (layout, &w, &h);
  cairo_move_to (cr, x - w / 2.0, y - h / 2.0);
  pango_cairo_show_layout (cr, layout);
  pango_font_description_free (font);
  g_object_unref (layout);
}

/* A numbered step marker: a filled accent circle with a white digit. */
static void
draw_marker (GtkWidget *widget, cairo_t *cr, const GdkRGBA *accent, double x, double y,
             const char *digit)
{
  static const GdkRGBA white = { 1, 1, 1, 1 };

  cairo_arc (cr, x, y, 11, 0, 2 * G_PI);
  set_color (cr, accent, 1);
  cairo_fill (cr);
  set_color (cr, &white, 1);
  draw_text (widget, cr, digit, x, y, 13, TRUE);
}

static void
draw (GtkWidget *widget, cairo_t *cr, double width, double height)
{
  GdkRGBA fg;
  const GdkRGBA accent = { 0x35 / 255.0, 0x84 / 255.0, 0xe4 / 255.0, 1 };
  double scale = MIN (width / CANVAS_W, height / CANVAS_H);

  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &fg);
  G_GNUC_END_IGNORE_DEPRECATIONS

  cairo_translate (cr, (width - CANVAS_W * scale) / 2, (height - CANVAS_H * scale) / 2);
  cairo_scale (cr, scale, scale);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);

  /* The USB cable, coming in from the left, and its plug. */
  set_color (cr, &fg, 0.55);
  cairo_set_line_width (cr, 5);
  cairo_move_to (cr, 4, 150);
  cairo_curve_to (cr, 30, 150, 30, 105, 52, 105);
  cairo_stroke (cr);
  rounded_rect (cr, 50, 93, 30, 24, 3);
  set_color (cr, &fg, 0.55);
  cairo_fill (cr);

  /* The board. */
  rounded_rect (cr, 78, 20, 320, 170, 12);
  set_color (cr, &fg, 0.06);
  cairo_fill_preserve (cr);
  set_color (cr, &fg, 0.7);
  cairo_set_line_width (cr, 2);
  cairo_stroke (cr);
  /* Mounting holes. */
  for (int i = 0; i < 4; i++)
    {
      cairo_arc (cr, i % 2 ? 384 : 94, i < 2 ? 36 : 174, 5, 0, 2 * G_PI);
      set_color (cr, &fg, 0.35);
      cairo_set_line_width (cr, 1.5);
      cairo_stroke (cr);
    }
  /* The USB socket on the board's edge. */
  rounded_rect (cr, 78, 95, 16, 20, 2);
  set_color (cr, &fg, 0.7);
  cairo_fill (cr);

  /* The microcontroller with its pins. */
  cairo_set_line_width (cr, 2);
  set_color (cr, &fg, 0.5);
  for (int i = 0; i < 7; i++)
    {
      double p = 80 + i * 10;
      cairo_move_to (cr, 150, p);
      cairo_line_to (cr, 142, p);
      cairo_move_to (cr, 220, p);
      cairo_line_to (cr, 228, p);
      cairo_move_to (cr, p + 75, 70);
      cairo_line_to (cr, p + 75, 62);
      cairo_move_to (cr, p + 75, 140);
      cairo_line_to (cr, p + 75, 148);
    }
  cairo_stroke (cr);
  rounded_rect (cr, 150, 70, 70, 70, 4);
  set_color (cr, &fg, 0.82);
  cairo_fill (cr);
  {
    /* The chip is drawn in the foreground colour (dark on a light style,
     * light on a dark one): its text takes the opposite luminance. */
    GdkRGBA on_chip = (fg.red + fg.green + fg.blue) / 3 > 0.5 ? (GdkRGBA){ 0, 0, 0, 0.85 }
                                                              : (GdkRGBA){ 1, 1, 1, 0.9 };
    set_color (cr, &on_chip, 1);
    draw_text (widget, cr, "STM32", 185, 105, 13, TRUE);
  }

  /* The BOOT0 header: three pins, the jumper bridging BOOT0 and 3V3. */
  set_color (cr, &fg, 0.75);
  draw_text (widget, cr, "3V3", 290, 40, 10, FALSE);
  draw_text (widget, cr, "BOOT0", 330, 40, 10, TRUE);
  draw_text (widget, cr, "GND", 368, 40, 10, FALSE);
  for (int i = 0; i < 3; i++)
    {
      rounded_rect (cr, 284 + i * 40, 56, 12, 12, 2);
      set_color (cr, &fg, 0.7);
      cairo_fill (cr);
    }
  rounded_rect (cr, 276, 50, 68, 24, 7);
  set_color (cr, &accent, 0.9);
  cairo_set_line_width (cr, 3);
  cairo_stroke_preserve (cr);
  set_color (cr, &accent, 0.25);
  cairo_fill (cr);

  /* The RESET button. */
  rounded_rect (cr, 316, 118, 36, 36, 5);
  set_color (cr, &fg, 0.7);
  cairo_set_line_width (cr, 2);
  cairo_stroke (cr);
  cairo_arc (cr, 334, 136, 11, 0, 2 * G_PI);
  set_color (cr, &fg, 0.6);
  cairo_fill (cr);
  set_color (cr, &fg, 0.75);
  draw_text (widget, cr, "RESET", 334, 168, 10, TRUE);

  /* Step markers, numbered as the text below. */
  draw_marker (widget, cr, &accent, 260, 62, "1");
  draw_marker (widget, cr, &accent, 36, 80, "2");
  draw_marker (widget, cr, &accent, 372, 136, "3");
}

static void
boot0_bootloader_drawing_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  cairo_t *cr;

  if (width <= 0 || height <= 0)
    return;
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  draw (widget, cr, width, height);
  cairo_destroy (cr);
}

static void
boot0_bootloader_drawing_measure (GtkWidget *widget, GtkOrientation orientation, int for_size,
                                  int *minimum, int *natural, int *minimum_baseline,
                                  int *natural_baseline)
{
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = (int)(CANVAS_W * 0.8);
      *natural = (int)CANVAS_W;
    }
  else
    {
      *minimum = (int)(CANVAS_H * 0.8);
      *natural = (int)CANVAS_H;
    }
}

static void
boot0_bootloader_drawing_css_changed (GtkWidget *widget, GtkCssStyleChange *change)
{
  GTK_WIDGET_CLASS (boot0_bootloader_drawing_parent_class)->css_changed (widget, change);
  gtk_widget_queue_draw (widget);
}

static void
boot0_bootloader_drawing_class_init (Boot0BootloaderDrawingClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  widget_class->snapshot = boot0_bootloader_drawing_snapshot;
  widget_class->measure = boot0_bootloader_drawing_measure;
  widget_class->css_changed = boot0_bootloader_drawing_css_changed;
  gtk_widget_class_set_css_name (widget_class, "boot0-bootloader-drawing");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
boot0_bootloader_drawing_init (Boot0BootloaderDrawing *self)
{
  gtk_accessible_update_property (
      GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
      _ ("A board with its BOOT0 pin bridged to 3.3 V by a jumper (1), a USB cable plugged into "
         "it (2) and its RESET button (3)"),
      -1);
}

GtkWidget *
boot0_bootloader_drawing_new (void)
{
  return g_object_new (BOOT0_TYPE_BOOTLOADER_DRAWING, NULL);
}
