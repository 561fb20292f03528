/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests for Boot0UsbContext: enumeration and hotplug on the main context,
 * against the emulated bootloader. Run under boot0-emulator with a control
 * socket (see tests/meson.build): test-usb-context CONTROL_SOCKET. */
#include "config.h"

#include <gio/gio.h>
#include <string.h>

#include "boot0-test-helpers.h"

static const char *control_path;

/* Sends one control line to the emulator and checks the answer is "ok". */
static void
emulator_command (const char *line)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSocketClient) client = g_socket_client_new ();
  g_autoptr (GSocketAddress) address = g_unix_socket_address_new (control_path);
  g_autoptr (GSocketConnection) conn =
      g_socket_client_connect (client, G_SOCKET_CONNECTABLE (address), NULL, &error);
  g_autofree char *msg = g_strconcat (line, "\n", NULL);
  g_autoptr (GDataInputStream) in = NULL;
  g_autofree char *answer = NULL;

  g_assert_no_error (error);
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (conn)), msg, strlen (msg),
                             NULL, NULL, &error);
  g_assert_no_error (error);
  in = g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (conn)));
  answer = g_data_input_stream_read_line (in, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (answer);
  if (!g_str_has_prefix (answer, "ok"))
    g_error ("emulator: '%s' answered '%s'", line, answer);
}

typedef struct
{
  GMainLoop *loop;
  GPtrArray *added;   /* serials */
  GPtrArray *removed; /* serials */
  const char *want_added;
  const char *want_removed;
  GThread *main_thread;
} Events;

static void
added_cb (Boot0UsbContext *ctx, Boot0DfuseDevice *dev, gpointer user_data)
{
  Events *ev = user_data;
  const char *serial = boot0_device_get_serial (BOOT0_DEVICE (dev));
  /* Signals come on the main context, never on libusb's event thread. */
  g_assert_true (g_thread_self () == ev->main_thread);
  g_ptr_array_add (ev->added, g_strdup (serial));
  if (g_strcmp0 (serial, ev->want_added) == 0)
    g_main_loop_quit (ev->loop);
}

static void
removed_cb (Boot0UsbContext *ctx, Boot0DfuseDevice *dev, gpointer user_data)
{
  Events *ev = user_data;
  const char *serial = boot0_device_get_serial (BOOT0_DEVICE (dev));
  g_assert_true (g_thread_self () == ev->main_thread);
  g_ptr_array_add (ev->removed, g_strdup (serial));
  if (g_strcmp0 (serial, ev->want_removed) == 0)
    g_main_loop_quit (ev->loop);
}

static gboolean
timeout_cb (gpointer user_data)
{
  g_error ("no hotplug event within 20 s");
  return G_SOURCE_REMOVE;
}

static void
wait_for (Events *ev, const char *added, const char *removed)
{
  guint id = g_timeout_add_seconds (20, timeout_cb, NULL);
  ev->want_added = added;
  ev->want_removed = removed;
  g_main_loop_run (ev->loop);
  g_source_remove (id);
}

static gboolean
contains (GPtrArray *a, const char *s)
{
  for (guint i = 0; i < a->len; i++)
    if (g_strcmp0 (g_ptr_array_index (a, i), s) == 0)
      return TRUE;
  return FALSE;
}

static void
test_hotplug_func (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (Boot0ChipDb) db = boot0_chip_db_new_default (&error);
  g_autoptr (Boot0UsbContext) ctx = NULL;
  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr (GPtrArray) added = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) removed = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) listed = NULL;
  Events ev = { loop, added, removed, NULL, NULL, g_thread_self () };
  GPtrArray *known;

  g_assert_no_error (error);
  ctx = boot0_usb_context_new (db, &error);
  g_assert_no_error (error);

  listed = boot0_usb_context_list_devices (ctx, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (listed->len, ==, 1);
  g_assert_cmpstr (boot0_device_get_serial (g_ptr_array_index (listed, 0)), ==, "SERIAL0");
  g_assert_nonnull (strstr (boot0_device_get_label (g_ptr_array_index (listed, 0)), "STM32F405"));

  g_signal_connect (ctx, "device-added", G_CALLBACK (added_cb), &ev);
  g_signal_connect (ctx, "device-removed", G_CALLBACK (removed_cb), &ev);
  g_assert_true (boot0_usb_context_watch (ctx, &error));
  g_assert_no_error (error);
  g_assert_true (boot0_usb_context_has_hotplug (ctx));
  /* The device present when watching starts is reported as added. */
  wait_for (&ev, "SERIAL0", NULL);

  emulator_command ("add h7 NEWDEV");
  wait_for (&ev, "NEWDEV", NULL);
  known = boot0_usb_context_get_devices (ctx);
  g_assert_cmpuint (known->len, ==, 2);

  emulator_command ("remove SERIAL0");
  wait_for (&ev, NULL, "SERIAL0");
  g_assert_cmpuint (known->len, ==, 1);
  g_assert_nonnull (strstr (boot0_device_get_label (g_ptr_array_index (known, 0)), "STM32H7"));

  /* Unplugged and plugged back: reported again. */
  emulator_command ("plug SERIAL0");
  wait_for (&ev, "SERIAL0", NULL);
  g_assert_cmpuint (known->len, ==, 2);
  g_assert_true (contains (removed, "SERIAL0"));
  g_assert_false (contains (removed, "NEWDEV"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  if (argc < 2)
    g_error ("usage: test-usb-context CONTROL_SOCKET (run it through meson test)");
  control_path = argv[1];
  g_test_add_func ("/boot0/usb-context/hotplug", test_hotplug_func);
  return g_test_run ();
}
