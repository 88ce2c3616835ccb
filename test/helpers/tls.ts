// Test-only TLS material (test/fixtures/tls, made by scripts/gen-test-ca.sh) and trust of the test
// CA inside the test process. Node 24's tls.setDefaultCACertificates changes the default CA set
// for new connections made by global fetch (MSAL), undici.request() and node:https alike (checked:
// before the call all three fail with UNABLE_TO_VERIFY_LEAF_SIGNATURE, after it they succeed), so
// no NODE_EXTRA_CA_CERTS restart is needed. testDispatcher() is the explicit alternative for code
// that wants its own undici Agent.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import { Agent } from 'undici';

export const TLS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'tls');

export interface TestTls {
  /** The test CA certificate (PEM). */
  ca: string;
  /** Server key + certificate for localhost / 127.0.0.1 / ::1 (for local fakes). */
  key: string;
  cert: string;
  /** Client (app) certificate + PKCS#8 key in one PEM, for the MSAL certificate flow. */
  clientPem: string;
  clientPemPath: string;
  clientCert: string;
}

let cached: TestTls | undefined;

export function loadTestTls(): TestTls {
  cached ??= {
    ca: readFileSync(join(TLS_DIR, 'ca.crt'), 'utf8'),
    key: readFileSync(join(TLS_DIR, 'server.key'), 'utf8'),
    cert: readFileSync(join(TLS_DIR, 'server.crt'), 'utf8'),
    clientPem: readFileSync(join(TLS_DIR, 'client.pem'), 'utf8'),
    clientPemPath: join(TLS_DIR, 'client.pem'),
    clientCert: readFileSync(join(TLS_DIR, 'client.crt'), 'utf8'),
  };
  return cached;
}

let trusted = false;

/** Adds the test CA to this process's default CA set (idempotent). Returns the TLS material. */
export function trustTestCa(): TestTls {
  const t = loadTestTls();
  if (!trusted) {
    const current = tls.getCACertificates('default');
    if (!current.includes(t.ca)) tls.setDefaultCACertificates([...current, t.ca]);
    trusted = true;
  }
  return t;
}

/** An undici Agent that trusts the system CAs plus the test CA (without touching process defaults). */
export function testDispatcher(): Agent {
  const t = loadTestTls();
  return new Agent({ connect: { ca: [...tls.rootCertificates, t.ca] } });
}
