/**
 * msgpack for small structured values (hello frames, collective descriptors, allGather values).
 *
 * `moreTypes: true` is required: msgpackr's default Packr turns a Float32Array into a Buffer of
 * unrelated bytes without any error (seen with msgpackr 2.1.3: a 5-element Float32Array came back as
 * a 20-byte Buffer holding other data). value-codec.spec.ts guards that typed arrays survive bit-exactly.
 */
import { Packr } from 'msgpackr';
import { SeqtrainError } from '@seqtrain/common';

const packr = new Packr({ moreTypes: true });

export function encodeValue(value: unknown): Uint8Array {
  return packr.pack(value);
}

/** Decodes msgpack bytes; undecodable bytes are ERR_BAD_FRAME naming the sending rank. */
export function decodeValue(bytes: Uint8Array, peer: number): unknown {
  try {
    return packr.unpack(bytes);
  } catch (err) {
    throw new SeqtrainError(
      'ERR_BAD_FRAME',
      `Bad frame from rank ${peer}: its msgpack payload (${bytes.byteLength} bytes) does not decode (${(err as Error).message}). Run the same seqtrain version on every rank.`,
      { rank: peer },
      { cause: err }
    );
  }
}
