#!/bin/bash
# Installs into a scratch directory and builds a program against the installed
# header and library with pkg-config, as a user of libdsn would.
# usage: install.sh BUILD_DIR SOURCE_DIR
set -u
build=$(cd "$1" && pwd) src=$(cd "$2" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "1..4"
if DESTDIR=$tmp meson install -C "$build" --no-rebuild --quiet >"$tmp/log" 2>&1; then
  echo "ok 1 - meson install"
else
  echo "not ok 1 - meson install"; sed 's/^/# /' "$tmp/log"; exit 0
fi
pc=$(dirname "$(find "$tmp" -name libdsn.pc | head -1)")
prefix=$(sed -n 's/^prefix=//p' "$pc/libdsn.pc")
# Point the installed .pc file at the scratch prefix.
sed -i "s|^prefix=.*|prefix=$tmp$prefix|" "$pc/libdsn.pc"
export PKG_CONFIG_PATH=$pc
if cc -std=c11 -Wall -Wextra -Werror -o "$tmp/example" "$src/tests/install/example.c" \
     $(pkg-config --cflags --libs libdsn) 2>"$tmp/log"; then
  echo "ok 2 - a program builds against the installed libdsn"
else
  echo "not ok 2 - a program builds against the installed libdsn"; sed 's/^/# /' "$tmp/log"; exit 0
fi
libdir=$(dirname "$(find "$tmp" -name 'libdsn.so.*' | head -1)")
out=$(LD_LIBRARY_PATH=$libdir "$tmp/example" "$src/testdata/bounces/seed-quota.eml")
if [ "$out" != "${out#anna.a@abc.xyz mailboxfull Prévenez}" ]; then
  echo "ok 3 - it runs and analyses a bounce"
else
  echo "not ok 3 - it runs and analyses a bounce"; echo "# $out"
fi
# The same program against the build tree, through the uninstalled .pc file.
if PKG_CONFIG_PATH=$build/meson-uninstalled cc -std=c11 -Wall -Wextra -Werror -o "$tmp/example2" \
     "$src/tests/install/example.c" $(PKG_CONFIG_PATH=$build/meson-uninstalled pkg-config --cflags --libs libdsn) \
     2>"$tmp/log" && LD_LIBRARY_PATH=$build/libdsn "$tmp/example2" "$src/testdata/bounces/seed-quota.eml" >/dev/null; then
  echo "ok 4 - a program builds against the uninstalled libdsn (meson-uninstalled)"
else
  echo "not ok 4 - a program builds against the uninstalled libdsn (meson-uninstalled)"; sed 's/^/# /' "$tmp/log"
fi
