/**
 * The contract of the fused recurrence kernels. Every array is a row-major, TIME-MAJOR Float32Array:
 * T steps, B batch rows, H units. The caller has already computed the input projection
 * `xp[t] = x[t] · W + bias` for all steps with one large matmul; a kernel runs only the recurrence,
 * always for t = 0..T-1 (go-backwards is the caller's: it reverses xp and mask in time before, and the
 * outputs after). Gate order and formulas are those of tfjs-layers' LSTMCell, GRUCell and SimpleRNNCell
 * (Keras), with the cell activation fixed to tanh for LSTM and GRU.
 */

/** tfjs-layers' recurrentActivation: 'sigmoid' = 1/(1+exp(-x)), 'hard_sigmoid' = clip(0.2x+0.5, 0, 1). */
export type RecurrentActivation = 'sigmoid' | 'hard_sigmoid';

/** SimpleRNN's activation. */
export type SimpleRnnActivation = 'tanh' | 'relu' | 'linear';

export type RnnCellKind = 'lstm' | 'gru' | 'simple_rnn';

export type RnnKernelsName = 'wasm-simd' | 'js';

export interface RecurrenceShape {
  /** Time steps, >= 1. */
  T: number;
  /** Batch rows, >= 1. */
  B: number;
  /** Units, >= 1. */
  H: number;
}

interface MaskedRecurrence extends RecurrenceShape {
  /**
   * [T,B]: 1 = step present, 0 = padded. At a padded step the state is carried unchanged
   * (h_t = h_{t-1}, c_t = c_{t-1}), its gradient passes straight through, the saved gates and dxp are 0.
   * Absent = every step present.
   */
  mask?: Float32Array;
}

/** LSTM: gates i, f, c, o; i=ra(xi+h·Ui), f=ra(xf+h·Uf), g=tanh(xc+h·Uc), o=ra(xo+h·Uo), c'=f*c+i*g, h'=o*tanh(c'). */
export interface LstmForwardArgs extends MaskedRecurrence {
  /** [T,B,4H] input projection (x·W + bias), gates i,f,c,o. */
  xp: Float32Array;
  /** [H,4H] recurrent kernel (Keras recurrent_kernel): u[k*4H + g*H + j]. */
  u: Float32Array;
  /** [B,H] initial hidden state. */
  h0: Float32Array;
  /** [B,H] initial cell state. */
  c0: Float32Array;
  recurrentActivation: RecurrentActivation;
}

export interface LstmForwardResult {
  /** [T,B,H] hidden state after each step. */
  h: Float32Array;
  /** [T,B,H] cell state after each step. */
  c: Float32Array;
  /** [T,B,4H] activated gates i, f, g (= tanh of the candidate), o, saved for the backward. */
  gates: Float32Array;
}

export interface LstmBackwardArgs extends LstmForwardArgs, LstmForwardResult {
  /** [T,B,H] gradient arriving at each step's output (the caller adds the final-state gradient into step T-1). */
  dh: Float32Array;
  /** [B,H] gradient of the final cell state; absent = 0. */
  dcT?: Float32Array;
  /** Also return du = Σ_t h_{t-1}^T · dxp_t ([H,4H]); default false (the caller can do it with one matmul). */
  computeDu?: boolean;
}

export interface LstmBackwardResult {
  /** [T,B,4H] gradient of the pre-activation gates, which is the gradient of xp. */
  dxp: Float32Array;
  /** [B,H] */
  dh0: Float32Array;
  /** [B,H] */
  dc0: Float32Array;
  /** [H,4H], only when args.computeDu. */
  du?: Float32Array;
}

/** GRU (reset_after=false): z=ra(xz+h·Uz), r=ra(xr+h·Ur), hh=tanh(xh+(r*h)·Uh), h'=z*h+(1-z)*hh. */
export interface GruForwardArgs extends MaskedRecurrence {
  /** [T,B,3H] input projection, gates z, r, h. */
  xp: Float32Array;
  /** [H,3H] recurrent kernel: u[k*3H + g*H + j]. */
  u: Float32Array;
  /** [B,H] */
  h0: Float32Array;
  recurrentActivation: RecurrentActivation;
}

export interface GruForwardResult {
  /** [T,B,H] hidden state after each step. */
  h: Float32Array;
  /** [T,B,3H] activated z, r and the candidate hh, saved for the backward. */
  gates: Float32Array;
}

export interface GruBackwardArgs extends GruForwardArgs, GruForwardResult {
  /** [T,B,H] gradient arriving at each step's output (final-state gradient added into step T-1 by the caller). */
  dh: Float32Array;
}

export interface GruBackwardResult {
  /** [T,B,3H] gradient of xp. */
  dxp: Float32Array;
  /** [B,H] */
  dh0: Float32Array;
  /**
   * [H,3H] gradient of u. Always returned: because the candidate reads (r*h)·Uh, it is not Hprev^T·dxp
   * (du[:, 0:2H] = Σ h_{t-1}^T·dxp[:, 0:2H], du[:, 2H:3H] = Σ (r_t*h_{t-1})^T·dxp[:, 2H:3H]).
   */
  du: Float32Array;
}

/** SimpleRNN: h' = act(xp + h·U). */
export interface SimpleRnnForwardArgs extends MaskedRecurrence {
  /** [T,B,H] */
  xp: Float32Array;
  /** [H,H] */
  u: Float32Array;
  /** [B,H] */
  h0: Float32Array;
  activation: SimpleRnnActivation;
}

export interface SimpleRnnForwardResult {
  /** [T,B,H] hidden state (= output) after each step. */
  h: Float32Array;
}

export interface SimpleRnnBackwardArgs extends SimpleRnnForwardArgs, SimpleRnnForwardResult {
  /** [T,B,H] gradient arriving at each step's output. */
  dh: Float32Array;
  /** Also return du = Σ_t h_{t-1}^T · dxp_t ([H,H]); default false. */
  computeDu?: boolean;
}

export interface SimpleRnnBackwardResult {
  /** [T,B,H] */
  dxp: Float32Array;
  /** [B,H] */
  dh0: Float32Array;
  /** [H,H], only when args.computeDu. */
  du?: Float32Array;
}

/**
 * One implementation of the six kernels. Outputs are fresh arrays the caller owns. Values with
 * |v| < SUBNORMAL_FLUSH_ABS are stored as 0 in every state, gate and gradient output (README, Subnormals).
 */
export interface RnnKernels {
  readonly name: RnnKernelsName;
  lstmForward(a: LstmForwardArgs): LstmForwardResult;
  lstmBackward(a: LstmBackwardArgs): LstmBackwardResult;
  gruForward(a: GruForwardArgs): GruForwardResult;
  gruBackward(a: GruBackwardArgs): GruBackwardResult;
  simpleRnnForward(a: SimpleRnnForwardArgs): SimpleRnnForwardResult;
  simpleRnnBackward(a: SimpleRnnBackwardArgs): SimpleRnnBackwardResult;
  /** C = op(A)·op(B) (see MatMulArgs): the products around a recurrence whose operands tfjs-wasm multiplies slowly. */
  matMul(a: MatMulArgs): Float32Array;
}

/**
 * C [M,N] = op(A) · op(B), row-major, op(X) = X or Xᵀ: A is [M,K] ([K,M] when transposeA), B is [K,N]
 * ([N,K] when transposeB). Float32 storage; the result is a fresh array the caller owns. No flush of
 * small values (a plain product, not a recurrence).
 */
export interface MatMulArgs {
  M: number;
  N: number;
  K: number;
  a: Float32Array;
  b: Float32Array;
  transposeA: boolean;
  transposeB: boolean;
}
