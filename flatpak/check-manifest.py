#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Checks what can be checked of the Flatpak manifest without network access:
it parses, names the application and its command, finishes with the boot0
module built by meson, and pins every downloaded archive by SHA-256.

usage: check-manifest.py MANIFEST APP-ID
"""

import json
import re
import sys


def fail(message):
    print('FAIL: ' + message)
    sys.exit(1)


def main():
    path, app_id = sys.argv[1:3]
    with open(path, encoding='utf-8') as f:
        manifest = json.load(f)

    if manifest.get('id') != app_id:
        fail(f'id is {manifest.get("id")!r}, expected {app_id!r}')
    if manifest.get('command') != 'boot0':
        fail(f'command is {manifest.get("command")!r}, expected boot0')
    for key in ('runtime', 'runtime-version', 'sdk'):
        if not manifest.get(key):
            fail(f'{key} is missing')

    modules = manifest.get('modules') or []
    if not modules or modules[-1].get('name') != 'boot0':
        fail('the last module must be boot0')
    if modules[-1].get('buildsystem') != 'meson':
        fail('boot0 must be built with meson')
    if '-Dtests=false' not in modules[-1].get('config-opts', []):
        fail('boot0 must be configured with -Dtests=false')

    for module in modules:
        for source in module.get('sources', []):
            if source.get('type') in ('archive', 'file'):
                if not source.get('url', '').startswith('https://'):
                    fail(f'{module["name"]}: archive URL is not https')
                if not re.fullmatch(r'[0-9a-f]{64}', source.get('sha256', '')):
                    fail(f'{module["name"]}: archive has no SHA-256')

    print(f'ok: {len(modules)} modules, runtime {manifest["runtime"]}//{manifest["runtime-version"]}')


if __name__ == '__main__':
    main()
