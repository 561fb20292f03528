/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The memory map widget. Sectors are laid end to end in "virtual offsets"
 * (gaps between zones removed) and drawn to scale in rows of equal address
 * span: one row when the smallest sector is still a few pixels wide, more
 * rows for layouts of many small pages (256 × 2 KiB). */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "boot0-memory-map.h"

/* Geometry, in pixels. */
#define NATURAL_WIDTH       600
#define MIN_WIDTH           240
#define BOX_HEIGHT          36
#define BOX_HEIGHT_ROWS     26 /* when wrapped into rows: a compact block */
#define BAND_HEIGHT         9  /* the image band at the bottom of a sector box */
#define TICK_HEIGHT         4
#define ROW_SPACING         6
#define HEADER_SPACING      6
#define LEGEND_SPACING      8
#define SWATCH_SIZE         12
#define LEGEND_TEXT_SPACING 5
#define LEGEND_ITEM_SPACING 18
#define LABEL_SPACING       10 /* between two address labels */
#define MIN_SECTOR_WIDTH    6  /* below this a row holds fewer bytes */
#define MIN_SEPARATED_WIDTH 4  /* below this sectors have no 1 px gap */
#define MAX_ROWS            8

typedef enum
{
  LEGEND_ERASE_AND_WRITE,
  LEGEND_ERASE_ONLY,
  LEGEND_WRITE_ONLY,
  LEGEND_UNTOUCHED,
  LEGEND_READ_ONLY,
  LEGEND_IMAGE,
  LEGEND_CONFLICT,
  N_LEGEND_ITEMS
} LegendItem;

typedef struct
{
  guint64 vstart;
  guint64 vend;
  gboolean conflict; /* image bytes over a sector that cannot be written */
} ImageRange;

typedef struct
{
  int width;
  guint n_rows;
  guint64 row_span;
  int header_height;
  int box_height;
  int row_height; /* box, ticks and labels */
  int legend_y;
  int height;
} Geometry;

typedef struct
{
  GdkRGBA fill;
  GdkRGBA stripe; /* alpha 0: not hatched */
  GdkRGBA text;
} FateStyle;

struct _Boot0MemoryMap
{
  GtkWidget parent_instance;

  Boot0DfuseLayout *layout;
  Boot0Plan *plan;
  Boot0Firmware *image;
  gboolean show_header;

  /* Derived from the above by update(). */
  Boot0DfuseLayout *flash; /* what is drawn: layout, else the plan's */
  Boot0Plan *used_plan;    /* plan when it was made for flash, else NULL */
  guint n_sectors;
  guint64 *voffs; /* per sector */
  guint64 total;  /* sum of sector sizes */
  guint64 min_sector;
  guint8 *fates; /* Boot0PlanSectorFate per sector */
  guint fate_counts[BOOT0_PLAN_SECTOR_READ_ONLY + 1];
  guint64 *covered;     /* image bytes per sector */
  GArray *image_ranges; /* ImageRange, sorted */
  guint64 outside;      /* image bytes in no sector */
  guint64 image_start;
  guint64 image_end;
  gboolean has_image;
  guint n_conflicts; /* sectors the image covers but cannot write */
  char *description;

  Geometry geometry; /* for the current allocation */
  int hovered;
};

G_DEFINE_FINAL_TYPE (Boot0MemoryMap, boot0_memory_map, GTK_TYPE_WIDGET)

enum
{
  PROP_0,
  PROP_LAYOUT,
  PROP_PLAN,
  PROP_IMAGE,
  PROP_SHOW_HEADER,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Text ------------------------------------------------------------------- */

/* "512 bytes", "16 KiB", "1.5 MiB". */
static char *
format_size (guint64 size)
{
  const guint64 kib = 1024;
  const guint64 mib = 1024 * 1024;

  if (size < kib)
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u byte", "%u bytes", (gulong)size),
                            (guint)size);
  if (size % mib == 0)
    /* TRANSLATORS: a size in mebibytes */
    return g_strdup_printf (_ ("%u MiB"), (guint)(size / mib));
  /* Exact where the size allows it. */
  if (size >= mib && (size * 10) % mib == 0)
    return g_strdup_printf (_ ("%.1f MiB"), (double)size / (double)mib);
  if (size % kib == 0)
    /* TRANSLATORS: a size in kibibytes */
    return g_strdup_printf (_ ("%u KiB"), (guint)(size / kib));
  if (size >= mib)
    return g_strdup_printf (_ ("%.2f MiB"), (double)size / (double)mib);
  return g_strdup_printf (_ ("%.1f KiB"), (double)size / (double)kib);
}

static char *
format_address (guint64 address)
{
  return g_strdup_printf ("0x%08" G_GINT64_MODIFIER "X", address);
}

static const char *
fate_to_phrase (Boot0PlanSectorFate fate)
{
  switch (fate)
    {
      case BOOT0_PLAN_SECTOR_ERASE_AND_WRITE:
        return _ ("will be erased and written");
      case BOOT0_PLAN_SECTOR_ERASE_ONLY:
        return _ ("will be erased");
      case BOOT0_PLAN_SECTOR_WRITE_ONLY:
        return _ ("will be written without an erase (it must already be blank)");
      case BOOT0_PLAN_SECTOR_READ_ONLY:
        return _ ("read-only, never erased or written");
      case BOOT0_PLAN_SECTOR_UNTOUCHED:
      default:
        return _ ("left untouched");
    }
}

static const char *
legend_item_to_label (LegendItem item)
{
  switch (item)
    {
      case LEGEND_ERASE_AND_WRITE:
        return _ ("Erase and write");
      case LEGEND_ERASE_ONLY:
        return _ ("Erase only");
      case LEGEND_WRITE_ONLY:
        return _ ("Write without erase");
      case LEGEND_UNTOUCHED:
        return _ ("Untouched");
      case LEGEND_READ_ONLY:
        return _ ("Read-only");
      case LEGEND_IMAGE:
        return _ ("Image data");
      case LEGEND_CONFLICT:
        return _ ("Cannot be written");
      case N_LEGEND_ITEMS:
      default:
        return "";
    }
}

static PangoLayout *
create_layout (Boot0MemoryMap *self, const char *text, gboolean small, gboolean bold)
{
  PangoLayout *layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), text);
  PangoAttrList *attrs = pango_attr_list_new ();

  if (small)
    {
      pango_attr_list_insert (attrs, pango_attr_scale_new (PANGO_SCALE_SMALL));
      /* Addresses line up when digits have one width. */
      pango_attr_list_insert (attrs, pango_attr_font_features_new ("tnum"));
    }
  if (bold)
    pango_attr_list_insert (attrs, pango_attr_weight_new (PANGO_WEIGHT_BOLD));
  pango_layout_set_attributes (layout, attrs);
  pango_attr_list_unref (attrs);
  return layout;
}

static void
text_size (Boot0MemoryMap *self, const char *text, gboolean small, gboolean bold, int *width,
           int *height)
{
  g_autoptr (PangoLayout) layout = create_layout (self, text, small, bold);
  pango_layout_get_pixel_size (layout, width, height);
}

/* Model ------------------------------------------------------------------ */

static gboolean
has_fate (Boot0MemoryMap *self, Boot0PlanSectorFate fate)
{
  return self->fate_counts[fate] > 0;
}

static gboolean
legend_item_shown (Boot0MemoryMap *self, LegendItem item)
{
  switch (item)
    {
      case LEGEND_ERASE_AND_WRITE:
        return has_fate (self, BOOT0_PLAN_SECTOR_ERASE_AND_WRITE);
      case LEGEND_ERASE_ONLY:
        return has_fate (self, BOOT0_PLAN_SECTOR_ERASE_ONLY);
      case LEGEND_WRITE_ONLY:
        return has_fate (self, BOOT0_PLAN_SECTOR_WRITE_ONLY);
      case LEGEND_UNTOUCHED:
        return has_fate (self, BOOT0_PLAN_SECTOR_UNTOUCHED);
      case LEGEND_READ_ONLY:
        return has_fate (self, BOOT0_PLAN_SECTOR_READ_ONLY);
      case LEGEND_IMAGE:
        for (guint i = 0; i < self->image_ranges->len; i++)
          if (!g_array_index (self->image_ranges, ImageRange, i).conflict)
            return TRUE;
        return FALSE;
      case LEGEND_CONFLICT:
        return self->n_conflicts > 0 || self->outside > 0;
      case N_LEGEND_ITEMS:
      default:
        return FALSE;
    }
}

/* The first sector ending after address (n_sectors if none). */
static guint
sector_after (Boot0DfuseLayout *flash, guint n_sectors, guint64 address)
{
  guint lo = 0;
  guint hi = n_sectors;

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;
      const Boot0DfuseSector *s = boot0_dfuse_layout_get_sector (flash, mid);
      if ((guint64)s->address + s->size <= address)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

/* The sector holding virtual offset v (n_sectors past the end). */
static guint
sector_at_voff (Boot0MemoryMap *self, guint64 v)
{
  guint lo = 0;
  guint hi = self->n_sectors;

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;
      const Boot0DfuseSector *s = boot0_dfuse_layout_get_sector (self->flash, mid);
      if (self->voffs[mid] + s->size <= v)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

/* The address drawn at virtual offset v: the start of the sector there, or
 * the end of the flash. */
static guint64
voff_to_address (Boot0MemoryMap *self, guint64 v)
{
  guint i = sector_at_voff (self, v);
  const Boot0DfuseSector *s;

  if (i >= self->n_sectors)
    {
      s = boot0_dfuse_layout_get_sector (self->flash, self->n_sectors - 1);
      return (guint64)s->address + s->size;
    }
  s = boot0_dfuse_layout_get_sector (self->flash, i);
  return s->address + (v - self->voffs[i]);
}

static void
add_image_range (Boot0MemoryMap *self, guint64 vstart, guint64 vend, gboolean conflict)
{
  ImageRange r = { vstart, vend, conflict };

  if (self->image_ranges->len > 0)
    {
      ImageRange *last =
          &g_array_index (self->image_ranges, ImageRange, self->image_ranges->len - 1);
      if (last->vend == vstart && last->conflict == conflict)
        {
          last->vend = vend;
          return;
        }
    }
  g_array_append_val (self->image_ranges, r);
}

/* Spreads the image's segments over the sectors. */
static void
update_image (Boot0MemoryMap *self, Boot0Firmware *image, gboolean check_writable)
{
  g_autofree gboolean *conflicted = g_new0 (gboolean, self->n_sectors);
  guint32 start = 0;
  guint64 end = 0;

  if (image == NULL || !boot0_firmware_get_span (image, &start, &end))
    return;
  self->has_image = TRUE;
  self->image_start = start;
  self->image_end = end;

  for (guint k = 0; k < boot0_firmware_get_n_segments (image); k++)
    {
      const Boot0Segment *seg = boot0_firmware_get_segment (image, k);
      guint64 a = boot0_segment_get_address (seg);
      guint64 e = boot0_segment_get_end (seg);
      guint64 inside = 0;

      for (guint i = sector_after (self->flash, self->n_sectors, a); i < self->n_sectors; i++)
        {
          const Boot0DfuseSector *s = boot0_dfuse_layout_get_sector (self->flash, i);
          guint64 s_end = (guint64)s->address + s->size;
          guint64 lo = MAX (a, s->address);
          guint64 hi = MIN (e, s_end);
          gboolean conflict;

          if (s->address >= e)
            break;
          if (hi <= lo)
            continue;
          conflict = check_writable && (s->flags & BOOT0_DFUSE_SECTOR_FLAG_WRITABLE) == 0;
          self->covered[i] += hi - lo;
          inside += hi - lo;
          if (conflict)
            conflicted[i] = TRUE;
          add_image_range (self, self->voffs[i] + (lo - s->address),
                           self->voffs[i] + (hi - s->address), conflict);
        }
      self->outside += (e - a) - inside;
    }
  for (guint i = 0; i < self->n_sectors; i++)
    if (conflicted[i])
      self->n_conflicts++;
}

static void
update_description (Boot0MemoryMap *self)
{
  static const Boot0PlanSectorFate order[] = {
    BOOT0_PLAN_SECTOR_ERASE_AND_WRITE, BOOT0_PLAN_SECTOR_ERASE_ONLY, BOOT0_PLAN_SECTOR_WRITE_ONLY,
    BOOT0_PLAN_SECTOR_UNTOUCHED,       BOOT0_PLAN_SECTOR_READ_ONLY,
  };
  g_autoptr (GString) str = g_string_new (NULL);
  g_autofree char *size = NULL;
  const char *name;
  gboolean first = TRUE;

  g_clear_pointer (&self->description, g_free);
  if (self->flash == NULL)
    {
      self->description = g_strdup (_ ("No memory layout"));
      gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                      self->description, -1);
      return;
    }

  name = boot0_dfuse_layout_get_name (self->flash);
  size = format_size (self->total);
  /* TRANSLATORS: "Internal Flash 1 MiB, 12 sectors" */
  g_string_append_printf (
      str, g_dngettext (GETTEXT_PACKAGE, "%s %s, %u sector", "%s %s, %u sectors", self->n_sectors),
      name[0] != '\0' ? name : _ ("Memory"), size, self->n_sectors);

  for (guint k = 0; k < G_N_ELEMENTS (order); k++)
    {
      guint n = self->fate_counts[order[k]];

      if (n == 0)
        continue;
      g_string_append (str, first ? ": " : ", ");
      first = FALSE;
      switch (order[k])
        {
          case BOOT0_PLAN_SECTOR_ERASE_AND_WRITE:
            g_string_append_printf (
                str,
                g_dngettext (GETTEXT_PACKAGE, "%u to erase and write", "%u to erase and write", n),
                n);
            break;
          case BOOT0_PLAN_SECTOR_ERASE_ONLY:
            g_string_append_printf (
                str, g_dngettext (GETTEXT_PACKAGE, "%u to erase only", "%u to erase only", n), n);
            break;
          case BOOT0_PLAN_SECTOR_WRITE_ONLY:
            g_string_append_printf (str,
                                    g_dngettext (GETTEXT_PACKAGE, "%u to write without an erase",
                                                 "%u to write without an erase", n),
                                    n);
            break;
          case BOOT0_PLAN_SECTOR_UNTOUCHED:
            g_string_append_printf (
                str, g_dngettext (GETTEXT_PACKAGE, "%u untouched", "%u untouched", n), n);
            break;
          case BOOT0_PLAN_SECTOR_READ_ONLY:
          default:
            g_string_append_printf (
                str, g_dngettext (GETTEXT_PACKAGE, "%u read-only", "%u read-only", n), n);
            break;
        }
    }

  if (self->has_image)
    {
      g_autofree char *image_size = format_size (self->image_end - self->image_start);
      g_autofree char *image_start = format_address (self->image_start);
      g_string_append (str, "; ");
      /* TRANSLATORS: "image 200 KiB at 0x08000000" */
      g_string_append_printf (str, _ ("image %s at %s"), image_size, image_start);
    }
  if (self->n_conflicts > 0)
    {
      g_string_append (str, "; ");
      g_string_append_printf (
          str,
          g_dngettext (GETTEXT_PACKAGE, "the image covers %u sector that cannot be written",
                       "the image covers %u sectors that cannot be written", self->n_conflicts),
          self->n_conflicts);
    }
  if (self->outside > 0)
    {
      g_autofree char *outside = format_size (self->outside);
      g_string_append (str, "; ");
      /* TRANSLATORS: "12 KiB of the image lies outside the flash" */
      g_string_append_printf (str, _ ("%s of the image lies outside this memory"), outside);
    }

  self->description = g_string_free (g_steal_pointer (&str), FALSE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  self->description, -1);
}

/* Recomputes everything derived from layout, plan and image. */
static void
update (Boot0MemoryMap *self)
{
  Boot0DfuseLayout *plan_flash = self->plan != NULL ? boot0_plan_get_flash (self->plan) : NULL;

  g_clear_pointer (&self->flash, boot0_dfuse_layout_unref);
  g_clear_pointer (&self->voffs, g_free);
  g_clear_pointer (&self->fates, g_free);
  g_clear_pointer (&self->covered, g_free);
  g_array_set_size (self->image_ranges, 0);
  self->used_plan = NULL;
  self->n_sectors = 0;
  self->total = 0;
  self->min_sector = 0;
  self->outside = 0;
  self->has_image = FALSE;
  self->n_conflicts = 0;
  self->hovered = -1;
  memset (self->fate_counts, 0, sizeof (self->fate_counts));

  if (self->layout != NULL)
    self->flash = boot0_dfuse_layout_ref (self->layout);
  else if (plan_flash != NULL)
    self->flash = boot0_dfuse_layout_ref (plan_flash);

  if (self->flash != NULL)
    self->n_sectors = boot0_dfuse_layout_get_n_sectors (self->flash);
  if (self->n_sectors == 0)
    g_clear_pointer (&self->flash, boot0_dfuse_layout_unref);

  if (self->flash != NULL)
    {
      if (plan_flash != NULL && boot0_dfuse_layout_equal_memory (plan_flash, self->flash))
        self->used_plan = self->plan;
      else if (plan_flash != NULL)
        g_debug ("memory map: ignoring a plan made for another layout");

      self->voffs = g_new (guint64, self->n_sectors);
      self->fates = g_new (guint8, self->n_sectors);
      self->covered = g_new0 (guint64, self->n_sectors);
      for (guint i = 0; i < self->n_sectors; i++)
        {
          const Boot0DfuseSector *s = boot0_dfuse_layout_get_sector (self->flash, i);
          self->voffs[i] = self->total;
          self->total += s->size;
          if (self->min_sector == 0 || s->size < self->min_sector)
            self->min_sector = s->size;
          if (self->used_plan != NULL)
            self->fates[i] = boot0_plan_get_sector_fate (self->used_plan, i);
          else if (s->flags & BOOT0_DFUSE_SECTOR_FLAG_WRITABLE)
            self->fates[i] = BOOT0_PLAN_SECTOR_UNTOUCHED;
          else
            self->fates[i] = BOOT0_PLAN_SECTOR_READ_ONLY;
          if (self->fates[i] < G_N_ELEMENTS (self->fate_counts))
            self->fate_counts[self->fates[i]]++;
        }

      if (self->used_plan != NULL)
        update_image (self, boot0_plan_get_image (self->used_plan), FALSE);
      else
        update_image (self, self->image, TRUE);
    }

  update_description (self);
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

/* Geometry --------------------------------------------------------------- */

/* The largest power of two not above n (n >= 1). */
static guint64
floor_pow2 (guint64 n)
{
  guint64 p = 1;
  while (p <= n / 2)
    p *= 2;
  return p;
}

static void
compute_rows (Boot0MemoryMap *self, int width, guint *n_rows, guint64 *row_span)
{
  guint64 per_row;

  if (self->flash == NULL || width <= 0)
    {
      *n_rows = 1;
      *row_span = MAX (self->total, 1);
      return;
    }
  /* One row when the smallest sector stays a few pixels wide. */
  if ((double)self->min_sector * width / (double)self->total >= MIN_SECTOR_WIDTH)
    {
      *n_rows = 1;
      *row_span = self->total;
      return;
    }
  /* Else rows of a power of two of the smallest sector, so rows start at
   * round addresses and page boundaries line up from row to row. */
  per_row = self->min_sector * floor_pow2 (MAX (width / MIN_SECTOR_WIDTH, 1));
  if ((self->total + per_row - 1) / per_row > MAX_ROWS)
    {
      per_row = (self->total + MAX_ROWS - 1) / MAX_ROWS;
      per_row = (per_row + self->min_sector - 1) / self->min_sector * self->min_sector;
    }
  *row_span = per_row;
  *n_rows = (guint)((self->total + per_row - 1) / per_row);
}

/* Legend items as drawn: x and line of each shown item. */
static guint
layout_legend (Boot0MemoryMap *self, int width, int *xs, int *lines, LegendItem *items)
{
  guint n = 0;
  int x = 0;
  int line = 0;

  for (LegendItem item = 0; item < N_LEGEND_ITEMS; item++)
    {
      int tw = 0;
      int iw;

      if (!legend_item_shown (self, item))
        continue;
      text_size (self, legend_item_to_label (item), TRUE, FALSE, &tw, NULL);
      iw = SWATCH_SIZE + LEGEND_TEXT_SPACING + tw;
      if (x > 0 && x + iw > width)
        {
          x = 0;
          line++;
        }
      xs[n] = x;
      lines[n] = line;
      items[n] = item;
      n++;
      x += iw + LEGEND_ITEM_SPACING;
    }
  return n;
}

static int
legend_line_height (Boot0MemoryMap *self)
{
  int th = 0;
  text_size (self, "Ag", TRUE, FALSE, NULL, &th);
  return MAX (th, SWATCH_SIZE) + 2;
}

static void
compute_geometry (Boot0MemoryMap *self, int width, Geometry *g)
{
  int xs[N_LEGEND_ITEMS];
  int lines[N_LEGEND_ITEMS];
  LegendItem items[N_LEGEND_ITEMS];
  int header_h = 0;
  int label_h = 0;
  guint n_items;

  memset (g, 0, sizeof (*g));
  g->width = width;
  compute_rows (self, width, &g->n_rows, &g->row_span);

  text_size (self, "Ag", FALSE, TRUE, NULL, &header_h);
  text_size (self, "0x0", TRUE, FALSE, NULL, &label_h);
  g->header_height = self->show_header && self->flash != NULL ? header_h + HEADER_SPACING : 0;
  g->box_height = g->n_rows > 1 ? BOX_HEIGHT_ROWS : BOX_HEIGHT;
  g->row_height = g->box_height + TICK_HEIGHT + label_h;
  g->legend_y =
      g->header_height + g->n_rows * (g->row_height + ROW_SPACING) - ROW_SPACING + LEGEND_SPACING;
  n_items = layout_legend (self, width, xs, lines, items);
  g->height = g->legend_y;
  if (n_items > 0)
    g->height += (lines[n_items - 1] + 1) * legend_line_height (self);
}

static int
row_y (const Geometry *g, guint row)
{
  return g->header_height + (int)row * (g->row_height + ROW_SPACING);
}

/* x of virtual offset v within row (v may be the row's end). */
static double
voff_x (const Geometry *g, guint row, guint64 v)
{
  guint64 rel = v - (guint64)row * g->row_span;
  return floor ((double)rel * g->width / (double)g->row_span + 0.5);
}

/* Drawing ---------------------------------------------------------------- */

static gboolean
is_dark (const GdkRGBA *fg)
{
  return 0.2126 * fg->red + 0.7152 * fg->green + 0.0722 * fg->blue > 0.5;
}

static GdkRGBA
with_alpha (const GdkRGBA *c, float alpha)
{
  GdkRGBA r = *c;
  r.alpha *= alpha;
  return r;
}

static GdkRGBA
rgb (guint32 hex)
{
  GdkRGBA c = { ((hex >> 16) & 0xFF) / 255.f, ((hex >> 8) & 0xFF) / 255.f, (hex & 0xFF) / 255.f,
                1.f };
  return c;
}

/* Colors from the GNOME palette that read in light and dark styles; the
 * neutral ones follow the theme's foreground color. */
static FateStyle
fate_style (Boot0PlanSectorFate fate, const GdkRGBA *fg)
{
  gboolean dark = is_dark (fg);
  FateStyle st = { 0 };
  GdkRGBA white = { 1, 1, 1, 1 };

  switch (fate)
    {
      case BOOT0_PLAN_SECTOR_ERASE_AND_WRITE:
        st.fill = rgb (dark ? 0x3584e4 : 0x3584e4);
        st.text = white;
        break;
      case BOOT0_PLAN_SECTOR_ERASE_ONLY:
        st.fill = rgb (dark ? 0xc64600 : 0xe66100);
        st.text = white;
        break;
      case BOOT0_PLAN_SECTOR_WRITE_ONLY:
        st.fill = rgb (dark ? 0x813d9c : 0x9141ac);
        st.text = white;
        break;
      case BOOT0_PLAN_SECTOR_READ_ONLY:
        st.fill = with_alpha (fg, dark ? 0.10f : 0.10f);
        st.stripe = with_alpha (fg, dark ? 0.35f : 0.30f);
        st.text = *fg;
        break;
      case BOOT0_PLAN_SECTOR_UNTOUCHED:
      default:
        st.fill = with_alpha (fg, dark ? 0.16f : 0.12f);
        st.text = with_alpha (fg, 0.8f);
        break;
    }
  return st;
}

static GdkRGBA
conflict_color (const GdkRGBA *fg)
{
  return rgb (is_dark (fg) ? 0xff7b63 : 0xc01c28);
}

static GdkRGBA
image_color (const GdkRGBA *fg)
{
  return with_alpha (fg, 0.85f);
}

static void
get_fg (Boot0MemoryMap *self, GdkRGBA *fg)
{
  GtkStyleContext *context = gtk_widget_get_style_context (GTK_WIDGET (self));
  gtk_style_context_get_color (context, fg);
  fg->alpha = 1.f; /* Adwaita's is translucent; mix ourselves */
}

static void
append_fill (GtkSnapshot *snapshot, const FateStyle *st, const graphene_rect_t *rect)
{
  gtk_snapshot_append_color (snapshot, &st->fill, rect);
  if (st->stripe.alpha > 0)
    {
      /* Diagonal hatching, anchored to the widget so it runs on across
       * sectors. */
      GskColorStop stops[] = {
        { 0.0f, st->stripe },
        { 0.35f, st->stripe },
        { 0.35f, { 0, 0, 0, 0 } },
        { 1.0f, { 0, 0, 0, 0 } },
      };
      graphene_point_t start = GRAPHENE_POINT_INIT (0, 0);
      graphene_point_t end = GRAPHENE_POINT_INIT (5, 5);
      gtk_snapshot_append_repeating_linear_gradient (snapshot, rect, &start, &end, stops,
                                                     G_N_ELEMENTS (stops));
    }
}

static void
append_layout_at (GtkSnapshot *snapshot, PangoLayout *layout, double x, double y,
                  const GdkRGBA *color)
{
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT ((float)x, (float)y));
  gtk_snapshot_append_layout (snapshot, layout, color);
  gtk_snapshot_restore (snapshot);
}

static void
append_outline (GtkSnapshot *snapshot, const graphene_rect_t *rect, float width,
                const GdkRGBA *color)
{
  GskRoundedRect outline;
  float widths[4] = { width, width, width, width };
  GdkRGBA colors[4] = { *color, *color, *color, *color };

  gsk_rounded_rect_init_from_rect (&outline, rect, 0);
  gtk_snapshot_append_border (snapshot, &outline, widths, colors);
}

/* The sector boxes of one row, with the image band and sector numbers. */
static void
snapshot_row_sectors (Boot0MemoryMap *self, GtkSnapshot *snapshot, const Geometry *g, guint row,
                      const GdkRGBA *fg)
{
  guint64 vs = (guint64)row * g->row_span;
  guint64 ve = MIN (vs + g->row_span, self->total);
  float y = (float)row_y (g, row);
  guint r = 0; /* image range cursor */
  guint i = sector_at_voff (self, vs);

  while (r < self->image_ranges->len &&
         g_array_index (self->image_ranges, ImageRange, r).vend <= vs)
    r++;

  while (i < self->n_sectors && self->voffs[i] < ve)
    {
      const Boot0DfuseSector *s = boot0_dfuse_layout_get_sector (self->flash, i);
      Boot0PlanSectorFate fate = self->fates[i];
      FateStyle st = fate_style (fate, fg);
      guint64 a = MAX (self->voffs[i], vs);
      guint64 b = MIN (self->voffs[i] + s->size, ve);
      double x0 = voff_x (g, row, a);
      double x1 = voff_x (g, row, b);
      guint j = i + 1;
      gboolean separated = x1 - x0 >= MIN_SEPARATED_WIDTH;
      graphene_rect_t box;

      /* Narrow sectors of one fate are drawn as one run. */
      if (!separated)
        {
          while (j < self->n_sectors && self->voffs[j] < ve && self->fates[j] == fate)
            {
              const Boot0DfuseSector *t = boot0_dfuse_layout_get_sector (self->flash, j);
              double tx0 = voff_x (g, row, self->voffs[j]);
              double tx1 = voff_x (g, row, MIN (self->voffs[j] + t->size, ve));
              if (tx1 - tx0 >= MIN_SEPARATED_WIDTH)
                break;
              b = MIN (self->voffs[j] + t->size, ve);
              j++;
            }
          x1 = voff_x (g, row, b);
        }

      box = GRAPHENE_RECT_INIT ((float)x0, y, (float)MAX (x1 - x0 - (separated ? 1 : 0), 1),
                                g->box_height);
      append_fill (snapshot, &st, &box);

      /* The image's bytes in this box, to scale. */
      for (guint k = r; k < self->image_ranges->len; k++)
        {
          const ImageRange *ir = &g_array_index (self->image_ranges, ImageRange, k);
          double bx0, bx1;
          GdkRGBA color;

          if (ir->vstart >= b)
            break;
          if (ir->vend <= a)
            continue;
          bx0 = voff_x (g, row, MAX (ir->vstart, a));
          bx1 = MIN (voff_x (g, row, MIN (ir->vend, b)), box.origin.x + box.size.width);
          color = ir->conflict ? conflict_color (fg) : image_color (fg);
          gtk_snapshot_append_color (snapshot, &color,
                                     &GRAPHENE_RECT_INIT ((float)bx0,
                                                          y + g->box_height - BAND_HEIGHT,
                                                          (float)MAX (bx1 - bx0, 1), BAND_HEIGHT));
        }

      /* The sector number, where it fits (two digits need ~14 px). */
      if (separated && box.size.width >= 10)
        {
          g_autofree char *num = g_strdup_printf ("%u", i);
          g_autoptr (PangoLayout) layout = create_layout (self, num, TRUE, FALSE);
          int tw, th;

          pango_layout_get_pixel_size (layout, &tw, &th);
          if (tw + 4 <= box.size.width)
            append_layout_at (snapshot, layout, box.origin.x + (box.size.width - tw) / 2,
                              y + (g->box_height - BAND_HEIGHT - th) / 2.0, &st.text);
        }
      i = j;
    }
}

typedef struct
{
  guint64 v;
  int priority; /* lower first */
} Tick;

static int
tick_compare (gconstpointer pa, gconstpointer pb)
{
  const Tick *a = pa;
  const Tick *b = pb;
  if (a->priority != b->priority)
    return a->priority - b->priority;
  return a->v < b->v ? -1 : a->v > b->v;
}

/* Address labels under a row: its start (and the flash's end), zone
 * starts, the first writable sector, where sector sizes or fates change,
 * then round boundaries as space allows. */
static void
snapshot_row_labels (Boot0MemoryMap *self, GtkSnapshot *snapshot, const Geometry *g, guint row,
                     const GdkRGBA *fg)
{
  guint64 vs = (guint64)row * g->row_span;
  guint64 ve = MIN (vs + g->row_span, self->total);
  float y = (float)row_y (g, row) + g->box_height;
  const Boot0DfuseSector *first_writable = boot0_dfuse_layout_first_writable_sector (self->flash);
  g_autoptr (GArray) ticks = g_array_new (FALSE, FALSE, sizeof (Tick));
  g_autoptr (GArray) placed = g_array_new (FALSE, FALSE, sizeof (double) * 2);
  GdkRGBA label_color = with_alpha (fg, 0.75f);
  GdkRGBA tick_color = with_alpha (fg, 0.5f);
  GdkRGBA gap_color = with_alpha (fg, 0.9f);
  guint64 step;
  int label_w = 0;

  text_size (self, "0x00000000", TRUE, FALSE, &label_w, NULL);
  /* Round boundaries far enough apart for a label each. */
  step = self->min_sector;
  while (step < self->total &&
         (double)step * g->width / (double)g->row_span < label_w + 2 * LABEL_SPACING)
    step *= 2;

  g_array_append_val (ticks, ((Tick){ vs, 0 }));
  if (ve == self->total)
    g_array_append_val (ticks, ((Tick){ ve, 0 }));
  for (guint i = sector_at_voff (self, vs); i < self->n_sectors && self->voffs[i] < ve; i++)
    {
      const Boot0DfuseSector *s = boot0_dfuse_layout_get_sector (self->flash, i);
      const Boot0DfuseSector *prev;
      int priority = G_MAXINT;

      if (self->voffs[i] <= vs || i == 0)
        continue;
      prev = boot0_dfuse_layout_get_sector (self->flash, i - 1);
      if ((guint64)prev->address + prev->size != s->address)
        {
          /* A gap between zones: mark it across the box. */
          double x = voff_x (g, row, self->voffs[i]);
          gtk_snapshot_append_color (
              snapshot, &gap_color,
              &GRAPHENE_RECT_INIT ((float)x - 2, y - g->box_height - 3, 2, g->box_height + 6));
          priority = 1;
        }
      else if (s == first_writable)
        priority = -1; /* where the application goes: above all */
      else if (s->size != prev->size || self->fates[i] != self->fates[i - 1])
        priority = 2;
      else if (self->voffs[i] % step == 0)
        priority = 3;
      if (priority != G_MAXINT)
        g_array_append_val (ticks, ((Tick){ self->voffs[i], priority }));
    }
  g_array_sort (ticks, tick_compare);

  for (guint k = 0; k < ticks->len; k++)
    {
      const Tick *t = &g_array_index (ticks, Tick, k);
      g_autofree char *text = format_address (voff_to_address (self, t->v));
      g_autoptr (PangoLayout) layout = create_layout (self, text, TRUE, FALSE);
      double x = voff_x (g, row, t->v);
      double positions[3];
      guint n_positions = 0;
      gboolean found = FALSE;
      double lx0 = 0, lx1 = 0;
      int tw, th;

      pango_layout_get_pixel_size (layout, &tw, &th);
      /* Centered under the tick, flush with the row's ends; an important
       * label may also sit on either side of its tick. */
      if (x < 0.5)
        positions[n_positions++] = 0;
      else if (x > g->width - 0.5)
        positions[n_positions++] = g->width - tw;
      else if (x - tw / 2.0 >= 0 && x + tw / 2.0 <= g->width)
        positions[n_positions++] = x - tw / 2.0;
      if (t->priority <= 2 && x + tw <= g->width)
        positions[n_positions++] = x;
      if (t->priority <= 2 && x - tw >= 0)
        positions[n_positions++] = x - tw;

      for (guint q = 0; q < n_positions; q++)
        {
          gboolean overlaps = FALSE;
          lx0 = positions[q];
          lx1 = lx0 + tw;
          for (guint p = 0; p < placed->len && !overlaps; p++)
            {
              const double *r = &g_array_index (placed, double, 2 * p);
              overlaps = lx1 + LABEL_SPACING > r[0] && lx0 < r[1] + LABEL_SPACING;
            }
          if (!overlaps)
            {
              found = TRUE;
              break;
            }
        }
      if (!found)
        continue;
      g_array_append_vals (placed, ((double[]){ lx0, lx1 }), 1);
      gtk_snapshot_append_color (
          snapshot, &tick_color,
          &GRAPHENE_RECT_INIT ((float)CLAMP (x, 0, g->width - 1), y + 1, 1, TICK_HEIGHT - 1));
      append_layout_at (snapshot, layout, lx0, y + TICK_HEIGHT, &label_color);
    }
}

static void
snapshot_header (Boot0MemoryMap *self, GtkSnapshot *snapshot, const Geometry *g, const GdkRGBA *fg)
{
  const char *name = boot0_dfuse_layout_get_name (self->flash);
  g_autofree char *size = format_size (self->total);
  g_autofree char *details = NULL;
  g_autofree char *image_text = NULL;
  g_autoptr (PangoLayout) title = NULL;
  g_autoptr (PangoLayout) sub = NULL;
  GdkRGBA dim = with_alpha (fg, 0.7f);
  int tw, th, sw, sh;

  title = create_layout (self, name[0] != '\0' ? name : _ ("Memory"), FALSE, TRUE);
  pango_layout_get_pixel_size (title, &tw, &th);
  append_layout_at (snapshot, title, 0, 0, fg);

  /* TRANSLATORS: "1 MiB in 12 sectors" */
  details = g_strdup_printf (
      g_dngettext (GETTEXT_PACKAGE, "%s in %u sector", "%s in %u sectors", self->n_sectors), size,
      self->n_sectors);
  sub = create_layout (self, details, FALSE, FALSE);
  pango_layout_get_pixel_size (sub, &sw, &sh);
  append_layout_at (snapshot, sub, tw + 10, 0, &dim);

  /* On the right, where the image goes, or what is wrong with it. */
  if (self->has_image)
    {
      g_autoptr (PangoLayout) layout = NULL;
      GdkRGBA color = dim;
      int iw, ih;

      if (self->outside > 0)
        {
          g_autofree char *outside = format_size (self->outside);
          /* TRANSLATORS: "12 KiB of the image lies outside this memory" */
          image_text = g_strdup_printf (_ ("%s of the image lies outside this memory"), outside);
          color = conflict_color (fg);
        }
      else
        {
          g_autofree char *start = format_address (self->image_start);
          g_autofree char *last = format_address (self->image_end - 1);
          /* TRANSLATORS: "Image 0x08000000–0x08031FFF" */
          image_text = g_strdup_printf (_ ("Image %s–%s"), start, last);
        }
      layout = create_layout (self, image_text, FALSE, FALSE);
      pango_layout_get_pixel_size (layout, &iw, &ih);
      if (tw + 10 + sw + 20 + iw <= g->width)
        append_layout_at (snapshot, layout, g->width - iw, 0, &color);
    }
}

static void
snapshot_legend (Boot0MemoryMap *self, GtkSnapshot *snapshot, const Geometry *g, const GdkRGBA *fg)
{
  int xs[N_LEGEND_ITEMS];
  int lines[N_LEGEND_ITEMS];
  LegendItem items[N_LEGEND_ITEMS];
  int line_h = legend_line_height (self);
  guint n = layout_legend (self, g->width, xs, lines, items);
  GdkRGBA text_color = with_alpha (fg, 0.85f);

  for (guint k = 0; k < n; k++)
    {
      float x = (float)xs[k];
      float y = (float)(g->legend_y + lines[k] * line_h);
      float sy = y + (line_h - SWATCH_SIZE) / 2.f;
      graphene_rect_t swatch = GRAPHENE_RECT_INIT (x, sy, SWATCH_SIZE, SWATCH_SIZE);
      g_autoptr (PangoLayout) layout =
          create_layout (self, legend_item_to_label (items[k]), TRUE, FALSE);
      FateStyle st;
      int tw, th;

      switch (items[k])
        {
          case LEGEND_ERASE_AND_WRITE:
            st = fate_style (BOOT0_PLAN_SECTOR_ERASE_AND_WRITE, fg);
            append_fill (snapshot, &st, &swatch);
            break;
          case LEGEND_ERASE_ONLY:
            st = fate_style (BOOT0_PLAN_SECTOR_ERASE_ONLY, fg);
            append_fill (snapshot, &st, &swatch);
            break;
          case LEGEND_WRITE_ONLY:
            st = fate_style (BOOT0_PLAN_SECTOR_WRITE_ONLY, fg);
            append_fill (snapshot, &st, &swatch);
            break;
          case LEGEND_UNTOUCHED:
            st = fate_style (BOOT0_PLAN_SECTOR_UNTOUCHED, fg);
            append_fill (snapshot, &st, &swatch);
            break;
          case LEGEND_READ_ONLY:
            st = fate_style (BOOT0_PLAN_SECTOR_READ_ONLY, fg);
            append_fill (snapshot, &st, &swatch);
            break;
          case LEGEND_IMAGE:
          case LEGEND_CONFLICT:
            {
              GdkRGBA band = items[k] == LEGEND_IMAGE ? image_color (fg) : conflict_color (fg);
              st = fate_style (BOOT0_PLAN_SECTOR_UNTOUCHED, fg);
              append_fill (snapshot, &st, &swatch);
              gtk_snapshot_append_color (
                  snapshot, &band, &GRAPHENE_RECT_INIT (x, sy + SWATCH_SIZE - 5, SWATCH_SIZE, 5));
            }
            break;
          case N_LEGEND_ITEMS:
          default:
            break;
        }
      pango_layout_get_pixel_size (layout, &tw, &th);
      append_layout_at (snapshot, layout, x + SWATCH_SIZE + LEGEND_TEXT_SPACING,
                        y + (line_h - th) / 2.0, &text_color);
    }
}

/* The sector's box in the row holding virtual offset v. */
static graphene_rect_t
sector_piece (Boot0MemoryMap *self, const Geometry *g, guint idx, guint64 v)
{
  const Boot0DfuseSector *s = boot0_dfuse_layout_get_sector (self->flash, idx);
  guint row = (guint)(v / g->row_span);
  guint64 vs = (guint64)row * g->row_span;
  guint64 ve = MIN (vs + g->row_span, self->total);
  double x0 = voff_x (g, row, MAX (self->voffs[idx], vs));
  double x1 = voff_x (g, row, MIN (self->voffs[idx] + s->size, ve));

  return GRAPHENE_RECT_INIT ((float)x0, (float)row_y (g, row), (float)MAX (x1 - x0, 1),
                             g->box_height);
}

static void
snapshot_hover (Boot0MemoryMap *self, GtkSnapshot *snapshot, const Geometry *g, const GdkRGBA *fg)
{
  const Boot0DfuseSector *s;
  guint64 v;

  if (self->hovered < 0 || (guint)self->hovered >= self->n_sectors)
    return;
  s = boot0_dfuse_layout_get_sector (self->flash, (guint)self->hovered);
  /* Every row piece of the sector. */
  for (v = self->voffs[self->hovered]; v < self->voffs[self->hovered] + s->size;
       v = (v / g->row_span + 1) * g->row_span)
    {
      graphene_rect_t piece = sector_piece (self, g, (guint)self->hovered, v);
      graphene_rect_t outline;
      graphene_rect_inset_r (&piece, -1, -1, &outline);
      append_outline (snapshot, &outline, 2, fg);
    }
}

static void
snapshot_empty (Boot0MemoryMap *self, GtkSnapshot *snapshot, const Geometry *g, const GdkRGBA *fg)
{
  g_autoptr (PangoLayout) layout = create_layout (self, _ ("No memory layout"), FALSE, FALSE);
  GdkRGBA border = with_alpha (fg, 0.3f);
  GdkRGBA dim = with_alpha (fg, 0.6f);
  graphene_rect_t box = GRAPHENE_RECT_INIT (0.5f, (float)g->header_height + 0.5f,
                                            (float)g->width - 1, g->box_height - 1);
  int tw, th;

  append_outline (snapshot, &box, 1, &border);
  pango_layout_get_pixel_size (layout, &tw, &th);
  append_layout_at (snapshot, layout, (g->width - tw) / 2.0,
                    g->header_height + (g->box_height - th) / 2.0, &dim);
}

/* Vfuncs ----------------------------------------------------------------- */

static void
boot0_memory_map_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  Boot0MemoryMap *self = BOOT0_MEMORY_MAP (widget);
  const Geometry *g = &self->geometry;
  GdkRGBA fg;

  if (g->width <= 0)
    return;
  get_fg (self, &fg);
  if (self->flash == NULL)
    {
      snapshot_empty (self, snapshot, g, &fg);
      return;
    }
  if (self->show_header)
    snapshot_header (self, snapshot, g, &fg);
  for (guint row = 0; row < g->n_rows; row++)
    {
      snapshot_row_sectors (self, snapshot, g, row, &fg);
      snapshot_row_labels (self, snapshot, g, row, &fg);
    }
  snapshot_hover (self, snapshot, g, &fg);
  snapshot_legend (self, snapshot, g, &fg);
}

static GtkSizeRequestMode
boot0_memory_map_get_request_mode (GtkWidget *widget)
{
  return GTK_SIZE_REQUEST_HEIGHT_FOR_WIDTH;
}

static void
boot0_memory_map_measure (GtkWidget *widget, GtkOrientation orientation, int for_size, int *minimum,
                          int *natural, int *minimum_baseline, int *natural_baseline)
{
  Boot0MemoryMap *self = BOOT0_MEMORY_MAP (widget);

  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = MIN_WIDTH;
      *natural = NATURAL_WIDTH;
    }
  else
    {
      Geometry g;
      compute_geometry (self, for_size > 0 ? for_size : NATURAL_WIDTH, &g);
      *minimum = *natural = g.height;
    }
}

static void
boot0_memory_map_size_allocate (GtkWidget *widget, int width, int height, int baseline)
{
  Boot0MemoryMap *self = BOOT0_MEMORY_MAP (widget);
  compute_geometry (self, width, &self->geometry);
}

static gboolean
boot0_memory_map_query_tooltip (GtkWidget *widget, int x, int y, gboolean keyboard_tooltip,
                                GtkTooltip *tooltip)
{
  Boot0MemoryMap *self = BOOT0_MEMORY_MAP (widget);
  const Geometry *g = &self->geometry;
  int idx = boot0_memory_map_get_sector_at (self, x, y);
  g_autofree char *text = NULL;
  graphene_rect_t piece;
  guint row;
  guint64 v;

  if (idx < 0)
    return FALSE;
  text = boot0_memory_map_get_sector_tooltip (self, (guint)idx);
  gtk_tooltip_set_text (tooltip, text);
  /* A new tooltip as soon as the pointer enters another sector. */
  row = (guint)((y - g->header_height) / (g->row_height + ROW_SPACING));
  v = MAX (self->voffs[idx], (guint64)row * g->row_span);
  piece = sector_piece (self, g, (guint)idx, v);
  gtk_tooltip_set_tip_area (tooltip,
                            &(GdkRectangle){ (int)piece.origin.x, (int)piece.origin.y,
                                             (int)piece.size.width, (int)piece.size.height });
  return TRUE;
}

static void
boot0_memory_map_css_changed (GtkWidget *widget, GtkCssStyleChange *change)
{
  /* The parent resizes for font changes; colors (light or dark style) are
   * read while drawing. */
  GTK_WIDGET_CLASS (boot0_memory_map_parent_class)->css_changed (widget, change);
  gtk_widget_queue_draw (widget);
}

static void
motion_cb (GtkEventControllerMotion *controller, double x, double y, Boot0MemoryMap *self)
{
  int idx = boot0_memory_map_get_sector_at (self, x, y);
  if (idx != self->hovered)
    {
      self->hovered = idx;
      gtk_widget_queue_draw (GTK_WIDGET (self));
    }
}

static void
leave_cb (GtkEventControllerMotion *controller, Boot0MemoryMap *self)
{
  if (self->hovered != -1)
    {
      self->hovered = -1;
      gtk_widget_queue_draw (GTK_WIDGET (self));
    }
}

static void
boot0_memory_map_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  Boot0MemoryMap *self = BOOT0_MEMORY_MAP (object);

  switch (prop_id)
    {
      case PROP_LAYOUT:
        g_value_set_boxed (value, self->layout);
        break;
      case PROP_PLAN:
        g_value_set_object (value, self->plan);
        break;
      case PROP_IMAGE:
        g_value_set_object (value, self->image);
        break;
      case PROP_SHOW_HEADER:
        g_value_set_boolean (value, self->show_header);
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
boot0_memory_map_set_property (GObject *object, guint prop_id, const GValue *value,
                               GParamSpec *pspec)
{
  Boot0MemoryMap *self = BOOT0_MEMORY_MAP (object);

  switch (prop_id)
    {
      case PROP_LAYOUT:
        boot0_memory_map_set_layout (self, g_value_get_boxed (value));
        break;
      case PROP_PLAN:
        boot0_memory_map_set_plan (self, g_value_get_object (value));
        break;
      case PROP_IMAGE:
        boot0_memory_map_set_image (self, g_value_get_object (value));
        break;
      case PROP_SHOW_HEADER:
        boot0_memory_map_set_show_header (self, g_value_get_boolean (value));
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
boot0_memory_map_dispose (GObject *object)
{
  Boot0MemoryMap *self = BOOT0_MEMORY_MAP (object);

  g_clear_pointer (&self->layout, boot0_dfuse_layout_unref);
  g_clear_pointer (&self->flash, boot0_dfuse_layout_unref);
  g_clear_object (&self->plan);
  g_clear_object (&self->image);
  self->used_plan = NULL;

  G_OBJECT_CLASS (boot0_memory_map_parent_class)->dispose (object);
}

static void
boot0_memory_map_finalize (GObject *object)
{
  Boot0MemoryMap *self = BOOT0_MEMORY_MAP (object);

  g_free (self->voffs);
  g_free (self->fates);
  g_free (self->covered);
  g_array_unref (self->image_ranges);
  g_free (self->description);

  G_OBJECT_CLASS (boot0_memory_map_parent_class)->finalize (object);
}

static void
boot0_memory_map_class_init (Boot0MemoryMapClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = boot0_memory_map_get_property;
  object_class->set_property = boot0_memory_map_set_property;
  object_class->dispose = boot0_memory_map_dispose;
  object_class->finalize = boot0_memory_map_finalize;

  widget_class->snapshot = boot0_memory_map_snapshot;
  widget_class->get_request_mode = boot0_memory_map_get_request_mode;
  widget_class->measure = boot0_memory_map_measure;
  widget_class->size_allocate = boot0_memory_map_size_allocate;
  widget_class->query_tooltip = boot0_memory_map_query_tooltip;
  widget_class->css_changed = boot0_memory_map_css_changed;

  properties[PROP_LAYOUT] =
      g_param_spec_boxed ("layout", NULL, NULL, BOOT0_TYPE_DFUSE_LAYOUT,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PLAN] =
      g_param_spec_object ("plan", NULL, NULL, BOOT0_TYPE_PLAN,
                           G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_IMAGE] =
      g_param_spec_object ("image", NULL, NULL, BOOT0_TYPE_FIRMWARE,
                           G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SHOW_HEADER] =
      g_param_spec_boolean ("show-header", NULL, NULL, TRUE,
                            G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_css_name (widget_class, "memorymap");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
boot0_memory_map_init (Boot0MemoryMap *self)
{
  GtkEventController *motion = gtk_event_controller_motion_new ();

  self->image_ranges = g_array_new (FALSE, FALSE, sizeof (ImageRange));
  self->hovered = -1;
  self->show_header = TRUE;

  g_signal_connect (motion, "motion", G_CALLBACK (motion_cb), self);
  g_signal_connect (motion, "leave", G_CALLBACK (leave_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), motion);

  gtk_widget_set_has_tooltip (GTK_WIDGET (self), TRUE);
  gtk_widget_set_hexpand (GTK_WIDGET (self), TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _ ("Memory map"), -1);
  update (self);
}

/* Public API ------------------------------------------------------------- */

GtkWidget *
boot0_memory_map_new (void)
{
  return g_object_new (BOOT0_TYPE_MEMORY_MAP, NULL);
}

void
boot0_memory_map_set_layout (Boot0MemoryMap *self, Boot0DfuseLayout *layout)
{
  g_return_if_fail (BOOT0_IS_MEMORY_MAP (self));

  if (self->layout == layout)
    return;
  g_clear_pointer (&self->layout, boot0_dfuse_layout_unref);
  if (layout != NULL)
    self->layout = boot0_dfuse_layout_ref (layout);
  update (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAYOUT]);
}

Boot0DfuseLayout *
boot0_memory_map_get_layout (Boot0MemoryMap *self)
{
  g_return_val_if_fail (BOOT0_IS_MEMORY_MAP (self), NULL);
  return self->layout;
}

void
boot0_memory_map_set_plan (Boot0MemoryMap *self, Boot0Plan *plan)
{
  g_return_if_fail (BOOT0_IS_MEMORY_MAP (self));
  g_return_if_fail (plan == NULL || BOOT0_IS_PLAN (plan));

  if (!g_set_object (&self->plan, plan))
    return;
  update (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PLAN]);
}

Boot0Plan *
boot0_memory_map_get_plan (Boot0MemoryMap *self)
{
  g_return_val_if_fail (BOOT0_IS_MEMORY_MAP (self), NULL);
  return self->plan;
}

void
boot0_memory_map_set_image (Boot0MemoryMap *self, Boot0Firmware *image)
{
  g_return_if_fail (BOOT0_IS_MEMORY_MAP (self));
  g_return_if_fail (image == NULL || BOOT0_IS_FIRMWARE (image));

  if (!g_set_object (&self->image, image))
    return;
  update (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_IMAGE]);
}

Boot0Firmware *
boot0_memory_map_get_image (Boot0MemoryMap *self)
{
  g_return_val_if_fail (BOOT0_IS_MEMORY_MAP (self), NULL);
  return self->image;
}

void
boot0_memory_map_set_show_header (Boot0MemoryMap *self, gboolean show_header)
{
  g_return_if_fail (BOOT0_IS_MEMORY_MAP (self));

  show_header = !!show_header;
  if (self->show_header == show_header)
    return;
  self->show_header = show_header;
  gtk_widget_queue_resize (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SHOW_HEADER]);
}

gboolean
boot0_memory_map_get_show_header (Boot0MemoryMap *self)
{
  g_return_val_if_fail (BOOT0_IS_MEMORY_MAP (self), FALSE);
  return self->show_header;
}

int
boot0_memory_map_get_sector_at (Boot0MemoryMap *self, double x, double y)
{
  const Geometry *g;
  guint row;
  double ry;
  guint64 v;
  guint idx;

  g_return_val_if_fail (BOOT0_IS_MEMORY_MAP (self), -1);
  g = &self->geometry;
  if (self->flash == NULL || g->width <= 0 || x < 0 || x >= g->width || y < g->header_height)
    return -1;
  row = (guint)((y - g->header_height) / (g->row_height + ROW_SPACING));
  ry = y - row_y (g, row);
  if (row >= g->n_rows || ry >= g->box_height)
    return -1;
  v = (guint64)row * g->row_span + (guint64)(x * (double)g->row_span / g->width);
  if (v >= self->total)
    return -1;
  idx = sector_at_voff (self, v);
  return idx < self->n_sectors ? (int)idx : -1;
}

gboolean
boot0_memory_map_get_sector_area (Boot0MemoryMap *self, guint idx, graphene_rect_t *area)
{
  g_return_val_if_fail (BOOT0_IS_MEMORY_MAP (self), FALSE);
  g_return_val_if_fail (area != NULL, FALSE);

  if (self->flash == NULL || idx >= self->n_sectors || self->geometry.width <= 0)
    return FALSE;
  *area = sector_piece (self, &self->geometry, idx, self->voffs[idx]);
  return TRUE;
}

Boot0PlanSectorFate
boot0_memory_map_get_sector_fate (Boot0MemoryMap *self, guint idx)
{
  g_return_val_if_fail (BOOT0_IS_MEMORY_MAP (self), BOOT0_PLAN_SECTOR_UNTOUCHED);
  g_return_val_if_fail (idx < self->n_sectors, BOOT0_PLAN_SECTOR_UNTOUCHED);
  return (Boot0PlanSectorFate)self->fates[idx];
}

char *
boot0_memory_map_get_sector_tooltip (Boot0MemoryMap *self, guint idx)
{
  const Boot0DfuseSector *s;
  g_autofree char *size = NULL;
  g_autofree char *start = NULL;
  g_autofree char *last = NULL;
  GString *str;

  g_return_val_if_fail (BOOT0_IS_MEMORY_MAP (self), NULL);
  g_return_val_if_fail (idx < self->n_sectors, NULL);

  s = boot0_dfuse_layout_get_sector (self->flash, idx);
  size = format_size (s->size);
  start = format_address (s->address);
  last = format_address ((guint64)s->address + s->size - 1);
  str = g_string_new (NULL);
  /* TRANSLATORS: "Sector 5: 0x08020000–0x0803FFFF, 128 KiB — will be erased and written" */
  g_string_append_printf (str, _ ("Sector %u: %s–%s, %s — %s"), idx, start, last, size,
                          fate_to_phrase ((Boot0PlanSectorFate)self->fates[idx]));
  if (self->covered[idx] > 0 && (s->flags & BOOT0_DFUSE_SECTOR_FLAG_WRITABLE) == 0 &&
      self->used_plan == NULL)
    {
      g_string_append (str, "\n");
      g_string_append (str, _ ("The image overlaps this sector, which cannot be written."));
    }
  else if (self->covered[idx] > 0 && self->covered[idx] < s->size)
    {
      g_autofree char *covered = format_size (self->covered[idx]);
      g_string_append (str, "\n");
      /* TRANSLATORS: "72 KiB of image data" */
      g_string_append_printf (str, _ ("%s of image data"), covered);
    }
  return g_string_free (str, FALSE);
}

const char *
boot0_memory_map_get_description (Boot0MemoryMap *self)
{
  g_return_val_if_fail (BOOT0_IS_MEMORY_MAP (self), NULL);
  return self->description;
}

guint
boot0_memory_map_get_n_rows (Boot0MemoryMap *self)
{
  g_return_val_if_fail (BOOT0_IS_MEMORY_MAP (self), 0);
  return self->flash != NULL ? self->geometry.n_rows : 0;
}
