"""Real servers on loopback for the DNS tests: knotd serving the zones of
testdata/dns/zones (signing those of SIGNED), tests/dns/fakedns.py in front
of it for what knot cannot do (time out, SERVFAIL, the AD bit of a
validating resolver), an HTTPS server with a test CA made by openssl at
start for MTA-STS policies, and the SMTP servers of tests/dns/smtpd.py with
the test CA of testdata/dns/tls. Everything lives in a private temporary
directory and stops at exit; ports are chosen free by the kernel, so several
test programs can run at once.

    with Servers(source_dir) as s:
        s.knot_port, s.fake_port, s.https_port, s.ca_file, s.smtp_port, s.smtp_ca

Raises Skip with a message when knotd, openssl or dnslib is missing.
"""
import http.server
import os
import shutil
import socket
import ssl
import struct
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


class Skip(Exception):
    pass


def free_port():
    """A port free for both UDP and TCP on 127.0.0.1."""
    for _ in range(50):
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        t.bind(('127.0.0.1', 0))
        port = t.getsockname()[1]
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            u.bind(('127.0.0.1', port))
        except OSError:
            continue
        finally:
            u.close()
            t.close()
        return port
    raise RuntimeError('no free port')


class Silent:
    """A dead DNS server: a UDP port on 127.0.0.1 bound by a socket that
    reads nothing, so that queries time out (a closed port would refuse them
    at once). The context gives the port."""

    def __enter__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(('127.0.0.1', 0))
        return self.sock.getsockname()[1]

    def __exit__(self, *exc):
        self.sock.close()
        return False


def _die_with_parent():
    """In the child: get SIGTERM when the test program dies, so that no knotd
    outlives a test killed by a timeout (Linux prctl PR_SET_PDEATHSIG)."""
    try:
        import ctypes
        import signal
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


def find_knotd():
    for p in (shutil.which('knotd'), '/usr/sbin/knotd', '/usr/local/sbin/knotd'):
        if p and os.access(p, os.X_OK):
            return p
    return None


def dns_ready(port, name='test.', timeout=10.0, proc=None):
    """Waits until a server answers an SOA query for NAME over UDP (or PROC exits)."""
    labels = b''.join(bytes([len(l)]) + l.encode() for l in name.strip('.').split('.') if l)
    query = struct.pack('!HHHHHH', 0x1234, 0x0100, 1, 0, 0, 0) + labels + b'\0' + struct.pack('!HH', 6, 1)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            return False
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(0.2)
        try:
            s.sendto(query, ('127.0.0.1', port))
            data, _ = s.recvfrom(4096)
            if data[:2] == b'\x12\x34' and (data[3] & 0x0f) == 0:
                return True
        except OSError:
            time.sleep(0.05)
        finally:
            s.close()
    return False


# Zones knot signs (automatic DNSSEC): those holding TLSA records, which
# mean nothing unsigned (RFC 7672 §2.2).
SIGNED = {'tls.test'}


class Knot:
    def __init__(self, zone_dir, tmp):
        self.zone_dir = os.path.abspath(zone_dir)
        self.tmp = tmp
        self.proc = None
        self.port = None

    def start(self):
        knotd = find_knotd()
        if not knotd:
            raise Skip('knotd not found (install the knot package)')
        zones = sorted(f[:-5] for f in os.listdir(self.zone_dir) if f.endswith('.zone'))
        for attempt in range(5):
            self.port = free_port()
            conf = os.path.join(self.tmp, 'knot.conf')
            with open(conf, 'w') as f:
                f.write(f'''server:
    rundir: "{self.tmp}"
    pidfile: "{self.tmp}/knot.pid"
    listen: 127.0.0.1@{self.port}
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
log:
  - target: stderr
    any: error
database:
    storage: "{self.tmp}"
control:
    listen: "{self.tmp}/knot.sock"
template:
  - id: default
    storage: "{self.zone_dir}"
    file: "%s.zone"
    zonefile-sync: -1
    zonefile-load: whole
    journal-content: none
    semantic-checks: off
zone:
''')
                for z in zones:
                    # root.zone is the root zone, "."
                    name = '.' if z == 'root' else z + '.'
                    f.write(f'  - domain: "{name}"\n    file: "{z}.zone"\n')
                    if z in SIGNED:
                        f.write('    dnssec-signing: on\n')
            self.log = open(os.path.join(self.tmp, 'knot.log'), 'w')
            self.proc = subprocess.Popen([knotd, '-c', conf], stdout=self.log, stderr=subprocess.STDOUT,
                                         preexec_fn=_die_with_parent)
            if dns_ready(self.port, proc=self.proc):
                return self.port
            self.stop()
        raise RuntimeError('knotd did not start: ' + open(os.path.join(self.tmp, 'knot.log')).read())

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


# ------------------------------------------------------------------ HTTPS

def make_certificates(tmp, hosts):
    """A test CA and a server certificate for HOSTS, with openssl."""
    if not shutil.which('openssl'):
        raise Skip('openssl not found')
    ca_key, ca = os.path.join(tmp, 'ca.key'), os.path.join(tmp, 'ca.pem')
    key, csr, cert = os.path.join(tmp, 'srv.key'), os.path.join(tmp, 'srv.csr'), os.path.join(tmp, 'srv.pem')
    ext = os.path.join(tmp, 'srv.ext')

    def run(*args):
        subprocess.run(['openssl'] + list(args), check=True, capture_output=True)
    ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']
    run('req', '-x509', *ec, '-keyout', ca_key, '-out', ca, '-days', '2', '-subj', '/CN=libdsn test CA',
        '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign')
    run('req', *ec, '-keyout', key, '-out', csr, '-subj', '/CN=' + hosts[0])
    with open(ext, 'w') as f:
        f.write('basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\nsubjectAltName=' +
                ','.join('DNS:' + h for h in hosts) + '\n')
    run('x509', '-req', '-in', csr, '-CA', ca, '-CAkey', ca_key, '-CAcreateserial', '-out', cert,
        '-days', '2', '-extfile', ext)
    return ca, cert, key


class PolicyHandler(http.server.BaseHTTPRequestHandler):
    """Serves testdata/dns/https/HOST.txt at /.well-known/mta-sts.txt.
    HOST.redirect makes it answer 301 to the file's content, HOST.html
    serves the policy as text/html, HOST.huge sends 100 KiB, HOST.slow
    serves its content after the number of seconds on its first line."""
    policy_dir = None

    def log_message(self, *args):
        pass

    def do_GET(self):
        host = (self.headers.get('Host') or '').split(':')[0].lower()
        base = os.path.join(self.policy_dir, host)
        if self.path != '/.well-known/mta-sts.txt':
            self.send_error(404)
            return
        if os.path.exists(base + '.redirect'):
            self.send_response(301)
            self.send_header('Location', open(base + '.redirect').read().strip())
            self.send_header('Content-Length', '0')
            self.end_headers()
            return
        if os.path.exists(base + '.slow'):
            delay, _, body = open(base + '.slow', 'rb').read().partition(b'\n')
            time.sleep(float(delay))
            ctype = 'text/plain'
        elif os.path.exists(base + '.huge'):
            body = b'version: STSv1\n' + b'# padding\n' * 10240
            ctype = 'text/plain'
        elif os.path.exists(base + '.txt'):
            body = open(base + '.txt', 'rb').read()
            ctype = 'text/plain; charset=utf-8'
        elif os.path.exists(base + '.html'):
            body = open(base + '.html', 'rb').read()
            ctype = 'text/html'
        else:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header('Content-Type', ctype)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class Https:
    def __init__(self, policy_dir, tmp):
        self.policy_dir = os.path.abspath(policy_dir)
        self.tmp = tmp
        self.server = None

    def start(self):
        hosts = sorted({f.rsplit('.', 1)[0] for f in os.listdir(self.policy_dir)})
        self.ca, cert, key = make_certificates(self.tmp, hosts)
        handler = type('Handler', (PolicyHandler,), {'policy_dir': self.policy_dir})
        self.server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        self.server.socket = ctx.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self.port

    def stop(self):
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


# ------------------------------------------------------------------ all

class Servers:
    """knotd, the programmable server in front of it and the HTTPS server."""

    # Names the programmable server answers itself; the rest goes to knot.
    FAKE_ZONE = {
        # As from a validating resolver: the signed zone's answers, authenticated.
        'tls.test': ['AD'],
        '*.tls.test': ['AD'],
        '_dmarc.timeout.test': ['TIMEOUT'],
        # A domain whose name servers are silent: no answer about it at all.
        'silent.test': ['TIMEOUT'],
        '*.silent.test': ['TIMEOUT'],
        'servfail.test': ['SERVFAIL'],
        # partfail.test: the reverse DNS of one server, and a blocklist.
        '78.2.0.192.in-addr.arpa': ['SERVFAIL'],
        '78.2.0.192.bl.test': ['SERVFAIL'],
        '*.servfail.test': ['SERVFAIL'],
        # An answer too big for UDP: c-ares must retry over TCP.
        'huge.test': [{'TXT': 'v=spf1 ip4:192.0.2.0/24 -all'}] +
                     [{'TXT': f'filler record {i} ' + 'x' * 180} for i in range(40)],
    }

    def __init__(self, source_dir):
        import signal
        # A test killed by its timeout still stops its servers and removes
        # its directory: SIGTERM unwinds like an exception.
        signal.signal(signal.SIGTERM, lambda *a: sys.exit(1))
        self.source_dir = source_dir
        self.tmp = tempfile.mkdtemp(prefix='libdsn-dns-')
        self.knot = self.fake = self.https = self.smtp = None
        self.closed = False
        import atexit
        atexit.register(self.__exit__, None, None, None)

    def __enter__(self):
        try:
            import fakedns
        except ImportError:
            shutil.rmtree(self.tmp, ignore_errors=True)
            raise Skip('python3-dnslib is not installed')
        try:
            data = os.path.join(self.source_dir, 'testdata', 'dns')
            self.knot = Knot(os.path.join(data, 'zones'), self.tmp)
            self.knot_port = self.knot.start()
            self.fake = fakedns.FakeDNS()
            self.fake_port = self.fake.add_zone(fakedns.Zone(self.FAKE_ZONE, forward=('127.0.0.1', self.knot_port)))
            self.fake.start()
            self.https = Https(os.path.join(data, 'https'), self.tmp)
            self.https_port = self.https.start()
            self.ca_file = self.https.ca
            import smtpd
            self.smtp = smtpd.Smtp(os.path.join(data, 'tls'))
            self.smtp_port = self.smtp.start()
            self.smtp_ca = self.smtp.ca_file
            self.tls10 = self.smtp.tls10
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc):
        if self.closed:
            return False
        self.closed = True
        try:
            for s in (self.smtp, self.https, self.fake, self.knot):
                if s:
                    try:
                        s.stop()
                    except Exception:
                        pass
        finally:
            shutil.rmtree(self.tmp, ignore_errors=True)
        return False


def serve(source_dir, ports_file):
    """Runs the servers until standard input closes or SIGTERM, after
    writing their ports to PORTS_FILE as shell assignments."""
    try:
        with Servers(source_dir) as s:
            tmp = ports_file + '.tmp'
            with open(tmp, 'w') as f:
                f.write(f'KNOT={s.knot_port}\nFAKE={s.fake_port}\nHTTPS={s.https_port}\nCA={s.ca_file}\n'
                        f'SMTP={s.smtp_port}\nSMTPCA={s.smtp_ca}\n')
            os.rename(tmp, ports_file)
            sys.stdin.read()
    except Skip as e:
        with open(ports_file, 'w') as f:
            f.write(f'SKIP="{e}"\n')


if __name__ == '__main__':
    serve(sys.argv[1], sys.argv[2])
