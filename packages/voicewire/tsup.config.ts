import { defineConfig } from 'tsup';
import { packageConfig } from '../../tsup.shared.ts';
export default defineConfig(packageConfig(['src/node.ts', 'src/bun.ts', 'src/emulator.ts']));
