"""What the web tests share: dsn-web started on a free loopback port, a
plain HTTP client (http.client), and TAP output.

    with Server(exe, '--max-size', '64k') as s:
        status, headers, body = s.request('POST', '/api/explain', data)
    s.log  # the server's stderr lines, once stopped
"""
import http.client
import os
import re
import signal
import subprocess
import sys
import threading
import time


class Server:
    def __init__(self, exe, *args):
        self.exe, self.args = exe, list(args)
        self.log = []

    def __enter__(self):
        # DSN_TEST_WRAPPER="valgrind -q ..." runs the server under a tool.
        wrapper = os.environ.get('DSN_TEST_WRAPPER', '').split()
        cmd = wrapper + [self.exe, '--listen', '127.0.0.1:0'] + self.args
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True)
        # The first line says where it listens (port 0: the kernel's choice).
        line = self.proc.stderr.readline()
        while line and not line.startswith('dsn-web: '):  # a wrapper's own words
            line = self.proc.stderr.readline()
        m = re.search(r'listening on http://127\.0\.0\.1:(\d+)/', line)
        if not m:
            self.proc.kill()
            raise RuntimeError(f'dsn-web did not start: {line}{self.proc.stderr.read()}')
        self.port = int(m.group(1))
        self.log = [line.rstrip('\n')]
        self._reader = threading.Thread(target=self._read_log, daemon=True)
        self._reader.start()
        return self

    def _read_log(self):
        for line in self.proc.stderr:
            self.log.append(line.rstrip('\n'))

    def stop(self):
        """SIGTERM, as systemd stops it; returns the exit status."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._reader.join(timeout=5)
        return self.proc.returncode

    def __exit__(self, *exc):
        self.stop()

    def url(self, path='/'):
        return f'http://127.0.0.1:{self.port}{path}'

    def connection(self, timeout=30):
        return http.client.HTTPConnection('127.0.0.1', self.port, timeout=timeout)

    def request(self, method, path, body=None, headers=None, conn=None):
        """One request; returns (status, headers as a dict with lower-case
        names, body bytes)."""
        own = conn is None
        conn = conn or self.connection()
        try:
            conn.request(method, path, body=body, headers=headers or {})
            r = conn.getresponse()
            data = r.read()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, data
        finally:
            if own:
                conn.close()

    def fds(self):
        """The server's open file descriptors."""
        return len(os.listdir(f'/proc/{self.proc.pid}/fd'))

    def rss_kib(self):
        with open(f'/proc/{self.proc.pid}/status') as f:
            for line in f:
                if line.startswith('VmRSS:'):
                    return int(line.split()[1])
        return 0


def multipart(fields):
    """A multipart/form-data body: FIELDS is a list of (name, value bytes,
    filename or None). Returns (body, content type)."""
    boundary = 'dsnwebtestboundary7MA4YWxkTrZu0gW'
    out = b''
    for name, value, filename in fields:
        disp = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else '')
        out += f'--{boundary}\r\nContent-Disposition: {disp}\r\n'.encode()
        if filename:
            out += b'Content-Type: application/octet-stream\r\n'
        out += b'\r\n' + value + b'\r\n'
    out += f'--{boundary}--\r\n'.encode()
    return out, f'multipart/form-data; boundary={boundary}'


def wait_until(cond, timeout=5.0):
    """Polls COND until it holds or TIMEOUT seconds pass; returns its last
    value. The server closes a connection and logs a request a moment after
    the client has read the answer."""
    deadline = time.monotonic() + timeout
    while True:
        value = cond()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.02)


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, cond, name, detail=None):
        self.n += 1
        if not cond:
            self.failed += 1
        print(f'{"ok" if cond else "not ok"} {self.n} - {name}', flush=True)
        if not cond and detail is not None:
            for line in str(detail).splitlines()[:20]:
                print(f'# {line}', flush=True)
        return cond

    def diag(self, text):
        print(f'# {text}', flush=True)

    def done(self):
        print(f'1..{self.n}', flush=True)
        return 1 if self.failed else 0


def dsn_explain(exe, data, *args, cwd=None, path=None):
    """What dsn-explain --json prints for DATA on standard input (or for the
    file PATH)."""
    cmd = [exe, '--json'] + list(args) + ([path] if path else [])
    p = subprocess.run(cmd, input=None if path else data, capture_output=True, cwd=cwd,
                       timeout=60, env=dict(os.environ, LC_ALL='C.UTF-8'))
    return p.stdout


def xss_bounce():
    """A bounce whose diagnostic, recipient and original subject carry markup
    and script: the page must show it as text and run none of it."""
    return (
        'From: MAILER-DAEMON@mx.example.org\r\n'
        'To: sender@example.com\r\n'
        'Subject: Undelivered Mail Returned to Sender\r\n'
        'MIME-Version: 1.0\r\n'
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n'
        '\r\n'
        '--B\r\n'
        'Content-Type: text/plain\r\n'
        '\r\n'
        'Your message could not be delivered.\r\n'
        '--B\r\n'
        'Content-Type: message/delivery-status\r\n'
        '\r\n'
        'Reporting-MTA: dns; mx.example.org\r\n'
        '\r\n'
        'Final-Recipient: rfc822; bob"><img src=x onerror=alert(3)>@example.net\r\n'
        'Action: failed\r\n'
        'Status: 5.1.1\r\n'
        'Diagnostic-Code: smtp; 550 5.1.1 <script>alert(1)</script> User unknown '
        '"><img src=x onerror="window.pwned=1;alert(2)">\r\n'
        '\r\n'
        '--B\r\n'
        'Content-Type: text/rfc822-headers\r\n'
        '\r\n'
        'From: sender@example.com\r\n'
        'To: bob@example.net\r\n'
        'Subject: </textarea><script>alert(4)</script>\r\n'
        '\r\n'
        '--B--\r\n'
    ).encode()
