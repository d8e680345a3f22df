/**
 * The Arrow layout of the non-text kinds ("tables"): named columns of Int32 or Float32, each either
 * one value per row or a FixedSizeList of `width` values per row. The writer (table-writer.ts) and the
 * reader (table-dataset.ts) share these helpers, so what is written is exactly what is checked on read.
 */
import { Field, FixedSizeList, Float32, Int32, RecordBatch, Schema, Struct, Type, makeData, type DataType } from 'apache-arrow';
import type { ColumnSpec } from './manifest.js';

export type ColumnArray = Int32Array | Float32Array;

function valueType(dtype: ColumnSpec['dtype']): Int32 | Float32 {
  return dtype === 'int32' ? new Int32() : new Float32();
}

export function tableSchema(columns: readonly ColumnSpec[]): Schema {
  return new Schema(
    columns.map((c) => {
      const type = valueType(c.dtype);
      return new Field(c.name, c.width === null ? type : new FixedSizeList(c.width, new Field('item', type, false)), false);
    })
  );
}

/** The manifest's human-readable `schema` entry, e.g. `{ x: "FixedSizeList<Int32>[200]", y: "Int32" }`. */
export function describeTableSchema(columns: readonly ColumnSpec[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const c of columns) {
    const name = c.dtype === 'int32' ? 'Int32' : 'Float32';
    out[c.name] = c.width === null ? name : `FixedSizeList<${name}>[${c.width}]`;
  }
  return out;
}

/** Values per row of a column (1 for a scalar column). */
export function columnWidth(column: ColumnSpec): number {
  return column.width ?? 1;
}

/** A record batch over caller-owned arrays (no copy), one per column, each rows × width values row-major. */
export function makeTableBatch(schema: Schema, columns: readonly ColumnSpec[], rows: number, data: readonly ColumnArray[]): RecordBatch {
  const children = columns.map((c, i) => {
    const values = data[i] as ColumnArray;
    const type = valueType(c.dtype);
    if (c.width === null) return makeData({ type: type as Int32, length: rows, nullCount: 0, data: values as Int32Array });
    const child = makeData({ type: type as Int32, length: rows * c.width, nullCount: 0, data: values as Int32Array });
    const field = schema.fields[i] as Field<FixedSizeList>;
    return makeData({ type: field.type, length: rows, nullCount: 0, child });
  });
  const struct = makeData({ type: new Struct(schema.fields), length: rows, nullCount: 0, children });
  return new RecordBatch(schema, struct);
}

function isValue(t: DataType | undefined, dtype: ColumnSpec['dtype']): boolean {
  if (t === undefined) return false;
  if (dtype === 'int32') return t.typeId === Type.Int && (t as Int32).bitWidth === 32 && (t as Int32).isSigned;
  return t.typeId === Type.Float && (t as Float32).precision === 1;
}

/** Whether `schema` is exactly the layout tableSchema(columns) describes. */
export function tableSchemaMatches(schema: Schema, columns: readonly ColumnSpec[]): boolean {
  if (schema.fields.length !== columns.length) return false;
  return columns.every((c, i) => {
    const f = schema.fields[i];
    if (!f || f.name !== c.name) return false;
    if (c.width === null) return isValue(f.type, c.dtype);
    if (f.type.typeId !== Type.FixedSizeList) return false;
    const list = f.type as FixedSizeList;
    return list.listSize === c.width && isValue(list.children[0]?.type, c.dtype);
  });
}
