import { Command, InvalidArgumentError } from 'commander';
import {
  DEFAULT_K_RANGE,
  segmentCustomers,
  segmentProfiles,
  latestSegments,
  type SegmentProfile,
  type SegmentRunResult,
} from '../../models/segments/index.ts';
import { withWarehouse } from '../../warehouse/index.ts';
import { globals, positiveInt } from '../context.ts';
import { StepProgress } from '../progress.ts';

interface SegmentCliOptions {
  k?: number;
  kMin?: number;
  kMax?: number;
  snapshot?: number;
  seed: number;
  nInit?: number;
  sampleSize?: number;
  features?: string[];
  json?: boolean;
  quiet?: boolean;
}

const wholeNumber = (name: string) => (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${name} must be a whole number ≥ 0, got "${value}"`);
  return n;
};
const featureList = (value: string): string[] => value.split(',').map((s) => s.trim()).filter(Boolean);

/** `dialwise segment` — K-Means customer segments from the latest (or a given) feature snapshot. */
export function segmentCommand(): Command {
  const command = new Command('segment')
    .description('segment customers (K-Means on the feature snapshot) with stable ids, names and profiles')
    .option('--k <n>', 'a fixed number of segments', positiveInt('--k'))
    .option('--k-min <n>', `smallest k tried when choosing k by silhouette (default ${DEFAULT_K_RANGE.min})`, positiveInt('--k-min'))
    .option('--k-max <n>', `largest k tried (default ${DEFAULT_K_RANGE.max})`, positiveInt('--k-max'))
    .option('--snapshot <id>', 'feature snapshot to segment (default: the latest)', positiveInt('--snapshot'))
    .option('--seed <n>', 'seed of k-means++ and the silhouette sample', wholeNumber('--seed'), 0)
    .option('--n-init <n>', 'k-means++ restarts per k (default 4)', positiveInt('--n-init'))
    .option('--sample-size <n>', 'rows in the silhouette sample (default 5,000)', positiveInt('--sample-size'))
    .option('--features <list>', 'comma-separated input features (default: the documented selection)', featureList)
    .option('--json', 'print the result as JSON')
    .option('--quiet', 'no progress output')
    .action(async (opts: SegmentCliOptions, cmd: Command) => {
      if (opts.k !== undefined && (opts.kMin !== undefined || opts.kMax !== undefined)) {
        cmd.error('error: give either --k or --k-min/--k-max, not both');
      }
      const k =
        opts.k ?? { min: opts.kMin ?? DEFAULT_K_RANGE.min, max: opts.kMax ?? Math.max(DEFAULT_K_RANGE.max, opts.kMin ?? 0) };
      const { dataDir } = globals(cmd);
      const progress = new StepProgress('segment', opts.quiet || opts.json);
      let result: SegmentRunResult;
      try {
        result = await withWarehouse(dataDir, {}, (wh) =>
          segmentCustomers(wh, {
            k,
            seed: opts.seed,
            ...(opts.snapshot !== undefined ? { snapshotId: opts.snapshot } : {}),
            ...(opts.nInit !== undefined ? { nInit: opts.nInit } : {}),
            ...(opts.sampleSize !== undefined ? { sampleSize: opts.sampleSize } : {}),
            ...(opts.features ? { features: opts.features } : {}),
            onProgress: (p) => progress.update(p.step, p.steps, p.label, p.rows),
          }),
        );
      } finally {
        progress.stop();
      }
      console.log(opts.json ? JSON.stringify(result, null, 2) : formatRun(result));
    });

  command
    .command('profiles')
    .description('show the profile of every segment: size, answer and conversion rates, best hours, stand-out features')
    .option('--version <version>', 'segment run version (default: the run in force)')
    .option('--json', 'print the profiles as JSON')
    .action(async (opts: { version?: string; json?: boolean }, cmd: Command) => {
      const { dataDir } = globals(cmd);
      await withWarehouse(dataDir, { readOnly: true }, async (wh) => {
        const profiles = await segmentProfiles(wh, opts.version);
        if (opts.json) {
          console.log(JSON.stringify(profiles, null, 2));
          return;
        }
        const run = opts.version === undefined ? await latestSegments(wh) : null;
        const version = profiles[0]?.version ?? opts.version ?? run?.version ?? '?';
        console.log(`segments ${version}${run ? ` · snapshot ${run.snapshotId} as of ${run.asOf.toISOString()}` : ''}\n`);
        console.log(profiles.map(formatProfile).join('\n\n'));
      });
    });
  return command;
}

const int = (x: number) => x.toLocaleString('en-US');
const pct = (x: number | null) => (x === null ? '—' : `${(100 * x).toFixed(1)}%`);
const DAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const hourOfWeek = (how: number) => `${DAYS[Math.floor(how / 24)]} ${String(how % 24).padStart(2, '0')}:00`;

/** The k curve as a small text chart, one bar per k. */
function curveChart(curve: NonNullable<SegmentRunResult['curve']>, chosen: number): string[] {
  const width = 30;
  const top = Math.max(...curve.map((p) => (Number.isFinite(p.silhouette) ? p.silhouette : 0)), 1e-9);
  return [
    '  k  silhouette',
    ...curve.map((p) => {
      const s = Number.isFinite(p.silhouette) ? p.silhouette : Number.NaN;
      const bar = '█'.repeat(Math.max(0, Math.round((Math.max(0, s) / top) * width)));
      return `  ${String(p.k).padStart(1)}  ${Number.isNaN(s) ? '   n/a' : s.toFixed(3).padStart(6)}  ${bar}${p.k === chosen ? '  ← chosen' : ''}`;
    }),
  ];
}

export function formatRun(r: SegmentRunResult): string {
  const lines = [
    `segments ${r.version} · snapshot ${r.snapshotId} (as of ${r.asOf.toISOString()}) · ${int(r.rows)} customers · ` +
      `k = ${r.k}${r.curve ? ' chosen by silhouette' : ' (fixed)'}${r.silhouette !== null && r.silhouette !== undefined && Number.isFinite(r.silhouette) ? ` · silhouette ${r.silhouette.toFixed(3)}` : ''}`,
    '',
  ];
  if (r.curve) lines.push(...curveChart(r.curve, r.k), '');
  const idWidth = Math.max(2, ...r.segments.map((s) => String(s.segmentId).length));
  lines.push(`  ${'id'.padStart(idWidth)}  ${'customers'.padStart(9)}  ${'share'.padStart(6)}  ${'moved'.padStart(6)}  name`);
  for (const s of r.segments) {
    const moved = s.moved === null ? 'new' : s.moved.toFixed(3);
    lines.push(`  ${String(s.segmentId).padStart(idWidth)}  ${int(s.size).padStart(9)}  ${pct(s.share).padStart(6)}  ${moved.padStart(6)}  ${s.name}`);
  }
  const m = r.movement;
  lines.push('');
  if (m.matched) {
    const kept = m.customersCompared > 0 ? ` · ${pct(m.customersKept / m.customersCompared)} of ${int(m.customersCompared)} customers kept their segment` : '';
    lines.push(`ids matched to ${m.previousVersion} · largest move ${m.maxMoved === null ? '—' : m.maxMoved.toFixed(3)} sd${kept}`);
    if (m.newSegments.length) lines.push(`new segments: ${m.newSegments.join(', ')}`);
    if (m.retired.length) lines.push(`retired segments: ${m.retired.join(', ')}`);
  } else {
    lines.push(m.reason);
  }
  if (r.warmStart) {
    const w = r.warmStart;
    lines.push(
      `warm start from the previous centroids ${w.used ? 'kept' : 'not kept'}: inertia ${w.inertia.toFixed(1)} vs ${w.freshInertia.toFixed(1)} fresh`,
    );
  }
  for (const w of r.warnings) if (w !== m.reason) lines.push(`warning: ${w}`);
  return lines.join('\n');
}

function formatProfile(p: SegmentProfile): string {
  const standOut = Object.entries(p.featureZ)
    .filter(([, z]) => Math.abs(z) >= 0.5)
    .sort((a, b) => Math.abs(b[1]) - Math.abs(a[1]))
    .slice(0, 6)
    .map(([f, z]) => `${f} ${z >= 0 ? '+' : ''}${z.toFixed(2)}`);
  const means = Object.entries(p.featureMeans).map(([f, v]) => {
    if (v === null) return `${f} —`;
    if (typeof v === 'number') return `${f} ${Math.abs(v) >= 100 ? int(Math.round(v)) : v.toFixed(3)}`;
    const [top, share] = Object.entries(v).sort((a, b) => b[1] - a[1])[0] ?? ['—', 0];
    return `${f} ${top} (${pct(share)})`;
  });
  return [
    `segment ${p.segmentId} · ${p.name}`,
    `  ${int(p.size)} customers (${pct(p.share)}) · answer rate ${pct(p.answerRate)} of ${int(p.attempts)} attempts · ` +
      `conversion ${pct(p.conversionRate)} of answered · moved ${p.moved === null ? 'new' : p.moved.toFixed(3)}`,
    `  best local hours: ${p.bestHours.length ? p.bestHours.map(hourOfWeek).join(', ') : '—'}`,
    `  stands out: ${standOut.length ? standOut.join(', ') : 'nothing (close to the average customer)'}`,
    `  means: ${means.join(' · ')}`,
  ].join('\n');
}
