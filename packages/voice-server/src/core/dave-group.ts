/**
 * The DAVE side of the emulated voice gateway for one channel (docs/protocol.md §11.3, §11.6): the gateway is the MLS
 * external sender. It turns key packages into Add proposals for the current members, broadcasts the first valid
 * commit of each epoch (op 29) and the welcome (op 30) with a transition id, executes the transition (op 22) when
 * every member is ready or after a timeout, proposes Remove (or revokes a pending Add) when a member leaves, and
 * resets a sole remaining member (op 24 epoch 1 + op 21 transition 0). It tracks leaf indices as RFC 9420 applies
 * proposals (removes first, then adds into the leftmost blank leaf), without being a member itself.
 */
import { encodeDaveServerFrame, type KnownGatewayMessage } from '@voicewire/voice-protocol';
import { equalBytes, parseCommit, parseKeyPackage, signExternalProposal, snowflakeBytes, type ExternalSenderKey } from './mls.js';

export interface DaveChannelHooks {
  sendBinary(userId: string, frame: (seq: number) => Uint8Array): void;
  sendJson(userId: string, message: KnownGatewayMessage): void;
  now(): number;
}

interface PendingProposal {
  readonly ref: Uint8Array;
  readonly kind: 'add' | 'remove';
  readonly userId: string;
  readonly leaf?: number;
}

export class DaveChannel {
  private epoch = 0n;
  private leaves: (string | null)[] = [];
  private proposals: PendingProposal[] = [];
  private readonly keyPackages = new Map<string, Uint8Array>();
  private transition: { id: number; waiting: Set<string>; deadline: number } | null = null;
  private nextTransitionId = 1;
  private readonly groupId: Uint8Array;
  readonly stats = { commitsAccepted: 0, commitsRejected: 0, transitions: 0, resets: 0 };

  constructor(channelId: string, private readonly key: ExternalSenderKey, private readonly hooks: DaveChannelHooks, private readonly transitionTimeoutMs: number) {
    this.groupId = snowflakeBytes(channelId);
  }

  get members(): string[] {
    return this.leaves.filter((u): u is string => u !== null);
  }

  /** op 26 */
  onKeyPackage(userId: string, keyPackage: Uint8Array): boolean {
    let owner: string;
    try {
      owner = parseKeyPackage(keyPackage).userId;
    } catch {
      return false;
    }
    if (owner !== userId) return false; // the gateway checks the credential matches the authenticated user
    // A member that sends a new key package has reset (op 31 or a sole-member reset): take it out first.
    if (this.leaves.includes(userId)) this.dropMember(userId, true);
    this.keyPackages.set(userId, keyPackage);
    this.propose();
    return true;
  }

  /** op 28: the first valid commit of the epoch wins; others are dropped. */
  onCommitWelcome(userId: string, bytes: Uint8Array): void {
    let commit;
    try {
      commit = parseCommit(bytes);
    } catch {
      this.stats.commitsRejected++;
      return;
    }
    const pending = this.proposals;
    const valid =
      pending.length > 0 &&
      equalBytes(commit.groupId, this.groupId) &&
      commit.epoch === this.epoch &&
      this.leaves[commit.senderLeaf] === userId &&
      commit.inlineProposals === 0 &&
      commit.refs.length === pending.length &&
      commit.refs.every((r) => pending.some((p) => equalBytes(p.ref, r)));
    if (!valid) {
      this.stats.commitsRejected++;
      return;
    }
    this.stats.commitsAccepted++;
    const welcome = bytes.subarray(commit.length);
    const commitBytes = bytes.subarray(0, commit.length);
    const before = new Set(this.members);
    const ordered = commit.refs.map((r) => pending.find((p) => equalBytes(p.ref, r)) as PendingProposal);
    for (const p of ordered) if (p.kind === 'remove' && p.leaf !== undefined) this.leaves[p.leaf] = null;
    const added: string[] = [];
    for (const p of ordered) {
      if (p.kind !== 'add') continue;
      const blank = this.leaves.indexOf(null);
      if (blank >= 0) this.leaves[blank] = p.userId;
      else this.leaves.push(p.userId);
      added.push(p.userId);
    }
    while (this.leaves.length > 0 && this.leaves[this.leaves.length - 1] === null) this.leaves.pop();
    this.epoch++;
    this.proposals = [];
    const id = this.nextTransitionId;
    this.nextTransitionId = id >= 0xffff ? 1 : id + 1;
    for (const m of this.members) {
      if (before.has(m)) this.hooks.sendBinary(m, (seq) => encodeDaveServerFrame({ op: 29, seq, transitionId: id, commit: commitBytes }));
      else if (welcome.length > 0) this.hooks.sendBinary(m, (seq) => encodeDaveServerFrame({ op: 30, seq, transitionId: id, welcome }));
    }
    this.transition = { id, waiting: new Set(this.members), deadline: this.hooks.now() + this.transitionTimeoutMs };
    // key packages that arrived meanwhile go into the next epoch
    this.propose();
  }

  /** op 23 */
  onTransitionReady(userId: string, transitionId: number): void {
    if (!this.transition || this.transition.id !== transitionId) return;
    this.transition.waiting.delete(userId);
    if (this.transition.waiting.size === 0) this.execute();
  }

  /** op 31: the member could not process the commit/welcome; it resets and sends a new key package. */
  onInvalidCommitWelcome(userId: string): void {
    if (this.leaves.includes(userId)) this.dropMember(userId, true);
    this.transition?.waiting.delete(userId);
    if (this.transition && this.transition.waiting.size === 0) this.execute();
  }

  /** A session left the channel. */
  onLeave(userId: string): void {
    this.keyPackages.delete(userId);
    const pendingAdd = this.proposals.find((p) => p.kind === 'add' && p.userId === userId);
    if (pendingAdd) {
      // Revoke the Add that was never committed (op 27 revoke carries ProposalRefs).
      this.proposals = this.proposals.filter((p) => p !== pendingAdd);
      this.broadcastProposals(1, [pendingAdd.ref]);
    }
    if (this.leaves.includes(userId)) this.dropMember(userId, true);
    this.transition?.waiting.delete(userId);
    if (this.transition && this.transition.waiting.size === 0) this.execute();
  }

  /**
   * A protocol change for the whole call (docs/protocol.md §11.3 op 21/22): version 0 downgrades to transport-only
   * encryption (members accept plaintext at once), and the transition executes when all are ready.
   */
  prepareTransition(protocolVersion: number): void {
    const id = this.nextTransitionId;
    this.nextTransitionId = id >= 0xffff ? 1 : id + 1;
    this.transition = { id, waiting: new Set(this.members), deadline: this.hooks.now() + this.transitionTimeoutMs };
    for (const m of this.members) this.hooks.sendJson(m, { op: 21, d: { protocolVersion, transitionId: id } });
  }

  deadline(): number | null {
    return this.transition?.deadline ?? null;
  }

  /** The transition timeout: execute even if some members never said they are ready. */
  tick(now: number): void {
    if (this.transition && now >= this.transition.deadline) this.execute();
  }

  private execute(): void {
    const t = this.transition;
    if (!t) return;
    this.transition = null;
    this.stats.transitions++;
    for (const m of this.members) this.hooks.sendJson(m, { op: 22, d: { transitionId: t.id } });
  }

  private dropMember(userId: string, proposeRemove: boolean): void {
    const leaf = this.leaves.indexOf(userId);
    const remaining = this.members.filter((m) => m !== userId);
    if (remaining.length <= 1) {
      // Nobody left to commit a Remove: start a new group. A sole member is reset (op 24 epoch 1 + op 21 id 0).
      this.leaves = [];
      this.epoch = 0n;
      this.proposals = [];
      this.transition = null;
      this.stats.resets++;
      for (const m of remaining) {
        this.hooks.sendJson(m, { op: 24, d: { protocolVersion: 1, epoch: 1 } });
        this.hooks.sendJson(m, { op: 21, d: { protocolVersion: 1, transitionId: 0 } });
      }
      return;
    }
    if (!proposeRemove) {
      this.leaves[leaf] = null;
      return;
    }
    const p = signExternalProposal(this.key, this.groupId, this.epoch, { kind: 'remove', leafIndex: leaf });
    this.proposals.push({ ref: p.ref, kind: 'remove', userId, leaf });
    this.broadcastProposals(0, [p.message], remaining);
  }

  private propose(): void {
    if (this.keyPackages.size === 0) return;
    if (this.members.length === 0) {
      // The first key package's owner creates the group (its local epoch-0 group with only itself).
      const [creator] = this.keyPackages.keys() as IterableIterator<string>;
      this.keyPackages.delete(creator as string);
      this.leaves = [creator as string];
      this.epoch = 0n;
      this.proposals = [];
      if (this.keyPackages.size === 0) return;
    }
    const messages: Uint8Array[] = [];
    for (const [userId, kp] of this.keyPackages) {
      if (this.proposals.some((p) => p.kind === 'add' && p.userId === userId)) continue;
      const p = signExternalProposal(this.key, this.groupId, this.epoch, { kind: 'add', keyPackage: kp });
      this.proposals.push({ ref: p.ref, kind: 'add', userId });
      messages.push(p.message);
    }
    this.keyPackages.clear();
    if (messages.length > 0) this.broadcastProposals(0, messages);
  }

  /** op 27 to the members: append (concatenated MLSMessages) or revoke (ProposalRefs as opaque<V>). */
  private broadcastProposals(operation: 0 | 1, items: Uint8Array[], to: readonly string[] = this.members): void {
    const parts = operation === 0 ? items : items.map((r) => Uint8Array.of(r.length, ...r));
    const proposals = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let o = 0;
    for (const p of parts) {
      proposals.set(p, o);
      o += p.length;
    }
    for (const m of to) this.hooks.sendBinary(m, (seq) => encodeDaveServerFrame({ op: 27, seq, operation, proposals }));
  }
}
