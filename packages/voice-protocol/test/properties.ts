// The codec properties, shared by the test suite (a few hundred runs each) and `pnpm fuzz` (1e6 runs each).
import fc from 'fast-check';
import {
  decodeDaveClientFrame,
  decodeDaveServerFrame,
  decodeGatewayMessage,
  decodeIpDiscoveryRequest,
  decodeIpDiscoveryResponse,
  decodeRtcpHeader,
  decodeRtpHeader,
  classifyDatagram,
  encodeDaveClientFrame,
  encodeDaveServerFrame,
  encodeGatewayMessage,
  encodeIpDiscoveryRequest,
  encodeIpDiscoveryResponse,
  encodeRtpHeader,
  readMlsVarint,
  rtpsizeLayout,
  stripRtpPlaintext,
  writeMlsVarint,
  type DecodeResult,
} from '../src/index.js';
import { daveClientFrame, daveServerFrame, ipAddress, knownGatewayMessage, rtpHeaderInit, unknownGatewayMessage } from './arbitraries.js';

/** A decoder result must be a value or a reason: anything else (or a throw) fails the property. */
export function isResult(r: DecodeResult<unknown>): boolean {
  return r.ok === true ? 'value' in r : typeof r.reason === 'string' && r.reason.length > 0;
}

function prefixesNeverThrow<T>(encoded: Uint8Array, decode: (b: Uint8Array) => DecodeResult<T>): boolean {
  for (let i = 0; i <= encoded.length; i++) if (!isResult(decode(encoded.subarray(0, i)))) return false;
  return true;
}

export interface CodecProperty {
  readonly codec: string;
  readonly name: string;
  readonly property: fc.IProperty<unknown> | fc.IProperty<[unknown]>;
}

const anyBytes = fc.uint8Array({ maxLength: 2048 });

export const properties: CodecProperty[] = [
  // Voice gateway JSON
  { codec: 'gateway', name: 'known messages round-trip', property: fc.property(knownGatewayMessage, (m) => { const r = decodeGatewayMessage(encodeGatewayMessage(m)); return r.ok && JSON.stringify(encodeGatewayMessage(r.value)) === JSON.stringify(encodeGatewayMessage(m)) && deepEqual(r.value, m); }) },
  { codec: 'gateway', name: 'unknown opcodes decode as unknown', property: fc.property(unknownGatewayMessage, (m) => { const r = decodeGatewayMessage(encodeGatewayMessage(m)); return r.ok && r.value.op === 'unknown' && deepEqual(r.value, m); }) },
  { codec: 'gateway', name: 'any string decodes or gives a reason', property: fc.property(fc.oneof(fc.string(), fc.json()), (s) => isResult(decodeGatewayMessage(s))) },
  { codec: 'gateway', name: 'any JSON object with an op decodes or gives a reason', property: fc.property(fc.integer({ min: -2, max: 40 }), fc.jsonValue(), fc.option(fc.jsonValue()), (op, d, seq) => isResult(decodeGatewayMessage(JSON.stringify({ op, d, seq })))) },
  { codec: 'gateway', name: 'every prefix of a valid message decodes or gives a reason', property: fc.property(knownGatewayMessage, (m) => { const s = encodeGatewayMessage(m); for (let i = 0; i <= s.length; i++) if (!isResult(decodeGatewayMessage(s.slice(0, i)))) return false; return true; }) },
  // DAVE binary frames
  { codec: 'dave', name: 'server frames round-trip', property: fc.property(daveServerFrame, (f) => { const r = decodeDaveServerFrame(encodeDaveServerFrame(f)); return r.ok && deepEqual(r.value, f); }) },
  { codec: 'dave', name: 'client frames round-trip', property: fc.property(daveClientFrame, (f) => { const r = decodeDaveClientFrame(encodeDaveClientFrame(f)); return r.ok && deepEqual(r.value, f); }) },
  { codec: 'dave', name: 'any bytes decode or give a reason', property: fc.property(anyBytes, (b) => isResult(decodeDaveServerFrame(b)) && isResult(decodeDaveClientFrame(b))) },
  { codec: 'dave', name: 'every prefix of a valid frame decodes or gives a reason', property: fc.property(daveServerFrame, (f) => prefixesNeverThrow(encodeDaveServerFrame(f), decodeDaveServerFrame)) },
  { codec: 'dave', name: 'MLS varints round-trip', property: fc.property(fc.integer({ min: 0, max: 2 ** 30 - 1 }), (v) => { const b = new Uint8Array(4); const n = writeMlsVarint(b, 0, v); const r = readMlsVarint(b.subarray(0, n), 0); return r.ok && r.value.value === v && r.value.size === n; }) },
  // RTP / RTCP / rtpsize layout
  { codec: 'rtp', name: 'headers round-trip', property: fc.property(rtpHeaderInit, (h) => { const r = decodeRtpHeader(encodeRtpHeader(h)); if (!r.ok) return false; const v = r.value; return v.sequence === h.sequence && v.timestamp === h.timestamp && v.ssrc === h.ssrc && v.payloadType === (h.payloadType ?? 120) && v.marker === (h.marker ?? false) && v.padding === (h.padding ?? false) && deepEqual(v.csrcs, h.csrcs ?? []) && v.extension === (h.extension !== undefined) && v.extensionProfile === h.extension?.profile && v.extensionLength === h.extension?.length && v.clearHeaderLength === 12 + 4 * (h.csrcs?.length ?? 0) + (h.extension ? 4 : 0); }) },
  { codec: 'rtp', name: 'any bytes decode or give a reason', property: fc.property(anyBytes, (b) => isResult(decodeRtpHeader(b)) && isResult(decodeRtcpHeader(b)) && typeof classifyDatagram(b) === 'string') },
  { codec: 'rtp', name: 'every prefix of a valid header decodes or gives a reason', property: fc.property(rtpHeaderInit, (h) => prefixesNeverThrow(encodeRtpHeader(h), decodeRtpHeader)) },
  { codec: 'rtp', name: 'layout and strip never throw and stay in bounds', property: fc.property(anyBytes, fc.boolean(), fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 12, max: 80 }), (b, p, ext, h) => { const l = rtpsizeLayout(b.length, h); const s = stripRtpPlaintext(b, p, ext); return isResult(l) && isResult(s) && (!s.ok || s.value.length <= b.length); }) },
  // IP discovery
  { codec: 'ip-discovery', name: 'responses round-trip', property: fc.property(fc.integer({ min: 0, max: 0xffffffff }), ipAddress, fc.integer({ min: 1, max: 0xffff }), (ssrc, address, port) => { const r = decodeIpDiscoveryResponse(encodeIpDiscoveryResponse({ ssrc, address, port })); return r.ok && r.value.ssrc === ssrc && r.value.address === address && r.value.port === port; }) },
  { codec: 'ip-discovery', name: 'requests round-trip', property: fc.property(fc.integer({ min: 0, max: 0xffffffff }), (ssrc) => { const r = decodeIpDiscoveryRequest(encodeIpDiscoveryRequest(ssrc)); return r.ok && r.value.ssrc === ssrc; }) },
  { codec: 'ip-discovery', name: 'any bytes decode or give a reason', property: fc.property(fc.oneof(anyBytes, fc.uint8Array({ minLength: 74, maxLength: 74 })), (b) => isResult(decodeIpDiscoveryResponse(b)) && isResult(decodeIpDiscoveryRequest(b))) },
];

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a instanceof Uint8Array && b instanceof Uint8Array) return a.length === b.length && a.every((x, i) => x === b[i]);
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (typeof a === 'object' && typeof b === 'object' && a !== null && b !== null && !Array.isArray(a) && !Array.isArray(b)) {
    const ka = Object.keys(a).sort();
    const kb = Object.keys(b).sort();
    return deepEqual(ka, kb) && ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
  }
  return false;
}
