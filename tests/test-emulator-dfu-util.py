#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Debian's unmodified dfu-util against boot0-emulator: list, download, upload, leave,
every profile, NOR semantics, faults, several devices, hotplug, real timing.

Run by meson with BOOT0_EMULATOR, DFU_UTIL and EMULATOR_HOTPLUG set; a missing tool
fails the test (it is not skipped).
"""

import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest

EMULATOR = None
DFU_UTIL = None
HOTPLUG = None

F405_ALTS = [
    "@Internal Flash  /0x08000000/04*016Kg,01*064Kg,07*128Kg",
    "@Option Bytes  /0x1FFFC000/01*016 e",
    "@OTP Memory /0x1FFF7800/01*512 e,01*016 e",
    "@Device Feature/0xFFFF0000/01*004 e",
]
F405_SERIAL = "3276384A3336"
# profile -> (flash size, first writable address, alt 0 name)
PROFILES = {
    "f405": (1024 * 1024, 0x08000000, F405_ALTS[0]),
    "l4": (512 * 1024, 0x08000000, "@Internal Flash  /0x08000000/0256*0002Kg"),
    "f0": (128 * 1024, 0x08000000, "@Internal Flash  /0x08000000/064*0002Kg"),
    "h7": (2 * 1024 * 1024, 0x08000000, "@Internal Flash   /0x08000000/16*128Kg"),
    "cubemx": (512 * 1024, 0x08008000,
               "@Internal Flash   /0x08000000/02*016Ka,02*016Kg,01*064Kg,03*128Kg"),
}
FLASH_BASE = 0x08000000


def tool(env_var):
    path = os.environ.get(env_var)
    if not path or shutil.which(path) is None:
        raise AssertionError(f"{env_var} is not set or not found ({path!r}): run through `meson test`")
    return shutil.which(path)


def image(size, seed):
    return random.Random(seed).randbytes(size)


def found_lines(text):
    return [line for line in text.splitlines() if line.startswith("Found DFU")]


def field(line, name):
    m = re.search(name + r'=("([^"]*)"|[^,]*)', line)
    return m.group(2) if m.group(2) is not None else m.group(1)


class Emulator:
    """boot0-emulator without a command (standalone), driven through its control socket."""

    def __init__(self, tmp, *args, timing=False):
        self.tmp = tmp
        self.sock = os.path.join(tmp, "control.sock")
        self.summary_path = os.path.join(tmp, "summary.json")
        cmd = [EMULATOR, "--control", self.sock, "--summary", self.summary_path, *args]
        if not timing:
            cmd.insert(1, "--no-timing")
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        # It prints the environment to use, then an empty line.
        self.env = dict(os.environ)
        while True:
            line = self.proc.stdout.readline()
            if line == "\n":
                break
            if "=" not in line:
                self.proc.kill()
                raise AssertionError(f"emulator did not start: {line!r} {self.proc.stderr.read()}")
            key, value = line.strip().split("=", 1)
            self.env[key] = value
        assert "UMOCKDEV_DIR" in self.env and "libumockdev-preload" in self.env["LD_PRELOAD"]

    def run(self, *args, timeout=30):
        return subprocess.run(list(args), env=self.env, capture_output=True, text=True, timeout=timeout)

    def dfu(self, *args, timeout=30):
        return self.run(DFU_UTIL, *args, timeout=timeout)

    def listing(self):
        r = self.dfu("-l")
        assert r.returncode == 0, r.stderr
        return found_lines(r.stdout)

    def command(self, line):
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(10)
            s.connect(self.sock)
            f = s.makefile("rw")
            f.write(line + "\n")
            f.flush()
            lines = []
            while True:
                reply = f.readline().strip()
                lines.append(reply)
                if reply.startswith("ok") or reply.startswith("error"):
                    return lines

    def wait_listing(self, predicate, timeout=5):
        deadline = time.monotonic() + timeout
        while True:
            lines = self.listing()
            if predicate(lines) or time.monotonic() > deadline:
                return lines
            time.sleep(0.05)

    def close(self):
        if self.proc.poll() is None:
            self.command("quit")
        self.proc.wait(timeout=10)
        self.stderr = self.proc.stderr.read()
        self.proc.stdout.close()
        self.proc.stderr.close()
        with open(self.summary_path) as f:
            return json.load(f)


class EmulatorTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="test-emulator-")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def path(self, name):
        return os.path.join(self.tmp, name)

    def write(self, name, data):
        with open(self.path(name), "wb") as f:
            f.write(data)
        return self.path(name)

    def read(self, name):
        with open(self.path(name), "rb") as f:
            return f.read()

    def emulate(self, args, command, timeout=60):
        """boot0-emulator ARGS -- COMMAND; returns (process, summary)."""
        summary = self.path("summary.json")
        r = subprocess.run([EMULATOR, "--summary", summary, *args, "--", *command],
                           capture_output=True, text=True, timeout=timeout)
        with open(summary) as f:
            return r, json.load(f)

    # (1) the listing

    def test_list_f405(self):
        r, summary = self.emulate(["--no-timing", "--profile", "f405"], [DFU_UTIL, "-l"])
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = found_lines(r.stdout)
        self.assertEqual(len(lines), 4, r.stdout)
        self.assertEqual(sorted(field(line, "name") for line in lines), sorted(F405_ALTS))
        for line in lines:
            self.assertIn("[0483:df11] ver=2200", line)
            self.assertEqual(field(line, "serial"), F405_SERIAL)
            self.assertEqual(field(line, "path"), "1-1")
            alt = int(field(line, "alt"))
            self.assertEqual(field(line, "name"), F405_ALTS[alt])
        self.assertEqual(summary["exit_status"], 0)
        self.assertGreater(summary["devices"][0]["requests"]["GET_DESCRIPTOR"], 4)

    # (2) download, checked byte for byte in the flash file

    def test_download_f405(self):
        data = image(40000, 1)
        img = self.write("image.bin", data)
        flash = self.path("flash.bin")
        r, summary = self.emulate(["--no-timing", "--profile", "f405", "--flash", flash],
                                  [DFU_UTIL, "-a", "0", "-s", "0x08000000", "-D", img])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        contents = self.read("flash.bin")
        self.assertEqual(len(contents), 1024 * 1024)
        self.assertEqual(contents[:len(data)], data)
        # three 16 KiB sectors erased, nothing else touched
        self.assertEqual(contents[len(data):3 * 16384], b"\xff" * (3 * 16384 - len(data)))
        self.assertEqual(contents[3 * 16384:], b"\xff" * (len(contents) - 3 * 16384))
        dev = summary["devices"][0]
        self.assertEqual(dev["bytes_written"], len(data))
        self.assertEqual(dev["sectors_erased"], 3)
        self.assertEqual(dev["requests"]["erase"], 3)
        self.assertEqual(dev["requests"]["CLRSTATUS"], 1)  # the ROM came up in dfuERROR
        self.assertEqual(dev["state"], "dfuIDLE")

    def test_download_dfuse_file(self):
        # A real DfuSe file (tests/data/README.md): two elements, UM0391 layout.
        path = os.path.join(os.environ.get("G_TEST_SRCDIR", os.path.dirname(__file__)), "data",
                            "micropython-f407vg.dfu")
        with open(path, "rb") as f:
            dfu = f.read()
        elements = []
        offset = 11
        for _ in range(dfu[10]):  # bTargets
            count = int.from_bytes(dfu[offset + 270:offset + 274], "little")
            offset += 274
            for _ in range(count):
                address = int.from_bytes(dfu[offset:offset + 4], "little")
                size = int.from_bytes(dfu[offset + 4:offset + 8], "little")
                elements.append((address, dfu[offset + 8:offset + 8 + size]))
                offset += 8 + size
        self.assertEqual(len(elements), 2)
        flash = self.path("flash.bin")
        r, summary = self.emulate(["--no-timing", "--flash", flash], [DFU_UTIL, "-a", "0", "-D", path])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        contents = self.read("flash.bin")
        for address, data in elements:
            offset = address - FLASH_BASE
            self.assertEqual(contents[offset:offset + len(data)], data, hex(address))
        self.assertEqual(summary["devices"][0]["bytes_written"], sum(len(d) for _, d in elements))

    # (3) upload reads what is in the flash file

    def test_upload_f405(self):
        data = image(1024 * 1024, 2)
        self.write("flash.bin", data)
        out = self.path("out.bin")
        size = 3 * 2048 + 100
        r, summary = self.emulate(["--no-timing", "--flash", self.path("flash.bin")],
                                  [DFU_UTIL, "-a", "0", "-s", f"0x08004000:{size}", "-U", out])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(self.read("out.bin"), data[0x4000:0x4000 + size])
        self.assertEqual(summary["devices"][0]["bytes_read"], size)
        # an upload changes nothing
        self.assertEqual(self.read("flash.bin"), data)

    # (4) leave: the application starts, the ROM is gone (or comes back)

    def test_leave(self):
        img = self.write("image.bin", image(3000, 4))
        emu = Emulator(self.tmp, "--profile", "f405")
        try:
            self.assertEqual(len(emu.listing()), 4)
            r = emu.dfu("-a", "0", "-s", "0x08000000:leave", "-D", img)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            self.assertIn("Transitioning to dfuMANIFEST state", r.stdout)
            self.assertEqual(emu.wait_listing(lambda lines: not lines), [])
            self.assertIn("unplugged", emu.command("list")[0])
        finally:
            summary = emu.close()
        dev = summary["devices"][0]
        self.assertEqual(dev["requests"]["leave"], 1)
        self.assertIn("leave: application started at 0x08000000", dev["events"])
        self.assertFalse(dev["plugged"])
        # around a command that ends right after the leave, too
        r, summary = self.emulate(["--no-timing"], [DFU_UTIL, "-a", "0", "-s", "0x08000000:leave",
                                                    "-D", img])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertFalse(summary["devices"][0]["plugged"])
        self.assertEqual(summary["devices"][0]["state"], "dfuMANIFEST-WAIT-RESET")

    def test_leave_return(self):
        emu = Emulator(self.tmp, "--profile", "f405", "--return-after-leave", "100")
        try:
            r = emu.dfu("-a", "0", "-s", "0x08000000:leave", "-U", self.path("o.bin"))
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            lines = emu.wait_listing(lambda lines: len(lines) == 4 and "devnum=3" in lines[0])
            self.assertEqual(len(lines), 4)
            self.assertIn("devnum=3", lines[0])  # a new address, as on a real bus
        finally:
            emu.close()

    # (5) every profile: listed and downloaded to

    def test_profiles(self):
        for name, (size, start, alt0) in PROFILES.items():
            with self.subTest(profile=name):
                data = image(6000, hash(name) & 0xFFFF)
                img = self.write(f"{name}.bin", data)
                flash = self.path(f"{name}-flash.bin")
                r, summary = self.emulate(
                    ["--no-timing", "--profile", name, "--flash", flash],
                    ["sh", "-c", f'"$0" -l && "$0" -a 0 -s {start:#x} -D {img}', DFU_UTIL])
                self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
                names = [field(line, "name") for line in found_lines(r.stdout)]
                self.assertIn(alt0, names)
                contents = self.read(f"{name}-flash.bin")
                self.assertEqual(len(contents), size)
                offset = start - FLASH_BASE
                self.assertEqual(contents[offset:offset + len(data)], data)
                self.assertEqual(summary["devices"][0]["profile"], name)

    def test_cubemx_read_only_sectors(self):
        img = self.write("app.bin", image(4096, 5))
        emu = Emulator(self.tmp, "--profile", "cubemx", "--flash", self.path("flash.bin"))
        try:
            # the layout marks the bootloader read-only: dfu-util refuses
            r = emu.dfu("-a", "0", "-s", "0x08000000", "-D", img)
            self.assertNotEqual(r.returncode, 0)
            self.assertIn("not writeable", r.stderr)
            # forced, the device refuses
            r = emu.dfu("-a", "0", "-s", "0x08000000:force", "-D", img)
            self.assertNotEqual(r.returncode, 0)
            self.assertIn("status(3)", r.stdout + r.stderr)
            # the application area works
            r = emu.dfu("-a", "0", "-s", "0x08008000", "-D", img)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        finally:
            summary = emu.close()
        contents = self.read("flash.bin")
        self.assertEqual(contents[:0x8000], b"\xff" * 0x8000)
        self.assertEqual(contents[0x8000:0x9000], self.read("app.bin"))
        # one erase command (the forced write skips the read-only sectors'
        # erase) wiped the whole application area: 10 sectors
        self.assertEqual(summary["devices"][0]["requests"]["erase"], 1)
        self.assertEqual(summary["devices"][0]["sectors_erased"], 6)

    # (6) NOR semantics

    def test_program_without_erase(self):
        a = self.write("a.bin", bytes([0x0F]) * 16)
        b = self.write("b.bin", bytes([0xF0]) * 16)
        emu = Emulator(self.tmp, "--profile", "f405")
        try:
            # OTP is never erased (layout 'e'): dfu-util programs it directly
            r = emu.dfu("-a", "2", "-s", "0x1FFF7800", "-D", a)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            r = emu.dfu("-a", "2", "-s", "0x1FFF7800", "-D", b)
            self.assertNotEqual(r.returncode, 0)
            self.assertIn("status(3)", r.stdout + r.stderr)  # errWRITE
            r = emu.dfu("-a", "2", "-s", "0x1FFF7800:16", "-U", self.path("otp.bin"))
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            # the chip ANDs the first word (0x0F & 0xF0), the ROM stops there
            self.assertEqual(self.read("otp.bin"), bytes(4) + bytes([0x0F]) * 12)
        finally:
            emu.close()
        # flash: the CubeMX bootloader "mass erases" by doing nothing
        emu = Emulator(self.tmp, "--profile", "cubemx")
        try:
            r = emu.dfu("-a", "0", "-s", "0x08008000", "-D", a)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            r = emu.dfu("-a", "0", "-s", "0x08008000:mass-erase:force", "-D", b)
            self.assertNotEqual(r.returncode, 0)
            self.assertIn("status(3)", r.stdout + r.stderr)
        finally:
            emu.close()

    # (7) faults: a quick failure each, never a hang

    def test_faults_fail(self):
        img = self.write("image.bin", image(20000, 7))  # 2 sectors, 10 blocks
        cases = {
            "unplug=4096": "Error during download",
            "stall=1": "Error during download",
            "error=errWRITE:1": "status(3)",
            "error=errVERIFY:0": "status(7)",
            "error=errTARGET:2": "status(1)",
            "error=errADDRESS:4": "status(8)",
            "erase-error=errERASE": "ERASE_PAGE not correctly executed",
            "erase-error=errTARGET:1": "ERASE_PAGE not correctly executed",
            "busy=3000": "Device stuck",
            "rdp": "ERASE_PAGE not correctly executed",
        }
        for fault, message in cases.items():
            with self.subTest(fault=fault):
                start = time.monotonic()
                r, summary = self.emulate(
                    ["--no-timing", "--fault", fault],
                    [DFU_UTIL, "-a", "0", "-s", "0x08000000", "-D", img], timeout=30)
                elapsed = time.monotonic() - start
                self.assertNotEqual(r.returncode, 0, r.stdout)
                self.assertIn(message, r.stdout + r.stderr)
                self.assertLess(elapsed, 10)
                self.assertEqual(summary["devices"][0]["faults"], fault.replace("errERASE", "errERASE:0")
                                 if fault == "erase-error=errERASE" else fault)

    def test_fault_unplug_removes_device(self):
        img = self.write("image.bin", image(10000, 8))
        emu = Emulator(self.tmp, "--fault", "unplug=5000")
        try:
            r = emu.dfu("-a", "0", "-s", "0x08000000", "-D", img)
            self.assertNotEqual(r.returncode, 0)
            self.assertEqual(emu.wait_listing(lambda lines: not lines), [])
        finally:
            summary = emu.close()
        self.assertTrue(any("fault unplug" in e for e in summary["devices"][0]["events"]))

    def test_fault_bitflip(self):
        data = image(10000, 9)
        img = self.write("image.bin", data)
        emu = Emulator(self.tmp, "--fault", "bitflip=0x08000123:5")
        try:
            r = emu.dfu("-a", "0", "-s", "0x08000000", "-D", img)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)  # silent
            r = emu.dfu("-a", "0", "-s", f"0x08000000:{len(data)}", "-U", self.path("back.bin"))
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        finally:
            emu.close()
        back = self.read("back.bin")
        diff = [i for i in range(len(data)) if back[i] != data[i]]
        self.assertEqual(diff, [0x123])
        self.assertEqual(back[0x123] ^ data[0x123], 1 << 5)

    def test_fault_rdp(self):
        img = self.write("image.bin", image(5000, 10))
        emu = Emulator(self.tmp, "--fault", "rdp")
        try:
            r = emu.dfu("-a", "0", "-s", "0x08000000:4096", "-U", self.path("u.bin"))
            self.assertNotEqual(r.returncode, 0)
            self.assertIn("SET_ADDRESS not correctly executed", r.stderr)
            r = emu.dfu("-a", "1", "-s", "0x1FFFC000:16", "-U", self.path("ob-protected.bin"))
            self.assertNotEqual(r.returncode, 0)
            # read unprotect: mass erase, option bytes rewritten, reset
            r = emu.dfu("-a", "0", "-s", "0:force:unprotect", "-D", img)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            self.assertIn("Device disconnects, erases flash and resets now", r.stdout)
            lines = emu.wait_listing(lambda lines: len(lines) == 4 and "devnum=3" in lines[0])
            self.assertIn("devnum=3", lines[0])
            r = emu.dfu("-a", "0", "-s", "0x08000000", "-D", img)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            r = emu.dfu("-a", "1", "-s", "0x1FFFC000:16", "-U", self.path("ob.bin"))
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            self.assertEqual(self.read("ob.bin")[1], 0xAA)  # RDP level 0
        finally:
            summary = emu.close()
        self.assertEqual(summary["devices"][0]["requests"]["read_unprotect"], 1)

    def test_fault_busy_real_timing(self):
        img = self.write("image.bin", image(2048, 11))
        r, summary = self.emulate(["--profile", "h7", "--fault", "busy=60"],
                                  [DFU_UTIL, "-a", "0", "-s", "0x08000000", "-D", img], timeout=60)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        req = summary["devices"][0]["requests"]
        # each command answered dfuDNBUSY more than once: the reported 5 ms were not enough
        self.assertGreater(req["busy_replies"], req["DNLOAD"] + 2)

    # (8) two devices at once

    def test_two_devices(self):
        a = self.write("a.bin", image(2048, 12))
        b = self.write("b.bin", image(2048, 13))
        flash = self.path("flash")
        r, summary = self.emulate(
            ["--no-timing", "--flash", flash, "--profile", "f405", "--profile", "f405"],
            ["sh", "-c",
             f'"$0" -l && "$0" -S {F405_SERIAL} -a 0 -s 0x08000000 -D {a} && '
             f'"$0" -S 3276384A3337 -a 0 -s 0x08000000 -D {b}', DFU_UTIL])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        lines = [line for line in found_lines(r.stdout) if "alt=0" in line]
        self.assertEqual(sorted(field(line, "serial") for line in lines),
                         [F405_SERIAL, "3276384A3337"])
        self.assertEqual(sorted(field(line, "devnum") for line in lines), ["2", "3"])
        self.assertEqual(sorted(field(line, "path") for line in lines), ["1-1", "1-2"])
        self.assertEqual(self.read("flash.0")[:2048], self.read("a.bin"))
        self.assertEqual(self.read("flash.1")[:2048], self.read("b.bin"))
        self.assertEqual(len(summary["devices"]), 2)

    # (9) hotplug through the control channel

    def test_hotplug_control(self):
        emu = Emulator(self.tmp, "--profile", "f405")
        try:
            self.assertEqual(len(emu.listing()), 4)
            self.assertEqual(emu.command(f"remove {F405_SERIAL}"), ["ok"])
            self.assertEqual(emu.listing(), [])
            self.assertEqual(emu.command("add h7 H7SERIAL"), ["ok 1-2 H7SERIAL"])
            lines = emu.listing()
            self.assertEqual(len(lines), 2)
            self.assertTrue(all(field(line, "serial") == "H7SERIAL" for line in lines))
            self.assertEqual(emu.command("plug 1-1"), ["ok"])
            self.assertEqual(len(emu.listing()), 6)
            listing = emu.command("list")
            self.assertEqual(listing[-1], "ok")
            self.assertTrue(listing[0].startswith(f"1-1 {F405_SERIAL} f405 plugged devnum=4"))
            self.assertTrue(emu.command("remove nothing")[0].startswith("error"))
            self.assertTrue(emu.command("frobnicate")[0].startswith("error"))
        finally:
            emu.close()

    def test_hotplug_libusb(self):
        emu = Emulator(self.tmp, "--profile", "f405")
        helper = subprocess.Popen([HOTPLUG, "--open"], env=emu.env, stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True)
        try:
            def expect(prefix):
                line = helper.stdout.readline().strip()
                self.assertTrue(line.startswith(prefix), f"{line!r} is not {prefix!r}")
                return line

            expect("ready")
            self.assertIn(f"serial={F405_SERIAL}", expect("arrived 1-1 devnum=2"))
            emu.command("remove 1-1")
            expect("left 1-1 devnum=2")
            emu.command("add l4")
            expect("arrived 1-2 devnum=3 serial=2079316B5748")
            emu.command("plug 1-1")
            expect("arrived 1-1 devnum=4")
            time.sleep(1.0)  # the event thread idles with two devices open
            helper.stdin.close()
            stats = dict(kv.split("=") for kv in expect("cpu_ms=").split())
            cpu, wall = float(stats["cpu_ms"]), float(stats["wall_ms"])
            print(f"# idle libusb client with 2 open devices: {cpu:.0f} ms CPU in {wall:.0f} ms",
                  file=sys.stderr)
            self.assertLess(cpu, 0.5 * wall)  # no busy loop
            self.assertEqual(helper.wait(timeout=10), 0)
        finally:
            if helper.poll() is None:
                helper.kill()
            helper.stdout.close()
            emu.close()

    def test_plug_delay(self):
        r, _ = self.emulate(["--no-timing", "--plug-delay", "300"],
                            ["sh", "-c", '"$0" -l; sleep 0.6; echo ---; "$0" -l', DFU_UTIL])
        self.assertEqual(r.returncode, 0, r.stderr)
        before, after = r.stdout.split("---")
        self.assertEqual(found_lines(before), [])
        self.assertEqual(len(found_lines(after)), 4)

    # (10) real timings: the wall time covers the modelled device time

    def test_real_timing(self):
        img = self.write("image.bin", image(6144, 14))
        start = time.monotonic()
        r, summary = self.emulate(["--profile", "f405"],
                                  [DFU_UTIL, "-a", "0", "-s", "0x08000000", "-D", img])
        wall_ms = (time.monotonic() - start) * 1000
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        dev = summary["devices"][0]
        print(f"# f405 6 KiB: wall {wall_ms:.0f} ms, device minimum {dev['device_min_ms']:.0f} ms "
              f"(erase {dev['erase_ms']:.0f}, program {dev['program_ms']:.1f}, usb {dev['usb_ms']:.1f}), "
              f"reported polls {dev['reported_poll_ms']} ms, held {dev['held_ms']:.0f} ms",
              file=sys.stderr)
        self.assertEqual(dev["erase_ms"], 250)  # one 16 KiB sector, x32 typical
        self.assertGreaterEqual(summary["wall_ms"], dev["device_min_ms"])
        self.assertGreaterEqual(wall_ms, dev["device_min_ms"])
        # the 100 ms erase poll was too short: one GETSTATUS was held off
        self.assertEqual(dev["requests"]["held"], 1)
        self.assertGreater(dev["held_ms"], 100)

    # the wrapper itself

    def test_exit_status_and_usage(self):
        r = subprocess.run([EMULATOR, "-n", "--", "sh", "-c", "exit 3"], capture_output=True, timeout=30)
        self.assertEqual(r.returncode, 3)
        r = subprocess.run([EMULATOR, "-n", "--", "/nonexistent/command"], capture_output=True,
                           timeout=30)
        self.assertEqual(r.returncode, 127)
        r = subprocess.run([EMULATOR, "--profile", "f999"], capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 64)
        self.assertIn("unknown profile", r.stderr)
        r = subprocess.run([EMULATOR, "--fault", "nonsense", "--", "true"], capture_output=True,
                           text=True, timeout=30)
        self.assertEqual(r.returncode, 64)
        r = subprocess.run([EMULATOR, "--help"], capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 0)
        for word in ("--profile", "--fault", "unplug=BYTES", "bitflip=ADDR", "remove SERIAL",
                     "device_min_ms"):
            self.assertIn(word, r.stdout)
        r = subprocess.run([EMULATOR, "--list-profiles"], capture_output=True, text=True, timeout=30)
        for name in PROFILES:
            self.assertIn(name, r.stdout)
        # the command sees the testbed, not the host's USB devices
        r = subprocess.run([EMULATOR, "-n", "--", "sh", "-c", 'echo "$UMOCKDEV_DIR $LD_PRELOAD"'],
                           capture_output=True, text=True, timeout=30)
        self.assertIn("libumockdev-preload.so.0", r.stdout)
        self.assertTrue(r.stdout.startswith("/"))


if __name__ == "__main__":
    EMULATOR = tool("BOOT0_EMULATOR")
    DFU_UTIL = tool("DFU_UTIL")
    HOTPLUG = tool("EMULATOR_HOTPLUG")
    unittest.main(verbosity=2)
