import { join } from 'node:path';
import {
  defineCampaign,
  loadPublishedLeads,
  OutcomeLog,
  publishedScores,
  randomOrderScores,
  runDialingDay,
  SeededRandom,
  SimulatedCarrier,
  SimulatedClock,
  type ContactHistory,
  type DayStats,
  type ScoreSource,
} from '../../dialer/index.ts';
import { ingestFile, OUTCOMES_DIR, runNightly } from '../../pipelines/index.ts';
import { generate, loadWorld, writeEventsBetween, type World } from '../../simulation/index.ts';
import { DialwiseError } from '../../contracts/index.ts';
import type { Warehouse } from '../../warehouse/index.ts';
import { oracleScores, WorldOutcomeModel } from './world-model.ts';

const DAY_MS = 86_400_000;
export const POLICIES = ['model', 'random', 'oracle'] as const;
export type Policy = (typeof POLICIES)[number];
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;

/** Options of `simulate` that cannot work (e.g. an end in the future). */
export class SimulationInputError extends DialwiseError {
  constructor(message: string) {
    super('SIMULATION_INPUT', message);
  }
}

export interface SimulateOptions {
  dataDir: string;
  customers: number;
  /** simulated dialing days, each after a nightly run */
  days: number;
  seed: number;
  /** days of imported call history before the first simulated day */
  historyDays: number;
  /** dials per policy per day (the daily dial budget) */
  dialsPerDay: number;
  /**
   * New customers joining the CRM on each simulated day (default 0): the list refills as a
   * running campaign's does, and the nightly run scores them from the night after they join.
   */
  newLeadsPerDay?: number;
  /**
   * Spread the daily budget evenly over the day (default true), as a call centre works its list
   * across its shift. False dials as fast as the lines allow from midnight UTC: the budget then
   * goes to whichever zones are open in the first hour, every day, and ranking hardly matters.
   */
  spreadDials?: boolean;
  /** concurrent robot lines */
  lines: number;
  /** share of dials that explore (uniform draws from the eligible pool) */
  exploration: number;
  /**
   * Where the simulated days end (rounded down to UTC midnight); default: the start of today.
   * Pin it to rerun a simulation as it was: the world, the draws and the weekday of every
   * simulated day then no longer depend on the date the command runs. Not after today: every
   * simulated dial lies in the past, as the ingest of its outcomes requires.
   */
  end?: Date;
  /** number of segments (fixed, to keep nights quick) */
  k?: number;
  onLog?: (line: string) => void;
}

export interface SimulationDay {
  day: number;
  dayStart: Date;
  publishedRun: string;
  stats: Record<Policy, DayStats>;
  /**
   * Per policy, the expected conversions of the day's connected calls under the true
   * probabilities (see WorldOutcomeModel.expectedConversions): `conversions` without the noise
   * of the sale draws, for comparing policies on small runs.
   */
  expectedConversions: Record<Policy, number>;
}

export interface SimulationResult {
  simId: string;
  days: SimulationDay[];
}

/**
 * The closed loop on a synthetic call centre. History is generated to end `days` days before
 * today, so every simulated dial lies in the past. Then, day after day: the CRM's feed of the
 * previous day's behaviour events, the nightly run (ingest the model dialer's outcomes → features → segments → train → gate → score → publish) and a
 * dialing day on the simulated carrier. The same day is also dialled by a random-order policy
 * and by an oracle that ranks by the true probabilities, each on its own copy of the world's
 * state (contact histories, fatigue); only the model's outcomes flow back into the warehouse.
 */
export async function simulate(wh: Warehouse, options: SimulateOptions): Promise<SimulationResult> {
  const log = options.onLog ?? (() => undefined);
  const today = Math.floor(Date.now() / DAY_MS) * DAY_MS;
  const end = options.end === undefined ? today : Math.floor(options.end.getTime() / DAY_MS) * DAY_MS;
  if (!(end <= today)) {
    throw new SimulationInputError(
      `end ${options.end?.toISOString()} is after the start of today (${new Date(today).toISOString()}): simulated dials must lie in the past; pick an earlier end.`,
    );
  }
  const firstDay = end - options.days * DAY_MS;
  const simId = `sim-${new Date().toISOString().replace(/[-:]/g, '').slice(0, 15)}-s${options.seed}`;
  const outDir = join(options.dataDir, 'generated', simId);

  log(`simulate: generating ${options.customers} customers with ${options.historyDays} days of history ending ${new Date(firstDay).toISOString().slice(0, 10)}`);
  const manifest = await generate({
    customers: options.customers,
    days: options.historyDays,
    seed: options.seed,
    endDate: firstDay,
    outDir,
    dirtyShare: 0.01,
    ...(options.newLeadsPerDay ? { arrivals: { perDay: options.newLeadsPerDay, days: options.days } } : {}),
  });
  for (const [file, kind] of [
    ['customers.csv', 'customers'],
    ['events.csv', 'events'],
    ['call_log.csv', 'call-attempts'],
  ] as const) {
    const r = await ingestFile(wh, join(outDir, file), { kind, mapping: join(outDir, manifest.files[file]!.mapping!) });
    log(`simulate: ingested ${file}: ${r.rowsLoaded} loaded, ${r.rowsQuarantined} quarantined`);
  }
  const world: World = await loadWorld(outDir);

  const histories: Record<Policy, Map<string, ContactHistory>> = { model: new Map(), random: new Map(), oracle: new Map() };
  // One clock and carrier per policy for the whole run, so each policy's world remembers what
  // its calls did (callee fatigue from answered calls carries over from day to day). The same
  // seeds for every policy: differences come from the ranking.
  const carriers = Object.fromEntries(
    POLICIES.map((p) => {
      const clock = new SimulatedClock(firstDay);
      const truth = new WorldOutcomeModel(world, options.seed * 31);
      const carrier = new SimulatedCarrier(clock, truth, new SeededRandom(options.seed * 7919));
      return [p, { clock, carrier, truth }];
    }),
  ) as Record<Policy, { clock: SimulatedClock; carrier: SimulatedCarrier; truth: WorldOutcomeModel }>;
  // One sales campaign for the whole run, as a call centre runs one: its retry policy (stop once
  // a lead was reached, at most 3 attempts per lead) holds across days, so a customer who
  // answered and said no on Monday is not called again on Tuesday. (A campaign per day restarted
  // those rules every night: every policy re-called yesterday's contacts, whose fatigue the
  // truth punishes, and whose re-call a real campaign would not make.)
  const campaign = defineCampaign({
    id: `${simId}-sales`,
    objective: 'sales',
    script: { template: 'Hello {{customer_name}}' },
    schedule: { days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], start: '09:00', end: '21:00' },
    mode: { type: 'robot', lines: options.lines },
    exploration: options.exploration,
    valuePerConversion: 100,
  });
  const days: SimulationDay[] = [];
  for (let d = 0; d < options.days; d++) {
    const dayStart = new Date(firstDay + d * DAY_MS);
    if (d > 0) {
      // the CRM's daily feed of behaviour (purchases, payments, visits) of the day just ended,
      // as the history's export had it up to the first day: without it every feature of
      // recent behaviour goes stale while the world's customers keep changing
      const file = join(outDir, `events-${new Date(dayStart.getTime() - DAY_MS).toISOString().slice(0, 10)}.csv`);
      const written = await writeEventsBetween(world, dayStart.getTime() - DAY_MS, dayStart.getTime(), file);
      const r = await ingestFile(wh, file, { kind: 'events', mapping: join(outDir, manifest.files['events.csv']!.mapping!) });
      log(`simulate: day ${d + 1}/${options.days}: the day before's ${written} behaviour events ingested (${r.rowsLoaded} loaded, ${r.rowsQuarantined} quarantined)`);
    }
    log(`simulate: day ${d + 1}/${options.days} (${dayLabel(dayStart)}): nightly run`);
    const night = await runNightly(wh, {
      dataDir: options.dataDir,
      asOf: dayStart,
      gateDays: 2,
      seed: options.seed,
      ...(options.k !== undefined ? { k: options.k } : {}),
    });
    if (night.status !== 'succeeded') throw new Error(`nightly run ${night.runId} failed: ${night.error}`);
    const { table, ref } = await loadPublishedLeads(options.dataDir);
    const sources: Record<Policy, ScoreSource> = {
      model: publishedScores(table),
      random: randomOrderScores(table.size, options.seed * 1000 + d),
      oracle: oracleScores(world, table, dayStart.getTime(), histories.oracle),
    };
    const stats = {} as Record<Policy, DayStats>;
    const expectedConversions = {} as Record<Policy, number>;
    for (const policy of POLICIES) {
      const { clock, carrier, truth } = carriers[policy];
      const expectedBefore = truth.expectedConversions;
      const outcomeLog = policy === 'model' ? OutcomeLog.open({ dir: join(options.dataDir, OUTCOMES_DIR), dialerId: `${simId}-model` }) : null;
      try {
        stats[policy] = runDialingDay({
          campaign,
          leads: table,
          scores: sources[policy],
          histories: histories[policy],
          carrier,
          clock,
          from: dayStart,
          to: new Date(dayStart.getTime() + DAY_MS),
          outcomeLog,
          seed: options.seed * 104_729 + d,
          dialerId: `${simId}-${policy}`,
          maxDials: options.dialsPerDay,
          spreadDials: options.spreadDials ?? true,
        });
      } finally {
        outcomeLog?.close();
      }
      expectedConversions[policy] = truth.expectedConversions - expectedBefore;
    }
    const day: SimulationDay = { day: d + 1, dayStart, publishedRun: ref.runId, stats, expectedConversions };
    await recordDay(wh, simId, day);
    days.push(day);
    log(formatDay(day));
  }
  return { simId, days };
}

async function recordDay(wh: Warehouse, simId: string, day: SimulationDay): Promise<void> {
  for (const policy of POLICIES) {
    const s = day.stats[policy];
    await wh.run(
      `INSERT INTO simulation_days VALUES ($sim, $day, $start, $policy, $run, $dials, $answered, $contact, $conv, $per1000, $value,
         $abandoned, $optouts, $violations, $explore, $stats)`,
      {
        sim: simId,
        day: day.day,
        start: day.dayStart,
        policy,
        run: day.publishedRun,
        dials: s.dials,
        answered: s.answered,
        contact: s.contactRate,
        conv: s.conversions,
        per1000: s.conversionsPer1000Dials,
        value: s.conversionValue,
        abandoned: s.abandonedShare,
        optouts: s.optOuts,
        violations: s.complianceViolations + s.scheduleViolations,
        explore: s.arms.explore,
        stats: JSON.stringify(s),
      },
    );
  }
}

/** "2026-12-05 Sat": the weekday matters when reading a day's figures (weekends answer differently). */
export function dayLabel(dayStart: Date): string {
  return `${dayStart.toISOString().slice(0, 10)} ${WEEKDAYS[dayStart.getUTCDay()]}`;
}

export function formatDay(day: SimulationDay): string {
  const lines = [`day ${day.day} (${dayLabel(day.dayStart)}, published ${day.publishedRun})`];
  // expected/1000: the same rate from the true conversion probabilities of the calls connected,
  // without the noise of the sale draws (the steadier figure for one day's comparison)
  lines.push(`  ${'policy'.padEnd(8)} ${'dials'.padStart(7)} ${'contact'.padStart(8)} ${'conv'.padStart(6)} ${'conv/1000'.padStart(10)} ${'expected/1000'.padStart(14)} ${'abandon'.padStart(8)} ${'violations'.padStart(10)}`);
  for (const policy of POLICIES) {
    const s = day.stats[policy];
    const expected = s.dials ? (1000 * day.expectedConversions[policy]) / s.dials : 0;
    lines.push(
      `  ${policy.padEnd(8)} ${String(s.dials).padStart(7)} ${(100 * s.contactRate).toFixed(1).padStart(7)}% ${String(s.conversions).padStart(6)} ${s.conversionsPer1000Dials.toFixed(1).padStart(10)} ${expected.toFixed(1).padStart(14)} ${(100 * s.abandonedShare).toFixed(2).padStart(7)}% ${String(s.complianceViolations + s.scheduleViolations).padStart(10)}`,
    );
  }
  return lines.join('\n');
}
