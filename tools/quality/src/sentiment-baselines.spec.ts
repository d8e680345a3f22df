import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readLabelledTsv, sentimentBaselines, type LabelledText } from './sentiment-baselines.js';

describe('sentiment baselines', () => {
  const words = { good: ['great', 'tasty', 'lovely'], bad: ['awful', 'stale', 'bland'] };
  const review = (label: 'good' | 'bad', i: number): LabelledText => ({
    label,
    text: `The <b>${words[label][i % 3]}</b> snack, bought ${i} times.`,
  });

  it('scores the majority label and a bag-of-words model that reads the sentiment words', () => {
    // Train: 160 good, 80 bad -> majority "good". Test: 3 good, 7 bad -> majority accuracy 3/10.
    const train = [...Array.from({ length: 160 }, (_, i) => review('good', i)), ...Array.from({ length: 80 }, (_, i) => review('bad', i))];
    const test = [...Array.from({ length: 3 }, (_, i) => review('good', i + 100)), ...Array.from({ length: 7 }, (_, i) => review('bad', i + 100))];
    const b = sentimentBaselines(train, test, 100);
    expect(b.labels).toEqual(['bad', 'good']);
    expect(b.majorityLabel).toBe('good');
    expect(b.majorityAccuracy).toBeCloseTo(0.3, 12);
    expect(b.bagOfWordsAccuracy).toBe(1);
    expect(b.crossValidation.map((c) => c.l2)).toContain(b.l2);
  });

  it('refuses a test label the training file lacks, naming the row', () => {
    expect(() => sentimentBaselines([review('good', 0)], [review('bad', 0)], 10, { train: 't.tsv', test: 'x.tsv' })).toThrow(/x.tsv row 1 has label "bad"/);
  });

  it('reads the label and text columns of a TSV by header name', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'quality-tsv-')), 'r.tsv');
    writeFileSync(file, 'label\tproduct\ttext\r\ngreat\tB1\tyum\n\nother\tB2\tmeh\n');
    expect(await readLabelledTsv(file)).toEqual([
      { label: 'great', text: 'yum' },
      { label: 'other', text: 'meh' },
    ]);
    await expect(readLabelledTsv(file, 'stars')).rejects.toThrow(/needs columns "stars" and "text"/);
  });
});
