#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The UART mode with an entry sequence: the emulated board's NRST and BOOT0
are wired to the adapter's DTR and RTS (boot0-uart-emulator --wiring, lines
observed through its LD_PRELOAD layer) and it starts in its application.
Chosen in the dialog, the "dtr-reset-rts-boot0" preset resets it into the
bootloader; Program then writes the image and the exit sequence resets it
into the new firmware (BOOT0 low), so there is no jumper to remove."""

import boot0gui


def test(h):
    size = 12 * 1024 + 4
    data = boot0gui.image(size, seed=61)
    path = h.write("entry-firmware.bin", data)
    usb = h.emulator(devices=[("f405", "NOUSB0", ())], remove_at_start=True)
    uart = h.uart_emulator(profile="f405", wiring="dtr-reset-rts-boot0")
    lines = uart.env.get("LD_PRELOAD")
    if not lines or "BOOT0_UART_LINES" not in uart.env:
        boot0gui.fail(f"the wired emulator printed no line layer: {uart.env}")
    app = h.app(emulator=usb, extra_env={
        "LD_PRELOAD": lines + ":" + usb.env["LD_PRELOAD"],
        "BOOT0_UART_LINES": uart.env["BOOT0_UART_LINES"],
        # The layer answers for this pty only.
        "BOOT0_UART_PORT": uart.port,
    })
    app.find("Connect a board", prefix=True, showing=True)

    app.press("Use a Serial Port")
    dialog = app.window("Connect to a Serial Port")
    app.set_entry("Port", uart.port, within=dialog)
    none = app.find("None (8N1)", within=dialog)
    if not app.checked(none):
        app.click(none)
    h.wait(lambda: app.checked(none), 5, "parity None to be chosen", app=app)
    app.set_entry("Sequence", "dtr-reset-rts-boot0", within=dialog)
    connect = app.find("Connect", app.pyatspi.ROLE_PUSH_BUTTON, within=dialog)
    h.wait(lambda: app.sensitive(connect), 5, "Connect to be sensitive", app=app)
    app.press("Connect", within=dialog)
    app.wait_label("Device name", lambda t: t.startswith("STM32F405"), timeout=20)
    port = app.label_text("Port path")
    if "dtr-reset-rts-boot0" not in port:
        boot0gui.fail(f"the port row does not name the entry sequence: {port!r}")

    app.handoff(path)
    app.wait_label("Firmware summary", lambda t: "entry-firmware.bin" in t)
    app.wait_sensitive("Program")
    app.press("Program")
    result = app.wait_label("Result", lambda t: t.startswith(("Done", "Failed")), timeout=60)
    if not result.startswith("Done") or "started" not in result:
        boot0gui.fail(f"programming with the entry sequence failed: {result!r}\n"
                      + app.all_text())
    h.screenshot("uart-entry-done.png", app=app)
    text = app.all_text()
    if "Remove the BOOT0 jumper" in text:
        boot0gui.fail("the exit sequence started the firmware, yet the jumper reminder shows")

    summary = uart.stop()
    boot0gui.log(f"emulator: mode {summary.get('mode')}, resets {summary.get('resets')}, "
                 f"app_started {summary.get('app_started')}, "
                 f"lines {summary.get('line_events', [])[:8]}")
    if uart.flash()[:size] != data:
        boot0gui.fail("the emulated flash does not hold the image")
    # Reset into the ROM at Connect and at Program, then into the firmware.
    if summary.get("resets", 0) < 3 or not summary.get("app_started"):
        boot0gui.fail(f"the lines did not drive the board as wired: {summary}")
    if summary.get("mode") != "application":
        boot0gui.fail(f"the board did not end in its application: {summary.get('mode')}")


boot0gui.main(test)
