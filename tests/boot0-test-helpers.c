/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Small helpers shared by the test binaries. */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/wait.h>

#include "boot0-test-helpers.h"

char *
boot0_test_mkdtemp (void)
{
  g_autoptr (GError) error = NULL;
  char *dir = g_dir_make_tmp ("boot0-test-XXXXXX", &error);
  g_assert_no_error (error);
  return dir;
}

void
boot0_test_rm_rf (const char *path)
{
  g_autoptr (GDir) dir = NULL;
  const char *name;

  if (!g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_unlink (path);
      return;
    }
  dir = g_dir_open (path, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      boot0_test_rm_rf (child);
    }
  g_rmdir (path);
}

char *
boot0_test_write_file (const char *dir, const char *name, const guint8 *data, gsize len)
{
  g_autoptr (GError) error = NULL;
  char *path = g_build_filename (dir, name, NULL);
  g_file_set_contents (path, (const char *)data, (gssize)len, &error);
  g_assert_no_error (error);
  return path;
}

int
boot0_test_run_tool_status (const char *env_var, const char *const *args, char **out, char **err)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  const char *tool = g_getenv (env_var);
  int status = -1;

  if (tool == NULL || *tool == '\0')
    g_error ("%s is not set: run the tests through `meson test`", env_var);
  g_ptr_array_add (argv, (gpointer)tool);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer)args[i]);
  g_ptr_array_add (argv, NULL);

  g_spawn_sync (NULL, (char **)argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, out, err, &status,
                &error);
  g_assert_no_error (error);
  if (WIFEXITED (status))
    return WEXITSTATUS (status);
  return -1;
}

char *
boot0_test_run_tool (const char *env_var, const char *const *args)
{
  g_autofree char *err = NULL;
  char *out = NULL;
  int rc = boot0_test_run_tool_status (env_var, args, &out, &err);
  if (rc != 0)
    g_error ("%s %s failed (%d): %s", g_getenv (env_var), args[0], rc, err);
  return out;
}

void
boot0_test_fill_random (guint8 *buf, gsize len, guint32 seed)
{
  guint32 x = seed != 0 ? seed : 0x12345678u;
  for (gsize i = 0; i < len; i++)
    {
      x ^= x << 13;
      x ^= x >> 17;
      x ^= x << 5;
      buf[i] = (guint8)(x >> 24);
    }
}

void
boot0_test_assert_same_segments (Boot0Firmware *a, Boot0Firmware *b)
{
  g_assert_cmpuint (boot0_firmware_get_n_segments (a), ==, boot0_firmware_get_n_segments (b));
  for (guint i = 0; i < boot0_firmware_get_n_segments (a); i++)
    {
      const Boot0Segment *sa = boot0_firmware_get_segment (a, i);
      const Boot0Segment *sb = boot0_firmware_get_segment (b, i);
      g_assert_cmphex (boot0_segment_get_address (sa), ==, boot0_segment_get_address (sb));
      g_assert_cmpmem (boot0_segment_get_data (sa), boot0_segment_get_size (sa),
                       boot0_segment_get_data (sb), boot0_segment_get_size (sb));
    }
}

void
boot0_test_assert_segment (Boot0Firmware *fw, guint idx, guint32 address, const guint8 *data,
                           gsize len)
{
  const Boot0Segment *segment;
  g_assert_cmpuint (idx, <, boot0_firmware_get_n_segments (fw));
  segment = boot0_firmware_get_segment (fw, idx);
  g_assert_cmphex (boot0_segment_get_address (segment), ==, address);
  g_assert_cmpuint (boot0_segment_get_alt_setting (segment), ==, 0);
  g_assert_cmpmem (boot0_segment_get_data (segment), boot0_segment_get_size (segment), data, len);
}

void
boot0_test_assert_entry (Boot0Firmware *fw, guint32 expected)
{
  guint32 entry = 0;
  g_assert_true (boot0_firmware_get_entry_point (fw, &entry));
  g_assert_cmphex (entry, ==, expected);
}

Boot0Firmware *
boot0_test_make_image (const Boot0TestRegion *regions, guint n_regions, guint32 seed)
{
  Boot0Firmware *fw = boot0_firmware_new ();
  for (guint i = 0; i < n_regions; i++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree guint8 *buf = g_malloc (regions[i].size);
      boot0_test_fill_random (buf, regions[i].size, seed + i);
      boot0_firmware_add_data (fw, 0, regions[i].address, buf, regions[i].size, &error);
      g_assert_no_error (error);
    }
  return fw;
}

guint8 *
boot0_test_flatten (Boot0Firmware *fw, guint8 fill, gsize *len)
{
  guint32 start = 0;
  guint64 end = 0;
  guint8 *buf;

  g_assert_true (boot0_firmware_get_span (fw, &start, &end));
  *len = (gsize)(end - start);
  buf = g_malloc (*len);
  memset (buf, fill, *len);
  for (guint i = 0; i < boot0_firmware_get_n_segments (fw); i++)
    {
      const Boot0Segment *s = boot0_firmware_get_segment (fw, i);
      memcpy (buf + (boot0_segment_get_address (s) - start), boot0_segment_get_data (s),
              boot0_segment_get_size (s));
    }
  return buf;
}

void
boot0_test_assert_file_contents (const char *path, const guint8 *expected, gsize expected_len)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize len = 0;
  g_file_get_contents (path, &contents, &len, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (contents, len, expected, expected_len);
}
