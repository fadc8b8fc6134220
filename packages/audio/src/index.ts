/**
 * @voicewire/audio — Ogg Opus, Opus codec, ffmpeg input, the AudioPlayer and recording.
 *
 * @module @voicewire/audio
 */
export * from './errors.js';
export * from './opus-toc.js';
export { OggOpusDemuxer, demuxOggOpus, type OpusHead } from './ogg-demux.js';
export { WebmOpusDemuxer, demuxWebmOpus, MAX_BUFFERED_ELEMENT } from './webm-demux.js';
export { OggOpusMuxer, muxOggOpus, type OggOpusMuxerOptions } from './ogg-mux.js';
export { oggCrc } from './ogg-crc.js';
export * from './pcm.js';
export * from './resource.js';
export { createFfmpegResource, killChild, probeFfmpeg, type FfmpegOptions } from './ffmpeg.js';
export * from './player.js';
export * from './recorder.js';
export * from './listen.js';
export { Mixer, type MixerTrack, type MixerTrackOptions } from './mixer.js';
export { MediaEngine, defaultEngine, type CycleClient, type EngineTimers, type MediaEngineOptions } from './media-engine.js';
