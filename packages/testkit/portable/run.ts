// Runs the portable suite in whatever runtime executes this file (Bun, Deno, Node) and prints a summary line.
import { runCases } from '../src/run-cases.js';
import { portableCases } from './cases.js';

const g = globalThis as { Bun?: { version: string }; Deno?: { version: { deno: string }; exit(code: number): never }; process?: { version: string; exitCode?: number } };
const runtime = g.Bun ? `Bun ${g.Bun.version}` : g.Deno ? `Deno ${g.Deno.version.deno}` : `Node ${g.process?.version}`;
const r = await runCases(`portable core suite on ${runtime}`, portableCases());
console.log(`RESULT ${JSON.stringify({ suite: 'portable', runtime, passed: r.passed, failed: r.failed })}`);
if (g.Deno) g.Deno.exit(r.failed === 0 ? 0 : 1);
else if (g.process) g.process.exitCode = r.failed === 0 ? 0 : 1;
