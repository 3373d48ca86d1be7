#!/usr/bin/env python3
"""No English left in a translation, for the DNS wing: every mailcheck case
of testdata/mailcheck and every dsn-explain --check case of testdata/check
is run again in each language of catalogue/languages.keys but English,
against the same servers as golden.py and check.py, and each finding's
message, advice and reason (a "detail" argument), the SPF problem of
--spf-ip, each re-check's text, must differ from its English in the golden
output: one that does not was never translated. Prints TAP.

usage: untranslated.py MAILCHECK DSN_EXPLAIN SOURCE_DIR
"""
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import golden  # noqa: E402
import harness  # noqa: E402


def main():
    mailcheck, explain = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    src = os.path.abspath(sys.argv[3])
    codes = re.search(r'(?m)^codes=(.*)$', open(os.path.join(src, 'catalogue', 'languages.keys'),
                                                 encoding='utf-8').read())
    langs = [l for l in codes.group(1).split(';') if l][1:]
    try:
        servers = harness.Servers(src).__enter__()
    except harness.Skip as e:
        print(f'1..0 # SKIP {e}')
        return 0
    results = []
    try:
        closed = harness.free_port()
        d = os.path.join(src, 'testdata', 'mailcheck')
        cases = sorted(f[:-5] for f in os.listdir(d) if f.endswith('.args'))
        for lang in langs:
            problems, seen = [], 0
            for name in cases:
                case = golden.read_case(os.path.join(d, name + '.args'))
                if '--lang' in case['args'] or golden.skip_reason(case, servers):
                    continue  # its golden output is not the English, or cannot be had here
                case['args'] += f' --lang {lang}'
                p = golden.run(golden.command(mailcheck, [], servers, case, closed) + ['--json'],
                               golden.case_env(case))
                english = json.load(open(os.path.join(d, name + '.json'), encoding='utf-8'))
                got = json.loads(p.stdout.decode('utf-8'))
                en_f, tr_f = english.get('findings', []), got.get('findings', [])
                if [f['code'] for f in en_f] != [f['code'] for f in tr_f]:
                    problems.append(f'{name}: not the findings of the English run')
                    continue
                pairs = []
                for a, b in zip(en_f, tr_f):
                    pairs += [(f'{a["code"]} {key}', a.get(key), b.get(key))
                              for key in ('message', 'advice')]
                    # The arguments that are texts (a parser's reason).
                    pairs += [(f'{a["code"]} {key}', a['details'][key], b['details'].get(key))
                              for key in ('detail', 'problem', 'error') if key in a['details']]
                # --spf-ip: why the result is what it is.
                pairs.append(('spf problem', (english.get('spf') or {}).get('problem'),
                              (got.get('spf') or {}).get('problem')))
                for where, a, b in pairs:
                    if a:
                        seen += 1
                    if a and a == b:
                        problems.append(f'{name}: {where} is the English: {a[:80]}')
            results.append((f'mailcheck: {seen} texts, none left in English in {lang}', problems))

        d = os.path.join(src, 'testdata', 'check')
        for lang in langs:
            problems, seen = [], 0
            for name in sorted(f[:-4] for f in os.listdir(d) if f.endswith('.eml')):
                port = closed if name.startswith('unreachable-') else servers.knot_port
                p = subprocess.run([explain, '--json', '--lang', lang, '--check', '--dns-timeout',
                                    '0.5', '--dns-server', f'127.0.0.1:{port}', '--dnsbl', 'bl.test',
                                    name + '.eml'], cwd=d, capture_output=True, text=True,
                                   timeout=120)
                got = [json.loads(l) for l in p.stdout.splitlines() if l.strip()]
                english = json.load(open(os.path.join(d, name + '.json'), encoding='utf-8'))
                for en, tr in zip(english, got):
                    for i, (a, b) in enumerate(zip(en['recipients'], tr['recipients'])):
                        text = (a.get('check') or {}).get('text')
                        if text:
                            seen += 1
                        if text and text == (b.get('check') or {}).get('text'):
                            problems.append(f'{name}: recipient {i}: the check is the English: '
                                            f'{text[:80]}')
            results.append((f'dsn-explain --check: {seen} texts, none left in English in {lang}',
                            problems))
    finally:
        servers.__exit__(None, None, None)
    print(f'1..{len(results)}')
    for i, (name, problems) in enumerate(results, 1):
        print(f'{"not ok" if problems else "ok"} {i} - {name}')
        for p in problems:
            print(f'# {p}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
