// Feature snapshot, training rows and graph build on a synthetic warehouse made directly in SQL.
//
//   npm run bench:features [-- --customers 1000000 --attempts 20000000 --events-per-customer 5 --spine-days 7]
//
// The warehouse (in memory) is generated with generate_series and hash-based pseudo-random
// values, so 1M customers / 20M attempts take seconds to make and are the same every run.
// Timed: buildSnapshot (every customer as of one time, 67 features, stats), buildTrainingRows
// (every attempt of the last --spine-days days, each as of its own start), and buildGraph with
// typed-array union-find. Peers, in the same run (skip with --no-peer): for the graph, the same
// edges split by graphology's connectedComponents (engine 'graphology'); for training rows, the
// per-row loop the spine avoids (one query per row against the raw call log, contact counts
// only, on 20 rows).
import { availableParallelism, cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { attemptSpine, buildGraph, buildSnapshot, buildTrainingRows, FEATURES } from '../features/index.ts';
import { Warehouse } from '../warehouse/index.ts';

const { values: args } = parseArgs({
  options: {
    customers: { type: 'string', default: '1000000' },
    attempts: { type: 'string', default: '20000000' },
    'events-per-customer': { type: 'string', default: '5' },
    'spine-days': { type: 'string', default: '7' },
    'no-peer': { type: 'boolean', default: false },
    threads: { type: 'string' },
    /** keep the generated warehouse in this directory and reuse it on the next run */
    dir: { type: 'string' },
  },
});
const N = Number(args.customers);
const M = Number(args.attempts);
const E = Math.round(N * Number(args['events-per-customer']));
const SPINE_DAYS = Number(args['spine-days']);
const PEER_ROWS = 20;
const START = new Date('2024-01-01T00:00:00Z');
const DAYS = 180;
const AS_OF = new Date(START.getTime() + DAYS * 86_400_000);

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

async function timed<T>(label: string, fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const t = performance.now();
  const value = await fn();
  const ms = performance.now() - t;
  console.log(`${label.padEnd(34)} ${secs(ms)}`);
  return { value, ms };
}

// u(x, salt) ∈ [0, 1): a deterministic pseudo-random number per row and purpose.
const U = (expr: string, salt: string) => `((hash(${expr}, '${salt}') % 1000000)::DOUBLE / 1000000.0)`;

async function generate(wh: Warehouse): Promise<void> {
  // range() produces rows on one thread; scanning a table of numbers lets both cores compute
  await wh.run(`CREATE OR REPLACE TEMP TABLE nums AS SELECT range AS i FROM range(${Math.max(N, M, E)})`);
  await wh.run(`
    INSERT INTO customers (customer_id, name, phone_e164, phone_hash, timezone, country, region, age, gender, occupation,
                           income_band, tenure_months, balance, consent, dnc, attributes, created_at, updated_at, source)
    SELECT 'C' || lpad(i::VARCHAR, 8, '0'),
           'Customer ' || i,
           NULL,
           -- 5 % of customers share a number with up to two neighbours (households, wrong numbers)
           'ph' || CASE WHEN ${U('i', 'share')} < 0.05 THEN i - i % 3 ELSE i END,
           (['Europe/London', 'America/New_York', 'America/Los_Angeles', 'Australia/Sydney', 'Asia/Kolkata', 'Europe/Berlin'])
             [1 + (hash(i, 'tz') % 6)::INTEGER],
           NULL,
           'R' || (hash(i, 'region') % 12),
           (18 + ${U('i', 'age')} * 62)::INTEGER,
           CASE WHEN ${U('i', 'g')} < 0.5 THEN 'f' ELSE 'm' END,
           (['nurse', 'teacher', 'engineer', 'retired', 'student', 'driver', 'clerk', 'manager', 'farmer', 'chef'])
             [1 + (hash(i, 'occ') % 10)::INTEGER],
           (['low', 'mid', 'high', 'very_high'])[1 + (hash(i, 'inc') % 4)::INTEGER],
           (${U('i', 'tenure')} * 240)::INTEGER,
           round(${U('i', 'bal')} * 5000, 2),
           ${U('i', 'consent')} < 0.9,
           ${U('i', 'dnc')} < 0.01,
           CASE WHEN ${U('i', 'hh')} < 0.1 THEN json_object('household_id', 'H' || (i // 4)) END,
           TIMESTAMPTZ '2023-01-01 00:00:00+00',
           TIMESTAMPTZ '2023-06-01 00:00:00+00',
           'bench'
    FROM nums WHERE i < ${N}`);
  await wh.run(`
    INSERT INTO call_attempts (attempt_id, campaign_id, customer_id, phone_hash, started_at, disposition, ring_seconds, talk_seconds,
                               converted, conversion_value, opted_out, handled_by, source)
    SELECT 'A' || j,
           'K' || (hash(j, 'camp') % 5),
           'C' || lpad(c::VARCHAR, 8, '0'),
           'ph' || CASE WHEN ${U('c', 'share')} < 0.05 THEN c - c % 3 ELSE c END,
           TIMESTAMPTZ '${START.toISOString()}' + to_seconds((hash(j, 't') % ${DAYS * 86400})::BIGINT),
           CASE WHEN ans THEN 'answered' WHEN ${U('j', 'd2')} < 0.7 THEN 'no_answer' WHEN ${U('j', 'd3')} < 0.5 THEN 'voicemail' ELSE 'busy' END,
           (${U('j', 'ring')} * 30)::INTEGER,
           CASE WHEN ans THEN (${U('j', 'talk')} * 300)::INTEGER END,
           ans AND ${U('j', 'conv')} < 0.08,
           CASE WHEN ans AND ${U('j', 'conv')} < 0.08 THEN round(${U('j', 'val')} * 200, 2) END,
           ans AND ${U('j', 'opt')} < 0.003,
           'robot',
           'bench'
    FROM (SELECT i AS j, hash(i, 'cust') % ${N} AS c, ${U('i', 'ans')} < 0.3 AS ans FROM nums WHERE i < ${M})`);
  await wh.run(`
    INSERT INTO consents (consent_id, customer_id, phone_hash, kind, effective_at, source, reason)
    SELECT 'opt_out|' || attempt_id, customer_id, phone_hash, 'opt_out', started_at, 'bench', 'opted out during call'
    FROM call_attempts WHERE opted_out`);
  await wh.run(`
    INSERT INTO events (event_id, customer_id, ts, type, value, source)
    SELECT 'E' || k,
           'C' || lpad((hash(k, 'cust') % ${N})::VARCHAR, 8, '0'),
           TIMESTAMPTZ '2023-06-01 00:00:00+00' + to_seconds((hash(k, 't') % ${(DAYS + 214) * 86400})::BIGINT),
           (['purchase', 'visit', 'payment'])[1 + (hash(k, 'type') % 3)::INTEGER],
           CASE WHEN hash(k, 'type') % 3 <> 1 THEN round(${U('k', 'v')} * 100, 2) END,
           'bench'
    FROM (SELECT i AS k FROM nums WHERE i < ${E})`);
  await wh.run('DROP TABLE nums');
}

console.log(
  `features bench: ${fmt(N)} customers, ${fmt(M)} attempts, ${fmt(E)} events; ${FEATURES.length} features; ` +
    `node ${process.version}, ${availableParallelism()} cores (${cpus()[0]?.model ?? '?'})`,
);
const wh = await Warehouse.open(args.dir ?? ':memory:', args.threads ? { threads: Number(args.threads) } : {});
const existing = await wh.one<{ n: number }>('SELECT count(*) AS n FROM customers');
if (existing.n === 0) await timed('generate warehouse (SQL)', () => generate(wh));
else console.log(`reusing the warehouse in ${args.dir} (${fmt(existing.n)} customers)`);

const snap = await timed('buildSnapshot', () => buildSnapshot(wh, { asOf: AS_OF }));
console.log(`  ${fmt(snap.value.rows)} customer rows · ${fmt(snap.value.rows / (snap.ms / 1000))} customers/s · ${fmt(M / (snap.ms / 1000))} attempts/s`);

const spineFrom = new Date(AS_OF.getTime() - SPINE_DAYS * 86_400_000);
const training = await timed(`buildTrainingRows (last ${SPINE_DAYS} d)`, () =>
  buildTrainingRows(wh, { spine: attemptSpine({ from: spineFrom, to: AS_OF }) }),
);
const setRate = training.value.rows / (training.ms / 1000);
console.log(`  ${fmt(training.value.rows)} attempt rows, each as of its own start · ${fmt(setRate)} rows/s`);
if (!args['no-peer']) {
  // peer: the per-row loop the spine design avoids — one parameterised query per training
  // row against the raw call log, and only for the contact-history counts (8 of the features)
  const sample = await wh.query<{ customer_id: string; as_of: Date }>(
    `SELECT customer_id, as_of FROM training_rows ORDER BY hash(attempt_id) LIMIT $n`,
    { n: PEER_ROWS },
  );
  const t0 = performance.now();
  for (const r of sample) {
    await wh.one(
      `SELECT count(*) AS attempts_total, count_if(disposition = 'answered') AS answered_total,
              count_if(started_at >= $t - INTERVAL 7 DAY) AS attempts_7d, count_if(started_at >= $t - INTERVAL 30 DAY) AS attempts_30d,
              count_if(started_at >= $t - INTERVAL 90 DAY) AS attempts_90d, max(started_at) AS last_attempt
       FROM call_attempts WHERE customer_id = $c AND started_at < $t`,
      { c: r.customer_id, t: r.as_of },
    );
  }
  const loopRate = sample.length / ((performance.now() - t0) / 1000);
  console.log(
    `  peer: per-row query loop (contact counts only) ${loopRate.toFixed(1)} rows/s on ${sample.length} rows → set-based ×${fmt(setRate / loopRate)}`,
  );
}
await wh.run('DROP TABLE IF EXISTS training_rows');

const graph = await timed('buildGraph (union-find)', () => buildGraph(wh, { asOf: AS_OF }));
const g = graph.value;
console.log(
  `  ${fmt(g.customers)} customers, ${fmt(g.numbers)} numbers, ${fmt(g.householdKeys)} household keys, ${fmt(g.edges)} edges → ` +
    `${fmt(g.households)} households (largest ${g.largestHousehold}), ${fmt(g.sharedNumbers)} shared numbers, ` +
    `${fmt(g.blockedNumbers)} blocked numbers, ${fmt(g.blockedCustomers)} blocked customers`,
);
const t = g.timings;
console.log(
  `  phases: SQL ids/edges ${t.prepare.toFixed(2)} s · read edges ${t.read.toFixed(2)} s · components ${t.components.toFixed(3)} s · write ${t.write.toFixed(2)} s · ${fmt(g.customers / g.seconds)} customers/s`,
);
if (!args['no-peer']) {
  const peer = await timed('buildGraph (graphology peer)', () => buildGraph(wh, { asOf: AS_OF, engine: 'graphology' }));
  const same = await wh.one<{ n: number }>(
    `SELECT count(*) AS n FROM customer_graph a JOIN customer_graph b USING (customer_id)
     WHERE a.graph_run_id = $a AND b.graph_run_id = $b AND a.household_id <> b.household_id`,
    { a: g.graphRunId, b: peer.value.graphRunId },
  );
  console.log(
    `  components: union-find ${g.timings.components.toFixed(3)} s vs graphology ${peer.value.timings.components.toFixed(2)} s ` +
      `(×${(peer.value.timings.components / Math.max(g.timings.components, 1e-6)).toFixed(0)}); whole build ×${(peer.ms / graph.ms).toFixed(1)}; ` +
      `households differing: ${same.n}`,
  );
}
await wh.close();
