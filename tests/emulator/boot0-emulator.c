/* SPDX-License-Identifier: GPL-3.0-or-later */
/* boot0-emulator: emulated STM32 DfuSe bootloaders on a umockdev testbed, around a command. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gio/gio.h>
#include <gio/gunixsocketaddress.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <umockdev.h>

#include "emu-process.h"
#include "emu-usb.h"

#define PRELOAD_LIB    "libumockdev-preload.so.0"
#define PRELOAD_MARKER "BOOT0_EMULATOR_PRELOADED"
#define EX_USAGE       64
#define EX_SOFTWARE    70

/* One --profile and the options that follow it. */
typedef struct
{
  const EmuProfile *profile;
  char *serial;
  char *flash;
  EmuFaults faults;
} DeviceSpec;

typedef struct
{
  GPtrArray *specs; /* DeviceSpec */
  char *flash;      /* given before any --profile */
  GPtrArray *global_faults;
  gboolean no_timing;
  double time_scale;
  gint plug_delay_ms;
  gint leave_return_ms;
  char *control_path;
  char *summary_path;
  gboolean verbose;
  gboolean list_profiles;
} Options;

typedef struct
{
  GMainLoop *loop;
  UMockdevTestbed *testbed;
  EmuBus *bus;
  GSocketService *control;
  GPid child;
  gboolean child_running;
  int exit_status;
  gint64 start_us;
  GHashTable *serial_uses; /* profile name -> count, for distinct serials */
} Emulator;

static Options options;

static void
device_spec_free (DeviceSpec *spec)
{
  g_free (spec->serial);
  g_free (spec->flash);
  g_free (spec);
}

static DeviceSpec *
current_spec (void)
{
  return options.specs->len > 0 ? g_ptr_array_index (options.specs, options.specs->len - 1) : NULL;
}

static gboolean opt_profile_cb (const char *name, const char *value, gpointer data, GError **error);

/* The preceding --profile's device (the default f405 if there is none yet). */
static DeviceSpec *
ensure_spec (void)
{
  if (options.specs->len == 0)
    opt_profile_cb ("--profile", "f405", NULL, NULL);
  return g_ptr_array_index (options.specs, options.specs->len - 1);
}

static gboolean
opt_profile_cb (const char *name, const char *value, gpointer data, GError **error)
{
  const EmuProfile *profile = emu_profile_lookup (value);
  DeviceSpec *spec;

  if (profile == NULL)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "unknown profile '%s' (see --list-profiles)", value);
      return FALSE;
    }
  spec = g_new0 (DeviceSpec, 1);
  spec->profile = profile;
  emu_faults_init (&spec->faults);
  for (guint i = 0; i < options.global_faults->len; i++)
    emu_faults_parse (&spec->faults, g_ptr_array_index (options.global_faults, i), NULL);
  g_ptr_array_add (options.specs, spec);
  return TRUE;
}

static gboolean
opt_serial_cb (const char *name, const char *value, gpointer data, GError **error)
{
  DeviceSpec *spec = ensure_spec ();

  g_free (spec->serial);
  spec->serial = g_strdup (value);
  return TRUE;
}

static gboolean
opt_flash_cb (const char *name, const char *value, gpointer data, GError **error)
{
  DeviceSpec *spec = current_spec ();

  if (spec == NULL)
    {
      g_free (options.flash);
      options.flash = g_strdup (value);
    }
  else
    {
      g_free (spec->flash);
      spec->flash = g_strdup (value);
    }
  return TRUE;
}

static gboolean
opt_fault_cb (const char *name, const char *value, gpointer data, GError **error)
{
  DeviceSpec *spec = current_spec ();
  EmuFaults check;

  emu_faults_init (&check);
  if (!emu_faults_parse (&check, value, error))
    return FALSE;
  if (spec == NULL)
    g_ptr_array_add (options.global_faults, g_strdup (value));
  else
    emu_faults_parse (&spec->faults, value, NULL);
  return TRUE;
}

static const GOptionEntry entries[] = {
  { "profile", 'p', 0, G_OPTION_ARG_CALLBACK, opt_profile_cb,
    "Emulate a device with this profile (repeat for several devices; default f405)", "NAME" },
  { "serial", 's', 0, G_OPTION_ARG_CALLBACK, opt_serial_cb,
    "Serial number of the device of the preceding --profile", "SERIAL" },
  { "flash", 'f', 0, G_OPTION_ARG_CALLBACK, opt_flash_cb,
    "Flash contents file, created erased if missing (after --profile: that device; before: "
    "all, FILE.N for device N when there are several)",
    "FILE" },
  { "fault", 0, 0, G_OPTION_ARG_CALLBACK, opt_fault_cb,
    "Inject a fault into the preceding --profile's device (before any --profile: all devices)",
    "SPEC" },
  { "no-timing", 'n', 0, G_OPTION_ARG_NONE, &options.no_timing,
    "Operations complete instantly and report a poll timeout of 0 (fast tests)", NULL },
  { "time-scale", 0, 0, G_OPTION_ARG_DOUBLE, &options.time_scale,
    "Multiply every device time and reported poll timeout by this (default 1)", "FACTOR" },
  { "plug-delay", 0, 0, G_OPTION_ARG_INT, &options.plug_delay_ms,
    "Plug the devices in this long after the command started", "MS" },
  { "return-after-leave", 0, 0, G_OPTION_ARG_INT, &options.leave_return_ms,
    "After leaving DFU mode the ROM comes back this long later (default: stays away)", "MS" },
  { "control", 'c', 0, G_OPTION_ARG_FILENAME, &options.control_path,
    "Listen for control commands on this unix socket", "PATH" },
  { "summary", 0, 0, G_OPTION_ARG_FILENAME, &options.summary_path,
    "Write a JSON summary of what the devices did at exit", "FILE" },
  { "verbose", 'v', 0, G_OPTION_ARG_NONE, &options.verbose,
    "Log every control transfer and bus event to stderr", NULL },
  { "list-profiles", 0, 0, G_OPTION_ARG_NONE, &options.list_profiles, "List the profiles and exit",
    NULL },
  { NULL },
};

static const char description[] =
    "Runs COMMAND with emulated STM32 DfuSe bootloaders plugged into a umockdev\n"
    "testbed: the command (and its children) see them under /sys and /dev/bus/usb\n"
    "through libumockdev-preload, so unmodified libusb programs such as dfu-util\n"
    "list, download to and upload from them. The emulator exits with the command's\n"
    "status. Without a command it prints the environment to use and runs until\n"
    "interrupted (or a 'quit' control command).\n"
    "\n"
    "Faults (--fault SPEC; blocks count data DNLOADs from 0, erases count erase commands):\n"
    "  unplug=BYTES            drop off the bus during the DNLOAD that passes BYTES\n"
    "  stall=BLOCK             STALL data block BLOCK (dfuERROR/errSTALLEDPKT)\n"
    "  error=STATUS:BLOCK      data block BLOCK fails with STATUS (errWRITE, errVERIFY,\n"
    "                          errTARGET, errADDRESS, errPROG, errVENDOR...)\n"
    "  erase-error=STATUS[:N]  erase command N (default 0) fails with STATUS\n"
    "  bitflip=ADDR[:BIT]      flip BIT (default 0) of the byte at ADDR when it is\n"
    "                          written; the status stays OK (only a verify sees it)\n"
    "  busy=MS                 operations take MS longer than the poll timeout says and\n"
    "                          GETSTATUS answers dfuDNBUSY meanwhile\n"
    "  rdp                     read-out protection level 1: set address, erase, reads and\n"
    "                          writes fail with errVENDOR; 0x92 read unprotect clears it\n"
    "                          with a mass erase and a re-enumeration\n"
    "\n"
    "Control commands (one per line on --control's socket; answers 'ok ...' or 'error ...'):\n"
    "  add PROFILE [SERIAL [FLASH]]   plug in a new device\n"
    "  remove SERIAL|PORT             unplug a device (remove uevent, node gone)\n"
    "  plug SERIAL|PORT               plug a removed device back (same flash, new devnum)\n"
    "  list                           one line per device, then 'ok'\n"
    "  quit                           stop (kills the command with SIGTERM)\n"
    "\n"
    "The --summary JSON holds per device: profile, serial, port, devnum, plugged, faults,\n"
    "state, status, control_transfers, requests{...}, bytes_written, bytes_read,\n"
    "sectors_erased, erase_ms, program_ms, usb_ms, device_min_ms (their sum: the\n"
    "device-bound minimum), reported_poll_ms, held_ms and events; plus wall_ms and\n"
    "exit_status. See tests/emulator/README.md.\n"
    "\n"
    "Example: boot0-emulator --profile f405 --flash /tmp/f405.bin -- dfu-util -l";

static char *
derive_serial (Emulator *emu, const EmuProfile *profile)
{
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (emu->serial_uses, profile->name));
  gsize len = strlen (profile->serial);
  guint64 tail;

  g_hash_table_insert (emu->serial_uses, (gpointer)profile->name, GUINT_TO_POINTER (n + 1));
  if (n == 0 || profile->serial_fixed || len < 4)
    return g_strdup (profile->serial);
  /* Another chip: a different UID, so a different serial (same length). */
  tail = g_ascii_strtoull (profile->serial + len - 4, NULL, 16);
  return g_strdup_printf ("%.*s%04X", (int)(len - 4), profile->serial,
                          (guint)((tail + n) & 0xFFFF));
}

static double
time_scale (void)
{
  return options.no_timing ? 0.0 : options.time_scale;
}

static EmuUsbDevice *
add_device (Emulator *emu, const EmuProfile *profile, const char *serial, const char *flash,
            const EmuFaults *faults, GError **error)
{
  g_autofree char *derived = serial == NULL ? derive_serial (emu, profile) : NULL;
  EmuDevice *dev;

  dev = emu_device_new (profile, serial != NULL ? serial : derived, flash, faults, time_scale (),
                        error);
  if (dev == NULL)
    return NULL;
  return emu_bus_add_device (emu->bus, dev);
}

static gboolean
plug_all_cb (gpointer data)
{
  Emulator *emu = data;
  GPtrArray *devices = emu_bus_get_devices (emu->bus);

  for (guint i = 0; i < devices->len; i++)
    {
      g_autoptr (GError) error = NULL;
      EmuUsbDevice *udev = g_ptr_array_index (devices, i);
      if (!emu_usb_device_is_plugged (udev) && !emu_usb_device_plug (udev, &error))
        g_printerr ("boot0-emulator: %s\n", error->message);
    }
  return G_SOURCE_REMOVE;
}

/* ---- control channel ---- */

static void reply (GOutputStream *out, const char *format, ...) G_GNUC_PRINTF (2, 3);

static void
reply (GOutputStream *out, const char *format, ...)
{
  g_autofree char *line = NULL;
  va_list args;

  va_start (args, format);
  line = g_strdup_vprintf (format, args);
  va_end (args);
  g_output_stream_write_all (out, line, strlen (line), NULL, NULL, NULL);
  g_output_stream_write_all (out, "\n", 1, NULL, NULL, NULL);
}

static void stop (Emulator *emu, int sig);

static void
run_command (Emulator *emu, const char *line, GOutputStream *out)
{
  g_auto (GStrv) argv = NULL;
  g_autoptr (GError) error = NULL;
  EmuUsbDevice *udev;
  guint argc;

  if (!g_shell_parse_argv (line, (int *)&argc, &argv, NULL) || argc == 0)
    {
      reply (out, "error empty or malformed command");
      return;
    }
  if (g_str_equal (argv[0], "add") && argc >= 2 && argc <= 4)
    {
      const EmuProfile *profile = emu_profile_lookup (argv[1]);
      EmuFaults faults;
      emu_faults_init (&faults);
      if (profile == NULL)
        {
          reply (out, "error unknown profile '%s'", argv[1]);
          return;
        }
      udev = add_device (emu, profile, argc >= 3 ? argv[2] : NULL, argc >= 4 ? argv[3] : NULL,
                         &faults, &error);
      if (udev == NULL || !emu_usb_device_plug (udev, &error))
        {
          reply (out, "error %s", error->message);
          return;
        }
      reply (out, "ok %s %s", emu_usb_device_get_port_path (udev),
             emu_usb_device_get_device (udev)->serial);
      return;
    }
  if ((g_str_equal (argv[0], "remove") || g_str_equal (argv[0], "plug")) && argc == 2)
    {
      udev = emu_bus_find_device (emu->bus, argv[1]);
      if (udev == NULL)
        {
          reply (out, "error no device '%s'", argv[1]);
          return;
        }
      if (g_str_equal (argv[0], "remove"))
        {
          if (!emu_usb_device_is_plugged (udev))
            {
              reply (out, "error '%s' is not plugged in", argv[1]);
              return;
            }
          emu_usb_device_unplug (udev);
        }
      else
        {
          if (emu_usb_device_is_plugged (udev))
            {
              reply (out, "error '%s' is already plugged in", argv[1]);
              return;
            }
          emu_bus_lock (emu->bus);
          emu_device_reset (emu_usb_device_get_device (udev));
          emu_bus_unlock (emu->bus);
          if (!emu_usb_device_plug (udev, &error))
            {
              reply (out, "error %s", error->message);
              return;
            }
        }
      reply (out, "ok");
      return;
    }
  if (g_str_equal (argv[0], "list") && argc == 1)
    {
      GPtrArray *devices = emu_bus_get_devices (emu->bus);
      for (guint i = 0; i < devices->len; i++)
        {
          EmuDevice *dev;
          udev = g_ptr_array_index (devices, i);
          dev = emu_usb_device_get_device (udev);
          emu_bus_lock (emu->bus);
          reply (out, "%s %s %s %s devnum=%u %s", emu_usb_device_get_port_path (udev), dev->serial,
                 dev->profile->name, emu_usb_device_is_plugged (udev) ? "plugged" : "unplugged",
                 emu_usb_device_get_devnum (udev), emu_dfu_state_to_string (dev->state));
          emu_bus_unlock (emu->bus);
        }
      reply (out, "ok");
      return;
    }
  if (g_str_equal (argv[0], "quit") && argc == 1)
    {
      reply (out, "ok");
      stop (emu, SIGTERM);
      return;
    }
  reply (out, "error unknown command '%s' (add, remove, plug, list, quit)", line);
}

typedef struct
{
  Emulator *emu;
  GSocketConnection *conn;
  GDataInputStream *in;
} ControlClient;

static void
control_client_free (ControlClient *cc)
{
  g_object_unref (cc->in);
  g_object_unref (cc->conn);
  g_free (cc);
}

static void
control_line_cb (GObject *source, GAsyncResult *res, gpointer data)
{
  ControlClient *cc = data;
  g_autofree char *line = NULL;
  GOutputStream *out;

  line = g_data_input_stream_read_line_finish (cc->in, res, NULL, NULL);
  if (line == NULL)
    {
      control_client_free (cc);
      return;
    }
  g_strstrip (line);
  out = g_io_stream_get_output_stream (G_IO_STREAM (cc->conn));
  if (line[0] != '\0' && line[0] != '#')
    run_command (cc->emu, line, out);
  g_data_input_stream_read_line_async (cc->in, G_PRIORITY_DEFAULT, NULL, control_line_cb, cc);
}

static gboolean
control_incoming_cb (GSocketService *service, GSocketConnection *conn, GObject *source,
                     gpointer data)
{
  ControlClient *cc = g_new0 (ControlClient, 1);

  cc->emu = data;
  cc->conn = g_object_ref (conn);
  cc->in = g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (conn)));
  g_data_input_stream_read_line_async (cc->in, G_PRIORITY_DEFAULT, NULL, control_line_cb, cc);
  return TRUE;
}

static gboolean
start_control (Emulator *emu, const char *path, GError **error)
{
  g_autoptr (GSocketAddress) address = NULL;

  g_unlink (path);
  address = g_unix_socket_address_new (path);
  emu->control = g_socket_service_new ();
  if (!g_socket_listener_add_address (G_SOCKET_LISTENER (emu->control), address,
                                      G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_DEFAULT, NULL, NULL,
                                      error))
    {
      g_prefix_error (error, "control socket %s: ", path);
      return FALSE;
    }
  g_signal_connect (emu->control, "incoming", G_CALLBACK (control_incoming_cb), emu);
  g_socket_service_start (emu->control);
  return TRUE;
}

/* ---- the command ---- */

static void
stop (Emulator *emu, int sig)
{
  if (emu->child_running)
    kill (emu->child, sig);
  else
    g_main_loop_quit (emu->loop);
}

static gboolean
signal_cb (gpointer data)
{
  Emulator *emu = data;
  stop (emu, SIGTERM);
  return G_SOURCE_CONTINUE;
}

static void
child_watch_cb (GPid pid, gint status, gpointer data)
{
  Emulator *emu = data;

  emu->child_running = FALSE;
  emu->exit_status = emu_exit_status (status);
  g_spawn_close_pid (pid);
  g_main_loop_quit (emu->loop);
}

static char **
child_environment (Emulator *emu)
{
  g_autofree char *root = umockdev_testbed_get_root_dir (emu->testbed);
  char **env = g_get_environ ();

  env = g_environ_setenv (env, "UMOCKDEV_DIR", root, TRUE);
  env = g_environ_unsetenv (env, PRELOAD_MARKER);
  return env;
}

static gboolean
spawn_child (Emulator *emu, char **argv, GError **error)
{
  g_auto (GStrv) env = child_environment (emu);

  if (!g_spawn_async (NULL, argv, env,
                      G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD |
                          G_SPAWN_CHILD_INHERITS_STDIN,
                      NULL, NULL, &emu->child, error))
    return FALSE;
  emu->child_running = TRUE;
  g_child_watch_add (emu->child, child_watch_cb, emu);
  return TRUE;
}

static void
write_summary (Emulator *emu, const char *path)
{
  g_autoptr (GString) out = g_string_new ("{\n");
  g_autoptr (GError) error = NULL;
  GPtrArray *devices = emu_bus_get_devices (emu->bus);

  g_string_append_printf (out, "  \"emulator\": \"boot0-emulator %s\",\n", PACKAGE_VERSION);
  g_string_append_printf (out, "  \"wall_ms\": %.3f,\n",
                          (g_get_monotonic_time () - emu->start_us) / 1000.0);
  g_string_append_printf (out, "  \"exit_status\": %d,\n", emu->exit_status);
  g_string_append (out, "  \"devices\": [");
  emu_bus_lock (emu->bus);
  for (guint i = 0; i < devices->len; i++)
    {
      EmuUsbDevice *udev = g_ptr_array_index (devices, i);
      g_autofree char *extra = g_strdup_printf (
          "\"port\": \"%s\", \"devnum\": %u, \"plugged\": %s", emu_usb_device_get_port_path (udev),
          emu_usb_device_get_devnum (udev), emu_usb_device_is_plugged (udev) ? "true" : "false");
      g_string_append (out, i ? ",\n    " : "\n    ");
      emu_device_append_json (emu_usb_device_get_device (udev), out, "    ", extra);
    }
  emu_bus_unlock (emu->bus);
  g_string_append (out, devices->len ? "\n  ]\n}\n" : "]\n}\n");
  if (!g_file_set_contents (path, out->str, out->len, &error))
    g_printerr ("boot0-emulator: cannot write summary: %s\n", error->message);
}

/* umockdev's uevents only reach processes that run under its preload, this
 * one included: start again with it. */
static void
reexec_with_preload (char **argv)
{
  const char *preload = g_getenv ("LD_PRELOAD");
  const char *asan = g_getenv ("ASAN_OPTIONS");
  g_autofree char *new_preload = NULL;
  g_autofree char *new_asan = NULL;

  if (g_strcmp0 (g_getenv (PRELOAD_MARKER), "1") == 0)
    return;
  if (preload != NULL && strstr (preload, "libumockdev-preload") != NULL)
    new_preload = g_strdup (preload);
  else if (preload != NULL && *preload != '\0')
    new_preload = g_strconcat (PRELOAD_LIB, ":", preload, NULL);
  else
    new_preload = g_strdup (PRELOAD_LIB);
  /* With AddressSanitizer the preload comes before the ASan runtime. */
  if (asan != NULL && *asan != '\0')
    new_asan = g_strconcat (asan, ":verify_asan_link_order=0", NULL);
  else
    new_asan = g_strdup ("verify_asan_link_order=0");
  g_setenv ("LD_PRELOAD", new_preload, TRUE);
  g_setenv ("ASAN_OPTIONS", new_asan, TRUE);
  g_setenv (PRELOAD_MARKER, "1", TRUE);
  execv ("/proc/self/exe", argv);
  g_printerr ("boot0-emulator: cannot re-execute itself: %s\n", g_strerror (errno));
  exit (EX_SOFTWARE);
}

static void
list_profiles (void)
{
  const EmuProfile *const *profiles = emu_profile_list ();

  for (guint i = 0; profiles[i] != NULL; i++)
    {
      const EmuProfile *p = profiles[i];
      g_print ("%-8s %s\n", p->name, p->description);
      g_print ("         %04x:%04x bcdDevice %04x \"%s\" / \"%s\", wTransferSize %u\n", p->vid,
               p->pid, p->bcd_device, p->manufacturer, p->product, p->transfer_size);
      for (guint a = 0; a < emu_profile_n_alts (p); a++)
        g_print ("         alt %u %s\n", a, p->alts[a]);
    }
}

/* Parses everything before "--"; *command gets what follows it (or NULL).
 * Returns -1 to go on, else the exit status. */
static int
parse_options (int argc, char **argv, char ***command)
{
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char **args = NULL;
  int n = argc;

  *command = NULL;
  for (int i = 1; i < argc; i++)
    {
      if (g_str_equal (argv[i], "--"))
        {
          n = i;
          *command = argv + i + 1;
          break;
        }
    }
  /* GOption rearranges the vector it parses: give it a copy. */
  args = g_new0 (char *, n + 1);
  memcpy (args, argv, sizeof (char *) * n);

  options.specs = g_ptr_array_new_with_free_func ((GDestroyNotify)device_spec_free);
  options.global_faults = g_ptr_array_new_with_free_func (g_free);
  options.time_scale = 1.0;
  options.leave_return_ms = -1;
  context = g_option_context_new ("[-- COMMAND [ARG...]]");
  g_option_context_set_summary (
      context, "Emulated STM32 DfuSe bootloaders for tests, benchmarks and demos.");
  g_option_context_set_description (context, description);
  g_option_context_add_main_entries (context, entries, NULL);
  {
    char **parse_args = args;
    if (!g_option_context_parse (context, &n, &parse_args, &error))
      {
        g_printerr ("boot0-emulator: %s\n", error->message);
        return EX_USAGE;
      }
    if (n > 1)
      {
        g_printerr ("boot0-emulator: unexpected argument '%s' (put the command after --)\n",
                    parse_args[1]);
        return EX_USAGE;
      }
  }
  if (options.list_profiles)
    {
      list_profiles ();
      return 0;
    }
  if (options.time_scale < 0 || options.plug_delay_ms < 0)
    {
      g_printerr ("boot0-emulator: --time-scale and --plug-delay must not be negative\n");
      return EX_USAGE;
    }
  if (*command != NULL && (*command)[0] == NULL)
    {
      g_printerr ("boot0-emulator: no command after --\n");
      return EX_USAGE;
    }
  return -1;
}

/* The devices of the command line, with their flash files. */
static gboolean
add_devices (Emulator *emu, GError **error)
{
  if (options.specs->len == 0)
    opt_profile_cb ("--profile", "f405", NULL, NULL);
  for (guint i = 0; i < options.specs->len; i++)
    {
      DeviceSpec *spec = g_ptr_array_index (options.specs, i);
      g_autofree char *flash = NULL;

      if (spec->flash != NULL)
        flash = g_strdup (spec->flash);
      else if (options.flash != NULL && options.specs->len == 1)
        flash = g_strdup (options.flash);
      else if (options.flash != NULL)
        flash = g_strdup_printf ("%s.%u", options.flash, i);
      if (add_device (emu, spec->profile, spec->serial, flash, &spec->faults, error) == NULL)
        return FALSE;
    }
  return TRUE;
}

static void
shutdown_emulator (Emulator *emu)
{
  GPtrArray *devices = emu_bus_get_devices (emu->bus);

  emu_bus_flush_events (emu->bus);
  if (options.summary_path != NULL)
    write_summary (emu, options.summary_path);
  if (emu->control != NULL)
    {
      g_socket_service_stop (emu->control);
      g_socket_listener_close (G_SOCKET_LISTENER (emu->control));
      g_clear_object (&emu->control);
      g_unlink (options.control_path);
    }
  for (guint i = 0; i < devices->len; i++)
    emu_usb_device_unplug (g_ptr_array_index (devices, i));
  g_clear_object (&emu->testbed);
  emu_bus_free (emu->bus);
  g_hash_table_unref (emu->serial_uses);
  g_main_loop_unref (emu->loop);
  g_ptr_array_unref (options.specs);
  g_ptr_array_unref (options.global_faults);
  g_free (options.flash);
  g_free (options.control_path);
  g_free (options.summary_path);
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  Emulator emu = { 0 };
  char **command = NULL;
  int status;

  status = parse_options (argc, argv, &command);
  if (status >= 0)
    return status;
  reexec_with_preload (argv);

  emu.start_us = g_get_monotonic_time ();
  emu.loop = g_main_loop_new (NULL, FALSE);
  emu.serial_uses = g_hash_table_new (g_str_hash, g_str_equal);
  emu.testbed = umockdev_testbed_new ();
  emu.bus = emu_bus_new (emu.testbed, options.leave_return_ms, options.verbose);

  if (!add_devices (&emu, &error) ||
      (options.control_path != NULL && !start_control (&emu, options.control_path, &error)))
    {
      g_printerr ("boot0-emulator: %s\n", error->message);
      emu.exit_status = EX_SOFTWARE;
      shutdown_emulator (&emu);
      return EX_SOFTWARE;
    }
  if (options.plug_delay_ms > 0)
    g_timeout_add (options.plug_delay_ms, plug_all_cb, &emu);
  else
    plug_all_cb (&emu);

  g_unix_signal_add (SIGINT, signal_cb, &emu);
  g_unix_signal_add (SIGTERM, signal_cb, &emu);
  g_unix_signal_add (SIGHUP, signal_cb, &emu);
  if (command == NULL)
    {
      g_autofree char *root = umockdev_testbed_get_root_dir (emu.testbed);
      /* For other terminals; ASAN_OPTIONS matters for sanitizer builds. */
      g_print ("UMOCKDEV_DIR=%s\nLD_PRELOAD=%s\nASAN_OPTIONS=%s\n\n", root, g_getenv ("LD_PRELOAD"),
               g_getenv ("ASAN_OPTIONS"));
      fflush (stdout);
      g_main_loop_run (emu.loop);
    }
  else if (spawn_child (&emu, command, &error))
    g_main_loop_run (emu.loop);
  else
    {
      g_printerr ("boot0-emulator: cannot run %s: %s\n", command[0], error->message);
      emu.exit_status = 127;
    }
  status = emu.exit_status;
  shutdown_emulator (&emu);
  return status;
}
