/**
 * The ground truth on disk, next to (never inside) the exports: `truth/customers.parquet` for
 * analysis in SQL/notebooks and `truth/world.json`, from which `loadWorld` re-creates the exact
 * World (same seed + parameters → same truth) for the simulated carrier and the oracle.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { GENDERS, INCOME_BANDS, OCCUPATIONS } from './catalog.ts';
import { WorldMismatchError, WorldNotFoundError } from './errors.ts';
import type { HistoryOptions, HistoryState } from './history.ts';
import { sha256File, TextSink } from './sink.ts';
import { COEF, HOURS_PER_WEEK, OCCUPATION_PROFILES, shiftOf, TRUTH_MODEL_VERSION } from './truth.ts';
import { createWorld, customerIdOf, World, type WorldParams } from './world.ts';

export interface TruthFile {
  format: 'parquet' | 'json';
  bytes: number;
  sha256: string;
  rows?: number;
}

export interface TruthFiles {
  files: Record<string, TruthFile>;
}

/** Contents of truth/world.json. */
export interface WorldFile {
  format: 'dialwise-sim-truth/1';
  truthModelVersion: number;
  params: WorldParams;
  history: Required<HistoryOptions>;
  /** Hash of a sample of re-computed truth: loadWorld checks the code still produces it. */
  fingerprint: string;
  coefficients: typeof COEF;
  occupations: readonly string[];
  /** Base answer logits per occupation × local hour-of-week (shift workers: per-customer rota). */
  occupationAnswerLogits: Record<string, number[]>;
  columns: Record<string, string>;
}

const TRUTH_COLUMNS: Record<string, string> = {
  customer_id: 'canonical customer id (matches CustID / ClientNo in the exports)',
  customer_index: 'index in the World (0-based), the argument of every truth function',
  phone_e164: 'true number in E.164',
  shared_number: "none | household (same surname) | recycled (different person)",
  phone_owner_id: 'customer_id of the first customer who held the number',
  wrong_number: 'the number on file does not reach this customer (recycled, dead or mistyped)',
  country: 'ISO 3166 country of the number',
  region: 'CRM region',
  timezone: 'IANA zone; answer_p is indexed by local hour-of-week in this zone',
  occupation: 'canonical occupation',
  age: 'years',
  gender: 'male | female | other',
  income_band: 'canonical income band',
  tenure_months: 'at endDate',
  balance: 'account balance at endDate',
  consent: 'marketing consent',
  dnc_initial: 'on the do-not-call list before the history',
  opted_out_in_history: 'asked not to be called again during the history (DoNotCall = Y in customers.csv)',
  created_at: 'UTC',
  answer_level: 'individual answer-logit shift',
  answer_hour_shift: 'individual shift of the daily answer curve, hours',
  shift_rota: 'shift workers: shift per weekday Monday…Sunday (O off, E 06–14, L 14–22, N 22–06), else empty',
  voicemail_p: 'P(voicemail picks up | not answered, not rejected)',
  reject_p: 'P(customer rejects the call | not answered)',
  talk_factor: 'multiplier of talk time',
  engagement_e0: 'mean log-engagement (drives events and conversion)',
  engagement_amplitude: 'amplitude of the seasonal log-engagement cycle',
  engagement_period_days: 'period of that cycle',
  engagement_phase: 'phase of that cycle (radians, at endDate)',
  engagement_slope_per_180d: 'trend of log-engagement per 180 days',
  conversion_static_logit: 'time-independent part of the conversion logit',
  p_convert_at_end: 'conversionProbability at endDate with no recent contacts',
  opt_out_p: 'optOutProbability with no recent contacts',
  answer_p: 'FLOAT[168]: answerProbability by local hour-of-week, Monday 00:00 = 0 … Sunday 23:00 = 167',
};

/** answer_p is staged as 168 integer columns (p × 10⁴): DuckDB parses those far faster than list text. */
const P4: readonly string[] = Array.from({ length: 10_001 }, (_, k) => String(k));
const ANSWER_COLUMNS = Array.from({ length: HOURS_PER_WEEK }, (_, h) => `a${h}`);
const SCALAR_COLUMNS = Object.keys(TRUTH_COLUMNS).filter((c) => c !== 'answer_p');

/** Hash of re-computable truth for a sample of customers. */
export function worldFingerprint(world: World): string {
  const h = createHash('sha256');
  const samples = Math.min(world.size, 64);
  const ap = new Float64Array(HOURS_PER_WEEK);
  for (let s = 0; s < samples; s++) {
    const i = Math.floor((s * world.size) / samples);
    world.answerProbabilities(i, ap);
    h.update(`${i}|${world.phoneE164(i)}|${world.isWrongNumber(i)}|`);
    h.update(Array.from(ap, (v) => v.toFixed(9)).join(','));
    h.update(`|${world.conversionProbability(i, world.endMs).toFixed(9)}|${world.optOutProbability(i).toFixed(9)}\n`);
    h.update(world.events(i, world.eventOriginMs, world.endMs).map((e) => `${e.ts}:${e.type}:${e.value}`).join(';'));
  }
  return h.digest('hex');
}

export async function writeTruth(
  world: World,
  state: HistoryState,
  o: {
    dir: string;
    stagePath: string;
    con: DuckDBConnection;
    history: HistoryOptions;
    onProgress: (rows: number) => void;
  },
): Promise<TruthFiles> {
  await mkdir(o.dir, { recursive: true });
  const stage = new TextSink(o.stagePath);
  stage.write([...SCALAR_COLUMNS, ...ANSWER_COLUMNS].join(',') + '\n');
  const ap = new Float64Array(HOURS_PER_WEEK);
  const parts = new Array<string>(HOURS_PER_WEEK);
  const SHIFT_LETTERS = ['O', 'E', 'L', 'N'];
  const f6 = (x: number): string => x.toFixed(6);
  for (let i = 0; i < world.size; i++) {
    world.answerProbabilities(i, ap);
    for (let h = 0; h < HOURS_PER_WEEK; h++) parts[h] = P4[Math.round((ap[h] as number) * 10_000)] as string;
    const region = world.regionOf(i);
    let rota = '';
    if (OCCUPATIONS[world.occupation[i] as number] === 'shift_worker') {
      for (let d = 0; d < 7; d++) rota += SHIFT_LETTERS[shiftOf(world.rota[i] as number, d)];
    }
    const row =
      customerIdOf(i) + ',' +
      i + ',' +
      world.phoneE164(i) + ',' +
      world.sharedNumberKind(i) + ',' +
      customerIdOf(world.phoneOwner[i] as number) + ',' +
      world.isWrongNumber(i) + ',' +
      region.country + ',' +
      region.code + ',' +
      region.timezone + ',' +
      OCCUPATIONS[world.occupation[i] as number] + ',' +
      (world.age[i] as number) + ',' +
      GENDERS[world.gender[i] as number] + ',' +
      INCOME_BANDS[world.income[i] as number] + ',' +
      (world.tenureMonths[i] as number) + ',' +
      ((world.balanceCents[i] as number) / 100).toFixed(2) + ',' +
      (world.consent[i] === 1) + ',' +
      (world.dnc[i] === 1) + ',' +
      (state.optedOut[i] === 1) + ',' +
      new Date(world.createdMs[i] as number).toISOString() + ',' +
      f6(world.answerLevel[i] as number) + ',' +
      (world.answerShift[i] as number) + ',' +
      rota + ',' +
      f6(world.voicemailP[i] as number) + ',' +
      f6(world.rejectP[i] as number) + ',' +
      f6(world.talkFactor[i] as number) + ',' +
      f6(world.e0[i] as number) + ',' +
      f6(world.amp[i] as number) + ',' +
      f6(world.periodDays[i] as number) + ',' +
      f6(world.phase[i] as number) + ',' +
      f6(world.slope[i] as number) + ',' +
      f6(world.convStatic[i] as number) + ',' +
      world.conversionProbability(i, world.endMs).toFixed(8) + ',' +
      world.optOutProbability(i).toFixed(8) + ',' +
      parts.join(',') + '\n';
    stage.write(row);
    if ((i & 0x3fff) === 0x3fff) {
      await stage.maybeFlush();
      o.onProgress(i + 1);
    }
  }
  await stage.close();
  const parquetPath = join(o.dir, 'customers.parquet');
  await o.con.run(TRUTH_TO_PARQUET, { src: o.stagePath, dst: parquetPath });
  o.onProgress(world.size);

  const worldFile: WorldFile = {
    format: 'dialwise-sim-truth/1',
    truthModelVersion: TRUTH_MODEL_VERSION,
    params: world.params,
    history: { dialsPerCustomerPerDay: o.history.dialsPerCustomerPerDay ?? 0.1 },
    fingerprint: worldFingerprint(world),
    coefficients: COEF,
    occupations: OCCUPATIONS,
    occupationAnswerLogits: Object.fromEntries(
      OCCUPATIONS.filter((occ) => occ !== 'shift_worker').map((occ) => [
        occ,
        Array.from(OCCUPATION_PROFILES[OCCUPATIONS.indexOf(occ)] as Float32Array),
      ]),
    ),
    columns: TRUTH_COLUMNS,
  };
  const worldPath = join(o.dir, 'world.json');
  await writeFile(worldPath, JSON.stringify(worldFile, null, 2) + '\n');
  return {
    files: {
      'customers.parquet': { format: 'parquet', rows: world.size, ...(await sha256File(parquetPath)) },
      'world.json': { format: 'json', ...(await sha256File(worldPath)) },
    },
  };
}

const TRUTH_TO_PARQUET = `
COPY (
  SELECT
    customer_id,
    customer_index::INTEGER AS customer_index,
    phone_e164,
    shared_number,
    phone_owner_id,
    wrong_number::BOOLEAN AS wrong_number,
    country,
    region,
    timezone,
    occupation,
    age::INTEGER AS age,
    gender,
    income_band,
    tenure_months::INTEGER AS tenure_months,
    balance::DECIMAL(14, 2) AS balance,
    consent::BOOLEAN AS consent,
    dnc_initial::BOOLEAN AS dnc_initial,
    opted_out_in_history::BOOLEAN AS opted_out_in_history,
    created_at::TIMESTAMPTZ AS created_at,
    answer_level::DOUBLE AS answer_level,
    answer_hour_shift::INTEGER AS answer_hour_shift,
    shift_rota,
    voicemail_p::DOUBLE AS voicemail_p,
    reject_p::DOUBLE AS reject_p,
    talk_factor::DOUBLE AS talk_factor,
    engagement_e0::DOUBLE AS engagement_e0,
    engagement_amplitude::DOUBLE AS engagement_amplitude,
    engagement_period_days::DOUBLE AS engagement_period_days,
    engagement_phase::DOUBLE AS engagement_phase,
    engagement_slope_per_180d::DOUBLE AS engagement_slope_per_180d,
    conversion_static_logit::DOUBLE AS conversion_static_logit,
    p_convert_at_end::DOUBLE AS p_convert_at_end,
    opt_out_p::DOUBLE AS opt_out_p,
    [${ANSWER_COLUMNS.map((a) => `${a} / 10000`).join(', ')}]::FLOAT[168] AS answer_p
  FROM read_csv($src, header = true, delim = ',', quote = '"', escape = '"', auto_detect = false,
    columns = {${[...SCALAR_COLUMNS.map((c) => `'${c}': 'VARCHAR'`), ...ANSWER_COLUMNS.map((a) => `'${a}': 'USMALLINT'`)].join(', ')}})
) TO $dst (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 32768)`;

/**
 * Re-creates the World of a generated folder (`<outDir>` or `<outDir>/truth`) from
 * truth/world.json, and checks that this code still produces the same truth.
 */
export async function loadWorld(dir: string): Promise<World> {
  const file = await readWorldFile(dir);
  const world = createWorld(file.params);
  const fp = worldFingerprint(world);
  if (fp !== file.fingerprint) {
    throw new WorldMismatchError(
      `the truth in ${dir} was made by a different version of simulation/ (fingerprint differs): regenerate it with \`dialwise generate --seed ${file.params.seed} --customers ${file.params.customers} --days ${file.params.days}\``,
    );
  }
  return world;
}

/** Reads truth/world.json of a generated folder (`<outDir>` or `<outDir>/truth`). */
export async function readWorldFile(dir: string): Promise<WorldFile> {
  const candidates = [join(dir, 'truth', 'world.json'), join(dir, 'world.json')];
  const path = candidates.find((p) => existsSync(p));
  if (!path) {
    throw new WorldNotFoundError(`no truth/world.json under ${dir}: run \`dialwise generate\` (with truth enabled) to create one`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    throw new WorldNotFoundError(`${path} is not valid JSON: regenerate the folder with \`dialwise generate\``, { cause: e });
  }
  const f = parsed as Partial<WorldFile>;
  if (f.format !== 'dialwise-sim-truth/1' || typeof f.params !== 'object' || f.params === null) {
    throw new WorldNotFoundError(`${path} is not a Dialwise simulation truth file (format ${String(f.format)})`);
  }
  return f as WorldFile;
}
