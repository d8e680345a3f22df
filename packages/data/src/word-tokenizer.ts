/**
 * Tokenizers and the frequency-capped vocabulary of the classification recipe, modelled on Keras'
 * `Tokenizer(num_words, oov_token)` + `pad_sequences`:
 *
 * - word: lowercase; HTML tags (`<br />`, `<b>`: anything from `<` to the next `>`) become spaces;
 *   a token is a maximal run of Unicode letters and digits, which may contain apostrophes (' or ’)
 *   between letters/digits ("don't", "it's" stay one token; a leading or trailing quote is dropped).
 *   Everything else separates tokens.
 * - char: the Unicode code points of the text, unchanged (no lowercasing, no tag stripping).
 *
 * Ids: 0 = padding, 1 = out-of-vocabulary; the `vocabSize - 2` most frequent tokens of the texts the
 * vocabulary is built from get ids 2, 3, ... by descending count, ties broken by code-unit order of
 * the token, so the same input always gives the same ids.
 */
export const PAD_ID = 0;
export const OOV_ID = 1;
export const PAD_TOKEN = '<pad>';
export const OOV_TOKEN = '<oov>';

export type TokenizerKind = 'word' | 'char';
export type PadSide = 'pre' | 'post';

const HTML_TAG = /<[^>]*>/g;
const WORD = /[\p{L}\p{N}]+(?:['’][\p{L}\p{N}]+)*/gu;

export function tokenize(text: string, kind: TokenizerKind): string[] {
  if (kind === 'char') return Array.from(text);
  return text.toLowerCase().replace(HTML_TAG, ' ').match(WORD) ?? [];
}

/** [PAD_TOKEN, OOV_TOKEN, ...the vocabSize - 2 most frequent tokens]. */
export function buildVocabulary(documents: Iterable<readonly string[]>, vocabSize: number): string[] {
  const counts = new Map<string, number>();
  for (const tokens of documents) for (const t of tokens) counts.set(t, (counts.get(t) ?? 0) + 1);
  const ranked = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return [PAD_TOKEN, OOV_TOKEN, ...ranked.slice(0, Math.max(0, vocabSize - 2)).map(([t]) => t)];
}

/**
 * Ids of `tokens` written into `out` (length maxlen, zero-filled by the caller or here) with Keras'
 * pad_sequences rules: a longer sequence loses its first tokens (truncating 'pre') or its last
 * ('post'); a shorter one gets PAD_ID before it (padding 'pre') or after it ('post').
 */
export function encodePadded(
  tokens: readonly string[],
  ids: ReadonlyMap<string, number>,
  maxlen: number,
  padding: PadSide,
  truncating: PadSide,
  out: Int32Array
): void {
  out.fill(PAD_ID);
  const kept = tokens.length <= maxlen ? tokens : truncating === 'pre' ? tokens.slice(tokens.length - maxlen) : tokens.slice(0, maxlen);
  const offset = padding === 'pre' ? maxlen - kept.length : 0;
  kept.forEach((t, i) => {
    out[offset + i] = ids.get(t) ?? OOV_ID;
  });
}
