// The other member of each benchmark channel: N deafened voicewire bots (one per channel), so that every client
// connection is in a two-member DAVE group and encrypts each frame end to end. Deafened members get no audio from
// the emulator, so nothing is relayed: the emulator only counts and timestamps what the client sends.
import { readFileSync } from 'node:fs';
import { daveProvider } from '@voicewire/crypto-dave';
import { sodiumProvider } from '@voicewire/crypto-sodium';
import { createNodeTransport } from '@voicewire/transport-node';
import { joinVoiceChannel, type VoiceConnection } from '@voicewire/voice';
import { connectEmulatorGateway } from '@voicewire/voice-server';

const N = Number(process.argv[2]);
const ca = readFileSync(process.env.BENCH_CA_FILE as string, 'utf8');
const gateway = await connectEmulatorGateway(process.env.BENCH_GATEWAY_URL as string, { ca, token: 'Bot voicewire-perf-peer' });
const transport = createNodeTransport({ ca });
const guild = (i: number): string => String(300000000000000000n + BigInt(i));
const channel = (i: number): string => String(400000000000000000n + BigInt(i));
const conns: VoiceConnection[] = [];
for (let i = 0; i < N; i += 100) {
  const batch = Array.from({ length: Math.min(100, N - i) }, (_, k) =>
    joinVoiceChannel({ guildId: guild(i + k), channelId: channel(i + k), adapterCreator: gateway.adapterCreator(guild(i + k)) as never, transport, crypto: sodiumProvider, e2ee: daveProvider, selfDeaf: true }),
  );
  await Promise.all(batch.map((c) => c.ready({ timeoutMs: 120_000 })));
  conns.push(...batch);
}
process.send?.({ type: 'joined' });
process.on('message', (m: { type: string }) => {
  if (m.type !== 'stop') return;
  for (const c of conns) c.destroy();
  gateway.close();
  process.send?.({ type: 'stopped' });
  setTimeout(() => process.exit(0), 200);
});
