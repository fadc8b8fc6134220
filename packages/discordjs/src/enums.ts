/**
 * The enums of @discordjs/voice 0.19, with the same names and the same values, so code that compares against
 * them or stores them keeps working.
 */
import { OPUS_SILENCE_FRAME } from '@voicewire/voice-protocol';

/** What a stream holds at one point of the pipeline. */
export enum StreamType {
  /** Unknown: anything ffmpeg can read. */
  Arbitrary = 'arbitrary',
  /** Opus in an Ogg container. */
  OggOpus = 'ogg/opus',
  /** An object-mode stream of Opus packets, ready to play. */
  Opus = 'opus',
  /** 48 kHz stereo signed 16-bit little-endian PCM. */
  Raw = 'raw',
  /** Opus in a WebM/Matroska container. */
  WebmOpus = 'webm/opus',
}

/** The steps a resource's input goes through, as listed in `AudioResource.edges`. */
export enum TransformerType {
  FFmpegOgg = 'ffmpeg ogg',
  FFmpegPCM = 'ffmpeg pcm',
  InlineVolume = 'volume transformer',
  OggOpusDemuxer = 'ogg/opus demuxer',
  OpusDecoder = 'opus decoder',
  OpusEncoder = 'opus encoder',
  WebmOpusDemuxer = 'webm/opus demuxer',
}

export enum NoSubscriberBehavior {
  /** Pause (AutoPaused) until a connection can play again. */
  Pause = 'pause',
  /** Keep reading the resource, sending to nobody. */
  Play = 'play',
  /** Stop and go Idle. */
  Stop = 'stop',
}

export enum AudioPlayerStatus {
  AutoPaused = 'autopaused',
  Buffering = 'buffering',
  Idle = 'idle',
  Paused = 'paused',
  Playing = 'playing',
}

export enum VoiceConnectionStatus {
  Connecting = 'connecting',
  Destroyed = 'destroyed',
  Disconnected = 'disconnected',
  Ready = 'ready',
  Signalling = 'signalling',
}

export enum VoiceConnectionDisconnectReason {
  WebSocketClose = 0,
  AdapterUnavailable = 1,
  EndpointRemoved = 2,
  Manual = 3,
}

export enum EndBehaviorType {
  Manual = 0,
  AfterSilence = 1,
  AfterInactivity = 2,
}

/** The Opus payload type Discord uses in RTP. */
export const RTP_OPUS_PAYLOAD_TYPE = 120;

/** One 20 ms Opus silence frame. */
export const SILENCE_FRAME = Buffer.from(OPUS_SILENCE_FRAME);
