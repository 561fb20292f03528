#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Checks that every screenshot the metainfo names is a PNG in this tree, at
the path its URL points to in the repository, so the store pages show what
the application really renders (tests/gui/render-screenshots.py makes them).

usage: test-screenshots.py METAINFO-XML SOURCE-ROOT
"""

import os
import struct
import sys
import xml.etree.ElementTree as ET

# The repository's raw-file prefix: a placeholder until the project has a
# public home (see the metainfo's <url>s).
RAW_PREFIX = 'https://raw.githubusercontent.com/boot0-project/boot0/main/'


def fail(message):
    print('FAIL: ' + message)
    sys.exit(1)


def main():
    metainfo, root = sys.argv[1:3]
    images = [i.text.strip() for i in ET.parse(metainfo).getroot().iter('image')]
    if not images:
        fail('the metainfo names no screenshots')
    for url in images:
        if not url.startswith(RAW_PREFIX):
            fail(f'{url} does not start with {RAW_PREFIX}')
        path = os.path.join(root, url[len(RAW_PREFIX):])
        if not os.path.isfile(path):
            fail(f'{path} is missing: run tests/gui/render-screenshots.py and commit the result')
        with open(path, 'rb') as f:
            head = f.read(24)
        if head[:8] != b'\x89PNG\r\n\x1a\n' or head[12:16] != b'IHDR':
            fail(f'{path} is not a PNG file')
        width, height = struct.unpack('>II', head[16:24])
        # AppStream asks for screenshots a store can show without upscaling.
        if width < 620 or height < 350:
            fail(f'{path} is {width}x{height}, smaller than 620x350')
        print(f'ok: {path} {width}x{height}')


if __name__ == '__main__':
    main()
