#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""boot0-cli against the emulated STM32 DfuSe bootloaders (tests/emulator):
the real libusb path, through umockdev.

Run by meson: test-cli-usb.py PATH/TO/boot0-cli, with BOOT0_EMULATOR set.
Every run has a timeout, so a hang fails the test.
"""

import json
import os
import random
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import unittest

CLI = None
EMULATOR = os.environ.get("BOOT0_EMULATOR")

EX_OK = 0
EX_USAGE = 64
EX_DATAERR = 65
EX_UNAVAILABLE = 69
EX_IOERR = 74
EX_NOPERM = 77

# Each profile: where the application goes and the flash size.
PROFILES = {
    "f405": (0x08000000, 1024 * 1024),
    "l4": (0x08000000, 512 * 1024),
    "f0": (0x08000000, 128 * 1024),
    "h7": (0x08000000, 2 * 1024 * 1024),
    "cubemx": (0x08008000, 512 * 1024),
}
FLASH_BASE = 0x08000000


def read(path):
    with open(path, "rb") as f:
        return f.read()


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


class Emulator:
    """Runs a command under boot0-emulator; flash files live in tmp."""

    def __init__(self, tmp, profiles=("f405",), timing=False, faults=(), plug_delay=None,
                 control=False, flash_init=None, return_after_leave=None):
        self.tmp = tmp
        self.profiles = profiles
        self.timing = timing
        self.faults = faults
        self.plug_delay = plug_delay
        self.flash_init = flash_init or {}
        self.return_after_leave = return_after_leave
        self.control = os.path.join(tmp, "control.sock") if control else None
        self.summary_path = os.path.join(tmp, "summary.json")
        self.flash_paths = []
        for i, p in enumerate(profiles):
            path = os.path.join(tmp, f"flash{i}-{p}.bin")
            if i in self.flash_init:
                with open(path, "wb") as f:
                    f.write(self.flash_init[i])
            self.flash_paths.append(path)

    def argv(self, *command):
        argv = [EMULATOR, "--summary", self.summary_path]
        for i, p in enumerate(self.profiles):
            argv += ["--profile", p, "--serial", f"SERIAL{i}", "--flash", self.flash_paths[i]]
            for fault in (self.faults[i] if i < len(self.faults) else ()):
                argv += ["--fault", fault]
        if not self.timing:
            argv.append("--no-timing")
        if self.plug_delay is not None:
            argv += ["--plug-delay", str(self.plug_delay)]
        if self.return_after_leave is not None:
            argv += ["--return-after-leave", str(self.return_after_leave)]
        if self.control:
            argv += ["--control", self.control]
        return argv + ["--", *command]

    def run(self, *command, timeout=120, env=None):
        start = time.monotonic()
        r = subprocess.run(self.argv(*command), capture_output=True, text=True, timeout=timeout,
                           env=env)
        r.seconds = time.monotonic() - start
        return r

    def start(self, *command):
        return subprocess.Popen(self.argv(*command), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)

    def send(self, line):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(10)
        for _ in range(100):
            try:
                s.connect(self.control)
                break
            except OSError:
                time.sleep(0.05)
        s.sendall((line + "\n").encode())
        answer = b""
        while not answer.endswith(b"\n"):
            chunk = s.recv(4096)
            if not chunk:
                break
            answer += chunk
        s.close()
        return answer.decode()

    def flash(self, i=0):
        with open(self.flash_paths[i], "rb") as f:
            return f.read()

    def summary(self):
        with open(self.summary_path) as f:
            return json.load(f)


class UsbTestCase(unittest.TestCase):
    def setUp(self):
        if not EMULATOR or not os.path.exists(EMULATOR):
            raise AssertionError("BOOT0_EMULATOR is not set: run through `meson test`")
        self.tmp = tempfile.mkdtemp(prefix="boot0-usb-test-")
        self.rng = random.Random(self.id())

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def path(self, name):
        return os.path.join(self.tmp, name)

    def write(self, name, data):
        p = self.path(name)
        with open(p, "wb") as f:
            f.write(data)
        return p

    def image(self, size):
        # Not all 0xFF, so every byte really gets programmed.
        return bytes(self.rng.randrange(255) for _ in range(size))

    def cli(self, *args):
        return [CLI, *args]

    def assert_ok(self, r):
        self.assertEqual(r.returncode, EX_OK, f"stdout={r.stdout}\nstderr={r.stderr}")

    def assert_fails(self, r, code, *substrings):
        self.assertEqual(r.returncode, code, f"stdout={r.stdout}\nstderr={r.stderr}")
        for s in substrings:
            self.assertIn(s, r.stderr)
        self.assertNotIn("Sanitizer", r.stderr)
        self.assertNotIn("runtime error", r.stderr)

    def assert_started(self, emu, address):
        """The ROM really left: it started the application and dropped off
        the bus (not just received the leave request)."""
        dev = emu.summary()["devices"][0]
        self.assertIn(f"leave: application started at 0x{address:08x}", dev["events"])
        self.assertFalse(dev["plugged"])

    def formats(self, data, address):
        """The same image as .bin, .hex, .srec, .dfu and .elf."""
        binf = self.write("fw.bin", data)
        files = {"bin": binf}
        for ext in ("hex", "srec", "dfu"):
            out = self.path("fw." + ext)
            r = subprocess.run([CLI, "convert", "--address", hex(address), binf, out],
                               capture_output=True, text=True, timeout=60)
            self.assert_ok(r)
            files[ext] = out
        files["elf"] = self.write("fw.elf", elf32([(address, data)], address | 1))
        return files


class TestList(UsbTestCase):
    def test_list_and_info_each_profile(self):
        names = {"f405": "STM32F405", "l4": "STM32L4", "f0": "STM32F07", "h7": "STM32H7",
                 "cubemx": "Custom DfuSe bootloader"}
        for profile, label in names.items():
            with self.subTest(profile=profile):
                emu = Emulator(self.tmp, (profile,))
                r = emu.run(*self.cli("list", "--json"))
                self.assert_ok(r)
                devices = json.loads(r.stdout)
                self.assertEqual(len(devices), 1)
                self.assertIn(label, devices[0]["label"])
                self.assertEqual(devices[0]["serial"], "SERIAL0")
                r = emu.run(*self.cli("info", "--json"))
                self.assert_ok(r)
                info = json.loads(r.stdout)
                self.assertEqual(info["protection"], "none")
                self.assertEqual(info["flash_size"], PROFILES[profile][1])
                self.assertEqual(int(info["flash_start"], 16), FLASH_BASE)

    def test_access_denied(self):
        # A board the user may not open (no udev rule) still lists, says
        # why, and every command explains the udev rule.
        flag = self.write("deny", b"")
        emu = Emulator(self.tmp, ("f405",))
        env = dict(os.environ, BOOT0_TEST_DENY_USB=flag,
                   LD_PRELOAD=os.environ["BOOT0_DENY_USB_PRELOAD"] + ":libumockdev-preload.so.0",
                   ASAN_OPTIONS=os.environ.get("ASAN_OPTIONS", "") + ":verify_asan_link_order=0")
        r = emu.run(*self.cli("list", "--json"), env=env)
        self.assert_ok(r)
        devices = json.loads(r.stdout)
        self.assertEqual(len(devices), 1)
        self.assertIn("no permission", devices[0]["label"])
        r = emu.run(*self.cli("flash", self.write("a.bin", b"\x00" * 64)), env=env)
        self.assert_fails(r, EX_NOPERM, "no permission", "udev rule")
        self.assertEqual(emu.summary()["devices"][0]["bytes_written"], 0)
        # With the permission back (the rule installed), the same command works.
        os.unlink(flag)
        r = emu.run(*self.cli("list", "--json"), env=env)
        self.assert_ok(r)
        self.assertIn("STM32F405", json.loads(r.stdout)[0]["label"])

    def test_info_human(self):
        r = Emulator(self.tmp).run(*self.cli("info"))
        self.assert_ok(r)
        for s in ("STM32F405", "SERIAL0", "Internal Flash", "4 x 16 KiB", "7 x 128 KiB",
                  "Option Bytes", "Protection:   none", "2048 bytes"):
            self.assertIn(s, r.stdout)

    def test_no_device(self):
        # An emulator with its device plugged in only later: nothing now.
        emu = Emulator(self.tmp, plug_delay=30000)
        r = emu.run(*self.cli("flash", self.write("a.bin", b"\x00" * 64)), timeout=60)
        self.assert_fails(r, EX_UNAVAILABLE, "no STM32 bootloader", "BOOT0")

    def test_several_devices(self):
        emu = Emulator(self.tmp, ("f405", "h7"))
        r = emu.run(*self.cli("list", "--json"))
        self.assert_ok(r)
        self.assertEqual(sorted(d["serial"] for d in json.loads(r.stdout)), ["SERIAL0", "SERIAL1"])
        data = self.image(3000)
        f = self.write("fw.bin", data)
        r = emu.run(*self.cli("flash", f))
        self.assert_fails(r, EX_USAGE, "choose one with --serial or --path", "SERIAL0", "SERIAL1")
        r = emu.run(*self.cli("flash", "--serial", "SERIAL1", f))
        self.assert_ok(r)
        self.assertEqual(emu.flash(1)[: len(data)], data)
        self.assertNotEqual(emu.flash(0)[: len(data)], data)


class TestFlash(UsbTestCase):
    def test_every_profile_every_format(self):
        for profile, (app, size) in PROFILES.items():
            data = self.image(40 * 1024 + 123)
            for fmt, f in self.formats(data, app).items():
                with self.subTest(profile=profile, format=fmt):
                    emu = Emulator(self.tmp, (profile,))
                    r = emu.run(*self.cli("flash", f))
                    self.assert_ok(r)
                    flash = emu.flash()
                    off = app - FLASH_BASE
                    self.assertEqual(flash[off:off + len(data)], data)
                    # Nothing written outside the image.
                    self.assertEqual(flash[off + len(data):off + len(data) + 4096], b"\xff" * 4096)
                    self.assert_started(emu, app)
                    os.unlink(emu.flash_paths[0])

    def test_multi_segment_dfu(self):
        """The MicroPython F407 .dfu: two elements with a gap; the gap's
        sectors are not erased (an old pattern stays)."""
        src = os.path.join(os.environ["G_TEST_SRCDIR"], "data", "micropython-f407vg.dfu")
        old = bytes([0x5A]) * (1024 * 1024)
        emu = Emulator(self.tmp, ("f405",), flash_init={0: old})
        r = emu.run(*self.cli("flash", "--json", src))
        self.assert_ok(r)
        res = json.loads(r.stdout)
        self.assertEqual(res["result"], "ok")
        flash = emu.flash()
        bin_ = self.path("ref.bin")
        subprocess.run([CLI, "convert", "--fill", src, bin_], check=True, timeout=60)
        ref = read(bin_)
        self.assertEqual(flash[:0x39C0], ref[:0x39C0])
        self.assertEqual(flash[0x20000:0x20000 + len(ref) - 0x20000], ref[0x20000:])
        # 0x08004000-0x0801FFFF: untouched sectors keep the old content.
        self.assertEqual(flash[0x4000:0x20000], old[0x4000:0x20000])

    def test_cubemx_bin_goes_after_bootloader(self):
        bootloader = bytes(self.rng.randrange(256) for _ in range(0x8000))
        flash0 = bootloader + b"\xff" * (512 * 1024 - 0x8000)
        emu = Emulator(self.tmp, ("cubemx",), flash_init={0: flash0})
        data = self.image(20000)
        r = emu.run(*self.cli("flash", "--json", self.write("app.bin", data)))
        self.assert_ok(r)
        flash = emu.flash()
        self.assertEqual(flash[:0x8000], bootloader, "the bootloader was touched")
        self.assertEqual(flash[0x8000:0x8000 + len(data)], data)
        self.assertEqual(json.loads(r.stdout)["run_address"], "0x08008000")

    def test_cubemx_hex_on_readonly_refused_before_erase(self):
        bootloader = bytes(self.rng.randrange(256) for _ in range(0x8000))
        flash0 = bootloader + bytes(512 * 1024 - 0x8000)
        emu = Emulator(self.tmp, ("cubemx",), flash_init={0: flash0})
        data = self.image(40000)
        hexf = self.formats(data, 0x08000000)["hex"]
        r = emu.run(*self.cli("flash", hexf))
        self.assert_fails(r, EX_DATAERR, "0x08000000-0x08007FFF", "read-only")
        self.assertEqual(emu.flash(), flash0, "the flash changed")
        req = emu.summary()["devices"][0]["requests"]
        self.assertEqual(req["DNLOAD"], 0, "the device was sent commands")

    def test_locked_address(self):
        emu = Emulator(self.tmp)
        f = self.write("fw.bin", self.image(1000))
        r = emu.run(*self.cli("flash", "--address", "0x08010000", f))
        self.assert_fails(r, EX_USAGE, "--unlock")
        r = emu.run(*self.cli("flash", "--unlock", "--address", "0x08010100", f))
        self.assert_fails(r, EX_USAGE, "not at the start of a sector")
        r = emu.run(*self.cli("flash", "--unlock", "--address", "0x08010000", f))
        self.assert_ok(r)
        self.assertEqual(emu.flash()[0x10000:0x10000 + 1000], read(f))

    def test_too_large_refused(self):
        emu = Emulator(self.tmp, ("f0",))
        r = emu.run(*self.cli("flash", self.write("big.bin", self.image(129 * 1024))))
        self.assert_fails(r, EX_DATAERR, "does not fit", "128 KiB")
        self.assertEqual(emu.summary()["devices"][0]["requests"]["DNLOAD"], 0)

    def test_malformed_file_never_touches_device(self):
        emu = Emulator(self.tmp)
        r = emu.run(*self.cli("flash", self.write("bad.hex", b":10000000FFFF\n")))
        self.assert_fails(r, EX_DATAERR, "bad.hex", "line 1")
        self.assertEqual(emu.summary()["devices"][0]["control_transfers"], 0)

    def test_no_verify_no_run_erase_all(self):
        emu = Emulator(self.tmp, ("f0",), flash_init={0: bytes(128 * 1024)})
        data = self.image(5000)
        r = emu.run(*self.cli("flash", "--no-verify", "--no-run", "--erase", "all", "--json",
                              self.write("fw.bin", data)))
        self.assert_ok(r)
        res = json.loads(r.stdout)
        self.assertEqual(res["bytes_verified"], 0)
        req = emu.summary()["devices"][0]["requests"]
        self.assertEqual(req["leave"], 0)
        self.assertEqual(req["mass_erase"], 1)
        flash = emu.flash()
        self.assertEqual(flash[:5000], data)
        self.assertEqual(flash[5000:], b"\xff" * (128 * 1024 - 5000))

    def test_no_redundant_set_address(self):
        """One Set Address per contiguous stream: blank check, program and
        verify of a 3-sector image on a blank F405, and the leave."""
        emu = Emulator(self.tmp)
        r = emu.run(*self.cli("flash", self.write("fw.bin", self.image(40000))))
        self.assert_ok(r)
        req = emu.summary()["devices"][0]["requests"]
        # blank check of 3 sectors (3) + program (1) + verify (1) + leave (1)
        self.assertLessEqual(req["set_address"], 6)
        self.assertEqual(req["DNLOAD"] - req["set_address"] - req["leave"], 20)

    def test_blank_check_skips_erase(self):
        emu = Emulator(self.tmp)
        r = emu.run(*self.cli("flash", "--json", self.write("fw.bin", self.image(40000))))
        self.assert_ok(r)
        res = json.loads(r.stdout)
        self.assertEqual(res["sectors_erased"], 0)
        self.assertEqual(res["sectors_blank"], 3)
        r = emu.run(*self.cli("flash", "--json", "--no-blank-check",
                              self.write("fw2.bin", self.image(40000))))
        self.assert_ok(r)
        self.assertEqual(json.loads(r.stdout)["sectors_erased"], 3)


class TestFaults(UsbTestCase):
    def flash_with_fault(self, fault, size=20000, old=True, timing=False):
        flash0 = {0: bytes(1024 * 1024)} if old else {}
        emu = Emulator(self.tmp, ("f405",), faults=([fault],), flash_init=flash0, timing=timing)
        r = emu.run(*self.cli("flash", self.write("fw.bin", self.image(size))), timeout=60)
        self.assertLess(r.seconds, 30, "the fault took too long to report")
        return emu, r

    def test_unplug(self):
        emu, r = self.flash_with_fault("unplug=10000")
        self.assert_fails(r, EX_UNAVAILABLE, "disconnected", "Reconnect it in bootloader mode")

    def test_stall(self):
        emu, r = self.flash_with_fault("stall=3")
        self.assert_fails(r, EX_IOERR, "refused", "Program again")

    def test_write_error(self):
        emu, r = self.flash_with_fault("error=errWRITE:2")
        self.assert_fails(r, EX_IOERR, "errWRITE", "partly written")

    def test_target_error(self):
        emu, r = self.flash_with_fault("error=errTARGET:1")
        self.assert_fails(r, EX_IOERR, "errTARGET")

    def test_erase_error(self):
        emu, r = self.flash_with_fault("erase-error=errERASE:1")
        self.assert_fails(r, EX_IOERR, "errERASE", "erasing")

    def test_bitflip_caught_by_verify(self):
        emu, r = self.flash_with_fault("bitflip=0x08000123:3")
        self.assert_fails(r, EX_IOERR, "0x08000123", "differ")

    def test_busy_device_still_works(self):
        emu, r = self.flash_with_fault("busy=30", size=6000, timing=True)
        self.assert_ok(r)

    def test_read_protected(self):
        emu = Emulator(self.tmp, ("f405",), faults=(["rdp"],))
        r = emu.run(*self.cli("info", "--json"))
        self.assert_ok(r)
        self.assertEqual(json.loads(r.stdout)["protection"], "read-protected")
        r = emu.run(*self.cli("flash", self.write("fw.bin", self.image(5000))))
        self.assert_fails(r, EX_NOPERM, "read-out protection")
        r = emu.run(*self.cli("erase", "--unprotect"))
        self.assert_ok(r)


class TestOtherCommands(UsbTestCase):
    def test_read_backup(self):
        old = self.image(128 * 1024)
        emu = Emulator(self.tmp, ("f0",), flash_init={0: old})
        for ext in ("bin", "hex", "dfu"):
            out = self.path("backup." + ext)
            r = emu.run(*self.cli("read", out))
            self.assert_ok(r)
            ref = self.path(f"backup-{ext}.bin")
            subprocess.run([CLI, "convert", out, ref], check=True, timeout=60)
            self.assertEqual(read(ref), old)
        out = self.path("part.bin")
        r = emu.run(*self.cli("read", "--address", "0x08001000", "--size", "5000", out))
        self.assert_ok(r)
        self.assertEqual(read(out), old[0x1000:0x1000 + 5000])
        r = emu.run(*self.cli("read", "--address", "0x20000000", "--size", "16", out))
        self.assert_fails(r, EX_DATAERR, "0x20000000")

    def test_verify_command(self):
        data = self.image(30000)
        emu = Emulator(self.tmp)
        f = self.write("fw.bin", data)
        self.assert_ok(emu.run(*self.cli("flash", "--no-run", f)))
        self.assert_ok(emu.run(*self.cli("verify", f)))
        other = bytearray(data)
        other[777] ^= 0xFF
        r = emu.run(*self.cli("verify", self.write("other.bin", bytes(other))))
        self.assert_fails(r, EX_IOERR, "0x08000309")
        # verify never writes
        self.assertEqual(emu.flash()[:len(data)], data)

    def test_erase(self):
        emu = Emulator(self.tmp, ("f405",), flash_init={0: bytes(1024 * 1024)})
        r = emu.run(*self.cli("erase", "--address", "0x08004000", "--size", "0x5000"))
        self.assert_ok(r)
        flash = emu.flash()
        self.assertEqual(flash[:0x4000], bytes(0x4000))
        self.assertEqual(flash[0x4000:0xC000], b"\xff" * 0x8000)  # two 16 KiB sectors
        self.assertEqual(flash[0xC000:0x10000], bytes(0x4000))
        r = emu.run(*self.cli("erase", "--address", "0x08004100", "--size", "16"))
        self.assert_fails(r, EX_USAGE)
        r = emu.run(*self.cli("erase", "--all"))
        self.assert_ok(r)
        self.assertEqual(emu.flash(), b"\xff" * (1024 * 1024))

    def test_run(self):
        emu = Emulator(self.tmp, ("cubemx",))
        r = emu.run(*self.cli("run", "--json"))
        self.assert_ok(r)
        self.assertEqual(json.loads(r.stdout)["run_address"], "0x08008000")
        self.assert_started(emu, 0x08008000)


class TestHotplug(UsbTestCase):
    def test_wait_for_device(self):
        emu = Emulator(self.tmp, plug_delay=1500)
        data = self.image(3000)
        r = emu.run(*self.cli("flash", "--wait", "--timeout", "30", self.write("fw.bin", data)))
        self.assert_ok(r)
        self.assertIn("Waiting for a device", r.stderr)
        self.assertEqual(emu.flash()[:3000], data)

    def test_wait_times_out(self):
        emu = Emulator(self.tmp, plug_delay=60000)
        r = emu.run(*self.cli("info", "--wait", "--timeout", "1"), timeout=60)
        self.assert_fails(r, EX_UNAVAILABLE, "within 1 seconds")

    def test_wait_for_serial_while_others_come_and_go(self):
        emu = Emulator(self.tmp, ("f405",), control=True)
        p = emu.start(*self.cli("info", "--json", "--wait", "--timeout", "30", "--serial", "LATE"))
        try:
            time.sleep(1.0)
            self.assertIn("ok", emu.send("remove SERIAL0"))
            self.assertIn("ok", emu.send("add h7 LATE"))
            out, err = p.communicate(timeout=60)
        finally:
            if p.poll() is None:
                p.kill()
        self.assertEqual(p.returncode, EX_OK, err)
        self.assertIn("STM32H7", json.loads(out)["label"])


if __name__ == "__main__":
    CLI = sys.argv.pop(1)
    unittest.main(verbosity=2)
