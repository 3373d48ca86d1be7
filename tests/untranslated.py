#!/usr/bin/env python3
"""No English left in a translation: every test message of DIRS is run
through dsn-explain --json in English and in each other language of
catalogue/languages.keys, and every text a person reads (the category's
summary, explanation and advice, the header findings, the backscatter
evidence and verdict, the re-check, the warnings) must differ from its English: one that
does not was never translated. Prints TAP, one test per language and
directory.

usage: untranslated.py DSN_EXPLAIN SOURCE_DIR DIR...
"""
import glob
import json
import os
import re
import subprocess
import sys

exe, src, dirs = os.path.abspath(sys.argv[1]), sys.argv[2], sys.argv[3:]
codes = re.search(r'(?m)^codes=(.*)$',
                  open(os.path.join(src, 'catalogue', 'languages.keys'), encoding='utf-8').read())
langs = [l for l in codes.group(1).split(';') if l]


def texts(report):
    """(where, text) for every text of REPORT meant for a person."""
    out = []
    for i, r in enumerate(report.get('recipients') or []):
        for key in ('summary', 'explanation', 'advice'):
            out.append((f'recipient {i} {key}', r.get(key)))
        if r.get('check'):
            out.append((f'recipient {i} check', r['check'].get('text')))
    for f in (report.get('headers') or {}).get('findings', []):
        out.append((f'{f["code"]} text', f.get('text')))
        out.append((f'{f["code"]} advice', f.get('advice')))
    b = report.get('backscatter') or {}
    for e in b.get('evidence', []):
        out.append((f'{e["code"]} text', e.get('text')))
    out.append(('backscatter explanation', b.get('explanation')))
    out.append(('backscatter advice', b.get('advice')))
    for i, w in enumerate(report.get('warnings') or []):
        out.append((f'warning {i}', w))
    return out


def run(lang, files):
    p = subprocess.run([exe, '--json', '--lang', lang] + files, capture_output=True,
                       env=dict(os.environ, LC_ALL='C.UTF-8'))
    return [json.loads(l) for l in p.stdout.decode('utf-8').splitlines() if l.strip()]


results = []
for d in dirs:
    files = sorted(glob.glob(os.path.join(d, '*.eml')))
    english = run('en', files)
    for lang in langs[1:]:
        problems, seen = [], 0
        other = run(lang, files)
        if len(other) != len(english) or not english:
            problems.append(f'{len(english)} reports in English, {len(other)} in {lang}')
        for en, tr in zip(english, other):
            name = os.path.basename(en['source']['path'])
            for (where, a), (_, b) in zip(texts(en), texts(tr)):
                if a:
                    seen += 1
                if a and a == b:
                    problems.append(f'{name}: {where} is the English: {a[:80]}')
        results.append((f'{os.path.basename(d)}: {seen} texts, none left in English in {lang}',
                        problems))

print(f'1..{len(results)}')
for i, (name, problems) in enumerate(results, 1):
    print(f'{"not ok" if problems else "ok"} {i} - {name}')
    for p in problems:
        print(f'# {p}')
