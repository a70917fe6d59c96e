/**
 * npm run bench:dialer [-- --leads 1000000 --capacity 5000 --day-leads 300000 --lines 1000 --calls 100000]
 *
 * 1. Hopper refill from `--leads` leads (toy published scores, three zones): the first pass, a
 *    full re-rank at an epoch boundary (flush + top-`capacity`), and an incremental top-up after
 *    half the hopper was dialled. Peer, in the same run: the obvious implementation — every
 *    eligible lead's local hour through the zone lookup per lead, expected values into an array of
 *    objects, full sort, slice.
 * 2. A simulated dialing day: robot mode on `--lines` lines until `--calls` dials, with the toy
 *    outcome model on the simulated carrier and the outcome log fsyncing to a temp dir; wall time.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import {
  Hopper,
  OutcomeLog,
  SeededRandom,
  SimulatedCarrier,
  SimulatedClock,
  ToyOutcomeModel,
  decide,
  defineCampaign,
  localHourOfWeek,
  publishedScores,
  runDialingDay,
  toyLeadTable,
} from '../dialer/index.ts';
import type { LeadTable } from '../dialer/index.ts';

const { values } = parseArgs({
  options: {
    leads: { type: 'string', default: '1000000' },
    capacity: { type: 'string', default: '5000' },
    'day-leads': { type: 'string', default: '300000' },
    lines: { type: 'string', default: '1000' },
    calls: { type: 'string', default: '100000' },
  },
});
const N = Number(values.leads);
const CAPACITY = Number(values.capacity);
const DAY_LEADS = Number(values['day-leads']);
const LINES = Number(values.lines);
const CALLS = Number(values.calls);
const log = (s: string) => console.log(s);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (ms: number) => `${ms.toFixed(1)} ms`;

const campaign = defineCampaign({
  id: 'bench',
  objective: 'sales',
  script: { template: 'Hello {{customer_name}}, about {{amount}}' },
  schedule: { days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], start: '08:00', end: '21:00' },
  mode: { type: 'robot', lines: LINES },
  exploration: 0.1,
  valuePerConversion: 100,
  hopper: { size: CAPACITY },
});
const model = new ToyOutcomeModel({ seed: 3 });

/** The peer: per-lead zone lookup, objects, full sort. */
function naiveRank(leads: LeadTable, t: number, k: number): number[] {
  const c = leads.columns;
  const rows: { i: number; ev: number }[] = [];
  const now = new Date(t);
  const policy = campaign.policyFor(null);
  const open = new Map<string, boolean>();
  for (let i = 0; i < leads.size; i++) {
    const zone = c.timezone[i]!;
    let o = open.get(zone);
    if (o === undefined) {
      o = decide(leads.facts(i), null, now, policy).allowed;
      open.set(zone, o);
    }
    if (!o) continue;
    const how = localHourOfWeek(t, zone);
    rows.push({ i, ev: c.pConvert[i]! * leads.pAnswerAt(i, how) * 100 });
  }
  rows.sort((a, b) => b.ev - a.ev);
  return rows.slice(0, k).map((r) => r.i);
}

function benchRefill(): void {
  log(`\n## hopper refill: ${N.toLocaleString('en-US')} leads, hopper of ${CAPACITY.toLocaleString('en-US')}`);
  let t0 = performance.now();
  const leads = toyLeadTable(N, model, { seed: 3 });
  log(`  setup: toy lead table in ${fmt(performance.now() - t0)} (p_answer ${(leads.columns.pAnswer.byteLength / 2 ** 20).toFixed(0)} MiB, hour-major)`);
  const hopper = new Hopper({
    leads,
    scores: publishedScores(leads),
    policyOf: (i) => campaign.policyFor(leads.columns.country[i] ?? null),
    histories: new Map(),
    capacity: CAPACITY,
    exploration: 0.1,
    valuePerConversion: 100,
    rng: new SeededRandom(1),
  });
  // Tuesday 2024-06-11 13:00Z: London, New York open; Sydney closed (23:00)
  const t = Date.parse('2024-06-11T13:00:00Z');
  t0 = performance.now();
  hopper.start(t);
  log(`  start (decide per lead, shared for leads without history): ${fmt(performance.now() - t0)}`);
  const first = hopper.refill(t);
  log(`  first pass (cold): ${fmt(first.ms)} — ${first.eligible.toLocaleString('en-US')} eligible, ${first.added} added`);
  const full: number[] = [];
  for (let k = 1; k <= 9; k++) full.push(hopper.refill(t + k * 15 * 60_000).ms);
  const epochT = t + 10 * 15 * 60_000;
  const fullMs = median(full);
  log(`  full re-rank at an epoch boundary (flush + top-${CAPACITY}): median ${fmt(fullMs)} of ${full.length}`);
  const inc: number[] = [];
  let tt = epochT;
  hopper.refill(tt);
  for (let k = 0; k < 7; k++) {
    tt += 1000;
    for (let j = 0; j < CAPACITY / 2 + 1; j++) hopper.pick(tt);
    inc.push(hopper.lastPass!.ms);
  }
  const incMs = median(inc);
  log(`  incremental top-up after ${CAPACITY / 2 + 1} dials: median ${fmt(incMs)} (${hopper.lastPass!.added} added, pool ${hopper.lastPass!.eligible.toLocaleString('en-US')})`);
  // the peer, same data and instant
  naiveRank(leads, epochT, CAPACITY); // warm-up
  const peer: number[] = [];
  for (let k = 0; k < 3; k++) {
    t0 = performance.now();
    naiveRank(leads, epochT, CAPACITY);
    peer.push(performance.now() - t0);
  }
  const peerMs = median(peer);
  log(`  peer (per-lead zone lookup, objects, full sort): median ${fmt(peerMs)} of ${peer.length}`);
  log(`  ratio peer / hopper full re-rank: ${(peerMs / fullMs).toFixed(1)}×`);
}

function benchDay(): void {
  log(`\n## simulated day: robot mode, ${LINES} lines, ${CALLS.toLocaleString('en-US')} dials, ${DAY_LEADS.toLocaleString('en-US')} leads, toy outcome model`);
  let t0 = performance.now();
  const leads = toyLeadTable(DAY_LEADS, model, { seed: 5 });
  log(`  setup: ${fmt(performance.now() - t0)}`);
  const dir = mkdtempSync(join(tmpdir(), 'dialwise-bench-dialer-'));
  try {
    for (const withLog of [true, false]) {
      const from = Date.parse('2024-06-11T00:00:00Z');
      const clock = new SimulatedClock(from);
      const carrier = new SimulatedCarrier(clock, model, new SeededRandom(9));
      const outcomeLog = withLog ? OutcomeLog.open({ dir, dialerId: 'bench' }) : null;
      t0 = performance.now();
      const cpu0 = process.cpuUsage();
      const s = runDialingDay({
        campaign,
        leads,
        histories: new Map(),
        carrier,
        clock,
        from,
        to: from + 24 * 3_600_000,
        outcomeLog: outcomeLog ?? { append: () => {} },
        maxDials: CALLS,
        dialerId: 'bench',
        seed: 9,
      });
      outcomeLog?.close();
      const wall = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      log(withLog ? '  with the outcome log (fsync every 256 records):' : '  the same day, outcome lines discarded (no disk):');
      log(`    wall time ${(wall / 1000).toFixed(2)} s (${((1000 * s.dials) / wall).toFixed(0)} dials/s, ${((wall * 1000) / s.dials).toFixed(1)} µs per dial), CPU ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s`);
      if (!withLog) continue;
      log(`    (includes start-of-day decide() for every lead and the compliance audit of every dial)`);
      log(`    dials ${s.dials.toLocaleString('en-US')}, simulated events ${s.events.toLocaleString('en-US')}, peak live calls ${s.peakLiveCalls}`);
      log(`    contact rate ${(100 * s.contactRate).toFixed(1)} %, conversions/1000 dials ${s.conversionsPer1000Dials.toFixed(1)}, explore share ${((100 * s.arms.explore) / s.dials).toFixed(1)} %`);
      log(`    hopper: ${s.hopper.passes} passes, ${fmt(s.hopper.passMs)} in passes, ${s.hopper.decides.toLocaleString('en-US')} decide() calls, ${s.hopper.refusals} refusals`);
      log(`    compliance violations (audit): ${s.complianceViolations}; outcome log: ${outcomeLog!.synced.toLocaleString('en-US')} records fsynced`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

log(`bench:dialer — node ${process.version}, load average ${(await import('node:os')).loadavg().map((x) => x.toFixed(1)).join(' ')} (timings are wall clock)`);
benchRefill();
benchDay();
