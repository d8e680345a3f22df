import { describe, expect, it } from 'vitest';
import { EXPERIMENTS, experimentOf, type Experiment } from './experiments.js';
import { formatWallTime, judge, markdownTable } from './quality-table.js';
import { parseRunSummary } from './run-summary.js';

const experiment = (id: string): Experiment => EXPERIMENTS.find((e) => e.id === id) as Experiment;
const run = (validation: Record<string, number>, wallSeconds = 600, status = 'completed') => parseRunSummary({ status, wallSeconds, steps: 100, validation });

describe('judge', () => {
  const char = experiment('char-lstm-moby');
  const ngrams = [{ name: '4-gram KN', value: 2.41 }];

  it('passes the char LSTM at or under 2.3 bits/char within 15 minutes, and says why it fails', () => {
    expect(judge('char-lstm-moby', char, ngrams, run({ bitsPerChar: 2.3 }, 900))).toMatchObject({ verdict: 'pass', reason: null, resultText: '2.30' });
    expect(judge('char-lstm-moby', char, ngrams, run({ bitsPerChar: 2.29 }, 901))).toMatchObject({ verdict: 'fail', reason: 'ran 15m01s, over 15m00s' });
    expect(judge('char-lstm-moby', char, ngrams, run({ bitsPerChar: 2.45 }, 100)).reason).toBe('bits per char 2.45 is not <= 2.30');
  });

  it('compares higher-is-better metrics and formats accuracy as a percentage', () => {
    const sentiment = experiment('sentiment-lstm');
    expect(judge('sentiment-lstm', sentiment, [], run({ accuracy: 0.8 }))).toMatchObject({ verdict: 'pass', resultText: '80.0%' });
    expect(judge('sentiment-lstm', sentiment, [], run({ accuracy: 0.799 })).reason).toBe('accuracy 79.9% is not >= 80.0%');
    expect(judge('timeseries-airline-lstm', experiment('timeseries-airline-lstm'), [], run({ rmse: 25.1 })).verdict).toBe('fail');
  });

  it("puts the seq2seq bar at copy + 10, the run's own copy chrF first", () => {
    const seq = experiment('seq2seq-eng-spa');
    const copy = [{ name: 'copying the source', value: 18.3 }];
    expect(judge('seq2seq-eng-spa', seq, copy, null).bar).toMatchObject({ threshold: 28.3, text: '>= copy + 10 = 28.3' });
    const row = judge('seq2seq-eng-spa', seq, copy, run({ chrf: 29, copyChrf: 20 }));
    expect(row.bar.threshold).toBe(30);
    expect(row).toMatchObject({ verdict: 'fail', reason: 'chrF 29.0 is not >= 30.0' });
    expect(judge('seq2seq-eng-spa', seq, copy, run({ chrf: 29 })).verdict).toBe('pass');
  });

  it('fails a row for a job failure, a failed run, or a missing metric; a row that did not run has no verdict', () => {
    const mnist = experiment('mnist-rows');
    expect(judge('mnist-rows', mnist, [], null, 'exited with code 1: boom')).toMatchObject({ verdict: 'fail', reason: 'exited with code 1: boom' });
    expect(judge('mnist-rows', mnist, [], parseRunSummary({ status: 'failed', error: { code: 'ERR_X', message: 'bad' } })).reason).toBe('run failed: ERR_X bad');
    expect(judge('mnist-rows', mnist, [], run({ loss: 0.2 })).reason).toBe('summary.json has no validation accuracy');
    expect(judge('mnist-rows', mnist, [], null)).toMatchObject({ verdict: 'not run', reason: null });
  });
});

describe('markdownTable', () => {
  it('writes the baselines table, and the full table with results, variants marked', () => {
    const airline = experiment('timeseries-airline-lstm');
    const baselines = [
      { name: 'naive', value: 51.78 },
      { name: 'seasonal ratio', value: 19.71 },
    ];
    expect(markdownTable([judge('timeseries-airline-lstm', airline, baselines, null)], false)).toBe(
      '| experiment | metric | baselines (computed) | bar |\n| --- | --- | --- | --- |\n' +
        '| LSTM airline passengers, last 24 months | one-step RMSE (thousands) | naive 51.8, seasonal ratio 19.7 | <= 25.0 |\n'
    );
    const full = markdownTable(
      [judge('timeseries-airline-lstm', airline, baselines, run({ rmse: 21.04 }, 75)), judge('timeseries-airline-lstm-gru', airline, baselines, run({ rmse: 30 }, 3700))],
      true
    );
    expect(full.split('\n')[2]).toBe('| LSTM airline passengers, last 24 months | one-step RMSE (thousands) | naive 51.8, seasonal ratio 19.7 | <= 25.0 | 21.0 | 1m15s | pass |');
    expect(full.split('\n')[3]).toBe(
      '| LSTM airline passengers, last 24 months (job timeseries-airline-lstm-gru) | one-step RMSE (thousands) | naive 51.8, seasonal ratio 19.7 | <= 25.0 | 30.0 | 61m40s | fail (one-step RMSE (thousands) 30.0 is not <= 25.0) |'
    );
  });

  it('formats wall times', () => {
    expect([formatWallTime(null), formatWallTime(9.6), formatWallTime(60), formatWallTime(899.4)]).toEqual(['', '10s', '1m00s', '14m59s']);
  });
});

describe('experimentOf', () => {
  it('maps a job name, or a variant of it, to its experiment', () => {
    expect(experimentOf('sentiment-lstm')?.id).toBe('sentiment-lstm');
    expect(experimentOf('char-lstm-moby-gru')?.id).toBe('char-lstm-moby');
    expect(experimentOf('char-lstm')).toBeUndefined();
    expect(experimentOf('mnist-rowsx')).toBeUndefined();
  });
});
