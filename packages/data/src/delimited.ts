/**
 * Delimited text: TSV (fields split on every tab, no quoting: the shipped files and the canonical
 * sources never quote) and CSV (RFC 4180: fields in double quotes may hold commas, newlines and ""
 * for a quote). Lines end in \n or \r\n; empty lines are skipped.
 */
import { SeqtrainError } from '@seqtrain/common';

export type DelimitedFormat = 'tsv' | 'csv';

/** `tsv` for .tsv/.tab/.txt, `csv` for .csv; anything else needs an explicit format. */
export function formatFromExtension(file: string): DelimitedFormat | null {
  const lower = file.toLowerCase();
  if (lower.endsWith('.csv')) return 'csv';
  if (lower.endsWith('.tsv') || lower.endsWith('.tab') || lower.endsWith('.txt')) return 'tsv';
  return null;
}

export function parseDelimited(text: string, format: DelimitedFormat, file = '(input)'): string[][] {
  return format === 'tsv' ? parseTsv(text) : parseCsv(text, file);
}

function parseTsv(text: string): string[][] {
  const rows: string[][] = [];
  for (const raw of text.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line !== '') rows.push(line.split('\t'));
  }
  return rows;
}

function parseCsv(text: string, file: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  const endRow = (): void => {
    row.push(field);
    if (!(row.length === 1 && row[0] === '')) rows.push(row);
    row = [];
    field = '';
  };
  while (i < text.length) {
    const c = text[i] as string;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else field += c;
      i += 1;
      continue;
    }
    if (c === '"' && field === '') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n') endRow();
    else if (c !== '\r') field += c;
    i += 1;
  }
  if (quoted) {
    throw new SeqtrainError('ERR_INVALID_ARGUMENT', `CSV file ${file} ends inside a quoted field: a closing " is missing.`, { file });
  }
  if (field !== '' || row.length > 0) endRow();
  return rows;
}

/**
 * Resolves a column given by header name or 0-based index. With a header, a name is looked up in it;
 * a purely numeric value is always an index.
 */
export function resolveColumn(spec: string | number, header: readonly string[] | null, width: number, what: string, file: string): number {
  if (typeof spec === 'number' || /^\d+$/.test(spec)) {
    const index = Number(spec);
    if (index < width) return index;
    throw new SeqtrainError('ERR_INVALID_ARGUMENT', `${what} column index ${index} is out of range: ${file} has ${width} columns (0-based).`, {
      field: what,
      file,
    });
  }
  const index = header ? header.indexOf(spec) : -1;
  if (index >= 0) return index;
  throw new SeqtrainError(
    'ERR_INVALID_ARGUMENT',
    header
      ? `${what} column "${spec}" is not in the header of ${file} (${header.map((h) => JSON.stringify(h)).join(', ')}). Give a header name or a 0-based index.`
      : `${what} column "${spec}" is a name, but ${file} is read without a header row. Give a 0-based index.`,
    { field: what, file }
  );
}
