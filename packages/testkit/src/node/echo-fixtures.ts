/** Echo servers on loopback for the transport conformance suite (Node APIs; Bun runs them too). */
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { WebSocketServer } from 'ws';
import type { EchoFixtures } from '../transport-conformance.js';

export interface RunningFixtures extends EchoFixtures {
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export async function startEchoFixtures(): Promise<RunningFixtures> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  wss.on('connection', (ws) => {
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      const text = isBinary ? null : data.toString('utf8');
      if (text?.startsWith('close:')) return ws.close(Number(text.slice(6)));
      ws.send(isBinary ? data : text as string, { binary: isBinary });
    });
  });
  const udp = createSocket('udp4');
  await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', () => resolve()));
  udp.on('message', (msg, rinfo) => udp.send(msg, rinfo.port, rinfo.address));
  const refused = await freePort();
  return {
    wsUrl: `ws://127.0.0.1:${(wss.address() as { port: number }).port}/?v=8`,
    refusedWsUrl: `ws://127.0.0.1:${refused}/?v=8`,
    udp: { host: '127.0.0.1', port: (udp.address() as { port: number }).port },
    close: async () => {
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => udp.close(() => resolve()));
    },
  };
}
