import { describe, expect, it } from 'vitest';
import { FramePacer } from '@voicewire/voice-protocol';
import { sleep, until } from '@voicewire/testkit';
import { AudioPlayer, createFramesResource, type AudioResource, type OpusSink, type TrackEndReason } from '../src/index.js';

const frame = (n: number) => Uint8Array.of(0xfc, n & 0xff, n >> 8);

class Sink implements OpusSink {
  sent: number[] = [];
  stops = 0;
  sendOpusFrame(f: Uint8Array): boolean {
    this.sent.push((f[1] as number) | ((f[2] as number) << 8));
    return true;
  }
  stopSpeaking(): void {
    this.stops++;
  }
}

const ends = (p: AudioPlayer): { title: string; reason: TrackEndReason; frames: number }[] => {
  const out: { title: string; reason: TrackEndReason; frames: number }[] = [];
  p.on('end', (e) => out.push({ title: e.title, reason: e.reason, frames: e.frames }));
  return out;
};
const idle = (p: AudioPlayer) => new Promise<void>((r) => p.once('idle', r));

describe('FramePacer (fake clock)', () => {
  it('schedules frame n at start + n × 20 ms without drift', () => {
    const p = new FramePacer(20, 3);
    expect(p.next(1000)).toBe(0);
    expect(p.next(1001)).toBe(19);
    expect(p.next(1020)).toBe(20);
    expect(p.next(1059.5)).toBe(0.5);
  });
  it('catches up at most maxBurst frames, then restarts from now', () => {
    const p = new FramePacer(20, 3);
    p.next(0);
    expect(p.next(70)).toBe(0); // 3 frames late: allowed to burst
    expect(p.next(70)).toBe(0);
    expect(p.next(200)).toBe(0); // far behind: restart
    expect(p.resets).toBe(1);
    expect(p.next(200)).toBe(20);
  });
});

describe('AudioPlayer', () => {
  it('plays a queue into every subscribed sink, in order, then goes idle with the silence tail', async () => {
    const p = new AudioPlayer();
    const a = new Sink();
    const b = new Sink();
    p.subscribe(a);
    const unsub = p.subscribe(b);
    unsub();
    p.subscribe(b);
    const e = ends(p);
    const done = idle(p);
    p.enqueue(createFramesResource(Array.from({ length: 10 }, (_, i) => frame(i)), 'one'));
    p.enqueue(createFramesResource(Array.from({ length: 5 }, (_, i) => frame(100 + i)), 'two'));
    await done;
    expect(a.sent).toEqual([...Array.from({ length: 10 }, (_, i) => i), 100, 101, 102, 103, 104]);
    expect(b.sent).toEqual(a.sent);
    expect(e).toEqual([{ title: 'one', reason: 'finished', frames: 10 }, { title: 'two', reason: 'finished', frames: 5 }]);
    expect(a.stops).toBe(1);
    expect(p.state).toBe('idle');
  });

  it('a stalled source ends its track with "stalled"; the next track still plays', async () => {
    const p = new AudioPlayer({ stallTimeoutMs: 100 });
    const s = new Sink();
    p.subscribe(s);
    const e = ends(p);
    const stalled: AudioResource = { title: 'stuck', read: () => new Promise(() => {}), close: () => {} };
    const done = idle(p);
    p.enqueue(stalled);
    p.enqueue(createFramesResource([frame(7)], 'next'));
    await done;
    expect(e.map((x) => x.reason)).toEqual(['stalled', 'finished']);
    expect(s.sent).toEqual([7]);
  });

  it('a failing source ends its track with "error"; the player carries on', async () => {
    const p = new AudioPlayer();
    const s = new Sink();
    p.subscribe(s);
    const errors: string[] = [];
    p.on('end', (x) => x.error && errors.push(x.error.message));
    let n = 0;
    const failing: AudioResource = { title: 'bad', read: async () => (n++ < 2 ? frame(n) : Promise.reject(new Error('decoder exploded'))), close: () => {} };
    const done = idle(p);
    p.enqueue(failing);
    p.enqueue(createFramesResource([frame(9)], 'ok'));
    await done;
    expect(errors).toEqual(['decoder exploded']);
    expect(s.sent).toEqual([1, 2, 9]);
  });

  it('pause sends the silence tail and holds; resume continues; stop ends the track and clears the queue', async () => {
    const p = new AudioPlayer();
    const s = new Sink();
    p.subscribe(s);
    const e = ends(p);
    p.enqueue(createFramesResource(Array.from({ length: 200 }, (_, i) => frame(i)), 'long'));
    p.enqueue(createFramesResource([frame(999)], 'queued'));
    await until(() => s.sent.length >= 3, 5_000, 'the first frames to be sent');
    p.pause();
    expect(p.state).toBe('paused');
    expect(s.stops).toBe(1);
    const at = s.sent.length;
    await sleep(100); // time is the subject: five cycles pass and a paused player sends nothing in them
    expect(s.sent.length).toBe(at);
    p.resume();
    await until(() => s.sent.length > at, 5_000, 'the resumed player to send again');
    const done = idle(p);
    p.stop();
    await done;
    expect(e.map((x) => x.reason)).toEqual(['stopped']);
    expect(s.sent).not.toContain(999);
    expect(s.sent).toEqual(Array.from({ length: s.sent.length }, (_, i) => i));
  });

  it('volume applies to PCM resources and is validated', () => {
    const p = new AudioPlayer();
    const pcm: AudioResource = { title: 'pcm', volume: 1, read: async () => null, close: () => {} };
    p.enqueue(pcm);
    p.setVolume(0.25);
    expect(pcm.volume).toBe(0.25);
    expect(() => p.setVolume(-1)).toThrow(RangeError);
    p.stop();
  });
});
