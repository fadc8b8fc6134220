// The demuxed-frame queue: frames come out in order, as views of the bytes they were cut from (never copies),
// across wrap-around and growth; clear() forgets everything.
import { describe, expect, it } from 'vitest';
import { FrameQueue } from '../src/frame-queue.js';

const chunk = (n: number, fill: number): Uint8Array => new Uint8Array(n).fill(fill);
const cut = (c: Uint8Array, size: number): Uint8Array[] => Array.from({ length: Math.floor(c.length / size) }, (_, i) => c.subarray(i * size, (i + 1) * size));

describe('FrameQueue', () => {
  it('hands frames out in order, as views of their chunk', () => {
    const q = new FrameQueue(4);
    const a = chunk(30, 1);
    a.forEach((_, i) => (a[i] = i));
    q.add(cut(a, 10));
    expect(q.size).toBe(3);
    const f = q.shift() as Uint8Array;
    expect([...f]).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(f.buffer).toBe(a.buffer);
    a[10] = 99; // the same bytes, not a copy
    expect((q.shift() as Uint8Array)[0]).toBe(99);
    expect(q.size).toBe(1);
  });

  it('keeps order across wrap-around and growth, and is empty after the last frame', () => {
    const q = new FrameQueue(4);
    let next = 0;
    let expected = 0;
    const taken: number[] = [];
    for (let round = 0; round < 30; round++) {
      const n = 1 + ((round * 7) % 9); // 1–9 frames a chunk: the ring wraps and grows
      const c = new Uint8Array(n);
      for (let i = 0; i < n; i++) c[i] = next++ & 0xff;
      q.add(cut(c, 1));
      for (let k = 0; k < 1 + (round % 5) && q.size > 0; k++) taken.push((q.shift() as Uint8Array)[0] as number);
    }
    while (q.size > 0) taken.push((q.shift() as Uint8Array)[0] as number);
    expect(taken.length).toBe(next);
    for (const v of taken) expect(v).toBe(expected++ & 0xff);
    expect(q.shift()).toBeUndefined();
  });

  it('clear() drops what waits', () => {
    const q = new FrameQueue(2);
    q.add(cut(chunk(50, 3), 5));
    q.clear();
    expect(q.size).toBe(0);
    expect(q.shift()).toBeUndefined();
    q.add(cut(chunk(4, 7), 2));
    expect([...(q.shift() as Uint8Array)]).toEqual([7, 7]);
  });
});
