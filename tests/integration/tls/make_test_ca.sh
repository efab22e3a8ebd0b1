#!/bin/sh
# Makes the TLS tests' certificates with the openssl command, into the folder given (emptied
# first; in the build tree). Nothing here is committed: keys are made fresh on every run, so none
# can leak or expire in the repository. docs/guides/tls.md shows the same commands.
#
#   ca.pem ca.key               the test CA (EC P-256, self-signed)
#   other-ca.pem                a second CA nobody trusts (the "wrong CA" cases)
#   server.pem server.key       localhost and 127.0.0.1, from the test CA, valid for 30 days
#   other-server.pem/.key       the same names from the other CA
#   expired.pem expired.key     the same names, valid 2020-01-01 to 2020-01-02 only (openssl ca
#                               with explicit start and end dates)
#   wrong-host.pem/.key         valid, but for wrong.example.invalid and 192.0.2.1 only
#   client.pem client.key       a client certificate (CN=esme-client) from the test CA
#   other-client.pem/.key       a client certificate from the other CA
set -eu
out=${1:?usage: make_test_ca.sh OUTPUT_DIR}
rm -rf "$out"
mkdir -p "$out/newcerts"
cd "$out"
: > index.txt
echo 1000 > serial

cat > ca.cnf <<CNF
[ ca ]
default_ca = test_ca
[ test_ca ]
dir = .
database = ./index.txt
new_certs_dir = ./newcerts
serial = ./serial
default_md = sha256
policy = policy_any
unique_subject = no
copy_extensions = none
[ policy_any ]
commonName = supplied
[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = unused
[ ca_ext ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ server_ext ]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
[ wrong_host_ext ]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:wrong.example.invalid, IP:192.0.2.1
[ client_ext ]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
CNF

key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

# A self-signed CA: $1 name, $2 common name.
make_ca() {
  key "$1.key"
  openssl req -config ca.cnf -new -x509 -key "$1.key" -subj "/CN=$2" -days 30 \
    -extensions ca_ext -out "$1.pem"
}

# A certificate signed by CA $2 with extensions $3: $1 name, $4 common name, then openssl ca's
# date options (-days N, or -startdate/-enddate).
make_cert() {
  name=$1 ca=$2 ext=$3 cn=$4
  shift 4
  key "$name.key"
  openssl req -config ca.cnf -new -key "$name.key" -subj "/CN=$cn" -out "$name.csr"
  openssl ca -config ca.cnf -batch -notext -cert "$ca.pem" -keyfile "$ca.key" \
    -extensions "$ext" -in "$name.csr" -out "$name.pem" "$@" 2>/dev/null
  rm -f "$name.csr"
}

make_ca ca "aiosmpp test CA"
make_ca other-ca "aiosmpp other CA"
make_cert server ca server_ext localhost -days 30
make_cert other-server other-ca server_ext localhost -days 30
make_cert expired ca server_ext localhost -startdate 20200101000000Z -enddate 20200102000000Z
make_cert wrong-host ca wrong_host_ext wrong.example.invalid -days 30
make_cert client ca client_ext esme-client -days 30
make_cert other-client other-ca client_ext esme-client -days 30
echo "test CA ready in $out"
