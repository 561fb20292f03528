/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Unit tests of the emulated AN3155 bootloader model (no pty: bytes go
 * straight in, the clock is a variable). */
#include "config.h"

#include <string.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "emu-an3155.h"

#define ACK   EMU_AN3155_ACK
#define NACK  EMU_AN3155_NACK
#define US    1000
#define MS    1000000
#define FLASH 0x08000000u

typedef struct
{
  EmuAn3155 *dev;
  gint64 now;
  GByteArray *in; /* received, not yet consumed */
} Host;

static Host *
host_new_full (const char *profile, gboolean timing, gboolean checksum, const char *const *faults,
               const char *flash_path)
{
  g_autoptr (GError) error = NULL;
  Host *h = g_new0 (Host, 1);
  EmuAn3155Options options = {
    .timing = timing, .time_scale = 1.0, .checksum = checksum, .boot0_high = TRUE
  };
  EmuAn3155Faults f;

  emu_an3155_faults_init (&f);
  for (guint i = 0; faults != NULL && faults[i] != NULL; i++)
    {
      emu_an3155_faults_parse (&f, faults[i], &error);
      g_assert_no_error (error);
    }
  h->dev = emu_an3155_new (emu_an3155_profile_lookup (profile), flash_path, &options, &f, &error);
  emu_an3155_faults_clear (&f);
  g_assert_no_error (error);
  g_assert_nonnull (h->dev);
  h->in = g_byte_array_new ();
  return h;
}

static Host *
host_new (const char *profile)
{
  return host_new_full (profile, FALSE, FALSE, NULL, NULL);
}

static void
host_free (Host *h)
{
  emu_an3155_free (h->dev);
  g_byte_array_unref (h->in);
  g_free (h);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Host, host_free)

static void
send (Host *h, const guint8 *data, gsize len)
{
  emu_an3155_host_write (h->dev, data, len, h->now);
}

static void
send1 (Host *h, guint8 b)
{
  send (h, &b, 1);
}

/* Moves the clock event by event until n bytes came back or nothing is
 * pending; returns how many are there. */
static guint
wait_bytes (Host *h, guint n)
{
  while (h->in->len < n)
    {
      gint64 t = emu_an3155_next_event (h->dev);
      if (t == G_MAXINT64)
        break;
      h->now = MAX (h->now, t);
      emu_an3155_advance (h->dev, h->now, h->in);
    }
  return h->in->len;
}

/* Runs everything pending (e.g. a reset after the last ACK). */
static void
settle (Host *h)
{
  for (;;)
    {
      gint64 t = emu_an3155_next_event (h->dev);
      if (t == G_MAXINT64)
        break;
      h->now = MAX (h->now, t);
      emu_an3155_advance (h->dev, h->now, h->in);
    }
}

static guint8
recv1 (Host *h)
{
  guint8 b;
  g_assert_cmpuint (wait_bytes (h, 1), >=, 1);
  b = h->in->data[0];
  g_byte_array_remove_range (h->in, 0, 1);
  return b;
}

static void
recv_n (Host *h, guint8 *buf, guint n)
{
  g_assert_cmpuint (wait_bytes (h, n), >=, n);
  memcpy (buf, h->in->data, n);
  g_byte_array_remove_range (h->in, 0, n);
}

static void
assert_silent (Host *h)
{
  settle (h);
  g_assert_cmpuint (h->in->len, ==, 0);
}

static void
sync_ok (Host *h)
{
  send1 (h, 0x7F);
  g_assert_cmphex (recv1 (h), ==, ACK);
}

static guint8
command (Host *h, guint8 op)
{
  guint8 b[2] = { op, (guint8)~op };
  send (h, b, 2);
  return recv1 (h);
}

static guint8
address (Host *h, guint32 a)
{
  guint8 b[5] = { a >> 24, (a >> 16) & 0xFF, (a >> 8) & 0xFF, a & 0xFF, 0 };
  b[4] = b[0] ^ b[1] ^ b[2] ^ b[3];
  send (h, b, 5);
  return recv1 (h);
}

static gboolean
read_memory (Host *h, guint32 a, guint8 *buf, guint n)
{
  guint8 len[2] = { (guint8)(n - 1), (guint8) ~(n - 1) };

  if (command (h, 0x11) != ACK || address (h, a) != ACK)
    return FALSE;
  send (h, len, 2);
  if (recv1 (h) != ACK)
    return FALSE;
  recv_n (h, buf, n);
  return TRUE;
}

/* Returns the final reply: ACK or NACK (or a NACK from an earlier step). */
static guint8
write_memory (Host *h, guint32 a, const guint8 *data, guint n)
{
  guint8 frame[258];
  guint8 r;

  if ((r = command (h, 0x31)) != ACK || (r = address (h, a)) != ACK)
    return r;
  frame[0] = (guint8)(n - 1);
  memcpy (frame + 1, data, n);
  frame[n + 1] = frame[0];
  for (guint i = 0; i < n; i++)
    frame[n + 1] ^= data[i];
  send (h, frame, n + 2);
  return recv1 (h);
}

static guint8
erase_pages (Host *h, const guint8 *pages, guint n)
{
  guint8 frame[258];
  guint8 r;

  if ((r = command (h, 0x43)) != ACK)
    return r;
  frame[0] = (guint8)(n - 1);
  memcpy (frame + 1, pages, n);
  frame[n + 1] = 0;
  for (guint i = 0; i <= n; i++)
    frame[n + 1] ^= frame[i];
  send (h, frame, n + 2);
  return recv1 (h);
}

static guint8
extended_erase (Host *h, const guint16 *pages, guint n)
{
  guint8 frame[64];
  guint len = 0;
  guint8 r;

  if ((r = command (h, 0x44)) != ACK)
    return r;
  frame[len++] = (guint8)((n - 1) >> 8);
  frame[len++] = (guint8)(n - 1);
  for (guint i = 0; i < n; i++)
    {
      frame[len++] = pages[i] >> 8;
      frame[len++] = pages[i] & 0xFF;
    }
  frame[len] = 0;
  for (guint i = 0; i < len; i++)
    frame[len] ^= frame[i];
  send (h, frame, len + 1);
  return recv1 (h);
}

static guint8
special_erase (Host *h, guint16 code)
{
  guint8 frame[3] = { code >> 8, code & 0xFF, (guint8)((code >> 8) ^ (code & 0xFF)) };
  guint8 r;

  if ((r = command (h, 0x44)) != ACK)
    return r;
  send (h, frame, 3);
  return recv1 (h);
}

static void
fill (guint8 *buf, guint n, guint seed)
{
  for (guint i = 0; i < n; i++)
    buf[i] = (guint8)(i * 7 + seed * 13 + 1);
}

static void
get_func (void)
{
  const guint8 f103[] = { 0x00, 0x01, 0x02, 0x11, 0x21, 0x31, 0x43, 0x63, 0x73, 0x82, 0x92 };
  const guint8 f405[] = { 0x00, 0x01, 0x02, 0x11, 0x21, 0x31, 0x44, 0x63, 0x73, 0x82, 0x92, 0xA1 };
  guint8 buf[32];

  {
    g_autoptr (Host) h = host_new ("f103");
    sync_ok (h);
    g_assert_cmphex (command (h, 0x00), ==, ACK);
    recv_n (h, buf, 2 + sizeof (f103) + 1);
    g_assert_cmpuint (buf[0], ==, sizeof (f103));
    g_assert_cmphex (buf[1], ==, 0x22);
    g_assert_cmpmem (buf + 2, sizeof (f103), f103, sizeof (f103));
    g_assert_cmphex (buf[2 + sizeof (f103)], ==, ACK);
    g_assert_cmphex (command (h, 0x01), ==, ACK);
    recv_n (h, buf, 4);
    g_assert_cmphex (buf[0], ==, 0x22);
    g_assert_cmphex (buf[1], ==, 0x00);
    g_assert_cmphex (buf[2], ==, 0x00);
    g_assert_cmphex (buf[3], ==, ACK);
    g_assert_cmphex (command (h, 0x02), ==, ACK);
    recv_n (h, buf, 4);
    g_assert_cmphex (buf[0], ==, 0x01);
    g_assert_cmphex (buf[1] << 8 | buf[2], ==, 0x410);
    g_assert_cmphex (buf[3], ==, ACK);
    /* not on a v2.2 bootloader */
    g_assert_cmphex (command (h, 0x44), ==, NACK);
    g_assert_cmphex (command (h, 0xA1), ==, NACK);
    /* a bad complement */
    send1 (h, 0x00);
    send1 (h, 0x00);
    g_assert_cmphex (recv1 (h), ==, NACK);
  }
  {
    g_autoptr (Host) h = host_new_full ("f405", FALSE, TRUE, NULL, NULL);
    sync_ok (h);
    g_assert_cmphex (command (h, 0x00), ==, ACK);
    recv_n (h, buf, 2 + sizeof (f405) + 1);
    g_assert_cmpuint (buf[0], ==, sizeof (f405));
    g_assert_cmphex (buf[1], ==, 0x31);
    g_assert_cmpmem (buf + 2, sizeof (f405), f405, sizeof (f405));
    g_assert_cmphex (command (h, 0x02), ==, ACK);
    recv_n (h, buf, 4);
    g_assert_cmphex (buf[1] << 8 | buf[2], ==, 0x413);
    g_assert_cmphex (command (h, 0x43), ==, NACK);
  }
}

static void
sync_func (void)
{
  g_autoptr (Host) h = host_new ("f405");
  const EmuAn3155Stats *s = emu_an3155_get_stats (h->dev);

  /* noise before the sync is ignored */
  send1 (h, 0x00);
  send1 (h, 0x55);
  assert_silent (h);
  sync_ok (h);
  /* a second 0x7F is an opcode: no answer until the next byte (stm32flash's resync) */
  send1 (h, 0x7F);
  assert_silent (h);
  send1 (h, 0x7F);
  g_assert_cmphex (recv1 (h), ==, NACK);
  g_assert_cmphex (command (h, 0x02), ==, ACK);
  g_assert_cmpuint (s->syncs, ==, 1);
  g_assert_cmpuint (s->dropped, ==, 2);
}

static void
registers_func (void)
{
  guint8 buf[16];

  {
    g_autoptr (Host) h = host_new ("f103");
    sync_ok (h);
    g_assert_true (read_memory (h, 0x1FFFF7E0, buf, 2));
    g_assert_cmpuint (buf[0] | buf[1] << 8, ==, 128);
    g_assert_true (read_memory (h, 0x1FFFF800, buf, 16));
    g_assert_cmphex (buf[0], ==, 0xA5);
    g_assert_cmphex (buf[1], ==, 0x5A);
    /* nothing at 0x40000000; a read past the end of an area */
    g_assert_cmphex (command (h, 0x11), ==, ACK);
    g_assert_cmphex (address (h, 0x40000000), ==, NACK);
    g_assert_cmphex (command (h, 0x11), ==, ACK);
    g_assert_cmphex (address (h, 0x0801FF80), ==, ACK);
    send (h, (const guint8[]){ 0xFF, 0x00 }, 2);
    g_assert_cmphex (recv1 (h), ==, NACK);
  }
  {
    g_autoptr (Host) h = host_new ("f405");
    sync_ok (h);
    g_assert_true (read_memory (h, 0x1FFF7A22, buf, 2));
    g_assert_cmpuint (buf[0] | buf[1] << 8, ==, 1024);
    g_assert_true (read_memory (h, 0x1FFF7A10, buf, 12));
    g_assert_cmphex (buf[0], ==, 0x33);
    g_assert_true (read_memory (h, 0x1FFFC000, buf, 16));
    g_assert_cmphex (buf[1], ==, 0xAA);
  }
}

static void
write_read_func (void)
{
  g_autofree char *dir = g_dir_make_tmp ("emu-uart-model-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "flash.bin", NULL);
  guint8 data[256];
  guint8 back[256];

  g_assert_nonnull (dir);
  fill (data, sizeof (data), 1);
  {
    g_autoptr (Host) h = host_new_full ("f103", FALSE, FALSE, NULL, path);
    sync_ok (h);
    g_assert_cmphex (write_memory (h, FLASH + 0x400, data, 256), ==, ACK);
    g_assert_true (read_memory (h, FLASH + 0x400, back, 256));
    g_assert_cmpmem (back, 256, data, 256);
    /* RAM above the bootloader's part, then Go there is not a reset stub */
    g_assert_cmphex (write_memory (h, 0x20000200, data, 16), ==, ACK);
    g_assert_cmphex (write_memory (h, 0x20000000, data, 16), ==, NACK);
    /* system memory is ROM */
    g_assert_cmphex (write_memory (h, 0x1FFFF000, data, 16), ==, NACK);
    /* not 4-aligned, not a multiple of 4 */
    g_assert_cmphex (command (h, 0x31), ==, ACK);
    g_assert_cmphex (address (h, FLASH + 2), ==, NACK);
    g_assert_cmphex (write_memory (h, FLASH + 0x800, data, 6), ==, NACK);
    /* a bad checksum */
    {
      guint8 frame[6] = { 3, 1, 2, 3, 4, 0x55 };
      g_assert_cmphex (command (h, 0x31), ==, ACK);
      g_assert_cmphex (address (h, FLASH + 0x800), ==, ACK);
      send (h, frame, 6);
      g_assert_cmphex (recv1 (h), ==, NACK);
    }
    g_assert_cmpuint (emu_an3155_get_stats (h->dev)->bytes_programmed, ==, 256);
  }
  /* the flash is the file */
  {
    g_autofree char *contents = NULL;
    gsize len = 0;
    g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
    g_assert_cmpuint (len, ==, 128 * 1024);
    g_assert_cmpmem (contents + 0x400, 256, data, 256);
    g_assert_cmphex ((guint8)contents[0], ==, 0xFF);
  }
  g_unlink (path);
  g_rmdir (dir);
}

static void
nor_func (void)
{
  guint8 a[16];
  guint8 b[16];
  guint8 back[16];

  memset (a, 0xF0, sizeof (a));
  memset (b, 0x0F, sizeof (b));
  {
    /* F1: PGERR, the half-word is refused untouched */
    g_autoptr (Host) h = host_new ("f103");
    sync_ok (h);
    g_assert_cmphex (write_memory (h, FLASH, a, 16), ==, ACK);
    g_assert_cmphex (write_memory (h, FLASH, b, 16), ==, NACK);
    g_assert_true (read_memory (h, FLASH, back, 16));
    g_assert_cmpmem (back, 16, a, 16);
  }
  {
    /* F4: the bits are ANDed in and the read-back fails */
    g_autoptr (Host) h = host_new ("f405");
    sync_ok (h);
    g_assert_cmphex (write_memory (h, FLASH, a, 16), ==, ACK);
    g_assert_cmphex (write_memory (h, FLASH, b, 16), ==, NACK);
    g_assert_true (read_memory (h, FLASH, back, 4));
    g_assert_cmphex (back[0], ==, 0x00);
  }
}

static void
erase_func (void)
{
  guint8 data[16];
  guint8 back[16];

  fill (data, 16, 3);
  {
    g_autoptr (Host) h = host_new ("f103");
    const guint8 pages[] = { 1, 2 };
    const EmuAn3155Stats *s = emu_an3155_get_stats (h->dev);
    sync_ok (h);
    g_assert_cmphex (write_memory (h, FLASH + 0x400, data, 16), ==, ACK);
    g_assert_cmphex (write_memory (h, FLASH + 0xC00, data, 16), ==, ACK);
    g_assert_cmphex (erase_pages (h, pages, 2), ==, ACK);
    g_assert_true (read_memory (h, FLASH + 0x400, back, 16));
    g_assert_cmphex (back[0], ==, 0xFF);
    g_assert_true (read_memory (h, FLASH + 0xC00, back, 16));
    g_assert_cmpmem (back, 16, data, 16);
    g_assert_cmpuint (s->sectors_erased, ==, 2);
    g_assert_cmpint (s->erase_opcode, ==, 0x43);
    /* no page 200 on a 128-page part */
    {
      const guint8 bad[] = { 200 };
      g_assert_cmphex (erase_pages (h, bad, 1), ==, NACK);
    }
    /* global erase: 0xFF 0x00 */
    g_assert_cmphex (command (h, 0x43), ==, ACK);
    send1 (h, 0xFF);
    send1 (h, 0x00);
    g_assert_cmphex (recv1 (h), ==, ACK);
    g_assert_true (read_memory (h, FLASH + 0xC00, back, 16));
    g_assert_cmphex (back[0], ==, 0xFF);
    g_assert_cmpuint (s->mass_erases, ==, 1);
  }
  {
    g_autoptr (Host) h = host_new ("f405");
    const guint16 sectors[] = { 0, 5 };
    const EmuAn3155Stats *s = emu_an3155_get_stats (h->dev);
    sync_ok (h);
    g_assert_cmphex (write_memory (h, FLASH, data, 16), ==, ACK);
    g_assert_cmphex (write_memory (h, FLASH + 0x4000, data, 16), ==, ACK);
    g_assert_cmphex (extended_erase (h, sectors, 2), ==, ACK);
    g_assert_true (read_memory (h, FLASH, back, 16));
    g_assert_cmphex (back[0], ==, 0xFF);
    g_assert_true (read_memory (h, FLASH + 0x4000, back, 16));
    g_assert_cmpmem (back, 16, data, 16);
    g_assert_cmpint (s->erase_opcode, ==, 0x44);
    /* 250 ms + 1000 ms, modelled also without timing */
    g_assert_cmpfloat_with_epsilon (s->erase_ns / 1e6, 1250.0, 0.001);
    {
      const guint16 bad[] = { 12 };
      g_assert_cmphex (extended_erase (h, bad, 1), ==, NACK);
    }
    g_assert_cmphex (special_erase (h, 0xFFFE), ==, NACK); /* no banks */
    g_assert_cmphex (special_erase (h, 0xFFF0), ==, NACK); /* reserved */
    g_assert_cmphex (special_erase (h, 0xFFFF), ==, ACK);
    g_assert_true (read_memory (h, FLASH + 0x4000, back, 16));
    g_assert_cmphex (back[0], ==, 0xFF);
  }
}

static void
timing_func (void)
{
  g_autoptr (Host) h = host_new_full ("f103", TRUE, FALSE, NULL, NULL);
  const gint64 byte_ns = 11 * G_GINT64_CONSTANT (1000000000) / 115200;
  const EmuAn3155Stats *s = emu_an3155_get_stats (h->dev);
  guint8 data[256];
  guint8 frame[258];
  gint64 t0;

  emu_an3155_set_line (h->dev, 115200, 11);
  /* sync: the 0x7F arrives after one byte time, the ACK one later */
  t0 = h->now;
  send1 (h, 0x7F);
  g_assert_cmphex (recv1 (h), ==, ACK);
  g_assert_cmpint (h->now - t0, ==, 2 * byte_ns);
  /* Get: 2 bytes in, 15 out */
  t0 = h->now;
  g_assert_cmphex (command (h, 0x00), ==, ACK);
  wait_bytes (h, 14);
  g_assert_cmpint (h->now - t0, ==, (2 + 15) * byte_ns);
  g_byte_array_set_size (h->in, 0);
  /* Write Memory: the ACK comes after 128 half-words x 52.5 us */
  fill (data, 256, 5);
  g_assert_cmphex (command (h, 0x31), ==, ACK);
  g_assert_cmphex (address (h, FLASH), ==, ACK);
  frame[0] = 255;
  memcpy (frame + 1, data, 256);
  frame[257] = 255;
  for (guint i = 0; i < 256; i++)
    frame[257] ^= data[i];
  t0 = h->now;
  send (h, frame, 258);
  g_assert_cmphex (recv1 (h), ==, ACK);
  g_assert_cmpint (h->now - t0, ==, 258 * byte_ns + 128 * 52500 + byte_ns);
  g_assert_cmpfloat_with_epsilon (s->program_ns, 128 * 52500.0, 0.5);
  /* page erase: 20 ms */
  {
    const guint8 page[] = { 0 };
    t0 = h->now;
    g_assert_cmphex (erase_pages (h, page, 1), ==, ACK);
    g_assert_cmpint (h->now - t0, >=, 20 * MS);
    g_assert_cmpint (h->now - t0, <, 21 * MS);
  }
  /* at another baud, after a re-sync only */
  emu_an3155_set_line (h->dev, 57600, 10);
  g_assert_cmphex (command (h, 0x02), !=, ACK);
  g_assert_cmpuint (s->baud_mismatches, >, 0);
  g_assert_cmpfloat (emu_an3155_device_min_ms (h->dev), >, 26.0);
}

static void
overrun_func (void)
{
  g_autoptr (Host) h = host_new_full ("f405", TRUE, FALSE, NULL, NULL);
  guint8 frame[5] = { 0x00, 0x00, 0x00, 0x01, 0x00 }; /* one sector: 1 (16 KiB) */
  const EmuAn3155Stats *s = emu_an3155_get_stats (h->dev);
  gint64 t0;

  emu_an3155_set_line (h->dev, 115200, 11);
  sync_ok (h);
  g_assert_cmphex (command (h, 0x44), ==, ACK);
  frame[4] = frame[0] ^ frame[1] ^ frame[2] ^ frame[3];
  t0 = h->now;
  send (h, frame, 5);
  /* while the 250 ms erase runs, a host that does not wait sends Get
   * twice: one byte waits in RDR, the other three overrun */
  h->now += 10 * MS;
  send (h, (const guint8[]){ 0x00, 0xFF, 0x00, 0xFF }, 4);
  g_assert_cmphex (recv1 (h), ==, ACK);
  g_assert_cmpint (h->now - t0, >=, 250 * MS);
  g_assert_cmpuint (s->overruns, ==, 3);
}

static void
rdp_func (void)
{
  const char *faults[] = { "rdp", NULL };
  g_autoptr (Host) h = host_new_full ("f103", FALSE, FALSE, faults, NULL);
  const EmuAn3155Stats *s = emu_an3155_get_stats (h->dev);
  guint8 buf[16];

  g_assert_true (emu_an3155_rdp_active (h->dev));
  sync_ok (h);
  g_assert_cmphex (command (h, 0x11), ==, NACK);
  g_assert_cmphex (command (h, 0x31), ==, NACK);
  g_assert_cmphex (command (h, 0x21), ==, NACK);
  g_assert_cmphex (command (h, 0x43), ==, NACK);
  g_assert_cmphex (command (h, 0x01), ==, ACK);
  recv_n (h, buf, 4);
  g_assert_cmphex (command (h, 0x02), ==, ACK);
  recv_n (h, buf, 4);
  /* Readout Unprotect: ACK, mass erase, ACK, reset */
  g_assert_cmphex (command (h, 0x92), ==, ACK);
  g_assert_cmphex (recv1 (h), ==, ACK);
  settle (h);
  g_assert_cmpuint (s->resets, ==, 1);
  g_assert_cmpuint (s->mass_erases, ==, 1);
  g_assert_false (emu_an3155_rdp_active (h->dev));
  g_assert_cmpint (emu_an3155_get_mode (h->dev), ==, EMU_AN3155_WAIT_SYNC);
  sync_ok (h);
  g_assert_true (read_memory (h, FLASH, buf, 16));
  /* Readout Protect: ACK, ACK, reset */
  g_assert_cmphex (command (h, 0x82), ==, ACK);
  g_assert_cmphex (recv1 (h), ==, ACK);
  settle (h);
  g_assert_true (emu_an3155_rdp_active (h->dev));
  sync_ok (h);
  g_assert_cmphex (command (h, 0x11), ==, NACK);
}

static void
option_bytes_func (void)
{
  g_autoptr (Host) h = host_new ("f103");
  guint8 ob[16];

  sync_ok (h);
  g_assert_true (read_memory (h, 0x1FFFF800, ob, 16));
  /* RDP byte not 0xA5: level 1 after the reset that follows the write */
  ob[0] = 0x00;
  ob[1] = 0xFF;
  g_assert_cmphex (write_memory (h, 0x1FFFF800, ob, 16), ==, ACK);
  settle (h);
  g_assert_cmpuint (emu_an3155_get_stats (h->dev)->resets, ==, 1);
  g_assert_true (emu_an3155_rdp_active (h->dev));
  sync_ok (h);
  g_assert_cmphex (command (h, 0x11), ==, NACK);
}

static void
write_protect_func (void)
{
  g_autoptr (Host) h = host_new ("f405");
  guint8 data[16];
  guint8 frame[4] = { 0, 1, 0 };
  guint8 ob[16];

  fill (data, 16, 9);
  sync_ok (h);
  /* Write Protect sector 1: ACK, ACK, reset */
  g_assert_cmphex (command (h, 0x63), ==, ACK);
  frame[2] = frame[0] ^ frame[1];
  send (h, frame, 3);
  g_assert_cmphex (recv1 (h), ==, ACK);
  settle (h);
  g_assert_cmphex (emu_an3155_wrp_mask (h->dev), ==, 0x2);
  sync_ok (h);
  g_assert_true (read_memory (h, 0x1FFFC008, ob, 2));
  g_assert_cmphex (ob[0], ==, 0xFD);
  g_assert_cmphex (write_memory (h, FLASH + 0x4000, data, 16), ==, NACK);
  g_assert_cmphex (write_memory (h, FLASH, data, 16), ==, ACK);
  {
    const guint16 sector[] = { 1 };
    g_assert_cmphex (extended_erase (h, sector, 1), ==, NACK);
  }
  /* Write Unprotect: ACK, ACK, reset */
  g_assert_cmphex (command (h, 0x73), ==, ACK);
  g_assert_cmphex (recv1 (h), ==, ACK);
  settle (h);
  g_assert_cmphex (emu_an3155_wrp_mask (h->dev), ==, 0);
  sync_ok (h);
  g_assert_cmphex (write_memory (h, FLASH + 0x4000, data, 16), ==, ACK);
}

static void
go_func (void)
{
  /* stm32flash's reset stub: ldr r1,[pc,#4]; ldr r2,[pc,#8]; str r2,[r1]; b .;
   * AIRCR address; VECTKEY|SYSRESETREQ */
  const guint8 stub[24] = {
    0x00, 0x20, 0x00, 0x20, 0x09, 0x02, 0x00, 0x20, 0x01, 0x49, 0x02, 0x4A,
    0x0A, 0x60, 0xFE, 0xE7, 0x0C, 0xED, 0x00, 0xE0, 0x04, 0x00, 0xFA, 0x05
  };
  g_autoptr (Host) h = host_new ("f103");
  const EmuAn3155Stats *s = emu_an3155_get_stats (h->dev);

  sync_ok (h);
  g_assert_cmphex (write_memory (h, 0x20000200, stub, 24), ==, ACK);
  g_assert_cmphex (command (h, 0x21), ==, ACK);
  g_assert_cmphex (address (h, 0x20000200), ==, ACK);
  settle (h);
  g_assert_cmpuint (s->resets, ==, 1);
  g_assert_false (s->app_started);
  sync_ok (h);
  /* Go outside flash/RAM */
  g_assert_cmphex (command (h, 0x21), ==, ACK);
  g_assert_cmphex (address (h, 0x1FFFF000), ==, NACK);
  /* Go to the flash: the application runs and ignores input */
  g_assert_cmphex (command (h, 0x21), ==, ACK);
  g_assert_cmphex (address (h, FLASH), ==, ACK);
  g_assert_true (s->app_started);
  g_assert_cmphex (s->app_address, ==, FLASH);
  g_assert_cmpint (emu_an3155_get_mode (h->dev), ==, EMU_AN3155_APP);
  send1 (h, 0x7F);
  assert_silent (h);
}

static void
pins_func (void)
{
  g_autoptr (GError) error = NULL;
  EmuAn3155Options options = { .timing = TRUE, .time_scale = 1.0, .boot0_high = FALSE };
  g_autoptr (EmuAn3155) dev =
      emu_an3155_new (emu_an3155_profile_lookup ("f405"), NULL, &options, NULL, &error);
  Host h = { dev, 0, g_byte_array_new () };

  g_assert_no_error (error);
  g_assert_cmpint (emu_an3155_get_mode (dev), ==, EMU_AN3155_APP);
  send1 (&h, 0x7F);
  assert_silent (&h);
  /* reset with BOOT0 high: the bootloader after the start-up time */
  emu_an3155_set_pins (dev, TRUE, TRUE, h.now);
  g_assert_cmpint (emu_an3155_get_mode (dev), ==, EMU_AN3155_OFF);
  h.now += 100 * MS;
  emu_an3155_set_pins (dev, FALSE, TRUE, h.now);
  send1 (&h, 0x7F); /* too early: still starting */
  assert_silent (&h);
  g_assert_cmpint (emu_an3155_get_mode (dev), ==, EMU_AN3155_WAIT_SYNC);
  sync_ok (&h);
  /* reset with BOOT0 low: the application */
  emu_an3155_set_pins (dev, TRUE, FALSE, h.now);
  h.now += 100 * MS;
  emu_an3155_set_pins (dev, FALSE, FALSE, h.now);
  settle (&h);
  g_assert_cmpint (emu_an3155_get_mode (dev), ==, EMU_AN3155_APP);
  g_assert_cmpuint (emu_an3155_get_stats (dev)->resets, ==, 2);
  g_byte_array_unref (h.in);
}

static void
faults_func (void)
{
  guint8 buf[16];

  {
    const char *faults[] = { "nack=11:2", "silence=0x02", "garbage=01", NULL };
    g_autoptr (Host) h = host_new_full ("f405", FALSE, FALSE, faults, NULL);
    sync_ok (h);
    g_assert_true (read_memory (h, FLASH, buf, 4));
    g_assert_cmphex (command (h, 0x11), ==, NACK);
    g_assert_true (read_memory (h, FLASH, buf, 4));
    send (h, (const guint8[]){ 0x02, 0xFD }, 2);
    assert_silent (h);
    g_assert_cmphex (command (h, 0x02), ==, ACK);
    recv_n (h, buf, 4);
    g_assert_cmphex (command (h, 0x01), ==, EMU_AN3155_GARBAGE_BYTE);
    g_assert_cmphex (recv1 (h), ==, ACK);
    recv_n (h, buf, 4);
  }
  {
    const char *faults[] = { "nack=7f", NULL };
    g_autoptr (Host) h = host_new_full ("f405", FALSE, FALSE, faults, NULL);
    send1 (h, 0x7F);
    g_assert_cmphex (recv1 (h), ==, NACK);
    g_assert_cmphex (command (h, 0x02), ==, ACK);
  }
  {
    const char *faults[] = { "bitflip=0x08000102", NULL };
    g_autoptr (Host) h = host_new_full ("f405", FALSE, FALSE, faults, NULL);
    guint8 data[16];
    memset (data, 0x00, sizeof (data));
    sync_ok (h);
    g_assert_cmphex (write_memory (h, FLASH + 0x100, data, 16), ==, ACK);
    g_assert_true (read_memory (h, FLASH + 0x100, buf, 16));
    g_assert_cmphex (buf[2], ==, 0x01);
    g_assert_cmphex (buf[3], ==, 0x00);
  }
  {
    const char *faults[] = { "unplug=3", NULL };
    g_autoptr (Host) h = host_new_full ("f405", FALSE, FALSE, faults, NULL);
    g_assert_true (emu_an3155_host_write (h->dev, (const guint8[]){ 0x7F, 0x00 }, 2, 0));
    g_assert_false (emu_an3155_host_write (h->dev, (const guint8[]){ 0xFF, 0x00 }, 2, 0));
  }
  {
    EmuAn3155Faults f;
    g_autoptr (GError) error = NULL;
    emu_an3155_faults_init (&f);
    g_assert_false (emu_an3155_faults_parse (&f, "nack=100", &error));
    g_assert_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE);
    g_clear_error (&error);
    g_assert_false (emu_an3155_faults_parse (&f, "silence=11:0", &error));
    g_clear_error (&error);
    g_assert_false (emu_an3155_faults_parse (&f, "frobnicate", &error));
    emu_an3155_faults_clear (&f);
  }
}

static void
checksum_func (void)
{
  g_autoptr (Host) h = host_new_full ("f405", FALSE, TRUE, NULL, NULL);
  const guint8 word[4] = { 0x78, 0x56, 0x34, 0x12 };
  guint8 len[5] = { 0, 0, 0, 4, 4 };
  guint8 reply[5];
  guint32 crc;

  /* the STM32 CRC unit's known answer for the word 0x12345678 */
  g_assert_cmphex (emu_an3155_crc (0xFFFFFFFF, word, 4), ==, 0xDF8A8A2B);
  sync_ok (h);
  g_assert_cmphex (write_memory (h, FLASH, word, 4), ==, ACK);
  g_assert_cmphex (command (h, 0xA1), ==, ACK);
  g_assert_cmphex (address (h, FLASH), ==, ACK);
  send (h, len, 5);
  g_assert_cmphex (recv1 (h), ==, ACK);
  g_assert_cmphex (recv1 (h), ==, ACK);
  recv_n (h, reply, 5);
  crc = (guint32)reply[0] << 24 | reply[1] << 16 | reply[2] << 8 | reply[3];
  g_assert_cmphex (crc, ==, 0xDF8A8A2B);
  g_assert_cmphex (reply[4], ==, reply[0] ^ reply[1] ^ reply[2] ^ reply[3]);
  /* a length that is not a multiple of 4 */
  g_assert_cmphex (command (h, 0xA1), ==, ACK);
  g_assert_cmphex (address (h, FLASH), ==, ACK);
  send (h, (const guint8[]){ 0, 0, 0, 3, 3 }, 5);
  g_assert_cmphex (recv1 (h), ==, NACK);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/boot0/emulator-uart/get", get_func);
  g_test_add_func ("/boot0/emulator-uart/sync", sync_func);
  g_test_add_func ("/boot0/emulator-uart/registers", registers_func);
  g_test_add_func ("/boot0/emulator-uart/write-read", write_read_func);
  g_test_add_func ("/boot0/emulator-uart/nor", nor_func);
  g_test_add_func ("/boot0/emulator-uart/erase", erase_func);
  g_test_add_func ("/boot0/emulator-uart/timing", timing_func);
  g_test_add_func ("/boot0/emulator-uart/overrun", overrun_func);
  g_test_add_func ("/boot0/emulator-uart/rdp", rdp_func);
  g_test_add_func ("/boot0/emulator-uart/option-bytes", option_bytes_func);
  g_test_add_func ("/boot0/emulator-uart/write-protect", write_protect_func);
  g_test_add_func ("/boot0/emulator-uart/go", go_func);
  g_test_add_func ("/boot0/emulator-uart/pins", pins_func);
  g_test_add_func ("/boot0/emulator-uart/faults", faults_func);
  g_test_add_func ("/boot0/emulator-uart/checksum", checksum_func);
  return g_test_run ();
}
