#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The GNOME furniture, by keyboard and menu: Ctrl+L shows the log,
Ctrl+comma opens Preferences, Ctrl+? the keyboard shortcuts, the primary
menu has About; Ctrl+Q quits cleanly."""

import boot0gui


def new_window(app, *names, timeout=5):
    def find():
        app._alive()
        for w in app.windows():
            if w.name in names:
                return w
        return None
    w = app.h.wait(find, timeout, f"the window '{names[0]}'", app=app)
    if w.name != names[0]:
        boot0gui.log(f"note: the window '{names[0]}' is named {w.name!r}")
    return w


def close_window(app, *names):
    app.key("Escape")
    # GTK 4.8 crashes if the window list is asked for while one closes.
    app.settle()
    app.h.wait(lambda: not any(w.name in names for w in app.windows()), 5,
               f"the window '{names[0]}' to close", app=app)


def test(h):
    emu = h.emulator(devices=[("f405", "SERIAL0", ())])
    app = h.app(emulator=emu)
    app.wait_label("Device name", lambda t: t.startswith("STM32F405"))

    if app.find_showing("Log", app.pyatspi.ROLE_TEXT):
        boot0gui.fail("the log is open at start")
    app.key("l", ["Control_L"])
    app.find("Log", app.pyatspi.ROLE_TEXT, showing=True)
    app.wait_log(lambda t: "STM32F405" in t or "3276384A3336" in t or "SERIAL0" in t)
    app.key("l", ["Control_L"])
    app.hidden("Log", app.pyatspi.ROLE_TEXT)

    app.key("comma", ["Control_L"])
    prefs = new_window(app, "Preferences")
    boot0gui.log("preferences:\n" + "\n".join(app.dump(prefs)))
    close_window(app, "Preferences")

    app.key("slash", ["Control_L", "Shift_L"])
    # GtkShortcutsWindow has no title unless the .ui gives it one.
    new_window(app, "Shortcuts", "Keyboard Shortcuts", "GtkShortcutsWindow")
    close_window(app, "Shortcuts", "Keyboard Shortcuts", "GtkShortcutsWindow")

    app.press("Main menu")
    about = app.find("About Boot0", app.pyatspi.ROLE_MENU_ITEM, showing=False)
    about.queryAction().doAction(0)
    new_window(app, "About Boot0")
    close_window(app, "About Boot0")

    app.key("q", ["Control_L"])
    code = app.proc.wait(timeout=10)
    if code != 0:
        boot0gui.fail(f"boot0 exited with {code} on Ctrl+Q:\n{app.stderr_tail()}")


boot0gui.main(test)
