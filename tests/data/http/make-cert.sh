#!/bin/sh
# make-cert.sh - makes cert.pem and key.pem, the self-signed certificate for
# 127.0.0.1 that server.py --tls serves. A test key, not a secret: it lets the
# tests check that TLS verification is on by default (an unknown issuer is
# refused), that ca_file=cert.pem trusts it and that verify=false skips it.
# It is valid from 2000 to 2100 (`openssl ca` because `req -x509` cannot
# backdate), so a test machine's clock never makes it fail. To make a new
# pair, run this script again.
#
# SPDX-License-Identifier: GPL-3.0-or-later
set -e
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -subj /CN=127.0.0.1 -keyout key.pem -out "$tmp/req.csr"
cat >"$tmp/ca.cnf" <<CNF
[ca]
default_ca = self
[self]
database = $tmp/index.txt
new_certs_dir = $tmp
serial = $tmp/serial
default_md = sha256
policy = any
x509_extensions = ext
[any]
commonName = supplied
[ext]
basicConstraints = critical,CA:TRUE
keyUsage = digitalSignature,keyCertSign
subjectAltName = IP:127.0.0.1
subjectKeyIdentifier = hash
CNF
: >"$tmp/index.txt"
echo 01 >"$tmp/serial"
openssl ca -batch -notext -config "$tmp/ca.cnf" -selfsign -keyfile key.pem \
    -in "$tmp/req.csr" -startdate 20000101000000Z -enddate 21000101000000Z -out cert.pem
chmod 644 key.pem cert.pem
