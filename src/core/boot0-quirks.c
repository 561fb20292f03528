/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Bootloader quirks, read from the quirk file compiled in as a resource. */
#include "config.h"

#include <gio/gio.h>

#include "boot0-core-resources.h"
#include "boot0-error.h"
#include "boot0-quirks.h"

#define QUIRKS_RESOURCE "/io/github/boot0/core/quirks.ini"

/* Reads the keys of one group over what is already in quirks. */
static gboolean
apply_group (Boot0Quirks *quirks, GKeyFile *kf, const char *group, GError **error)
{
  static const struct
  {
    const char *key;
    gsize offset;
    gboolean is_bool;
  } keys[] = {
    { "early-poll", G_STRUCT_OFFSET (Boot0Quirks, early_poll), TRUE },
    { "erase-timeout-ms", G_STRUCT_OFFSET (Boot0Quirks, erase_timeout_ms), FALSE },
    { "mass-erase-timeout-ms", G_STRUCT_OFFSET (Boot0Quirks, mass_erase_timeout_ms), FALSE },
    { "write-timeout-ms", G_STRUCT_OFFSET (Boot0Quirks, write_timeout_ms), FALSE },
    { "busy-stalls-getstatus", G_STRUCT_OFFSET (Boot0Quirks, busy_stalls_getstatus), TRUE },
    { "leave-no-answer", G_STRUCT_OFFSET (Boot0Quirks, leave_no_answer), TRUE },
    { "device-feature-erasable", G_STRUCT_OFFSET (Boot0Quirks, device_feature_erasable), TRUE },
    { "min-poll-ms", G_STRUCT_OFFSET (Boot0Quirks, min_poll_ms), FALSE },
  };
  g_auto (GStrv) present = NULL;

  if (!g_key_file_has_group (kf, group))
    return TRUE;
  present = g_key_file_get_keys (kf, group, NULL, NULL);
  for (guint i = 0; present != NULL && present[i] != NULL; i++)
    {
      gboolean known = FALSE;
      for (guint k = 0; k < G_N_ELEMENTS (keys); k++)
        known |= g_strcmp0 (present[i], keys[k].key) == 0;
      if (!known)
        {
          g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_FILE,
                       "quirks: [%s]: unknown key '%s'", group, present[i]);
          return FALSE;
        }
    }
  for (guint k = 0; k < G_N_ELEMENTS (keys); k++)
    {
      g_autoptr (GError) local_error = NULL;
      gpointer field = G_STRUCT_MEMBER_P (quirks, keys[k].offset);

      if (!g_key_file_has_key (kf, group, keys[k].key, NULL))
        continue;
      if (keys[k].is_bool)
        {
          gboolean v = g_key_file_get_boolean (kf, group, keys[k].key, &local_error);
          if (local_error == NULL)
            *(gboolean *)field = v;
        }
      else
        {
          guint64 v = g_key_file_get_uint64 (kf, group, keys[k].key, &local_error);
          if (local_error == NULL && v > G_MAXUINT)
            g_set_error_literal (&local_error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                                 "value too large");
          if (local_error == NULL)
            *(guint *)field = (guint)v;
        }
      if (local_error != NULL)
        {
          g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_FILE, "quirks: [%s] %s: %s", group,
                       keys[k].key, local_error->message);
          return FALSE;
        }
    }
  return TRUE;
}

gboolean
boot0_quirks_lookup_in_data (Boot0Quirks *quirks, const char *data, gsize len, guint16 vid,
                             guint16 pid, guint16 bcd_device, GError **error)
{
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_autofree char *by_ids = g_strdup_printf ("%04x:%04x", vid, pid);
  g_autofree char *by_bcd = g_strdup_printf ("%04x:%04x:%04x", vid, pid, bcd_device);

  *quirks = (Boot0Quirks){ 0 };
  if (!g_key_file_load_from_data (kf, data, len, G_KEY_FILE_NONE, error))
    {
      g_prefix_error (error, "quirks: ");
      return FALSE;
    }
  return apply_group (quirks, kf, "defaults", error) && apply_group (quirks, kf, by_ids, error) &&
         apply_group (quirks, kf, by_bcd, error);
}

void
boot0_quirks_lookup (Boot0Quirks *quirks, guint16 vid, guint16 pid, guint16 bcd_device)
{
  g_autoptr (GBytes) bytes = g_resource_lookup_data (boot0_core_get_resource (), QUIRKS_RESOURCE,
                                                     G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
  gsize len = 0;
  const char *data;

  /* The file is part of the build and checked by the tests, so a failure
   * here is a build error; fall back to the safe defaults all the same. */
  if (bytes == NULL)
    {
      *quirks = (Boot0Quirks){ .erase_timeout_ms = 10000,
                               .mass_erase_timeout_ms = 35000,
                               .write_timeout_ms = 5000 };
      return;
    }
  data = g_bytes_get_data (bytes, &len);
  if (!boot0_quirks_lookup_in_data (quirks, data, len, vid, pid, bcd_device, NULL))
    *quirks = (Boot0Quirks){ .erase_timeout_ms = 10000,
                             .mass_erase_timeout_ms = 35000,
                             .write_timeout_ms = 5000 };
}
