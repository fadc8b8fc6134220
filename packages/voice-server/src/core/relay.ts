/**
 * The UDP side of the emulator, as an SFU: IP discovery (binding each session to the address that discovered
 * first), keepalive echoes, and audio relayed to the channel — opened with the sender's key and sealed again for
 * every listener with the listener's key and nonce. It owns the indexes the hot path reads (SSRC → session,
 * channel → sessions, UDP source → session).
 */
import { classifyDatagram, decodeIpDiscoveryRequest, encodeIpDiscoveryResponse, encodeRtpHeader, IP_DISCOVERY_LENGTH, IpDiscoveryType, readU32, UDP_KEEPALIVE_LENGTH } from '@voicewire/voice-protocol';
import type { FaultPlan } from './faults.js';
import { channelKey, udpKey } from './keys.js';
import type { ServerSession } from './session.js';
import type { ServerOutput, UdpAddress } from './types.js';

export interface RelayStats {
  relayedPackets: number;
  droppedPackets: number;
  decryptFailures: number;
  spoofedDiscoveries: number;
  keepalivesEchoed: number;
}

export interface RelayOptions {
  /** Every relayed packet is also an output `{ type: 'relay' }` (tests, recordings). */
  readonly observeMedia: boolean;
  readonly echoKeepalives: boolean;
  /** A member who deafened themselves gets no audio, as on Discord. */
  readonly isDeaf: (s: ServerSession) => boolean;
}

const sourceKey = (a: UdpAddress, via: number): string => (via === 0 ? udpKey(a) : `${udpKey(a)}#${via}`);

export class Relay {
  private readonly bySsrc = new Map<number, ServerSession>();
  private readonly byChannel = new Map<string, Set<ServerSession>>();
  /** `address|port` (`address|port#via` on UDP server `via` > 0) → the session that discovered from it. */
  private readonly byUdpSource = new Map<string, ServerSession>();

  constructor(private readonly queue: ServerOutput[], private readonly stats: RelayStats, private readonly faults: FaultPlan, private readonly o: RelayOptions) {}

  /** A session that identified: found by its SSRC, and a member of its channel. */
  add(s: ServerSession): void {
    this.bySsrc.set(s.ssrc, s);
    const ck = channelKey(s.guildId, s.channelId);
    let members = this.byChannel.get(ck);
    if (!members) this.byChannel.set(ck, (members = new Set()));
    members.add(s);
  }

  remove(s: ServerSession): void {
    if (s.udpSource) {
      const k = sourceKey(s.udpSource, s.udpServer);
      if (this.byUdpSource.get(k) === s) this.byUdpSource.delete(k);
    }
    if (this.bySsrc.get(s.ssrc) === s) this.bySsrc.delete(s.ssrc);
    const ck = channelKey(s.guildId, s.channelId);
    const members = this.byChannel.get(ck);
    members?.delete(s);
    if (members?.size === 0) this.byChannel.delete(ck);
  }

  hasSsrc(ssrc: number): boolean {
    return this.bySsrc.has(ssrc);
  }

  /** The other members of the session's channel that finished the handshake. */
  peers(s: ServerSession): ServerSession[] {
    const out: ServerSession[] = [];
    for (const x of this.byChannel.get(channelKey(s.guildId, s.channelId)) ?? []) if (x !== s && x.cipher) out.push(x);
    return out;
  }

  /** One datagram, received on UDP server `via`. The hot path: O(listeners), no deadline work. */
  handle(from: UdpAddress, bytes: Uint8Array, via = 0): void {
    if (bytes.length === IP_DISCOVERY_LENGTH && bytes[1] === IpDiscoveryType.Request) return this.discovery(from, bytes, via);
    if (classifyDatagram(bytes) !== 'rtp-opus') {
      // Keepalives are echoed to the session that owns the address (Discord used to; clients use the echo to
      // tell a live UDP path from a dead one). RTCP is accepted, not relayed.
      if (bytes.length === UDP_KEEPALIVE_LENGTH && this.o.echoKeepalives) {
        const owner = this.byUdpSource.get(sourceKey(from, via));
        if (owner && !this.faults.udpSilent(owner)) {
          this.stats.keepalivesEchoed++;
          this.queue.push({ type: 'udp-send', to: from, data: bytes.slice(), via });
        }
      }
      return;
    }
    this.audio(from, bytes, via);
  }

  private discovery(from: UdpAddress, bytes: Uint8Array, via: number): void {
    const req = decodeIpDiscoveryRequest(bytes);
    if (!req.ok) return;
    const s = this.bySsrc.get(req.value.ssrc);
    if (!s || this.faults.udpSilent(s)) return;
    // a discovery on a UDP server other than the session's own is not answered: its client was told another port
    if (s.udpServer !== via) {
      this.stats.spoofedDiscoveries++;
      return;
    }
    // The UDP address is bound once per session, to the socket that discovered first: a spoofed request with
    // someone else's SSRC must not re-route their audio.
    if (s.udpSource && (s.udpSource.address !== from.address || s.udpSource.port !== from.port)) {
      this.stats.spoofedDiscoveries++;
      return;
    }
    s.udpSource = { address: from.address, port: from.port };
    this.byUdpSource.set(sourceKey(from, via), s);
    this.queue.push({ type: 'udp-send', to: from, data: encodeIpDiscoveryResponse({ ssrc: req.value.ssrc, address: from.address, port: from.port }), via });
  }

  private audio(from: UdpAddress, bytes: Uint8Array, via: number): void {
    const s = this.bySsrc.get(readU32(bytes, 8));
    if (!s || !s.cipher || !s.udpSource || this.faults.udpSilent(s) || s.udpServer !== via || s.udpSource.address !== from.address || s.udpSource.port !== from.port) {
      this.stats.droppedPackets++;
      return;
    }
    const listeners = this.peers(s).filter((l) => l.cipher && l.udpDest && !this.faults.udpSilent(l) && !this.o.isDeaf(l));
    if (listeners.length === 0 && !this.o.observeMedia) {
      s.packetsRelayedIn++; // nobody to relay to: an SFU does not need to open it
      return;
    }
    const opened = s.cipher.openRtp(bytes);
    if (!opened.ok) {
      this.stats.decryptFailures++;
      return;
    }
    s.packetsRelayedIn++;
    if (this.faults.dropsPacket(s)) {
      this.stats.droppedPackets++;
      return; // injected loss
    }
    const { sequence, timestamp, ssrc } = opened.value.header;
    const payload = opened.value.payload;
    if (this.o.observeMedia) this.queue.push({ type: 'relay', fromUserId: s.userId, ssrc, payload });
    const header = encodeRtpHeader({ sequence, timestamp, ssrc });
    for (const listener of listeners) {
      if (!listener.cipher || !listener.udpDest) continue;
      listener.nonce = (listener.nonce + 1) >>> 0;
      this.queue.push({ type: 'udp-send', to: listener.udpDest, data: listener.cipher.sealRtp(header, payload, listener.nonce), via: listener.udpServer });
      this.stats.relayedPackets++;
    }
  }
}
