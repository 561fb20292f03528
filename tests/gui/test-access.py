#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A board the user may not open (no udev rule; the kernel refuses its
device node): it still appears at once, says why it cannot be used, and
offers the udev rule with the exact command. Once the permission is there
and the board is replugged, it is named and programmable."""

import os

import boot0gui


def test(h):
    deny = h.write("deny-usb", b"")
    emu = h.emulator(devices=[("f405", "SERIAL0", ())])
    preload = boot0gui.need_env("BOOT0_DENY_USB_PRELOAD")
    app = h.app(emulator=emu, extra_env={
        "BOOT0_TEST_DENY_USB": deny,
        "LD_PRELOAD": preload + ":" + emu.env["LD_PRELOAD"],
    })
    app.wait_label("Device name", lambda t: "no permission" in t)
    h.wait(lambda: "no permission to use the device" in app.all_text(), 10,
           "the no-permission banner", app=app)
    app.find("Install udev rule", showing=True)
    app.wait_label("udev command", lambda t: "70-boot0.rules" in t and "udevadm" in t)
    app.wait_sensitive("Program", sensitive=False)
    if "install the udev rule" not in app.all_text():
        boot0gui.fail("the status does not say what to do:\n" + app.all_text())
    h.screenshot("access-denied.png", app=app)

    # The rule is in place: replugged, the board is named and usable.
    os.unlink(deny)
    emu.send("remove SERIAL0")
    h.wait(lambda: "Connect a board in bootloader mode" in app.all_text(), 10, "the board gone",
           app=app)
    emu.send("plug SERIAL0")
    app.wait_label("Device name", lambda t: "STM32F405" in t)
    h.wait(lambda: "no permission" not in app.all_text(), 10, "the old banner gone", app=app)
    path = h.write("app.bin", boot0gui.image(4096, seed=5))
    app.handoff(path)
    app.wait_sensitive("Program")


boot0gui.main(test)
