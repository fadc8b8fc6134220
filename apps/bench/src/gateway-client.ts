// A minimal main-gateway client for benchmarks: one WebSocket for one bot user, as a real bot has, with a
// discord.js-shaped adapter per guild. Works for voicewire and @discordjs/voice alike.
import WebSocket from 'ws';

type Methods = { onVoiceServerUpdate(d: unknown): void; onVoiceStateUpdate(d: unknown): void; destroy(): void };

export interface BenchGateway {
  readonly userId: string;
  adapterCreator(guildId: string): (methods: Methods) => { sendPayload(p: unknown): boolean; destroy(): void };
  close(): void;
}

export async function connectGateway(url: string, ca: string, token = 'Bot voicewire-bench'): Promise<BenchGateway> {
  const ws = new WebSocket(url, { ca, perMessageDeflate: false });
  const adapters = new Map<string, Methods>();
  let userId = '';
  await new Promise<void>((resolve, reject) => {
    ws.once('error', reject);
    ws.on('message', (data: Buffer) => {
      const m = JSON.parse(data.toString()) as { op: number; t?: string; d: Record<string, unknown> };
      if (m.op === 10) ws.send(JSON.stringify({ op: 2, d: { token, intents: 1 << 7, properties: {} } }));
      else if (m.t === 'READY') {
        userId = (m.d.user as { id: string }).id;
        resolve();
      } else if (m.t === 'VOICE_STATE_UPDATE') adapters.get(m.d.guild_id as string)?.onVoiceStateUpdate(m.d);
      else if (m.t === 'VOICE_SERVER_UPDATE') adapters.get(m.d.guild_id as string)?.onVoiceServerUpdate(m.d);
    });
  });
  return {
    userId,
    adapterCreator: (guildId) => (methods) => {
      adapters.set(guildId, methods);
      return {
        sendPayload: (p) => {
          if (ws.readyState !== WebSocket.OPEN) return false;
          ws.send(JSON.stringify(p));
          return true;
        },
        destroy: () => adapters.delete(guildId),
      };
    },
    close: () => ws.close(),
  };
}
