import { describe, expect, it } from 'vitest';
import { audioFrom, client, joinAll, network, sendFrames, USERS } from './helpers.js';

describe('VoiceSession against the server core: join and audio', () => {
  it('joins: op 4 → both updates → Identify → Ready → IP discovery → Select Protocol → Session Description', () => {
    const net = network();
    const a = client(net, 0);
    a.session.join(net.now);
    expect(net.runUntil(() => a.session.state === 'ready', 5_000)).toBe(true);
    const states = net.eventsOf(a, 'state').map((e) => e.to);
    expect(states).toEqual(['signalling', 'connecting', 'identifying', 'discovering', 'selecting-protocol', 'ready']);
    const ready = net.eventsOf(a, 'ready')[0];
    expect(ready).toMatchObject({ type: 'ready', mode: 'aead_aes256_gcm_rtpsize', daveProtocolVersion: 0 });
  });

  it('two clients exchange audio both ways, in order, attributed to the right user', () => {
    const net = network({ seed: 7 });
    const a = client(net, 0);
    const b = client(net, 1);
    joinAll(net, [a, b]);
    sendFrames(net, a, 0, 50);
    sendFrames(net, b, 1000, 50);
    net.runFor(200);
    expect(audioFrom(b, USERS[0])).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(audioFrom(a, USERS[1])).toEqual(Array.from({ length: 50 }, (_, i) => 1000 + i));
    expect(audioFrom(a, USERS[0])).toEqual([]);
    const speaking = net.eventsOf(b, 'user-speaking');
    expect(speaking[0]).toMatchObject({ userId: USERS[0], speaking: true });
  });
});
