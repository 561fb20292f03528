#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Refused images, before anything touches the device, on the CubeMX
bootloader: a .hex that writes into its read-only sectors and a .bin too
large for its application area are explained and Program stays
insensitive; a .dfu whose suffix names another USB device keeps Program
disabled until the user presses "Use Anyway".
The emulator saw no erase and no write."""

import boot0gui


def test(h):
    data = boot0gui.image(48 * 1024, seed=7)
    src = h.write("whole.bin", data)
    hexfile = h.path("whole.hex")
    h.cli("convert", "--address", "0x08000000", src, hexfile)

    emu = h.emulator(devices=[("cubemx", "CUBEMX0", ())])
    app = h.app(hexfile, emulator=emu)
    app.wait_label("Device name", lambda t: "dfuse" in t.lower() or "custom" in t.lower())
    app.wait_label("Firmware summary", lambda t: "whole.hex" in t)
    app.wait_sensitive("Program", sensitive=False)
    h.wait(lambda: "read-only" in app.all_text().lower(), 5, "the read-only problem shown",
           app=app)
    boot0gui.log("shown:\n" + app.all_text())
    h.screenshot("refused-read-only.png", app=app)

    # Too large for the application area (480 KiB after the bootloader).
    big = h.write("big.bin", boot0gui.image(600 * 1024, seed=71))
    app.handoff(big)
    app.wait_label("Firmware summary", lambda t: "big.bin" in t)
    app.wait_sensitive("Program", sensitive=False)
    h.wait(lambda: "does not fit" in app.all_text(), 5, "the size problem shown", app=app)

    # A .dfu whose suffix names another device: a warning before anything.
    foreign = h.path("foreign.dfu")
    h.cli("convert", "--address", "0x08008000", "--vid", "0x1234", "--pid", "0x5678",
          h.write("small.bin", data[:4096]), foreign)
    app.handoff(foreign)
    app.wait_label("Firmware summary", lambda t: "foreign.dfu" in t)
    h.wait(lambda: "1234:5678" in app.all_text(), 5, "the foreign suffix warning", app=app)
    # Program stays disabled until the user deliberately overrides it.
    app.wait_sensitive("Program", sensitive=False)
    h.screenshot("foreign-suffix.png", app=app)
    app.press("Use Anyway")
    app.wait_sensitive("Program")
    # The next file starts without the override.
    app.handoff(foreign)
    app.wait_log(lambda t: t.count("Loaded foreign.dfu") >= 2)
    app.wait_sensitive("Program", sensitive=False)

    summary = emu.stop()
    dev = summary["devices"][0]
    req = dev["requests"]
    boot0gui.log(f"emulator requests: {req}")
    if dev["bytes_written"] or req["erase"] or req["mass_erase"] or req["leave"]:
        boot0gui.fail(f"the device was touched: {dev}")
    if req["DNLOAD"] != req["set_address"]:
        boot0gui.fail(f"DNLOADs other than address pointers: {req}")


boot0gui.main(test)
