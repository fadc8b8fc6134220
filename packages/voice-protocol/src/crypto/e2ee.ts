/**
 * The end-to-end encryption interface (DAVE, docs/protocol.md §11). The core drives the protocol (ops 21–31,
 * transitions, passthrough); an E2eeProvider (e.g. @voicewire/crypto-dave over davey) does MLS and the frame
 * cryptography. Synchronous, like CryptoProvider. Methods that process remote data throw on invalid input; the
 * session catches, counts and recovers (op 31) — nothing escapes to the caller.
 */
export interface E2eeProposalsResult {
  readonly commit?: Uint8Array;
  readonly welcome?: Uint8Array;
}

export interface E2eeSession {
  /** Starts over for `protocolVersion` (new MLS state, new signing key allowed). */
  reinit(protocolVersion: number): void;
  /** A fresh, single-use key package (op 26). */
  keyPackage(): Uint8Array;
  /** op 25. Throws when invalid. */
  setExternalSender(externalSender: Uint8Array): void;
  /**
   * op 27: `proposals` is the content of the `<V>` vector (concatenated MLSMessages, or ProposalRefs for revoke).
   * Add proposals are checked against `recognizedUserIds`. Returns a commit (and welcome) to send as op 28.
   */
  processProposals(operation: 0 | 1, proposals: Uint8Array, recognizedUserIds: readonly string[]): E2eeProposalsResult;
  /** op 29. Throws when the commit cannot be processed. */
  processCommit(commit: Uint8Array): void;
  /** op 30. Throws when the welcome cannot be processed. */
  processWelcome(welcome: Uint8Array): void;
  /** True once the session has a group and keys to encrypt with. */
  readonly ready: boolean;
  /** Encrypts one Opus frame with the sender's current key (§11.5). Throws when not ready. */
  encryptOpus(frame: Uint8Array): Uint8Array;
  /** Decrypts (or passes through, when allowed) one frame from `userId`. Throws on failure. */
  decrypt(userId: string, frame: Uint8Array): Uint8Array;
  /** Allows unencrypted frames (transitions, downgrade); when turning it off, keep allowing for `expirySeconds`. */
  setPassthroughMode(enabled: boolean, expirySeconds?: number): void;
  /** 30-digit voice privacy code of the current epoch, '' when none. */
  readonly voicePrivacyCode: string;
  /** The 45-digit verification code of the shared group with `userId` (docs/protocol.md, DAVE verification). */
  verificationCode?(userId: string): Promise<string>;
  /** Releases native resources. */
  destroy?(): void;
}

export interface E2eeProvider {
  readonly name: string;
  /** Highest DAVE protocol version implemented (sent as max_dave_protocol_version in Identify). */
  readonly maxProtocolVersion: number;
  createSession(protocolVersion: number, userId: string, channelId: string): E2eeSession;
}
