/**
 * voicewire for Bun: transport-bun, the fastest crypto provider that loads (sodium-native, else noble: Bun's
 * node:crypto has no XChaCha20-Poly1305, which Discord always offers),
 * DAVE on, and the whole voice and audio API from one import.
 */
import { nobleProvider } from '@voicewire/crypto-noble';
import { bunTransport, createBunTransport } from '@voicewire/transport-bun';
import { makeApi, nodeLikeChoice } from './defaults.js';

export * from '@voicewire/voice';
export * from '@voicewire/audio';
export { daveProvider } from '@voicewire/crypto-dave';
export { bunTransport, createBunTransport } from '@voicewire/transport-bun';
export type { BunTransport, BunTransportOptions } from '@voicewire/transport-bun';
// Both runtimes' transports, so that code type-checks the same whichever entry the type checker picks; each
// works on its own runtime (the other reports a clear connection failure).
export { createNodeTransport, nodeTransport } from '@voicewire/transport-node';
export type { JoinOptions, SetupReport } from './defaults.js';

// VOICEWIRE_UDP=pool opts the default transport into the shared socket pool (createBunTransport's `udp`); Bun has
// no separate batched mode (its connected sends already go through sendmmsg), so `batched` keeps one socket each.
const udpEnv = process.env.VOICEWIRE_UDP;
if (udpEnv && udpEnv !== 'socket' && udpEnv !== 'batched' && udpEnv !== 'pool') process.emitWarning(`VOICEWIRE_UDP=${udpEnv} is not one of socket, batched, pool: UDP uses one connected socket per connection`, { code: 'VOICEWIRE_UDP' });
const pool = udpEnv === 'pool';
const defaultTransport = pool ? createBunTransport({ udp: 'pool' }) : bunTransport;

const api = makeApi(
  nodeLikeChoice(
    `bun ${(process.versions as { bun?: string }).bun ?? ''}`,
    defaultTransport,
    (ca) => createBunTransport({ ca: ca.join('\n'), ...(pool ? { udp: 'pool' as const } : {}) }),
    { provider: nobleProvider, label: 'noble (pure JavaScript, both modes)' },
    (message) => process.emitWarning(message, { code: 'VOICEWIRE_NO_DAVE' }),
    () => defaultTransport.describe(),
  ),
);

/**
 * Joins a voice channel: `joinVoiceChannel({ guildId, channelId, adapterCreator })` is enough. Transport, crypto
 * provider and DAVE are chosen for this runtime; pass any of them to override (`e2ee: false` turns DAVE off, with
 * a warning: Discord requires it outside Stage channels).
 */
export const joinVoiceChannel = api.joinVoiceChannel;

/** What voicewire chose and why (runtime, transport, crypto provider and modes, DAVE, Opus, ffmpeg): paste it into bug reports. */
export const describeSetup = api.describeSetup;
