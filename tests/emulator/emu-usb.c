/* SPDX-License-Identifier: GPL-3.0-or-later */
/* usbdevfs emulation of DfuSe devices on a umockdev testbed (linux/usbdevice_fs.h). */
#include "config.h"

#include <setjmp.h>
#include <signal.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include <linux/usbdevice_fs.h>

#include "emu-usb.h"

#define BUSNUM 1
#ifndef USBDEVFS_GET_SPEED
#define USBDEVFS_GET_SPEED _IO ('U', 31)
#endif
#define USB_SPEED_FULL 2

/* A REAPURBNDELAY for a transfer that is not done yet is answered at the
 * latest after this, so libusb gets back to its timerfd and can time out. */
#define REAP_SLICE_US 20000
/* A client with nothing in flight for a while (an idle event thread polling
 * the always-ready node) gets its REAPURBNDELAY held a little: no busy loop. */
#define IDLE_AFTER_US 10000
#define IDLE_HOLD_US  2000

typedef struct _EmuPlug EmuPlug;

struct _EmuBus
{
  UMockdevTestbed *testbed;
  GMainContext *main_ctx;
  GMutex lock;
  GPtrArray *devices; /* EmuUsbDevice */
  GPtrArray *plugs;   /* EmuPlug, kept until the bus goes */
  guint next_devnum;
  gint leave_return_ms;
  gboolean verbose;
  gint pending_events; /* scheduled unplugs not run yet (atomic) */
};

struct _EmuUsbDevice
{
  EmuBus *bus;
  EmuDevice *dev;
  guint port;
  char *port_path;
  EmuPlug *plug; /* current appearance, NULL when unplugged */
  guint last_devnum;
};

/* One appearance of a device on the bus: a device number and /dev node. */
struct _EmuPlug
{
  EmuUsbDevice *udev;
  gboolean alive;
  guint devnum;
  char *devnode;
  char *syspath;
  UMockdevIoctlBase *handler;
  GPtrArray *clients; /* EmuClient */
};

typedef struct
{
  UMockdevIoctlData *urb_data;
  UMockdevIoctlData *buf_data;
  gint64 ready_us;
  int status;
  int actual;
  gboolean in;
  guint8 *reply; /* IN data stage */
} EmuUrb;

/* An open file descriptor of the device node (one umockdev client). */
typedef struct
{
  EmuPlug *plug;
  GMainContext *ctx;
  GQueue urbs; /* EmuUrb, in submission order */
  GSource *timer;
  gint64 last_activity_us;
  /* an ioctl whose answer is held back */
  UMockdevIoctlClient *held;
  UMockdevIoctlData *held_reap; /* REAPURB(NDELAY): where the URB pointer goes */
  gboolean held_blocking;
  gint64 held_deadline;
  glong held_res;
  gint held_errno;
  UMockdevIoctlData *held_ctrl_data; /* USBDEVFS_CONTROL: IN data */
  guint8 *held_ctrl_reply;
  guint16 held_ctrl_len;
} EmuClient;

typedef struct
{
  EmuUsbDevice *udev;
  EmuEventKind kind;
  gint64 back_us;
} EmuPendingEvent;

static void
emu_urb_free (EmuUrb *u)
{
  g_clear_object (&u->urb_data);
  g_clear_object (&u->buf_data);
  g_free (u->reply);
  g_free (u);
}

void
emu_bus_lock (EmuBus *bus)
{
  g_mutex_lock (&bus->lock);
}

void
emu_bus_unlock (EmuBus *bus)
{
  g_mutex_unlock (&bus->lock);
}

static void
emu_plug_free (EmuPlug *plug)
{
  g_clear_object (&plug->handler);
  g_ptr_array_unref (plug->clients);
  g_free (plug->devnode);
  g_free (plug->syspath);
  g_free (plug);
}

static void
emu_usb_device_free (EmuUsbDevice *udev)
{
  emu_device_free (udev->dev);
  g_free (udev->port_path);
  g_free (udev);
}

EmuBus *
emu_bus_new (UMockdevTestbed *testbed, gint leave_return_ms, gboolean verbose)
{
  EmuBus *bus = g_new0 (EmuBus, 1);

  bus->testbed = g_object_ref (testbed);
  bus->main_ctx = g_main_context_ref_thread_default ();
  g_mutex_init (&bus->lock);
  bus->devices = g_ptr_array_new_with_free_func ((GDestroyNotify)emu_usb_device_free);
  bus->plugs = g_ptr_array_new_with_free_func ((GDestroyNotify)emu_plug_free);
  bus->next_devnum = 2; /* 1 is the root hub */
  bus->leave_return_ms = leave_return_ms;
  bus->verbose = verbose;
  return bus;
}

void
emu_bus_flush_events (EmuBus *bus)
{
  gint64 deadline = g_get_monotonic_time () + G_USEC_PER_SEC;

  /* A device that left just before the command ended is gone. */
  while (g_atomic_int_get (&bus->pending_events) > 0 && g_get_monotonic_time () < deadline)
    g_main_context_iteration (bus->main_ctx, TRUE);
}

void
emu_bus_free (EmuBus *bus)
{
  for (guint i = 0; i < bus->devices->len; i++)
    emu_usb_device_unplug (g_ptr_array_index (bus->devices, i));
  /* The testbed's worker thread goes first: no handler runs afterwards. */
  g_clear_object (&bus->testbed);
  g_ptr_array_unref (bus->plugs);
  g_ptr_array_unref (bus->devices);
  g_main_context_unref (bus->main_ctx);
  g_mutex_clear (&bus->lock);
  g_free (bus);
}

EmuUsbDevice *
emu_bus_add_device (EmuBus *bus, EmuDevice *dev)
{
  EmuUsbDevice *udev = g_new0 (EmuUsbDevice, 1);

  udev->bus = bus;
  udev->dev = dev;
  udev->port = bus->devices->len + 1;
  udev->port_path = g_strdup_printf ("%u-%u", BUSNUM, udev->port);
  emu_bus_lock (bus);
  g_ptr_array_add (bus->devices, udev);
  emu_bus_unlock (bus);
  return udev;
}

GPtrArray *
emu_bus_get_devices (EmuBus *bus)
{
  return bus->devices;
}

EmuUsbDevice *
emu_bus_find_device (EmuBus *bus, const char *key)
{
  for (guint i = 0; i < bus->devices->len; i++)
    {
      EmuUsbDevice *udev = g_ptr_array_index (bus->devices, i);
      if (g_str_equal (udev->port_path, key) || g_str_equal (udev->dev->serial, key))
        return udev;
    }
  return NULL;
}

EmuDevice *
emu_usb_device_get_device (EmuUsbDevice *udev)
{
  return udev->dev;
}

const char *
emu_usb_device_get_port_path (EmuUsbDevice *udev)
{
  return udev->port_path;
}

guint
emu_usb_device_get_devnum (EmuUsbDevice *udev)
{
  return udev->last_devnum;
}

gboolean
emu_usb_device_is_plugged (EmuUsbDevice *udev)
{
  return udev->plug != NULL;
}

/* ---- bus events (main context) ---- */

static gboolean
replug_cb (gpointer data)
{
  EmuUsbDevice *udev = data;
  g_autoptr (GError) error = NULL;

  if (udev->plug != NULL)
    return G_SOURCE_REMOVE;
  emu_bus_lock (udev->bus);
  emu_device_reset (udev->dev);
  emu_bus_unlock (udev->bus);
  if (!emu_usb_device_plug (udev, &error))
    g_printerr ("boot0-emulator: cannot re-plug %s: %s\n", udev->port_path, error->message);
  return G_SOURCE_REMOVE;
}

static gboolean
event_cb (gpointer data)
{
  EmuPendingEvent *ev = data;
  EmuUsbDevice *udev = ev->udev;
  gint64 back_ms = -1;

  g_atomic_int_add (&udev->bus->pending_events, -1);

  switch (ev->kind)
    {
      case EMU_EVENT_LEAVE:
        back_ms = udev->bus->leave_return_ms;
        break;
      case EMU_EVENT_REENUMERATE:
        back_ms = MAX (ev->back_us / 1000, 1);
        break;
      case EMU_EVENT_UNPLUG:
      case EMU_EVENT_NONE:
      default:
        break;
    }
  emu_usb_device_unplug (udev);
  if (back_ms >= 0)
    {
      GSource *s = g_timeout_source_new ((guint)MIN (back_ms, G_MAXUINT));
      g_source_set_callback (s, replug_cb, udev, NULL);
      g_source_attach (s, udev->bus->main_ctx);
      g_source_unref (s);
    }
  return G_SOURCE_REMOVE;
}

/* The device drops off the bus once the reply that caused it is delivered. */
static void
schedule_event (EmuUsbDevice *udev, EmuEventKind kind, gint64 back_us, gint64 at_us)
{
  EmuPendingEvent *ev = g_new0 (EmuPendingEvent, 1);
  gint64 delay_ms = MAX (at_us - g_get_monotonic_time (), 0) / 1000 + 1;
  GSource *s = g_timeout_source_new ((guint)delay_ms);

  ev->udev = udev;
  ev->kind = kind;
  ev->back_us = back_us;
  g_atomic_int_inc (&udev->bus->pending_events);
  g_source_set_callback (s, event_cb, ev, g_free);
  g_source_attach (s, udev->bus->main_ctx);
  g_source_unref (s);
}

/* ---- uevents ----
 * umockdev 0.17 aborts the sending process when a listener closes its event
 * socket between umockdev's connect() and sendmsg(): exactly what happens
 * when a device leaves DFU mode (and drops off the bus) while the command
 * that sent the leave is exiting. The emulator must survive that, so the
 * abort raised inside a uevent send is caught and the send repeated: the
 * dead listener's socket then refuses the connect(), which umockdev handles
 * by removing it. Listeners that had the event see it twice; libusb ignores
 * a second add or remove of the same device. (Process-wide state, as signal
 * handling is; uevents are sent from the main thread only.) */
static sigjmp_buf uevent_jmp;
static volatile sig_atomic_t in_uevent;

/* Leaving umockdev's sender by siglongjmp skips its frees; with
 * LeakSanitizer those would fail the emulator at exit, so allocations
 * made inside a guarded send are not tracked (weak: sanitizer builds only). */
void __lsan_disable (void) __attribute__ ((weak));
void __lsan_enable (void) __attribute__ ((weak));

static void
lsan_disable (void)
{
  if (__lsan_disable != NULL)
    __lsan_disable ();
}

static void
lsan_enable (void)
{
  if (__lsan_enable != NULL)
    __lsan_enable ();
}

static void
uevent_abort_handler (int sig)
{
  if (in_uevent)
    siglongjmp (uevent_jmp, 1);
  signal (SIGABRT, SIG_DFL);
  raise (SIGABRT);
}

static void
uevent_guard_install (void)
{
  static gsize installed = 0;
  if (g_once_init_enter (&installed))
    {
      struct sigaction sa = { 0 };
      sa.sa_handler = uevent_abort_handler;
      sigemptyset (&sa.sa_mask);
      sigaction (SIGABRT, &sa, NULL);
      g_once_init_leave (&installed, 1);
    }
}

static void
send_uevent (UMockdevTestbed *testbed, const char *syspath, const char *action)
{
  uevent_guard_install ();
  for (guint attempt = 0; attempt < 5; attempt++)
    {
      lsan_disable ();
      in_uevent = 1;
      if (sigsetjmp (uevent_jmp, 1) == 0)
        {
          umockdev_testbed_uevent (testbed, syspath, action);
          in_uevent = 0;
          lsan_enable ();
          return;
        }
      in_uevent = 0;
      lsan_enable ();
    }
  g_printerr ("boot0-emulator: could not send the %s uevent for %s\n", action, syspath);
}

/* umockdev_testbed_add_from_string() sends the "add" uevent last. */
static gboolean
add_device (UMockdevTestbed *testbed, const char *record, const char *syspath, GError **error)
{
  gboolean ok;

  uevent_guard_install ();
  lsan_disable ();
  in_uevent = 1;
  if (sigsetjmp (uevent_jmp, 1) == 0)
    {
      ok = umockdev_testbed_add_from_string (testbed, record, error);
      in_uevent = 0;
      lsan_enable ();
      return ok;
    }
  in_uevent = 0;
  lsan_enable ();
  send_uevent (testbed, syspath, "add");
  return TRUE;
}

/* ---- ioctl handling (umockdev worker thread) ---- */

/* The reply timer. GLib's own ready times are woken by a poll() with a
 * millisecond timeout, rounded up, which would make every delayed reply up
 * to 1 ms late: thousands of transfers would then cost the host seconds the
 * device does not need. A timerfd wakes the poll at the microsecond. */
typedef struct
{
  GSource base;
  int fd;
} TimerSource;

static void
timer_set (GSource *source, gint64 at_us)
{
  TimerSource *t = (TimerSource *)source;
  struct itimerspec spec = { 0 };

  if (at_us >= 0)
    {
      /* g_get_monotonic_time() is CLOCK_MONOTONIC in microseconds; a time
       * in the past fires at once (a zero time would disarm instead). */
      at_us = MAX (at_us, 1);
      spec.it_value.tv_sec = at_us / G_USEC_PER_SEC;
      spec.it_value.tv_nsec = (at_us % G_USEC_PER_SEC) * 1000;
    }
  timerfd_settime (t->fd, TFD_TIMER_ABSTIME, &spec, NULL);
}

static gboolean
timer_dispatch (GSource *source, GSourceFunc callback, gpointer user_data)
{
  TimerSource *t = (TimerSource *)source;
  guint64 expirations;

  if (read (t->fd, &expirations, sizeof expirations) < 0 && errno != EAGAIN)
    g_warning ("reading the reply timer: %s", g_strerror (errno));
  return callback (user_data);
}

static void
timer_finalize (GSource *source)
{
  close (((TimerSource *)source)->fd);
}

static GSourceFuncs timer_funcs = {
  .dispatch = timer_dispatch,
  .finalize = timer_finalize,
};

static GSource *
timer_new (void)
{
  GSource *source = g_source_new (&timer_funcs, sizeof (TimerSource));
  TimerSource *t = (TimerSource *)source;

  t->fd = timerfd_create (CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  if (t->fd < 0)
    g_error ("timerfd_create: %s", g_strerror (errno));
  g_source_add_unix_fd (source, t->fd, G_IO_IN);
  return source;
}

static gboolean timer_cb (gpointer data);

static void
emu_client_free (gpointer data)
{
  EmuClient *ec = data;
  EmuBus *bus = ec->plug->udev->bus;

  emu_bus_lock (bus);
  g_ptr_array_remove (ec->plug->clients, ec);
  emu_bus_unlock (bus);
  g_source_destroy (ec->timer);
  g_source_unref (ec->timer);
  g_queue_clear_full (&ec->urbs, (GDestroyNotify)emu_urb_free);
  g_clear_object (&ec->held_reap);
  g_clear_object (&ec->held_ctrl_data);
  g_free (ec->held_ctrl_reply);
  g_main_context_unref (ec->ctx);
  g_free (ec);
}

static EmuClient *
get_client (EmuPlug *plug, UMockdevIoctlClient *client)
{
  EmuClient *ec = g_object_get_data (G_OBJECT (client), "emu-client");

  if (ec != NULL)
    return ec;
  ec = g_new0 (EmuClient, 1);
  ec->plug = plug;
  ec->ctx = g_main_context_ref_thread_default ();
  g_queue_init (&ec->urbs);
  ec->timer = timer_new ();
  g_source_set_callback (ec->timer, timer_cb, ec, NULL);
  g_source_attach (ec->timer, ec->ctx);
  g_object_set_data_full (G_OBJECT (client), "emu-client", ec, emu_client_free);
  emu_bus_lock (plug->udev->bus);
  g_ptr_array_add (plug->clients, ec);
  emu_bus_unlock (plug->udev->bus);
  return ec;
}

static void
hold (EmuClient *ec, UMockdevIoctlClient *client, gint64 at_us)
{
  g_assert (ec->held == NULL);
  ec->held = g_object_ref (client);
  timer_set (ec->timer, MAX (at_us, 0));
}

static const char *
xfer_name (EmuXferResult r)
{
  switch (r)
    {
      case EMU_XFER_OK:
        return "ok";
      case EMU_XFER_STALL:
        return "STALL";
      case EMU_XFER_GONE:
        return "gone";
      default:
        return "?";
    }
}

/* Runs one control transfer on the model. Called with the bus lock held. */
static EmuXferResult
run_control (EmuPlug *plug, const EmuSetup *setup, guint8 *data, guint16 *actual, gint64 *done_us)
{
  EmuUsbDevice *udev = plug->udev;
  EmuBus *bus = udev->bus;
  gint64 now = g_get_monotonic_time ();
  gint64 back_us = 0;
  EmuXferResult r;
  EmuEventKind ev;

  r = emu_device_control (udev->dev, setup, data, actual, now, done_us);
  if (bus->verbose)
    g_printerr ("boot0-emulator: %s: %02x %02x %04x %04x %4u -> %s %u (+%.1f ms) %s\n",
                udev->port_path, setup->bmRequestType, setup->bRequest, setup->wValue,
                setup->wIndex, setup->wLength, xfer_name (r), *actual, (*done_us - now) / 1000.0,
                emu_dfu_state_to_string (udev->dev->state));
  ev = emu_device_take_event (udev->dev, &back_us);
  if (ev != EMU_EVENT_NONE)
    schedule_event (udev, ev, back_us, *done_us);
  return r;
}

static int
urb_status (EmuXferResult r)
{
  switch (r)
    {
      case EMU_XFER_OK:
        return 0;
      case EMU_XFER_STALL:
        return -EPIPE;
      case EMU_XFER_GONE:
      default:
        return -ESHUTDOWN;
    }
}

static void
submit_urb (EmuClient *ec, UMockdevIoctlClient *client, glong *res, gint *err)
{
  UMockdevIoctlData *arg = umockdev_ioctl_client_get_arg (client);
  g_autoptr (UMockdevIoctlData) urb_data = NULL;
  g_autoptr (UMockdevIoctlData) buf_data = NULL;
  g_autoptr (GError) error = NULL;
  struct usbdevfs_urb *urb;
  const guint8 *b;
  EmuSetup setup;
  EmuUrb *u;
  EmuBus *bus = ec->plug->udev->bus;
  guint16 actual = 0;
  gint64 done = 0;
  EmuXferResult r;

  urb_data = umockdev_ioctl_data_resolve (arg, 0, sizeof (struct usbdevfs_urb), &error);
  if (urb_data == NULL)
    {
      *res = -1;
      *err = EFAULT;
      return;
    }
  urb = (struct usbdevfs_urb *)(void *)urb_data->data;
  /* The ROM has endpoint 0 only. */
  if (urb->type != USBDEVFS_URB_TYPE_CONTROL || (urb->endpoint & 0x7F) != 0)
    {
      *res = -1;
      *err = ENOENT;
      return;
    }
  if (urb->buffer_length < 8)
    {
      *res = -1;
      *err = EINVAL;
      return;
    }
  buf_data = umockdev_ioctl_data_resolve (urb_data, G_STRUCT_OFFSET (struct usbdevfs_urb, buffer),
                                          urb->buffer_length, &error);
  if (buf_data == NULL)
    {
      *res = -1;
      *err = EFAULT;
      return;
    }
  b = buf_data->data;
  setup.bmRequestType = b[0];
  setup.bRequest = b[1];
  setup.wValue = b[2] | (b[3] << 8);
  setup.wIndex = b[4] | (b[5] << 8);
  setup.wLength = b[6] | (b[7] << 8);
  if (setup.wLength > urb->buffer_length - 8)
    {
      *res = -1;
      *err = EINVAL;
      return;
    }

  u = g_new0 (EmuUrb, 1);
  u->in = (setup.bmRequestType & 0x80) != 0;
  emu_bus_lock (bus);
  if (!ec->plug->alive)
    {
      emu_bus_unlock (bus);
      g_free (u);
      *res = -1;
      *err = ENODEV;
      return;
    }
  if (u->in)
    {
      u->reply = g_malloc0 (MAX (setup.wLength, 1));
      r = run_control (ec->plug, &setup, u->reply, &actual, &done);
    }
  else
    r = run_control (ec->plug, &setup, buf_data->data + 8, &actual, &done);
  u->status = urb_status (r);
  u->actual = r == EMU_XFER_OK ? actual : 0;
  u->ready_us = done;
  u->urb_data = g_steal_pointer (&urb_data);
  u->buf_data = g_steal_pointer (&buf_data);
  g_queue_push_tail (&ec->urbs, u);
  ec->last_activity_us = g_get_monotonic_time ();
  emu_bus_unlock (bus);
  *res = 0;
  *err = 0;
}

/* Hands the first URB back through the REAP argument. Bus lock held. */
static gboolean
try_reap (EmuClient *ec, UMockdevIoctlData *reap_data, gint64 now)
{
  EmuUrb *u = g_queue_peek_head (&ec->urbs);
  struct usbdevfs_urb *urb;

  if (u == NULL || u->ready_us > now)
    return FALSE;
  g_queue_pop_head (&ec->urbs);
  urb = (struct usbdevfs_urb *)(void *)u->urb_data->data;
  urb->status = u->status;
  urb->actual_length = u->actual;
  if (u->in && u->actual > 0)
    memcpy (u->buf_data->data + 8, u->reply, u->actual);
  umockdev_ioctl_data_set_ptr (reap_data, 0, u->urb_data);
  ec->last_activity_us = now;
  emu_urb_free (u);
  return TRUE;
}

/* Decides a REAP: TRUE when answered (*res, *err), FALSE when held until *at. */
static gboolean
decide_reap (EmuClient *ec, UMockdevIoctlData *reap_data, gboolean blocking, gint64 deadline,
             glong *res, gint *err, gint64 *at)
{
  gint64 now = g_get_monotonic_time ();
  EmuUrb *head;

  if (try_reap (ec, reap_data, now))
    {
      *res = 0;
      *err = 0;
      return TRUE;
    }
  head = g_queue_peek_head (&ec->urbs);
  if (head == NULL && !ec->plug->alive)
    {
      *res = -1;
      *err = ENODEV;
      return TRUE;
    }
  if (head != NULL)
    {
      /* A busy device: wait for the reply, in slices (libusb's timeouts). */
      *at = blocking ? head->ready_us : MIN (head->ready_us, deadline);
      if (*at > now)
        return FALSE;
      if (blocking)
        return FALSE;
      *res = -1;
      *err = EAGAIN;
      return TRUE;
    }
  if (!blocking && now < deadline)
    {
      *at = deadline;
      return FALSE;
    }
  if (blocking)
    {
      *at = now + REAP_SLICE_US;
      return FALSE;
    }
  *res = -1;
  *err = EAGAIN;
  return TRUE;
}

static gboolean
timer_cb (gpointer data)
{
  EmuClient *ec = data;
  EmuBus *bus = ec->plug->udev->bus;
  UMockdevIoctlClient *client = ec->held;
  glong res = ec->held_res;
  gint err = ec->held_errno;
  gint64 at = 0;

  if (client == NULL)
    return G_SOURCE_CONTINUE;
  emu_bus_lock (bus);
  if (ec->held_reap != NULL)
    {
      if (!decide_reap (ec, ec->held_reap, ec->held_blocking, ec->held_deadline, &res, &err, &at))
        {
          timer_set (ec->timer, at);
          emu_bus_unlock (bus);
          return G_SOURCE_CONTINUE;
        }
      g_clear_object (&ec->held_reap);
    }
  else if (ec->held_ctrl_data != NULL && ec->held_ctrl_reply != NULL && res > 0)
    memcpy (ec->held_ctrl_data->data, ec->held_ctrl_reply, res);
  g_clear_object (&ec->held_ctrl_data);
  g_clear_pointer (&ec->held_ctrl_reply, g_free);
  ec->held = NULL;
  emu_bus_unlock (bus);
  umockdev_ioctl_client_complete (client, res, err);
  g_object_unref (client);
  return G_SOURCE_CONTINUE;
}

static void
reap_urb (EmuClient *ec, UMockdevIoctlClient *client, gboolean blocking)
{
  UMockdevIoctlData *arg = umockdev_ioctl_client_get_arg (client);
  g_autoptr (UMockdevIoctlData) reap_data = NULL;
  EmuBus *bus = ec->plug->udev->bus;
  gint64 now = g_get_monotonic_time ();
  gint64 deadline;
  gint64 at = 0;
  glong res = 0;
  gint err = 0;

  reap_data = umockdev_ioctl_data_resolve (arg, 0, sizeof (gpointer), NULL);
  if (reap_data == NULL)
    {
      umockdev_ioctl_client_complete (client, -1, EFAULT);
      return;
    }
  emu_bus_lock (bus);
  if (g_queue_is_empty (&ec->urbs) && now - ec->last_activity_us > IDLE_AFTER_US)
    deadline = now + IDLE_HOLD_US;
  else if (g_queue_is_empty (&ec->urbs))
    deadline = now; /* libusb draining after a completion: answer at once */
  else
    deadline = now + REAP_SLICE_US;
  if (decide_reap (ec, reap_data, blocking, deadline, &res, &err, &at))
    {
      emu_bus_unlock (bus);
      umockdev_ioctl_client_complete (client, res, err);
      return;
    }
  ec->held_reap = g_steal_pointer (&reap_data);
  ec->held_blocking = blocking;
  ec->held_deadline = deadline;
  hold (ec, client, at);
  emu_bus_unlock (bus);
}

static void
discard_urb (EmuClient *ec, UMockdevIoctlClient *client)
{
  UMockdevIoctlData *arg = umockdev_ioctl_client_get_arg (client);
  EmuBus *bus = ec->plug->udev->bus;
  gulong addr;
  gboolean found = FALSE;

  /* DISCARDURB's argument is the URB's address itself. */
  memcpy (&addr, arg->data, sizeof (addr));
  emu_bus_lock (bus);
  for (GList *l = ec->urbs.head; l != NULL; l = l->next)
    {
      EmuUrb *u = l->data;
      if (u->urb_data->client_addr == addr)
        {
          /* The host gave up (timeout or cancel): the reply is lost. */
          u->status = -ENOENT;
          u->actual = 0;
          u->ready_us = 0;
          found = TRUE;
          /* Completed URBs are reaped in order: move it to the front. */
          g_queue_unlink (&ec->urbs, l);
          g_queue_push_head_link (&ec->urbs, l);
          break;
        }
    }
  emu_bus_unlock (bus);
  umockdev_ioctl_client_complete (client, found ? 0 : -1, found ? 0 : EINVAL);
}

/* USBDEVFS_CONTROL, SETINTERFACE, SETCONFIGURATION: synchronous requests,
 * answered when the device replies. */
static void
sync_control (EmuClient *ec, UMockdevIoctlClient *client, const EmuSetup *setup,
              UMockdevIoctlData *data, guint timeout_ms, gboolean is_ioctl_control)
{
  EmuBus *bus = ec->plug->udev->bus;
  guint8 *buf = g_malloc0 (MAX (setup->wLength, 1));
  guint16 actual = 0;
  gint64 done = 0;
  gint64 now = g_get_monotonic_time ();
  EmuXferResult r;
  glong res;
  gint err = 0;

  if (data != NULL && !(setup->bmRequestType & 0x80))
    memcpy (buf, data->data, setup->wLength);
  emu_bus_lock (bus);
  if (!ec->plug->alive)
    {
      emu_bus_unlock (bus);
      g_free (buf);
      umockdev_ioctl_client_complete (client, -1, ENODEV);
      return;
    }
  r = run_control (ec->plug, setup, buf, &actual, &done);
  ec->last_activity_us = now;
  if (r == EMU_XFER_OK)
    res = is_ioctl_control ? actual : 0;
  else
    {
      res = -1;
      err = r == EMU_XFER_STALL ? EPIPE : ENODEV;
    }
  if (timeout_ms > 0 && done - now > (gint64)timeout_ms * 1000)
    {
      done = now + (gint64)timeout_ms * 1000;
      res = -1;
      err = ETIMEDOUT;
    }
  ec->held_res = res;
  ec->held_errno = err;
  if (res > 0 && data != NULL && (setup->bmRequestType & 0x80))
    {
      ec->held_ctrl_data = g_object_ref (data);
      ec->held_ctrl_reply = g_steal_pointer (&buf);
    }
  hold (ec, client, done);
  emu_bus_unlock (bus);
  g_free (buf);
}

static void
ioctl_control (EmuClient *ec, UMockdevIoctlClient *client)
{
  UMockdevIoctlData *arg = umockdev_ioctl_client_get_arg (client);
  g_autoptr (UMockdevIoctlData) ctrl_data = NULL;
  g_autoptr (UMockdevIoctlData) data = NULL;
  struct usbdevfs_ctrltransfer *ctrl;
  EmuSetup setup;

  ctrl_data = umockdev_ioctl_data_resolve (arg, 0, sizeof (struct usbdevfs_ctrltransfer), NULL);
  if (ctrl_data == NULL)
    {
      umockdev_ioctl_client_complete (client, -1, EFAULT);
      return;
    }
  ctrl = (struct usbdevfs_ctrltransfer *)(void *)ctrl_data->data;
  setup.bmRequestType = ctrl->bRequestType;
  setup.bRequest = ctrl->bRequest;
  setup.wValue = ctrl->wValue;
  setup.wIndex = ctrl->wIndex;
  setup.wLength = ctrl->wLength;
  if (setup.wLength > 0)
    {
      data = umockdev_ioctl_data_resolve (
          ctrl_data, G_STRUCT_OFFSET (struct usbdevfs_ctrltransfer, data), setup.wLength, NULL);
      if (data == NULL)
        {
          umockdev_ioctl_client_complete (client, -1, EFAULT);
          return;
        }
    }
  sync_control (ec, client, &setup, data, ctrl->timeout, TRUE);
}

static gboolean
resolve_uint (UMockdevIoctlClient *client, guint *value)
{
  UMockdevIoctlData *arg = umockdev_ioctl_client_get_arg (client);
  g_autoptr (UMockdevIoctlData) d = umockdev_ioctl_data_resolve (arg, 0, sizeof (guint), NULL);

  if (d == NULL)
    return FALSE;
  memcpy (value, d->data, sizeof (guint));
  return TRUE;
}

static gboolean
handle_ioctl_cb (UMockdevIoctlBase *handler, UMockdevIoctlClient *client, gpointer user_data)
{
  EmuPlug *plug = user_data;
  EmuClient *ec = get_client (plug, client);
  EmuBus *bus = plug->udev->bus;
  gulong request = umockdev_ioctl_client_get_request (client);
  UMockdevIoctlData *arg = umockdev_ioctl_client_get_arg (client);
  gboolean alive;
  glong res = 0;
  gint err = 0;
  guint value = 0;

  emu_bus_lock (bus);
  alive = plug->alive;
  emu_bus_unlock (bus);

  switch (request)
    {
      case USBDEVFS_SUBMITURB:
        submit_urb (ec, client, &res, &err);
        break;
      case USBDEVFS_REAPURB:
      case USBDEVFS_REAPURBNDELAY:
        reap_urb (ec, client, request == USBDEVFS_REAPURB);
        return TRUE;
      case USBDEVFS_DISCARDURB:
        discard_urb (ec, client);
        return TRUE;
      default:
        if (!alive)
          {
            /* usbfs after a disconnect */
            umockdev_ioctl_client_complete (client, -1, ENODEV);
            return TRUE;
          }
        break;
    }

  switch (request)
    {
      case USBDEVFS_SUBMITURB:
        break;
      case USBDEVFS_GET_CAPABILITIES:
        {
          g_autoptr (UMockdevIoctlData) d = umockdev_ioctl_data_resolve (arg, 0, 4, NULL);
          guint32 caps = USBDEVFS_CAP_ZERO_PACKET | USBDEVFS_CAP_BULK_CONTINUATION |
                         USBDEVFS_CAP_NO_PACKET_SIZE_LIM | USBDEVFS_CAP_REAP_AFTER_DISCONNECT;
          if (d == NULL)
            {
              res = -1;
              err = EFAULT;
              break;
            }
          memcpy (d->data, &caps, sizeof (caps));
          break;
        }
      case USBDEVFS_CLAIMINTERFACE:
      case USBDEVFS_RELEASEINTERFACE:
        if (!resolve_uint (client, &value))
          {
            res = -1;
            err = EFAULT;
          }
        else if (value != 0)
          {
            res = -1;
            err = request == USBDEVFS_CLAIMINTERFACE ? ENOENT : EINVAL;
          }
        break;
      case USBDEVFS_SETINTERFACE:
        {
          g_autoptr (UMockdevIoctlData) d =
              umockdev_ioctl_data_resolve (arg, 0, sizeof (struct usbdevfs_setinterface), NULL);
          struct usbdevfs_setinterface *si;
          EmuSetup setup = { 0x01, 11, 0, 0, 0 };
          if (d == NULL)
            {
              res = -1;
              err = EFAULT;
              break;
            }
          /* The kernel sends SET_INTERFACE (USB 2.0 §9.4.10) to the device. */
          si = (struct usbdevfs_setinterface *)(void *)d->data;
          setup.wValue = (guint16)si->altsetting;
          setup.wIndex = (guint16)si->interface;
          sync_control (ec, client, &setup, NULL, 5000, FALSE);
          return TRUE;
        }
      case USBDEVFS_SETCONFIGURATION:
        {
          EmuSetup setup = { 0x00, 9, 0, 0, 0 };
          if (!resolve_uint (client, &value))
            {
              res = -1;
              err = EFAULT;
              break;
            }
          setup.wValue = (guint16)value;
          sync_control (ec, client, &setup, NULL, 5000, FALSE);
          return TRUE;
        }
      case USBDEVFS_CONTROL:
        ioctl_control (ec, client);
        return TRUE;
      case USBDEVFS_CONNECTINFO:
        {
          g_autoptr (UMockdevIoctlData) d =
              umockdev_ioctl_data_resolve (arg, 0, sizeof (struct usbdevfs_connectinfo), NULL);
          struct usbdevfs_connectinfo ci = { plug->devnum, 0 };
          if (d == NULL)
            {
              res = -1;
              err = EFAULT;
              break;
            }
          memcpy (d->data, &ci, sizeof (ci));
          break;
        }
      case USBDEVFS_GET_SPEED:
        res = USB_SPEED_FULL;
        break;
      case USBDEVFS_RESET:
        /* A bus reset: the ROM's DFU state restarts (a device waiting for
         * the reset after manifestation starts the application instead). */
        emu_bus_lock (bus);
        if (plug->udev->dev->state == EMU_DFU_STATE_MANIFEST_WAIT_RESET)
          schedule_event (plug->udev, EMU_EVENT_LEAVE, 0, 0);
        else
          emu_device_reset (plug->udev->dev);
        emu_bus_unlock (bus);
        break;
      case USBDEVFS_GETDRIVER:
      case USBDEVFS_IOCTL:
        res = -1;
        err = ENODATA; /* no kernel driver bound */
        break;
      case USBDEVFS_CLEAR_HALT:
      case USBDEVFS_RESETEP:
      case USBDEVFS_DISCONNECT_CLAIM:
        break;
      default:
        res = -1;
        err = ENOTTY;
        break;
    }
  umockdev_ioctl_client_complete (client, res, err);
  return TRUE;
}

/* ---- plugging ---- */

static char *
sysfs_record (EmuUsbDevice *udev, guint devnum)
{
  EmuDevice *dev = udev->dev;
  const EmuProfile *p = dev->profile;
  g_autoptr (GBytes) raw = emu_device_get_raw_descriptors (dev);
  g_autofree char *hex = NULL;
  g_autofree char *model = g_strdup (p->product);
  g_autofree char *vendor = g_strdup (p->manufacturer);
  GString *s = g_string_new (NULL);
  gsize len;
  const guint8 *d = g_bytes_get_data (raw, &len);

  g_strdelimit (model, " ", '_');
  g_strdelimit (vendor, " ", '_');
  hex = g_malloc (len * 2 + 1);
  for (gsize i = 0; i < len; i++)
    g_snprintf (hex + 2 * i, 3, "%02X", d[i]);

  /* The udev database record and sysfs attributes libusb and udev read
   * (umockdev-record format; attribute values end with a newline). */
  g_string_append_printf (s, "P: /devices/pci0000:00/0000:00:14.0/usb%u/%s\n", BUSNUM,
                          udev->port_path);
  g_string_append_printf (s, "N: bus/usb/%03u/%03u\n", BUSNUM, devnum);
  g_string_append_printf (s, "E: DEVNAME=/dev/bus/usb/%03u/%03u\n", BUSNUM, devnum);
  g_string_append (s, "E: SUBSYSTEM=usb\nE: DEVTYPE=usb_device\nE: DRIVER=usb\n");
  g_string_append_printf (s, "E: BUSNUM=%03u\nE: DEVNUM=%03u\n", BUSNUM, devnum);
  g_string_append_printf (s, "E: MAJOR=189\nE: MINOR=%u\n", (BUSNUM - 1) * 128 + devnum - 1);
  g_string_append_printf (s, "E: PRODUCT=%x/%x/%x\nE: TYPE=0/0/0\n", p->vid, p->pid, p->bcd_device);
  g_string_append_printf (s, "E: ID_BUS=usb\nE: ID_VENDOR_ID=%04x\nE: ID_MODEL_ID=%04x\n", p->vid,
                          p->pid);
  g_string_append_printf (s, "E: ID_REVISION=%04x\nE: ID_VENDOR=%s\nE: ID_MODEL=%s\n",
                          p->bcd_device, vendor, model);
  g_string_append_printf (s, "E: ID_SERIAL=%s_%s_%s\nE: ID_SERIAL_SHORT=%s\n", vendor, model,
                          dev->serial, dev->serial);
  g_string_append (s, "E: ID_USB_INTERFACES=:fe0102:\n");
  g_string_append_printf (s, "A: busnum=%u\\n\nA: devnum=%u\\n\n", BUSNUM, devnum);
  g_string_append_printf (s, "A: devpath=%u\\n\nA: dev=189:%u\\n\n", udev->port,
                          (BUSNUM - 1) * 128 + devnum - 1);
  g_string_append_printf (s, "A: idVendor=%04x\\n\nA: idProduct=%04x\\n\nA: bcdDevice=%04x\\n\n",
                          p->vid, p->pid, p->bcd_device);
  g_string_append_printf (s, "A: manufacturer=%s\\n\nA: product=%s\\n\nA: serial=%s\\n\n",
                          p->manufacturer, p->product, dev->serial);
  g_string_append (s, "A: speed=12\\n\nA: version= 2.00\\n\nA: bConfigurationValue=1\\n\n");
  g_string_append (s, "A: bNumConfigurations=1\\n\nA: bNumInterfaces= 1\\n\n");
  g_string_append_printf (s, "A: bMaxPacketSize0=%u\\n\nA: bmAttributes=%02x\\n\n", p->max_packet0,
                          p->config_attributes);
  g_string_append (s, "A: bDeviceClass=00\\n\nA: bDeviceSubClass=00\\n\n");
  g_string_append (s, "A: bDeviceProtocol=00\\n\nA: maxchild=0\\n\nA: authorized=1\\n\n");
  g_string_append (s, "A: removable=removable\\n\nA: configuration=\\n\n");
  g_string_append_printf (s, "H: descriptors=%s\n", hex);
  return g_string_free (s, FALSE);
}

gboolean
emu_usb_device_plug (EmuUsbDevice *udev, GError **error)
{
  EmuBus *bus = udev->bus;
  g_autofree char *record = NULL;
  EmuPlug *plug;

  g_return_val_if_fail (udev->plug == NULL, FALSE);
  plug = g_new0 (EmuPlug, 1);
  plug->udev = udev;
  plug->devnum = bus->next_devnum++;
  plug->devnode = g_strdup_printf ("/dev/bus/usb/%03u/%03u", BUSNUM, plug->devnum);
  plug->syspath =
      g_strdup_printf ("/sys/devices/pci0000:00/0000:00:14.0/usb%u/%s", BUSNUM, udev->port_path);
  plug->clients = g_ptr_array_new ();
  plug->handler = umockdev_ioctl_base_new ();
  plug->alive = TRUE;
  g_signal_connect (plug->handler, "handle-ioctl", G_CALLBACK (handle_ioctl_cb), plug);
  g_ptr_array_add (bus->plugs, plug);

  /* The ioctl socket exists before the "add" uevent announces the node. */
  if (!umockdev_testbed_attach_ioctl (bus->testbed, plug->devnode, plug->handler, error))
    {
      plug->alive = FALSE;
      return FALSE;
    }
  record = sysfs_record (udev, plug->devnum);
  if (!add_device (bus->testbed, record, plug->syspath, error))
    {
      plug->alive = FALSE;
      umockdev_testbed_detach_ioctl (bus->testbed, plug->devnode, NULL);
      return FALSE;
    }
  emu_bus_lock (bus);
  udev->plug = plug;
  udev->last_devnum = plug->devnum;
  g_ptr_array_add (udev->dev->stats.events,
                   g_strdup_printf ("plugged as %s devnum %u", udev->port_path, plug->devnum));
  emu_bus_unlock (bus);
  if (bus->verbose)
    g_printerr ("boot0-emulator: %s (%s %s) plugged in as %s\n", udev->port_path,
                udev->dev->profile->name, udev->dev->serial, plug->devnode);
  return TRUE;
}

void
emu_usb_device_unplug (EmuUsbDevice *udev)
{
  EmuBus *bus = udev->bus;
  EmuPlug *plug = udev->plug;
  gint64 now = g_get_monotonic_time ();

  if (plug == NULL)
    return;
  emu_bus_lock (bus);
  udev->plug = NULL;
  plug->alive = FALSE;
  /* Transfers in flight end with -ESHUTDOWN; held reaps answer now. */
  for (guint i = 0; i < plug->clients->len; i++)
    {
      EmuClient *ec = g_ptr_array_index (plug->clients, i);
      for (GList *l = ec->urbs.head; l != NULL; l = l->next)
        {
          EmuUrb *u = l->data;
          if (u->ready_us > now)
            {
              u->status = -ESHUTDOWN;
              u->actual = 0;
              u->ready_us = now;
            }
        }
      if (ec->held != NULL)
        timer_set (ec->timer, now);
    }
  g_ptr_array_add (udev->dev->stats.events, g_strdup_printf ("unplugged devnum %u", plug->devnum));
  emu_bus_unlock (bus);

  /* umockdev: the remove uevent must go out while the device still exists. */
  send_uevent (bus->testbed, plug->syspath, "remove");
  umockdev_testbed_remove_device (bus->testbed, plug->syspath);
  umockdev_testbed_detach_ioctl (bus->testbed, plug->devnode, NULL);
  if (bus->verbose)
    g_printerr ("boot0-emulator: %s unplugged (%s)\n", udev->port_path, plug->devnode);
}
