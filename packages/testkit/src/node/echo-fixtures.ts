/** Echo servers on loopback for the transport conformance suite (Node APIs; Bun runs them too). */
import { createSocket } from 'node:dgram';
import { createServer as createHttpsServer } from 'node:https';
import { createServer } from 'node:net';
import { WebSocketServer } from 'ws';
import { generateLocalCertificate } from '@voicewire/voice-server';
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
      if (text?.startsWith('big:')) return ws.send('x'.repeat(Math.min(Number(text.slice(4)), 16 << 20)));
      ws.send(isBinary ? data : text as string, { binary: isBinary });
    });
  });
  const udp = createSocket('udp4');
  await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', () => resolve()));
  udp.on('message', (msg, rinfo) => udp.send(msg, rinfo.port, rinfo.address));
  const refused = await freePort();
  // A wss echo with a certificate nobody was told to trust.
  const cert = await generateLocalCertificate();
  const https = createHttpsServer({ key: cert.key, cert: cert.cert });
  const untrusted = new WebSocketServer({ server: https, perMessageDeflate: false });
  untrusted.on('connection', (ws) => ws.on('message', (d: Buffer) => ws.send(d)));
  await new Promise<void>((resolve) => https.listen(0, '127.0.0.1', () => resolve()));
  return {
    wsUrl: `ws://127.0.0.1:${(wss.address() as { port: number }).port}/?v=8`,
    refusedWsUrl: `ws://127.0.0.1:${refused}/?v=8`,
    untrustedWssUrl: `wss://127.0.0.1:${(https.address() as { port: number }).port}/?v=8`,
    udp: { host: '127.0.0.1', port: (udp.address() as { port: number }).port },
    close: async () => {
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => udp.close(() => resolve()));
      for (const c of untrusted.clients) c.terminate();
      untrusted.close();
      https.closeAllConnections?.();
      await new Promise<void>((resolve) => https.close(() => resolve()));
    },
  };
}
