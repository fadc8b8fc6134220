// FramePacer (docs/protocol.md §9.1): frame n is due at start + n × 20 ms; a late caller catches up at once up to
// maxBurst frames behind, further behind the schedule restarts from now (counted in resets).
import { describe, expect, it } from 'vitest';
import { FramePacer } from '../src/index.js';

describe('FramePacer', () => {
  it('the first frame is due at once; then one every 20 ms from the start, without drift', () => {
    const p = new FramePacer(20, 3);
    expect(p.next(1000)).toBe(0); // frame 0 at 1000
    expect(p.next(1000)).toBe(20); // frame 1 at 1020
    expect(p.next(1021)).toBe(19); // frame 2 at 1040, whatever the jitter of the caller
    expect(p.next(1041)).toBe(19); // frame 3 at 1060
    expect(p.resets).toBe(0);
  });

  it('a caller up to maxBurst frames late gets 0 (send now) until it has caught up, and no reset', () => {
    const p = new FramePacer(20, 3);
    p.next(0); // frame 0 at 0
    // at 60 ms frames 1, 2 and 3 are due (frame 1 is 40 ms late: within 3 × 20)
    expect(p.next(60)).toBe(0);
    expect(p.next(60)).toBe(0);
    expect(p.next(60)).toBe(0);
    expect(p.next(60)).toBe(20); // frame 4 at 80
    expect(p.resets).toBe(0);
  });

  it('exactly maxBurst frames late still catches up; one more millisecond restarts the grid from now', () => {
    const a = new FramePacer(20, 3);
    a.next(0);
    expect(a.next(80)).toBe(0); // frame 1 due at 20 is 60 ms late: the limit, caught up
    expect(a.resets).toBe(0);
    const b = new FramePacer(20, 3);
    b.next(0);
    expect(b.next(81)).toBe(0); // 61 ms late: the schedule restarts, frame 0 of the new grid at 81
    expect(b.resets).toBe(1);
    expect(b.next(81)).toBe(20); // frame 1 of the new grid at 101
    expect(b.next(101)).toBe(20);
  });

  it('frame length and burst are the caller’s; reset() starts a new grid at the next call', () => {
    const p = new FramePacer(10, 1);
    expect(p.next(5)).toBe(0);
    expect(p.next(5)).toBe(10);
    expect(p.next(25)).toBe(0); // frame 2 due at 25: on time
    expect(p.next(36)).toBe(0); // frame 3 due at 35, 1 ms late: within 1 × 10
    expect(p.next(57)).toBe(0); // frame 4 due at 45, 12 ms late: more than 1 × 10, restart at 57
    expect(p.resets).toBe(1);
    p.reset();
    expect(p.next(500)).toBe(0);
    expect(p.next(500)).toBe(10);
    expect(p.resets).toBe(1);
  });
});
