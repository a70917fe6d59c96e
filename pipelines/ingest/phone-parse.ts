import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';

export interface PhoneResult {
  e164: string | null;
  error: string | null;
}

/** Normalises one number to E.164, or says why it cannot be. */
export function normalisePhone(raw: string, region: string): PhoneResult {
  const parsed = parsePhoneNumberFromString(raw, { defaultCountry: region as CountryCode, extract: false });
  if (!parsed) return { e164: null, error: `not a phone number: '${raw.slice(0, 40)}'` };
  if (!parsed.isValid()) return { e164: null, error: `not a valid number for ${parsed.country ?? region}: '${raw.slice(0, 40)}'` };
  return { e164: parsed.number, error: null };
}

/** Pairs per claimed block: small enough to balance, large enough that claiming is free. */
const BLOCK = 2048;
/**
 * Below this many pairs a worker's start-up (≈0.3 s: tsx, the metadata) costs about what it
 * saves. Measured on 2 cores: 200k numbers 1.3–1.8 → 1.1–1.6 s, 1M 8.2–8.5 → 5.5–5.7 s.
 */
const PARALLEL_MIN = 50_000;

/**
 * The pairs and the shared state: [0] the next unclaimed block; [1 + w] worker w's state,
 * WAITING until either the worker starts claiming (ACTIVE) or the calling thread, done before
 * the worker got going, cancels it (CANCELLED) and need not wait for it.
 */
export interface PhoneJob {
  raws: readonly string[];
  regions: readonly string[];
  state: Int32Array;
  /** the worker's index, for the worker threads */
  worker?: number;
}
const WAITING = 0;
const ACTIVE = 1;
const CANCELLED = 2;

/** One thread's share: each block it claimed, with the results in the block's order. */
export interface ParsedBlocks {
  blocks: number[];
  e164: (string | null)[][];
  error: (string | null)[][];
}

/** Parses the blocks it claims from `job.state[0]` until none is left (run by every thread taking part). */
export function parseClaimedBlocks(job: PhoneJob): ParsedBlocks {
  const out: ParsedBlocks = { blocks: [], e164: [], error: [] };
  if (job.worker !== undefined && Atomics.compareExchange(job.state, 1 + job.worker, WAITING, ACTIVE) !== WAITING) return out;
  const blocks = Math.ceil(job.raws.length / BLOCK);
  for (let b = Atomics.add(job.state, 0, 1); b < blocks; b = Atomics.add(job.state, 0, 1)) {
    const end = Math.min(job.raws.length, (b + 1) * BLOCK);
    const e164: (string | null)[] = [];
    const error: (string | null)[] = [];
    for (let i = b * BLOCK; i < end; i++) {
      const r = normalisePhone(job.raws[i]!, job.regions[i]!);
      e164.push(r.e164);
      error.push(r.error);
    }
    out.blocks.push(b);
    out.e164.push(e164);
    out.error.push(error);
  }
  return out;
}

export interface NormalisedPhones {
  e164: (string | null)[];
  error: (string | null)[];
  /** pairs parsed by worker threads (the rest by the calling thread) */
  inWorkers: number;
}

/**
 * Normalises many (number, region) pairs, on worker threads as well as this one when there are
 * enough of them (a first load of customers: ≈8 µs a number). Threads claim blocks from a shared
 * counter, so a worker that starts late simply takes fewer; a block a failed worker claimed is
 * parsed here, so the result never depends on the workers.
 */
export async function normalisePhones(
  raws: readonly string[],
  regions: readonly string[],
  opts: {
    workers?: number;
    /** fewer pairs than this are parsed on this thread alone */
    parallelMin?: number;
    /** false: leave the parsing to the workers (this thread only fills in for a failed one) */
    mainThread?: boolean;
    /** the worker script (tests substitute one that fails) */
    workerEntry?: URL;
  } = {},
): Promise<NormalisedPhones> {
  const n = raws.length;
  const wanted = opts.workers ?? Math.min(3, availableParallelism() - 1);
  const workers = n >= (opts.parallelMin ?? PARALLEL_MIN) ? Math.max(0, wanted) : 0;
  const job: PhoneJob = { raws, regions, state: new Int32Array(new SharedArrayBuffer(4 * (1 + workers))) };
  const started = Array.from({ length: workers }, (_, w) => runWorker({ ...job, worker: w }, opts.workerEntry ?? WORKER_ENTRY));
  const here = workers === 0 || opts.mainThread !== false;
  const parts = [here ? parseClaimedBlocks(job) : { blocks: [], e164: [], error: [] }];
  // a worker that has not started claiming yet will find nothing left: do not wait for it
  const running: Promise<ParsedBlocks>[] = [];
  started.forEach((w, i) => {
    if (here && Atomics.compareExchange(job.state, 1 + i, WAITING, CANCELLED) === WAITING) {
      w.reply.catch(() => undefined);
      void w.worker.terminate();
    } else {
      running.push(w.reply);
    }
  });
  for (const settled of await Promise.allSettled(running)) {
    if (settled.status === 'fulfilled') parts.push(settled.value);
  }
  return assemble(raws, regions, parts);
}

/** Puts the threads' blocks in input order; parses here any block a failed worker had claimed. */
function assemble(raws: readonly string[], regions: readonly string[], parts: readonly ParsedBlocks[]): NormalisedPhones {
  const n = raws.length;
  const e164 = new Array<string | null>(n);
  const error = new Array<string | null>(n);
  const done = new Set<number>();
  let inWorkers = 0;
  parts.forEach((part, p) =>
    part.blocks.forEach((b, j) => {
      const es = part.e164[j]!;
      const errs = part.error[j]!;
      for (let i = 0; i < es.length; i++) {
        e164[b * BLOCK + i] = es[i]!;
        error[b * BLOCK + i] = errs[i]!;
      }
      done.add(b);
      if (p > 0) inWorkers += es.length;
    }),
  );
  for (let b = 0; b * BLOCK < n; b++) {
    if (done.has(b)) continue;
    for (let i = b * BLOCK; i < Math.min(n, (b + 1) * BLOCK); i++) {
      const r = normalisePhone(raws[i]!, regions[i]!);
      e164[i] = r.e164;
      error[i] = r.error;
    }
  }
  return { e164, error, inWorkers };
}

const WORKER_ENTRY = new URL('./phone-worker.js', import.meta.url);

function runWorker(job: PhoneJob, entry: URL): { worker: Worker; reply: Promise<ParsedBlocks> } {
  const worker = new Worker(entry, { workerData: job });
  const reply = new Promise<ParsedBlocks>((resolve, reject) => {
    worker.once('message', (m: ParsedBlocks) => {
      resolve(m);
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`phone worker exited (code ${code}) before replying`)));
  });
  return { worker, reply };
}
