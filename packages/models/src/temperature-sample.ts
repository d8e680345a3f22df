/**
 * Temperature sampling as in the Keras text-generation lab: p' = softmax(log(p) / T), then one
 * draw from p'. T < 1 sharpens towards the most likely id, T > 1 flattens. Done in float64.
 */
import { SeqtrainError } from '@seqtrain/common';
import type { RandomSource } from './seeded-random.js';

export function temperatureSample(probs: ArrayLike<number>, temperature: number, random: RandomSource): number {
  if (!(temperature > 0) || !Number.isFinite(temperature)) {
    throw new SeqtrainError(
      'ERR_INVALID_ARGUMENT',
      `temperature must be a finite number > 0; got ${temperature}. Try 0.5 (conservative) to 1.0 (the model's own distribution).`,
      { field: 'temperature' }
    );
  }
  const n = probs.length;
  const logits = new Float64Array(n);
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const logit = Math.log(probs[i] ?? 0) / temperature;
    logits[i] = logit;
    if (logit > max) max = logit;
  }
  if (max === -Infinity) {
    throw new SeqtrainError('ERR_INVALID_ARGUMENT', `Cannot sample from ${n} probabilities that are all zero.`);
  }
  let total = 0;
  for (let i = 0; i < n; i++) {
    const weight = Math.exp((logits[i] ?? -Infinity) - max);
    logits[i] = weight;
    total += weight;
  }
  const target = random() * total;
  let cumulative = 0;
  let last = 0;
  for (let i = 0; i < n; i++) {
    const weight = logits[i] ?? 0;
    if (weight === 0) continue;
    cumulative += weight;
    last = i;
    if (target < cumulative) return i;
  }
  return last;
}
