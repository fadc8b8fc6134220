/**
 * DAVE end-to-end encryption (docs/protocol.md §11) for voicewire: an E2eeProvider over @snazzah/davey (OpenMLS,
 * key ratchets, AES-128-GCM frame encryption, privacy and verification codes). The protocol state machine
 * (ops 21–31, transitions, passthrough) lives in @voicewire/voice-protocol; davey stays out of the core.
 *
 * @module @voicewire/crypto-dave
 */
import { DAVE_PROTOCOL_VERSION, DAVESession } from '@snazzah/davey';

/** davey's MediaType.AUDIO (a const enum, which verbatimModuleSyntax cannot read). */
const MEDIA_AUDIO = 0;
import { mlsVarintLength, writeMlsVarint, type E2eeProposalsResult, type E2eeProvider, type E2eeSession } from '@voicewire/voice-protocol';

const buf = (b: Uint8Array): Buffer => (Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength));

/** davey takes op 27's vector with its length prefix; the core hands over the vector's content. */
function withLength(content: Uint8Array): Buffer {
  const out = Buffer.alloc(mlsVarintLength(content.length) + content.length);
  const n = writeMlsVarint(out, 0, content.length);
  out.set(content, n);
  return out;
}

class DaveySession implements E2eeSession {
  private readonly davey: DAVESession;

  constructor(protocolVersion: number, private readonly userId: string, private readonly channelId: string) {
    this.davey = new DAVESession(protocolVersion, userId, channelId);
  }

  reinit(protocolVersion: number): void {
    this.davey.reinit(protocolVersion, this.userId, this.channelId);
  }

  keyPackage(): Uint8Array {
    return this.davey.getSerializedKeyPackage();
  }

  setExternalSender(externalSender: Uint8Array): void {
    this.davey.setExternalSender(buf(externalSender));
  }

  processProposals(operation: 0 | 1, proposals: Uint8Array, recognizedUserIds: readonly string[]): E2eeProposalsResult {
    const r = this.davey.processProposals(operation, withLength(proposals), [...recognizedUserIds]);
    return { ...(r.commit ? { commit: r.commit } : {}), ...(r.welcome ? { welcome: r.welcome } : {}) };
  }

  processCommit(commit: Uint8Array): void {
    this.davey.processCommit(buf(commit));
  }

  processWelcome(welcome: Uint8Array): void {
    this.davey.processWelcome(buf(welcome));
  }

  get ready(): boolean {
    return this.davey.ready;
  }

  encryptOpus(frame: Uint8Array): Uint8Array {
    return this.davey.encryptOpus(buf(frame));
  }

  decrypt(userId: string, frame: Uint8Array): Uint8Array {
    return this.davey.decrypt(userId, MEDIA_AUDIO, buf(frame));
  }

  setPassthroughMode(enabled: boolean, expirySeconds?: number): void {
    this.davey.setPassthroughMode(enabled, expirySeconds);
  }

  get voicePrivacyCode(): string {
    return this.davey.voicePrivacyCode;
  }

  /** The 45-digit verification code for another member (docs/protocol.md §11.10). */
  verificationCode(userId: string): Promise<string> {
    return this.davey.getVerificationCode(userId);
  }
}

export const daveProvider: E2eeProvider = {
  name: 'davey',
  maxProtocolVersion: DAVE_PROTOCOL_VERSION,
  createSession: (protocolVersion, userId, channelId) => new DaveySession(protocolVersion, userId, channelId),
};

export default daveProvider;
