#!/usr/bin/env node
// Writes a generated MNIST-style sample as real IDX files (gzipped) into datasets/images/:
//   digits-train-images-idx3-ubyte.gz, digits-train-labels-idx1-ubyte.gz  (TRAIN images)
//   digits-test-images-idx3-ubyte.gz,  digits-test-labels-idx1-ubyte.gz   (TEST images)
// Each image is 28x28 bytes: a digit drawn as the strokes of a seven-segment glyph (with a diagonal for
// 7 and curved-ish corners from thick round pens), randomly scaled, slanted, shifted, with random stroke
// thickness, per-stroke endpoint jitter, blur-like anti-aliasing and background noise. Labels are
// balanced (i mod 10, then shuffled). Deterministic: a seeded mulberry32 generator and gzip level 9 give
// the same bytes on every run.
//   node datasets/generators/digit-images.mjs
import { writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';

const SIZE = 28;
const TRAIN = 4000;
const TEST = 1000;
const SEED = 20240601;

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Seven-segment endpoints in a unit box (x right, y down): a top, b top-right, c bottom-right,
// d bottom, e bottom-left, f top-left, g middle; plus 'k' the diagonal of a 7 and 'j' a 1's flag.
const P = { tl: [0, 0], tr: [1, 0], ml: [0, 0.5], mr: [1, 0.5], bl: [0, 1], br: [1, 1] };
const SEG = { a: ['tl', 'tr'], b: ['tr', 'mr'], c: ['mr', 'br'], d: ['bl', 'br'], e: ['ml', 'bl'], f: ['tl', 'ml'], g: ['ml', 'mr'] };
const DIGITS = {
  0: ['a', 'b', 'c', 'd', 'e', 'f'],
  1: ['b', 'c', 'j'],
  2: ['a', 'b', 'g', 'e', 'd'],
  3: ['a', 'b', 'g', 'c', 'd'],
  4: ['f', 'g', 'b', 'c'],
  5: ['a', 'f', 'g', 'c', 'd'],
  6: ['a', 'f', 'g', 'e', 'c', 'd'],
  7: ['a', 'k'],
  8: ['a', 'b', 'c', 'd', 'e', 'f', 'g'],
  9: ['a', 'b', 'c', 'd', 'f', 'g'],
};

function strokes(digit) {
  return DIGITS[digit].map((s) => {
    if (s === 'k') return [P.tr, [0.3, 1]];
    if (s === 'j') return [[0.55, 0.2], P.tr];
    const [from, to] = SEG[s];
    return [P[from], P[to]];
  });
}

function distanceToSegment(px, py, [x0, y0], [x1, y1]) {
  const dx = x1 - x0;
  const dy = y1 - y0;
  const len2 = dx * dx + dy * dy || 1;
  const t = Math.max(0, Math.min(1, ((px - x0) * dx + (py - y0) * dy) / len2));
  return Math.hypot(px - (x0 + t * dx), py - (y0 + t * dy));
}

function render(digit, random) {
  const width = 9 + random() * 5; // glyph box in pixels
  const height = 15 + random() * 5;
  const slant = (random() - 0.5) * 0.5;
  const cx = 14 + (random() - 0.5) * 6;
  const cy = 14 + (random() - 0.5) * 5;
  const pen = 1.0 + random() * 1.3; // stroke half-width in pixels
  const jitter = () => (random() - 0.5) * 0.12;
  const toPixels = ([u, v]) => {
    const x = (u - 0.5 + jitter()) * width;
    const y = (v - 0.5 + jitter()) * height;
    return [cx + x - slant * y, cy + y];
  };
  const lines = strokes(digit).map(([a, b]) => [toPixels(a), toPixels(b)]);
  const image = new Uint8Array(SIZE * SIZE);
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      let d = Infinity;
      for (const [a, b] of lines) d = Math.min(d, distanceToSegment(x + 0.5, y + 0.5, a, b));
      // Ink 1 inside the pen, fading over one pixel (anti-aliasing), plus sparse background noise.
      let ink = Math.max(0, Math.min(1, pen + 0.5 - d));
      if (random() < 0.03) ink = Math.max(ink, random() * 0.6);
      image[y * SIZE + x] = Math.round(255 * ink);
    }
  }
  return image;
}

function idxImages(images) {
  const header = Buffer.alloc(16);
  header.writeUInt32BE(2051, 0);
  header.writeUInt32BE(images.length, 4);
  header.writeUInt32BE(SIZE, 8);
  header.writeUInt32BE(SIZE, 12);
  return Buffer.concat([header, ...images.map((i) => Buffer.from(i))]);
}

function idxLabels(labels) {
  const header = Buffer.alloc(8);
  header.writeUInt32BE(2049, 0);
  header.writeUInt32BE(labels.length, 4);
  return Buffer.concat([header, Buffer.from(labels)]);
}

function makeSplit(count, random) {
  const labels = Array.from({ length: count }, (_, i) => i % 10);
  for (let i = count - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [labels[i], labels[j]] = [labels[j], labels[i]];
  }
  return { labels, images: labels.map((d) => render(d, random)) };
}

const random = mulberry32(SEED);
const dir = (name) => fileURLToPath(new URL(`../images/${name}`, import.meta.url));
for (const [split, count] of [['train', TRAIN], ['test', TEST]]) {
  const { labels, images } = makeSplit(count, random);
  writeFileSync(dir(`digits-${split}-images-idx3-ubyte.gz`), gzipSync(idxImages(images), { level: 9 }));
  writeFileSync(dir(`digits-${split}-labels-idx1-ubyte.gz`), gzipSync(idxLabels(labels), { level: 9 }));
  console.log(`wrote ${count} ${split} images`);
}
