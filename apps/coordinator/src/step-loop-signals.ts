/**
 * Small promise helpers of the coordinator's step loop: the membership-change signal that interrupts
 * whatever the loop awaits (flow 12 in coordinator.ts), a timeout race, and ws frame bytes.
 */
import type { RawData } from 'ws';
import { SeqtrainError } from '@seqtrain/common';

/** A pending membership change: interrupts whatever the step loop awaits (see guard()). */
export interface ChangeSignal {
  promise: Promise<never>;
  fired: boolean;
  fire: (reason: string) => void;
}

export function changeSignal(): ChangeSignal {
  let reject: (err: Error) => void = () => {};
  const promise = new Promise<never>((_, rej) => (reject = rej));
  promise.catch(() => {});
  const signal: ChangeSignal = {
    promise,
    fired: false,
    fire: (reason) => {
      if (signal.fired) return;
      signal.fired = true;
      reject(new SeqtrainError('ERR_MEMBERSHIP_CHANGED', reason));
    },
  };
  return signal;
}


/** Rejects with makeError() when p has not settled within ms; the timer is cleared either way. */
export function withTimeout<T>(p: Promise<T>, ms: number, makeError: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, rej) => {
    timer = setTimeout(() => rej(makeError()), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

export function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return data;
}
