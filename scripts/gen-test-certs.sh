#!/usr/bin/env bash
# Generates a throw-away TLS set for the broker: a test CA and a server certificate it signs.
#
#   scripts/gen-test-certs.sh OUT_DIR [NAME...]
#
# OUT_DIR gets ca.crt, ca.key, server.crt, server.key (keys mode 0600). The server certificate
# is valid for localhost, 127.0.0.1, ::1, `mosquitto` (the compose service name) and every
# extra NAME (a DNS name, or an IPv4/IPv6 address). The integration tests run it into a temp
# dir (tests/support/mosquitto.ts); compose mounts its output (docker/README.md).
#
# These are TEST certificates: the CA key lies next to the certificates and nothing protects it.
# A production broker uses a certificate from the site's own CA (or a public one); its keys are
# never committed (docker/.gitignore keeps docker/certs/ out of git).
set -euo pipefail

if [ $# -lt 1 ]; then
  echo "usage: $0 OUT_DIR [NAME...]" >&2
  exit 2
fi
OUT="$1"
shift
DAYS="${TANHE_TEST_CERT_DAYS:-30}"
mkdir -p "$OUT"
umask 077

sans="DNS:localhost,IP:127.0.0.1,IP:::1,DNS:mosquitto"
for name in "$@"; do
  if [[ "$name" =~ ^[0-9.]+$ || "$name" == *:* ]]; then sans="$sans,IP:$name"; else sans="$sans,DNS:$name"; fi
done

# A CA that may sign server certificates only (pathlen 0), and a server key, both EC P-256: fast to make.
openssl req -x509 -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
  -keyout "$OUT/ca.key" -out "$OUT/ca.crt" -days "$DAYS" -subj "/CN=tanhe test CA $(date -u +%Y%m%dT%H%M%SZ)-$$" \
  -addext "basicConstraints=critical,CA:TRUE,pathlen:0" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
openssl req -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
  -keyout "$OUT/server.key" -out "$OUT/server.csr" -subj "/CN=localhost" 2>/dev/null
openssl x509 -req -in "$OUT/server.csr" -CA "$OUT/ca.crt" -CAkey "$OUT/ca.key" -CAcreateserial \
  -out "$OUT/server.crt" -days "$DAYS" \
  -extfile <(printf 'subjectAltName=%s\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n' "$sans") \
  2>/dev/null
rm -f "$OUT/server.csr" "$OUT/ca.srl"
chmod 0644 "$OUT/ca.crt" "$OUT/server.crt"
echo "test CA and server certificate for $sans in $OUT" >&2
