#!/usr/bin/env python3
"""The RFC 7208 conformance suite (openspf.org, tests/spf/rfc7208-tests.yml)
through the real path: every case runs `mailcheck --spf-ip` (c-ares, the
GLib main loop, the SPF engine) against a DNS server on 127.0.0.1 serving
that scenario's zone data. Prints TAP: one line per case, and fails the run
only if fewer than MINIMUM cases pass, the pass count being the figure of
merit (the best-known implementation passes 202 of 203 over real DNS).

usage: run-suite.py MAILCHECK YAML [MINIMUM [WRAPPER...]]
(WRAPPER: a command to run mailcheck under, such as valgrind)
"""
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'dns'))

try:
    import yaml
    import fakedns
except ImportError as e:
    print(f'1..0 # SKIP python3 module missing: {e.name} (install python3-yaml and python3-dnslib)')
    sys.exit(0)


def run_case(exe, port, test, wrapper=()):
    args = list(wrapper) + [exe, '--json', '--dns-server', f'127.0.0.1:{port}', '--timeout', '0.3', '--retries', '0',
            '--spf-ip', str(test['host']), '--sender', str(test.get('mailfrom', '')),
            '--helo', str(test.get('helo', ''))]
    p = subprocess.run(args, capture_output=True, timeout=60)
    if p.stderr.strip():
        # Nothing is expected on stderr: a GLib warning, a sanitizer report.
        return None, None, p.stderr.decode(errors='replace').strip()[:2000]
    try:
        out = json.loads(p.stdout)['spf']
    except (ValueError, KeyError):
        return None, None, f'exit {p.returncode}, no JSON'
    return out['result'], out['explanation'], out


def check(test, result, explanation):
    want = test['result']
    if not isinstance(want, list):
        want = [want]
    if result not in want:
        return f'result {result}, expected {"/".join(want)}'
    if 'explanation' in test and result == 'fail':
        exp = test['explanation']
        # DEFAULT: the implementation's own text, i.e. no exp= was used.
        if exp == 'DEFAULT':
            if explanation is not None:
                return f'explanation {explanation!r}, expected none'
        elif explanation != exp:
            return f'explanation {explanation!r}, expected {exp!r}'
    return None


def main():
    exe = os.path.abspath(sys.argv[1])
    path = sys.argv[2]
    minimum = int(sys.argv[3]) if len(sys.argv) > 3 else 200
    wrapper = sys.argv[4:]
    with open(path, encoding='utf-8') as f:
        scenarios = list(yaml.safe_load_all(f))
    server = fakedns.FakeDNS()
    cases = []
    for sc in scenarios:
        port = server.add_zone(fakedns.Zone(sc['zonedata'], spf_to_txt=True))
        for name, test in sc['tests'].items():
            cases.append((sc['description'], name, port, test))
    server.start()
    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            results = list(pool.map(lambda c: run_case(exe, c[2], c[3], wrapper), cases))
    finally:
        server.stop()
    print(f'1..{len(cases) + 1}')
    passed = 0
    for i, ((section, name, _, test), (result, explanation, detail)) in enumerate(zip(cases, results), 1):
        problem = check(test, result, explanation) if result else f'no result: {detail}'
        if problem is None:
            passed += 1
            print(f'ok {i} - {section}: {name}')
        else:
            # A failing case is reported, but only the total decides.
            print(f'not ok {i} - {section}: {name}: {problem} # TODO counted in the total below')
            if isinstance(detail, dict):
                print(f'#   path: {json.dumps(detail.get("path"))} problem: {detail.get("problem")}')
    total = len(cases)
    line = f'RFC 7208 suite: {passed}/{total} cases pass (minimum {minimum})'
    print(f'{"ok" if passed >= minimum else "not ok"} {total + 1} - {line}')
    print(f'# {line}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
