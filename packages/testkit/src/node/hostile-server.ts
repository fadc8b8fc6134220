/**
 * The hostile voice server on real sockets (loopback only): HostileScript behind a ws(s) server and a UDP socket,
 * plus a main-gateway adapter that hands out its endpoint. TLS can be trusted (the client gets the CA), served
 * with a certificate nobody trusts, one for another host, or an expired one.
 */
import { createSocket, type Socket } from 'node:dgram';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { WebSocketServer, type WebSocket } from 'ws';
import { generateLocalCertificate } from '@voicewire/voice-server';
import { HOSTILE_SESSION_ID, HOSTILE_TOKEN, HostileScript, type HostileOptions } from '../hostile-script.js';

export type HostileTls = 'trusted' | 'untrusted' | 'wrong-host' | 'expired' | 'none';

type AdapterMethods = { onVoiceServerUpdate(d: never): void; onVoiceStateUpdate(d: never): void; destroy(): void };
type Adapter = { sendPayload(payload: { op: 4; d: { guild_id: string; channel_id: string | null } }): boolean; destroy(): void };

export class HostileVoiceServer {
  readonly scripts: HostileScript[] = [];
  /** The CA to give the client's transport (undefined when the test wants the certificate rejected). */
  readonly ca: string | undefined;
  private readonly sockets = new Set<WebSocket>();

  private constructor(
    private readonly http: Server,
    private readonly wss: WebSocketServer,
    private readonly udp: Socket,
    readonly endpoint: string,
    ca: string | undefined,
    readonly options: HostileOptions,
  ) {
    this.ca = ca;
    udp.on('message', (msg, rinfo) => {
      for (const s of this.scripts) {
        s.udp(new Uint8Array(msg), { address: rinfo.address, port: rinfo.port });
        this.flushUdp(s, rinfo.address, rinfo.port);
      }
    });
    udp.on('error', () => {});
    wss.on('connection', (ws) => {
      this.sockets.add(ws);
      const script = new HostileScript({ udp: { ip: '127.0.0.1', port: (udp.address() as { port: number }).port }, ...options });
      this.scripts.push(script);
      const flush = (): void => {
        for (const o of script.take()) {
          if (o.type === 'ws-send') ws.send(o.data);
          else if (o.type === 'ws-close') ws.close(o.code);
        }
      };
      script.onOutput = () => queueMicrotask(flush);
      script.open();
      flush();
      ws.on('message', (data: Buffer, isBinary: boolean) => {
        script.message(isBinary ? new Uint8Array(data) : data.toString('utf8'));
        flush();
      });
      ws.on('close', () => this.sockets.delete(ws));
      ws.on('error', () => {});
    });
  }

  static async start(options: HostileOptions & { tls?: HostileTls } = {}): Promise<HostileVoiceServer> {
    const tls = options.tls ?? 'trusted';
    const cert =
      tls === 'none'
        ? null
        : await generateLocalCertificate(
            tls === 'wrong-host' ? { hosts: ['voice.example.com'] } : tls === 'expired' ? { notBefore: new Date(Date.now() - 20 * 86_400_000), notAfter: new Date(Date.now() - 10 * 86_400_000) } : {},
          );
    const http = cert ? createHttpsServer({ key: cert.key, cert: cert.cert }) : createHttpServer();
    const wss = new WebSocketServer({ server: http, perMessageDeflate: false, maxPayload: 64 << 20 });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', () => resolve()));
    const udp = createSocket('udp4');
    await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', () => resolve()));
    const port = (http.address() as { port: number }).port;
    // The client trusts the CA in every case but 'untrusted': wrong-host and expired must fail on their own merits.
    const ca = cert && tls !== 'untrusted' ? cert.cert : undefined;
    return new HostileVoiceServer(http, wss, udp, `127.0.0.1:${port}`, ca, options);
  }

  /** A discord.js-shaped adapter: op 4 is answered with this server's endpoint and the hostile token. */
  adapterCreator(userId: string): (methods: AdapterMethods) => Adapter {
    return (methods) => ({
      sendPayload: (payload) => {
        const { guild_id, channel_id } = payload.d;
        setImmediate(() => {
          methods.onVoiceStateUpdate({ guild_id, channel_id, user_id: userId, session_id: HOSTILE_SESSION_ID } as never);
          if (channel_id !== null) methods.onVoiceServerUpdate({ guild_id, token: HOSTILE_TOKEN, endpoint: this.endpoint } as never);
        });
        return true;
      },
      destroy: () => {},
    });
  }

  async close(): Promise<void> {
    for (const ws of this.sockets) ws.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    this.http.closeAllConnections?.();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
    await new Promise<void>((resolve) => this.udp.close(() => resolve()));
  }

  private flushUdp(script: HostileScript, address: string, port: number): void {
    const keep = [];
    for (const o of script.take()) {
      if (o.type === 'udp-send') this.udp.send(o.data, port, address);
      else keep.push(o);
    }
    script.out.push(...keep);
  }
}
