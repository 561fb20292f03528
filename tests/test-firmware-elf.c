/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ELF32 loader: PT_LOAD segments at their load addresses. */
#include "config.h"

#include <string.h>

#include "boot0-firmware-private.h"
#include "boot0-test-helpers.h"

#define PT_LOAD_      1
#define PT_NOTE_      4
#define SHT_PROGBITS_ 1
#define SHT_STRTAB_   3
#define SHT_NOTE_     7
#define SHT_NOBITS_   8
#define SHF_WRITE_    1
#define SHF_ALLOC_    2
#define SHF_EXEC_     4
#define EM_ARM_       40

static void
put_le16 (guint8 *p, guint16 v)
{
  p[0] = v & 0xFF;
  p[1] = v >> 8;
}

static void
put_le32 (guint8 *p, guint32 v)
{
  p[0] = v & 0xFF;
  p[1] = (v >> 8) & 0xFF;
  p[2] = (v >> 16) & 0xFF;
  p[3] = v >> 24;
}

/* One program header and, optionally, the section it holds. */
typedef struct
{
  const char *name; /* section name; NULL: no section */
  guint32 p_type;
  guint32 vaddr;
  guint32 paddr;
  const guint8 *data; /* filesz bytes */
  guint32 filesz;
  guint32 memsz;
  guint32 sh_type;
  guint32 sh_flags;
} TestSeg;

/* Builds a little-endian ELF32 (ARM) file: header, program headers, the
 * segments' data, then section headers when with_sections. */
static GByteArray *
elf_build (const TestSeg *segs, guint n, guint16 e_type, guint32 entry, gboolean with_sections)
{
  GByteArray *b = g_byte_array_new ();
  g_autoptr (GString) shstrtab = g_string_new ("");
  g_autofree guint32 *offsets = g_new0 (guint32, n);
  g_autofree guint32 *names = g_new0 (guint32, n);
  guint8 ehdr[52] = { 0x7F, 'E', 'L', 'F', 1, 1, 1 };
  guint32 shstrtab_off = 0;
  guint32 shstrtab_name = 0;
  guint32 shoff = 0;
  guint n_sections = 0;

  g_byte_array_set_size (b, 52 + 32 * n);
  memset (b->data, 0, b->len);
  for (guint i = 0; i < n; i++)
    {
      while (b->len % 4 != 0)
        g_byte_array_append (b, (const guint8 *)"", 1);
      offsets[i] = b->len;
      if (segs[i].sh_type != SHT_NOBITS_ && segs[i].filesz > 0)
        g_byte_array_append (b, segs[i].data, segs[i].filesz);
    }

  if (with_sections)
    {
      g_string_append_c (shstrtab, '\0');
      for (guint i = 0; i < n; i++)
        {
          if (segs[i].name == NULL)
            continue;
          names[i] = shstrtab->len;
          g_string_append (shstrtab, segs[i].name);
          g_string_append_c (shstrtab, '\0');
        }
      shstrtab_name = shstrtab->len;
      g_string_append (shstrtab, ".shstrtab");
      g_string_append_c (shstrtab, '\0');
      shstrtab_off = b->len;
      g_byte_array_append (b, (const guint8 *)shstrtab->str, shstrtab->len);
      while (b->len % 4 != 0)
        g_byte_array_append (b, (const guint8 *)"", 1);

      /* Section 0 (null), one per named segment, .shstrtab. */
      shoff = b->len;
      {
        guint8 sh[40] = { 0 };
        g_byte_array_append (b, sh, sizeof (sh));
        n_sections++;
      }
      for (guint i = 0; i < n; i++)
        {
          guint8 sh[40] = { 0 };
          if (segs[i].name == NULL)
            continue;
          put_le32 (sh + 0, names[i]);
          put_le32 (sh + 4, segs[i].sh_type);
          put_le32 (sh + 8, segs[i].sh_flags);
          put_le32 (sh + 12, (segs[i].sh_flags & SHF_ALLOC_) ? segs[i].vaddr : 0);
          put_le32 (sh + 16, offsets[i]);
          put_le32 (sh + 20, segs[i].sh_type == SHT_NOBITS_ ? segs[i].memsz : segs[i].filesz);
          put_le32 (sh + 32, 4);
          g_byte_array_append (b, sh, sizeof (sh));
          n_sections++;
        }
      {
        guint8 sh[40] = { 0 };
        put_le32 (sh + 0, shstrtab_name);
        put_le32 (sh + 4, SHT_STRTAB_);
        put_le32 (sh + 16, shstrtab_off);
        put_le32 (sh + 20, shstrtab->len);
        put_le32 (sh + 32, 1);
        g_byte_array_append (b, sh, sizeof (sh));
        n_sections++;
      }
    }

  put_le16 (ehdr + 16, e_type);
  put_le16 (ehdr + 18, EM_ARM_);
  put_le32 (ehdr + 20, 1);
  put_le32 (ehdr + 24, entry);
  put_le32 (ehdr + 28, 52);
  put_le32 (ehdr + 32, shoff);
  put_le16 (ehdr + 40, 52);
  put_le16 (ehdr + 42, 32);
  put_le16 (ehdr + 44, (guint16)n);
  put_le16 (ehdr + 46, with_sections ? 40 : 0);
  put_le16 (ehdr + 48, (guint16)n_sections);
  put_le16 (ehdr + 50, with_sections ? (guint16)(n_sections - 1) : 0);
  memcpy (b->data, ehdr, sizeof (ehdr));

  for (guint i = 0; i < n; i++)
    {
      guint8 *ph = b->data + 52 + 32 * i;
      put_le32 (ph + 0, segs[i].p_type);
      put_le32 (ph + 4, offsets[i]);
      put_le32 (ph + 8, segs[i].vaddr);
      put_le32 (ph + 12, segs[i].paddr);
      put_le32 (ph + 16, segs[i].sh_type == SHT_NOBITS_ ? 0 : segs[i].filesz);
      put_le32 (ph + 20, segs[i].memsz);
      put_le32 (ph + 24, 5);
      put_le32 (ph + 28, 4);
    }
  return b;
}

/* The sample: .text, .data (VMA in RAM, LMA after .text), .rodata far up,
 * .bss (a PT_LOAD with filesz 0) and a non-loaded note. */
static guint8 text[0x100];
static guint8 data_[0x40];
static guint8 rodata[0x24];
static guint8 note[0x18];

static GByteArray *
elf_sample (gboolean with_sections)
{
  const TestSeg segs[] = {
    { ".note.x", PT_NOTE_, 0, 0, note, sizeof (note), sizeof (note), SHT_NOTE_, 0 },
    { ".text", PT_LOAD_, 0x08000000, 0x08000000, text, sizeof (text), sizeof (text), SHT_PROGBITS_,
      SHF_ALLOC_ | SHF_EXEC_ },
    { ".data", PT_LOAD_, 0x20000000, 0x08000100, data_, sizeof (data_), sizeof (data_),
      SHT_PROGBITS_, SHF_ALLOC_ | SHF_WRITE_ },
    { ".bss", PT_LOAD_, 0x20000040, 0x08000140, NULL, 0, 0x200, SHT_NOBITS_,
      SHF_ALLOC_ | SHF_WRITE_ },
    { ".rodata", PT_LOAD_, 0x08010000, 0x08010000, rodata, sizeof (rodata), sizeof (rodata),
      SHT_PROGBITS_, SHF_ALLOC_ },
  };
  boot0_test_fill_random (text, sizeof (text), 1);
  boot0_test_fill_random (data_, sizeof (data_), 2);
  boot0_test_fill_random (rodata, sizeof (rodata), 3);
  boot0_test_fill_random (note, sizeof (note), 4);
  return elf_build (segs, G_N_ELEMENTS (segs), 2, 0x080000C1, with_sections);
}

static Boot0Firmware *
parse_array (GByteArray *b, GError **error)
{
  return boot0_firmware_parse_elf (b->data, b->len, error);
}

static void
assert_elf_error (GByteArray *b, gint code, const char *substr)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (Boot0Firmware) fw = parse_array (b, &error);
  g_assert_null (fw);
  boot0_test_assert_error (error, code, substr);
}

/* Program header i of a file built by elf_build(). */
static guint8 *
phdr (GByteArray *b, guint i)
{
  return b->data + 52 + 32 * i;
}

static void
test_segments_func (void)
{
  g_autoptr (GByteArray) b = elf_sample (TRUE);
  g_autoptr (Boot0Firmware) fw = NULL;
  g_autoptr (GError) error = NULL;
  guint8 merged[0x140];
  guint32 entry = 0;

  fw = parse_array (b, &error);
  g_assert_no_error (error);
  g_assert_nonnull (fw);
  g_assert_cmpint (boot0_firmware_get_format (fw), ==, BOOT0_FIRMWARE_FORMAT_ELF);
  g_assert_false (boot0_firmware_get_relocatable (fw));

  /* .data lands at its LMA right after .text and merges with it; .bss and
   * the note add nothing. */
  memcpy (merged, text, sizeof (text));
  memcpy (merged + sizeof (text), data_, sizeof (data_));
  g_assert_cmpuint (boot0_firmware_get_n_segments (fw), ==, 2);
  boot0_test_assert_segment (fw, 0, 0x08000000, merged, sizeof (merged));
  boot0_test_assert_segment (fw, 1, 0x08010000, rodata, sizeof (rodata));
  g_assert_cmpuint (boot0_firmware_get_total_size (fw), ==, 0x140 + 0x24);

  g_assert_true (boot0_firmware_get_entry_point (fw, &entry));
  g_assert_cmphex (entry, ==, 0x080000C1);

  /* Section headers play no part. */
  {
    g_autoptr (GByteArray) b2 = elf_sample (FALSE);
    g_autoptr (Boot0Firmware) fw2 = parse_array (b2, &error);
    g_assert_no_error (error);
    boot0_test_assert_same_segments (fw, fw2);
  }
}

static void
test_variants_func (void)
{
  g_autoptr (GError) error = NULL;
  guint8 bytes[16];
  guint32 entry = 0;

  boot0_test_fill_random (bytes, sizeof (bytes), 5);

  /* Entry 0 means none (System V ABI). */
  {
    const TestSeg seg = { NULL, PT_LOAD_, 0x08000000,    0x08000000, bytes,
                          16,   16,       SHT_PROGBITS_, SHF_ALLOC_ };
    g_autoptr (GByteArray) b = elf_build (&seg, 1, 2, 0, FALSE);
    g_autoptr (Boot0Firmware) fw = parse_array (b, &error);
    g_assert_no_error (error);
    g_assert_false (boot0_firmware_get_entry_point (fw, &entry));
    boot0_test_assert_segment (fw, 0, 0x08000000, bytes, sizeof (bytes));
  }

  /* ET_DYN is accepted and uses p_paddr the same way. */
  {
    const TestSeg seg = { NULL, PT_LOAD_, 0x1000,        0x08004000, bytes,
                          16,   32,       SHT_PROGBITS_, SHF_ALLOC_ };
    g_autoptr (GByteArray) b = elf_build (&seg, 1, 3, 0x1001, FALSE);
    g_autoptr (Boot0Firmware) fw = parse_array (b, &error);
    g_assert_no_error (error);
    g_assert_true (boot0_firmware_get_entry_point (fw, &entry));
    g_assert_cmphex (entry, ==, 0x1001);
    boot0_test_assert_segment (fw, 0, 0x08004000, bytes, sizeof (bytes));
  }

  /* Larger program header entries: the extra bytes are skipped. The table
   * is moved to the end of the file with 48-byte entries. */
  {
    g_autoptr (GByteArray) b = elf_sample (FALSE);
    g_autoptr (Boot0Firmware) ref = parse_array (b, &error);
    guint32 table = b->len;
    g_autoptr (Boot0Firmware) fw = NULL;
    g_assert_no_error (error);
    for (guint i = 0; i < 5; i++)
      {
        guint8 pad[16];
        memset (pad, 0xEE, sizeof (pad));
        g_byte_array_append (b, phdr (b, i), 32);
        g_byte_array_append (b, pad, sizeof (pad));
      }
    memset (b->data + 52, 0xAA, 32 * 5);
    put_le32 (b->data + 28, table);
    put_le16 (b->data + 42, 48);
    fw = parse_array (b, &error);
    g_assert_no_error (error);
    boot0_test_assert_same_segments (ref, fw);
  }

  /* A segment ending exactly at 4 GiB. */
  {
    const TestSeg seg = { NULL, PT_LOAD_, 0xFFFFFFF0u,   0xFFFFFFF0u, bytes,
                          16,   16,       SHT_PROGBITS_, SHF_ALLOC_ };
    g_autoptr (GByteArray) b = elf_build (&seg, 1, 2, 0, FALSE);
    g_autoptr (Boot0Firmware) fw = parse_array (b, &error);
    g_assert_no_error (error);
    boot0_test_assert_segment (fw, 0, 0xFFFFFFF0u, bytes, sizeof (bytes));
  }
}

static void
test_load_bytes_func (void)
{
  g_autoptr (GByteArray) b = elf_sample (TRUE);
  g_autoptr (GBytes) bytes = g_bytes_new (b->data, b->len);
  g_autoptr (GError) error = NULL;
  g_autoptr (Boot0Firmware) fw = NULL;

  g_assert_cmpint (boot0_firmware_format_sniff (b->data, b->len), ==, BOOT0_FIRMWARE_FORMAT_ELF);
  fw = boot0_firmware_load_bytes (bytes, BOOT0_FIRMWARE_FORMAT_UNKNOWN, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpint (boot0_firmware_get_format (fw), ==, BOOT0_FIRMWARE_FORMAT_ELF);
  g_assert_cmpuint (boot0_firmware_get_n_segments (fw), ==, 2);
}

static guint
hex_byte (const char *p)
{
  return (guint)(g_ascii_xdigit_value (p[0]) * 16 + g_ascii_xdigit_value (p[1]));
}

/* Just enough Intel HEX (types 00, 01, 04, 05) to read objcopy's output
 * independently of Boot0's own parser. */
static Boot0Firmware *
read_objcopy_ihex (const char *text_in)
{
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) lines = g_strsplit (text_in, "\n", -1);
  Boot0Firmware *fw = boot0_firmware_new ();
  guint32 upper = 0;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *l = g_strstrip (lines[i]);
      guint8 rec[260];
      guint n;
      guint sum = 0;

      if (*l == '\0')
        continue;
      g_assert_cmpint (l[0], ==, ':');
      n = hex_byte (l + 1);
      g_assert_cmpuint (strlen (l), ==, 1 + 2 * (n + 5));
      for (guint k = 0; k < n + 5; k++)
        {
          rec[k] = (guint8)hex_byte (l + 1 + 2 * k);
          sum += rec[k];
        }
      g_assert_cmpuint (sum & 0xFF, ==, 0);
      switch (rec[3])
        {
          case 0:
            g_assert_true (boot0_firmware_add_data (fw, 0, upper + (rec[1] << 8 | rec[2]), rec + 4,
                                                    n, &error));
            g_assert_no_error (error);
            break;
          case 4:
            upper = (guint32)(rec[4] << 8 | rec[5]) << 16;
            break;
          case 5:
            boot0_firmware_set_entry_point (fw, (guint32)rec[4] << 24 | rec[5] << 16 | rec[6] << 8 |
                                                    rec[7]);
            break;
          case 1:
            break;
          default:
            g_error ("unexpected record type %u from objcopy", rec[3]);
        }
    }
  return fw;
}

static void
test_objcopy_func (void)
{
  g_autofree char *dir = boot0_test_mkdtemp ();
  g_autoptr (GByteArray) b = elf_sample (TRUE);
  g_autoptr (Boot0Firmware) fw = NULL;
  g_autoptr (Boot0Firmware) from_hex = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) ours = NULL;
  g_autofree char *elf_path = NULL;
  g_autofree char *bin_path = NULL;
  g_autofree char *hex_path = NULL;
  g_autofree char *out = NULL;
  g_autofree char *theirs = NULL;
  g_autofree char *hex = NULL;
  gsize theirs_len = 0;
  guint32 entry = 0;

  fw = parse_array (b, &error);
  g_assert_no_error (error);
  elf_path = boot0_test_write_file (dir, "sample.elf", b->data, b->len);
  bin_path = g_build_filename (dir, "sample.bin", NULL);
  hex_path = g_build_filename (dir, "sample.hex", NULL);

  /* objcopy goes by sections (LMA from the segments); we go by segments. The
   * generic elf32-little target needs no ARM binutils. */
  {
    const char *args[] = { "-I", "elf32-little", "-O", "binary", elf_path, bin_path, NULL };
    out = boot0_test_run_tool ("OBJCOPY", args);
  }
  g_assert_true (g_file_get_contents (bin_path, &theirs, &theirs_len, &error));
  g_assert_no_error (error);
  /* objcopy fills gaps with zeros. */
  ours = boot0_firmware_write_bytes (fw, BOOT0_FIRMWARE_FORMAT_BIN,
                                     BOOT0_FIRMWARE_WRITE_FLAG_FILL_GAPS, 0x00, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (theirs_len, ==, 0x10024);
  g_assert_cmpmem (g_bytes_get_data (ours, NULL), g_bytes_get_size (ours), theirs, theirs_len);

  /* Intel HEX keeps the addresses: compare segment by segment. */
  {
    const char *args[] = { "-I", "elf32-little", "-O", "ihex", elf_path, hex_path, NULL };
    g_free (boot0_test_run_tool ("OBJCOPY", args));
  }
  g_assert_true (g_file_get_contents (hex_path, &hex, NULL, &error));
  g_assert_no_error (error);
  from_hex = read_objcopy_ihex (hex);
  boot0_test_assert_same_segments (fw, from_hex);
  g_assert_true (boot0_firmware_get_entry_point (from_hex, &entry));
  g_assert_cmphex (entry, ==, 0x080000C1);

  boot0_test_rm_rf (dir);
}

static void
test_errors_header_func (void)
{
  g_autoptr (GByteArray) b = NULL;
  g_autoptr (GByteArray) c = g_byte_array_new ();

  assert_elf_error (c, BOOT0_ERROR_INVALID_FILE, "not an ELF file (bad magic)");

  b = elf_sample (FALSE);
  g_byte_array_append (c, b->data, 51);
  assert_elf_error (c, BOOT0_ERROR_INVALID_FILE, "ELF header truncated: file is 51 bytes, need 52");

  b->data[1] = 'e';
  assert_elf_error (b, BOOT0_ERROR_INVALID_FILE, "offset 0x0: not an ELF file");
  b->data[1] = 'E';

  b->data[4] = 2;
  assert_elf_error (b, BOOT0_ERROR_NOT_SUPPORTED, "64-bit ELF is not supported");
  b->data[4] = 0;
  assert_elf_error (b, BOOT0_ERROR_INVALID_FILE, "offset 0x4: invalid ELF class 0");
  b->data[4] = 1;

  b->data[5] = 2;
  assert_elf_error (b, BOOT0_ERROR_NOT_SUPPORTED, "big-endian ELF is not supported");
  b->data[5] = 7;
  assert_elf_error (b, BOOT0_ERROR_INVALID_FILE, "offset 0x5: invalid ELF data encoding 7");
  b->data[5] = 1;

  b->data[6] = 0;
  assert_elf_error (b, BOOT0_ERROR_INVALID_FILE, "offset 0x6: invalid ELF version 0");
  b->data[6] = 1;

  put_le16 (b->data + 16, 1);
  assert_elf_error (b, BOOT0_ERROR_INVALID_FILE, "relocatable object (ET_REL), link it first");
  put_le16 (b->data + 16, 4);
  assert_elf_error (b, BOOT0_ERROR_NOT_SUPPORTED, "core dump");
  put_le16 (b->data + 16, 0);
  assert_elf_error (b, BOOT0_ERROR_INVALID_FILE, "ELF type 0 is not an executable");
  put_le16 (b->data + 16, 2);
}

static void
test_errors_phdrs_func (void)
{
  g_autoptr (GByteArray) b = elf_sample (FALSE);
  g_autofree char *msg = NULL;

  put_le16 (b->data + 44, 0);
  assert_elf_error (b, BOOT0_ERROR_INVALID_FILE, "no program headers (e_phnum is 0)");
  put_le16 (b->data + 44, 0xFFFF);
  assert_elf_error (b, BOOT0_ERROR_NOT_SUPPORTED, "PN_XNUM");
  put_le16 (b->data + 44, 5);

  put_le16 (b->data + 42, 31);
  assert_elf_error (b, BOOT0_ERROR_INVALID_FILE, "e_phentsize is 31, expected at least 32");
  put_le16 (b->data + 42, 32);

  /* Table past the end, including a wrapping offset. */
  put_le32 (b->data + 28, b->len - 32 * 5 + 1);
  msg = g_strdup_printf ("program header table (offset 0x%X, 5 entries of 32 bytes) runs past "
                         "the end of the file (%u bytes)",
                         b->len - 32 * 5 + 1, b->len);
  assert_elf_error (b, BOOT0_ERROR_INVALID_FILE, msg);
  put_le32 (b->data + 28, 0xFFFFFFF0u);
  assert_elf_error (b, BOOT0_ERROR_INVALID_FILE, "program header table (offset 0xFFFFFFF0");
  put_le32 (b->data + 28, 52);

  /* Huge entries push the table past the end too. */
  put_le16 (b->data + 42, 0xFFFF);
  assert_elf_error (b, BOOT0_ERROR_INVALID_FILE, "runs past the end of the file");
}

static void
test_errors_loads_func (void)
{
  g_autoptr (GByteArray) b = elf_sample (FALSE);

  /* Program header 1 is .text: 0x100 bytes at 0x08000000. */
  put_le32 (phdr (b, 1) + 20, 0xFF);
  assert_elf_error (b, BOOT0_ERROR_INVALID_FILE,
                    "offset 0x54: program header 1: p_filesz 0x100 is larger than p_memsz 0xFF");
  put_le32 (phdr (b, 1) + 20, 0x100);

  put_le32 (phdr (b, 1) + 4, b->len - 0xFF);
  assert_elf_error (b, BOOT0_ERROR_INVALID_FILE,
                    "offset 0x54: program header 1: data at file "
                    "offset");
  assert_elf_error (b, BOOT0_ERROR_INVALID_FILE, "+ 0x100 bytes runs past the end of the file");
  put_le32 (phdr (b, 1) + 4, 0xFFFFFFFFu);
  assert_elf_error (b, BOOT0_ERROR_INVALID_FILE, "0xFFFFFFFF + 0x100 bytes runs past");
  put_le32 (phdr (b, 1) + 4, 52 + 32 * 5 + 0x18);

  put_le32 (phdr (b, 1) + 12, 0xFFFFFF01u);
  assert_elf_error (b, BOOT0_ERROR_INVALID_FILE,
                    "program header 1: load address 0xFFFFFF01 + 0x100 bytes passes the 4 GiB");
  put_le32 (phdr (b, 1) + 12, 0x08000000);

  /* Overlap: .data's LMA moved into .text. */
  put_le32 (phdr (b, 2) + 12, 0x080000F0);
  assert_elf_error (b, BOOT0_ERROR_INVALID_FILE,
                    "program header 2 [0x080000F0-0x08000130) overlaps program header 1 "
                    "[0x08000000-0x08000100)");
  /* Same start: reported in program header order. */
  put_le32 (phdr (b, 2) + 12, 0x08000000);
  assert_elf_error (b, BOOT0_ERROR_INVALID_FILE,
                    "program header 2 [0x08000000-0x08000040) overlaps program header 1");
  put_le32 (phdr (b, 2) + 12, 0x08000100);

  /* Only BSS and notes: nothing to flash. */
  for (guint i = 1; i < 5; i++)
    if (i != 3)
      put_le32 (phdr (b, i) + 0, 6);
  assert_elf_error (b, BOOT0_ERROR_INVALID_FILE, "no loadable data");
}

static void
test_caps_func (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (Boot0Firmware) fw = NULL;
  const guint n_big = 65;
  const guint n_small = BOOT0_FIRMWARE_MAX_SEGMENTS + 1;
  g_autofree TestSeg *segs = NULL;
  g_autofree guint8 *mib = g_malloc0 (1024 * 1024);
  guint8 byte = 0x42;

  /* 65 program headers sharing 1 MiB of file data: 65 MiB of image. */
  segs = g_new0 (TestSeg, n_big);
  for (guint i = 0; i < n_big; i++)
    segs[i] = (TestSeg){ NULL,
                         PT_LOAD_,
                         0x10000000 + i * 0x200000,
                         0x10000000 + i * 0x200000,
                         i == 0 ? mib : NULL,
                         i == 0 ? 1024 * 1024 : 0,
                         1024 * 1024,
                         SHT_PROGBITS_,
                         SHF_ALLOC_ };
  {
    g_autoptr (GByteArray) b = elf_build (segs, n_big, 2, 0, FALSE);
    for (guint i = 1; i < n_big; i++)
      {
        put_le32 (phdr (b, i) + 4, 52 + 32 * n_big);
        put_le32 (phdr (b, i) + 16, 1024 * 1024);
      }
    fw = parse_array (b, &error);
    g_assert_null (fw);
    boot0_test_assert_error (error, BOOT0_ERROR_TOO_LARGE, "program header 64: ");
    g_clear_error (&error);
  }
  g_clear_pointer (&segs, g_free);

  /* More separate segments than the cap, one byte each. */
  segs = g_new0 (TestSeg, n_small);
  for (guint i = 0; i < n_small; i++)
    segs[i] = (TestSeg){ NULL, PT_LOAD_, i * 2, i * 2, &byte, 1, 1, SHT_PROGBITS_, SHF_ALLOC_ };
  {
    g_autoptr (GByteArray) b = elf_build (segs, n_small, 2, 0, FALSE);
    fw = parse_array (b, &error);
    g_assert_null (fw);
    boot0_test_assert_error (error, BOOT0_ERROR_TOO_LARGE, "separate segments");
    g_clear_error (&error);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/boot0/firmware-elf/segments", test_segments_func);
  g_test_add_func ("/boot0/firmware-elf/variants", test_variants_func);
  g_test_add_func ("/boot0/firmware-elf/load-bytes", test_load_bytes_func);
  g_test_add_func ("/boot0/firmware-elf/objcopy", test_objcopy_func);
  g_test_add_func ("/boot0/firmware-elf/errors-header", test_errors_header_func);
  g_test_add_func ("/boot0/firmware-elf/errors-phdrs", test_errors_phdrs_func);
  g_test_add_func ("/boot0/firmware-elf/errors-loads", test_errors_loads_func);
  g_test_add_func ("/boot0/firmware-elf/caps", test_caps_func);

  return g_test_run ();
}
