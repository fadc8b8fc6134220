/**
 * Fault injection of the emulator, in one place: what a test switched on for one voice session (a silent UDP
 * path, relay loss, heartbeats not answered, a socket dropped without a close frame). The core asks the plan and
 * nothing else holds a fault switch; a new voice session starts with none.
 */
import type { ServerSession } from './session.js';

interface Faults {
  /** The UDP path is a black hole both ways. */
  udpSilent: boolean;
  /** Every `dropEvery`-th audio packet of this sender is not relayed (0: none). */
  dropEvery: number;
  relayCount: number;
  /** Heartbeats are answered (op 6). */
  acking: boolean;
  /** The socket dropSocket() silenced, so that a later closeSocket() can still close it. */
  droppedConnId: number | null;
}

export class FaultPlan {
  private readonly bySession = new WeakMap<ServerSession, Faults>();

  private of(s: ServerSession): Faults {
    let f = this.bySession.get(s);
    if (!f) this.bySession.set(s, (f = { udpSilent: false, dropEvery: 0, relayCount: 0, acking: true, droppedConnId: null }));
    return f;
  }

  udpSilent(s: ServerSession): boolean {
    return this.bySession.get(s)?.udpSilent ?? false;
  }

  setUdpSilent(s: ServerSession, silent: boolean): void {
    this.of(s).udpSilent = silent;
  }

  acking(s: ServerSession): boolean {
    return this.bySession.get(s)?.acking ?? true;
  }

  setAcking(s: ServerSession, acking: boolean): void {
    this.of(s).acking = acking;
  }

  /** Relay loss: every `n`-th audio packet of the sender is lost on its way to the listeners (0 stops). */
  setRelayLoss(s: ServerSession, n: number): void {
    const f = this.of(s);
    f.dropEvery = Number.isInteger(n) && n > 0 ? n : 0;
    f.relayCount = 0;
  }

  /** True when this packet of the sender is one relay loss drops (counts the packet). */
  dropsPacket(s: ServerSession): boolean {
    const f = this.bySession.get(s);
    return f !== undefined && f.dropEvery > 0 && ++f.relayCount % f.dropEvery === 0;
  }

  setDroppedConn(s: ServerSession, connId: number): void {
    this.of(s).droppedConnId = connId;
  }

  /** The socket dropSocket() silenced for the session, if any; taken, so that it is closed once. */
  takeDroppedConn(s: ServerSession): number | null {
    const f = this.bySession.get(s);
    const id = f?.droppedConnId ?? null;
    if (f) f.droppedConnId = null;
    return id;
  }
}
