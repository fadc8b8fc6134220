// perf-heap.ts's client: a heap snapshot before and after N idle connections join; the difference by constructor.
import { readFileSync } from 'node:fs';
import { getHeapSnapshot } from 'node:v8';

const [lib, nArg] = process.argv.slice(2) as [string, string];
const N = Number(nArg);
const ca = readFileSync(process.env.BENCH_CA_FILE as string, 'utf8');
const guild = (i: number): string => String(300000000000000000n + BigInt(i));
const channel = (i: number): string => String(400000000000000000n + BigInt(i));

/** Sums self sizes by node name (constructor for objects, the kind for strings, code, closures, arrays …). */
async function snapshot(): Promise<Map<string, { bytes: number; count: number }>> {
  (globalThis as { gc?: () => void }).gc?.();
  let json = '';
  for await (const chunk of getHeapSnapshot()) json += chunk;
  const s = JSON.parse(json) as { snapshot: { meta: { node_fields: string[]; node_types: [string[]] } }; nodes: number[]; strings: string[] };
  const f = s.snapshot.meta.node_fields;
  const stride = f.length;
  const iType = f.indexOf('type');
  const iName = f.indexOf('name');
  const iSize = f.indexOf('self_size');
  const types = s.snapshot.meta.node_types[0];
  const out = new Map<string, { bytes: number; count: number }>();
  for (let i = 0; i < s.nodes.length; i += stride) {
    const type = types[s.nodes[i + iType] as number] as string;
    const name = type === 'object' || type === 'native' ? (s.strings[s.nodes[i + iName] as number] as string) : `(${type})`;
    const e = out.get(name) ?? { bytes: 0, count: 0 };
    e.bytes += s.nodes[i + iSize] as number;
    e.count++;
    out.set(name, e);
  }
  return out;
}

const { connectEmulatorGateway } = await import('@voicewire/voice-server');
const gateway = await connectEmulatorGateway(process.env.BENCH_GATEWAY_URL as string, { ca, token: 'Bot voicewire-perf' });
// load everything a connection uses before the first snapshot, so code and module state are not counted
const libs = lib === 'voicewire' ? await Promise.all([import('@voicewire/voice'), import('@voicewire/crypto-dave'), import('@voicewire/crypto-sodium'), import('@voicewire/transport-node')]) : null;
const djs = lib === 'djs' ? await import('@discordjs/voice') : null;
const before = await snapshot();
const conns: { destroy(): void }[] = [];
for (let i = 0; i < N; i += 50) {
  const batch = Array.from({ length: Math.min(50, N - i) }, (_, k) => i + k);
  if (libs) {
    const [{ joinVoiceChannel }, { daveProvider }, { sodiumProvider }, { createNodeTransport }] = libs;
    const transport = createNodeTransport({ ca });
    const cs = batch.map((j) => joinVoiceChannel({ guildId: guild(j), channelId: channel(j), adapterCreator: gateway.adapterCreator(guild(j)) as never, transport, crypto: sodiumProvider, e2ee: daveProvider, selfDeaf: true }));
    await Promise.all(cs.map((c) => c.ready({ timeoutMs: 120_000, e2ee: true })));
    conns.push(...cs);
  } else if (djs) {
    const cs = batch.map((j) => djs.joinVoiceChannel({ guildId: guild(j), channelId: channel(j), adapterCreator: gateway.adapterCreator(guild(j)) as never }));
    await Promise.all(cs.map((c) => djs.entersState(c, djs.VoiceConnectionStatus.Ready, 120_000)));
    const end = performance.now() + 60_000;
    while (cs.some((c) => !c.voicePrivacyCode) && performance.now() < end) await new Promise((r) => setTimeout(r, 20));
    conns.push(...cs);
  }
}
await new Promise((r) => setTimeout(r, 1_000));
const after = await snapshot();
const rows = [...after.entries()]
  .map(([name, a]) => ({ name, bytes: (a.bytes - (before.get(name)?.bytes ?? 0)) / N, count: (a.count - (before.get(name)?.count ?? 0)) / N }))
  .filter((r) => r.bytes > 0)
  .sort((x, y) => y.bytes - x.bytes)
  .slice(0, 15);
process.send?.({ type: 'heap', top: rows });
for (const c of conns) c.destroy();
gateway.close();
