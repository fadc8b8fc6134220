/**
 * The client side of DAVE (docs/protocol.md §11.3, §11.8, §12): key packages, the external sender, proposals → commit
 * (+ welcome), commits and welcomes with transition acks, invalid commit/welcome recovery (op 31 + new key
 * package), prepare/execute transitions, prepare epoch and sole-member reset, passthrough windows on upgrade and
 * downgrade, and per-frame encrypt/decrypt around RTP. MLS itself is the E2eeProvider's job.
 */
import type { E2eeProvider, E2eeSession } from '../crypto/e2ee.js';
import { encodeDaveClientFrame, type DaveServerFrame } from '../dave/binary.js';
import type { KnownGatewayMessage } from '../gateway/messages.js';
import { VoiceOpcode } from '../gateway/opcodes.js';
import { clip } from '../secret.js';
import { isSilenceFrame } from '../speaking.js';
import type { TerminalError } from './outputs.js';

/** Seconds plaintext stays accepted after an upgrade transition (§11.8). */
const UPGRADE_PASSTHROUGH_S = 10;

export interface DaveHooks {
  sendJson(message: KnownGatewayMessage): void;
  sendBinary(frame: Uint8Array): void;
  warn(code: string, message: string): void;
  userId(): string | undefined;
  channelId(): string;
  recognizedUsers(): readonly string[];
  /** The E2EE provider failed where the call cannot go on without it (it threw while setting up a session). */
  fail(error: TerminalError): void;
}

export interface DaveCounters {
  daveEncryptFailures: number;
  daveDecryptFailures: number;
  davePassthroughFrames: number;
  daveInvalidCommits: number;
  daveTransitions: number;
}

const isDaveFrame = (f: Uint8Array): boolean => f.length >= 11 && f[f.length - 1] === 0xfa && f[f.length - 2] === 0xfa;

export class DaveController {
  private session: E2eeSession | null = null;
  /**
   * The session's `ready`, read once after each change instead of on every frame (for davey an N-API call): it only
   * changes when a server op, a Session Description or a reset reaches the session, and each of those clears it.
   */
  private readyCache: boolean | null = null;
  /** The DAVE version the call runs with (0 = transport encryption only). */
  protocolVersion = 0;
  private pending: { transitionId: number; protocolVersion: number } | null = null;
  /**
   * Plaintext is accepted from anyone until the first transition executes (members not yet in a group send plain
   * Opus, §11.8) and during a downgrade; afterwards the provider's own passthrough window decides.
   */
  private plaintextAllowed = true;
  readonly counters: DaveCounters = { daveEncryptFailures: 0, daveDecryptFailures: 0, davePassthroughFrames: 0, daveInvalidCommits: 0, daveTransitions: 0 };

  constructor(private readonly provider: E2eeProvider | undefined, private readonly hooks: DaveHooks) {}

  /** max_dave_protocol_version for Identify. */
  get maxProtocolVersion(): number {
    return this.provider?.maxProtocolVersion ?? 0;
  }

  get privacyCode(): string {
    try {
      return this.session?.voicePrivacyCode ?? '';
    } catch {
      return '';
    }
  }

  /** True when outgoing frames are end-to-end encrypted. */
  get active(): boolean {
    if (this.protocolVersion === 0 || this.session === null) return false;
    if (this.readyCache !== null) return this.readyCache;
    try {
      return (this.readyCache = this.session.ready);
    } catch {
      return false;
    }
  }

  verificationCode(userId: string): Promise<string> | null {
    if (!this.active || !this.session?.verificationCode) return null;
    try {
      return this.session.verificationCode(userId);
    } catch {
      return null;
    }
  }

  /** A DAVE version the server may ask for: 1 to the provider's highest. */
  private supports(version: number): boolean {
    return version >= 1 && version <= this.maxProtocolVersion;
  }

  /** op 4 Session Description. */
  onSessionDescription(version: number): void {
    this.readyCache = null;
    this.pending = null;
    if (version > 0 && !this.provider) {
      this.hooks.warn('E_DAVE_UNAVAILABLE', `the server chose DAVE protocol ${version} but no E2EE provider was given; audio stays unencrypted end to end`);
      this.protocolVersion = 0;
      return;
    }
    this.protocolVersion = version;
    if (version > 0) this.reinit(version);
    else this.passthrough(true);
  }

  /** Binary ops 25, 27, 29, 30. */
  onServerFrame(frame: DaveServerFrame): void {
    this.readyCache = null;
    if (!this.session) return; // discord.js likewise ignores DAVE binary messages before op 4
    switch (frame.op) {
      case VoiceOpcode.DaveMlsExternalSender:
        return this.guard('E_DAVE_EXTERNAL_SENDER', () => this.session?.setExternalSender(frame.externalSender));
      case VoiceOpcode.DaveMlsProposals:
        return this.guard('E_DAVE_PROPOSALS', () => {
          const self = this.hooks.userId();
          const users = [...this.hooks.recognizedUsers(), ...(self ? [self] : [])];
          const r = this.session?.processProposals(frame.operation, frame.proposals, users);
          if (r?.commit) {
            const commitWelcome = new Uint8Array(r.commit.length + (r.welcome?.length ?? 0));
            commitWelcome.set(r.commit, 0);
            if (r.welcome) commitWelcome.set(r.welcome, r.commit.length);
            this.hooks.sendBinary(encodeDaveClientFrame({ op: VoiceOpcode.DaveMlsCommitWelcome, commitWelcome }));
          }
        });
      case VoiceOpcode.DaveMlsAnnounceCommitTransition:
        return this.groupChange(frame.transitionId, () => this.session?.processCommit(frame.commit), 'commit');
      case VoiceOpcode.DaveMlsWelcome:
        return this.groupChange(frame.transitionId, () => this.session?.processWelcome(frame.welcome), 'welcome');
    }
  }

  /** op 21 */
  onPrepareTransition(d: { protocolVersion: number; transitionId: number }): void {
    this.readyCache = null;
    if (d.protocolVersion !== 0 && !this.supports(d.protocolVersion)) {
      this.hooks.warn('E_DAVE_UNSUPPORTED', `ignored a DAVE transition to protocol version ${d.protocolVersion} (supported: 1–${this.maxProtocolVersion})`);
      return;
    }
    this.pending = { transitionId: d.transitionId, protocolVersion: d.protocolVersion };
    if (d.protocolVersion === 0) {
      this.passthrough(true); // downgrade: accept plaintext at once
      this.plaintextAllowed = true;
    }
    if (d.transitionId === 0) this.execute();
    else this.hooks.sendJson({ op: VoiceOpcode.DaveTransitionReady, d: { transitionId: d.transitionId } });
  }

  /** op 22 */
  onExecuteTransition(d: { transitionId: number }): void {
    this.readyCache = null;
    if (this.pending && this.pending.transitionId === d.transitionId) this.execute();
  }

  /** op 24: epoch 1 means a new group is being built (also the sole-member reset). */
  onPrepareEpoch(d: { protocolVersion: number; epoch: number }): void {
    this.readyCache = null;
    if (!this.provider) return;
    if (!this.supports(d.protocolVersion)) {
      this.hooks.warn('E_DAVE_UNSUPPORTED', `ignored DAVE prepare epoch with protocol version ${d.protocolVersion} (supported: 1–${this.maxProtocolVersion})`);
      return;
    }
    if (d.epoch === 1) {
      this.protocolVersion = d.protocolVersion;
      this.reinit(d.protocolVersion);
    }
  }

  /** The payload to put in RTP: encrypted when DAVE is active (the silence frame stays plain), null when encryption failed. */
  encrypt(opus: Uint8Array): Uint8Array | null {
    if (!this.active || isSilenceFrame(opus)) return opus;
    try {
      return (this.session as E2eeSession).encryptOpus(opus);
    } catch {
      this.counters.daveEncryptFailures++;
      return null; // never fall back to plaintext inside an E2EE call
    }
  }

  /** The Opus frame from a received payload, or null when it must be dropped. */
  decrypt(userId: string, payload: Uint8Array): Uint8Array | null {
    if (isSilenceFrame(payload)) return payload;
    if (!this.session || this.protocolVersion === 0) {
      if (isDaveFrame(payload)) {
        this.counters.daveDecryptFailures++;
        return null;
      }
      this.counters.davePassthroughFrames++;
      return payload;
    }
    try {
      const out = this.session.decrypt(userId, payload);
      if (!isDaveFrame(payload)) this.counters.davePassthroughFrames++;
      return out;
    } catch {
      if (this.plaintextAllowed && !isDaveFrame(payload)) {
        this.counters.davePassthroughFrames++;
        return payload;
      }
      this.counters.daveDecryptFailures++;
      return null;
    }
  }

  /** Drops all DAVE state (fresh join, leave). Resume keeps it (docs/protocol.md §6). */
  reset(): void {
    this.readyCache = null;
    try {
      this.session?.destroy?.();
    } catch {
      // a provider failing to release its state must not stop the teardown
    }
    this.session = null;
    this.pending = null;
    this.protocolVersion = 0;
    this.plaintextAllowed = true;
  }

  /** A new MLS state and key package (op 26). The provider runs on what the server chose: guarded. */
  private reinit(version: number): void {
    this.readyCache = null;
    const userId = this.hooks.userId();
    if (!this.provider || userId === undefined) return;
    let keyPackage: Uint8Array;
    try {
      if (!this.session) this.session = this.provider.createSession(version, userId, this.hooks.channelId());
      else this.session.reinit(version);
      // Plaintext from members not yet in the group is accepted until the first transition executes.
      this.session.setPassthroughMode(true);
      keyPackage = this.session.keyPackage();
    } catch (e) {
      this.reset();
      this.hooks.fail({ code: 'E_DAVE_FAILED', message: `the E2EE provider could not start a DAVE protocol ${version} session: ${clip((e as Error)?.message, 160)}` });
      return;
    }
    this.plaintextAllowed = true;
    this.hooks.sendBinary(encodeDaveClientFrame({ op: VoiceOpcode.DaveMlsKeyPackage, keyPackage }));
  }

  private passthrough(enabled: boolean, expirySeconds?: number): void {
    this.readyCache = null;
    try {
      this.session?.setPassthroughMode(enabled, expirySeconds);
    } catch (e) {
      this.hooks.warn('E_DAVE_PASSTHROUGH', `DAVE: could not ${enabled ? 'allow' : 'stop'} unencrypted frames: ${clip((e as Error)?.message, 160)}`);
    }
  }

  private groupChange(transitionId: number, process: () => void, what: string): void {
    try {
      process();
    } catch (e) {
      this.counters.daveInvalidCommits++;
      this.hooks.warn('E_DAVE_INVALID_' + what.toUpperCase(), `could not process the DAVE ${what} of transition ${transitionId} (${clip((e as Error)?.message, 160)}); rejoining the group`);
      this.hooks.sendJson({ op: VoiceOpcode.DaveMlsInvalidCommitWelcome, d: { transitionId } });
      this.reinit(this.protocolVersion || 1);
      return;
    }
    this.pending = { transitionId, protocolVersion: this.protocolVersion || 1 };
    if (transitionId === 0) this.execute();
    else this.hooks.sendJson({ op: VoiceOpcode.DaveTransitionReady, d: { transitionId } });
  }

  private execute(): void {
    this.readyCache = null;
    const p = this.pending;
    this.pending = null;
    if (!p) return;
    this.counters.daveTransitions++;
    this.protocolVersion = p.protocolVersion;
    if (p.protocolVersion === 0) {
      this.passthrough(true);
      this.plaintextAllowed = true;
    } else {
      this.passthrough(false, UPGRADE_PASSTHROUGH_S);
      this.plaintextAllowed = false;
    }
  }

  private guard(code: string, fn: () => void): void {
    this.readyCache = null;
    try {
      fn();
    } catch (e) {
      this.hooks.warn(code, `DAVE: ${clip((e as Error)?.message, 160)}`);
    } finally {
      this.readyCache = null; // whatever fn did to the session, read `ready` again
    }
  }
}
