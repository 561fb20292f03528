#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""boot0-cli inspect/convert on real firmware files and damaged copies.

Run by meson: test-cli.py PATH/TO/boot0-cli. Cross-checks use objcopy,
srec_cat and dfu-suffix (paths in OBJCOPY, SREC_CAT, DFU_SUFFIX); a missing
tool fails the test.
"""

import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import unittest

CLI = None
DATA = os.path.join(os.environ.get("G_TEST_SRCDIR", os.path.dirname(__file__)), "data")

EX_OK = 0
EX_USAGE = 64
EX_DATAERR = 65
EX_NOINPUT = 66
EX_CANTCREAT = 73

# The Primer2 build: the same 42,524 bytes at 0x08000000 in every format.
PRIMER2_SHA = "6c5a9e0436d6a106b023c7b2988c6ddf2db6b747cf29b3f8fb6280322b882d89"
PRIMER2_FILES = ["primer2-f103ve.hex", "primer2-f103ve.s19", "primer2-f103ve.bin", "primer2-f103ve.elf"]
DFU_FILE = "micropython-f407vg.dfu"


def tool(env_var):
    path = os.environ.get(env_var)
    if not path or not os.path.exists(path):
        raise AssertionError(f"{env_var} is not set or missing: run through `meson test`")
    return path


def dfu_suffix_ids(text):
    """(vid, pid, bcdDevice) from `dfu-suffix -c` output."""
    import re

    fields = dict(re.findall(r"^([A-Za-z ]+):\s+(0x[0-9a-fA-F]+)$", text, re.M))
    return (fields["Vendor ID"].lower(), fields["Product ID"].lower(), fields["BCD device"].lower())


def run(*args, timeout=60):
    """Runs boot0-cli; a hang fails the test through the timeout."""
    return subprocess.run([CLI, *args], capture_output=True, text=True, timeout=timeout)


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def read(path):
    with open(path, "rb") as f:
        return f.read()


class CliTestCase(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="boot0-cli-test-")
        # Work on copies so no test can touch tests/data; the originals'
        # hashes are checked in tearDown all the same.
        self.before = {f: sha256(os.path.join(DATA, f)) for f in os.listdir(DATA)}

    def tearDown(self):
        after = {f: sha256(os.path.join(DATA, f)) for f in os.listdir(DATA)}
        self.assertEqual(self.before, after, "tests/data was modified")
        shutil.rmtree(self.tmp)

    def path(self, name):
        return os.path.join(self.tmp, name)

    def copy(self, name, new_name=None):
        dst = self.path(new_name or name)
        shutil.copyfile(os.path.join(DATA, name), dst)
        return dst

    def write(self, name, data):
        p = self.path(name)
        with open(p, "wb") as f:
            f.write(data)
        return p

    def inspect_json(self, *args):
        r = run("inspect", "--json", *args)
        self.assertEqual(r.returncode, EX_OK, r.stderr)
        return json.loads(r.stdout)

    def assert_fails(self, result, code, *substrings):
        self.assertEqual(result.returncode, code, f"stdout={result.stdout!r} stderr={result.stderr!r}")
        self.assertTrue(result.stderr.startswith("boot0-cli: "), result.stderr)
        for s in substrings:
            self.assertIn(s, result.stderr)
        # Sanitizer reports mean a crash or leak, whatever the exit code.
        self.assertNotIn("Sanitizer", result.stderr)
        self.assertNotIn("runtime error", result.stderr)


class TestGeneral(CliTestCase):
    def test_help(self):
        r = run("--help")
        self.assertEqual(r.returncode, EX_OK)
        for cmd in ("inspect", "convert"):
            self.assertIn(cmd, r.stdout)
        for cmd in ("inspect", "convert"):
            r = run(cmd, "--help")
            self.assertEqual(r.returncode, EX_OK, r.stderr)
            self.assertIn("--", r.stdout)

    def test_version(self):
        r = run("--version")
        self.assertEqual(r.returncode, EX_OK)
        self.assertRegex(r.stdout, r"^boot0-cli \d+\.\d+\.\d+\n$")

    def test_usage_errors(self):
        self.assertEqual(run().returncode, EX_USAGE)
        self.assert_fails(run("frobnicate"), EX_USAGE, "unknown command 'frobnicate'")
        self.assert_fails(run("inspect"), EX_USAGE, "exactly one FILE")
        self.assert_fails(run("inspect", "--bogus", "x"), EX_USAGE)
        self.assert_fails(run("convert", "a"), EX_USAGE)
        f = self.copy("primer2-f103ve.bin")
        self.assert_fails(run("inspect", "--address", "0x1_0000_0000", f), EX_USAGE, "32-bit number")
        self.assert_fails(run("inspect", "--address", "banana", f), EX_USAGE, "32-bit number")
        self.assert_fails(run("inspect", "--format", "zip", f), EX_USAGE, "unknown format 'zip'")


class TestInspect(CliTestCase):
    def test_same_build_every_format(self):
        for name in PRIMER2_FILES:
            with self.subTest(name=name):
                info = self.inspect_json(self.copy(name))
                self.assertEqual(info["sha256"], PRIMER2_SHA)
                self.assertEqual(info["size"], 42524)
                self.assertEqual(len(info["segments"]), 1)
                self.assertEqual(info["segments"][0]["address_hex"], "0x08000000")
                self.assertEqual(info["segments"][0]["last_hex"], "0x0800A61B")
        formats = [self.inspect_json(self.copy(n))["format"] for n in PRIMER2_FILES]
        self.assertEqual(formats, ["ihex", "srec", "bin", "elf"])

    def test_crc32_matches_independent(self):
        import zlib

        info = self.inspect_json(self.copy("primer2-f103ve.hex"))
        self.assertEqual(int(info["crc32"], 16), zlib.crc32(read(os.path.join(DATA, "primer2-f103ve.bin"))))

    def test_entry_points(self):
        self.assertEqual(self.inspect_json(self.copy("primer2-f103ve.hex"))["entry_point_hex"], "0x08000000")
        self.assertEqual(self.inspect_json(self.copy("primer2-f103ve.elf"))["entry_point_hex"], "0x08000000")
        self.assertIsNone(self.inspect_json(self.copy("primer2-f103ve.bin"))["entry_point"])

    def test_bin_address(self):
        info = self.inspect_json("--address", "0x08008000", self.copy("primer2-f103ve.bin"))
        self.assertTrue(info["relocatable"])
        self.assertEqual(info["segments"][0]["address_hex"], "0x08008000")
        # A file with its own addresses cannot be moved.
        r = run("inspect", "--address", "0x08008000", self.copy("primer2-f103ve.hex"))
        self.assert_fails(r, EX_USAGE, "only to a raw .bin")

    def test_dfuse(self):
        f = self.copy(DFU_FILE)
        info = self.inspect_json(f)
        self.assertEqual(info["format"], "dfuse")
        segs = [(s["address_hex"], s["size"], s["alt_setting"]) for s in info["segments"]]
        self.assertEqual(segs, [("0x08000000", 14784, 0), ("0x08020000", 307392, 0)])
        self.assertEqual(info["targets"], [{"alt_setting": 0, "name": "ST..."}])
        # The suffix as dfu-suffix reads it.
        out = subprocess.run([tool("DFU_SUFFIX"), "-c", f], capture_output=True, text=True, timeout=60)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual(dfu_suffix_ids(out.stdout), ("0x0483", "0xdf11", "0x0000"))
        self.assertEqual(info["dfu_suffix"]["vid"], "0x0483")
        self.assertEqual(info["dfu_suffix"]["pid"], "0xDF11")
        self.assertEqual(info["dfu_suffix"]["bcd_dfu"], "0x011A")

    def test_human_output(self):
        r = run("inspect", self.copy(DFU_FILE))
        self.assertEqual(r.returncode, EX_OK, r.stderr)
        for s in ("DfuSe", "0x08020000", "VID 0x0483", "PID 0xDF11", "SHA-256", "CRC-32", "ST..."):
            self.assertIn(s, r.stdout)

    def test_missing_input(self):
        self.assert_fails(run("inspect", self.path("nope.hex")), EX_NOINPUT, "nope.hex")
        self.assert_fails(run("inspect", self.tmp), EX_NOINPUT, "folder")


def damaged_variants(name, data):
    """Yields (label, bytes) of damaged copies of a file."""
    rng = random.Random(name)
    yield "empty", b""
    for frac in (0.01, 0.3, 0.5, 0.97):
        yield f"truncated-{frac}", data[: int(len(data) * frac)]
    for i in range(6):
        b = bytearray(data)
        pos = rng.randrange(len(b))
        b[pos] ^= 1 << rng.randrange(8)
        yield f"bitflip-{pos}", bytes(b)
    yield "garbage-tail", data + b"\x00garbage\xff" * 3
    yield "random", bytes(rng.randrange(256) for _ in range(4096))


class TestDamaged(CliTestCase):
    """Every damaged file gives a clear error and a non-zero exit, never a
    crash, hang or partial output. Bit flips in a .bin are just other data,
    so raw binaries are not damaged here."""

    good_sha = {}

    def check_damaged(self, name):
        data = read(os.path.join(DATA, name))
        self.good_sha[name] = self.inspect_json(self.copy(name))["sha256"]
        ext = os.path.splitext(name)[1]
        for label, bad in damaged_variants(name, data):
            with self.subTest(file=name, damage=label):
                f = self.write("bad" + ext, bad)
                out = self.path("out.bin")
                r = run("inspect", "--json", f)
                if r.returncode == EX_OK:
                    # Accepted only if the damage left the data as it was
                    # (a hex digit's case flipped), or where the format has
                    # no checksum over its data (ELF).
                    if ext != ".elf":
                        self.assertEqual(json.loads(r.stdout)["sha256"], self.good_sha[name],
                                         f"{label}: damaged {name} accepted with other data")
                    continue
                self.assert_fails(r, EX_DATAERR, f)
                r = run("convert", "--fill", f, out)
                self.assert_fails(r, EX_DATAERR)
                self.assertFalse(os.path.exists(out), "partial output left behind")

    def test_damaged_hex(self):
        self.check_damaged("primer2-f103ve.hex")

    def test_damaged_srec(self):
        self.check_damaged("primer2-f103ve.s19")

    def test_damaged_dfu(self):
        self.check_damaged(DFU_FILE)

    def test_damaged_elf(self):
        self.check_damaged("primer2-f103ve.elf")

    def test_specific_messages(self):
        hexdata = read(os.path.join(DATA, "primer2-f103ve.hex")).decode()
        lines = hexdata.splitlines(keepends=True)
        # Line 3's checksum off by one: the message names the file and line.
        bad = list(lines)
        cc = int(bad[2].strip()[-2:], 16)
        bad[2] = bad[2].strip()[:-2] + f"{(cc + 1) & 0xFF:02X}\n"
        f = self.write("cs.hex", "".join(bad).encode())
        self.assert_fails(run("inspect", f), EX_DATAERR, "cs.hex", "line 3", "checksum")
        # DfuSe with a flipped data byte: the suffix CRC catches it.
        d = bytearray(read(os.path.join(DATA, DFU_FILE)))
        d[1000] ^= 0x40
        f = self.write("crc.dfu", bytes(d))
        self.assert_fails(run("inspect", f), EX_DATAERR, "crc.dfu", "CRC")
        # A .hex that is something else entirely.
        f = self.write("zip.hex", b"PK\x03\x04" + bytes(100))
        self.assert_fails(run("inspect", f), EX_DATAERR, "zip.hex", "Intel HEX")


class TestConvert(CliTestCase):
    def test_hex_to_bin_matches_original(self):
        out = self.path("out.bin")
        r = run("convert", self.copy("primer2-f103ve.hex"), out)
        self.assertEqual(r.returncode, EX_OK, r.stderr)
        self.assertEqual(read(out), read(os.path.join(DATA, "primer2-f103ve.bin")))

    def test_each_format_round_trip(self):
        src = self.copy("primer2-f103ve.elf")
        for ext in (".hex", ".srec", ".s19", ".dfu", ".bin"):
            with self.subTest(ext=ext):
                out = self.path("rt" + ext)
                r = run("convert", src, out)
                self.assertEqual(r.returncode, EX_OK, r.stderr)
                self.assertEqual(self.inspect_json(out)["sha256"], PRIMER2_SHA)

    def test_cross_check_objcopy_srec_cat(self):
        """Boot0's .hex and .srec read by objcopy and srec_cat give the same
        bytes as Boot0's .bin, for a two-segment image with a gap."""
        src = self.copy(DFU_FILE)
        hexf, srecf, binf = self.path("x.hex"), self.path("x.srec"), self.path("x.bin")
        for out, extra in ((hexf, []), (srecf, []), (binf, ["--fill"])):
            r = run("convert", *extra, src, out)
            self.assertEqual(r.returncode, EX_OK, r.stderr)
        ref = read(binf)
        ob = self.path("objcopy.bin")
        for fmt, f in (("ihex", hexf), ("srec", srecf)):
            subprocess.run([tool("OBJCOPY"), "-I", fmt, "-O", "binary", "--gap-fill", "0xff", f, ob],
                           check=True, timeout=60)
            self.assertEqual(read(ob), ref, f"objcopy reads Boot0's {fmt} differently")
        sb = self.path("srec_cat.bin")
        for fmt, f in (("-intel", hexf), ("-motorola", srecf)):
            subprocess.run([tool("SREC_CAT"), "(", f, fmt, "-fill", "0xff", "-over", f, fmt, ")",
                            "-offset", "-0x08000000", "-o", sb, "-binary"], check=True, timeout=60)
            self.assertEqual(read(sb), ref, f"srec_cat reads Boot0's {fmt} differently")
        # And the other way: objcopy's hex of the original bin reads back the same in Boot0.
        oh = self.path("objcopy.hex")
        subprocess.run([tool("OBJCOPY"), "-I", "binary", "-O", "ihex", "--change-addresses", "0x08000000",
                        os.path.join(DATA, "primer2-f103ve.bin"), oh], check=True, timeout=60)
        self.assertEqual(self.inspect_json(oh)["sha256"], PRIMER2_SHA)

    def test_dfu_output_checked_by_dfu_suffix(self):
        out = self.path("out.dfu")
        r = run("convert", "--vid", "0x1209", "--pid", "0xDB42", "--bcd-device", "0x0101",
                self.copy("primer2-f103ve.hex"), out)
        self.assertEqual(r.returncode, EX_OK, r.stderr)
        chk = subprocess.run([tool("DFU_SUFFIX"), "-c", out], capture_output=True, text=True, timeout=60)
        self.assertEqual(chk.returncode, 0, chk.stderr)
        self.assertEqual(dfu_suffix_ids(chk.stdout), ("0x1209", "0xdb42", "0x0101"))
        info = self.inspect_json(out)
        self.assertEqual(info["sha256"], PRIMER2_SHA)
        self.assertEqual(info["dfu_suffix"]["bcd_device"], "0x0101")

    def test_bin_input_address(self):
        out = self.path("out.hex")
        r = run("convert", "--address", "0x08008000", self.copy("primer2-f103ve.bin"), out)
        self.assertEqual(r.returncode, EX_OK, r.stderr)
        self.assertEqual(self.inspect_json(out)["segments"][0]["address_hex"], "0x08008000")

    def test_gaps_need_fill(self):
        out = self.path("out.bin")
        r = run("convert", self.copy(DFU_FILE), out)
        self.assert_fails(r, EX_DATAERR, "not contiguous", "gap")
        self.assertFalse(os.path.exists(out))
        r = run("convert", "--fill", "--fill-byte", "0x00", self.copy(DFU_FILE), out)
        self.assertEqual(r.returncode, EX_OK, r.stderr)
        data = read(out)
        self.assertEqual(len(data), 0x0806B0C0 - 0x08000000)
        self.assertEqual(data[0x39C0:0x20000], bytes(0x20000 - 0x39C0))

    def test_output_errors(self):
        src = self.copy("primer2-f103ve.hex")
        self.assert_fails(run("convert", src, self.path("x.zip")), EX_USAGE, "output format")
        self.assert_fails(run("convert", src, self.path("x.elf")), EX_USAGE, "ELF")
        self.assert_fails(run("convert", src, src), EX_USAGE, "same file")
        self.assert_fails(run("convert", src, self.path("no/such/dir/x.bin")), EX_CANTCREAT)
        self.assert_fails(run("convert", self.path("missing.hex"), self.path("x.bin")), EX_NOINPUT, "missing.hex")
        self.assert_fails(run("convert", "--fill", src, self.path("x.hex")), EX_USAGE, "--fill")
        self.assert_fails(run("convert", "--vid", "0x10000", src, self.path("x.dfu")), EX_USAGE, "16 bits")

    def test_failed_convert_keeps_old_output(self):
        out = self.write("keep.bin", b"precious")
        bad = self.write("bad.hex", b":10000000FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00\n")
        self.assert_fails(run("convert", bad, out), EX_DATAERR)
        self.assertEqual(read(out), b"precious")
        # A successful convert replaces it whole and leaves no temporary files.
        r = run("convert", self.copy("primer2-f103ve.hex"), out)
        self.assertEqual(r.returncode, EX_OK, r.stderr)
        self.assertEqual(sha256(out), PRIMER2_SHA)
        leftovers = [f for f in os.listdir(self.tmp) if f.startswith("keep.bin") and f != "keep.bin"]
        self.assertEqual(leftovers, [])

    def test_input_never_modified(self):
        for name in PRIMER2_FILES + [DFU_FILE]:
            src = self.copy(name)
            before = sha256(src)
            for ext in (".hex", ".dfu", ".srec"):
                run("convert", src, self.path("o" + ext))
            self.assertEqual(sha256(src), before)


if __name__ == "__main__":
    CLI = sys.argv.pop(1)
    unittest.main(verbosity=2)
