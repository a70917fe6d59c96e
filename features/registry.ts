/**
 * The feature registry: every feature's name, family, type and meaning. It is the single
 * source models use to know which columns are features; the family SQL files
 * (`features/sql/<family>.sql`) must return exactly these columns in this order, and
 * `customer_features` (migration 010) stores them in the same order. Both are checked.
 */

export const FEATURE_TYPES = ['numeric', 'categorical', 'boolean'] as const;
export type FeatureType = (typeof FEATURE_TYPES)[number];

export const FAMILY_NAMES = ['profile', 'contact_history', 'hour_of_week', 'rfm', 'conversion_history'] as const;
export type FamilyName = (typeof FAMILY_NAMES)[number];

export interface FeatureFamily {
  name: FamilyName;
  /** SQL file under features/sql/ */
  file: string;
  description: string;
}

export interface FeatureDef {
  name: string;
  family: FamilyName;
  type: FeatureType;
  /** Column type in customer_features. */
  sqlType: 'VARCHAR' | 'INTEGER' | 'DOUBLE' | 'BOOLEAN';
  description: string;
}

export const FAMILIES: readonly FeatureFamily[] = [
  { name: 'profile', file: 'profile.sql', description: 'static CRM profile as of the snapshot time' },
  {
    name: 'contact_history',
    file: 'contact_history.sql',
    description: 'earlier call attempts and answers, opt-outs',
  },
  {
    name: 'hour_of_week',
    file: 'hour_of_week.sql',
    description: 'answer rate per local 4-hour block of the week, shrunk towards the occupation rate',
  },
  { name: 'rfm', file: 'rfm.sql', description: 'recency, frequency, monetary value of behaviour events, with quintile scores' },
  { name: 'conversion_history', file: 'conversion_history.sql', description: 'earlier conversions on calls' },
];

/** Prior strengths (pseudo-attempts) of the beta priors; the SQL files use the same numbers. */
export const PRIORS = {
  /** overall answer rate: Beta(k·p, k·(1−p)) with p the population rate before the as-of day */
  answerRate: 10,
  /** customer's rate in a block, shrunk towards the occupation's rate in that block */
  hourOfWeekCustomer: 4,
  /** occupation's rate in a block, shrunk towards everyone's rate in that block */
  hourOfWeekOccupation: 50,
  /** everyone's rate in a block, shrunk towards everyone's overall rate */
  hourOfWeekBlock: 20,
} as const;

export const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export const BLOCK_HOURS = 4;
export const BLOCKS_PER_DAY = 24 / BLOCK_HOURS;
export const HOUR_OF_WEEK_BLOCKS = DAYS.length * BLOCKS_PER_DAY;

/** Column name of local hour-of-week block `b` (0 = Monday 00:00–04:00). */
export function hourOfWeekFeature(block: number): string {
  const day = DAYS[Math.floor(block / BLOCKS_PER_DAY)];
  const hour = (block % BLOCKS_PER_DAY) * BLOCK_HOURS;
  if (day === undefined || block < 0 || !Number.isInteger(block)) throw new RangeError(`no hour-of-week block ${block}`);
  return `how_${day}_${String(hour).padStart(2, '0')}`;
}

const DAY_LABEL = { mon: 'Monday', tue: 'Tuesday', wed: 'Wednesday', thu: 'Thursday', fri: 'Friday', sat: 'Saturday', sun: 'Sunday' };

function f(family: FamilyName, name: string, type: FeatureType, sqlType: FeatureDef['sqlType'], description: string): FeatureDef {
  return { name, family, type, sqlType, description };
}

export const FEATURES: readonly FeatureDef[] = [
  f('profile', 'age_band', 'categorical', 'VARCHAR', 'age band: <18, 18-24, 25-34, 35-44, 45-54, 55-64, 65+'),
  f('profile', 'occupation', 'categorical', 'VARCHAR', 'occupation from the CRM'),
  f('profile', 'region', 'categorical', 'VARCHAR', 'region from the CRM'),
  f('profile', 'income_band', 'categorical', 'VARCHAR', 'income band from the CRM'),
  f('profile', 'tenure_months', 'numeric', 'INTEGER', 'months as a customer at the as-of time (CRM tenure aged from the record time)'),
  f('profile', 'balance', 'numeric', 'DOUBLE', 'account balance from the CRM'),
  f('profile', 'consent', 'boolean', 'BOOLEAN', 'consent to be called: the latest consent change before as-of, else the CRM flag'),

  ...(['7d', '30d', '90d'] as const).flatMap((w) => [
    f('contact_history', `attempts_${w}`, 'numeric', 'INTEGER', `call attempts in the ${w.replace('d', '')} days before as-of`),
    f('contact_history', `answered_${w}`, 'numeric', 'INTEGER', `answered attempts in the ${w.replace('d', '')} days before as-of`),
  ]),
  f('contact_history', 'attempts_total', 'numeric', 'INTEGER', 'call attempts ever before as-of'),
  f('contact_history', 'answered_total', 'numeric', 'INTEGER', 'answered attempts ever before as-of'),
  f(
    'contact_history',
    'answer_rate_smoothed',
    'numeric',
    'DOUBLE',
    `answer rate with a beta prior of ${PRIORS.answerRate} pseudo-attempts at the population rate before the as-of day`,
  ),
  f('contact_history', 'days_since_last_attempt', 'numeric', 'DOUBLE', 'days since the last attempt (null: never called)'),
  f('contact_history', 'days_since_last_answer', 'numeric', 'DOUBLE', 'days since the last answered attempt (null: never answered)'),
  f('contact_history', 'consecutive_unanswered', 'numeric', 'INTEGER', 'attempts since the last answered one (all of them if never answered)'),
  f('contact_history', 'opted_out', 'boolean', 'BOOLEAN', 'opted out or on do-not-call (consents, in-call opt-out, CRM flag) before as-of'),

  ...Array.from({ length: HOUR_OF_WEEK_BLOCKS }, (_, b) => {
    const day = DAYS[Math.floor(b / BLOCKS_PER_DAY)]!;
    const from = (b % BLOCKS_PER_DAY) * BLOCK_HOURS;
    const hh = (h: number) => `${String(h).padStart(2, '0')}:00`;
    return f(
      'hour_of_week',
      hourOfWeekFeature(b),
      'numeric',
      'DOUBLE',
      `smoothed answer rate, ${DAY_LABEL[day]} ${hh(from)}–${hh(from + BLOCK_HOURS)} customer-local time (block ${b})`,
    );
  }),

  f('rfm', 'rfm_recency_days', 'numeric', 'DOUBLE', 'days since the last behaviour event (null: none)'),
  f('rfm', 'rfm_frequency', 'numeric', 'INTEGER', 'behaviour events in the 365 days before as-of'),
  f('rfm', 'rfm_monetary', 'numeric', 'DOUBLE', 'sum of event values in the 365 days before as-of'),
  f('rfm', 'rfm_r_score', 'numeric', 'INTEGER', 'recency quintile score, 5 = most recent, 1 = oldest or none'),
  f('rfm', 'rfm_f_score', 'numeric', 'INTEGER', 'frequency quintile score, 5 = most frequent'),
  f('rfm', 'rfm_m_score', 'numeric', 'INTEGER', 'monetary quintile score, 5 = highest value'),

  f('conversion_history', 'conversions_total', 'numeric', 'INTEGER', 'converted call attempts before as-of'),
  f('conversion_history', 'conversion_value_total', 'numeric', 'DOUBLE', 'sum of conversion values before as-of'),
  f('conversion_history', 'days_since_last_conversion', 'numeric', 'DOUBLE', 'days since the last conversion (null: none)'),
];

/** Every feature, in column order. */
export function listFeatures(): FeatureDef[] {
  return FEATURES.map((d) => ({ ...d }));
}

export function featuresOf(family: FamilyName): FeatureDef[] {
  return FEATURES.filter((d) => d.family === family);
}

export function featureByName(name: string): FeatureDef | undefined {
  return FEATURES.find((d) => d.name === name);
}

/** The `dialwise features list` table: family, name, type, description. */
export function formatFeatureList(features: readonly FeatureDef[] = FEATURES): string {
  const lines: string[] = [];
  const nameWidth = Math.max(...features.map((d) => d.name.length));
  for (const family of FAMILIES) {
    const own = features.filter((d) => d.family === family.name);
    if (own.length === 0) continue;
    lines.push(`${family.name} (${family.file}) — ${family.description}`);
    for (const d of own) lines.push(`  ${d.name.padEnd(nameWidth)}  ${d.type.padEnd(11)}  ${d.description}`);
    lines.push('');
  }
  lines.push(`${features.length} features in ${FAMILIES.length} families`);
  return lines.join('\n');
}
