/**
 * Audio resources: something the player can read 20 ms Opus frames from. Ogg Opus passes through without
 * re-encoding; PCM is encoded (with a volume); anything else goes through ffmpeg (ffmpeg.ts).
 */
import { createReadStream, statSync } from 'node:fs';
import { AudioError } from './errors.js';
import { OggOpusDemuxer } from './ogg-demux.js';
import { WebmOpusDemuxer } from './webm-demux.js';
import { applyVolume, OpusCodec, pcmFrames } from './pcm.js';

export interface AudioResource {
  readonly title: string;
  /** The next 20 ms Opus frame, or null at the end. Rejects with an AudioError on bad input. */
  read(): Promise<Uint8Array | null>;
  /** Releases what the resource holds (files, child processes). Idempotent. */
  close(): void;
  /** Volume for PCM resources (1 = unchanged); absent for Opus passthrough. */
  volume?: number;
  /**
   * Optional fast path: the next frame if one is ready now, null at the end, undefined when read() must wait.
   * The player tries it first, so buffered frames cost no promise.
   */
  readSync?(): Uint8Array | null | undefined;
}

interface Demuxer {
  push(chunk: Uint8Array): Uint8Array[];
  end(): void;
}

/**
 * Frames demuxed from a byte stream, buffered per chunk: read() pulls the next chunk only when the frames of the
 * last one are used up, and readSync() hands out buffered frames synchronously.
 */
class DemuxedResource implements AudioResource {
  private frames: Uint8Array[] = [];
  private head = 0;
  private done = false;
  private closed = false;
  private readonly it: Iterator<Uint8Array> | AsyncIterator<Uint8Array>;
  constructor(readonly title: string, bytes: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, private readonly demuxer: Demuxer, private readonly onClose: () => void = () => {}) {
    this.it = Symbol.asyncIterator in bytes ? (bytes as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]() : (bytes as Iterable<Uint8Array>)[Symbol.iterator]();
  }

  readSync(): Uint8Array | null | undefined {
    if (this.head < this.frames.length) return this.frames[this.head++] as Uint8Array;
    return this.done || this.closed ? null : undefined;
  }

  async read(): Promise<Uint8Array | null> {
    for (;;) {
      const f = this.readSync();
      if (f !== undefined) {
        if (f === null) this.close();
        return f;
      }
      const r = await this.it.next();
      if (this.closed) return null;
      if (r.done) {
        this.done = true;
        this.demuxer.end();
        continue;
      }
      this.frames = this.demuxer.push(r.value);
      this.head = 0;
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.frames = [];
    void this.it.return?.(undefined);
    this.onClose();
  }
}

/** Ogg Opus bytes → frames, passed through unchanged. */
export function createOggOpusResource(bytes: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, options: { title?: string; onClose?: () => void } = {}): AudioResource {
  return new DemuxedResource(options.title ?? 'ogg opus', bytes, new OggOpusDemuxer(), options.onClose);
}

/** WebM/Matroska Opus bytes → the frames of the first Opus track, passed through unchanged. */
export function createWebmOpusResource(bytes: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, options: { title?: string; onClose?: () => void } = {}): AudioResource {
  return new DemuxedResource(options.title ?? 'webm opus', bytes, new WebmOpusDemuxer(), options.onClose);
}

/** Throws a clear AudioError when `path` is not a readable file (instead of a raw ENOENT later, mid-playback). */
export function assertFile(path: string): void {
  let isFile = false;
  try {
    isFile = statSync(path).isFile();
  } catch {
    throw new AudioError('E_FILE_NOT_FOUND', `no such file: ${path} (relative paths resolve from ${process.cwd()})`);
  }
  if (!isFile) throw new AudioError('E_FILE_NOT_FOUND', `${path} is not a file`);
}

/** An Ogg Opus file on disk. Throws E_FILE_NOT_FOUND at once when there is no such file. */
export function createOggOpusFileResource(path: string, title = path): AudioResource {
  assertFile(path);
  const stream = createReadStream(path);
  return createOggOpusResource(stream as AsyncIterable<Uint8Array>, { title, onClose: () => stream.destroy() });
}

/** 48 kHz stereo s16le PCM bytes → Opus frames, with a volume the player or caller can change while playing. */
export function createPcmResource(pcm: AsyncIterable<Uint8Array>, options: { title?: string; volume?: number; onClose?: () => void } = {}): AudioResource {
  const codec = new OpusCodec();
  const frames = pcmFrames(pcm)[Symbol.asyncIterator]();
  const resource: AudioResource & { volume: number } = {
    title: options.title ?? 'pcm',
    volume: options.volume ?? 1,
    async read() {
      const r = await frames.next();
      if (r.done) return null;
      applyVolume(r.value, resource.volume);
      return codec.encode(r.value);
    },
    close() {
      void frames.return?.(undefined);
      codec.close();
      options.onClose?.();
    },
  };
  return resource;
}

/** Frames already in memory (e.g. a clip decoded earlier). */
export function createFramesResource(frames: readonly Uint8Array[], title = 'frames'): AudioResource {
  let i = 0;
  const next = (): Uint8Array | null => (i < frames.length ? (frames[i++] as Uint8Array) : null);
  return { title, read: async () => next(), readSync: next, close: () => (i = frames.length) };
}
