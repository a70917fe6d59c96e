// notebooks/charts: Vega-Lite chart helpers rendered on the server (SVG with vega, PNG with resvg).
export { Chart, type PngOptions } from './chart.ts';
export {
  histogram,
  bar,
  line,
  heatmap,
  calibration,
  lift,
  type ChartData,
  type ChartOptions,
  type FieldType,
  type HistogramOptions,
  type BarOptions,
  type LineOptions,
  type HeatmapOptions,
  type CalibrationPoint,
  type LiftPoint,
} from './helpers.ts';
