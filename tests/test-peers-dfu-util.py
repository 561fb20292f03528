#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Boot0 and Debian's unmodified dfu-util on the same emulated device must
agree: what one writes the other reads back, and both list the same device.

Run by meson: test-peers-dfu-util.py PATH/TO/boot0-cli (BOOT0_EMULATOR and
DFU_UTIL set). A missing dfu-util fails the test.
"""

import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import importlib

usb = importlib.import_module("test-cli-usb")

DFU_UTIL = os.environ.get("DFU_UTIL", "dfu-util")


class TestPeers(usb.UsbTestCase):
    def setUp(self):
        super().setUp()
        if shutil.which(DFU_UTIL) is None:
            raise AssertionError(f"dfu-util not found ({DFU_UTIL}): install the dfu-util package")

    def test_list_agrees(self):
        emu = usb.Emulator(self.tmp, ("f405", "h7"))
        r = emu.run(DFU_UTIL, "-l")
        self.assertEqual(r.returncode, 0, r.stderr)
        found = set(re.findall(r'path="([^"]+)".*serial="([^"]+)"', r.stdout))
        r = emu.run(usb.CLI, "list", "--json")
        self.assert_ok(r)
        ours = {(d["path"], d["serial"]) for d in json.loads(r.stdout)}
        self.assertEqual(found, ours)

    def test_dfu_util_writes_boot0_reads(self):
        for profile in ("f405", "l4", "h7"):
            with self.subTest(profile=profile):
                data = self.image(70000)
                f = self.write("fw.bin", data)
                emu = usb.Emulator(self.tmp, (profile,))
                r = emu.run(DFU_UTIL, "-a", "0", "-s", "0x08000000", "-D", f)
                self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
                r = emu.run(usb.CLI, "verify", f)
                self.assert_ok(r)
                out = self.path("back.bin")
                r = emu.run(usb.CLI, "read", "--size", str(len(data)), out)
                self.assert_ok(r)
                self.assertEqual(usb.read(out), data)
                os.unlink(emu.flash_paths[0])

    def test_boot0_writes_dfu_util_reads(self):
        for profile in ("f405", "f0", "cubemx"):
            with self.subTest(profile=profile):
                app = usb.PROFILES[profile][0]
                data = self.image(50000)
                f = self.write("fw.bin", data)
                emu = usb.Emulator(self.tmp, (profile,))
                r = emu.run(usb.CLI, "flash", "--no-run", f)
                self.assert_ok(r)
                out = self.path("up.bin")
                if os.path.exists(out):
                    os.unlink(out)
                r = emu.run(DFU_UTIL, "-a", "0", "-s", f"{hex(app)}:{len(data)}", "-U", out)
                self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
                self.assertEqual(usb.read(out), data)
                os.unlink(emu.flash_paths[0])


if __name__ == "__main__":
    usb.CLI = sys.argv.pop(1)
    unittest.main(verbosity=2)
