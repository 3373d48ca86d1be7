#!/usr/bin/env python3
"""dsn-explain --jobs: the results of any number of threads are those of
one, in input order, for every kind of input (--text values, files, an
mbox, a Maildir, a path that cannot be opened, standard input), across the
pool's batches and window; and a message read from a stream (a pipe) is
explained as soon as it is read, not when more input comes. Prints TAP.
usage: jobs.py DSN_EXPLAIN TESTDATA_BOUNCES"""
import glob, os, select, shutil, subprocess, sys, tempfile, time

EXE, DATA = sys.argv[1], sys.argv[2]
WRAPPER = os.environ.get('DSN_TEST_WRAPPER', '').split()
tmp = tempfile.mkdtemp(prefix='dsn-jobs-')
n = failed = 0


def ok(cond, name, detail=''):
    global n, failed
    n += 1
    print(('ok %d - %s' if cond else 'not ok %d - %s') % (n, name))
    if not cond:
        failed += 1
        for line in str(detail).splitlines()[:20]:
            print('# ' + line)


def run(args, stdin=None):
    p = subprocess.run(WRAPPER + [EXE, '--no-progress'] + args, input=stdin,
                       capture_output=True, timeout=300)
    return p.returncode, p.stdout, p.stderr


files = sorted(glob.glob(os.path.join(DATA, '*.eml')))
envelope = b'From MAILER-DAEMON Thu Jan  1 00:00:00 2026\n'


def mbox_of(paths, repeat=1):
    out = []
    for _ in range(repeat):
        for f in paths:
            data = open(f, 'rb').read().replace(b'\r\n', b'\n')
            lines = [b'>' + l if l.lstrip(b'>').startswith(b'From ') else l for l in data.split(b'\n')]
            out.append(envelope + b'\n'.join(lines).rstrip(b'\n') + b'\n\n')
    return b''.join(out)


# More messages than the pool's window (512) and not a multiple of its
# batch (32): every boundary is crossed.
box = os.path.join(tmp, 'box.mbox')
big = mbox_of(files, repeat=3)
with open(box, 'wb') as f:
    f.write(big)
count = big.count(envelope)

maildir = os.path.join(tmp, 'md')
for sub in ('cur', 'new', 'tmp'):
    os.makedirs(os.path.join(maildir, sub))
for i, f in enumerate(files[:40]):
    shutil.copy(f, os.path.join(maildir, 'new' if i % 2 else 'cur', '%03d' % i))
open(os.path.join(maildir, 'new', 'empty'), 'wb').close()

mixed = ['--text', '550 5.1.1 <anna@example.org>: Recipient address rejected: User unknown',
         '--text', '452 4.2.2 Mailbox full', files[0], os.path.join(tmp, 'missing.eml'), maildir, box,
         files[1]]

serial = {}
for name, args, stdin in (('mixed inputs', ['--json'] + mixed, None),
                          ('an mbox on standard input', ['--json'], big),
                          ('mixed inputs as text', mixed, None),
                          ('mixed inputs, --summary', ['--summary', '--json'] + mixed, None)):
    serial[name] = run(args, stdin)
    status, out, err = serial[name]
    if name in ('mixed inputs', 'an mbox on standard input'):
        lines = out.splitlines()
        expected = count + (2 + 1 + 1 + 41 + 1 if name == 'mixed inputs' else 0)
        ok(len(lines) == expected, '%s, one thread: one result per message (%d)' % (name, expected),
           '%d results' % len(lines))
    for jobs in (2, 3, 8):
        got = run(['--jobs', str(jobs)] + args, stdin)
        ok(got == serial[name], '%s, --jobs %d: the same results, order, errors and exit status' % (name, jobs),
           'exit %d vs %d; stderr %r' % (got[0], status, got[2][:300]))

# A stream: each result as soon as its message is read. An mbox message
# ends where the next envelope line begins; the pipe is then left open.
message = mbox_of(files[:1])
for jobs, before in ((1, []), (2, []), (4, []), (2, files[:3])):
    p = subprocess.Popen(WRAPPER + [EXE, '--json', '--no-progress', '--jobs', str(jobs)] + before +
                         (['-'] if before else []),
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    results = []
    for i in range(3 + len(before)):
        if i < 3:
            p.stdin.write(message if i == 0 else message[len(envelope):] + envelope)
            if i == 0:
                p.stdin.write(envelope)
            p.stdin.flush()
        deadline = time.monotonic() + 30
        line = b''
        while not line.endswith(b'\n') and time.monotonic() < deadline:
            if select.select([p.stdout], [], [], 0.5)[0]:
                chunk = os.read(p.stdout.fileno(), 1)
                if not chunk:
                    break
                line += chunk
        results.append(line)
    p.stdin.close()
    rest = p.stdout.read()
    p.wait(60)
    ok(all(r.endswith(b'\n') for r in results) and rest.count(b'\n') == 1,
       '--jobs %d on a pipe%s: each message explained while the pipe stays open'
       % (jobs, ' after %d files' % len(before) if before else ''),
       'results before the end: %d; after: %d' % (sum(r.endswith(b'\n') for r in results), rest.count(b'\n')))

shutil.rmtree(tmp)
print('1..%d' % n)
sys.exit(1 if failed else 0)
