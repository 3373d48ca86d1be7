#!/usr/bin/env python3
"""dsn-explain --check against real DNS servers on loopback: each
testdata/check/NAME.eml is explained with --check against the test zones
(knot, as for mailcheck's tests) and the JSON compared with NAME.json; a
NAME.args file adds its arguments (--my-domain ...), a NAME.txt file holds
the expected text output too. A NAME starting with "unreachable-" is checked
against a port where nothing listens: its checks must say "could-not-check".
Then every message at once with --summary, as JSON and as text, against
summary.json and summary.txt. DSN_REGENERATE=1 rewrites the expectations
(the .txt files only where they exist). Prints TAP.

usage: check.py DSN_EXPLAIN SOURCE_DIR"""
import json
import os
import shlex
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402


def validator(src):
    """A validator of doc/json-schema.json, or None without python3-jsonschema."""
    try:
        import jsonschema
    except ImportError:
        return None
    return jsonschema.Draft202012Validator(json.load(open(os.path.join(src, 'doc', 'json-schema.json'))))


def main():
    exe, src = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    schema = validator(src)
    d = os.path.join(src, 'testdata', 'check')
    names = sorted(f[:-4] for f in os.listdir(d) if f.endswith('.eml'))
    regen = os.environ.get('DSN_REGENERATE') == '1'
    try:
        servers = harness.Servers(src)
        servers.__enter__()
    except harness.Skip as e:
        print(f'1..0 # SKIP {e}')
        return 0
    def command(name, port):
        args = []
        if os.path.exists(os.path.join(d, name + '.args')):
            args = shlex.split(open(os.path.join(d, name + '.args')).read())
        return [exe, '--lang', 'en', '--check', '--dns-timeout', '0.5', '--dns-server',
                f'127.0.0.1:{port}', '--dnsbl', 'bl.test'] + args

    def compare_text(path, got, problems):
        if regen:
            with open(path, 'w') as f:
                f.write(got)
        elif open(path).read() != got:
            import difflib
            diff = difflib.unified_diff(open(path).read().splitlines(), got.splitlines(),
                                        'expected', 'got', lineterm='', n=1)
            problems.append('text differs:\n' + '\n'.join(list(diff)[:40]))

    try:
        closed = harness.free_port()
        print(f'1..{len(names) + 2}')
        for i, name in enumerate(names, 1):
            port = closed if name.startswith('unreachable-') else servers.knot_port
            p = subprocess.run(command(name, port) + ['--json', name + '.eml'],
                               cwd=d, capture_output=True, text=True, timeout=120)
            problems = []
            if p.returncode != 0:
                problems.append(f'exit {p.returncode}: {p.stderr.strip()}')
            try:
                got = [json.loads(l) for l in p.stdout.splitlines() if l.strip()]
                for o in got:
                    for e in (schema.iter_errors(o) if schema else ()):
                        problems.append(f'not valid against the schema: {e.json_path}: {e.message}'[:300])
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
            txt = os.path.join(d, name + '.txt')
            if os.path.exists(txt):
                t = subprocess.run(command(name, port) + ['--color=never', name + '.eml'],
                                   cwd=d, capture_output=True, text=True, timeout=120)
                compare_text(txt, t.stdout, problems)
            if problems:
                print(f'not ok {i} - {name}')
                for pr in problems:
                    print('# ' + pr.replace('\n', '\n# '))
            else:
                print(f'ok {i} - {name}')
        # --check with --summary: per category, still true / no longer true
        # / not checked. The messages that need arguments of their own are
        # left out.
        plain = [n + '.eml' for n in names
                 if not n.startswith('unreachable-') and not os.path.exists(os.path.join(d, n + '.args'))]
        for i, (form, path) in enumerate((('--json', 'summary.json'), ('--color=never', 'summary.txt')),
                                         len(names) + 1):
            p = subprocess.run(command('summary', servers.knot_port) + ['--summary', form] + plain,
                               cwd=d, capture_output=True, text=True, timeout=300)
            problems = [] if p.returncode == 0 else [f'exit {p.returncode}: {p.stderr.strip()}']
            if form == '--json':
                summary = json.loads(p.stdout)
                got = json.dumps(summary, indent=2, ensure_ascii=False) + '\n'
                if 'checks' not in summary:
                    problems.append('no "checks" in the summary')
                for e in (schema.iter_errors(summary) if schema else ()):
                    problems.append(f'not valid against the schema: {e.json_path}: {e.message}'[:300])
            else:
                got = p.stdout
            compare_text(os.path.join(d, path), got, problems)
            print(f'{"not ok" if problems else "ok"} {i} - --check --summary {form}')
            for pr in problems:
                print('# ' + pr.replace('\n', '\n# '))
    finally:
        servers.__exit__(None, None, None)
    return 0


if __name__ == '__main__':
    sys.exit(main())
