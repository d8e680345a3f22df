/**
 * Character-level generation from a trained char-lm: slide a seqLen window over prime + generated
 * text, predict the next-character distribution, draw from it with temperature sampling and a
 * seeded PRNG, so the same (model, options) always yields the same text.
 *
 * A prime shorter than seqLen is left-padded with its own first character (a real character keeps
 * the window closer to what the model saw in training than an arbitrary id would); an empty prime
 * pads with id 0. A prime longer than seqLen contributes its last seqLen characters.
 * A many-to-many model (output [batch, seqLen, vocab], char-lm `targets: 'sequence'`) is sampled from
 * its last position: the distribution of the character after the window.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { SeqtrainError } from '@seqtrain/common';
import { seededRandom } from './seeded-random.js';
import { temperatureSample } from './temperature-sample.js';

export interface SampleOptions {
  /** id -> character, as the model was trained with (the dataset's vocabulary). */
  vocab: readonly string[];
  /** Text to continue; every character must be in vocab. */
  prime: string;
  /** Characters to generate. */
  length: number;
  /** > 0; see temperatureSample(). */
  temperature: number;
  seed: number;
}

function invalid(field: string, message: string): SeqtrainError {
  return new SeqtrainError('ERR_INVALID_ARGUMENT', message, { field });
}

function modelWindow(model: LayersModel, vocabSize: number): number {
  const inputShape = model.inputs[0]?.shape;
  const seqLen = inputShape?.[1];
  if (inputShape?.length !== 2 || typeof seqLen !== 'number') {
    throw invalid('model', `sampleText needs a model with input shape [batch, seqLen]; got ${JSON.stringify(inputShape)}.`);
  }
  const outputShape = model.outputs[0]?.shape;
  const classes = outputShape?.[outputShape.length - 1];
  if ((outputShape?.length !== 2 && outputShape?.length !== 3) || classes !== vocabSize) {
    throw invalid(
      'vocab',
      `The model predicts over ${JSON.stringify(classes)} ids but the vocab has ${vocabSize} entries (output shape ${JSON.stringify(outputShape)}). Use the vocab saved with this model.`
    );
  }
  return seqLen;
}

function idsOf(text: string, index: ReadonlyMap<string, number>): number[] {
  return Array.from(text, (char, position) => {
    const id = index.get(char);
    if (id === undefined) {
      throw invalid(
        'prime',
        `The prime's character ${JSON.stringify(char)} (position ${position}) is not in the model's vocabulary. Use only characters the training text contained.`
      );
    }
    return id;
  });
}

/** Returns prime + `length` generated characters. */
export function sampleText(model: LayersModel, options: SampleOptions): string {
  const { vocab, prime, length, temperature, seed } = options;
  if (!Number.isInteger(length) || length < 0) throw invalid('length', `length must be an integer >= 0; got ${length}.`);
  if (!Number.isFinite(seed)) throw invalid('seed', `seed must be a finite number; got ${seed}.`);
  const index = new Map<string, number>();
  vocab.forEach((char, id) => {
    if (index.has(char)) throw invalid('vocab', `The vocab lists ${JSON.stringify(char)} twice (ids ${index.get(char)} and ${id}).`);
    index.set(char, id);
  });
  const seqLen = modelWindow(model, vocab.length);
  const vocabSize = vocab.length;
  const primeIds = idsOf(prime, index);
  const pad = primeIds[0] ?? 0;
  const window = [...new Array<number>(Math.max(0, seqLen - primeIds.length)).fill(pad), ...primeIds].slice(-seqLen);
  const random = seededRandom(seed);
  let generated = '';
  for (let i = 0; i < length; i++) {
    const probs = tf.tidy(() => {
      const x = tf.tensor2d(window, [1, seqLen], 'int32');
      const out = model.predict(x) as tf.Tensor;
      // [1, vocab], or [1, seqLen, vocab] for a many-to-many model: its last position.
      return (out.rank === 3 ? tf.slice(out, [0, seqLen - 1, 0], [1, 1, vocabSize]) : out).dataSync();
    });
    const next = temperatureSample(probs, temperature, random);
    generated += vocab[next] ?? '';
    window.shift();
    window.push(next);
  }
  return prime + generated;
}
