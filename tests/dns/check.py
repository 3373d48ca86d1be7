#!/usr/bin/env python3
"""dsn-explain --check against real DNS servers on loopback: each
testdata/check/NAME.eml is explained with --check against the test zones
(knot, as for mailcheck's tests) and the JSON compared with NAME.json. A
NAME starting with "unreachable-" is checked against a port where nothing
listens: its checks must say "could-not-check". DSN_REGENERATE=1 rewrites the
expectations. Prints TAP.

usage: check.py DSN_EXPLAIN SOURCE_DIR"""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402


def main():
    exe, src = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    d = os.path.join(src, 'testdata', 'check')
    names = sorted(f[:-4] for f in os.listdir(d) if f.endswith('.eml'))
    regen = os.environ.get('DSN_REGENERATE') == '1'
    try:
        servers = harness.Servers(src)
        servers.__enter__()
    except harness.Skip as e:
        print(f'1..0 # SKIP {e}')
        return 0
    try:
        closed = harness.free_port()
        print(f'1..{len(names)}')
        for i, name in enumerate(names, 1):
            port = closed if name.startswith('unreachable-') else servers.knot_port
            p = subprocess.run([exe, '--json', '--lang', 'en', '--check', '--dns-timeout', '0.5',
                                '--dns-server', f'127.0.0.1:{port}', '--dnsbl', 'bl.test', name + '.eml'],
                               cwd=d, capture_output=True, text=True, timeout=120)
            problems = []
            if p.returncode != 0:
                problems.append(f'exit {p.returncode}: {p.stderr.strip()}')
            try:
                got = [json.loads(l) for l in p.stdout.splitlines() if l.strip()]
                for o in got:
                    o.pop('source', None)
                    for r in o['recipients']:
                        # The DNS answers' details (TTL-free, but long) are
                        # checked through the outcome and text only.
                        if r.get('check'):
                            r['check'].pop('details', None)
            except ValueError as e:
                got = None
                problems.append(f'invalid JSON: {e}')
            exp_path = os.path.join(d, name + '.json')
            if got is not None:
                if regen:
                    with open(exp_path, 'w') as f:
                        json.dump(got, f, indent=2, ensure_ascii=False)
                        f.write('\n')
                elif not os.path.exists(exp_path):
                    problems.append(f'{name}.json missing (DSN_REGENERATE=1 creates it)')
                elif json.load(open(exp_path)) != got:
                    want = json.load(open(exp_path))
                    wc = [r.get('check') for o in want for r in o['recipients']]
                    gc = [r.get('check') for o in got for r in o['recipients']]
                    problems.append(f'output differs; checks want {wc} got {gc}')
                if name.startswith('unreachable-') and any(
                        r['check'] and r['check']['status'] != 'could-not-check' for o in got for r in o['recipients']):
                    problems.append('a DNS failure must be "could not check"')
            if problems:
                print(f'not ok {i} - {name}')
                for pr in problems:
                    print('# ' + pr.replace('\n', '\n# '))
            else:
                print(f'ok {i} - {name}')
    finally:
        servers.__exit__(None, None, None)
    return 0


if __name__ == '__main__':
    sys.exit(main())
