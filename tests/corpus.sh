#!/bin/bash
# Guards the accuracy reached on the shared corpus: fails if reason agreement
# falls below the level recorded in corpus-level.txt. Skipped where the
# corpus is absent (a clone outside the development workspace).
# usage: corpus.sh DSN_EXPLAIN LEVEL_FILE
exe=$1 level_file=$2
root=$(cd "$(dirname "$0")/.." && pwd)
shared=${DSN_SHARED:-$root/../shared}
scorer=$shared/tools/score-corpus
echo "1..1"
if [ ! -f "$scorer" ] || [ ! -d "$shared/corpus/sisimai" ]; then
  echo "ok 1 # SKIP shared corpus not found at $shared (set DSN_SHARED to point at it)"
  exit 0
fi
out=$(/usr/bin/python3 "$scorer" -- "$exe" --json 2>&1)
echo "$out" | tail -6 | sed 's/^/# /'
got=$(echo "$out" | awk '$1 == "reason" {print $3}' | tr -d '%')
want=$(grep -v '^#' "$level_file" | awk '$1 == "reason" {print $2}')
if awk -v g="$got" -v w="$want" 'BEGIN { exit !(g + 0 >= w + 0) }'; then
  echo "ok 1 - reason agreement $got% >= $want%"
else
  echo "not ok 1 - reason agreement $got% fell below $want%"
fi
