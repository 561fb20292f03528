#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Program to completion on an F405: erase, program, verify, run. The
emulator's flash file holds the image byte for byte afterwards, and the
result says "Done". Renders main-device.png and programming-done.png.

With BOOT0_GUI_REALISTIC=1 (render-screenshots.py) the device has real
timings and the image is the size of a CircuitPython build."""

import os

import boot0gui


def test(h):
    realistic = os.environ.get("BOOT0_GUI_REALISTIC") == "1"
    size = 300 * 1024 if realistic else 100 * 1024 + 123
    data = boot0gui.image(size, seed=4)
    path = h.write("feather-f405-firmware.bin" if realistic else "firmware.bin", data)
    # Flash that holds an older firmware, as on a board people reflash.
    emu = h.emulator(devices=[("f405", "3276384A3336", ())], timing=realistic,
                     flash_init={"3276384A3336": boot0gui.image(1024 * 1024, seed=40)})
    app = h.app(path, emulator=emu)
    app.wait_label("Device name", lambda t: t.startswith("STM32F405"))
    app.wait_label("Firmware summary", lambda t: os.path.basename(path) in t)
    app.wait_sensitive("Program")
    # Defaults: verify and run on.
    for name in ("Verify after programming", "Run after programming"):
        if not app.checked(app.find(name, app.pyatspi.ROLE_CHECK_BOX)):
            boot0gui.fail(f"'{name}' is not on by default")
    h.screenshot("main-device.png", app=app)

    app.press("Program")
    result = app.wait_label("Result", lambda t: t.startswith(("Done", "Failed")),
                            timeout=90 if realistic else 40)
    if not result.startswith("Done"):
        boot0gui.fail(f"programming did not succeed: {result!r}")
    boot0gui.log(f"result: {result!r}")
    if "verified" not in result or "started" not in result:
        boot0gui.fail(f"the result does not say verified and started: {result!r}")
    # The reminder that matters on the bench.
    if "remove the boot0 jumper" not in app.all_text().lower():
        boot0gui.fail("no reminder to remove the BOOT0 jumper:\n" + app.all_text())
    # Started, the ROM leaves the bus: the window goes back to waiting for a
    # board, with the result still on show. The screenshot waits for that
    # (or 3 s) so it does not race the unplug; the check comes after it.
    try:
        app.find("Connect a board", prefix=True, showing=True, timeout=3)
        left = True
    except boot0gui.Failure:
        left = False
    app.wait_label("Result", lambda t: t.startswith("Done"))
    h.screenshot("programming-done.png", app=app)

    summary = emu.stop()
    flash = emu.flash("3276384A3336")
    if flash[:size] != data:
        first = next(i for i in range(size) if flash[i] != data[i])
        boot0gui.fail(f"flash differs from the image at offset {first:#x}")
    dev = summary["devices"][0]
    boot0gui.log(f"emulator: {dev['bytes_written']} bytes written, {dev['bytes_read']} read, "
                 f"{dev['sectors_erased']} sectors erased, leave={dev['requests']['leave']}")
    if dev["bytes_read"] < size:
        boot0gui.fail("the image was not read back (verify)")
    if dev["requests"]["leave"] < 1:
        boot0gui.fail("no leave request: the firmware was not started (run)")
    # The ROM starts the application on the GETSTATUS that enters
    # dfuMANIFEST (AN3156 §3.4; the F4 ROM first answers dfuDNBUSY).
    if not any("application started" in e for e in dev["events"]):
        boot0gui.fail("the result says started, but the emulated ROM never left DFU mode "
                      f"(state {dev['state']}, events {dev['events']})")
    if not left:
        boot0gui.fail("the window still shows the board after it left the bus")


boot0gui.main(test)
