// Shared pieces of the Vega-Lite specs: the look of every chart and the named dataset the
// pages fill in. Specs carry no data: the browser adds `datasets.rows` from the API's answer,
// so one spec serves every filter and the tests can render it with any rows.
import type { Config } from 'vega-lite';

/** The name of the dataset each spec reads; pages set `spec.datasets[ROWS]`. */
export const ROWS = 'rows';
export const rowsData = { name: ROWS } as const;

/** Policy colours, fixed so the same policy has the same colour on every chart. */
export const POLICY_COLOURS = { model: '#1f6feb', random: '#8b949e', oracle: '#2da44e' } as const;

export const ALERT_COLOUR = '#cf222e';
export const PRIMARY_COLOUR = '#1f6feb';

export const baseConfig: Config = {
  font: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
  view: { stroke: null },
  axis: { labelFontSize: 11, titleFontSize: 11, titleFontWeight: 'normal', titleColor: '#57606a', gridColor: '#eaeef2' },
  legend: { labelFontSize: 11, titleFontSize: 11, orient: 'bottom' },
  header: { labelFontSize: 11, titleFontSize: 11 },
  bar: { color: PRIMARY_COLOUR },
  line: { color: PRIMARY_COLOUR },
  point: { color: PRIMARY_COLOUR },
  range: { category: ['#1f6feb', '#bf8700', '#2da44e', '#8250df', '#cf222e', '#1b7c83', '#57606a', '#e16f24'] },
};

/** What every spec starts with: the schema, the shared look and the pages' named dataset. */
export const specBase = {
  $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
  config: baseConfig,
  data: rowsData,
} as const;

/** Fill the card's width; each chart sets its own height (fixed or per band). */
export const fitWidth = { width: 'container', autosize: { type: 'fit-x', contains: 'padding' } } as const;

export const pct = ',.1%';
