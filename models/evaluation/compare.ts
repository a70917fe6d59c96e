import { DialwiseError } from '../../contracts/index.ts';
import type { Warehouse } from '../../warehouse/index.ts';
import { getVersion, type ModelVersion } from '../registry/index.ts';
import { evaluateVersionsOnWindow, type EvalWindow, type WindowEvaluation } from './evaluate.ts';

/** Two model versions that cannot be compared (different kinds, no rows in the window …). */
export class CompareError extends DialwiseError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('MODEL_COMPARE', message, options);
  }
}

const DAY_MS = 86_400_000;

export interface CompareOptions {
  /** Kind, when a reference is an alias (`champion`, `challenger`) and the other does not say. */
  kind?: string;
  /** Rows to score both versions on (default: the newest `days` days of call attempts). */
  window?: EvalWindow;
  /** Length of the default window in days (default 7). */
  days?: number;
  /** Inverse-propensity weights on the rows, as in training (default true). */
  ipw?: boolean;
}

type Metric = 'rocAuc' | 'prAuc' | 'logLoss' | 'brier' | 'ece';
const METRICS: readonly Metric[] = ['rocAuc', 'prAuc', 'logLoss', 'brier', 'ece'];

export interface VersionComparison {
  kind: string;
  window: EvalWindow;
  a: WindowEvaluation;
  b: WindowEvaluation;
  /** b − a for each metric (a negative log-loss delta means b is better). */
  delta: Record<Metric, number>;
  /** The version with the lower log loss on the window. */
  better: string;
  /** Neither version trained or validated on the window, so the comparison is fair. */
  fresh: boolean;
}

/**
 * Scores two versions of one kind on the same rows (the registry's evaluator, as the
 * champion/challenger gate does) and reports the difference. References may be version ids or
 * aliases (`champion`, `challenger`).
 */
export async function compareVersions(wh: Warehouse, a: string, b: string, options: CompareOptions = {}): Promise<VersionComparison> {
  const first = await getVersion(wh, a, options.kind ? { kind: options.kind } : {});
  const second = await getVersion(wh, b, { kind: options.kind ?? first.kind });
  if (first.kind !== second.kind) {
    throw new CompareError(`${first.version} is a ${first.kind} model and ${second.version} a ${second.kind} model: compare versions of one kind`);
  }
  if (first.version === second.version) {
    throw new CompareError(`"${a}" and "${b}" are the same version (${first.version}); compare two different versions`);
  }
  const window = options.window ?? (await recentWindow(wh, first, options.days ?? 7));
  const [ea, eb] = await evaluateVersionsOnWindow(wh, [first.version, second.version], window, options.ipw === undefined ? {} : { ipw: options.ipw });
  const delta = Object.fromEntries(METRICS.map((m) => [m, eb!.metrics[m] - ea!.metrics[m]])) as Record<Metric, number>;
  return {
    kind: first.kind,
    window,
    a: ea!,
    b: eb!,
    delta,
    better: eb!.metrics.logLoss < ea!.metrics.logLoss ? second.version : first.version,
    fresh: !ea!.overlapsTraining && !eb!.overlapsTraining,
  };
}

async function recentWindow(wh: Warehouse, v: ModelVersion, days: number): Promise<EvalWindow> {
  if (!(days > 0)) throw new CompareError(`days must be a positive number, got ${days}`);
  if (v.kind !== 'conversion' && v.kind !== 'contact') {
    throw new CompareError(`${v.version} (${v.kind}) was trained on a table: pass { window: { from, to } } over its time column`);
  }
  const newest = await wh.one<{ t: Date | null }>('SELECT max(started_at) AS t FROM call_attempts');
  if (!newest.t) throw new CompareError('there are no call attempts to compare the versions on');
  const to = new Date(newest.t.getTime() + 1);
  return { from: new Date(to.getTime() - days * DAY_MS), to };
}
