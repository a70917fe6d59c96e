/**
 * An open-loop load generator at a fixed request rate, for latency targets stated "at N
 * requests/s" (the method of wrk2): request k is due at start + k/rate whatever happened to the
 * earlier ones, and its latency is measured from that due time, not from when it was sent. A
 * stall anywhere — the server, the network, or this process — therefore counts against every
 * request that should have gone out during it (the correction for coordinated omission), and a
 * request waits for a free connection when all of them are busy.
 *
 * Why not autocannon's `overallRate` (autocannon 9): each connection sends its per-second quota
 * back to back at the start of every second and then idles, so "1,000/s over 20 connections"
 * is a closed-loop burst of 1,000 requests 20 at a time, every second; and its correction uses
 * an expected interval of ceil(1 / per-connection rate) = 1 ms instead of 1000 / rate ms, adding
 * one phantom sample per millisecond of every response. autocannon stays for the flat-out runs.
 */
import { Agent, request } from 'node:http';

export interface PacedOptions {
  /** base URL, e.g. http://127.0.0.1:8080 */
  url: string;
  /** requests per second, spread evenly */
  rate: number;
  /** measured seconds */
  duration: number;
  /** keep-alive connections (at most this many requests in flight) */
  connections: number;
  /** seconds at the same rate before measuring (JIT, connection set-up), not recorded */
  warmup?: number;
  headers?: Record<string, string>;
  /** the path of the next request */
  path: () => string;
}

export interface PacedResult {
  /** completed requests per second over the measured window */
  rps: number;
  /** latency percentiles, ms, from each request's due time */
  p50: number;
  p99: number;
  p999: number;
  max: number;
  /** requests sent in the measured window */
  sent: number;
  errors: number;
  non2xx: number;
}

/** Percentile (0–100) of sorted values: the smallest value with at least p% of the samples at or below it. */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

export async function paced(options: PacedOptions): Promise<PacedResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: options.connections, maxFreeSockets: options.connections });
  const interval = 1000 / options.rate;
  const warmup = options.warmup ?? 0;
  const total = Math.round((warmup + options.duration) * options.rate);
  const firstMeasured = Math.round(warmup * options.rate);
  const latencies = new Float64Array(total - firstMeasured);
  let recorded = 0;
  let errors = 0;
  let non2xx = 0;
  let done = 0;
  let lastEnd = 0;
  let finish!: () => void;
  const finished = new Promise<void>((res) => (finish = res));
  const { hostname, port } = new URL(options.url);

  const complete = (k: number, due: number, ok: boolean, status: number) => {
    const end = performance.now();
    if (k >= firstMeasured) {
      if (!ok) errors++;
      else if (status < 200 || status > 299) non2xx++;
      else latencies[recorded++] = end - due;
      lastEnd = end;
    }
    if (++done === total) finish();
  };

  const send = (k: number, due: number) => {
    let settled = false;
    const once = (ok: boolean, status: number) => {
      if (settled) return;
      settled = true;
      complete(k, due, ok, status);
    };
    const req = request({ agent, host: hostname, port, path: options.path(), method: 'GET', headers: options.headers }, (res) => {
      res.on('data', () => undefined);
      res.on('end', () => once(true, res.statusCode ?? 0));
      res.on('error', () => once(false, 0));
    });
    req.on('error', () => once(false, 0));
    // a request that never ends is an error, not a hung bench
    req.setTimeout(10_000, () => req.destroy(new Error('timed out')));
    req.end();
  };

  const start = performance.now() + 20;
  let next = 0;
  // every tick sends whatever is due by now; a late tick is charged to the requests it delays
  const tick = () => {
    const now = performance.now();
    while (next < total && start + next * interval <= now) {
      send(next, start + next * interval);
      next++;
    }
    if (next < total) setTimeout(tick, Math.max(0, start + next * interval - performance.now()));
  };
  setTimeout(tick, 20);
  await finished;
  agent.destroy();
  const measuredStart = start + firstMeasured * interval;
  const sorted = latencies.subarray(0, recorded).sort();
  return {
    rps: (recorded + non2xx) / ((lastEnd - measuredStart) / 1000),
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    p999: percentile(sorted, 99.9),
    max: sorted.length ? sorted[sorted.length - 1]! : Number.NaN,
    sent: total - firstMeasured,
    errors,
    non2xx,
  };
}
