// Segment charts. Rows are shaped by the page (static/js/segments.js) from the API's answer.
import type { TopLevelSpec } from 'vega-lite';
import { fitWidth, pct, specBase } from './common.ts';

/** rows: { segment, size, share } — one bar per segment, biggest first. */
export function segmentSizes(): TopLevelSpec {
  return {
    ...specBase,
    ...fitWidth,
    // Room on the right for the share printed past the longest bar.
    padding: { left: 5, top: 5, bottom: 5, right: 34 },
    height: { step: 22 },
    encoding: {
      y: { field: 'segment', type: 'nominal', sort: { field: 'size', op: 'sum', order: 'descending' }, title: null, axis: { labelLimit: 340 } },
      x: { field: 'size', type: 'quantitative', title: 'customers' },
    },
    layer: [
      {
        mark: { type: 'bar', cornerRadiusEnd: 2 },
        encoding: {
          tooltip: [
            { field: 'segment', title: 'segment' },
            { field: 'size', title: 'customers', format: ',' },
            { field: 'share', title: 'share', format: pct },
          ],
        },
      },
      {
        mark: { type: 'text', align: 'left', dx: 4, fontSize: 11, color: '#57606a' },
        encoding: { text: { field: 'share', type: 'quantitative', format: '.0%' } },
      },
    ],
  };
}

/** rows: { segment, feature, z } — the segment mean of each model column as a z-score. */
export function segmentProfileHeatmap(): TopLevelSpec {
  return {
    ...specBase,
    ...fitWidth,
    height: { step: 22 },
    // Extreme z-scores would wash every other cell out; the tooltip keeps the true value.
    transform: [{ calculate: 'clamp(datum.z, -2.5, 2.5)', as: 'z_shown' }],
    mark: { type: 'rect' },
    encoding: {
      x: { field: 'feature', type: 'nominal', title: null, axis: { labelAngle: -40, labelLimit: 200 } },
      y: { field: 'segment', type: 'nominal', title: null, axis: { labelLimit: 360 } },
      color: {
        field: 'z_shown',
        type: 'quantitative',
        title: 'z-score',
        scale: { scheme: 'redblue', reverse: true, domain: [-2.5, 2.5], domainMid: 0 },
        legend: { orient: 'right', gradientLength: 120 },
      },
      tooltip: [
        { field: 'segment' },
        { field: 'feature' },
        { field: 'z', title: 'z-score', format: '.2f' },
      ],
    },
  };
}

/** rows: { segment, metric ('answer rate' | 'conversion rate'), rate, n } */
export function segmentRates(): TopLevelSpec {
  return {
    ...specBase,
    ...fitWidth,
    height: { step: 12 },
    mark: { type: 'bar', cornerRadiusEnd: 2 },
    encoding: {
      y: { field: 'segment', type: 'nominal', title: null, axis: { labelLimit: 340 } },
      yOffset: { field: 'metric', type: 'nominal' },
      x: { field: 'rate', type: 'quantitative', title: 'rate', axis: { format: '.0%' } },
      color: { field: 'metric', type: 'nominal', title: null, scale: { range: ['#1f6feb', '#bf8700'] } },
      tooltip: [
        { field: 'segment' },
        { field: 'metric' },
        { field: 'rate', format: pct },
        { field: 'n', title: 'out of', format: ',' },
      ],
    },
  };
}

/**
 * rows: { segment, weekday (0 = Monday … 6), hour (0–23, the callee's local time), value } —
 * one small heatmap per segment; value is what the page says (answer probability).
 */
export function bestHoursHeatmap(): TopLevelSpec {
  return {
    ...specBase,
    transform: [
      { calculate: "['Mon','Tue','Wed','Thu','Fri','Sat','Sun'][datum.weekday]", as: 'day' },
    ],
    facet: { field: 'segment', type: 'nominal', title: null, header: { labelLimit: 360, labelAnchor: 'start' } },
    columns: 3,
    spec: {
      width: 340,
      height: 96,
      mark: { type: 'rect' },
      encoding: {
        x: { field: 'hour', type: 'ordinal', title: 'local hour', axis: { labelAngle: 0, values: [0, 6, 12, 18, 23] } },
        y: {
          field: 'day',
          type: 'ordinal',
          title: null,
          sort: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'],
        },
        color: { field: 'value', type: 'quantitative', title: 'p(answer)', scale: { scheme: 'blues' }, legend: { format: '.0%' } },
        tooltip: [
          { field: 'segment' },
          { field: 'day' },
          { field: 'hour', title: 'local hour' },
          { field: 'value', title: 'p(answer)', format: pct },
        ],
      },
    },
  };
}
