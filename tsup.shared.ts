// One tsup configuration for every package: ESM only, with declarations and source maps.
import type { Options } from 'tsup';

export function packageConfig(entry: string[] = ['src/index.ts'], extra: Partial<Options> = {}): Options {
  return {
    entry,
    format: ['esm'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'es2022',
    treeshake: true,
    ...extra,
  };
}
