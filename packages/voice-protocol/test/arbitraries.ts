// fast-check generators for every message kind the codecs handle.
import fc from 'fast-check';
import type { DaveClientFrame, DaveServerFrame, KnownGatewayMessage, RtpHeaderInit, VoiceGatewayMessage } from '../src/index.js';

const snowflake = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }).map(String);
const u8 = fc.integer({ min: 0, max: 255 });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const nonNeg = fc.integer({ min: 0, max: 2 ** 31 });
const seqAck = fc.integer({ min: -1, max: 2 ** 31 });
const str = fc.string({ maxLength: 40 });
const opaque = fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), fc.oneof(fc.integer(), fc.boolean(), fc.string({ maxLength: 8 }), fc.constant(null)), { maxKeys: 4 });
const seq = fc.option(fc.integer({ min: 0, max: 0xffff }), { nil: undefined });

function withSeq<T extends object>(arb: fc.Arbitrary<T>): fc.Arbitrary<T> {
  return fc.tuple(arb, seq).map(([m, s]) => (s === undefined ? m : { ...m, seq: s }));
}
function opt<K extends string, V>(key: K, arb: fc.Arbitrary<V>): fc.Arbitrary<Partial<Record<K, V>>> {
  return fc.option(arb, { nil: undefined }).map((v) => (v === undefined ? {} : ({ [key]: v } as Record<K, V>)));
}

export const knownGatewayMessage: fc.Arbitrary<KnownGatewayMessage> = withSeq(
  fc.oneof(
    fc.tuple(snowflake, snowflake, str, str, opt('maxDaveProtocolVersion', u8)).map(([serverId, userId, sessionId, token, o]) => ({ op: 0 as const, d: { serverId, userId, sessionId, token, ...o } })),
    fc.record({ protocol: fc.constant('udp'), address: str, port: u16, mode: str }).map((d) => ({ op: 1 as const, d })),
    fc.record({ ssrc: u32, ip: str, port: u16, modes: fc.array(str, { maxLength: 4 }) }).map((d) => ({ op: 2 as const, d })),
    fc.tuple(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), opt('seqAck', seqAck)).map(([t, o]) => ({ op: 3 as const, d: { t, ...o } })),
    fc.record({ mode: str, secretKey: fc.uint8Array({ minLength: 32, maxLength: 32 }), daveProtocolVersion: u8 }).map((d) => ({ op: 4 as const, d })),
    fc.tuple(fc.integer({ min: 0, max: 7 }), u32, opt('delay', nonNeg), opt('userId', snowflake)).map(([speaking, ssrc, a, b]) => ({ op: 5 as const, d: { speaking, ssrc, ...a, ...b } })),
    fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }).map((t) => ({ op: 6 as const, d: { t } })),
    fc.tuple(snowflake, str, str, opt('seqAck', seqAck)).map(([serverId, sessionId, token, o]) => ({ op: 7 as const, d: { serverId, sessionId, token, ...o } })),
    fc.tuple(fc.integer({ min: 1, max: 600_000 }), opt('v', fc.integer({ min: 0, max: 9 }))).map(([heartbeatInterval, o]) => ({ op: 8 as const, d: { heartbeatInterval, ...o } })),
    fc.constant({ op: 9 as const, d: null }),
    fc.array(snowflake, { maxLength: 5 }).map((userIds) => ({ op: 11 as const, d: { userIds } })),
    opaque.map((d) => ({ op: 12 as const, d })),
    snowflake.map((userId) => ({ op: 13 as const, d: { userId } })),
    opaque.map((d) => ({ op: 14 as const, d })),
    opaque.map((d) => ({ op: 15 as const, d })),
    fc.tuple(opt('voice', str), opt('rtcWorker', str)).map(([a, b]) => ({ op: 16 as const, d: { ...a, ...b } })),
    opaque.map((d) => ({ op: 17 as const, d })),
    fc.record({ userId: snowflake, flags: nonNeg }).map((d) => ({ op: 18 as const, d })),
    opaque.map((d) => ({ op: 19 as const, d })),
    fc.record({ userId: snowflake, platform: nonNeg }).map((d) => ({ op: 20 as const, d })),
    fc.record({ protocolVersion: u8, transitionId: u16 }).map((d) => ({ op: 21 as const, d })),
    fc.record({ transitionId: u16 }).map((d) => ({ op: 22 as const, d })),
    fc.record({ transitionId: u16 }).map((d) => ({ op: 23 as const, d })),
    fc.record({ protocolVersion: u8, epoch: nonNeg }).map((d) => ({ op: 24 as const, d })),
    fc.record({ transitionId: u16 }).map((d) => ({ op: 31 as const, d })),
    opaque.map((d) => ({ op: 32 as const, d })),
  ) as fc.Arbitrary<KnownGatewayMessage>,
);

export const unknownGatewayMessage: fc.Arbitrary<VoiceGatewayMessage> = withSeq(
  fc.record({ opcode: fc.oneof(fc.constant(10), fc.integer({ min: 33, max: 10_000 })), d: fc.oneof(opaque, fc.constant(null), fc.integer()) }).map(({ opcode, d }) => ({ op: 'unknown' as const, opcode, d })),
);

const bytes = (min: number, max: number) => fc.uint8Array({ minLength: min, maxLength: max });

export const daveServerFrame: fc.Arbitrary<DaveServerFrame> = fc.oneof(
  fc.record({ seq: u16, externalSender: bytes(1, 200) }).map((f) => ({ ...f, op: 25 as const })),
  fc.record({ seq: u16, operation: fc.constantFrom(0 as const, 1 as const), proposals: bytes(0, 20_000) }).map((f) => ({ ...f, op: 27 as const })),
  fc.record({ seq: u16, transitionId: u16, commit: bytes(1, 300) }).map((f) => ({ ...f, op: 29 as const })),
  fc.record({ seq: u16, transitionId: u16, welcome: bytes(1, 300) }).map((f) => ({ ...f, op: 30 as const })),
);

export const daveClientFrame: fc.Arbitrary<DaveClientFrame> = fc.oneof(
  bytes(1, 300).map((keyPackage) => ({ op: 26 as const, keyPackage })),
  bytes(1, 300).map((commitWelcome) => ({ op: 28 as const, commitWelcome })),
);

export const rtpHeaderInit: fc.Arbitrary<RtpHeaderInit> = fc.record(
  {
    sequence: u16,
    timestamp: u32,
    ssrc: u32,
    payloadType: fc.integer({ min: 0, max: 127 }),
    marker: fc.boolean(),
    padding: fc.boolean(),
    csrcs: fc.array(u32, { maxLength: 15 }),
    extension: fc.record({ profile: u16, length: u16 }),
  },
  { requiredKeys: ['sequence', 'timestamp', 'ssrc'] },
);

export const ipAddress: fc.Arbitrary<string> = fc.oneof(fc.ipV4(), fc.ipV6().filter((s) => s.length < 46));
