import type { Table } from 'apache-arrow';
import type { TopLevelSpec } from 'vega-lite';
import { ChartError } from '../sdk/errors.ts';
import { Chart } from './chart.ts';

/** Rows as plain objects (what `wh.query` returns), or an Apache Arrow table (`wh.arrow`). */
export type ChartData = readonly object[] | Table;

/** How Vega-Lite reads a field: a number, a category, an order or a time. */
export type FieldType = 'quantitative' | 'nominal' | 'ordinal' | 'temporal';

export interface ChartOptions {
  title?: string;
  width?: number;
  height?: number;
}

type Values = Record<string, unknown>[];

/** Plain JSON-ish rows Vega can read: Arrow rows unwrapped, BIGINTs as numbers. */
function valuesOf(data: ChartData, fields: readonly (string | undefined)[]): Values {
  const rows = Array.isArray(data) ? (data as readonly object[]) : (data as Table).toArray().map((r: { toJSON(): object }) => r.toJSON());
  if (rows.length === 0) throw new ChartError('there are no rows to chart (check the query or its parameters)');
  const values = rows.map((row) => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(row)) out[k] = typeof v === 'bigint' ? Number(v) : v;
    return out;
  });
  const first = values[0]!;
  for (const f of fields) {
    if (f !== undefined && !(f in first)) {
      throw new ChartError(`field "${f}" is not in the data; its fields are: ${Object.keys(first).join(', ')}`);
    }
  }
  return values;
}

function frame(o: ChartOptions): Partial<Record<'title' | 'width' | 'height', string | number>> {
  return {
    ...(o.title !== undefined ? { title: o.title } : {}),
    width: o.width ?? 420,
    height: o.height ?? 240,
  };
}

export interface HistogramOptions extends ChartOptions {
  /** Most bins (Vega-Lite picks nice boundaries; default 30). */
  maxBins?: number;
}

/** Distribution of one numeric field. */
export function histogram(data: ChartData, field: string, options: HistogramOptions = {}): Chart {
  const values = valuesOf(data, [field]);
  return new Chart({
    ...frame(options),
    data: { values },
    mark: 'bar',
    encoding: {
      x: { field, type: 'quantitative', bin: { maxbins: options.maxBins ?? 30 }, title: field },
      y: { aggregate: 'count', type: 'quantitative', title: 'rows' },
    },
  } as TopLevelSpec);
}

export interface BarOptions extends ChartOptions {
  x: string;
  y: string;
  xType?: FieldType;
  /** A field that colours (and groups) the bars side by side. */
  color?: string;
  /** Horizontal bars, categories down the side (better for long names). */
  horizontal?: boolean;
  /** Order the categories by value, largest first (default: as given). */
  sortByValue?: boolean;
}

/** A value per category (x: category, y: value). */
export function bar(data: ChartData, options: BarOptions): Chart {
  const values = valuesOf(data, [options.x, options.y, options.color]);
  const category = {
    field: options.x,
    type: options.xType ?? 'nominal',
    ...(options.sortByValue ? { sort: '-' + (options.horizontal ? 'x' : 'y') } : { sort: null }),
  };
  const value = { field: options.y, type: 'quantitative' };
  const encoding: Record<string, unknown> = options.horizontal ? { y: category, x: value } : { x: category, y: value };
  if (options.color) {
    encoding.color = { field: options.color, type: 'nominal' };
    encoding[options.horizontal ? 'yOffset' : 'xOffset'] = { field: options.color };
  }
  return new Chart({ ...frame(options), data: { values }, mark: 'bar', encoding } as TopLevelSpec);
}

export interface LineOptions extends ChartOptions {
  x: string;
  y: string;
  xType?: FieldType;
  /** One line per value of this field. */
  color?: string;
}

/** A value along an ordered axis (days, k, epochs), one line per `color`. */
export function line(data: ChartData, options: LineOptions): Chart {
  const values = valuesOf(data, [options.x, options.y, options.color]);
  const encoding: Record<string, unknown> = {
    x: { field: options.x, type: options.xType ?? 'quantitative' },
    y: { field: options.y, type: 'quantitative', scale: { zero: false } },
  };
  if (options.color) encoding.color = { field: options.color, type: 'nominal' };
  return new Chart({ ...frame(options), data: { values }, mark: { type: 'line', point: true }, encoding } as TopLevelSpec);
}

export interface HeatmapOptions extends ChartOptions {
  x: string;
  y: string;
  /** The numeric field shown as colour. */
  color: string;
  xType?: FieldType;
  yType?: FieldType;
  /** A Vega colour scheme (default "viridis"). */
  scheme?: string;
}

/** A numeric value over two categories, e.g. answer rate by local hour × weekday. */
export function heatmap(data: ChartData, options: HeatmapOptions): Chart {
  const values = valuesOf(data, [options.x, options.y, options.color]);
  return new Chart({
    ...frame(options),
    data: { values },
    mark: 'rect',
    encoding: {
      x: { field: options.x, type: options.xType ?? 'ordinal' },
      y: { field: options.y, type: options.yType ?? 'ordinal' },
      color: { field: options.color, type: 'quantitative', scale: { scheme: options.scheme ?? 'viridis' } },
      tooltip: [{ field: options.x }, { field: options.y }, { field: options.color, format: '.3f' }],
    },
  } as TopLevelSpec);
}

/** One reliability bin: mean predicted probability and observed rate (e.g. `BinaryReport.calibration`). */
export interface CalibrationPoint {
  meanPredicted: number;
  observedRate: number;
  rows: number;
}

/** Reliability diagram: observed rate against mean predicted probability, with the diagonal. */
export function calibration(bins: readonly CalibrationPoint[], options: ChartOptions = {}): Chart {
  const points = bins.filter((b) => b.rows > 0 && Number.isFinite(b.meanPredicted) && Number.isFinite(b.observedRate));
  if (points.length === 0) throw new ChartError('calibration needs at least one non-empty bin');
  const top = Math.max(...points.map((b) => Math.max(b.meanPredicted, b.observedRate)));
  const size = { width: options.width ?? 320, height: options.height ?? 320 };
  return new Chart({
    ...(options.title !== undefined ? { title: options.title } : {}),
    ...size,
    layer: [
      {
        data: { values: [{ p: 0 }, { p: top }] },
        mark: { type: 'line', strokeDash: [4, 4], color: 'gray' },
        encoding: { x: { field: 'p', type: 'quantitative' }, y: { field: 'p', type: 'quantitative' } },
      },
      {
        data: { values: points.map((b) => ({ predicted: b.meanPredicted, observed: b.observedRate, rows: b.rows })) },
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'predicted', type: 'quantitative', title: 'mean predicted probability' },
          y: { field: 'observed', type: 'quantitative', title: 'observed rate' },
          tooltip: [{ field: 'rows' }],
        },
      },
    ],
  } as TopLevelSpec);
}

/** One decile of a lift table (e.g. `BinaryReport.deciles`): 1 = highest scores. */
export interface LiftPoint {
  decile: number;
  lift: number;
  cumulativeGain: number;
}

/** Lift by score decile (bars) against the random-order line at 1. */
export function lift(deciles: readonly LiftPoint[], options: ChartOptions = {}): Chart {
  if (deciles.length === 0) throw new ChartError('lift needs at least one decile');
  return new Chart({
    ...frame(options),
    layer: [
      {
        data: { values: deciles.map((d) => ({ decile: d.decile, lift: d.lift, cumulativeGain: d.cumulativeGain })) },
        mark: 'bar',
        encoding: {
          x: { field: 'decile', type: 'ordinal', title: 'score decile (1 = highest)' },
          y: { field: 'lift', type: 'quantitative', title: 'lift over the average' },
          tooltip: [{ field: 'cumulativeGain', format: '.2f' }],
        },
      },
      { data: { values: [{ one: 1 }] }, mark: { type: 'rule', color: 'firebrick' }, encoding: { y: { field: 'one', type: 'quantitative' } } },
    ],
  } as TopLevelSpec);
}
