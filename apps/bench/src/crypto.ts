/**
 * Issue 3 benchmark: ns per packet to seal and to open a 160-byte Opus packet, for every voicewire crypto
 * provider and both modes, next to @discordjs/voice's own packet path measured in the same run (cases are
 * interleaved round-robin; medians). Runs under Node (tsx) and Bun. Prints figures; never fails on a timing.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { Networking, VoiceReceiver } from '@discordjs/voice';
import { nobleProvider } from '@voicewire/crypto-noble';
import { nodeProvider } from '@voicewire/crypto-node';
import { sodiumProvider } from '@voicewire/crypto-sodium';
import { TransportCipher, TransportMode, writeOpusRtpHeader, type CryptoProvider } from '@voicewire/voice-protocol';
import { benchAll, runtimeName, table } from './harness.js';

const OPUS = new Uint8Array(160).map((_, i) => (i * 37) & 0xff);
const KEY = new Uint8Array(32).map((_, i) => i);
const SSRC = 0x12345678;
const providers: CryptoProvider[] = [nodeProvider, sodiumProvider, nobleProvider];
const modes = [TransportMode.AesGcm, TransportMode.XChaCha];
const notes: string[] = [];

// @discordjs/voice picks its XChaCha library asynchronously at import; give it a moment.
await new Promise((r) => setTimeout(r, 200));

type Case = { name: string; fn: () => void; group: 'seal' | 'open'; mode: string; djs: boolean };
const cases: Case[] = [];

for (const mode of modes) {
  const proto = Networking.prototype as unknown as { createAudioPacket(opus: Buffer, data: unknown, dave: undefined): Buffer; encryptOpusPacket: unknown };
  const djsThis = { encryptOpusPacket: proto.encryptOpusPacket };
  const data = { sequence: 1, timestamp: 960, ssrc: SSRC, nonce: 0, nonceBuffer: Buffer.alloc(mode === TransportMode.AesGcm ? 12 : 24), secretKey: Buffer.from(KEY), encryptionMode: mode, packetsPlayed: 0 };
  const opusBuf = Buffer.from(OPUS);
  let djsPacket: Buffer | undefined;
  try {
    djsPacket = proto.createAudioPacket.call(djsThis, opusBuf, data, undefined);
  } catch (e) {
    notes.push(`@discordjs/voice ${mode}: not measurable here — ${(e as Error).message.split('\n')[0]}`);
  }
  if (djsPacket) {
    const packet = djsPacket;
    cases.push({ name: `@discordjs/voice 0.19 — ${mode}`, group: 'seal', mode, djs: true, fn: () => {
      data.sequence = (data.sequence + 1) & 0xffff;
      proto.createAudioPacket.call(djsThis, opusBuf, data, undefined);
    } });
    const recvProto = VoiceReceiver.prototype as unknown as { parsePacket(b: Buffer, m: string, n: Buffer, k: Buffer, u: string): Buffer; decrypt: unknown };
    const recvThis = { decrypt: recvProto.decrypt, voiceConnection: { state: { status: 'signalling' } } };
    const nonceBuf = Buffer.alloc(mode === TransportMode.AesGcm ? 12 : 24);
    cases.push({ name: `@discordjs/voice 0.19 — ${mode}`, group: 'open', mode, djs: true, fn: () => void recvProto.parsePacket.call(recvThis, packet, mode, nonceBuf, data.secretKey, '1') });
  }
  for (const p of providers) {
    if (!p.modes.includes(mode)) continue;
    const cipher = new TransportCipher(p, mode, KEY);
    const packet = new Uint8Array(12 + 160 + 20);
    let seq = 0;
    let suffix = 0;
    cases.push({ name: `voicewire crypto-${p.name} — ${mode}`, group: 'seal', mode, djs: false, fn: () => {
      seq = (seq + 1) & 0xffff;
      suffix = (suffix + 1) >>> 0;
      writeOpusRtpHeader(packet, 0, seq, seq * 960, SSRC);
      packet.set(OPUS, 12);
      cipher.sealInPlace(packet, 12, 160, suffix);
    } });
    const header = new Uint8Array(12);
    writeOpusRtpHeader(header, 0, 1, 960, SSRC);
    const sealed = cipher.sealRtp(header, OPUS, 1);
    cases.push({ name: `voicewire crypto-${p.name} — ${mode}`, group: 'open', mode, djs: false, fn: () => {
      if (!cipher.openRtp(sealed).ok) throw new Error('open failed');
    } });
  }
}

const sealResults = benchAll(cases.filter((c) => c.group === 'seal'));
const openResults = benchAll(cases.filter((c) => c.group === 'open'));
function rows(group: 'seal' | 'open', results: Map<string, number>) {
  return cases
    .filter((c) => c.group === group)
    .map((c) => {
      const ns = results.get(c.name) as number;
      const peer = cases.find((d) => d.group === group && d.djs && d.mode === c.mode);
      const base = peer ? results.get(peer.name) : undefined;
      return { name: c.name, ns, ratio: c.djs ? '1.00×' : base ? `${(base / ns).toFixed(2)}× vs djs` : '' };
    });
}

const runtime = runtimeName();
const out = [
  `## Transport crypto, ${runtime} — ${cpus()[0]?.model ?? 'unknown CPU'}, 160-byte Opus payload`,
  '',
  table('Build + seal one packet', rows('seal', sealResults)),
  '',
  table('Open + strip one packet', rows('open', openResults)),
  '',
  ...notes.map((n) => `> ${n}`),
  '',
].join('\n');
console.log(out);
mkdirSync(new URL('../results/', import.meta.url), { recursive: true });
writeFileSync(new URL(`../results/crypto-${runtime.split(' ')[0]?.toLowerCase()}.md`, import.meta.url), out);
