// The API reference (`npm run docs:api`, TypeDoc) covers every public package: each entry point a package publishes
// (its `exports`) is an entry point of typedoc.json, and its module comment names it as users import it
// (`@module @voicewire/audio`), so the reference reads "@voicewire/audio", not "audio_src".
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const typedoc = JSON.parse(readFileSync(join(root, 'typedoc.json'), 'utf8')) as { entryPoints: string[] };
const packages = readdirSync(join(root, 'packages'))
  .map((dir) => ({ dir, pkg: JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8')) as { name: string; private?: boolean; exports: Record<string, unknown> } }))
  .filter(({ pkg }) => !pkg.private);

/** The source file an export resolves to in the workspace (the Node condition where there are several). */
function source(target: unknown): string {
  if (typeof target === 'string') return target;
  const t = target as Record<string, unknown>;
  return source(t.node ?? t.default ?? t.types);
}

describe('the API reference', () => {
  it('lists every public package', () => {
    expect(packages.length).toBeGreaterThanOrEqual(13);
  });
  for (const { dir, pkg } of packages) {
    for (const [subpath, target] of Object.entries(pkg.exports)) {
      const name = subpath === '.' ? pkg.name : `${pkg.name}/${subpath.slice(2)}`;
      it(`documents ${name}, under that name`, () => {
        const file = join('packages', dir, source(target).replace(/^\.\//, ''));
        expect(typedoc.entryPoints).toContain(file);
        const text = readFileSync(join(root, file), 'utf8');
        expect(/^\/\*\*[\s\S]*?\*\//.exec(text)?.[0]).toContain(`@module ${name}`);
      });
    }
  }
});
