/**
 * A streaming Ogg Opus demuxer (RFC 3533 pages, RFC 7845 Ogg Opus): bytes go in as they arrive, Opus packets
 * come out. OpusHead and OpusTags are checked; every audio packet must be 20 ms (Discord's frame size), so
 * frames pass through to RTP without re-encoding.
 */
import { concatBytes } from '@voicewire/voice-protocol';
import { AudioError } from './errors.js';
import { oggPageCrc } from './ogg-crc.js';
import { opusPacketDurationTenthsMs } from './opus-toc.js';

export interface OpusHead {
  readonly version: number;
  readonly channels: number;
  readonly preSkip: number;
  readonly inputSampleRate: number;
  readonly outputGain: number;
  readonly mappingFamily: number;
}

const le16 = (b: Uint8Array, o: number): number => (b[o] as number) | ((b[o + 1] as number) << 8);
const le32 = (b: Uint8Array, o: number): number => ((b[o] as number) | ((b[o + 1] as number) << 8) | ((b[o + 2] as number) << 16) | ((b[o + 3] as number) << 24)) >>> 0;
const ascii = (b: Uint8Array, o: number, n: number): string => String.fromCharCode(...b.subarray(o, o + n));

/** A page's granule position (a 64-bit sample count), or -1 when no packet ends on the page. */
function granule(page: Uint8Array): number {
  const lo = le32(page, 6);
  const hi = le32(page, 10);
  return lo === 0xffffffff && hi === 0xffffffff ? -1 : hi * 0x100000000 + lo;
}

const EMPTY: Uint8Array = new Uint8Array(0);

export class OggOpusDemuxer {
  private buf: Uint8Array = EMPTY;
  private partial: Uint8Array[] = [];
  private packetIndex = 0;
  private serial: number | null = null;
  head: OpusHead | null = null;
  vendor: string | null = null;
  /** Audio packets seen (frames). */
  frames = 0;
  /** Audio packets dropped before the start position. */
  skipped = 0;
  /** Output samples (48 kHz, after pre-skip) to drop from the start: a seek target. */
  private readonly startSample: number;

  /** `startMs`: frames that end at or before this position are dropped, by the pages' granule positions. */
  constructor(options: { startMs?: number } = {}) {
    this.startSample = Math.max(0, Math.round((options.startMs ?? 0) * 48));
  }

  /**
   * Feeds bytes; returns the complete 20 ms Opus frames they finished. Throws AudioError on bad input.
   *
   * Frames are views of the bytes given (a chunk must not be written again once pushed, as with any stream): only
   * a page that straddles two chunks is copied, and only that page — copying every chunk made each stream hold a
   * second copy of its input, which lived as long as its frames and kept the collector busy.
   */
  push(chunk: Uint8Array): Uint8Array[] {
    const out: Uint8Array[] = [];
    let from = 0;
    if (this.buf.length > 0) {
      const carried = this.buf.length;
      const total = this.straddlingPageLength(chunk);
      if (total < 0 || total > carried + chunk.length) {
        // the page is still incomplete: keep what there is (small: less than one page)
        this.buf = concatBytes([this.buf, chunk]);
        return out;
      }
      const page = concatBytes([this.buf, chunk.subarray(0, total - carried)]);
      this.buf = EMPTY;
      this.parsePages(page, 0, out);
      from = total - carried;
    }
    const end = this.parsePages(chunk, from, out);
    this.buf = end < chunk.length ? chunk.subarray(end) : EMPTY;
    return out;
  }

  /**
   * The length of the page that begins in the carried bytes and goes on in `chunk`, or -1 while its header is
   * incomplete. A bad capture pattern is left to parsePages, which reports it.
   */
  private straddlingPageLength(chunk: Uint8Array): number {
    const carried = this.buf;
    const at = (i: number): number => (i < carried.length ? (carried[i] as number) : ((chunk[i - carried.length] ?? 0) as number));
    const available = carried.length + chunk.length;
    if (available < 27) return -1;
    const segments = at(26);
    if (available < 27 + segments) return -1;
    let body = 0;
    for (let i = 0; i < segments; i++) body += at(27 + i);
    return 27 + segments + body;
  }

  /** Parses the complete pages of `bytes` from `off`; returns where the first incomplete page begins. */
  private parsePages(bytes: Uint8Array, off: number, out: Uint8Array[]): number {
    for (;;) {
      if (bytes.length - off < 27) return off;
      if (ascii(bytes, off, 4) !== 'OggS') {
        throw new AudioError('E_NOT_OGG', this.packetIndex === 0 && off === 0 ? 'the input is not an Ogg file (no "OggS" capture pattern); convert it to Ogg Opus, e.g. with the ffmpeg source' : 'lost Ogg page sync: the file is corrupt');
      }
      const segments = bytes[off + 26] as number;
      const headerLen = 27 + segments;
      if (bytes.length - off < headerLen) return off;
      let bodyLen = 0;
      for (let i = 0; i < segments; i++) bodyLen += bytes[off + 27 + i] as number;
      if (bytes.length - off < headerLen + bodyLen) return off;
      const page = bytes.subarray(off, off + headerLen + bodyLen);
      this.checkPage(page);
      const first = out.length;
      let p = headerLen;
      for (let i = 0; i < segments; i++) {
        const lace = page[27 + i] as number;
        this.partial.push(page.subarray(p, p + lace));
        p += lace;
        if (lace < 255) this.finishPacket(out);
      }
      if (this.startSample > 0 && out.length > first) this.dropBeforeStart(out, first, granule(page));
      off += headerLen + bodyLen;
    }
  }

  /** Call at end of input: throws when the stream ended early or held no audio. */
  end(): void {
    if (this.buf.length > 0 || this.partial.length > 0) throw new AudioError('E_CORRUPT', 'the Ogg stream ended in the middle of a page or packet');
    if (!this.head) throw new AudioError('E_NOT_OPUS', 'the Ogg stream has no OpusHead: it is not Ogg Opus');
  }

  /**
   * Drops this page's packets (out[first…]) that end at or before the start position. The page's granule
   * position is the sample count at the end of its last packet (pre-skip included, RFC 7845 §4); each packet
   * before it ends 960 samples (20 ms) earlier.
   */
  private dropBeforeStart(out: Uint8Array[], first: number, pageGranule: number): void {
    if (pageGranule < 0) return;
    const n = out.length - first;
    const lastEnd = pageGranule - (this.head?.preSkip ?? 0);
    let keepFrom = first;
    while (keepFrom < out.length && lastEnd - (n - 1 - (keepFrom - first)) * 960 <= this.startSample) keepFrom++;
    this.skipped += keepFrom - first;
    out.splice(first, keepFrom - first);
  }

  private checkPage(page: Uint8Array): void {
    if (page[4] !== 0) throw new AudioError('E_CORRUPT', `unsupported Ogg version ${page[4]}`);
    const serial = le32(page, 14);
    if (this.serial === null) this.serial = serial;
    else if (serial !== this.serial) throw new AudioError('E_NOT_OPUS', 'the Ogg file has several logical streams; only single-stream Ogg Opus is supported');
    if (oggPageCrc(page) !== le32(page, 22)) throw new AudioError('E_CORRUPT', 'an Ogg page failed its CRC check: the file is damaged');
  }

  private finishPacket(out: Uint8Array[]): void {
    // A packet whose segments all lie in one page is one contiguous run of it: handed out as a view, not copied
    // (the page's bytes are never written again). Only a packet continued across pages is joined into a copy.
    const parts = this.partial;
    const first = parts[0] as Uint8Array;
    const last = parts[parts.length - 1] as Uint8Array;
    let packet: Uint8Array;
    if (parts.length === 1) packet = first;
    else if (first.buffer === last.buffer && last.byteOffset + last.length - first.byteOffset === parts.reduce((n, p) => n + p.length, 0)) {
      packet = new Uint8Array(first.buffer, first.byteOffset, last.byteOffset + last.length - first.byteOffset);
    } else {
      packet = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
      let o = 0;
      for (const p of parts) {
        packet.set(p, o);
        o += p.length;
      }
    }
    this.partial = [];
    const index = this.packetIndex++;
    if (index === 0) return this.readHead(packet);
    if (index === 1) return this.readTags(packet);
    if (packet.length === 0) return; // a zero-length packet carries no audio
    const tenths = opusPacketDurationTenthsMs(packet);
    if (tenths !== 200) {
      throw new AudioError('E_FRAME_SIZE', `audio packet ${index - 2} lasts ${tenths < 0 ? 'an invalid length' : `${tenths / 10} ms`}; Discord needs 20 ms Opus frames. Re-encode with 20 ms frames (ffmpeg: -c:a libopus -frame_duration 20)`);
    }
    this.frames++;
    out.push(packet);
  }

  private readHead(p: Uint8Array): void {
    if (p.length < 19 || ascii(p, 0, 8) !== 'OpusHead') throw new AudioError('E_NOT_OPUS', 'the first Ogg packet is not an OpusHead: this Ogg file does not contain Opus (Vorbis or FLAC?); convert it to Opus');
    const head: OpusHead = { version: p[8] as number, channels: p[9] as number, preSkip: le16(p, 10), inputSampleRate: le32(p, 12), outputGain: (le16(p, 16) << 16) >> 16, mappingFamily: p[18] as number };
    if (head.version >> 4 !== 0) throw new AudioError('E_NOT_OPUS', `unsupported OpusHead version ${head.version}`);
    if (head.channels < 1 || head.channels > 2 || head.mappingFamily !== 0) throw new AudioError('E_NOT_OPUS', `Discord voice carries mono or stereo Opus; this file has ${head.channels} channels (mapping family ${head.mappingFamily})`);
    this.head = head;
  }

  private readTags(p: Uint8Array): void {
    if (p.length < 16 || ascii(p, 0, 8) !== 'OpusTags') throw new AudioError('E_NOT_OPUS', 'the second Ogg packet is not OpusTags');
    const len = le32(p, 8);
    if (12 + len > p.length) throw new AudioError('E_CORRUPT', 'OpusTags vendor string runs past the packet');
    this.vendor = new TextDecoder().decode(p.subarray(12, 12 + len));
  }
}

/** Demuxes an async stream of bytes into 20 ms Opus frames. */
export async function* demuxOggOpus(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const d = new OggOpusDemuxer();
  for await (const chunk of source) yield* d.push(chunk);
  d.end();
}
