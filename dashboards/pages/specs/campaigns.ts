// Campaign charts. Rows come straight from /api/campaigns/{summary,daily,hourly} (see
// dashboards/API.md), reshaped only where a chart needs a long format.
import type { TopLevelSpec } from 'vega-lite';
import { ALERT_COLOUR, fitWidth, pct, specBase } from './common.ts';

/** The abandoned-call ceiling (Ofcom: 3% of live calls over 24 h). */
export const ABANDONED_LIMIT = 0.03;

/**
 * rows: { campaign, metric ('connect rate' | 'conversion rate'), actual, target, deviation } —
 * a bullet per campaign: bar = actual, tick = target, label = deviation in points.
 */
export function targetVsActual(): TopLevelSpec {
  return {
    ...specBase,
    transform: [
      {
        calculate:
          "datum.deviation == null ? '' : (datum.deviation >= 0 ? '+' : '−') + format(abs(datum.deviation) * 100, '.1f') + ' pts'",
        as: 'deviation_label',
      },
      // The label goes right of whichever is longer, the bar or the target tick.
      { calculate: 'max(datum.actual, datum.target)', as: 'label_x' },
    ],
    facet: { column: { field: 'metric', type: 'nominal', title: null, header: { labelFontSize: 12 } } },
    resolve: { scale: { x: 'independent' } },
    spec: {
      width: 440,
      height: { step: 24 },
      encoding: {
        y: { field: 'campaign', type: 'nominal', title: null, axis: { labelLimit: 140 } },
      },
      layer: [
        {
          mark: { type: 'bar', size: 14, cornerRadiusEnd: 2 },
          encoding: {
            x: { field: 'actual', type: 'quantitative', title: null, axis: { format: '.0%' } },
            color: {
              condition: { test: 'datum.deviation != null && datum.deviation < 0', value: '#d4a72c' },
              value: '#1f6feb',
            },
            tooltip: [
              { field: 'campaign' },
              { field: 'metric' },
              { field: 'actual', format: pct },
              { field: 'target', format: pct },
              { field: 'deviation_label', title: 'deviation' },
            ],
          },
        },
        {
          mark: { type: 'tick', color: '#24292f', thickness: 2, size: 20 },
          encoding: { x: { field: 'target', type: 'quantitative' } },
        },
        {
          mark: { type: 'text', align: 'left', dx: 8, fontSize: 11, color: '#57606a' },
          encoding: {
            x: { field: 'label_x', type: 'quantitative' },
            text: { field: 'deviation_label' },
          },
        },
      ],
    },
  };
}

/** rows: /api/campaigns/hourly rows { hour, dials, converted, conversion_rate, … } */
export function conversionByHour(): TopLevelSpec {
  return {
    ...specBase,
    ...fitWidth,
    height: 180,
    mark: { type: 'bar', cornerRadiusEnd: 2 },
    encoding: {
      x: {
        field: 'hour',
        type: 'ordinal',
        title: "callee's local hour",
        scale: { domain: Array.from({ length: 24 }, (_, h) => h) },
        axis: { labelAngle: 0 },
      },
      y: { field: 'conversion_rate', type: 'quantitative', title: 'conversions / answered', axis: { format: '.0%' } },
      tooltip: [
        { field: 'hour', title: 'local hour' },
        { field: 'dials', format: ',' },
        { field: 'answered', format: ',' },
        { field: 'converted', format: ',' },
        { field: 'conversion_rate', title: 'conversion rate', format: pct },
      ],
    },
  };
}

/** rows: funnel { stage, count } in the order dialed → answered → converted. */
export function funnel(): TopLevelSpec {
  return {
    ...specBase,
    ...fitWidth,
    height: 120,
    transform: [
      { joinaggregate: [{ op: 'max', field: 'count', as: 'top' }] },
      { calculate: 'datum.top > 0 ? datum.count / datum.top : 0', as: 'of_dialed' },
      { calculate: "format(datum.count, ',') + ' · ' + format(datum.of_dialed, '.1%')", as: 'label' },
    ],
    encoding: {
      y: { field: 'stage', type: 'nominal', title: null, sort: ['dialed', 'answered', 'converted'] },
      x: { field: 'count', type: 'quantitative', title: 'calls' },
    },
    layer: [
      {
        mark: { type: 'bar', cornerRadiusEnd: 2 },
        encoding: {
          color: {
            field: 'stage',
            type: 'nominal',
            legend: null,
            scale: { domain: ['dialed', 'answered', 'converted'], range: ['#8fb8f5', '#1f6feb', '#2da44e'] },
          },
          tooltip: [{ field: 'stage' }, { field: 'count', format: ',' }, { field: 'of_dialed', title: 'of dialed', format: pct }],
        },
      },
      { mark: { type: 'text', align: 'left', dx: 4, fontSize: 11, color: '#24292f' }, encoding: { text: { field: 'label' } } },
    ],
  };
}

/**
 * rows: /api/campaigns/daily rows { day, answered, abandoned, … } (one per day and campaign) —
 * summed per day, so the share is of all filtered campaigns, drawn against the limit line. The
 * limit is a param so the page can set the API's `abandoned_limit` without a new spec.
 */
export function abandonedShare(): TopLevelSpec {
  return {
    ...specBase,
    ...fitWidth,
    height: 180,
    params: [{ name: 'limit', value: ABANDONED_LIMIT }],
    layer: [
      {
        transform: [
          { aggregate: [{ op: 'sum', field: 'answered', as: 'answered' }, { op: 'sum', field: 'abandoned', as: 'abandoned' }], groupby: ['day'] },
          { calculate: 'datum.answered + datum.abandoned > 0 ? datum.abandoned / (datum.answered + datum.abandoned) : 0', as: 'share' },
          { calculate: 'datum.share > limit', as: 'over' },
        ],
        mark: { type: 'bar', cornerRadiusEnd: 1 },
        encoding: {
          x: { field: 'day', type: 'temporal', timeUnit: 'utcyearmonthdate', title: null, axis: { format: '%d %b' } },
          y: { field: 'share', type: 'quantitative', title: 'abandoned / live calls', axis: { format: '.1%' } },
          color: { condition: { test: 'datum.over', value: ALERT_COLOUR }, value: '#8fb8f5' },
          tooltip: [
            { field: 'day', type: 'temporal', timeUnit: 'utcyearmonthdate', title: 'day' },
            { field: 'share', title: 'abandoned share', format: '.2%' },
            { field: 'abandoned', format: ',' },
            { field: 'answered', format: ',' },
          ],
        },
      },
      {
        // One row, so one rule; the limit as a field (not a datum expression) so the y scale
        // always reaches it, even on days far below the line.
        transform: [{ aggregate: [{ op: 'count', as: 'n' }] }, { calculate: 'limit', as: 'limit_value' }],
        mark: { type: 'rule', color: ALERT_COLOUR, strokeDash: [4, 3], strokeWidth: 1.5 },
        encoding: { y: { field: 'limit_value', type: 'quantitative' } },
      },
      {
        transform: [{ aggregate: [{ op: 'count', as: 'n' }] }, { calculate: 'limit', as: 'limit_value' }],
        // Right of the plot, where no bar can cover it.
        mark: { type: 'text', color: ALERT_COLOUR, align: 'left', baseline: 'middle', dx: 4, x: { expr: 'width' }, fontSize: 11 },
        encoding: {
          y: { field: 'limit_value', type: 'quantitative' },
          text: { value: { expr: "format(limit, '.0%') + ' limit'" } },
        },
      },
    ],
  };
}

/** rows: /api/campaigns/daily rows — connect and conversion rate per day, all filtered campaigns. */
export function dailyRates(): TopLevelSpec {
  return {
    ...specBase,
    ...fitWidth,
    height: 180,
    transform: [
      {
        aggregate: [
          { op: 'sum', field: 'dials', as: 'dials' },
          { op: 'sum', field: 'answered', as: 'answered' },
          { op: 'sum', field: 'converted', as: 'converted' },
        ],
        groupby: ['day'],
      },
      { calculate: 'datum.dials > 0 ? datum.answered / datum.dials : null', as: 'connect rate' },
      { calculate: 'datum.answered > 0 ? datum.converted / datum.answered : null', as: 'conversion rate' },
      { fold: ['connect rate', 'conversion rate'], as: ['metric', 'rate'] },
    ],
    mark: { type: 'line', point: { size: 20 }, strokeWidth: 1.5 },
    encoding: {
      x: { field: 'day', type: 'temporal', timeUnit: 'utcyearmonthdate', title: null, axis: { format: '%d %b' } },
      y: { field: 'rate', type: 'quantitative', title: 'rate', axis: { format: '.0%' } },
      color: { field: 'metric', type: 'nominal', title: null, scale: { range: ['#1f6feb', '#bf8700'] } },
      tooltip: [
        { field: 'day', type: 'temporal', timeUnit: 'utcyearmonthdate', title: 'day' },
        { field: 'metric' },
        { field: 'rate', type: 'quantitative', format: pct },
        { field: 'dials', type: 'quantitative', format: ',' },
      ],
    },
  };
}
