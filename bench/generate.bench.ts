/**
 * bench:generate — how fast the synthetic call centre is written, and that memory stays flat.
 *
 *   npm run bench:generate                                  # 1M customers × 200 days ≈ 20M attempts
 *   npm run bench:generate -- --customers 200000 --days 200 # ≈ 4M attempts
 *   options: --customers N --days D --rate R (dials/customer/day, default 0.1) --seed S
 *            --out DIR (default: a temp dir, removed afterwards) --keep --no-parquet --no-truth
 *
 * Prints per-step time and rows/s, peak RSS (whole process, DuckDB included), file sizes, and a
 * peer measured in the same run: DuckDB's native CSV writer writing the same call-log rows
 * (from call_log.parquet), i.e. what pure serialisation costs without simulating anything.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { generate, type GenerateStep } from '../simulation/index.ts';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? (process.argv[i + 1] as string) : fallback;
}
const flag = (name: string) => process.argv.includes(`--${name}`);

const customers = Number(arg('customers', '1000000'));
const days = Number(arg('days', '200'));
const rate = Number(arg('rate', '0.1'));
const seed = Number(arg('seed', '42'));
const keep = flag('keep');
const outDir = arg('out', '') || mkdtempSync(join(tmpdir(), 'dialwise-bench-generate-'));
const parquet = !flag('no-parquet');
const truth = !flag('no-truth');

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
const stepStart = new Map<GenerateStep, number>();
const stepEnd = new Map<GenerateStep, number>();
const stepPeak = new Map<GenerateStep, number>();
// CPU seconds of this process (all threads, DuckDB's included): robust when others share the cores
const cpuStart = new Map<GenerateStep, number>();
const cpuEnd = new Map<GenerateStep, number>();
const cpuNow = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
let current: GenerateStep | null = null;
let peakRss = 0;
const sample = () => {
  const rss = process.memoryUsage.rss();
  peakRss = Math.max(peakRss, rss);
  if (current) stepPeak.set(current, Math.max(stepPeak.get(current) ?? 0, rss));
};
const timer = setInterval(sample, 250);

console.log(`bench:generate — ${customers.toLocaleString('en')} customers × ${days} days at ${rate} dials/customer/day → ${outDir}`);
const t0 = performance.now();
let lastPrint = 0;
const manifest = await generate({
  customers,
  days,
  seed,
  dialsPerCustomerPerDay: rate,
  outDir,
  parquet,
  truth,
  endDate: '2025-06-01T00:00:00Z',
  onProgress: (p) => {
    const now = performance.now();
    if (current !== p.step) {
      const cpu = cpuNow();
      if (current) {
        stepEnd.set(current, now);
        cpuEnd.set(current, cpu);
      }
      current = p.step;
      stepStart.set(p.step, now);
      cpuStart.set(p.step, cpu);
    }
    sample();
    if (process.stderr.isTTY && now - lastPrint > 1000) {
      lastPrint = now;
      process.stderr.write(`\r  ${p.step} (${p.stepIndex}/${p.steps}) ${p.rows.toLocaleString('en')}/${p.total.toLocaleString('en')} ${p.unit}   `);
    }
  },
});
const t1 = performance.now();
const cpu1 = cpuNow();
if (current) {
  stepEnd.set(current, t1);
  cpuEnd.set(current, cpu1);
}
sample();
clearInterval(timer);
if (process.stderr.isTTY) process.stderr.write('\r' + ' '.repeat(80) + '\r');

const secs = (s: GenerateStep) => ((stepEnd.get(s) ?? t1) - (stepStart.get(s) ?? t1)) / 1000;
const cpuSecs = (s: GenerateStep) => (cpuEnd.get(s) ?? cpu1) - (cpuStart.get(s) ?? cpu1);
const rowsOf = (f: string) => manifest.files[f]?.rows ?? 0;
const attempts = rowsOf('call_log.csv');
const events = rowsOf('events.csv');
const perSec = (n: number, s: number) => (s > 0 ? `${Math.round(n / s).toLocaleString('en')}/s` : '–');
console.log(`\nstep        wall s   CPU s   rows              rate (wall)     peak RSS`);
const line = (step: GenerateStep, rows: number, unit: string) =>
  console.log(
    `${step.padEnd(11)} ${secs(step).toFixed(1).padStart(6)}  ${cpuSecs(step).toFixed(1).padStart(6)}   ${`${rows.toLocaleString('en')} ${unit}`.padEnd(17)} ${perSec(rows, secs(step)).padEnd(15)} ${mb(stepPeak.get(step) ?? 0)}`,
  );
line('world', customers, 'cust');
line('call_log', attempts, 'rows');
line('customers', rowsOf('customers.csv'), 'rows');
line('events', events, 'rows');
if (parquet) line('parquet', rowsOf('call_log.parquet') + rowsOf('events.parquet'), 'rows');
if (truth) line('truth', customers, 'cust');
line('manifest', Object.keys(manifest.files).length, 'files');
const total = (t1 - t0) / 1000;
const allRows = attempts + events + rowsOf('customers.csv');
console.log(`total       ${total.toFixed(1).padStart(6)}  ${cpu1.toFixed(1).padStart(6)}   ${allRows.toLocaleString('en')} CSV rows, ${perSec(allRows, total)} overall`);
console.log(`load average during the run: ${loadavg().map((x) => x.toFixed(1)).join(' ')} on ${availableParallelism()} cores`);
console.log(`peak RSS ${mb(peakRss)} (sampled), maxRSS ${mb(process.resourceUsage().maxRSS * 1024)} (kernel)`);
console.log(`\nfiles:`);
for (const [f, e] of Object.entries(manifest.files)) {
  if (e.bytes > 1024 * 1024) console.log(`  ${f.padEnd(24)} ${mb(e.bytes).padStart(8)}  ${e.rows !== undefined ? `${e.rows.toLocaleString('en')} rows` : ''}`);
}

// peer: DuckDB's native CSV writer on the same call-log rows
if (parquet) {
  const instance = await DuckDBInstance.create(':memory:', { threads: '2' });
  const con = await instance.connect();
  const peerPath = join(outDir, 'peer_call_log.csv');
  const p0 = performance.now();
  const cpuBefore = cpuNow();
  await con.run(`COPY (SELECT * FROM read_parquet($src)) TO $dst (FORMAT csv, HEADER true)`, {
    src: join(outDir, 'call_log.parquet'),
    dst: peerPath,
  });
  const peerSecs = (performance.now() - p0) / 1000;
  const peerCpu = cpuNow() - cpuBefore;
  con.closeSync();
  instance.closeSync();
  const ours = secs('call_log');
  console.log(
    `\npeer: DuckDB COPY … TO csv of the same ${rowsOf('call_log.parquet').toLocaleString('en')} call-log rows: ${peerSecs.toFixed(1)} s wall, ${peerCpu.toFixed(1)} s CPU (${perSec(rowsOf('call_log.parquet'), peerSecs)}, ${mb(statSync(peerPath).size)})`,
  );
  console.log(
    `ratio: simulating + writing the call log takes ${(ours / peerSecs).toFixed(2)}× DuckDB's wall time (${(cpuSecs('call_log') / peerCpu).toFixed(2)}× its CPU time) to only write it`,
  );
  rmSync(peerPath, { force: true });
}

if (!keep && !arg('out', '')) rmSync(outDir, { recursive: true, force: true });
else console.log(`\nkept ${outDir}`);
