#!/bin/sh
# Makes the keys and certificates of the SMTP servers of the DNS tests
# (tests/dns/smtpd.py), once: they are committed, so that the TLSA records
# of testdata/dns/zones/tls.test.zone, which hash them, stay right. RSA keys
# and fixed dates and serials make the certificates the same at every run.
# Test material only: these private keys protect nothing.
#
#   ca        the test CA (trusted through mailcheck --test-smtp-ca)
#   good      mx.good.tls.test and the other names served with a valid chain
#   chain     the same key, its file holding the CA too (for DANE-TA)
#   expired   valid in 2020 only
#   wrongname a valid certificate for another name
#   selfsigned signed by its own key
set -eu
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
touch "$tmp/index.txt"
cat >"$tmp/ca.cnf" <<CNF
[ca]
default_ca = test
[test]
database = $tmp/index.txt
new_certs_dir = $tmp
serial = $tmp/serial
default_md = sha256
policy = any
unique_subject = no
copy_extensions = none
[any]
commonName = supplied
[leaf]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = \$ENV::SAN
[root]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[req]
distinguished_name = dn
[dn]
CNF
key() { [ -f "$1.key" ] || openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1.key" 2>/dev/null; }
# sign NAME KEY CA_CERT ("": self-signed) CA_KEY SERIAL START END CN SAN [EXTENSIONS [-selfsign]]
sign() {
  openssl req -new -key "$2.key" -subj "/CN=$8" -out "$tmp/$1.csr"
  echo "$5" >"$tmp/serial"
  SAN=$9 openssl ca -batch -config "$tmp/ca.cnf" -notext -md sha256 -in "$tmp/$1.csr" \
    -out "$1.pem" ${3:+-cert "$3"} -keyfile "$4" -startdate "$6" -enddate "$7" \
    -extensions "${10:-leaf}" ${11:-} >/dev/null 2>&1
}
key ca
key good
key expired
key wrongname
key selfsigned
# The CA signs itself first.
sign ca ca "" ca.key 01 20250101000000Z 21250101000000Z "libdsn SMTP test CA" "" root -selfsign
sign good good ca.pem ca.key 10 20250101000000Z 21250101000000Z mx.good.tls.test \
  "DNS:mx.good.tls.test,DNS:mx.old.tls.test,DNS:mx.danebad.tls.test,DNS:mx.pkix.tls.test,DNS:mx.danests.tls.test"
sign expired expired ca.pem ca.key 11 20200101000000Z 20210101000000Z mx.expired.tls.test "DNS:mx.expired.tls.test"
sign wrongname wrongname ca.pem ca.key 12 20250101000000Z 21250101000000Z www.elsewhere.test "DNS:www.elsewhere.test"
sign selfsigned selfsigned "" selfsigned.key 13 20250101000000Z 21250101000000Z mx.selfsigned.tls.test \
  "DNS:mx.selfsigned.tls.test" leaf -selfsign
sign chain good ca.pem ca.key 14 20250101000000Z 21250101000000Z mx.daneta.tls.test "DNS:mx.daneta.tls.test"
cat ca.pem >>chain.pem
# TLSA data: SHA-256 of the SubjectPublicKeyInfo (selector 1, matching type 1).
for k in ca good selfsigned; do
  printf '%s ' "$k"
  openssl pkey -in "$k.key" -pubout -outform DER | openssl dgst -sha256 -r | cut -d' ' -f1
done
