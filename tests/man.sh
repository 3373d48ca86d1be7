#!/bin/bash
# Every man page renders without a groff warning.
# usage: man.sh SOURCE_DIR
src=$1
pages=("$src"/man/*.[1-8])
echo "1..${#pages[@]}"
n=0
for page in "${pages[@]}"; do
  n=$((n + 1))
  if ! command -v groff >/dev/null; then
    echo "ok $n # SKIP groff not installed"
    continue
  fi
  warnings=$(LC_ALL=C.UTF-8 groff -man -Tutf8 -ww -z "$page" 2>&1)
  if [ -z "$warnings" ]; then
    echo "ok $n - $(basename "$page")"
  else
    echo "not ok $n - $(basename "$page")"
    echo "$warnings" | head -5 | sed 's/^/# /'
  fi
done
