/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The chip database: chips.ini loaded, validated and searched. */
#include "config.h"

#include <stdarg.h>
#include <string.h>

#include "boot0-chip-db.h"
#include "boot0-core-resources.h"
#include "boot0-error.h"

#define CHIPS_RESOURCE "/io/github/boot0/core/chips.ini"

struct _Boot0Chip
{
  gatomicrefcount ref_count;
  char *id;
  char *name;
  guint16 device_id;
  guint32 flash_size;
  Boot0DfuseLayout *flash_layout;
  gboolean has_system_memory;
  guint32 system_memory_start;
  guint32 system_memory_last;
  gboolean has_option_bytes;
  guint32 option_bytes;
  gboolean usb_dfu;
  gboolean has_flash_size_register;
  guint32 flash_size_register;
  GStrv usart_pins;          /* never NULL */
  GArray *usb_bcd_devices;   /* guint16; empty = any */
  char *usb_product;         /* NULL = any */
  GPtrArray *usb_flash_alts; /* Boot0DfuseLayout; empty = flash_layout */
  GPtrArray *usb_ob_alts;    /* Boot0DfuseLayout; empty = check the base only */
};

struct _Boot0ChipDb
{
  GObject parent_instance;
  GPtrArray *chips; /* Boot0Chip, in file order */
};

G_DEFINE_BOXED_TYPE (Boot0Chip, boot0_chip, boot0_chip_ref, boot0_chip_unref)
G_DEFINE_FINAL_TYPE (Boot0ChipDb, boot0_chip_db, G_TYPE_OBJECT)

static const char *const known_keys[] = {
  "name",
  "device-id",
  "flash-size",
  "flash-layout",
  "usb-dfu",
  "system-memory",
  "option-bytes",
  "usart-pins",
  "usb-bcd-device",
  "usb-product",
  "usb-flash-alt",
  "usb-option-bytes-alt",
  "flash-size-register",
  NULL,
};

static Boot0Chip *
chip_new (const char *id)
{
  Boot0Chip *self = g_new0 (Boot0Chip, 1);
  g_atomic_ref_count_init (&self->ref_count);
  self->id = g_strdup (id);
  self->usb_bcd_devices = g_array_new (FALSE, FALSE, sizeof (guint16));
  self->usb_flash_alts = g_ptr_array_new_with_free_func ((GDestroyNotify)boot0_dfuse_layout_unref);
  self->usb_ob_alts = g_ptr_array_new_with_free_func ((GDestroyNotify)boot0_dfuse_layout_unref);
  return self;
}

Boot0Chip *
boot0_chip_ref (Boot0Chip *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
boot0_chip_unref (Boot0Chip *self)
{
  g_return_if_fail (self != NULL);
  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;
  g_free (self->id);
  g_free (self->name);
  g_clear_pointer (&self->flash_layout, boot0_dfuse_layout_unref);
  g_strfreev (self->usart_pins);
  g_array_unref (self->usb_bcd_devices);
  g_free (self->usb_product);
  g_ptr_array_unref (self->usb_flash_alts);
  g_ptr_array_unref (self->usb_ob_alts);
  g_free (self);
}

const char *
boot0_chip_get_id (const Boot0Chip *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->id;
}

const char *
boot0_chip_get_name (const Boot0Chip *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->name;
}

guint16
boot0_chip_get_device_id (const Boot0Chip *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->device_id;
}

guint32
boot0_chip_get_flash_size (const Boot0Chip *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->flash_size;
}

Boot0DfuseLayout *
boot0_chip_get_flash_layout (const Boot0Chip *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->flash_layout;
}

gboolean
boot0_chip_get_system_memory (const Boot0Chip *self, guint32 *start, guint32 *last)
{
  g_return_val_if_fail (self != NULL, FALSE);
  if (!self->has_system_memory)
    return FALSE;
  if (start != NULL)
    *start = self->system_memory_start;
  if (last != NULL)
    *last = self->system_memory_last;
  return TRUE;
}

gboolean
boot0_chip_get_option_bytes (const Boot0Chip *self, guint32 *address)
{
  g_return_val_if_fail (self != NULL, FALSE);
  if (!self->has_option_bytes)
    return FALSE;
  if (address != NULL)
    *address = self->option_bytes;
  return TRUE;
}

gboolean
boot0_chip_get_flash_size_register (const Boot0Chip *self, guint32 *address)
{
  g_return_val_if_fail (self != NULL, FALSE);
  if (!self->has_flash_size_register)
    return FALSE;
  if (address != NULL)
    *address = self->flash_size_register;
  return TRUE;
}

gboolean
boot0_chip_has_usb_dfu (const Boot0Chip *self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return self->usb_dfu;
}

const char *const *
boot0_chip_get_usart_pins (const Boot0Chip *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return (const char *const *)self->usart_pins;
}

/* Loading ---------------------------------------------------------------- */

static void set_key_error (GError **error, const char *group, const char *key, const char *format,
                           ...) G_GNUC_PRINTF (4, 5);

/* "group [STM32F405], key device-id: ..." */
static void
set_key_error (GError **error, const char *group, const char *key, const char *format, ...)
{
  va_list args;
  g_autofree char *msg = NULL;

  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);
  if (key != NULL)
    g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_FILE, "group [%s], key %s: %s", group, key,
                 msg);
  else
    g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_FILE, "group [%s]: %s", group, msg);
}

/* Decimal, or hexadecimal with a 0x prefix. */
static gboolean
parse_number (const char *str, guint64 max, guint64 *value)
{
  guint base = 10;
  if (str[0] == '0' && (str[1] == 'x' || str[1] == 'X'))
    {
      str += 2;
      base = 16;
    }
  return g_ascii_string_to_unsigned (str, base, 0, max, value, NULL);
}

/* *value is NULL when an optional key is absent. */
static gboolean
get_string (GKeyFile *kf, const char *group, const char *key, gboolean required, char **value,
            GError **error)
{
  g_autoptr (GError) local_error = NULL;

  *value = NULL;
  if (!g_key_file_has_key (kf, group, key, NULL))
    {
      if (!required)
        return TRUE;
      set_key_error (error, group, NULL, "missing required key %s", key);
      return FALSE;
    }
  *value = g_key_file_get_string (kf, group, key, &local_error);
  if (*value == NULL)
    {
      set_key_error (error, group, key, "%s", local_error->message);
      return FALSE;
    }
  return TRUE;
}

/* *present is FALSE when an optional key is absent. */
static gboolean
get_number (GKeyFile *kf, const char *group, const char *key, gboolean required, guint64 max,
            guint64 *value, gboolean *present, GError **error)
{
  g_autofree char *str = NULL;

  *value = 0;
  if (!get_string (kf, group, key, required, &str, error))
    return FALSE;
  *present = str != NULL;
  if (str == NULL)
    return TRUE;
  if (!parse_number (str, max, value))
    {
      set_key_error (error, group, key, "'%s' is not a number from 0 to 0x%" G_GINT64_MODIFIER "X",
                     str, max);
      return FALSE;
    }
  return TRUE;
}

static Boot0DfuseLayout *
get_layout (const char *str, const char *group, const char *key, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  Boot0DfuseLayout *layout = boot0_dfuse_layout_parse (str, &local_error);
  if (layout == NULL)
    set_key_error (error, group, key, "'%s': %s", str, local_error->message);
  return layout;
}

/* An optional list of alt strings; leaves list empty when the key is absent. */
static gboolean
get_layout_list (GKeyFile *kf, const char *group, const char *key, GPtrArray *list, GError **error)
{
  g_auto (GStrv) strs = NULL;

  if (!g_key_file_has_key (kf, group, key, NULL))
    return TRUE;
  strs = g_key_file_get_string_list (kf, group, key, NULL, NULL);
  for (guint i = 0; strs != NULL && strs[i] != NULL; i++)
    {
      Boot0DfuseLayout *alt = get_layout (strs[i], group, key, error);
      if (alt == NULL)
        return FALSE;
      g_ptr_array_add (list, alt);
    }
  if (list->len == 0)
    {
      set_key_error (error, group, key, "empty list");
      return FALSE;
    }
  return TRUE;
}

static Boot0Chip *
chip_load (GKeyFile *kf, const char *group, GError **error)
{
  g_autoptr (Boot0Chip) chip = chip_new (group);
  g_auto (GStrv) keys = NULL;
  g_autofree char *layout_str = NULL;
  g_autofree char *sysmem = NULL;
  g_autoptr (GError) local_error = NULL;
  guint64 value;
  gboolean present;

  keys = g_key_file_get_keys (kf, group, NULL, NULL);
  for (guint i = 0; keys != NULL && keys[i] != NULL; i++)
    if (!g_strv_contains (known_keys, keys[i]))
      {
        set_key_error (error, group, keys[i], "unknown key");
        return NULL;
      }

  if (!get_string (kf, group, "name", TRUE, &chip->name, error))
    return NULL;
  if (chip->name[0] == '\0')
    {
      set_key_error (error, group, "name", "empty name");
      return NULL;
    }

  if (!get_number (kf, group, "device-id", TRUE, G_MAXUINT16, &value, &present, error))
    return NULL;
  chip->device_id = (guint16)value;

  if (!get_number (kf, group, "flash-size", TRUE, G_MAXUINT32, &value, &present, error))
    return NULL;
  if (value == 0)
    {
      set_key_error (error, group, "flash-size", "must not be 0");
      return NULL;
    }
  chip->flash_size = (guint32)value;

  if (!get_string (kf, group, "flash-layout", TRUE, &layout_str, error))
    return NULL;
  chip->flash_layout = get_layout (layout_str, group, "flash-layout", error);
  if (chip->flash_layout == NULL)
    return NULL;
  if (boot0_dfuse_layout_get_total_size (chip->flash_layout) != chip->flash_size)
    {
      set_key_error (error, group, "flash-layout",
                     "covers %" G_GUINT64_FORMAT " bytes but flash-size is %u",
                     boot0_dfuse_layout_get_total_size (chip->flash_layout), chip->flash_size);
      return NULL;
    }

  if (!g_key_file_has_key (kf, group, "usb-dfu", NULL))
    {
      set_key_error (error, group, NULL, "missing required key usb-dfu");
      return NULL;
    }
  chip->usb_dfu = g_key_file_get_boolean (kf, group, "usb-dfu", &local_error);
  if (local_error != NULL)
    {
      g_autofree char *raw = g_key_file_get_value (kf, group, "usb-dfu", NULL);
      set_key_error (error, group, "usb-dfu", "'%s' is not true or false", raw);
      return NULL;
    }

  if (!get_string (kf, group, "system-memory", FALSE, &sysmem, error))
    return NULL;
  if (sysmem != NULL)
    {
      g_auto (GStrv) parts = g_strsplit (sysmem, "-", 3);
      guint64 start, last;
      if (g_strv_length (parts) != 2 ||
          !parse_number (g_strstrip (parts[0]), G_MAXUINT32, &start) ||
          !parse_number (g_strstrip (parts[1]), G_MAXUINT32, &last) || start > last)
        {
          set_key_error (error, group, "system-memory",
                         "'%s' is not a range START-LAST with START <= LAST", sysmem);
          return NULL;
        }
      chip->has_system_memory = TRUE;
      chip->system_memory_start = (guint32)start;
      chip->system_memory_last = (guint32)last;
    }

  if (!get_number (kf, group, "option-bytes", FALSE, G_MAXUINT32, &value, &present, error))
    return NULL;
  chip->has_option_bytes = present;
  chip->option_bytes = (guint32)value;

  if (!get_number (kf, group, "flash-size-register", FALSE, G_MAXUINT32, &value, &present, error))
    return NULL;
  if (present && value % 2 != 0)
    {
      set_key_error (error, group, "flash-size-register",
                     "0x%08X is not 2-byte aligned (the register is a 16-bit KiB count)",
                     (guint32)value);
      return NULL;
    }
  chip->has_flash_size_register = present;
  chip->flash_size_register = (guint32)value;

  if (g_key_file_has_key (kf, group, "usart-pins", NULL))
    chip->usart_pins = g_key_file_get_string_list (kf, group, "usart-pins", NULL, NULL);
  if (chip->usart_pins == NULL)
    chip->usart_pins = g_new0 (char *, 1);

  /* USB fingerprint of the ROM; pointless without ROM DFU. */
  for (guint i = 0; known_keys[i] != NULL; i++)
    if (g_str_has_prefix (known_keys[i], "usb-") && !g_str_equal (known_keys[i], "usb-dfu") &&
        !chip->usb_dfu && g_key_file_has_key (kf, group, known_keys[i], NULL))
      {
        set_key_error (error, group, known_keys[i], "given but usb-dfu is false");
        return NULL;
      }

  if (g_key_file_has_key (kf, group, "usb-bcd-device", NULL))
    {
      g_auto (GStrv) list = g_key_file_get_string_list (kf, group, "usb-bcd-device", NULL, NULL);
      for (guint i = 0; list != NULL && list[i] != NULL; i++)
        {
          guint16 bcd;
          if (!parse_number (g_strstrip (list[i]), G_MAXUINT16, &value))
            {
              set_key_error (error, group, "usb-bcd-device",
                             "'%s' is not a number from 0 to 0xFFFF", list[i]);
              return NULL;
            }
          bcd = (guint16)value;
          g_array_append_val (chip->usb_bcd_devices, bcd);
        }
      if (chip->usb_bcd_devices->len == 0)
        {
          set_key_error (error, group, "usb-bcd-device", "empty list");
          return NULL;
        }
    }

  if (!get_string (kf, group, "usb-product", FALSE, &chip->usb_product, error))
    return NULL;

  if (!get_layout_list (kf, group, "usb-flash-alt", chip->usb_flash_alts, error) ||
      !get_layout_list (kf, group, "usb-option-bytes-alt", chip->usb_ob_alts, error))
    return NULL;

  return g_steal_pointer (&chip);
}

/* GKeyFile silently merges repeated groups; a repeated group in chips.ini is
 * a mistake, so look for one in the raw text. */
static gboolean
check_duplicate_groups (const char *data, gsize len, GError **error)
{
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  const char *p = data;
  const char *end = data + len;
  guint line = 1;

  while (p < end)
    {
      const char *eol = memchr (p, '\n', (gsize)(end - p));
      const char *q = p;
      if (eol == NULL)
        eol = end;
      while (q < eol && (*q == ' ' || *q == '\t'))
        q++;
      if (q < eol && *q == '[')
        {
          const char *close = memchr (q, ']', (gsize)(eol - q));
          if (close != NULL)
            {
              char *name = g_strndup (q + 1, (gsize)(close - q - 1));
              if (!g_hash_table_add (seen, name))
                {
                  g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_FILE,
                               "line %u: group [%s] appears twice", line, name);
                  return FALSE;
                }
            }
        }
      p = eol + 1;
      line++;
    }
  return TRUE;
}

static void
boot0_chip_db_finalize (GObject *object)
{
  Boot0ChipDb *self = BOOT0_CHIP_DB (object);
  g_clear_pointer (&self->chips, g_ptr_array_unref);
  G_OBJECT_CLASS (boot0_chip_db_parent_class)->finalize (object);
}

static void
boot0_chip_db_class_init (Boot0ChipDbClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = boot0_chip_db_finalize;
}

static void
boot0_chip_db_init (Boot0ChipDb *self)
{
  self->chips = g_ptr_array_new_with_free_func ((GDestroyNotify)boot0_chip_unref);
}

Boot0ChipDb *
boot0_chip_db_new_from_data (const char *data, gsize len, GError **error)
{
  g_autoptr (Boot0ChipDb) self = g_object_new (BOOT0_TYPE_CHIP_DB, NULL);
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_autoptr (GError) local_error = NULL;
  g_auto (GStrv) groups = NULL;

  g_return_val_if_fail (data != NULL || len == 0, NULL);

  if (!g_key_file_load_from_data (kf, data, len, G_KEY_FILE_NONE, &local_error))
    {
      g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_FILE, "%s", local_error->message);
      return NULL;
    }
  if (!check_duplicate_groups (data, len, error))
    return NULL;

  groups = g_key_file_get_groups (kf, NULL);
  for (guint i = 0; groups[i] != NULL; i++)
    {
      Boot0Chip *chip = chip_load (kf, groups[i], error);
      if (chip == NULL)
        return NULL;
      for (guint j = 0; j < self->chips->len; j++)
        {
          Boot0Chip *other = g_ptr_array_index (self->chips, j);
          if (other->device_id == chip->device_id)
            {
              set_key_error (error, groups[i], "device-id", "0x%03X is already used by group [%s]",
                             chip->device_id, other->id);
              boot0_chip_unref (chip);
              return NULL;
            }
        }
      g_ptr_array_add (self->chips, chip);
    }
  if (self->chips->len == 0)
    {
      g_set_error_literal (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_FILE, "no chip entries");
      return NULL;
    }
  return g_steal_pointer (&self);
}

Boot0ChipDb *
boot0_chip_db_new_default (GError **error)
{
  g_autoptr (GBytes) bytes = NULL;
  gsize len;
  const char *data;

  /* Referencing the resource keeps its object file in the static library,
   * so no constructor-based registration is relied on. */
  bytes = g_resource_lookup_data (boot0_core_get_resource (), CHIPS_RESOURCE,
                                  G_RESOURCE_LOOKUP_FLAGS_NONE, error);
  if (bytes == NULL)
    return NULL;
  data = g_bytes_get_data (bytes, &len);
  return boot0_chip_db_new_from_data (data, len, error);
}

guint
boot0_chip_db_get_n_chips (Boot0ChipDb *self)
{
  g_return_val_if_fail (BOOT0_IS_CHIP_DB (self), 0);
  return self->chips->len;
}

Boot0Chip *
boot0_chip_db_get_chip (Boot0ChipDb *self, guint idx)
{
  g_return_val_if_fail (BOOT0_IS_CHIP_DB (self), NULL);
  g_return_val_if_fail (idx < self->chips->len, NULL);
  return g_ptr_array_index (self->chips, idx);
}

Boot0Chip *
boot0_chip_db_lookup_by_id (Boot0ChipDb *self, const char *id)
{
  g_return_val_if_fail (BOOT0_IS_CHIP_DB (self), NULL);
  g_return_val_if_fail (id != NULL, NULL);
  for (guint i = 0; i < self->chips->len; i++)
    {
      Boot0Chip *chip = g_ptr_array_index (self->chips, i);
      if (g_ascii_strcasecmp (chip->id, id) == 0)
        return chip;
    }
  return NULL;
}

Boot0Chip *
boot0_chip_db_lookup_by_device_id (Boot0ChipDb *self, guint16 device_id)
{
  g_return_val_if_fail (BOOT0_IS_CHIP_DB (self), NULL);
  for (guint i = 0; i < self->chips->len; i++)
    {
      Boot0Chip *chip = g_ptr_array_index (self->chips, i);
      if (chip->device_id == device_id)
        return chip;
    }
  return NULL;
}

/* USB matching (PROTOCOLS.md §g: fingerprint the ROM by its descriptors) -- */

/* The first alt whose trimmed name starts with prefix; alts that do not
 * parse are skipped (custom firmware may announce anything). */
static Boot0DfuseLayout *
find_alt (const Boot0UsbFingerprint *fp, const char *prefix)
{
  for (guint i = 0; i < fp->n_alt_settings; i++)
    {
      g_autoptr (Boot0DfuseLayout) layout = NULL;
      if (fp->alt_settings[i] == NULL)
        continue;
      layout = boot0_dfuse_layout_parse (fp->alt_settings[i], NULL);
      if (layout != NULL && g_str_has_prefix (boot0_dfuse_layout_get_name (layout), prefix))
        return g_steal_pointer (&layout);
    }
  return NULL;
}

/* -1 when the entry cannot be this device; otherwise how much agrees. */
static gint
chip_usb_score (const Boot0Chip *chip, const Boot0UsbFingerprint *fp, Boot0DfuseLayout *flash,
                Boot0DfuseLayout *option_bytes)
{
  gint score = 0;

  if (!chip->usb_dfu)
    return -1;

  if (chip->usb_flash_alts->len > 0)
    {
      gboolean found = FALSE;
      for (guint i = 0; i < chip->usb_flash_alts->len && !found; i++)
        found =
            boot0_dfuse_layout_equal_memory (g_ptr_array_index (chip->usb_flash_alts, i), flash);
      if (!found)
        return -1;
      /* A string seen on this very ROM beats one derived from the flash map. */
      score += 2;
    }
  else if (!boot0_dfuse_layout_equal_memory (chip->flash_layout, flash))
    return -1;

  if (chip->usb_bcd_devices->len > 0)
    {
      gboolean found = FALSE;
      for (guint i = 0; i < chip->usb_bcd_devices->len; i++)
        found |= g_array_index (chip->usb_bcd_devices, guint16, i) == fp->bcd_device;
      if (!found)
        return -1;
      score++;
    }

  if (chip->usb_product != NULL && fp->product != NULL)
    {
      if (g_strcmp0 (chip->usb_product, fp->product) != 0)
        return -1;
      score++;
    }

  if (chip->usb_ob_alts->len > 0 && option_bytes != NULL)
    {
      gboolean found = FALSE;
      for (guint i = 0; i < chip->usb_ob_alts->len && !found; i++)
        found = boot0_dfuse_layout_equal_memory (g_ptr_array_index (chip->usb_ob_alts, i),
                                                 option_bytes);
      if (!found)
        return -1;
      score += 2;
    }
  else if (chip->has_option_bytes && option_bytes != NULL)
    {
      if (boot0_dfuse_layout_get_start (option_bytes) != chip->option_bytes)
        return -1;
      score++;
    }
  return score;
}

GPtrArray *
boot0_chip_db_match_usb (Boot0ChipDb *self, const Boot0UsbFingerprint *fingerprint)
{
  GPtrArray *result = g_ptr_array_new_with_free_func ((GDestroyNotify)boot0_chip_unref);
  g_autoptr (Boot0DfuseLayout) flash = NULL;
  g_autoptr (Boot0DfuseLayout) option_bytes = NULL;
  gint best = -1;

  g_return_val_if_fail (BOOT0_IS_CHIP_DB (self), result);
  g_return_val_if_fail (fingerprint != NULL, result);
  g_return_val_if_fail (fingerprint->alt_settings != NULL || fingerprint->n_alt_settings == 0,
                        result);

  if (fingerprint->vid != BOOT0_USB_VID_ST || fingerprint->pid != BOOT0_USB_PID_ST_DFU)
    return result;
  flash = find_alt (fingerprint, "Internal Flash");
  if (flash == NULL)
    return result;
  option_bytes = find_alt (fingerprint, "Option Bytes");

  for (guint i = 0; i < self->chips->len; i++)
    {
      Boot0Chip *chip = g_ptr_array_index (self->chips, i);
      gint score = chip_usb_score (chip, fingerprint, flash, option_bytes);
      if (score < 0 || score < best)
        continue;
      if (score > best)
        {
          g_ptr_array_set_size (result, 0);
          best = score;
        }
      g_ptr_array_add (result, boot0_chip_ref (chip));
    }
  return result;
}

Boot0Chip *
boot0_chip_db_lookup_by_usb (Boot0ChipDb *self, const Boot0UsbFingerprint *fingerprint)
{
  g_autoptr (GPtrArray) matches = boot0_chip_db_match_usb (self, fingerprint);
  /* The database holds a reference, so the pointer outlives the array. */
  if (matches->len != 1)
    return NULL;
  return g_ptr_array_index (matches, 0);
}

char *
boot0_chip_db_describe_usb (Boot0ChipDb *self, const Boot0UsbFingerprint *fingerprint)
{
  g_autoptr (GPtrArray) matches = boot0_chip_db_match_usb (self, fingerprint);
  g_autoptr (GPtrArray) names = NULL;

  if (matches->len == 0)
    return g_strdup (BOOT0_CHIP_DB_CUSTOM_LABEL);
  names = g_ptr_array_new ();
  for (guint i = 0; i < matches->len; i++)
    g_ptr_array_add (names, (gpointer)boot0_chip_get_name (g_ptr_array_index (matches, i)));
  g_ptr_array_add (names, NULL);
  return g_strjoinv (" or ", (char **)names->pdata);
}
