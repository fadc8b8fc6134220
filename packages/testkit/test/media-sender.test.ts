// The send path's packets are cut from shared slabs: every packet keeps its own bytes after later packets are
// built (across slab boundaries, with every crypto provider), and opens back to its frame.
import { describe, expect, it } from 'vitest';
import { nobleProvider } from '@voicewire/crypto-noble';
import { nodeProvider } from '@voicewire/crypto-node';
import { sodiumProvider } from '@voicewire/crypto-sodium';
import { MediaSender, TransportCipher, type CryptoProvider } from '@voicewire/voice-protocol';

describe('MediaSender: packets from slabs', () => {
  for (const [name, provider] of [['noble', nobleProvider], ['node', nodeProvider], ['sodium', sodiumProvider]] as [string, CryptoProvider][]) {
    for (const mode of provider.modes) {
      it(`${name} ${mode}: 500 packets of varied sizes, all kept, each opens to its own frame and sequence`, () => {
        const key = new Uint8Array(32).map((_, i) => i * 7 + 1);
        const sender = new MediaSender(() => 0.5, 0x1234);
        const seal = new TransportCipher(provider, mode, key);
        const open = new TransportCipher(provider, mode, key);
        const frames = Array.from({ length: 500 }, (_, i) => new Uint8Array(1 + ((i * 37) % 400)).fill(i & 0xff).map((b, j) => (j === 0 ? 0xfc : b)));
        const packets = frames.map((f) => sender.packet(seal, f));
        const buffers = new Set(packets.map((p) => p.buffer));
        expect(buffers.size).toBeGreaterThan(1); // the run crossed slab boundaries
        expect(buffers.size).toBeLessThan(packets.length / 10); // and did not allocate one buffer per packet
        packets.forEach((p, i) => {
          const r = open.openRtp(p);
          expect(r.ok, `packet ${i}`).toBe(true);
          if (!r.ok) return;
          expect(new Uint8Array(r.value.payload)).toEqual(frames[i]);
          expect(r.value.header.sequence).toBe((0x8000 + i) & 0xffff); // random() = 0.5 starts the sequence at 0x8000
        });
      });
    }
  }
});

describe('MediaSender: counters and the silence tail', () => {
  const key = new Uint8Array(32).fill(9);
  const frame = new Uint8Array([0xfc, 1, 2, 3]);

  it('each packet advances sequence by 1, timestamp by 960 and the nonce by 1, from random starts, wrapping at 2^16 and 2^32', () => {
    const seal = new TransportCipher(nodeProvider, 'aead_aes256_gcm_rtpsize', key);
    const open = new TransportCipher(nodeProvider, 'aead_aes256_gcm_rtpsize', key);
    const draws = [0.99999, 0.99999];
    const sender = new MediaSender(() => draws.shift() as number, 7);
    const first = { sequence: sender.sequence, timestamp: sender.timestamp };
    expect(first.sequence).toBe(Math.floor(0.99999 * 0x10000));
    expect(first.timestamp).toBe(Math.floor(0.99999 * 0x100000000));
    const headers = Array.from({ length: 2000 }, () => {
      const r = open.openRtp(sender.packet(seal, frame));
      if (!r.ok) throw new Error(r.reason);
      return { ...r.value.header, nonce: r.value.nonce };
    });
    headers.forEach((h, i) => {
      expect(h.sequence).toBe((first.sequence + i) & 0xffff);
      expect(h.timestamp).toBe((first.timestamp + i * 960) % 2 ** 32);
      expect(h.nonce).toBe(i + 1);
    });
    expect(headers.some((h) => h.sequence === 0)).toBe(true); // the sequence wrapped within the run
    expect(headers.some((h, i) => i > 0 && h.timestamp < (headers[i - 1]?.timestamp as number))).toBe(true); // so did the timestamp
    expect(sender.packetsSent).toBe(2000);
  });

  it('a packet that exactly fills what is left of a slab stays in that slab; the next one starts a new slab', () => {
    const seal = new TransportCipher(nodeProvider, 'aead_aes256_gcm_rtpsize', key);
    const sender = new MediaSender(() => 0, 1);
    // 12-byte header + 32 bytes of Opus + 16-byte tag + 4-byte nonce = 64 bytes: 256 packets fill a 16 KiB slab
    const opus = new Uint8Array(32).fill(0xfc);
    // the slab is the process's: run to the start of a fresh one first, wherever earlier senders left it
    let last = sender.packet(seal, opus);
    for (let i = 0; i < 300; i++) {
      const p = sender.packet(seal, opus);
      if (p.buffer !== last.buffer) {
        last = p;
        break;
      }
      last = p;
    }
    expect(last.byteOffset).toBe(0);
    const packets = [last, ...Array.from({ length: 256 }, () => sender.packet(seal, opus))];
    expect(packets[0]?.length).toBe(64);
    expect(new Set(packets.slice(0, 256).map((p) => p.buffer)).size).toBe(1);
    expect(packets[255]?.byteOffset).toBe(16_320);
    expect(packets[256]?.buffer).not.toBe(packets[0]?.buffer);
  });

  it('senders share the slab (it fills within milliseconds and dies young), and no region is handed out twice', () => {
    const senders = Array.from({ length: 40 }, (_, i) => new MediaSender(() => 0.25, 100 + i));
    const seal = new TransportCipher(nodeProvider, 'aead_aes256_gcm_rtpsize', key);
    const open = new TransportCipher(nodeProvider, 'aead_aes256_gcm_rtpsize', key);
    const sent: { ssrc: number; frame: Uint8Array; packet: Uint8Array }[] = [];
    for (let round = 0; round < 20; round++) {
      senders.forEach((s, i) => {
        const frame = new Uint8Array(20 + ((round * 13 + i * 7) % 300)).fill((round + i) & 0xff);
        frame[0] = 0xfc;
        sent.push({ ssrc: s.ssrc, frame, packet: s.packet(seal, frame) });
      });
    }
    // 800 packets of 40 senders: a few slabs in all, not one per sender
    const buffers = new Set(sent.map((p) => p.packet.buffer));
    expect(buffers.size).toBeLessThan(senders.length);
    const first = sent.slice(0, senders.length);
    expect(new Set(first.map((p) => p.packet.buffer)).size).toBeLessThanOrEqual(2);
    // regions within one buffer never overlap
    const byBuffer = new Map<ArrayBufferLike, [number, number][]>();
    for (const { packet } of sent) {
      const l = byBuffer.get(packet.buffer) ?? [];
      l.push([packet.byteOffset, packet.byteOffset + packet.length]);
      byBuffer.set(packet.buffer, l);
    }
    for (const spans of byBuffer.values()) {
      spans.sort((a, b) => a[0] - b[0]);
      for (let i = 1; i < spans.length; i++) expect(spans[i]![0]).toBeGreaterThanOrEqual(spans[i - 1]![1]);
    }
    for (const { ssrc, frame, packet } of sent) {
      const r = open.openRtp(packet);
      expect(r.ok).toBe(true);
      if (!r.ok) continue;
      expect(r.value.header.ssrc).toBe(ssrc);
      expect(new Uint8Array(r.value.payload)).toEqual(frame);
    }
  });

  it('the silence tail: five silence frames 20 ms apart, the last one flagged; cancel ends it', () => {
    const sender = new MediaSender(() => 0, 1);
    expect(sender.silenceTailActive).toBe(false);
    expect(sender.dueSilence(0)).toBeNull();
    sender.startSilenceTail(100);
    expect(sender.silenceTailActive).toBe(true);
    expect(sender.deadline()).toBe(100);
    expect(sender.dueSilence(99)).toBeNull();
    const at: [number, boolean][] = [];
    for (let t = 100; t <= 200; t++) {
      const s = sender.dueSilence(t);
      if (s) at.push([t, s.last]);
    }
    expect(at).toEqual([[100, false], [120, false], [140, false], [160, false], [180, true]]);
    expect(sender.silenceTailActive).toBe(false);
    sender.startSilenceTail(300);
    sender.cancelSilenceTail();
    expect(sender.silenceTailActive).toBe(false);
    expect(sender.deadline()).toBeNull();
    expect(sender.dueSilence(400)).toBeNull();
  });
});
