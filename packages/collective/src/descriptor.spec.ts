import { describe, expect, it } from 'vitest';
import { checkAgreement, type CollectiveDescriptor } from './descriptor.js';

const base: CollectiveDescriptor = { kind: 'allReduce', name: 'grads', step: 3, seq: 5, op: 'sum', root: null, dtype: 'float32', length: 100, chunkBytes: 1024 };

function world(...overrides: Partial<CollectiveDescriptor>[]): CollectiveDescriptor[] {
  return overrides.map((o) => ({ ...base, ...o }));
}

function thrown(fn: () => void): { code?: string; message: string; details: Record<string, unknown> } {
  try {
    fn();
  } catch (err) {
    return err as { code: string; message: string; details: Record<string, unknown> };
  }
  throw new Error('expected a throw');
}

describe('checkAgreement', () => {
  it('passes when every rank agrees', () => {
    expect(() => checkAgreement(base, world({}, {}, {}))).not.toThrow();
  });

  it('takes the majority value as reference and names every disagreeing rank with its value', () => {
    const err = thrown(() => checkAgreement(base, world({ length: 7 }, {}, {}, { length: 9 })));
    expect(err.code).toBe('ERR_SHAPE_MISMATCH');
    expect(err.details).toMatchObject({ rank: 0, ranks: [0, 3], field: 'length', expected: 100, got: 7, values: [7, 100, 100, 9] });
    expect(err.message).toBe(
      "allReduce 'grads' step 3: ranks disagree on length: rank 0 has 7, rank 3 has 9, but ranks 1, 2 have 100. Every rank must pass an array of the same length to the same collective; fix the caller on ranks 0, 3 (a model or parameter built with another shape)."
    );
  });

  it('breaks ties in favour of the lowest rank', () => {
    expect(thrown(() => checkAgreement(base, world({}, { length: 1 }))).details.rank).toBe(1);
  });

  it('reports identity fields (kind, seq, name, step, op, root, chunkBytes) before shape fields', () => {
    const err = thrown(() => checkAgreement(base, world({}, { name: 'other', length: 1 })));
    expect(err.code).toBe('ERR_COLLECTIVE_MISMATCH');
    expect(err.details.field).toBe('name');
    for (const field of ['seq', 'root', 'chunkBytes'] as const) {
      const odd = thrown(() => checkAgreement(base, world({}, {}, { [field]: 1 })));
      expect(odd.code).toBe('ERR_COLLECTIVE_MISMATCH');
      expect(odd.details).toMatchObject({ field, rank: 2 });
    }
    expect(thrown(() => checkAgreement(base, world({}, {}, { dtype: 'bytes' }))).code).toBe('ERR_SHAPE_MISMATCH');
  });

  it('does not compare broadcastBytes lengths, which only the root knows', () => {
    const own: CollectiveDescriptor = { ...base, kind: 'broadcastBytes', op: null, root: 0, dtype: 'bytes', length: 12 };
    expect(() => checkAgreement(own, [own, { ...own, length: null }, { ...own, length: null }])).not.toThrow();
  });
});
