#!/usr/bin/env python3
"""Hostile and broken input: every case runs the real dsn-explain and checks
that it neither crashes nor hangs, that every message yields exactly one
valid JSON result, and the exit status. doc/HOSTILE.md lists the cases.
Prints TAP. usage: hostile.py DSN_EXPLAIN"""
import json, os, random, subprocess, sys, tempfile

EXE = sys.argv[1]
WRAPPER = os.environ.get('DSN_TEST_WRAPPER', '').split()
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


def check(name, args, want_status, want_results, extra=None, timeout=120):
    global n
    n += 1
    try:
        p = subprocess.run(WRAPPER + [EXE, '--json', '--no-progress'] + args, capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        print(f'not ok {n} - {name}: hung (no result after {timeout}s)')
        return
    problems = []
    if p.returncode < 0 or p.returncode > 3:
        problems.append(f'crashed: exit {p.returncode}: {p.stderr[-400:].decode(errors="replace")}')
    elif p.returncode not in (want_status if isinstance(want_status, tuple) else (want_status,)):
        problems.append(f'exit {p.returncode}, want {want_status}')
    try:
        lines = p.stdout.decode('utf-8').split('\n')
        objs = [json.loads(l) for l in lines if l.strip()]
    except (UnicodeDecodeError, ValueError) as e:
        problems.append(f'output is not valid UTF-8 JSON Lines: {e}')
        objs = []
    if not problems and len(objs) != want_results:
        problems.append(f'{len(objs)} results, want {want_results}')
    if not problems and extra:
        try:
            msg = extra(objs, p)
            if msg:
                problems.append(msg)
        except Exception as e:  # a failed expectation, reported as such
            problems.append(f'check raised {e!r}')
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
check('1 MiB of random bytes', [write('random', bytes(random.getrandbits(8) for _ in range(1 << 20)))], (0, 1), 1)
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

check('10,000 recipients', [write('10k', bounce(rcpts=10000))], 0, 1,
      lambda o, p: None if len(o[0]['recipients']) == 10000 and not o[0]['warnings'] else f'{len(o[0]["recipients"])} recipients, warnings {o[0]["warnings"]}')
check('10,001 recipients: the limit, with a warning', [write('10k1', bounce(rcpts=10001))], 0, 1,
      lambda o, p: None if len(o[0]['recipients']) == 10000 and any('10001' in w for w in o[0]['warnings']) else 'no limit')

big = bounce(body_extra=b'\n' + (b'QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB\n' * 1_400_000))
path_big = write('100mb', big)
check('a 100 MB message: an error result, and the run goes on', [path_big, write('after', bounce())], 3, 2,
      lambda o, p: None if o[0]['kind'] == 'error' and 'size limit' in o[0]['error'] and o[1]['kind'] == 'delivery-status' else str(o[0])[:200])
os.remove(path_big)
attach = bounce().replace(b'\n--B--\n', b'\n--B\nContent-Type: application/zip\nContent-Transfer-Encoding: base64\n\n' +
                          b'UEsDBBQAAAAIAAAAIQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n' * 700_000 + b'\n--B--\n')
check('a 50 MB attachment is read', [write('50mb', attach)], 0, 1,
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
print(f'1..{n}')
