/**
 * The local Discord voice emulator on real sockets: the sans-IO core served on 127.0.0.1 — voice gateway over
 * wss (certificate generated at start; plain ws as an option), the main-gateway subset at `/gateway`, and the
 * UDP relay over dgram. A second voice endpoint exists so that server migrations can be exercised.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { createServer as createHttpServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { nobleProvider } from '@voicewire/crypto-noble';
import { nodeProvider } from '@voicewire/crypto-node';
import type { CryptoProvider } from '@voicewire/voice-protocol';
import { VoiceServerCore } from './core/server-core.js';
import type { ServerOutput } from './core/types.js';
import { handleGatewayMessage, sendDispatch, type GatewayClient } from './main-gateway.js';
import { DiscordGateway } from './discord/gateway.js';
import { DiscordRest } from './discord/rest.js';
import { DiscordWorld, type DiscordWorldOptions } from './discord/world.js';
import { generateLocalCertificate, type LocalCertificate } from './tls.js';

export interface VoiceServerOptions {
  /** Serve the voice gateway over wss with a generated certificate (default) or plain ws. */
  readonly tls?: boolean;
  readonly host?: '127.0.0.1' | '::1';
  readonly crypto?: CryptoProvider;
  readonly heartbeatIntervalMs?: number;
  readonly random?: () => number;
  /** Called with each payload the relay handled after transport decryption (tests assert DAVE ciphertext here). */
  readonly onRelay?: (fromUserId: string, payload: Uint8Array) => void;
  /** Called for every inbound RTP packet before decryption, with its SSRC and sequence (benchmarks measure arrival). */
  readonly onRtp?: (ssrc: number, sequence: number) => void;
  /** DAVE on by default for voice channels (default true, as on Discord). */
  readonly dave?: boolean;
  /** Reuse a certificate (e.g. one whose CA file another process already trusts) instead of generating one. */
  readonly certificate?: LocalCertificate;
  /** Port of the voice endpoint and of UDP (the second endpoint takes the next port). Default: any free port. */
  readonly port?: number;
  /**
   * UDP voice servers to serve (default 1, at most 64): sessions are given them in turn in Ready, as Discord gives
   * guilds different voice servers, so that a client's shared socket pool has several remotes to talk to. The
   * first is on `port`; the others on free ports (`udpPorts` lists them all).
   */
  readonly udpPorts?: number;
  /**
   * Serve Discord's REST API and main gateway (v10) for discord.js and other bot libraries, with these fixtures
   * (`true` or `{}`: one bot, `DEFAULT_BOT_TOKEN`, in one guild). Over plain http/ws on this machine; see
   * `server.discord` for the URLs to give the client.
   */
  readonly discord?: DiscordWorldOptions | true;
  /** Port of the Discord REST API and gateway (default: any free port). */
  readonly discordPort?: number;
}

/** The emulated Discord API, when started with `discord`: where to point a bot library, and what it did. */
export interface EmulatedDiscord {
  /** `http://host:port/api`: discord.js's `rest.api` option (`new Client({ rest: { api } })`). */
  readonly api: string;
  /** `ws://host:port`, what `GET /gateway/bot` returns (a client finds it by itself). */
  readonly gatewayUrl: string;
  readonly world: DiscordWorld;
  readonly gateway: DiscordGateway;
  readonly rest: DiscordRest;
}

/** The adapter shape of discord.js's DiscordGatewayAdapterCreator, declared here to avoid a dependency. */
type AdapterCreator = (methods: { onVoiceServerUpdate(d: never): void; onVoiceStateUpdate(d: never): void; destroy(): void }) => {
  sendPayload(payload: { op: 4; d: { guild_id: string; channel_id: string | null; self_mute: boolean; self_deaf: boolean } }): boolean;
  destroy(): void;
};

interface Endpoint {
  readonly server: Server;
  readonly address: string;
}

export class VoiceServer {
  readonly core: VoiceServerCore;
  readonly certificate: LocalCertificate | null;
  /** The first UDP voice server's port. */
  readonly udpPort: number;
  /** Every UDP voice server's port (one unless started with `udpPorts`). */
  readonly udpPorts: readonly number[];
  private readonly endpoints: Endpoint[];
  // Voice and main gateway messages are small: a client that sends more than 1 MiB is closed (1009), not parsed.
  private readonly voiceWss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 1 << 20 });
  private readonly gatewayWss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 1 << 20 });
  // Discord closes client messages over 4096 bytes (4002); ws stops anything far larger before it is buffered.
  private readonly discordWss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 16 * 1024 });
  private readonly conns = new Map<number, WebSocket>();
  private readonly dropped = new Set<number>();
  /** userId → that user's adapters, each for one guild (learnt from its first op 4 when not given). */
  private readonly adapters = new Map<string, Set<{ guildId: string | null; methods: { onVoiceServerUpdate(d: never): void; onVoiceStateUpdate(d: never): void; destroy(): void } }>>();
  private readonly gatewayClients = new Set<GatewayClient>();
  /** The emulated Discord API (REST and gateway v10), when the server was started with `discord`. */
  readonly discord: EmulatedDiscord | null = null;
  private discordHttp: Server | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private timerAt: number | null = null;
  private closed = false;
  private readonly t0 = performance.now();

  private constructor(
    private readonly udps: readonly Socket[],
    endpoints: Endpoint[],
    certificate: LocalCertificate | null,
    private readonly options: VoiceServerOptions,
    private readonly host: string,
    discordHttp: Server | null,
  ) {
    this.endpoints = endpoints;
    this.certificate = certificate;
    this.udpPorts = udps.map((u) => (u.address() as { port: number }).port);
    this.udpPort = this.udpPorts[0] as number;
    this.core = new VoiceServerCore({
      // Tokens, session ids, SSRCs and keys from a cryptographic source unless a test seeds its own.
      random: options.random ?? secureRandom,
      // Discord always offers both modes: use node:crypto where it has both (Node), else pure JS (e.g. Bun).
      crypto: options.crypto ?? (nodeProvider.modes.length === 2 ? nodeProvider : nobleProvider),
      endpoint: this.endpoint,
      udp: { address: host, port: this.udpPort },
      moreUdp: this.udpPorts.slice(1).map((port) => ({ address: host, port })),
      observeMedia: options.onRelay !== undefined,
      daveByDefault: options.dave ?? true,
      ...(options.heartbeatIntervalMs !== undefined ? { heartbeatIntervalMs: options.heartbeatIntervalMs } : {}),
    });
    for (const ep of endpoints) ep.server.on('upgrade', (req, socket, head) => this.onUpgrade(req, socket, head));
    if (discordHttp) {
      this.discordHttp = discordHttp;
      this.discord = this.serveDiscord(discordHttp, options.discord === true ? {} : (options.discord ?? {}));
    }
    this.voiceWss.on('connection', (ws) => this.onVoiceSocket(ws));
    this.gatewayWss.on('connection', (ws) => this.onGatewaySocket(ws));
    const onRtp = options.onRtp;
    udps.forEach((udp, via) => {
      udp.on('message', (msg, rinfo) => {
        if (onRtp && msg.length >= 12 && (msg[1] as number) === 0x78) onRtp(msg.readUInt32BE(8), msg.readUInt16BE(2));
        if (this.closed) return;
        this.core.handleUdp({ address: rinfo.address, port: rinfo.port }, msg, this.now(), via);
        // UDP input moves no deadline: drain what it produced without recomputing the timer (O(1) per packet).
        while (this.core.pendingOutputs > 0) this.handleOutput(this.core.poll());
      });
      udp.on('error', () => {});
    });
  }

  static async start(options: VoiceServerOptions = {}): Promise<VoiceServer> {
    const host = options.host ?? '127.0.0.1';
    const tls = options.tls ?? true;
    const certificate = tls ? (options.certificate ?? (await generateLocalCertificate())) : null;
    const listen = (port: number): Promise<Endpoint> =>
      new Promise((resolve, reject) => {
        const server = certificate ? createHttpsServer({ key: certificate.key, cert: certificate.cert }) : createHttpServer();
        server.on('request', (_req, res) => {
          res.writeHead(426, { 'content-type': 'text/plain' });
          res.end('voicewire local voice server: connect with a WebSocket\n');
        });
        server.once('error', reject);
        server.listen(port, host, () => {
          const port = (server.address() as { port: number }).port;
          resolve({ server, address: host.includes(':') ? `[${host}]:${port}` : `${host}:${port}` });
        });
      });
    const base = options.port ?? 0;
    if (!Number.isInteger(base) || base < 0 || base > 65534) throw new RangeError(`port must be 1–65534 (the second endpoint uses port + 1), or 0 for any; got ${base}`);
    const endpoints = [await listen(base), await listen(base === 0 ? 0 : base + 1)];
    const udpCount = options.udpPorts ?? 1;
    if (!Number.isInteger(udpCount) || udpCount < 1 || udpCount > 64) throw new RangeError(`udpPorts must be 1–64; got ${udpCount}`);
    const udps: Socket[] = [];
    for (let i = 0; i < udpCount; i++) {
      const udp = createSocket(host.includes(':') ? 'udp6' : 'udp4');
      await new Promise<void>((resolve, reject) => {
        udp.once('error', reject);
        udp.bind(i === 0 ? base : 0, host, () => resolve());
      });
      try {
        // Many bots send in the same millisecond: a bigger receive buffer (capped by the kernel's rmem_max).
        udp.setRecvBufferSize(4 * 1024 * 1024);
      } catch {
        // keep the default
      }
      udps.push(udp);
    }
    let discordHttp: Server | null = null;
    if (options.discord) {
      const world = options.discord === true ? {} : options.discord;
      new DiscordWorld(world); // fixtures are checked before anything listens
      discordHttp = createHttpServer();
      const port = options.discordPort ?? 0;
      await new Promise<void>((resolve, reject) => {
        (discordHttp as Server).once('error', reject);
        (discordHttp as Server).listen(port, host, () => resolve());
      });
    }
    return new VoiceServer(udps, endpoints, certificate, options, host, discordHttp);
  }

  /** `host:port` of the voice gateway, as VOICE_SERVER_UPDATE carries it. */
  get endpoint(): string {
    return (this.endpoints[0] as Endpoint).address;
  }

  /** The second voice endpoint, used by `migrate()`. */
  get secondaryEndpoint(): string {
    return (this.endpoints[1] as Endpoint).address;
  }

  get tls(): boolean {
    return this.certificate !== null;
  }

  /** URL of the main-gateway subset for bots in other processes. */
  get gatewayUrl(): string {
    return `${this.tls ? 'wss' : 'ws'}://${this.endpoint}/gateway?v=10&encoding=json`;
  }

  /**
   * An in-process main-gateway adapter for `userId` (discord.js's adapter shape). Like discord.js's
   * `guild.voiceAdapterCreator`, each adapter receives only its own guild's VOICE_STATE/SERVER_UPDATEs: the guild
   * is `guildId`, or the one of the adapter's first op 4.
   */
  adapterCreator(userId: string, guildId?: string): AdapterCreator {
    return (methods) => {
      let set = this.adapters.get(userId);
      if (!set) {
        set = new Set();
        this.adapters.set(userId, set);
      }
      const entry = { guildId: guildId ?? null, methods };
      set.add(entry);
      return {
        sendPayload: (payload) => {
          if (this.closed) return false;
          entry.guildId ??= payload.d.guild_id;
          // like a network hop: the answer arrives asynchronously
          setImmediate(() => this.input((now) => this.core.handleGatewayVoiceStateUpdate(userId, payload.d, now)));
          return true;
        },
        destroy: () => {
          set?.delete(entry);
        },
      };
    };
  }

  /**
   * Calls the library side's `destroy()` of the user's adapters (in one guild when given), as discord.js does when
   * the bot leaves a guild or the client is destroyed: the connections using them are destroyed.
   */
  closeAdapters(userId: string, guildId?: string): void {
    for (const entry of [...(this.adapters.get(userId) ?? [])]) {
      if (guildId !== undefined && entry.guildId !== guildId) continue;
      this.adapters.get(userId)?.delete(entry);
      (entry.methods as { destroy?: () => void }).destroy?.();
    }
  }

  /**
   * Drops main-gateway connections (all, or the user's) as a network failure would: the sockets are terminated
   * without a close frame. A bot on `connectEmulatorGateway` sees its adapters destroyed, as discord.js does when
   * a shard's connection closes.
   */
  dropGateway(userId?: string): void {
    for (const c of [...this.gatewayClients]) if (userId === undefined || c.userId === userId) c.socket.terminate();
  }

  /**
   * What the emulated main gateway knows of a member's voice state (after its op 4 was handled): the channel and
   * the self mute/deaf flags, in `guildId` or the user's first guild; undefined when not in a voice channel.
   * For tests of a bot: `until(() => server.voiceState(botId)?.selfMute === true)`.
   */
  voiceState(userId: string, guildId?: string): { guildId: string; channelId: string; selfMute: boolean; selfDeaf: boolean } | undefined {
    return this.core.voiceState(userId, guildId);
  }

  // ── fault injection (same controls as the core; `guildId` addresses one of a bot's calls) ──
  closeSocket(userId: string, code: number, guildId?: string): void {
    this.input(() => this.core.closeSocket(userId, code, guildId));
  }
  dropSocket(userId: string, guildId?: string): void {
    this.input(() => this.core.dropSocket(userId, guildId));
  }
  setAcking(userId: string, acking: boolean, guildId?: string): void {
    this.input(() => this.core.setAcking(userId, acking, guildId));
  }
  setUdpSilent(userId: string, silent: boolean, guildId?: string): void {
    this.input(() => this.core.setUdpSilent(userId, silent, guildId));
  }
  /** Relay loss: every `n`-th audio packet of the user is lost on its way to the listeners (0 stops). */
  setRelayLoss(userId: string, n: number, guildId?: string): void {
    this.input(() => this.core.setRelayLoss(userId, n, guildId));
  }
  setChannelFull(channelId: string, full: boolean): void {
    this.core.setChannelFull(channelId, full);
  }
  sendRaw(userId: string, data: string | Uint8Array, guildId?: string): void {
    this.input(() => this.core.sendRaw(userId, data, guildId));
  }
  changeEndpoint(guildId: string, endpoint: string | null): void {
    this.input(() => this.core.changeEndpoint(guildId, endpoint));
  }
  /** Moves the guild's calls to the other voice endpoint (a server migration). Returns the new endpoint. */
  migrate(guildId: string, currentEndpoint = this.endpoint): string {
    const next = currentEndpoint === this.endpoint ? this.secondaryEndpoint : this.endpoint;
    this.changeEndpoint(guildId, next);
    return next;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const ws of this.voiceWss.clients) ws.terminate();
    for (const ws of this.gatewayWss.clients) ws.terminate();
    this.voiceWss.close();
    this.gatewayWss.close();
    this.discord?.gateway.shutdown();
    this.discordWss.close();
    if (this.discordHttp) {
      const http = this.discordHttp;
      await new Promise<void>((resolve) => {
        http.close(() => resolve());
        http.closeAllConnections?.();
      });
    }
    await Promise.all(
      this.endpoints.map(
        (ep) =>
          new Promise<void>((resolve) => {
            ep.server.close(() => resolve());
            ep.server.closeAllConnections?.();
          }),
      ),
    );
    await Promise.all(this.udps.map((udp) => new Promise<void>((resolve) => udp.close(() => resolve()))));
  }

  // ── internals ──
  private now(): number {
    return performance.now() - this.t0;
  }

  private input(fn: (now: number) => void): void {
    if (this.closed) return;
    fn(this.now());
    this.pump();
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = upgradeUrl(req, socket);
    if (!url) return;
    if (url.pathname === '/gateway') {
      this.gatewayWss.handleUpgrade(req, socket, head, (ws) => this.gatewayWss.emit('connection', ws, req));
      return;
    }
    const v = Number(url.searchParams.get('v'));
    this.voiceWss.handleUpgrade(req, socket, head, (ws) => {
      // Discord rejects connections without a version or below v4 (docs/protocol.md §3.1).
      if (!Number.isInteger(v) || v < 4) ws.close(4020, 'voice gateway version required (?v=8)');
      else this.voiceWss.emit('connection', ws, req);
    });
  }

  private serveDiscord(http: Server, options: DiscordWorldOptions): EmulatedDiscord {
    const world = new DiscordWorld(options);
    const port = (http.address() as { port: number }).port;
    const hostPort = this.host.includes(':') ? `[${this.host}]:${port}` : `${this.host}:${port}`;
    const gatewayUrl = `ws://${hostPort}`;
    const voiceStatesIn = (guildId: string) => this.core.voiceStatesIn(guildId).map((v) => ({ ...v, guildId }));
    const gateway = new DiscordGateway(world, {
      url: gatewayUrl,
      voiceStatesIn,
      voiceStateUpdate: (userId, d) => this.input((now) => this.core.handleGatewayVoiceStateUpdate(userId, d, now)),
    });
    const rest = new DiscordRest(world, { gatewayUrl, voiceStatesIn });
    http.on('request', (req, res) => {
      // /api/v10/…, /api/v9/… or /api/… (an unversioned path is the default version, as on Discord)
      const path = (req.url ?? '/').split('?')[0] as string;
      const m = /^\/api(?:\/v(\d+))?(\/.*)$/.exec(path);
      if (!m || this.closed) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: '404: Not Found', code: 0 }));
        return;
      }
      rest.handle(req, res, m[2] as string);
    });
    http.on('upgrade', (req, socket, head) => {
      const url = upgradeUrl(req, socket);
      if (!url) return;
      socket.on('error', () => {});
      if (this.closed) return socket.destroy();
      this.discordWss.handleUpgrade(req, socket, head, (ws) => gateway.accept(ws, url.searchParams.get('v'), url.searchParams.get('encoding')));
    });
    http.on('clientError', (_e, socket) => socket.destroy());
    return { api: `http://${hostPort}/api`, gatewayUrl, world, gateway, rest };
  }

  private onVoiceSocket(ws: WebSocket): void {
    if (this.closed) return ws.terminate();
    // Register the socket before draining the core, which queues Hello for it at once.
    const connId = this.core.handleWsOpen(this.now());
    this.conns.set(connId, ws);
    this.pump();
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (this.dropped.has(connId)) return;
      this.input((now) => this.core.handleWsMessage(connId, isBinary ? new Uint8Array(data) : data.toString('utf8'), now));
    });
    ws.on('close', () => {
      this.conns.delete(connId);
      this.dropped.delete(connId);
      this.input((now) => this.core.handleWsClose(connId, now));
    });
    ws.on('error', () => {});
  }

  private onGatewaySocket(ws: WebSocket): void {
    const client: GatewayClient = { socket: ws, userId: null, seq: 0 };
    this.gatewayClients.add(client);
    ws.send(JSON.stringify({ op: 10, d: { heartbeat_interval: 41_250 }, s: null, t: null }));
    const sessionId = randomBytes(16).toString('hex');
    ws.on('message', (data: Buffer) =>
      handleGatewayMessage(client, data.toString('utf8'), sessionId, this.gatewayUrl, (userId, d) => this.input((now) => this.core.handleGatewayVoiceStateUpdate(userId, d, now))),
    );
    ws.on('close', () => this.gatewayClients.delete(client));
    ws.on('error', () => {});
  }

  private pump(): void {
    for (;;) {
      const o: ServerOutput = this.core.poll();
      if (o.type === 'timer') return this.setTimer(o.at);
      this.handleOutput(o);
    }
  }

  private handleOutput(o: ServerOutput): void {
    switch (o.type) {
      case 'timer':
        return;
      case 'gateway-dispatch': {
        for (const { guildId, methods: m } of this.adapters.get(o.userId) ?? []) {
          if (guildId !== o.d.guild_id) continue; // each adapter hears only its own guild, as on discord.js
          const d = o.d as never;
          setImmediate(() => (o.t === 'VOICE_STATE_UPDATE' ? m.onVoiceStateUpdate(d) : m.onVoiceServerUpdate(d)));
        }
        for (const c of this.gatewayClients) if (c.userId === o.userId) sendDispatch(c, o.t, o.d);
        this.discord?.gateway.voiceDispatch(o.userId, o.t, o.d);
        break;
      }
      case 'ws-send': {
        const ws = this.conns.get(o.connId);
        if (ws && ws.readyState === ws.OPEN && !this.dropped.has(o.connId)) ws.send(o.data);
        break;
      }
      case 'ws-close':
        this.conns.get(o.connId)?.close(o.code);
        break;
      case 'ws-drop':
        this.dropped.add(o.connId);
        break;
      case 'udp-send':
        try {
          (this.udps[o.via ?? 0] as Socket).send(o.data, o.to.port, o.to.address);
        } catch {
          // an address a client sent (Select Protocol) that no socket can reach: that client gets nothing
        }
        break;
      case 'relay':
        this.options.onRelay?.(o.fromUserId, o.payload);
        break;
    }
  }

  private setTimer(at: number | null): void {
    // Re-arm only when the deadline moved: the relay calls this for every packet.
    if (at === this.timerAt && (at === null || this.timer !== null)) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.timerAt = at;
    if (at === null || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.timerAt = null;
      this.input((now) => this.core.handleTimeout(now));
    }, Math.max(0, Math.ceil(at - this.now())));
    this.timer.unref();
  }
}

/** The URL of an upgrade request, or null (and the socket destroyed) when it does not parse. */
function upgradeUrl(req: IncomingMessage, socket: Duplex): URL | null {
  try {
    return new URL(req.url ?? '/', 'http://x');
  } catch {
    socket.destroy();
    return null;
  }
}

/** Uniform in [0, 1) from the operating system's CSPRNG (48 random bits). */
function secureRandom(): number {
  return randomInt(0, 2 ** 48 - 1) / 2 ** 48;
}

export function startVoiceServer(options: VoiceServerOptions = {}): Promise<VoiceServer> {
  return VoiceServer.start(options);
}
