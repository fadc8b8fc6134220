// A property over what a hostile server can put in Ready, Session Description and the DAVE ops, driving a real
// VoiceSession with real providers (node:crypto transport encryption, davey for DAVE): whatever the values,
// nothing escapes, every drain ends with a timer, and the session ends connected, reconnecting with a deadline,
// or disconnected with a reason.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { daveProvider } from '@voicewire/crypto-dave';
import { nodeProvider } from '@voicewire/crypto-node';
import { encodeDaveServerFrame, VoiceSession } from '@voicewire/voice-protocol';
import { runScripted } from '../src/index.js';
import { CHANNEL, GUILD } from './helpers.js';

const wide = fc.oneof(fc.integer({ min: -2, max: 2 ** 32 + 1 }), fc.double(), fc.string({ maxLength: 30 }), fc.constant(null), fc.boolean(), fc.array(fc.integer(), { maxLength: 3 }), fc.object({ maxDepth: 1 }));

const readyFields = fc.record(
  {
    ssrc: fc.oneof(fc.integer({ min: 0, max: 2 ** 32 - 1 }), wide),
    ip: fc.oneof(fc.constantFrom('127.0.0.1', '255.255.255.255', '0.0.0.0', '239.255.0.1', '::1', 'ff05::2', 'voice.example.com', 'a b', ''), fc.domain(), wide),
    port: fc.oneof(fc.integer({ min: -1, max: 65_536 }), wide),
    modes: fc.oneof(fc.constant(['aead_aes256_gcm_rtpsize', 'aead_xchacha20_poly1305_rtpsize']), fc.array(fc.string({ maxLength: 40 }), { maxLength: 4 }), wide),
  },
  { requiredKeys: [] },
);

const sessionDescriptionFields = fc.record(
  {
    mode: fc.oneof(fc.constantFrom('aead_aes256_gcm_rtpsize', 'aead_xchacha20_poly1305_rtpsize'), wide),
    secret_key: fc.oneof(fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 32, maxLength: 32 }), fc.array(fc.integer({ min: -1, max: 256 }), { maxLength: 40 }), wide),
    dave_protocol_version: fc.oneof(fc.integer({ min: 0, max: 256 }), wide),
  },
  { requiredKeys: [] },
);

// Mostly well-formed DAVE fields with values at and past the supported range (version 1 only, epoch 1 resets).
const daveFields = fc.record({
  protocol_version: fc.oneof(fc.constantFrom(0, 1, 2, 255), fc.integer({ min: 0, max: 256 })),
  transition_id: fc.oneof(fc.constantFrom(0, 1), fc.integer({ min: 0, max: 65_536 })),
  epoch: fc.oneof(fc.constantFrom(0, 1, 2), fc.integer({ min: 0, max: 2 ** 32 })),
});

// Half the runs keep an honest Ready (or Session Description), so that many runs reach the DAVE ops.
const ready = fc.oneof(fc.constant({}), readyFields);
const sessionDescription = fc.oneof(fc.constant({}), sessionDescriptionFields);

const daveOp = fc.oneof(
  fc.record({ op: fc.constantFrom(21, 22, 24, 31), d: fc.oneof({ weight: 3, arbitrary: daveFields }, { weight: 1, arbitrary: fc.record({ protocol_version: wide, transition_id: wide, epoch: wide }, { requiredKeys: [] }) }) }).map((m) => ({ text: JSON.stringify(m) })),
  fc.tuple(fc.constantFrom(25, 27, 29, 30), fc.uint8Array({ minLength: 1, maxLength: 80 }), fc.integer({ min: 0, max: 65_535 })).map(([op, body, t]) => ({
    bytes: encodeDaveServerFrame((op === 25 ? { op, seq: 1, externalSender: body } : op === 27 ? { op, seq: 1, operation: 0, proposals: body } : op === 29 ? { op, seq: 1, transitionId: t, commit: body } : { op, seq: 1, transitionId: t, welcome: body }) as never),
  })),
);

describe('hostile Ready / Session Description / DAVE fields against a real session (fast-check)', () => {
  it('nothing escapes, every drain ends, the session ends somewhere sensible', () => {
    let runs = 0;
    let reachedDave = 0;
    fc.assert(
      fc.property(ready, sessionDescription, fc.array(daveOp, { maxLength: 8 }), (r, sd, ops) => {
        let seed = 11;
        const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
        const s = new VoiceSession({ guildId: GUILD, channelId: CHANNEL, userId: '1000', crypto: nodeProvider, e2ee: daveProvider, random, reconnectBaseMs: 10, reconnectMaxMs: 20, maxReconnectAttempts: 2, connectTimeoutMs: 2_000 });
        s.join(0);
        let described = false;
        const { now } = runScripted(s, { ready: r, sessionDescription: { dave_protocol_version: 1, ...sd }, afterSessionDescription: (act) => { described = true; ops.forEach((o) => ('text' in o ? act.sendText(o.text) : act.sendBinary(o.bytes))); } }, 30_000);
        runs++;
        if (described) reachedDave++;
        const st = s.state;
        expect(['ready', 'disconnected', 'backoff', 'resuming', 'connecting', 'signalling', 'identifying', 'discovering', 'selecting-protocol']).toContain(st);
        if (st !== 'ready' && st !== 'disconnected') expect(s.poll()).toMatchObject({ type: 'timer', at: expect.any(Number) });
        s.destroy(now + 1);
        // after destroy only closing outputs remain, and the drain ends with no timer to set
        const after: string[] = [];
        for (let o = s.poll(); ; o = s.poll()) {
          if (o.type === 'timer') {
            expect(o.at).toBeNull();
            break;
          }
          after.push(o.type === 'event' ? `event:${o.event.type}` : o.type);
          expect(after.length).toBeLessThan(50);
        }
        expect(after.filter((t) => !['ws-close', 'udp-close', 'gateway-send'].includes(t) && !t.startsWith('event:'))).toEqual([]);
        expect(s.state).toBe('destroyed');
        expect(s.stats().illegalTransitions).toBe(0); // every move the hostile run caused is in SESSION_TRANSITIONS
      }),
      { numRuns: Number(process.env.FC_NUM_RUNS ?? 150) * 3 },
    );
    // The property is only worth something if many runs get past Ready to the DAVE ops.
    expect(reachedDave / runs).toBeGreaterThan(0.2);
  }, 120_000);
});
