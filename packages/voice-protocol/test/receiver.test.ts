// The receive path's bookkeeping, one rule per test, against the Receiver alone: packets from SSRCs op 5 has not
// mapped yet (held, bounded, delivered in order once mapped, dropped after the hold), speaking derived from packet
// flow (start, five silence frames, a pause, a user who leaves), replay windows (bounded), and the counters.
import { describe, expect, it } from 'vitest';
import { Receiver, type SessionEvent } from '../src/index.js';

const SILENCE = new Uint8Array([0xf8, 0xff, 0xfe]);
const voice = (n: number): Uint8Array => new Uint8Array([0xfc, n & 0xff, 1, 2]);
const config = { unknownSsrcHoldMs: 1_000, unknownSsrcMaxPackets: 3, unknownSsrcMaxSources: 2, reorderDepth: 4, reorderWaitMs: 40, speakingTimeoutMs: 500 };

function rig(extra: Partial<ConstructorParameters<typeof Receiver>[0]> = {}) {
  const r = new Receiver({ ...config, ...extra });
  const events: SessionEvent[] = [];
  const emit = (e: SessionEvent): void => void events.push(e);
  const speaking = () => events.flatMap((e) => (e.type === 'user-speaking' ? [`${e.userId}:${e.speaking}`] : []));
  const audio = () => events.flatMap((e) => (e.type === 'audio' ? [e.sequence] : []));
  return { r, events, emit, speaking, audio };
}

describe('Receiver: SSRCs op 5 has not mapped yet', () => {
  it('holds up to unknownSsrcMaxPackets per SSRC and unknownSsrcMaxSources SSRCs, counts the rest, and delivers the held packets in order once mapped', () => {
    const { r, emit, audio } = rig();
    for (let i = 0; i < 5; i++) r.holdUnmapped(10, 100 + i, 960 * i, voice(i), 0);
    expect(r.unknownSsrcDrops).toBe(2); // 3 held, 2 over the per-SSRC limit
    r.holdUnmapped(11, 1, 0, voice(1), 0);
    r.holdUnmapped(12, 1, 0, voice(1), 0); // a third unknown SSRC
    expect(r.unknownSsrcDrops).toBe(3);
    expect(r.push(10, 105, 0, voice(5), 0, emit)).toBe(false); // unknown: the caller holds it
    r.mapSsrc(10, 'alice', 10, emit);
    expect(audio()).toEqual([100, 101, 102]);
    expect(r.userOf(10)).toBe('alice');
    expect(r.users.has('alice')).toBe(true);
    expect(r.framesDelivered).toBe(3);
  });

  it('drops what it held once unknownSsrcHoldMs has passed, not before, and its deadline says when', () => {
    const { r, emit } = rig();
    r.holdUnmapped(10, 1, 0, voice(1), 100);
    r.holdUnmapped(10, 2, 960, voice(2), 300);
    expect(r.deadline()).toBe(1_100);
    r.timeout(1_099, emit);
    expect(r.unknownSsrcDrops).toBe(0);
    r.timeout(1_100, emit);
    expect(r.unknownSsrcDrops).toBe(1);
    expect(r.deadline()).toBe(1_300);
    r.timeout(1_300, emit);
    expect(r.unknownSsrcDrops).toBe(2);
    expect(r.deadline()).toBeNull();
    // the SSRC's slot is free again: another unknown SSRC fits under the limit of two
    r.holdUnmapped(11, 1, 0, voice(1), 2_000);
    r.holdUnmapped(12, 1, 0, voice(1), 2_000);
    expect(r.unknownSsrcDrops).toBe(2);
  });
});

describe('Receiver: speaking from packet flow', () => {
  it('starts on the first audible frame, stops after five silence frames, starts again on speech', () => {
    const { r, emit, speaking } = rig();
    r.mapSsrc(1, 'bob', 0, emit);
    r.push(1, 0, 0, SILENCE, 0, emit);
    expect(speaking()).toEqual([]); // silence alone is not speaking
    r.push(1, 1, 960, voice(1), 20, emit);
    expect(speaking()).toEqual(['bob:true']);
    for (let i = 0; i < 4; i++) r.push(1, 2 + i, 960 * (2 + i), SILENCE, 40 + 20 * i, emit);
    expect(speaking()).toEqual(['bob:true']); // four are not enough
    r.push(1, 6, 960 * 6, SILENCE, 120, emit);
    expect(speaking()).toEqual(['bob:true', 'bob:false']);
    r.push(1, 7, 960 * 7, voice(7), 140, emit);
    expect(speaking()).toEqual(['bob:true', 'bob:false', 'bob:true']);
  });

  it('a speaker who goes quiet without silence frames stops at speakingTimeoutMs after the last packet', () => {
    const { r, emit, speaking } = rig();
    r.mapSsrc(1, 'bob', 0, emit);
    r.push(1, 0, 0, voice(0), 100, emit);
    expect(r.deadline()).toBe(600);
    r.timeout(599, emit);
    expect(speaking()).toEqual(['bob:true']);
    r.timeout(600, emit);
    expect(speaking()).toEqual(['bob:true', 'bob:false']);
    expect(r.deadline()).toBeNull();
  });

  it('a user who leaves (op 13) while speaking stops speaking, and their SSRCs are forgotten; others stay', () => {
    const { r, emit, speaking } = rig();
    r.clientsConnect(['bob', 'carol']);
    r.mapSsrc(1, 'bob', 0, emit);
    r.mapSsrc(2, 'carol', 0, emit);
    r.push(1, 0, 0, voice(0), 0, emit);
    r.clientDisconnect('bob', emit);
    expect(speaking()).toEqual(['bob:true', 'bob:false']);
    expect(r.userOf(1)).toBeUndefined();
    expect(r.userOf(2)).toBe('carol');
    expect([...r.users]).toEqual(['carol']);
    r.clientDisconnect('carol', emit); // not speaking: no event
    expect(speaking()).toEqual(['bob:true', 'bob:false']);
  });

  it('op 5 again for the same user keeps the SSRC’s sequence state; for another user it starts afresh', () => {
    const { r, emit, audio } = rig();
    r.mapSsrc(1, 'bob', 0, emit);
    r.push(1, 10, 0, voice(0), 0, emit);
    r.mapSsrc(1, 'bob', 5, emit);
    r.push(1, 10, 0, voice(0), 10, emit); // a duplicate of what the kept buffer already delivered
    expect(audio()).toEqual([10]);
    r.mapSsrc(1, 'dave', 20, emit);
    r.push(1, 10, 0, voice(0), 30, emit); // a new source: sequence 10 is new to it
    expect(audio()).toEqual([10, 10]);
    expect(r.userOf(1)).toBe('dave');
  });

  it('a payload the decoder drops delivers nothing, and the SSRC stays known', () => {
    const { r, emit, events } = rig({ decode: (_u, p) => (p[1] === 0xee ? null : p) });
    r.mapSsrc(1, 'bob', 0, emit);
    expect(r.push(1, 0, 0, new Uint8Array([0xfc, 0xee]), 0, emit)).toBe(true);
    expect(events.filter((e) => e.type === 'audio')).toHaveLength(0);
    expect(r.framesDelivered).toBe(0);
    expect(r.deadline()).toBeNull(); // not speaking, nothing buffered
  });

  it('a gap the reorder buffer gives up on is reported, and lost/late add up over every SSRC', () => {
    const { r, emit, events } = rig();
    r.mapSsrc(1, 'bob', 0, emit);
    r.mapSsrc(2, 'carol', 0, emit);
    for (const ssrc of [1, 2]) {
      r.push(ssrc, 0, 0, voice(0), 0, emit);
      r.push(ssrc, 2, 1920, voice(2), 20, emit); // 1 is missing
    }
    r.timeout(20 + config.reorderWaitMs, emit);
    expect(events.filter((e) => e.type === 'audio-gap').map((e) => (e.type === 'audio-gap' ? [e.userId, e.fromSequence, e.count] : null))).toEqual([
      ['bob', 1, 1],
      ['carol', 1, 1],
    ]);
    expect(r.lost).toBe(2);
    r.push(1, 1, 960, voice(1), 100, emit); // arrives after it was given up
    r.push(2, 1, 960, voice(1), 100, emit);
    expect(r.late).toBe(2);
  });
});

describe('Receiver: replay windows', () => {
  it('a repeated nonce is refused and counted, per SSRC', () => {
    const { r } = rig();
    expect(r.acceptNonce(1, 5)).toBe(true);
    expect(r.acceptNonce(1, 5)).toBe(false);
    expect(r.acceptNonce(2, 5)).toBe(true);
    expect(r.replayDrops).toBe(1);
  });

  it('keeps at most 256 windows: the oldest SSRC is forgotten first', () => {
    const { r } = rig();
    for (let ssrc = 0; ssrc < 256; ssrc++) r.acceptNonce(ssrc, 1);
    expect(r.acceptNonce(0, 1)).toBe(false); // all 256 still known
    r.acceptNonce(1000, 1); // the 257th: SSRC 0's window goes
    expect(r.acceptNonce(0, 1)).toBe(true);
    expect(r.acceptNonce(2, 1)).toBe(false);
  });
});
