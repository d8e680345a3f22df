/**
 * The Arrow layout of a prepared text split, shared by the writer (prepare-text.ts) and the reader
 * (arrow-dataset.ts): `x` FixedSizeList<UintN>[seqLen] (the input window), `y` UintN (the next
 * token). N = 16 while every id fits (vocab <= 65,536 tokens), else 32: a char corpus almost always
 * fits 16 bits, which halves the files and the reader's cache against 32-bit ids.
 */
import {
  Field,
  FixedSizeList,
  RecordBatch,
  Schema,
  Struct,
  Type,
  Uint16,
  Uint32,
  makeData,
  type DataType,
} from 'apache-arrow';

/** Largest vocabulary whose ids are stored as Uint16. */
export const UINT16_VOCAB_LIMIT = 65_536;

export type TokenArray = Uint16Array | Uint32Array;

export function tokenBits(vocabSize: number): 16 | 32 {
  return vocabSize <= UINT16_VOCAB_LIMIT ? 16 : 32;
}

function tokenType(vocabSize: number): Uint16 | Uint32 {
  return tokenBits(vocabSize) === 16 ? new Uint16() : new Uint32();
}

export function textSchema(seqLen: number, vocabSize: number): Schema {
  return new Schema([
    new Field('x', new FixedSizeList(seqLen, new Field('item', tokenType(vocabSize), false)), false),
    new Field('y', tokenType(vocabSize), false),
  ]);
}

/** The manifest's human-readable `schema` entry. */
export function describeTextSchema(seqLen: number, vocabSize: number): { x: string; y: string } {
  const name = `Uint${tokenBits(vocabSize)}`;
  return { x: `FixedSizeList<${name}>[${seqLen}]`, y: name };
}

/** A record batch over caller-owned arrays (no copy): x holds rows*seqLen ids row-major, y holds rows ids. */
export function makeTextBatch(schema: Schema, seqLen: number, x: TokenArray, y: TokenArray): RecordBatch {
  const rows = y.length;
  const xField = schema.fields[0] as Field<FixedSizeList>;
  const yField = schema.fields[1] as Field;
  const child = makeData({ type: xField.type.children[0]?.type as Uint16, length: rows * seqLen, nullCount: 0, data: x });
  const xData = makeData({ type: xField.type, length: rows, nullCount: 0, child });
  const yData = makeData({ type: yField.type as Uint16, length: rows, nullCount: 0, data: y });
  const struct = makeData({ type: new Struct(schema.fields), length: rows, nullCount: 0, children: [xData, yData] });
  return new RecordBatch(schema, struct);
}

/** Whether `schema` is exactly the layout this package writes for (seqLen, vocabSize). */
export function schemaMatches(schema: Schema, seqLen: number, vocabSize: number): boolean {
  const bits = tokenBits(vocabSize);
  const isToken = (t: DataType | undefined): boolean =>
    t !== undefined && t.typeId === Type.Int && (t as Uint16).bitWidth === bits && (t as Uint16).isSigned === false;
  const [x, y, ...rest] = schema.fields;
  if (!x || !y || rest.length > 0 || x.name !== 'x' || y.name !== 'y') return false;
  if (x.type.typeId !== Type.FixedSizeList) return false;
  const list = x.type as FixedSizeList;
  return list.listSize === seqLen && isToken(list.children[0]?.type) && isToken(y.type);
}
