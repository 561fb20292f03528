/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Parser for DfuSe alternate-setting strings (memory layouts). */
#include "config.h"

#include <stdarg.h>
#include <string.h>

#include "boot0-dfuse-layout.h"
#include "boot0-error.h"

#define ADDRESS_SPACE_END (G_GUINT64_CONSTANT (1) << 32)

typedef struct
{
  guint32 start;
  guint64 end;
  guint first_group;
  guint n_groups;
} Zone;

struct _Boot0DfuseLayout
{
  gatomicrefcount ref_count;
  char *name;
  GArray *zones;   /* Zone, in string order */
  GArray *groups;  /* Boot0DfuseSectorGroup, zone after zone */
  GArray *sectors; /* Boot0DfuseSector, sorted by address */
};

G_DEFINE_BOXED_TYPE (Boot0DfuseLayout, boot0_dfuse_layout, boot0_dfuse_layout_ref,
                     boot0_dfuse_layout_unref)

/* Indexed by the 3-bit mask. */
static const char *const flags_long[] = {
  "none",     "readable",           "erasable",           "readable, erasable",
  "writable", "readable, writable", "erasable, writable", "readable, erasable, writable",
};

static const char *const flags_short[] = {
  "---", "r--", "-e-", "re-", "--w", "r-w", "-ew", "rew",
};

const char *
boot0_dfuse_sector_flags_to_string (Boot0DfuseSectorFlags flags)
{
  return flags_long[flags & BOOT0_DFUSE_SECTOR_FLAGS_ALL];
}

const char *
boot0_dfuse_sector_flags_to_short_string (Boot0DfuseSectorFlags flags)
{
  return flags_short[flags & BOOT0_DFUSE_SECTOR_FLAGS_ALL];
}

static Boot0DfuseLayout *
layout_new (void)
{
  Boot0DfuseLayout *self = g_new0 (Boot0DfuseLayout, 1);
  g_atomic_ref_count_init (&self->ref_count);
  self->zones = g_array_new (FALSE, FALSE, sizeof (Zone));
  self->groups = g_array_new (FALSE, FALSE, sizeof (Boot0DfuseSectorGroup));
  self->sectors = g_array_new (FALSE, FALSE, sizeof (Boot0DfuseSector));
  return self;
}

Boot0DfuseLayout *
boot0_dfuse_layout_ref (Boot0DfuseLayout *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
boot0_dfuse_layout_unref (Boot0DfuseLayout *self)
{
  g_return_if_fail (self != NULL);
  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;
  g_free (self->name);
  g_array_unref (self->zones);
  g_array_unref (self->groups);
  g_array_unref (self->sectors);
  g_free (self);
}

/* Parsing ---------------------------------------------------------------- */

typedef struct
{
  const char *str; /* start, for column numbers */
  const char *p;   /* cursor */
} Lexer;

/* "'x'", "end of string" or "byte 0x01" for what stands at p. */
static void
describe_char (const char *p, char *buf, gsize len)
{
  guchar c = (guchar)*p;
  if (c == '\0')
    g_strlcpy (buf, "end of string", len);
  else if (c == ' ')
    g_strlcpy (buf, "' ' (space)", len);
  else if (g_ascii_isgraph (c))
    g_snprintf (buf, len, "'%c'", c);
  else
    g_snprintf (buf, len, "byte 0x%02X", c);
}

static void set_error_at (GError **error, Boot0Error code, const Lexer *lex, const char *at,
                          const char *format, ...) G_GNUC_PRINTF (5, 6);

static void
set_error_at (GError **error, Boot0Error code, const Lexer *lex, const char *at, const char *format,
              ...)
{
  va_list args;
  g_autofree char *msg = NULL;

  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, BOOT0_ERROR, code, "at column %" G_GSIZE_FORMAT ": %s",
               (gsize)(at - lex->str) + 1, msg);
}

static void
set_error_expected (GError **error, const Lexer *lex, const char *what)
{
  char found[32];
  describe_char (lex->p, found, sizeof (found));
  set_error_at (error, BOOT0_ERROR_INVALID_FILE, lex, lex->p, "expected %s, found %s", what, found);
}

static void
skip_space (Lexer *lex)
{
  while (g_ascii_isspace (*lex->p))
    lex->p++;
}

/* Decimal, even with leading zeros ("0256" is 256, never octal). Values
 * above G_MAXUINT32 saturate and set *overflow. FALSE if no digit. */
static gboolean
read_decimal (Lexer *lex, guint64 *value, gboolean *overflow)
{
  const char *start = lex->p;
  guint64 v = 0;
  *overflow = FALSE;
  while (g_ascii_isdigit (*lex->p))
    {
      if (!*overflow)
        {
          v = v * 10 + (guint64)(*lex->p - '0');
          if (v > G_MAXUINT32)
            *overflow = TRUE;
        }
      lex->p++;
    }
  *value = *overflow ? (guint64)G_MAXUINT32 + 1 : v;
  return lex->p != start;
}

static gboolean
read_hex (Lexer *lex, guint64 *value, gboolean *overflow)
{
  const char *start = lex->p;
  guint64 v = 0;
  *overflow = FALSE;
  while (g_ascii_isxdigit (*lex->p))
    {
      if (!*overflow)
        {
          v = (v << 4) | (guint64)g_ascii_xdigit_value (*lex->p);
          if (v > G_MAXUINT32)
            *overflow = TRUE;
        }
      lex->p++;
    }
  *value = v;
  return lex->p != start;
}

/* seg := COUNT "*" SIZE MULT TYPE (AN3156 / dfu-util dfuse_mem.c grammar) */
static gboolean
parse_group (Lexer *lex, Boot0DfuseLayout *self, guint64 *cursor, GError **error)
{
  const char *group_start;
  const char *at;
  guint64 count, size, mult, end;
  gboolean overflow;
  Boot0DfuseSectorGroup group;

  skip_space (lex);
  group_start = lex->p;
  if (!read_decimal (lex, &count, &overflow))
    {
      set_error_expected (error, lex, "a sector count");
      return FALSE;
    }
  if (count == 0)
    {
      set_error_at (error, BOOT0_ERROR_INVALID_FILE, lex, group_start,
                    "sector count 0 (a group needs at least one sector)");
      return FALSE;
    }
  if (overflow || count + self->sectors->len > BOOT0_DFUSE_LAYOUT_MAX_SECTORS)
    {
      set_error_at (error, BOOT0_ERROR_TOO_LARGE, lex, group_start,
                    "more than %u sectors in the layout", BOOT0_DFUSE_LAYOUT_MAX_SECTORS);
      return FALSE;
    }

  skip_space (lex);
  if (*lex->p != '*')
    {
      set_error_expected (error, lex, "'*' after the sector count");
      return FALSE;
    }
  lex->p++;
  skip_space (lex);

  at = lex->p;
  if (!read_decimal (lex, &size, &overflow))
    {
      set_error_expected (error, lex, "a sector size");
      return FALSE;
    }
  if (size == 0)
    {
      set_error_at (error, BOOT0_ERROR_INVALID_FILE, lex, at, "sector size 0");
      return FALSE;
    }

  /* No whitespace skipping here: a space IS the byte multiplier. */
  switch (*lex->p)
    {
      case ' ':
      case 'B':
        mult = 1;
        lex->p++;
        break;
      case 'K':
        mult = 1024;
        lex->p++;
        break;
      case 'M':
        mult = 1024 * 1024;
        lex->p++;
        break;
      case 'a':
      case 'b':
      case 'c':
      case 'd':
      case 'e':
      case 'f':
      case 'g':
        /* No multiplier at all: dfu-util takes bytes, so do we. */
        mult = 1;
        break;
      default:
        {
          char found[32];
          describe_char (lex->p, found, sizeof (found));
          set_error_at (error, BOOT0_ERROR_INVALID_FILE, lex, lex->p,
                        "unknown size multiplier %s (expected ' ', 'B', 'K' or 'M')", found);
          return FALSE;
        }
    }
  /* size saturates just above G_MAXUINT32, so this cannot overflow. */
  size *= mult;
  if (size > G_MAXUINT32)
    {
      set_error_at (error, BOOT0_ERROR_TOO_LARGE, lex, at, "sector size does not fit in 32 bits");
      return FALSE;
    }

  if (*lex->p < 'a' || *lex->p > 'g')
    {
      char found[32];
      describe_char (lex->p, found, sizeof (found));
      if (*lex->p == '\0')
        set_error_at (error, BOOT0_ERROR_INVALID_FILE, lex, lex->p,
                      "expected a sector type 'a'..'g', found end of string");
      else
        set_error_at (error, BOOT0_ERROR_INVALID_FILE, lex, lex->p,
                      "unknown sector type %s (expected 'a'..'g')", found);
      return FALSE;
    }
  group.flags = (Boot0DfuseSectorFlags)(*lex->p - 'a' + 1);
  lex->p++;

  /* count <= 65536 and size < 2^32: no overflow in 64 bits. */
  end = *cursor + count * size;
  if (end > ADDRESS_SPACE_END)
    {
      set_error_at (error, BOOT0_ERROR_INVALID_FILE, lex, group_start,
                    "zone passes the end of the 32-bit address space (%" G_GUINT64_FORMAT
                    " sectors of %" G_GUINT64_FORMAT " bytes from 0x%08" G_GINT64_MODIFIER "X)",
                    count, size, *cursor);
      return FALSE;
    }

  group.count = (guint32)count;
  group.size = (guint32)size;
  g_array_append_val (self->groups, group);
  for (guint64 a = *cursor; a < end; a += size)
    {
      Boot0DfuseSector sector = { (guint32)a, (guint32)size, group.flags };
      g_array_append_val (self->sectors, sector);
    }
  *cursor = end;
  return TRUE;
}

/* zone := "/0x" HEXADDR "/" seg ("," seg)* ; lex->p is on the first '/'. */
static gboolean
parse_zone (Lexer *lex, Boot0DfuseLayout *self, GError **error)
{
  Zone zone = { 0 };
  guint64 address, cursor;
  gboolean overflow;
  const char *at;

  lex->p++;
  skip_space (lex);
  if (lex->p[0] != '0' || (lex->p[1] != 'x' && lex->p[1] != 'X'))
    {
      set_error_expected (error, lex, "'0x' and the zone address");
      return FALSE;
    }
  lex->p += 2;
  at = lex->p;
  if (!read_hex (lex, &address, &overflow))
    {
      set_error_expected (error, lex, "a hexadecimal address after '0x'");
      return FALSE;
    }
  if (overflow)
    {
      set_error_at (error, BOOT0_ERROR_INVALID_FILE, lex, at,
                    "zone address does not fit in 32 bits");
      return FALSE;
    }
  skip_space (lex);
  if (*lex->p != '/')
    {
      set_error_expected (error, lex, "'/' after the zone address");
      return FALSE;
    }
  lex->p++;

  zone.start = (guint32)address;
  zone.first_group = self->groups->len;
  cursor = address;
  for (;;)
    {
      if (!parse_group (lex, self, &cursor, error))
        return FALSE;
      skip_space (lex);
      if (*lex->p != ',')
        break;
      lex->p++;
    }
  zone.n_groups = self->groups->len - zone.first_group;
  zone.end = cursor;
  g_array_append_val (self->zones, zone);
  return TRUE;
}

static gint
zone_compare_cb (gconstpointer a, gconstpointer b)
{
  const Zone *za = a;
  const Zone *zb = b;
  return za->start < zb->start ? -1 : za->start > zb->start ? 1 : 0;
}

static gint
sector_compare_cb (gconstpointer a, gconstpointer b)
{
  const Boot0DfuseSector *sa = a;
  const Boot0DfuseSector *sb = b;
  return sa->address < sb->address ? -1 : sa->address > sb->address ? 1 : 0;
}

/* Zones may come in any order but must not overlap, so that every address
 * has at most one sector and the sorted sector list can be searched. */
static gboolean
check_zones (Boot0DfuseLayout *self, GError **error)
{
  g_autoptr (GArray) sorted = NULL;
  gboolean in_order = TRUE;

  if (self->zones->len < 2)
    return TRUE;
  sorted = g_array_sized_new (FALSE, FALSE, sizeof (Zone), self->zones->len);
  g_array_append_vals (sorted, self->zones->data, self->zones->len);
  g_array_sort (sorted, zone_compare_cb);
  for (guint i = 1; i < sorted->len; i++)
    {
      const Zone *prev = &g_array_index (sorted, Zone, i - 1);
      const Zone *next = &g_array_index (sorted, Zone, i);
      if (prev->end > next->start)
        {
          g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_FILE,
                       "zone at 0x%08X overlaps the zone at 0x%08X", next->start, prev->start);
          return FALSE;
        }
    }
  for (guint i = 1; i < self->zones->len; i++)
    if (g_array_index (self->zones, Zone, i - 1).start > g_array_index (self->zones, Zone, i).start)
      in_order = FALSE;
  if (!in_order)
    g_array_sort (self->sectors, sector_compare_cb);
  return TRUE;
}

/* alt := "@" name zone+ (AN3156 / dfu-util dfuse_mem.c grammar) */
Boot0DfuseLayout *
boot0_dfuse_layout_parse_full (const char *str, Boot0DfuseLayoutParseFlags flags, GError **error)
{
  g_autoptr (Boot0DfuseLayout) self = NULL;
  Lexer lex = { str, str };
  const char *slash;
  g_autofree char *raw_name = NULL;

  g_return_val_if_fail (str != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (*str == '\0')
    {
      g_set_error_literal (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_FILE,
                           "empty alternate-setting string");
      return NULL;
    }
  if (*str != '@')
    {
      set_error_expected (error, &lex, "'@' before the memory name");
      return NULL;
    }
  slash = strchr (str + 1, '/');
  if (slash == NULL)
    {
      lex.p = str + strlen (str);
      set_error_expected (error, &lex, "'/' and a zone after the memory name");
      return NULL;
    }

  self = layout_new ();
  /* Names are often space-padded ("Internal Flash  "); USB strings should be
   * UTF-8 by now but a device may send anything. */
  raw_name = g_strndup (str + 1, (gsize)(slash - str - 1));
  self->name = g_strstrip (g_utf8_make_valid (raw_name, -1));

  lex.p = slash;
  for (;;)
    {
      if (!parse_zone (&lex, self, error))
        return NULL;
      if (*lex.p == '\0')
        break;
      if (*lex.p != '/')
        {
          set_error_expected (error, &lex, "',', '/' or the end after the sector type");
          return NULL;
        }
    }
  if (!check_zones (self, error))
    return NULL;

  /* dfu-util applies this unconditionally; we let the caller decide. */
  if ((flags & BOOT0_DFUSE_LAYOUT_PARSE_FLAG_DEVICE_FEATURE_ERASABLE) != 0 &&
      g_strcmp0 (self->name, "Device Feature") == 0)
    {
      for (guint i = 0; i < self->groups->len; i++)
        g_array_index (self->groups, Boot0DfuseSectorGroup, i).flags |=
            BOOT0_DFUSE_SECTOR_FLAG_ERASABLE;
      for (guint i = 0; i < self->sectors->len; i++)
        g_array_index (self->sectors, Boot0DfuseSector, i).flags |=
            BOOT0_DFUSE_SECTOR_FLAG_ERASABLE;
    }

  return g_steal_pointer (&self);
}

Boot0DfuseLayout *
boot0_dfuse_layout_parse (const char *str, GError **error)
{
  return boot0_dfuse_layout_parse_full (str, BOOT0_DFUSE_LAYOUT_PARSE_FLAG_NONE, error);
}

/* Accessors -------------------------------------------------------------- */

const char *
boot0_dfuse_layout_get_name (Boot0DfuseLayout *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->name;
}

guint
boot0_dfuse_layout_get_n_zones (Boot0DfuseLayout *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->zones->len;
}

guint32
boot0_dfuse_layout_get_zone_start (Boot0DfuseLayout *self, guint zone)
{
  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (zone < self->zones->len, 0);
  return g_array_index (self->zones, Zone, zone).start;
}

guint64
boot0_dfuse_layout_get_zone_end (Boot0DfuseLayout *self, guint zone)
{
  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (zone < self->zones->len, 0);
  return g_array_index (self->zones, Zone, zone).end;
}

guint
boot0_dfuse_layout_get_zone_n_groups (Boot0DfuseLayout *self, guint zone)
{
  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (zone < self->zones->len, 0);
  return g_array_index (self->zones, Zone, zone).n_groups;
}

const Boot0DfuseSectorGroup *
boot0_dfuse_layout_get_zone_group (Boot0DfuseLayout *self, guint zone, guint group)
{
  const Zone *z;
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (zone < self->zones->len, NULL);
  z = &g_array_index (self->zones, Zone, zone);
  g_return_val_if_fail (group < z->n_groups, NULL);
  return &g_array_index (self->groups, Boot0DfuseSectorGroup, z->first_group + group);
}

guint
boot0_dfuse_layout_get_n_sectors (Boot0DfuseLayout *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->sectors->len;
}

const Boot0DfuseSector *
boot0_dfuse_layout_get_sector (Boot0DfuseLayout *self, guint idx)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (idx < self->sectors->len, NULL);
  return &g_array_index (self->sectors, Boot0DfuseSector, idx);
}

gboolean
boot0_dfuse_layout_lookup_sector_index (Boot0DfuseLayout *self, guint32 address, guint *idx)
{
  guint lo = 0;
  guint hi;
  const Boot0DfuseSector *s;

  g_return_val_if_fail (self != NULL, FALSE);

  /* Find the last sector starting at or below address. */
  hi = self->sectors->len;
  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;
      if (g_array_index (self->sectors, Boot0DfuseSector, mid).address <= address)
        lo = mid + 1;
      else
        hi = mid;
    }
  if (lo == 0)
    return FALSE;
  s = &g_array_index (self->sectors, Boot0DfuseSector, lo - 1);
  if ((guint64)address >= (guint64)s->address + s->size)
    return FALSE;
  if (idx != NULL)
    *idx = lo - 1;
  return TRUE;
}

const Boot0DfuseSector *
boot0_dfuse_layout_lookup_sector (Boot0DfuseLayout *self, guint32 address)
{
  guint idx;
  if (!boot0_dfuse_layout_lookup_sector_index (self, address, &idx))
    return NULL;
  return &g_array_index (self->sectors, Boot0DfuseSector, idx);
}

const Boot0DfuseSector *
boot0_dfuse_layout_first_writable_sector (Boot0DfuseLayout *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  for (guint i = 0; i < self->sectors->len; i++)
    {
      const Boot0DfuseSector *s = &g_array_index (self->sectors, Boot0DfuseSector, i);
      if (s->flags & BOOT0_DFUSE_SECTOR_FLAG_WRITABLE)
        return s;
    }
  return NULL;
}

guint64
boot0_dfuse_layout_get_total_size (Boot0DfuseLayout *self)
{
  guint64 total = 0;
  g_return_val_if_fail (self != NULL, 0);
  for (guint i = 0; i < self->zones->len; i++)
    {
      const Zone *z = &g_array_index (self->zones, Zone, i);
      total += z->end - z->start;
    }
  return total;
}

guint32
boot0_dfuse_layout_get_start (Boot0DfuseLayout *self)
{
  g_return_val_if_fail (self != NULL, 0);
  /* A parsed layout always has at least one sector. */
  return g_array_index (self->sectors, Boot0DfuseSector, 0).address;
}

guint64
boot0_dfuse_layout_get_end (Boot0DfuseLayout *self)
{
  const Boot0DfuseSector *last;
  g_return_val_if_fail (self != NULL, 0);
  last = &g_array_index (self->sectors, Boot0DfuseSector, self->sectors->len - 1);
  return (guint64)last->address + last->size;
}

/* "writable", "erasable or writable", ... for the flags missing. */
static char *
missing_flags_to_string (Boot0DfuseSectorFlags missing)
{
  g_autoptr (GPtrArray) words = g_ptr_array_new ();
  if (missing & BOOT0_DFUSE_SECTOR_FLAG_READABLE)
    g_ptr_array_add (words, (gpointer) "readable");
  if (missing & BOOT0_DFUSE_SECTOR_FLAG_ERASABLE)
    g_ptr_array_add (words, (gpointer) "erasable");
  if (missing & BOOT0_DFUSE_SECTOR_FLAG_WRITABLE)
    g_ptr_array_add (words, (gpointer) "writable");
  g_ptr_array_add (words, NULL);
  return g_strjoinv (" or ", (char **)words->pdata);
}

gboolean
boot0_dfuse_layout_check_range (Boot0DfuseLayout *self, guint32 address, guint64 len,
                                Boot0DfuseSectorFlags required, GError **error)
{
  guint64 end;
  guint64 cursor;
  guint idx;

  g_return_val_if_fail (self != NULL, FALSE);

  /* Compare before adding: len may be anything up to G_MAXUINT64. */
  if (MAX (len, 1) > ADDRESS_SPACE_END - address)
    {
      g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_DOES_NOT_FIT,
                   "0x%08X + %" G_GUINT64_FORMAT
                   " bytes passes the end of the 32-bit address space",
                   address, len);
      return FALSE;
    }
  if (!boot0_dfuse_layout_lookup_sector_index (self, address, &idx))
    {
      g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_DOES_NOT_FIT,
                   "0x%08X is outside the memory \"%s\"", address, self->name);
      return FALSE;
    }
  end = (guint64)address + MAX (len, 1);
  /* Walk from the start of the sector holding address. */
  cursor = g_array_index (self->sectors, Boot0DfuseSector, idx).address;
  while (cursor < end)
    {
      const Boot0DfuseSector *s = NULL;
      Boot0DfuseSectorFlags missing;

      if (idx < self->sectors->len)
        s = &g_array_index (self->sectors, Boot0DfuseSector, idx);
      if (s == NULL || s->address != cursor)
        {
          g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_DOES_NOT_FIT,
                       "0x%08" G_GINT64_MODIFIER "X is outside the memory \"%s\"", cursor,
                       self->name);
          return FALSE;
        }
      missing = required & ~s->flags & BOOT0_DFUSE_SECTOR_FLAGS_ALL;
      if (missing != 0)
        {
          g_autofree char *words = missing_flags_to_string (missing);
          g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_DOES_NOT_FIT,
                       "sector 0x%08X of \"%s\" is not %s (it is %s)", s->address, self->name,
                       words, boot0_dfuse_sector_flags_to_string (s->flags));
          return FALSE;
        }
      cursor = (guint64)s->address + s->size;
      idx++;
    }
  return TRUE;
}

gboolean
boot0_dfuse_layout_contains (Boot0DfuseLayout *self, guint32 address, guint64 len)
{
  return boot0_dfuse_layout_check_range (self, address, len, BOOT0_DFUSE_SECTOR_FLAG_NONE, NULL);
}

gboolean
boot0_dfuse_layout_equal_memory (Boot0DfuseLayout *a, Boot0DfuseLayout *b)
{
  g_return_val_if_fail (a != NULL, FALSE);
  g_return_val_if_fail (b != NULL, FALSE);
  if (a->sectors->len != b->sectors->len)
    return FALSE;
  for (guint i = 0; i < a->sectors->len; i++)
    {
      const Boot0DfuseSector *sa = &g_array_index (a->sectors, Boot0DfuseSector, i);
      const Boot0DfuseSector *sb = &g_array_index (b->sectors, Boot0DfuseSector, i);
      if (sa->address != sb->address || sa->size != sb->size || sa->flags != sb->flags)
        return FALSE;
    }
  return TRUE;
}

gboolean
boot0_dfuse_layout_equal (Boot0DfuseLayout *a, Boot0DfuseLayout *b)
{
  g_return_val_if_fail (a != NULL, FALSE);
  g_return_val_if_fail (b != NULL, FALSE);
  if (g_strcmp0 (a->name, b->name) != 0 || a->zones->len != b->zones->len)
    return FALSE;
  for (guint i = 0; i < a->zones->len; i++)
    {
      const Zone *za = &g_array_index (a->zones, Zone, i);
      const Zone *zb = &g_array_index (b->zones, Zone, i);
      if (za->start != zb->start || za->end != zb->end)
        return FALSE;
    }
  return boot0_dfuse_layout_equal_memory (a, b);
}

static void
append_group (GString *s, guint32 count, guint32 size, Boot0DfuseSectorFlags flags)
{
  guint32 value = size;
  char mult = ' ';
  if (size % (1024 * 1024) == 0)
    {
      value = size / (1024 * 1024);
      mult = 'M';
    }
  else if (size % 1024 == 0)
    {
      value = size / 1024;
      mult = 'K';
    }
  g_string_append_printf (s, "%u*%u%c%c", count, value, mult, (char)('a' + flags - 1));
}

char *
boot0_dfuse_layout_to_string (Boot0DfuseLayout *self)
{
  GString *s;

  g_return_val_if_fail (self != NULL, NULL);

  s = g_string_new ("@");
  g_string_append (s, self->name);
  for (guint i = 0; i < self->zones->len; i++)
    {
      const Zone *z = &g_array_index (self->zones, Zone, i);
      guint32 count = 0;
      guint32 size = 0;
      Boot0DfuseSectorFlags flags = 0;
      gboolean first = TRUE;

      g_string_append_printf (s, "/0x%08X/", z->start);
      for (guint g = 0; g < z->n_groups; g++)
        {
          const Boot0DfuseSectorGroup *grp =
              &g_array_index (self->groups, Boot0DfuseSectorGroup, z->first_group + g);
          if (count > 0 && grp->size == size && grp->flags == flags)
            {
              /* The sector cap keeps the sum far below G_MAXUINT32. */
              count += grp->count;
              continue;
            }
          if (count > 0)
            {
              if (!first)
                g_string_append_c (s, ',');
              append_group (s, count, size, flags);
              first = FALSE;
            }
          count = grp->count;
          size = grp->size;
          flags = grp->flags;
        }
      if (!first)
        g_string_append_c (s, ',');
      append_group (s, count, size, flags);
    }
  return g_string_free (s, FALSE);
}
