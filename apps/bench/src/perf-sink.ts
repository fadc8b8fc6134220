// A UDP sink for the floor measurement: counts datagrams and reports its own CPU. It never decrypts.
import { createSocket } from 'node:dgram';

const sock = createSocket('udp4');
let packets = 0;
let cpu0 = process.cpuUsage();
let w0 = performance.now();
sock.on('message', () => void packets++);
sock.bind(0, '127.0.0.1', () => process.send?.({ type: 'ready', port: sock.address().port }));
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
    sock.close();
    process.exit(0);
  }
});
