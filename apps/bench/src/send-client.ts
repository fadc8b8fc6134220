// Per-packet send benchmark (issue 9 §1), in one client process against the emulator process: build + encrypt +
// send one 160-byte Opus packet through voicewire (each crypto provider, this runtime's transport) and through
// @discordjs/voice's own path, next to the raw limit of the runtime (fastest seal + a bare connected UDP send).
// Also the receive path (open + strip + attribute one packet). Prints a table; writes results/send-<runtime>.md.
import { createSocket } from 'node:dgram';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import * as djs from '@discordjs/voice';
import { nobleProvider } from '@voicewire/crypto-noble';
import { nodeProvider } from '@voicewire/crypto-node';
import { sodiumProvider } from '@voicewire/crypto-sodium';
import { joinVoiceChannel, type Transport, type VoiceConnection } from '@voicewire/voice';
import { createNodeTransport } from '@voicewire/transport-node';
import { TransportCipher, TransportMode, writeOpusRtpHeader, type CryptoProvider } from '@voicewire/voice-protocol';
import { receiveCase } from './ready-session.js';
import { connectEmulatorGateway } from '@voicewire/voice-server';
import { benchAll, runtimeName, table } from './harness.js';

const ca = readFileSync(process.env.BENCH_CA_FILE as string, 'utf8');
const [udpHost, udpPortS] = (process.env.BENCH_UDP as string).split(':');
const udpPort = Number(udpPortS);
const isBun = 'Bun' in globalThis;
const transport: Transport = isBun ? (await import('@voicewire/transport-bun')).createBunTransport({ ca }) : createNodeTransport({ ca });
const frame = new Uint8Array(160).fill(0x5a);
frame[0] = 0xfc;
const gateway = await connectEmulatorGateway(process.env.BENCH_GATEWAY_URL as string, { ca, token: 'Bot voicewire-bench' });
let g = 0;
const nextGuild = (): string => String(200000000000000000n + BigInt(g++));

type Case = { name: string; fn: () => void; group: 'send' | 'recv'; base?: boolean };
const cases: Case[] = [];
const conns: { destroy(): void }[] = [];

for (const p of [sodiumProvider, nodeProvider, nobleProvider] as CryptoProvider[]) {
  if (!p.modes.includes(TransportMode.XChaCha) && !p.modes.includes(TransportMode.AesGcm)) continue;
  const guild = nextGuild();
  const c: VoiceConnection = joinVoiceChannel({ guildId: guild, channelId: guild, adapterCreator: gateway.adapterCreator(guild) as never, transport, crypto: { ...p, modes: p.modes.includes(TransportMode.AesGcm) && p !== nobleProvider ? [TransportMode.AesGcm] : [TransportMode.XChaCha] } });
  await c.ready({ timeoutMs: 20_000 });
  conns.push(c);
  const mode = c.stats && p.modes.includes(TransportMode.AesGcm) && p !== nobleProvider ? 'AES-GCM' : 'XChaCha';
  cases.push({ name: `voicewire ${transport.name} + crypto-${p.name} (${mode})`, group: 'send', fn: () => void c.sendOpusFrame(frame) });
}

// @discordjs/voice: its own prepare + dispatch on a ready connection (AES-256-GCM, its choice).
{
  const guild = nextGuild();
  const c = djs.joinVoiceChannel({ guildId: guild, channelId: guild, adapterCreator: gateway.adapterCreator(guild) as never, selfDeaf: false });
  await djs.entersState(c, djs.VoiceConnectionStatus.Ready, 20_000);
  conns.push(c);
  const networking = (c.state as unknown as { networking: { prepareAudioPacket(b: Buffer): void; dispatchAudio(): boolean } }).networking;
  const buf = Buffer.from(frame);
  cases.push({ name: '@discordjs/voice 0.19 (AES-GCM)', group: 'send', base: true, fn: () => {
    networking.prepareAudioPacket(buf);
    networking.dispatchAudio();
  } });
}

// The raw limit: the fastest seal in place + a bare connected UDP send.
{
  const cipher = new TransportCipher(sodiumProvider, TransportMode.XChaCha, new Uint8Array(32).fill(7));
  const packet = new Uint8Array(12 + 160 + 20);
  let seq = 0;
  if (isBun) {
    const B = (globalThis as unknown as { Bun: { udpSocket(o: unknown): Promise<{ send(d: Uint8Array): boolean }> } }).Bun;
    const sock = await B.udpSocket({ connect: { hostname: udpHost, port: udpPort }, socket: { data() {} } });
    cases.push({ name: 'raw limit: sodium seal + Bun connected udp send', group: 'send', fn: () => {
      seq = (seq + 1) & 0xffff;
      writeOpusRtpHeader(packet, 0, seq, seq * 960, 1);
      packet.set(frame, 12);
      sock.send(packet.subarray(0, cipher.sealInPlace(packet, 12, 160, seq)));
    } });
  } else {
    const sock = createSocket('udp4');
    await new Promise<void>((r) => sock.connect(udpPort, udpHost, () => r()));
    cases.push({ name: 'raw limit: sodium seal + connected dgram send', group: 'send', fn: () => {
      seq = (seq + 1) & 0xffff;
      writeOpusRtpHeader(packet, 0, seq, seq * 960, 1);
      packet.set(frame, 12);
      sock.send(packet.subarray(0, cipher.sealInPlace(packet, 12, 160, seq)));
    } });
  }
}

// Receive: open + strip + attribute one packet, through the whole sans-IO session vs @discordjs/voice's receiver.
{
  const key = new Uint8Array(32).fill(3);
  // AES-256-GCM on both sides: @discordjs/voice's XChaCha receive path cannot load sodium-native 5 on Node.
  cases.push({ name: 'voicewire session: open + strip + reorder + attribute (crypto-node, AES-GCM)', group: 'recv', fn: receiveCase(nodeProvider, 'aead_aes256_gcm_rtpsize', frame, key) });
  // voicewire's recommended setup: crypto-sodium, which makes the session choose XChaCha.
  cases.push({ name: 'voicewire session: open + strip + reorder + attribute (crypto-sodium, XChaCha)', group: 'recv', fn: receiveCase(sodiumProvider, 'aead_xchacha20_poly1305_rtpsize', frame, key) });
  const sender = new TransportCipher(nodeProvider, TransportMode.AesGcm, key);
  const packets = Array.from({ length: 1024 }, (_, i) => { const h = new Uint8Array(12); writeOpusRtpHeader(h, 0, i, i * 960, 77); return sender.sealRtp(h, frame, i + 1); });
  const recvProto = djs.VoiceReceiver.prototype as unknown as { parsePacket(b: Buffer, m: string, n: Buffer, k: Buffer, u: string): Buffer; decrypt: unknown };
  const recvThis = { decrypt: recvProto.decrypt, voiceConnection: { state: { status: 'signalling' } } };
  const nonce = Buffer.alloc(12);
  const djsPackets = packets.map((p) => Buffer.from(p));
  let j = 0;
  const keyBuf = Buffer.from(key);
  cases.push({ name: '@discordjs/voice receiver: parsePacket (AES-GCM)', group: 'recv', base: true, fn: () => void recvProto.parsePacket.call(recvThis, djsPackets[j++ & 1023] as Buffer, 'aead_aes256_gcm_rtpsize', nonce, keyBuf, '42') });
}

const sendRes = benchAll(cases.filter((c) => c.group === 'send'), 9, 80);
const recvRes = benchAll(cases.filter((c) => c.group === 'recv'), 9, 80);
const rows = (group: 'send' | 'recv', res: Map<string, number>) => {
  const base = cases.find((c) => c.group === group && c.base);
  const raw = cases.find((c) => c.name.startsWith('raw limit'));
  return cases.filter((c) => c.group === group).map((c) => {
    const ns = res.get(c.name) as number;
    const parts = [];
    if (base && !c.base) parts.push(`${((res.get(base.name) as number) / ns).toFixed(2)}× vs djs`);
    if (group === 'send' && raw && c !== raw) parts.push(`${(ns / (res.get(raw.name) as number)).toFixed(2)}× raw`);
    return { name: c.name, ns, ratio: parts.join(', ') };
  });
};
const runtime = runtimeName();
const md = [`## Per packet, ${runtime} — ${cpus()[0]?.model ?? ''}`, '', table('Build + encrypt + send one 160-byte Opus packet (to the emulator process over loopback)', rows('send', sendRes)), '', table('Receive: open + strip + attribute one packet', rows('recv', recvRes)), ''].join('\n');
console.log(md);
mkdirSync(new URL('../results/', import.meta.url), { recursive: true });
writeFileSync(new URL(`../results/send-${runtime.split(' ')[0]?.toLowerCase()}.md`, import.meta.url), md);
for (const c of conns) c.destroy();
gateway.close();
setTimeout(() => process.exit(0), 300);
