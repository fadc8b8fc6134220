import { describe, expect, it } from 'vitest';
import { daveProvider } from '@voicewire/crypto-dave';
import { encodeDaveServerFrame, isSilenceFrame, type SessionEvent } from '@voicewire/voice-protocol';
import type { SimClient, SimNetwork } from '../src/index.js';
import { audioFrom, CHANNEL, client, frame, GUILD, network, sendFrames, USERS } from './helpers.js';

const daveClient = (net: SimNetwork, i: number) => client(net, i, { e2ee: daveProvider });
const transitions = (c: SimClient) => c.events.filter((e) => e.event.type === 'dave-transition').map((e) => e.event as Extract<SessionEvent, { type: 'dave-transition' }>);

function joinDave(net: SimNetwork, clients: SimClient[]): void {
  for (const c of clients) c.session.join(net.now);
  const ok = net.runUntil(() => clients.every((c) => c.session.state === 'ready') && sameGroup(net, clients), 10_000);
  if (!ok) throw new Error(`DAVE group not formed: members ${net.server.daveMembers(GUILD, CHANNEL).join(',')}`);
  net.runFor(100);
}

function sameGroup(net: SimNetwork, clients: SimClient[]): boolean {
  const members = net.server.daveMembers(GUILD, CHANNEL);
  const codes = new Set(clients.map((c) => c.session.privacyCode));
  return clients.every((c) => members.includes(c.userId)) && codes.size === 1 && !codes.has('');
}

describe('DAVE end-to-end encryption against the emulator as MLS external sender', () => {
  it('two clients form a group, exchange end-to-end encrypted audio, and the relay only sees ciphertext', () => {
    const net = network({ seed: 81, dave: true });
    const a = daveClient(net, 0);
    const b = daveClient(net, 1);
    joinDave(net, [a, b]);
    expect(net.eventsOf(a, 'ready')[0]).toMatchObject({ daveProtocolVersion: 1 });
    expect(a.session.privacyCode).toMatch(/^\d{5}( \d{5}){5}$|^\d{30}$/);
    expect(a.session.privacyCode).toBe(b.session.privacyCode);
    net.relayed.length = 0;
    sendFrames(net, a, 0, 30);
    sendFrames(net, b, 500, 30);
    net.runFor(200);
    expect(audioFrom(b, USERS[0])).toEqual(Array.from({ length: 30 }, (_, i) => i));
    expect(audioFrom(a, USERS[1])).toEqual(Array.from({ length: 30 }, (_, i) => 500 + i));
    const media = net.relayed.filter((r) => !isSilenceFrame(r.payload));
    expect(media.length).toBe(60);
    const plaintexts = [...Array.from({ length: 30 }, (_, i) => frame(i)), ...Array.from({ length: 30 }, (_, i) => frame(500 + i))];
    const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
    for (const r of media) {
      expect(r.payload[r.payload.length - 1]).toBe(0xfa); // DAVE magic marker FA FA
      expect(r.payload[r.payload.length - 2]).toBe(0xfa);
      // 40-byte frame + 8-byte tag + ULEB128 nonce + size byte + marker
      expect(r.payload.length).toBeGreaterThanOrEqual(40 + 8 + 1 + 1 + 2);
      // the plaintext appears nowhere in what the relay saw
      for (const p of plaintexts) expect(hex(r.payload).includes(hex(p.subarray(4, 20)))).toBe(false);
    }
    expect(a.session.stats()).toMatchObject({ daveProtocolVersion: 1, daveEncryptFailures: 0, daveDecryptFailures: 0 });
  });

  it('three clients: members join and leave mid-call; audio keeps flowing with at most a few frames lost per transition', () => {
    const net = network({ seed: 82, dave: true });
    const a = daveClient(net, 0);
    const b = daveClient(net, 1);
    joinDave(net, [a, b]);
    const c = daveClient(net, 2);
    c.session.join(net.now);
    // a keeps talking while c joins: the commit adding c and its transition happen mid-stream
    sendFrames(net, a, 0, 100);
    expect(sameGroup(net, [a, b, c])).toBe(true);
    const atB = audioFrom(b, USERS[0]);
    expect(atB.length).toBeGreaterThanOrEqual(97);
    const atC = audioFrom(c, USERS[0]);
    expect(atC.length).toBeGreaterThan(50); // c hears a from (shortly after) its welcome
    expect(atC[atC.length - 1]).toBe(99);
    sendFrames(net, c, 1000, 20);
    net.runFor(100);
    expect(audioFrom(a, USERS[2]).slice(-20)).toEqual(Array.from({ length: 20 }, (_, i) => 1000 + i));
    // b leaves: the gateway proposes Remove; a or c commits it; a and c keep talking
    b.session.leave(net.now);
    expect(net.runUntil(() => net.server.daveMembers(GUILD, CHANNEL).length === 2, 5_000)).toBe(true);
    net.runFor(200);
    expect(a.session.privacyCode).toBe(c.session.privacyCode);
    sendFrames(net, a, 2000, 50);
    net.runFor(100);
    const tail = audioFrom(c, USERS[0]).filter((n) => n >= 2000);
    expect(tail.length).toBeGreaterThanOrEqual(47);
    expect(transitions(a).length).toBeGreaterThanOrEqual(3);
    expect(c.session.stats().daveDecryptFailures).toBeLessThanOrEqual(3);
  });

  it('a commit the client cannot process triggers op 31, a new key package, and recovery', () => {
    const net = network({ seed: 83, dave: true });
    const a = daveClient(net, 0);
    const b = daveClient(net, 1);
    joinDave(net, [a, b]);
    const sentBefore = b.outputTexts.length;
    net.server.sendRaw(USERS[1], encodeDaveServerFrame({ op: 29, seq: 9999, transitionId: 77, commit: Uint8Array.of(0, 1, 0, 1, 9, 9, 9) }));
    net.runFor(50);
    expect(b.outputTexts.slice(sentBefore).some((t) => t.includes('"op":31') && t.includes('"transition_id":77'))).toBe(true);
    expect(net.eventsOf(b, 'warning').some((w) => w.type === 'warning' && w.code === 'E_DAVE_INVALID_COMMIT')).toBe(true);
    expect(b.session.stats().daveInvalidCommits).toBe(1);
    // the gateway removes b and adds it back from its new key package; the call recovers
    expect(net.runUntil(() => sameGroup(net, [a, b]), 10_000)).toBe(true);
    net.runFor(200);
    sendFrames(net, a, 0, 20);
    net.runFor(100);
    expect(audioFrom(b, USERS[0]).slice(-20)).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('the last member is reset (op 24 epoch 1 + op 21 transition 0) and a newcomer forms a new group with it', () => {
    const net = network({ seed: 84, dave: true });
    const a = daveClient(net, 0);
    const b = daveClient(net, 1);
    joinDave(net, [a, b]);
    b.session.leave(net.now);
    net.runFor(500);
    expect(net.server.daveMembers(GUILD, CHANNEL)).toEqual([USERS[0]]);
    expect(net.server.daveStats(GUILD, CHANNEL)?.resets).toBe(1);
    const c = daveClient(net, 2);
    c.session.join(net.now);
    expect(net.runUntil(() => sameGroup(net, [a, c]), 10_000)).toBe(true);
    net.runFor(100);
    sendFrames(net, c, 0, 20);
    net.runFor(100);
    expect(audioFrom(a, USERS[2]).slice(-20)).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('a downgrade (op 21 version 0, then op 22) switches senders to plaintext; receivers accept it at once', () => {
    const net = network({ seed: 87, dave: true });
    const a = daveClient(net, 0);
    const b = daveClient(net, 1);
    joinDave(net, [a, b]);
    net.server.daveTransition(GUILD, CHANNEL, 0);
    expect(net.runUntil(() => transitions(a).some((t) => t.protocolVersion === 0) && transitions(b).some((t) => t.protocolVersion === 0), 5_000)).toBe(true);
    net.relayed.length = 0;
    sendFrames(net, a, 0, 20);
    net.runFor(100);
    expect(audioFrom(b, USERS[0])).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(net.relayed.filter((r) => !isSilenceFrame(r.payload)).every((r) => r.payload[0] === 0xfc)).toBe(true); // plaintext now
    expect(a.session.stats().daveProtocolVersion).toBe(0);
    expect(b.session.stats().davePassthroughFrames).toBeGreaterThanOrEqual(20);
  });

  it('a client that does not offer DAVE on a DAVE channel gets 4017 and a terminal error that says so', () => {
    const net = network({ seed: 85, dave: true });
    const a = client(net, 0); // no e2ee provider: Identify offers max_dave_protocol_version 0
    a.session.join(net.now);
    expect(net.runUntil(() => a.session.state === 'disconnected', 5_000)).toBe(true);
    const d = net.eventsOf(a, 'disconnected')[0];
    expect(d).toMatchObject({ error: { code: 'E_DAVE_REQUIRED', closeCode: 4017 } });
    expect(d?.type === 'disconnected' && d.error?.message).toMatch(/crypto-dave/);
    expect(net.eventsOf(a, 'reconnecting')).toHaveLength(0); // no reconnect loop on 4017
  });

  it('a channel with DAVE off (Stage) runs with transport encryption only, even for DAVE-capable clients', () => {
    const net = network({ seed: 86, dave: true });
    net.server.setDaveRequired(CHANNEL, false);
    const a = daveClient(net, 0);
    const b = client(net, 1);
    a.session.join(net.now);
    b.session.join(net.now);
    expect(net.runUntil(() => a.session.state === 'ready' && b.session.state === 'ready', 5_000)).toBe(true);
    net.runFor(100);
    expect(net.eventsOf(a, 'ready')[0]).toMatchObject({ daveProtocolVersion: 0 });
    sendFrames(net, a, 0, 10);
    net.runFor(100);
    expect(audioFrom(b, USERS[0])).toEqual(Array.from({ length: 10 }, (_, i) => i));
    expect(net.relayed.some((r) => r.payload[0] === 0xfc)).toBe(true); // plaintext Opus at the relay
  });
});
