#!/usr/bin/env python3
"""No English left in the tools' text output: every path of dsn-explain
(the bounces and header analyses of testdata/, --summary, --check against
the DNS test zones, input that cannot be read) and of mailcheck (every case
of testdata/mailcheck against the same zones) is run in each language of
catalogue/languages.keys but English, and every word of what it prints, on
stdout and stderr, must be accounted for:

- by a text of the catalogue or of patterns/ in that language: the literal
  pieces of each template, placeholders left out, are removed;
- by the data of the result: the values of the JSON fields the text shows
  (addresses, the server's words, host names, reasons and categories, DNS
  and SPF results, a finding's arguments but not its texts), taken from the
  same run with --json, and the system's error messages (strerror);
- or by being no word of any language: numbers, codes, acronyms, domain
  names and addresses (any token with a dot, an @, a colon, a slash, an
  equals sign or an underscore inside, or with a digit), symbols.

What is left is a sentence of the code that no catalogue gave: a
hard-coded string, or a text that fell back on English. The check is
subtractive, so it fails on any new hard-coded word; a text of the catalogue
shown in English instead of the language asked is caught too (its English
pieces are looked for as well). Prints TAP, one test per tool path and
language.

usage: untranslated-text.py DSN_EXPLAIN MAILCHECK|- SOURCE_DIR
"""
import errno
import glob
import json
import os
import re
import subprocess
import sys
import tempfile

explain, mailcheck, src = sys.argv[1], sys.argv[2], os.path.abspath(sys.argv[3])
explain = os.path.abspath(explain)
mailcheck = None if mailcheck == '-' else os.path.abspath(mailcheck)
sys.path.insert(0, os.path.join(src, 'tests', 'dns'))

ENV = dict(os.environ, LC_ALL='C.UTF-8', NO_COLOR='1')
for v in ('LANG', 'LC_MESSAGES'):
    ENV.pop(v, None)


# ------------------------------------------------------------ the catalogue

def catalogue_texts():
    """{lang: [text, ...]}: every text of catalogue/*.keys and every category
    text of patterns/, by language ("en" for the untranslated key)."""
    texts = {}
    files = glob.glob(os.path.join(src, 'catalogue', '*.keys'))
    files += glob.glob(os.path.join(src, 'patterns', '*.rules'))
    for path in files:
        for line in open(path, encoding='utf-8'):
            m = re.match(r'([A-Za-z0-9_-]+)(?:\[([A-Za-z0-9_@.-]+)\])?=(.*)$', line.rstrip('\n'))
            if not m or m.group(1) in ('severity', 'unchecked', 'absent', 'rfc', 'codes'):
                continue
            if path.endswith('.rules') and m.group(1) not in ('summary', 'explanation', 'advice'):
                continue
            texts.setdefault(m.group(2) or 'en', []).append(m.group(3))
    return texts


def pieces(templates):
    """The literal pieces of TEMPLATES, placeholders ({name}, {name?, |, })
    left out, whitespace collapsed, longest first."""
    out = set()
    for t in templates:
        for p in re.split(r'\{\w+\??|\}|\|', t):
            p = ' '.join(p.split())
            if re.search(r'[^\W\d_]', p):
                out.add(p)
    return sorted(out, key=len, reverse=True)


def remove(text, strings):
    """TEXT with every occurrence of STRINGS that does not start or end
    inside a word, a name or an address ("example.org" is not removed from
    "mx.example.org") replaced by a separator."""
    for s in strings:
        if s in text:
            before = r'(?<![\w.@-])' if re.match(r'\w', s) else ''
            after = r'(?![\w@-]|\.\w)' if re.search(r'\w$', s) else ''
            text = re.sub(before + re.escape(s) + after, '\0', text)
    return text


def neutral(token):
    """A token that is no word of a language."""
    if not re.search(r'[^\W\d_]', token) or not re.search(r'[a-zà-ÿ]', token):
        return True  # numbers, symbols, acronyms and codes in capitals
    if re.search(r'\d', token):
        return True  # a host's or a message's label ("sa1201005"): no word has digits
    return re.search(r'\w[.@:/=_%]+\w', token) is not None  # names, addresses, codes, records


def leftovers(text, strings):
    """The words of TEXT no string of STRINGS accounts for."""
    rest = remove(' '.join(text.split()), strings)
    words = []
    for token in re.split(r'[\s\0]+', rest):
        token = token.strip('.,;:!?()[]{}«»“”"\'…→←•·✔✘⚠-')
        if token and not neutral(token):
            words.append(token)
    return words


# ------------------------------------------------------------ data of a result

# The JSON fields whose values the text output shows, as paths ("[]" for
# each element of an array, "*" for each key of an object). Texts
# (summary, explanation, advice, text, message, warnings...) are not data.
EXPLAIN_DATA = [
    'source.path', 'dialect', 'original.subject',
    'recipients[].address', 'recipients[].original_address', 'recipients[].status',
    'recipients[].reply_code', 'recipients[].remote_mta', 'recipients[].diagnostic',
    'recipients[].reason', 'recipients[].category', 'recipients[].blocklist',
    'recipients[].check.details', 'recipients[].check.target',
    'headers.from_domain', 'headers.mailfrom_domain', 'headers.hops[].from_host',
    'headers.hops[].from_ip', 'headers.hops[].by_host', 'headers.hops[].with',
    'headers.authentication[].method', 'headers.authentication[].result',
    'headers.authentication[].domain', 'headers.authentication[].authserv',
    'headers.authentication[].reason', 'headers.spam[]', 'headers.signals[].details',
    'recipients[].check.address.ip', 'recipients[].check.address.evidence',
    'recipients[].context.details',
    # --summary
    'by_kind.*', 'by_category.*', 'by_reason.*', 'by_domain.*', 'top_diagnostics.*', 'suppress[]',
]
MAILCHECK_DATA = [
    'domain', 'findings[].code', 'findings[].rfc', 'findings[].details',
    'spf.domain', 'spf.ip', 'spf.sender', 'spf.helo', 'spf.record', 'spf.explanation',
    'spf.result', 'spf.path[].domain', 'spf.path[].term', 'spf.path[].result',
]
# A finding's arguments are data, except those that are texts themselves.
TEXT_ARGUMENTS = {'detail', 'problem', 'error'}


def values(node, path):
    """The strings at PATH in NODE; a path ending on an object or an array
    gives every string inside it, but a finding's texts."""
    if not path:
        out = []
        if isinstance(node, str):
            out.append(node)
        elif isinstance(node, list):
            for v in node:
                out += values(v, '')
        elif isinstance(node, dict):
            for k, v in node.items():
                if k in TEXT_ARGUMENTS or k in ('message', 'advice', 'text', 'explanation'):
                    continue
                out += values(v, '')
        return out
    head, _, rest = path.partition('.')
    if head == '*':
        return list(node) if isinstance(node, dict) else []
    array = head.endswith('[]')
    head = head[:-2] if array else head
    child = node.get(head) if isinstance(node, dict) else None
    if child is None:
        return []
    if array:
        return [s for c in (child if isinstance(child, list) else []) for s in values(c, rest)]
    return values(child, rest)


def data(outputs, paths):
    """The values of PATHS in every JSON document of OUTPUTS (JSON Lines or
    one document), longest first, whitespace collapsed."""
    docs = []
    for out in outputs:
        try:
            docs.append(json.loads(out))
        except ValueError:
            docs += [json.loads(l) for l in out.splitlines() if l.strip()]
    found = set()
    for d in docs:
        for p in paths:
            for v in values(d, p):
                v = ' '.join(v.split())
                if v:
                    found.add(v)
                    found.add(v[:100].rstrip())  # the text cuts a spam verdict there
                    m = re.match(r'([\w-]+): ', v)
                    if m:  # a spam verdict's field, named by a finding
                        found.add(m.group(1))
    return found


# The system's words, and the tools' names.
SYSTEM = {os.strerror(e) for e in errno.errorcode} | {'dsn-explain', 'mailcheck'}


# ------------------------------------------------------------ runs

def run(cmd, **kw):
    p = subprocess.run(cmd, capture_output=True, env=ENV, timeout=180, **kw)
    return p.stdout.decode('utf-8', 'replace'), p.stderr.decode('utf-8', 'replace')


class Check:
    """One tool path in one language: what it printed, accounted for."""

    def __init__(self, lang, texts):
        self.own = pieces(texts.get(lang, []))
        own = set(self.own)
        # English pieces of a few words that the language does not share.
        self.english = [p for p in pieces(texts['en']) if p not in own and len(p.split()) >= 3]
        self.problems = []
        self.lines = 0

    def account(self, name, text, found):
        strings = sorted(set(self.own) | found | SYSTEM, key=len, reverse=True)
        for line in text.splitlines():
            if not line.strip():
                continue
            self.lines += 1
        words = leftovers(text, strings)
        if words:
            seen = []
            for w in words:
                if w not in seen:
                    seen.append(w)
            # The line that holds most of them, to show.
            line = max(text.splitlines(), key=lambda l: sum(
                1 for w in seen if re.search(r'(?<!\w)' + re.escape(w) + r'(?!\w)', l)))
            self.problems.append(f'{name}: not translated: {" ".join(seen[:12])}'
                                 + f' — in "{line.strip()[:100]}"')
        flat = ' '.join(text.split())
        for p in self.english:
            if p in flat and not any(p in v for v in found):
                self.problems.append(f'{name}: an English text of the catalogue: "{p[:80]}"')


def explain_paths(lang, texts, tmp):
    """(name, Check) for dsn-explain's paths that need no DNS."""
    results = []
    for d in ('bounces', 'headers'):
        files = sorted(glob.glob(os.path.join(src, 'testdata', d, '*.eml')))
        c = Check(lang, texts)
        out, err = run([explain, '--lang', lang, '--color=never'] + files)
        js, _ = run([explain, '--lang', lang, '--json'] + files)
        c.account(d, out + err, data([js], EXPLAIN_DATA))
        results.append((f'dsn-explain on testdata/{d} ({len(files)} messages)', c))
        c = Check(lang, texts)
        out, err = run([explain, '--lang', lang, '--color=never', '--summary'] + files)
        js, _ = run([explain, '--lang', lang, '--json', '--summary'] + files)
        c.account(f'{d} --summary', out + err, data([js], EXPLAIN_DATA))
        # The totals hold no text: their JSON is the same in every language.
        if js != run([explain, '--lang', 'en', '--json', '--summary'] + files)[0]:
            c.problems.append(f'{d} --summary --json: not the English one')
        results.append((f'dsn-explain --summary on testdata/{d}, text and JSON', c))

    # Input that cannot be read, and pasted text.
    empty = os.path.join(tmp, 'empty.eml')
    open(empty, 'w').close()
    quota = os.path.join(src, 'testdata', 'bounces', 'seed-quota.eml')
    cases = [
        ['/nonexistent/bounce.eml'],
        ['--format', 'message', os.path.join(src, 'testdata', 'headers')],
        ['--format', 'maildir', quota],
        [empty],
        ['--limit', 'size=100', quota],
        ['--text', 'Mailbox full', '--text', 'Hello Anna, see you tomorrow.'],
    ]
    c = Check(lang, texts)
    for args in cases:
        out, err = run([explain, '--lang', lang, '--color=never'] + args)
        js, _ = run([explain, '--lang', lang, '--json'] + args)
        c.account(' '.join(args)[:60], out + err, data([js], EXPLAIN_DATA))
    with open(quota, 'rb') as f:
        out, err = run([explain, '--lang', lang, '--color=never', '-'], stdin=f)
    with open(quota, 'rb') as f:
        js, _ = run([explain, '--lang', lang, '--json', '-'], stdin=f)
    c.account('standard input', out + err, data([js], EXPLAIN_DATA))
    results.append(('dsn-explain: unreadable input, errors, --text, standard input', c))
    return results


def dns_paths(lang, texts):
    """(name, Check) for mailcheck and dsn-explain --check, against the test
    zones; a SKIP reason instead when the servers cannot start."""
    if not mailcheck:
        return 'built without the DNS wing (-Dmailcheck=false)'
    import golden
    import harness
    try:
        servers = harness.Servers(src).__enter__()
    except harness.Skip as e:
        return str(e)
    results = []
    try:
        closed = harness.free_port()
        c = Check(lang, texts)
        d = os.path.join(src, 'testdata', 'mailcheck')
        cases = sorted(f[:-5] for f in os.listdir(d) if f.endswith('.args'))
        for name in cases:
            case = golden.read_case(os.path.join(d, name + '.args'))
            case['args'] = re.sub(r'--lang[= ]\S+', '', case['args']) + f' --lang {lang}'
            cmd = golden.command(mailcheck, [], servers, case, closed)
            out, err = run(cmd + ['--color', 'never'])
            js, _ = run(cmd + ['--json'])
            c.account(name, out + err, data([js], MAILCHECK_DATA))
        results.append((f'mailcheck on the test zones ({len(cases)} cases)', c))
        c = Check(lang, texts)
        d = os.path.join(src, 'testdata', 'check')
        names = sorted(f[:-4] for f in os.listdir(d) if f.endswith('.eml'))
        for name in names:
            port = closed if name.startswith('unreachable-') else servers.knot_port
            cmd = [explain, '--lang', lang, '--check', '--dns-timeout', '0.5', '--dns-server',
                   f'127.0.0.1:{port}', '--dnsbl', 'bl.test', name + '.eml']
            out, err = run(cmd + ['--color=never'], cwd=d)
            js, _ = run(cmd + ['--json'], cwd=d)
            c.account(name, out + err, data([js], EXPLAIN_DATA))
        results.append((f'dsn-explain --check on the test zones ({len(names)} messages)', c))
    finally:
        servers.__exit__(None, None, None)
    return results


def main():
    codes = re.search(r'(?m)^codes=(.*)$', open(os.path.join(src, 'catalogue', 'languages.keys'),
                                                 encoding='utf-8').read())
    langs = [l for l in codes.group(1).split(';') if l][1:]
    texts = catalogue_texts()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for lang in langs:
            results += [(f'{name}, in {lang}', c) for name, c in explain_paths(lang, texts, tmp)]
            dns = dns_paths(lang, texts)
            if isinstance(dns, str):
                results.append((f'DNS paths in {lang} # SKIP {dns}', None))
            else:
                results += [(f'{name}, in {lang}', c) for name, c in dns]
    print(f'1..{len(results)}')
    for i, (name, c) in enumerate(results, 1):
        if c is None:
            print(f'ok {i} - {name}')
            continue
        if not c.lines:
            c.problems.append('nothing was printed')
        print(f'{"not ok" if c.problems else "ok"} {i} - {name}: {c.lines} lines')
        for p in c.problems[:40]:
            print(f'# {p}')
        if len(c.problems) > 40:
            print(f'# ... and {len(c.problems) - 40} more')
    return 0


if __name__ == '__main__':
    sys.exit(main())
