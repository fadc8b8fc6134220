/** What the offline and the Discord paths share: playing a clip into a connection and summarising it. */
import { AudioPlayer, createFfmpegResource, createOggOpusFileResource, type AudioResource } from '@voicewire/audio';
import type { VoiceConnection } from '@voicewire/voice';

export const CLIP_PATH = new URL('../assets/clip.ogg', import.meta.url).pathname;

export function resourceFor(path: string): AudioResource {
  return path.endsWith('.ogg') || path.endsWith('.opus') ? createOggOpusFileResource(path) : createFfmpegResource(path);
}

/** Plays `resource` into `connection` and resolves with the number of frames sent when the player is idle. */
export function play(connection: VoiceConnection, resource: AudioResource, onProgress: (frames: number) => void): Promise<{ frames: number; error?: Error }> {
  const player = new AudioPlayer({ progressEvery: 10 });
  player.subscribe(connection);
  return new Promise((resolve) => {
    let result: { frames: number; error?: Error } = { frames: 0 };
    player.on('progress', (p) => onProgress(p.frames));
    player.on('end', (e) => (result = e.error ? { frames: e.frames, error: e.error } : { frames: e.frames }));
    player.once('idle', () => resolve(result));
    player.enqueue(resource);
  });
}

export function progressLine(text: string): void {
  if (process.stdout.isTTY) process.stdout.write(`\r${text.padEnd(100)}`);
  else console.log(text);
}
