#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Debian's unmodified stm32flash (0.7) against boot0-uart-emulator: it identifies,
writes with verify, reads, erases, computes CRCs (Get Checksum or read back) and
runs on both profiles, the flash file checked byte for byte; and Boot0 agrees with
it: what one writes the other reads back identical.

A pty cannot do even parity, so stm32flash runs with -m 8n1 and boot0-cli with
--parity none. Run by meson: test-peers-stm32flash.py PATH/TO/boot0-cli (with
BOOT0_UART_EMULATOR and STM32FLASH set). A missing stm32flash fails the test.
"""

import importlib
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
uart = importlib.import_module("test-emulator-uart")

CLI = None
FLASH = 0x08000000
PROFILES = {
    # name: (flash size, device ID, bootloader version, erase opcode, sizes of the first sectors)
    "f103": (128 * 1024, 0x410, 0x22, 0x43, [1024] * 128),
    "f405": (1024 * 1024, 0x413, 0x31, 0x44, [16384] * 4 + [65536] + [131072] * 7),
}


def stm32flash():
    path = shutil.which(os.environ.get("STM32FLASH", "stm32flash"))
    if path is None:
        raise AssertionError("stm32flash not found: install Debian's stm32flash package")
    return path


def sectors_touched(profile, start, length):
    """[(offset, size)] of the sectors [start, start + length) touches (offsets from the base)."""
    out = []
    offset = 0
    for size in PROFILES[profile][4]:
        if offset < start + length and offset + size > start:
            out.append((offset, size))
        offset += size
    return out


class PeersTest(unittest.TestCase):
    def setUp(self):
        self.stm32flash = stm32flash()
        self.tmpdir = tempfile.TemporaryDirectory(prefix="boot0-peers-uart-")
        self.tmp = self.tmpdir.name
        self.rng = random.Random(self.id())
        self.n = 0

    def tearDown(self):
        self.tmpdir.cleanup()

    def path(self, name):
        return os.path.join(self.tmp, name)

    def image(self, size):
        data = bytearray(self.rng.randbytes(size))
        data[0] = 0x20  # not ':', or stm32flash would try its hex parser on it
        return bytes(data)

    def write(self, name, data):
        with open(self.path(name), "wb") as f:
            f.write(data)
        return self.path(name)

    def flash_file(self, profile, old=None):
        """A fresh flash file: erased, or holding `old` (an older firmware everywhere)."""
        self.n += 1
        path = self.path(f"flash{self.n}.bin")
        if old is not None:
            with open(path, "wb") as f:
                f.write(old)
        return path

    def emulate(self, profile, flash, command, *emu_args, timing=False, expect=0):
        summary = self.path("summary.json")
        argv = [uart.emulator_path(), "--profile", profile, "--flash", flash, "--summary", summary,
                *emu_args]
        if not timing:
            argv.append("--no-timing")
        start = time.monotonic()
        r = subprocess.run(argv + ["--", *command], capture_output=True, text=True, timeout=600)
        wall = time.monotonic() - start
        if expect is not None:
            self.assertEqual(r.returncode, expect, f"{' '.join(command)}\n{r.stdout}\n{r.stderr}")
        with open(summary) as f:
            s = json.load(f)
        s["_wall"] = wall
        return r, s

    def stm(self, profile, flash, *args, emu_args=(), timing=False, expect=0, baud=None):
        cmd = [self.stm32flash, "-m", "8n1"] + (["-b", str(baud)] if baud else []) + list(args)
        return self.emulate(profile, flash, cmd + ["@PORT@"], *emu_args, timing=timing,
                            expect=expect)

    def boot0(self, profile, flash, *args, emu_args=(), expect=0):
        return self.emulate(profile, flash,
                            [CLI, *args, "--uart", "@PORT@", "--parity", "none"], *emu_args,
                            expect=expect)

    def read_flash(self, path):
        with open(path, "rb") as f:
            return f.read()

    # ---- stm32flash alone ----

    def test_identify(self):
        for profile, (size, ident, version, _, _) in PROFILES.items():
            with self.subTest(profile=profile):
                r, s = self.stm(profile, self.flash_file(profile))
                self.assertIn(f"Device ID    : 0x{ident:04x}", r.stdout)
                self.assertIn(f"Version      : 0x{version:02x}", r.stdout)
                self.assertEqual(s["commands"][:3], [0x01, 0x00, 0x02])
                self.assertEqual(s["baud"], 57600)  # stm32flash's default

    def test_write_verify_read(self):
        for profile, (size, _, _, erase_op, _) in PROFILES.items():
            with self.subTest(profile=profile):
                data = self.image(70000 if profile == "f405" else 50000)
                img = self.write("fw.bin", data)
                flash = self.flash_file(profile)
                r, s = self.stm(profile, flash, "-w", img, "-v")
                self.assertIn("Wrote and verified", r.stdout)
                contents = self.read_flash(flash)
                self.assertEqual(len(contents), size)
                self.assertEqual(contents[:len(data)], data)
                self.assertEqual(contents[len(data):], b"\xFF" * (size - len(data)))
                self.assertEqual(s["erase_opcode_used"], erase_op)
                out = self.path(f"read-{profile}.bin")
                self.stm(profile, flash, "-r", out, "-S", f"{FLASH:#x}:{len(data)}")
                self.assertEqual(self.read_flash(out), data)

    def test_write_over_old_firmware(self):
        for profile, (size, _, _, _, _) in PROFILES.items():
            with self.subTest(profile=profile):
                old = self.rng.randbytes(size)
                data = self.image(20000)
                img = self.write("fw.bin", data)
                flash = self.flash_file(profile, old)
                self.stm(profile, flash, "-w", img, "-v")
                contents = self.read_flash(flash)
                end = sum(sz for _, sz in sectors_touched(profile, 0, len(data)))
                self.assertEqual(contents[:len(data)], data)
                # the rest of the touched sectors is erased, the other sectors keep the old firmware
                self.assertEqual(contents[len(data):end], b"\xFF" * (end - len(data)))
                self.assertEqual(contents[end:], old[end:])

    def test_erase(self):
        for profile, (size, _, _, erase_op, _) in PROFILES.items():
            with self.subTest(profile=profile):
                old = self.rng.randbytes(size)
                flash = self.flash_file(profile, old)
                first = sectors_touched(profile, 0, 1)[0]
                second = sectors_touched(profile, first[1], 1)[0]
                # erase the second sector only
                _, s = self.stm(profile, flash, "-o", "-S", f"{FLASH + second[0]:#x}:{second[1]}")
                contents = self.read_flash(flash)
                self.assertEqual(contents[:second[0]], old[:second[0]])
                self.assertEqual(contents[second[0]:second[0] + second[1]], b"\xFF" * second[1])
                self.assertEqual(contents[second[0] + second[1]:], old[second[0] + second[1]:])
                self.assertEqual(s["sectors_erased"], 1)
                self.assertEqual(s["erase_opcode_used"], erase_op)
                # everything: a mass erase
                _, s = self.stm(profile, flash, "-o")
                self.assertEqual(self.read_flash(flash), b"\xFF" * size)
                self.assertEqual(s["mass_erases"], 1)

    def test_run_and_reset(self):
        for profile in PROFILES:
            with self.subTest(profile=profile):
                flash = self.flash_file(profile)
                r, s = self.stm(profile, flash, "-g", "0x08000000")
                self.assertIn("done", r.stdout)
                self.assertTrue(s["app_started"])
                self.assertEqual(s["app_address"], FLASH)
                self.assertEqual(s["mode"], "application")
                # -R: a reset stub in RAM, started with Go: the chip resets
                r, s = self.stm(profile, flash, "-R")
                self.assertIn("Reset done", r.stdout)
                self.assertFalse(s["app_started"])
                self.assertEqual(s["resets"], 1)

    def test_crc(self):
        for profile in PROFILES:
            data = self.image(65536)
            flash = self.flash_file(profile)
            img = self.write("fw.bin", data)
            self.stm(profile, flash, "-w", img)
            expected = uart.stm32_crc(self.read_flash(flash)[:65536])
            seen = {}
            for checksum in (False, True):
                with self.subTest(profile=profile, checksum=checksum):
                    r, s = self.stm(profile, flash, "-C", "-S", f"{FLASH:#x}:65536",
                                    emu_args=["--checksum"] if checksum else [])
                    m = re.search(r"CRC\(0x08000000-0x08010000\) = (0x[0-9a-f]{8})", r.stdout)
                    self.assertIsNotNone(m, r.stdout + r.stderr)
                    seen[checksum] = int(m.group(1), 16)
                    self.assertEqual(0xA1 in s["commands"], checksum)
                    if not checksum:
                        self.assertEqual(s["commands"].count(0x11), 256)  # read back
            self.assertEqual(seen[False], seen[True])
            self.assertEqual(seen[True], expected)

    def test_read_protection(self):
        flash = self.flash_file("f103", self.rng.randbytes(128 * 1024))
        r, _ = self.stm("f103", flash, "-r", self.path("x.bin"), emu_args=["--fault", "rdp"],
                        expect=None)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("NACK", r.stdout + r.stderr)
        # -k: Readout Unprotect mass-erases and resets
        r, s = self.stm("f103", flash, "-k", emu_args=["--fault", "rdp"])
        self.assertFalse(s["rdp"])
        self.assertEqual(s["resets"], 1)
        self.assertEqual(self.read_flash(flash), b"\xFF" * 128 * 1024)

    def test_faults(self):
        flash = self.flash_file("f405")
        # a NACKed write: stm32flash gives up
        r, _ = self.stm("f405", flash, "-w", self.write("fw.bin", self.image(4096)),
                        emu_args=["--fault", "nack=31:3"], expect=None)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("Failed to write memory at address 0x08000200", r.stdout + r.stderr)
        # a bit stored wrong: only -v notices
        r, _ = self.stm("f405", flash, "-w", self.write("fw.bin", self.image(4096)), "-v", "-n", "0",
                        emu_args=["--fault", "bitflip=0x08000010"], expect=None)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("Failed to verify at address 0x08000010", r.stdout + r.stderr)

    def test_paced_write(self):
        data = self.image(8192)
        img = self.write("fw.bin", data)
        flash = self.flash_file("f103")
        _, s = self.stm("f103", flash, "-w", img, "-v", baud=115200, timing=True)
        self.assertEqual(self.read_flash(flash)[:len(data)], data)
        ratio = s["wall_ms"] / s["device_min_ms"]
        print(f"stm32flash -w -v 8 KiB on f103 at 115200: {s['wall_ms']:.0f} ms, device minimum "
              f"{s['device_min_ms']:.0f} ms, ratio {ratio:.3f}")
        self.assertEqual(s["baud"], 115200)
        self.assertGreaterEqual(ratio, 1.0)
        self.assertLess(ratio, 1.5)

    # ---- Boot0 and stm32flash agree ----

    def test_boot0_writes_stm32flash_reads(self):
        for profile, (size, _, _, erase_op, _) in PROFILES.items():
            with self.subTest(profile=profile):
                data = self.image(70000)
                img = self.write("fw.bin", data)
                flash = self.flash_file(profile)
                _, s = self.boot0(profile, flash, "flash", "--no-run", img)
                self.assertEqual(s["erase_opcode_used"], erase_op)
                out = self.path(f"stm-{profile}.bin")
                self.stm(profile, flash, "-r", out, "-S", f"{FLASH:#x}:{len(data)}")
                self.assertEqual(self.read_flash(out), data)
                self.assertEqual(self.read_flash(flash)[:len(data)], data)

    def test_stm32flash_writes_boot0_reads(self):
        for profile in PROFILES:
            with self.subTest(profile=profile):
                data = self.image(70000)
                img = self.write("fw.bin", data)
                flash = self.flash_file(profile)
                self.stm(profile, flash, "-w", img, "-v")
                self.boot0(profile, flash, "verify", img)
                out = self.path(f"boot0-{profile}.bin")
                self.boot0(profile, flash, "read", "--size", str(len(data)), out)
                self.assertEqual(self.read_flash(out), data)

    def test_checksum_verify_agrees(self):
        # with Get Checksum Boot0 verifies by CRC; stm32flash -C computes the same CRC
        data = self.image(32768)
        img = self.write("fw.bin", data)
        flash = self.flash_file("f405")
        _, s = self.boot0("f405", flash, "flash", "--no-run", img, emu_args=["--checksum"])
        self.assertIn(0xA1, s["commands"])
        r, _ = self.stm("f405", flash, "-C", "-S", f"{FLASH:#x}:{len(data)}",
                        emu_args=["--checksum"])
        self.assertIn(f"= {uart.stm32_crc(data):#010x}", r.stdout)
        # a bit flipped after Boot0's write: its checksum verify must catch it
        _, s = self.boot0("f405", self.flash_file("f405"), "flash", "--no-run", img,
                          emu_args=["--checksum", "--fault", "bitflip=0x08001000"], expect=None)
        self.assertNotEqual(s["exit_status"], 0)


if __name__ == "__main__":
    CLI = sys.argv.pop(1)
    unittest.main(verbosity=2)
