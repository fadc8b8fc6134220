// `npm run bench slab`: the send path's packet allocation, A/B in one process — a new buffer per packet (what
// MediaSender did before) against packets cut from 16 KiB slabs (what it does now); build + seal with sodium, µs
// per packet, 9 interleaved rounds of 200,000 packets. Run it pinned (`taskset -c 0`) for steadier figures.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sodiumProvider } from '@voicewire/crypto-sodium';
import { TransportCipher, MediaSender } from '@voicewire/voice-protocol';
const key = new Uint8Array(32).fill(3);
const cipher = new TransportCipher(sodiumProvider, 'aead_xchacha20_poly1305_rtpsize', key);
const opus = new Uint8Array(160).fill(7); opus[0] = 0xfc;
const N = 200_000;
const sink: Uint8Array[] = [];
function slab(): number {
  const s = new MediaSender(Math.random, 1);
  const t0 = performance.now();
  for (let i = 0; i < N; i++) { const p = s.packet(cipher, opus); if ((i & 1023) === 0) sink[0] = p; }
  return ((performance.now() - t0) * 1000) / N;
}
function fresh(): number {
  let seq = 0; let nonce = 0;
  const t0 = performance.now();
  for (let i = 0; i < N; i++) {
    const p = new Uint8Array(12 + opus.length + 4 + 16 + 4);
    p[0] = 0x80; p[1] = 0x78; p[2] = seq >> 8; p[3] = seq & 0xff;
    p.set(opus, 12);
    nonce = (nonce + 1) >>> 0;
    cipher.sealInPlace(p, 12, opus.length, nonce);
    seq = (seq + 1) & 0xffff;
    if ((i & 1023) === 0) sink[0] = p;
  }
  return ((performance.now() - t0) * 1000) / N;
}
const a: number[] = [], b: number[] = [];
for (let r = 0; r < 9; r++) { a.push(fresh()); b.push(slab()); }
const med = (x: number[]) => x.slice().sort((p, q) => p - q)[x.length >> 1]!.toFixed(3);
const md = [
  `# Packet allocation on the send path (${'Bun' in globalThis ? 'Bun' : `Node ${process.version}`}), µs per packet, build + seal (sodium XChaCha20)`,
  '',
  '| allocation | median of 9 | rounds |',
  '|---|---:|---|',
  `| a new buffer per packet | ${med(a)} | ${a.map((x) => x.toFixed(2)).join(' ')} |`,
  `| slab (16 KiB, MediaSender) | ${med(b)} | ${b.map((x) => x.toFixed(2)).join(' ')} |`,
  '',
].join('\n');
console.log(md);
const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'results');
mkdirSync(out, { recursive: true });
writeFileSync(join(out, `slab-${'Bun' in globalThis ? 'bun' : 'node'}.md`), md);
