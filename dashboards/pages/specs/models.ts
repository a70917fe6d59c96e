// Model charts, from /api/models and /api/models/:version/{calibration,lift,features}.
import type { TopLevelSpec } from 'vega-lite';
import { fitWidth, pct, specBase } from './common.ts';

/**
 * rows: { version, created_at, metric ('ROC AUC' | 'log loss'), value, status } — one panel
 * per metric (their scales differ), versions in training order.
 */
export function metricsOverTime(): TopLevelSpec {
  return {
    ...specBase,
    facet: { column: { field: 'metric', type: 'nominal', title: null, header: { labelFontSize: 12 } } },
    resolve: { scale: { y: 'independent' } },
    spec: {
      width: 500,
      height: 150,
      encoding: {
        // Vega's own multi-level time labels: versions may be a day or a minute apart.
        x: { field: 'created_at', type: 'temporal', title: 'trained', axis: { tickCount: 6, labelAngle: 0 } },
        y: { field: 'value', type: 'quantitative', title: null, scale: { zero: false } },
      },
      layer: [
        { mark: { type: 'line', color: '#8c959f', strokeWidth: 1 } },
        {
          mark: { type: 'point', filled: true, size: 60 },
          encoding: {
            color: {
              field: 'status',
              type: 'nominal',
              title: null,
              scale: { domain: ['champion', 'challenger', 'other'], range: ['#2da44e', '#bf8700', '#1f6feb'] },
            },
            tooltip: [
              { field: 'version' },
              { field: 'status' },
              { field: 'created_at', type: 'temporal', title: 'trained', format: '%Y-%m-%d %H:%M' },
              { field: 'metric' },
              { field: 'value', type: 'quantitative', format: '.4f' },
            ],
          },
        },
      ],
    },
  };
}

/** rows: calibration bins { mean_predicted, observed_rate, rows } (empty bins left out). */
export function calibrationCurve(): TopLevelSpec {
  return {
    ...specBase,
    ...fitWidth,
    height: 220,
    layer: [
      {
        // The diagonal (a perfectly calibrated model observes what it predicts), drawn only
        // over the predicted range so low-probability models are not squashed into a corner.
        mark: { type: 'line', color: '#8c959f', strokeDash: [4, 3], strokeWidth: 1 },
        encoding: {
          x: { field: 'mean_predicted', type: 'quantitative' },
          y: { field: 'mean_predicted', type: 'quantitative' },
        },
      },
      {
        mark: { type: 'line', point: { filled: true, size: 40 }, strokeWidth: 1.5 },
        encoding: {
          x: { field: 'mean_predicted', type: 'quantitative', title: 'predicted p(convert)', axis: { format: '.1~%' } },
          y: { field: 'observed_rate', type: 'quantitative', title: 'observed conversion rate', axis: { format: '.1~%' } },
          tooltip: [
            { field: 'mean_predicted', title: 'predicted', format: pct },
            { field: 'observed_rate', title: 'observed', format: pct },
            { field: 'rows', format: ',' },
          ],
        },
      },
    ],
  };
}

/**
 * rows: lift deciles { decile, cumulative_gain, lift, cumulative_lift, rate } plus a leading
 * { decile: 0, cumulative_gain: 0 } the page adds so the curve starts at the origin.
 */
export function gainChart(): TopLevelSpec {
  return {
    ...specBase,
    ...fitWidth,
    height: 220,
    transform: [{ calculate: 'datum.decile / 10', as: 'called' }],
    layer: [
      {
        // Random order: calling x% of customers finds x% of conversions.
        mark: { type: 'line', color: '#8c959f', strokeDash: [4, 3], strokeWidth: 1 },
        encoding: {
          x: { field: 'called', type: 'quantitative' },
          y: { field: 'called', type: 'quantitative' },
        },
      },
      {
        mark: { type: 'line', point: { filled: true, size: 40 }, strokeWidth: 1.5 },
        encoding: {
          x: { field: 'called', type: 'quantitative', title: 'customers called, best first', axis: { format: '.0%' } },
          y: { field: 'cumulative_gain', type: 'quantitative', title: 'conversions found', axis: { format: '.0%' } },
          tooltip: [
            { field: 'decile' },
            { field: 'cumulative_gain', title: 'cumulative gain', format: pct },
            { field: 'lift', title: 'lift (decile)', format: '.2f' },
            { field: 'cumulative_lift', title: 'cumulative lift', format: '.2f' },
          ],
        },
      },
    ],
  };
}

/** rows: lift deciles { decile, lift, rate, rows } — lift of each decile over the average. */
export function liftByDecile(): TopLevelSpec {
  return {
    ...specBase,
    ...fitWidth,
    height: 220,
    layer: [
      {
        mark: { type: 'bar', cornerRadiusEnd: 2 },
        encoding: {
          x: { field: 'decile', type: 'ordinal', title: 'decile (1 = highest scores)', axis: { labelAngle: 0 } },
          y: { field: 'lift', type: 'quantitative', title: 'lift' },
          tooltip: [
            { field: 'decile' },
            { field: 'lift', format: '.2f' },
            { field: 'rate', title: 'conversion rate', format: pct },
            { field: 'rows', format: ',' },
          ],
        },
      },
      {
        transform: [{ aggregate: [{ op: 'count', as: 'n' }] }, { calculate: '1', as: 'one' }],
        mark: { type: 'rule', color: '#57606a', strokeDash: [4, 3] },
        encoding: { y: { field: 'one', type: 'quantitative' } },
      },
    ],
  };
}

/** rows: { feature, value } — mean |SHAP| on the validation window, largest first. */
export function topFeatures(): TopLevelSpec {
  return {
    ...specBase,
    ...fitWidth,
    height: { step: 16 },
    mark: { type: 'bar', cornerRadiusEnd: 2 },
    encoding: {
      y: { field: 'feature', type: 'nominal', title: null, sort: '-x', axis: { labelLimit: 220 } },
      x: { field: 'value', type: 'quantitative', title: 'mean |SHAP| (log-odds)' },
      tooltip: [{ field: 'feature' }, { field: 'value', title: 'mean |SHAP|', format: '.4f' }],
    },
  };
}
