/**
 * Any file or URL ffmpeg can read, as an AudioResource: spawns the system `ffmpeg` to produce Ogg Opus (20 ms
 * frames, passed through) or PCM (encoded by us, with volume). The child is killed on every exit path: end,
 * close(), error, and the parent process exiting.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { AudioError } from './errors.js';
import { assertFile, createOggOpusResource, createPcmResource, createSeekableResource, type AudioResource } from './resource.js';

const probes = new Map<string, { readonly found: boolean; readonly version: string }>();

/**
 * Whether ffmpeg runs at `path` (default: `ffmpeg` on PATH), and its version line: `<path> -version` runs once
 * per path and is remembered. The one ffmpeg probe of voicewire (describeSetup, the drop-in's dependency report
 * and its search for ffmpeg use it).
 */
export function probeFfmpeg(path = 'ffmpeg'): { readonly found: boolean; readonly version: string } {
  let p = probes.get(path);
  if (!p) {
    const r = spawnSync(path, ['-version'], { encoding: 'utf8', timeout: 5_000 });
    p = r.status === 0 ? { found: true, version: (r.stdout.split('\n')[0] ?? 'ffmpeg').trim() } : { found: false, version: '' };
    probes.set(path, p);
  }
  return p;
}

export interface FfmpegOptions {
  /** Path of the ffmpeg binary (default: `ffmpeg` on PATH). */
  readonly ffmpegPath?: string;
  /** 'ogg' (default): ffmpeg encodes Opus; 'pcm': ffmpeg decodes to PCM and voicewire encodes (volume works). */
  readonly output?: 'ogg' | 'pcm';
  readonly volume?: number;
  /** Extra input arguments placed before `-i` (e.g. ['-re']). Seek with `startAtMs` or `seek()`, not `-ss`. */
  readonly inputArgs?: readonly string[];
  /** Start this far into the input (ms): ffmpeg seeks there (`-ss` before `-i`). */
  readonly startAtMs?: number;
}

/**
 * SIGKILL for a child that has not exited, by its own pid and never through `ChildProcess.kill()`: once libuv has
 * reaped a child whose exit Node could not report any more (a process on its way out), the handle's pid is 0 and
 * `kill()` sends the signal to pid 0 — the caller's whole process group (seen: a test worker exiting with ffmpeg
 * children took the test runner and its shell with it). Never throws.
 */
export function killChild(child: Pick<ChildProcess, 'pid' | 'exitCode' | 'signalCode'>): void {
  const pid = child.pid;
  if (child.exitCode !== null || child.signalCode !== null || typeof pid !== 'number' || !Number.isInteger(pid) || pid <= 0) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone already (ESRCH)
  }
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;
function trackChild(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const c of live) killChild(c);
    });
  }
}

/**
 * Anything ffmpeg reads, as a resource: a file path, a URL, or the bytes themselves as a Node `Readable` or any
 * async iterable of bytes (what yt-dlp, play-dl and fetch bodies give), piped into ffmpeg's stdin. A path that
 * is not a file throws E_FILE_NOT_FOUND at once. A path or URL can seek (ffmpeg is started again with `-ss`);
 * piped bytes can only start at `startAtMs`, since they cannot be read twice.
 */
export function createFfmpegResource(input: string | AsyncIterable<Uint8Array>, options: FfmpegOptions & { title?: string } = {}): AudioResource {
  const piped = typeof input !== 'string';
  if (!piped && !/^[a-z][a-z0-9+.-]*:/i.test(input)) assertFile(input);
  const title = options.title ?? (piped ? 'stream' : input);
  if (piped) return spawnFfmpeg(input, title, options, options.startAtMs ?? 0);
  return createSeekableResource(title, (startMs) => spawnFfmpeg(input, title, options, startMs), options.startAtMs ?? 0);
}

/** One ffmpeg run from `startMs` on. */
function spawnFfmpeg(input: string | AsyncIterable<Uint8Array>, title: string, options: FfmpegOptions, startMs: number): AudioResource {
  const ffmpeg = options.ffmpegPath ?? 'ffmpeg';
  const output = options.output ?? 'ogg';
  const piped = typeof input !== 'string';
  const args = [
    '-hide_banner', '-loglevel', 'error', ...(piped ? [] : ['-nostdin']),
    ...(options.inputArgs ?? []),
    ...(startMs > 0 ? ['-ss', (startMs / 1000).toFixed(3)] : []),
    '-i', piped ? 'pipe:0' : input,
    '-vn', '-ar', '48000', '-ac', '2',
    ...(output === 'ogg' ? ['-c:a', 'libopus', '-b:a', '96k', '-frame_duration', '20', '-f', 'ogg'] : ['-f', 's16le']),
    'pipe:1',
  ];
  const child = spawn(ffmpeg, args, { stdio: [piped ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
  trackChild(child);
  if (piped) void feed(child, input);
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    if (stderr.length < 4000) stderr += d.toString();
  });
  const kill = (): void => killChild(child);
  const failure = new Promise<never>((_, reject) => {
    child.once('error', (e: NodeJS.ErrnoException) => {
      reject(e.code === 'ENOENT' ? new AudioError('E_FFMPEG_MISSING', `ffmpeg was not found (${ffmpeg}); install it (e.g. apt-get install ffmpeg) or pass ffmpegPath`) : new AudioError('E_FFMPEG_FAILED', `could not start ffmpeg: ${e.message}`));
    });
    child.once('exit', (code, signal) => {
      if (code !== 0 && signal !== 'SIGKILL') reject(new AudioError('E_FFMPEG_FAILED', `ffmpeg exited with ${code ?? signal} for ${title}: ${stderr.trim().split('\n').slice(-3).join(' | ') || 'no message'}`));
    });
  });
  failure.catch(() => {}); // observed through read()
  // Read from ffmpeg's stdout now, not when the track starts: Node discards the unread output of a child that
  // exits before anyone listened (a short file queued behind another is transcoded long before it plays). The
  // first chunk is requested at once, which marks the pipe as used; the rest waits in the pipe (backpressure).
  const it = (child.stdout as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
  const first = it.next();
  first.catch(() => {}); // observed through read()
  // stdout, but failing as soon as ffmpeg fails
  async function* bytes(): AsyncGenerator<Uint8Array> {
    let total = 0;
    for (let next = first; ; next = it.next()) {
      const r = await Promise.race([next, failure]);
      if (r.done) break;
      total += r.value.length;
      yield r.value;
    }
    // stdout ended: wait for the exit status so a failing ffmpeg is reported, not mistaken for a short file
    await Promise.race([new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve()))), failure]);
    if (total === 0 && child.signalCode !== 'SIGKILL') {
      throw new AudioError('E_FFMPEG_NO_OUTPUT', `ffmpeg exited without writing any audio for ${title}${stderr.trim() ? `: ${stderr.trim().split('\n').slice(-3).join(' | ')}` : ' (is there an audio stream in it?)'}`);
    }
  }
  return output === 'ogg' ? createOggOpusResource(bytes(), { title, onClose: kill }) : createPcmResource(bytes(), { title, volume: options.volume ?? 1, onClose: kill });
}

/** Copies the source into ffmpeg's stdin with backpressure; ffmpeg exiting early (EPIPE) just ends the copy. */
async function feed(child: ChildProcess, source: AsyncIterable<Uint8Array>): Promise<void> {
  const stdin = child.stdin;
  if (!stdin) return;
  stdin.on('error', () => {}); // EPIPE when ffmpeg has had enough or was killed: not an error of ours
  try {
    for await (const chunk of source) {
      if (stdin.destroyed) break;
      if (!stdin.write(chunk)) await new Promise<void>((resolve) => {
        const done = (): void => {
          stdin.off('drain', done);
          stdin.off('close', done);
          resolve();
        };
        stdin.once('drain', done);
        stdin.once('close', done);
      });
    }
  } catch {
    // the source failed: ffmpeg sees a truncated input and reports it through its exit status
  } finally {
    if (!stdin.destroyed) stdin.end();
    const s = source as { destroy?: () => void };
    if (child.exitCode !== null || child.signalCode !== null) s.destroy?.();
  }
}
