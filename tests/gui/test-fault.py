#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The board drops off the bus mid-write (emulator fault unplug=50000): the
job ends at once with a clear failure that says to reconnect, never a hang;
the window stays responsive and goes back to waiting for a board."""

import time

import boot0gui


def test(h):
    path = h.write("firmware.bin", boot0gui.image(200 * 1024, seed=6))
    emu = h.emulator(devices=[("f405", "SERIAL0", ("unplug=50000",))])
    app = h.app(path, emulator=emu)
    app.wait_label("Device name", lambda t: t.startswith("STM32F405"))
    app.press("Program")
    start = time.monotonic()
    result = app.wait_label("Result", lambda t: t.startswith(("Done", "Failed")), timeout=20)
    boot0gui.log(f"result after {time.monotonic() - start:.2f} s: {result!r}")
    if not result.startswith("Failed"):
        boot0gui.fail(f"the job did not fail: {result!r}")
    low = app.all_text().lower()
    if not any(w in low for w in ("disconnect", "unplug", "gone", "reconnect")):
        boot0gui.fail("the failure does not say the board went away:\n" + app.all_text())
    if app.latency() > 0.5:
        boot0gui.fail("the window answers slowly after the failure")
    # The board is gone: the window waits for one again.
    app.find("Connect a board", prefix=True, timeout=5, showing=True)
    h.screenshot("failed-unplugged.png", app=app)
    summary = emu.stop()
    events = summary["devices"][0]["events"]
    boot0gui.log(f"emulator events: {events}")


boot0gui.main(test)
