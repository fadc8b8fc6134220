// The memory floor of a connection on this runtime: N TLS WebSockets (ws, to the emulator's voice endpoint) and N
// connected UDP sockets that do nothing. What a voice client holds per connection beyond this is its own.
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import WebSocket from 'ws';

const [nArg, endpoint, udpPort] = process.argv.slice(2);
const N = Number(nArg);
const ca = readFileSync(process.env.BENCH_CA_FILE as string, 'utf8');
const gc = (): void => (globalThis as { gc?: () => void }).gc?.();
gc();
const m0 = process.memoryUsage();
const sockets: { close(): void }[] = [];
for (let i = 0; i < N; i += 100) {
  await Promise.all(Array.from({ length: Math.min(100, N - i) }, () => new Promise<void>((resolve) => {
    const ws = new WebSocket(`wss://${endpoint}/?v=8`, { ca });
    ws.on('message', () => {});
    ws.once('open', () => resolve());
    ws.once('error', () => resolve());
    sockets.push({ close: () => ws.terminate() });
    const u = createSocket('udp4');
    u.connect(Number(udpPort), '127.0.0.1');
    sockets.push({ close: () => u.close() });
  })));
}
await new Promise((r) => setTimeout(r, 500));
gc();
const m = process.memoryUsage();
process.send?.({ type: 'memfloor', perConnection: { rss: (m.rss - m0.rss) / N, heap: (m.heapUsed - m0.heapUsed) / N, external: (m.external - m0.external) / N, arrayBuffers: (m.arrayBuffers - m0.arrayBuffers) / N } });
for (const s of sockets) s.close();
setTimeout(() => process.exit(0), 200);
