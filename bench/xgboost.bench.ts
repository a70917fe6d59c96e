// XGBoost through our koffi binding vs Python's xgboost, same libxgboost, same data, same run.
//
//   npm run bench:xgboost [-- --rows 1000000 --rounds 200 --repeat 1]
//
// Synthetic data (deterministic seed) is written once to bench/out/xgboost/ as raw float32
// files that both sides read. Loading (file read + DMatrix) is timed apart from training, so
// the ratio compares training. Both sides get no eval sets during training; validation AUC is
// computed afterwards (ours in TypeScript, Python's with sklearn's roc_auc_score).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DMatrix, train, xgboostInfo, type XGBoostParams } from '../models/xgboost/index.ts';

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    valid: { type: 'string', default: '200000' },
    cols: { type: 'string', default: '40' },
    rounds: { type: 'string', default: '200' },
    repeat: { type: 'string', default: '1' },
    seed: { type: 'string', default: '20240601' },
  },
});
const ROWS = Number(args.rows);
const VALID_ROWS = Number(args.valid);
const NCOL = Number(args.cols);
const ROUNDS = Number(args.rounds);
const REPEAT = Number(args.repeat);
const SEED = Number(args.seed);
const PYTHON = '/usr/bin/python3';
const OUT = join(import.meta.dirname, 'out', 'xgboost');

const params = {
  objective: 'binary:logistic',
  tree_method: 'hist',
  max_depth: 6,
  eta: 0.1,
  max_bin: 256,
  subsample: 1,
  min_child_weight: 1,
  nthread: 2,
  seed: 42,
  verbosity: 1,
} satisfies XGBoostParams;

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Non-linear signal on 8 of the columns (interactions, thresholds, periodic terms), 2% NaN in two. */
function generate(nrow: number, seed: number): { x: Float32Array; y: Float32Array } {
  const r = rng(seed);
  const x = new Float32Array(nrow * NCOL);
  const y = new Float32Array(nrow);
  for (let i = 0; i < nrow; i++) {
    const o = i * NCOL;
    for (let j = 0; j < NCOL; j++) x[o + j] = r();
    const [x0, x1, x2, x3, x4, x5, x6, x7] = [x[o]!, x[o + 1]!, x[o + 2]!, x[o + 3]!, x[o + 4]!, x[o + 5]!, x[o + 6]!, x[o + 7]!];
    const logit =
      2.5 * Math.sin(4 * x0) -
      1.2 +
      16 * (x1 - 0.5) * (x2 - 0.5) +
      (x3 > 0.6 ? 1.5 : -0.5) * (x4 > 0.3 ? 1 : -1) +
      8 * (x5 - 0.5) ** 2 -
      1 +
      Math.cos(9 * x6 * x7);
    y[i] = r() < 1 / (1 + Math.exp(-logit)) ? 1 : 0;
    if (r() < 0.02) x[o + 3] = NaN; // missing values after the label is drawn: the model must cope
    if (r() < 0.02) x[o + 9] = NaN;
  }
  return { x, y };
}

function ensureData(): Record<'trainX' | 'trainY' | 'validX' | 'validY', string> {
  const tag = `${ROWS}x${NCOL}-${VALID_ROWS}-s${SEED}`;
  const files = {
    trainX: join(OUT, `train-${tag}.x.f32`),
    trainY: join(OUT, `train-${tag}.y.f32`),
    validX: join(OUT, `valid-${tag}.x.f32`),
    validY: join(OUT, `valid-${tag}.y.f32`),
  };
  if (Object.values(files).every((f) => existsSync(f))) return files;
  mkdirSync(OUT, { recursive: true });
  const t0 = performance.now();
  const tr = generate(ROWS, SEED);
  writeFileSync(files.trainX, tr.x);
  writeFileSync(files.trainY, tr.y);
  const va = generate(VALID_ROWS, SEED + 1);
  writeFileSync(files.validX, va.x);
  writeFileSync(files.validY, va.y);
  console.error(`generated data in ${((performance.now() - t0) / 1000).toFixed(1)} s → ${OUT}`);
  return files;
}

function readF32(path: string): Float32Array {
  const buf = readFileSync(path);
  // View the file's bytes without copying (small buffers may sit unaligned in Node's pool).
  if (buf.byteOffset % 4 !== 0) return new Float32Array(new Uint8Array(buf).buffer);
  return new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
}

/** ROC AUC with tied scores counted as half (Mann–Whitney U with average ranks). */
function rocAuc(labels: Float32Array, scores: Float32Array): number {
  const n = labels.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let rankSumPos = 0;
  let pos = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && scores[order[j + 1]!] === scores[order[i]!]) j++;
    const avgRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) {
      if (labels[order[k]!] === 1) {
        rankSumPos += avgRank;
        pos++;
      }
    }
    i = j + 1;
  }
  const neg = n - pos;
  return (rankSumPos - (pos * (pos + 1)) / 2) / (pos * neg);
}

interface SideResult {
  load_s: number;
  train_s: number;
  /** CPU seconds of the whole process (all threads) while training: less sensitive to other load. */
  train_cpu_s: number;
  predict_s: number;
  rounds: number;
  auc: number;
}

function runOurs(files: ReturnType<typeof ensureData>): SideResult {
  let t0 = performance.now();
  const dtrain = new DMatrix(readF32(files.trainX), { nrow: ROWS, ncol: NCOL, label: readF32(files.trainY), nthread: params.nthread });
  const validY = readF32(files.validY);
  const dvalid = new DMatrix(readF32(files.validX), { nrow: VALID_ROWS, ncol: NCOL, label: validY, nthread: params.nthread });
  const load_s = (performance.now() - t0) / 1000;

  t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const booster = train({ params, dtrain, numBoostRound: ROUNDS });
  const train_s = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const train_cpu_s = (cpu.user + cpu.system) / 1e6;

  t0 = performance.now();
  const pred = booster.predict(dvalid);
  const predict_s = (performance.now() - t0) / 1000;
  const result = { load_s, train_s, train_cpu_s, predict_s, rounds: booster.boostedRounds(), auc: rocAuc(validY, pred) };
  booster.dispose();
  dtrain.dispose();
  dvalid.dispose();
  return result;
}

function runPython(files: ReturnType<typeof ensureData>): SideResult & { xgboost: string; library: string } {
  const spec = JSON.stringify({ ...files, ncol: NCOL, rounds: ROUNDS, params });
  const res = spawnSync(PYTHON, [join(import.meta.dirname, 'xgboost_peer.py'), spec], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (res.status !== 0) {
    throw new Error(`${PYTHON} bench/xgboost_peer.py failed (needs python3-xgboost and python3-sklearn):\n${res.stderr}`);
  }
  return JSON.parse(res.stdout.trim().split('\n').at(-1)!);
}

const fmt = (s: number) => `${s.toFixed(2)} s`;

const started = performance.now();
const info = xgboostInfo();
console.log(`xgboost bench: ${ROWS.toLocaleString('en')} train rows × ${NCOL} features, ${VALID_ROWS.toLocaleString('en')} validation rows, ${ROUNDS} rounds`);
console.log(`params: ${JSON.stringify(params)}`);
console.log(`machine: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), node ${process.version}; ours: libxgboost ${info.version} at ${info.path}`);
const files = ensureData();

const ours: SideResult[] = [];
const py: Array<SideResult & { xgboost: string; library: string }> = [];
for (let rep = 0; rep < REPEAT; rep++) {
  // Alternate who goes first so neither always gets the warmer page cache.
  const order = rep % 2 === 0 ? ['ours', 'python'] : ['python', 'ours'];
  for (const side of order) {
    if (side === 'ours') {
      ours.push(runOurs(files));
      const r = ours.at(-1)!;
      console.log(`  run ${rep + 1} ours:   load ${fmt(r.load_s)}, train ${fmt(r.train_s)} (cpu ${fmt(r.train_cpu_s)}), AUC ${r.auc.toFixed(6)}, load avg ${loadavg()[0]!.toFixed(2)}`);
    } else {
      py.push(runPython(files));
      const r = py.at(-1)!;
      console.log(`  run ${rep + 1} python: load ${fmt(r.load_s)}, train ${fmt(r.train_s)} (cpu ${fmt(r.train_cpu_s)}), AUC ${r.auc.toFixed(6)}, load avg ${loadavg()[0]!.toFixed(2)}`);
    }
  }
}

const best = <T extends SideResult>(rs: T[], k: keyof SideResult) => Math.min(...rs.map((r) => r[k]));
const o = { load: best(ours, 'load_s'), train: best(ours, 'train_s'), cpu: best(ours, 'train_cpu_s'), predict: best(ours, 'predict_s'), auc: ours[0]!.auc };
const p = { load: best(py, 'load_s'), train: best(py, 'train_s'), cpu: best(py, 'train_cpu_s'), predict: best(py, 'predict_s'), auc: py[0]!.auc };
const ratio = o.train / p.train;
const aucDiff = Math.abs(o.auc - p.auc);
console.log(`python peer: xgboost ${py[0]!.xgboost} (${py[0]!.library})`);
console.log('');
console.log(`best of ${REPEAT} run(s) per side; load average at the end ${loadavg().map((v) => v.toFixed(2)).join(' ')}`);
console.log('| phase | ours (TS, koffi) | python xgboost | ours/python |');
console.log('|---|---|---|---|');
console.log(`| load (read .f32 + DMatrix) | ${fmt(o.load)} | ${fmt(p.load)} | ${(o.load / p.load).toFixed(3)} |`);
console.log(`| train (${ROUNDS} rounds) | ${fmt(o.train)} | ${fmt(p.train)} | **${ratio.toFixed(3)}** |`);
console.log(`| train CPU time (all threads) | ${fmt(o.cpu)} | ${fmt(p.cpu)} | ${(o.cpu / p.cpu).toFixed(3)} |`);
console.log(`| predict (${VALID_ROWS.toLocaleString('en')} rows) | ${fmt(o.predict)} | ${fmt(p.predict)} | ${(o.predict / p.predict).toFixed(3)} |`);
console.log(`| validation AUC | ${o.auc.toFixed(6)} | ${p.auc.toFixed(6)} | diff ${aucDiff.toExponential(2)} |`);
console.log('');
console.log(`train time ratio ours/python = ${ratio.toFixed(3)} (target ≤ 1.1: ${ratio <= 1.1 ? 'met' : 'NOT met'})`);
console.log(`AUC difference = ${aucDiff.toExponential(2)} (target ≤ 1e-3: ${aucDiff <= 1e-3 ? 'met' : 'NOT met'})`);
console.log(`bench wall time ${((performance.now() - started) / 1000).toFixed(0)} s`);
