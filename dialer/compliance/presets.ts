import type { RegionPreset } from './policy.ts';

/**
 * Region presets, keyed by ISO 3166 alpha-2 code (plus `default`, used for any other region).
 *
 * These are CONFIGURABLE DEFAULTS INSPIRED BY real-world rules, NOT LEGAL ADVICE: rules change,
 * vary by state/province and by the caller's own licence, and every deployment must have them
 * checked. Override them per campaign (`resolvePolicy({ overrides })`) or replace the table
 * (`resolvePolicy({ presets })`). Holidays are fixed-date ones only (`MM-DD`); movable feasts
 * (Easter, Thanksgiving…) must be added as `YYYY-MM-DD` per year.
 */
export const REGION_PRESETS: Readonly<Record<string, RegionPreset>> = {
  default: {
    description: 'Built-in defaults: 09:00–21:00 local, every day, 3 a day / 4 per 24 h / 10 per campaign.',
    overrides: {},
  },
  US: {
    description: 'Inspired by TCPA/FDCPA calling hours (08:00–21:00 callee time) and Reg F 7-in-7 for collections.',
    overrides: {
      window: { hours: [{ start: '08:00', end: '21:00' }] },
      holidays: ['01-01', '07-04', '12-25'], // house rule, not a legal requirement
    },
    objectives: {
      // 21:00–08:00 blocked; at most 7 attempts in any 7 days.
      collections: { attempts: { rolling: [{ hours: 168, max: 7 }] } },
    },
  },
  GB: {
    description: 'Inspired by Ofcom persistent-misuse guidance (72 h after an abandoned call) and common UK practice.',
    overrides: {
      window: {
        hours: [{ start: '08:00', end: '21:00' }],
        days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat'],
        byDay: { sat: [{ start: '09:00', end: '17:00' }] },
      },
      holidays: ['01-01', '12-25', '12-26'],
      spacing: { abandonedCooldownHours: 72 },
    },
  },
  DE: {
    description: 'Inspired by German practice: no Sundays or fixed public holidays, 08:00–20:00.',
    overrides: {
      window: { hours: [{ start: '08:00', end: '20:00' }], days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat'] },
      holidays: ['01-01', '05-01', '10-03', '12-25', '12-26'],
    },
  },
  FR: {
    description: 'Inspired by the French 2023 decree on marketing calls: weekdays 10–13 and 14–20, 4 per 30 days.',
    overrides: {
      window: {
        hours: [
          { start: '10:00', end: '13:00' },
          { start: '14:00', end: '20:00' },
        ],
        days: ['mon', 'tue', 'wed', 'thu', 'fri'],
      },
      holidays: ['01-01', '05-01', '05-08', '07-14', '08-15', '11-01', '11-11', '12-25'],
    },
    objectives: {
      sales: { attempts: { rolling: [{ hours: 720, max: 4 }] } },
    },
  },
  AU: {
    description: 'Inspired by the Australian telemarketing standard (weekdays 9–20, Sat 9–17) and debt-collection guideline.',
    overrides: {
      window: {
        hours: [{ start: '09:00', end: '20:00' }],
        days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat'],
        byDay: { sat: [{ start: '09:00', end: '17:00' }] },
      },
      holidays: ['01-01', '01-26', '04-25', '12-25', '12-26'],
    },
    objectives: {
      collections: {
        window: {
          hours: [{ start: '07:30', end: '21:00' }],
          days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
          byDay: { sat: [{ start: '09:00', end: '21:00' }], sun: [{ start: '09:00', end: '21:00' }] },
        },
      },
    },
  },
  IN: {
    description: 'Inspired by TRAI rules for commercial calls: 09:00–21:00.',
    overrides: { window: { hours: [{ start: '09:00', end: '21:00' }] } },
  },
};
