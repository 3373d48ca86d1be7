#!/usr/bin/env python3
"""What mailcheck's findings owe its manual and its outputs: every code of
catalogue/mailcheck.keys is "area.name" and documented in man/mailcheck.1,
every option too, and no golden output shows an unfilled {placeholder}.
The catalogue itself (languages, placeholders, codes used) is checked by
catalogue-lint.py. Prints TAP.

usage: mailcheck-lint.py SOURCE_DIR MAILCHECK
"""
import glob
import json
import os
import re
import subprocess
import sys

src, exe = sys.argv[1], sys.argv[2]
tests = []


def test(name, problems):
    tests.append((name, problems))


path = os.path.join(src, 'catalogue', 'mailcheck.keys')
codes = re.findall(r'(?m)^\[([^\]]+)\]$', open(path, encoding='utf-8').read())
placeholder = re.compile(r'\{(\w+)\}')
areas = r'(dns|mx|starttls|spf|dmarc|dkim|mta_sts|tls_rpt|bimi|ptr|dnsbl|dnssec)'
test(f'every code is area.name ({len(codes)} codes)',
     [f'{c}: not an area.name code' for c in codes if not re.fullmatch(areas + r'\.[a-z0-9_]+', c)]
     + (['no code read'] if not codes else []))

man = open(os.path.join(src, 'man', 'mailcheck.1'), encoding='utf-8').read().replace('\\-', '-')
test('every code is documented in mailcheck(1)', [f'{c} is not in man/mailcheck.1' for c in codes if f'.B {c}\n' not in man])

help_text = subprocess.run([exe, '--help'], capture_output=True, text=True).stdout
options = set(re.findall(r'(--[a-z][a-z-]+)', help_text)) | {'--test-ca', '--test-connect-to'}
test('every option is documented in mailcheck(1)', [f'{o} is not in man/mailcheck.1' for o in sorted(options) if o not in man])

problems = []
for path in glob.glob(os.path.join(src, 'testdata', 'mailcheck', '*.json')):
    o = json.load(open(path, encoding='utf-8'))
    for f in o.get('findings', []):
        for key in ('message', 'advice'):
            if f.get(key) and placeholder.search(f[key]):
                problems.append(f'{os.path.basename(path)}: {f["code"]}: unfilled placeholder in {key}')
test('golden outputs have no unfilled placeholder', problems)

print(f'1..{len(tests)}')
for i, (name, problems) in enumerate(tests, 1):
    print(f'{"not ok" if problems else "ok"} {i} - {name}')
    for p in problems:
        print(f'# {p}')
