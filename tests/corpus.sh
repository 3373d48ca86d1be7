#!/bin/bash
# Guards the accuracy reached on the shared corpus: fails if reason agreement
# falls below the level recorded in corpus-level.txt. Skipped where the
# corpus is absent (a clone outside the development workspace).
# usage: corpus.sh DSN_EXPLAIN LEVEL_FILE
exe=$(cd "$(dirname "$1")" && pwd)/$(basename "$1") level_file=$2
root=$(cd "$(dirname "$0")/.." && pwd)
shared=${DSN_SHARED:-$root/../shared}
scorer=$shared/tools/score-corpus
echo "1..2"
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

# The same messages with CRLF (dos/) and CR (mac/) newlines give the same results.
corpus=$shared/corpus/sisimai
# Only messages whose three copies differ by their newlines alone.
common=$(cd "$corpus/bsd" && for f in *.eml; do
  [ -f "../dos/$f" ] && [ -f "../mac/$f" ] &&
    tr -d '\r' <"../dos/$f" | cmp -s - "$f" && tr '\r' '\n' <"../mac/$f" | cmp -s - "$f" && echo "$f"
done)
canon() { (cd "$corpus/$1" && echo "$common" | xargs "$exe" --json --no-progress) | sed 's/"source":{[^}]*}//'; }
lf=$(canon bsd)
if [ -n "$lf" ] && [ "$lf" = "$(canon dos)" ] && [ "$lf" = "$(canon mac)" ]; then
  echo "ok 2 - LF, CRLF and CR versions of $(echo "$common" | wc -l) corpus messages give the same results"
else
  echo "not ok 2 - newline conventions change results"
  diff <(echo "$lf") <(canon mac) | head -10 | sed 's/^/# /'
fi
