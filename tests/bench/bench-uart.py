#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""UART flashing benchmark on the emulated AN3155 bootloader, bytes paced at the baud rate.

For each profile it writes a 64 KiB image at 115200 baud (over flash holding an
older firmware) with boot0-cli and with Debian's stm32flash, and prints

    ratio = time / (line-rate minimum + emulated program time)

where the line-rate minimum is the bytes on the wire (both directions, from the
emulator's --summary) / (baud / 11) and the emulated program time is the
modelled erase + program (+ Get Checksum) time. 1.000 would be a host with no
gap between bytes and no turnaround; the issue's target for Boot0 is <= 1.1.
`time` is the emulator's wall time from starting the command to its exit.

Boot0 runs its whole job (erase, program, verify, run); stm32flash runs
-w -v -g 0x08000000 (the same work). Both go through a pty, so the link is
8N1 on the host side (stm32flash -m 8n1, boot0-cli --parity none) while the
emulator paces 11 bits a byte, as on the 8E1 line of a real bootloader.

Usage: tests/bench/bench-uart.py [--build DIR] [--profiles f405,f103] [--size BYTES]
       [--baud N] [--checksum]
Build DIR defaults to build-bench (configured with --buildtype=release if missing).
"""

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile

FLASH_SIZE = {"f103": 128 * 1024, "f405": 1024 * 1024}


def run(emulator, profile, flash, summary, command, extra):
    argv = [emulator, "--profile", profile, "--flash", flash, "--summary", summary, *extra,
            "--", *command]
    r = subprocess.run(argv, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"{' '.join(command)} failed ({r.returncode}):\n{r.stdout[-2000:]}\n{r.stderr[-2000:]}")
    with open(summary) as f:
        return json.load(f)


def figures(s, baud):
    wire = s["bytes_in"] + s["bytes_out"]
    line_ms = wire / (baud / 11) * 1000
    device_ms = s["erase_ms"] + s["program_ms"] + s["compute_ms"]
    return {
        "wall_ms": s["wall_ms"],
        "wire": wire,
        "line_ms": line_ms,
        "device_ms": device_ms,
        "ratio": s["wall_ms"] / (line_ms + device_ms),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", default="build-bench")
    parser.add_argument("--profiles", default="f405,f103")
    parser.add_argument("--size", type=int, default=64 * 1024)
    parser.add_argument("--baud", type=int, default=115200)
    parser.add_argument("--checksum", action="store_true",
                        help="the emulated bootloader offers Get Checksum (Boot0 verifies by CRC)")
    args = parser.parse_args()

    top = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    build = args.build if os.path.isabs(args.build) else os.path.join(top, args.build)
    if not os.path.exists(os.path.join(build, "build.ninja")):
        subprocess.run(["meson", "setup", build, "--buildtype=release", "-Dgui=disabled"], cwd=top,
                       check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["meson", "compile", "-C", build, "boot0-cli", "boot0-uart-emulator"],
                   check=True, stdout=subprocess.DEVNULL)
    cli = os.path.join(build, "src", "cli", "boot0-cli")
    emulator = os.path.join(build, "tests", "emulator", "boot0-uart-emulator")
    stm32flash = shutil.which("stm32flash")
    if stm32flash is None:
        sys.exit("stm32flash is needed: apt-get install stm32flash")

    rng = random.Random(42)
    extra = ["--checksum"] if args.checksum else []
    tmp = tempfile.mkdtemp(prefix="boot0-bench-uart-")
    results = []
    try:
        for profile in args.profiles.split(","):
            image = bytearray(rng.randbytes(args.size))
            image[0] = 0x20  # not ':' (stm32flash's hex detection)
            old = rng.randbytes(FLASH_SIZE[profile])
            img = os.path.join(tmp, "fw.bin")
            with open(img, "wb") as f:
                f.write(image)
            flash = os.path.join(tmp, f"{profile}.bin")
            summary = os.path.join(tmp, "summary.json")
            tools = {
                "boot0-cli": [cli, "flash", "--uart", "@PORT@", "--baud", str(args.baud),
                              "--parity", "none", img],
                "stm32flash": [stm32flash, "-m", "8n1", "-b", str(args.baud), "-w", img, "-v",
                               "-g", "0x08000000", "@PORT@"],
            }
            print(f"{profile}: {args.size // 1024} KiB at {args.baud} baud, pacing on"
                  + (", Get Checksum offered" if args.checksum else ""))
            for name, command in tools.items():
                with open(flash, "wb") as f:
                    f.write(old)
                s = run(emulator, profile, flash, summary, command, extra)
                with open(flash, "rb") as f:
                    assert f.read()[:args.size] == bytes(image), f"{name} wrote wrong data"
                fig = figures(s, args.baud)
                results.append((profile, name, fig))
                print(f"  {name:10s} {fig['wall_ms'] / 1000:7.2f} s  "
                      f"wire {fig['wire']} B = {fig['line_ms'] / 1000:.2f} s, "
                      f"erase+program {fig['device_ms'] / 1000:.2f} s  "
                      f"-> ratio {fig['ratio']:.3f}")
                sys.stdout.flush()
    finally:
        shutil.rmtree(tmp)

    print()
    print("time / (line-rate minimum + emulated program time), target for Boot0 <= 1.1:")
    for profile, name, fig in results:
        print(f"  {profile} {name:10s} {fig['ratio']:.3f}")


if __name__ == "__main__":
    main()
