/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Memories of an emulated STM32: NOR flash in a mapped file, option bytes, OTP, RAM. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "emu-flash.h"

static gboolean
map_file (EmuMemory *mem, const char *path, GError **error)
{
  struct stat st;
  int fd;
  void *map;
  gboolean fresh;

  fd = g_open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "cannot open flash file %s: %s", path, g_strerror (saved));
      return FALSE;
    }
  if (fstat (fd, &st) != 0)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "cannot stat %s: %s", path,
                   g_strerror (saved));
      close (fd);
      return FALSE;
    }
  fresh = st.st_size == 0;
  if (!fresh && (guint64)st.st_size != mem->size)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "flash file %s has %" G_GUINT64_FORMAT " bytes, the emulated flash has %u "
                   "(delete it to start erased)",
                   path, (guint64)st.st_size, mem->size);
      close (fd);
      return FALSE;
    }
  if (fresh && ftruncate (fd, mem->size) != 0)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "cannot size %s: %s", path,
                   g_strerror (saved));
      close (fd);
      return FALSE;
    }
  map = mmap (NULL, mem->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  close (fd);
  if (map == MAP_FAILED)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "cannot map %s: %s", path,
                   g_strerror (saved));
      return FALSE;
    }
  mem->data = map;
  mem->mapped = TRUE;
  mem->path = g_strdup (path);
  if (fresh)
    memset (mem->data, 0xFF, mem->size);
  return TRUE;
}

EmuMemory *
emu_memory_new (const char *layout_string, EmuMemKind kind, const char *path, const guint8 *init,
                gsize init_len, GError **error)
{
  g_autoptr (EmuLayout) layout = NULL;
  g_autoptr (EmuMemory) mem = g_new0 (EmuMemory, 1);
  guint32 address;

  layout = emu_layout_parse (layout_string, error);
  if (layout == NULL)
    return NULL;
  mem->name = g_strdup (layout->name);
  mem->kind = kind;
  mem->base = layout->base;
  mem->size = emu_layout_size (layout);
  mem->sectors = g_array_new (FALSE, FALSE, sizeof (EmuSector));
  address = mem->base;
  for (guint i = 0; i < layout->segments->len; i++)
    {
      const EmuLayoutSegment *seg = &g_array_index (layout->segments, EmuLayoutSegment, i);
      for (guint32 n = 0; n < seg->count; n++)
        {
          EmuSector s = { address, seg->size, seg->caps };
          g_array_append_val (mem->sectors, s);
          address += seg->size;
        }
    }
  if (path != NULL)
    {
      if (!map_file (mem, path, error))
        return NULL;
    }
  else
    {
      mem->data = g_malloc (mem->size);
      memset (mem->data, 0xFF, mem->size);
      if (init != NULL)
        memcpy (mem->data, init, MIN (init_len, mem->size));
    }
  return g_steal_pointer (&mem);
}

void
emu_memory_sync (EmuMemory *mem)
{
  if (mem->mapped)
    msync (mem->data, mem->size, MS_SYNC);
}

void
emu_memory_free (EmuMemory *mem)
{
  if (mem == NULL)
    return;
  if (mem->mapped)
    {
      emu_memory_sync (mem);
      munmap (mem->data, mem->size);
    }
  else
    g_free (mem->data);
  if (mem->sectors != NULL)
    g_array_unref (mem->sectors);
  g_free (mem->name);
  g_free (mem->path);
  g_free (mem);
}

gboolean
emu_memory_contains (const EmuMemory *mem, guint32 address, guint32 len)
{
  guint64 end = (guint64)address + len;
  return address >= mem->base && end <= (guint64)mem->base + mem->size;
}

const EmuSector *
emu_memory_find_sector (const EmuMemory *mem, guint32 address)
{
  if (!emu_memory_contains (mem, address, 1))
    return NULL;
  for (guint i = 0; i < mem->sectors->len; i++)
    {
      const EmuSector *s = &g_array_index (mem->sectors, EmuSector, i);
      if (address >= s->address && (guint64)address < (guint64)s->address + s->size)
        return s;
    }
  return NULL;
}

guint8
emu_memory_caps_all (const EmuMemory *mem, guint32 address, guint32 len)
{
  guint8 caps = EMU_CAP_READ | EMU_CAP_ERASE | EMU_CAP_WRITE;
  guint64 end = (guint64)address + MAX (len, 1);

  for (guint i = 0; i < mem->sectors->len; i++)
    {
      const EmuSector *s = &g_array_index (mem->sectors, EmuSector, i);
      guint64 s_end = (guint64)s->address + s->size;
      if (s_end > address && s->address < end)
        caps &= s->caps;
    }
  return caps;
}

void
emu_memory_read (const EmuMemory *mem, guint32 address, guint8 *buf, guint32 len)
{
  g_return_if_fail (emu_memory_contains (mem, address, len));
  memcpy (buf, mem->data + (address - mem->base), len);
}

void
emu_memory_erase (EmuMemory *mem, guint32 address, guint32 len)
{
  g_return_if_fail (emu_memory_contains (mem, address, len));
  memset (mem->data + (address - mem->base), 0xFF, len);
}

void
emu_memory_write (EmuMemory *mem, guint32 address, const guint8 *data, guint32 len)
{
  g_return_if_fail (emu_memory_contains (mem, address, len));
  memcpy (mem->data + (address - mem->base), data, len);
}

EmuProgramResult
emu_memory_program (EmuMemory *mem, guint32 address, const guint8 *data, guint32 len, guint32 unit,
                    gboolean and_on_conflict, guint32 *bad_address, guint32 *units)
{
  guint32 first;
  guint64 end = (guint64)address + len;

  g_return_val_if_fail (emu_memory_contains (mem, address, len), EMU_PROGRAM_NOT_ERASED);
  unit = MAX (unit, 1);
  first = address - ((address - mem->base) % unit);
  *units = 0;
  for (guint64 u = first; u < end; u += unit)
    {
      guint8 want[64];
      guint8 *cell = mem->data + (u - mem->base);
      guint32 n = (guint32)MIN ((guint64)unit, (guint64)mem->base + mem->size - u);
      gboolean blank = TRUE;
      gboolean ok = TRUE;

      g_assert (n <= sizeof (want));
      /* Bytes outside [address, end) keep their value: the padding is 0xFF. */
      for (guint32 i = 0; i < n; i++)
        {
          guint64 a = u + i;
          want[i] = (a >= address && a < end) ? data[a - address] : 0xFF;
          if (cell[i] != 0xFF)
            blank = FALSE;
        }
      (*units)++;
      if (and_on_conflict)
        {
          /* F4: no blank check in hardware, the bits are ANDed; the ROM's
           * read-back of the written bytes then fails. */
          for (guint32 i = 0; i < n; i++)
            {
              cell[i] &= want[i];
              if (u + i >= address && u + i < end && cell[i] != want[i])
                ok = FALSE;
            }
        }
      else if (blank)
        memcpy (cell, want, n);
      else
        ok = FALSE;
      if (!ok)
        {
          *bad_address = (guint32)MAX (u, (guint64)address);
          return EMU_PROGRAM_NOT_ERASED;
        }
    }
  return EMU_PROGRAM_OK;
}
