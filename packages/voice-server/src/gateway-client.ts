/**
 * A main-gateway client for the emulator's `/gateway` subset, for bots that run in another process than the
 * emulator and do not use discord.js: one WebSocket per bot user (as a real bot has), Identify with any token,
 * heartbeats, and a discord.js-shaped adapter per guild that hears only that guild's voice dispatches.
 */
import WebSocket from 'ws';

type LibraryMethods = { onVoiceServerUpdate(d: never): void; onVoiceStateUpdate(d: never): void; destroy(): void };
type Adapter = { sendPayload(payload: unknown): boolean; destroy(): void };

export interface EmulatorGateway {
  /** The bot's user id, as READY gave it (derived from the token). */
  readonly userId: string;
  /** `adapterCreator` for `joinVoiceChannel` in `guildId`. */
  adapterCreator(guildId: string): (methods: LibraryMethods) => Adapter;
  close(): void;
}

export interface EmulatorGatewayOptions {
  /** The emulator's CA (its `certificate.cert`, or the CA file the CLI printed) for `wss://`. */
  readonly ca?: string;
  /** Any token: the user id is the token when it is a snowflake, else derived from it. */
  readonly token?: string;
  /** How long to wait for READY (default 10 s). */
  readonly timeoutMs?: number;
}

export async function connectEmulatorGateway(url: string, options: EmulatorGatewayOptions = {}): Promise<EmulatorGateway> {
  const ws = new WebSocket(url, { perMessageDeflate: false, ...(options.ca ? { ca: options.ca } : {}) });
  const adapters = new Map<string, LibraryMethods>();
  let heartbeat: ReturnType<typeof setInterval> | null = null;
  let seq: number | null = null;
  const userId = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`the emulator's main gateway at ${url} sent no READY within ${options.timeoutMs ?? 10_000} ms`));
    }, options.timeoutMs ?? 10_000);
    ws.once('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`could not connect to the emulator's main gateway at ${url}: ${e.message}`));
    });
    ws.on('message', (data: Buffer) => {
      let m: { op?: number; t?: string; s?: number | null; d?: Record<string, unknown> };
      try {
        m = JSON.parse(data.toString()) as typeof m;
      } catch {
        return;
      }
      if (typeof m.s === 'number') seq = m.s;
      const d = m.d ?? {};
      if (m.op === 10) {
        ws.send(JSON.stringify({ op: 2, d: { token: options.token ?? 'Bot voicewire-local', intents: 1 << 7, properties: {} } }));
        const interval = Number(d.heartbeat_interval) || 41_250;
        heartbeat = setInterval(() => ws.readyState === WebSocket.OPEN && ws.send(JSON.stringify({ op: 1, d: seq })), interval);
        heartbeat.unref?.();
      } else if (m.t === 'READY') {
        clearTimeout(timer);
        resolve(String((d.user as { id?: unknown } | undefined)?.id ?? ''));
      } else if (m.t === 'VOICE_STATE_UPDATE') adapters.get(String(d.guild_id))?.onVoiceStateUpdate(d as never);
      else if (m.t === 'VOICE_SERVER_UPDATE') adapters.get(String(d.guild_id))?.onVoiceServerUpdate(d as never);
    });
  });
  ws.on('close', () => {
    if (heartbeat) clearInterval(heartbeat);
    for (const m of [...adapters.values()]) m.destroy();
    adapters.clear();
  });
  return {
    userId,
    adapterCreator: (guildId) => (methods) => {
      adapters.set(guildId, methods);
      return {
        sendPayload: (payload) => {
          if (ws.readyState !== WebSocket.OPEN) return false;
          ws.send(JSON.stringify(payload));
          return true;
        },
        destroy: () => {
          if (adapters.get(guildId) === methods) adapters.delete(guildId);
        },
      };
    },
    close: () => {
      if (heartbeat) clearInterval(heartbeat);
      ws.close();
    },
  };
}
