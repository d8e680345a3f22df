import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { buildModel } from './build-model.js';
import { beamSearchDecode, greedyDecode, greedyDecodeBatch } from './seq2seq-decode.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
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
