#!/usr/bin/env node
// Every relative link in the repository's Markdown resolves to a file or folder inside the repository, and every
// section of docs/protocol.md cited in code (`protocol.md §N.M`) is a heading there.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const files = execFileSync('git', ['ls-files', '*.md', '**/*.md'], { cwd: root, encoding: 'utf8' }).split('\n').filter(Boolean);
let bad = 0;
for (const f of files) {
  const text = readFileSync(join(root, f), 'utf8').replace(/```[\s\S]*?```/g, '');
  for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
    const target = (m[1] ?? '').split('#')[0];
    if (!target || /^[a-z]+:/i.test(target)) continue;
    const abs = resolve(root, dirname(f), target);
    const inside = !relative(root, abs).startsWith('..');
    if (!inside || !existsSync(abs)) {
      bad++;
      console.error(`${f}: link to ${m[1]} ${inside ? 'does not exist' : 'leaves the repository'}`);
    }
  }
}

// Sections of docs/protocol.md: "## 9." and "### 9.2" headings; "### 9.2–9.4" names 9.2, 9.3 and 9.4.
const sections = new Set();
for (const m of readFileSync(join(root, 'docs', 'protocol.md'), 'utf8').matchAll(/^#{2,3} (\d+)(?:\.(\d+))?(?:–(\d+)\.(\d+))?[. ]/gm)) {
  if (m[2] === undefined) sections.add(m[1]);
  else for (let k = Number(m[2]); k <= Number(m[4] ?? m[2]); k++) sections.add(`${m[1]}.${k}`);
}
const sources = execFileSync('git', ['ls-files', 'packages/*/src/**', 'apps/*/src/**', 'scripts/**'], { cwd: root, encoding: 'utf8' }).split('\n').filter((f) => /\.(ts|mjs|js)$/.test(f));
let cited = 0;
for (const f of sources) {
  const lines = readFileSync(join(root, f), 'utf8').split('\n');
  lines.forEach((line, i) => {
    const at = line.indexOf('protocol.md §');
    if (at < 0) return;
    for (const m of line.slice(at).matchAll(/§(\d+(?:\.\d+)?)/g)) {
      cited++;
      if (!sections.has(m[1])) {
        bad++;
        console.error(`${f}:${i + 1}: cites docs/protocol.md §${m[1]}, which is not a section there`);
      }
    }
  });
}
if (bad) process.exit(1);
console.log(`links: ${files.length} Markdown files, every relative link resolves inside the repository; ${cited} citations of docs/protocol.md sections all exist`);
