#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""boot0-cli --uart against the emulated AN3155 bootloader (tests/emulator/
boot0-uart-emulator) on a pseudo-terminal: flash, verify, read, erase and run
for the F103 (Erase 0x43) and F405 (Extended Erase 0x44) profiles, Get
Checksum, every fault, read protection, protection commands, entry sequences
on the emulated DTR/RTS wiring, and the usage errors.

Run by meson: test-cli-uart.py PATH/TO/boot0-cli, with BOOT0_UART_EMULATOR
set. Every run has a timeout, so a hang fails the test.
"""

import hashlib
import json
import os
import random
import subprocess
import sys
import tempfile
import unittest

CLI = None
EMULATOR = os.environ.get("BOOT0_UART_EMULATOR")

EX_OK = 0
EX_USAGE = 64
EX_UNAVAILABLE = 69
EX_IOERR = 74
EX_TEMPFAIL = 75
EX_NOPERM = 77

FLASH = 0x08000000
PROFILES = {
    # flash size, page/sector layout, erase opcode
    "f103": (128 * 1024, [1024] * 128, 0x43),
    "f405": (1024 * 1024, [16384] * 4 + [65536] + [131072] * 7, 0x44),
}


def stm32_crc(data, crc=0xFFFFFFFF):
    """The STM32 CRC unit, written independently of the C code."""
    for i in range(0, len(data), 4):
        crc ^= int.from_bytes(data[i:i + 4], "little")
        for _ in range(32):
            crc = ((crc << 1) ^ 0x04C11DB7) & 0xFFFFFFFF if crc & 0x80000000 else (crc << 1) & 0xFFFFFFFF
    return crc


def ihex(segments):
    """Intel HEX with extended linear addresses for (address, bytes) segments."""
    lines = []

    def record(kind, address, data):
        body = bytes([len(data), (address >> 8) & 0xFF, address & 0xFF, kind]) + data
        lines.append(":" + (body + bytes([(-sum(body)) & 0xFF])).hex().upper())

    upper = None
    for address, data in segments:
        for off in range(0, len(data), 16):
            a = address + off
            if a >> 16 != upper:
                upper = a >> 16
                record(4, 0, upper.to_bytes(2, "big"))
            record(0, a & 0xFFFF, data[off:off + 16])
    record(1, 0, b"")
    return "\n".join(lines) + "\n"


class Run:
    def __init__(self, proc, summary):
        self.returncode = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr
        self.summary = summary


class UartCliTest(unittest.TestCase):
    def setUp(self):
        self.tmpdir = tempfile.TemporaryDirectory(prefix="boot0-cli-uart-")
        self.tmp = self.tmpdir.name
        self.rng = random.Random(self.id())
        self.flash_path = None

    def tearDown(self):
        self.tmpdir.cleanup()

    def path(self, name):
        return os.path.join(self.tmp, name)

    def write(self, name, data):
        p = self.path(name)
        with open(p, "wb" if isinstance(data, bytes) else "w") as f:
            f.write(data)
        return p

    def emulate(self, profile, *cli_args, emu=(), timing=False, shell=None, timeout=120):
        """Runs boot0-cli (or a shell script using $CLI and $BOOT0_UART_PORT)
        under the emulator; the flash file persists across calls."""
        # One flash file per profile, kept across the runs of a test.
        self.flash_path = self.path(f"flash-{profile}.bin")
        summary = self.path("summary.json")
        if os.path.exists(summary):
            os.unlink(summary)
        cmd = [EMULATOR, "--profile", profile, "--flash", self.flash_path, "--summary", summary]
        if not timing:
            cmd.append("--no-timing")
        cmd += list(emu)
        if shell is not None:
            cmd += ["--", "sh", "-c", shell]
        else:
            cmd += ["--", CLI, *cli_args]
        env = dict(os.environ, CLI=CLI)
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
        for stream in (proc.stdout, proc.stderr):
            self.assertNotIn("Sanitizer", stream)
            self.assertNotIn("runtime error", stream)
        data = None
        if os.path.exists(summary):
            with open(summary) as f:
                data = json.load(f)
        return Run(proc, data)

    def cli(self, profile, command, *args, **kw):
        return self.emulate(profile, command, "--uart", "@PORT@", "--parity", "none", *args, **kw)

    def assert_ok(self, r):
        self.assertEqual(r.returncode, EX_OK, f"stdout={r.stdout!r} stderr={r.stderr!r}")

    def assert_fails(self, r, code, *substrings):
        self.assertEqual(r.returncode, code, f"stdout={r.stdout!r} stderr={r.stderr!r}")
        self.assertIn("boot0-cli: ", r.stderr)
        for s in substrings:
            self.assertIn(s, r.stderr)

    def flash_bytes(self, address, size):
        with open(self.flash_path, "rb") as f:
            f.seek(address - FLASH)
            return f.read(size)

    def data(self, n):
        return self.rng.randbytes(n)

    def sha(self, path):
        with open(path, "rb") as f:
            return hashlib.sha256(f.read()).hexdigest()


class TestIdentity(UartCliTest):
    def test_info(self):
        for profile, (size, sectors, erase) in PROFILES.items():
            with self.subTest(profile=profile):
                r = self.cli(profile, "info", "--json")
                self.assert_ok(r)
                info = json.loads(r.stdout)
                self.assertEqual(info["kind"], "uart")
                self.assertEqual(info["flash_size"], size)
                self.assertEqual(info["flash_start"], "0x08000000")
                self.assertEqual(info["protection"], "none")
                self.assertEqual(info["transfer_size"], 256)
                self.assertEqual(info["erase_command"], f"0x{erase:02X}")
                self.assertEqual(info["parity"], "none")
                self.assertEqual(info["baud"], 115200)
                flash = [m for m in info["memories"] if m["name"] == "Internal Flash"][0]
                self.assertEqual([s["size"] for s in flash["sectors"]], sectors)
                self.assertEqual(r.summary["syncs"], 1)
        r = self.cli("f103", "info")
        self.assert_ok(r)
        self.assertIn("STM32F101/102/103 medium-density", r.stdout)
        self.assertIn("AN3155 v2.2", r.stdout)
        self.assertIn("Erase (0x43)", r.stdout)
        r = self.cli("f405", "info", emu=["--checksum"])
        self.assert_ok(r)
        self.assertIn("Extended Erase (0x44)", r.stdout)
        self.assertIn("Get Checksum 0xA1", r.stdout)
        self.assertIn("8N1", r.stdout)

    def test_back_to_back(self):
        """A second program finds the bootloader synchronised already (the
        resync trick: the extra 0x7F is NACKed)."""
        r = self.emulate("f405", shell='$CLI info --uart "$BOOT0_UART_PORT" --parity none && '
                                       '$CLI info --uart "$BOOT0_UART_PORT" --parity none --json')
        self.assert_ok(r)
        self.assertEqual(json.loads(r.stdout.splitlines()[-1])["label"], "STM32F405/407/415/417")
        self.assertEqual(r.summary["syncs"], 1)


class TestJobs(UartCliTest):
    def flash_verify_read(self, profile, extra_emu=()):
        image = self.data(20001)  # not a multiple of 4
        fw = self.write("fw.bin", image)
        before = self.sha(fw)
        r = self.cli(profile, "flash", "--no-run", fw, emu=extra_emu)
        self.assert_ok(r)
        self.assertEqual(self.flash_bytes(FLASH, len(image)), image)
        # The last word was padded with 0xFF.
        self.assertEqual(self.flash_bytes(FLASH + len(image), 3), b"\xff\xff\xff")
        erase = PROFILES[profile][2]
        self.assertEqual(r.summary["erase_opcode_used"], erase)
        self.assertNotIn(0x44 if erase == 0x43 else 0x43, r.summary["commands"])
        self.assertEqual(r.summary["bytes_programmed"], 20004)
        self.assertFalse(r.summary["app_started"])

        r = self.cli(profile, "verify", fw, emu=extra_emu)
        self.assert_ok(r)
        self.assertIn("erif", r.stdout)
        out = self.path("back.bin")
        r = self.cli(profile, "read", "--address", "0x08000000", "--size", str(len(image)), out,
                     emu=extra_emu)
        self.assert_ok(r)
        with open(out, "rb") as f:
            self.assertEqual(f.read(), image)
        self.assertEqual(self.sha(fw), before)
        return r

    def test_f103(self):
        self.flash_verify_read("f103")

    def test_f405(self):
        self.flash_verify_read("f405")

    def test_checksum_verify(self):
        """With Get Checksum, verify sends 0xA1 per chunk and no Read Memory
        beyond the open's probe; without it, it reads back."""
        image = self.data(8192)
        fw = self.write("fw.bin", image)
        self.assert_ok(self.cli("f405", "flash", "--no-run", "--no-verify", fw))
        r = self.cli("f405", "verify", fw, emu=["--checksum"])
        self.assert_ok(r)
        self.assertEqual(r.summary["commands"].count(0xA1), 8192 // 256)
        self.assertLessEqual(r.summary["commands"].count(0x11), 1)
        r = self.cli("f405", "verify", fw)
        self.assert_ok(r)
        self.assertNotIn(0xA1, r.summary["commands"])
        self.assertGreaterEqual(r.summary["commands"].count(0x11), 8192 // 256)

    def test_checksum_blank_check(self):
        """Blank checks by checksum: a blank sector is not erased."""
        fw = self.write("fw.bin", self.data(1024))
        r = self.cli("f405", "flash", "--no-run", fw, emu=["--checksum"])
        self.assert_ok(r)
        self.assertEqual(r.summary["sectors_erased"], 0)
        self.assertIn(0xA1, r.summary["commands"])
        # Now it is not blank: erased.
        r = self.cli("f405", "flash", "--no-run", fw, emu=["--checksum"])
        self.assert_ok(r)
        self.assertEqual(r.summary["sectors_erased"], 1)

    def test_verify_mismatch(self):
        image = self.data(4096)
        self.assert_ok(self.cli("f103", "flash", "--no-run", self.write("a.bin", image)))
        other = bytearray(image)
        other[1000] ^= 0x40
        b = self.write("b.bin", bytes(other))
        for emu in ((), ("--checksum",)):
            with self.subTest(emu=emu):
                r = self.cli("f103", "verify", b, emu=emu)
                self.assert_fails(r, EX_IOERR, "0x080003E8")

    def test_unaligned_segments(self):
        """A HEX whose second segment starts mid-word: 256-byte chunks from an
        unaligned start must not program a word twice (the F103 refuses)."""
        a = self.data(300)
        b = self.data(1000)
        hex_path = self.write("fw.hex", ihex([(FLASH, a), (FLASH + 0x802, b)]))
        r = self.cli("f103", "flash", "--no-run", hex_path)
        self.assert_ok(r)
        self.assertEqual(self.flash_bytes(FLASH, 300), a)
        self.assertEqual(self.flash_bytes(FLASH + 0x800, 2), b"\xff\xff")
        self.assertEqual(self.flash_bytes(FLASH + 0x802, 1000), b)

    def test_segments_sharing_a_word(self):
        """Two HEX segments in one 4-byte word (0x0800012C-0x0800012F: a
        byte of each and a gap of 2): the word is written once, with 0xFF in
        the gap (the F103 refuses to program a half-word twice)."""
        a = self.data(301)
        b = self.data(97)
        hex_path = self.write("fw.hex", ihex([(FLASH, a), (FLASH + 303, b)]))
        r = self.cli("f103", "flash", "--no-run", hex_path)
        self.assert_ok(r)
        self.assertEqual(self.flash_bytes(FLASH, 301), a)
        self.assertEqual(self.flash_bytes(FLASH + 301, 2), b"\xff\xff")
        self.assertEqual(self.flash_bytes(FLASH + 303, 97), b)

    def test_erase(self):
        self.assert_ok(self.cli("f405", "flash", "--no-run", self.write("fw.bin", self.data(70000))))
        r = self.cli("f405", "erase", "--all")
        self.assert_ok(r)
        self.assertEqual(r.summary["mass_erases"], 1)
        self.assertEqual(self.flash_bytes(FLASH, 70000), b"\xff" * 70000)

        self.assert_ok(self.cli("f103", "flash", "--no-run", self.write("fw.bin", self.data(4096))))
        r = self.cli("f103", "erase", "--address", "0x08000400", "--size", "2048")
        self.assert_ok(r)
        self.assertEqual(r.summary["erase_opcode_used"], 0x43)
        self.assertEqual(r.summary["sectors_erased"], 2)
        self.assertEqual(self.flash_bytes(FLASH + 0x400, 2048), b"\xff" * 2048)
        self.assertNotEqual(self.flash_bytes(FLASH, 1024), b"\xff" * 1024)
        self.assertNotEqual(self.flash_bytes(FLASH + 0xC00, 1024), b"\xff" * 1024)
        # The old Erase 0x43 mass erase (0xFF 0x00).
        r = self.cli("f103", "erase", "--all")
        self.assert_ok(r)
        self.assertEqual(r.summary["mass_erases"], 1)
        self.assertEqual(r.summary["erase_opcode_used"], 0x43)
        self.assertEqual(self.flash_bytes(FLASH, 4096), b"\xff" * 4096)

    def test_flash_and_run(self):
        fw = self.write("fw.bin", self.data(2048))
        r = self.cli("f405", "flash", fw)
        self.assert_ok(r)
        self.assertTrue(r.summary["app_started"])
        self.assertEqual(r.summary["app_address"], FLASH)

    def test_too_large(self):
        fw = self.write("fw.bin", self.data(128 * 1024 + 4))
        r = self.cli("f103", "flash", fw)
        self.assert_fails(r, 65)
        self.assertEqual(r.summary["bytes_programmed"], 0)

    def test_throughput(self):
        """Writing 64 KiB at 115200 baud with the line paced stays within
        1.1x the line time of the bytes plus the device's program and erase
        time (the emulator's device_min_ms)."""
        fw = self.write("fw.bin", self.data(65536))
        r = self.cli("f405", "flash", "--no-run", "--no-verify", fw, timing=True)
        self.assert_ok(r)
        ratio = r.summary["wall_ms"] / r.summary["device_min_ms"]
        print(f"throughput: {r.summary['wall_ms']:.0f} ms for a minimum of "
              f"{r.summary['device_min_ms']:.0f} ms, ratio {ratio:.3f}", file=sys.stderr)
        self.assertLess(ratio, 1.1)


class TestFaults(UartCliTest):
    def fw(self, n=4096):
        return self.write("fw.bin", self.data(n))

    def test_nack_write(self):
        r = self.cli("f405", "flash", "--no-run", self.fw(), emu=["--fault", "nack=31:3"])
        self.assert_fails(r, EX_IOERR, "refused to write memory", "0x08000200")

    def test_nack_erase(self):
        r = self.cli("f103", "flash", "--no-run", self.fw(), emu=["--fault", "nack=43"])
        self.assert_fails(r, EX_IOERR, "refused to erase", "Erase 0x43")

    def test_nack_read_once_at_open(self):
        """A one-off NACK to the open's probe read is not read protection."""
        r = self.cli("f405", "info", "--json", emu=["--fault", "nack=11"])
        self.assert_ok(r)
        self.assertEqual(json.loads(r.stdout)["protection"], "none")

    def test_silence(self):
        r = self.cli("f405", "flash", "--no-run", self.fw(), emu=["--fault", "silence=31:2"])
        self.assert_fails(r, EX_TEMPFAIL, "no answer from the bootloader", "Write Memory")

    def test_silence_get_recovers(self):
        r = self.cli("f405", "info", emu=["--fault", "silence=00"])
        self.assert_ok(r)

    def test_garbage(self):
        for op in ("7f", "00", "11", "31", "44"):
            with self.subTest(op=op):
                image = self.data(4096)
                fw = self.write("fw.bin", image)
                r = self.cli("f405", "flash", "--no-run", fw, emu=["--fault", f"garbage={op}"])
                self.assert_ok(r)
                self.assertEqual(self.flash_bytes(FLASH, 4096), image)

    def test_unplug(self):
        r = self.cli("f405", "flash", "--no-run", self.fw(8192), emu=["--fault", "unplug=3000"])
        self.assert_fails(r, EX_UNAVAILABLE, "went away", "disconnected")
        self.assertTrue(r.summary["unplugged"])
        r = self.cli("f405", "info", emu=["--fault", "unplug=10"])
        self.assert_fails(r, EX_UNAVAILABLE, "went away")

    def test_bitflip(self):
        for emu in ((), ("--checksum",)):
            with self.subTest(emu=emu):
                if os.path.exists(self.path("flash-f405.bin")):
                    os.unlink(self.path("flash-f405.bin"))
                r = self.cli("f405", "flash", "--no-run", self.fw(),
                             emu=["--fault", "bitflip=0x08000105", *emu])
                self.assert_fails(r, EX_IOERR, "Verification failed", "0x08000105")

    def test_rdp(self):
        r = self.cli("f405", "flash", self.fw(), emu=["--fault", "rdp"])
        self.assert_fails(r, EX_NOPERM, "read protection is active", "boot0-cli unprotect read")
        self.assertEqual(r.summary["bytes_programmed"], 0)
        self.assertEqual(r.summary["mass_erases"], 0)
        r = self.cli("f405", "read", self.path("out.bin"), emu=["--fault", "rdp"])
        self.assert_fails(r, EX_NOPERM, "read protection is active")
        self.assertFalse(os.path.exists(self.path("out.bin")))
        r = self.cli("f405", "info", "--json", emu=["--fault", "rdp"])
        self.assert_ok(r)
        self.assertEqual(json.loads(r.stdout)["protection"], "read-protected")
        # Removing it erases the chip; the next program then works.
        fw = self.fw()
        r = self.emulate("f405", emu=["--fault", "rdp"], shell=(
            '$CLI unprotect read --uart "$BOOT0_UART_PORT" --parity none && '
            f'$CLI flash --no-run --uart "$BOOT0_UART_PORT" --parity none {fw}'))
        self.assert_ok(r)
        self.assertIn("Read-out protection removed", r.stdout)
        self.assertFalse(r.summary["rdp"])
        self.assertEqual(r.summary["mass_erases"], 1)
        self.assertEqual(r.summary["bytes_programmed"], 4096)


class TestProtection(UartCliTest):
    def test_write_protection(self):
        r = self.emulate("f103", shell=(
            'P="--uart $BOOT0_UART_PORT --parity none"; '
            '$CLI protect write 0-1 $P && $CLI unprotect write $P'))
        self.assert_ok(r)
        self.assertIn(0x63, r.summary["commands"])
        self.assertIn(0x73, r.summary["commands"])
        self.assertEqual(r.summary["wrp"], 0)
        r = self.cli("f103", "protect", "write", "0-1")
        self.assert_ok(r)
        self.assertNotEqual(r.summary["wrp"], 0)

    def test_readout_protection(self):
        r = self.emulate("f405", shell=(
            'P="--uart $BOOT0_UART_PORT --parity none"; '
            '$CLI protect read $P && $CLI info --json $P'))
        self.assert_ok(r)
        self.assertEqual(json.loads(r.stdout.splitlines()[-1])["protection"], "read-protected")
        self.assertTrue(r.summary["rdp"])

    def test_usage(self):
        for args, msg in ((("protect", "write", "--uart", "/dev/null"), "name the sectors"),
                          (("protect", "write", "0-300", "--uart", "/dev/null"), "0 to 255"),
                          (("protect", "bogus"), "read or write"),
                          (("protect", "read"), "UART only"),
                          (("unprotect", "write"), "UART only")):
            with self.subTest(args=args):
                r = subprocess.run([CLI, *args], capture_output=True, text=True, timeout=30)
                self.assert_fails(r, EX_USAGE, msg)


class TestEntry(UartCliTest):
    def test_wiring_presets(self):
        for preset in ("dtr-reset-rts-boot0", "rts-reset-dtr-boot0"):
            with self.subTest(preset=preset):
                fw = self.write("fw.bin", self.data(1024))
                r = self.cli("f405", "flash", "--entry", preset, fw, emu=["--wiring", preset])
                self.assert_ok(r)
                self.assertTrue(r.summary["app_started"])
                self.assertEqual(r.summary["mode"], "application")
                # Reset into the bootloader, then (exit sequence) into the application.
                self.assertGreaterEqual(r.summary["resets"], 2)
                self.assertEqual(r.summary["parity"], "none")
                self.assertNotIn("BOOT0 jumper", r.stderr)
                self.assertEqual(self.flash_bytes(FLASH, 1024), open(fw, "rb").read())

    def test_default_framing_is_8e1(self):
        """Without --parity Boot0 asks the port for 8E1 (AN3155) and the given
        baud; the preload sees what was asked even though a pty drops parity."""
        r = self.emulate("f405", "info", "--uart", "@PORT@", "--baud", "57600",
                         emu=["--wiring", "none"])
        self.assert_ok(r)
        self.assertEqual(r.summary["parity"], "even")
        self.assertEqual(r.summary["baud"], 57600)
        self.assertEqual(r.summary["sync_baud"], 57600)

    def test_explicit_sequence(self):
        r = self.cli("f405", "info", "--entry", "-rts&dtr,-dtr&50ms", emu=["--wiring",
                                                                          "dtr-reset-rts-boot0"])
        self.assert_ok(r)
        self.assertIn("dtr=1", r.summary["line_events"])

    def test_wrong_wiring(self):
        """The mirror sequence holds BOOT0 low: the chip runs its
        application and nothing answers."""
        r = self.cli("f405", "info", "--entry", "rts-reset-dtr-boot0",
                     emu=["--wiring", "dtr-reset-rts-boot0"])
        self.assert_fails(r, EX_TEMPFAIL, "no STM32 bootloader answers", "--entry")
        r = self.cli("f405", "info", emu=["--wiring", "dtr-reset-rts-boot0"])
        self.assert_fails(r, EX_TEMPFAIL, "bootloader mode")

    def test_no_lines_on_pty(self):
        """Without the lines preload a pty has no DTR: a clear message."""
        r = self.cli("f405", "info", "--entry", "dtr-reset")
        self.assert_fails(r, EX_UNAVAILABLE, "no DTR line", "--entry none")


class TestUsage(UartCliTest):
    def run_cli(self, *args):
        return subprocess.run([CLI, *args], capture_output=True, text=True, timeout=30)

    def test_errors(self):
        fw = self.write("fw.bin", b"\0" * 16)
        self.assert_fails(self.run_cli("info", "--baud", "9600"), EX_USAGE, "add --uart")
        self.assert_fails(self.run_cli("info", "--entry", "dtr"), EX_USAGE, "add --uart")
        self.assert_fails(self.run_cli("info", "--uart", "/dev/null", "--entry", "dtr,bogus"),
                          EX_USAGE, "unknown step 'bogus'")
        self.assert_fails(self.run_cli("info", "--uart", "/dev/null", "--entry", "4,-5"),
                          EX_USAGE, "GPIO number")
        self.assert_fails(self.run_cli("info", "--uart", "/dev/null", "--parity", "mark"),
                          EX_USAGE, "even, none or odd")
        self.assert_fails(self.run_cli("info", "--uart", "/dev/null", "--baud", "50"),
                          EX_USAGE, "out of range")
        self.assert_fails(self.run_cli("info", "--uart", "/dev/null", "--serial", "X"),
                          EX_USAGE, "--uart")
        self.assert_fails(self.run_cli("flash", fw, "--uart", "/dev/ttyBOOT0-none"),
                          EX_UNAVAILABLE, "does not exist", "boot0-cli ports")
        self.assert_fails(self.run_cli("info", "--uart", "/dev/null"), EX_USAGE,
                          "not a serial port")

    def test_help_and_ports(self):
        r = self.run_cli("--help")
        self.assertEqual(r.returncode, EX_OK)
        for word in ("ports", "protect", "unprotect", "--uart"):
            self.assertIn(word, r.stdout)
        for cmd in ("info", "flash", "verify", "erase", "read", "run", "protect", "unprotect"):
            with self.subTest(cmd=cmd):
                r = self.run_cli(cmd, "--help")
                self.assertEqual(r.returncode, EX_OK, r.stderr)
                for word in ("--uart", "--baud", "--parity", "--entry", "dtr-reset-rts-boot0"):
                    self.assertIn(word, r.stdout)
        r = self.run_cli("ports", "--json")
        self.assertEqual(r.returncode, EX_OK, r.stderr)
        for port in json.loads(r.stdout):
            self.assertIn("name", port)
            self.assertIn("description", port)
        r = self.run_cli("ports")
        self.assertEqual(r.returncode, EX_OK, r.stderr)


def main():
    global CLI
    if len(sys.argv) < 2:
        print("usage: test-cli-uart.py PATH/TO/boot0-cli [unittest args]", file=sys.stderr)
        return 2
    CLI = os.path.abspath(sys.argv.pop(1))
    if not EMULATOR or not os.access(EMULATOR, os.X_OK):
        print(f"BOOT0_UART_EMULATOR is not set or not executable ({EMULATOR!r})", file=sys.stderr)
        return 1
    unittest.main(verbosity=2)


if __name__ == "__main__":
    sys.exit(main())
