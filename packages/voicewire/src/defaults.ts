/**
 * What the runtime entries share: joinVoiceChannel with the defaults filled in, and describeSetup(). Each entry
 * (node.ts, bun.ts) imports its transport and fallback crypto provider statically; sodium-native, an optional
 * dependency, is loaded synchronously here and the reason is kept when it is missing (no hidden import() probe).
 */
import { createRequire } from 'node:module';
import { describeOpus, probeFfmpeg } from '@voicewire/audio';
import { daveProvider } from '@voicewire/crypto-dave';
import { createSodiumProvider, type SodiumLike } from '@voicewire/crypto-sodium/create';
import type { CryptoProvider, E2eeProvider } from '@voicewire/voice-protocol';
import { joinVoiceChannel as joinWith, type JoinVoiceChannelOptions, type Transport, type VoiceConnection } from '@voicewire/voice';

export interface RuntimeChoice {
  readonly runtime: string;
  readonly transport: Transport;
  /** How the transport sends UDP datagrams, and why (for describeSetup(); asked only then). */
  readonly udp: () => string;
  /** The runtime's transport, trusting these extra CA certificates (PEM) besides the system's. */
  readonly transportWithCa: (ca: readonly string[]) => Transport;
  readonly crypto: CryptoProvider;
  /** Why this provider: what loaded, what did not and with which error. */
  readonly cryptoReason: string;
  readonly ffmpeg: () => { found: boolean; detail: string };
  readonly warn: (message: string) => void;
}

/** Every option of @voicewire/voice's joinVoiceChannel; transport, crypto and e2ee are optional here. */
export type JoinOptions = Omit<JoinVoiceChannelOptions, 'transport' | 'crypto' | 'e2ee'> & {
  readonly transport?: Transport;
  readonly crypto?: CryptoProvider;
  /** DAVE end-to-end encryption: on by default. `false` turns it off (Discord then closes voice channels with 4017). */
  readonly e2ee?: E2eeProvider | false;
  /**
   * Extra CA certificates (PEM) to trust for the voice WebSocket, besides the system's: a local emulator's.
   * Certificates given to trustCertificate() are trusted by every transport anyway. Ignored when `transport` is given.
   */
  readonly ca?: string | readonly string[];
};

export interface SetupReport {
  readonly runtime: string;
  readonly transport: string;
  /** How UDP datagrams are sent (one socket per connection, batched, or a shared pool) and whether the add-on loaded. */
  readonly udp: string;
  readonly crypto: { readonly provider: string; readonly modes: readonly string[]; readonly why: string };
  readonly dave: { readonly provider: string; readonly maxProtocolVersion: number };
  /** The Opus codec @voicewire/audio uses: native `@discordjs/opus`, else WebAssembly `opusscript`. */
  readonly opus: { readonly available: boolean; readonly backend: 'native' | 'wasm' | null; readonly detail: string };
  readonly ffmpeg: { readonly found: boolean; readonly detail: string };
}

export function makeApi(choice: RuntimeChoice): { joinVoiceChannel(options: JoinOptions): VoiceConnection; describeSetup(): SetupReport } {
  let warnedNoDave = false;
  // one transport per set of extra CAs (a transport holds a TLS context); the default when there are none
  const withCa = new Map<string, Transport>();
  const transportFor = (ca: string | readonly string[] | undefined): Transport => {
    const pems = ca === undefined ? [] : typeof ca === 'string' ? [ca] : ca;
    if (pems.length === 0) return choice.transport;
    const key = pems.join('\n');
    let t = withCa.get(key);
    if (!t) withCa.set(key, (t = choice.transportWithCa(pems)));
    return t;
  };
  return {
    joinVoiceChannel(options: JoinOptions): VoiceConnection {
      const { e2ee, ca, ...rest } = options;
      if (e2ee === false && !warnedNoDave) {
        warnedNoDave = true;
        choice.warn('voicewire: e2ee: false turns DAVE end-to-end encryption off; Discord requires DAVE in voice channels since March 2026 (they close with 4017), so this only works in Stage channels and test servers');
      }
      return joinWith({
        ...rest,
        transport: options.transport ?? transportFor(ca),
        crypto: options.crypto ?? choice.crypto,
        ...(e2ee === false ? {} : { e2ee: e2ee ?? daveProvider }),
      });
    },
    describeSetup(): SetupReport {
      return {
        runtime: choice.runtime,
        transport: choice.transport.name,
        udp: choice.udp(),
        crypto: { provider: choice.crypto.name, modes: [...choice.crypto.modes], why: choice.cryptoReason },
        dave: { provider: daveProvider.name, maxProtocolVersion: daveProvider.maxProtocolVersion },
        opus: opusReport(),
        ffmpeg: choice.ffmpeg(),
      };
    },
  };
}

function opusReport(): SetupReport['opus'] {
  const d = describeOpus();
  const why = Object.entries(d.unavailable).map(([k, v]) => `${k}: ${String(v).split('\n')[0]}`).join('; ');
  if (d.backend === 'native') return { available: true, backend: 'native', detail: '@discordjs/opus (native libopus): PCM input, volume on Opus tracks, decoding recordings' };
  if (d.backend === 'wasm') return { available: true, backend: 'wasm', detail: `opusscript (libopus in WebAssembly; slower than native)${why ? ` — ${why}` : ''}` };
  return { available: false, backend: null, detail: `no Opus codec loaded (${why}); Ogg Opus passthrough still works` };
}

const require = createRequire(import.meta.url);
const firstLine = (e: unknown): string => String((e as Error)?.message ?? e).split('\n')[0] as string;

/** The choice for a Node-compatible runtime (Node, Bun): sodium-native when it loads, else `fallback`. */
export function nodeLikeChoice(runtime: string, transport: Transport, transportWithCa: (ca: readonly string[]) => Transport, fallback: { provider: CryptoProvider; label: string }, warn: (m: string) => void, udp: () => string): RuntimeChoice {
  let crypto: CryptoProvider;
  let cryptoReason: string;
  try {
    crypto = createSodiumProvider(require('sodium-native') as SodiumLike);
    cryptoReason = 'sodium-native loaded: libsodium XChaCha20-Poly1305, the fastest provider here';
  } catch (e) {
    crypto = fallback.provider;
    cryptoReason = `sodium-native did not load (${firstLine(e)}); ${fallback.label}`;
  }
  return {
    runtime,
    transport,
    udp,
    transportWithCa,
    crypto,
    cryptoReason,
    ffmpeg: () => {
      const r = probeFfmpeg('ffmpeg');
      return r.found ? { found: true, detail: r.version } : { found: false, detail: 'no ffmpeg on PATH: MP3, WAV and other formats need it (or pass ffmpegPath); Ogg Opus does not' };
    },
    warn,
  };
}
