#!/usr/bin/env python3
"""Consistency of mailcheck's findings: the catalogue
(libdsn/mailcheck-findings.keys) is complete in both languages, every code
the library can emit is in it and every entry is used, every code and option
is documented in man/mailcheck.1, and no golden output shows an unfilled
{placeholder}. Prints TAP.

usage: mailcheck-lint.py SOURCE_DIR MAILCHECK
"""
import configparser
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


cp = configparser.RawConfigParser(strict=True, interpolation=None)
cp.optionxform = str
cp.read(os.path.join(src, 'libdsn', 'mailcheck-findings.keys'), encoding='utf-8')
codes = cp.sections()

problems = []
placeholder = re.compile(r'\{(\w+)\}')
for code in codes:
    s = cp[code]
    if not re.fullmatch(r'(dns|mx|spf|dmarc|dkim|mta_sts|tls_rpt|bimi|ptr|dnsbl|dnssec)\.[a-z0-9_]+', code):
        problems.append(f'{code}: not an area.name code')
    if s.get('severity') not in ('ok', 'info', 'warning', 'error'):
        problems.append(f'{code}: bad severity {s.get("severity")!r}')
    for flag in ('unchecked', 'absent'):
        if s.get(flag, 'false') not in ('true', 'false'):
            problems.append(f'{code}: {flag} must be true or false')
    for key in ('message', 'advice'):
        en, fr = s.get(key), s.get(key + '[fr]')
        if key == 'message' and not en:
            problems.append(f'{code}: no message')
        if bool(en) != bool(fr):
            problems.append(f'{code}: {key} without its French translation, or the reverse')
        elif en and set(placeholder.findall(en)) != set(placeholder.findall(fr)):
            problems.append(f'{code}: {key} and {key}[fr] do not use the same placeholders')
    unknown = set(s) - {'severity', 'unchecked', 'absent', 'rfc', 'message', 'message[fr]', 'advice', 'advice[fr]'}
    if unknown:
        problems.append(f'{code}: unknown keys {sorted(unknown)}')
test(f'the catalogue is complete in English and French ({len(codes)} codes)', problems)

used = set()
for path in glob.glob(os.path.join(src, 'libdsn', '*.c')):
    text = open(path, encoding='utf-8').read()
    used |= set(re.findall(r'"((?:dns|mx|spf|dmarc|dkim|mta_sts|tls_rpt|bimi|ptr|dnsbl|dnssec)\.[a-z0-9_]+)"', text))
test('every code the library emits is in the catalogue', [f'{c} is not in the catalogue' for c in sorted(used - set(codes))])
test('every code of the catalogue is used', [f'{c} is never emitted' for c in sorted(set(codes) - used)])

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
