import { randomUUID } from 'node:crypto';
import { DialwiseError } from '../../contracts/index.ts';
import type { Warehouse } from '../../warehouse/index.ts';

/** One step of a pipeline: a name, what it needs first, and the work. */
export interface Step<C> {
  name: string;
  description: string;
  dependsOn: readonly string[];
  run: (ctx: C, report: StepReporter) => Promise<StepOutcome>;
}

export interface StepOutcome {
  rows?: number;
  detail?: Record<string, unknown>;
}

export interface StepReporter {
  /** progress inside a step (rows done of total, when known) */
  progress(label: string, rows?: number, total?: number): void;
}

export interface RunnerEvents {
  onStepStart?(step: string, index: number, steps: number): void;
  onStepProgress?(step: string, label: string, rows?: number, total?: number): void;
  onStepEnd?(step: string, index: number, steps: number, result: StepRecord): void;
}

export interface StepRecord {
  step: string;
  status: 'succeeded' | 'failed' | 'skipped';
  seconds: number;
  rows?: number;
  detail?: Record<string, unknown>;
  error?: string;
}

export interface RunResult {
  runId: string;
  status: 'succeeded' | 'failed';
  steps: StepRecord[];
  error?: string;
}

export class PipelineError extends DialwiseError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('PIPELINE', message, options);
  }
}

/** Orders steps so each comes after what it depends on; refuses cycles and unknown names. */
export function orderSteps<C>(steps: readonly Step<C>[]): Step<C>[] {
  const byName = new Map(steps.map((s) => [s.name, s]));
  const ordered: Step<C>[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (step: Step<C>, path: string[]) => {
    if (state.get(step.name) === 'done') return;
    if (state.get(step.name) === 'visiting') throw new PipelineError(`step dependency cycle: ${[...path, step.name].join(' → ')}`);
    state.set(step.name, 'visiting');
    for (const dep of step.dependsOn) {
      const d = byName.get(dep);
      if (!d) throw new PipelineError(`step ${step.name} depends on unknown step ${dep}`);
      visit(d, [...path, step.name]);
    }
    state.set(step.name, 'done');
    ordered.push(step);
  };
  for (const s of steps) visit(s, []);
  return ordered;
}

/**
 * Runs steps in dependency order, logging each attempt to `pipeline_steps`. A failed step stops
 * the run (its dependants are skipped); `resume` re-runs a failed run from its first
 * unfinished step.
 */
export async function runPipeline<C>(
  wh: Warehouse,
  options: {
    kind: string;
    asOf: Date;
    steps: readonly Step<C>[];
    ctx: C;
    events?: RunnerEvents;
    /** resume this failed run instead of starting a new one */
    resumeRunId?: string;
    runId?: string;
  },
): Promise<RunResult> {
  const ordered = orderSteps(options.steps);
  let runId = options.resumeRunId ?? options.runId ?? newRunId(options.kind, options.asOf);
  const done = new Set<string>();
  if (options.resumeRunId) {
    const run = await wh.query<{ status: string }>('SELECT status FROM pipeline_runs WHERE run_id = $1', [runId]);
    if (!run.length) throw new PipelineError(`no run ${runId} to resume (see dialwise runs)`);
    if (run[0]!.status === 'succeeded') throw new PipelineError(`run ${runId} already succeeded`);
    const ok = await wh.query<{ step: string }>(`SELECT DISTINCT step FROM pipeline_steps WHERE run_id = $1 AND status = 'succeeded'`, [runId]);
    for (const r of ok) done.add(r.step);
    // an attempt still 'running' belongs to a process that died mid-step (killed, crashed)
    await wh.run(
      `UPDATE pipeline_steps SET status = 'failed', finished_at = now(), error = $2 WHERE run_id = $1 AND status = 'running'`,
      [runId, INTERRUPTED_STEP],
    );
    await wh.run(`UPDATE pipeline_runs SET status = 'running', error = NULL, finished_at = NULL WHERE run_id = $1`, [runId]);
  } else {
    await markInterruptedRuns(wh, options.kind);
    await wh.run(`INSERT INTO pipeline_runs (run_id, kind, as_of, started_at, status) VALUES ($1, $2, $3, now(), 'running')`, [
      runId,
      options.kind,
      options.asOf,
    ]);
  }
  const records: StepRecord[] = [];
  let failure: string | undefined;
  for (const [index, step] of ordered.entries()) {
    if (done.has(step.name)) {
      records.push({ step: step.name, status: 'succeeded', seconds: 0, detail: { resumed: 'already done' } });
      continue;
    }
    if (failure) {
      records.push({ step: step.name, status: 'skipped', seconds: 0 });
      continue;
    }
    const attempt = (await wh.one<{ n: number }>('SELECT count(*) AS n FROM pipeline_steps WHERE run_id = $1 AND step = $2', [runId, step.name])).n + 1;
    await wh.run(
      `INSERT INTO pipeline_steps (run_id, step, position, attempt, status, started_at) VALUES ($1, $2, $3, $4, 'running', now())`,
      [runId, step.name, index + 1, attempt],
    );
    options.events?.onStepStart?.(step.name, index + 1, ordered.length);
    const t0 = performance.now();
    let record: StepRecord;
    try {
      const outcome = await step.run(options.ctx, {
        progress: (label, rows, total) => options.events?.onStepProgress?.(step.name, label, rows, total),
      });
      record = { step: step.name, status: 'succeeded', seconds: (performance.now() - t0) / 1000, rows: outcome.rows, detail: outcome.detail };
    } catch (error) {
      failure = `${step.name}: ${(error as Error).message}`;
      record = { step: step.name, status: 'failed', seconds: (performance.now() - t0) / 1000, error: (error as Error).message };
    }
    await wh.run(
      `UPDATE pipeline_steps SET status = $status, finished_at = now(), seconds = $seconds, rows = $rows, detail = $detail, error = $error
       WHERE run_id = $run AND step = $step AND attempt = $attempt`,
      {
        status: record.status,
        seconds: record.seconds,
        rows: record.rows ?? null,
        detail: record.detail ? JSON.stringify(record.detail) : null,
        error: record.error ?? null,
        run: runId,
        step: step.name,
        attempt,
      },
    );
    records.push(record);
    options.events?.onStepEnd?.(step.name, index + 1, ordered.length, record);
  }
  const status = failure ? 'failed' : 'succeeded';
  await wh.run(`UPDATE pipeline_runs SET status = $1, finished_at = now(), error = $2, summary = $3 WHERE run_id = $4`, [
    status,
    failure ?? null,
    JSON.stringify(records),
    runId,
  ]);
  return { runId, status, steps: records, ...(failure ? { error: failure } : {}) };
}

const INTERRUPTED_STEP = 'interrupted: the process running this step ended before it finished';

/**
 * A run still 'running' when a new one starts belongs to a process that died (killed, crashed):
 * DuckDB lets only one process write the warehouse, and we hold it. Mark it failed so
 * `dialwise runs` tells the truth; it stays resumable (`--resume` refuses only succeeded runs).
 */
async function markInterruptedRuns(wh: Warehouse, kind: string): Promise<void> {
  const stale = await wh.query<{ run_id: string }>(`SELECT run_id FROM pipeline_runs WHERE kind = $1 AND status = 'running'`, [kind]);
  for (const { run_id } of stale) {
    await wh.run(`UPDATE pipeline_steps SET status = 'failed', finished_at = now(), error = $2 WHERE run_id = $1 AND status = 'running'`, [
      run_id,
      INTERRUPTED_STEP,
    ]);
    await wh.run(`UPDATE pipeline_runs SET status = 'failed', finished_at = now(), error = $2 WHERE run_id = $1`, [
      run_id,
      `interrupted: the process running it ended before it finished (resume with: dialwise nightly --resume ${run_id})`,
    ]);
  }
}

export function newRunId(kind: string, asOf: Date): string {
  const stamp = asOf.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${kind}-${stamp}-${randomUUID().slice(0, 6)}`;
}
