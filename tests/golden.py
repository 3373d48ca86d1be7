#!/usr/bin/env python3
"""Golden tests: every testdata/bounces/NAME.eml is run through the real
dsn-explain and its JSON compared with NAME.json. Adding a case is dropping
the two files. With DSN_REGENERATE=1 the expectations are rewritten, so a
change shows up as a diff to review. Each message is also fed with CRLF and
bare-CR newlines: the result must not change. Prints TAP.

usage: golden.py DSN_EXPLAIN DIR [VALGRIND...]
"""
import json, os, subprocess, sys


def run(cmd, cwd, data=None, name=None):
    args = cmd + ['--json', '--lang', 'en']
    if data is None:
        args.append(name)
        p = subprocess.run(args, cwd=cwd, capture_output=True)
    else:
        args.append('-')
        p = subprocess.run(args, cwd=cwd, input=data, capture_output=True)
    return p


def canonical(stdout):
    lines = [l for l in stdout.decode('utf-8').splitlines() if l.strip()]
    objs = [json.loads(l) for l in lines]
    for o in objs:
        o.pop('source', None)
    return objs


def main():
    exe = os.path.abspath(sys.argv[1])
    d = os.path.abspath(sys.argv[2])
    # DSN_TEST_WRAPPER runs the tool under a checker, e.g. valgrind.
    wrapper = os.environ.get('DSN_TEST_WRAPPER', '').split() + sys.argv[3:]
    cmd = wrapper + [exe]
    regen = os.environ.get('DSN_REGENERATE') == '1'
    names = sorted(f[:-4] for f in os.listdir(d) if f.endswith('.eml'))
    print(f'1..{len(names)}')
    failed = 0
    for i, name in enumerate(names, 1):
        eml = name + '.eml'
        exp_path = os.path.join(d, name + '.json')
        p = run(cmd, d, name=eml)
        problems = []
        if wrapper and p.stderr.strip():
            problems.append('checker: ' + p.stderr.decode(errors='replace').strip()[:3000])
        if p.returncode not in (0, 1):
            problems.append(f'exit status {p.returncode}: {p.stderr.decode(errors="replace").strip()}')
        try:
            got = canonical(p.stdout)
        except ValueError as e:
            got = None
            problems.append(f'invalid JSON: {e}')
        if got is not None:
            text = json.dumps(got, indent=2, ensure_ascii=False) + '\n'
            if regen:
                with open(exp_path, 'w') as f:
                    f.write(text)
            elif not os.path.exists(exp_path):
                problems.append(f'{name}.json missing (DSN_REGENERATE=1 creates it)')
            else:
                with open(exp_path) as f:
                    want = json.load(f)
                if want != got:
                    import difflib
                    diff = difflib.unified_diff(
                        json.dumps(want, indent=2, ensure_ascii=False).splitlines(),
                        text.splitlines(), 'expected', 'got', lineterm='', n=2)
                    problems.append('output differs:\n' + '\n'.join(list(diff)[:60]))
            # The same message with other newline conventions gives the same
            # result (checked without a wrapper: a checker only needs one run).
            raw = open(os.path.join(d, eml), 'rb').read().replace(b'\r\n', b'\n')
            variants = () if wrapper else (('CRLF', raw.replace(b'\n', b'\r\n')), ('CR', raw.replace(b'\n', b'\r')))
            for label, data in variants:
                q = run(cmd, d, data=data)
                try:
                    other = canonical(q.stdout)
                except ValueError:
                    other = None
                if other != got:
                    problems.append(f'{label} newlines change the result')
        if problems:
            failed += 1
            print(f'not ok {i} - {name}')
            for line in '\n'.join(problems).splitlines():
                print(f'# {line}')
        else:
            print(f'ok {i} - {name}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
