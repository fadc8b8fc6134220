// Test-file setup shared by the end-to-end suites (vitest hooks; e2e-helpers.ts stays free of vitest so child
// processes can import it).
import { afterEach, beforeEach } from 'vitest';
import { startVoiceServer, type VoiceServer } from '@voicewire/voice-server';
import type { JoinVoiceChannelOptions, VoiceConnection } from '@voicewire/voice';
import { connect } from './e2e-helpers.js';

/**
 * A fresh emulator (wss, DAVE, 1 s heartbeats) for every test of the calling file or describe block; the
 * connections passed to `track` (or made by `join`) are destroyed and the emulator closed after each test.
 */
export function emulatorPerTest(): { readonly server: VoiceServer; track(...c: VoiceConnection[]): void; join(userId: string, extra?: Partial<JoinVoiceChannelOptions>): VoiceConnection } {
  let server: VoiceServer | null = null;
  const conns: VoiceConnection[] = [];
  beforeEach(async () => {
    server = await startVoiceServer({ tls: true, heartbeatIntervalMs: 1_000 });
  });
  afterEach(async () => {
    for (const c of conns.splice(0)) c.destroy();
    await server?.close();
    server = null;
  });
  const ctx = {
    get server(): VoiceServer {
      if (!server) throw new Error('emulatorPerTest: the emulator exists only inside a test');
      return server;
    },
    track: (...c: VoiceConnection[]): void => {
      conns.push(...c);
    },
    join: (userId: string, extra: Partial<JoinVoiceChannelOptions> = {}): VoiceConnection => {
      const c = connect(ctx.server, userId, extra);
      conns.push(c);
      return c;
    },
  };
  return ctx;
}
