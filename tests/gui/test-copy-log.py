#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The log pane records every step with a timestamp, and "Copy log" puts
the whole log on the clipboard: after programming a board, the CLIPBOARD
selection (read here through libX11, as another application would) holds
the same lines the pane shows."""

import ctypes
import ctypes.util
import os
import time

import boot0gui


class SelectionEvent(ctypes.Structure):
    _fields_ = [("type", ctypes.c_int), ("serial", ctypes.c_ulong), ("send_event", ctypes.c_int),
                ("display", ctypes.c_void_p), ("requestor", ctypes.c_ulong),
                ("selection", ctypes.c_ulong), ("target", ctypes.c_ulong),
                ("property", ctypes.c_ulong), ("time", ctypes.c_ulong)]


class XEvent(ctypes.Union):
    _fields_ = [("type", ctypes.c_int), ("xselection", SelectionEvent),
                ("pad", ctypes.c_long * 24)]


SELECTION_NOTIFY = 31


def read_clipboard(timeout=5):
    """The CLIPBOARD selection as UTF-8 text, or None when nobody owns it."""
    x11 = ctypes.cdll.LoadLibrary(ctypes.util.find_library("X11") or "libX11.so.6")
    x11.XOpenDisplay.restype = ctypes.c_void_p
    x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
    x11.XDefaultRootWindow.restype = ctypes.c_ulong
    x11.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
    x11.XCreateSimpleWindow.restype = ctypes.c_ulong
    x11.XCreateSimpleWindow.argtypes = [ctypes.c_void_p, ctypes.c_ulong] + [ctypes.c_int] * 2 + \
        [ctypes.c_uint] * 3 + [ctypes.c_ulong] * 2
    x11.XInternAtom.restype = ctypes.c_ulong
    x11.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
    x11.XConvertSelection.argtypes = [ctypes.c_void_p] + [ctypes.c_ulong] * 5
    x11.XPending.argtypes = [ctypes.c_void_p]
    x11.XNextEvent.argtypes = [ctypes.c_void_p, ctypes.POINTER(XEvent)]
    x11.XGetWindowProperty.argtypes = [
        ctypes.c_void_p, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_long, ctypes.c_long,
        ctypes.c_int, ctypes.c_ulong, ctypes.POINTER(ctypes.c_ulong),
        ctypes.POINTER(ctypes.c_int), ctypes.POINTER(ctypes.c_ulong),
        ctypes.POINTER(ctypes.c_ulong), ctypes.POINTER(ctypes.c_void_p)]
    x11.XFree.argtypes = [ctypes.c_void_p]
    x11.XCloseDisplay.argtypes = [ctypes.c_void_p]

    dpy = x11.XOpenDisplay(os.environ["DISPLAY"].encode())
    if not dpy:
        boot0gui.fail("cannot open the X display")
    try:
        win = x11.XCreateSimpleWindow(dpy, x11.XDefaultRootWindow(dpy), 0, 0, 1, 1, 0, 0, 0)
        clipboard = x11.XInternAtom(dpy, b"CLIPBOARD", 0)
        utf8 = x11.XInternAtom(dpy, b"UTF8_STRING", 0)
        prop = x11.XInternAtom(dpy, b"BOOT0_TEST_CLIP", 0)
        x11.XConvertSelection(dpy, clipboard, utf8, prop, win, 0)
        deadline = time.monotonic() + timeout
        ev = XEvent()
        while time.monotonic() < deadline:
            if not x11.XPending(dpy):
                time.sleep(0.02)
                continue
            x11.XNextEvent(dpy, ctypes.byref(ev))
            if ev.type != SELECTION_NOTIFY:
                continue
            if ev.xselection.property == 0:
                return None
            actual_type, fmt = ctypes.c_ulong(), ctypes.c_int()
            n, after, data = ctypes.c_ulong(), ctypes.c_ulong(), ctypes.c_void_p()
            x11.XGetWindowProperty(dpy, win, prop, 0, 1 << 24, 1, 0, ctypes.byref(actual_type),
                                   ctypes.byref(fmt), ctypes.byref(n), ctypes.byref(after),
                                   ctypes.byref(data))
            text = ctypes.string_at(data, n.value).decode("utf-8") if data else ""
            if data:
                x11.XFree(data)
            return text
        boot0gui.fail("no answer for the CLIPBOARD selection")
    finally:
        x11.XCloseDisplay(dpy)


def test(h):
    path = h.write("app.bin", boot0gui.image(8 * 1024, seed=9))
    emu = h.emulator()
    app = h.app(path, emulator=emu)
    app.wait_label("Device name", lambda t: "STM32F405" in t)
    app.wait_sensitive("Program")
    app.press("Program")
    h.wait(lambda: "Done: programmed" in app.all_text(), 30, "programming to finish", app=app)
    app.press("Show log")
    shown = app.wait_log(lambda t: "Done: programmed" in t)
    # The pane slides in: its buttons act once they are on screen.
    app.find("Copy log", showing=True)
    app.settle()
    app.press("Copy log")
    copied = h.wait(read_clipboard, 10, "the log on the clipboard", app=app)
    boot0gui.log(f"clipboard: {len(copied)} characters, {copied.count(chr(10)) + 1} lines")
    if copied.strip() != shown.strip():
        boot0gui.fail(f"the clipboard differs from the log pane:\n{copied!r}\n---\n{shown!r}")
    for step in ("Loaded app.bin", "Erasing", "Programming", "Verifying", "Done: programmed"):
        if step not in copied:
            boot0gui.fail(f"the copied log lacks {step!r}:\n{copied}")
    # Every line carries its time.
    bad = [line for line in copied.splitlines() if line and not line.startswith("[")]
    if bad:
        boot0gui.fail(f"lines without a timestamp: {bad[:3]}")


boot0gui.main(test)
