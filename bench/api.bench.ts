/**
 * npm run bench:api [-- --customers 3000 --days 1 --duration 10 --rate 1000 --connections 10,20 --runs 3 --warmup 2 --autocannon-rate]
 *
 * The dashboards API under load (issue 6's target: p99 under 20 ms at 1,000 requests/s):
 * `dialwise serve` in its own process over a generated data set (the closed loop: a synthetic
 * call centre, nightly runs, published scores; cached under os.tmpdir() by its parameters),
 * driven from this process with a real bearer token.
 *
 *   1. at a fixed --rate (open loop, bench/paced.ts: evenly spaced requests, each latency
 *      measured from the time the request was due, so any stall counts against every request it
 *      held up — the correction for coordinated omission), with each --connections count, --runs
 *      times, ours and the peer one after the other on the same endpoint:
 *        GET /api/segments
 *        GET /api/scores/:customer_id   a random customer each request (what the dialer asks)
 *   2. flat out (autocannon, closed loop, the largest --connections): both endpoints, ours and
 *      the peer, and GET /api/scores?limit=100 (a page of 100 scores, 168 p_answer each).
 *   --autocannon-rate adds autocannon's own fixed-rate mode (the method of the earlier figures:
 *   per-second bursts, 1 ms correction interval; see bench/paced.ts) for comparison.
 *
 * Peer, same run: bare fastify returning the same bytes from memory (no auth, no database, no
 * schema validation, no audit) — the ceiling for this framework on this machine.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { simulate } from '../cli/simulate/loop.ts';
import { CURRENT_FILE, PUBLISHED_DIR, SCORES_FILE } from '../contracts/index.ts';
import { addToken } from '../dashboards/index.ts';
import { Warehouse } from '../warehouse/index.ts';
import { paced } from './paced.ts';

const { values } = parseArgs({
  options: {
    customers: { type: 'string', default: '3000' },
    days: { type: 'string', default: '1' },
    duration: { type: 'string', default: '10' },
    rate: { type: 'string', default: '1000' },
    connections: { type: 'string', default: '10,20' },
    runs: { type: 'string', default: '3' },
    // seconds at the rate before each measured window (JIT, keep-alive connections), both servers
    warmup: { type: 'string', default: '2' },
    'autocannon-rate': { type: 'boolean', default: false },
  },
});
const CUSTOMERS = Number(values.customers);
const DAYS = Number(values.days);
const DURATION = Number(values.duration);
const RATE = Number(values.rate);
const CONNECTIONS = values.connections.split(',').map(Number);
const MAX_CONNECTIONS = Math.max(...CONNECTIONS);
const RUNS = Number(values.runs);
const WARMUP = Number(values.warmup);
const ROOT = resolve(import.meta.dirname, '..');
const log = (s: string) => console.log(s);
const load = () => loadavg().map((l) => l.toFixed(1)).join(' ');

async function dataSet(): Promise<string> {
  const dir = join(tmpdir(), `dialwise-bench-api-c${CUSTOMERS}-d${DAYS}`);
  if (existsSync(join(dir, 'published', 'CURRENT'))) return dir;
  rmSync(dir, { recursive: true, force: true });
  log(`generating the data set: ${CUSTOMERS} customers, 60 days of history, ${DAYS} simulated day(s) (cached in ${dir})`);
  const wh = await Warehouse.open(dir);
  try {
    await simulate(wh, { dataDir: dir, customers: CUSTOMERS, days: DAYS, seed: 42, historyDays: 60, dialsPerDay: Math.max(100, Math.round(CUSTOMERS / 5)), lines: 10, exploration: 0.1, k: 6 });
  } finally {
    await wh.close();
  }
  return dir;
}

async function customerIds(dataDir: string): Promise<string[]> {
  const runId = readFileSync(join(dataDir, PUBLISHED_DIR, CURRENT_FILE), 'utf8').trim();
  const mem = await Warehouse.open(':memory:', { migrate: false, threads: 1 });
  try {
    const rows = await mem.query<{ id: string }>('SELECT customer_id AS id FROM read_parquet($path) ORDER BY customer_id LIMIT 5000', { path: join(dataDir, PUBLISHED_DIR, runId, SCORES_FILE) });
    return rows.map((r) => r.id);
  } finally {
    await mem.close();
  }
}

function startChild(args: string[], readyText: string): Promise<ChildProcess> {
  // LOG_LEVEL=info measures with fastify's per-request log lines (read and dropped here)
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' } });
  let output = '';
  let ready = false;
  return new Promise((res, rej) => {
    const onData = (b: Buffer) => {
      if (ready) return;
      output += b.toString();
      if (output.includes(readyText)) {
        ready = true;
        res(child);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => rej(new Error(`child exited (${code}): ${output}`)));
  });
}

interface Result {
  rps: number;
  p50: number;
  p99: number;
  /** p99.9 and the slowest, where the generator reports them */
  p999?: number;
  max?: number;
  errors: number;
  non2xx: number;
  load: string;
}

/** Closed loop (flat out), or autocannon's own fixed-rate mode with `rate`. */
async function cannon(url: string, token: string | null, path: () => string, rate?: number): Promise<Result> {
  const r = await autocannon({
    url,
    connections: MAX_CONNECTIONS,
    duration: DURATION,
    ...(rate ? { overallRate: rate } : {}),
    headers: token ? { authorization: `Bearer ${token}` } : {},
    requests: [
      {
        method: 'GET',
        setupRequest: (req: { path: string }) => {
          req.path = path();
          return req;
        },
      },
    ],
  } as autocannon.Options);
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.timeouts, non2xx: r.non2xx, load: load() };
}

async function atRate(url: string, token: string | null, path: () => string, connections: number): Promise<Result> {
  const r = await paced({ url, rate: RATE, duration: DURATION, warmup: WARMUP, connections, path, headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { ...r, load: load() };
}

const ms = (v: number | undefined) => (v === undefined ? '' : v.toFixed(1).padStart(6));
const line = (label: string, r: Result) =>
  `${label.padEnd(50)} ${r.rps.toFixed(0).padStart(6)} req/s  p50 ${ms(r.p50)}  p99 ${ms(r.p99)}${r.p999 !== undefined ? `  p99.9 ${ms(r.p999)}  max ${ms(r.max)}` : ''} ms  load ${r.load}${r.errors || r.non2xx ? `  errors ${r.errors}, non-2xx ${r.non2xx}` : ''}`;

const dir = await dataSet();
const tokensFile = join(mkdtempSync(join(tmpdir(), 'dialwise-bench-tokens-')), 'tokens.json');
const token = addToken(tokensFile, 'bench', 'admin');
const port = 18000 + Math.floor(Math.random() * 1000);
const server = await startChild([join(ROOT, 'bin/dialwise.js'), 'serve', '--data-dir', dir, '--port', String(port), '--tokens', tokensFile, '--poll', '60000'], 'dialwise dashboards on');
const base = `http://127.0.0.1:${port}`;
let peer: ChildProcess | null = null;
const bodyDir = mkdtempSync(join(tmpdir(), 'dialwise-bench-peer-'));
try {
  const auth = { authorization: `Bearer ${token}` };
  const segmentsBody = await (await fetch(`${base}/api/segments`, { headers: auth })).text();
  // the customers to ask for, read here from the run's scores.parquet: fetching them from the
  // server (a 5,000-row page, ~20 MB of JSON) left it a garbage collection that landed in the
  // first measured window
  const ids = await customerIds(dir);
  const scoreBody = await (await fetch(`${base}/api/scores/${encodeURIComponent(ids[0]!)}`, { headers: auth })).text();
  writeFileSync(join(bodyDir, 'segments.json'), segmentsBody);
  writeFileSync(join(bodyDir, 'score.json'), scoreBody);
  const peerPort = port + 1;
  peer = await startChild([join(ROOT, 'bin/run-ts.js'), join(ROOT, 'bench/api_peer.ts'), String(peerPort), join(bodyDir, 'segments.json'), join(bodyDir, 'score.json')], 'ready');
  const peerBase = `http://127.0.0.1:${peerPort}`;
  log(
    `data: ${ids.length} customers asked for; /api/segments is ${segmentsBody.length} bytes, /api/scores/:id ${scoreBody.length}; ${RATE}/s open loop, ${DURATION} s measured after ${WARMUP} s warm-up, ` +
      `connections ${CONNECTIONS.join(' and ')}, ${RUNS} run(s); server log level ${process.env.LOG_LEVEL ?? 'warn'}; node ${process.version}; load average ${load()} (other work on the machine inflates latencies)`,
  );
  let i = 0;
  const randomCustomer = () => `/api/scores/${encodeURIComponent(ids[(i = (i * 1103515245 + 12345) & 0x7fffffff) % ids.length]!)}`;
  const segments = () => '/api/segments';
  const endpoints = [
    { name: '/api/segments', path: segments },
    { name: '/api/scores/:id', path: randomCustomer },
  ];

  const fixed: { endpoint: string; connections: number; ours: Result; peer: Result }[] = [];
  for (let run = 1; run <= RUNS; run++) {
    log(`— run ${run} of ${RUNS}: ${RATE}/s, latency from each request's due time`);
    for (const connections of CONNECTIONS) {
      for (const e of endpoints) {
        const ours = await atRate(base, token, e.path, connections);
        log(line(`ours  ${e.name} @ ${RATE}/s, ${connections} conn`, ours));
        const theirs = await atRate(peerBase, null, e.path, connections);
        log(line(`peer  ${e.name} @ ${RATE}/s, ${connections} conn`, theirs));
        fixed.push({ endpoint: e.name, connections, ours, peer: theirs });
      }
    }
  }

  log(`— flat out (autocannon, ${MAX_CONNECTIONS} connections, closed loop)`);
  const flat: Record<string, Result> = {};
  for (const e of endpoints) {
    flat[`ours ${e.name}`] = await cannon(base, token, e.path);
    log(line(`ours  ${e.name} flat out`, flat[`ours ${e.name}`]!));
    flat[`peer ${e.name}`] = await cannon(peerBase, null, e.path);
    log(line(`peer  ${e.name} flat out`, flat[`peer ${e.name}`]!));
  }
  log(line('ours  /api/scores?limit=100 flat out', await cannon(base, token, () => '/api/scores?limit=100')));
  if (values['autocannon-rate']) {
    log(`— autocannon's own fixed rate (${RATE}/s, ${MAX_CONNECTIONS} connections: per-second bursts, 1 ms correction interval)`);
    for (const e of endpoints) {
      log(line(`ours  ${e.name} autocannon @ ${RATE}/s`, await cannon(base, token, e.path, RATE)));
      log(line(`peer  ${e.name} autocannon @ ${RATE}/s`, await cannon(peerBase, null, e.path, RATE)));
    }
  }

  log('');
  log(`target: p99 < 20 ms at ${RATE} req/s (open loop, latencies from each request's due time)`);
  for (const e of endpoints) {
    for (const connections of CONNECTIONS) {
      const rows = fixed.filter((f) => f.endpoint === e.name && f.connections === connections);
      const met = rows.filter((r) => r.ours.p99 < 20 && r.ours.rps >= RATE * 0.95 && r.ours.errors + r.ours.non2xx === 0).length;
      const list = (k: 'ours' | 'peer') => rows.map((r) => r[k].p99.toFixed(1)).join(', ');
      log(`  ${e.name.padEnd(16)} ${String(connections).padStart(2)} conn: ours p99 ${list('ours')} ms; peer ${list('peer')} ms → met in ${met} of ${rows.length} runs`);
    }
  }
  for (const e of endpoints) {
    log(`ratio ours/peer (${e.name} flat out, req/s): ${(flat[`ours ${e.name}`]!.rps / flat[`peer ${e.name}`]!.rps).toFixed(2)}`);
  }
  log(`load average at the end ${load()}`);
} finally {
  server.kill('SIGTERM');
  peer?.kill('SIGTERM');
  rmSync(join(tokensFile, '..'), { recursive: true, force: true });
  rmSync(bodyDir, { recursive: true, force: true });
}
