#!/bin/bash
# CLI tests: run the real dsn-explain and check stdout, stderr and exit status.
# usage: cli.sh BUILD_DIR SOURCE_DIR
set -u
build=$1 src=$2
exe=$build/cmd/dsn-explain
data=$src/testdata/bounces
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0 failed=0

# check NAME EXPECTED_STATUS COMMAND...: runs COMMAND, captures out/err.
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
    failed=$((failed + 1))
  fi
}
# expect NAME CONDITION: a further assertion on the last command's output.
expect() {
  local name=$1
  shift
  if [ "$last_ok" = 1 ] && eval "$@"; then
    echo "ok $n - $name"
  elif [ "$last_ok" = 1 ]; then
    echo "not ok $n - $name"
    head -c 600 "$tmp/out" | sed 's/^/# stdout: /'
    sed 's/^/# stderr: /' "$tmp/err" | head -5
    failed=$((failed + 1))
  fi
  last_ok=2
}
json() { /usr/bin/python3 -c "import json,sys; $1" <"$tmp/out"; }

check "--help" 0 "$exe" --help
expect "--help describes usage and exit status" 'grep -q "Usage:" "$tmp/out" && grep -q "Exit status" "$tmp/out"'

check "--version" 0 "$exe" --version
expect "--version prints the version" 'grep -qE "^dsn-explain \(libdsn\) [0-9]+\.[0-9]+\.[0-9]+$" "$tmp/out"'

check "unknown option" 2 "$exe" --frobnicate
expect "unknown option: one line on stderr, nothing on stdout" '[ $(wc -l <"$tmp/err") = 1 ] && [ ! -s "$tmp/out" ] && grep -q frobnicate "$tmp/err"'

check "bad --color value" 2 "$exe" --color=sometimes "$data/seed-quota.eml"
expect "bad --color: one line on stderr" '[ $(wc -l <"$tmp/err") = 1 ]'

check "bad --jobs value" 2 "$exe" --jobs 0 "$data/seed-quota.eml"
expect "bad --jobs: one line on stderr" '[ $(wc -l <"$tmp/err") = 1 ]'

check "stdin, text" 0 env -u NO_COLOR LANG=C "$exe" <"$data/seed-quota.eml"
expect "text output names the diagnosis and quotes the server" 'grep -q "mailbox is full" "$tmp/out" && grep -q "Mailbox disk quota exceeded" "$tmp/out" && [ ! -s "$tmp/err" ]'
expect "no colour when not a terminal" '! grep -q $'"'"'\033'"'"' "$tmp/out"'

check "--color=always" 0 "$exe" --color=always "$data/seed-quota.eml"
expect "--color=always colours" 'grep -q $'"'"'\033\['"'"' "$tmp/out"'

check "--lang fr" 0 "$exe" --lang fr "$data/seed-quota.eml"
expect "French texts" 'grep -q "boîte du destinataire est pleine" "$tmp/out"'

check "LANG=fr_CH.UTF-8" 0 env LC_ALL= LC_MESSAGES= LANG=fr_CH.UTF-8 "$exe" "$data/seed-quota.eml"
expect "language follows the locale" 'grep -q "Que faire" "$tmp/out"'

check "--json on a file" 0 "$exe" --json "$data/seed-quota.eml"
expect "one JSON line with schema, source and the recipient" 'json "
o=[json.loads(l) for l in sys.stdin]
assert len(o)==1 and o[0][\"schema\"]==1
assert o[0][\"source\"][\"path\"].endswith(\"seed-quota.eml\")
r=o[0][\"recipients\"][0]
assert r[\"address\"]==\"anna.a@abc.xyz\" and r[\"reason\"]==\"mailboxfull\" and r[\"status\"]==\"5.2.2\" and r[\"reply_code\"]==\"552\"
for k in (\"action\",\"category\",\"hard_bounce\",\"diagnostic\",\"remote_mta\",\"summary\",\"advice\"): assert k in r, k
"'

# An mbox built from the test messages: one result per message, in order.
: >"$tmp/box"
count=0
for f in "$data"/seed-*.eml; do
  printf 'From MAILER-DAEMON Tue Aug  1 15:49:22 2023\n' >>"$tmp/box"
  sed 's/^\(>*From \)/>\1/' "$f" >>"$tmp/box"
  printf '\n' >>"$tmp/box"
  count=$((count + 1))
done
check "--json on an mbox" 0 "$exe" --json "$tmp/box"
expect "one result per message, indexed in order" 'json "
o=[json.loads(l) for l in sys.stdin]
assert len(o)==$count, len(o)
assert [x[\"source\"][\"index\"] for x in o]==list(range(1,$count+1))
"'
cp "$tmp/out" "$tmp/serial"

check "--jobs 2 keeps the order" 0 "$exe" --json --jobs 2 "$tmp/box"
expect "parallel output identical to serial" 'cmp -s "$tmp/out" "$tmp/serial"'

# A Maildir with an unreadable message and an empty one.
mkdir -p "$tmp/md/cur" "$tmp/md/new" "$tmp/md/tmp"
cp "$data/seed-quota.eml" "$tmp/md/cur/1:2,S"
cp "$data/seed-malware.eml" "$tmp/md/new/2"
: >"$tmp/md/new/3"
cp "$data/seed-quota.eml" "$tmp/md/new/4"
chmod 000 "$tmp/md/new/4"
if [ "$(id -u)" = 0 ]; then unreadable=0; else unreadable=1; fi
check "Maildir with an empty message" 3 "$exe" --json "$tmp/md"
expect "every message yields one result, errors included" 'json "
o=[json.loads(l) for l in sys.stdin]
assert len(o)==4, len(o)
errs=[x for x in o if x[\"kind\"]==\"error\"]
assert len(errs)==1+$unreadable, errs
assert \"empty\" in errs[0][\"error\"]
"'
expect "errors reported on stderr, one line each" '[ $(wc -l <"$tmp/err") = $((1 + unreadable)) ]'

check "missing file" 3 "$exe" /nonexistent/bounce.eml
expect "missing file: one-line error naming it once" '[ $(wc -l <"$tmp/err") = 1 ] && [ "$(grep -o "/nonexistent/bounce.eml" "$tmp/err" | wc -l)" = 1 ] && grep -q "^dsn-explain: /nonexistent/bounce.eml: " "$tmp/err"'

printf 'Subject: hello\nFrom: a@example.org\n\nJust a note.\n' >"$tmp/plain.eml"
check "not a bounce" 1 "$exe" --json "$tmp/plain.eml"
expect "not-a-bounce has no recipients" 'json "
o=json.loads(sys.stdin.readline())
assert o[\"kind\"]==\"not-a-bounce\" and o[\"recipients\"]==[]
"'

# A bounce body pasted without its headers.
sed -n '/^This is the mail system/,/^--4RFw/p' "$data/seed-account-disabled.eml" | grep -v '^--' >"$tmp/pasted.txt"
check "pasted text with no header block" 0 "$exe" --json "$tmp/pasted.txt"
expect "pasted text is analysed" 'json "
o=json.loads(sys.stdin.readline())
r=o[\"recipients\"][0]
assert r[\"address\"]==\"anna.a@abc.xyz\" and r[\"reason\"]==\"suspend\", r
"'

check "--summary" 0 "$exe" --summary "$tmp/box"
expect "summary counts and lists hard bounces" 'grep -q "By category" "$tmp/out" && grep -q "Addresses to suppress" "$tmp/out"'

check "--summary --json" 0 "$exe" --summary --json "$tmp/box"
expect "JSON summary" 'json "
o=json.loads(sys.stdin.read())
assert o[\"kind\"]==\"summary\" and o[\"messages\"]==$count
assert sum(o[\"by_category\"].values())==o[\"recipients\"]
"'

check "backscatter with --my-relay" 0 "$exe" --json --my-relay mail.example.com --my-domain domain.xyz "$data/core-backscatter.eml"
expect "a bounce for a forged message is flagged" 'json "
o=json.loads(sys.stdin.readline())
assert o[\"backscatter\"][\"verdict\"]==\"forged\", o[\"backscatter\"]
"'

check "bad --my-relay" 2 "$exe" --my-relay 300.1.2.3/99 "$data/core-backscatter.eml"
expect "bad --my-relay: one line on stderr" '[ $(wc -l <"$tmp/err") = 1 ]'

check "headers only" 0 "$exe" --json "$src/testdata/headers/gmail-dkim-not-aligned.eml"
expect "a delivered message's headers are explained" 'json "
o=json.loads(sys.stdin.readline())
assert o[\"kind\"]==\"headers\" and o[\"headers\"][\"verdict\"]==\"align.dkim\"
"'

# A hop stamped an hour before the one below it: a wrong clock, not a delay.
cat >"$tmp/skew.eml" <<'EOF2'
Received: from relay.example.net (relay.example.net [192.0.2.20])
	by mx.example.org (Postfix) with ESMTPS id 4Q2
	for <anna@example.org>; Mon, 2 Nov 2026 09:00:05 +0000
Received: from [198.51.100.7] (unknown [198.51.100.7])
	by relay.example.net (Postfix) with ESMTPSA id 9F1
	for <anna@example.org>; Mon, 2 Nov 2026 10:00:02 +0000
From: Jean <jean@example.net>
To: anna@example.org
Subject: Hello
Date: Mon, 2 Nov 2026 10:00:00 +0000
Message-ID: <skew-1@example.net>

Hi.
EOF2
check "headers with clock skew, text" 0 env LANG=C "$exe" --color=never "$tmp/skew.eml"
expect "a negative hop delay is shown as clock skew, without a plus sign" \
  'grep -q -- "-59 min 57 s ← clock skew" "$tmp/out" && ! grep -q -- "+-" "$tmp/out" && ! grep -q "\[198.51.100.7\] \[198.51.100.7\]" "$tmp/out"'

check "--dns-server without --check" 2 "$exe" --dns-server 127.0.0.1 "$data/seed-quota.eml"
expect "DNS options need --check: one line on stderr" '[ $(wc -l <"$tmp/err") = 1 ] && grep -q -- --check "$tmp/err"'

if grep -q 'DSN_HAVE_DNS (0)' "$build/libdsn/dsn-version.h"; then
  check "--check in a build without the DNS wing" 2 "$exe" --check "$data/seed-quota.eml"
  expect "it says so in one line" '[ $(wc -l <"$tmp/err") = 1 ] && grep -q "not built in" "$tmp/err"'
fi

check "--text, one error given on the command line" 0 env LANG=C "$exe" --color=never \
  --text "452 4.2.2 The email account that you tried to reach is over quota."
expect "it is explained for a recipient it does not name" \
  'grep -q "mailbox is full" "$tmp/out" && grep -q "Recipient: *(not named)" "$tmp/out"'

check "--text, twice, --json" 0 "$exe" --json --text "550 5.1.1 User unknown" --text "Mailbox full"
expect "one result each, address null" 'json "
rs=[json.loads(l) for l in sys.stdin]
assert len(rs)==2 and [r[\"source\"][\"index\"] for r in rs]==[1,2], rs
assert all(r[\"recipients\"][0][\"address\"] is None for r in rs)
assert [r[\"recipients\"][0][\"category\"] for r in rs]==[\"user-unknown\",\"mailbox-full\"]
"'

check "a status code the server never sent is shown as inferred" 0 env LANG=C "$exe" --color=never \
  --text "Mailbox full"
expect "(inferred) after the code" 'grep -q "5.0.922 (inferred)" "$tmp/out"'

check "--lang fr: the same, in French" 0 "$exe" --color=never --lang fr --text "Mailbox full"
expect "(non indiqué), (déduit)" 'grep -q "(non indiqué)" "$tmp/out" && grep -q "(déduit)" "$tmp/out"'

printf '452 4.2.2 The email account that you tried to reach is over quota.\r\n' |
  iconv -f utf-8 -t utf-16 >"$tmp/notepad.txt"
check "a UTF-16 text file (Notepad)" 0 "$exe" --json "$tmp/notepad.txt"
expect "read as text" 'json "
o=json.loads(sys.stdin.readline())
assert o[\"recipients\"][0][\"category\"]==\"mailbox-full\", o
"'

check "prose written by a person stays not a bounce" 1 "$exe" --text "Hello Anna, my mailbox is full again, see you tomorrow."
expect "not a bounce" 'grep -qi "not a bounce" "$tmp/out"'

check "lines pasted alone: a refusal, a mail system's possessive, a success, a drop" 0 "$exe" --json \
  --text "554 Refused." --text "Sorry, your envelope sender is in my badmailfrom list" \
  --text "250 2.0.0 OK 1376056636 i3si9508927obz.16 - gsmtp" \
  --text "250 2.7.0 Ok, discarded, id=00675-01 - INFECTED: Win.Test.EICAR_HDB-1"
expect "rejected, sender-rejected, delivered, malware (accepted to be dropped)" 'json "
rs=[json.loads(l) for l in sys.stdin]
assert [r[\"recipients\"][0][\"category\"] for r in rs]==[\"rejected\",\"sender-rejected\",\"delivered\",\"malware\"], rs
assert rs[2][\"recipients\"][0][\"action\"]==\"delivered\", rs[2]
assert rs[3][\"recipients\"][0][\"action\"]==\"failed\", rs[3]
"'

check "--limit size" 3 "$exe" --json --limit size=1000 "$data/seed-quota.eml"
expect "a message over the size limit is an error result" 'json "
o=json.loads(sys.stdin.readline())
assert o[\"kind\"]==\"error\" and \"size limit\" in o[\"error\"], o
"'

check "bad --limit" 2 "$exe" --limit colour=3 "$data/seed-quota.eml"
expect "bad --limit: one line on stderr" '[ $(wc -l <"$tmp/err") = 1 ]'

check "broken pipe ends quietly" 0 bash -c "'$exe' --json '$tmp/box' '$tmp/box' '$tmp/box' | head -1 >/dev/null"
expect "no error message on a closed pipe" '[ ! -s "$tmp/err" ]'

check "Office 365 sentences pasted alone" 0 "$exe" --json \
  --text "Your message to anna@example.org couldn't be delivered. anna wasn't found at example.org." \
  --text "Your message couldn't be delivered because you weren't recognized as a valid sender." \
  --text "Delivery to the following recipient has been delayed: anna@example.org Message will be retried for 2 more day(s)"
expect "user-unknown, sender-denied, a delay still being retried" 'json "
rs=[json.loads(l)[\"recipients\"][0] for l in sys.stdin]
assert [r[\"category\"] for r in rs]==[\"user-unknown\",\"sender-denied\",\"delayed\"], rs
assert rs[2][\"action\"]==\"delayed\", rs[2]
"'

# "Reason: address" on one line (IMail, CommuniGate and others) gives its
# reason; "Recipient: address" only names the recipient.
check "a reason and the address on one line" 0 "$exe" --json \
  --text "Unknown user: anna@example.org" --text "User mailbox exceeds allowed size: anna@example.org" \
  --text "Recipient: anna@example.org
Mailbox quota exceeded"
expect "user-unknown, mailbox-full, mailbox-full" 'json "
rs=[json.loads(l)[\"recipients\"][0] for l in sys.stdin]
assert [r[\"category\"] for r in rs]==[\"user-unknown\",\"mailbox-full\",\"mailbox-full\"], rs
assert all(r[\"address\"]==\"anna@example.org\" for r in rs), rs
"'

# The built-in phrases' automaton comes from the library's image; with a
# --patterns directory it is built at start from the same phrases (the
# directory adds none): every result is the same.
mkdir "$tmp/norules" && printf '# no rule\n' >"$tmp/norules/empty.rules"
check "image and built automaton" 0 bash -c "'$exe' --json '$data'/*.eml >'$tmp/image.json' 2>&1;
  '$exe' --json --patterns '$tmp/norules' '$data'/*.eml >'$tmp/built.json' 2>&1;
  cmp '$tmp/image.json' '$tmp/built.json'"
expect "the same results either way" '[ $(wc -l <"$tmp/image.json") -gt 100 ] && [ ! -s "$tmp/err" ]'

# Patterns too large for the automaton (a state per byte, 2^24 at most):
# one line, not a crash.
mkdir "$tmp/hugerules" && /usr/bin/python3 -c "
w = ['zq%07d' % i + 'x' * 120 for i in range(132200)]
open('$tmp/hugerules/huge.rules', 'w').write('[rule huge]\ncategory=mailbox-full\nexample=' + w[0] + '\nphrase=' + ';'.join(w) + '\n')"
check "patterns too large" 2 "$exe" --patterns "$tmp/hugerules" "$data/seed-quota.eml"
expect "too large: one line naming the limit" '[ $(wc -l <"$tmp/err") = 1 ] && grep -q "more than 16777215" "$tmp/err" && [ ! -s "$tmp/out" ]'
rm -rf "$tmp/hugerules"

echo "1..$n"
exit 0
