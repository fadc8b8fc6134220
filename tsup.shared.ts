// One tsup configuration for every package: ESM only, with declarations and source maps.
import type { Options } from 'tsup';

export function packageConfig(entry: string[] = ['src/index.ts'], extra: Partial<Options> = {}): Options {
  return {
    entry,
    format: ['esm'],
    // tsup 8 sets `baseUrl` for its declaration build, which TypeScript 6 deprecates (an error unless silenced).
    dts: { compilerOptions: { ignoreDeprecations: '6.0' } },
    sourcemap: true,
    clean: true,
    target: 'es2022',
    treeshake: true,
    ...extra,
  };
}
