import { nobleProvider } from '@voicewire/crypto-noble';
import type { SessionEvent, VoiceSessionConfig } from '@voicewire/voice-protocol';
import { SimNetwork, type LinkConfig, type SimClient } from '../src/index.js';

export const GUILD = '41771983423143937';
export const CHANNEL = '127121515262115840';
export const USERS = ['104694319306248192', '158049329150427136', '927310423890473011'] as const;

/** A simulated network whose channels run without DAVE (like Stage channels) unless `dave` is set. */
export function network(opts: { seed?: number; link?: Partial<LinkConfig>; server?: Record<string, unknown>; dave?: boolean; inputsAsData?: boolean } = {}): SimNetwork {
  const { dave, server, ...rest } = opts;
  return new SimNetwork({ crypto: nobleProvider, ...rest, server: { daveByDefault: dave ?? false, ...server } });
}

export function client(net: SimNetwork, i: number, extra: Partial<VoiceSessionConfig> = {}): SimClient {
  return net.addClient(`c${i}`, { guildId: GUILD, channelId: CHANNEL, userId: USERS[i] as string, crypto: nobleProvider, ...extra });
}

export function joinAll(net: SimNetwork, clients: SimClient[]): void {
  for (const c of clients) c.session.join(net.now);
  const ok = net.runUntil(() => clients.every((c) => c.session.state === 'ready'), 5_000);
  if (!ok) throw new Error(`not all ready: ${clients.map((c) => `${c.name}=${c.session.state}`).join(', ')}`);
  // let op 11/op 5 reach everyone
  net.runFor(50);
}

/** An Opus-like frame whose bytes encode the frame number, so the receiver can check order and identity. */
export function frame(n: number, size = 40): Uint8Array {
  const f = new Uint8Array(size);
  f[0] = 0xfc; // a plausible TOC byte; never the silence frame
  f[1] = (n >>> 16) & 0xff;
  f[2] = (n >>> 8) & 0xff;
  f[3] = n & 0xff;
  for (let i = 4; i < size; i++) f[i] = (n * 31 + i) & 0xff;
  return f;
}

export function frameNumber(opus: Uint8Array): number {
  return ((opus[1] as number) << 16) | ((opus[2] as number) << 8) | (opus[3] as number);
}

/** Sends `count` frames from `c`, one every 20 ms of simulated time. */
export function sendFrames(net: SimNetwork, c: SimClient, from: number, count: number): number {
  let sent = 0;
  for (let n = from; n < from + count; n++) {
    if (c.session.sendOpusFrame(frame(n), net.now)) sent++;
    net.runFor(20);
  }
  return sent;
}

export function audioFrom(c: SimClient, userId: string): number[] {
  return c.events
    .map((e) => e.event)
    .filter((e): e is Extract<SessionEvent, { type: 'audio' }> => e.type === 'audio' && e.userId === userId && e.opus.length > 3)
    .map((e) => frameNumber(e.opus));
}
