import { describe, expect, it } from 'vitest';
import type { SessionEvent } from '@voicewire/voice-protocol';
import { audioFrom, client, joinAll, network, sendFrames, USERS } from './helpers.js';

describe('receive path under loss and reordering (seeded link)', () => {
  it.each([0.01, 0.05, 0.15, 0.3])('%f loss with 0–40 ms jitter: frames in order, no duplicates, gaps marked as lost', (loss) => {
    const net = network({ seed: Math.round(loss * 1000) + 3 });
    const a = client(net, 0);
    const b = client(net, 1);
    joinAll(net, [a, b]);
    // Loss and jitter start once both are connected (a lost handshake is tested elsewhere).
    Object.assign(net.link, { udpLoss: loss, udpJitterMs: 40 });
    const sent = sendFrames(net, a, 0, 300);
    expect(sent).toBe(300);
    net.runFor(500);
    const got = audioFrom(b, USERS[0]);
    for (let i = 1; i < got.length; i++) expect(got[i]).toBeGreaterThan(got[i - 1] as number);
    const gaps = b.events.map((e) => e.event).filter((e): e is Extract<SessionEvent, { type: 'audio-gap' }> => e.type === 'audio-gap');
    const lostReported = gaps.reduce((n, g) => n + g.count, 0);
    // Loss happens on both hops (a→server and server→b).
    const expectedLoss = 300 * (1 - (1 - loss) ** 2);
    expect(got.length).toBeGreaterThan(300 - expectedLoss * 2 - 10);
    expect(got.length).toBeLessThan(300);
    // Every frame is either delivered or reported lost, except losses at the very end (no later packet reveals them).
    const firstGot = got[0] as number;
    const lastGot = got[got.length - 1] as number;
    expect(got.length + lostReported).toBe(lastGot - firstGot + 1);
    expect(b.session.stats().packetsLost).toBe(lostReported);
    // Reordering happened and was repaired: with 40 ms jitter some packets arrive late, none are delivered twice.
    expect(new Set(got).size).toBe(got.length);
  });
});
