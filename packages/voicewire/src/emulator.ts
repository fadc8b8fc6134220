/**
 * The local Discord voice emulator for testing a bot offline, in one call: starts @voicewire/voice-server (wss with
 * a certificate it generates, on 127.0.0.1) and makes voicewire — and @voicewire/discordjs, which runs on it —
 * trust that certificate, on Node and Bun. `server.adapterCreator(userId)` stands in for
 * `guild.voiceAdapterCreator`; `close()` stops the emulator and the trust. (Any transport of voicewire trusts it,
 * the scoped packages' too: the trusted set is @voicewire/voice's trustCertificate().)
 *
 * @module voicewire/emulator
 */
import type { VoiceServer, VoiceServerOptions } from '@voicewire/voice-server';
import { trustCertificate, untrustCertificate } from '@voicewire/voice';
import { ScriptedUser, type ScriptedUserOptions } from './scripted-user.js';

export type { VoiceServer, VoiceServerOptions };

/** What startEmulator() gives: the running emulator (every fault control of VoiceServer) and its certificate. */
export interface Emulator extends VoiceServer {
  /** The emulator's certificate (PEM), trusted by voicewire's connections while it runs; null with `tls: false`. */
  readonly ca: string | null;
  /**
   * A scripted member joins a voice channel (DAVE on) and speaks a source or listens; bots in the guild see its
   * voice state. Resolves once it is in the call (and in its DAVE group when others are there). Left when the
   * emulator closes.
   */
  addUser(options: ScriptedUserOptions): Promise<ScriptedUser>;
}

export { ScriptedUser, type Heard, type ScriptedUserOptions } from './scripted-user.js';

export async function startEmulator(options: VoiceServerOptions = {}): Promise<Emulator> {
  let mod: typeof import('@voicewire/voice-server');
  try {
    mod = await import('@voicewire/voice-server');
  } catch (e) {
    throw new Error(`voicewire/emulator needs @voicewire/voice-server: install it next to voicewire (npm i -D @voicewire/voice-server) — ${String((e as Error)?.message ?? e).split('\n')[0]}`);
  }
  const server = await mod.startVoiceServer(options);
  const ca = server.certificate?.cert ?? null;
  if (ca) trustCertificate(ca);
  const close = server.close.bind(server);
  const users = new Set<ScriptedUser>();
  return Object.assign(server, {
    ca,
    addUser: async (o: ScriptedUserOptions): Promise<ScriptedUser> => {
      // the runtime's own entry (node or bun), as the bot's import of 'voicewire' resolves it
      const { joinVoiceChannel } = await import('voicewire');
      const others = server.core.voiceStatesIn(o.guildId).some((v) => v.channelId === o.channelId && v.userId !== o.userId);
      const user = new ScriptedUser(joinVoiceChannel as never, server.adapterCreator(o.userId, o.guildId), o, others);
      users.add(user);
      try {
        await user.ready();
      } catch (e) {
        user.leave();
        users.delete(user);
        throw e;
      }
      return user;
    },
    close: async (): Promise<void> => {
      for (const u of users) u.leave();
      users.clear();
      if (ca) untrustCertificate(ca);
      await close();
    },
  });
}
