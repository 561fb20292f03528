#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Loading each firmware format: the first from the command line
(`boot0 FILE`), the others by launching `boot0 FILE` again, which hands the
file to the running instance (GApplication open). The firmware summary
shows each file's name, format and size; the CRC-32 and SHA-256 and a
.dfu's suffix target are shown; the recent-files menu lists them and loads
one again."""

import hashlib
import os
import zlib

import boot0gui

SIZE = 40 * 1024
# What the summary must say for each format (any of the words, lowercase).
FORMATS = {
    ".bin": ("binary", "raw", "bin"),
    ".hex": ("intel hex", "hex"),
    ".srec": ("s-record", "srec", "motorola"),
    ".dfu": ("dfuse", "dfu"),
    ".elf": ("elf",),
}


def summary_ok(text, name, words):
    low = text.lower()
    return name in text and any(w in low for w in words) and size_shown(text)


def size_shown(text):
    # 40 KiB, however the app spells it.
    return any(s in text for s in ("40 KiB", "40.0 KiB", "40,960", "40960", "40 kB", "41.0 kB",
                                   "41 kB"))


def test(h):
    data = boot0gui.image(SIZE, seed=2)
    src = h.write("firmware.bin", data)
    files = {".bin": src}
    for ext in (".hex", ".srec", ".dfu"):
        files[ext] = h.path("firmware" + ext)
        h.cli("convert", "--address", "0x08000000", src, files[ext])
    files[".elf"] = h.write("firmware.elf", boot0gui.elf32([(0x08000000, data)], 0x08000101))

    emu = h.emulator(devices=[("f405", "SERIAL0", ())])
    app = h.app(files[".bin"], emulator=emu)
    app.wait_label("Device name", lambda t: t.startswith("STM32F405"))
    text = app.wait_label("Firmware summary",
                          lambda t: summary_ok(t, "firmware.bin", FORMATS[".bin"]))
    boot0gui.log(f".bin summary: {text!r}")
    # The checksums a user compares with the release notes.
    crc = f"{zlib.crc32(data):08x}"
    sha = hashlib.sha256(data).hexdigest()
    shown = app.all_text().lower()
    for what, value in (("CRC-32", crc), ("SHA-256", sha[:16])):
        if value not in shown.replace(" ", ""):
            boot0gui.fail(f"the {what} {value} is not shown:\n{shown}")
    app.wait_sensitive("Program")

    for ext in (".hex", ".srec", ".dfu", ".elf"):
        # A second `boot0 FILE` gives the file to the first instance and exits.
        app.handoff(files[ext])
        name = os.path.basename(files[ext])
        text = app.wait_label("Firmware summary", lambda t: summary_ok(t, name, FORMATS[ext]))
        boot0gui.log(f"{ext} summary: {text!r}")
        app.wait_sensitive("Program")
        if ext == ".dfu":
            # The suffix's target is shown (boot0-cli writes 0483:df11).
            h.wait(lambda: "0483:df11" in app.all_text().lower(), 5,
                   "the DFU suffix's USB ID", app=app)

    # Recent files: every file loaded is listed; picking one loads it again.
    app.press("Recent firmware files")
    for name in ("firmware.bin", "firmware.hex", "firmware.srec", "firmware.dfu"):
        app.find(name, app.pyatspi.ROLE_MENU_ITEM)
    app.activate_menu_item("firmware.hex")
    app.wait_label("Firmware summary", lambda t: summary_ok(t, "firmware.hex", FORMATS[".hex"]))


boot0gui.main(test)
