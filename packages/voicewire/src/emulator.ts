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

export type { VoiceServer, VoiceServerOptions };

/** What startEmulator() gives: the running emulator (every fault control of VoiceServer) and its certificate. */
export interface Emulator extends VoiceServer {
  /** The emulator's certificate (PEM), trusted by voicewire's connections while it runs; null with `tls: false`. */
  readonly ca: string | null;
}

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
  return Object.assign(server, {
    ca,
    close: async (): Promise<void> => {
      if (ca) untrustCertificate(ca);
      await close();
    },
  });
}
