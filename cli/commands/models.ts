import { Command } from 'commander';
import {
  aliasHistory,
  evaluationsOf,
  compareVersions,
  gateDecisionsOf,
  getVersion,
  listAliases,
  listVersions,
  promote,
  promoteIfBetter,
  rollback,
  GATE_METRICS,
  type BinaryReport,
  type DecileRow,
  type GateMetric,
  type ModelVersion,
} from '../../models/index.ts';
import { withWarehouse } from '../../warehouse/index.ts';
import { globals, isoTime, nonNegativeNumber, positiveInt } from '../context.ts';

/** A plain text table: columns padded to their widest cell; numbers right-aligned. */
export function formatTable(headers: readonly string[], rows: readonly (readonly (string | number | null | undefined)[])[]): string {
  const cells = rows.map((r) => r.map((c) => (c === null || c === undefined ? '' : typeof c === 'number' ? fmtNumber(c) : c)));
  const numeric = headers.map((_, j) => rows.length > 0 && rows.every((r) => typeof r[j] === 'number' || r[j] === null || r[j] === undefined));
  const widths = headers.map((h, j) => Math.max(h.length, ...cells.map((r) => (r[j] ?? '').length)));
  const line = (r: readonly string[]) =>
    r.map((c, j) => (numeric[j] ? c.padStart(widths[j]!) : c.padEnd(widths[j]!))).join('  ').trimEnd();
  return [line(headers), line(widths.map((w) => '─'.repeat(w))), ...cells.map(line)].join('\n');
}

export function fmtNumber(v: number, digits = 4): string {
  if (!Number.isFinite(v)) return '–';
  if (Number.isInteger(v)) return v.toLocaleString('en-US');
  return v.toFixed(digits);
}

const date = (d: Date | null | undefined) => (d ? d.toISOString().replace('.000Z', 'Z') : '–');

/** Headline metrics of a version, whatever its kind. */
export function headline(v: ModelVersion): Record<string, number> {
  const s = (v.metrics.summary ?? {}) as Record<string, number>;
  return s;
}

export function metricsTable(rows: { name: string; report: BinaryReport }[]): string {
  return formatTable(
    ['', 'rows', 'positives', 'ROC AUC', 'PR AUC', 'log loss', 'Brier', 'ECE'],
    rows.map(({ name, report: r }) => [name, r.rows, r.positives, r.rocAuc, r.prAuc, r.logLoss, r.brier, r.ece]),
  );
}

export function decileTable(deciles: readonly DecileRow[]): string {
  return formatTable(
    ['decile', 'rows', 'positives', 'rate', 'mean p', 'lift', 'cum. gain', 'cum. lift'],
    deciles.map((d) => [d.decile, d.rows, d.positives, d.rate, d.meanPredicted, d.lift, d.cumulativeGain, d.cumulativeLift]),
  );
}

function listText(versions: ModelVersion[]): string {
  if (versions.length === 0) return 'no model versions yet (dialwise train conversion | contact)';
  return formatTable(
    ['version', 'kind', 'aliases', 'created (UTC)', 'train rows', 'valid rows', 'ROC AUC', 'log loss', 'vs baseline'],
    versions.map((v) => {
      const s = headline(v);
      return [
        v.version,
        v.kind,
        v.aliases.join(',') || '',
        date(v.createdAt),
        v.window.rowsTrain,
        v.window.rowsValid,
        s.rocAuc ?? null,
        s.logLoss ?? null,
        s.baselineLogLoss !== undefined ? `${fmtNumber(s.baselineLogLoss)} (baseline)` : '',
      ];
    }),
  );
}

async function showText(wh: Parameters<typeof getVersion>[0], v: ModelVersion): Promise<string> {
  const out: string[] = [];
  out.push(`${v.version}  (${v.kind}, ${v.algorithm})${v.aliases.length ? `  aliases: ${v.aliases.join(', ')}` : ''}`);
  out.push(`  created      ${date(v.createdAt)}   run ${v.runId}${v.parentRun ? `   parent run ${v.parentRun}` : ''}`);
  out.push(`  source       ${v.source}   parent version ${v.parentVersion ?? '–'}`);
  const w = v.window;
  out.push(`  as of        ${date(w.asOf)}   split ${w.split}`);
  out.push(`  train        ${date(w.trainFrom)} … ${date(w.trainTo)}   ${fmtNumber(w.rowsTrain)} rows`);
  out.push(`  validation   ${date(w.validFrom)} … ${date(w.validTo)}   ${fmtNumber(w.rowsValid)} rows`);
  if (w.gateFrom) out.push(`  gate window  ${date(w.gateFrom)} … ${date(w.gateTo)}   (held back)`);
  out.push(`  features     ${v.features.length}   hash ${v.featureHash.slice(0, 16)}…${v.featureSetHash ? `   feature set ${v.featureSetHash.slice(0, 12)}…` : ''}`);
  out.push(`  artifacts    ${v.artifactPath}`);
  if (v.description) out.push(`  description  ${v.description}`);
  const m = v.metrics as Record<string, unknown>;
  out.push('');
  if (v.algorithm === 'xgboost') {
    out.push('validation window (calibrated, cross-fitted):');
    out.push(metricsTable([
      { name: 'model', report: m.valid as BinaryReport },
      { name: 'before calibration', report: m.validRaw as BinaryReport },
    ]));
    const cal = m.calibration as { method: string; chosenBy: string } | undefined;
    if (cal) out.push(`calibration: ${cal.method} (${cal.chosenBy}); best iteration ${String(m.bestIteration)} of ${String(m.roundsTrained)}`);
    out.push('', 'lift and gain by decile:', decileTable((m.valid as BinaryReport).deciles));
    const gain = (m.topFeaturesByGain as { feature: string; value: number }[] | undefined) ?? [];
    const shap = (m.topFeaturesByShap as { feature: string; value: number }[] | undefined) ?? [];
    out.push('', 'top features:');
    out.push(formatTable(['by gain', 'gain', 'by mean |SHAP|', 'mean |SHAP|'], Array.from({ length: Math.max(gain.length, shap.length) }, (_, i) => [
      gain[i]?.feature ?? '', gain[i]?.value ?? null, shap[i]?.feature ?? '', shap[i]?.value ?? null,
    ])));
  } else {
    out.push('validation window:');
    const baseline = m.baseline as BinaryReport & { segmentColumn: string };
    out.push(metricsTable([
      { name: 'model', report: m.valid as BinaryReport },
      { name: `baseline (${baseline.segmentColumn} × hour)`, report: baseline },
    ]));
    const net = m.network as { bestEpoch: number; epochs: number; inputs: number; factors: number } | undefined;
    if (net) out.push(`network: ${net.inputs} customer inputs, ${net.factors} factors; best epoch ${net.bestEpoch + 1} of ${net.epochs}`);
  }
  const evals = await evaluationsOf(wh, v.version);
  if (evals.length) {
    out.push('', 'evaluations:');
    out.push(formatTable(['window', 'purpose', 'rows', 'log loss', 'ROC AUC'], evals.map((e) => [
      `${date(e.windowFrom)} … ${date(e.windowTo)}`, e.purpose, e.rows, (e.metrics.log_loss as number) ?? null, (e.metrics.roc_auc as number) ?? null,
    ])));
  }
  const gates = await gateDecisionsOf(wh, v.version);
  if (gates.length) {
    out.push('', 'gate decisions:');
    for (const g of gates) out.push(`  ${date(g.decidedAt)}  ${g.candidate} ${g.promoted ? 'PROMOTED' : 'not promoted'}: ${g.reason}`);
  }
  return out.join('\n');
}

function kindOption(cmd: Command): Command {
  return cmd.option('--kind <kind>', 'model kind (conversion, contact, conversion@<table>)');
}

export function modelsCommand(): Command {
  const models = new Command('models').description('the model registry: versions, champion/challenger aliases, promotion and rollback');

  kindOption(models.command('list').description('model versions, newest first'))
    .option('--limit <n>', 'versions to show', positiveInt('--limit'), 50)
    .option('--json', 'print JSON')
    .action(async (opts: { kind?: string; limit: number; json?: boolean }, command: Command) => {
      await withWarehouse(globals(command).dataDir, { readOnly: true }, async (wh) => {
        const versions = await listVersions(wh, { ...(opts.kind ? { kind: opts.kind } : {}), limit: opts.limit });
        if (opts.json) {
          console.log(JSON.stringify({ versions: versions.map(({ metrics, ...v }) => ({ ...v, summary: metrics.summary ?? null })), aliases: await listAliases(wh, opts.kind) }, null, 2));
          return;
        }
        console.log(listText(versions));
      });
    });

  kindOption(models.command('show').description('one version: windows, features, metrics, evaluations, gate decisions').argument('<version>', 'version id, or champion / challenger'))
    .option('--json', 'print JSON')
    .action(async (ref: string, opts: { kind?: string; json?: boolean }, command: Command) => {
      await withWarehouse(globals(command).dataDir, { readOnly: true }, async (wh) => {
        const v = await getVersion(wh, ref, opts.kind ? { kind: opts.kind } : {});
        if (opts.json) {
          console.log(JSON.stringify({ ...v, evaluations: await evaluationsOf(wh, v.version), gateDecisions: await gateDecisionsOf(wh, v.version) }, null, 2));
          return;
        }
        console.log(await showText(wh, v));
      });
    });

  models
    .command('promote')
    .description('make a version its kind\'s champion (with --gate: only if it beats the champion on its fresh window)')
    .argument('<version>', 'version id (or challenger)')
    .option('--kind <kind>', 'kind, when promoting the challenger alias')
    .option('--gate', 'apply the champion/challenger gate instead of promoting unconditionally')
    .option('--gate-metric <metric>', `gate metric (${GATE_METRICS.join(', ')})`, 'log_loss')
    .option('--gate-margin <x>', 'how much better than the champion, in the metric\'s units', nonNegativeNumber('--gate-margin'), 0.001)
    .option('--reason <text>', 'why (kept in the alias history)')
    .option('--json', 'print JSON')
    .action(async (ref: string, opts: { kind?: string; gate?: boolean; gateMetric: string; gateMargin: number; reason?: string; json?: boolean }, command: Command) => {
      const { dataDir } = globals(command);
      await withWarehouse(dataDir, {}, async (wh) => {
        const v = await getVersion(wh, ref, opts.kind ? { kind: opts.kind } : {});
        if (opts.gate) {
          const d = await promoteIfBetter(wh, v.version, { metric: opts.gateMetric as GateMetric, margin: opts.gateMargin });
          if (opts.json) console.log(JSON.stringify(d, null, 2));
          else console.log(`${v.version} ${d.promoted ? 'promoted to' : 'not promoted to'} ${v.kind} champion: ${d.reason}`);
          return;
        }
        const r = await promote(wh, v.version, { reason: opts.reason ?? 'manual promotion (dialwise models promote)' });
        if (opts.json) console.log(JSON.stringify(r, null, 2));
        else console.log(`${r.champion} is now the ${r.kind} champion${r.previous ? ` (was ${r.previous}; \`dialwise models rollback --kind ${r.kind}\` restores it)` : ''}`);
      });
    });

  // the SDK's compareVersions (notebooks use the same function)
  kindOption(models.command('compare').description('score two versions of one kind on the same rows and show the difference').argument('<a>', 'version id or alias').argument('<b>', 'version id or alias'))
    .option('--days <n>', 'newest days of call attempts to score on (default 7)', positiveInt('--days'))
    .option('--from <time>', 'window start (with --to; required for models trained on a table)', isoTime('--from'))
    .option('--to <time>', 'window end (exclusive)', isoTime('--to'))
    .option('--json', 'print JSON')
    .action(async (a: string, b: string, opts: { kind?: string; days?: number; from?: Date; to?: Date; json?: boolean }, command: Command) => {
      if (Boolean(opts.from) !== Boolean(opts.to)) command.error('error: give both --from and --to, or neither');
      await withWarehouse(globals(command).dataDir, { readOnly: true }, async (wh) => {
        const c = await compareVersions(wh, a, b, {
          ...(opts.kind ? { kind: opts.kind } : {}),
          ...(opts.days ? { days: opts.days } : {}),
          ...(opts.from && opts.to ? { window: { from: opts.from, to: opts.to } } : {}),
        });
        if (opts.json) {
          console.log(JSON.stringify(c, null, 2));
          return;
        }
        console.log([
          `${c.kind}: ${c.a.version} vs ${c.b.version} on ${date(c.window.from)} … ${date(c.window.to)} (${fmtNumber(c.a.rows)} rows)`,
          metricsTable([{ name: c.a.version, report: c.a.metrics }, { name: c.b.version, report: c.b.metrics }]),
          `lower log loss: ${c.better}${c.fresh ? '' : ' (not a fair test: a version trained or validated on these rows)'}`,
        ].join('\n'));
      });
    });

  models
    .command('rollback')
    .description('restore the champion in force before the current one')
    .option('--kind <kind>', 'model kind', 'conversion')
    .option('--reason <text>', 'why (kept in the alias history)')
    .option('--json', 'print JSON')
    .action(async (opts: { kind: string; reason?: string; json?: boolean }, command: Command) => {
      await withWarehouse(globals(command).dataDir, {}, async (wh) => {
        const r = await rollback(wh, opts.kind, opts.reason ? { reason: opts.reason } : {});
        if (opts.json) {
          console.log(JSON.stringify({ ...r, history: await aliasHistory(wh, opts.kind, 'champion') }, null, 2));
          return;
        }
        console.log(`${opts.kind} champion rolled back from ${r.rolledBack} to ${r.champion}`);
      });
    });

  return models;
}
