#!/usr/bin/env python3
"""Validates dsn-explain's JSON output against doc/json-schema.json: every
result for the golden messages, an error object and a summary. Prints TAP.
usage: schema.py DSN_EXPLAIN SCHEMA DIR..."""
import glob, json, os, subprocess, sys, tempfile

try:
    import jsonschema
except ImportError:
    print('1..0 # SKIP python3-jsonschema not installed')
    sys.exit(0)

exe, schema_path = sys.argv[1:3]
dirs = sys.argv[3:]
schema = json.load(open(schema_path))
validator = jsonschema.Draft202012Validator(schema)
jsonschema.Draft202012Validator.check_schema(schema)
emls = sorted(f for d in dirs for f in glob.glob(os.path.join(d, '*.eml')))
with tempfile.NamedTemporaryFile(suffix='.eml') as empty:
    runs = [('results', [exe, '--json'] + emls + [empty.name]),
            ('summary', [exe, '--json', '--summary'] + emls)]
    print(f'1..{len(runs)}')
    for i, (name, cmd) in enumerate(runs, 1):
        p = subprocess.run(cmd, capture_output=True, text=True)
        errors = []
        lines = [l for l in p.stdout.splitlines() if l.strip()]
        for line in lines:
            obj = json.loads(line)
            for e in validator.iter_errors(obj):
                errors.append(f'{obj.get("source")}: {e.json_path}: {e.message}'[:300])
        if name == 'results' and len(lines) != len(emls) + 1:
            errors.append(f'{len(lines)} results for {len(emls) + 1} messages')
        if errors:
            print(f'not ok {i} - {name} valid against the schema')
            for e in errors[:20]:
                print(f'# {e}')
        else:
            print(f'ok {i} - {name} ({len(lines)} objects) valid against the schema')
