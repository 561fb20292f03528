#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The UART mode against the emulated AN3155 bootloader on a pty
(tests/emulator/boot0-uart-emulator), no USB board present:

  - the "no device" page's button opens the connect dialog; the pty's path
    is typed (pseudo-terminals are never listed), parity None (a pty
    carries none), entry sequence none; an invalid sequence is refused as
    it is typed; Connect shows the F405 on the same device page as USB,
    with its AN3155 bootloader version and the port;
  - a .bin is loaded (handed to the running instance) and Program erases,
    programs, verifies and starts it: the emulator's flash file holds the
    image and the emulated ROM jumped to it; the device stays (no hotplug);
  - from the primary menu, the dialog remembers the port; a wrong path and
    a silent bootloader (wired to DTR/RTS, entry none: never in bootloader
    mode) each give a specific error; Cancel leaves the window usable;
  - Disconnect returns to the "no device" page.

Renders uart-dialog.png, uart-programmed.png and uart-error.png."""

import time

import boot0gui

DIALOG = "Connect to a Serial Port"


def dialog_label(h, app, dialog, key, predicate, timeout=10):
    """Waits for a label of the dialog keyed `key` whose text satisfies
    predicate; returns the text."""
    last = [None]

    def check():
        for acc in app.find_all(key, app.pyatspi.ROLE_LABEL, within=dialog):
            last[0] = app.text(acc)
            if predicate(last[0]):
                return last[0]
        return None

    try:
        return h.wait(check, timeout, f"the dialog's label '{key}'", app=app)
    except boot0gui.Failure as e:
        raise boot0gui.Failure(f"{e}\nlast text: {last[0]!r}\ndialog:\n"
                               + "\n".join(app.dump(dialog))) from None


def choose_parity_none(h, app, dialog):
    acc = app.find("None (8N1)", within=dialog)
    if not app.checked(acc):
        app.click(acc)
    h.wait(lambda: app.checked(acc), 5, "parity None to be chosen", app=app)


def connect_sensitive(app, dialog):
    acc = app.find("Connect", app.pyatspi.ROLE_PUSH_BUTTON, within=dialog)
    return app.sensitive(acc)


def check_names(app, dialog):
    """Every control of the dialog has a name, said once (see test-a11y.py)."""
    p = app.pyatspi
    roles = (p.ROLE_PUSH_BUTTON, p.ROLE_TOGGLE_BUTTON, p.ROLE_CHECK_BOX, p.ROLE_RADIO_BUTTON,
             p.ROLE_TEXT, p.ROLE_COMBO_BOX, p.ROLE_LIST_BOX, p.ROLE_LIST)
    problems = []
    for acc in app.walk(dialog):
        if acc.getRole() not in roles:
            continue
        # A GtkDropDown's own toggle button: GTK's, named after its class.
        if acc.parent is not None and acc.parent.getRole() == p.ROLE_COMBO_BOX:
            continue
        name = (acc.name or "").strip()
        words = name.split()
        half = len(words) // 2
        if not name or name.startswith("Gtk"):
            problems.append(f"{acc.getRoleName()} without a name")
        elif boot0gui.unmnemonic(name) != name:
            problems.append(f"{acc.getRoleName()} {name!r}: a mnemonic underscore")
        elif len(words) >= 2 and len(words) % 2 == 0 and words[:half] == words[half:]:
            problems.append(f"{acc.getRoleName()} {name!r}: the name repeats itself")
    if problems:
        boot0gui.fail("accessibility problems in the dialog:\n  " + "\n  ".join(problems)
                      + "\n" + "\n".join(app.dump(dialog)))


def open_dialog_from_menu(app):
    app.press("Main menu")
    item = app.find("Connect to a Serial Port…", app.pyatspi.ROLE_MENU_ITEM)
    item.queryAction().doAction(0)
    return app.window(DIALOG)


def test(h):
    size = 40 * 1024 + 77
    data = boot0gui.image(size, seed=51)
    path = h.write("uart-firmware.bin", data)
    # A USB emulator without boards: the app sees no USB device at all.
    usb = h.emulator(devices=[("f405", "NOUSB0", ())], remove_at_start=True)
    uart = h.uart_emulator(profile="f405", flash_init=boot0gui.image(1024 * 1024, seed=52))
    app = h.app(emulator=usb)
    app.find("Connect a board", prefix=True, showing=True)
    h.screenshot("uart-no-device.png", app=app)

    # -- the dialog, from the "no device" page
    app.press("Use a Serial Port")
    dialog = app.window(DIALOG)
    check_names(app, dialog)
    app.set_entry("Port", uart.port, within=dialog)
    choose_parity_none(h, app, dialog)
    dialog_label(h, app, dialog, "Entry sequence description", lambda t: "Touch no line" in t)

    # A sequence is checked as it is typed; Connect waits for a valid one.
    app.set_entry("Sequence", "rts,bogus", within=dialog)
    dialog_label(h, app, dialog, "Entry sequence steps",
                 lambda t: t.startswith("Not a valid sequence") and "bogus" in t)
    h.wait(lambda: not connect_sensitive(app, dialog), 5, "Connect to be insensitive", app=app)
    app.set_entry("Sequence", "dtr-reset-rts-boot0", within=dialog)
    dialog_label(h, app, dialog, "Entry sequence description", lambda t: "DTR drives NRST" in t)
    dialog_label(h, app, dialog, "Entry sequence steps", lambda t: t.startswith("To enter:"))
    app.set_entry("Sequence", "", within=dialog)
    dialog_label(h, app, dialog, "Entry sequence description", lambda t: "Touch no line" in t)
    h.wait(lambda: connect_sensitive(app, dialog), 5, "Connect to be sensitive", app=app)
    h.screenshot("uart-dialog.png", app=app, window=dialog)

    app.press("Connect", within=dialog)
    app.wait_label("Device name", lambda t: t.startswith("STM32F405"), timeout=20)
    bootloader = app.label_text("Bootloader version")
    if "AN3155 v3.1" not in bootloader or "Extended Erase" not in bootloader:
        boot0gui.fail(f"the bootloader row says {bootloader!r}")
    port = app.label_text("Port path")
    if uart.port not in port or "115200 baud" not in port or "8N1" not in port:
        boot0gui.fail(f"the port row says {port!r}")
    boot0gui.log(f"device card: {bootloader!r}, {port!r}")
    app.find("Disconnect", app.pyatspi.ROLE_PUSH_BUTTON, showing=True)
    app.find("Memory map", prefix=True)

    # -- Program, as on USB
    app.handoff(path)
    app.wait_label("Firmware summary", lambda t: "uart-firmware.bin" in t)
    app.wait_sensitive("Program")
    app.press("Program")
    result = app.wait_label("Result", lambda t: t.startswith(("Done", "Failed")), timeout=60)
    if not result.startswith("Done") or "verified" not in result or "started" not in result:
        boot0gui.fail(f"programming over UART did not succeed: {result!r}\n"
                      + app.all_text())
    boot0gui.log(f"result: {result!r}")
    flash = uart.flash()
    if flash[:size] != data:
        first = next(i for i in range(size) if flash[i] != data[i])
        boot0gui.fail(f"the emulated flash differs from the image at offset {first:#x}")
    # Nothing unplugs a serial port: the board stays on show.
    app.wait_label("Device name", lambda t: t.startswith("STM32F405"))
    h.screenshot("uart-programmed.png", app=app)

    # Started, the chip runs its firmware and its ROM is silent: the next
    # job opens the port again and says how to get back into the ROM.
    app.press("Verify")
    result = app.wait_label("Result", lambda t: t.startswith(("Done: verified", "Failed")),
                            timeout=30)
    if not result.startswith("Failed"):
        boot0gui.fail(f"verify on a chip that left its bootloader: {result!r}")
    # (GTK 4.8 drops the description of a label given markup: read them all.)
    detail = app.all_text()
    if "still in its bootloader" not in detail or "No STM32 bootloader answers" not in detail:
        boot0gui.fail(f"the failure does not say how to get back in:\n{detail}")
    h.screenshot("uart-left.png", app=app)

    # -- failures, from the primary menu
    silent = h.uart_emulator(profile="f405", wiring="dtr-reset-rts-boot0")
    dialog = open_dialog_from_menu(app)
    remembered = app.text(app.find("Port", app.pyatspi.ROLE_TEXT, within=dialog))
    if remembered != uart.port:
        boot0gui.fail(f"the dialog does not remember the port: {remembered!r}")
    if not app.checked(app.find("None (8N1)", within=dialog)):
        boot0gui.fail("the dialog does not remember parity None")

    app.set_entry("Port", "/dev/boot0-no-such-port", within=dialog)
    app.press("Connect", within=dialog)
    dialog_label(h, app, dialog, "Connection error",
                 lambda t: "There is no serial port /dev/boot0-no-such-port" in t)

    app.set_entry("Port", silent.port, within=dialog)
    h.wait(lambda: not app.find_all("Connection error", app.pyatspi.ROLE_LABEL, within=dialog)
           or not app.text(app.find("Connection error", app.pyatspi.ROLE_LABEL, within=dialog)),
           5, "the old error to be cleared", app=app)
    # Cancel stops waiting for a silent bootloader at once; the dialog stays.
    app.press("Connect", within=dialog)
    dialog_label(h, app, dialog, "Connection progress",
                 lambda t: t.startswith("Connecting to " + silent.port))
    app.press("Cancel", within=dialog)
    h.wait(lambda: connect_sensitive(app, dialog), 5, "Connect after Cancel", app=app)
    # The cancelled attempt lets go of the port when its sync gives up.
    time.sleep(2)
    app.press("Connect", within=dialog)
    # The main window answers while the dialog's worker waits for the ROM.
    if app.latency() > 1.0:
        boot0gui.fail("the window is slow to answer while connecting")
    text = dialog_label(h, app, dialog, "Connection error",
                        lambda t: "No STM32 bootloader answers on " + silent.port in t,
                        timeout=20)
    for hint in ("Wiring", "BOOT0", "Baud rate", "Parity"):
        if hint not in text:
            boot0gui.fail(f"the error does not mention {hint!r}: {text!r}")
    h.screenshot("uart-error.png", app=app, window=dialog)
    app.press("Cancel", within=dialog)
    app.settle()
    h.wait(lambda: all(w.name != DIALOG for w in app.windows()), 5, "the dialog to close",
           app=app)

    # The window is as it was: the F405 is there and Program works on it.
    app.wait_label("Device name", lambda t: t.startswith("STM32F405"))
    app.wait_sensitive("Program")

    app.press("Disconnect")
    app.find("Connect a board", prefix=True, showing=True)
    summary = uart.stop()
    if summary is None or not summary.get("app_started"):
        boot0gui.fail(f"the emulated ROM never started the firmware: {summary}")
    silent.stop()


boot0gui.main(test)
