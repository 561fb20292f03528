#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Checks Boot0's shared-mime-info package and that the desktop file and the
metainfo declare the same firmware types it defines.

update-mime-database reports a malformed package on stderr but still exits 0,
so its output is checked here.

usage: test-mime.py UPDATE-MIME-DATABASE MIME-XML DESKTOP-FILE METAINFO-XML
"""

import configparser
import os
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

MIME_NS = '{http://www.freedesktop.org/standards/shared-mime-info}'

# What a user's files are called and what they must be recognised as.
EXPECTED_GLOBS = {
    '*.hex': 'text/x-hex',
    '*.ihex': 'text/x-hex',
    '*.srec': 'text/x-srec',
    '*.s19': 'text/x-srec',
    '*.dfu': 'application/x-dfu',
}


def fail(message):
    print('FAIL: ' + message)
    sys.exit(1)


def main():
    update_mime_database, mime_xml, desktop_file, metainfo = sys.argv[1:5]

    defined = {t.get('type') for t in ET.parse(mime_xml).getroot().iter(MIME_NS + 'mime-type')}
    if not defined:
        fail(f'{mime_xml} defines no types')

    with tempfile.TemporaryDirectory() as tmp:
        os.mkdir(os.path.join(tmp, 'packages'))
        shutil.copy(mime_xml, os.path.join(tmp, 'packages', os.path.basename(mime_xml)))
        run = subprocess.run([update_mime_database, '-V', tmp], capture_output=True, text=True)
        print(run.stdout + run.stderr)
        if run.returncode != 0:
            fail(f'update-mime-database exited with {run.returncode}')
        for line in run.stderr.splitlines():
            if 'error' in line.lower() or 'warning' in line.lower():
                fail('update-mime-database: ' + line)
        globs = {}
        with open(os.path.join(tmp, 'globs2'), encoding='utf-8') as f:
            for line in f:
                if line.startswith('#'):
                    continue
                _weight, mime_type, pattern = line.rstrip('\n').split(':', 2)
                globs[pattern] = mime_type
    for pattern, mime_type in EXPECTED_GLOBS.items():
        if globs.get(pattern) != mime_type:
            fail(f'{pattern} is {globs.get(pattern)!r}, expected {mime_type!r}')

    desktop = configparser.ConfigParser(interpolation=None)
    desktop.optionxform = str
    desktop.read(desktop_file, encoding='utf-8')
    desktop_types = {t for t in desktop['Desktop Entry']['MimeType'].split(';') if t}
    if desktop_types != defined:
        fail(f'desktop file MimeType {sorted(desktop_types)} != defined {sorted(defined)}')

    provided = {m.text for m in ET.parse(metainfo).getroot().iter('mediatype')}
    if provided != defined:
        fail(f'metainfo mediatypes {sorted(provided)} != defined {sorted(defined)}')

    print(f'ok: {", ".join(sorted(defined))}')


if __name__ == '__main__':
    main()
