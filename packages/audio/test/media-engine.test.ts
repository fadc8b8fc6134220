// The media engine on a fake clock: one cycle per 20 ms for every client, catch-up after a late timer bounded by
// maxBurst, the grid restarted beyond it, clients joining and leaving mid-cycle, a throwing client; and the
// AudioPlayer on it: buffered frames taken without a promise, a connection destroyed mid-cycle, a stalled resource.
import { describe, expect, it } from 'vitest';
import { AudioPlayer, createFramesResource, MediaEngine, type AudioResource, type CycleClient, type EngineTimers, type OpusSink, type TrackEndReason } from '../src/index.js';

/** A manual clock and timer: advance() fires what is due, in order, letting promises settle in between. */
class FakeTimers implements EngineTimers {
  t = 0;
  private pending: { at: number; fn: () => void; id: number }[] = [];
  private ids = 0;
  now = (): number => this.t;
  set = (fn: () => void, ms: number): unknown => {
    const id = ++this.ids;
    this.pending.push({ at: this.t + ms, fn, id });
    return id;
  };
  /** The event loop is busy for `ms`: time passes and no timer fires; the overdue one fires at the next advance. */
  block(ms: number): void {
    this.t += ms;
  }
  clear = (h: unknown): void => {
    this.pending = this.pending.filter((p) => p.id !== h);
  };
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      this.pending.sort((a, b) => a.at - b.at);
      const next = this.pending[0];
      if (!next || next.at > end) break;
      this.pending.shift();
      this.t = Math.max(this.t, next.at);
      next.fn();
      for (let i = 0; i < 5; i++) await Promise.resolve();
    }
    this.t = end;
  }
}

const counter = (): CycleClient & { calls: number[] } => {
  const c = { calls: [] as number[], cycle: (now: number) => void c.calls.push(now) };
  return c;
};

describe('MediaEngine (fake clock)', () => {
  it('runs one cycle per 20 ms for every client, on a grid that does not drift', async () => {
    const timers = new FakeTimers();
    const engine = new MediaEngine({ timers });
    const a = counter();
    const b = counter();
    engine.add(a);
    engine.add(b);
    await timers.advance(1_000);
    expect(a.calls.length).toBe(51); // the first cycle at once, then one every 20 ms
    expect(b.calls).toEqual(a.calls);
    expect(a.calls.slice(0, 4)).toEqual([0, 20, 40, 60]);
    expect(engine.stats).toMatchObject({ cycles: 51, catchUpCycles: 0, resets: 0 });
  });

  it('after a late timer the cycles that are due run back to back, at most maxBurst; further behind, the grid restarts', async () => {
    const timers = new FakeTimers();
    const engine = new MediaEngine({ timers, maxBurst: 3 });
    const a = counter();
    engine.add(a);
    await timers.advance(100);
    expect(a.calls.length).toBe(6);
    timers.block(50); // a busy loop: the timer due at 120 fires at 150, when the cycles of 120 and 140 are due
    await timers.advance(0);
    expect(a.calls.slice(6)).toEqual([150, 150]);
    expect(engine.stats.catchUpCycles).toBe(1);
    expect(engine.stats.resets).toBe(0);
    await timers.advance(10); // the grid holds: the next cycle is the one of 160
    expect(a.calls.slice(8)).toEqual([160]);
    const before = a.calls.length;
    timers.block(300); // 15 cycles late: far beyond maxBurst
    await timers.advance(0);
    expect(engine.stats.resets).toBe(1);
    expect(a.calls.length - before).toBeLessThanOrEqual(1 + 3 + 1); // the late cycle, at most maxBurst behind, and one on the new grid
    const after = a.calls.length;
    await timers.advance(200);
    expect(a.calls.length - after).toBe(10); // steady again
  });

  it('a client added during a cycle runs from the next one; one removed during a cycle is not called again', async () => {
    const timers = new FakeTimers();
    const engine = new MediaEngine({ timers });
    const late = counter();
    const victim = counter();
    const host: CycleClient & { calls: number } = {
      calls: 0,
      cycle() {
        host.calls++;
        if (host.calls === 2) {
          engine.add(late);
          engine.remove(victim);
        }
      },
    };
    engine.add(host);
    engine.add(victim);
    await timers.advance(0); // cycle 1: both
    await timers.advance(20); // cycle 2: host adds `late` and removes `victim` before victim's turn
    expect(victim.calls.length).toBe(1);
    expect(late.calls.length).toBe(0);
    await timers.advance(20);
    expect(late.calls.length).toBe(1);
    expect(victim.calls.length).toBe(1);
    expect(engine.size).toBe(2);
  });

  it('a client that throws is counted and the others still run; with no clients the timer stops', async () => {
    const timers = new FakeTimers();
    const engine = new MediaEngine({ timers });
    const ok = counter();
    engine.add({ cycle: () => { throw new Error('boom'); } });
    engine.add(ok);
    await timers.advance(40);
    expect(ok.calls.length).toBe(3);
    expect(engine.stats.clientErrors).toBe(3);
    engine.remove(ok);
    expect(engine.size).toBe(1);
  });
});

const numbered = (n: number): Uint8Array[] => Array.from({ length: n }, (_, i) => Uint8Array.of(0xfc, i & 0xff, i >> 8));
class Sink implements OpusSink {
  got: number[] = [];
  destroyed = false;
  stops = 0;
  sendOpusFrame(f: Uint8Array): boolean {
    this.got.push((f[1] as number) | ((f[2] as number) << 8));
    return true;
  }
  stopSpeaking(): void {
    this.stops++;
  }
}

describe('AudioPlayer on the engine (fake clock)', () => {
  it('buffered frames go out one per cycle with no read() promise: the steady path is synchronous', async () => {
    const timers = new FakeTimers();
    const engine = new MediaEngine({ timers });
    const player = new AudioPlayer({ engine });
    const sink = new Sink();
    player.subscribe(sink);
    const frames = createFramesResource(numbered(100), 'mem');
    let reads = 0;
    const spied: AudioResource = { title: 'mem', readSync: () => frames.readSync?.(), read: () => (reads++, frames.read()), close: () => frames.close() };
    const ends: TrackEndReason[] = [];
    player.on('end', (e) => ends.push(e.reason));
    player.enqueue(spied);
    await timers.advance(990);
    expect(sink.got).toEqual(Array.from({ length: 50 }, (_, i) => i)); // 50 cycles in 990 ms after the first at 0
    expect(reads).toBe(0);
    await timers.advance(2_000);
    expect(ends).toEqual(['finished']);
    expect(sink.got.length).toBe(100);
    expect(player.state).toBe('idle');
    expect(engine.size).toBe(0); // an idle player leaves the engine
  });

  it('two players on one engine send in the same cycle; a connection destroyed mid-cycle is dropped without losing a frame', async () => {
    const timers = new FakeTimers();
    const engine = new MediaEngine({ timers });
    const p1 = new AudioPlayer({ engine });
    const p2 = new AudioPlayer({ engine });
    const a = new Sink();
    const b = new Sink();
    const c = new Sink();
    p1.subscribe(a);
    p1.subscribe(b);
    p2.subscribe(c);
    // p2's sink destroys one of p1's connections during the cycle, after p1 has sent
    let n = 0;
    c.sendOpusFrame = (f) => {
      c.got.push(f[1] as number);
      if (++n === 10) a.destroyed = true;
      return true;
    };
    p1.enqueue(createFramesResource(numbered(30), 'one'));
    p2.enqueue(createFramesResource(numbered(30), 'two'));
    await timers.advance(30 * 20 + 40);
    expect(c.got.length).toBe(30);
    expect(b.got).toEqual(Array.from({ length: 30 }, (_, i) => i));
    expect(a.got).toEqual(Array.from({ length: 10 }, (_, i) => i)); // nothing after it was destroyed
  });

  it("a resource that stalls ends its track 'stalled' after stallTimeoutMs of engine time; the next track plays", async () => {
    const timers = new FakeTimers();
    const engine = new MediaEngine({ timers });
    const player = new AudioPlayer({ engine, stallTimeoutMs: 100 });
    const sink = new Sink();
    player.subscribe(sink);
    const ends: [string, TrackEndReason][] = [];
    player.on('end', (e) => ends.push([e.title, e.reason]));
    player.enqueue({ title: 'stuck', read: () => new Promise(() => {}), close: () => {} });
    player.enqueue(createFramesResource(numbered(3), 'next'));
    await timers.advance(90);
    expect(ends).toEqual([]);
    await timers.advance(40);
    expect(ends).toEqual([['stuck', 'stalled']]);
    await timers.advance(100);
    expect(ends).toEqual([['stuck', 'stalled'], ['next', 'finished']]);
    expect(sink.got).toEqual([0, 1, 2]);
  });

  it('a resource with only read() (PCM, a mixer) gets its next read started as a frame goes out: one frame per cycle', async () => {
    const timers = new FakeTimers();
    const engine = new MediaEngine({ timers });
    const player = new AudioPlayer({ engine });
    const sink = new Sink();
    player.subscribe(sink);
    const frames = numbered(40);
    let i = 0;
    player.enqueue({ title: 'async', read: async () => frames[i++] ?? null, close: () => {} });
    await timers.advance(40 * 20 + 20);
    expect(sink.got).toEqual(Array.from({ length: 40 }, (_, k) => k));
    expect(sink.got.length).toBe(40);
  });

  it('pause leaves the engine and sends the silence tail; resume comes back; stop is idle at once', async () => {
    const timers = new FakeTimers();
    const engine = new MediaEngine({ timers });
    const player = new AudioPlayer({ engine });
    const sink = new Sink();
    player.subscribe(sink);
    player.enqueue(createFramesResource(numbered(100), 'long'));
    await timers.advance(200);
    player.pause();
    expect(player.state).toBe('paused');
    expect(engine.size).toBe(0);
    expect(sink.stops).toBe(1);
    const at = sink.got.length;
    await timers.advance(500);
    expect(sink.got.length).toBe(at);
    player.resume();
    await timers.advance(100);
    expect(sink.got.length).toBeGreaterThan(at);
    player.stop();
    expect(player.state).toBe('idle');
    expect(sink.got).toEqual(Array.from({ length: sink.got.length }, (_, k) => k));
  });
});
