#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Dropping a firmware file on the window loads it, as a file manager's
drag does: a real XDND drag from a source window this test makes through
libX11 (XdndEnter offering text/uri-list, XdndPosition over the window,
XdndStatus accepting, XdndDrop, the file's URI handed over through the
XdndSelection, XdndFinished). The dropped .hex is loaded (the firmware
summary names it, Program becomes sensitive with an F405 plugged in); a
malformed .hex dropped next is refused with the parser's own message and
the file loaded before stays."""

import ctypes
import ctypes.util
import os
import time
import urllib.parse

import boot0gui

# X event types and masks (X.h).
PROPERTY_NOTIFY = 28
SELECTION_CLEAR = 29
SELECTION_REQUEST = 30
SELECTION_NOTIFY = 31
CLIENT_MESSAGE = 33
PROPERTY_CHANGE_MASK = 1 << 22
PROP_MODE_REPLACE = 0
PROP_MODE_APPEND = 2
IS_VIEWABLE = 2
XA_ATOM = 4
XA_CARDINAL = 6
XDND_VERSION = 5

Window = ctypes.c_ulong
Atom = ctypes.c_ulong


class AnyEvent(ctypes.Structure):
    _fields_ = [("type", ctypes.c_int), ("serial", ctypes.c_ulong), ("send_event", ctypes.c_int),
                ("display", ctypes.c_void_p), ("window", Window)]


class ClientMessageEvent(ctypes.Structure):
    _fields_ = [("type", ctypes.c_int), ("serial", ctypes.c_ulong), ("send_event", ctypes.c_int),
                ("display", ctypes.c_void_p), ("window", Window), ("message_type", Atom),
                ("format", ctypes.c_int), ("l", ctypes.c_long * 5)]


class PropertyEvent(ctypes.Structure):
    _fields_ = [("type", ctypes.c_int), ("serial", ctypes.c_ulong), ("send_event", ctypes.c_int),
                ("display", ctypes.c_void_p), ("window", Window), ("atom", Atom),
                ("time", ctypes.c_ulong), ("state", ctypes.c_int)]


class SelectionRequestEvent(ctypes.Structure):
    _fields_ = [("type", ctypes.c_int), ("serial", ctypes.c_ulong), ("send_event", ctypes.c_int),
                ("display", ctypes.c_void_p), ("owner", Window), ("requestor", Window),
                ("selection", Atom), ("target", Atom), ("property", Atom),
                ("time", ctypes.c_ulong)]


class SelectionEvent(ctypes.Structure):
    _fields_ = [("type", ctypes.c_int), ("serial", ctypes.c_ulong), ("send_event", ctypes.c_int),
                ("display", ctypes.c_void_p), ("requestor", Window), ("selection", Atom),
                ("target", Atom), ("property", Atom), ("time", ctypes.c_ulong)]


class XEvent(ctypes.Union):
    _fields_ = [("type", ctypes.c_int), ("xany", AnyEvent), ("xclient", ClientMessageEvent),
                ("xproperty", PropertyEvent), ("xselectionrequest", SelectionRequestEvent),
                ("xselection", SelectionEvent), ("pad", ctypes.c_long * 24)]


class XWindowAttributes(ctypes.Structure):
    _fields_ = [("x", ctypes.c_int), ("y", ctypes.c_int), ("width", ctypes.c_int),
                ("height", ctypes.c_int), ("border_width", ctypes.c_int), ("depth", ctypes.c_int),
                ("visual", ctypes.c_void_p), ("root", Window), ("class_", ctypes.c_int),
                ("bit_gravity", ctypes.c_int), ("win_gravity", ctypes.c_int),
                ("backing_store", ctypes.c_int), ("backing_planes", ctypes.c_ulong),
                ("backing_pixel", ctypes.c_ulong), ("save_under", ctypes.c_int),
                ("colormap", ctypes.c_ulong), ("map_installed", ctypes.c_int),
                ("map_state", ctypes.c_int), ("all_event_masks", ctypes.c_long),
                ("your_event_mask", ctypes.c_long), ("do_not_propagate_mask", ctypes.c_long),
                ("override_redirect", ctypes.c_int), ("screen", ctypes.c_void_p)]


class XErrorEvent(ctypes.Structure):
    _fields_ = [("type", ctypes.c_int), ("display", ctypes.c_void_p),
                ("resourceid", ctypes.c_ulong), ("serial", ctypes.c_ulong),
                ("error_code", ctypes.c_ubyte), ("request_code", ctypes.c_ubyte),
                ("minor_code", ctypes.c_ubyte)]


ERROR_HANDLER = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.POINTER(XErrorEvent))


X_ERRORS = []


# Windows come and go (GTK's popovers, the app's helpers): an X error about
# one must not end the test through Xlib's default handler, which exits.
# Module-level: Xlib keeps the pointer for the process's lifetime.
@ERROR_HANDLER
def on_x_error(display, event):
    e = event.contents
    X_ERRORS.append((e.error_code, e.request_code, e.resourceid))
    return 0


def load_x11():
    x11 = ctypes.cdll.LoadLibrary(ctypes.util.find_library("X11") or "libX11.so.6")
    dpy = ctypes.c_void_p
    p = ctypes.POINTER
    for name, restype, argtypes in (
        ("XOpenDisplay", dpy, [ctypes.c_char_p]),
        ("XCloseDisplay", ctypes.c_int, [dpy]),
        ("XDefaultRootWindow", Window, [dpy]),
        ("XCreateSimpleWindow", Window, [dpy, Window, ctypes.c_int, ctypes.c_int, ctypes.c_uint,
                                         ctypes.c_uint, ctypes.c_uint, ctypes.c_ulong,
                                         ctypes.c_ulong]),
        ("XDestroyWindow", ctypes.c_int, [dpy, Window]),
        ("XInternAtom", Atom, [dpy, ctypes.c_char_p, ctypes.c_int]),
        ("XGetAtomName", ctypes.c_void_p, [dpy, Atom]),
        ("XSelectInput", ctypes.c_int, [dpy, Window, ctypes.c_long]),
        ("XChangeProperty", ctypes.c_int, [dpy, Window, Atom, Atom, ctypes.c_int, ctypes.c_int,
                                           ctypes.c_void_p, ctypes.c_int]),
        ("XGetWindowProperty", ctypes.c_int, [dpy, Window, Atom, ctypes.c_long, ctypes.c_long,
                                              ctypes.c_int, Atom, p(Atom), p(ctypes.c_int),
                                              p(ctypes.c_ulong), p(ctypes.c_ulong),
                                              p(ctypes.c_void_p)]),
        ("XSetSelectionOwner", ctypes.c_int, [dpy, Atom, Window, ctypes.c_ulong]),
        ("XGetSelectionOwner", Window, [dpy, Atom]),
        ("XSendEvent", ctypes.c_int, [dpy, Window, ctypes.c_int, ctypes.c_long, p(XEvent)]),
        ("XQueryTree", ctypes.c_int, [dpy, Window, p(Window), p(Window), p(p(Window)),
                                      p(ctypes.c_uint)]),
        ("XGetWindowAttributes", ctypes.c_int, [dpy, Window, p(XWindowAttributes)]),
        ("XTranslateCoordinates", ctypes.c_int, [dpy, Window, Window, ctypes.c_int, ctypes.c_int,
                                                 p(ctypes.c_int), p(ctypes.c_int), p(Window)]),
        ("XPending", ctypes.c_int, [dpy]),
        ("XNextEvent", ctypes.c_int, [dpy, p(XEvent)]),
        ("XFlush", ctypes.c_int, [dpy]),
        ("XSync", ctypes.c_int, [dpy, ctypes.c_int]),
        ("XFree", ctypes.c_int, [ctypes.c_void_p]),
        ("XSetErrorHandler", ctypes.c_void_p, [ERROR_HANDLER]),
    ):
        f = getattr(x11, name)
        f.restype = restype
        f.argtypes = argtypes
    return x11


class DragSource:
    """A drag source as a file manager is one, speaking XDND to one target
    window of another client."""

    def __init__(self, h):
        self.h = h
        self.x11 = load_x11()
        self.errors = X_ERRORS
        self.x11.XSetErrorHandler(on_x_error)
        self.dpy = self.x11.XOpenDisplay(os.environ["DISPLAY"].encode())
        if not self.dpy:
            boot0gui.fail("cannot open the X display")
        self.root = self.x11.XDefaultRootWindow(self.dpy)
        # Never mapped: an XDND source needs no place on screen.
        self.win = self.x11.XCreateSimpleWindow(self.dpy, self.root, 0, 0, 1, 1, 0, 0, 0)
        self.x11.XSelectInput(self.dpy, self.win, PROPERTY_CHANGE_MASK)
        self.atoms = {}
        for name in ("XdndAware", "XdndSelection", "XdndEnter", "XdndPosition", "XdndStatus",
                     "XdndLeave", "XdndDrop", "XdndFinished", "XdndActionCopy", "XdndTypeList",
                     "TARGETS", "text/uri-list", "text/plain;charset=utf-8", "UTF8_STRING",
                     "_NET_WM_PID", "_NET_WM_NAME", "BOOT0_TEST_TIME"):
            self.atoms[name] = self.x11.XInternAtom(self.dpy, name.encode(), 0)
        self.types = [self.atoms["text/uri-list"], self.atoms["text/plain;charset=utf-8"]]
        self.set_property(self.win, "XdndTypeList", XA_ATOM, 32, self.types)
        self.payload = b""
        self.seen = []
        self.dragging = False
        self.requests = []
        self.status = None
        self.finished = None

    def close(self):
        self.x11.XDestroyWindow(self.dpy, self.win)
        self.x11.XCloseDisplay(self.dpy)

    def atom_name(self, atom):
        if atom == 0:
            return "None"
        p = self.x11.XGetAtomName(self.dpy, atom)
        if not p:
            return f"#{atom}"
        name = ctypes.string_at(p).decode()
        self.x11.XFree(p)
        return name

    # -- properties

    def set_property(self, win, name, type_, fmt, values):
        if fmt == 32:
            data = (ctypes.c_long * len(values))(*values)
            n = len(values)
        else:
            data = ctypes.create_string_buffer(bytes(values), len(values))
            n = len(values)
        self.x11.XChangeProperty(self.dpy, win, self.atoms.get(name, name), type_, fmt,
                                 PROP_MODE_REPLACE, ctypes.cast(data, ctypes.c_void_p), n)

    def get_property(self, win, atom, type_=0):
        """(type, format, items: list of ints for format 32, else bytes)."""
        actual, fmt = Atom(), ctypes.c_int()
        n, after, data = ctypes.c_ulong(), ctypes.c_ulong(), ctypes.c_void_p()
        if self.x11.XGetWindowProperty(self.dpy, win, atom, 0, 1 << 16, 0, type_,
                                       ctypes.byref(actual), ctypes.byref(fmt), ctypes.byref(n),
                                       ctypes.byref(after), ctypes.byref(data)) != 0:
            return None
        try:
            if not data or actual.value == 0:
                return None
            if fmt.value == 32:
                # Xlib hands format-32 items over as longs.
                items = list((ctypes.c_long * n.value).from_address(data.value))
            else:
                items = ctypes.string_at(data, n.value * fmt.value // 8)
            return actual.value, fmt.value, items
        finally:
            if data:
                self.x11.XFree(data)

    def server_time(self):
        """A timestamp from the X server (a PropertyNotify on our window),
        as a real source has one from the button press that began the
        drag."""
        self.x11.XChangeProperty(self.dpy, self.win, self.atoms["BOOT0_TEST_TIME"], XA_CARDINAL,
                                 8, PROP_MODE_APPEND, None, 0)
        self.x11.XFlush(self.dpy)
        got = []

        def seen(ev):
            if ev.type == PROPERTY_NOTIFY and ev.xproperty.window == self.win and \
                    ev.xproperty.atom == self.atoms["BOOT0_TEST_TIME"]:
                got.append(ev.xproperty.time)

        self.pump(lambda: got, 5, "a PropertyNotify carrying the server time", seen)
        return got[0]

    # -- finding the target

    def find_target(self, pid, width, height):
        """The top-level X window of process pid that is viewable, says
        XdndAware and has about the size AT-SPI reports for the main window
        (GTK 4.8 reports the window without its CSS margin: 900x700 on X
        is 890x690 to AT-SPI)."""
        root_ret, parent_ret = Window(), Window()
        children, n = ctypes.POINTER(Window)(), ctypes.c_uint()
        if not self.x11.XQueryTree(self.dpy, self.root, ctypes.byref(root_ret),
                                   ctypes.byref(parent_ret), ctypes.byref(children),
                                   ctypes.byref(n)):
            boot0gui.fail("XQueryTree of the root window failed")
        wins = [children[i] for i in range(n.value)]
        if children:
            self.x11.XFree(children)
        seen = []
        found = None
        for w in wins:
            attrs = XWindowAttributes()
            if not self.x11.XGetWindowAttributes(self.dpy, w, ctypes.byref(attrs)):
                continue
            if attrs.map_state != IS_VIEWABLE:
                continue
            aware = self.get_property(w, self.atoms["XdndAware"], XA_ATOM)
            wm_pid = self.get_property(w, self.atoms["_NET_WM_PID"], XA_CARDINAL)
            name = self.get_property(w, self.atoms["_NET_WM_NAME"], self.atoms["UTF8_STRING"])
            name = name[2].decode(errors="replace") if name else None
            version = aware[2][0] if aware else None
            owner = wm_pid[2][0] if wm_pid else None
            seen.append(f"0x{w:x} {attrs.width}x{attrs.height}+{attrs.x}+{attrs.y} "
                        f"XdndAware={version} pid={owner} name={name!r}")
            if version is not None and owner == pid and \
                    0 <= attrs.width - width <= 64 and 0 <= attrs.height - height <= 64:
                if found is not None:
                    boot0gui.fail("two top-level windows could be Boot0's:\n  " +
                                  "\n  ".join(seen))
                found = (w, attrs, version, name)
        self.seen = seen
        if found is None:
            return None
        boot0gui.log("top-level windows:\n  " + "\n  ".join(seen))
        return found

    # -- events

    def pump(self, done, timeout, what, also=None):
        """Handles events (answering selection requests, noting XdndStatus
        and XdndFinished) until done() is true."""
        deadline = time.monotonic() + timeout
        ev = XEvent()
        while not done():
            if time.monotonic() > deadline:
                boot0gui.fail(f"timed out after {timeout} s waiting for {what}; selection "
                              f"requests: {self.requests}; status: {self.status}; "
                              f"X errors: {self.errors}")
            if not self.x11.XPending(self.dpy):
                time.sleep(0.01)
                continue
            self.x11.XNextEvent(self.dpy, ctypes.byref(ev))
            if ev.type == SELECTION_REQUEST:
                self._answer(ev.xselectionrequest)
            elif ev.type == SELECTION_CLEAR and self.dragging:
                boot0gui.fail("someone took the XdndSelection away during the drag")
            elif ev.type == CLIENT_MESSAGE and ev.xclient.window == self.win:
                m = ev.xclient
                if m.message_type == self.atoms["XdndStatus"]:
                    self.status = {"target": m.l[0], "accept": bool(m.l[1] & 1),
                                   "action": self.atom_name(m.l[4])}
                elif m.message_type == self.atoms["XdndFinished"]:
                    self.finished = {"target": m.l[0], "success": bool(m.l[1] & 1),
                                     "action": self.atom_name(m.l[2])}
            if also:
                also(ev)

    def _answer(self, req):
        """A target converting XdndSelection: the URI list goes into the
        requestor's property, and a SelectionNotify says so."""
        target = self.atom_name(req.target)
        self.requests.append(target)
        prop = req.property or req.target
        if req.selection != self.atoms["XdndSelection"]:
            prop = 0
        elif target == "TARGETS":
            self.set_property(req.requestor, prop, XA_ATOM, 32,
                              [self.atoms["TARGETS"], *self.types])
        elif target in ("text/uri-list", "text/plain;charset=utf-8", "UTF8_STRING"):
            self.set_property(req.requestor, prop, req.target, 8, self.payload)
        else:
            prop = 0
        notify = XEvent()
        notify.xselection.type = SELECTION_NOTIFY
        notify.xselection.requestor = req.requestor
        notify.xselection.selection = req.selection
        notify.xselection.target = req.target
        notify.xselection.property = prop
        notify.xselection.time = req.time
        self.x11.XSendEvent(self.dpy, req.requestor, 0, 0, ctypes.byref(notify))
        self.x11.XFlush(self.dpy)
        boot0gui.log(f"XdndSelection asked as {target}: "
                     f"{'sent ' + repr(self.payload) if prop else 'refused'}")

    def send(self, target, message, *data):
        ev = XEvent()
        m = ev.xclient
        m.type = CLIENT_MESSAGE
        m.window = target
        m.message_type = self.atoms[message]
        m.format = 32
        for i, v in enumerate(data):
            m.l[i] = v
        if not self.x11.XSendEvent(self.dpy, target, 0, 0, ctypes.byref(ev)):
            boot0gui.fail(f"XSendEvent {message} failed")
        self.x11.XFlush(self.dpy)

    # -- the drag

    def drag(self, target, x, y, paths, while_over=None):
        """Drags the files `paths` onto window `target` and drops them at
        root position (x, y). while_over() runs once the target has
        accepted, before the drop. Returns the XdndFinished answer."""
        self.payload = "".join("file://" + urllib.parse.quote(p) + "\r\n"
                               for p in paths).encode()
        self.requests = []
        self.status = None
        self.finished = None
        t = self.server_time()
        sel = self.atoms["XdndSelection"]
        self.x11.XSetSelectionOwner(self.dpy, sel, self.win, t)
        if self.x11.XGetSelectionOwner(self.dpy, sel) != self.win:
            boot0gui.fail("could not own the XdndSelection")
        self.dragging = True

        boot0gui.log(f"XdndEnter (version {XDND_VERSION}) to 0x{target:x}, "
                     f"XdndPosition at {x},{y}")
        types = self.types + [0] * (3 - len(self.types))
        self.send(target, "XdndEnter", self.win, XDND_VERSION << 24, *types[:3])
        # The source waits for each XdndStatus before the next XdndPosition.
        deadline = time.monotonic() + 10
        while True:
            self.status = None
            self.send(target, "XdndPosition", self.win, 0, (x << 16) | y, t,
                      self.atoms["XdndActionCopy"])
            self.pump(lambda: self.status is not None, 10, "XdndStatus")
            boot0gui.log(f"XdndStatus: {self.status}")
            if self.status["accept"]:
                break
            if time.monotonic() > deadline:
                self.send(target, "XdndLeave", self.win, 0)
                boot0gui.fail(f"the window does not accept the drop: {self.status}")
            time.sleep(0.2)
        if self.status["target"] != target or self.status["action"] != "XdndActionCopy":
            boot0gui.fail(f"unexpected XdndStatus: {self.status}")
        if while_over:
            while_over()
        boot0gui.log("XdndDrop")
        self.send(target, "XdndDrop", self.win, 0, t)
        self.pump(lambda: self.finished is not None, 15, "XdndFinished")
        boot0gui.log(f"XdndFinished: {self.finished}; selection asked as {self.requests}")
        if not self.requests:
            boot0gui.fail("the window finished the drop without asking for the data")
        if not self.finished["success"]:
            boot0gui.fail(f"the window reports the drop failed: {self.finished}")
        # Done: give the selection up (the SelectionClear this brings is
        # ours, read and dropped here).
        self.dragging = False
        self.x11.XSetSelectionOwner(self.dpy, sel, 0, t)
        self.x11.XSync(self.dpy, 0)
        self.pump(lambda: not self.x11.XPending(self.dpy), 5, "the event queue to drain")
        return self.finished


def make_broken(good_hex):
    """good_hex with the checksum of its third record wrong; returns the
    text and the parser's message for it."""
    lines = good_hex.splitlines()
    rec = lines[2]
    right = int(rec[-2:], 16)
    wrong = right ^ 0x5A
    lines[2] = rec[:-2] + f"{wrong:02X}"
    message = f"line 3: checksum mismatch: expected 0x{right:02X}, found 0x{wrong:02X}"
    return "\n".join(lines) + "\n", message


def test(h):
    data = boot0gui.image(8 * 1024, seed=21)
    # A folder with a space: the URI carries it escaped (%20).
    folder = h.path("drop here")
    os.mkdir(folder)
    good = os.path.join(folder, "dropped.hex")
    h.cli("convert", "--address", "0x08000000", h.write("dropped.bin", data), good)
    with open(good) as f:
        broken_text, message = make_broken(f.read())
    broken = os.path.join(folder, "broken.hex")
    with open(broken, "w") as f:
        f.write(broken_text)

    emu = h.emulator()
    app = h.app(emulator=emu)
    app.wait_label("Device name", lambda t: t.startswith("STM32F405"))
    # Nothing to program yet.
    app.wait_sensitive("Program", sensitive=False)

    src = DragSource(h)
    try:
        _, _, width, height = app.window_extents()
        try:
            found = h.wait(lambda: src.find_target(app.proc.pid, width, height), 10,
                           f"Boot0's top-level X window ({width}x{height}, XdndAware)")
        except boot0gui.Failure as e:
            raise boot0gui.Failure(f"{e}; top-level windows:\n  " + "\n  ".join(src.seen))
        target, attrs, version, name = found
        boot0gui.log(f"target 0x{target:x} '{name}' XdndAware version {version}")
        if version < XDND_VERSION:
            boot0gui.fail(f"Boot0's window speaks XDND version {version}, not {XDND_VERSION}")
        # The middle of the window, in root coordinates.
        cx, cy, child = ctypes.c_int(), ctypes.c_int(), Window()
        src.x11.XTranslateCoordinates(src.dpy, target, src.root, attrs.width // 2,
                                      attrs.height // 2, ctypes.byref(cx), ctypes.byref(cy),
                                      ctypes.byref(child))
        x, y = cx.value, cy.value

        # The window highlights itself while the file is over it.
        src.drag(target, x, y, [good],
                 while_over=lambda: (app.settle(0.3), h.screenshot("drop-over.png", app=app)))
        text = app.wait_label("Firmware summary", lambda t: "dropped.hex" in t)
        boot0gui.log(f"summary: {text!r}")
        app.wait_log(lambda t: "Loaded dropped.hex" in t)
        app.wait_sensitive("Program")
        h.screenshot("drop-loaded.png", app=app)

        # A malformed file: the parser's message, and dropped.hex stays.
        src.drag(target, x, y, [broken])
        app.wait_label("Result", lambda t: t == "Failed to load broken.hex")
        detail = app.wait_label("Result details", lambda t: message in t)
        boot0gui.log(f"shown: {detail!r}")
        if broken not in detail:
            boot0gui.fail(f"the message does not name the file: {detail!r}")
        app.wait_log(lambda t: "Failed to load broken.hex" in t and message in t)
        h.screenshot("drop-malformed.png", app=app)
        text = app.label_text("Firmware summary")
        if "dropped.hex" not in text or "broken.hex" in text:
            boot0gui.fail(f"the summary no longer shows dropped.hex: {text!r}")
        app.wait_sensitive("Program")
        if "Loaded broken.hex" in app.wait_log(lambda t: True):
            boot0gui.fail("the log says the malformed file was loaded")
        if src.errors:
            boot0gui.log(f"X errors seen (ignored): {src.errors}")
    finally:
        src.close()


boot0gui.main(test)
