/**
 * Character n-gram language model with interpolated Kneser-Ney smoothing (Chen & Goodman 1998,
 * section 3.6, one discount per order), the baseline of the char-LSTM quality bar.
 *
 * For order k (1..n), history h (the k-1 previous ids) and next id w:
 *   p_k(w | h) = max(c_k(hw) - D_k, 0) / T_k(h) + D_k * N_k(h) / T_k(h) * p_{k-1}(w | h')
 * where h' drops the oldest id of h, T_k(h) = sum over w of c_k(hw), N_k(h) = the number of w with
 * c_k(hw) > 0, and p_0(w) = 1 / V (uniform over the vocabulary, so an id never seen in training still
 * has a probability). c_n is the raw count of the highest order; for k < n, c_k(hw) is the continuation
 * count: the number of distinct ids x with c_{k+1}(xhw) > 0. A history never seen (T_k(h) = 0) hands its
 * whole mass to p_{k-1}. D_k = n1 / (n1 + 2 n2), with n1, n2 the numbers of k-grams whose c_k is 1 and 2.
 *
 * Keys are numbers: the k-gram (a_1 .. a_k) is sum a_j V^(k-j), so V^n must stay below 2^53.
 */
import { SeqtrainError } from '@seqtrain/common';

interface OrderTables {
  /** c_k per k-gram key. */
  counts: Map<number, number>;
  /** T_k and N_k per history key (the (k-1)-gram key; 0 for k = 1). */
  totals: Map<number, number>;
  types: Map<number, number>;
  discount: number;
}

export interface NgramEvaluation {
  /** Mean -log2 p over the scored ids. */
  bitsPerToken: number;
  tokens: number;
}

export class KneserNeyLm {
  private readonly tables: OrderTables[];
  /** V^k for k = 0..n. */
  private readonly powers: number[];

  /**
   * @param train ids in [0, vocabSize)
   * @param order n (1 = unigram)
   */
  constructor(
    train: ArrayLike<number>,
    readonly order: number,
    readonly vocabSize: number
  ) {
    if (!Number.isInteger(order) || order < 1) {
      throw new SeqtrainError('ERR_INVALID_ARGUMENT', `KneserNeyLm order must be an integer >= 1, got ${order}.`, { field: 'order' });
    }
    if (!Number.isInteger(vocabSize) || vocabSize < 1 || vocabSize ** order >= Number.MAX_SAFE_INTEGER) {
      throw new SeqtrainError(
        'ERR_INVALID_ARGUMENT',
        `KneserNeyLm needs 1 <= vocabSize and vocabSize^order < 2^53 (numeric n-gram keys); got vocabSize ${vocabSize}, order ${order}. Use a lower order.`,
        { field: 'vocabSize' }
      );
    }
    this.powers = [1];
    for (let k = 1; k <= order; k++) this.powers.push((this.powers[k - 1] as number) * vocabSize);

    const highest = new Map<number, number>();
    const top = this.powers[order - 1] as number;
    let key = 0;
    for (let i = 0; i < train.length; i++) {
      const id = train[i] as number;
      if (!(id >= 0 && id < vocabSize && Number.isInteger(id))) {
        throw new SeqtrainError('ERR_INVALID_ARGUMENT', `KneserNeyLm: training id ${id} at position ${i} is outside [0, ${vocabSize}).`, { field: 'train' });
      }
      // Rolling key of the last `order` ids.
      key = (key % top) * vocabSize + id;
      if (i >= order - 1) highest.set(key, (highest.get(key) ?? 0) + 1);
    }
    const byOrder: Map<number, number>[] = [];
    byOrder[order] = highest;
    for (let k = order - 1; k >= 1; k--) {
      // Continuation count of a k-gram: distinct left extensions among the (k+1)-grams seen.
      const higher = byOrder[k + 1] as Map<number, number>;
      const mod = this.powers[k] as number;
      const continuation = new Map<number, number>();
      for (const gram of higher.keys()) {
        const suffix = gram % mod;
        continuation.set(suffix, (continuation.get(suffix) ?? 0) + 1);
      }
      byOrder[k] = continuation;
    }
    this.tables = [];
    for (let k = 1; k <= order; k++) {
      const counts = byOrder[k] as Map<number, number>;
      const totals = new Map<number, number>();
      const types = new Map<number, number>();
      let n1 = 0;
      let n2 = 0;
      for (const [gram, c] of counts) {
        const history = Math.floor(gram / vocabSize);
        totals.set(history, (totals.get(history) ?? 0) + c);
        types.set(history, (types.get(history) ?? 0) + 1);
        if (c === 1) n1++;
        else if (c === 2) n2++;
      }
      // n1 + 2 n2 = 0 only for a degenerate corpus (every count >= 3): no discount is the limit.
      const discount = n1 + 2 * n2 > 0 ? n1 / (n1 + 2 * n2) : 0;
      this.tables[k] = { counts, totals, types, discount };
    }
  }

  /** The discount D_k of each order k = 1..n. */
  discounts(): number[] {
    return this.tables.slice(1).map((t) => t.discount);
  }

  /**
   * p(w | history): `history` holds the previous ids, oldest first; only its last n-1 are used. A
   * shorter history (the start of a text) uses the orders it can fill.
   */
  probability(history: ArrayLike<number>, w: number): number {
    const k = Math.min(this.order, history.length + 1);
    let historyKey = 0;
    for (let j = history.length - (k - 1); j < history.length; j++) historyKey = historyKey * this.vocabSize + (history[j] as number);
    return this.interpolated(k, historyKey, w);
  }

  private interpolated(k: number, historyKey: number, w: number): number {
    let p = 1 / this.vocabSize;
    // From order 1 up to k: each order mixes its discounted counts with the order below.
    for (let m = 1; m <= k; m++) {
      const table = this.tables[m] as OrderTables;
      const h = historyKey % (this.powers[m - 1] as number);
      const total = table.totals.get(h) ?? 0;
      if (total === 0) continue;
      const c = table.counts.get(h * this.vocabSize + w) ?? 0;
      const kinds = table.types.get(h) ?? 0;
      p = Math.max(c - table.discount, 0) / total + ((table.discount * kinds) / total) * p;
    }
    return p;
  }

  /**
   * Bits per token over `ids[from..)`, each id predicted from the ids before it within `ids[from..)`
   * only (as the text recipe's windows never cross the train/validation cut).
   */
  evaluate(ids: ArrayLike<number>, from = 0): NgramEvaluation {
    let bits = 0;
    let historyKey = 0;
    const top = this.powers[this.order - 1] as number;
    for (let i = from; i < ids.length; i++) {
      const k = Math.min(this.order, i - from + 1);
      const w = ids[i] as number;
      bits -= Math.log2(this.interpolated(k, historyKey, w));
      historyKey = (historyKey * this.vocabSize + w) % top;
    }
    const tokens = Math.max(0, ids.length - from);
    return { bitsPerToken: tokens > 0 ? bits / tokens : Number.NaN, tokens };
  }
}
