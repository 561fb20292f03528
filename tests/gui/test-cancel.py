#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Cancel: Program (Ctrl+Return) a large image on an F405 with real device
timings, press Cancel mid-way: the result says it was cancelled, the window
answered quickly all along, the log can be shown and holds the steps."""

import time

import boot0gui


def test(h):
    path = h.write("big.bin", boot0gui.image(1024 * 1024, seed=5))
    # An older firmware everywhere: every sector needs its erase (an erased
    # sector is skipped), so the job takes seconds.
    emu = h.emulator(devices=[("f405", "SERIAL0", ())], timing=True,
                     flash_init={"SERIAL0": boot0gui.image(1024 * 1024, seed=50)})
    app = h.app(path, emulator=emu)
    app.wait_label("Device name", lambda t: t.startswith("STM32F405"))
    app.wait_sensitive("Program")

    app.key("Return", ["Control_L"])
    app.wait_sensitive("Cancel", timeout=5)
    # Let it get into the work (erasing first, then programming).
    worst = 0.0
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline:
        worst = max(worst, app.latency())
        time.sleep(0.05)
    progress = app.progress()
    boot0gui.log(f"progress before cancel: {progress}, worst UI latency {worst * 1000:.0f} ms")
    if worst > 0.5:
        boot0gui.fail(f"the window was unresponsive for {worst * 1000:.0f} ms during the job")
    pressed = time.monotonic()
    app.press("Cancel")
    result = app.wait_label("Result", lambda t: t.startswith(("Done", "Failed", "Cancel")),
                            timeout=10)
    boot0gui.log(f"result {time.monotonic() - pressed:.2f} s after Cancel: {result!r}")
    if "cancel" not in result.lower():
        boot0gui.fail(f"the result does not say cancelled: {result!r}")

    # Still responsive: open the log, which records the steps.
    if app.latency() > 0.5:
        boot0gui.fail("the window answers slowly after the cancel")
    app.press("Show log")
    log = app.wait_log(lambda t: "cancel" in t.lower())
    h.screenshot("cancelled-log.png", app=app)
    boot0gui.log("log:\n" + log)
    app.wait_sensitive("Program")


boot0gui.main(test)
