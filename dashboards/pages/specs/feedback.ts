// The feedback loop: the simulated call centre dialled three ways on the same days.
import type { TopLevelSpec } from 'vega-lite';
import { POLICY_COLOURS, fitWidth, specBase } from './common.ts';

const policyColour = {
  field: 'policy',
  type: 'nominal',
  title: null,
  scale: { domain: ['model', 'random', 'oracle'], range: [POLICY_COLOURS.model, POLICY_COLOURS.random, POLICY_COLOURS.oracle] },
} as const;

function perDay(field: string, title: string, format: string): TopLevelSpec {
  return {
    ...specBase,
    ...fitWidth,
    height: 220,
    mark: { type: 'line', point: { filled: true, size: 50 }, strokeWidth: 2 },
    encoding: {
      x: { field: 'day', type: 'ordinal', title: 'simulated day', axis: { labelAngle: 0 } },
      y: { field, type: 'quantitative', title, axis: { format } },
      color: policyColour,
      tooltip: [
        { field: 'day' },
        { field: 'policy' },
        { field, type: 'quantitative', title, format },
        { field: 'dials', type: 'quantitative', format: ',' },
        { field: 'conversions', type: 'quantitative', format: ',' },
      ],
    },
  };
}

/** rows: /api/simulation days { day, policy, conversions_per_1000_dials, dials, conversions } */
export function conversionsPer1000(): TopLevelSpec {
  return perDay('conversions_per_1000_dials', 'conversions per 1,000 dials', ',.1f');
}

/** rows: /api/simulation days — answered / dials. */
export function contactRate(): TopLevelSpec {
  return perDay('contact_rate', 'contact rate', '.0%');
}
