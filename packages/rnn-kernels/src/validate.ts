import { SeqtrainError } from '@seqtrain/common';
import type { MatMulArgs, RecurrenceShape, RecurrentActivation, SimpleRnnActivation } from './types.js';

const RECURRENT_ACTIVATIONS: readonly RecurrentActivation[] = ['sigmoid', 'hard_sigmoid'];
const SIMPLE_ACTIVATIONS: readonly SimpleRnnActivation[] = ['tanh', 'relu', 'linear'];

/** Throws ERR_INVALID_ARGUMENT unless T, B and H are positive integers. */
export function checkShape(kernel: string, s: RecurrenceShape): void {
  for (const key of ['T', 'B', 'H'] as const) {
    const v = s[key];
    if (!Number.isInteger(v) || v < 1) {
      throw new SeqtrainError(
        'ERR_INVALID_ARGUMENT',
        `${kernel}: ${key} must be a positive integer, got ${String(v)}. Pass the sequence length T, batch B and units H of the time-major arrays.`,
        { field: key }
      );
    }
  }
}

/** Throws ERR_SHAPE_MISMATCH unless `arr` is a Float32Array of exactly `expected` elements. */
export function checkArray(kernel: string, field: string, arr: unknown, expected: number, layout: string): void {
  if (!(arr instanceof Float32Array)) {
    throw new SeqtrainError('ERR_SHAPE_MISMATCH', `${kernel}: ${field} must be a Float32Array ${layout} of ${expected} elements, got ${describe(arr)}.`, {
      field,
    });
  }
  if (arr.length !== expected) {
    throw new SeqtrainError(
      'ERR_SHAPE_MISMATCH',
      `${kernel}: ${field} must be ${layout} = ${expected} elements, got ${arr.length}. Arrays are row-major and time-major (T steps, B batch, H units).`,
      { field, expected, actual: arr.length }
    );
  }
}

export function checkRecurrentActivation(kernel: string, v: unknown): void {
  if (!RECURRENT_ACTIVATIONS.includes(v as RecurrentActivation)) {
    throw new SeqtrainError(
      'ERR_INVALID_ARGUMENT',
      `${kernel}: recurrentActivation must be one of ${RECURRENT_ACTIVATIONS.join(', ')}, got ${JSON.stringify(v)}. Other activations run through tfjs-layers' own RNN.`,
      { field: 'recurrentActivation' }
    );
  }
}

export function checkSimpleActivation(kernel: string, v: unknown): void {
  if (!SIMPLE_ACTIVATIONS.includes(v as SimpleRnnActivation)) {
    throw new SeqtrainError(
      'ERR_INVALID_ARGUMENT',
      `${kernel}: activation must be one of ${SIMPLE_ACTIVATIONS.join(', ')}, got ${JSON.stringify(v)}. Other activations run through tfjs-layers' own RNN.`,
      { field: 'activation' }
    );
  }
}

function describe(v: unknown): string {
  if (v === undefined || v === null) return String(v);
  if (typeof v === 'object') return `${v.constructor?.name ?? 'object'}`;
  return typeof v;
}

interface Common extends RecurrenceShape {
  xp: Float32Array;
  u: Float32Array;
  h0: Float32Array;
  mask?: Float32Array;
}

function checkCommon(kernel: string, a: Common, gates: number): void {
  checkShape(kernel, a);
  const { T, B, H } = a;
  checkArray(kernel, 'xp', a.xp, T * B * gates * H, `[T,B,${gates === 1 ? '' : gates}H]`);
  checkArray(kernel, 'u', a.u, H * gates * H, `[H,${gates === 1 ? '' : gates}H]`);
  checkArray(kernel, 'h0', a.h0, B * H, '[B,H]');
  if (a.mask !== undefined) checkArray(kernel, 'mask', a.mask, T * B, '[T,B]');
}

export function checkLstmForward(kernel: string, a: Common & { c0: Float32Array; recurrentActivation: unknown }): void {
  checkCommon(kernel, a, 4);
  checkArray(kernel, 'c0', a.c0, a.B * a.H, '[B,H]');
  checkRecurrentActivation(kernel, a.recurrentActivation);
}

export function checkLstmBackward(
  kernel: string,
  a: Common & { c0: Float32Array; recurrentActivation: unknown; h: Float32Array; c: Float32Array; gates: Float32Array; dh: Float32Array; dcT?: Float32Array }
): void {
  checkLstmForward(kernel, a);
  const n = a.T * a.B * a.H;
  checkArray(kernel, 'h', a.h, n, '[T,B,H]');
  checkArray(kernel, 'c', a.c, n, '[T,B,H]');
  checkArray(kernel, 'gates', a.gates, 4 * n, '[T,B,4H]');
  checkArray(kernel, 'dh', a.dh, n, '[T,B,H]');
  if (a.dcT !== undefined) checkArray(kernel, 'dcT', a.dcT, a.B * a.H, '[B,H]');
}

export function checkGruForward(kernel: string, a: Common & { recurrentActivation: unknown }): void {
  checkCommon(kernel, a, 3);
  checkRecurrentActivation(kernel, a.recurrentActivation);
}

export function checkGruBackward(kernel: string, a: Common & { recurrentActivation: unknown; h: Float32Array; gates: Float32Array; dh: Float32Array }): void {
  checkGruForward(kernel, a);
  const n = a.T * a.B * a.H;
  checkArray(kernel, 'h', a.h, n, '[T,B,H]');
  checkArray(kernel, 'gates', a.gates, 3 * n, '[T,B,3H]');
  checkArray(kernel, 'dh', a.dh, n, '[T,B,H]');
}

export function checkSimpleRnnForward(kernel: string, a: Common & { activation: unknown }): void {
  checkCommon(kernel, a, 1);
  checkSimpleActivation(kernel, a.activation);
}

export function checkSimpleRnnBackward(kernel: string, a: Common & { activation: unknown; h: Float32Array; dh: Float32Array }): void {
  checkSimpleRnnForward(kernel, a);
  const n = a.T * a.B * a.H;
  checkArray(kernel, 'h', a.h, n, '[T,B,H]');
  checkArray(kernel, 'dh', a.dh, n, '[T,B,H]');
}

/** Throws unless M, N, K are positive integers and a, b hold op(A) [M,K] and op(B) [K,N]. */
export function checkMatMul(kernel: string, m: MatMulArgs): void {
  for (const key of ['M', 'N', 'K'] as const) {
    const v = m[key];
    if (!Number.isInteger(v) || v < 1) {
      throw new SeqtrainError('ERR_INVALID_ARGUMENT', `${kernel}: ${key} must be a positive integer, got ${String(v)}. C [M,N] = op(A) [M,K] · op(B) [K,N].`, {
        field: key,
      });
    }
  }
  checkArray(kernel, 'a', m.a, m.M * m.K, m.transposeA ? '[K,M]' : '[M,K]');
  checkArray(kernel, 'b', m.b, m.K * m.N, m.transposeB ? '[N,K]' : '[K,N]');
}
