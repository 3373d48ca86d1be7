#!/usr/bin/env python3
"""Hostile and broken input: every case runs the real dsn-explain and checks
that it neither crashes nor hangs, that every message yields exactly one
valid JSON result, and the exit status. Then the tools' own edges: output
that cannot be written, a reader that goes away, terminal escapes in what
they print, option values, a dead DNS server. doc/HOSTILE.md lists the
cases. Prints TAP. usage: hostile.py DSN_EXPLAIN [MAILCHECK|-] [DSN_WEB|-]"""
import json, os, random, re, shutil, signal, socket, subprocess, sys, tempfile, time

EXE = sys.argv[1]
MAILCHECK = sys.argv[2] if len(sys.argv) > 2 and sys.argv[2] != '-' else None
WEB = sys.argv[3] if len(sys.argv) > 3 and sys.argv[3] != '-' else None
SRC = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
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
                problems.append(str(msg))
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

# ------------------------------------------------------------ delivery headers
# Trace fields a header block repeats (issue 13 row 3): the first 100 of
# each kind are read, the rest dropped before GMime builds them, with a
# warning; one Authentication-Results field gives at most 50 verdicts.
def trace_message(name, n):
    if name == 'Received':
        fields = b''.join(b'Received: from relay%d.example.org (relay%d.example.org [192.0.2.%d])\n'
                          b'\tby relay%d.example.org with ESMTPS id %08x; Thu, 1 Jan 2026 00:00:%02d +0000\n'
                          % (i + 1, i + 1, i % 250 + 1, i, i, i % 60) for i in range(n))
    else:
        fields = b''.join(b'Authentication-Results: mx%d.example.net; spf=pass smtp.mailfrom=example.org;\n'
                          b'\tdkim=pass header.d=example.org; dmarc=pass header.from=example.org\n' % i for i in range(n))
    return fields + b'From: a@example.org\nTo: b@example.net\nSubject: hello\n\nhello\n'


check('100,000 Authentication-Results fields: 100 read, a warning, memory near the input\'s',
      [write('many-ar', trace_message('Authentication-Results', 100_000))], 0, 1,
      lambda o, p: None if len(o[0]['headers']['authentication']) == 300 and any(
          '99900 Authentication-Results fields' in w for w in o[0]['warnings']) else
      (len(o[0]['headers']['authentication']), o[0]['warnings']), timeout=60, max_rss=80)
check('100,000 Received fields: 100 hops, a warning, memory near the input\'s',
      [write('many-received', trace_message('Received', 100_000))], 0, 1,
      lambda o, p: None if len(o[0]['headers']['hops']) == 100 and any(
          '99900 Received fields' in w for w in o[0]['warnings']) else
      (len(o[0]['headers']['hops']), o[0]['warnings']), timeout=60, max_rss=80)
check('100,000 Received fields in the returned message: read no further than 100',
      [write('many-received-original', bounce().replace(b'\n--B--\n', b'\n--B\nContent-Type: message/rfc822\n\n' +
                                                         trace_message('Received', 100_000) + b'\n--B--\n'))], 0, 1,
      lambda o, p: None if any('99900 Received fields' in w for w in o[0]['warnings']) else o[0]['warnings'],
      timeout=60, max_rss=80)
check('--limit trace=5: five of each', ['--limit', 'trace=5', write('many-received-5', trace_message('Received', 1000))],
      0, 1, lambda o, p: None if len(o[0]['headers']['hops']) == 5 else len(o[0]['headers']['hops']))
wide = b'Authentication-Results: mx.example.net; ' + b'dkim=pass header.d=example.org;\n\t' * 2000 + b'spf=pass\n'
check('100 Authentication-Results fields of 2,000 verdicts each: 50 read of each, a finding',
      [write('wide-ar', wide * 100 + b'From: a@example.org\nSubject: hello\n\nhello\n')], 0, 1,
      lambda o, p: None if len(o[0]['headers']['authentication']) == 5000 and any(
          f['code'] == 'auth.results_cut' for f in o[0]['headers']['findings']) else
      len(o[0]['headers']['authentication']), timeout=60, max_rss=80)
for name in ('many-ar', 'many-received', 'many-received-original', 'wide-ar'):
    os.remove(os.path.join(tmp, name))


# ------------------------------------------------------------ the tools themselves
def tool(name, argv, want_status, extra=None, timeout=60, **popen):
    """Runs ARGV (a tool, not under the wrapper: exit statuses and signals
    are what is checked) and checks its exit status (a negative one: killed
    by that signal) and EXTRA (a function of the completed process that
    returns what is wrong, if anything)."""
    global n
    n += 1
    if 'stdout' not in popen:
        popen['stdout'] = subprocess.PIPE
    try:
        p = subprocess.run(argv, stderr=subprocess.PIPE, timeout=timeout, **popen)
    except subprocess.TimeoutExpired:
        print(f'not ok {n} - {name}: no end after {timeout}s')
        return
    problems = []
    if p.returncode not in (want_status if isinstance(want_status, tuple) else (want_status,)):
        problems.append(f'exit {p.returncode}, want {want_status}; stderr {p.stderr[-300:]!r}')
    elif extra:
        try:
            msg = extra(p)
            if msg:
                problems.append(str(msg))
        except Exception as e:
            problems.append(f'check raised {e!r}')
    print(f'{"not " if problems else ""}ok {n} - {name}')
    for pr in problems:
        print('# ' + pr.replace('\n', '\n# ')[:2000])


def one_line(pattern):
    """The process wrote one line on stderr, matching PATTERN, and nothing
    that looks like GLib's warnings."""
    def f(p):
        lines = p.stderr.decode(errors='replace').splitlines()
        if len(lines) != 1 or not re.search(pattern, lines[0]):
            return f'stderr {lines!r}'
    return f


def closed_stdout(argv):
    return ['sh', '-c', 'exec "$@" >&-', 'sh'] + argv


tools = [('dsn-explain', EXE)] + ([('mailcheck', MAILCHECK)] if MAILCHECK else []) + ([('dsn-web', WEB)] if WEB else [])
seed = os.path.join(SRC, 'testdata', 'bounces', 'seed-quota.eml')
# Output that cannot be written (issue 13 row 5): one line on stderr, exit 4.
full = open('/dev/full', 'wb')
for label, exe in tools:
    for args in (['--version'], ['--help']):
        tool(f'{label} {args[0]} > /dev/full: an error, exit 4', [exe] + args, 4,
             one_line('cannot write the output: No space left on device'), stdout=full)
        tool(f'{label} {args[0]} with standard output closed: an error, exit 4', closed_stdout([exe] + args), 4,
             one_line('cannot write the output: Bad file descriptor'))
tool('dsn-explain x.eml > /dev/full: an error, exit 4', [EXE, seed], 4,
     one_line('^dsn-explain: cannot write the output: No space left on device$'), stdout=full)
tool('dsn-explain --json --summary x.eml > /dev/full: an error, exit 4', [EXE, '--json', '--summary', seed], 4,
     one_line('cannot write the output'), stdout=full)
tool('dsn-explain x.eml with standard output closed: an error, exit 4', closed_stdout([EXE, seed]), 4,
     one_line('cannot write the output: Bad file descriptor'))
env = b'From MAILER-DAEMON Thu Jan  1 00:00:00 2026\n'
big_box = write('big.mbox', b''.join(env + bounce() + b'\n' for _ in range(3000)))
tool('an mbox of 3,000 messages > /dev/full: stops at the first failed write', [EXE, '--no-progress', big_box], 4,
     one_line('cannot write the output'), stdout=full, timeout=30)
if MAILCHECK:
    dead = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    dead.bind(('127.0.0.1', 0))
    closed_port = dead.getsockname()[1]
    dead.close()
    mc = [MAILCHECK, '--dns-server', f'127.0.0.1:{closed_port}', '--timeout', '0.2', '--retries', '0', 'example.org']
    tool('mailcheck example.org > /dev/full: an error, exit 4', mc, 4, one_line('cannot write the output'), stdout=full)
    tool('mailcheck example.org with standard output closed: an error, exit 4', closed_stdout(mc), 4,
         one_line('cannot write the output'))
full.close()


# A reader that goes away (issue 13 row 6): "dsn-explain big.mbox | head -1"
# ends at once, killed by SIGPIPE as a shell expects, without a message;
# also when SIGPIPE came ignored from the parent.
def piped_to_head(name, ignore_sigpipe):
    global n
    n += 1
    start = time.monotonic()
    pre = (lambda: signal.signal(signal.SIGPIPE, signal.SIG_IGN)) if ignore_sigpipe else None
    p1 = subprocess.Popen([EXE, '--no-progress', big_box], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          preexec_fn=pre)
    p2 = subprocess.Popen(['head', '-1'], stdin=p1.stdout, stdout=subprocess.DEVNULL)
    p1.stdout.close()
    p2.wait()
    try:
        err = p1.communicate(timeout=60)[1]
    except subprocess.TimeoutExpired:
        p1.kill()
        p1.wait()
        print(f'not ok {n} - {name}: still running 60 s after head ended')
        return
    problems = []
    if p1.returncode != -signal.SIGPIPE:
        problems.append(f'exit {p1.returncode} after {time.monotonic() - start:.1f} s, want killed by SIGPIPE')
    if err:
        problems.append(f'stderr {err[:300]!r}')
    print(f'{"not " if problems else ""}ok {n} - {name}')
    for pr in problems:
        print('# ' + pr)


piped_to_head('dsn-explain big.mbox | head -1: ends at once on SIGPIPE, quietly', False)
piped_to_head('the same with SIGPIPE ignored by the parent: ends the same way', True)
os.remove(big_box)

# Terminal escapes in the bounce (issue 13 row 7): every control character,
# C1 and bidirectional override is shown escaped, in every text output;
# with colour, the only escape sequences are the palette's.
CONTROLS = re.compile(rb'[\x00-\x09\x0b-\x1f\x7f]|\xc2[\x80-\x9f]|\xe2\x80[\xaa-\xae]|\xe2\x81[\xa6-\xa9]')
PALETTE = re.compile(rb'\x1b\[[0-9;]*m')
evil = b'\x1b]0;pwned\x07 \x1b[2J \x7f \xc2\x9b31m \xe2\x80\xae \xe2\x81\xa6 \x01 \x1f'


def no_controls(p, want_escaped=rb'\\x1b\]0;pwned\\x07'):
    for name, text in (('stdout', PALETTE.sub(b'', p.stdout)), ('stderr', p.stderr)):
        m = CONTROLS.search(text)
        if m:
            return f'{name}: {m.group()!r} at {m.start()}: {text[max(0, m.start() - 60):m.start() + 20]!r}'
    if want_escaped and not re.search(want_escaped, p.stdout + p.stderr):
        return f'no escaped sequence in {p.stdout[-600:]!r}'


evil_bounce = write('evil.eml', bounce(extra_headers=b'', status=b'5.1.1').replace(
    b'Final-Recipient: rfc822; user0@example.org', b'Final-Recipient: rfc822; us\x1fer0@exa\x1fmple.org').replace(
    b'Status: 5.1.1\n', b'Status: 5.1.1\nRemote-MTA: dns; mx\x1b[31m.example.org\nDiagnostic-Code: smtp; 550 5.1.1 ' + evil + b' unknown\n'
).replace(b'\n--B--\n', b'\n--B\nContent-Type: message/rfc822\n\nFrom: sender@example.com\nSubject: hi ' + evil + b'\n\nhi\n--B--\n'))
evil_headers = write('evil-headers.eml', b'Received: from evil\x1b[2J.example.org (evil.example.org [192.0.2.1])\n'
                     b'\tby mx\x1b]0;t\x07.example.net with ESMTP; Thu, 1 Jan 2026 00:00:00 +0000\n'
                     b'Authentication-Results: mx\x1b[5m.example.net; spf=pass smtp.mailfrom=ex\x1b[2Jample.org\n'
                     b'From: a@ex\x1b[2Jample.org\nSubject: hello\n\nhello\n')
for args in ([], ['--color=always'], ['--summary'], ['--summary', '--color=always'], ['--lang', 'fr']):
    tool(f'escapes from a bounce, text output {" ".join(args)}: shown escaped', [EXE, '--no-progress'] + args + [evil_bounce],
         0, no_controls)
tool('escapes in delivery headers: shown escaped', [EXE, '--color=always', evil_headers], 0,
     lambda p: no_controls(p, rb'evil\\x1b\[2J\.example\.org'))
tool('escapes in a file name: the error line on stderr shows them escaped',
     [EXE, os.path.join(tmp, 'no\x1b]0;title\x07such\x1b[2J.eml')], 3,
     lambda p: no_controls(p, rb'no\\x1b\]0;title\\x07such\\x1b\[2J\.eml'))
# --json --summary (issue 13 row 8): the writer of the results escapes
# every control character, 0x1f included.
tool('--json --summary with 0x1f in a diagnostic: valid JSON', [EXE, '--json', '--summary', evil_bounce], 0,
     lambda p: None if any('\x1f' in d for d in json.loads(p.stdout)['top_diagnostics']) else p.stdout[:300])
tool('--json with escapes: valid JSON, the text as it was', [EXE, '--json', evil_bounce], 0,
     lambda p: None if '\x1b]0;pwned\x07' in json.loads(p.stdout)['recipients'][0]['diagnostic'] else p.stdout[:300])
if MAILCHECK:
    n += 1
    try:
        sys.path.insert(0, os.path.join(SRC, 'tests', 'dns'))
        import fakedns
    except ImportError:
        print(f'ok {n} # SKIP python3-dnslib is not installed')
    else:
        n -= 1
        fake = fakedns.FakeDNS()
        port = fake.add_zone(fakedns.Zone({
            'evil.test': [{'MX': [10, 'mx\x1b[2J.evil.test']}, {'TXT': 'v=spf1 a:mx\x1b[2J.evil.test -all'}],
            'mx\x1b[2J.evil.test': [{'A': '192.0.2.1'}],
            '_dmarc.evil.test': [{'TXT': 'v=DMARC1; p=none; rua=mailto:a\x07b@evil\u202e.test'}],
        }))
        fake.start()
        mc = [MAILCHECK, '--dns-server', f'127.0.0.1:{port}', '--timeout', '0.5', '--retries', '0',
              '--check', 'mx,spf,dmarc']
        for args in ([], ['--color=always']):
            tool(f'mailcheck {" ".join(args)}: escapes from an MX name and a DMARC rua shown escaped',
                 mc + args + ['evil.test'], 1, lambda p: no_controls(p, rb'mx\\x1b\[2J\.evil\.test'))
        tool('mailcheck --spf-ip: escapes from the DNS shown escaped',
             mc + ['--spf-ip', '192.0.2.9', '--sender', 'a@evil.test', 'evil.test'], 1,
             lambda p: no_controls(p, rb'a:mx\\x1b\[2J\.evil\.test'))
        fake.stop()

# Option values (issue 13 row 14): a usage error each, exit 2, one line,
# never a GLib warning nor a default taken in its place.
bad_options = [
    (EXE, ['--my-relay=::/200']), (EXE, ['--my-relay=1.2.3.4/-1']), (EXE, ['--my-relay=']),
    (EXE, ['--my-relay=1.2.3.4/33']), (EXE, ['--check', '--dns-timeout=nan']), (EXE, ['--check', '--dns-timeout=0']),
    (EXE, ['--check', '--dns-timeout=-1']), (EXE, ['--check', '--dns-timeout=inf']),
    (EXE, ['--check', '--dns-timeout=1e-9']), (EXE, ['--check', '--dns-timeout=2x']), (EXE, ['--check', '--dns-timeout=']),
    (EXE, ['--check', '--dns-timeout=0x10']), (EXE, ['--jobs=0x10']), (EXE, ['--jobs=-1']), (EXE, ['--jobs=99999999999']),
    (EXE, ['--jobs=']), (EXE, ['--jobs= 2']), (EXE, ['--limit=size=+5']), (EXE, ['--limit=size= 5']),
    (EXE, ['--limit=trace=0']), (EXE, ['--limit=parts=1k']), (EXE, ['--limit=trace=-1']), (EXE, ['--my-domain=']),
    (EXE, ['--my-domain=a..b']), (EXE, ['--check', '--dnsbl=']), (EXE, ['--check', '--dnsbl=bl .test']),
    (EXE, ['--check', '--dns-server=192.0.2.1:99999']),
]
if MAILCHECK:
    bad_options += [(MAILCHECK, [o, 'example.org']) for o in (
        '--timeout=nan', '--timeout=0', '--timeout=-1', '--timeout=1e-9', '--timeout=', '--https-timeout=nan',
        '--https-timeout=0', '--https-timeout=61', '--retries=-5', '--retries=0x3', '--retries=11', '--retries=',
        '--dkim-selector=', '--dkim-selector=a..b', '--dnsbl=', '--dns-server=192.0.2.1:0')]
if WEB:
    bad_options += [(WEB, ['--listen=127.0.0.1:0'] + o) for o in (
        ['--workers=0'], ['--workers=0x4'], ['--workers=-1'], ['--timeout=0'], ['--timeout=1.5'], ['--max-size=+5k'],
        ['--max-size=0'], ['--max-size=-1'], ['--max-size= 5'], ['--allow-dns', '--dns-timeout=nan'],
        ['--allow-dns', '--dns-timeout=0'], ['--allow-dns', '--dnsbl='], ['--my-relay=::/200'], ['--my-domain='])]
for exe, args in bad_options:
    tool(f'{os.path.basename(exe)} {" ".join(args)}: a usage error', [exe] + args + ([seed] if exe == EXE else []), 2,
         lambda p: None if not p.stdout and len(p.stderr.splitlines()) == 1 and b'WARNING' not in p.stderr
         and b'CRITICAL' not in p.stderr else p.stderr[:300], timeout=10)
tool('valid values are taken', [EXE, '--jobs', '2', '--limit', 'trace=5', '--limit', 'size=1000000', '--my-relay',
                                 '2001:db8::/32', '--my-relay', '.example.net', '--my-domain', '@example.org', seed], 0,
     lambda p: None if not p.stderr else p.stderr[:300])

# A dead DNS server (issue 13 row 15): --check gives up after three
# operations without an answer, says so once, and every cause is "could not
# check"; before, each message waited for its own timeouts.
if MAILCHECK:
    sys.path.insert(0, os.path.join(SRC, 'tests', 'dns'))
    import harness
    with harness.Silent() as port:
        domain_not_found = os.path.join(SRC, 'testdata', 'check', 'domain-not-found.eml')
        start = time.monotonic()

        def gave_up(p):
            took = time.monotonic() - start
            results = [json.loads(line) for line in p.stdout.splitlines()]
            statuses = {r['check']['status'] for o in results for r in o['recipients']}
            err = p.stderr.decode(errors='replace').splitlines()
            if len(results) != 10 or statuses != {'could-not-check'}:
                return f'{len(results)} results, check statuses {statuses}'
            if len(err) != 1 or 'no DNS server answers' not in err[0]:
                return f'stderr {err}'
            if took > 8:
                return f'{took:.1f} s: each message waited for its timeouts'
        tool('--check against a dead DNS server: gives up after three, says so once',
             [EXE, '--json', '--no-progress', '--check', '--dns-timeout', '0.3', '--dns-server', f'127.0.0.1:{port}']
             + [domain_not_found] * 10, 0, gave_up, timeout=120)
print(f'1..{n}')
