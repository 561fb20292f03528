#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Accessible names, as a screen reader (and every other GUI test) meets
them, on the main window with a device and a firmware file loaded:

  - every button, toggle, check box, entry, progress bar and drop-down has
    a name, and no name repeats itself ("Program Program": GTK 4.8 joins an
    accessible label and a button's visible label) or shows a mnemonic's
    underscore ("_Program");
  - the value labels the tests read keep their key ("Device name",
    "Firmware summary", "Result", "Start address") as their accessible
    description: GtkLabel replaces its name with its text.
"""

import boot0gui

KEYED_LABELS = ("Device name", "Firmware summary", "Result", "Start address")


def test(h):
    path = h.write("firmware.bin", boot0gui.image(8 * 1024, seed=8))
    emu = h.emulator(devices=[("f405", "SERIAL0", ())])
    app = h.app(path, emulator=emu)
    app.wait_label("Device name", lambda t: t.startswith("STM32F405"))
    app.wait_sensitive("Program")
    # Run a job so the result banner has something to say.
    app.press("Program")
    app.wait_label("Result", lambda t: t.startswith(("Done", "Failed")), timeout=40)

    p = app.pyatspi
    controls = {
        p.ROLE_PUSH_BUTTON: "button",
        p.ROLE_TOGGLE_BUTTON: "toggle button",
        p.ROLE_CHECK_BOX: "check box",
        p.ROLE_RADIO_BUTTON: "radio button",
        p.ROLE_TEXT: "entry",
        p.ROLE_PROGRESS_BAR: "progress bar",
        p.ROLE_COMBO_BOX: "drop-down",
        p.ROLE_SLIDER: "slider",
    }
    problems = []
    for acc in app.walk(app.main_window()):
        role = acc.getRole()
        if role not in controls:
            continue
        name = (acc.name or "").strip()
        what = f"{controls[role]} {name!r}"
        if not name:
            problems.append(f"{controls[role]} without a name (parent: {acc.parent.name!r})")
            continue
        if boot0gui.unmnemonic(name) != name:
            problems.append(f"{what}: a mnemonic underscore in the name")
            name = boot0gui.unmnemonic(name)
        words = name.split()
        half = len(words) // 2
        if len(words) >= 2 and len(words) % 2 == 0 and words[:half] == words[half:]:
            problems.append(f"{what}: the name repeats itself")
        elif role in (p.ROLE_PUSH_BUTTON, p.ROLE_TOGGLE_BUTTON) and acc.childCount:
            # "Open firmware Open": accessible label + the visible label.
            child = acc.getChildAtIndex(0)
            visible = (boot0gui.unmnemonic(child.name) if child is not None
                       and child.getRole() == p.ROLE_LABEL else "")
            if visible and name != visible and name.endswith(" " + visible):
                problems.append(f"{what}: label and visible text joined")

    for key in KEYED_LABELS:
        if not any(a.description == key for a in app.find_all(key, p.ROLE_LABEL)):
            problems.append(f"no label has the description {key!r} (its name is replaced by "
                            "its text)")

    if problems:
        boot0gui.fail("accessibility problems:\n  " + "\n  ".join(problems))


boot0gui.main(test)
