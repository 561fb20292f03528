/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Helper for test-emulator-dfu-util.py: a libusb hotplug client run under boot0-emulator. */
#include "config.h"

#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <glib.h>
#include <libusb.h>

/* Prints "arrived PORT devnum=N serial=S" and "left PORT devnum=N" lines for
 * 0483:df11 devices as libusb's hotplug (udev monitor) reports them. With
 * --open it keeps each arrived device open, so libusb's event thread polls
 * its node; at stdin EOF it prints "cpu_ms=C wall_ms=W" and exits. */

typedef struct
{
  gboolean arrived;
  libusb_device *device;
} Event;

static GAsyncQueue *events;
static volatile gint stop_flag;

static int LIBUSB_CALL
hotplug_cb (libusb_context *ctx, libusb_device *device, libusb_hotplug_event event, void *user_data)
{
  Event *e = g_new0 (Event, 1);

  e->arrived = event == LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED;
  e->device = libusb_ref_device (device);
  g_async_queue_push (events, e);
  return 0;
}

static gpointer
event_thread (gpointer data)
{
  libusb_context *ctx = data;

  while (!g_atomic_int_get (&stop_flag))
    {
      struct timeval tv = { 0, 100000 };
      libusb_handle_events_timeout_completed (ctx, &tv, NULL);
    }
  return NULL;
}

static char *
port_path (libusb_device *device)
{
  guint8 ports[8];
  int n = libusb_get_port_numbers (device, ports, sizeof (ports));
  GString *s = g_string_new (NULL);

  g_string_append_printf (s, "%u", libusb_get_bus_number (device));
  for (int i = 0; i < n; i++)
    g_string_append_printf (s, "%c%u", i == 0 ? '-' : '.', ports[i]);
  return g_string_free (s, FALSE);
}

static double
cpu_ms (void)
{
  struct rusage ru;
  getrusage (RUSAGE_SELF, &ru);
  return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000.0 +
         (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000.0;
}

int
main (int argc, char **argv)
{
  libusb_context *ctx = NULL;
  libusb_hotplug_callback_handle handle;
  GPtrArray *open_handles = g_ptr_array_new ();
  gboolean keep_open = argc > 1 && g_str_equal (argv[1], "--open");
  GThread *thread;
  gint64 start = g_get_monotonic_time ();
  double cpu_start;
  int rc;

  setvbuf (stdout, NULL, _IOLBF, 0);
  events = g_async_queue_new ();
  rc = libusb_init (&ctx);
  if (rc != 0 || !libusb_has_capability (LIBUSB_CAP_HAS_HOTPLUG))
    {
      fprintf (stderr, "libusb init/hotplug: %s\n", libusb_error_name (rc));
      return 1;
    }
  rc = libusb_hotplug_register_callback (
      ctx, LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED | LIBUSB_HOTPLUG_EVENT_DEVICE_LEFT,
      LIBUSB_HOTPLUG_ENUMERATE, 0x0483, 0xdf11, LIBUSB_HOTPLUG_MATCH_ANY, hotplug_cb, NULL,
      &handle);
  if (rc != 0)
    {
      fprintf (stderr, "register: %s\n", libusb_error_name (rc));
      return 1;
    }
  thread = g_thread_new ("usb-events", event_thread, ctx);
  printf ("ready\n");
  cpu_start = cpu_ms ();
  start = g_get_monotonic_time ();

  for (;;)
    {
      struct pollfd pfd = { STDIN_FILENO, POLLIN, 0 };
      Event *e;
      char buf[64];

      while ((e = g_async_queue_try_pop (events)) != NULL)
        {
          g_autofree char *path = port_path (e->device);
          guint8 devnum = libusb_get_device_address (e->device);
          if (e->arrived)
            {
              struct libusb_device_descriptor desc;
              libusb_device_handle *h = NULL;
              unsigned char serial[64] = "";

              libusb_get_device_descriptor (e->device, &desc);
              if (libusb_open (e->device, &h) == 0)
                {
                  libusb_get_string_descriptor_ascii (h, desc.iSerialNumber, serial,
                                                      sizeof (serial));
                  if (keep_open)
                    g_ptr_array_add (open_handles, h);
                  else
                    libusb_close (h);
                }
              printf ("arrived %s devnum=%u serial=%s\n", path, devnum, serial);
            }
          else
            printf ("left %s devnum=%u\n", path, devnum);
          libusb_unref_device (e->device);
          g_free (e);
        }
      if (poll (&pfd, 1, 20) > 0 && read (STDIN_FILENO, buf, sizeof (buf)) <= 0)
        break;
    }

  printf ("cpu_ms=%.1f wall_ms=%.1f\n", cpu_ms () - cpu_start,
          (g_get_monotonic_time () - start) / 1000.0);
  g_atomic_int_set (&stop_flag, 1);
  libusb_hotplug_deregister_callback (ctx, handle);
  g_thread_join (thread);
  for (guint i = 0; i < open_handles->len; i++)
    libusb_close (g_ptr_array_index (open_handles, i));
  g_ptr_array_unref (open_handles);
  libusb_exit (ctx);
  g_async_queue_unref (events);
  return 0;
}
