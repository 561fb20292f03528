#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A raw .bin on the CubeMX bootloader (first 32 KiB read-only): the start
address shows 0x08008000, locked. Unlocking is deliberate; what is typed is
validated as it is typed, and Program follows."""

import boot0gui


def test(h):
    path = h.write("app.bin", boot0gui.image(20 * 1024, seed=3))
    emu = h.emulator(devices=[("cubemx", "CUBEMX0", ())])
    app = h.app(path, emulator=emu)
    app.wait_label("Device name", lambda t: "dfuse" in t.lower() or "custom" in t.lower())
    app.wait_label("Start address", lambda t: t.strip().lower().startswith("0x08008000"))
    app.wait_sensitive("Program")
    # Locked: the entry is not on screen.
    if app.find_showing("Start address entry", app.pyatspi.ROLE_TEXT) is not None:
        boot0gui.fail("the start address can be edited while locked")

    app.press("Unlock start address")
    app.find("Start address entry", app.pyatspi.ROLE_TEXT, showing=True)
    # Unlocking warns what a wrong address does.
    h.wait(lambda: "will not start" in app.all_text(), 5, "the warning after unlocking", app=app)

    # Misaligned: an error, Program insensitive.
    app.set_entry("Start address entry", "0x08008001")
    app.wait_sensitive("Program", sensitive=False)
    if "not at the start of a sector" not in app.all_text():
        boot0gui.fail("the misaligned address is not explained:\n" + app.all_text())
    h.screenshot("address-misaligned.png", app=app)
    # Read-only: refused too.
    app.set_entry("Start address entry", "0x08000000")
    app.wait_sensitive("Program", sensitive=False)
    if "read-only" not in app.all_text().lower():
        boot0gui.fail("0x08000000 (read-only) is not explained:\n" + app.all_text())
    # Not a number.
    app.set_entry("Start address entry", "0x0800zz")
    app.wait_sensitive("Program", sensitive=False)
    status = app.find_now("Status", app.pyatspi.ROLE_LABEL)
    boot0gui.log(f"not a number: {app.text(status) if status else app.all_text()!r}")
    # A sector start in the application area: fine again.
    app.set_entry("Start address entry", "0x08010000")
    app.wait_sensitive("Program")
    app.wait_label("Start address", lambda t: t.strip().lower().startswith("0x08010000"))

    # Locked again: back at the first writable sector, no entry.
    app.press("Unlock start address")
    app.wait_label("Start address", lambda t: t.strip().lower().startswith("0x08008000"))
    app.hidden("Start address entry", app.pyatspi.ROLE_TEXT, timeout=5)
    app.wait_sensitive("Program")


boot0gui.main(test)
