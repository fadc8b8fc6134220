/**
 * Issue 3 benchmark: ns per packet to seal and to open a 160-byte Opus packet, for every voicewire crypto
 * provider and both modes, next to @discordjs/voice's own packet path measured in the same run.
 * Run under Node (tsx) and Bun. Benchmarks print figures; they never fail.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { cpus } from 'node:os';
import { Networking, VoiceReceiver } from '@discordjs/voice';
import { nobleProvider } from '@voicewire/crypto-noble';
import { nodeProvider } from '@voicewire/crypto-node';
import { sodiumProvider } from '@voicewire/crypto-sodium';
import { TransportCipher, TransportMode, writeOpusRtpHeader, type CryptoProvider } from '@voicewire/voice-protocol';
import { bench, runtimeName, table } from './harness.js';

const OPUS = new Uint8Array(160).map((_, i) => (i * 37) & 0xff);
const KEY = new Uint8Array(32).map((_, i) => i);
const SSRC = 0x12345678;
const providers: CryptoProvider[] = [nodeProvider, sodiumProvider, nobleProvider];
const modes = [TransportMode.AesGcm, TransportMode.XChaCha];

// @discordjs/voice picks its XChaCha library asynchronously at import; give it a moment.
await new Promise((r) => setTimeout(r, 200));

type Row = { name: string; ns: number; ratio?: string };
const sealRows: Row[] = [];
const openRows: Row[] = [];

for (const mode of modes) {
  // @discordjs/voice: their createAudioPacket (header + encrypt + concat), on a minimal `this`.
  const proto = Networking.prototype as unknown as {
    createAudioPacket(opus: Buffer, data: unknown, dave: undefined): Buffer;
    encryptOpusPacket: unknown;
  };
  const djsThis = { encryptOpusPacket: proto.encryptOpusPacket };
  const data = { sequence: 1, timestamp: 960, ssrc: SSRC, nonce: 0, nonceBuffer: Buffer.alloc(mode === TransportMode.AesGcm ? 12 : 24), secretKey: Buffer.from(KEY), encryptionMode: mode, packetsPlayed: 0 };
  const opusBuf = Buffer.from(OPUS);
  let djsPacket: Buffer | undefined;
  try {
    djsPacket = proto.createAudioPacket.call(djsThis, opusBuf, data, undefined);
  } catch (e) {
    console.log(`@discordjs/voice ${mode}: not measurable here (${(e as Error).message})`);
  }
  const djsSeal = djsPacket
    ? bench(`@discordjs/voice ${mode}`, () => {
        data.sequence = (data.sequence + 1) & 0xffff;
        proto.createAudioPacket.call(djsThis, opusBuf, data, undefined);
      }).nsPerOp
    : NaN;
  if (djsPacket) sealRows.push({ name: `@discordjs/voice 0.19 — ${mode}`, ns: djsSeal, ratio: '1.00×' });

  // @discordjs/voice receive: their parsePacket (decrypt + padding/extension strip), no DAVE.
  const recvProto = VoiceReceiver.prototype as unknown as { parsePacket(b: Buffer, m: string, n: Buffer, k: Buffer, u: string): Buffer; decrypt: unknown };
  const recvThis = { decrypt: recvProto.decrypt, voiceConnection: { state: { status: 'signalling' } } };
  const nonceBuf = Buffer.alloc(mode === TransportMode.AesGcm ? 12 : 24);
  const djsOpen = djsPacket ? bench(`@discordjs/voice open ${mode}`, () => recvProto.parsePacket.call(recvThis, djsPacket as Buffer, mode, nonceBuf, data.secretKey, '1')).nsPerOp : NaN;
  if (djsPacket) openRows.push({ name: `@discordjs/voice 0.19 — ${mode}`, ns: djsOpen, ratio: '1.00×' });

  for (const p of providers) {
    if (!p.modes.includes(mode)) continue;
    const cipher = new TransportCipher(p, mode, KEY);
    const packet = new Uint8Array(12 + 160 + 20);
    let seq = 0;
    let suffix = 0;
    const seal = bench(`${p.name} ${mode}`, () => {
      seq = (seq + 1) & 0xffff;
      suffix = (suffix + 1) >>> 0;
      writeOpusRtpHeader(packet, 0, seq, seq * 960, SSRC);
      packet.set(OPUS, 12);
      cipher.sealInPlace(packet, 12, 160, suffix);
    }).nsPerOp;
    sealRows.push({ name: `voicewire crypto-${p.name} — ${mode}`, ns: seal, ratio: djsPacket ? `${(djsSeal / seal).toFixed(2)}× faster` : '' });
    const sealed = packet.slice();
    const open = bench(`${p.name} open ${mode}`, () => {
      const r = cipher.openRtp(sealed);
      if (!r.ok) throw new Error('open failed');
    }).nsPerOp;
    openRows.push({ name: `voicewire crypto-${p.name} — ${mode}`, ns: open, ratio: djsPacket ? `${(djsOpen / open).toFixed(2)}× faster` : '' });
  }
}

const runtime = runtimeName();
const header = `## Transport crypto, ${runtime} — ${cpus()[0]?.model ?? 'unknown CPU'}, 160-byte Opus payload`;
const out = [header, '', table('Build + seal one packet (ratio vs @discordjs/voice, same mode)', sealRows), '', table('Open + strip one packet (ratio vs @discordjs/voice, same mode)', openRows), ''].join('\n');
console.log(out);
mkdirSync(new URL('../results/', import.meta.url), { recursive: true });
writeFileSync(new URL(`../results/crypto-${runtime.split(' ')[0]!.toLowerCase()}.md`, import.meta.url), out);
