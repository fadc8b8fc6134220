/**
 * Audio resources: something the player can read 20 ms Opus frames from. Ogg Opus passes through without
 * re-encoding; PCM is encoded (with a volume); anything else goes through ffmpeg (ffmpeg.ts).
 */
import { createReadStream, statSync } from 'node:fs';
import { AudioError } from './errors.js';
import { demuxOggOpus } from './ogg-demux.js';
import { applyVolume, OpusCodec, pcmFrames } from './pcm.js';

export interface AudioResource {
  readonly title: string;
  /** The next 20 ms Opus frame, or null at the end. Rejects with an AudioError on bad input. */
  read(): Promise<Uint8Array | null>;
  /** Releases what the resource holds (files, child processes). Idempotent. */
  close(): void;
  /** Volume for PCM resources (1 = unchanged); absent for Opus passthrough. */
  volume?: number;
}

class IteratorResource implements AudioResource {
  private closed = false;
  constructor(readonly title: string, private readonly it: AsyncIterator<Uint8Array>, private readonly onClose: () => void = () => {}) {}
  async read(): Promise<Uint8Array | null> {
    if (this.closed) return null;
    const r = await this.it.next();
    if (r.done) {
      this.close();
      return null;
    }
    return r.value;
  }
  close(): void {
    if (this.closed) return;
    this.closed = true;
    void this.it.return?.(undefined);
    this.onClose();
  }
}

/** Ogg Opus bytes → frames, passed through unchanged. */
export function createOggOpusResource(bytes: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, options: { title?: string; onClose?: () => void } = {}): AudioResource {
  return new IteratorResource(options.title ?? 'ogg opus', demuxOggOpus(bytes)[Symbol.asyncIterator](), options.onClose);
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
  return { title, read: async () => (i < frames.length ? (frames[i++] as Uint8Array) : null), close: () => (i = frames.length) };
}
