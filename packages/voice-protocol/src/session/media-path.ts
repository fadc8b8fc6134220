/**
 * The UDP media path of one connection attempt (docs/protocol.md, UDP and transport encryption): it exists from
 * Ready until the attempt is torn down, and holds what only exists then — the socket id, Ready's payload, the
 * RTP sender, the chosen mode, the cipher from Session Description, the keepalive schedule, and what is known of
 * the path's liveness. Holding them together means no state can have a cipher without a socket, or a socket
 * without the SSRC it was opened for.
 */
import type { TransportCipher } from '../crypto/packet.js';
import type { TransportMode } from '../crypto/provider.js';
import type { ReadyPayload } from '../gateway/messages.js';
import { encodeUdpKeepalive } from '../udp/keepalive.js';
import { MediaSender } from './media-sender.js';

export class MediaPath {
  readonly sender: MediaSender;
  /** Chosen after IP discovery (Select Protocol). */
  mode: TransportMode | null = null;
  /** From Session Description; with it the path carries audio. */
  cipher: TransportCipher | null = null;
  private keepaliveAt: number;
  private keepaliveCounter = 0;
  /** The last inbound datagram, and since when the server is known to answer on UDP (null: not known). */
  private lastInAt: number;
  private expectedSince: number | null = null;
  /** Op 5 (speaking) went out for this path since the last silence tail or resume: audio may follow without it. */
  speaking = false;
  /** A UDP error came after the last inbound datagram: the path may be dead. */
  suspect = false;
  /** Round trip of the latest answered keepalive (servers that echo them), null until one is answered. */
  keepaliveRttMs: number | null = null;
  /** Send times of the last keepalives, by counter, to time their echoes. */
  private readonly keepalivesSent: { counter: number; at: number }[] = [];

  constructor(readonly udpId: number, readonly ready: ReadyPayload, random: () => number, now: number, private readonly keepaliveIntervalMs: number) {
    this.sender = new MediaSender(random, ready.ssrc);
    this.keepaliveAt = now + keepaliveIntervalMs;
    this.lastInAt = now;
  }

  /** A datagram arrived (`datagram`: when it is a keepalive echo). A keepalive echo shows the server answers on UDP: from then on its silence means a dead path. */
  inbound(now: number, datagram: Uint8Array | null): void {
    this.lastInAt = now;
    this.suspect = false;
    if (datagram === null) return;
    if (this.expectedSince === null) this.expectedSince = now;
    const counter = ((datagram[0] as number) | ((datagram[1] as number) << 8) | ((datagram[2] as number) << 16) | ((datagram[3] as number) << 24)) >>> 0;
    const sent = this.keepalivesSent.find((k) => k.counter === counter);
    if (sent) this.keepaliveRttMs = Math.max(0, now - sent.at);
  }

  /** The transport reported a (non-fatal) UDP error: the server's silence counts from now. */
  failed(now: number): void {
    this.suspect = true;
    if (this.expectedSince === null) this.expectedSince = now;
  }

  /** When silence means the path is dead, or null while the server is not known to answer. */
  silenceDeadline(timeoutMs: number): number | null {
    return this.expectedSince === null ? null : Math.max(this.lastInAt, this.expectedSince) + timeoutMs;
  }

  /** How long nothing has arrived, and forget that answers were expected (one warning per silence). */
  takeSilence(now: number): number {
    const since = Math.max(this.lastInAt, this.expectedSince ?? this.lastInAt);
    this.expectedSince = null;
    return Math.round(now - since);
  }

  keepaliveDeadline(): number {
    return this.keepaliveAt;
  }

  /** The keepalive datagram that is due, with the next one scheduled. */
  nextKeepalive(now: number): Uint8Array {
    this.keepaliveAt += this.keepaliveIntervalMs;
    if (this.keepaliveAt <= now) this.keepaliveAt = now + this.keepaliveIntervalMs;
    this.keepalivesSent.push({ counter: this.keepaliveCounter >>> 0, at: now });
    if (this.keepalivesSent.length > 4) this.keepalivesSent.shift();
    return encodeUdpKeepalive(this.keepaliveCounter++);
  }
}
