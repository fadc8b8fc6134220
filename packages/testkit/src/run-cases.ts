/** Runs runner-neutral test cases in any runtime and prints one line each and a plain summary. */
import type { TestCase } from './crypto-conformance.js';

export interface CaseResults {
  passed: number;
  failed: number;
  failures: string[];
}

export async function runCases(title: string, cases: readonly TestCase[], timeoutMs = 30_000): Promise<CaseResults> {
  const r: CaseResults = { passed: 0, failed: 0, failures: [] };
  const t0 = performance.now();
  for (const c of cases) {
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      await Promise.race([
        Promise.resolve().then(() => c.run()),
        new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs))),
      ]);
      r.passed++;
      console.log(`  ✓ ${c.name}`);
    } catch (e) {
      r.failed++;
      const msg = e instanceof Error ? e.message : String(e);
      r.failures.push(`${c.name}: ${msg}`);
      console.log(`  ✗ ${c.name}\n      ${msg.split('\n').join('\n      ')}`);
    } finally {
      clearTimeout(timer);
    }
  }
  console.log(`${title}: ${r.passed} passed, ${r.failed} failed (${((performance.now() - t0) / 1000).toFixed(1)}s)`);
  return r;
}
