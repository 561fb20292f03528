/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libusb context: error mapping, one event thread, enumeration of DFU-mode
 * devices and hotplug delivered on the GLib main context through a locked
 * queue drained by at most one idle source. */
#include "config.h"

#include "boot0-error.h"
#include "boot0-usb.h"

/* How often to enumerate where libusb has no hotplug support. */
#define POLL_INTERVAL_MS 500

void
boot0_usb_set_error (GError **error, int libusb_rc, const char *what)
{
  switch (libusb_rc)
    {
      case LIBUSB_ERROR_ACCESS:
        g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_ACCESS_DENIED,
                     "no permission to use the USB device while %s. On Linux, install Boot0's "
                     "udev rule (70-boot0.rules, installed with Boot0; or run: sudo cp "
                     "data/70-boot0.rules /etc/udev/rules.d/ && sudo udevadm control --reload), "
                     "then unplug and replug the board",
                     what);
        break;
      case LIBUSB_ERROR_NO_DEVICE:
        g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_DEVICE_GONE,
                     "the device disconnected while %s", what);
        break;
      case LIBUSB_ERROR_BUSY:
        g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_BUSY,
                     "the device is in use by another program (dfu-util or STM32CubeProgrammer?) "
                     "while %s",
                     what);
        break;
      case LIBUSB_ERROR_TIMEOUT:
        g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_TIMED_OUT,
                     "the device did not answer in time while %s", what);
        break;
      case LIBUSB_ERROR_PIPE:
        g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_PROTOCOL,
                     "the device refused the request (USB stall) while %s", what);
        break;
      case LIBUSB_ERROR_NOT_FOUND:
        g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_NOT_FOUND,
                     "the device's DFU interface was not found while %s", what);
        break;
      case LIBUSB_ERROR_NOT_SUPPORTED:
        g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_NOT_SUPPORTED,
                     "the system's USB driver does not support this while %s (on Windows the "
                     "device needs the WinUSB driver)",
                     what);
        break;
      case LIBUSB_ERROR_NO_MEM:
      case LIBUSB_ERROR_IO:
      case LIBUSB_ERROR_OVERFLOW:
      case LIBUSB_ERROR_INTERRUPTED:
      case LIBUSB_ERROR_INVALID_PARAM:
      case LIBUSB_ERROR_OTHER:
      default:
        g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_IO, "USB error while %s: %s", what,
                     libusb_strerror (libusb_rc));
        break;
    }
}

typedef struct
{
  gboolean arrived;
  libusb_device *device; /* owns a reference */
} HotplugEvent;

struct _Boot0UsbContext
{
  GObject parent_instance;

  libusb_context *usb;
  Boot0ChipDb *chip_db;
  GMainContext *main_context;

  GThread *event_thread;
  gint stopping; /* atomic */

  gboolean watching;
  gboolean has_hotplug;
  libusb_hotplug_callback_handle hotplug_handle;
  guint poll_source;
  GPtrArray *devices; /* Boot0DfuseDevice, while watching */

  GMutex lock; /* protects queue and idle_source */
  GQueue queue;
  GSource *idle_source;
};

G_DEFINE_TYPE (Boot0UsbContext, boot0_usb_context, G_TYPE_OBJECT)

enum
{
  SIGNAL_DEVICE_ADDED,
  SIGNAL_DEVICE_REMOVED,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

static gpointer
event_thread_func (gpointer data)
{
  Boot0UsbContext *self = data;
  while (!g_atomic_int_get (&self->stopping))
    {
      struct timeval tv = { .tv_sec = 0, .tv_usec = 200000 };
      libusb_handle_events_timeout_completed (self->usb, &tv, &self->stopping);
    }
  return NULL;
}

/* A device is in DFU mode if an interface says so (class 0xFE, subclass 1,
 * protocol 2, DFU 1.1 §4.2.3). The descriptors come from the OS cache (sysfs
 * on Linux): nothing is opened. */
static gboolean
is_dfu_mode (libusb_device *device)
{
  struct libusb_config_descriptor *config = NULL;
  gboolean found = FALSE;

  if (libusb_get_active_config_descriptor (device, &config) != 0 &&
      libusb_get_config_descriptor (device, 0, &config) != 0)
    return FALSE;
  for (guint i = 0; i < config->bNumInterfaces && !found; i++)
    {
      const struct libusb_interface *iface = &config->interface[i];
      for (int a = 0; a < iface->num_altsetting; a++)
        {
          const struct libusb_interface_descriptor *alt = &iface->altsetting[a];
          if (alt->bInterfaceClass == 0xFE && alt->bInterfaceSubClass == 0x01 &&
              alt->bInterfaceProtocol == 0x02)
            found = TRUE;
        }
    }
  libusb_free_config_descriptor (config);
  return found;
}

static void
drain_locked_queue (Boot0UsbContext *self, GQueue *out)
{
  g_mutex_lock (&self->lock);
  *out = self->queue;
  g_queue_init (&self->queue);
  g_clear_pointer (&self->idle_source, g_source_unref);
  g_mutex_unlock (&self->lock);
}

static gint
find_device (Boot0UsbContext *self, libusb_device *device)
{
  for (guint i = 0; i < self->devices->len; i++)
    {
      Boot0DfuseDevice *d = g_ptr_array_index (self->devices, i);
      libusb_device *u = boot0_dfuse_device_get_usb_device (d);
      if (u == device || (libusb_get_bus_number (u) == libusb_get_bus_number (device) &&
                          libusb_get_device_address (u) == libusb_get_device_address (device)))
        return (gint)i;
    }
  return -1;
}

static void
handle_arrival (Boot0UsbContext *self, libusb_device *device)
{
  g_autoptr (Boot0DfuseDevice) dev = NULL;
  g_autoptr (GError) error = NULL;

  if (find_device (self, device) >= 0 || !is_dfu_mode (device))
    return;
  dev = boot0_dfuse_device_new (device, self->chip_db, &error);
  if (dev == NULL)
    {
      g_debug ("ignoring a USB device: %s", error->message);
      return;
    }
  g_ptr_array_add (self->devices, g_object_ref (dev));
  g_signal_emit (self, signals[SIGNAL_DEVICE_ADDED], 0, dev);
}

static void
handle_removal (Boot0UsbContext *self, libusb_device *device)
{
  g_autoptr (Boot0DfuseDevice) dev = NULL;
  gint idx = find_device (self, device);

  if (idx < 0)
    return;
  dev = g_ptr_array_steal_index (self->devices, (guint)idx);
  g_signal_emit (self, signals[SIGNAL_DEVICE_REMOVED], 0, dev);
}

static gboolean
idle_dispatch_cb (gpointer data)
{
  Boot0UsbContext *self = data;
  GQueue events;
  HotplugEvent *ev;

  drain_locked_queue (self, &events);
  while ((ev = g_queue_pop_head (&events)) != NULL)
    {
      if (self->watching)
        {
          if (ev->arrived)
            handle_arrival (self, ev->device);
          else
            handle_removal (self, ev->device);
        }
      libusb_unref_device (ev->device);
      g_free (ev);
    }
  return G_SOURCE_REMOVE;
}

/* Runs on the event thread: no I/O here (libusb forbids it in hotplug
 * callbacks), just queue the event for the main context. */
static int LIBUSB_CALL
hotplug_cb (libusb_context *ctx, libusb_device *device, libusb_hotplug_event event, void *data)
{
  Boot0UsbContext *self = data;
  HotplugEvent *ev = g_new0 (HotplugEvent, 1);

  ev->arrived = event == LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED;
  ev->device = libusb_ref_device (device);
  g_mutex_lock (&self->lock);
  g_queue_push_tail (&self->queue, ev);
  if (self->idle_source == NULL)
    {
      self->idle_source = g_idle_source_new ();
      g_source_set_callback (self->idle_source, idle_dispatch_cb, self, NULL);
      g_source_set_name (self->idle_source, "[boot0] usb hotplug");
      g_source_attach (self->idle_source, self->main_context);
    }
  g_mutex_unlock (&self->lock);
  return 0;
}

/* Polling fallback: compare the bus with what we know. */
static gboolean
poll_cb (gpointer data)
{
  Boot0UsbContext *self = data;
  libusb_device **list = NULL;
  ssize_t n = libusb_get_device_list (self->usb, &list);

  if (n < 0)
    return G_SOURCE_CONTINUE;
  for (guint i = self->devices->len; i > 0; i--)
    {
      Boot0DfuseDevice *d = g_ptr_array_index (self->devices, i - 1);
      libusb_device *u = boot0_dfuse_device_get_usb_device (d);
      gboolean present = FALSE;
      for (ssize_t k = 0; k < n && !present; k++)
        present = list[k] == u;
      if (!present)
        handle_removal (self, u);
    }
  for (ssize_t k = 0; k < n; k++)
    handle_arrival (self, list[k]);
  libusb_free_device_list (list, 1);
  return G_SOURCE_CONTINUE;
}

/* The event thread runs only while watching: synchronous transfers handle
 * their own events, and a second thread handling them costs every transfer
 * a hand-off between threads (measured: ~8% of a flash job's time). */
static void
start_event_thread (Boot0UsbContext *self)
{
  if (self->event_thread != NULL)
    return;
  g_atomic_int_set (&self->stopping, 0);
  self->event_thread = g_thread_new ("boot0-usb-events", event_thread_func, self);
}

static void
stop_event_thread (Boot0UsbContext *self)
{
  if (self->event_thread == NULL)
    return;
  g_atomic_int_set (&self->stopping, 1);
  libusb_interrupt_event_handler (self->usb);
  g_thread_join (self->event_thread);
  self->event_thread = NULL;
}

void
boot0_usb_context_unwatch (Boot0UsbContext *self)
{
  g_return_if_fail (BOOT0_IS_USB_CONTEXT (self));
  if (!self->watching)
    return;
  if (self->has_hotplug)
    libusb_hotplug_deregister_callback (self->usb, self->hotplug_handle);
  self->watching = FALSE;
  if (self->poll_source != 0)
    {
      GSource *source = g_main_context_find_source_by_id (self->main_context, self->poll_source);
      if (source != NULL)
        g_source_destroy (source);
      self->poll_source = 0;
    }
  stop_event_thread (self);
}

static void
boot0_usb_context_dispose (GObject *object)
{
  Boot0UsbContext *self = BOOT0_USB_CONTEXT (object);

  boot0_usb_context_unwatch (self);
  g_mutex_lock (&self->lock);
  if (self->idle_source != NULL)
    {
      g_source_destroy (self->idle_source);
      g_clear_pointer (&self->idle_source, g_source_unref);
    }
  g_mutex_unlock (&self->lock);
  if (self->devices != NULL)
    g_ptr_array_set_size (self->devices, 0);

  G_OBJECT_CLASS (boot0_usb_context_parent_class)->dispose (object);
}

static void
boot0_usb_context_finalize (GObject *object)
{
  Boot0UsbContext *self = BOOT0_USB_CONTEXT (object);
  HotplugEvent *ev;

  while ((ev = g_queue_pop_head (&self->queue)) != NULL)
    {
      libusb_unref_device (ev->device);
      g_free (ev);
    }
  g_clear_pointer (&self->devices, g_ptr_array_unref);
  g_clear_object (&self->chip_db);
  g_clear_pointer (&self->main_context, g_main_context_unref);
  if (self->usb != NULL)
    libusb_exit (self->usb);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (boot0_usb_context_parent_class)->finalize (object);
}

static void
boot0_usb_context_class_init (Boot0UsbContextClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = boot0_usb_context_dispose;
  object_class->finalize = boot0_usb_context_finalize;

  signals[SIGNAL_DEVICE_ADDED] =
      g_signal_new ("device-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                    NULL, G_TYPE_NONE, 1, BOOT0_TYPE_DFUSE_DEVICE);
  signals[SIGNAL_DEVICE_REMOVED] =
      g_signal_new ("device-removed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                    NULL, G_TYPE_NONE, 1, BOOT0_TYPE_DFUSE_DEVICE);
}

static void
boot0_usb_context_init (Boot0UsbContext *self)
{
  g_mutex_init (&self->lock);
  g_queue_init (&self->queue);
  self->devices = g_ptr_array_new_with_free_func (g_object_unref);
}

Boot0UsbContext *
boot0_usb_context_new (Boot0ChipDb *chip_db, GError **error)
{
  g_autoptr (Boot0UsbContext) self = g_object_new (BOOT0_TYPE_USB_CONTEXT, NULL);
  int rc = libusb_init (&self->usb);

  if (rc != 0)
    {
      self->usb = NULL;
      boot0_usb_set_error (error, rc, "starting the USB library");
      return NULL;
    }
  self->chip_db = g_object_ref (chip_db);
  self->main_context = g_main_context_ref_thread_default ();
  return g_steal_pointer (&self);
}

GPtrArray *
boot0_usb_context_list_devices (Boot0UsbContext *self, GError **error)
{
  g_autoptr (GPtrArray) result = g_ptr_array_new_with_free_func (g_object_unref);
  libusb_device **list = NULL;
  ssize_t n;

  g_return_val_if_fail (BOOT0_IS_USB_CONTEXT (self), NULL);
  n = libusb_get_device_list (self->usb, &list);
  if (n < 0)
    {
      boot0_usb_set_error (error, (int)n, "listing USB devices");
      return NULL;
    }
  g_autoptr (GError) first_error = NULL;
  for (ssize_t i = 0; i < n; i++)
    {
      g_autoptr (GError) local_error = NULL;
      Boot0DfuseDevice *dev;
      if (!is_dfu_mode (list[i]))
        continue;
      dev = boot0_dfuse_device_new (list[i], self->chip_db, &local_error);
      if (dev == NULL)
        {
          g_debug ("skipping a DFU device: %s", local_error->message);
          if (first_error == NULL)
            first_error = g_steal_pointer (&local_error);
          continue;
        }
      g_ptr_array_add (result, dev);
    }
  libusb_free_device_list (list, 1);
  /* A device we could not describe (no permission, say) matters when it
   * is the only one: then the caller learns why nothing is listed. */
  if (result->len == 0 && first_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&first_error));
      return NULL;
    }
  return g_steal_pointer (&result);
}

gboolean
boot0_usb_context_watch (Boot0UsbContext *self, GError **error)
{
  g_return_val_if_fail (BOOT0_IS_USB_CONTEXT (self), FALSE);
  if (self->watching)
    return TRUE;
  self->watching = TRUE;
  start_event_thread (self);
  self->has_hotplug = libusb_has_capability (LIBUSB_CAP_HAS_HOTPLUG) != 0;
  if (self->has_hotplug)
    {
      /* ENUMERATE reports the devices present now through the same path. */
      int rc = libusb_hotplug_register_callback (
          self->usb, LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED | LIBUSB_HOTPLUG_EVENT_DEVICE_LEFT,
          LIBUSB_HOTPLUG_ENUMERATE, LIBUSB_HOTPLUG_MATCH_ANY, LIBUSB_HOTPLUG_MATCH_ANY,
          LIBUSB_HOTPLUG_MATCH_ANY, hotplug_cb, self, &self->hotplug_handle);
      if (rc == LIBUSB_SUCCESS)
        return TRUE;
      self->has_hotplug = FALSE;
    }
  poll_cb (self);
  {
    GSource *source = g_timeout_source_new (POLL_INTERVAL_MS);
    g_source_set_callback (source, poll_cb, self, NULL);
    g_source_set_name (source, "[boot0] usb poll");
    self->poll_source = g_source_attach (source, self->main_context);
    g_source_unref (source);
  }
  return TRUE;
}

GPtrArray *
boot0_usb_context_get_devices (Boot0UsbContext *self)
{
  g_return_val_if_fail (BOOT0_IS_USB_CONTEXT (self), NULL);
  return self->devices;
}

gboolean
boot0_usb_context_has_hotplug (Boot0UsbContext *self)
{
  g_return_val_if_fail (BOOT0_IS_USB_CONTEXT (self), FALSE);
  return self->has_hotplug;
}
