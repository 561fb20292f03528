#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""POTFILES.in is complete: every source file with a string marked for
translation (_(), N_(), C_(), ngettext(), translatable="yes") is listed, and
every listed file exists. A file left out ships its strings untranslated.

Usage: check-potfiles.py SOURCE_ROOT"""

import os
import re
import sys

MARKED = re.compile(r'(?<![A-Za-z0-9_])(?:N?C?_|ngettext) \("|translatable="yes"')
SOURCES = ("src", "data")
EXTENSIONS = (".c", ".ui", ".in", ".xml")


def main():
    root = sys.argv[1]
    with open(os.path.join(root, "po", "POTFILES.in"), encoding="utf-8") as f:
        listed = {line.strip() for line in f if line.strip() and not line.startswith("#")}
    problems = [f"listed but missing: {p}" for p in sorted(listed)
                if not os.path.exists(os.path.join(root, p))]
    for top in SOURCES:
        for dirpath, _, names in os.walk(os.path.join(root, top)):
            for name in names:
                if not name.endswith(EXTENSIONS):
                    continue
                path = os.path.join(dirpath, name)
                rel = os.path.relpath(path, root)
                with open(path, encoding="utf-8", errors="replace") as f:
                    text = f.read()
                if (MARKED.search(text) or "<_" in text) and rel not in listed:
                    problems.append(f"has translatable strings, not in po/POTFILES.in: {rel}")
    for p in problems:
        print(p)
    print(f"{len(listed)} files listed, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
