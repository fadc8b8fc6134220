// Lateness measured where it is made: every RTP packet the client hands to its UDP socket is timestamped (one
// patched send for node:dgram, used by both libraries; Bun.udpSocket for transport-bun; @voicewire/udp-native's
// sendBatch for the batched and pooled modes, timestamped when the batch goes out). Per SSRC, the offset of
// packet k from the ideal grid is t_k − 20 ms × (seq_k − seq_0); lateness = offset − the stream's smallest offset.
// Storage is preallocated typed arrays: the probe adds no allocation per packet.
import dgram from 'node:dgram';

const CAP = 4_000_000;
const ssrcs = new Uint32Array(CAP);
const seqs = new Uint16Array(CAP);
const times = new Float64Array(CAP);
let count = 0;
let recording = false;

function record(data: unknown): void {
  if (!recording || count >= CAP) return;
  const b = data as Uint8Array;
  if (!(b instanceof Uint8Array) || b.length < 12 || (b[0]! & 0xc0) !== 0x80 || (b[1]! & 0x7f) !== 120) return;
  ssrcs[count] = ((b[8]! << 24) | (b[9]! << 16) | (b[10]! << 8) | b[11]!) >>> 0;
  seqs[count] = (b[2]! << 8) | b[3]!;
  times[count] = performance.now();
  count++;
}

export async function installHandoffProbe(): Promise<void> {
  if (!('Bun' in globalThis)) {
    const { loadUdpNative } = await import('@voicewire/udp-native');
    const load = loadUdpNative();
    if (load.loaded) {
      const binding = load.binding as { sendBatch: (fds: Int32Array, d: readonly Uint8Array[], count: number, ...rest: unknown[]) => number };
      const sendBatch = binding.sendBatch.bind(binding);
      binding.sendBatch = (fds, d, count, ...rest) => {
        for (let i = 0; i < count; i++) record(d[i]);
        return sendBatch(fds, d, count, ...rest);
      };
    }
  }
  const proto = dgram.Socket.prototype as unknown as { send: (...a: unknown[]) => unknown };
  const original = proto.send;
  proto.send = function (this: unknown, ...args: unknown[]) {
    record(args[0]);
    return original.apply(this, args);
  };
  const B = (globalThis as { Bun?: { udpSocket: (o: unknown) => Promise<{ send: (...a: unknown[]) => unknown; sendMany?: (p: unknown[]) => unknown }> } }).Bun;
  if (B) {
    const udp = B.udpSocket.bind(B);
    B.udpSocket = async (o: unknown) => {
      const s = await udp(o);
      const send = s.send.bind(s);
      s.send = (...a: unknown[]) => {
        record(a[0]);
        return send(...a);
      };
      if (s.sendMany) {
        const many = s.sendMany.bind(s);
        s.sendMany = (p: unknown[]) => {
          for (const d of p) record(d);
          return many(p);
        };
      }
      return s;
    };
  }
}

export function startRecording(): void {
  count = 0;
  recording = true;
}

export function stopRecording(): { packets: number; streams: number; p50: number; p99: number; max: number } {
  recording = false;
  const byStream = new Map<number, number[]>();
  for (let i = 0; i < count; i++) {
    let l = byStream.get(ssrcs[i]!);
    if (!l) byStream.set(ssrcs[i]!, (l = []));
    l.push(i);
  }
  const late: number[] = [];
  for (const idx of byStream.values()) {
    let base = 0;
    let prev = seqs[idx[0]!]!;
    const s0 = prev;
    const offs: number[] = [];
    for (const i of idx) {
      const s = seqs[i]!;
      if (s < prev && prev - s > 30000) base += 65536;
      prev = s;
      offs.push(times[i]! - 20 * (base + s - s0));
    }
    const min = Math.min(...offs);
    for (const o of offs) late.push(o - min);
  }
  late.sort((a, b) => a - b);
  const q = (p: number): number => late[Math.min(late.length - 1, Math.floor(p * late.length))] ?? NaN;
  return { packets: count, streams: byStream.size, p50: q(0.5), p99: q(0.99), max: late[late.length - 1] ?? NaN };
}
