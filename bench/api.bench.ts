/**
 * npm run bench:api [-- --customers 3000 --days 1 --duration 10 --rate 1000 --connections 20 --ignore-co]
 *
 * The dashboards API under load (issue 6's target: p99 under 20 ms at 1,000 requests/s):
 * `dialwise serve` in its own process over a generated data set (the closed loop: a synthetic
 * call centre, nightly runs, published scores; cached under os.tmpdir() by its parameters),
 * driven by autocannon from this process with a real bearer token.
 *
 *   1. GET /api/segments                     at a fixed --rate, then as fast as it goes
 *   2. GET /api/scores/:customer_id          a random customer each request (what the dialer
 *                                            asks): at --rate, then flat out
 *   3. GET /api/scores?limit=100             a page of 100 scores (each with 168 p_answer), flat out
 *
 * Peer, same run: bare fastify returning the same /api/segments bytes from memory (no auth,
 * no database, no schema validation) — the ceiling for this framework on this machine.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { simulate } from '../cli/simulate/loop.ts';
import { addToken } from '../dashboards/index.ts';
import { Warehouse } from '../warehouse/index.ts';

const { values } = parseArgs({
  options: {
    customers: { type: 'string', default: '3000' },
    days: { type: 'string', default: '1' },
    duration: { type: 'string', default: '10' },
    rate: { type: 'string', default: '1000' },
    connections: { type: 'string', default: '20' },
    // autocannon corrects fixed-rate latencies for coordinated omission (a stalled client counts
    // against the server); on a busy machine the stalls are the client's own
    'ignore-co': { type: 'boolean', default: false },
  },
});
const CUSTOMERS = Number(values.customers);
const DAYS = Number(values.days);
const DURATION = Number(values.duration);
const RATE = Number(values.rate);
const CONNECTIONS = Number(values.connections);
const ROOT = resolve(import.meta.dirname, '..');
const log = (s: string) => console.log(s);

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

function startChild(args: string[], readyText: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LOG_LEVEL: 'warn' } });
  let output = '';
  return new Promise((res, rej) => {
    const onData = (b: Buffer) => {
      output += b.toString();
      if (output.includes(readyText)) res(child);
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
  errors: number;
  non2xx: number;
}

async function cannon(url: string, token: string | null, options: { rate?: number; paths?: () => string; path?: string }): Promise<Result> {
  const r = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: DURATION,
    ...(options.rate ? { overallRate: options.rate, ignoreCoordinatedOmission: values['ignore-co'] } : {}),
    headers: token ? { authorization: `Bearer ${token}` } : {},
    requests: [
      {
        method: 'GET',
        setupRequest: (req: { path: string }) => {
          req.path = options.paths ? options.paths() : (options.path ?? '/');
          return req;
        },
      },
    ],
  } as autocannon.Options);
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.timeouts, non2xx: r.non2xx };
}

const line = (label: string, r: Result) =>
  `${label.padEnd(44)} ${r.rps.toFixed(0).padStart(7)} req/s   p50 ${r.p50.toFixed(1).padStart(6)} ms   p99 ${r.p99.toFixed(1).padStart(6)} ms${r.errors || r.non2xx ? `   errors ${r.errors}, non-2xx ${r.non2xx}` : ''}`;

const dir = await dataSet();
const tokensFile = join(mkdtempSync(join(tmpdir(), 'dialwise-bench-tokens-')), 'tokens.json');
const token = addToken(tokensFile, 'bench', 'admin');
const port = 18000 + Math.floor(Math.random() * 1000);
const server = await startChild([join(ROOT, 'bin/dialwise.js'), 'serve', '--data-dir', dir, '--port', String(port), '--tokens', tokensFile, '--poll', '60000'], 'dialwise dashboards on');
const base = `http://127.0.0.1:${port}`;
let peer: ChildProcess | null = null;
try {
  const auth = { authorization: `Bearer ${token}` };
  const segmentsBody = await (await fetch(`${base}/api/segments`, { headers: auth })).text();
  const page = (await (await fetch(`${base}/api/scores?limit=5000&order=customer_id`, { headers: auth })).json()) as { total: number; rows: { customer_id: string }[] };
  const ids = page.rows.map((r) => r.customer_id);
  log(`data: ${page.total} scored customers, /api/segments is ${segmentsBody.length} bytes; ${CONNECTIONS} connections, ${DURATION} s per run; node ${process.version}; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} (other work on the machine inflates latencies)`);
  let i = 0;
  const randomCustomer = () => `/api/scores/${encodeURIComponent(ids[(i = (i * 1103515245 + 12345) & 0x7fffffff) % ids.length]!)}`;

  const results: [string, Result][] = [];
  const run = async (label: string, r: Promise<Result>) => {
    const result = await r;
    results.push([label, result]);
    log(line(label, result));
  };
  await run(`ours  /api/segments @ ${RATE}/s`, cannon(base, token, { rate: RATE, path: '/api/segments' }));
  await run('ours  /api/segments flat out', cannon(base, token, { path: '/api/segments' }));
  await run(`ours  /api/scores/:id @ ${RATE}/s`, cannon(base, token, { rate: RATE, paths: randomCustomer }));
  await run('ours  /api/scores/:id flat out', cannon(base, token, { paths: randomCustomer }));
  await run('ours  /api/scores?limit=100 flat out', cannon(base, token, { path: '/api/scores?limit=100' }));

  const bodyFile = join(tmpdir(), `dialwise-bench-peer-${process.pid}.json`);
  writeFileSync(bodyFile, segmentsBody);
  const peerPort = port + 1;
  peer = await startChild([join(ROOT, 'bin/run-ts.js'), join(ROOT, 'bench/api_peer.ts'), String(peerPort), bodyFile], 'ready');
  const peerBase = `http://127.0.0.1:${peerPort}`;
  await run(`peer  bare fastify, same bytes @ ${RATE}/s`, cannon(peerBase, null, { rate: RATE, path: '/api/segments' }));
  await run('peer  bare fastify, same bytes flat out', cannon(peerBase, null, { path: '/api/segments' }));
  rmSync(bodyFile, { force: true });

  const get = (label: string) => results.find(([l]) => l.startsWith(label))![1];
  const oursMax = get('ours  /api/segments flat out');
  const peerMax = get('peer  bare fastify, same bytes flat out');
  log('');
  log(`target: p99 < 20 ms at ${RATE} req/s (latencies ${values['ignore-co'] ? 'not ' : ''}corrected for coordinated omission)`);
  for (const label of [`ours  /api/segments @ ${RATE}/s`, `ours  /api/scores/:id @ ${RATE}/s`]) {
    const r = get(label);
    log(`  ${label.slice(6).padEnd(30)} p99 ${r.p99.toFixed(1)} ms at ${r.rps.toFixed(0)} req/s → ${r.p99 < 20 && r.rps >= RATE * 0.95 ? 'met' : 'NOT met'}`);
  }
  log(`ratio ours/peer (/api/segments flat out, req/s): ${(oursMax.rps / peerMax.rps).toFixed(2)}`);
  log(`load average at the end ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
} finally {
  server.kill('SIGTERM');
  peer?.kill('SIGTERM');
  rmSync(join(tokensFile, '..'), { recursive: true, force: true });
}
