"""A small programmable DNS server for tests, on python3-dnslib.

It serves what an authoritative server such as knot cannot: names that time
out, SERVFAIL, REFUSED, answers too big for UDP. Each zone gets its own UDP
and TCP port on 127.0.0.1; one thread serves them all.

A zone maps a name to a list of records, in the format of the RFC 7208 test
suite's "zonedata":
    {"A": "192.0.2.1"}, {"AAAA": "2001:db8::1"}, {"MX": [10, "mx.example"]},
    {"TXT": "text"} or {"TXT": ["two", "strings"]}, {"SPF": ...},
    {"PTR": "name"}, {"CNAME": "name"}, "TIMEOUT", "SERVFAIL", "REFUSED", "AD".
TIMEOUT makes queries for a type the name has no record of go unanswered
(the suite's convention); SERVFAIL and REFUSED answer every query with that
rcode. With FORWARD=(host, port), names the zone does not know are relayed to
that server, so special cases can sit in front of a real one; a name whose
only entry is "AD" is relayed too, and the answer comes back with the AD bit
set, as from a validating resolver (knot, authoritative, never sets it).
"""
import selectors
import socket
import struct
import threading

from dnslib import DNSRecord, DNSLabel, RR, QTYPE, RCODE, A, AAAA, MX, TXT, PTR, CNAME
from dnslib.dns import RD

SPF_TYPE = 99


class SPF(TXT):
    """TXT's wire format under type 99."""


def _label(name):
    name = name.rstrip('.') if name not in ('', '.') else ''
    if not name:
        return DNSLabel([])
    return DNSLabel([p.encode('utf-8') for p in name.split('.')])


def _key(name):
    return name.rstrip('.').lower()


def _strings(value):
    if isinstance(value, str):
        value = [value]
    out = []
    for s in value:
        b = s.encode('utf-8')
        # A character-string holds at most 255 bytes (RFC 1035 §3.3).
        if not b:
            out.append(b)
        while b:
            out.append(b[:255])
            b = b[255:]
    return out


class Zone:
    def __init__(self, data, spf_to_txt=False, forward=None):
        self.names = {}
        self.forward = forward
        for name, records in data.items():
            recs = []
            has_txt = any(isinstance(r, dict) and 'TXT' in r for r in records)
            for r in records:
                if isinstance(r, str):
                    recs.append((r, None))
                    continue
                for t, v in r.items():
                    if v == 'NONE':
                        continue
                    recs.append((t, v))
                    # The suite expects SPF-type data to be served as TXT too
                    # when the name has no TXT of its own.
                    if spf_to_txt and t == 'SPF' and not has_txt:
                        recs.append(('TXT', v))
            self.names[_key(str(name))] = recs

    def records(self, name):
        """The records of NAME, or of a "*.parent" entry covering it."""
        key = _key(name)
        if key in self.names:
            return self.names[key]
        labels = key.split('.')
        for i in range(1, len(labels)):
            wild = '*.' + '.'.join(labels[i:])
            if wild in self.names:
                return self.names[wild]
        return None


class FakeDNS:
    def __init__(self):
        self.sel = selectors.DefaultSelector()
        self.stop_r, self.stop_w = socket.socketpair()
        self.sel.register(self.stop_r, selectors.EVENT_READ, ('stop', None))
        self.thread = None
        self.queries = 0

    def add_zone(self, zone):
        """Serves ZONE on a new port; returns the port."""
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        udp.bind(('127.0.0.1', 0))
        port = udp.getsockname()[1]
        tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            tcp.bind(('127.0.0.1', port))
        except OSError:
            udp.close()
            tcp.close()
            return self.add_zone(zone)
        tcp.listen(64)
        udp.setblocking(False)
        tcp.setblocking(False)
        self.sel.register(udp, selectors.EVENT_READ, ('udp', zone))
        self.sel.register(tcp, selectors.EVENT_READ, ('listen', zone))
        return port

    def start(self):
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def stop(self):
        self.stop_w.send(b'x')
        if self.thread:
            self.thread.join(5)
        for key in list(self.sel.get_map().values()):
            key.fileobj.close()
        self.sel.close()
        self.stop_w.close()

    # ---------------------------------------------------------------- serving

    def _loop(self):
        buffers = {}
        while True:
            for key, _ in self.sel.select():
                kind, zone = key.data
                sock = key.fileobj
                if kind == 'stop':
                    return
                if kind == 'udp':
                    try:
                        data, addr = sock.recvfrom(65535)
                    except OSError:
                        continue
                    self._handle(zone, data, lambda r, s=sock, a=addr: s.sendto(r, a), udp=True)
                elif kind == 'listen':
                    try:
                        conn, _ = sock.accept()
                    except OSError:
                        continue
                    conn.setblocking(False)
                    buffers[conn] = b''
                    self.sel.register(conn, selectors.EVENT_READ, ('tcp', zone))
                else:
                    try:
                        chunk = sock.recv(65535)
                    except OSError:
                        chunk = b''
                    if not chunk:
                        self.sel.unregister(sock)
                        sock.close()
                        buffers.pop(sock, None)
                        continue
                    buf = buffers[sock] + chunk
                    while len(buf) >= 2:
                        n = struct.unpack('!H', buf[:2])[0]
                        if len(buf) < 2 + n:
                            break
                        msg, buf = buf[2:2 + n], buf[2 + n:]

                        def send(r, s=sock):
                            try:
                                s.setblocking(True)
                                s.sendall(struct.pack('!H', len(r)) + r)
                                s.setblocking(False)
                            except OSError:
                                pass
                        self._handle(zone, msg, send, udp=False)
                    buffers[sock] = buf

    def _handle(self, zone, data, send, udp):
        self.queries += 1
        try:
            q = DNSRecord.parse(data)
        except Exception:
            return
        if not q.questions:
            return
        qname = b'.'.join(q.q.qname.label).decode('latin-1')
        qtype = q.q.qtype
        recs = zone.records(qname)
        authentic = recs is not None and [t for t, _ in recs] == ['AD']
        if (recs is None or authentic) and zone.forward:
            threading.Thread(target=self._forward, args=(zone.forward, data, send, udp, authentic),
                             daemon=True).start()
            return
        reply = self._answer(zone, q, qname, qtype)
        if reply is None:
            return  # time out
        wire = reply.pack()
        limit = 512
        for rr in q.ar:
            if rr.rtype == QTYPE.OPT:
                limit = max(512, rr.rclass)
        if udp and len(wire) > limit:
            reply = q.reply()
            reply.header.ad = 0
            reply.header.tc = 1
            reply.header.aa = 1
            wire = reply.pack()
        send(wire)

    def _answer(self, zone, q, qname, qtype):
        reply = q.reply()
        reply.header.aa = 1
        reply.header.ra = 0
        reply.header.ad = 0  # reply() copies the query's flags; nothing here is validated
        name = qname
        seen = set()
        for _ in range(10):
            recs = zone.records(name)
            if recs is None:
                if name == qname:
                    reply.header.rcode = RCODE.NXDOMAIN
                return reply
            types = [t for t, _ in recs]
            if 'SERVFAIL' in types:
                return self._rcode(q, RCODE.SERVFAIL)
            if 'REFUSED' in types:
                return self._rcode(q, RCODE.REFUSED)
            cname = [v for t, v in recs if t == 'CNAME']
            if cname and qtype != QTYPE.CNAME:
                reply.add_answer(RR(_label(name), QTYPE.CNAME, rdata=CNAME(_label(cname[0])), ttl=300))
                if _key(cname[0]) in seen:
                    return reply  # a loop: what we have so far
                seen.add(_key(name))
                name = cname[0]
                continue
            found = False
            for t, v in recs:
                rr = self._rr(name, t, v, qtype)
                if rr is not None:
                    reply.add_answer(rr)
                    found = True
            if not found and 'TIMEOUT' in types:
                return None
            return reply
        return reply

    @staticmethod
    def _rcode(q, rcode):
        r = q.reply()
        r.header.ad = 0
        r.header.rcode = rcode
        return r

    @staticmethod
    def _rr(name, t, v, qtype):
        owner = _label(name)
        if t == 'A' and qtype == QTYPE.A:
            return RR(owner, QTYPE.A, rdata=A(v), ttl=300)
        if t == 'AAAA' and qtype == QTYPE.AAAA:
            return RR(owner, QTYPE.AAAA, rdata=AAAA(v), ttl=300)
        if t == 'MX' and qtype == QTYPE.MX:
            return RR(owner, QTYPE.MX, rdata=MX(_label(v[1]), v[0]), ttl=300)
        if t == 'PTR' and qtype == QTYPE.PTR:
            return RR(owner, QTYPE.PTR, rdata=PTR(_label(v)), ttl=300)
        if t == 'TXT' and qtype == QTYPE.TXT:
            return RR(owner, QTYPE.TXT, rdata=TXT(_strings(v)), ttl=300)
        if t == 'SPF' and qtype == SPF_TYPE:
            return RR(owner, SPF_TYPE, rdata=SPF(_strings(v)), ttl=300)
        if t == 'CNAME' and qtype == QTYPE.CNAME:
            return RR(owner, QTYPE.CNAME, rdata=CNAME(_label(v)), ttl=300)
        return None

    @staticmethod
    def _forward(target, data, send, udp, authentic=False):
        try:
            if udp:
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                s.settimeout(3)
                s.sendto(data, target)
                resp, _ = s.recvfrom(65535)
            else:
                s = socket.create_connection(target, timeout=3)
                s.sendall(struct.pack('!H', len(data)) + data)
                head = b''
                while len(head) < 2:
                    head += s.recv(2 - len(head))
                n = struct.unpack('!H', head)[0]
                resp = b''
                while len(resp) < n:
                    chunk = s.recv(n - len(resp))
                    if not chunk:
                        break
                    resp += chunk
            s.close()
            if authentic and len(resp) > 3:
                resp = resp[:3] + bytes([resp[3] | 0x20]) + resp[4:]
            send(resp)
        except OSError:
            pass
