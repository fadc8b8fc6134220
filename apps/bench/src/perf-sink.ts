// A UDP sink for the floor measurement: counts datagrams and reports its own CPU. It never decrypts.
// BENCH_SINK_PORTS=R: R sockets (R "voice servers", for the shared-pool floor); `ready` lists their ports.
import { createSocket, type Socket } from 'node:dgram';

const count = Number(process.env.BENCH_SINK_PORTS ?? 1);
const socks: Socket[] = [];
let packets = 0;
let cpu0 = process.cpuUsage();
let w0 = performance.now();
const ports: number[] = [];
for (let i = 0; i < count; i++) {
  const sock = createSocket('udp4');
  sock.on('message', () => void packets++);
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  try {
    sock.setRecvBufferSize(4 * 1024 * 1024);
  } catch {
    // the default
  }
  ports.push(sock.address().port);
  socks.push(sock);
}
process.send?.({ type: 'ready', port: ports[0], ports });
process.on('message', (m: { type: string }) => {
  if (m.type === 'reset') {
    packets = 0;
    cpu0 = process.cpuUsage();
    w0 = performance.now();
    process.send?.({ type: 'reset-done' });
  } else if (m.type === 'stats') {
    const c = process.cpuUsage(cpu0);
    process.send?.({ type: 'stats', packets, cpuPercent: ((c.user + c.system) / 1000 / (performance.now() - w0)) * 100 });
  } else if (m.type === 'stop') {
    for (const s of socks) s.close();
    process.exit(0);
  }
});
