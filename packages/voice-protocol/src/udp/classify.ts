/** Demultiplexing of inbound UDP datagrams (docs/protocol.md §8.3). */
import { isRtcpPacketType } from '../rtp/rtcp.js';
import { OPUS_PAYLOAD_TYPE } from '../rtp/header.js';
import { IP_DISCOVERY_LENGTH } from './ip-discovery.js';

export type DatagramKind = 'ip-discovery' | 'rtcp' | 'rtp-opus' | 'rtp-other' | 'other';

export function classifyDatagram(b: Uint8Array): DatagramKind {
  if (b.length === IP_DISCOVERY_LENGTH && b[0] === 0x00 && b[1] === 0x02) return 'ip-discovery';
  if (b.length >= 12 && (b[0] as number) >>> 6 === 2) {
    const b1 = b[1] as number;
    if (isRtcpPacketType(b1)) return 'rtcp';
    if ((b1 & 0x7f) === OPUS_PAYLOAD_TYPE) return 'rtp-opus';
    return 'rtp-other';
  }
  return 'other';
}
