#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Start-up and memory of the Boot0 application on the emulated F405.

Runs `boot0` N times (default 5, after one unmeasured warm-up) under Xvfb,
in a D-Bus session with the accessibility bus (as on a desktop), under the
emulator with an F405 plugged in, and prints the median of:

  - first frame: from just before exec until the window's first paint is
    on the X screen (polled through libX11 every millisecond: the middle
    of the screen stops being the empty root). When the app prints
    BOOT0_FIRST_FRAME_US=<g_get_monotonic_time()> on its first
    GdkFrameClock "after-paint" (BOOT0_BENCH_STARTUP=1), that is shown too;
  - device shown: until the F405's name is in the window (AT-SPI, polled:
    about 0.1 s granularity);
  - the same first-frame measurement of the smallest GTK 4 window
    (tests/bench/minimal-window.c), and Boot0's figure as a ratio to it;
  - memory once the device is shown and the app idle for 1.5 s: VmRSS
    (the target's figure), its peak, and PSS and private memory, which
    leave out the shared libraries' pages other applications share too.

Boot0 and the minimal window draw with GTK's cairo renderer (src/app/main.c)
unless --renderer names another; GL on Xvfb is Mesa's llvmpipe, which costs
start-up time and ~80 MiB of RSS (LLVM).

Targets (issue "desktop application"): first frame < 300 ms, RSS < 80 MiB.
The script exits 1 when they are missed.

Usage: tests/bench/bench-gui.py [--build DIR] [-n N] [--renderer cairo|gl]
Build DIR defaults to build-bench (configure it with
`meson setup build-bench --buildtype=release`, no sanitizers); the script
builds it.
"""

import argparse
import ctypes
import ctypes.util
import os
import select
import statistics
import subprocess
import sys
import tempfile
import time

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(TOP, "tests", "gui"))
import boot0gui  # noqa: E402

TARGET_FIRST_FRAME_MS = 300
TARGET_RSS_MIB = 80


def proc_status(pid):
    """VmRSS and VmHWM, and from smaps_rollup the proportional (Pss) and
    private (Private_Clean + Private_Dirty) memory: RSS counts every page of
    the shared libraries GTK maps (Mesa's LLVM with the GL renderer), which
    other applications share."""
    out = {"Private": 0.0}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("VmRSS", "VmHWM"):
                out[k] = int(v.split()[0]) / 1024  # MiB
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                k, _, v = line.partition(":")
                if k == "Pss":
                    out["Pss"] = int(v.split()[0]) / 1024
                elif k in ("Private_Clean", "Private_Dirty"):
                    out["Private"] += int(v.split()[0]) / 1024
    except OSError:
        out["Pss"] = float("nan")
    return out


class Screen:
    """Pixels of the X screen through libX11 (ctypes): the first frame is
    the moment the window's middle stops being the empty (black) root;
    without a window manager the window sits at 0,0."""

    def __init__(self):
        x11 = ctypes.cdll.LoadLibrary(ctypes.util.find_library("X11") or "libX11.so.6")
        x11.XOpenDisplay.restype = ctypes.c_void_p
        x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
        x11.XDefaultRootWindow.restype = ctypes.c_ulong
        x11.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
        x11.XGetImage.restype = ctypes.c_void_p
        x11.XGetImage.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int, ctypes.c_int,
                                  ctypes.c_uint, ctypes.c_uint, ctypes.c_ulong, ctypes.c_int]
        x11.XGetPixel.restype = ctypes.c_ulong
        x11.XGetPixel.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_int]
        x11.XDestroyImage.argtypes = [ctypes.c_void_p]
        self.x11 = x11
        self.display = x11.XOpenDisplay(None)
        if not self.display:
            boot0gui.fail("cannot open the X display")
        self.root = x11.XDefaultRootWindow(self.display)

    def pixel(self, x, y):
        img = self.x11.XGetImage(self.display, self.root, x, y, 1, 1, 0xFFFFFFFF, 2)
        if not img:
            return 0
        value = self.x11.XGetPixel(img, 0, 0)
        self.x11.XDestroyImage(img)
        return value

    def painted(self):
        return any(self.pixel(x, y) != 0 for x, y in ((300, 300), (600, 200), (450, 500)))


class AppOutput:
    """The app's stderr, read without blocking."""

    def __init__(self, proc):
        self.proc = proc
        self.buf = b""

    def poll(self):
        fd = self.proc.stderr.fileno()
        while select.select([fd], [], [], 0)[0]:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            self.buf += chunk

    def first_frame_us(self):
        for line in self.buf.split(b"\n"):
            if line.startswith(b"BOOT0_FIRST_FRAME_US="):
                return int(line.split(b"=", 1)[1])
        return None


def first_frame(screen, out, started, timeout=10):
    """ms from exec to the window's first paint seen on the screen, and to
    the app's own after-paint stamp (None without the hook)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if screen.painted():
            seen = (time.monotonic() - started) * 1000
            break
        if out.proc.poll() is not None:
            boot0gui.fail("boot0 exited:\n" + out.buf.decode(errors="replace")[-2000:])
        time.sleep(0.001)
    else:
        boot0gui.fail("boot0 painted nothing in 10 s")
    # The stamp is written at the paint: a moment is enough to read it.
    stamp = None
    end = time.monotonic() + 0.1
    while stamp is None and time.monotonic() < end:
        out.poll()
        us = out.first_frame_us()
        stamp = None if us is None else (us / 1e6 - started) * 1000
        time.sleep(0.01)
    return seen, stamp


def one_run(h, emu, i, screen):
    import pyatspi
    env = dict(os.environ)
    env.update(emu.env)
    env["BOOT0_BENCH_STARTUP"] = "1"
    app_path = os.environ["BOOT0_APP"]
    started = time.monotonic()
    proc = subprocess.Popen([app_path], env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    out = AppOutput(proc)
    try:
        frame_ms, stamp_ms = first_frame(screen, out, started)

        def device_shown():
            out.poll()
            desktop = pyatspi.Registry.getDesktop(0)
            for a in desktop:
                if a is None or a.get_process_id() != proc.pid:
                    continue
                for acc in pyatspi.utils.findAllDescendants(
                        a, lambda x: x.getRole() == pyatspi.ROLE_LABEL):
                    t = acc.queryText()
                    if t.getText(0, t.characterCount).startswith("STM32F405"):
                        return True
            return False

        h.wait(device_shown, 10, "the F405 in the window")
        device_ms = (time.monotonic() - started) * 1000
        # Idle: let start-up work (fonts, icons, the device's info) settle.
        end = time.monotonic() + 1.5
        while time.monotonic() < end:
            out.poll()
            time.sleep(0.1)
        mem = proc_status(proc.pid)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    stamp = f" (app's after-paint stamp {stamp_ms:.1f} ms)" if stamp_ms is not None else ""
    print(f"run {i + 1}: first frame {frame_ms:6.1f} ms{stamp}, device shown {device_ms:6.1f} ms, "
          f"RSS {mem['VmRSS']:5.1f} MiB (peak {mem['VmHWM']:5.1f}, PSS {mem['Pss']:5.1f}, "
          f"private {mem['Private']:5.1f})", flush=True)
    return frame_ms, device_ms, mem["VmRSS"], mem["VmHWM"], mem["Pss"], mem["Private"]


def floor_run(screen):
    """First frame of the minimal GTK window (minimal-window.c), in ms."""
    started = time.monotonic()
    proc = subprocess.Popen([os.environ["BOOT0_BENCH_MINIMAL"]], stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    out = AppOutput(proc)
    try:
        frame_ms, _ = first_frame(screen, out, started)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    # The screen must be empty again before the next start is timed.
    end = time.monotonic() + 5
    while screen.painted() and time.monotonic() < end:
        time.sleep(0.01)
    return frame_ms


def bench(h):
    n = int(os.environ.get("BOOT0_BENCH_RUNS", "5"))
    emu = h.emulator(devices=[("f405", "3276384A3336", ())])
    # A first, unmeasured start warms the page cache, as on a desktop where
    # GTK is already loaded by other applications.
    screen = Screen()
    renderer = os.environ.get("GSK_RENDERER") or "cairo (Boot0's choice, src/app/main.c)"
    print(f"renderer: {renderer}; {n} runs after one warm-up", flush=True)
    one_run_quiet(h, emu, screen)
    runs = [one_run(h, emu, i, screen) for i in range(n)]
    frame = statistics.median(r[0] for r in runs)
    device = statistics.median(r[1] for r in runs)
    rss = statistics.median(r[2] for r in runs)
    hwm = statistics.median(r[3] for r in runs)
    pss = statistics.median(r[4] for r in runs)
    private = statistics.median(r[5] for r in runs)
    print()
    print(f"median of {n}: first frame {frame:.0f} ms (target < {TARGET_FIRST_FRAME_MS}), "
          f"device shown {device:.0f} ms, RSS {rss:.1f} MiB (target < {TARGET_RSS_MIB}), "
          f"peak RSS {hwm:.1f} MiB, PSS {pss:.1f} MiB, private {private:.1f} MiB")
    # The same measurement of the smallest GTK 4 window, runs interleaved
    # with nothing else: the ratio is what Boot0 adds, on any machine.
    floor_run(screen)
    floors = [floor_run(screen) for _ in range(n)]
    floor = statistics.median(floors)
    print(f"minimal GTK 4 window, median of {n}: first frame {floor:.0f} ms "
          f"({' '.join(f'{f:.0f}' for f in floors)}); Boot0 / minimal window: {frame / floor:.2f}")
    ok = frame < TARGET_FIRST_FRAME_MS and rss < TARGET_RSS_MIB
    print("targets met" if ok else "TARGETS MISSED")
    if not ok:
        boot0gui.fail("targets missed")


def one_run_quiet(h, emu, screen):
    saved = sys.stdout
    try:
        sys.stdout = open(os.devnull, "w")
        one_run(h, emu, -1, screen)
    finally:
        sys.stdout.close()
        sys.stdout = saved


def main():
    if os.environ.get(boot0gui.INNER) != "1":
        parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
        parser.add_argument("--build", default="build-bench")
        parser.add_argument("-n", type=int, default=5)
        parser.add_argument("--renderer", default="",
                            help="GSK_RENDERER for boot0 (default: GTK's own choice)")
        args = parser.parse_args()
        build = args.build if os.path.isabs(args.build) else os.path.join(TOP, args.build)
        if not os.path.exists(os.path.join(build, "build.ninja")):
            subprocess.run(["meson", "setup", build, "--buildtype=release"], cwd=TOP, check=True,
                           stdout=subprocess.DEVNULL)
        subprocess.run(["meson", "compile", "-C", build], check=True, stdout=subprocess.DEVNULL)
        app = os.path.join(build, "src", "app", "boot0")
        if not os.path.exists(app):
            sys.exit(f"{app} was not built (GTK 4 missing?)")
        with open(os.path.join(build, "meson-logs", "meson-log.txt"), errors="replace") as f:
            if "b_sanitize=address" in f.read():
                print("warning: this build uses sanitizers; figures will be pessimistic")
        os.environ.update({
            "BOOT0_APP": app,
            "BOOT0_BENCH_MINIMAL": os.path.join(build, "tests", "bench", "bench-minimal-window"),
            "BOOT0_EMULATOR": os.path.join(build, "tests", "emulator", "boot0-emulator"),
            "BOOT0_CLI": os.path.join(build, "src", "cli", "boot0-cli"),
            "GSETTINGS_SCHEMA_DIR": os.path.join(build, "data"),
            "BOOT0_SCHEMA_SRC": os.path.join(TOP, "data", "io.github.boot0.Boot0.gschema.xml"),
            "BOOT0_BENCH_RUNS": str(args.n),
            "BOOT0_GUI_RENDERER": args.renderer,
            "BOOT0_GUI_OUTDIR": tempfile.mkdtemp(prefix="boot0-bench-gui-"),
        })
        sys.argv = sys.argv[:1]
    boot0gui.main(bench, name="bench-gui")


if __name__ == "__main__":
    main()
