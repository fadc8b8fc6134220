// Boundaries of the session's sub-machines and codecs, pinned one by one: each test here was written against a
// mutant that survived `npm run mutate` (a `>=` turned `>`, a window resized, a bound shifted by one).
import { describe, expect, it } from 'vitest';
import {
  Backoff,
  decodeGatewayMessage,
  decodeRtpHeader,
  encodeRtpHeader,
  Heartbeat,
  IpDiscovery,
  REPLAY_WINDOW,
  ReorderBuffer,
  ReplayWindow,
  WarningLimiter,
  type ReorderOutput,
} from '../src/index.js';

describe('Heartbeat', () => {
  it('declares the link lost at exactly missLimit unanswered heartbeats, not one later', () => {
    const hb = new Heartbeat(3);
    hb.start(1_000, 0);
    expect(hb.due(999)).toBeNull();
    expect(hb.due(1_000)).toMatchObject({ kind: 'send' }); // first heartbeat, nothing outstanding yet
    expect(hb.due(2_000)).toMatchObject({ kind: 'send' }); // 1 missed
    expect(hb.due(3_000)).toMatchObject({ kind: 'send' }); // 2 missed
    expect(hb.due(4_000)).toEqual({ kind: 'lost' }); // 3 missed = the limit
    expect(hb.totalMissed).toBe(3);
    expect(hb.deadline()).toBeNull();
  });

  it('an ACK resets the count; only the outstanding t counts; the first deadline is start + interval', () => {
    const hb = new Heartbeat(2);
    hb.start(500, 100);
    expect(hb.deadline()).toBe(600);
    const first = hb.due(600);
    expect(first).toMatchObject({ kind: 'send' });
    const t = (first as { t: number }).t;
    expect(hb.ack(t + 1, 610)).toBe(false);
    expect(hb.ack(t, 630)).toBe(true);
    expect(hb.rttMs).toBe(30);
    expect(hb.ack(t, 640)).toBe(false); // nothing outstanding any more
    expect(hb.due(1_100)).toMatchObject({ kind: 'send' });
    expect(hb.due(1_600)).toMatchObject({ kind: 'send' }); // 1 missed
    expect(hb.due(2_100)).toEqual({ kind: 'lost' });
  });

  it('t grows strictly even when two heartbeats fall in one millisecond', () => {
    const hb = new Heartbeat(3);
    hb.start(1_000, 0);
    const a = hb.sendNow(5);
    const b = hb.sendNow(5.5);
    const c = hb.sendNow(5.9);
    expect([a, b, c]).toEqual([5, 6, 7]);
    expect(hb.sendNow(3)).toBe(8);
  });
});

describe('Backoff', () => {
  it('a first resume is immediate; later delays are jittered within [cap/2, cap] and capped; attempts are bounded exactly', () => {
    const lo = new Backoff({ baseMs: 1_000, maxMs: 5_000, maxAttempts: 4 }, () => 0);
    expect(lo.next(0, true)).toBe(0);
    expect(lo.deadline()).toBe(0);
    expect(lo.next(0, true)).toBe(1_000); // n = 1: cap 2000, random 0 → 1000
    expect(lo.next(0, false)).toBe(2_000); // n = 2: cap 4000
    expect(lo.next(10, false)).toBe(2_500); // n = 3: cap min(5000, 8000)
    expect(lo.deadline()).toBe(2_510);
    expect(lo.next(0, false)).toBeNull();
    const hi = new Backoff({ baseMs: 1_000, maxMs: 5_000, maxAttempts: 3 }, () => 0.999_999);
    expect(hi.next(0, false)).toBe(1_000); // n = 0, not immediate: cap 1000 → [500, 1000]
    expect(hi.next(0, false)).toBe(2_000);
    hi.reset();
    expect(hi.attempts).toBe(0);
    expect(hi.deadline()).toBeNull();
  });
});

describe('IpDiscovery', () => {
  it('sends exactly maxAttempts requests retryMs apart, then fails; the RTT runs from the first send', () => {
    const d = new IpDiscovery(100, 3);
    d.start(0);
    expect(d.due(0)).toBe('send');
    expect(d.due(99)).toBeNull();
    expect(d.due(100)).toBe('send');
    expect(d.due(200)).toBe('send');
    expect(d.due(300)).toBe('failed');
    expect(d.active).toBe(false);
    const e = new IpDiscovery(100, 3);
    e.start(50);
    e.due(60);
    e.answered(85);
    expect(e.rttMs).toBe(25);
    expect(e.active).toBe(false);
  });
});

describe('ReplayWindow', () => {
  it('accepts new nonces, reordered ones inside the window once, and rejects replays and anything a window or more behind', () => {
    const w = new ReplayWindow();
    expect(w.accept(0)).toBe(true); // the very first nonce may be 0
    expect(w.accept(0)).toBe(false);
    expect(w.accept(10)).toBe(true);
    expect(w.accept(5)).toBe(true); // late but unseen
    expect(w.accept(5)).toBe(false);
    expect(w.accept(10)).toBe(false);
    expect(w.accept(10 + REPLAY_WINDOW)).toBe(true);
    expect(w.accept(11)).toBe(true); // exactly REPLAY_WINDOW - 1 behind: still inside
    expect(w.accept(10)).toBe(false); // exactly REPLAY_WINDOW behind: outside
  });

  it('advancing clears the slots it reuses: a nonce one window later is new, not a replay of its alias', () => {
    const w = new ReplayWindow();
    for (let n = 100; n < 110; n++) expect(w.accept(n)).toBe(true);
    // advance by less than a window, in one step: the slots of 110…(100+W) must be cleared
    expect(w.accept(100 + REPLAY_WINDOW - 1)).toBe(true);
    for (let n = 110; n < 120; n++) expect(w.accept(n), `nonce ${n}`).toBe(true);
    // and one by one past the window: aliases of 100…109 are new nonces
    for (let n = 100 + REPLAY_WINDOW; n < 110 + REPLAY_WINDOW; n++) expect(w.accept(n), `nonce ${n}`).toBe(true);
    expect(w.accept(105 + REPLAY_WINDOW)).toBe(false);
  });

  it('slots are reused only after they are cleared: a nonce whose slot an older nonce held is still new', () => {
    const w = new ReplayWindow();
    expect(w.accept(0)).toBe(true);
    expect(w.accept(REPLAY_WINDOW - 1)).toBe(true);
    expect(w.accept(REPLAY_WINDOW + 1)).toBe(true); // skips REPLAY_WINDOW, whose slot nonce 0 held
    expect(w.accept(REPLAY_WINDOW)).toBe(true); // late but unseen
    expect(w.accept(REPLAY_WINDOW)).toBe(false);
  });

  it('nonces a window or more behind are refused even when their slot is free', () => {
    const w = new ReplayWindow();
    expect(w.accept(0)).toBe(true);
    expect(w.accept(REPLAY_WINDOW + 1)).toBe(true);
    expect(w.accept(0)).toBe(false); // REPLAY_WINDOW + 1 behind; its slot was cleared by the jump
    const v = new ReplayWindow();
    expect(v.accept(1)).toBe(true);
    expect(v.accept(2 * REPLAY_WINDOW)).toBe(true);
    expect(v.accept(REPLAY_WINDOW + 1)).toBe(true); // inside the window, slot of nonce 1 was cleared by the jump
  });

  it("learns the sender's counter byte order: a little-endian counter is protected as well, across its low byte's wrap", () => {
    const le = (n: number): number => (((n & 0xff) << 24) | ((n & 0xff00) << 8) | ((n >>> 8) & 0xff00) | (n >>> 24)) >>> 0;
    const w = new ReplayWindow();
    for (let n = 250; n < 600; n++) expect(w.accept(le(n)), `counter ${n}`).toBe(true);
    expect(w.accept(le(300))).toBe(false);
    expect(w.accept(le(599))).toBe(false);
    const r = new ReplayWindow(); // reordered first two packets still give the right order
    expect(r.accept(le(11))).toBe(true);
    expect(r.accept(le(10))).toBe(true);
    for (let n = 12; n < 300; n++) expect(r.accept(le(n))).toBe(true);
    expect(r.accept(le(10))).toBe(false);
  });

  it('a jump of a window or more forgets everything older', () => {
    const w = new ReplayWindow();
    expect(w.accept(7)).toBe(true);
    expect(w.accept(7 + REPLAY_WINDOW)).toBe(true);
    expect(w.accept(8 + 2 * REPLAY_WINDOW)).toBe(true);
    expect(w.accept(8 + REPLAY_WINDOW + 1)).toBe(true); // inside the new window, unseen
  });
});

describe('WarningLimiter', () => {
  it('reports exactly perWindow per code per window, then the count of what it held back, once', () => {
    const l = new WarningLimiter(2, 1_000);
    expect(l.admit('A', 'a1', 0)).toBe('a1');
    expect(l.admit('A', 'a2', 10)).toBe('a2');
    expect(l.admit('A', 'a3', 20)).toBeNull();
    expect(l.admit('A', 'a4', 999)).toBeNull();
    expect(l.admit('B', 'b1', 30)).toBe('b1'); // codes are counted apart
    expect(l.suppressed).toBe(2);
    expect(l.admit('A', 'a5', 1_000)).toBe('a5 (and 2 more A warnings in the previous 1 s)');
    expect(l.admit('A', 'a6', 1_001)).toBe('a6');
    expect(l.admit('A', 'a7', 2_000)).toBe('a7'); // nothing held back in that window: no count
  });
});

describe('ReorderBuffer resync distance', () => {
  const run = (seqs: number[]): ReorderOutput[] => {
    const b = new ReorderBuffer(6, 60);
    const out: ReorderOutput[] = [];
    for (const s of seqs) b.push(s, s * 960, Uint8Array.of(s & 0xff), 0, out);
    b.timeout(1_000, out);
    return out;
  };
  it('a jump of exactly 1000 past the playout point is loss (a gap); 1001 is a new stream (no gap)', () => {
    // after 0 the playout point is 1: 1001 is 1000 ahead, 1002 is 1001 ahead
    expect(run([0, 1001]).filter((o) => o.kind === 'gap')).toEqual([{ kind: 'gap', fromSequence: 1, count: 1000 }]);
    expect(run([0, 1002]).filter((o) => o.kind === 'gap')).toEqual([]);
    expect(run([0, 1002]).filter((o) => o.kind === 'frame').map((o) => (o as { sequence: number }).sequence)).toEqual([0, 1002]);
  });
  it('holds at most maxDepth packets behind a gap', () => {
    const b = new ReorderBuffer(3, 60);
    const out: ReorderOutput[] = [];
    for (const s of [0, 2, 3, 4]) b.push(s, 0, Uint8Array.of(s), 0, out);
    expect(out.map((o) => o.kind)).toEqual(['frame']);
    b.push(5, 0, Uint8Array.of(5), 0, out); // a fourth held packet: the gap at 1 is given up
    expect(out.map((o) => (o.kind === 'gap' ? 'gap' : o.sequence))).toEqual([0, 'gap', 2, 3, 4, 5]);
  });
});

describe('codec boundaries', () => {
  it('a heartbeat seq_ack of -1 (nothing received yet) is valid; -2 is not', () => {
    expect(decodeGatewayMessage('{"op":3,"d":{"t":1,"seq_ack":-1}}')).toEqual({ ok: true, value: { op: 3, d: { t: 1, seqAck: -1 } } });
    expect(decodeGatewayMessage('{"op":3,"d":{"t":1,"seq_ack":-2}}').ok).toBe(false);
    expect(decodeGatewayMessage('{"op":7,"d":{"server_id":"1","session_id":"s","token":"t","seq_ack":-1}}').ok).toBe(true);
  });

  it('an RTP header with CC = 15 has a 72-byte clear header (12 + 4·15), 76 with an extension', () => {
    const csrcs = Array.from({ length: 15 }, (_, i) => i + 1);
    const h = encodeRtpHeader({ sequence: 1, timestamp: 2, ssrc: 3, csrcs });
    expect(h.length).toBe(72);
    const packet = new Uint8Array(100);
    packet.set(h);
    const d = decodeRtpHeader(packet);
    expect(d.ok && d.value.clearHeaderLength).toBe(72);
    packet[0] = (packet[0] as number) | 0x10; // X bit
    const x = decodeRtpHeader(packet);
    expect(x.ok && x.value.clearHeaderLength).toBe(76);
    expect(decodeRtpHeader(packet.subarray(0, 71)).ok).toBe(false);
  });
});
