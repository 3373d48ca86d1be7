#!/usr/bin/env python3
"""The library's folders depend on each other one way down (doc/ARCHITECTURE.md).

Reads every #include "..." of libdsn/, resolves it to a file, and checks:
each folder includes only the folders below it; nothing under core/ or
bounce/ includes a dns/ or audit/ header; the folders form no cycle.
usage: layout.py SOURCE_DIR
"""
import os
import re
import sys

# What each folder may include, besides itself and the public header.
ALLOWED = {
    "core": set(),
    "bounce": {"core"},
    "dns": {"core"},
    "audit": {"core", "dns"},
    "recheck": {"core", "bounce", "dns", "audit"},
}

src = sys.argv[1]
lib = os.path.join(src, "libdsn")
include = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
public = {"dsn.h", "dsn-version.h"}
generated = re.compile(r"-resource\.h$")


def folder_of(path):
    rel = os.path.relpath(path, lib)
    return rel.split(os.sep)[0] if os.sep in rel else ""


edges = {}  # (from folder, to folder) -> an example "file: include"
stray = []
files = []
for root, _, names in os.walk(lib):
    for name in sorted(names):
        if name.endswith((".c", ".h")):
            files.append(os.path.join(root, name))
unresolved = []
for path in sorted(files):
    here = folder_of(path)
    if here == "" and os.path.basename(path) not in public:
        stray.append(os.path.relpath(path, src))
    text = open(path, encoding="utf-8").read()
    for inc in include.findall(text):
        if inc in public or generated.search(inc):
            continue
        for base in (os.path.dirname(path), lib):
            target = os.path.normpath(os.path.join(base, inc))
            if os.path.exists(target):
                break
        else:
            unresolved.append(f"{os.path.relpath(path, src)}: {inc}")
            continue
        there = folder_of(target)
        if there != here:
            edges.setdefault((here, there), f"{os.path.relpath(path, lib)}: #include \"{inc}\"")

tests = []
tests.append(("every #include resolves to a file of libdsn/", unresolved))
tests.append(("no source file outside the folders (only dsn.h at the top)", stray))
bad = [f"{a} -> {b} ({why})" for (a, b), why in sorted(edges.items())
       if a not in ALLOWED or b not in ALLOWED[a]]
tests.append(("each folder includes only the folders below it", bad))
low = [f"{a} -> {b} ({why})" for (a, b), why in sorted(edges.items())
       if a in ("core", "bounce") and b in ("dns", "audit")]
tests.append(("core/ and bounce/ include nothing from dns/ or audit/", low))

# Every dialect is in the one ordered list: a file defining a dialect that
# list.h does not name would silently never be tried.
dialects = os.path.join(lib, "bounce", "dialects")
listed = set(re.findall(r"DSN_DIALECT_ENTRY\s*\(\s*(\w+)\s*\)",
                        open(os.path.join(dialects, "list.h"), encoding="utf-8").read()))
defined = {}
for root, _, names in os.walk(dialects):
    for name in names:
        if name.endswith(".c"):
            text = open(os.path.join(root, name), encoding="utf-8").read()
            for m in re.finditer(r"^DSN_DIALECT(?:_NAMED)?\s*\(\s*(\w+)", text, re.M):
                defined[m.group(1)] = os.path.relpath(os.path.join(root, name), src)
tests.append(("every dialect defined is in dialects/list.h",
              [f"{d} ({f})" for d, f in sorted(defined.items()) if d not in listed]))

# A cycle among folders, found by depth-first search on the include edges.
graph = {}
for a, b in edges:
    graph.setdefault(a, set()).add(b)
cycle = []
state = {}


def visit(node, stack):
    state[node] = 1
    for nxt in sorted(graph.get(node, ())):
        if state.get(nxt) == 1:
            cycle.append(" -> ".join(stack[stack.index(nxt):] + [nxt]) if nxt in stack else nxt)
        elif not state.get(nxt):
            visit(nxt, stack + [nxt])
    state[node] = 2


for node in sorted(graph):
    if not state.get(node):
        visit(node, [node])
tests.append(("no cycle among the folders", cycle))

print(f"1..{len(tests)}")
for i, (name, problems) in enumerate(tests, 1):
    if problems:
        print(f"not ok {i} - {name}")
        for p in problems[:20]:
            print(f"# {p}")
    else:
        print(f"ok {i} - {name}")
