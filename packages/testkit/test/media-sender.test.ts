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
