#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Dark style honoured: the desktop's preference comes through the settings
portal (org.freedesktop.appearance color-scheme). A stand-in portal on the
test's session bus says "prefer dark": the window is drawn dark. It then
announces "prefer light" (SettingChanged): the window turns light, live."""

import subprocess
import threading

import boot0gui

PORTAL_XML = """
<node>
  <interface name="org.freedesktop.portal.Settings">
    <method name="Read">
      <arg type="s" name="namespace" direction="in"/>
      <arg type="s" name="key" direction="in"/>
      <arg type="v" name="value" direction="out"/>
    </method>
    <method name="ReadAll">
      <arg type="as" name="namespaces" direction="in"/>
      <arg type="a{sa{sv}}" name="value" direction="out"/>
    </method>
    <signal name="SettingChanged">
      <arg type="s" name="namespace"/>
      <arg type="s" name="key"/>
      <arg type="v" name="value"/>
    </signal>
  </interface>
</node>
"""
PATH = "/org/freedesktop/portal/desktop"


class Portal:
    """org.freedesktop.portal.Desktop with only the Settings interface,
    served from a thread of its own (the test's waits poll)."""

    def __init__(self, scheme):
        from gi.repository import Gio, GLib
        self.Gio, self.GLib = Gio, GLib
        self.scheme = scheme
        self.context = GLib.MainContext.new()
        self.loop = GLib.MainLoop.new(self.context, False)
        self.ready = threading.Event()
        self.reads = 0
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        if not self.ready.wait(10):
            boot0gui.fail("the stand-in portal did not start")

    def _value(self):
        return self.GLib.Variant("v", self.GLib.Variant("u", self.scheme))

    def _call(self, conn, sender, path, iface, method, params, invocation):
        if method == "Read" and params.unpack() == ("org.freedesktop.appearance", "color-scheme"):
            self.reads += 1
            invocation.return_value(self.GLib.Variant.new_tuple(self._value()))
        else:
            invocation.return_dbus_error("org.freedesktop.portal.Error.NotFound", "no such key")

    def _run(self):
        Gio, GLib = self.Gio, self.GLib
        self.context.push_thread_default()
        self.bus = Gio.bus_get_sync(Gio.BusType.SESSION, None)
        info = Gio.DBusNodeInfo.new_for_xml(PORTAL_XML).interfaces[0]
        self.bus.register_object(PATH, info, self._call, None, None)
        owned = []
        Gio.bus_own_name_on_connection(self.bus, "org.freedesktop.portal.Desktop",
                                       Gio.BusNameOwnerFlags.NONE,
                                       lambda *a: (owned.append(1), self.ready.set()), None)
        self.loop.run()

    def set_scheme(self, scheme):
        def emit(*_):
            self.scheme = scheme
            self.bus.emit_signal(None, PATH, "org.freedesktop.portal.Settings", "SettingChanged",
                                 self.GLib.Variant("(ssv)", ("org.freedesktop.appearance",
                                                             "color-scheme",
                                                             self.GLib.Variant("u", scheme))))
            return False
        src = self.GLib.idle_source_new()
        src.set_callback(emit)
        src.attach(self.context)


def brightness(path):
    """Mean luminance (0-255) of a PNG, from ImageMagick."""
    out = subprocess.run(["convert", path, "-colorspace", "Gray", "-format", "%[fx:mean*255]",
                          "info:"], capture_output=True, text=True, check=True, timeout=30)
    return float(out.stdout.strip())


def test(h):
    portal = Portal(1)  # 1 = prefer dark
    app = h.app()
    app.find("Open", showing=True)
    h.wait(lambda: portal.reads > 0, 10, "the app reading the portal's color-scheme", app=app)

    def shade(name, dark):
        def check():
            value = brightness(h.screenshot(name, app=app))
            boot0gui.log(f"{name}: mean brightness {value:.0f}")
            return value if (value < 100) == dark else None
        return h.wait(check, 10, f"the window drawn {'dark' if dark else 'light'}", app=app)

    shade("dark-style.png", dark=True)
    portal.set_scheme(2)  # 2 = prefer light
    shade("light-style.png", dark=False)


boot0gui.main(test)
