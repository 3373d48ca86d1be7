#!/bin/bash
# The shared library exports exactly the functions dsn.h declares DSN_API.
# usage: symbols.sh LIBDSN.so dsn.h HAVE_DNS
lib=$1 header=$2 have_dns=${3:-1}
echo "1..1"
exported=$(nm -D --defined-only "$lib" | awk '$2 ~ /^[TDBR]$/ {print $3}' | sort)
# Without the DNS wing, what dsn.h declares under DSN_HAVE_DNS is absent.
if [ "$have_dns" = 1 ]; then
  api=$(cat "$header")
else
  api=$(sed '/^#if DSN_HAVE_DNS/,/^#endif/d' "$header")
fi
declared=$(echo "$api" | sed -n 's/^DSN_API[^(]*[ *]\([a-z][a-z_0-9]*\) *(.*/\1/p' | sort)
if [ "$exported" = "$declared" ]; then
  echo "ok 1 - exported symbols match dsn.h ($(echo "$exported" | wc -l) functions)"
else
  echo "not ok 1 - exported symbols differ from dsn.h"
  diff <(echo "$declared") <(echo "$exported") 2>/dev/null | sed 's/^/# /' ||
    { echo "$declared" > /tmp/d.$$; echo "$exported" > /tmp/e.$$; diff /tmp/d.$$ /tmp/e.$$ | sed 's/^/# /'; rm -f /tmp/d.$$ /tmp/e.$$; }
fi
