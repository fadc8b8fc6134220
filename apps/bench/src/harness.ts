import type { ChildProcess } from 'node:child_process';
/** A tiny benchmark harness: warm up, then the median of several timed batches, in ns per operation. */
export interface BenchResult {
  readonly name: string;
  readonly nsPerOp: number;
}

const now = (): number => performance.now();

export function bench(name: string, fn: () => void, opts: { batches?: number; targetMs?: number } = {}): BenchResult {
  const batches = opts.batches ?? 7;
  const targetMs = opts.targetMs ?? 150;
  // Warm-up and calibration: find an iteration count that takes about targetMs.
  let n = 1000;
  for (;;) {
    const t0 = now();
    for (let i = 0; i < n; i++) fn();
    const ms = now() - t0;
    if (ms > targetMs / 4) {
      n = Math.max(1000, Math.round((n * targetMs) / ms));
      break;
    }
    n *= 4;
  }
  const samples: number[] = [];
  for (let b = 0; b < batches; b++) {
    const t0 = now();
    for (let i = 0; i < n; i++) fn();
    samples.push(((now() - t0) * 1e6) / n);
  }
  samples.sort((a, b) => a - b);
  return { name, nsPerOp: samples[Math.floor(samples.length / 2)] as number };
}

/**
 * Runs every case round-robin for `rounds` rounds (each a calibrated batch) and reports each case's median.
 * Interleaving spreads the drift of a shared machine evenly over the cases being compared.
 */
export function benchAll(cases: { name: string; fn: () => void }[], rounds = 9, targetMs = 60): Map<string, number> {
  const iters = new Map<string, number>();
  for (const c of cases) {
    let n = 500;
    for (;;) {
      const t0 = now();
      for (let i = 0; i < n; i++) c.fn();
      const ms = now() - t0;
      if (ms > targetMs / 4) {
        iters.set(c.name, Math.max(500, Math.round((n * targetMs) / ms)));
        break;
      }
      n *= 4;
    }
  }
  const samples = new Map<string, number[]>(cases.map((c) => [c.name, []]));
  for (let r = 0; r < rounds; r++) {
    for (const c of cases) {
      const n = iters.get(c.name) as number;
      const t0 = now();
      for (let i = 0; i < n; i++) c.fn();
      samples.get(c.name)?.push(((now() - t0) * 1e6) / n);
    }
  }
  const out = new Map<string, number>();
  for (const [name, s] of samples) {
    s.sort((a, b) => a - b);
    out.set(name, s[Math.floor(s.length / 2)] as number);
  }
  return out;
}

export function runtimeName(): string {
  const g = globalThis as { Bun?: { version: string }; Deno?: { version: { deno: string } } };
  if (g.Bun) return `Bun ${g.Bun.version}`;
  if (g.Deno) return `Deno ${g.Deno.version.deno}`;
  return `Node ${process.version}`;
}

export function table(title: string, rows: { name: string; ns: number; ratio?: string }[]): string {
  const lines = [`### ${title}`, '', '| path | ns/packet | packets/s (1 core) | ratio |', '|---|---:|---:|---:|'];
  for (const r of rows) lines.push(`| ${r.name} | ${r.ns.toFixed(0)} | ${Math.round(1e9 / r.ns).toLocaleString('en-US')} | ${r.ratio ?? ''} |`);
  return lines.join('\n');
}

/**
 * The next IPC message of `type` from a benchmark child process; rejects after `timeoutMs`, or when the process
 * exits first (a crashed child never leaves the bench waiting).
 */
export function nextMessage<T>(p: ChildProcess, type: string, timeoutMs = 300_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const done = (): void => {
      clearTimeout(timer);
      p.off('message', on);
      p.off('exit', onExit);
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`timed out waiting for ${type}`));
    }, timeoutMs);
    const on = (m: { type: string }): void => {
      if (m.type !== type) return;
      done();
      resolve(m as T);
    };
    const onExit = (code: number | null): void => {
      done();
      reject(new Error(`${type}: the process exited (${code})`));
    };
    p.on('message', on);
    p.once('exit', onExit);
  });
}

/**
 * Runs `tick` on a 20 ms grid from now for one second of warm-up plus `seconds`, and measures the window after the
 * warm-up: this process's CPU (user and system, µs) and wall time (ms), and the ticks run in it (`allTicks`: with
 * the warm-up's).
 */
export async function pacedWindow(seconds: number, tick: () => void): Promise<{ user: number; system: number; elapsedMs: number; ticks: number; allTicks: number }> {
  const t0 = performance.now();
  const end = t0 + seconds * 1000 + 1000;
  let n = 0;
  let cpu0 = process.cpuUsage();
  let w0 = t0;
  await new Promise<void>((resolve) => {
    const step = (): void => {
      tick();
      n++;
      if (n === 50) {
        cpu0 = process.cpuUsage();
        w0 = performance.now();
      }
      if (performance.now() >= end) return resolve();
      setTimeout(step, Math.max(0, t0 + n * 20 - performance.now()));
    };
    step();
  });
  const cpu = process.cpuUsage(cpu0);
  return { user: cpu.user, system: cpu.system, elapsedMs: performance.now() - w0, ticks: n - 50, allTicks: n };
}
