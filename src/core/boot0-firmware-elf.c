/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ELF32 little-endian executables: PT_LOAD segments placed at their load
 * (physical) addresses, parsed by hand with bounds checks. */
#include "config.h"

#include <string.h>

#include "boot0-error.h"
#include "boot0-firmware-private.h"

/* System V ABI, "ELF Header" and "Program Header" (ELF32 layout). */
#define ELF_EHDR_SIZE       52
#define ELF_PHDR_SIZE       32
#define ELF_EI_CLASS        4
#define ELF_EI_DATA         5
#define ELF_EI_VERSION      6
#define ELF_CLASS32         1
#define ELF_CLASS64         2
#define ELF_DATA2LSB        1
#define ELF_DATA2MSB        2
#define ELF_EV_CURRENT      1
#define ELF_ET_REL          1
#define ELF_ET_EXEC         2
#define ELF_ET_DYN          3
#define ELF_ET_CORE         4
#define ELF_PN_XNUM         0xFFFF
#define ELF_PT_LOAD         1
#define ELF_OFF_E_TYPE      16
#define ELF_OFF_E_ENTRY     24
#define ELF_OFF_E_PHOFF     28
#define ELF_OFF_E_PHENTSIZE 42
#define ELF_OFF_E_PHNUM     44

typedef struct
{
  guint index;    /* program header number */
  guint32 offset; /* p_offset */
  guint32 paddr;  /* p_paddr: the load address (LMA) */
  guint32 filesz; /* p_filesz */
} ElfLoad;

static guint16
read_le16 (const guint8 *p)
{
  return (guint16)(p[0] | (p[1] << 8));
}

static guint32
read_le32 (const guint8 *p)
{
  return (guint32)p[0] | ((guint32)p[1] << 8) | ((guint32)p[2] << 16) | ((guint32)p[3] << 24);
}

static gint
elf_load_compare (gconstpointer a, gconstpointer b)
{
  const ElfLoad *la = a;
  const ElfLoad *lb = b;
  if (la->paddr != lb->paddr)
    return la->paddr < lb->paddr ? -1 : 1;
  return la->index < lb->index ? -1 : (la->index > lb->index ? 1 : 0);
}

/* System V ABI e_ident: magic, class, data encoding, version. */
static gboolean
elf_check_ident (const guint8 *data, gsize len, GError **error)
{
  if (len < 4 || memcmp (data,
                         "\x7F"
                         "ELF",
                         4) != 0)
    {
      g_set_error_literal (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_FILE,
                           "offset 0x0: not an ELF file (bad magic)");
      return FALSE;
    }
  if (len < ELF_EHDR_SIZE)
    {
      g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_FILE,
                   "ELF header truncated: file is %" G_GSIZE_FORMAT " bytes, need %d", len,
                   ELF_EHDR_SIZE);
      return FALSE;
    }
  if (data[ELF_EI_CLASS] == ELF_CLASS64)
    {
      g_set_error_literal (error, BOOT0_ERROR, BOOT0_ERROR_NOT_SUPPORTED,
                           "offset 0x4: 64-bit ELF is not supported (STM32 images are ELF32)");
      return FALSE;
    }
  if (data[ELF_EI_CLASS] != ELF_CLASS32)
    {
      g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_FILE,
                   "offset 0x4: invalid ELF class %u (expected 1, 32-bit)", data[ELF_EI_CLASS]);
      return FALSE;
    }
  if (data[ELF_EI_DATA] == ELF_DATA2MSB)
    {
      g_set_error_literal (error, BOOT0_ERROR, BOOT0_ERROR_NOT_SUPPORTED,
                           "offset 0x5: big-endian ELF is not supported (STM32 is little-endian)");
      return FALSE;
    }
  if (data[ELF_EI_DATA] != ELF_DATA2LSB)
    {
      g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_FILE,
                   "offset 0x5: invalid ELF data encoding %u (expected 1, little-endian)",
                   data[ELF_EI_DATA]);
      return FALSE;
    }
  if (data[ELF_EI_VERSION] != ELF_EV_CURRENT)
    {
      g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_FILE,
                   "offset 0x6: invalid ELF version %u (expected 1)", data[ELF_EI_VERSION]);
      return FALSE;
    }
  return TRUE;
}

/* System V ABI e_type. EXEC is the normal case; DYN (a position-independent
 * executable) is accepted too, because its p_paddr still says where each
 * segment was linked to load, which is what objcopy -O binary uses. */
static gboolean
elf_check_type (guint16 e_type, GError **error)
{
  switch (e_type)
    {
      case ELF_ET_EXEC:
      case ELF_ET_DYN:
        return TRUE;
      case ELF_ET_REL:
        g_set_error_literal (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_FILE,
                             "offset 0x10: relocatable object (ET_REL), link it first");
        return FALSE;
      case ELF_ET_CORE:
        g_set_error_literal (error, BOOT0_ERROR, BOOT0_ERROR_NOT_SUPPORTED,
                             "offset 0x10: core dump (ET_CORE), not a program");
        return FALSE;
      default:
        g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_FILE,
                     "offset 0x10: ELF type %u is not an executable (expected 2, ET_EXEC)", e_type);
        return FALSE;
    }
}

Boot0Firmware *
boot0_firmware_parse_elf (const guint8 *data, gsize len, GError **error)
{
  g_autoptr (Boot0Firmware) fw = NULL;
  g_autoptr (GArray) loads = NULL;
  guint32 entry;
  guint32 phoff;
  guint16 phentsize;
  guint16 phnum;

  g_return_val_if_fail (data != NULL || len == 0, NULL);

  if (len > BOOT0_FIRMWARE_MAX_FILE_SIZE)
    {
      g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_TOO_LARGE,
                   "file is %" G_GSIZE_FORMAT " bytes, more than the %" G_GSIZE_FORMAT " supported",
                   len, BOOT0_FIRMWARE_MAX_FILE_SIZE);
      return NULL;
    }
  if (!elf_check_ident (data, len, error))
    return NULL;
  if (!elf_check_type (read_le16 (data + ELF_OFF_E_TYPE), error))
    return NULL;

  entry = read_le32 (data + ELF_OFF_E_ENTRY);
  phoff = read_le32 (data + ELF_OFF_E_PHOFF);
  phentsize = read_le16 (data + ELF_OFF_E_PHENTSIZE);
  phnum = read_le16 (data + ELF_OFF_E_PHNUM);

  if (phnum == 0)
    {
      g_set_error_literal (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_FILE,
                           "offset 0x2C: no program headers (e_phnum is 0): nothing to load");
      return NULL;
    }
  /* PN_XNUM moves the real count to section 0; no firmware needs that many. */
  if (phnum == ELF_PN_XNUM)
    {
      g_set_error_literal (error, BOOT0_ERROR, BOOT0_ERROR_NOT_SUPPORTED,
                           "offset 0x2C: extended program header count (PN_XNUM) is not "
                           "supported");
      return NULL;
    }
  if (phentsize < ELF_PHDR_SIZE)
    {
      g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_FILE,
                   "offset 0x2A: e_phentsize is %u, expected at least %d", phentsize,
                   ELF_PHDR_SIZE);
      return NULL;
    }
  if ((guint64)phoff + (guint64)phnum * phentsize > len)
    {
      g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_FILE,
                   "offset 0x1C: program header table (offset 0x%X, %u entries of %u bytes) runs "
                   "past the end of the file (%" G_GSIZE_FORMAT " bytes)",
                   phoff, phnum, phentsize, len);
      return NULL;
    }

  /* Collect the loadable data first so overlaps can be reported by program
   * header, sorted, in O(n log n). */
  loads = g_array_new (FALSE, FALSE, sizeof (ElfLoad));
  for (guint i = 0; i < phnum; i++)
    {
      gsize off = (gsize)phoff + (gsize)i * phentsize;
      const guint8 *ph = data + off;
      ElfLoad load;
      guint32 memsz;

      if (read_le32 (ph) != ELF_PT_LOAD)
        continue;
      load.index = i;
      load.offset = read_le32 (ph + 4);
      load.paddr = read_le32 (ph + 12);
      load.filesz = read_le32 (ph + 16);
      memsz = read_le32 (ph + 20);

      /* BSS-only segments have nothing in the file to flash. */
      if (load.filesz == 0)
        continue;
      if (load.filesz > memsz)
        {
          g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_FILE,
                       "offset 0x%" G_GSIZE_MODIFIER "X: program header %u: p_filesz 0x%X is "
                       "larger than p_memsz 0x%X",
                       off, i, load.filesz, memsz);
          return NULL;
        }
      if ((guint64)load.offset + load.filesz > len)
        {
          g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_FILE,
                       "offset 0x%" G_GSIZE_MODIFIER "X: program header %u: data at file offset "
                       "0x%X + 0x%X bytes runs past the end of the file (%" G_GSIZE_FORMAT
                       " bytes)",
                       off, i, load.offset, load.filesz, len);
          return NULL;
        }
      if ((guint64)load.paddr + load.filesz > G_GUINT64_CONSTANT (0x100000000))
        {
          g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_FILE,
                       "offset 0x%" G_GSIZE_MODIFIER "X: program header %u: load address "
                       "0x%08X + 0x%X bytes passes the 4 GiB limit",
                       off, i, load.paddr, load.filesz);
          return NULL;
        }
      g_array_append_val (loads, load);
    }

  if (loads->len == 0)
    {
      g_set_error_literal (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_FILE,
                           "no loadable data: no PT_LOAD program header has file contents");
      return NULL;
    }

  g_array_sort (loads, elf_load_compare);
  for (guint i = 1; i < loads->len; i++)
    {
      const ElfLoad *a = &g_array_index (loads, ElfLoad, i - 1);
      const ElfLoad *b = &g_array_index (loads, ElfLoad, i);
      guint64 a_end = (guint64)a->paddr + a->filesz;
      if (b->paddr < a_end)
        {
          g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_FILE,
                       "program header %u [0x%08X-0x%08" G_GINT64_MODIFIER "X) overlaps program "
                       "header %u [0x%08X-0x%08" G_GINT64_MODIFIER "X)",
                       b->index, b->paddr, (guint64)b->paddr + b->filesz, a->index, a->paddr,
                       a_end);
          return NULL;
        }
    }

  fw = boot0_firmware_new ();
  for (guint i = 0; i < loads->len; i++)
    {
      const ElfLoad *load = &g_array_index (loads, ElfLoad, i);
      if (!boot0_firmware_add_data (fw, 0, load->paddr, data + load->offset, load->filesz, error))
        {
          g_prefix_error (error, "program header %u: ", load->index);
          return NULL;
        }
    }

  /* System V ABI: e_entry 0 means "no entry point". */
  if (entry != 0)
    boot0_firmware_set_entry_point (fw, entry);
  boot0_firmware_set_format (fw, BOOT0_FIRMWARE_FORMAT_ELF);
  return g_steal_pointer (&fw);
}
