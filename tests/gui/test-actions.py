#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The other actions on an F405 that holds an older firmware: Read to file
(a backup, through the file chooser), Program with "Run after programming"
off, Verify, Erase, Verify again (now a specific failure), Run. The
emulator's flash file is checked after each step."""

import zlib

import boot0gui

OLD = boot0gui.image(1024 * 1024, seed=90)
NEW = boot0gui.image(64 * 1024, seed=91)


def result(app, timeout=40):
    return app.wait_label("Result", lambda t: t.startswith(("Done", "Failed", "Cancelled")),
                          timeout=timeout)


def test(h):
    path = h.write("firmware.bin", NEW)
    emu = h.emulator(devices=[("f405", "SERIAL0", ())], flash_init={"SERIAL0": OLD})
    app = h.app(path, emulator=emu)
    app.wait_label("Device name", lambda t: t.startswith("STM32F405"))
    app.wait_sensitive("Program")

    # Backup: the save dialog offers a name; a full path typed there wins.
    backup = h.path("backup.bin")
    app.press("Read to file")
    chooser = h.wait(lambda: next((w for w in app.windows() if w.name != "Boot0"), None), 10,
                     "the save dialog", app=app)
    boot0gui.log(f"save dialog: {chooser.name!r}")
    app.set_entry("Name:", backup, within=chooser)
    app.press("Save", within=chooser)
    app.settle()
    text = result(app, timeout=60)
    if not text.startswith("Done"):
        boot0gui.fail(f"the backup failed: {text!r}")
    with open(backup, "rb") as f:
        saved = f.read()
    if saved != OLD:
        boot0gui.fail(f"the backup ({len(saved)} bytes, CRC {zlib.crc32(saved):08x}) is not the "
                      f"flash ({len(OLD)} bytes, CRC {zlib.crc32(OLD):08x})")

    # Program without starting it.
    app.set_check("Run after programming", False)
    app.press("Dismiss result")
    app.press("Program")
    text = result(app)
    if not text.startswith("Done") or "started" in text:
        boot0gui.fail(f"program (no run): {text!r}")
    if emu.flash("SERIAL0")[:len(NEW)] != NEW:
        boot0gui.fail("the flash does not hold the image after Program")

    app.press("Dismiss result")
    app.press("Verify")
    text = result(app)
    if not text.startswith("Done") or "verif" not in text.lower():
        boot0gui.fail(f"verify: {text!r}")

    app.press("Dismiss result")
    app.press("Erase")
    text = result(app)
    if not text.startswith("Done") or "erase" not in text.lower():
        boot0gui.fail(f"erase: {text!r}")
    if emu.flash("SERIAL0")[:len(NEW)] != b"\xff" * len(NEW):
        boot0gui.fail("the image's sectors are not erased")

    app.press("Dismiss result")
    app.press("Verify")
    text = result(app)
    if not text.startswith("Failed"):
        boot0gui.fail(f"verify of erased flash: {text!r}")
    boot0gui.log(f"verify after erase: {text!r}")

    app.press("Dismiss result")
    app.press("Run")
    text = result(app)
    if not text.startswith("Done"):
        boot0gui.fail(f"run: {text!r}")


boot0gui.main(test)
