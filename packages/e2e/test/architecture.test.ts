// docs/architecture.md's package table is true to the code: for every package, the workspace packages its source
// imports are declared in its package.json (dependencies or peers), and are exactly what the table's "imports" column names.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const short = (name: string): string => name.replace(/^@voicewire\//, '');

/** The table rows: package names (a row may name several) → the packages in their "imports" cell. */
const table = new Map<string, string[]>();
const doc = readFileSync(join(root, 'docs', 'architecture.md'), 'utf8');
const from = doc.indexOf('| package | holds | imports |');
const packageTable = doc.slice(from, doc.indexOf('\n\n', from));
for (const line of packageTable.split('\n')) {
  const cells = line.split('|').map((c) => c.trim());
  if (cells.length < 5 || !cells[1]?.startsWith('`')) continue;
  const names = [...(cells[1] as string).matchAll(/`([^`]+)`/g)].map((m) => m[1] as string);
  const imports = cells[3] === 'nothing' ? [] : [...(cells[3] as string).matchAll(/`([^`]+)`/g)].map((m) => m[1] as string);
  for (const n of names) table.set(n, imports);
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sourceFiles(join(dir, e.name)) : /\.ts$/.test(e.name) ? [join(dir, e.name)] : []));
}

const workspace = readdirSync(join(root, 'packages')).filter((d) => d !== 'e2e');
const names = new Set(workspace.map((d) => (JSON.parse(readFileSync(join(root, 'packages', d, 'package.json'), 'utf8')) as { name: string }).name));

describe('docs/architecture.md', () => {
  it('has a row for every package', () => {
    expect([...table.keys()].sort()).toEqual(workspace.sort());
  });
  for (const dir of workspace) {
    it(`${dir}: the imports column, package.json and the source agree`, () => {
      const pkg = JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8')) as { name: string; dependencies?: Record<string, string>; peerDependencies?: Record<string, string> };
      // what an install of the package brings, or asks the user for (an optional peer such as voice-server)
      const declared = Object.keys({ ...pkg.dependencies, ...pkg.peerDependencies }).filter((n) => names.has(n)).map(short);
      const imported = new Set<string>();
      for (const f of sourceFiles(join(root, 'packages', dir, 'src'))) {
        for (const m of readFileSync(f, 'utf8').matchAll(/(?:from |import\()'((?:@voicewire\/)?[a-z-]+)(?:\/[a-z-]+)?'/g)) {
          if (names.has(m[1] as string) && m[1] !== pkg.name) imported.add(short(m[1] as string));
        }
      }
      for (const name of imported) expect(declared, `${dir} imports ${name} without declaring it`).toContain(name);
      expect([...(table.get(dir) ?? ['(no row)'])].sort()).toEqual([...imported].sort());
    });
  }
});
