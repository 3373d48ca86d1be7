#!/bin/bash
# CLI tests of mailcheck: options, usage errors, exit statuses, colour and
# language, and behaviours checked by pattern rather than by golden output
# (TLS verification, size limits, truncated answers). The servers come from
# tests/dns/harness.py; tests needing them are skipped when it cannot run.
# usage: mailcheck-cli.sh BUILD_DIR SOURCE_DIR
set -u
build=$1 src=$2
exe=$build/cmd/mailcheck
py=/usr/bin/python3
[ -x "$py" ] || py=python3
tmp=$(mktemp -d)
server_pid=
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
n=0 failed=0

check() {
  local name=$1 want=$2
  shift 2
  n=$((n + 1))
  "$@" >"$tmp/out" 2>"$tmp/err"
  local got=$?
  if [ "$got" = "$want" ]; then
    last_ok=1
  else
    last_ok=0
    echo "not ok $n - $name (exit $got, want $want)"
    sed 's/^/# stderr: /' "$tmp/err" | head -5
    head -c 400 "$tmp/out" | sed 's/^/# stdout: /'
    failed=$((failed + 1))
  fi
}
expect() {
  local name=$1
  shift
  if [ "$last_ok" = 1 ] && eval "$@"; then
    echo "ok $n - $name"
  elif [ "$last_ok" = 1 ]; then
    echo "not ok $n - $name"
    head -c 800 "$tmp/out" | sed 's/^/# stdout: /'
    sed 's/^/# stderr: /' "$tmp/err" | head -5
    failed=$((failed + 1))
  fi
  last_ok=2
}
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }
json() { "$py" -c "import json,sys; o=json.load(sys.stdin); $1" <"$tmp/out"; }
one_line_err() { [ "$(wc -l <"$tmp/err")" = 1 ] && [ ! -s "$tmp/out" ]; }

# ------------------------------------------------------------ no server needed

check "--help" 0 "$exe" --help
expect "--help shows usage, options and exit status, not the test options" \
  'grep -q "Usage:" "$tmp/out" && grep -q -- "--dns-server" "$tmp/out" && grep -q "Exit status" "$tmp/out" && ! grep -q -- "--test-ca" "$tmp/out"'

check "--version" 0 "$exe" --version
expect "--version prints the version" 'grep -qE "^mailcheck \(libdsn\) [0-9]+\.[0-9]+\.[0-9]+$" "$tmp/out"'

check "no domain" 2 "$exe"
expect "no domain: one line on stderr" 'one_line_err && grep -q "DOMAIN" "$tmp/err"'

check "--from-file without the file" 2 "$exe" --from-file "$tmp/nothing-here"
expect "--from-file: one line naming it" 'one_line_err && grep -q "from-file" "$tmp/err"'

printf '# only comments\n\n' >"$tmp/empty-list"
check "--from-file without a domain" 2 "$exe" --from-file "$tmp/empty-list"
expect "no domain in the file: one line" one_line_err

check "--spf-ip with two domains" 2 "$exe" --spf-ip 192.0.2.1 a.example b.example
expect "--spf-ip with two domains: one line" one_line_err

check "bad --smtp-timeout" 2 "$exe" --smtp-timeout nan example.org
expect "bad --smtp-timeout: one line naming it" 'one_line_err && grep -q -- "--smtp-timeout" "$tmp/err"'

check "--no-smtp with only starttls asked" 2 "$exe" --no-smtp --check starttls example.org
expect "nothing left to check: one line" one_line_err

check "unknown option" 2 "$exe" --frobnicate example.org
expect "unknown option: one line naming it" 'one_line_err && grep -q frobnicate "$tmp/err"'

check "bad --dns-server" 2 "$exe" --dns-server 999.1.2.3 example.org
expect "bad --dns-server: one line naming it" 'one_line_err && grep -q "999.1.2.3" "$tmp/err"'

check "bad --dns-server port" 2 "$exe" --dns-server 127.0.0.1:70000 example.org
expect "bad port: one line" one_line_err

check "bad --check" 2 "$exe" --check spf,nonsense example.org
expect "bad --check: one line" one_line_err

check "bad --color" 2 "$exe" --color=sometimes example.org
expect "bad --color: one line" one_line_err

check "bad --lang" 2 "$exe" --lang de example.org
expect "bad --lang: one line" one_line_err

check "bad --timeout" 2 "$exe" --timeout 100 example.org
expect "bad --timeout: one line" one_line_err

check "invalid domain" 2 "$exe" "exa mple.org"
expect "invalid domain: one line naming it" 'one_line_err && grep -q "exa mple.org" "$tmp/err"'

check "--spf-ip with a bad address" 2 "$exe" --spf-ip 1.2.3 --sender a@example.org
expect "bad --spf-ip: one line" one_line_err

check "--dnsbl with --no-dnsbl" 2 "$exe" --dnsbl a.example --no-dnsbl example.org
expect "conflicting options: one line" one_line_err

closed=$("$py" -c "import sys; sys.path.insert(0, '$src/tests/dns'); import harness; print(harness.free_port())")
check "DNS unreachable" 3 "$exe" --dns-server "127.0.0.1:$closed" --timeout 0.3 --retries 0 example.org
expect "unreachable: said on stdout, not as an error" 'grep -q "no DNS server answered" "$tmp/out" && [ ! -s "$tmp/err" ]'

check "DNS unreachable, IPv6 server syntax" 3 "$exe" --dns-server "[::1]:$closed" --timeout 0.3 --retries 0 --json example.org
expect "unreachable JSON verdict" 'json "assert o[\"verdict\"]==\"dns-unreachable\" and o[\"findings\"][0][\"code\"]==\"dns.unreachable\""'

check "--spf-ip, DNS unreachable: temperror" 3 "$exe" --dns-server "127.0.0.1:$closed" --timeout 0.3 --retries 0 --spf-ip 192.0.2.1 --sender a@example.org --json
expect "temperror when the DNS fails" 'json "assert o[\"spf\"][\"result\"]==\"temperror\""'

# ------------------------------------------------------------ with servers

if ! "$py" -c 'import dnslib' 2>/dev/null; then
  for t in colour language json tls size https-timeout truncation several starttls; do skip "$t" "python3-dnslib is not installed"; done
  echo "1..$n"
  exit 0
fi
mkfifo "$tmp/hold"
"$py" "$src/tests/dns/harness.py" "$src" "$tmp/ports" <"$tmp/hold" >"$tmp/harness.log" 2>&1 &
server_pid=$!
exec 3>"$tmp/hold"
for _ in $(seq 100); do [ -s "$tmp/ports" ] && break; sleep 0.1; done
# shellcheck disable=SC1091
. "$tmp/ports" 2>/dev/null
if [ -n "${SKIP:-}" ] || [ -z "${KNOT:-}" ]; then
  for t in colour language json tls size https-timeout truncation several starttls; do skip "$t" "${SKIP:-servers did not start}"; done
  echo "1..$n"
  exit 0
fi
# The mail servers of the test zones have documentation addresses: no SMTP.
mc=("$exe" --dns-server "127.0.0.1:$KNOT" --timeout 0.5 --retries 0 --dnsbl bl.test
    --test-ca "$CA" --test-connect-to "127.0.0.1:$HTTPS" --no-smtp)

check "not a terminal: no colour" 0 env -u NO_COLOR "${mc[@]}" -k s1 example.test
expect "no escape sequences" '! grep -q $'"'"'\033'"'"' "$tmp/out" && grep -q "everything checked looks right" "$tmp/out"'

check "--color=always" 0 "${mc[@]}" --color=always -k s1 example.test
expect "--color=always colours" 'grep -q $'"'"'\033\['"'"' "$tmp/out"'

check "NO_COLOR with --color=auto" 0 env NO_COLOR=1 "${mc[@]}" --color=auto -k s1 example.test
expect "NO_COLOR respected" '! grep -q $'"'"'\033'"'"' "$tmp/out"'

check "language from the locale" 1 env LC_ALL= LC_MESSAGES= LANG=fr_FR.UTF-8 "${mc[@]}" nospf.test
expect "French texts" 'grep -q "n'"'"'a pas d'"'"'enregistrement SPF" "$tmp/out" && grep -q "À corriger" "$tmp/out"'

check "--json" 1 "${mc[@]}" --json broken.test
expect "JSON: schema, stable key order, every area, findings with codes" 'json "
assert list(o)==[\"schema\",\"domain\",\"verdict\",\"areas\",\"findings\",\"dns\"], list(o)
assert o[\"schema\"]==1 and o[\"domain\"]==\"broken.test\"
assert list(o[\"areas\"])==[\"mx\",\"starttls\",\"spf\",\"dmarc\",\"dkim\",\"mta-sts\",\"tls-rpt\",\"bimi\",\"ptr\",\"dnsbl\",\"dnssec\"]
for f in o[\"findings\"]:
    assert list(f)==[\"code\",\"area\",\"severity\",\"unchecked\",\"rfc\",\"message\",\"advice\",\"details\"], list(f)
assert o[\"areas\"][\"spf\"][\"records\"] and o[\"areas\"][\"spf\"][\"tree\"][\"terms\"]
"'

check "MTA-STS without the test CA: certificate refused" 1 "$exe" --dns-server "127.0.0.1:$KNOT" --timeout 0.5 \
  --retries 0 --no-dnsbl --check mx,mta-sts --test-connect-to "127.0.0.1:$HTTPS" --json example.test
expect "mta_sts.fetch_failed, about the certificate" 'json "
f=[x for x in o[\"findings\"] if x[\"code\"]==\"mta_sts.fetch_failed\"]
assert f and \"certificate\" in f[0][\"details\"][\"detail\"].lower(), o[\"findings\"]
"'

check "MTA-STS policy over 64 KiB" 1 "${mc[@]}" --check mx,mta-sts --json stshuge.test
expect "mta_sts.too_large" 'json "assert [x for x in o[\"findings\"] if x[\"code\"]==\"mta_sts.too_large\"]"'

check "a slow MTA-STS server is given up" 1 "${mc[@]}" --https-timeout 0.5 --check mx,mta-sts --json stsslow.test
expect "mta_sts.fetch_failed, timed out" 'json "
f=[x for x in o[\"findings\"] if x[\"code\"]==\"mta_sts.fetch_failed\"]
assert f and \"timed out\" in f[0][\"details\"][\"detail\"].lower(), o[\"findings\"]
"'

check "bad --https-timeout" 2 "$exe" --https-timeout 99 example.test
expect "bad --https-timeout: one line naming it" 'one_line_err && grep -q -- "--https-timeout" "$tmp/err"'

check "an answer too big for UDP is fetched over TCP" 0 "$exe" --dns-server "127.0.0.1:$FAKE" --timeout 0.5 --check spf --json huge.test
expect "41 TXT records, the SPF one found" 'json "
s=o[\"areas\"][\"spf\"]
assert s[\"records\"]==[\"v=spf1 ip4:192.0.2.0/24 -all\"], s[\"records\"]
assert len(s[\"tree\"][\"records\"])==1
"'

check "SPF check with macros and exp= (check_host)" 1 "${mc[@]}" --spf-ip 198.51.100.7 --sender x@example.test
expect "text result names the result and the deciding term" 'grep -q "fail" "$tmp/out" && grep -q "example.test: -all" "$tmp/out"'

# ------------------------------------------------------------ several domains

check "several domains: one report each, then a summary line" 1 "${mc[@]}" -k s1 example.test nospf.test
expect "both reports in order, and the summary" '
  [ "$(grep -n "^example.test: \|^nospf.test: " "$tmp/out" | cut -d: -f2 | tr "\n" " ")" = "example.test nospf.test " ] &&
  tail -1 "$tmp/out" | grep -q "^2 domains: 1 without problems, 1 with problems$"'

printf 'example.test  # the healthy one\n\n# a comment\nnospf.test\nnot..a.domain\n' >"$tmp/list"
check "--from-file --json: JSON Lines, the worst exit status" 2 "${mc[@]}" --json -k s1 --from-file "$tmp/list"
expect "one JSON object a line, in the file's order; an error object for a bad name" '"$py" -c "
import json, sys
lines = open(sys.argv[1]).read().splitlines()
objs = [json.loads(l) for l in lines]
assert [o[\"domain\"] for o in objs] == [\"example.test\", \"nospf.test\", \"not..a.domain\"], objs
assert objs[0][\"verdict\"] == \"ok\" and objs[1][\"verdict\"] == \"problems\"
assert \"error\" in objs[2] and \"areas\" not in objs[2]
" "$tmp/out"'

echo example.test | check "--from-file - reads standard input" 0 "${mc[@]}" -k s1 --from-file -
expect "one report and a summary" 'grep -q "^example.test: everything checked looks right" "$tmp/out" &&
  tail -1 "$tmp/out" | grep -q "^1 domains: 1 without problems, 0 with problems$"'

# ------------------------------------------------------------ STARTTLS

smtp=("$exe" --dns-server "127.0.0.1:$KNOT" --timeout 0.5 --retries 0 --test-smtp-port "$SMTP"
      --smtp-timeout 2 --check starttls)
check "STARTTLS without the test CA: the certificate is not trusted" 1 "${smtp[@]}" --json good.tls.test
expect "starttls.cert_untrusted names the test CA" 'json "
f = [x for x in o[\"findings\"] if x[\"code\"] == \"starttls.cert_untrusted\"]
assert f and \"libdsn SMTP test CA\" in f[0][\"message\"], o[\"findings\"]
"'

check "--no-smtp: the starttls area is skipped" 0 "${mc[@]}" -k s1 --json example.test
expect "starttls skipped, no connection" 'json "assert o[\"areas\"][\"starttls\"] == {\"verdict\": \"skipped\"}"'

echo "1..$n"
exit 0
