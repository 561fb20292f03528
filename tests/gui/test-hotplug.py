#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Start with no board: the no-device page explains how to enter the
bootloader; a board plugged in appears at once (hotplug, within 2 s) and
goes away when unplugged; a second board brings a device picker. Renders
no-device.png."""

import time

import boot0gui


def test(h):
    emu = h.emulator(devices=[("f405", "GONE0", ())], remove_at_start=True)
    app = h.app(emulator=emu)

    app.find("Connect a board", prefix=True, showing=True)
    # The page says what to do and what usually goes wrong.
    texts = " ".join(app.text(a) for a in app.find_all(role=app.pyatspi.ROLE_LABEL))
    for words in ("BOOT0", "reset", "cable", "crystal", "Watching"):
        if words.lower() not in texts.lower():
            boot0gui.fail(f"the no-device page does not mention '{words}':\n{texts}")
    h.screenshot("no-device.png", app=app)

    # Hotplug in: the device shows within 2 s, no refresh needed.
    emu.add("f405", "3276384A3336")
    start = time.monotonic()
    name = app.wait_label("Device name", lambda t: t.startswith("STM32F405"), timeout=2)
    boot0gui.log(f"device shown after {time.monotonic() - start:.2f} s: {name!r}")
    app.hidden("Connect a board", prefix=True, timeout=2)

    # Unplugged: back to the no-device page.
    emu.send("remove 3276384A3336")
    app.find("Connect a board", prefix=True, timeout=2, showing=True)

    # And in again (a replug gets a new device number).
    emu.send("plug 3276384A3336")
    app.wait_label("Device name", lambda t: t.startswith("STM32F405"), timeout=2)

    # A second board: a picker to choose between them; gone with it.
    if app.find_showing("Device picker"):
        boot0gui.fail("a device picker shows with one board")
    emu.add("h7", "H7SERIAL0")
    picker = app.find("Device picker", showing=True, timeout=2)
    boot0gui.log(f"picker: {picker.getRoleName()} {picker.name!r}")
    h.screenshot("two-boards.png", app=app)
    emu.send("remove H7SERIAL0")
    app.hidden("Device picker", timeout=2)
    app.wait_label("Device name", lambda t: t.startswith("STM32F405"), timeout=2)


boot0gui.main(test)
