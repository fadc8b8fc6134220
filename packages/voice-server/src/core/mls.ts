/**
 * The MLS (RFC 9420) structures the emulator needs as DAVE's external sender (docs/protocol.md §11.2, §11.6): the
 * ExternalSender of op 25, KeyPackage parsing (credential → user id), Add/Remove proposals signed as the external
 * sender (PublicMessage; for an external sender FramedContentTBS has no group context), ProposalRefs, and commit
 * parsing up to where the Welcome of op 28 begins. The server is not a group member: it never needs keys.
 * Synchronous (noble P-256 + SHA-256) so the server core stays sans-IO.
 */
import { p256 } from '@noble/curves/nist.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes as concat, mlsVarintLength, readMlsVarint, writeMlsVarint } from '@voicewire/voice-protocol';

export class MlsParseError extends Error {
  override name = 'MlsParseError';
}

const MLS10 = 1;
const WIRE_PUBLIC_MESSAGE = 1;
const CIPHERSUITE_P256 = 2;
const SENDER_MEMBER = 1;
const SENDER_EXTERNAL = 2;
const CONTENT_PROPOSAL = 2;
const CONTENT_COMMIT = 3;
const PROPOSAL_ADD = 1;
const PROPOSAL_REMOVE = 3;
const CREDENTIAL_BASIC = 1;

class Reader {
  o = 0;
  constructor(readonly b: Uint8Array) {}
  need(n: number): void {
    if (this.o + n > this.b.length) throw new MlsParseError(`truncated at byte ${this.o} (need ${n} more)`);
  }
  u8(): number {
    this.need(1);
    return this.b[this.o++] as number;
  }
  u16(): number {
    this.need(2);
    const v = ((this.b[this.o] as number) << 8) | (this.b[this.o + 1] as number);
    this.o += 2;
    return v;
  }
  u32(): number {
    this.need(4);
    const v = new DataView(this.b.buffer, this.b.byteOffset + this.o, 4).getUint32(0);
    this.o += 4;
    return v;
  }
  u64(): bigint {
    this.need(8);
    const v = new DataView(this.b.buffer, this.b.byteOffset + this.o, 8).getBigUint64(0);
    this.o += 8;
    return v;
  }
  vec(): Uint8Array {
    const len = readMlsVarint(this.b, this.o);
    if (!len.ok) throw new MlsParseError(`bad vector length at byte ${this.o}: ${len.reason}`);
    this.o += len.value.size;
    this.need(len.value.value);
    const v = this.b.subarray(this.o, this.o + len.value.value);
    this.o += len.value.value;
    return v;
  }
}

const u8 = (v: number): Uint8Array => Uint8Array.of(v);
const u16 = (v: number): Uint8Array => Uint8Array.of(v >>> 8, v & 0xff);
const u32 = (v: number): Uint8Array => Uint8Array.of(v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
function u64(v: bigint): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, v);
  return b;
}
function vec(body: Uint8Array): Uint8Array {
  const head = new Uint8Array(mlsVarintLength(body.length));
  writeMlsVarint(head, 0, body.length);
  return concat([head, body]);
}
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

/** Group id and credential identity: the snowflake as 8 bytes big-endian (docs/protocol.md §11.2). */
export function snowflakeBytes(id: string): Uint8Array {
  return u64(BigInt(id));
}
export function snowflakeFromBytes(b: Uint8Array): string {
  if (b.length !== 8) throw new MlsParseError(`a basic credential identity must be 8 bytes, got ${b.length}`);
  return new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0).toString();
}

export interface ExternalSenderKey {
  readonly secretKey: Uint8Array;
  readonly publicKey: Uint8Array;
}

/** A P-256 signing key for the external sender, from 48 bytes of seed (the core's injected randomness). */
export function externalSenderKey(seed: Uint8Array): ExternalSenderKey {
  const { secretKey, publicKey } = p256.keygen(seed);
  return { secretKey, publicKey: p256.getPublicKey(secretKey, false) };
}

/** op 25 payload: ExternalSender { signature_key<V>; Credential { u16 type = basic; identity<V> } }. */
export function encodeExternalSender(key: ExternalSenderKey, identity: Uint8Array): Uint8Array {
  return concat([vec(key.publicKey), u16(CREDENTIAL_BASIC), vec(identity)]);
}

function skipCapabilities(r: Reader): void {
  for (let i = 0; i < 5; i++) r.vec(); // versions, cipher_suites, extensions, proposals, credentials
}

/** Reads a LeafNode; returns its credential identity. */
function readLeafNode(r: Reader): { identity: Uint8Array } {
  r.vec(); // encryption_key
  r.vec(); // signature_key
  const credType = r.u16();
  if (credType !== CREDENTIAL_BASIC) throw new MlsParseError(`credential type ${credType} is not basic`);
  const identity = r.vec();
  skipCapabilities(r);
  const source = r.u8();
  if (source === 1) {
    r.u64();
    r.u64(); // lifetime
  } else if (source === 3) r.vec(); // parent_hash
  else if (source !== 2) throw new MlsParseError(`unknown leaf node source ${source}`);
  r.vec(); // extensions
  r.vec(); // signature
  return { identity };
}

export interface ParsedKeyPackage {
  readonly userId: string;
}

/** op 26 payload: a bare KeyPackage (docs/protocol.md §11.6). Checks version, ciphersuite and the basic credential. */
export function parseKeyPackage(bytes: Uint8Array): ParsedKeyPackage {
  const r = new Reader(bytes);
  const version = r.u16();
  if (version !== MLS10) throw new MlsParseError(`key package version ${version} is not MLS 1.0`);
  const suite = r.u16();
  if (suite !== CIPHERSUITE_P256) throw new MlsParseError(`key package ciphersuite ${suite} is not 2 (P-256)`);
  r.vec(); // init_key
  const leaf = readLeafNode(r);
  r.vec(); // extensions
  r.vec(); // signature
  if (r.o !== bytes.length) throw new MlsParseError('trailing bytes after the key package');
  return { userId: snowflakeFromBytes(leaf.identity) };
}

export type ExternalProposal = { readonly kind: 'add'; readonly keyPackage: Uint8Array } | { readonly kind: 'remove'; readonly leafIndex: number };

export interface SignedProposal {
  /** The MLSMessage (PublicMessage) to put in op 27. */
  readonly message: Uint8Array;
  /** Its ProposalRef, as commits and revokes reference it. */
  readonly ref: Uint8Array;
}

/** An Add or Remove proposal from the external sender (index 0), signed with its key. */
export function signExternalProposal(key: ExternalSenderKey, groupId: Uint8Array, epoch: bigint, proposal: ExternalProposal): SignedProposal {
  const body = proposal.kind === 'add' ? concat([u16(PROPOSAL_ADD), proposal.keyPackage]) : concat([u16(PROPOSAL_REMOVE), u32(proposal.leafIndex)]);
  const framedContent = concat([vec(groupId), u64(epoch), u8(SENDER_EXTERNAL), u32(0), vec(new Uint8Array(0)), u8(CONTENT_PROPOSAL), body]);
  const tbs = concat([u16(MLS10), u16(WIRE_PUBLIC_MESSAGE), framedContent]);
  const signContent = concat([vec(utf8('MLS 1.0 FramedContentTBS')), vec(tbs)]);
  const signature = p256.sign(signContent, key.secretKey, { format: 'der', extraEntropy: false });
  const auth = vec(signature);
  const message = concat([u16(MLS10), u16(WIRE_PUBLIC_MESSAGE), framedContent, auth]);
  const authenticatedContent = concat([u16(WIRE_PUBLIC_MESSAGE), framedContent, auth]);
  const ref = sha256(concat([vec(utf8('MLS 1.0 Proposal Reference')), vec(authenticatedContent)]));
  return { message, ref };
}

export interface ParsedCommit {
  readonly groupId: Uint8Array;
  readonly epoch: bigint;
  readonly senderLeaf: number;
  readonly refs: readonly Uint8Array[];
  readonly inlineProposals: number;
  /** Bytes of the commit's MLSMessage; the Welcome (if any) follows in op 28. */
  readonly length: number;
}

/** Parses the MLSMessage commit at the start of an op 28 payload. Throws MlsParseError when malformed. */
export function parseCommit(bytes: Uint8Array): ParsedCommit {
  const r = new Reader(bytes);
  if (r.u16() !== MLS10) throw new MlsParseError('commit is not MLS 1.0');
  if (r.u16() !== WIRE_PUBLIC_MESSAGE) throw new MlsParseError('commit is not a PublicMessage');
  const groupId = r.vec();
  const epoch = r.u64();
  const senderType = r.u8();
  if (senderType !== SENDER_MEMBER) throw new MlsParseError(`commit sender type ${senderType} is not a member`);
  const senderLeaf = r.u32();
  r.vec(); // authenticated_data
  if (r.u8() !== CONTENT_COMMIT) throw new MlsParseError('the message is not a commit');
  const proposals = new Reader(r.vec());
  const refs: Uint8Array[] = [];
  let inlineProposals = 0;
  while (proposals.o < proposals.b.length) {
    const type = proposals.u8();
    if (type === 2) refs.push(proposals.vec());
    else {
      inlineProposals++;
      break; // inline proposals are not allowed in DAVE; the caller rejects the commit
    }
  }
  const hasPath = r.u8();
  if (hasPath === 1) {
    readLeafNode(r);
    r.vec(); // nodes
  } else if (hasPath !== 0) throw new MlsParseError('bad optional<UpdatePath> flag');
  r.vec(); // signature
  r.vec(); // confirmation_tag
  r.vec(); // membership_tag
  return { groupId, epoch, senderLeaf, refs, inlineProposals, length: r.o };
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
