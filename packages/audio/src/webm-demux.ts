/**
 * A streaming WebM/Matroska Opus demuxer: bytes go in as they arrive, the Opus packets of the first Opus audio
 * track come out unchanged (passthrough, no transcode). EBML as in RFC 8794, Matroska elements as in RFC 9559:
 * only the elements on the path to the blocks are read (Segment → Tracks → TrackEntry, Segment → Cluster →
 * SimpleBlock / BlockGroup → Block); everything else is skipped by its size without being buffered, so Cues,
 * attachments or video clusters of any size cost nothing. Live streams (Segment and Cluster of unknown size) work.
 *
 * Hostile input never throws anything but AudioError, and never grows memory without bound: an element that has
 * to be held whole (a block, CodecPrivate) is capped at MAX_BUFFERED_ELEMENT.
 */
import { concatBytes } from '@voicewire/voice-protocol';
import { AudioError } from './errors.js';
import { opusPacketDurationTenthsMs } from './opus-toc.js';
import type { OpusHead } from './ogg-demux.js';

const ID = {
  EBML: 0x1a45dfa3,
  DocType: 0x4282,
  Segment: 0x18538067,
  Tracks: 0x1654ae6b,
  TrackEntry: 0xae,
  TrackNumber: 0xd7,
  TrackType: 0x83,
  CodecID: 0x86,
  CodecPrivate: 0x63a2,
  Cluster: 0x1f43b675,
  Timecode: 0xe7,
  Info: 0x1549a966,
  TimecodeScale: 0x2ad7b1,
  SimpleBlock: 0xa3,
  BlockGroup: 0xa0,
  Block: 0xa1,
} as const;

/** Master elements the demuxer descends into (their children are parsed in the same flat loop). */
const DESCEND = new Set<number>([ID.Segment, ID.Info, ID.Tracks, ID.TrackEntry, ID.Cluster, ID.BlockGroup]);
/** Elements read whole (small, or the blocks themselves). */
const READ = new Set<number>([ID.EBML, ID.TimecodeScale, ID.Timecode, ID.TrackNumber, ID.TrackType, ID.CodecID, ID.CodecPrivate, ID.SimpleBlock, ID.Block]);
const UNKNOWN_SIZE = -1;
export const MAX_BUFFERED_ELEMENT = 1 << 20;

/** Reads an EBML variable-length integer at `o`: its length and value (marker removed), or null when incomplete. */
function vint(b: Uint8Array, o: number, keepMarker: boolean): { len: number; value: number } | null {
  if (o >= b.length) return null;
  const first = b[o] as number;
  if (first === 0) throw new AudioError('E_CORRUPT', 'invalid EBML variable-length integer (a zero first byte): the WebM data is damaged');
  const len = Math.clz32(first) - 23; // 1..8
  if (o + len > b.length) return null;
  let value = keepMarker ? first : first & (0xff >> len);
  let allOnes = value === 0xff >> len;
  for (let i = 1; i < len; i++) {
    const byte = b[o + i] as number;
    if (byte !== 0xff) allOnes = false;
    value = value * 256 + byte;
  }
  if (!keepMarker && allOnes) return { len, value: UNKNOWN_SIZE };
  return { len, value };
}

const ascii = (b: Uint8Array): string => String.fromCharCode(...b).replace(/\0+$/, '');
const uint = (b: Uint8Array): number => b.reduce((n, x) => n * 256 + x, 0);

interface Track {
  number: number | null;
  type: number | null;
  codec: string | null;
  privateData: Uint8Array | null;
}

export class WebmOpusDemuxer {
  private buf: Uint8Array = new Uint8Array(0);
  private off = 0;
  /** Bytes of a skipped element still to discard. */
  private skipping = 0;
  private sawHeader = false;
  private track: Track | null = null;
  private tracksSeen: Track[] = [];
  private opusTrack: number | null = null;
  /** The first Opus track's OpusHead (CodecPrivate), when present. */
  head: OpusHead | null = null;
  /** Opus packets delivered. */
  frames = 0;
  /** Blocks of other tracks (video, a second audio track) that were skipped. */
  otherTrackBlocks = 0;
  /** Opus packets dropped before the start position. */
  skipped = 0;
  /** Nanoseconds per timecode tick (Info → TimecodeScale; Matroska's default is 1 ms). */
  private timecodeScale = 1_000_000;
  /** The current Cluster's timecode, in ticks. */
  private clusterTimecode = 0;
  private readonly startMs: number;

  /** `startMs`: packets that end at or before this position are dropped, by the clusters' and blocks' timecodes. */
  constructor(options: { startMs?: number } = {}) {
    this.startMs = Math.max(0, options.startMs ?? 0);
  }

  /**
   * Feeds bytes; returns the Opus packets they completed. Throws AudioError on bad input.
   *
   * Packets are views of the bytes given (a chunk must not be written again once pushed, as with any stream): only
   * the element that straddles two chunks is copied, and only that element — copying every chunk made each stream
   * hold a second copy of its input, which lived as long as its packets and kept the collector busy.
   */
  push(chunk: Uint8Array): Uint8Array[] {
    const out: Uint8Array[] = [];
    chunk = this.skip(chunk);
    if (chunk.length === 0) return out;
    const rest = this.buf.length - this.off;
    if (rest > 0) {
      const carried = this.buf.subarray(this.off);
      const need = this.straddlingElementLength(carried, chunk);
      if (need < 0 || need > rest + chunk.length) {
        // still incomplete: keep what there is (less than one element)
        this.buf = concatBytes([carried, chunk]);
        this.off = 0;
        this.parse(out);
        return out;
      }
      this.buf = concatBytes([carried, chunk.subarray(0, need - rest)]);
      this.off = 0;
      this.parse(out);
      chunk = this.skip(chunk.subarray(need - rest));
      if (chunk.length === 0) return out;
    }
    this.buf = chunk;
    this.off = 0;
    this.parse(out);
    return out;
  }

  /** Drops the bytes of a skipped element that are still to come. */
  private skip(chunk: Uint8Array): Uint8Array {
    if (this.skipping === 0) return chunk;
    const n = Math.min(this.skipping, chunk.length);
    this.skipping -= n;
    return chunk.subarray(n);
  }

  /**
   * How many bytes the element that begins in `carried` and goes on in `chunk` takes before parsing can go on in
   * `chunk` alone: its header for an element parsing descends into or skips, its header and body for one it reads;
   * -1 while its header is incomplete.
   */
  private straddlingElementLength(carried: Uint8Array, chunk: Uint8Array): number {
    // an element id and size take at most 4 + 8 bytes
    const probe = carried.length >= 12 ? carried : concatBytes([carried, chunk.subarray(0, 12 - carried.length)]);
    const id = vint(probe, 0, true);
    if (!id) return -1;
    const size = vint(probe, id.len, false);
    if (!size) return -1;
    const headerLen = id.len + size.len;
    return READ.has(id.value) && size.value !== UNKNOWN_SIZE && size.value <= MAX_BUFFERED_ELEMENT ? headerLen + size.value : headerLen;
  }

  /** Bytes held while waiting for the rest of an element (never more than one block or CodecPrivate). */
  get bufferedBytes(): number {
    return this.buf.length - this.off;
  }

  /** Call at end of input: throws when the input was not WebM, carried no Opus track, or stopped inside a block. */
  end(): void {
    if (this.sawHeader && this.opusTrack !== null && this.bufferedBytes > 0) throw new AudioError('E_CORRUPT', `the WebM stream ended inside an element (${this.bufferedBytes} bytes of it arrived)`);
    if (!this.sawHeader) throw new AudioError('E_NOT_WEBM', 'the input is not WebM/Matroska (no EBML header); use StreamType.Arbitrary to convert it with ffmpeg');
    if (this.opusTrack === null) throw this.noOpusError();
  }

  private noOpusError(): AudioError {
    const codecs = this.tracksSeen.map((t) => t.codec ?? '?').join(', ');
    return new AudioError('E_NOT_OPUS', `the WebM file has no Opus audio track${codecs ? ` (tracks: ${codecs})` : ''}; only Opus passes through — play it as StreamType.Arbitrary to transcode with ffmpeg`);
  }

  private parse(out: Uint8Array[]): void {
    const b = this.buf;
    if (!this.sawHeader && b.length >= 4 && !(b[0] === 0x1a && b[1] === 0x45 && b[2] === 0xdf && b[3] === 0xa3)) {
      throw new AudioError('E_NOT_WEBM', 'the input is not WebM/Matroska (it does not start with an EBML header); use StreamType.Arbitrary to convert it with ffmpeg');
    }
    for (;;) {
      const id = vint(b, this.off, true);
      if (!id) break;
      if (id.len > 4) throw new AudioError('E_CORRUPT', 'an EBML element id longer than 4 bytes: the WebM data is damaged');
      const size = vint(b, this.off + id.len, false);
      if (!size) break;
      const headerLen = id.len + size.len;
      const elementId = id.value;
      if (DESCEND.has(elementId)) {
        this.off += headerLen;
        if (elementId === ID.TrackEntry) this.startTrack();
        if (elementId === ID.Cluster || elementId === ID.Segment) this.finishTrack();
        continue;
      }
      if (size.value === UNKNOWN_SIZE) throw new AudioError('E_CORRUPT', `element 0x${elementId.toString(16)} has an unknown size, which only Segment and Cluster may have`);
      if (READ.has(elementId)) {
        if (size.value > MAX_BUFFERED_ELEMENT) throw new AudioError('E_CORRUPT', `a WebM element of ${size.value} bytes (more than ${MAX_BUFFERED_ELEMENT}): not an audio block`);
        if (b.length - this.off < headerLen + size.value) break;
        const body = b.subarray(this.off + headerLen, this.off + headerLen + size.value);
        this.off += headerLen + size.value;
        this.element(elementId, body, out);
        continue;
      }
      // Anything else: skip by its size, across pushes when it is larger than what is buffered.
      const available = b.length - this.off - headerLen;
      if (available >= size.value) {
        this.off += headerLen + size.value;
      } else {
        this.skipping = size.value - available;
        this.off = b.length;
        break;
      }
    }
    // Keep only the unparsed tail (a view: the next push copies what it needs of it).
    if (this.off > 0) {
      this.buf = this.buf.subarray(this.off);
      this.off = 0;
    }
  }

  private startTrack(): void {
    this.finishTrack();
    this.track = { number: null, type: null, codec: null, privateData: null };
  }

  private finishTrack(): void {
    const t = this.track;
    this.track = null;
    if (!t) return;
    this.tracksSeen.push(t);
    if (this.opusTrack !== null || t.codec !== 'A_OPUS' || t.number === null || (t.type !== null && t.type !== 2)) return;
    this.opusTrack = t.number;
    if (t.privateData && t.privateData.length >= 19 && ascii(t.privateData.subarray(0, 8)) === 'OpusHead') {
      const p = t.privateData;
      const dv = new DataView(p.buffer, p.byteOffset, p.byteLength);
      this.head = { version: p[8] as number, channels: p[9] as number, preSkip: dv.getUint16(10, true), inputSampleRate: dv.getUint32(12, true), outputGain: dv.getInt16(16, true), mappingFamily: p[18] as number };
      if (this.head.channels < 1 || this.head.channels > 2) throw new AudioError('E_NOT_OPUS', `Discord voice carries mono or stereo Opus; this WebM track has ${this.head.channels} channels`);
    }
  }

  private element(id: number, body: Uint8Array, out: Uint8Array[]): void {
    switch (id) {
      case ID.EBML: {
        this.sawHeader = true;
        // DocType inside the header: webm or matroska.
        for (let o = 0; o < body.length; ) {
          const cid = vint(body, o, true);
          const csize = cid && vint(body, o + cid.len, false);
          if (!cid || !csize || csize.value === UNKNOWN_SIZE || o + cid.len + csize.len + csize.value > body.length) break;
          const v = body.subarray(o + cid.len + csize.len, o + cid.len + csize.len + csize.value);
          if (cid.value === ID.DocType && !['webm', 'matroska'].includes(ascii(v))) throw new AudioError('E_NOT_WEBM', `EBML document type "${ascii(v).slice(0, 20)}" is neither webm nor matroska`);
          o += cid.len + csize.len + csize.value;
        }
        return;
      }
      case ID.TimecodeScale:
        if (uint(body) > 0) this.timecodeScale = uint(body);
        return;
      case ID.Timecode:
        this.clusterTimecode = uint(body);
        return;
      case ID.TrackNumber:
        if (this.track) this.track.number = uint(body);
        return;
      case ID.TrackType:
        if (this.track) this.track.type = uint(body);
        return;
      case ID.CodecID:
        if (this.track) this.track.codec = ascii(body);
        return;
      case ID.CodecPrivate:
        if (this.track) this.track.privateData = body.slice();
        return;
      case ID.SimpleBlock:
      case ID.Block:
        this.finishTrack();
        if (this.opusTrack === null) throw this.noOpusError();
        return this.block(body, out);
    }
  }

  /** A (Simple)Block: track number, 16-bit relative timecode, flags, then one frame or a laced group of frames. */
  private block(body: Uint8Array, out: Uint8Array[]): void {
    const track = vint(body, 0, false);
    if (!track || body.length < track.len + 3) throw new AudioError('E_CORRUPT', 'a WebM block too short for its header');
    if (track.value !== this.opusTrack) {
      this.otherTrackBlocks++;
      return;
    }
    const flags = body[track.len + 2] as number;
    const data = body.subarray(track.len + 3);
    const lacing = (flags >> 1) & 3;
    // The block's time: its cluster's timecode plus its own signed 16-bit offset, in ticks of TimecodeScale.
    const relative = (((body[track.len] as number) << 8) | (body[track.len + 1] as number)) << 16 >> 16;
    let atMs = ((this.clusterTimecode + relative) * this.timecodeScale) / 1e6;
    for (const frame of lacing === 0 ? [data] : unlace(data, lacing)) {
      if (this.startMs > 0 && atMs + 20 <= this.startMs + 0.5) {
        this.skipped++;
        atMs += 20;
        continue;
      }
      atMs += 20;
      this.deliver(frame, out);
    }
  }

  private deliver(frame: Uint8Array, out: Uint8Array[]): void {
    if (frame.length === 0) return;
    const tenths = opusPacketDurationTenthsMs(frame);
    if (tenths !== 200) {
      throw new AudioError('E_FRAME_SIZE', `Opus packet ${this.frames} lasts ${tenths < 0 ? 'an invalid length' : `${tenths / 10} ms`}; Discord needs 20 ms Opus frames. Re-encode with 20 ms frames (ffmpeg: -c:a libopus -frame_duration 20), or play it as StreamType.Arbitrary`);
    }
    this.frames++;
    out.push(frame); // a view of the block: the buffer it lies in is never written again (each push makes a new one)
  }
}

/** Splits a laced block (1 = Xiph, 2 = fixed-size, 3 = EBML lacing) into its frames. */
function unlace(data: Uint8Array, lacing: number): Uint8Array[] {
  const bad = (): never => {
    throw new AudioError('E_CORRUPT', 'a laced WebM block whose frame sizes do not add up');
  };
  if (data.length < 1) bad();
  const count = (data[0] as number) + 1;
  let o = 1;
  const sizes: number[] = [];
  if (lacing === 2) {
    const each = (data.length - 1) / count;
    if (!Number.isInteger(each)) bad();
    for (let i = 0; i < count; i++) sizes.push(each);
  } else if (lacing === 1) {
    for (let i = 0; i < count - 1; i++) {
      let size = 0;
      for (;;) {
        if (o >= data.length) bad();
        const x = data[o++] as number;
        size += x;
        if (x < 255) break;
      }
      sizes.push(size);
    }
  } else {
    const first = vint(data, o, false);
    if (!first || first.value === UNKNOWN_SIZE) return bad();
    o += first.len;
    sizes.push(first.value);
    for (let i = 1; i < count - 1; i++) {
      const d = vint(data, o, false);
      if (!d || d.value === UNKNOWN_SIZE) return bad();
      o += d.len;
      const bias = 2 ** (7 * d.len - 1) - 1; // signed: value minus half the range
      const size = (sizes[i - 1] as number) + d.value - bias;
      if (size < 0) bad();
      sizes.push(size);
    }
  }
  if (lacing !== 2) {
    const used = sizes.reduce((a, b) => a + b, 0);
    if (data.length - o < used) bad();
    sizes.push(data.length - o - used);
  }
  const frames: Uint8Array[] = [];
  for (const s of sizes) {
    frames.push(data.subarray(o, o + s));
    o += s;
  }
  if (o !== data.length) bad();
  return frames;
}

/** Demuxes an async stream of WebM/Matroska bytes into the 20 ms Opus packets of its first Opus track. */
export async function* demuxWebmOpus(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const d = new WebmOpusDemuxer();
  for await (const chunk of source) yield* d.push(chunk);
  d.end();
}
