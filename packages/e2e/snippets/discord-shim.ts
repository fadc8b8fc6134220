/**
 * What the README snippets use of discord.js, on the local emulator's main gateway (Hello, Identify → READY, op 4
 * → voice dispatches) — until the emulator serves Discord's REST API and full gateway, which the real discord.js
 * needs to log in. `client.login(token)` connects as that bot; `guilds.fetch(id)` gives a guild whose
 * `voiceAdapterCreator` is discord.js's adapter shape.
 */
import { connectEmulatorGateway, type EmulatorGateway } from '@voicewire/voice-server';
import type { Emulator } from 'voicewire/emulator';

export const GatewayIntentBits = { Guilds: 1, GuildVoiceStates: 128 } as const;

interface Guild {
  readonly id: string;
  readonly voiceAdapterCreator: ReturnType<EmulatorGateway['adapterCreator']>;
}

export class Client {
  private gateway: EmulatorGateway | null = null;
  constructor(readonly options: { intents: number[] }) {}

  async login(token: string | undefined): Promise<string> {
    const server = (globalThis as { __voicewireEmulator?: Emulator }).__voicewireEmulator;
    if (!server) throw new Error('the snippet stage has no emulator');
    this.gateway = await connectEmulatorGateway(server.gatewayUrl, { ca: server.ca ?? '', token: token ?? '' });
    return token ?? '';
  }

  readonly guilds = {
    fetch: async (id: string): Promise<Guild> => {
      const gw = this.gateway;
      if (!gw) throw new Error('log in first');
      return { id, voiceAdapterCreator: gw.adapterCreator(id) };
    },
  };

  destroy(): void {
    this.gateway?.close();
  }
}
