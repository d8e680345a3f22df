#!/usr/bin/env node
// The `seqtrain` command. The TypeScript sources build to dist/ on `npm install` (the root `prepare` script).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = new URL('../dist/main.js', import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  console.error('seqtrain is not built yet: run `npm install` (or `npm run build`) in the repository root.');
  process.exit(1);
}
await import(main.href);
