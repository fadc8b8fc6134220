// One certificate for the emulator, trusted through NODE_EXTRA_CA_CERTS — the way a bot trusts a private CA. It is
// set here, before vitest starts its worker processes, because Node reads NODE_EXTRA_CA_CERTS only at start-up;
// @discordjs/voice has no option to pass a CA, and the drop-in is tested the same way.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateLocalCertificate } from '@voicewire/voice-server';

export default async function setup(): Promise<() => void> {
  const dir = mkdtempSync(join(tmpdir(), 'voicewire-compat-'));
  const cert = await generateLocalCertificate();
  writeFileSync(join(dir, 'ca.pem'), cert.cert);
  writeFileSync(join(dir, 'certificate.json'), JSON.stringify(cert));
  process.env.NODE_EXTRA_CA_CERTS = join(dir, 'ca.pem');
  process.env.VOICEWIRE_TEST_CERTIFICATE = join(dir, 'certificate.json');
  return () => rmSync(dir, { recursive: true, force: true });
}
