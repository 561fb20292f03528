#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Renders the AppStream screenshots (data/screenshots/*.png) from the real
application, by running the GUI tests that take them:

  no-device.png          test-hotplug.py: the window with no board
  main-device.png        test-program.py: an F405 and a firmware file loaded
  programming-done.png   test-program.py: after programming

test-program.py runs with BOOT0_GUI_REALISTIC=1 here: real device timings
and an image the size of a CircuitPython build, so the times shown are the
ones a user sees. A developer runs this after a visible change, looks at
the PNGs and commits them; the test suite does not.

Usage: tests/gui/render-screenshots.py [--build DIR] [--out DIR]
Build DIR defaults to build (any build with the GUI; the script builds it).
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
SHOTS = {
    "test-hotplug.py": ("no-device.png",),
    "test-program.py": ("main-device.png", "programming-done.png"),
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", default="build")
    parser.add_argument("--out", default=os.path.join(TOP, "data", "screenshots"))
    args = parser.parse_args()
    build = args.build if os.path.isabs(args.build) else os.path.join(TOP, args.build)
    subprocess.run(["meson", "compile", "-C", build], check=True, stdout=subprocess.DEVNULL)
    app = os.path.join(build, "src", "app", "boot0")
    if not os.path.exists(app):
        sys.exit(f"{app} was not built (GTK 4 missing?)")

    tmp = tempfile.mkdtemp(prefix="boot0-screenshots-")
    env = dict(os.environ)
    env.update({
        "BOOT0_APP": app,
        "BOOT0_EMULATOR": os.path.join(build, "tests", "emulator", "boot0-emulator"),
        "BOOT0_CLI": os.path.join(build, "src", "cli", "boot0-cli"),
        "GSETTINGS_SCHEMA_DIR": os.path.join(build, "data"),
        "BOOT0_SCHEMA_SRC": os.path.join(TOP, "data", "io.github.boot0.Boot0.gschema.xml"),
        "BOOT0_GUI_OUTDIR": tmp,
        "BOOT0_GUI_REALISTIC": "1",
        "PYTHONPATH": HERE,
        "PYTHONDONTWRITEBYTECODE": "1",
    })
    failed = []
    try:
        for script in SHOTS:
            r = subprocess.run([sys.executable, os.path.join(HERE, script)], env=env)
            if r.returncode != 0:
                failed.append(script)
        os.makedirs(args.out, exist_ok=True)
        for names in SHOTS.values():
            for name in names:
                src = os.path.join(tmp, name)
                if not os.path.exists(src):
                    print(f"{name}: not rendered")
                    continue
                dest = os.path.join(args.out, name)
                # Smaller files: no metadata, best zlib level.
                subprocess.run(["convert", src, "-strip",
                                "-define", "png:compression-level=9", dest], check=True)
                print(f"{dest}: {os.path.getsize(dest) // 1024} KiB")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if failed:
        # A screenshot taken before a later check failed is still written:
        # look at it before committing it.
        sys.exit(f"failed: {', '.join(failed)} (see above)")


if __name__ == "__main__":
    main()
