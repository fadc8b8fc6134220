/**
 * An Ogg Opus muxer (RFC 3533, RFC 7845): 20 ms frames in, valid pages out, with OpusHead, OpusTags and
 * granule positions that count 48 kHz samples (pre-skip + 960 per frame).
 */
import { concatBytes } from '@voicewire/voice-protocol';
import { oggCrc } from './ogg-crc.js';

export interface OggOpusMuxerOptions {
  readonly channels?: 1 | 2;
  readonly preSkip?: number;
  readonly serial?: number;
  readonly vendor?: string;
  /** Frames per page (default 50 = one second). */
  readonly framesPerPage?: number;
}

export class OggOpusMuxer {
  private readonly serial: number;
  private pageSeq = 0;
  private granule: bigint;
  private pending: Uint8Array[] = [];
  private readonly framesPerPage: number;
  private started = false;
  private ended = false;

  constructor(private readonly options: OggOpusMuxerOptions = {}) {
    this.serial = (options.serial ?? 0x766f6963) >>> 0; // "voic"
    this.granule = BigInt(options.preSkip ?? 0);
    this.framesPerPage = options.framesPerPage ?? 50;
  }

  /** The two header pages (OpusHead, OpusTags). Returned by the first `write` or `end` when not called. */
  headers(): Uint8Array[] {
    if (this.started) return [];
    this.started = true;
    const head = new Uint8Array(19);
    head.set(new TextEncoder().encode('OpusHead'), 0);
    head[8] = 1;
    head[9] = this.options.channels ?? 2;
    new DataView(head.buffer).setUint16(10, this.options.preSkip ?? 0, true);
    new DataView(head.buffer).setUint32(12, 48000, true);
    const vendor = new TextEncoder().encode(this.options.vendor ?? 'voicewire');
    const tags = new Uint8Array(8 + 4 + vendor.length + 4);
    tags.set(new TextEncoder().encode('OpusTags'), 0);
    new DataView(tags.buffer).setUint32(8, vendor.length, true);
    tags.set(vendor, 12);
    return [this.page([head], 0n, 0x02), this.page([tags], 0n, 0)];
  }

  /** Adds one 20 ms frame; returns any pages completed. */
  write(frame: Uint8Array): Uint8Array[] {
    if (this.ended) throw new Error('the muxer was ended');
    const out = this.headers();
    this.pending.push(frame);
    this.granule += 960n;
    if (this.pending.length >= this.framesPerPage) out.push(this.flush(0));
    return out;
  }

  /** Ends the stream: the last page carries the end-of-stream flag. */
  end(): Uint8Array[] {
    if (this.ended) return [];
    const out = this.headers();
    this.ended = true;
    out.push(this.flush(0x04));
    return out;
  }

  private flush(flags: number): Uint8Array {
    const page = this.page(this.pending, this.granule, flags);
    this.pending = [];
    return page;
  }

  private page(packets: Uint8Array[], granule: bigint, flags: number): Uint8Array {
    const lacing: number[] = [];
    for (const p of packets) {
      let n = p.length;
      while (n >= 255) {
        lacing.push(255);
        n -= 255;
      }
      lacing.push(n);
    }
    if (lacing.length > 255) throw new RangeError('too many packets for one Ogg page');
    const bodyLen = packets.reduce((n, p) => n + p.length, 0);
    const page = new Uint8Array(27 + lacing.length + bodyLen);
    const dv = new DataView(page.buffer);
    page.set([0x4f, 0x67, 0x67, 0x53], 0); // OggS
    page[4] = 0;
    page[5] = flags;
    dv.setBigUint64(6, packets.length === 0 && granule === 0n ? 0n : granule, true);
    dv.setUint32(14, this.serial, true);
    dv.setUint32(18, this.pageSeq++, true);
    page[26] = lacing.length;
    page.set(lacing, 27);
    let o = 27 + lacing.length;
    for (const p of packets) {
      page.set(p, o);
      o += p.length;
    }
    dv.setUint32(22, oggCrc(page), true);
    return page;
  }
}

/** Muxes a whole list of frames into one Ogg Opus file. */
export function muxOggOpus(frames: Iterable<Uint8Array>, options: OggOpusMuxerOptions = {}): Uint8Array {
  const m = new OggOpusMuxer(options);
  const pages: Uint8Array[] = [...m.headers()];
  for (const f of frames) pages.push(...m.write(f));
  pages.push(...m.end());
  return concatBytes(pages);
}
