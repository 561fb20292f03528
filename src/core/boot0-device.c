/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Base class of connected targets: description, memories and argument
 * checks shared by the USB DfuSe and UART devices. */
#include "config.h"

#include "boot0-device.h"
#include "boot0-error.h"

typedef struct
{
  Boot0DeviceKind kind;
  char *label;
  Boot0Chip *chip;
  char *serial;
  char *path;
  char *bootloader_version;
  Boot0Protection protection;
  gsize transfer_size;
  guint write_unit;
  GPtrArray *memories; /* Boot0DfuseLayout */
  gboolean is_open;
} Boot0DevicePrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (Boot0Device, boot0_device, G_TYPE_OBJECT)

#define GET_PRIV(self) ((Boot0DevicePrivate *)boot0_device_get_instance_private (self))

const char *
boot0_device_kind_to_string (Boot0DeviceKind kind)
{
  switch (kind)
    {
      case BOOT0_DEVICE_KIND_USB_DFUSE:
        return "usb-dfuse";
      case BOOT0_DEVICE_KIND_UART:
        return "uart";
      default:
        return "unknown";
    }
}

const char *
boot0_protection_to_string (Boot0Protection protection)
{
  switch (protection)
    {
      case BOOT0_PROTECTION_NONE:
        return "none";
      case BOOT0_PROTECTION_READ_PROTECTED:
        return "read-protected";
      case BOOT0_PROTECTION_UNKNOWN:
      default:
        return "unknown";
    }
}

static void
boot0_device_finalize (GObject *object)
{
  Boot0Device *self = BOOT0_DEVICE (object);
  Boot0DevicePrivate *priv = GET_PRIV (self);

  g_free (priv->label);
  g_clear_pointer (&priv->chip, boot0_chip_unref);
  g_free (priv->serial);
  g_free (priv->path);
  g_free (priv->bootloader_version);
  g_ptr_array_unref (priv->memories);

  G_OBJECT_CLASS (boot0_device_parent_class)->finalize (object);
}

static void
boot0_device_dispose (GObject *object)
{
  Boot0Device *self = BOOT0_DEVICE (object);
  boot0_device_close (self);
  G_OBJECT_CLASS (boot0_device_parent_class)->dispose (object);
}

static void
boot0_device_class_init (Boot0DeviceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  object_class->dispose = boot0_device_dispose;
  object_class->finalize = boot0_device_finalize;
}

static void
boot0_device_init (Boot0Device *self)
{
  Boot0DevicePrivate *priv = GET_PRIV (self);
  priv->memories = g_ptr_array_new_with_free_func ((GDestroyNotify)boot0_dfuse_layout_unref);
  priv->transfer_size = 256;
  priv->write_unit = 1;
}

Boot0DeviceKind
boot0_device_get_kind (Boot0Device *self)
{
  g_return_val_if_fail (BOOT0_IS_DEVICE (self), BOOT0_DEVICE_KIND_USB_DFUSE);
  return GET_PRIV (self)->kind;
}

const char *
boot0_device_get_label (Boot0Device *self)
{
  g_return_val_if_fail (BOOT0_IS_DEVICE (self), NULL);
  return GET_PRIV (self)->label;
}

Boot0Chip *
boot0_device_get_chip (Boot0Device *self)
{
  g_return_val_if_fail (BOOT0_IS_DEVICE (self), NULL);
  return GET_PRIV (self)->chip;
}

const char *
boot0_device_get_serial (Boot0Device *self)
{
  g_return_val_if_fail (BOOT0_IS_DEVICE (self), NULL);
  return GET_PRIV (self)->serial;
}

const char *
boot0_device_get_path (Boot0Device *self)
{
  g_return_val_if_fail (BOOT0_IS_DEVICE (self), NULL);
  return GET_PRIV (self)->path;
}

const char *
boot0_device_get_bootloader_version (Boot0Device *self)
{
  g_return_val_if_fail (BOOT0_IS_DEVICE (self), NULL);
  return GET_PRIV (self)->bootloader_version;
}

Boot0Protection
boot0_device_get_protection (Boot0Device *self)
{
  g_return_val_if_fail (BOOT0_IS_DEVICE (self), BOOT0_PROTECTION_UNKNOWN);
  return GET_PRIV (self)->protection;
}

gsize
boot0_device_get_transfer_size (Boot0Device *self)
{
  g_return_val_if_fail (BOOT0_IS_DEVICE (self), 0);
  return GET_PRIV (self)->transfer_size;
}

guint
boot0_device_get_write_unit (Boot0Device *self)
{
  g_return_val_if_fail (BOOT0_IS_DEVICE (self), 1);
  return GET_PRIV (self)->write_unit;
}

GPtrArray *
boot0_device_get_memories (Boot0Device *self)
{
  g_return_val_if_fail (BOOT0_IS_DEVICE (self), NULL);
  return GET_PRIV (self)->memories;
}

Boot0DfuseLayout *
boot0_device_get_flash (Boot0Device *self)
{
  Boot0DevicePrivate *priv;

  g_return_val_if_fail (BOOT0_IS_DEVICE (self), NULL);
  priv = GET_PRIV (self);
  for (guint i = 0; i < priv->memories->len; i++)
    {
      Boot0DfuseLayout *l = g_ptr_array_index (priv->memories, i);
      if (g_str_has_prefix (boot0_dfuse_layout_get_name (l), "Internal Flash"))
        return l;
    }
  for (guint i = 0; i < priv->memories->len; i++)
    {
      Boot0DfuseLayout *l = g_ptr_array_index (priv->memories, i);
      if (boot0_dfuse_layout_contains (l, 0x08000000, 1))
        return l;
    }
  return priv->memories->len > 0 ? g_ptr_array_index (priv->memories, 0) : NULL;
}

void
boot0_device_set_kind (Boot0Device *self, Boot0DeviceKind kind)
{
  GET_PRIV (self)->kind = kind;
}

void
boot0_device_set_label (Boot0Device *self, const char *label)
{
  Boot0DevicePrivate *priv = GET_PRIV (self);
  if (g_strcmp0 (priv->label, label) == 0)
    return;
  g_free (priv->label);
  priv->label = g_strdup (label);
}

void
boot0_device_set_chip (Boot0Device *self, Boot0Chip *chip)
{
  Boot0DevicePrivate *priv = GET_PRIV (self);
  if (priv->chip == chip)
    return;
  g_clear_pointer (&priv->chip, boot0_chip_unref);
  if (chip != NULL)
    priv->chip = boot0_chip_ref (chip);
}

void
boot0_device_set_serial (Boot0Device *self, const char *serial)
{
  Boot0DevicePrivate *priv = GET_PRIV (self);
  if (g_strcmp0 (priv->serial, serial) == 0)
    return;
  g_free (priv->serial);
  priv->serial = g_strdup (serial);
}

void
boot0_device_set_path (Boot0Device *self, const char *path)
{
  Boot0DevicePrivate *priv = GET_PRIV (self);
  if (g_strcmp0 (priv->path, path) == 0)
    return;
  g_free (priv->path);
  priv->path = g_strdup (path);
}

void
boot0_device_set_bootloader_version (Boot0Device *self, const char *version)
{
  Boot0DevicePrivate *priv = GET_PRIV (self);
  if (g_strcmp0 (priv->bootloader_version, version) == 0)
    return;
  g_free (priv->bootloader_version);
  priv->bootloader_version = g_strdup (version);
}

void
boot0_device_set_protection (Boot0Device *self, Boot0Protection protection)
{
  GET_PRIV (self)->protection = protection;
}

void
boot0_device_set_transfer_size (Boot0Device *self, gsize transfer_size)
{
  g_return_if_fail (transfer_size > 0);
  GET_PRIV (self)->transfer_size = transfer_size;
}

void
boot0_device_set_write_unit (Boot0Device *self, guint write_unit)
{
  g_return_if_fail (write_unit > 0 && (write_unit & (write_unit - 1)) == 0);
  GET_PRIV (self)->write_unit = write_unit;
}

void
boot0_device_add_memory (Boot0Device *self, Boot0DfuseLayout *layout)
{
  g_ptr_array_add (GET_PRIV (self)->memories, boot0_dfuse_layout_ref (layout));
}

void
boot0_device_clear_memories (Boot0Device *self)
{
  g_ptr_array_set_size (GET_PRIV (self)->memories, 0);
}

/* The memory holding [address, address + len) with the required flags, or
 * an error naming the range and why it cannot be used. */
static gboolean
check_range (Boot0Device *self, guint32 address, guint64 len, Boot0DfuseSectorFlags required,
             GError **error)
{
  Boot0DevicePrivate *priv = GET_PRIV (self);

  if (!priv->is_open)
    {
      g_set_error_literal (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_ARGUMENT,
                           "the device is not open");
      return FALSE;
    }
  for (guint i = 0; i < priv->memories->len; i++)
    {
      Boot0DfuseLayout *l = g_ptr_array_index (priv->memories, i);
      if (boot0_dfuse_layout_contains (l, address, 1))
        return boot0_dfuse_layout_check_range (l, address, len, required, error);
    }
  g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_DOES_NOT_FIT,
               "0x%08X is outside every memory of the device", address);
  return FALSE;
}

gboolean
boot0_device_open (Boot0Device *self, GError **error)
{
  Boot0DevicePrivate *priv;

  g_return_val_if_fail (BOOT0_IS_DEVICE (self), FALSE);
  priv = GET_PRIV (self);
  if (priv->is_open)
    return TRUE;
  if (!BOOT0_DEVICE_GET_CLASS (self)->open (self, error))
    return FALSE;
  priv->is_open = TRUE;
  return TRUE;
}

void
boot0_device_close (Boot0Device *self)
{
  Boot0DevicePrivate *priv;

  g_return_if_fail (BOOT0_IS_DEVICE (self));
  priv = GET_PRIV (self);
  if (!priv->is_open)
    return;
  BOOT0_DEVICE_GET_CLASS (self)->close (self);
  priv->is_open = FALSE;
}

gboolean
boot0_device_is_open (Boot0Device *self)
{
  g_return_val_if_fail (BOOT0_IS_DEVICE (self), FALSE);
  return GET_PRIV (self)->is_open;
}

gboolean
boot0_device_read (Boot0Device *self, guint32 address, guint8 *buf, gsize len, GError **error)
{
  g_return_val_if_fail (BOOT0_IS_DEVICE (self), FALSE);
  if (!check_range (self, address, len, BOOT0_DFUSE_SECTOR_FLAG_READABLE, error))
    return FALSE;
  return BOOT0_DEVICE_GET_CLASS (self)->read (self, address, buf, len, error);
}

gboolean
boot0_device_write (Boot0Device *self, guint32 address, const guint8 *data, gsize len,
                    GError **error)
{
  g_return_val_if_fail (BOOT0_IS_DEVICE (self), FALSE);
  if (!check_range (self, address, len, BOOT0_DFUSE_SECTOR_FLAG_WRITABLE, error))
    return FALSE;
  return BOOT0_DEVICE_GET_CLASS (self)->write (self, address, data, len, error);
}

gboolean
boot0_device_erase_sector (Boot0Device *self, guint32 address, GError **error)
{
  g_return_val_if_fail (BOOT0_IS_DEVICE (self), FALSE);
  if (!check_range (self, address, 1, BOOT0_DFUSE_SECTOR_FLAG_ERASABLE, error))
    return FALSE;
  return BOOT0_DEVICE_GET_CLASS (self)->erase_sector (self, address, error);
}

gboolean
boot0_device_mass_erase (Boot0Device *self, GError **error)
{
  g_return_val_if_fail (BOOT0_IS_DEVICE (self), FALSE);
  if (!GET_PRIV (self)->is_open)
    return check_range (self, 0, 0, 0, error);
  return BOOT0_DEVICE_GET_CLASS (self)->mass_erase (self, error);
}

gboolean
boot0_device_run (Boot0Device *self, guint32 address, GError **error)
{
  g_return_val_if_fail (BOOT0_IS_DEVICE (self), FALSE);
  if (!GET_PRIV (self)->is_open)
    return check_range (self, 0, 0, 0, error);
  return BOOT0_DEVICE_GET_CLASS (self)->run (self, address, error);
}

gboolean
boot0_device_read_unprotect (Boot0Device *self, GError **error)
{
  g_return_val_if_fail (BOOT0_IS_DEVICE (self), FALSE);
  if (!GET_PRIV (self)->is_open)
    return check_range (self, 0, 0, 0, error);
  return BOOT0_DEVICE_GET_CLASS (self)->read_unprotect (self, error);
}

gboolean
boot0_device_can_checksum (Boot0Device *self)
{
  g_return_val_if_fail (BOOT0_IS_DEVICE (self), FALSE);
  return BOOT0_DEVICE_GET_CLASS (self)->checksum != NULL;
}

gboolean
boot0_device_checksum (Boot0Device *self, guint32 address, gsize len, guint32 *crc, GError **error)
{
  Boot0DeviceClass *klass;

  g_return_val_if_fail (BOOT0_IS_DEVICE (self), FALSE);
  g_return_val_if_fail (crc != NULL, FALSE);
  klass = BOOT0_DEVICE_GET_CLASS (self);
  if (address % 4 != 0 || len % 4 != 0 || len == 0)
    {
      g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_ARGUMENT,
                   "a checksum needs a 4-byte aligned address and length, not %" G_GSIZE_FORMAT
                   " bytes at 0x%08X",
                   len, address);
      return FALSE;
    }
  if (!check_range (self, address, len, BOOT0_DFUSE_SECTOR_FLAG_READABLE, error))
    return FALSE;
  if (klass->checksum == NULL)
    {
      g_set_error_literal (error, BOOT0_ERROR, BOOT0_ERROR_NOT_SUPPORTED,
                           "the device cannot compute checksums");
      return FALSE;
    }
  return klass->checksum (self, address, len, crc, error);
}

Boot0Firmware *
boot0_device_read_image (Boot0Device *self, guint32 address, guint64 size,
                         Boot0DeviceProgressFunc progress, gpointer user_data,
                         GCancellable *cancellable, GError **error)
{
  g_autoptr (Boot0Firmware) image = boot0_firmware_new ();
  g_autofree guint8 *buf = NULL;
  gsize chunk;

  g_return_val_if_fail (BOOT0_IS_DEVICE (self), NULL);
  if (size == 0 || size > BOOT0_FIRMWARE_MAX_IMAGE_SIZE)
    {
      g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_ARGUMENT,
                   "cannot read %" G_GUINT64_FORMAT
                   " bytes: give a size from 1 byte to %" G_GSIZE_FORMAT " MiB",
                   size, BOOT0_FIRMWARE_MAX_IMAGE_SIZE / (1024 * 1024));
      return NULL;
    }
  /* Refuse the whole range up front rather than fail half way. */
  if (!check_range (self, address, size, BOOT0_DFUSE_SECTOR_FLAG_READABLE, error))
    return NULL;
  chunk = boot0_device_get_transfer_size (self);
  buf = g_malloc (chunk);
  for (guint64 done = 0; done < size;)
    {
      gsize n = (gsize)MIN ((guint64)chunk, size - done);
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return NULL;
      if (!boot0_device_read (self, address + (guint32)done, buf, n, error))
        return NULL;
      if (!boot0_firmware_add_data (image, 0, address + (guint32)done, buf, n, error))
        return NULL;
      done += n;
      if (progress != NULL)
        progress (done, size, user_data);
    }
  boot0_firmware_set_format (image, BOOT0_FIRMWARE_FORMAT_BIN);
  return g_steal_pointer (&image);
}
