// The emulator's MLS glue against davey (OpenMLS): davey accepts the external sender and the signed proposals,
// and the commit it produces parses, references the proposals, and welcomes the new member.
import { DAVESession } from '@snazzah/davey';

const APPEND = 0; // davey's APPEND (a const enum)
import { describe, expect, it } from 'vitest';
import { encodeExternalSender, equalBytes, externalSenderKey, parseCommit, parseKeyPackage, signExternalProposal, snowflakeBytes } from '../src/core/mls.js';

const CHANNEL = '927310423890473011';
const A = '158049329150427136';
const B = '104694319306248192';
const seed = Uint8Array.from({ length: 48 }, (_, i) => i + 1);
// davey takes the op 27 payload after the operation byte: the <V> vector with its length prefix.
const vec = (b: Uint8Array) => Buffer.from(b.length < 64 ? Uint8Array.of(b.length, ...b) : Uint8Array.of(0x40 | (b.length >> 8), b.length & 0xff, ...b));

describe('MLS glue of the emulator against davey', () => {
  it('external sender → Add proposal → commit + welcome → both members encrypt and decrypt', () => {
    const key = externalSenderKey(seed);
    const ext = Buffer.from(encodeExternalSender(key, new Uint8Array(8)));
    const a = new DAVESession(1, A, CHANNEL);
    const b = new DAVESession(1, B, CHANNEL);
    const kpA = a.getSerializedKeyPackage();
    const kpB = b.getSerializedKeyPackage();
    expect(parseKeyPackage(kpA).userId).toBe(A);
    expect(parseKeyPackage(kpB).userId).toBe(B);
    a.setExternalSender(ext);
    b.setExternalSender(ext);
    const p = signExternalProposal(key, snowflakeBytes(CHANNEL), 0n, { kind: 'add', keyPackage: kpB });
    const proposals = vec(p.message);
    const result = a.processProposals(APPEND, proposals, [A, B]);
    expect(result.commit).toBeDefined();
    expect(result.welcome).toBeDefined();
    const commit = parseCommit(new Uint8Array(result.commit as Buffer));
    expect(commit.epoch).toBe(0n);
    expect(commit.senderLeaf).toBe(0);
    expect(commit.refs).toHaveLength(1);
    expect(equalBytes(commit.refs[0] as Uint8Array, p.ref)).toBe(true);
    expect(commit.length).toBe((result.commit as Buffer).length);
    a.processCommit(result.commit as Buffer);
    b.processWelcome(result.welcome as Buffer);
    expect(a.ready && b.ready).toBe(true);
    const frame = Buffer.from([0xfc, 1, 2, 3, 4]);
    const enc = a.encryptOpus(frame);
    expect(enc.subarray(-2)).toEqual(Buffer.from([0xfa, 0xfa]));
    expect(Buffer.from(b.decrypt(A, 0, enc))).toEqual(frame);
    expect(a.voicePrivacyCode).toBe(b.voicePrivacyCode);
    expect(a.voicePrivacyCode).toMatch(/^\d{30}$|^(\d{5} ){5}\d{5}$/);
    // a Remove proposal for B is accepted too
    const rm = signExternalProposal(key, snowflakeBytes(CHANNEL), 1n, { kind: 'remove', leafIndex: 1 });
    const r2 = a.processProposals(APPEND, vec(rm.message), [A]);
    expect(r2.commit).toBeDefined();
    expect(r2.welcome).toBeUndefined();
    expect(parseCommit(new Uint8Array(r2.commit as Buffer)).epoch).toBe(1n);
  });
});
