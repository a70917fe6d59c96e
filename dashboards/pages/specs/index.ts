// Every chart the pages draw, by id. The pages fetch them all from /app/specs.json and fill in
// `datasets.rows`; the ids are the contract between these builders and static/js/*.js.
import type { TopLevelSpec } from 'vega-lite';
import { abandonedShare, conversionByHour, dailyRates, funnel, targetVsActual } from './campaigns.ts';
import { contactRate, conversionsPer1000 } from './feedback.ts';
import { calibrationCurve, gainChart, liftByDecile, metricsOverTime, topFeatures } from './models.ts';
import { bestHoursHeatmap, segmentProfileHeatmap, segmentRates, segmentSizes } from './segments.ts';

export { ROWS } from './common.ts';
export { ABANDONED_LIMIT } from './campaigns.ts';

export const CHART_BUILDERS = {
  'segment-sizes': segmentSizes,
  'segment-profile': segmentProfileHeatmap,
  'segment-rates': segmentRates,
  'segment-best-hours': bestHoursHeatmap,
  'campaign-target': targetVsActual,
  'campaign-daily': dailyRates,
  'campaign-hourly': conversionByHour,
  'campaign-funnel': funnel,
  'campaign-abandoned': abandonedShare,
  'model-metrics': metricsOverTime,
  'model-calibration': calibrationCurve,
  'model-gain': gainChart,
  'model-lift': liftByDecile,
  'model-features': topFeatures,
  'feedback-conversions': conversionsPer1000,
  'feedback-contact': contactRate,
} as const satisfies Record<string, () => TopLevelSpec>;

export type ChartId = keyof typeof CHART_BUILDERS;

export function buildSpecs(): Record<ChartId, TopLevelSpec> {
  const out = {} as Record<ChartId, TopLevelSpec>;
  for (const [id, build] of Object.entries(CHART_BUILDERS) as [ChartId, () => TopLevelSpec][]) out[id] = build();
  return out;
}
