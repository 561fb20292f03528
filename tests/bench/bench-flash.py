#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Flashing benchmark on the emulated bootloaders with real device timings.

For each profile it flashes a 1 MiB image (the whole application area on
smaller parts) over flash that holds an older firmware, and prints, from one
run each on the same emulated device:

  - the emulator's device-bound minimum for Boot0's job (erase of the
    touched sectors + programming + USB transfer time of what was sent),
  - Boot0's wall time (erase, program, verify, run),
  - dfu-util's wall time for the same image (no verify; dfu-util 0.11 from
    Debian, unmodified), on the profiles where it is compared,

as ratios, because absolute times on shared machines are noise.

Targets (issue "USB DFU/DfuSe engine"): Boot0/minimum <= 1.15 on every
profile; Boot0 (with verify) no slower than dfu-util (without) on f405;
dfu-util/Boot0 >= 3 on cubemx.

Usage: tests/bench/bench-flash.py [--build DIR] [--profiles f405,cubemx,...]
       [--size BYTES] [--time-scale F]
Build DIR defaults to build-bench (configure it with
`meson setup build-bench --buildtype=release`); the script builds it.
"""

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

# Where the application goes on each profile and how much flash it has.
PROFILES = {
    "f405": (0x08000000, 1024 * 1024),
    "l4": (0x08000000, 512 * 1024),
    "f0": (0x08000000, 128 * 1024),
    "h7": (0x08000000, 2 * 1024 * 1024),
    "cubemx": (0x08008000, 512 * 1024),
}
DFU_UTIL_PROFILES = ("f405", "cubemx")
FLASH_BASE = 0x08000000


def run_under_emulator(emulator, profile, flash, summary, command, time_scale):
    argv = [emulator, "--profile", profile, "--flash", flash, "--summary", summary]
    if time_scale != 1.0:
        argv += ["--time-scale", str(time_scale)]
    start = time.monotonic()
    r = subprocess.run(argv + ["--", *command], capture_output=True, text=True)
    wall = time.monotonic() - start
    if r.returncode != 0:
        sys.exit(f"{' '.join(command)} failed ({r.returncode}):\n{r.stdout}\n{r.stderr}")
    with open(summary) as f:
        dev = json.load(f)["devices"][0]
    return wall, dev


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", default="build-bench")
    parser.add_argument("--profiles", default=",".join(PROFILES))
    parser.add_argument("--size", type=int, default=1024 * 1024)
    parser.add_argument("--time-scale", type=float, default=1.0,
                        help="scale every device time (e.g. 0.25 for a quicker, rougher run)")
    args = parser.parse_args()

    top = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    build = os.path.join(top, args.build) if not os.path.isabs(args.build) else args.build
    if not os.path.exists(os.path.join(build, "build.ninja")):
        subprocess.run(["meson", "setup", build, "--buildtype=release"], cwd=top, check=True,
                       stdout=subprocess.DEVNULL)
    subprocess.run(["meson", "compile", "-C", build], check=True, stdout=subprocess.DEVNULL)
    cli = os.path.join(build, "src", "cli", "boot0-cli")
    emulator = os.path.join(build, "tests", "emulator", "boot0-emulator")
    dfu_util = shutil.which("dfu-util")
    if dfu_util is None:
        sys.exit("dfu-util is needed: apt-get install dfu-util")

    rng = random.Random(42)
    tmp = tempfile.mkdtemp(prefix="boot0-bench-")
    rows = []
    try:
        for profile in args.profiles.split(","):
            app, flash_size = PROFILES[profile]
            size = min(args.size, flash_size - (app - FLASH_BASE))
            image = bytes(rng.randrange(256) for _ in range(size))
            old = bytes(rng.randrange(256) for _ in range(flash_size))
            img = os.path.join(tmp, f"{profile}.bin")
            with open(img, "wb") as f:
                f.write(image)
            flash = os.path.join(tmp, f"{profile}-flash.bin")
            summary = os.path.join(tmp, "summary.json")

            with open(flash, "wb") as f:
                f.write(old)
            b_wall, b_dev = run_under_emulator(emulator, profile, flash, summary,
                                               [cli, "flash", img], args.time_scale)
            with open(flash, "rb") as f:
                assert f.read()[app - FLASH_BASE:app - FLASH_BASE + size] == image
            row = {
                "profile": profile,
                "size": size,
                "minimum": b_dev["device_min_ms"] / 1000.0,
                "boot0": b_wall,
                "boot0_transfers": b_dev["control_transfers"],
                "boot0_erases": b_dev["sectors_erased"] + b_dev["requests"]["mass_erase"],
            }
            if profile in DFU_UTIL_PROFILES:
                with open(flash, "wb") as f:
                    f.write(old)
                d_wall, d_dev = run_under_emulator(
                    emulator, profile, flash, summary,
                    [dfu_util, "-a", "0", "-s", f"{hex(app)}:leave", "-D", img], args.time_scale)
                with open(flash, "rb") as f:
                    assert f.read()[app - FLASH_BASE:app - FLASH_BASE + size] == image
                row["dfu_util"] = d_wall
                row["dfu_util_minimum"] = d_dev["device_min_ms"] / 1000.0
                row["dfu_util_transfers"] = d_dev["control_transfers"]
                row["dfu_util_erases"] = d_dev["sectors_erased"] + d_dev["requests"]["mass_erase"]
            rows.append(row)
            print_row(row, args.time_scale)
    finally:
        shutil.rmtree(tmp)

    print()
    print("Summary (ratios from one run each; lower Boot0/minimum is better):")
    for row in rows:
        line = f"  {row['profile']:7s} Boot0/minimum {row['boot0'] / row['minimum']:.3f}"
        if "dfu_util" in row:
            line += (f"   Boot0/dfu-util {row['boot0'] / row['dfu_util']:.3f}"
                     f"   dfu-util/Boot0 {row['dfu_util'] / row['boot0']:.2f}x")
        print(line)


def print_row(row, scale):
    print(f"{row['profile']}: {row['size'] // 1024} KiB image"
          + (f" (device times x{scale})" if scale != 1.0 else ""))
    print(f"  device-bound minimum of Boot0's job: {row['minimum']:.2f} s")
    print(f"  Boot0 (erase, program, verify, run): {row['boot0']:.2f} s, "
          f"{row['boot0_transfers']} control transfers, {row['boot0_erases']} erases"
          f"  -> {row['boot0'] / row['minimum']:.3f} x minimum")
    if "dfu_util" in row:
        print(f"  dfu-util (erase, program, no verify): {row['dfu_util']:.2f} s, "
              f"{row['dfu_util_transfers']} control transfers, {row['dfu_util_erases']} erases"
              f"  -> Boot0/dfu-util {row['boot0'] / row['dfu_util']:.3f}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
