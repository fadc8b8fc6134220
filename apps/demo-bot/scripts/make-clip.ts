// Regenerates assets/clip.ogg (committed so the demo needs no encoder at run time).
import { writeFileSync } from 'node:fs';
import { clipOgg } from '../src/clip.js';

const path = new URL('../assets/clip.ogg', import.meta.url);
const bytes = clipOgg();
writeFileSync(path, bytes);
console.log(`wrote ${bytes.length} bytes to ${path.pathname}`);
