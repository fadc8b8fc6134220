// A ready DAVE session for the benchmarks, made offline: two members, the external sender's Add proposal, then
// commit (as the emulator's gateway does). Its encryptOpus is what a client pays per frame.
import { DAVESession } from '@snazzah/davey';
import { encodeExternalSender, externalSenderKey, signExternalProposal, snowflakeBytes } from '@voicewire/voice-server';

export function readyDaveSession(): DAVESession {
  const CH = '400000000000000000';
  const key = externalSenderKey(Uint8Array.from({ length: 48 }, (_, i) => i + 1));
  const ext = Buffer.from(encodeExternalSender(key, new Uint8Array(8)));
  const a = new DAVESession(1, '500000000000000001', CH);
  const b = new DAVESession(1, '500000000000000002', CH);
  a.setExternalSender(ext);
  b.setExternalSender(ext);
  const p = signExternalProposal(key, snowflakeBytes(CH), 0n, { kind: 'add', keyPackage: b.getSerializedKeyPackage() });
  const vec = Buffer.from(p.message.length < 64 ? Uint8Array.of(p.message.length, ...p.message) : Uint8Array.of(0x40 | (p.message.length >> 8), p.message.length & 0xff, ...p.message));
  a.processCommit(a.processProposals(0, vec, ['500000000000000001', '500000000000000002']).commit as Buffer);
  if (!a.ready) throw new Error('the benchmark DAVE session is not ready');
  return a;
}
