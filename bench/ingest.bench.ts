/**
 * npm run bench:ingest [-- --rows 10000000 --customers 200000 --repeat 1 --events 0 --floor --crm]
 *
 * Ingests a generated call-log CSV (CRM-style names, naive local times, result codes, Y/N,
 * dialled numbers) through the full pipeline — mapping, validation, phone normalisation,
 * dedup, idempotency check, quarantine — and times it against plain DuckDB reading the same
 * file into a table (`CREATE TABLE … AS SELECT * FROM read_csv(…)`), in the same run.
 *
 * Besides wall time it prints each side's CPU time (DuckDB's threads run inside this process):
 * on a shared machine the wall-clock ratio moves with other people's load, the CPU ratio much
 * less. The load average is printed with the result. `--repeat N` runs both sides N times (each
 * run into a fresh warehouse and a fresh table) and compares the best and the median runs: the
 * same work swings by a fifth from run to run on a shared 2-core machine.
 *
 * `--floor` also times the same file through the three writes the ingest cannot avoid (staged
 * text, a typed copy, the insert into `call_attempts`) with no cleaning, checks or joins beyond
 * the phone hash: the most any validated ingest of this design could reach.
 *
 * `--crm` writes the call log as CRM exports (and `dialwise generate`) often do: day-first
 * times (`31/01/2024 08:00:00`) read through the mapping's own format, and the Y/N flags
 * mapped to yes/no in the mapping's value map.
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';
import { ingestFile } from '../pipelines/index.ts';
import { quoteLiteralPath, Warehouse } from '../warehouse/index.ts';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '10000000' },
    customers: { type: 'string', default: '200000' },
    repeat: { type: 'string', default: '1' },
    // also an events file of this many rows, against plain DuckDB on the same file (0: none)
    events: { type: 'string', default: '0' },
    keep: { type: 'boolean', default: false },
    floor: { type: 'boolean', default: false },
    crm: { type: 'boolean', default: false },
  },
});
const rows = Number(values.rows);
const customers = Number(values.customers);
const events = Number(values.events);
const repeat = Math.max(1, Number(values.repeat));
const dir = mkdtempSync(join(tmpdir(), 'dialwise-bench-ingest-'));
const log = (s: string) => console.log(s);

/** The day-first time format of `--crm` files (our own constant, safe in SQL). */
const CRM_TIME_FORMAT = '%d/%m/%Y %H:%M:%S';

async function makeFiles(): Promise<{ customersCsv: string; callsCsv: string }> {
  const customersCsv = join(dir, 'customers.csv');
  const callsCsv = join(dir, 'call_log.csv');
  const inst = await DuckDBInstance.create(':memory:');
  const c = await inst.connect();
  const zones = `['Europe/London','America/New_York','America/Los_Angeles','Australia/Sydney','Europe/Berlin']`;
  // UK mobile numbers 07400 000000 + i are valid for libphonenumber-js
  await c.run(`COPY (
    SELECT 'C' || i AS CustID, 'Name ' || i AS FullName,
           '07' || (400000000 + i)::VARCHAR AS Mobile, ${zones}[1 + (i % 5)::BIGINT] AS TZ, 'GB' AS Country,
           CASE WHEN i % 10 = 0 THEN 'N' ELSE 'Y' END AS Consent
    FROM range(${customers}) t(i)) TO ${quoteLiteralPath(customersCsv)} (HEADER, DELIMITER ';')`);
  await c.run(`COPY (
    SELECT 'A' || i AS CallID, 'CMP' || (i % 7) AS Campaign, 'C' || (hash(i) % ${customers}) AS CustID,
           '07' || (400000000 + hash(i) % ${customers})::VARCHAR AS DialledNumber,
           strftime(TIMESTAMP '2024-01-01 08:00:00' + to_seconds((hash(i * 7) % (200 * 86400))::BIGINT), '${values.crm ? CRM_TIME_FORMAT : '%Y-%m-%d %H:%M:%S'}') AS CallStart,
           ['ANS','NOA','BSY','VM','ANS','NOA','NOA','REJ'][1 + (hash(i * 3) % 8)::BIGINT] AS Result,
           (hash(i * 5) % 40)::INTEGER AS RingSec,
           CASE WHEN hash(i * 3) % 8 IN (0, 4) THEN (hash(i * 11) % 600)::INTEGER ELSE 0 END AS TalkSec,
           CASE WHEN hash(i * 3) % 8 IN (0, 4) AND hash(i * 13) % 10 = 0 THEN 'Y' ELSE 'N' END AS Sale,
           CASE WHEN hash(i * 3) % 8 IN (0, 4) AND hash(i * 13) % 10 = 0 THEN round((hash(i) % 50000) / 100.0, 2) END AS SaleValue,
           CASE WHEN hash(i * 17) % 500 = 0 THEN 'Y' ELSE 'N' END AS OptOut,
           CASE WHEN i % 3 = 0 THEN 'AGENT' ELSE 'ROBOT' END AS HandledBy
    FROM range(${rows}) t(i)) TO ${quoteLiteralPath(callsCsv)} (HEADER)`);
  c.closeSync();
  inst.closeSync();
  return { customersCsv, callsCsv };
}

const customerMapping = {
  columns: { CustID: 'customer_id', FullName: 'name', Mobile: 'phone', TZ: 'timezone', Country: 'country', Consent: 'consent' },
  defaultRegion: 'GB',
};
const callMapping = {
  columns: {
    CallID: 'attempt_id', Campaign: 'campaign_id', CustID: 'customer_id', DialledNumber: 'phone', CallStart: 'started_at',
    Result: 'disposition', RingSec: 'ring_seconds', TalkSec: 'talk_seconds', Sale: 'converted', SaleValue: 'conversion_value',
    OptOut: 'opted_out', HandledBy: 'handled_by',
  },
  values: {
    disposition: { ANS: 'answered', NOA: 'no_answer', BSY: 'busy', VM: 'voicemail', REJ: 'rejected' },
    handled_by: { AGENT: 'agent', ROBOT: 'robot' },
    ...(values.crm ? { converted: { Y: true, N: false }, opted_out: { Y: true, N: false } } : {}),
  },
  ...(values.crm ? { timestampFormats: { started_at: [CRM_TIME_FORMAT] } } : {}),
};

/** CPU seconds (user + system) of this process since `from`. */
const cpuSince = (from: NodeJS.CpuUsage) => {
  const u = process.cpuUsage(from);
  return (u.user + u.system) / 1e6;
};

async function plainCopy(path: string, db = 'plain.duckdb'): Promise<{ seconds: number; cpu: number }> {
  const inst = await DuckDBInstance.create(join(dir, db));
  const c = await inst.connect();
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  await c.run(`CREATE TABLE t AS SELECT * FROM read_csv(${quoteLiteralPath(path)})`);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = cpuSince(cpu0);
  c.closeSync();
  inst.closeSync();
  return { seconds, cpu };
}

/** An events file (purchases, payments, visits of the bench's customers) through ingest and through plain DuckDB. */
async function benchEvents(wh: Warehouse): Promise<void> {
  const eventsCsv = join(dir, 'events.csv');
  const inst = await DuckDBInstance.create(':memory:');
  const c = await inst.connect();
  await c.run(`COPY (
    SELECT 'E' || i AS EventID, 'C' || (hash(i) % ${customers}) AS CustID,
           strftime(TIMESTAMP '2024-01-01 08:00:00' + to_seconds((hash(i * 7) % (200 * 86400))::BIGINT), '%Y-%m-%d %H:%M:%S') AS EventTime,
           ['purchase','payment','visit','login'][1 + (hash(i * 5) % 4)::BIGINT] AS Kind, round((hash(i) % 50000) / 100.0, 2) AS Amount
    FROM range(${events}) t(i)) TO ${quoteLiteralPath(eventsCsv)} (HEADER)`);
  c.closeSync();
  inst.closeSync();
  writeFileSync(join(dir, 'events.json'), JSON.stringify({ columns: { EventID: 'event_id', CustID: 'customer_id', EventTime: 'ts', Kind: 'type', Amount: 'value' } }));
  const { seconds: plain, cpu: plainCpu } = await plainCopy(eventsCsv, 'plain-events.duckdb');
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  let loadCpu = 0;
  const report = await ingestFile(wh, eventsCsv, {
    kind: 'events',
    mapping: join(dir, 'events.json'),
    onProgress: (p) => {
      if (p.label === 'load') loadCpu = cpuSince(cpu0);
    },
  });
  await wh.run('CHECKPOINT');
  const ours = (performance.now() - t0) / 1000;
  const oursCpu = cpuSince(cpu0);
  if (report.rowsLoaded !== events) throw new Error(`expected ${events} events loaded, got ${report.rowsLoaded}`);
  log('');
  log(`events: plain DuckDB ${plain.toFixed(2)} s (${plainCpu.toFixed(1)} CPU-s); dialwise ${ours.toFixed(2)} s (${oursCpu.toFixed(1)} CPU-s, of which the load step and checkpoint ${(oursCpu - loadCpu).toFixed(1)})`);
  log(`events throughput ratio (ours/plain): ${(plain / ours).toFixed(2)}, CPU ratio ${(plainCpu / oursCpu).toFixed(2)}`);
}

/** Staged text → typed copy → `call_attempts`, with no validation: the design's floor (see --floor). */
async function benchFloor(path: string, plainCpu: number): Promise<void> {
  const wh = await Warehouse.open(join(dir, 'floor'));
  const cols = ['CallID', 'Campaign', 'CustID', 'DialledNumber', 'CallStart', 'Result', 'RingSec', 'TalkSec', 'Sale', 'SaleValue', 'OptOut', 'HandledBy'];
  const steps: [string, string][] = [
    ['staged text', `CREATE TEMP TABLE s AS SELECT * FROM read_csv(${quoteLiteralPath(path)}, all_varchar = true, header = true, auto_detect = false,
       delim = ',', quote = '"', escape = '"', columns = {${cols.map((c) => `'${c}': 'VARCHAR'`).join(', ')}})`],
    ['phone hashes', `CREATE TEMP TABLE pm AS SELECT raw, sha256(raw) AS phone_hash FROM (SELECT DISTINCT DialledNumber AS raw FROM s)`],
    ['typed copy', `CREATE TEMP TABLE ty AS SELECT s.rowid + 2 AS __line, CallID AS __key, Campaign AS campaign_id, CustID AS customer_id,
       pm.phone_hash AS __phone_hash, CallStart::TIMESTAMPTZ AS started_at,
       (CASE lower(Result) WHEN 'ans' THEN 'answered' WHEN 'noa' THEN 'no_answer' WHEN 'bsy' THEN 'busy' WHEN 'vm' THEN 'voicemail' ELSE 'rejected' END)::call_disposition AS disposition,
       RingSec::DOUBLE AS ring_seconds, TalkSec::DOUBLE AS talk_seconds, Sale = 'Y' AS converted, SaleValue::DOUBLE AS conversion_value,
       OptOut = 'Y' AS opted_out, lower(HandledBy)::call_handler AS handled_by, NULL::VARCHAR AS __reason, true AS __valid
     FROM s LEFT JOIN pm ON pm.raw = s.DialledNumber`],
    ['insert into call_attempts', `INSERT INTO call_attempts (attempt_id, campaign_id, customer_id, phone_hash, started_at, disposition, ring_seconds,
       talk_seconds, converted, conversion_value, opted_out, handled_by, source, ingest_run_id)
     SELECT __key, campaign_id, customer_id, __phone_hash, started_at, disposition, ring_seconds, talk_seconds, converted, conversion_value, opted_out, handled_by, 'bench', 'floor' FROM ty WHERE __valid`],
  ];
  let total = 0;
  log('');
  log('floor (no validation, same file):');
  for (const [label, sql] of steps) {
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    await wh.run(sql);
    const cpu = cpuSince(cpu0);
    total += cpu;
    log(`  ${label.padEnd(26)} ${((performance.now() - t0) / 1000).toFixed(2)} s (${cpu.toFixed(1)} CPU-s)`);
  }
  log(`floor CPU ratio (plain/floor): ${(plainCpu / total).toFixed(2)} (${total.toFixed(1)} CPU-s against plain ${plainCpu.toFixed(1)})`);
  await wh.close();
}

try {
  log(`generating ${customers.toLocaleString('en-US')} customers and ${rows.toLocaleString('en-US')} call-log rows in ${dir} …`);
  const { customersCsv, callsCsv } = await makeFiles();
  writeFileSync(join(dir, 'customers.json'), JSON.stringify(customerMapping));
  writeFileSync(join(dir, 'calls.json'), JSON.stringify(callMapping));
  log(`call log: ${(statSync(callsCsv).size / 1e6).toFixed(0)} MB`);

  const load0 = loadavg()[0]!;
  const runs: { plain: number; plainCpu: number; ours: number; oursCpu: number }[] = [];
  let wh: Warehouse | undefined;
  for (let r = 1; r <= repeat; r++) {
    if (wh) {
      await wh.close();
      rmSync(join(dir, `wh${r - 1}`), { recursive: true, force: true });
    }
    wh = await Warehouse.open(join(dir, `wh${r}`));
    const cust = await ingestFile(wh, customersCsv, { kind: 'customers', mapping: join(dir, 'customers.json') });
    log(`run ${r}/${repeat}: customers: ${cust.rowsLoaded} loaded in ${cust.seconds.toFixed(1)} s`);
    const { seconds: plain, cpu: plainCpu } = await plainCopy(callsCsv, `plain${r}.duckdb`);
    rmSync(join(dir, `plain${r}.duckdb`), { force: true });
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const report = await ingestFile(wh, callsCsv, {
      kind: 'call-attempts',
      mapping: join(dir, 'calls.json'),
      onProgress: (p) => log(`  step ${p.step}/${p.steps} ${p.label} at ${((performance.now() - t0) / 1000).toFixed(1)} s (CPU ${cpuSince(cpu0).toFixed(1)} s)`),
    });
    const run = { plain, plainCpu, ours: (performance.now() - t0) / 1000, oursCpu: cpuSince(cpu0) };
    if (report.rowsLoaded !== rows) throw new Error(`expected ${rows} rows loaded, got ${report.rowsLoaded} (${JSON.stringify(report.reasons)})`);
    log(`  plain ${run.plain.toFixed(2)} s (${run.plainCpu.toFixed(1)} CPU-s), ours ${run.ours.toFixed(2)} s (${run.oursCpu.toFixed(1)} CPU-s): ratio ${(run.plain / run.ours).toFixed(2)} / ${(run.plainCpu / run.oursCpu).toFixed(2)}`);
    runs.push(run);
  }
  const load1 = loadavg()[0]!;
  const best = (k: keyof (typeof runs)[number]) => Math.min(...runs.map((x) => x[k]));
  const median = (k: keyof (typeof runs)[number]) => {
    const v = runs.map((x) => x[k]).sort((a, b) => a - b);
    return v.length % 2 ? v[(v.length - 1) / 2]! : (v[v.length / 2 - 1]! + v[v.length / 2]!) / 2;
  };
  const plain = best('plain');
  const ours = best('ours');
  const plainCpu = best('plainCpu');
  const oursCpu = best('oursCpu');
  log('');
  log(`${repeat > 1 ? `best of ${repeat} runs a side` : 'one run a side'}:`);
  log(`plain DuckDB read_csv → table : ${plain.toFixed(2)} s  (${Math.round(rows / plain).toLocaleString('en-US')} rows/s)`);
  log(`dialwise ingest (validated)   : ${ours.toFixed(2)} s  (${Math.round(rows / ours).toLocaleString('en-US')} rows/s)`);
  log(`throughput ratio (ours/plain) : ${(plain / ours).toFixed(2)}  (target ≥ 0.5)`);
  log(`CPU time: plain ${plainCpu.toFixed(1)} s, ours ${oursCpu.toFixed(1)} s, ratio ${(plainCpu / oursCpu).toFixed(2)}`);
  if (repeat > 1) log(`median runs: plain ${median('plain').toFixed(2)} s, ours ${median('ours').toFixed(2)} s, ratio ${(median('plain') / median('ours')).toFixed(2)} (CPU ${(median('plainCpu') / median('oursCpu')).toFixed(2)})`);
  log(`load average (1 min) before/after: ${load0.toFixed(1)} / ${load1.toFixed(1)} on ${availableParallelism()} cores`);
  const last = wh as Warehouse;
  if (events > 0) await benchEvents(last);
  if (values.floor) await benchFloor(callsCsv, plainCpu);
  await last.close();
} finally {
  if (!values.keep) rmSync(dir, { recursive: true, force: true });
}
