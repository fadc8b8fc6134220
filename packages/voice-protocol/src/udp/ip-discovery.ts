/**
 * IP discovery (docs/protocol.md §8.1): 74-byte request and response.
 *   0 type u16 (1 request, 2 response) · 2 length u16 = 70 · 4 ssrc u32 · 8 address[64] NUL-padded ASCII · 72 port u16
 */
import { outputBuffer, readU16, readU32, writeU16, writeU32 } from '../bytes.js';
import { fail, ok, type DecodeResult } from '../result.js';

export const IP_DISCOVERY_LENGTH = 74;
const BODY_LENGTH = 70;
const ADDRESS_OFFSET = 8;
const ADDRESS_FIELD = 64;
const PORT_OFFSET = 72;

export const IpDiscoveryType = { Request: 1, Response: 2 } as const;

export interface IpDiscoveryRequest {
  readonly ssrc: number;
}
export interface IpDiscoveryResponse {
  readonly ssrc: number;
  readonly address: string;
  readonly port: number;
}

export function encodeIpDiscoveryRequest(ssrc: number, out?: Uint8Array, offset = 0): Uint8Array {
  const b = outputBuffer(IP_DISCOVERY_LENGTH, out, offset);
  b.fill(0, offset, offset + IP_DISCOVERY_LENGTH);
  writeU16(b, offset, IpDiscoveryType.Request);
  writeU16(b, offset + 2, BODY_LENGTH);
  writeU32(b, offset + 4, ssrc >>> 0);
  return b.subarray(offset, offset + IP_DISCOVERY_LENGTH);
}

export function decodeIpDiscoveryRequest(b: Uint8Array): DecodeResult<IpDiscoveryRequest> {
  if (b.length !== IP_DISCOVERY_LENGTH) return fail(`IP discovery request must be ${IP_DISCOVERY_LENGTH} bytes, got ${b.length}`);
  if (readU16(b, 0) !== IpDiscoveryType.Request) return fail('not an IP discovery request (type != 1)');
  if (readU16(b, 2) !== BODY_LENGTH) return fail('IP discovery request length field is not 70');
  return ok({ ssrc: readU32(b, 4) });
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const IPV6 = /^[0-9a-fA-F:.]{2,45}$/;

/** True for a dotted IPv4 address or a plausible IPv6 literal. */
export function isIpAddress(s: string): boolean {
  return IPV4.test(s) || (s.includes(':') && IPV6.test(s));
}

export function encodeIpDiscoveryResponse(value: IpDiscoveryResponse, out?: Uint8Array, offset = 0): Uint8Array {
  if (value.address.length >= ADDRESS_FIELD || !isIpAddress(value.address)) throw new RangeError(`not an IP address that fits the 64-byte field: ${value.address}`);
  const b = outputBuffer(IP_DISCOVERY_LENGTH, out, offset);
  b.fill(0, offset, offset + IP_DISCOVERY_LENGTH);
  writeU16(b, offset, IpDiscoveryType.Response);
  writeU16(b, offset + 2, BODY_LENGTH);
  writeU32(b, offset + 4, value.ssrc >>> 0);
  for (let i = 0; i < value.address.length; i++) b[offset + ADDRESS_OFFSET + i] = value.address.charCodeAt(i);
  writeU16(b, offset + PORT_OFFSET, value.port);
  return b.subarray(offset, offset + IP_DISCOVERY_LENGTH);
}

export function decodeIpDiscoveryResponse(b: Uint8Array): DecodeResult<IpDiscoveryResponse> {
  if (b.length !== IP_DISCOVERY_LENGTH) return fail(`IP discovery response must be ${IP_DISCOVERY_LENGTH} bytes, got ${b.length}`);
  if (readU16(b, 0) !== IpDiscoveryType.Response) return fail('not an IP discovery response (type != 2)');
  if (readU16(b, 2) !== BODY_LENGTH) return fail('IP discovery response length field is not 70');
  let address = '';
  let i = ADDRESS_OFFSET;
  for (; i < ADDRESS_OFFSET + ADDRESS_FIELD; i++) {
    const c = b[i] as number;
    if (c === 0) break;
    if (c < 0x20 || c > 0x7e) return fail('IP discovery address has a non-printable byte');
    address += String.fromCharCode(c);
  }
  if (i === ADDRESS_OFFSET + ADDRESS_FIELD) return fail('IP discovery address is not NUL-terminated');
  if (!isIpAddress(address)) return fail('IP discovery address is not an IP address');
  const port = readU16(b, PORT_OFFSET);
  if (port === 0) return fail('IP discovery response has port 0');
  return ok({ ssrc: readU32(b, 4), address, port });
}
