/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests for Boot0UartDevice against a small AN3155 responder on the far
 * side of a pseudo-terminal, in a thread: synchronisation (and the resync
 * trick), identification and the flash-size register, memory access,
 * unaligned writes, erase commands by bootloader version, checksums,
 * noise, read protection. The full emulator (tests/emulator) covers the
 * rest through boot0-cli. */
/* posix_openpt() and friends. */
#define _GNU_SOURCE
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "boot0-test-helpers.h"

#define FLASH_BASE 0x08000000u
#define FLASH_SIZE (128 * 1024)
#define SIZE_REG   0x1FFFF7E0u

typedef struct
{
  int master;
  char *slave;
  GThread *thread;
  gint stop;

  /* Configuration */
  guint8 version; /* 0x22: Erase 0x43; 0x31: Extended Erase 0x44 */
  guint16 pid;
  gboolean synced;   /* starts synchronised already (resync trick) */
  gboolean checksum; /* offers 0xA1 */
  gboolean rdp;
  guint16 flash_kib; /* the flash-size register; 0 = not readable */
  guint8 noise_before_ack_of;
  gboolean swallow_first_get; /* no answer to the first Get */

  /* State, guarded by mutex */
  GMutex mutex;
  guint8 flash[FLASH_SIZE];
  GArray *commands; /* guint8 opcodes received */
  GArray *erased;   /* guint page numbers */
  gboolean mass_erased;
  guint32 go_address;
  guint n_writes;
  guint n_syncs;
  GArray *write_addrs; /* guint32 */
} Bl;

static gboolean
bl_get (Bl *bl, guint8 *buf, gsize len)
{
  gsize done = 0;
  while (done < len)
    {
      struct pollfd pfd = { .fd = bl->master, .events = POLLIN };
      ssize_t n;
      if (g_atomic_int_get (&bl->stop))
        return FALSE;
      if (poll (&pfd, 1, 10) <= 0)
        continue;
      n = read (bl->master, buf + done, len - done);
      if (n > 0)
        done += (gsize)n;
      else
        g_usleep (2000); /* the slave is closed for now (EIO) */
    }
  return TRUE;
}

static void
bl_put (Bl *bl, const guint8 *data, gsize len)
{
  g_assert_cmpint (write (bl->master, data, len), ==, (gssize)len);
}

static void
bl_ack (Bl *bl, guint8 opcode)
{
  guint8 ack = 0x79;
  if (bl->noise_before_ack_of == opcode)
    {
      guint8 noise = 0x55;
      bl_put (bl, &noise, 1);
    }
  bl_put (bl, &ack, 1);
}

static void
bl_nack (Bl *bl)
{
  guint8 nack = 0x1F;
  bl_put (bl, &nack, 1);
}

static gboolean
bl_get_address (Bl *bl, guint32 *address)
{
  guint8 a[5];
  if (!bl_get (bl, a, 5))
    return FALSE;
  g_assert_cmphex (a[0] ^ a[1] ^ a[2] ^ a[3], ==, a[4]);
  *address = (guint32)a[0] << 24 | (guint32)a[1] << 16 | (guint32)a[2] << 8 | a[3];
  return TRUE;
}

static gboolean
in_flash (guint32 address, gsize len)
{
  return address >= FLASH_BASE && (guint64)address + len <= FLASH_BASE + (guint64)FLASH_SIZE;
}

static void
serve_command (Bl *bl, guint8 cmd)
{
  static const guint8 cmds_v22[] = { 0x00, 0x01, 0x02, 0x11, 0x21, 0x31,
                                     0x43, 0x63, 0x73, 0x82, 0x92 };
  static const guint8 cmds_v31[] = { 0x00, 0x01, 0x02, 0x11, 0x21, 0x31,
                                     0x44, 0x63, 0x73, 0x82, 0x92, 0xA1 };
  guint32 address = 0;
  guint8 buf[260];

  switch (cmd)
    {
      case 0x00:
        {
          gsize n =
              bl->version >= 0x30 ? sizeof cmds_v31 - (bl->checksum ? 0 : 1) : sizeof cmds_v22;
          guint8 head[2] = { (guint8)n, bl->version };
          if (bl->swallow_first_get)
            {
              bl->swallow_first_get = FALSE;
              return;
            }
          bl_ack (bl, cmd);
          bl_put (bl, head, 2);
          bl_put (bl, bl->version >= 0x30 ? cmds_v31 : cmds_v22, n);
          bl_ack (bl, cmd);
          return;
        }
      case 0x01:
        {
          guint8 answer[3] = { bl->version, 0x00, 0x00 };
          bl_ack (bl, cmd);
          bl_put (bl, answer, 3);
          bl_ack (bl, cmd);
          return;
        }
      case 0x02:
        {
          guint8 answer[3] = { 1, (guint8)(bl->pid >> 8), (guint8)bl->pid };
          bl_ack (bl, cmd);
          bl_put (bl, answer, 3);
          bl_ack (bl, cmd);
          return;
        }
      case 0x11:
        {
          guint8 len[2];
          gsize n;
          if (bl->rdp)
            {
              bl_nack (bl);
              return;
            }
          bl_ack (bl, cmd);
          if (!bl_get_address (bl, &address))
            return;
          if (!in_flash (address, 1) && !(address == SIZE_REG && bl->flash_kib != 0))
            {
              bl_nack (bl);
              return;
            }
          bl_ack (bl, cmd);
          if (!bl_get (bl, len, 2))
            return;
          g_assert_cmphex (len[0] ^ len[1], ==, 0xFF);
          n = (gsize)len[0] + 1;
          bl_ack (bl, cmd);
          if (address == SIZE_REG)
            {
              guint8 kib[2] = { (guint8)bl->flash_kib, (guint8)(bl->flash_kib >> 8) };
              bl_put (bl, kib, MIN (n, 2));
              return;
            }
          g_mutex_lock (&bl->mutex);
          memcpy (buf, bl->flash + (address - FLASH_BASE), n);
          g_mutex_unlock (&bl->mutex);
          bl_put (bl, buf, n);
          return;
        }
      case 0x31:
        {
          guint8 x;
          gsize n;
          if (bl->rdp)
            {
              bl_nack (bl);
              return;
            }
          bl_ack (bl, cmd);
          if (!bl_get_address (bl, &address))
            return;
          g_assert_cmpuint (address % 4, ==, 0);
          bl_ack (bl, cmd);
          if (!bl_get (bl, buf, 1))
            return;
          n = (gsize)buf[0] + 1;
          g_assert_cmpuint (n % 4, ==, 0);
          if (!bl_get (bl, buf + 1, n + 1))
            return;
          x = 0;
          for (gsize i = 0; i < n + 1; i++)
            x ^= buf[i];
          g_assert_cmphex (x, ==, buf[n + 1]);
          g_assert_true (in_flash (address, n));
          g_mutex_lock (&bl->mutex);
          /* Flash programming only clears bits; a word is programmed once. */
          for (gsize i = 0; i < n; i += 4)
            g_assert_true (memcmp (bl->flash + (address - FLASH_BASE) + i, "\xff\xff\xff\xff", 4) ==
                           0);
          memcpy (bl->flash + (address - FLASH_BASE), buf + 1, n);
          bl->n_writes++;
          g_array_append_val (bl->write_addrs, address);
          g_mutex_unlock (&bl->mutex);
          bl_ack (bl, cmd);
          return;
        }
      case 0x43:
      case 0x44:
        {
          gboolean ext = cmd == 0x44;
          guint count;
          guint8 x = 0;
          g_assert_cmpint (ext, ==, bl->version >= 0x30);
          if (bl->rdp)
            {
              bl_nack (bl);
              return;
            }
          bl_ack (bl, cmd);
          if (!bl_get (bl, buf, ext ? 2 : 1))
            return;
          count = ext ? ((guint)buf[0] << 8 | buf[1]) : buf[0];
          if ((ext && count == 0xFFFF) || (!ext && count == 0xFF))
            {
              if (!bl_get (bl, buf + 2, 1))
                return;
              g_mutex_lock (&bl->mutex);
              memset (bl->flash, 0xFF, FLASH_SIZE);
              bl->mass_erased = TRUE;
              g_mutex_unlock (&bl->mutex);
              bl_ack (bl, cmd);
              return;
            }
          count++;
          {
            gsize head = ext ? 2 : 1;
            gsize body = count * (ext ? 2 : 1);
            if (!bl_get (bl, buf + head, body + 1))
              return;
            for (gsize i = 0; i < head + body; i++)
              x ^= buf[i];
            g_assert_cmphex (x, ==, buf[head + body]);
            g_mutex_lock (&bl->mutex);
            for (guint i = 0; i < count; i++)
              {
                guint page =
                    ext ? ((guint)buf[head + 2 * i] << 8 | buf[head + 2 * i + 1]) : buf[head + i];
                g_array_append_val (bl->erased, page);
                memset (bl->flash + page * 1024, 0xFF, 1024);
              }
            g_mutex_unlock (&bl->mutex);
          }
          bl_ack (bl, cmd);
          return;
        }
      case 0x21:
        if (bl->rdp)
          {
            bl_nack (bl);
            return;
          }
        bl_ack (bl, cmd);
        if (!bl_get_address (bl, &address))
          return;
        bl->go_address = address;
        bl_ack (bl, cmd);
        /* The application runs: the ROM listens no more until a reset. */
        bl->synced = FALSE;
        return;
      case 0x92:
        bl_ack (bl, cmd);
        g_mutex_lock (&bl->mutex);
        memset (bl->flash, 0xFF, FLASH_SIZE);
        g_mutex_unlock (&bl->mutex);
        bl->rdp = FALSE;
        bl_ack (bl, cmd);
        bl->synced = FALSE; /* reset: waits for 0x7F again */
        return;
      case 0xA1:
        {
          guint32 len = 0;
          guint32 crc;
          guint8 answer[5];
          if (!bl->checksum)
            {
              bl_nack (bl);
              return;
            }
          bl_ack (bl, cmd);
          if (!bl_get_address (bl, &address))
            return;
          bl_ack (bl, cmd);
          if (!bl_get_address (bl, &len))
            return;
          g_assert_true (in_flash (address, len));
          bl_ack (bl, cmd);
          g_mutex_lock (&bl->mutex);
          crc = boot0_crc32_stm32 (0xFFFFFFFFu, bl->flash + (address - FLASH_BASE), len);
          g_mutex_unlock (&bl->mutex);
          bl_ack (bl, cmd);
          answer[0] = (guint8)(crc >> 24);
          answer[1] = (guint8)(crc >> 16);
          answer[2] = (guint8)(crc >> 8);
          answer[3] = (guint8)crc;
          answer[4] = answer[0] ^ answer[1] ^ answer[2] ^ answer[3];
          bl_put (bl, answer, 5);
          return;
        }
      default:
        bl_nack (bl);
        return;
    }
}

static gpointer
bl_thread_cb (gpointer data)
{
  Bl *bl = data;
  guint8 b[2];

  while (!g_atomic_int_get (&bl->stop))
    {
      if (!bl->synced)
        {
          /* AN3155 §2: autobaud on 0x7F, anything else is lost. */
          if (!bl_get (bl, b, 1))
            break;
          if (b[0] == 0x7F)
            {
              bl->synced = TRUE;
              bl->n_syncs++;
              bl_ack (bl, 0x7F);
            }
          continue;
        }
      if (!bl_get (bl, b, 2))
        break;
      if ((b[0] ^ b[1]) != 0xFF)
        {
          bl_nack (bl);
          continue;
        }
      g_mutex_lock (&bl->mutex);
      g_array_append_val (bl->commands, b[0]);
      g_mutex_unlock (&bl->mutex);
      serve_command (bl, b[0]);
    }
  return NULL;
}

static Bl *
bl_new (guint8 version, guint16 pid)
{
  Bl *bl = g_new0 (Bl, 1);
  bl->master = posix_openpt (O_RDWR | O_NOCTTY);
  g_assert_cmpint (bl->master, >=, 0);
  g_assert_cmpint (grantpt (bl->master), ==, 0);
  g_assert_cmpint (unlockpt (bl->master), ==, 0);
  bl->slave = g_strdup (ptsname (bl->master));
  bl->version = version;
  bl->pid = pid;
  g_mutex_init (&bl->mutex);
  memset (bl->flash, 0xFF, sizeof bl->flash);
  bl->commands = g_array_new (FALSE, FALSE, 1);
  bl->erased = g_array_new (FALSE, FALSE, sizeof (guint));
  bl->write_addrs = g_array_new (FALSE, FALSE, sizeof (guint32));
  return bl;
}

static void
bl_start (Bl *bl)
{
  bl->thread = g_thread_new ("an3155", bl_thread_cb, bl);
}

static void
bl_free (Bl *bl)
{
  g_atomic_int_set (&bl->stop, 1);
  if (bl->thread != NULL)
    g_thread_join (bl->thread);
  close (bl->master);
  g_free (bl->slave);
  g_array_unref (bl->commands);
  g_array_unref (bl->erased);
  g_array_unref (bl->write_addrs);
  g_mutex_clear (&bl->mutex);
  g_free (bl);
}

static guint
count_command (Bl *bl, guint8 opcode)
{
  guint n = 0;
  g_mutex_lock (&bl->mutex);
  for (guint i = 0; i < bl->commands->len; i++)
    n += g_array_index (bl->commands, guint8, i) == opcode;
  g_mutex_unlock (&bl->mutex);
  return n;
}

static Boot0Device *
open_device (Bl *bl, GError **error)
{
  g_autoptr (Boot0ChipDb) db = boot0_chip_db_new_default (NULL);
  g_autoptr (Boot0UartDevice) dev =
      boot0_uart_device_new (bl->slave, 115200, BOOT0_PARITY_NONE, NULL, db);
  if (!boot0_device_open (BOOT0_DEVICE (dev), error))
    return NULL;
  return BOOT0_DEVICE (g_steal_pointer (&dev));
}

/* F103 medium density with a 64 KiB part: v2.2, Erase 0x43, the layout cut
 * to the flash-size register, pages erased one by one with 1-byte numbers. */
static void
test_f103_func (void)
{
  Bl *bl = bl_new (0x22, 0x410);
  g_autoptr (GError) error = NULL;
  g_autoptr (Boot0Device) dev = NULL;
  Boot0DfuseLayout *flash;
  guint8 data[300];
  guint8 back[300];

  bl->flash_kib = 64;
  bl_start (bl);
  dev = open_device (bl, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (boot0_device_get_label (dev), ==, "STM32F101/102/103 medium-density");
  g_assert_cmpstr (boot0_device_get_bootloader_version (dev), ==, "AN3155 v2.2");
  g_assert_cmpint (boot0_device_get_kind (dev), ==, BOOT0_DEVICE_KIND_UART);
  g_assert_cmpint (boot0_device_get_protection (dev), ==, BOOT0_PROTECTION_NONE);
  g_assert_cmpuint (boot0_device_get_transfer_size (dev), ==, 256);
  g_assert_cmphex (boot0_uart_device_get_device_id (BOOT0_UART_DEVICE (dev)), ==, 0x410);
  g_assert_cmphex (boot0_uart_device_get_erase_opcode (BOOT0_UART_DEVICE (dev)), ==, 0x43);
  g_assert_false (boot0_uart_device_has_command (BOOT0_UART_DEVICE (dev), 0xA1));
  flash = boot0_device_get_flash (dev);
  g_assert_nonnull (flash);
  g_assert_cmpuint (boot0_dfuse_layout_get_total_size (flash), ==, 64 * 1024);
  g_assert_cmpuint (boot0_dfuse_layout_get_n_sectors (flash), ==, 64);
  g_assert_cmpuint (bl->n_syncs, ==, 1);

  boot0_test_fill_random (data, sizeof data, 3);
  g_assert_true (boot0_device_erase_sector (dev, FLASH_BASE + 2048, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (bl->erased->len, ==, 1);
  g_assert_cmpuint (g_array_index (bl->erased, guint, 0), ==, 2);
  g_assert_cmpuint (count_command (bl, 0x43), ==, 1);
  g_assert_cmpuint (count_command (bl, 0x44), ==, 0);

  /* 299 bytes: two Write Memory blocks, the last padded with 0xFF. */
  g_assert_true (boot0_device_write (dev, FLASH_BASE + 2048, data, 299, &error));
  g_assert_no_error (error);
  g_assert_true (boot0_device_read (dev, FLASH_BASE + 2048, back, 300, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (back, 299, data, 299);
  g_assert_cmphex (back[299], ==, 0xFF);

  /* Not in this 64 KiB part. */
  g_assert_false (boot0_device_erase_sector (dev, FLASH_BASE + 64 * 1024, &error));
  g_assert_error (error, BOOT0_ERROR, BOOT0_ERROR_DOES_NOT_FIT);
  g_clear_error (&error);

  /* The checksum is not offered: NOT_SUPPORTED, nothing sent. */
  {
    guint32 crc = 0;
    g_assert_true (boot0_device_can_checksum (dev));
    g_assert_false (boot0_device_checksum (dev, FLASH_BASE, 256, &crc, &error));
    g_assert_error (error, BOOT0_ERROR, BOOT0_ERROR_NOT_SUPPORTED);
    g_clear_error (&error);
    g_assert_cmpuint (count_command (bl, 0xA1), ==, 0);
  }

  g_assert_true (boot0_device_mass_erase (dev, &error));
  g_assert_no_error (error);
  g_assert_true (bl->mass_erased);

  g_assert_true (boot0_device_run (dev, FLASH_BASE, &error));
  g_assert_no_error (error);
  g_assert_cmphex (bl->go_address, ==, FLASH_BASE);
  /* After Go the ROM is gone until reset. */
  g_assert_false (boot0_device_read (dev, FLASH_BASE, back, 4, &error));
  boot0_test_assert_error (error, BOOT0_ERROR_INVALID_ARGUMENT, "left the bootloader");
  g_clear_error (&error);
  boot0_device_close (dev);
  bl_free (bl);
}

/* F405: v3.1 with Extended Erase and Get Checksum; the flash-size register
 * unreadable (NACKed address) keeps the database's 1 MiB; writes from an
 * unaligned address in 256-byte pieces never program a word twice. */
static void
test_f405_func (void)
{
  Bl *bl = bl_new (0x31, 0x413);
  g_autoptr (GError) error = NULL;
  g_autoptr (Boot0Device) dev = NULL;
  guint8 data[1000];
  guint8 back[1004];
  guint32 crc = 0;

  bl->checksum = TRUE;
  bl_start (bl);
  dev = open_device (bl, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (boot0_device_get_bootloader_version (dev), ==, "AN3155 v3.1");
  g_assert_cmphex (boot0_uart_device_get_erase_opcode (BOOT0_UART_DEVICE (dev)), ==, 0x44);
  g_assert_cmpuint (boot0_dfuse_layout_get_total_size (boot0_device_get_flash (dev)), ==,
                    1024 * 1024);
  g_assert_cmpint (boot0_device_get_protection (dev), ==, BOOT0_PROTECTION_NONE);

  g_assert_true (boot0_device_erase_sector (dev, FLASH_BASE + 16 * 1024, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_array_index (bl->erased, guint, 0), ==, 1);
  g_assert_cmpuint (count_command (bl, 0x44), ==, 1);

  /* The job's chunks: 256 bytes from an unaligned start, then the rest. */
  boot0_test_fill_random (data, sizeof data, 9);
  for (gsize off = 0; off < sizeof data; off += 256)
    {
      g_assert_true (boot0_device_write (dev, FLASH_BASE + 2 + (guint32)off, data + off,
                                         MIN ((gsize)256, sizeof data - off), &error));
      g_assert_no_error (error);
    }
  g_assert_true (boot0_device_read (dev, FLASH_BASE, back, sizeof back, &error));
  g_assert_no_error (error);
  g_assert_cmphex (back[0], ==, 0xFF);
  g_assert_cmphex (back[1], ==, 0xFF);
  g_assert_cmpmem (back + 2, sizeof data, data, sizeof data);
  g_assert_cmphex (back[1002], ==, 0xFF);

  /* Get Checksum agrees with the STM32 CRC of what was read. */
  g_assert_true (boot0_device_checksum (dev, FLASH_BASE, 1004, &crc, &error));
  g_assert_no_error (error);
  g_assert_cmphex (crc, ==, boot0_crc32_stm32 (0xFFFFFFFFu, back, 1004));
  g_assert_false (boot0_device_checksum (dev, FLASH_BASE + 2, 4, &crc, &error));
  g_assert_error (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  g_assert_true (boot0_device_mass_erase (dev, &error));
  g_assert_no_error (error);
  g_assert_true (bl->mass_erased);
  boot0_device_close (dev);
  bl_free (bl);
}

/* Already synchronised (a previous program left the ROM listening): the
 * first 0x7F goes unanswered, the second is NACKed: in sync. A lost Get
 * answer is recovered by synchronising again. Noise before an ACK is
 * skipped. */
static void
test_resync_func (void)
{
  Bl *bl = bl_new (0x31, 0x413);
  g_autoptr (GError) error = NULL;
  g_autoptr (Boot0Device) dev = NULL;
  guint8 back[16];

  bl->synced = TRUE;
  bl->swallow_first_get = TRUE;
  bl->noise_before_ack_of = 0x11;
  bl_start (bl);
  dev = open_device (bl, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (bl->n_syncs, ==, 0);
  g_assert_cmpuint (count_command (bl, 0x00), ==, 2);
  g_assert_true (boot0_device_read (dev, FLASH_BASE, back, sizeof back, &error));
  g_assert_no_error (error);
  boot0_device_close (dev);
  bl_free (bl);
}

/* Read protection: detected at open; reads are refused with what to do;
 * Readout Unprotect erases, resets and closes; the device opens again. */
static void
test_rdp_func (void)
{
  Bl *bl = bl_new (0x31, 0x413);
  g_autoptr (GError) error = NULL;
  g_autoptr (Boot0Device) dev = NULL;
  guint8 back[4];

  bl->rdp = TRUE;
  bl_start (bl);
  dev = open_device (bl, &error);
  g_assert_no_error (error);
  g_assert_cmpint (boot0_device_get_protection (dev), ==, BOOT0_PROTECTION_READ_PROTECTED);
  g_assert_nonnull (boot0_device_get_flash (dev));
  g_assert_false (boot0_device_read (dev, FLASH_BASE, back, 4, &error));
  boot0_test_assert_error (error, BOOT0_ERROR_READ_PROTECTED, "boot0-cli unprotect read");
  g_clear_error (&error);
  g_assert_false (boot0_device_erase_sector (dev, FLASH_BASE, &error));
  boot0_test_assert_error (error, BOOT0_ERROR_READ_PROTECTED, "read protection is active");
  g_clear_error (&error);

  g_assert_true (boot0_device_read_unprotect (dev, &error));
  g_assert_no_error (error);
  g_assert_false (boot0_device_is_open (dev));
  g_assert_true (boot0_device_open (dev, &error));
  g_assert_no_error (error);
  g_assert_cmpint (boot0_device_get_protection (dev), ==, BOOT0_PROTECTION_NONE);
  g_assert_true (boot0_device_read (dev, FLASH_BASE, back, 4, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (bl->n_syncs, ==, 2);
  boot0_device_close (dev);
  bl_free (bl);
}

/* An ID the database does not know: a device named by its ID with no
 * flash, so nothing can be planned on it. */
static void
test_unknown_id_func (void)
{
  Bl *bl = bl_new (0x31, 0x123);
  g_autoptr (GError) error = NULL;
  g_autoptr (Boot0Device) dev = NULL;

  bl_start (bl);
  dev = open_device (bl, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (boot0_device_get_label (dev), "0x123"));
  g_assert_null (boot0_device_get_chip (dev));
  g_assert_null (boot0_device_get_flash (dev));
  boot0_device_close (dev);
  bl_free (bl);
}

/* Nothing answers: a timeout that says what to check. */
static void
test_silent_func (void)
{
  Bl *bl = bl_new (0x31, 0x413);
  g_autoptr (GError) error = NULL;
  g_autoptr (Boot0Device) dev = NULL;
  gint64 start = g_get_monotonic_time ();

  /* No responder thread: bytes go nowhere. */
  dev = open_device (bl, &error);
  g_assert_null (dev);
  boot0_test_assert_error (error, BOOT0_ERROR_TIMED_OUT, "bootloader mode");
  g_assert_cmpint (g_get_monotonic_time () - start, <, 5 * G_USEC_PER_SEC);
  bl_free (bl);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/boot0/uart-device/f103", test_f103_func);
  g_test_add_func ("/boot0/uart-device/f405", test_f405_func);
  g_test_add_func ("/boot0/uart-device/resync", test_resync_func);
  g_test_add_func ("/boot0/uart-device/rdp", test_rdp_func);
  g_test_add_func ("/boot0/uart-device/unknown-id", test_unknown_id_func);
  g_test_add_func ("/boot0/uart-device/silent", test_silent_func);
  return g_test_run ();
}
