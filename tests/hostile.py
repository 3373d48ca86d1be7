#!/usr/bin/env python3
"""Hostile and broken input: every case runs the real dsn-explain and checks
that it neither crashes nor hangs, that every message yields exactly one
valid JSON result, and the exit status. doc/HOSTILE.md lists the cases.
Prints TAP. usage: hostile.py DSN_EXPLAIN"""
import json, os, random, shutil, subprocess, sys, tempfile, time

EXE = sys.argv[1]
WRAPPER = os.environ.get('DSN_TEST_WRAPPER', '').split()
# Sanitizers multiply memory: peak RSS is only checked in plain builds.
SANITIZED = b'san.so' in subprocess.run(['ldd', EXE], capture_output=True).stdout
tmp = tempfile.mkdtemp(prefix='dsn-hostile-')
n = 0


def write(name, data):
    path = os.path.join(tmp, name)
    with open(path, 'wb') as f:
        f.write(data)
    return path


def bounce(rcpts=1, extra_headers=b'', body_extra=b'', status=b'5.1.1'):
    groups = b''.join(b'\nFinal-Recipient: rfc822; user%d@example.org\nAction: failed\nStatus: %s\n' % (i, status)
                      for i in range(rcpts))
    return (b'From: MAILER-DAEMON@mx.example.com\nTo: sender@example.com\nSubject: Undelivered Mail\n' + extra_headers +
            b'MIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary="B"\n\n'
            b'--B\nContent-Type: text/plain\n\nfailed' + body_extra + b'\n--B\nContent-Type: message/delivery-status\n\n'
            b'Reporting-MTA: dns; mx.example.com\n' + groups + b'\n--B--\n')


# Runs a command and writes its exit status and peak RSS (KiB) to a file:
# a fresh process, because a child's peak RSS counts the memory of the
# process it was spawned from (this one's peak) until it execs.
MEASURE = ('import os, subprocess, sys\n'
           'p = subprocess.Popen(sys.argv[2:])\n'
           '_, status, ru = os.wait4(p.pid, 0)\n'
           'open(sys.argv[1], "w").write("%d %d" % (os.waitstatus_to_exitcode(status), ru.ru_maxrss))\n')


def run(argv, timeout, pipe_from=None):
    """Runs ARGV (its standard input a pipe from the command PIPE_FROM, if
    given); returns (exit status, stdout, stderr, peak RSS in MiB), or None
    if it did not end within TIMEOUT seconds."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        result = os.path.join(tmp, 'measure')
        cat = subprocess.Popen(pipe_from, stdout=subprocess.PIPE) if pipe_from else None
        p = subprocess.Popen([sys.executable, '-c', MEASURE, result] + argv, stdout=out, stderr=err,
                             stdin=cat.stdout if cat else None, start_new_session=True)
        if cat:
            cat.stdout.close()
        try:
            p.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, 9)
            p.wait()
            return None
        finally:
            if cat:
                cat.kill()
                cat.wait()
        status, rss = (int(x) for x in open(result).read().split())
        out.seek(0)
        err.seek(0)
        return status, out.read(), err.read(), rss / 1024.0


def check(name, args, want_status, want_results, extra=None, timeout=120, text=False, max_rss=None,
          pipe_from=None):
    """Runs dsn-explain --json ARGS (plain text with TEXT) and checks the exit
    status, that every result is one valid JSON line (valid UTF-8 text),
    their number, EXTRA (a function of the results and the process that
    returns what is wrong, if anything) and the peak memory (MAX_RSS MiB)."""
    global n
    n += 1
    r = run(WRAPPER + [EXE] + ([] if text else ['--json']) + ['--no-progress'] + args, timeout, pipe_from)
    if r is None:
        print(f'not ok {n} - {name}: hung (no result after {timeout}s)')
        return
    p = subprocess.CompletedProcess(args, r[0], r[1], r[2])
    problems = []
    if p.returncode < 0 or p.returncode > 3:
        problems.append(f'crashed: exit {p.returncode}: {p.stderr[-400:].decode(errors="replace")}')
    elif p.returncode not in (want_status if isinstance(want_status, tuple) else (want_status,)):
        problems.append(f'exit {p.returncode}, want {want_status}')
    objs = []
    try:
        out = p.stdout.decode('utf-8')
        if not text:
            objs = [json.loads(l) for l in out.split('\n') if l.strip()]
    except (UnicodeDecodeError, ValueError) as e:
        problems.append(f'output is not valid UTF-8{"" if text else " JSON Lines"}: {e}')
    if not problems and not text and len(objs) != want_results:
        problems.append(f'{len(objs)} results, want {want_results}')
    if not problems and extra:
        try:
            msg = extra(objs, p)
            if msg:
                problems.append(msg)
        except Exception as e:  # a failed expectation, reported as such
            problems.append(f'check raised {e!r}')
    if max_rss and r[3] > max_rss and not WRAPPER and not SANITIZED:
        problems.append(f'peak RSS {r[3]:.0f} MiB, more than {max_rss} MiB')
    if problems:
        print(f'not ok {n} - {name}')
        for pr in problems:
            print('# ' + pr.replace('\n', '\n# '))
    else:
        print(f'ok {n} - {name}')


def kinds(*want):
    return lambda objs, p: None if [o['kind'] for o in objs] == list(want) else f'kinds {[o["kind"] for o in objs]}'


random.seed(42)
check('empty file', [write('empty', b'')], 3, 1, kinds('error'))
check('only white space', [write('blank', b'\n\n \t\n')], 3, 1, kinds('error'))
# Binary files are no messages (issue 13 row 11): an error result each, the batch goes on.
check('1 MiB of random bytes: not a message', [write('random', bytes(random.getrandbits(8) for _ in range(1 << 20)))],
      3, 1, lambda o, p: None if o[0]['kind'] == 'error' and 'not a message' in o[0]['error'] else str(o[0])[:200])
png = b'\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR' + bytes(random.getrandbits(8) for _ in range(4000))
elf = b'\x7fELF\x02\x01\x01' + bytes(9) + bytes(random.getrandbits(8) for _ in range(4000))
gz = b'\x1f\x8b\x08\x00' + bytes(random.getrandbits(8) for _ in range(4000))
check('a PNG, a shared library, gzip data: three errors, then the bounce', [write('x.png', png), write('x.so', elf), write('x.gz', gz), write('ok-after', bounce())], 3, 4,
      lambda o, p: None if [x['kind'] for x in o] == ['error'] * 3 + ['delivery-status'] and all('not a message' in x['error'] for x in o[:3])
      else [(x['kind'], x.get('error')) for x in o])
check('NUL bytes in a bounce', [write('nul', bounce(body_extra=b'\0\0 zero \0'))], 0, 1,
      lambda o, p: None if any('NUL' in w for w in o[0]['warnings']) else 'no NUL warning')
check('invalid UTF-8 in headers and body', [write('badutf8', bounce(extra_headers=b'X-Note: \xff\xfe\xc3\x28\n',
                                                                     body_extra=b' \xe2\x28\xa1 \xf0\x90'))], 0, 1)
check('raw 8-bit Latin-1 Subject', [write('latin1', b'From: a@example.org\nSubject: R\xe9union d\'\xe9quipe\n\nhi\n')], 1, 1,
      lambda o, p: None if o[0]['subject'] and '\ufffd' not in o[0]['subject'] and 'union' in o[0]['subject'] else o[0]['subject'])
check('bare CR line endings', [write('cr', bounce().replace(b'\n', b'\r'))], 0, 1,
      lambda o, p: None if o[0]['recipients'][0]['status'] == '5.1.1' else 'not parsed')

mbox = b''.join(b'From MAILER-DAEMON Thu Jan  1 00:00:00 2026\n' + bounce() + b'\n' for _ in range(3))
check('mbox with a truncated last message', [write('trunc.mbox', mbox + b'From x Thu Jan  1 00:00:00 2026\nFrom: a@b\nContent-Type: multipart/report; boundary="Q"\n\n--Q\nContent-Type: message/delivery-st')], 0, 4)
check('mbox whose last message has no header end', [write('trunc2.mbox', mbox + b'From x Thu Jan  1 00:00:00 2026\nSubject: cut in the midd')], 0, 4)

# A 5-byte sequence of old UTF-8 is no character: repaired at intake, in
# the text output too (issue 13 row 12).
old_utf8 = b'\xf8\x88\x80\x80\x80'
check('5-byte old UTF-8 in Action, Remote-MTA, Diagnostic-Code: valid UTF-8 text output',
      [write('utf5', bounce().replace(b'Action: failed', b'Action: failed' + old_utf8).replace(
          b'Status: 5.1.1\n', b'Status: 5.1.1\nRemote-MTA: dns; mx' + old_utf8 + b'.example.org\n'
          b'Diagnostic-Code: smtp; 550 5.1.1 unknown ' + old_utf8 + b' user\n'))], 0, 1, text=True,
      extra=lambda o, p: None if b'mx\xef\xbf\xbd' in p.stdout else p.stdout[:300])

check('10,000 recipients', [write('10k', bounce(rcpts=10000))], 0, 1,
      lambda o, p: None if len(o[0]['recipients']) == 10000 and not o[0]['warnings'] else f'{len(o[0]["recipients"])} recipients, warnings {o[0]["warnings"]}')
check('10,001 recipients: the limit, with a warning', [write('10k1', bounce(rcpts=10001))], 0, 1,
      lambda o, p: None if len(o[0]['recipients']) == 10000 and any('10001' in w for w in o[0]['warnings']) else 'no limit')

# Big inputs are written without being kept: a child's peak RSS counts
# this process's memory until it execs.
path_big = write('100mb', bounce(body_extra=b'\n' + (b'QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB\n' * 1_400_000)))
# The size limit applies while reading: the file is not read (issue 13 row 3).
check('a 100 MB message: an error result, not read, and the run goes on', [path_big, write('after', bounce())], 3, 2,
      lambda o, p: None if o[0]['kind'] == 'error' and 'size limit' in o[0]['error'] and o[1]['kind'] == 'delivery-status' else str(o[0])[:200],
      max_rss=100)
check('300 MB on a pipe: read no further than the limit', ['-'], 3, 1,
      lambda o, p: None if o[0]['kind'] == 'error' and 'size limit' in o[0]['error'] else str(o[0])[:200],
      max_rss=300, pipe_from=['head', '-c', '300000000', '/dev/zero'])
os.remove(path_big)
check('/dev/zero: an error result, not an abort', ['/dev/zero', write('after-zero', bounce())], 3, 2,
      lambda o, p: None if o[0]['kind'] == 'error' and 'size limit' in o[0]['error'] and o[1]['kind'] == 'delivery-status' else str(o[0])[:200],
      timeout=60, max_rss=400)
# --jobs behind one slow message (issue 13 row 3): the reader went on
# reading while the messages after it waited to be printed in order, 512
# of them, whatever their size (2.1 GB). The messages in flight are bounded
# in bytes too, a few times the size limit.
env = b'From MAILER-DAEMON Thu Jan  1 00:00:00 2026\n'
slow = (b'From: MAILER-DAEMON@mx.example.com\nTo: s@example.com\nSubject: Undelivered Mail Returned to Sender\n\n'
        b'This is the mail system at host mx.example.com.\n\n' +
        b''.join(b'<user%d@example.org>: host mx.example.org[192.0.2.1] said: 550 5.1.1 unknown user %d '
                 b'(in reply to RCPT TO command)\n\n' % (i, i) for i in range(10000)))
large = bounce(body_extra=b'\n' + b'x' * 76 * 13000)
path_jobs = os.path.join(tmp, 'slow-then-large.mbox')
with open(path_jobs, 'wb') as f:
    f.write(env + slow + b'\n')
    for _ in range(150):
        f.write(env + large + b'\n')
check('--jobs 2, one slow message then 150 MB of messages: memory bounded', ['--jobs', '2', '--limit', 'size=1500000', path_jobs],
      0, 151, timeout=120, max_rss=100)
os.remove(path_jobs)
check('a 50 MB attachment is read', [write('50mb', bounce().replace(b'\n--B--\n', b'\n--B\nContent-Type: application/zip\nContent-Transfer-Encoding: base64\n\n' +
                          b'UEsDBBQAAAAIAAAAIQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n' * 700_000 + b'\n--B--\n'))], 0, 1,
      lambda o, p: None if o[0]['recipients'][0]['reason'] == 'userunknown' else 'not analysed')

nest = b'From: MAILER-DAEMON@x\nSubject: nested\nContent-Type: multipart/mixed; boundary="b0"\n\n'
for i in range(1, 2000):
    nest += b'--b%d\nContent-Type: multipart/mixed; boundary="b%d"\n\n' % (i - 1, i)
check('MIME nesting 2,000 deep', [write('nest', nest)], 1, 1,
      lambda o, p: None if any('nesting' in w.lower() or 'deeper' in w.lower() for w in o[0]['warnings']) else o[0]['warnings'])
msgs = b'From: a@b\nSubject: deep\nContent-Type: message/rfc822\n\n' * 3000 + b'Subject: core\n\nend\n'
check('message/rfc822 nested 3,000 deep', [write('deeprfc822', msgs)], 1, 1)
parts = b'From: MAILER-DAEMON@x\nSubject: parts\nContent-Type: multipart/mixed; boundary="p"\n\n' + \
        b'--p\nContent-Type: text/plain\n\nnothing here\n' * 50000 + b'--p--\n'
check('50,000 MIME parts', [write('parts', parts)], 1, 1)
# GMime builds every part: past the parts limit the rest is ignored (issue 13 row 3).
check('600,000 tiny MIME parts: the first 10,000 read, with a warning',
      [write('tinyparts', b'From: MAILER-DAEMON@x\nSubject: parts\nContent-Type: multipart/mixed; boundary="p"\n\n' +
             b'--p\n\nx\n' * 600_000 + b'--p--\n')], 1, 1,
      lambda o, p: None if any('MIME parts' in w for w in o[0]['warnings']) else o[0]['warnings'],
      timeout=60, max_rss=300)
check('a 10 MB header field is cut', [write('longhdr', b'From: a@b\nSubject: ' + b'x' * 10_000_000 + b'\n\nbody\n')], 1, 1,
      lambda o, p: None if any('cut' in w for w in o[0]['warnings']) and len(o[0]['subject']) < 70000 else 'not cut')
check('a 10 MB line with no newline', [write('longline', b'From: MAILER-DAEMON@x\nSubject: Undelivered\n\n' + b'y' * 10_000_000)], 1, 1)
# Inputs that made a scan quadratic: each must end in seconds, not hours.
check('a 10 MB line of reply codes, bounce subject, from a person',
      [write('replycodes', b'From: Person <p@example.com>\nSubject: Undelivered mail\n\n' + b'abc 550 ' * 1_300_000)],
      1, 1, kinds('not-a-bounce'), timeout=60)
check('200,000 address lines in a text report',
      [write('addrlines', b'From: MAILER-DAEMON@mx.example.net\nSubject: Undelivered Mail Returned to Sender\n\n'
             b'Some text\n\n' + b''.join(b'user%d@example.org: 550 5.1.1 unknown\n' % i for i in range(200_000)))],
      0, 1, lambda o, p: None if len(o[0]['recipients']) == 10_000 else f'{len(o[0]["recipients"])} recipients',
      timeout=60)
check('a boundary that never closes', [write('noclose', bounce().replace(b'\n--B--\n', b'\n'))], 0, 1)
check('a delivery-status part of 200,000 garbage lines', [write('garbage-dsn', bounce().replace(b'Reporting-MTA', b'no colon here\n' * 200000 + b'Reporting-MTA'))], 0, 1,
      lambda o, p: None if len(o[0]['warnings']) < 10 else f'{len(o[0]["warnings"])} warnings')
check('a directory, a missing file and stdin together', [tmp + '/nonexistent.eml', write('ok', bounce())], 3, 2,
      kinds('error', 'delivery-status'))

# Text reports name recipients in prose: each dialect's search is linear,
# and extraction keeps no more than the limit (issue 13 row 2).
def text_report(head, intro, per_rcpt, n, tail=b''):
    return head + b'\n' + intro + b''.join(per_rcpt % {b'a': b'user%d@example.net' % i} for i in range(n)) + tail
many = 100_000
reports = {
    'Postfix': lambda: text_report(b'From: MAILER-DAEMON@mx.example.org\nSubject: Undelivered Mail Returned to Sender\n',
                           b'This is the mail system at host mx.example.org.\n\n',
                           b'<%(a)s>: host mx.example.net[192.0.2.1] said: 550 5.1.1 <%(a)s>: User unknown (in\n'
                           b'    reply to RCPT TO command)\n\n', many),
    'qmail': lambda: text_report(b'From: MAILER-DAEMON@mail.example.org\nSubject: failure notice\n',
                         b'Hi. This is the qmail-send program at mail.example.org.\n\n',
                         b'<%(a)s>:\n192.0.2.30 does not like recipient.\nRemote host said: 550 5.1.1 unknown\n\n', many),
    'Exim': lambda: text_report(b'From: Mail Delivery System <Mailer-Daemon@mx.example.org>\nSubject: Mail delivery failed\n',
                        b'This message was created automatically by mail delivery software.\n\n'
                        b'The following address(es) failed:\n\n',
                        b'  %(a)s\n    host mx.example.net [192.0.2.55]\n'
                        b'    SMTP error from remote mail server after RCPT TO:<%(a)s>:\n    550 5.1.1 unknown\n', many),
    'Sendmail': lambda: text_report(b'From: Mail Delivery Subsystem <MAILER-DAEMON@mx.example.org>\nSubject: Returned mail\n',
                            b'   ----- The following addresses had permanent fatal errors -----\n',
                            b'<%(a)s>\n    (reason: 550 5.1.1 User unknown)\n', many,
                            b'\n   ----- Transcript of session follows -----\n... while talking to mx.example.net.:\n' +
                            b''.join(b'>>> RCPT To:<user%d@example.net>\n<<< 550 5.1.1 <user%d@example.net>... User unknown\n'
                                     % (i, i) for i in range(many))),
    'Exchange': lambda: text_report(b'From: postmaster@example.org\nSubject: Undeliverable: figures\nX-Mailer: Internet Mail Service\n',
                            b'did not reach the following recipient(s):\n\n',
                            b'%(a)s on Tue, 14 Mar 2006 10:21:02 +0100\n    The recipient name is not recognized\n', many),
}
for dialect, make in reports.items():
    check(f'{dialect} report naming 100,000 recipients: the first 10,000, in seconds', [write('many-' + dialect, make())],
          0, 1, lambda o, p: None if len(o[0]['recipients']) == 10_000 and any('100000 recipients' in w for w in o[0]['warnings'])
          else f'{len(o[0]["recipients"])} recipients, warnings {o[0]["warnings"]}', timeout=30, max_rss=400)
    os.remove(os.path.join(tmp, 'many-' + dialect))

# Maildirs and other folders (issue 13 rows 4 and 13): each folder read
# once, symbolic link loops included; entries that are no regular file are
# an error result each, never silence nor a hang.
md = os.path.join(tmp, 'Maildir')
for sub in ('cur', 'new', 'tmp'):
    os.makedirs(os.path.join(md, sub))
write('Maildir/cur/1.host:2,S', bounce())
for i in range(3):
    os.symlink('.', os.path.join(md, f'loop{i}'))
check('a Maildir holding 3 symbolic links to itself: its message once', [md], 0, 1, kinds('delivery-status'))
os.mkfifo(os.path.join(md, 'new', '2.fifo'))
os.symlink('/nonexistent/x', os.path.join(md, 'new', '3.dangling'))
os.symlink('/dev/zero', os.path.join(md, 'new', '4.zero'))
check('a FIFO, a dangling link and a /dev/zero link in a Maildir: an error result each', [md], 3, 4,
      lambda o, p: None if [x['kind'] for x in o] == ['delivery-status', 'error', 'error', 'error'] else [(x['kind'], x.get('error')) for x in o],
      timeout=30)
shutil.rmtree(md)

# mbox (issue 13 rows 10 and 13): a dated envelope line starts a message
# even after a message cut in the middle of a line; a blank line, a byte
# order mark or a line of some tool before the first envelope is tolerated.
env = b'From MAILER-DAEMON Thu Jan  1 00:00:00 2026\n'
cut_box = b''.join(env + bounce() + b'--- the copy of the mess\n' for _ in range(170))
check('an mbox of 170 messages cut mid-line, no blank line between them: 170 results', [write('cut.mbox', cut_box)], 0, 170)
box = b''.join(env + bounce() + b'\n' for _ in range(5))
check('an mbox starting with a blank line', [write('blank.mbox', b'\n' + box)], 0, 5)
check('an mbox starting with a byte order mark', [write('bom.mbox', b'\xef\xbb\xbf' + box)], 0, 5)
check('an mbox starting with a line of its own', [write('junk.mbox', b'Exported by SomeTool 1.0\n' + box)], (0, 1, 3), 6,
      lambda o, p: None if [x['kind'] for x in o[1:]] == ['delivery-status'] * 5 else [x['kind'] for x in o])
check('a message quoting an envelope line is one message', [write('quoted-env', b'From: a@example.org\nSubject: fwd\n\n' + env + b'Subject: x\n\nhi\n')],
      1, 1)
print(f'1..{n}')
