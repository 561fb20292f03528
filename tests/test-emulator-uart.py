#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""boot0-uart-emulator through its pseudo-terminal, with a small AN3155 client in
Python (termios, no pyserial): synchronisation, every command, every fault,
pacing at the baud rate, the baud rate seen, the summary, exit statuses, and
line events through the lines preload (--wiring).

Run by meson with BOOT0_UART_EMULATOR set. Run with --lines-client it is the
client the emulator starts under its lines preload (see LinesTest).
"""

import errno
import fcntl
import json
import os
import random
import select
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import time
import unittest

ACK, NACK = 0x79, 0x1F
FLASH = 0x08000000
F103_CMDS = [0x00, 0x01, 0x02, 0x11, 0x21, 0x31, 0x43, 0x63, 0x73, 0x82, 0x92]
F405_CMDS = [0x00, 0x01, 0x02, 0x11, 0x21, 0x31, 0x44, 0x63, 0x73, 0x82, 0x92]
FLASH_SIZE = {"f103": 128 * 1024, "f405": 1024 * 1024}


def emulator_path():
    path = os.environ.get("BOOT0_UART_EMULATOR")
    if not path or not os.access(path, os.X_OK):
        raise AssertionError(f"BOOT0_UART_EMULATOR is not set or not executable ({path!r}): "
                             "run through `meson test`")
    return path


def stm32_crc(data, crc=0xFFFFFFFF):
    """The STM32 CRC unit: poly 0x04C11DB7, 32-bit little-endian words MSB first."""
    for i in range(0, len(data), 4):
        crc ^= int.from_bytes(data[i:i + 4], "little")
        for _ in range(32):
            crc = ((crc << 1) ^ 0x04C11DB7) & 0xFFFFFFFF if crc & 0x80000000 else (crc << 1) & 0xFFFFFFFF
    return crc


def xor(data):
    x = 0
    for b in data:
        x ^= b
    return x


class Port:
    """A raw serial port on the pty, with the AN3155 host side."""

    def __init__(self, path, baud=115200, parity=False):
        self.fd = os.open(path, os.O_RDWR | os.O_NOCTTY)
        self.setup(baud, parity)

    def setup(self, baud, parity=False):
        a = termios.tcgetattr(self.fd)
        a[0] = a[1] = a[3] = 0
        a[2] = termios.CS8 | termios.CREAD | termios.CLOCAL | (termios.PARENB if parity else 0)
        a[4] = a[5] = getattr(termios, f"B{baud}")
        a[6][termios.VMIN] = 0
        a[6][termios.VTIME] = 0
        termios.tcsetattr(self.fd, termios.TCSANOW, a)

    def close(self):
        os.close(self.fd)

    def write(self, data):
        os.write(self.fd, bytes(data))

    def read(self, n, timeout=2.0):
        out = b""
        deadline = time.monotonic() + timeout
        while len(out) < n:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            r, _, _ = select.select([self.fd], [], [], left)
            if r:
                chunk = os.read(self.fd, n - len(out))
                if not chunk:
                    raise OSError(errno.EIO, "port gone")
                out += chunk
        return out

    def byte(self, timeout=2.0):
        b = self.read(1, timeout)
        return b[0] if b else None

    def silent(self, timeout=0.2):
        return self.read(1, timeout) == b""

    # AN3155 host side
    def sync(self):
        self.write([0x7F])
        return self.byte()

    def cmd(self, op):
        self.write([op, op ^ 0xFF])
        return self.byte()

    def addr(self, a):
        b = a.to_bytes(4, "big")
        self.write(b + bytes([xor(b)]))
        return self.byte()

    def get(self):
        assert self.cmd(0x00) == ACK
        n = self.read(1)[0]
        rest = self.read(n + 2)
        assert rest[-1] == ACK, rest
        return rest[0], list(rest[1:-1])

    def version(self):
        assert self.cmd(0x01) == ACK
        r = self.read(4)
        assert r[3] == ACK
        return r[0], r[1], r[2]

    def device_id(self):
        assert self.cmd(0x02) == ACK
        r = self.read(4)
        assert r[0] == 1 and r[3] == ACK, r
        return r[1] << 8 | r[2]

    def read_mem(self, a, n, timeout=2.0):
        if self.cmd(0x11) != ACK or self.addr(a) != ACK:
            return None
        self.write([n - 1, (n - 1) ^ 0xFF])
        if self.byte() != ACK:
            return None
        return self.read(n, timeout)

    def write_mem(self, a, data, timeout=2.0):
        r = self.cmd(0x31)
        if r != ACK:
            return r
        r = self.addr(a)
        if r != ACK:
            return r
        frame = bytes([len(data) - 1]) + bytes(data)
        self.write(frame + bytes([xor(frame)]))
        return self.byte(timeout)

    def erase43(self, pages):
        r = self.cmd(0x43)
        if r != ACK:
            return r
        frame = bytes([len(pages) - 1] + list(pages))
        self.write(frame + bytes([xor(frame)]))
        return self.byte(5)

    def erase44(self, pages, timeout=5):
        r = self.cmd(0x44)
        if r != ACK:
            return r
        frame = (len(pages) - 1).to_bytes(2, "big") + b"".join(p.to_bytes(2, "big") for p in pages)
        self.write(frame + bytes([xor(frame)]))
        return self.byte(timeout)

    def special44(self, code, timeout=20):
        r = self.cmd(0x44)
        if r != ACK:
            return r
        b = code.to_bytes(2, "big")
        self.write(b + bytes([xor(b)]))
        return self.byte(timeout)

    def go(self, a):
        r = self.cmd(0x21)
        return r if r != ACK else self.addr(a)

    def checksum(self, a, n):
        if self.cmd(0xA1) != ACK or self.addr(a) != ACK or self.addr(n) != ACK:
            return None
        assert self.byte() == ACK
        r = self.read(5)
        assert r[4] == xor(r[:4])
        return int.from_bytes(r[:4], "big")


class Emulator:
    """boot0-uart-emulator standalone: parses the environment it prints."""

    count = 0

    def __init__(self, tmp, *args, timing=False, flash=True):
        Emulator.count += 1
        self.summary_path = os.path.join(tmp, f"summary{Emulator.count}.json")
        self.flash = os.path.join(tmp, f"flash{Emulator.count}.bin")
        cmd = [emulator_path(), "--summary", self.summary_path, *args]
        if flash:
            cmd += ["--flash", self.flash]
        if not timing:
            cmd.append("--no-timing")
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.env = {}
        while True:
            line = self.proc.stdout.readline()
            if line == "\n":
                break
            if "=" not in line:
                self.proc.kill()
                raise AssertionError(f"emulator did not start: {line!r} {self.proc.stderr.read()}")
            key, value = line.strip().split("=", 1)
            self.env[key] = value
        self.port_path = self.env["BOOT0_UART_PORT"]
        self.ports = []

    def port(self, baud=115200, parity=False):
        p = Port(self.port_path, baud, parity)
        self.ports.append(p)
        return p

    def stop(self):
        for p in self.ports:
            try:
                p.close()
            except OSError:
                pass
        self.proc.send_signal(signal.SIGTERM)
        _, err = self.proc.communicate(timeout=30)
        assert self.proc.returncode == 0, (self.proc.returncode, err)
        with open(self.summary_path) as f:
            return json.load(f)

    def flash_bytes(self):
        with open(self.flash, "rb") as f:
            return f.read()


class UartTestCase(unittest.TestCase):
    def setUp(self):
        self.tmpdir = tempfile.TemporaryDirectory(prefix="boot0-uart-")
        self.tmp = self.tmpdir.name
        self.rng = random.Random(self.id())
        self.emus = []

    def tearDown(self):
        for emu in self.emus:
            if emu.proc.poll() is None:
                emu.proc.kill()
                emu.proc.communicate()
        self.tmpdir.cleanup()

    def emulator(self, *args, **kw):
        emu = Emulator(self.tmp, *args, **kw)
        self.emus.append(emu)
        return emu

    def data(self, n):
        return self.rng.randbytes(n)


class ProtocolTest(UartTestCase):
    def test_identity(self):
        for profile, ident, version, cmds in (("f103", 0x410, 0x22, F103_CMDS),
                                              ("f405", 0x413, 0x31, F405_CMDS)):
            for checksum in (False, True):
                with self.subTest(profile=profile, checksum=checksum):
                    emu = self.emulator("--profile", profile, *(["--checksum"] if checksum else []))
                    p = emu.port()
                    self.assertEqual(p.sync(), ACK)
                    self.assertEqual(p.get(), (version, cmds + ([0xA1] if checksum else [])))
                    self.assertEqual(p.version(), (version, 0, 0))
                    self.assertEqual(p.device_id(), ident)
                    s = emu.stop()
                    self.assertEqual(s["profile"], profile)
                    self.assertEqual(s["commands"], [0x00, 0x01, 0x02])
                    self.assertEqual(s["syncs"], 1)

    def test_sync_resync(self):
        emu = self.emulator()
        p = emu.port()
        p.write([0x55, 0x00])  # noise before the sync is ignored
        self.assertTrue(p.silent())
        self.assertEqual(p.sync(), ACK)
        # already synchronised: 0x7F is an opcode, the second one gets a NACK
        p.write([0x7F])
        self.assertTrue(p.silent())
        p.write([0x7F])
        self.assertEqual(p.byte(), NACK)
        self.assertEqual(p.device_id(), 0x413)
        # a client that closes and comes back finds it synchronised
        p.close()
        emu.ports.remove(p)
        p = emu.port()
        p.write([0x7F])
        self.assertTrue(p.silent())
        p.write([0x7F])
        self.assertEqual(p.byte(), NACK)
        s = emu.stop()
        self.assertEqual(s["dropped"], 2)

    def test_registers(self):
        emu = self.emulator("--profile", "f103")
        p = emu.port()
        p.sync()
        self.assertEqual(int.from_bytes(p.read_mem(0x1FFFF7E0, 2), "little"), 128)
        self.assertEqual(p.read_mem(0x1FFFF800, 2), b"\xA5\x5A")
        self.assertEqual(len(p.read_mem(0x1FFFF000, 256)), 256)
        self.assertIsNone(p.read_mem(0x40000000, 4))
        emu.stop()
        emu = self.emulator("--profile", "f405")
        p = emu.port()
        p.sync()
        self.assertEqual(int.from_bytes(p.read_mem(0x1FFF7A22, 2), "little"), 1024)
        self.assertEqual(len(p.read_mem(0x1FFF7A10, 12)), 12)
        self.assertEqual(p.read_mem(0x1FFFC000, 2), b"\xEC\xAA")
        self.assertEqual(p.read_mem(0x1FFF7800, 16), b"\xFF" * 16)  # OTP, blank
        emu.stop()

    def test_write_read_erase_f103(self):
        emu = self.emulator("--profile", "f103")
        p = emu.port()
        p.sync()
        blocks = [self.data(256) for _ in range(8)]
        for i, b in enumerate(blocks):
            self.assertEqual(p.write_mem(FLASH + 256 * i, b), ACK)
        for i, b in enumerate(blocks):
            self.assertEqual(p.read_mem(FLASH + 256 * i, 256), b)
        # NOR: a half-word that is not erased is refused (PGERR), but 0x0000 goes anywhere
        self.assertEqual(p.write_mem(FLASH, b"\x55" * 4), NACK)
        self.assertEqual(p.read_mem(FLASH, 4), blocks[0][:4])
        self.assertEqual(p.write_mem(FLASH + 0x200, b"\x00" * 4), ACK)
        self.assertEqual(p.read_mem(FLASH + 0x200, 4), b"\x00" * 4)
        # alignment, length, checksum, ROM
        self.assertEqual(p.write_mem(FLASH + 0x1002, b"\x00" * 4), NACK)
        self.assertEqual(p.write_mem(FLASH + 0x1000, b"\x00" * 6), NACK)
        self.assertEqual(p.write_mem(0x1FFFF000, b"\x00" * 4), NACK)
        self.assertEqual(p.cmd(0x31), ACK)
        self.assertEqual(p.addr(FLASH + 0x1000), ACK)
        p.write([3, 1, 2, 3, 4, 0x55])
        self.assertEqual(p.byte(), NACK)
        # page 1 erased, 0 kept; Extended Erase is not there
        self.assertEqual(p.erase43([1]), ACK)
        self.assertEqual(p.read_mem(FLASH + 0x400, 16), b"\xFF" * 16)
        self.assertEqual(p.read_mem(FLASH, 16), blocks[0][:16])
        self.assertEqual(p.cmd(0x44), NACK)
        self.assertEqual(p.erase43([128]), NACK)
        # global erase: 0xFF 0x00
        self.assertEqual(p.cmd(0x43), ACK)
        p.write([0xFF, 0x00])
        self.assertEqual(p.byte(), ACK)
        s = emu.stop()
        self.assertEqual(emu.flash_bytes(), b"\xFF" * FLASH_SIZE["f103"])
        self.assertEqual(s["erase_opcode_used"], 0x43)
        self.assertEqual(s["sectors_erased"], 1)
        self.assertEqual(s["mass_erases"], 1)
        self.assertEqual(s["bytes_programmed"], 8 * 256 + 4)

    def test_write_read_erase_f405(self):
        emu = self.emulator("--profile", "f405", "--checksum")
        p = emu.port()
        p.sync()
        data = self.data(0x4000 + 512)
        for off in range(0, len(data), 256):
            self.assertEqual(p.write_mem(FLASH + off, data[off:off + 256]), ACK)
        self.assertEqual(p.checksum(FLASH, len(data)), stm32_crc(data))
        self.assertIsNone(p.checksum(FLASH, 6))
        # F4 NOR: the bits are ANDed in, the read-back fails
        self.assertEqual(p.write_mem(FLASH, b"\x0F" * 4), NACK)
        self.assertEqual(p.read_mem(FLASH, 4), bytes(b & 0x0F for b in data[:4]))
        # sector 0 (16 KiB) erased, sector 1 kept
        self.assertEqual(p.erase44([0]), ACK)
        self.assertEqual(p.read_mem(FLASH, 16), b"\xFF" * 16)
        self.assertEqual(p.read_mem(FLASH + 0x4000, 256), data[0x4000:0x4100])
        self.assertEqual(p.erase44([12]), NACK)
        self.assertEqual(p.special44(0xFFFE), NACK)
        self.assertEqual(p.cmd(0x43), NACK)
        # RAM: not the bootloader's part
        self.assertEqual(p.write_mem(0x20002000, b"\x01\x02\x03\x04"), ACK)
        self.assertEqual(p.read_mem(0x20002000, 4), b"\x01\x02\x03\x04")
        self.assertEqual(p.write_mem(0x20000000, b"\x01\x02\x03\x04"), NACK)
        s = emu.stop()
        flash = emu.flash_bytes()
        self.assertEqual(len(flash), FLASH_SIZE["f405"])
        self.assertEqual(flash[:0x4000], b"\xFF" * 0x4000)
        self.assertEqual(flash[0x4000:len(data)], data[0x4000:])
        self.assertEqual(s["erase_opcode_used"], 0x44)
        self.assertIn(0xA1, s["commands"])

    def test_go(self):
        emu = self.emulator("--profile", "f405")
        p = emu.port()
        p.sync()
        self.assertEqual(p.go(0x1FFF0000), NACK)
        self.assertEqual(p.go(FLASH), ACK)
        # the application runs: the bootloader answers nothing any more
        p.write([0x7F])
        self.assertTrue(p.silent())
        self.assertEqual(p.cmd(0x02), None)
        s = emu.stop()
        self.assertTrue(s["app_started"])
        self.assertEqual(s["app_address"], FLASH)
        self.assertEqual(s["mode"], "application")

    def test_protection(self):
        emu = self.emulator("--profile", "f103")
        p = emu.port()
        p.sync()
        self.assertEqual(p.write_mem(FLASH, b"\x11" * 16), ACK)
        # Readout Protect: ACK, ACK, reset -> synchronise again
        self.assertEqual(p.cmd(0x82), ACK)
        self.assertEqual(p.byte(), ACK)
        time.sleep(0.05)
        self.assertEqual(p.sync(), ACK)
        for op in (0x11, 0x31, 0x21, 0x43):
            self.assertEqual(p.cmd(op), NACK, hex(op))
        self.assertEqual(p.version()[0], 0x22)
        self.assertEqual(p.device_id(), 0x410)
        # Readout Unprotect: ACK, mass erase, ACK, reset
        self.assertEqual(p.cmd(0x92), ACK)
        self.assertEqual(p.byte(), ACK)
        time.sleep(0.05)
        self.assertEqual(p.sync(), ACK)
        self.assertEqual(p.read_mem(FLASH, 16), b"\xFF" * 16)
        # Write Protect the first 4 pages, Write Unprotect
        self.assertEqual(p.cmd(0x63), ACK)
        p.write([0, 0, 0])
        self.assertEqual(p.byte(), ACK)
        time.sleep(0.05)
        self.assertEqual(p.sync(), ACK)
        self.assertEqual(p.read_mem(0x1FFFF808, 2), b"\xFE\x01")
        self.assertEqual(p.write_mem(FLASH + 0xC00, b"\x22" * 4), NACK)
        self.assertEqual(p.write_mem(FLASH + 0x1000, b"\x22" * 4), ACK)
        self.assertEqual(p.cmd(0x73), ACK)
        self.assertEqual(p.byte(), ACK)
        time.sleep(0.05)
        self.assertEqual(p.sync(), ACK)
        self.assertEqual(p.write_mem(FLASH + 0xC00, b"\x22" * 4), ACK)
        s = emu.stop()
        self.assertEqual(s["resets"], 4)
        self.assertFalse(s["rdp"])
        self.assertEqual(s["wrp"], 0)


class FaultTest(UartTestCase):
    def test_nack_silence_garbage(self):
        emu = self.emulator("--fault", "nack=11:2", "--fault", "silence=0x02",
                            "--fault", "garbage=01", "--fault", "garbage=7f")
        p = emu.port()
        p.write([0x7F])
        self.assertEqual(p.read(2), bytes([0xF0, ACK]))
        self.assertIsNotNone(p.read_mem(FLASH, 4))
        self.assertEqual(p.cmd(0x11), NACK)
        self.assertIsNotNone(p.read_mem(FLASH, 4))
        self.assertEqual(p.cmd(0x02), None)
        self.assertEqual(p.device_id(), 0x413)
        p.write([0x01, 0xFE])
        self.assertEqual(p.read(6), bytes([0xF0, ACK, 0x31, 0, 0, ACK]))
        s = emu.stop()
        self.assertEqual(len([e for e in s["events"] if "fault" in e]), 4, s["events"])

    def test_sync_faults(self):
        emu = self.emulator("--fault", "silence=7f", "--fault", "nack=7f:2")
        p = emu.port()
        self.assertIsNone(p.sync())
        self.assertEqual(p.sync(), NACK)  # as if it had been synchronised before
        self.assertEqual(p.device_id(), 0x413)
        emu.stop()

    def test_rdp(self):
        emu = self.emulator("--profile", "f405", "--fault", "rdp")
        p = emu.port()
        p.sync()
        self.assertIsNone(p.read_mem(FLASH, 4))
        self.assertEqual(p.cmd(0x31), NACK)
        self.assertEqual(p.cmd(0x44), NACK)
        self.assertEqual(p.cmd(0x21), NACK)
        self.assertEqual(p.get()[0], 0x31)
        self.assertEqual(p.cmd(0x92), ACK)
        self.assertEqual(p.byte(timeout=20), ACK)
        s = emu.stop()
        self.assertFalse(s["rdp"])
        self.assertEqual(s["mass_erases"], 1)

    def test_bitflip(self):
        emu = self.emulator("--fault", "bitflip=0x08000105")
        p = emu.port()
        p.sync()
        data = bytes(256)
        self.assertEqual(p.write_mem(FLASH + 0x100, data), ACK)  # the write itself "succeeds"
        back = p.read_mem(FLASH + 0x100, 256)
        self.assertEqual(back[5], 0x01)
        self.assertEqual(back[:5] + back[6:], data[:5] + data[6:])
        emu.stop()

    def test_unplug(self):
        emu = self.emulator("--fault", "unplug=20")
        p = emu.port()
        p.sync()
        self.assertEqual(p.device_id(), 0x413)
        with self.assertRaises(OSError) as cm:
            for _ in range(20):
                p.read_mem(FLASH, 16)
        self.assertEqual(cm.exception.errno, errno.EIO)
        s = emu.stop()
        self.assertTrue(s["unplugged"])
        self.assertEqual(s["bytes_in"], 20)

    def test_bad_faults(self):
        for spec in ("nack=100", "silence=11:0", "unplug=0", "frobnicate", "bitflip=x"):
            r = subprocess.run([emulator_path(), "--fault", spec, "--", "true"],
                               capture_output=True, text=True)
            self.assertEqual(r.returncode, 64, spec)


class TimingTest(UartTestCase):
    def byte_s(self, baud, bits=11):
        return bits / baud

    def test_pacing(self):
        for baud in (115200, 57600):
            with self.subTest(baud=baud):
                emu = self.emulator("--profile", "f405", timing=True)
                p = emu.port(baud)
                t0 = time.monotonic()
                p.sync()
                version, cmds = p.get()
                t_get = time.monotonic() - t0
                t0 = time.monotonic()
                data = p.read_mem(FLASH, 256)
                t_read = time.monotonic() - t0
                self.assertEqual(len(data), 256)
                s = emu.stop()
                # sync 1+1, Get 2+15; Read 2+1, 5+1, 2+1+256
                min_get = 19 * self.byte_s(baud)
                min_read = 268 * self.byte_s(baud)
                print(f"{baud} baud: sync+Get {t_get * 1e3:.2f} ms (line minimum {min_get * 1e3:.2f}), "
                      f"256-byte read {t_read * 1e3:.2f} ms (minimum {min_read * 1e3:.2f})")
                self.assertGreaterEqual(t_get, min_get * 0.99)
                self.assertGreaterEqual(t_read, min_read * 0.99)
                self.assertLess(t_read, min_read * 1.5 + 0.02)
                self.assertEqual(s["baud"], baud)
                self.assertEqual(s["sync_baud"], baud)
                self.assertIsNone(s["parity"])
                self.assertEqual(s["bits_per_byte"], 11)
                self.assertEqual(s["bytes_in"], 1 + 2 + 2 + 5 + 2)
                self.assertEqual(s["bytes_out"], 1 + 15 + 1 + 1 + 1 + 256)
                self.assertAlmostEqual(s["line_ms"], 287 * self.byte_s(baud) * 1e3, delta=0.01)
                self.assertAlmostEqual(s["device_min_ms"], s["line_ms"], delta=0.01)

    def test_device_times(self):
        # F1: 128 half-words x 52.5 us after the 258 bytes; page erase 20 ms
        emu = self.emulator("--profile", "f103", timing=True)
        p = emu.port()
        p.sync()
        p.cmd(0x31)
        p.addr(FLASH)
        frame = bytes([255]) + self.data(256)
        t0 = time.monotonic()
        p.write(frame + bytes([xor(frame)]))
        self.assertEqual(p.byte(), ACK)
        t_write = time.monotonic() - t0
        t0 = time.monotonic()
        self.assertEqual(p.erase43([5]), ACK)
        t_erase = time.monotonic() - t0
        s = emu.stop()
        minimum = 259 * self.byte_s(115200) + 128 * 52.5e-6
        print(f"f103: 256-byte write {t_write * 1e3:.2f} ms (minimum {minimum * 1e3:.2f}), "
              f"page erase {t_erase * 1e3:.2f} ms")
        self.assertGreaterEqual(t_write, minimum * 0.99)
        self.assertLess(t_write, minimum * 1.5 + 0.02)
        self.assertGreaterEqual(t_erase, 0.020)
        self.assertAlmostEqual(s["program_ms"], 128 * 0.0525, delta=0.001)
        self.assertAlmostEqual(s["erase_ms"], 20.0, delta=0.001)
        # F4: a 128 KiB sector takes 1 s, 0.1 s at --time-scale 0.1; the summary stays unscaled
        emu = self.emulator("--profile", "f405", "--time-scale", "0.1", timing=True)
        p = emu.port()
        p.sync()
        t0 = time.monotonic()
        self.assertEqual(p.erase44([11]), ACK)
        t_erase = time.monotonic() - t0
        s = emu.stop()
        print(f"f405: 128 KiB sector erase at time scale 0.1: {t_erase * 1e3:.1f} ms")
        self.assertGreaterEqual(t_erase, 0.100)
        self.assertLess(t_erase, 0.5)
        self.assertAlmostEqual(s["erase_ms"], 1000.0, delta=0.001)

    def test_baud_change(self):
        emu = self.emulator(timing=True)
        p = emu.port(115200)
        p.sync()
        self.assertEqual(p.device_id(), 0x413)
        # the bootloader keeps the rate autobaud measured: bytes at another are garbage
        p.setup(57600)
        self.assertEqual(p.cmd(0x02), NACK)
        s = emu.stop()
        self.assertEqual(s["sync_baud"], 115200)
        self.assertEqual(s["baud"], 57600)
        self.assertGreater(s["baud_mismatches"], 0)

    def test_no_timing_is_fast(self):
        emu = self.emulator("--profile", "f405")
        p = emu.port(9600)
        p.sync()
        t0 = time.monotonic()
        for i in range(16):
            self.assertEqual(len(p.read_mem(FLASH + 256 * i, 256)), 256)
        elapsed = time.monotonic() - t0
        s = emu.stop()
        self.assertLess(elapsed, 4096 * 11 / 9600 / 4)
        self.assertEqual(s["baud"], 9600)
        # the line time is still accounted at the client's baud
        self.assertGreater(s["line_ms"], 4096 * 11 / 9600 * 1e3)


class CommandTest(UartTestCase):
    def run_emu(self, *args, timeout=30):
        return subprocess.run([emulator_path(), *args], capture_output=True, text=True,
                              timeout=timeout)

    def test_port_substitution_and_status(self):
        r = self.run_emu("--no-timing", "--", "sh", "-c",
                         'test "$1" = "$BOOT0_UART_PORT" && test -c "$1" && exit 3', "sh", "@PORT@")
        self.assertEqual(r.returncode, 3, r.stderr)
        self.assertEqual(self.run_emu("--", "/nonexistent/command").returncode, 127)
        self.assertEqual(self.run_emu("--", "sh", "-c", "kill -9 $$").returncode, 128 + 9)
        self.assertEqual(self.run_emu("--profile", "f7").returncode, 64)
        self.assertEqual(self.run_emu("--wiring", "nonsense", "--", "true").returncode, 64)
        self.assertEqual(self.run_emu("--").returncode, 64)
        r = self.run_emu("--list-profiles")
        self.assertEqual(r.returncode, 0)
        self.assertIn("0x410", r.stdout)
        self.assertIn("0x413", r.stdout)

    def test_pty_has_no_modem_lines(self):
        # The fact that makes the lines preload necessary.
        emu = self.emulator()
        p = emu.port()
        with self.assertRaises(OSError) as cm:
            fcntl.ioctl(p.fd, termios.TIOCMGET, struct.pack("i", 0))
        self.assertEqual(cm.exception.errno, errno.ENOTTY)
        s = emu.stop()
        self.assertEqual(s["line_events"], [])
        self.assertIsNone(s["wiring"])

    def test_flash_file_kept(self):
        flash = os.path.join(self.tmp, "keep.bin")
        data = self.data(256)
        with open(os.path.join(self.tmp, "fw.bin"), "wb") as f:
            f.write(data)
        r = self.run_emu("--no-timing", "--profile", "f103", "--flash", flash, "--",
                         sys.executable, __file__, "--write-client", "@PORT@",
                         os.path.join(self.tmp, "fw.bin"))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        with open(flash, "rb") as f:
            self.assertEqual(f.read()[:256], data)
        # a flash file of the wrong size is refused
        r = self.run_emu("--profile", "f405", "--flash", flash, "--", "true")
        self.assertEqual(r.returncode, 70, r.stderr)
        self.assertIn("131072", r.stderr)


class LinesTest(UartTestCase):
    """--wiring: a client under the lines preload drives NRST and BOOT0."""

    def run_client(self, wiring, scenario, *extra):
        summary = os.path.join(self.tmp, "lines.json")
        r = subprocess.run([emulator_path(), "--no-timing", "--wiring", wiring, "--summary", summary,
                            *extra, "--", sys.executable, __file__, "--lines-client", scenario],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        with open(summary) as f:
            return json.load(f)

    def test_dtr_reset_rts_boot0(self):
        s = self.run_client("dtr-reset-rts-boot0", "entry-exit")
        self.assertEqual(s["wiring"], "dtr-reset-rts-boot0")
        self.assertEqual(s["line_events"],
                         ["open", "dtr=1", "rts=1",  # the kernel raises both on open
                          "rts=0", "dtr=0",          # entry: BOOT0 high, release NRST
                          "brk=1", "brk=0",          # tcsendbreak()
                          "dtr=1", "rts=1", "dtr=0",  # exit: BOOT0 low, pulse NRST
                          "close"])                  # no HUPCL: the lines stay
        self.assertEqual(s["resets"], 2)  # held from the open, then the exit
        self.assertEqual(s["mode"], "application")
        self.assertEqual(s["parity"], "even")
        self.assertEqual(s["bits_per_byte"], 11)

    def test_rts_reset_dtr_boot0(self):
        s = self.run_client("rts-reset-dtr-boot0", "swapped")
        self.assertEqual(s["resets"], 2)
        self.assertEqual(s["parity"], "none")
        self.assertEqual(s["bits_per_byte"], 10)

    def test_explicit_wiring_with_inverter(self):
        # reset through an inverter: an asserted DTR lets the chip run
        s = self.run_client("reset=!dtr,boot0=rts", "inverted")
        self.assertGreaterEqual(s["resets"], 1)

    def test_none(self):
        s = self.run_client("none", "none")
        self.assertEqual(s["resets"], 0)
        self.assertEqual(s["line_events"][:3], ["open", "dtr=1", "rts=1"])


# ---- clients run under the emulator ----

def lines_client(scenario):
    port = os.environ["BOOT0_UART_PORT"]
    assert os.environ.get("BOOT0_UART_LINES"), "not under the lines preload"
    assert "verify_asan_link_order=0" in os.environ.get("ASAN_OPTIONS", "")

    def bits(p):
        return struct.unpack("i", fcntl.ioctl(p.fd, termios.TIOCMGET, struct.pack("i", 0)))[0]

    def bis(p, b):
        fcntl.ioctl(p.fd, termios.TIOCMBIS, struct.pack("i", b))

    def bic(p, b):
        fcntl.ioctl(p.fd, termios.TIOCMBIC, struct.pack("i", b))

    DTR, RTS = termios.TIOCM_DTR, termios.TIOCM_RTS
    if scenario == "entry-exit":
        p = Port(port, 115200, parity=True)
        assert bits(p) & (DTR | RTS) == DTR | RTS, bits(p)
        # DTR (NRST) asserted since open: the chip is held in reset
        assert p.sync() is None
        bic(p, RTS)          # BOOT0 high
        bis(p, DTR)          # NRST low (already)
        time.sleep(0.01)
        bic(p, DTR)          # release: the bootloader starts
        time.sleep(0.01)
        assert p.sync() == ACK
        assert p.device_id() == 0x413
        termios.tcsendbreak(p.fd, 0)
        bis(p, RTS | DTR)    # BOOT0 low, NRST low
        time.sleep(0.01)
        bic(p, DTR)          # the application starts
        time.sleep(0.01)
        assert p.sync() is None
        assert bits(p) & (DTR | RTS) == RTS
        p.close()
    elif scenario == "swapped":
        p = Port(port, 57600)
        bic(p, DTR)          # BOOT0 high (RTS = NRST stays asserted)
        time.sleep(0.01)
        bic(p, RTS)
        time.sleep(0.01)
        assert p.sync() == ACK
        bis(p, DTR | RTS)
        bic(p, RTS)
        time.sleep(0.01)
        assert p.sync() is None
        p.close()
    elif scenario == "inverted":
        p = Port(port)
        # open asserted DTR: through the inverter NRST is high; RTS asserted: BOOT0 low
        assert p.sync() is None  # the application (it was running from the start)
        bic(p, DTR)              # NRST low
        bic(p, RTS)              # BOOT0 high
        time.sleep(0.01)
        bis(p, DTR)
        time.sleep(0.01)
        assert p.sync() == ACK
        p.close()
    elif scenario == "none":
        p = Port(port)
        bic(p, DTR | RTS)
        assert p.sync() == ACK
        p.close()
    else:
        raise SystemExit(f"unknown scenario {scenario}")


def write_client(port, image):
    p = Port(port)
    with open(image, "rb") as f:
        data = f.read()
    assert p.sync() == ACK
    assert p.write_mem(FLASH, data) == ACK
    p.close()


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--lines-client":
        lines_client(sys.argv[2])
        sys.exit(0)
    if len(sys.argv) == 4 and sys.argv[1] == "--write-client":
        write_client(sys.argv[2], sys.argv[3])
        sys.exit(0)
    unittest.main(verbosity=2)
