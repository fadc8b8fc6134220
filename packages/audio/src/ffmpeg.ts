/**
 * Any file or URL ffmpeg can read, as an AudioResource: spawns the system `ffmpeg` to produce Ogg Opus (20 ms
 * frames, passed through) or PCM (encoded by us, with volume). The child is killed on every exit path: end,
 * close(), error, and the parent process exiting.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { AudioError } from './errors.js';
import { createOggOpusResource, createPcmResource, type AudioResource } from './resource.js';

export interface FfmpegOptions {
  /** Path of the ffmpeg binary (default: `ffmpeg` on PATH). */
  readonly ffmpegPath?: string;
  /** 'ogg' (default): ffmpeg encodes Opus; 'pcm': ffmpeg decodes to PCM and voicewire encodes (volume works). */
  readonly output?: 'ogg' | 'pcm';
  readonly volume?: number;
  /** Extra input arguments placed before `-i` (e.g. ['-re'] or seeking). */
  readonly inputArgs?: readonly string[];
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;
function trackChild(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const c of live) c.kill('SIGKILL');
    });
  }
}

export function createFfmpegResource(input: string, options: FfmpegOptions = {}): AudioResource {
  const ffmpeg = options.ffmpegPath ?? 'ffmpeg';
  const output = options.output ?? 'ogg';
  const args = [
    '-hide_banner', '-loglevel', 'error', '-nostdin',
    ...(options.inputArgs ?? []),
    '-i', input,
    '-vn', '-ar', '48000', '-ac', '2',
    ...(output === 'ogg' ? ['-c:a', 'libopus', '-b:a', '96k', '-frame_duration', '20', '-f', 'ogg'] : ['-f', 's16le']),
    'pipe:1',
  ];
  const child = spawn(ffmpeg, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  trackChild(child);
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    if (stderr.length < 4000) stderr += d.toString();
  });
  const kill = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  const failure = new Promise<never>((_, reject) => {
    child.once('error', (e: NodeJS.ErrnoException) => {
      reject(e.code === 'ENOENT' ? new AudioError('E_FFMPEG_MISSING', `ffmpeg was not found (${ffmpeg}); install it (e.g. apt-get install ffmpeg) or pass ffmpegPath`) : new AudioError('E_FFMPEG_FAILED', `could not start ffmpeg: ${e.message}`));
    });
    child.once('exit', (code, signal) => {
      if (code !== 0 && signal !== 'SIGKILL') reject(new AudioError('E_FFMPEG_FAILED', `ffmpeg exited with ${code ?? signal} for ${input}: ${stderr.trim().split('\n').slice(-3).join(' | ') || 'no message'}`));
    });
  });
  failure.catch(() => {}); // observed through read()
  // stdout, but failing as soon as ffmpeg fails
  async function* bytes(): AsyncGenerator<Uint8Array> {
    const it = (child.stdout as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
    for (;;) {
      const r = await Promise.race([it.next(), failure]);
      if (r.done) break;
      yield r.value;
    }
    // stdout ended: wait for the exit status so a failing ffmpeg is reported, not mistaken for a short file
    await Promise.race([new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', () => resolve()))), failure]);
  }
  const title = input;
  return output === 'ogg' ? createOggOpusResource(bytes(), { title, onClose: kill }) : createPcmResource(bytes(), { title, volume: options.volume ?? 1, onClose: kill });
}
