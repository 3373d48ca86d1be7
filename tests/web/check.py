#!/usr/bin/env python3
"""dsn-web with --allow-dns against real DNS servers on loopback (knot with
the zones of testdata/dns, as for mailcheck's tests): /api/check?domain=
answers what mailcheck --json prints, /api/explain?check=1 what
dsn-explain --check --json prints, and the page shows the re-check. Skips
when the DNS test servers cannot run. Prints TAP.

usage: check.py DSN_WEB DSN_EXPLAIN MAILCHECK SOURCE_DIR"""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'dns'))
import harness  # noqa: E402
from webtest import Server, Tap, dsn_explain, multipart  # noqa: E402


def main():
    web, explain, mailcheck, src = (os.path.abspath(a) for a in sys.argv[1:5])
    try:
        servers = harness.Servers(src)
        servers.__enter__()
    except harness.Skip as e:
        print(f'1..0 # SKIP {e}')
        return 0
    t = Tap()
    try:
        dns = f'127.0.0.1:{servers.knot_port}'
        with Server(web, '--allow-dns', '--dns-server', dns, '--dns-timeout', '0.4', '--dnsbl', 'bl.test') as s:
            for domain, lang in (('listed.test', 'en'), ('dmarcnone.test', 'fr'), ('postmaster@dmarcnone.test', 'en')):
                status, h, body = s.request('POST', f'/api/check?domain={domain}&lang={lang}', b'')
                want = subprocess.run([mailcheck, '--json', '--dns-server', dns, '--timeout', '0.4',
                                       '--dnsbl', 'bl.test', '--lang', lang, domain],
                                      capture_output=True, timeout=60).stdout
                t.ok(status == 200 and body == want and h['content-type'].startswith('application/json'),
                     f'/api/check?domain={domain}&lang={lang}: what mailcheck --json prints',
                     (status, body[:300], want[:300]))
            status, _, body = s.request('POST', '/api/check?domain=not..valid', b'')
            t.ok(status == 400 and 'error' in json.loads(body), 'an invalid domain: 400', (status, body))
            status, _, body = s.request('POST', '/api/check', b'')
            t.ok(status == 400, 'no domain: 400')

            bounce = open(os.path.join(src, 'testdata', 'check', 'spf-still-fails.eml'), 'rb').read()
            status, _, body = s.request('POST', '/api/explain?check=1', bounce)
            want = dsn_explain(explain, bounce, '--lang', 'en', '--check', '--dns-server', dns,
                               '--dns-timeout', '0.4', '--dnsbl', 'bl.test')
            t.ok(status == 200 and body == want and json.loads(body)['recipients'][0]['check'],
                 '/api/explain?check=1: what dsn-explain --check --json prints', (body[:300], want[:300]))
            status, _, body = s.request('POST', '/api/explain', bounce)
            t.ok(json.loads(body)['recipients'][0].get('check') is None, 'without ?check=1: no DNS re-check')

            mp, ct = multipart([('message', bounce, None), ('check', b'1', None)])
            status, _, body = s.request('POST', '/explain', mp, {'Content-Type': ct})
            text = body.decode()
            t.ok(status == 200 and 'data-check="still-holds"' in text and 'Checked now' in text
                 and 'name="check" value="1" checked' in text,
                 'the page: the re-check offered, ticked and shown')
    finally:
        servers.__exit__(None, None, None)
    return t.done()


if __name__ == '__main__':
    sys.exit(main())
