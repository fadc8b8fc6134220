/**
 * Certificates the transports trust for the voice WebSocket besides the system's, for every connection opened
 * afterwards: a local emulator's self-signed certificate (`startEmulator()` from `voicewire/emulator` adds its
 * own). Process-wide, held here so that every transport (Node, Bun) and every entry (voicewire, the scoped
 * packages, @voicewire/discordjs) sees the same set.
 */
const trusted = new Set<string>();
let version = 0;

/**
 * Trusts `pem` (a CA or self-signed certificate) for the voice WebSocket of every connection opened afterwards,
 * by the transports of voicewire; the system's CAs stay trusted.
 */
export function trustCertificate(pem: string): void {
  if (typeof pem !== 'string' || !pem.includes('-----BEGIN CERTIFICATE-----')) throw new TypeError('trustCertificate() takes a PEM certificate (a string with -----BEGIN CERTIFICATE-----)');
  if (trusted.has(pem)) return;
  trusted.add(pem);
  version++;
}

/** Stops trusting a certificate given to trustCertificate(), for connections opened afterwards. */
export function untrustCertificate(pem: string): void {
  if (trusted.delete(pem)) version++;
}

/** For transports: the certificates trusted now, and a version that changes whenever the set does. */
export function trustedCertificates(): { readonly pems: readonly string[]; readonly version: number } {
  return { pems: [...trusted], version };
}
