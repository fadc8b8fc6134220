/** A self-signed certificate for 127.0.0.1, ::1 and localhost, generated at start (valid for 30 days). */
import { generate } from 'selfsigned';

export interface LocalCertificate {
  readonly key: string;
  /** PEM; trust it as a CA (NODE_EXTRA_CA_CERTS, or the `ca` option of a TLS client). */
  readonly cert: string;
}

export async function generateLocalCertificate(): Promise<LocalCertificate> {
  const pems = await generate([{ name: 'commonName', value: 'voicewire local voice server' }], {
    keyType: 'ec',
    curve: 'P-256',
    notAfterDate: new Date(Date.now() + 30 * 86_400_000),
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'keyUsage', digitalSignature: true, keyCertSign: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }, { type: 7, ip: '::1' }, { type: 2, value: 'localhost' }] },
    ],
  });
  return { key: pems.private, cert: pems.cert };
}
