/**
 * Character-level vocabulary: token id = index into `tokens`. Text is split into Unicode code points
 * (not UTF-16 code units), so an astral character such as an emoji is one token, never two halves of
 * a surrogate pair.
 */
import { SeqtrainError } from '@seqtrain/common';

/** `U+2014 "—"`: how a character is named in error messages (invisible characters stay readable). */
export function describeChar(char: string): string {
  const codePoint = char.codePointAt(0) ?? 0;
  return `U+${codePoint.toString(16).toUpperCase().padStart(4, '0')} ${JSON.stringify(char)}`;
}

export class Vocabulary {
  readonly tokens: readonly string[];
  readonly size: number;
  private readonly ids: Map<string, number>;

  /**
   * Tokens are non-empty and unique. `encode` looks tokens up one code point at a time, so only
   * single-code-point tokens are ever produced by it; longer tokens may exist for `decode` only.
   */
  constructor(tokens: string[]) {
    const ids = new Map<string, number>();
    tokens.forEach((token, id) => {
      if (typeof token !== 'string' || token.length === 0) {
        throw new SeqtrainError(
          'ERR_INVALID_ARGUMENT',
          `Vocabulary token ${id} must be a non-empty string, got ${JSON.stringify(token)}.`,
          { field: `tokens[${id}]` }
        );
      }
      const first = ids.get(token);
      if (first !== undefined) {
        throw new SeqtrainError(
          'ERR_INVALID_ARGUMENT',
          `Vocabulary token ${describeChar(token)} appears twice, at ids ${first} and ${id}; every token must be unique.`,
          { field: `tokens[${id}]` }
        );
      }
      ids.set(token, id);
    });
    this.tokens = Object.freeze([...tokens]);
    this.size = tokens.length;
    this.ids = ids;
  }

  /** The distinct code points of `text`, sorted by code point value (stable across platforms and locales). */
  static fromText(text: string): Vocabulary {
    const unique = new Set<string>();
    for (const char of text) unique.add(char);
    const tokens = [...unique].sort((a, b) => (a.codePointAt(0) ?? 0) - (b.codePointAt(0) ?? 0));
    return new Vocabulary(tokens);
  }

  /** One id per code point. An unknown character is an error naming it and its code-point index. */
  encode(text: string): number[] {
    const out: number[] = [];
    for (const char of text) {
      const id = this.ids.get(char);
      if (id === undefined) {
        throw new SeqtrainError(
          'ERR_INVALID_ARGUMENT',
          `Character ${describeChar(char)} at position ${out.length} (code points) is not in the vocabulary of ` +
            `${this.size} tokens. Encode only text drawn from the corpus the vocabulary was built from, or rebuild it.`,
          { field: 'text', position: out.length }
        );
      }
      out.push(id);
    }
    return out;
  }

  decode(ids: ArrayLike<number>): string {
    const parts = new Array<string>(ids.length);
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i] as number;
      const token = Number.isInteger(id) ? this.tokens[id] : undefined;
      if (token === undefined) {
        throw new SeqtrainError(
          'ERR_INVALID_ARGUMENT',
          `Token id ${id} at position ${i} is out of range: expected an integer in [0, ${this.size}).`,
          { field: 'ids', position: i }
        );
      }
      parts[i] = token;
    }
    return parts.join('');
  }
}
