/**
 * `prepare timeseries`: a CSV with a header row -> sliding windows over one or several numeric
 * columns (`features`), split by time.
 *
 * Row t of the series is the CSV row t. A window starting at i has inputs rows [i, i + window), all
 * features, row-major by time step (`x` FixedSizeList<Float32>[window × features]). Targets come from
 * the `target` feature, `horizon` steps after the inputs:
 * - single (many-to-one): y = value at i + window - 1 + horizon (`y` Float32);
 * - sequence (many-to-many): y = values at [i + horizon, i + window + horizon), the inputs shifted by
 *   horizon (`y` FixedSizeList<Float32>[window]).
 * Split: the last `validationLast` rows (or `round(rows × validationFraction)`) are validation. A train
 * window has inputs and targets all in the train rows; a validation window has all its targets in
 * the validation rows, while its inputs may reach back into the train tail (the context a forecaster
 * has at that time). So no window straddles the boundary with its targets, and no target is in both.
 * Scaling is fitted on the train rows only (scaling.ts) and applied to inputs and targets.
 *
 * Transforms (series-transform.ts): with `transform: log` and/or `difference: [lags]`, every feature is
 * transformed, then differenced, BEFORE windowing and scaling; the first sum(lags) rows have no
 * differenced value and start no window. The split still counts rows of the original series (the last
 * `validationLast` original rows hold the validation targets), and the scaling is fitted on the
 * differenced train rows. Beside `y`, each row carries `level` (per target: level_t of the transformed
 * target, from rows before t only) and `original` (the target in original units), so a prediction maps
 * back as inverse(unscale(yHat) + level) (series-inverse.ts): the RMSE in original units, with every
 * forecast built from values before its target row.
 */
import path from 'node:path';
import { DEFAULTS, SeqtrainError } from '@seqtrain/common';
import { parseDelimited, resolveColumn } from './delimited.js';
import { MANIFEST_VERSION, type ColumnSpec, type TimeseriesManifest } from './manifest.js';
import { badOption, readSourceText, requireChoice, requireFraction, requireInt, requirePath } from './recipe-options.js';
import { fitScaling, scale, type ScalingMethod } from './scaling.js';
import { SERIES_TRANSFORMS, applyTransform, difference, differenceOrder, levelAt, type SeriesTransform } from './series-transform.js';
import { describeTableSchema } from './table-columns.js';
import { writeManifestFile, writeTableSplits } from './table-writer.js';

export interface PrepareTimeseriesOptions {
  input: string;
  out: string;
  /** Value columns (header names or 0-based indices). Default: every column but the time column. */
  columns?: (string | number)[];
  /** The predicted column, one of `columns`. Default: the first of them. */
  target?: string | number;
  /** Kept as metadata (timeRange), never a feature. Default: none. */
  timeColumn?: string | number;
  window: number;
  /** Default 1. */
  horizon?: number;
  /** Default 'single'. */
  targets?: 'single' | 'sequence';
  /** Validation = the last N rows; exclusive with validationFraction. */
  validationLast?: number;
  /** Default DEFAULTS.VALIDATION_FRACTION when validationLast is absent. */
  validationFraction?: number;
  /** Default 'minmax'. */
  scaling?: ScalingMethod;
  /** Default 'none'. 'log' needs every value > 0. */
  transform?: SeriesTransform;
  /** Lags of the differencing operators applied after the transform, e.g. [1, 12]. Default none. */
  difference?: readonly number[];
  shards?: number;
  rowsPerBatch?: number;
  onProgress?: (rowsWritten: number, rowsTotal: number) => void;
}

const RECIPE = 'timeseries';

export async function prepareTimeseries(options: PrepareTimeseriesOptions): Promise<TimeseriesManifest> {
  const input = requirePath(RECIPE, 'input', options.input);
  const out = path.resolve(requirePath(RECIPE, 'out', options.out));
  const window = requireInt(RECIPE, 'window', options.window, 1);
  const horizon = requireInt(RECIPE, 'horizon', options.horizon ?? 1, 1);
  const targets = requireChoice(RECIPE, 'targets', options.targets ?? 'single', ['single', 'sequence'] as const);
  const method = requireChoice(RECIPE, 'scaling', options.scaling ?? 'minmax', ['none', 'minmax', 'standard'] as const);
  const transform = requireChoice(RECIPE, 'transform', options.transform ?? 'none', SERIES_TRANSFORMS);
  const lags = requireLags(options.difference ?? []);
  const shards = requireInt(RECIPE, 'shards', options.shards ?? 1, 1, 99_999);
  const rowsPerBatch = requireInt(RECIPE, 'rowsPerBatch', options.rowsPerBatch ?? DEFAULTS.ROWS_PER_RECORD_BATCH, 1);
  if (options.validationLast !== undefined && options.validationFraction !== undefined) {
    throw badOption(RECIPE, 'validationLast', 'cannot be combined with "validationFraction"; give one of them.');
  }

  const { text, info } = await readSourceText(RECIPE, 'input', input);
  const rows = parseDelimited(text, 'csv', input);
  const header = rows.shift();
  if (!header) throw badOption(RECIPE, 'input', `(${input}) is empty; a header row and values are needed.`);
  const timeAt = options.timeColumn === undefined ? null : resolveColumn(options.timeColumn, header, header.length, 'timeColumn', input);
  const featureAt = (options.columns ?? header.map((_, i) => i).filter((i) => i !== timeAt)).map((c) =>
    resolveColumn(c, header, header.length, 'columns', input)
  );
  if (featureAt.length === 0) throw badOption(RECIPE, 'columns', `selects no value column of ${input}.`);
  const targetAt = options.target === undefined ? featureAt[0] : resolveColumn(options.target, header, header.length, 'target', input);
  const targetFeature = featureAt.indexOf(targetAt as number);
  if (targetFeature < 0) throw badOption(RECIPE, 'target', `(${String(options.target)}) must be one of the value columns.`);
  const features = featureAt.map((i) => header[i] as string);
  const n = rows.length;
  const F = featureAt.length;

  // values[f][t]
  const values = featureAt.map((col, f) =>
    rows.map((r, t) => {
      const v = Number(r[col]);
      if (r[col] === undefined || r[col].trim() === '' || !Number.isFinite(v)) {
        throw new SeqtrainError(
          'ERR_INVALID_ARGUMENT',
          `Row ${t + 2} of ${input}, column "${features[f]}": expected a number, got ${JSON.stringify(r[col])}. Clean the series or pick other --columns.`,
          { file: input, field: features[f], row: t + 2 }
        );
      }
      return v;
    })
  );
  const validationRows =
    options.validationLast !== undefined
      ? requireInt(RECIPE, 'validationLast', options.validationLast, 0, n)
      : Math.round(n * requireFraction(RECIPE, 'validationFraction', options.validationFraction ?? DEFAULTS.VALIDATION_FRACTION));
  // Series row t of the model's view is original row t + order: differencing consumes `order` rows.
  const order = differenceOrder(lags);
  if (order >= n - validationRows) {
    throw badOption(RECIPE, 'difference', `(${JSON.stringify(lags)}) consumes ${order} rows, but ${input} has only ${n - validationRows} training rows. Use smaller lags or less validation.`);
  }
  const transformed = values.map((v, f) => applyTransform(v, transform, (t) => `row ${t + 2} of ${input}, column "${features[f]}"`));
  const differenced = transformed.map((w) => difference(w, lags));
  const m = n - order;
  const trainEnd = n - validationRows - order;
  const span = window + horizon; // rows a window touches, inputs and targets
  const firstTarget = targets === 'single' ? window - 1 + horizon : horizon; // offset of the first target row from i
  const trainWindows = Math.max(0, trainEnd - span + 1);
  // Validation starts i: first target >= trainEnd and last target (i + span - 1) < m.
  const validationStart = Math.max(0, trainEnd - firstTarget);
  const validationWindows = validationRows === 0 ? 0 : Math.max(0, m - span + 1 - validationStart);
  if (trainWindows === 0) {
    throw badOption(RECIPE, 'window', `(${window}) + horizon (${horizon}) needs more than the ${trainEnd} training rows of ${input}${order > 0 ? ` left after differencing (${order} rows)` : ''}. Use a shorter window or less validation.`);
  }
  if (validationRows > 0 && validationWindows === 0) {
    throw badOption(RECIPE, 'validationLast', `leaves ${validationRows} validation rows, too few for one window with horizon ${horizon}.`);
  }

  const scaling = fitScaling(method, differenced.map((v) => v.slice(0, trainEnd)));
  const scaled = differenced.map((v, f) => scale(v, scaling, f));
  const targetW = transformed[targetFeature] as number[];
  const targetOriginal = values[targetFeature] as number[];
  const yWidth = targets === 'single' ? 1 : window;
  const build = (start: number, count: number): { rows: number; data: Float32Array[] } => {
    const x = new Float32Array(count * window * F);
    const y = new Float32Array(count * yWidth);
    const level = new Float32Array(count * yWidth);
    const original = new Float32Array(count * yWidth);
    for (let r = 0; r < count; r++) {
      const i = start + r;
      for (let k = 0; k < window; k++) for (let f = 0; f < F; f++) x[(r * window + k) * F + f] = (scaled[f] as number[])[i + k] as number;
      for (let k = 0; k < yWidth; k++) {
        const t = i + firstTarget + k; // row of the model's view; original row t + order
        y[r * yWidth + k] = (scaled[targetFeature] as number[])[t] as number;
        level[r * yWidth + k] = levelAt(targetW, lags, t + order);
        original[r * yWidth + k] = targetOriginal[t + order] as number;
      }
    }
    return { rows: count, data: [x, y, level, original] };
  };
  const columns: ColumnSpec[] = [
    { name: 'x', dtype: 'float32', width: window * F },
    { name: 'y', dtype: 'float32', width: targets === 'single' ? null : window },
    { name: 'level', dtype: 'float32', width: targets === 'single' ? null : window },
    { name: 'original', dtype: 'float32', width: targets === 'single' ? null : window },
  ];
  const splits = await writeTableSplits({
    out,
    columns,
    train: build(0, trainWindows),
    validation: build(validationStart, validationWindows),
    shards,
    rowsPerBatch,
    onProgress: options.onProgress,
  });
  const timeOf = (t: number): string => (timeAt === null ? String(t) : ((rows[t] as string[])[timeAt] ?? ''));
  const manifest: TimeseriesManifest = {
    version: MANIFEST_VERSION,
    kind: 'timeseries',
    createdAt: new Date().toISOString(),
    source: info,
    columns,
    schema: describeTableSchema(columns),
    splits,
    features,
    target: features[targetFeature] as string,
    timeColumn: timeAt === null ? null : (header[timeAt] as string),
    window,
    horizon,
    targets,
    scaling,
    transform,
    difference: lags,
    seriesRows: { train: n - validationRows, validation: validationRows },
    timeRange: {
      train: n - validationRows > 0 ? [timeOf(0), timeOf(n - validationRows - 1)] : [],
      validation: validationRows > 0 ? [timeOf(n - validationRows), timeOf(n - 1)] : [],
    },
  };
  await writeManifestFile(out, manifest);
  return manifest;
}

function requireLags(value: unknown): number[] {
  if (!Array.isArray(value) || value.some((lag) => typeof lag !== 'number' || !Number.isInteger(lag) || lag < 1)) {
    throw badOption(RECIPE, 'difference', `must be a list of positive integer lags, e.g. [1, 12] (first difference of the 12-step difference), got ${JSON.stringify(value)}.`);
  }
  return [...(value as number[])];
}
