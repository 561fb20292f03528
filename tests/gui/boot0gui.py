# SPDX-License-Identifier: GPL-3.0-or-later
"""Drives the real Boot0 application as a user does: under Xvfb, through
AT-SPI (pyatspi), against the emulated bootloaders (tests/emulator).

A test script calls main(test_function). main() runs twice:

  outer: starts `Xvfb -noreset` on a free display, private HOME/XDG dirs,
         then re-runs the script inside `dbus-run-session` (one bus per
         test: the a11y bus and registry are D-Bus activated on it, and a
         second GtkApplication with the same ID hands off to the first);
  inner: runs test_function(h) with a Harness h, which starts the emulator
         (standalone, with a control socket) and `boot0` under its
         environment, finds widgets by role and accessible name, presses
         buttons, types into entries, reads labels and takes screenshots.

Every wait has a deadline and fails with what it was waiting for, the
application's accessible tree and the tail of its stderr; a missing tool
fails the test (never skips it); a GLib critical or a sanitizer report in
boot0's stderr fails it too. On failure the screen goes to
OUTDIR/failed-TEST.png.

GTK 4.8 facts the helpers work around (found by trying):
  - widgets are found by accessible name or description: GtkLabel replaces
    its name with its text, so value labels carry their key ("Result",
    "Device name"...) as description;
  - every widget in the tree says VISIBLE, hidden stack pages and
    unrevealed revealers included: showing() asks the window what is at a
    widget's position (GTK picks only mapped, sensitive widgets);
  - getText(0, -1) answers '': the character count is the end;
  - GtkCheckButton has no Action: it is clicked at its extents, which are
    window-relative (no window manager: the window sits at 0,0);
  - asking the application for its windows while one closes crashes GTK
    (NULL object path): trees are walked from the main window;
  - GL through llvmpipe starves the main loop on Xvfb: GSK_RENDERER=cairo.

Environment (meson sets it): BOOT0_APP, BOOT0_EMULATOR, BOOT0_UART_EMULATOR, BOOT0_CLI,
GSETTINGS_SCHEMA_DIR (else the schema is compiled from BOOT0_SCHEMA_SRC
into a temporary dir), BOOT0_GUI_OUTDIR (where PNGs go).
"""

import json
import os
import re
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import traceback

INNER = "BOOT0_GUI_INNER"
SCREEN = "1280x900x24"
# The whole test, inner part, must end before meson's timeout.
DEFAULT_DEADLINE = 150


class Failure(AssertionError):
    pass


def fail(message):
    raise Failure(message)


def need_tool(name):
    path = shutil.which(name)
    if not path:
        fail(f"required tool '{name}' is not installed (it is part of the GUI test equipment)")
    return path


def need_env(name):
    value = os.environ.get(name)
    if not value:
        fail(f"{name} is not set: run the GUI tests through `meson test --suite gui`")
    return value


def unmnemonic(text):
    """'_Program' -> 'Program': GTK 4.8 leaks a mnemonic's underscore into
    the accessible name of some widgets (tolerated here, reported by
    test-a11y.py)."""
    return re.sub(r"_(.)", r"\1", text)


def log(*args):
    print(f"[{time.strftime('%H:%M:%S')}]", *args, flush=True)


# ---------------------------------------------------------------- outer part

def _start_xvfb():
    """Xvfb on a display it picks itself (-displayfd): no races with
    parallel tests. -noreset: without it Xvfb resets when the a11y bus
    launcher disconnects and the app may lose its display."""
    xvfb = need_tool("Xvfb")
    r, w = os.pipe()
    proc = subprocess.Popen([xvfb, "-displayfd", str(w), "-screen", "0", SCREEN, "-noreset",
                             "-nolisten", "tcp"],
                            pass_fds=(w,), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    os.close(w)
    number = b""
    deadline = time.monotonic() + 15
    while not number.endswith(b"\n"):
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([r], [], [], left)[0]:
            proc.kill()
            fail("Xvfb did not report its display number within 15 s")
        chunk = os.read(r, 64)
        if not chunk:
            err = proc.stderr.read().decode(errors="replace")
            fail(f"Xvfb exited before it was ready:\n{err}")
        number += chunk
    os.close(r)
    return proc, ":" + number.decode().strip()


def _outer(script):
    for tool in ("dbus-run-session", "import", "convert", "/usr/bin/python3"):
        need_tool(tool)
    r = subprocess.run(["/usr/bin/python3", "-c", "import pyatspi"], capture_output=True)
    if r.returncode != 0:
        fail("pyatspi is missing (Debian: python3-pyatspi): " + r.stderr.decode())

    home = tempfile.mkdtemp(prefix="boot0-gui-")
    xvfb, display = _start_xvfb()
    env = dict(os.environ)
    for k in ("WAYLAND_DISPLAY", "DBUS_SESSION_BUS_ADDRESS", "AT_SPI_BUS_ADDRESS",
              "LANGUAGE", "LC_MESSAGES", "SESSION_MANAGER"):
        env.pop(k, None)
    runtime = os.path.join(home, "run")
    os.mkdir(runtime, 0o700)
    env.update({
        INNER: "1",
        "DISPLAY": display,
        "HOME": home,
        "XDG_RUNTIME_DIR": runtime,
        "XDG_CONFIG_HOME": os.path.join(home, "config"),
        "XDG_DATA_HOME": os.path.join(home, "data"),
        "XDG_CACHE_HOME": os.path.join(home, "cache"),
        "XDG_STATE_HOME": os.path.join(home, "state"),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "GDK_BACKEND": "x11",
        "GTK_A11Y": "atspi",
        "NO_AT_BRIDGE": "0",
        "GSETTINGS_BACKEND": "memory",
        # Xvfb has no GPU: GL through llvmpipe makes every frame cost a core
        # and starves the main loop that answers AT-SPI.
        "GSK_RENDERER": env.get("BOOT0_GUI_RENDERER", "cairo"),
        # No portal on this bus: GTK must not wait for one, and
        # GtkFileChooserNative falls back to GTK's own dialog, which AT-SPI
        # can drive.
        "GTK_USE_PORTAL": "0",
        "GTK_THEME": env.get("BOOT0_GUI_THEME", ""),
    })
    for k in ("GTK_THEME", "GSK_RENDERER"):
        if not env[k]:
            del env[k]
    log(f"Xvfb on {display}, HOME={home}")
    code = 1
    proc = None

    def stop(signum, frame):
        # meson's timeout (SIGTERM) or Ctrl+C: take the session down too.
        if proc is not None:
            os.killpg(proc.pid, signal.SIGKILL)
        raise Failure(f"stopped by signal {signum}")

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        # Its own process group, so everything in the session can be killed.
        proc = subprocess.Popen(["dbus-run-session", "--", "/usr/bin/python3", script,
                                 *sys.argv[1:]], env=env, start_new_session=True)
        try:
            code = proc.wait(timeout=DEFAULT_DEADLINE + 20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            log("FAIL: the test did not finish in time (killed)")
            code = 1
    finally:
        xvfb.terminate()
        try:
            xvfb.wait(timeout=5)
        except subprocess.TimeoutExpired:
            xvfb.kill()
            xvfb.wait()
        shutil.rmtree(home, ignore_errors=True)
    return code


# ---------------------------------------------------------------- emulator

class Emulator:
    """boot0-emulator standalone with a control socket. devices: list of
    (profile, serial, [faults]); each device's flash is a file in tmp."""

    def __init__(self, h, devices=(("f405", "SERIAL0", ()),), timing=False, time_scale=None,
                 remove_at_start=False, flash_init=None):
        self.h = h
        self.control = os.path.join(h.tmp, f"emu{len(h.emulators)}.sock")
        self.summary_path = os.path.join(h.tmp, f"emu{len(h.emulators)}-summary.json")
        self.stderr_path = os.path.join(h.tmp, f"emu{len(h.emulators)}.stderr")
        self.flash_paths = {}
        argv = [need_env("BOOT0_EMULATOR"), "--control", self.control,
                "--summary", self.summary_path]
        for profile, serial, faults in devices:
            path = os.path.join(h.tmp, f"flash-{serial}.bin")
            self.flash_paths[serial] = path
            # The emulator maps this file: it is written before, never after
            # (a shorter file under the mapping is a SIGBUS).
            if flash_init and serial in flash_init:
                with open(path, "wb") as f:
                    f.write(flash_init[serial])
            argv += ["--profile", profile, "--serial", serial, "--flash", path]
            for fault in faults:
                argv += ["--fault", fault]
        if not timing:
            argv.append("--no-timing")
        if time_scale is not None:
            argv += ["--time-scale", str(time_scale)]
        self.argv = argv
        self.stderr = open(self.stderr_path, "w")
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=self.stderr,
                                     stdin=subprocess.DEVNULL)
        self.env = self._read_env()
        if remove_at_start:
            for _, serial, _ in devices:
                self.send(f"remove {serial}")

    def _read_env(self):
        env = {}
        deadline = time.monotonic() + 20
        buf = b""
        fd = self.proc.stdout.fileno()
        while not {"UMOCKDEV_DIR", "LD_PRELOAD"} <= env.keys() or "ASAN_OPTIONS" not in env:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            if not select.select([fd], [], [], min(left, 0.5))[0]:
                if "UMOCKDEV_DIR" in env and "LD_PRELOAD" in env and self.proc.poll() is None:
                    # ASAN_OPTIONS is printed by sanitized builds only.
                    if os.path.exists(self.control):
                        break
                continue
            chunk = os.read(fd, 4096)
            if not chunk:
                break
            buf += chunk
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                k, sep, v = line.decode().strip().partition("=")
                if sep:
                    env[k] = v
        if "UMOCKDEV_DIR" not in env:
            fail("the emulator did not print its environment: " + self.stderr_tail())
        # The socket exists once the emulator listens.
        self.h.wait(lambda: os.path.exists(self.control), 10, "the emulator's control socket")
        return env

    def send(self, line, timeout=10):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(timeout)
        try:
            s.connect(self.control)
            s.sendall((line + "\n").encode())
            answer = b""
            while True:
                chunk = s.recv(4096)
                if not chunk:
                    break
                answer += chunk
                last = answer.rstrip(b"\n").rsplit(b"\n", 1)[-1]
                if answer.endswith(b"\n") and (last.startswith(b"ok") or last.startswith(b"error")):
                    break
        finally:
            s.close()
        text = answer.decode()
        if not text.rstrip().rsplit("\n", 1)[-1].startswith("ok"):
            fail(f"emulator control '{line}' answered {text!r}")
        log(f"emulator: {line} -> {text.strip()}")
        return text

    def add(self, profile, serial):
        path = os.path.join(self.h.tmp, f"flash-{serial}.bin")
        self.flash_paths[serial] = path
        return self.send(f"add {profile} {serial} {path}")

    def flash(self, serial):
        with open(self.flash_paths[serial], "rb") as f:
            return f.read()

    def stop(self):
        """Stops the emulator and returns its summary."""
        if self.proc.poll() is None:
            try:
                self.send("quit", timeout=5)
            except (OSError, Failure):
                self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.stderr.close()
        try:
            with open(self.summary_path) as f:
                return json.load(f)
        except (OSError, ValueError):
            return None

    def stderr_tail(self, n=30):
        try:
            with open(self.stderr_path, errors="replace") as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            return ""


class UartEmulator:
    """boot0-uart-emulator standalone: an AN3155 bootloader on a pty whose
    path is self.port (BOOT0_UART_PORT); its flash is a file in tmp."""

    def __init__(self, h, profile="f405", wiring=None, faults=(), timing=False, flash_init=None):
        n = len(h.emulators)
        self.h = h
        self.flash_path = os.path.join(h.tmp, f"uart{n}-flash.bin")
        self.summary_path = os.path.join(h.tmp, f"uart{n}-summary.json")
        self.stderr_path = os.path.join(h.tmp, f"uart{n}.stderr")
        if flash_init is not None:
            with open(self.flash_path, "wb") as f:
                f.write(flash_init)
        argv = [need_env("BOOT0_UART_EMULATOR"), "--profile", profile, "--flash", self.flash_path,
                "--summary", self.summary_path]
        if not timing:
            argv.append("--no-timing")
        if wiring:
            argv += ["--wiring", wiring]
        for fault in faults:
            argv += ["--fault", fault]
        self.argv = argv
        self.stderr = open(self.stderr_path, "w")
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=self.stderr,
                                     stdin=subprocess.DEVNULL)
        self.env = self._read_env()
        self.port = self.env["BOOT0_UART_PORT"]
        log(f"UART emulator ({profile}{', wiring ' + wiring if wiring else ''}) on {self.port}")

    def _read_env(self):
        """KEY=VALUE lines up to an empty line (tests/emulator/README.md)."""
        env = {}
        buf = b""
        fd = self.proc.stdout.fileno()
        deadline = time.monotonic() + 20
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                fail("the UART emulator did not print its environment: " + self.stderr_tail())
            chunk = os.read(fd, 4096)
            if not chunk:
                fail("the UART emulator exited: " + self.stderr_tail())
            buf += chunk
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                line = line.decode().strip()
                if not line:
                    if "BOOT0_UART_PORT" not in env:
                        fail("the UART emulator printed no BOOT0_UART_PORT")
                    return env
                k, sep, v = line.partition("=")
                if sep:
                    env[k] = v

    def flash(self):
        with open(self.flash_path, "rb") as f:
            return f.read()

    def stop(self):
        """Stops the emulator (SIGTERM) and returns its summary."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if not self.stderr.closed:
            self.stderr.close()
        try:
            with open(self.summary_path) as f:
                return json.load(f)
        except (OSError, ValueError):
            return None

    def stderr_tail(self, n=30):
        try:
            with open(self.stderr_path, errors="replace") as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            return ""


# ---------------------------------------------------------------- application

class App:
    """A running boot0 and its accessible tree."""

    def __init__(self, h, args, emulator=None, extra_env=None):
        import pyatspi
        self.pyatspi = pyatspi
        self.h = h
        env = dict(os.environ)
        if emulator:
            env.update(emulator.env)
        # GTK and fontconfig keep caches for the process lifetime: a leak
        # check at exit would only report those.
        asan = env.get("ASAN_OPTIONS", "")
        env["ASAN_OPTIONS"] = ":".join(x for x in (asan, "detect_leaks=0", "abort_on_error=1") if x)
        # GTK's own criticals under an incomplete a11y stack must not abort
        # the app; they are reported from its stderr instead.
        env.pop("G_DEBUG", None)
        env.pop("MALLOC_CHECK_", None)
        env.update(extra_env or {})
        self.env = env
        n = len(h.apps)
        self.stderr_path = os.path.join(h.tmp, f"boot0-{n}.stderr")
        self.stderr = open(self.stderr_path, "w")
        self.argv = [need_env("BOOT0_APP"), *args]
        log("starting", " ".join(self.argv))
        self.started = time.monotonic()
        self.proc = subprocess.Popen(self.argv, env=env, stdout=self.stderr, stderr=self.stderr,
                                     stdin=subprocess.DEVNULL)
        self.root = None
        self.frame = None
        self.root = self.h.wait(self._find_root, 30, "the Boot0 window on the accessibility bus")
        self.frame = next(w for w in self.windows() if w.getRole() == self.pyatspi.ROLE_FRAME)
        log(f"window up after {time.monotonic() - self.started:.2f} s")

    def _find_root(self):
        if self.proc.poll() is not None:
            fail(f"boot0 exited with status {self.proc.returncode}:\n{self.stderr_tail()}")
        desktop = self.pyatspi.Registry.getDesktop(0)
        for i in range(desktop.childCount):
            a = desktop.getChildAtIndex(i)
            if a is None:
                continue
            try:
                if a.get_process_id() == self.proc.pid and a.childCount > 0:
                    for j in range(a.childCount):
                        w = a.getChildAtIndex(j)
                        if w is not None and w.getRole() == self.pyatspi.ROLE_FRAME:
                            return a
            except Exception:
                continue
        return None

    # -- tree

    def walk(self, acc=None):
        # From the main window, not the application: GTK 4.8 answers the
        # application's GetChildAtIndex for a window that has just closed
        # with a NULL object path and crashes (gtkatspiroot.c), so the
        # windows are listed only when a test asks for them.
        acc = acc or self.frame or self.root
        stack = [acc]
        while stack:
            a = stack.pop()
            yield a
            try:
                n = a.childCount
            except Exception:
                continue
            for i in reversed(range(n)):
                try:
                    c = a.getChildAtIndex(i)
                except Exception:
                    c = None
                if c is not None:
                    stack.append(c)

    def windows(self):
        """The application's windows. Not while one is closing (see walk):
        wait for the close first, e.g. with settle()."""
        return [w for w in (self.root.getChildAtIndex(i) for i in range(self.root.childCount))
                if w is not None]

    @staticmethod
    def settle(seconds=0.5):
        """Lets a window that is closing finish before windows() is asked."""
        time.sleep(seconds)

    def main_window(self):
        return self.frame

    def _matches(self, acc, name, role, prefix):
        try:
            if role is not None and acc.getRole() != role:
                return False
            if name is None:
                return True
            # GtkLabel replaces its accessible name with its text whenever
            # the text changes (GTK 4.8), so a label keyed by what it shows
            # ("Result") keeps that key in its description.
            values = (unmnemonic(acc.name or ""), acc.description or "")
            for v in values:
                if v == name or (prefix and v.startswith(name)):
                    return True
            # GTK 4.8 names a button with an accessible label AND a visible
            # label "LABEL TEXT" (label + labelled-by child): tolerated here,
            # reported by test-a11y.py.
            if acc.getRole() in (self.pyatspi.ROLE_PUSH_BUTTON, self.pyatspi.ROLE_TOGGLE_BUTTON):
                return values[0].startswith(name + " ")
        except Exception:
            return False
        return False

    def find_all(self, name=None, role=None, prefix=False, within=None):
        return [a for a in self.walk(within) if self._matches(a, name, role, prefix)]

    def find_now(self, name=None, role=None, prefix=False, within=None):
        found = self.find_all(name, role, prefix, within)
        return found[0] if found else None

    def showing(self, acc, depth=0):
        """Whether acc is on screen in the main window: GTK 4.8 reports every widget in the
        tree as VISIBLE, hidden stack pages included, so ask the window
        what is at acc's middle and edges (GTK picks only mapped widgets).
        Where every pick lands on an unpresented child (an entry's
        GtkText) and answers nothing, or acc is insensitive (never picked),
        acc shows if its parent does."""
        try:
            # GTK never picks an insensitive widget: ask about its parent.
            if not self.sensitive(acc) and depth < 4 and acc.parent is not None:
                return self.showing(acc.parent, depth + 1)
            ext = acc.queryComponent().getExtents(self.pyatspi.WINDOW_COORDS)
            if ext.width <= 0 or ext.height <= 0:
                return False
            win = self.main_window().queryComponent()
            x, y, w, h = ext.x, ext.y, ext.width, ext.height
            points = [(x + w // 2, y + h // 2), (x + 2, y + h // 2), (x + w - 3, y + h // 2),
                      (x + w // 2, y + 2), (x + w // 2, y + h - 3)]
            answered = False
            for px, py in points:
                hit = win.getAccessibleAtPoint(px, py, self.pyatspi.WINDOW_COORDS)
                answered = answered or hit is not None
                for _ in range(64):
                    if hit is None:
                        break
                    if hit == acc:
                        return True
                    hit = hit.parent
            if not answered and depth < 4 and acc.parent is not None:
                return self.showing(acc.parent, depth + 1)
        except Exception:
            return False
        return False

    def find_showing(self, name=None, role=None, prefix=False):
        for a in self.find_all(name, role, prefix):
            if self.showing(a):
                return a
        return None

    def find(self, name, role=None, prefix=False, timeout=10, within=None, showing=False):
        what = f"{self.role_name(role)} '{name}'{'…' if prefix else ''}"
        if showing:
            return self.h.wait(lambda: self._alive() and self.find_showing(name, role, prefix),
                               timeout, what + " on screen", app=self)
        return self.h.wait(lambda: self._alive() and self.find_now(name, role, prefix, within),
                           timeout, what, app=self)

    def hidden(self, name, role=None, prefix=False, timeout=10):
        """Waits until nothing matching is on screen (gone or hidden)."""
        what = f"{self.role_name(role)} '{name}' to leave the screen"
        self.h.wait(lambda: self._alive() and not self.find_showing(name, role, prefix), timeout,
                    what, app=self)

    def _alive(self):
        if self.proc.poll() is not None:
            fail(f"boot0 exited with status {self.proc.returncode}:\n{self.stderr_tail()}")
        return True

    def role_name(self, role):
        return {
            self.pyatspi.ROLE_PUSH_BUTTON: "button",
            self.pyatspi.ROLE_TOGGLE_BUTTON: "toggle button",
            self.pyatspi.ROLE_CHECK_BOX: "check box",
            self.pyatspi.ROLE_LABEL: "label",
            self.pyatspi.ROLE_TEXT: "entry",
            self.pyatspi.ROLE_PROGRESS_BAR: "progress bar",
        }.get(role, "widget")

    def dump(self, acc=None, depth=0, out=None, limit=400):
        out = [] if out is None else out
        acc = acc or self.frame or self.root
        if len(out) >= limit:
            return out
        try:
            states = [self.pyatspi.stateToString(s) for s in acc.getState().getStates()]
            brief = [s for s in states if s in ("checked", "pressed", "editable", "focused")]
            if "sensitive" not in states:
                brief.append("INSENSITIVE")
            line = f"{'  ' * depth}{acc.getRoleName()} {acc.name!r}"
            if acc.description:
                line += f" desc={acc.description!r}"
            text = self.text(acc) if "Text" in self.pyatspi.listInterfaces(acc) else None
            if text and text != acc.name:
                line += f" text={text[:80]!r}"
            if brief:
                line += " [" + ",".join(brief) + "]"
            out.append(line)
            for i in range(acc.childCount):
                c = acc.getChildAtIndex(i)
                if c is not None:
                    self.dump(c, depth + 1, out, limit)
        except Exception as e:
            out.append(f"{'  ' * depth}<{e}>")
        return out

    # -- reading

    @staticmethod
    def text(acc):
        """acc's text, or '' when it has none (or has just gone away:
        widgets come and go while a test polls)."""
        try:
            t = acc.queryText()
            # GTK 4.8 answers '' for getText(0, -1).
            return t.getText(0, t.characterCount)
        except Exception:
            return ""

    def label_text(self, name, timeout=10):
        return self.text(self.find(name, self.pyatspi.ROLE_LABEL, timeout=timeout))

    def all_text(self, showing=True):
        """The text of every label on screen (or in the tree), one a line."""
        out = []
        for a in self.find_all(role=self.pyatspi.ROLE_LABEL):
            t = self.text(a)
            if t and (not showing or self.showing(a)):
                out.append(t)
        return "\n".join(out)

    def wait_label(self, name, predicate, timeout=10, what=None):
        """Waits until a label keyed `name` (see _matches) is on screen with
        a text for which predicate(text) is true; returns that text."""
        last = [None]

        def check():
            self._alive()
            for acc in self.find_all(name, self.pyatspi.ROLE_LABEL):
                t = self.text(acc)
                last[0] = t
                if predicate(t) and self.showing(acc):
                    return t
            return None

        try:
            return self.h.wait(check, timeout, what or f"label '{name}'", app=self)
        except Failure as e:
            raise Failure(f"{e}\nlast text of '{name}': {last[0]!r}") from None

    def wait_log(self, predicate, timeout=10):
        """Waits until the log view's text satisfies predicate; returns it."""
        last = [""]

        def check():
            self._alive()
            acc = self.find_now("Log", self.pyatspi.ROLE_TEXT)
            if acc is None:
                return None
            last[0] = self.text(acc)
            return last[0] if predicate(last[0]) else None

        try:
            return self.h.wait(check, timeout, "the log", app=self)
        except Failure as e:
            raise Failure(f"{e}\nlog:\n{last[0]}") from None

    def sensitive(self, acc):
        return acc.getState().contains(self.pyatspi.STATE_SENSITIVE)

    def checked(self, acc):
        s = acc.getState()
        return s.contains(self.pyatspi.STATE_CHECKED) or s.contains(self.pyatspi.STATE_PRESSED)

    def wait_sensitive(self, name, role=None, sensitive=True, timeout=10):
        role = self.pyatspi.ROLE_PUSH_BUTTON if role is None else role
        return self.h.wait(
            lambda: self._alive() and (lambda a: a if a is not None and
                                       self.sensitive(a) == sensitive else None)(
                self.find_now(name, role)),
            timeout, f"'{name}' to become {'sensitive' if sensitive else 'insensitive'}", app=self)

    def progress(self, name="Progress"):
        acc = self.find_now(name, self.pyatspi.ROLE_PROGRESS_BAR)
        if acc is None:
            return None
        v = acc.queryValue()
        return v.currentValue

    # -- acting

    def _actionable(self, name, roles, within=None):
        # A GtkMenuButton is a button without actions holding the toggle
        # button that has them: take the first match that can be pressed.
        for role in roles:
            for acc in self.find_all(name, role, within=within):
                try:
                    if acc.queryAction().nActions > 0:
                        return acc
                except NotImplementedError:
                    continue
        return None

    def button(self, name, timeout=10):
        """The button (or toggle button) called name."""
        roles = [self.pyatspi.ROLE_PUSH_BUTTON, self.pyatspi.ROLE_TOGGLE_BUTTON]
        return self.h.wait(lambda: self._alive() and self._actionable(name, roles), timeout,
                           f"button '{name}'", app=self)

    def handoff(self, path):
        """`boot0 FILE` again: GApplication hands the file to this (the
        running) instance and the second process exits."""
        log(f"boot0 {os.path.basename(path)} (to the running instance)")
        r = subprocess.run([self.argv[0], path], env=self.env, capture_output=True, text=True,
                           timeout=30)
        if r.returncode != 0:
            fail(f"boot0 {path} (handing off) exited {r.returncode}: {r.stderr}")

    def press(self, name, role=None, timeout=10, within=None):
        """Presses a button (in window `within`, else anywhere) through its
        AT-SPI action."""
        roles = ([self.pyatspi.ROLE_PUSH_BUTTON, self.pyatspi.ROLE_TOGGLE_BUTTON]
                 if role is None else [role])
        acc = self.h.wait(lambda: self._alive() and self._actionable(name, roles, within),
                          timeout, f"button '{name}'", app=self)
        if not self.sensitive(acc):
            fail(f"button '{name}' is insensitive")
        action = acc.queryAction()
        names = [action.getName(i) for i in range(action.nActions)]
        index = names.index("click") if "click" in names else 0
        log(f"press '{name}'")
        if not action.doAction(index):
            fail(f"button '{name}' refused its action")
        return acc

    def activate_menu_item(self, name, timeout=5):
        """Activates a (popover) menu item through its action."""
        acc = self.h.wait(lambda: self._alive() and self._actionable(
            name, [self.pyatspi.ROLE_MENU_ITEM, self.pyatspi.ROLE_CHECK_MENU_ITEM,
                   self.pyatspi.ROLE_RADIO_MENU_ITEM]), timeout, f"menu item '{name}'", app=self)
        log(f"activate menu item '{name}'")
        acc.queryAction().doAction(0)
        return acc

    def click(self, acc):
        """A synthesized pointer click at the middle of acc. Positions are
        window-relative (GTK 4.8): without a window manager the window sits
        at 0,0, so they are screen positions too."""
        ext = acc.queryComponent().getExtents(self.pyatspi.WINDOW_COORDS)
        if ext.width <= 0 or ext.height <= 0:
            fail(f"'{acc.name}' has no size on screen: {ext}")
        x, y = ext.x + ext.width // 2, ext.y + ext.height // 2
        self.pyatspi.Registry.generateMouseEvent(x, y, "abs")
        self.pyatspi.Registry.generateMouseEvent(x, y, "b1c")

    def set_check(self, name, value, timeout=10):
        """GtkCheckButton exposes no Action in GTK 4.8: click it."""
        acc = self.find(name, self.pyatspi.ROLE_CHECK_BOX, timeout=timeout)
        if self.checked(acc) != value:
            log(f"click check box '{name}' -> {value}")
            self.click(acc)
            self.h.wait(lambda: self.checked(acc) == value, 5,
                        f"check box '{name}' to become {value}", app=self)
        return acc

    def window(self, name, timeout=10):
        """Waits for a top-level window (or dialog) called name."""
        def find():
            self._alive()
            for w in self.windows():
                if w.name == name:
                    return w
            return None
        return self.h.wait(find, timeout, f"the window '{name}'", app=self)

    def set_entry(self, name, text, timeout=10, within=None):
        acc = self.find(name, self.pyatspi.ROLE_TEXT, timeout=timeout, within=within)
        log(f"type {text!r} into '{name}'")
        if not acc.queryEditableText().setTextContents(text):
            fail(f"entry '{name}' refused the text {text!r}")
        return acc

    # X keycodes of Xvfb's default (evdev) keymap.
    KEYCODES = {"Escape": 9, "Return": 36, "Control_L": 37, "Shift_L": 50, "space": 65,
                "Tab": 23, "l": 46, "o": 32, "q": 24, "comma": 59, "slash": 61}

    def key(self, name, modifiers=()):
        """A key press through XTest (the registry daemon), e.g.
        key('Return', ['Control_L']). The pointer goes inside the window
        first: without a window manager X focus follows the pointer."""
        reg = self.pyatspi.Registry
        x, y, w, h = self.window_extents()
        reg.generateMouseEvent(x + w // 2, y + 10, "abs")
        log(f"key {'+'.join([*modifiers, name])}")
        for m in modifiers:
            reg.generateKeyboardEvent(self.KEYCODES[m], None, self.pyatspi.KEY_PRESS)
        reg.generateKeyboardEvent(self.KEYCODES[name], None, self.pyatspi.KEY_PRESSRELEASE)
        for m in reversed(modifiers):
            reg.generateKeyboardEvent(self.KEYCODES[m], None, self.pyatspi.KEY_RELEASE)

    def latency(self):
        """Round trip of one AT-SPI call answered by the app's main loop."""
        t = time.monotonic()
        self.main_window().getState()
        return time.monotonic() - t

    def window_extents(self, window=None):
        window = window or self.main_window()
        ext = window.queryComponent().getExtents(self.pyatspi.WINDOW_COORDS)
        return ext.x, ext.y, ext.width, ext.height

    def stderr_tail(self, n=40):
        try:
            with open(self.stderr_path, errors="replace") as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            return ""

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if not self.stderr.closed:
            self.stderr.close()


# ---------------------------------------------------------------- harness

class Harness:
    def __init__(self, name):
        self.name = name
        self.tmp = tempfile.mkdtemp(prefix=f"boot0-gui-{name}-")
        self.outdir = os.environ.get("BOOT0_GUI_OUTDIR") or os.getcwd()
        os.makedirs(self.outdir, exist_ok=True)
        self.emulators = []
        self.apps = []
        self._schema()

    def _schema(self):
        d = os.environ.get("GSETTINGS_SCHEMA_DIR")
        if d and os.path.exists(os.path.join(d, "gschemas.compiled")):
            return
        src = os.environ.get("BOOT0_SCHEMA_SRC")
        if not src or not os.path.exists(src):
            fail("no compiled GSettings schema (GSETTINGS_SCHEMA_DIR) and no BOOT0_SCHEMA_SRC")
        d = os.path.join(self.tmp, "schemas")
        os.mkdir(d)
        shutil.copy(src, d)
        subprocess.run([need_tool("glib-compile-schemas"), "--strict", d], check=True)
        os.environ["GSETTINGS_SCHEMA_DIR"] = d

    def wait(self, predicate, timeout, what, app=None, interval=0.05):
        """Polls predicate() until it returns something true; fails after
        timeout seconds saying what it waited for."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() > deadline:
                message = f"timed out after {timeout} s waiting for {what}"
                if app is not None and (app.frame or app.root) is not None:
                    message += "\naccessible tree:\n" + "\n".join(app.dump())
                fail(message)
            time.sleep(interval)

    def emulator(self, *args, **kwargs):
        e = Emulator(self, *args, **kwargs)
        self.emulators.append(e)
        return e

    def uart_emulator(self, *args, **kwargs):
        e = UartEmulator(self, *args, **kwargs)
        self.emulators.append(e)
        return e

    def app(self, *args, emulator=None, extra_env=None):
        a = App(self, list(args), emulator=emulator, extra_env=extra_env)
        self.apps.append(a)
        return a

    def path(self, name):
        return os.path.join(self.tmp, name)

    def write(self, name, data):
        path = self.path(name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def cli(self, *args):
        r = subprocess.run([need_env("BOOT0_CLI"), *args], capture_output=True, text=True,
                           timeout=60)
        if r.returncode != 0:
            fail(f"boot0-cli {' '.join(args)} failed ({r.returncode}): {r.stderr}")
        return r.stdout

    def screenshot(self, name, app=None, window=None):
        """The screen (cropped to app's main window, or to the accessible
        window `window` of app, when given) as OUTDIR/name."""
        path = os.path.join(self.outdir, name)
        raw = path + ".tmp.png"
        subprocess.run(["import", "-window", "root", raw], check=True, timeout=30,
                       stderr=subprocess.DEVNULL)
        if app is not None:
            x, y, w, h = app.window_extents(window)
            subprocess.run(["convert", raw, "-crop", f"{w}x{h}+{max(x, 0)}+{max(y, 0)}",
                            "+repage", "-strip", path], check=True, timeout=30)
            os.unlink(raw)
        else:
            os.replace(raw, path)
        log(f"screenshot {path}")
        return path

    def check_stderr(self):
        """GLib criticals are programming errors, sanitizer reports are
        bugs: either fails the test; warnings are shown."""
        bad = []
        for a in self.apps:
            try:
                with open(a.stderr_path, errors="replace") as f:
                    lines = f.read().splitlines()
            except OSError:
                continue
            for line in lines:
                if any(m in line for m in ("-CRITICAL **", "runtime error:",
                                           "ERROR: AddressSanitizer")):
                    bad.append(line)
                elif "-WARNING **" in line:
                    log(f"boot0 warned: {line}")
        if bad:
            fail("boot0 reported errors on stderr:\n" + "\n".join(bad[:20]))

    def cleanup(self):
        for a in self.apps:
            a.stop()
        for e in self.emulators:
            e.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)


def main(test, name=None):
    """Entry point of a GUI test script."""
    script = os.path.abspath(sys.argv[0])
    name = name or os.path.splitext(os.path.basename(script))[0]
    if os.environ.get(INNER) != "1":
        try:
            sys.exit(_outer(script))
        except Failure as e:
            log(f"FAIL: {e}")
            sys.exit(1)

    def on_alarm(signum, frame):
        raise Failure(f"the test did not finish within {DEFAULT_DEADLINE} s")

    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(DEFAULT_DEADLINE)
    h = None
    code = 1
    try:
        h = Harness(name)
        import pyatspi
        from gi.repository import Atspi
        # A hung main loop must fail a call quickly, not after 25 s.
        Atspi.set_timeout(5000, 15000)
        del pyatspi
        test(h)
        h.check_stderr()
        code = 0
        log(f"PASS: {name}")
    except Exception as e:
        log(f"FAIL: {name}: {e if isinstance(e, Failure) else ''}")
        if not isinstance(e, Failure):
            traceback.print_exc()
        if h is not None:
            try:
                h.screenshot(f"failed-{name}.png")
            except Exception as e2:
                log(f"(no failure screenshot: {e2})")
            for a in h.apps:
                a.stop()
                log(f"boot0 stderr ({a.stderr_path}):\n{a.stderr_tail()}")
            for em in h.emulators:
                log(f"emulator stderr:\n{em.stderr_tail()}")
    finally:
        signal.alarm(0)
        if h is not None:
            h.cleanup()
    sys.exit(code)


# ---------------------------------------------------------------- images

def elf32(segments, entry):
    """A minimal ELF32 little-endian ARM executable: one PT_LOAD per
    (address, bytes) segment, at that physical address."""
    phoff = 52
    data_off = phoff + 32 * len(segments)
    header = struct.pack("<4sBBBB8xHHIIIIIHHHHHH", b"\x7fELF", 1, 1, 1, 0, 2, 40, 1, entry,
                         phoff, 0, 0x5000200, 52, 32, len(segments), 40, 0, 0)
    phdrs = b""
    body = b""
    for addr, data in segments:
        phdrs += struct.pack("<IIIIIIII", 1, data_off + len(body), addr, addr, len(data),
                             len(data), 5, 4)
        body += data
    return header + phdrs + body


def image(size, seed=1):
    """Firmware-like bytes: random, reproducible per seed."""
    import random
    return random.Random(seed).randbytes(size)
