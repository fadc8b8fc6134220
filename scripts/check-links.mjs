#!/usr/bin/env node
// Every relative link in the repository's Markdown resolves to a file or folder inside the repository.
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
if (bad) process.exit(1);
console.log(`links: ${files.length} Markdown files, every relative link resolves inside the repository`);
