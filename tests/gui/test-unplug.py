#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The board is unplugged (emulator control socket: remove) while Program
runs with real device timings: the job ends at once with a clear failure,
never a hang; plugged back in, the board shows again and programming it
from the start succeeds, the flash checked byte for byte."""

import time

import boot0gui

SIZE = 256 * 1024


def test(h):
    data = boot0gui.image(SIZE, seed=10)
    path = h.write("firmware.bin", data)
    emu = h.emulator(devices=[("f405", "SERIAL0", ())], timing=True, time_scale=0.25,
                     flash_init={"SERIAL0": boot0gui.image(1024 * 1024, seed=100)})
    app = h.app(path, emulator=emu)
    app.wait_label("Device name", lambda t: t.startswith("STM32F405"))
    app.press("Program")
    app.wait_label("Step", lambda t: t.startswith(("Erasing", "Programming")), timeout=10)
    time.sleep(0.3)

    emu.send("remove SERIAL0")
    start = time.monotonic()
    result = app.wait_label("Result", lambda t: t.startswith(("Done", "Failed", "Cancelled")),
                            timeout=10)
    took = time.monotonic() - start
    boot0gui.log(f"result {took:.2f} s after the unplug: {result!r}")
    if not result.startswith("Failed"):
        boot0gui.fail(f"the job did not fail: {result!r}")
    low = app.all_text().lower()
    if not any(w in low for w in ("disconnect", "unplug", "reconnect")):
        boot0gui.fail("the failure does not say the board went away:\n" + app.all_text())
    if app.latency() > 0.5:
        boot0gui.fail("the window answers slowly after the unplug")
    app.find("Connect a board", prefix=True, showing=True, timeout=5)

    # Back again: a fresh start works.
    emu.send("plug SERIAL0")
    app.wait_label("Device name", lambda t: t.startswith("STM32F405"), timeout=5)
    app.press("Dismiss result")
    app.wait_sensitive("Program")
    app.press("Program")
    result = app.wait_label("Result", lambda t: t.startswith(("Done", "Failed", "Cancelled")),
                            timeout=60)
    if not result.startswith("Done"):
        boot0gui.fail(f"programming after replug: {result!r}")
    if emu.flash("SERIAL0")[:SIZE] != data:
        boot0gui.fail("the flash does not hold the image after programming again")


boot0gui.main(test)
