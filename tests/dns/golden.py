#!/usr/bin/env python3
"""Golden tests of mailcheck against real servers on loopback.

Every testdata/mailcheck/NAME.args is a case: the command-line arguments
(one line "args: ..."), the expected exit status ("exit: N") and the server
to ask ("server: knot", the default, "fake" for the programmable server in
front of knot, "closed" for a port where nothing listens). "smtp: yes" lets
the STARTTLS check connect to the test SMTP servers (tests/dns/smtpd.py);
without it the case runs with --no-smtp. "needs: tls10" skips the case where
the local OpenSSL cannot serve TLS 1.0; "without: libcurl" runs mailcheck
where libcurl's soname opens a library without its functions
(tests/nocurl). NAME.json holds the expected --json
output, the time of each step of an SMTP session ("ms") set to 0; NAME.txt,
when present, the expected text output (--color never). Adding a case is
dropping files; with DSN_REGENERATE=1 the expectations are rewritten, so a
change shows up as a diff to review. Prints TAP.

usage: golden.py MAILCHECK SOURCE_DIR [WRAPPER...]
"""
import json
import os
import shlex
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402


def read_case(path):
    case = {'args': '', 'exit': 0, 'server': 'knot', 'smtp': 'no', 'needs': '', 'without': ''}
    for line in open(path, encoding='utf-8'):
        line = line.strip()
        if not line or line.startswith('#'):
            continue
        key, _, value = line.partition(':')
        case[key.strip()] = value.strip()
    case['exit'] = int(case['exit'])
    return case


def command(exe, wrapper, servers, case, closed_port):
    port = {'knot': servers.knot_port, 'fake': servers.fake_port, 'closed': closed_port}[case['server']]
    args = shlex.split(case['args'])
    base = wrapper + [exe, '--dns-server', f'127.0.0.1:{port}', '--timeout', '0.4', '--retries', '0',
                      '--test-ca', servers.ca_file, '--test-connect-to', f'127.0.0.1:{servers.https_port}']
    if not any(a in ('--dnsbl', '--no-dnsbl') or a.startswith('--dnsbl=') for a in args):
        base += ['--dnsbl', 'bl.test']
    if '--lang' not in args:
        base += ['--lang', 'en']
    if case['smtp'] == 'yes':
        base += ['--test-smtp-ca', servers.smtp_ca, '--test-smtp-port', str(servers.smtp_port),
                 '--smtp-timeout', '1']
    else:
        base += ['--no-smtp']
    return base + args


def skip_reason(case, servers):
    """Why CASE cannot run here, or None."""
    if 'tls10' in case['needs'] and not servers.tls10:
        return 'the local OpenSSL cannot serve TLS 1.0'
    if case['without'] == 'libcurl' and not os.environ.get('DSN_TEST_NOCURL_DIR'):
        return 'DSN_TEST_NOCURL_DIR is not set (meson test sets it)'
    return None


def case_env(case):
    """The environment CASE runs in: for "without: libcurl", libcurl's
    soname opens tests/nocurl's library, which has none of its functions."""
    if case['without'] == 'libcurl':
        return dict(os.environ, LD_LIBRARY_PATH=os.environ['DSN_TEST_NOCURL_DIR'])
    return None


def normalize(o):
    """The output with what changes from run to run (the milliseconds each
    step of an SMTP session took) set to 0."""
    if isinstance(o, dict):
        return {k: ({n: (0 if t is not None else None) for n, t in v.items()}
                    if k == 'ms' and isinstance(v, dict) else normalize(v))
                for k, v in o.items()}
    if isinstance(o, list):
        return [normalize(v) for v in o]
    return o


def run(cmd, env=None):
    env = dict(env or os.environ, LC_ALL='C.UTF-8', NO_COLOR='1')
    return subprocess.run(cmd, capture_output=True, timeout=120, env=env)


def compare(path, got, regen, as_json):
    if regen:
        if as_json and normalize(json.loads(got)) != json.loads(got):
            got = json.dumps(normalize(json.loads(got)), indent=2, ensure_ascii=False) + '\n'
        with open(path, 'w', encoding='utf-8') as f:
            f.write(got)
        return None
    if not os.path.exists(path):
        return f'{os.path.basename(path)} missing (DSN_REGENERATE=1 creates it)'
    want = open(path, encoding='utf-8').read()
    if as_json:
        if normalize(json.loads(want)) == normalize(json.loads(got)):
            return None
        want = json.dumps(normalize(json.loads(want)), indent=2, ensure_ascii=False)
        got = json.dumps(normalize(json.loads(got)), indent=2, ensure_ascii=False)
    elif want == got:
        return None
    import difflib
    diff = difflib.unified_diff(want.splitlines(), got.splitlines(), 'expected', 'got', lineterm='', n=2)
    return 'output differs:\n' + '\n'.join(list(diff)[:80])


def main():
    exe = os.path.abspath(sys.argv[1])
    src = os.path.abspath(sys.argv[2])
    wrapper = sys.argv[3:]
    regen = os.environ.get('DSN_REGENERATE') == '1'
    d = os.path.join(src, 'testdata', 'mailcheck')
    names = sorted(f[:-5] for f in os.listdir(d) if f.endswith('.args'))
    try:
        servers = harness.Servers(src).__enter__()
    except harness.Skip as e:
        print(f'1..0 # SKIP {e}')
        return 0
    closed_port = harness.free_port()
    try:
        def one(name):
            case = read_case(os.path.join(d, name + '.args'))
            skip = skip_reason(case, servers)
            if skip:
                return 'SKIP ' + skip
            cmd = command(exe, wrapper, servers, case, closed_port)
            problems = []
            env = case_env(case)
            p = run(cmd + ['--json'], env)
            if p.returncode != case['exit']:
                problems.append(f'exit status {p.returncode}, expected {case["exit"]}: '
                                f'{p.stderr.decode(errors="replace").strip()}')
            try:
                out = p.stdout.decode('utf-8')
                json.loads(out)
                problem = compare(os.path.join(d, name + '.json'), out, regen, True)
                if problem:
                    problems.append(problem)
            except ValueError as e:
                problems.append(f'invalid JSON: {e}: {p.stderr.decode(errors="replace")[:300]}')
            txt = os.path.join(d, name + '.txt')
            if os.path.exists(txt):
                q = run(cmd + ['--color', 'never'], env)
                problem = compare(txt, q.stdout.decode('utf-8'), regen, False)
                if problem:
                    problems.append(problem)
            # mailcheck reports findings on stdout; stderr is for usage errors,
            # and sanitizers or valgrind.
            if p.stderr.strip():
                problems.append('stderr: ' + p.stderr.decode(errors='replace')[:2000])
            return problems

        with ThreadPoolExecutor(max_workers=6) as pool:
            results = list(pool.map(one, names))
    finally:
        servers.__exit__(None, None, None)
    print(f'1..{len(names)}')
    for i, (name, problems) in enumerate(zip(names, results), 1):
        if isinstance(problems, str):
            print(f'ok {i} - {name} # {problems}')
        elif problems:
            print(f'not ok {i} - {name}')
            for line in '\n'.join(problems).splitlines():
                print(f'# {line}')
        else:
            print(f'ok {i} - {name}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
