/**
 * Audio resources: something the player can read 20 ms Opus frames from. Ogg Opus passes through without
 * re-encoding; PCM is encoded (with a volume); anything else goes through ffmpeg (ffmpeg.ts).
 */
import { createReadStream, statSync } from 'node:fs';
import { AudioError } from './errors.js';
import { FrameQueue } from './frame-queue.js';
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
  volume?: number | undefined;
  /**
   * Optional fast path: the next frame if one is ready now, null at the end, undefined when read() must wait.
   * The player tries it first, so buffered frames cost no promise.
   */
  readSync?(): Uint8Array | null | undefined;
  /**
   * Where the next frame lies in the track (ms), for resources that know it (a seekable resource, or one that
   * started at `startAtMs`); the player then reports it as `playbackDurationMs`.
   */
  readonly positionMs?: number;
  /**
   * Moves the resource so that its next frame is the one at `ms`: file-backed resources (Ogg and WebM files, and
   * ffmpeg reading a path or URL) have it. A read that was under way when seek() was called returns a frame from
   * the new position.
   */
  seek?(ms: number): void;
}

/** What a resource opened at a position looks like: frames from `startMs` on. */
export type OpenAt = (startMs: number) => AudioResource;

/**
 * A resource that can seek: it plays what `open(startMs)` gives, and seek() closes that and opens again at the
 * new position (a file read again from the start and skipped by its timestamps, or ffmpeg started with -ss).
 * Position = where it was opened + 20 ms per frame read since.
 */
class SeekableResource implements AudioResource {
  private inner: AudioResource;
  private startMs: number;
  private frames = 0;
  /** Bumped by seek(): a read that was waiting on the old inner resource is not returned. */
  private generation = 0;
  private closed = false;
  private vol: number | undefined;

  constructor(readonly title: string, private readonly open: OpenAt, startMs = 0) {
    this.startMs = checkPosition(startMs);
    this.inner = open(this.startMs);
    this.vol = this.inner.volume;
  }

  get positionMs(): number {
    return this.startMs + this.frames * 20;
  }

  get volume(): number | undefined {
    return this.vol;
  }

  set volume(v: number | undefined) {
    this.vol = v;
    if (this.inner.volume !== undefined && v !== undefined) this.inner.volume = v;
  }

  readSync(): Uint8Array | null | undefined {
    if (this.closed) return null;
    const f = this.inner.readSync?.();
    if (f) this.frames++;
    return f;
  }

  async read(): Promise<Uint8Array | null> {
    for (;;) {
      if (this.closed) return null;
      const generation = this.generation;
      let f: Uint8Array | null;
      try {
        f = await this.inner.read();
      } catch (e) {
        if (generation !== this.generation) continue; // the old source failed as it was closed by seek()
        throw e;
      }
      if (generation !== this.generation) continue; // seek() replaced the source meanwhile: read from the new one
      if (f) this.frames++;
      return f;
    }
  }

  seek(ms: number): void {
    if (this.closed) throw new AudioError('E_SEEK_UNSUPPORTED', `${this.title} was closed: it cannot seek`);
    const at = checkPosition(ms);
    this.generation++;
    this.inner.close();
    this.inner = this.open(at);
    if (this.vol !== undefined && this.inner.volume !== undefined) this.inner.volume = this.vol;
    this.startMs = at;
    this.frames = 0;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.inner.close();
  }
}

function checkPosition(ms: number): number {
  if (!(Number.isFinite(ms) && ms >= 0)) throw new RangeError(`a position must be a finite number of milliseconds ≥ 0, got ${String(ms)}`);
  return ms;
}

/** A seekable resource: `open(startMs)` makes the frames from that position on (used by the file and ffmpeg resources). */
export function createSeekableResource(title: string, open: OpenAt, startAtMs = 0): AudioResource {
  return new SeekableResource(title, open, startAtMs);
}

interface Demuxer {
  push(chunk: Uint8Array): Uint8Array[];
  end(): void;
}

/**
 * Frames demuxed from a byte stream. readSync() hands out buffered frames synchronously; the next chunk is asked
 * for before the buffer runs dry (when fewer than `readAheadFrames` are left), so a steady source never makes
 * the player miss a 20 ms cycle at a chunk boundary. A synchronous source (an array of chunks) is read in place,
 * without a promise. read() waits for the chunk under way, if any, on its promise.
 */
class DemuxedResource implements AudioResource {
  /** Frames not yet handed out. */
  private readonly frames = new FrameQueue();
  /** The source has ended and the demuxer was told so. */
  private done = false;
  private closed = false;
  /** A failure of the source or the demuxer, thrown once the frames before it are used up. */
  private failure: unknown = null;
  /** The chunks being read from an async source. */
  private pulling: Promise<void> | null = null;
  /** read() calls waiting for the next chunk. */
  private waiters: (() => void)[] = [];
  private readonly it: Iterator<Uint8Array> | AsyncIterator<Uint8Array>;
  private readonly sync: boolean;

  constructor(readonly title: string, bytes: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, private readonly demuxer: Demuxer, private readonly onClose: () => void = () => {}, private readonly readAheadFrames = 50) {
    this.sync = !(Symbol.asyncIterator in bytes);
    this.it = this.sync ? (bytes as Iterable<Uint8Array>)[Symbol.iterator]() : (bytes as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
  }

  readSync(): Uint8Array | null | undefined {
    if (this.closed) return null;
    if (this.sync) this.fillSync();
    else if (this.frames.size <= this.readAheadFrames) this.pull();
    const frame = this.frames.shift();
    if (frame !== undefined) return frame;
    if (this.failure !== null) throw this.failure;
    return this.done ? null : undefined;
  }

  async read(): Promise<Uint8Array | null> {
    for (;;) {
      const f = this.readSync();
      if (f !== undefined) {
        if (f === null) this.close();
        return f;
      }
      // undefined: an async source, neither done nor failed, with a chunk under way (readSync started one); the
      // next chunk to arrive (or the end, a failure, close()) wakes this read
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.frames.clear();
    this.wake();
    try {
      void (this.it.return?.(undefined) as Promise<unknown> | undefined)?.catch?.(() => {});
    } catch {
      // a source that fails to close is closed as far as we are concerned
    }
    this.onClose();
  }

  /** Takes the frames of one chunk (or the end of the source) into the buffer. */
  private take(r: IteratorResult<Uint8Array>): void {
    if (r.done) {
      this.done = true;
      this.demuxer.end();
      return;
    }
    // the views die here, young: the queue keeps where each frame lies, and makes its view when it is taken
    this.frames.add(this.demuxer.push(r.value));
  }

  /** Synchronous source: chunks are read until a frame is buffered or the source ends. */
  private fillSync(): void {
    while (this.frames.size === 0 && !this.done && this.failure === null) {
      try {
        this.take((this.it as Iterator<Uint8Array>).next());
      } catch (e) {
        this.failure = e;
      }
    }
  }

  /** Async source: reads chunks in the background until the buffer holds more than the read-ahead, or the end. */
  private pull(): void {
    if (this.pulling || this.done || this.failure !== null || this.closed) return;
    // assigned before the chain can settle: finally() runs in a later microtask
    this.pulling = this.pullChunks().finally(() => {
      this.pulling = null;
      this.wake();
    });
  }

  private wake(): void {
    if (this.waiters.length === 0) return;
    const w = this.waiters;
    this.waiters = [];
    for (const resolve of w) resolve();
  }

  private async pullChunks(): Promise<void> {
    try {
      while (!this.closed && !this.done && this.frames.size <= this.readAheadFrames) {
        const r = await (this.it as AsyncIterator<Uint8Array>).next();
        if (this.closed) return;
        this.take(r);
        this.wake();
      }
    } catch (e) {
      if (!this.closed) this.failure = e;
    }
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

export interface FileResourceOptions {
  readonly title?: string;
  /** Start this far into the track (ms). The resource can also seek() later. */
  readonly startAtMs?: number;
}

/**
 * An Ogg Opus file on disk, passed through. It can seek: the file is read again and the frames before the
 * position dropped by the pages' granule positions. Throws E_FILE_NOT_FOUND at once when there is no such file.
 */
export function createOggOpusFileResource(path: string, options: string | FileResourceOptions = {}): AudioResource {
  return fileResource(path, typeof options === 'string' ? { title: options } : options, (startMs) => new OggOpusDemuxer({ startMs }));
}

/**
 * A WebM/Matroska file with an Opus track (what YouTube serves), passed through. It can seek: the file is read
 * again and the blocks before the position dropped by their cluster and block timecodes. Throws
 * E_FILE_NOT_FOUND at once when there is no such file.
 */
export function createWebmOpusFileResource(path: string, options: FileResourceOptions = {}): AudioResource {
  return fileResource(path, options, (startMs) => new WebmOpusDemuxer({ startMs }));
}

/** A container file on disk, seekable: each seek reads the file again through a demuxer that drops what lies before. */
function fileResource(path: string, options: FileResourceOptions, demuxerAt: (startMs: number) => Demuxer): AudioResource {
  assertFile(path);
  const title = options.title ?? path;
  return new SeekableResource(title, (startMs) => {
    const stream = createReadStream(path);
    return new DemuxedResource(title, stream as AsyncIterable<Uint8Array>, demuxerAt(startMs), () => stream.destroy());
  }, options.startAtMs);
}

/** 48 kHz stereo s16le PCM bytes → Opus frames, with a volume the player or caller can change while playing. */
export function createPcmResource(pcm: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, options: { title?: string; volume?: number; onClose?: () => void } = {}): AudioResource {
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
