#!/usr/bin/env python3
"""dsn-web's HTTP API and its limits, with a real HTTP client against the
server on a free loopback port: /api/explain answers what dsn-explain --json
prints for the same input (a bounce, a pasted line, headers, a form, an
uploaded file, an mbox, in English and French); a body over --max-size is
413, a wrong method 405, garbage a result and not an error page; the page
renders the verdict without script and escapes the message; a stalled
request is dropped after --timeout; the log has one line per request and no
message text. Prints TAP.

usage: api.py DSN_WEB DSN_EXPLAIN SOURCE_DIR DNS_BUILT(0|1)"""
import json
import os
import socket
import subprocess
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from webtest import Server, Tap, dsn_explain, multipart, wait_until, xss_bounce  # noqa: E402


def main():
    web, explain, src = (os.path.abspath(a) for a in sys.argv[1:4])
    dns_built = sys.argv[4] == '1'
    bounces = os.path.join(src, 'testdata', 'bounces')
    quota_path = os.path.join(bounces, 'seed-quota.eml')
    quota = open(quota_path, 'rb').read()
    headers_msg = open(os.path.join(src, 'testdata', 'headers', 'gmail-dkim-not-aligned.eml'), 'rb').read()
    line = b'452 4.2.2 The email account that you tried to reach is over quota.'
    marker = 'Zebracorn-7f3a'  # must never reach the log
    t = Tap()

    with Server(web, '--max-size', '64k', '--workers', '2') as s:
        def api(body, query='', headers=None):
            return s.request('POST', '/api/explain' + query, body,
                             headers or {'Content-Type': 'message/rfc822'})

        for name, data in (('a bounce', quota), ('a pasted line', line), ('headers', headers_msg)):
            status, h, body = api(data)
            want = dsn_explain(explain, data, '--lang', 'en')
            t.ok(status == 200 and body == want and h['content-type'].startswith('application/json'),
                 f'/api/explain, {name}: what dsn-explain --json prints', (status, body[:300], want[:300]))
        kinds = [json.loads(api(d)[2])['kind'] for d in (quota, line, headers_msg)]
        t.ok(kinds == ['delivery-status', 'delivery-status', 'headers'], 'the kinds are right', kinds)

        status, _, body = api(quota, '?lang=fr')
        t.ok(status == 200 and body == dsn_explain(explain, quota, '--lang', 'fr'),
             '?lang=fr: the texts of dsn-explain --lang fr')
        status, _, body = api(quota, headers={'Content-Type': 'text/plain', 'Accept-Language': 'fr-CH, fr;q=0.9'})
        t.ok(status == 200 and json.loads(body)['recipients'][0]['summary'].startswith('Échec'),
             'Accept-Language: fr gives French texts')

        form = urllib.parse.urlencode({'message': line.decode()}).encode()
        status, _, body = api(form, headers={'Content-Type': 'application/x-www-form-urlencoded'})
        t.ok(status == 200 and body == dsn_explain(explain, line, '--lang', 'en'),
             'a urlencoded form field "message" is the message')
        status, _, body = api(quota, headers={'Content-Type': 'application/x-www-form-urlencoded'})
        t.ok(status == 200 and body == dsn_explain(explain, quota, '--lang', 'en'),
             'a raw body labelled as a form (curl --data-binary) is still the message')
        mp, ct = multipart([('message', quota, 'seed-quota.eml')])
        status, _, body = api(mp, headers={'Content-Type': ct})
        t.ok(status == 200 and body == dsn_explain(explain, None, '--lang', 'en', cwd=bounces, path='seed-quota.eml'),
             'an uploaded file: what dsn-explain FILE prints (its name as source)')

        mbox = b''.join(b'From MAILER-DAEMON Thu Jan  1 00:00:00 2024\n'
                        + open(os.path.join(bounces, n), 'rb').read().replace(b'\r\n', b'\n') + b'\n'
                        for n in ('seed-quota.eml', 'seed-user-unknown.eml'))
        status, h, body = api(mbox)
        want = dsn_explain(explain, mbox, '--lang', 'en')
        t.ok(status == 200 and body == want and len(body.splitlines()) == 2
             and h['content-type'].startswith('application/jsonl'),
             'an mbox: one JSON line per message, as dsn-explain prints them', (body[:200], want[:200]))

        # Not bounces, not errors: results.
        prose = f'Hello Anna, lunch on Thursday? {marker}\n'.encode()
        status, h, body = api(prose)
        t.ok(status == 200 and json.loads(body)['kind'] == 'not-a-bounce',
             'prose is a "not a bounce" result, not an error page')
        noise = bytes((i * 7919 + 13) % 256 for i in range(4000))
        status, h, body = api(noise)
        t.ok(status == 200 and body == dsn_explain(explain, noise, '--lang', 'en')
             and 'kind' in json.loads(body), 'binary garbage: a result as dsn-explain gives it')
        status, _, body = api(b'')
        t.ok(status == 200 and json.loads(body).get('kind') == 'error'
             and body == dsn_explain(explain, b'', '--lang', 'en'), 'an empty body: dsn-explain\'s error result')

        # Limits.
        big = b'550 5.1.1 user unknown\n' * 4000  # 92 kB > 64k
        status, h, body = api(big)
        t.ok(status == 413 and 'larger' in json.loads(body)['error'], 'over --max-size: 413', (status, body[:200]))
        conn = s.connection()
        conn.putrequest('POST', '/api/explain')
        conn.putheader('Transfer-Encoding', 'chunked')
        conn.endheaders()
        for i in range(0, len(big), 8192):
            piece = big[i:i + 8192]
            conn.send(b'%x\r\n%s\r\n' % (len(piece), piece))
        conn.send(b'0\r\n\r\n')
        r = conn.getresponse()
        r.read()
        conn.close()
        t.ok(r.status == 413, 'over --max-size without a length (chunked): 413', r.status)
        status, _, _ = api(b'x' * 60000)
        t.ok(status == 200, 'just under --max-size: analysed')
        for method, path, allow in (('GET', '/api/explain', 'POST'), ('PUT', '/', 'GET, HEAD'),
                                    ('DELETE', '/explain', 'POST'), ('GET', '/api/check', 'POST')):
            status, h, body = s.request(method, path, b'' if method != 'GET' else None)
            t.ok(status == 405 and h.get('allow') == allow, f'{method} {path}: 405, Allow: {allow}', (status, h))
        status, _, _ = s.request('GET', '/nowhere')
        t.ok(status == 404, 'an unknown path: 404')

        # /api/check needs the DNS wing and --allow-dns.
        status, _, body = s.request('POST', '/api/check?domain=example.org', b'')
        want = 403 if dns_built else 501
        t.ok(status == want and 'error' in json.loads(body), f'/api/check without --allow-dns: {want}', (status, body))
        status, _, body = api(line, '?check=1')
        t.ok(status == 403, '/api/explain?check=1 without --allow-dns: 403', status)

        # The page, without script.
        status, h, body = s.request('GET', '/')
        csp = h.get('content-security-policy', '')
        t.ok(status == 200 and b'<form id="explain"' in body and "script-src 'self'" in csp
             and 'unsafe-inline' not in csp and "default-src 'none'" in csp and h.get('x-content-type-options') == 'nosniff',
             'GET /: the form, with a strict Content-Security-Policy')
        status, h, body = s.request('GET', '/?lang=fr')
        t.ok(b'<html lang="fr">' in body and 'Pourquoi' in body.decode(), 'GET /?lang=fr: the page in French')
        for path, ctype in (('/static/dsn-web.css', 'text/css'), ('/static/dsn-web.js', 'text/javascript'),
                            ('/static/favicon.svg', 'image/svg+xml')):
            status, h, body = s.request('GET', path)
            t.ok(status == 200 and h['content-type'].startswith(ctype) and body, f'{path} is served as {ctype}')
        status, _, _ = s.request('GET', '/static/../meson.build')
        t.ok(status == 404, 'nothing but the page\'s files under /static/')
        mp, ct = multipart([('message', quota, None), ('lang', b'en', None)])
        status, h, body = s.request('POST', '/explain', mp, {'Content-Type': ct})
        text = body.decode()
        t.ok(status == 200 and 'data-reason="mailboxfull"' in text and 'What to do' in text
             and 'id="answer"' in text and h.get('cache-control') == 'no-store',
             'POST /explain: the verdict rendered on the server, not cached')
        mp, ct = multipart([('message', quota, None), ('switch', b'fr', None), ('lang', b'en', None)])
        status, h, body = s.request('POST', '/explain', mp, {'Content-Type': ct})
        t.ok('Que faire' in body.decode() and '<html lang="fr">' in body.decode(), 'the language switch re-explains in French')
        mp, ct = multipart([('message', xss_bounce(), None)])
        status, h, body = s.request('POST', '/explain', mp, {'Content-Type': ct})
        text = body.decode()
        verdict = text[text.index('<section id="verdict"'):]
        t.ok(status == 200 and '<script>alert' not in text and '<img src=x' not in text
             and '&lt;script&gt;alert(1)&lt;/script&gt;' in verdict and 'onerror=&quot;window.pwned' in verdict
             and '&lt;/textarea&gt;&lt;script&gt;alert(4)' in text,
             'the message\'s markup is escaped everywhere (verdict, form, answer)')
        mp, ct = multipart([('message', headers_msg, None)])
        text = s.request('POST', '/explain', mp, {'Content-Type': ct})[2].decode()
        t.ok('<table class="route">' in text and '<table class="auth">' in text and 'class="findings"' in text,
             'the page for headers: the route, the authentication results, the findings')
        backscatter = open(os.path.join(bounces, 'core-backscatter.eml'), 'rb').read()
        mp, ct = multipart([('message', backscatter, None)])
        text = s.request('POST', '/explain', mp, {'Content-Type': ct})[2].decode()
        t.ok('data-backscatter="suspicious"' in text and 'Possible backscatter' in text
             and text.index('data-backscatter') < text.index('class="recipient'),
             'the page for a bounce of doubtful origin: the backscatter warning first')
        mp, ct = multipart([('message', mbox, None)])
        text = s.request('POST', '/explain', mp, {'Content-Type': ct})[2].decode()
        t.ok(text.count('<article class="message"') == 2 and 'Message 2' in text,
             'the page for an mbox: one verdict per message')
        mp, ct = multipart([('message', b'   \r\n', None)])
        status, h, body = s.request('POST', '/explain', mp, {'Content-Type': ct})
        t.ok(status == 200 and 'Paste a message' in body.decode(), 'an empty form: a notice, no verdict')
        status, h, body = s.request('POST', '/explain', big, {'Content-Type': 'text/plain'})
        t.ok(status == 413 and b'class="notice"' in body, 'over --max-size on the page: 413 with a notice')

        # One client connection (libsoup < 3.3: the server closes it after each answer).
        conn = s.connection()
        statuses = [s.request('POST', '/api/explain', line, conn=conn)[0] for _ in range(3)]
        conn.close()
        t.ok(statuses == [200] * 3, 'several requests in a row through one client connection')

    t.ok(s.proc.returncode == 0 and s.log[-1].endswith('stopped'), 'SIGTERM stops it cleanly (exit 0)',
         (s.proc.returncode, s.log[-3:]))
    requests = [l for l in s.log if '"POST ' in l or '"GET ' in l or '"PUT ' in l or '"DELETE ' in l]
    t.ok(len(requests) >= 30 and all(re.match(r'dsn-web: 127\.0\.0\.1 "[A-Z]+ \S+" \d{3} \d+ [\d.]+ ms', l) for l in requests),
         'the log: one line per request (who, what, status, size, time)', '\n'.join(requests[:5]))
    t.ok(not any(marker in l or 'alert' in l or 'quota' in l for l in s.log), 'the log holds no message text')

    # Usage errors: exit status 2 and a message, before listening.
    for args, why in ((['--max-size', '0'], 'a zero --max-size'), (['--listen', 'nowhere:80'], 'a host name to --listen'),
                      (['--workers', '-1'], 'negative --workers'), (['--timeout', '0'], 'a zero --timeout'),
                      (['--dnsbl', 'bl.test'], '--dnsbl without --allow-dns'),
                      (['--allow-dns'] if not dns_built else ['--dns-server', 'x', '--allow-dns'],
                       '--allow-dns without the DNS wing' if not dns_built else 'an invalid --dns-server'),
                      (['extra'], 'an argument')):
        p = subprocess.run([web] + args, capture_output=True, text=True, timeout=10)
        t.ok(p.returncode == 2 and p.stderr.startswith('dsn-web: '), f'usage error: {why}', (p.returncode, p.stderr))
    p = subprocess.run([web, '--version'], capture_output=True, text=True, timeout=10)
    t.ok(p.returncode == 0 and p.stdout.startswith('dsn-web (libdsn) '), '--version')

    # --my-relay and --my-domain, as for dsn-explain: the same bounce is forged.
    with Server(web, '--my-relay', 'mail.example.com', '--my-domain', 'domain.xyz') as s:
        status, _, body = s.request('POST', '/api/explain', backscatter)
        want = dsn_explain(explain, backscatter, '--lang', 'en', '--my-relay', 'mail.example.com',
                           '--my-domain', 'domain.xyz')
        t.ok(body == want and json.loads(body)['backscatter']['verdict'] == 'forged',
             '--my-relay and --my-domain: a forged bounce, as dsn-explain says')

    # A request that stalls is dropped after --timeout.
    with Server(web, '--timeout', '1') as s:
        fds = s.fds()
        start = time.monotonic()
        sock = socket.create_connection(('127.0.0.1', s.port), timeout=10)
        sock.sendall(b'POST /api/explain HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc')
        answer = sock.recv(4096)
        rest = sock.recv(4096)
        sock.close()
        took = time.monotonic() - start
        t.ok(answer.startswith(b'HTTP/1.1 408') and rest == b'' and took < 5,
             'a body that stalls: 408, then the connection is closed', (answer, took))
        sock = socket.create_connection(('127.0.0.1', s.port), timeout=10)
        sock.sendall(b'GET / HT')
        start = time.monotonic()
        got = sock.recv(4096)
        sock.close()
        t.ok(got == b'' and time.monotonic() - start < 5, 'headers that stall: the connection is closed')
        sock = socket.create_connection(('127.0.0.1', s.port), timeout=10)
        start = time.monotonic()
        got = sock.recv(4096)
        sock.close()
        t.ok(got == b'' and time.monotonic() - start < 5, 'a connection that sends nothing is closed')
        status, _, _ = s.request('GET', '/')
        t.ok(status == 200, 'the server still answers afterwards')
        t.ok(wait_until(lambda: s.fds() <= fds), f'no descriptor left open: {fds} before, {s.fds()} after')
    return t.done()


import re  # noqa: E402

if __name__ == '__main__':
    sys.exit(main())
