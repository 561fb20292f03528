/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests of the memory map widget: geometry, hover texts and the accessible
 * description for F4 (mixed sectors), L4 (256 pages) and CubeMX (read-only
 * bootloader sectors) layouts; each state is rendered to a PNG in the build
 * directory for a person to look at. Needs a display (Xvfb in CI). */
#include "config.h"

#include <string.h>

#include <gtk/gtk.h>

#include "boot0-memory-map.h"
#include "boot0-test-helpers.h"

#define F4_ROM "@Internal Flash  /0x08000000/04*016Kg,01*064Kg,07*128Kg"
#define CUBEMX "@Internal Flash  /0x08000000/02*016Ka,02*016Kg,01*064Kg,07*128Kg"
#define L4_ROM "@Internal Flash  /0x08000000/0256*0002Kg"
#define GAPPED "@Internal Flash  /0x08000000/04*016Kg/0x08100000/04*016Kg"

#define MARGIN 12

static Boot0DfuseLayout *
layout (const char *str)
{
  g_autoptr (GError) error = NULL;
  Boot0DfuseLayout *l = boot0_dfuse_layout_parse (str, &error);
  g_assert_no_error (error);
  return l;
}

/* A raw .bin of len bytes, as loaded from a file. */
static Boot0Firmware *
make_bin (gsize len)
{
  g_autoptr (GError) error = NULL;
  g_autofree guint8 *data = g_malloc (len);
  g_autoptr (GBytes) bytes = NULL;
  Boot0Firmware *fw;

  boot0_test_fill_random (data, len, (guint32)len);
  bytes = g_bytes_new (data, len);
  fw = boot0_firmware_load_bytes (bytes, BOOT0_FIRMWARE_FORMAT_BIN, BOOT0_FIRMWARE_DEFAULT_BASE,
                                  &error);
  g_assert_no_error (error);
  return fw;
}

/* An image with its own address (as from Intel HEX). */
static Boot0Firmware *
make_hex (guint32 address, gsize len)
{
  g_autoptr (GError) error = NULL;
  g_autofree guint8 *data = g_malloc (len);
  Boot0Firmware *fw = boot0_firmware_new ();

  boot0_firmware_set_format (fw, BOOT0_FIRMWARE_FORMAT_IHEX);
  boot0_test_fill_random (data, len, address);
  boot0_firmware_add_data (fw, 0, address, data, len, &error);
  g_assert_no_error (error);
  return fw;
}

static Boot0Plan *
make_plan (Boot0Firmware *fw, Boot0DfuseLayout *l, Boot0PlanEraseMode erase_mode)
{
  g_autoptr (GError) error = NULL;
  Boot0PlanOptions options;
  Boot0Plan *plan;

  boot0_plan_options_init (&options);
  options.erase_mode = erase_mode;
  plan = boot0_plan_new (fw, l, &options, &error);
  g_assert_no_error (error);
  return plan;
}

/* A window showing a memory map, allocated at a given width. */
typedef struct
{
  GtkWidget *window;
  Boot0MemoryMap *map;
} Fixture;

static gboolean
set_true_cb (gpointer data)
{
  *(gboolean *)data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
spin (guint ms)
{
  gboolean done = FALSE;
  g_timeout_add (ms, set_true_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

static void
fixture_set_width (Fixture *f, int width)
{
  gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

  gtk_window_set_default_size (GTK_WINDOW (f->window), width + 2 * MARGIN, -1);
  while (g_get_monotonic_time () < deadline &&
         (!gtk_widget_get_mapped (GTK_WIDGET (f->map)) ||
          gtk_widget_get_width (GTK_WIDGET (f->map)) != width))
    g_main_context_iteration (NULL, FALSE);
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (f->map)));
  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (f->map)), ==, width);
  /* Let a resize after a style or content change settle. */
  spin (50);
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  f->window = gtk_window_new ();
  gtk_window_set_decorated (GTK_WINDOW (f->window), FALSE);
  f->map = BOOT0_MEMORY_MAP (boot0_memory_map_new ());
  gtk_widget_set_margin_start (GTK_WIDGET (f->map), MARGIN);
  gtk_widget_set_margin_end (GTK_WIDGET (f->map), MARGIN);
  gtk_widget_set_margin_top (GTK_WIDGET (f->map), MARGIN);
  gtk_widget_set_margin_bottom (GTK_WIDGET (f->map), MARGIN);
  gtk_widget_set_valign (GTK_WIDGET (f->map), GTK_ALIGN_START);
  gtk_window_set_child (GTK_WINDOW (f->window), GTK_WIDGET (f->map));
  gtk_window_present (GTK_WINDOW (f->window));
  fixture_set_width (f, 600);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  gtk_window_destroy (GTK_WINDOW (f->window));
  spin (10);
}

/* Renders the window (its background and the map) to a texture and saves
 * it as name in the build directory. */
static GdkTexture *
render (Fixture *f, const char *name)
{
  g_autoptr (GdkPaintable) paintable = gtk_widget_paintable_new (f->window);
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  g_autoptr (GskRenderNode) node = NULL;
  g_autofree char *path = NULL;
  GskRenderer *renderer = gtk_native_get_renderer (GTK_NATIVE (f->window));
  int w, h;
  GdkTexture *texture;

  /* Let a pending resize and redraw happen first. */
  spin (50);
  w = gtk_widget_get_width (f->window);
  h = gtk_widget_get_height (f->window);
  gdk_paintable_snapshot (paintable, snapshot, w, h);
  node = gtk_snapshot_free_to_node (snapshot);
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, w, h));
  g_assert_cmpint (gdk_texture_get_width (texture), ==, w);
  path = g_build_filename (g_getenv ("G_TEST_BUILDDIR") ? g_getenv ("G_TEST_BUILDDIR") : ".", name,
                           NULL);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("rendered %s", path);
  return texture;
}

/* The pixel at window coordinates (x, y) as 0xAARRGGBB. */
static guint32
pixel_at (GdkTexture *texture, int x, int y)
{
  int w = gdk_texture_get_width (texture);
  int h = gdk_texture_get_height (texture);
  g_autofree guint32 *data = g_new (guint32, (gsize)w * h);

  g_assert_cmpint (x, >=, 0);
  g_assert_cmpint (x, <, w);
  g_assert_cmpint (y, >=, 0);
  g_assert_cmpint (y, <, h);
  /* Cairo ARGB32: native-endian 32-bit words. */
  gdk_texture_download (texture, (guchar *)data, (gsize)w * 4);
  return data[(gsize)y * w + x];
}

static double
luminance (guint32 px)
{
  return (0.2126 * ((px >> 16) & 0xFF) + 0.7152 * ((px >> 8) & 0xFF) + 0.0722 * (px & 0xFF)) /
         255.0;
}

/* The sector's drawn area, in map coordinates. */
static graphene_rect_t
sector_area (Fixture *f, guint idx)
{
  graphene_rect_t area;
  g_assert_true (boot0_memory_map_get_sector_area (f->map, idx, &area));
  return area;
}

/* A point of a sector's box, in window coordinates: fx, fy are fractions of
 * its width and height (the image band is the bottom quarter). */
static void
sector_point (Fixture *f, guint idx, double fx, double fy, int *x, int *y)
{
  graphene_rect_t area = sector_area (f, idx);
  graphene_point_t in = GRAPHENE_POINT_INIT (area.origin.x + area.size.width * fx,
                                             area.origin.y + area.size.height * fy);
  graphene_point_t out;

  g_assert_true (gtk_widget_compute_point (GTK_WIDGET (f->map), f->window, &in, &out));
  *x = (int)out.x;
  *y = (int)out.y;
}

static guint32
sector_pixel (Fixture *f, GdkTexture *texture, guint idx, double fx, double fy)
{
  int x, y;
  sector_point (f, idx, fx, fy, &x, &y);
  return pixel_at (texture, x, y);
}

/* Every sector is found under the middle of its own area. */
static void
assert_hit_testing (Fixture *f)
{
  Boot0DfuseLayout *l = boot0_memory_map_get_layout (f->map);

  for (guint i = 0; i < boot0_dfuse_layout_get_n_sectors (l); i++)
    {
      graphene_rect_t area = sector_area (f, i);
      int hit = boot0_memory_map_get_sector_at (f->map, area.origin.x + area.size.width / 2,
                                                area.origin.y + area.size.height / 2);
      g_assert_cmpint (hit, ==, (int)i);
    }
  /* Above the boxes (the header) and far below (the legend): nothing. */
  g_assert_cmpint (boot0_memory_map_get_sector_at (f->map, 10, 1), ==, -1);
  g_assert_cmpint (
      boot0_memory_map_get_sector_at (f->map, 10, gtk_widget_get_height (GTK_WIDGET (f->map)) - 1),
      ==, -1);
}

static void
test_empty_func (Fixture *f, gconstpointer data)
{
  g_autoptr (GdkTexture) texture = NULL;

  g_assert_cmpstr (boot0_memory_map_get_description (f->map), ==, "No memory layout");
  g_assert_cmpint (boot0_memory_map_get_sector_at (f->map, 300, 40), ==, -1);
  texture = render (f, "memory-map-empty.png");
}

static void
test_f4_func (Fixture *f, gconstpointer data)
{
  g_autoptr (Boot0DfuseLayout) l = layout (F4_ROM);
  g_autoptr (Boot0Firmware) fw = make_bin (200 * 1024);
  g_autoptr (Boot0Plan) plan = make_plan (fw, l, BOOT0_PLAN_ERASE_NEEDED);
  g_autoptr (GdkTexture) texture = NULL;
  g_autofree char *tip = NULL;
  graphene_rect_t s0, s4, s5;
  guint32 written, untouched, band, band_free, background;
  int x, y;

  /* The layout alone: every sector untouched. */
  boot0_memory_map_set_layout (f->map, l);
  g_assert_cmpstr (boot0_memory_map_get_description (f->map), ==,
                   "Internal Flash 1 MiB, 12 sectors: 12 untouched");
  g_assert_cmpint (boot0_memory_map_get_sector_fate (f->map, 3), ==, BOOT0_PLAN_SECTOR_UNTOUCHED);
  texture = render (f, "memory-map-f4-layout.png");
  g_clear_object (&texture);

  boot0_memory_map_set_plan (f->map, plan);
  g_assert_true (boot0_memory_map_get_plan (f->map) == plan);
  fixture_set_width (f, 600);
  g_assert_cmpuint (boot0_memory_map_get_n_rows (f->map), ==, 1);
  g_assert_cmpstr (boot0_memory_map_get_description (f->map), ==,
                   "Internal Flash 1 MiB, 12 sectors: 6 to erase and write, 6 untouched; "
                   "image 200 KiB at 0x08000000");
  for (guint i = 0; i < 12; i++)
    g_assert_cmpint (boot0_memory_map_get_sector_fate (f->map, i), ==,
                     i <= 5 ? BOOT0_PLAN_SECTOR_ERASE_AND_WRITE : BOOT0_PLAN_SECTOR_UNTOUCHED);

  tip = boot0_memory_map_get_sector_tooltip (f->map, 5);
  g_assert_cmpstr (tip, ==,
                   "Sector 5: 0x08020000–0x0803FFFF, 128 KiB — will be erased and written\n"
                   "72 KiB of image data");
  g_clear_pointer (&tip, g_free);
  tip = boot0_memory_map_get_sector_tooltip (f->map, 0);
  g_assert_cmpstr (tip, ==, "Sector 0: 0x08000000–0x08003FFF, 16 KiB — will be erased and written");
  g_clear_pointer (&tip, g_free);
  tip = boot0_memory_map_get_sector_tooltip (f->map, 11);
  g_assert_cmpstr (tip, ==, "Sector 11: 0x080E0000–0x080FFFFF, 128 KiB — left untouched");

  /* To scale: a 128 KiB sector is 8 times a 16 KiB one, 64 KiB 4 times. */
  s0 = sector_area (f, 0);
  s4 = sector_area (f, 4);
  s5 = sector_area (f, 5);
  g_assert_cmpfloat_with_epsilon (s0.size.width, 600.0 * 16 / 1024, 1);
  g_assert_cmpfloat_with_epsilon (s4.size.width, 600.0 * 64 / 1024, 1);
  g_assert_cmpfloat_with_epsilon (s5.size.width, 600.0 * 128 / 1024, 1);
  /* Left to right in address order, in one row. */
  g_assert_cmpfloat (s4.origin.x, <, s5.origin.x);
  g_assert_cmpfloat (s0.origin.y, ==, s5.origin.y);
  assert_hit_testing (f);

  texture = render (f, "memory-map-f4.png");
  /* The fill above the image band: erased+written vs untouched vs the
   * window background all differ. */
  written = sector_pixel (f, texture, 6 - 1, 0.9, 0.2);
  untouched = sector_pixel (f, texture, 8, 0.9, 0.2);
  sector_point (f, 8, 0.5, 0, &x, &y);
  background = pixel_at (texture, x, y - 3);
  g_assert_cmphex (written, !=, untouched);
  g_assert_cmphex (untouched, !=, background);
  g_assert_cmphex (written, !=, background);
  /* Sector 5 holds 72 KiB of the image: its band is drawn over the first
   * 9/16 of the sector only. */
  band = sector_pixel (f, texture, 5, 0.25, 0.95);
  band_free = sector_pixel (f, texture, 5, 0.85, 0.95);
  g_assert_cmphex (band, !=, band_free);
  g_assert_cmphex (band_free, ==, written);
  /* Light style: a light background, a darker image band. */
  g_assert_cmpfloat (luminance (background), >, 0.7);
  g_assert_cmpfloat (luminance (band), <, 0.3);
}

static void
test_f4_dark_func (Fixture *f, gconstpointer data)
{
  GtkSettings *settings = gtk_settings_get_default ();
  g_autoptr (Boot0DfuseLayout) l = layout (F4_ROM);
  g_autoptr (Boot0Firmware) fw = make_bin (200 * 1024);
  g_autoptr (Boot0Plan) plan = make_plan (fw, l, BOOT0_PLAN_ERASE_NEEDED);
  g_autoptr (GdkTexture) texture = NULL;
  guint32 written, untouched, band, background;
  int x, y;

  g_object_set (settings, "gtk-application-prefer-dark-theme", TRUE, NULL);
  boot0_memory_map_set_layout (f->map, l);
  boot0_memory_map_set_plan (f->map, plan);
  spin (100);
  fixture_set_width (f, 600);
  texture = render (f, "memory-map-f4-dark.png");

  written = sector_pixel (f, texture, 5, 0.9, 0.2);
  untouched = sector_pixel (f, texture, 8, 0.9, 0.2);
  band = sector_pixel (f, texture, 5, 0.25, 0.95);
  sector_point (f, 8, 0.5, 0, &x, &y);
  background = pixel_at (texture, x, y - 3);
  /* Dark style: a dark background, a light image band, and still three
   * different colors. */
  g_assert_cmpfloat (luminance (background), <, 0.3);
  g_assert_cmpfloat (luminance (band), >, 0.7);
  g_assert_cmphex (written, !=, untouched);
  g_assert_cmphex (untouched, !=, background);
  g_assert_cmpfloat (luminance (untouched), >, luminance (background));
  g_clear_object (&texture);

  /* Every fate at once, in the dark: a bootloader's sectors, an image, and
   * the rest of the flash erased. */
  {
    g_autoptr (Boot0DfuseLayout) cubemx = layout (CUBEMX);
    g_autoptr (Boot0Firmware) app = make_bin (100 * 1024);
    g_autoptr (Boot0Plan) all = make_plan (app, cubemx, BOOT0_PLAN_ERASE_ALL);
    guint32 read_only, erase_only;

    boot0_memory_map_set_layout (f->map, cubemx);
    boot0_memory_map_set_plan (f->map, all);
    fixture_set_width (f, 600);
    texture = render (f, "memory-map-cubemx-dark.png");
    read_only = sector_pixel (f, texture, 0, 0.5, 0.5);
    written = sector_pixel (f, texture, 4, 0.9, 0.2);
    erase_only = sector_pixel (f, texture, 9, 0.9, 0.2);
    g_assert_cmphex (read_only, !=, written);
    g_assert_cmphex (read_only, !=, erase_only);
    g_assert_cmphex (written, !=, erase_only);
  }
  g_object_set (settings, "gtk-application-prefer-dark-theme", FALSE, NULL);
}

static void
test_f4_narrow_func (Fixture *f, gconstpointer data)
{
  g_autoptr (Boot0DfuseLayout) l = layout (F4_ROM);
  g_autoptr (GdkTexture) texture = NULL;
  graphene_rect_t s0, s11;

  boot0_memory_map_set_layout (f->map, l);
  fixture_set_width (f, 300);
  /* 16 KiB would be under 5 px in one row: two rows of 512 KiB. */
  g_assert_cmpuint (boot0_memory_map_get_n_rows (f->map), ==, 2);
  s0 = sector_area (f, 0);
  s11 = sector_area (f, 11);
  g_assert_cmpfloat (s11.origin.y, >, s0.origin.y);
  g_assert_cmpfloat (s0.size.width, >=, 6);
  assert_hit_testing (f);
  texture = render (f, "memory-map-f4-narrow.png");
}

static void
test_f4_fates_func (Fixture *f, gconstpointer data)
{
  g_autoptr (Boot0DfuseLayout) l = layout (F4_ROM);
  g_autoptr (Boot0Firmware) fw = make_bin (100 * 1024);
  g_autoptr (Boot0Plan) all = make_plan (fw, l, BOOT0_PLAN_ERASE_ALL);
  g_autoptr (Boot0Plan) none = make_plan (fw, l, BOOT0_PLAN_ERASE_NONE);
  g_autoptr (GdkTexture) texture = NULL;
  g_autofree char *tip = NULL;
  guint32 erase_write, erase_only, write_only;

  boot0_memory_map_set_layout (f->map, l);
  boot0_memory_map_set_plan (f->map, all);
  fixture_set_width (f, 600);
  g_assert_cmpstr (boot0_memory_map_get_description (f->map), ==,
                   "Internal Flash 1 MiB, 12 sectors: 5 to erase and write, 7 to erase only; "
                   "image 100 KiB at 0x08000000");
  tip = boot0_memory_map_get_sector_tooltip (f->map, 7);
  g_assert_cmpstr (tip, ==, "Sector 7: 0x08060000–0x0807FFFF, 128 KiB — will be erased");
  texture = render (f, "memory-map-f4-erase-all.png");
  erase_write = sector_pixel (f, texture, 4, 0.9, 0.2);
  erase_only = sector_pixel (f, texture, 7, 0.9, 0.2);
  g_assert_cmphex (erase_write, !=, erase_only);
  g_clear_object (&texture);

  boot0_memory_map_set_plan (f->map, none);
  fixture_set_width (f, 600);
  g_assert_cmpint (boot0_memory_map_get_sector_fate (f->map, 0), ==, BOOT0_PLAN_SECTOR_WRITE_ONLY);
  g_assert_cmpint (boot0_memory_map_get_sector_fate (f->map, 7), ==, BOOT0_PLAN_SECTOR_UNTOUCHED);
  texture = render (f, "memory-map-f4-no-erase.png");
  write_only = sector_pixel (f, texture, 0, 0.5, 0.2);
  g_assert_cmphex (write_only, !=, erase_write);
  g_assert_cmphex (write_only, !=, erase_only);
  g_assert_cmphex (write_only, !=, sector_pixel (f, texture, 7, 0.9, 0.2));

  /* A plan for another layout is not drawn over this one. */
  {
    g_autoptr (Boot0DfuseLayout) l4 = layout (L4_ROM);
    g_autoptr (Boot0Plan) other = make_plan (fw, l4, BOOT0_PLAN_ERASE_NEEDED);
    boot0_memory_map_set_plan (f->map, other);
    g_assert_cmpstr (boot0_memory_map_get_description (f->map), ==,
                     "Internal Flash 1 MiB, 12 sectors: 12 untouched");
  }
}

static void
test_l4_func (Fixture *f, gconstpointer data)
{
  g_autoptr (Boot0DfuseLayout) l = layout (L4_ROM);
  g_autoptr (Boot0Firmware) fw = make_bin (99 * 1024);
  g_autoptr (Boot0Plan) plan = make_plan (fw, l, BOOT0_PLAN_ERASE_NEEDED);
  g_autoptr (GdkTexture) texture = NULL;
  g_autofree char *tip = NULL;
  graphene_rect_t first, last, next_row;

  boot0_memory_map_set_layout (f->map, l);
  boot0_memory_map_set_plan (f->map, plan);
  fixture_set_width (f, 600);
  g_assert_cmpstr (boot0_memory_map_get_description (f->map), ==,
                   "Internal Flash 512 KiB, 256 sectors: 50 to erase and write, 206 untouched; "
                   "image 99 KiB at 0x08000000");

  /* 256 pages in one row would be 2 px each: rows of 64 pages instead,
   * every page wide enough to see and to point at. */
  g_assert_cmpuint (boot0_memory_map_get_n_rows (f->map), ==, 4);
  first = sector_area (f, 0);
  last = sector_area (f, 63);
  next_row = sector_area (f, 64);
  g_assert_cmpfloat (first.size.width, >=, 6);
  g_assert_cmpfloat (next_row.origin.y, >, first.origin.y);
  g_assert_cmpfloat (next_row.origin.x, ==, first.origin.x);
  g_assert_cmpfloat_with_epsilon (last.origin.x + last.size.width, 600, 1);
  assert_hit_testing (f);

  tip = boot0_memory_map_get_sector_tooltip (f->map, 49);
  g_assert_cmpstr (tip, ==,
                   "Sector 49: 0x08018800–0x08018FFF, 2 KiB — will be erased and written\n"
                   "1 KiB of image data");
  g_clear_pointer (&tip, g_free);
  tip = boot0_memory_map_get_sector_tooltip (f->map, 255);
  g_assert_cmpstr (tip, ==, "Sector 255: 0x0807F800–0x0807FFFF, 2 KiB — left untouched");

  texture = render (f, "memory-map-l4.png");
  g_assert_cmphex (sector_pixel (f, texture, 10, 0.5, 0.2), !=,
                   sector_pixel (f, texture, 100, 0.5, 0.2));
  /* The last page of the image is half covered. */
  g_assert_cmphex (sector_pixel (f, texture, 49, 0.2, 0.95), !=,
                   sector_pixel (f, texture, 49, 0.8, 0.95));
}

static void
test_cubemx_func (Fixture *f, gconstpointer data)
{
  g_autoptr (Boot0DfuseLayout) l = layout (CUBEMX);
  g_autoptr (Boot0Firmware) fw = make_bin (300 * 1024);
  g_autoptr (Boot0Plan) plan = make_plan (fw, l, BOOT0_PLAN_ERASE_NEEDED);
  g_autoptr (GdkTexture) texture = NULL;
  g_autofree char *tip = NULL;
  guint32 read_only_a, read_only_b, written;

  boot0_memory_map_set_layout (f->map, l);
  boot0_memory_map_set_plan (f->map, plan);
  fixture_set_width (f, 600);
  g_assert_cmpstr (boot0_memory_map_get_description (f->map), ==,
                   "Internal Flash 1 MiB, 12 sectors: 5 to erase and write, 5 untouched, "
                   "2 read-only; image 300 KiB at 0x08008000");
  tip = boot0_memory_map_get_sector_tooltip (f->map, 1);
  g_assert_cmpstr (tip, ==,
                   "Sector 1: 0x08004000–0x08007FFF, 16 KiB — read-only, never erased or written");
  assert_hit_testing (f);

  texture = render (f, "memory-map-cubemx.png");
  /* Read-only is hatched: two points of it differ; and it differs from a
   * written sector. */
  read_only_a = sector_pixel (f, texture, 0, 0.3, 0.3);
  read_only_b = sector_pixel (f, texture, 0, 0.3, 0.3);
  written = sector_pixel (f, texture, 2, 0.5, 0.2);
  g_assert_cmphex (read_only_a, !=, written);
  {
    gboolean hatched = FALSE;
    int x, y;
    sector_point (f, 0, 0.1, 0.3, &x, &y);
    for (int dx = 0; dx < 6 && !hatched; dx++)
      hatched = pixel_at (texture, x + dx, y) != read_only_b;
    g_assert_true (hatched);
  }
}

/* An image that cannot be planned: its conflicts are drawn. */
static void
test_conflict_func (Fixture *f, gconstpointer data)
{
  g_autoptr (Boot0DfuseLayout) l = layout (CUBEMX);
  /* Linked at 0x08000000 for a chip without the bootloader, and too big. */
  g_autoptr (Boot0Firmware) fw = make_hex (0x08000000, 1024 * 1024 + 8 * 1024);
  g_autoptr (GError) error = NULL;
  g_autoptr (Boot0Plan) plan = boot0_plan_new (fw, l, NULL, &error);
  g_autoptr (GdkTexture) texture = NULL;
  g_autofree char *tip = NULL;
  guint32 conflict, image;

  g_assert_null (plan);
  g_assert_error (error, BOOT0_ERROR, BOOT0_ERROR_DOES_NOT_FIT);
  boot0_memory_map_set_layout (f->map, l);
  boot0_memory_map_set_image (f->map, fw);
  g_assert_true (boot0_memory_map_get_image (f->map) == fw);
  fixture_set_width (f, 600);
  g_assert_cmpstr (boot0_memory_map_get_description (f->map), ==,
                   "Internal Flash 1 MiB, 12 sectors: 10 untouched, 2 read-only; image 1032 KiB at "
                   "0x08000000; the image covers 2 sectors that cannot be written; 8 KiB of the "
                   "image lies outside this memory");
  tip = boot0_memory_map_get_sector_tooltip (f->map, 0);
  g_assert_cmpstr (tip, ==,
                   "Sector 0: 0x08000000–0x08003FFF, 16 KiB — read-only, never erased or written\n"
                   "The image overlaps this sector, which cannot be written.");
  texture = render (f, "memory-map-conflict.png");
  conflict = sector_pixel (f, texture, 0, 0.5, 0.95);
  image = sector_pixel (f, texture, 6, 0.5, 0.95);
  g_assert_cmphex (conflict, !=, image);
  /* Red: the red channel dominates. */
  g_assert_cmpuint ((conflict >> 16) & 0xFF, >, 2 * ((conflict >> 8) & 0xFF));

  /* A plan replaces the image's conflicts. */
  {
    g_autoptr (Boot0Firmware) app = make_hex (0x08008000, 4096);
    g_autoptr (Boot0Plan) ok = make_plan (app, l, BOOT0_PLAN_ERASE_NEEDED);
    boot0_memory_map_set_plan (f->map, ok);
    g_assert_null (strstr (boot0_memory_map_get_description (f->map), "cannot"));
  }
}

static void
test_gapped_func (Fixture *f, gconstpointer data)
{
  g_autoptr (Boot0DfuseLayout) l = layout (GAPPED);
  g_autoptr (Boot0Firmware) fw = make_hex (0x08100000, 20 * 1024);
  g_autoptr (Boot0Plan) plan = make_plan (fw, l, BOOT0_PLAN_ERASE_NEEDED);
  g_autoptr (GdkTexture) texture = NULL;
  g_autofree char *tip = NULL;
  graphene_rect_t s3, s4;

  boot0_memory_map_set_layout (f->map, l);
  boot0_memory_map_set_plan (f->map, plan);
  fixture_set_width (f, 600);
  /* The gap is not drawn to scale: the two zones sit side by side. */
  s3 = sector_area (f, 3);
  s4 = sector_area (f, 4);
  g_assert_cmpfloat_with_epsilon (s3.origin.x + s3.size.width, s4.origin.x, 1);
  g_assert_cmpfloat_with_epsilon (s4.size.width, 600 / 8.0, 1);
  tip = boot0_memory_map_get_sector_tooltip (f->map, 5);
  g_assert_cmpstr (tip, ==,
                   "Sector 5: 0x08104000–0x08107FFF, 16 KiB — will be erased and written\n"
                   "4 KiB of image data");
  assert_hit_testing (f);
  texture = render (f, "memory-map-gapped.png");
}

/* The natural size of a single-row map. */
static void
test_size_func (Fixture *f, gconstpointer data)
{
  g_autoptr (Boot0DfuseLayout) l = layout (F4_ROM);
  int min_w, nat_w, min_h, nat_h;

  boot0_memory_map_set_layout (f->map, l);
  gtk_widget_measure (GTK_WIDGET (f->map), GTK_ORIENTATION_HORIZONTAL, -1, &min_w, &nat_w, NULL,
                      NULL);
  gtk_widget_measure (GTK_WIDGET (f->map), GTK_ORIENTATION_VERTICAL, nat_w, &min_h, &nat_h, NULL,
                      NULL);
  g_assert_cmpint (nat_w, >=, 400);
  g_assert_cmpint (min_w, <=, 300);
  g_assert_cmpint (nat_h, >=, 80);
  g_assert_cmpint (nat_h, <=, 160);
  g_assert_true (gtk_widget_get_hexpand (GTK_WIDGET (f->map)));

  /* Without the header line the boxes start at the top. */
  {
    g_autoptr (Boot0Firmware) fw = make_bin (200 * 1024);
    g_autoptr (Boot0Plan) plan = make_plan (fw, l, BOOT0_PLAN_ERASE_NEEDED);
    g_autoptr (GdkTexture) texture = NULL;
    int nat_h2;

    boot0_memory_map_set_plan (f->map, plan);
    g_object_set (f->map, "show-header", FALSE, NULL);
    g_assert_false (boot0_memory_map_get_show_header (f->map));
    gtk_widget_measure (GTK_WIDGET (f->map), GTK_ORIENTATION_VERTICAL, nat_w, NULL, &nat_h2, NULL,
                        NULL);
    g_assert_cmpint (nat_h2, <, nat_h);
    fixture_set_width (f, 600);
    g_assert_cmpfloat (sector_area (f, 0).origin.y, ==, 0);
    g_assert_cmpint (boot0_memory_map_get_sector_at (f->map, 1, 1), ==, 0);
    texture = render (f, "memory-map-no-header.png");
  }
}

/* fontconfig keeps its caches for the process lifetime. */
const char *__lsan_default_suppressions (void);
const char *
__lsan_default_suppressions (void)
{
  return "leak:libfontconfig.so\n";
}

int
main (int argc, char **argv)
{
  /* Deterministic pixels without GL (and without Mesa's lifetime caches). */
  g_setenv ("GSK_RENDERER", "cairo", FALSE);
  g_setenv ("GDK_DEBUG", "gl-disable", FALSE);
  g_setenv ("GTK_A11Y", "none", FALSE);
  g_test_init (&argc, &argv, NULL);

  if (!gtk_init_check ())
    {
      /* The suite runs under Xvfb; without a display this is a failure,
       * not a skip, so a broken CI setup is noticed. */
      g_printerr ("test-memory-map: no display (run under Xvfb)\n");
      return 1;
    }

#define ADD(path, func)                                                                            \
  g_test_add ("/boot0/memory-map/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("empty", test_empty_func);
  ADD ("f4", test_f4_func);
  ADD ("f4-dark", test_f4_dark_func);
  ADD ("f4-narrow", test_f4_narrow_func);
  ADD ("f4-fates", test_f4_fates_func);
  ADD ("l4", test_l4_func);
  ADD ("cubemx", test_cubemx_func);
  ADD ("conflict", test_conflict_func);
  ADD ("gapped", test_gapped_func);
  ADD ("size", test_size_func);
#undef ADD

  return g_test_run ();
}
