"""Small SMTP servers for the STARTTLS tests, on asyncio and Python's ssl
module, with the test CA and certificates of testdata/dns/tls.

Each behaviour has its own loopback address, all on one port, so that
mailcheck reaches every one through a single port in place of 25
(--test-smtp-port); the MX hosts of testdata/dns/zones/tls.test.zone point
at these addresses. Nothing listens on 127.0.0.16: connection refused.

    s = Smtp(tls_dir); s.start(); s.port; s.ca_file; s.stop()
"""
import asyncio
import os
import socket
import ssl
import threading
import warnings

# address -> how the server there behaves
SCENARIOS = {
    # STARTTLS with a valid certificate for the MX host (and a two-line greeting)
    '127.0.0.10': {'name': 'mx.good.tls.test', 'cert': 'good', 'greeting2': True},
    # no STARTTLS in the EHLO answer
    '127.0.0.11': {'name': 'mx.plain.tls.test'},
    '127.0.0.12': {'name': 'mx.expired.tls.test', 'cert': 'expired'},
    '127.0.0.13': {'name': 'mx.wrongname.tls.test', 'cert': 'wrongname'},
    '127.0.0.14': {'name': 'mx.selfsigned.tls.test', 'cert': 'selfsigned'},
    # TLS 1.0 only (the good certificate)
    '127.0.0.15': {'name': 'mx.old.tls.test', 'cert': 'good', 'tls': '1.0'},
    # takes the connection and says nothing
    '127.0.0.17': {'name': 'mx.silent.tls.test', 'silent': True},
    # sends the CA's certificate after its own (for DANE-TA)
    '127.0.0.18': {'name': 'mx.daneta.tls.test', 'cert': 'chain'},
    # refuses the session
    '127.0.0.19': {'name': 'mx.refusing.tls.test', 'greeting': '554 5.7.1 no SMTP service here'},
    # offers STARTTLS, then refuses it
    '127.0.0.20': {'name': 'mx.broken.tls.test', 'cert': 'good', 'refuse_tls': True},
}


def tls_context(tls_dir, cert, version=None):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    key = 'good' if cert == 'chain' else cert
    ctx.load_cert_chain(os.path.join(tls_dir, cert + '.pem'), os.path.join(tls_dir, key + '.key'))
    if version == '1.0':
        # OpenSSL 3 refuses TLS 1.0 above security level 0.
        with warnings.catch_warnings():
            warnings.simplefilter('ignore', DeprecationWarning)
            ctx.set_ciphers('DEFAULT:@SECLEVEL=0')
            ctx.minimum_version = ssl.TLSVersion.TLSv1
            ctx.maximum_version = ssl.TLSVersion.TLSv1
    return ctx


def tls10_available(tls_dir):
    """Whether the local OpenSSL can still serve TLS 1.0."""
    try:
        ctx = tls_context(tls_dir, 'good', '1.0')
        client = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        client.check_hostname = False
        client.verify_mode = ssl.CERT_NONE
        with warnings.catch_warnings():
            warnings.simplefilter('ignore', DeprecationWarning)
            client.set_ciphers('DEFAULT:@SECLEVEL=0')
            client.minimum_version = ssl.TLSVersion.TLSv1
            client.maximum_version = ssl.TLSVersion.TLSv1
        a, b = socket.socketpair()
        result = {}

        def serve():
            try:
                with ctx.wrap_socket(a, server_side=True) as s:
                    result['version'] = s.version()
            except (ssl.SSLError, OSError):
                pass
        t = threading.Thread(target=serve)
        t.start()
        try:
            with client.wrap_socket(b) as c:
                c.version()
        except (ssl.SSLError, OSError):
            pass
        t.join(5)
        return result.get('version') == 'TLSv1'
    except (ssl.SSLError, ValueError, OSError):
        return False


class Smtp:
    def __init__(self, tls_dir):
        self.tls_dir = os.path.abspath(tls_dir)
        self.ca_file = os.path.join(self.tls_dir, 'ca.pem')
        self.loop = None
        self.thread = None
        self.servers = []
        self.port = None
        self.tls10 = tls10_available(self.tls_dir)
        self.contexts = {}
        for addr, sc in SCENARIOS.items():
            if 'cert' in sc:
                self.contexts[addr] = tls_context(self.tls_dir, sc['cert'],
                                                  sc.get('tls') if self.tls10 else None)

    async def session(self, reader, writer):
        addr = writer.get_extra_info('sockname')[0]
        sc = SCENARIOS[addr]
        try:
            if sc.get('silent'):
                await asyncio.sleep(60)
                return
            name = sc['name']
            if 'greeting' in sc:
                writer.write(sc['greeting'].encode() + b'\r\n')
                await writer.drain()
                return
            if sc.get('greeting2'):
                writer.write(f'220-{name} ESMTP libdsn test server\r\n220 ready\r\n'.encode())
            else:
                writer.write(f'220 {name} ESMTP libdsn test server\r\n'.encode())
            tls = False
            while True:
                line = await reader.readline()
                if not line:
                    return
                verb = line.decode('ascii', 'replace').strip().split(' ')[0].upper()
                if verb in ('EHLO', 'HELO'):
                    lines = [name + ' hello', 'PIPELINING', 'SIZE 10240000']
                    if 'cert' in sc and not tls:
                        lines.append('STARTTLS')
                    lines.append('8BITMIME')
                    writer.write(''.join(f'250-{l}\r\n' for l in lines[:-1]).encode()
                                 + f'250 {lines[-1]}\r\n'.encode())
                elif verb == 'STARTTLS' and 'cert' in sc and not tls:
                    if sc.get('refuse_tls'):
                        writer.write(b'454 4.7.0 TLS not available due to local problem\r\n')
                        continue
                    writer.write(b'220 2.0.0 Ready to start TLS\r\n')
                    await writer.drain()
                    try:
                        await writer.start_tls(self.contexts[addr])
                    except (ssl.SSLError, OSError, ConnectionError):
                        return
                    tls = True
                elif verb == 'QUIT':
                    writer.write(b'221 2.0.0 bye\r\n')
                    await writer.drain()
                    return
                elif verb in ('NOOP', 'RSET'):
                    writer.write(b'250 2.0.0 ok\r\n')
                else:
                    writer.write(b'502 5.5.2 not implemented\r\n')
                await writer.drain()
        except (ConnectionError, OSError, ssl.SSLError, asyncio.IncompleteReadError):
            pass
        finally:
            try:
                writer.close()
            except (ConnectionError, OSError, RuntimeError):
                pass

    async def listen(self):
        """Binds every address on one port, free on all of them."""
        for _ in range(20):
            probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            probe.bind(('127.0.0.10', 0))
            port = probe.getsockname()[1]
            probe.close()
            servers = []
            try:
                for addr in SCENARIOS:
                    servers.append(await asyncio.start_server(self.session, addr, port,
                                                              reuse_address=True))
            except OSError:
                for s in servers:
                    s.close()
                continue
            self.servers = servers
            return port
        raise RuntimeError('no port free on every test address')

    def start(self):
        self.loop = asyncio.new_event_loop()
        ready = threading.Event()
        failure = []

        def run():
            asyncio.set_event_loop(self.loop)
            try:
                self.port = self.loop.run_until_complete(self.listen())
            except Exception as e:  # noqa: BLE001 - reported to the caller
                failure.append(e)
                ready.set()
                return
            ready.set()
            self.loop.run_forever()
        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()
        ready.wait(10)
        if failure:
            raise failure[0]
        return self.port

    def stop(self):
        if not self.loop:
            return

        async def close():
            for s in self.servers:
                s.close()
            for t in asyncio.all_tasks():
                if t is not asyncio.current_task():
                    t.cancel()
        asyncio.run_coroutine_threadsafe(close(), self.loop).result(5)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop = None
