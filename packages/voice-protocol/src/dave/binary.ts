/**
 * DAVE binary frames on the voice gateway (docs/protocol.md §3.2, §11.6).
 *   server → client: [seq u16 BE][opcode u8][payload]
 *   client → server: [opcode u8][payload]
 * Ops 25–30 only. MLS structures inside stay opaque bytes here: `crypto-dave` owns MLS.
 */
import { outputBuffer, readU16, writeU16 } from '../bytes.js';
import { fail, ok, type DecodeResult } from '../result.js';
import { readMlsVarint, mlsVarintLength, writeMlsVarint } from './varint.js';

export const DaveProposalsOperation = { Append: 0, Revoke: 1 } as const;
export type DaveProposalsOperation = (typeof DaveProposalsOperation)[keyof typeof DaveProposalsOperation];

/** op 25: the gateway's ExternalSender struct, kept as its TLS bytes. */
export interface DaveExternalSenderFrame {
  readonly op: 25;
  readonly externalSender: Uint8Array;
}
/** op 27: operation type and the contents of the one `<V>` vector (concatenated MLSMessages or ProposalRefs). */
export interface DaveProposalsFrame {
  readonly op: 27;
  readonly operation: DaveProposalsOperation;
  readonly proposals: Uint8Array;
}
/** op 29: transition id and the winning commit (an MLSMessage). */
export interface DaveAnnounceCommitFrame {
  readonly op: 29;
  readonly transitionId: number;
  readonly commit: Uint8Array;
}
/** op 30: transition id and a bare Welcome. */
export interface DaveWelcomeFrame {
  readonly op: 30;
  readonly transitionId: number;
  readonly welcome: Uint8Array;
}
export type DaveServerPayload = DaveExternalSenderFrame | DaveProposalsFrame | DaveAnnounceCommitFrame | DaveWelcomeFrame;
export type DaveServerFrame = DaveServerPayload & { readonly seq: number };

/** op 26: a bare KeyPackage. */
export interface DaveKeyPackageFrame {
  readonly op: 26;
  readonly keyPackage: Uint8Array;
}
/** op 28: an MLSMessage commit immediately followed by an optional bare Welcome. */
export interface DaveCommitWelcomeFrame {
  readonly op: 28;
  readonly commitWelcome: Uint8Array;
}
export type DaveClientFrame = DaveKeyPackageFrame | DaveCommitWelcomeFrame;

export function decodeDaveServerFrame(bytes: Uint8Array): DecodeResult<DaveServerFrame> {
  if (bytes.length < 3) return fail('DAVE server frame shorter than 3 bytes');
  const seq = readU16(bytes, 0);
  const op = bytes[2] as number;
  const body = bytes.subarray(3);
  switch (op) {
    case 25:
      if (body.length === 0) return fail('DAVE op 25: empty external sender');
      return ok({ seq, op, externalSender: body });
    case 27: {
      if (body.length < 1) return fail('DAVE op 27: missing operation type');
      const operation = body[0] as number;
      if (operation !== 0 && operation !== 1) return fail(`DAVE op 27: unknown operation type ${operation}`);
      const len = readMlsVarint(body, 1);
      if (!len.ok) return fail(`DAVE op 27: ${len.reason}`);
      const start = 1 + len.value.size;
      if (start + len.value.value !== body.length) return fail('DAVE op 27: vector length does not match the frame');
      return ok({ seq, op, operation: operation as DaveProposalsOperation, proposals: body.subarray(start) });
    }
    case 29:
    case 30: {
      if (body.length < 3) return fail(`DAVE op ${op}: too short for transition id and message`);
      const transitionId = readU16(body, 0);
      const msg = body.subarray(2);
      return ok(op === 29 ? { seq, op, transitionId, commit: msg } : { seq, op, transitionId, welcome: msg });
    }
    default:
      return fail(`not a server DAVE binary opcode: ${op}`);
  }
}

function serverPayloadBody(frame: DaveServerPayload): { head: number; body: Uint8Array } {
  switch (frame.op) {
    case 25:
      return { head: 0, body: frame.externalSender };
    case 27:
      return { head: 1 + mlsVarintLength(frame.proposals.length), body: frame.proposals };
    case 29:
      return { head: 2, body: frame.commit };
    case 30:
      return { head: 2, body: frame.welcome };
  }
}

export function encodeDaveServerFrame(frame: DaveServerFrame, out?: Uint8Array, offset = 0): Uint8Array {
  const { head, body } = serverPayloadBody(frame);
  const total = 3 + head + body.length;
  const b = outputBuffer(total, out, offset);
  writeU16(b, offset, frame.seq & 0xffff);
  b[offset + 2] = frame.op;
  let o = offset + 3;
  if (frame.op === 27) {
    b[o++] = frame.operation;
    o += writeMlsVarint(b, o, frame.proposals.length);
  } else if (frame.op === 29 || frame.op === 30) {
    writeU16(b, o, frame.transitionId);
    o += 2;
  }
  b.set(body, o);
  return b.subarray(offset, offset + total);
}

export function decodeDaveClientFrame(bytes: Uint8Array): DecodeResult<DaveClientFrame> {
  if (bytes.length < 2) return fail('DAVE client frame shorter than 2 bytes');
  const op = bytes[0] as number;
  const body = bytes.subarray(1);
  if (op === 26) return ok({ op, keyPackage: body });
  if (op === 28) return ok({ op, commitWelcome: body });
  return fail(`not a client DAVE binary opcode: ${op}`);
}

export function encodeDaveClientFrame(frame: DaveClientFrame, out?: Uint8Array, offset = 0): Uint8Array {
  const body = frame.op === 26 ? frame.keyPackage : frame.commitWelcome;
  const total = 1 + body.length;
  const b = outputBuffer(total, out, offset);
  b[offset] = frame.op;
  b.set(body, offset + 1);
  return b.subarray(offset, offset + total);
}
