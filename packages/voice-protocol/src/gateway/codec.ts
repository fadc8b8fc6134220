/**
 * Voice gateway JSON codec, v8 (docs/protocol.md §3.2, §3.3, §4). `decodeGatewayMessage` never throws:
 * malformed JSON or a payload of the wrong shape gives a reason; an unknown opcode gives an
 * `{ op: 'unknown' }` message so callers can ignore it (§4.1 "ignore unknown opcodes").
 */
import { isU16, isU32, isU8 } from '../bytes.js';
import { fail, ok, type DecodeResult } from '../result.js';
import type { KnownGatewayMessage, OpaquePayload, VoiceGatewayMessage } from './messages.js';
import { VoiceOpcode } from './opcodes.js';

type Obj = Record<string, unknown>;
type PayloadCodec = {
  decode(d: unknown): DecodeResult<unknown>;
  encode(d: never): unknown;
};

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
const isStr = (v: unknown): v is string => typeof v === 'string';
const isNonNegInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isFiniteNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Checks each named field of `d` with its predicate; returns the first failure as a reason. */
function fields(op: string, d: unknown, spec: Record<string, (v: unknown) => boolean>, optional: readonly string[] = []): DecodeResult<Obj> {
  if (!isObj(d)) return fail(`${op}: payload is not an object`);
  for (const [key, check] of Object.entries(spec)) {
    const v = d[key];
    if (v === undefined || v === null) {
      if (optional.includes(key)) continue;
      return fail(`${op}: missing field "${key}"`);
    }
    if (!check(v)) return fail(`${op}: field "${key}" has the wrong type or range`);
  }
  return ok(d);
}

/** Drops keys whose value is undefined so that optional fields are absent rather than undefined. */
function defined<T extends Obj>(o: T): T {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return o;
}

const seqAckOk = (v: unknown): boolean => typeof v === 'number' && Number.isSafeInteger(v) && v >= -1;

function opaque(name: string): PayloadCodec {
  return {
    decode: (d) => (d === null || d === undefined ? ok({}) : isObj(d) ? ok(d as OpaquePayload) : fail(`${name}: payload is not an object`)),
    encode: (d: OpaquePayload) => d,
  };
}

function transitionIdCodec(name: string): PayloadCodec {
  return {
    decode: (d) => {
      const r = fields(name, d, { transition_id: isU16 });
      return r.ok ? ok({ transitionId: r.value.transition_id }) : r;
    },
    encode: (d: { transitionId: number }) => ({ transition_id: d.transitionId }),
  };
}

const CODECS: Record<number, PayloadCodec> = {
  [VoiceOpcode.Identify]: {
    decode: (d) => {
      const r = fields('Identify', d, { server_id: isStr, user_id: isStr, session_id: isStr, token: isStr, max_dave_protocol_version: isU8 }, ['max_dave_protocol_version']);
      if (!r.ok) return r;
      const v = r.value;
      return ok(defined({ serverId: v.server_id, userId: v.user_id, sessionId: v.session_id, token: v.token, maxDaveProtocolVersion: v.max_dave_protocol_version ?? undefined }));
    },
    encode: (d: { serverId: string; userId: string; sessionId: string; token: string; maxDaveProtocolVersion?: number }) =>
      defined({ server_id: d.serverId, user_id: d.userId, session_id: d.sessionId, token: d.token, max_dave_protocol_version: d.maxDaveProtocolVersion }),
  },
  [VoiceOpcode.SelectProtocol]: {
    decode: (d) => {
      const r = fields('SelectProtocol', d, { protocol: isStr, data: isObj });
      if (!r.ok) return r;
      const data = fields('SelectProtocol.data', r.value.data, { address: isStr, port: isU16, mode: isStr });
      if (!data.ok) return data;
      return ok({ protocol: r.value.protocol, address: data.value.address, port: data.value.port, mode: data.value.mode });
    },
    encode: (d: { protocol: string; address: string; port: number; mode: string }) => ({ protocol: d.protocol, data: { address: d.address, port: d.port, mode: d.mode } }),
  },
  [VoiceOpcode.Ready]: {
    decode: (d) => {
      const r = fields('Ready', d, { ssrc: isU32, ip: isStr, port: isU16, modes: (m) => Array.isArray(m) && m.every(isStr) });
      if (!r.ok) return r;
      return ok({ ssrc: r.value.ssrc, ip: r.value.ip, port: r.value.port, modes: [...(r.value.modes as string[])] });
    },
    encode: (d: { ssrc: number; ip: string; port: number; modes: readonly string[] }) => ({ ssrc: d.ssrc, ip: d.ip, port: d.port, modes: [...d.modes] }),
  },
  [VoiceOpcode.Heartbeat]: {
    decode: (d) => {
      if (isFiniteNum(d)) return ok({ t: d }); // pre-v8 form
      const r = fields('Heartbeat', d, { t: isFiniteNum, seq_ack: seqAckOk }, ['seq_ack']);
      return r.ok ? ok(defined({ t: r.value.t, seqAck: r.value.seq_ack ?? undefined })) : r;
    },
    encode: (d: { t: number; seqAck?: number }) => defined({ t: d.t, seq_ack: d.seqAck }),
  },
  [VoiceOpcode.SessionDescription]: {
    decode: (d) => {
      const r = fields('SessionDescription', d, { mode: isStr, secret_key: (k) => Array.isArray(k) && k.length === 32 && k.every(isU8), dave_protocol_version: isU8 }, ['dave_protocol_version']);
      if (!r.ok) return r;
      return ok({ mode: r.value.mode, secretKey: Uint8Array.from(r.value.secret_key as number[]), daveProtocolVersion: (r.value.dave_protocol_version as number | undefined) ?? 0 });
    },
    encode: (d: { mode: string; secretKey: Uint8Array; daveProtocolVersion: number }) => ({ mode: d.mode, secret_key: Array.from(d.secretKey), dave_protocol_version: d.daveProtocolVersion }),
  },
  [VoiceOpcode.Speaking]: {
    decode: (d) => {
      const r = fields('Speaking', d, { speaking: isNonNegInt, ssrc: isU32, delay: isNonNegInt, user_id: isStr }, ['delay', 'user_id']);
      if (!r.ok) return r;
      return ok(defined({ speaking: r.value.speaking, ssrc: r.value.ssrc, delay: r.value.delay ?? undefined, userId: r.value.user_id ?? undefined }));
    },
    encode: (d: { speaking: number; ssrc: number; delay?: number; userId?: string }) => defined({ speaking: d.speaking, delay: d.delay, ssrc: d.ssrc, user_id: d.userId }),
  },
  [VoiceOpcode.HeartbeatAck]: {
    decode: (d) => {
      if (isFiniteNum(d)) return ok({ t: d });
      const r = fields('HeartbeatAck', d, { t: isFiniteNum });
      return r.ok ? ok({ t: r.value.t }) : r;
    },
    encode: (d: { t: number }) => ({ t: d.t }),
  },
  [VoiceOpcode.Resume]: {
    decode: (d) => {
      const r = fields('Resume', d, { server_id: isStr, session_id: isStr, token: isStr, seq_ack: seqAckOk }, ['seq_ack']);
      if (!r.ok) return r;
      return ok(defined({ serverId: r.value.server_id, sessionId: r.value.session_id, token: r.value.token, seqAck: r.value.seq_ack ?? undefined }));
    },
    encode: (d: { serverId: string; sessionId: string; token: string; seqAck?: number }) => defined({ server_id: d.serverId, session_id: d.sessionId, token: d.token, seq_ack: d.seqAck }),
  },
  [VoiceOpcode.Hello]: {
    decode: (d) => {
      const r = fields('Hello', d, { heartbeat_interval: (v) => isFiniteNum(v) && v > 0, v: isNonNegInt }, ['v']);
      return r.ok ? ok(defined({ heartbeatInterval: r.value.heartbeat_interval, v: r.value.v ?? undefined })) : r;
    },
    encode: (d: { heartbeatInterval: number; v?: number }) => defined({ heartbeat_interval: d.heartbeatInterval, v: d.v }),
  },
  [VoiceOpcode.Resumed]: { decode: () => ok(null), encode: () => null },
  [VoiceOpcode.ClientsConnect]: {
    decode: (d) => {
      const r = fields('ClientsConnect', d, { user_ids: (u) => Array.isArray(u) && u.every(isStr) });
      return r.ok ? ok({ userIds: [...(r.value.user_ids as string[])] }) : r;
    },
    encode: (d: { userIds: readonly string[] }) => ({ user_ids: [...d.userIds] }),
  },
  [VoiceOpcode.ClientDisconnect]: {
    decode: (d) => {
      const r = fields('ClientDisconnect', d, { user_id: isStr });
      return r.ok ? ok({ userId: r.value.user_id }) : r;
    },
    encode: (d: { userId: string }) => ({ user_id: d.userId }),
  },
  [VoiceOpcode.VoiceBackendVersion]: {
    decode: (d) => {
      const r = fields('VoiceBackendVersion', d ?? {}, { voice: isStr, rtc_worker: isStr }, ['voice', 'rtc_worker']);
      return r.ok ? ok(defined({ voice: r.value.voice ?? undefined, rtcWorker: r.value.rtc_worker ?? undefined })) : r;
    },
    encode: (d: { voice?: string; rtcWorker?: string }) => defined({ voice: d.voice, rtc_worker: d.rtcWorker }),
  },
  [VoiceOpcode.ClientFlags]: {
    decode: (d) => {
      const r = fields('ClientFlags', d, { user_id: isStr, flags: isNonNegInt });
      return r.ok ? ok({ userId: r.value.user_id, flags: r.value.flags }) : r;
    },
    encode: (d: { userId: string; flags: number }) => ({ user_id: d.userId, flags: d.flags }),
  },
  [VoiceOpcode.ClientPlatform]: {
    decode: (d) => {
      const r = fields('ClientPlatform', d, { user_id: isStr, platform: isNonNegInt });
      return r.ok ? ok({ userId: r.value.user_id, platform: r.value.platform }) : r;
    },
    encode: (d: { userId: string; platform: number }) => ({ user_id: d.userId, platform: d.platform }),
  },
  [VoiceOpcode.DavePrepareTransition]: {
    decode: (d) => {
      const r = fields('DavePrepareTransition', d, { protocol_version: isU8, transition_id: isU16 });
      return r.ok ? ok({ protocolVersion: r.value.protocol_version, transitionId: r.value.transition_id }) : r;
    },
    encode: (d: { protocolVersion: number; transitionId: number }) => ({ protocol_version: d.protocolVersion, transition_id: d.transitionId }),
  },
  [VoiceOpcode.DaveExecuteTransition]: transitionIdCodec('DaveExecuteTransition'),
  [VoiceOpcode.DaveTransitionReady]: transitionIdCodec('DaveTransitionReady'),
  [VoiceOpcode.DavePrepareEpoch]: {
    decode: (d) => {
      const r = fields('DavePrepareEpoch', d, { protocol_version: isU8, epoch: isNonNegInt });
      return r.ok ? ok({ protocolVersion: r.value.protocol_version, epoch: r.value.epoch }) : r;
    },
    encode: (d: { protocolVersion: number; epoch: number }) => ({ protocol_version: d.protocolVersion, epoch: d.epoch }),
  },
  [VoiceOpcode.DaveMlsInvalidCommitWelcome]: transitionIdCodec('DaveMlsInvalidCommitWelcome'),
  [VoiceOpcode.Video]: opaque('Video'),
  [VoiceOpcode.SessionUpdate]: opaque('SessionUpdate'),
  [VoiceOpcode.MediaSinkWants]: opaque('MediaSinkWants'),
  [VoiceOpcode.ChannelOptionsUpdate]: opaque('ChannelOptionsUpdate'),
  [VoiceOpcode.SpeedTest]: opaque('SpeedTest'),
  [VoiceOpcode.NoRoute]: opaque('NoRoute'),
};

/** Decodes one text frame of the voice gateway. Never throws. */
export function decodeGatewayMessage(text: string): DecodeResult<VoiceGatewayMessage> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return fail('not valid JSON');
  }
  return decodeGatewayObject(raw);
}

/** Decodes an already-parsed JSON value (useful where a runtime hands over parsed JSON). Never throws. */
export function decodeGatewayObject(raw: unknown): DecodeResult<VoiceGatewayMessage> {
  if (!isObj(raw)) return fail('message is not a JSON object');
  const op = raw.op;
  if (typeof op !== 'number' || !Number.isSafeInteger(op) || op < 0) return fail('message has no integer "op"');
  let seq: number | undefined;
  if (raw.seq !== undefined && raw.seq !== null) {
    if (!isNonNegInt(raw.seq)) return fail('"seq" is not a non-negative integer');
    seq = raw.seq;
  }
  const codec = CODECS[op];
  if (codec === undefined) {
    const unknown = seq === undefined ? { op: 'unknown' as const, opcode: op, d: raw.d } : { op: 'unknown' as const, opcode: op, d: raw.d, seq };
    return ok(unknown);
  }
  let d: DecodeResult<unknown>;
  try {
    d = codec.decode(raw.d);
  } catch {
    // Defensive: a payload codec must not throw, but remote input must never escape as an exception.
    return fail(`op ${op}: payload could not be decoded`);
  }
  if (!d.ok) return d;
  const message = seq === undefined ? { op, d: d.value } : { op, d: d.value, seq };
  return ok(message as VoiceGatewayMessage);
}

/** The wire object for a message, before JSON.stringify. */
export function gatewayMessageToWire(message: VoiceGatewayMessage): { op: number; d: unknown; seq?: number } {
  if (message.op === 'unknown') {
    return message.seq === undefined ? { op: message.opcode, d: message.d } : { op: message.opcode, d: message.d, seq: message.seq };
  }
  const codec = CODECS[message.op];
  if (codec === undefined) throw new RangeError(`op ${message.op} has no JSON form (binary DAVE opcodes use the binary codec)`);
  const d = codec.encode(message.d as never);
  return message.seq === undefined ? { op: message.op, d } : { op: message.op, d, seq: message.seq };
}

/** Encodes a message as the text of one WebSocket text frame. */
export function encodeGatewayMessage(message: VoiceGatewayMessage): string {
  return JSON.stringify(gatewayMessageToWire(message));
}

/** Opcodes with a typed JSON codec here. */
export const JSON_OPCODES: readonly number[] = Object.keys(CODECS).map(Number);

export type { KnownGatewayMessage };
