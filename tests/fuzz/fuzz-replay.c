/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Runs a fuzz target over files or directories of seeds, for builds without
 * libFuzzer: it proves the targets build and the seeds go through cleanly. */
#include "config.h"

#include <glib.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static guint
replay_path (const char *path)
{
  g_autoptr (GError) error = NULL;
  guint n = 0;

  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_autoptr (GDir) dir = g_dir_open (path, 0, &error);
      const char *name;
      g_assert_no_error (error);
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);
          n += replay_path (child);
        }
    }
  else
    {
      g_autofree char *contents = NULL;
      gsize len = 0;
      g_file_get_contents (path, &contents, &len, &error);
      g_assert_no_error (error);
      LLVMFuzzerTestOneInput ((const uint8_t *)contents, len);
      n++;
    }
  return n;
}

int
main (int argc, char **argv)
{
  guint n = 0;
  for (int i = 1; i < argc; i++)
    n += replay_path (argv[i]);
  if (n == 0)
    {
      g_printerr ("no seed files given\n");
      return 1;
    }
  g_print ("replayed %u seed(s)\n", n);
  return 0;
}
