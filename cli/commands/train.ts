import { Command, InvalidArgumentError, Option } from 'commander';
import {
  GATE_DEFAULTS,
  GATE_METRICS,
  promoteIfBetter,
  trainContact,
  trainConversion,
  type BinaryReport,
  type CalibrationChoice,
  type GateDecision,
  type GateMetric,
  type Windows,
  type XGBoostParams,
} from '../../models/index.ts';
import { withWarehouse } from '../../warehouse/index.ts';
import { globals, isoTime, nonNegativeNumber, positiveInt } from '../context.ts';
import { StepProgress } from '../progress.ts';
import { decileTable, fmtNumber, formatTable, metricsTable } from './models.ts';

/** Days held back for the gate when --promote-if-better is given without --gate-days. */
const DEFAULT_GATE_DAYS = 7;

// libgomp (XGBoost's OpenMP) spins while waiting by default; on a busy two-core box that makes
// training several times slower. Passive waiting costs nothing when the cores are free. Read
// once when libxgboost loads, which happens on first use, after this line.
process.env.OMP_WAIT_POLICY ??= 'PASSIVE';

interface CommonOpts {
  asOf?: Date;
  from?: Date;
  validDays?: number;
  validFraction?: number;
  gateDays?: number;
  ipw: boolean;
  ipwClip: number;
  seed: number;
  promoteIfBetter?: boolean;
  gateMetric: string;
  gateMargin: number;
  parentRun?: string;
  description?: string;
  json?: boolean;
}

function fraction(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!(n > 0 && n < 1)) throw new InvalidArgumentError(`${name} must be a number between 0 and 1, got "${value}"`);
    return n;
  };
}

function common(cmd: Command): Command {
  return cmd
    .option('--as-of <time>', 'use history strictly before this time (default: just after the newest attempt)', isoTime('--as-of'))
    .option('--from <time>', 'oldest history to use (default: all)', isoTime('--from'))
    .option('--valid-days <n>', 'days of newest history in the out-of-time validation window', nonNegativeNumber('--valid-days'))
    .option('--valid-fraction <x>', 'share of newest rows in the validation window when --valid-days is not given', fraction('--valid-fraction'))
    .option('--gate-days <n>', `days before as-of held back for the promotion gate (default with --promote-if-better: ${DEFAULT_GATE_DAYS})`, nonNegativeNumber('--gate-days'))
    .option('--no-ipw', 'do not weight dialer-chosen attempts by 1 / propensity')
    .option('--ipw-clip <w>', 'largest inverse-propensity weight', nonNegativeNumber('--ipw-clip'), 20)
    .option('--seed <n>', 'random seed', positiveInt('--seed'), 42)
    .option('--promote-if-better', 'promote to champion if it beats the champion on the held-back gate window')
    .option('--gate-metric <metric>', `gate metric (${GATE_METRICS.join(', ')})`, GATE_DEFAULTS.metric)
    .option('--gate-margin <x>', "how much better than the champion, in the metric's units", nonNegativeNumber('--gate-margin'), GATE_DEFAULTS.margin)
    .option('--parent-run <id>', 'the run that asked for this model (e.g. a nightly run id)')
    .option('--description <text>', 'free text kept with the version')
    .option('--json', 'print JSON');
}

function windowOptions(opts: CommonOpts) {
  const gateDays = opts.gateDays ?? (opts.promoteIfBetter ? DEFAULT_GATE_DAYS : undefined);
  if (opts.gateMetric && !(GATE_METRICS as readonly string[]).includes(opts.gateMetric)) {
    throw new InvalidArgumentError(`--gate-metric must be one of ${GATE_METRICS.join(', ')}, got "${opts.gateMetric}"`);
  }
  return {
    ...(opts.asOf ? { asOf: opts.asOf } : {}),
    ...(opts.from ? { from: opts.from } : {}),
    ...(opts.validDays ? { validDays: opts.validDays } : {}),
    ...(opts.validFraction ? { validFraction: opts.validFraction } : {}),
    ...(gateDays ? { gateDays } : {}),
  };
}

const date = (d: Date | null | undefined) => (d ? d.toISOString().replace('.000Z', 'Z') : '–');

function windowLines(w: Windows | null, rowsTrain: number, rowsValid: number, split: string): string[] {
  if (!w) return [`  split        ${split}: ${fmtNumber(rowsTrain)} training rows, ${fmtNumber(rowsValid)} validation rows`];
  const lines = [
    `  train        ${date(w.trainFrom)} … ${date(w.trainTo)}   ${fmtNumber(rowsTrain)} rows`,
    `  validation   ${date(w.validFrom)} … ${date(w.validTo)}   ${fmtNumber(rowsValid)} rows (early stopping, calibration, metrics)`,
  ];
  if (w.gateFrom) lines.push(`  gate window  ${date(w.gateFrom)} … ${date(w.gateTo)}   held back, never seen in training`);
  return lines;
}

function gateLines(d: GateDecision): string[] {
  const rows: { name: string; report: BinaryReport }[] = [{ name: `candidate ${d.candidate.version}`, report: d.candidate.metrics }];
  if (d.champion) rows.push({ name: `champion ${d.champion.version}`, report: d.champion.metrics });
  return [
    '',
    `gate on ${date(d.window.from)} … ${date(d.window.to)} (${d.metric}, margin ${d.margin}):`,
    metricsTable(rows),
    `${d.promoted ? 'PROMOTED to champion' : 'not promoted (stays challenger)'}: ${d.reason}`,
  ];
}

async function gate(wh: Parameters<typeof promoteIfBetter>[0], version: string, opts: CommonOpts): Promise<GateDecision | null> {
  if (!opts.promoteIfBetter) return null;
  return promoteIfBetter(wh, version, { metric: opts.gateMetric as GateMetric, margin: opts.gateMargin });
}

function conversionCommand(): Command {
  return common(new Command('conversion').description('train the conversion model (XGBoost): P(convert | answered), or any table with --table'))
    .option('--table <table>', 'model this warehouse table instead of call attempts (one row per customer with an outcome)')
    .option('--label <column>', 'outcome column of --table')
    .option('--exclude <columns>', 'comma-separated columns of --table never to use (e.g. duration)', (v: string) => v.split(',').map((s) => s.trim()).filter(Boolean))
    .option('--time-column <column>', 'timestamp column of --table for an out-of-time split (default: random split)')
    .option('--positive <value>', 'label value that means converted (default: true / 1 / yes)')
    .option('--params <json>', 'XGBoost parameters over the defaults, e.g. \'{"max_depth":6,"eta":0.1}\'', (v: string) => {
      try {
        const parsed = JSON.parse(v) as unknown;
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
        return parsed as XGBoostParams;
      } catch (e) {
        throw new InvalidArgumentError(`--params must be a JSON object of XGBoost parameters: ${(e as Error).message}`);
      }
    })
    .option('--rounds <n>', 'most boosting rounds', positiveInt('--rounds'))
    .option('--early-stopping <n>', 'stop after this many rounds without a better validation log loss', positiveInt('--early-stopping'))
    .addOption(new Option('--calibration <method>', 'calibrator fitted on the validation window').choices(['auto', 'isotonic', 'platt', 'none']).default('auto'))
    .action(async (opts: CommonOpts & { table?: string; label?: string; exclude?: string[]; timeColumn?: string; positive?: string; params?: XGBoostParams; rounds?: number; earlyStopping?: number; calibration: CalibrationChoice }, command: Command) => {
      if (opts.table && !opts.label) throw new InvalidArgumentError('--table needs --label <outcome column>');
      if (opts.table && opts.promoteIfBetter && !opts.timeColumn) {
        throw new InvalidArgumentError('--promote-if-better on a --table needs --time-column: the gate compares models on a later window of rows');
      }
      if (!opts.table && (opts.label || opts.exclude || opts.timeColumn || opts.positive)) {
        throw new InvalidArgumentError('--label, --exclude, --time-column and --positive go with --table');
      }
      const { dataDir } = globals(command);
      const progress = new StepProgress('train conversion', opts.json);
      await withWarehouse(dataDir, {}, async (wh) => {
        let result;
        try {
          result = await trainConversion(wh, {
            ...windowOptions(opts),
            ...(opts.table ? { table: { table: opts.table, label: opts.label!, exclude: opts.exclude ?? [], timeColumn: opts.timeColumn ?? null, positive: opts.positive ?? null } } : {}),
            ...(opts.params ? { params: opts.params } : {}),
            ...(opts.rounds ? { numBoostRound: opts.rounds } : {}),
            ...(opts.earlyStopping ? { earlyStoppingRounds: opts.earlyStopping } : {}),
            calibration: opts.calibration,
            ipw: opts.ipw,
            ipwClip: opts.ipwClip,
            seed: opts.seed,
            parentRun: opts.parentRun ?? null,
            description: opts.description ?? null,
            boosterProgress: !opts.json && Boolean(process.stderr.isTTY),
            onProgress: (p) => progress.update(p.step, p.steps, p.label, p.rows),
          });
        } finally {
          progress.stop();
        }
        const decision = await gate(wh, result.version.version, opts);
        if (opts.json) {
          console.log(JSON.stringify({ version: result.version, windows: result.windows, dropped: result.dropped, gate: decision }, null, 2));
          return;
        }
        const m = result.metrics;
        const v = result.version;
        const out = [
          `trained ${v.version} (${v.kind}) from ${v.source}`,
          ...windowLines(result.windows, v.window.rowsTrain, v.window.rowsValid, v.window.split),
          `  best iteration ${m.bestIteration} of ${m.roundsTrained}; calibration ${m.calibration.method} (${m.calibration.chosenBy})`,
          m.weighting.ipw ? `  inverse-propensity weights: ${fmtNumber(m.weighting.logged)} logged rows, ${fmtNumber(m.weighting.clipped)} clipped at ${m.weighting.clip}` : '  no inverse-propensity weights',
          ...(result.dropped.length ? ['  left out: ' + result.dropped.map((d) => `${d.column} (${d.reason})`).join('; ')] : []),
          '',
          'validation window:',
          metricsTable([
            { name: 'calibrated (cross-fitted)', report: m.valid },
            { name: 'before calibration', report: m.validRaw },
          ]),
          '',
          'lift and gain by decile (calibrated):',
          decileTable(m.valid.deciles),
          '',
          formatTable(['top by gain', 'gain', 'top by mean |SHAP|', 'mean |SHAP|'], Array.from({ length: Math.min(10, Math.max(m.topFeaturesByGain.length, m.topFeaturesByShap.length)) }, (_, i) => [
            m.topFeaturesByGain[i]?.feature ?? '', m.topFeaturesByGain[i]?.value ?? null, m.topFeaturesByShap[i]?.feature ?? '', m.topFeaturesByShap[i]?.value ?? null,
          ])),
          ...(decision ? gateLines(decision) : [`\n${v.version} is the ${v.kind} challenger; promote with \`dialwise models promote ${v.version}\``]),
        ];
        console.log(out.join('\n'));
      });
    });
}

function contactCommand(): Command {
  return common(new Command('contact').description('train the best-time-to-call model (TensorFlow.js): P(answer | customer, local hour-of-week)'))
    .option('--segment <column>', 'categorical feature whose per-hour answer rate is the baseline', 'occupation')
    .option('--epochs <n>', 'most training epochs (early stopping usually ends sooner)', positiveInt('--epochs'))
    .option('--max-train-rows <n>', 'train on a uniform sample of at most this many attempts', positiveInt('--max-train-rows'))
    .action(async (opts: CommonOpts & { segment: string; epochs?: number; maxTrainRows?: number }, command: Command) => {
      const { dataDir } = globals(command);
      const progress = new StepProgress('train contact', opts.json);
      await withWarehouse(dataDir, {}, async (wh) => {
        let result;
        try {
          result = await trainContact(wh, {
            ...windowOptions(opts),
            segmentColumn: opts.segment,
            ...(opts.epochs ? { network: { maxEpochs: opts.epochs } } : {}),
            ...(opts.maxTrainRows ? { maxTrainRows: opts.maxTrainRows } : {}),
            ipw: opts.ipw,
            ipwClip: opts.ipwClip,
            seed: opts.seed,
            parentRun: opts.parentRun ?? null,
            description: opts.description ?? null,
            onProgress: (p) => progress.update(p.step, p.steps, p.label, p.rows),
          });
        } finally {
          progress.stop();
        }
        const decision = await gate(wh, result.version.version, opts);
        if (opts.json) {
          console.log(JSON.stringify({ version: result.version, windows: result.windows, gate: decision }, null, 2));
          return;
        }
        const m = result.metrics;
        const v = result.version;
        console.log([
          `trained ${v.version} (${v.kind})`,
          ...windowLines(result.windows, v.window.rowsTrain, v.window.rowsValid, v.window.split),
          `  network: ${m.network.inputs} customer inputs, ${m.network.factors} factors; best epoch ${m.network.bestEpoch + 1} of ${m.network.epochs}`,
          m.weighting.ipw ? `  inverse-propensity weights: ${fmtNumber(m.weighting.logged)} logged rows, ${fmtNumber(m.weighting.clipped)} clipped at ${m.weighting.clip}` : '  no inverse-propensity weights',
          '',
          'validation window:',
          metricsTable([
            { name: 'model (calibrated, cross-fitted)', report: m.valid },
            { name: `baseline (${m.baseline.segmentColumn} × hour-of-week)`, report: m.baseline },
          ]),
          `log loss ${m.summary.logLossGain > 0 ? 'better' : 'WORSE'} than the baseline by ${fmtNumber(Math.abs(m.summary.logLossGain), 5)}`,
          ...(decision ? gateLines(decision) : [`\n${v.version} is the ${v.kind} challenger; promote with \`dialwise models promote ${v.version}\``]),
        ].join('\n'));
      });
    });
}

export function trainCommand(): Command {
  return new Command('train')
    .description('train a model, store it as a registry version, optionally promote it through the gate')
    .addCommand(conversionCommand())
    .addCommand(contactCommand());
}
