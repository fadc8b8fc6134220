import { daveProvider } from '@voicewire/crypto-dave';
import { nodeProvider } from '@voicewire/crypto-node';
import { createNodeTransport } from '@voicewire/transport-node';
import type { VoiceServer } from '@voicewire/voice-server';
export { sleep, until } from '@voicewire/testkit';
import { joinVoiceChannel, type JoinVoiceChannelOptions, type VoiceConnection } from '@voicewire/voice';

export const GUILD = '41771983423143937';
export const CHANNEL = '127121515262115840';

export function connect(server: VoiceServer, userId: string, extra: Partial<JoinVoiceChannelOptions> = {}): VoiceConnection {
  return joinVoiceChannel({
    guildId: GUILD,
    channelId: CHANNEL,
    userId,
    adapterCreator: server.adapterCreator(userId),
    transport: createNodeTransport(server.certificate ? { ca: server.certificate.cert } : {}),
    crypto: nodeProvider,
    e2ee: daveProvider,
    ...extra,
  });
}

export function frame(n: number): Uint8Array {
  const f = new Uint8Array(60);
  f[0] = 0xfc;
  f[1] = (n >>> 16) & 0xff;
  f[2] = (n >>> 8) & 0xff;
  f[3] = n & 0xff;
  for (let i = 4; i < f.length; i++) f[i] = (n + i) & 0xff;
  return f;
}

export const frameNumber = (opus: Uint8Array): number => ((opus[1] as number) << 16) | ((opus[2] as number) << 8) | (opus[3] as number);

export function collect(conn: VoiceConnection, fromUserId: string): number[] {
  const got: number[] = [];
  conn.on('audio', (f) => {
    if (f.userId === fromUserId && f.opus.length > 3) got.push(frameNumber(f.opus));
  });
  return got;
}

/** Writes frames [from, from+count) through the paced writer; `during(n)` runs before frame n. */
export async function writeFrames(conn: VoiceConnection, from: number, count: number, during?: (n: number) => void): Promise<void> {
  const writer = conn.createOpusWriter().getWriter();
  for (let n = from; n < from + count; n++) {
    during?.(n);
    await writer.write(frame(n));
  }
  await writer.close();
}

