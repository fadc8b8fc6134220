/** A self-signed certificate for 127.0.0.1, ::1 and localhost, generated at start (valid for 30 days). */
import { generate } from 'selfsigned';

export interface LocalCertificate {
  readonly key: string;
  /** PEM; trust it as a CA (NODE_EXTRA_CA_CERTS, or the `ca` option of a TLS client). */
  readonly cert: string;
}

export interface CertificateOptions {
  /** Names the certificate is valid for (default 127.0.0.1, ::1, localhost). Others make a wrong-host certificate. */
  readonly hosts?: readonly string[];
  /** Validity window (default: from now for 30 days). A past window makes an expired certificate for tests. */
  readonly notBefore?: Date;
  readonly notAfter?: Date;
}

const IP = /^(\d{1,3}(\.\d{1,3}){3}|[0-9a-f:]+)$/i;

export async function generateLocalCertificate(options: CertificateOptions = {}): Promise<LocalCertificate> {
  const hosts = options.hosts ?? ['127.0.0.1', '::1', 'localhost'];
  // A distinct subject per certificate: TLS stacks look issuers up by subject name, so two generated certificates
  // with one name in the same trust store (one in NODE_EXTRA_CA_CERTS, one passed as `ca`) would shadow each other.
  const id = Array.from(globalThis.crypto.getRandomValues(new Uint8Array(6)), (b) => b.toString(16).padStart(2, '0')).join('');
  const pems = await generate([{ name: 'commonName', value: `voicewire local voice server ${id}` }], {
    keyType: 'ec',
    curve: 'P-256',
    ...(options.notBefore ? { notBeforeDate: options.notBefore } : {}),
    notAfterDate: options.notAfter ?? new Date(Date.now() + 30 * 86_400_000),
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'keyUsage', digitalSignature: true, keyCertSign: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: hosts.map((h) => (IP.test(h) ? { type: 7, ip: h } : { type: 2, value: h })) },
    ],
  });
  return { key: pems.private, cert: pems.cert };
}
