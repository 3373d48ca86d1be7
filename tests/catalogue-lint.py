#!/usr/bin/env python3
"""The catalogue (catalogue/*.keys), checked as the patterns are: every file
reads as a GKeyFile, every entry has every language of
catalogue/languages.keys for each of its texts, a translation uses the same
placeholders as the English, every code the sources use is in the
catalogue and every code of the catalogue is used; the patterns' category
texts are in the catalogue's languages only. Prints TAP.

usage: catalogue-lint.py SOURCE_DIR
"""
import glob
import os
import re
import sys

src = sys.argv[1]
tests = []


def test(name, problems):
    tests.append((name, problems))


def read_keyfile(path, problems):
    """A GKeyFile as {group: {key: value}}, in file order; what GLib would
    refuse (a key outside a group, a group or key given twice, a line that
    is neither) becomes a problem."""
    groups, group = {}, None
    rel = os.path.relpath(path, src)
    for n, line in enumerate(open(path, encoding='utf-8'), 1):
        line = line.rstrip('\n')
        if not line.strip() or line.lstrip().startswith('#'):
            continue
        m = re.fullmatch(r'\[([^\]\[]+)\]', line)
        if m:
            group = m.group(1)
            if group in groups:
                problems.append(f'{rel}:{n}: [{group}] is given twice')
            groups[group] = {}
            continue
        key, eq, value = line.partition('=')
        key = key.strip()
        if not eq or not re.fullmatch(r'[A-Za-z0-9_-]+(\[[A-Za-z0-9_@.-]+\])?', key):
            problems.append(f'{rel}:{n}: not a "key=value" line')
        elif group is None:
            problems.append(f'{rel}:{n}: key outside a group')
        elif key in groups[group]:
            problems.append(f'{rel}:{n}: [{group}] {key} is given twice')
        else:
            groups[group][key] = value.lstrip()
    return groups


# ------------------------------------------------------------ placeholders
# {name}, {name?TEXT}, {name?TEXT|OTHER}, {name|OTHER}, {name:subject}:
# core/catalogue.c.

said_by = {}  # subject of {name:subject} -> the first text using it


def placeholders(text, names, where, problems):
    """Adds to NAMES the arguments TEXT uses; a conditional left open is a
    problem."""
    i = 0
    while True:
        i = text.find('{', i)
        if i < 0:
            return
        m = re.match(r'\{(\w+)(?::(\w+)(?=\}))?([}?|])', text[i:])
        if not m:
            i += 1
            continue
        names.add(m.group(1))
        if m.group(2):
            said_by.setdefault(m.group(2), where)
        body = i + m.end()
        if m.group(3) == '}':
            i = body
            continue
        depth, j = 0, body
        while j < len(text):
            if text[j] == '{':
                depth += 1
            elif text[j] == '}':
                if not depth:
                    break
                depth -= 1
            j += 1
        if j >= len(text):
            problems.append(f'{where}: "{{{m.group(1)}{m.group(3)}" is never closed')
            return
        placeholders(text[body:j], names, where, problems)
        i = j + 1


# ------------------------------------------------------------ the files

cat_dir = os.path.join(src, 'catalogue')
problems = []
langs_file = read_keyfile(os.path.join(cat_dir, 'languages.keys'), problems)
langs = [l for l in langs_file.get('languages', {}).get('codes', '').split(';') if l]
if not langs:
    problems.append('catalogue/languages.keys: no [languages] codes=')
if len(set(langs)) != len(langs):
    problems.append('catalogue/languages.keys: a language is listed twice')
test(f'the language list reads ({";".join(langs)})', problems)
first, others = (langs[0] if langs else 'en'), langs[1:]

ATTRIBUTES = {'severity', 'unchecked', 'absent', 'rfc'}
SEVERITIES = {'ok', 'info', 'warning', 'error'}
catalogue = {}  # code -> (subject, keys)
problems = []
subjects = sorted(os.path.basename(p)[:-5] for p in glob.glob(os.path.join(cat_dir, '*.keys')))
subjects.remove('languages')
for subject in subjects:
    for code, keys in read_keyfile(os.path.join(cat_dir, subject + '.keys'), problems).items():
        if code in catalogue:
            problems.append(f'{code}: in {catalogue[code][0]}.keys and {subject}.keys')
        catalogue[code] = (subject, keys)
test(f'the files read as key files ({", ".join(subjects)}; {len(catalogue)} codes)', problems)

problems = []
for subject in subjects:
    entries = [(c, k) for c, (s, k) in catalogue.items() if s == subject]
    with_severity = [c for c, k in entries if 'severity' in k]
    if with_severity and len(with_severity) != len(entries):
        problems.append(f'{subject}.keys: some entries have no severity: '
                        + ', '.join(c for c, k in entries if 'severity' not in k))
for code, (subject, keys) in catalogue.items():
    if not re.fullmatch(r'[a-z][a-z0-9_]*\.[a-z0-9_]+', code):
        problems.append(f'{code}: a code is "subject.name" in lower case')
    if 'severity' in keys and keys['severity'] not in SEVERITIES:
        problems.append(f'{code}: bad severity {keys["severity"]!r}')
    for flag in ('unchecked', 'absent'):
        if keys.get(flag, 'false') not in ('true', 'false'):
            problems.append(f'{code}: {flag} must be true or false')
    for key in keys:
        base, _, lang = key.partition('[')
        if lang and lang[:-1] not in others:
            problems.append(f'{code}: {key}: "{lang[:-1]}" is not a translation language of '
                            'catalogue/languages.keys')
        if lang and base in ATTRIBUTES:
            problems.append(f'{code}: {key}: an attribute is not translated')
    texts = [k for k in keys if '[' not in k and k not in ATTRIBUTES]
    if not texts:
        problems.append(f'{code}: no text')
test('every entry is well formed', problems)

problems = []
for code, (subject, keys) in catalogue.items():
    for key in [k for k in keys if '[' not in k and k not in ATTRIBUTES]:
        if not keys[key]:
            problems.append(f'{code}: {key} is empty')
        for lang in others:
            if not keys.get(f'{key}[{lang}]'):
                problems.append(f'{code}: {key}[{lang}] is missing')
    for key in [k for k in keys if '[' in k and k.partition('[')[0] not in keys]:
        problems.append(f'{code}: {key} translates nothing')
test(f'every text is in every language ({", ".join(langs)})', problems)

problems = []
for code, (subject, keys) in catalogue.items():
    for key in [k for k in keys if '[' not in k and k not in ATTRIBUTES]:
        want = set()
        placeholders(keys[key], want, f'{code}: {key}', problems)
        for lang in others:
            text = keys.get(f'{key}[{lang}]')
            if text is None:
                continue
            got = set()
            placeholders(text, got, f'{code}: {key}[{lang}]', problems)
            if got != want:
                problems.append(f'{code}: {key}[{lang}] uses {sorted(got)}, {key} {sorted(want)}')
test('translations use the English placeholders, every conditional is closed', problems)

# ------------------------------------------------------------ the sources
# A code is a string literal "prefix.name" whose prefix starts some code of
# the catalogue: other literals ("mail.gmail.com") have more dots or another
# prefix, and #include lines are no code.

prefixes = {c.partition('.')[0] for c in catalogue}
literal = re.compile(r'"([a-z][a-z0-9_]*)\.([a-z0-9_]+)"')
used = {}  # code -> the first file using it
users = {'cmd': {}, 'libdsn': {}}  # the same, by the tools and by the library
for path in sorted(glob.glob(os.path.join(src, 'libdsn', '**', '*.c'), recursive=True)
                   + glob.glob(os.path.join(src, 'cmd', '*.c'))):
    text = open(path, encoding='utf-8').read()
    text = re.sub(r'(?m)^\s*#\s*include.*$', '', text)
    rel = os.path.relpath(path, src)
    for prefix, name in literal.findall(text):
        if prefix in prefixes:
            used.setdefault(f'{prefix}.{name}', rel)
            users[rel.split(os.sep)[0]].setdefault(f'{prefix}.{name}', rel)
# {name:subject} uses every code of the subject.
for subject, where in said_by.items():
    codes = [c for c in catalogue if c.partition('.')[0] == subject]
    if not codes:
        used.setdefault(f'{subject}.?', where)
    for c in codes:
        used.setdefault(c, where)
test('every code the sources use is in the catalogue',
     [f'{c} ({used[c]}) is not in the catalogue' for c in sorted(set(used) - set(catalogue))])
test('every code of the catalogue is used',
     [f'{c} ({catalogue[c][0]}.keys) is never used' for c in sorted(set(catalogue) - set(used))])

# The tools' words are cli.keys's (and dsn-web's page's, web.keys's), looked
# up by their one text, "text" (cmd_text, cmd_format); the library's are the
# other files', never those.
TOOLS = ('cli', 'web')
problems = []
for who, wrong in (('cmd', lambda c: catalogue[c][0] not in TOOLS),
                   ('libdsn', lambda c: catalogue[c][0] in TOOLS)):
    for c, path in sorted(users[who].items()):
        if c in catalogue and wrong(c):
            problems.append(f'{path} uses {c} of {catalogue[c][0]}.keys')
for c, (subject, keys) in catalogue.items():
    if subject in TOOLS and [k for k in keys if '[' not in k] != ['text']:
        problems.append(f'{c}: a text of {subject}.keys has one key, "text"')
test('the tools use the texts of cli.keys and web.keys, and only they do', problems)

# ------------------------------------------------------------ patterns
problems = []
for path in sorted(glob.glob(os.path.join(src, 'patterns', '*.rules'))):
    for n, line in enumerate(open(path, encoding='utf-8'), 1):
        m = re.match(r'(summary|explanation|advice)\[([^\]]+)\]=', line)
        if m and m.group(2) not in others:
            problems.append(f'{os.path.relpath(path, src)}:{n}: {m.group(1)}[{m.group(2)}]: not a '
                            'language of catalogue/languages.keys')
test('the patterns\' category texts are in the catalogue\'s languages', problems)

print(f'1..{len(tests)}')
for i, (name, problems) in enumerate(tests, 1):
    print(f'{"not ok" if problems else "ok"} {i} - {name}')
    for p in problems:
        print(f'# {p}')
