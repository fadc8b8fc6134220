import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AudioError, demuxOggOpus, muxOggOpus, OggOpusDemuxer, oggCrc, opusPacketDurationTenthsMs } from '../src/index.js';

/** A 20 ms CELT frame: TOC config 31 (CELT FB 20 ms), code 0. */
const celt20 = (body: Uint8Array) => Uint8Array.of(0xfc, ...body);
const frames = fc.array(fc.uint8Array({ minLength: 0, maxLength: 600 }).map(celt20), { minLength: 0, maxLength: 200 });

function demuxAll(bytes: Uint8Array, chunk = bytes.length): Uint8Array[] {
  const d = new OggOpusDemuxer();
  const out: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += Math.max(1, chunk)) out.push(...d.push(bytes.subarray(i, i + Math.max(1, chunk))));
  d.end();
  return out;
}

function pages(bytes: Uint8Array): { granule: bigint; flags: number; seq: number }[] {
  const out = [];
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let o = 0; o < bytes.length; ) {
    const segs = bytes[o + 26] as number;
    let body = 0;
    for (let i = 0; i < segs; i++) body += bytes[o + 27 + i] as number;
    out.push({ granule: dv.getBigUint64(o + 6, true), flags: bytes[o + 5] as number, seq: dv.getUint32(o + 18, true) });
    o += 27 + segs + body;
  }
  return out;
}

describe('Ogg Opus (RFC 3533, RFC 7845)', () => {
  it('knows Opus packet durations from the TOC', () => {
    expect(opusPacketDurationTenthsMs(Uint8Array.of(0xfc))).toBe(200); // CELT 20 ms, 1 frame
    expect(opusPacketDurationTenthsMs(Uint8Array.of(0x08))).toBe(200); // SILK NB 20 ms
    expect(opusPacketDurationTenthsMs(Uint8Array.of(0xf8, 0xff, 0xfe))).toBe(200); // the silence frame: CELT 20 ms
    expect(opusPacketDurationTenthsMs(Uint8Array.of(0xf1))).toBe(200); // CELT 10 ms × 2
    expect(opusPacketDurationTenthsMs(Uint8Array.of(0xf9))).toBe(400); // CELT 20 ms × 2
    expect(opusPacketDurationTenthsMs(Uint8Array.of(0xf0))).toBe(100); // CELT 10 ms
    expect(opusPacketDurationTenthsMs(Uint8Array.of(0x1b, 0x03))).toBe(1800); // SILK 60 ms × 3
    expect(opusPacketDurationTenthsMs(Uint8Array.of(0x03))).toBe(-1);
  });

  it('mux → demux round-trips any list of 20 ms frames, however the bytes are chunked', () => {
    fc.assert(
      fc.property(frames, fc.integer({ min: 1, max: 5000 }), (fs, chunk) => {
        const file = muxOggOpus(fs);
        const back = demuxAll(file, chunk);
        expect(back.map((b) => Array.from(b))).toEqual(fs.filter((f) => f.length > 0).map((f) => Array.from(f)));
      }),
      { numRuns: 60 },
    );
  });

  it('hands out views of the chunks it is given, copying only a page that straddles two chunks', () => {
    const fs = Array.from({ length: 300 }, (_, i) => celt20(new Uint8Array(100 + (i % 50)).fill(i & 0xff)));
    const file = muxOggOpus(fs);
    const half = file.length >> 1;
    // two separate buffers, as a file or socket stream hands them over
    const a = file.slice(0, half);
    const b = file.slice(half);
    const d = new OggOpusDemuxer();
    const got = [...d.push(a), ...d.push(b)];
    d.end();
    expect(got.map((f) => Array.from(f))).toEqual(fs.map((f) => Array.from(f)));
    const inA = got.filter((f) => f.buffer === a.buffer).length;
    const inB = got.filter((f) => f.buffer === b.buffer).length;
    const copied = got.length - inA - inB;
    expect(inA).toBeGreaterThan(0);
    expect(inB).toBeGreaterThan(0);
    // at most the frames of the one page across the cut were copied (a page holds up to 255 packets), never a chunk
    expect(copied).toBeLessThanOrEqual(255);
    expect(copied).toBeLessThan(got.length / 4);
  });

  it('writes headers, page sequence numbers, granule positions (pre-skip + 960 per frame), BOS/EOS flags and CRCs', () => {
    const file = muxOggOpus(Array.from({ length: 120 }, (_, i) => celt20(Uint8Array.of(i))), { preSkip: 312 });
    const ps = pages(file);
    expect(ps[0]).toMatchObject({ flags: 0x02, seq: 0, granule: 0n });
    expect(ps[1]).toMatchObject({ flags: 0, seq: 1, granule: 0n });
    expect(ps.slice(2).map((p) => p.granule)).toEqual([312n + 960n * 50n, 312n + 960n * 100n, 312n + 960n * 120n]);
    expect(ps[ps.length - 1]?.flags).toBe(0x04);
    expect(ps.map((p) => p.seq)).toEqual([0, 1, 2, 3, 4]);
    const d = new OggOpusDemuxer();
    d.push(file);
    expect(d.head).toMatchObject({ channels: 2, preSkip: 312, inputSampleRate: 48000, mappingFamily: 0 });
    expect(d.vendor).toBe('voicewire');
    expect(oggCrc(new TextEncoder().encode('OggS'))).not.toBe(0);
  });

  it('gives clear errors for files that are not Ogg Opus or use another frame size', () => {
    const err = (bytes: Uint8Array): AudioError => {
      try {
        demuxAll(bytes);
      } catch (e) {
        return e as AudioError;
      }
      throw new Error('expected an error');
    };
    expect(err(new TextEncoder().encode('RIFF....WAVEfmt data and more bytes than a page header')).code).toBe('E_NOT_OGG');
    // an Ogg file whose first packet is not OpusHead (e.g. Vorbis)
    const vorbis = muxOggOpus([celt20(Uint8Array.of(1))]);
    vorbis.set(new TextEncoder().encode('\x01vorbis\x00'), 28);
    const fixed = vorbis.slice();
    fixed.fill(0, 22, 26);
    new DataView(fixed.buffer).setUint32(22, oggCrc(fixed.subarray(0, 27 + 1 + 19)), true); // first page only
    expect(err(fixed).code).toBe('E_NOT_OPUS');
    const tenMs = err(muxOggOpus([Uint8Array.of(0xf0, 1, 2)]));
    expect(tenMs.code).toBe('E_FRAME_SIZE');
    expect(tenMs.message).toMatch(/10 ms.*20 ms/);
    const corrupt = muxOggOpus([celt20(Uint8Array.of(1, 2, 3))]);
    corrupt[corrupt.length - 1] = (corrupt[corrupt.length - 1] as number) ^ 0xff;
    expect(err(corrupt).code).toBe('E_CORRUPT');
    expect(err(muxOggOpus([celt20(Uint8Array.of(1))]).subarray(0, 60)).code).toBe('E_CORRUPT');
  });

  it('any bytes give frames or an AudioError, never another exception', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
        try {
          demuxAll(b, 7);
        } catch (e) {
          expect(e).toBeInstanceOf(AudioError);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('demuxes an async stream', async () => {
    const file = muxOggOpus([celt20(Uint8Array.of(1)), celt20(Uint8Array.of(2))]);
    async function* chunks() {
      for (let i = 0; i < file.length; i += 10) yield file.subarray(i, i + 10);
    }
    const out: Uint8Array[] = [];
    for await (const f of demuxOggOpus(chunks())) out.push(f);
    expect(out.map((f) => f[1])).toEqual([1, 2]);
  });
});
