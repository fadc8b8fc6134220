// The media engine on a fake clock: one cycle per 20 ms for every client, catch-up after a late timer bounded by
// maxBurst, the grid restarted beyond it, clients joining and leaving mid-cycle, a throwing client; and the
// AudioPlayer on it: buffered frames taken without a promise, a connection destroyed mid-cycle, a stalled resource.
import { describe, expect, it } from 'vitest';
import { until } from '@voicewire/testkit';
import { AudioError, AudioPlayer, createFramesResource, createOggOpusResource, MediaEngine, muxOggOpus, type AudioResource, type CycleClient, type EngineTimers, type OpusSink, type TrackEndReason } from '../src/index.js';

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
      await new Promise((r) => setImmediate(r)); // every promise settles before the next timer, as on the real loop
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

// Ogg bytes of `n` numbered frames of 160 bytes (a 64 kbit/s stream) cut into chunks of `size` bytes.
const oggChunks = (n: number, size: number): Uint8Array[] => {
  const bytes = muxOggOpus(numbered(n).map((f) => {
    const big = new Uint8Array(160);
    big.set(f);
    return big;
  }));
  return Array.from({ length: Math.ceil(bytes.length / size) }, (_, i) => bytes.subarray(i * size, (i + 1) * size));
};

/** A player on its own engine and fake clock, with one sink. */
function rig(): { timers: FakeTimers; engine: MediaEngine; player: AudioPlayer; sink: Sink } {
  const timers = new FakeTimers();
  const engine = new MediaEngine({ timers });
  const player = new AudioPlayer({ engine });
  const sink = new Sink();
  player.subscribe(sink);
  return { timers, engine, player, sink };
}

describe('a demuxed resource on the engine: no cycle is missed at a chunk boundary', () => {
  it('chunks from a synchronous source (an array) are read in place: every cycle sends a frame, no read() promise', async () => {
    const { timers, player, sink } = rig();
    const chunks = oggChunks(200, 1_000); // a boundary every few frames
    const ogg = createOggOpusResource(chunks, { title: 'ogg' });
    let reads = 0;
    const spied: AudioResource = { title: 'ogg', readSync: () => ogg.readSync?.(), read: () => (reads++, ogg.read()), close: () => ogg.close() };
    player.enqueue(spied);
    await timers.advance(199 * 20);
    expect(sink.got).toEqual(Array.from({ length: 200 }, (_, i) => i)); // 200 cycles, 200 frames: none missed
    expect(reads).toBe(0);
  });

  it('chunks from an async source are asked for before the buffer runs dry: every cycle sends a frame', async () => {
    const { timers, player, sink } = rig();
    const chunks = oggChunks(300, 4_096); // a boundary every 25 frames or so
    let pulled = 0;
    // each chunk arrives a little later, as from a file or a socket (a few promise hops, well within a cycle)
    const source = (async function* () {
      for (const c of chunks) {
        for (let i = 0; i < 3; i++) await Promise.resolve();
        pulled++;
        yield c;
      }
    })();
    const at: number[] = [];
    const send = sink.sendOpusFrame.bind(sink);
    sink.sendOpusFrame = (f) => (at.push(timers.t), send(f));
    player.enqueue(createOggOpusResource(source, { title: 'async ogg' }));
    await timers.advance(310 * 20);
    expect(sink.got).toEqual(Array.from({ length: 300 }, (_, i) => i));
    // the first cycle starts the first read, its frame goes out a cycle or two later; from then on one frame every
    // cycle (before read-ahead, each chunk boundary cost a cycle: a gap of 40 ms)
    expect(at[0]).toBeLessThanOrEqual(40);
    expect(at.slice(1).map((t, i) => t - (at[i] as number)).filter((d) => d !== 20)).toEqual([]);
    expect(pulled).toBe(chunks.length);
  });

  it('a source that fails mid-stream: the frames before the failure are played, then the track ends with the error', async () => {
    const { timers, player, sink } = rig();
    player.on('error', () => {});
    const good = oggChunks(100, 4_096);
    const bad = new Uint8Array(500).fill(0x42); // not an Ogg page
    const ends: { reason: TrackEndReason; error?: Error }[] = [];
    player.on('end', (e) => ends.push(e));
    player.enqueue(createOggOpusResource((async function* () {
      yield* good;
      yield bad;
    })(), { title: 'broken' }));
    await timers.advance(120 * 20);
    expect(sink.got).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(ends.map((e) => e.reason)).toEqual(['error']);
    expect(ends[0]?.error).toBeInstanceOf(AudioError);
  });

  it('closed while a chunk is under way: the source is closed, nothing is read after, no unhandled rejection', async () => {
    let returned = false;
    let afterClose = 0;
    let held: (() => void) | null = null;
    const chunks = oggChunks(400, 4_096);
    const total = chunks.length;
    const it: AsyncIterator<Uint8Array> & AsyncIterable<Uint8Array> = {
      [Symbol.asyncIterator]() {
        return it;
      },
      // the first half of the chunks come at once; the next one is held until the test lets it through
      next: () => new Promise<IteratorResult<Uint8Array>>((resolve) => {
        if (returned) afterClose++;
        const c = chunks.shift();
        const result: IteratorResult<Uint8Array> = c ? { value: c, done: false } : { value: undefined, done: true };
        if (chunks.length >= total / 2) resolve(result);
        else held = () => resolve(result);
      }),
      return: async () => {
        returned = true;
        return { value: undefined, done: true };
      },
    };
    const r = createOggOpusResource(it, { title: 'slow' });
    expect(await r.read()).not.toBeNull();
    // play on (one frame a step) until the read-ahead asks for the chunk the source holds back
    await until(() => (r.readSync?.(), held !== null), 2_000, 'the read-ahead to ask for a chunk the source holds back');
    let buffered = 0;
    while (r.readSync?.() !== undefined) buffered++;
    expect(buffered).toBeGreaterThan(0); // it asked before the buffer ran dry
    r.close();
    expect(returned).toBe(true);
    (held as unknown as () => void)(); // the chunk that was under way arrives after close
    await new Promise((resolve) => setImmediate(resolve));
    expect(await r.read()).toBeNull();
    expect(r.readSync?.()).toBeNull();
    expect(afterClose).toBe(0);
  });
});

