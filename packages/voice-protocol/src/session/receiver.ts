/**
 * The receive path after transport decryption (docs/protocol.md §4.2 op 5/11/13, §9.5, §11.9, §12): SSRC → user
 * from op 5, the set of users from ops 11/13, one reorder buffer per SSRC, and speaking start/stop derived
 * from packet flow (start on the first packet, stop after five silence frames or a pause).
 */
import { isSilenceFrame, SILENCE_FRAMES_ON_STOP } from '../speaking.js';
import { ReorderBuffer, type ReorderOutput } from './reorder-buffer.js';
import { ReplayWindow } from './replay-window.js';

/** Replay windows kept at most (one per SSRC that sent something); the oldest is forgotten first. */
const MAX_REPLAY_WINDOWS = 256;
import type { SessionEvent } from './outputs.js';

interface Source {
  readonly ssrc: number;
  readonly userId: string;
  readonly buffer: ReorderBuffer;
  speaking: boolean;
  silenceRun: number;
  lastPacketAt: number;
}

export interface ReceiverConfig {
  /** Packets from an SSRC not yet mapped by op 5 are held this long, then dropped (docs/protocol.md §11.9). */
  readonly unknownSsrcHoldMs: number;
  /** At most this many packets held per unknown SSRC, and this many unknown SSRCs. */
  readonly unknownSsrcMaxPackets: number;
  readonly unknownSsrcMaxSources: number;
  readonly reorderDepth: number;
  readonly reorderWaitMs: number;
  /** A user who sends nothing for this long is reported as no longer speaking. */
  readonly speakingTimeoutMs: number;
  /** Turns a transport payload into the Opus frame (DAVE decryption); null drops it. */
  readonly decode?: (userId: string, payload: Uint8Array) => Uint8Array | null;
}

export class Receiver {
  private readonly sources = new Map<number, Source>();
  readonly users = new Set<string>();
  private readonly scratch: ReorderOutput[] = [];
  private readonly unmapped = new Map<number, { sequence: number; timestamp: number; payload: Uint8Array; at: number }[]>();
  framesDelivered = 0;
  /** Packets dropped because their SSRC was never mapped to a user in time (or too many were held). */
  unknownSsrcDrops = 0;
  private readonly replay = new Map<number, ReplayWindow>();
  replayDrops = 0;

  constructor(private readonly config: ReceiverConfig) {}

  clientsConnect(userIds: readonly string[]): void {
    for (const u of userIds) this.users.add(u);
  }

  /** op 13: forget the user and their SSRCs. */
  clientDisconnect(userId: string, emit: (e: SessionEvent) => void): void {
    this.users.delete(userId);
    for (const [ssrc, s] of this.sources) {
      if (s.userId !== userId) continue;
      if (s.speaking) emit({ type: 'user-speaking', userId, ssrc, speaking: false });
      this.sources.delete(ssrc);
    }
  }

  /** op 5 from the server: map (or remap) an SSRC to a user, and deliver what was held for it. */
  mapSsrc(ssrc: number, userId: string, now: number, emit: (e: SessionEvent) => void): void {
    const existing = this.sources.get(ssrc);
    if (!existing || existing.userId !== userId) {
      this.users.add(userId);
      this.sources.set(ssrc, { ssrc, userId, buffer: new ReorderBuffer(this.config.reorderDepth, this.config.reorderWaitMs), speaking: false, silenceRun: 0, lastPacketAt: 0 });
    }
    const held = this.unmapped.get(ssrc);
    if (held) {
      this.unmapped.delete(ssrc);
      for (const p of held) this.push(ssrc, p.sequence, p.timestamp, p.payload, now, emit);
    }
  }

  /** Holds a packet from an SSRC that op 5 has not mapped yet. Bounded: over the limits it is dropped and counted. */
  holdUnmapped(ssrc: number, sequence: number, timestamp: number, payload: Uint8Array, now: number): void {
    let list = this.unmapped.get(ssrc);
    if (!list) {
      if (this.unmapped.size >= this.config.unknownSsrcMaxSources) {
        this.unknownSsrcDrops++;
        return;
      }
      list = [];
      this.unmapped.set(ssrc, list);
    }
    if (list.length >= this.config.unknownSsrcMaxPackets) {
      this.unknownSsrcDrops++;
      return;
    }
    list.push({ sequence, timestamp, payload, at: now });
  }

  /**
   * True when `nonce` (the packet's authenticated nonce suffix) is new for `ssrc`; false for a replay, which is
   * counted. The windows live as long as the session key: a new key means a new Receiver.
   */
  acceptNonce(ssrc: number, nonce: number): boolean {
    let w = this.replay.get(ssrc);
    if (!w) {
      if (this.replay.size >= MAX_REPLAY_WINDOWS) this.replay.delete(this.replay.keys().next().value as number);
      w = new ReplayWindow();
      this.replay.set(ssrc, w);
    }
    if (w.accept(nonce)) return true;
    this.replayDrops++;
    return false;
  }

  userOf(ssrc: number): string | undefined {
    return this.sources.get(ssrc)?.userId;
  }

  /** A decrypted payload from a known SSRC. Returns false when the SSRC is unknown. */
  push(ssrc: number, sequence: number, timestamp: number, payload: Uint8Array, now: number, emit: (e: SessionEvent) => void): boolean {
    const s = this.sources.get(ssrc);
    if (!s) return false;
    const frame = this.config.decode ? this.config.decode(s.userId, payload) : payload;
    if (frame === null) return true; // dropped and counted by the decoder
    s.lastPacketAt = now;
    this.scratch.length = 0;
    s.buffer.push(sequence, timestamp, frame, now, this.scratch);
    this.deliver(s, emit);
    return true;
  }

  timeout(now: number, emit: (e: SessionEvent) => void): void {
    for (const [ssrc, list] of this.unmapped) {
      while (list.length > 0 && now >= (list[0] as { at: number }).at + this.config.unknownSsrcHoldMs) {
        list.shift();
        this.unknownSsrcDrops++;
      }
      if (list.length === 0) this.unmapped.delete(ssrc);
    }
    for (const s of this.sources.values()) {
      const d = s.buffer.deadline();
      if (d !== null && now >= d) {
        this.scratch.length = 0;
        s.buffer.timeout(now, this.scratch);
        this.deliver(s, emit);
      }
      if (s.speaking && now >= s.lastPacketAt + this.config.speakingTimeoutMs) {
        s.speaking = false;
        emit({ type: 'user-speaking', userId: s.userId, ssrc: s.ssrc, speaking: false });
      }
    }
  }

  deadline(): number | null {
    let min: number | null = null;
    for (const list of this.unmapped.values()) {
      const first = list[0];
      if (first && (min === null || first.at + this.config.unknownSsrcHoldMs < min)) min = first.at + this.config.unknownSsrcHoldMs;
    }
    for (const s of this.sources.values()) {
      const d = s.buffer.deadline();
      if (d !== null && (min === null || d < min)) min = d;
      if (s.speaking) {
        const stop = s.lastPacketAt + this.config.speakingTimeoutMs;
        if (min === null || stop < min) min = stop;
      }
    }
    return min;
  }

  get lost(): number {
    let n = 0;
    for (const s of this.sources.values()) n += s.buffer.lost;
    return n;
  }

  get late(): number {
    let n = 0;
    for (const s of this.sources.values()) n += s.buffer.late;
    return n;
  }

  private deliver(s: Source, emit: (e: SessionEvent) => void): void {
    for (const o of this.scratch) {
      if (o.kind === 'gap') {
        emit({ type: 'audio-gap', userId: s.userId, ssrc: s.ssrc, fromSequence: o.fromSequence, count: o.count });
        continue;
      }
      const silent = isSilenceFrame(o.payload);
      if (!silent && !s.speaking) {
        s.speaking = true;
        emit({ type: 'user-speaking', userId: s.userId, ssrc: s.ssrc, speaking: true });
      }
      s.silenceRun = silent ? s.silenceRun + 1 : 0;
      this.framesDelivered++;
      emit({ type: 'audio', userId: s.userId, ssrc: s.ssrc, sequence: o.sequence, timestamp: o.timestamp, opus: o.payload });
      if (s.speaking && s.silenceRun >= SILENCE_FRAMES_ON_STOP) {
        s.speaking = false;
        emit({ type: 'user-speaking', userId: s.userId, ssrc: s.ssrc, speaking: false });
      }
    }
    this.scratch.length = 0;
  }
}
