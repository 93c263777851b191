#!/usr/bin/env bash
# Write a development CA and a serving certificate for the webhook Service into OUT_DIR.
#
#   ./certs/gen-certs.sh OUT_DIR          # keep what is there if it is still good
#   FORCE=1 ./certs/gen-certs.sh OUT_DIR  # new CA and new serving certificate
#
# Files: ca.crt, ca.key (the CA), tls.crt, tls.key (serving certificate signed by that CA).
# Existing files are kept while the serving certificate is valid for at least 30 more days,
# matches its key, was signed by ca.crt and names the current Service. When only the serving
# certificate needs replacing and the CA is still good, the CA is reused, so a caBundle that
# was already installed keeps working.
#
# Environment: SERVICE (default bucketstatestore-webhook), NAMESPACE (default
# bucketstatestore-webhook), FORCE=1, OPENSSL (default openssl).
set -euo pipefail

usage() {
    echo "usage: $0 OUT_DIR   (env: SERVICE, NAMESPACE, FORCE=1)" >&2
    exit 2
}

[[ $# -eq 1 && -n $1 ]] || usage
out=$1
service=${SERVICE:-bucketstatestore-webhook}
namespace=${NAMESPACE:-bucketstatestore-webhook}
force=${FORCE:-0}
openssl=${OPENSSL:-openssl}

host="${service}.${namespace}.svc"
leaf_days=365
ca_days=3650
keep_margin=$((30 * 24 * 3600))
# The CA is reused only if it outlives a serving certificate issued today.
ca_margin=$(((leaf_days + 1) * 24 * 3600))

mkdir -p "$out"

# pubkey FILE: the public key of a certificate or private key, in PEM, for comparison.
cert_pubkey() { "$openssl" x509 -in "$1" -noout -pubkey 2>/dev/null; }
key_pubkey() { "$openssl" pkey -in "$1" -pubout 2>/dev/null; }

# ca_usable: ca.crt and ca.key exist, belong together, and outlive a new serving certificate.
ca_usable() {
    [[ -s $out/ca.crt && -s $out/ca.key ]] || return 1
    "$openssl" x509 -in "$out/ca.crt" -noout -checkend "$ca_margin" >/dev/null 2>&1 || return 1
    [[ "$(cert_pubkey "$out/ca.crt")" == "$(key_pubkey "$out/ca.key")" ]] || return 1
}

# serving_usable: tls.crt is valid for 30 more days, fits tls.key, chains to ca.crt and names
# the current Service.
serving_usable() {
    [[ -s $out/tls.crt && -s $out/tls.key ]] || return 1
    "$openssl" x509 -in "$out/tls.crt" -noout -checkend "$keep_margin" >/dev/null 2>&1 \
        || return 1
    [[ "$(cert_pubkey "$out/tls.crt")" == "$(key_pubkey "$out/tls.key")" ]] || return 1
    "$openssl" verify -CAfile "$out/ca.crt" "$out/tls.crt" >/dev/null 2>&1 || return 1
    "$openssl" x509 -in "$out/tls.crt" -noout -text 2>/dev/null \
        | grep -Fq "DNS:${host}," || return 1
}

if [[ $force != 1 ]] && ca_usable && serving_usable; then
    until=$("$openssl" x509 -in "$out/tls.crt" -noout -enddate | cut -d= -f2)
    echo "gen-certs: kept the certificates in $out (serving certificate valid until $until)"
    exit 0
fi

# Work in a private directory next to the output, then move the finished files into place,
# so an interrupted run never leaves a half-written pair behind.
umask 077
work=$(mktemp -d "$out/.gen-certs.XXXXXX")
trap 'rm -rf "$work"' EXIT

cat >"$work/openssl.cnf" <<EOF
[req]
distinguished_name = dn
prompt = no

[dn]
CN = placeholder

[ca]
basicConstraints = critical,CA:true
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always

[serving]
basicConstraints = critical,CA:false
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid,issuer
subjectAltName = @sans

[sans]
DNS.1 = ${host}
DNS.2 = ${host}.cluster.local
DNS.3 = localhost
IP.1 = 127.0.0.1
EOF

new_key() { "$openssl" genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1"; }

if [[ $force != 1 ]] && ca_usable; then
    cp "$out/ca.crt" "$out/ca.key" "$work/"
    what="issued a new serving certificate for ${host} with the existing CA in $out"
else
    new_key "$work/ca.key"
    "$openssl" req -x509 -new -config "$work/openssl.cnf" -extensions ca \
        -key "$work/ca.key" -sha256 -days "$ca_days" \
        -subj "/CN=${service} development CA" -out "$work/ca.crt"
    what="wrote a new CA and serving certificate for ${host} to $out"
fi

new_key "$work/tls.key"
"$openssl" req -new -config "$work/openssl.cnf" -key "$work/tls.key" \
    -subj "/CN=${host}" -out "$work/tls.csr"
"$openssl" x509 -req -in "$work/tls.csr" -CA "$work/ca.crt" -CAkey "$work/ca.key" \
    -set_serial "0x$("$openssl" rand -hex 16)" -sha256 -days "$leaf_days" \
    -extfile "$work/openssl.cnf" -extensions serving -out "$work/tls.crt" 2>/dev/null

chmod 0600 "$work/ca.key" "$work/tls.key"
chmod 0644 "$work/ca.crt" "$work/tls.crt"
# Keys first, certificates last: a reader that sees the new tls.crt also finds its key.
mv -f "$work/ca.key" "$out/ca.key"
mv -f "$work/tls.key" "$out/tls.key"
mv -f "$work/ca.crt" "$out/ca.crt"
mv -f "$work/tls.crt" "$out/tls.crt"

echo "gen-certs: $what"
