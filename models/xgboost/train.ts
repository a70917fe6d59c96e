import cliProgress from 'cli-progress';
import { Booster, type EvalEntry, type EvalHistory } from './booster.ts';
import type { DMatrix } from './dmatrix.ts';
import { XGBoostUsageError } from './errors.ts';
import type { XGBoostParams } from './params.ts';

export interface IterationInfo {
  /** 0-based boosting round just finished. */
  iteration: number;
  /** This round's evaluation results (empty without evals). */
  results: EvalEntry[];
  booster: Booster;
}

export interface TrainOptions {
  params: XGBoostParams;
  dtrain: DMatrix;
  /** Boosting rounds (default 10, as Python). */
  numBoostRound?: number;
  /** Evaluation sets, evaluated after every round; the last one drives early stopping. */
  evals?: ReadonlyArray<readonly [DMatrix, string]>;
  /** Stop when the last metric of the last eval set has not improved for this many rounds. */
  earlyStoppingRounds?: number;
  /** Whether the early-stopping metric is maximised; default: auto (auc, aucpr, map, ndcg…), as Python. */
  maximize?: boolean;
  /** Called after every round; return true to stop training. */
  onIteration?: (info: IterationInfo) => boolean | void;
  /** Progress bar on stderr (default: when stderr is a TTY). */
  progress?: boolean;
}

/**
 * Trains a booster like Python's `xgb.train`. With early stopping the returned booster keeps all
 * rounds trained and records `bestIteration` / `bestScore`; predict with `iterationRange: 'best'`.
 */
export function train(options: TrainOptions): Booster {
  const { params, dtrain } = options;
  const evals = options.evals ?? [];
  const rounds = options.numBoostRound ?? 10;
  if (!Number.isInteger(rounds) || rounds < 0) throw new XGBoostUsageError(`numBoostRound must be an integer ≥ 0 (got ${rounds}).`);
  const esRounds = options.earlyStoppingRounds;
  if (esRounds !== undefined && (!Number.isInteger(esRounds) || esRounds < 1)) {
    throw new XGBoostUsageError(`earlyStoppingRounds must be an integer ≥ 1 (got ${esRounds}).`);
  }
  if (esRounds !== undefined && evals.length === 0) {
    throw new XGBoostUsageError('Early stopping needs at least one eval set: pass evals: [[dvalid, "valid"]].');
  }
  const names = new Set(evals.map(([, n]) => n));
  if (names.size !== evals.length) throw new XGBoostUsageError('Eval set names must be distinct.');

  const booster = new Booster({ params, cache: [dtrain, ...evals.map(([d]) => d)] });
  const history: EvalHistory = {};
  const stopper = esRounds === undefined ? undefined : new EarlyStopping(esRounds, options.maximize);
  const bar = (options.progress ?? process.stderr.isTTY === true) ? startProgress(rounds) : undefined;
  const started = performance.now();
  try {
    for (let i = 0; i < rounds; i++) {
      booster.update(dtrain, i);
      const results = evals.length > 0 ? booster.evaluate(evals, i) : [];
      for (const r of results) ((history[r.data] ??= {})[r.metric] ??= []).push(r.value);
      let stop = stopper?.afterIteration(booster, i, results) ?? false;
      if (options.onIteration?.({ iteration: i, results, booster }) === true) stop = true;
      if (bar) {
        const rowsPerSec = Math.round((dtrain.nrow * (i + 1)) / ((performance.now() - started) / 1000));
        const last = results.at(-1);
        bar.update(i + 1, { rowsPerSec, metric: last ? `${last.data}-${last.metric} ${last.value.toFixed(5)}` : '' });
      }
      if (stop) break;
    }
  } catch (err) {
    booster.dispose();
    throw err;
  } finally {
    bar?.stop();
  }
  booster.recordEvalHistory(history);
  return booster;
}

/** Python's EarlyStopping callback (xgboost 1.7): last eval set, its last metric, strict improvement. */
class EarlyStopping {
  #best: number | undefined;
  #sinceBest = 0;
  #maximize: boolean | undefined;

  constructor(
    readonly rounds: number,
    maximize: boolean | undefined,
  ) {
    this.#maximize = maximize;
  }

  afterIteration(booster: Booster, iteration: number, results: EvalEntry[]): boolean {
    const last = results.at(-1);
    if (last === undefined) throw new XGBoostUsageError('Early stopping needs an eval metric; the eval sets produced none.');
    // The last entry is the last metric of the last eval set: that is what Python watches.
    const score = last.value;
    this.#maximize ??= isMaximizeMetric(last.metric);
    const improved = this.#best === undefined || (this.#maximize ? score > this.#best : score < this.#best);
    if (improved) {
      this.#best = score;
      this.#sinceBest = 0;
      booster.setAttr('best_score', String(score));
      booster.setAttr('best_iteration', String(iteration));
    } else {
      this.#sinceBest++;
    }
    return this.#sinceBest >= this.rounds;
  }
}

/** Python's auto rule: auc, aucpr, map, ndcg (and their @k forms) are maximised; everything else minimised. */
export function isMaximizeMetric(metric: string): boolean {
  if (metric === 'mape') return false;
  return ['auc', 'aucpr', 'map', 'ndcg', 'auc@', 'aucpr@', 'map@', 'ndcg@'].some((p) => metric.startsWith(p));
}

function startProgress(total: number): cliProgress.SingleBar {
  const bar = new cliProgress.SingleBar(
    { format: 'xgboost {bar} round {value}/{total} | {rowsPerSec} rows/s | {metric}', stream: process.stderr, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { rowsPerSec: 0, metric: '' });
  return bar;
}
