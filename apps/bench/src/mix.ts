// Mixing cost (issue 17): µs of CPU per 20 ms frame the Mixer produces, for 1, 2 and 4 tracks, and for one
// track at unit gain (passthrough) and at 0.5 (decode → scale → encode). Writes results/mix.md.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { createFramesResource, describeOpus, Mixer, OpusCodec, PCM_FRAME_BYTES } from '@voicewire/audio';

const FRAMES = 1500;
function encodeTone(hz: number): Uint8Array[] {
  const c = new OpusCodec();
  const out: Uint8Array[] = [];
  for (let n = 0; n < FRAMES; n++) {
    const pcm = new Uint8Array(PCM_FRAME_BYTES);
    const dv = new DataView(pcm.buffer);
    for (let i = 0; i < 960; i++) {
      const v = Math.round(Math.sin(((n * 960 + i) * 2 * Math.PI * hz) / 48000) * 6000);
      dv.setInt16(i * 4, v, true);
      dv.setInt16(i * 4 + 2, v, true);
    }
    out.push(c.encode(pcm));
  }
  c.close();
  return out;
}
const sources = [440, 660, 880, 1100].map(encodeTone);
async function run(tracks: number, volume: number): Promise<number> {
  const m = new Mixer({ endWhenEmpty: true });
  for (let t = 0; t < tracks; t++) m.add(createFramesResource(sources[t] as Uint8Array[]), { volume });
  for (let i = 0; i < 100; i++) await m.read(); // warm-up
  const c0 = process.cpuUsage();
  let n = 0;
  for (let f = await m.read(); f; f = await m.read()) n++;
  const c = process.cpuUsage(c0);
  m.close();
  return (c.user + c.system) / n;
}
const rows: [string, number][] = [];
rows.push(['1 Opus track at unit gain (passthrough)', await run(1, 1)]);
rows.push(['1 track at volume 0.5 (decode, scale, encode)', await run(1, 0.5)]);
rows.push(['2 tracks', await run(2, 1)]);
rows.push(['4 tracks', await run(4, 1)]);
const md = [`## Mixer: CPU per 20 ms frame (${'Bun' in globalThis ? `Bun ${(globalThis as { Bun?: { version: string } }).Bun?.version}` : `Node ${process.version}`}, ${cpus()[0]?.model ?? ''}, Opus: ${describeOpus().package})`, '', '| tracks | µs / frame |', '|---|---:|', ...rows.map(([k, v]) => `| ${k} | ${v.toFixed(1)} |`), ''].join('\n');
console.log(md);
const dir = join(new URL('.', import.meta.url).pathname, '..', 'results');
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, `mix-${'Bun' in globalThis ? 'bun' : 'node'}.md`), md);
