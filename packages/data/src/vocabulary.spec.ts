import { describe, expect, it } from 'vitest';
import { SeqtrainError } from '@seqtrain/common';
import { Vocabulary } from './vocabulary.js';

function thrown(fn: () => unknown): SeqtrainError {
  try {
    fn();
  } catch (err) {
    if (err instanceof SeqtrainError) return err;
    throw err;
  }
  throw new Error('expected a SeqtrainError');
}

describe('Vocabulary', () => {
  it('round-trips text with non-ASCII and astral characters, one id per code point', () => {
    const text = 'Call me Ishmael—“whale” 🐋!';
    const vocab = Vocabulary.fromText(text);
    const ids = vocab.encode(text);
    expect(ids).toHaveLength(Array.from(text).length);
    expect(vocab.decode(ids)).toBe(text);
    expect(vocab.tokens).toContain('🐋');
    expect(vocab.tokens).toContain('—');
    expect(vocab.decode(Int32Array.from(ids))).toBe(text);
  });

  it('sorts tokens by code point, astral characters after the BMP', () => {
    const vocab = Vocabulary.fromText('b🐋a\uFF01a');
    expect(vocab.tokens).toEqual(['a', 'b', '\uFF01', '🐋']);
    expect(vocab.size).toBe(4);
  });

  it('names an unknown character and its position', () => {
    const vocab = Vocabulary.fromText('abc');
    const err = thrown(() => vocab.encode('ab🐋c'));
    expect(err.code).toBe('ERR_INVALID_ARGUMENT');
    expect(err.message).toContain('U+1F40B');
    expect(err.message).toContain('position 2');
  });

  it('refuses duplicate tokens and out-of-range ids', () => {
    const dup = thrown(() => new Vocabulary(['a', 'b', 'a']));
    expect(dup.code).toBe('ERR_INVALID_ARGUMENT');
    expect(dup.message).toMatch(/ids 0 and 2/);
    const vocab = new Vocabulary(['a', 'b']);
    expect(thrown(() => vocab.decode([0, 2])).message).toContain('Token id 2 at position 1');
    expect(thrown(() => vocab.decode([0.5])).code).toBe('ERR_INVALID_ARGUMENT');
  });
});
