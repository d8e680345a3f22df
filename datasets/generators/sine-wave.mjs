#!/usr/bin/env node
// Writes datasets/timeseries/sine-wave.csv: the lecture notes' sine-wave series (t, value = sin(0.1 t))
// for t = 0 .. 999, 6 decimals. Deterministic: running it again gives the same bytes.
//   node datasets/generators/sine-wave.mjs
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const POINTS = 1000;
const STEP_RADIANS = 0.1;
const out = fileURLToPath(new URL('../timeseries/sine-wave.csv', import.meta.url));
const lines = ['t,value'];
for (let t = 0; t < POINTS; t++) lines.push(`${t},${Math.sin(STEP_RADIANS * t).toFixed(6)}`);
writeFileSync(out, lines.join('\n') + '\n');
console.log(`wrote ${POINTS} points to ${out}`);
