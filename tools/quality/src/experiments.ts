/**
 * The experiments of issue 3's quality bars: which job file runs each, which metric of its
 * summary.json is judged, how its baselines are computed from the shipped data, and its bar.
 * Data parameters mirror the issue's wording ("last 10% as validation", "last 24 months",
 * "held-out verses <= 80 chars") and the recipes' defaults (seed 42, validation fraction 0.1).
 */
import { join } from 'node:path';
import { DEFAULTS } from '@seqtrain/common';
import { copyChrfBaseline } from './copy-chrf.js';
import { forecastBaselines, readSeries } from './forecast-baselines.js';
import type { MetricKey, RunResult } from './run-summary.js';
import { readLabelledTsv, sentimentBaselines } from './sentiment-baselines.js';
import { textBaselines } from './text-baselines.js';

export const EXPERIMENT_IDS = ['char-lstm-moby', 'sentiment-lstm', 'timeseries-airline-lstm', 'seq2seq-eng-spa', 'mnist-rows'] as const;
export type ExperimentId = (typeof EXPERIMENT_IDS)[number];

export interface Baseline {
  name: string;
  value: number;
}

export interface Bar {
  /** The metric must be <= (lower is better) or >= (higher is better) this. */
  threshold: number;
  direction: '<=' | '>=';
  /** The run must also end within this many seconds (summary.json wallSeconds). */
  maxWallSeconds?: number;
  /** How the bar is written in the table, e.g. "<= 2.3 within 15 minutes". */
  text: string;
}

export interface Metric {
  key: MetricKey;
  label: string;
  /** Table form of a value (accuracy as a percentage). */
  format: (value: number) => string;
}

export interface Experiment {
  id: ExperimentId;
  title: string;
  metric: Metric;
  baselines: (repoRoot: string) => Promise<Baseline[]>;
  /** The bar; `run` is the run's result when there is one (the seq2seq bar uses its copy chrF). */
  bar: (baselines: readonly Baseline[], run: RunResult | null) => Bar;
}

const fixed = (digits: number) => (v: number) => v.toFixed(digits);
const percent = (v: number) => `${(100 * v).toFixed(1)}%`;

export const CHAR_LSTM_MAX_WALL_SECONDS = 15 * 60;
export const NGRAM_ORDERS = [4, 3] as const;
export const AIRLINE = { file: 'datasets/timeseries/airline-passengers.csv', column: 'passengers', horizon: 24, season: 12 } as const;
export const SENTIMENT = { train: 'datasets/sentiment/train.tsv', test: 'datasets/sentiment/test.tsv', vocabSize: 10_000 } as const;
/** The split of datasets/jobs/seq2seq-eng-spa.yaml (its data.maxChars, data.heldOutEvery, data.heldOutMaxChars). */
export const TRANSLATION = { file: 'datasets/translation/eng-spa-bible.tsv', maxChars: 120, heldOutEvery: 19, heldOutMaxChars: 80, seed: DEFAULTS.SEED } as const;
export const MNIST_CLASSES = 10;
/** The seq2seq bar: chrF at least this much above copying the source. */
export const CHRF_MARGIN = 10;

export const EXPERIMENTS: readonly Experiment[] = [
  {
    id: 'char-lstm-moby',
    title: 'char LSTM, Moby Dick, last 10% as validation',
    metric: { key: 'bitsPerChar', label: 'bits per char', format: fixed(2) },
    baselines: async (root) =>
      (await textBaselines(join(root, 'datasets/text/moby-dick.txt'), NGRAM_ORDERS, DEFAULTS.VALIDATION_FRACTION)).map((b) => ({
        name: `${b.order === 3 ? 'trigram' : `${b.order}-gram`} KN`,
        value: b.bitsPerChar,
      })),
    bar: () => ({ threshold: 2.3, direction: '<=', maxWallSeconds: CHAR_LSTM_MAX_WALL_SECONDS, text: '<= 2.30 within 15 minutes' }),
  },
  {
    id: 'sentiment-lstm',
    title: 'LSTM sentiment, food reviews test set',
    metric: { key: 'accuracy', label: 'accuracy', format: percent },
    baselines: async (root) => {
      const [train, test] = await Promise.all([readLabelledTsv(join(root, SENTIMENT.train)), readLabelledTsv(join(root, SENTIMENT.test))]);
      const b = sentimentBaselines(train, test, SENTIMENT.vocabSize, { train: SENTIMENT.train, test: SENTIMENT.test });
      return [
        { name: 'majority', value: b.majorityAccuracy },
        { name: 'bag-of-words logistic regression', value: b.bagOfWordsAccuracy },
      ];
    },
    bar: () => ({ threshold: 0.8, direction: '>=', text: '>= 80.0%' }),
  },
  {
    id: 'timeseries-airline-lstm',
    title: 'LSTM airline passengers, last 24 months',
    metric: { key: 'rmse', label: 'one-step RMSE (thousands)', format: fixed(1) },
    baselines: async (root) => {
      const b = forecastBaselines(await readSeries(join(root, AIRLINE.file), AIRLINE.column), AIRLINE.horizon, AIRLINE.season);
      return [
        { name: 'naive', value: b.naive },
        { name: 'seasonal naive', value: b.seasonalNaive },
        { name: 'seasonal ratio', value: b.seasonalRatio },
      ];
    },
    bar: () => ({ threshold: 25, direction: '<=', text: '<= 25.0' }),
  },
  {
    id: 'seq2seq-eng-spa',
    title: 'seq2seq eng->spa, held-out verses <= 80 chars',
    metric: { key: 'chrf', label: 'chrF', format: fixed(1) },
    baselines: async (root) => {
      const b = await copyChrfBaseline(join(root, TRANSLATION.file), TRANSLATION);
      return [{ name: 'copying the source', value: b.copyChrf }];
    },
    bar: (baselines, run) => {
      // The run's own copy chrF is on exactly its held-out pairs; the computed one assumes the defaults.
      const fromRun = run?.metrics.copyChrf;
      const copy = fromRun ?? baselines.find((b) => b.name === 'copying the source')?.value ?? Number.NaN;
      const source = fromRun !== undefined ? "the run's copy" : 'copy';
      return { threshold: copy + CHRF_MARGIN, direction: '>=', text: `>= ${source} + ${CHRF_MARGIN} = ${(copy + CHRF_MARGIN).toFixed(1)}` };
    },
  },
  {
    id: 'mnist-rows',
    title: 'row-LSTM, IDX images',
    metric: { key: 'accuracy', label: 'accuracy', format: percent },
    baselines: async () => [{ name: 'chance', value: 1 / MNIST_CLASSES }],
    bar: () => ({ threshold: 0.8, direction: '>=', text: 'trains, >= 80.0%' }),
  },
];

/**
 * The experiment a job name belongs to: the one whose id is the name or its longest prefix followed
 * by "-" (a variant such as `char-lstm-moby-gru` is judged as `char-lstm-moby`); undefined otherwise.
 */
export function experimentOf(jobName: string): Experiment | undefined {
  return EXPERIMENTS.filter((e) => jobName === e.id || jobName.startsWith(`${e.id}-`)).sort((a, b) => b.id.length - a.id.length)[0];
}
