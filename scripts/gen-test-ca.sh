#!/usr/bin/env bash
# Generates the TEST-ONLY TLS material in test/fixtures/tls/ (committed; never use it in production):
#   ca.crt                 a CA (basicConstraints CA:TRUE, keyUsage keyCertSign) that tests trust in-process
#   server.key/server.crt  a server certificate for localhost, 127.0.0.1 and ::1 (serverAuth), signed by the CA
#   client.pem             a client certificate + PKCS#8 private key in one PEM, for the MSAL certificate flow
#   client.crt/client.key  the same, split
# The CA's private key is thrown away: re-run this script to regenerate everything (valid ~20 years).
# Usage: scripts/gen-test-ca.sh [out-dir]
set -euo pipefail

OUT="${1:-$(cd "$(dirname "$0")/.." && pwd)/test/fixtures/tls}"
DAYS=7300
mkdir -p "$OUT"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# 1. CA
openssl req -x509 -new -newkey rsa:2048 -nodes -sha256 -days "$DAYS" \
  -keyout "$WORK/ca.key" -out "$OUT/ca.crt" \
  -subj "/O=Hookline tests/CN=Hookline Test CA (TEST ONLY)" \
  -addext "basicConstraints=critical,CA:TRUE" \
  -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -addext "subjectKeyIdentifier=hash"

# 2. Server certificate for the local fakes / simulators
openssl req -new -newkey rsa:2048 -nodes -sha256 \
  -keyout "$WORK/server.key" -out "$WORK/server.csr" \
  -subj "/O=Hookline tests/CN=localhost"
cat > "$WORK/server.ext" <<EXT
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1
authorityKeyIdentifier=keyid
subjectKeyIdentifier=hash
EXT
openssl x509 -req -in "$WORK/server.csr" -CA "$OUT/ca.crt" -CAkey "$WORK/ca.key" -CAserial "$WORK/ca.srl" -CAcreateserial \
  -out "$OUT/server.crt" -days "$DAYS" -sha256 -extfile "$WORK/server.ext"
openssl pkey -in "$WORK/server.key" -out "$OUT/server.key"

# 3. Client certificate (app credential for MSAL's certificate flow; self-signed like an Entra app cert)
openssl req -x509 -new -newkey rsa:2048 -nodes -sha256 -days "$DAYS" \
  -keyout "$WORK/client.key" -out "$OUT/client.crt" \
  -subj "/O=Hookline tests/CN=hookline-test-app (TEST ONLY)" \
  -addext "basicConstraints=critical,CA:FALSE" \
  -addext "keyUsage=critical,digitalSignature" \
  -addext "extendedKeyUsage=clientAuth"
openssl pkey -in "$WORK/client.key" -out "$OUT/client.key"   # PKCS#8 (BEGIN PRIVATE KEY)
cat "$OUT/client.key" "$OUT/client.crt" > "$OUT/client.pem"

cat > "$OUT/README.md" <<'MD'
# Test TLS material (TEST ONLY)

These keys and certificates are **test-only** and public: never trust `ca.crt` outside the tests,
never use `client.pem` as a real app credential. Regenerate with `scripts/gen-test-ca.sh`
(the CA private key is not kept). Loaded by `test/helpers/tls.ts`.

- `ca.crt`: test CA (CA:TRUE, keyCertSign)
- `server.key`, `server.crt`: localhost / 127.0.0.1 / ::1, serverAuth, signed by the CA
- `client.pem` (= `client.key` + `client.crt`): self-signed app certificate for the MSAL certificate flow
MD
chmod 0644 "$OUT"/*
echo "wrote $OUT"
openssl x509 -in "$OUT/server.crt" -noout -subject -enddate
