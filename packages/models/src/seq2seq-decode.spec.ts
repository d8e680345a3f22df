import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { buildModel } from './build-model.js';
import { fileSystemIO } from './file-system-io.js';
import { saveModel } from './model-files.js';
import { beamSearchDecode, greedyDecode, greedyDecodeBatch } from './seq2seq-decode.js';
import { prefixRerunBeamSearchDecode, prefixRerunGreedyDecodeBatch, prefixRerunLogProbs } from './seq2seq-decode-reference.js';
import { Seq2seqStepDecoder } from './seq2seq-step-decoder.js';

let root: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  root = await mkdtemp(join(tmpdir(), 'seqtrain-decode-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

// Char ids: 0 pad, 1 '\t' (start), 2 '\n' (end), 3.. letters.
const START = 1;
const END = 2;
const CONFIG = { srcVocab: 10, tgtVocab: 8, srcLen: 6, tgtLen: 7, embeddingDim: 4, units: 6, seed: 21 };
const SOURCE = [3, 4, 5, 6];

/** Shifts the output layer's bias of `id` so the untrained model strongly prefers (or avoids) it. */
function biasToward(model: LayersModel, id: number, shift: number): void {
  const layer = model.getLayer('next_char');
  const [kernel, bias] = layer.getWeights();
  const b = Array.from(bias!.dataSync());
  b[id] = (b[id] ?? 0) + shift;
  layer.setWeights([kernel!, tf.tensor1d(b)]);
}

/**
 * A model whose every weight is redrawn from N(0, 1) (seeded): an untrained model's outputs are
 * nearly uniform and its greedy ids nearly constant, which would let a wrong decoder pass.
 */
function randomModel(config: typeof CONFIG): LayersModel {
  const model = buildModel('seq2seq-attention', config);
  model.setWeights(model.getWeights().map((w, i) => tf.randomNormal(w.shape, 0, 1, 'float32', 1000 + i)));
  return model;
}

const WIDE = { srcVocab: 10, tgtVocab: 8, srcLen: 6, tgtLen: 9, embeddingDim: 5, units: 7, seed: 5 };
const SOURCES = [SOURCE, [7, 8], [9, 3, 3, 4, 5, 6], [5], [6, 6, 7, 9, 4], [8, 3, 9]];

describe('step-wise decoding against the prefix re-run of the whole model', () => {
  it('gives the next-id log-probabilities of the prefix re-run at every position (1e-5), without leaking tensors', () => {
    const model = randomModel(WIDE);
    const decoder = new Seq2seqStepDecoder(model);
    // Teacher-forced prefixes: arbitrary target ids, one row per source of a different length.
    const targets = SOURCES.map((_, r) => Array.from({ length: WIDE.tgtLen }, (_, t) => (r * 5 + t * 3) % WIDE.tgtVocab));
    const before = tf.memory().numTensors;
    let state = decoder.encode(SOURCES.map((s) => [...s, ...Array<number>(WIDE.srcLen - s.length).fill(0)]), WIDE.srcLen);
    for (let t = 0; t < WIDE.tgtLen; t++) {
      const step = decoder.step(state, targets.map((ids) => (t === 0 ? START : (ids[t - 1] as number))));
      state = step.state;
      const reference = prefixRerunLogProbs(model, SOURCES, targets.map((ids) => [START, ...ids.slice(0, t)]));
      reference.forEach((row, r) => {
        const mine = step.logProbs.subarray(r * step.vocab, (r + 1) * step.vocab);
        row.forEach((v, id) => expect(mine[id]).toBeCloseTo(v, 5));
      });
    }
    decoder.dispose(state);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('greedy ids and log-probs equal the prefix re-run across a batch with early ends, on a built and a loaded model', async () => {
    const model = randomModel(WIDE);
    biasToward(model, END, 1);
    const options = { startId: START, endId: END };
    const before = tf.memory().numTensors;
    const batched = greedyDecodeBatch(model, SOURCES, options);
    expect(tf.memory().numTensors).toBe(before);
    const reference = prefixRerunGreedyDecodeBatch(model, SOURCES, options);
    expect(batched.map((r) => r.ids)).toEqual(reference.map((r) => r.ids));
    batched.forEach((r, i) => expect(r.logProb).toBeCloseTo(reference[i]!.logProb, 4));
    // The batch is non-trivial: sentences end at different positions, one runs to tgtLen uncut.
    const lengths = new Set(batched.map((r) => r.ids.length));
    expect(lengths.size).toBeGreaterThan(2);
    expect(batched.some((r) => r.ids.length === WIDE.tgtLen && r.ids.at(-1) !== END)).toBe(true);

    const dir = join(root, 'greedy');
    await saveModel(model, dir);
    const loaded = await tfl.loadLayersModel(fileSystemIO(dir));
    expect(greedyDecodeBatch(loaded, SOURCES, options).map((r) => r.ids)).toEqual(reference.map((r) => r.ids));
    loaded.dispose();
  });

  it('beam search returns the beams of the prefix re-run, in the same order', () => {
    const model = randomModel(WIDE);
    biasToward(model, END, 1);
    const before = tf.memory().numTensors;
    for (const [source, width] of [[SOURCES[0]!, 3], [SOURCES[3]!, 4]] as const) {
      const options = { startId: START, endId: END, maxLength: 6 };
      const beams = beamSearchDecode(model, source, width, options);
      const reference = prefixRerunBeamSearchDecode(model, source, width, options);
      expect(beams.map((b) => b.ids)).toEqual(reference.map((b) => b.ids));
      beams.forEach((b, i) => expect(b.logProb).toBeCloseTo(reference[i]!.logProb, 4));
      expect(beams.some((b) => b.ids.at(-1) === END) && beams.some((b) => b.ids.at(-1) !== END)).toBe(true);
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('greedy and beam-search decoding', () => {
  it('batched greedy decoding gives each source the ids greedyDecode gives it alone', () => {
    const model = buildModel('seq2seq-attention', CONFIG);
    const sources = [SOURCE, [7, 8], [9, 3, 3, 4, 5, 6], [5]];
    const batched = greedyDecodeBatch(model, sources, { startId: START, endId: END });
    sources.forEach((s, i) => {
      const alone = greedyDecode(model, s, { startId: START, endId: END });
      expect(batched[i]!.ids).toEqual(alone.ids);
      expect(batched[i]!.logProb).toBeCloseTo(alone.logProb, 4);
    });
  });

  it('greedy decoding ends at the end id or at maxLength', () => {
    const model = buildModel('seq2seq-attention', CONFIG);
    const free = greedyDecode(model, SOURCE, { startId: START, endId: END });
    expect(free.ids.length).toBeGreaterThan(0);
    expect(free.ids.length).toBeLessThanOrEqual(CONFIG.tgtLen);
    expect(free.ids.at(-1) === END || free.ids.length === CONFIG.tgtLen).toBe(true);
    expect(free.ids.slice(0, -1)).not.toContain(END);

    biasToward(model, END, -50);
    const capped = greedyDecode(model, SOURCE, { startId: START, endId: END, maxLength: 4 });
    expect(capped.ids).toHaveLength(4);
    expect(capped.ids).not.toContain(END);

    biasToward(model, END, 100);
    expect(greedyDecode(model, SOURCE, { startId: START, endId: END }).ids).toEqual([END]);
  });

  it('beam width 1 is greedy; wider beams return sorted, well-terminated sequences', () => {
    const model = buildModel('seq2seq-attention', CONFIG);
    // A flatter output makes the ordering non-trivial but keeps the end id reachable.
    biasToward(model, END, 1);
    const greedy = greedyDecode(model, SOURCE, { startId: START, endId: END });
    const [one] = beamSearchDecode(model, SOURCE, 1, { startId: START, endId: END });
    expect(one!.ids).toEqual(greedy.ids);
    expect(one!.logProb).toBeCloseTo(greedy.logProb, 4);

    const beams = beamSearchDecode(model, SOURCE, 3, { startId: START, endId: END, maxLength: 5 });
    expect(beams).toHaveLength(3);
    for (let i = 1; i < beams.length; i++) expect(beams[i]!.logProb).toBeLessThanOrEqual(beams[i - 1]!.logProb);
    for (const beam of beams) {
      expect(beam.ids.at(-1) === END || beam.ids.length === 5).toBe(true);
      expect(beam.ids.slice(0, -1)).not.toContain(END);
    }
    expect(new Set(beams.map((b) => b.ids.join(','))).size).toBe(3);
    expect(() => beamSearchDecode(model, SOURCE, 0, { startId: START, endId: END })).toThrow(/Beam width must be a positive integer/);
    expect(() => greedyDecode(model, [3, 3, 3, 3, 3, 3, 3], { startId: START, endId: END })).toThrow(/at most srcLen 6/);
  });
});
