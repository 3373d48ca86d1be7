#!/usr/bin/env python3
"""A bounded load test of dsn-web on loopback: 8 clients at once, 400
requests in all (a bounce, a pasted line and headers to /api/explain, and
the page, empty and with a verdict), every answer checked against what dsn-explain prints; the
server's memory (RSS) sampled throughout must stay flat between the first
and the second half, and its file descriptors too. Stops by itself: a fixed number of requests, each with
a timeout. Prints TAP.

usage: load.py DSN_WEB DSN_EXPLAIN SOURCE_DIR [--no-rss]
(--no-rss: a sanitizer's allocator keeps freed memory; RSS says nothing)"""
import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from webtest import Server, Tap, dsn_explain, multipart, wait_until  # noqa: E402

CLIENTS = 8
REQUESTS = 400
# Growth allowed from the first half to the second: allocator slack, not a
# leak (a leak of even 20 kB a request would be 4 MB here).
RSS_SLACK_KIB = 3 * 1024


def main():
    web, explain, src = (os.path.abspath(a) for a in sys.argv[1:4])
    check_rss = '--no-rss' not in sys.argv[4:]
    inputs = [open(os.path.join(src, 'testdata', 'bounces', 'seed-quota.eml'), 'rb').read(),
              b'550 5.7.1 Service unavailable; client [192.0.2.1] blocked using zen.spamhaus.org',
              open(os.path.join(src, 'testdata', 'headers', 'yahoo-pass.eml'), 'rb').read()]
    expected = [dsn_explain(explain, d, '--lang', 'en') for d in inputs]
    page_body, page_type = multipart([('message', inputs[0], None)])
    t = Tap()
    with Server(web, '--workers', '2') as s:
        def one(conn, i):
            if i % 10 == 9:
                status, _, body = s.request('GET', '/', conn=conn)
                return status == 200 and b'<form id="explain"' in body
            if i % 10 == 4:
                status, _, body = s.request('POST', '/explain', page_body, {'Content-Type': page_type}, conn=conn)
                return status == 200 and b'data-reason="mailboxfull"' in body
            k = i % len(inputs)
            status, _, body = s.request('POST', '/api/explain', inputs[k], conn=conn)
            return status == 200 and body == expected[k]

        def client(first, count):
            conn = s.connection(timeout=30)
            good = 0
            try:
                for i in range(first, first + count):
                    good += one(conn, i)
            finally:
                conn.close()
            return good

        def burst(n):
            per = n // CLIENTS
            with ThreadPoolExecutor(CLIENTS) as pool:
                return sum(pool.map(lambda c: client(c * per, per), range(CLIENTS)))

        samples, stop = [], threading.Event()

        def sample():
            while not stop.is_set():
                samples.append(s.rss_kib())
                stop.wait(0.02)

        warm = burst(2 * CLIENTS)  # allocator pools and thread stacks, once
        fds = s.fds()
        sampler = threading.Thread(target=sample)
        sampler.start()
        start = time.monotonic()
        good = burst(REQUESTS // 2)
        mid = s.rss_kib()
        good += burst(REQUESTS // 2)
        end = s.rss_kib()
        took = time.monotonic() - start
        stop.set()
        sampler.join()
        t.ok(warm == 2 * CLIENTS and good == REQUESTS,
             f'{CLIENTS} clients, {REQUESTS} requests: all answered correctly', f'{good} good')
        t.diag(f'{REQUESTS} requests in {took:.2f} s ({REQUESTS / took:.0f}/s); RSS KiB: '
               f'after warm-up {samples[0]}, half-way {mid}, end {end}, max {max(samples)}')
        # Every connection closed is closed in the server too.
        t.ok(wait_until(lambda: s.fds() <= fds), f'file descriptors flat: {fds} before, {s.fds()} after')
        if check_rss:
            t.ok(end - mid <= RSS_SLACK_KIB, f'RSS flat: +{end - mid} KiB over the second half')
        else:
            t.ok(True, 'RSS not measured under a sanitizer # SKIP')
        def logged():
            return [l for l in s.log if '"POST /api/explain"' in l or '"GET /"' in l or '"POST /explain"' in l]
        wait_until(lambda: len(logged()) >= REQUESTS + 2 * CLIENTS)
        log = logged()
    t.ok(s.proc.returncode == 0, 'the server stops cleanly afterwards',
         '\n'.join([f'exit {s.proc.returncode}'] + [l for l in s.log if not l.startswith('dsn-web: 127.')][-4000:]))
    t.ok(len(log) == REQUESTS + 2 * CLIENTS, 'one log line per request', len(log))
    return t.done()


if __name__ == '__main__':
    sys.exit(main())
