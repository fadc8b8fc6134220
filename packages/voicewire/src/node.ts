/**
 * voicewire for Node: transport-node, the fastest crypto provider that loads (sodium-native, else node:crypto),
 * DAVE on, and the whole voice and audio API from one import.
 *
 * @module voicewire
 */
import { nodeProvider } from '@voicewire/crypto-node';
import { createNodeTransport, nodeTransport, type NodeUdpMode } from '@voicewire/transport-node';
import { makeApi, nodeLikeChoice } from './defaults.js';

export * from '@voicewire/voice';
export * from '@voicewire/audio';
export { daveProvider } from '@voicewire/crypto-dave';
export { createNodeTransport, nodeTransport } from '@voicewire/transport-node';
export type { NodeTransport, NodeTransportOptions, NodeUdpMode } from '@voicewire/transport-node';
// Both runtimes' transports, so that code type-checks the same whichever entry the type checker picks; each
// works on its own runtime (the other reports a clear connection failure).
export { bunTransport, createBunTransport } from '@voicewire/transport-bun';
export type { JoinOptions, SetupReport } from './defaults.js';

// VOICEWIRE_UDP=batched or =pool opts the default transport into batched UDP sends (see createNodeTransport's `udp`).
const udpEnv = process.env.VOICEWIRE_UDP;
const udpMode: NodeUdpMode | undefined = udpEnv === 'socket' || udpEnv === 'batched' || udpEnv === 'pool' ? udpEnv : undefined;
if (udpEnv && !udpMode) process.emitWarning(`VOICEWIRE_UDP=${udpEnv} is not one of socket, batched, pool: UDP uses one connected socket per connection`, { code: 'VOICEWIRE_UDP' });
const defaultTransport = udpMode && udpMode !== 'socket' ? createNodeTransport({ udp: udpMode }) : nodeTransport;

const api = makeApi(
  nodeLikeChoice(
    `node ${process.versions.node}`,
    defaultTransport,
    (ca) => createNodeTransport({ ca, ...(udpMode ? { udp: udpMode } : {}) }),
    { provider: nodeProvider, label: 'node:crypto (AES-256-GCM when offered, else XChaCha20-Poly1305)' },
    (message) => process.emitWarning(message, { code: 'VOICEWIRE_NO_DAVE' }),
    // asked when describeSetup() is called: importing voicewire does not load the add-on
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
