#!/usr/bin/env node
// Thin launcher; the logic and its options live in infra/src/netns-cli.ts (built to infra/dist).
let main;
try {
  ({ netnsClusterMain: main } = await import('../dist/index.js'));
} catch (err) {
  process.stderr.write(`cannot load infra/dist (${err.message}); build it first: npx nx build infra\n`);
  process.exit(2);
}
process.exitCode = await main(process.argv.slice(2));
