/**
 * @voicewire/discordjs — @discordjs/voice 0.19's public API on voicewire. Change
 * `from '@discordjs/voice'` to `from '@voicewire/discordjs'`; nothing else.
 *
 * @module @voicewire/discordjs
 */
import { EventEmitter, once } from 'node:events';
import { describeSetup } from 'voicewire';
import { probeFfmpeg } from '@voicewire/audio';
import { findFfmpeg } from './resource.js';
import type { AudioPlayer } from './player.js';
import type { AudioPlayerStatus, VoiceConnectionStatus } from './enums.js';
import type { VoiceConnection } from './connection.js';
import { createRequire } from 'node:module';

export * from './enums.js';
export { AudioResource, createAudioResource, demuxProbe, validateDiscordOpusHead, VolumeTransformer, type CreateAudioResourceOptions, type Edge, type ProbeInfo } from './resource.js';
export { AudioPlayer, AudioPlayerError, createAudioPlayer, PlayerSubscription, type AudioPlayerBufferingState, type AudioPlayerIdleState, type AudioPlayerPausedState, type AudioPlayerPlayingState, type AudioPlayerState, type CreateAudioPlayerOptions } from './player.js';
export {
  getGroups,
  getVoiceConnection,
  getVoiceConnections,
  joinVoiceChannel,
  VoiceConnection,
  type CreateVoiceConnectionOptions,
  type JoinConfig,
  type JoinVoiceChannelOptions,
  type VoiceConnectionConnectingState,
  type VoiceConnectionDestroyedState,
  type VoiceConnectionDisconnectedBaseState,
  type VoiceConnectionDisconnectedOtherState,
  type VoiceConnectionDisconnectedState,
  type VoiceConnectionDisconnectedWebSocketState,
  type VoiceConnectionReadyState,
  type VoiceConnectionSignallingState,
  type VoiceConnectionState,
  type VoicewireJoinExtras,
} from './connection.js';
export { AudioReceiveStream, createDefaultAudioReceiveStreamOptions, SpeakingMap, SSRCMap, VoiceReceiver, type AudioReceiveStreamOptions, type EndBehavior, type VoiceUserData } from './receiver.js';
export type { DiscordGatewayAdapterCreator, DiscordGatewayAdapterImplementerMethods, DiscordGatewayAdapterLibraryMethods } from '@voicewire/voice';

/** The @discordjs/voice version whose API this package follows. */
export const version = '0.19.2';

/**
 * Waits until a connection or player is in `status` (resolves at once if it is), for at most `timeoutOrSignal`
 * milliseconds or until the signal aborts. Rejects with an AbortError otherwise.
 */
export function entersState(target: VoiceConnection, status: VoiceConnectionStatus, timeoutOrSignal: AbortSignal | number): Promise<VoiceConnection>;
export function entersState(target: AudioPlayer, status: AudioPlayerStatus, timeoutOrSignal: AbortSignal | number): Promise<AudioPlayer>;
export async function entersState<T extends VoiceConnection | AudioPlayer>(target: T, status: VoiceConnectionStatus | AudioPlayerStatus, timeoutOrSignal: AbortSignal | number): Promise<T> {
  if (target.state.status === status) return target;
  const ac = typeof timeoutOrSignal === 'number' ? new AbortController() : null;
  const signal = ac ? ac.signal : (timeoutOrSignal as AbortSignal);
  const timer = ac ? setTimeout(() => ac.abort(), timeoutOrSignal as number) : undefined;
  try {
    await once(target as EventEmitter, status, { signal });
    return target;
  } finally {
    clearTimeout(timer);
  }
}

/** What this package runs on, for bug reports: voicewire's choices (transport, crypto, DAVE, Opus) and ffmpeg. */
export function generateDependencyReport(): string {
  const s = describeSetup();
  const require = createRequire(import.meta.url);
  const versionOf = (name: string): string => {
    try {
      return (require(`${name}/package.json`) as { version: string }).version;
    } catch {
      return 'not found';
    }
  };
  const ffmpeg = findFfmpeg();
  const probe = probeFfmpeg(ffmpeg);
  const ffmpegLine = probe.found ? `${probe.version} (${ffmpeg})` : 'not found (install ffmpeg or ffmpeg-static for StreamType.Arbitrary; Ogg and WebM Opus need none)';
  return [
    '-'.repeat(50),
    'Core Dependencies',
    `- @voicewire/discordjs: ${versionOf('@voicewire/discordjs')} (API of @discordjs/voice ${version})`,
    `- voicewire: ${versionOf('voicewire')}`,
    `- runtime: ${s.runtime}`,
    '',
    'Transport and encryption',
    `- transport: ${s.transport}`,
    `- crypto provider: ${s.crypto.provider} (${s.crypto.modes.join(', ')}) — ${s.crypto.why}`,
    `- DAVE: ${s.dave.provider}, protocol version ${s.dave.maxProtocolVersion}`,
    '',
    'Opus',
    `- ${s.opus.available ? s.opus.detail : `none: ${s.opus.detail}`}`,
    '',
    'FFmpeg',
    `- ${ffmpegLine}`,
    '-'.repeat(50),
  ].join('\n');
}
